//! Pay-per-use operations of the vendor API: a partner's customers' on-demand resources, a
//! customer's resource packages (their grants, remaining hours and deductions), and the price of
//! pay-per-use before it is used. Who sees what is decided in `pc_app::services::usage`.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::catalog::{self as cat};
use pc_app::services::usage::{
    self, DeductionQuery, FreeResource, OnDemandQuery, PackageQuery, RateItem,
};
use pc_app::AppError;
use pc_domain::funds::{CURRENCY, MEASURE_YUAN};
use pc_domain::usage::{Quantity, MEASURE_HOUR};
use pc_domain::{timefmt, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bills::name_of;
use super::catalog::english;
use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::error::ApiError;
use crate::http::native::Decimal;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_CUSTOMER_ON_DEMAND_RESOURCES,
    LIST_FREE_RESOURCE_INFOS,
    LIST_FREE_RESOURCE_USAGES,
    LIST_FREE_RESOURCES_USAGE_RECORDS,
    LIST_ON_DEMAND_RESOURCE_RATINGS,
];

/// A quantity of hours as the wire's decimal number.
fn hours_number(q: Quantity) -> serde_json::Number {
    q.to_decimal()
        .parse()
        .unwrap_or_else(|_| serde_json::Number::from(0))
}

// ----------------------------------------------------------------------------------------------
// list_customer_on_demand_resources

#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryCustomerOnDemandResourcesReq {
    pub customer_id: Option<String>,
    pub region_code: Option<String>,
    pub service_type_code: Option<String>,
    pub resource_ids: Option<Vec<String>>,
    pub effective_time_begin: Option<String>,
    pub effective_time_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub status: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

/// `CustomerOnDemandResource`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerOnDemandResource {
    pub customer_id: String,
    pub region_code: String,
    pub availability_zone_code: Option<String>,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub resource_id: String,
    pub resource_name: String,
    pub effective_time: String,
    /// Pay-per-use resources do not expire.
    pub expire_time: Option<String>,
    pub status: i64,
    pub resource_spec_code: String,
    pub resource_info: Option<String>,
    pub product_spec_desc: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerOnDemandResourcesResponse {
    pub resources: Vec<CustomerOnDemandResource>,
    pub total_count: i64,
}

async fn list_customer_on_demand_resources(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(req): VendorJson<QueryCustomerOnDemandResourcesReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let q = OnDemandQuery {
        customer_id: req.customer_id,
        region_code: req.region_code,
        service_type_code: req.service_type_code,
        resource_ids: req.resource_ids,
        effective_time_begin: req.effective_time_begin,
        effective_time_end: req.effective_time_end,
        status: req.status,
        indirect_partner_id: req.indirect_partner_id,
        offset: req.offset,
        limit: req.limit,
    };
    let (total_count, list) = usage::on_demand_resources(&st.db, &caller.ctx(), &q).await?;
    let s: Vec<&str> = list.iter().map(|r| r.service_type_code.as_str()).collect();
    let r: Vec<&str> = list.iter().map(|r| r.resource_type_code.as_str()).collect();
    let (services, resources) = cat::type_names(st.db.read(), &s, &r).await?;
    ok_json(&ListCustomerOnDemandResourcesResponse {
        total_count,
        resources: list
            .iter()
            .map(|r| CustomerOnDemandResource {
                customer_id: r.customer_id.clone(),
                region_code: r.region.clone(),
                availability_zone_code: None,
                service_type_code: r.service_type_code.clone(),
                resource_type_code: r.resource_type_code.clone(),
                service_type_name: name_of(&services, &r.service_type_code, en),
                resource_type_name: name_of(&resources, &r.resource_type_code, en),
                resource_id: r.resource_id.clone(),
                resource_name: r.name.clone(),
                effective_time: timefmt::format_utc(r.effective_at),
                expire_time: None,
                status: r.status,
                resource_spec_code: r.resource_spec.clone(),
                resource_info: None,
                product_spec_desc: None,
            })
            .collect(),
    })
}

const LIST_CUSTOMER_ON_DEMAND_RESOURCES: Operation = Operation {
    name: "list_customer_on_demand_resources",
    method: Method::POST,
    path: "/v2/partners/sub-customers/on-demand-resources/query",
    summary: "查询客户按需资源列表 — one customer's pay-per-use resources (known from their first usage), as its partner (or, with indirect_partner_id, its reseller)",
    callers: "partner",
    request: Some(schema::<QueryCustomerOnDemandResourcesReq>),
    response: schema::<ListCustomerOnDemandResourcesResponse>,
    route: || post(list_customer_on_demand_resources),
};

