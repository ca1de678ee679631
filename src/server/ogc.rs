//! OGC API – Features Part 1 (conformance classes Core, GeoJSON, OpenAPI 3.0) at `/ogc`, so
//! QGIS and GDAL (`OAPIF:http://host/ogc`) read the layers live.
//!
//! Collections: `reports` (analysts only), `sites`, `areas`, and the computed `hotspots`,
//! `hexes` and `emerging` layers with their default parameters (viewers get the filtered
//! versions). For computed collections, `datetime` selects the reports they are computed from.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime};
use geojson::Feature;
use serde_json::{Value, json};

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::features::{bbox_intersects, feature_bbox, with_properties};
use super::layers::{LayerJob, layer};
use super::params::{Params, parse_bbox};
use super::respond;
use crate::render::geojson::{area_feature, report_feature, site_feature};
use crate::store::{ReportFilter, Role};

pub const CONFORMANCE: &[&str] = &[
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
];

/// Collection ids (for the OpenAPI document).
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CollectionId {
    Reports,
    Sites,
    Areas,
    Hotspots,
    Hexes,
    Emerging,
}

/// `(id, title, description, role needed, has time)`.
pub const COLLECTIONS: &[(&str, &str, &str, Role, bool)] = &[
    (
        "reports",
        "Reports",
        "Reported places of drug activity (analysts only)",
        Role::Analyst,
        true,
    ),
    (
        "sites",
        "Sensitive sites",
        "Schools, industrial zones, boarding houses, karaoke, lodging, entertainment venues",
        Role::Viewer,
        false,
    ),
    (
        "areas",
        "Areas",
        "Administrative areas with declared statuses",
        Role::Viewer,
        false,
    ),
    (
        "hotspots",
        "Hotspots",
        "DBSCAN clusters of reports (eps 150 m, 5 points)",
        Role::Viewer,
        true,
    ),
    (
        "hexes",
        "Hot and cold H3 cells",
        "Getis-Ord Gi* over H3 resolution 9 cells (k = 1)",
        Role::Viewer,
        true,
    ),
    (
        "emerging",
        "Emerging hot spots",
        "Space-time Gi* and Mann-Kendall trend per H3 resolution 8 cell, monthly",
        Role::Viewer,
        true,
    ),
];

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(landing))
        .route("/conformance", get(conformance))
        .route("/collections", get(collections))
        .route("/collections/{id}", get(collection))
        .route("/collections/{id}/items", get(items))
        .route("/collections/{id}/items/{fid}", get(item))
}

/// `http://host/ogc`, from the request's Host header.
fn base(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}/ogc")
}

fn check_f(q: &HashMap<String, String>) -> ApiResult<()> {
    match q.get("f").map(String::as_str) {
        None | Some("json" | "geojson") => Ok(()),
        Some(f) => Err(ApiError::bad_param(
            "f",
            format!("{f:?}: only json is offered"),
        )),
    }
}

fn link(href: String, rel: &str, ty: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": ty, "title": title})
}

/// Landing page.
#[utoipa::path(get, path = "/ogc", tag = "ogc", responses((status = 200, body = Object)))]
pub async fn landing(
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    check_f(&q)?;
    let b = base(&headers);
    let root = b.trim_end_matches("/ogc").to_string();
    Ok(respond::json(&json!({
        "title": "hotspot",
        "description": "Drug-crime hotspots, sensitive sites and areas (OGC API - Features)",
        "links": [
            link(b.clone(), "self", respond::JSON, "this document"),
            link(format!("{root}/api/openapi.json"), "service-desc", "application/vnd.oai.openapi+json;version=3.0", "the API definition"),
            link(format!("{b}/conformance"), "conformance", respond::JSON, "conformance classes"),
            link(format!("{b}/collections"), "data", respond::JSON, "collections"),
        ]
    })))
}

/// Conformance classes.
#[utoipa::path(get, path = "/ogc/conformance", tag = "ogc", responses((status = 200, body = Object)))]
pub async fn conformance(Query(q): Query<HashMap<String, String>>) -> ApiResult<Response> {
    check_f(&q)?;
    Ok(respond::json(&json!({ "conformsTo": CONFORMANCE })))
}

