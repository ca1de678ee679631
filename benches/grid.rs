//! H3 grid statistics on city-sized synthetic data: 1 M reports in Gaussian clusters.
//!
//! `cargo bench --bench grid`. The baseline is the bare cost of assigning 1 M points to
//! H3 cells on one thread, the floor of any grid analysis; the other benches are stated as
//! ratios to it.
use chrono::{Duration, NaiveDate, NaiveDateTime};
use criterion::{Criterion, black_box, criterion_group, criterion_main};
use geo::Coord;
use h3o::{LatLng, Resolution};
use hotspot::analysis::emerging::{EmergingParams, emerging};
use hotspot::analysis::fdr::fdr_bins;
use hotspot::analysis::gistar::gi_star;
use hotspot::analysis::hexgrid::study_area;
use hotspot::timestep::TimeStep;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

const POINTS: usize = 1_000_000;

/// Reports around 150 cluster centres in a 40 km box near Huế, cluster spread 150–1500 m,
/// plus 10 % uniform background; times uniform over the 36 months of 2023–2025.
fn reports(n: usize) -> (Vec<Coord<f64>>, Vec<NaiveDateTime>) {
    let mut rng = ChaCha8Rng::seed_from_u64(20251123);
    let (lon0, lat0, box_deg) = (107.40, 16.30, 0.37);
    let centres: Vec<(f64, f64, f64)> = (0..150)
        .map(|_| {
            let sigma_m = rng.random_range(150.0..1500.0);
            (
                lon0 + rng.random_range(0.0..box_deg),
                lat0 + rng.random_range(0.0..box_deg),
                sigma_m / 111_000.0,
            )
        })
        .collect();
    let unit = Normal::new(0.0, 1.0).unwrap();
    let start = NaiveDate::from_ymd_opt(2023, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    let span_min = 3 * 365 * 24 * 60;
    let mut pts = Vec::with_capacity(n);
    let mut times = Vec::with_capacity(n);
    for _ in 0..n {
        let p = if rng.random_bool(0.1) {
            Coord {
                x: lon0 + rng.random_range(0.0..box_deg),
                y: lat0 + rng.random_range(0.0..box_deg),
            }
        } else {
            let (cx, cy, s) = centres[rng.random_range(0..centres.len())];
            Coord {
                x: cx + s * unit.sample(&mut rng),
                y: cy + s * unit.sample(&mut rng),
            }
        };
        pts.push(p);
        times.push(start + Duration::minutes(rng.random_range(0..span_min)));
    }
    (pts, times)
}

fn grid(c: &mut Criterion) {
    let (pts, times) = reports(POINTS);
    let mut g = c.benchmark_group("grid");
    g.sample_size(10);

    g.bench_function("baseline_latlng_to_cell_1m_res9_one_thread", |b| {
        b.iter(|| {
            let mut acc = 0u64;
            for p in &pts {
                let cell = LatLng::new(p.y, p.x).unwrap().to_cell(Resolution::Nine);
                acc ^= u64::from(cell);
            }
            black_box(acc)
        })
    });

    g.bench_function("study_area_gi_star_fdr_1m_res9_k1", |b| {
        b.iter(|| {
            let grid = study_area(&pts, None, Resolution::Nine, 1).unwrap();
            let gi = gi_star(&grid);
            let z: Vec<f64> = gi.iter().map(|g| g.z).collect();
            let p: Vec<f64> = gi.iter().map(|g| g.p).collect();
            black_box(fdr_bins(&z, &p))
        })
    });

    let params = EmergingParams {
        resolution: Resolution::Eight,
        step: TimeStep::Month,
        k: 1,
        time_k: 1,
        alpha: 0.05,
    };
    g.bench_function("emerging_1m_36_months_res8_k1_tk1", |b| {
        b.iter(|| black_box(emerging(&pts, &times, &params).unwrap()))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // Criterion's plots need system fonts that plotters is built without here.
    config = Criterion::default().without_plots();
    targets = grid
}
criterion_main!(benches);
