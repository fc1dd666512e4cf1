//! Yearly/monthly order operations of the vendor API (the vendor's API reference):
//! list and show orders, usable discounts, pay (v3) and cancel (PUT). Who sees which order and how
//! a payment moves money is decided in `pc_app::services::orders`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post, put};
use pc_app::services::orders::{self, Order, OrderLine, OrderQuery, RawOrderQuery};
use pc_domain::funds::{CURRENCY, MEASURE_YUAN};
use pc_domain::orders::{
    DiscountKind, OrderStatus, OrderType, DISCOUNT_MODE_AMOUNT, DISCOUNT_MODE_RATE,
};
use pc_domain::{timefmt, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::english;
use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_CUSTOMER_ORDERS,
    SHOW_CUSTOMER_ORDER_DETAILS,
    LIST_ORDER_COUPONS,
    LIST_ORDER_DISCOUNTS,
    PAY_ORDERS,
    CANCEL_CUSTOMER_ORDER,
];

/// `DiscountItemV2` (`discount_type` is a string on this model).
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiscountItemV2 {
    pub discount_type: String,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
}

/// `AmountInfomationV2`. `commission_amount` / `consumed_amount` exist on the orders that refund
/// a resource only: unsubscribe orders (the vendor's) and, refunding the same way, orders changing
/// a resource to pay-per-use at once (type 10).
#[derive(Debug, Serialize, JsonSchema)]
pub struct AmountInfomationV2 {
    pub discounts: Vec<DiscountItemV2>,
    #[schemars(with = "f64")]
    pub flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub coupon_amount: Money,
    #[schemars(with = "f64")]
    pub stored_card_amount: Money,
    #[schemars(with = "Option<f64>")]
    pub commission_amount: Option<Money>,
    #[schemars(with = "Option<f64>")]
    pub consumed_amount: Option<Money>,
}

fn amount_info(o: &Order) -> AmountInfomationV2 {
    let refunds = matches!(
        OrderType::from_code(o.order_type),
        Some(OrderType::Unsubscribe | OrderType::PeriodToOnDemand)
    );
    AmountInfomationV2 {
        discounts: match (&o.discount_type, o.discount_amount.is_positive()) {
            (Some(t), true) => vec![DiscountItemV2 {
                discount_type: t.clone(),
                discount_amount: o.discount_amount,
            }],
            _ => Vec::new(),
        },
        flexipurchase_coupon_amount: o.flexipurchase_coupon_amount,
        coupon_amount: o.coupon_amount,
        stored_card_amount: o.stored_card_amount,
        commission_amount: refunds.then_some(o.commission_amount),
        consumed_amount: refunds.then_some(o.consumed_amount),
    }
}

fn line_amount_info(l: &OrderLine, discount_type: Option<&str>) -> AmountInfomationV2 {
    AmountInfomationV2 {
        discounts: match (discount_type, l.discount_amount.is_positive()) {
            (Some(t), true) => vec![DiscountItemV2 {
                discount_type: t.to_string(),
                discount_amount: l.discount_amount,
            }],
            _ => Vec::new(),
        },
        flexipurchase_coupon_amount: Money::ZERO,
        coupon_amount: Money::ZERO,
        stored_card_amount: Money::ZERO,
        commission_amount: None,
        consumed_amount: None,
    }
}

// ----------------------------------------------------------------------------------------------
// §2.21 list_customer_orders

/// The filters of `list_customer_orders` (also the native API's operator order list); every
/// value a string so that empty values mean "no filter" and bad ones answer `CBC.0100` naming the
/// field (`order_type` is a string on the wire).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct OrderFilters {
    pub order_id: Option<String>,
    pub customer_id: Option<String>,
    pub create_time_begin: Option<String>,
    pub create_time_end: Option<String>,
    pub service_type_code: Option<String>,
    pub status: Option<String>,
    pub order_type: Option<String>,
    pub limit: Option<String>,
    pub offset: Option<String>,
    pub order_by: Option<String>,
    pub payment_time_begin: Option<String>,
    pub payment_time_end: Option<String>,
    pub method: Option<String>,
}

impl OrderFilters {
    /// Parses the filters (`CBC.0100` naming the field).
    pub fn parse(self) -> Result<OrderQuery, ApiError> {
        Ok(OrderQuery::parse(RawOrderQuery {
            order_id: self.order_id,
            customer_id: self.customer_id,
            create_time_begin: self.create_time_begin,
            create_time_end: self.create_time_end,
            service_type_code: self.service_type_code,
            status: self.status,
            order_type: self.order_type,
            limit: self.limit,
            offset: self.offset,
            order_by: self.order_by,
            payment_time_begin: self.payment_time_begin,
            payment_time_end: self.payment_time_end,
            method: self.method,
        })?)
    }
}

