//! Yearly/monthly resource operations of the vendor API (the vendor's API reference): list, renew,
//! auto-renewal on and off, renewal quotes and the renewal settings, changing to pay-per-use at
//! expiry or at once. Rules in `pc_app::services::subscriptions` (`resources`, `renewal`,
//! `renew_rates`, `renew_config`, `to_on_demand`).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::post;
use pc_app::services::subscriptions::renew_config::{self, RenewConfigRequest};
use pc_app::services::subscriptions::renew_rates::{self, RenewRateRequest};
use pc_app::services::subscriptions::renewal::{self, AutoRenew, Renewal};
use pc_app::services::subscriptions::resources::{self, Resource, ResourceQuery};
use pc_app::services::subscriptions::to_on_demand::{self, ChangeNow, ExpiryChange};
use pc_app::AppError;
use pc_domain::funds::CURRENCY;
use pc_domain::timefmt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::{english, rating_discount_name, rating_discount_type};
use super::orders::EmptyResponse;
use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_RESOURCES,
    RENEWAL_RESOURCES,
    AUTO_RENEWAL_RESOURCES,
    CANCEL_AUTO_RENEWAL_RESOURCES,
    LIST_RENEW_RATE_ON_PERIOD,
    SET_RESOURCES_RENEW_CONFIG,
    UPDATE_PERIOD_TO_ON_DEMAND,
    UPDATE_PERIOD_TO_ON_DEMAND_INSTANTLY,
];

// ----------------------------------------------------------------------------------------------
// §2.28 list_pay_per_use_customer_resources

/// `QueryResourcesReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryResourcesReq {
    pub resource_ids: Option<Vec<String>>,
    pub order_id: Option<String>,
    pub only_main_resource: Option<i64>,
    pub status_list: Option<Vec<i64>>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub expire_time_begin: Option<String>,
    pub expire_time_end: Option<String>,
    pub service_type_code: Option<String>,
    pub customer_id: Option<String>,
    /// Not in the vendor's model: a master distributor reading a reseller's customer.
    pub indirect_partner_id: Option<String>,
}

/// `OrderInstanceV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrderInstanceV2 {
    pub id: String,
    pub resource_id: String,
    pub resource_name: String,
    pub region_code: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub resource_type_name: Option<String>,
    pub service_type_name: Option<String>,
    pub resource_spec_code: String,
    pub project_id: String,
    pub product_id: String,
    pub parent_resource_id: Option<String>,
    pub is_main_resource: i64,
    pub status: i64,
    pub effective_time: String,
    pub expire_time: String,
    pub expire_policy: i64,
    pub product_spec_desc: Option<String>,
    #[schemars(with = "Option<f64>")]
    pub spec_size: Option<serde_json::Number>,
    pub spec_size_measure_id: Option<i64>,
    pub update_time: String,
}

pub fn instance(r: Resource, en: bool) -> OrderInstanceV2 {
    let pick = |zh: Option<String>, e: Option<String>| if en { e } else { zh };
    OrderInstanceV2 {
        id: r.id.clone(),
        resource_id: r.id,
        resource_name: r.name,
        region_code: r.region,
        service_type_code: r.service_type_code,
        resource_type_code: r.resource_type_code,
        resource_type_name: pick(r.resource_type_name_zh, r.resource_type_name_en),
        service_type_name: pick(r.service_type_name_zh, r.service_type_name_en),
        resource_spec_code: r.resource_spec,
        project_id: "0".into(),
        product_id: r.product_id,
        parent_resource_id: r.parent_id,
        is_main_resource: r.is_main,
        status: r.status,
        effective_time: timefmt::format_utc(r.effective_at),
        expire_time: timefmt::format_utc(r.expire_at),
        expire_policy: r.expire_policy,
        product_spec_desc: pick(r.spec_desc_zh, r.spec_desc_en),
        spec_size: r.size.map(serde_json::Number::from),
        spec_size_measure_id: r.size.and(r.size_measure_id),
        update_time: timefmt::format_utc(r.updated_at),
    }
}

/// `ListPayPerUseCustomerResourcesResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListPayPerUseCustomerResourcesResponse {
    pub data: Vec<OrderInstanceV2>,
    pub total_count: i64,
}

async fn list_resources(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(req): VendorJson<QueryResourcesReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let q = ResourceQuery::parse(
        req.resource_ids,
        req.order_id,
        req.only_main_resource,
        req.status_list,
        req.offset,
        req.limit,
        req.expire_time_begin,
        req.expire_time_end,
        req.service_type_code,
        req.customer_id,
    )?;
    let (total, list) = resources::list(
        &st.db,
        &caller.ctx(),
        req.indirect_partner_id.as_deref(),
        &q,
    )
    .await?;
    ok_json(&ListPayPerUseCustomerResourcesResponse {
        data: list.into_iter().map(|r| instance(r, en)).collect(),
        total_count: total,
    })
}

