//! The catalogue's pay-per-use side: each rateable product's hourly price and monthly tiers, and
//! the resource packages (yearly/monthly products carrying free hours of one resource type).
//! Operators set them with [`set_usage_pricing`]; rating (`services::usage`) and provisioning a
//! package (`services::usage::packages`) read them here.

use std::collections::HashMap;

use pc_domain::usage::{Quantity, Tier};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::store::filters::rows_with_ids;
use crate::store::sql::{self, Conn};
use crate::store::{audit, Db};

/// What rating needs of one product.
#[derive(Debug, Clone)]
pub struct UsagePrice {
    pub product_id: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub resource_spec: String,
    pub region: String,
    pub name_zh: String,
    pub name_en: String,
    pub spec_desc_zh: String,
    pub spec_desc_en: String,
    pub active: bool,
    /// Cents per hour (per unit of size for linear products); `None`: not sold by usage.
    pub hour_price: Option<i64>,
    pub linear: bool,
    /// Sorted by `from`.
    pub tiers: Vec<Tier>,
}

/// The pay-per-use prices of `ids` (those that exist), in two queries.
pub async fn usage_prices(c: &mut Conn, ids: &[&str]) -> AppResult<HashMap<String, UsagePrice>> {
    let mut out = HashMap::new();
    if ids.is_empty() {
        return Ok(out);
    }
    let rows = rows_with_ids(
        &mut *c,
        "SELECT id, service_type_code, resource_type_code, resource_spec, region, name_zh, name_en, \
         spec_desc_zh, spec_desc_en, active, hour_price, size_measure_id FROM catalog_products",
        "id",
        ids,
        &[],
    )
    .await?;
    for r in rows {
        let id: String = r.get(0);
        out.insert(
            id.clone(),
            UsagePrice {
                product_id: id,
                service_type_code: r.get(1),
                resource_type_code: r.get(2),
                resource_spec: r.get(3),
                region: r.get(4),
                name_zh: r.get(5),
                name_en: r.get(6),
                spec_desc_zh: r.get(7),
                spec_desc_en: r.get(8),
                active: r.get::<i64, _>(9) != 0,
                hour_price: r.get(10),
                linear: r.get::<Option<i64>, _>(11).is_some(),
                tiers: Vec::new(),
            },
        );
    }
    let tiers = rows_with_ids(
        &mut *c,
        "SELECT product_id, from_quantity, hour_price FROM catalog_usage_tiers",
        "product_id",
        ids,
        &[],
    )
    .await?;
    for r in tiers {
        let id: String = r.get(0);
        if let Some(p) = out.get_mut(&id) {
            p.tiers.push(Tier {
                from: Quantity::from_micros(r.get(1)),
                hour_price_cents: r.get(2),
            });
        }
    }
    for p in out.values_mut() {
        p.tiers.sort_by_key(|t| t.from);
    }
    Ok(out)
}

/// A resource package: the free hours one period of the product carries, for which resource type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Package {
    pub quantity: Quantity,
    pub resource_type_code: String,
}

/// The package a product is, if it is one.
pub async fn package_of(c: &mut Conn, product_id: &str) -> AppResult<Option<Package>> {
    let row: Option<(Option<i64>, Option<String>)> = sql::query_as(
        "SELECT package_quantity, package_resource_type_code FROM catalog_products WHERE id = $1",
    )
    .bind(product_id)
    .fetch_optional(&mut *c)
    .await?;
    Ok(match row {
        Some((Some(q), Some(t))) if q > 0 => Some(Package {
            quantity: Quantity::from_micros(q),
            resource_type_code: t,
        }),
        _ => None,
    })
}

/// What an operator sets of a product's pay-per-use side.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct UsagePricing {
    /// Tiers of the hourly price by the customer's monthly usage (replaces the product's tiers).
    pub tiers: Vec<Tier>,
    /// Makes the product a resource package (or, `None`, no longer one).
    pub package: Option<Package>,
}

