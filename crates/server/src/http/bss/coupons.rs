//! Coupon and coupon-quota operations of the vendor API (the vendor's API reference) and the
//! customer's own coupon list (`list_sub_customer_coupons`, `GET /v2/promotions/benefits/coupons`,
//! fields from the SDK's `ListSubCustomerCouponsRequest` / `IQueryUserCouponsResultV2`).
//!
//! **Size.** Over 800 lines: thirteen operations, each with its wire types (field for field as the
//! SDK's models) and its `Operation` entry. Next split: quotas / coupons / records, as the service
//! folder `services/coupons/` already is.

use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::coupons::{
    self, Coupon, CouponQuery, GrantedQuotaQuery, IssueRequest, Quota, QuotaQuery,
    QuotaRecordQuery, Reclaim, RecordQuery, ResellerGrant, ResellerReclaim,
};
use pc_app::services::identity::Principal;
use pc_app::store::filters;
use pc_app::{AppError, AppResult, Code};
use pc_domain::coupons::quota_status;
use pc_domain::timefmt;
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson};
use crate::http::error::ApiError;
use crate::http::form::query_pairs;
use crate::state::AppState;

// ----------------------------------------------------------------------------------------------
// Query-string helpers: the vendor sends repeated keys for lists (`k=v1&k=v2`), and an empty
// value means "not a filter".

struct Params(Vec<(String, String)>);

impl Params {
    fn from_uri(uri: &Uri) -> Params {
        Params(query_pairs(uri.query().unwrap_or("")))
    }
    /// The last non-empty value of `k`.
    fn str(&self, k: &str) -> Option<String> {
        self.0
            .iter()
            .rev()
            .find(|(key, v)| key == k && !v.is_empty())
            .map(|(_, v)| v.clone())
    }
    /// Every value of a repeated key; `None` when the key is absent.
    fn list(&self, k: &str) -> Option<Vec<String>> {
        let v: Vec<String> = self
            .0
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect();
        (!v.is_empty()).then(|| v.into_iter().filter(|s| !s.is_empty()).collect())
    }
    fn int(&self, k: &str) -> AppResult<Option<i64>> {
        self.str(k)
            .map(|s| {
                s.parse::<i64>()
                    .map_err(|_| AppError::invalid(format!("{k} must be an integer")))
            })
            .transpose()
    }
    fn time(&self, k: &str) -> AppResult<Option<i64>> {
        time_field(k, self.str(k))
    }
    fn paging(&self) -> AppResult<(i64, i64)> {
        filters::page(self.int("offset")?, self.int("limit")?, coupons::MAX_PAGE)
    }
}

fn time_field(field: &str, v: Option<String>) -> AppResult<Option<i64>> {
    match v.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => timefmt::parse_utc(&s).map(Some).ok_or_else(|| {
            AppError::invalid(format!(
                "{field} must be a UTC time like 2019-05-06T08:05:01Z"
            ))
        }),
    }
}

fn utc(ms: i64) -> String {
    timefmt::format_utc(ms)
}

/// `ErrorDetail`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ErrorDetail {
    pub error_code: String,
    pub error_msg: String,
    pub id: String,
}

fn error_details(failed: Vec<(String, AppError)>) -> Vec<ErrorDetail> {
    failed
        .into_iter()
        .map(|(id, e)| ErrorDetail {
            error_code: e.code.vendor_code().to_string(),
            error_msg: e.message(false),
            id,
        })
        .collect()
}

// ----------------------------------------------------------------------------------------------
// Quotas

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
fn quota_v2(q: &Quota, now: i64) -> CouponQuotaV2 {
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
        return Err(AppError::invalid("quota_type must be 0 or 1").into());
    }
    let statuses = req.quota_status_list.unwrap_or_default();
    if statuses.iter().any(|s| !quota_status::ALL.contains(s)) {
        return Err(AppError::invalid("quota_status_list holds 0, 3, 4 or 5").into());
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

// ----------------------------------------------------------------------------------------------
// Coupons

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

/// `ICouponUseLimitInfoV2` (note the wire name `use_limiti_info_id`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ICouponUseLimitInfoV2 {
    pub use_limiti_info_id: String,
    pub limit_key: String,
    pub value1: Option<String>,
    pub value2: Option<String>,
    pub value_unit: Option<String>,
    pub limit_type: Option<String>,
    pub promotion_plan_id: Option<String>,
}

