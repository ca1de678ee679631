//! Pure analysis kernels over slices: no files, no database, no HTTP.
//!
//! Every function here is deterministic (parallel work with rayon must give the same result
//! as a single thread) and partition-friendly, so batch runs can later be split by H3 parent
//! cell with a halo and merged.

pub mod cancel;
pub mod dbscan;
pub mod displacement;
pub mod emerging;
pub mod evaluate;
pub mod fdr;
pub mod gistar;
pub mod glm;
pub mod hexgrid;
pub mod hotspots;
pub mod hull;
pub mod kde;
pub mod mann_kendall;
pub mod moran;
pub mod near_repeat;
pub mod period;
pub mod proximity;
pub mod risk;
pub mod tracking;

/// Invalid analysis parameters (inputs are validated at the edges; these are the knobs).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AnalysisError {
    #[error("{name} must be {expected}, got {value}")]
    Parameter {
        name: &'static str,
        expected: &'static str,
        value: String,
    },
    #[error("H3: {0}")]
    H3(String),
}