/// Query of `list_customer_orders`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCustomerOrdersQuery {
    #[serde(flatten)]
    pub filters: OrderFilters,
    pub indirect_partner_id: Option<String>,
}

/// `CustomerOrderV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerOrderV2 {
    pub order_id: String,
    pub customer_id: String,
    pub service_type_code: String,
    pub service_type_name: Option<String>,
    pub source_type: i64,
    pub status: i64,
    pub order_type: i64,
    #[schemars(with = "f64")]
    pub amount_after_discount: Money,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    pub measure_id: i64,
    pub create_time: String,
    pub payment_time: Option<String>,
    pub currency: String,
    pub contract_id: Option<String>,
    pub amount_info: AmountInfomationV2,
}

/// `ListCustomerOrdersResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerOrdersResponse {
    pub total_count: i64,
    pub order_infos: Vec<CustomerOrderV2>,
}

async fn list_customer_orders(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListCustomerOrdersQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let mut query = q.filters.parse()?;
    query.indirect_partner_id = q.indirect_partner_id;
    let (total_count, list) = orders::list_orders(&st.db, &caller.ctx(), &query).await?;
    ok_json(&ListCustomerOrdersResponse {
        total_count,
        order_infos: list
            .iter()
            .map(|o| CustomerOrderV2 {
                order_id: o.order_id.clone(),
                customer_id: o.customer_id.clone(),
                service_type_code: o.service_type_code.clone(),
                service_type_name: o.service_type_name(en).map(str::to_string),
                source_type: o.source_type,
                status: o.status,
                order_type: o.order_type,
                amount_after_discount: o.amount_after_discount,
                official_amount: o.official_amount,
                measure_id: MEASURE_YUAN,
                create_time: timefmt::format_utc(o.created_at),
                payment_time: o.paid_at.map(timefmt::format_utc),
                currency: o.currency.clone(),
                contract_id: None,
                amount_info: amount_info(o),
            })
            .collect(),
    })
}

const LIST_CUSTOMER_ORDERS: Operation = Operation {
    name: "list_customer_orders",
    method: Method::GET,
    path: "/v2/orders/customer-orders",
    summary: "查询订单列表 — yearly/monthly orders: a customer's own, a partner's customers' (a master distributor's reseller's with indirect_partner_id)",
    callers: "partner, customer",
    request: Some(schema::<ListCustomerOrdersQuery>),
    response: schema::<ListCustomerOrdersResponse>,
    route: || get(list_customer_orders),
};

// ----------------------------------------------------------------------------------------------
// §2.22 show_customer_order_details

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ShowCustomerOrderDetailsQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

/// `CustomerOrderV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerOrderV3 {
    pub order_id: String,
    pub customer_id: String,
    pub service_type_code: String,
    pub service_type_name: Option<String>,
    pub source_type: i64,
    pub status: i64,
    pub order_type: i64,
    #[schemars(with = "f64")]
    pub amount_after_discount: Money,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    pub measure_id: i64,
    pub create_time: String,
    pub payment_time: Option<String>,
    pub currency: String,
    pub contract_id: Option<String>,
    pub amount_info: AmountInfomationV2,
    pub user_name: String,
    /// Only while the order waits for payment.
    pub pending_payment_end_time: Option<String>,
}

/// An order as `CustomerOrderV3` (names in English when `en`).
pub fn order_v3(o: &Order, en: bool) -> CustomerOrderV3 {
    let pending = o.status() == Some(OrderStatus::PendingPayment);
    CustomerOrderV3 {
        order_id: o.order_id.clone(),
        customer_id: o.customer_id.clone(),
        service_type_code: o.service_type_code.clone(),
        service_type_name: o.service_type_name(en).map(str::to_string),
        source_type: o.source_type,
        status: o.status,
        order_type: o.order_type,
        amount_after_discount: o.amount_after_discount,
        official_amount: o.official_amount,
        measure_id: MEASURE_YUAN,
        create_time: timefmt::format_utc(o.created_at),
        payment_time: o.paid_at.map(timefmt::format_utc),
        currency: o.currency.clone(),
        contract_id: None,
        amount_info: amount_info(o),
        user_name: o.user_name.clone(),
        pending_payment_end_time: o
            .payment_deadline
            .filter(|_| pending)
            .map(timefmt::format_utc),
    }
}

