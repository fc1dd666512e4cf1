//! Model-based test of the money core: random sequences of operations on the ledger (operator
//! credits, allocation to / reclaim from resale customers, a distributor funding / reclaiming its
//! reseller), on idempotency keys (save / find with the same and another request hash, and a
//! keyed allocation that commits its key with its writes) and on the coupon lifecycle (quota
//! grants, freezing, a distributor's grant to / reclaim from its reseller, issue, lock for an
//! order, consume, release, recall, the expiry job over a moving clock) are run against the real
//! services and a real database (SQLite, and PostgreSQL when `PC_TEST_POSTGRES_URL` is set), and
//! STEP BY STEP against a small in-memory reference model.
//!
//! After every step: the service's answer (success and its value, or exactly which error code)
//! equals the model's prediction, and every balance (partner, customer, reseller cash, quota and
//! coupon accounts), every coupon's status, lock and recalled amount, every quota's status, issue
//! count and value, and every idempotency row read back from the database equals the model's.
//! After every case `ledger::verify` finds nothing new. A failing sequence is shrunk by proptest to
//! a minimal one, which the failure prints.
//!
//! The database is opened once per engine; each case creates its own distributor, reseller and
//! customers, so cases never see each other's rows, and starts with a fixed, equally checked
//! prologue (both partners funded, each with a quota and one coupon) so that the generated steps
//! mostly act on something. The clock is the model's: each case starts a year after the previous
//! one and first runs the expiry job, which retires whatever an earlier (possibly aborted) case
//! left live, so the job's counts in a case are exactly the model's.
//!
//! Fast mode: 32 cases of up to 40 generated steps per engine; `PC_PROOF_LONG=1`: 1000 cases.
//! The result line counts every step executed (prologues and shrinking runs included) and names
//! the run's seed: `PROPTEST_RNG_SEED=<seed>` replays the same sequences.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::time::{Duration, Instant};

use pc_app::crypto::MasterKey;
use pc_app::services::{coupons, customers, funds, partners};
use pc_app::store::sql::{self};
use pc_app::store::{idempotency, ledger, testing, Db};
use pc_app::{Actor, AppError, AppResult, Code, Ctx};
use pc_domain::coupons::{QuotaLimits, QuotaType};
use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::Money;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};

const SCENARIO: &str = "model";
const MAX_STEPS: usize = 40;
const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Each case starts this long after the previous one: longer than any case's clock can run
/// (40 steps of at most 2 days, quotas of at most 3 days), so every coupon of an earlier case has
/// expired by the time the next case starts.
const CASE_SPACING: i64 = 365 * DAY;
const FIRST_CASE_AT: i64 = 1_700_000_000_000;
const PASSWORD: &str = "Passw0rd!";

// ------------------------------------------------------------------------------------------------
// The result line (the same format as the server tests' `common::proof::report`).

fn long() -> bool {
    std::env::var("PC_PROOF_LONG").is_ok_and(|v| v == "1")
}

/// Prints `PROOF<TAB>scenario<TAB>engine<TAB>operations<TAB>failures<TAB>seconds<TAB>detail`.
/// The caller fails the test when any engine had failures (after every engine has reported).
fn report(engine: &str, ops: u64, failures: u64, took: Duration, detail: &str) {
    let detail = detail.replace(['\t', '\n'], " ");
    println!(
        "\nPROOF\t{SCENARIO}\t{engine}\t{ops}\t{failures}\t{:.1}\t{detail}",
        took.as_secs_f64()
    );
}

// ------------------------------------------------------------------------------------------------
// Operations

/// The two partners of a case: a master distributor and its cloud reseller.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Who {
    D,
    R,
}

impl Who {
    fn other(self) -> Who {
        match self {
            Who::D => Who::R,
            Who::R => Who::D,
        }
    }
}

/// Who acts on whose behalf: a partner for itself, the distributor for its reseller (allowed),
/// the reseller for the distributor (refused), the distributor naming itself as its reseller.
#[derive(Clone, Copy, Debug)]
enum As {
    D,
    R,
    DForR,
    RForD,
    DForD,
}

impl As {
    fn caller(self) -> Who {
        match self {
            As::D | As::DForR | As::DForD => Who::D,
            As::R | As::RForD => Who::R,
        }
    }

    fn indirect(self) -> Option<Who> {
        match self {
            As::D | As::R => None,
            As::DForR => Some(Who::R),
            As::RForD | As::DForD => Some(Who::D),
        }
    }

    /// The partner acted on. Coupons ignore an `indirect_partner_id` naming the caller itself;
    /// funds treat it as a reseller that is not the caller's.
    fn acting(self, coupon_rules: bool) -> Result<Who, Code> {
        match self {
            As::D => Ok(Who::D),
            As::R | As::DForR => Ok(Who::R),
            As::RForD => Err(Code::NoResellerPermission),
            As::DForD if coupon_rules => Ok(Who::D),
            As::DForD => Err(Code::NoResellerPermission),
        }
    }
}

/// Customer slots: 0, 1 resale customers of D; 2 a consulting customer of D; 3 a resale customer
/// of R; 4 and 5 the partners' own ids (a partner is not its own customer).
const SLOTS: usize = 6;
const SLOT_D: usize = 4;
const SLOT_R: usize = 5;

#[derive(Clone, Copy, Debug)]
enum Cust {
    /// One of the acting partner's resale customers.
    Own(u8),
    /// Any slot.
    Any(u8),
}

fn association(partner: Who, slot: usize) -> Option<AssociationType> {
    match (partner, slot) {
        (Who::D, 0 | 1) | (Who::R, 3) => Some(AssociationType::Resale),
        (Who::D, 2) => Some(AssociationType::Consulting),
        _ => None,
    }
}

/// A coupon of the case: one locked by an order (the latest such; the first coupon when none is),
/// or the n-th issued (modulo how many there are). With no coupon yet, an id that does not exist.
#[derive(Clone, Copy, Debug)]
enum CRef {
    Locked,
    Nth(u8),
}

/// An order: the one holding the coupon's lock (order 0 when it is not locked), or order n.
#[derive(Clone, Copy, Debug)]
enum ORef {
    Holder,
    N(u8),
}

#[derive(Clone, Debug)]
enum Op {
    Credit {
        to: Who,
        cents: i64,
    },
    CustomerFunds {
        by: As,
        cust: Cust,
        cents: i64,
        reclaim: bool,
    },
    ResellerFunds {
        by: Who,
        cents: i64,
        reclaim: bool,
    },
    /// An allocation by D under an idempotency key, committed with its key as the HTTP layer does.
    KeyedAllocate {
        key: u8,
        cust: Cust,
        cents: i64,
    },
    /// The client retries the case's last keyed allocation, unchanged (nothing when none yet).
    KeyedRetry,
    IdemSave {
        scope: Who,
        key: u8,
        hash: u8,
        body: u8,
    },
    IdemFind {
        scope: Who,
        key: u8,
        hash: u8,
    },
    GrantQuota {
        to: Who,
        cents: i64,
        cash: bool,
        long: bool,
        max_count: Option<i64>,
        face_limits: bool,
    },
    QuotaStatus {
        quota: u8,
        frozen: bool,
    },
    GrantReseller {
        by: Who,
        quota: u8,
        cents: i64,
    },
    ReclaimReseller {
        by: Who,
        quota: u8,
    },
    /// `by: None`: the quota's owner issues.
    Issue {
        by: Option<As>,
        quota: u8,
        custs: Vec<Cust>,
        face: i64,
        validity: u8,
    },
    /// `claimant: None`: the coupon's own customer.
    Lock {
        coupon: CRef,
        claimant: Option<u8>,
        order: ORef,
    },
    Release {
        coupon: CRef,
        order: ORef,
    },
    Consume {
        coupon: CRef,
        order: ORef,
        cents: i64,
    },
    /// `by: None`: the coupon's issuer recalls.
    Recall {
        by: Option<As>,
        coupon: CRef,
    },
    Advance {
        minutes: i64,
    },
    Expire,
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![3 => Just(Who::D), 1 => Just(Who::R)]
}

