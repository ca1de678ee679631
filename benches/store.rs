//! Store speed: import N synthetic reports (default 1 000 000), read them all back, and run a
//! bbox query returning ~1 % of them, on SQLite (temp file) and PostGIS (fresh schema).
//! Run through `benches/store.sh`; plain timing (criterion would repeat 10-second imports).
use hotspot::model::{Report, ReportKind};
use hotspot::store::postgis::PostgisStore;
use hotspot::store::sqlite::SqliteStore;
use hotspot::store::{ImportKind, ImportMeta, OnConflict, ReportFilter, Store};
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::Instant;

/// Uniform reports over a 0.3° × 0.3° square around Huế, over two years.
fn synthetic(n: usize) -> Vec<Report> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(42);
    let t0 = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    (0..n)
        .map(|i| Report {
            id: format!("R{i:08}"),
            lon: 107.4 + rng.random::<f64>() * 0.3,
            lat: 16.3 + rng.random::<f64>() * 0.3,
            kind: ReportKind::ALL[rng.random_range(0..5)],
            observed_at: t0 + chrono::Duration::seconds(rng.random_range(0..63_072_000)),
        })
        .collect()
}

async fn run(name: &str, store: Arc<dyn Store>, rows: &[Report]) {
    let meta = ImportMeta {
        kind: ImportKind::Reports,
        file_name: "bench.csv".into(),
        sha256: "bench".into(),
        imported_by: "bench".into(),
        on_conflict: OnConflict::Error,
        force: false,
    };
    let t = Instant::now();
    let rec = store.import_reports(&meta, rows).await.unwrap();
    let import = t.elapsed();
    assert_eq!(rec.inserted as usize, rows.len());

    let t = Instant::now();
    let all = store.reports(&ReportFilter::default()).await.unwrap();
    let read = t.elapsed();
    assert_eq!(all.len(), rows.len());
    drop(all);

    // 0.03° × 0.03° of the 0.3° square: ~1 % of the reports.
    let f = ReportFilter {
        bbox: Some([107.50, 16.40, 107.53, 16.43]),
        ..Default::default()
    };
    let mut best = std::time::Duration::MAX;
    let mut hits = 0;
    for _ in 0..5 {
        let t = Instant::now();
        hits = store.reports(&f).await.unwrap().len();
        best = best.min(t.elapsed());
    }
    println!(
        "{name:8} n={:>8}  import {:>7.2} s  read all {:>6.3} s  bbox ({hits} rows, best of 5) {:>6.1} ms",
        rows.len(),
        import.as_secs_f64(),
        read.as_secs_f64(),
        best.as_secs_f64() * 1e3
    );
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::var("HOTSPOT_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let backends = std::env::var("HOTSPOT_BENCH_BACKENDS").unwrap_or("sqlite,postgis".into());
    let rows = synthetic(n);
    if backends.contains("sqlite") {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("bench.db").display());
        run(
            "sqlite",
            Arc::new(SqliteStore::open(&url).await.unwrap()),
            &rows,
        )
        .await;
    }
    if backends.contains("postgis") {
        let url = std::env::var("DATABASE_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into());
        let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
        let store = Arc::new(PostgisStore::open_in_schema(&url, &schema).await.unwrap());
        run("postgis", store.clone(), &rows).await;
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(store.pool())
            .await
            .unwrap();
    }
}
