//! Orders as stored, and placing one (new purchases here; renewals and changes through
//! [`insert_order`]).

use crate::store::sql::{self, Conn};
use pc_domain::orders::{self as rules, OrderStatus, OrderType, SourceType};
use pc_domain::party::AssociationType;
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::customers;
use crate::store::{audit, Db};

use super::{acting_customer, customer_partner, new_order_id, price_items, sum, Item, PricedItem};

/// An order as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Order {
    pub order_id: String,
    pub root_id: String,
    pub partner_id: String,
    pub customer_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: Option<String>,
    pub service_type_name_en: Option<String>,
    pub source_type: i64,
    pub status: i64,
    pub order_type: i64,
    pub official_amount: Money,
    pub amount_after_discount: Money,
    pub discount_amount: Money,
    pub discount_type: Option<String>,
    pub coupon_amount: Money,
    pub flexipurchase_coupon_amount: Money,
    pub stored_card_amount: Money,
    pub cash_amount: Money,
    pub commission_amount: Money,
    pub consumed_amount: Money,
    pub currency: String,
    pub user_name: String,
    pub created_at: i64,
    pub payment_deadline: Option<i64>,
    pub paid_at: Option<i64>,
    pub cancelled_at: Option<i64>,
    pub cancel_reason: Option<String>,
}

impl Order {
    pub fn service_type_name(&self, en: bool) -> Option<&str> {
        if en {
            self.service_type_name_en.as_deref()
        } else {
            self.service_type_name_zh.as_deref()
        }
    }
    pub fn status(&self) -> Option<OrderStatus> {
        OrderStatus::from_code(self.status)
    }
}

macro_rules! order_columns {
    () => {
        "SELECT o.id, o.root_id, o.partner_id, o.customer_id, o.service_type_code, s.name_zh, s.name_en, \
         o.source_type, o.status, o.order_type, o.official_amount, o.amount_after_discount, o.discount_amount, o.discount_type, \
         o.coupon_amount, o.flexipurchase_coupon_amount, o.stored_card_amount, o.cash_amount, o.commission_amount, o.consumed_amount, \
         o.currency, o.user_name, o.created_at, o.payment_deadline, o.paid_at, o.cancelled_at, o.cancel_reason"
    };
}
macro_rules! order_from {
    () => {
        "FROM orders o LEFT JOIN catalog_service_types s ON s.code = o.service_type_code"
    };
}
/// An order's columns, as [`row_to_order`] reads them (without `FROM`, for a list's page).
pub(super) const ORDER_COLUMNS: &str = order_columns!();
/// Where [`ORDER_COLUMNS`] come from.
pub(super) const ORDER_FROM: &str = order_from!();
pub(super) const ORDER_SELECT: &str = concat!(order_columns!(), " ", order_from!());

pub(super) fn row_to_order(r: &sql::Row) -> Order {
    let m = |i: usize| Money::from_cents(r.get(i));
    Order {
        order_id: r.get(0),
        root_id: r.get(1),
        partner_id: r.get(2),
        customer_id: r.get(3),
        service_type_code: r.get(4),
        service_type_name_zh: r.get(5),
        service_type_name_en: r.get(6),
        source_type: r.get(7),
        status: r.get(8),
        order_type: r.get(9),
        official_amount: m(10),
        amount_after_discount: m(11),
        discount_amount: m(12),
        discount_type: r.get(13),
        coupon_amount: m(14),
        flexipurchase_coupon_amount: m(15),
        stored_card_amount: m(16),
        cash_amount: m(17),
        commission_amount: m(18),
        consumed_amount: m(19),
        currency: r.get(20),
        user_name: r.get(21),
        created_at: r.get(22),
        payment_deadline: r.get(23),
        paid_at: r.get(24),
        cancelled_at: r.get(25),
        cancel_reason: r.get(26),
    }
}

pub(crate) async fn load_order<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    order_id: &str,
) -> AppResult<Option<Order>> {
    let row = sql::query(&format!("{ORDER_SELECT} WHERE o.id = $1"))
        .bind(order_id.trim().to_uppercase())
        .fetch_optional(exec)
        .await?;
    Ok(row.as_ref().map(row_to_order))
}

