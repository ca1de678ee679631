//! In-memory cache of computed layers, bounded by bytes, least recently used evicted first.
//!
//! Keys carry the dataset version, so a change of reports/sites/areas makes every old entry
//! unreachable by an exact lookup. A cache made with [`LayerCache::new`] drops all entries of
//! older versions as soon as a newer version is stored, so stale layers do not sit in memory.
//!
//! [`LayerCache::get_or_compute`] is single-flight: of many concurrent requests for the same
//! uncached key one computes and the others wait for its answer (a burst of 32 identical
//! requests after an import computes once). If that computation fails or its request is
//! dropped (client gone, timeout), one of the waiters takes over, so nobody waits forever on
//! an abandoned computation.
//!
//! **Bounded staleness** ([`LayerCache::with_stale`], [`LayerCache::get_or_refresh`]): with
//! an upload every second, every version's layers would be recomputed while dozens of
//! requests wait for them. Such a cache keeps, per *family* (layer, parameters, role), the
//! newest answer it has; a request whose version is not cached yet gets that older answer
//! at once while one background computation per family makes the new one — provided the
//! older version stopped being current at most `window` ago and is not older than the
//! caller's own last write. Entries past the window are dropped, so memory stays bounded.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

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

impl CacheKey {
    /// The key without its version: the answers of one question over successive datasets.
    fn family(&self) -> CacheKey {
        CacheKey {
            dataset_version: 0,
            ..self.clone()
        }
    }

    fn at(&self, version: i64) -> CacheKey {
        CacheKey {
            dataset_version: version,
            ..self.clone()
        }
    }
}

/// When a dataset version stopped being current (`None` while it still is); see
/// `version::VersionCell::superseded_at`.
pub type SupersededAt = Arc<dyn Fn(i64) -> Option<Instant> + Send + Sync>;

/// How old an answer a [`LayerCache::with_stale`] cache may give.
struct StalePolicy {
    window: Duration,
    superseded_at: SupersededAt,
}

impl StalePolicy {
    /// Whether answers of `version` may still be served at `now`.
    fn servable(&self, version: i64, now: Instant) -> bool {
        (self.superseded_at)(version)
            .is_some_and(|t| now.saturating_duration_since(t) <= self.window)
    }

    /// Whether answers of `version` (older than the newest) can be dropped.
    fn expired(&self, version: i64, now: Instant) -> bool {
        (self.superseded_at)(version)
            .is_some_and(|t| now.saturating_duration_since(t) > self.window)
    }
}

struct Entry<V> {
    value: Arc<V>,
    size: usize,
    last_used: u64,
}

struct Inner<V> {
    map: HashMap<CacheKey, Entry<V>>,
    /// Family → the version of its one entry.
    families: HashMap<CacheKey, i64>,
    bytes: usize,
    clock: u64,
    newest_version: i64,
    hits: u64,
    stale_hits: u64,
    misses: u64,
    computes: u64,
}

impl<V> Inner<V> {
    fn remove(&mut self, key: &CacheKey) {
        if let Some(e) = self.map.remove(key) {
            self.bytes -= e.size;
            let family = key.family();
            if self.families.get(&family) == Some(&key.dataset_version) {
                self.families.remove(&family);
            }
        }
    }

    /// Removes every entry `drop` says so about.
    fn remove_where(&mut self, drop: impl Fn(&CacheKey) -> bool) {
        let gone: Vec<CacheKey> = self.map.keys().filter(|k| drop(k)).cloned().collect();
        for k in &gone {
            self.remove(k);
        }
    }
}

/// How a computation in flight ended, for the requests waiting on it.
enum Outcome<V> {
    Done(Arc<V>),
    /// Failed or dropped: a waiter computes instead.
    Abandoned,
}

type Flight<V> = watch::Receiver<Option<Outcome<V>>>;

/// A background computation of a family's newest version.
struct Refresh<V> {
    version: i64,
    flight: Flight<V>,
    started: Instant,
}

struct Flights<V> {
    by_key: HashMap<CacheKey, Flight<V>>,
    /// At most one background refresh per family.
    refreshing: HashMap<CacheKey, Refresh<V>>,
}

/// A byte-bounded LRU map shared by all requests.
pub struct LayerCache<V> {
    inner: Mutex<Inner<V>>,
    inflight: Mutex<Flights<V>>,
    capacity: usize,
    stale: Option<StalePolicy>,
}

