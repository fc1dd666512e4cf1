//! The partner's own coupon quotas (`list_quota_coupons`), and the wire form of a quota that the
//! reseller-quota operations share.

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use pc_app::services::coupons::{self, Quota, QuotaQuery};
use pc_app::store::filters;
use pc_app::AppError;
use pc_domain::coupons::quota_status;
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{time_field, utc};
use crate::http::auth::{Caller, VendorJson};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

/// `LimitValue`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LimitValue {
    pub value1: Option<String>,
    pub value2: Option<String>,
}

/// `QuotaLimitInfo`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotaLimitInfo {
    pub limit_key: String,
    pub limit_values: Vec<LimitValue>,
}

fn limit_infos(q: &Quota) -> Vec<QuotaLimitInfo> {
    let l = &q.limits;
    let mut out = Vec::new();
    let one = |v: String| LimitValue {
        value1: Some(v),
        value2: None,
    };
    if !l.service_types.is_empty() {
        out.push(QuotaLimitInfo {
            limit_key: "cloud_service_types".into(),
            limit_values: l.service_types.iter().cloned().map(one).collect(),
        });
    }
    if !l.product_ids.is_empty() {
        out.push(QuotaLimitInfo {
            limit_key: "product_ids".into(),
            limit_values: l.product_ids.iter().cloned().map(one).collect(),
        });
    }
    if l.min_face.is_some() || l.max_face.is_some() {
        out.push(QuotaLimitInfo {
            limit_key: "face_value".into(),
            limit_values: vec![LimitValue {
                value1: l.min_face.map(|m| m.to_string()),
                value2: l.max_face.map(|m| m.to_string()),
            }],
        });
    }
    if let Some(n) = l.max_count {
        out.push(QuotaLimitInfo {
            limit_key: "max_count".into(),
            limit_values: vec![one(n.to_string())],
        });
    }
    if !l.order_types.is_empty() {
        out.push(QuotaLimitInfo {
            limit_key: "order_types".into(),
            limit_values: l.order_types.iter().map(|t| one(t.to_string())).collect(),
        });
    }
    if l.first_association_only {
        out.push(QuotaLimitInfo {
            limit_key: "first_association_only".into(),
            limit_values: vec![one("1".into())],
        });
    }
    out
}

/// `QueryCouponQuotasReqExt`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryCouponQuotasReqExt {
    pub quota_ids: Option<Vec<String>>,
    pub quota_status_list: Option<Vec<i64>>,
    pub quota_type: Option<i64>,
    pub create_time_begin: Option<String>,
    pub create_time_end: Option<String>,
    pub effective_time_begin: Option<String>,
    pub effective_time_end: Option<String>,
    pub expire_time_begin: Option<String>,
    pub expire_time_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

/// `CouponQuotaV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CouponQuotaV2 {
    pub quota_id: String,
    pub quota_type: i64,
    pub create_time: String,
    pub last_update_time: String,
    #[schemars(with = "f64")]
    pub quota_value: Money,
    pub quota_status: i64,
    #[schemars(with = "f64")]
    pub balance: Money,
    pub measure_id: i64,
    pub currency: String,
    pub effective_time: String,
    pub expire_time: String,
    pub limit_infos: Vec<QuotaLimitInfo>,
}

/// `CouponQuotaV2` with the status as stored (`IssuedCouponQuota` shows reclaimed, 6); the
/// owner's list maps it with [`quota_status::owner_view`].
pub(super) fn quota_v2(q: &Quota, now: i64) -> CouponQuotaV2 {
    CouponQuotaV2 {
        quota_id: q.id.clone(),
        quota_type: q.quota_type.code(),
        create_time: utc(q.created_at),
        last_update_time: utc(q.updated_at),
        quota_value: q.quota_value,
        quota_status: q.status_at(now),
        balance: q.balance,
        measure_id: 1,
        currency: "CNY".into(),
        effective_time: utc(q.effective_at),
        expire_time: utc(q.expire_at),
        limit_infos: limit_infos(q),
    }
}

/// `ListQuotaCouponsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListQuotaCouponsResponse {
    pub total_count: i64,
    pub quotas: Vec<CouponQuotaV2>,
}

async fn list_quota_coupons(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<QueryCouponQuotasReqExt>,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let (offset, limit) = filters::page(req.offset, req.limit, coupons::MAX_PAGE)?;
    let quota_type = req.quota_type.unwrap_or(0);
    if !matches!(quota_type, 0 | 1) {
        return Err(
            AppError::invalid_tr("quota_type must be 0 or 1", "quota_type 须为 0 或 1。").into(),
        );
    }
    let statuses = req.quota_status_list.unwrap_or_default();
    if statuses.iter().any(|s| !quota_status::ALL.contains(s)) {
        return Err(AppError::invalid_tr(
            "quota_status_list holds 0, 3, 4 or 5",
            "quota_status_list 的取值须为 0、3、4 或 5。",
        )
        .into());
    }
    let q = QuotaQuery {
        indirect_partner_id: req.indirect_partner_id,
        quota_ids: req.quota_ids.unwrap_or_default(),
        statuses,
        quota_type: Some(quota_type),
        create_from: time_field("create_time_begin", req.create_time_begin)?,
        create_to: time_field("create_time_end", req.create_time_end)?,
        effective_from: time_field("effective_time_begin", req.effective_time_begin)?,
        effective_to: time_field("effective_time_end", req.effective_time_end)?,
        expire_from: time_field("expire_time_begin", req.expire_time_begin)?,
        expire_to: time_field("expire_time_end", req.expire_time_end)?,
        offset,
        limit,
    };
    let now = caller.now_ms;
    let l = coupons::list_quotas(&st.db, &caller.ctx(), q).await?;
    ok_json(&ListQuotaCouponsResponse {
        total_count: l.total,
        quotas: l
            .rows
            .iter()
            .map(|x| {
                let mut v = quota_v2(x, now);
                v.quota_status = quota_status::owner_view(v.quota_status);
                v
            })
            .collect(),
    })
}

pub(super) const LIST_QUOTA_COUPONS: Operation = Operation {
    name: "list_quota_coupons",
    method: Method::POST,
    path: "/v2/partners/coupon-quotas/query",
    summary:
        "查询优惠券额度 — the partner's coupon quotas (or, for a master distributor, a reseller's)",
    callers: "partner",
    request: Some(schema::<QueryCouponQuotasReqExt>),
    response: schema::<ListQuotaCouponsResponse>,
    route: || post(list_quota_coupons),
};
