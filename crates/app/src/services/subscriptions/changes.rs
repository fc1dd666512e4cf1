//! Spec changes of yearly/monthly resources (变更, order type 3): a customer moves a resource in
//! use to another product of the same service type, resource type and region (a bigger or
//! smaller spec) for the rest of its paid time. The arithmetic is
//! `pc_domain::refunds::quote_change` (list-price difference for the remaining time, a month
//! counting 30 days and a year 365).
//!
//! **Decisions.**
//! - **Upgrade** (the new spec costs more): a change order pending payment, like any order
//!   (coupons, discount, balance, deadline); paying it switches the resource to the new product
//!   and records the payment as a paid period from the payment to the resource's expiry, so a
//!   later unsubscribe refunds its unused part with the rest. The price is the one quoted when the
//!   order was placed.
//! - **Downgrade** (the new spec costs less): carried out at once. The difference for the
//!   remaining time comes back, never more than what was paid and not used; it is spread over the
//!   resource's paid periods in proportion to their unused value and paid back to the sources of
//!   each original order as an unsubscribe refund would (`services::subscriptions::refunds`). What is not
//!   refunded stays paid for the new spec: the change order's line carries it as one period to
//!   the expiry, and its sources move from the original orders to the change order
//!   (`refund_sources` rows of kind `carried`). The change order is completed at once; its order
//!   amounts are the refund, as on an unsubscribe order, and `show_refund_order_details` reads it.
//! - Only a main resource in use can change; one in a pending order `CBC.99003100`; a product of
//!   another type or region, inactive, unpriced for the resource's period, or the same product is
//!   refused (`PC.1106`), as is a change that moves no money (`PC.1106`).

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::bills;
use pc_domain::orders::{OrderType, PeriodType, ResourceStatus, SourceType};
use pc_domain::refunds::{self as rules, ChangeQuote, PaidPeriod};
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog::{self, Product};
use crate::services::orders::{self, Item, NewOrder, PricedItem};
use crate::services::subscriptions::refunds;
use crate::services::subscriptions::resources::{self, Resource};
use crate::services::{consumption, customers};
use crate::store::{audit, Db};

/// A quoted change of one resource.
#[derive(Debug, Clone)]
pub struct ChangePlan {
    pub resource: Resource,
    pub from: Product,
    pub to: Product,
    pub remaining_ms: i64,
    pub unused: Money,
    pub quote: ChangeQuote,
    periods: Vec<PaidPeriod>,
}

fn period_of(r: &Resource) -> PeriodType {
    if r.period_type == PeriodType::Year.code() {
        PeriodType::Year
    } else {
        PeriodType::Month
    }
}

/// One period's list price of `p` at the resource's period type and size.
fn period_price(p: &Product, r: &Resource) -> AppResult<Money> {
    orders::price(
        p,
        &Item {
            product_id: p.product_id.clone(),
            period: period_of(r),
            period_num: 1,
            subscription_num: 1,
            resource_size: r.size,
        },
    )
}

/// One of the acting customer's resources with what it may change to, each with its quote (or
/// why it cannot change to it now), for the console's change page.
#[derive(Debug)]
pub struct ChangeOptions {
    pub resource: Resource,
    pub options: Vec<(Product, AppResult<ChangePlan>)>,
}

/// The acting customer's change options for one of its resources ([`candidates`], each
/// [`plan`]ned at the request's time), writing nothing.
pub async fn options(db: &Db, ctx: &Ctx, resource_id: &str) -> AppResult<ChangeOptions> {
    let customer_id = super::acting_customer(ctx)?;
    let mut conn = db.read().acquire().await?;
    let resource = resources::own_resource(&mut conn, &customer_id, resource_id).await?;
    let products = candidates(db.read(), &resource).await?;
    let mut options = Vec::with_capacity(products.len());
    for p in products {
        let q = plan(
            &mut conn,
            &customer_id,
            resource_id,
            &p.product_id,
            ctx.now_ms,
        )
        .await;
        options.push((p, q));
    }
    Ok(ChangeOptions { resource, options })
}

/// The products a resource may change to: same service type, resource type and region, active,
/// sold by its period type, not its own product.
pub async fn candidates(pool: &ReadPool, r: &Resource) -> AppResult<Vec<Product>> {
    Ok(catalog::list_products(pool, false)
        .await?
        .into_iter()
        .filter(|p| {
            p.product_id != r.product_id
                && p.service_type_code == r.service_type_code
                && p.resource_type_code == r.resource_type_code
                && p.region == r.region
                && period_price(p, r).is_ok()
        })
        .collect())
}

