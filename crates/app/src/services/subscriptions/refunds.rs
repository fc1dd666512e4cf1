//! Unsubscribing yearly/monthly resources and the refunds that follow (the vendor's API reference;
//! the vendor's help pages). The arithmetic is `pc_domain::refunds` (its module doc is the rule);
//! this module finds what paid for a resource, writes the type-4 order, moves the money back and
//! answers `show_refund_order_details`. Changing to pay-per-use at once (`super::to_on_demand`)
//! writes its type-10 order with the same [`write_refund_order`].
//!
//! **Decisions.**
//! - One unsubscribe order (type 4, status 5 completed) per resource: the vendor answers a list of
//!   order ids, and one order per resource keeps each order's service type and refund details
//!   about one thing. The order's amounts are the refund (`official_amount` =
//!   `amount_after_discount`, as the vendor describes unsubscribe orders), `commission_amount`
//!   the handling fee and `consumed_amount` the used part; `coupon_amount` /
//!   `flexipurchase_coupon_amount` what went back to vouchers / cash coupons and `cash_amount`
//!   what went back to the balance.
//! - All or nothing: if any named resource cannot be unsubscribed the call fails with that
//!   resource's error and nothing is written (`fail_resource_infos` stays empty; the vendor
//!   marks it reserved).
//! - Refusals: not the caller's or unknown `CBC.99003012`; already unsubscribed `CBC.30000067`;
//!   a sub-resource `CBC.99003185`; in a pending-payment order `CBC.99003100`; frozen
//!   `CBC.99003656`; type 2 with no renewal still to come `CBC.99003128`. Invoicing does not exist
//!   yet, so `CBC.99003643` is never produced.
//! - Where the money goes: the cash part back to the customer's balance
//!   (`external:world → customer cash`); a coupon's part back onto the coupon while it is still
//!   valid (used-up coupons become usable again), else to the quota it was issued from with a
//!   coupon record `5 退订回收` (`services::coupons::refund_for_order`). A resale customer's
//!   refund lands on its balance, which its partner may reclaim as usual.
//! - After type 1 the resource is closed (`3`) with its expiry set to now and auto-renewal off;
//!   after type 2 it keeps running until the end of the period in use.
//! - `show_refund_order_details`: a customer reads its own unsubscribe orders; a partner those of
//!   its customers (a master distributor with `indirect_partner_id`, its reseller's). Not visible
//!   or unknown `CBC.30000010`; another order type `CBC.99005026`. Rows: the refund of each
//!   period (negative), the consumed part and the fee (positive), each against its original
//!   order; zero amounts are left out.

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::bills;
use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::orders::{OrderStatus, OrderType, ResourceStatus, SourceType, EXPIRE_POLICY_GRACE};
use pc_domain::refunds::{self as rules, PaidPeriod, PeriodRefund, UnsubscribeType};
use pc_domain::Money;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::orders::{self, sum};
use crate::services::subscriptions::resources::{self, Resource, MAX_RENEW_IDS};
use crate::services::{catalog, consumption, coupons, customers};
use crate::store::{audit, ledger, Db};

pub use crate::services::orders::KIND_ORDER_REFUND;
/// Longest `unsubscribe_reason` kept.
pub const MAX_REASON_CHARS: usize = 512;

/// `cancel_resources_subscription` input, parsed.
#[derive(Debug, Clone)]
pub struct UnsubscribeRequest {
    pub resource_ids: Vec<String>,
    pub kind: UnsubscribeType,
    pub reason_type: Option<i64>,
    pub reason: Option<String>,
    /// Whether the customer confirmed that the unsubscription charges a handling fee (R11.10),
    /// when the surface asks (the console's tick box): each resource is planned first, at this
    /// instant, and `Some(false)` refuses one whose plan charges a fee (`PC.1104`). `None`: not
    /// asked (the vendor API has no such field).
    pub fee_confirmed: Option<bool>,
}

