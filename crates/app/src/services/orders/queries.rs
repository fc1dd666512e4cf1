//! Who reads which orders: listing with the filters of `list_customer_orders`, one order with
//! its lines.

use crate::store::sql::{self, ReadPool};
use pc_domain::orders::{self as rules, OrderStatus, OrderType};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::{funds, partners};
use crate::store::filters::{page_and_total, Arg, Conditions, Total};
use crate::store::Db;

use super::{load_lines, load_order, row_to_order, Order, OrderLine, ORDER_COLUMNS, ORDER_FROM};

/// Who is reading orders.
#[derive(Debug, Clone, Copy)]
pub enum Viewer<'a> {
    Customer(&'a str),
    /// A partner; with a reseller id, a master distributor reading that reseller's customers' orders.
    Partner {
        partner_id: &'a str,
        indirect_partner_id: Option<&'a str>,
    },
    Operator,
}

impl<'a> Viewer<'a> {
    /// Who reads, from the acting user: a customer its own, a partner its own (or, naming one
    /// of its resellers, that reseller's), an operator or the command line every order.
    pub fn of(ctx: &'a Ctx, indirect_partner_id: Option<&'a str>) -> Viewer<'a> {
        match &ctx.actor {
            Actor::Customer { customer_id, .. } => Viewer::Customer(customer_id),
            Actor::Partner { partner_id, .. } => Viewer::Partner {
                partner_id,
                indirect_partner_id: indirect_partner_id.filter(|s| !s.trim().is_empty()),
            },
            Actor::Operator { .. } | Actor::System { .. } => Viewer::Operator,
        }
    }
}

/// The SQL scope of a viewer: (partner, customer); `None` = no restriction.
pub(crate) async fn scope(
    pool: &ReadPool,
    v: Viewer<'_>,
) -> AppResult<(Option<String>, Option<String>)> {
    Ok(match v {
        Viewer::Customer(id) => (None, Some(id.to_string())),
        Viewer::Operator => (None, None),
        Viewer::Partner {
            partner_id,
            indirect_partner_id,
        } => {
            let mut conn = pool.acquire().await?;
            let p = funds::acting_partner(&mut conn, partner_id, indirect_partner_id).await?;
            (Some(p.id), None)
        }
    })
}

/// The filters of `list_customer_orders` (the vendor's API reference), parsed.
#[derive(Debug, Clone, Default)]
pub struct OrderQuery {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub create_from: Option<i64>,
    pub create_to: Option<i64>,
    pub pay_from: Option<i64>,
    pub pay_to: Option<i64>,
    pub service_type_code: Option<String>,
    pub status: Option<i64>,
    pub order_type: Option<i64>,
    pub newest_first: bool,
    /// `method=sub_customer`: orders an enterprise paid for its sub-accounts (none here).
    pub sub_customer: bool,
    pub offset: i64,
    pub limit: i64,
    /// A master distributor reading one of its resellers' customers' orders.
    pub indirect_partner_id: Option<String>,
}

/// Largest page of orders.
pub const MAX_ORDERS_PAGE: i64 = 100;

/// The raw wire values of an order query.
#[derive(Debug, Clone, Default)]
pub struct RawOrderQuery {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub create_time_begin: Option<String>,
    pub create_time_end: Option<String>,
    pub service_type_code: Option<String>,
    pub status: Option<String>,
    pub order_type: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub order_by: Option<String>,
    pub payment_time_begin: Option<String>,
    pub payment_time_end: Option<String>,
    pub method: Option<String>,
}

