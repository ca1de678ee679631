//! The dataset version a server keys its caches by, and how it learns that it changed.
//!
//! * **Polled** (SQLite): a version read from the store is trusted for a short TTL; a stale
//!   one is answered at once while one background task asks the store again, so the check
//!   never sits in the path of a cached layer. Writes through this server forget it at once;
//!   other writers (the CLI) are seen within the TTL.
//! * **Pushed** (PostGIS): the version is trusted until the dataset-change listener
//!   (`LISTEN/NOTIFY`, see `store::postgis::listen`) reports a bump, which it hands over
//!   directly. While the listener is disconnected the version is *unknown*: every request
//!   asks the store, nothing is remembered, until the listener is back.
//!
//! A generation counter guards against a slow read of an old version overwriting a newer
//! one reported while it ran.
//!
//! The cell also remembers *when* each recent version became current ([`VersionCell::superseded_at`]),
//! so that caches serving an older answer while the next one computes (see
//! `cache::LayerCache::get_or_refresh`) can bound how old that answer is.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::store::postgis::listen::VersionSink;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Polled { ttl: Duration },
    Pushed,
}

#[derive(Debug)]
struct Known {
    value: Option<(i64, Instant)>,
    generation: u64,
    /// Pushed mode: the listener is connected.
    listening: bool,
    /// When each recent version became current (as this server learned it).
    history: BTreeMap<i64, Instant>,
    /// The newest record dropped from `history`: versions up to it were superseded by then.
    floor: Option<(i64, Instant)>,
    /// A write through this server happened at this time and its version is not known yet.
    pending_write: Option<Instant>,
}

/// Versions remembered with their times (a few hours of one upload a second).
const HISTORY: usize = 16_384;

impl Known {
    /// Records that `version` is current from `at` on (the first report of a version wins).
    fn record(&mut self, version: i64, now: Instant) {
        let newest = self.history.keys().next_back().copied();
        if newest.is_some_and(|n| version <= n) || self.floor.is_some_and(|(f, _)| version <= f) {
            return;
        }
        // A local write's version became current when the write committed, before anyone
        // read it back.
        let at = self.pending_write.take().unwrap_or(now);
        self.history.insert(version, at);
        while self.history.len() > HISTORY {
            self.floor = self.history.pop_first();
        }
    }
}

/// What a request learns from [`VersionCell::current`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Trust this version.
    Known(i64),
    /// Known but past its TTL: answer with it, and refresh in the background (if `true`,
    /// this caller is the one to do it).
    Stale(i64, bool),
    /// Ask the store; pass the generation to [`VersionCell::learned`].
    Unknown(u64),
}

pub struct VersionCell {
    mode: Mode,
    known: Mutex<Known>,
    refreshing: AtomicBool,
}

impl VersionCell {
    pub fn polled(ttl: Duration) -> Self {
        Self::with_mode(Mode::Polled { ttl })
    }

    /// Starts unknown and not listening: the listener task reports when it is connected.
    pub fn pushed() -> Self {
        Self::with_mode(Mode::Pushed)
    }

    fn with_mode(mode: Mode) -> Self {
        VersionCell {
            mode,
            known: Mutex::new(Known {
                value: None,
                generation: 0,
                listening: false,
                history: BTreeMap::new(),
                floor: None,
                pending_write: None,
            }),
            refreshing: AtomicBool::new(false),
        }
    }

    pub fn is_pushed(&self) -> bool {
        self.mode == Mode::Pushed
    }

    /// Pushed: the listener is connected, so a remembered version can be trusted.
    pub fn is_listening(&self) -> bool {
        self.known.lock().expect("version lock").listening
    }

    pub fn current(&self) -> Lookup {
        let k = self.known.lock().expect("version lock");
        match (self.mode, k.value) {
            (Mode::Pushed, Some((v, _))) if k.listening => Lookup::Known(v),
            (Mode::Pushed, _) => Lookup::Unknown(k.generation),
            (Mode::Polled { ttl }, Some((v, at))) if at.elapsed() < ttl => Lookup::Known(v),
            (Mode::Polled { .. }, Some((v, _))) => {
                Lookup::Stale(v, !self.refreshing.swap(true, Ordering::AcqRel))
            }
            (Mode::Polled { .. }, None) => Lookup::Unknown(k.generation),
        }
    }

    /// A version read from the store by a caller that saw `generation`; kept only if nothing
    /// changed meanwhile (and, pushed, while the listener is connected).
    pub fn learned(&self, version: i64, generation: u64) {
        let mut k = self.known.lock().expect("version lock");
        k.record(version, Instant::now());
        if k.generation == generation && (self.mode != Mode::Pushed || k.listening) {
            k.value = Some((version, Instant::now()));
        }
    }

