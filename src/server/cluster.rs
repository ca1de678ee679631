//! Running several `hotspot serve` instances over one PostGIS (ARCHITECTURE.md, "Running more
//! than one server"): the dataset-change listener that keeps every instance's caches fresh,
//! and the WAL positions that let a client read its own writes through any instance.
//!
//! A successful write answers `Hotspot-Lsn: X/Y`, the primary's WAL position once it
//! committed. A client that sends it back as `Hotspot-Min-Lsn` (to this or any other
//! instance) is answered from data at least that new: the instance forgets its dataset version
//! and its standby reads wait for replay up to that position (or go to the primary).

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use crate::store::postgis::listen;
use crate::store::postgis::routed::{RouteStats, format_lsn, parse_lsn};

/// Response header of writes: the primary's WAL position after the write.
pub const LSN_HEADER: &str = "hotspot-lsn";
/// Request header: answer from data at least as new as this WAL position.
pub const MIN_LSN_HEADER: &str = "hotspot-min-lsn";

impl AppState {
    /// Starts the task that listens for dataset changes (PostGIS servers made with
    /// [`AppState::pushed`]); `None` for polled servers. The task runs until aborted.
    pub fn spawn_change_listener(&self) -> Option<tokio::task::JoinHandle<()>> {
        let routed = self.routed.clone()?;
        let sink: std::sync::Arc<dyn listen::VersionSink> = self.version.clone();
        let primary = routed.primary().clone();
        let standby = routed.has_replica().then_some(routed);
        Some(tokio::spawn(listen::run(primary, standby, sink)))
    }

    /// Whether the dataset-change listener is connected (always `false` for polled servers).
    pub fn change_listener_connected(&self) -> bool {
        self.version.is_pushed() && self.version.is_listening()
    }

    /// Reads answered by the standby and reads that fell back to the primary.
    pub fn route_stats(&self) -> Option<RouteStats> {
        self.routed.as_ref().map(|r| r.stats())
    }
}

/// Middleware: honours `Hotspot-Min-Lsn`, adds `Hotspot-Lsn` to successful writes.
pub async fn wal_positions(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(routed) = state.routed.clone() else {
        return next.run(req).await;
    };
    if let Some(raw) = req.headers().get(MIN_LSN_HEADER) {
        let Some(lsn) = raw.to_str().ok().and_then(parse_lsn) else {
            return ApiError::BadRequest(format!(
                "header {MIN_LSN_HEADER}: expected a WAL position such as 0/16B3748"
            ))
            .into_response();
        };
        if lsn > routed.required_lsn() {
            // Only positions the primary has reached: a made-up one would send every read
            // to the primary forever.
            match routed.primary_lsn().await {
                Ok(now) if lsn <= now => {
                    if routed.require(lsn) {
                        state.version.invalidate();
                    }
                }
                Ok(_) => {
                    return ApiError::BadRequest(format!(
                        "header {MIN_LSN_HEADER}: position is ahead of the primary"
                    ))
                    .into_response();
                }
                Err(e) => return ApiError::from(e).into_response(),
            }
        }
    }
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let mut resp = next.run(req).await;
    if write
        && resp.status().is_success()
        && let Ok(v) = HeaderValue::from_str(&format_lsn(routed.required_lsn()))
    {
        resp.headers_mut().insert(LSN_HEADER, v);
    }
    resp
}
