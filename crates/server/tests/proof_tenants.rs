//! Proof suite, scenario `tenants`: the tenant matrix. Two complete trees share one database —
//! A (the callers) and B (the target): distributors, resellers, customers of every kind, coupon
//! quotas and coupons, orders pending and paid, resources, a refund, top-ups, access keys, staff
//! logins, invite links, discounts, a fund transfer. Every vendor and native API operation (from
//! `bss::operations()` and `native::operations()`) and every console route (from
//! `common::routes::console_routes()`) is called as every role of A — the distributor's admin,
//! its reseller's admin, its staff member, a resale customer, a self-paying customer, an operator
//! (console sessions; API keys for the kinds that have one) — with B's ids in the path, the query
//! or the body, as the table below says for each. Each call must be refused (the vendor envelope on
//! the API, a 4xx page on the console, or the redirect back with an error some console forms use)
//! or, where the operation is a filtered read, answer with A's own data only; in every case the
//! answer must hold none of B's ids, names, phone numbers, e-mail addresses or amounts (a value the
//! request itself carried may be echoed), and the database must be exactly as before the call
//! (every table compared row by row; the one exception, a coupon issue's failure logged in the
//! caller's own operation log as the vendor logs it, is checked to name only the caller). Operators
//! are cross-tenant by design: where an operator is admitted the cell is not a tenant question and
//! is skipped; where it is not, it must be refused like anyone else.
//!
//! The table must name every operation and every console route, and only those: a new operation
//! or route without its entry fails the suite, as does an entry for one that no longer exists.
//! Routes with no tenant-owned input have an entry saying why. Every case also has a control (or
//! says why it cannot): the same template filled with A's own ids, sent by the role it is written
//! for, must succeed (and, for reads, show the object it names) — so no refusal in the matrix is
//! the accident of a malformed request.

mod common;

use pc_app::store::sql;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

use axum::body::Body;
use axum::http::Request;
use common::proof;
use common::routes::console_routes;
use common::shop::{self, call, cust_ctx, resources_of, PAY};
use common::*;
use pc_app::services::customers::invites::{LinkKind, NewLink};
use pc_app::services::funds::Way;
use pc_app::services::{
    coupons, customers, customers::invites, funds, identity, orders, partners,
    partners::delegation, partners::staff, topups,
};
use pc_app::store::ledger;
use pc_app::{Actor, Ctx};
use pc_domain::coupons::QuotaType;
use pc_domain::ledger::AccountKind;
use pc_domain::orders::{PeriodType, Ratio};
use pc_domain::party::{AssociationType, PartnerType, Role as UserRole};
use pc_domain::Money;
use serde_json::{json, Value};

const PW: &str = "Passw0rd!";

// ------------------------------------------------------------------------------------------------
// The matrix's vocabulary

/// The roles of tree A that call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Role {
    /// The master distributor's administrator.
    Dist,
    /// The administrator of the distributor's reseller.
    Reseller,
    /// A staff member of the distributor (console only: staff have no access keys).
    Staff,
    /// A resale customer of the distributor.
    Customer,
    /// A consulting customer of the distributor: pays for itself, so it has the top-up pages
    /// (console only).
    SelfPay,
    /// An operator: cross-tenant by design wherever it is admitted.
    Operator,
}
use Role::*;

const API_ROLES: &[Role] = &[Dist, Reseller, Customer, Operator];
const CONSOLE_ROLES: &[Role] = &[Dist, Reseller, Staff, Customer, SelfPay, Operator];

const ALL: &[Role] = CONSOLE_ROLES;
const OPS: &[Role] = &[Operator];
const ADMINS: &[Role] = &[Dist, Reseller];
const ADMINS_OPS: &[Role] = &[Dist, Reseller, Operator];
const PARTNER_USERS: &[Role] = &[Dist, Reseller, Staff];
const PARTNER_USERS_OPS: &[Role] = &[Dist, Reseller, Staff, Operator];
const CUSTOMERS: &[Role] = &[Customer, SelfPay];

/// What an admitted (non-operator) role must get back for B's ids. A role the operation or route
/// does not admit must always be refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// API: a 4xx vendor envelope. Console: a 4xx page.
    Refused,
    /// Console forms that redirect back to their page with the error (`303`), or a 4xx page.
    Back,
    /// A filtered read or a batch reporting per-item failures: a 2xx answer is acceptable as long
    /// as it holds nothing of B and wrote nothing.
    NoEffect,
    /// As `NoEffect` (or `Back` on the console), except that the failed attempt is added to the
    /// caller's own coupon operation log, as the vendor records failed issues (`result` -1): rows
    /// added to `coupon_records` that name the caller's own partner, nothing else written. The
    /// log then holds the id the caller itself typed, so these cases are sent after every other
    /// cell.
    Logged,
}

