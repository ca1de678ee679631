//! Shared fixture of the server tests: a real SQLite store seeded with a small dataset in Huế
//! and one token per role, and helpers to send requests through `tower::ServiceExt::oneshot`.
#![allow(dead_code)]

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{NaiveDate, NaiveDateTime};
use geo::polygon;
use hotspot::model::{Area, AreaLevel, Report, ReportKind, Site, SiteKind};
use hotspot::server::auth::token_hash;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::{ImportKind, ImportMeta, OnConflict, Role, Store};
use http_body_util::BodyExt;

pub const VIEWER: &str = "viewer-token-0000000000000000000000000000000000000000000000000000";
pub const ANALYST: &str = "analyst-token-000000000000000000000000000000000000000000000000000";
pub const ADMIN: &str = "admin-token-00000000000000000000000000000000000000000000000000000";
pub const REVOKED: &str = "revoked-token-000000000000000000000000000000000000000000000000000";

/// Centre of the dense cluster (An Cựu ward, Huế).
pub const CENTRE: (f64, f64) = (107.6000, 16.4600);

pub fn t(s: &str) -> NaiveDateTime {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .unwrap()
        .and_hms_opt(10, 0, 0)
        .unwrap()
}

/// 12 reports within ~40 m of CENTRE (one DBSCAN cluster at eps 150 m / 5 points, and an
/// H3 res-9 cell with ≥ 3 reports), 2 reports near each other 3 km away (below min-count),
/// and 4 scattered ones; observed 2024-01 … 2025-06.
pub fn reports() -> Vec<Report> {
    let kinds = ReportKind::ALL;
    let mut out = Vec::new();
    for i in 0..12 {
        let d = (i as f64) * 0.00003;
        out.push(Report {
            id: format!("R{:03}", i + 1),
            lon: CENTRE.0 + d,
            lat: CENTRE.1 + d * 0.5,
            kind: kinds[i % kinds.len()],
            observed_at: t(&format!("2024-{:02}-15", i + 1)),
        });
    }
    for (i, (lon, lat)) in [(107.63, 16.46), (107.6301, 16.4601)].iter().enumerate() {
        out.push(Report {
            id: format!("P{}", i + 1),
            lon: *lon,
            lat: *lat,
            kind: ReportKind::Use,
            observed_at: t("2025-03-01"),
        });
    }
    for (i, (lon, lat)) in [
        (107.55, 16.40),
        (107.70, 16.50),
        (107.58, 16.52),
        (107.66, 16.43),
    ]
    .iter()
    .enumerate()
    {
        out.push(Report {
            id: format!("S{}", i + 1),
            lon: *lon,
            lat: *lat,
            kind: ReportKind::Sale,
            observed_at: t(&format!("2025-0{}-10", i + 3)),
        });
    }
    out
}

pub fn sites() -> Vec<Site> {
    vec![
        Site {
            id: "school-1".into(),
            name: "Trường THCS An Cựu".into(),
            kind: SiteKind::School,
            geometry: geo::Geometry::Point(geo::Point::new(CENTRE.0 + 0.001, CENTRE.1)),
        },
        Site {
            id: "karaoke-1".into(),
            name: "Karaoke Hoa Hồng".into(),
            kind: SiteKind::Karaoke,
            geometry: geo::Geometry::Point(geo::Point::new(107.70, 16.50)),
        },
        Site {
            id: "kcn-1".into(),
            name: "KCN Phú Bài".into(),
            kind: SiteKind::IndustrialZone,
            geometry: geo::Geometry::Polygon(polygon![
                (x: 107.70, y: 16.40), (x: 107.72, y: 16.40), (x: 107.72, y: 16.42), (x: 107.70, y: 16.42)
            ]),
        },
    ]
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> geo::MultiPolygon<f64> {
    geo::MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)
    ]])
}

pub fn areas() -> Vec<Area> {
    vec![
        Area {
            id: "ward-ancuu".into(),
            name: "Phường An Cựu".into(),
            level: AreaLevel::Commune,
            parent_id: None,
            geometry: square(107.58, 16.44, 107.62, 16.48),
        },
        Area {
            id: "tdp-1".into(),
            name: "Tổ dân phố 1".into(),
            level: AreaLevel::ResidentialGroup,
            parent_id: Some("ward-ancuu".into()),
            geometry: square(107.595, 16.455, 107.605, 16.465),
        },
    ]
}

fn meta(kind: ImportKind, name: &str) -> ImportMeta {
    ImportMeta {
        kind,
        file_name: name.into(),
        sha256: format!("{name}-sha"),
        imported_by: "test".into(),
        on_conflict: OnConflict::Error,
        force: false,
    }
}

/// A fresh in-memory SQLite store with the dataset and tokens.
pub async fn seeded_store() -> Arc<dyn Store> {
    let store = hotspot::store::open("sqlite::memory:")
        .await
        .expect("open sqlite");
    store
        .import_reports(&meta(ImportKind::Reports, "reports.csv"), &reports())
        .await
        .unwrap();
    store
        .import_sites(&meta(ImportKind::Sites, "sites.geojson"), &sites())
        .await
        .unwrap();
    store
        .import_areas(&meta(ImportKind::Areas, "areas.geojson"), &areas())
        .await
        .unwrap();
    for (tok, role) in [
        (VIEWER, Role::Viewer),
        (ANALYST, Role::Analyst),
        (ADMIN, Role::Admin),
        (REVOKED, Role::Admin),
    ] {
        let rec = store
            .create_token(tok.split('-').next().unwrap(), role, &token_hash(tok))
            .await
            .unwrap();
        if tok == REVOKED {
            store.revoke_token(rec.id).await.unwrap();
        }
    }
    store
}

pub struct App {
    pub router: Router,
    pub state: AppState,
}

pub async fn app_with(config: ServerConfig) -> App {
    let state = AppState::new(seeded_store().await, config);
    App {
        router: router(state.clone()),
        state,
    }
}

pub async fn app() -> App {
    app_with(ServerConfig::default()).await
}

/// A finished response: status, headers and body.
pub struct Answer {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Vec<u8>,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    pub fn header(&self, name: header::HeaderName) -> String {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }
}

impl App {
    pub async fn send(&self, req: Request<Body>) -> Answer {
        use tower::ServiceExt;
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let body = resp
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        Answer {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, uri: &str, token: Option<&str>) -> Answer {
        let mut b = Request::get(uri).header(header::HOST, "127.0.0.1:8080");
        if let Some(tok) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {tok}"));
        }
        self.send(b.body(Body::empty()).unwrap()).await
    }

    pub async fn post(
        &self,
        uri: &str,
        token: Option<&str>,
        ct: &str,
        body: impl Into<Body>,
    ) -> Answer {
        let mut b = Request::post(uri)
            .header(header::HOST, "127.0.0.1:8080")
            .header(header::CONTENT_TYPE, ct);
        if let Some(tok) = token {
            b = b.header(header::AUTHORIZATION, format!("Bearer {tok}"));
        }
        self.send(b.body(body.into()).unwrap()).await
    }
}
