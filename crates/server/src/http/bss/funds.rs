//! Fund operations of the vendor API (the vendor's API reference): allocation to and reclaim from
//! resale customers and cloud resellers, balances, and the income/expense records. Who may act on
//! whom is decided in `pc_app::services::funds`; the transfer kinds' trade types are documented in
//! `pc_domain::funds`.

use axum::extract::State;
use axum::http::Method;
use axum::response::Response;
use axum::routing::{get, post};
use pc_app::services::funds::{
    self, ChangeRecordFilters, CustomerFunds, CustomerRecordFilters, ResellerFunds, Way,
};
use pc_domain::bills::BillCycle;
use pc_domain::funds::{ACCOUNT_TYPE_CASH, CURRENCY, MEASURE_YUAN};
use pc_domain::{timefmt, Money};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{ok_json, schema, Operation};
use crate::http::auth::{Caller, VendorJson, VendorQuery};
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
    let transfer_id = funds::move_customer_funds(
        &st.db,
        caller.ctx(),
        CustomerFunds {
            way: Way::Allocate,
            indirect_partner_id: req.indirect_partner_id,
            customer_id: req.customer_id,
            amount: req.amount,
        },
    )
    .await?;
    ok_json(&UpdateCustomerAccountAmountResponse { transfer_id })
}

pub const OPERATIONS: &[Operation] = &[
    UPDATE_CUSTOMER_ACCOUNT_AMOUNT,
    RECLAIM_TO_PARTNER_ACCOUNT,
    LIST_PARTNER_BALANCES,
    LIST_PARTNER_ACCOUNT_CHANGE_RECORDS,
    UPDATE_INDIRECT_PARTNER_ACCOUNT,
    RECLAIM_INDIRECT_PARTNER_ACCOUNT,
    LIST_CUSTOMERS_BALANCES_DETAIL,
    SHOW_CUSTOMER_ACCOUNT_BALANCES,
    LIST_CUSTOMER_ACCOUNT_CHANGE_RECORDS,
];

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
    let trans_id = funds::move_customer_funds(
        &st.db,
        caller.ctx(),
        CustomerFunds {
            way: Way::Reclaim,
            indirect_partner_id: req.indirect_partner_id,
            customer_id: req.customer_id,
            amount: req.amount,
        },
    )
    .await?;
    ok_json(&ReclaimToPartnerAccountResponse { trans_id })
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

// ----------------------------------------------------------------------------------------------
// §2.16 list_partner_balances

/// Query of `list_partner_balances`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListPartnerBalancesQuery {
    pub indirect_partner_id: Option<String>,
}

/// `AccountBalanceV2`. Partner Center keeps one cash account per partner (`account_type` 1);
/// nothing in it is earmarked, so `designated_amount` is 0 and all of `amount` can be allocated.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountBalanceV2 {
    pub account_id: String,
    pub account_type: i64,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub currency: String,
    #[schemars(with = "f64")]
    pub designated_amount: Money,
    /// Only meaningful for credit accounts (type 2), which Partner Center does not grant.
    #[schemars(with = "Option<f64>")]
    pub credit_amount: Option<Money>,
    pub measure_id: i64,
    pub memo: Option<String>,
}

/// `ListPartnerBalancesResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListPartnerBalancesResponse {
    pub account_balances: Vec<AccountBalanceV2>,
}

async fn list_partner_balances(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<ListPartnerBalancesQuery>,
) -> Result<Response, ApiError> {
    let list =
        funds::partner_balances(&st.db, &caller.ctx(), q.indirect_partner_id.as_deref()).await?;
    ok_json(&ListPartnerBalancesResponse {
        account_balances: list
            .into_iter()
            .map(|b| AccountBalanceV2 {
                account_id: b.account_id,
                account_type: ACCOUNT_TYPE_CASH,
                amount: b.amount,
                currency: CURRENCY.into(),
                designated_amount: Money::ZERO,
                credit_amount: None,
                measure_id: MEASURE_YUAN,
                memo: None,
            })
            .collect(),
    })
}

const LIST_PARTNER_BALANCES: Operation = Operation {
    name: "list_partner_balances",
    method: Method::GET,
    path: "/v2/accounts/partner-accounts/balances",
    summary: "查询云经销商账户余额 — the caller's cash balance, or (master distributors, indirect_partner_id) one of its resellers'",
    callers: "partner",
    request: Some(schema::<ListPartnerBalancesQuery>),
    response: schema::<ListPartnerBalancesResponse>,
    route: || get(list_partner_balances),
};

// ----------------------------------------------------------------------------------------------
// §2.17 list_partner_account_change_records

/// Query of `list_partner_account_change_records`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListPartnerAccountChangeRecordsQuery {
    pub balance_type: Option<String>,
    pub trade_type: Option<String>,
    pub trade_time_begin: Option<String>,
    pub trade_time_end: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
    pub indirect_partner_id: Option<String>,
}

