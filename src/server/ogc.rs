//! OGC API – Features at `/ogc` (and `/ogc/`), so QGIS, GDAL (`OAPIF:http://host/ogc`) and
//! owslib read the layers live: Part 1 (core, GeoJSON, OpenAPI 3.0 at `/ogc/api`), Part 2
//! (`crs`, `bbox-crs`, `Content-Crs`) and Part 3 (queryables, property equality, CQL2-text
//! `filter`), plus `properties=` and `sortby`.
//!
//! Collections ([`catalog`]): `reports` (analysts; filtered, sorted and paged in the store),
//! and the layers of `/api/layers` — `sites`, `areas` (with computed status), `hotspots`,
//! `hexes`, `kde`, `near` (analysts), `emerging` — with their tuning parameters. A layer is
//! computed and prepared once per (dataset version, parameters, role) ([`view`]); pages are
//! slices. Handlers only parse ([`query`]), pick features and serialise ([`output`]).

pub mod catalog;
pub mod openapi;
pub mod output;
pub mod query;
pub mod view;

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDateTime;
use serde_json::{Value, json};

pub use catalog::CollectionId;
use catalog::{COLLECTIONS, Collection, Source};
use query::{ItemsQuery, OgcError, OgcResult, TimeRange, check_f, only};

use super::AppState;
use super::auth::Caller;
use super::error::ApiError;
use super::respond;
use crate::crs::Crs;
use crate::filter::eval::{Context, Row};
use crate::filter::queryables::{self, Type};
use crate::render::format::{Format, TableOptions, encode_features, preferred_columns};
use crate::render::geojson::report_feature;
use crate::store::{ReportFilter, Role};

const CORE: &str = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/";
const CRS_CLASS: &str = "http://www.opengis.net/spec/ogcapi-features-2/1.0/conf/crs";
const FILTER: &str = "http://www.opengis.net/spec/ogcapi-features-3/1.0/conf/";
const CQL2: &str = "http://www.opengis.net/spec/cql2/1.0/conf/";

/// Exactly the conformance classes implemented (see ARCHITECTURE.md, GIS interoperability).
pub fn conformance_classes() -> Vec<String> {
    let mut v: Vec<String> = ["core", "geojson", "oas30"]
        .iter()
        .map(|c| format!("{CORE}{c}"))
        .collect();
    v.push(CRS_CLASS.to_string());
    v.extend(
        [
            "queryables",
            "queryables-query-parameters",
            "filter",
            "features-filter",
        ]
        .iter()
        .map(|c| format!("{FILTER}{c}")),
    );
    v.extend(
        [
            "cql2-text",
            "basic-cql2",
            "advanced-comparison-operators",
            "basic-spatial-functions",
            "basic-spatial-functions-plus",
        ]
        .iter()
        .map(|c| format!("{CQL2}{c}")),
    );
    v
}

/// The `/ogc` routes, with their prefix (`/ogc/` too: owslib adds the slash).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/ogc", get(landing))
        .route("/ogc/", get(landing))
        .route("/ogc/api", get(api))
        .route("/ogc/conformance", get(conformance))
        .route("/ogc/collections", get(collections))
        .route("/ogc/collections/{id}", get(collection))
        .route("/ogc/collections/{id}/queryables", get(queryables_doc))
        .route("/ogc/collections/{id}/items", get(items))
        .route("/ogc/collections/{id}/items/{fid}", get(item))
}

/// `http://host`, from the request's Host header.
fn root(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let proto = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{proto}://{host}")
}

fn base(headers: &HeaderMap) -> String {
    format!("{}/ogc", root(headers))
}

fn link(href: String, rel: &str, ty: &str, title: &str) -> Value {
    json!({"href": href, "rel": rel, "type": ty, "title": title})
}