impl UnsubscribeRequest {
    pub fn parse(
        resource_ids: Vec<String>,
        unsubscribe_type: Option<i64>,
        reason_type: Option<i64>,
        reason: Option<String>,
    ) -> AppResult<UnsubscribeRequest> {
        resources::check_ids(&resource_ids, MAX_RENEW_IDS)?;
        let kind = unsubscribe_type
            .and_then(UnsubscribeType::from_code)
            .ok_or_else(|| {
                AppError::invalid_tr(
                    "unsubscribe_type must be 1 or 2",
                    "unsubscribe_type 必须是 1 或 2。",
                )
            })?;
        if let Some(t) = reason_type {
            if !rules::valid_reason_type(t) {
                return Err(AppError::invalid_tr(
                    "unsubscribe_reason_type must be 1 to 5",
                    "unsubscribe_reason_type 必须在 1 到 5 之间。",
                ));
            }
        }
        let reason = reason
            .map(|r| r.trim().to_string())
            .filter(|r| !r.is_empty());
        if reason
            .as_ref()
            .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
        {
            return Err(AppError::invalid_tr(
                format!("unsubscribe_reason is longer than {MAX_REASON_CHARS} characters"),
                format!("unsubscribe_reason 超过 {MAX_REASON_CHARS} 个字符。"),
            ));
        }
        Ok(UnsubscribeRequest {
            resource_ids: resource_ids.iter().map(|s| s.trim().to_string()).collect(),
            kind,
            reason_type,
            reason,
            fee_confirmed: None,
        })
    }
}

/// A planned refund of one resource: the periods and whether the no-reason rule applied.
#[derive(Debug, Clone)]
pub struct ResourcePlan {
    pub resource: Resource,
    pub periods: Vec<PeriodRefund>,
    pub no_reason: bool,
}

impl ResourcePlan {
    pub fn refund(&self) -> Money {
        sum(self.periods.iter().map(|p| p.refund))
    }
    pub fn consumed(&self) -> Money {
        sum(self.periods.iter().map(|p| p.consumed))
    }
    pub fn fee(&self) -> Money {
        sum(self.periods.iter().map(|p| p.fee))
    }
}

/// The paid periods of a resource not yet refunded: its new purchase (its share of the line, when
/// one line bought several), each completed renewal of it, and each completed spec change (an
/// upgrade's payment, or what a downgrade carried, from the change to the expiry).
pub(crate) async fn paid_periods(c: &mut Conn, r: &Resource) -> AppResult<Vec<PaidPeriod>> {
    let rows = sql::query(
        "SELECT o.id, l.id, l.amount_after_discount, l.subscription_num, l.effective_at, l.expire_at, o.order_type \
         FROM order_lines l JOIN orders o ON o.id = l.order_id \
         WHERE o.status = $1 AND l.effective_at IS NOT NULL AND l.expire_at IS NOT NULL \
           AND ((o.order_type = $2 AND l.id = (SELECT order_line_id FROM resources WHERE id = $3)) \
             OR (o.order_type IN ($4, $5) AND l.resource_id = $3)) \
           AND NOT EXISTS (SELECT 1 FROM refund_details d WHERE d.resource_id = $3 AND d.base_order_id = o.id AND d.kind = 'refund') \
         ORDER BY l.effective_at, o.id",
    )
    .bind(OrderStatus::Completed.code())
    .bind(OrderType::New.code())
    .bind(&r.id)
    .bind(OrderType::Renew.code())
    .bind(OrderType::Change.code())
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let line_id: String = row.get(1);
        let amount = Money::from_cents(row.get(2));
        let count: i64 = row.get(3);
        let paid = if count > 1 {
            let ids: Vec<String> =
                sql::query_scalar("SELECT id FROM resources WHERE order_line_id = $1 ORDER BY id")
                    .bind(&line_id)
                    .fetch_all(&mut *c)
                    .await?;
            let shares = rules::equal_shares(amount, ids.len().max(1));
            ids.iter()
                .position(|i| *i == r.id)
                .and_then(|i| shares.get(i).copied())
                .unwrap_or(Money::ZERO)
        } else {
            amount
        };
        out.push(PaidPeriod {
            base_order_id: row.get(0),
            paid,
            start: row.get(4),
            end: row.get(5),
        });
    }
    Ok(out)
}

/// No-reason refunds the customer took in the last 365 days.
async fn no_reason_used(c: &mut Conn, customer_id: &str, now: i64) -> AppResult<i64> {
    orders::for_subscriptions::no_reason_unsubscribes_since(
        c,
        customer_id,
        now - rules::NO_REASON_COUNT_WINDOW_MS,
    )
    .await
}

