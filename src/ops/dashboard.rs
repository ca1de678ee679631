//! The programme dashboard pipeline: load the programme from the store, compute the status
//! table up to the as-of month, detect the hotspots known by then, and let
//! [`crate::lifecycle::dashboard`] pick the area's rows.
//!
//! The status table is built exactly as `hotspot status` and `hotspot progress` build theirs
//! (from the earliest report or declaration to the as-of month, default thresholds), so the
//! dashboard's statuses, shares and discrepancies are theirs for the same area and date.

use chrono::{Days, NaiveDate, NaiveDateTime};

use super::error::OpsError;
use crate::analysis::dbscan::{DbscanParams, dbscan};
use crate::analysis::hotspots::summarize;
use crate::analysis::tracking::{TrackingParams, track};
use crate::lifecycle::dashboard::{Dashboard, DashboardInput, DetectedHotspot, dashboard};
use crate::lifecycle::discrepancy::check_declarations;
use crate::lifecycle::{StatusInput, StatusParams, StatusTable, area_statuses};
use crate::model::{ActionPlan, Area, Declaration, Report, Site, Target, coords};
use crate::store::{ReportFilter, Store, TrackedHotspot};
use crate::timestep::TimeStep;

/// DBSCAN parameters of the canonical hotspots (those of the map's hotspots layer).
pub const HOTSPOT_DBSCAN: DbscanParams = DbscanParams {
    eps_m: 150.0,
    min_pts: 5,
};

/// Everything the dashboard and the briefing read from the store.
#[derive(Debug, Clone, Default)]
pub struct ProgrammeData {
    pub areas: Vec<Area>,
    pub reports: Vec<Report>,
    pub sites: Vec<Site>,
    pub declarations: Vec<Declaration>,
    pub targets: Vec<Target>,
    pub plans: Vec<ActionPlan>,
    /// The registry of tracked hotspot ids.
    pub tracked: Vec<TrackedHotspot>,
}

impl ProgrammeData {
    /// The data as a viewer's statuses are computed from: every report moved to its res-9
    /// cell's centre at the start of its month (`disclosure::generalise`, as the server's
    /// viewer programme does), so a small area's status cannot locate a report finer than a
    /// cell (ARCHITECTURE.md, "Disclosure model").
    pub fn generalised(&self) -> ProgrammeData {
        ProgrammeData {
            reports: super::disclosure::generalise(&self.reports),
            ..self.clone()
        }
    }

    pub async fn load(store: &dyn Store) -> Result<ProgrammeData, OpsError> {
        Ok(ProgrammeData {
            areas: store.areas(None).await?,
            reports: store.reports(&ReportFilter::default()).await?,
            sites: store.sites(None).await?,
            declarations: store.declarations().await?,
            targets: store.targets().await?,
            plans: store.plans(None).await?,
            tracked: store.tracked_hotspots().await?,
        })
    }

    /// The last day with a report on or before `as_of`.
    pub fn data_as_of(&self, as_of: NaiveDate) -> Option<NaiveDate> {
        self.reports
            .iter()
            .map(|r| r.observed_at.date())
            .filter(|d| *d <= as_of)
            .max()
    }

    /// The last day with a report (the default "as of").
    pub fn last_report_date(&self) -> Option<NaiveDate> {
        self.reports.iter().map(|r| r.observed_at.date()).max()
    }
}

/// The last day of the month of `d`: a briefing "for October" is evaluated as of 31 October.
pub fn month_end(d: NaiveDate) -> NaiveDate {
    TimeStep::Month.nth(TimeStep::Month.floor(d), 1) - Days::new(1)
}

/// Statuses of every area from the earliest report or declaration to the month of `as_of`.
pub fn status_table(
    data: &ProgrammeData,
    as_of: NaiveDate,
    params: &StatusParams,
) -> Result<StatusTable, OpsError> {
    let last = TimeStep::Month.floor(as_of);
    let first = data
        .declarations
        .iter()
        .map(|d| TimeStep::Month.floor(d.declared_at))
        .chain(
            data.reports
                .iter()
                .map(|r| TimeStep::Month.floor(r.observed_at.date())),
        )
        .min()
        .unwrap_or(last)
        .min(last);
    let input = StatusInput {
        areas: &data.areas,
        reports: &data.reports,
        registrations: &[],
        significant: &[],
    };
    Ok(area_statuses(&input, first, last, params)?)
}

