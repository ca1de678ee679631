//! `/api/*`, `/healthz` and `/readyz` handlers (routes and parameters in /api/openapi.json).

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::AppState;
use super::audit::record;
use super::auth::{Caller, new_token, token_hash};
use super::error::{ApiError, ApiResult};
use super::features::collection_json;
use super::layers::{LayerJob, csv_columns, layer};
use super::params::Params;
use super::programme::{month_label, programme};
use super::respond;
use crate::model::{Declaration, PlanSubject, ReportKind};
use crate::render::geojson::report_feature;
use crate::store::audit::action;
use crate::store::plan_versions::{etag, parse_if_match};
use crate::store::{ImportKind, ImportMeta, MAX_OFFSET, OnConflict, PlanInput, Role};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/api/openapi.json", get(super::openapi::openapi_json))
        .route("/api/me", get(me))
        .route("/api/meta", get(meta))
        .route(
            "/api/reports",
            get(list_reports).post(super::upload::post_reports),
        )
        .route("/api/reports/{id}", get(get_report))
        .route("/api/layers/{name}", get(get_layer))
        .route("/api/areas/{id}/timeline", get(area_timeline))
        .route("/api/progress", get(progress))
        .route("/api/charts/{chart}", get(super::charts::chart))
        .route("/api/plans", get(list_plans).post(create_plan))
        .route(
            "/api/plans/{id}",
            get(get_plan).put(update_plan).delete(delete_plan),
        )
        .route("/api/plans/{id}/history", get(plan_history))
        .route("/api/audit", get(super::audit::list_audit))
        .route(
            "/api/declarations",
            get(list_declarations).post(create_declarations),
        )
        .route("/api/imports", get(list_imports))
        .route("/api/imports/{batch}", delete(undo_import))
        .route("/api/tokens", axum::routing::post(create_token))
}

/// Unknown routes: JSON 404 (distinguishable from "no such id" by its message).
pub async fn not_found(uri: Uri, headers: axum::http::HeaderMap) -> Response {
    if let Some(r) = super::assets::top_level(uri.path(), &headers) {
        return r;
    }
    ApiError::NotFound(format!("no route {}", uri.path())).into_response()
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: &'static str,
}

/// Liveness: the process answers.
#[utoipa::path(get, path = "/healthz", tag = "service",
    responses((status = 200, body = Health)))]
pub async fn healthz() -> Response {
    respond::json(&Health { status: "ok" })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "service",
    responses((status = 200, body = Health), (status = 503, body = super::error::ErrorBody)))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    match state.store.status().await {
        Ok(_) => respond::json(&Health { status: "ok" }),
        Err(e) => ApiError::Unavailable(format!("database not ready: {e}")).into_response(),
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    /// `viewer`, `analyst`, `admin`, or null for an anonymous caller of a closed server.
    pub role: Option<&'static str>,
    pub name: String,
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/me", tag = "api", responses((status = 200, body = Me)))]
pub async fn me(caller: Caller) -> Response {
    respond::json(&Me {
        role: caller.role.map(Role::as_str),
        name: caller.name,
    })
}

/// Dataset summary for the map's first view.
#[utoipa::path(get, path = "/api/meta", tag = "api", security(("bearer" = [])),
    responses((status = 200, body = Object), (status = 401, body = super::error::ErrorBody)))]
