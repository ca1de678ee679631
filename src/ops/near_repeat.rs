//! The near-repeat job: reports → positions and local times → Knox test with Monte Carlo
//! bands.
use crate::analysis::AnalysisError;
use crate::analysis::near_repeat::{KnoxParams, NearRepeat, near_repeat};
use crate::model::{Report, coords};

/// Runs the Knox test on `reports`. Times are local civil times counted in seconds (a
/// date-only `observed_at` is local midnight), so gaps are local-clock gaps.
pub fn knox(reports: &[Report], params: &KnoxParams) -> Result<NearRepeat, AnalysisError> {
    let points = coords(reports);
    let times: Vec<i64> = reports
        .iter()
        .map(|r| r.observed_at.and_utc().timestamp())
        .collect();
    near_repeat(&points, &times, params)
}