/// The acting customer's preview of unsubscribing one of its resources: [`plan`] at the
/// request's time, on a read connection.
pub async fn preview(
    db: &Db,
    ctx: &Ctx,
    resource_id: &str,
    kind: UnsubscribeType,
) -> AppResult<ResourcePlan> {
    let customer_id = super::acting_customer(ctx)?;
    let mut conn = db.read().acquire().await?;
    plan(&mut conn, &customer_id, resource_id, kind, ctx.now_ms).await
}

/// Plans the refund of one of the customer's resources at `now` without writing anything: what
/// the console shows before the customer confirms, and what [`unsubscribe`] then carries out.
pub async fn plan(
    c: &mut Conn,
    customer_id: &str,
    resource_id: &str,
    kind: UnsubscribeType,
    now: i64,
) -> AppResult<ResourcePlan> {
    let r = resources::own_resource(c, customer_id, resource_id).await?;
    if r.status == ResourceStatus::Closed.code() {
        return Err(AppError::naming(Code::ResourceDeleted, r.id.clone()));
    }
    if r.is_main == 0 {
        return Err(AppError::naming(Code::WholeServiceRequired, r.id.clone()));
    }
    let periods = paid_periods(c, &r).await?;
    let purchase_start = r.effective_at;
    let no_reason = kind == UnsubscribeType::ResourceAndRenewals
        && periods.iter().any(|p| p.start <= now && now < p.end)
        && rules::no_reason_applies(
            purchase_start,
            now,
            no_reason_used(c, customer_id, now).await?,
        );
    let periods = rules::plan(&periods, now, kind, no_reason).map_err(|e| match e {
        rules::PlanError::NoRenewedPeriod => AppError::naming(Code::NoRenewedPeriod, r.id.clone()),
        rules::PlanError::Overflow => AppError::internal("refund arithmetic overflow"),
    })?;
    Ok(ResourcePlan {
        resource: r,
        periods,
        no_reason,
    })
}

/// What paid one original order, and how much of each has not been refunded yet.
struct Source {
    kind: &'static str,
    coupon_id: Option<String>,
    coupon_type: i64,
    remaining: Money,
}

async fn sources(c: &mut Conn, base_order_id: &str) -> AppResult<Vec<Source>> {
    let (cash, coupon_rows) = orders::for_subscriptions::paid_with(c, base_order_id).await?;
    // Every row counts against its source, whatever its kind (refunded, or carried to a change).
    let refunded = sql::query(
        "SELECT source_kind, source_id, amount FROM refund_sources WHERE base_order_id = $1",
    )
    .bind(base_order_id)
    .fetch_all(&mut *c)
    .await?;
    let back = |coupon: Option<&str>| -> i64 {
        refunded
            .iter()
            .filter(|r| {
                let id: Option<String> = r.get(1);
                id.as_deref() == coupon
            })
            .map(|r| r.get::<i64, _>(2))
            .sum()
    };
    // Coupons before cash: the order a payment takes these accounts in, so a refund and a
    // payment of the same customer never wait on each other in opposite orders.
    let mut out = Vec::with_capacity(coupon_rows.len() + 1);
    for paid in coupon_rows {
        out.push(Source {
            remaining: Money::from_cents(paid.amount - back(Some(&paid.coupon_id))),
            kind: "coupon",
            coupon_type: paid.coupon_type,
            coupon_id: Some(paid.coupon_id),
        });
    }
    out.push(Source {
        kind: "cash",
        coupon_id: None,
        coupon_type: 0,
        remaining: Money::from_cents(cash - back(None)),
    });
    Ok(out)
}

/// Money a refund order gave back, by destination.
#[derive(Default)]
pub(crate) struct Returned {
    pub cash: Money,
    pub vouchers: Money,
    pub cash_coupons: Money,
    pub transfer_ids: Vec<String>,
}

/// Value a downgrade keeps paid for the new spec, by the source that paid it.
#[derive(Default)]
pub(crate) struct Carried {
    pub cash: Money,
    pub vouchers: Money,
    pub cash_coupons: Money,
    coupons: Vec<(String, i64, Money)>,
}

