//! Bad input: exit code 2, `FILE:LINE: column: what is wrong` on stderr, and no output file.

mod cli_common;
use cli_common::{Dir, hotspot};
use predicates::str::contains;

const HEADER: &str = "id,lon,lat,kind,observed_at\n";

/// Runs `cluster` on `content` and checks exit 2, the expected stderr line, and that neither
/// output appeared and a pre-existing output was left untouched.
fn rejects(content: &[u8], expected_line: &str) {
    let d = Dir::new();
    let input = d.write("r.csv", content);
    d.write("h.geojson", "previous run");
    let out = hotspot()
        .args([
            "cluster",
            "--input",
            &input,
            "--eps-m",
            "150",
            "--min-pts",
            "5",
        ])
        .args(["--labels", &d.s("l.csv"), "--out", &d.s("h.geojson")])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let want = expected_line.replace("FILE", &input);
    assert!(
        stderr.lines().any(|l| l == want || l.starts_with(&want)),
        "stderr {stderr:?} lacks {want:?}"
    );
    assert!(!d.exists("l.csv"));
    assert_eq!(d.read("h.geojson"), "previous run");
    assert_eq!(
        d.names(),
        vec!["h.geojson", "r.csv"],
        "temporary files left behind"
    );
}

#[test]
fn bad_latitude() {
    rejects(
        format!("{HEADER}a,107.59,91.5,use,2025-01-01\n").as_bytes(),
        "FILE:2: lat: 91.5 is not a latitude in [-90, 90]",
    );
}

#[test]
fn non_finite_longitude() {
    rejects(
        format!("{HEADER}a,107.59,16.4,use,2025-01-01\nb,inf,16.4,use,2025-01-01\n").as_bytes(),
        "FILE:3: lon: inf is not a longitude in [-180, 180]",
    );
}

#[test]
fn unknown_kind() {
    rejects(
        format!("{HEADER}a,107.59,16.4,heroin,2025-01-01\n").as_bytes(),
        "FILE:2: kind: unknown value \"heroin\", expected one of: use, storage, trafficking, sale, cultivation",
    );
}

#[test]
fn bad_date() {
    rejects(
        format!("{HEADER}a,107.59,16.4,use,2025-02-30\n").as_bytes(),
        "FILE:2: observed_at: \"2025-02-30\" is not a date",
    );
}

#[test]
fn duplicate_id() {
    rejects(
        format!("{HEADER}a,107.59,16.4,use,2025-01-01\na,107.59,16.4,use,2025-01-02\n").as_bytes(),
        "FILE:3: id: duplicate id \"a\" (first on line 2)",
    );
}

#[test]
fn missing_column() {
    rejects(
        b"id,lon,lat,observed_at\na,107.59,16.4,2025-01-01\n",
        "FILE:1: kind: missing column",
    );
}

#[test]
fn empty_file() {
    rejects(b"", "FILE:1: -: file is empty");
}

#[test]
fn ragged_row() {
    rejects(
        format!("{HEADER}a,107.59,16.4,use\n").as_bytes(),
        "FILE:2: -: expected 5 fields, found 4",
    );
}

#[test]
fn invalid_utf8() {
    let mut src = HEADER.as_bytes().to_vec();
    src.extend_from_slice(b"a,107.59,16.4,use,2025-01-01\nb\xe9,107.59,16.4,use,2025-01-01\n");
    rejects(&src, "FILE:3: id: not valid UTF-8");
}

#[test]
fn empty_id() {
    rejects(
        format!("{HEADER} ,107.59,16.4,use,2025-01-01\n").as_bytes(),
        "FILE:2: id: empty id",
    );
}

#[test]
fn geojson_wrong_geometry_names_the_feature_line() {
    let src = r#"{"type": "FeatureCollection", "features": [
  {"type": "Feature", "geometry": {"type": "Point", "coordinates": [107.59, 16.46]},
   "properties": {"id": "a", "kind": "use", "observed_at": "2025-01-01"}},
  {"type": "Feature",
   "geometry": {"type": "LineString", "coordinates": [[107.59, 16.46], [107.6, 16.5]]},
   "properties": {"id": "b", "kind": "use", "observed_at": "2025-01-01"}}
]}"#;
    let d = Dir::new();
    let input = d.write("r.geojson", src);
    hotspot()
        .args(["hexes", "--input", &input, "--out", &d.s("x.geojson")])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "{input}:4: geometry: expected a Point, found LineString"
        )));
    assert!(!d.exists("x.geojson"));
}

#[test]
fn only_twenty_problems_then_a_count() {
    let mut src = HEADER.to_string();
    for i in 0..30 {
        src.push_str(&format!("r{i},107.59,95,use,2025-01-01\n"));
    }
    let d = Dir::new();
    let input = d.write("r.csv", &src);
    let out = hotspot()
        .args(["cluster", "--input", &input, "--labels", &d.s("l.csv")])
        .assert()
        .code(2)
        .get_output()
        .clone();
    let stderr = String::from_utf8(out.stderr).unwrap();
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 21, "{stderr}");
    assert_eq!(
        lines[0],
        format!("{input}:2: lat: 95 is not a latitude in [-90, 90]")
    );
    assert_eq!(
        lines[19],
        format!("{input}:21: lat: 95 is not a latitude in [-90, 90]")
    );
    assert_eq!(lines[20], "… and 10 more problems");
}

#[test]
fn bad_arguments_exit_2() {
    let d = Dir::new();
    let input = d.write("r.csv", format!("{HEADER}a,107.59,16.4,use,2025-01-01\n"));
    for args in [
        vec!["cluster", "--input", &input, "--eps-m", "0"],
        vec!["cluster", "--input", &input, "--min-pts", "0"],
        vec!["cluster"],
        vec!["hexes", "--input", &input, "--res", "16"],
        vec!["kde", "--input", &input, "--weights", "heroin=2"],
        vec!["cluster", "--input", &input, "--kind", "heroin"],
        vec!["cluster", "--input", &input, "--from", "2025-13-01"],
        vec![
            "cluster",
            "--input",
            &input,
            "--from",
            "2025-02-01",
            "--to",
            "2025-01-01",
        ],
        vec!["cluster", "--input", &input, "--rejects", "x.csv"],
        vec!["cluster", "--input", &input, "--tz", "Asia/Hanoi"],
        vec!["emerging", "--input", &input, "--step", "fortnight"],
        vec!["frobnicate"],
    ] {
        hotspot().args(&args).assert().code(2);
    }
    assert_eq!(d.names(), vec!["r.csv"]);
}

#[test]
fn missing_input_file_is_a_failure_not_bad_input() {
    let d = Dir::new();
    hotspot()
        .args([
            "cluster",
            "--input",
            &d.s("nope.csv"),
            "--labels",
            &d.s("l.csv"),
        ])
        .assert()
        .code(1)
        .stderr(contains("nope.csv"));
    assert!(d.names().is_empty());
}
