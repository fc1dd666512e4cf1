//! What subscriptions (refunds, renewals, changes, provisioning) read and write on orders: the
//! sources an order was paid from, the customer's recent no-reason unsubscribes, the pending
//! orders on a resource; a change order's completion, a paid line's period, what paid (or was
//! given back for) an order. The SQL over `orders`, `order_lines` and `order_coupons` stays in
//! this capability; each write runs inside the caller's transaction.

use crate::error::AppResult;
use crate::store::sql::{self, Conn};
use pc_domain::orders::{OrderStatus, OrderType};

/// A coupon an order was paid with: its id, type and the amount it paid.
#[derive(Debug, Clone)]
pub struct PaidCoupon {
    pub coupon_id: String,
    pub coupon_type: i64,
    pub amount: i64,
}

/// What an order was paid with: its cash (cents) and its coupons, by coupon id.
pub async fn paid_with(c: &mut Conn, order_id: &str) -> AppResult<(i64, Vec<PaidCoupon>)> {
    let cash: i64 = sql::query_scalar("SELECT cash_amount FROM orders WHERE id = $1")
        .bind(order_id)
        .fetch_one(&mut *c)
        .await?;
    let rows = sql::query(
        "SELECT coupon_id, coupon_type, amount FROM order_coupons WHERE order_id = $1 ORDER BY coupon_id",
    )
    .bind(order_id)
    .fetch_all(&mut *c)
    .await?;
    let coupons = rows
        .iter()
        .map(|r| PaidCoupon {
            coupon_id: r.get(0),
            coupon_type: r.get(1),
            amount: r.get(2),
        })
        .collect();
    Ok((cash, coupons))
}

/// How many no-reason unsubscribe orders the customer placed after `since`.
pub async fn no_reason_unsubscribes_since(
    c: &mut Conn,
    customer_id: &str,
    since: i64,
) -> AppResult<i64> {
    Ok(sql::query_scalar(
        "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND order_type = $2 AND no_reason = 1 AND created_at > $3",
    )
    .bind(customer_id)
    .bind(OrderType::Unsubscribe.code())
    .bind(since)
    .fetch_one(&mut *c)
    .await?)
}

/// How many orders awaiting payment have a line on the resource.
pub async fn pending_on_resource(c: &mut Conn, resource_id: &str) -> AppResult<i64> {
    Ok(sql::query_scalar(
        "SELECT COUNT(*) FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE l.resource_id = $1 AND o.status = $2",
    )
    .bind(resource_id)
    .bind(OrderStatus::PendingPayment.code())
    .fetch_one(&mut *c)
    .await?)
}

// ----------------------------------------------------------------------------------------------
// What changes, unsubscribes and provisioning write on orders (inside their transactions).

/// Cash, vouchers and cash coupons, in cents: what paid (or was given back for) an order.
#[derive(Debug, Clone, Copy, Default)]
pub struct PaidSplit {
    pub cash: i64,
    pub vouchers: i64,
    pub cash_coupons: i64,
}

/// Records what an order was paid with (an unsubscribe order: what it gave back).
pub async fn set_paid_split(c: &mut Conn, order_id: &str, split: PaidSplit) -> AppResult<()> {
    sql::query(
        "UPDATE orders SET cash_amount = $1, coupon_amount = $2, flexipurchase_coupon_amount = $3 WHERE id = $4",
    )
    .bind(split.cash)
    .bind(split.vouchers)
    .bind(split.cash_coupons)
    .bind(order_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Records that `amount` of coupon `coupon_id` (of `coupon_type`) paid the order.
pub async fn add_order_coupon(
    c: &mut Conn,
    order_id: &str,
    coupon_id: &str,
    coupon_type: i64,
    amount: i64,
    now: i64,
) -> AppResult<()> {
    sql::query(
        "INSERT INTO order_coupons (order_id, coupon_id, coupon_type, amount, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(order_id)
    .bind(coupon_id)
    .bind(coupon_type)
    .bind(amount)
    .bind(now)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A change order's lines name the product they replace and have no period count.
pub async fn mark_change_lines(
    c: &mut Conn,
    order_id: &str,
    base_product_id: &str,
) -> AppResult<()> {
    sql::query(
        "UPDATE order_lines SET base_product_id = $1, period_num = NULL WHERE order_id = $2",
    )
    .bind(base_product_id)
    .bind(order_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// Completes a change order that refunded (a downgrade) at `now`: `refund` is its amount, `split`
/// what paid the period it carries; its lines keep `retained` from `now` to `expire_at`.
pub async fn complete_refunding_change(
    c: &mut Conn,
    order_id: &str,
    now: i64,
    refund: i64,
    split: PaidSplit,
    retained: i64,
    expire_at: i64,
) -> AppResult<()> {
    sql::query(
        "UPDATE orders SET status = $1, paid_at = $2, payment_deadline = NULL, official_amount = $3, amount_after_discount = $3, \
         cash_amount = $4, coupon_amount = $5, flexipurchase_coupon_amount = $6 WHERE id = $7",
    )
    .bind(OrderStatus::Completed.code())
    .bind(now)
    .bind(refund)
    .bind(split.cash)
    .bind(split.vouchers)
    .bind(split.cash_coupons)
    .bind(order_id)
    .execute(&mut *c)
    .await?;
    sql::query(
        "UPDATE order_lines SET amount_after_discount = $1, official_amount = $1, effective_at = $2, expire_at = $3 WHERE order_id = $4",
    )
    .bind(retained)
    .bind(now)
    .bind(expire_at)
    .bind(order_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}

/// A paid line's final amounts and the period it bought.
pub async fn set_line_period(
    c: &mut Conn,
    line_id: &str,
    amount_after_discount: i64,
    discount_amount: i64,
    start: i64,
    expire: i64,
) -> AppResult<()> {
    sql::query(
        "UPDATE order_lines SET amount_after_discount = $1, discount_amount = $2, effective_at = $3, expire_at = $4 WHERE id = $5",
    )
    .bind(amount_after_discount)
    .bind(discount_amount)
    .bind(start)
    .bind(expire)
    .bind(line_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}