/// The one computation of a key: announces its outcome (abandoned unless finished) and
/// leaves the in-flight maps when dropped.
struct Leader<'a, V> {
    cache: &'a LayerCache<V>,
    key: &'a CacheKey,
    tx: watch::Sender<Option<Outcome<V>>>,
    outcome: Option<Outcome<V>>,
}

impl<V> Drop for Leader<'_, V> {
    fn drop(&mut self) {
        {
            let mut f = self.cache.inflight.lock().expect("inflight lock");
            f.by_key.remove(self.key);
            let family = self.key.family();
            if f.refreshing
                .get(&family)
                .is_some_and(|r| r.version == self.key.dataset_version)
            {
                f.refreshing.remove(&family);
            }
        }
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
    /// Answers of an older version given while the current one computed.
    pub stale_hits: u64,
    pub misses: u64,
    /// Computations started by [`LayerCache::get_or_compute`] and refreshes.
    pub computes: u64,
}

/// An answer and the dataset version it was computed from.
pub struct Fetched<V> {
    pub value: Arc<V>,
    pub version: i64,
}

impl<V> LayerCache<V> {
    /// A cache that only ever answers the version asked for.
    pub fn new(capacity_bytes: usize) -> Self {
        Self::make(capacity_bytes, None)
    }

    /// A cache that may answer [`LayerCache::get_or_refresh`] with an older version while the
    /// asked one computes, if that version stopped being current (per `superseded_at`) at
    /// most `window` ago.
    pub fn with_stale(
        capacity_bytes: usize,
        window: Duration,
        superseded_at: SupersededAt,
    ) -> Self {
        Self::make(
            capacity_bytes,
            Some(StalePolicy {
                window,
                superseded_at,
            }),
        )
    }