fn use_limits(k: &Coupon) -> Vec<ICouponUseLimitInfoV2> {
    let mut out = Vec::new();
    let order_types: Vec<String> = k.order_types.iter().map(i64::to_string).collect();
    for (key, items) in [
        ("cloud_service_types", &k.service_types),
        ("product_ids", &k.product_ids),
        ("order_types", &order_types),
    ] {
        if !items.is_empty() {
            out.push(ICouponUseLimitInfoV2 {
                use_limiti_info_id: format!("{}-{key}", k.id),
                limit_key: key.into(),
                value1: Some(items.join(",")),
                value2: None,
                value_unit: None,
                limit_type: Some("ALLOW".into()),
                promotion_plan_id: None,
            });
        }
    }
    out
}

/// `IQueryUserPartnerCouponsResultV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IQueryUserPartnerCouponsResultV2 {
    pub coupon_id: String,
    pub status: i64,
    pub customer_id: String,
    pub coupon_type: i64,
    pub measure_id: i64,
    #[schemars(with = "f64")]
    pub face_value: Money,
    pub effective_time: String,
    pub expire_time: String,
    pub order_id: Option<String>,
    pub promotion_plan_id: Option<String>,
    pub promotion_plan_name: Option<String>,
    pub promotion_plan_desc: Option<String>,
    pub media_type: i64,
    pub fetch_method: i64,
    pub use_limits: Vec<ICouponUseLimitInfoV2>,
    pub active_time: String,
    pub last_used_time: Option<String>,
    pub promotion_id: Option<String>,
    pub create_time: String,
    #[schemars(with = "f64")]
    pub balance: Money,
    pub lock_order_id: Option<String>,
    pub is_frozen: String,
}

/// `ListIssuedPartnerCouponsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListIssuedPartnerCouponsResponse {
    pub total_count: i64,
    pub user_coupons: Vec<IQueryUserPartnerCouponsResultV2>,
}

fn coupon_query(p: &Params) -> AppResult<CouponQuery> {
    let (offset, limit) = p.paging()?;
    Ok(CouponQuery {
        indirect_partner_id: p.str("indirect_partner_id"),
        coupon_id: p.str("coupon_id"),
        customer_id: p.str("customer_id"),
        order_id: p.str("order_id"),
        coupon_type: p.int("coupon_type")?,
        status: p.int("status")?,
        create_from: p.time("create_time_begin")?,
        create_to: p.time("create_time_end")?,
        effective_from: p.time("effective_time_begin")?,
        effective_to: p.time("effective_time_end")?,
        expire_from: p.time("expire_time_begin")?,
        expire_to: p.time("expire_time_end")?,
        offset,
        limit,
    })
}

async fn list_issued_partner_coupons(
    State(st): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let p = Params::from_uri(&uri);
    let mut q = coupon_query(&p)?;
    let now = caller.now_ms;
    // R9.15: coupons that expired more than 12 months ago are not listed.
    let floor = pc_domain::coupons::issued_list_expiry_floor(now);
    q.expire_from = Some(q.expire_from.map_or(floor, |f| f.max(floor)));
    let l = coupons::list_coupons(&st.db, &caller.ctx(), q).await?;
    ok_json(&ListIssuedPartnerCouponsResponse {
        total_count: l.total,
        user_coupons: l
            .rows
            .iter()
            .map(|x| &x.coupon)
            .map(|k| IQueryUserPartnerCouponsResultV2 {
                coupon_id: k.id.clone(),
                status: k.status_at(now),
                customer_id: k.customer_id.clone(),
                coupon_type: k.coupon_type,
                measure_id: 1,
                face_value: k.face_value,
                effective_time: utc(k.effective_at),
                expire_time: utc(k.expire_at),
                order_id: k.lock_order_id.clone(),
                promotion_plan_id: None,
                promotion_plan_name: None,
                promotion_plan_desc: None,
                media_type: 1,
                fetch_method: 3,
                use_limits: use_limits(k),
                active_time: utc(k.effective_at),
                last_used_time: k.last_used_at.map(utc),
                promotion_id: None,
                create_time: utc(k.created_at),
                balance: k.balance,
                lock_order_id: k.lock_order_id.clone(),
                is_frozen: k.is_frozen.to_string(),
            })
            .collect(),
    })
}

