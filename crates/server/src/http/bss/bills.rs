//! Bill operations of the vendor API over consumption records: a partner's view of one
//! customer's month (`list_sub_customer_bill_detail`) and a customer's monthly summary
//! (`show_customer_monthly_sum`). Who sees what is decided in `pc_app::services::consumption`.

use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::catalog::{self, TypeNames};
use pc_app::services::consumption::{
    self, Amounts, BillDetailQuery, MonthlySumQuery, PartnerMonthlyQuery, Record, RecordFilters,
    SumLine,
};
use pc_domain::funds::{CURRENCY, MEASURE_YUAN};
use pc_domain::{timefmt, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::catalog::english;
use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
use crate::http::error::ApiError;
use crate::state::AppState;

pub const OPERATIONS: &[Operation] = &[
    LIST_SUB_CUSTOMER_BILL_DETAIL,
    LIST_CUSTOMER_BILLS_FEE_RECORDS,
    LIST_CONSUME_SUB_CUSTOMERS,
    LIST_SUBCUSTOMER_MONTHLY_BILLS,
    SHOW_CUSTOMER_MONTHLY_SUM,
];

/// A name in the language asked for, from the catalogue's names of `code`.
pub(super) use pc_app::services::catalog::type_name as name_of;

/// The catalogue's names of the service and resource types of `codes` (one query per kind).
pub(super) async fn type_names<'a>(
    st: &AppState,
    codes: impl Iterator<Item = (&'a str, &'a str)>,
) -> Result<(TypeNames, TypeNames), ApiError> {
    let (services, resources): (Vec<&str>, Vec<&str>) = codes.unzip();
    Ok(catalog::type_names(st.db.read(), &services, &resources).await?)
}

// ----------------------------------------------------------------------------------------------
// list_sub_customer_bill_detail

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSubCustomerBillDetailQuery {
    pub bill_cycle: Option<String>,
    pub customer_id: Option<String>,
    pub service_type_code: Option<String>,
    pub region_code: Option<String>,
    pub charging_mode: Option<i64>,
    pub bill_detail_type: Option<i64>,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub trade_id: Option<String>,
    /// Accepted and ignored: this system has no account managers.
    pub account_manager_id: Option<String>,
    pub association_type: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub indirect_partner_id: Option<String>,
    pub bill_date_begin: Option<String>,
    pub bill_date_end: Option<String>,
}

/// `SubCustomerMonthlyBillDetail`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SubCustomerMonthlyBillDetail {
    pub bill_cycle: String,
    pub customer_id: String,
    pub association_type: Option<String>,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub charging_mode: i64,
    pub trade_time: String,
    pub trade_id: String,
    pub id: String,
    pub bill_detail_type: i64,
    pub resource_id: Option<String>,
    pub resource_name: Option<String>,
    pub product_spec_desc: String,
    pub region_code: String,
    pub product_id: Option<String>,
    pub consume_time: String,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    #[schemars(with = "f64")]
    pub official_discount_amount: Money,
    #[schemars(with = "f64")]
    pub payment_amount: Money,
    #[schemars(with = "f64")]
    pub cash_amount: Money,
    #[schemars(with = "f64")]
    pub credit_amount: Money,
    #[schemars(with = "f64")]
    pub coupon_amount: Money,
    #[schemars(with = "f64")]
    pub flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub stored_value_card_amount: Money,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub writeoff_amount: Money,
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    pub order_type: Option<i64>,
    pub partner_id: Option<String>,
}

/// `ListSubCustomerBillDetailResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListSubCustomerBillDetailResponse {
    pub total_count: i64,
    pub currency: String,
    pub fee_records: Vec<SubCustomerMonthlyBillDetail>,
}

