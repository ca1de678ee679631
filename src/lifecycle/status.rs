//! The monthly area-status state machine.
//!
//! # Rules (evaluated for every area and every month `m`, in this order)
//!
//! Let `hot(m)` be the number of the area's reports (its own and its descendants') observed in
//! the `hotspot_window` months ending with `m`, and `recent(m)` the number in the
//! `clean_window` months ending with `m`.
//!
//! 1. **`hotspot`** if `hot(m) ≥ hotspot_threshold`, or the area polygon intersects a
//!    [`SignificantHotspot`] whose period covers `m`.
//! 2. Otherwise, if `recent(m) = 0`, the area is drug-free by the data:
//!    **`kept_clean`** when the area had reports at some point before (so it has been
//!    hotspot, cleaning or relapsed) and `m` is at least the `kept_clean_months`-th
//!    consecutive drug-free month (with the defaults the 12th clean month is the first
//!    `kept_clean` one); **`clean`** otherwise. An area with no reports ever is `clean`.
//! 3. Otherwise (reports present but fewer than the threshold):
//!    - **`cleaning`** if the area is registered for cleaning in month `m`;
//!    - **`relapsed`** if the previous month was `clean` or `kept_clean` and the area had
//!      reports before (reports *again*), or the previous month was already `relapsed` — it
//!      stays `relapsed` until rule 1, rule 2 or a registration makes it `hotspot`, `clean`
//!      / `kept_clean` or `cleaning`;
//!    - **`cleaning`** otherwise (after `hotspot` or `cleaning`, or a first report ever):
//!      activity has fallen below the hotspot threshold.
//!
//! Registration therefore never overrides the data for `hotspot` or `clean`: it only
//! tells "being cleaned" apart from "relapsed". A falling trend is what rule 3 sees as a
//! hotspot drops below the threshold; no separate trend test is applied.
//!
//! History before the first reported month is taken into account: the machine starts at the
//! earlier of the first requested month and the earliest report, so `since` can lie before
//! the requested range. Reports after the last requested month are ignored.
//!
//! The deciding reports of a month are those of the window that decided it: the
//! `hotspot_window` for `hotspot`, the `clean_window` for `cleaning` / `relapsed`; none for
//! `clean` / `kept_clean` (absence of reports decides).

use super::LifecycleError;
use super::assign::assign_reports;
use crate::model::{Area, AreaLevel, AreaStatus, Report};
use crate::timestep::TimeStep;
use chrono::{Datelike, NaiveDate};
use geo::{BoundingRect, Intersects, MultiPolygon};
use rayon::prelude::*;
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Thresholds of the status rules; all are whole months or report counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusParams {
    /// Reports in the trailing `hotspot_window` that make a hotspot (default 3).
    pub hotspot_threshold: u32,
    /// Months of the hotspot window, current month included (default 3).
    pub hotspot_window: u32,
    /// Months without any report that make an area clean (default 6).
    pub clean_window: u32,
    /// Consecutive clean months after activity that make an area kept clean (default 12).
    pub kept_clean_months: u32,
}

impl Default for StatusParams {
    fn default() -> Self {
        StatusParams {
            hotspot_threshold: 3,
            hotspot_window: 3,
            clean_window: 6,
            kept_clean_months: 12,
        }
    }
}

impl StatusParams {
    /// Every parameter must be at least 1.
    pub fn validate(&self) -> Result<(), LifecycleError> {
        for (name, v) in [
            ("hotspot_threshold", self.hotspot_threshold),
            ("hotspot_window", self.hotspot_window),
            ("clean_window", self.clean_window),
            ("kept_clean_months", self.kept_clean_months),
        ] {
            if v == 0 {
                return Err(LifecycleError::Parameter {
                    name,
                    expected: "at least 1",
                    value: v.to_string(),
                });
            }
        }
        Ok(())
    }
}

/// An area registered for cleaning (làm sạch) from `from` to `to`, both inclusive (months
/// touched by the period count).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CleaningRegistration {
    pub area_id: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// A significant hotspot (DBSCAN cluster or hot cells) active from `from` to `to`; every area