/// `CouponRecordV2` (`operation_type` and `result` are strings on the wire).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CouponRecordV2 {
    pub id: String,
    pub operation_type: String,
    pub quota_id: String,
    pub quota_type: i64,
    pub coupon_id: Option<String>,
    pub customer_id: String,
    #[schemars(with = "f64")]
    pub operation_amount: Money,
    pub operation_time: String,
    pub result: String,
    pub remark: Option<String>,
}

/// `ListPartnerCouponsRecordResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListPartnerCouponsRecordResponse {
    pub total_count: i64,
    pub records: Vec<CouponRecordV2>,
}

async fn list_partner_coupons_record(
    State(st): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let p = Params::from_uri(&uri);
    let (offset, limit) = p.paging()?;
    let operation_types = p
        .list("operation_types")
        .map(|v| {
            v.iter()
                .map(|s| {
                    s.parse::<i64>()
                        .ok()
                        .filter(|n| (1..=9).contains(n))
                        .ok_or_else(|| AppError::invalid("operation_types holds 1 to 9"))
                })
                .collect::<AppResult<Vec<i64>>>()
        })
        .transpose()?;
    // A non-enumerated result is not a filter (the vendor's API reference).
    let result = match p.str("result").as_deref() {
        Some("0") => Some(0),
        Some("-1") => Some(-1),
        _ => None,
    };
    let q = RecordQuery {
        indirect_partner_id: p.str("indirect_partner_id"),
        operation_types,
        quota_id: p.str("quota_id"),
        quota_type: p.int("quota_type")?,
        coupon_ids: p.list("coupon_ids"),
        customer_id: p.str("customer_id"),
        from: p.time("operation_time_begin")?,
        to: p.time("operation_time_end")?,
        result,
        offset,
        limit,
    };
    let l = coupons::list_records(&st.db, &caller.ctx(), q).await?;
    ok_json(&ListPartnerCouponsRecordResponse {
        total_count: l.total,
        records: l
            .rows
            .into_iter()
            .map(|r| CouponRecordV2 {
                id: r.id,
                operation_type: r.operation_type.to_string(),
                quota_id: r.quota_id,
                quota_type: r.quota_type,
                coupon_id: r.coupon_id,
                customer_id: r.customer_id,
                operation_amount: r.amount,
                operation_time: utc(r.at),
                result: r.result.to_string(),
                remark: r.remark,
            })
            .collect(),
    })
}

/// `IQueryUserCouponsResultV2` (the customer's own coupons).
#[derive(Debug, Serialize, JsonSchema)]
pub struct IQueryUserCouponsResultV2 {
    pub coupon_id: String,
    pub coupon_code: Option<String>,
    pub status: i64,
    pub customer_id: String,
    pub coupon_type: i64,
    pub measure_id: i64,
    #[schemars(with = "f64")]
    pub face_value: Money,
    pub valid_time: String,
    pub expire_time: String,
    pub order_id: Option<String>,
    pub promotion_plan_id: Option<String>,
    pub plan_name: Option<String>,
    pub plan_desc: Option<String>,
    pub media_type: i64,
    pub fetch_method: i64,
    pub use_limits: Vec<ICouponUseLimitInfoV2>,
    pub active_time: String,
    pub reserve_time: Option<String>,
    pub promotion_id: Option<String>,
    pub create_time: String,
    pub coupon_version: i64,
    #[schemars(with = "f64")]
    pub balance: Money,
    pub lock_order_id: Option<String>,
    pub coupon_usage: Option<String>,
    pub is_frozen: String,
    pub currency: String,
    pub extend_param1: Option<String>,
    pub source_id: Option<String>,
}

/// `ListSubCustomerCouponsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListSubCustomerCouponsResponse {
    pub count: i64,
    pub user_coupons: Vec<IQueryUserCouponsResultV2>,
}

