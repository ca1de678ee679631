//! Every link in the repository's Markdown files, and every `*.md` file named in code or
//! scripts, points at a file that is in the repository: a person who clones it can follow
//! each one.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Files under the repository, skipping build output, dependencies and VCS data.
fn files(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() {
            if !matches!(name.as_str(), "target" | "node_modules" | ".git" | "dist")
                && !name.starts_with('.')
                || matches!(name.as_str(), ".ci" | ".config")
            {
                files(&path, exts, out);
            }
        } else if exts.iter().any(|x| name.ends_with(x)) {
            out.push(path);
        }
    }
}

/// Targets of inline Markdown links `[text](target)` that are neither URLs nor anchors.
fn markdown_links(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("](") {
        rest = &rest[i + 2..];
        let Some(end) = rest.find(')') else { break };
        let target = rest[..end].split_whitespace().next().unwrap_or("");
        let target = target.split('#').next().unwrap_or("");
        if !target.is_empty() && !target.contains("://") && !target.starts_with("mailto:") {
            out.push(target.to_string());
        }
        rest = &rest[end..];
    }
    out
}

/// `NAME.md` words in code and scripts (`ARCHITECTURE.md`, `web/README.md`, …).
fn md_mentions(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || "._/-".contains(c)))
        .filter(|w| w.ends_with(".md") && w.len() > 3 && !w.starts_with('.'))
        .map(|w| w.trim_start_matches("./").to_string())
        .collect()
}

#[test]
fn markdown_links_resolve_inside_the_repository() {
    let root = root();
    let mut md = Vec::new();
    files(&root, &[".md"], &mut md);
    let mut broken = Vec::new();
    for f in &md {
        let text = std::fs::read_to_string(f).unwrap();
        for target in markdown_links(&text) {
            let resolved = f.parent().unwrap().join(&target);
            let inside = resolved
                .canonicalize()
                .is_ok_and(|p| p.starts_with(root.canonicalize().unwrap()));
            if !inside {
                broken.push(format!(
                    "{}: {target}",
                    f.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "links to missing files:\n{}",
        broken.join("\n")
    );
}

#[test]
fn documents_named_in_code_exist_in_the_repository() {
    let root = root();
    let mut code = Vec::new();
    files(
        &root,
        &[".rs", ".ts", ".sh", ".mjs", ".md", ".toml"],
        &mut code,
    );
    let mut missing = Vec::new();
    for f in &code {
        if f.ends_with("tests/doc_links.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).unwrap();
        for name in md_mentions(&text) {
            let here = f.parent().unwrap().join(&name);
            let found = here.exists()
                || root.join(&name).exists()
                || (!name.contains('/') && find_named(&root, &name));
            if !found {
                missing.push(format!(
                    "{}: {name}",
                    f.strip_prefix(&root).unwrap().display()
                ));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "documents named but not in the repository:\n{}",
        missing.join("\n")
    );
}

fn find_named(root: &Path, name: &str) -> bool {
    let mut md = Vec::new();
    files(root, &[".md"], &mut md);
    md.iter().any(|p| p.file_name().is_some_and(|n| n == name))
}

#[test]
fn the_checks_catch_a_dangling_reference() {
    assert_eq!(
        markdown_links("see [design](../outside/PLAN.md#x) and [web](https://x.org)"),
        vec!["../outside/PLAN.md"]
    );
    assert_eq!(
        md_mentions("// see GONE.md and `ARCHITECTURE.md`."),
        vec!["GONE.md", "ARCHITECTURE.md"]
    );
}