fn detail(
    r: &Record,
    services: &TypeNames,
    resources: &TypeNames,
    en: bool,
) -> SubCustomerMonthlyBillDetail {
    let m = Money::from_cents;
    let a = &r.amounts;
    SubCustomerMonthlyBillDetail {
        bill_cycle: r.bill_cycle.clone(),
        customer_id: r.customer_id.clone(),
        association_type: r.association_type.map(|t| t.to_string()),
        service_type_code: r.service_type_code.clone(),
        resource_type_code: r.resource_type_code.clone(),
        service_type_name: name_of(services, &r.service_type_code, en),
        resource_type_name: name_of(resources, &r.resource_type_code, en),
        charging_mode: r.charging_mode,
        trade_time: timefmt::format_utc(r.trade_time),
        trade_id: r.trade_id.clone(),
        id: r.id.clone(),
        bill_detail_type: r.bill_detail_type,
        resource_id: r.resource_id.clone(),
        resource_name: r.resource_name.clone(),
        product_spec_desc: r.product_spec_desc.clone(),
        region_code: r.region.clone(),
        product_id: r.product_id.clone(),
        consume_time: timefmt::format_utc(r.consume_time),
        official_amount: m(a.official),
        official_discount_amount: m(a.discount),
        payment_amount: m(a.payment),
        cash_amount: m(a.cash),
        credit_amount: m(a.credit),
        coupon_amount: m(a.vouchers),
        flexipurchase_coupon_amount: m(a.cash_coupons),
        stored_value_card_amount: m(a.stored_card),
        debt_amount: m(a.debt),
        writeoff_amount: m(a.writeoff),
        period_type: r.period_type,
        period_num: r.period_num,
        order_type: r.order_type,
        partner_id: r.partner_id.clone(),
    }
}

async fn list_sub_customer_bill_detail(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListSubCustomerBillDetailQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let query = BillDetailQuery {
        bill_cycle: q.bill_cycle,
        customer_id: q.customer_id,
        indirect_partner_id: q.indirect_partner_id,
        filters: RecordFilters {
            service_type_code: q.service_type_code,
            region_code: q.region_code,
            charging_mode: q.charging_mode,
            bill_detail_type: q.bill_detail_type,
            resource_id: q.resource_id,
            resource_name: q.resource_name,
            trade_id: q.trade_id,
            association_type: q.association_type,
            bill_date_begin: q.bill_date_begin,
            bill_date_end: q.bill_date_end,
            ..Default::default()
        },
        offset: q.offset,
        limit: q.limit,
    };
    let (total_count, records) = consumption::bill_detail(&st.db, &caller.ctx(), &query).await?;
    let (services, resources) = type_names(
        &st,
        records
            .iter()
            .map(|r| (r.service_type_code.as_str(), r.resource_type_code.as_str())),
    )
    .await?;
    ok_json(&ListSubCustomerBillDetailResponse {
        total_count,
        currency: CURRENCY.to_string(),
        fee_records: records
            .iter()
            .map(|r| detail(r, &services, &resources, en))
            .collect(),
    })
}

const LIST_SUB_CUSTOMER_BILL_DETAIL: Operation = Operation {
    name: "list_sub_customer_bill_detail",
    method: Method::GET,
    path: "/v2/bills/subcustomer-bills/res-fee-records",
    summary: "查询伙伴子客户消费记录 — one customer's consumption records in one billing month (the last 18), as its partner (or, with indirect_partner_id, its reseller) saw them charged",
    callers: "partner",
    request: Some(schema::<ListSubCustomerBillDetailQuery>),
    response: schema::<ListSubCustomerBillDetailResponse>,
    route: || get(list_sub_customer_bill_detail),
};

// ----------------------------------------------------------------------------------------------
// show_customer_monthly_sum

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ShowCustomerMonthlySumQuery {
    pub bill_cycle: Option<String>,
    pub service_type_code: Option<String>,
    /// Accepted and ignored: this system has no enterprise projects.
    pub enterprise_project_id: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    /// `oneself`, `sub_customer` or `all`: this system has no enterprise sub-customers, so every
    /// method reads the customer's own consumption.
    pub method: Option<String>,
    pub sub_customer_id: Option<String>,
}

