//! Calibration of the work budget (`hotspot serve --max-work`, `ops::budget`): for computed
//! layers of growing size, the estimated units against the seconds and the peak memory the
//! computation really takes, run as the server runs it (one rayon thread per heavy slot on
//! this 2-core machine: compute, build the features, serialise the GeoJSON).
//!
//! Run: `cargo bench --bench budget` (release profile; prints a table and the ratios).
//! Peak memory is the rise of the process's high-water mark (`VmHWM`, reset before each case
//! through `/proc/self/clear_refs`), so cases run one at a time.

use std::time::Instant;

use h3o::Resolution;
use hotspot::analysis::dbscan::DbscanParams;
use hotspot::analysis::emerging::EmergingParams;
use hotspot::analysis::kde::KdeParams;
use hotspot::model::{Report, ReportKind};
use hotspot::ops::budget::{Extent, Work, estimate};
use hotspot::ops::emerging::{emerging_features, emerging_hotspots};
use hotspot::ops::hexes::{HexParams, hex_hotspots};
use hotspot::ops::hotspots::cluster;
use hotspot::ops::kde::density;
use hotspot::render::geojson::kde_feature;
use hotspot::server::layers::Layer;
use hotspot::timestep::TimeStep;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

/// `n` reports over a 30 km × 30 km city (Huế): 70 % in 300 Gaussian hotspots (σ 50–300 m),
/// 30 % uniform, times uniform over three years.
fn city(n: usize) -> Vec<Report> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (lon0, lat0, side) = (107.45, 16.33, 0.28);
    let m = 111_000.0;
    let hotspots: Vec<(f64, f64, f64)> = (0..300)
        .map(|_| {
            (
                lon0 + rng.random::<f64>() * side,
                lat0 + rng.random::<f64>() * side,
                rng.random_range(50.0..300.0) / m,
            )
        })
        .collect();
    let start = chrono::NaiveDate::from_ymd_opt(2023, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    (0..n)
        .map(|i| {
            let (lon, lat) = if rng.random::<f64>() < 0.7 {
                let (x, y, s) = hotspots[rng.random_range(0..hotspots.len())];
                let nd = Normal::new(0.0, s).unwrap();
                (x + nd.sample(&mut rng), y + nd.sample(&mut rng))
            } else {
                (
                    lon0 + rng.random::<f64>() * side,
                    lat0 + rng.random::<f64>() * side,
                )
            };
            Report {
                id: format!("B{i:07}"),
                lon,
                lat,
                kind: ReportKind::ALL[rng.random_range(0..5)],
                observed_at: start + chrono::Duration::minutes(rng.random_range(0..3 * 525_600)),
            }
        })
        .collect()
}

/// A process memory figure from `/proc/self/status`, KiB.
fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn res(r: u8) -> Resolution {
    Resolution::try_from(r).unwrap()
}

/// One computed layer as the server builds it: features and their GeoJSON.
fn run(work: Work, reports: &[Report]) -> usize {
    let features = match work {
        Work::Hotspots { eps_m } => {
            let c = cluster(reports, &DbscanParams { eps_m, min_pts: 5 }).unwrap();
            // The layer's properties are built from the members; the count stands in for
            // them here (what costs is the clustering).
            return c.hotspots.len();
        }
        Work::Hexes { res, k } => hex_hotspots(reports, &HexParams { res, k, fdr: false })
            .unwrap()
            .features(0),
        Work::Kde { res, bandwidth_m } => density(
            reports,
            None,
            &KdeParams {
                bandwidth_m,
                resolution: res,
            },
            0,
        )
        .unwrap()
        .iter()
        .map(kde_feature)
        .collect(),
        Work::Emerging { res, k, time_k, .. } => {
            let r = emerging_hotspots(
                reports,
                &EmergingParams {
                    resolution: res,
                    step: TimeStep::Month,
                    k,
                    time_k,
                    alpha: 0.05,
                },
            )
            .unwrap();
            emerging_features(&r, 0)
        }
        Work::Near { .. } => unreachable!(),
    };
    Layer::new("bench", features, false).geojson.len()
}

