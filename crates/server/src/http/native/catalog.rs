//! Operator catalogue administration: list, create and update products with their prices (per
//! month, per year, pay-per-use per hour), names and spec descriptions in both languages and the
//! on-sale flag. The rules are `pc_app::services::catalog::save_product`'s, the same the operator
//! console uses.
//!
//! **Create vs update (decision).** `POST` creates and refuses an existing `product_id`
//! (`PC.0001`); `PUT …/{product_id}` changes an existing product (`PC.0404` for an unknown one)
//! and is partial: a field left out keeps its value, an optional field sent as `null` (a price,
//! `size_measure_id`) is cleared. The id itself never changes. Products are never deleted: an
//! operator takes one off sale with `"active": false` (orders and resources keep naming it).

use axum::extract::{Path, State};
use axum::http::Method;
use axum::response::Response;
use axum::routing::{get, post, put};
use pc_app::services::catalog::{self, Product, ProductChange, ProductInput};
use pc_app::AppError;
use pc_domain::Money;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{double_option, flag, page, Decimal};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::bss::{ok_json, schema, Operation};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_PRODUCTS,
    CREATE_PRODUCT,
    UPDATE_PRODUCT,
    PUT_SERVICE_TYPE,
    PUT_RESOURCE_TYPE,
];

const PRODUCTS: &str = "/native/v1/catalog/products";

/// A product as the native API shows it: both languages, prices in yuan (`null`: not sold so).
/// A wire type of its own (not the service's `Product`) so that a change to the service struct
/// cannot silently change the published contract, and so it carries its JSON Schema.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NativeProduct {
    pub product_id: String,
    pub service_type_code: String,
    pub service_type_name_zh: String,
    pub service_type_name_en: String,
    pub resource_type_code: String,
    pub resource_type_name_zh: String,
    pub resource_type_name_en: String,
    pub resource_spec: String,
    pub region: String,
    pub name_zh: String,
    pub name_en: String,
    pub spec_desc_zh: String,
    pub spec_desc_en: String,
    /// Linear products: 14 count, 15 Mbit/s, 17 GB (prices are per unit of size).
    pub size_measure_id: Option<i64>,
    #[schemars(with = "Option<f64>")]
    pub month_price: Option<Money>,
    #[schemars(with = "Option<f64>")]
    pub year_price: Option<Money>,
    #[schemars(with = "Option<f64>")]
    pub hour_price: Option<Money>,
    pub active: bool,
}

impl From<Product> for NativeProduct {
    fn from(p: Product) -> Self {
        NativeProduct {
            product_id: p.product_id,
            service_type_code: p.service_type_code,
            service_type_name_zh: p.service_type_name_zh,
            service_type_name_en: p.service_type_name_en,
            resource_type_code: p.resource_type_code,
            resource_type_name_zh: p.resource_type_name_zh,
            resource_type_name_en: p.resource_type_name_en,
            resource_spec: p.resource_spec,
            region: p.region,
            name_zh: p.name_zh,
            name_en: p.name_en,
            spec_desc_zh: p.spec_desc_zh,
            spec_desc_en: p.spec_desc_en,
            size_measure_id: p.size_measure_id,
            month_price: p.month_price,
            year_price: p.year_price,
            hour_price: p.hour_price,
            active: p.active,
        }
    }
}

// ----------------------------------------------------------------------------------------------
// native_list_products

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListProductsQuery {
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    /// `true`: products off sale too.
    pub include_inactive: Option<String>,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct ListProductsResponse {
    pub total_count: i64,
    pub products: Vec<NativeProduct>,
}

async fn list_products(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<ListProductsQuery>,
) -> Result<Response, ApiError> {
    caller.operator_id()?;
    let (offset, limit) = page(q.offset, q.limit)?;
    let all = flag("include_inactive", q.include_inactive.as_deref())?;
    // The catalogue is small (operator-managed), so it is paged in memory in catalogue order.
    let list = catalog::products(&st.db, &caller.ctx(), all).await?;
    ok_json(&ListProductsResponse {
        total_count: list.len() as i64,
        products: list
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(NativeProduct::from)
            .collect(),
    })
}

const LIST_PRODUCTS: Operation = Operation {
    name: "native_list_products",
    method: Method::GET,
    path: PRODUCTS,
    summary: "List the catalogue's products with their prices (operators; include_inactive=true for products off sale)",
    callers: "operator",
    request: Some(schema::<ListProductsQuery>),
    response: schema::<ListProductsResponse>,
    route: || get(list_products),
};

// ----------------------------------------------------------------------------------------------
// native_create_product

/// A new product.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProductReq {
    pub product_id: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub resource_spec: String,
    pub region: String,
    pub name_zh: String,
    pub name_en: String,
    #[serde(default)]
    pub spec_desc_zh: String,
    #[serde(default)]
    pub spec_desc_en: String,
    pub size_measure_id: Option<i64>,
    /// Yuan per month (per unit of size for linear products); a product needs a monthly or a
    /// yearly price.
    pub month_price: Option<Decimal>,
    pub year_price: Option<Decimal>,
    pub hour_price: Option<Decimal>,
    /// On sale (default true).
    pub active: Option<bool>,
}

