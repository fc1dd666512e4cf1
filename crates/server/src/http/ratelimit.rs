//! A small in-process limiter for console logins and verification codes: at most `max` events per
//! key in a sliding `window`. It protects one instance; it is a brake on guessing, not an
//! accounting mechanism, so it need not be shared between instances (with N instances a guesser
//! gets N times the attempts; a limit shared through the database is the step when that matters).
//!
//! Time comes from the application clock (docs/ARCHITECTURE.md, Time), not the OS monotonic clock, so the window is
//! the same one the rest of the server (and a test moving a manual clock) sees.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use pc_app::clock::SharedClock;

/// Most keys remembered at once (memory stays bounded whatever names are tried).
const MAX_KEYS: usize = 100_000;

pub struct RateLimiter {
    max: usize,
    window_ms: i64,
    clock: SharedClock,
    /// Event times (clock milliseconds) per key.
    hits: Mutex<HashMap<String, Vec<i64>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration, clock: SharedClock) -> Self {
        RateLimiter {
            max,
            window_ms: i64::try_from(window.as_millis()).unwrap_or(i64::MAX),
            clock,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether another event for `key` is allowed now (does not record it).
    pub fn allowed(&self, key: &str) -> bool {
        let mut map = self.hits.lock().expect("limiter lock");
        let now = self.clock.now_ms();
        // A key is remembered only once it has an event: asking does not grow the map.
        match map.get_mut(key) {
            Some(v) => {
                v.retain(|t| now.saturating_sub(*t) < self.window_ms);
                v.len() < self.max
            }
            None => true,
        }
    }

    pub fn record(&self, key: &str) {
        let now = self.clock.now_ms();
        let mut map = self.hits.lock().expect("limiter lock");
        if map.len() >= MAX_KEYS && !map.contains_key(key) {
            // Full: forget what the window no longer counts, then, if that is not enough, the key
            // with the fewest events (the oldest among equals). Never everything at once: a
            // spray of fresh names must not wipe the count of the one name being guessed, which
            // holds more events than any sprayed name.
            map.retain(|_, v| v.iter().any(|t| now.saturating_sub(*t) < self.window_ms));
            if map.len() >= MAX_KEYS {
                let weakest = map
                    .iter()
                    .min_by_key(|(_, v)| (v.len(), v.last().copied().unwrap_or(i64::MIN)))
                    .map(|(k, _)| k.clone());
                if let Some(k) = weakest {
                    map.remove(&k);
                }
            }
        }
        map.entry(key.to_string()).or_default().push(now);
    }

    pub fn reset(&self, key: &str) {
        self.hits.lock().expect("limiter lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use pc_app::clock::ManualClock;

    use super::*;

    #[test]
    fn blocks_after_max_until_the_window_passes() {
        let clock = ManualClock::at(1_000_000);
        let l = RateLimiter::new(2, Duration::from_secs(60), Arc::new(clock.clone()));
        assert!(l.allowed("a"));
        l.record("a");
        l.record("a");
        assert!(!l.allowed("a"));
        assert!(l.allowed("b"));
        clock.advance(59_999);
        assert!(!l.allowed("a"));
        clock.advance(1);
        assert!(l.allowed("a"));
        l.record("a");
        l.record("a");
        l.reset("a");
        assert!(l.allowed("a"));
    }

    #[test]
    fn a_spray_of_names_does_not_wipe_a_guessed_names_count() {
        let clock = ManualClock::at(1_000_000);
        let l = RateLimiter::new(3, Duration::from_secs(60), Arc::new(clock.clone()));
        for _ in 0..3 {
            l.record("victim");
        }
        assert!(!l.allowed("victim"));
        for i in 0..(MAX_KEYS + 10) {
            l.record(&format!("spray-{i}"));
        }
        assert!(
            !l.allowed("victim"),
            "the guessed name's count survived the spray"
        );
        assert!(l.hits.lock().unwrap().len() <= MAX_KEYS);
    }
}
