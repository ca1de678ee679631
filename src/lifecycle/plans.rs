//! "6 clears" (6 rõ) action plans: input validation, overdue plans, hotspots without a plan.

use crate::model::PlanInput;
use crate::model::{ActionPlan, PlanState, PlanSubject};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::HashSet;

/// One field of a plan input that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{field}: {message}")]
pub struct PlanProblem {
    pub field: &'static str,
    pub message: String,
}

/// Checks the six clears and the subject: every text field non-blank, the subject id
/// non-blank, and the deadline a plausible date (years 2000–2100). With `today`, a new open
/// plan's deadline must not lie in the past (pass `None` when updating old plans). Returns
/// every problem, not only the first.
///
/// ```
/// use hotspot::lifecycle::validate_plan;
/// use hotspot::model::{PlanState, PlanSubject};
/// use hotspot::store::PlanInput;
/// let d = |s: &str| s.parse().unwrap();
/// let mut p = PlanInput {
///     subject: PlanSubject::Hotspot("H-000001".into()),
///     responsible_person: "Nguyễn Văn A".into(), task: "Tuần tra".into(),
///     responsible_unit: "Công an phường".into(), deadline: d("2026-12-31"),
///     expected_result: "Không còn điểm bán".into(), approving_authority: "UBND phường".into(),
///     state: PlanState::Open,
/// };
/// assert!(validate_plan(&p, Some(d("2026-11-01"))).is_ok());
/// p.task = "  ".into();
/// let problems = validate_plan(&p, Some(d("2027-01-01"))).unwrap_err();
/// assert_eq!(problems.iter().map(|p| p.field).collect::<Vec<_>>(), ["task", "deadline"]);
/// ```
pub fn validate_plan(plan: &PlanInput, today: Option<NaiveDate>) -> Result<(), Vec<PlanProblem>> {
    let mut problems = Vec::new();
    let subject_id = match &plan.subject {
        PlanSubject::Hotspot(id) | PlanSubject::Area(id) => id,
    };
    if subject_id.trim().is_empty() {
        problems.push(PlanProblem {
            field: "subject_id",
            message: "must not be empty".into(),
        });
    }
    for (field, value) in [
        ("responsible_person", &plan.responsible_person),
        ("task", &plan.task),
        ("responsible_unit", &plan.responsible_unit),
        ("expected_result", &plan.expected_result),
        ("approving_authority", &plan.approving_authority),
    ] {
        if value.trim().is_empty() {
            problems.push(PlanProblem {
                field,
                message: "must not be empty (each of the 6 clears is required)".into(),
            });
        }
    }
    let y = plan.deadline.year();
    if !(2000..=2100).contains(&y) {
        problems.push(PlanProblem {
            field: "deadline",
            message: format!("{} is not a plausible deadline", plan.deadline),
        });
    } else if let Some(today) = today
        && plan.state == PlanState::Open
        && plan.deadline < today
    {
        problems.push(PlanProblem {
            field: "deadline",
            message: format!("{} is before today ({today})", plan.deadline),
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Open plans whose deadline is before `today`, by deadline then id.
pub fn overdue(plans: &[ActionPlan], today: NaiveDate) -> Vec<&ActionPlan> {
    let mut v: Vec<&ActionPlan> = plans
        .iter()
        .filter(|p| p.input.state == PlanState::Open && p.input.deadline < today)
        .collect();
    v.sort_by_key(|p| (p.input.deadline, p.id));
    v
}

/// Hotspot ids (input order, deduplicated) that no plan, open or done, is attached to.
pub fn hotspots_without_plan<'a>(hotspot_ids: &'a [String], plans: &[ActionPlan]) -> Vec<&'a str> {
    let planned: HashSet<&str> = plans
        .iter()
        .filter_map(|p| match &p.input.subject {
            PlanSubject::Hotspot(id) => Some(id.as_str()),
            PlanSubject::Area(_) => None,
        })
        .collect();
    let mut seen = HashSet::new();
    hotspot_ids
        .iter()
        .map(String::as_str)
        .filter(|id| !planned.contains(id) && seen.insert(*id))
        .collect()
}
