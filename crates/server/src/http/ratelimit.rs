//! A small in-process limiter for console logins and verification codes: at most `max` events per
//! key in a sliding `window`. It protects one instance; it is a brake on guessing, not an
//! accounting mechanism, so it need not be shared between instances.
//!
//! Time comes from the application clock (docs/ARCHITECTURE.md, Time), not the OS monotonic clock, so the window is
//! the same one the rest of the server (and a test moving a manual clock) sees.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use pc_app::clock::SharedClock;

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
        let v = map.entry(key.to_string()).or_default();
        v.retain(|t| now.saturating_sub(*t) < self.window_ms);
        v.len() < self.max
    }

    pub fn record(&self, key: &str) {
        let now = self.clock.now_ms();
        let mut map = self.hits.lock().expect("limiter lock");
        if map.len() > 100_000 {
            map.clear();
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
}
