//! `hotspot cluster`: exact labels file and hotspot GeoJSON for a hand-made input.

mod cli_common;
use cli_common::{Dir, assert_rfc7946, hotspot};
use serde_json::Value;

/// Two tight triples ~11 m apart inside each (cluster "A" at 107.59/16.46, "B" at
/// 107.60/16.47, about 1.5 km apart) and one lone report. Input order interleaves them so
/// label numbering by first core point in input order is visible: e (B) comes before a (A).
const INPUT: &str = "\u{feff}id,kind,lon,lat,observed_at,note\r\n\
d,use,107.70,16.50,2025-01-05,\"lone\"\r\n\
e,sale,107.6000,16.4700,2025-02-01T10:00:00,\"B\r\nfirst\"\r\n\
a,use,107.5900,16.4600,2025-01-01T08:00:00,A\r\n\
f,sale,107.6001,16.4700,2025-02-02,B\r\n\
b,storage,107.5901,16.4600,2025-01-03T00:30:00+00:00,A\r\n\
g,trafficking,107.6000,16.4701,2025-03-01,B\r\n\
c,USE,107.5900,16.4601,2025-01-02,A\r\n";

#[test]
fn labels_follow_input_order_and_first_core_numbering() {
    let d = Dir::new();
    let input = d.write("r.csv", INPUT);
    hotspot()
        .args([
            "cluster",
            "--input",
            &input,
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "--quiet",
        ])
        .args(["--labels", &d.s("l.csv"), "--out", &d.s("h.geojson")])
        .assert()
        .success();
    assert_eq!(
        d.read("l.csv"),
        "id,cluster\nd,-1\ne,0\na,1\nf,0\nb,1\ng,0\nc,1\n"
    );

    let fc = d.json("h.geojson");
    assert_rfc7946(&fc);
    let feats = fc["features"].as_array().unwrap();
    assert_eq!(feats.len(), 2);
    let b = &feats[0]["properties"];
    assert_eq!(b["cluster"], 0);
    assert_eq!(b["count"], 3);
    assert_eq!(b["core_count"], 3);
    assert_eq!(
        (
            b["sale"].clone(),
            b["trafficking"].clone(),
            b["use"].clone()
        ),
        (2.into(), 1.into(), 0.into())
    );
    assert_eq!(b["first_seen"], "2025-02-01T10:00:00");
    assert_eq!(b["last_seen"], "2025-03-01T00:00:00");
    let a = &feats[1]["properties"];
    assert_eq!(a["cluster"], 1);
    assert_eq!(
        (a["use"].clone(), a["storage"].clone()),
        (2.into(), 1.into())
    );
    // b's 00:30 UTC is 07:30 at +07:00, after a's 08:00 the day before… and before c.
    assert_eq!(a["first_seen"], "2025-01-01T08:00:00");
    assert_eq!(a["last_seen"], "2025-01-03T07:30:00");
    for f in feats {
        let p = &f["properties"];
        for key in [
            "use",
            "storage",
            "trafficking",
            "sale",
            "cultivation",
            "area_m2",
        ] {
            assert!(p[key].is_number(), "{key} missing in {p}");
        }
        let c = p["centroid"].as_array().unwrap();
        assert_eq!(c.len(), 2);
        assert!(matches!(f["geometry"]["type"].as_str(), Some("Polygon")));
    }
    let ca: Vec<f64> = a["centroid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    assert!(
        (ca[0] - 107.59003).abs() < 1e-4 && (ca[1] - 16.46003).abs() < 1e-4,
        "{ca:?}"
    );
}

#[test]
fn filters_narrow_the_reports_before_clustering() {
    let d = Dir::new();
    let input = d.write("r.csv", INPUT);
    // Only January: cluster B disappears; d (Jan 5) stays noise.
    hotspot()
        .args([
            "cluster",
            "--input",
            &input,
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "--quiet",
        ])
        .args([
            "--from",
            "2025-01-01",
            "--to",
            "2025-02-01",
            "--labels",
            &d.s("l.csv"),
        ])
        .assert()
        .success();
    assert_eq!(d.read("l.csv"), "id,cluster\nd,-1\na,0\nb,0\nc,0\n");
    // `--kind use,storage` leaves a, b, c and d; `--to` is exclusive of that day.
    hotspot()
        .args([
            "cluster",
            "--input",
            &input,
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "--quiet",
        ])
        .args([
            "--kind",
            "use,storage",
            "--to",
            "2025-01-03",
            "--labels",
            &d.s("l.csv"),
        ])
        .assert()
        .success();
    assert_eq!(d.read("l.csv"), "id,cluster\na,-1\nc,-1\n");
}

#[test]
fn json_summary_for_scripts() {
    let d = Dir::new();
    let input = d.write("r.csv", INPUT);
    let out = hotspot()
        .args([
            "cluster",
            "--input",
            &input,
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "--json",
        ])
        .args(["--out", &d.s("h.geojson")])
        .assert()
        .success()
        .get_output()
        .clone();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["command"], "cluster");
    assert_eq!(v["reports"], 7);
    assert_eq!(v["clusters"], 2);
    assert_eq!(v["noise"], 1);
    assert_eq!(v["outputs"]["out"], d.s("h.geojson"));
    assert!(v["timings_ms"]["total"].as_f64().unwrap() >= 0.0);
    assert!(out.stderr.is_empty(), "--json keeps stderr quiet");
}

#[test]
fn stdin_in_and_stdout_out() {
    let out = hotspot()
        .args([
            "cluster",
            "--input",
            "-",
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "--quiet",
        ])
        .args(["--labels", "-"])
        .write_stdin(INPUT)
        .assert()
        .success()
        .get_output()
        .clone();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "id,cluster\nd,-1\ne,0\na,1\nf,0\nb,1\ng,0\nc,1\n"
    );
    let out = hotspot()
        .args([
            "cluster",
            "-i",
            "-",
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "-q",
            "--out",
            "-",
        ])
        .write_stdin(INPUT)
        .assert()
        .success()
        .get_output()
        .clone();
    let fc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(fc["features"].as_array().unwrap().len(), 2);
}

#[test]
fn skip_invalid_writes_rejects_with_reasons() {
    let d = Dir::new();
    let input = d.write(
        "r.csv",
        "id,lon,lat,kind,observed_at,note\n\
         a,107.59,16.46,use,2025-01-01,ok\n\
         b,107.59,96.46,use,2025-01-01,\"bad, lat\"\n\
         c,107.59,16.46,heroin,2025-01-01,bad kind\n\
         a,107.59,16.46,use,2025-01-01,dup\n",
    );
    hotspot()
        .args(["cluster", "--input", &input, "--quiet", "--skip-invalid"])
        .args(["--rejects", &d.s("bad.csv"), "--labels", &d.s("l.csv")])
        .assert()
        .success();
    assert_eq!(d.read("l.csv"), "id,cluster\na,-1\n");
    assert_eq!(
        d.read("bad.csv"),
        "id,lon,lat,kind,observed_at,note,reason\n\
         b,107.59,96.46,use,2025-01-01,\"bad, lat\",\"lat: 96.46 is not a latitude in [-90, 90]\"\n\
         c,107.59,16.46,heroin,2025-01-01,bad kind,\"kind: unknown value \"\"heroin\"\", expected one of: use, storage, trafficking, sale, cultivation\"\n\
         a,107.59,16.46,use,2025-01-01,dup,\"id: duplicate id \"\"a\"\" (first on line 2)\"\n"
    );
}
