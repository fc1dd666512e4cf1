//! What every handler shares.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use pc_app::clock::{OffsetClock, SharedClock};
use pc_app::crypto::MasterKey;
use pc_app::services::identity::{self, KeyInfo};
use pc_app::{AppResult, Db};

use crate::config::Settings;
use crate::http::metrics::Metrics;
use crate::http::ratelimit::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub master_key: MasterKey,
    pub clock: SharedClock,
    pub settings: Arc<Settings>,
    pub keys: Arc<KeyCache>,
    pub metrics: Arc<Metrics>,
    pub login_limiter: Arc<RateLimiter>,
    /// `serve --test-clock`: the movable clock (also `clock`), shown on every console page.
    pub test_clock: Option<Arc<OffsetClock>>,
}

impl AppState {
    pub fn new(db: Db, master_key: MasterKey, clock: SharedClock, settings: Settings) -> Self {
        AppState {
            db,
            master_key,
            login_limiter: Arc::new(RateLimiter::new(
                10,
                Duration::from_secs(15 * 60),
                clock.clone(),
            )),
            clock,
            settings: Arc::new(settings),
            keys: Arc::new(KeyCache::default()),
            metrics: Arc::new(Metrics::default()),
            test_clock: None,
        }
    }

    /// The state of a server on the movable test clock: `clock` reads it too.
    pub fn on_test_clock(mut self, clock: Arc<OffsetClock>) -> Self {
        self.clock = clock.clone();
        self.login_limiter = Arc::new(RateLimiter::new(
            10,
            Duration::from_secs(15 * 60),
            clock.clone(),
        ));
        self.test_clock = Some(clock);
        self
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }
}

/// A short-lived cache of decrypted access keys, so a signed read costs no key query. A revoke on
/// this instance evicts at once; other instances sharing the database see it within [`KEY_TTL`].
#[derive(Default)]
pub struct KeyCache {
    map: RwLock<HashMap<String, (KeyInfo, Instant)>>,
}

pub const KEY_TTL: Duration = Duration::from_secs(10);
const KEY_CACHE_MAX: usize = 10_000;

impl KeyCache {
    pub async fn get(&self, db: &Db, mk: &MasterKey, ak: &str) -> AppResult<Option<KeyInfo>> {
        if let Some((info, at)) = self.map.read().expect("key cache lock").get(ak) {
            if at.elapsed() < KEY_TTL {
                return Ok(Some(info.clone()));
            }
        }
        let found = identity::lookup_key(db.read(), mk, ak).await?;
        let mut map = self.map.write().expect("key cache lock");
        match &found {
            Some(info) => {
                if map.len() >= KEY_CACHE_MAX {
                    map.clear();
                }
                map.insert(ak.to_string(), (info.clone(), Instant::now()));
            }
            None => {
                map.remove(ak);
            }
        }
        Ok(found)
    }

    pub fn evict(&self, ak: &str) {
        self.map.write().expect("key cache lock").remove(ak);
    }
}
