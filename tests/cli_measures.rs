//! CLI contracts of the issue-12 measures: `displacement`, `evaluate`, `near-repeat`, `risk`
//! (JSON names, CSV columns, hand-computed values, exit 2 naming the parameter).

mod cli_common;
use cli_common::{Dir, hotspot};
use serde_json::Value;

fn square(x0: f64, y0: f64, side: f64) -> String {
    format!(
        r#"{{"type":"Polygon","coordinates":[[[{x0},{y0}],[{x1},{y0}],[{x1},{y1}],[{x0},{y1}],[{x0},{y0}]]]}}"#,
        x1 = x0 + side,
        y1 = y0 + side
    )
}

fn csv_rows(rows: &[(f64, f64, &str, usize)]) -> String {
    let mut s = String::from("id,lon,lat,kind,observed_at\n");
    let mut id = 0;
    for &(x, y, at, n) in rows {
        for _ in 0..n {
            id += 1;
            s.push_str(&format!("r{id},{x},{y},use,{at}\n"));
        }
    }
    s
}

fn json_out(args: &[&str]) -> Value {
    let out = hotspot().args(args).arg("--json").assert().success();
    serde_json::from_slice(&out.get_output().stdout).unwrap()
}

fn fails_naming(args: &[&str], flag: &str) {
    let out = hotspot().args(args).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains(flag), "stderr does not name {flag}: {err}");
}

fn close(v: &Value, x: f64) {
    let f = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!((f - x).abs() < 1e-9, "{f} != {x}");
}

/// R = the 0.01° square at (107.59, 16.46); control = the 0.1° ward square around it.
/// Before: 39 reports inside R + 1 on its corner, 10 in the buffer (0.002° = 222 m north of
/// R's top edge), 100 in the control. After: 20 in R, 14 in the buffer, 100 in the control,
/// one of them dated 2025-07-01 (date only: local midnight, the first day of "after").
fn displacement_data(d: &Dir) -> (String, String, String, String) {
    let reports = csv_rows(&[
        (107.595, 16.465, "2025-03-01T10:00:00", 39),
        (107.59, 16.46, "2025-02-01", 1),
        (107.595, 16.472, "2025-04-01", 10),
        (107.56, 16.43, "2025-05-01", 100),
        (107.595, 16.465, "2025-09-01", 20),
        (107.595, 16.472, "2025-10-01", 14),
        (107.56, 16.43, "2025-07-01", 1),
        (107.56, 16.43, "2025-11-01", 99),
        // Outside both periods and outside the ward: ignored.
        (107.595, 16.465, "2026-01-01", 5),
        (108.0, 17.0, "2025-03-01", 5),
    ]);
    let input = d.write("r.csv", reports);
    let r = d.write("r.geojson", square(107.59, 16.46, 0.01));
    let c = d.write("c.geojson", square(107.55, 16.42, 0.1));
    let areas = format!(
        r#"{{"type":"FeatureCollection","features":[
        {{"type":"Feature","properties":{{"id":"ward","name":"Ward","level":"commune"}},"geometry":{}}},
        {{"type":"Feature","properties":{{"id":"g1","name":"Group 1","level":"residential_group","parent_id":"ward"}},"geometry":{}}},
        {{"type":"Feature","properties":{{"id":"empty","name":"Empty","level":"residential_group","parent_id":"ward"}},"geometry":{}}}]}}"#,
        square(107.55, 16.42, 0.1),
        square(107.59, 16.46, 0.01),
        square(107.62, 16.50, 0.01)
    );
    let areas = d.write("areas.geojson", areas);
    (input, r, c, areas)
}

const PERIODS: [&str; 4] = [
    "--before",
    "2025-01-01/2025-07-01",
    "--after",
    "2025-07-01/2026-01-01",
];

