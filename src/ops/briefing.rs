//! The monthly briefing pipeline: the dashboard of the area as of the month's last day
//! ([`super::dashboard`]), the map layers of that area, the trend and target charts from the
//! same status table, rendered by [`crate::render::briefing`] as PDF or HTML.
//!
//! A briefing is shown to viewers: it carries the dashboard's aggregates, area and hotspot
//! polygons (as the viewer map does) and sensitive sites, never report points or times.

use chrono::{NaiveDate, NaiveDateTime};
use geo::{BoundingRect, Intersects};

use super::OpsError;
use super::dashboard::{DashboardRun, ProgrammeData, month_end, run_dashboard};
use crate::lifecycle::dashboard::Dashboard;
use crate::model::Area;
use crate::render::briefing::content::map_label;
use crate::render::briefing::{
    BriefingData, Format, MapArea, MapData, MapHotspot, MapSite, render,
};
use crate::render::charts::{Chart, Lang, TargetChart, TrendChart};
use crate::store::Store;

/// Marker every synthetic demo name carries (see `data/demo/README.md`).
pub const SYNTHETIC_MARK: &str = "(synthetic)";

/// What to brief on.
#[derive(Debug, Clone, PartialEq)]
pub struct BriefingRequest {
    pub area: String,
    /// The month (any day of it); `None` = the month of the last report.
    pub month: Option<NaiveDate>,
    pub lang: Lang,
    pub format: Format,
    /// Hotspots with fewer reports are left out (the viewer threshold; 0 keeps all).
    pub min_count: usize,
    /// A viewer's briefing: the data's as-of date is printed as its month, as the map's top
    /// bar shows it to viewers (issue 14: the last day with data is a report's day).
    pub viewer: bool,
}

/// The as-of date of a briefing: the month's last day, or the last report's day when no
/// month is given (or the store has no reports, `today`).
pub fn as_of(data: &ProgrammeData, month: Option<NaiveDate>, today: NaiveDate) -> NaiveDate {
    match month {
        Some(m) => month_end(m),
        None => data.last_report_date().unwrap_or(today),
    }
}

/// Leaves out hotspots below the viewer threshold (as the hotspots layer does for viewers).
pub fn hide_small_hotspots(d: &mut Dashboard, min_count: usize) {
    d.hotspots.retain(|h| h.reports >= min_count);
    let kept: Vec<&str> = d.hotspots.iter().filter_map(|h| h.id.as_deref()).collect();
    d.hotspots_without_plan
        .retain(|id| kept.contains(&id.as_str()));
}

/// True when the area's names or the sites on its map carry the synthetic marker.
pub fn is_synthetic(data: &ProgrammeData, area: &Area) -> bool {
    area.name.contains(SYNTHETIC_MARK)
        || data.areas.iter().any(|a| {
            a.parent_id.as_deref() == Some(area.id.as_str()) && a.name.contains(SYNTHETIC_MARK)
        })
}

/// The map of the dashboard's area: its outline, children by status, hotspots and the
/// sensitive sites inside the outline (or its bounding box when it has no polygon).
pub fn map_data(data: &ProgrammeData, area: &Area, d: &Dashboard) -> MapData {
    let children: Vec<MapArea> = d
        .children
        .iter()
        .filter_map(|c| {
            let a = data.areas.iter().find(|a| a.id == c.id)?;
            Some(MapArea {
                label: map_label(&c.id, &c.name),
                status: c.status,
                geometry: a.geometry.clone(),
            })
        })
        .collect();
    let outline = if area.geometry.0.is_empty() {
        geo::MultiPolygon(
            children
                .iter()
                .flat_map(|c| c.geometry.0.iter().cloned())
                .collect(),
        )
    } else {
        area.geometry.clone()
    };
    let bbox = outline.bounding_rect();
    let sites = data
        .sites
        .iter()
        .filter(|s| {
            outline.intersects(&s.geometry)
                || bbox.is_some_and(|b| b.intersects(&s.geometry) && outline.0.is_empty())
        })
        .map(|s| MapSite {
            kind: s.kind,
            geometry: s.geometry.clone(),
        })
        .collect();
    let hotspots = d
        .hotspots
        .iter()
        .map(|h| MapHotspot {
            // Label what the committee acts on: active hotspots and those with a plan.
            label: if h.active || !h.plans.is_empty() {
                h.id.clone().unwrap_or_else(|| "?".into())
            } else {
                String::new()
            },
            active: h.active,
            polygon: h.polygon.clone(),
        })
        .collect();
    MapData {
        outline,
        children,
        hotspots,
        sites,
    }
}

