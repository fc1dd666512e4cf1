//! Paying an order: the discounts and coupons usable on it, the shape and combination rules of a
//! pay request, and the payment itself.

use crate::store::sql::{self, Conn};
use pc_domain::ledger::AccountKind;
use pc_domain::orders::{self as rules, DiscountKind, OrderStatus};
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::coupons;
use crate::services::{orders::adjustments, orders::promotions};
use crate::store::{ledger, Db};

use super::{
    acting_customer, discount_lines, grants, load_lines, own_order, sum, Discounted, Grant, Order,
    OrderLine, KIND_ORDER_PAY,
};

/// One discount the customer may use on one of its orders, with what it does to each line.
#[derive(Debug, Clone)]
pub struct OrderDiscount {
    pub grant: Grant,
    pub order_id: String,
    /// (line id, discounted) for the lines it applies to.
    pub lines: Vec<(String, Discounted)>,
}

impl OrderDiscount {
    /// What it takes off the order, all lines together.
    pub fn discount(&self) -> Money {
        sum(self.lines.iter().map(|(_, x)| x.discount))
    }
}

/// The kind of discount a payment names by id alone (the console's form): the order's own id
/// names its price adjustment (609); promotion ids carry their prefix; anything else is a
/// partner-granted discount.
pub fn discount_kind_of(order_id: &str, discount_id: &str) -> DiscountKind {
    if discount_id == order_id {
        DiscountKind::Adjustment
    } else {
        promotions::kind_of_id(discount_id)
    }
}

/// What a payment of `order` would take from the balance with `discount` and `coupons`: the list
/// price less the discount, less each coupon in turn (each pays at most what is left) — the
/// arithmetic of [`pay`], for showing a customer how much is missing before it pays again.
pub fn cash_needed(
    order: &Order,
    discount: Option<&OrderDiscount>,
    coupons: &[&coupons::Coupon],
) -> Money {
    let mut left = order
        .official_amount
        .checked_sub(discount.map(OrderDiscount::discount).unwrap_or(Money::ZERO))
        .unwrap_or(Money::ZERO);
    for k in coupons {
        left = left.checked_sub(k.balance.min(left)).unwrap_or(left);
    }
    left
}

/// The discounts usable on a pending-payment order at `now`: the grants of the order's partner to
/// the customer and the operator's live promotions, each that applies to at least one line.
async fn usable_discounts(
    c: &mut Conn,
    order: &Order,
    lines: &[OrderLine],
    now: i64,
) -> AppResult<Vec<OrderDiscount>> {
    if order.status() != Some(OrderStatus::PendingPayment) {
        return Ok(Vec::new());
    }
    // A price-adjusted order offers its adjustment and nothing else (R11.5).
    if let Some(a) = adjustments::of_order(&mut *c, &order.order_id).await? {
        return Ok(adjustments::as_discount(&a, lines)
            .map(|(grant, lines)| OrderDiscount {
                grant,
                order_id: order.order_id.clone(),
                lines,
            })
            .into_iter()
            .collect());
    }
    let mut all = grants(&mut *c, &order.partner_id, &order.customer_id).await?;
    all.extend(promotions::live(&mut *c, now).await?);
    let priced: Vec<(&str, Money)> = lines
        .iter()
        .map(|l| (l.product_id.as_str(), l.official_amount))
        .collect();
    Ok(all
        .into_iter()
        .filter_map(|g| {
            let d = discount_lines(&g, &priced);
            let used: Vec<(String, Discounted)> = lines
                .iter()
                .zip(d)
                .filter(|(l, _)| g.applies_to(&l.product_id))
                .map(|(l, d)| (l.order_line_item_id.clone(), d))
                .collect();
            (!used.is_empty()).then(|| OrderDiscount {
                grant: g,
                order_id: order.order_id.clone(),
                lines: used,
            })
        })
        .collect())
}

/// `list_order_discounts` (the acting customer only): the discounts usable on one of its orders
/// at the request's time.
pub async fn order_discounts(db: &Db, ctx: &Ctx, order_id: &str) -> AppResult<Vec<OrderDiscount>> {
    let customer_id = acting_customer(&ctx.actor)?;
    if order_id.trim().is_empty() {
        return Err(AppError::invalid_tr(
            "order_id is required",
            "order_id 必填。",
        ));
    }
    let mut c = db.read().acquire().await?;
    let order = own_order(&mut *c, &customer_id, order_id).await?;
    let lines = load_lines(&mut *c, &order.order_id).await?;
    usable_discounts(&mut c, &order, &lines, ctx.now_ms).await
}