#[test]
fn displacement_json_is_hand_computed() {
    let d = Dir::new();
    let (input, r, c, areas) = displacement_data(&d);
    // SM = 20/100 − 40/100 = −0.2; BDM = 14/100 − 10/100 = 0.04; WDQ = 0.04/−0.2 = −0.2;
    // TNE = (40·100/100 − 20) + (10·100/100 − 14) = 16: some displacement, less than the gain.
    let check = |v: &Value| {
        for (k, n) in [
            ("rb", 40),
            ("ra", 20),
            ("db", 10),
            ("da", 14),
            ("cb", 100),
            ("ca", 100),
        ] {
            assert_eq!(v[k], n, "{k} in {v}");
        }
        close(&v["sm"], -0.2);
        close(&v["bdm"], 0.04);
        close(&v["wdq"], -0.2);
        close(&v["tne"], 16.0);
        assert_eq!(v["reading"], "displacement");
    };
    let mut args = vec![
        "displacement",
        "--input",
        &input,
        "--polygon",
        &r,
        "--control",
        &c,
    ];
    args.extend(PERIODS);
    check(&json_out(&args));
    // The same with area ids: the control defaults to the response area's parent.
    let mut args = vec![
        "displacement",
        "--input",
        &input,
        "--areas",
        &areas,
        "--response",
        "g1",
    ];
    args.extend(PERIODS);
    let v = json_out(&args);
    check(&v);
    assert_eq!(v["control"], "ward");
    // A 100 m buffer leaves the 222 m reports out of D; they are then in the control:
    // Db = Da = 0, Cb = 110, Ca = 114.
    let mut args = vec![
        "displacement",
        "--input",
        &input,
        "--areas",
        &areas,
        "--response",
        "g1",
        "--buffer-m",
        "100",
    ];
    args.extend(PERIODS);
    let v = json_out(&args);
    assert_eq!(
        (v["db"].clone(), v["cb"].clone(), v["ca"].clone()),
        (0.into(), 110.into(), 114.into())
    );
}

#[test]
fn displacement_bad_input_names_the_parameter() {
    let d = Dir::new();
    let (input, r, _, areas) = displacement_data(&d);
    // A control area with no reports: Cb = Ca = 0.
    let mut args = vec![
        "displacement",
        "--input",
        &input,
        "--areas",
        &areas,
        "--response",
        "g1",
        "--control",
        "empty",
    ];
    args.extend(PERIODS);
    fails_naming(&args, "--control");
    // Unknown areas.
    let mut args = vec![
        "displacement",
        "--input",
        &input,
        "--areas",
        &areas,
        "--response",
        "nope",
    ];
    args.extend(PERIODS);
    fails_naming(&args, "--response");
    let mut args = vec![
        "displacement",
        "--input",
        &input,
        "--areas",
        &areas,
        "--response",
        "g1",
        "--control",
        "nope",
    ];
    args.extend(PERIODS);
    fails_naming(&args, "--control");
    // A polygon has no parent: the control must be given.
    let mut args = vec!["displacement", "--input", &input, "--polygon", &r];
    args.extend(PERIODS);
    fails_naming(&args, "--control");
    // Overlapping and empty periods.
    fails_naming(
        &[
            "displacement",
            "--input",
            &input,
            "--areas",
            &areas,
            "--response",
            "g1",
            "--before",
            "2025-01-01/2025-07-01",
            "--after",
            "2025-06-01/2026-01-01",
        ],
        "--after",
    );
    fails_naming(
        &[
            "displacement",
            "--input",
            &input,
            "--areas",
            &areas,
            "--response",
            "g1",
            "--before",
            "2025-07-01/2025-07-01",
            "--after",
            "2025-07-01/2026-01-01",
        ],
        "--before",
    );
}

/// Train: 10 reports on one spot (a DBSCAN cluster) and 1 far away (noise).
/// Test: 6 on the spot, 4 far away.
fn evaluate_data(d: &Dir) -> String {
    d.write(
        "r.csv",
        csv_rows(&[
            (107.59, 16.46, "2025-02-01", 10),
            (107.70, 16.55, "2025-03-01", 1),
            (107.59, 16.46, "2025-08-01", 6),
            (107.70, 16.55, "2025-08-02", 4),
        ]),
    )
}

