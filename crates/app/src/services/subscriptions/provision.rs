//! What a paid order provisions: new resources, a renewal's extension, a change's new spec.

use crate::store::sql::{self, Conn};
use pc_domain::orders::{self as rules, OrderType, PeriodType, ResourceStatus};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog;
use crate::services::consumption::LineResources;
use crate::services::orders::{self, Order, OrderLine};
use crate::services::usage;

use super::changes;

/// Provisions a paid order: each line's discount and validity; a new purchase gets one resource
/// per unit bought, in use from the payment until the end of the period bought; a renewal
/// extends its resource from its current expiry (or from now, if it had expired) and puts it
/// back in use. Returns each line's resources (id and name), provisioned, extended or changed.
pub(crate) async fn provision(
    c: &mut Conn,
    ctx: &Ctx,
    order: &Order,
    lines: &[OrderLine],
) -> AppResult<Vec<LineResources>> {
    let mut out: Vec<LineResources> = Vec::with_capacity(lines.len());
    for l in lines {
        let mut mine: LineResources = Vec::new();
        // The name of a resource this line renews or changes (a new one is named below).
        let mut existing_name = String::new();
        let period = PeriodType::from_code(l.period_type).unwrap_or(PeriodType::Month);
        // A renewal continues from the resource's expiry (or from now when it already expired).
        let start = match &l.resource_id {
            Some(rid) if order.order_type == OrderType::Renew.code() => {
                let (current, name): (i64, String) =
                    sql::query_as("SELECT expire_at, name FROM resources WHERE id = $1")
                        .bind(rid)
                        .fetch_one(&mut *c)
                        .await?;
                existing_name = name;
                current.max(ctx.now_ms)
            }
            _ => ctx.now_ms,
        };
        let change = order.order_type == OrderType::Change.code();
        let expire = match &l.resource_id {
            // A spec change (an upgrade paid now) runs from the payment to the resource's expiry,
            // and the resource takes the new product.
            Some(rid) if change => {
                let (expire, spec, status, name): (i64, String, i64, String) = sql::query_as(
                    "SELECT r.expire_at, p.resource_spec, r.status, r.name FROM resources r, catalog_products p WHERE r.id = $1 AND p.id = $2",
                )
                .bind(rid)
                .bind(&l.product_id)
                .fetch_one(&mut *c)
                .await?;
                // The resource expired (or stopped) while the change waited for payment: paying
                // would buy no time, so the payment is refused and nothing is written; the
                // customer cancels the order (or the expiry job does).
                if status != ResourceStatus::InUse.code() || expire <= ctx.now_ms {
                    return Err(AppError::with_tr(
                        Code::ChangeNotPossible,
                        "the resource is no longer in use; cancel this change order",
                        "该资源已不在使用中，请取消此变更订单。",
                    ));
                }
                changes::switch_product(c, ctx, rid, &l.product_id, &spec).await?;
                mine.push((rid.clone(), name));
                expire
            }
            _ => rules::period_end(start, period, l.period_num.unwrap_or(1)),
        };
        if let (Some(rid), true) = (&l.resource_id, order.order_type == OrderType::Renew.code()) {
            sql::query(
                "UPDATE resources SET expire_at = $1, status = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(expire)
            .bind(ResourceStatus::InUse.code())
            .bind(ctx.now_ms)
            .bind(rid)
            .execute(&mut *c)
            .await?;
            grant_package(c, ctx, order, l, rid, start, expire).await?;
            mine.push((rid.clone(), std::mem::take(&mut existing_name)));
        }
        orders::for_subscriptions::set_line_period(
            c,
            &l.order_line_item_id,
            l.amount_after_discount.cents(),
            l.discount_amount.cents(),
            start,
            expire,
        )
        .await?;
        if order.order_type != OrderType::New.code() {
            out.push(mine);
            continue;
        }
        let spec = catalog::spec_of(&mut *c, &l.product_id)
            .await?
            .ok_or_else(|| AppError::internal(format!("product {} is missing", l.product_id)))?
            .resource_spec;
        for n in 0..l.subscription_num {
            let id = new_resource_id();
            let name = format!("{}-{}", l.product_id, n + 1);
            sql::query(
                "INSERT INTO resources (id, root_id, partner_id, customer_id, order_id, order_line_id, product_id, service_type_code, \
                 resource_type_code, resource_spec, region, name, is_main, status, effective_at, expire_at, expire_policy, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 1, $13, $14, $15, $16, $14)",
            )
            .bind(&id)
            .bind(&order.root_id)
            .bind(&order.partner_id)
            .bind(&order.customer_id)
            .bind(&order.order_id)
            .bind(&l.order_line_item_id)
            .bind(&l.product_id)
            .bind(&l.service_type_code)
            .bind(&l.resource_type_code)
            .bind(&spec)
            .bind(&l.region)
            .bind(&name)
            .bind(ResourceStatus::InUse.code())
            .bind(ctx.now_ms)
            .bind(expire)
            .bind(rules::EXPIRE_POLICY_GRACE)
            .execute(&mut *c)
            .await?;
            grant_package(c, ctx, order, l, &id, ctx.now_ms, expire).await?;
            mine.push((id, name));
        }
        out.push(mine);
    }
    Ok(out)
}

/// A resource package's hours for the period just bought or renewed (nothing for other products).
async fn grant_package(
    c: &mut Conn,
    ctx: &Ctx,
    order: &Order,
    l: &OrderLine,
    resource_id: &str,
    from: i64,
    to: i64,
) -> AppResult<()> {
    usage::packages::grant(
        c,
        ctx,
        &usage::packages::Granted {
            customer_id: &order.customer_id,
            order_id: &order.order_id,
            resource_id,
            product_id: &l.product_id,
            service_type_code: &l.service_type_code,
            region: &l.region,
            effective_at: from,
            expire_at: to,
        },
    )
    .await
}

/// A new resource's id, in the vendor's UUID-like shape.
fn new_resource_id() -> String {
    let h = pc_domain::ids::random_hex(16);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}
