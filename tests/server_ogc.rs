//! OGC API – Features routes: landing page, conformance, collections, items (bbox, datetime,
//! limit, paging links), single features, roles and content types; and the defects of issue
//! 11 (strict parameters, `/ogc/`, extents, stable hotspot ids, offsets, OpenAPI 3.0, 3D and
//! antimeridian boxes, areas status, kde/near, tuning), Part 3 filters and Part 2 CRS.

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
    assert_eq!(
        viewer,
        ["sites", "areas", "hotspots", "hexes", "kde", "emerging"]
    );
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
    assert_eq!(
        c["extent"]["spatial"]["bbox"][0][0].as_f64().unwrap(),
        107.55
    );
    // 2024-01-15T10:00 at +07:00 is 03:00Z.
    assert_eq!(
        c["extent"]["temporal"]["interval"][0][0],
        "2024-01-15T03:00:00Z"
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

fn link_href(fc: &serde_json::Value, rel: &str) -> Option<String> {
    fc["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)
        .map(|l| l["href"].as_str().unwrap().to_string())
}

fn ids(fc: &serde_json::Value) -> Vec<String> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn unknown_parameters_are_400_naming_them_and_the_accepted_ones() {
    let app = app().await;
    for (uri, name) in [
        ("/ogc/collections/reports/items?colour=red", "colour"),
        ("/ogc/collections/sites/items?res=9", "res"),
        ("/ogc/collections/hexes/items?eps_m=100", "eps_m"),
        ("/ogc/collections?limit=3", "limit"),
        ("/ogc/conformance?x=1", "x"),
    ] {
        let a = app.get(uri, Some(ANALYST)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}");
        let body = a.json();
        assert_eq!(body["parameter"], name, "{uri}: {body}");
        assert!(!body["accepted"].as_array().unwrap().is_empty(), "{uri}");
        assert!(body["error"].as_str().unwrap().contains(name), "{uri}");
    }
    let a = app
        .get("/ogc/collections/reports/items?kind=sael", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("trafficking"), "{}", a.text());
    let a = app
        .get(
            "/ogc/collections/reports/items?crs=EPSG:2154",
            Some(ANALYST),
        )
        .await;
    assert_eq!(a.status, StatusCode::BAD_REQUEST);
    assert!(a.text().contains("EPSG/0/3405"), "{}", a.text());
}

#[tokio::test]
async fn trailing_slash_landing_page_works() {
    let app = app().await;
    let a = app.get("/ogc/", None).await;
    assert_eq!(a.status, StatusCode::OK);
    let desc = a.json()["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "service-desc")
        .cloned()
        .unwrap();
    assert_eq!(desc["type"], "application/vnd.oai.openapi+json;version=3.0");
    let path = desc["href"]
        .as_str()
        .unwrap()
        .trim_start_matches("http://127.0.0.1:8080");
    let doc = app.get(path, None).await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.json()["openapi"], "3.0.3");
    let limit = doc.json()["paths"]["/ogc/collections/hexes/items"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .cloned()
        .unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["default"], 100);
    assert_eq!(limit["schema"]["maximum"], 10000);
}

#[tokio::test]
async fn conformance_lists_exactly_the_implemented_classes() {
    let app = app().await;
    let c = app.get("/ogc/conformance", None).await.json();
    let mut got: Vec<String> = c["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            x.as_str()
                .unwrap()
                .rsplit("/spec/")
                .next()
                .unwrap()
                .to_string()
        })
        .collect();
    got.sort();
    assert_eq!(
        got,
        [
            "cql2/1.0/conf/advanced-comparison-operators",
            "cql2/1.0/conf/basic-cql2",
            "cql2/1.0/conf/basic-spatial-functions",
            "cql2/1.0/conf/basic-spatial-functions-plus",
            "cql2/1.0/conf/cql2-text",
            "ogcapi-features-1/1.0/conf/core",
            "ogcapi-features-1/1.0/conf/geojson",
            "ogcapi-features-1/1.0/conf/oas30",
            "ogcapi-features-2/1.0/conf/crs",
            "ogcapi-features-3/1.0/conf/features-filter",
            "ogcapi-features-3/1.0/conf/filter",
            "ogcapi-features-3/1.0/conf/queryables",
            "ogcapi-features-3/1.0/conf/queryables-query-parameters",
        ]
    );
}

#[tokio::test]
async fn each_collection_has_its_own_extent() {
    let app = app().await;
    let bbox = |id: &str| {
        let app = &app;
        let id = id.to_string();
        async move {
            let c = app
                .get(&format!("/ogc/collections/{id}"), Some(ANALYST))
                .await
                .json();
            let b: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect();
            (b, c["extent"]["temporal"].clone())
        }
    };
    let (areas, t) = bbox("areas").await;
    assert_eq!(areas, [107.58, 16.44, 107.62, 16.48]);
    assert!(t.is_null(), "areas have no time extent");
    let (sites, _) = bbox("sites").await;
    assert_eq!(sites, [107.601, 16.40, 107.72, 16.50]);
    let (reports, t) = bbox("reports").await;
    assert_eq!(reports, [107.55, 16.40, 107.70, 16.52]);
    assert_eq!(t["interval"][0][0], "2024-01-15T03:00:00Z");
    // The one hotspot lies around CENTRE, far inside the reports' box.
    let (hs, _) = bbox("hotspots").await;
    assert!(hs[0] > 107.59 && hs[2] < 107.61, "{hs:?}");
}

#[tokio::test]
async fn hotspot_ids_name_one_polygon() {
    let app = app().await;
    let canonical = app
        .get("/ogc/collections/hotspots/items", Some(VIEWER))
        .await
        .json();
    let h = ids(&canonical);
    assert_eq!(h.len(), 1);
    assert!(h[0].starts_with("H-"), "{h:?}");
    assert_eq!(canonical["features"][0]["properties"]["count"], 12);
    // The first half of 2024: 6 of the 12 reports, a smaller polygon with its own id.
    let q = "datetime=2024-01-01/2024-06-30";
    let half = app
        .get(
            &format!("/ogc/collections/hotspots/items?{q}"),
            Some(VIEWER),
        )
        .await
        .json();
    let ids_half = ids(&half);
    assert_eq!(ids_half.len(), 1);
    assert_ne!(ids_half[0], h[0]);
    assert!(ids_half[0].starts_with("cluster-0~"), "{ids_half:?}");
    assert_eq!(half["features"][0]["properties"]["count"], 6);
    // Each id resolves in its own view, and only there.
    let one = app
        .get(
            &format!("/ogc/collections/hotspots/items/{}?{q}", ids_half[0]),
            Some(VIEWER),
        )
        .await;
    assert_eq!(one.status, StatusCode::OK);
    assert_eq!(one.json()["properties"]["count"], 6);
    let other = app
        .get(
            &format!("/ogc/collections/hotspots/items/{}", ids_half[0]),
            Some(VIEWER),
        )
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(
        other.text().contains("other parameters"),
        "{}",
        other.text()
    );
    let h_in_half = app
        .get(
            &format!("/ogc/collections/hotspots/items/{}?{q}", h[0]),
            Some(VIEWER),
        )
        .await;
    assert_eq!(h_in_half.status, StatusCode::NOT_FOUND);
    let h_canonical = app
        .get(
            &format!("/ogc/collections/hotspots/items/{}", h[0]),
            Some(VIEWER),
        )
        .await;
    assert_eq!(h_canonical.json()["properties"]["count"], 12);
}

#[tokio::test]
async fn times_carry_the_offset() {
    let app = app().await;
    let r = app
        .get("/ogc/collections/reports/items/R001", Some(ANALYST))
        .await
        .json();
    assert_eq!(r["properties"]["observed_at"], "2024-01-15T10:00:00+07:00");
    let hs = app
        .get("/ogc/collections/hotspots/items", Some(VIEWER))
        .await
        .json();
    let first = hs["features"][0]["properties"]["first_seen"]
        .as_str()
        .unwrap();
    assert!(first.ends_with("+07:00"), "{first}");
}

#[tokio::test]
async fn three_d_and_antimeridian_bboxes_are_accepted() {
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
        n("/ogc/collections/reports/items?bbox=107.62,16.45,-100,107.64,16.47,100").await,
        2
    );
    assert_eq!(
        n("/ogc/collections/reports/items?bbox=170,-10,-170,10").await,
        0
    );
    // West edge 107.65 east of the east edge 107.6: lon ≥ 107.65 (S2, S4) or ≤ 107.6 (R001
    // exactly on it, S1, S3).
    assert_eq!(
        n("/ogc/collections/reports/items?bbox=107.65,16.3,107.6,16.6").await,
        5
    );
    assert_eq!(
        n("/ogc/collections/hexes/items?bbox=170,-10,-170,10").await,
        0
    );
}