impl Carried {
    /// Records the carried coupon parts as what paid the change order (`order_coupons`), so a
    /// later refund of the change goes back to them.
    pub async fn write_coupons(&self, c: &mut Conn, order_id: &str, now: i64) -> AppResult<()> {
        let mut merged: Vec<(String, i64, Money)> = Vec::new();
        for (id, t, m) in &self.coupons {
            match merged.iter_mut().find(|(i, _, _)| i == id) {
                Some(x) => x.2 = sum([x.2, *m]),
                None => merged.push((id.clone(), *t, *m)),
            }
        }
        for (id, t, m) in merged {
            orders::for_subscriptions::add_order_coupon(c, order_id, &id, t, m.cents(), now)
                .await?;
        }
        Ok(())
    }
}

/// Moves `keep` of what paid `base_order_id` to the change order `change_order_id`: split over
/// the original sources as a refund would be, recorded as `carried` rows (no money moves).
pub(crate) async fn carry(
    c: &mut Conn,
    ctx: &Ctx,
    change_order_id: &str,
    base_order_id: &str,
    keep: Money,
    out: &mut Carried,
) -> AppResult<()> {
    if !keep.is_positive() {
        return Ok(());
    }
    let srcs = sources(c, base_order_id).await?;
    let weights: Vec<Money> = srcs.iter().map(|s| s.remaining.max(Money::ZERO)).collect();
    let parts = rules::split(keep, &weights)
        .ok_or_else(|| AppError::internal("carried value exceeds what the order paid"))?;
    for (s, amount) in srcs.iter().zip(parts) {
        if !amount.is_positive() {
            continue;
        }
        match &s.coupon_id {
            None => out.cash = sum([out.cash, amount]),
            Some(id) => {
                if s.coupon_type == 4 {
                    out.cash_coupons = sum([out.cash_coupons, amount]);
                } else {
                    out.vouchers = sum([out.vouchers, amount]);
                }
                out.coupons.push((id.clone(), s.coupon_type, amount));
            }
        }
        sql::query(
            "INSERT INTO refund_sources (refund_order_id, base_order_id, source_kind, source_id, amount, transfer_id, created_at) \
             VALUES ($1, $2, 'carried', $3, $4, $1, $5)",
        )
        .bind(change_order_id)
        .bind(base_order_id)
        .bind(s.coupon_id.clone())
        .bind(amount.cents())
        .bind(ctx.now_ms)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Writes one period's refund details: its refund (always, so the period counts as settled), the
/// part used and the fee (when not zero), against its original order.
pub(crate) async fn record_period(
    c: &mut Conn,
    ctx: &Ctx,
    order_id: &str,
    resource_id: &str,
    customer_id: &str,
    p: &PeriodRefund,
) -> AppResult<()> {
    for (kind, amount) in [
        ("refund", p.refund.checked_neg().unwrap_or(Money::ZERO)),
        ("consumed", p.consumed),
        ("fee", p.fee),
    ] {
        if kind != "refund" && amount == Money::ZERO {
            continue;
        }
        sql::query(
            "INSERT INTO refund_details (id, refund_order_id, base_order_id, resource_id, customer_id, kind, amount, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(format!("rd{}", random_hex(12)))
        .bind(order_id)
        .bind(&p.base_order_id)
        .bind(resource_id)
        .bind(customer_id)
        .bind(kind)
        .bind(amount.cents())
        .bind(ctx.now_ms)
        .execute(&mut *c)
        .await?;
    }
    Ok(())
}

/// Pays one period's refund back to the sources of its original order.
pub(crate) async fn pay_back(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    root_id: &str,
    refund_order_id: &str,
    p: &PeriodRefund,
    out: &mut Returned,
) -> AppResult<()> {
    if !p.refund.is_positive() {
        return Ok(());
    }
    let srcs = sources(c, &p.base_order_id).await?;
    let weights: Vec<Money> = srcs.iter().map(|s| s.remaining.max(Money::ZERO)).collect();
    let parts = rules::split(p.refund, &weights)
        .ok_or_else(|| AppError::internal("refund exceeds what the order paid"))?;
    for (s, amount) in srcs.iter().zip(parts) {
        if !amount.is_positive() {
            continue;
        }
        let (kind, tid) = match &s.coupon_id {
            None => {
                let world = ledger::world(c, ctx.now_ms).await?;
                let to = ledger::ensure_account(
                    c,
                    AccountKind::CustomerCash,
                    customer_id,
                    Some(root_id),
                    ctx.now_ms,
                )
                .await?;
                let t = ledger::transfer(
                    c,
                    ctx,
                    &ledger::Posting {
                        from: &world,
                        to: &to,
                        amount,
                        kind: KIND_ORDER_REFUND,
                        root_id: Some(root_id),
                        memo: Some(refund_order_id),
                    },
                )
                .await?;
                out.cash = sum([out.cash, amount]);
                (s.kind, t.id.into_string())
            }
            Some(coupon_id) => {
                let (target, tid) =
                    coupons::refund_for_order(c, ctx, coupon_id, refund_order_id, amount).await?;
                if s.coupon_type == 4 {
                    out.cash_coupons = sum([out.cash_coupons, amount]);
                } else {
                    out.vouchers = sum([out.vouchers, amount]);
                }
                (target.as_str(), tid)
            }
        };
        sql::query(
            "INSERT INTO refund_sources (refund_order_id, base_order_id, source_kind, source_id, amount, transfer_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(refund_order_id)
        .bind(&p.base_order_id)
        .bind(kind)
        .bind(s.coupon_id.clone())
        .bind(amount.cents())
        .bind(&tid)
        .bind(ctx.now_ms)
        .execute(&mut *c)
        .await?;
        out.transfer_ids.push(tid);
    }
    Ok(())
}

/// Locks the resource row for this transaction (so concurrent unsubscribes, renewals and
/// payments of it serialise on PostgreSQL) and reads it afresh.
pub(crate) async fn lock_resource(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    id: &str,
) -> AppResult<Resource> {
    sql::query("UPDATE resources SET updated_at = $1 WHERE id = $2 AND customer_id = $3")
        .bind(ctx.now_ms)
        .bind(id)
        .bind(customer_id)
        .execute(&mut *c)
        .await?;
    resources::own_resource(c, customer_id, id).await
}

/// What kind of refund order [`write_refund_order`] writes.
pub(crate) struct RefundKind<'a> {
    /// 4 unsubscribe, or 10 yearly/monthly to pay-per-use.
    pub order_type: OrderType,
    /// The negative consumption record's bill detail type: 4 退款-退订, 24 退款-包年/包月转按需.
    pub bill_detail_type: i64,
    /// An unsubscription's type and reason (none for other refunds).
    pub unsubscribe: Option<&'a UnsubscribeRequest>,
}

/// A refund order written: its id and what went back where.
pub(crate) struct RefundOrder {
    pub order_id: String,
    pub back: Returned,
}

/// Writes the completed refund order of one resource from its plan: the order and its line, each
/// period's refund details, the money back to the sources that paid each period, what the order
/// gave back, and the refund's negative consumption record of this month. The caller has locked
/// the resource and claimed it; it updates the resource and writes the audit row.
pub(crate) async fn write_refund_order(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    user_name: &str,
    plan: &ResourcePlan,
    kind: &RefundKind<'_>,
) -> AppResult<RefundOrder> {
    let r = &plan.resource;
    let order_id = orders::new_order_id();
    let refund = plan.refund();
    let unsub = kind.unsubscribe;
    // The order row first: refund details and sources reference it.
    sql::query(
        "INSERT INTO orders (id, root_id, partner_id, customer_id, service_type_code, source_type, status, order_type, \
         official_amount, amount_after_discount, commission_amount, consumed_amount, user_name, base_order_id, created_at, paid_at, \
         unsubscribe_type, unsubscribe_reason_type, unsubscribe_reason, no_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12, $13, $14, $14, $15, $16, $17, $18)",
    )
    .bind(&order_id)
    .bind(&r.root_id)
    .bind(&r.partner_id)
    .bind(customer_id)
    .bind(&r.service_type_code)
    .bind(SourceType::Customer.code())
    .bind(OrderStatus::Completed.code())
    .bind(kind.order_type.code())
    .bind(refund.cents())
    .bind(plan.fee().cents())
    .bind(plan.consumed().cents())
    .bind(user_name)
    .bind(&r.order_id)
    .bind(ctx.now_ms)
    .bind(unsub.map(|u| u.kind.code()))
    .bind(unsub.and_then(|u| u.reason_type))
    .bind(unsub.and_then(|u| u.reason.clone()))
    .bind(i64::from(plan.no_reason))
    .execute(&mut *c)
    .await?;
    let spec = catalog::spec_of(&mut *c, &r.product_id)
        .await?
        .map(|s| s.spec_desc_zh)
        .unwrap_or_default();
    sql::query(
        "INSERT INTO order_lines (id, order_id, seq, product_id, service_type_code, resource_type_code, product_spec_desc, \
         region, period_type, period_num, subscription_num, resource_size, official_amount, amount_after_discount, effective_at, resource_id) \
         VALUES ($1, $2, 0, $3, $4, $5, $6, $7, $8, NULL, 1, $9, $10, $10, $11, $12)",
    )
    .bind(format!("{order_id}-1"))
    .bind(&order_id)
    .bind(&r.product_id)
    .bind(&r.service_type_code)
    .bind(&r.resource_type_code)
    .bind(&spec)
    .bind(&r.region)
    .bind(r.period_type)
    .bind(r.size)
    .bind(refund.cents())
    .bind(ctx.now_ms)
    .bind(&r.id)
    .execute(&mut *c)
    .await?;
    let mut back = Returned::default();
    for p in &plan.periods {
        record_period(c, ctx, &order_id, &r.id, customer_id, p).await?;
        pay_back(c, ctx, customer_id, &r.root_id, &order_id, p, &mut back).await?;
    }
    let split = orders::for_subscriptions::PaidSplit {
        cash: back.cash.cents(),
        vouchers: back.vouchers.cents(),
        cash_coupons: back.cash_coupons.cents(),
    };
    orders::for_subscriptions::set_paid_split(c, &order_id, split).await?;
    // The refund is a negative consumption record of the month it is made in.
    let given = back.cash.cents() + back.vouchers.cents() + back.cash_coupons.cents();
    consumption::record(
        c,
        ctx,
        &consumption::Charge {
            customer_id,
            trade_id: &order_id,
            source_key: format!("refund:{order_id}"),
            order_type: Some(kind.order_type.code()),
            bill_detail_type: kind.bill_detail_type,
            charging_mode: bills::charging_mode::PERIOD,
            service_type_code: &r.service_type_code,
            resource_type_code: &r.resource_type_code,
            region: &r.region,
            product_id: Some(&r.product_id),
            product_spec_desc: &spec,
            resource_id: Some(&r.id),
            resource_name: Some(&r.name),
            period_type: consumption::bill_period_type(r.period_type),
            period_num: None,
            consume_time: ctx.now_ms,
            // What was given back, as the ledger moved it.
            official: -given,
            discount: 0,
            payment: -given,
            cash: -back.cash.cents(),
            vouchers: -back.vouchers.cents(),
            cash_coupons: -back.cash_coupons.cents(),
            stored_card: 0,
            ..Default::default()
        },
    )
    .await?;
    Ok(RefundOrder { order_id, back })
}

/// Unsubscribes one resource: plan, write the type-4 order and its details, pay back, update the
/// resource. Returns the refund order id.
async fn unsubscribe_one(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    user_name: &str,
    req: &UnsubscribeRequest,
    id: &str,
) -> AppResult<String> {
    let locked = lock_resource(c, ctx, customer_id, id).await?;
    if locked.status == ResourceStatus::Closed.code() {
        return Err(AppError::naming(Code::ResourceDeleted, locked.id));
    }
    if locked.is_main == 0 {
        return Err(AppError::naming(Code::WholeServiceRequired, locked.id));
    }
    resources::claim_for_order(c, ctx, &locked).await?;
    let plan = plan(c, customer_id, id, req.kind, ctx.now_ms).await?;
    let r = &plan.resource;
    let kind = RefundKind {
        order_type: OrderType::Unsubscribe,
        bill_detail_type: bills::detail_type::REFUND_UNSUBSCRIBE,
        unsubscribe: Some(req),
    };
    let RefundOrder { order_id, back } =
        write_refund_order(c, ctx, customer_id, user_name, &plan, &kind).await?;
    let refund = plan.refund();
    match req.kind {
        UnsubscribeType::ResourceAndRenewals => {
            sql::query(
                "UPDATE resources SET status = $1, expire_at = $2, expire_policy = $3, auto_renew_times = NULL, \
                 auto_renew_period = NULL, updated_at = $2 WHERE id = $4",
            )
            .bind(ResourceStatus::Closed.code())
            .bind(ctx.now_ms)
            .bind(EXPIRE_POLICY_GRACE)
            .bind(&r.id)
            .execute(&mut *c)
            .await?;
        }
        UnsubscribeType::RenewalsOnly => {
            // The resource now ends where the first refunded (future) period would have begun.
            let end = plan
                .periods
                .iter()
                .map(|p| p.start)
                .min()
                .unwrap_or(r.expire_at);
            sql::query("UPDATE resources SET expire_at = $1, updated_at = $2 WHERE id = $3")
                .bind(end)
                .bind(ctx.now_ms)
                .bind(&r.id)
                .execute(&mut *c)
                .await?;
        }
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.unsubscribe",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &back.transfer_ids,
            detail: serde_json::json!({
                "resource_id": r.id,
                "unsubscribe_type": req.kind.code(),
                "refund": refund.to_string(),
                "consumed": plan.consumed().to_string(),
                "fee": plan.fee().to_string(),
                "no_reason": plan.no_reason,
                "cash": back.cash.to_string(),
                "coupons": sum([back.vouchers, back.cash_coupons]).to_string(),
            }),
        },
    )
    .await?;
    Ok(order_id)
}

/// `cancel_resources_subscription`: the acting customer unsubscribes each named resource, all or
/// nothing. Returns the unsubscribe order ids, one per resource, in the order named.
pub async fn unsubscribe(db: &Db, ctx: Ctx, req: UnsubscribeRequest) -> AppResult<Vec<String>> {
    let customer_id = super::acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { unsubscribe_in(c, &ctx, &customer_id, &req).await })
    })
    .await
}