/// `OrderLineItemEntityV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrderLineItemEntityV2 {
    pub order_line_item_id: String,
    pub service_type_code: String,
    pub service_type_name: Option<String>,
    pub product_id: String,
    pub product_spec_desc: String,
    pub period_type: i64,
    pub period_num: Option<i64>,
    pub effective_time: Option<String>,
    pub expire_time: Option<String>,
    pub subscription_num: i64,
    #[schemars(with = "f64")]
    pub amount_after_discount: Money,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    pub amount_info: AmountInfomationV2,
    pub currency: String,
    pub category_code: Option<String>,
    pub product_owner_service: String,
    pub commercial_resource: String,
    /// On a spec change (order type 3): the product before the change.
    pub base_product_info: Option<ProductObject>,
    pub order_id: String,
}

/// `ProductObject`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProductObject {
    pub product_id: String,
    pub product_spec_desc: Option<String>,
    pub category_code: Option<String>,
    pub product_owner_service: String,
    pub commercial_resource: String,
}

/// `ShowCustomerOrderDetailsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowCustomerOrderDetailsResponse {
    pub total_count: i64,
    pub order_info: CustomerOrderV3,
    pub order_line_items: Vec<OrderLineItemEntityV2>,
}

async fn show_customer_order_details(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(order_id): Path<String>,
    VendorQuery(q): VendorQuery<ShowCustomerOrderDetailsQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let (offset, limit) = pc_app::store::filters::page(q.offset, q.limit, 100)?;
    let d = orders::order_detail(
        &st.db,
        &caller.ctx(),
        &order_id,
        q.indirect_partner_id.as_deref(),
    )
    .await?;
    let o = &d.order;
    ok_json(&ShowCustomerOrderDetailsResponse {
        total_count: d.lines.len() as i64,
        order_info: order_v3(o, en),
        order_line_items: d
            .lines
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(|l| OrderLineItemEntityV2 {
                order_line_item_id: l.order_line_item_id.clone(),
                service_type_code: l.service_type_code.clone(),
                service_type_name: if en {
                    l.service_type_name_en.clone()
                } else {
                    l.service_type_name_zh.clone()
                },
                product_id: l.product_id.clone(),
                product_spec_desc: l.product_spec_desc.clone(),
                period_type: l.period_type,
                period_num: l.period_num,
                effective_time: l.effective_at.map(timefmt::format_utc),
                expire_time: l.expire_at.map(timefmt::format_utc),
                subscription_num: l.subscription_num,
                amount_after_discount: l.amount_after_discount,
                official_amount: l.official_amount,
                amount_info: line_amount_info(l, o.discount_type.as_deref()),
                currency: CURRENCY.into(),
                category_code: None,
                product_owner_service: l.service_type_code.clone(),
                commercial_resource: l.resource_type_code.clone(),
                base_product_info: l.base_product_id.as_ref().map(|b| ProductObject {
                    product_id: b.clone(),
                    product_spec_desc: l.base_product_spec_desc.clone(),
                    category_code: None,
                    product_owner_service: l.service_type_code.clone(),
                    commercial_resource: l.resource_type_code.clone(),
                }),
                order_id: l.order_id.clone(),
            })
            .collect(),
    })
}

const SHOW_CUSTOMER_ORDER_DETAILS: Operation = Operation {
    name: "show_customer_order_details",
    method: Method::GET,
    path: "/v2/orders/customer-orders/details/{order_id}",
    summary: "查询订单详情 — one order with its line items",
    callers: "partner, customer",
    request: Some(schema::<ShowCustomerOrderDetailsQuery>),
    response: schema::<ShowCustomerOrderDetailsResponse>,
    route: || get(show_customer_order_details),
};

// ----------------------------------------------------------------------------------------------
// §2.24 list_order_discounts

#[derive(Debug, Deserialize, JsonSchema)]
pub struct OrderIdQuery {
    pub order_id: Option<String>,
}

/// `OrderLineItemV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrderLineItemV3 {
    pub order_line_item_ids: Vec<String>,
    pub discount_mode: i64,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    /// The ratio paid, e.g. 0.85.
    #[schemars(with = "f64")]
    pub discount_ratio: serde_json::Number,
}

/// `OrderV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct OrderV3 {
    pub order_id: String,
    pub order_line_items: Vec<OrderLineItemV3>,
}

/// `DiscountInfoV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct DiscountInfoV3 {
    pub discount_id: String,
    pub discount_value: String,
    pub discount_type: i64,
    pub orders: Vec<OrderV3>,
}

/// `ListOrderDiscountsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOrderDiscountsResponse {
    pub discounts: Vec<DiscountInfoV3>,
}

