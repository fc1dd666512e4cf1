//! Coupons (domain.md §9): quotas granted by operators, coupons issued from them to resale
//! customers, recall, the time-driven lifecycle, and the functions orders will use.
//!
//! **Money.** A quota's balance is the ledger account `coupon_quota:<quota id>`, a coupon's
//! remaining balance is `coupon:<coupon id>`; both have floor 0. An operator grant moves value
//! `external:world → quota`; issuing moves `quota → coupon`; a recall (manual or automatic) moves
//! the coupon's whole remaining balance `coupon → quota`, back to the quota it came from; using a
//! coupon on an order moves `coupon → external:world` (the value is spent on the vendor's
//! services). A distributor's grant to a reseller moves `quota → child quota`, its reclaim back.
//!
//! **Concurrency.** Every status change is one guarded `UPDATE … WHERE status = 2 …` in the same
//! transaction as its ledger transfer and audit row, so a coupon cannot be recalled twice, and
//! the quota's debit carries the floor in its `WHERE`, so a quota cannot be over-issued.
//!
//! **Decisions on gaps** (domain.md marks them inferred or open):
//! - A coupon issued with a future `valid_time` is "not yet active" (1) until then; it becomes
//!   usable (2) by time alone. Statuses 1/2/4 of a live coupon are derived from the clock at read
//!   time; the expiry job (`partner-center jobs run coupon-expiry`) stores 4 and returns the
//!   remainder of an expired coupon to its quota while that quota is still valid (record type 4,
//!   过期回收); if the quota is no longer valid the remainder stays on the lapsed coupon (a
//!   reclaimed reseller quota counts as valid here: its distributor can reclaim the remainder).
//! - A recall returns the amount to the quota even when the quota has meanwhile expired or been
//!   frozen; such a quota simply cannot issue it again.
//! - Issuing is for resale customers only, through the API and the console alike.
//! - A coupon's validity must lie within its quota's.
//! - `max_count` of a quota counts every coupon ever issued from it (recalls do not give back a
//!   slot).
//! - The quota `limit_infos` keys are ours: `cloud_service_types`, `product_ids` and
//!   `order_types` (one `value1` each), `face_value` (`value1` minimum, `value2` maximum),
//!   `max_count`, and `first_association_only` (`value1` "1", present only when set).
//! - Operators set a quota's limits when granting it (CLI `admin grant-quota`, the console's
//!   grant form) and may change a top-level quota's limits later ([`set_quota_limits`]): they
//!   govern issues from then on, coupons already issued keep their own restrictions, and the
//!   reseller quotas granted from it follow their parent.
//! - Order types (CBC.99000024): the vendor's issue request has no order-type field, so coupons
//!   issued through the API inherit the quota's order types; the console's issue form may narrow
//!   them, and naming one the quota does not allow refuses the issue.
//! - CBC.99000021 (total face value, per customer): see [`coupons::check_total`]; CBC.99000022 (first
//!   association): the customer's association with the issuing partner is the first it ever had
//!   with any partner (no earlier, ended association); CBC.99000025 (issuing to itself): partners
//!   and customers are separate accounts here, so it arises when `customer_ids` names the acting
//!   partner's own account (its partner id or account id), or the caller's when a distributor
//!   issues for its reseller; both are per-customer refusals in `error_details`.
//! - A distributor's reclaim that empties a normal reseller quota marks it reclaimed (6); a
//!   later grant from the same parent makes it normal again.

use pc_domain::coupons::{
    self, coupon_status, operation, quota_status, IssueRefusal, QuotaLimits, QuotaType,
    MAX_COUPON_LIMIT_ITEMS, ORDER_TYPES,
};
use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;
use sqlx::{AnyConnection, AnyPool, Row};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::{funds, partners};
use crate::store::{audit, ledger};

/// The most customers one `create_partner_coupons` call may name (the console allows 10).
pub const MAX_CUSTOMERS_PER_ISSUE: usize = 100;
pub const MAX_CUSTOMERS_PER_CONSOLE_ISSUE: usize = 10;
/// The most quota ids one `reclaim_coupon_quotas` call may name.
pub const MAX_QUOTAS_PER_RECLAIM: usize = 10;
pub const MAX_PAGE: i64 = 100;

fn new_id(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(12))
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .filter(|v| !v.is_empty())
        .map(str::to_string)
        .collect()
}

/// Stored order types (`"1,2"`) as codes.
fn split_codes(s: &str) -> Vec<i64> {
    s.split(',').filter_map(|v| v.parse().ok()).collect()
}

fn join_codes(codes: &[i64]) -> String {
    codes
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// Checks order types: each one of [`ORDER_TYPES`], none twice.
pub fn check_order_types(items: &[i64]) -> AppResult<()> {
    if let Some(t) = items.iter().find(|t| !ORDER_TYPES.contains(t)) {
        return Err(AppError::invalid(format!(
            "order type {t} is not one a coupon can pay for; use 1 new purchase, 2 renewal, 3 change, \
             10 yearly/monthly to pay-per-use, 11 pay-per-use to yearly/monthly, 13 trial, 14 trial to commercial, 15 fee adjustment"
        )));
    }
    if items
        .iter()
        .enumerate()
        .any(|(i, t)| items[..i].contains(t))
    {
        return Err(AppError::invalid("order types are listed once each"));
    }
    Ok(())
}

/// Checks a list of service types / product ids: at most 10, non-empty items without commas.
pub fn check_limit_list(field: &str, items: &[String]) -> AppResult<()> {
    if items.len() > MAX_COUPON_LIMIT_ITEMS {
        return Err(AppError::invalid(format!(
            "{field} holds at most {MAX_COUPON_LIMIT_ITEMS} items"
        )));
    }
    if items
        .iter()
        .any(|i| i.is_empty() || i.contains(',') || i.len() > 64)
    {
        return Err(AppError::invalid(format!(
            "{field} items are non-empty, at most 64 characters, without commas"
        )));
    }
    Ok(())
}

fn refusal(r: IssueRefusal) -> AppError {
    match r {
        IssueRefusal::QuotaState => AppError::new(Code::QuotaInvalid),
        IssueRefusal::QuotaNotInForce => AppError::new(Code::QuotaNotInForce),
        IssueRefusal::FaceBelowMin => AppError::new(Code::FaceValueBelowMin),
        IssueRefusal::FaceAboveMax => AppError::new(Code::FaceValueAboveMax),
        IssueRefusal::LimitsExceedQuota => AppError::new(Code::CouponLimitsExceedQuota),
        IssueRefusal::OrderTypesExceedQuota => AppError::new(Code::CouponOrderTypesExceedQuota),
        IssueRefusal::TotalAboveQuota => AppError::new(Code::CouponTotalAboveQuota),
        IssueRefusal::BadValidity => AppError::invalid(
            "valid_time must be before expire_time, expire_time in the future, both within the quota's validity",
        ),
    }
}

/// Runs the rest of an item of a batch inside a savepoint, so one item's failure undoes only its
/// own writes (both engines support `SAVEPOINT` inside the write transaction).
async fn savepoint(c: &mut AnyConnection) -> AppResult<()> {
    sqlx::query("SAVEPOINT coupon_item").execute(c).await?;
    Ok(())
}

async fn end_savepoint(c: &mut AnyConnection, ok: bool) -> AppResult<()> {
    if !ok {
        sqlx::query("ROLLBACK TO SAVEPOINT coupon_item")
            .execute(&mut *c)
            .await?;
    }
    sqlx::query("RELEASE SAVEPOINT coupon_item")
        .execute(c)
        .await?;
    Ok(())
}

// ----------------------------------------------------------------------------------------------
// Quotas

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

impl Quota {
    pub fn status_at(&self, now: i64) -> i64 {
        coupons::quota_status_at(self.status, self.expire_at, now)
    }
}

const QUOTA_SELECT: &str = "SELECT q.id, q.root_id, q.partner_id, q.parent_quota_id, q.quota_type, q.quota_value, q.status, \
    q.effective_at, q.expire_at, q.service_types, q.product_ids, q.min_face, q.max_face, q.max_count, q.issued_count, \
    q.created_at, q.updated_at, COALESCE(a.balance, 0), q.order_types, q.first_association_only \
    FROM coupon_quotas q LEFT JOIN ledger_accounts a ON a.id = 'coupon_quota:' || q.id";

fn row_to_quota(r: &sqlx::any::AnyRow) -> AppResult<Quota> {
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
            order_types: split_codes(&r.get::<String, _>(18)),
            first_association_only: r.get::<i64, _>(19) != 0,
        },
        issued_count: r.get(14),
        created_at: r.get(15),
        updated_at: r.get(16),
        balance: Money::from_cents(r.get(17)),
    })
}