fn main() {
    // Criterion's flags (`--bench`) are ignored; a filter argument selects cases by name.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let months = 36.0;
    let cases: Vec<(usize, &str, Work)> = vec![
        (
            100_000,
            "hexes res 9 k 1",
            Work::Hexes { res: res(9), k: 1 },
        ),
        (
            100_000,
            "hexes res 11 k 2",
            Work::Hexes { res: res(11), k: 2 },
        ),
        (
            100_000,
            "hexes res 12 k 3",
            Work::Hexes { res: res(12), k: 3 },
        ),
        (
            1_000_000,
            "hexes res 9 k 1",
            Work::Hexes { res: res(9), k: 1 },
        ),
        (
            1_000_000,
            "hexes res 11 k 2",
            Work::Hexes { res: res(11), k: 2 },
        ),
        (
            100_000,
            "kde res 10 bw 300",
            Work::Kde {
                res: res(10),
                bandwidth_m: 300.0,
            },
        ),
        (
            100_000,
            "kde res 11 bw 500",
            Work::Kde {
                res: res(11),
                bandwidth_m: 500.0,
            },
        ),
        (
            1_000_000,
            "kde res 10 bw 300",
            Work::Kde {
                res: res(10),
                bandwidth_m: 300.0,
            },
        ),
        (
            100_000,
            "emerging res 8 k 1",
            Work::Emerging {
                res: res(8),
                k: 1,
                time_k: 1,
                steps: months,
            },
        ),
        (
            100_000,
            "emerging res 9 k 1",
            Work::Emerging {
                res: res(9),
                k: 1,
                time_k: 1,
                steps: months,
            },
        ),
        (
            1_000_000,
            "emerging res 9 k 2",
            Work::Emerging {
                res: res(9),
                k: 2,
                time_k: 1,
                steps: months,
            },
        ),
        (100_000, "hotspots eps 150", Work::Hotspots { eps_m: 150.0 }),
        (
            1_000_000,
            "hotspots eps 150",
            Work::Hotspots { eps_m: 150.0 },
        ),
        (
            1_000_000,
            "hotspots eps 400",
            Work::Hotspots { eps_m: 400.0 },
        ),
    ];
    let mut data: Vec<(usize, Vec<Report>)> = Vec::new();
    println!(
        "{:>9} {:<20} {:>10} {:>8} {:>9} {:>8} {:>9}",
        "reports", "layer", "units", "seconds", "peak MiB", "ns/unit", "B/unit"
    );
    let (mut worst_ns, mut worst_b) = (0.0f64, 0.0f64);
    for (n, name, work) in cases {
        if filter.as_deref().is_some_and(|f| !name.contains(f)) {
            continue;
        }
        if !data.iter().any(|(m, _)| *m == n) {
            data.push((n, city(n)));
        }
        let reports = &data.iter().find(|(m, _)| *m == n).unwrap().1;
        let units = estimate(&work, &Extent::of(reports)).units;
        // Reset the high-water mark to the current RSS (Linux ≥ 4.0).
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        let base = status_kib("VmRSS:");
        let started = Instant::now();
        let out = pool.install(|| run(work, reports));
        let secs = started.elapsed().as_secs_f64();
        let peak = status_kib("VmHWM:").saturating_sub(base) as f64 * 1024.0;
        std::hint::black_box(out);
        let ns = secs * 1e9 / units;
        let b = peak / units;
        worst_ns = worst_ns.max(ns);
        worst_b = worst_b.max(b);
        println!(
            "{n:>9} {name:<20} {units:>10.2e} {secs:>8.2} {:>9.0} {ns:>8.1} {b:>9.2}",
            peak / 1048576.0
        );
    }
    let budget = hotspot::ops::budget::DEFAULT_MAX_WORK;
    println!(
        "worst case: {worst_ns:.1} ns and {worst_b:.2} bytes per unit; the default budget \
         {budget:.0e} is then at most {:.1} s of one core and {:.0} MiB",
        worst_ns * budget / 1e9,
        worst_b * budget / 1048576.0
    );
}
