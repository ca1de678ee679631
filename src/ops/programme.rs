//! The programme view of the data: area statuses per month, declarations checked against
//! them, targets and their progress. Built once from the stored areas, reports,
//! declarations and targets; `hotspot status|progress|chart`, the server's area layer,
//! timelines, progress and charts all read the same [`Programme`].

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use geojson::Feature;
use serde_json::{Value, json};

use super::clock::Clock;
use super::error::{OpsError, OpsResult};
use crate::lifecycle::discrepancy::check_declarations;
use crate::lifecycle::{
    Discrepancy, StatusInput, StatusParams, StatusTable, TargetProgress, area_statuses,
    target_progress,
};
use crate::model::{
    ActionPlan, Area, AreaLevel, AreaStatus, Declaration, KIND_COUNT, PlanState, PlanSubject,
    Report, Target,
};
use crate::render::geojson::{area_feature, with_properties};
use crate::store::{ReportFilter, Store};
use crate::timestep::TimeStep;

/// What the programme views are computed from.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    pub areas: Vec<Area>,
    pub reports: Vec<Report>,
    pub declarations: Vec<Declaration>,
    pub targets: Vec<Target>,
}

impl Dataset {
    /// Reads everything the programme needs from the store.
    pub async fn load(store: &dyn Store) -> OpsResult<Dataset> {
        Ok(Dataset {
            areas: store.areas(None).await?,
            reports: store.reports(&ReportFilter::default()).await?,
            declarations: store.declarations().await?,
            targets: store.targets().await?,
        })
    }

    /// Day of the last report, if any.
    pub fn last_report(&self) -> Option<NaiveDate> {
        self.reports.iter().map(|r| r.observed_at.date()).max()
    }

    /// The first month statuses are computed from: the earliest of the first report, the
    /// first declaration and `not_after` (statuses before the data are all "no reports").
    pub fn first_month(&self, not_after: NaiveDate) -> NaiveDate {
        self.declarations
            .iter()
            .map(|d| d.declared_at)
            .chain(self.reports.iter().map(|r| r.observed_at.date()))
            .chain([not_after])
            .map(|d| TimeStep::Month.floor(d))
            .min()
            .unwrap_or(not_after)
    }
}

/// Statuses, checks and targets of one dataset.
pub struct Programme {
    pub areas: Vec<Area>,
    pub reports: Vec<Report>,
    pub declarations: Vec<Declaration>,
    pub targets: Vec<Target>,
    /// Statuses from [`Dataset::first_month`] to the month of `last`.
    pub table: StatusTable,
    /// Every declaration with the computed status beside it.
    pub checks: Vec<Discrepancy>,
    /// Area id → index into `areas` / `table.areas`.
    pub index: HashMap<String, usize>,
    /// The date the data are evaluated up to ("Dữ liệu đến …"): see [`Clock::data_as_of`].
    pub as_of: NaiveDate,
    /// Day of the last report, if any.
    pub last_report: Option<NaiveDate>,
}

impl Programme {
    /// Computes statuses up to the month of `last` (and at least to the data's `as_of`).
    pub fn build(
        data: Dataset,
        last: NaiveDate,
        clock: &Clock,
        params: &StatusParams,
    ) -> OpsResult<Programme> {
        let last_report = data.last_report();
        let as_of = clock.data_as_of(last_report);
        let first = data.first_month(last);
        let table = area_statuses(
            &StatusInput {
                areas: &data.areas,
                reports: &data.reports,
                registrations: &[],
                significant: &[],
            },
            first,
            last.max(first),
            params,
        )?;
        let checks = check_declarations(&table, &data.reports, &data.declarations);
        let index = data
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        Ok(Programme {
            areas: data.areas,
            reports: data.reports,
            declarations: data.declarations,
            targets: data.targets,
            table,
            checks,
            index,
            as_of,
            last_report,
        })
    }

    /// The programme a server keeps for a dataset version: statuses up to the later of the
    /// last report and today, so any month a planner can pick is in the table.
    pub fn current(data: Dataset, clock: &Clock, params: &StatusParams) -> OpsResult<Programme> {
        let last = data
            .last_report()
            .map_or(clock.today(), |d| d.max(clock.today()));
        Self::build(data, last, clock, params)
    }

    /// The area named `id`, or a not-found error naming it.
    pub fn area(&self, id: &str) -> OpsResult<(usize, &Area)> {
        self.index
            .get(id)
            .map(|&i| (i, &self.areas[i]))
            .ok_or_else(|| OpsError::NotFound(format!("area {id:?} not found")))
    }

    /// The month a request asks for: `month` if given, else the last computed month.
    pub fn month_or_latest(&self, month: Option<NaiveDate>) -> Option<NaiveDate> {
        month.or_else(|| self.table.months.last().copied())
    }

    /// Reports per kind per month of one area (descendants included), parallel to `table.months`.
    pub fn kind_counts(&self, area: usize) -> Vec<[u32; KIND_COUNT]> {
        let months = &self.table.months;
        let mut out = vec![[0u32; KIND_COUNT]; months.len()];
        let Some(&first) = months.first() else {
            return out;
        };
        for &r in &self.table.assigned[area] {
            let rep = &self.reports[r as usize];
            let i = TimeStep::Month.index(first, rep.observed_at.date());
            if i >= 0 && (i as usize) < out.len() {
                out[i as usize][rep.kind.index()] += 1;
            }
        }
        out
    }

