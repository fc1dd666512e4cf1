//! Yearly/monthly resources of partners' customers (the vendor's API reference): listing, renewal
//! (a type-2 order, paid at once from the balance when asked), auto-renewal on and off, and the
//! `subscription-renewal` job that renews or expires resources at their expiry.
//!
//! **Decisions (the vendor's help pages leave these open).**
//! - Who: a customer lists and acts on its own resources; a partner lists the resources of one of
//!   its customers (`customer_id` required, as the vendor says) through the partner that sold them.
//!   A resource id that is not the caller's answers `CBC.99003012` (no such resource), the same as
//!   one that does not exist.
//! - A renewal request makes one order per selling partner (in practice one order), one line per
//!   resource, priced at today's list price of the resource's product for the period asked. A
//!   resource already in a pending-payment order is refused (`CBC.99003100`); a frozen one
//!   `CBC.99003656`. With `is_auto_pay = 1` the order is paid from the balance in the same
//!   transaction; if the balance is short the order is left pending payment (the response still
//!   names it) and nothing was spent.
//! - Paying a renewal extends the resource from its current expiry, or from the payment if it had
//!   already expired, and puts it back in use (`orders::provision`).
//! - Auto-renewal: `expire_policy` 3 with a period type (`MONTH`/`YEAR`, default that of the line
//!   that bought it) and `auto_renew_times` = renewals left (NULL or 0 requested = unlimited).
//!   Cancelling puts `expire_policy` back to 0 (grace period).
//! - The job renews at expiry (not 7 days before, as the vendor does): an auto-renew resource gets
//!   a one-period renewal order paid from the balance; if the balance is short the order stays
//!   pending, the resource expires (5) until it is paid, and the customer gets a notice in the
//!   outbox. Every other resource past its expiry becomes expired (5). Resources already expired
//!   are not retried (the pending order is the customer's to pay).

use crate::store::filters::{count_and_page, Arg, Conditions};
use crate::store::sql::{self, Conn};
use pc_domain::orders::{
    self as rules, OrderType, PeriodType, ResourceStatus, SourceType, EXPIRE_POLICY_AUTO_RENEW,
    EXPIRE_POLICY_GRACE,
};
use pc_domain::timefmt;
use serde::{Deserialize, Serialize};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::orders::{self, Item, NewOrder, Viewer};
use crate::services::{customers, funds};
use crate::store::{audit, outbox, Db};

/// Most resource ids one renewal / query may name.
pub const MAX_RENEW_IDS: usize = 10;
pub const MAX_QUERY_IDS: usize = 50;
/// Most auto-renewals one setting may allow.
pub const MAX_AUTO_RENEW_TIMES: i64 = 99;

/// A resource as listed (`OrderInstanceV2`).
#[derive(Debug, Clone, serde::Serialize)]
pub struct Resource {
    pub id: String,
    pub root_id: String,
    pub partner_id: String,
    pub customer_id: String,
    pub order_id: String,
    pub product_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: Option<String>,
    pub service_type_name_en: Option<String>,
    pub resource_type_code: String,
    pub resource_type_name_zh: Option<String>,
    pub resource_type_name_en: Option<String>,
    pub resource_spec: String,
    pub region: String,
    pub name: String,
    pub is_main: i64,
    pub parent_id: Option<String>,
    pub status: i64,
    pub effective_at: i64,
    pub expire_at: i64,
    pub expire_policy: i64,
    pub auto_renew_times: Option<i64>,
    pub auto_renew_period: Option<String>,
    pub updated_at: i64,
    pub spec_desc_zh: Option<String>,
    pub spec_desc_en: Option<String>,
    pub size: Option<i64>,
    pub size_measure_id: Option<i64>,
    /// The period type of the line that bought it.
    pub period_type: i64,
}

