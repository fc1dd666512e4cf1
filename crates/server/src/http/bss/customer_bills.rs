//! A customer's own bill operations over its consumption records, beside `bills.rs`: the
//! resource consumption records (`list_customerself_resource_records`), the resource details
//! (`list_customerself_resource_record_details`) and the month's amortized cost
//! (`list_customer_bills_monthly_break_down`). What is read and how it is summed is decided in
//! `pc_app::services::consumption::customer_reads`.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::catalog::TypeNames;
use pc_app::services::consumption::{
    self, BreakdownQuery, RecordFilters, ResourceLine, ResourceQuery, Statistic,
};
use pc_domain::funds::{CURRENCY, MEASURE_YUAN};
use pc_domain::{timefmt, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::bills::{name_of, type_names};
use super::catalog::english;
use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_CUSTOMERSELF_RESOURCE_RECORDS,
    LIST_CUSTOMERSELF_RESOURCE_RECORD_DETAILS,
    LIST_CUSTOMER_BILLS_MONTHLY_BREAK_DOWN,
];

/// The catalogue's names of a page's lines: `(service type, resource type)` per line.
async fn names_of(
    st: &AppState,
    lines: &[ResourceLine],
) -> Result<(TypeNames, TypeNames), ApiError> {
    type_names(
        st,
        lines
            .iter()
            .map(|l| (l.service_type_code.as_str(), l.resource_type_code.as_str())),
    )
    .await
}

/// `charge_mode` as this operation sends it (a string): absent is no filter; anything but a
/// number is `CBC.0100`.
fn charge_mode(v: Option<String>) -> Result<Option<i64>, ApiError> {
    match v.as_deref().map(str::trim) {
        None => Ok(None),
        Some(s) => s.parse::<i64>().map(Some).map_err(|_| {
            ApiError(pc_app::AppError::invalid_tr(
                "charge_mode must be 1, 3, 10 or 11",
                "charge_mode 必须是 1、3、10 或 11。",
            ))
        }),
    }
}

// ----------------------------------------------------------------------------------------------
// list_customerself_resource_records

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCustomerselfResourceRecordsQuery {
    pub cycle: Option<String>,
    pub cloud_service_type: Option<String>,
    pub region: Option<String>,
    pub charge_mode: Option<String>,
    pub bill_type: Option<i64>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub resource_id: Option<String>,
    /// Accepted and ignored: this system has no enterprise projects.
    pub enterprise_project_id: Option<String>,
    pub include_zero_record: Option<bool>,
    /// Every method reads the customer's own records (no enterprise sub-customers here).
    pub method: Option<String>,
    pub sub_customer_id: Option<String>,
    pub trade_id: Option<String>,
    pub bill_date_begin: Option<String>,
    pub bill_date_end: Option<String>,
    /// `1` by billing month, `2` by day, `3` each record (the default).
    pub statistic_type: Option<i64>,
}

/// `ResFeeRecordV2`. Fields of the vendor's that nothing here has (usage, tags, enterprise
/// projects, sub-services) are left out, which the SDK reads as absent.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ResFeeRecordV2 {
    pub bill_date: Option<String>,
    pub bill_type: i64,
    pub customer_id: String,
    pub region: String,
    pub cloud_service_type: String,
    pub resource_type: String,
    pub cloud_service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub product_id: Option<String>,
    pub product_spec_desc: String,
    /// The order id (or trade id) of a record; absent from sums.
    pub trade_id: Option<String>,
    /// The record's id; absent from sums, as the vendor says of statistic type 1.
    pub id: Option<String>,
    pub trade_time: Option<String>,
    pub charge_mode: String,
    /// The order a yearly/monthly record charged.
    pub order_id: Option<String>,
    pub period_type: Option<String>,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    #[schemars(with = "f64")]
    pub amount: Money,
    #[schemars(with = "f64")]
    pub cash_amount: Money,
    #[schemars(with = "f64")]
    pub credit_amount: Money,
    #[schemars(with = "f64")]
    pub coupon_amount: Money,
    #[schemars(with = "f64")]
    pub flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub stored_card_amount: Money,
    #[schemars(with = "f64")]
    pub bonus_amount: Money,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub adjustment_amount: Money,
    pub measure_id: i64,
    pub consume_time: Option<String>,
    #[schemars(with = "Option<f64>")]
    pub period_num: Option<i64>,
}

/// `ListCustomerselfResourceRecordsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerselfResourceRecordsResponse {
    pub fee_records: Vec<ResFeeRecordV2>,
    pub total_count: i64,
    pub currency: String,
}

/// The order a record charged: its trade id, for records of orders.
fn order_of(l: &ResourceLine) -> Option<String> {
    l.record
        .as_ref()
        .filter(|r| r.order_type.is_some())
        .map(|r| r.trade_id.clone())
}

async fn list_customerself_resource_records(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListCustomerselfResourceRecordsQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let query = ResourceQuery {
        cycle: q.cycle,
        filters: RecordFilters {
            service_type_code: q.cloud_service_type,
            region_code: q.region,
            charging_mode: charge_mode(q.charge_mode)?,
            bill_detail_type: q.bill_type,
            resource_id: q.resource_id,
            trade_id: q.trade_id,
            include_zero_record: q.include_zero_record,
            bill_date_begin: q.bill_date_begin,
            bill_date_end: q.bill_date_end,
            ..Default::default()
        },
        method: q.method,
        statistic: Statistic::parse(q.statistic_type, Statistic::Detail)?,
        offset: q.offset,
        limit: q.limit,
    };
    let (total_count, lines) = consumption::resource_records(&st.db, &caller.ctx(), &query).await?;
    let (services, resources) = names_of(&st, &lines).await?;
    let m = Money::from_cents;
    ok_json(&ListCustomerselfResourceRecordsResponse {
        fee_records: lines
            .iter()
            .map(|l| {
                let a = &l.amounts;
                let r = l.record.as_ref();
                ResFeeRecordV2 {
                    bill_date: l.bill_date.clone(),
                    bill_type: l.bill_detail_type,
                    customer_id: l.customer_id.clone(),
                    region: l.region.clone(),
                    cloud_service_type: l.service_type_code.clone(),
                    resource_type: l.resource_type_code.clone(),
                    cloud_service_type_name: name_of(&services, &l.service_type_code, en),
                    resource_type_name: name_of(&resources, &l.resource_type_code, en),
                    resource_id: l.resource_id.clone(),
                    resource_name: l.resource_name.clone(),
                    product_id: l.product_id.clone(),
                    product_spec_desc: l.product_spec_desc.clone(),
                    trade_id: r.map(|r| r.trade_id.clone()),
                    id: r.map(|r| r.id.clone()),
                    trade_time: r.map(|r| timefmt::format_utc(r.trade_time)),
                    charge_mode: l.charging_mode.to_string(),
                    order_id: order_of(l),
                    period_type: l.period_type.map(|p| p.to_string()),
                    official_amount: m(a.official),
                    discount_amount: m(a.discount),
                    amount: m(a.payment),
                    cash_amount: m(a.cash),
                    credit_amount: m(a.credit),
                    coupon_amount: m(a.vouchers),
                    flexipurchase_coupon_amount: m(a.cash_coupons),
                    stored_card_amount: m(a.stored_card),
                    bonus_amount: Money::ZERO,
                    debt_amount: m(a.debt),
                    adjustment_amount: m(a.writeoff),
                    measure_id: MEASURE_YUAN,
                    consume_time: r.map(|r| timefmt::format_utc(r.consume_time)),
                    period_num: r.and_then(|r| r.period_num),
                }
            })
            .collect(),
        total_count,
        currency: CURRENCY.to_string(),
    })
}

const LIST_CUSTOMERSELF_RESOURCE_RECORDS: Operation = Operation {
    name: "list_customerself_resource_records",
    method: Method::GET,
    path: "/v2/bills/customer-bills/res-fee-records",
    summary: "查询资源消费记录 — the acting customer's resource consumption records of one billing month: each record (statistic_type 3), or summed by resource per month (1) or per day (2)",
    callers: "customer",
    request: Some(schema::<ListCustomerselfResourceRecordsQuery>),
    response: schema::<ListCustomerselfResourceRecordsResponse>,
    route: || get(list_customerself_resource_records),
};

