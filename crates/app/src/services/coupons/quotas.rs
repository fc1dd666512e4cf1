//! Quotas granted by operators (console, CLI): grant, top-up, status, limits, and the limits as
//! an operator types them.
//!
//! A consulting-sales partner is never granted a quota (`PC.0902`): it cannot issue coupons, its
//! customers being consulting ones (`CBC.99000014` in `issue.rs`).

use crate::store::sql::{self, Conn};
use pc_domain::coupons::{quota_status, QuotaLimits, QuotaType};
use pc_domain::ledger::AccountKind;
use pc_domain::party::PartnerType;
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use super::*;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::partners;
use crate::store::{audit, ledger, Db};

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

fn check_limits(l: &QuotaLimits) -> AppResult<()> {
    check_limit_list("cloud_service_types", &l.service_types)?;
    check_limit_list("product_ids", &l.product_ids)?;
    check_order_types(&l.order_types)?;
    if l.min_face.is_some_and(|m| !m.is_positive()) || l.max_face.is_some_and(|m| !m.is_positive())
    {
        return Err(AppError::invalid_tr(
            "face value limits must be greater than 0",
            "面额上下限必须大于 0。",
        ));
    }
    if let (Some(a), Some(b)) = (l.min_face, l.max_face) {
        if a > b {
            return Err(AppError::invalid_tr(
                "the minimum face value exceeds the maximum",
                "最小面额超过了最大面额。",
            ));
        }
    }
    if l.max_count.is_some_and(|n| n < 1) {
        return Err(AppError::invalid_tr(
            "max_count must be at least 1",
            "max_count 至少为 1。",
        ));
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
                AppError::invalid_tr(
                    format!("order types are order_type codes such as 1,2, not {v:?}"),
                    format!("订单类型须为 order_type 编码，如 1,2，而不是 {v:?}。"),
                )
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
                _ => Err(AppError::invalid_tr(format!(
                    "{field} must be an amount in yuan greater than 0 with at most 2 decimals, not {s:?}"
                ), format!("{field} 必须是大于 0 的金额（元），最多 2 位小数，而不是 {s:?}。"))),
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
                        AppError::invalid_tr(format!(
                            "the maximum coupon count must be a whole number of at least 1, not {count:?}"
                        ), format!("代金券数量上限必须是不小于 1 的整数，而不是 {count:?}。"))
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
pub(super) async fn insert_quota(
    c: &mut Conn,
    ctx: &Ctx,
    partner: &partners::Partner,
    parent_quota_id: Option<&str>,
    quota_type: QuotaType,
    effective_at: i64,
    expire_at: i64,
    limits: &QuotaLimits,
) -> AppResult<(String, String)> {
    let id = new_id("q");
    sql::query(
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
pub(super) async fn add_quota_value(
    c: &mut Conn,
    ctx: &Ctx,
    quota_id: &str,
    amount: Money,
) -> AppResult<()> {
    sql::query(
        "UPDATE coupon_quotas SET quota_value = quota_value + $1, updated_at = $2 WHERE id = $3",
    )
    .bind(amount.cents())
    .bind(ctx.now_ms)
    .bind(quota_id)
    .execute(c)
    .await?;
    Ok(())
}

/// What an operator's grant did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct QuotaGranted {
    pub quota_id: String,
    /// The transfer `external → quota` that funded it.
    pub transfer_id: String,
}

/// An operator (console or CLI) grants a new quota to a partner: `external → quota`.
pub async fn grant_quota(db: &Db, ctx: Ctx, g: NewQuota) -> AppResult<QuotaGranted> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { grant_quota_in(c, &ctx, g).await })
    })
    .await
}

async fn grant_quota_in(c: &mut Conn, ctx: &Ctx, g: NewQuota) -> AppResult<QuotaGranted> {
    if !g.amount.is_positive() {
        return Err(AppError::invalid_tr(
            "amount must be greater than 0 with at most 2 decimals",
            "amount 必须大于 0，最多 2 位小数。",
        ));
    }
    check_limits(&g.limits)?;
    let effective_at = g.effective_at.unwrap_or(ctx.now_ms);
    let expire_at = g
        .expire_at
        .unwrap_or(effective_at + DEFAULT_QUOTA_VALIDITY_MS);
    if expire_at <= effective_at || expire_at <= ctx.now_ms {
        return Err(AppError::invalid_tr(
            "the expiry must be in the future and after the effective time",
            "失效时间必须晚于当前时间和生效时间。",
        ));
    }
    let p = partners::get(&mut *c, &g.partner_id)
        .await?
        .ok_or_else(|| {
            AppError::with_tr(
                Code::NotFound,
                format!("partner {}", g.partner_id),
                format!("合作伙伴 {}", g.partner_id),
            )
        })?;
    // A consulting-sales partner's customers are all consulting ones, to whom coupons cannot be
    // issued (`issue.rs`, `CBC.99000014`): a quota granted to it could never be used. Refused
    // with `PC.0902` (no vendor table names the case: the grant is not a vendor operation).
    if p.partner_type == PartnerType::Consulting {
        return Err(AppError::new(Code::QuotaForConsultingPartner));
    }
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
    Ok(QuotaGranted {
        quota_id: id,
        transfer_id: tid,
    })
}

