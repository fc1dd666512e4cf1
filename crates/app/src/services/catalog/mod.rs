//! The catalogue: cloud service types, resource types and products with their yearly/monthly and
//! pay-per-use prices (the vendor's API reference). The starting catalogue is loaded by migration
//! `0006_orders.sql` (reference data every deployment needs); operators edit products and prices
//! with [`save_product`]. Reads are open to every authenticated caller: a catalogue is public.

mod usage_pricing;

pub use usage_pricing::*;

use std::collections::HashMap;

use crate::store::filters::{bind_args, count_and_page, like_pattern, Arg, Conditions};
use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::Money;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, Db};

/// The vendor's `X-Language`: `zh_CN` (default) or `en_US`.
pub fn english(x_language: Option<&str>) -> bool {
    x_language.is_some_and(|l| l.trim().eq_ignore_ascii_case("en_US"))
}

/// The Chinese or the English text.
pub fn pick<'a>(en: bool, zh: &'a str, english: &'a str) -> &'a str {
    if en {
        english
    } else {
        zh
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ServiceType {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub abbreviation: String,
}

impl ServiceType {
    pub fn name(&self, en: bool) -> &str {
        pick(en, &self.name_zh, &self.name_en)
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct ResourceType {
    pub code: String,
    pub service_type_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub desc_zh: String,
    pub desc_en: String,
}

impl ResourceType {
    pub fn name(&self, en: bool) -> &str {
        pick(en, &self.name_zh, &self.name_en)
    }
    pub fn desc(&self, en: bool) -> &str {
        pick(en, &self.desc_zh, &self.desc_en)
    }
}

/// Largest page of catalogue listings.
pub const MAX_PAGE: i64 = 1000;

/// Checks `offset` / `limit` of a catalogue listing (defaults 0 / 10).
pub fn page(offset: Option<i64>, limit: Option<i64>) -> AppResult<(i64, i64)> {
    crate::store::filters::page(offset, limit, MAX_PAGE)
}

/// `list_service_types`: optionally filtered by a substring of the name (either language,
/// case-insensitive), in catalogue order.
pub async fn service_types(
    db: &Db,
    _ctx: &Ctx,
    name: Option<&str>,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<ServiceType>)> {
    let pool = db.read();
    let name = name.map(str::trim).filter(|s| !s.is_empty());
    if name.is_some_and(|n| n.chars().count() > 128) {
        return Err(AppError::invalid_tr(
            "service_type_name has at most 128 characters",
            "service_type_name 最多 128 个字符。",
        ));
    }
    let mut w = Conditions::new(1);
    if let Some(n) = name {
        w.add(
            "(LOWER(name_zh) LIKE ? ESCAPE '\\' OR LOWER(name_en) LIKE ? ESCAPE '\\')",
            Arg::Text(like_pattern(&n.to_lowercase())),
        );
    }
    let (total, rows) = count_and_page(
        pool,
        "SELECT code, name_zh, name_en, abbreviation",
        "FROM catalog_service_types",
        &w,
        "sort_order, code",
        offset,
        limit,
    )
    .await?;
    Ok((
        total,
        rows.into_iter()
            .map(|r| ServiceType {
                code: r.get(0),
                name_zh: r.get(1),
                name_en: r.get(2),
                abbreviation: r.get(3),
            })
            .collect(),
    ))
}

/// `list_resource_types`, in catalogue order.
pub async fn resource_types(
    db: &Db,
    _ctx: &Ctx,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<ResourceType>)> {
    let pool = db.read();
    let total: i64 = sql::query_scalar("SELECT COUNT(*) FROM catalog_resource_types")
        .fetch_one(pool)
        .await?;
    let rows = sql::query(
        "SELECT code, service_type_code, name_zh, name_en, desc_zh, desc_en FROM catalog_resource_types \
         ORDER BY sort_order, code LIMIT $1 OFFSET $2",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok((
        total,
        rows.into_iter()
            .map(|r| ResourceType {
                code: r.get(0),
                service_type_code: r.get(1),
                name_zh: r.get(2),
                name_en: r.get(3),
                desc_zh: r.get(4),
                desc_en: r.get(5),
            })
            .collect(),
    ))
}

/// A product with its prices and the names of its service and resource types.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Product {
    pub product_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: String,
    pub service_type_name_en: String,
    pub resource_type_code: String,
    pub resource_type_name_zh: String,
    pub resource_type_name_en: String,
    pub resource_spec: String,
    pub region: String,
    pub name_zh: String,
    pub name_en: String,
    pub spec_desc_zh: String,
    pub spec_desc_en: String,
    /// Set for linear products (priced per unit of size): 15 Mbit/s, 17 GB, 14 count.
    pub size_measure_id: Option<i64>,
    /// Price of one month (per unit of size for linear products).
    pub month_price: Option<Money>,
    /// Price of one year.
    pub year_price: Option<Money>,
    /// Pay-per-use price of one hour.
    pub hour_price: Option<Money>,
    pub active: bool,
}

impl Product {
    pub fn name(&self, en: bool) -> &str {
        pick(en, &self.name_zh, &self.name_en)
    }
    pub fn spec_desc(&self, en: bool) -> &str {
        pick(en, &self.spec_desc_zh, &self.spec_desc_en)
    }
    pub fn service_type_name(&self, en: bool) -> &str {
        pick(en, &self.service_type_name_zh, &self.service_type_name_en)
    }
    pub fn resource_type_name(&self, en: bool) -> &str {
        pick(en, &self.resource_type_name_zh, &self.resource_type_name_en)
    }
    pub fn is_linear(&self) -> bool {
        self.size_measure_id.is_some()
    }
}

const PRODUCT_SELECT: &str = "SELECT p.id, p.service_type_code, s.name_zh, s.name_en, p.resource_type_code, r.name_zh, r.name_en, \
     p.resource_spec, p.region, p.name_zh, p.name_en, p.spec_desc_zh, p.spec_desc_en, p.size_measure_id, \
     p.month_price, p.year_price, p.hour_price, p.active \
     FROM catalog_products p JOIN catalog_service_types s ON s.code = p.service_type_code \
     JOIN catalog_resource_types r ON r.code = p.resource_type_code";

fn row_to_product(r: &sql::Row) -> Product {
    let m = |i: usize| r.get::<Option<i64>, _>(i).map(Money::from_cents);
    Product {
        product_id: r.get(0),
        service_type_code: r.get(1),
        service_type_name_zh: r.get(2),
        service_type_name_en: r.get(3),
        resource_type_code: r.get(4),
        resource_type_name_zh: r.get(5),
        resource_type_name_en: r.get(6),
        resource_spec: r.get(7),
        region: r.get(8),
        name_zh: r.get(9),
        name_en: r.get(10),
        spec_desc_zh: r.get(11),
        spec_desc_en: r.get(12),
        size_measure_id: r.get(13),
        month_price: m(14),
        year_price: m(15),
        hour_price: m(16),
        active: r.get::<i64, _>(17) != 0,
    }
}

/// Every product in catalogue order (service type, resource type, id); inactive ones only when an
/// operator (or the command line) asks for them: anyone else sees what is on sale.
pub async fn products(db: &Db, ctx: &Ctx, include_inactive: bool) -> AppResult<Vec<Product>> {
    let operator = ctx.actor.require_operator().is_ok();
    list_products(db.read(), include_inactive && operator).await
}

/// One product as an operator edits it (inactive ones too); `None` for an unknown id. Operators
/// only.
pub async fn product_to_edit(db: &Db, ctx: &Ctx, id: &str) -> AppResult<Option<Product>> {
    ctx.actor.require_operator()?;
    product(db.read(), id).await
}

/// The specification texts of a product, for the rows other capabilities write (a resource's
/// spec, an unsubscribe line's description).
#[derive(Debug, Clone)]
pub struct ProductSpec {
    pub resource_spec: String,
    pub spec_desc_zh: String,
}

/// A product's specification texts (`None`: no such product).
pub async fn spec_of<'e>(
    exec: impl Into<sql::Exec<'e>>,
    product_id: &str,
) -> AppResult<Option<ProductSpec>> {
    let row = sql::query("SELECT resource_spec, spec_desc_zh FROM catalog_products WHERE id = $1")
        .bind(product_id)
        .fetch_optional(exec)
        .await?;
    Ok(row.map(|r| ProductSpec {
        resource_spec: r.get(0),
        spec_desc_zh: r.get(1),
    }))
}

/// Names in both languages (`None` where the catalogue has none), by type code.
pub type TypeNames = HashMap<String, (Option<String>, Option<String>)>;

/// The name of `code` in the language asked for (English falls back to the Chinese name), if the
/// catalogue has one.
pub fn type_name(names: &TypeNames, code: &str, en: bool) -> Option<String> {
    let (zh, english_name) = names.get(code)?;
    if en {
        english_name.clone().or_else(|| zh.clone())
    } else {
        zh.clone()
    }
}

/// The names of the service types and of the resource types named by code, for the rows other
/// capabilities show (one query for each kind, whatever the number of rows, each code asked for
/// once); unknown codes are absent.
pub async fn type_names(
    pool: &ReadPool,
    service_codes: &[&str],
    resource_codes: &[&str],
) -> AppResult<(TypeNames, TypeNames)> {
    async fn names(pool: &ReadPool, table: &str, codes: &[&str]) -> AppResult<TypeNames> {
        // Rows repeat codes: each is asked for once.
        let codes: std::collections::BTreeSet<&str> = codes.iter().copied().collect();
        if codes.is_empty() {
            return Ok(TypeNames::new());
        }
        let mut w = Conditions::new(1);
        w.add_in("code", codes.iter().map(|c| Arg::Text(c.to_string())));
        let sql = format!(
            "SELECT code, name_zh, name_en FROM {table} {}",
            w.where_clause()
        );
        let rows = bind_args(sql::query(&sql), &w.args).fetch_all(pool).await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), (r.get(1), r.get(2))))
            .collect())
    }
    Ok((
        names(pool, "catalog_service_types", service_codes).await?,
        names(pool, "catalog_resource_types", resource_codes).await?,
    ))
}