// ----------------------------------------------------------------------------------------------
// list_free_resource_infos (v3)

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListFreeResourceInfosReq {
    pub region_code: Option<String>,
    pub order_id: Option<String>,
    pub product_id: Option<String>,
    pub product_name: Option<String>,
    /// Accepted and ignored: this system has no enterprise projects.
    pub enterprise_project_id: Option<String>,
    pub status: Option<i64>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub service_type_code_list: Option<Vec<String>>,
}

/// `FreeResourceV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FreeResourceV3 {
    pub free_resource_id: String,
    pub usage_type_name: Option<String>,
    pub amount: String,
    pub original_amount: String,
    pub measure_id: i64,
}

/// `FreeResourcePackageV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FreeResourcePackageV3 {
    pub order_instance_id: String,
    pub order_id: String,
    pub product_id: String,
    pub product_name: String,
    pub enterprise_project_id: Option<String>,
    pub enterprise_project_scope: i64,
    pub effective_time: String,
    pub expire_time: String,
    pub status: i64,
    pub service_type_code: String,
    pub service_type_name: Option<String>,
    pub region_code: String,
    pub source_type: i64,
    pub bundle_type: String,
    pub quota_reuse_mode: i64,
    pub free_resources: Vec<FreeResourceV3>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListFreeResourceInfosResponse {
    pub free_resource_packages: Vec<FreeResourcePackageV3>,
    pub total_count: i64,
}

async fn list_free_resource_infos(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(req): VendorJson<ListFreeResourceInfosReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let q = PackageQuery {
        region_code: req.region_code,
        order_id: req.order_id,
        product_id: req.product_id,
        product_name: req.product_name,
        status: req.status,
        service_type_codes: req.service_type_code_list.unwrap_or_default(),
        offset: req.offset,
        limit: req.limit,
    };
    let (total_count, list) = usage::my_packages(&st.db, &caller.ctx(), &q).await?;
    let s: Vec<&str> = list.iter().map(|f| f.service_type_code.as_str()).collect();
    let r: Vec<&str> = list.iter().map(|f| f.resource_type_code.as_str()).collect();
    let (services, resources) = cat::type_names(st.db.read(), &s, &r).await?;
    ok_json(&ListFreeResourceInfosResponse {
        total_count,
        free_resource_packages: list
            .iter()
            .map(|f| FreeResourcePackageV3 {
                order_instance_id: f.package_resource_id.clone(),
                order_id: f.order_id.clone(),
                product_id: f.product_id.clone(),
                product_name: if en {
                    f.product_name_en.clone()
                } else {
                    f.product_name_zh.clone()
                },
                enterprise_project_id: None,
                enterprise_project_scope: 0,
                effective_time: timefmt::format_utc(f.effective_at),
                expire_time: timefmt::format_utc(f.expire_at),
                status: f.status,
                service_type_code: f.service_type_code.clone(),
                service_type_name: name_of(&services, &f.service_type_code, en),
                region_code: f.region.clone(),
                source_type: 0,
                bundle_type: "ATOMIC_PKG".into(),
                quota_reuse_mode: 2,
                free_resources: vec![FreeResourceV3 {
                    free_resource_id: f.id.clone(),
                    usage_type_name: name_of(&resources, &f.resource_type_code, en),
                    amount: f.remaining.to_decimal(),
                    original_amount: f.original.to_decimal(),
                    measure_id: MEASURE_HOUR,
                }],
            })
            .collect(),
    })
}

const LIST_FREE_RESOURCE_INFOS: Operation = Operation {
    name: "list_free_resource_infos",
    method: Method::POST,
    path: "/v3/payments/free-resources/query",
    summary: "查询资源包列表 — the calling customer's resource packages: one per period bought, with the hours left",
    callers: "customer",
    request: Some(schema::<ListFreeResourceInfosReq>),
    response: schema::<ListFreeResourceInfosResponse>,
    route: || post(list_free_resource_infos),
};

// ----------------------------------------------------------------------------------------------
// list_free_resource_usages

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListFreeResourceUsagesReq {
    pub free_resource_ids: Option<Vec<String>>,
}

/// `FreeResourceDetail`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FreeResourceDetail {
    pub free_resource_id: String,
    pub free_resource_type_name: Option<String>,
    pub quota_reuse_cycle: Option<i64>,
    pub quota_reuse_cycle_type: Option<i64>,
    pub usage_type_name: Option<String>,
    pub start_time: String,
    pub end_time: String,
    pub amount: serde_json::Number,
    pub original_amount: serde_json::Number,
    pub measure_id: i64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListFreeResourceUsagesResponse {
    pub free_resources: Vec<FreeResourceDetail>,
}

