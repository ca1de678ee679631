//! Area statuses, declarations-vs-data discrepancies and programme targets for the API
//! (`/api/layers/areas`, `/api/areas/{id}/timeline`, `/api/progress`), computed once per dataset
//! version with [`crate::lifecycle`] and shared by every request.

use std::sync::Arc;

use super::AppState;
use super::error::{ApiError, ApiResult};
use crate::lifecycle::StatusParams;
use crate::ops::programme::Dataset;
pub use crate::ops::programme::{Programme, month_label};

/// The programme of the current dataset version (computed on first use).
pub async fn programme(state: &AppState) -> ApiResult<Arc<Programme>> {
    let version = state.dataset_version().await?;
    if let Some(p) = state.programme_cached(version) {
        return Ok(p);
    }
    let data = Dataset::load(state.store.as_ref()).await?;
    let clock = state.config.clock;
    let p = tokio::task::spawn_blocking(move || {
        Programme::current(data, &clock, &StatusParams::default())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))??;
    let p = Arc::new(p);
    state.set_programme(version, p.clone());
    Ok(p)
}