async fn fund_quota(
    c: &mut Conn,
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

/// An operator's change to one quota (the console's quota page): any of new limits, a top-up and
/// a status, applied in that order in one transaction (all or nothing).
#[derive(Debug, Clone, Default)]
pub struct QuotaAdjustment {
    pub quota_id: String,
    /// New limits of a top-level quota (see `set_quota_limits_in`).
    pub limits: Option<QuotaLimits>,
    /// An amount to add to a top-level quota (`external → quota`).
    pub top_up: Option<Money>,
    /// The new status (0 normal, 3 invalid, 4 adjusting, 5 frozen).
    pub status: Option<i64>,
}

/// What an adjustment did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct QuotaAdjusted {
    /// The top-up's transfer, when there was one.
    pub top_up_transfer_id: Option<String>,
}

/// An operator adjusts a quota: its limits, its value (a top-up) and its status, each optional.
pub async fn adjust_quota(db: &Db, ctx: Ctx, a: QuotaAdjustment) -> AppResult<QuotaAdjusted> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            if let Some(l) = &a.limits {
                set_quota_limits_in(c, &ctx, &a.quota_id, l).await?;
            }
            let mut out = QuotaAdjusted::default();
            if let Some(m) = a.top_up {
                out.top_up_transfer_id = Some(top_up_quota_in(c, &ctx, &a.quota_id, m).await?);
            }
            if let Some(s) = a.status {
                set_quota_status_in(c, &ctx, &a.quota_id, s).await?;
            }
            Ok(out)
        })
    })
    .await
}

/// Adds `amount` to an existing top-level quota (`external → quota`).
async fn top_up_quota_in(
    c: &mut Conn,
    ctx: &Ctx,
    quota_id: &str,
    amount: Money,
) -> AppResult<String> {
    if !amount.is_positive() {
        return Err(AppError::invalid_tr(
            "amount must be greater than 0 with at most 2 decimals",
            "amount 必须大于 0，最多 2 位小数。",
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

/// Sets a quota's status (0 normal, 3 invalid, 4 adjusting, 5 frozen).
async fn set_quota_status_in(
    c: &mut Conn,
    ctx: &Ctx,
    quota_id: &str,
    status: i64,
) -> AppResult<()> {
    if !quota_status::ALL.contains(&status) {
        return Err(AppError::invalid_tr(
            "status must be 0, 3, 4 or 5",
            "status 必须是 0、3、4 或 5。",
        ));
    }
    let n = sql::query("UPDATE coupon_quotas SET status = $1, updated_at = $2 WHERE id = $3")
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

/// Changes a top-level quota's limits (the console's quota page). They govern issues
/// from then on: coupons already issued keep the restrictions they were issued with, and the
/// reseller quotas granted from this one take the same limits (they inherit their parent's).
/// `max_count` may not fall below what the quota, or any of its reseller quotas, already issued:
/// the guarded `UPDATE` skips such a row and the whole change is refused, also when an issue
/// races it.
async fn set_quota_limits_in(
    c: &mut Conn,
    ctx: &Ctx,
    quota_id: &str,
    limits: &QuotaLimits,
) -> AppResult<()> {
    check_limits(limits)?;
    let q = get_quota(&mut *c, quota_id)
        .await?
        .filter(|q| q.parent_quota_id.is_none())
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    let family: i64 = sql::query_scalar(
        "SELECT COUNT(*) FROM coupon_quotas WHERE id = $1 OR parent_quota_id = $1",
    )
    .bind(&q.id)
    .fetch_one(&mut *c)
    .await?;
    let n = sql::query(
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
        let issued: i64 = sql::query_scalar(
            "SELECT CAST(COALESCE(MAX(issued_count), 0) AS BIGINT) FROM coupon_quotas WHERE id = $1 OR parent_quota_id = $1",
        )
        .bind(&q.id)
        .fetch_one(&mut *c)
        .await?;
        return Err(AppError::invalid_tr(format!(
            "the maximum coupon count cannot be below the {issued} coupons already issued from this quota or a reseller quota granted from it"
        ), format!("代金券数量上限不能低于该额度（及由其下发的经销商额度）已发放的 {issued} 张。")));
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