/// `AccountChangeRecord`. Amounts are strings on this model (the vendor's API reference);
/// `change_amount` is signed (income positive, expense negative).
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountChangeRecord {
    pub account_change_id: String,
    pub trade_detail_type: String,
    pub trade_time: String,
    /// The ledger transfer id: the `transfer_id` / `trans_id` the allocation calls returned.
    pub trade_id: String,
    pub change_amount: String,
    pub balance_after_change: String,
    /// "1" income, "2" expense.
    #[serde(rename = "type")]
    pub r#type: String,
    /// The customer on the other side; for movements between a distributor and its reseller,
    /// the other partner's id (its `indirect_partner_id`).
    pub customer_id: Option<String>,
    /// The customer's account name, or the other partner's name.
    pub account_name: Option<String>,
}

/// `ListPartnerAccountChangeRecordsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListPartnerAccountChangeRecordsResponse {
    pub total_count: i64,
    pub currency: String,
    pub records: Vec<AccountChangeRecord>,
}

async fn list_partner_account_change_records(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<ListPartnerAccountChangeRecordsQuery>,
) -> Result<Response, ApiError> {
    let filters = ChangeRecordFilters {
        balance_type: q.balance_type,
        trade_type: q.trade_type,
        trade_time_begin: q.trade_time_begin,
        trade_time_end: q.trade_time_end,
        offset: q.offset,
        limit: q.limit,
        indirect_partner_id: q.indirect_partner_id,
    };
    let page = funds::change_records(&st.db, &caller.ctx(), filters).await?;
    ok_json(&ListPartnerAccountChangeRecordsResponse {
        total_count: page.total,
        currency: CURRENCY.into(),
        records: page
            .records
            .into_iter()
            .map(|r| AccountChangeRecord {
                trade_detail_type: r.trade_detail_type().into(),
                trade_time: timefmt::format_utc(r.at_ms),
                account_change_id: r.transfer_id.clone(),
                trade_id: r.transfer_id,
                change_amount: r.change.to_string(),
                balance_after_change: r.balance_after.to_string(),
                r#type: r.direction.code().into(),
                customer_id: r.counterparty_id,
                account_name: r.counterparty_name,
            })
            .collect(),
    })
}

const LIST_PARTNER_ACCOUNT_CHANGE_RECORDS: Operation = Operation {
    name: "list_partner_account_change_records",
    method: Method::GET,
    path: "/v2/accounts/partner-accounts/account-change-records",
    summary: "查询收支明细 — the caller's (or, for master distributors, a reseller's) income and expense records, newest first",
    callers: "partner",
    request: Some(schema::<ListPartnerAccountChangeRecordsQuery>),
    response: schema::<ListPartnerAccountChangeRecordsResponse>,
    route: || get(list_partner_account_change_records),
};

// ----------------------------------------------------------------------------------------------
// §2.18 update_indirect_partner_account

/// `AdjustToIndirectPartnerReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct AdjustToIndirectPartnerReq {
    pub indirect_partner_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
}

/// `UpdateIndirectPartnerAccountResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UpdateIndirectPartnerAccountResponse {
    pub transfer_id: String,
}

async fn update_indirect_partner_account(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<AdjustToIndirectPartnerReq>,
) -> Result<Response, ApiError> {
    let transfer_id = funds::move_reseller_funds(
        &st.db,
        caller.ctx(),
        ResellerFunds {
            way: Way::Allocate,
            reseller_id: req.indirect_partner_id,
            amount: req.amount,
        },
    )
    .await?;
    ok_json(&UpdateIndirectPartnerAccountResponse { transfer_id })
}

const UPDATE_INDIRECT_PARTNER_ACCOUNT: Operation = Operation {
    name: "update_indirect_partner_account",
    method: Method::POST,
    path: "/v2/accounts/partner-accounts/indirect-partner-adjust",
    summary: "向云经销商账户拨款 — a master distributor allocates money to one of its resellers",
    callers: "partner (master distributor)",
    request: Some(schema::<AdjustToIndirectPartnerReq>),
    response: schema::<UpdateIndirectPartnerAccountResponse>,
    route: || post(update_indirect_partner_account),
};

// ----------------------------------------------------------------------------------------------
// §2.19 reclaim_indirect_partner_account

/// `ReclaimIndirectPartnerAccountReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ReclaimIndirectPartnerAccountReq {
    pub indirect_partner_id: String,
    #[schemars(with = "f64")]
    pub amount: Money,
}

/// `ReclaimIndirectPartnerAccountResponse` (note: `trans_id`).
#[derive(Debug, Serialize, JsonSchema)]
pub struct ReclaimIndirectPartnerAccountResponse {
    pub trans_id: String,
}

