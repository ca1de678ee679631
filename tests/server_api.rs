//! HTTP API tests: every /api route, roles (401/403/200) and error statuses, against a real
//! SQLite store seeded with a small dataset (see `server_common`).

mod server_common;

use axum::http::{StatusCode, header};
use hotspot::server::ServerConfig;
use server_common::*;

#[tokio::test]
async fn health_and_readiness() {
    let app = app().await;
    let a = app.get("/healthz", None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.json()["status"], "ok");
    let a = app.get("/readyz", None).await;
    assert_eq!(a.status, StatusCode::OK);
}

#[tokio::test]
async fn unknown_routes_are_json_404() {
    let app = app().await;
    let a = app.get("/api/nope", Some(ADMIN)).await;
    assert_eq!(a.status, StatusCode::NOT_FOUND);
    assert!(a.json()["error"].as_str().unwrap().contains("no route"));
}

#[tokio::test]
async fn missing_unknown_and_revoked_tokens_are_401_with_bearer_challenge() {
    let app = app().await;
    for tok in [None, Some("not-a-token"), Some(REVOKED)] {
        let a = app.get("/api/meta", tok).await;
        assert_eq!(a.status, StatusCode::UNAUTHORIZED, "{tok:?}");
        assert!(a.header(header::WWW_AUTHENTICATE).starts_with("Bearer"));
        assert!(a.json()["error"].is_string());
    }
}