async fn list_order_discounts(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<OrderIdQuery>,
) -> Result<Response, ApiError> {
    let list =
        orders::order_discounts(&st.db, &caller.ctx(), q.order_id.as_deref().unwrap_or("")).await?;
    ok_json(&ListOrderDiscountsResponse {
        discounts: list
            .into_iter()
            .map(|d| {
                let ratio: serde_json::Number = d
                    .grant
                    .ratio
                    .to_string()
                    .parse()
                    .unwrap_or_else(|_| serde_json::Number::from(0));
                // A price adjustment takes an amount off (mode 2): its value is that amount.
                let adjustment = d.grant.kind == DiscountKind::Adjustment;
                let (value, mode) = if adjustment {
                    (d.discount().to_string(), DISCOUNT_MODE_AMOUNT)
                } else {
                    (d.grant.ratio.to_string(), DISCOUNT_MODE_RATE)
                };
                DiscountInfoV3 {
                    discount_id: d.grant.id.clone(),
                    discount_value: value,
                    discount_type: d.grant.kind.pay_type(),
                    orders: vec![OrderV3 {
                        order_id: d.order_id.clone(),
                        order_line_items: d
                            .lines
                            .iter()
                            .map(|(id, x)| OrderLineItemV3 {
                                order_line_item_ids: vec![id.clone()],
                                discount_mode: mode,
                                discount_amount: x.discount,
                                discount_ratio: ratio.clone(),
                            })
                            .collect(),
                    }],
                }
            })
            .collect(),
    })
}

const LIST_ORDER_DISCOUNTS: Operation = Operation {
    name: "list_order_discounts",
    method: Method::GET,
    path: "/v2/orders/customer-orders/order-discounts",
    summary: "查询订单可用折扣 — the discounts usable on one of the customer's pending orders: partner-granted (3), promotions (0), or only its price adjustment (609)",
    callers: "customer",
    request: Some(schema::<OrderIdQuery>),
    response: schema::<ListOrderDiscountsResponse>,
    route: || get(list_order_discounts),
};

// ----------------------------------------------------------------------------------------------
// §2.23 list_order_coupons_by_order_id

/// `LimitInfoV2`: a coupon restriction (our keys, as the coupon lists use them).
#[derive(Debug, Serialize, JsonSchema)]
pub struct LimitInfoV2 {
    pub limit_key: String,
    pub value1: String,
}

/// `CouponInfoV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CouponInfoV2 {
    pub coupon_id: String,
    pub coupon_code: String,
    pub status: i64,
    pub coupon_type: i64,
    pub measure_id: i64,
    #[schemars(with = "f64")]
    pub face_value: Money,
    pub effective_time: String,
    pub expire_time: String,
    pub use_limits: Vec<LimitInfoV2>,
    pub active_time: String,
    pub last_used_time: Option<String>,
    pub create_time: String,
    pub coupon_version: i64,
    #[schemars(with = "f64")]
    pub balance: Money,
    pub used_by_order_id: Option<String>,
    pub coupon_group: i64,
}

/// `CouponMaxUseQuantity`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CouponMaxUseQuantity {
    pub coupon_type: i64,
    pub coupon_group: i64,
    pub use_quantity_value: i64,
}

/// `ListOrderCouponsByOrderIdResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListOrderCouponsByOrderIdResponse {
    pub count: i64,
    pub user_coupons: Vec<CouponInfoV2>,
    pub coupon_max_use_quantity: Vec<CouponMaxUseQuantity>,
}

/// Most coupons of one type a payment may use (R11.4: at most 3 coupons per payment).
const MAX_COUPONS_PER_PAYMENT: i64 = 3;

async fn list_order_coupons(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<OrderIdQuery>,
) -> Result<Response, ApiError> {
    let list =
        orders::order_coupons(&st.db, &caller.ctx(), q.order_id.as_deref().unwrap_or("")).await?;
    let mut types: Vec<i64> = list.iter().map(|k| k.coupon_type).collect();
    types.sort_unstable();
    types.dedup();
    ok_json(&ListOrderCouponsByOrderIdResponse {
        count: list.len() as i64,
        coupon_max_use_quantity: types
            .into_iter()
            .map(|t| CouponMaxUseQuantity {
                coupon_type: t,
                coupon_group: 0,
                use_quantity_value: MAX_COUPONS_PER_PAYMENT,
            })
            .collect(),
        user_coupons: list
            .into_iter()
            .map(|k| {
                let limits = k
                    .service_types
                    .iter()
                    .map(|v| ("cloud_service_types", v))
                    .chain(k.product_ids.iter().map(|v| ("product_ids", v)))
                    .map(|(key, v)| LimitInfoV2 {
                        limit_key: key.into(),
                        value1: v.clone(),
                    })
                    .collect();
                CouponInfoV2 {
                    coupon_code: k.id.clone(),
                    coupon_id: k.id,
                    status: pc_domain::coupons::coupon_status::USABLE,
                    coupon_type: k.coupon_type,
                    measure_id: MEASURE_YUAN,
                    face_value: k.face_value,
                    effective_time: timefmt::format_utc(k.effective_at),
                    expire_time: timefmt::format_utc(k.expire_at),
                    use_limits: limits,
                    active_time: timefmt::format_utc(k.effective_at),
                    last_used_time: k.last_used_at.map(timefmt::format_utc),
                    create_time: timefmt::format_utc(k.created_at),
                    coupon_version: 2,
                    balance: k.balance,
                    used_by_order_id: k.lock_order_id,
                    coupon_group: 0,
                }
            })
            .collect(),
    })
}