const RESOURCE_COLUMNS: &str = "SELECT r.id, r.root_id, r.partner_id, r.customer_id, r.order_id, r.product_id, r.service_type_code, \
    s.name_zh, s.name_en, r.resource_type_code, t.name_zh, t.name_en, r.resource_spec, r.region, r.name, r.is_main, r.parent_id, \
    r.status, r.effective_at, r.expire_at, r.expire_policy, r.auto_renew_times, r.auto_renew_period, r.updated_at, \
    p.spec_desc_zh, p.spec_desc_en, l.resource_size, p.size_measure_id, l.period_type";
const RESOURCE_FROM: &str = "FROM resources r LEFT JOIN catalog_service_types s ON s.code = r.service_type_code \
    LEFT JOIN catalog_resource_types t ON t.code = r.resource_type_code \
    LEFT JOIN catalog_products p ON p.id = r.product_id JOIN order_lines l ON l.id = r.order_line_id";

fn row_to_resource(r: &sql::Row) -> Resource {
    Resource {
        id: r.get(0),
        root_id: r.get(1),
        partner_id: r.get(2),
        customer_id: r.get(3),
        order_id: r.get(4),
        product_id: r.get(5),
        service_type_code: r.get(6),
        service_type_name_zh: r.get(7),
        service_type_name_en: r.get(8),
        resource_type_code: r.get(9),
        resource_type_name_zh: r.get(10),
        resource_type_name_en: r.get(11),
        resource_spec: r.get(12),
        region: r.get(13),
        name: r.get(14),
        is_main: r.get(15),
        parent_id: r.get(16),
        status: r.get(17),
        effective_at: r.get(18),
        expire_at: r.get(19),
        expire_policy: r.get(20),
        auto_renew_times: r.get(21),
        auto_renew_period: r.get(22),
        updated_at: r.get(23),
        spec_desc_zh: r.get(24),
        spec_desc_en: r.get(25),
        size: r.get(26),
        size_measure_id: r.get(27),
        period_type: r.get(28),
    }
}

/// One resource of `customer_id`, or `CBC.99003012`.
pub async fn own_resource(c: &mut Conn, customer_id: &str, id: &str) -> AppResult<Resource> {
    let row = sql::query(&format!(
        "{RESOURCE_COLUMNS} {RESOURCE_FROM} WHERE r.id = $1 AND r.customer_id = $2"
    ))
    .bind(id.trim())
    .bind(customer_id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref()
        .map(row_to_resource)
        .ok_or_else(|| AppError::with(Code::ResourceNotFound, id.trim().to_string()))
}

/// The filters of `list_pay_per_use_customer_resources`, parsed.
#[derive(Debug, Clone, Default)]
pub struct ResourceQuery {
    pub resource_ids: Vec<String>,
    pub order_id: Option<String>,
    pub only_main: bool,
    pub statuses: Vec<i64>,
    pub expire_from: Option<i64>,
    pub expire_to: Option<i64>,
    pub service_type_code: Option<String>,
    pub customer_id: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

impl ResourceQuery {
    /// Checks the wire values; every error names its field.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        resource_ids: Option<Vec<String>>,
        order_id: Option<String>,
        only_main_resource: Option<i64>,
        status_list: Option<Vec<i64>>,
        offset: Option<i64>,
        limit: Option<i64>,
        expire_time_begin: Option<String>,
        expire_time_end: Option<String>,
        service_type_code: Option<String>,
        customer_id: Option<String>,
    ) -> AppResult<ResourceQuery> {
        let nz = |s: Option<String>| s.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let ids = resource_ids.unwrap_or_default();
        if ids.len() > MAX_QUERY_IDS {
            return Err(AppError::invalid(format!(
                "resource_ids has at most {MAX_QUERY_IDS} items"
            )));
        }
        let only_main = match only_main_resource.unwrap_or(0) {
            0 => false,
            1 => true,
            _ => return Err(AppError::invalid("only_main_resource must be 0 or 1")),
        };
        let statuses = status_list.unwrap_or_default();
        if statuses
            .iter()
            .any(|s| ResourceStatus::from_code(*s).is_none())
        {
            return Err(AppError::invalid("status_list items must be 2, 3, 4 or 5"));
        }
        let time = |field: &str, v: Option<String>| -> AppResult<Option<i64>> {
            match nz(v) {
                None => Ok(None),
                Some(t) => timefmt::parse_utc(&t).map(Some).ok_or_else(|| {
                    AppError::invalid(format!(
                        "{field} must be a UTC time like 2019-05-06T08:05:01Z"
                    ))
                }),
            }
        };
        if service_type_code
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return Err(AppError::invalid("service_type_code must not be empty"));
        }
        let (offset, limit) = crate::store::filters::page(offset, limit, orders::MAX_ORDERS_PAGE)?;
        if customer_id.as_deref().is_some_and(|c| c.len() > 64) {
            return Err(AppError::invalid("customer_id is at most 64 characters"));
        }
        Ok(ResourceQuery {
            resource_ids: ids.into_iter().map(|s| s.trim().to_string()).collect(),
            order_id: nz(order_id).map(|s| s.to_uppercase()),
            only_main,
            statuses,
            expire_from: time("expire_time_begin", expire_time_begin)?,
            expire_to: time("expire_time_end", expire_time_end)?,
            service_type_code: nz(service_type_code),
            customer_id: nz(customer_id),
            offset,
            limit,
        })
    }
}