async fn reclaim_indirect_partner_account(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<ReclaimIndirectPartnerAccountReq>,
) -> Result<Response, ApiError> {
    let trans_id = funds::move_reseller_funds(
        &st.db,
        caller.ctx(),
        ResellerFunds {
            way: Way::Reclaim,
            reseller_id: req.indirect_partner_id,
            amount: req.amount,
        },
    )
    .await?;
    ok_json(&ReclaimIndirectPartnerAccountResponse { trans_id })
}

const RECLAIM_INDIRECT_PARTNER_ACCOUNT: Operation = Operation {
    name: "reclaim_indirect_partner_account",
    method: Method::POST,
    path: "/v2/accounts/partner-accounts/indirect-partner-reclaim",
    summary: "回收云经销商账户拨款 — a master distributor takes money back from one of its resellers (at most its balance)",
    callers: "partner (master distributor)",
    request: Some(schema::<ReclaimIndirectPartnerAccountReq>),
    response: schema::<ReclaimIndirectPartnerAccountResponse>,
    route: || post(reclaim_indirect_partner_account),
};

// ----------------------------------------------------------------------------------------------
// §2.20 list_customers_balances_detail

/// `CustomerInfoV2`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct CustomerInfoV2 {
    pub customer_id: String,
}

/// `QueryCustomersBalancesReq`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct QueryCustomersBalancesReq {
    pub customer_infos: Vec<CustomerInfoV2>,
    pub indirect_partner_id: Option<String>,
}

/// `CustomerBalancesV2`. Resale customers cannot go into debt here, so `debt_amount` is 0.
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerBalancesV2 {
    pub customer_id: String,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub currency: String,
    pub measure_id: i64,
}

/// `ListCustomersBalancesDetailResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomersBalancesDetailResponse {
    pub customer_balances: Vec<CustomerBalancesV2>,
}

async fn list_customers_balances_detail(
    State(st): State<AppState>,
    caller: Caller,
    VendorJson(req): VendorJson<QueryCustomersBalancesReq>,
) -> Result<Response, ApiError> {
    let ids: Vec<String> = req
        .customer_infos
        .into_iter()
        .map(|c| c.customer_id)
        .collect();
    let list = funds::customer_balances(
        &st.db,
        &caller.ctx(),
        req.indirect_partner_id.as_deref(),
        &ids,
    )
    .await?;
    ok_json(&ListCustomersBalancesDetailResponse {
        customer_balances: list
            .into_iter()
            .map(|b| CustomerBalancesV2 {
                customer_id: b.customer_id,
                debt_amount: Money::ZERO,
                amount: b.amount,
                currency: CURRENCY.into(),
                measure_id: MEASURE_YUAN,
            })
            .collect(),
    })
}

const LIST_CUSTOMERS_BALANCES_DETAIL: Operation = Operation {
    name: "list_customers_balances_detail",
    method: Method::POST,
    path: "/v2/accounts/customer-accounts/balances/batch-query",
    summary: "查询客户账户余额 — balances of the caller's (or a reseller's) resale customers; other ids are left out",
    callers: "partner",
    request: Some(schema::<QueryCustomersBalancesReq>),
    response: schema::<ListCustomersBalancesDetailResponse>,
    route: || post(list_customers_balances_detail),
};

// ----------------------------------------------------------------------------------------------
// show_customer_account_balances

/// `AccountBalanceV3`: the customer's one cash account (`account_type` 1). Partner Center grants
/// no credit, reward or deposit accounts.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AccountBalanceV3 {
    pub account_id: String,
    pub account_type: i64,
    #[schemars(with = "f64")]
    pub amount: Money,
    pub currency: String,
    #[schemars(with = "f64")]
    pub designated_amount: Money,
    #[schemars(with = "Option<f64>")]
    pub credit_amount: Option<Money>,
    pub measure_id: i64,
}

/// `ShowCustomerAccountBalancesResponse`. `debt_amount` is 0 until pay-per-use charges can leave
/// a customer in arrears.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ShowCustomerAccountBalancesResponse {
    pub account_balances: Vec<AccountBalanceV3>,
    #[schemars(with = "f64")]
    pub debt_amount: Money,
    pub measure_id: i64,
    pub currency: String,
}

async fn show_customer_account_balances(
    State(st): State<AppState>,
    caller: Caller,
) -> Result<Response, ApiError> {
    let (account_id, amount) = funds::customer_account(&st.db, &caller.ctx()).await?;
    ok_json(&ShowCustomerAccountBalancesResponse {
        account_balances: vec![AccountBalanceV3 {
            account_id,
            account_type: ACCOUNT_TYPE_CASH,
            amount,
            currency: CURRENCY.into(),
            designated_amount: Money::ZERO,
            credit_amount: None,
            measure_id: MEASURE_YUAN,
        }],
        debt_amount: Money::ZERO,
        measure_id: MEASURE_YUAN,
        currency: CURRENCY.into(),
    })
}