#[tokio::test]
async fn areas_have_computed_status_and_kde_near_are_collections_with_parameters() {
    let app = app().await;
    let areas = app
        .get("/ogc/collections/areas/items", Some(VIEWER))
        .await
        .json();
    for f in areas["features"].as_array().unwrap() {
        let p = &f["properties"];
        for k in ["status", "status_since", "discrepancy"] {
            assert!(p.get(k).is_some(), "{k} missing: {p}");
        }
        assert!(p["status"].is_string(), "{p}");
    }
    let kde = app.get("/ogc/collections/kde/items", Some(VIEWER)).await;
    assert_eq!(kde.status, StatusCode::OK);
    assert!(kde.json()["numberMatched"].as_u64().unwrap() > 0);
    assert_eq!(
        app.get("/ogc/collections/near/items", Some(VIEWER))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let near = app
        .get("/ogc/collections/near/items?within_m=50", Some(ANALYST))
        .await
        .json();
    assert_eq!(near["numberMatched"], 3);
    let h9 = app
        .get("/ogc/collections/hexes/items?limit=1", Some(ANALYST))
        .await
        .json();
    let h7 = app
        .get("/ogc/collections/hexes/items?limit=1&res=7", Some(ANALYST))
        .await
        .json();
    assert_ne!(h9["features"][0]["id"], h7["features"][0]["id"]);
    let bad = app
        .get("/ogc/collections/hexes/items?res=99", Some(ANALYST))
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("res"), "{}", bad.text());
    // The next link keeps the tuning parameters.
    let page = app
        .get("/ogc/collections/hexes/items?limit=1&res=8", Some(ANALYST))
        .await
        .json();
    assert!(link_href(&page, "next").unwrap().contains("res=8"));
}

