//! The reads over pay-per-use: a partner's view of its customers' on-demand resources, a
//! customer's resource packages, their remaining hours and each deduction, and the price of
//! usage before it happens (the official SDK's operations of the same names).

use pc_domain::usage::{self as rules, Quantity};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog;
use crate::services::consumption::{self, nonempty};
use crate::services::customers::association;
use crate::store::filters::{self, bind_args, count_and_page, utc_time, Arg, Conditions};
use crate::store::{sql, Db};

fn customer_of(ctx: &Ctx) -> AppResult<&str> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => Ok(customer_id),
        _ => Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        )),
    }
}

/// `list_customer_on_demand_resources`'s filters.
#[derive(Debug, Clone, Default)]
pub struct OnDemandQuery {
    pub customer_id: Option<String>,
    pub region_code: Option<String>,
    pub service_type_code: Option<String>,
    pub resource_ids: Option<Vec<String>>,
    pub effective_time_begin: Option<String>,
    pub effective_time_end: Option<String>,
    pub status: Option<i64>,
    pub indirect_partner_id: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// An on-demand resource as a partner sees it.
#[derive(Debug, Clone)]
pub struct OnDemandResource {
    pub customer_id: String,
    pub region: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub resource_id: String,
    pub name: String,
    pub resource_spec: String,
    pub effective_at: i64,
    pub status: i64,
}

/// The on-demand resources of one customer the calling partner (or, with `indirect_partner_id`,
/// its reseller) is associated with now; newest first. A customer that is not its customer is
/// `CBC.99000035`.
pub async fn on_demand_resources(
    db: &Db,
    ctx: &Ctx,
    q: &OnDemandQuery,
) -> AppResult<(i64, Vec<OnDemandResource>)> {
    let caller = ctx.actor.partner_id()?;
    let customer_id = nonempty(q.customer_id.as_deref())
        .ok_or_else(|| AppError::invalid_tr("customer_id is required", "customer_id 必填。"))?;
    let (offset, limit) = filters::page(q.offset, q.limit, filters::VENDOR_MAX_PAGE)?;
    let ids: Vec<String> = q
        .resource_ids
        .iter()
        .flatten()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.len() > 50 {
        return Err(AppError::invalid_tr(
            "resource_ids holds at most 50 ids",
            "resource_ids 最多 50 个 ID。",
        ));
    }
    let begin = utc_time("effective_time_begin", q.effective_time_begin.clone())?;
    let end = utc_time("effective_time_end", q.effective_time_end.clone())?;
    let pool = db.read();
    let owner =
        consumption::records_owner(pool, caller, nonempty(q.indirect_partner_id.as_deref()))
            .await?;
    if association::type_with(pool, &owner, customer_id)
        .await?
        .is_none()
    {
        return Err(AppError::new(Code::NotSubCustomer));
    }
    let mut w = Conditions::new(1);
    w.add("customer_id = ?", Arg::Text(customer_id.to_string()));
    if let Some(r) = nonempty(q.region_code.as_deref()) {
        w.add("region = ?", Arg::Text(r.to_string()));
    }
    if let Some(s) = nonempty(q.service_type_code.as_deref()) {
        w.add("LOWER(service_type_code) = ?", Arg::Text(s.to_lowercase()));
    }
    if !ids.is_empty() {
        w.add_in("id", ids.into_iter().map(Arg::Text));
    }
    if let Some(b) = begin {
        w.add("effective_at >= ?", Arg::Int(b));
    }
    if let Some(e) = end {
        w.add("effective_at <= ?", Arg::Int(e));
    }
    if let Some(s) = q.status {
        if !(1..=6).contains(&s) {
            return Err(AppError::invalid_tr(
                "status must be from 1 to 6",
                "status 必须在 1 到 6 之间。",
            ));
        }
        w.add("status = ?", Arg::Int(s));
    }
    on_demand_page(pool, &w, offset, limit).await
}

/// The on-demand resources under `w`, newest first: the total and one page.
async fn on_demand_page(
    pool: &crate::store::ReadPool,
    w: &Conditions,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<OnDemandResource>)> {
    let (total, rows) = count_and_page(
        pool,
        "SELECT customer_id, region, service_type_code, resource_type_code, id, name, resource_spec, effective_at, status",
        "FROM on_demand_resources",
        w,
        "effective_at DESC, id",
        offset,
        limit,
    )
    .await?;
    Ok((
        total,
        rows.iter()
            .map(|r| OnDemandResource {
                customer_id: r.get(0),
                region: r.get(1),
                service_type_code: r.get(2),
                resource_type_code: r.get(3),
                resource_id: r.get(4),
                name: r.get(5),
                resource_spec: r.get(6),
                effective_at: r.get(7),
                status: r.get(8),
            })
            .collect(),
    ))
}

/// The acting customer's own on-demand resources, newest first: the total and one page (the
/// customer's usage page; `on_demand_resources` is the partner's view of the same rows).
pub async fn my_on_demand_resources(
    db: &Db,
    ctx: &Ctx,
    offset: Option<i64>,
    limit: Option<i64>,
) -> AppResult<(i64, Vec<OnDemandResource>)> {
    let customer_id = customer_of(ctx)?;
    let (offset, limit) = filters::page(offset, limit, filters::VENDOR_MAX_PAGE)?;
    let mut w = Conditions::new(1);
    w.add("customer_id = ?", Arg::Text(customer_id.to_string()));
    on_demand_page(db.read(), &w, offset, limit).await
}

/// A package's status (`FreeResourcePackageV3.status`): 0 not yet in force, 1 in force, 2 used
/// up, 3 expired.
pub fn package_status(remaining: i64, effective_at: i64, expire_at: i64, now_ms: i64) -> i64 {
    if now_ms < effective_at {
        0
    } else if now_ms >= expire_at {
        3
    } else if remaining <= 0 {
        2
    } else {
        1
    }
}

/// One grant of a package's hours (a row of `free_resources`).
#[derive(Debug, Clone)]
pub struct FreeResource {
    pub id: String,
    pub order_id: String,
    pub package_resource_id: String,
    pub product_id: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub region: String,
    pub original: Quantity,
    pub remaining: Quantity,
    pub effective_at: i64,
    pub expire_at: i64,
    pub status: i64,
}

const FREE_SELECT: &str = "SELECT f.id, f.order_id, f.package_resource_id, f.product_id, p.name_zh, p.name_en, \
     f.service_type_code, f.resource_type_code, f.region, f.original_quantity, f.remaining, f.effective_at, f.expire_at";

fn free_row(r: &crate::store::sql::Row, now_ms: i64) -> FreeResource {
    let (remaining, eff, exp): (i64, i64, i64) = (r.get(10), r.get(11), r.get(12));
    FreeResource {
        id: r.get(0),
        order_id: r.get(1),
        package_resource_id: r.get(2),
        product_id: r.get(3),
        product_name_zh: r.get(4),
        product_name_en: r.get(5),
        service_type_code: r.get(6),
        resource_type_code: r.get(7),
        region: r.get(8),
        original: Quantity::from_micros(r.get(9)),
        remaining: Quantity::from_micros(remaining),
        effective_at: eff,
        expire_at: exp,
        status: package_status(remaining, eff, exp, now_ms),
    }
}

/// `list_free_resource_infos`'s filters.
#[derive(Debug, Clone, Default)]
pub struct PackageQuery {
    pub region_code: Option<String>,
    pub order_id: Option<String>,
    pub product_id: Option<String>,
    pub product_name: Option<String>,
    pub status: Option<i64>,
    pub service_type_codes: Vec<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// The acting customer's resource packages (one per grant), newest first.
pub async fn my_packages(
    db: &Db,
    ctx: &Ctx,
    q: &PackageQuery,
) -> AppResult<(i64, Vec<FreeResource>)> {
    let customer_id = customer_of(ctx)?;
    let (offset, limit) = filters::page(q.offset, q.limit, filters::VENDOR_MAX_PAGE)?;
    let now = ctx.now_ms;
    let mut w = Conditions::new(1);
    w.add("f.customer_id = ?", Arg::Text(customer_id.to_string()));
    if let Some(v) = nonempty(q.region_code.as_deref()) {
        w.add("f.region = ?", Arg::Text(v.to_string()));
    }
    if let Some(v) = nonempty(q.order_id.as_deref()) {
        w.add("f.order_id = ?", Arg::Text(v.to_string()));
    }
    if let Some(v) = nonempty(q.product_id.as_deref()) {
        w.add("f.product_id = ?", Arg::Text(v.to_string()));
    }
    if let Some(v) = nonempty(q.product_name.as_deref()) {
        w.add(
            "(p.name_zh LIKE ? ESCAPE '\\' OR p.name_en LIKE ? ESCAPE '\\')",
            Arg::Text(filters::like_pattern(v)),
        );
    }
    let codes: Vec<Arg> = q
        .service_type_codes
        .iter()
        .map(|s| s.trim().to_lowercase())
        .filter(|s| !s.is_empty())
        .map(Arg::Text)
        .collect();
    if !codes.is_empty() {
        w.add_in("LOWER(f.service_type_code)", codes);
    }
    match q.status {
        None => {}
        Some(0) => w.add("f.effective_at > ?", Arg::Int(now)),
        Some(1) => {
            w.add("f.effective_at <= ?", Arg::Int(now));
            w.add("f.expire_at > ?", Arg::Int(now));
            w.require("f.remaining > 0");
        }
        Some(2) => {
            w.add("f.expire_at > ?", Arg::Int(now));
            w.require("f.remaining <= 0");
        }
        Some(3) => w.add("f.expire_at <= ?", Arg::Int(now)),
        // 4 unsubscribed: packages are not unsubscribed here (none match).
        Some(4) => w.require("1 = 0"),
        Some(_) => {
            return Err(AppError::invalid_tr(
                "status must be from 0 to 4",
                "status 必须在 0 到 4 之间。",
            ))
        }
    }
    let (total, rows) = count_and_page(
        db.read(),
        FREE_SELECT,
        "FROM free_resources f JOIN catalog_products p ON p.id = f.product_id",
        &w,
        "f.effective_at DESC, f.id",
        offset,
        limit,
    )
    .await?;
    Ok((total, rows.iter().map(|r| free_row(r, now)).collect()))
}

/// The acting customer's grants among `ids` (others' and unknown ids are left out), in the order
/// asked. At most 100 ids.
pub async fn my_free_resources(db: &Db, ctx: &Ctx, ids: &[String]) -> AppResult<Vec<FreeResource>> {
    let customer_id = customer_of(ctx)?;
    if ids.is_empty() {
        return Err(AppError::invalid_tr(
            "free_resource_ids is required",
            "free_resource_ids 必填。",
        ));
    }
    if ids.len() > 100 {
        return Err(AppError::invalid_tr(
            "free_resource_ids holds at most 100 ids",
            "free_resource_ids 最多 100 个 ID。",
        ));
    }
    let refs: Vec<&str> = ids.iter().map(|s| s.trim()).collect();
    let mut w = Conditions::new(1);
    w.add("f.customer_id = ?", Arg::Text(customer_id.to_string()));
    w.add_in("f.id", refs.iter().map(|i| Arg::Text(i.to_string())));
    let q = format!(
        "{FREE_SELECT} FROM free_resources f JOIN catalog_products p ON p.id = f.product_id {}",
        w.where_clause()
    );
    let rows = bind_args(sql::query(&q), &w.args)
        .fetch_all(db.read())
        .await?;
    let found: Vec<FreeResource> = rows.iter().map(|r| free_row(r, ctx.now_ms)).collect();
    let mut out: Vec<FreeResource> = Vec::new();
    for id in &refs {
        if let Some(f) = found.iter().find(|f| f.id == *id) {
            if !out.iter().any(|o| o.id == f.id) {
                out.push(f.clone());
            }
        }
    }
    Ok(out)
}

/// `list_free_resources_usage_records`'s filters.
#[derive(Debug, Clone, Default)]
pub struct DeductionQuery {
    pub free_resource_id: Option<String>,
    pub product_id: Option<String>,
    pub resource_type_code: Option<String>,
    pub deduct_time_begin: Option<String>,
    pub deduct_time_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// One deduction of usage from a package.
#[derive(Debug, Clone)]
pub struct Deduction {
    pub deducted_at: i64,
    pub free_resource_id: String,
    pub resource_id: String,
    pub resource_type_code: String,
    pub product_id: String,
    pub product_name_zh: String,
    pub product_name_en: String,
    pub original: Quantity,
    pub used: Quantity,
    pub remaining_after: Quantity,
    pub effective_at: i64,
    pub expire_at: i64,
}

/// The acting customer's deductions from its packages, newest first.
pub async fn my_deductions(
    db: &Db,
    ctx: &Ctx,
    q: &DeductionQuery,
) -> AppResult<(i64, Vec<Deduction>)> {
    let customer_id = customer_of(ctx)?;
    let (offset, limit) = filters::page(q.offset, q.limit, filters::VENDOR_MAX_PAGE)?;
    let begin = utc_time("deduct_time_begin", q.deduct_time_begin.clone())?;
    let end = utc_time("deduct_time_end", q.deduct_time_end.clone())?;
    let mut w = Conditions::new(1);
    w.add("u.customer_id = ?", Arg::Text(customer_id.to_string()));
    if let Some(v) = nonempty(q.free_resource_id.as_deref()) {
        w.add("u.free_resource_id = ?", Arg::Text(v.to_string()));
    }
    if let Some(v) = nonempty(q.product_id.as_deref()) {
        w.add("u.product_id = ?", Arg::Text(v.to_string()));
    }
    if let Some(v) = nonempty(q.resource_type_code.as_deref()) {
        w.add("u.resource_type_code = ?", Arg::Text(v.to_string()));
    }
    if let Some(b) = begin {
        w.add("u.deducted_at >= ?", Arg::Int(b));
    }
    if let Some(e) = end {
        w.add("u.deducted_at <= ?", Arg::Int(e));
    }
    let (total, rows) = count_and_page(
        db.read(),
        "SELECT u.deducted_at, u.free_resource_id, u.resource_id, u.resource_type_code, f.product_id, p.name_zh, p.name_en, \
         f.original_quantity, u.used, u.remaining_after, f.effective_at, f.expire_at",
        "FROM free_resource_usages u JOIN free_resources f ON f.id = u.free_resource_id \
         JOIN catalog_products p ON p.id = f.product_id",
        &w,
        "u.deducted_at DESC, u.id",
        offset,
        limit,
    )
    .await?;
    Ok((
        total,
        rows.iter()
            .map(|r| Deduction {
                deducted_at: r.get(0),
                free_resource_id: r.get(1),
                resource_id: r.get(2),
                resource_type_code: r.get(3),
                product_id: r.get(4),
                product_name_zh: r.get(5),
                product_name_en: r.get(6),
                original: Quantity::from_micros(r.get(7)),
                used: Quantity::from_micros(r.get(8)),
                remaining_after: Quantity::from_micros(r.get(9)),
                effective_at: r.get(10),
                expire_at: r.get(11),
            })
            .collect(),
    ))
}

/// One product of a pay-per-use price inquiry (`list_on_demand_resource_ratings`).
#[derive(Debug, Clone)]
pub struct RateItem {
    pub id: String,
    pub cloud_service_type: String,
    pub resource_type: String,
    pub resource_spec: String,
    pub region: String,
    /// Hours, as sent (`usage_value` with `usage_measure_id` 4).
    pub usage: Quantity,
    pub resource_size: Option<i64>,
    pub subscription_num: i64,
}

/// One product's price.
#[derive(Debug, Clone)]
pub struct Rated {
    pub id: String,
    pub product_id: String,
    pub amount: i64,
}

/// Prices usage before it happens: each product's `usage × hourly price × size × number`, from
/// the first hour of a month (the tiers as for a customer with no usage yet). A product the
/// catalogue does not sell by usage is `CBC.99006006`, naming it.
pub async fn rate_on_demand(db: &Db, _ctx: &Ctx, items: &[RateItem]) -> AppResult<Vec<Rated>> {
    if items.is_empty() || items.len() > 100 {
        return Err(AppError::invalid_tr(
            "product_infos holds 1 to 100 products",
            "product_infos 须包含 1 到 100 个产品。",
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    let mut conn = db.read().acquire().await?;
    for it in items {
        if !(1..=1000).contains(&it.subscription_num) {
            return Err(AppError::invalid_tr(
                format!("product {}: subscription_num must be from 1 to 1000", it.id),
                format!("产品 {}：subscription_num 必须在 1 到 1000 之间。", it.id),
            ));
        }
        let found = catalog::find_product(
            &mut *conn,
            &it.cloud_service_type,
            &it.resource_type,
            &it.resource_spec,
            &it.region,
        )
        .await?;
        let Some(p) = found else {
            return Err(AppError::with_tr(
                Code::ProductNotFound,
                format!("product {}", it.id),
                format!("产品 {}", it.id),
            ));
        };
        let prices = catalog::usage_prices(&mut conn, &[p.product_id.as_str()]).await?;
        let Some(price) = prices.get(&p.product_id).filter(|x| x.hour_price.is_some()) else {
            return Err(AppError::with_tr(
                Code::ProductNotFound,
                format!("product {} is not sold by usage", it.id),
                format!("产品 {} 不按需计费销售。", it.id),
            ));
        };
        let size = if price.linear {
            it.resource_size.unwrap_or(1).max(1)
        } else {
            1
        };
        let one = rules::rate(
            price.hour_price.unwrap_or(0),
            &price.tiers,
            Quantity::ZERO,
            it.usage,
            size,
        );
        out.push(Rated {
            id: it.id.clone(),
            product_id: p.product_id,
            amount: one.saturating_mul(it.subscription_num),
        });
    }
    Ok(out)
}
