//! `hotspot synth`: deterministic, labelled synthetic data that the other commands accept.

mod cli_common;
use cli_common::{Dir, assert_rfc7946, hotspot};

#[test]
fn same_arguments_same_bytes() {
    let d = Dir::new();
    for name in ["a.csv", "b.csv"] {
        hotspot()
            .args([
                "synth",
                "--n",
                "3000",
                "--seed",
                "9",
                "--out",
                &d.s(name),
                "--quiet",
            ])
            .assert()
            .success();
    }
    assert_eq!(d.read("a.csv"), d.read("b.csv"));
    hotspot()
        .args([
            "synth",
            "--n",
            "3000",
            "--seed",
            "10",
            "--out",
            &d.s("c.csv"),
            "--quiet",
        ])
        .assert()
        .success();
    assert_ne!(d.read("a.csv"), d.read("c.csv"));
    let text = d.read("a.csv");
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("id,lon,lat,kind,observed_at"));
    assert!(lines.next().unwrap().starts_with("SYN-0000001,"));
    assert_eq!(text.lines().count(), 3001);
}

#[test]
fn stdout_and_time_span() {
    let out = hotspot()
        .args([
            "synth",
            "--n",
            "500",
            "--out",
            "-",
            "--from",
            "2020-06-01",
            "--years",
            "1",
            "-q",
        ])
        .assert()
        .success()
        .get_output()
        .clone();
    let text = String::from_utf8(out.stdout).unwrap();
    let dates: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| &l[l.len() - 19..l.len() - 9])
        .collect();
    assert!(
        dates
            .iter()
            .all(|d| *d >= "2020-06-01" && *d < "2021-06-02"),
        "{dates:?}"
    );
}

#[test]
fn sites_are_labelled_synthetic_and_valid_input() {
    let d = Dir::new();
    hotspot()
        .args([
            "synth",
            "--n",
            "2000",
            "--out",
            &d.s("r.csv"),
            "--sites",
            &d.s("s.geojson"),
            "-q",
        ])
        .assert()
        .success();
    let fc = d.json("s.geojson");
    assert_rfc7946(&fc);
    let feats = fc["features"].as_array().unwrap();
    assert!(feats.len() >= 20);
    for f in feats {
        assert_eq!(f["properties"]["synthetic"], true);
        assert!(
            f["properties"]["name"]
                .as_str()
                .unwrap()
                .starts_with("Synthetic ")
        );
    }
    let kinds: std::collections::BTreeSet<&str> = feats
        .iter()
        .map(|f| f["properties"]["kind"].as_str().unwrap())
        .collect();
    for k in ["school", "boarding_house", "industrial_zone", "karaoke"] {
        assert!(kinds.contains(k), "{k}");
    }
    // The generated files are accepted by the strict readers.
    hotspot()
        .args([
            "near",
            "--input",
            &d.s("r.csv"),
            "--sites",
            &d.s("s.geojson"),
            "-q",
        ])
        .args(["--out", &d.s("n.geojson")])
        .assert()
        .success();
}
