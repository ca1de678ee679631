//! Issue 9 item 5 (store part): text sent to PostGIS through `COPY` is escaped by one tested
//! routine whose meaning does not depend on server settings. Nasty ids and names — quotes,
//! backslashes, `\N`, `\.`, tabs, newlines, carriage returns, any Unicode — go in through
//! COPY and come back byte for byte, with `standard_conforming_strings` on and off.

mod common {
    pub mod store_db;
}

use common::store_db::{at, meta, report};
use geo::polygon;
use hotspot::model::{Area, AreaLevel, ReportKind, Site, SiteKind};
use hotspot::store::{ImportKind, OnConflict, ReportFilter, Store};
use proptest::prelude::*;

/// Printable ids (no control characters: the ingest limits refuse those), heavy on the
/// characters COPY and SQL literals treat specially.
fn nasty_id() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9'\"\\\\.,;:!$%&()*+/<=>?@\\[\\]^_`{|}~ \u{00e9}\u{1ec7}\u{4e2d}\u{1f600}N-]{1,24}"
        .prop_filter("not blank", |s| !s.trim().is_empty())
        .prop_map(|s| s.trim().to_string())
}

/// Free text with every control character except NUL.
fn nasty_name() -> impl Strategy<Value = String> {
    "[\\t\\n\\r\\x01-\\x1f'\"\\\\.N a-z\u{1ec7}\u{1f600}]{1,30}"
}

fn square(x0: f64, y0: f64) -> geo::MultiPolygon<f64> {
    geo::MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x0 + 0.01, y: y0), (x: x0 + 0.01, y: y0 + 0.01), (x: x0, y: y0 + 0.01)
    ]])
}

async fn round_trip(store: &dyn Store, case: usize, ids: &[String], name: &str) {
    let sha = format!("case-{case}");
    let reports: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            report(
                &format!("{case}:{id}"),
                107.6 + i as f64 * 1e-4,
                16.46,
                ReportKind::Sale,
                at(2025, 1, 1, 0),
            )
        })
        .collect();
    let mut m = meta(ImportKind::Reports, &sha, OnConflict::Error);
    m.force = true;
    store.import_reports(&m, &reports).await.unwrap();
    for r in &reports {
        let back = store.report(&r.id).await.unwrap();
        assert_eq!(back.as_ref().map(|b| &b.id), Some(&r.id));
    }
    // Sites: free text through COPY.
    let site = Site {
        id: format!("s{case}"),
        name: name.to_string(),
        kind: SiteKind::School,
        geometry: geo::Geometry::Point(geo::point!(x: 107.6, y: 16.46)),
    };
    let mut m = meta(ImportKind::Sites, &sha, OnConflict::Error);
    m.force = true;
    store
        .import_sites(&m, std::slice::from_ref(&site))
        .await
        .unwrap();
    let sites = store.sites(None).await.unwrap();
    assert_eq!(
        sites.iter().find(|s| s.id == site.id).map(|s| &s.name),
        Some(&site.name)
    );
    // An area with a nasty id: its id is inlined (escaped) into the COPY-out query.
    let area = Area {
        id: format!("{case}:{}", ids[0]),
        name: name.to_string(),
        level: AreaLevel::Commune,
        parent_id: None,
        geometry: square(107.599, 16.459),
    };
    let mut m = meta(ImportKind::Areas, &sha, OnConflict::Error);
    m.force = true;
    store
        .import_areas(&m, std::slice::from_ref(&area))
        .await
        .unwrap();
    let inside = store
        .reports(&ReportFilter {
            area: Some(area.id.clone()),
            ..ReportFilter::default()
        })
        .await
        .unwrap();
    assert!(
        inside.iter().any(|r| r.id == reports[0].id),
        "{:?}",
        area.id
    );
}

fn run_cases(rt: &tokio::runtime::Runtime, store: &dyn Store, first_case: usize) {
    let case = std::cell::Cell::new(first_case);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 32,
        ..ProptestConfig::default()
    });
    runner
        .run(
            &(proptest::collection::vec(nasty_id(), 1..6), nasty_name()),
            |(mut ids, name)| {
                ids.sort();
                ids.dedup();
                case.set(case.get() + 1);
                rt.block_on(round_trip(store, case.get(), &ids, &name));
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn copy_round_trips_nasty_ids_and_names_through_postgis() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(common::store_db::postgis()) else {
        return;
    };
    run_cases(&rt, db.dyn_store().as_ref(), 0);
    rt.block_on(db.drop_schema());

    // Again over connections with the legacy string setting: nothing may depend on it.
    let url = common::store_db::database_url();
    let sep = if url.contains('?') { '&' } else { '?' };
    let legacy_url = format!("{url}{sep}options%5Bstandard_conforming_strings%5D=off");
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let legacy = rt
        .block_on(hotspot::store::postgis::PostgisStore::open_in_schema(
            &legacy_url,
            &schema,
        ))
        .unwrap();
    let setting: String = rt.block_on(async {
        sqlx::query_scalar("SHOW standard_conforming_strings")
            .fetch_one(legacy.pool())
            .await
            .unwrap()
    });
    assert_eq!(setting, "off");
    run_cases(&rt, &legacy, 1000);
    rt.block_on(async {
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(legacy.pool())
            .await
            .unwrap();
    });
}
