//! Benches of the point kernels: index build and radius queries, DBSCAN (rayon vs one
//! thread), KDE. Data: seeded Gaussian hotspots plus uniform noise over a ~30 km city box,
//! generated here (independent of the `synth` module).
//!
//! Run: `cargo bench --bench engine` (or `-- dbscan` for one group).

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use geo::{Coord, coord};
use hotspot::analysis::dbscan::{DbscanParams, dbscan};
use hotspot::analysis::kde::{KdeParams, kde};
use hotspot::index::PointIndex;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};
use std::hint::black_box;

/// `n` points: 80 % in 2 000 Gaussian hotspots (σ 30–150 m), 20 % uniform noise over a
/// 3° × 3° (≈ 330 km × 330 km) region of central Vietnam.
fn city(n: usize, seed: u64) -> Vec<Coord<f64>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (lon0, lat0) = (106.0, 15.0); // south-west corner
    let (w, h) = (3.0, 3.0);
    let m_per_deg = 111_195.0;
    let centres: Vec<(f64, f64, f64)> = (0..2000)
        .map(|_| {
            (
                lon0 + rng.random::<f64>() * w,
                lat0 + rng.random::<f64>() * h,
                rng.random_range(30.0..150.0) / m_per_deg,
            )
        })
        .collect();
    (0..n)
        .map(|_| {
            if rng.random::<f64>() < 0.8 {
                let (cx, cy, s) = centres[rng.random_range(0..centres.len())];
                let nd = Normal::new(0.0, s).unwrap();
                coord! { x: cx + nd.sample(&mut rng) / 0.96, y: cy + nd.sample(&mut rng) }
            } else {
                coord! { x: lon0 + rng.random::<f64>() * w, y: lat0 + rng.random::<f64>() * h }
            }
        })
        .collect()
}

fn index(c: &mut Criterion) {
    let pts = city(100_000, 1);
    let mut g = c.benchmark_group("index");
    g.bench_function("build_100k", |b| {
        b.iter(|| PointIndex::build(black_box(&pts)))
    });
    let idx = PointIndex::build(&pts);
    let queries = &pts[..1000];
    g.bench_function("within_150m_x1000_on_100k", |b| {
        let mut out = Vec::new();
        b.iter(|| {
            let mut total = 0;
            for &q in queries {
                idx.within_into(q, 150.0, &mut out);
                total += out.len();
            }
            total
        })
    });
    g.finish();
}

fn dbscan_group(c: &mut Criterion) {
    let params = DbscanParams {
        eps_m: 150.0,
        min_pts: 5,
    };
    let one = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let mut g = c.benchmark_group("dbscan");
    g.sample_size(10);
    for n in [100_000usize, 1_000_000] {
        let pts = city(n, 2);
        g.bench_with_input(BenchmarkId::new("rayon", n), &pts, |b, p| {
            b.iter(|| dbscan(black_box(p), &params).unwrap())
        });
        g.bench_with_input(BenchmarkId::new("one_thread", n), &pts, |b, p| {
            b.iter(|| one.install(|| dbscan(black_box(p), &params).unwrap()))
        });
    }
    // One very dense hotspot: 100 000 reports with σ = 20 m, so ~all are within eps of
    // each other (the case that makes neighbour lists quadratic).
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let nd = Normal::new(0.0, 20.0 / 111_195.0).unwrap();
    let dense: Vec<Coord<f64>> = (0..100_000)
        .map(|_| coord! { x: 107.59 + nd.sample(&mut rng), y: 16.46 + nd.sample(&mut rng) })
        .collect();
    g.bench_function("rayon/one_dense_hotspot_100000", |b| {
        b.iter(|| dbscan(black_box(&dense), &params).unwrap())
    });
    g.finish();
}

fn kde_group(c: &mut Criterion) {
    let pts = city(100_000, 3);
    let params = KdeParams {
        bandwidth_m: 300.0,
        resolution: h3o::Resolution::Nine,
    };
    let mut g = c.benchmark_group("kde");
    g.sample_size(10);
    g.bench_function("100k_h300m_res9", |b| {
        b.iter(|| kde(black_box(&pts), None, &params).unwrap())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    // No plots: criterion's plotters backend has no font registered here.
    config = Criterion::default().without_plots();
    targets = index, dbscan_group, kde_group
}
criterion_main!(benches);
