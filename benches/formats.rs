//! Export and vector tile timings on 1 000 000 synthetic reports (`synth --n 1000000 --seed 42`),
//! each against a baseline measured in the same run:
//! - exports: GeoPackage, FlatGeobuf and CSV against the GeoJSON export of the same reports;
//! - tiles over HTTP (the real router, an analyst token, a SQLite store holding the reports):
//!   uncached z14 tiles (the 20 densest; the layer's tile source already built) and the same
//!   tiles again from the tile cache, against `GET /healthz` through the same router.
//!
//! Run by benches/formats.sh (release build); `HOTSPOT_BENCH_N` changes the report count.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use hotspot::model::Report;
use hotspot::render::format::{Format, TableOptions, encode_table};
use hotspot::render::geojson::{report_feature, write_collection};
use hotspot::render::gpkg;
use hotspot::render::mvt::{TileId, world};
use hotspot::render::table::FeatureTable;
use hotspot::server::auth::token_hash;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::{ImportKind, ImportMeta, OnConflict, Role};
use http_body_util::BodyExt;
use tower::ServiceExt;

const TOKEN: &str = "bench-analyst-token-00000000000000000000000000000000000000000000000";

fn best_of<T>(runs: usize, mut f: impl FnMut() -> T) -> (Duration, T) {
    let mut best = Duration::MAX;
    let mut out = None;
    for _ in 0..runs {
        let t = Instant::now();
        let v = f();
        best = best.min(t.elapsed());
        out = Some(v);
    }
    (best, out.expect("at least one run"))
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// The `n` z14 tiles holding the most reports.
fn densest_tiles(reports: &[Report], z: u32, n: usize) -> Vec<(TileId, usize)> {
    let mut counts = std::collections::HashMap::new();
    let scale = (1u64 << z) as f64;
    for r in reports {
        let w = world(r.lon, r.lat);
        *counts
            .entry(((w[0] * scale) as u32, (w[1] * scale) as u32))
            .or_insert(0usize) += 1;
    }
    let mut v: Vec<_> = counts.into_iter().collect();
    v.sort_by_key(|e| std::cmp::Reverse(e.1));
    v.into_iter()
        .take(n)
        .map(|((x, y), c)| (TileId::new(z, x, y).expect("valid tile"), c))
        .collect()
}

async fn get(app: &axum::Router, uri: &str) -> (Duration, usize) {
    let req = Request::get(uri)
        .header(header::HOST, "127.0.0.1")
        .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
        .body(Body::empty())
        .expect("request");
    let t = Instant::now();
    let resp = app.clone().oneshot(req).await.expect("response");
    assert_eq!(resp.status(), StatusCode::OK, "{uri}");
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (t.elapsed(), body.len())
}

fn main() {
    let n: usize = std::env::var("HOTSPOT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let data = hotspot::synth::generate(&hotspot::synth::SynthParams {
        n,
        seed: 42,
        from: chrono::NaiveDate::from_ymd_opt(2023, 1, 1).expect("date"),
        years: 3,
    });
    let reports = data.reports;
    println!("reports: {}", reports.len());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("temp dir");

    // ---- exports -------------------------------------------------------------------------
    println!("\nexport of {n} reports (best of 3; each includes building the table)");
    let (base, size) = best_of(3, || {
        let mut out = Vec::new();
        write_collection(&mut out, reports.iter().map(report_feature)).expect("geojson");
        out.len()
    });
    println!(
        "  {:<28} {:8.0} ms  {:5} MB  (baseline)",
        "GeoJSON",
        ms(base),
        size >> 20
    );
    let path = dir.path().join("r.gpkg");
    let (t, size) = best_of(3, || {
        let _ = std::fs::remove_file(&path);
        let table = FeatureTable::reports(&reports);
        rt.block_on(gpkg::write_file(&table, &path, None))
            .expect("gpkg");
        std::fs::metadata(&path).expect("gpkg file").len() as usize
    });
    println!(
        "  {:<28} {:8.0} ms  {:5} MB  {:.2}× GeoJSON (target ≤ 3000 ms)",
        "GeoPackage (R-tree)",
        ms(t),
        size >> 20,
        ms(t) / ms(base)
    );
    // Not targets of issue 11: one run each, to keep the bench short on a shared machine.
    for (name, format) in [("FlatGeobuf (index)", Format::Fgb), ("CSV", Format::Csv)] {
        let (t, size) = best_of(1, || {
            let table = FeatureTable::reports(&reports);
            rt.block_on(encode_table(format, &table, TableOptions::default()))
                .expect("encode")
                .len()
        });
        println!(
            "  {:<28} {:8.0} ms  {:5} MB  {:.2}× GeoJSON",
            name,
            ms(t),
            size >> 20,
            ms(t) / ms(base)
        );
    }

    // ---- tiles over HTTP ------------------------------------------------------------------
    let dense = densest_tiles(&reports, 14, 20);
    rt.block_on(async {
        let store = hotspot::store::open("sqlite::memory:")
            .await
            .expect("store");
        let meta = ImportMeta {
            kind: ImportKind::Reports,
            file_name: "bench.csv".into(),
            sha256: "bench".into(),
            imported_by: "bench".into(),
            on_conflict: OnConflict::Error,
            force: false,
        };
        let t = Instant::now();
        store.import_reports(&meta, &reports).await.expect("import");
        println!(
            "\ntiles over HTTP (import of {n} reports: {:.1} s)",
            t.elapsed().as_secs_f64()
        );
        store
            .create_token("bench", Role::Analyst, &token_hash(TOKEN))
            .await
            .expect("token");
        let state = AppState::new(Arc::clone(&store), ServerConfig::default());
        let app = router(state);
        let mut base = Vec::new();
        for _ in 0..50 {
            base.push(get(&app, "/healthz").await.0);
        }
        let base = median(base);
        let (warm, _) = get(&app, "/tiles/reports.json").await;
        println!(
            "  {:<40} {:8.1} ms  (once per dataset version: read + project + index)",
            "tile source build (via TileJSON)",
            ms(warm)
        );
        println!(
            "  {:<40} {:8.3} ms  (baseline)",
            "GET /healthz, median of 50",
            ms(base)
        );
        let mut uncached = Vec::new();
        let mut bytes = 0;
        for (id, _) in &dense {
            let (d, b) = get(
                &app,
                &format!("/tiles/reports/{}/{}/{}.mvt", id.z, id.x, id.y),
            )
            .await;
            uncached.push(d);
            bytes = bytes.max(b);
        }
        let mut cached = Vec::new();
        for _ in 0..5 {
            for (id, _) in &dense {
                cached.push(
                    get(
                        &app,
                        &format!("/tiles/reports/{}/{}/{}.mvt", id.z, id.x, id.y),
                    )
                    .await
                    .0,
                );
            }
        }
        let worst_uncached = *uncached.iter().max().expect("tiles");
        let worst_cached = *cached.iter().max().expect("tiles");
        println!(
            "  z14 tiles: the 20 densest hold {}..{} reports (largest tile {} KB)",
            dense.last().map_or(0, |d| d.1),
            dense.first().map_or(0, |d| d.1),
            bytes >> 10
        );
        println!(
            "  {:<40} {:8.1} ms  max {:6.1} ms  {:.0}× baseline (target ≤ 50 ms)",
            "uncached z14 tile, median",
            ms(median(uncached)),
            ms(worst_uncached),
            ms(worst_uncached) / ms(base)
        );
        println!(
            "  {:<40} {:8.3} ms  max {:6.3} ms  {:.1}× baseline (target ≤ 2 ms)",
            "cached z14 tile, median",
            ms(median(cached.clone())),
            ms(worst_cached),
            ms(median(cached)) / ms(base)
        );
    });
}
