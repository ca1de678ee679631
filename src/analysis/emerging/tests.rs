use super::Significance::{Cold, Hot, NotSignificant};
use super::*;
use chrono::NaiveDate;
use h3o::LatLng;

/// `H` hot, `C` cold, `.` not significant, one char per step.
fn series(s: &str) -> Vec<Significance> {
    s.chars()
        .map(|c| match c {
            'H' => Hot,
            'C' => Cold,
            '.' => NotSignificant,
            _ => panic!("bad series char {c}"),
        })
        .collect()
}

const A: f64 = 0.05;

/// (series, trend_z, trend_p) → category, for one hand-made case per category.
#[test]
fn one_case_per_category() {
    use Category::*;
    let cases: [(&str, f64, f64, Category); 17] = [
        ("..........", 0.0, 1.0, NoPattern),
        (".........H", 1.2, 0.2, NewHotSpot),
        ("......HHHH", 3.1, 0.002, ConsecutiveHotSpot),
        ("HHHHHHHHHH", 2.5, 0.012, IntensifyingHotSpot),
        ("HHHH.HHHHH", 0.3, 0.76, PersistentHotSpot),
        ("HHHHHHHHHH", -2.5, 0.012, DiminishingHotSpot),
        ("..H..H.H.H", 1.0, 0.3, SporadicHotSpot),
        ("CC..H..H.H", 2.0, 0.045, OscillatingHotSpot),
        ("HHHHHHHHH.", -1.5, 0.13, HistoricalHotSpot),
        (".........C", -1.2, 0.2, NewColdSpot),
        ("......CCCC", -3.1, 0.002, ConsecutiveColdSpot),
        ("CCCCCCCCCC", -2.5, 0.012, IntensifyingColdSpot),
        ("CCCCCCCCCC", 0.2, 0.84, PersistentColdSpot),
        ("CCCCCCCCCC", 2.5, 0.012, DiminishingColdSpot),
        ("C.C...C..C", 0.0, 1.0, SporadicColdSpot),
        ("..HH.C...C", -1.0, 0.3, OscillatingColdSpot),
        ("CCCCCCCCC.", 1.5, 0.13, HistoricalColdSpot),
    ];
    for (s, tz, tp, want) in cases {
        assert_eq!(classify(&series(s), tz, tp, A), want, "{s} z {tz} p {tp}");
    }
}

#[test]
fn ninety_percent_rule_is_at_least_ninety_percent() {
    // 9 of 10 hot with the final step hot: ≥ 90 % → persistent, not sporadic.
    assert_eq!(
        classify(&series("H.HHHHHHHH"), 0.5, 0.6, A),
        Category::PersistentHotSpot
    );
    // 8 of 10: < 90 % → sporadic.
    assert_eq!(
        classify(&series("H..HHHHHHH"), 0.5, 0.6, A),
        Category::SporadicHotSpot
    );
    // 18 of 20 is exactly 90 %.
    let s = format!("..{}", "H".repeat(18));
    assert_eq!(
        classify(&series(&s), 3.0, 0.001, A),
        Category::IntensifyingHotSpot
    );
}

#[test]
fn consecutive_needs_two_and_no_earlier_hot() {
    assert_eq!(
        classify(&series("........HH"), 0.0, 1.0, A),
        Category::ConsecutiveHotSpot
    );
    assert_eq!(
        classify(&series("..H.....HH"), 0.0, 1.0, A),
        Category::SporadicHotSpot
    );
    // A long final run that reaches 90 % is no longer consecutive.
    assert_eq!(
        classify(&series(".HHHHHHHHH"), 0.0, 1.0, A),
        Category::PersistentHotSpot
    );
}

#[test]
fn trend_must_be_significant_at_alpha() {
    let all_hot = series("HHHHHHHHHH");
    assert_eq!(
        classify(&all_hot, 1.96, 0.05, A),
        Category::PersistentHotSpot
    );
    assert_eq!(
        classify(&all_hot, 1.97, 0.049, A),
        Category::IntensifyingHotSpot
    );
    assert_eq!(
        classify(&all_hot, 1.97, 0.049, 0.01),
        Category::PersistentHotSpot
    );
}

#[test]
fn documented_precedence() {
    // Final step decides the family: mostly hot, then cold once → new cold spot.
    assert_eq!(
        classify(&series("HHHHHHHHHC"), -2.0, 0.04, A),
        Category::NewColdSpot
    );
    // ≥ 90 % hot without trend but final not hot → historical, not persistent.
    assert_eq!(
        classify(&series("HHHHHHHHH."), 0.1, 0.9, A),
        Category::HistoricalHotSpot
    );
    // Former cold spot turning hot for the first time → new, not oscillating.
    assert_eq!(
        classify(&series("CCC......H"), 1.0, 0.3, A),
        Category::NewHotSpot
    );
    assert_eq!(
        classify(&series("CCC.....HH"), 1.0, 0.3, A),
        Category::ConsecutiveHotSpot
    );
    // Empty and single-step series.
    assert_eq!(classify(&[], 0.0, 1.0, A), Category::NoPattern);
    assert_eq!(
        classify(&series("H"), 0.0, 1.0, A),
        Category::PersistentHotSpot
    );
}

#[test]
fn categories_serialise_in_snake_case() {
    let s = serde_json::to_string(&Category::IntensifyingColdSpot).unwrap();
    assert_eq!(s, "\"intensifying_cold_spot\"");
}

// ---- end to end -------------------------------------------------------------------------

fn centre(c: CellIndex) -> Coord<f64> {
    let ll = LatLng::from(c);
    Coord {
        x: ll.lng(),
        y: ll.lat(),
    }
}