/// A customer's own coupons, with its own access key; reclaimed coupons are not theirs any more.
/// `active_start_time` / `active_end_time` filter on the activation (effective) time.
async fn list_sub_customer_coupons(
    State(st): State<AppState>,
    caller: Caller,
    uri: Uri,
) -> Result<Response, ApiError> {
    let Principal::Customer { .. } = &caller.principal else {
        return Err(AppError::with(Code::NotAllowed, "This operation is for customers.").into());
    };
    let p = Params::from_uri(&uri);
    let (offset, limit) = p.paging()?;
    let q = CouponQuery {
        coupon_id: p.str("coupon_id"),
        order_id: p.str("order_id"),
        coupon_type: p.int("coupon_type")?,
        status: p.int("status")?,
        effective_from: p.time("active_start_time")?,
        effective_to: p.time("active_end_time")?,
        offset,
        limit,
        ..Default::default()
    };
    let now = caller.now_ms;
    let l = coupons::list_coupons(&st.db, &caller.ctx(), q).await?;
    ok_json(&ListSubCustomerCouponsResponse {
        count: l.total,
        user_coupons: l
            .rows
            .iter()
            .map(|x| &x.coupon)
            .map(|k| IQueryUserCouponsResultV2 {
                coupon_id: k.id.clone(),
                coupon_code: None,
                status: k.status_at(now),
                customer_id: k.customer_id.clone(),
                coupon_type: k.coupon_type,
                measure_id: 1,
                face_value: k.face_value,
                valid_time: utc(k.effective_at),
                expire_time: utc(k.expire_at),
                order_id: k.lock_order_id.clone(),
                promotion_plan_id: None,
                plan_name: None,
                plan_desc: None,
                media_type: 1,
                fetch_method: 3,
                use_limits: use_limits(k),
                active_time: utc(k.effective_at),
                reserve_time: None,
                promotion_id: None,
                create_time: utc(k.created_at),
                coupon_version: 2,
                balance: k.balance,
                lock_order_id: k.lock_order_id.clone(),
                coupon_usage: None,
                is_frozen: k.is_frozen.to_string(),
                currency: "CNY".into(),
                extend_param1: None,
                source_id: None,
            })
            .collect(),
    })
}

pub const OPERATIONS: &[Operation] = &[
    CREATE_PARTNER_COUPONS,
    RECLAIM_PARTNER_COUPONS,
    LIST_ISSUED_PARTNER_COUPONS,
    LIST_PARTNER_COUPONS_RECORD,
    LIST_QUOTA_COUPONS,
    UPDATE_COUPON_QUOTAS,
    RECLAIM_COUPON_QUOTAS,
    LIST_ISSUED_COUPON_QUOTAS,
    LIST_COUPON_QUOTAS_RECORDS,
    LIST_SUB_CUSTOMER_COUPONS,
];

const CREATE_PARTNER_COUPONS: Operation = Operation {
    name: "create_partner_coupons",
    method: Method::POST,
    path: "/v2/promotions/benefits/partner-coupons",
    summary: "发放优惠券 — issue coupons from a quota to up to 100 resale customers; per-customer failures in error_details",
    callers: "partner",
    request: Some(schema::<CreatePartnerCouponsReq>),
    response: schema::<CreatePartnerCouponsResponse>,
    route: || post(create_partner_coupons),
};

const RECLAIM_PARTNER_COUPONS: Operation = Operation {
    name: "reclaim_partner_coupons",
    method: Method::POST,
    path: "/v2/promotions/benefits/partner-coupons/reclaim",
    summary: "回收优惠券 — recall a usable coupon's whole remaining balance back to its quota",
    callers: "partner",
    request: Some(schema::<ReclaimPartnerCouponsReq>),
    response: schema::<ReclaimPartnerCouponsResponse>,
    route: || post(reclaim_partner_coupons),
};

const LIST_ISSUED_PARTNER_COUPONS: Operation = Operation {
    name: "list_issued_partner_coupons",
    method: Method::GET,
    path: "/v2/promotions/benefits/partner-coupons",
    summary: "查询已发放的优惠券 — the coupons the partner issued, reclaimed ones included; coupons that expired more than 12 months ago are left out (R9.15)",
    callers: "partner",
    request: Some(schema::<ListIssuedPartnerCouponsQuery>),
    response: schema::<ListIssuedPartnerCouponsResponse>,
    route: || get(list_issued_partner_coupons),
};

