//! For orders (used by the orders capability): usable coupons, lock, consume, release, refund.

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::coupons::{coupon_status, operation};
use pc_domain::ledger::AccountKind;
use pc_domain::Money;

use super::*;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, ledger};

/// The customer's coupons an order could use at `now`: usable, not frozen, not locked by another
/// order, whose restrictions admit the order's service type and products (an empty restriction
/// admits everything), with a positive balance. `amount` is the order's amount; coupons are
/// returned whatever their balance (a coupon pays at most its balance), largest balance first.
pub async fn usable_for_order(
    pool: &ReadPool,
    customer_id: &str,
    order_id: &str,
    service_types: &[&str],
    product_ids: &[String],
    amount: Money,
    now: i64,
) -> AppResult<Vec<Coupon>> {
    let rows = sql::query(&format!(
        "{COUPON_COLUMNS} {COUPON_FROM} WHERE k.customer_id = $1 AND k.status = 2 AND k.is_frozen = 0 \
         AND k.effective_at <= $2 AND k.expire_at > $2 AND (k.lock_order_id IS NULL OR k.lock_order_id = $3) \
         ORDER BY k.expire_at, k.id"
    ))
    .bind(customer_id)
    .bind(now)
    .bind(order_id)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<Coupon> = coupons_of(pool, &rows)
        .await?
        .into_iter()
        .filter(|k| k.balance.is_positive() && amount.is_positive())
        .filter(|k| k.admits(service_types, product_ids))
        .collect();
    out.sort_by_key(|k| std::cmp::Reverse(k.balance));
    Ok(out)
}

/// Locks a usable coupon of `customer_id` for one pending order (only that order may then use
/// it). Guarded: a coupon already locked by another order is refused.
pub async fn lock_for_order(
    c: &mut Conn,
    ctx: &Ctx,
    coupon_id: &str,
    customer_id: &str,
    order_id: &str,
) -> AppResult<()> {
    let n = sql::query(
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
    c: &mut Conn,
    ctx: &Ctx,
    coupon_id: &str,
    order_id: &str,
) -> AppResult<()> {
    sql::query("UPDATE coupons SET lock_order_id = NULL, updated_at = $1 WHERE id = $2 AND lock_order_id = $3")
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

/// Releases every coupon lock `order_id` holds (the order was cancelled or expired), each
/// audited, in coupon id order.
pub async fn release_all_for_order(c: &mut Conn, ctx: &Ctx, order_id: &str) -> AppResult<()> {
    let ids: Vec<String> =
        sql::query_scalar("SELECT id FROM coupons WHERE lock_order_id = $1 ORDER BY id")
            .bind(order_id)
            .fetch_all(&mut *c)
            .await?;
    for id in ids {
        release_for_order(c, ctx, &id, order_id).await?;
    }
    Ok(())
}

/// Ledger transfer kind of a coupon spent on an order (coupon → outside world).
pub const KIND_COUPON_USE: &str = "coupon_use";

/// The order that locked the coupon uses it: `min(balance, amount)` moves `coupon → external`;
/// the lock is released; a coupon whose balance reaches 0 is used (3). Returns the amount used.
pub async fn consume_for_order(
    c: &mut Conn,
    ctx: &Ctx,
    coupon_id: &str,
    order_id: &str,
    amount: Money,
) -> AppResult<Money> {
    if !amount.is_positive() {
        return Err(AppError::invalid_tr(
            "amount must be greater than 0",
            "amount 必须大于 0。",
        ));
    }
    let n = sql::query(
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
            sql::query("UPDATE coupons SET status = 3 WHERE id = $1")
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
    c: &mut Conn,
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
            sql::query("UPDATE coupons SET status = $1, updated_at = $2 WHERE id = $3")
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
