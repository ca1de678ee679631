//! Area statuses, declarations vs data, timelines and target progress over HTTP.

mod server_common;

use axum::http::StatusCode;
use chrono::NaiveDate;
use hotspot::model::{AreaLevel, Target};
use hotspot::store::{ImportKind, ImportMeta, OnConflict};
use server_common::*;

fn area<'a>(fc: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("{id} missing"))
}

#[tokio::test]
async fn area_status_follows_the_reports() {
    let app = app().await;
    // One report a month in tdp-1 through 2024: a hotspot by mid-2024…
    let fc = app
        .get("/api/layers/areas?month=2024-06", Some(VIEWER))
        .await
        .json();
    let p = &area(&fc, "tdp-1")["properties"];
    assert_eq!(p["month"], "2024-06");
    assert_eq!(p["status"], "hotspot");
    assert_eq!(p["discrepancy"], false);
    // …and drug-free once 2025 has passed without reports.
    let fc = app
        .get("/api/layers/areas?month=2026-01", Some(VIEWER))
        .await
        .json();
    let s = area(&fc, "tdp-1")["properties"]["status"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(s == "clean" || s == "kept_clean", "{s}");
    // The ward aggregates its residential groups.
    let fc = app
        .get(
            "/api/layers/areas?month=2024-06&level=commune",
            Some(VIEWER),
        )
        .await
        .json();
    assert_eq!(fc["features"].as_array().unwrap().len(), 1);
    assert_eq!(area(&fc, "ward-ancuu")["properties"]["status"], "hotspot");
    let csv = app
        .get("/api/layers/areas?format=csv", Some(VIEWER))
        .await
        .text();
    assert!(
        csv.starts_with("\u{feff}id,name,level,parent_id,month,status,status_since,"),
        "{csv}"
    );
}

#[tokio::test]
async fn declared_clean_while_reports_continue_is_a_discrepancy() {
    let app = app().await;
    let d =
        r#"[{"area_id":"tdp-1","status":"clean","declared_at":"2024-06-01","declared_by":"UBND"}]"#;
    let a = app
        .post("/api/declarations", Some(ADMIN), "application/json", d)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let fc = app
        .get("/api/layers/areas?month=2024-08", Some(VIEWER))
        .await
        .json();
    let p = &area(&fc, "tdp-1")["properties"];
    assert_eq!(p["declared_status"], "clean");
    assert_eq!(p["discrepancy"], true);
    assert!(p["contradicting_reports"].as_u64().unwrap() >= 1);
    // Before the declaration there is nothing to contradict.
    let fc = app
        .get("/api/layers/areas?month=2024-05", Some(VIEWER))
        .await
        .json();
    assert_eq!(area(&fc, "tdp-1")["properties"]["discrepancy"], false);
}

#[tokio::test]
async fn timeline_of_an_area() {
    let app = app().await;
    // Viewers see monthly counts below --min-count as null (tests/attack_viewer.rs); the
    // analyst's timeline has them all.
    let v = app
        .get("/api/areas/tdp-1/timeline", Some(VIEWER))
        .await
        .json();
    assert_eq!(v["counts"]["use"][0], serde_json::Value::Null);
    let t = app.get("/api/areas/tdp-1/timeline", Some(ANALYST)).await;
    assert_eq!(t.status, StatusCode::OK, "{}", t.text());
    let t = t.json();
    let months = t["months"].as_array().unwrap();
    assert_eq!(months[0], "2024-01");
    assert_eq!(t["status"].as_array().unwrap().len(), months.len());
    assert_eq!(t["status"][5], "hotspot");
    let total: u64 = ["use", "storage", "trafficking", "sale", "cultivation"]
        .iter()
        .map(|k| {
            t["counts"][k]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .sum::<u64>()
        })
        .sum();
    assert_eq!(total, 12);
    assert_eq!(t["counts"]["use"][0], 1);
    assert_eq!(
        app.get("/api/areas/nope/timeline", Some(VIEWER))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/areas/tdp-1/timeline", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn progress_against_targets() {
    let app = app().await;
    let meta = ImportMeta {
        kind: ImportKind::Targets,
        file_name: "targets.csv".into(),
        sha256: "t".into(),
        imported_by: "test".into(),
        on_conflict: OnConflict::Error,
        force: false,
    };
    app.state
        .store
        .import_targets(
            &meta,
            &[Target {
                area_id: "ward-ancuu".into(),
                level: AreaLevel::ResidentialGroup,
                share: 1.0,
                due: NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
            }],
        )
        .await
        .unwrap();
    app.state.data_changed();
    let p = app
        .get(
            "/api/progress?area=ward-ancuu&date=2024-06-15",
            Some(VIEWER),
        )
        .await;
    assert_eq!(p.status, StatusCode::OK, "{}", p.text());
    let t = &p.json()["targets"][0];
    assert_eq!(t["children"], 1);
    assert_eq!(t["drug_free"], 0);
    assert_eq!(t["not_clean"][0]["id"], "tdp-1");
    assert_eq!(t["not_clean"][0]["status"], "hotspot");
    let p = app
        .get(
            "/api/progress?area=ward-ancuu&date=2026-06-15",
            Some(VIEWER),
        )
        .await
        .json();
    assert_eq!(p["targets"][0]["drug_free"], 1);
    assert_eq!(p["targets"][0]["actual_share"].as_f64().unwrap(), 1.0);
    assert_eq!(
        app.get("/api/progress", Some(VIEWER)).await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/api/progress?area=nope", Some(VIEWER))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn charts_as_png_and_svg() {
    let app = app().await;
    let a = app
        .get("/api/charts/trend.png?area=tdp-1", Some(VIEWER))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.header(axum::http::header::CONTENT_TYPE), "image/png");
    assert_eq!(&a.body[..8], b"\x89PNG\r\n\x1a\n");
    let img = image::load_from_memory(&a.body).unwrap();
    assert_eq!((img.width(), img.height()), (1280, 720));
    let a = app
        .get(
            "/api/charts/trend.svg?area=tdp-1&lang=en&download=1",
            Some(VIEWER),
        )
        .await;
    assert_eq!(a.header(axum::http::header::CONTENT_TYPE), "image/svg+xml");
    assert!(a.text().contains("<svg"));
    assert_eq!(
        a.header(axum::http::header::CONTENT_DISPOSITION),
        "attachment; filename=\"trend.svg\""
    );
    let a = app.get("/api/charts/status.svg", Some(VIEWER)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let a = app
        .get(
            "/api/charts/emerging.svg?area=ward-ancuu&level=residential_group",
            Some(VIEWER),
        )
        .await;
    // Too few reports here for any cell to show a pattern: the chart says so instead of
    // drawing empty bars with ticks "0 0 0 1 1 1".
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert!(
        a.text().contains("no cell shows an emerging pattern"),
        "{}",
        a.text()
    );
    for (uri, status) in [
        ("/api/charts/trend.png", StatusCode::BAD_REQUEST),
        ("/api/charts/trend.png?area=nope", StatusCode::NOT_FOUND),
        (
            "/api/charts/targets.svg?area=tdp-1",
            StatusCode::BAD_REQUEST,
        ),
        ("/api/charts/pie.png", StatusCode::NOT_FOUND),
        ("/api/charts/trend.gif?area=tdp-1", StatusCode::NOT_FOUND),
        (
            "/api/charts/trend.svg?area=tdp-1&lang=fr",
            StatusCode::BAD_REQUEST,
        ),
    ] {
        assert_eq!(app.get(uri, Some(VIEWER)).await.status, status, "{uri}");
    }
    assert_eq!(
        app.get("/api/charts/status.svg", None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

/// `/api/dashboard` and `/api/briefing` are computed once per dataset version and parameters:
/// a second identical request is answered from the server's cache, and an import (here a
/// declaration) makes the next request compute again and show it.
#[tokio::test]
async fn dashboard_and_briefing_compute_once_per_dataset_version() {
    let app = app().await;
    let computes = || app.state.exports.stats().computes;
    let before = computes();
    let dash = "/api/dashboard?area=ward-ancuu&month=2024-08";
    let a = app.get(dash, Some(VIEWER)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(computes(), before + 1);
    let b = app.get(dash, Some(VIEWER)).await;
    assert_eq!(b.status, StatusCode::OK);
    assert_eq!(b.body, a.body, "the same answer");
    assert_eq!(
        computes(),
        before + 1,
        "the second request computed nothing"
    );
    // Analysts see small hotspots too: their own entry.
    app.get(dash, Some(ANALYST)).await;
    assert_eq!(computes(), before + 2);

    let brief = "/api/briefing?area=ward-ancuu&month=2024-08&format=html";
    let h1 = app.get(brief, Some(VIEWER)).await;
    assert_eq!(h1.status, StatusCode::OK, "{}", h1.text());
    let h2 = app.get(brief, Some(VIEWER)).await;
    assert_eq!(h2.body, h1.body);
    assert_eq!(
        computes(),
        before + 3,
        "one briefing computed for two requests"
    );
    assert!(
        a.json()["discrepancies"].as_array().unwrap().is_empty(),
        "{}",
        a.text()
    );

    // An import changes the dataset version: the next dashboard computes again and shows it.
    let d =
        r#"[{"area_id":"tdp-1","status":"clean","declared_at":"2024-06-01","declared_by":"UBND"}]"#;
    let imported = app
        .post("/api/declarations", Some(ADMIN), "application/json", d)
        .await;
    assert_eq!(imported.status, StatusCode::CREATED, "{}", imported.text());
    let c = app.get(dash, Some(VIEWER)).await;
    assert_eq!(
        computes(),
        before + 4,
        "the import invalidated the cached dashboard"
    );
    assert_eq!(
        c.json()["discrepancies"].as_array().unwrap().len(),
        1,
        "{}",
        c.text()
    );
    app.get(brief, Some(VIEWER)).await;
    assert_eq!(computes(), before + 5, "and the cached briefing");
}
