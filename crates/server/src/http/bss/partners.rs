//! Partner-tree operations of the vendor API (the vendor's API reference).

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use pc_app::services::partners::{self, IndirectPartnerQuery};
use pc_domain::timefmt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson};
use crate::http::error::ApiError;
use crate::state::AppState;

/// `QueryIndirectPartnersReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryIndirectPartnersReq {
    pub account_name: Option<String>,
    pub associated_on_begin: Option<String>,
    pub associated_on_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

/// `IndirectPartnerInfo`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct IndirectPartnerInfo {
    pub indirect_partner_id: String,
    pub mobile_phone: Option<String>,
    pub email: Option<String>,
    pub account_name: Option<String>,
    pub name: String,
    pub associated_on: String,
    pub account_manager_id: Option<String>,
    pub account_manager_name: Option<String>,
}

/// `ListIndirectPartnersResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListIndirectPartnersResponse {
    pub count: i64,
    pub indirect_partners: Vec<IndirectPartnerInfo>,
}

async fn list_indirect_partners(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<QueryIndirectPartnersReq>,
) -> Result<Response, ApiError> {
    // A key of the wrong kind is refused before its body is looked at, as the vendor does.
    caller.partner_id()?;
    let q = IndirectPartnerQuery::parse(
        req.account_name,
        req.associated_on_begin,
        req.associated_on_end,
        req.indirect_partner_id,
        req.offset,
        req.limit,
    )?;
    let (count, rows) = partners::list_indirect_partners(&st.db, &caller.ctx(), &q).await?;
    ok_json(&ListIndirectPartnersResponse {
        count,
        indirect_partners: rows
            .into_iter()
            .map(|p| IndirectPartnerInfo {
                indirect_partner_id: p.id,
                mobile_phone: p.mobile,
                email: p.email,
                account_name: p.account_name,
                name: p.name,
                associated_on: timefmt::format_utc(p.associated_at),
                account_manager_id: None,
                account_manager_name: None,
            })
            .collect(),
    })
}

pub const OPERATIONS: &[Operation] = &[LIST_INDIRECT_PARTNERS];

const LIST_INDIRECT_PARTNERS: Operation = Operation {
    name: "list_indirect_partners",
    method: Method::POST,
    path: "/v2/partners/indirect-partners/query",
    summary: "查询云经销商列表 — a master distributor's cloud resellers, with filters and paging",
    callers: "partner (master distributor)",
    request: Some(schema::<QueryIndirectPartnersReq>),
    response: schema::<ListIndirectPartnersResponse>,
    route: || post(list_indirect_partners),
};