fn detail(f: &FreeResource, resources: &cat::TypeNames, en: bool) -> FreeResourceDetail {
    let type_name = name_of(resources, &f.resource_type_code, en);
    FreeResourceDetail {
        free_resource_id: f.id.clone(),
        free_resource_type_name: type_name.clone(),
        quota_reuse_cycle: None,
        quota_reuse_cycle_type: None,
        usage_type_name: type_name,
        start_time: timefmt::format_utc(f.effective_at),
        end_time: timefmt::format_utc(f.expire_at),
        amount: hours_number(f.remaining),
        original_amount: hours_number(f.original),
        measure_id: MEASURE_HOUR,
    }
}

async fn list_free_resource_usages(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(req): VendorJson<ListFreeResourceUsagesReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let ids = req.free_resource_ids.unwrap_or_default();
    let list = usage::my_free_resources(&st.db, &caller.ctx(), &ids).await?;
    let r: Vec<&str> = list.iter().map(|f| f.resource_type_code.as_str()).collect();
    let (_, resources) = cat::type_names(st.db.read(), &[], &r).await?;
    ok_json(&ListFreeResourceUsagesResponse {
        free_resources: list.iter().map(|f| detail(f, &resources, en)).collect(),
    })
}

const LIST_FREE_RESOURCE_USAGES: Operation = Operation {
    name: "list_free_resource_usages",
    method: Method::POST,
    path: "/v2/payments/free-resources/usages/details/query",
    summary: "查询资源包使用量 — the hours left in the calling customer's resource packages, by free resource id",
    callers: "customer",
    request: Some(schema::<ListFreeResourceUsagesReq>),
    response: schema::<ListFreeResourceUsagesResponse>,
    route: || post(list_free_resource_usages),
};