fn lookup(id: &str) -> ApiResult<&'static (&'static str, &'static str, &'static str, Role, bool)> {
    COLLECTIONS
        .iter()
        .find(|c| c.0 == id)
        .ok_or_else(|| ApiError::NotFound(format!("no collection {id:?}")))
}

async fn describe(
    state: &AppState,
    b: &str,
    c: &(&'static str, &'static str, &'static str, Role, bool),
) -> ApiResult<Value> {
    let s = state.summary().await?;
    let bbox = s.bbox.unwrap_or([-180.0, -90.0, 180.0, 90.0]);
    let fmt = |t: Option<NaiveDateTime>| {
        t.map(|t| {
            let utc = t - Duration::seconds(state.config.clock.tz.local_minus_utc() as i64);
            format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S"))
        })
    };
    let mut extent =
        json!({"spatial": {"bbox": [bbox], "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}});
    if c.4 {
        extent["temporal"] = json!({
            "interval": [[fmt(s.first_report), fmt(s.last_report)]],
            "trs": "http://www.opengis.net/def/uri/ogc/1.0/TRS/gregorian"
        });
    }
    Ok(json!({
        "id": c.0,
        "title": c.1,
        "description": c.2,
        "itemType": "feature",
        "crs": ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
        "extent": extent,
        "links": [
            link(format!("{b}/collections/{}", c.0), "self", respond::JSON, c.1),
            link(format!("{b}/collections/{}/items", c.0), "items", respond::GEOJSON, "items"),
        ]
    }))
}

/// The collections this caller may read.
#[utoipa::path(get, path = "/ogc/collections", tag = "ogc", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = super::error::ErrorBody)))]
pub async fn collections(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    check_f(&q)?;
    let role = caller.require(Role::Viewer)?;
    let b = base(&headers);
    let mut list = Vec::new();
    for c in COLLECTIONS.iter().filter(|c| role >= c.3) {
        list.push(describe(&state, &b, c).await?);
    }
    Ok(respond::json(&json!({
        "links": [link(format!("{b}/collections"), "self", respond::JSON, "collections")],
        "collections": list,
    })))
}

/// One collection.
#[utoipa::path(get, path = "/ogc/collections/{id}", tag = "ogc", security(("bearer" = [])),
    params(("id" = CollectionId, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn collection(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    check_f(&q)?;
    let c = lookup(&id)?;
    caller.require(c.3)?;
    Ok(respond::json(&describe(&state, &base(&headers), c).await?))
}

/// A time filter: inclusive `from`, exclusive `to`, local civil time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TimeRange {
    pub from: Option<NaiveDateTime>,
    pub to: Option<NaiveDateTime>,
}

/// One end of a `datetime`: a date (the whole day) or an RFC 3339 instant (in local time).
fn instant(s: &str, tz: chrono::FixedOffset) -> Result<(NaiveDateTime, NaiveDateTime), String> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let start = d.and_hms_opt(0, 0, 0).expect("midnight");
        return Ok((start, start + Duration::days(1)));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        let local = t.with_timezone(&tz).naive_local();
        return Ok((local, local + Duration::seconds(1)));
    }
    if let Ok(t) = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S") {
        return Ok((t, t + Duration::seconds(1)));
    }
    Err(format!("{s:?} is not a date or RFC 3339 date-time"))
}

/// Parses `datetime`: an instant, or an interval `a/b` with `..` or empty for an open end.
/// Intervals are closed, as OGC API – Features says.
pub fn parse_datetime(s: &str, tz: chrono::FixedOffset) -> Result<TimeRange, String> {
    let open = |x: &str| x.is_empty() || x == "..";
    match s.split_once('/') {
        None => {
            let (a, b) = instant(s, tz)?;
            Ok(TimeRange {
                from: Some(a),
                to: Some(b),
            })
        }
        Some((a, b)) => {
            if open(a) && open(b) {
                return Ok(TimeRange::default());
            }
            let from = if open(a) {
                None
            } else {
                Some(instant(a, tz)?.0)
            };
            let to = if open(b) {
                None
            } else {
                Some(instant(b, tz)?.1)
            };
            if let (Some(f), Some(t)) = (from, to)
                && f >= t
            {
                return Err(format!("{s:?}: the interval ends before it starts"));
            }
            Ok(TimeRange { from, to })
        }
    }
}

/// Items of one collection, paged.
#[utoipa::path(get, path = "/ogc/collections/{id}/items", tag = "ogc", security(("bearer" = [])),
    params(
        ("id" = CollectionId, Path),
        ("bbox" = Option<String>, Query, description = "minLon,minLat,maxLon,maxLat (CRS84)"),
        ("datetime" = Option<String>, Query, description = "instant, interval a/b, or open ../b, a/.."),
        ("limit" = Option<u64>, Query, description = "default 100, max 10000"),
        ("offset" = Option<u64>, Query),
        ("f" = Option<String>, Query, description = "json"),
    ),
    responses((status = 200, description = "GeoJSON FeatureCollection", content_type = "application/geo+json"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    check_f(&q)?;
    let c = lookup(&id)?;
    let role = caller.require(c.3)?;
    let bbox = match q.get("bbox").filter(|s| !s.is_empty()) {
        Some(s) => Some(parse_bbox(s).map_err(|m| ApiError::bad_param("bbox", m))?),
        None => None,
    };
    let time = match q.get("datetime").filter(|s| !s.is_empty()) {
        Some(s) => parse_datetime(s, state.config.clock.tz)
            .map_err(|m| ApiError::bad_param("datetime", m))?,
        None => TimeRange::default(),
    };
    let limit = match q.get("limit") {
        None => 100,
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|l| *l >= 1)
            .ok_or_else(|| {
                ApiError::bad_param("limit", format!("{s:?} is not a positive integer"))
            })?
            .min(state.config.max_limit),
    };
    let offset = match q.get("offset") {
        None => 0,
        Some(s) => s.parse::<u64>().map_err(|_| {
            ApiError::bad_param("offset", format!("{s:?} is not a non-negative integer"))
        })?,
    };
    let filter = ReportFilter {
        from: time.from,
        to: time.to,
        bbox,
        ..ReportFilter::default()
    };
    let (page, matched) = if c.0 == "reports" {
        let matched = state.store.count_reports(&filter).await?;
        let page = state
            .store
            .reports(&ReportFilter {
                limit: Some(limit),
                offset: Some(offset),
                ..filter
            })
            .await?;
        (page.iter().map(report_feature).collect::<Vec<_>>(), matched)
    } else {
        let all = collection_features(&state, c.0, role, &filter).await?;
        let matching: Vec<Feature> = all
            .into_iter()
            .filter(|f| match &bbox {
                None => true,
                Some(b) => feature_bbox(f).is_some_and(|fb| bbox_intersects(&fb, b)),
            })
            .collect();
        let matched = matching.len() as u64;
        let page = matching
            .into_iter()
            .skip(offset.min(usize::MAX as u64) as usize)
            .take(limit as usize)
            .collect();
        (page, matched)
    };
    let b = base(&headers);
    let returned = page.len() as u64;
    let page_link = |off: u64, rel: &str| {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "offset" && k.as_str() != "limit")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("limit".into(), limit.to_string()));
        pairs.push(("offset".into(), off.to_string()));
        let qs = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        link(
            format!("{b}/collections/{}/items?{qs}", c.0),
            rel,
            respond::GEOJSON,
            rel,
        )
    };
    let mut links = vec![
        page_link(offset, "self"),
        link(
            format!("{b}/collections/{}", c.0),
            "collection",
            respond::JSON,
            c.1,
        ),
    ];
    if offset + returned < matched {
        links.push(page_link(offset + returned, "next"));
    }
    if offset > 0 {
        links.push(page_link(offset.saturating_sub(limit), "prev"));
    }
    let body = json!({
        "type": "FeatureCollection",
        "features": page,
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "links": links,
    });
    Ok(respond::body(
        respond::GEOJSON,
        Bytes::from(serde_json::to_vec(&body).expect("serialises")),
        None,
    ))
}