const LIST_RESOURCES: Operation = Operation {
    name: "list_pay_per_use_customer_resources",
    method: Method::POST,
    path: "/v2/orders/suscriptions/resources/query",
    summary: "查询客户包年/包月资源列表 — a customer's yearly/monthly resources (a partner names its customer)",
    callers: "partner, customer",
    request: Some(schema::<QueryResourcesReq>),
    response: schema::<ListPayPerUseCustomerResourcesResponse>,
    route: || post(list_resources),
};

// ----------------------------------------------------------------------------------------------
// §2.29 renewal_resources

/// `RenewalResourcesReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RenewalResourcesReq {
    pub resource_ids: Option<Vec<String>>,
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    pub is_auto_pay: Option<i64>,
}

/// `FailResourceInfo` (a renewal succeeds or fails whole; a renewal quote lists here the
/// resources it cannot quote).
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailResourceInfo {
    pub resource_id: String,
    pub error_code: String,
    pub error_msg: String,
}

/// `RenewalResourcesResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RenewalResourcesResponse {
    pub order_ids: Vec<String>,
    pub fail_resource_infos: Vec<FailResourceInfo>,
}

async fn renewal_resources(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<RenewalResourcesReq>,
) -> Result<Response, ApiError> {
    let renewal = Renewal::parse(
        req.resource_ids,
        req.period_type,
        req.period_num,
        req.is_auto_pay,
    )?;
    let r = renewal::renew(&st.db, caller.ctx(), renewal).await?;
    ok_json(&RenewalResourcesResponse {
        order_ids: r.order_ids,
        fail_resource_infos: Vec::new(),
    })
}

const RENEWAL_RESOURCES: Operation = Operation {
    name: "renewal_resources",
    method: Method::POST,
    path: "/v2/orders/subscriptions/resources/renew",
    summary: "续订包年/包月资源 — the customer renews resources: a renewal order, paid from the balance when is_auto_pay = 1",
    callers: "customer",
    request: Some(schema::<RenewalResourcesReq>),
    response: schema::<RenewalResourcesResponse>,
    route: || post(renewal_resources),
};

// ----------------------------------------------------------------------------------------------
// §2.30 auto_renewal_resources, §2.31 cancel_auto_renewal_resources

/// `AutoRenewalResourcesReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AutoRenewalResourcesReq {
    pub auto_renew_times: Option<i64>,
    pub period_type: Option<String>,
}

async fn auto_renewal_resources(
    State(st): State<AppState>,
    caller: Caller,
    Path(resource_id): Path<String>,
    VendorJson(b): VendorJson<AutoRenewalResourcesReq>,
) -> Result<Response, ApiError> {
    let a = AutoRenew {
        resource_id,
        times: b.auto_renew_times,
        period: b.period_type,
    };
    renewal::set_auto_renew(&st.db, caller.ctx(), a).await?;
    ok_json(&EmptyResponse {})
}

const AUTO_RENEWAL_RESOURCES: Operation = Operation {
    name: "auto_renewal_resources",
    method: Method::POST,
    path: "/v2/orders/subscriptions/resources/autorenew/{resource_id}",
    summary: "设置包年/包月资源自动续费 — the customer turns auto-renewal on for a resource in use",
    callers: "customer",
    request: Some(schema::<AutoRenewalResourcesReq>),
    response: schema::<EmptyResponse>,
    route: || post(auto_renewal_resources),
};

async fn cancel_auto_renewal_resources(
    State(st): State<AppState>,
    caller: Caller,
    Path(resource_id): Path<String>,
) -> Result<Response, ApiError> {
    renewal::cancel_auto_renew(&st.db, caller.ctx(), resource_id).await?;
    ok_json(&EmptyResponse {})
}

const CANCEL_AUTO_RENEWAL_RESOURCES: Operation = Operation {
    name: "cancel_auto_renewal_resources",
    method: Method::DELETE,
    path: "/v2/orders/subscriptions/resources/autorenew/{resource_id}",
    summary: "取消包年/包月资源自动续费 — the customer turns auto-renewal off",
    callers: "customer",
    request: None,
    response: schema::<EmptyResponse>,
    route: || axum::routing::delete(cancel_auto_renewal_resources),
};

// ----------------------------------------------------------------------------------------------
// list_renew_rate_on_period

/// `ListRenewRateOnPeriodReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListRenewRateOnPeriodReq {
    pub resource_ids: Option<Vec<String>>,
    /// `2` month, `3` year.
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    /// Accepted: a renewal here renews the main resources named and nothing else.
    pub include_relative_resources: Option<bool>,
}

/// `RenewInquiryResultInfo` (amounts are strings on this model, in yuan).
#[derive(Debug, Serialize, JsonSchema)]
pub struct RenewInquiryResultInfo {
    pub resource_id: String,
    pub amount: String,
}

/// `OfficialWebsiteRatingResultV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OfficialWebsiteRatingResultV2 {
    pub official_website_amount: String,
}

/// `OptionalDiscountRatingResultV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OptionalDiscountRatingResultV2 {
    pub discount_id: String,
    pub amount: String,
    pub official_website_amount: String,
    pub discount_amount: String,
    pub discount_type: i64,
    pub discount_name: String,
    pub best_offer: i64,
}

/// `ListRenewRateOnPeriodResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListRenewRateOnPeriodResponse {
    pub currency: String,
    pub renew_inquiry_results: Vec<RenewInquiryResultInfo>,
    pub official_website_rating_result: OfficialWebsiteRatingResultV2,
    pub optional_discount_rating_results: Vec<OptionalDiscountRatingResultV2>,
    pub fail_resource_infos: Vec<FailResourceInfo>,
}

async fn list_renew_rate_on_period(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(b): VendorJson<ListRenewRateOnPeriodReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let req = RenewRateRequest {
        resource_ids: b.resource_ids,
        period_type: b.period_type,
        period_num: b.period_num,
        include_relative_resources: b.include_relative_resources,
    };
    let rates = renew_rates::renew_rates(&st.db, &caller.ctx(), &req).await?;
    let official = rates.quote.official();
    ok_json(&ListRenewRateOnPeriodResponse {
        currency: CURRENCY.into(),
        renew_inquiry_results: rates
            .resources
            .iter()
            .map(|(id, amount)| RenewInquiryResultInfo {
                resource_id: id.clone(),
                amount: amount.to_string(),
            })
            .collect(),
        official_website_rating_result: OfficialWebsiteRatingResultV2 {
            official_website_amount: official.to_string(),
        },
        optional_discount_rating_results: rates
            .quote
            .discounts
            .iter()
            .map(|d| OptionalDiscountRatingResultV2 {
                discount_id: d.grant.id.clone(),
                amount: d.amount().to_string(),
                official_website_amount: official.to_string(),
                discount_amount: d.discount().to_string(),
                discount_type: rating_discount_type(&d.grant),
                discount_name: rating_discount_name(&d.grant, en),
                best_offer: i64::from(d.best),
            })
            .collect(),
        fail_resource_infos: rates
            .failed
            .iter()
            .map(|(id, code)| FailResourceInfo {
                error_code: code.vendor_code().into(),
                error_msg: AppError::new(*code).message(!en),
                resource_id: id.clone(),
            })
            .collect(),
    })
}

const LIST_RENEW_RATE_ON_PERIOD: Operation = Operation {
    name: "list_renew_rate_on_period",
    method: Method::POST,
    path: "/v2/bills/ratings/period-resources/renew-rate",
    summary: "查询包年/包月资源的续费金额 — what renewing some of the customer's main resources for months or years would cost, priced as the renewal prices it, with the discounts it could choose; resources that cannot be renewed are listed with the reason",
    callers: "customer",
    request: Some(schema::<ListRenewRateOnPeriodReq>),
    response: schema::<ListRenewRateOnPeriodResponse>,
    route: || post(list_renew_rate_on_period),
};

// ----------------------------------------------------------------------------------------------
// set_resources_renew_config

/// `RenewResourceConfigReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct RenewResourceConfigReq {
    /// `DEDUCTION_DATE` (or `EXPIRE_DATE`, refused with `PC.1107`).
    pub config_name: Option<String>,
    pub config_value: Option<String>,
}

/// `SetResourcesRenewConfigResponse`: the vendor answers success in the body.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SetResourcesRenewConfigResponse {
    pub error_code: String,
    pub error_msg: String,
}

async fn set_resources_renew_config(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(b): VendorJson<RenewResourceConfigReq>,
) -> Result<Response, ApiError> {
    let req = RenewConfigRequest {
        config_name: b.config_name,
        config_value: b.config_value,
    };
    renew_config::set_renew_config(&st.db, caller.ctx(), req).await?;
    ok_json(&SetResourcesRenewConfigResponse {
        error_code: "CBC.0000".into(),
        error_msg: "success".into(),
    })
}