fn money(field: &str, d: Option<&Decimal>) -> Result<Option<Money>, ApiError> {
    d.map(|d| {
        Money::parse(d.0.trim()).map_err(|_| {
            ApiError::from(AppError::invalid_tr(
                format!("{field} must be an amount in yuan with at most 2 decimals, like 35.00"),
                format!("{field} 必须是以元为单位的金额，最多 2 位小数，如 35.00。"),
            ))
        })
    })
    .transpose()
}

async fn create_product(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<CreateProductReq>,
) -> Result<Response, ApiError> {
    let input = ProductInput {
        product_id: req.product_id.trim().to_string(),
        service_type_code: req.service_type_code.trim().to_string(),
        resource_type_code: req.resource_type_code.trim().to_string(),
        resource_spec: req.resource_spec,
        region: req.region,
        name_zh: req.name_zh,
        name_en: req.name_en,
        spec_desc_zh: req.spec_desc_zh,
        spec_desc_en: req.spec_desc_en,
        size_measure_id: req.size_measure_id,
        month_price: money("month_price", req.month_price.as_ref())?,
        year_price: money("year_price", req.year_price.as_ref())?,
        hour_price: money("hour_price", req.hour_price.as_ref())?,
        active: req.active.unwrap_or(true),
    };
    let saved = catalog::create_product(&st.db, caller.ctx(), input).await?;
    ok_json(&NativeProduct::from(saved))
}

const CREATE_PRODUCT: Operation = Operation {
    name: "native_create_product",
    method: Method::POST,
    path: PRODUCTS,
    summary: "Create a product with its prices, names and spec descriptions (operators)",
    callers: "operator",
    request: Some(schema::<CreateProductReq>),
    response: schema::<NativeProduct>,
    route: || post(create_product),
};

// ----------------------------------------------------------------------------------------------
// native_update_product

/// Changes to a product: a field left out keeps its value; `null` clears an optional one.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProductReq {
    pub service_type_code: Option<String>,
    pub resource_type_code: Option<String>,
    pub resource_spec: Option<String>,
    pub region: Option<String>,
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub spec_desc_zh: Option<String>,
    pub spec_desc_en: Option<String>,
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(with = "Option<i64>")]
    pub size_measure_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(with = "Option<Decimal>")]
    pub month_price: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(with = "Option<Decimal>")]
    pub year_price: Option<Option<Decimal>>,
    #[serde(default, deserialize_with = "double_option")]
    #[schemars(with = "Option<Decimal>")]
    pub hour_price: Option<Option<Decimal>>,
    pub active: Option<bool>,
}

async fn update_product(
    State(st): State<AppState>,
    caller: Caller,
    Path(product_id): Path<String>,
    VendorJson(req): VendorJson<UpdateProductReq>,
) -> Result<Response, ApiError> {
    // Amounts are parsed before the transaction so a bad one writes nothing and names its field.
    let price =
        |field: &str, v: Option<Option<Decimal>>| v.map(|v| money(field, v.as_ref())).transpose();
    let change = ProductChange {
        month_price: price("month_price", req.month_price)?,
        year_price: price("year_price", req.year_price)?,
        hour_price: price("hour_price", req.hour_price)?,
        product_id,
        service_type_code: req.service_type_code,
        resource_type_code: req.resource_type_code,
        resource_spec: req.resource_spec,
        region: req.region,
        name_zh: req.name_zh,
        name_en: req.name_en,
        spec_desc_zh: req.spec_desc_zh,
        spec_desc_en: req.spec_desc_en,
        size_measure_id: req.size_measure_id,
        active: req.active,
    };
    let saved = catalog::update_product(&st.db, caller.ctx(), change).await?;
    ok_json(&NativeProduct::from(saved))
}

