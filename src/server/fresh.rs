//! Which requests may be answered from an older dataset version while the current one
//! computes (bounded staleness; the mechanism is `cache::LayerCache::get_or_refresh`, the
//! contract is in ARCHITECTURE.md, "Running more than one server").
//!
//! The middleware [`allowance`] decides once per request and keeps the decision in a
//! task-local, so the layer code below the handlers reads it with [`min_version`] without it
//! being threaded through every signature. Computations run in the background do not inherit
//! it, and [`strict`] clears it, so a computation never builds on an older answer.
//!
//! - Off when the server's window is 0 (`--stale-secs 0`; the library default).
//! - Off for writes, and for requests that ask for fresh data: `Cache-Control: no-cache` or
//!   `Hotspot-Min-Lsn` (a client that saw a write elsewhere).
//! - Read-your-writes: a caller (its token, or its address when anonymous) who wrote through
//!   this server gets nothing older than the dataset version its write produced.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::Response;

use super::AppState;
use super::cluster::MIN_LSN_HEADER;

/// Response header of computed layers: the dataset version the answer was computed from
/// (older than the current one when the answer is a bounded-stale one).
pub const DATASET_VERSION_HEADER: &str = "hotspot-dataset-version";

tokio::task_local! {
    /// The oldest dataset version this request may be answered from; `None`: only the current.
    static ALLOW: Option<i64>;
}

/// The oldest dataset version the current request may be answered from (`None`: only the
/// current one; also outside a request).
pub fn min_version() -> Option<i64> {
    ALLOW.try_with(|a| *a).ok().flatten()
}

/// Runs `f` as a request that wants the current version only.
pub async fn strict<F: Future>(f: F) -> F::Output {
    ALLOW.scope(None, f).await
}

/// Runs `f` as a request that may be answered from `min_version` on.
pub async fn allowing<F: Future>(min_version: Option<i64>, f: F) -> F::Output {
    ALLOW.scope(min_version, f).await
}

/// The dataset version each recent writer produced.
#[derive(Debug)]
pub struct Writers {
    map: Mutex<HashMap<String, (i64, Instant)>>,
    /// How long a write is remembered: past the staleness window no older answer is served
    /// anyway (it would have been superseded before the write).
    keep: Duration,
}

/// Writers remembered before the oldest are forgotten.
const MAX_WRITERS: usize = 10_000;

impl Writers {
    pub fn new(window: Duration) -> Self {
        Writers {
            map: Mutex::new(HashMap::new()),
            keep: window * 2 + Duration::from_secs(1),
        }
    }

    /// `caller`'s write produced (at least) `version`.
    pub fn wrote(&self, caller: &str, version: i64) {
        let mut m = self.map.lock().expect("writers lock");
        let now = Instant::now();
        if m.len() >= MAX_WRITERS {
            let keep = self.keep;
            m.retain(|_, (_, at)| now.duration_since(*at) < keep);
        }
        let e = m.entry(caller.to_string()).or_insert((version, now));
        *e = (e.0.max(version), now);
    }

    /// The oldest version `caller` may be answered from.
    pub fn min_version(&self, caller: &str) -> i64 {
        match self.map.lock().expect("writers lock").get(caller) {
            Some((v, at)) if at.elapsed() < self.keep => *v,
            _ => i64::MIN,
        }
    }
}

/// Whether the request asks for current data only.
fn wants_fresh(req: &Request) -> bool {
    req.headers().contains_key(MIN_LSN_HEADER)
        || req
            .headers()
            .get_all(header::CACHE_CONTROL)
            .iter()
            .any(|v| v.to_str().is_ok_and(|s| s.contains("no-cache")))
}

/// Middleware: decides how old an answer this request may get, and remembers the version a
/// successful write produced for its caller.
pub async fn allowance(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if state.config.stale_window.is_zero() {
        return strict(next.run(req)).await;
    }
    let caller = super::limits::caller_key(&req);
    let write = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let allow = (!write && !wants_fresh(&req)).then(|| state.writers.min_version(&caller));
    let resp = allowing(allow, next.run(req)).await;
    if write
        && resp.status().is_success()
        && let Ok(v) = state.dataset_version().await
    {
        state.writers.wrote(&caller, v);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writers_see_their_own_version_and_are_forgotten() {
        let w = Writers::new(Duration::ZERO);
        assert_eq!(w.min_version("a"), i64::MIN);
        w.wrote("a", 7);
        w.wrote("a", 5); // an older read-back never lowers it
        assert_eq!(w.min_version("a"), 7);
        assert_eq!(w.min_version("b"), i64::MIN);
        std::thread::sleep(Duration::from_millis(1100));
        assert_eq!(
            w.min_version("a"),
            i64::MIN,
            "forgotten after 2 windows + 1 s"
        );
    }

    #[tokio::test]
    async fn the_allowance_is_scoped_to_the_request() {
        assert_eq!(min_version(), None);
        allowing(Some(3), async {
            assert_eq!(min_version(), Some(3));
            strict(async { assert_eq!(min_version(), None) }).await;
            let spawned = tokio::spawn(async { min_version() }).await.unwrap();
            assert_eq!(spawned, None, "background work is strict");
        })
        .await;
    }
}
