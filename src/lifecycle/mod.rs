//! Area status over time ("cleaned and kept clean"), declared-vs-computed discrepancies,
//! programme targets and "6 clears" action-plan checks.
//!
//! Everything here is pure: plain slices in, plain structs out. The CLI, the server and the
//! charts call these functions with what the store returned.
//!
//! - [`assign`]: reports → areas by point-in-polygon (R-tree over area envelopes), parents
//!   aggregate their descendants;
//! - [`status`]: the monthly status state machine (rules documented there);
//! - [`discrepancy`]: declared clean areas that the data contradicts;
//! - [`targets`]: share of child areas drug-free against programme targets;
//! - [`plans`]: action-plan validation, overdue plans, hotspots without a plan;
//! - [`dashboard`]: the rows of all of the above that belong to one area and month.

pub mod assign;
pub mod dashboard;
pub mod discrepancy;
pub mod plans;
pub mod status;
pub mod targets;

pub use assign::assign_reports;
pub use discrepancy::{Discrepancy, discrepancies};
pub use plans::{PlanProblem, hotspots_without_plan, overdue, validate_plan};
pub use status::{
    AreaTimeline, CleaningRegistration, MonthStatus, SignificantHotspot, StatusInput, StatusParams,
    StatusTable, area_statuses,
};
pub use targets::{TargetProgress, TargetState, descendants_at, target_progress};

/// Errors of the lifecycle layer (bad parameters or inconsistent inputs).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LifecycleError {
    #[error("{name} must be {expected}, got {value}")]
    Parameter {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error("area {0:?} not found")]
    UnknownArea(String),
}
