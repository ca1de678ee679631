//! CQL2 filters on the stored reports run as SQL with bound parameters on both backends and
//! select exactly what the in-memory evaluator selects; injection attempts are plain values.
//!
//! PostGIS: `DATABASE_URL` (skipped with a loud message when unreachable, a failure under
//! `CI=true`, as the other store tests).

#[path = "common/store_db.rs"]
mod common;

use std::collections::HashMap;

use chrono::FixedOffset;
use common::*;
use hotspot::filter::cql2::parse;
use hotspot::filter::eval::{Context, Row};
use hotspot::filter::queryables::{Queryable, check};
use hotspot::filter::sql::PageQuery;
use hotspot::model::{Report, ReportKind};
use hotspot::server::ogc::catalog;
use hotspot::store::postgis::PostgisStore;
use hotspot::store::sqlite::SqliteStore;
use hotspot::store::{ImportKind, OnConflict, Store};
use serde_json::{Value, json};

fn tz() -> FixedOffset {
    FixedOffset::east_opt(7 * 3600).unwrap()
}

fn queryables() -> &'static [Queryable] {
    catalog::find("reports").unwrap().queryables
}

/// A report as the evaluator sees it (observed_at with its offset, as the OGC answers).
struct R {
    props: serde_json::Map<String, Value>,
    geom: geo::Geometry<f64>,
    bbox: [f64; 4],
}

impl R {
    fn new(r: &Report) -> R {
        let t = hotspot::server::ogc::view::with_offset(
            &r.observed_at.format("%Y-%m-%dT%H:%M:%S").to_string(),
            tz(),
        )
        .unwrap();
        R {
            props: json!({"id": r.id, "kind": r.kind.as_str(), "observed_at": t})
                .as_object()
                .unwrap()
                .clone(),
            geom: geo::Geometry::Point(geo::Point::new(r.lon, r.lat)),
            bbox: [r.lon, r.lat, r.lon, r.lat],
        }
    }
}

impl Row for R {
    fn property(&self, name: &str) -> Option<&Value> {
        self.props.get(name)
    }
    fn geometry(&self) -> Option<&geo::Geometry<f64>> {
        Some(&self.geom)
    }
    fn bbox(&self) -> Option<[f64; 4]> {
        Some(self.bbox)
    }
}

fn matches(filter: &str, r: &Report) -> bool {
    let e = parse(filter).unwrap();
    Context {
        queryables: queryables(),
        tz: tz(),
    }
    .matches(&e, &R::new(r))
}

/// 400 reports on a grid, one an hour from 2024-01-01 (plus one with a quote in its id).
fn data() -> Vec<Report> {
    let mut v = grid_reports(400);
    v.push(report(
        "O'Neil",
        107.51,
        16.41,
        ReportKind::Sale,
        at(2024, 1, 10, 0),
    ));
    v
}

const FILTERS: &[&str] = &[
    "kind = 'sale'",
    "kind <> 'sale' AND NOT kind IN ('use', 'storage')",
    "id LIKE 'R00001%'",
    "id NOT LIKE 'R%'",
    "id = 'O''Neil'",
    "observed_at >= TIMESTAMP('2024-01-05T00:00:00Z') AND observed_at < TIMESTAMP('2024-01-06T00:00:00+07:00')",
    "observed_at BETWEEN TIMESTAMP('2024-01-02T00:00:00Z') AND TIMESTAMP('2024-01-03T00:00:00Z')",
    "T_INTERSECTS(observed_at, INTERVAL('2024-01-03', '2024-01-04'))",
    "T_INTERSECTS(observed_at, DATE('2024-01-10'))",
    "S_INTERSECTS(geometry, BBOX(107.5005, 16.4005, 107.5012, 16.4011))",
    "S_INTERSECTS(geometry, POLYGON((107.4999 16.3999, 107.502 16.3999, 107.4999 16.402, 107.4999 16.3999)))",
    "NOT S_INTERSECTS(geometry, POLYGON((107.4999 16.3999, 107.502 16.3999, 107.4999 16.402, 107.4999 16.3999)))",
    "kind = 'sale' OR S_INTERSECTS(geometry, POLYGON((107.4999 16.3999, 107.5005 16.3999, 107.4999 16.4005, 107.4999 16.3999)))",
    "id IS NULL OR kind IS NOT NULL",
    // Injection attempts: all are values, bound as parameters.
    "id = 'x''; DROP TABLE reports; --'",
    "id = 'sale'' OR ''1''=''1' OR id = 'R0000001'",
    "id LIKE '%'' OR 1=1 --'",
    "id IN ('R0000001', ''');DELETE FROM reports;--')",
];