/// The trend chart of the area and, when it has targets, its target chart.
pub fn charts(data: &ProgrammeData, area: &Area, run: &DashboardRun) -> Vec<Chart> {
    let mut out = Vec::new();
    if let Some(ai) = run.table.areas.iter().position(|a| a.area_id == area.id) {
        out.push(Chart::Trend(TrendChart::from_table(
            &area.name,
            &run.table,
            ai,
            &data.reports,
        )));
    }
    let targets: Vec<_> = data
        .targets
        .iter()
        .filter(|t| t.area_id == area.id)
        .cloned()
        .collect();
    if let Some(level) = targets.first().map(|t| t.level) {
        out.push(Chart::Targets(TargetChart::from_table(
            area,
            level,
            &run.table,
            &data.areas,
            &targets,
        )));
    }
    out
}

/// The briefing's data from a computed dashboard run.
pub fn briefing_data(
    data: &ProgrammeData,
    run: &DashboardRun,
    min_count: usize,
    viewer: bool,
) -> Result<BriefingData, OpsError> {
    let mut dashboard = run.dashboard.clone();
    hide_small_hotspots(&mut dashboard, min_count);
    let area = data
        .areas
        .iter()
        .find(|a| a.id == dashboard.area.id)
        .ok_or_else(|| OpsError::NotFound(format!("area {:?} not found", dashboard.area.id)))?;
    Ok(BriefingData {
        data_as_of: data.data_as_of(dashboard.as_of),
        data_as_of_month: viewer,
        synthetic: is_synthetic(data, area),
        map: map_data(data, area, &dashboard),
        charts: charts(data, area, run),
        dashboard,
    })
}

/// The briefing document (pure: data in, bytes out) and the dashboard run it shows.
pub fn build(
    data: &ProgrammeData,
    req: &BriefingRequest,
    now: NaiveDateTime,
) -> Result<(Vec<u8>, DashboardRun), OpsError> {
    let as_of = as_of(data, req.month, now.date());
    let run = run_dashboard(data, &req.area, as_of, now, req.viewer)?;
    let doc = if req.viewer {
        // A viewer's trend chart counts the generalised reports (the statuses' data) and
        // draws monthly counts below the threshold as 0, as `/api/charts` does for viewers.
        let mut doc = briefing_data(&data.generalised(), &run, req.min_count, true)?;
        for chart in &mut doc.charts {
            if let Chart::Trend(t) = chart {
                for month in &mut t.counts {
                    for c in month.iter_mut() {
                        *c = super::disclosure::suppress(u64::from(*c), req.min_count as u32)
                            .unwrap_or(0) as u32;
                    }
                }
            }
        }
        doc
    } else {
        briefing_data(data, &run, req.min_count, false)?
    };
    let bytes = render(&doc, req.lang, req.format)?;
    Ok((bytes, run))
}

/// Loads the programme, renders the briefing off the async runtime and saves the hotspot
/// registry when the run was the canonical one.
pub async fn briefing_from_store(
    store: &dyn Store,
    req: BriefingRequest,
    now: NaiveDateTime,
) -> Result<Vec<u8>, OpsError> {
    let data = ProgrammeData::load(store).await?;
    let (bytes, run) = tokio::task::spawn_blocking(move || build(&data, &req, now))
        .await
        .map_err(|e| OpsError::Io(std::io::Error::other(e)))??;
    if let Some(registry) = &run.registry {
        store.save_tracked_hotspots(registry).await?;
    }
    Ok(bytes)
}
