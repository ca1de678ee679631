//! Test databases for the store tests: a private in-memory SQLite, or a fresh PostgreSQL
//! schema per test on `DATABASE_URL` (default `postgres://postgres@127.0.0.1/test`).
#![allow(dead_code)]

use chrono::{NaiveDate, NaiveDateTime};
use hotspot::model::{Report, ReportKind};
use hotspot::store::postgis::PostgisStore;
use hotspot::store::sqlite::SqliteStore;
use hotspot::store::{ImportKind, ImportMeta, OnConflict, Store};
use std::sync::Arc;

pub fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1/test".into())
}

pub async fn sqlite_memory() -> Arc<dyn Store> {
    Arc::new(SqliteStore::open("sqlite::memory:").await.unwrap())
}

/// A PostGIS store in its own schema; dropped by [`PgDb::drop_schema`].
pub struct PgDb {
    pub store: Arc<PostgisStore>,
    pub schema: String,
}

impl PgDb {
    pub fn dyn_store(&self) -> Arc<dyn Store> {
        self.store.clone()
    }

    pub async fn drop_schema(self) {
        sqlx::query(&format!("DROP SCHEMA {} CASCADE", self.schema))
            .execute(self.store.pool())
            .await
            .unwrap();
    }
}

/// Opens a fresh schema, or returns `None` (with a loud message) when PostGIS is not
/// reachable. With `CI=true` an unreachable PostGIS fails the test instead.
pub async fn postgis() -> Option<PgDb> {
    let url = database_url();
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    match PostgisStore::open_in_schema(&url, &schema).await {
        Ok(store) => Some(PgDb {
            store: Arc::new(store),
            schema,
        }),
        Err(e) => {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("PostGIS at {url} is required when CI=true: {e}");
            }
            eprintln!(
                "\n!!!!!!!! SKIPPING PostGIS test: {url} unavailable ({e}).\n\
                 !!!!!!!! Run scripts/setup-postgis.sh; with CI=true this fails.\n"
            );
            None
        }
    }
}

pub fn at(y: i32, m: u32, d: u32, h: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, 0, 0)
        .unwrap()
}

pub fn report(id: &str, lon: f64, lat: f64, kind: ReportKind, t: NaiveDateTime) -> Report {
    Report {
        id: id.into(),
        lon,
        lat,
        kind,
        observed_at: t,
    }
}

pub fn meta(kind: ImportKind, sha: &str, on_conflict: OnConflict) -> ImportMeta {
    ImportMeta {
        kind,
        file_name: format!("{sha}.csv"),
        sha256: sha.into(),
        imported_by: "tester".into(),
        on_conflict,
        force: false,
    }
}

/// `n` reports on a regular grid around Huế, ids `R0000000…`, one per hour.
pub fn grid_reports(n: usize) -> Vec<Report> {
    let side = (n as f64).sqrt().ceil() as usize;
    (0..n)
        .map(|i| {
            report(
                &format!("R{i:07}"),
                107.5 + (i % side) as f64 * 1e-4,
                16.4 + (i / side) as f64 * 1e-4,
                ReportKind::ALL[i % 5],
                at(2024, 1, 1, 0) + chrono::Duration::hours(i as i64),
            )
        })
        .collect()
}