/// [`unsubscribe`] inside an open transaction.
async fn unsubscribe_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    req: &UnsubscribeRequest,
) -> AppResult<Vec<String>> {
    if let Some(confirmed) = req.fee_confirmed {
        // The plan at this instant, inside the transaction that carries it out: a preview that
        // went stale (the fee-free window closed meanwhile) cannot charge an unseen fee.
        for id in &req.resource_ids {
            let plan = plan(c, customer_id, id, req.kind, ctx.now_ms).await?;
            if plan.fee().is_positive() && !confirmed {
                return Err(AppError::new(Code::FeeNotConfirmed));
            }
        }
    }
    let user_name = customers::lookup::account_name(&mut *c, customer_id)
        .await?
        .ok_or_else(|| AppError::new(Code::NotAllowed))?;
    let mut ids = Vec::with_capacity(req.resource_ids.len());
    for id in &req.resource_ids {
        ids.push(unsubscribe_one(c, ctx, customer_id, &user_name, req, id).await?);
    }
    Ok(ids)
}

pub use super::refund_reads::{order_page, refund_details, OrderPage, RefundInfo, RefundLookup};

/// The refund invariant `partner-center verify` checks: no source of an order (its cash, each
/// coupon) ever had more refunded or carried away than it paid. Returns the violations.
pub async fn verify(pool: &ReadPool) -> AppResult<Vec<String>> {
    let rows: Vec<(String, Option<String>, i64, i64)> = sql::query_as(
        "SELECT rs.base_order_id, rs.source_id, CAST(SUM(rs.amount) AS BIGINT), \
         CASE WHEN rs.source_id IS NULL THEN o.cash_amount ELSE COALESCE(oc.amount, 0) END \
         FROM refund_sources rs JOIN orders o ON o.id = rs.base_order_id \
         LEFT JOIN order_coupons oc ON oc.order_id = rs.base_order_id AND oc.coupon_id = rs.source_id \
         GROUP BY rs.base_order_id, rs.source_id, o.cash_amount, oc.amount",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, _, back, paid)| back > paid)
        .map(|(order, source, back, paid)| {
            format!(
                "order {order}: {} had {} back but paid {}",
                source.as_deref().unwrap_or("its cash"),
                Money::from_cents(back),
                Money::from_cents(paid)
            )
        })
        .collect())
}