impl OrderQuery {
    /// Parses the raw values; every error names its field. Empty values are "no filter"; the
    /// default order is newest first (decision: the vendor's default is not documented).
    pub fn parse(raw: RawOrderQuery) -> AppResult<OrderQuery> {
        let nz = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let int = |field: &str, s: Option<String>| -> AppResult<Option<i64>> {
            match nz(s) {
                None => Ok(None),
                Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                    AppError::invalid_tr(
                        format!("{field} must be an integer"),
                        format!("{field} 须为整数。"),
                    )
                }),
            }
        };
        let time = |field: &str, s: Option<String>| crate::store::filters::utc_time(field, nz(s));
        let span = |a: Option<i64>, b: Option<i64>, what: &str| -> AppResult<()> {
            if let (Some(a), Some(b)) = (a, b) {
                if a > b {
                    return Err(AppError::invalid_tr(
                        format!("{what}_begin must not be after {what}_end"),
                        format!("{what}_begin 不能晚于 {what}_end。"),
                    ));
                }
                if b > rules::add_months(a, 12) {
                    return Err(AppError::invalid_tr(
                        format!("{what}_begin and {what}_end may be at most one year apart"),
                        format!("{what}_begin 与 {what}_end 间隔不能超过一年。"),
                    ));
                }
            }
            Ok(())
        };
        let create_from = time("create_time_begin", raw.create_time_begin)?;
        let create_to = time("create_time_end", raw.create_time_end)?;
        span(create_from, create_to, "create_time")?;
        let pay_from = time("payment_time_begin", raw.payment_time_begin)?;
        let pay_to = time("payment_time_end", raw.payment_time_end)?;
        span(pay_from, pay_to, "payment_time")?;
        let status = int("status", raw.status)?;
        if status.is_some_and(|s| OrderStatus::from_code(s).is_none()) {
            return Err(AppError::invalid_tr(
                "status must be 1, 3, 4, 5, 6 or 9",
                "status 须为 1、3、4、5、6 或 9。",
            ));
        }
        let order_type = int("order_type", raw.order_type)?;
        if order_type.is_some_and(|t| OrderType::from_code(t).is_none()) {
            return Err(AppError::invalid_tr(
                "order_type must be 1, 2, 3, 4, 10, 11, 13, 14 or 15",
                "order_type 须为 1、2、3、4、10、11、13、14 或 15。",
            ));
        }
        let newest_first = match nz(raw.order_by).map(|s| s.to_lowercase()).as_deref() {
            None | Some("-createtime") => true,
            Some("createtime") => false,
            Some(_) => {
                return Err(AppError::invalid_tr(
                    "order_by must be createTime or -createTime",
                    "order_by 须为 createTime 或 -createTime。",
                ))
            }
        };
        let sub_customer = match nz(raw.method).as_deref() {
            None | Some("oneself") => false,
            Some("sub_customer") => true,
            Some(_) => {
                return Err(AppError::invalid_tr(
                    "method must be oneself or sub_customer",
                    "method 须为 oneself 或 sub_customer。",
                ))
            }
        };
        let (offset, limit) = crate::store::filters::page(
            int("offset", raw.offset)?,
            int("limit", raw.limit)?,
            MAX_ORDERS_PAGE,
        )?;
        Ok(OrderQuery {
            order_id: nz(raw.order_id).map(|s| s.to_uppercase()),
            customer_id: nz(raw.customer_id),
            create_from,
            create_to,
            pay_from,
            pay_to,
            service_type_code: nz(raw.service_type_code).map(|s| s.to_lowercase()),
            status,
            order_type,
            newest_first,
            sub_customer,
            offset,
            limit,
            indirect_partner_id: None,
        })
    }
}

/// `list_customer_orders`: the acting user's orders matching the filters (see [`Viewer::of`]),
/// with the total count.
pub async fn list_orders(db: &Db, ctx: &Ctx, q: &OrderQuery) -> AppResult<(i64, Vec<Order>)> {
    let viewer = Viewer::of(ctx, q.indirect_partner_id.as_deref());
    let (partner, customer) = scope(db.read(), viewer).await?;
    list_in(db.read(), partner, customer, None, q).await
}

