//! Area statuses, declarations-vs-data discrepancies and programme targets for the API
//! (`/api/layers/areas`, `/api/areas/{id}/timeline`, `/api/progress`), computed once per dataset
//! version with [`crate::lifecycle`] and shared by every request.
//!
//! Viewers get a programme computed from the generalised reports (each at its res-9 cell's
//! centre, at the start of its month; `ops::disclosure::generalise`): a status says whether
//! an area held reports, and area polygons are fixed, so with exact positions a small area
//! (or a ward minus its groups) around a single report would locate it far more finely than
//! a cell (ARCHITECTURE.md, "Disclosure model").

use std::sync::Arc;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::lifecycle::StatusParams;
use crate::ops::programme::Dataset;
pub use crate::ops::programme::{Programme, month_label};
use crate::store::Role;

/// The programme of the current dataset version as `role` may see it (computed on first use).
pub async fn programme(state: &AppState, role: Role) -> ApiResult<Arc<Programme>> {
    let viewer = role == Role::Viewer;
    let version = state.dataset_version().await?;
    if let Some(p) = state.programme_cached(version, viewer) {
        return Ok(p);
    }
    let mut data = Dataset::load(state.store.as_ref()).await?;
    let clock = state.config.clock;
    let p = tokio::task::spawn_blocking(move || {
        if viewer {
            data.reports = crate::ops::disclosure::generalise(&data.reports);
        }
        Programme::current(data, &clock, &StatusParams::default())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let p = Arc::new(p);
    state.set_programme(version, viewer, p.clone());
    Ok(p)
}
