//! The demo data set (`serve --demo`): a year of a partner tree's life, loaded once and recorded
//! in `settings` (`demo_loaded`), so a second start loads nothing.
//!
//! How it is made (docs/demo.md says it for users):
//! - **Through the use cases.** Every row comes from the same service functions the console and
//!   the APIs call (partners, customers, invite links, funds, top-ups, coupons, orders, payment,
//!   renewal, unsubscription, usage import, the month close, invoices), so the ledger balances,
//!   `verify` passes and the audit log is the real one.
//! - **Backdated by the context's clock.** Each step runs with a [`Ctx`] whose `now_ms` is the
//!   historical moment (every service reads "now" from its context): the year ends at the loading
//!   context's time, in the business time zone (Asia/Shanghai), one pass over its days in order.
//!   Things that happen "today" (orders waiting for payment, a top-up waiting for confirmation)
//!   are placed in the last hours before loading.
//! - **Deterministic.** A fixed seed ([`SEED`]) drives a small PRNG ([`Prng`]): two loads at the
//!   same moment make the same partners, customers, amounts, times and statuses. The ids the
//!   services draw (customer, order, coupon and key ids, the access keys' secrets) are random, as
//!   they are for any other caller: that is the one difference between two loads.
//! - What cannot be backdated: nothing the demo does. Every service it calls takes "now" from its
//!   context; after a load no stored time is later than the history's last event, but expiry
//!   dates (and the migrations' own times).

mod coupons;
mod history;
mod money;
mod offers;
mod orders;
mod people;

use crate::store::sql;

use crate::context::{Actor, Ctx};
use crate::crypto::MasterKey;
use crate::error::AppResult;
use crate::services::partners;
use crate::store::Db;

pub use people::{DEMO_PASSWORD, OPERATOR_LOGIN};

/// The demo's seed: change it and the history changes; keep it and every load is the same.
pub const SEED: u64 = 0x5043_2026_DE30_0001;

/// How far back the history goes.
pub const HISTORY_DAYS: i64 = 365;

pub(crate) const MINUTE_MS: i64 = 60_000;
pub(crate) const HOUR_MS: i64 = 60 * MINUTE_MS;
pub(crate) const DAY_MS: i64 = 24 * HOUR_MS;

/// One demo login: its role in both languages (startup prints the command's), name and password.
#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoLogin {
    pub role: String,
    pub role_zh: String,
    pub login: String,
    pub password: String,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DemoInfo {
    /// The logins, in the order startup prints them.
    pub logins: Vec<DemoLogin>,
    pub distributor: partners::CreatedPartner,
}

/// Loads the demo set unless it was loaded before; returns what was created, or `None`.
pub async fn load_once(db: &Db, ctx: Ctx, mk: MasterKey) -> AppResult<Option<DemoInfo>> {
    let loaded: Option<String> =
        sql::query_scalar("SELECT value FROM settings WHERE key = 'demo_loaded'")
            .fetch_optional(db.read())
            .await?;
    if loaded.is_some() {
        return Ok(None);
    }
    let mut demo = Demo::new(db, ctx, mk);
    let (mut world, info) = people::base(&mut demo).await?;
    history::run(&mut demo, &mut world).await?;
    db.write(move |c| {
        Box::pin(async move {
            sql::query("INSERT INTO settings (key, value) VALUES ('demo_loaded', '1')")
                .execute(c)
                .await?;
            Ok(())
        })
    })
    .await?;
    Ok(Some(info))
}

/// A tiny deterministic generator (SplitMix64): enough to vary a demo, never for secrets.
pub struct Prng(u64);

impl Prng {
    pub fn new(seed: u64) -> Self {
        Prng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: u64, den: u64) -> bool {
        self.next_u64() % den < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next_u64() % items.len() as u64) as usize]
    }
}

/// The loading's shared state: the database, the loading context (its actor acts for the system
/// and the operator; its time is the history's end), the generator and the request counter.
pub(crate) struct Demo<'a> {
    pub db: &'a Db,
    pub mk: MasterKey,
    pub base: Ctx,
    pub rng: Prng,
    seq: u64,
    /// The first day's midnight in Asia/Shanghai.
    pub start_ms: i64,
}

impl<'a> Demo<'a> {
    fn new(db: &'a Db, base: Ctx, mk: MasterKey) -> Self {
        let today = pc_domain::timefmt::cn_date(base.now_ms);
        let start_ms = pc_domain::timefmt::cn_day_start_ms(today) - HISTORY_DAYS * DAY_MS;
        Demo {
            db,
            mk,
            base,
            rng: Prng::new(SEED),
            seq: 0,
            start_ms,
        }
    }

