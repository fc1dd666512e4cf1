//! Catalogue operations of the vendor API (the vendor's API reference): service types, resource
//! types and yearly/monthly price quotes. The catalogue is in `pc_app::services::catalog`; the
//! discount rule of quotes in `pc_domain::orders`.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::{catalog, orders};
use pc_app::AppError;
use pc_domain::funds::{CURRENCY, MEASURE_YUAN};
use pc_domain::orders::{DiscountKind, RATING_DISCOUNT_PARTNER};
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_SERVICE_TYPES,
    LIST_RESOURCE_TYPES,
    LIST_RATE_ON_PERIOD_DETAIL,
];

/// `X-Language: en_US` asks for English names; anything else is Chinese (the vendor's default).
pub fn english(headers: &HeaderMap) -> bool {
    catalog::english(headers.get("x-language").and_then(|v| v.to_str().ok()))
}

// ----------------------------------------------------------------------------------------------
// §2.36 list_service_types

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListServiceTypesQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub service_type_name: Option<String>,
}

/// `ServiceTypes`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ServiceTypes {
    pub service_type_name: String,
    pub service_type_code: String,
    pub abbreviation: String,
}

/// `ListServiceTypesResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListServiceTypesResponse {
    pub total_count: i64,
    pub service_types: Vec<ServiceTypes>,
}

async fn list_service_types(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListServiceTypesQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let (offset, limit) = catalog::page(q.offset, q.limit)?;
    let (total_count, list) = catalog::service_types(
        &st.db,
        &caller.ctx(),
        q.service_type_name.as_deref(),
        offset,
        limit,
    )
    .await?;
    ok_json(&ListServiceTypesResponse {
        total_count,
        service_types: list
            .into_iter()
            .map(|s| ServiceTypes {
                service_type_name: s.name(en).to_string(),
                service_type_code: s.code,
                abbreviation: s.abbreviation,
            })
            .collect(),
    })
}

const LIST_SERVICE_TYPES: Operation = Operation {
    name: "list_service_types",
    method: Method::GET,
    path: "/v2/products/service-types",
    summary: "查询云服务类型列表 — the catalogue's cloud service types (name filter, X-Language)",
    callers: "partner, customer",
    request: Some(schema::<ListServiceTypesQuery>),
    response: schema::<ListServiceTypesResponse>,
    route: || get(list_service_types),
};

// ----------------------------------------------------------------------------------------------
// §2.37 list_resource_types

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListResourceTypesQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// `ResourceTypes`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResourceTypes {
    pub resource_type_code: String,
    pub resource_type_name: String,
    pub resource_type_desc: String,
    pub service_type_code: String,
}

/// `ListResourceTypesResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListResourceTypesResponse {
    pub total_count: i64,
    pub resource_types: Vec<ResourceTypes>,
}

async fn list_resource_types(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListResourceTypesQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let (offset, limit) = catalog::page(q.offset, q.limit)?;
    let (total_count, list) = catalog::resource_types(&st.db, &caller.ctx(), offset, limit).await?;
    ok_json(&ListResourceTypesResponse {
        total_count,
        resource_types: list
            .into_iter()
            .map(|r| ResourceTypes {
                resource_type_name: r.name(en).to_string(),
                resource_type_desc: r.desc(en).to_string(),
                resource_type_code: r.code,
                service_type_code: r.service_type_code,
            })
            .collect(),
    })
}

const LIST_RESOURCE_TYPES: Operation = Operation {
    name: "list_resource_types",
    method: Method::GET,
    path: "/v2/products/resource-types",
    summary: "查询资源类型列表 — the catalogue's resource types (X-Language)",
    callers: "partner, customer",
    request: Some(schema::<ListResourceTypesQuery>),
    response: schema::<ListResourceTypesResponse>,
    route: || get(list_resource_types),
};

// ----------------------------------------------------------------------------------------------
// §2.38 list_rate_on_period_detail

/// `PeriodProductInfo`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PeriodProductInfo {
    pub id: String,
    pub cloud_service_type: String,
    pub resource_type: String,
    pub resource_spec: String,
    pub region: String,
    pub available_zone: Option<String>,
    pub resource_size: Option<i64>,
    pub size_measure_id: Option<i64>,
    pub period_type: i64,
    pub period_num: i64,
    pub subscription_num: i64,
    pub fee_installment_mode: Option<String>,
}

/// `RateOnPeriodReq`. `project_id` is required as by the vendor; Partner Center has no IAM
/// projects, so it is checked for presence and not otherwise interpreted.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RateOnPeriodReq {
    pub project_id: Option<String>,
    pub product_infos: Option<Vec<PeriodProductInfo>>,
}

/// `PeriodProductOfficialRatingResult`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PeriodProductOfficialRatingResult {
    pub id: String,
    pub product_id: String,
    #[schemars(with = "f64")]
    pub official_website_amount: Money,
    pub measure_id: i64,
}

/// `OfficialWebsiteRatingResult`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OfficialWebsiteRatingResult {
    #[schemars(with = "f64")]
    pub official_website_amount: Money,
    pub measure_id: i64,
    pub product_rating_results: Vec<PeriodProductOfficialRatingResult>,
}

