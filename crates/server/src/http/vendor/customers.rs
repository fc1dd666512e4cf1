//! Customer operations of the vendor API (bss-api-spec §2.1–2.4).

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::post;
use pc_app::services::customers::{self, SubCustomerQuery};
use pc_domain::timefmt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson};
use crate::http::error::ApiError;
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

/// A phone number as partners see it: the middle digits masked (the vendor shows `138****5678`).
pub fn mask_phone(p: &str) -> String {
    let chars: Vec<char> = p.chars().collect();
    if chars.len() < 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

async fn list_sub_customers(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<QuerySubCustomerListReq>,
) -> Result<Response, ApiError> {
    let partner_id = caller.partner_id()?;
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
    // reseller's delegation, and such a view is audited (services::delegation).
    let listing = customers::list_and_record(&st.db, &caller.ctx(), partner_id, &q).await?;
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

pub const OPERATIONS: &[Operation] = &[LIST_SUB_CUSTOMERS];

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

#[cfg(test)]
mod tests {
    #[test]
    fn masks_phones() {
        assert_eq!(super::mask_phone("13812345678"), "138****5678");
        assert_eq!(super::mask_phone("123"), "***");
    }
}
