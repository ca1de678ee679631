//! Cooperative cancellation of long kernels without threading a token through every
//! signature.
//!
//! The server runs a heavy computation with [`run`]: a small rayon pool whose threads all see
//! the job's [`Cancel`] flag. The kernels call [`checkpoint`] in their long loops; when the
//! flag is set (the request timed out or the client went away) the checkpoint unwinds with a
//! [`Cancelled`] payload, rayon carries it to the caller and [`run`] returns `Err(Cancelled)`.
//! `std::panic::resume_unwind` does not call the panic hook, so nothing is printed.
//! Outside [`run`] (the CLI, tests, benches) no flag is installed and a checkpoint costs one
//! thread-local read.

use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

thread_local! {
    static CURRENT: RefCell<Option<Arc<AtomicBool>>> = const { RefCell::new(None) };
}

/// A flag shared between the request that owns a computation and the threads running it.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the computation to stop at its next checkpoint.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }
}

/// The computation was cancelled before it finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("computation cancelled")]
pub struct Cancelled;

/// Unwinds out of the current computation if it was cancelled; a no-op outside [`run`].
#[inline]
pub fn checkpoint() {
    let stop = CURRENT.with_borrow(|c| c.as_ref().is_some_and(|f| f.load(Ordering::Relaxed)));
    if stop {
        resume_unwind(Box::new(Cancelled));
    }
}

/// Runs `f` on a fresh pool of `threads` rayon threads that observe `token`; returns
/// `Err(Cancelled)` if a [`checkpoint`] saw the token set. Other panics propagate.
pub fn run<T: Send>(
    token: &Cancel,
    threads: usize,
    f: impl FnOnce() -> T + Send,
) -> Result<T, Cancelled> {
    run_with(token, threads, || {}, f)
}

/// [`run`], with `on_start` called first on each of the pool's threads (the server lowers
/// their CPU priority there).
pub fn run_with<T: Send>(
    token: &Cancel,
    threads: usize,
    on_start: impl Fn() + Send + Sync + 'static,
    f: impl FnOnce() -> T + Send,
) -> Result<T, Cancelled> {
    if token.is_cancelled() {
        return Err(Cancelled);
    }
    let flag = token.0.clone();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.max(1))
        .thread_name(|i| format!("hotspot-job-{i}"))
        .start_handler(move |_| {
            on_start();
            CURRENT.set(Some(flag.clone()));
        })
        .build()
        .expect("spawning job threads");
    match catch_unwind(AssertUnwindSafe(|| pool.install(f))) {
        Ok(v) => Ok(v),
        Err(payload) if payload.is::<Cancelled>() => Err(Cancelled),
        Err(payload) => resume_unwind(payload),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rayon::prelude::*;
    use std::time::{Duration, Instant};

    #[test]
    fn a_checkpoint_outside_a_job_does_nothing() {
        checkpoint();
    }

    #[test]
    fn finished_work_is_returned() {
        let t = Cancel::new();
        let v = run(&t, 2, || (0..1000u64).into_par_iter().sum::<u64>());
        assert_eq!(v, Ok(499_500));
    }

    #[test]
    fn cancelling_stops_parallel_loops_promptly() {
        let t = Cancel::new();
        let t2 = t.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            t2.cancel();
        });
        let started = Instant::now();
        // Minutes of work uncancelled: 64 parallel tasks of 10⁹ steps each.
        let r = run(&t, 2, || {
            (0..64u64)
                .into_par_iter()
                .map(|i| {
                    let mut x = i;
                    for _ in 0..1_000_000_000u64 {
                        checkpoint();
                        x = std::hint::black_box(x.wrapping_mul(31).wrapping_add(7));
                    }
                    x
                })
                .sum::<u64>()
        });
        assert_eq!(r, Err(Cancelled));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[test]
    fn other_panics_propagate() {
        let t = Cancel::new();
        let r = catch_unwind(|| run(&t, 1, || panic!("boom")));
        assert!(r.is_err());
    }
}
