//! What unsubscribes and downgrades gave back, as the acting user reads it: the refund rows of
//! a refund order (`show_refund_order_details`) and an order's page with them. The writes are in
//! [`super::refunds`]; these reads ask the orders and the catalogue for what they own.

use pc_domain::orders::OrderType;
use pc_domain::Money;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog;
use crate::services::orders::{self, Viewer};
use crate::store::{sql, Db};

/// One row of `show_refund_order_details` (`OrderRefundInfoV2`).
#[derive(Debug, Clone)]
pub struct RefundInfo {
    pub id: String,
    pub amount: Money,
    pub customer_id: String,
    pub resource_type_code: String,
    pub service_type_code: String,
    pub resource_type_name_zh: Option<String>,
    pub resource_type_name_en: Option<String>,
    pub service_type_name_zh: Option<String>,
    pub service_type_name_en: Option<String>,
    pub region: String,
    pub base_order_id: String,
}

/// Which refund order `show_refund_order_details` reads.
#[derive(Debug, Clone, Copy, Default)]
pub struct RefundLookup<'a> {
    pub order_id: &'a str,
    /// When a partner names it, it must be the order's customer.
    pub customer_id: Option<&'a str>,
    /// A master distributor reading one of its resellers' customers' orders.
    pub indirect_partner_id: Option<&'a str>,
}

/// `show_refund_order_details`: where the money of an unsubscribe order the acting user may read
/// came from.
pub async fn refund_details(db: &Db, ctx: &Ctx, q: RefundLookup<'_>) -> AppResult<Vec<RefundInfo>> {
    let pool = db.read();
    let customer_id = q.customer_id;
    let order_id = q.order_id.trim();
    if order_id.is_empty() {
        return Err(AppError::invalid_tr(
            "order_id is required",
            "order_id 必填。",
        ));
    }
    let viewer = Viewer::of(ctx, q.indirect_partner_id);
    let (partner, customer) = orders::scope(pool, viewer).await?;
    let order = orders::load_order(pool, &order_id.to_uppercase())
        .await?
        .filter(|o| partner.as_ref().is_none_or(|p| *p == o.partner_id))
        .filter(|o| customer.as_ref().is_none_or(|c| *c == o.customer_id))
        .filter(|o| customer_id.is_none_or(|c| c.trim() == o.customer_id))
        .ok_or_else(|| AppError::new(Code::InvalidOrder))?;
    // Unsubscribe orders, and change orders that refunded (downgrades).
    let refunded: i64 =
        sql::query_scalar("SELECT COUNT(*) FROM refund_details WHERE refund_order_id = $1")
            .bind(&order.order_id)
            .fetch_one(pool)
            .await?;
    let refund_order = order.order_type == OrderType::Unsubscribe.code()
        || (order.order_type == OrderType::Change.code() && refunded > 0);
    if !refund_order {
        return Err(AppError::new(Code::NotRefundOrder));
    }
    let rows = sql::query(
        "SELECT d.id, d.amount, d.customer_id, r.resource_type_code, r.service_type_code, \
         r.region, d.base_order_id \
         FROM refund_details d JOIN resources r ON r.id = d.resource_id \
         WHERE d.refund_order_id = $1 AND d.amount <> 0 ORDER BY d.base_order_id, d.kind, d.id",
    )
    .bind(&order.order_id)
    .fetch_all(pool)
    .await?;
    let codes: Vec<(String, String)> = rows.iter().map(|r| (r.get(3), r.get(4))).collect();
    let resource_codes: Vec<&str> = codes.iter().map(|(t, _)| t.as_str()).collect();
    let service_codes: Vec<&str> = codes.iter().map(|(_, s)| s.as_str()).collect();
    let (service_names, resource_names) =
        catalog::type_names(pool, &service_codes, &resource_codes).await?;
    Ok(rows
        .iter()
        .zip(codes)
        .map(|(r, (resource_type_code, service_type_code))| {
            let (resource_type_name_zh, resource_type_name_en) = resource_names
                .get(&resource_type_code)
                .cloned()
                .unwrap_or_default();
            let (service_type_name_zh, service_type_name_en) = service_names
                .get(&service_type_code)
                .cloned()
                .unwrap_or_default();
            RefundInfo {
                id: r.get(0),
                amount: Money::from_cents(r.get(1)),
                customer_id: r.get(2),
                resource_type_code,
                service_type_code,
                resource_type_name_zh,
                resource_type_name_en,
                service_type_name_zh,
                service_type_name_en,
                region: r.get(5),
                base_order_id: r.get(6),
            }
        })
        .collect())
}

/// An order as the console's order page shows it: the order with its lines, where the money of a
/// refund order went, and the price adjustment it carries.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub detail: orders::OrderDetail,
    /// Unsubscribe orders and downgrades (change orders that refunded); empty for the others.
    pub refunds: Vec<RefundInfo>,
    pub adjustment: Option<orders::adjustments::Adjustment>,
}

/// An order the acting user may read ([`orders::order_detail`]), with its refunds and its
/// adjustment.
pub async fn order_page(db: &Db, ctx: &Ctx, order_id: &str) -> AppResult<OrderPage> {
    let detail = orders::order_detail(db, ctx, order_id, None).await?;
    let o = &detail.order;
    let refunds = if o.order_type == OrderType::Unsubscribe.code()
        || o.order_type == OrderType::Change.code()
    {
        let q = RefundLookup {
            order_id: &o.order_id,
            ..RefundLookup::default()
        };
        match refund_details(db, ctx, q).await {
            Ok(rows) => rows,
            Err(e) if e.code == Code::NotRefundOrder => Vec::new(),
            Err(e) => return Err(e),
        }
    } else {
        Vec::new()
    };
    let adjustment = orders::adjustments::of_order(db.read(), &o.order_id).await?;
    Ok(OrderPage {
        detail,
        refunds,
        adjustment,
    })
}