pub async fn get_quota<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    id: &str,
) -> AppResult<Option<Quota>> {
    let row = sqlx::query(&format!("{QUOTA_SELECT} WHERE q.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?;
    row.as_ref().map(row_to_quota).transpose()
}

/// A quota `partner_id` owns, or `CBC.99000012` (so a foreign id looks like a missing one).
async fn owned_quota(c: &mut AnyConnection, partner_id: &str, id: &str) -> AppResult<Quota> {
    match get_quota(c, id).await? {
        Some(q) if q.partner_id == partner_id => Ok(q),
        _ => Err(AppError::new(Code::QuotaInvalid)),
    }
}

/// What an operator grants.
#[derive(Debug, Clone)]
pub struct NewQuota {
    pub partner_id: String,
    pub quota_type: QuotaType,
    pub amount: Money,
    /// Default: now.
    pub effective_at: Option<i64>,
    /// Default: one year after the effective time.
    pub expire_at: Option<i64>,
    pub limits: QuotaLimits,
}

pub const DEFAULT_QUOTA_VALIDITY_MS: i64 = 365 * 24 * 3600 * 1000;

fn require_operator(ctx: &Ctx) -> AppResult<()> {
    match ctx.actor {
        Actor::Operator { .. } | Actor::System { .. } => Ok(()),
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

fn check_limits(l: &QuotaLimits) -> AppResult<()> {
    check_limit_list("cloud_service_types", &l.service_types)?;
    check_limit_list("product_ids", &l.product_ids)?;
    check_order_types(&l.order_types)?;
    if l.min_face.is_some_and(|m| !m.is_positive()) || l.max_face.is_some_and(|m| !m.is_positive())
    {
        return Err(AppError::invalid(
            "face value limits must be greater than 0",
        ));
    }
    if let (Some(a), Some(b)) = (l.min_face, l.max_face) {
        if a > b {
            return Err(AppError::invalid(
                "the minimum face value exceeds the maximum",
            ));
        }
    }
    if l.max_count.is_some_and(|n| n < 1) {
        return Err(AppError::invalid("max_count must be at least 1"));
    }
    Ok(())
}

/// A typed list: items separated by commas (also `，`), new lines or spaces, each kept once.
pub fn parse_list(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for v in s
        .split([',', '，', '\n', '\r', ' '])
        .filter(|v| !v.is_empty())
    {
        if !out.iter().any(|o| o == v) {
            out.push(v.to_string());
        }
    }
    out
}

/// Order types typed as codes (`1,2`).
pub fn parse_order_types(s: &str) -> AppResult<Vec<i64>> {
    parse_list(s)
        .iter()
        .map(|v| {
            v.parse::<i64>().map_err(|_| {
                AppError::invalid(format!(
                    "order types are order_type codes such as 1,2, not {v:?}"
                ))
            })
        })
        .collect()
}

/// Limits as an operator types them (the CLI's flags, the console's fields): comma-separated
/// lists, amounts in yuan, a count; an empty string means "no limit".
#[derive(Debug, Clone, Default)]
pub struct LimitInput {
    pub service_types: String,
    pub product_ids: String,
    pub min_face: String,
    pub max_face: String,
    pub max_count: String,
    pub order_types: String,
    pub first_association_only: bool,
}

impl LimitInput {
    /// Parses and checks the limits, with an error naming the field that is wrong.
    pub fn parse(&self) -> AppResult<QuotaLimits> {
        let face = |field: &str, s: &str| -> AppResult<Option<Money>> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            match Money::parse(s) {
                Ok(m) if m.is_positive() => Ok(Some(m)),
                _ => Err(AppError::invalid(format!(
                    "{field} must be an amount in yuan greater than 0 with at most 2 decimals, not {s:?}"
                ))),
            }
        };
        let count = self.max_count.trim();
        let max_count = if count.is_empty() {
            None
        } else {
            Some(
                count
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or_else(|| {
                        AppError::invalid(format!(
                            "the maximum coupon count must be a whole number of at least 1, not {count:?}"
                        ))
                    })?,
            )
        };
        let order_types = parse_order_types(&self.order_types)?;
        let limits = QuotaLimits {
            service_types: parse_list(&self.service_types),
            product_ids: parse_list(&self.product_ids),
            min_face: face("the minimum face value", &self.min_face)?,
            max_face: face("the maximum face value", &self.max_face)?,
            max_count,
            order_types,
            first_association_only: self.first_association_only,
        };
        check_limits(&limits)?;
        Ok(limits)
    }
}

/// The limits as an audit detail.
fn limits_detail(l: &QuotaLimits) -> serde_json::Value {
    serde_json::json!({"cloud_service_types": l.service_types, "product_ids": l.product_ids,
        "min_face": l.min_face.map(|m| m.to_string()), "max_face": l.max_face.map(|m| m.to_string()),
        "max_count": l.max_count, "order_types": l.order_types, "first_association_only": l.first_association_only})
}

/// Inserts a quota row and opens its ledger account (empty).
#[allow(clippy::too_many_arguments)]
async fn insert_quota(
    c: &mut AnyConnection,
    ctx: &Ctx,
    partner: &partners::Partner,
    parent_quota_id: Option<&str>,
    quota_type: QuotaType,
    effective_at: i64,
    expire_at: i64,
    limits: &QuotaLimits,
) -> AppResult<(String, String)> {
    let id = new_id("q");
    sqlx::query(
        "INSERT INTO coupon_quotas (id, root_id, partner_id, parent_quota_id, quota_type, quota_value, status, effective_at, expire_at, \
         service_types, product_ids, min_face, max_face, max_count, created_by, created_at, updated_at, order_types, first_association_only) \
         VALUES ($1, $2, $3, $4, $5, 0, 0, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15, $16)",
    )
    .bind(&id)
    .bind(&partner.root_id)
    .bind(&partner.id)
    .bind(parent_quota_id.map(str::to_string))
    .bind(quota_type.code())
    .bind(effective_at)
    .bind(expire_at)
    .bind(limits.service_types.join(","))
    .bind(limits.product_ids.join(","))
    .bind(limits.min_face.map(|m| m.cents()))
    .bind(limits.max_face.map(|m| m.cents()))
    .bind(limits.max_count)
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .bind(join_codes(&limits.order_types))
    .bind(i64::from(limits.first_association_only))
    .execute(&mut *c)
    .await?;
    let account = ledger::ensure_account(
        c,
        AccountKind::CouponQuota,
        &id,
        Some(&partner.root_id),
        ctx.now_ms,
    )
    .await?;
    Ok((id, account))
}

/// Adds `amount` to a quota's value (its balance comes from the transfer the caller posts).
async fn add_quota_value(
    c: &mut AnyConnection,
    ctx: &Ctx,
    quota_id: &str,
    amount: Money,
) -> AppResult<()> {
    sqlx::query(
        "UPDATE coupon_quotas SET quota_value = quota_value + $1, updated_at = $2 WHERE id = $3",
    )
    .bind(amount.cents())
    .bind(ctx.now_ms)
    .bind(quota_id)
    .execute(c)
    .await?;
    Ok(())
}

/// An operator (console or CLI) grants a new quota to a partner: `external → quota`.
pub async fn grant_quota(c: &mut AnyConnection, ctx: &Ctx, g: NewQuota) -> AppResult<String> {
    require_operator(ctx)?;
    if !g.amount.is_positive() {
        return Err(AppError::invalid(
            "amount must be greater than 0 with at most 2 decimals",
        ));
    }
    check_limits(&g.limits)?;
    let effective_at = g.effective_at.unwrap_or(ctx.now_ms);
    let expire_at = g
        .expire_at
        .unwrap_or(effective_at + DEFAULT_QUOTA_VALIDITY_MS);
    if expire_at <= effective_at || expire_at <= ctx.now_ms {
        return Err(AppError::invalid(
            "the expiry must be in the future and after the effective time",
        ));
    }
    let p = partners::get(&mut *c, &g.partner_id)
        .await?
        .ok_or_else(|| AppError::with(Code::NotFound, format!("partner {}", g.partner_id)))?;
    let (id, account) = insert_quota(
        c,
        ctx,
        &p,
        None,
        g.quota_type,
        effective_at,
        expire_at,
        &g.limits,
    )
    .await?;
    let tid = fund_quota(c, ctx, &id, &account, &p.root_id, g.amount).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.grant_quota",
            target_kind: "coupon_quota",
            target_id: &id,
            transfer_ids: std::slice::from_ref(&tid),
            detail: serde_json::json!({"partner_id": p.id, "type": g.quota_type.as_str(), "amount": g.amount.to_string(),
                "effective_at": effective_at, "expire_at": expire_at, "limits": limits_detail(&g.limits)}),
        },
    )
    .await?;
    Ok(id)
}

async fn fund_quota(
    c: &mut AnyConnection,
    ctx: &Ctx,
    quota_id: &str,
    account: &str,
    root_id: &str,
    amount: Money,
) -> AppResult<String> {
    let world = ledger::world(c, ctx.now_ms).await?;
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &world,
            to: account,
            amount,
            kind: "quota_grant",
            root_id: Some(root_id),
            memo: None,
        },
    )
    .await?;
    add_quota_value(c, ctx, quota_id, amount).await?;
    Ok(t.id.into_string())
}

/// An operator adds `amount` to an existing top-level quota (`external → quota`).
pub async fn top_up_quota(
    c: &mut AnyConnection,
    ctx: &Ctx,
    quota_id: &str,
    amount: Money,
) -> AppResult<String> {
    require_operator(ctx)?;
    if !amount.is_positive() {
        return Err(AppError::invalid(
            "amount must be greater than 0 with at most 2 decimals",
        ));
    }
    let q = get_quota(&mut *c, quota_id)
        .await?
        .filter(|q| q.parent_quota_id.is_none())
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    let account = ledger::account_id(AccountKind::CouponQuota, &q.id);
    let tid = fund_quota(c, ctx, &q.id, &account, &q.root_id, amount).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.top_up_quota",
            target_kind: "coupon_quota",
            target_id: &q.id,
            transfer_ids: std::slice::from_ref(&tid),
            detail: serde_json::json!({"amount": amount.to_string()}),
        },
    )
    .await?;
    Ok(tid)
}

