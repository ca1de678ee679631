//! Area statuses, declarations-vs-data discrepancies and programme targets for the API
//! (`/api/layers/areas`, `/api/areas/{id}/timeline`, `/api/progress`), computed once per dataset
//! version with [`crate::lifecycle`] and shared by every request.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{Datelike, NaiveDate};

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::lifecycle::discrepancy::check_declarations;
use crate::lifecycle::{Discrepancy, StatusInput, StatusParams, StatusTable, area_statuses};
use crate::model::{Area, Declaration, KIND_COUNT, Report, Target};
use crate::store::ReportFilter;
use crate::timestep::TimeStep;

/// Everything the programme views need, for one dataset version.
pub struct Programme {
    pub areas: Vec<Area>,
    pub reports: Vec<Report>,
    pub declarations: Vec<Declaration>,
    pub targets: Vec<Target>,
    /// Statuses from the month of the first report to the later of the last report and today.
    pub table: StatusTable,
    /// Every declaration with the computed status beside it.
    pub checks: Vec<Discrepancy>,
    /// Area id → index into `areas` / `table.areas`.
    pub index: HashMap<String, usize>,
}

impl Programme {
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
}

fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// The programme of the current dataset version (computed on first use).
pub async fn programme(state: &AppState) -> ApiResult<Arc<Programme>> {
    let version = state.dataset_version().await?;
    if let Some(p) = state.programme_cached(version) {
        return Ok(p);
    }
    let areas = state.store.areas(None).await?;
    let reports = state.store.reports(&ReportFilter::default()).await?;
    let declarations = state.store.declarations().await?;
    let targets = state.store.targets().await?;
    let p = tokio::task::spawn_blocking(move || -> ApiResult<Programme> {
        let first = reports
            .iter()
            .map(|r| r.observed_at.date())
            .min()
            .unwrap_or_else(today);
        let last_report = reports
            .iter()
            .map(|r| r.observed_at.date())
            .max()
            .unwrap_or(first);
        let last = last_report.max(today()).max(first);
        let table = area_statuses(
            &StatusInput {
                areas: &areas,
                reports: &reports,
                registrations: &[],
                significant: &[],
            },
            first,
            last,
            &StatusParams::default(),
        )
        .map_err(|e| ApiError::Internal(e.to_string()))?;
        let checks = check_declarations(&table, &reports, &declarations);
        let index = areas
            .iter()
            .enumerate()
            .map(|(i, a)| (a.id.clone(), i))
            .collect();
        Ok(Programme {
            areas,
            reports,
            declarations,
            targets,
            table,
            checks,
            index,
        })
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let p = Arc::new(p);
    state.set_programme(version, p.clone());
    Ok(p)
}

/// `YYYY-MM` of a month's first day.
pub fn month_label(m: NaiveDate) -> String {
    format!("{:04}-{:02}", m.year(), m.month())
}