/// A coupon named in a pay request (`coupon_infos[]`).
#[derive(Debug, Clone)]
pub struct CouponRef {
    pub id: String,
    /// The type it is named with (300–303); `None`: as the coupon's own type (a voucher 301, a
    /// cash coupon 302), for forms that name coupons by id alone.
    pub pay_type: Option<i64>,
}

/// A pay request as the customer sends it (`PayCustomerOrderV3Req`); [`pay`] checks its shape
/// ([`PayRequest::parse`]) once it knows the caller is a customer.
#[derive(Debug, Clone, Default)]
pub struct PayOrder {
    pub order_id: String,
    /// `YES` or `NO`.
    pub use_coupon: String,
    /// `YES` or `NO`.
    pub use_discount: String,
    pub coupons: Option<Vec<CouponRef>>,
    /// (discount id, type).
    pub discounts: Option<Vec<(String, i64)>>,
}

impl PayOrder {
    /// What a pay form chose by id alone: coupons, each named as its own type, and at most one
    /// discount, its type told by [`discount_kind_of`].
    pub fn chosen(
        order_id: &str,
        coupon_ids: Vec<String>,
        discount_id: Option<String>,
    ) -> PayOrder {
        let coupons: Vec<CouponRef> = coupon_ids
            .into_iter()
            .map(|id| CouponRef { id, pay_type: None })
            .collect();
        let discounts = discount_id.filter(|d| !d.is_empty()).map(|d| {
            let kind = discount_kind_of(order_id, &d);
            vec![(d, kind.pay_type())]
        });
        let yes = |b: bool| if b { "YES" } else { "NO" }.to_string();
        PayOrder {
            order_id: order_id.to_string(),
            use_coupon: yes(!coupons.is_empty()),
            use_discount: yes(discounts.is_some()),
            coupons: Some(coupons),
            discounts,
        }
    }
}

/// What a pay request asks for.
#[derive(Debug, Clone)]
pub struct PayRequest {
    pub order_id: String,
    pub use_coupon: bool,
    pub use_discount: bool,
    pub coupons: Vec<CouponRef>,
    /// (discount id, type).
    pub discounts: Vec<(String, i64)>,
}

/// R11.4: a `YES` flag requires its list (at most `max` items), `NO` forbids it.
fn check_flagged_list(flag: &str, yes: bool, list: &str, n: usize, max: usize) -> AppResult<()> {
    match (yes, n) {
        (true, 0) => Err(AppError::invalid_tr(
            format!("{flag} is YES: {list} is required"),
            format!("{flag} 为 YES 时 {list} 必填。"),
        )),
        (true, n) if n > max => Err(AppError::invalid_tr(
            format!("{list} has at most {max} item(s) per payment"),
            format!("每次支付 {list} 最多 {max} 项。"),
        )),
        (false, n) if n > 0 => Err(AppError::invalid_tr(
            format!("{flag} is NO: {list} must be absent"),
            format!("{flag} 为 NO 时不能填写 {list}。"),
        )),
        _ => Ok(()),
    }
}

impl PayRequest {
    /// Checks the shape rules of R11.4: YES requires the list, NO forbids it; at most 3 coupons
    /// and 1 discount.
    pub fn parse(
        order_id: String,
        use_coupon: &str,
        use_discount: &str,
        coupons: Option<Vec<CouponRef>>,
        discounts: Option<Vec<(String, i64)>>,
    ) -> AppResult<PayRequest> {
        if order_id.trim().is_empty() {
            return Err(AppError::invalid_tr(
                "order_id is required",
                "order_id 必填。",
            ));
        }
        let use_coupon = rules::parse_yes_no("use_coupon", use_coupon).map_err(AppError::from)?;
        let use_discount =
            rules::parse_yes_no("use_discount", use_discount).map_err(AppError::from)?;
        let coupons = coupons.unwrap_or_default();
        let discounts = discounts.unwrap_or_default();
        check_flagged_list("use_coupon", use_coupon, "coupon_infos", coupons.len(), 3)?;
        check_flagged_list(
            "use_discount",
            use_discount,
            "discount_infos",
            discounts.len(),
            1,
        )?;
        if coupons.iter().any(|c| {
            c.pay_type
                .is_some_and(|t| ![300, 301, 302, 303].contains(&t))
        }) {
            return Err(AppError::invalid_tr(
                "coupon_infos[].type must be 300, 301, 302 or 303",
                "coupon_infos[].type 须为 300、301、302 或 303。",
            ));
        }
        if discounts.iter().any(|(_, t)| ![0, 2, 3, 609].contains(t)) {
            return Err(AppError::invalid_tr(
                "discount_infos[].type must be 0, 2 or 3",
                "discount_infos[].type 须为 0、2 或 3。",
            ));
        }
        Ok(PayRequest {
            order_id,
            use_coupon,
            use_discount,
            coupons,
            discounts,
        })
    }
}