/// An operator sets a quota's status (0 normal, 3 invalid, 4 adjusting, 5 frozen).
pub async fn set_quota_status(
    c: &mut AnyConnection,
    ctx: &Ctx,
    quota_id: &str,
    status: i64,
) -> AppResult<()> {
    require_operator(ctx)?;
    if !quota_status::ALL.contains(&status) {
        return Err(AppError::invalid("status must be 0, 3, 4 or 5"));
    }
    let n = sqlx::query("UPDATE coupon_quotas SET status = $1, updated_at = $2 WHERE id = $3")
        .bind(status)
        .bind(ctx.now_ms)
        .bind(quota_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::new(Code::QuotaInvalid));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.set_quota_status",
            target_kind: "coupon_quota",
            target_id: quota_id,
            transfer_ids: &[],
            detail: serde_json::json!({"status": status}),
        },
    )
    .await
}

/// An operator changes a top-level quota's limits (the console's quota page). They govern issues
/// from then on: coupons already issued keep the restrictions they were issued with, and the
/// reseller quotas granted from this one take the same limits (they inherit their parent's).
/// `max_count` may not fall below what the quota, or any of its reseller quotas, already issued:
/// the guarded `UPDATE` skips such a row and the whole change is refused, also when an issue
/// races it.
pub async fn set_quota_limits(
    c: &mut AnyConnection,
    ctx: &Ctx,
    quota_id: &str,
    limits: &QuotaLimits,
) -> AppResult<()> {
    require_operator(ctx)?;
    check_limits(limits)?;
    let q = get_quota(&mut *c, quota_id)
        .await?
        .filter(|q| q.parent_quota_id.is_none())
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    let family: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM coupon_quotas WHERE id = $1 OR parent_quota_id = $1",
    )
    .bind(&q.id)
    .fetch_one(&mut *c)
    .await?;
    let n = sqlx::query(
        "UPDATE coupon_quotas SET service_types = $1, product_ids = $2, min_face = $3, max_face = $4, max_count = $5, \
         order_types = $6, first_association_only = $7, updated_at = $8 \
         WHERE (id = $9 OR parent_quota_id = $9) AND ($5 IS NULL OR issued_count <= $5)",
    )
    .bind(limits.service_types.join(","))
    .bind(limits.product_ids.join(","))
    .bind(limits.min_face.map(|m| m.cents()))
    .bind(limits.max_face.map(|m| m.cents()))
    .bind(limits.max_count)
    .bind(join_codes(&limits.order_types))
    .bind(i64::from(limits.first_association_only))
    .bind(ctx.now_ms)
    .bind(&q.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if i64::try_from(n).unwrap_or(0) < family {
        let issued: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(issued_count), 0) AS BIGINT) FROM coupon_quotas WHERE id = $1 OR parent_quota_id = $1",
        )
        .bind(&q.id)
        .fetch_one(&mut *c)
        .await?;
        return Err(AppError::invalid(format!(
            "the maximum coupon count cannot be below the {issued} coupons already issued from this quota or a reseller quota granted from it"
        )));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.set_quota_limits",
            target_kind: "coupon_quota",
            target_id: &q.id,
            transfer_ids: &[],
            detail: serde_json::json!({"before": limits_detail(&q.limits), "after": limits_detail(limits)}),
        },
    )
    .await
}

/// Filters of `list_quota_coupons` (bss-api-spec §2.9).
#[derive(Debug, Clone, Default)]
pub struct QuotaQuery {
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
pub enum QuotaScope<'a> {
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

/// `CASE` giving a quota's status at the time bound to `$1`, as its owner sees it (reclaimed
/// reads as invalid, [`quota_status::owner_view`]): the status filter is the owner's.
const QUOTA_STATUS_AT: &str =
    "(CASE WHEN q.status = 0 AND q.expire_at <= $1 THEN 3 WHEN q.status = 6 THEN 3 ELSE q.status END)";

fn csv(items: &[impl ToString]) -> Option<String> {
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join(",")
    })
}

pub async fn list_quotas(
    pool: &AnyPool,
    scope: QuotaScope<'_>,
    q: &QuotaQuery,
    now: i64,
) -> AppResult<(i64, Vec<Quota>)> {
    let (scope_sql, a, b, c) = match scope {
        QuotaScope::Owner(p) => (
            "q.partner_id = $2 AND $3 IS NULL AND $4 IS NULL",
            Some(p),
            None,
            None,
        ),
        QuotaScope::IssuedBy {
            distributor,
            reseller,
            parent_quota_id,
        } => (
            "q.parent_quota_id IN (SELECT id FROM coupon_quotas WHERE partner_id = $2) \
             AND ($3 IS NULL OR q.partner_id = $3) AND ($4 IS NULL OR q.parent_quota_id = $4)",
            Some(distributor),
            reseller,
            parent_quota_id,
        ),
        QuotaScope::All => ("$2 IS NULL AND $3 IS NULL AND $4 IS NULL", None, None, None),
    };
    let filters = format!(
        "WHERE {scope_sql} \
         AND ($5 IS NULL OR (',' || $5 || ',') LIKE ('%,' || q.id || ',%')) \
         AND ($6 IS NULL OR (',' || $6 || ',') LIKE ('%,' || CAST({QUOTA_STATUS_AT} AS TEXT) || ',%')) \
         AND ($7 IS NULL OR q.quota_type = $7) \
         AND ($8 IS NULL OR q.created_at >= $8) AND ($9 IS NULL OR q.created_at <= $9) \
         AND ($10 IS NULL OR q.effective_at >= $10) AND ($11 IS NULL OR q.effective_at <= $11) \
         AND ($12 IS NULL OR q.expire_at >= $12) AND ($13 IS NULL OR q.expire_at <= $13) \
         AND $1 = $1"
    );
    macro_rules! bind_all {
        ($x:expr) => {
            $x.bind(now)
                .bind(a.map(str::to_string))
                .bind(b.map(str::to_string))
                .bind(c.map(str::to_string))
                .bind(csv(&q.quota_ids))
                .bind(csv(&q.statuses))
                .bind(q.quota_type)
                .bind(q.create_from)
                .bind(q.create_to)
                .bind(q.effective_from)
                .bind(q.effective_to)
                .bind(q.expire_from)
                .bind(q.expire_to)
        };
    }
    let total: i64 = bind_all!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM coupon_quotas q {filters}"
    )))
    .fetch_one(pool)
    .await?;
    let rows = bind_all!(sqlx::query(&format!(
        "{QUOTA_SELECT} {filters} ORDER BY q.created_at DESC, q.id LIMIT $14 OFFSET $15"
    )))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(pool)
    .await?;
    Ok((
        total,
        rows.iter().map(row_to_quota).collect::<AppResult<_>>()?,
    ))
}

/// The partner whose quotas and coupons an operation acts on: the caller, or with
/// `indirect_partner_id` the caller's reseller (only a master distributor may name one; a
/// reseller naming itself acts as itself).
pub async fn acting_partner(
    c: &mut AnyConnection,
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

// ----------------------------------------------------------------------------------------------
// Coupons

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
    /// The customer's account name, for listings.
    pub customer_name: String,
    /// What a recall took back (the coupon's balance is 0 afterwards).
    pub reclaimed_amount: Option<Money>,
    /// The order types it may pay for (empty: any).
    pub order_types: Vec<i64>,
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

const COUPON_SELECT: &str = "SELECT k.id, k.root_id, k.partner_id, k.quota_id, k.customer_id, k.coupon_type, k.face_value, k.status, \
    k.effective_at, k.expire_at, k.service_types, k.product_ids, k.memo, k.lock_order_id, k.is_frozen, k.last_used_at, \
    k.created_at, k.updated_at, COALESCE(a.balance, 0), cu.domain_name, k.reclaimed_amount, k.order_types \
    FROM coupons k JOIN customers cu ON cu.id = k.customer_id LEFT JOIN ledger_accounts a ON a.id = 'coupon:' || k.id";

fn row_to_coupon(r: &sqlx::any::AnyRow) -> Coupon {
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
        balance: Money::from_cents(r.get(18)),
        customer_name: r.get(19),
        reclaimed_amount: r.get::<Option<i64>, _>(20).map(Money::from_cents),
        order_types: split_codes(&r.get::<String, _>(21)),
    }
}

