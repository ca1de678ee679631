//! OGC API – Features Part 1 routes: landing page, conformance, collections, items (bbox,
//! datetime, limit, paging links), single features, roles and content types.

mod server_common;

use axum::http::{StatusCode, header};
use server_common::*;

#[tokio::test]
async fn landing_page_and_conformance() {
    let app = app().await;
    let a = app.get("/ogc", None).await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header(header::CONTENT_TYPE), "application/json");
    let rels: Vec<String> = a.json()["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["rel"].as_str().unwrap().to_string())
        .collect();
    for r in ["self", "service-desc", "conformance", "data"] {
        assert!(rels.contains(&r.to_string()), "{r}");
    }
    assert_eq!(a.json()["links"][0]["href"], "http://127.0.0.1:8080/ogc");
    let c = app.get("/ogc/conformance?f=json", None).await.json();
    let classes = c["conformsTo"].as_array().unwrap();
    assert!(
        classes
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/core"))
    );
    assert!(
        classes
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/geojson"))
    );
    assert!(
        classes
            .iter()
            .any(|c| c.as_str().unwrap().ends_with("/conf/oas30"))
    );
    assert_eq!(
        app.get("/ogc/conformance?f=xml", None).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn collections_depend_on_role() {
    let app = app().await;
    assert_eq!(
        app.get("/ogc/collections", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let ids = |v: serde_json::Value| -> Vec<String> {
        v["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect()
    };
    let viewer = ids(app.get("/ogc/collections", Some(VIEWER)).await.json());
    assert_eq!(viewer, ["sites", "areas", "hotspots", "hexes", "emerging"]);
    let analyst = ids(app.get("/ogc/collections", Some(ANALYST)).await.json());
    assert_eq!(analyst[0], "reports");
    assert_eq!(
        app.get("/ogc/collections/reports/items", Some(VIEWER))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let c = app
        .get("/ogc/collections/reports", Some(ANALYST))
        .await
        .json();
    // Extents are public: the grid-snapped box of the reports' cells and whole months (the
    // first report's month starts 2024-01-01T00:00 at +07:00, 2023-12-31T17:00Z).
    let west = c["extent"]["spatial"]["bbox"][0][0].as_f64().unwrap();
    assert!(west <= 107.55 && west > 107.53, "{west}");
    assert!(
        ((west * 100.0).round() - west * 100.0).abs() < 1e-9,
        "on the grid: {west}"
    );
    assert_eq!(
        c["extent"]["temporal"]["interval"][0][0],
        "2023-12-31T17:00:00Z"
    );
    assert_eq!(
        app.get("/ogc/collections/nope", Some(VIEWER)).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn report_items_page_with_next_and_prev_links() {
    let app = app().await;
    let a = app
        .get("/ogc/collections/reports/items?limit=5", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header(header::CONTENT_TYPE), "application/geo+json");
    let fc = a.json();
    assert_eq!(fc["numberMatched"], 18);
    assert_eq!(fc["numberReturned"], 5);
    assert!(fc["timeStamp"].as_str().unwrap().ends_with('Z'));
    let link = |fc: &serde_json::Value, rel: &str| {
        fc["links"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["rel"] == rel)
            .map(|l| l["href"].as_str().unwrap().to_string())
    };
    let next = link(&fc, "next").unwrap();
    assert!(next.ends_with("limit=5&offset=5"), "{next}");
    assert!(link(&fc, "prev").is_none());
    let path = next.trim_start_matches("http://127.0.0.1:8080");
    let page2 = app.get(path, Some(ANALYST)).await.json();
    assert_eq!(page2["numberReturned"], 5);
    assert!(link(&page2, "prev").unwrap().ends_with("offset=0"));
    let last = app
        .get(
            "/ogc/collections/reports/items?limit=5&offset=15",
            Some(ANALYST),
        )
        .await
        .json();
    assert_eq!(last["numberReturned"], 3);
    assert!(link(&last, "next").is_none());
    // limit above the maximum is clamped, not refused; non-numbers are 400.
    let big = app
        .get("/ogc/collections/reports/items?limit=100000", Some(ANALYST))
        .await;
    assert_eq!(big.json()["numberReturned"], 18);
    assert_eq!(
        app.get("/ogc/collections/reports/items?limit=0", Some(ANALYST))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn report_items_filter_by_bbox_and_datetime() {
    let app = app().await;
    let n = |uri: &str| {
        let app = &app;
        let uri = uri.to_string();
        async move {
            let a = app.get(&uri, Some(ANALYST)).await;
            assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
            a.json()["numberMatched"].as_u64().unwrap()
        }
    };
    assert_eq!(
        n("/ogc/collections/reports/items?bbox=107.62,16.45,107.64,16.47").await,
        2
    );
    assert_eq!(
        n("/ogc/collections/reports/items?datetime=2024-01-15").await,
        1
    );
    assert_eq!(
        n("/ogc/collections/reports/items?datetime=../2024-06-30").await,
        6
    );
    assert_eq!(
        n("/ogc/collections/reports/items?datetime=2025-01-01/..").await,
        6
    );
    assert_eq!(
        n("/ogc/collections/reports/items?datetime=2025-03-01/2025-03-31").await,
        3
    );
    assert_eq!(
        n("/ogc/collections/reports/items?datetime=2024-12-31T17:00:00Z/2025-12-31T00:00:00Z")
            .await,
        6
    );
    assert_eq!(
        app.get(
            "/ogc/collections/reports/items?datetime=soon",
            Some(ANALYST)
        )
        .await
        .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.get("/ogc/collections/reports/items?bbox=1,2", Some(ANALYST))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn single_features_and_computed_collections() {
    let app = app().await;
    let a = app
        .get("/ogc/collections/sites/items/school-1", Some(VIEWER))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(a.header(header::CONTENT_TYPE), "application/geo+json");
    let f = a.json();
    assert_eq!(f["type"], "Feature");
    assert_eq!(f["properties"]["kind"], "school");
    assert!(
        f["links"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["rel"] == "self")
    );
    assert_eq!(
        app.get("/ogc/collections/sites/items/nope", Some(VIEWER))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let r = app
        .get("/ogc/collections/reports/items/R002", Some(ANALYST))
        .await
        .json();
    assert_eq!(r["id"], "R002");

    let areas = app
        .get("/ogc/collections/areas/items", Some(VIEWER))
        .await
        .json();
    assert_eq!(areas["numberMatched"], 2);
    let sites = app
        .get(
            "/ogc/collections/sites/items?bbox=107.69,16.39,107.75,16.51",
            Some(VIEWER),
        )
        .await
        .json();
    assert_eq!(sites["numberMatched"], 2);

    let hs = app
        .get("/ogc/collections/hotspots/items", Some(VIEWER))
        .await
        .json();
    assert_eq!(hs["numberMatched"], 1);
    // Hotspots of 2025 only: the cluster's reports are all from 2024.
    let hs25 = app
        .get(
            "/ogc/collections/hotspots/items?datetime=2025-01-01/..",
            Some(VIEWER),
        )
        .await
        .json();
    assert_eq!(hs25["numberMatched"], 0);
    let hexes = app
        .get("/ogc/collections/hexes/items?limit=1", Some(VIEWER))
        .await
        .json();
    assert_eq!(hexes["numberReturned"], 1);
    let h3 = hexes["features"][0]["id"].as_str().unwrap().to_string();
    let one = app
        .get(&format!("/ogc/collections/hexes/items/{h3}"), Some(VIEWER))
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["properties"]["h3"], h3);
}
