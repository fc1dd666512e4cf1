//! Pay-per-use usage and its pricing, for operators: importing a batch of usage lines (the
//! deployment's metering pushes them here; the CLI's `usage import` does the same from a file),
//! and setting a product's tiers and resource package. The rules are
//! `pc_app::services::usage` and `pc_app::services::catalog::set_usage_pricing`.
//!
//! **A refused batch (decision).** A batch with bad lines imports nothing and answers 400 with the
//! usual envelope (`CBC.0100`) plus `errors`: each bad line's 0-based `index`, its `usage_id` and
//! the reason in both languages (`message`, `message_zh`), so a metering client can fix exactly those lines.

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{post, put};
use pc_app::services::catalog::{self, Package, UsagePricing};
use pc_app::services::usage::{self, Ingested, LineError, Outcome};
use pc_app::AppError;
use pc_domain::usage::{Quantity, RawUsage, Tier};
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Decimal;
use crate::http::auth::{Caller, VendorJson};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[IMPORT_USAGE, SET_USAGE_PRICING];

/// One usage line.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UsageLine {
    pub usage_id: String,
    pub customer_id: String,
    pub resource_id: String,
    pub product_id: String,
    /// Hours used, at most six decimals.
    pub usage: Decimal,
    /// Units of size, for linear products (GB, Mbit/s).
    pub resource_size: Option<i64>,
    /// UTC, `2026-11-30T16:00:00Z`.
    pub begin_time: String,
    pub end_time: String,
    pub resource_name: Option<String>,
}