fn acting_as() -> impl Strategy<Value = As> {
    prop_oneof![
        6 => Just(As::D),
        3 => Just(As::R),
        3 => Just(As::DForR),
        1 => Just(As::RForD),
        1 => Just(As::DForD),
    ]
}

fn cust() -> impl Strategy<Value = Cust> {
    prop_oneof![
        6 => (0u8..2).prop_map(Cust::Own),
        1 => (0u8..SLOTS as u8).prop_map(Cust::Any),
    ]
}

/// Amounts of money: mostly positive and small enough to both succeed and overdraw, sometimes 0.
fn cents() -> impl Strategy<Value = i64> {
    prop_oneof![1 => Just(0i64), 8 => 1i64..3000, 2 => Just(5000i64)]
}

fn idx() -> impl Strategy<Value = u8> {
    0u8..8
}

/// `locked` in `locked + 1`: how often the step goes for a locked coupon.
fn coupon_ref(locked: u32) -> impl Strategy<Value = CRef> {
    prop_oneof![locked => Just(CRef::Locked), 1 => idx().prop_map(CRef::Nth)]
}

fn order_ref() -> impl Strategy<Value = ORef> {
    prop_oneof![3 => Just(ORef::Holder), 2 => (0u8..2).prop_map(ORef::N)]
}

fn op() -> impl Strategy<Value = Op> {
    let funds = prop_oneof![
        3 => (who(), cents()).prop_map(|(to, cents)| Op::Credit { to, cents }),
        4 => (acting_as(), cust(), cents(), any::<bool>())
            .prop_map(|(by, cust, cents, reclaim)| Op::CustomerFunds { by, cust, cents, reclaim }),
        2 => (who(), cents(), any::<bool>())
            .prop_map(|(by, cents, reclaim)| Op::ResellerFunds { by, cents, reclaim }),
    ];
    let idem = prop_oneof![
        // Few keys and amounts, so retries (same key, same request) and conflicts (same key,
        // another request) are frequent; 50 000 always overdraws, and must leave no key behind.
        3 => (0u8..3, (0u8..2).prop_map(Cust::Own), prop_oneof![Just(100i64), Just(700), Just(50_000)])
            .prop_map(|(key, cust, cents)| Op::KeyedAllocate { key, cust, cents }),
        2 => Just(Op::KeyedRetry),
        1 => (who(), 0u8..3, 0u8..2, 0u8..2)
            .prop_map(|(scope, key, hash, body)| Op::IdemSave { scope, key, hash, body }),
        1 => (who(), 0u8..3, 0u8..2).prop_map(|(scope, key, hash)| Op::IdemFind { scope, key, hash }),
    ];
    let quotas = prop_oneof![
        3 => (
            who(),
            prop_oneof![Just(500i64), Just(2000), Just(10_000)],
            prop::bool::weighted(0.1),
            prop::bool::weighted(0.5),
            prop_oneof![3 => Just(None), 1 => Just(Some(1i64)), 1 => Just(Some(3))],
            prop::bool::weighted(0.3),
        )
            .prop_map(|(to, cents, cash, long, max_count, face_limits)| Op::GrantQuota {
                to,
                cents,
                cash,
                long,
                max_count,
                face_limits,
            }),
        1 => (idx(), prop::bool::weighted(0.5))
            .prop_map(|(quota, frozen)| Op::QuotaStatus { quota, frozen }),
        2 => (prop_oneof![5 => Just(Who::D), 1 => Just(Who::R)], idx(), cents())
            .prop_map(|(by, quota, cents)| Op::GrantReseller { by, quota, cents }),
        1 => (prop_oneof![5 => Just(Who::D), 1 => Just(Who::R)], idx())
            .prop_map(|(by, quota)| Op::ReclaimReseller { by, quota }),
    ];
    let by = || prop_oneof![5 => Just(None), 1 => acting_as().prop_map(Some)];
    let lifecycle = prop_oneof![
        5 => (
            by(),
            idx(),
            proptest::collection::vec(cust(), 1..=2),
            prop_oneof![Just(50i64), Just(100), Just(500), Just(1500), Just(5000)],
            prop_oneof![4 => Just(0u8), 4 => 1u8..5],
        )
            .prop_map(|(by, quota, custs, face, validity)| Op::Issue {
                by,
                quota,
                custs,
                face,
                validity,
            }),
        4 => (
            idx().prop_map(CRef::Nth),
            prop_oneof![8 => Just(None), 1 => (0u8..SLOTS as u8).prop_map(Some)],
            order_ref(),
        )
            .prop_map(|(coupon, claimant, order)| Op::Lock { coupon, claimant, order }),
        2 => (coupon_ref(2), order_ref()).prop_map(|(coupon, order)| Op::Release { coupon, order }),
        3 => (coupon_ref(3), order_ref(), cents())
            .prop_map(|(coupon, order, cents)| Op::Consume { coupon, order, cents }),
        3 => (by(), coupon_ref(1)).prop_map(|(by, coupon)| Op::Recall { by, coupon }),
        // Mostly short moves, so coupons live a while; sometimes past every coupon and quota.
        3 => prop_oneof![
            3 => Just(10i64),
            3 => Just(45),
            2 => Just(150),
            1 => Just(600),
            1 => Just(2 * 24 * 60),
        ]
        .prop_map(|minutes| Op::Advance { minutes }),
        2 => Just(Op::Expire),
    ];
    prop_oneof![9 => funds, 4 => idem, 7 => quotas, 20 => lifecycle]
}

// ------------------------------------------------------------------------------------------------
// The model

#[derive(Clone, Debug)]
struct MQuota {
    id: String,
    owner: Who,
    parent: Option<usize>,
    voucher: bool,
    /// Everything ever granted into it.
    value: i64,
    status: i64,
    eff: i64,
    exp: i64,
    min_face: Option<i64>,
    max_face: Option<i64>,
    max_count: Option<i64>,
    issued: i64,
}

#[derive(Clone, Debug)]
struct MCoupon {
    id: String,
    issuer: Who,
    quota: usize,
    customer_slot: usize,
    status: i64,
    eff: i64,
    exp: i64,
    lock: Option<String>,
    reclaimed: Option<i64>,
}

impl MCoupon {
    /// Stored usable and inside its validity: what lock, consume and recall require.
    fn live(&self, now: i64) -> bool {
        self.status == 2 && self.eff <= now && now < self.exp
    }
}

/// One case: its parties in the database and the model of everything they own.
struct Case<'a> {
    db: &'a Db,
    /// Partner ids and domain ids.
    d: String,
    r: String,
    /// Ids of the slots (customers 0..4, then D's and R's partner ids).
    slot_ids: Vec<String>,
    orders: String,
    now: i64,
    /// Ledger balances by account id (the external world is not modelled).
    bal: BTreeMap<String, i64>,
    quotas: Vec<MQuota>,
    coupons: Vec<MCoupon>,
    /// (scope, key) → (request hash, saved response).
    idem: BTreeMap<(String, String), (String, idempotency::Saved)>,
    /// The last keyed allocation, for `KeyedRetry`.
    last_keyed: Option<Op>,
}