#[test]
fn evaluate_json_rows_and_hand_values() {
    let d = Dir::new();
    let input = evaluate_data(&d);
    let v = json_out(&[
        "evaluate",
        "--input",
        &input,
        "--train",
        "2025-01-01/2025-07-01",
        "--test",
        "2025-07-01/2025-10-01",
        "--method",
        "cluster,kde",
        "--coverage",
        "0.01",
    ]);
    let methods = v["methods"].as_array().unwrap();
    assert_eq!(methods.len(), 2);
    let cluster = &methods[0];
    assert_eq!(cluster["method"], "cluster");
    for key in [
        "method",
        "flagged_cells",
        "n",
        "n_total",
        "a_m2",
        "a_total_m2",
        "hit_rate",
        "area_share",
        "pai",
        "pei",
    ] {
        assert!(cluster.get(key).is_some(), "{key} missing");
    }
    // Study = 2 occupied cells + their rings = 14 cells. Flagged: the cluster's cell.
    // n = 6, N = 10, hit rate 0.6; m = 1 → n* = 6 → PEI = 1; PAI = 0.6 / (a/A) ≈ 0.6·14.
    assert_eq!(
        (
            cluster["flagged_cells"].clone(),
            cluster["n"].clone(),
            cluster["n_total"].clone()
        ),
        (1.into(), 6.into(), 10.into())
    );
    close(&cluster["hit_rate"], 0.6);
    close(&cluster["pei"], 1.0);
    let share = cluster["a_m2"].as_f64().unwrap() / cluster["a_total_m2"].as_f64().unwrap();
    close(&cluster["area_share"], share);
    close(&cluster["pai"], 0.6 / share);
    assert!((cluster["pai"].as_f64().unwrap() - 8.4).abs() < 0.1);
    // KDE with 1 % of 14 cells: not even one cell fits → nothing flagged → PAI and PEI null.
    let kde = &methods[1];
    assert_eq!(kde["flagged_cells"], 0);
    assert!(kde["pai"].is_null() && kde["pei"].is_null());
}

#[test]
fn evaluate_bad_input_names_the_parameter() {
    let d = Dir::new();
    let input = evaluate_data(&d);
    let base = ["evaluate", "--input", &input];
    let with = |extra: &[&str]| {
        let mut v: Vec<&str> = base.to_vec();
        v.extend_from_slice(extra);
        v.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let run = |args: Vec<String>, flag: &str| {
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        fails_naming(&refs, flag);
    };
    run(
        with(&[
            "--train",
            "2025-01-01/2025-08-01",
            "--test",
            "2025-07-01/2025-10-01",
        ]),
        "--test",
    );
    run(
        with(&[
            "--train",
            "2025-01-01/2025-07-01",
            "--test",
            "2026-07-01/2026-10-01",
        ]),
        "--test",
    );
    run(
        with(&[
            "--train",
            "2025-01-01/2025-07-01",
            "--test",
            "2025-07-01/2025-10-01",
            "--coverage",
            "1.5",
        ]),
        "--coverage",
    );
    run(
        with(&[
            "--train",
            "2025-01-01/2025-07-01",
            "--test",
            "2025-07-01/2025-10-01",
            "--method",
            "voodoo",
        ]),
        "--method",
    );
}

/// A at 0 m on day 0, B 50 m north on day 2, C 160 m north on day 10, D 1000 m north on day 1.
fn near_repeat_data(d: &Dir) -> String {
    let north = |m: f64| 16.46 + (m / 6_371_008.8f64).to_degrees();
    d.write(
        "r.csv",
        format!(
            "id,lon,lat,kind,observed_at\na,107.59,{},use,2025-01-01\nb,107.59,{},use,2025-01-03\n\
             c,107.59,{},use,2025-01-11\nd,107.59,{},use,2025-01-02\n",
            north(0.0),
            north(50.0),
            north(160.0),
            north(1000.0)
        ),
    )
}

#[test]
fn near_repeat_table_json_and_chart() {
    let d = Dir::new();
    let input = near_repeat_data(&d);
    let out = d.s("nr.csv");
    let chart = d.s("nr.png");
    let v = json_out(&[
        "near-repeat",
        "--input",
        &input,
        "--distance-bands",
        "100,200",
        "--time-bands",
        "7,14",
        "--permutations",
        "99",
        "--seed",
        "3",
        "--out",
        &out,
        "--chart",
        &chart,
    ]);
    // Pairs: A-B 50 m 2 d → (0–100, 0–7); A-C 160 m 10 d and B-C 110 m 8 d → (100–200, 7–14).
    // Knox: X = 1, N_s = 1, N_t = 3 (gaps 2, 1, 1 days), P = 6, E = 0.5, p = 1 − e^−0.5.
    let k = &v["knox"];
    assert_eq!(
        (
            k["x"].clone(),
            k["n_s"].clone(),
            k["n_t"].clone(),
            k["pairs"].clone()
        ),
        (1.into(), 1.into(), 3.into(), 6.into())
    );
    close(&k["expected"], 0.5);
    assert!((k["poisson_p"].as_f64().unwrap() - (1.0 - (-0.5f64).exp())).abs() < 1e-12);
    let table = d.read("nr.csv");
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap(),
        "distance_lo,distance_hi,time_lo,time_hi,observed,expected,ratio,p"
    );
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    assert_eq!(rows.len(), 4);
    let observed: Vec<&str> = rows.iter().map(|r| r[4].as_str()).collect();
    assert_eq!(observed, ["1", "0", "0", "2"]);
    assert_eq!(&rows[1][..4], ["0", "100", "7", "14"]);
    for r in &rows {
        let p: f64 = r[7].parse().unwrap();
        assert!(p > 0.0 && p <= 1.0);
        assert!(!r.iter().any(|c| c.contains("NaN") || c.contains("inf")));
    }
    // O = 0 at (0–100, 7–14): every permutation count is ≥ 0 → p = 100/100.
    assert_eq!(rows[1][7], "1");
    let img = image::open(&chart).unwrap().to_rgb8();
    assert_eq!(img.dimensions(), (1100, 720));
    assert!(img.pixels().any(|p| p.0 != [255, 255, 255]));
    // Same seed, same table.
    hotspot()
        .args([
            "near-repeat",
            "--input",
            &input,
            "--distance-bands",
            "100,200",
            "--time-bands",
            "7,14",
            "--permutations",
            "99",
            "--seed",
            "3",
            "--quiet",
            "--out",
            &d.s("again.csv"),
        ])
        .assert()
        .success();
    assert_eq!(d.read("again.csv"), table);
}

