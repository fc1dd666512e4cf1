//! Issuing coupons to resale customers and recalling one.

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use pc_app::services::coupons::{self, IssueRequest, Reclaim};
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{error_details, time_field, ErrorDetail};
use crate::http::auth::{Caller, VendorJson};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

/// `CreatePartnerCouponsReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreatePartnerCouponsReq {
    pub quota_id: String,
    pub customer_ids: Vec<String>,
    #[schemars(with = "f64")]
    pub face_value: Money,
    pub valid_time: Option<String>,
    pub expire_time: Option<String>,
    pub cloud_service_types: Option<Vec<String>>,
    pub product_ids: Option<Vec<String>>,
    pub memo: Option<String>,
    pub indirect_partner_id: Option<String>,
}

/// `CouponSimpleInfo`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CouponSimpleInfo {
    pub id: String,
    pub coupon_id: String,
}

/// `CreatePartnerCouponsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreatePartnerCouponsResponse {
    pub error_details: Vec<ErrorDetail>,
    pub coupon_infos: Vec<CouponSimpleInfo>,
}

async fn create_partner_coupons(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<CreatePartnerCouponsReq>,
) -> Result<Response, ApiError> {
    let issue = IssueRequest {
        quota_id: req.quota_id,
        customer_ids: req.customer_ids,
        face_value: req.face_value,
        valid_time: time_field("valid_time", req.valid_time)?,
        expire_time: time_field("expire_time", req.expire_time)?,
        service_types: req.cloud_service_types.unwrap_or_default(),
        product_ids: req.product_ids.unwrap_or_default(),
        memo: req.memo,
        indirect_partner_id: req.indirect_partner_id,
        // The vendor request has no order types: the coupons take the quota's.
        order_types: Vec::new(),
    };
    let out = coupons::issue(&st.db, caller.ctx(), issue).await?;
    ok_json(&CreatePartnerCouponsResponse {
        error_details: error_details(out.failed),
        coupon_infos: out
            .issued
            .into_iter()
            .map(|(id, coupon_id)| CouponSimpleInfo { id, coupon_id })
            .collect(),
    })
}

/// `ReclaimPartnerCouponsReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReclaimPartnerCouponsReq {
    pub coupon_id: String,
    pub indirect_partner_id: Option<String>,
}

/// `ReclaimPartnerCouponsResponse`: no fields (the SDK ignores the body).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReclaimPartnerCouponsResponse {}

async fn reclaim_partner_coupons(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<ReclaimPartnerCouponsReq>,
) -> Result<Response, ApiError> {
    let reclaim = Reclaim {
        coupon_id: req.coupon_id,
        indirect_partner_id: req.indirect_partner_id,
        via_api: true,
    };
    coupons::reclaim(&st.db, caller.ctx(), reclaim).await?;
    ok_json(&ReclaimPartnerCouponsResponse {})
}

pub(super) const CREATE_PARTNER_COUPONS: Operation = Operation {
    name: "create_partner_coupons",
    method: Method::POST,
    path: "/v2/promotions/benefits/partner-coupons",
    summary: "发放优惠券 — issue coupons from a quota to up to 100 resale customers; per-customer failures in error_details",
    callers: "partner",
    request: Some(schema::<CreatePartnerCouponsReq>),
    response: schema::<CreatePartnerCouponsResponse>,
    route: || post(create_partner_coupons),
};

pub(super) const RECLAIM_PARTNER_COUPONS: Operation = Operation {
    name: "reclaim_partner_coupons",
    method: Method::POST,
    path: "/v2/promotions/benefits/partner-coupons/reclaim",
    summary: "回收优惠券 — recall a usable coupon's whole remaining balance back to its quota",
    callers: "partner",
    request: Some(schema::<ReclaimPartnerCouponsReq>),
    response: schema::<ReclaimPartnerCouponsResponse>,
    route: || post(reclaim_partner_coupons),
};
