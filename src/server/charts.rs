//! `/api/charts/{trend,targets,status,emerging}.{png,svg}`: the planner's charts
//! ([`crate::render::charts`]) from the status table of the current dataset version.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use geo::Contains;

use super::AppState;
use super::auth::Caller;
use super::error::{ApiError, ApiResult};
use super::params::Params;
use super::programme::{Programme, programme};
use super::respond;
use crate::analysis::emerging::{Category, EmergingParams, emerging};
use crate::lifecycle::descendants_at;
use crate::model::{AreaLevel, Report};
use crate::render::charts::{
    Chart, DEFAULT_SIZE, EmergingChart, EmergingRow, Lang, StatusChart, TargetChart, TrendChart,
    render_rgb, render_svg,
};
use crate::store::Role;

/// Chart names.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ChartName {
    Trend,
    Targets,
    Status,
    Emerging,
}

fn area_index(prog: &Programme, p: &mut Params, required: bool) -> ApiResult<Option<usize>> {
    match p.string("area") {
        None if required => Err(ApiError::bad_param("area", "required for this chart")),
        None => Ok(None),
        Some(id) => prog
            .index
            .get(&id)
            .copied()
            .map(Some)
            .ok_or_else(|| ApiError::NotFound(format!("area {id:?} not found"))),
    }
}

/// Emerging categories of the cells whose centre lies in each of `areas`.
fn emerging_rows(reports: &[Report], areas: &[&crate::model::Area]) -> ApiResult<Vec<EmergingRow>> {
    let points: Vec<geo::Coord<f64>> = reports
        .iter()
        .map(|r| geo::Coord { x: r.lon, y: r.lat })
        .collect();
    let times: Vec<_> = reports.iter().map(|r| r.observed_at).collect();
    let result = emerging(
        &points,
        &times,
        &EmergingParams {
            resolution: h3o::Resolution::Eight,
            step: crate::timestep::TimeStep::Month,
            k: 1,
            time_k: 1,
            alpha: 0.05,
        },
    )?;
    Ok(areas
        .iter()
        .map(|a| {
            let mut counts: Vec<(Category, u32)> = Vec::new();
            for c in &result.cells {
                let ll = h3o::LatLng::from(c.cell);
                if a.geometry.contains(&geo::Point::new(ll.lng(), ll.lat())) {
                    match counts.iter_mut().find(|(k, _)| *k == c.category) {
                        Some((_, n)) => *n += 1,
                        None => counts.push((c.category, 1)),
                    }
                }
            }
            EmergingRow {
                area_name: a.name.clone(),
                counts,
            }
        })
        .collect())
}

/// A chart as PNG or SVG. `area` is required for trend and targets; `level` picks the child
/// level (targets, status, emerging); `lang` = vi (default) or en.
#[utoipa::path(get, path = "/api/charts/{chart}", tag = "programme", security(("bearer" = [])),
    params(
        ("chart" = String, Path, description = "trend.png, trend.svg, targets.png, targets.svg, status.png, status.svg, emerging.png or emerging.svg"),
        ("area" = Option<String>, Query, description = "area id (required for trend and targets)"),
        ("level" = Option<String>, Query, description = "child level"),
        ("lang" = Option<String>, Query, description = "vi (default) or en"),
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
    // Viewers: monthly counts below --min-count drawn as 0, emerging from generalised reports
    // (see ARCHITECTURE.md, disclosure model).
    let viewer = role == Role::Viewer;
    let min_count = state.config.min_count;
    let (name, ext) = file
        .rsplit_once('.')
        .ok_or_else(|| ApiError::NotFound(format!("no chart {file:?}")))?;
    let png = match ext {
        "png" => true,
        "svg" => false,
        _ => return Err(ApiError::NotFound(format!("no chart {file:?}"))),
    };
    if !matches!(name, "trend" | "targets" | "status" | "emerging") {
        return Err(ApiError::NotFound(format!("no chart {file:?}")));
    }
    let mut p = Params::new(q);
    let lang: Lang = p.parsed("lang")?.unwrap_or_default();
    let level: Option<AreaLevel> = p.parsed("level")?;
    let prog = programme(&state).await?;
    let chart = match name {
        "trend" => {
            let i = area_index(&prog, &mut p, true)?.expect("required");
            let mut chart =
                TrendChart::from_table(&prog.areas[i].name, &prog.table, i, &prog.reports);
            if viewer {
                for month in &mut chart.counts {
                    for c in month.iter_mut() {
                        *c = crate::ops::disclosure::suppress(u64::from(*c), min_count).unwrap_or(0)
                            as u32;
                    }
                }
            }
            Chart::Trend(chart)
        }
        "targets" => {
            let i = area_index(&prog, &mut p, true)?.expect("required");
            let area = &prog.areas[i];
            let targets: Vec<_> = prog
                .targets
                .iter()
                .filter(|t| t.area_id == area.id)
                .cloned()
                .collect();
            let level = level
                .or_else(|| targets.first().map(|t| t.level))
                .ok_or_else(|| ApiError::bad_param("level", "required: the area has no targets"))?;
            Chart::Targets(TargetChart::from_table(
                area,
                level,
                &prog.table,
                &prog.areas,
                &targets,
            ))
        }
        "status" => {
            let scope = match area_index(&prog, &mut p, false)? {
                Some(i) => prog.areas[i].name.clone(),
                None => "all areas".to_string(),
            };
            Chart::Status(StatusChart::from_table(&scope, &prog.table, level))
        }
        _ => {
            let root = area_index(&prog, &mut p, false)?;
            let level = level.unwrap_or(AreaLevel::Commune);
            let prog2 = prog.clone();
            let (scope, rows) = tokio::task::spawn_blocking(move || -> ApiResult<_> {
                let areas: Vec<&crate::model::Area> = match root {
                    Some(i) => descendants_at(&prog2.areas, &prog2.areas[i].id, level),
                    None => prog2.areas.iter().filter(|a| a.level == level).collect(),
                };
                let scope = root.map_or("all areas".to_string(), |i| prog2.areas[i].name.clone());
                let reports = match viewer {
                    true => crate::ops::disclosure::generalise(&prog2.reports),
                    false => prog2.reports.clone(),
                };
                Ok((scope, emerging_rows(&reports, &areas)?))
            })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))??;
            Chart::Emerging(EmergingChart { scope, rows })
        }
    };
    let bytes = tokio::task::spawn_blocking(move || -> ApiResult<Vec<u8>> {
        let unprocessable = |e: crate::render::charts::ChartError| ApiError::Unprocessable {
            message: e.to_string(),
            details: vec![],
        };
        if png {
            let rgb = render_rgb(&chart, lang, DEFAULT_SIZE).map_err(unprocessable)?;
            let mut out = Vec::new();
            use image::ImageEncoder;
            image::codecs::png::PngEncoder::new(&mut out)
                .write_image(&rgb, DEFAULT_SIZE.0, DEFAULT_SIZE.1, image::ColorType::Rgb8)
                .map_err(|e| ApiError::Internal(e.to_string()))?;
            Ok(out)
        } else {
            Ok(render_svg(&chart, lang, DEFAULT_SIZE)
                .map_err(unprocessable)?
                .into_bytes())
        }
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    Ok(respond::body(
        if png { "image/png" } else { "image/svg+xml" },
        Bytes::from(bytes),
        p.download().then(|| file.clone()),
    ))
}