/// [`products`] for a capability that has checked who acts (a change's candidates).
pub(crate) async fn list_products(
    pool: &ReadPool,
    include_inactive: bool,
) -> AppResult<Vec<Product>> {
    let rows = sql::query(&format!(
        "{PRODUCT_SELECT} WHERE ($1 = 1 OR p.active = 1) ORDER BY s.sort_order, r.sort_order, p.id"
    ))
    .bind(i64::from(include_inactive))
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(row_to_product).collect())
}

pub async fn product<'e, E: Into<sql::Exec<'e>>>(exec: E, id: &str) -> AppResult<Option<Product>> {
    let row = sql::query(&format!("{PRODUCT_SELECT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(exec)
        .await?;
    Ok(row.as_ref().map(row_to_product))
}

/// The active product a rating request names by its four keys (service type, resource type,
/// spec, region; type codes and region case-insensitive).
pub async fn find_product<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    service_type: &str,
    resource_type: &str,
    spec: &str,
    region: &str,
) -> AppResult<Option<Product>> {
    let row = sql::query(&format!(
        "{PRODUCT_SELECT} WHERE LOWER(p.service_type_code) = $1 AND LOWER(p.resource_type_code) = $2 \
         AND p.resource_spec = $3 AND LOWER(p.region) = $4 AND p.active = 1"
    ))
    .bind(service_type.trim().to_lowercase())
    .bind(resource_type.trim().to_lowercase())
    .bind(spec.trim())
    .bind(region.trim().to_lowercase())
    .fetch_optional(exec)
    .await?;
    Ok(row.as_ref().map(row_to_product))
}

/// What an operator enters to create or edit a product.
#[derive(Debug, Clone)]
pub struct ProductInput {
    pub product_id: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub resource_spec: String,
    pub region: String,
    pub name_zh: String,
    pub name_en: String,
    pub spec_desc_zh: String,
    pub spec_desc_en: String,
    pub size_measure_id: Option<i64>,
    pub month_price: Option<Money>,
    pub year_price: Option<Money>,
    pub hour_price: Option<Money>,
    pub active: bool,
}

fn check_text(field: &str, v: &str, max: usize, required: bool) -> AppResult<()> {
    if required && v.trim().is_empty() {
        return Err(AppError::invalid_tr(
            format!("{field} is required"),
            format!("{field} 必填。"),
        ));
    }
    if v.chars().count() > max {
        return Err(AppError::invalid_tr(
            format!("{field} has at most {max} characters"),
            format!("{field} 最多 {max} 个字符。"),
        ));
    }
    Ok(())
}

impl ProductInput {
    fn validate(&self) -> AppResult<()> {
        check_text("product_id", &self.product_id, 64, true)?;
        if !self
            .product_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(AppError::invalid_tr(
                "product_id may contain letters, digits, '-', '_' and '.' only",
                "product_id 只能包含字母、数字、“-”、“_”和“.”。",
            ));
        }
        check_text("resource_spec", &self.resource_spec, 128, true)?;
        check_text("region", &self.region, 64, true)?;
        check_text("name_zh", &self.name_zh, 128, true)?;
        check_text("name_en", &self.name_en, 128, true)?;
        check_text("spec_desc_zh", &self.spec_desc_zh, 256, false)?;
        check_text("spec_desc_en", &self.spec_desc_en, 256, false)?;
        if let Some(m) = self.size_measure_id {
            if ![14, 15, 17].contains(&m) {
                return Err(AppError::invalid_tr(
                    "size_measure_id must be 14 (count), 15 (Mbit/s) or 17 (GB)",
                    "size_measure_id 必须是 14（个）、15（Mbit/s）或 17（GB）。",
                ));
            }
        }
        for (f, p) in [
            ("month_price", self.month_price),
            ("year_price", self.year_price),
            ("hour_price", self.hour_price),
        ] {
            if p.is_some_and(|p| p.is_negative()) {
                return Err(AppError::invalid_tr(
                    format!("{f} must not be negative"),
                    format!("{f} 不能为负数。"),
                ));
            }
        }
        if self.month_price.is_none() && self.year_price.is_none() {
            return Err(AppError::invalid_tr(
                "a product needs a monthly or a yearly price",
                "产品须有包月价或包年价。",
            ));
        }
        Ok(())
    }
}