/// What the coupons of a payment covered.
#[derive(Debug, Clone, Default)]
pub struct CouponsApplied {
    /// Vouchers (代金券), `amount_info.coupon_amount`.
    pub coupon_amount: Money,
    /// Cash coupons (现金券), `amount_info.flexipurchase_coupon_amount`.
    pub flexipurchase_coupon_amount: Money,
    /// Stored-value cards, `amount_info.stored_card_amount`.
    pub stored_card_amount: Money,
    /// Ledger transfers that consumed coupon balances (named by the payment's audit row).
    pub transfer_ids: Vec<String>,
}

impl CouponsApplied {
    pub fn total(&self) -> Money {
        sum([
            self.coupon_amount,
            self.flexipurchase_coupon_amount,
            self.stored_card_amount,
        ])
    }
}

/// `coupon_infos[].type` of a pay request.
pub const PAY_TYPE_DISCOUNT_COUPON: i64 = 300;
pub const PAY_TYPE_VOUCHER: i64 = 301;
pub const PAY_TYPE_CASH_COUPON: i64 = 302;

/// The pay type a coupon of `coupon_type` is named with: a voucher (1) as 301, a cash coupon (4)
/// as 302. Partners issue no other kind.
fn pay_type_of(coupon_type: i64) -> Option<i64> {
    match coupon_type {
        1 => Some(PAY_TYPE_VOUCHER),
        4 => Some(PAY_TYPE_CASH_COUPON),
        _ => None,
    }
}

/// Whether `r` names a coupon of `coupon_type` with its own pay type (named by id alone, it does
/// when partners issue that type).
fn names_own_type(r: &CouponRef, coupon_type: i64) -> bool {
    let own = pay_type_of(coupon_type);
    own.is_some() && r.pay_type.is_none_or(|t| Some(t) == own)
}

/// The combination rules of R11.6–R11.7 that need no database: vouchers and discount coupons
/// are not used together (`CBC.99003147`), and a discount coupon, itself a discount, is not used
/// with a partner-granted discount (`CBC.99003116`), and one coupon is named once.
///
/// **Decision (the vendor's help pages R11.6).** The coupons partners issue here (vouchers and cash
/// coupons, §9) carry no `simultaneousUseWith…Discount` restriction, so they combine with a
/// partner-granted discount; only a discount coupon (pay type 300) is exclusive. No partner
/// issues discount coupons, so naming one alone fails as "not usable for this order".
pub fn check_coupon_combination(req: &PayRequest) -> AppResult<()> {
    let discount_coupon = req
        .coupons
        .iter()
        .any(|c| c.pay_type == Some(PAY_TYPE_DISCOUNT_COUPON));
    if discount_coupon
        && req
            .coupons
            .iter()
            .any(|c| c.pay_type != Some(PAY_TYPE_DISCOUNT_COUPON))
    {
        return Err(AppError::new(Code::CouponsNotCombinable));
    }
    if discount_coupon && !req.discounts.is_empty() {
        return Err(AppError::new(Code::CouponForbidsDiscount));
    }
    for (i, c) in req.coupons.iter().enumerate() {
        if req.coupons[..i].iter().any(|d| d.id == c.id) {
            return Err(AppError::invalid_tr(
                format!("coupon {} is named twice in coupon_infos", c.id),
                format!("coupon_infos 中优惠券 {} 出现了两次。", c.id),
            ));
        }
    }
    Ok(())
}