pub async fn meta(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    let role = caller.require(Role::Viewer)?;
    let s = state.summary().await?;
    // Viewers: months and a grid-snapped box, never a report's day or coordinate.
    let viewer = role == Role::Viewer;
    let when = |t: Option<chrono::NaiveDateTime>| {
        t.map(|t| match viewer {
            true => crate::ops::disclosure::month_label(t),
            false => t.date().to_string(),
        })
    };
    // The data's as-of date is the last report's day unless --as-of fixes it.
    let as_of = state
        .config
        .clock
        .data_as_of(s.last_report.map(|t| t.date()));
    let as_of = match viewer && state.config.clock.as_of.is_none() {
        true => crate::ops::disclosure::month_label(as_of.and_hms_opt(0, 0, 0).expect("midnight")),
        false => as_of.to_string(),
    };
    Ok(respond::json(&json!({
        "dataset_version": s.dataset_version,
        "first_report": when(s.first_report),
        "last_report": when(s.last_report),
        "counts": {"reports": s.reports, "sites": s.sites, "areas": s.areas},
        "bbox": if viewer { s.viewer_bbox } else { s.bbox },
        "kinds": s.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
        "min_count": state.config.min_count,
        // The one "as of" date of the map, charts, dashboard and briefing ("Dữ liệu đến …"):
        // --as-of when set, else the last report's day (never after today).
        "as_of": as_of,
        "tz": state.config.clock.tz.to_string(),
        "base_map_url": state.config.base_map_url,
    })))
}

/// Raw report points (analysts only), paged in id order.
#[utoipa::path(get, path = "/api/reports", tag = "api", security(("bearer" = [])),
    params(
        ("from" = Option<String>, Query, description = "first day YYYY-MM-DD (inclusive)"),
        ("to" = Option<String>, Query, description = "last day YYYY-MM-DD (exclusive)"),
        ("kind" = Option<String>, Query, description = "comma list of report kinds"),
        ("bbox" = Option<String>, Query, description = "minLon,minLat,maxLon,maxLat"),
        ("area" = Option<String>, Query, description = "area id (children included)"),
        ("limit" = Option<u64>, Query, description = "default 1000, max 10000"),
        ("offset" = Option<u64>, Query),
        ("format" = Option<String>, Query, description = "geojson (default), gpkg, fgb or csv (f= too)"),
        ("names" = Option<String>, Query, description = "shp: Shapefile-safe attribute names"),
        ("download" = Option<bool>, Query),
    ),
    responses((status = 200, description = "GeoJSON FeatureCollection, GeoPackage, FlatGeobuf or CSV", content_type = "application/geo+json"),
              (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody)))]
pub async fn list_reports(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let wanted = super::download::wanted(&q)?;
    let audit_params: Vec<(String, String)> = q.clone().into_iter().collect();
    let mut p = Params::new(q);
    let mut filter = p.report_filter()?;
    filter.limit = Some(p.u64_in("limit", 1000, 1, state.config.max_limit)?);
    filter.offset = Some(p.u64_in("offset", 0, 0, MAX_OFFSET)?);
    let reports = state.store.reports(&filter).await?;
    record(
        &state,
        &caller,
        action::REPORTS_READ,
        "GET /api/reports",
        audit_params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
        reports.len() as u64,
    )
    .await?;
    let format = wanted.format;
    let file = super::download::file_name(
        "reports",
        &p.canonical(),
        super::download::data_range(&state).await?,
        format,
    );
    let bytes = if format == crate::render::format::Format::Geojson && !wanted.shapefile_names {
        let features: Vec<_> = reports.iter().map(report_feature).collect();
        collection_json(features)
    } else if format == crate::render::format::Format::Csv && !wanted.shapefile_names {
        // The import format at full precision, spreadsheet-safe: it re-imports unchanged.
        let mut out = crate::render::table_csv::BOM.to_vec();
        crate::render::csv::reports_csv(&mut out, &reports).expect("CSV into memory");
        out
    } else {
        let opts = crate::render::format::TableOptions {
            shapefile_names: wanted.shapefile_names,
            bom: true,
            local_offset: Some(state.config.clock.tz),
        };
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            handle.block_on(crate::render::format::encode_table(
                format,
                &crate::render::table::FeatureTable::reports(&reports),
                opts,
            ))
        })
        .await
        .map_err(|e| ApiError::Internal(format!("export failed: {e}")))?
        .map_err(|e| ApiError::Internal(format!("export failed: {e}")))?
    };
    Ok(super::download::file_response(
        format,
        Bytes::from(bytes),
        &file,
        p.download(),
    ))
}