pub async fn get_coupon<'e, E: sqlx::Executor<'e, Database = sqlx::Any>>(
    exec: E,
    id: &str,
) -> AppResult<Option<Coupon>> {
    let row = sqlx::query(&format!("{COUPON_SELECT} WHERE k.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?;
    Ok(row.as_ref().map(row_to_coupon))
}

/// `create_partner_coupons` input (bss-api-spec §2.5), parsed.
#[derive(Debug, Clone, Default)]
pub struct IssueRequest {
    pub quota_id: String,
    pub customer_ids: Vec<String>,
    pub face_value: Money,
    pub valid_time: Option<i64>,
    pub expire_time: Option<i64>,
    pub service_types: Vec<String>,
    pub product_ids: Vec<String>,
    pub memo: Option<String>,
    pub indirect_partner_id: Option<String>,
}

/// What an issue did: per customer, the coupon or the refusal.
#[derive(Debug, Clone, Default)]
pub struct IssueOutcome {
    pub issued: Vec<(String, String)>,
    pub failed: Vec<(String, AppError)>,
}

/// Records one coupon operation (CouponRecordV2).
#[allow(clippy::too_many_arguments)]
async fn record(
    c: &mut AnyConnection,
    ctx: &Ctx,
    partner: (&str, &str),
    quota: &Quota,
    coupon_id: Option<&str>,
    customer_id: &str,
    op: i64,
    amount: Money,
    result: i64,
    remark: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO coupon_records (id, root_id, partner_id, quota_id, quota_type, coupon_id, customer_id, operation_type, amount, result, remark, operator, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
    )
    .bind(new_id("cr"))
    .bind(partner.1)
    .bind(partner.0)
    .bind(&quota.id)
    .bind(quota.quota_type.code())
    .bind(coupon_id.map(str::to_string))
    .bind(customer_id)
    .bind(op)
    .bind(amount.cents())
    .bind(result)
    .bind(remark.map(str::to_string))
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(c)
    .await?;
    Ok(())
}

/// `create_partner_coupons`: checks the request and the quota once (a failure there refuses the
/// whole call), then issues to each customer in its own savepoint: a customer that is not the
/// partner's resale customer, or a quota that runs dry, fails that customer only. The coupons
/// take the quota's order types.
pub async fn issue(
    c: &mut AnyConnection,
    ctx: &Ctx,
    caller_partner_id: &str,
    req: IssueRequest,
) -> AppResult<IssueOutcome> {
    issue_with_order_types(c, ctx, caller_partner_id, req, &[]).await
}

/// [`issue`] with coupons limited to `order_types` (the console's issue form; the vendor request
/// has no such field): empty inherits the quota's, others must be among the quota's
/// (CBC.99000024).
pub async fn issue_with_order_types(
    c: &mut AnyConnection,
    ctx: &Ctx,
    caller_partner_id: &str,
    req: IssueRequest,
    order_types: &[i64],
) -> AppResult<IssueOutcome> {
    if req.customer_ids.is_empty() || req.customer_ids.len() > MAX_CUSTOMERS_PER_ISSUE {
        return Err(AppError::invalid(format!(
            "customer_ids holds 1 to {MAX_CUSTOMERS_PER_ISSUE} customer ids"
        )));
    }
    if !req.face_value.is_positive() {
        return Err(AppError::invalid(
            "face_value must be greater than 0 with at most 2 decimals",
        ));
    }
    check_limit_list("cloud_service_types", &req.service_types)?;
    check_limit_list("product_ids", &req.product_ids)?;
    check_order_types(order_types)?;
    if req.memo.as_ref().is_some_and(|m| m.chars().count() > 256) {
        return Err(AppError::invalid("memo has at most 256 characters"));
    }
    let p = acting_partner(c, caller_partner_id, req.indirect_partner_id.as_deref()).await?;
    let quota = owned_quota(c, &p.id, &req.quota_id).await?;
    // The partner's own accounts (CBC.99000025): the acting partner's, and the caller's when a
    // distributor acts for its reseller.
    let mut selves = vec![p.id.clone(), p.domain_id.clone()];
    if caller_partner_id != p.id {
        if let Some(caller) = partners::get(&mut *c, caller_partner_id).await? {
            selves.extend([caller.id, caller.domain_id]);
        }
    }
    let effective_at = req.valid_time.unwrap_or(quota.effective_at);
    let expire_at = req.expire_time.unwrap_or(quota.expire_at);
    coupons::check_issue(
        quota.status,
        quota.effective_at,
        quota.expire_at,
        &quota.limits,
        req.face_value,
        effective_at,
        expire_at,
        ctx.now_ms,
    )
    .map_err(refusal)?;
    let services =
        coupons::narrow(&quota.limits.service_types, &req.service_types).map_err(refusal)?;
    let products = coupons::narrow(&quota.limits.product_ids, &req.product_ids).map_err(refusal)?;
    let order_types =
        coupons::narrow_order_types(&quota.limits.order_types, order_types).map_err(refusal)?;
    let terms = Terms {
        validity: (effective_at, expire_at),
        services: &services,
        products: &products,
        order_types: &order_types,
        selves: &selves,
    };
    let mut out = IssueOutcome::default();
    let mut seen = std::collections::HashSet::new();
    let mut issued_total = Money::ZERO;
    for cid in &req.customer_ids {
        if !seen.insert(cid.clone()) {
            out.failed
                .push((cid.clone(), AppError::invalid("duplicate customer id")));
            continue;
        }
        savepoint(c).await?;
        let r = issue_one(c, ctx, &p, &quota, cid, &req, &terms, issued_total).await;
        end_savepoint(c, r.is_ok()).await?;
        match r {
            Ok(coupon_id) => {
                issued_total = issued_total
                    .checked_add(req.face_value)
                    .unwrap_or(issued_total);
                out.issued.push((cid.clone(), coupon_id));
            }
            Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => return Err(e),
            Err(e) => {
                record(
                    c,
                    ctx,
                    (&p.id, &p.root_id),
                    &quota,
                    None,
                    cid,
                    operation::ISSUE,
                    req.face_value,
                    -1,
                    Some(e.code.vendor_code()),
                )
                .await?;
                out.failed.push((cid.clone(), e));
            }
        }
    }
    Ok(out)
}

/// The customer's association with `partner`: resale is required to receive coupons.
async fn association_type(
    c: &mut AnyConnection,
    partner_id: &str,
    customer_id: &str,
) -> AppResult<Option<AssociationType>> {
    let t: Option<i64> = sqlx::query_scalar(
        "SELECT association_type FROM associations WHERE partner_id = $1 AND customer_id = $2 AND ended_at IS NULL",
    )
    .bind(partner_id)
    .bind(customer_id)
    .fetch_optional(c)
    .await?;
    Ok(t.and_then(AssociationType::from_code))
}

/// What every coupon of one issue gets, checked once against the quota.
struct Terms<'a> {
    validity: (i64, i64),
    services: &'a [String],
    products: &'a [String],
    order_types: &'a [i64],
    /// Ids naming the issuing partner itself (CBC.99000025).
    selves: &'a [String],
}

/// Has the customer been associated with any partner before its association in effect?
async fn associated_before(c: &mut AnyConnection, customer_id: &str) -> AppResult<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM associations WHERE customer_id = $1 AND ended_at IS NOT NULL",
    )
    .bind(customer_id)
    .fetch_one(c)
    .await?;
    Ok(n > 0)
}

/// Issues one coupon; `issued_so_far` is the face value this request already issued.
#[allow(clippy::too_many_arguments)]
async fn issue_one(
    c: &mut AnyConnection,
    ctx: &Ctx,
    p: &partners::Partner,
    quota: &Quota,
    customer_id: &str,
    req: &IssueRequest,
    terms: &Terms<'_>,
    issued_so_far: Money,
) -> AppResult<String> {
    if terms.selves.iter().any(|s| s == customer_id) {
        return Err(AppError::new(Code::CouponSelfIssue));
    }
    match association_type(c, &p.id, customer_id).await? {
        Some(AssociationType::Resale) => {}
        Some(AssociationType::Consulting) => {
            return Err(AppError::new(Code::CouponCustomerTypeNotAllowed))
        }
        None => return Err(AppError::new(Code::NotSubCustomer)),
    }
    if quota.limits.first_association_only && associated_before(c, customer_id).await? {
        return Err(AppError::new(Code::CouponFirstAssociationOnly));
    }
    coupons::check_total(issued_so_far, req.face_value, quota.quota_value).map_err(refusal)?;
    let (effective_at, expire_at) = terms.validity;
    // The count slot and the row lock on the quota, in one guarded statement.
    let n = sqlx::query(
        "UPDATE coupon_quotas SET issued_count = issued_count + 1, updated_at = $1 \
         WHERE id = $2 AND (max_count IS NULL OR issued_count < max_count)",
    )
    .bind(ctx.now_ms)
    .bind(&quota.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::new(Code::CouponCountExceeded));
    }
    let coupon_id = new_id("cp");
    sqlx::query(
        "INSERT INTO coupons (id, root_id, partner_id, quota_id, customer_id, coupon_type, face_value, status, effective_at, expire_at, \
         service_types, product_ids, memo, created_at, updated_at, order_types) VALUES ($1, $2, $3, $4, $5, $6, $7, 2, $8, $9, $10, $11, $12, $13, $13, $14)",
    )
    .bind(&coupon_id)
    .bind(&p.root_id)
    .bind(&p.id)
    .bind(&quota.id)
    .bind(customer_id)
    .bind(quota.quota_type.coupon_type())
    .bind(req.face_value.cents())
    .bind(effective_at)
    .bind(expire_at)
    .bind(terms.services.join(","))
    .bind(terms.products.join(","))
    .bind(req.memo.clone())
    .bind(ctx.now_ms)
    .bind(join_codes(terms.order_types))
    .execute(&mut *c)
    .await?;
    let to = ledger::ensure_account(
        c,
        AccountKind::Coupon,
        &coupon_id,
        Some(&p.root_id),
        ctx.now_ms,
    )
    .await?;
    let from = ledger::account_id(AccountKind::CouponQuota, &quota.id);
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &from,
            to: &to,
            amount: req.face_value,
            kind: "coupon_issue",
            root_id: Some(&p.root_id),
            memo: None,
        },
    )
    .await
    .map_err(|e| match e.code {
        Code::InsufficientBalance => AppError::new(Code::QuotaInsufficient),
        _ => e,
    })?;
    record(
        c,
        ctx,
        (&p.id, &p.root_id),
        quota,
        Some(&coupon_id),
        customer_id,
        operation::ISSUE,
        req.face_value,
        0,
        req.memo.as_deref(),
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.issue",
            target_kind: "coupon",
            target_id: &coupon_id,
            transfer_ids: &[t.id.into_string()],
            detail: serde_json::json!({"customer_id": customer_id, "quota_id": quota.id,
                "face_value": req.face_value.to_string(), "partner_id": p.id}),
        },
    )
    .await?;
    Ok(coupon_id)
}

