//! What subscriptions (refunds, renewals) read of orders: the sources an order was paid from,
//! the customer's recent no-reason unsubscribes, the pending orders on a resource. The SQL over
//! `orders`, `order_lines` and `order_coupons` stays in this capability.

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