/// Hotspots of the reports observed up to `as_of` (canonical DBSCAN), with the registry's
/// ids where they overlap a tracked hotspot.
///
/// When no report lies after `as_of` this is the map's canonical run: every hotspot gets an
/// id (new ones numbered after the registry's largest) and the updated registry is returned
/// for the caller to save. An earlier month only reads the registry: unmatched hotspots stay
/// without id, so looking back never renumbers anything.
pub fn detect_hotspots(
    data: &ProgrammeData,
    as_of: NaiveDate,
    now: NaiveDateTime,
) -> Result<(Vec<DetectedHotspot>, Option<Vec<TrackedHotspot>>), OpsError> {
    let until = as_of.checked_add_days(Days::new(1)).unwrap_or(as_of);
    let kept: Vec<u32> = (0..data.reports.len() as u32)
        .filter(|&i| data.reports[i as usize].observed_at.date() < until)
        .collect();
    let canonical = kept.len() == data.reports.len();
    let reports: Vec<Report> = kept
        .iter()
        .map(|&i| data.reports[i as usize].clone())
        .collect();
    let clustering = dbscan(&coords(&reports), &HOTSPOT_DBSCAN)?;
    let hotspots = summarize(&reports, &clustering);
    let polygons: Vec<geo::MultiPolygon<f64>> = hotspots
        .iter()
        .map(|h| geo::MultiPolygon(vec![h.polygon.clone()]))
        .collect();
    let tracking = track(&data.tracked, &polygons, now, &TrackingParams::default());
    let detected = hotspots
        .iter()
        .enumerate()
        .map(|(i, h)| DetectedHotspot {
            id: (canonical || tracking.matched[i].is_some())
                .then(|| tracking.current[i].id.clone()),
            polygon: h.polygon.clone(),
            members: h.members.iter().map(|&m| kept[m]).collect(),
            first_seen: h.first_seen.date(),
            last_seen: h.last_seen.date(),
        })
        .collect();
    Ok((detected, canonical.then(|| tracking.all())))
}

/// The dashboard with what it was computed from (the briefing draws its charts and map
/// from the same table and hotspots).
#[derive(Debug, Clone)]
pub struct DashboardRun {
    pub dashboard: Dashboard,
    pub table: StatusTable,
    pub hotspots: Vec<DetectedHotspot>,
    /// The tracked registry to save when this run was the canonical one.
    pub registry: Option<Vec<TrackedHotspot>>,
}

/// The dashboard of `area_id` as of `as_of` (see the module documentation). `now` stamps
/// newly tracked hotspots. For a viewer the statuses, shares and discrepancies come from
/// [`ProgrammeData::generalised`] (hotspots are still found on the exact reports, and shown
/// as the viewer map shows them: counts above the threshold, generalised outlines).
pub fn run_dashboard(
    data: &ProgrammeData,
    area_id: &str,
    as_of: NaiveDate,
    now: NaiveDateTime,
    viewer: bool,
) -> Result<DashboardRun, OpsError> {
    if !data.areas.iter().any(|a| a.id == area_id) {
        return Err(OpsError::NotFound(format!("area {area_id:?} not found")));
    }
    let generalised;
    let status_data = if viewer {
        generalised = data.generalised();
        &generalised
    } else {
        data
    };
    let params = StatusParams::default();
    let table = status_table(status_data, as_of, &params)?;
    let checks = check_declarations(&table, &status_data.reports, &data.declarations);
    let (hotspots, registry) = detect_hotspots(data, as_of, now)?;
    let input = DashboardInput {
        areas: &data.areas,
        table: &table,
        checks: &checks,
        declarations: &data.declarations,
        targets: &data.targets,
        plans: &data.plans,
        hotspots: &hotspots,
        active_months: params.clean_window,
    };
    let dashboard = dashboard(&input, area_id, as_of)?;
    Ok(DashboardRun {
        dashboard,
        table,
        hotspots,
        registry,
    })
}

/// Loads the programme, computes the dashboard and saves the hotspot registry when the run
/// was the canonical one (so the map and the dashboard name hotspots alike).
pub async fn dashboard_from_store(
    store: &dyn Store,
    area_id: &str,
    as_of: Option<NaiveDate>,
    now: NaiveDateTime,
    viewer: bool,
) -> Result<(ProgrammeData, DashboardRun), OpsError> {
    let data = ProgrammeData::load(store).await?;
    let as_of = as_of
        .or_else(|| data.last_report_date())
        .unwrap_or(now.date());
    let area = area_id.to_string();
    let (data, run) = tokio::task::spawn_blocking(move || {
        let run = run_dashboard(&data, &area, as_of, now, viewer);
        (data, run)
    })
    .await
    .map_err(|e| OpsError::Io(std::io::Error::other(e)))?;
    let run = run?;
    if let Some(registry) = &run.registry {
        store.save_tracked_hotspots(registry).await?;
    }
    Ok((data, run))
}