/// Recalls one coupon of the acting partner (`reclaim_partner_coupons`, the console's recall):
/// only a usable, unlocked coupon, its whole remaining balance back to its quota. Returns the
/// amount recalled. `via_api`: the API refuses coupons of consulting-sales customers (R9.7).
pub async fn reclaim(
    c: &mut AnyConnection,
    ctx: &Ctx,
    caller_partner_id: &str,
    indirect_partner_id: Option<&str>,
    coupon_id: &str,
    via_api: bool,
) -> AppResult<Money> {
    let p = acting_partner(c, caller_partner_id, indirect_partner_id).await?;
    let coupon = get_coupon(&mut *c, coupon_id)
        .await?
        .filter(|k| k.partner_id == p.id)
        .ok_or_else(|| AppError::new(Code::NoCustomerPermission))?;
    if via_api
        && association_type(c, &p.id, &coupon.customer_id).await?
            == Some(AssociationType::Consulting)
    {
        return Err(AppError::new(Code::ReclaimConsultingCoupon));
    }
    reclaim_coupon(c, ctx, &coupon, operation::MANUAL_RECLAIM, None).await
}

/// The guarded status change and the transfer back to the quota, recorded with `op`. The one
/// path of every recall, manual or automatic.
async fn reclaim_coupon(
    c: &mut AnyConnection,
    ctx: &Ctx,
    coupon: &Coupon,
    op: i64,
    remark: Option<&str>,
) -> AppResult<Money> {
    let n = sqlx::query(
        "UPDATE coupons SET status = 5, updated_at = $1 \
         WHERE id = $2 AND status = 2 AND lock_order_id IS NULL AND effective_at <= $1 AND expire_at > $1",
    )
    .bind(ctx.now_ms)
    .bind(&coupon.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        // Re-read inside the transaction to say why.
        let now = get_coupon(&mut *c, &coupon.id)
            .await?
            .ok_or_else(|| AppError::new(Code::NoCustomerPermission))?;
        return Err(
            if now.status_at(ctx.now_ms) == coupon_status::USABLE && now.lock_order_id.is_some() {
                AppError::new(Code::CouponLocked)
            } else {
                AppError::new(Code::CouponNotReclaimable)
            },
        );
    }
    let from = ledger::account_id(AccountKind::Coupon, &coupon.id);
    let to = ledger::account_id(AccountKind::CouponQuota, &coupon.quota_id);
    // Stable after the guarded UPDATE: every debit of a coupon requires status 2.
    let amount = ledger::balance(&mut *c, &from).await?;
    sqlx::query("UPDATE coupons SET reclaimed_amount = $1 WHERE id = $2")
        .bind(amount.cents())
        .bind(&coupon.id)
        .execute(&mut *c)
        .await?;
    let mut tids = Vec::new();
    if amount.is_positive() {
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &from,
                to: &to,
                amount,
                kind: "coupon_reclaim",
                root_id: Some(&coupon.root_id),
                memo: None,
            },
        )
        .await?;
        tids.push(t.id.into_string());
    }
    let quota = get_quota(&mut *c, &coupon.quota_id)
        .await?
        .ok_or_else(|| AppError::internal("coupon without quota"))?;
    record(
        c,
        ctx,
        (&coupon.partner_id, &coupon.root_id),
        &quota,
        Some(&coupon.id),
        &coupon.customer_id,
        op,
        amount,
        0,
        remark,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.reclaim",
            target_kind: "coupon",
            target_id: &coupon.id,
            transfer_ids: &tids,
            detail: serde_json::json!({"amount": amount.to_string(), "operation_type": op,
                "customer_id": coupon.customer_id, "quota_id": coupon.quota_id}),
        },
    )
    .await?;
    Ok(amount)
}

/// Recalls every usable coupon `partner_id` issued to `customer_id`, recorded with `op`
/// (3 unbind, 7 association, 8 association-type switch): to be called at the triggering event
/// inside its transaction. The association job ([`run_association_sweep`]) catches the rest.
pub async fn reclaim_for_customer(
    c: &mut AnyConnection,
    ctx: &Ctx,
    partner_id: &str,
    customer_id: &str,
    op: i64,
) -> AppResult<Vec<(String, Money)>> {
    let rows = sqlx::query(&format!(
        "{COUPON_SELECT} WHERE k.partner_id = $1 AND k.customer_id = $2 AND k.status = 2 \
         AND k.lock_order_id IS NULL AND k.effective_at <= $3 AND k.expire_at > $3"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .bind(ctx.now_ms)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for r in &rows {
        let k = row_to_coupon(r);
        let amount = reclaim_coupon(c, ctx, &k, op, None).await?;
        out.push((k.id, amount));
    }
    Ok(out)
}

/// Filters of `list_issued_partner_coupons` (§2.7) and of the customer's own list.
#[derive(Debug, Clone, Default)]
pub struct CouponQuery {
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
pub enum CouponScope<'a> {
    /// Issued by one partner, every status (reclaimed ones included, R9.6).
    IssuedBy(&'a str),
    /// Owned by one customer: reclaimed coupons are no longer theirs (R9.1).
    OwnedBy(&'a str),
}

/// `CASE` giving a coupon's status at the time bound to `$1`.
const COUPON_STATUS_AT: &str = "(CASE WHEN k.status = 2 AND k.expire_at <= $1 THEN 4 \
    WHEN k.status = 2 AND k.effective_at > $1 THEN 1 ELSE k.status END)";

pub async fn list_coupons(
    pool: &AnyPool,
    scope: CouponScope<'_>,
    q: &CouponQuery,
    now: i64,
) -> AppResult<(i64, Vec<Coupon>)> {
    let (scope_sql, who) = match scope {
        CouponScope::IssuedBy(p) => ("k.partner_id = $2", p),
        CouponScope::OwnedBy(c) => ("k.customer_id = $2 AND k.status <> 5", c),
    };
    let filters = format!(
        "WHERE {scope_sql} \
         AND ($3 IS NULL OR k.id = $3) AND ($4 IS NULL OR k.customer_id = $4) AND ($5 IS NULL OR k.lock_order_id = $5) \
         AND ($6 IS NULL OR k.coupon_type = $6) AND ($7 IS NULL OR {COUPON_STATUS_AT} = $7) \
         AND ($8 IS NULL OR k.created_at >= $8) AND ($9 IS NULL OR k.created_at <= $9) \
         AND ($10 IS NULL OR k.effective_at >= $10) AND ($11 IS NULL OR k.effective_at <= $11) \
         AND ($12 IS NULL OR k.expire_at >= $12) AND ($13 IS NULL OR k.expire_at <= $13) AND $1 = $1"
    );
    macro_rules! bind_all {
        ($x:expr) => {
            $x.bind(now)
                .bind(who)
                .bind(q.coupon_id.clone())
                .bind(q.customer_id.clone())
                .bind(q.order_id.clone())
                .bind(q.coupon_type)
                .bind(q.status)
                .bind(q.create_from)
                .bind(q.create_to)
                .bind(q.effective_from)
                .bind(q.effective_to)
                .bind(q.expire_from)
                .bind(q.expire_to)
        };
    }
    let total: i64 = bind_all!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM coupons k {filters}"
    )))
    .fetch_one(pool)
    .await?;
    let rows = bind_all!(sqlx::query(&format!(
        "{COUPON_SELECT} {filters} ORDER BY k.created_at DESC, k.id LIMIT $14 OFFSET $15"
    )))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(pool)
    .await?;
    Ok((total, rows.iter().map(row_to_coupon).collect()))
}

/// One coupon operation record (CouponRecordV2).
#[derive(Debug, Clone, serde::Serialize)]
pub struct CouponRecord {
    pub id: String,
    pub operation_type: i64,
    pub quota_id: String,
    pub quota_type: i64,
    pub coupon_id: Option<String>,
    pub customer_id: String,
    pub amount: Money,
    pub at: i64,
    pub result: i64,
    pub remark: Option<String>,
    pub operator: String,
}

/// Filters of `list_partner_coupons_record` (§2.8).
#[derive(Debug, Clone, Default)]
pub struct RecordQuery {
    /// `Some(empty)` matches nothing (the vendor: "an empty list is a filter").
    pub operation_types: Option<Vec<i64>>,
    pub quota_id: Option<String>,
    pub quota_type: Option<i64>,
    pub coupon_ids: Option<Vec<String>>,
    pub customer_id: Option<String>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub result: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

pub async fn list_records(
    pool: &AnyPool,
    partner_id: &str,
    q: &RecordQuery,
) -> AppResult<(i64, Vec<CouponRecord>)> {
    // An empty list filter matches nothing: bind a value no row has.
    let ops = q
        .operation_types
        .as_ref()
        .map(|v| csv(v).unwrap_or_else(|| "-".into()));
    let ids = q
        .coupon_ids
        .as_ref()
        .map(|v| csv(v).unwrap_or_else(|| "-".into()));
    let filters = "WHERE r.partner_id = $1 \
         AND ($2 IS NULL OR (',' || $2 || ',') LIKE ('%,' || CAST(r.operation_type AS TEXT) || ',%')) \
         AND ($3 IS NULL OR r.quota_id = $3) AND ($4 IS NULL OR r.quota_type = $4) \
         AND ($5 IS NULL OR (',' || $5 || ',') LIKE ('%,' || r.coupon_id || ',%')) \
         AND ($6 IS NULL OR r.customer_id = $6) AND ($7 IS NULL OR r.created_at >= $7) AND ($8 IS NULL OR r.created_at <= $8) \
         AND ($9 IS NULL OR r.result = $9)";
    macro_rules! bind_all {
        ($x:expr) => {
            $x.bind(partner_id)
                .bind(ops.clone())
                .bind(q.quota_id.clone())
                .bind(q.quota_type)
                .bind(ids.clone())
                .bind(q.customer_id.clone())
                .bind(q.from)
                .bind(q.to)
                .bind(q.result)
        };
    }
    let total: i64 = bind_all!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM coupon_records r {filters}"
    )))
    .fetch_one(pool)
    .await?;
    let rows = bind_all!(sqlx::query(&format!(
        "SELECT r.id, r.operation_type, r.quota_id, r.quota_type, r.coupon_id, r.customer_id, r.amount, r.created_at, r.result, r.remark, r.operator \
         FROM coupon_records r {filters} ORDER BY r.seq DESC LIMIT $10 OFFSET $11"
    )))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(pool)
    .await?;
    Ok((
        total,
        rows.iter()
            .map(|r| CouponRecord {
                id: r.get(0),
                operation_type: r.get(1),
                quota_id: r.get(2),
                quota_type: r.get(3),
                coupon_id: r.get(4),
                customer_id: r.get(5),
                amount: Money::from_cents(r.get(6)),
                at: r.get(7),
                result: r.get(8),
                remark: r.get(9),
                operator: r.get(10),
            })
            .collect(),
    ))
}