const UPDATE_PRODUCT: Operation = Operation {
    name: "native_update_product",
    method: Method::PUT,
    path: "/native/v1/catalog/products/{product_id}",
    summary: "Change a product's prices, names, spec descriptions or on-sale flag; fields left out keep their values (operators)",
    callers: "operator",
    request: Some(schema::<UpdateProductReq>),
    response: schema::<NativeProduct>,
    route: || put(update_product),
};

// ----------------------------------------------------------------------------------------------
// Service and resource types: `PUT` creates or replaces one (operators). The vendor API's
// `list_service_types` / `list_resource_types` list them.

/// A service type to create or replace.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PutServiceTypeReq {
    pub name_zh: String,
    pub name_en: String,
    pub abbreviation: String,
    pub sort_order: Option<i64>,
}

/// A service type as saved.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NativeServiceType {
    pub service_type_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub abbreviation: String,
    pub sort_order: i64,
}

async fn put_service_type(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    VendorJson(req): VendorJson<PutServiceTypeReq>,
) -> Result<Response, ApiError> {
    let t = catalog::ServiceTypeInput {
        code: code.trim().to_string(),
        name_zh: req.name_zh,
        name_en: req.name_en,
        abbreviation: req.abbreviation,
        sort_order: req.sort_order.unwrap_or(100),
    };
    let t = catalog::save_service_type(&st.db, caller.ctx(), t).await?;
    ok_json(&NativeServiceType {
        service_type_code: t.code,
        name_zh: t.name_zh,
        name_en: t.name_en,
        abbreviation: t.abbreviation,
        sort_order: t.sort_order,
    })
}

pub const PUT_SERVICE_TYPE: Operation = Operation {
    name: "native_put_service_type",
    method: Method::PUT,
    path: "/native/v1/catalog/service-types/{service_type_code}",
    summary: "Create or replace a cloud service type (hws.service.type.<name>): names in both languages, abbreviation, order (operators)",
    callers: "operator",
    request: Some(schema::<PutServiceTypeReq>),
    response: schema::<NativeServiceType>,
    route: || put(put_service_type),
};

/// A resource type to create or replace.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct PutResourceTypeReq {
    pub service_type_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub desc_zh: Option<String>,
    pub desc_en: Option<String>,
    pub sort_order: Option<i64>,
}

/// A resource type as saved.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NativeResourceType {
    pub resource_type_code: String,
    pub service_type_code: String,
    pub name_zh: String,
    pub name_en: String,
    pub desc_zh: String,
    pub desc_en: String,
    pub sort_order: i64,
}

async fn put_resource_type(
    State(st): State<AppState>,
    caller: Caller,
    Path(code): Path<String>,
    VendorJson(req): VendorJson<PutResourceTypeReq>,
) -> Result<Response, ApiError> {
    let t = catalog::ResourceTypeInput {
        code: code.trim().to_string(),
        service_type_code: req.service_type_code.trim().to_string(),
        name_zh: req.name_zh,
        name_en: req.name_en,
        desc_zh: req.desc_zh.unwrap_or_default(),
        desc_en: req.desc_en.unwrap_or_default(),
        sort_order: req.sort_order.unwrap_or(100),
    };
    let t = catalog::save_resource_type(&st.db, caller.ctx(), t).await?;
    ok_json(&NativeResourceType {
        resource_type_code: t.code,
        service_type_code: t.service_type_code,
        name_zh: t.name_zh,
        name_en: t.name_en,
        desc_zh: t.desc_zh,
        desc_en: t.desc_en,
        sort_order: t.sort_order,
    })
}

pub const PUT_RESOURCE_TYPE: Operation = Operation {
    name: "native_put_resource_type",
    method: Method::PUT,
    path: "/native/v1/catalog/resource-types/{resource_type_code}",
    summary:
        "Create or replace a resource type (hws.resource.type.<name>) of a service type (operators)",
    callers: "operator",
    request: Some(schema::<PutResourceTypeReq>),
    response: schema::<NativeResourceType>,
    route: || put(put_resource_type),
};
