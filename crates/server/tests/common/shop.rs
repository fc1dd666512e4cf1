//! Shared setup of the order, resource and refund tests: a distributor tree with customers of
//! each association type, funding, placing and paying orders, coupons.

use pc_app::services::coupons;
use pc_app::services::orders::{self, Item};
use pc_app::store::ledger;
use pc_app::{Actor, Ctx};
use pc_domain::coupons::QuotaType;
use pc_domain::ledger::AccountKind;
use pc_domain::orders::PeriodType;
use pc_domain::Money;
use serde_json::Value;

use super::*;

pub const PAY: &str = "/v3/orders/customer-orders/pay";
pub const RES_QUERY: &str = "/v2/orders/suscriptions/resources/query";

pub async fn call(app: &TestApp, creds: &Creds, method: &str, path: &str, body: &str) -> Resp {
    app.send(signed(creds, method, path, body, app_now(app), &[]))
        .await
}

pub fn app_now(app: &TestApp) -> i64 {
    pc_app::clock::Clock::now_ms(&app.clock)
}

/// The usual order-test world (`TestApp::orders_world`), account names prefixed `ord`.
pub async fn world(app: &TestApp) -> OrdersWorld {
    app.orders_world("ord").await
}

pub fn cust_ctx(app: &TestApp, customer_id: &str) -> Ctx {
    Ctx::new(
        Actor::Customer {
            customer_id: customer_id.into(),
            user_id: None,
        },
        "req-order",
        app_now(app),
    )
}

pub fn item(product: &str, period: PeriodType, n: i64, count: i64, size: Option<i64>) -> Item {
    Item {
        product_id: product.into(),
        period,
        period_num: n,
        subscription_num: count,
        resource_size: size,
    }
}

/// The customer places an order; returns (order id, amount).
pub async fn place(app: &TestApp, customer_id: &str, items: Vec<Item>) -> (String, Money) {
    let p = orders::place_order(&app.db, cust_ctx(app, customer_id), items)
        .await
        .unwrap();
    (p.order_id, p.amount)
}

/// Funds a resale customer of `partner` with `cents` through the partner's account.
pub async fn fund(app: &TestApp, partner_id: &str, customer_id: &str, cents: i64) {
    app.credit(partner_id, cents).await;
    app.allocate(partner_id, customer_id, cents).await;
}

/// The customer pays its order from its cash alone (no coupon, no discount).
pub async fn pay_cash(app: &TestApp, customer_id: &str, order_id: String) {
    pc_app::services::subscriptions::pay(
        &app.db,
        cust_ctx(app, customer_id),
        pc_app::services::orders::PayOrder {
            order_id,
            use_coupon: "NO".into(),
            use_discount: "NO".into(),
            coupons: None,
            discounts: None,
        },
    )
    .await
    .unwrap();
}

/// The package product a test buys, made to carry `hours` VM hours (a resource package).
pub const VM_PACKAGE: &str = "obs-standard-100g";

pub async fn make_vm_package(app: &TestApp, hours: &str) {
    use pc_app::services::catalog::{self, Package, UsagePricing};
    catalog::set_usage_pricing(
        &app.db,
        ctx(),
        VM_PACKAGE.into(),
        UsagePricing {
            tiers: vec![],
            package: Some(Package {
                quantity: pc_domain::usage::Quantity::parse(hours).unwrap(),
                resource_type_code: "hws.resource.type.vm".into(),
            }),
        },
    )
    .await
    .unwrap();
}

pub async fn customer_balance(app: &TestApp, customer_id: &str) -> Money {
    ledger::balance(
        app.db.read(),
        &ledger::account_id(AccountKind::CustomerCash, customer_id),
    )
    .await
    .unwrap()
}

pub fn pay_body(order_id: &str) -> String {
    format!(r#"{{"order_id": "{order_id}", "use_coupon": "NO", "use_discount": "NO"}}"#)
}

/// An operator grants `partner_id` a coupon quota of `cents`; returns its id.
pub async fn coupon_quota(app: &TestApp, partner_id: &str, t: QuotaType, cents: i64) -> String {
    let g = coupons::NewQuota {
        partner_id: partner_id.into(),
        quota_type: t,
        amount: Money::from_cents(cents),
        effective_at: None,
        expire_at: Some(NOW_MS + 30 * 86_400_000),
        limits: Default::default(),
    };
    coupons::grant_quota(&app.db, super::ctx(), g)
        .await
        .unwrap()
        .quota_id
}

/// The partner issues one coupon of `face` (yuan) to `customer_id` with extra request fields;
/// returns its id.
pub async fn issue_coupon(
    app: &TestApp,
    partner: &Creds,
    quota: &str,
    customer_id: &str,
    face: f64,
    extra: Value,
) -> String {
    let mut body =
        serde_json::json!({"quota_id": quota, "customer_ids": [customer_id], "face_value": face});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let r = call(
        app,
        partner,
        "POST",
        "/v2/promotions/benefits/partner-coupons",
        &body.to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()["coupon_infos"][0]["coupon_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A one-month small ECS order (35.00) of `customer_id`: (order id, amount).
pub async fn place_ecs_month(app: &TestApp, customer_id: &str) -> (String, Money) {
    place(
        app,
        customer_id,
        vec![item("ecs-s6-small-1-linux", PeriodType::Month, 1, 1, None)],
    )
    .await
}

pub async fn coupon_balance(app: &TestApp, id: &str) -> (Money, i64, Option<String>) {
    let k = coupons::get_coupon(app.db.read(), id)
        .await
        .unwrap()
        .unwrap();
    (k.balance, k.status, k.lock_order_id)
}

/// `list_pay_per_use_customer_resources` as `creds` with `body`; asserts 200.
pub async fn resources_of(app: &TestApp, creds: &Creds, body: Value) -> Value {
    let r = call(app, creds, "POST", RES_QUERY, &body.to_string()).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()
}

/// Places and pays a one-month ECS order of `n` for `customer_id`; returns the resource ids.
pub async fn bought(app: &TestApp, creds: &Creds, customer_id: &str, n: i64) -> Vec<String> {
    let (o, _) = place(
        app,
        customer_id,
        vec![item("ecs-s6-small-1-linux", PeriodType::Month, 1, n, None)],
    )
    .await;
    let r = call(app, creds, "POST", PAY, &pay_body(&o)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    order_resources(app, creds, &o).await
}

/// The ids of the resources a paid order provisioned, as `creds` lists them.
pub async fn order_resources(app: &TestApp, creds: &Creds, order_id: &str) -> Vec<String> {
    let j = resources_of(app, creds, serde_json::json!({"order_id": order_id})).await;
    j["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["resource_id"].as_str().unwrap().to_string())
        .collect()
}

/// Places and pays an order; returns (order id, its resources).
pub async fn buy(
    app: &TestApp,
    creds: &Creds,
    customer_id: &str,
    items: Vec<Item>,
) -> (String, Vec<String>) {
    let (o, _) = shop::place(app, customer_id, items).await;
    let r = call(app, creds, "POST", PAY, &pay_body(&o)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let res = order_resources(app, creds, &o).await;
    (o, res)
}

/// Runs one statement on a resource (`$1` its id): a state the API cannot reach (frozen, a
/// sub-resource, expired).
pub async fn set_resource(app: &TestApp, sql: &'static str, id: &str) {
    let id = id.to_string();
    app.db
        .write(move |c| {
            Box::pin(async move {
                pc_app::store::sql::query(sql)
                    .bind(id)
                    .execute(&mut *c)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}