/// its polygon intersects is a hotspot in the months touched by the period.
#[derive(Debug, Clone, PartialEq)]
pub struct SignificantHotspot {
    pub polygon: MultiPolygon<f64>,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// What the status machine reads.
#[derive(Debug, Clone, Copy)]
pub struct StatusInput<'a> {
    pub areas: &'a [Area],
    pub reports: &'a [Report],
    pub registrations: &'a [CleaningRegistration],
    pub significant: &'a [SignificantHotspot],
}

/// One area in one month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MonthStatus {
    /// First day of the month.
    pub month: NaiveDate,
    pub status: AreaStatus,
    /// First month of the current unbroken run of `status`.
    pub since: NaiveDate,
    /// Reports in the trailing clean window (the activity the planner sees).
    pub window_reports: u32,
    /// Indices into the input reports that decided `status` (see the module rules).
    pub deciding: Vec<u32>,
}

/// The statuses of one area, one per requested month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AreaTimeline {
    pub area_id: String,
    pub level: AreaLevel,
    pub months: Vec<MonthStatus>,
}

impl AreaTimeline {
    /// The status in the month containing `date`, if that month was computed.
    pub fn at(&self, date: NaiveDate) -> Option<&MonthStatus> {
        let m = TimeStep::Month.floor(date);
        self.months
            .binary_search_by_key(&m, |s| s.month)
            .ok()
            .map(|i| &self.months[i])
    }

    /// The last computed month.
    pub fn latest(&self) -> Option<&MonthStatus> {
        self.months.last()
    }
}

/// Statuses of every area (input order) for every requested month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusTable {
    pub months: Vec<NaiveDate>,
    pub areas: Vec<AreaTimeline>,
    /// Per area (input order): ascending indices of its reports, descendants included.
    pub assigned: Vec<Vec<u32>>,
}

impl StatusTable {
    pub fn area(&self, id: &str) -> Option<&AreaTimeline> {
        self.areas.iter().find(|a| a.area_id == id)
    }

    /// Number of areas (of `level`, or all) per status per month, indexed by
    /// [`AreaStatus::index`].
    pub fn counts_per_status(&self, level: Option<AreaLevel>) -> Vec<[u32; 5]> {
        let mut out = vec![[0u32; 5]; self.months.len()];
        for a in self
            .areas
            .iter()
            .filter(|a| level.is_none_or(|l| l == a.level))
        {
            for (i, s) in a.months.iter().enumerate() {
                out[i][s.status.index()] += 1;
            }
        }
        out
    }
}

fn month_no(d: NaiveDate) -> i64 {
    d.year() as i64 * 12 + d.month0() as i64
}

