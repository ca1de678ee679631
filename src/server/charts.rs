//! `/api/charts/{trend,targets,status,emerging}.{png,svg}`: the planner's charts
//! ([`crate::render::charts`]) from the status table of the current dataset version.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::params::Params;
use super::programme::programme;
use super::respond;
use crate::model::{AreaLevel, Role};
use crate::ops::charts::{ChartKind, ChartRequest, build};
use crate::render::charts::{DEFAULT_SIZE, Format, Lang, render_bytes};

#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartName {
    Trend,
    Targets,
    Status,
    Emerging,
}

#[utoipa::path(get, path = "/api/charts/{chart}", tag = "programme", security(("bearer" = [])),
    params(
        ("chart" = String, Path, description = "trend.png, trend.svg, targets.png, targets.svg, status.png, status.svg, emerging.png or emerging.svg"),
        ("area" = Option<String>, Query, description = "area id (required for trend and targets)"),
        ("level" = Option<String>, Query, description = "child level"),
        ("lang" = Option<String>, Query, description = "vi (default) or en"),
        ("month" = Option<String>, Query, description = "last month shown, YYYY-MM (default: the as-of month)"),
    ),
    responses((status = 200, description = "image/png or image/svg+xml"),
              (status = 400, body = super::error::ErrorBody), (status = 404, body = super::error::ErrorBody),
              (status = 422, body = super::error::ErrorBody)))]
pub async fn chart(
    State(state): State<AppState>,
    caller: Caller,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let role = caller.require(Role::Viewer)?;
    // Viewers (ARCHITECTURE.md, disclosure model): monthly counts below --min-count drawn as
    // 0, the emerging chart at res ≤ 9.
    let viewer = role == Role::Viewer;
    let min_count = state.config.min_count;
    let (name, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::NotFound(format!("no chart {file:?}")))?;
    let format = match ext {
        "png" => Format::Png,
        "svg" => Format::Svg,
        _ => return Err(ApiError::NotFound(format!("no chart {file:?}"))),
    };
    let kind =
        ChartKind::parse(name).ok_or_else(|| ApiError::NotFound(format!("no chart {file:?}")))?;
    let mut p = Params::new(q);
    let lang: Lang = p.parsed("lang")?.unwrap_or_default();
    let level: Option<AreaLevel> = p.parsed("level")?;
    let res = p.u64_in("res", 9, 0, 15)?;
    // The map's month: the chart ends there, as every other view of that month does.
    let to = p.month("month")?;
    let res = h3o::Resolution::try_from(res as u8).map_err(|e| ApiError::bad_param("res", e))?;
    if viewer {
        crate::ops::disclosure::check_resolution(res)?;
    }
    let req = ChartRequest {
        kind,
        area: p.string("area"),
        level,
        from: None,
        to,
        res,
        lang,
        min_count: if viewer { min_count } else { 0 },
    };
    let prog = programme(&state, role).await?;
    let bytes = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let mut chart = build(&prog, &req)?;
        if viewer && let crate::render::charts::Chart::Trend(t) = &mut chart {
            for month in &mut t.counts {
                for c in month.iter_mut() {
                    *c = crate::ops::disclosure::suppress(u64::from(*c), min_count).unwrap_or(0)
                        as u32;
                }
            }
        }
        Ok(render_bytes(&chart, lang, format, DEFAULT_SIZE).map_err(crate::ops::OpsError::from)?)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let png = format == Format::Png;
    Ok(respond::body(
        if png { "image/png" } else { "image/svg+xml" },
        Bytes::from(bytes),
        p.download().then(|| file.clone()),
    ))
}
