//! In-memory cache of computed layers, bounded by bytes, least recently used evicted first.
//!
//! Keys carry the dataset version, so a change of reports/sites/areas makes every old entry
//! unreachable; [`LayerCache::get_or_insert`] also drops all entries of older versions as soon as
//! a newer version is seen, so stale layers do not sit in memory until evicted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

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
}

/// A byte-bounded LRU map shared by all requests.
pub struct LayerCache<V> {
    inner: Mutex<Inner<V>>,
    capacity: usize,
}

/// Counters for `/api/meta` and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub entries: usize,
    pub bytes: usize,
    pub hits: u64,
    pub misses: u64,
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
            }),
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
}