    fn make(capacity: usize, stale: Option<StalePolicy>) -> Self {
        LayerCache {
            inner: Mutex::new(Inner {
                map: HashMap::new(),
                families: HashMap::new(),
                bytes: 0,
                clock: 0,
                newest_version: i64::MIN,
                hits: 0,
                stale_hits: 0,
                misses: 0,
                computes: 0,
            }),
            inflight: Mutex::new(Flights {
                by_key: HashMap::new(),
                refreshing: HashMap::new(),
            }),
            capacity,
            stale,
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

    /// The newest cached answer of `key`'s family that is older than `key`, not older than
    /// `min_version`, and still within the staleness window.
    fn stale_for(&self, key: &CacheKey, min_version: i64) -> Option<(Arc<V>, i64)> {
        let policy = self.stale.as_ref()?;
        let mut g = self.inner.lock().expect("cache lock");
        let version = *g.families.get(&key.family())?;
        if version < min_version
            || version >= key.dataset_version
            || !policy.servable(version, Instant::now())
        {
            return None;
        }
        g.clock += 1;
        let now = g.clock;
        let e = g.map.get_mut(&key.at(version))?;
        e.last_used = now;
        let v = e.value.clone();
        g.stale_hits += 1;
        Some((v, version))
    }

    /// Stores `value` of `size` bytes; values larger than the whole cache are not kept.
    pub fn insert(&self, key: CacheKey, value: Arc<V>, size: usize) {
        if size > self.capacity {
            return;
        }
        let mut g = self.inner.lock().expect("cache lock");
        let version = key.dataset_version;
        let newer = version > g.newest_version;
        if newer {
            g.newest_version = version;
        }
        match &self.stale {
            None if newer => g.remove_where(|k| k.dataset_version < version),
            None if version < g.newest_version => return,
            None => {}
            Some(policy) => {
                let now = Instant::now();
                let newest = g.newest_version;
                let mut expired: HashMap<i64, bool> = HashMap::new();
                let mut is_expired = |v: i64| {
                    v < newest && *expired.entry(v).or_insert_with(|| policy.expired(v, now))
                };
                let old: Vec<i64> = {
                    let mut vs: Vec<i64> = g.families.values().copied().collect();
                    vs.sort_unstable();
                    vs.dedup();
                    vs.into_iter().filter(|v| is_expired(*v)).collect()
                };
                if !old.is_empty() {
                    g.remove_where(|k| old.contains(&k.dataset_version));
                }
                if is_expired(version) {
                    return;
                }
                match g.families.get(&key.family()) {
                    Some(&v) if v > version => return,
                    Some(&v) if v < version => g.remove(&key.at(v)),
                    _ => {}
                }
            }
        }
        g.clock += 1;
        let now = g.clock;
        g.remove(&key);
        g.families.insert(key.family(), version);
        g.map.insert(
            key,
            Entry {
                value,
                size,
                last_used: now,
            },
        );
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
            g.remove(&oldest);
        }
    }

    pub fn stats(&self) -> CacheStats {
        let g = self.inner.lock().expect("cache lock");
        CacheStats {
            entries: g.map.len(),
            bytes: g.bytes,
            hits: g.hits,
            stale_hits: g.stale_hits,
            misses: g.misses,
            computes: g.computes,
        }
    }

    /// The cached value, or the one `compute` gives (value and size in bytes), computed once
    /// however many callers ask for `key` at the same time. The computation runs in the
    /// caller's task: if every caller goes away, it stops.
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
                match inflight.by_key.get(&key) {
                    Some(rx) => Err(rx.clone()),
                    None => {
                        let (tx, rx) = watch::channel(None);
                        inflight.by_key.insert(key.clone(), rx);
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

impl<V: Send + Sync + 'static> LayerCache<V> {
    /// Like [`LayerCache::get_or_compute`], but a caller that may see versions from
    /// `min_version` on (`None`: only `key`'s own) is answered at once with the family's
    /// newest older answer when it is within the window, while `compute` runs in a
    /// background task (one per family at a time; it does not stop when the caller goes
    /// away). The caller waits at most `grace` after that computation started, so cheap
    /// layers are still answered fresh. Without a servable older answer this is
    /// `get_or_compute`.
    pub async fn get_or_refresh<E, F, Fut>(
        self: &Arc<Self>,
        key: CacheKey,
        min_version: Option<i64>,
        grace: Duration,
        compute: F,
    ) -> Result<Fetched<V>, E>
    where
        E: std::fmt::Display + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(Arc<V>, usize), E>> + Send + 'static,
    {
        let version = key.dataset_version;
        if let Some(value) = self.get(&key) {
            return Ok(Fetched { value, version });
        }
        let stale = min_version.and_then(|m| self.stale_for(&key, m));
        let Some((old, old_version)) = stale else {
            let value = self.get_or_compute(key, compute).await?;
            return Ok(Fetched { value, version });
        };
        let (mut flight, started, flight_version) = self.refresh(key, compute);
        let deadline = tokio::time::Instant::from_std(started + grace);
        if let Ok(Ok(outcome)) =
            tokio::time::timeout_at(deadline, flight.wait_for(Option::is_some)).await
            && let Some(Outcome::Done(v)) = &*outcome
            && flight_version > old_version
        {
            return Ok(Fetched {
                value: v.clone(),
                version: flight_version,
            });
        }
        Ok(Fetched {
            value: old,
            version: old_version,
        })
    }

    /// The family's background computation: the running one, or one of `key` started now.
    fn refresh<E, F, Fut>(self: &Arc<Self>, key: CacheKey, compute: F) -> (Flight<V>, Instant, i64)
    where
        E: std::fmt::Display + Send + 'static,
        F: FnOnce() -> Fut + Send + 'static,
        Fut: Future<Output = Result<(Arc<V>, usize), E>> + Send + 'static,
    {
        let family = key.family();
        let now = Instant::now();
        let (tx, flight) = {
            let mut f = self.inflight.lock().expect("inflight lock");
            if let Some(r) = f.refreshing.get(&family) {
                return (r.flight.clone(), r.started, r.version);
            }
            if let Some(rx) = f.by_key.get(&key) {
                // A request is computing this very key in its own task.
                return (rx.clone(), now, key.dataset_version);
            }
            let (tx, rx) = watch::channel(None);
            f.by_key.insert(key.clone(), rx.clone());
            f.refreshing.insert(
                family,
                Refresh {
                    version: key.dataset_version,
                    flight: rx.clone(),
                    started: now,
                },
            );
            (tx, rx)
        };
        let version = key.dataset_version;
        let cache = self.clone();
        tokio::spawn(async move {
            let mut leader = Leader {
                cache: &cache,
                key: &key,
                tx,
                outcome: None,
            };
            cache.inner.lock().expect("cache lock").computes += 1;
            match compute().await {
                Ok((value, size)) => {
                    cache.insert(key.clone(), value.clone(), size);
                    leader.outcome = Some(Outcome::Done(value));
                }
                Err(e) => tracing::warn!(
                    layer = key.layer,
                    params = %key.params,
                    error = %e,
                    "background refresh failed"
                ),
            }
            drop(leader);
        });
        (flight, now, version)
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
        assert!(cache.inflight.lock().unwrap().by_key.is_empty());
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

    fn stale_cache(superseded: Option<Instant>) -> Arc<LayerCache<i32>> {
        // Every version below 2 stopped being current at `superseded`.
        Arc::new(LayerCache::with_stale(
            1 << 20,
            Duration::from_secs(30),
            Arc::new(move |v| if v < 2 { superseded } else { None }),
        ))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn refresh_answers_the_previous_version_at_once_and_computes_once() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let cache = stale_cache(Some(Instant::now()));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        let computed = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let answers = futures::future::join_all((0..10).map(|_| {
            let computed = computed.clone();
            cache.get_or_refresh(
                key(2, "a"),
                Some(i64::MIN),
                Duration::ZERO,
                move || async move {
                    computed.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(200)).await;
                    Ok::<_, String>((Arc::new(2), 4))
                },
            )
        }))
        .await;
        assert!(
            started.elapsed() < Duration::from_millis(150),
            "nobody waited"
        );
        for a in &answers {
            let a = a.as_ref().unwrap();
            assert_eq!((*a.value, a.version), (1, 1));
        }
        assert_eq!(cache.stats().stale_hits, 10);
        // The background computation finishes without any caller waiting for it.
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(computed.load(Ordering::SeqCst), 1);
        assert_eq!(*cache.get(&key(2, "a")).unwrap(), 2);
        assert!(cache.get(&key(1, "a")).is_none(), "replaced in its family");
        assert!(cache.inflight.lock().unwrap().refreshing.is_empty());
    }

    #[tokio::test]
    async fn a_writer_or_an_expired_version_waits_for_the_current_one() {
        let compute = || async { Ok::<_, String>((Arc::new(2), 4)) };
        // The caller wrote version 2: version 1 is too old for it.
        let cache = stale_cache(Some(Instant::now()));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        let a = cache
            .get_or_refresh(key(2, "a"), Some(2), Duration::ZERO, compute)
            .await
            .unwrap();
        assert_eq!((*a.value, a.version), (2, 2));
        // Version 1 was superseded a minute ago, beyond the 30 s window.
        let cache = stale_cache(Instant::now().checked_sub(Duration::from_secs(60)));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        let a = cache
            .get_or_refresh(key(2, "a"), Some(i64::MIN), Duration::ZERO, compute)
            .await
            .unwrap();
        assert_eq!(a.version, 2);
        // A strict caller (None) likewise.
        let cache = stale_cache(Some(Instant::now()));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        let a = cache
            .get_or_refresh(key(2, "a"), None, Duration::ZERO, compute)
            .await
            .unwrap();
        assert_eq!(a.version, 2);
        assert_eq!(cache.stats().stale_hits, 0);
    }

    #[tokio::test]
    async fn a_cheap_refresh_is_answered_fresh_within_the_grace() {
        let cache = stale_cache(Some(Instant::now()));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        let a = cache
            .get_or_refresh(
                key(2, "a"),
                Some(i64::MIN),
                Duration::from_secs(5),
                || async { Ok::<_, String>((Arc::new(2), 4)) },
            )
            .await
            .unwrap();
        assert_eq!((*a.value, a.version), (2, 2));
    }

    #[test]
    fn expired_versions_are_dropped_on_the_next_insert() {
        let cache = stale_cache(Instant::now().checked_sub(Duration::from_secs(60)));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        cache.insert(key(1, "b"), Arc::new(1), 4);
        cache.insert(key(2, "c"), Arc::new(2), 4);
        assert_eq!(cache.stats().entries, 1, "1/a and 1/b expired");
        // Within the window they stay, one entry per family.
        let cache = stale_cache(Some(Instant::now()));
        cache.insert(key(1, "a"), Arc::new(1), 4);
        cache.insert(key(1, "b"), Arc::new(1), 4);
        cache.insert(key(2, "a"), Arc::new(2), 4);
        assert_eq!(cache.stats().entries, 2);
        assert!(cache.get(&key(1, "b")).is_some());
        // A late computation of an older version does not replace a newer entry.
        cache.insert(key(1, "a"), Arc::new(9), 4);
        assert_eq!(*cache.get(&key(2, "a")).unwrap(), 2);
        assert_eq!(cache.stats().entries, 2);
    }
}
