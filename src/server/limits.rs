//! Bounded work per request: heavy computations run one slot at a time per spare core, are
//! cancelled when their request goes away, and each caller's heavy requests are rate limited.
//!
//! - [`Heavy`] is a semaphore with a slot per worker core. A computation holds its slot until
//!   its threads have really stopped, so a timed-out request cannot leave work running beside
//!   the next one. Its threads come from [`crate::analysis::cancel::run`], so dropping the
//!   request's future (the timeout layer answering 408, or the client closing the connection)
//!   sets the job's flag and the kernels unwind at their next checkpoint.
//! - [`RateLimiter`] is a token bucket per caller on the heavy routes (layers, charts, OGC
//!   items): 429 with `Retry-After` once a caller's burst is spent.
//!
//! One core is left to the async runtime, so `/healthz`, cached layers and the static map stay
//! responsive while every slot is busy.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tokio::sync::Semaphore;

use super::AppState;
use super::error::ApiError;
use crate::analysis::cancel::{self, Cancel};

/// The slots for heavy computations and a count of the ones running.
#[derive(Debug)]
pub struct Heavy {
    slots: Arc<Semaphore>,
    threads: usize,
    running: Arc<AtomicUsize>,
}

/// Cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl Heavy {
    /// `slots` computations at once, each on `threads` threads.
    pub fn new(slots: usize, threads: usize) -> Self {
        Heavy {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            threads: threads.max(1),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// One slot and one thread per core but one (at least one of each).
    pub fn for_cores() -> Self {
        let spare = cores().saturating_sub(1).max(1);
        Heavy::new(spare, spare)
    }

    /// Computations whose threads are running now (cancelled ones until they have stopped).
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Acquire)
    }

    /// Waits for a free slot (abandoned if the request goes away while waiting).
    pub async fn slot(&self) -> Result<Slot, ApiError> {
        let permit = self
            .slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::Unavailable("server shutting down".into()))?;
        Ok(Slot {
            permit: Arc::new(permit),
            threads: self.threads,
            running: self.running.clone(),
        })
    }

    /// Runs `f` in a slot of its own (see [`Slot::run`]).
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        self.slot().await?.run(f).await
    }
}

/// A held slot: the request's store reads and computations happen while it is held.
pub struct Slot {
    permit: Arc<tokio::sync::OwnedSemaphorePermit>,
    threads: usize,
    running: Arc<AtomicUsize>,
}

impl Slot {
    /// Runs `f` off the async runtime on the slot's threads. If the returned future is
    /// dropped (timeout, client gone) the computation stops at its next checkpoint; the slot
    /// is freed only when it has stopped.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        T: Send + 'static,
        F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    {
        let token = Cancel::new();
        let _cancel_on_drop = CancelOnDrop(token.clone());
        let permit = self.permit.clone();
        let running = self.running.clone();
        let threads = self.threads;
        running.fetch_add(1, Ordering::AcqRel);
        let handle = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let _count = Decrement(running);
            cancel::run_with(&token, threads, lower_priority, f)
        });
        let out = handle
            .await
            .map_err(|e| ApiError::Internal(format!("computation failed: {e}")))?;
        match out {
            Ok(r) => r,
            Err(cancel::Cancelled) => Err(ApiError::Unavailable("computation cancelled".into())),
        }
    }
}

/// The niceness of heavy computation threads: on cores shared with the async runtime, the
/// scheduler then gives the runtime's threads (cached answers, `/healthz`) the CPU first, and
/// the computations the rest. Measured by `benches/soak.sh` (ARCHITECTURE.md, "Bounded work").
pub const HEAVY_NICE: i32 = 10;

/// Lowers the calling thread's CPU priority to [`HEAVY_NICE`] (Linux: niceness is per thread).
/// Failure is harmless and ignored: the computation just competes at normal priority.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        let tid = rustix::thread::gettid();
        let _ = rustix::process::setpriority_process(Some(tid), HEAVY_NICE);
    }
}

impl From<crate::ops::budget::OverBudget> for ApiError {
    fn from(e: crate::ops::budget::OverBudget) -> Self {
        ApiError::Unprocessable {
            message: e.to_string(),
            details: e
                .parameters
                .iter()
                .map(|p| super::error::ErrorDetail {
                    line: 0,
                    column: (*p).to_string(),
                    message: "lower this parameter (the request's estimated work is over budget)"
                        .into(),
                })
                .collect(),
        }
    }
}

/// Sets the token when the request's future is dropped (after the end, harmlessly).
struct CancelOnDrop(Cancel);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        self.0.cancel();
    }
}

struct Decrement(Arc<AtomicUsize>);