/// Is `partner` a master distributor? (Quota grants to resellers are theirs only.)
pub async fn require_distributor(
    c: &mut AnyConnection,
    partner_id: &str,
) -> AppResult<partners::Partner> {
    let p = partners::get(c, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if p.partner_type != PartnerType::Distributor {
        return Err(AppError::new(Code::NoResellerPermission));
    }
    Ok(p)
}

// ----------------------------------------------------------------------------------------------
// Master distributor ↔ reseller quotas (bss-api-spec §2.10–2.13)

/// What a batch quota operation did per item: successes and refusals, by id.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome<T> {
    pub done: Vec<(String, T)>,
    pub failed: Vec<(String, AppError)>,
}

#[allow(clippy::too_many_arguments)]
async fn quota_record(
    c: &mut AnyConnection,
    ctx: &Ctx,
    distributor: &partners::Partner,
    quota_id: &str,
    parent_quota_id: &str,
    reseller_id: &str,
    op: i64,
    amount: Money,
    remark: Option<&str>,
) -> AppResult<()> {
    sqlx::query(
        "INSERT INTO quota_records (id, root_id, distributor_id, quota_id, parent_quota_id, indirect_partner_id, operation_type, amount, result, remark, operator, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)",
    )
    .bind(new_id("qr"))
    .bind(&distributor.root_id)
    .bind(&distributor.id)
    .bind(quota_id)
    .bind(parent_quota_id)
    .bind(reseller_id)
    .bind(op)
    .bind(amount.cents())
    .bind(remark.map(str::to_string))
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(c)
    .await?;
    Ok(())
}

/// `update_coupon_quotas`: a master distributor grants `amount` from its voucher quota to each
/// reseller, into one child quota per (parent quota, reseller) that inherits the parent's
/// validity and limits (a repeated grant tops the same child up).
pub async fn grant_to_resellers(
    c: &mut AnyConnection,
    ctx: &Ctx,
    distributor_id: &str,
    quota_id: &str,
    reseller_ids: &[String],
    amount: Money,
) -> AppResult<BatchOutcome<String>> {
    if reseller_ids.is_empty() || reseller_ids.len() > MAX_CUSTOMERS_PER_ISSUE {
        return Err(AppError::invalid(format!(
            "indirect_partner_ids holds 1 to {MAX_CUSTOMERS_PER_ISSUE} ids"
        )));
    }
    if !amount.is_positive() {
        return Err(AppError::invalid(
            "quota_amount must be greater than 0 with at most 2 decimals",
        ));
    }
    let d = require_distributor(c, distributor_id).await?;
    let parent = owned_quota(c, &d.id, quota_id).await?;
    if parent.quota_type != QuotaType::Voucher || parent.parent_quota_id.is_some() {
        return Err(AppError::new(Code::QuotaInvalid));
    }
    if parent.status != quota_status::NORMAL {
        return Err(AppError::new(Code::QuotaInvalid));
    }
    if ctx.now_ms < parent.effective_at || ctx.now_ms >= parent.expire_at {
        return Err(AppError::new(Code::QuotaNotInForce));
    }
    let mut out = BatchOutcome::default();
    for rid in reseller_ids {
        savepoint(c).await?;
        let r = grant_one(c, ctx, &d, &parent, rid, amount).await;
        end_savepoint(c, r.is_ok()).await?;
        match r {
            Ok(child) => out.done.push((rid.clone(), child)),
            Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => return Err(e),
            Err(e) => out.failed.push((rid.clone(), e)),
        }
    }
    Ok(out)
}

async fn grant_one(
    c: &mut AnyConnection,
    ctx: &Ctx,
    d: &partners::Partner,
    parent: &Quota,
    reseller_id: &str,
    amount: Money,
) -> AppResult<String> {
    let reseller = partners::ensure_child(&mut *c, &d.id, reseller_id).await?;
    // The parent quota's row lock, taken before looking for the child: two first grants to one
    // reseller racing on PostgreSQL would otherwise both find no child, and the second insert
    // would meet `coupon_quotas_one_child` (an internal error). Issuing takes this lock before the
    // quota's ledger account too, so the order is the same.
    sqlx::query("UPDATE coupon_quotas SET updated_at = updated_at WHERE id = $1")
        .bind(&parent.id)
        .execute(&mut *c)
        .await?;
    let existing: Option<String> = sqlx::query_scalar(
        "SELECT id FROM coupon_quotas WHERE parent_quota_id = $1 AND partner_id = $2",
    )
    .bind(&parent.id)
    .bind(&reseller.id)
    .fetch_optional(&mut *c)
    .await?;
    let child = match existing {
        Some(id) => id,
        None => {
            insert_quota(
                c,
                ctx,
                &reseller,
                Some(&parent.id),
                parent.quota_type,
                parent.effective_at,
                parent.expire_at,
                &parent.limits,
            )
            .await?
            .0
        }
    };
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &ledger::account_id(AccountKind::CouponQuota, &parent.id),
            to: &ledger::account_id(AccountKind::CouponQuota, &child),
            amount,
            kind: "quota_grant_reseller",
            root_id: Some(&d.root_id),
            memo: None,
        },
    )
    .await
    .map_err(|e| match e.code {
        Code::InsufficientBalance => AppError::new(Code::QuotaInsufficient),
        _ => e,
    })?;
    add_quota_value(c, ctx, &child, amount).await?;
    // A grant into a reseller quota its distributor had emptied makes it normal again.
    sqlx::query("UPDATE coupon_quotas SET status = 0 WHERE id = $1 AND status = 6")
        .bind(&child)
        .execute(&mut *c)
        .await?;
    quota_record(
        c,
        ctx,
        d,
        &child,
        &parent.id,
        &reseller.id,
        operation::QUOTA_GRANT,
        amount,
        None,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.grant_reseller_quota",
            target_kind: "coupon_quota",
            target_id: &child,
            transfer_ids: &[t.id.into_string()],
            detail: serde_json::json!({"parent_quota_id": parent.id, "reseller_id": reseller.id, "amount": amount.to_string()}),
        },
    )
    .await?;
    Ok(child)
}

/// `reclaim_coupon_quotas`: a master distributor takes back the whole balance of reseller
/// quotas it granted, into their parent quotas. Returns each quota's balance afterwards (0).
pub async fn reclaim_from_resellers(
    c: &mut AnyConnection,
    ctx: &Ctx,
    distributor_id: &str,
    quota_ids: &[String],
    remark: Option<&str>,
) -> AppResult<BatchOutcome<Money>> {
    if quota_ids.is_empty() || quota_ids.len() > MAX_QUOTAS_PER_RECLAIM {
        return Err(AppError::invalid(format!(
            "quota_ids holds 1 to {MAX_QUOTAS_PER_RECLAIM} ids"
        )));
    }
    if remark.is_some_and(|r| r.chars().count() > 256) {
        return Err(AppError::invalid("remark has at most 256 characters"));
    }
    let d = require_distributor(c, distributor_id).await?;
    let mut out = BatchOutcome::default();
    for qid in quota_ids {
        savepoint(c).await?;
        let r = reclaim_quota_one(c, ctx, &d, qid, remark).await;
        end_savepoint(c, r.is_ok()).await?;
        match r {
            Ok(b) => out.done.push((qid.clone(), b)),
            Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => return Err(e),
            Err(e) => out.failed.push((qid.clone(), e)),
        }
    }
    Ok(out)
}

