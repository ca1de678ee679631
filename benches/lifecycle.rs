//! Area-status speed: 10 000 residential groups (100 × 100 tiles under 100 wards) × 36
//! months with 50 000 reports must take well under a second.
//!
//! `cargo bench --bench lifecycle` — the `assign` case (point-in-polygon and parent
//! aggregation only) is the baseline the full status computation is compared with.

use chrono::{NaiveDate, NaiveDateTime};
use criterion::{Criterion, criterion_group, criterion_main};
use geo::{LineString, MultiPolygon, Polygon};
use hotspot::lifecycle::{StatusInput, StatusParams, area_statuses, assign_reports};
use hotspot::model::{Area, AreaLevel, Report, ReportKind};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::hint::black_box;

const SIDE: usize = 100;
const CELL: f64 = 0.002; // degrees, ~200 m

fn square(x0: f64, y0: f64, w: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![Polygon::new(
        LineString::from(vec![
            (x0, y0),
            (x0 + w, y0),
            (x0 + w, y0 + w),
            (x0, y0 + w),
            (x0, y0),
        ]),
        vec![],
    )])
}

fn areas() -> Vec<Area> {
    let (lon0, lat0) = (107.5, 16.4);
    let mut v = Vec::new();
    // 10 × 10 wards of 10 × 10 groups each.
    for wy in 0..10 {
        for wx in 0..10 {
            v.push(Area {
                id: format!("W{wx}-{wy}"),
                name: String::new(),
                level: AreaLevel::Commune,
                parent_id: None,
                geometry: square(
                    lon0 + wx as f64 * 10.0 * CELL,
                    lat0 + wy as f64 * 10.0 * CELL,
                    10.0 * CELL,
                ),
            });
        }
    }
    for y in 0..SIDE {
        for x in 0..SIDE {
            v.push(Area {
                id: format!("G{x}-{y}"),
                name: String::new(),
                level: AreaLevel::ResidentialGroup,
                parent_id: Some(format!("W{}-{}", x / 10, y / 10)),
                geometry: square(lon0 + x as f64 * CELL, lat0 + y as f64 * CELL, CELL),
            });
        }
    }
    v
}

fn reports(n: usize) -> Vec<Report> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let t0: NaiveDateTime = "2024-01-01T00:00:00".parse().unwrap();
    (0..n)
        .map(|i| Report {
            id: format!("R{i}"),
            lon: 107.5 + rng.random_range(0.0..SIDE as f64 * CELL),
            lat: 16.4 + rng.random_range(0.0..SIDE as f64 * CELL),
            kind: ReportKind::ALL[i % 5],
            observed_at: t0 + chrono::Duration::minutes(rng.random_range(0..36 * 30 * 24 * 60)),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let areas = areas();
    let reports = reports(50_000);
    let first: NaiveDate = "2024-01-01".parse().unwrap();
    let last: NaiveDate = "2026-12-01".parse().unwrap();
    let input = StatusInput {
        areas: &areas,
        reports: &reports,
        registrations: &[],
        significant: &[],
    };
    let mut g = c.benchmark_group("lifecycle_10k_areas_36_months_50k_reports");
    g.sample_size(10);
    g.bench_function("assign", |b| {
        b.iter(|| black_box(assign_reports(&areas, &reports)))
    });
    g.bench_function("statuses", |b| {
        b.iter(|| black_box(area_statuses(&input, first, last, &StatusParams::default()).unwrap()))
    });
    g.finish();
}

// Criterion's HTML plots need a system font that plotters (built without font-kit) lacks.
criterion_group! {
    name = benches;
    config = Criterion::default().without_plots();
    targets = bench
}
criterion_main!(benches);