/// Creates the product, or replaces an existing one's fields (operators only; the console's
/// form). The type codes must exist; the four rating keys must stay unique. The product as saved.
pub async fn save_product(db: &Db, ctx: Ctx, p: ProductInput) -> AppResult<Product> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { save_product_in(c, &ctx, p).await })
    })
    .await
}

/// Creates a product (operators only); an existing `product_id` is `PC.0001` (it is changed with
/// [`update_product`]). Otherwise as [`save_product`].
pub async fn create_product(db: &Db, ctx: Ctx, p: ProductInput) -> AppResult<Product> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            if product(&mut *c, &p.product_id).await?.is_some() {
                return Err(AppError::with_tr(
                    Code::AlreadyExists,
                    format!("product {} exists; update it with PUT", p.product_id),
                    format!("产品 {} 已存在，请用 PUT 修改。", p.product_id),
                ));
            }
            save_product_in(c, &ctx, p).await
        })
    })
    .await
}

/// Changes to an existing product: a field left `None` keeps its value; for an optional one,
/// `Some(None)` clears it. The id never changes.
#[derive(Debug, Clone, Default)]
pub struct ProductChange {
    pub product_id: String,
    pub service_type_code: Option<String>,
    pub resource_type_code: Option<String>,
    pub resource_spec: Option<String>,
    pub region: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub spec_desc_zh: Option<String>,
    pub spec_desc_en: Option<String>,
    pub size_measure_id: Option<Option<i64>>,
    pub month_price: Option<Option<Money>>,
    pub year_price: Option<Option<Money>>,
    pub hour_price: Option<Option<Money>>,
    pub active: Option<bool>,
}