// ----------------------------------------------------------------------------------------------
// list_customerself_resource_record_details

/// `QueryResRecordsDetailReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryResRecordsDetailReq {
    pub cycle: Option<String>,
    pub cloud_service_type: Option<String>,
    pub resource_type: Option<String>,
    pub region: Option<String>,
    pub res_instance_id: Option<String>,
    pub charge_mode: Option<i64>,
    pub bill_type: Option<i64>,
    /// Accepted and ignored: this system has no enterprise projects.
    pub enterprise_project_id: Option<String>,
    pub include_zero_record: Option<bool>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub method: Option<String>,
    pub sub_customer_id: Option<String>,
    /// `1` by billing month (the default), `2` by day, `3` each record.
    pub statistic_type: Option<i64>,
    /// `BILLCYCLE` (the default) or `DAILY` (with `bill_cycle_begin` and `bill_cycle_end`).
    pub query_type: Option<String>,
    pub bill_cycle_begin: Option<String>,
    pub bill_cycle_end: Option<String>,
    /// Absent, or the customer's own id.
    pub payer_account_id: Option<String>,
}

/// `MonthlyBillRes`. Note the vendor's spelling of `resource_Type_code` on the wire.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MonthlyBillRes {
    pub cycle: String,
    pub bill_date: Option<String>,
    pub bill_type: i64,
    pub customer_id: String,
    pub region: String,
    pub cloud_service_type: String,
    #[serde(rename = "resource_Type_code")]
    pub resource_type_code: String,
    pub cloud_service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub res_instance_id: Option<String>,
    pub resource_name: Option<String>,
    pub charge_mode: i64,
    #[schemars(with = "f64")]
    pub consume_amount: Money,
    #[schemars(with = "f64")]
    pub cash_amount: Money,
    #[schemars(with = "f64")]
    pub credit_amount: Money,
    #[schemars(with = "f64")]
    pub coupon_amount: Money,
    #[schemars(with = "f64")]
    pub flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub stored_card_amount: Money,
    #[schemars(with = "f64")]
    pub bonus_amount: Money,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub adjustment_amount: Money,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    #[schemars(with = "f64")]
    pub discount_amount: Money,
    pub measure_id: i64,
    pub period_type: Option<i64>,
    pub trade_id: Option<String>,
    pub id: Option<String>,
    pub product_spec_desc: String,
    pub payer_account_id: String,
    pub consume_time: Option<String>,
    #[schemars(with = "Option<f64>")]
    pub period_num: Option<i64>,
}

/// `ListCustomerselfResourceRecordDetailsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerselfResourceRecordDetailsResponse {
    pub monthly_records: Vec<MonthlyBillRes>,
    pub total_count: i64,
    pub currency: String,
}