/// `BillSumRecordInfoV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BillSumRecordInfoV2 {
    pub bill_cycle: String,
    pub resource_type_code: String,
    pub service_type_code: String,
    pub service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub charging_mode: i64,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    #[schemars(with = "f64")]
    pub official_discount_amount: Money,
    #[schemars(with = "f64")]
    pub truncated_amount: Money,
    #[schemars(with = "f64")]
    pub consume_amount: Money,
    #[schemars(with = "f64")]
    pub coupon_amount: Money,
    #[schemars(with = "f64")]
    pub flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub stored_value_card_amount: Money,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub writeoff_amount: Money,
    #[schemars(with = "f64")]
    pub cash_amount: Money,
    #[schemars(with = "f64")]
    pub credit_amount: Money,
    pub measure_id: i64,
    pub bill_type: i64,
    pub customer_id: String,
}

/// `ShowCustomerMonthlySumResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowCustomerMonthlySumResponse {
    pub total_count: i64,
    pub bill_sums: Vec<BillSumRecordInfoV2>,
    #[schemars(with = "f64")]
    pub consume_amount: Money,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub coupon_amount: Money,
    #[schemars(with = "f64")]
    pub flexipurchase_coupon_amount: Money,
    #[schemars(with = "f64")]
    pub stored_value_card_amount: Money,
    #[schemars(with = "f64")]
    pub cash_amount: Money,
    #[schemars(with = "f64")]
    pub credit_amount: Money,
    #[schemars(with = "f64")]
    pub writeoff_amount: Money,
    pub measure_id: i64,
    pub currency: String,
}

async fn show_customer_monthly_sum(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ShowCustomerMonthlySumQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let query = MonthlySumQuery {
        bill_cycle: q.bill_cycle,
        service_type_code: q.service_type_code,
        method: q.method,
        offset: q.offset,
        limit: q.limit,
    };
    let sum = consumption::monthly_sum(&st.db, &caller.ctx(), &query).await?;
    let (services, resources) = type_names(
        &st,
        sum.lines
            .iter()
            .map(|l| (l.service_type_code.as_str(), l.resource_type_code.as_str())),
    )
    .await?;
    let m = Money::from_cents;
    let line = |l: &SumLine| BillSumRecordInfoV2 {
        bill_cycle: sum.bill_cycle.clone(),
        resource_type_code: l.resource_type_code.clone(),
        service_type_code: l.service_type_code.clone(),
        service_type_name: name_of(&services, &l.service_type_code, en),
        resource_type_name: name_of(&resources, &l.resource_type_code, en),
        charging_mode: l.charging_mode,
        official_amount: m(l.amounts.official),
        official_discount_amount: m(l.amounts.discount),
        truncated_amount: Money::ZERO,
        consume_amount: m(l.amounts.payment),
        coupon_amount: m(l.amounts.vouchers),
        flexipurchase_coupon_amount: m(l.amounts.cash_coupons),
        stored_value_card_amount: m(l.amounts.stored_card),
        debt_amount: m(l.amounts.debt),
        writeoff_amount: m(l.amounts.writeoff),
        cash_amount: m(l.amounts.cash),
        credit_amount: m(l.amounts.credit),
        measure_id: MEASURE_YUAN,
        bill_type: l.bill_type,
        customer_id: sum.customer_id.clone(),
    };
    let t = &sum.totals;
    ok_json(&ShowCustomerMonthlySumResponse {
        total_count: sum.total_count,
        bill_sums: sum.lines.iter().map(line).collect(),
        consume_amount: m(t.payment),
        debt_amount: m(t.debt),
        coupon_amount: m(t.vouchers),
        flexipurchase_coupon_amount: m(t.cash_coupons),
        stored_value_card_amount: m(t.stored_card),
        cash_amount: m(t.cash),
        credit_amount: m(t.credit),
        writeoff_amount: m(t.writeoff),
        measure_id: MEASURE_YUAN,
        currency: CURRENCY.to_string(),
    })
}

const SHOW_CUSTOMER_MONTHLY_SUM: Operation = Operation {
    name: "show_customer_monthly_sum",
    method: Method::GET,
    path: "/v2/bills/customer-bills/monthly-sum",
    summary: "查询汇总账单 — the acting customer's consumption in one billing month, summed by service type, resource type, charging mode and bill type",
    callers: "customer",
    request: Some(schema::<ShowCustomerMonthlySumQuery>),
    response: schema::<ShowCustomerMonthlySumResponse>,
    route: || get(show_customer_monthly_sum),
};