/// Quotes changing the customer's resource to `product_id` at `now`, writing nothing.
pub async fn plan(
    c: &mut Conn,
    customer_id: &str,
    resource_id: &str,
    product_id: &str,
    now: i64,
) -> AppResult<ChangePlan> {
    let r = resources::own_resource(c, customer_id, resource_id).await?;
    if r.status == ResourceStatus::Closed.code() {
        return Err(AppError::naming(Code::ResourceDeleted, r.id.clone()));
    }
    if r.is_main == 0 {
        return Err(AppError::naming(Code::WholeServiceRequired, r.id.clone()));
    }
    if r.status == ResourceStatus::Frozen.code() {
        return Err(AppError::naming(Code::ResourceFrozen, r.id.clone()));
    }
    if r.status != ResourceStatus::InUse.code() || r.expire_at <= now {
        return Err(AppError::with_tr(
            Code::ChangeNotPossible,
            "only a resource in use can change its spec",
            "只有使用中的资源才能变更规格。",
        ));
    }
    let refuse = |en: &str, zh: &str| AppError::with_tr(Code::ChangeNotPossible, en, zh);
    let from = catalog::product(&mut *c, &r.product_id)
        .await?
        .ok_or_else(|| {
            refuse(
                "the resource's product is no longer in the catalogue",
                "该资源的产品已不在产品目录中。",
            )
        })?;
    let to = catalog::product(&mut *c, product_id.trim())
        .await?
        .filter(|p| p.active && p.product_id != r.product_id)
        .ok_or_else(|| refuse("choose another active product", "请选择另一个在售产品。"))?;
    if to.service_type_code != r.service_type_code
        || to.resource_type_code != r.resource_type_code
        || to.region != r.region
    {
        return Err(refuse(
            "the new product must be of the same service type, resource type and region",
            "新产品必须与原产品的云服务类型、资源类型和区域相同。",
        ));
    }
    let old = period_price(&from, &r)?;
    let new = period_price(&to, &r).map_err(|_| {
        refuse(
            "the new product is not sold by this period type",
            "新产品不按此周期类型销售。",
        )
    })?;
    let periods = refunds::paid_periods(c, &r).await?;
    let unused = rules::unused_value(&periods, now)
        .ok_or_else(|| AppError::internal("unused value out of range"))?;
    let remaining_ms = r.expire_at - now;
    let quote = rules::quote_change(
        old,
        new,
        remaining_ms,
        rules::period_len_ms(period_of(&r) == PeriodType::Year),
        unused,
    )
    .filter(|q| match q {
        ChangeQuote::Upgrade { amount } => amount.is_positive(),
        ChangeQuote::Downgrade { refund, .. } => refund.is_positive(),
    })
    .ok_or_else(|| {
        refuse(
            "this change moves no money; nothing to do",
            "此次变更不涉及金额，无需操作。",
        )
    })?;
    Ok(ChangePlan {
        resource: r,
        from,
        to,
        remaining_ms,
        unused,
        quote,
        periods,
    })
}

/// What a change did: its order, and whether it waits for payment (an upgrade).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Changed {
    pub order_id: String,
    pub pending_payment: bool,
}

/// A spec change the customer asks for: its resource, to the product `product_id`.
#[derive(Debug, Clone)]
pub struct Change {
    pub resource_id: String,
    pub product_id: String,
}

/// The acting customer changes its resource to another product: an upgrade places a change
/// order pending payment; a downgrade refunds and switches at once.
pub async fn change(db: &Db, ctx: Ctx, ch: Change) -> AppResult<Changed> {
    let customer_id = super::acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(
            async move { change_in(c, &ctx, &customer_id, &ch.resource_id, &ch.product_id).await },
        )
    })
    .await
}

/// [`change`] inside an open transaction.
async fn change_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resource_id: &str,
    product_id: &str,
) -> AppResult<Changed> {
    // Lock the row and refuse a resource already in a pending order (renewal or change).
    let locked = resources::own_resource(c, customer_id, resource_id).await?;
    if locked.status == ResourceStatus::Closed.code() {
        return Err(AppError::naming(Code::ResourceDeleted, locked.id));
    }
    resources::claim_for_order(c, ctx, &locked).await?;
    let p = plan(c, customer_id, resource_id, product_id, ctx.now_ms).await?;
    let user_name = customers::lookup::known_account_name(&mut *c, customer_id).await?;
    match p.quote.clone() {
        ChangeQuote::Upgrade { amount } => {
            upgrade(c, ctx, customer_id, &user_name, &p, amount).await
        }
        ChangeQuote::Downgrade { refund, retained } => {
            downgrade(c, ctx, customer_id, &user_name, &p, refund, retained).await
        }
    }
}

/// Places the change order of `p` (one line: the new product, replacing the old one, for the
/// resource, worth `amount`), pending payment. Returns its id.
async fn place_change_order(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    user_name: &str,
    p: &ChangePlan,
    amount: Money,
) -> AppResult<String> {
    let r = &p.resource;
    let line = PricedItem {
        item: Item {
            product_id: p.to.product_id.clone(),
            period: period_of(r),
            period_num: 1,
            subscription_num: 1,
            resource_size: r.size,
        },
        product: p.to.clone(),
        official: amount,
    };
    let placed = orders::insert_order(
        c,
        ctx,
        &NewOrder {
            root_id: &r.root_id,
            partner_id: &r.partner_id,
            customer_id,
            source: SourceType::Customer,
            order_type: OrderType::Change,
            user_name,
        },
        &[(line, Some(r.id.clone()))],
    )
    .await?;
    orders::for_subscriptions::mark_change_lines(c, &placed.order_id, &p.from.product_id).await?;
    Ok(placed.order_id)
}

