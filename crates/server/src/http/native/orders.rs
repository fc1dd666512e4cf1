//! Orders on the native API: operators list every order (the filters of `list_customer_orders`)
//! and set the lowest discount ratio partners may grant; a partner places a yearly/monthly order
//! on behalf of one of its resale customers. The rules are `pc_app::services::orders`', the same
//! the console and the vendor API use.
//!
//! **Ordering on a customer's behalf (decision).** Only the partner the customer is associated
//! with for resale (代售) may: a consulting-sales customer is `CBC.5024`, another partner's
//! customer (a reseller's customer too, for its master distributor) `CBC.99000035`, as the
//! vendor's partner operations answer. The order is the customer's, pending payment, with source
//! type 2 (agent) and the partner's name as orderer; the customer pays it (console or
//! `pay_orders`) before `payment_deadline`.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post, put};
use pc_app::services::orders::{self, Item, OrderFor};
use pc_app::AppError;
use pc_domain::orders::PeriodType;
use pc_domain::{timefmt, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ratio, ratio_number, Decimal};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::bss::catalog::english;
use crate::http::bss::orders::{order_v3, CustomerOrderV3, OrderFilters};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_ORDERS,
    SHOW_DISCOUNT_FLOOR,
    UPDATE_DISCOUNT_FLOOR,
    CREATE_CUSTOMER_ORDER,
];

// ----------------------------------------------------------------------------------------------
// native_list_orders (operators)

/// An order with the partner it was placed with and that partner's tenant.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NativeOrder {
    #[serde(flatten)]
    pub order: CustomerOrderV3,
    pub partner_id: String,
    /// The tenant: the master distributor of a reseller, else the partner itself.
    pub root_partner_id: String,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOrdersResponse {
    pub total_count: i64,
    pub order_infos: Vec<NativeOrder>,
}

async fn list_orders(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<OrderFilters>,
) -> Result<Response, ApiError> {
    caller.operator_id()?;
    let en = english(&headers);
    let query = q.parse()?;
    let (total_count, list) = orders::list_orders(&st.db, &caller.ctx(), &query).await?;
    ok_json(&ListOrdersResponse {
        total_count,
        order_infos: list
            .iter()
            .map(|o| NativeOrder {
                order: order_v3(o, en),
                partner_id: o.partner_id.clone(),
                root_partner_id: o.root_id.clone(),
            })
            .collect(),
    })
}

const LIST_ORDERS: Operation = Operation {
    name: "native_list_orders",
    method: Method::GET,
    path: "/native/v1/orders",
    summary: "Every partner's customers' yearly/monthly orders, with the filters of list_customer_orders (operators)",
    callers: "operator",
    request: Some(schema::<OrderFilters>),
    response: schema::<ListOrdersResponse>,
    route: || get(list_orders),
};

// ----------------------------------------------------------------------------------------------
// native_show_discount_floor / native_update_discount_floor (operators)

/// The lowest discount ratio partners may grant (`0.7` = at most 30% off, "7折").
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiscountFloor {
    #[schemars(with = "f64")]
    pub discount_floor: serde_json::Number,
}

async fn show_discount_floor(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    caller.operator_id()?;
    let floor = orders::current_discount_floor(&st.db, &caller.ctx()).await?;
    ok_json(&DiscountFloor {
        discount_floor: ratio_number(floor),
    })
}

const SHOW_DISCOUNT_FLOOR: Operation = Operation {
    name: "native_show_discount_floor",
    method: Method::GET,
    path: "/native/v1/orders/discount-floor",
    summary: "The lowest discount ratio partners may grant their customers (operators)",
    callers: "operator",
    request: None,
    response: schema::<DiscountFloor>,
    route: || get(show_discount_floor),
};

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDiscountFloorReq {
    /// A ratio of the price paid, between 0 and 1 with at most 4 decimals. Discounts already
    /// granted stay in force; the floor applies to new grants.
    pub discount_floor: Decimal,
}

async fn update_discount_floor(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<UpdateDiscountFloorReq>,
) -> Result<Response, ApiError> {
    let floor = ratio("discount_floor", &req.discount_floor)?;
    let floor = orders::set_discount_floor(&st.db, caller.ctx(), floor).await?;
    ok_json(&DiscountFloor {
        discount_floor: ratio_number(floor),
    })
}

const UPDATE_DISCOUNT_FLOOR: Operation = Operation {
    name: "native_update_discount_floor",
    method: Method::PUT,
    path: "/native/v1/orders/discount-floor",
    summary: "Set the lowest discount ratio partners may grant (operators; applies to new grants)",
    callers: "operator",
    request: Some(schema::<UpdateDiscountFloorReq>),
    response: schema::<DiscountFloor>,
    route: || put(update_discount_floor),
};

// ----------------------------------------------------------------------------------------------
// native_create_customer_order (partners)

/// One product to buy, as `list_rate_on_period_detail` names periods.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderProductInfo {
    pub product_id: String,
    /// 2 month, 3 year.
    pub period_type: i64,
    /// 1–11 months or 1–3 years.
    pub period_num: i64,
    /// How many (default 1, at most 100).
    #[serde(default = "one")]
    pub subscription_num: i64,
    /// Linear products only: the size (GB, Mbit/s, count).
    pub resource_size: Option<i64>,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerOrderReq {
    /// One of the partner's resale customers.
    pub customer_id: String,
    /// 1–10 products.
    pub product_infos: Vec<OrderProductInfo>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct CreateCustomerOrderResponse {
    pub order_id: String,
    /// The list price to pay, in yuan (discounts and coupons are chosen when paying).
    #[schemars(with = "f64")]
    pub amount: Money,
    /// UTC; an unpaid order is cancelled after it.
    pub payment_deadline: String,
}

async fn create_customer_order(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<CreateCustomerOrderReq>,
) -> Result<Response, ApiError> {
    let items = req
        .product_infos
        .into_iter()
        .map(|p| {
            let period = match PeriodType::from_code(p.period_type) {
                Some(t @ (PeriodType::Month | PeriodType::Year)) => t,
                _ => {
                    return Err(ApiError::from(AppError::invalid_tr(
                        "period_type must be 2 (month) or 3 (year)",
                        "period_type 必须是 2（包月）或 3（包年）。",
                    )))
                }
            };
            Ok(Item {
                product_id: p.product_id.trim().to_string(),
                period,
                period_num: p.period_num,
                subscription_num: p.subscription_num,
                resource_size: p.resource_size,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let o = OrderFor {
        customer_id: req.customer_id,
        items,
    };
    let placed = orders::place_order_for(&st.db, caller.ctx(), o).await?;
    ok_json(&CreateCustomerOrderResponse {
        order_id: placed.order_id,
        amount: placed.amount,
        payment_deadline: timefmt::format_utc(placed.payment_deadline),
    })
}

const CREATE_CUSTOMER_ORDER: Operation = Operation {
    name: "native_create_customer_order",
    method: Method::POST,
    path: "/native/v1/orders/customer-orders",
    summary: "Place a new-purchase yearly/monthly order, pending payment, on behalf of one of the partner's resale customers (source type 2, agent)",
    callers: "partner",
    request: Some(schema::<CreateCustomerOrderReq>),
    response: schema::<CreateCustomerOrderResponse>,
    route: || post(create_customer_order),
};