/// One report (analysts only).
#[utoipa::path(get, path = "/api/reports/{id}", tag = "api", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, description = "GeoJSON Feature", content_type = "application/geo+json"),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn get_report(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let r = state
        .store
        .report(&id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("report {id:?} not found")))?;
    record(
        &state,
        &caller,
        action::REPORTS_READ,
        "GET /api/reports/{id}",
        [("id", id.as_str())],
        1,
    )
    .await?;
    let f = report_feature(&r);
    Ok(respond::body(
        respond::GEOJSON,
        Bytes::from(serde_json::to_vec(&f).expect("feature serialises")),
        None,
    ))
}

/// Names of the layers (for the OpenAPI document).
#[derive(Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum LayerName {
    Hotspots,
    Hexes,
    Kde,
    Near,
    Sites,
    Areas,
    Emerging,
}

/// A computed layer (parameters in /api/openapi.json, properties in ARCHITECTURE.md).
#[utoipa::path(get, path = "/api/layers/{name}", tag = "layers", security(("bearer" = [])),
    params(
        ("name" = LayerName, Path, description = "hotspots, hexes, kde, near, sites, areas or emerging"),
        ("from" = Option<String>, Query), ("to" = Option<String>, Query),
        ("kind" = Option<String>, Query), ("bbox" = Option<String>, Query),
        ("area" = Option<String>, Query),
        ("eps_m" = Option<f64>, Query, description = "hotspots: DBSCAN radius (150)"),
        ("min_pts" = Option<u64>, Query, description = "hotspots: DBSCAN min points (5)"),
        ("res" = Option<u8>, Query, description = "hexes 9, kde 10, emerging 8"),
        ("k" = Option<u32>, Query, description = "hexes/emerging: neighbour rings (1)"),
        ("fdr" = Option<bool>, Query, description = "hexes: Benjamini-Hochberg"),
        ("bandwidth_m" = Option<f64>, Query, description = "kde (300)"),
        ("weights" = Option<String>, Query, description = "kde: kind:weight,…"),
        ("within_m" = Option<f64>, Query, description = "near (300)"),
        ("level" = Option<String>, Query, description = "areas: level"),
        ("month" = Option<String>, Query, description = "areas: YYYY-MM"),
        ("step" = Option<String>, Query, description = "emerging: day/week/month/quarter/year"),
        ("time_k" = Option<u32>, Query, description = "emerging: neighbour steps (1)"),
        ("alpha" = Option<f64>, Query, description = "emerging: significance (0.05)"),
        ("format" = Option<String>, Query, description = "geojson (default), gpkg, fgb or csv (f= too)"),
        ("names" = Option<String>, Query, description = "shp: Shapefile-safe attribute names (≤ 10 characters)"),
        ("download" = Option<bool>, Query),
    ),
    responses((status = 200, description = "GeoJSON FeatureCollection, GeoPackage, FlatGeobuf or CSV", content_type = "application/geo+json"),
              (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody),
              (status = 403, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_layer(
    State(state): State<AppState>,
    caller: Caller,
    Path(name): Path<String>,
    Query(mut q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let wanted = super::download::wanted(&q)?;
    let audit_params: Vec<(String, String)> = q.clone().into_iter().collect();
    if caller.role == Some(Role::Viewer) {
        super::viewer::viewer_defaults(&name, &mut q);
    }
    let mut p = Params::new(q);
    let (name, job) = LayerJob::parse(&name, &mut p)?;
    let role = caller.require(job.required_role())?;
    let canonical = p.canonical();
    // Only the GeoJSON answer may come from the previous dataset version while the current
    // one computes (see `fresh`); encoded downloads are cached per version and stay exact.
    let geojson =
        wanted.format == crate::render::format::Format::Geojson && !wanted.shapefile_names;
    let fetched = match geojson {
        true => layer(&state, name, job, canonical.clone(), role).await?,
        false => super::fresh::strict(layer(&state, name, job, canonical.clone(), role)).await?,
    };
    let (l, version) = (fetched.value, fetched.version);
    if name == "near" {
        // Reports near sites are raw report points.
        record(
            &state,
            &caller,
            action::NEAR_READ,
            "GET /api/layers/near",
            audit_params.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            l.features.len() as u64,
        )
        .await?;
    }
    let range = match name {
        "sites" | "areas" => None,
        _ => super::download::data_range(&state).await?,
    };
    let file = super::download::file_name(name, &canonical, range, wanted.format);
    let bytes = if geojson {
        l.geojson.clone()
    } else {
        super::download::encoded(&state, name, &canonical, role, l, csv_columns(name), wanted)
            .await?
    };
    let mut resp = super::download::file_response(wanted.format, bytes, &file, p.download());
    resp.headers_mut().insert(
        super::fresh::DATASET_VERSION_HEADER,
        axum::http::HeaderValue::from(version),
    );
    Ok(resp)
}

/// An area's computed status per month and its reports per kind per month (descendants
/// included).
#[utoipa::path(get, path = "/api/areas/{id}/timeline", tag = "programme", security(("bearer" = [])),
    params(("id" = String, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn area_timeline(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let role = caller.require(Role::Viewer)?;
    let prog = programme(&state, role).await?;
    let &i = prog
        .index
        .get(&id)
        .ok_or_else(|| ApiError::NotFound(format!("area {id:?} not found")))?;
    let tl = &prog.table.areas[i];
    let counts = prog.kind_counts(i);
    // Viewers see monthly counts below --min-count as null (see ARCHITECTURE.md, disclosure).
    let min_count = match role {
        Role::Viewer => state.config.min_count,
        _ => 0,
    };
    let mut by_kind = serde_json::Map::new();
    for k in ReportKind::ALL {
        let series: Vec<u32> = counts.iter().map(|c| c[k.index()]).collect();
        by_kind.insert(
            k.as_str().into(),
            json!(super::viewer::suppress_series(&series, min_count)),
        );
    }
    Ok(respond::json(&json!({
        "area": id,
        "name": prog.areas[i].name,
        "level": prog.areas[i].level.as_str(),
        "months": prog.table.months.iter().map(|m| month_label(*m)).collect::<Vec<_>>(),
        "status": tl.months.iter().map(|m| m.status.as_str()).collect::<Vec<_>>(),
        "since": tl.months.iter().map(|m| month_label(m.since)).collect::<Vec<_>>(),
        "counts": by_kind,
    })))
}

/// Targets of an area: actual vs target share of drug-free children, on track or behind, and
/// the children not yet clean.
#[utoipa::path(get, path = "/api/progress", tag = "programme", security(("bearer" = [])),
    params(("area" = String, Query, description = "area id"),
           ("date" = Option<String>, Query, description = "evaluate as of YYYY-MM-DD (default: the data's as-of date, see /api/meta)")),
    responses((status = 200, body = Object), (status = 400, body = super::error::ErrorBody),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn progress(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let role = caller.require(Role::Viewer)?;
    let mut p = Params::new(q);
    let area = p.area()?;
    let prog = programme(&state, role).await?;
    let asked = p.parsed::<chrono::NaiveDate>("date")?;
    let date = asked.unwrap_or(prog.as_of);
    // The default date is the last report's day (unless --as-of): viewers see its month.
    let shown = match role == Role::Viewer && asked.is_none() && state.config.clock.as_of.is_none()
    {
        true => crate::ops::disclosure::month_label(date.and_hms_opt(0, 0, 0).expect("midnight")),
        false => date.to_string(),
    };
    let result = prog.progress(&area, date)?;
    let names: HashMap<&str, &str> = prog
        .areas
        .iter()
        .map(|a| (a.id.as_str(), a.name.as_str()))
        .collect();
    let list: Vec<_> = result
        .iter()
        .map(|t| {
            json!({
                "level": t.target.level.as_str(),
                "share": t.target.share,
                "due": t.target.due.to_string(),
                "evaluated_month": month_label(t.evaluated_month),
                "children": t.children,
                "drug_free": t.drug_free,
                "actual_share": t.actual_share,
                "expected_share": t.expected_share,
                "met": t.met,
                "due_passed": t.due_passed,
                "on_track": t.state == crate::lifecycle::TargetState::OnTrack,
                "state": t.state.as_str(),
                "not_clean": t.not_clean.iter().map(|(id, s)| json!({
                    "id": id, "name": names.get(id.as_str()), "status": s.as_str()
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(respond::json(
        &json!({"area": area, "date": shown, "targets": list}),
    ))
}

/// A plan sent by a client, checked by the same rules as the CLI's (every one of the 6 clears
/// given, a plausible deadline): 422 naming each field that fails.
fn checked_plan(input: PlanInput) -> ApiResult<PlanInput> {
    crate::lifecycle::plans::validate_plan(&input, None).map_err(|problems| {
        ApiError::Unprocessable {
            message: problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("; "),
            details: problems
                .iter()
                .map(|p| super::error::ErrorDetail {
                    line: 1,
                    column: p.field.into(),
                    message: p.message.clone(),
                })
                .collect(),
        }
    })?;
    Ok(input)
}

fn json_body<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(bytes).map_err(|e| ApiError::BadRequest(format!("invalid JSON: {e}")))
}

/// Action plans ("6 clears"), optionally of one subject.
#[utoipa::path(get, path = "/api/plans", tag = "plans", security(("bearer" = [])),
    params(("hotspot" = Option<String>, Query), ("area" = Option<String>, Query)),
    responses((status = 200, body = Object)))]
pub async fn list_plans(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    caller.require(Role::Viewer)?;
    let subject = match (q.get("hotspot"), q.get("area")) {
        (Some(h), _) => Some(PlanSubject::Hotspot(h.clone())),
        (None, Some(a)) => Some(PlanSubject::Area(a.clone())),
        _ => None,
    };
    Ok(respond::json(&state.store.plans(subject.as_ref()).await?))
}

/// Creates a plan (analysts).
#[utoipa::path(post, path = "/api/plans", tag = "plans", security(("bearer" = [])),
    request_body = PlanInput,
    responses((status = 201, body = Object), (status = 400, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn create_plan(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let input = checked_plan(json_body::<PlanInput>(&body)?)?;
    let plan = state.store.create_plan(&input, &caller.name).await?;
    // Plans show on the hotspots and areas layers: drop the remembered dataset version.
    state.data_changed();
    let id = plan.id.to_string();
    record(
        &state,
        &caller,
        action::PLAN_CREATE,
        "POST /api/plans",
        [("id", id.as_str())],
        1,
    )
    .await?;
    let mut resp = respond::json(&plan);
    *resp.status_mut() = StatusCode::CREATED;
    with_etag(&mut resp, plan.id, 1);
    Ok(resp)
}

/// Sets the `ETag` of plan `id` at `version`.
fn with_etag(resp: &mut Response, id: i64, version: i64) {
    if let Ok(v) = HeaderValue::from_str(&etag(id, version)) {
        resp.headers_mut().insert(header::ETAG, v);
    }
}

/// The version `If-Match` names: 428 when missing, 412 when it is not an ETag of this plan.
fn if_match(headers: &HeaderMap, id: i64) -> ApiResult<Option<i64>> {
    let v = headers.get(header::IF_MATCH).ok_or_else(|| {
        ApiError::PreconditionRequired(format!(
            "If-Match is required: send the ETag of GET /api/plans/{id}"
        ))
    })?;
    let v = v
        .to_str()
        .map_err(|_| ApiError::PreconditionFailed("If-Match is not ASCII".into()))?;
    parse_if_match(id, v).map_err(ApiError::PreconditionFailed)
}

fn plan_id(s: &str) -> ApiResult<i64> {
    s.parse()
        .map_err(|_| ApiError::NotFound(format!("plan {s:?} not found")))
}

/// One plan.
#[utoipa::path(get, path = "/api/plans/{id}", tag = "plans", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn get_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.require(Role::Viewer)?;
    let id = plan_id(&id)?;
    let (plan, version) = state
        .store
        .plan_versioned(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("plan {id} not found")))?;
    let mut resp = respond::json(&plan);
    with_etag(&mut resp, id, version);
    Ok(resp)
}

/// Every version of a plan, oldest first: `[{version, op, changed_by, changed_at, plan}]`
/// (`op` is `create`, `update` or `delete`; a deleted plan keeps its history).
#[utoipa::path(get, path = "/api/plans/{id}/history", tag = "plans", security(("bearer" = [])),
    params(("id" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn plan_history(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    caller.require(Role::Viewer)?;
    let id = plan_id(&id)?;
    let history = state.store.plan_history(id).await?;
    if history.is_empty() {
        return Err(ApiError::NotFound(format!("plan {id} not found")));
    }
    Ok(respond::json(&history))
}

/// Replaces a plan's fields (analysts). `If-Match` must carry the ETag the change is based
/// on: 428 without it, 412 when someone else changed the plan since.
#[utoipa::path(put, path = "/api/plans/{id}", tag = "plans", security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "ETag from GET /api/plans/{id}")),
    request_body = PlanInput,
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody),
              (status = 412, body = super::error::ErrorBody), (status = 428, body = super::error::ErrorBody)))]
pub async fn update_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(Role::Analyst)?;
    let id = plan_id(&id)?;
    let version = if_match(&headers, id)?;
    let input = checked_plan(json_body::<PlanInput>(&body)?)?;
    let (plan, version) = state
        .store
        .update_plan_if(id, &input, &caller.name, version)
        .await?;
    state.data_changed();
    let sid = id.to_string();
    let sv = version.to_string();
    record(
        &state,
        &caller,
        action::PLAN_UPDATE,
        "PUT /api/plans/{id}",
        [("id", sid.as_str()), ("version", sv.as_str())],
        1,
    )
    .await?;
    let mut resp = respond::json(&plan);
    with_etag(&mut resp, id, version);
    Ok(resp)
}

/// Deletes a plan (analysts).
#[utoipa::path(delete, path = "/api/plans/{id}", tag = "plans", security(("bearer" = [])),
    params(("id" = i64, Path), ("If-Match" = String, Header, description = "ETag from GET /api/plans/{id}")),
    responses((status = 204), (status = 404, body = super::error::ErrorBody),
              (status = 412, body = super::error::ErrorBody), (status = 428, body = super::error::ErrorBody)))]
pub async fn delete_plan(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    caller.require(Role::Analyst)?;
    let id = plan_id(&id)?;
    let version = if_match(&headers, id)?;
    state
        .store
        .delete_plan_if(id, &caller.name, version)
        .await?;
    state.data_changed();
    let sid = id.to_string();
    record(
        &state,
        &caller,
        action::PLAN_DELETE,
        "DELETE /api/plans/{id}",
        [("id", sid.as_str())],
        1,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Declared statuses.
#[utoipa::path(get, path = "/api/declarations", tag = "programme", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn list_declarations(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Response> {
    caller.require(Role::Viewer)?;
    Ok(respond::json(&state.store.declarations().await?))
}

/// Records declared statuses (admins): a JSON array of
/// `{area_id, status, declared_at, declared_by}`, stored as one import batch.
#[utoipa::path(post, path = "/api/declarations", tag = "programme", security(("bearer" = [])),
    request_body(content = Object, description = "array of declarations"),
    responses((status = 201, body = Object), (status = 400, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn create_declarations(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let rows: Vec<Declaration> = json_body(&body)?;
    let meta = ImportMeta {
        kind: ImportKind::Declarations,
        file_name: "api".into(),
        sha256: super::upload::sha256_hex(&body),
        imported_by: caller.name.clone(),
        on_conflict: OnConflict::Error,
        force: true,
    };
    let batch = state.store.import_declarations(&meta, &rows).await?;
    state.data_changed();
    let b = batch.batch.to_string();
    record(
        &state,
        &caller,
        action::IMPORT,
        "POST /api/declarations",
        [("kind", "declarations"), ("batch", b.as_str())],
        batch.inserted + batch.updated,
    )
    .await?;
    let mut resp = respond::json(&batch);
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}

/// Import batches (admins).
#[utoipa::path(get, path = "/api/imports", tag = "admin", security(("bearer" = [])),
    responses((status = 200, body = Object)))]
pub async fn list_imports(State(state): State<AppState>, caller: Caller) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    Ok(respond::json(&state.store.list_imports().await?))
}

/// Undoes an import batch (admins).
#[utoipa::path(delete, path = "/api/imports/{batch}", tag = "admin", security(("bearer" = [])),
    params(("batch" = i64, Path)),
    responses((status = 200, body = Object), (status = 404, body = super::error::ErrorBody)))]
pub async fn undo_import(
    State(state): State<AppState>,
    caller: Caller,
    Path(batch): Path<String>,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let batch: i64 = batch
        .parse()
        .map_err(|_| ApiError::NotFound(format!("import batch {batch:?} not found")))?;
    let undone = state.store.undo_import(batch).await?;
    state.data_changed();
    let b = batch.to_string();
    record(
        &state,
        &caller,
        action::UNDO,
        "DELETE /api/imports/{batch}",
        [("batch", b.as_str())],
        undone.inserted + undone.updated,
    )
    .await?;
    Ok(respond::json(&undone))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct TokenRequest {
    pub name: String,
    /// viewer, analyst or admin
    pub role: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TokenCreated {
    pub id: i64,
    pub name: String,
    pub role: &'static str,
    /// Shown once; only its sha256 is stored.
    pub token: String,
}

/// Creates an API token (admins); the token is in this answer only.
#[utoipa::path(post, path = "/api/tokens", tag = "admin", security(("bearer" = [])),
    request_body = TokenRequest,
    responses((status = 201, body = TokenCreated), (status = 400, body = super::error::ErrorBody)))]
pub async fn create_token(
    State(state): State<AppState>,
    caller: Caller,
    body: Bytes,
) -> ApiResult<Response> {
    caller.require(Role::Admin)?;
    let req: TokenRequest = json_body(&body)?;
    let role = req.role.parse::<crate::model::Role>().ok().ok_or_else(|| {
        ApiError::BadRequest(format!(
            "role {:?}: expected viewer, analyst or admin",
            req.role
        ))
    })?;
    if req.name.trim().is_empty() {
        return Err(ApiError::BadRequest("name must not be empty".into()));
    }
    let token = new_token();
    let rec = state
        .store
        .create_token(req.name.trim(), role, &token_hash(&token))
        .await?;
    let tid = rec.id.to_string();
    record(
        &state,
        &caller,
        action::TOKEN_CREATE,
        "POST /api/tokens",
        [
            ("id", tid.as_str()),
            ("name", rec.name.as_str()),
            ("role", rec.role.as_str()),
        ],
        1,
    )
    .await?;
    let mut resp = respond::json(&TokenCreated {
        id: rec.id,
        name: rec.name,
        role: rec.role.as_str(),
        token,
    });
    *resp.status_mut() = StatusCode::CREATED;
    Ok(resp)
}