// ----------------------------------------------------------------------------------------------
// list_consume_sub_customers

/// `ListConsumeSubCustomersReq` (the SDK may send no body at all: read as `{}`, then
/// `bill_cycle` is missing, `CBC.0100`).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListConsumeSubCustomersReq {
    pub bill_cycle: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// `SubCustomerInfoV3`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SubCustomerInfoV3 {
    pub customer_id: String,
}

/// `ListConsumeSubCustomersResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListConsumeSubCustomersResponse {
    pub sub_customers: Vec<SubCustomerInfoV3>,
    pub total_count: i64,
}

async fn list_consume_sub_customers(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(q): VendorJson<ListConsumeSubCustomersReq>,
) -> Result<Response, ApiError> {
    let (total_count, ids) = consumption::consuming_customers(
        &st.db,
        &caller.ctx(),
        q.bill_cycle.as_deref(),
        q.offset,
        q.limit,
    )
    .await?;
    ok_json(&ListConsumeSubCustomersResponse {
        sub_customers: ids
            .into_iter()
            .map(|customer_id| SubCustomerInfoV3 { customer_id })
            .collect(),
        total_count,
    })
}

const LIST_CONSUME_SUB_CUSTOMERS: Operation = Operation {
    name: "list_consume_sub_customers",
    method: Method::POST,
    path: "/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query",
    summary: "查询伙伴消费子客户列表 — the customers with consumption charged while associated with the calling partner in a billing month",
    callers: "partner",
    request: Some(schema::<ListConsumeSubCustomersReq>),
    response: schema::<ListConsumeSubCustomersResponse>,
    route: || post(list_consume_sub_customers),
};

// ----------------------------------------------------------------------------------------------
// list_subcustomer_monthly_bills

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListSubcustomerMonthlyBillsQuery {
    pub customer_id: Option<String>,
    pub cycle: Option<String>,
    pub cloud_service_type: Option<String>,
    pub charge_mode: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub bill_type: Option<String>,
    pub indirect_partner_id: Option<String>,
}

/// `BalanceTypeDeductSumV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BalanceTypeDeductSumV2 {
    pub balance_type: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub bill_type: String,
}

/// `BillSumInfoV2`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BillSumInfoV2 {
    pub customer_id: String,
    pub cloud_service_type: String,
    pub cloud_service_type_name: Option<String>,
    pub bill_type: String,
    pub charge_mode: String,
    #[schemars(with = "f64")]
    pub amount: Money,
    /// Absent on unsubscribe and write-off lines, as the vendor documents.
    #[schemars(with = "Option<f64>")]
    pub debt_amount: Option<Money>,
    #[schemars(with = "Option<f64>")]
    pub adjustment_amount: Option<Money>,
    #[schemars(with = "Option<f64>")]
    pub discount_amount: Option<Money>,
    pub measure_id: i64,
    pub account_details: Vec<BalanceTypeDeductSumV2>,
    pub resource_type_code: String,
    pub resource_type_name: Option<String>,
}

/// `ListSubcustomerMonthlyBillsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListSubcustomerMonthlyBillsResponse {
    pub bill_sums: Vec<BillSumInfoV2>,
    pub count: i64,
    pub currency: String,
}

/// What paid a line, by the vendor's balance types (only those that paid something).
fn account_details(a: &Amounts, bill_type: &str) -> Vec<BalanceTypeDeductSumV2> {
    [
        ("BALANCE_TYPE_DEBIT", a.cash),
        ("BALANCE_TYPE_CREDIT", a.credit),
        ("BALANCE_TYPE_COUPON", a.vouchers),
        ("BALANCE_TYPE_RCASH_COUPON", a.cash_coupons),
        ("BALANCE_TYPE_STORED_VALUE_CARD", a.stored_card),
    ]
    .into_iter()
    .filter(|(_, cents)| *cents != 0)
    .map(|(balance_type, cents)| BalanceTypeDeductSumV2 {
        balance_type: balance_type.to_string(),
        amount: Money::from_cents(cents),
        bill_type: bill_type.to_string(),
    })
    .collect()
}