#[tokio::test]
async fn too_low_a_role_is_403_and_enough_is_200() {
    let app = app().await;
    let a = app.get("/api/reports", Some(VIEWER)).await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    assert!(
        a.header(header::WWW_AUTHENTICATE)
            .contains("insufficient_scope")
    );
    assert_eq!(
        app.get("/api/reports", Some(ANALYST)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/reports", Some(ADMIN)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/imports", Some(ANALYST)).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get("/api/imports", Some(ADMIN)).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/layers/near", Some(VIEWER)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn open_mode_makes_anonymous_callers_viewers_only() {
    let app = app_with(ServerConfig {
        open: true,
        ..ServerConfig::default()
    })
    .await;
    let me = app.get("/api/me", None).await.json();
    assert_eq!(me["role"], "viewer");
    assert_eq!(
        app.get("/api/layers/sites", None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/reports", None).await.status,
        StatusCode::FORBIDDEN
    );
    // A bad token is still refused rather than downgraded.
    assert_eq!(
        app.get("/api/layers/sites", Some("typo")).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn me_and_meta() {
    let app = app().await;
    let me = app.get("/api/me", Some(ANALYST)).await.json();
    assert_eq!(me["role"], "analyst");
    assert_eq!(me["name"], "analyst");
    let m = app.get("/api/meta", Some(VIEWER)).await.json();
    assert_eq!(m["counts"]["reports"], 18);
    assert_eq!(m["counts"]["sites"], 3);
    assert_eq!(m["counts"]["areas"], 2);
    assert_eq!(m["first_report"], "2024-01-15");
    assert_eq!(m["last_report"], "2025-06-10");
    assert_eq!(m["bbox"][0].as_f64().unwrap(), 107.55);
    assert_eq!(m["kinds"].as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn reports_are_paged_filtered_and_downloadable() {
    let app = app().await;
    let a = app
        .get("/api/reports?limit=5&offset=2", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header(header::CONTENT_TYPE), "application/geo+json");
    let fc = a.json();
    assert_eq!(fc["type"], "FeatureCollection");
    let f = fc["features"].as_array().unwrap();
    assert_eq!(f.len(), 5);
    // Stable id order: P1 P2 R001 R002 R003 …
    assert_eq!(f[0]["id"], "R001");
    assert_eq!(f[0]["geometry"]["type"], "Point");

    let a = app
        .get("/api/reports?kind=sale&from=2025-01-01", Some(ANALYST))
        .await;
    let ids: Vec<_> = a.json()["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, ["S1", "S2", "S3", "S4"]);

    let a = app
        .get("/api/reports?bbox=107.62,16.45,107.64,16.47", Some(ANALYST))
        .await;
    assert_eq!(a.json()["features"].as_array().unwrap().len(), 2);

    let a = app
        .get("/api/reports?format=csv&download=1&kind=use", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert!(a.header(header::CONTENT_TYPE).starts_with("text/csv"));
    assert_eq!(
        a.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"reports.csv\""
    );
    let text = a.text();
    // Issue 14, finding 8: the import format, so the export re-imports.
    assert!(text.starts_with("id,lon,lat,kind,observed_at\n"), "{text}");
    assert_eq!(text.lines().count(), 1 + 2 + 3); // header, P1, P2, R001, R006, R011

    let a = app.get("/api/reports?download=1", Some(ANALYST)).await;
    assert_eq!(
        a.header(header::CONTENT_DISPOSITION),
        "attachment; filename=\"reports.geojson\""
    );
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_parameter() {
    let app = app().await;
    for (uri, name) in [
        ("/api/reports?limit=10001", "limit"),
        ("/api/reports?limit=abc", "limit"),
        ("/api/reports?bbox=1,2,3", "bbox"),
        ("/api/reports?kind=heroin", "kind"),
        ("/api/reports?from=2025-02-30", "from"),
        ("/api/reports?from=2025-02-01&to=2025-01-01", "to"),
        ("/api/layers/hexes?res=16", "res"),
        ("/api/layers/hexes?fdr=maybe", "fdr"),
        ("/api/layers/hotspots?eps_m=-1", "eps_m"),
        ("/api/layers/kde?weights=use", "weights"),
        ("/api/layers/areas?month=2025-13", "month"),
        ("/api/layers/areas?level=country", "level"),
        ("/api/layers/emerging?step=fortnight", "step"),
        ("/api/layers/sites?format=xml", "format"),
    ] {
        let a = app.get(uri, Some(ANALYST)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text());
        let msg = a.json()["error"].as_str().unwrap().to_string();
        assert!(msg.contains(name), "{uri}: {msg}");
    }
}

#[tokio::test]
async fn one_report_and_404() {
    let app = app().await;
    let a = app.get("/api/reports/R001", Some(ANALYST)).await;
    assert_eq!(a.status, StatusCode::OK);
    let f = a.json();
    assert_eq!(f["properties"]["kind"], "use");
    assert_eq!(f["properties"]["observed_at"], "2024-01-15T10:00:00");
    assert_eq!(f["geometry"]["coordinates"][0].as_f64().unwrap(), 107.6);
    assert_eq!(
        app.get("/api/reports/nope", Some(ANALYST)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/reports/R001", Some(VIEWER)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn csv_upload_is_all_or_nothing_with_line_numbers() {
    let app = app().await;
    let bad = "id,lon,lat,kind,observed_at\n\
               N1,107.60,16.46,use,2025-07-01\n\
               N2,107.60,95.0,use,2025-07-01\n\
               N3,107.60,16.46,heroin,2025-07-01\n";
    let a = app.post("/api/reports", Some(ADMIN), "text/csv", bad).await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    let details = a.json()["details"].as_array().unwrap().clone();
    assert_eq!(details.len(), 2);
    assert_eq!(details[0]["line"], 3);
    assert_eq!(details[0]["column"], "lat");
    assert_eq!(details[1]["line"], 4);
    assert_eq!(details[1]["column"], "kind");
    // Nothing was stored.
    assert_eq!(
        app.get("/api/reports/N1", Some(ANALYST)).await.status,
        StatusCode::NOT_FOUND
    );

    let good = "id,lon,lat,kind,observed_at\nN1,107.60,16.46,use,2025-07-01\n";
    let a = app
        .post("/api/reports", Some(ADMIN), "text/csv", good)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(a.json()["inserted"], 1);
    assert_eq!(
        app.get("/api/reports/N1", Some(ANALYST)).await.status,
        StatusCode::OK
    );

    // A duplicate id is 422 pointing at its line.
    let dup = "id,lon,lat,kind,observed_at\nN9,107.60,16.46,use,2025-07-01\nR001,107.60,16.46,use,2025-07-01\n";
    let a = app
        .post("/api/reports?force=1", Some(ADMIN), "text/csv", dup)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    assert_eq!(a.json()["details"][0]["line"], 3);
    assert_eq!(
        app.get("/api/reports/N9", Some(ANALYST)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn json_report_upload_and_roles() {
    let app = app().await;
    let one = r#"{"id":"J1","lon":107.61,"lat":16.47,"kind":"Sale","observed_at":"2025-08-01"}"#;
    let a = app
        .post("/api/reports", Some(ANALYST), "application/json", one)
        .await;
    assert_eq!(a.status, StatusCode::FORBIDDEN);
    let a = app
        .post("/api/reports", None, "application/json", one)
        .await;
    assert_eq!(a.status, StatusCode::UNAUTHORIZED);
    let a = app
        .post("/api/reports", Some(ADMIN), "application/json", one)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let f = app.get("/api/reports/J1", Some(ANALYST)).await.json();
    assert_eq!(f["properties"]["kind"], "sale");

    let bad = r#"{"id":"J2","lon":200,"lat":16.47,"kind":"sale","observed_at":"2025-08-01"}"#;
    let a = app
        .post("/api/reports", Some(ADMIN), "application/json", bad)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.json()["details"][0]["column"], "lon");

    let a = app
        .post("/api/reports", Some(ADMIN), "application/json", "{not json")
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    let a = app
        .post("/api/reports", Some(ADMIN), "application/xml", "<a/>")
        .await;
    assert_eq!(a.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn geojson_upload() {
    let app = app().await;
    let fc = r#"{"type":"FeatureCollection","features":[
      {"type":"Feature","id":"G1","geometry":{"type":"Point","coordinates":[107.61,16.47]},
       "properties":{"kind":"storage","observed_at":"2025-08-01"}}]}"#;
    let a = app
        .post("/api/reports", Some(ADMIN), "application/geo+json", fc)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    assert_eq!(
        app.get("/api/reports/G1", Some(ANALYST)).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn oversized_uploads_are_413() {
    let app = app_with(ServerConfig {
        max_body_bytes: 1024,
        ..ServerConfig::default()
    })
    .await;
    let mut big = String::from("id,lon,lat,kind,observed_at\n");
    for i in 0..100 {
        big.push_str(&format!("B{i},107.60,16.46,use,2025-07-01\n"));
    }
    let a = app.post("/api/reports", Some(ADMIN), "text/csv", big).await;
    assert_eq!(a.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(a.json()["error"].is_string());
}

#[tokio::test]
async fn plans_crud_by_role() {
    let app = app().await;
    let plan = r#"{"subject":{"type":"area","id":"tdp-1"},"responsible_person":"Nguyễn Văn A",
        "task":"Tuần tra","responsible_unit":"Công an phường","deadline":"2026-03-31",
        "expected_result":"Không còn điểm bán","approving_authority":"UBND phường"}"#;
    assert_eq!(
        app.post("/api/plans", Some(VIEWER), "application/json", plan)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = app
        .post("/api/plans", Some(ANALYST), "application/json", plan)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let id = a.json()["id"].as_i64().unwrap();
    let list = app.get("/api/plans?area=tdp-1", Some(VIEWER)).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(
        app.get(&format!("/api/plans/{id}"), Some(VIEWER))
            .await
            .status,
        StatusCode::OK
    );
    let areas = app.get("/api/layers/areas", Some(VIEWER)).await.json();
    let tdp = areas["features"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "tdp-1")
        .unwrap()
        .clone();
    assert_eq!(tdp["properties"]["open_plans"], 1);

    let empty = plan.replace("Tuần tra", " ");
    let a = app
        .post("/api/plans", Some(ANALYST), "application/json", empty)
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(a.json()["details"][0]["column"], "task");

    // Issue 14, finding 6: a delete names the version it is based on (If-Match).
    let etag = app
        .get(&format!("/api/plans/{id}"), Some(VIEWER))
        .await
        .header(header::ETAG);
    let del = axum::http::Request::delete(format!("/api/plans/{id}"))
        .header(header::AUTHORIZATION, format!("Bearer {ANALYST}"))
        .header(header::IF_MATCH, etag)
        .body(axum::body::Body::empty())
        .unwrap();
    assert_eq!(app.send(del).await.status, StatusCode::NO_CONTENT);
    assert_eq!(
        app.get(&format!("/api/plans/{id}"), Some(VIEWER))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/api/plans/abc", Some(VIEWER)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn declarations_and_imports() {
    let app = app().await;
    let d =
        r#"[{"area_id":"tdp-1","status":"clean","declared_at":"2025-01-01","declared_by":"UBND"}]"#;
    assert_eq!(
        app.post("/api/declarations", Some(ANALYST), "application/json", d)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = app
        .post("/api/declarations", Some(ADMIN), "application/json", d)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let list = app.get("/api/declarations", Some(VIEWER)).await.json();
    assert_eq!(list[0]["status"], "clean");
    let areas = app
        .get("/api/layers/areas?level=residential_group", Some(VIEWER))
        .await
        .json();
    let f = &areas["features"].as_array().unwrap();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["properties"]["declared_status"], "clean");

    let imports = app.get("/api/imports", Some(ADMIN)).await.json();
    let batch = imports
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["kind"] == "reports")
        .unwrap()["batch"]
        .as_i64()
        .unwrap();
    let del = axum::http::Request::delete(format!("/api/imports/{batch}"))
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
        .body(axum::body::Body::empty())
        .unwrap();
    let a = app.send(del).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(
        app.get("/api/meta", Some(VIEWER)).await.json()["counts"]["reports"],
        0
    );
}

#[tokio::test]
async fn tokens_created_over_the_api_work_once_shown() {
    let app = app().await;
    let body = r#"{"name":"qgis","role":"analyst"}"#;
    assert_eq!(
        app.post("/api/tokens", Some(ANALYST), "application/json", body)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let a = app
        .post("/api/tokens", Some(ADMIN), "application/json", body)
        .await;
    assert_eq!(a.status, StatusCode::CREATED);
    let tok = a.json()["token"].as_str().unwrap().to_string();
    assert_eq!(tok.len(), 64);
    let me = app.get("/api/me", Some(&tok)).await.json();
    assert_eq!(me["role"], "analyst");
    assert_eq!(me["name"], "qgis");
    let bad = r#"{"name":"x","role":"root"}"#;
    assert_eq!(
        app.post("/api/tokens", Some(ADMIN), "application/json", bad)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn openapi_document_lists_exactly_routed_paths() {
    let app = app().await;
    let a = app.get("/api/openapi.json", None).await;
    assert_eq!(a.status, StatusCode::OK);
    let doc = a.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 20, "{}", paths.len());
    for (path, ops) in paths {
        let concrete = path
            .replace("{name}", "sites")
            .replace("{id}", "1")
            .replace("{fid}", "1")
            .replace("{chart}", "status.svg")
            .replace("{batch}", "1");
        for method in ops.as_object().unwrap().keys() {
            let req = axum::http::Request::builder()
                .method(method.to_uppercase().as_str())
                .uri(&concrete)
                .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
                .header(header::HOST, "127.0.0.1")
                .body(axum::body::Body::empty())
                .unwrap();
            let a = app.send(req).await;
            assert_ne!(a.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            if a.status == StatusCode::NOT_FOUND {
                assert!(
                    !a.text().contains("no route"),
                    "{method} {path} is documented but not routed"
                );
            }
        }
    }
    for p in [
        "/api/layers/{name}",
        "/ogc/collections/{id}/items",
        "/api/reports",
    ] {
        assert!(paths.contains_key(p), "{p} undocumented");
    }
}

#[tokio::test]
async fn web_map_page_or_clear_503() {
    let app = app().await;
    let a = app.get("/", None).await;
    let built = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("web/dist/index.html")
        .exists();
    if built {
        assert_eq!(a.status, StatusCode::OK);
        assert!(a.header(header::CONTENT_TYPE).starts_with("text/html"));
        assert_eq!(a.header(header::CACHE_CONTROL), "no-cache");
        let etag = a.header(header::ETAG);
        let req = axum::http::Request::get("/")
            .header(header::IF_NONE_MATCH, etag)
            .body(axum::body::Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::NOT_MODIFIED);
    } else {
        assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(a.text().contains("web map not built: run"));
        assert!(a.text().contains("scripts/build-web.sh"));
    }
    assert_eq!(
        app.get("/assets/nope.js", None).await.status,
        StatusCode::NOT_FOUND
    );
}