async fn list_customerself_resource_record_details(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorJson(q): VendorJson<QueryResRecordsDetailReq>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let ctx = caller.ctx();
    consumption::check_payer(&ctx, q.payer_account_id.as_deref())?;
    let statistic = Statistic::parse(q.statistic_type, Statistic::Cycle)?;
    let mut filters = RecordFilters {
        service_type_code: q.cloud_service_type,
        resource_type_code: q.resource_type,
        region_code: q.region,
        charging_mode: q.charge_mode,
        bill_detail_type: q.bill_type,
        resource_id: q.res_instance_id,
        include_zero_record: q.include_zero_record,
        ..Default::default()
    };
    consumption::detail_days(
        q.query_type.as_deref(),
        statistic,
        q.bill_cycle_begin,
        q.bill_cycle_end,
        &mut filters,
    )?;
    let query = ResourceQuery {
        cycle: q.cycle,
        filters,
        method: q.method,
        statistic,
        offset: q.offset,
        limit: q.limit,
    };
    let (total_count, lines) = consumption::resource_records(&st.db, &ctx, &query).await?;
    let (services, resources) = names_of(&st, &lines).await?;
    let m = Money::from_cents;
    ok_json(&ListCustomerselfResourceRecordDetailsResponse {
        monthly_records: lines
            .iter()
            .map(|l| {
                let a = &l.amounts;
                let r = l.record.as_ref();
                MonthlyBillRes {
                    cycle: l.bill_cycle.clone(),
                    // The day only where the vendor gives one: by day.
                    bill_date: (statistic == Statistic::Day)
                        .then(|| l.bill_date.clone())
                        .flatten(),
                    bill_type: l.bill_detail_type,
                    customer_id: l.customer_id.clone(),
                    region: l.region.clone(),
                    cloud_service_type: l.service_type_code.clone(),
                    resource_type_code: l.resource_type_code.clone(),
                    cloud_service_type_name: name_of(&services, &l.service_type_code, en),
                    resource_type_name: name_of(&resources, &l.resource_type_code, en),
                    res_instance_id: l.resource_id.clone(),
                    resource_name: l.resource_name.clone(),
                    charge_mode: l.charging_mode,
                    consume_amount: m(a.payment),
                    cash_amount: m(a.cash),
                    credit_amount: m(a.credit),
                    coupon_amount: m(a.vouchers),
                    flexipurchase_coupon_amount: m(a.cash_coupons),
                    stored_card_amount: m(a.stored_card),
                    bonus_amount: Money::ZERO,
                    debt_amount: m(a.debt),
                    adjustment_amount: m(a.writeoff),
                    official_amount: m(a.official),
                    discount_amount: m(a.discount),
                    measure_id: MEASURE_YUAN,
                    period_type: l.period_type,
                    trade_id: r.map(|r| r.trade_id.clone()),
                    id: r.map(|r| r.id.clone()),
                    product_spec_desc: l.product_spec_desc.clone(),
                    payer_account_id: l.customer_id.clone(),
                    consume_time: r.map(|r| timefmt::format_utc(r.consume_time)),
                    period_num: r.and_then(|r| r.period_num),
                }
            })
            .collect(),
        total_count,
        currency: CURRENCY.to_string(),
    })
}

const LIST_CUSTOMERSELF_RESOURCE_RECORD_DETAILS: Operation = Operation {
    name: "list_customerself_resource_record_details",
    method: Method::POST,
    path: "/v2/bills/customer-bills/res-records/query",
    summary: "查询资源详单 — the acting customer's resource details of one billing month: summed by resource per month (statistic_type 1, the default) or per day (2), or each record (3); query_type DAILY narrows to a range of days",
    callers: "customer",
    request: Some(schema::<QueryResRecordsDetailReq>),
    response: schema::<ListCustomerselfResourceRecordDetailsResponse>,
    route: || post(list_customerself_resource_record_details),
};

// ----------------------------------------------------------------------------------------------
// list_customer_bills_monthly_break_down

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCustomerBillsMonthlyBreakDownQuery {
    pub shared_month: Option<String>,
    pub service_type_code: Option<String>,
    pub resource_type_code: Option<String>,
    pub region_code: Option<String>,
    pub charging_mode: Option<i64>,
    pub bill_type: Option<i64>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    /// Accepted and ignored: this system has no enterprise projects.
    pub enterprise_project_id: Option<String>,
    pub method: Option<String>,
    pub sub_customer_id: Option<String>,
}

/// `NvlCostAnalysedBillDetail`. Usage, tags, cost units and enterprise projects are left out:
/// nothing here has them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct NvlCostAnalysedBillDetail {
    pub shared_month: String,
    pub bill_cycle: String,
    pub bill_type: i64,
    pub customer_id: String,
    pub region_code: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub product_spec_desc: String,
    pub charging_mode: i64,
    pub order_id: Option<String>,
    pub period_type: Option<i64>,
    #[schemars(with = "f64")]
    pub consume_amount: Money,
    #[schemars(with = "f64")]
    pub past_months_amortized_amount: Money,
    #[schemars(with = "f64")]
    pub current_month_amortized_amount: Money,
    #[schemars(with = "f64")]
    pub future_months_amortized_amount: Money,
    #[schemars(with = "f64")]
    pub amortized_cash_amount: Money,
    #[schemars(with = "f64")]
    pub amortized_credit_amount: Money,
    #[schemars(with = "f64")]
    pub amortized_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub amortized_flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub amortized_stored_value_card_amount: Money,
    #[schemars(with = "f64")]
    pub amortized_bonus_amount: Money,
}

