//! The layering rule of ARCHITECTURE.md, enforced: the pure core (model, index, analysis,
//! lifecycle, render, ingest, timestep, synth, demo) never reaches up into the store, the
//! pipelines or the front ends; the store never reaches into the pipelines or front ends; the
//! pipelines (`ops`) never into the front ends (`cli`, `server`).

use std::path::{Path, PathBuf};

/// (module path under src/, layers it must not import).
const RULES: &[(&str, &[&str])] = &[
    ("model.rs", &["store", "ops", "cli", "server"]),
    ("index.rs", &["store", "ops", "cli", "server"]),
    ("timestep.rs", &["store", "ops", "cli", "server"]),
    ("synth.rs", &["store", "ops", "cli", "server"]),
    ("demo.rs", &["store", "ops", "cli", "server"]),
    ("analysis", &["store", "ops", "cli", "server", "lifecycle"]),
    ("lifecycle", &["store", "ops", "cli", "server"]),
    ("render", &["store", "ops", "cli", "server"]),
    ("ingest", &["store", "ops", "cli", "server"]),
    ("filter", &["store", "ops", "cli", "server"]),
    ("crs.rs", &["store", "ops", "cli", "server"]),
    ("store", &["ops", "cli", "server"]),
    ("ops", &["cli", "server"]),
];

fn rust_files(p: &Path) -> Vec<PathBuf> {
    if p.is_file() {
        return vec![p.to_path_buf()];
    }
    let mut out = Vec::new();
    for e in std::fs::read_dir(p).unwrap() {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|x| x == "rs") {
            out.push(path);
        }
    }
    out
}

/// Lines of `source` that import one of `forbidden` layers: `crate::store…`,
/// `crate::{…, store, …}` (single- or multi-line use lists) or `hotspot::store…`.
fn reverse_imports(source: &str, forbidden: &[&str]) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    // Join each `use crate::{ … };` list onto one line so grouped imports are seen.
    let mut pending: Option<(usize, String)> = None;
    for (i, line) in source.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let (n, text) = match pending.take() {
            Some((n, mut acc)) => {
                acc.push(' ');
                acc.push_str(code.trim());
                (n, acc)
            }
            None => (i + 1, code.trim().to_string()),
        };
        if text.starts_with("use ") && !text.contains(';') {
            pending = Some((n, text));
            continue;
        }
        for layer in forbidden {
            let direct = [format!("crate::{layer}::"), format!("crate::{layer};")];
            let external = format!("hotspot::{layer}");
            let grouped = text.contains("crate::{")
                && text.split("crate::{").nth(1).is_some_and(|rest| {
                    rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .any(|w| w == *layer)
                        && !rest.starts_with(&format!("{layer}_"))
                });
            if direct.iter().any(|d| text.contains(d.as_str()))
                || text.contains(&external)
                || grouped
            {
                found.push((n, format!("imports {layer}: {}", text.trim())));
            }
        }
    }
    found
}

#[test]
fn core_layers_never_import_the_layers_above_them() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut violations = Vec::new();
    for (module, forbidden) in RULES {
        let root = src.join(module);
        assert!(root.exists(), "src/{module} is gone: update RULES");
        for file in rust_files(&root) {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, what) in reverse_imports(&text, forbidden) {
                violations.push(format!(
                    "{}:{line}: {what}",
                    file.strip_prefix(&src).unwrap().display()
                ));
            }
        }
    }
    assert!(
        violations.is_empty(),
        "layering violations (see ARCHITECTURE.md, Layering rule):\n{}",
        violations.join("\n")
    );
}

#[test]
fn the_checker_sees_every_form_of_a_reverse_import() {
    let forbidden = &["store", "server"];
    for bad in [
        "use crate::store::PlanInput;",
        "use crate::store;",
        "    let s = crate::store::open(url);",
        "use crate::{model::Report, store::Role};",
        "use crate::{\n    model::Report,\n    server::AppState,\n};",
        "use hotspot::store::Store;",
    ] {
        assert!(
            !reverse_imports(bad, forbidden).is_empty(),
            "not flagged: {bad}"
        );
    }
    for fine in [
        "use crate::model::Report;",
        "// see crate::store::Store for the backends",
        "use crate::{model::Report, render::geojson};",
        "let storage = 1;",
    ] {
        assert!(
            reverse_imports(fine, forbidden).is_empty(),
            "flagged: {fine}"
        );
    }
}