/// `list_pay_per_use_customer_resources`: the acting customer's own resources, or a partner's
/// customer's (the partner must name the customer; a master distributor may name one of its
/// resellers with `indirect_partner_id`), filtered and paged, with the total.
pub async fn list(
    db: &Db,
    ctx: &Ctx,
    indirect_partner_id: Option<&str>,
    q: &ResourceQuery,
) -> AppResult<(i64, Vec<Resource>)> {
    let pool = db.read();
    let (partner, customer) = match Viewer::of(ctx, indirect_partner_id) {
        Viewer::Customer(id) => (None, id.to_string()),
        Viewer::Partner {
            partner_id,
            indirect_partner_id,
        } => {
            let cid = q
                .customer_id
                .clone()
                .ok_or_else(|| AppError::invalid("customer_id is required for a partner"))?;
            let mut conn = pool.acquire().await?;
            let p = funds::acting_partner(&mut conn, partner_id, indirect_partner_id).await?;
            (Some(p.id), cid)
        }
        Viewer::Operator => (
            None,
            q.customer_id
                .clone()
                .ok_or_else(|| AppError::invalid("customer_id is required"))?,
        ),
    };
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer.clone()));
    if let Some(p) = &partner {
        w.add("r.partner_id = ?", Arg::Text(p.clone()));
    }
    w.add_in("r.id", q.resource_ids.iter().cloned().map(Arg::Text));
    if let Some(o) = &q.order_id {
        w.add("r.order_id = ?", Arg::Text(o.clone()));
    }
    if q.only_main {
        w.require("r.is_main = 1");
    }
    w.add_in("r.status", q.statuses.iter().copied().map(Arg::Int));
    if let Some(v) = q.expire_from {
        w.add("r.expire_at >= ?", Arg::Int(v));
    }
    if let Some(v) = q.expire_to {
        w.add("r.expire_at <= ?", Arg::Int(v));
    }
    if let Some(v) = &q.service_type_code {
        w.add("r.service_type_code = ?", Arg::Text(v.clone()));
    }
    let (total, rows) = count_and_page(
        pool,
        RESOURCE_COLUMNS,
        RESOURCE_FROM,
        &w,
        "r.expire_at, r.id",
        q.offset,
        q.limit,
    )
    .await?;
    Ok((total, rows.iter().map(row_to_resource).collect()))
}

/// The customer acting, for use cases only a customer runs on its own resources (renewal,
/// auto-renewal, spec change, unsubscribe); anyone else gets `CBC.0155`, as the vendor answers a
/// partner's key on a customer-only operation.
pub(crate) fn acting_customer(ctx: &Ctx) -> AppResult<String> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => Ok(customer_id.clone()),
        _ => Err(AppError::with(
            Code::NotAllowed,
            "This operation is for customers.",
        )),
    }
}