    pub fn end_ms(&self) -> i64 {
        self.base.now_ms
    }

    /// The instant of day `day` (0 = a year ago) at `hour:minute` in Asia/Shanghai.
    pub fn at(&self, day: i64, hour: i64, minute: i64) -> i64 {
        self.start_ms + day * DAY_MS + hour * HOUR_MS + minute * MINUTE_MS
    }

    fn ctx(&mut self, actor: Actor, at: i64) -> Ctx {
        self.seq += 1;
        Ctx::new(actor, format!("demo-{:05}", self.seq), at)
    }

    /// The loading's own actor (the command line, or a test's system actor) at `at`: it stands
    /// for the operator.
    pub fn system(&mut self, at: i64) -> Ctx {
        let actor = self.base.actor.clone();
        self.ctx(actor, at)
    }

    /// Someone on an invite link's page (the console's join pages act as this system actor).
    pub fn visitor(&mut self, at: i64) -> Ctx {
        let actor = Actor::System {
            name: "invite-page".into(),
        };
        self.ctx(actor, at)
    }

    pub fn partner(&mut self, p: &DemoPartner, at: i64) -> Ctx {
        let actor = Actor::Partner {
            partner_id: p.id.clone(),
            root_id: p.root_id.clone(),
            user_id: None,
            role: pc_domain::party::Role::PartnerAdmin,
        };
        self.ctx(actor, at)
    }

    pub fn customer(&mut self, customer_id: &str, at: i64) -> Ctx {
        let actor = Actor::Customer {
            customer_id: customer_id.to_string(),
            user_id: None,
        };
        self.ctx(actor, at)
    }
}

/// A partner of the demo tree.
#[derive(Debug, Clone)]
pub(crate) struct DemoPartner {
    pub id: String,
    pub root_id: String,
}

/// A customer of the demo.
#[derive(Debug, Clone)]
pub(crate) struct DemoCustomer {
    pub id: String,
    pub login: String,
    /// Its partner in [`World::partners`], while associated.
    pub partner: Option<usize>,
    pub resale: bool,
    /// Takes part in the history (the original five stay as they were, for the guided tests).
    pub lives: bool,
}

/// A yearly/monthly resource a demo customer bought.
#[derive(Debug, Clone)]
pub(crate) struct Owned {
    pub customer: usize,
    pub resource_id: String,
    pub bought_ms: i64,
    /// Renewed or unsubscribed already: the demo leaves it alone from then on.
    pub done: bool,
}

/// A coupon a demo customer holds.
#[derive(Debug, Clone)]
pub(crate) struct Held {
    pub customer: usize,
    pub coupon_id: String,
    /// Its issuer in [`World::partners`].
    pub issuer: usize,
    /// Issued to run out unused (a short validity).
    pub to_expire: bool,
}

/// Everything the history refers back to.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub partners: Vec<DemoPartner>,
    pub customers: Vec<DemoCustomer>,
    pub resources: Vec<Owned>,
    pub coupons: Vec<Held>,
    /// The voucher quota each partner issues from (the distributor's own, the resellers' child
    /// quotas), by partner index.
    pub quotas: Vec<(usize, String)>,
    /// Cash coupons not yet recalled: (issuer's partner index, coupon id).
    pub cash: Vec<(usize, String)>,
    /// Invite link tokens by partner index.
    pub links: Vec<(usize, String)>,
}

/// Partner indexes in [`World::partners`].
pub(crate) const DIST: usize = 0;
pub(crate) const HANGZHOU: usize = 1;
pub(crate) const CONSULTANT: usize = 2;
pub(crate) const SUZHOU: usize = 3;
pub(crate) const NINGBO: usize = 4;

impl World {
    pub fn partner(&self, i: usize) -> DemoPartner {
        self.partners[i].clone()
    }

    pub fn quota_of(&self, partner: usize) -> Option<String> {
        self.quotas
            .iter()
            .find(|(p, _)| *p == partner)
            .map(|(_, q)| q.clone())
    }

    pub fn link_of(&self, partner: usize) -> Option<String> {
        self.links
            .iter()
            .find(|(p, _)| *p == partner)
            .map(|(_, t)| t.clone())
    }

    /// The index of the customer with this login.
    pub fn by_login(&self, login: &str) -> Option<usize> {
        self.customers.iter().position(|c| c.login == login)
    }
}