/// The backend under test.
enum Backend<'a> {
    Lite(&'a SqliteStore),
    Pg(&'a PostgisStore),
}

impl Backend<'_> {
    async fn page(&self, q: &PageQuery<'_, Report>) -> Option<(Vec<Report>, u64)> {
        match self {
            Backend::Lite(s) => s.reports_page(q).await.unwrap(),
            Backend::Pg(s) => s.reports_page(q).await.unwrap(),
        }
    }
}

async fn run(backend: Backend<'_>, all: &[Report]) {
    for f in FILTERS {
        let e = parse(f).unwrap_or_else(|e| panic!("{f}: {e}"));
        check(queryables(), &e).unwrap_or_else(|e| panic!("{f}: {e}"));
        let want: Vec<&str> = {
            let mut v: Vec<&Report> = all.iter().filter(|r| matches(f, r)).collect();
            v.sort_by(|a, b| b.observed_at.cmp(&a.observed_at).then(a.id.cmp(&b.id)));
            v.iter().map(|r| r.id.as_str()).collect()
        };
        let sort = vec![("observed_at".to_string(), true)];
        let recheck = |r: &Report| matches(f, r);
        let q = PageQuery {
            filter: Some(&e),
            sortby: &sort,
            tz: tz(),
            limit: 7,
            offset: 3,
            recheck: &recheck,
        };
        let (got, matched) = backend
            .page(&q)
            .await
            .unwrap_or_else(|| panic!("{f}: no SQL form"));
        assert_eq!(matched as usize, want.len(), "{f}");
        let got: Vec<&str> = got.iter().map(|r| r.id.as_str()).collect();
        let expect: Vec<&str> = want.iter().skip(3).take(7).copied().collect();
        assert_eq!(got, expect, "{f}");
    }
}

async fn seed(store: &dyn Store) -> Vec<Report> {
    let all = data();
    store
        .import_reports(&meta(ImportKind::Reports, "cql", OnConflict::Error), &all)
        .await
        .unwrap();
    all
}

#[tokio::test]
async fn sqlite_runs_filters_in_sql_and_agrees_with_memory() {
    let store = SqliteStore::open("sqlite::memory:").await.unwrap();
    let all = seed(&store).await;
    run(Backend::Lite(&store), &all).await;
    // Nothing was dropped or deleted by the injection attempts.
    assert_eq!(store.status().await.unwrap().reports, all.len() as u64);
}

#[tokio::test]
async fn postgis_runs_filters_in_sql_and_agrees_with_memory() {
    let Some(db) = postgis().await else { return };
    let all = seed(db.store.as_ref()).await;
    run(Backend::Pg(&db.store), &all).await;
    assert_eq!(db.store.status().await.unwrap().reports, all.len() as u64);
    db.drop_schema().await;
}

#[test]
fn the_reports_columns_cover_the_reports_queryables() {
    let cols: HashMap<&str, ()> = hotspot::filter::sql::REPORT_COLUMNS
        .iter()
        .map(|c| (c.queryable, ()))
        .collect();
    for q in queryables() {
        assert!(cols.contains_key(q.name), "{} has no column", q.name);
    }
}