type Step = Result<(), String>;

fn code<T>(r: AppResult<T>) -> Result<T, Code> {
    r.map_err(|e: AppError| e.code)
}

thread_local! {
    /// What the steps did, by operation and outcome (`issue:ok`, `lock_for_order:CouponLocked`):
    /// printed with the result line, so a run that exercised little shows it.
    static TALLY: RefCell<BTreeMap<String, u64>> = const { RefCell::new(BTreeMap::new()) };
}

fn tally(what: &str, outcome: String) {
    let name = what.split(' ').next().unwrap_or(what);
    TALLY.with(|t| {
        *t.borrow_mut()
            .entry(format!("{name}:{outcome}"))
            .or_insert(0) += 1
    });
}

fn expect<T: PartialEq + Debug>(what: &str, want: &Result<T, Code>, got: &Result<T, Code>) -> Step {
    tally(
        what,
        match want {
            Ok(_) => "ok".into(),
            Err(c) => format!("{c:?}"),
        },
    );
    if want == got {
        Ok(())
    } else {
        Err(format!(
            "{what}: the model predicted {want:?}, the service returned {got:?}"
        ))
    }
}

fn pick(len: usize, i: u8) -> Option<usize> {
    (len > 0).then(|| usize::from(i) % len)
}

fn cash(kind: AccountKind, owner: &str) -> String {
    ledger::account_id(kind, owner)
}

