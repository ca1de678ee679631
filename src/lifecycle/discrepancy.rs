//! Declared statuses beside computed ones, and the declared-clean areas the data contradicts.
//!
//! A declaration holds from its `declared_at` until the next declaration of the same area
//! (or the end of the computed months). A declaration of `clean` or `kept_clean` is
//! **contradicted** when, within that period,
//! - the computed status of some month (from the declaration's month on) is `hotspot`,
//!   `cleaning` or `relapsed` — this includes the declaration month itself, so declaring an
//!   area clean while it had reports in the trailing clean window is flagged; or
//! - the area has any report observed after `declared_at` (up to the last computed month).
//!
//! The contradicting reports are the deciding reports of those months plus the reports after
//! `declared_at`, as ascending indices into the input reports.

use super::status::StatusTable;
use crate::model::{AreaStatus, Declaration, Report};
use crate::timestep::TimeStep;
use chrono::{Days, NaiveDate};
use serde::Serialize;

/// One declaration with the computed status beside it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Discrepancy {
    pub area_id: String,
    pub declared: AreaStatus,
    pub declared_at: NaiveDate,
    pub declared_by: String,
    /// Computed status in the declaration's month (`None` outside the computed months).
    pub computed_at_declaration: Option<AreaStatus>,
    /// Computed status in the last month the declaration holds.
    pub computed_latest: Option<AreaStatus>,
    /// First month the declaration holds in which the area was not drug-free.
    pub first_contradicted: Option<NaiveDate>,
    /// True when the data contradicts a declared `clean` / `kept_clean`.
    pub contradicted: bool,
    /// Ascending indices into the reports that contradict the declaration.
    pub contradicting_reports: Vec<u32>,
}

/// Every declaration (input order) with the computed statuses beside it; declarations of
/// areas missing from `table` are skipped.
pub fn check_declarations(
    table: &StatusTable,
    reports: &[Report],
    declarations: &[Declaration],
) -> Vec<Discrepancy> {
    let Some(&last_month) = table.months.last() else {
        return Vec::new();
    };
    let table_end = TimeStep::Month.nth(last_month, 1);
    declarations
        .iter()
        .filter_map(|d| {
            let ai = table.areas.iter().position(|a| a.area_id == d.area_id)?;
            let tl = &table.areas[ai];
            // The next declaration of the same area ends this one's period.
            let until = declarations
                .iter()
                .filter(|o| o.area_id == d.area_id && o.declared_at > d.declared_at)
                .map(|o| o.declared_at)
                .min()
                .unwrap_or(table_end)
                .min(table_end);
            let start_month = TimeStep::Month.floor(d.declared_at);
            let period: Vec<_> = tl
                .months
                .iter()
                .filter(|s| s.month >= start_month && s.month < until)
                .collect();
            let mut contradicting = Vec::new();
            let mut first_contradicted = None;
            let claims_clean = d.status.is_drug_free();
            if claims_clean {
                for s in &period {
                    if !s.status.is_drug_free() {
                        first_contradicted.get_or_insert(s.month);
                        contradicting.extend_from_slice(&s.deciding);
                    }
                }
                let after = d
                    .declared_at
                    .checked_add_days(Days::new(1))
                    .unwrap_or(d.declared_at);
                for &ri in &table.assigned[ai] {
                    let t = reports[ri as usize].observed_at.date();
                    if t >= after && t < until {
                        contradicting.push(ri);
                        first_contradicted = first_contradicted
                            .map(|f: NaiveDate| f.min(TimeStep::Month.floor(t)))
                            .or(Some(TimeStep::Month.floor(t)));
                    }
                }
                contradicting.sort_unstable();
                contradicting.dedup();
            }
            Some(Discrepancy {
                area_id: d.area_id.clone(),
                declared: d.status,
                declared_at: d.declared_at,
                declared_by: d.declared_by.clone(),
                computed_at_declaration: tl.at(d.declared_at).map(|s| s.status),
                computed_latest: period.last().map(|s| s.status),
                first_contradicted,
                contradicted: claims_clean
                    && (first_contradicted.is_some() || !contradicting.is_empty()),
                contradicting_reports: contradicting,
            })
        })
        .collect()
}

/// Only the contradicted declarations (see [`check_declarations`]).
pub fn discrepancies(
    table: &StatusTable,
    reports: &[Report],
    declarations: &[Declaration],
) -> Vec<Discrepancy> {
    check_declarations(table, reports, declarations)
        .into_iter()
        .filter(|d| d.contradicted)
        .collect()
}