const SHOW_CUSTOMER_ACCOUNT_BALANCES: Operation = Operation {
    name: "show_customer_account_balances",
    method: Method::GET,
    path: "/v2/accounts/customer-accounts/balances",
    summary: "查询账户余额 — the acting customer's own cash balance",
    callers: "customer",
    request: None,
    response: schema::<ShowCustomerAccountBalancesResponse>,
    route: || get(show_customer_account_balances),
};

// ----------------------------------------------------------------------------------------------
// list_customer_account_change_records

/// Query of `list_customer_account_change_records`.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct ListCustomerAccountChangeRecordsQuery {
    pub balance_type: Option<String>,
    pub revenue_expense_type: Option<String>,
    pub trade_type: Option<String>,
    pub trade_time_begin: Option<String>,
    pub trade_time_end: Option<String>,
    pub trade_id: Option<String>,
    pub payment_channel_id: Option<String>,
    pub payment_channel_no: Option<String>,
    pub offset: Option<i64>,
    pub limit: Option<i64>,
}

/// `CustomerAccountChangeRecord`. Amounts are strings on this model, as on the partner's;
/// `change_amount` is signed (income positive, expense negative).
#[derive(Debug, Serialize, JsonSchema)]
pub struct CustomerAccountChangeRecord {
    /// The ledger transfer id.
    pub account_change_id: String,
    pub trade_detail_type: String,
    pub trade_time: String,
    /// The order (payments, refunds), the top-up request, or else the transfer id.
    pub trade_id: String,
    pub change_amount: String,
    pub balance_after_change: String,
    /// `REVENUE` or `EXPENSE`.
    pub revenue_expense_type: String,
    /// The billing month of the movement (UTC+8).
    pub bill_cycle: String,
    pub payment_channel_id: String,
    /// No movement here has a channel serial number.
    pub payment_channel_no: Option<String>,
    pub consume_time: String,
    pub account_name: Option<String>,
    /// The ledger does not say which service a movement paid for.
    pub cloud_service_type_name: Option<String>,
    pub resource_type_name: Option<String>,
}

/// `ListCustomerAccountChangeRecordsResponse`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ListCustomerAccountChangeRecordsResponse {
    pub total_count: i64,
    pub currency: String,
    pub records: Vec<CustomerAccountChangeRecord>,
}

async fn list_customer_account_change_records(
    State(st): State<AppState>,
    caller: Caller,
    VendorQuery(q): VendorQuery<ListCustomerAccountChangeRecordsQuery>,
) -> Result<Response, ApiError> {
    let filters = CustomerRecordFilters {
        balance_type: q.balance_type,
        revenue_expense_type: q.revenue_expense_type,
        trade_type: q.trade_type,
        trade_time_begin: q.trade_time_begin,
        trade_time_end: q.trade_time_end,
        trade_id: q.trade_id,
        payment_channel_id: q.payment_channel_id,
        payment_channel_no: q.payment_channel_no,
        offset: q.offset,
        limit: q.limit,
    };
    let page = funds::customer_change_records(&st.db, &caller.ctx(), filters).await?;
    ok_json(&ListCustomerAccountChangeRecordsResponse {
        total_count: page.total,
        currency: CURRENCY.into(),
        records: page
            .records
            .iter()
            .map(|r| CustomerAccountChangeRecord {
                account_change_id: r.transfer_id.clone(),
                trade_detail_type: r.trade_detail_type().into(),
                trade_time: timefmt::format_utc(r.at_ms),
                trade_id: r.trade_ref().to_string(),
                change_amount: r.change.to_string(),
                balance_after_change: r.balance_after.to_string(),
                revenue_expense_type: r.direction.revenue_expense().into(),
                bill_cycle: BillCycle::of_ms(r.at_ms).to_string(),
                payment_channel_id: r.payment_channel().into(),
                payment_channel_no: None,
                consume_time: timefmt::format_utc(r.at_ms),
                account_name: page.account_name.clone(),
                cloud_service_type_name: None,
                resource_type_name: None,
            })
            .collect(),
    })
}

const LIST_CUSTOMER_ACCOUNT_CHANGE_RECORDS: Operation = Operation {
    name: "list_customer_account_change_records",
    method: Method::GET,
    path: "/v2/accounts/customer-accounts/account-change-records",
    summary: "查询收支明细（客户） — the acting customer's own cash account income and expense, newest first (not for resale customers)",
    callers: "customer",
    request: Some(schema::<ListCustomerAccountChangeRecordsQuery>),
    response: schema::<ListCustomerAccountChangeRecordsResponse>,
    route: || get(list_customer_account_change_records),
};