/// The service types and products of an order's lines (what a coupon's restrictions must admit).
fn order_scope(lines: &[OrderLine]) -> (Vec<&str>, Vec<String>) {
    let mut types: Vec<&str> = lines.iter().map(|l| l.service_type_code.as_str()).collect();
    types.sort_unstable();
    types.dedup();
    let mut products: Vec<String> = lines.iter().map(|l| l.product_id.clone()).collect();
    products.sort_unstable();
    products.dedup();
    (types, products)
}

/// **The coupons of a payment.** Called inside the payment's transaction after the order was
/// claimed (6 → 5) and its discount applied, with what is left to pay. Each named coupon, in the
/// order given, must be the customer's (else `PC.1103`, never revealing another's coupon), usable
/// now and not frozen (`PC.1103`), not used up or locked by another order (`CBC.99003112`), named
/// with its own pay type, and admit every service type and product of the order (`PC.1103`); it
/// pays `min(balance, what is left)`, and a coupon named after the order is already covered is
/// refused (`PC.1103`). Each is locked for this order and consumed (`coupon → external:world`,
/// guarded, so concurrent payments of different orders cannot spend the same value twice: the
/// loser finds the coupon locked or used and its whole payment rolls back), and recorded in
/// `order_coupons` for refunds. Any error rolls the whole payment back.
async fn apply_coupons(
    c: &mut Conn,
    ctx: &Ctx,
    order: &Order,
    lines: &[OrderLine],
    payable: Money,
    refs: &[CouponRef],
) -> AppResult<CouponsApplied> {
    let mut out = CouponsApplied::default();
    let (types, products) = order_scope(lines);
    let mut left = payable;
    for r in refs {
        let not_usable = || AppError::naming(Code::CouponNotForOrder, r.id.clone());
        let k = coupons::get_coupon(&mut *c, &r.id)
            .await?
            .filter(|k| k.customer_id == order.customer_id)
            .ok_or_else(not_usable)?;
        if k.status == pc_domain::coupons::coupon_status::USED
            || k.lock_order_id
                .as_deref()
                .is_some_and(|o| o != order.order_id)
        {
            return Err(AppError::naming(Code::CouponUsedOrLocked, r.id.clone()));
        }
        if k.status_at(ctx.now_ms) != pc_domain::coupons::coupon_status::USABLE
            || k.is_frozen != 0
            || !k.balance.is_positive()
            || !names_own_type(r, k.coupon_type)
            || !k.admits(&types, &products)
            || !k.admits_order_type(order.order_type)
            || !left.is_positive()
        {
            return Err(not_usable());
        }
        let locked = |e: AppError| {
            if e.code == Code::CouponLocked {
                AppError::naming(Code::CouponUsedOrLocked, r.id.clone())
            } else {
                e
            }
        };
        coupons::lock_for_order(c, ctx, &k.id, &order.customer_id, &order.order_id)
            .await
            .map_err(locked)?;
        let used = coupons::consume_for_order(c, ctx, &k.id, &order.order_id, left)
            .await
            .map_err(locked)?;
        if !used.is_positive() {
            return Err(AppError::naming(Code::CouponUsedOrLocked, r.id.clone()));
        }
        left = left
            .checked_sub(used)
            .ok_or_else(|| AppError::internal("coupon above the price"))?;
        let slot = if k.coupon_type == 4 {
            &mut out.flexipurchase_coupon_amount
        } else {
            &mut out.coupon_amount
        };
        *slot = sum([*slot, used]);
        sql::query(
            "INSERT INTO order_coupons (order_id, coupon_id, coupon_type, amount, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&order.order_id)
        .bind(&k.id)
        .bind(k.coupon_type)
        .bind(used.cents())
        .bind(ctx.now_ms)
        .execute(&mut *c)
        .await?;
    }
    if !refs.is_empty() {
        out.transfer_ids = sql::query_scalar(
            "SELECT id FROM ledger_transfers WHERE kind = $1 AND memo = $2 ORDER BY id",
        )
        .bind(coupons::KIND_COUPON_USE)
        .bind(&order.order_id)
        .fetch_all(&mut *c)
        .await?;
    }
    Ok(out)
}

/// `list_order_coupons_by_order_id` (the acting customer only): its coupons usable on one of its
/// pending-payment orders at the request's time: usable, not frozen, not locked by another
/// order, admitting every service type and product of the order, largest balance first. Any
/// other order status lists none; an order that is not the customer's is `CBC.30000010`.
pub async fn order_coupons(db: &Db, ctx: &Ctx, order_id: &str) -> AppResult<Vec<coupons::Coupon>> {
    let customer_id = &acting_customer(&ctx.actor)?;
    let (pool, now) = (db.read(), ctx.now_ms);
    if order_id.trim().is_empty() {
        return Err(AppError::invalid_tr(
            "order_id is required",
            "order_id 必填。",
        ));
    }
    let order = own_order(pool, customer_id, order_id).await?;
    if order.status() != Some(OrderStatus::PendingPayment) {
        return Ok(Vec::new());
    }
    let lines = load_lines(pool, &order.order_id).await?;
    let (types, products) = order_scope(&lines);
    let list = coupons::usable_for_order(
        pool,
        customer_id,
        &order.order_id,
        &types,
        &products,
        order.official_amount,
        now,
    )
    .await?;
    Ok(list
        .into_iter()
        .filter(|k| pay_type_of(k.coupon_type).is_some() && k.admits_order_type(order.order_type))
        .collect())
}

/// What a payment did.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Paid {
    pub order_id: String,
    /// The partner the order was placed with (whose post-payment address, if any, follows).
    pub partner_id: String,
    pub official: Money,
    pub discount: Money,
    pub coupons: Money,
    pub cash: Money,
    pub transfer_id: Option<String>,
    pub resource_ids: Vec<String>,
}

