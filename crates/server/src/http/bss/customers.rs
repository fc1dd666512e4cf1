//! Customer operations of the vendor API (the vendor's API reference).

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use pc_app::services::customers::association::{
    self, CodeSendRequest, SubCustomerOutcome, SubCustomerRequest,
};
use pc_app::services::customers::{self, SubCustomerQuery};
use pc_app::{AppError, Code};
use pc_domain::timefmt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson};
use crate::http::error::{envelope_with, ApiError};
use crate::http::form::mask_phone;
use crate::state::AppState;

/// `QuerySubCustomerListReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QuerySubCustomerListReq {
    pub account_name: Option<String>,
    pub customer: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub label: Option<String>,
    pub association_type: Option<String>,
    pub associated_on_begin: Option<String>,
    pub associated_on_end: Option<String>,
    pub customer_id: Option<String>,
    pub indirect_partner_id: Option<String>,
}

/// `AccountManager`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountManager {
    pub account_name: Option<String>,
    pub manager_name: Option<String>,
}

/// `CustomerInformation`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerInformation {
    pub customer: Option<String>,
    pub account_name: String,
    pub customer_id: String,
    pub associated_on: String,
    pub association_type: String,
    pub label: Option<String>,
    pub telephone: Option<String>,
    pub verified_status: String,
    pub country_code: Option<String>,
    pub customer_type: i64,
    pub is_frozen: i64,
    pub account_managers: Vec<AccountManager>,
    pub xaccount_id: Option<String>,
    pub xaccount_type: Option<String>,
    pub customer_level: Option<String>,
    pub email: Option<String>,
}

/// `ListSubCustomersResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListSubCustomersResponse {
    pub customer_infos: Vec<CustomerInformation>,
    pub count: i64,
}

async fn list_sub_customers(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<QuerySubCustomerListReq>,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let q = SubCustomerQuery::parse(
        req.account_name,
        req.customer,
        req.label,
        req.association_type,
        req.associated_on_begin,
        req.associated_on_end,
        req.customer_id,
        req.indirect_partner_id,
        req.offset,
        req.limit,
    )?;
    // A distributor listing a reseller's customers gets their contact details only under the
    // reseller's delegation, and such a view is audited (services::partners::delegation).
    let listing = customers::list_and_record(&st.db, &caller.ctx(), &q).await?;
    let count = listing.total;
    let customer_infos = listing
        .rows
        .into_iter()
        .map(|c| CustomerInformation {
            customer: c.real_name,
            account_name: c.account_name,
            customer_id: c.customer_id,
            associated_on: timefmt::format_utc(c.associated_at),
            association_type: c.association_type.to_string(),
            label: c.label,
            telephone: c.mobile.as_deref().map(mask_phone),
            verified_status: c.verified_status,
            country_code: c.country_code,
            customer_type: c.customer_type,
            is_frozen: c.is_frozen,
            account_managers: Vec::new(),
            xaccount_id: c.xaccount_id,
            xaccount_type: c.xaccount_type,
            customer_level: c.customer_level,
            email: c.email,
        })
        .collect();
    ok_json(&ListSubCustomersResponse {
        customer_infos,
        count,
    })
}

pub const OPERATIONS: &[Operation] = &[
    LIST_SUB_CUSTOMERS,
    CREATE_SUB_CUSTOMER,
    CHECK_USER_IDENTITY,
    SEND_VERIFICATION_MESSAGE_CODE,
];

const LIST_SUB_CUSTOMERS: Operation = Operation {
    name: "list_sub_customers",
    method: Method::POST,
    path: "/v2/partners/sub-customers/query",
    summary: "查询客户列表 — list the partner's customers (or, for a master distributor, a reseller's) with filters and paging",
    callers: "partner",
    request: Some(schema::<QuerySubCustomerListReq>),
    response: schema::<ListSubCustomersResponse>,
    route: || post(list_sub_customers),
};

/// `CreateCustomerV2Req`: the Chinese SDK's shape (`mobile_phone`, `cooperation_type`) and the
/// international SDK's (`email`, `domain_area`), docs/sdk-compat.md.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CreateCustomerV2Req {
    pub domain_name: Option<String>,
    pub mobile_phone: Option<String>,
    /// The international SDK's: the customer's e-mail address (with an e-mail code).
    pub email: Option<String>,
    /// The international SDK's (required there): the customer's country or region, ISO 3166
    /// alpha-2; checked, not kept (this platform sells in one business region).
    pub domain_area: Option<String>,
    pub verification_code: Option<String>,
    pub xaccount_id: String,
    pub xaccount_type: String,
    pub password: Option<String>,
    /// Accepted and ignored: this platform sends customers no marketing messages.
    pub is_close_market_ms: Option<String>,
    pub cooperation_type: Option<String>,
    pub indirect_partner_id: Option<String>,
    /// Accepted; the association is always made at once (see the service's decision).
    pub include_association_result: Option<bool>,
}