/// Sets a product's tiers and package (operators only). Tiers need the product to have an hourly
/// price, start above zero hours, at distinct points, with prices not below zero; a package names
/// an existing resource type and a quantity above zero.
pub async fn set_usage_pricing(
    db: &Db,
    ctx: Ctx,
    product_id: String,
    p: UsagePricing,
) -> AppResult<UsagePricing> {
    ctx.actor.require_operator()?;
    let mut tiers = p.tiers.clone();
    tiers.sort_by_key(|t| t.from);
    for (i, t) in tiers.iter().enumerate() {
        if t.from == Quantity::ZERO {
            return Err(AppError::invalid_tr("a tier starts above zero hours (below the first tier the product's hour_price applies)", "阶梯起点须大于 0 小时（首个阶梯以下按产品的 hour_price 计费）。"));
        }
        if t.hour_price_cents < 0 {
            return Err(AppError::invalid_tr(
                "a tier's hour_price must not be negative",
                "阶梯的 hour_price 不能为负数。",
            ));
        }
        if i > 0 && tiers[i - 1].from == t.from {
            return Err(AppError::invalid_tr(
                "two tiers start at the same quantity",
                "两个阶梯的起点相同。",
            ));
        }
    }
    if let Some(pk) = &p.package {
        if pk.quantity == Quantity::ZERO {
            return Err(AppError::invalid_tr(
                "a package carries more than zero hours",
                "资源包的时长须大于 0 小时。",
            ));
        }
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let row: Option<Option<i64>> =
                sql::query_scalar("SELECT hour_price FROM catalog_products WHERE id = $1")
                    .bind(&product_id)
                    .fetch_optional(&mut *c)
                    .await?;
            let Some(hour_price) = row else {
                return Err(AppError::with_tr(crate::error::Code::NotFound, "no such product", "产品不存在。"));
            };
            if !tiers.is_empty() && hour_price.is_none() {
                return Err(AppError::invalid_tr("tiers need the product to have an hour_price", "设置阶梯价前，产品须有 hour_price。"));
            }
            if let Some(pk) = &p.package {
                let known: Option<i64> =
                    sql::query_scalar("SELECT 1 FROM catalog_resource_types WHERE code = $1")
                        .bind(&pk.resource_type_code)
                        .fetch_optional(&mut *c)
                        .await?;
                if known.is_none() {
                    return Err(AppError::invalid_tr(format!(
                        "resource type {} does not exist",
                        pk.resource_type_code
                    ), format!("资源类型 {} 不存在。", pk.resource_type_code)));
                }
            }
            sql::query("DELETE FROM catalog_usage_tiers WHERE product_id = $1")
                .bind(&product_id)
                .execute(&mut *c)
                .await?;
            for t in &tiers {
                sql::query(
                    "INSERT INTO catalog_usage_tiers (product_id, from_quantity, hour_price) VALUES ($1, $2, $3)",
                )
                .bind(&product_id)
                .bind(t.from.micros())
                .bind(t.hour_price_cents)
                .execute(&mut *c)
                .await?;
            }
            sql::query(
                "UPDATE catalog_products SET package_quantity = $1, package_resource_type_code = $2, updated_at = $3 WHERE id = $4",
            )
            .bind(p.package.as_ref().map(|k| k.quantity.micros()))
            .bind(p.package.as_ref().map(|k| k.resource_type_code.clone()))
            .bind(ctx.now_ms)
            .bind(&product_id)
            .execute(&mut *c)
            .await?;
            let out = UsagePricing {
                tiers,
                package: p.package,
            };
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "catalog.set_usage_pricing",
                    target_kind: "product",
                    target_id: &product_id,
                    transfer_ids: &[],
                    detail: serde_json::to_value(&out).map_err(AppError::internal)?,
                },
            )
            .await?;
            Ok(out)
        })
    })
    .await
}
