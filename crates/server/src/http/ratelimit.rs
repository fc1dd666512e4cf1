//! A small in-process limiter for console logins and verification codes: at most `max` events per
//! key in a sliding `window`. It protects one instance; it is a brake on guessing, not an
//! accounting mechanism, so it need not be shared between instances.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct RateLimiter {
    max: usize,
    window: Duration,
    hits: Mutex<HashMap<String, Vec<Instant>>>,
}

impl RateLimiter {
    pub fn new(max: usize, window: Duration) -> Self {
        RateLimiter {
            max,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Whether another event for `key` is allowed now (does not record it).
    pub fn allowed(&self, key: &str) -> bool {
        let mut map = self.hits.lock().expect("limiter lock");
        let now = Instant::now();
        let v = map.entry(key.to_string()).or_default();
        v.retain(|t| now.duration_since(*t) < self.window);
        v.len() < self.max
    }

    pub fn record(&self, key: &str) {
        let mut map = self.hits.lock().expect("limiter lock");
        if map.len() > 100_000 {
            map.clear();
        }
        map.entry(key.to_string()).or_default().push(Instant::now());
    }

    pub fn reset(&self, key: &str) {
        self.hits.lock().expect("limiter lock").remove(key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_after_max() {
        let l = RateLimiter::new(2, Duration::from_secs(60));
        assert!(l.allowed("a"));
        l.record("a");
        l.record("a");
        assert!(!l.allowed("a"));
        assert!(l.allowed("b"));
        l.reset("a");
        assert!(l.allowed("a"));
    }
}