/// What a renewal made: the order ids, and whether each was paid.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Renewed {
    pub order_ids: Vec<String>,
    pub paid: Vec<bool>,
}

/// Places (and with `auto_pay` tries to pay) one renewal order of `resources` for `period × num`.
async fn renew_resources(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resources: &[Resource],
    period: PeriodType,
    num: i64,
    auto_pay: bool,
) -> AppResult<(String, bool)> {
    let mut lines = Vec::with_capacity(resources.len());
    let items: Vec<Item> = resources
        .iter()
        .map(|r| Item {
            product_id: r.product_id.clone(),
            period,
            period_num: num,
            subscription_num: 1,
            resource_size: r.size,
        })
        .collect();
    let priced = orders::price_items(c, items).await?;
    for (p, r) in priced.into_iter().zip(resources) {
        lines.push((p, Some(r.id.clone())));
    }
    let first = &resources[0];
    let (source, user_name) = match &ctx.actor {
        Actor::System { .. } => (SourceType::SystemCreated, "运营系统".to_string()),
        _ => {
            let n = customers::lookup::known_account_name(&mut *c, customer_id).await?;
            (SourceType::Customer, n)
        }
    };
    let placed = orders::insert_order(
        c,
        ctx,
        &NewOrder {
            root_id: &first.root_id,
            partner_id: &first.partner_id,
            customer_id,
            source,
            order_type: OrderType::Renew,
            user_name: &user_name,
        },
        &lines,
    )
    .await?;
    if !auto_pay {
        return Ok((placed.order_id, false));
    }
    sql::query("SAVEPOINT renew_pay").execute(&mut *c).await?;
    let req = orders::PayRequest::parse(placed.order_id.clone(), "NO", "NO", None, None)?;
    let paid = match super::checkout::pay_in(c, ctx, customer_id, &req).await {
        Ok(_) => true,
        Err(e) if e.code == Code::InsufficientBalance => {
            sql::query("ROLLBACK TO SAVEPOINT renew_pay")
                .execute(&mut *c)
                .await?;
            false
        }
        Err(e) => return Err(e),
    };
    sql::query("RELEASE SAVEPOINT renew_pay")
        .execute(&mut *c)
        .await?;
    Ok((placed.order_id, paid))
}

/// Locks a resource row for this transaction (a no-op write) and refuses it when it is already
/// in a pending-payment order: on PostgreSQL a concurrent renewal of the same resource waits here
/// and then sees the first one's order.
pub(crate) async fn claim_for_order(c: &mut Conn, ctx: &Ctx, r: &Resource) -> AppResult<()> {
    sql::query("UPDATE resources SET updated_at = $1 WHERE id = $2")
        .bind(ctx.now_ms)
        .bind(&r.id)
        .execute(&mut *c)
        .await?;
    let pending = orders::for_subscriptions::pending_on_resource(c, &r.id).await?;
    if pending > 0 {
        return Err(AppError::with(Code::ResourceInPendingOrder, r.id.clone()));
    }
    if r.status == ResourceStatus::Frozen.code() {
        return Err(AppError::with(Code::ResourceFrozen, r.id.clone()));
    }
    if r.status == ResourceStatus::Closed.code() {
        return Err(AppError::with(Code::ResourceNotFound, r.id.clone()));
    }
    Ok(())
}

/// Checks a list of 1–`max` distinct resource ids.
pub fn check_ids(ids: &[String], max: usize) -> AppResult<()> {
    if ids.is_empty() || ids.len() > max {
        return Err(AppError::invalid(format!(
            "resource_ids must have 1 to {max} items"
        )));
    }
    for (i, id) in ids.iter().enumerate() {
        if id.trim().is_empty() || ids[..i].contains(id) {
            return Err(AppError::invalid(
                "resource_ids must be distinct and non-empty",
            ));
        }
    }
    Ok(())
}

