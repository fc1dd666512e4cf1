//! Paying an order as one use case: the money (`orders::settle`: discount, coupons, cash), then
//! what the paid order provisions ([`super::provision`]), its consumption records
//! (`consumption::record_paid_order`), then the payment's audit row, in one transaction. It lives with subscriptions because provisioning writes resources, which
//! subscriptions own; orders know nothing of resources.

use crate::store::sql::Conn;
use serde_json::json;

use crate::context::Ctx;
use crate::error::AppResult;
use crate::services::consumption;
use crate::services::orders::{self, Paid, PayOrder, PayRequest};
use crate::store::{audit, Db};

use super::acting_customer;
use super::provision::provision;

/// `pay_orders`: the customer pays one of its pending-payment orders with at most one discount,
/// then at most 3 coupons, and the rest from its cash balance; the order's resources are
/// provisioned (or renewed, or switched to the new spec) in the same transaction.
/// Errors: as `orders::settle`, and `PC.1106` when a spec change's resource stopped while the
/// order waited for payment; on any error nothing is written. Not a customer `CBC.0155`, before the request's shape is checked
/// (`CBC.0100`).
pub async fn pay(db: &Db, ctx: Ctx, req: PayOrder) -> AppResult<Paid> {
    let customer_id = acting_customer(&ctx)?;
    let req = PayRequest::parse(
        req.order_id,
        &req.use_coupon,
        &req.use_discount,
        req.coupons,
        req.discounts,
    )?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { pay_in(c, &ctx, &customer_id, &req).await })
    })
    .await
}

/// [`pay`] as a step of a larger transaction (a renewal paid as it is placed), for `customer_id`
/// whoever acts.
pub(crate) async fn pay_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    req: &PayRequest,
) -> AppResult<Paid> {
    let settled = orders::settle(c, ctx, customer_id, req).await?;
    let mut paid = settled.paid;
    let provisioned = provision(c, ctx, &settled.order, &settled.lines).await?;
    paid.resource_ids = provisioned
        .iter()
        .flatten()
        .map(|(id, _)| id.clone())
        .collect();
    consumption::record_paid_order(c, ctx, &paid.order_id, &settled.lines, &provisioned).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.pay",
            target_kind: "order",
            target_id: &paid.order_id,
            transfer_ids: &settled.transfer_ids,
            detail: json!({
                "official": paid.official.to_string(),
                "discount": paid.discount.to_string(),
                "coupons": paid.coupons.to_string(),
                "cash": paid.cash.to_string(),
                "resources": paid.resource_ids.len(),
            }),
        },
    )
    .await?;
    Ok(paid)
}