    /// The background refresh of a stale polled version finished.
    pub fn refreshed(&self, version: Option<i64>) {
        if let Some(v) = version {
            let mut k = self.known.lock().expect("version lock");
            k.record(v, Instant::now());
            k.value = Some((v, Instant::now()));
        }
        self.refreshing.store(false, Ordering::Release);
    }

    /// Forgets the version (after a write through this server).
    pub fn invalidate(&self) {
        let mut k = self.known.lock().expect("version lock");
        k.value = None;
        k.generation += 1;
        k.pending_write.get_or_insert_with(Instant::now);
    }

    /// When a newer version than `version` became current, as far as this server knows
    /// (a notification, a poll, or a write through this server): `None` while `version` is
    /// the newest one it has seen. Versions older than the remembered history (16 384
    /// versions) answer the time the newest forgotten one became current.
    pub fn superseded_at(&self, version: i64) -> Option<Instant> {
        let k = self.known.lock().expect("version lock");
        if let Some((f, at)) = k.floor
            && version < f
        {
            return Some(at);
        }
        k.history
            .range(version.saturating_add(1)..)
            .next()
            .map(|(_, at)| *at)
    }
}

impl VersionSink for VersionCell {
    fn listening(&self, up: bool) {
        let mut k = self.known.lock().expect("version lock");
        k.listening = up;
        k.value = None;
        k.generation += 1;
    }

    fn bumped(&self, version: i64) {
        let mut k = self.known.lock().expect("version lock");
        k.record(version, Instant::now());
        let newest = k.value.map_or(version, |(v, _)| v.max(version));
        k.value = Some((newest, Instant::now()));
        k.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pushed_versions_are_trusted_only_while_listening() {
        let c = VersionCell::pushed();
        let Lookup::Unknown(g) = c.current() else {
            panic!("starts unknown")
        };
        c.learned(3, g);
        assert!(
            matches!(c.current(), Lookup::Unknown(_)),
            "not listening yet"
        );
        c.listening(true);
        let Lookup::Unknown(g) = c.current() else {
            panic!("unknown after connecting")
        };
        c.learned(3, g);
        assert_eq!(c.current(), Lookup::Known(3));
        c.bumped(4);
        assert_eq!(c.current(), Lookup::Known(4));
        c.bumped(2); // an old notification never moves it back
        assert_eq!(c.current(), Lookup::Known(4));
        c.listening(false);
        assert!(matches!(c.current(), Lookup::Unknown(_)));
    }

    #[test]
    fn a_read_that_raced_a_bump_is_not_kept() {
        let c = VersionCell::pushed();
        c.listening(true);
        let Lookup::Unknown(g) = c.current() else {
            panic!()
        };
        c.bumped(7); // arrives while the read of the old version is in flight
        c.learned(6, g);
        assert_eq!(c.current(), Lookup::Known(7));
        c.invalidate();
        let Lookup::Unknown(g) = c.current() else {
            panic!()
        };
        c.invalidate();
        c.learned(7, g);
        assert!(matches!(c.current(), Lookup::Unknown(_)));
    }

    #[test]
    fn superseded_at_is_when_the_next_version_was_first_seen() {
        let c = VersionCell::pushed();
        c.listening(true);
        assert_eq!(c.superseded_at(3), None);
        c.bumped(3);
        let t3 = Instant::now();
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(c.superseded_at(3), None, "3 is current");
        c.bumped(5);
        let at = c.superseded_at(3).expect("5 replaced 3");
        assert!(at > t3);
        assert_eq!(c.superseded_at(4), Some(at));
        std::thread::sleep(Duration::from_millis(5));
        c.bumped(6);
        assert_eq!(
            c.superseded_at(3),
            Some(at),
            "the first newer version counts"
        );
        // A write through this server: its version became current before it was read back.
        let p = VersionCell::polled(Duration::from_secs(60));
        let Lookup::Unknown(g) = p.current() else {
            panic!()
        };
        p.learned(1, g);
        p.invalidate();
        let wrote = Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let Lookup::Unknown(g) = p.current() else {
            panic!()
        };
        p.learned(2, g);
        assert!(p.superseded_at(1).unwrap() <= wrote);
    }

    #[test]
    fn polled_versions_go_stale_after_the_ttl_and_one_caller_refreshes() {
        let c = VersionCell::polled(Duration::from_millis(20));
        let Lookup::Unknown(g) = c.current() else {
            panic!()
        };
        c.learned(1, g);
        assert_eq!(c.current(), Lookup::Known(1));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(c.current(), Lookup::Stale(1, true));
        assert_eq!(c.current(), Lookup::Stale(1, false));
        c.refreshed(Some(2));
        assert_eq!(c.current(), Lookup::Known(2));
    }
}