impl From<UsageLine> for RawUsage {
    fn from(l: UsageLine) -> RawUsage {
        RawUsage {
            usage_id: l.usage_id,
            customer_id: l.customer_id,
            resource_id: l.resource_id,
            product_id: l.product_id,
            usage: l.usage.0,
            resource_size: l.resource_size.map(|s| s.to_string()),
            begin_time: l.begin_time,
            end_time: l.end_time,
            resource_name: l.resource_name,
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportUsageReq {
    /// At most 1,000 lines.
    pub usage: Vec<UsageLine>,
}

/// What a batch did: lines imported and skipped as already imported, and the money, in yuan.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ImportUsageResp {
    pub accepted: usize,
    pub duplicates: usize,
    pub charged: String,
    pub paid_from_cash: String,
    pub owed: String,
    /// Hours resource packages covered.
    pub free_hours: String,
}

impl From<Ingested> for ImportUsageResp {
    fn from(i: Ingested) -> Self {
        let y = |c: i64| Money::from_cents(c).to_string();
        ImportUsageResp {
            accepted: i.accepted,
            duplicates: i.duplicates,
            charged: y(i.charged),
            paid_from_cash: y(i.paid_from_cash),
            owed: y(i.owed),
            free_hours: Quantity::from_micros(i.free_quantity).to_decimal(),
        }
    }
}

/// The 400 of a refused batch: the envelope and each bad line, its reason in both languages.
pub fn refused(errors: &[LineError]) -> Response {
    let e = AppError::invalid_tr(
        format!(
            "{} usage line(s) are invalid; nothing was imported",
            errors.len()
        ),
        format!("{} 条用量记录无效，未导入任何记录。", errors.len()),
    );
    let body = serde_json::json!({
        "error_code": e.code.vendor_code(),
        "error_msg": e.message(crate::http::error::caller_zh()),
        "errors": errors.iter().map(|l| serde_json::json!({
            "index": l.index,
            "usage_id": l.usage_id,
            "message": l.message,
            "message_zh": l.message_zh,
        })).collect::<Vec<_>>(),
    });
    let mut r = (StatusCode::BAD_REQUEST, body.to_string()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

async fn import_usage(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<ImportUsageReq>,
) -> Result<Response, ApiError> {
    let lines: Vec<RawUsage> = req.usage.into_iter().map(RawUsage::from).collect();
    if lines.is_empty() {
        return Err(AppError::invalid_tr(
            "usage holds at least one line",
            "usage 至少包含一条记录。",
        )
        .into());
    }
    match usage::ingest(&st.db, caller.ctx(), lines).await? {
        Outcome::Imported(i) => ok_json(&ImportUsageResp::from(i)),
        Outcome::Refused { errors } => Ok(refused(&errors)),
    }
}

const IMPORT_USAGE: Operation = Operation {
    name: "native_import_usage",
    method: Method::POST,
    path: "/native/v1/usage",
    summary: "Import up to 1,000 pay-per-use usage lines: rated, absorbed by resource packages, charged (operators; idempotent by usage_id)",
    callers: "operator",
    request: Some(schema::<ImportUsageReq>),
    response: schema::<ImportUsageResp>,
    route: || post(import_usage),
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TierReq {
    /// From this many hours of the customer's month on…
    pub from_hours: Decimal,
    /// …an hour costs this many yuan (per unit of size).
    pub hour_price: Decimal,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PackageReq {
    /// Free hours each period bought carries.
    pub hours: Decimal,
    /// The resource type whose usage they cover (in the product's region).
    pub resource_type_code: String,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetUsagePricingReq {
    #[serde(default)]
    pub tiers: Vec<TierReq>,
    pub package: Option<PackageReq>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct TierResp {
    pub from_hours: String,
    pub hour_price: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct PackageResp {
    pub hours: String,
    pub resource_type_code: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct UsagePricingResp {
    pub tiers: Vec<TierResp>,
    pub package: Option<PackageResp>,
}

fn hours(field: &str, d: &Decimal) -> Result<Quantity, ApiError> {
    Quantity::parse(&d.0).map_err(|_| {
        AppError::invalid_tr(
            format!("{field} must be a number of hours with at most 6 decimals"),
            format!("{field} 必须是小时数，最多 6 位小数。"),
        )
        .into()
    })
}

async fn set_usage_pricing(
    State(st): State<AppState>,
    caller: Caller,
    Path(product_id): Path<String>,
    VendorJson(req): VendorJson<SetUsagePricingReq>,
) -> Result<Response, ApiError> {
    let mut tiers = Vec::with_capacity(req.tiers.len());
    for t in &req.tiers {
        let price = Money::parse(t.hour_price.0.trim()).map_err(|_| {
            ApiError::from(AppError::invalid_tr(
                "hour_price must be an amount in yuan with at most 2 decimals",
                "hour_price 必须是以元为单位的金额，最多 2 位小数。",
            ))
        })?;
        tiers.push(Tier {
            from: hours("from_hours", &t.from_hours)?,
            hour_price_cents: price.cents(),
        });
    }
    let package = match &req.package {
        None => None,
        Some(p) => Some(Package {
            quantity: hours("hours", &p.hours)?,
            resource_type_code: p.resource_type_code.trim().to_string(),
        }),
    };
    let saved = catalog::set_usage_pricing(
        &st.db,
        caller.ctx(),
        product_id,
        UsagePricing { tiers, package },
    )
    .await?;
    ok_json(&UsagePricingResp {
        tiers: saved
            .tiers
            .iter()
            .map(|t| TierResp {
                from_hours: t.from.to_decimal(),
                hour_price: Money::from_cents(t.hour_price_cents).to_string(),
            })
            .collect(),
        package: saved.package.map(|p| PackageResp {
            hours: p.quantity.to_decimal(),
            resource_type_code: p.resource_type_code,
        }),
    })
}

const SET_USAGE_PRICING: Operation = Operation {
    name: "native_set_usage_pricing",
    method: Method::PUT,
    path: "/native/v1/catalog/products/{product_id}/usage-pricing",
    summary: "Set a product's pay-per-use tiers and make it (or stop it being) a resource package (operators)",
    callers: "operator",
    request: Some(schema::<SetUsagePricingReq>),
    response: schema::<UsagePricingResp>,
    route: || put(set_usage_pricing),
};