/// A payment settled: the order claimed (pending payment → completed), the discount and coupons
/// applied, the cash moved and the order's amounts written. What the order provisions and the
/// payment's audit row are the caller's (`subscriptions::checkout`, which owns the resources), in
/// the same transaction. `paid.resource_ids` is empty here.
pub(crate) struct Settled {
    pub order: Order,
    pub lines: Vec<OrderLine>,
    pub paid: Paid,
    /// Every ledger transfer of the payment: the coupons' and the cash's.
    pub transfer_ids: Vec<String>,
}

/// The money side of `pay_orders` (`subscriptions::checkout::pay`), inside the caller's
/// transaction, for `customer_id` whoever acts: at most one discount, then at most 3 coupons
/// ([`apply_coupons`]), and the rest from the customer's cash balance.
/// Errors: not its order `CBC.30000010`; not pending payment (also a concurrent payment or
/// cancellation that won) `CBC.99003106`; deadline passed `CBC.99003110`; unusable discount
/// `CBC.99003108`; coupon errors as [`check_coupon_combination`] and [`apply_coupons`]; not
/// enough balance `CBC.99005003`. On an error the caller's transaction must roll back.
pub(crate) async fn settle(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    req: &PayRequest,
) -> AppResult<Settled> {
    check_coupon_combination(req)?;
    let order_id = req.order_id.trim().to_uppercase();
    // The guarded transition first: on PostgreSQL it takes the row lock, so a concurrent payment
    // or cancellation of the same order waits for this transaction and then finds status ≠ 6.
    let claimed = sql::query(
        "UPDATE orders SET status = $1, paid_at = $2 WHERE id = $3 AND customer_id = $4 AND status = $5",
    )
    .bind(OrderStatus::Completed.code())
    .bind(ctx.now_ms)
    .bind(&order_id)
    .bind(customer_id)
    .bind(OrderStatus::PendingPayment.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if claimed == 0 {
        own_order(&mut *c, customer_id, &order_id).await?;
        return Err(AppError::new(Code::OrderStatusChanged));
    }
    let order = own_order(&mut *c, customer_id, &order_id).await?;
    if order.payment_deadline.is_some_and(|d| ctx.now_ms > d) {
        return Err(AppError::new(Code::PaymentDeadlinePassed));
    }
    let mut lines = load_lines(&mut *c, &order_id).await?;
    // The pending order is usable for discounts as it was before the claim.
    let pending = Order {
        status: OrderStatus::PendingPayment.code(),
        ..order.clone()
    };
    let mut discount_type = None;
    let mut discount_id = req.discounts.first().map(|d| d.0.clone());
    // An order with a price adjustment (609) pays with it, named or not, and with no other (R11.5).
    let adjusted = adjustments::of_order(&mut *c, &order_id).await?.is_some();
    if adjusted && discount_id.is_none() {
        discount_id = Some(order_id.clone());
    }
    let wanted = match req.discounts.first() {
        Some((did, dtype)) => Some((did.clone(), *dtype)),
        None if adjusted => Some((order_id.clone(), rules::DISCOUNT_TYPE_ADJUSTMENT)),
        None => None,
    };
    if let Some((did, dtype)) = wanted {
        let usable = usable_discounts(&mut *c, &pending, &lines, ctx.now_ms).await?;
        let d = usable
            .into_iter()
            .find(|d| d.grant.id == did && d.grant.kind.pay_type() == dtype)
            .ok_or_else(|| AppError::new(Code::DiscountNotApplicable))?;
        for l in &mut lines {
            if let Some((_, x)) = d.lines.iter().find(|(id, _)| *id == l.order_line_item_id) {
                l.discount_amount = x.discount;
                l.amount_after_discount = x.amount();
            }
        }
        discount_type = Some(d.grant.kind.fee_item().to_string());
    }
    let discount = sum(lines.iter().map(|l| l.discount_amount));
    let after_discount = order
        .official_amount
        .checked_sub(discount)
        .ok_or_else(|| AppError::internal("discount above the price"))?;
    let coupons = apply_coupons(c, ctx, &order, &lines, after_discount, &req.coupons).await?;
    let cash = after_discount
        .checked_sub(coupons.total())
        .filter(|m| !m.is_negative())
        .ok_or_else(|| AppError::internal("coupons above the price"))?;
    let mut transfer_ids = coupons.transfer_ids.clone();
    let transfer_id = if cash.is_positive() {
        let world = ledger::world(c, ctx.now_ms).await?;
        let from =
            ledger::ensure_account(c, AccountKind::CustomerCash, customer_id, None, ctx.now_ms)
                .await?;
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &from,
                to: &world,
                amount: cash,
                kind: KIND_ORDER_PAY,
                root_id: Some(&order.root_id),
                memo: Some(&order_id),
            },
        )
        .await?;
        transfer_ids.push(t.id.as_str().to_string());
        Some(t.id.into_string())
    } else {
        None
    };
    sql::query(
        "UPDATE orders SET amount_after_discount = $1, discount_amount = $2, discount_type = $3, discount_id = $4, \
         coupon_amount = $5, flexipurchase_coupon_amount = $6, stored_card_amount = $7, cash_amount = $8, pay_transfer_id = $9 \
         WHERE id = $10",
    )
    .bind(after_discount.cents())
    .bind(discount.cents())
    .bind(discount_type)
    .bind(discount_id)
    .bind(coupons.coupon_amount.cents())
    .bind(coupons.flexipurchase_coupon_amount.cents())
    .bind(coupons.stored_card_amount.cents())
    .bind(cash.cents())
    .bind(transfer_id.clone())
    .bind(&order_id)
    .execute(&mut *c)
    .await?;
    Ok(Settled {
        paid: Paid {
            order_id,
            partner_id: order.partner_id.clone(),
            official: order.official_amount,
            discount,
            coupons: coupons.total(),
            cash,
            transfer_id,
            resource_ids: Vec::new(),
        },
        order,
        lines,
        transfer_ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pay_request_shapes() {
        let p = |uc: &str, ud: &str, c: Option<Vec<CouponRef>>, d: Option<Vec<(String, i64)>>| {
            PayRequest::parse("CS1".into(), uc, ud, c, d)
        };
        assert!(p("NO", "NO", None, None).is_ok());
        assert!(p("NO", "NO", Some(vec![]), Some(vec![])).is_ok());
        assert!(p("YES", "NO", None, None).is_err());
        assert!(p("NO", "YES", None, None).is_err());
        assert!(p("NO", "NO", None, Some(vec![("d".into(), 3)])).is_err());
        assert!(p(
            "NO",
            "YES",
            None,
            Some(vec![("d".into(), 3), ("e".into(), 3)])
        )
        .is_err());
        assert!(p("NO", "YES", None, Some(vec![("d".into(), 7)])).is_err());
        assert!(p("no", "NO", None, None).is_err());
        let four = (0..4)
            .map(|i| CouponRef {
                id: i.to_string(),
                pay_type: Some(301),
            })
            .collect();
        assert!(p("YES", "NO", Some(four), None).is_err());
    }
}