/// `PeriodProductRatingResult`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PeriodProductRatingResult {
    pub id: String,
    pub product_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    #[schemars(with = "f64")]
    pub official_website_amount: Money,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    pub measure_id: i64,
}

/// `OptionalDiscountRatingResult`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OptionalDiscountRatingResult {
    pub discount_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    #[schemars(with = "f64")]
    pub official_website_amount: Money,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    pub measure_id: i64,
    pub discount_type: i64,
    pub discount_name: String,
    pub best_offer: i64,
    pub product_rating_results: Vec<PeriodProductRatingResult>,
}

/// `ListRateOnPeriodDetailResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListRateOnPeriodDetailResponse {
    pub official_website_rating_result: OfficialWebsiteRatingResult,
    pub optional_discount_rating_results: Vec<OptionalDiscountRatingResult>,
    pub currency: String,
}

/// A quoted discount's `discount_type` on the rating operations.
pub(super) fn rating_discount_type(g: &orders::Grant) -> i64 {
    g.kind.fee_item().parse().unwrap_or(RATING_DISCOUNT_PARTNER)
}

/// A quoted discount's `discount_name` on the rating operations, in the language asked for.
pub(super) fn rating_discount_name(g: &orders::Grant, en: bool) -> String {
    match (g.kind, en) {
        (DiscountKind::Partner, true) => format!("Partner discount {}", g.ratio),
        (DiscountKind::Partner, false) => format!("伙伴折扣 {}", g.ratio),
        (DiscountKind::Promotion, true) => format!("Promotion {}", g.ratio),
        (DiscountKind::Promotion, false) => format!("促销折扣 {}", g.ratio),
        // Quotes are of products or resources, never of an order, so never an adjustment.
        (DiscountKind::Adjustment, true) => "Order price adjustment".to_string(),
        (DiscountKind::Adjustment, false) => "订单调价".to_string(),
    }
}

/// Quotes the list price of each product; for a customer's own key also one result per discount
/// its partner grants it that lowers the price (discount type 607 "partner-set discount rate"),
/// the largest marked `best_offer` 1. A partner's quote has no customer, so no discounts.
async fn list_rate_on_period_detail(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(req): VendorJson<RateOnPeriodReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    if req
        .project_id
        .as_deref()
        .is_none_or(|p| p.trim().is_empty())
    {
        return Err(AppError::invalid_tr("project_id is required", "project_id 必填。").into());
    }
    let infos = req.product_infos.unwrap_or_default();
    let ids: Vec<String> = infos.iter().map(|p| p.id.clone()).collect();
    let lines = infos
        .into_iter()
        .map(|p| orders::RatingLine {
            id: p.id,
            cloud_service_type: p.cloud_service_type,
            resource_type: p.resource_type,
            resource_spec: p.resource_spec,
            region: p.region,
            resource_size: p.resource_size,
            size_measure_id: p.size_measure_id,
            period_type: p.period_type,
            period_num: p.period_num,
            subscription_num: p.subscription_num,
        })
        .collect();
    let quote = orders::rate(&st.db, &caller.ctx(), lines).await?;
    let official_results = quote
        .items
        .iter()
        .zip(&ids)
        .map(|(i, id)| PeriodProductOfficialRatingResult {
            id: id.clone(),
            product_id: i.product.product_id.clone(),
            official_website_amount: i.official,
            measure_id: MEASURE_YUAN,
        })
        .collect();
    let discounts = quote
        .discounts
        .iter()
        .map(|d| OptionalDiscountRatingResult {
            discount_id: d.grant.id.clone(),
            amount: d.amount(),
            official_website_amount: quote.official(),
            discount_amount: d.discount(),
            measure_id: MEASURE_YUAN,
            discount_type: rating_discount_type(&d.grant),
            discount_name: rating_discount_name(&d.grant, en),
            best_offer: i64::from(d.best),
            product_rating_results: quote
                .items
                .iter()
                .zip(&ids)
                .zip(&d.lines)
                .map(|((i, id), l)| PeriodProductRatingResult {
                    id: id.clone(),
                    product_id: i.product.product_id.clone(),
                    amount: l.amount(),
                    official_website_amount: l.official,
                    discount_amount: l.discount,
                    measure_id: MEASURE_YUAN,
                })
                .collect(),
        })
        .collect();
    ok_json(&ListRateOnPeriodDetailResponse {
        official_website_rating_result: OfficialWebsiteRatingResult {
            official_website_amount: quote.official(),
            measure_id: MEASURE_YUAN,
            product_rating_results: official_results,
        },
        optional_discount_rating_results: discounts,
        currency: CURRENCY.into(),
    })
}

const LIST_RATE_ON_PERIOD_DETAIL: Operation = Operation {
    name: "list_rate_on_period_detail",
    method: Method::POST,
    path: "/v2/bills/ratings/period-resources/subscribe-rate",
    summary: "查询包年/包月产品价格 — list price of yearly/monthly products; for a customer also its partner-granted discounts",
    callers: "partner, customer",
    request: Some(schema::<RateOnPeriodReq>),
    response: schema::<ListRateOnPeriodDetailResponse>,
    route: || post(list_rate_on_period_detail),
};