/// A renewal the customer asks for: its resources (1–[`MAX_RENEW_IDS`], main ones), `num`
/// months or years, and whether to pay it from the balance at once.
#[derive(Debug, Clone)]
pub struct Renewal {
    pub resource_ids: Vec<String>,
    pub period: PeriodType,
    pub num: i64,
    pub auto_pay: bool,
}

impl Renewal {
    /// `RenewalResourcesReq` as the vendor sends it: `period_type` 2 (month) or 3 (year),
    /// `period_num` required, `is_auto_pay` 0 or 1 (default 0). Every error names its field.
    pub fn parse(
        resource_ids: Option<Vec<String>>,
        period_type: Option<i64>,
        period_num: Option<i64>,
        is_auto_pay: Option<i64>,
    ) -> AppResult<Renewal> {
        let resource_ids = resource_ids.unwrap_or_default();
        check_ids(&resource_ids, MAX_RENEW_IDS)?;
        let period = match period_type {
            Some(2) => PeriodType::Month,
            Some(3) => PeriodType::Year,
            _ => {
                return Err(AppError::invalid(
                    "period_type must be 2 (month) or 3 (year)",
                ))
            }
        };
        let num = period_num.ok_or_else(|| AppError::invalid("period_num is required"))?;
        let auto_pay = match is_auto_pay.unwrap_or(0) {
            0 => false,
            1 => true,
            _ => return Err(AppError::invalid("is_auto_pay must be 0 or 1")),
        };
        Ok(Renewal {
            resource_ids,
            period,
            num,
            auto_pay,
        })
    }
}

/// `renewal_resources`: the acting customer renews its resources for `num` months or years.
/// Returns the order ids (pending payment, or paid when `auto_pay` and the balance sufficed).
pub async fn renew(db: &Db, ctx: Ctx, renewal: Renewal) -> AppResult<Renewed> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { renew_in(c, &ctx, &customer_id, &renewal).await })
    })
    .await
}

/// [`renew`] inside an open transaction.
async fn renew_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    renewal: &Renewal,
) -> AppResult<Renewed> {
    let (resource_ids, period, num) = (&renewal.resource_ids, renewal.period, renewal.num);
    check_ids(resource_ids, MAX_RENEW_IDS)?;
    rules::check_period(period, num).map_err(AppError::invalid)?;
    let mut all = Vec::new();
    for id in resource_ids {
        let r = own_resource(c, customer_id, id).await?;
        if r.is_main == 0 {
            return Err(AppError::invalid(format!("{id} is not a main resource")));
        }
        claim_for_order(c, ctx, &r).await?;
        all.push(r);
    }
    let mut out = Renewed::default();
    let mut partners: Vec<String> = all.iter().map(|r| r.partner_id.clone()).collect();
    partners.dedup();
    for p in partners {
        let group: Vec<Resource> = all.iter().filter(|r| r.partner_id == p).cloned().collect();
        let (id, paid) =
            renew_resources(c, ctx, customer_id, &group, period, num, renewal.auto_pay).await?;
        out.order_ids.push(id);
        out.paid.push(paid);
    }
    Ok(out)
}

/// The period type auto-renewal uses: `MONTH` or `YEAR` (case-insensitive).
pub fn parse_auto_period(s: &str) -> AppResult<&'static str> {
    match s.trim().to_uppercase().as_str() {
        "MONTH" => Ok("MONTH"),
        "YEAR" => Ok("YEAR"),
        _ => Err(AppError::invalid("period_type must be MONTH or YEAR")),
    }
}

/// Auto-renewal asked for one resource: `times` 0–[`MAX_AUTO_RENEW_TIMES`] (0 or absent =
/// unlimited on first setting; absent keeps the count of a resource already renewing
/// automatically); `period` `MONTH`/`YEAR` (case-insensitive), default the period type of the
/// line that bought it.
#[derive(Debug, Clone, Default)]
pub struct AutoRenew {
    pub resource_id: String,
    pub times: Option<i64>,
    pub period: Option<String>,
}

