//! The home pages' order figures: how many orders wait for payment, and the last months' orders
//! by status, for the acting partner (the orders placed with it) or customer (its own).

use pc_domain::orders::OrderStatus;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::sql;
use crate::store::{months::Months, Db};

/// The acting partner's or customer's orders at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSummary {
    /// Orders waiting for payment (status 6), whenever placed.
    pub awaiting_payment: i64,
    /// Orders placed in the last `months` months, per status code (every status of
    /// [`OrderStatus::ALL`], in that order, zero included).
    pub by_status: Vec<(i64, i64)>,
}

/// [`OrderSummary`] of the acting partner (orders placed with it, a reseller's its own) or
/// customer; operators and the command line are `CBC.0151`. Two reads, each a range of an index
/// led by the tenant column: `orders_partner_status` for a partner, the customer's orders for a
/// customer.
pub async fn summary(db: &Db, ctx: &Ctx, months: i64) -> AppResult<OrderSummary> {
    let (column, who) = match &ctx.actor {
        Actor::Partner { partner_id, .. } => ("partner_id", partner_id),
        Actor::Customer { customer_id, .. } => ("customer_id", customer_id),
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    let m = Months::last(ctx.now_ms, months);
    let pool = db.read();
    let awaiting: i64 = sql::query_scalar(&format!(
        "SELECT COUNT(*) FROM orders WHERE {column} = $1 AND status = $2"
    ))
    .bind(who)
    .bind(OrderStatus::PendingPayment.code())
    .fetch_one(pool)
    .await?;
    // Every status named, so each is one seek of the index rather than a scan of the tenant's
    // orders of every time.
    let codes: Vec<i64> = OrderStatus::ALL.iter().map(|s| s.code()).collect();
    let marks: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 3)).collect();
    let text = format!(
        "SELECT status, COUNT(*) FROM orders WHERE {column} = $1 AND created_at >= $2 \
         AND status IN ({}) GROUP BY status",
        marks.join(", ")
    );
    let mut q = sql::query_as::<(i64, i64)>(&text).bind(who).bind(m.start());
    for c in &codes {
        q = q.bind(*c);
    }
    let rows = q.fetch_all(pool).await?;
    let by_status = codes
        .iter()
        .map(|c| {
            let n = rows.iter().filter(|(s, _)| s == c).map(|(_, n)| n).sum();
            (*c, n)
        })
        .collect();
    Ok(OrderSummary {
        awaiting_payment: awaiting,
        by_status,
    })
}