#[test]
fn near_repeat_bad_bands_name_the_parameter() {
    let d = Dir::new();
    let input = near_repeat_data(&d);
    fails_naming(
        &[
            "near-repeat",
            "--input",
            &input,
            "--distance-bands",
            "200,100",
        ],
        "--distance-bands",
    );
    fails_naming(
        &["near-repeat", "--input", &input, "--time-bands", "7,7"],
        "--time-bands",
    );
    fails_naming(
        &["near-repeat", "--input", &input, "--time-bands", "-1,7"],
        "--time-bands",
    );
    fails_naming(
        &["near-repeat", "--input", &input, "--permutations", "0"],
        "--permutations",
    );
}

/// A boarding house at the centre of a res-9 cell holding 8 reports; 2 reports in each of
/// six cells 2 km away; a school 30 km away (reaches no cell: dropped).
fn risk_data(d: &Dir) -> (String, String) {
    use h3o::{LatLng, Resolution};
    let c = LatLng::new(16.46, 107.59)
        .unwrap()
        .to_cell(Resolution::Nine);
    let ll = LatLng::from(c);
    let mut rows = vec![(ll.lng(), ll.lat(), "2025-01-01", 8)];
    for cell in c.grid_ring_fast(6).map(Option::unwrap).step_by(6) {
        let l = LatLng::from(cell);
        rows.push((l.lng(), l.lat(), "2025-01-02", 2));
    }
    let input = d.write("r.csv", csv_rows(&rows));
    let sites = format!(
        r#"{{"type":"FeatureCollection","features":[
        {{"type":"Feature","properties":{{"id":"b1","name":"B","kind":"boarding_house"}},"geometry":{{"type":"Point","coordinates":[{},{}]}}}},
        {{"type":"Feature","properties":{{"id":"s1","name":"S","kind":"school"}},"geometry":{{"type":"Point","coordinates":[107.9,16.7]}}}}]}}"#,
        ll.lng(),
        ll.lat()
    );
    (input, d.write("sites.geojson", sites))
}

