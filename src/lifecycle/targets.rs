//! Programme targets: the share of an area's `level` descendants that are drug-free.
//!
//! # Rules
//! - Children of a target are all areas of the target's `level` whose parent chain reaches
//!   the target's area (a city target over communes counts communes through districts).
//! - A child is drug-free when its computed status is `clean` or `kept_clean` in the
//!   **evaluation month**: the month of the due date, or of `today` if that is earlier
//!   (capped to the last computed month).
//! - `met` when the share is at least the target share (1e-9 tolerance).
//! - **`behind`** when the due date has passed and the target is not met, or when the due
//!   date is still ahead and the share is below the **linear pace**: the straight line from
//!   the share in the first computed month (at its first day) to the target share at the due
//!   date, read at the evaluation month's first day. **`on_track`** otherwise.
//! - With no children, the share is 0 and the target is behind unless its share is 0.

use super::status::StatusTable;
use crate::model::{Area, AreaLevel, AreaStatus, Target};
use crate::timestep::TimeStep;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

const EPS: f64 = 1e-9;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetState {
    OnTrack,
    Behind,
}

impl TargetState {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetState::OnTrack => "on_track",
            TargetState::Behind => "behind",
        }
    }
}

/// Where one target stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetProgress {
    pub target: Target,
    /// First day of the month the shares were read in.
    pub evaluated_month: NaiveDate,
    pub due_passed: bool,
    pub children: usize,
    pub drug_free: usize,
    /// `drug_free / children` (0 with no children).
    pub actual_share: f64,
    /// The share the linear pace asks for at `evaluated_month` (the target share once due).
    pub expected_share: f64,
    pub met: bool,
    pub state: TargetState,
    /// Children not drug-free in the evaluation month, with their status, by id.
    pub not_clean: Vec<(String, AreaStatus)>,
}

/// Progress of every target (input order) as of `today`.
pub fn target_progress(
    table: &StatusTable,
    areas: &[Area],
    targets: &[Target],
    today: NaiveDate,
) -> Vec<TargetProgress> {
    let timeline: HashMap<&str, usize> = table
        .areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.area_id.as_str(), i))
        .collect();
    let (Some(&first_month), Some(&last_month)) = (table.months.first(), table.months.last())
    else {
        return Vec::new();
    };
    let status_at = |id: &str, month: NaiveDate| -> AreaStatus {
        timeline
            .get(id)
            .and_then(|&i| table.areas[i].at(month))
            .map_or(AreaStatus::Clean, |s| s.status)
    };

    targets
        .iter()
        .map(|t| {
            let children = descendants_at(areas, &t.area_id, t.level);
            let due_passed = t.due < today;
            let eval = TimeStep::Month
                .floor(t.due.min(today))
                .clamp(first_month, last_month);
            let share_at = |m: NaiveDate| {
                let free = children
                    .iter()
                    .filter(|c| status_at(&c.id, m).is_drug_free())
                    .count();
                (free, ratio(free, children.len()))
            };
            let (drug_free, actual) = share_at(eval);
            let expected = if due_passed || t.due <= first_month {
                t.share
            } else {
                let (_, base) = share_at(first_month);
                let span = (t.due - first_month).num_days() as f64;
                let done = (eval - first_month).num_days() as f64;
                base + (t.share - base) * (done / span).clamp(0.0, 1.0)
            };
            let met = actual + EPS >= t.share;
            let state = if met || (!due_passed && actual + EPS >= expected) {
                TargetState::OnTrack
            } else {
                TargetState::Behind
            };
            let not_clean = children
                .iter()
                .map(|c| (c.id.clone(), status_at(&c.id, eval)))
                .filter(|(_, s)| !s.is_drug_free())
                .collect();
            TargetProgress {
                target: t.clone(),
                evaluated_month: eval,
                due_passed,
                children: children.len(),
                drug_free,
                actual_share: actual,
                expected_share: expected,
                met,
                state,
                not_clean,
            }
        })
        .collect()
}

/// Areas of `level` whose parent chain reaches `root`, sorted by id.
pub fn descendants_at<'a>(areas: &'a [Area], root: &str, level: AreaLevel) -> Vec<&'a Area> {
    let by_id: HashMap<&str, &Area> = areas.iter().map(|a| (a.id.as_str(), a)).collect();
    let descends = |a: &Area| {
        let mut at = a.parent_id.as_deref();
        let mut steps = 0;
        while let Some(p) = at {
            if p == root {
                return true;
            }
            steps += 1;
            if steps > areas.len() {
                return false;
            }
            at = by_id.get(p).and_then(|x| x.parent_id.as_deref());
        }
        false
    };
    let mut v: Vec<&Area> = areas
        .iter()
        .filter(|a| a.level == level && descends(a))
        .collect();
    v.sort_by(|a, b| a.id.cmp(&b.id));
    v
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}
