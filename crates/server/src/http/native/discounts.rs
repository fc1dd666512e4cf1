//! Partner-granted discounts (合作伙伴授予折扣) on the native API: a partner grants one of its
//! customers a discount on every product or on one product, lists what it granted, and revokes.
//! The rules are `pc_app::services::orders`' (`grant_discount`, `revoke_discount`,
//! `list_discounts`), the same the partner console uses.
//!
//! **Rules (decision).** The customer must be associated with the calling partner now
//! (`CBC.99000035` otherwise, a master distributor's reseller's customer included: the reseller
//! grants its own); the ratio is what is paid (`0.85` = 15% off), never below the operator's
//! floor (`PC.1102`); a product must exist (`CBC.99006006`). Several discounts may be in force for
//! one customer; the customer uses at most one per payment. Revoking takes effect at once for
//! quotes and payments; orders already paid keep their discount; an unknown, foreign or already
//! revoked discount is `PC.0404`.

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::{delete, get, post};
use pc_app::services::orders::{self, DiscountGrant, DiscountQuery, GrantRow};
use pc_domain::timefmt;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{flag, page, ratio, ratio_number, Decimal};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[LIST_DISCOUNTS, GRANT_DISCOUNT, REVOKE_DISCOUNT];

const DISCOUNTS: &str = "/native/v1/discounts";

/// A discount a partner granted.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PartnerDiscount {
    pub discount_id: String,
    pub customer_id: String,
    pub customer_name: String,
    /// `null`: every product.
    pub product_id: Option<String>,
    /// The ratio paid, e.g. 0.85.
    #[schemars(with = "f64")]
    pub discount_ratio: serde_json::Number,
    pub create_time: String,
    /// Set once revoked.
    pub revoke_time: Option<String>,
}

impl From<GrantRow> for PartnerDiscount {
    fn from(r: GrantRow) -> Self {
        PartnerDiscount {
            discount_id: r.grant.id,
            customer_id: r.grant.customer_id,
            customer_name: r.customer_name,
            product_id: r.grant.product_id,
            discount_ratio: ratio_number(r.grant.ratio),
            create_time: timefmt::format_utc(r.grant.created_at),
            revoke_time: r.revoked_at.map(timefmt::format_utc),
        }
    }
}

fn nonempty(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
}

// ----------------------------------------------------------------------------------------------
// native_list_discounts

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListDiscountsQuery {
    pub customer_id: Option<String>,
    pub product_id: Option<String>,
    /// `true`: revoked discounts too.
    pub include_revoked: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListDiscountsResponse {
    pub total_count: i64,
    pub discounts: Vec<PartnerDiscount>,
}

async fn list_discounts(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<ListDiscountsQuery>,
) -> Result<Response, ApiError> {
    caller.partner_id()?;
    let (offset, limit) = page(q.offset, q.limit)?;
    let query = DiscountQuery {
        customer_id: nonempty(q.customer_id),
        product_id: nonempty(q.product_id),
        include_revoked: flag("include_revoked", q.include_revoked.as_deref())?,
        offset,
        limit,
    };
    let (total_count, list) = orders::list_discounts(&st.db, &caller.ctx(), &query).await?;
    ok_json(&ListDiscountsResponse {
        total_count,
        discounts: list.into_iter().map(PartnerDiscount::from).collect(),
    })
}

const LIST_DISCOUNTS: Operation = Operation {
    name: "native_list_discounts",
    method: Method::GET,
    path: DISCOUNTS,
    summary: "The discounts the partner granted its customers, newest first (include_revoked=true for revoked ones too)",
    callers: "partner",
    request: Some(schema::<ListDiscountsQuery>),
    response: schema::<ListDiscountsResponse>,
    route: || get(list_discounts),
};

// ----------------------------------------------------------------------------------------------
// native_grant_discount

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantDiscountReq {
    /// One of the partner's customers.
    pub customer_id: String,
    /// One product; absent or `null`: every product.
    pub product_id: Option<String>,
    /// The ratio paid, between the operator's floor and 1 (exclusive), at most 4 decimals.
    pub discount_ratio: Decimal,
}

async fn grant_discount(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<GrantDiscountReq>,
) -> Result<Response, ApiError> {
    let g = DiscountGrant {
        customer_id: req.customer_id,
        product_id: req.product_id,
        ratio: ratio("discount_ratio", &req.discount_ratio)?,
    };
    let row = orders::grant_discount(&st.db, caller.ctx(), g).await?;
    ok_json(&PartnerDiscount::from(row))
}

const GRANT_DISCOUNT: Operation = Operation {
    name: "native_grant_discount",
    method: Method::POST,
    path: DISCOUNTS,
    summary: "Grant one of the partner's customers a discount on every product or one product, not below the operator's floor",
    callers: "partner",
    request: Some(schema::<GrantDiscountReq>),
    response: schema::<PartnerDiscount>,
    route: || post(grant_discount),
};

// ----------------------------------------------------------------------------------------------
// native_revoke_discount

#[derive(Debug, Serialize, JsonSchema)]
pub struct RevokeDiscountResponse {
    pub discount_id: String,
    pub revoke_time: String,
}

async fn revoke_discount(
    State(st): State<AppState>,
    caller: Caller,
    Path(discount_id): Path<String>,
) -> Result<Response, ApiError> {
    let r = orders::revoke_discount(&st.db, caller.ctx(), discount_id).await?;
    ok_json(&RevokeDiscountResponse {
        discount_id: r.discount_id,
        revoke_time: timefmt::format_utc(r.revoked_at),
    })
}

const REVOKE_DISCOUNT: Operation = Operation {
    name: "native_revoke_discount",
    method: Method::DELETE,
    path: "/native/v1/discounts/{discount_id}",
    summary: "Revoke one of the partner's discounts: quotes and payments stop offering it at once",
    callers: "partner",
    request: None,
    response: schema::<RevokeDiscountResponse>,
    route: || delete(revoke_discount),
};