impl Drop for Decrement {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Token buckets, one per caller.
#[derive(Debug)]
pub struct RateLimiter {
    /// Bucket size: requests a caller may make at once.
    burst: f64,
    /// Refill, requests per second.
    per_sec: f64,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// Buckets kept before full (idle) ones are forgotten.
const MAX_BUCKETS: usize = 10_000;

impl RateLimiter {
    /// `per_minute` heavy requests per caller, in bursts of up to that many. 0 = no limit.
    pub fn per_minute(per_minute: u32) -> Self {
        RateLimiter {
            burst: per_minute as f64,
            per_sec: per_minute as f64 / 60.0,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from `key`'s bucket, or says how long until one is available.
    pub fn take(&self, key: &str, now: Instant) -> Result<(), Duration> {
        if self.per_sec <= 0.0 {
            return Ok(());
        }
        let mut buckets = self.buckets.lock().expect("rate limiter lock");
        if buckets.len() >= MAX_BUCKETS {
            let (burst, per_sec) = (self.burst, self.per_sec);
            buckets.retain(|_, (tokens, at)| {
                *tokens + now.duration_since(*at).as_secs_f64() * per_sec < burst
            });
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((self.burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * self.per_sec).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - *tokens) / self.per_sec))
        }
    }
}

/// Whether a path is one of the heavy routes (computed layers, charts, OGC items).
pub fn is_heavy(path: &str) -> bool {
    path.starts_with("/api/layers/")
        || path.starts_with("/api/charts/")
        || (path.starts_with("/ogc/collections/") && path.contains("/items"))
}

/// The caller a bucket belongs to: a digest of the bearer token, else the peer address
/// (when the server knows it), else one shared anonymous bucket.
pub(crate) fn caller_key(req: &Request) -> String {
    if let Some(v) = req.headers().get(header::AUTHORIZATION) {
        return format!(
            "token:{}",
            &super::auth::token_hash(&String::from_utf8_lossy(v.as_bytes()))[..16]
        );
    }
    match req.extensions().get::<ConnectInfo<std::net::SocketAddr>>() {
        Some(ConnectInfo(addr)) => format!("ip:{}", addr.ip()),
        None => "anonymous".into(),
    }
}

/// Middleware: 429 with `Retry-After` (whole seconds, at least 1) once a caller's heavy
/// requests exceed the limit.
pub async fn rate_limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if is_heavy(req.uri().path())
        && let Err(wait) = state.rate.take(&caller_key(&req), Instant::now())
    {
        let secs = wait.as_secs_f64().ceil().max(1.0) as u64;
        let mut resp = (
            StatusCode::TOO_MANY_REQUESTS,
            axum::Json(super::error::ErrorBody {
                error: format!(
                    "too many requests for computed layers and charts; retry in {secs} s"
                ),
                request_id: super::access_log::request_id(),
                details: vec![],
                parameter: None,
                accepted: vec![],
            }),
        )
            .into_response();
        resp.headers_mut().insert(
            header::RETRY_AFTER,
            HeaderValue::from_str(&secs.to_string()).expect("digits"),
        );
        return resp;
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_refill_and_say_when() {
        let r = RateLimiter::per_minute(2);
        let t0 = Instant::now();
        assert!(r.take("a", t0).is_ok());
        assert!(r.take("a", t0).is_ok());
        let wait = r.take("a", t0).unwrap_err();
        assert!((wait.as_secs_f64() - 30.0).abs() < 0.01, "{wait:?}");
        assert!(r.take("b", t0).is_ok(), "buckets are per caller");
        assert!(r.take("a", t0 + Duration::from_secs(31)).is_ok());
        assert!(RateLimiter::per_minute(0).take("a", t0).is_ok(), "0 = off");
    }

    #[test]
    fn heavy_routes() {
        assert!(is_heavy("/api/layers/hexes"));
        assert!(is_heavy("/api/charts/trend.png"));
        assert!(is_heavy("/ogc/collections/hexes/items"));
        assert!(!is_heavy("/ogc/collections/hexes"));
        assert!(!is_heavy("/healthz"));
        assert!(!is_heavy("/api/me"));
    }

    #[cfg(target_os = "linux")]
    #[tokio::test]
    async fn heavy_threads_run_at_a_lower_priority() {
        let nice = Heavy::new(1, 1)
            .run(|| {
                let tid = rustix::thread::gettid();
                Ok(rustix::process::getpriority_process(Some(tid)).unwrap())
            })
            .await
            .unwrap();
        assert_eq!(nice, HEAVY_NICE);
        let here = rustix::process::getpriority_process(Some(rustix::thread::gettid())).unwrap();
        assert!(
            here < HEAVY_NICE,
            "the runtime's threads keep their priority"
        );
    }

    #[tokio::test]
    async fn dropping_the_request_stops_the_computation() {
        let heavy = Arc::new(Heavy::new(1, 1));
        let h = heavy.clone();
        let req = tokio::spawn(async move {
            h.run(|| {
                loop {
                    cancel::checkpoint();
                    std::hint::spin_loop();
                }
                #[allow(unreachable_code)]
                Ok(())
            })
            .await
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(heavy.running(), 1);
        req.abort();
        let started = Instant::now();
        while heavy.running() > 0 {
            assert!(started.elapsed() < Duration::from_secs(1), "still running");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        // The slot is free again.
        assert_eq!(heavy.run(|| Ok(7)).await.unwrap(), 7);
    }
}