/// `CreateSubCustomerResponse`. A duplicate `xaccount_id` is refused as the vendor's table says
/// (HTTP 400, `CBC.99000039`); the error body also carries the existing account's `domain_id` and
/// `domain_name`, so a platform retrying after a lost response learns the account it created.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateSubCustomerResponse {
    pub domain_id: String,
    pub domain_name: String,
}

async fn create_sub_customer(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<CreateCustomerV2Req>,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let r = SubCustomerRequest {
        domain_name: req.domain_name,
        mobile_phone: req.mobile_phone,
        verification_code: req.verification_code,
        xaccount_id: req.xaccount_id,
        xaccount_type: req.xaccount_type,
        password: req.password,
        cooperation_type: req.cooperation_type,
        indirect_partner_id: req.indirect_partner_id,
        email: req.email,
        domain_area: req.domain_area,
    };
    let account = match association::create_sub_customer(&st.db, caller.ctx(), r).await? {
        SubCustomerOutcome::Created(a) => a,
        SubCustomerOutcome::Existing(a) => {
            return Ok(envelope_with(
                &AppError::new(Code::XaccountDuplicate),
                serde_json::json!({"domain_id": a.domain_id, "domain_name": a.domain_name}),
            ))
        }
    };
    ok_json(&CreateSubCustomerResponse {
        domain_id: account.domain_id,
        domain_name: account.domain_name,
    })
}

const CREATE_SUB_CUSTOMER: Operation = Operation {
    name: "create_sub_customer",
    method: Method::POST,
    path: "/v2/partners/sub-customers",
    summary: "创建客户 — create a customer account mapped to the partner platform's user (xaccount_id) and associate it with the partner (or, for a master distributor, with one of its resellers)",
    callers: "partner (master distributor or solution provider)",
    request: Some(schema::<CreateCustomerV2Req>),
    response: schema::<CreateSubCustomerResponse>,
    route: || post(create_sub_customer),
};

/// `CheckSubcustomerUserReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CheckSubcustomerUserReq {
    pub search_type: String,
    pub search_value: String,
}

/// `CheckUserIdentityResponse`: always HTTP 200 for a well-formed question.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CheckUserIdentityResponse {
    pub error_code: String,
    pub error_msg: String,
    /// `available` or `used_by_user`.
    pub check_result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_remain_available_num: Option<i64>,
}

async fn check_user_identity(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<CheckSubcustomerUserReq>,
) -> Result<Response, ApiError> {
    let r = association::check_user_identity(
        &st.db,
        &caller.ctx(),
        &req.search_type,
        &req.search_value,
    )
    .await?;
    ok_json(&CheckUserIdentityResponse {
        error_code: "CBC.0000".into(),
        error_msg: "success".into(),
        check_result: if r.available {
            "available"
        } else {
            "used_by_user"
        }
        .into(),
        mobile_remain_available_num: r.mobile_remaining,
    })
}

const CHECK_USER_IDENTITY: Operation = Operation {
    name: "check_user_identity",
    method: Method::POST,
    path: "/v2/partners/sub-customers/users/check-identity",
    summary: "校验客户注册信息 — whether a login name, mobile number or e-mail address can still register a customer account",
    callers: "partner",
    request: Some(schema::<CheckSubcustomerUserReq>),
    response: schema::<CheckUserIdentityResponse>,
    route: || post(check_user_identity),
};

/// `SendVerificationCodeV2Req`: `receiver_type` 1 with `mobile_phone` (the Chinese SDK's), or 2
/// with `email` (the international SDK's).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct SendVerificationCodeV2Req {
    pub receiver_type: i64,
    pub timeout: Option<i64>,
    pub mobile_phone: Option<String>,
    pub email: Option<String>,
    pub lang: Option<String>,
    pub scene: Option<i64>,
    pub customer_id: Option<String>,
}

/// `SendVerificationMessageCodeResponse`: no fields.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SendVerificationMessageCodeResponse {}

async fn send_verification_message_code(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<SendVerificationCodeV2Req>,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let r = CodeSendRequest {
        receiver_type: req.receiver_type,
        timeout: req.timeout,
        mobile_phone: req.mobile_phone,
        email: req.email,
        lang: req.lang,
        scene: req.scene,
        customer_id: req.customer_id,
    };
    association::send_code_for_partner(&st.db, caller.ctx(), r).await?;
    ok_json(&SendVerificationMessageCodeResponse {})
}

const SEND_VERIFICATION_MESSAGE_CODE: Operation = Operation {
    name: "send_verification_message_code",
    method: Method::POST,
    path: "/v2/bases/verificationcode/send",
    summary: "发送验证码 — send an SMS (or, receiver_type 2, e-mail) verification code (registration, or bank-card real-name certification) through the outbox",
    callers: "partner",
    request: Some(schema::<SendVerificationCodeV2Req>),
    response: schema::<SendVerificationMessageCodeResponse>,
    route: || post(send_verification_message_code),
};
