//! `hexes`, `kde`, `near` and `emerging`: feature properties and the Gi* hand check.

mod cli_common;
use cli_common::{Dir, assert_rfc7946, hotspot};
use h3o::{CellIndex, LatLng, Resolution};
use serde_json::Value;
use std::fmt::Write;

fn centre(cell: CellIndex) -> (f64, f64) {
    let ll = LatLng::from(cell);
    (ll.lng(), ll.lat())
}

/// The hand check of ARCHITECTURE.md's Gi* contract: 6 reports in the centre cell, 2 in each ring-1 cell.
fn hand_check_csv() -> (String, CellIndex) {
    let c = LatLng::new(16.4637, 107.5909)
        .unwrap()
        .to_cell(Resolution::Nine);
    let mut s = String::from("id,lon,lat,kind,observed_at\n");
    let mut n = 0;
    for (cell, count) in std::iter::once((c, 6)).chain(
        c.grid_disk::<Vec<_>>(1)
            .into_iter()
            .filter(|&x| x != c)
            .map(|x| (x, 2)),
    ) {
        let (lon, lat) = centre(cell);
        for _ in 0..count {
            n += 1;
            writeln!(s, "r{n},{lon:.7},{lat:.7},use,2025-01-01").unwrap();
        }
    }
    (s, c)
}

#[test]
fn hexes_match_the_hand_check() {
    let d = Dir::new();
    let (csv, c) = hand_check_csv();
    let input = d.write("r.csv", csv);
    hotspot()
        .args([
            "hexes",
            "--input",
            &input,
            "--res",
            "9",
            "--k",
            "1",
            "-q",
            "--out",
            &d.s("x.geojson"),
        ])
        .assert()
        .success();
    let fc = d.json("x.geojson");
    assert_rfc7946(&fc);
    let feats = fc["features"].as_array().unwrap();
    assert_eq!(feats.len(), 19);
    let ring1: Vec<String> = c
        .grid_disk::<Vec<_>>(1)
        .iter()
        .map(|x| x.to_string())
        .collect();
    let (mut corner, mut edge) = (0, 0);
    for f in feats {
        let p = &f["properties"];
        let h3 = p["h3"].as_str().unwrap();
        let z = p["gi_z"].as_f64().unwrap();
        let count = p["count"].as_i64().unwrap();
        assert!(p["gi_p"].as_f64().unwrap() > 0.0);
        assert!(p["bin"].is_i64());
        if h3 == c.to_string() {
            assert_eq!(count, 6);
            assert!((z - 3.5003).abs() < 1e-4, "{z}");
            assert_eq!(p["bin"], 3);
        } else if ring1.iter().any(|r| r == h3) {
            assert_eq!(count, 2);
            assert!((z - 1.6529).abs() < 1e-4, "{z}");
            assert_eq!(p["bin"], 1);
        } else if (z + 0.6519).abs() < 1e-4 {
            corner += 1;
        } else if (z + 0.2485).abs() < 1e-4 {
            edge += 1;
        } else {
            panic!("unexpected ring-2 z {z}");
        }
    }
    assert_eq!((corner, edge), (6, 6));

    // --fdr can only remove significance, never add it.
    hotspot()
        .args([
            "hexes",
            "--input",
            &input,
            "--fdr",
            "-q",
            "--out",
            &d.s("f.geojson"),
        ])
        .assert()
        .success();
    let fdr = d.json("f.geojson");
    for (a, b) in feats.iter().zip(fdr["features"].as_array().unwrap()) {
        let (x, y) = (
            a["properties"]["bin"].as_i64().unwrap(),
            b["properties"]["bin"].as_i64().unwrap(),
        );
        assert!(y.abs() <= x.abs() && (y == 0 || y.signum() == x.signum()));
    }
}

#[test]
fn kde_cells_have_density() {
    let d = Dir::new();
    let (csv, _) = hand_check_csv();
    let input = d.write("r.csv", csv);
    hotspot()
        .args([
            "kde",
            "--input",
            &input,
            "--bandwidth-m",
            "300",
            "--res",
            "10",
        ])
        .args([
            "--weights",
            "trafficking=3,storage=2,use=1",
            "-q",
            "--out",
            &d.s("k.geojson"),
        ])
        .assert()
        .success();
    let fc = d.json("k.geojson");
    assert_rfc7946(&fc);
    let feats = fc["features"].as_array().unwrap();
    assert!(!feats.is_empty());
    for f in feats {
        assert!(
            f["properties"]["h3"]
                .as_str()
                .unwrap()
                .parse::<CellIndex>()
                .is_ok()
        );
        assert!(f["properties"]["density"].as_f64().unwrap() >= 0.0);
    }
}

