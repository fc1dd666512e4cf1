//! Unsubscribe and refund operations of the vendor API (the vendor's API reference):
//! `cancel_resources_subscription` (customer only) and `show_refund_order_details` (partner or
//! customer). The refund rule is `pc_domain::refunds`; what moves where, `pc_app::services::subscriptions::refunds`.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::subscriptions::refunds::{self, RefundLookup, UnsubscribeRequest};
use pc_domain::funds::MEASURE_YUAN;
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::english;
use super::resources::FailResourceInfo;
use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[CANCEL_RESOURCES_SUBSCRIPTION, SHOW_REFUND_ORDER_DETAILS];

// ----------------------------------------------------------------------------------------------
// §2.27 cancel_resources_subscription

/// `UnsubscribeResourcesReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct UnsubscribeResourcesReq {
    pub resource_ids: Option<Vec<String>>,
    pub unsubscribe_type: Option<i64>,
    pub unsubscribe_reason_type: Option<i64>,
    pub unsubscribe_reason: Option<String>,
}

/// `CancelResourcesSubscriptionResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CancelResourcesSubscriptionResponse {
    pub order_ids: Vec<String>,
    pub fail_resource_infos: Vec<FailResourceInfo>,
}

async fn cancel_resources_subscription(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(b): VendorJson<UnsubscribeResourcesReq>,
) -> Result<Response, ApiError> {
    let req = UnsubscribeRequest::parse(
        b.resource_ids.unwrap_or_default(),
        b.unsubscribe_type,
        b.unsubscribe_reason_type,
        b.unsubscribe_reason,
    )?;
    let order_ids = refunds::unsubscribe(&st.db, caller.ctx(), req).await?;
    ok_json(&CancelResourcesSubscriptionResponse {
        order_ids,
        fail_resource_infos: Vec::new(),
    })
}

const CANCEL_RESOURCES_SUBSCRIPTION: Operation = Operation {
    name: "cancel_resources_subscription",
    method: Method::POST,
    path: "/v2/orders/subscriptions/resources/unsubscribe",
    summary: "退订包年/包月资源 — the customer unsubscribes resources (1: resource and renewed periods, 2: renewed periods only); one refund order per resource",
    callers: "customer",
    request: Some(schema::<UnsubscribeResourcesReq>),
    response: schema::<CancelResourcesSubscriptionResponse>,
    route: || post(cancel_resources_subscription),
};

// ----------------------------------------------------------------------------------------------
// §2.32 show_refund_order_details

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ShowRefundOrderDetailsQuery {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub indirect_partner_id: Option<String>,
}

/// `OrderRefundInfoV2`: negative amounts were refunded, positive ones consumed or charged as fee.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrderRefundInfoV2 {
    pub id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub measure_id: String,
    pub customer_id: String,
    pub resource_type_code: String,
    pub service_type_code: String,
    pub resource_type_name: Option<String>,
    pub service_type_name: Option<String>,
    pub region_code: String,
    pub base_order_id: String,
}

/// `ShowRefundOrderDetailsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowRefundOrderDetailsResponse {
    pub total_count: i64,
    pub refund_infos: Vec<OrderRefundInfoV2>,
}

async fn show_refund_order_details(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ShowRefundOrderDetailsQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let customer_id = q.customer_id.as_deref().filter(|s| !s.trim().is_empty());
    let lookup = RefundLookup {
        order_id: q.order_id.as_deref().unwrap_or_default(),
        customer_id,
        indirect_partner_id: q.indirect_partner_id.as_deref(),
    };
    let rows = refunds::refund_details(&st.db, &caller.ctx(), lookup).await?;
    let pick = |zh: Option<String>, e: Option<String>| if en { e } else { zh };
    let refund_infos: Vec<OrderRefundInfoV2> = rows
        .into_iter()
        .map(|r| OrderRefundInfoV2 {
            id: r.id,
            amount: r.amount,
            measure_id: MEASURE_YUAN.to_string(),
            customer_id: r.customer_id,
            resource_type_code: r.resource_type_code,
            service_type_code: r.service_type_code,
            resource_type_name: pick(r.resource_type_name_zh, r.resource_type_name_en),
            service_type_name: pick(r.service_type_name_zh, r.service_type_name_en),
            region_code: r.region,
            base_order_id: r.base_order_id,
        })
        .collect();
    ok_json(&ShowRefundOrderDetailsResponse {
        total_count: refund_infos.len() as i64,
        refund_infos,
    })
}

const SHOW_REFUND_ORDER_DETAILS: Operation = Operation {
    name: "show_refund_order_details",
    method: Method::GET,
    path: "/v2/orders/customer-orders/refund-orders",
    summary: "查询退款订单的金额详情 — which original orders an unsubscribe order's refund, consumed part and fee come from",
    callers: "partner, customer",
    request: Some(schema::<ShowRefundOrderDetailsQuery>),
    response: schema::<ShowRefundOrderDetailsResponse>,
    route: || get(show_refund_order_details),
};
