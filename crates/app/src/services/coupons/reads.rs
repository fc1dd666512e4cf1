//! Quotas, coupons and their records as read: the row types, the listings of the vendor API and
//! the console, and the partner an operation acts on.
//!
//! Each listing is a read use case, `(db, ctx, query) -> Listing`: whose rows it covers comes
//! from `ctx.actor` (a partner, or with `indirect_partner_id` a master distributor's reseller; a
//! customer; an operator), and it returns what the surfaces render, the names of other
//! capabilities' rows included.

use crate::store::filters::{count_and_page, Arg, Conditions};
use std::collections::HashMap;

use crate::store::sql::{self, Conn, Exec, ReadPool};
use pc_domain::coupons::{self, QuotaLimits, QuotaType};
use pc_domain::ledger::AccountKind;
use pc_domain::Money;

use super::*;
use crate::context::Actor;
use crate::error::{AppError, AppResult, Code};
use crate::services::customers::lookup as customer_lookup;
use crate::services::partners::lookup::{self as partner_lookup, PartnerSummary};
use crate::services::{funds, partners};
use crate::store::{ledger, Db};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Quota {
    pub id: String,
    pub root_id: String,
    pub partner_id: String,
    pub parent_quota_id: Option<String>,
    #[serde(skip)]
    pub quota_type: QuotaType,
    /// Everything ever granted into the quota.
    pub quota_value: Money,
    /// The stored status; see [`Quota::status_at`].
    pub status: i64,
    pub effective_at: i64,
    pub expire_at: i64,
    #[serde(skip)]
    pub limits: QuotaLimits,
    pub issued_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// The ledger balance: what can still be issued.
    pub balance: Money,
}

/// A row whose balance is a ledger account's: a quota's or a coupon's.
trait Ledgered {
    fn account(&self) -> String;
    fn set_balance(&mut self, balance: Money);
}

impl Ledgered for Quota {
    fn account(&self) -> String {
        ledger::account_id(AccountKind::CouponQuota, &self.id)
    }
    fn set_balance(&mut self, balance: Money) {
        self.balance = balance;
    }
}

/// `items` with their balances, asked of the ledger (which owns the accounts) on one connection:
/// the caller's, or one taken from the read pool.
async fn with_balances<T: Ledgered>(exec: Exec<'_>, mut items: Vec<T>) -> AppResult<Vec<T>> {
    if items.is_empty() {
        return Ok(items);
    }
    match exec {
        Exec::Conn(c) => fill_balances(c, &mut items).await?,
        Exec::Pool(p) => {
            let mut c = p.acquire().await?;
            fill_balances(&mut c, &mut items).await?
        }
    }
    Ok(items)
}

async fn fill_balances<T: Ledgered>(c: &mut Conn, items: &mut [T]) -> AppResult<()> {
    let accounts: Vec<String> = items.iter().map(Ledgered::account).collect();
    let ids: Vec<&str> = accounts.iter().map(String::as_str).collect();
    let balances = ledger::balances(&mut *c, &ids).await?;
    for (x, account) in items.iter_mut().zip(&accounts) {
        x.set_balance(balances.get(account).copied().unwrap_or(Money::ZERO));
    }
    Ok(())
}

/// The row `sql` (one `$1`, bound to `id`) selects, and `exec` back for the next statement.
async fn fetch_by_id<'e>(
    exec: Exec<'e>,
    sql: &str,
    id: &str,
) -> AppResult<(Option<sql::Row>, Exec<'e>)> {
    Ok(match exec {
        Exec::Conn(c) => {
            let row = sql::query(sql).bind(id).fetch_optional(&mut *c).await?;
            (row, Exec::Conn(c))
        }
        Exec::Pool(p) => (
            sql::query(sql).bind(id).fetch_optional(p).await?,
            Exec::Pool(p),
        ),
    })
}

impl Quota {
    pub fn status_at(&self, now: i64) -> i64 {
        coupons::quota_status_at(self.status, self.expire_at, now)
    }
}