fn urlencode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b',' | b':' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// All features of a non-report collection.
async fn collection_features(
    state: &AppState,
    id: &str,
    role: Role,
    filter: &ReportFilter,
) -> ApiResult<Vec<Feature>> {
    match id {
        "sites" => Ok(state
            .store
            .sites(filter.bbox)
            .await?
            .iter()
            .map(site_feature)
            .collect()),
        "areas" => {
            let declarations = state.store.declarations().await?;
            Ok(state
                .store
                .areas(None)
                .await?
                .iter()
                .map(|a| {
                    let declared = declarations
                        .iter()
                        .filter(|d| d.area_id == a.id)
                        .max_by_key(|d| d.declared_at);
                    with_properties(
                        area_feature(a),
                        json!({"declared_status": declared.map(|d| d.status.as_str())}),
                    )
                })
                .collect())
        }
        name => {
            // Computed layers with their defaults, over the reports of the time filter.
            let mut p = Params::new(HashMap::new());
            let (name, mut job) = LayerJob::parse(name, &mut p)?;
            let mut canonical = p.canonical();
            match &mut job {
                LayerJob::Hotspots { filter: f, .. }
                | LayerJob::Hexes { filter: f, .. }
                | LayerJob::Emerging { filter: f, .. } => {
                    f.from = filter.from;
                    f.to = filter.to;
                    canonical.push_str(&format!("&ogc_time={:?}/{:?}", filter.from, filter.to));
                }
                _ => {}
            }
            let l = layer(state, name, job, canonical, role).await?;
            Ok(l.features.clone())
        }
    }
}