async fn reclaim_quota_one(
    c: &mut AnyConnection,
    ctx: &Ctx,
    d: &partners::Partner,
    quota_id: &str,
    remark: Option<&str>,
) -> AppResult<Money> {
    let child = get_quota(&mut *c, quota_id)
        .await?
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    let parent_id = child
        .parent_quota_id
        .clone()
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    owned_quota(c, &d.id, &parent_id).await?;
    let from = ledger::account_id(AccountKind::CouponQuota, &child.id);
    // Lock the child's row first so the balance read below is the one the transfer takes; the
    // whole balance goes, so a normal quota becomes reclaimed (6). An error below rolls it back.
    sqlx::query(
        "UPDATE coupon_quotas SET status = CASE WHEN status = 0 THEN 6 ELSE status END, updated_at = $1 WHERE id = $2",
    )
    .bind(ctx.now_ms)
    .bind(&child.id)
    .execute(&mut *c)
    .await?;
    let amount = ledger::balance(&mut *c, &from).await?;
    if !amount.is_positive() {
        return Err(AppError::new(Code::QuotaInsufficient));
    }
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &from,
            to: &ledger::account_id(AccountKind::CouponQuota, &parent_id),
            amount,
            kind: "quota_reclaim_reseller",
            root_id: Some(&d.root_id),
            memo: remark,
        },
    )
    .await?;
    quota_record(
        c,
        ctx,
        d,
        &child.id,
        &parent_id,
        &child.partner_id,
        operation::QUOTA_RECLAIM,
        amount,
        remark,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.reclaim_reseller_quota",
            target_kind: "coupon_quota",
            target_id: &child.id,
            transfer_ids: &[t.id.clone().into_string()],
            detail: serde_json::json!({"parent_quota_id": parent_id, "amount": amount.to_string(), "remark": remark}),
        },
    )
    .await?;
    Ok(t.from_balance_after)
}

/// One quota record (QuotaRecord).
#[derive(Debug, Clone, serde::Serialize)]
pub struct QuotaRecordRow {
    pub id: String,
    pub operator: String,
    pub operation_type: i64,
    pub quota_id: String,
    pub parent_quota_id: String,
    pub amount: Money,
    pub at: i64,
    pub result: i64,
    pub indirect_partner_id: String,
    pub indirect_partner_name: String,
    pub remark: Option<String>,
}

/// Filters of `list_coupon_quotas_records` (§2.13).
#[derive(Debug, Clone, Default)]
pub struct QuotaRecordQuery {
    pub indirect_partner_id: Option<String>,
    pub quota_id: Option<String>,
    pub parent_quota_id: Option<String>,
    pub operation_type: Option<i64>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub offset: i64,
    pub limit: i64,
}

pub async fn list_quota_records(
    pool: &AnyPool,
    distributor_id: &str,
    q: &QuotaRecordQuery,
) -> AppResult<(i64, Vec<QuotaRecordRow>)> {
    let filters = "WHERE r.distributor_id = $1 AND ($2 IS NULL OR r.indirect_partner_id = $2) AND ($3 IS NULL OR r.quota_id = $3) \
         AND ($4 IS NULL OR r.parent_quota_id = $4) AND ($5 IS NULL OR r.operation_type = $5) \
         AND ($6 IS NULL OR r.created_at >= $6) AND ($7 IS NULL OR r.created_at <= $7)";
    macro_rules! bind_all {
        ($x:expr) => {
            $x.bind(distributor_id)
                .bind(q.indirect_partner_id.clone())
                .bind(q.quota_id.clone())
                .bind(q.parent_quota_id.clone())
                .bind(q.operation_type)
                .bind(q.from)
                .bind(q.to)
        };
    }
    let total: i64 = bind_all!(sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM quota_records r {filters}"
    )))
    .fetch_one(pool)
    .await?;
    let rows = bind_all!(sqlx::query(&format!(
        "SELECT r.id, r.operator, r.operation_type, r.quota_id, r.parent_quota_id, r.amount, r.created_at, r.result, \
         r.indirect_partner_id, p.name, r.remark FROM quota_records r JOIN partners p ON p.id = r.indirect_partner_id \
         {filters} ORDER BY r.seq DESC LIMIT $8 OFFSET $9"
    )))
    .bind(q.limit)
    .bind(q.offset)
    .fetch_all(pool)
    .await?;
    Ok((
        total,
        rows.iter()
            .map(|r| QuotaRecordRow {
                id: r.get(0),
                operator: r.get(1),
                operation_type: r.get(2),
                quota_id: r.get(3),
                parent_quota_id: r.get(4),
                amount: Money::from_cents(r.get(5)),
                at: r.get(6),
                result: r.get(7),
                indirect_partner_id: r.get(8),
                indirect_partner_name: r.get(9),
                remark: r.get(10),
            })
            .collect(),
    ))
}

// ----------------------------------------------------------------------------------------------
// Lifecycle jobs

/// What a job run did.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct JobReport {
    pub expired: usize,
    pub returned_to_quota: usize,
    pub reclaimed_on_association_change: usize,
}

/// The most coupons one job transaction handles; the job loops until none is left.
const JOB_BATCH: i64 = 200;

/// Stores the expiry of live coupons whose `expire_at` has passed (status 4) and returns their
/// remainder to the quota while that quota is valid (record type 4, 过期回收). Idempotent: each
/// coupon is taken by a guarded `UPDATE … WHERE status = 2`, so concurrent runs never double.
pub async fn expire_one(c: &mut AnyConnection, ctx: &Ctx, coupon: &Coupon) -> AppResult<bool> {
    let n = sqlx::query(
        "UPDATE coupons SET status = 4, lock_order_id = NULL, updated_at = $1 WHERE id = $2 AND status = 2 AND expire_at <= $1",
    )
    .bind(ctx.now_ms)
    .bind(&coupon.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    let quota = get_quota(&mut *c, &coupon.quota_id)
        .await?
        .ok_or_else(|| AppError::internal("coupon without quota"))?;
    let from = ledger::account_id(AccountKind::Coupon, &coupon.id);
    let amount = ledger::balance(&mut *c, &from).await?;
    let mut tids = Vec::new();
    // A reclaimed reseller quota still takes the remainder back: its distributor can reclaim it.
    let open = matches!(
        quota.status_at(ctx.now_ms),
        quota_status::NORMAL | quota_status::RECLAIMED
    );
    if amount.is_positive() && open {
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &from,
                to: &ledger::account_id(AccountKind::CouponQuota, &quota.id),
                amount,
                kind: "coupon_expiry_return",
                root_id: Some(&coupon.root_id),
                memo: None,
            },
        )
        .await?;
        tids.push(t.id.into_string());
        record(
            c,
            ctx,
            (&coupon.partner_id, &coupon.root_id),
            &quota,
            Some(&coupon.id),
            &coupon.customer_id,
            operation::EXPIRY_RECLAIM,
            amount,
            0,
            None,
        )
        .await?;
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.expire",
            target_kind: "coupon",
            target_id: &coupon.id,
            transfer_ids: &tids,
            detail: serde_json::json!({"returned": tids.len() == 1, "amount": amount.to_string()}),
        },
    )
    .await?;
    Ok(!tids.is_empty())
}

/// The coupon-expiry job (`partner-center jobs run coupon-expiry`): expires every live coupon
/// past its expiry, in batches, and recalls usable coupons whose customer is no longer the
/// issuing partner's resale customer (record 3 when the association ended, 8 when its type was
/// switched to consulting sales).
pub async fn run_expiry_job(db: &crate::Db, ctx: &Ctx) -> AppResult<JobReport> {
    let mut report = JobReport::default();
    loop {
        let rows = sqlx::query(&format!(
            "{COUPON_SELECT} WHERE k.status = 2 AND k.expire_at <= $1 ORDER BY k.expire_at, k.id LIMIT $2"
        ))
        .bind(ctx.now_ms)
        .bind(JOB_BATCH)
        .fetch_all(db.read())
        .await?;
        if rows.is_empty() {
            break;
        }
        let batch: Vec<Coupon> = rows.iter().map(row_to_coupon).collect();
        let ctx2 = ctx.clone();
        let (n, returned) = db
            .write(move |c| {
                Box::pin(async move {
                    let (mut n, mut returned) = (0, 0);
                    for k in &batch {
                        if expire_one(c, &ctx2, k).await? {
                            returned += 1;
                        }
                        n += 1;
                    }
                    Ok((n, returned))
                })
            })
            .await?;
        report.expired += n;
        report.returned_to_quota += returned;
        if (n as i64) < JOB_BATCH {
            break;
        }
    }
    report.reclaimed_on_association_change = run_association_sweep(db, ctx).await?;
    Ok(report)
}