const QUOTA_COLUMNS: &str = "SELECT q.id, q.root_id, q.partner_id, q.parent_quota_id, q.quota_type, q.quota_value, q.status, \
    q.effective_at, q.expire_at, q.service_types, q.product_ids, q.min_face, q.max_face, q.max_count, q.issued_count, \
    q.created_at, q.updated_at, q.order_types, q.first_association_only";

const QUOTA_FROM: &str = "FROM coupon_quotas q";

/// A quota as stored; its balance is zero until [`with_balances`] asks the ledger.
fn row_to_quota(r: &sql::Row) -> AppResult<Quota> {
    let money = |v: Option<i64>| v.map(Money::from_cents);
    Ok(Quota {
        id: r.get(0),
        root_id: r.get(1),
        partner_id: r.get(2),
        parent_quota_id: r.get(3),
        quota_type: QuotaType::from_code(r.get(4))
            .ok_or_else(|| AppError::internal("bad quota_type"))?,
        quota_value: Money::from_cents(r.get(5)),
        status: r.get(6),
        effective_at: r.get(7),
        expire_at: r.get(8),
        limits: QuotaLimits {
            service_types: split_list(&r.get::<String, _>(9)),
            product_ids: split_list(&r.get::<String, _>(10)),
            min_face: money(r.get(11)),
            max_face: money(r.get(12)),
            max_count: r.get(13),
            order_types: split_codes(&r.get::<String, _>(17)),
            first_association_only: r.get::<i64, _>(18) != 0,
        },
        issued_count: r.get(14),
        created_at: r.get(15),
        updated_at: r.get(16),
        balance: Money::ZERO,
    })
}

pub async fn get_quota<'e, E: Into<sql::Exec<'e>>>(exec: E, id: &str) -> AppResult<Option<Quota>> {
    let sql = format!("{QUOTA_COLUMNS} {QUOTA_FROM} WHERE q.id = $1");
    let (row, exec) = fetch_by_id(exec.into(), &sql, id).await?;
    let Some(row) = row else { return Ok(None) };
    Ok(with_balances(exec, vec![row_to_quota(&row)?]).await?.pop())
}

/// A quota `partner_id` owns, or `CBC.99000012` (so a foreign id looks like a missing one).
pub(super) async fn owned_quota(c: &mut Conn, partner_id: &str, id: &str) -> AppResult<Quota> {
    match get_quota(c, id).await? {
        Some(q) if q.partner_id == partner_id => Ok(q),
        _ => Err(AppError::new(Code::QuotaInvalid)),
    }
}

/// One page of a listing and the total under its filters.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub total: i64,
    pub rows: Vec<T>,
}

