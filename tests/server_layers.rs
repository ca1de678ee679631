//! Computed layers over HTTP: parameters, the viewer min-count filter, CSV/download, caching
//! and its invalidation when the dataset changes.

mod server_common;

use axum::http::{StatusCode, header};
use server_common::*;

fn features(v: &serde_json::Value) -> Vec<serde_json::Value> {
    v["features"].as_array().unwrap().clone()
}

#[tokio::test]
async fn sites_layer_for_viewers() {
    let app = app().await;
    let a = app.get("/api/layers/sites", Some(VIEWER)).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header(header::CONTENT_TYPE), "application/geo+json");
    let f = features(&a.json());
    assert_eq!(f.len(), 3);
    let kcn = f.iter().find(|f| f["id"] == "kcn-1").unwrap();
    assert_eq!(kcn["properties"]["kind"], "industrial_zone");
    assert_eq!(kcn["geometry"]["type"], "Polygon");
    let a = app
        .get(
            "/api/layers/sites?bbox=107.69,16.39,107.75,16.51",
            Some(VIEWER),
        )
        .await;
    assert_eq!(features(&a.json()).len(), 2);
    assert_eq!(
        app.get("/api/layers/sites", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.get("/api/layers/nope", Some(VIEWER)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn hotspots_layer_finds_the_dense_cluster() {
    let app = app().await;
    let a = app.get("/api/layers/hotspots", Some(VIEWER)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let f = features(&a.json());
    assert_eq!(f.len(), 1);
    let p = &f[0]["properties"];
    assert_eq!(p["count"], 12);
    assert_eq!(p["cluster"], 0);
    assert_eq!(p["use"], 3);
    // Viewers: counts below --min-count suppressed, times to the month (disclosure model).
    assert_eq!(p["sale"], serde_json::Value::Null);
    assert_eq!(p["first_seen"], "2024-01");
    assert_eq!(p["last_seen"], "2024-12");
    let a = app.get("/api/layers/hotspots", Some(ANALYST)).await;
    let pa = &features(&a.json())[0]["properties"];
    assert_eq!(pa["sale"], 2);
    assert_eq!(pa["first_seen"], "2024-01-15T10:00:00");
    assert_eq!(pa["last_seen"], "2024-12-15T10:00:00");
    assert_eq!(p["has_plan"], false);
    // The school is ~107 m east of the cluster.
    let near = p["nearby_sites"].as_array().unwrap();
    assert_eq!(near.len(), 1);
    assert_eq!(near[0]["id"], "school-1");
    assert_eq!(f[0]["geometry"]["type"], "Polygon");

    // A bigger radius and fewer points also joins the 3 km-away pair as a second cluster, which
    // viewers do not see (2 < min-count 3) but analysts do.
    let q = "/api/layers/hotspots?eps_m=200&min_pts=2";
    assert_eq!(features(&app.get(q, Some(VIEWER)).await.json()).len(), 1);
    assert_eq!(features(&app.get(q, Some(ANALYST)).await.json()).len(), 2);

    let a = app
        .get("/api/layers/hotspots?format=csv&download=1", Some(VIEWER))
        .await;
    assert!(a.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert_eq!(
        a.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"hotspots_eps_m150_min_pts5_2024-01_2025-06.csv\""
    );
    // Defect 8: ids, centroid as two numbers, geometry as WKT, no JSON in cells.
    let text = a.text();
    assert!(text.starts_with("\u{feff}id,cluster,"), "{text}");
    assert!(text.contains(",centroid_lon,centroid_lat,"), "{text}");
    assert!(text.lines().next().unwrap().ends_with(",wkt"), "{text}");
    assert!(!text.contains('{') && !text.contains("\"["), "{text}");
}

#[tokio::test]
async fn hexes_hide_sparse_cells_from_viewers() {
    let app = app().await;
    let analyst = features(&app.get("/api/layers/hexes", Some(ANALYST)).await.json());
    let viewer = features(&app.get("/api/layers/hexes", Some(VIEWER)).await.json());
    assert!(analyst.len() > viewer.len());
    assert!(!viewer.is_empty());
    for f in &viewer {
        assert!(f["properties"]["count"].as_f64().unwrap() >= 3.0);
    }
    // Zero-count study cells are there for analysts (k = 1 ring around occupied cells).
    assert!(
        analyst
            .iter()
            .any(|f| f["properties"]["count"].as_f64().unwrap() == 0.0)
    );
    let total: f64 = analyst
        .iter()
        .map(|f| f["properties"]["count"].as_f64().unwrap())
        .sum();
    assert_eq!(total, 18.0);
    for key in ["h3", "count", "gi_z", "gi_p", "bin"] {
        assert!(analyst[0]["properties"].get(key).is_some(), "{key}");
    }
    let a = app
        .get(
            "/api/layers/hexes?res=8&k=2&fdr=true&format=csv",
            Some(ANALYST),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(
        a.text()
            .starts_with("\u{feff}id,h3,count,gi_z,gi_p,bin,wkt\n"),
        "{}",
        a.text()
    );
}

#[tokio::test]
async fn kde_near_and_emerging_layers() {
    let app = app().await;
    let kde = features(
        &app.get("/api/layers/kde?bandwidth_m=200&res=9", Some(ANALYST))
            .await
            .json(),
    );
    assert!(!kde.is_empty());
    assert!(
        kde.iter()
            .all(|f| f["properties"]["density"].as_f64().unwrap() > 0.0)
    );
    let kde_viewer = features(
        &app.get("/api/layers/kde?bandwidth_m=200&res=9", Some(VIEWER))
            .await
            .json(),
    );
    assert!(
        kde_viewer.len() < kde.len(),
        "isolated reports are hidden from viewers"
    );

    let a = app
        .get("/api/layers/near?within_m=300", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let near = features(&a.json());
    let school = near.iter().find(|f| f["id"] == "school-1").unwrap();
    assert_eq!(school["properties"]["reports_within"], 12);
    let karaoke = near.iter().find(|f| f["id"] == "karaoke-1").unwrap();
    assert_eq!(karaoke["properties"]["reports_within"], 1);
    assert_eq!(karaoke["properties"]["nearest_m"].as_f64().unwrap(), 0.0);

    let a = app
        .get("/api/layers/emerging?res=8&step=month", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let e = features(&a.json());
    assert!(!e.is_empty());
    let p = &e[0]["properties"];
    assert_eq!(p["steps"], 18); // 2024-01 … 2025-06, a count as in the CLI
    let labels = p["step_labels"].as_array().unwrap();
    assert_eq!(labels.len(), 18);
    assert_eq!(labels[0], "2024-01-01");
    assert_eq!(p["z"].as_array().unwrap().len(), 18);
    assert!(p["category"].is_string());
    let a = app
        .get("/api/layers/emerging?format=csv", Some(ANALYST))
        .await;
    // Defect 8: emerging (and kde) download as CSV, series as `;`-joined text.
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let text = a.text();
    let header = text.lines().next().unwrap();
    assert!(
        header.contains(",step_labels,") || header.ends_with(",step_labels"),
        "{header}"
    );
    assert!(text.contains("2024-01-01;2024-02-01;"), "{text}");
}

#[tokio::test]
async fn layers_are_cached_per_params_and_invalidated_by_new_data() {
    let app = app().await;
    let first = app.get("/api/layers/hexes?res=9&k=1", Some(VIEWER)).await;
    let s1 = app.state.cache.stats();
    // Same parameters in another spelling: a hit, same bytes.
    let again = app.get("/api/layers/hexes?k=1", Some(VIEWER)).await;
    let s2 = app.state.cache.stats();
    assert_eq!(s2.hits, s1.hits + 1);
    assert_eq!(first.body, again.body);
    // Another role is another entry.
    app.get("/api/layers/hexes", Some(ANALYST)).await;
    assert_eq!(app.state.cache.stats().entries, s2.entries + 1);

    // New reports change the dataset version: the next answer is recomputed.
    let csv = "id,lon,lat,kind,observed_at\nX1,107.6301,16.4601,use,2025-07-01\n";
    let up = app.post("/api/reports", Some(ADMIN), "text/csv", csv).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    let after = app.get("/api/layers/hexes", Some(VIEWER)).await;
    assert_ne!(
        after.body, first.body,
        "the 3 km-away cell now has 3 reports"
    );
    let n_before = features(&first.json()).len();
    let n_after = features(&after.json()).len();
    assert_eq!(n_after, n_before + 1);
}

#[tokio::test]
async fn hotspot_ids_are_tracked_so_plans_stay_attached() {
    let app = app().await;
    // The canonical view (all reports, default parameters) registers the hotspot.
    let first = features(&app.get("/api/layers/hotspots", Some(VIEWER)).await.json());
    assert_eq!(first[0]["properties"]["hotspot_id"], "H-000001");
    assert_eq!(first[0]["id"], "H-000001");
    let tracked = app.state.store.tracked_hotspots().await.unwrap();
    assert_eq!(tracked.len(), 1);
    assert_eq!(tracked[0].id, "H-000001");

    // A plan on that hotspot shows on the layer.
    let plan = r#"{"subject":{"type":"hotspot","id":"H-000001"},"responsible_person":"Lê Văn B",
        "task":"Triệt xóa điểm","responsible_unit":"Công an phường","deadline":"2026-06-30",
        "expected_result":"Không còn báo cáo 6 tháng","approving_authority":"UBND phường"}"#;
    let a = app
        .post("/api/plans", Some(ANALYST), "application/json", plan)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let again = features(&app.get("/api/layers/hotspots", Some(VIEWER)).await.json());
    assert_eq!(again[0]["properties"]["hotspot_id"], "H-000001");
    assert_eq!(again[0]["properties"]["has_plan"], true);

    // A re-clustering with other parameters matches by overlap and keeps the id, read-only.
    let other = features(
        &app.get("/api/layers/hotspots?eps_m=200&min_pts=4", Some(VIEWER))
            .await
            .json(),
    );
    assert_eq!(other[0]["properties"]["hotspot_id"], "H-000001");
    assert_eq!(app.state.store.tracked_hotspots().await.unwrap().len(), 1);
}
