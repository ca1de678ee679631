//! `GET /api/dashboard` and `GET /api/briefing`: the programme dashboard of an area and
//! month, and the monthly briefing (PDF or HTML) built on it. Both are
//! [`crate::ops`] pipelines; this file parses the query and answers.
//!
//! Viewers may read both: they hold aggregates only. Hotspots below the viewer threshold
//! (`min_count`) are left out for viewers, as on the map.
//!
//! Both answers are cached per dataset version in the server's cache of encoded documents
//! (`AppState::exports`, single-flight): a dashboard costs a status table and a DBSCAN run,
//! a briefing a map and two charts besides, and the map asks for the same dashboard whenever
//! a planner opens it.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;

use super::AppState;
use super::auth::Caller;
use super::cache::CacheKey;
use super::error::{ApiError, ApiResult};
use super::params::Params;
use super::respond;
use crate::ops::briefing::{BriefingRequest, briefing_from_store, hide_small_hotspots};
use crate::ops::dashboard::dashboard_from_store;
use crate::render::briefing::Format;
use crate::render::charts::Lang;
use crate::store::Role;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/dashboard", get(dashboard))
        .route("/api/briefing", get(briefing))
}

/// `area` (required) and `month` (`YYYY-MM`, optional), read as every programme route reads
/// them ([`Params::area`], [`Params::month`]).
fn area_and_month(p: &mut Params) -> ApiResult<(String, Option<NaiveDate>)> {
    Ok((p.area()?, p.month("month")?))
}

/// The cache entry of a dashboard or briefing answer: the dataset version (an import, undo or
/// plan change bumps it, so every older answer is unreachable), the canonical parameters, the
/// role (viewers lose small hotspots) and the programme's "today" (the as-of date of a store
/// without reports), in the cache shared with the encoded downloads.
async fn document_key(
    state: &AppState,
    what: &'static str,
    p: &Params,
    role: Role,
) -> ApiResult<CacheKey> {
    Ok(CacheKey {
        dataset_version: state.dataset_version().await?,
        layer: what,
        params: format!("{}&today={}", p.canonical(), now(state).date()),
        role: if role >= Role::Analyst {
            "analyst"
        } else {
            "viewer"
        },
    })
}

/// The viewer threshold for this caller (0 for analysts and admins).
fn min_count(state: &AppState, role: Role) -> usize {
    if role >= Role::Analyst {
        0
    } else {
        state.config.min_count as usize
    }
}

fn now(state: &AppState) -> chrono::NaiveDateTime {
    state.config.clock.now()
}

/// The programme dashboard of an area in a month: children per status, share drug-free
/// against each target (met / on track / behind), relapsed children, contradicted
/// declarations, hotspots without a plan and overdue plans. Its numbers are those of
/// `hotspot status` and `hotspot progress` for the same area and date.
#[utoipa::path(get, path = "/api/dashboard", tag = "programme", security(("bearer" = [])),
    params(
        ("area" = String, Query, description = "area id (ward, district or city)"),
        ("month" = Option<String>, Query, description = "YYYY-MM, evaluated as of its last day (default: the last report's day)"),
    ),
    responses((status = 200, body = Object, description = "the dashboard"),
              (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn dashboard(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let role = caller.require(Role::Viewer)?;
    let mut p = Params::new(q);
    let (area, month) = area_and_month(&mut p)?;
    let key = document_key(&state, "dashboard", &p, role).await?;
    // Computed once per dataset version and parameters (single-flight: a burst of identical
    // requests after an import computes once).
    let body = state
        .exports
        .get_or_compute(key, || async {
            let as_of = month.map(crate::ops::dashboard::month_end);
            let (data, run) = dashboard_from_store(
                state.store.as_ref(),
                &area,
                as_of,
                now(&state),
                role == Role::Viewer,
            )
            .await?;
            let mut d = run.dashboard;
            hide_small_hotspots(&mut d, min_count(&state, role));
            let mut v = serde_json::to_value(&d).map_err(|e| ApiError::Internal(e.to_string()))?;
            // The last day with data; viewers read its month, as `/api/meta` gives them (the
            // day is a report's day, issue 14), so the map's top bar and this agree.
            let data_as_of = data.data_as_of(d.as_of);
            v["data_as_of"] = match role == Role::Viewer {
                true => serde_json::json!(data_as_of.map(|day| {
                    crate::ops::disclosure::month_label(day.and_hms_opt(0, 0, 0).expect("midnight"))
                })),
                false => serde_json::json!(data_as_of),
            };
            let bytes =
                Bytes::from(serde_json::to_vec(&v).map_err(|e| ApiError::Internal(e.to_string()))?);
            let size = bytes.len();
            Ok::<_, ApiError>((Arc::new(bytes), size))
        })
        .await?;
    Ok(respond::body(respond::JSON, Bytes::clone(&body), None))
}

/// The monthly briefing of an area: one A4 document (PDF, or HTML with `format=html`) with
/// the dashboard, a map, trend and target charts, hotspots with their plans, groups not yet
/// clean and contradicted declarations.
#[utoipa::path(get, path = "/api/briefing", tag = "programme", security(("bearer" = [])),
    params(
        ("area" = String, Query, description = "area id (ward, district or city)"),
        ("month" = Option<String>, Query, description = "YYYY-MM (default: the month of the last report)"),
        ("format" = Option<String>, Query, description = "pdf (default) or html"),
        ("lang" = Option<String>, Query, description = "vi (default) or en"),
        ("download" = Option<bool>, Query, description = "answer as an attachment"),
    ),
    responses((status = 200, description = "application/pdf or text/html"),
              (status = 400, body = super::error::ErrorBody), (status = 401, body = super::error::ErrorBody),
              (status = 404, body = super::error::ErrorBody)))]
pub async fn briefing(
    State(state): State<AppState>,
    caller: Caller,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let role = caller.require(Role::Viewer)?;
    let mut p = Params::new(q);
    let (area, month) = area_and_month(&mut p)?;
    let format: Format = p.parsed("format")?.unwrap_or(Format::Pdf);
    let lang: Lang = p.parsed("lang")?.unwrap_or_default();
    let key = document_key(&state, "briefing", &p, role).await?;
    let bytes = state
        .exports
        .get_or_compute(key, || async {
            let req = BriefingRequest {
                area: area.clone(),
                month,
                lang,
                format,
                min_count: min_count(&state, role),
                viewer: role == Role::Viewer,
            };
            let bytes =
                Bytes::from(briefing_from_store(state.store.as_ref(), req, now(&state)).await?);
            let size = bytes.len();
            Ok::<_, ApiError>((Arc::new(bytes), size))
        })
        .await?;
    let label = month.map_or_else(|| "latest".to_string(), |m| m.format("%Y-%m").to_string());
    let name = format!(
        "briefing-{}-{label}.{}",
        area.replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        format.extension()
    );
    // PDFs always download with a file name; HTML opens in the browser unless asked.
    let attach = format == Format::Pdf || p.download();
    Ok(respond::body(
        format.content_type(),
        Bytes::clone(&bytes),
        attach.then_some(name),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_parameter_errors_name_the_parameter() {
        let mut p = Params::new(HashMap::from([
            ("area".to_string(), "P-ANCUU".to_string()),
            ("month".to_string(), "2026-13".to_string()),
        ]));
        let e = area_and_month(&mut p).unwrap_err();
        assert!(e.to_string().contains("parameter month"), "{e}");
        let mut p = Params::new(HashMap::new());
        let e = area_and_month(&mut p).unwrap_err();
        assert!(e.to_string().contains("parameter area"), "{e}");
    }
}
