//! Consumption: one record per charge on one resource (and one negative record per refund),
//! with the vendor's bill fields, what paid it, and the customer's partner association *at the
//! time of the charge*. Bills, incentives and settlement stand on these records.
//!
//! This capability owns `consumption_records`. Records are written by the use cases that charge,
//! inside their transactions: paying an order (`subscriptions::checkout` → [`record_paid_order`]),
//! unsubscribing (`subscriptions::refunds` → [`record`], 退款-退订), a downgrade's refund
//! (`subscriptions::changes` → [`record`], 退款-变更) and changing to pay-per-use at once
//! (`subscriptions::to_on_demand`, through the refund order `refunds` writes, 退款-包年/包月转按需). Recording the same source twice is a no-op
//! (`source_key` is unique), never a second charge.
//!
//! Decisions where the vendor's pages are silent:
//! - **One record per resource.** An order line that provisions several resources (subscription
//!   number > 1) gives one record each, the line's amounts split evenly; an order's payment
//!   (cash, vouchers, cash coupons, stored-value card) is split over its lines in proportion to
//!   each line's amount after discount. Both splits are by largest remainder
//!   (`pc_domain::bills::split`), so an order's records add up to what it was paid with, to the
//!   cent.
//! - **The association is the one in effect at the charge.** A charge with no association has no
//!   partner: no partner ever sees it, whoever the customer is associated with later.
//! - **An automatic renewal** (bill detail type 8) is a renewal order paid by the renewal job (a
//!   system actor); a renewal the customer pays is type 2.
//! - **Amounts are cents**; the wire shows yuan with two decimals.
//!
//! **Months close** ([`close`]): after a month has ended, the `bill-close` job sums its records into
//! monthly bills and closes it; a record made for a closed month goes to the next open month and
//! says which month it was late for (`late_from`), so a closed month never changes. `verify`
//! checks that each closed month's records, its bills and what the ledger moved agree to the cent.
//!
//! The reads ([`reads`]) answer the official SDK's bill operations.

pub mod chart;
pub mod close;
pub mod customer_reads;
pub mod for_invoices;
pub mod reads;

pub use chart::*;
pub use close::*;
pub use customer_reads::*;
pub use reads::*;

use pc_domain::bills::{self, BillCycle};
use pc_domain::orders::PeriodType;

use crate::context::{Actor, Ctx};
use crate::error::AppResult;
use crate::services::customers::association;
use crate::services::orders::{self, OrderLine};
use crate::store::sql::{self, Conn};
use crate::store::{bulk, locks};

/// One charge (or refund: negative amounts) on one resource.
#[derive(Debug, Clone, Default)]
pub(crate) struct Charge<'a> {
    pub customer_id: &'a str,
    /// The order id for order charges and refunds, else a trade id.
    pub trade_id: &'a str,
    /// What made it (an order line and its n-th resource, a refund order): unique.
    pub source_key: String,
    pub order_type: Option<i64>,
    pub bill_detail_type: i64,
    pub charging_mode: i64,
    pub service_type_code: &'a str,
    pub resource_type_code: &'a str,
    pub region: &'a str,
    pub product_id: Option<&'a str>,
    pub product_spec_desc: &'a str,
    pub resource_id: Option<&'a str>,
    pub resource_name: Option<&'a str>,
    /// The bill's period type (19 year, 20 month, …), see [`bill_period_type`].
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    /// When the resource was consumed (for an order: when it was paid).
    pub consume_time: i64,
    pub official: i64,
    pub discount: i64,
    pub payment: i64,
    pub cash: i64,
    pub vouchers: i64,
    pub cash_coupons: i64,
    pub stored_card: i64,
    /// What was charged but not paid: pay-per-use beyond the customer's cash (`funds::arrears`).
    pub debt: i64,
    /// Pay-per-use: the hours used, and the hours a resource package covered (millionths).
    pub usage_quantity: Option<i64>,
    pub free_quantity: Option<i64>,
}

/// The bill's period type for an order line's: year 19, month 20, day 24, hour 25, one-off 5.
pub(crate) fn bill_period_type(order_period_type: i64) -> Option<i64> {
    match PeriodType::from_code(order_period_type)? {
        PeriodType::Year => Some(19),
        PeriodType::Month => Some(20),
        PeriodType::Day => Some(24),
        PeriodType::Hour => Some(25),
        PeriodType::OneOff => Some(5),
        PeriodType::Week => None,
    }
}

