//! The home pages' order figures: how many orders wait for payment, and the last months' orders
//! by status, for the acting partner (the orders placed with it), customer (its own) or operator
//! (the platform's).

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

/// [`OrderSummary`] of the acting partner (orders placed with it, a reseller's its own),
/// customer, or operator (every order of the platform); the command line is `CBC.0151`. Two
/// reads, each a range of an index: led by the tenant column (`orders_partner_status` for a
/// partner, the customer's orders for a customer), or by the status (`orders_status_time`) for
/// an operator.
pub async fn summary(db: &Db, ctx: &Ctx, months: i64) -> AppResult<OrderSummary> {
    let tenant = match &ctx.actor {
        Actor::Partner { partner_id, .. } => Some(("partner_id", partner_id)),
        Actor::Customer { customer_id, .. } => Some(("customer_id", customer_id)),
        Actor::Operator { .. } => None,
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    // The tenant's condition takes `$1`; the others follow it.
    let (cond, k) = match tenant {
        Some((column, _)) => (format!("{column} = $1 AND "), 2),
        None => (String::new(), 1),
    };
    let m = Months::last(ctx.now_ms, months);
    let pool = db.read();
    let text = format!("SELECT COUNT(*) FROM orders WHERE {cond}status = ${k}");
    let mut q = sql::query_scalar::<i64>(&text);
    if let Some((_, who)) = tenant {
        q = q.bind(who);
    }
    let awaiting = q
        .bind(OrderStatus::PendingPayment.code())
        .fetch_one(pool)
        .await?;
    // Every status named, so each is one seek of the index rather than a scan of the tenant's
    // orders of every time.
    let codes: Vec<i64> = OrderStatus::ALL.iter().map(|s| s.code()).collect();
    let marks: Vec<String> = (0..codes.len())
        .map(|i| format!("${}", i + k + 1))
        .collect();
    let text = format!(
        "SELECT status, COUNT(*) FROM orders WHERE {cond}created_at >= ${k} \
         AND status IN ({}) GROUP BY status",
        marks.join(", ")
    );
    let mut q = sql::query_as::<(i64, i64)>(&text);
    if let Some((_, who)) = tenant {
        q = q.bind(who);
    }
    q = q.bind(m.start());
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
