//! Order price adjustments (订单调价, discount type 609, fee item 609): an operator takes an
//! amount off one pending-payment order, with a reason. The vendor's rule (R11.5): when an order
//! carries one, the payment must use it and cannot use another discount instead.
//!
//! **Decisions.** Only operators adjust (audited: the "调价记录" partners see on the order is the
//! current adjustment and the audit trail). The amount is at least 0.01 and leaves at least 0.01
//! to pay. Setting it again replaces it; clearing removes it; both only while the order waits
//! for payment. The amount is spread over the order's lines in proportion to their list prices
//! (largest remainder, `pc_domain::refunds::split`), so each line records its share exactly.

use crate::store::sql::{self, Conn};
use pc_domain::orders::{DiscountKind, OrderStatus, Ratio};
use pc_domain::refunds as split_rules;
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::orders::{self, Discounted, Grant, OrderLine};
use crate::store::{audit, Db};

/// Longest reason kept.
pub const MAX_REASON_CHARS: usize = 200;

/// The adjustment of one order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Adjustment {
    pub order_id: String,
    pub amount: Money,
    pub reason: String,
    pub created_by: String,
    pub created_at: i64,
}

/// The adjustment an order carries, if any.
pub async fn of_order<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    order_id: &str,
) -> AppResult<Option<Adjustment>> {
    let row = sql::query(
        "SELECT order_id, amount, reason, created_by, created_at FROM order_adjustments WHERE order_id = $1",
    )
    .bind(order_id)
    .fetch_optional(exec)
    .await?;
    Ok(row.map(|r| Adjustment {
        order_id: r.get(0),
        amount: Money::from_cents(r.get(1)),
        reason: r.get(2),
        created_by: r.get(3),
        created_at: r.get(4),
    }))
}

/// The adjustment as a discount usable on the order: its id is the order's, its lines the
/// amount spread over the order's lines by list price. Its `ratio` is indicative only (what is
/// paid of the list price, rounded to a basis point); the lines carry the exact amounts.
pub fn as_discount(
    a: &Adjustment,
    lines: &[OrderLine],
) -> Option<(Grant, Vec<(String, Discounted)>)> {
    let weights: Vec<Money> = lines.iter().map(|l| l.official_amount).collect();
    let parts = split_rules::split(a.amount, &weights)?;
    let official: i64 = weights.iter().map(|m| m.cents()).sum();
    let bp = ((official - a.amount.cents()) as i128 * 10_000 / official.max(1) as i128) as i64;
    let grant = Grant {
        id: a.order_id.clone(),
        partner_id: String::new(),
        customer_id: String::new(),
        product_id: None,
        ratio: Ratio::from_bp(bp.clamp(1, 9_999))?,
        created_at: a.created_at,
        kind: DiscountKind::Adjustment,
    };
    let used = lines
        .iter()
        .zip(parts)
        .map(|(l, d)| {
            (
                l.order_line_item_id.clone(),
                Discounted {
                    official: l.official_amount,
                    discount: d,
                },
            )
        })
        .collect();
    Some((grant, used))
}

/// An operator's adjustment of one order's price.
#[derive(Debug, Clone)]
pub struct PriceAdjustment {
    pub order_id: String,
    /// What is taken off the list price.
    pub amount: Money,
    /// Why; required, at most [`MAX_REASON_CHARS`] characters.
    pub reason: String,
}

/// Sets (or replaces) the adjustment of a pending-payment order (operators only). The
/// adjustment as set.
pub async fn set(db: &Db, ctx: Ctx, a: PriceAdjustment) -> AppResult<Adjustment> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            set_in(c, &ctx, &a.order_id, a.amount, &a.reason).await?;
            of_order(&mut *c, &a.order_id)
                .await?
                .ok_or_else(|| AppError::internal("adjustment vanished after setting"))
        })
    })
    .await
}

async fn set_in(
    c: &mut Conn,
    ctx: &Ctx,
    order_id: &str,
    amount: Money,
    reason: &str,
) -> AppResult<()> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
        return Err(AppError::invalid_tr(
            format!("a reason is required (at most {MAX_REASON_CHARS} characters)"),
            format!("原因必填（最多 {MAX_REASON_CHARS} 个字符）。"),
        ));
    }
    // Lock the order row; only a pending order is adjusted.
    let n = sql::query("UPDATE orders SET status = status WHERE id = $1 AND status = $2")
        .bind(order_id)
        .bind(OrderStatus::PendingPayment.code())
        .execute(&mut *c)
        .await?
        .rows_affected();
    let order = orders::load_order(&mut *c, order_id)
        .await?
        .ok_or_else(|| AppError::new(Code::InvalidOrder))?;
    if n == 0 {
        return Err(AppError::new(Code::OrderStatusChanged));
    }
    if !amount.is_positive() || amount >= order.official_amount {
        return Err(AppError::invalid_tr(
            format!(
                "the adjustment must be more than 0 and less than the order's {}",
                order.official_amount
            ),
            format!(
                "调整金额必须大于 0 且小于订单的 {}。",
                order.official_amount
            ),
        ));
    }
    sql::query("DELETE FROM order_adjustments WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *c)
        .await?;
    sql::query(
        "INSERT INTO order_adjustments (order_id, amount, reason, created_by, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(amount.cents())
    .bind(reason)
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.adjust_price",
            target_kind: "order",
            target_id: order_id,
            transfer_ids: &[],
            detail: serde_json::json!({"amount": amount.to_string(), "reason": reason}),
        },
    )
    .await
}

/// Removes the adjustment of a pending-payment order (operators only); an order without one is
/// `PC.0404`.
pub async fn clear(db: &Db, ctx: Ctx, order_id: String) -> AppResult<()> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { clear_in(c, &ctx, &order_id).await })
    })
    .await
}

async fn clear_in(c: &mut Conn, ctx: &Ctx, order_id: &str) -> AppResult<()> {
    let pending: Option<i64> = sql::query_scalar("SELECT status FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_optional(&mut *c)
        .await?;
    match pending {
        None => return Err(AppError::new(Code::InvalidOrder)),
        Some(s) if s != OrderStatus::PendingPayment.code() => {
            return Err(AppError::new(Code::OrderStatusChanged))
        }
        _ => {}
    }
    let n = sql::query("DELETE FROM order_adjustments WHERE order_id = $1")
        .bind(order_id)
        .execute(&mut *c)
        .await?
        .rows_affected();
    if n == 0 {
        return Err(AppError::with_tr(
            Code::NotFound,
            "no adjustment on this order",
            "该订单没有调价。",
        ));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.clear_price_adjustment",
            target_kind: "order",
            target_id: order_id,
            transfer_ids: &[],
            detail: serde_json::json!({}),
        },
    )
    .await
}
