//! Fund operations of the vendor API (bss-api-spec §2.14–2.20).

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use pc_app::services::funds;
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{idempotent_write, schema, Operation};
use crate::http::auth::{Caller, VendorJson};
use crate::http::error::ApiError;
use crate::state::AppState;

/// `AdjustAccountReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AdjustAccountReq {
    pub customer_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub indirect_partner_id: Option<String>,
}

/// `UpdateCustomerAccountAmountResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdateCustomerAccountAmountResponse {
    pub transfer_id: String,
}

async fn update_customer_account_amount(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<AdjustAccountReq>,
) -> Result<Response, ApiError> {
    let partner_id = caller.partner_id()?.to_string();
    idempotent_write(&st, &caller, move |c, ctx| {
        Box::pin(async move {
            let transfer_id = funds::allocate_to_customer(
                c,
                &ctx,
                &partner_id,
                req.indirect_partner_id.as_deref(),
                &req.customer_id,
                req.amount,
            )
            .await?;
            Ok(UpdateCustomerAccountAmountResponse { transfer_id })
        })
    })
    .await
}

pub const OPERATIONS: &[Operation] = &[UPDATE_CUSTOMER_ACCOUNT_AMOUNT, RECLAIM_TO_PARTNER_ACCOUNT];

const UPDATE_CUSTOMER_ACCOUNT_AMOUNT: Operation = Operation {
    name: "update_customer_account_amount",
    method: Method::POST,
    path: "/v2/accounts/partner-accounts/adjust-amount",
    summary: "向客户账户拨款 — allocate money from the partner's account to a resale customer",
    callers: "partner",
    request: Some(schema::<AdjustAccountReq>),
    response: schema::<UpdateCustomerAccountAmountResponse>,
    route: || post(update_customer_account_amount),
};

/// `ReclaimToPartnerAccountBalancesReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReclaimToPartnerAccountBalancesReq {
    pub customer_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub indirect_partner_id: Option<String>,
}

/// `ReclaimToPartnerAccountResponse` (note: `trans_id`, not `transfer_id`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReclaimToPartnerAccountResponse {
    pub trans_id: String,
}

async fn reclaim_to_partner_account(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<ReclaimToPartnerAccountBalancesReq>,
) -> Result<Response, ApiError> {
    let partner_id = caller.partner_id()?.to_string();
    idempotent_write(&st, &caller, move |c, ctx| {
        Box::pin(async move {
            let trans_id = funds::reclaim_from_customer(
                c,
                &ctx,
                &partner_id,
                req.indirect_partner_id.as_deref(),
                &req.customer_id,
                req.amount,
            )
            .await?;
            Ok(ReclaimToPartnerAccountResponse { trans_id })
        })
    })
    .await
}

const RECLAIM_TO_PARTNER_ACCOUNT: Operation = Operation {
    name: "reclaim_to_partner_account",
    method: Method::POST,
    path: "/v2/accounts/partner-accounts/reclaim",
    summary: "回收客户账户余额 — reclaim money from a resale customer's account",
    callers: "partner",
    request: Some(schema::<ReclaimToPartnerAccountBalancesReq>),
    response: schema::<ReclaimToPartnerAccountResponse>,
    route: || post(reclaim_to_partner_account),
};
