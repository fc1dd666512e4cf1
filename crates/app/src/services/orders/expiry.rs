//! Cancelling an unpaid order: by its customer, or by the `order-expiry` job past its deadline.

use crate::store::sql::{self, Conn};
use pc_domain::orders::OrderStatus;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::coupons;
use crate::store::{audit, Db};

use super::{acting_customer, own_order};

/// Why an order was cancelled.
pub const CANCEL_BY_CUSTOMER: &str = "customer";
pub const CANCEL_EXPIRED: &str = "expired";

/// What a cancellation did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cancelled {
    /// The order's id as stored (upper case).
    pub order_id: String,
}

/// `cancel_customer_order`: the acting customer cancels one of its pending-payment orders (the
/// coupons it locked are released). Not a customer `CBC.0155`; no id `CBC.0100`; not its order
/// `CBC.30000010`; any other status (also a payment that won a race) `CBC.99005010`.
pub async fn cancel(db: &Db, ctx: Ctx, order_id: String) -> AppResult<Cancelled> {
    let customer_id = acting_customer(&ctx.actor)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let order_id = cancel_in(c, &ctx, &customer_id, &order_id).await?;
            Ok(Cancelled { order_id })
        })
    })
    .await
}

/// [`cancel`] inside its transaction; the order id as stored.
async fn cancel_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    order_id: &str,
) -> AppResult<String> {
    if order_id.trim().is_empty() {
        return Err(AppError::invalid_tr(
            "order_id is required",
            "order_id 必填。",
        ));
    }
    let order_id = order_id.trim().to_uppercase();
    let n = sql::query(
        "UPDATE orders SET status = $1, cancelled_at = $2, cancel_reason = $3 WHERE id = $4 AND customer_id = $5 AND status = $6",
    )
    .bind(OrderStatus::Cancelled.code())
    .bind(ctx.now_ms)
    .bind(CANCEL_BY_CUSTOMER)
    .bind(&order_id)
    .bind(customer_id)
    .bind(OrderStatus::PendingPayment.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        own_order(&mut *c, customer_id, &order_id).await?;
        return Err(AppError::new(Code::OrderNotCancellable));
    }
    coupons::release_all_for_order(c, ctx, &order_id).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.cancel",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &[],
            detail: serde_json::json!({"reason": CANCEL_BY_CUSTOMER}),
        },
    )
    .await?;
    Ok(order_id)
}

/// Most orders one expiry batch cancels (the job repeats until none is left).
const EXPIRY_BATCH: i64 = 500;

/// The `order-expiry` job (operators and the command line): cancels every pending-payment order
/// whose deadline is before `ctx.now_ms` (the injectable clock), each with its audit row, a batch
/// per transaction. Safe to rerun and to run beside payments: each cancellation is the same
/// guarded transition a payment races against. Returns the cancelled order ids.
pub async fn expire_unpaid(db: &Db, ctx: Ctx) -> AppResult<Vec<String>> {
    ctx.actor.require_operator()?;
    // Each batch is its own transaction: a request's idempotency key would answer the first
    // batch's output to every later one.
    let ctx = ctx.with_idempotency(None);
    let mut all = Vec::new();
    loop {
        let batch = db
            .run(ctx.clone(), move |c, ctx2| {
                Box::pin(async move {
                    let ids: Vec<String> = sql::query_scalar(
                        "SELECT id FROM orders WHERE status = $1 AND payment_deadline < $2 ORDER BY payment_deadline, id LIMIT $3",
                    )
                    .bind(OrderStatus::PendingPayment.code())
                    .bind(ctx2.now_ms)
                    .bind(EXPIRY_BATCH)
                    .fetch_all(&mut *c)
                    .await?;
                    let mut done = Vec::new();
                    for id in ids {
                        let n = sql::query(
                            "UPDATE orders SET status = $1, cancelled_at = $2, cancel_reason = $3 WHERE id = $4 AND status = $5",
                        )
                        .bind(OrderStatus::Cancelled.code())
                        .bind(ctx2.now_ms)
                        .bind(CANCEL_EXPIRED)
                        .bind(&id)
                        .bind(OrderStatus::PendingPayment.code())
                        .execute(&mut *c)
                        .await?
                        .rows_affected();
                        if n == 1 {
                            coupons::release_all_for_order(c, &ctx2, &id).await?;
                            audit::record(
                                c,
                                &ctx2,
                                audit::Entry {
                                    action: "orders.expire",
                                    target_kind: "order",
                                    target_id: &id,
                                    transfer_ids: &[],
                                    detail: serde_json::json!({"reason": CANCEL_EXPIRED}),
                                },
                            )
                            .await?;
                            done.push(id);
                        }
                    }
                    Ok(done)
                })
            })
            .await?;
        let n = batch.len() as i64;
        all.extend(batch);
        if n < EXPIRY_BATCH {
            return Ok(all);
        }
    }
}