const SET_RESOURCES_RENEW_CONFIG: Operation = Operation {
    name: "set_resources_renew_config",
    method: Method::POST,
    path: "/v2/orders/subscriptions/resources/renew/config",
    summary: "设置包年/包月资源自动续费扣款日 — the customer's automatic renewals are paid 2 to 7 days before expiry (DEDUCTION_DATE); a same expiration date (EXPIRE_DATE) is not supported yet",
    callers: "customer",
    request: Some(schema::<RenewResourceConfigReq>),
    response: schema::<SetResourcesRenewConfigResponse>,
    route: || post(set_resources_renew_config),
};

// ----------------------------------------------------------------------------------------------
// update_period_to_on_demand, update_period_to_on_demand_instantly

/// `PeriodToOnDemandReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PeriodToOnDemandReq {
    /// `SET_UP` or `CANCEL`.
    pub operation: Option<String>,
    pub resource_ids: Option<Vec<String>>,
}

/// `ErrorDetail`: one resource refused.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorDetail {
    pub error_code: String,
    pub error_msg: String,
    pub id: String,
}

/// `UpdatePeriodToOnDemandResponse`: only the refused resources (empty: all done).
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdatePeriodToOnDemandResponse {
    pub error_details: Vec<ErrorDetail>,
}

async fn update_period_to_on_demand(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<PeriodToOnDemandReq>,
) -> Result<Response, ApiError> {
    let change = ExpiryChange::parse(req.operation, req.resource_ids)?;
    let failures = to_on_demand::set_expiry_change(&st.db, caller.ctx(), change).await?;
    ok_json(&UpdatePeriodToOnDemandResponse {
        error_details: failures
            .into_iter()
            .map(|f| ErrorDetail {
                error_code: f.error_code,
                error_msg: f.error_msg,
                id: f.resource_id,
            })
            .collect(),
    })
}

const UPDATE_PERIOD_TO_ON_DEMAND: Operation = Operation {
    name: "update_period_to_on_demand",
    method: Method::POST,
    path: "/v2/orders/subscriptions/resources/to-on-demand",
    summary: "设置或取消包年/包月资源到期转按需 — the customer sets resources to change to pay-per-use at expiry (SET_UP) or takes it back (CANCEL); refusals per resource",
    callers: "customer",
    request: Some(schema::<PeriodToOnDemandReq>),
    response: schema::<UpdatePeriodToOnDemandResponse>,
    route: || post(update_period_to_on_demand),
};

/// `PeriodToOnDemandInstantlyReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PeriodToOnDemandInstantlyReq {
    pub resource_ids: Option<Vec<String>>,
}

/// `ToOndemandServiceResult`: `SUCCESS` with the order, or `FAIL` with the code.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ToOndemandServiceResult {
    pub resource_id: String,
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error_msg: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// `UpdatePeriodToOnDemandInstantlyResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdatePeriodToOnDemandInstantlyResponse {
    pub to_ondemand_service_results: Vec<ToOndemandServiceResult>,
}

async fn update_period_to_on_demand_instantly(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<PeriodToOnDemandInstantlyReq>,
) -> Result<Response, ApiError> {
    let change = ChangeNow::parse(req.resource_ids)?;
    let results = to_on_demand::change_now(&st.db, caller.ctx(), change).await?;
    ok_json(&UpdatePeriodToOnDemandInstantlyResponse {
        to_ondemand_service_results: results
            .into_iter()
            .map(|r| {
                let (code, msg) = match r.failure {
                    Some(f) => (Some(f.error_code), Some(f.error_msg)),
                    None => (None, None),
                };
                ToOndemandServiceResult {
                    resource_id: r.resource_id,
                    result: if r.order_id.is_some() {
                        "SUCCESS"
                    } else {
                        "FAIL"
                    }
                    .into(),
                    error_code: code,
                    error_msg: msg,
                    order_id: r.order_id,
                }
            })
            .collect(),
    })
}

const UPDATE_PERIOD_TO_ON_DEMAND_INSTANTLY: Operation = Operation {
    name: "update_period_to_on_demand_instantly",
    method: Method::POST,
    path: "/v2/orders/subscriptions/resources/to-on-demand/instantly",
    summary: "设置包年/包月资源即时转按需 — the customer changes resources to pay-per-use now: a type-10 order refunding the unused part each; results per resource",
    callers: "customer",
    request: Some(schema::<PeriodToOnDemandInstantlyReq>),
    response: schema::<UpdatePeriodToOnDemandInstantlyResponse>,
    route: || post(update_period_to_on_demand_instantly),
};