/// `ListCustomerBillsMonthlyBreakDownResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerBillsMonthlyBreakDownResponse {
    pub currency: String,
    pub total_count: i64,
    pub details: Vec<NvlCostAnalysedBillDetail>,
}

async fn list_customer_bills_monthly_break_down(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListCustomerBillsMonthlyBreakDownQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let query = BreakdownQuery {
        shared_month: q.shared_month,
        filters: RecordFilters {
            service_type_code: q.service_type_code,
            resource_type_code: q.resource_type_code,
            region_code: q.region_code,
            charging_mode: q.charging_mode,
            bill_detail_type: q.bill_type,
            resource_id: q.resource_id,
            resource_name: q.resource_name,
            ..Default::default()
        },
        method: q.method,
        offset: q.offset,
        limit: q.limit,
    };
    let (total_count, lines) =
        consumption::monthly_breakdown(&st.db, &caller.ctx(), &query).await?;
    let (services, resources) = type_names(
        &st,
        lines.iter().map(|l| {
            (
                l.record.service_type_code.as_str(),
                l.record.resource_type_code.as_str(),
            )
        }),
    )
    .await?;
    let m = Money::from_cents;
    ok_json(&ListCustomerBillsMonthlyBreakDownResponse {
        currency: CURRENCY.to_string(),
        total_count,
        details: lines
            .iter()
            .map(|l| {
                let r = &l.record;
                NvlCostAnalysedBillDetail {
                    shared_month: l.shared_month.clone(),
                    bill_cycle: r.bill_cycle.clone(),
                    bill_type: r.bill_detail_type,
                    customer_id: r.customer_id.clone(),
                    region_code: r.region.clone(),
                    service_type_code: r.service_type_code.clone(),
                    resource_type_code: r.resource_type_code.clone(),
                    service_type_name: name_of(&services, &r.service_type_code, en),
                    resource_type_name: name_of(&resources, &r.resource_type_code, en),
                    resource_id: r.resource_id.clone(),
                    resource_name: r.resource_name.clone(),
                    product_spec_desc: r.product_spec_desc.clone(),
                    charging_mode: r.charging_mode,
                    order_id: r.order_type.map(|_| r.trade_id.clone()),
                    period_type: r.period_type,
                    consume_amount: m(l.consume),
                    past_months_amortized_amount: m(l.past),
                    current_month_amortized_amount: m(l.current),
                    future_months_amortized_amount: m(l.future),
                    amortized_cash_amount: m(l.cash),
                    amortized_credit_amount: m(l.credit),
                    amortized_coupon_amount: m(l.vouchers),
                    amortized_flexipurchase_coupon_amount: m(l.cash_coupons),
                    amortized_stored_value_card_amount: m(l.stored_card),
                    amortized_bonus_amount: Money::ZERO,
                }
            })
            .collect(),
    })
}

const LIST_CUSTOMER_BILLS_MONTHLY_BREAK_DOWN: Operation = Operation {
    name: "list_customer_bills_monthly_break_down",
    method: Method::GET,
    path: "/v2/costs/cost-analysed-bills/monthly-breakdown",
    summary: "查询月度成本 — the acting customer's amortized cost in one month (the last 18): each charge whose cost is spread over that month, with what earlier months took, the month's share and what later months will take",
    callers: "customer",
    request: Some(schema::<ListCustomerBillsMonthlyBreakDownQuery>),
    response: schema::<ListCustomerBillsMonthlyBreakDownResponse>,
    route: || get(list_customer_bills_monthly_break_down),
};