/// Writes one record, with the association in effect now, in the billing month of now (or the
/// next open one, see [`billing_month`]).
pub(crate) async fn record(c: &mut Conn, ctx: &Ctx, ch: &Charge<'_>) -> AppResult<()> {
    let month = billing_month(c, ctx.now_ms).await?;
    let assoc = association::current(&mut *c, ch.customer_id).await?;
    insert(c, ctx, &month, assoc.as_ref(), ch).await
}

/// The billing month a record made at `at_ms` goes to, and the month it was late for.
pub(crate) struct Month {
    pub cycle: String,
    pub late_from: Option<String>,
}

/// The month of `at_ms`, unless that month is closed: then the first open month after it, and
/// the record says which month it was late for. Holds the month-close lock shared until the
/// transaction ends, so a month cannot close between this choice and the record's commit
/// (`close::close_months` takes it exclusively).
pub(crate) async fn billing_month(c: &mut Conn, at_ms: i64) -> AppResult<Month> {
    locks::shared(c, locks::Named::BillMonths).await?;
    let wanted = BillCycle::of_ms(at_ms);
    let closed: std::collections::HashSet<String> =
        sql::query_scalar("SELECT cycle FROM bill_months WHERE cycle >= $1")
            .bind(wanted.to_string())
            .fetch_all(&mut *c)
            .await?
            .into_iter()
            .collect();
    let mut cycle = wanted;
    while closed.contains(&cycle.to_string()) {
        cycle = cycle.next();
    }
    Ok(Month {
        cycle: cycle.to_string(),
        late_from: (cycle != wanted).then(|| wanted.to_string()),
    })
}

/// Writes one record in `month` with the association `assoc` (both found by the caller: a batch
/// finds each once, see [`billing_month`] and `customers::lookup::current_associations`).
pub(crate) async fn insert(
    c: &mut Conn,
    ctx: &Ctx,
    month: &Month,
    assoc: Option<&association::Current>,
    ch: &Charge<'_>,
) -> AppResult<()> {
    insert_many(c, ctx, &[(month, assoc, ch)]).await
}