const LIST_ORDER_COUPONS: Operation = Operation {
    name: "list_order_coupons_by_order_id",
    method: Method::GET,
    path: "/v2/orders/customer-orders/order-coupons",
    summary: "查询订单可用优惠券 — the customer's coupons usable on one of its pending orders",
    callers: "customer",
    request: Some(schema::<OrderIdQuery>),
    response: schema::<ListOrderCouponsByOrderIdResponse>,
    route: || get(list_order_coupons),
};

// ----------------------------------------------------------------------------------------------
// §2.25 pay_orders (v3)

/// `CouponSimpleInfoOrderPayV3`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CouponSimpleInfoOrderPayV3 {
    pub id: String,
    #[serde(rename = "type")]
    pub r#type: i64,
}

/// `DiscountSimpleInfoV3`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct DiscountSimpleInfoV3 {
    pub id: String,
    #[serde(rename = "type")]
    pub r#type: i64,
}

/// `PayCustomerOrderV3Req`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PayCustomerOrderV3Req {
    pub order_id: Option<String>,
    pub use_coupon: Option<String>,
    pub use_discount: Option<String>,
    pub coupon_infos: Option<Vec<CouponSimpleInfoOrderPayV3>>,
    pub discount_infos: Option<Vec<DiscountSimpleInfoV3>>,
}

/// `PayOrdersResponse` has no fields; the body is `{}`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct EmptyResponse {}

async fn pay_orders(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<PayCustomerOrderV3Req>,
) -> Result<Response, ApiError> {
    let pay = orders::PayOrder {
        order_id: req.order_id.unwrap_or_default(),
        use_coupon: req.use_coupon.unwrap_or_default(),
        use_discount: req.use_discount.unwrap_or_default(),
        coupons: req.coupon_infos.map(|v| {
            v.into_iter()
                .map(|c| orders::CouponRef {
                    id: c.id,
                    pay_type: Some(c.r#type),
                })
                .collect()
        }),
        discounts: req
            .discount_infos
            .map(|v| v.into_iter().map(|d| (d.id, d.r#type)).collect()),
    };
    pc_app::services::subscriptions::pay(&st.db, caller.ctx(), pay).await?;
    ok_json(&EmptyResponse {})
}

const PAY_ORDERS: Operation = Operation {
    name: "pay_orders",
    method: Method::POST,
    path: "/v3/orders/customer-orders/pay",
    summary: "支付包年/包月产品订单 — the customer pays a pending order: at most one discount, at most 3 coupons, the rest from its balance",
    callers: "customer",
    request: Some(schema::<PayCustomerOrderV3Req>),
    response: schema::<EmptyResponse>,
    route: || post(pay_orders),
};

// ----------------------------------------------------------------------------------------------
// §2.26 cancel_customer_order (PUT)

/// `CancelCustomerOrderReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CancelCustomerOrderReq {
    pub order_id: Option<String>,
}

async fn cancel_customer_order(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<CancelCustomerOrderReq>,
) -> Result<Response, ApiError> {
    let order_id = req.order_id.unwrap_or_default();
    orders::cancel(&st.db, caller.ctx(), order_id).await?;
    ok_json(&EmptyResponse {})
}

const CANCEL_CUSTOMER_ORDER: Operation = Operation {
    name: "cancel_customer_order",
    method: Method::PUT,
    path: "/v2/orders/customer-orders/cancel",
    summary: "取消待支付订单 — the customer cancels a pending-payment order",
    callers: "customer",
    request: Some(schema::<CancelCustomerOrderReq>),
    response: schema::<EmptyResponse>,
    route: || put(cancel_customer_order),
};
