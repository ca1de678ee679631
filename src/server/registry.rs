//! The tracked-hotspot registry stays current for every request, not only for the canonical
//! one (all reports, default DBSCAN parameters), which alone updates it.
//!
//! The map always asks for hotspots with a time range, so on a fresh server the registry was
//! never filled: every hotspot came back without its `H-…` id and without its "6 clears" plan,
//! and that answer was cached for viewers too. Before a filtered hotspots request is answered,
//! [`ensure_registry`] computes the canonical layer of the current dataset version once (it is
//! cached per version like any layer), which saves the registry the filtered view then reads.

use std::collections::HashMap;

use super::AppState;
use super::error::ApiResult;
use super::layers::{LayerJob, layer};
use super::params::Params;
use crate::store::Role;

/// Makes sure the canonical hotspots layer of the current dataset version has been computed
/// (and with it the registry of tracked hotspot ids saved). Cheap when it has: a cache hit.
pub async fn ensure_registry(state: &AppState) -> ApiResult<()> {
    let mut p = Params::new(HashMap::new());
    let (name, job) = LayerJob::parse("hotspots", &mut p)?;
    // Computed as for an analyst (no viewer threshold): the registry holds every cluster.
    layer(state, name, job, p.canonical(), Role::Analyst).await?;
    Ok(())
}

/// Whether a hotspots request is the canonical view (it updates the registry itself).
pub fn is_canonical_hotspots(job: &LayerJob) -> bool {
    matches!(job, LayerJob::Hotspots { filter, eps_m, min_pts }
        if *filter == crate::store::ReportFilter::default()
            && *eps_m == super::layers::DEFAULT_EPS_M
            && *min_pts == super::layers::DEFAULT_MIN_PTS)
}