impl ProductChange {
    /// The product after the change, as [`save_product`] takes it.
    fn apply(self, p: Product) -> ProductInput {
        let keep = |new: Option<String>, old: String| new.unwrap_or(old);
        ProductInput {
            product_id: p.product_id,
            service_type_code: keep(self.service_type_code, p.service_type_code)
                .trim()
                .to_string(),
            resource_type_code: keep(self.resource_type_code, p.resource_type_code)
                .trim()
                .to_string(),
            resource_spec: keep(self.resource_spec, p.resource_spec),
            region: keep(self.region, p.region),
            name_zh: keep(self.name_zh, p.name_zh),
            name_en: keep(self.name_en, p.name_en),
            spec_desc_zh: keep(self.spec_desc_zh, p.spec_desc_zh),
            spec_desc_en: keep(self.spec_desc_en, p.spec_desc_en),
            size_measure_id: self.size_measure_id.unwrap_or(p.size_measure_id),
            month_price: self.month_price.unwrap_or(p.month_price),
            year_price: self.year_price.unwrap_or(p.year_price),
            hour_price: self.hour_price.unwrap_or(p.hour_price),
            active: self.active.unwrap_or(p.active),
        }
    }
}

/// Changes an existing product (operators only): an unknown one is `PC.0404`; the changed
/// product must pass the rules of [`save_product`]. The product as saved.
pub async fn update_product(db: &Db, ctx: Ctx, ch: ProductChange) -> AppResult<Product> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let existing = product(&mut *c, &ch.product_id).await?.ok_or_else(|| {
                AppError::with_tr(
                    Code::NotFound,
                    format!("product {}", ch.product_id),
                    format!("产品 {}", ch.product_id),
                )
            })?;
            save_product_in(c, &ctx, ch.apply(existing)).await
        })
    })
    .await
}