/// `auto_renewal_resources`: the acting customer turns auto-renewal on (or resets its count) for
/// one of its resources in use.
pub async fn set_auto_renew(db: &Db, ctx: Ctx, a: AutoRenew) -> AppResult<()> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            set_auto_renew_in(
                c,
                &ctx,
                &customer_id,
                &a.resource_id,
                a.times,
                a.period.as_deref(),
            )
            .await
        })
    })
    .await
}

/// [`set_auto_renew`] inside an open transaction.
async fn set_auto_renew_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resource_id: &str,
    times: Option<i64>,
    period: Option<&str>,
) -> AppResult<()> {
    if times.is_some_and(|t| !(0..=MAX_AUTO_RENEW_TIMES).contains(&t)) {
        return Err(AppError::invalid(format!(
            "auto_renew_times must be between 0 and {MAX_AUTO_RENEW_TIMES}"
        )));
    }
    let period = period.map(parse_auto_period).transpose()?;
    let r = own_resource(c, customer_id, resource_id).await?;
    if r.status != ResourceStatus::InUse.code() {
        return Err(match r.status {
            s if s == ResourceStatus::Frozen.code() => {
                AppError::with(Code::ResourceFrozen, r.id.clone())
            }
            _ => AppError::invalid("only a resource in use can be renewed automatically"),
        });
    }
    let default_period = if r.period_type == PeriodType::Year.code() {
        "YEAR"
    } else {
        "MONTH"
    };
    let period = period
        .or(r
            .auto_renew_period
            .as_deref()
            .and_then(|p| parse_auto_period(p).ok()))
        .unwrap_or(default_period);
    let times = match times {
        Some(0) => None,
        Some(t) => Some(t),
        None if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW => r.auto_renew_times,
        None => None,
    };
    set_policy(c, ctx, &r.id, EXPIRE_POLICY_AUTO_RENEW, times, Some(period)).await
}

/// Stores a resource's expiry policy (with its auto-renewal settings), audited.
async fn set_policy(
    c: &mut Conn,
    ctx: &Ctx,
    resource_id: &str,
    policy: i64,
    times: Option<i64>,
    period: Option<&str>,
) -> AppResult<()> {
    sql::query(
        "UPDATE resources SET expire_policy = $1, auto_renew_times = $2, auto_renew_period = $3, updated_at = $4 WHERE id = $5",
    )
    .bind(policy)
    .bind(times)
    .bind(period.map(str::to_string))
    .bind(ctx.now_ms)
    .bind(resource_id)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "resources.set_expire_policy",
            target_kind: "resource",
            target_id: resource_id,
            transfer_ids: &[],
            detail: serde_json::json!({"expire_policy": policy, "times": times, "period": period}),
        },
    )
    .await
}

/// `cancel_auto_renewal_resources`: the acting customer's resource goes back to the
/// grace-period policy.
pub async fn cancel_auto_renew(db: &Db, ctx: Ctx, resource_id: String) -> AppResult<()> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { cancel_auto_renew_in(c, &ctx, &customer_id, &resource_id).await })
    })
    .await
}

/// [`cancel_auto_renew`] inside an open transaction.
async fn cancel_auto_renew_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resource_id: &str,
) -> AppResult<()> {
    let r = own_resource(c, customer_id, resource_id).await?;
    set_policy(c, ctx, &r.id, EXPIRE_POLICY_GRACE, None, None).await
}

/// What a `subscription-renewal` run did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RenewalReport {
    /// Auto-renewed and paid.
    pub renewed: Vec<String>,
    /// Auto-renewal orders left pending payment (the customer was notified).
    pub pending_orders: Vec<String>,
    /// Resources that expired.
    pub expired: Vec<String>,
}

const RENEWAL_BATCH: i64 = 200;