/// One feature.
#[utoipa::path(get, path = "/ogc/collections/{id}/items/{fid}", tag = "ogc", security(("bearer" = [])),
    params(("id" = CollectionId, Path), ("fid" = String, Path)),
    responses((status = 200, description = "GeoJSON Feature", content_type = "application/geo+json"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    check_f(&q)?;
    let c = lookup(&id)?;
    let role = caller.require(c.3)?;
    let not_found = || ApiError::NotFound(format!("no feature {fid:?} in {id}"));
    let f = if c.0 == "reports" {
        report_feature(&state.store.report(&fid).await?.ok_or_else(not_found)?)
    } else {
        collection_features(&state, c.0, role, &ReportFilter::default())
            .await?
            .into_iter()
            .find(|f| matches!(&f.id, Some(geojson::feature::Id::String(s)) if *s == fid))
            .ok_or_else(not_found)?
    };
    let b = base(&headers);
    let mut v = serde_json::to_value(&f).expect("serialises");
    v["links"] = json!([
        link(
            format!("{b}/collections/{}/items/{}", c.0, urlencode(&fid)),
            "self",
            respond::GEOJSON,
            "this feature"
        ),
        link(
            format!("{b}/collections/{}", c.0),
            "collection",
            respond::JSON,
            c.1
        ),
    ]);
    Ok(respond::body(
        respond::GEOJSON,
        Bytes::from(serde_json::to_vec(&v).expect("serialises")),
        None,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tz() -> chrono::FixedOffset {
        chrono::FixedOffset::east_opt(7 * 3600).unwrap()
    }

    fn dt(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").unwrap()
    }

    #[test]
    fn datetime_instants_and_intervals() {
        let r = parse_datetime("2025-01-01", tz()).unwrap();
        assert_eq!(r.from, Some(dt("2025-01-01T00:00:00")));
        assert_eq!(r.to, Some(dt("2025-01-02T00:00:00")));
        let r = parse_datetime("../2025-01-01", tz()).unwrap();
        assert_eq!(r.from, None);
        assert_eq!(r.to, Some(dt("2025-01-02T00:00:00")));
        let r = parse_datetime("2024-12-31T17:00:00Z/..", tz()).unwrap();
        assert_eq!(r.from, Some(dt("2025-01-01T00:00:00")));
        assert_eq!(r.to, None);
        assert_eq!(parse_datetime("../..", tz()).unwrap(), TimeRange::default());
        assert!(parse_datetime("2025-02-01/2025-01-01", tz()).is_err());
        assert!(parse_datetime("yesterday", tz()).is_err());
    }

    #[test]
    fn urlencode_keeps_bbox_readable() {
        assert_eq!(urlencode("1.5,2,3,4"), "1.5,2,3,4");
        assert_eq!(urlencode("a b/c"), "a%20b%2Fc");
    }
}
