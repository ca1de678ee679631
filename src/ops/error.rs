//! The one error type of the pipelines: what a front end needs to tell "bad input" (an
//! unknown area, an impossible parameter) from a failing store or renderer.

use crate::analysis::AnalysisError;
use crate::lifecycle::LifecycleError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// The area asked for does not exist (CLI exit 2, HTTP 404).
    #[error("area {0:?} not found")]
    UnknownArea(String),
    /// A parameter the caller gave is out of range (CLI exit 2, HTTP 400).
    #[error("{name}: {message}")]
    Parameter { name: &'static str, message: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    /// A document could not be drawn or written.
    #[error("rendering failed: {0}")]
    Render(String),
    #[error("internal error: {0}")]
    Internal(String),
}