impl<'a> Case<'a> {
    async fn new(db: &'a Db, now: i64) -> Case<'a> {
        let sys = Ctx::new(
            Actor::System {
                name: "model".into(),
            },
            "model-setup",
            now,
        );
        let partner = |t: PartnerType, parent: Option<String>| {
            let ctx = sys.clone();
            async move {
                partners::create(
                    db,
                    ctx,
                    MasterKey::generate(),
                    partners::NewPartner {
                        name: "Model".into(),
                        partner_type: t,
                        parent_id: parent,
                        login: None,
                        password: Some(PASSWORD.into()),
                    },
                )
                .await
                .expect("create partner")
                .partner_id
            }
        };
        let d = partner(PartnerType::Distributor, None).await;
        let r = partner(PartnerType::Reseller, Some(d.clone())).await;
        // Customers need no login here (the model never signs in): the account and its
        // association, through the customer services, without the cost of hashing a password.
        let (dd, rr, ctx) = (d.clone(), r.clone(), sys.clone());
        let mut slot_ids = db
            .write(move |c| {
                Box::pin(async move {
                    let mut ids = Vec::new();
                    for (n, (owner, t)) in [
                        (&dd, AssociationType::Resale),
                        (&dd, AssociationType::Resale),
                        (&dd, AssociationType::Consulting),
                        (&rr, AssociationType::Resale),
                    ]
                    .into_iter()
                    .enumerate()
                    {
                        let p = partners::get(&mut *c, owner).await?.expect("partner");
                        let name = format!("model-{}-{n}", pc_domain::ids::random_hex(6));
                        let id = customers::insert_customer(
                            c,
                            &ctx,
                            &name,
                            None,
                            Default::default(),
                            None,
                        )
                        .await?;
                        customers::associate(c, &ctx, &p, &id, t, None).await?;
                        ids.push(id);
                    }
                    Ok(ids)
                })
            })
            .await
            .expect("create customers");
        slot_ids.push(d.clone());
        slot_ids.push(r.clone());
        Case {
            db,
            d,
            r,
            slot_ids,
            orders: format!("ord-{}", pc_domain::ids::random_hex(6)),
            now,
            bal: BTreeMap::new(),
            quotas: Vec::new(),
            coupons: Vec::new(),
            idem: BTreeMap::new(),
            last_keyed: None,
        }
    }

    fn id(&self, w: Who) -> String {
        match w {
            Who::D => self.d.clone(),
            Who::R => self.r.clone(),
        }
    }

    fn self_slot(w: Who) -> usize {
        match w {
            Who::D => SLOT_D,
            Who::R => SLOT_R,
        }
    }

    fn system(&self) -> Ctx {
        Ctx::new(
            Actor::System {
                name: "model".into(),
            },
            "model",
            self.now,
        )
    }

    fn partner_ctx(&self, w: Who) -> Ctx {
        Ctx::new(
            Actor::Partner {
                partner_id: self.id(w),
                root_id: self.d.clone(),
                user_id: None,
                role: Role::PartnerAdmin,
            },
            "model",
            self.now,
        )
    }

    fn slot(&self, c: Cust, acting: Option<Who>) -> usize {
        match c {
            Cust::Any(i) => usize::from(i) % SLOTS,
            Cust::Own(i) => match acting {
                Some(Who::R) => 3,
                _ => usize::from(i) % 2,
            },
        }
    }

    fn partner_acct(&self, w: Who) -> String {
        cash(AccountKind::PartnerCash, &self.id(w))
    }

    fn cust_acct(&self, slot: usize) -> String {
        cash(AccountKind::CustomerCash, &self.slot_ids[slot])
    }

    fn quota_acct(&self, i: usize) -> String {
        cash(AccountKind::CouponQuota, &self.quotas[i].id)
    }

    fn coupon_acct(&self, i: usize) -> String {
        cash(AccountKind::Coupon, &self.coupons[i].id)
    }

    fn bal(&self, acct: &str) -> i64 {
        self.bal.get(acct).copied().unwrap_or(0)
    }

    /// Moves money between two modelled accounts; `None` is the outside world.
    fn mv(&mut self, from: Option<&str>, to: Option<&str>, amount: i64) {
        if let Some(f) = from {
            *self.bal.entry(f.to_string()).or_insert(0) -= amount;
        }
        if let Some(t) = to {
            *self.bal.entry(t.to_string()).or_insert(0) += amount;
        }
    }

    fn order(&self, o: u8) -> String {
        format!("{}-{o}", self.orders)
    }

    fn coupon_index(&self, r: CRef) -> Option<usize> {
        match r {
            CRef::Locked => self
                .coupons
                .iter()
                .rposition(|k| k.lock.is_some())
                .or_else(|| pick(self.coupons.len(), 0)),
            CRef::Nth(i) => pick(self.coupons.len(), i),
        }
    }

    fn order_of(&self, ki: Option<usize>, o: ORef) -> String {
        match (o, ki.and_then(|i| self.coupons[i].lock.clone())) {
            (ORef::Holder, Some(holder)) => holder,
            (ORef::Holder, None) => self.order(0),
            (ORef::N(n), _) => self.order(n),
        }
    }

    fn quota_id(&self, qi: Option<usize>) -> String {
        qi.map(|i| self.quotas[i].id.clone())
            .unwrap_or_else(|| "q-missing".into())
    }

    fn coupon_id(&self, ki: Option<usize>) -> String {
        ki.map(|i| self.coupons[i].id.clone())
            .unwrap_or_else(|| "cp-missing".into())
    }

    // --------------------------------------------------------------------------------------------
    // One step: predict, run the real service, compare, apply.

    async fn step(&mut self, op: &Op) -> Step {
        let db = self.db;
        let op = match op {
            Op::KeyedRetry => match self.last_keyed.clone() {
                Some(last) => last,
                None => return Ok(()),
            },
            Op::KeyedAllocate { .. } => {
                self.last_keyed = Some(op.clone());
                op.clone()
            }
            _ => op.clone(),
        };
        match op {
            Op::KeyedRetry => unreachable!("resolved above"),
            Op::Credit { to, cents } => {
                let want = if cents > 0 {
                    Ok(())
                } else {
                    Err(Code::InvalidParameter)
                };
                let (ctx, pid) = (self.system(), self.id(to));
                let credit = funds::Credit {
                    partner_id: pid,
                    amount: Money::from_cents(cents),
                    memo: None,
                };
                let got = funds::credit_partner(db, ctx, credit).await;
                expect("credit_partner", &want, &code(got).map(|_| ()))?;
                if want.is_ok() {
                    let to = self.partner_acct(to);
                    self.mv(None, Some(&to), cents);
                }
            }
            Op::CustomerFunds {
                by,
                cust,
                cents,
                reclaim,
            } => {
                let acting = by.acting(false);
                let slot = self.slot(cust, acting.ok());
                let want = self.predict_customer_move(acting, slot, cents, reclaim);
                let (ctx, caller, indirect, cid) = (
                    self.partner_ctx(by.caller()),
                    self.id(by.caller()),
                    by.indirect().map(|w| self.id(w)),
                    self.slot_ids[slot].clone(),
                );
                // The acting partner is the context's actor (`caller`), as on every surface.
                debug_assert_eq!(ctx.actor.partner_id().ok(), Some(caller.as_str()));
                let m = funds::CustomerFunds {
                    way: if reclaim {
                        funds::Way::Reclaim
                    } else {
                        funds::Way::Allocate
                    },
                    indirect_partner_id: indirect,
                    customer_id: cid,
                    amount: Money::from_cents(cents),
                };
                let got = funds::move_customer_funds(db, ctx, m).await;
                expect("move_customer_funds", &want, &code(got).map(|_| ()))?;
                if want.is_ok() {
                    self.apply_customer_move(acting.unwrap(), slot, cents, reclaim);
                }
            }
            Op::ResellerFunds { by, cents, reclaim } => {
                let (mine, theirs) = (self.partner_acct(by), self.partner_acct(by.other()));
                let want = if cents <= 0 {
                    Err(Code::InvalidParameter)
                } else if by != Who::D {
                    Err(Code::NoResellerPermission)
                } else if self.bal(if reclaim { &theirs } else { &mine }) < cents {
                    Err(Code::InsufficientBalance)
                } else {
                    Ok(())
                };
                let (ctx, other) = (self.partner_ctx(by), self.id(by.other()));
                let way = if reclaim {
                    funds::Way::Reclaim
                } else {
                    funds::Way::Allocate
                };
                let m = funds::ResellerFunds {
                    way,
                    reseller_id: other,
                    amount: Money::from_cents(cents),
                };
                let got = funds::move_reseller_funds(db, ctx, m).await;
                expect("move_reseller_funds", &want, &code(got).map(|_| ()))?;
                if want.is_ok() {
                    if reclaim {
                        self.mv(Some(&theirs), Some(&mine), cents);
                    } else {
                        self.mv(Some(&mine), Some(&theirs), cents);
                    }
                }
            }
            Op::KeyedAllocate { key, cust, cents } => {
                // A keyed allocation through the use case itself (`Db::run`: the key, the
                // transfer and the saved output commit together). Its keys live in a scope of
                // their own, so the raw store steps (`IdemSave`/`IdemFind`) never meet them.
                let slot = self.slot(cust, Some(Who::D));
                let (scope, key) = (format!("keyed:{}", self.d), format!("k{key}"));
                let hash = format!("allocate|{}|{cents}", self.slot_ids[slot]);
                // Some(body): a retry, answered with the first output; None: a fresh request,
                // whose output (the transfer id) the model learns from the service.
                let want: Result<Option<String>, Code> =
                    match self.idem.get(&(scope.clone(), key.clone())) {
                        Some((h, saved)) if *h == hash => Ok(Some(saved.body.clone())),
                        Some(_) => Err(Code::IdempotencyConflict),
                        None => self
                            .predict_customer_move(Ok(Who::D), slot, cents, false)
                            .map(|_| None),
                    };
                let ctx = self
                    .partner_ctx(Who::D)
                    .with_idempotency(Some(pc_app::IdempotencyKey {
                        scope: scope.clone(),
                        key: key.clone(),
                        request_hash: hash.clone(),
                    }));
                let m = funds::CustomerFunds {
                    way: funds::Way::Allocate,
                    indirect_partner_id: None,
                    customer_id: self.slot_ids[slot].clone(),
                    amount: Money::from_cents(cents),
                };
                let got = code(funds::move_customer_funds(db, ctx, m).await)
                    .map(|tid| serde_json::to_string(&tid).unwrap());
                let shape = match (&want, &got) {
                    (Ok(Some(_)), Ok(body)) => Ok(Some(body.clone())),
                    (_, Ok(_)) => Ok(None),
                    (_, Err(e)) => Err(*e),
                };
                if matches!(want, Ok(Some(_))) {
                    tally("keyed-allocate", "replayed".into());
                }
                expect("keyed-allocate", &want, &shape)?;
                if let (Ok(None), Ok(body)) = (&want, got) {
                    self.apply_customer_move(Who::D, slot, cents, false);
                    let saved = idempotency::Saved { status: 200, body };
                    self.idem.insert((scope, key), (hash, saved));
                }
            }
            Op::IdemSave {
                scope,
                key,
                hash,
                body,
            } => {
                let (scope, key, hash) = (self.id(scope), format!("k{key}"), format!("h{hash}"));
                let saved = idempotency::Saved {
                    status: 200,
                    body: format!("{{\"b\":{body}}}"),
                };
                let exists = self.idem.contains_key(&(scope.clone(), key.clone()));
                let want = if exists {
                    Err(Code::IdempotencyInFlight)
                } else {
                    Ok(())
                };
                let (s2, k2, h2, v2, now) = (
                    scope.clone(),
                    key.clone(),
                    hash.clone(),
                    saved.clone(),
                    self.now,
                );
                let got = db
                    .write(move |c| {
                        Box::pin(async move {
                            idempotency::save(c, idempotency::Form::Http, &s2, &k2, &h2, &v2, now)
                                .await
                        })
                    })
                    .await;
                expect("idempotency::save", &want, &code(got))?;
                if want.is_ok() {
                    self.idem.insert((scope, key), (hash, saved));
                }
            }
            Op::IdemFind { scope, key, hash } => {
                let (scope, key, hash) = (self.id(scope), format!("k{key}"), format!("h{hash}"));
                let want = match self.idem.get(&(scope.clone(), key.clone())) {
                    None => Ok(None),
                    Some((h, saved)) if *h == hash => Ok(Some(saved.clone())),
                    Some(_) => Err(Code::IdempotencyConflict),
                };
                let got = db
                    .write(move |c| {
                        Box::pin(async move {
                            idempotency::find(c, idempotency::Form::Http, &scope, &key, &hash).await
                        })
                    })
                    .await;
                expect("idempotency::find", &want, &code(got))?;
            }
            Op::GrantQuota {
                to,
                cents,
                cash,
                long,
                max_count,
                face_limits,
            } => {
                let exp = self.now + if long { 3 * DAY } else { 6 * HOUR };
                let (min_face, max_face) = if face_limits {
                    (Some(100), Some(3000))
                } else {
                    (None, None)
                };
                let g = coupons::NewQuota {
                    partner_id: self.id(to),
                    quota_type: if cash {
                        QuotaType::Cash
                    } else {
                        QuotaType::Voucher
                    },
                    amount: Money::from_cents(cents),
                    effective_at: None,
                    expire_at: Some(exp),
                    limits: QuotaLimits {
                        min_face: min_face.map(Money::from_cents),
                        max_face: max_face.map(Money::from_cents),
                        max_count,
                        ..QuotaLimits::default()
                    },
                };
                let ctx = self.system();
                let got = code(coupons::grant_quota(db, ctx, g).await).map(|g| g.quota_id);
                expect(
                    "grant_quota",
                    &Ok(()),
                    &got.as_ref().map(|_| ()).map_err(|e| *e),
                )?;
                self.quotas.push(MQuota {
                    id: got.unwrap(),
                    owner: to,
                    parent: None,
                    voucher: !cash,
                    value: cents,
                    status: 0,
                    eff: self.now,
                    exp,
                    min_face,
                    max_face,
                    max_count,
                    issued: 0,
                });
                let acct = self.quota_acct(self.quotas.len() - 1);
                self.mv(None, Some(&acct), cents);
            }
            Op::QuotaStatus { quota, frozen } => {
                let qi = pick(self.quotas.len(), quota);
                let status = if frozen { 5 } else { 0 };
                let want = if qi.is_some() {
                    Ok(())
                } else {
                    Err(Code::QuotaInvalid)
                };
                let (ctx, qid) = (self.system(), self.quota_id(qi));
                let a = coupons::QuotaAdjustment {
                    quota_id: qid,
                    limits: None,
                    top_up: None,
                    status: Some(status),
                };
                let got = coupons::adjust_quota(db, ctx, a).await.map(|_| ());
                expect("adjust_quota (status)", &want, &code(got))?;
                if let Some(i) = qi {
                    self.quotas[i].status = status;
                }
            }
            Op::GrantReseller { by, quota, cents } => self.grant_reseller(by, quota, cents).await?,
            Op::ReclaimReseller { by, quota } => self.reclaim_reseller(by, quota).await?,
            Op::Issue {
                by,
                quota,
                custs,
                face,
                validity,
            } => self.issue(by, quota, &custs, face, validity).await?,
            Op::Lock {
                coupon,
                claimant,
                order,
            } => {
                let ki = self.coupon_index(coupon);
                let claimant = match (claimant, ki) {
                    (Some(s), _) => usize::from(s) % SLOTS,
                    (None, Some(i)) => self.coupons[i].customer_slot,
                    (None, None) => 0,
                };
                let order = self.order_of(ki, order);
                let want = match ki.map(|i| &self.coupons[i]) {
                    Some(k)
                        if k.customer_slot == claimant
                            && k.live(self.now)
                            && k.lock.as_ref().is_none_or(|l| *l == order) =>
                    {
                        Ok(())
                    }
                    _ => Err(Code::CouponLocked),
                };
                let (ctx, kid, cid, oid) = (
                    self.system(),
                    self.coupon_id(ki),
                    self.slot_ids[claimant].clone(),
                    order.clone(),
                );
                let got = db
                    .write(move |c| {
                        Box::pin(
                            async move { coupons::lock_for_order(c, &ctx, &kid, &cid, &oid).await },
                        )
                    })
                    .await;
                expect("lock_for_order", &want, &code(got))?;
                if let (Ok(()), Some(i)) = (want, ki) {
                    self.coupons[i].lock = Some(order);
                }
            }
            Op::Release { coupon, order } => {
                let ki = self.coupon_index(coupon);
                let order = self.order_of(ki, order);
                let (ctx, kid, oid) = (self.system(), self.coupon_id(ki), order.clone());
                let got = db
                    .write(move |c| {
                        Box::pin(
                            async move { coupons::release_for_order(c, &ctx, &kid, &oid).await },
                        )
                    })
                    .await;
                expect("release_for_order", &Ok(()), &code(got))?;
                if let Some(i) = ki {
                    if self.coupons[i].lock.as_deref() == Some(order.as_str()) {
                        self.coupons[i].lock = None;
                    }
                }
            }
            Op::Consume {
                coupon,
                order,
                cents,
            } => {
                let ki = self.coupon_index(coupon);
                let order = self.order_of(ki, order);
                let want = match ki {
                    _ if cents <= 0 => Err(Code::InvalidParameter),
                    Some(i)
                        if self.coupons[i].lock.as_deref() == Some(order.as_str())
                            && self.coupons[i].live(self.now) =>
                    {
                        Ok(cents.min(self.bal(&self.coupon_acct(i))))
                    }
                    _ => Err(Code::CouponLocked),
                };
                let (ctx, kid, oid) = (self.system(), self.coupon_id(ki), order);
                let got = db
                    .write(move |c| {
                        Box::pin(async move {
                            coupons::consume_for_order(
                                c,
                                &ctx,
                                &kid,
                                &oid,
                                Money::from_cents(cents),
                            )
                            .await
                        })
                    })
                    .await;
                expect("consume_for_order", &want, &code(got).map(Money::cents))?;
                if let (Ok(used), Some(i)) = (want, ki) {
                    let acct = self.coupon_acct(i);
                    self.mv(Some(&acct), None, used);
                    self.coupons[i].lock = None;
                    if used > 0 && self.bal(&acct) == 0 {
                        self.coupons[i].status = 3;
                    }
                }
            }
            Op::Recall { by, coupon } => {
                let ki = self.coupon_index(coupon);
                let by = by.unwrap_or(match ki.map(|i| self.coupons[i].issuer) {
                    Some(Who::R) => As::R,
                    _ => As::D,
                });
                let want = (|| {
                    let p = by.acting(true)?;
                    let i = ki
                        .filter(|&i| self.coupons[i].issuer == p)
                        .ok_or(Code::NoCustomerPermission)?;
                    let k = &self.coupons[i];
                    if association(p, k.customer_slot) == Some(AssociationType::Consulting) {
                        return Err(Code::ReclaimConsultingCoupon);
                    }
                    if k.live(self.now) && k.lock.is_none() {
                        Ok(self.bal(&self.coupon_acct(i)))
                    } else if k.live(self.now) {
                        Err(Code::CouponLocked)
                    } else {
                        Err(Code::CouponNotReclaimable)
                    }
                })();
                let ctx = self.partner_ctx(by.caller());
                let r = coupons::Reclaim {
                    coupon_id: self.coupon_id(ki),
                    indirect_partner_id: by.indirect().map(|w| self.id(w)),
                    via_api: true,
                };
                let got = coupons::reclaim(db, ctx, r).await;
                expect("reclaim (recall)", &want, &code(got).map(Money::cents))?;
                if let (Ok(amount), Some(i)) = (want, ki) {
                    let (from, to) = (self.coupon_acct(i), self.quota_acct(self.coupons[i].quota));
                    self.mv(Some(&from), Some(&to), amount);
                    self.coupons[i].status = 5;
                    self.coupons[i].reclaimed = Some(amount);
                }
            }
            Op::Advance { minutes } => self.now += minutes * MINUTE,
            Op::Expire => {
                let (mut expired, mut returned) = (0usize, 0usize);
                for i in 0..self.coupons.len() {
                    let k = &self.coupons[i];
                    if k.status != 2 || k.exp > self.now {
                        continue;
                    }
                    let q = &self.quotas[k.quota];
                    let open = match q.status {
                        0 => self.now < q.exp,
                        6 => true,
                        _ => false,
                    };
                    let (from, to) = (self.coupon_acct(i), self.quota_acct(k.quota));
                    let amount = self.bal(&from);
                    self.coupons[i].status = 4;
                    self.coupons[i].lock = None;
                    expired += 1;
                    if amount > 0 && open {
                        self.mv(Some(&from), Some(&to), amount);
                        returned += 1;
                    }
                }
                let got = coupons::run_expiry_job(self.db, self.system()).await;
                let got = code(got).map(|r| {
                    (
                        r.expired,
                        r.returned_to_quota,
                        r.reclaimed_on_association_change,
                    )
                });
                expect("run_expiry_job", &Ok((expired, returned, 0)), &got)?;
            }
        }
        Ok(())
    }

    fn predict_customer_move(
        &self,
        acting: Result<Who, Code>,
        slot: usize,
        cents: i64,
        reclaim: bool,
    ) -> Result<(), Code> {
        if cents <= 0 {
            return Err(Code::InvalidParameter);
        }
        let p = acting?;
        match association(p, slot) {
            Some(AssociationType::Resale) => {}
            Some(AssociationType::Consulting) => return Err(Code::AssociationTypeNotAllowed),
            None => return Err(Code::NotSubCustomer),
        }
        let from = if reclaim {
            self.cust_acct(slot)
        } else {
            self.partner_acct(p)
        };
        if self.bal(&from) < cents {
            return Err(Code::InsufficientBalance);
        }
        Ok(())
    }

    fn apply_customer_move(&mut self, p: Who, slot: usize, cents: i64, reclaim: bool) {
        let (pa, ca) = (self.partner_acct(p), self.cust_acct(slot));
        if reclaim {
            self.mv(Some(&ca), Some(&pa), cents);
        } else {
            self.mv(Some(&pa), Some(&ca), cents);
        }
    }

    async fn grant_reseller(&mut self, by: Who, quota: u8, cents: i64) -> Step {
        let qi = pick(self.quotas.len(), quota);
        // Ok(Some(child index)) when the child exists already, Ok(None) when it will be created;
        // Err(code) per item inside a successful call is `Ok(Err(..))`.
        let want: Result<Result<Option<usize>, Code>, Code> = (|| {
            if cents <= 0 {
                return Err(Code::InvalidParameter);
            }
            if by != Who::D {
                return Err(Code::NoResellerPermission);
            }
            let i = qi
                .filter(|&i| self.quotas[i].owner == Who::D)
                .ok_or(Code::QuotaInvalid)?;
            let q = &self.quotas[i];
            if !q.voucher || q.parent.is_some() || q.status != 0 {
                return Err(Code::QuotaInvalid);
            }
            if self.now < q.eff || self.now >= q.exp {
                return Err(Code::QuotaNotInForce);
            }
            if self.bal(&self.quota_acct(i)) < cents {
                return Ok(Err(Code::QuotaInsufficient));
            }
            Ok(Ok(self
                .quotas
                .iter()
                .position(|c| c.parent == Some(i) && c.owner == Who::R)))
        })();
        let g = coupons::ResellerGrant {
            quota_id: self.quota_id(qi),
            reseller_ids: vec![self.r.clone()],
            amount: Money::from_cents(cents),
        };
        let got = code(coupons::grant_to_resellers(self.db, self.partner_ctx(by), g).await);
        let shape = got
            .as_ref()
            .map_err(|e| *e)
            .map(|o| match (&o.done[..], &o.failed[..]) {
                ([(_, child)], []) => Ok(self.quotas.iter().position(|q| q.id == *child)),
                ([], [(_, e)]) => Err(e.code),
                _ => Err(Code::Internal),
            });
        expect("grant_to_resellers", &want, &shape)?;
        if let (Ok(Ok(existing)), Some(pi)) = (want, qi) {
            let child = match existing {
                Some(c) => c,
                None => {
                    let p = self.quotas[pi].clone();
                    self.quotas.push(MQuota {
                        id: got.unwrap().done[0].1.clone(),
                        owner: Who::R,
                        parent: Some(pi),
                        value: 0,
                        status: 0,
                        issued: 0,
                        ..p
                    });
                    self.quotas.len() - 1
                }
            };
            let (from, to) = (self.quota_acct(pi), self.quota_acct(child));
            self.mv(Some(&from), Some(&to), cents);
            let c = &mut self.quotas[child];
            c.value += cents;
            if c.status == 6 {
                c.status = 0;
            }
        }
        Ok(())
    }

    async fn reclaim_reseller(&mut self, by: Who, quota: u8) -> Step {
        let qi = pick(self.quotas.len(), quota);
        let want: Result<Result<i64, Code>, Code> = (|| {
            if by != Who::D {
                return Err(Code::NoResellerPermission);
            }
            let Some(i) = qi.filter(|&i| {
                self.quotas[i]
                    .parent
                    .is_some_and(|p| self.quotas[p].owner == Who::D)
            }) else {
                return Ok(Err(Code::QuotaInvalid));
            };
            match self.bal(&self.quota_acct(i)) {
                0 => Ok(Err(Code::QuotaInsufficient)),
                _ => Ok(Ok(0)),
            }
        })();
        let r = coupons::ResellerReclaim {
            quota_ids: vec![self.quota_id(qi)],
            remark: None,
        };
        let got = coupons::reclaim_from_resellers(self.db, self.partner_ctx(by), r).await;
        let shape = code(got).map(|o| match (&o.done[..], &o.failed[..]) {
            ([(_, after)], []) => Ok(after.cents()),
            ([], [(_, e)]) => Err(e.code),
            _ => Err(Code::Internal),
        });
        expect("reclaim_from_resellers", &want, &shape)?;
        if let (Ok(Ok(_)), Some(i)) = (want, qi) {
            let parent = self.quotas[i].parent.unwrap();
            let (from, to) = (self.quota_acct(i), self.quota_acct(parent));
            let amount = self.bal(&from);
            self.mv(Some(&from), Some(&to), amount);
            if self.quotas[i].status == 0 {
                self.quotas[i].status = 6;
            }
        }
        Ok(())
    }

    async fn issue(
        &mut self,
        by: Option<As>,
        quota: u8,
        custs: &[Cust],
        face: i64,
        validity: u8,
    ) -> Step {
        let qi = pick(self.quotas.len(), quota);
        let by = by.unwrap_or(match qi.map(|i| self.quotas[i].owner) {
            Some(Who::R) => As::R,
            _ => As::D,
        });
        let acting = by.acting(true);
        let slots: Vec<usize> = custs.iter().map(|c| self.slot(*c, acting.ok())).collect();
        let now = self.now;
        let (valid, expire) = match validity % 5 {
            0 => (None, None),
            1 => (None, Some(now + HOUR)),
            2 => (None, Some(now + 3 * HOUR)),
            3 => (Some(now + HOUR), Some(now + 4 * HOUR)),
            _ => (None, Some(now + 2 * DAY)),
        };
        // Per customer: Ok(()) issued or the refusal; the whole call's refusal outside.
        let want: Result<Vec<Result<(), Code>>, Code> = (|| {
            let p = acting?;
            let i = qi
                .filter(|&i| self.quotas[i].owner == p)
                .ok_or(Code::QuotaInvalid)?;
            let q = &self.quotas[i];
            let mut selves = vec![Self::self_slot(p)];
            if by.caller() != p {
                selves.push(Self::self_slot(by.caller()));
            }
            let (eff, exp) = (valid.unwrap_or(q.eff), expire.unwrap_or(q.exp));
            if q.status != 0 {
                return Err(Code::QuotaInvalid);
            }
            if now < q.eff || now >= q.exp {
                return Err(Code::QuotaNotInForce);
            }
            if q.min_face.is_some_and(|m| face < m) {
                return Err(Code::FaceValueBelowMin);
            }
            if q.max_face.is_some_and(|m| face > m) {
                return Err(Code::FaceValueAboveMax);
            }
            if eff >= exp || exp <= now || eff < q.eff || exp > q.exp {
                return Err(Code::InvalidParameter);
            }
            let (mut issued, mut balance, mut total) = (q.issued, self.bal(&self.quota_acct(i)), 0);
            let mut seen = BTreeSet::new();
            Ok(slots
                .iter()
                .map(|&s| {
                    if !seen.insert(s) {
                        return Err(Code::InvalidParameter);
                    }
                    if selves.contains(&s) {
                        return Err(Code::CouponSelfIssue);
                    }
                    match association(p, s) {
                        Some(AssociationType::Resale) => {}
                        Some(AssociationType::Consulting) => {
                            return Err(Code::CouponCustomerTypeNotAllowed)
                        }
                        None => return Err(Code::NotSubCustomer),
                    }
                    if total + face > q.value {
                        return Err(Code::CouponTotalAboveQuota);
                    }
                    if q.max_count.is_some_and(|m| issued >= m) {
                        return Err(Code::CouponCountExceeded);
                    }
                    if balance < face {
                        return Err(Code::QuotaInsufficient);
                    }
                    issued += 1;
                    balance -= face;
                    total += face;
                    Ok(())
                })
                .collect())
        })();
        let req = coupons::IssueRequest {
            quota_id: self.quota_id(qi),
            customer_ids: slots.iter().map(|&s| self.slot_ids[s].clone()).collect(),
            face_value: Money::from_cents(face),
            valid_time: valid,
            expire_time: expire,
            indirect_partner_id: by.indirect().map(|w| self.id(w)),
            ..coupons::IssueRequest::default()
        };
        let got = coupons::issue(self.db, self.partner_ctx(by.caller()), req).await;
        let got = code(got);
        // The outcome lists issued and refused customers apart, each in request order: compare
        // both lists with the prediction's.
        let shape = got.as_ref().map_err(|e| *e).map(|o| {
            let issued: Vec<String> = o.issued.iter().map(|(c, _)| c.clone()).collect();
            let failed: Vec<(String, Code)> =
                o.failed.iter().map(|(c, e)| (c.clone(), e.code)).collect();
            (issued, failed)
        });
        let want_shape = want.as_ref().map_err(|e| *e).map(|items| {
            let mut issued = Vec::new();
            let mut failed = Vec::new();
            for (s, r) in slots.iter().zip(items) {
                match r {
                    Ok(()) => issued.push(self.slot_ids[*s].clone()),
                    Err(e) => failed.push((self.slot_ids[*s].clone(), *e)),
                }
            }
            (issued, failed)
        });
        if let Ok(items) = &want {
            for r in items {
                tally("issue-customer", format!("{:?}", r.map_err(|e| e)));
            }
        }
        expect(
            &format!("issue (acting {acting:?}, customers {slots:?})"),
            &want_shape,
            &shape,
        )?;
        if let (Ok(out), Some(i), Ok(p)) = (got, qi, acting) {
            let q = self.quotas[i].clone();
            let (eff, exp) = (valid.unwrap_or(q.eff), expire.unwrap_or(q.exp));
            for (cid, kid) in out.issued {
                let slot = self.slot_ids.iter().position(|s| *s == cid).unwrap();
                self.coupons.push(MCoupon {
                    id: kid,
                    issuer: p,
                    quota: i,
                    customer_slot: slot,
                    status: 2,
                    eff,
                    exp,
                    lock: None,
                    reclaimed: None,
                });
                let (from, to) = (self.quota_acct(i), self.coupon_acct(self.coupons.len() - 1));
                self.mv(Some(&from), Some(&to), face);
                self.quotas[i].issued += 1;
            }
        }
        Ok(())
    }

    // --------------------------------------------------------------------------------------------
    // What the database holds, against the model.

    async fn compare_db(&self) -> Step {
        let pool = self.db.read();
        let fail = |e: sql::Error| format!("reading back: {e}");
        // Balances.
        let mut ids: Vec<String> = vec![self.partner_acct(Who::D), self.partner_acct(Who::R)];
        ids.extend((0..4).map(|s| self.cust_acct(s)));
        ids.extend((0..self.quotas.len()).map(|i| self.quota_acct(i)));
        ids.extend((0..self.coupons.len()).map(|i| self.coupon_acct(i)));
        let ph: Vec<String> = (1..=ids.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, balance FROM ledger_accounts WHERE id IN ({})",
            ph.join(", ")
        );
        let mut q = sql::query(&sql);
        for id in &ids {
            q = q.bind(id.clone());
        }
        let rows = q.fetch_all(pool).await.map_err(fail)?;
        let db_bal: BTreeMap<String, i64> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
        for id in &ids {
            let (want, got) = (self.bal(id), db_bal.get(id).copied().unwrap_or(0));
            if want != got {
                return Err(format!(
                    "balance of {id}: the model holds {want}, the database {got}"
                ));
            }
        }
        // Coupons: the same set, each with the model's status, lock and recalled amount.
        let rows = sql::query(
            "SELECT id, status, lock_order_id, reclaimed_amount FROM coupons WHERE partner_id = $1 OR partner_id = $2",
        )
        .bind(&self.d)
        .bind(&self.r)
        .fetch_all(pool)
        .await
        .map_err(fail)?;
        let db_coupons: BTreeMap<String, (i64, Option<String>, Option<i64>)> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
            .collect();
        let model_coupons: BTreeMap<String, (i64, Option<String>, Option<i64>)> = self
            .coupons
            .iter()
            .map(|k| (k.id.clone(), (k.status, k.lock.clone(), k.reclaimed)))
            .collect();
        if db_coupons != model_coupons {
            return Err(format!(
                "coupons (status, lock, recalled): the model holds {model_coupons:?}, the database {db_coupons:?}"
            ));
        }
        // Quotas: status, issue count, value.
        let rows = sql::query(
            "SELECT id, status, issued_count, quota_value FROM coupon_quotas WHERE partner_id = $1 OR partner_id = $2",
        )
        .bind(&self.d)
        .bind(&self.r)
        .fetch_all(pool)
        .await
        .map_err(fail)?;
        let db_quotas: BTreeMap<String, (i64, i64, i64)> = rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2), r.get(3))))
            .collect();
        let model_quotas: BTreeMap<String, (i64, i64, i64)> = self
            .quotas
            .iter()
            .map(|q| (q.id.clone(), (q.status, q.issued, q.value)))
            .collect();
        if db_quotas != model_quotas {
            return Err(format!(
                "quotas (status, issued, value): the model holds {model_quotas:?}, the database {db_quotas:?}"
            ));
        }
        // Idempotency rows.
        let rows = sql::query(
            "SELECT scope, idem_key, request_hash, status_code, response_body FROM idempotency_keys WHERE scope = $1 OR scope = $2 OR scope = $3",
        )
        .bind(&self.d)
        .bind(&self.r)
        .bind(format!("keyed:{}", self.d))
        .fetch_all(pool)
        .await
        .map_err(fail)?;
        let db_idem: BTreeMap<(String, String), (String, i64, String)> = rows
            .iter()
            .map(|r| ((r.get(0), r.get(1)), (r.get(2), r.get(3), r.get(4))))
            .collect();
        let model_idem: BTreeMap<(String, String), (String, i64, String)> = self
            .idem
            .iter()
            .map(|(k, (h, s))| (k.clone(), (h.clone(), i64::from(s.status), s.body.clone())))
            .collect();
        if db_idem != model_idem {
            return Err(format!(
                "idempotency keys: the model holds {model_idem:?}, the database {db_idem:?}"
            ));
        }
        Ok(())
    }
}