/// The same template with A's own ids, sent by one role, must succeed: it proves the request is
/// well formed, so the refusal with B's ids is the tenant check's.
#[derive(Clone, Copy, Debug)]
enum Control {
    /// 2xx (API, no error in the body) or 200 / 303 without an error (console).
    Ok(Role),
    /// As `Ok`, and the answer shows A's value of this placeholder (a read's filter works).
    Shows(Role, &'static str),
    /// No control, and why.
    No(&'static str),
}

/// One request naming B's things. `path` (with its query) and `body` are templates: `$name` is
/// B's value of `name`, `@name` the caller's own tree's (A's). Console bodies are urlencoded
/// forms (the session's CSRF token is added); API bodies are JSON.
#[derive(Clone, Copy, Debug)]
struct Case {
    what: &'static str,
    path: &'static str,
    body: &'static str,
    expect: Expect,
    control: Control,
}

const fn case(
    what: &'static str,
    path: &'static str,
    body: &'static str,
    expect: Expect,
    control: Control,
) -> Case {
    Case {
        what,
        path,
        body,
        expect,
        control,
    }
}

/// What to send for an operation or route with no tenant-owned input.
#[derive(Clone, Copy, Debug)]
enum Probe {
    /// A read: every role sends it; nothing of B may appear, nothing may be written.
    Read(&'static str, &'static str),
    /// A write on the caller's own things: only the roles it does not admit send it (and must be
    /// refused, writing nothing).
    RefusalsOnly(&'static str, &'static str),
    /// Not sent (it would end the session or change what later cells see), for the reason given.
    NotSent,
}

#[derive(Clone, Copy, Debug)]
enum Input {
    /// Requests with B's ids.
    Foreign(&'static [Case]),
    /// No tenant-owned input, and why.
    Nothing { why: &'static str, probe: Probe },
}

struct ApiEntry {
    op: &'static str,
    input: Input,
}

struct ConsoleEntry {
    method: &'static str,
    route: &'static str,
    /// The roles the handler serves (the others must be refused).
    roles: &'static [Role],
    input: Input,
}

use Expect::{Back, Logged, NoEffect, Refused};

const fn foreign(op: &'static str, cases: &'static [Case]) -> ApiEntry {
    ApiEntry {
        op,
        input: Input::Foreign(cases),
    }
}

const fn api_nothing(op: &'static str, why: &'static str, probe: Probe) -> ApiEntry {
    ApiEntry {
        op,
        input: Input::Nothing { why, probe },
    }
}

const fn page(
    method: &'static str,
    route: &'static str,
    roles: &'static [Role],
    cases: &'static [Case],
) -> ConsoleEntry {
    ConsoleEntry {
        method,
        route,
        roles,
        input: Input::Foreign(cases),
    }
}

const fn page_nothing(
    method: &'static str,
    route: &'static str,
    roles: &'static [Role],
    why: &'static str,
    probe: Probe,
) -> ConsoleEntry {
    ConsoleEntry {
        method,
        route,
        roles,
        input: Input::Nothing { why, probe },
    }
}

const RATE_BODY: &str = r#"{"project_id":"p1","product_infos":[{"id":"a","cloud_service_type":"hws.service.type.ec2","resource_type":"hws.resource.type.vm","resource_spec":"s6.small.1.linux","region":"cn-north-4","period_type":2,"period_num":1,"subscription_num":1}]}"#;
const CATALOGUE: &str = "the catalogue belongs to no tenant; operators administer it";
const JOIN_ID: &str = "an invite link's id never opens it; the working form is /join/<token>, which shows the inviting partner to whoever holds the link, by design";

// ------------------------------------------------------------------------------------------------
// The API matrix: one entry per operation of `bss::operations()` and `native::operations()`.
// Controls run in table order, after every foreign cell.

#[rustfmt::skip]
const API: &[ApiEntry] = &[
    // Catalogue
    api_nothing("list_service_types", "the service types are the same for every tenant", Probe::Read("/v2/products/service-types", "")),
    api_nothing("list_resource_types", "the resource types are the same for every tenant", Probe::Read("/v2/products/resource-types", "")),
    api_nothing("list_rate_on_period_detail", "prices catalogue products; a customer's own discounts come from its key, never from the request", Probe::Read("/v2/bills/ratings/period-resources/subscribe-rate", RATE_BODY)),
    // Customers
    foreign("list_sub_customers", &[
        case("B's customer by id", "/v2/partners/sub-customers/query", r#"{"customer_id":"$c"}"#, NoEffect, Control::Shows(Dist, "c")),
        case("B's customer by account name", "/v2/partners/sub-customers/query", r#"{"account_name":"$c_name"}"#, NoEffect, Control::Shows(Dist, "c")),
        case("B's reseller's customers", "/v2/partners/sub-customers/query", r#"{"indirect_partner_id":"$r"}"#, Refused, Control::Shows(Dist, "rc")),
    ]),
    foreign("create_sub_customer", &[
        case("for B's reseller", "/v2/partners/sub-customers", r#"{"xaccount_id":"tn-x-1","xaccount_type":"@d_xtype","domain_name":"tn-new-one","password":"Passw0rd!","indirect_partner_id":"$r"}"#, Refused, Control::Ok(Dist)),
        case("under B's platform identifier", "/v2/partners/sub-customers", r#"{"xaccount_id":"tn-x-2","xaccount_type":"$d_xtype","domain_name":"tn-new-two","password":"Passw0rd!"}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("check_user_identity", &[
        // The vendor's uniqueness check answers `used_by_user` for any taken name, whoever owns
        // it; the answer must never say whose.
        case("B's customer's login name", "/v2/partners/sub-customers/users/check-identity", r#"{"search_type":"name","search_value":"$c_name"}"#, NoEffect, Control::Ok(Dist)),
        case("B's customer's mobile number", "/v2/partners/sub-customers/users/check-identity", r#"{"search_type":"mobile","search_value":"0086-$c_mobile"}"#, NoEffect, Control::Ok(Dist)),
    ]),
    foreign("send_verification_message_code", &[
        case("bank-card code for B's customer", "/v2/bases/verificationcode/send", r#"{"receiver_type":1,"mobile_phone":"13712345678","scene":18,"customer_id":"$c"}"#, Refused, Control::Ok(Dist)),
    ]),
    // Funds
    foreign("update_customer_account_amount", &[
        case("to B's customer", "/v2/accounts/partner-accounts/adjust-amount", r#"{"customer_id":"$c","amount":1}"#, Refused, Control::Ok(Dist)),
        case("to B's reseller's customer through B's reseller", "/v2/accounts/partner-accounts/adjust-amount", r#"{"customer_id":"$rc","amount":1,"indirect_partner_id":"$r"}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("reclaim_to_partner_account", &[
        case("from B's customer", "/v2/accounts/partner-accounts/reclaim", r#"{"customer_id":"$c","amount":1}"#, Refused, Control::Ok(Dist)),
        case("from B's reseller's customer through B's reseller", "/v2/accounts/partner-accounts/reclaim", r#"{"customer_id":"$rc","amount":1,"indirect_partner_id":"$r"}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("list_partner_balances", &[
        case("B's reseller's balance", "/v2/accounts/partner-accounts/balances?indirect_partner_id=$r", "", Refused, Control::Ok(Dist)),
    ]),
    foreign("list_partner_account_change_records", &[
        case("B's reseller's records", "/v2/accounts/partner-accounts/account-change-records?balance_type=BALANCE_TYPE_DEBIT&indirect_partner_id=$r", "", Refused, Control::Ok(Dist)),
    ]),
    foreign("update_indirect_partner_account", &[
        case("to B's reseller", "/v2/accounts/partner-accounts/indirect-partner-adjust", r#"{"indirect_partner_id":"$r","amount":1}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("reclaim_indirect_partner_account", &[
        case("from B's reseller", "/v2/accounts/partner-accounts/indirect-partner-reclaim", r#"{"indirect_partner_id":"$r","amount":1}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("list_customers_balances_detail", &[
        case("B's customer", "/v2/accounts/customer-accounts/balances/batch-query", r#"{"customer_infos":[{"customer_id":"$c"}]}"#, NoEffect, Control::Shows(Dist, "c")),
        case("B's reseller's customer through B's reseller", "/v2/accounts/customer-accounts/balances/batch-query", r#"{"customer_infos":[{"customer_id":"$rc"}],"indirect_partner_id":"$r"}"#, Refused, Control::Shows(Dist, "rc")),
    ]),
    // Partners
    foreign("list_indirect_partners", &[
        case("B's reseller by id", "/v2/partners/indirect-partners/query", r#"{"indirect_partner_id":"$r"}"#, NoEffect, Control::Shows(Dist, "r")),
        case("B's reseller by account name", "/v2/partners/indirect-partners/query", r#"{"account_name":"$r_login"}"#, NoEffect, Control::Shows(Dist, "r")),
    ]),
    // Coupon quotas and coupons (the listings before the writes: their controls read A's coupons
    // before the reclaim's control takes one back)
    foreign("list_quota_coupons", &[
        case("B's quota", "/v2/partners/coupon-quotas/query", r#"{"quota_ids":["$quota"]}"#, NoEffect, Control::Shows(Dist, "quota")),
        case("B's reseller's quotas", "/v2/partners/coupon-quotas/query", r#"{"indirect_partner_id":"$r"}"#, Refused, Control::Shows(Dist, "rquota")),
    ]),
    foreign("list_issued_coupon_quotas", &[
        case("B's reseller's quota", "/v2/partners/issued-coupon-quotas?quota_id=$rquota", "", NoEffect, Control::Shows(Dist, "rquota")),
        case("B's reseller", "/v2/partners/issued-coupon-quotas?indirect_partner_id=$r", "", NoEffect, Control::Shows(Dist, "rquota")),
        case("B's parent quota", "/v2/partners/issued-coupon-quotas?parent_quota_id=$quota", "", NoEffect, Control::Shows(Dist, "rquota")),
    ]),
    foreign("list_coupon_quotas_records", &[
        case("B's reseller's quota", "/v2/partners/coupon-quotas/records?quota_id=$rquota", "", NoEffect, Control::Shows(Dist, "rquota")),
        case("B's reseller", "/v2/partners/coupon-quotas/records?indirect_partner_id=$r", "", NoEffect, Control::Shows(Dist, "rquota")),
        case("B's parent quota", "/v2/partners/coupon-quotas/records?parent_quota_id=$quota", "", NoEffect, Control::Shows(Dist, "rquota")),
    ]),
    foreign("list_issued_partner_coupons", &[
        case("B's coupon", "/v2/promotions/benefits/partner-coupons?coupon_id=$coupon", "", NoEffect, Control::Shows(Dist, "coupon")),
        case("B's customer", "/v2/promotions/benefits/partner-coupons?customer_id=$c", "", NoEffect, Control::Shows(Dist, "coupon")),
        case("B's reseller's coupons", "/v2/promotions/benefits/partner-coupons?indirect_partner_id=$r", "", Refused, Control::Shows(Dist, "rcoupon")),
    ]),
    foreign("list_partner_coupons_record", &[
        case("B's customer", "/v2/promotions/benefits/partner-coupons/records/query?customer_id=$c", "", NoEffect, Control::Shows(Dist, "coupon")),
        case("B's quota", "/v2/promotions/benefits/partner-coupons/records/query?quota_id=$quota", "", NoEffect, Control::Shows(Dist, "coupon")),
        case("B's coupon", "/v2/promotions/benefits/partner-coupons/records/query?coupon_ids=$coupon", "", NoEffect, Control::Shows(Dist, "coupon")),
        case("B's reseller's records", "/v2/promotions/benefits/partner-coupons/records/query?indirect_partner_id=$r", "", Refused, Control::Shows(Dist, "rcoupon")),
    ]),
    foreign("list_sub_customer_coupons", &[
        case("B's customer's coupon", "/v2/promotions/benefits/coupons?coupon_id=$coupon", "", NoEffect, Control::Shows(Customer, "coupon")),
    ]),
    foreign("create_partner_coupons", &[
        case("to B's customer", "/v2/promotions/benefits/partner-coupons", r#"{"quota_id":"@quota","customer_ids":["$c"],"face_value":1}"#, Logged, Control::Ok(Dist)),
        case("from B's quota", "/v2/promotions/benefits/partner-coupons", r#"{"quota_id":"$quota","customer_ids":["@c"],"face_value":1}"#, Refused, Control::Ok(Dist)),
        case("acting for B's reseller", "/v2/promotions/benefits/partner-coupons", r#"{"quota_id":"$rquota","customer_ids":["$rc"],"face_value":1,"indirect_partner_id":"$r"}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("reclaim_partner_coupons", &[
        case("B's coupon", "/v2/promotions/benefits/partner-coupons/reclaim", r#"{"coupon_id":"$coupon"}"#, Refused, Control::Ok(Dist)),
        case("B's reseller's coupon through B's reseller", "/v2/promotions/benefits/partner-coupons/reclaim", r#"{"coupon_id":"$rcoupon2","indirect_partner_id":"$r"}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("update_coupon_quotas", &[
        case("from B's quota", "/v2/partners/coupon-quotas/indirect-partner-adjust", r#"{"quota_id":"$quota","indirect_partner_ids":["@r"],"quota_amount":1}"#, Refused, Control::Ok(Dist)),
        case("to B's reseller", "/v2/partners/coupon-quotas/indirect-partner-adjust", r#"{"quota_id":"@quota","indirect_partner_ids":["$r"],"quota_amount":1}"#, NoEffect, Control::Ok(Dist)),
    ]),
    foreign("reclaim_coupon_quotas", &[
        case("B's reseller's quota", "/v2/partners/coupon-quotas/indirect-partner-reclaim", r#"{"quota_ids":["$rquota2"]}"#, NoEffect, Control::Ok(Dist)),
    ]),
    // Orders
    foreign("list_customer_orders", &[
        case("B's customer", "/v2/orders/customer-orders?customer_id=$c", "", NoEffect, Control::Shows(Dist, "c")),
        case("B's order", "/v2/orders/customer-orders?order_id=$order", "", NoEffect, Control::Shows(Customer, "order")),
        // A customer's key ignores indirect_partner_id (it lists its own orders); a partner's is refused.
        case("B's reseller's customers' orders", "/v2/orders/customer-orders?indirect_partner_id=$r", "", NoEffect, Control::Shows(Dist, "rc_order")),
    ]),
    foreign("show_customer_order_details", &[
        case("B's order", "/v2/orders/customer-orders/details/$order", "", Refused, Control::Shows(Dist, "order")),
        case("B's reseller's customer's order through B's reseller", "/v2/orders/customer-orders/details/$rc_order?indirect_partner_id=$r", "", Refused, Control::Shows(Dist, "rc_order")),
    ]),
    foreign("list_order_discounts", &[
        case("B's order", "/v2/orders/customer-orders/order-discounts?order_id=$order_pay3", "", Refused, Control::Shows(Customer, "discount")),
    ]),
    foreign("list_order_coupons_by_order_id", &[
        case("B's order", "/v2/orders/customer-orders/order-coupons?order_id=$order", "", Refused, Control::Shows(Customer, "coupon3")),
    ]),
    foreign("pay_orders", &[
        case("B's order", "/v3/orders/customer-orders/pay", r#"{"order_id":"$order_pay","use_coupon":"NO","use_discount":"NO"}"#, Refused, Control::Ok(Customer)),
        case("A's order with B's coupon", "/v3/orders/customer-orders/pay", r#"{"order_id":"@order_pay2","use_coupon":"YES","use_discount":"NO","coupon_infos":[{"id":"$coupon3","type":301}]}"#, Refused, Control::Ok(Customer)),
        case("A's order with B's discount", "/v3/orders/customer-orders/pay", r#"{"order_id":"@order_pay3","use_coupon":"NO","use_discount":"YES","discount_infos":[{"id":"$discount","type":3}]}"#, Refused, Control::Ok(Customer)),
    ]),
    foreign("cancel_customer_order", &[
        case("B's order", "/v2/orders/customer-orders/cancel", r#"{"order_id":"$order_cancel"}"#, Refused, Control::Ok(Customer)),
    ]),
    // Resources and refunds
    foreign("list_pay_per_use_customer_resources", &[
        case("B's resource", "/v2/orders/suscriptions/resources/query", r#"{"resource_ids":["$res"]}"#, NoEffect, Control::Shows(Customer, "res")),
        case("B's paid order", "/v2/orders/suscriptions/resources/query", r#"{"order_id":"$order_paid"}"#, NoEffect, Control::Shows(Customer, "res")),
        case("B's customer", "/v2/orders/suscriptions/resources/query", r#"{"customer_id":"$c"}"#, NoEffect, Control::Shows(Dist, "res")),
        case("B's reseller's customer's resources", "/v2/orders/suscriptions/resources/query", r#"{"customer_id":"$rc","indirect_partner_id":"$r"}"#, NoEffect, Control::Shows(Dist, "rc_res")),
    ]),
    foreign("renewal_resources", &[
        case("B's resource", "/v2/orders/subscriptions/resources/renew", r#"{"resource_ids":["$res_renew"],"period_type":2,"period_num":1,"is_auto_pay":0}"#, NoEffect, Control::Ok(Customer)),
    ]),
    foreign("auto_renewal_resources", &[
        case("B's resource", "/v2/orders/subscriptions/resources/autorenew/$res_auto", "{}", Refused, Control::Ok(Customer)),
    ]),
    foreign("cancel_auto_renewal_resources", &[
        case("B's resource", "/v2/orders/subscriptions/resources/autorenew/$res_auto", "", Refused, Control::Ok(Customer)),
    ]),
    foreign("list_renew_rate_on_period", &[
        case("B's resource", "/v2/bills/ratings/period-resources/renew-rate", r#"{"resource_ids":["$res"],"period_type":2,"period_num":1}"#, NoEffect, Control::Ok(Customer)),
    ]),
    api_nothing("set_resources_renew_config", "a customer's own renewal setting: the key says whose", Probe::RefusalsOnly("/v2/orders/subscriptions/resources/renew/config", r#"{"config_name":"DEDUCTION_DATE","config_value":"7"}"#)),
    foreign("cancel_resources_subscription", &[
        case("B's resource", "/v2/orders/subscriptions/resources/unsubscribe", r#"{"resource_ids":["$res_unsub"],"unsubscribe_type":1,"unsubscribe_reason_type":5,"unsubscribe_reason":"moving"}"#, NoEffect, Control::Ok(Customer)),
    ]),
    foreign("update_period_to_on_demand", &[
        case("B's resource", "/v2/orders/subscriptions/resources/to-on-demand", r#"{"operation":"SET_UP","resource_ids":["$res_ondemand"]}"#, NoEffect, Control::Ok(Customer)),
    ]),
    foreign("update_period_to_on_demand_instantly", &[
        case("B's resource", "/v2/orders/subscriptions/resources/to-on-demand/instantly", r#"{"resource_ids":["$res_instant"]}"#, NoEffect, Control::Ok(Customer)),
    ]),
    foreign("show_refund_order_details", &[
        case("B's refund order", "/v2/orders/customer-orders/refund-orders?order_id=$refund", "", NoEffect, Control::Shows(Customer, "order_paid")),
    ]),
    // Bills (the fixture's clock, NOW_MS, is in 2026-11: `bills_month_is_the_fixtures`)
    foreign("list_sub_customer_bill_detail", &[
        case("B's customer", "/v2/bills/subcustomer-bills/res-fee-records?bill_cycle=2026-11&customer_id=$c", "", Refused, Control::Ok(Dist)),
        case("B's reseller's customer through B's reseller", "/v2/bills/subcustomer-bills/res-fee-records?bill_cycle=2026-11&customer_id=$rc&indirect_partner_id=$r", "", Refused, Control::Ok(Dist)),
    ]),
    foreign("list_subcustomer_monthly_bills", &[
        case("B's customer", "/v2/bills/partner-bills/subcustomer-bills/monthly-sum?cycle=2026-11&charge_mode=1&customer_id=$c", "", NoEffect, Control::Ok(Dist)),
        case("B's reseller's customers", "/v2/bills/partner-bills/subcustomer-bills/monthly-sum?cycle=2026-11&charge_mode=1&indirect_partner_id=$r", "", Refused, Control::Ok(Dist)),
    ]),
    api_nothing("list_consume_sub_customers", "the customers who consumed while associated with the caller: the key says whose", Probe::Read("/v2/bills/subcustomer-bills/res-fee-records/sub-customers/query", r#"{"bill_cycle":"2026-11"}"#)),
    api_nothing("show_customer_monthly_sum", "a customer's own month: the key says whose", Probe::Read("/v2/bills/customer-bills/monthly-sum?bill_cycle=2026-11", "")),
    api_nothing("show_customer_account_balances", "a customer's own balance: the key says whose", Probe::Read("/v2/accounts/customer-accounts/balances", "")),
    api_nothing("list_customer_bills_fee_records", "a customer's own records: the key says whose", Probe::Read("/v2/bills/customer-bills/fee-records?bill_cycle=2026-11", "")),
    // Pay-per-use
    foreign("list_customer_on_demand_resources", &[
        case("B's customer", "/v2/partners/sub-customers/on-demand-resources/query", r#"{"customer_id":"$c"}"#, Refused, Control::Ok(Dist)),
        case("B's reseller's customer through B's reseller", "/v2/partners/sub-customers/on-demand-resources/query", r#"{"customer_id":"$rc","indirect_partner_id":"$r"}"#, Refused, Control::Ok(Dist)),
    ]),
    api_nothing("list_free_resource_infos", "a customer's own packages: the key says whose", Probe::Read("/v3/payments/free-resources/query", "{}")),
    api_nothing("list_free_resource_usages", "a customer's own packages: ids not its own are left out (crates/server/tests/usage.rs)", Probe::Read("/v2/payments/free-resources/usages/details/query", r#"{"free_resource_ids":["FR0"]}"#)),
    api_nothing("list_free_resources_usage_records", "a customer's own deductions: the key says whose", Probe::Read("/v2/bills/customer-bills/free-resources-usage-records", "")),
    api_nothing("list_on_demand_resource_ratings", "prices of the public catalogue", Probe::Read("/v2/bills/ratings/on-demand-resources", r#"{"product_infos":[{"id":"1","cloud_service_type":"hws.service.type.ec2","resource_type":"hws.resource.type.vm","resource_spec":"s6.small.1.linux","region":"cn-north-4","usage_value":1}]}"#)),
    api_nothing("native_import_usage", "operators import the metering's usage for any customer by design; partner and customer keys are refused", Probe::RefusalsOnly("/native/v1/usage", r#"{"usage":[]}"#)),
    api_nothing("native_set_usage_pricing", CATALOGUE, Probe::RefusalsOnly("/native/v1/catalog/products/ecs-s6-small-1-linux/usage-pricing", "{}")),
    api_nothing("list_customerself_resource_records", "a customer's own records: the key says whose", Probe::Read("/v2/bills/customer-bills/res-fee-records?cycle=2026-11&statistic_type=1", "")),
    foreign("list_customerself_resource_record_details", &[
        case("B's customer as the payer", "/v2/bills/customer-bills/res-records/query", r#"{"cycle":"2026-11","payer_account_id":"$c"}"#, Refused, Control::Ok(Customer)),
    ]),
    api_nothing("list_customer_bills_monthly_break_down", "a customer's own cost: the key says whose", Probe::Read("/v2/costs/cost-analysed-bills/monthly-breakdown?shared_month=2026-11", "")),
    api_nothing("list_customer_account_change_records", "a customer's own cash account: the key says whose", Probe::Read("/v2/accounts/customer-accounts/account-change-records?balance_type=BALANCE_TYPE_DEBIT", "")),
    // Native: catalogue (operators)
    api_nothing("native_list_products", CATALOGUE, Probe::Read("/native/v1/catalog/products", "")),
    api_nothing("native_create_product", CATALOGUE, Probe::RefusalsOnly("/native/v1/catalog/products", "{}")),
    api_nothing("native_update_product", CATALOGUE, Probe::RefusalsOnly("/native/v1/catalog/products/ecs-s6-small-1-linux", "{}")),
    api_nothing("native_put_service_type", CATALOGUE, Probe::RefusalsOnly("/native/v1/catalog/service-types/hws.service.type.ec2", "{}")),
    api_nothing("native_put_resource_type", CATALOGUE, Probe::RefusalsOnly("/native/v1/catalog/resource-types/hws.resource.type.vm", "{}")),
    // Native: orders
    api_nothing("native_list_orders", "operators see every order by design; partner and customer keys are refused", Probe::Read("/native/v1/orders", "")),
    api_nothing("native_show_discount_floor", "the discount floor is one platform setting", Probe::Read("/native/v1/orders/discount-floor", "")),
    api_nothing("native_update_discount_floor", "the discount floor is one platform setting", Probe::RefusalsOnly("/native/v1/orders/discount-floor", r#"{"discount_floor":0.75}"#)),
    foreign("native_create_customer_order", &[
        case("for B's customer", "/native/v1/orders/customer-orders", r#"{"customer_id":"$c","product_infos":[{"product_id":"ecs-s6-small-1-linux","period_type":2,"period_num":1}]}"#, Refused, Control::Ok(Dist)),
    ]),
    // Native: partner discounts
    foreign("native_list_discounts", &[
        case("B's customer", "/native/v1/discounts?customer_id=$c", "", NoEffect, Control::Shows(Dist, "discount")),
    ]),
    foreign("native_grant_discount", &[
        case("to B's customer", "/native/v1/discounts", r#"{"customer_id":"$c","discount_ratio":0.9}"#, Refused, Control::Ok(Dist)),
    ]),
    foreign("native_revoke_discount", &[
        case("B's discount", "/native/v1/discounts/$discount2", "", Refused, Control::Ok(Dist)),
    ]),
];

// ------------------------------------------------------------------------------------------------
// The console matrix: one entry per (METHOD, PATH) of `console_routes()`. Controls run in table
// order, after every foreign cell, before the API's: the delegation group comes first because
// A's reseller delegates in its control, which the reseller views further down rely on.

#[rustfmt::skip]
const CONSOLE: &[ConsoleEntry] = &[
    // The distributor → reseller tree
    page("POST", "/console/delegation", &[Reseller], &[
        case("delegate to B's distributor", "/console/delegation", "distributor_id=$d&consent=yes", Refused, Control::Ok(Reseller)),
    ]),
    page_nothing("POST", "/console/delegation/cancel", &[Reseller], "cancels the caller's own delegation; names nothing", Probe::RefusalsOnly("/console/delegation/cancel", "")),
    page_nothing("GET", "/console/delegation", &[Reseller], "the caller's own delegation", Probe::Read("/console/delegation", "")),
    page_nothing("GET", "/console/resellers", &[Dist], "the caller's own resellers", Probe::Read("/console/resellers", "")),
    page_nothing("GET", "/console/resellers.csv", &[Dist], "the caller's own resellers", Probe::Read("/console/resellers.csv", "")),
    page_nothing("GET", "/console/resellers.xlsx", &[Dist], "the caller's own resellers", Probe::Read("/console/resellers.xlsx", "")),
    page("GET", "/console/partners/{id}", OPS, &[
        case("B's distributor", "/console/partners/$d", "", Refused, Control::Shows(Operator, "d_name")),
    ]),
    // Home, login, language
    page_nothing("GET", "/console", ALL, "the caller's own home page", Probe::Read("/console", "")),
    page_nothing("GET", "/console/", ALL, "the caller's own home page", Probe::Read("/console/", "")),
    page_nothing("GET", "/console/login", ALL, "the login form (a session is sent home)", Probe::Read("/console/login", "")),
    page_nothing("POST", "/console/login", ALL, "checks a login name and password; names no tenant's object", Probe::NotSent),
    page_nothing("POST", "/console/logout", ALL, "ends the caller's own session", Probe::NotSent),
    page_nothing("POST", "/console/lang", ALL, "sets the caller's own language", Probe::NotSent),
    page_nothing("GET", "/console/static/console.css", ALL, "a static stylesheet", Probe::Read("/console/static/console.css", "")),
    // Operator pages
    page_nothing("GET", "/console/partners", OPS, "operators list every partner by design", Probe::Read("/console/partners", "")),
    page_nothing("GET", "/console/partners.csv", OPS, "operators list every partner by design", Probe::Read("/console/partners.csv", "")),
    page_nothing("GET", "/console/partners.xlsx", OPS, "operators list every partner by design", Probe::Read("/console/partners.xlsx", "")),
    page_nothing("GET", "/console/outbox", OPS, "operators read the whole outbox by design", Probe::Read("/console/outbox", "")),
    page_nothing("GET", "/console/outbox.csv", OPS, "operators export the whole outbox by design", Probe::Read("/console/outbox.csv", "")),
    page_nothing("GET", "/console/outbox.xlsx", OPS, "operators export the whole outbox by design", Probe::Read("/console/outbox.xlsx", "")),
    page_nothing("GET", "/console/audit", OPS, "operators read the whole audit log by design", Probe::Read("/console/audit", "")),
    page_nothing("GET", "/console/audit.csv", OPS, "operators export the whole audit log by design", Probe::Read("/console/audit.csv", "")),
    page_nothing("GET", "/console/audit.xlsx", OPS, "operators export the whole audit log by design", Probe::Read("/console/audit.xlsx", "")),
    page("GET", "/console/transfers/{id}", OPS, &[
        case("B's transfer", "/console/transfers/$transfer", "", Refused, Control::Shows(Operator, "transfer")),
    ]),
    // Access keys
    page_nothing("GET", "/console/access-keys", ADMINS_OPS, "the caller's own keys", Probe::Read("/console/access-keys", "")),
    page_nothing("POST", "/console/access-keys", ADMINS_OPS, "creates a key for the caller's own partner", Probe::RefusalsOnly("/console/access-keys", "description=x")),
    page("POST", "/console/access-keys/{ak}/revoke", ADMINS_OPS, &[
        case("B's second key", "/console/access-keys/$d_ak2/revoke", "", Refused, Control::Ok(Dist)),
        case("B's first key", "/console/access-keys/$d_ak/revoke", "", Refused,
            Control::No("it would revoke the key A's API controls sign with; the case above runs the same form")),
    ]),
    // Customers and association
    page("GET", "/console/customers", PARTNER_USERS_OPS, &[
        case("B's reseller's customers", "/console/customers?reseller=$r", "", Refused, Control::Shows(Dist, "rc")),
        case("B's customer's account name", "/console/customers?account_name=$c_name", "", NoEffect, Control::Shows(Dist, "c")),
        case("B's distributor (an operator's filter)", "/console/customers?partner=$d", "", NoEffect, Control::Shows(Dist, "c")),
    ]),
    page("GET", "/console/customers.csv", PARTNER_USERS_OPS, &[
        case("B's reseller's customers", "/console/customers.csv?reseller=$r", "", Refused, Control::Shows(Dist, "rc")),
        case("B's customer's account name", "/console/customers.csv?account_name=$c_name", "", NoEffect, Control::Shows(Dist, "c")),
        case("B's distributor (an operator's filter)", "/console/customers.csv?partner=$d", "", NoEffect, Control::Shows(Dist, "c")),
    ]),
    page("GET", "/console/customers.xlsx", PARTNER_USERS_OPS, &[
        case("B's reseller's customers", "/console/customers.xlsx?reseller=$r", "", Refused, Control::Shows(Dist, "rc")),
        case("B's customer's account name", "/console/customers.xlsx?account_name=$c_name", "", NoEffect, Control::Shows(Dist, "c")),
        case("B's distributor (an operator's filter)", "/console/customers.xlsx?partner=$d", "", NoEffect, Control::Shows(Dist, "c")),
    ]),
    page("GET", "/console/customers/{id}", PARTNER_USERS_OPS, &[
        case("B's customer", "/console/customers/$c", "", Refused, Control::Shows(Dist, "c_name")),
        case("B's reseller's customer", "/console/customers/$rc", "", Refused, Control::Shows(Dist, "rc_name")),
    ]),
    page("GET", "/console/customers/{id}/history.csv", PARTNER_USERS_OPS, &[
        case("B's customer", "/console/customers/$c/history.csv", "", Refused, Control::Shows(Dist, "d_name")),
        case("B's reseller's customer", "/console/customers/$rc/history.csv", "", Refused, Control::Shows(Dist, "r_name")),
    ]),
    page("GET", "/console/customers/{id}/history.xlsx", PARTNER_USERS_OPS, &[
        case("B's customer", "/console/customers/$c/history.xlsx", "", Refused, Control::Shows(Dist, "d_name")),
    ]),
    page("POST", "/console/customers/{id}/unbind", ADMINS_OPS, &[
        case("B's customer", "/console/customers/$c2/unbind", "", Refused, Control::Ok(Dist)),
    ]),
    page_nothing("POST", "/console/my-partner/unbind", CUSTOMERS, "ends the caller's own association; names nothing", Probe::NotSent),
    // Coupons and quotas
    page("GET", "/console/vouchers", PARTNER_USERS, &[
        case("B's customer", "/console/vouchers?customer_id=$c", "", NoEffect, Control::Shows(Dist, "coupon")),
    ]),
    page("GET", "/console/cash-coupons", PARTNER_USERS, &[
        case("B's customer", "/console/cash-coupons?customer_id=$c", "", NoEffect, Control::Ok(Dist)),
    ]),
    page_nothing("GET", "/console/coupons/records.csv", PARTNER_USERS, "the caller's own records, unfiltered", Probe::Read("/console/coupons/records.csv?type=voucher", "")),
    page_nothing("GET", "/console/coupons/quotas.csv", PARTNER_USERS_OPS, "the caller's own quotas (operators list every quota by design)", Probe::Read("/console/coupons/quotas.csv?type=voucher", "")),
    page_nothing("GET", "/console/coupons/quotas.xlsx", PARTNER_USERS_OPS, "the caller's own quotas (operators list every quota by design)", Probe::Read("/console/coupons/quotas.xlsx", "")),
    page_nothing("GET", "/console/coupons/records.xlsx", PARTNER_USERS, "the caller's own records, unfiltered", Probe::Read("/console/coupons/records.xlsx?type=voucher", "")),
    page("GET", "/console/coupons/issued.csv", PARTNER_USERS, &[
        case("B's customer", "/console/coupons/issued.csv?type=voucher&customer_id=$c", "", NoEffect, Control::Shows(Dist, "coupon")),
    ]),
    page("GET", "/console/coupons/issued.xlsx", PARTNER_USERS, &[
        case("B's customer", "/console/coupons/issued.xlsx?type=voucher&customer_id=$c", "", NoEffect, Control::Shows(Dist, "coupon")),
    ]),
    page("POST", "/console/coupons/issue", ADMINS, &[
        case("to B's customer", "/console/coupons/issue", "type=voucher&quota_id=@quota&customer_ids=$c&face_value=1", Logged, Control::Ok(Dist)),
        case("from B's quota", "/console/coupons/issue", "type=voucher&quota_id=$quota&customer_ids=@c&face_value=1", Back, Control::Ok(Dist)),
    ]),
    page("POST", "/console/coupons/recall", ADMINS, &[
        case("B's coupon", "/console/coupons/recall", "back=/console/vouchers&one=$coupon2", Back, Control::Ok(Dist)),
    ]),
    page_nothing("GET", "/console/my-coupons", CUSTOMERS, "the caller's own coupons", Probe::Read("/console/my-coupons", "")),
    page_nothing("GET", "/console/quotas", OPS, "operators list every quota by design", Probe::Read("/console/quotas", "")),
    page("POST", "/console/quotas", OPS, &[
        case("grant B's distributor a quota", "/console/quotas", "partner_id=$d&type=voucher&amount=1", Refused, Control::Ok(Operator)),
    ]),
    page("POST", "/console/quotas/adjust", OPS, &[
        case("top up B's quota", "/console/quotas/adjust", "quota_id=$quota&amount=1", Refused, Control::Ok(Operator)),
    ]),
    // Catalogue, quotes, orders
    page_nothing("GET", "/console/catalog", ALL, CATALOGUE, Probe::Read("/console/catalog", "")),
    page_nothing("GET", "/console/catalog/quote", CUSTOMERS, "prices for the caller itself", Probe::Read("/console/catalog/quote?product=ecs-s6-small-1-linux&period=month&count=1&quantity=1", "")),
    page_nothing("POST", "/console/catalog/order", CUSTOMERS, "orders for the caller itself", Probe::RefusalsOnly("/console/catalog/order", "product=ecs-s6-small-1-linux&period=month&count=1&quantity=1")),
    page_nothing("GET", "/console/catalog/product", OPS, CATALOGUE, Probe::Read("/console/catalog/product?id=ecs-s6-small-1-linux", "")),
    page_nothing("POST", "/console/catalog/product", OPS, CATALOGUE, Probe::RefusalsOnly("/console/catalog/product", "product_id=ecs-s6-small-1-linux")),
    page_nothing("GET", "/console/catalog/types", OPS, CATALOGUE, Probe::Read("/console/catalog/types", "")),
    page_nothing("POST", "/console/catalog/service-types", OPS, CATALOGUE, Probe::RefusalsOnly("/console/catalog/service-types", "code=hws.service.type.ec2")),
    page_nothing("POST", "/console/catalog/resource-types", OPS, CATALOGUE, Probe::RefusalsOnly("/console/catalog/resource-types", "code=hws.resource.type.vm")),
    page("GET", "/console/orders", ALL, &[
        case("B's reseller's customers' orders", "/console/orders?view=resellers&reseller=$r", "", NoEffect, Control::Shows(Dist, "rc_order")),
    ]),
    page("GET", "/console/orders.csv", ALL, &[
        case("B's reseller's customers' orders", "/console/orders.csv?view=resellers&reseller=$r", "", NoEffect, Control::Shows(Dist, "rc_order")),
    ]),
    page("GET", "/console/orders.xlsx", ALL, &[
        case("B's reseller's customers' orders", "/console/orders.xlsx?view=resellers&reseller=$r", "", NoEffect, Control::Shows(Dist, "rc_order")),
    ]),
    page("GET", "/console/orders/{id}", ALL, &[
        case("B's order", "/console/orders/$order", "", Refused, Control::Shows(Customer, "order")),
        case("B's reseller's customer's order", "/console/orders/$rc_order", "", Refused, Control::Shows(Reseller, "rc_order")),
    ]),
    page("POST", "/console/orders/{id}/pay", CUSTOMERS, &[
        case("B's order", "/console/orders/$order_cpay/pay", "", Refused, Control::Ok(Customer)),
        case("A's order with B's coupon", "/console/orders/@order_cpay2/pay", "coupon=$coupon4", Refused, Control::Ok(Customer)),
        case("A's order with B's discount", "/console/orders/@order_cpay3/pay", "discount=$discount", Refused, Control::Ok(Customer)),
    ]),
    page("POST", "/console/orders/{id}/cancel", CUSTOMERS, &[
        case("B's order", "/console/orders/$order_ccancel/cancel", "", Refused, Control::Ok(Customer)),
    ]),
    page("POST", "/console/orders/{id}/adjust", OPS, &[
        case("B's order", "/console/orders/$order/adjust", "amount=1&reason=goodwill", Refused, Control::Ok(Operator)),
    ]),
    page_nothing("GET", "/console/capability", &[Dist], "the caller's own return URLs", Probe::Read("/console/capability", "")),
    page_nothing("POST", "/console/capability", &[Dist], "sets the caller's own return URLs", Probe::RefusalsOnly("/console/capability", "topup_url=https%3A%2F%2Fshop.example.com%2Ftopup")),
    page_nothing("POST", "/console/capability/clear", &[Dist], "clears the caller's own return URLs", Probe::RefusalsOnly("/console/capability/clear", "")),
    // Resources
    page("GET", "/console/resources", CUSTOMERS, &[
        case("B's paid order", "/console/resources?order_id=$order_paid", "", NoEffect, Control::Shows(Customer, "res")),
    ]),
    page("GET", "/console/resources.csv", CUSTOMERS, &[
        case("B's paid order", "/console/resources.csv?order_id=$order_paid", "", NoEffect, Control::Shows(Customer, "res")),
    ]),
    page("GET", "/console/resources.xlsx", CUSTOMERS, &[
        case("B's paid order", "/console/resources.xlsx?order_id=$order_paid", "", NoEffect, Control::Shows(Customer, "res")),
    ]),
    page("POST", "/console/resources/{id}/renew", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_crenew/renew", "period=month&count=1", Refused, Control::Ok(Customer)),
    ]),
    page("POST", "/console/resources/{id}/auto-renew", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_cauto/auto-renew", "", Refused, Control::Ok(Customer)),
    ]),
    page("POST", "/console/resources/{id}/auto-renew/cancel", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_cauto/auto-renew/cancel", "", Refused, Control::Ok(Customer)),
    ]),
    page("GET", "/console/resources/{id}/unsubscribe", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_cunsub/unsubscribe", "", Refused, Control::Shows(Customer, "res_cunsub")),
    ]),
    page("POST", "/console/resources/{id}/unsubscribe", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_cunsub/unsubscribe", "type=1&reason_type=5&reason=moving&confirm_fee=yes", Refused, Control::Ok(Customer)),
    ]),
    page("GET", "/console/resources/{id}/change", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_change/change", "", Refused, Control::Shows(Customer, "res_change")),
    ]),
    page("POST", "/console/resources/{id}/change", CUSTOMERS, &[
        case("B's resource", "/console/resources/$res_change/change", "product_id=ecs-s6-large-2-linux", Refused, Control::Ok(Customer)),
    ]),
    // Promotions and discounts
    page_nothing("GET", "/console/promotions", OPS, "platform promotions belong to no tenant", Probe::Read("/console/promotions", "")),
    page_nothing("GET", "/console/promotions.csv", OPS, "platform promotions belong to no tenant", Probe::Read("/console/promotions.csv", "")),
    page_nothing("GET", "/console/promotions.xlsx", OPS, "platform promotions belong to no tenant", Probe::Read("/console/promotions.xlsx", "")),
    page_nothing("POST", "/console/promotions", OPS, "platform promotions belong to no tenant", Probe::RefusalsOnly("/console/promotions", "name=x&ratio=0.9&first_day=2026-01-01&last_day=2026-01-02")),
    page_nothing("POST", "/console/promotions/{id}/revoke", OPS, "platform promotions belong to no tenant", Probe::RefusalsOnly("/console/promotions/pr-none/revoke", "")),
    page_nothing("GET", "/console/discounts", ADMINS_OPS, "the caller's own discounts (an operator's: the floor)", Probe::Read("/console/discounts?revoked=1", "")),
    page_nothing("GET", "/console/discounts.csv", ADMINS, "the caller's own discounts: the session says whose", Probe::Read("/console/discounts.csv?revoked=1", "")),
    page_nothing("GET", "/console/discounts.xlsx", ADMINS, "the caller's own discounts: the session says whose", Probe::Read("/console/discounts.xlsx?revoked=1", "")),
    page("POST", "/console/discounts", ADMINS, &[
        case("to B's customer", "/console/discounts", "customer_id=$c&ratio=0.9", Refused, Control::Ok(Dist)),
    ]),
    page_nothing("POST", "/console/discounts/floor", OPS, "the discount floor is one platform setting", Probe::RefusalsOnly("/console/discounts/floor", "ratio=0.75")),
    page("POST", "/console/discounts/{id}/revoke", ADMINS, &[
        case("B's discount", "/console/discounts/$discount3/revoke", "", Refused, Control::Ok(Dist)),
    ]),
    // Funds
    page("GET", "/console/funds", ADMINS_OPS, &[
        case("B's transfer", "/console/funds?transfer=$transfer", "", NoEffect, Control::Shows(Dist, "transfer")),
    ]),
    page_nothing("GET", "/console/funds.csv", &[Dist, Reseller], "the caller's own cash account's records: the session says whose", Probe::Read("/console/funds.csv", "")),
    page_nothing("GET", "/console/funds.xlsx", &[Dist, Reseller], "the caller's own cash account's records: the session says whose", Probe::Read("/console/funds.xlsx", "")),
    page("GET", "/console/funds/credit", OPS, &[
        case("B's distributor", "/console/funds/credit?partner=$d", "", Refused, Control::Shows(Operator, "d_name")),
    ]),
    page("POST", "/console/funds/credit", OPS, &[
        case("credit B's distributor", "/console/funds/credit", "partner_id=$d&amount=1&memo=x", Refused, Control::Ok(Operator)),
    ]),
    page("POST", "/console/funds/customers", ADMINS, &[
        case("allocate to B's customer", "/console/funds/customers", "op=allocate&customer_id=$c&amount=1", Refused, Control::Ok(Dist)),
        case("reclaim from B's customer", "/console/funds/customers", "op=reclaim&customer_id=$c&amount=1", Refused, Control::Ok(Dist)),
    ]),
    page("POST", "/console/funds/resellers", ADMINS, &[
        case("allocate to B's reseller", "/console/funds/resellers", "op=allocate&reseller_id=$r&amount=1", Refused, Control::Ok(Dist)),
        case("reclaim from B's reseller", "/console/funds/resellers", "op=reclaim&reseller_id=$r&amount=1", Refused, Control::Ok(Dist)),
    ]),
    // Invites
    page_nothing("GET", "/console/invites", PARTNER_USERS, "the caller's own links", Probe::Read("/console/invites", "")),
    page_nothing("GET", "/console/invites.csv", PARTNER_USERS, "the caller's own links", Probe::Read("/console/invites.csv", "")),
    page_nothing("GET", "/console/invites.xlsx", PARTNER_USERS, "the caller's own links", Probe::Read("/console/invites.xlsx", "")),
    page_nothing("GET", "/console/invites/records.csv", PARTNER_USERS, "the caller's own links' records", Probe::Read("/console/invites/records.csv", "")),
    page_nothing("GET", "/console/invites/records.xlsx", PARTNER_USERS, "the caller's own links' records", Probe::Read("/console/invites/records.xlsx", "")),
    page_nothing("POST", "/console/invites", PARTNER_USERS, "creates a link for the caller's own partner", Probe::RefusalsOnly("/console/invites", "kind=generic&association_type=1")),
    page("POST", "/console/invites/{id}/disable", ADMINS, &[
        case("B's link", "/console/invites/$invite2/disable", "", Refused, Control::Ok(Dist)),
    ]),
    page("GET", "/console/invites/{id}/qr.svg", PARTNER_USERS, &[
        case("B's link", "/console/invites/$invite/qr.svg", "", Refused, Control::Ok(Dist)),
    ]),
    page("GET", "/console/invites/{id}/qr.png", PARTNER_USERS, &[
        case("B's link", "/console/invites/$invite/qr.png", "", Refused, Control::Ok(Dist)),
    ]),
    page("GET", "/join/{token}", ALL, &[
        case("B's link id as a token", "/join/$invite", "", Refused, Control::No(JOIN_ID)),
    ]),
    page("POST", "/join/{token}/code", ALL, &[
        case("B's link id as a token", "/join/$invite/code", "mobile=13712345678", Refused, Control::No(JOIN_ID)),
    ]),
    page("POST", "/join/{token}/register", ALL, &[
        case("B's link id as a token", "/join/$invite/register", "mobile=13712345678&code=123456&account_name=tn-joiner&password=Passw0rd%21&agree=1", Refused,
            Control::No(JOIN_ID)),
    ]),
    page("POST", "/join/{token}/login", ALL, &[
        case("B's link id as a token", "/join/$invite/login", "login=@c_name&password=Passw0rd%21&agree=1", Refused, Control::No(JOIN_ID)),
    ]),
    page("GET", "/join/{token}/done", ALL, &[
        // The page shows the visitor's own association; the token only builds the way back.
        case("B's token", "/join/$invite_token/done", "", NoEffect, Control::Shows(Customer, "d_name")),
    ]),
    // Staff
    page("GET", "/console/staff", ADMINS_OPS, &[
        case("B's distributor (an operator's parameter)", "/console/staff?partner=$d", "", NoEffect, Control::Shows(Dist, "staff_login")),
    ]),
    page("GET", "/console/staff.csv", ADMINS_OPS, &[
        case("B's distributor (an operator's parameter)", "/console/staff.csv?partner=$d", "", NoEffect, Control::Shows(Dist, "staff_login")),
    ]),
    page("GET", "/console/staff.xlsx", ADMINS_OPS, &[
        case("B's distributor (an operator's parameter)", "/console/staff.xlsx?partner=$d", "", NoEffect, Control::Shows(Dist, "staff_login")),
    ]),
    page("POST", "/console/staff", ADMINS_OPS, &[
        case("a user for B's distributor", "/console/staff", "partner=$d&login=tn-new-staff&display_name=x&password=short", NoEffect,
            Control::No("the password rule refuses this form on purpose: a partner admin's `partner` field is ignored (its own partner is used), so a valid form would add a user to A, not B")),
    ]),
    page("POST", "/console/staff/{id}/disable", ADMINS_OPS, &[
        case("B's staff member", "/console/staff/$staff2/disable", "partner=$d", Refused, Control::Ok(Dist)),
    ]),
    page("POST", "/console/staff/{id}/enable", ADMINS_OPS, &[
        case("B's staff member", "/console/staff/$staff2/enable", "partner=$d", Refused, Control::Ok(Dist)),
    ]),
    page("POST", "/console/staff/{id}/password", ADMINS_OPS, &[
        case("B's staff member", "/console/staff/$staff2/password", "partner=$d&password=N3wPassw0rd%21", Refused, Control::Ok(Dist)),
    ]),
    // Top-ups
    page("GET", "/console/topup", &[SelfPay], &[
        case("for B's order", "/console/topup?order_id=$cc_order&amount=10", "", NoEffect, Control::Shows(SelfPay, "cc_order")),
    ]),
    page("POST", "/console/topup", &[SelfPay], &[
        case("for B's order", "/console/topup", "amount=10&reference=tn-ref-new&order_id=$cc_order", Refused, Control::Ok(SelfPay)),
    ]),
    page("POST", "/console/topup/{id}/cancel", &[SelfPay], &[
        case("B's request", "/console/topup/$topup2/cancel", "", Refused, Control::Ok(SelfPay)),
    ]),
    page_nothing("GET", "/console/invoices", &[Dist, Reseller, Customer, SelfPay, Operator], "the caller's own requests and the queue it issues: the session says whose", Probe::Read("/console/invoices", "")),
    page_nothing("GET", "/console/invoices.csv", &[Dist, Reseller, Customer, SelfPay, Operator], "the caller's own requests and the queue it issues: the session says whose", Probe::Read("/console/invoices.csv?list=queue", "")),
    page_nothing("GET", "/console/invoices.xlsx", &[Dist, Reseller, Customer, SelfPay, Operator], "the caller's own requests and the queue it issues: the session says whose", Probe::Read("/console/invoices.xlsx?list=mine", "")),
    page_nothing("POST", "/console/invoices", &[Dist, Reseller, Customer, SelfPay], "the caller's own consumption: the session says whose", Probe::RefusalsOnly("/console/invoices", "month=%7C2026-11")),
    page_nothing("POST", "/console/invoices/profile", &[Dist, Reseller, Customer, SelfPay], "the caller's own profile: the session says whose", Probe::RefusalsOnly("/console/invoices/profile", "title=")),
    page("POST", "/console/invoices/{id}/{action}", &[Dist, Reseller, Customer, SelfPay, Operator], &[
        case("B's customer's request", "/console/invoices/$invoice/approve", "", Refused, Control::Ok(Dist)),
    ]),
    page("GET", "/console/bills", &[Dist, Reseller, Customer, SelfPay, Operator], &[
        case("B's customer's records", "/console/bills?cycle=2026-11&customer=$c", "", NoEffect, Control::Ok(Dist)),
    ]),
    page_nothing("GET", "/console/clock", OPS, "the deployment's one test clock (404 unless serve --test-clock)", Probe::Read("/console/clock", "")),
    page_nothing("POST", "/console/clock", OPS, "the deployment's one test clock", Probe::RefusalsOnly("/console/clock", "action=reset")),
    page_nothing("GET", "/console/usage", CUSTOMERS, "the caller's own usage, packages and arrears: the session says whose", Probe::Read("/console/usage?resources_offset=0&packages_offset=0&deductions_offset=0", "")),
    page_nothing("GET", "/console/usage.csv", CUSTOMERS, "the caller's own deductions: the session says whose", Probe::Read("/console/usage.csv", "")),
    page_nothing("GET", "/console/usage.xlsx", CUSTOMERS, "the caller's own deductions: the session says whose", Probe::Read("/console/usage.xlsx", "")),
    page_nothing("GET", "/console/bills.csv", &[Dist, Reseller, Customer, SelfPay, Operator], "the caller's own records or customers' month (operators list every month by design): the session says whose", Probe::Read("/console/bills.csv?cycle=2026-11", "")),
    page_nothing("GET", "/console/bills.xlsx", &[Dist, Reseller, Customer, SelfPay, Operator], "the caller's own records or customers' month (the CSV's rows): the session says whose", Probe::Read("/console/bills.xlsx?cycle=2026-11", "")),
    page_nothing("GET", "/console/topups", OPS, "operators review every request by design", Probe::Read("/console/topups?status=pending", "")),
    page_nothing("GET", "/console/topups.csv", &[SelfPay, Operator], "a customer's own requests (operators review every request by design)", Probe::Read("/console/topups.csv?status=pending", "")),
    page_nothing("GET", "/console/topups.xlsx", &[SelfPay, Operator], "a customer's own requests (operators review every request by design)", Probe::Read("/console/topups.xlsx?status=pending", "")),
    page("POST", "/console/topups/{id}/confirm", OPS, &[
        case("B's request", "/console/topups/$topup/confirm", "", Refused, Control::Ok(Operator)),
    ]),
    page("POST", "/console/topups/{id}/reject", OPS, &[
        case("B's request", "/console/topups/$topup3/reject", "reason=no+such+transfer", Refused, Control::Ok(Operator)),
    ]),
    page_nothing("POST", "/console/topups/instructions", OPS, "the transfer instructions are one platform setting", Probe::RefusalsOnly("/console/topups/instructions", "text=x")),
];

/// The other routes of the application (neither API nor console), read anonymously.
const OTHER: &[&str] = &["/", "/healthz", "/readyz", "/metrics", "/openapi.json"];

// ------------------------------------------------------------------------------------------------
// Coverage: the tables against the operation tables and the console's router

fn segments_match(pattern: &str, template: &str) -> bool {
    let path = template.split('?').next().unwrap_or("");
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = path.split('/').collect();
    p.len() == t.len()
        && p.iter()
            .zip(&t)
            .all(|(a, b)| (a.starts_with('{') && !b.is_empty()) || a == b)
}

/// Problems of one entry's own: every "no tenant input" and every missing control says why.
fn reasons(key: &str, input: &Input) -> Vec<String> {
    let mut out = Vec::new();
    match input {
        Input::Nothing { why, .. } if why.trim().is_empty() => {
            out.push(format!("{key}: no tenant-owned input, but no reason given"))
        }
        Input::Foreign(cases) => {
            if cases.is_empty() {
                out.push(format!("{key}: no case"));
            }
            for c in *cases {
                if let Control::No(why) = c.control {
                    if why.trim().is_empty() {
                        out.push(format!("{key} ({}): no control, and no reason", c.what));
                    }
                }
            }
        }
        Input::Nothing { .. } => {}
    }
    out
}

fn templates(input: &Input) -> Vec<&'static str> {
    match input {
        Input::Foreign(cases) => cases.iter().map(|c| c.path).collect(),
        Input::Nothing {
            probe: Probe::Read(p, _) | Probe::RefusalsOnly(p, _),
            ..
        } => vec![*p],
        Input::Nothing { .. } => Vec::new(),
    }
}

/// Every operation and route has exactly one entry, every entry names one that exists, and every
/// template fits its path.
fn coverage() -> Vec<String> {
    let mut out = Vec::new();
    let ops: BTreeMap<&str, &partner_center::http::bss::Operation> =
        partner_center::http::bss::operations()
            .chain(partner_center::http::native::operations())
            .map(|o| (o.name, o))
            .collect();
    let mut seen = BTreeSet::new();
    for e in API {
        if !seen.insert(e.op) {
            out.push(format!("API entry {} appears twice", e.op));
        }
        out.extend(reasons(e.op, &e.input));
        match ops.get(e.op) {
            None => out.push(format!(
                "API entry {} names no operation of the tables",
                e.op
            )),
            Some(op) => {
                for t in templates(&e.input) {
                    if !segments_match(op.path, t) {
                        out.push(format!("{}: template {t} does not fit {}", e.op, op.path));
                    }
                }
            }
        }
    }
    for name in ops.keys() {
        if !seen.contains(name) {
            out.push(format!(
                "operation {name} has no entry in the tenant matrix"
            ));
        }
    }
    let routes: BTreeSet<(String, String)> = console_routes()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path))
        .collect();
    let mut seen = BTreeSet::new();
    for e in CONSOLE {
        let key = (e.method.to_string(), e.route.to_string());
        if !seen.insert(key.clone()) {
            out.push(format!(
                "console entry {} {} appears twice",
                e.method, e.route
            ));
        }
        if !routes.contains(&key) {
            out.push(format!(
                "console entry {} {} names no route of the console",
                e.method, e.route
            ));
        }
        for t in templates(&e.input) {
            if !segments_match(e.route, t) {
                out.push(format!(
                    "{} {}: template {t} does not fit",
                    e.method, e.route
                ));
            }
        }
    }
    for (m, p) in &routes {
        if !seen.contains(&(m.clone(), p.clone())) {
            out.push(format!(
                "console route {m} {p} has no entry in the tenant matrix"
            ));
        }
    }
    out
}

#[test]
fn proof_tenants_matrix_names_every_operation_and_route() {
    let problems = coverage();
    assert!(problems.is_empty(), "{problems:#?}");
    // The source parser really found the console (a broken parser must not pass as "no routes").
    assert!(console_routes().len() > 50);
}

// ------------------------------------------------------------------------------------------------
// The two trees

type Vars = BTreeMap<&'static str, String>;

struct Tenant {
    v: Vars,
    d: partners::CreatedPartner,
    r: partners::CreatedPartner,
    c: customers::CreatedCustomer,
    /// Amounts as pages and answers print them (balances, grants, top-ups, the discount ratio).
    amounts: Vec<String>,
}

fn partner_ctx(partner_id: &str, root_id: &str) -> Ctx {
    Ctx::new(
        Actor::Partner {
            partner_id: partner_id.into(),
            root_id: root_id.into(),
            user_id: Some("u-setup".into()),
            role: UserRole::PartnerAdmin,
        },
        "req-tenants",
        NOW_MS,
    )
}

async fn new_partner(
    app: &TestApp,
    name: String,
    t: PartnerType,
    parent: Option<&str>,
    login: String,
) -> partners::CreatedPartner {
    partners::create(
        &app.db,
        ctx(),
        app.mk.clone(),
        partners::NewPartner {
            name,
            partner_type: t,
            parent_id: parent.map(str::to_string),
            login: Some(login),
            password: Some(PW.into()),
        },
    )
    .await
    .unwrap_or_else(|e| panic!("{}: creating a partner: {e}", app.engine))
}

/// Places and pays a one-month ECS order of `n` for the customer; (order id, resource ids).
async fn paid(app: &TestApp, creds: &Creds, customer_id: &str, n: i64) -> (String, Vec<String>) {
    let (o, _) = shop::place(
        app,
        customer_id,
        vec![shop::item(
            "ecs-s6-small-1-linux",
            PeriodType::Month,
            1,
            n,
            None,
        )],
    )
    .await;
    let r = call(app, creds, "POST", PAY, &shop::pay_body(&o)).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    let j = resources_of(app, creds, json!({"order_id": o, "limit": 100})).await;
    let ids = j["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap().to_string())
        .collect();
    (o, ids)
}

/// One complete tree. `salt` (cents) makes every amount of the tree its own.
/// A resale customer's invoice request for November (its paid order), to its partner, made on
/// December 4th (the 3rd-of-the-month rule).
async fn invoice_request(app: &TestApp, customer_id: &str, partner_id: &str) -> String {
    use pc_app::services::invoices::{self, NewRequest, Profile, Selection};
    let mut cctx = cust_ctx(app, customer_id);
    cctx.now_ms = pc_domain::timefmt::parse_utc("2026-12-04T02:00:00Z").unwrap();
    invoices::save_profile(
        &app.db,
        cctx.clone(),
        Profile {
            title_type: pc_domain::invoices::TitleType::Enterprise,
            title: "Tenant Ltd".into(),
            tax_id: None,
            mailing_address: None,
        },
    )
    .await
    .unwrap();
    invoices::submit(
        &app.db,
        cctx,
        NewRequest {
            issuer_partner_id: partner_id.into(),
            selection: Selection::Months(vec!["2026-11".into()]),
            special: false,
            paper: false,
            remark: None,
        },
    )
    .await
    .unwrap()
    .id
}

async fn tenant(app: &TestApp, tag: &str, salt: i64, delegated: bool) -> Tenant {
    let title = format!("{}{}", tag[..1].to_uppercase(), &tag[1..]);
    let cents = |c: i64| Money::from_cents(c + salt);
    let mut v = Vars::new();
    let mut amounts = Vec::new();

    let d = new_partner(
        app,
        format!("{title} Distributor"),
        PartnerType::Distributor,
        None,
        format!("{tag}-dist"),
    )
    .await;
    let r = new_partner(
        app,
        format!("{title} Reseller"),
        PartnerType::Reseller,
        Some(&d.partner_id),
        format!("{tag}-resl"),
    )
    .await;
    for (p, n) in [(&d, 1000), (&r, 2000)] {
        partners::update_profile(
            &app.db,
            ctx(),
            partners::ProfileChange {
                partner_id: p.partner_id.clone(),
                status: None,
                contact_mobile: Some(format!("137{:08}", n + salt)),
                contact_email: Some(format!("{}@{tag}.example.com", p.login)),
            },
        )
        .await
        .unwrap();
    }
    let dctx = partner_ctx(&d.partner_id, &d.partner_id);
    let rctx = partner_ctx(&r.partner_id, &d.partner_id);

    let c = app
        .customer(
            &d.partner_id,
            AssociationType::Resale,
            &format!("{tag}-cust"),
            "x",
        )
        .await;
    let c2 = app
        .customer(
            &d.partner_id,
            AssociationType::Resale,
            &format!("{tag}-spare"),
            "x",
        )
        .await;
    let rc = app
        .customer(
            &r.partner_id,
            AssociationType::Resale,
            &format!("{tag}-rcust"),
            "x",
        )
        .await;
    let cc = app
        .customer(
            &d.partner_id,
            AssociationType::Consulting,
            &format!("{tag}-ccust"),
            "x",
        )
        .await;
    let c_mobile = format!("139{:08}", 3000 + salt);
    customers::set_contact(
        &app.db,
        ctx(),
        customers::Contact {
            customer_id: Some(c.customer_id.clone()),
            mobile: Some(c_mobile.clone()),
            email: Some(format!("{tag}-cust@{tag}.example.com")),
        },
    )
    .await
    .unwrap();
    customers::set_contact(
        &app.db,
        ctx(),
        customers::Contact {
            customer_id: Some(rc.customer_id.clone()),
            mobile: Some(format!("139{:08}", 4000 + salt)),
            email: Some(format!("{tag}-rcust@{tag}.example.com")),
        },
    )
    .await
    .unwrap();
    if delegated {
        delegation::delegate(
            &app.db,
            rctx.clone(),
            delegation::Delegate {
                distributor_id: d.partner_id.clone(),
                consent: true,
            },
        )
        .await
        .unwrap();
    }

    // Money: the distributor's account, its customer's, its reseller's and the reseller's
    // customer's.
    app.credit(&d.partner_id, 5_000_000 + salt).await;
    amounts.push(cents(5_000_000).to_string());
    let a = cents(500_000);
    let m = funds::CustomerFunds {
        way: Way::Allocate,
        indirect_partner_id: None,
        customer_id: c.customer_id.clone(),
        amount: a,
    };
    let transfer = funds::move_customer_funds(&app.db, dctx.clone(), m)
        .await
        .unwrap();
    amounts.push(a.to_string());
    let a = cents(300_000);
    let m = funds::ResellerFunds {
        way: Way::Allocate,
        reseller_id: r.partner_id.clone(),
        amount: a,
    };
    funds::move_reseller_funds(&app.db, dctx.clone(), m)
        .await
        .unwrap();
    amounts.push(a.to_string());
    let a = cents(100_000);
    let m = funds::CustomerFunds {
        way: Way::Allocate,
        indirect_partner_id: None,
        customer_id: rc.customer_id.clone(),
        amount: a,
    };
    funds::move_customer_funds(&app.db, rctx.clone(), m)
        .await
        .unwrap();
    amounts.push(a.to_string());

    // Coupon quotas: two of the distributor's, each with a share granted to the reseller.
    let quota = shop::coupon_quota(app, &d.partner_id, QuotaType::Voucher, 10_000_000 + salt).await;
    let quota_b =
        shop::coupon_quota(app, &d.partner_id, QuotaType::Voucher, 5_000_000 + salt).await;
    amounts.push(cents(10_000_000).to_string());
    amounts.push(cents(5_000_000).to_string());
    let mut shares = Vec::new();
    for (q, amount) in [(&quota, 200_000), (&quota_b, 100_000)] {
        let (rp, q, a, x) = (r.partner_id.clone(), q.clone(), cents(amount), dctx.clone());
        let g = coupons::ResellerGrant {
            quota_id: q,
            reseller_ids: vec![rp],
            amount: a,
        };
        let out = coupons::grant_to_resellers(&app.db, x, g).await.unwrap();
        assert!(out.failed.is_empty(), "{:?}", out.failed);
        shares.push(out.done[0].1.clone());
        amounts.push(a.to_string());
    }
    let face = (1500 + salt) as f64 / 100.0;
    amounts.push(cents(1500).to_string());
    let (dcreds, rcreds) = (Creds::from(&d), Creds::from(&r));
    let mut coupon_ids = Vec::new();
    for _ in 0..4 {
        coupon_ids
            .push(shop::issue_coupon(app, &dcreds, &quota, &c.customer_id, face, json!({})).await);
    }
    let mut rcoupons = Vec::new();
    for _ in 0..2 {
        rcoupons.push(
            shop::issue_coupon(app, &rcreds, &shares[0], &rc.customer_id, face, json!({})).await,
        );
    }

    // Discounts granted to the resale customer.
    let ratio = if salt == 0 { "0.9" } else { "0.8765" };
    amounts.push(ratio.to_string());
    let mut discounts = Vec::new();
    for _ in 0..3 {
        let g = orders::DiscountGrant {
            customer_id: c.customer_id.clone(),
            product_id: None,
            ratio: Ratio::parse(ratio).unwrap(),
        };
        let row = orders::grant_discount(&app.db, dctx.clone(), g)
            .await
            .unwrap();
        discounts.push(row.grant.id);
    }

    // Orders: pending ones (each control that pays or cancels has its own), a paid one with its
    // resources (each control that renews, unsubscribes, changes or goes pay-per-use has its own),
    // a refund.
    let ccreds = Creds::from(&c);
    // B's pending orders buy three servers, A's one: their amounts tell the trees apart.
    let pending_order = |customer_id: String| async move {
        let n = if salt == 0 { 1 } else { 3 };
        let item = shop::item("ecs-s6-small-1-linux", PeriodType::Month, 1, n, None);
        shop::place(app, &customer_id, vec![item]).await
    };
    let mut pending = Vec::new();
    for _ in 0..9 {
        let (id, amount) = pending_order(c.customer_id.clone()).await;
        pending.push(id);
        amounts.push(amount.to_string());
    }
    let (order_paid, res) = paid(app, &ccreds, &c.customer_id, 11).await;
    assert_eq!(res.len(), 11, "{}", app.engine);
    let r_unsub = call(
        app,
        &ccreds,
        "POST",
        "/v2/orders/subscriptions/resources/unsubscribe",
        &json!({"resource_ids": [res[8]], "unsubscribe_type": 1, "unsubscribe_reason_type": 5, "unsubscribe_reason": "moving"}).to_string(),
    )
    .await;
    assert_eq!(r_unsub.status, 200, "{}: {}", app.engine, r_unsub.body);
    let refund = r_unsub.json()["order_ids"][0].as_str().unwrap().to_string();
    let rc_order = pending_order(rc.customer_id.clone()).await.0;
    let (rc_paid, rc_res) = paid(app, &Creds::from(&rc), &rc.customer_id, 1).await;
    let cc_order = pending_order(cc.customer_id.clone()).await.0;

    // Top-up requests of the self-paying customer.
    let mut topup_ids = Vec::new();
    for (i, amount) in [10_000, 20_000, 30_000].into_iter().enumerate() {
        let decl = topups::Declaration {
            amount: cents(amount),
            reference: format!("{tag}-ref-{i}"),
            order_id: None,
        };
        amounts.push(cents(amount).to_string());
        let x = cust_ctx(app, &cc.customer_id);
        topup_ids.push(topups::declare(&app.db, x, decl).await.unwrap().id);
    }

    // Staff, invite links, a second access key.
    let mut staff_ids = Vec::new();
    for login in [format!("{tag}-staff"), format!("{tag}-staff2")] {
        staff_ids.push(
            staff::create(
                &app.db,
                ctx(),
                staff::NewStaff {
                    partner_id: Some(d.partner_id.clone()),
                    login,
                    password: PW.into(),
                    display_name: Some(format!("{title} Staff")),
                },
            )
            .await
            .unwrap(),
        );
    }
    let mut links = Vec::new();
    for _ in 0..2 {
        links.push(
            invites::create_link(
                &app.db,
                dctx.clone(),
                NewLink {
                    kind: LinkKind::Generic,
                    custom_label: None,
                    association_type: AssociationType::Resale,
                },
            )
            .await
            .unwrap(),
        );
    }
    let key2 =
        identity::create_partner_key(&app.db, dctx.clone(), app.mk.clone(), "second key".into())
            .await
            .unwrap();

    // Balances as they stand.
    for (kind, id) in [
        (AccountKind::PartnerCash, &d.partner_id),
        (AccountKind::PartnerCash, &r.partner_id),
        (AccountKind::CustomerCash, &c.customer_id),
        (AccountKind::CustomerCash, &rc.customer_id),
    ] {
        let b = ledger::balance(app.db.read(), &ledger::account_id(kind, id))
            .await
            .unwrap();
        amounts.push(b.to_string());
    }

    let name_of = |p: &partners::CreatedPartner| {
        let id = p.partner_id.clone();
        async move {
            partners::get(app.db.read(), &id)
                .await
                .unwrap()
                .unwrap()
                .name
        }
    };
    v.insert("d", d.partner_id.clone());
    v.insert("d_domain", d.domain_id.clone());
    v.insert("d_name", name_of(&d).await);
    v.insert("d_login", d.login.clone());
    v.insert("d_xtype", d.xaccount_type.clone());
    v.insert("d_ak", d.access_key.clone());
    v.insert("d_ak2", key2.access_key.clone());
    v.insert("d_mobile", format!("137{:08}", 1000 + salt));
    v.insert("d_email", format!("{}@{tag}.example.com", d.login));
    v.insert("r", r.partner_id.clone());
    v.insert("r_domain", r.domain_id.clone());
    v.insert("r_name", name_of(&r).await);
    v.insert("r_login", r.login.clone());
    v.insert("r_xtype", r.xaccount_type.clone());
    v.insert("r_ak", r.access_key.clone());
    v.insert("r_mobile", format!("137{:08}", 2000 + salt));
    v.insert("c", c.customer_id.clone());
    v.insert("c_name", c.domain_name.clone());
    v.insert("c_real", format!("{} Ltd", c.domain_name));
    v.insert("c_mobile", c_mobile.clone());
    v.insert(
        "c_mobile_masked",
        format!("{}****{}", &c_mobile[..3], &c_mobile[c_mobile.len() - 4..]),
    );
    v.insert("c_email", format!("{tag}-cust@{tag}.example.com"));
    v.insert("c_ak", c.access_key.clone());
    v.insert("c2", c2.customer_id.clone());
    v.insert("c2_name", c2.domain_name.clone());
    v.insert("rc", rc.customer_id.clone());
    v.insert("rc_name", rc.domain_name.clone());
    v.insert("rc_mobile", format!("139{:08}", 4000 + salt));
    v.insert("cc", cc.customer_id.clone());
    v.insert("cc_name", cc.domain_name.clone());
    v.insert("staff", staff_ids[0].clone());
    v.insert("staff_login", format!("{tag}-staff"));
    v.insert("staff2", staff_ids[1].clone());
    v.insert("quota", quota);
    v.insert("quota_b", quota_b);
    v.insert("rquota", shares[0].clone());
    v.insert("rquota2", shares[1].clone());
    for (i, k) in ["coupon", "coupon2", "coupon3", "coupon4"]
        .iter()
        .enumerate()
    {
        v.insert(k, coupon_ids[i].clone());
    }
    v.insert("rcoupon", rcoupons[0].clone());
    v.insert("rcoupon2", rcoupons[1].clone());
    for (i, k) in [
        "order",
        "order_pay",
        "order_pay2",
        "order_pay3",
        "order_cancel",
        "order_cpay",
        "order_cpay2",
        "order_cpay3",
        "order_ccancel",
    ]
    .iter()
    .enumerate()
    {
        v.insert(k, pending[i].clone());
    }
    v.insert("order_paid", order_paid);
    v.insert(
        "invoice",
        invoice_request(app, &c.customer_id, &d.partner_id).await,
    );
    for (i, k) in [
        "res",
        "res_renew",
        "res_crenew",
        "res_auto",
        "res_cauto",
        "res_unsub",
        "res_cunsub",
        "res_change",
        "res_refunded",
        "res_ondemand",
        "res_instant",
    ]
    .iter()
    .enumerate()
    {
        v.insert(k, res[i].clone());
    }
    v.insert("refund", refund);
    v.insert("rc_order", rc_order);
    v.insert("rc_paid", rc_paid);
    v.insert("rc_res", rc_res[0].clone());
    v.insert("cc_order", cc_order);
    v.insert("topup", topup_ids[0].clone());
    v.insert("topup2", topup_ids[1].clone());
    v.insert("topup3", topup_ids[2].clone());
    v.insert("discount", discounts[0].clone());
    v.insert("discount2", discounts[1].clone());
    v.insert("discount3", discounts[2].clone());
    v.insert("invite", links[0].id.clone());
    v.insert("invite_token", links[0].token.clone());
    v.insert("invite2", links[1].id.clone());
    v.insert("transfer", transfer);
    Tenant {
        v,
        d,
        r,
        c,
        amounts,
    }
}

/// Fills a template: `$name` with the target's (B's) value, `@name` with the caller's own (A's).
fn fill(t: &str, foreign: &Vars, own: &Vars) -> String {
    let mut out = String::new();
    let mut rest = t;
    while let Some(at) = rest.find(['$', '@']) {
        out.push_str(&rest[..at]);
        let sigil = rest.as_bytes()[at];
        let tail = &rest[at + 1..];
        let n = tail
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(tail.len());
        if n == 0 {
            out.push(sigil as char);
            rest = tail;
            continue;
        }
        let vars = if sigil == b'$' { foreign } else { own };
        let key = &tail[..n];
        out.push_str(
            vars.get(key)
                .unwrap_or_else(|| panic!("unknown placeholder {}{key} in {t}", sigil as char)),
        );
        rest = &tail[n..];
    }
    out.push_str(rest);
    out
}

// ------------------------------------------------------------------------------------------------
// The database, row by row

/// Every table's rows as text, sorted.
type Snapshot = BTreeMap<String, Vec<String>>;

async fn table_columns(app: &TestApp) -> Vec<(String, Vec<String>)> {
    let pool = app.db.read();
    let sqlite = app.engine == "sqlite";
    let tables: Vec<String> = if sqlite {
        sql::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    } else {
        sql::query_scalar(
            "SELECT CAST(table_name AS TEXT) FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
        )
        .fetch_all(pool)
        .await
        .unwrap()
    };
    let mut out = Vec::new();
    for t in tables {
        let cols: Vec<String> = if sqlite {
            sql::query_scalar(&format!(
                "SELECT name FROM pragma_table_info('{t}') ORDER BY cid"
            ))
            .fetch_all(pool)
            .await
            .unwrap()
        } else {
            sql::query_scalar(
                "SELECT CAST(column_name AS TEXT) FROM information_schema.columns \
                 WHERE table_schema = 'public' AND table_name = $1 ORDER BY ordinal_position",
            )
            .bind(&t)
            .fetch_all(pool)
            .await
            .unwrap()
        };
        out.push((t, cols));
    }
    out
}

/// One round trip for the whole database: every table's rows, each as one line of text.
async fn snapshot(app: &TestApp, tables: &[(String, Vec<String>)]) -> Snapshot {
    use pc_app::store::sql;
    let parts: Vec<String> = tables
        .iter()
        .map(|(t, cols)| {
            let line: Vec<String> = cols
                .iter()
                .map(|c| format!("COALESCE(CAST(\"{c}\" AS TEXT), '∅')"))
                .collect();
            format!(
                "SELECT CAST('{t}' AS TEXT), {} FROM \"{t}\"",
                line.join(" || '|' || ")
            )
        })
        .collect();
    let rows = sql::query(&parts.join(" UNION ALL "))
        .fetch_all(app.db.read())
        .await
        .unwrap();
    let mut out: Snapshot = tables
        .iter()
        .map(|(t, _)| (t.clone(), Vec::new()))
        .collect();
    for r in rows {
        let t: String = r.get(0);
        let line: String = r.get(1);
        out.entry(t).or_default().push(line);
    }
    for lines in out.values_mut() {
        lines.sort();
    }
    out
}

/// The write detector is live on this engine: renaming B's distributor shows in the snapshot,
/// renaming it back restores the baseline exactly.
async fn detector_sees_writes(
    app: &TestApp,
    tables: &[(String, Vec<String>)],
    base: &Snapshot,
    partner_id: &str,
) {
    let rename = |suffix: &'static str| {
        let id = partner_id.to_string();
        app.db.write(move |c| {
            Box::pin(async move {
                let stmt = if suffix.is_empty() {
                    "UPDATE partners SET name = SUBSTR(name, 1, LENGTH(name) - 1) WHERE id = $1"
                } else {
                    "UPDATE partners SET name = name || '~' WHERE id = $1"
                };
                sql::query(stmt).bind(&id).execute(c).await?;
                Ok(())
            })
        })
    };
    rename("~").await.unwrap();
    let changed = snapshot(app, tables).await;
    assert!(
        diff(base, &changed).is_some_and(|d| d.starts_with("partners:")),
        "{}: the snapshot missed a write",
        app.engine
    );
    rename("").await.unwrap();
    assert!(
        snapshot(app, tables).await == *base,
        "{}: the snapshot is not stable",
        app.engine
    );
}

/// What changed between two snapshots, briefly.
fn diff(before: &Snapshot, after: &Snapshot) -> Option<String> {
    let mut parts = Vec::new();
    for (t, rows) in after {
        let old = before.get(t).cloned().unwrap_or_default();
        if *rows != old {
            let added: Vec<&String> = rows.iter().filter(|r| !old.contains(r)).take(2).collect();
            let gone: Vec<&String> = old.iter().filter(|r| !rows.contains(r)).take(2).collect();
            parts.push(format!("{t}: +{added:?} -{gone:?}"));
        }
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

// ------------------------------------------------------------------------------------------------
// Sending

struct Callers {
    api: BTreeMap<Role, Creds>,
    console: BTreeMap<Role, Session>,
}

const JOIN_CSRF: &str = "0123456789abcdef0123456789abcdef";

async fn console_send(app: &TestApp, s: &Session, method: &str, path: &str, form: &str) -> Resp {
    let join = path.starts_with("/join/");
    let cookie = if join {
        format!("{}; pc_join={JOIN_CSRF}", s.cookie)
    } else {
        s.cookie.clone()
    };
    if method == "GET" {
        return app
            .send(
                Request::get(path)
                    .header("cookie", cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
    }
    let csrf = if join { JOIN_CSRF } else { s.csrf.as_str() };
    let body = if form.is_empty() {
        format!("csrf={csrf}")
    } else {
        format!("csrf={csrf}&{form}")
    };
    app.send(
        Request::builder()
            .method(method)
            .uri(path)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap(),
    )
    .await
}

async fn api_send(app: &TestApp, creds: &Creds, method: &str, path: &str, body: &str) -> Resp {
    app.send(signed(creds, method, path, body, shop::app_now(app), &[]))
        .await
}

fn location(r: &Resp) -> String {
    r.headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// Which roles an API operation admits, by the principal kinds its table entry names.
fn api_admits(callers: &str, role: Role) -> bool {
    let kind = match role {
        Dist | Reseller => "partner",
        Customer | SelfPay => "customer",
        Operator => "operator",
        Staff => return false,
    };
    callers
        .split(", ")
        .any(|c| c.split(" (").next() == Some(kind))
}

/// B's values the answer must not hold: every placeholder value and amount of B (not A's: the
/// amounts A shares with B, such as catalogue prices, say nothing about B).
fn secrets_of(a: &Tenant, b: &Tenant) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> =
        b.v.iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect();
    for amount in &b.amounts {
        if !a.amounts.contains(amount) && amount != "0.00" {
            out.push(("amount".into(), amount.clone()));
        }
    }
    // A's values are never B's secrets (a shared value would be meaningless as evidence).
    let mine: BTreeSet<&String> = a.v.values().chain(a.amounts.iter()).collect();
    out.retain(|(_, v)| !mine.contains(v));
    out
}

struct Run<'a> {
    app: &'a TestApp,
    a: &'a Tenant,
    b: &'a Tenant,
    callers: &'a Callers,
    secrets: Vec<(String, String)>,
    tables: Vec<(String, Vec<String>)>,
    base: Snapshot,
    cells: u64,
    skipped: u64,
    failures: Vec<String>,
}

impl Run<'_> {
    /// Checks one foreign cell's answer and the database after it.
    async fn check(
        &mut self,
        label: &str,
        sent: &str,
        r: &Resp,
        admitted: bool,
        expect: Expect,
        api: bool,
    ) {
        self.cells += 1;
        let mut problems = Vec::new();
        let loc = location(r);
        if r.status >= 500 {
            problems.push(format!("server error {}", r.status));
        } else {
            let refused = (400..500).contains(&r.status);
            let envelope_ok = !api || {
                let j: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                j["error_code"].as_str().is_some_and(|c| !c.is_empty())
                    && j["error_msg"].as_str().is_some_and(|m| !m.is_empty())
            };
            let back = r.status == 303 && !loc.starts_with("/console/login");
            let want = if admitted { expect } else { Refused };
            match want {
                Refused if !refused => problems.push(format!("not refused: {}", r.status)),
                // On the API a batch answers 200 with per-item failures; a console form sends back.
                Back | Logged if !(api || refused || back) => {
                    problems.push(format!("neither refused nor sent back: {} {loc}", r.status))
                }
                _ => {}
            }
            if refused && !envelope_ok {
                problems.push("refused without the vendor envelope".into());
            }
        }
        for (k, v) in &self.secrets {
            if !sent.contains(v.as_str())
                && (r.body.contains(v.as_str()) || loc.contains(v.as_str()))
            {
                problems.push(format!("shows B's {k} ({v})"));
            }
        }
        let now = snapshot(self.app, &self.tables).await;
        if now != self.base {
            let logged = admitted && expect == Logged && {
                let me = self.a.v["d"].as_str();
                now.iter().all(|(t, rows)| {
                    let old = &self.base[t];
                    rows == old
                        || (t == "coupon_records"
                            && old.iter().all(|o| rows.contains(o))
                            && rows
                                .iter()
                                .filter(|r| !old.contains(r))
                                .all(|r| r.contains(me)))
                })
            };
            if !logged {
                problems.push(format!(
                    "wrote: {}",
                    diff(&self.base, &now).unwrap_or_default()
                ));
            }
            self.base = now;
        }
        if !problems.is_empty() {
            let excerpt: String = r.body.chars().take(300).collect();
            self.failures.push(format!(
                "{label}: {} [status {}, location {loc:?}, body {excerpt:?}]",
                problems.join("; "),
                r.status
            ));
        }
    }

    /// The API's foreign cells: `logged` selects the `Logged` cases (sent after every other cell,
    /// so no read of the caller's own operation log follows them) or all the others.
    async fn api_cells(&mut self, logged: bool) {
        let ops: BTreeMap<&str, &partner_center::http::bss::Operation> =
            partner_center::http::bss::operations()
                .chain(partner_center::http::native::operations())
                .map(|o| (o.name, o))
                .collect();
        for e in API {
            let Some(op) = ops.get(e.op) else { continue };
            let method = op.method.as_str();
            for &role in API_ROLES {
                let admitted = api_admits(op.callers, role);
                if admitted && role == Operator {
                    self.skipped += u64::from(!logged);
                    continue;
                }
                let creds = self.callers.api[&role].clone();
                let sends: Vec<(String, &str, String, Expect)> = match e.input {
                    Input::Foreign(cases) => cases
                        .iter()
                        .filter(|c| (c.expect == Logged) == logged)
                        .map(|c| (c.what.to_string(), c.path, c.body.to_string(), c.expect))
                        .collect(),
                    _ if logged => Vec::new(),
                    Input::Nothing {
                        probe: Probe::Read(p, b),
                        ..
                    } => vec![("probe".into(), p, b.to_string(), NoEffect)],
                    Input::Nothing {
                        probe: Probe::RefusalsOnly(p, b),
                        ..
                    } if !admitted => vec![("probe".into(), p, b.to_string(), Refused)],
                    Input::Nothing { .. } => Vec::new(),
                };
                for (what, path, body, expect) in sends {
                    let path = fill(path, &self.b.v, &self.a.v);
                    let body = fill(&body, &self.b.v, &self.a.v);
                    let r = api_send(self.app, &creds, method, &path, &body).await;
                    let label = format!("{} API {} ({what}) as {role:?}", self.app.engine, e.op);
                    self.check(
                        &label,
                        &format!("{path} {body}"),
                        &r,
                        admitted,
                        expect,
                        true,
                    )
                    .await;
                }
            }
        }
    }

    /// The console's foreign cells (`logged` as for [`Self::api_cells`]).
    async fn console_cells(&mut self, logged: bool) {
        for e in CONSOLE {
            for &role in CONSOLE_ROLES {
                let admitted = e.roles.contains(&role);
                if admitted && role == Operator {
                    self.skipped += u64::from(!logged);
                    continue;
                }
                let s = self.callers.console[&role].clone();
                let sends: Vec<(String, &str, &str, Expect)> = match e.input {
                    Input::Foreign(cases) => cases
                        .iter()
                        .filter(|c| (c.expect == Logged) == logged)
                        .map(|c| (c.what.to_string(), c.path, c.body, c.expect))
                        .collect(),
                    _ if logged => Vec::new(),
                    Input::Nothing {
                        probe: Probe::Read(p, b),
                        ..
                    } => vec![("probe".into(), p, b, NoEffect)],
                    Input::Nothing {
                        probe: Probe::RefusalsOnly(p, b),
                        ..
                    } if !admitted => vec![("probe".into(), p, b, Refused)],
                    Input::Nothing { .. } => Vec::new(),
                };
                for (what, path, form, expect) in sends {
                    let path = fill(path, &self.b.v, &self.a.v);
                    let form = fill(form, &self.b.v, &self.a.v);
                    let r = console_send(self.app, &s, e.method, &path, &form).await;
                    let label = format!(
                        "{} console {} {} ({what}) as {role:?}",
                        self.app.engine, e.method, e.route
                    );
                    self.check(
                        &label,
                        &format!("{path} {form}"),
                        &r,
                        admitted,
                        expect,
                        false,
                    )
                    .await;
                }
            }
        }
    }

    async fn other_cells(&mut self) {
        for path in OTHER {
            let r = self
                .app
                .send(Request::get(*path).body(Body::empty()).unwrap())
                .await;
            let label = format!("{} GET {path} (anonymous)", self.app.engine);
            self.check(&label, path, &r, true, NoEffect, false).await;
        }
    }

    /// A's own ids in every template, sent by the role its control names.
    async fn controls(&mut self) {
        let own = &self.a.v;
        let mut todo: Vec<(String, &str, &str, &str, Control, bool)> = Vec::new();
        for e in CONSOLE {
            if let Input::Foreign(cases) = e.input {
                for c in cases {
                    todo.push((
                        format!("{} {} ({})", e.method, e.route, c.what),
                        e.method,
                        c.path,
                        c.body,
                        c.control,
                        false,
                    ));
                }
            }
        }
        let ops: BTreeMap<&str, &partner_center::http::bss::Operation> =
            partner_center::http::bss::operations()
                .chain(partner_center::http::native::operations())
                .map(|o| (o.name, o))
                .collect();
        for e in API {
            if let (Input::Foreign(cases), Some(op)) = (e.input, ops.get(e.op)) {
                for c in cases {
                    todo.push((
                        format!("API {} ({})", e.op, c.what),
                        op.method.as_str(),
                        c.path,
                        c.body,
                        c.control,
                        true,
                    ));
                }
            }
        }
        for (label, method, path, body, control, api) in todo {
            let (role, shows) = match control {
                Control::Ok(role) => (role, None),
                Control::Shows(role, key) => (role, Some(key)),
                Control::No(_) => continue,
            };
            self.cells += 1;
            let path = fill(path, own, own);
            let body = fill(body, own, own);
            let r = if api {
                api_send(self.app, &self.callers.api[&role], method, &path, &body).await
            } else {
                let s = self.callers.console[&role].clone();
                console_send(self.app, &s, method, &path, &body).await
            };
            let mut problems = Vec::new();
            let loc = location(&r);
            if api {
                let j: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
                if !(200..300).contains(&r.status) {
                    problems.push(format!("status {}", r.status));
                }
                if j["error_code"].as_str().is_some_and(|c| c != "CBC.0000") {
                    problems.push("an error in the body".into());
                }
                for k in ["error_details", "fail_resource_infos"] {
                    if j[k].as_array().is_some_and(|a| !a.is_empty()) {
                        problems.push(format!("{k} not empty"));
                    }
                }
                let results = j["to_ondemand_service_results"].as_array();
                if results.is_some_and(|a| a.iter().any(|x| x["result"] != "SUCCESS")) {
                    problems.push("a resource failed".into());
                }
            } else if r.status == 303 {
                if loc.starts_with("/console/login") || loc.contains("err=") {
                    problems.push(format!("sent back with an error: {loc}"));
                }
            } else if r.status != 200 {
                problems.push(format!("status {}", r.status));
            } else if r.body.contains("class=\"flash error\"") {
                problems.push("the page shows an error".into());
            }
            if let Some(key) = shows {
                let want = &own[key];
                if !r.body.contains(want.as_str()) {
                    problems.push(format!("does not show A's {key} ({want})"));
                }
            }
            if !problems.is_empty() {
                let excerpt: String = r.body.chars().take(400).collect();
                self.failures.push(format!(
                    "{} control {label} as {role:?}: {} [location {loc:?}, body {excerpt:?}]",
                    self.app.engine,
                    problems.join("; ")
                ));
            }
        }
    }
}

async fn login_as(app: &TestApp, login: &str) -> Session {
    app.console_login(login, PW).await
}

#[tokio::test]
async fn proof_tenants_no_role_reaches_another_tenant() {
    let coverage_problems = coverage();
    for app in apps("tenants").await {
        let started = Instant::now();
        let a = tenant(&app, "alpha", 0, false).await;
        let b = tenant(&app, "bravo", 37, true).await;
        let op_uid = identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: "tn-operator".into(),
                password: PW.into(),
            },
        )
        .await
        .unwrap();
        let op_key = identity::create_operator_key(
            &app.db,
            ctx(),
            app.mk.clone(),
            identity::NewOperatorKey {
                operator_login: Some("tn-operator".into()),
                description: "tenants".into(),
            },
        )
        .await
        .unwrap();
        let mut api = BTreeMap::new();
        api.insert(Dist, Creds::from(&a.d));
        api.insert(Reseller, Creds::from(&a.r));
        api.insert(Customer, Creds::from(&a.c));
        api.insert(
            Operator,
            Creds {
                ak: op_key.key.access_key.clone(),
                sk: op_key.key.secret_key.clone(),
                domain_id: op_uid.clone(),
            },
        );
        let mut console = BTreeMap::new();
        console.insert(Dist, login_as(&app, &a.v["d_login"]).await);
        console.insert(Reseller, login_as(&app, &a.v["r_login"]).await);
        console.insert(Staff, login_as(&app, &a.v["staff_login"]).await);
        console.insert(Customer, login_as(&app, &a.v["c_name"]).await);
        console.insert(SelfPay, login_as(&app, &a.v["cc_name"]).await);
        console.insert(Operator, login_as(&app, "tn-operator").await);
        let callers = Callers { api, console };
        let setup = started.elapsed();

        let tables = table_columns(&app).await;
        let base = snapshot(&app, &tables).await;
        detector_sees_writes(&app, &tables, &base, &b.v["d"]).await;
        let mut run = Run {
            app: &app,
            secrets: secrets_of(&a, &b),
            a: &a,
            b: &b,
            callers: &callers,
            tables,
            base,
            cells: 0,
            skipped: 0,
            failures: coverage_problems.clone(),
        };
        run.api_cells(false).await;
        run.console_cells(false).await;
        run.other_cells().await;
        run.api_cells(true).await;
        run.console_cells(true).await;
        let foreign_cells = run.cells;
        let ledger = ledger::verify(app.db.read()).await.unwrap();
        for v in &ledger.violations {
            run.failures.push(format!("{}: ledger: {v:?}", app.engine));
        }
        run.controls().await;
        let took = started.elapsed();
        for f in &run.failures {
            eprintln!("FAIL {f}");
        }
        let detail = format!(
            "{} foreign cells ({} operator cells skipped: cross-tenant by design), {} controls, {} of B's values watched, setup {:.1}s",
            foreign_cells,
            run.skipped,
            run.cells - foreign_cells,
            run.secrets.len(),
            setup.as_secs_f64()
        );
        let (cells, failures) = (run.cells, run.failures.len() as u64);
        drop(run);
        app.assert_ledger_clean().await;
        proof::report("tenants", &app.engine, cells, failures, took, &detail);
    }
}

/// The bill cells above name the month of the fixture's clock.
#[test]
fn bills_month_is_the_fixtures() {
    assert_eq!(
        pc_domain::bills::BillCycle::of_ms(NOW_MS).to_string(),
        "2026-11"
    );
}
