//! A master distributor's quotas for its resellers: grant, reclaim, the quotas granted and the
//! grant and reclaim records.

use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::coupons::{
    self, GrantedQuotaQuery, QuotaRecordQuery, ResellerGrant, ResellerReclaim,
};
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::quotas::{quota_v2, QuotaLimitInfo};
use super::{error_details, utc, ErrorDetail, Params};
use crate::http::auth::{Caller, VendorJson};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

/// `AdjustCouponQuotasReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AdjustCouponQuotasReq {
    pub quota_id: String,
    pub indirect_partner_ids: Vec<String>,
    #[schemars(with = "f64")]
    pub quota_amount: Money,
}

/// `QuotaSimpleInfo`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotaSimpleInfo {
    pub id: String,
    pub quota_id: String,
}

/// `UpdateCouponQuotasResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdateCouponQuotasResponse {
    pub error_details: Vec<ErrorDetail>,
    pub simple_quota_infos: Vec<QuotaSimpleInfo>,
}

async fn update_coupon_quotas(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<AdjustCouponQuotasReq>,
) -> Result<Response, ApiError> {
    let grant = ResellerGrant {
        quota_id: req.quota_id,
        reseller_ids: req.indirect_partner_ids,
        amount: req.quota_amount,
    };
    let out = coupons::grant_to_resellers(&st.db, caller.ctx(), grant).await?;
    ok_json(&UpdateCouponQuotasResponse {
        error_details: error_details(out.failed),
        simple_quota_infos: out
            .done
            .into_iter()
            .map(|(id, quota_id)| QuotaSimpleInfo { id, quota_id })
            .collect(),
    })
}

/// `ReclaimCouponQuotasReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReclaimCouponQuotasReq {
    pub quota_ids: Vec<String>,
    pub remark: Option<String>,
}

/// `QuotaReclaim`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotaReclaim {
    pub quota_id: String,
    #[schemars(with = "f64")]
    pub quota_balance: Money,
}

/// `ReclaimCouponQuotasResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReclaimCouponQuotasResponse {
    pub error_details: Vec<ErrorDetail>,
    pub simple_quota_infos: Vec<QuotaReclaim>,
}

async fn reclaim_coupon_quotas(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<ReclaimCouponQuotasReq>,
) -> Result<Response, ApiError> {
    let reclaim = ResellerReclaim {
        quota_ids: req.quota_ids,
        remark: req.remark,
    };
    let out = coupons::reclaim_from_resellers(&st.db, caller.ctx(), reclaim).await?;
    ok_json(&ReclaimCouponQuotasResponse {
        error_details: error_details(out.failed),
        simple_quota_infos: out
            .done
            .into_iter()
            .map(|(quota_id, quota_balance)| QuotaReclaim {
                quota_id,
                quota_balance,
            })
            .collect(),
    })
}

/// `IssuedCouponQuota`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IssuedCouponQuota {
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
    pub indirect_partner_id: String,
    pub indirect_partner_account_name: String,
    pub indirect_partner_name: String,
    pub parent_quota_id: Option<String>,
}

/// `ListIssuedCouponQuotasResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListIssuedCouponQuotasResponse {
    pub total_count: i64,
    pub quotas: Vec<IssuedCouponQuota>,
}

async fn list_issued_coupon_quotas(
    State(st): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let p = Params::from_uri(&uri);
    let (offset, limit) = p.paging()?;
    let q = GrantedQuotaQuery {
        quota_id: p.str("quota_id"),
        indirect_partner_id: p.str("indirect_partner_id"),
        parent_quota_id: p.str("parent_quota_id"),
        offset,
        limit,
    };
    let now = caller.now_ms;
    let l = coupons::list_granted_quotas(&st.db, &caller.ctx(), q).await?;
    let quotas = l
        .rows
        .into_iter()
        .map(|g| {
            let v = quota_v2(&g.quota, now);
            IssuedCouponQuota {
                quota_id: v.quota_id,
                quota_type: v.quota_type,
                create_time: v.create_time,
                last_update_time: v.last_update_time,
                quota_value: v.quota_value,
                quota_status: v.quota_status,
                balance: v.balance,
                measure_id: 1,
                currency: v.currency,
                effective_time: v.effective_time,
                expire_time: v.expire_time,
                limit_infos: v.limit_infos,
                indirect_partner_id: g.reseller.id,
                indirect_partner_account_name: g.reseller.domain_id,
                indirect_partner_name: g.reseller.name,
                parent_quota_id: g.quota.parent_quota_id,
            }
        })
        .collect();
    ok_json(&ListIssuedCouponQuotasResponse {
        total_count: l.total,
        quotas,
    })
}

/// `QuotaRecord`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct QuotaRecord {
    pub id: String,
    pub operator: String,
    pub operation_type: String,
    pub quota_id: String,
    pub parent_quota_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub operation_time: String,
    pub result: String,
    pub indirect_partner_account_name: String,
    pub indirect_partner_id: String,
    pub indirect_partner_name: String,
    pub remark: Option<String>,
}

/// `ListCouponQuotasRecordsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCouponQuotasRecordsResponse {
    pub total_count: i64,
    pub records: Vec<QuotaRecord>,
}

async fn list_coupon_quotas_records(
    State(st): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let p = Params::from_uri(&uri);
    let (offset, limit) = p.paging()?;
    // A non-enumerated operation_type is not a filter (the vendor's API reference).
    let operation_type = match p.str("operation_type").as_deref() {
        Some("10") => Some(10),
        Some("11") => Some(11),
        _ => None,
    };
    let q = QuotaRecordQuery {
        indirect_partner_id: p.str("indirect_partner_id"),
        quota_id: p.str("quota_id"),
        parent_quota_id: p.str("parent_quota_id"),
        operation_type,
        from: p.time("operation_time_begin")?,
        to: p.time("operation_time_end")?,
        offset,
        limit,
    };
    let l = coupons::list_quota_records(&st.db, &caller.ctx(), q).await?;
    ok_json(&ListCouponQuotasRecordsResponse {
        total_count: l.total,
        records: l
            .rows
            .into_iter()
            .map(|r| QuotaRecord {
                id: r.id,
                operator: r.operator,
                operation_type: r.operation_type.to_string(),
                quota_id: r.quota_id,
                parent_quota_id: r.parent_quota_id,
                amount: r.amount,
                operation_time: utc(r.at),
                result: r.result.to_string(),
                indirect_partner_account_name: r.indirect_partner_account_name,
                indirect_partner_id: r.indirect_partner_id,
                indirect_partner_name: r.indirect_partner_name,
                remark: r.remark,
            })
            .collect(),
    })
}

pub(super) const UPDATE_COUPON_QUOTAS: Operation = Operation {
    name: "update_coupon_quotas",
    method: Method::POST,
    path: "/v2/partners/coupon-quotas/indirect-partner-adjust",
    summary:
        "向云经销商发放代金券额度 — a master distributor grants voucher quota to its resellers",
    callers: "partner (master distributor)",
    request: Some(schema::<AdjustCouponQuotasReq>),
    response: schema::<UpdateCouponQuotasResponse>,
    route: || post(update_coupon_quotas),
};

pub(super) const RECLAIM_COUPON_QUOTAS: Operation = Operation {
    name: "reclaim_coupon_quotas",
    method: Method::POST,
    path: "/v2/partners/coupon-quotas/indirect-partner-reclaim",
    summary: "回收云经销商的代金券额度 — a master distributor takes back resellers' quota balances",
    callers: "partner (master distributor)",
    request: Some(schema::<ReclaimCouponQuotasReq>),
    response: schema::<ReclaimCouponQuotasResponse>,
    route: || post(reclaim_coupon_quotas),
};

pub(super) const LIST_ISSUED_COUPON_QUOTAS: Operation = Operation {
    name: "list_issued_coupon_quotas",
    method: Method::GET,
    path: "/v2/partners/issued-coupon-quotas",
    summary: "查询已发放的代金券额度 — quotas a master distributor granted to its resellers",
    callers: "partner (master distributor)",
    request: Some(schema::<ListIssuedCouponQuotasQuery>),
    response: schema::<ListIssuedCouponQuotasResponse>,
    route: || get(list_issued_coupon_quotas),
};

pub(super) const LIST_COUPON_QUOTAS_RECORDS: Operation = Operation {
    name: "list_coupon_quotas_records",
    method: Method::GET,
    path: "/v2/partners/coupon-quotas/records",
    summary:
        "查询代金券额度的发放回收记录 — a master distributor's quota grant and reclaim records",
    callers: "partner (master distributor)",
    request: Some(schema::<ListCouponQuotasRecordsQuery>),
    response: schema::<ListCouponQuotasRecordsResponse>,
    route: || get(list_coupon_quotas_records),
};

// ----------------------------------------------------------------------------------------------
// Query strings of the GET operations, for `/openapi.json` only: the handlers read them with
// `Params` (repeated keys, the vendor's empty-value rules), whose field names these mirror.

/// Query of `list_issued_coupon_quotas`.
#[allow(dead_code)]
#[derive(JsonSchema)]
pub struct ListIssuedCouponQuotasQuery {
    pub quota_id: Option<String>,
    pub indirect_partner_id: Option<String>,
    pub parent_quota_id: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// Query of `list_coupon_quotas_records`.
#[allow(dead_code)]
#[derive(JsonSchema)]
pub struct ListCouponQuotasRecordsQuery {
    pub indirect_partner_id: Option<String>,
    pub quota_id: Option<String>,
    pub operation_time_begin: Option<String>,
    pub operation_time_end: Option<String>,
    pub parent_quota_id: Option<String>,
    /// 10 grant, 11 reclaim.
    pub operation_type: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}
