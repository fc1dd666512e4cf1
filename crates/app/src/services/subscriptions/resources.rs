//! Yearly/monthly resources of partners' customers (the vendor's API reference): the resource as
//! stored, listing, and the checks every order on a resource makes (its owner, its claim for an
//! order), its expiry policy, and its leaving the yearly/monthly list when it becomes pay-per-use
//! ([`super::to_on_demand`]). Renewal and auto-renewal are [`super::renewal`].
//!
//! **Who (decision; the vendor's help pages leave it open).** A customer lists and acts on its
//! own resources; a partner lists the resources of one of its customers (`customer_id` required,
//! as the vendor says) through the partner that sold them. A resource id that is not the caller's
//! answers `CBC.99003012` (no such resource), the same as one that does not exist; so does one
//! that became pay-per-use (`on_demand_at` set): it is no longer a yearly/monthly resource.

use crate::store::filters::{count_and_page, Arg, Conditions};
use crate::store::sql::{self, Conn};
use pc_domain::orders::{ResourceStatus, EXPIRE_POLICY_AUTO_RENEW};
use pc_domain::timefmt;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::funds;
use crate::services::orders::{self, Viewer};
use crate::store::{audit, Db};

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

/// Still a yearly/monthly resource: it has not become pay-per-use.
const YEARLY_MONTHLY: &str = "r.on_demand_at IS NULL";

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
        "{RESOURCE_COLUMNS} {RESOURCE_FROM} WHERE r.id = $1 AND r.customer_id = $2 AND {YEARLY_MONTHLY}"
    ))
    .bind(id.trim())
    .bind(customer_id)
    .fetch_optional(&mut *c)
    .await?;
    row.as_ref()
        .map(row_to_resource)
        .ok_or_else(|| AppError::naming(Code::ResourceNotFound, id.trim().to_string()))
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
            return Err(AppError::invalid_tr(
                format!("resource_ids has at most {MAX_QUERY_IDS} items"),
                format!("resource_ids 最多 {MAX_QUERY_IDS} 项。"),
            ));
        }
        let only_main = match only_main_resource.unwrap_or(0) {
            0 => false,
            1 => true,
            _ => {
                return Err(AppError::invalid_tr(
                    "only_main_resource must be 0 or 1",
                    "only_main_resource 须为 0 或 1。",
                ))
            }
        };
        let statuses = status_list.unwrap_or_default();
        if statuses
            .iter()
            .any(|s| ResourceStatus::from_code(*s).is_none())
        {
            return Err(AppError::invalid_tr(
                "status_list items must be 2, 3, 4 or 5",
                "status_list 的取值须为 2、3、4 或 5。",
            ));
        }
        let time = |field: &str, v: Option<String>| -> AppResult<Option<i64>> {
            match nz(v) {
                None => Ok(None),
                Some(t) => timefmt::parse_utc(&t).map(Some).ok_or_else(|| {
                    AppError::invalid_tr(
                        format!("{field} must be a UTC time like 2019-05-06T08:05:01Z"),
                        format!("{field} 须为 UTC 时间，例如 2019-05-06T08:05:01Z。"),
                    )
                }),
            }
        };
        if service_type_code
            .as_deref()
            .is_some_and(|s| s.trim().is_empty())
        {
            return Err(AppError::invalid_tr(
                "service_type_code must not be empty",
                "service_type_code 不能为空。",
            ));
        }
        let (offset, limit) = crate::store::filters::page(offset, limit, orders::MAX_ORDERS_PAGE)?;
        if customer_id.as_deref().is_some_and(|c| c.len() > 64) {
            return Err(AppError::invalid_tr(
                "customer_id is at most 64 characters",
                "customer_id 最多 64 个字符。",
            ));
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
            let cid = q.customer_id.clone().ok_or_else(|| {
                AppError::invalid_tr(
                    "customer_id is required for a partner",
                    "合作伙伴查询时 customer_id 必填。",
                )
            })?;
            let mut conn = pool.acquire().await?;
            let p = funds::acting_partner(&mut conn, partner_id, indirect_partner_id).await?;
            (Some(p.id), cid)
        }
        Viewer::Operator => (
            None,
            q.customer_id.clone().ok_or_else(|| {
                AppError::invalid_tr("customer_id is required", "customer_id 必填。")
            })?,
        ),
    };
    let mut w = Conditions::new(1);
    w.add("r.customer_id = ?", Arg::Text(customer.clone()));
    w.require(YEARLY_MONTHLY);
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