/// Recalls usable coupons whose customer is no longer associated for resale with the partner
/// that issued them (the event hooks call [`reclaim_for_customer`] directly; this catches any
/// change made elsewhere).
pub async fn run_association_sweep(db: &crate::Db, ctx: &Ctx) -> AppResult<usize> {
    let rows = sqlx::query(
        "SELECT DISTINCT k.partner_id, k.customer_id, a.association_type FROM coupons k \
         LEFT JOIN associations a ON a.customer_id = k.customer_id AND a.partner_id = k.partner_id AND a.ended_at IS NULL \
         WHERE k.status = 2 AND k.lock_order_id IS NULL AND k.effective_at <= $1 AND k.expire_at > $1 \
         AND (a.id IS NULL OR a.association_type <> 2)",
    )
    .bind(ctx.now_ms)
    .fetch_all(db.read())
    .await?;
    let mut total = 0;
    for r in rows {
        let (pid, cid, t): (String, String, Option<i64>) = (r.get(0), r.get(1), r.get(2));
        let op = if t.is_some() {
            operation::MODE_SWITCH_RECLAIM
        } else {
            operation::UNBIND_RECLAIM
        };
        let ctx2 = ctx.clone();
        total += db
            .write(move |c| {
                Box::pin(
                    async move { Ok(reclaim_for_customer(c, &ctx2, &pid, &cid, op).await?.len()) },
                )
            })
            .await?;
    }
    Ok(total)
}

// ----------------------------------------------------------------------------------------------
// For orders (used by the orders capability): usable coupons, lock, consume, release.

/// The customer's coupons an order could use at `now`: usable, not frozen, not locked by another
/// order, whose restrictions admit the order's service type and products (an empty restriction
/// admits everything), with a positive balance. `amount` is the order's amount; coupons are
/// returned whatever their balance (a coupon pays at most its balance), largest balance first.
pub async fn usable_for_order(
    pool: &AnyPool,
    customer_id: &str,
    order_id: &str,
    service_types: &[&str],
    product_ids: &[String],
    amount: Money,
    now: i64,
) -> AppResult<Vec<Coupon>> {
    let rows = sqlx::query(&format!(
        "{COUPON_SELECT} WHERE k.customer_id = $1 AND k.status = 2 AND k.is_frozen = 0 \
         AND k.effective_at <= $2 AND k.expire_at > $2 AND (k.lock_order_id IS NULL OR k.lock_order_id = $3) \
         ORDER BY k.expire_at, k.id"
    ))
    .bind(customer_id)
    .bind(now)
    .bind(order_id)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<Coupon> = rows
        .iter()
        .map(row_to_coupon)
        .filter(|k| k.balance.is_positive() && amount.is_positive())
        .filter(|k| k.admits(service_types, product_ids))
        .collect();
    out.sort_by_key(|k| std::cmp::Reverse(k.balance));
    Ok(out)
}

/// Locks a usable coupon of `customer_id` for one pending order (only that order may then use
/// it). Guarded: a coupon already locked by another order is refused.
pub async fn lock_for_order(
    c: &mut AnyConnection,
    ctx: &Ctx,
    coupon_id: &str,
    customer_id: &str,
    order_id: &str,
) -> AppResult<()> {
    let n = sqlx::query(
        "UPDATE coupons SET lock_order_id = $1, updated_at = $2 WHERE id = $3 AND customer_id = $4 AND status = 2 \
         AND is_frozen = 0 AND effective_at <= $2 AND expire_at > $2 AND (lock_order_id IS NULL OR lock_order_id = $1)",
    )
    .bind(order_id)
    .bind(ctx.now_ms)
    .bind(coupon_id)
    .bind(customer_id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::new(Code::CouponLocked));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.lock",
            target_kind: "coupon",
            target_id: coupon_id,
            transfer_ids: &[],
            detail: serde_json::json!({"order_id": order_id}),
        },
    )
    .await
}

/// Releases the lock an order holds (order cancelled or paid without it).
pub async fn release_for_order(
    c: &mut AnyConnection,
    ctx: &Ctx,
    coupon_id: &str,
    order_id: &str,
) -> AppResult<()> {
    sqlx::query("UPDATE coupons SET lock_order_id = NULL, updated_at = $1 WHERE id = $2 AND lock_order_id = $3")
        .bind(ctx.now_ms)
        .bind(coupon_id)
        .bind(order_id)
        .execute(&mut *c)
        .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.release",
            target_kind: "coupon",
            target_id: coupon_id,
            transfer_ids: &[],
            detail: serde_json::json!({"order_id": order_id}),
        },
    )
    .await
}

/// Ledger transfer kind of a coupon spent on an order (coupon → outside world).
pub const KIND_COUPON_USE: &str = "coupon_use";

/// The order that locked the coupon uses it: `min(balance, amount)` moves `coupon → external`;
/// the lock is released; a coupon whose balance reaches 0 is used (3). Returns the amount used.
pub async fn consume_for_order(
    c: &mut AnyConnection,
    ctx: &Ctx,
    coupon_id: &str,
    order_id: &str,
    amount: Money,
) -> AppResult<Money> {
    if !amount.is_positive() {
        return Err(AppError::invalid("amount must be greater than 0"));
    }
    let n = sqlx::query(
        "UPDATE coupons SET lock_order_id = NULL, last_used_at = $1, updated_at = $1 \
         WHERE id = $2 AND lock_order_id = $3 AND status = 2 AND effective_at <= $1 AND expire_at > $1",
    )
    .bind(ctx.now_ms)
    .bind(coupon_id)
    .bind(order_id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Err(AppError::new(Code::CouponLocked));
    }
    let k = get_coupon(&mut *c, coupon_id)
        .await?
        .ok_or_else(|| AppError::internal("coupon vanished"))?;
    let used = amount.min(k.balance);
    let mut tids = Vec::new();
    if used.is_positive() {
        let world = ledger::world(c, ctx.now_ms).await?;
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &ledger::account_id(AccountKind::Coupon, coupon_id),
                to: &world,
                amount: used,
                kind: KIND_COUPON_USE,
                root_id: Some(&k.root_id),
                memo: Some(order_id),
            },
        )
        .await?;
        if !t.from_balance_after.is_positive() {
            sqlx::query("UPDATE coupons SET status = 3 WHERE id = $1")
                .bind(coupon_id)
                .execute(&mut *c)
                .await?;
        }
        tids.push(t.id.into_string());
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.use",
            target_kind: "coupon",
            target_id: coupon_id,
            transfer_ids: &tids,
            detail: serde_json::json!({"order_id": order_id, "amount": used.to_string()}),
        },
    )
    .await?;
    Ok(used)
}

/// Ledger kind of a refund given back to a coupon or its quota.
pub const KIND_COUPON_REFUND: &str = "coupon_refund";

/// Where a coupon's share of a refund went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundTarget {
    /// Back on the coupon, usable again until its own expiry.
    Coupon,
    /// The coupon had expired or been recalled: back to the quota it was issued from, recorded as
    /// an unsubscribe reclaim (`operation_type` 5, 退订回收).
    Quota,
}

impl RefundTarget {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundTarget::Coupon => "coupon",
            RefundTarget::Quota => "quota",
        }
    }
}

/// Gives `amount` of an unsubscribe refund back to a coupon that paid the original order
/// (`external:world → coupon`, and a used-up coupon becomes usable again), or, when the coupon
/// has expired or was recalled, to the issuing partner's quota (`external:world → quota`) with a
/// coupon record. Returns where it went and the transfer id.
pub(crate) async fn refund_for_order(
    c: &mut AnyConnection,
    ctx: &Ctx,
    coupon_id: &str,
    refund_order_id: &str,
    amount: Money,
) -> AppResult<(RefundTarget, String)> {
    let k = get_coupon(&mut *c, coupon_id)
        .await?
        .ok_or_else(|| AppError::internal("refunded coupon vanished"))?;
    let live = (k.status == coupon_status::USABLE || k.status == coupon_status::USED)
        && ctx.now_ms < k.expire_at;
    let target = if live {
        RefundTarget::Coupon
    } else {
        RefundTarget::Quota
    };
    let world = ledger::world(c, ctx.now_ms).await?;
    let to = match target {
        RefundTarget::Coupon => ledger::account_id(AccountKind::Coupon, &k.id),
        RefundTarget::Quota => ledger::account_id(AccountKind::CouponQuota, &k.quota_id),
    };
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &world,
            to: &to,
            amount,
            kind: KIND_COUPON_REFUND,
            root_id: Some(&k.root_id),
            memo: Some(refund_order_id),
        },
    )
    .await?;
    let tid = t.id.into_string();
    match target {
        RefundTarget::Coupon => {
            sqlx::query("UPDATE coupons SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(coupon_status::USABLE)
                .bind(ctx.now_ms)
                .bind(&k.id)
                .execute(&mut *c)
                .await?;
        }
        RefundTarget::Quota => {
            let quota = get_quota(&mut *c, &k.quota_id)
                .await?
                .ok_or_else(|| AppError::internal("coupon without quota"))?;
            record(
                c,
                ctx,
                (&k.partner_id, &k.root_id),
                &quota,
                Some(&k.id),
                &k.customer_id,
                operation::UNSUBSCRIBE_RECLAIM,
                amount,
                0,
                Some(refund_order_id),
            )
            .await?;
        }
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.refund",
            target_kind: "coupon",
            target_id: &k.id,
            transfer_ids: std::slice::from_ref(&tid),
            detail: serde_json::json!({"order_id": refund_order_id, "amount": amount.to_string(), "to": target.as_str()}),
        },
    )
    .await?;
    Ok((target, tid))
}
