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
        if k.generation == generation && (self.mode != Mode::Pushed || k.listening) {
            k.value = Some((version, Instant::now()));
        }
    }

    /// The background refresh of a stale polled version finished.
    pub fn refreshed(&self, version: Option<i64>) {
        if let Some(v) = version {
            let mut k = self.known.lock().expect("version lock");
            k.value = Some((v, Instant::now()));
        }
        self.refreshing.store(false, Ordering::Release);
    }

    /// Forgets the version (after a write through this server).
    pub fn invalidate(&self) {
        let mut k = self.known.lock().expect("version lock");
        k.value = None;
        k.generation += 1;
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