    /// Status rows of the areas of `level` in `month`, with the declaration in force.
    pub fn status_rows(&self, level: AreaLevel, month: NaiveDate) -> Vec<StatusRow<'_>> {
        self.areas
            .iter()
            .zip(&self.table.areas)
            .filter(|(a, _)| a.level == level)
            .filter_map(|(a, tl)| {
                let s = tl.at(month)?;
                let declared = self
                    .declarations
                    .iter()
                    .filter(|d| d.area_id == a.id && d.declared_at < TimeStep::Month.nth(month, 1))
                    .max_by_key(|d| d.declared_at);
                Some(StatusRow {
                    area: a,
                    status: s.status,
                    since: s.since,
                    window_reports: s.window_reports,
                    deciding: self.report_ids(&s.deciding),
                    declared,
                })
            })
            .collect()
    }

    /// Declared-clean areas among `rows` that the data contradict.
    pub fn contradicted(&self, rows: &[StatusRow<'_>]) -> Vec<&Discrepancy> {
        let ids: Vec<&str> = rows.iter().map(|r| r.area.id.as_str()).collect();
        self.checks
            .iter()
            .filter(|c| c.contradicted && ids.contains(&c.area_id.as_str()))
            .collect()
    }

    /// Ids of reports by index.
    pub fn report_ids(&self, idx: &[u32]) -> Vec<String> {
        idx.iter()
            .map(|&i| self.reports[i as usize].id.clone())
            .collect()
    }

    /// Progress of every target of area `id` as of `today`.
    pub fn progress(&self, id: &str, today: NaiveDate) -> OpsResult<Vec<TargetProgress>> {
        let (_, area) = self.area(id)?;
        let targets: Vec<Target> = self
            .targets
            .iter()
            .filter(|t| t.area_id == area.id)
            .cloned()
            .collect();
        Ok(target_progress(&self.table, &self.areas, &targets, today))
    }

    /// Area polygons with their computed status in `month` (default: the last computed
    /// month), the latest declaration by then, whether the data contradicts it, open plans
    /// and target progress.
    pub fn area_features(
        &self,
        plans: &[ActionPlan],
        level: Option<AreaLevel>,
        month: Option<NaiveDate>,
    ) -> Vec<Feature> {
        let month = self.month_or_latest(month);
        let month_end = month.map(|m| TimeStep::Month.nth(m, 1) - chrono::Duration::days(1));
        let progress = match month_end {
            Some(e) => target_progress(&self.table, &self.areas, &self.targets, e),
            None => Vec::new(),
        };
        self.areas
            .iter()
            .enumerate()
            .filter(|(_, a)| level.is_none_or(|l| l == a.level))
            .map(|(i, a)| {
                let ms = month.and_then(|m| self.table.areas[i].at(m));
                let in_force = |d: NaiveDate| month_end.is_none_or(|e| d <= e);
                let declared = self
                    .declarations
                    .iter()
                    .filter(|d| d.area_id == a.id && in_force(d.declared_at))
                    .max_by_key(|d| d.declared_at);
                let contradicting: Vec<&_> = self
                    .checks
                    .iter()
                    .filter(|c| c.area_id == a.id && c.contradicted && in_force(c.declared_at))
                    .collect();
                let open_plans = plans
                    .iter()
                    .filter(|p| {
                        p.input.state == PlanState::Open && p.input.subject == PlanSubject::Area(a.id.clone())
                    })
                    .count();
                let targets: Vec<Value> = progress
                    .iter()
                    .filter(|t| t.target.area_id == a.id)
                    .map(|t| {
                        json!({
                            "level": t.target.level.as_str(),
                            "share": t.target.share,
                            "due": t.target.due.to_string(),
                            "actual_share": t.actual_share,
                            "expected_share": t.expected_share,
                            "children": t.children,
                            "drug_free": t.drug_free,
                            "met": t.met,
                            "state": t.state.as_str(),
                        })
                    })
                    .collect();
                with_properties(
                    area_feature(a),
                    json!({
                        "month": month.map(month_label),
                        "status": ms.map(|m| m.status.as_str()),
                        "status_since": ms.map(|m| month_label(m.since)),
                        "window_reports": ms.map(|m| m.window_reports),
                        "declared_status": declared.map(|d| d.status.as_str()),
                        "declared_at": declared.map(|d| d.declared_at.to_string()),
                        "discrepancy": !contradicting.is_empty(),
                        "contradicting_reports": contradicting
                            .iter()
                            .map(|c| c.contradicting_reports.len())
                            .sum::<usize>(),
                        "open_plans": open_plans,
                        "target_progress": if targets.is_empty() { Value::Null } else { Value::Array(targets) },
                    }),
                )
            })
            .collect()
    }
}

/// One area's status in a month, as `hotspot status` lists it.
pub struct StatusRow<'a> {
    pub area: &'a Area,
    pub status: AreaStatus,
    pub since: NaiveDate,
    pub window_reports: u32,
    /// Ids of the reports that decided the status.
    pub deciding: Vec<String>,
    pub declared: Option<&'a Declaration>,
}

/// `YYYY-MM` of a month's first day.
pub fn month_label(m: NaiveDate) -> String {
    format!("{:04}-{:02}", m.year(), m.month())
}