/// One resource at its expiry: auto-renewed, or expired.
async fn renew_or_expire(
    c: &mut Conn,
    ctx: &Ctx,
    r: &Resource,
    report: &mut RenewalReport,
) -> AppResult<()> {
    if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW && claim_for_order(c, ctx, r).await.is_ok() {
        let period = match r.auto_renew_period.as_deref() {
            Some("YEAR") => PeriodType::Year,
            _ => PeriodType::Month,
        };
        let (order_id, paid) = renew_resources(
            c,
            ctx,
            &r.customer_id,
            std::slice::from_ref(r),
            period,
            1,
            true,
        )
        .await?;
        let left = r.auto_renew_times.map(|t| t - 1);
        sql::query("UPDATE resources SET auto_renew_times = $1, expire_policy = $2 WHERE id = $3")
            .bind(left.filter(|t| *t > 0))
            .bind(if left == Some(0) {
                EXPIRE_POLICY_GRACE
            } else {
                EXPIRE_POLICY_AUTO_RENEW
            })
            .bind(&r.id)
            .execute(&mut *c)
            .await?;
        if paid {
            report.renewed.push(r.id.clone());
            return Ok(());
        }
        let body = format!(
            "Your resource {} ({}) expired and its automatic renewal order {order_id} is pending payment: your balance is insufficient. Pay it to put the resource back in use. / 您的资源 {}（{}）已到期，自动续费订单 {order_id} 因余额不足待支付，支付后资源恢复使用。",
            r.name, r.id, r.name, r.id
        );
        outbox::enqueue(
            c,
            ctx,
            Some(&r.root_id),
            "email",
            &r.customer_id,
            "Automatic renewal pending payment / 自动续费待支付",
            &body,
        )
        .await?;
        report.pending_orders.push(order_id);
    }
    let n = sql::query(
        "UPDATE resources SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4",
    )
    .bind(ResourceStatus::Expired.code())
    .bind(ctx.now_ms)
    .bind(&r.id)
    .bind(ResourceStatus::InUse.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 1 {
        audit::record(
            c,
            ctx,
            audit::Entry {
                action: "resources.expire",
                target_kind: "resource",
                target_id: &r.id,
                transfer_ids: &[],
                detail: serde_json::json!({"expire_policy": r.expire_policy}),
            },
        )
        .await?;
        report.expired.push(r.id.clone());
    }
    Ok(())
}

/// The `subscription-renewal` job (an operator, or the system running jobs): every resource in
/// use whose expiry is before `ctx.now_ms` is auto-renewed (paid from the balance, else left
/// pending with a notice) or expired, in batches of [`RENEWAL_BATCH`], each its own transaction.
/// Safe to rerun: a renewed resource's expiry moves on, an expired one is no longer in use, so
/// the job takes no idempotency key (one would answer every batch with the first one's report).
pub async fn run_renewal_job(db: &Db, ctx: Ctx) -> AppResult<RenewalReport> {
    ctx.actor.require_operator()?;
    let ctx = ctx.with_idempotency(None);
    let mut report = RenewalReport::default();
    loop {
        let (batch, n) = db
            .run(ctx.clone(), move |c, ctx| {
                Box::pin(async move { renewal_batch_in(c, &ctx).await })
            })
            .await?;
        let progressed = !batch.renewed.is_empty() || !batch.expired.is_empty();
        report.renewed.extend(batch.renewed);
        report.pending_orders.extend(batch.pending_orders);
        report.expired.extend(batch.expired);
        if n < RENEWAL_BATCH || !progressed {
            return Ok(report);
        }
    }
}

/// One batch of the job: what it did, and how many due resources it looked at.
async fn renewal_batch_in(c: &mut Conn, ctx: &Ctx) -> AppResult<(RenewalReport, i64)> {
    let rows = sql::query(&format!(
        "{RESOURCE_COLUMNS} {RESOURCE_FROM} WHERE r.status = $1 AND r.expire_at <= $2 ORDER BY r.expire_at, r.id LIMIT $3"
    ))
    .bind(ResourceStatus::InUse.code())
    .bind(ctx.now_ms)
    .bind(RENEWAL_BATCH)
    .fetch_all(&mut *c)
    .await?;
    let mut rep = RenewalReport::default();
    for r in rows.iter().map(row_to_resource) {
        renew_or_expire(c, ctx, &r, &mut rep).await?;
    }
    Ok((rep, rows.len() as i64))
}
