//! The CLI writes every layer in the format its `--out` extension (or `--format`) names, and
//! GDAL opens each file with every feature and the right field types: `cluster`, `hexes`,
//! `kde`, `emerging` and `near` on the demo reports, `export` of the stored reports, sites
//! and areas. An unknown extension or format is bad input (exit 2) naming `--out` /
//! `--format`, and leaves no file behind.
//!
//! Without `ogrinfo` on PATH the GDAL checks are skipped with a message, except under
//! `CI=true` (scripts/setup-system.sh installs gdal-bin).

mod cli_common;

use cli_common::{Dir, hotspot};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

const REPORTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/reports.csv");
const SITES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/sites.geojson");
const AREAS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/data/demo/areas.geojson");

fn gdal_available() -> bool {
    match Command::new("ogrinfo").arg("--version").output() {
        Ok(o) if o.status.success() => true,
        _ => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("ogrinfo not found but CI=true: install gdal-bin");
            }
            eprintln!("ogrinfo not found: skipping the GDAL checks (install gdal-bin)");
            false
        }
    }
}

/// `ogrinfo -so -al` of a one-layer file: feature count and field types.
struct Schema {
    count: usize,
    fields: BTreeMap<String, String>,
}

fn schema(path: &Path) -> Schema {
    let out = Command::new("ogrinfo")
        .args(["-ro", "-so", "-al", path.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ogrinfo {path:?}: {text}\n{err}");
    assert!(!err.contains("ERROR"), "ogrinfo {path:?}: {err}");
    let mut s = Schema {
        count: usize::MAX,
        fields: BTreeMap::new(),
    };
    for line in text.lines() {
        if let Some(n) = line.strip_prefix("Feature Count: ") {
            s.count = n.trim().parse().unwrap();
        } else if let Some((name, ty)) = line.split_once(": ")
            && ty.ends_with(')')
            && !name.contains(' ')
        {
            let ty = ty.rsplit_once(" (").map_or(ty, |(t, _)| t);
            s.fields.insert(name.to_string(), ty.to_string());
        }
    }
    assert_ne!(s.count, usize::MAX, "no feature count in:\n{text}");
    s
}

fn run_ok(args: &[&str]) {
    let out = hotspot().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "hotspot {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Runs a layer command writing `out`.
fn layer(d: &Dir, cmd: &[&str], out: &str, extra: &[&str]) {
    let mut args: Vec<&str> = cmd.to_vec();
    args.extend(["--input", REPORTS, "-q", "--out"]);
    let path = d.s(out);
    args.push(&path);
    args.extend(extra);
    run_ok(&args);
}

fn geojson_count(d: &Dir, name: &str) -> usize {
    d.json(name)["features"].as_array().unwrap().len()
}

#[test]
fn layer_commands_write_each_format_that_gdal_reads_in_full() {
    if !gdal_available() {
        return;
    }
    let d = Dir::new();
    // (command, the field each file must have with its GDAL type)
    type Case<'a> = (&'a [&'a str], &'a str, [(&'a str, &'a str); 2]);
    let cases: [Case; 5] = [
        (
            &["cluster", "--min-pts", "3"],
            "hotspots",
            [("count", "Integer64"), ("first_seen", "DateTime")],
        ),
        (
            &["hexes"],
            "hexes",
            [("count", "Integer64"), ("gi_z", "Real")],
        ),
        (&["kde"], "kde", [("h3", "String"), ("density", "Real")]),
        (
            &["emerging", "--res", "9"],
            "emerging",
            [("h3", "String"), ("category", "String")],
        ),
        (
            &["near", "--sites", SITES, "--top", "0"],
            "near",
            [("name", "String"), ("reports_within", "Integer64")],
        ),
    ];
    for (cmd, name, fields) in cases {
        let geojson = format!("{name}.geojson");
        layer(&d, cmd, &geojson, &[]);
        let n = geojson_count(&d, &geojson);
        assert!(n > 0, "{cmd:?}: an empty layer proves nothing");
        for ext in ["gpkg", "fgb"] {
            let file = format!("{name}.{ext}");
            layer(&d, cmd, &file, &[]);
            // The file really is in the format its extension names (GDAL would also read
            // GeoJSON behind a wrong extension).
            let magic: &[u8] = if ext == "gpkg" {
                b"SQLite format 3\0"
            } else {
                b"fgb\x03"
            };
            assert!(
                std::fs::read(d.path(&file)).unwrap().starts_with(magic),
                "{cmd:?} .{ext}"
            );
            let s = schema(&d.path(&file));
            assert_eq!(s.count, n, "{cmd:?} .{ext}");
            for (f, ty) in fields {
                assert_eq!(
                    s.fields.get(f).map(String::as_str),
                    Some(ty),
                    "{cmd:?} .{ext}: field {f} in {:?}",
                    s.fields
                );
            }
        }
        // CSV: one row per feature, through GDAL's CSV driver too.
        let csv = format!("{name}.csv");
        layer(&d, cmd, &csv, &[]);
        assert_eq!(schema(&d.path(&csv)).count, n, "{cmd:?} .csv");
        let text = d.read(&csv);
        assert!(
            text.starts_with('\u{feff}'),
            "{cmd:?}: CSV files carry a BOM"
        );
        assert!(!text.contains('{'), "{cmd:?}: no JSON in CSV cells");
        // --format wins over an extension-less name and must agree with a known one.
        let named = format!("{name}-by-flag.dat");
        layer(&d, cmd, &named, &["--format", "gpkg"]);
        assert_eq!(schema(&d.path(&named)).count, n, "{cmd:?} --format gpkg");
    }
}

#[test]
fn shapefile_names_convert_to_a_shapefile() {
    if !gdal_available() {
        return;
    }
    let d = Dir::new();
    layer(
        &d,
        &["cluster", "--min-pts", "3"],
        "h.gpkg",
        &["--shapefile-names"],
    );
    let s = schema(&d.path("h.gpkg"));
    assert!(
        s.fields.keys().all(|k| k.chars().count() <= 10),
        "{:?}",
        s.fields
    );
    let shp = d.s("h.shp");
    let out = Command::new("ogr2ogr")
        .args(["-f", "ESRI Shapefile", &shp, &d.s("h.gpkg")])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(!err.contains("Warning"), "ogr2ogr warned: {err}");
    assert_eq!(schema(&d.path("h.shp")).count, s.count);
}

#[test]
fn export_writes_stored_layers_in_every_format() {
    if !gdal_available() {
        return;
    }
    let d = Dir::new();
    let db = format!("sqlite://{}", d.s("h.db"));
    for (kind, file) in [("reports", REPORTS), ("sites", SITES), ("areas", AREAS)] {
        run_ok(&["import", kind, file, "--db", &db, "-q"]);
    }
    for (layer, fields) in [
        (
            "reports",
            &[("kind", "String"), ("observed_at", "DateTime")][..],
        ),
        ("sites", &[("name", "String"), ("kind", "String")][..]),
        ("areas", &[("level", "String"), ("parent_id", "String")][..]),
    ] {
        let geojson = d.s(&format!("{layer}.geojson"));
        run_ok(&["export", layer, "--db", &db, "--out", &geojson, "-q"]);
        let n = geojson_count(&d, &format!("{layer}.geojson"));
        assert!(n > 0);
        for ext in ["gpkg", "fgb", "csv"] {
            let file = d.s(&format!("{layer}.{ext}"));
            run_ok(&["export", layer, "--db", &db, "--out", &file, "-q"]);
            let bytes = std::fs::read(&file).unwrap();
            let magic: &[u8] = match ext {
                "gpkg" => b"SQLite format 3\0",
                "fgb" => b"fgb\x03",
                _ => b"\xEF\xBB\xBFid,",
            };
            assert!(bytes.starts_with(magic), "export {layer} .{ext}");
            let s = schema(Path::new(&file));
            assert_eq!(s.count, n, "export {layer} .{ext}");
            if ext != "csv" {
                for (f, ty) in fields {
                    assert_eq!(
                        s.fields.get(*f).map(String::as_str),
                        Some(*ty),
                        "export {layer} .{ext}: {f} in {:?}",
                        s.fields
                    );
                }
            }
        }
    }
    // The reports' CSV is still the import format: it goes back in unchanged.
    let again = format!("sqlite://{}", d.s("again.db"));
    run_ok(&[
        "import",
        "reports",
        &d.s("reports.csv"),
        "--db",
        &again,
        "-q",
    ]);
    run_ok(&[
        "export",
        "reports",
        "--db",
        &again,
        "--out",
        &d.s("again.geojson"),
        "-q",
    ]);
    assert_eq!(d.read("again.geojson"), d.read("reports.geojson"));
}

#[test]
fn unknown_extension_or_format_is_bad_input_naming_the_flag() {
    let d = Dir::new();
    for (extra, out, flag) in [
        (&[][..], "h.shp", "--out"),
        (&["--format", "xlsx"][..], "h.gpkg", "--format"),
        (&["--format", "csv"][..], "h.gpkg", "--format"),
    ] {
        let path = d.s(out);
        let mut args = vec!["hexes", "--input", REPORTS, "--out", &path];
        args.extend(extra);
        let o = hotspot().args(&args).output().unwrap();
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(flag), "{args:?}: {err}");
        assert!(err.contains("gpkg") || err.contains("contradicts"), "{err}");
    }
    let path = d.s("r.xlsx");
    let o = hotspot()
        .args([
            "export",
            "reports",
            "--db",
            &format!("sqlite://{}", d.s("x.db")),
            "--out",
            &path,
        ])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("--out"), "{err}");
    assert!(
        d.names()
            .iter()
            .all(|n| !n.starts_with("h.") && n != "r.xlsx"),
        "{:?}",
        d.names()
    );
}