/// Landing page.
#[utoipa::path(get, path = "/ogc", tag = "ogc", responses((status = 200, body = Object)))]
pub async fn landing(
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> OgcResult<Response> {
    only(&q, &["f"])?;
    check_f(&q)?;
    let b = base(&headers);
    Ok(respond::json(&json!({
        "title": "hotspot",
        "description": "Drug-crime hotspots, sensitive sites and areas (OGC API - Features)",
        "links": [
            link(b.clone(), "self", respond::JSON, "this document"),
            link(format!("{b}/api"), "service-desc", openapi::MEDIA_TYPE, "the API definition (OpenAPI 3.0)"),
            link(format!("{b}/conformance"), "conformance", respond::JSON, "conformance classes"),
            link(format!("{b}/collections"), "data", respond::JSON, "collections"),
        ]
    })))
}

/// The OGC API's OpenAPI 3.0 document.
#[utoipa::path(get, path = "/ogc/api", tag = "ogc", responses((status = 200, body = Object)))]
pub async fn api(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> OgcResult<Response> {
    only(&q, &["f"])?;
    check_f(&q)?;
    let doc = openapi::document(&root(&headers), state.config.max_limit);
    Ok(respond::body(
        openapi::MEDIA_TYPE,
        Bytes::from(serde_json::to_vec(&doc).expect("serialises")),
        None,
    ))
}

/// Conformance classes.
#[utoipa::path(get, path = "/ogc/conformance", tag = "ogc", responses((status = 200, body = Object)))]
pub async fn conformance(Query(q): Query<HashMap<String, String>>) -> OgcResult<Response> {
    only(&q, &["f"])?;
    check_f(&q)?;
    Ok(respond::json(
        &json!({ "conformsTo": conformance_classes() }),
    ))
}

fn lookup(id: &str) -> OgcResult<&'static Collection> {
    catalog::find(id).ok_or_else(|| {
        OgcError::Api(ApiError::NotFound(format!(
            "no collection {id:?}; collections: {}",
            COLLECTIONS
                .iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
                .join(", ")
        )))
    })
}

fn utc(state: &AppState, t: Option<NaiveDateTime>) -> Option<String> {
    t.map(|t| {
        let utc = t - chrono::Duration::seconds(state.config.clock.tz.local_minus_utc() as i64);
        format!("{}Z", utc.format("%Y-%m-%dT%H:%M:%S"))
    })
}

/// The collection's own extent: reports from the store's summary, layers from their
/// canonical view (so "zoom to layer" on `areas` goes to the areas).
async fn extent(state: &AppState, c: &Collection, role: Role) -> OgcResult<Value> {
    let s = state.summary().await?;
    let spatial = match c.source {
        // Public to every caller of the list: the viewers' grid-snapped box, never a report's
        // coordinate.
        Source::Reports => s.viewer_bbox.or(s.bbox),
        // A layer that cannot be computed (e.g. no reports yet) must not break the
        // collection list: its extent is then the reports' (which covers any such layer).
        Source::Layer(name) => {
            match view::view(state, c, name, &HashMap::new(), TimeRange::default(), role).await {
                Ok(v) => v.extent,
                Err(e) => {
                    tracing::debug!(collection = c.id, error = %e, "no view for the extent");
                    s.bbox
                }
            }
        }
    };
    let mut e = json!({});
    if let Some(b) = spatial {
        e["spatial"] = json!({"bbox": [b], "crs": Crs::Crs84.uri()});
    }
    if c.time && s.first_report.is_some() {
        e["temporal"] = json!({
            // Whole months (first report's month start to the last report's month end): an
            // extent never gives a report's time.
            "interval": [[
                utc(state, s.first_report.map(crate::ops::disclosure::month_floor)),
                utc(state, s.last_report.map(|t| {
                    crate::timestep::TimeStep::Month
                        .nth(crate::ops::disclosure::month_floor(t).date(), 1)
                        .and_hms_opt(0, 0, 0)
                        .expect("midnight")
                })),
            ]],
            "trs": "http://www.opengis.net/def/uri/ogc/1.0/TRS/gregorian"
        });
    }
    Ok(e)
}

async fn describe(state: &AppState, b: &str, c: &Collection, role: Role) -> OgcResult<Value> {
    Ok(json!({
        "id": c.id,
        "title": c.title,
        "description": c.description,
        "itemType": "feature",
        "crs": Crs::ALL.map(|c| c.uri()),
        "storageCrs": Crs::Crs84.uri(),
        "extent": extent(state, c, role).await?,
        "links": [
            link(format!("{b}/collections/{}", c.id), "self", respond::JSON, c.title),
            link(format!("{b}/collections/{}/items", c.id), "items", respond::GEOJSON, "items"),
            link(format!("{b}/collections/{}/queryables", c.id),
                 "http://www.opengis.net/def/rel/ogc/1.0/queryables", "application/schema+json", "queryables"),
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
) -> OgcResult<Response> {
    only(&q, &["f"])?;
    check_f(&q)?;
    let role = caller.require(Role::Viewer)?;
    let b = base(&headers);
    let mut list = Vec::new();
    for c in COLLECTIONS.iter().filter(|c| role >= c.role) {
        list.push(describe(&state, &b, c, role).await?);
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
) -> OgcResult<Response> {
    only(&q, &["f"])?;
    check_f(&q)?;
    let c = lookup(&id)?;
    let role = caller.require(c.role)?;
    Ok(respond::json(
        &describe(&state, &base(&headers), c, role).await?,
    ))
}

/// The queryable properties of a collection (JSON Schema).
#[utoipa::path(get, path = "/ogc/collections/{id}/queryables", tag = "ogc", security(("bearer" = [])),
    params(("id" = CollectionId, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn queryables_doc(
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> OgcResult<Response> {
    only(&q, &["f"])?;
    check_f(&q)?;
    let c = lookup(&id)?;
    caller.require(c.role)?;
    let url = format!("{}/collections/{}/queryables", base(&headers), c.id);
    let doc = queryables::schema(c.queryables, &url, c.title);
    Ok(respond::body(
        "application/schema+json",
        Bytes::from(serde_json::to_vec(&doc).expect("serialises")),
        None,
    ))
}

/// A report as the OGC feature (time with its offset).
fn report_item(r: &crate::model::Report, tz: chrono::FixedOffset) -> view::Item {
    let mut f = report_feature(r);
    view::offset_times(&mut f, tz);
    view::Item {
        feature: f,
        geometry: Some(geo::Geometry::Point(geo::Point::new(r.lon, r.lat))),
        bbox: Some([r.lon, r.lat, r.lon, r.lat]),
    }
}

/// Orders items by the `sortby` keys (nulls last ascending, first descending, like SQL),
/// keeping the original order among equals.
fn sort_items(idx: &mut [usize], items: &[view::Item], keys: &[(String, bool)], c: &Collection) {
    use std::cmp::Ordering;
    let cmp_values = |a: Option<&Value>, b: Option<&Value>, ty: Type| -> Ordering {
        let a = a.filter(|v| !v.is_null());
        let b = b.filter(|v| !v.is_null());
        match (a, b) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Greater,
            (Some(_), None) => Ordering::Less,
            (Some(x), Some(y)) => match ty {
                Type::Number | Type::Integer => x
                    .as_f64()
                    .partial_cmp(&y.as_f64())
                    .unwrap_or(Ordering::Equal),
                Type::Boolean => x.as_bool().cmp(&y.as_bool()),
                Type::Timestamp => {
                    let tz = chrono::FixedOffset::east_opt(0).expect("UTC");
                    let t = |v: &Value| {
                        v.as_str()
                            .and_then(|s| crate::filter::eval::timestamp_micros(s, tz))
                    };
                    t(x).cmp(&t(y))
                }
                _ => x.as_str().cmp(&y.as_str()),
            },
        }
    };
    idx.sort_by(|&i, &j| {
        for (name, desc) in keys {
            let ty = queryables::find(c.queryables, name)
                .map(|q| q.ty)
                .unwrap_or(Type::String);
            let a = items[i].property(name);
            let b = items[j].property(name);
            let o = cmp_values(a, b, ty);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    });
}

/// Filters, sorts and pages prepared items in memory: the indices of the page, and how many
/// matched.
fn page_of(
    items: &[view::Item],
    iq: &ItemsQuery,
    c: &Collection,
    tz: chrono::FixedOffset,
) -> (Vec<usize>, u64) {
    if iq.filter.is_none() && iq.sortby.is_empty() {
        // GDAL's plain paging (limit=10, offset=N): a range, nothing to scan.
        let n = items.len() as u64;
        let start = iq.offset.min(n);
        let end = (start + iq.limit).min(n);
        return ((start as usize..end as usize).collect(), n);
    }
    let ctx = Context {
        queryables: c.queryables,
        tz,
    };
    let mut idx: Vec<usize> = match &iq.filter {
        None => (0..items.len()).collect(),
        Some(e) => (0..items.len())
            .filter(|&i| ctx.matches(e, &items[i]))
            .collect(),
    };
    if !iq.sortby.is_empty() {
        sort_items(&mut idx, items, &iq.sortby, c);
    }
    let matched = idx.len() as u64;
    let start = iq.offset.min(matched) as usize;
    let end = (start as u64 + iq.limit).min(matched) as usize;
    (idx[start..end].to_vec(), matched)
}

/// A page of reports: filtered, sorted, counted and paged in the store's SQL; in memory only
/// for a filter without an SQL form.
async fn reports_page(
    state: &AppState,
    iq: &ItemsQuery,
    c: &Collection,
) -> OgcResult<(Vec<view::Item>, u64)> {
    let tz = state.config.clock.tz;
    if iq.filter.is_none() && iq.sortby.is_empty() {
        let matched = state.store.count_reports(&ReportFilter::default()).await?;
        let page = state
            .store
            .reports(&ReportFilter {
                limit: Some(iq.limit),
                offset: Some(iq.offset),
                ..ReportFilter::default()
            })
            .await?;
        return Ok((page.iter().map(|r| report_item(r, tz)).collect(), matched));
    }
    // The store filters, sorts and pages in SQL (bound parameters); a polygon on SQLite is
    // narrowed in SQL and re-checked here with the same evaluator.
    let ctx = Context {
        queryables: c.queryables,
        tz,
    };
    let recheck = |r: &crate::model::Report| {
        iq.filter
            .as_ref()
            .is_none_or(|e| ctx.matches(e, &report_item(r, tz)))
    };
    let q = crate::filter::sql::PageQuery {
        filter: iq.filter.as_ref(),
        sortby: &iq.sortby,
        tz,
        limit: iq.limit,
        offset: iq.offset,
        recheck: &recheck,
    };
    if let Some((page, matched)) = state.store.reports_page(&q).await? {
        return Ok((page.iter().map(|r| report_item(r, tz)).collect(), matched));
    }
    let all: Vec<view::Item> = state
        .store
        .reports(&ReportFilter::default())
        .await?
        .iter()
        .map(|r| report_item(r, tz))
        .collect();
    let (idx, matched) = page_of(&all, iq, c, tz);
    let mut slots: Vec<Option<view::Item>> = all.into_iter().map(Some).collect();
    let page = idx.iter().filter_map(|&i| slots[i].take()).collect();
    Ok((page, matched))
}

fn content_crs(resp: &mut Response, crs: Crs) {
    if let Ok(v) = HeaderValue::from_str(&format!("<{}>", crs.uri())) {
        resp.headers_mut().insert("content-crs", v);
    }
}

fn crs_error(e: crate::crs::CrsError) -> OgcError {
    OgcError::Api(ApiError::bad_param("crs", e))
}

/// Items of one collection, paged.
#[utoipa::path(get, path = "/ogc/collections/{id}/items", tag = "ogc", security(("bearer" = [])),
    params(
        ("id" = CollectionId, Path),
        ("bbox" = Option<String>, Query, description = "minx,miny,maxx,maxy or 6 numbers, in bbox-crs (CRS84: minx > maxx crosses the antimeridian)"),
        ("bbox-crs" = Option<String>, Query, description = "CRS of bbox (see /ogc/api)"),
        ("crs" = Option<String>, Query, description = "CRS of the answer (see /ogc/api)"),
        ("datetime" = Option<String>, Query, description = "instant, interval a/b, or open ../b, a/.."),
        ("filter" = Option<String>, Query, description = "CQL2-text over the collection's queryables"),
        ("filter-lang" = Option<String>, Query, description = "cql2-text"),
        ("filter-crs" = Option<String>, Query, description = "CRS of the filter's geometries"),
        ("properties" = Option<String>, Query, description = "properties to return"),
        ("sortby" = Option<String>, Query, description = "properties, - for descending"),
        ("limit" = Option<u64>, Query, minimum = 1, maximum = 10000, description = "default 100"),
        ("offset" = Option<u64>, Query),
        ("f" = Option<String>, Query, description = "json (default), or a file: gpkg, fgb, csv (the whole selection, CRS84)"),
        ("format" = Option<String>, Query, description = "the same as f"),
        ("names" = Option<String>, Query, description = "shp: Shapefile-safe attribute names in files"),
    ),
    responses((status = 200, description = "GeoJSON FeatureCollection, or a GeoPackage, FlatGeobuf or CSV file", content_type = "application/geo+json"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn items(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> OgcResult<Response> {
    let c = lookup(&id)?;
    let role = caller.require(c.role)?;
    let tz = state.config.clock.tz;
    let wanted = super::download::wanted(&q)?;
    if wanted.format != Format::Geojson || wanted.shapefile_names {
        return items_file(&state, &caller, c, role, &q, wanted).await;
    }
    let iq = query::items_query(&q, c, tz, state.config.max_limit)?;
    let props = iq.properties.as_deref();
    let (features, matched) = match c.source {
        Source::Reports => {
            let (page, matched) = reports_page(&state, &iq, c).await?;
            super::audit::record(
                &state,
                &caller,
                crate::store::audit::action::REPORTS_READ,
                "GET /ogc/collections/reports/items",
                super::audit::pairs(&q),
                page.len() as u64,
            )
            .await?;
            let f = page
                .iter()
                .map(|i| output::feature_json(&i.feature, props, iq.crs))
                .collect::<Result<Vec<_>, _>>()
                .map_err(crs_error)?;
            (f, matched)
        }
        Source::Layer(name) => {
            let v = view::view(&state, c, name, &iq.tuning, iq.time, role).await?;
            let (page, matched) = page_of(&v.items, &iq, c, tz);
            let f = page
                .iter()
                .map(|&i| output::feature_json(&v.items[i].feature, props, iq.crs))
                .collect::<Result<Vec<_>, _>>()
                .map_err(crs_error)?;
            (f, matched)
        }
    };
    let b = base(&headers);
    let returned = features.len() as u64;
    let page_link = |off: u64, rel: &str| {
        let mut pairs: Vec<(String, String)> = q
            .iter()
            .filter(|(k, _)| k.as_str() != "offset" && k.as_str() != "limit")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        pairs.sort();
        pairs.push(("limit".into(), iq.limit.to_string()));
        pairs.push(("offset".into(), off.to_string()));
        let qs = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", urlencode(k), urlencode(v)))
            .collect::<Vec<_>>()
            .join("&");
        link(
            format!("{b}/collections/{}/items?{qs}", c.id),
            rel,
            respond::GEOJSON,
            rel,
        )
    };
    let mut links = vec![
        page_link(iq.offset, "self"),
        link(
            format!("{b}/collections/{}", c.id),
            "collection",
            respond::JSON,
            c.title,
        ),
    ];
    if iq.offset + returned < matched {
        links.push(page_link(iq.offset + returned, "next"));
    }
    if iq.offset > 0 {
        links.push(page_link(iq.offset.saturating_sub(iq.limit), "prev"));
    }
    let body = json!({
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": returned,
        "timeStamp": chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        "links": links,
    });
    let mut resp = respond::body(
        respond::GEOJSON,
        Bytes::from(serde_json::to_vec(&body).expect("serialises")),
        None,
    );
    content_crs(&mut resp, iq.crs);
    Ok(resp)
}

/// Most features one file answer holds when `limit` is not given: a larger selection is a
/// 422 that says how large it is (never a file silently cut at some page size).
pub const FILE_MAX_FEATURES: u64 = 1_000_000;

/// Items as a file (`f=gpkg|fgb|csv`, or `names=shp`): the whole selection (filters, bbox,
/// datetime, sortby and properties as for JSON; `limit`/`offset` only when given), in
/// CRS84, named after the collection, its parameters and months
/// (`hexes_res9_k1_2024-01_2026-10.gpkg`). The answer says how many features matched and
/// how many it holds (`OGC-NumberMatched`, `OGC-NumberReturned`).
async fn items_file(
    state: &AppState,
    caller: &Caller,
    c: &'static Collection,
    role: Role,
    q: &HashMap<String, String>,
    wanted: super::download::Wanted,
) -> OgcResult<Response> {
    let tz = state.config.clock.tz;
    let mut iq = query::items_query(q, c, tz, FILE_MAX_FEATURES)?;
    if iq.crs != Crs::Crs84 {
        return Err(OgcError::Api(ApiError::bad_value(
            "crs",
            iq.crs.uri(),
            &[Crs::Crs84.uri()],
        )));
    }
    let paged = q.contains_key("limit");
    if !paged {
        // One more than a file may hold, to tell "exactly the maximum" from "too many".
        iq.limit = FILE_MAX_FEATURES + 1;
    }
    let keep = |mut f: geojson::Feature| {
        if let (Some(names), Some(p)) = (iq.properties.as_deref(), f.properties.as_mut()) {
            p.retain(|k, _| names.iter().any(|x| x == k));
        }
        f
    };
    let (features, matched, params) = match c.source {
        Source::Reports => {
            let (page, matched) = reports_page(state, &iq, c).await?;
            super::audit::record(
                state,
                caller,
                crate::store::audit::action::REPORTS_READ,
                "GET /ogc/collections/reports/items",
                super::audit::pairs(q),
                page.len() as u64,
            )
            .await?;
            let f: Vec<_> = page.into_iter().map(|i| keep(i.feature)).collect();
            (f, matched, String::new())
        }
        Source::Layer(name) => {
            let v = view::view(state, c, name, &iq.tuning, iq.time, role).await?;
            let (page, matched) = page_of(&v.items, &iq, c, tz);
            let f: Vec<_> = page
                .iter()
                .map(|&i| keep(v.items[i].feature.clone()))
                .collect();
            (f, matched, v.params.clone())
        }
    };
    if !paged && features.len() as u64 > FILE_MAX_FEATURES {
        return Err(OgcError::Api(ApiError::Unprocessable {
            message: format!(
                "the selection holds {matched} features, more than the {FILE_MAX_FEATURES} \
                 one file may hold; narrow it (datetime, bbox, filter) or page with limit \
                 and offset"
            ),
            details: vec![],
        }));
    }
    // The file name: the layer's parameters, the property equalities, markers for a
    // bbox / filter, then the months of the reports it covers.
    let mut name_params = params;
    let mut equalities: Vec<(&String, &String)> = q
        .iter()
        .filter(|(k, _)| queryables::find(c.queryables, k).is_some())
        .collect();
    equalities.sort();
    for (k, v) in equalities {
        push_param(&mut name_params, k, v);
    }
    for marker in ["bbox", "filter"] {
        if q.get(marker).is_some_and(|s| !s.trim().is_empty()) {
            push_param(&mut name_params, marker, "true");
        }
    }
    let day = |t: NaiveDateTime| t.date().format("%Y-%m-%d").to_string();
    if let Some(from) = iq.time.from {
        push_param(&mut name_params, "from", &day(from));
    }
    if let Some(to) = iq.time.to {
        push_param(&mut name_params, "to", &day(to));
    }
    let range = match c.id {
        "sites" | "areas" => None,
        _ => super::download::data_range(state).await?,
    };
    let file = super::download::file_name(c.id, &name_params, range, wanted.format);
    let opts = TableOptions {
        shapefile_names: wanted.shapefile_names,
        bom: true,
        local_offset: Some(tz),
    };
    let returned = features.len();
    let layer = c.id;
    // Off the async workers: flattening and encoding a large selection is CPU work.
    let handle = tokio::runtime::Handle::current();
    let bytes = tokio::task::spawn_blocking(move || {
        handle.block_on(encode_features(
            wanted.format,
            layer,
            &features,
            preferred_columns(layer),
            opts,
        ))
    })
    .await
    .map_err(|e| ApiError::Internal(format!("export failed: {e}")))?
    .map_err(|e| ApiError::Internal(format!("export failed: {e}")))?;
    let mut resp = super::download::file_response(wanted.format, Bytes::from(bytes), &file, true);
    for (h, n) in [
        ("ogc-numbermatched", matched),
        ("ogc-numberreturned", returned as u64),
    ] {
        resp.headers_mut()
            .insert(h, HeaderValue::from_str(&n.to_string()).expect("digits"));
    }
    Ok(resp)
}

/// Appends `k=v` to canonical `a=1&b=2` parameters.
fn push_param(params: &mut String, k: &str, v: &str) {
    if !params.is_empty() {
        params.push('&');
    }
    params.push_str(k);
    params.push('=');
    params.push_str(v);
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

/// One feature.
#[utoipa::path(get, path = "/ogc/collections/{id}/items/{fid}", tag = "ogc", security(("bearer" = [])),
    params(("id" = CollectionId, Path), ("fid" = String, Path),
        ("crs" = Option<String>, Query, description = "CRS of the answer"),
        ("datetime" = Option<String>, Query, description = "the view the id belongs to (computed collections)")),
    responses((status = 200, description = "GeoJSON Feature", content_type = "application/geo+json"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn item(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path((id, fid)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> OgcResult<Response> {
    let c = lookup(&id)?;
    let role = caller.require(c.role)?;
    only(&q, &query::accepted(c, true))?;
    check_f(&q)?;
    let crs = query::item_crs(&q)?;
    let props = query::properties_param(&q, c)?;
    let tz = state.config.clock.tz;
    let not_found = |hint: &str| {
        OgcError::Api(ApiError::NotFound(format!(
            "no feature {fid:?} in {id}{hint}"
        )))
    };
    let mut v = match c.source {
        Source::Reports => {
            let r = state
                .store
                .report(&fid)
                .await?
                .ok_or_else(|| not_found(""))?;
            super::audit::record(
                &state,
                &caller,
                crate::store::audit::action::REPORTS_READ,
                "GET /ogc/collections/reports/items/{fid}",
                [("id", fid.as_str())],
                1,
            )
            .await?;
            output::feature_json(&report_item(&r, tz).feature, props.as_deref(), crs)
        }
        Source::Layer(name) => {
            let time = match q.get("datetime").filter(|s| !s.is_empty()) {
                Some(s) => query::parse_datetime(s, tz)
                    .map_err(|m| OgcError::Api(ApiError::bad_param("datetime", m)))?,
                None => TimeRange::default(),
            };
            let tuning: HashMap<String, String> = c
                .tuning
                .iter()
                .filter_map(|t| q.get(t.name).map(|v| (t.name.to_string(), v.clone())))
                .collect();
            let view = view::view(&state, c, name, &tuning, time, role).await?;
            let item = view.get(&fid).ok_or_else(|| {
                let other_view = fid.contains('~') && !fid.ends_with(&format!("~{}", view.tag))
                    || fid.starts_with("H-") && !view.canonical;
                not_found(if other_view {
                    "'s view: this id belongs to a view with other parameters; request it \
                     with the datetime / eps_m / min_pts of the page it came from"
                } else {
                    ""
                })
            })?;
            output::feature_json(&item.feature, props.as_deref(), crs)
        }
    }
    .map_err(crs_error)?;
    let b = base(&headers);
    v["links"] = json!([
        link(
            format!("{b}/collections/{}/items/{}", c.id, urlencode(&fid)),
            "self",
            respond::GEOJSON,
            "this feature"
        ),
        link(
            format!("{b}/collections/{}", c.id),
            "collection",
            respond::JSON,
            c.title
        ),
    ]);
    let mut resp = respond::body(
        respond::GEOJSON,
        Bytes::from(serde_json::to_vec(&v).expect("serialises")),
        None,
    );
    content_crs(&mut resp, crs);
    Ok(resp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urlencode_keeps_bbox_readable() {
        assert_eq!(urlencode("1.5,2,3,4"), "1.5,2,3,4");
        assert_eq!(urlencode("a b/c"), "a%20b%2Fc");
    }

    #[test]
    fn conformance_lists_each_class_once() {
        let c = conformance_classes();
        let mut d = c.clone();
        d.sort();
        d.dedup();
        assert_eq!(c.len(), d.len());
        assert!(c.iter().any(|x| x.ends_with("/conf/oas30")));
    }
}