async fn upgrade(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    user_name: &str,
    p: &ChangePlan,
    amount: Money,
) -> AppResult<Changed> {
    let order_id = place_change_order(c, ctx, customer_id, user_name, p, amount).await?;
    Ok(Changed {
        order_id,
        pending_payment: true,
    })
}

async fn downgrade(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    user_name: &str,
    p: &ChangePlan,
    refund: Money,
    retained: Money,
) -> AppResult<Changed> {
    let r = &p.resource;
    let now = ctx.now_ms;
    let order_id = place_change_order(c, ctx, customer_id, user_name, p, retained).await?;
    // Each running or future period's unused value: its share of the refund, the rest carried.
    let live: Vec<(&PaidPeriod, Money)> = p
        .periods
        .iter()
        .filter(|x| x.end > now)
        .map(|x| {
            let unused = rules::unused_value(std::slice::from_ref(x), now).unwrap_or(Money::ZERO);
            (x, unused)
        })
        .collect();
    let weights: Vec<Money> = live.iter().map(|(_, u)| *u).collect();
    let shares = rules::split(refund, &weights)
        .ok_or_else(|| AppError::internal("downgrade refund above the unused value"))?;
    let mut back = refunds::Returned::default();
    let mut carried = refunds::Carried::default();
    for ((period, unused), share) in live.iter().zip(shares) {
        let consumed = period.paid.checked_sub(*unused).unwrap_or(Money::ZERO);
        let keep = unused.checked_sub(share).unwrap_or(Money::ZERO);
        let settled = rules::PeriodRefund {
            base_order_id: period.base_order_id.clone(),
            paid: period.paid,
            consumed,
            fee: Money::ZERO,
            refund: share,
            start: period.start,
            end: period.end,
            future: period.start > now,
        };
        refunds::record_period(c, ctx, &order_id, &r.id, customer_id, &settled).await?;
        refunds::pay_back(
            c,
            ctx,
            customer_id,
            &r.root_id,
            &order_id,
            &settled,
            &mut back,
        )
        .await?;
        refunds::carry(c, ctx, &order_id, &period.base_order_id, keep, &mut carried).await?;
    }
    // The change order: completed; its amounts are the refund; what paid its (carried) period.
    let split = orders::for_subscriptions::PaidSplit {
        cash: carried.cash.cents(),
        vouchers: carried.vouchers.cents(),
        cash_coupons: carried.cash_coupons.cents(),
    };
    orders::for_subscriptions::complete_refunding_change(
        c,
        &order_id,
        now,
        refund.cents(),
        split,
        retained.cents(),
        r.expire_at,
    )
    .await?;
    carried.write_coupons(c, &order_id, now).await?;
    // What was given back is a negative consumption record (退款-变更) of the old spec.
    let given_back = back.cash.cents() + back.vouchers.cents() + back.cash_coupons.cents();
    consumption::record(
        c,
        ctx,
        &consumption::Charge {
            customer_id,
            trade_id: &order_id,
            source_key: format!("refund:{order_id}"),
            order_type: Some(OrderType::Change.code()),
            bill_detail_type: bills::detail_type::REFUND_CHANGE,
            charging_mode: bills::charging_mode::PERIOD,
            service_type_code: &r.service_type_code,
            resource_type_code: &r.resource_type_code,
            region: &r.region,
            product_id: Some(&p.from.product_id),
            product_spec_desc: p.from.spec_desc(false),
            resource_id: Some(&r.id),
            resource_name: Some(&r.name),
            period_type: consumption::bill_period_type(r.period_type),
            period_num: None,
            consume_time: now,
            official: -given_back,
            discount: 0,
            payment: -given_back,
            cash: -back.cash.cents(),
            vouchers: -back.vouchers.cents(),
            cash_coupons: -back.cash_coupons.cents(),
            stored_card: 0,
            ..Default::default()
        },
    )
    .await?;
    switch_product(c, ctx, &r.id, &p.to.product_id, &p.to.resource_spec).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.change",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &back.transfer_ids,
            detail: serde_json::json!({
                "resource_id": r.id, "from": p.from.product_id, "to": p.to.product_id,
                "refund": refund.to_string(), "retained": retained.to_string(),
            }),
        },
    )
    .await?;
    Ok(Changed {
        order_id,
        pending_payment: false,
    })
}

/// Points the resource at its new product (its spec follows): a downgrade at once, an upgrade
/// when its change order is paid (`orders::provision`).
pub(crate) async fn switch_product(
    c: &mut Conn,
    ctx: &Ctx,
    resource_id: &str,
    product_id: &str,
    spec: &str,
) -> AppResult<()> {
    sql::query(
        "UPDATE resources SET product_id = $1, resource_spec = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(product_id)
    .bind(spec)
    .bind(ctx.now_ms)
    .bind(resource_id)
    .execute(&mut *c)
    .await?;
    Ok(())
}
