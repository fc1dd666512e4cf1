//! Coupons as read: those a partner issued, its issue and recall records, and a customer's own
//! coupons (`list_sub_customer_coupons`, `GET /v2/promotions/benefits/coupons`, fields from the
//! SDK's `ListSubCustomerCouponsRequest` / `IQueryUserCouponsResultV2`).

use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use axum::routing::get;
use pc_app::services::coupons::{self, Coupon, CouponQuery, RecordQuery};
use pc_app::services::identity::Principal;
use pc_app::{AppError, AppResult, Code};
use pc_domain::Money;
use schemars::JsonSchema;
use serde::Serialize;

use super::{utc, Params};
use crate::http::auth::Caller;
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

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
                        .ok_or_else(|| {
                            AppError::invalid_tr(
                                "operation_types holds 1 to 9",
                                "operation_types 的取值为 1 到 9。",
                            )
                        })
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
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        )
        .into());
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

pub(super) const LIST_ISSUED_PARTNER_COUPONS: Operation = Operation {
    name: "list_issued_partner_coupons",
    method: Method::GET,
    path: "/v2/promotions/benefits/partner-coupons",
    summary: "查询已发放的优惠券 — the coupons the partner issued, reclaimed ones included; coupons that expired more than 12 months ago are left out (R9.15)",
    callers: "partner",
    request: Some(schema::<ListIssuedPartnerCouponsQuery>),
    response: schema::<ListIssuedPartnerCouponsResponse>,
    route: || get(list_issued_partner_coupons),
};

pub(super) const LIST_PARTNER_COUPONS_RECORD: Operation = Operation {
    name: "list_partner_coupons_record",
    method: Method::GET,
    path: "/v2/promotions/benefits/partner-coupons/records/query",
    summary: "查询优惠券的发放回收记录 — issue and recall records (repeated-key list parameters)",
    callers: "partner",
    request: Some(schema::<ListPartnerCouponsRecordQuery>),
    response: schema::<ListPartnerCouponsRecordResponse>,
    route: || get(list_partner_coupons_record),
};

pub(super) const LIST_SUB_CUSTOMER_COUPONS: Operation = Operation {
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
