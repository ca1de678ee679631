//! One programme clock for the CLI and the server: the same progress question, asked without
//! a date, is answered for the same day (the data's as-of date) by `hotspot progress` and by
//! `/api/progress`, and `/api/meta` says which day that is. Before the clock, the CLI took
//! today at +07:00 and the server today in the machine's zone, both past the end of the data.

use axum::body::Body;
use axum::http::Request;
use hotspot::cli::clock_arg::ClockArgs;
use hotspot::cli::progress;
use hotspot::cli::status::{Dataset, ParamArgs};
use hotspot::demo;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::{ImportKind, ImportMeta, OnConflict};
use http_body_util::BodyExt;
use tower::ServiceExt;

fn meta(kind: ImportKind) -> ImportMeta {
    ImportMeta {
        kind,
        file_name: format!("{kind}.demo"),
        sha256: format!("{kind}"),
        imported_by: "test".into(),
        on_conflict: OnConflict::Error,
        force: false,
    }
}

async fn get(app: &axum::Router, uri: &str) -> serde_json::Value {
    let resp = app
        .clone()
        .oneshot(Request::get(uri).body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{uri}: {}", resp.status());
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn cli_and_server_evaluate_progress_as_of_the_same_day() {
    let s = demo::generate();
    let store = hotspot::store::open("sqlite::memory:").await.unwrap();
    store
        .import_areas(&meta(ImportKind::Areas), &s.areas)
        .await
        .unwrap();
    store
        .import_reports(&meta(ImportKind::Reports), &s.reports)
        .await
        .unwrap();
    store
        .import_targets(&meta(ImportKind::Targets), &s.targets)
        .await
        .unwrap();
    let last = s
        .reports
        .iter()
        .map(|r| r.observed_at.date())
        .max()
        .unwrap();

    let config = ServerConfig {
        open: true,
        ..ServerConfig::default()
    };
    let app = router(AppState::new(store, config));
    let meta = get(&app, "/api/meta").await;
    // An anonymous visitor is a viewer: the as-of date (the last report's day) only to the
    // month (ARCHITECTURE.md, disclosure model).
    assert_eq!(meta["as_of"], last.format("%Y-%m").to_string(), "{meta}");
    assert_eq!(meta["tz"], "+07:00");
    let server = get(&app, "/api/progress?area=P-ANCUU").await;

    let data = Dataset {
        areas: s.areas,
        reports: s.reports,
        declarations: s.declarations,
        targets: s.targets,
    };
    let args = progress::Args {
        db: hotspot::cli::db_arg::DbArg { url: String::new() },
        area: "P-ANCUU".into(),
        output: hotspot::cli::output::OutputArgs {
            json: true,
            quiet: false,
        },
        params: ParamArgs {
            hotspot_threshold: 3,
            hotspot_window: 3,
            clean_window: 6,
            kept_clean_months: 12,
        },
        clock: ClockArgs::default(),
    };
    let cli: serde_json::Value =
        serde_json::from_str(&progress::render(&data, &args).unwrap()).unwrap();
    assert_eq!(cli["as_of"], last.to_string());
    assert_eq!(
        server["date"].as_str().unwrap(),
        &cli["as_of"].as_str().unwrap()[..7]
    );
    let shares = |v: &serde_json::Value| -> Vec<f64> {
        v["targets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["actual_share"].as_f64().unwrap())
            .collect()
    };
    assert_eq!(shares(&server), shares(&cli));
}