/// An order line as stored.
#[derive(Debug, Clone, serde::Serialize)]
pub struct OrderLine {
    pub order_line_item_id: String,
    pub order_id: String,
    pub product_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: Option<String>,
    pub service_type_name_en: Option<String>,
    pub resource_type_code: String,
    pub product_spec_desc: String,
    pub region: String,
    pub period_type: i64,
    pub period_num: Option<i64>,
    pub subscription_num: i64,
    pub resource_size: Option<i64>,
    pub official_amount: Money,
    pub amount_after_discount: Money,
    pub discount_amount: Money,
    pub effective_at: Option<i64>,
    pub expire_at: Option<i64>,
    /// The resource a renewal line extends.
    pub resource_id: Option<String>,
    /// On a spec change: the product it replaced, and that product's spec description.
    pub base_product_id: Option<String>,
    pub base_product_spec_desc: Option<String>,
}

const LINE_SELECT: &str = "SELECT l.id, l.order_id, l.product_id, l.service_type_code, s.name_zh, s.name_en, l.resource_type_code, \
     l.product_spec_desc, l.region, l.period_type, l.period_num, l.subscription_num, l.resource_size, l.official_amount, \
     l.amount_after_discount, l.discount_amount, l.effective_at, l.expire_at, l.resource_id, l.base_product_id, b.spec_desc_zh \
     FROM order_lines l LEFT JOIN catalog_service_types s ON s.code = l.service_type_code \
     LEFT JOIN catalog_products b ON b.id = l.base_product_id";

fn row_to_line(r: &sql::Row) -> OrderLine {
    OrderLine {
        order_line_item_id: r.get(0),
        order_id: r.get(1),
        product_id: r.get(2),
        service_type_code: r.get(3),
        service_type_name_zh: r.get(4),
        service_type_name_en: r.get(5),
        resource_type_code: r.get(6),
        product_spec_desc: r.get(7),
        region: r.get(8),
        period_type: r.get(9),
        period_num: r.get(10),
        subscription_num: r.get(11),
        resource_size: r.get(12),
        official_amount: Money::from_cents(r.get(13)),
        amount_after_discount: Money::from_cents(r.get(14)),
        discount_amount: Money::from_cents(r.get(15)),
        effective_at: r.get(16),
        expire_at: r.get(17),
        resource_id: r.get(18),
        base_product_id: r.get(19),
        base_product_spec_desc: r.get(20),
    }
}

pub(super) async fn load_lines<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    order_id: &str,
) -> AppResult<Vec<OrderLine>> {
    let rows = sql::query(&format!(
        "{LINE_SELECT} WHERE l.order_id = $1 ORDER BY l.seq"
    ))
    .bind(order_id)
    .fetch_all(exec)
    .await?;
    Ok(rows.iter().map(row_to_line).collect())
}

/// What was placed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Placed {
    pub order_id: String,
    pub amount: Money,
    pub payment_deadline: i64,
}

/// The acting customer places a new-purchase order for itself, pending payment (source type 1
/// customer; user name = its account name). A customer that is no partner's is `CBC.99000035`.
pub async fn place_order(db: &Db, ctx: Ctx, items: Vec<Item>) -> AppResult<Placed> {
    let customer_id = acting_customer(&ctx.actor)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { place_order_in(c, &ctx, &customer_id, items).await })
    })
    .await
}

/// A new-purchase order for a named customer.
#[derive(Debug, Clone)]
pub struct OrderFor {
    pub customer_id: String,
    /// 1–10 products.
    pub items: Vec<Item>,
}

/// Places a new-purchase order for `o.customer_id`, pending payment, on its behalf. Who may:
/// - its partner when the association is resale (代售) (source type 2 agent, the partner's name
///   as orderer); a consulting-sales partner gets `CBC.5024`, any other partner `CBC.99000035`;
/// - an operator or the command line (as the customer would; user name "运营人员");
/// - the customer itself (as [`place_order`]); another customer `CBC.0151`.
///
/// No customer id is `CBC.0100`.
pub async fn place_order_for(db: &Db, ctx: Ctx, o: OrderFor) -> AppResult<Placed> {
    let customer_id = o.customer_id.trim().to_string();
    if customer_id.is_empty() {
        return Err(AppError::invalid_tr(
            "customer_id is required",
            "customer_id 必填。",
        ));
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { place_order_in(c, &ctx, &customer_id, o.items).await })
    })
    .await
}