/// [`save_product`] inside its transaction.
async fn save_product_in(c: &mut Conn, ctx: &Ctx, p: ProductInput) -> AppResult<Product> {
    p.validate()?;
    let rt: Option<String> =
        sql::query_scalar("SELECT service_type_code FROM catalog_resource_types WHERE code = $1")
            .bind(&p.resource_type_code)
            .fetch_optional(&mut *c)
            .await?;
    if rt.as_deref() != Some(p.service_type_code.as_str()) {
        return Err(AppError::invalid_tr(
            "resource_type_code must be a resource type of service_type_code",
            "resource_type_code 必须是 service_type_code 下的资源类型。",
        ));
    }
    let cents = |m: Option<Money>| m.map(|m| m.cents());
    let r = sql::query(
        "INSERT INTO catalog_products (id, service_type_code, resource_type_code, resource_spec, region, name_zh, name_en, \
         spec_desc_zh, spec_desc_en, size_measure_id, month_price, year_price, hour_price, active, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
         ON CONFLICT (id) DO UPDATE SET service_type_code = $2, resource_type_code = $3, resource_spec = $4, region = $5, \
         name_zh = $6, name_en = $7, spec_desc_zh = $8, spec_desc_en = $9, size_measure_id = $10, month_price = $11, \
         year_price = $12, hour_price = $13, active = $14, updated_at = $15",
    )
    .bind(&p.product_id)
    .bind(&p.service_type_code)
    .bind(&p.resource_type_code)
    .bind(p.resource_spec.trim())
    .bind(p.region.trim())
    .bind(p.name_zh.trim())
    .bind(p.name_en.trim())
    .bind(p.spec_desc_zh.trim())
    .bind(p.spec_desc_en.trim())
    .bind(p.size_measure_id)
    .bind(cents(p.month_price))
    .bind(cents(p.year_price))
    .bind(cents(p.hour_price))
    .bind(i64::from(p.active))
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await;
    crate::error::unique_violation_as(r, || {
        AppError::with_tr(
            Code::AlreadyExists,
            "another product has the same service type, resource type, spec and region",
            "已有其他产品使用相同的云服务类型、资源类型、规格和区域。",
        )
    })?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "catalog.save_product",
            target_kind: "product",
            target_id: &p.product_id,
            transfer_ids: &[],
            detail: serde_json::json!({
                "month_price": p.month_price.map(|m| m.to_string()),
                "year_price": p.year_price.map(|m| m.to_string()),
                "hour_price": p.hour_price.map(|m| m.to_string()),
                "active": p.active,
            }),
        },
    )
    .await?;
    product(&mut *c, &p.product_id)
        .await?
        .ok_or_else(|| AppError::internal("product vanished after saving"))
}

// ----------------------------------------------------------------------------------------------
// Service and resource types (operators)

/// A cloud service type as an operator enters it (and, with its texts trimmed, as saved). `code`
/// follows the vendor's form `hws.service.type.<name>`.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ServiceTypeInput {
    pub code: String,
    pub name_zh: String,
    pub name_en: String,
    pub abbreviation: String,
    pub sort_order: i64,
}

/// A resource type as an operator enters it (and, with its texts trimmed, as saved):
/// `hws.resource.type.<name>`, of one service type.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ResourceTypeInput {
    pub code: String,
    pub service_type_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub desc_zh: String,
    pub desc_en: String,
    pub sort_order: i64,
}

/// A type code: the vendor's prefix, then lower-case letters, digits, `.`, `_` or `-`.
fn check_code(field: &str, code: &str, prefix: &str) -> AppResult<()> {
    let rest = code.strip_prefix(prefix).unwrap_or("");
    if rest.is_empty()
        || code.len() > 64
        || !rest
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
    {
        return Err(AppError::invalid_tr(format!(
            "{field} must be {prefix}<name> in lower-case letters, digits, '.', '_' or '-' (at most 64 characters)"
        ), format!("{field} 必须是 {prefix}<名称>，由小写字母、数字、“.”、“_”或“-”组成（最多 64 个字符）。")));
    }
    Ok(())
}