#[test]
fn risk_table_layer_and_words() {
    let d = Dir::new();
    let (input, sites) = risk_data(&d);
    let v = json_out(&[
        "risk",
        "--input",
        &input,
        "--sites",
        &sites,
        "--within-m",
        "100",
        "--out",
        &d.s("risk.geojson"),
        "--table",
        &d.s("rrv.csv"),
    ]);
    assert_eq!(v["dropped"], serde_json::json!(["school"]));
    assert!(v["dispersion"].is_number());
    let layer = d.json("risk.geojson");
    let feats = layer["features"].as_array().unwrap();
    // Exposed: the boarding house's cell (8 reports). Unexposed: every other study cell.
    let (mut y1, mut n1, mut y0, mut n0) = (0.0, 0.0, 0.0, 0.0);
    for f in feats {
        let p = &f["properties"];
        assert!(p["h3"].is_string() && p["rrs"].is_number());
        let y = p["count"].as_f64().unwrap();
        if p["boarding_house"] == 1 {
            (y1, n1) = (y1 + y, n1 + 1.0);
        } else {
            (y0, n0) = (y0 + y, n0 + 1.0);
        }
    }
    assert_eq!((y1, n1, y0), (8.0, 1.0, 12.0));
    // One binary factor: the MLE fits the group means, β = ln((y1/n1)/(y0/n0)), and
    // Var(β) = 1/y1 + 1/y0 (inverse Fisher information of two Poisson groups).
    let beta = ((y1 / n1) / (y0 / n0)).ln();
    let se = (1.0 / y1 + 1.0 / y0).sqrt();
    let table = d.read("rrv.csv");
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap(),
        "factor,beta,se,z,p,rrv,ci_low,ci_high"
    );
    let rows: Vec<Vec<f64>> = lines
        .map(|l| l.split(',').skip(1).map(|x| x.parse().unwrap()).collect())
        .collect();
    assert!(table.contains("\nintercept,") && table.contains("\nboarding_house,"));
    let b = &rows[1];
    assert!((b[0] - beta).abs() < 1e-8, "{} vs {beta}", b[0]);
    assert!((b[1] - se).abs() < 1e-8);
    assert!((b[4] - beta.exp()).abs() < 1e-6);
    assert!((b[5] - (beta - 1.959964 * se).exp()).abs() < 1e-6);
    let words = v["factors"][1]["words"].as_str().unwrap();
    assert!(
        words.starts_with(&format!(
            "reports are {:.1}× as frequent within 100 m of a boarding house (95 % CI ",
            beta.exp()
        )),
        "{words}"
    );
}

#[test]
fn risk_bad_input_names_the_parameter() {
    let d = Dir::new();
    let (input, sites) = risk_data(&d);
    let out = d.s("risk.geojson");
    fails_naming(
        &[
            "risk", "--input", &input, "--sites", &sites, "--kinds", "karaoke", "--out", &out,
        ],
        "--kinds",
    );
    fails_naming(
        &[
            "risk",
            "--input",
            &input,
            "--sites",
            &sites,
            "--within-m",
            "-5",
            "--out",
            &out,
        ],
        "--within-m",
    );
    assert!(!d.exists("risk.geojson"), "no output on failure");
}

/// Piles of reports on three 7-cell patches 2 km apart plus a sparse background.
fn isa_data(d: &Dir) -> String {
    use h3o::{LatLng, Resolution};
    let c = LatLng::new(16.46, 107.59)
        .unwrap()
        .to_cell(Resolution::Nine);
    let mut rows = Vec::new();
    for (i, cell) in c.grid_disk::<Vec<_>>(8).into_iter().enumerate() {
        if i % 5 == 0 {
            let l = LatLng::from(cell);
            rows.push((l.lng(), l.lat(), "2025-01-01", 1));
        }
    }
    for pile in c.grid_ring_fast(6).map(Option::unwrap).step_by(6).take(3) {
        for cell in pile.grid_disk::<Vec<_>>(1) {
            let l = LatLng::from(cell);
            rows.push((l.lng(), l.lat(), "2025-01-02", 20));
        }
    }
    d.write("r.csv", csv_rows(&rows))
}

#[test]
fn hexes_k_auto_reports_the_isa_curve() {
    let d = Dir::new();
    let input = isa_data(&d);
    let v = json_out(&["hexes", "--input", &input, "--k", "auto", "--k-max", "5"]);
    let isa = v["isa"].as_array().unwrap();
    assert_eq!(isa.len(), 5);
    for (i, row) in isa.iter().enumerate() {
        assert_eq!(row["k"], i as u64 + 1);
        for key in ["i", "expected_i", "variance_i", "z"] {
            assert!(row[key].as_f64().unwrap().is_finite(), "{key} in {row}");
        }
    }
    let k = v["k_chosen"].as_u64().unwrap();
    assert_eq!(v["k"], k);
    // The first k with z_k ≥ z_{k+1} (or k-max).
    let z: Vec<f64> = isa.iter().map(|r| r["z"].as_f64().unwrap()).collect();
    let first_peak = (0..4)
        .find(|&i| z[i] >= z[i + 1])
        .map_or(5, |i| i as u64 + 1);
    assert_eq!(k, first_peak);
    // E[I] = −1/(n−1) for the fixed study area (occupied cells + one ring).
    let n = 1.0 - 1.0 / isa[0]["expected_i"].as_f64().unwrap();
    assert!(n >= 30.0);
    // One report: 7 study cells < 30.
    let one = d.write("one.csv", csv_rows(&[(107.59, 16.46, "2025-01-01", 1)]));
    fails_naming(&["hexes", "--input", &one, "--k", "auto"], "--k");
}