const LIST_PARTNER_COUPONS_RECORD: Operation = Operation {
    name: "list_partner_coupons_record",
    method: Method::GET,
    path: "/v2/promotions/benefits/partner-coupons/records/query",
    summary: "查询优惠券的发放回收记录 — issue and recall records (repeated-key list parameters)",
    callers: "partner",
    request: Some(schema::<ListPartnerCouponsRecordQuery>),
    response: schema::<ListPartnerCouponsRecordResponse>,
    route: || get(list_partner_coupons_record),
};

const LIST_QUOTA_COUPONS: Operation = Operation {
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

const UPDATE_COUPON_QUOTAS: Operation = Operation {
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

const RECLAIM_COUPON_QUOTAS: Operation = Operation {
    name: "reclaim_coupon_quotas",
    method: Method::POST,
    path: "/v2/partners/coupon-quotas/indirect-partner-reclaim",
    summary: "回收云经销商的代金券额度 — a master distributor takes back resellers' quota balances",
    callers: "partner (master distributor)",
    request: Some(schema::<ReclaimCouponQuotasReq>),
    response: schema::<ReclaimCouponQuotasResponse>,
    route: || post(reclaim_coupon_quotas),
};

const LIST_ISSUED_COUPON_QUOTAS: Operation = Operation {
    name: "list_issued_coupon_quotas",
    method: Method::GET,
    path: "/v2/partners/issued-coupon-quotas",
    summary: "查询已发放的代金券额度 — quotas a master distributor granted to its resellers",
    callers: "partner (master distributor)",
    request: Some(schema::<ListIssuedCouponQuotasQuery>),
    response: schema::<ListIssuedCouponQuotasResponse>,
    route: || get(list_issued_coupon_quotas),
};

const LIST_COUPON_QUOTAS_RECORDS: Operation = Operation {
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

const LIST_SUB_CUSTOMER_COUPONS: Operation = Operation {
    name: "list_sub_customer_coupons",
    method: Method::GET,
    path: "/v2/promotions/benefits/coupons",
    summary: "查询客户的优惠券 — a customer's own coupons (its own access key); reclaimed coupons are not listed",
    callers: "customer",
    request: Some(schema::<ListSubCustomerCouponsQuery>),
    response: schema::<ListSubCustomerCouponsResponse>,
    route: || get(list_sub_customer_coupons),
};

// ----------------------------------------------------------------------------------------------
// Query strings of the GET operations, for `/openapi.json` only: the handlers read them with
// `Params` (repeated keys, the vendor's empty-value rules), whose field names these mirror.

/// Query of `list_issued_partner_coupons`.
#[allow(dead_code)]
#[derive(JsonSchema)]
pub struct ListIssuedPartnerCouponsQuery {
    pub coupon_id: Option<String>,
    pub customer_id: Option<String>,
    pub order_id: Option<String>,
    /// 1 voucher, 4 cash coupon.
    pub coupon_type: Option<i64>,
    /// 1 not active, 2 usable, 3 used, 4 expired, 5 reclaimed.
    pub status: Option<i64>,
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

/// Query of `list_partner_coupons_record` (`operation_types` and `coupon_ids` repeat the key).
#[allow(dead_code)]
#[derive(JsonSchema)]
pub struct ListPartnerCouponsRecordQuery {
    pub operation_types: Option<Vec<String>>,
    pub quota_id: Option<String>,
    /// 0 voucher quota, 1 cash-coupon quota.
    pub quota_type: Option<i64>,
    pub coupon_ids: Option<Vec<String>>,
    pub customer_id: Option<String>,
    pub operation_time_begin: Option<String>,
    pub operation_time_end: Option<String>,
    /// "0" success, "-1" failure.
    pub result: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

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

/// Query of `list_sub_customer_coupons` (the customer's own coupons).
#[allow(dead_code)]
#[derive(JsonSchema)]
pub struct ListSubCustomerCouponsQuery {
    pub coupon_id: Option<String>,
    pub order_id: Option<String>,
    pub coupon_type: Option<i64>,
    pub status: Option<i64>,
    pub active_start_time: Option<String>,
    pub active_end_time: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}