/// Writes records, each in its month with its association ([`insert`]), in as few statements as
/// `store::bulk` allows (a batch of usage writes a thousand).
pub(crate) async fn insert_many(
    c: &mut Conn,
    ctx: &Ctx,
    records: &[(&Month, Option<&association::Current>, &Charge<'_>)],
) -> AppResult<()> {
    let mut rows = bulk::Rows::new(34);
    for (month, assoc, ch) in records {
        rows.push(format!(
            "CR{}",
            pc_domain::ids::random_hex(12).to_uppercase()
        ))
        .push(ch.customer_id)
        .push(assoc.map(|a| a.partner_id.clone()))
        .push(assoc.map(|a| a.root_id.clone()))
        .push(assoc.map(|a| a.association_type.code()))
        .push(month.cycle.as_str())
        .push(ctx.now_ms)
        .push(ch.consume_time)
        .push(ch.trade_id)
        .push(ch.order_type)
        .push(ch.bill_detail_type)
        .push(ch.charging_mode)
        .push(ch.service_type_code)
        .push(ch.resource_type_code)
        .push(ch.region)
        .push(ch.product_id.map(str::to_string))
        .push(ch.product_spec_desc)
        .push(ch.resource_id.map(str::to_string))
        .push(ch.resource_name.map(str::to_string))
        .push(ch.period_type)
        .push(ch.period_num)
        .push(ch.official)
        .push(ch.discount)
        .push(ch.payment)
        .push(ch.cash)
        .push(ch.vouchers)
        .push(ch.cash_coupons)
        .push(ch.stored_card)
        .push(ch.source_key.as_str())
        .push(ctx.now_ms)
        .push(month.late_from.clone())
        .push(ch.debt)
        .push(ch.usage_quantity)
        .push(ch.free_quantity);
    }
    // Nobody reads its outcome: on PostgreSQL it travels with the next statement or COMMIT.
    bulk::defer(
        c,
        "INSERT INTO consumption_records (id, customer_id, partner_id, root_id, association_type, bill_cycle, trade_time, \
         consume_time, trade_id, order_type, bill_detail_type, charging_mode, service_type_code, resource_type_code, region, \
         product_id, product_spec_desc, resource_id, resource_name, period_type, period_num, official_amount, discount_amount, \
         payment_amount, cash_amount, coupon_amount, flexipurchase_coupon_amount, stored_value_card_amount, source_key, created_at, \
         late_from, debt_amount, usage_quantity, free_quantity) VALUES {rows} ON CONFLICT (source_key) DO NOTHING",
        rows,
    )
    .await?;
    Ok(())
}

/// The resources one paid order line provisioned, renewed or changed: `(id, name)`.
pub(crate) type LineResources = Vec<(String, String)>;

/// Records a paid order (new purchase, renewal, automatic renewal, change): one record per
/// resource of each line, the order's payment split over them (see the module's header).
/// `resources[i]` are line `i`'s resources. Orders of other types record nothing.
pub(crate) async fn record_paid_order(
    c: &mut Conn,
    ctx: &Ctx,
    order_id: &str,
    lines: &[OrderLine],
    resources: &[LineResources],
) -> AppResult<()> {
    let Some(order) = orders::load_order(&mut *c, order_id).await? else {
        return Ok(());
    };
    let auto = matches!(ctx.actor, Actor::System { .. });
    let Some(detail_type) = bills::detail_type_of_order(order.order_type, auto) else {
        return Ok(());
    };
    let month = billing_month(c, ctx.now_ms).await?;
    let assoc = association::current(&mut *c, &order.customer_id).await?;
    let weights: Vec<i64> = lines
        .iter()
        .map(|l| l.amount_after_discount.cents())
        .collect();
    let cash = bills::split(order.cash_amount.cents(), &weights);
    let vouchers = bills::split(order.coupon_amount.cents(), &weights);
    let cash_coupons = bills::split(order.flexipurchase_coupon_amount.cents(), &weights);
    let stored = bills::split(order.stored_card_amount.cents(), &weights);
    let paid_at = order.paid_at.unwrap_or(ctx.now_ms);
    for (i, l) in lines.iter().enumerate() {
        let own = resources.get(i).cloned().unwrap_or_default();
        // A line without a resource (none provisioned) still charged: one record without one.
        let slots: Vec<Option<&(String, String)>> = if own.is_empty() {
            vec![None]
        } else {
            own.iter().map(Some).collect()
        };
        let even = vec![1; slots.len()];
        let parts = |total: i64| bills::split(total, &even);
        let (official, discount, payment) = (
            parts(l.official_amount.cents()),
            parts(l.discount_amount.cents()),
            parts(l.amount_after_discount.cents()),
        );
        let (cash_l, vouchers_l, coupons_l, stored_l) = (
            parts(cash[i]),
            parts(vouchers[i]),
            parts(cash_coupons[i]),
            parts(stored[i]),
        );
        for (n, slot) in slots.iter().enumerate() {
            let ch = Charge {
                customer_id: &order.customer_id,
                trade_id: &order.order_id,
                source_key: format!("order:{}:{}:{n}", order.order_id, l.order_line_item_id),
                order_type: Some(order.order_type),
                bill_detail_type: detail_type,
                charging_mode: bills::charging_mode::PERIOD,
                service_type_code: &l.service_type_code,
                resource_type_code: &l.resource_type_code,
                region: &l.region,
                product_id: Some(&l.product_id),
                product_spec_desc: &l.product_spec_desc,
                resource_id: slot.map(|r| r.0.as_str()),
                resource_name: slot.map(|r| r.1.as_str()),
                period_type: bill_period_type(l.period_type),
                period_num: l.period_num,
                consume_time: paid_at,
                official: official[n],
                discount: discount[n],
                payment: payment[n],
                cash: cash_l[n],
                vouchers: vouchers_l[n],
                cash_coupons: coupons_l[n],
                stored_card: stored_l[n],
                ..Default::default()
            };
            insert(c, ctx, &month, assoc.as_ref(), &ch).await?;
        }
    }
    Ok(())
}