async fn list_subcustomer_monthly_bills(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListSubcustomerMonthlyBillsQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let query = PartnerMonthlyQuery {
        cycle: q.cycle,
        customer_id: q.customer_id,
        cloud_service_type: q.cloud_service_type,
        charge_mode: q.charge_mode,
        bill_type: q.bill_type,
        indirect_partner_id: q.indirect_partner_id,
        offset: q.offset,
        limit: q.limit,
    };
    let (count, lines) = consumption::partner_monthly_sums(&st.db, &caller.ctx(), &query).await?;
    let (services, resources) = type_names(
        &st,
        lines
            .iter()
            .map(|l| (l.service_type_code.as_str(), l.resource_type_code.as_str())),
    )
    .await?;
    let m = Money::from_cents;
    ok_json(&ListSubcustomerMonthlyBillsResponse {
        bill_sums: lines
            .iter()
            .map(|l| {
                let bill_type = l.bill_type.to_string();
                let consumption = l.bill_type == 0;
                BillSumInfoV2 {
                    customer_id: l.customer_id.clone(),
                    cloud_service_type: l.service_type_code.clone(),
                    cloud_service_type_name: name_of(&services, &l.service_type_code, en),
                    charge_mode: l.charging_mode.to_string(),
                    amount: m(l.amounts.payment),
                    debt_amount: consumption.then(|| m(l.amounts.debt)),
                    adjustment_amount: consumption.then(|| m(l.amounts.writeoff)),
                    discount_amount: consumption.then(|| m(l.amounts.discount)),
                    measure_id: MEASURE_YUAN,
                    account_details: account_details(&l.amounts, &bill_type),
                    resource_type_code: l.resource_type_code.clone(),
                    resource_type_name: name_of(&resources, &l.resource_type_code, en),
                    bill_type,
                }
            })
            .collect(),
        count,
        currency: CURRENCY.to_string(),
    })
}

const LIST_SUBCUSTOMER_MONTHLY_BILLS: Operation = Operation {
    name: "list_subcustomer_monthly_bills",
    method: Method::GET,
    path: "/v2/bills/partner-bills/subcustomer-bills/monthly-sum",
    summary: "查询客户月度消费账单 — the month's consumption of the partner's resale customers (or, with indirect_partner_id, its reseller's), by customer, service type, resource type and bill type",
    callers: "partner",
    request: Some(schema::<ListSubcustomerMonthlyBillsQuery>),
    response: schema::<ListSubcustomerMonthlyBillsResponse>,
    route: || get(list_subcustomer_monthly_bills),
};

// ----------------------------------------------------------------------------------------------
// list_customer_bills_fee_records

#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCustomerBillsFeeRecordsQuery {
    pub bill_cycle: Option<String>,
    /// `1` the vendor's cloud, `2` the marketplace: every record here is the cloud's.
    pub provider_type: Option<i64>,
    pub service_type_code: Option<String>,
    pub resource_type_code: Option<String>,
    pub region_code: Option<String>,
    pub charging_mode: Option<i64>,
    pub bill_type: Option<i64>,
    pub trade_id: Option<String>,
    /// Accepted and ignored: this system has no enterprise projects.
    pub enterprise_project_id: Option<String>,
    pub include_zero_record: Option<bool>,
    pub status: Option<i64>,
    /// Every method reads the customer's own records (no enterprise sub-customers here).
    pub method: Option<String>,
    pub sub_customer_id: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub bill_date_begin: Option<String>,
    pub bill_date_end: Option<String>,
}

