//! In-memory cache of computed layers, bounded by bytes, least recently used evicted first.
//!
//! Keys carry the dataset version, so a change of reports/sites/areas makes every old entry
//! unreachable; [`LayerCache::insert`] also drops all entries of older versions as soon as
//! a newer version is seen, so stale layers do not sit in memory until evicted.
//!
//! [`LayerCache::get_or_compute`] is single-flight: of many concurrent requests for the same
//! uncached key one computes and the others wait for its answer (a burst of 32 identical
//! requests after an import computes once). If that computation fails or its request is
//! dropped (client gone, timeout), one of the waiters takes over, so nobody waits forever on
//! an abandoned computation.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// What identifies one computed layer answer.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    pub dataset_version: i64,
    pub layer: &'static str,
    /// Parameters in a canonical order with defaults filled in (see `params`).
    pub params: String,
    /// Viewers get a filtered answer, so the role is part of the key.
    pub role: &'static str,
}

struct Entry<V> {
    value: Arc<V>,
    size: usize,
    last_used: u64,
}

struct Inner<V> {
    map: HashMap<CacheKey, Entry<V>>,
    bytes: usize,
    clock: u64,
    newest_version: i64,
    hits: u64,
    misses: u64,
    computes: u64,
}

/// How a computation in flight ended, for the requests waiting on it.
enum Outcome<V> {
    Done(Arc<V>),
    /// Failed or dropped: a waiter computes instead.
    Abandoned,
}

type Flight<V> = watch::Receiver<Option<Outcome<V>>>;

/// A byte-bounded LRU map shared by all requests.
pub struct LayerCache<V> {
    inner: Mutex<Inner<V>>,
    inflight: Mutex<HashMap<CacheKey, Flight<V>>>,
    capacity: usize,
}

/// The one computation of a key: announces its outcome (abandoned unless finished) and
/// leaves the in-flight map when dropped.
struct Leader<'a, V> {
    cache: &'a LayerCache<V>,
    key: &'a CacheKey,
    tx: watch::Sender<Option<Outcome<V>>>,
    outcome: Option<Outcome<V>>,
}

impl<V> Drop for Leader<'_, V> {
    fn drop(&mut self) {
        self.cache
            .inflight
            .lock()
            .expect("inflight lock")
            .remove(self.key);
        let outcome = self.outcome.take().unwrap_or(Outcome::Abandoned);
        self.tx.send_replace(Some(outcome));
    }
}

/// Counters for `/api/meta` and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
    /// Computations started by [`LayerCache::get_or_compute`].
    pub computes: u64,
}