/// Every case starts with these steps (checked like the generated ones): both partners funded,
/// each with a voucher quota and a coupon issued from it, so that most generated steps act on
/// something.
fn prologue() -> Vec<Op> {
    let grant = |to, cents, long| Op::GrantQuota {
        to,
        cents,
        cash: false,
        long,
        max_count: None,
        face_limits: false,
    };
    vec![
        Op::Credit {
            to: Who::D,
            cents: 20_000,
        },
        Op::Credit {
            to: Who::R,
            cents: 5_000,
        },
        // R's quota lasts 6 hours: its coupon, which inherits that validity, expires with it.
        grant(Who::D, 10_000, true),
        grant(Who::R, 3_000, false),
        Op::Issue {
            by: None,
            quota: 0,
            custs: vec![Cust::Own(0)],
            face: 1500,
            validity: 0,
        },
        Op::Issue {
            by: None,
            quota: 1,
            custs: vec![Cust::Own(0)],
            face: 1000,
            validity: 0,
        },
    ]
}

/// Runs one case: fresh parties, the pre-sweep, the prologue and the generated steps each
/// checked, then `verify` finds nothing that was not already known before the case.
async fn run_case(
    db: &Db,
    start: i64,
    ops: &[Op],
    steps: &Cell<u64>,
    known: &RefCell<BTreeSet<String>>,
) -> Result<(), String> {
    // Retire whatever earlier cases (a failing one included) left live.
    let sweep = Ctx::new(
        Actor::System {
            name: "model".into(),
        },
        "model-sweep",
        start,
    );
    coupons::run_expiry_job(db, sweep)
        .await
        .map_err(|e| format!("pre-case expiry sweep: {e}"))?;
    let mut case = Case::new(db, start).await;
    for (n, op) in prologue().iter().enumerate() {
        steps.set(steps.get() + 1);
        case.step(op)
            .await
            .map_err(|e| format!("prologue step {n} {op:?}: {e}"))?;
        case.compare_db()
            .await
            .map_err(|e| format!("after prologue step {n} {op:?}: {e}"))?;
    }
    for (n, op) in ops.iter().enumerate() {
        steps.set(steps.get() + 1);
        case.step(op)
            .await
            .map_err(|e| format!("step {n} {op:?}: {e}"))?;
        case.compare_db()
            .await
            .map_err(|e| format!("after step {n} {op:?}: {e}"))?;
    }
    let report = ledger::verify(db.read())
        .await
        .map_err(|e| format!("verify: {e}"))?;
    let mut known = known.borrow_mut();
    let new: Vec<String> = report
        .violations
        .iter()
        .filter(|v| !known.contains(*v))
        .cloned()
        .collect();
    known.extend(report.violations);
    if new.is_empty() {
        Ok(())
    } else {
        Err(format!("ledger::verify after the case: {new:?}"))
    }
}