// ----------------------------------------------------------------------------------------------
// list_free_resources_usage_records

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListFreeResourcesUsageRecordsQuery {
    pub free_resource_id: Option<String>,
    pub product_id: Option<String>,
    pub resource_type_code: Option<String>,
    pub deduct_time_begin: Option<String>,
    pub deduct_time_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// `FreeResourceRecord`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FreeResourceRecord {
    pub deduct_time: String,
    pub free_resource_id: String,
    pub resource_id: String,
    pub resource_type_code: String,
    pub resource_type_name: Option<String>,
    pub resource_tag: Option<String>,
    pub product_id: String,
    pub product_name: String,
    pub usage_type_code: String,
    pub available_amount: String,
    pub remaining_amount: String,
    pub used_amount: String,
    pub measure_id: i64,
    pub effective_time: String,
    pub expire_time: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListFreeResourcesUsageRecordsResponse {
    pub free_resource_records: Vec<FreeResourceRecord>,
    pub total_count: i64,
}

async fn list_free_resources_usage_records(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListFreeResourcesUsageRecordsQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let query = DeductionQuery {
        free_resource_id: q.free_resource_id,
        product_id: q.product_id,
        resource_type_code: q.resource_type_code,
        deduct_time_begin: q.deduct_time_begin,
        deduct_time_end: q.deduct_time_end,
        offset: q.offset,
        limit: q.limit,
    };
    let (total_count, list) = usage::my_deductions(&st.db, &caller.ctx(), &query).await?;
    let r: Vec<&str> = list.iter().map(|d| d.resource_type_code.as_str()).collect();
    let (_, resources) = cat::type_names(st.db.read(), &[], &r).await?;
    ok_json(&ListFreeResourcesUsageRecordsResponse {
        total_count,
        free_resource_records: list
            .iter()
            .map(|d| FreeResourceRecord {
                deduct_time: timefmt::format_utc(d.deducted_at),
                free_resource_id: d.free_resource_id.clone(),
                resource_id: d.resource_id.clone(),
                resource_type_code: d.resource_type_code.clone(),
                resource_type_name: name_of(&resources, &d.resource_type_code, en),
                resource_tag: None,
                product_id: d.product_id.clone(),
                product_name: if en {
                    d.product_name_en.clone()
                } else {
                    d.product_name_zh.clone()
                },
                usage_type_code: d.resource_type_code.clone(),
                available_amount: d.original.to_decimal(),
                remaining_amount: d.remaining_after.to_decimal(),
                used_amount: d.used.to_decimal(),
                measure_id: MEASURE_HOUR,
                effective_time: timefmt::format_utc(d.effective_at),
                expire_time: timefmt::format_utc(d.expire_at),
            })
            .collect(),
    })
}

const LIST_FREE_RESOURCES_USAGE_RECORDS: Operation = Operation {
    name: "list_free_resources_usage_records",
    method: Method::GET,
    path: "/v2/bills/customer-bills/free-resources-usage-records",
    summary: "查询资源包使用明细 — each deduction of the calling customer's usage from its resource packages, newest first",
    callers: "customer",
    request: Some(schema::<ListFreeResourcesUsageRecordsQuery>),
    response: schema::<ListFreeResourcesUsageRecordsResponse>,
    route: || get(list_free_resources_usage_records),
};

// ----------------------------------------------------------------------------------------------
// list_on_demand_resource_ratings

#[derive(Debug, Deserialize, JsonSchema)]
pub struct DemandProductInfo {
    pub id: String,
    pub cloud_service_type: String,
    pub resource_type: String,
    pub resource_spec: String,
    pub region: String,
    pub available_zone: Option<String>,
    pub resource_size: Option<i64>,
    pub size_measure_id: Option<i64>,
    pub usage_factor: Option<String>,
    pub usage_value: Decimal,
    pub usage_measure_id: Option<i64>,
    pub subscription_num: Option<i64>,
}

#[derive(Debug, Deserialize, JsonSchema)]
pub struct RateOnDemandReq {
    pub project_id: Option<String>,
    pub inquiry_precision: Option<i64>,
    pub product_infos: Vec<DemandProductInfo>,
}

/// `DemandProductRatingResult`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DemandProductRatingResult {
    pub id: String,
    pub product_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    #[schemars(with = "f64")]
    pub official_website_amount: Money,
    pub measure_id: i64,
    pub discount_rating_results: Vec<serde_json::Value>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOnDemandResourceRatingsResponse {
    #[schemars(with = "f64")]
    pub amount: Money,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    #[schemars(with = "f64")]
    pub official_website_amount: Money,
    pub measure_id: i64,
    pub currency: String,
    pub product_rating_results: Vec<DemandProductRatingResult>,
}

async fn list_on_demand_resource_ratings(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<RateOnDemandReq>,
) -> Result<Response, ApiError> {
    let mut items = Vec::with_capacity(req.product_infos.len());
    for p in req.product_infos {
        // Usage is priced in hours (measure 4); other measures are not rated here.
        if p.usage_measure_id.is_some_and(|m| m != MEASURE_HOUR) {
            return Err(AppError::invalid_tr(
                format!(
                    "product {}: usage_measure_id must be {MEASURE_HOUR} (hours)",
                    p.id
                ),
                format!(
                    "产品 {}：usage_measure_id 必须是 {MEASURE_HOUR}（小时）。",
                    p.id
                ),
            )
            .into());
        }
        let usage = Quantity::parse(&p.usage_value.0).map_err(|_| {
            AppError::invalid_tr(
                format!(
                    "product {}: usage_value must be a number of hours with at most 6 decimals",
                    p.id
                ),
                format!("产品 {}：usage_value 必须是小时数，最多 6 位小数。", p.id),
            )
        })?;
        items.push(RateItem {
            id: p.id,
            cloud_service_type: p.cloud_service_type,
            resource_type: p.resource_type,
            resource_spec: p.resource_spec,
            region: p.region,
            usage,
            resource_size: p.resource_size,
            subscription_num: p.subscription_num.unwrap_or(1),
        });
    }
    let rated = usage::rate_on_demand(&st.db, &caller.ctx(), &items).await?;
    let total: i64 = rated.iter().map(|r| r.amount).sum();
    ok_json(&ListOnDemandResourceRatingsResponse {
        amount: Money::from_cents(total),
        discount_amount: Money::ZERO,
        official_website_amount: Money::from_cents(total),
        measure_id: MEASURE_YUAN,
        currency: CURRENCY.to_string(),
        product_rating_results: rated
            .into_iter()
            .map(|r| DemandProductRatingResult {
                id: r.id,
                product_id: r.product_id,
                amount: Money::from_cents(r.amount),
                discount_amount: Money::ZERO,
                official_website_amount: Money::from_cents(r.amount),
                measure_id: MEASURE_YUAN,
                discount_rating_results: Vec::new(),
            })
            .collect(),
    })
}

const LIST_ON_DEMAND_RESOURCE_RATINGS: Operation = Operation {
    name: "list_on_demand_resource_ratings",
    method: Method::POST,
    path: "/v2/bills/ratings/on-demand-resources",
    summary: "查询按需产品价格 — the list price of pay-per-use usage before it is used: hours × the catalogue's hourly price (its tiers from a month's first hour) × size × number",
    callers: "partner, customer",
    request: Some(schema::<RateOnDemandReq>),
    response: schema::<ListOnDemandResourceRatingsResponse>,
    route: || post(list_on_demand_resource_ratings),
};