#[test]
fn near_lists_protected_sites_first() {
    let d = Dir::new();
    let input = d.write(
        "r.csv",
        "id,lon,lat,kind,observed_at\n\
         a,107.5900,16.4600,use,2025-01-01\n\
         b,107.5901,16.4600,sale,2025-01-02\n\
         c,107.5900,16.4601,sale,2025-01-03\n\
         d,107.6500,16.5000,use,2025-01-04\n",
    );
    let sites = d.write(
        "s.geojson",
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[107.5905,16.4600]},"properties":{"id":"k1","name":"Karaoke","kind":"karaoke"}},
{"type":"Feature","geometry":{"type":"Point","coordinates":[107.5910,16.4600]},"properties":{"id":"s1","name":"Trường THCS","kind":"school"}},
{"type":"Feature","geometry":{"type":"Polygon","coordinates":[[[107.649,16.499],[107.651,16.499],[107.651,16.501],[107.649,16.501],[107.649,16.499]]]},"properties":{"id":"z1","name":"KCN","kind":"industrial_zone"}}
]}"#,
    );
    let out = hotspot()
        .args([
            "near",
            "--input",
            &input,
            "--sites",
            &sites,
            "--within-m",
            "300",
        ])
        .args([
            "--eps-m",
            "50",
            "--min-pts",
            "3",
            "--out",
            &d.s("n.geojson"),
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(table.contains("Trường THCS"), "{table}");
    let fc = d.json("n.geojson");
    assert_rfc7946(&fc);
    let feats = fc["features"].as_array().unwrap();
    let ids: Vec<&str> = feats
        .iter()
        .filter_map(|f| f["properties"]["id"].as_str())
        .collect();
    assert_eq!(&ids[..3], ["s1", "z1", "k1"]);
    let s1 = &feats[0]["properties"];
    assert_eq!(s1["reports_within"], 3);
    assert_eq!(
        (s1["use"].clone(), s1["sale"].clone()),
        (1.into(), 2.into())
    );
    assert!(
        (s1["nearest_m"].as_f64().unwrap() - 96.6).abs() < 2.0,
        "{s1}"
    );
    let z1 = &feats[1]["properties"];
    assert_eq!(z1["reports_within"], 1);
    assert_eq!(z1["nearest_m"], 0.0);
    // With --eps-m, the hotspot follows the sites and names its nearby sites.
    let hotspot_feature = &feats[3]["properties"];
    assert_eq!(hotspot_feature["cluster"], 0);
    let nearby: Vec<&str> = hotspot_feature["nearby_sites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(nearby, vec!["k1", "s1"]);
}

#[test]
fn emerging_cells_carry_series() {
    let d = Dir::new();
    let mut s = String::from("id,lon,lat,kind,observed_at\n");
    // A cell whose monthly counts grow, plus scattered background.
    let mut n = 0;
    for month in 1..=12u32 {
        for _ in 0..month {
            n += 1;
            writeln!(s, "r{n},107.5900,16.4600,use,2024-{month:02}-15").unwrap();
        }
        for j in 0..3 {
            n += 1;
            let lon = 107.55 + 0.02 * j as f64 + 0.001 * month as f64;
            writeln!(s, "r{n},{lon:.4},16.4300,sale,2024-{month:02}-10").unwrap();
        }
    }
    let input = d.write("r.csv", s);
    let out = hotspot()
        .args([
            "emerging", "--input", &input, "--res", "8", "--step", "month", "--json",
        ])
        .args(["--out", &d.s("e.geojson")])
        .assert()
        .success()
        .get_output()
        .clone();
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["steps"], 12);
    let fc = d.json("e.geojson");
    assert_rfc7946(&fc);
    for f in fc["features"].as_array().unwrap() {
        let p = &f["properties"];
        for key in [
            "h3",
            "category",
            "trend_z",
            "trend_p",
            "hot_steps",
            "cold_steps",
            "steps",
        ] {
            assert!(!p[key].is_null(), "{key} in {p}");
        }
        assert_eq!(p["steps"], 12);
        assert_eq!(p["z"].as_array().unwrap().len(), 12);
        assert_eq!(p["counts"].as_array().unwrap().len(), 12);
    }
    let growing = LatLng::new(16.46, 107.59)
        .unwrap()
        .to_cell(Resolution::Eight)
        .to_string();
    let cell = fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["properties"]["h3"] == growing.as_str())
        .unwrap();
    let counts: Vec<i64> = cell["properties"]["counts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert_eq!(counts, (1..=12).collect::<Vec<i64>>());
    assert!(cell["properties"]["trend_z"].as_f64().unwrap() > 0.0);
}