impl<V> LayerCache<V> {
    pub fn new(capacity_bytes: usize) -> Self {
        LayerCache {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                bytes: 0,
                clock: 0,
                newest_version: i64::MIN,
                hits: 0,
                misses: 0,
                computes: 0,
            }),
            inflight: Mutex::new(HashMap::new()),
            capacity: capacity_bytes,
        }
    }

    /// The cached value, marking it recently used.
    pub fn get(&self, key: &CacheKey) -> Option<Arc<V>> {
        let mut g = self.inner.lock().expect("cache lock");
        g.clock += 1;
        let now = g.clock;
        match g.map.get_mut(key) {
            Some(e) => {
                e.last_used = now;
                let v = e.value.clone();
                g.hits += 1;
                Some(v)
            }
            None => {
                g.misses += 1;
                None
            }
        }
    }

    /// Stores `value` of `size` bytes; values larger than the whole cache are not kept.
    pub fn insert(&self, key: CacheKey, value: Arc<V>, size: usize) {
        if size > self.capacity {
            return;
        }
        let mut g = self.inner.lock().expect("cache lock");
        if key.dataset_version > g.newest_version {
            g.newest_version = key.dataset_version;
            let newest = key.dataset_version;
            g.map.retain(|k, _| k.dataset_version >= newest);
            g.bytes = g.map.values().map(|e| e.size).sum();
        } else if key.dataset_version < g.newest_version {
            return;
        }
        g.clock += 1;
        let now = g.clock;
        if let Some(old) = g.map.insert(
            key,
            Entry {
                value,
                size,
                last_used: now,
            },
        ) {
            g.bytes -= old.size;
        }
        g.bytes += size;
        while g.bytes > self.capacity {
            let Some(oldest) = g
                .map
                .iter()
                .min_by_key(|(_, e)| e.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(e) = g.map.remove(&oldest) {
                g.bytes -= e.size;
            }
        }
    }

    pub fn stats(&self) -> CacheStats {
        let g = self.inner.lock().expect("cache lock");
        CacheStats {
            entries: g.map.len(),
            bytes: g.bytes,
            hits: g.hits,
            misses: g.misses,
            computes: g.computes,
        }
    }

    /// The cached value, or the one `compute` gives (value and size in bytes), computed once
    /// however many callers ask for `key` at the same time.
    pub async fn get_or_compute<E, F, Fut>(&self, key: CacheKey, compute: F) -> Result<Arc<V>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(Arc<V>, usize), E>>,
    {
        let mut compute = Some(compute);
        loop {
            if let Some(v) = self.get(&key) {
                return Ok(v);
            }
            let waiting = {
                let mut inflight = self.inflight.lock().expect("inflight lock");
                match inflight.get(&key) {
                    Some(rx) => Err(rx.clone()),
                    None => {
                        let (tx, rx) = watch::channel(None);
                        inflight.insert(key.clone(), rx);
                        Ok(tx)
                    }
                }
            };
            match waiting {
                Err(mut rx) => {
                    if let Ok(outcome) = rx.wait_for(Option::is_some).await
                        && let Some(Outcome::Done(v)) = &*outcome
                    {
                        return Ok(v.clone());
                    }
                    // Abandoned: try again (from the cache, or as the new leader).
                }
                Ok(tx) => {
                    let mut leader = Leader {
                        cache: self,
                        key: &key,
                        tx,
                        outcome: None,
                    };
                    self.inner.lock().expect("cache lock").computes += 1;
                    let f = compute.take().expect("a caller leads at most once");
                    let (value, size) = f().await?;
                    // Cached before the flight ends, so a newcomer finds one or the other.
                    self.insert(key.clone(), value.clone(), size);
                    leader.outcome = Some(Outcome::Done(value.clone()));
                    drop(leader);
                    return Ok(value);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(v: i64, p: &str) -> CacheKey {
        CacheKey {
            dataset_version: v,
            layer: "hexes",
            params: p.into(),
            role: "viewer",
        }
    }

    #[test]
    fn evicts_least_recently_used_when_over_capacity() {
        let c = LayerCache::new(10);
        c.insert(key(1, "a"), Arc::new(1), 4);
        c.insert(key(1, "b"), Arc::new(2), 4);
        assert!(c.get(&key(1, "a")).is_some()); // a is now newer than b
        c.insert(key(1, "c"), Arc::new(3), 4);
        assert!(c.get(&key(1, "b")).is_none());
        assert_eq!(*c.get(&key(1, "a")).unwrap(), 1);
        assert_eq!(*c.get(&key(1, "c")).unwrap(), 3);
        assert_eq!(c.stats().bytes, 8);
    }

    #[test]
    fn a_new_dataset_version_drops_older_entries() {
        let c = LayerCache::new(100);
        c.insert(key(1, "a"), Arc::new(1), 4);
        c.insert(key(2, "a"), Arc::new(2), 4);
        assert!(c.get(&key(1, "a")).is_none());
        assert_eq!(c.stats().entries, 1);
        // A late computation for an old version is not stored.
        c.insert(key(1, "b"), Arc::new(3), 4);
        assert_eq!(c.stats().entries, 1);
    }

    #[test]
    fn oversized_values_are_not_cached() {
        let c = LayerCache::new(3);
        c.insert(key(1, "a"), Arc::new(1), 4);
        assert_eq!(c.stats().entries, 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn thirty_two_concurrent_misses_compute_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = Arc::new(LayerCache::new(1 << 20));
        let computed = Arc::new(AtomicUsize::new(0));
        let barrier = Arc::new(tokio::sync::Barrier::new(32));
        let tasks: Vec<_> = (0..32)
            .map(|_| {
                let (cache, computed, barrier) = (cache.clone(), computed.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    cache
                        .get_or_compute(key(1, "a"), || async {
                            computed.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                            Ok::<_, ()>((Arc::new(42), 4))
                        })
                        .await
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(*t.await.unwrap().unwrap(), 42);
        }
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        assert_eq!(cache.stats().computes, 1);
        assert!(cache.inflight.lock().unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_waiter_takes_over_when_the_computation_is_dropped_or_fails() {
        let cache = Arc::new(LayerCache::new(1 << 20));
        // A leader whose request goes away mid-computation.
        let c = cache.clone();
        let leader = tokio::spawn(async move {
            c.get_or_compute(key(1, "a"), || async {
                std::future::pending::<Result<(Arc<i32>, usize), ()>>().await
            })
            .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        let c = cache.clone();
        let waiter = tokio::spawn(async move {
            c.get_or_compute(key(1, "a"), || async { Ok::<_, ()>((Arc::new(7), 4)) })
                .await
        });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "waits for the leader");
        leader.abort();
        let v = tokio::time::timeout(std::time::Duration::from_secs(5), waiter)
            .await
            .expect("the waiter must not hang")
            .unwrap()
            .unwrap();
        assert_eq!(*v, 7);

        // A failing computation: its caller gets the error, the next caller computes.
        let err = cache
            .get_or_compute(key(1, "b"), || async {
                Err::<(Arc<i32>, usize), _>("boom")
            })
            .await;
        assert_eq!(err.unwrap_err(), "boom");
        let ok = cache
            .get_or_compute(key(1, "b"), || async { Ok::<_, &str>((Arc::new(8), 4)) })
            .await;
        assert_eq!(*ok.unwrap(), 8);
        assert_eq!(cache.stats().computes, 4);
    }
}