#[test]
fn proof_model_ledger_idempotency_and_coupons() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let engines = rt.block_on(testing::engines("model"));
    let cases: u32 = if long() { 1000 } else { 32 };
    let strategy = proptest::collection::vec(op(), 1..=MAX_STEPS);
    // A fresh seed each run (more sequences over time), printed so that a failure can be replayed.
    let seed: u64 = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(rand::random);
    let mut failed = Vec::new();
    for (engine, db) in &engines {
        let started = Instant::now();
        let steps = Cell::new(0u64);
        let runs = Cell::new(0u64);
        let clock = Cell::new(FIRST_CASE_AT);
        let known = RefCell::new(BTreeSet::new());
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            // A failing sequence is shrunk, within bounds, so a failure still reports promptly.
            max_shrink_iters: 2000,
            max_shrink_time: 180_000,
            rng_seed: RngSeed::Fixed(seed),
            ..Config::default()
        });
        let outcome = runner.run(&strategy, |ops| {
            runs.set(runs.get() + 1);
            clock.set(clock.get() + CASE_SPACING);
            rt.block_on(run_case(db, clock.get(), &ops, &steps, &known))
                .map_err(TestCaseError::fail)
        });
        let fin = rt.block_on(ledger::verify(db.read())).expect("verify");
        let tallied = TALLY.with(|t| std::mem::take(&mut *t.borrow_mut()));
        eprintln!("{SCENARIO} on {engine}: outcomes predicted and met: {tallied:#?}");
        let n = |k: &str| tallied.get(k).copied().unwrap_or(0);
        let coverage = format!(
            "coupons issued {}, locked {}, consumed {}, recalled {} (refused while locked {}), expiry runs {}, \
             keyed allocations {} (replayed {}, conflicts {}), money moves {}",
            n("issue-customer:Ok(())"),
            n("lock_for_order:ok"),
            n("consume_for_order:ok"),
            n("reclaim:ok"),
            n("reclaim:CouponLocked"),
            n("run_expiry_job:ok"),
            n("keyed-allocate:ok"),
            n("keyed-allocate:replayed"),
            n("keyed-allocate:IdempotencyConflict"),
            n("move_customer_funds:ok") + n("move_reseller_funds:ok") + n("credit_partner:ok"),
        );
        let (failures, detail) = match outcome {
            Ok(()) if fin.violations.is_empty() => (
                0,
                format!(
                    "{cases} cases of up to {MAX_STEPS} steps (+{} prologue steps), each checked against the model; \
                     {coverage}; verify clean ({} transfers); seed {seed}",
                    prologue().len(),
                    fin.transfers,
                ),
            ),
            Ok(()) => (1, format!("final verify: {:?}", fin.violations)),
            Err(TestError::Fail(reason, minimal)) => {
                eprintln!(
                    "{SCENARIO} on {engine}: minimal failing sequence ({} steps after the prologue):",
                    minimal.len()
                );
                for (n, op) in minimal.iter().enumerate() {
                    eprintln!("  {n:2}: {op:?}");
                }
                eprintln!("  failure: {reason}");
                (
                    1,
                    format!(
                        "seed {seed}: minimal failing sequence of {} steps after {} runs: {reason}",
                        minimal.len(),
                        runs.get()
                    ),
                )
            }
            Err(TestError::Abort(reason)) => (1, format!("aborted: {reason}")),
        };
        report(engine, steps.get(), failures, started.elapsed(), &detail);
        if failures > 0 {
            failed.push(format!("{engine}: {detail}"));
        }
    }
    assert!(
        failed.is_empty(),
        "{SCENARIO}: the services departed from the model: {failed:#?}"
    );
}