/// `MonthlyBillRecord`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MonthlyBillRecord {
    pub bill_cycle: String,
    pub customer_id: String,
    pub service_type_code: String,
    pub resource_type_code: String,
    pub service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
    pub region_code: String,
    pub charging_mode: i64,
    pub consume_time: String,
    pub trade_time: String,
    pub provider_type: i64,
    pub trade_id: String,
    pub id: String,
    pub bill_type: i64,
    pub status: i64,
    #[schemars(with = "f64")]
    pub official_amount: Money,
    #[schemars(with = "f64")]
    pub official_discount_amount: Money,
    #[schemars(with = "f64")]
    pub erase_amount: Money,
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
    pub stored_value_card_amount: Money,
    #[schemars(with = "f64")]
    pub bonus_amount: Money,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub writeoff_amount: Money,
}

/// `ListCustomerBillsFeeRecordsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerBillsFeeRecordsResponse {
    pub total_count: i64,
    pub records: Vec<MonthlyBillRecord>,
    pub currency: String,
}

async fn list_customer_bills_fee_records(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    VendorQuery(q): VendorQuery<ListCustomerBillsFeeRecordsQuery>,
) -> Result<Response, ApiError> {
    let en = english(&headers);
    let filters = RecordFilters {
        service_type_code: q.service_type_code,
        resource_type_code: q.resource_type_code,
        region_code: q.region_code,
        charging_mode: q.charging_mode,
        bill_detail_type: q.bill_type,
        trade_id: q.trade_id,
        bill_date_begin: q.bill_date_begin,
        bill_date_end: q.bill_date_end,
        include_zero_record: q.include_zero_record,
        // The marketplace has no records here: asking for them finds none.
        status: if q.provider_type == Some(2) {
            Some(3)
        } else {
            q.status
        },
        ..Default::default()
    };
    let (total_count, records) = consumption::my_records(
        &st.db,
        &caller.ctx(),
        q.bill_cycle.as_deref(),
        &filters,
        q.offset,
        q.limit,
    )
    .await?;
    let (services, resources) = type_names(
        &st,
        records
            .iter()
            .map(|r| (r.service_type_code.as_str(), r.resource_type_code.as_str())),
    )
    .await?;
    let m = Money::from_cents;
    ok_json(&ListCustomerBillsFeeRecordsResponse {
        total_count,
        records: records
            .iter()
            .map(|r| {
                let a = &r.amounts;
                MonthlyBillRecord {
                    bill_cycle: r.bill_cycle.clone(),
                    customer_id: r.customer_id.clone(),
                    service_type_code: r.service_type_code.clone(),
                    resource_type_code: r.resource_type_code.clone(),
                    service_type_name: name_of(&services, &r.service_type_code, en),
                    resource_type_name: name_of(&resources, &r.resource_type_code, en),
                    region_code: r.region.clone(),
                    charging_mode: r.charging_mode,
                    consume_time: timefmt::format_utc(r.consume_time),
                    trade_time: timefmt::format_utc(r.trade_time),
                    provider_type: 1,
                    trade_id: r.trade_id.clone(),
                    id: r.id.clone(),
                    bill_type: r.bill_detail_type,
                    status: 1,
                    official_amount: m(a.official),
                    official_discount_amount: m(a.discount),
                    erase_amount: Money::ZERO,
                    consume_amount: m(a.payment),
                    cash_amount: m(a.cash),
                    credit_amount: m(a.credit),
                    coupon_amount: m(a.vouchers),
                    flexipurchase_coupon_amount: m(a.cash_coupons),
                    stored_value_card_amount: m(a.stored_card),
                    bonus_amount: Money::ZERO,
                    debt_amount: m(a.debt),
                    writeoff_amount: m(a.writeoff),
                }
            })
            .collect(),
        currency: CURRENCY.to_string(),
    })
}

const LIST_CUSTOMER_BILLS_FEE_RECORDS: Operation = Operation {
    name: "list_customer_bills_fee_records",
    method: Method::GET,
    path: "/v2/bills/customer-bills/fee-records",
    summary: "查询流水账单 — the acting customer's consumption records of one billing month, with the vendor's filters",
    callers: "customer",
    request: Some(schema::<ListCustomerBillsFeeRecordsQuery>),
    response: schema::<ListCustomerBillsFeeRecordsResponse>,
    route: || get(list_customer_bills_fee_records),
};