/// Creates a service type or changes an existing one's names, abbreviation and order
/// (operators only). Audited. The type as saved.
pub async fn save_service_type(
    db: &Db,
    ctx: Ctx,
    t: ServiceTypeInput,
) -> AppResult<ServiceTypeInput> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            save_service_type_in(c, &ctx, &t).await?;
            Ok(ServiceTypeInput {
                code: t.code,
                name_zh: t.name_zh.trim().to_string(),
                name_en: t.name_en.trim().to_string(),
                abbreviation: t.abbreviation.trim().to_string(),
                sort_order: t.sort_order,
            })
        })
    })
    .await
}

async fn save_service_type_in(c: &mut Conn, ctx: &Ctx, t: &ServiceTypeInput) -> AppResult<()> {
    check_code("service_type_code", &t.code, "hws.service.type.")?;
    check_text("name_zh", &t.name_zh, 64, true)?;
    check_text("name_en", &t.name_en, 64, true)?;
    check_text("abbreviation", &t.abbreviation, 16, true)?;
    sql::query(
        "INSERT INTO catalog_service_types (code, name_zh, name_en, abbreviation, sort_order) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (code) DO UPDATE SET name_zh = $2, name_en = $3, abbreviation = $4, sort_order = $5",
    )
    .bind(&t.code)
    .bind(t.name_zh.trim())
    .bind(t.name_en.trim())
    .bind(t.abbreviation.trim())
    .bind(t.sort_order)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "catalog.save_service_type",
            target_kind: "service_type",
            target_id: &t.code,
            transfer_ids: &[],
            detail: serde_json::json!({"name_zh": t.name_zh.trim(), "name_en": t.name_en.trim(), "abbreviation": t.abbreviation.trim()}),
        },
    )
    .await
}

/// Creates a resource type or changes an existing one's names, descriptions and order
/// (operators only). Its service type must exist and never changes once set (products name both).
/// The type as saved.
pub async fn save_resource_type(
    db: &Db,
    ctx: Ctx,
    t: ResourceTypeInput,
) -> AppResult<ResourceTypeInput> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            save_resource_type_in(c, &ctx, &t).await?;
            Ok(ResourceTypeInput {
                code: t.code,
                service_type_code: t.service_type_code,
                name_zh: t.name_zh.trim().to_string(),
                name_en: t.name_en.trim().to_string(),
                desc_zh: t.desc_zh.trim().to_string(),
                desc_en: t.desc_en.trim().to_string(),
                sort_order: t.sort_order,
            })
        })
    })
    .await
}

async fn save_resource_type_in(c: &mut Conn, ctx: &Ctx, t: &ResourceTypeInput) -> AppResult<()> {
    check_code("resource_type_code", &t.code, "hws.resource.type.")?;
    check_text("name_zh", &t.name_zh, 64, true)?;
    check_text("name_en", &t.name_en, 64, true)?;
    check_text("desc_zh", &t.desc_zh, 256, false)?;
    check_text("desc_en", &t.desc_en, 256, false)?;
    let service: Option<String> =
        sql::query_scalar("SELECT code FROM catalog_service_types WHERE code = $1")
            .bind(&t.service_type_code)
            .fetch_optional(&mut *c)
            .await?;
    if service.is_none() {
        return Err(AppError::invalid_tr(
            format!("service type {} does not exist", t.service_type_code),
            format!("云服务类型 {} 不存在。", t.service_type_code),
        ));
    }
    let current: Option<String> =
        sql::query_scalar("SELECT service_type_code FROM catalog_resource_types WHERE code = $1")
            .bind(&t.code)
            .fetch_optional(&mut *c)
            .await?;
    if current.is_some_and(|s| s != t.service_type_code) {
        return Err(AppError::invalid_tr(
            "a resource type keeps its service type (products name both)",
            "资源类型不能更换所属的云服务类型（产品同时引用二者）。",
        ));
    }
    sql::query(
        "INSERT INTO catalog_resource_types (code, service_type_code, name_zh, name_en, desc_zh, desc_en, sort_order) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (code) DO UPDATE SET name_zh = $3, name_en = $4, desc_zh = $5, desc_en = $6, sort_order = $7",
    )
    .bind(&t.code)
    .bind(&t.service_type_code)
    .bind(t.name_zh.trim())
    .bind(t.name_en.trim())
    .bind(t.desc_zh.trim())
    .bind(t.desc_en.trim())
    .bind(t.sort_order)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "catalog.save_resource_type",
            target_kind: "resource_type",
            target_id: &t.code,
            transfer_ids: &[],
            detail: serde_json::json!({"service_type_code": t.service_type_code, "name_zh": t.name_zh.trim(), "name_en": t.name_en.trim()}),
        },
    )
    .await
}
