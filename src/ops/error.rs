//! The one error type of the pipelines. Front ends map it: bad parameters and unknown
//! names are the caller's mistake (CLI exit 2, HTTP 400/404/422), store errors keep their own
//! mapping.

use crate::analysis::AnalysisError;
use crate::lifecycle::LifecycleError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum OpsError {
    /// A parameter outside its range; `name` is the parameter as the user wrote it
    /// (`res`, `--from`, …) without leading dashes.
    #[error("{name}: {message}")]
    Parameter { name: &'static str, message: String },
    /// An area, hotspot or other named thing that does not exist.
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Lifecycle(#[from] LifecycleError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("writing the output: {0}")]
    Io(#[from] std::io::Error),
    #[error("chart: {0}")]
    Chart(#[from] crate::render::charts::ChartError),
    #[error("briefing: {0}")]
    Briefing(#[from] crate::render::briefing::BriefingError),
    /// Encoding a layer file (GeoPackage, FlatGeobuf, …) failed.
    #[error("writing the file: {0}")]
    Format(#[from] crate::render::format::FormatError),
}

impl OpsError {
    pub fn param(name: &'static str, message: impl Into<String>) -> Self {
        OpsError::Parameter {
            name,
            message: message.into(),
        }
    }

    /// Whether the caller can fix this by changing the request (bad input, not a failure).
    pub fn is_bad_input(&self) -> bool {
        matches!(
            self,
            OpsError::Parameter { .. }
                | OpsError::NotFound(_)
                | OpsError::Analysis(AnalysisError::Parameter { .. })
                | OpsError::Lifecycle(_)
        )
    }
}

pub type OpsResult<T> = Result<T, OpsError>;