/// Filters of `list_quota_coupons` (the vendor's API reference) and of the console's quota
/// lists.
#[derive(Debug, Clone, Default)]
pub struct QuotaQuery {
    /// A master distributor listing one of its resellers' quotas.
    pub indirect_partner_id: Option<String>,
    pub quota_ids: Vec<String>,
    pub statuses: Vec<i64>,
    /// `None` = every type (the console); the API defaults to 0.
    pub quota_type: Option<i64>,
    pub create_from: Option<i64>,
    pub create_to: Option<i64>,
    pub effective_from: Option<i64>,
    pub effective_to: Option<i64>,
    pub expire_from: Option<i64>,
    pub expire_to: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// Whose quotas a listing covers.
#[derive(Debug, Clone, Copy)]
enum QuotaScope<'a> {
    /// The quotas a partner owns.
    Owner(&'a str),
    /// Quotas a distributor granted to its resellers (children of its quotas), optionally one
    /// reseller's only.
    IssuedBy {
        distributor: &'a str,
        reseller: Option<&'a str>,
        parent_quota_id: Option<&'a str>,
    },
    /// Every quota (operators).
    All,
}

/// A quota's status at the time bound to `now` (a placeholder), as its owner sees it (reclaimed
/// reads as invalid, [`quota_status::owner_view`]): the status filter is the owner's.
fn quota_status_at(now: &str) -> String {
    format!("(CASE WHEN q.status = 0 AND q.expire_at <= {now} THEN 3 WHEN q.status = 6 THEN 3 ELSE q.status END)")
}

/// Binds `now` once for a condition that names it more than once (a status as of now) and
/// returns its placeholder.
fn bind_now(w: &mut Conditions, now: i64) -> String {
    let at = format!("${}", w.next());
    w.args.push(Arg::Int(now));
    at
}

/// `AND {template}` with its `?` bound to `v`, when the filter is sent.
pub(super) fn add_text(w: &mut Conditions, template: &str, v: Option<&str>) {
    if let Some(v) = v {
        w.add(template, Arg::Text(v.to_string()));
    }
}

/// `AND {template}` with its `?` bound to `v`, when the filter is sent.
pub(super) fn add_int(w: &mut Conditions, template: &str, v: Option<i64>) {
    if let Some(v) = v {
        w.add(template, Arg::Int(v));
    }
}

/// `from <= column <= to`, each bound when sent.
pub(super) fn add_range(w: &mut Conditions, column: &str, from: Option<i64>, to: Option<i64>) {
    add_int(w, &format!("{column} >= ?"), from);
    add_int(w, &format!("{column} <= ?"), to);
}

/// A list filter that is sent: `column IN (…)`; with no value it matches nothing (the vendor: "an
/// empty list is a filter").
pub(super) fn add_list(w: &mut Conditions, column: &str, values: Vec<Arg>) {
    if values.is_empty() {
        w.require("1 = 0");
    } else {
        w.add_in(column, values);
    }
}

/// The ids a list filter names. The listings used to match ids against the items joined by
/// commas, so an item holding commas names each of its parts and empty parts name nothing; the
/// split keeps those results.
pub(super) fn id_list(items: &[String]) -> Vec<Arg> {
    items
        .iter()
        .flat_map(|i| i.split(','))
        .filter(|s| !s.is_empty())
        .map(|s| Arg::Text(s.to_string()))
        .collect()
}

async fn query_quotas(
    pool: &ReadPool,
    scope: QuotaScope<'_>,
    q: &QuotaQuery,
    now: i64,
) -> AppResult<(i64, Vec<Quota>)> {
    let mut w = Conditions::new(1);
    match scope {
        QuotaScope::Owner(p) => add_text(&mut w, "q.partner_id = ?", Some(p)),
        QuotaScope::IssuedBy {
            distributor,
            reseller,
            parent_quota_id,
        } => {
            add_text(
                &mut w,
                "q.parent_quota_id IN (SELECT id FROM coupon_quotas WHERE partner_id = ?)",
                Some(distributor),
            );
            add_text(&mut w, "q.partner_id = ?", reseller);
            add_text(&mut w, "q.parent_quota_id = ?", parent_quota_id);
        }
        QuotaScope::All => {}
    }
    if !q.quota_ids.is_empty() {
        add_list(&mut w, "q.id", id_list(&q.quota_ids));
    }
    if !q.statuses.is_empty() {
        let at = bind_now(&mut w, now);
        w.add_in(
            &quota_status_at(&at),
            q.statuses.iter().copied().map(Arg::Int),
        );
    }
    add_int(&mut w, "q.quota_type = ?", q.quota_type);
    add_range(&mut w, "q.created_at", q.create_from, q.create_to);
    add_range(&mut w, "q.effective_at", q.effective_from, q.effective_to);
    add_range(&mut w, "q.expire_at", q.expire_from, q.expire_to);
    let (total, rows) = count_and_page(
        pool,
        QUOTA_COLUMNS,
        QUOTA_FROM,
        &w,
        "q.created_at DESC, q.id",
        q.offset,
        q.limit,
    )
    .await?;
    let quotas = rows.iter().map(row_to_quota).collect::<AppResult<_>>()?;
    Ok((total, with_balances(Exec::Pool(pool), quotas).await?))
}

/// The quotas a read covers: an operator's, every quota; a partner's, its own or, with
/// `indirect_partner_id`, its reseller's (only a master distributor may name one).
pub async fn list_quotas(db: &Db, ctx: &Ctx, q: QuotaQuery) -> AppResult<Listing<Quota>> {
    let owner;
    let scope = match &ctx.actor {
        Actor::Operator { .. } | Actor::System { .. } => QuotaScope::All,
        _ => {
            owner = reading_partner(db, ctx, q.indirect_partner_id.as_deref()).await?;
            QuotaScope::Owner(&owner)
        }
    };
    let (total, rows) = query_quotas(db.read(), scope, &q, ctx.now_ms).await?;
    Ok(Listing { total, rows })
}

/// Filters of `list_issued_coupon_quotas`.
#[derive(Debug, Clone, Default)]
pub struct GrantedQuotaQuery {
    pub quota_id: Option<String>,
    /// One reseller's quotas only.
    pub indirect_partner_id: Option<String>,
    pub parent_quota_id: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// A quota a master distributor granted, with the reseller that holds it.
#[derive(Debug, Clone)]
pub struct GrantedQuota {
    pub quota: Quota,
    pub reseller: PartnerSummary,
}

/// The quotas the acting partner granted to its resellers (children of its quotas).
pub async fn list_granted_quotas(
    db: &Db,
    ctx: &Ctx,
    q: GrantedQuotaQuery,
) -> AppResult<Listing<GrantedQuota>> {
    let scope = QuotaScope::IssuedBy {
        distributor: ctx.actor.partner_id()?,
        reseller: q.indirect_partner_id.as_deref(),
        parent_quota_id: q.parent_quota_id.as_deref(),
    };
    let query = QuotaQuery {
        quota_ids: q.quota_id.iter().cloned().collect(),
        offset: q.offset,
        limit: q.limit,
        ..Default::default()
    };
    let (total, quotas) = query_quotas(db.read(), scope, &query, ctx.now_ms).await?;
    let ids: Vec<&str> = quotas.iter().map(|x| x.partner_id.as_str()).collect();
    let resellers = partner_lookup::names(db.read(), &ids).await?;
    let rows = quotas
        .into_iter()
        .map(|quota| {
            let reseller = resellers
                .get(&quota.partner_id)
                .cloned()
                .ok_or_else(|| AppError::internal("quota without partner"))?;
            Ok(GrantedQuota { quota, reseller })
        })
        .collect::<AppResult<_>>()?;
    Ok(Listing { total, rows })
}

/// The partner a partner's read acts on ([`acting_partner`]), checked on a read connection.
pub(super) async fn reading_partner(
    db: &Db,
    ctx: &Ctx,
    indirect_partner_id: Option<&str>,
) -> AppResult<String> {
    let caller = ctx.actor.partner_id()?;
    let mut conn = db.read().acquire().await?;
    Ok(acting_partner(&mut conn, caller, indirect_partner_id)
        .await?
        .id)
}

/// The partner whose quotas and coupons an operation acts on: the caller, or with
/// `indirect_partner_id` the caller's reseller (only a master distributor may name one; a
/// reseller naming itself acts as itself).
pub(super) async fn acting_partner(
    c: &mut Conn,
    caller_id: &str,
    indirect_partner_id: Option<&str>,
) -> AppResult<partners::Partner> {
    match indirect_partner_id.filter(|s| !s.is_empty() && *s != caller_id) {
        None => partners::get(&mut *c, caller_id)
            .await?
            .ok_or_else(|| AppError::new(Code::AccessDenied)),
        Some(r) => funds::acting_partner(c, caller_id, Some(r)).await,
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Coupon {
    pub id: String,
    pub root_id: String,
    pub partner_id: String,
    pub quota_id: String,
    pub customer_id: String,
    pub coupon_type: i64,
    pub face_value: Money,
    /// The stored status; see [`Coupon::status_at`].
    pub status: i64,
    pub effective_at: i64,
    pub expire_at: i64,
    pub service_types: Vec<String>,
    pub product_ids: Vec<String>,
    pub memo: Option<String>,
    pub lock_order_id: Option<String>,
    pub is_frozen: i64,
    pub last_used_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    pub balance: Money,
    /// What a recall took back (the coupon's balance is 0 afterwards).
    pub reclaimed_amount: Option<Money>,
    /// The order types it may pay for (empty: any).
    pub order_types: Vec<i64>,
}

impl Ledgered for Coupon {
    fn account(&self) -> String {
        ledger::account_id(AccountKind::Coupon, &self.id)
    }
    fn set_balance(&mut self, balance: Money) {
        self.balance = balance;
    }
}

impl Coupon {
    pub fn status_at(&self, now: i64) -> i64 {
        coupons::coupon_status_at(self.status, self.effective_at, self.expire_at, now)
    }

    /// May the coupon pay an order of this `order_type`? (Orders check it with the service
    /// types and products [`usable_for_order`] filters on.)
    pub fn admits_order_type(&self, order_type: i64) -> bool {
        self.order_types.is_empty() || self.order_types.contains(&order_type)
    }

    /// Do the coupon's restrictions admit an order of these service types and products? An empty
    /// restriction admits everything; a non-empty one must admit every service type and every
    /// product of the order.
    pub fn admits(&self, service_types: &[&str], product_ids: &[String]) -> bool {
        (self.service_types.is_empty()
            || (!service_types.is_empty()
                && service_types
                    .iter()
                    .all(|s| self.service_types.iter().any(|t| t == s))))
            && (self.product_ids.is_empty()
                || (!product_ids.is_empty()
                    && product_ids.iter().all(|p| self.product_ids.contains(p))))
    }
}

pub(super) const COUPON_COLUMNS: &str = "SELECT k.id, k.root_id, k.partner_id, k.quota_id, k.customer_id, k.coupon_type, k.face_value, k.status, \
    k.effective_at, k.expire_at, k.service_types, k.product_ids, k.memo, k.lock_order_id, k.is_frozen, k.last_used_at, \
    k.created_at, k.updated_at, k.reclaimed_amount, k.order_types";

pub(super) const COUPON_FROM: &str = "FROM coupons k";

/// A coupon as stored; its balance is zero until [`with_balances`] asks the ledger.
fn row_to_coupon(r: &sql::Row) -> Coupon {
    Coupon {
        id: r.get(0),
        root_id: r.get(1),
        partner_id: r.get(2),
        quota_id: r.get(3),
        customer_id: r.get(4),
        coupon_type: r.get(5),
        face_value: Money::from_cents(r.get(6)),
        status: r.get(7),
        effective_at: r.get(8),
        expire_at: r.get(9),
        service_types: split_list(&r.get::<String, _>(10)),
        product_ids: split_list(&r.get::<String, _>(11)),
        memo: r.get(12),
        lock_order_id: r.get(13),
        is_frozen: r.get(14),
        last_used_at: r.get(15),
        created_at: r.get(16),
        updated_at: r.get(17),
        balance: Money::ZERO,
        reclaimed_amount: r.get::<Option<i64>, _>(18).map(Money::from_cents),
        order_types: split_codes(&r.get::<String, _>(19)),
    }
}

pub async fn get_coupon<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    id: &str,
) -> AppResult<Option<Coupon>> {
    let sql = format!("{COUPON_COLUMNS} {COUPON_FROM} WHERE k.id = $1");
    let (row, exec) = fetch_by_id(exec.into(), &sql, id).await?;
    let Some(row) = row else { return Ok(None) };
    Ok(with_balances(exec, vec![row_to_coupon(&row)]).await?.pop())
}

/// The coupons of rows of [`COUPON_COLUMNS`], with their balances (on `exec`).
pub(super) async fn coupons_of<'e>(
    exec: impl Into<Exec<'e>>,
    rows: &[sql::Row],
) -> AppResult<Vec<Coupon>> {
    with_balances(exec.into(), rows.iter().map(row_to_coupon).collect()).await
}

/// Filters of `list_issued_partner_coupons` (§2.7) and of the customer's own list.
#[derive(Debug, Clone, Default)]
pub struct CouponQuery {
    /// A master distributor listing the coupons one of its resellers issued.
    pub indirect_partner_id: Option<String>,
    pub coupon_id: Option<String>,
    pub customer_id: Option<String>,
    pub order_id: Option<String>,
    pub coupon_type: Option<i64>,
    pub status: Option<i64>,
    pub create_from: Option<i64>,
    pub create_to: Option<i64>,
    pub effective_from: Option<i64>,
    pub effective_to: Option<i64>,
    pub expire_from: Option<i64>,
    pub expire_to: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

/// Whose coupons a listing covers.
#[derive(Debug, Clone, Copy)]
enum CouponScope<'a> {
    /// Issued by one partner, every status (reclaimed ones included, R9.6).
    IssuedBy(&'a str),
    /// Owned by one customer: reclaimed coupons are no longer theirs (R9.1).
    OwnedBy(&'a str),
}

/// A coupon's status at the time bound to `now` (a placeholder).
fn coupon_status_at(now: &str) -> String {
    format!("(CASE WHEN k.status = 2 AND k.expire_at <= {now} THEN 4 WHEN k.status = 2 AND k.effective_at > {now} THEN 1 ELSE k.status END)")
}

async fn query_coupons(
    pool: &ReadPool,
    scope: CouponScope<'_>,
    q: &CouponQuery,
    now: i64,
) -> AppResult<(i64, Vec<Coupon>)> {
    let mut w = Conditions::new(1);
    match scope {
        CouponScope::IssuedBy(p) => add_text(&mut w, "k.partner_id = ?", Some(p)),
        CouponScope::OwnedBy(c) => {
            add_text(&mut w, "k.customer_id = ?", Some(c));
            w.require("k.status <> 5");
        }
    }
    add_text(&mut w, "k.id = ?", q.coupon_id.as_deref());
    add_text(&mut w, "k.customer_id = ?", q.customer_id.as_deref());
    add_text(&mut w, "k.lock_order_id = ?", q.order_id.as_deref());
    add_int(&mut w, "k.coupon_type = ?", q.coupon_type);
    if let Some(s) = q.status {
        let at = bind_now(&mut w, now);
        w.add(&format!("{} = ?", coupon_status_at(&at)), Arg::Int(s));
    }
    add_range(&mut w, "k.created_at", q.create_from, q.create_to);
    add_range(&mut w, "k.effective_at", q.effective_from, q.effective_to);
    add_range(&mut w, "k.expire_at", q.expire_from, q.expire_to);
    let (total, rows) = count_and_page(
        pool,
        COUPON_COLUMNS,
        COUPON_FROM,
        &w,
        "k.created_at DESC, k.id",
        q.offset,
        q.limit,
    )
    .await?;
    Ok((total, coupons_of(pool, &rows).await?))
}

/// The coupons a read covers: a customer's own (reclaimed ones are no longer theirs); those a
/// partner issued, or with `indirect_partner_id` its reseller issued, every status.
/// A coupon as a listing shows it: with its customer's account name.
#[derive(Debug, Clone)]
pub struct ListedCoupon {
    pub coupon: Coupon,
    pub customer_name: String,
}

pub async fn list_coupons(db: &Db, ctx: &Ctx, q: CouponQuery) -> AppResult<Listing<ListedCoupon>> {
    let owner;
    let scope = match &ctx.actor {
        Actor::Customer { customer_id, .. } => CouponScope::OwnedBy(customer_id),
        _ => {
            owner = reading_partner(db, ctx, q.indirect_partner_id.as_deref()).await?;
            CouponScope::IssuedBy(&owner)
        }
    };
    let (total, coupons) = query_coupons(db.read(), scope, &q, ctx.now_ms).await?;
    let ids: Vec<&str> = coupons.iter().map(|k| k.customer_id.as_str()).collect();
    let names: HashMap<String, String> = customer_lookup::names(db.read(), &ids).await?;
    let rows = coupons
        .into_iter()
        .map(|coupon| ListedCoupon {
            customer_name: names.get(&coupon.customer_id).cloned().unwrap_or_default(),
            coupon,
        })
        .collect();
    Ok(Listing { total, rows })
}