/// Computes every area's status for every month from the month of `first` to the month of
/// `last` (see the module documentation for the rules).
pub fn area_statuses(
    input: &StatusInput<'_>,
    first: NaiveDate,
    last: NaiveDate,
    params: &StatusParams,
) -> Result<StatusTable, LifecycleError> {
    params.validate()?;
    if last < first {
        return Err(LifecycleError::Parameter {
            name: "last",
            expected: "on or after first",
            value: format!("{last} < {first}"),
        });
    }
    let months = TimeStep::Month.range(first, last);
    let assigned = assign_reports(input.areas, input.reports);
    let report_month: Vec<i64> = input
        .reports
        .iter()
        .map(|r| month_no(r.observed_at.date()))
        .collect();
    let first_no = month_no(first);
    let last_no = month_no(last);

    let mut regs: HashMap<&str, Vec<(i64, i64)>> = HashMap::new();
    for r in input.registrations {
        regs.entry(r.area_id.as_str())
            .or_default()
            .push((month_no(r.from), month_no(r.to)));
    }
    let sig_tree = RTree::bulk_load(
        input
            .significant
            .iter()
            .enumerate()
            .filter_map(|(i, h)| {
                let r = h.polygon.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect(),
    );

    let areas = input
        .areas
        .par_iter()
        .zip(assigned.par_iter())
        .map(|(area, idx)| {
            let mut flags: Vec<(i64, i64)> = Vec::new();
            if let Some(r) = area.geometry.bounding_rect() {
                let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
                for c in sig_tree.locate_in_envelope_intersecting(&env) {
                    let h = &input.significant[c.data];
                    if h.polygon.intersects(&area.geometry) {
                        flags.push((month_no(h.from), month_no(h.to)));
                    }
                }
            }
            let reg = regs.get(area.id.as_str()).map_or(&[][..], Vec::as_slice);
            let mut by_month: Vec<(i64, u32)> = idx
                .iter()
                .map(|&i| (report_month[i as usize], i))
                .filter(|&(m, _)| m <= last_no)
                .collect();
            by_month.sort_unstable();
            AreaTimeline {
                area_id: area.id.clone(),
                level: area.level,
                months: run_machine(&by_month, reg, &flags, first_no, last_no, params),
            }
        })
        .collect();
    Ok(StatusTable {
        months,
        areas,
        assigned,
    })
}

fn from_no(m: i64) -> NaiveDate {
    NaiveDate::from_ymd_opt(m.div_euclid(12) as i32, m.rem_euclid(12) as u32 + 1, 1)
        .expect("month in range")
}

/// Runs the rules over one area. `by_month` holds (month number, report index), sorted.
fn run_machine(
    by_month: &[(i64, u32)],
    registered: &[(i64, i64)],
    flagged: &[(i64, i64)],
    first_no: i64,
    last_no: i64,
    p: &StatusParams,
) -> Vec<MonthStatus> {
    let base = by_month.first().map_or(first_no, |&(m, _)| m.min(first_no));
    let n = (last_no - base + 1) as usize;
    // prefix[i] = reports in months base..base+i (exclusive of i).
    let mut prefix = vec![0u32; n + 1];
    for &(m, _) in by_month {
        prefix[(m - base) as usize + 1] += 1;
    }
    for i in 0..n {
        prefix[i + 1] += prefix[i];
    }
    let window = |i: usize, w: u32| prefix[i + 1] - prefix[(i + 1).saturating_sub(w as usize)];
    let reports_in = |from_i: usize, to_i: usize| -> Vec<u32> {
        let (a, b) = (base + from_i as i64, base + to_i as i64);
        let lo = by_month.partition_point(|&(m, _)| m < a);
        let hi = by_month.partition_point(|&(m, _)| m <= b);
        let mut v: Vec<u32> = by_month[lo..hi].iter().map(|&(_, r)| r).collect();
        v.sort_unstable();
        v
    };
    let covers = |spans: &[(i64, i64)], m: i64| spans.iter().any(|&(a, b)| a <= m && m <= b);

    let mut out = Vec::with_capacity((last_no - first_no + 1) as usize);
    let mut prev: Option<AreaStatus> = None;
    let mut since = base;
    let mut clean_run = 0u32;
    for (i, &before) in prefix[..n].iter().enumerate() {
        let m = base + i as i64;
        let hot = window(i, p.hotspot_window);
        let recent = window(i, p.clean_window);
        let had_before = before > 0;
        let status = if hot >= p.hotspot_threshold || covers(flagged, m) {
            AreaStatus::Hotspot
        } else if recent == 0 {
            if had_before && clean_run + 1 >= p.kept_clean_months {
                AreaStatus::KeptClean
            } else {
                AreaStatus::Clean
            }
        } else if covers(registered, m) {
            AreaStatus::Cleaning
        } else {
            match prev {
                Some(AreaStatus::Clean | AreaStatus::KeptClean) if had_before => {
                    AreaStatus::Relapsed
                }
                Some(AreaStatus::Relapsed) => AreaStatus::Relapsed,
                _ => AreaStatus::Cleaning,
            }
        };
        clean_run = if status.is_drug_free() {
            clean_run + 1
        } else {
            0
        };
        // kept_clean continues a clean run: the run of "drug-free" began when it became clean,
        // but `since` reports the start of the current *status*.
        if prev != Some(status) {
            since = m;
        }
        prev = Some(status);
        if m >= first_no {
            let deciding = match status {
                AreaStatus::Hotspot => {
                    reports_in((i + 1).saturating_sub(p.hotspot_window as usize), i)
                }
                AreaStatus::Cleaning | AreaStatus::Relapsed => {
                    reports_in((i + 1).saturating_sub(p.clean_window as usize), i)
                }
                AreaStatus::Clean | AreaStatus::KeptClean => Vec::new(),
            };
            out.push(MonthStatus {
                month: from_no(m),
                status,
                since: from_no(since),
                window_reports: recent,
                deciding,
            });
        }
    }
    out
}