/// The resources in use whose renewal moment has come by `now`, oldest expiry first, at most
/// `limit` (the renewal job's batch): their expiry, or for one renewing automatically its
/// customer's deduction days before it (`renew_config`).
pub(crate) async fn due(c: &mut Conn, now: i64, limit: i64) -> AppResult<Vec<Resource>> {
    let renew_at = super::renew_config::renew_at_sql(&EXPIRE_POLICY_AUTO_RENEW.to_string());
    let rows = sql::query(&format!(
        "{RESOURCE_COLUMNS} {RESOURCE_FROM} WHERE r.status = $1 AND {renew_at} <= $2 ORDER BY r.expire_at, r.id LIMIT $3"
    ))
    .bind(ResourceStatus::InUse.code())
    .bind(now)
    .bind(limit)
    .fetch_all(&mut *c)
    .await?;
    Ok(rows.iter().map(row_to_resource).collect())
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
        return Err(AppError::naming(Code::ResourceInPendingOrder, r.id.clone()));
    }
    if r.status == ResourceStatus::Frozen.code() {
        return Err(AppError::naming(Code::ResourceFrozen, r.id.clone()));
    }
    if r.status == ResourceStatus::Closed.code() {
        return Err(AppError::naming(Code::ResourceNotFound, r.id.clone()));
    }
    Ok(())
}

/// Stores a resource's expiry policy (with its auto-renewal settings), audited: 0 grace period,
/// 1 change to pay-per-use, 3 auto-renew. One field, so each replaces the others.
pub(crate) async fn set_policy(
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

/// The resource became pay-per-use at `at` (its expiry, or now): it leaves the yearly/monthly
/// list (closed, its period ending then, auto-renewal off) and the expiry job no longer sees it.
/// `false` (nothing written) when it was no longer a yearly/monthly resource in use.
pub(crate) async fn mark_on_demand(
    c: &mut Conn,
    ctx: &Ctx,
    resource_id: &str,
    at: i64,
) -> AppResult<bool> {
    let n = sql::query(
        "UPDATE resources SET status = $1, expire_at = $2, on_demand_at = $2, auto_renew_times = NULL, \
         auto_renew_period = NULL, updated_at = $3 WHERE id = $4 AND status = $5 AND on_demand_at IS NULL",
    )
    .bind(ResourceStatus::Closed.code())
    .bind(at)
    .bind(ctx.now_ms)
    .bind(resource_id)
    .bind(ResourceStatus::InUse.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    Ok(n == 1)
}

/// Checks a list of 1–`max` distinct resource ids.
pub fn check_ids(ids: &[String], max: usize) -> AppResult<()> {
    if ids.is_empty() || ids.len() > max {
        return Err(AppError::invalid_tr(
            format!("resource_ids must have 1 to {max} items"),
            format!("resource_ids 须有 1 到 {max} 项。"),
        ));
    }
    for (i, id) in ids.iter().enumerate() {
        if id.trim().is_empty() || ids[..i].contains(id) {
            return Err(AppError::invalid_tr(
                "resource_ids must be distinct and non-empty",
                "resource_ids 的各项须非空且互不重复。",
            ));
        }
    }
    Ok(())
}

/// How many of the acting customer's yearly/monthly main resources in use expire within the next
/// `days` days (from now on; none that became pay-per-use): one range of `resources_customer`.
/// Anyone but a customer is `CBC.0151`.
pub async fn expiring_count(db: &Db, ctx: &Ctx, days: i64) -> AppResult<i64> {
    let crate::context::Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::new(Code::AccessDenied));
    };
    let until = ctx
        .now_ms
        .saturating_add(days.clamp(0, 366) * 24 * 3600 * 1000);
    Ok(sql::query_scalar(
        "SELECT COUNT(*) FROM resources WHERE customer_id = $1 AND expire_at > $2 AND expire_at <= $3 \
         AND status = $4 AND is_main = 1 AND on_demand_at IS NULL",
    )
    .bind(customer_id)
    .bind(ctx.now_ms)
    .bind(until)
    .bind(ResourceStatus::InUse.code())
    .fetch_one(db.read())
    .await?)
}