fn month(m: u32) -> NaiveDateTime {
    // 12 months starting in 2025-01; day and hour inside the month do not matter.
    NaiveDate::from_ymd_opt(2025 + (m as i32 - 1) / 12, (m - 1) % 12 + 1, 1 + m % 27)
        .unwrap()
        .and_hms_opt(13, 30, 0)
        .unwrap()
}

fn params() -> EmergingParams {
    EmergingParams {
        resolution: Resolution::Eight,
        step: TimeStep::Month,
        k: 1,
        time_k: 0,
        alpha: 0.05,
    }
}

/// A district of background reports, a neighbourhood busy every month, and a neighbourhood
/// that only appears in the last month.
fn scenario() -> (Vec<Coord<f64>>, Vec<NaiveDateTime>, CellIndex, CellIndex) {
    let res = Resolution::Eight;
    let origin = LatLng::new(16.46, 107.59).unwrap().to_cell(res);
    let district: Vec<CellIndex> = origin.grid_disk(12);
    let busy = district[40];
    let fresh = district[400];
    let (mut pts, mut times) = (Vec::new(), Vec::new());
    // Background: one report in every 3rd cell of the district, month cycling 1..=12.
    for (i, &c) in district.iter().enumerate().step_by(3) {
        pts.push(centre(c));
        times.push(month((i % 12) as u32 + 1));
    }
    for m in 1..=12 {
        for c in busy.grid_disk::<Vec<_>>(1) {
            for _ in 0..4 {
                pts.push(centre(c));
                times.push(month(m));
            }
        }
    }
    for c in fresh.grid_disk::<Vec<_>>(1) {
        for _ in 0..4 {
            pts.push(centre(c));
            times.push(month(12));
        }
    }
    (pts, times, busy, fresh)
}

#[test]
fn end_to_end_cube() {
    let (pts, times, busy, fresh) = scenario();
    let r = emerging(&pts, &times, &params()).unwrap();
    assert_eq!(r.steps.len(), 12);
    assert_eq!(r.steps[0], NaiveDate::from_ymd_opt(2025, 1, 1).unwrap());
    assert!(r.cells.windows(2).all(|w| w[0].cell < w[1].cell));
    let total: u32 = r.cells.iter().flat_map(|c| &c.counts).sum();
    assert_eq!(total as usize, pts.len());
    let get = |c: CellIndex| r.cells.iter().find(|e| e.cell == c).unwrap();
    assert_eq!(get(busy).category, Category::PersistentHotSpot);
    assert_eq!(get(busy).hot_steps, 12);
    assert_eq!(get(busy).counts, vec![4; 12]);
    assert_eq!(get(fresh).category, Category::NewHotSpot);
    assert_eq!(get(fresh).hot_steps, 1);
    assert_eq!(get(fresh).counts[11], 4);
    brute_force_check(&r, &params());
}

#[test]
fn time_neighbours_spread_the_new_spot_backwards() {
    // With ±1 step the final-month burst also lifts month 11: a run of two at the end.
    let (pts, times, _, fresh) = scenario();
    let p = EmergingParams {
        time_k: 1,
        ..params()
    };
    let r = emerging(&pts, &times, &p).unwrap();
    let cell = r.cells.iter().find(|e| e.cell == fresh).unwrap();
    assert_eq!(cell.category, Category::ConsecutiveHotSpot);
    brute_force_check(&r, &p);
}

/// Recomputes every bin's Gi* the slow way (grid distance between every pair of cells, all
/// steps of each) and compares.
fn brute_force_check(r: &EmergingResult, p: &EmergingParams) {
    let t_len = r.steps.len();
    let all: Vec<f64> = r
        .cells
        .iter()
        .flat_map(|c| c.counts.iter().map(|&x| x as f64))
        .collect();
    let n = all.len() as f64;
    let mean = all.iter().sum::<f64>() / n;
    let s = (all.iter().map(|x| x * x).sum::<f64>() / n - mean * mean).sqrt();
    for (ci, cell) in r.cells.iter().enumerate() {
        let near: Vec<&EmergingCell> = r
            .cells
            .iter()
            .filter(|o| {
                cell.cell
                    .grid_distance(o.cell)
                    .is_ok_and(|d| d <= p.k as i32)
            })
            .collect();
        for t in 0..t_len {
            let (mut sum, mut w) = (0.0, 0.0);
            for o in &near {
                for (t2, &x) in o.counts.iter().enumerate() {
                    if t.abs_diff(t2) <= p.time_k as usize {
                        sum += x as f64;
                        w += 1.0;
                    }
                }
            }
            let z = (sum - mean * w) / (s * ((n * w - w * w) / (n - 1.0)).sqrt());
            assert!(
                (z - cell.z[t]).abs() < 1e-9,
                "cell {ci} step {t}: {z} vs {}",
                cell.z[t]
            );
        }
    }
}

#[test]
fn same_result_on_one_thread() {
    let (pts, times, _, _) = scenario();
    let many = emerging(&pts, &times, &params()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let one = pool.install(|| emerging(&pts, &times, &params())).unwrap();
    assert_eq!(many, one);
}

#[test]
fn invalid_parameters_are_rejected() {
    let pts = [Coord { x: 107.0, y: 16.0 }];
    let t = [month(1)];
    assert!(emerging(&pts, &[], &params()).is_err());
    for alpha in [0.0, 1.0, f64::NAN] {
        assert!(emerging(&pts, &t, &EmergingParams { alpha, ..params() }).is_err());
    }
    let bad = [Coord { x: 200.0, y: 16.0 }];
    assert!(emerging(&bad, &t, &params()).is_err());
    let empty = emerging(&[], &[], &params()).unwrap();
    assert!(empty.steps.is_empty() && empty.cells.is_empty());
}