/// [`place_order`] and [`place_order_for`] inside their transaction: who the actor is decides
/// the source type and the orderer's name.
async fn place_order_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    items: Vec<Item>,
) -> AppResult<Placed> {
    let (partner, assoc) = match customer_partner(&mut *c, customer_id).await? {
        Some(v) => v,
        None => {
            return Err(match &ctx.actor {
                Actor::Partner { .. } => AppError::new(Code::NotSubCustomer),
                Actor::Customer { .. } => AppError::with_tr(
                    Code::NotSubCustomer,
                    "Only customers of a partner can order here.",
                    "只有合作伙伴的客户可以在此下单。",
                ),
                _ => AppError::with_tr(
                    Code::NotFound,
                    format!("customer {customer_id}"),
                    format!("客户 {customer_id}"),
                ),
            })
        }
    };
    let domain_name = customers::lookup::known_account_name(&mut *c, customer_id).await?;
    let (source, user_name) = match &ctx.actor {
        Actor::Customer {
            customer_id: me, ..
        } if me == customer_id => (SourceType::Customer, domain_name),
        Actor::Customer { .. } => return Err(AppError::new(Code::AccessDenied)),
        Actor::Partner { partner_id, .. } => {
            if *partner_id != partner.id {
                return Err(AppError::new(Code::NotSubCustomer));
            }
            if assoc != AssociationType::Resale {
                return Err(AppError::new(Code::AssociationTypeNotAllowed));
            }
            (SourceType::Agent, partner.name.clone())
        }
        Actor::Operator { .. } | Actor::System { .. } => {
            (SourceType::Customer, "运营人员".to_string())
        }
    };
    let priced = price_items(c, items).await?;
    let lines: Vec<(PricedItem, Option<String>)> = priced.into_iter().map(|p| (p, None)).collect();
    let head = NewOrder {
        root_id: &partner.root_id,
        partner_id: &partner.id,
        customer_id,
        source,
        order_type: OrderType::New,
        user_name: &user_name,
    };
    insert_order(c, ctx, &head, &lines).await
}

/// The head of an order to insert.
pub(crate) struct NewOrder<'a> {
    pub root_id: &'a str,
    pub partner_id: &'a str,
    pub customer_id: &'a str,
    pub source: SourceType,
    pub order_type: OrderType,
    pub user_name: &'a str,
}

/// Inserts an order pending payment with its priced lines (each with the resource it renews, if
/// any), audited.
pub(crate) async fn insert_order(
    c: &mut Conn,
    ctx: &Ctx,
    head: &NewOrder<'_>,
    lines: &[(PricedItem, Option<String>)],
) -> AppResult<Placed> {
    let official = sum(lines.iter().map(|(p, _)| p.official));
    let order_id = new_order_id();
    let deadline = ctx.now_ms + rules::PAYMENT_WINDOW_MS;
    let first = &lines
        .first()
        .ok_or_else(|| {
            AppError::invalid_tr("at least one product is required", "至少需要一个产品。")
        })?
        .0;
    sql::query(
        "INSERT INTO orders (id, root_id, partner_id, customer_id, service_type_code, source_type, status, order_type, \
         official_amount, amount_after_discount, user_name, created_at, payment_deadline) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11, $12)",
    )
    .bind(&order_id)
    .bind(head.root_id)
    .bind(head.partner_id)
    .bind(head.customer_id)
    .bind(&first.product.service_type_code)
    .bind(head.source.code())
    .bind(OrderStatus::PendingPayment.code())
    .bind(head.order_type.code())
    .bind(official.cents())
    .bind(head.user_name)
    .bind(ctx.now_ms)
    .bind(deadline)
    .execute(&mut *c)
    .await?;
    for (i, (p, resource_id)) in lines.iter().enumerate() {
        sql::query(
            "INSERT INTO order_lines (id, order_id, seq, product_id, service_type_code, resource_type_code, product_spec_desc, \
             region, period_type, period_num, subscription_num, resource_size, official_amount, amount_after_discount, resource_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, $14)",
        )
        .bind(format!("{order_id}-{}", i + 1))
        .bind(&order_id)
        .bind(i as i64)
        .bind(&p.product.product_id)
        .bind(&p.product.service_type_code)
        .bind(&p.product.resource_type_code)
        .bind(&p.product.spec_desc_zh)
        .bind(&p.product.region)
        .bind(p.item.period.code())
        .bind(p.item.period_num)
        .bind(p.item.subscription_num)
        .bind(p.item.resource_size)
        .bind(p.official.cents())
        .bind(resource_id.clone())
        .execute(&mut *c)
        .await?;
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "orders.place",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &[],
            detail: serde_json::json!({"customer_id": head.customer_id, "order_type": head.order_type.code(), "amount": official.to_string(), "lines": lines.len()}),
        },
    )
    .await?;
    Ok(Placed {
        order_id,
        amount: official,
        payment_deadline: deadline,
    })
}