#[tokio::test]
async fn queryables_equality_filters_cql2_properties_and_sortby() {
    let app = app().await;
    let q = app
        .get("/ogc/collections/reports/queryables", Some(ANALYST))
        .await;
    assert_eq!(q.status, StatusCode::OK);
    assert_eq!(q.header(header::CONTENT_TYPE), "application/schema+json");
    assert_eq!(q.json()["properties"]["kind"]["enum"][3], "sale");
    let n = |uri: &str| {
        let app = &app;
        let uri = uri.to_string();
        async move {
            let a = app.get(&uri, Some(ANALYST)).await;
            assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
            a.json()
        }
    };
    // 12 cluster reports cycle through the 5 kinds (3 sales), plus 4 scattered sales.
    assert_eq!(
        n("/ogc/collections/reports/items?kind=sale").await["numberMatched"],
        6
    );
    assert_eq!(
        n("/ogc/collections/reports/items?kind=sale,use").await["numberMatched"],
        11
    );
    let f = n("/ogc/collections/reports/items?filter=kind%3D%27sale%27%20AND%20observed_at%20%3E%3D%20TIMESTAMP(%272025-01-01T00:00:00Z%27)").await;
    assert_eq!(f["numberMatched"], 4);
    let f = n("/ogc/collections/reports/items?filter-lang=cql2-text&filter=S_INTERSECTS(geometry,POLYGON((107.62%2016.45,107.64%2016.45,107.64%2016.47,107.62%2016.47,107.62%2016.45)))").await;
    assert_eq!(f["numberMatched"], 2);
    let f = n("/ogc/collections/reports/items?filter=T_INTERSECTS(observed_at,INTERVAL(%272025-03-01%27,%27..%27))%20AND%20NOT%20kind%20IN%20(%27use%27)&sortby=-observed_at&properties=kind").await;
    assert_eq!(f["numberMatched"], 4);
    let props = &f["features"][0]["properties"];
    assert_eq!(props.as_object().unwrap().len(), 1, "{props}");
    assert_eq!(f["features"][0]["id"], "S4");
    let bad = app
        .get(
            "/ogc/collections/reports/items?filter=kind%20%3D%3D%201",
            Some(ANALYST),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.text().contains("filter"), "{}", bad.text());
    // Computed collections: equality, CQL2 and sorting in memory.
    let hex = n("/ogc/collections/hexes/items?sortby=-count&limit=1").await;
    let top = hex["features"][0]["properties"]["count"].as_u64().unwrap();
    assert!(top >= 12, "{hex}");
    let hot = n("/ogc/collections/hexes/items?filter=bin%20%3E%200").await;
    for f in hot["features"].as_array().unwrap() {
        assert!(f["properties"]["bin"].as_i64().unwrap() > 0);
    }
    let a = n("/ogc/collections/areas/items?level=residential_group").await;
    assert_eq!(ids(&a), ["tdp-1"]);
}

#[tokio::test]
async fn crs_and_bbox_crs_with_content_crs() {
    let app = app().await;
    let a = app
        .get(
            "/ogc/collections/reports/items/R001?crs=http://www.opengis.net/def/crs/EPSG/0/32648",
            Some(ANALYST),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    assert_eq!(
        a.header(axum::http::HeaderName::from_static("content-crs")),
        "<http://www.opengis.net/def/crs/EPSG/0/32648>"
    );
    // pyproj: (107.6, 16.46) -> (777613.2558, 1821604.7426) in EPSG:32648.
    let c = a.json()["geometry"]["coordinates"].clone();
    assert!((c[0].as_f64().unwrap() - 777613.256).abs() < 0.01, "{c}");
    assert!((c[1].as_f64().unwrap() - 1821604.743).abs() < 0.01, "{c}");
    let a = app
        .get(
            "/ogc/collections/reports/items/R001?crs=EPSG:4326",
            Some(ANALYST),
        )
        .await;
    assert_eq!(a.json()["geometry"]["coordinates"][0], 16.46);
    let plain = app
        .get("/ogc/collections/reports/items?limit=1", Some(ANALYST))
        .await;
    assert_eq!(
        plain.header(axum::http::HeaderName::from_static("content-crs")),
        "<http://www.opengis.net/def/crs/OGC/1.3/CRS84>"
    );
    // A 2 km box around the cluster given in UTM 48N.
    let a = app
        .get(
            "/ogc/collections/reports/items?bbox=776613,1820604,778613,1822604&bbox-crs=EPSG:32648&crs=EPSG:3857",
            Some(ANALYST),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    assert_eq!(a.json()["numberMatched"], 12);
    let x = a.json()["features"][0]["geometry"]["coordinates"][0]
        .as_f64()
        .unwrap();
    assert!((x - 11977977.209).abs() < 10.0, "{x}");
}