/// The acting master distributor's view of its resellers' customers' orders (the partner
/// console's "云经销商的客户订单" tab, R11.13): one reseller's, or with `reseller_id` empty every
/// reseller's beneath it (the orders of its tenant placed with a partner other than itself).
/// Another partner's reseller, or a caller that is not a master distributor, is `CBC.99000037`.
pub async fn list_reseller_orders(
    db: &Db,
    ctx: &Ctx,
    reseller_id: Option<&str>,
    q: &OrderQuery,
) -> AppResult<(i64, Vec<Order>)> {
    let distributor_id = funds::partner_caller(ctx)?;
    let pool = db.read();
    let mut conn = pool.acquire().await?;
    let me = partners::get(&mut *conn, distributor_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if me.partner_type != pc_domain::party::PartnerType::Distributor {
        return Err(AppError::new(Code::NoResellerPermission));
    }
    drop(conn);
    match reseller_id.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => {
            let v = Viewer::Partner {
                partner_id: distributor_id,
                indirect_partner_id: Some(r),
            };
            let (partner, customer) = scope(pool, v).await?;
            list_in(pool, partner, customer, None, q).await
        }
        None => list_in(pool, None, None, Some(me.root_id), q).await,
    }
}

/// The orders matching `q` within a scope: one partner's, one customer's, the resellers' of a
/// tenant root (its orders not placed with the root itself); `None` = no restriction.
async fn list_in(
    pool: &ReadPool,
    partner: Option<String>,
    customer: Option<String>,
    resellers_of: Option<String>,
    q: &OrderQuery,
) -> AppResult<(i64, Vec<Order>)> {
    if q.sub_customer {
        return Ok((0, Vec::new()));
    }
    let mut w = Conditions::new(1);
    if let Some(v) = &partner {
        w.add("o.partner_id = ?", Arg::Text(v.clone()));
    }
    // The conditions of the partner's scope alone; any other condition is a filter.
    let scope_only = w.sql.clone();
    if let Some(v) = &customer {
        w.add("o.customer_id = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = &q.order_id {
        w.add("o.id = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = &q.customer_id {
        w.add("o.customer_id = ?", Arg::Text(v.clone()));
    }
    for (cond, v) in [
        ("o.created_at >= ?", q.create_from),
        ("o.created_at <= ?", q.create_to),
        ("o.paid_at >= ?", q.pay_from),
        ("o.paid_at <= ?", q.pay_to),
    ] {
        if let Some(v) = v {
            w.add(cond, Arg::Int(v));
        }
    }
    if let Some(v) = &q.service_type_code {
        w.add("LOWER(o.service_type_code) = ?", Arg::Text(v.clone()));
    }
    if let Some(v) = q.status {
        w.add("o.status = ?", Arg::Int(v));
    }
    if let Some(v) = q.order_type {
        w.add("o.order_type = ?", Arg::Int(v));
    }
    if let Some(v) = resellers_of.clone() {
        // A distributor's resellers' customers: its tree, not its own.
        let n = w.next();
        w.add(
            &format!("o.root_id = ? AND o.partner_id <> ${n}"),
            Arg::Text(v),
        );
    }
    let filters = w.where_clause();
    // A partner's whole list (the default view) takes its total from the count the triggers of
    // migration 0021 keep: one point read, whatever the number of orders. Any filter counts the
    // rows it selects.
    let unfiltered = w.sql == scope_only;
    let dir = if q.newest_first { "DESC" } else { "ASC" };
    let total = match (&partner, unfiltered) {
        // The scope's first argument is the partner (`scope_only` above).
        (Some(_), true) => {
            Total::Select("SELECT orders FROM partner_order_counts WHERE partner_id = $1")
        }
        _ => Total::Count,
    };
    let (total, rows) = page_and_total(
        pool,
        ORDER_COLUMNS,
        &format!("{ORDER_FROM} {filters}"),
        &w.args,
        total,
        &format!("o.created_at {dir}, o.id {dir}"),
        q.offset,
        q.limit,
    )
    .await?;
    Ok((total, rows.iter().map(row_to_order).collect()))
}

/// An order with its lines.
#[derive(Debug, Clone)]
pub struct OrderDetail {
    pub order: Order,
    pub lines: Vec<OrderLine>,
}

/// `show_customer_order_details`: an order the acting user may read (see [`Viewer::of`]), with
/// its lines; anything else is `CBC.30000010`.
pub async fn order_detail(
    db: &Db,
    ctx: &Ctx,
    order_id: &str,
    indirect_partner_id: Option<&str>,
) -> AppResult<OrderDetail> {
    let pool = db.read();
    let (partner, customer) = scope(pool, Viewer::of(ctx, indirect_partner_id)).await?;
    let order = load_order(pool, order_id)
        .await?
        .filter(|o| partner.as_ref().is_none_or(|p| *p == o.partner_id))
        .filter(|o| customer.as_ref().is_none_or(|c| *c == o.customer_id))
        .ok_or_else(|| AppError::new(Code::InvalidOrder))?;
    let lines = load_lines(pool, &order.order_id).await?;
    Ok(OrderDetail { order, lines })
}

/// For `verify`: every partner's kept order count (migration 0021) equals its orders. A partner
/// with neither a kept count nor an order has nothing to compare.
pub async fn verify_counts(pool: &ReadPool) -> AppResult<Vec<String>> {
    let kept: Vec<(String, i64)> =
        sql::query_as("SELECT partner_id, orders FROM partner_order_counts")
            .fetch_all(pool)
            .await?;
    let real: Vec<(String, i64)> = sql::query_as(
        "SELECT partner_id, CAST(COUNT(*) AS BIGINT) FROM orders GROUP BY partner_id",
    )
    .fetch_all(pool)
    .await?;
    let mut counts: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
    for (id, n) in kept {
        counts.entry(id).or_default().0 = n;
    }
    for (id, n) in real {
        counts.entry(id).or_default().1 = n;
    }
    Ok(counts
        .into_iter()
        .filter(|(_, (kept, real))| kept != real)
        .map(|(id, (kept, real))| format!("partner {id}: order count {kept} but {real} orders"))
        .collect())
}

/// Is `order_id` one of the customer's orders (any status)?
pub async fn customer_has_order<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    customer_id: &str,
    order_id: &str,
) -> AppResult<bool> {
    let found: Option<i64> =
        sql::query_scalar("SELECT 1 FROM orders WHERE id = $1 AND customer_id = $2")
            .bind(order_id)
            .bind(customer_id)
            .fetch_optional(exec)
            .await?;
    Ok(found.is_some())
}

/// A customer's own pending-payment order (for the customer-only operations).
pub(super) async fn own_order<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    customer_id: &str,
    order_id: &str,
) -> AppResult<Order> {
    load_order(exec, order_id)
        .await?
        .filter(|o| o.customer_id == customer_id)
        .ok_or_else(|| AppError::new(Code::InvalidOrder))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_query_rules() {
        let q = OrderQuery::parse(RawOrderQuery::default()).unwrap();
        assert_eq!((q.offset, q.limit, q.newest_first), (0, 10, true));
        let bad = |raw: RawOrderQuery| OrderQuery::parse(raw).unwrap_err();
        assert!(bad(RawOrderQuery {
            status: Some("7".into()),
            ..Default::default()
        })
        .detail
        .unwrap()
        .contains("status"));
        assert!(bad(RawOrderQuery {
            order_type: Some("x".into()),
            ..Default::default()
        })
        .detail
        .unwrap()
        .contains("order_type"));
        assert!(bad(RawOrderQuery {
            create_time_begin: Some("2025-01-01T00:00:00Z".into()),
            create_time_end: Some("2026-01-02T00:00:00Z".into()),
            ..Default::default()
        })
        .detail
        .unwrap()
        .contains("one year"));
        let ok = OrderQuery::parse(RawOrderQuery {
            order_type: Some("1".into()),
            order_by: Some("CREATETIME".into()),
            order_id: Some("cs12ab".into()),
            status: Some("".into()),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(ok.order_type, Some(1));
        assert!(!ok.newest_first);
        assert_eq!(ok.order_id.as_deref(), Some("CS12AB"));
        assert_eq!(ok.status, None);
    }
}
