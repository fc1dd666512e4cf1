//! A customer's own bill and account operations through the vendor API, in process, on SQLite and
//! PostgreSQL: list_customer_account_change_records (the customer's cash account records, the
//! vendor's trade types and refusals), the resource consumption reads and the month's amortized
//! cost. Renewal quotes and settings are in `customer_renewals.rs`.

mod common;

use common::shop::{self, call, cust_ctx, pay_body, PAY};
use common::*;
use pc_app::services::customers::unbind;
use pc_app::services::topups::{self, Declaration};
use pc_app::{Actor, Ctx};

use pc_domain::Money;
use serde_json::Value;

const CHANGES: &str = "/v2/accounts/customer-accounts/account-change-records";

fn operator_ctx() -> Ctx {
    Ctx::new(
        Actor::Operator {
            user_id: "u-ops".into(),
        },
        "req-ops",
        NOW_MS,
    )
}

async fn get(app: &TestApp, creds: &Creds, path: &str) -> Resp {
    call(app, creds, "GET", path, "").await
}

fn records(r: &Resp) -> Vec<Value> {
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["records"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap_or_default()
}

/// A consulting customer's top-up, payment and refund, and a former resale customer's allocation
/// and unbind return, each with its trade type, direction, amount, balance and trade id; the
/// filters; the refusals.
#[tokio::test]
async fn customer_account_change_records() {
    for app in apps("cust_changes").await {
        let w = app.orders_world("chg").await;
        let cc = Creds::from(&w.cc);
        // An offline top-up of 100.00, confirmed by an operator.
        let d = Declaration {
            amount: Money::from_cents(10_000),
            reference: "REMIT-1".into(),
            order_id: None,
        };
        let t = topups::declare(&app.db, cust_ctx(&app, &w.cc.customer_id), d)
            .await
            .unwrap();
        topups::confirm(&app.db, operator_ctx(), t.id.clone())
            .await
            .unwrap();
        // A one-month ECS order (35.00) paid from the balance.
        let (order, amount) = shop::place_ecs_month(&app, &w.cc.customer_id).await;
        assert_eq!(amount, Money::from_cents(3500));
        let r = call(&app, &cc, "POST", PAY, &pay_body(&order)).await;
        assert_eq!(r.status, 200, "{}", r.body);

        let base = format!("{CHANGES}?balance_type=BALANCE_TYPE_DEBIT");
        let all = records(&get(&app, &cc, &base).await);
        assert_eq!(all.len(), 2, "{}: {all:?}", app.engine);
        // Newest first: the payment, then the top-up.
        let (pay, top) = (&all[0], &all[1]);
        assert_eq!(s(pay, "trade_detail_type"), "SOURCE_OPERATION_DEDEUCT");
        assert_eq!(s(pay, "revenue_expense_type"), "EXPENSE");
        assert_eq!(s(pay, "change_amount"), "-35.00");
        assert_eq!(s(pay, "balance_after_change"), "65.00");
        assert_eq!(s(pay, "trade_id"), order);
        assert_eq!(s(pay, "payment_channel_id"), "0");
        assert_eq!(s(pay, "bill_cycle"), "2026-11");
        assert_eq!(s(pay, "account_name"), "chg-ccust");
        assert_eq!(s(top, "trade_detail_type"), "SOURCE_OPERAIION_RECHARGE");
        assert_eq!(s(top, "revenue_expense_type"), "REVENUE");
        assert_eq!(s(top, "change_amount"), "100.00");
        assert_eq!(s(top, "balance_after_change"), "100.00");
        assert_eq!(s(top, "trade_id"), t.id);
        assert_eq!(s(top, "payment_channel_id"), "2");
        assert_eq!(r_total(&get(&app, &cc, &base).await), 2);

        // Filters: direction, trade type, trade id, channel, dates, paging.
        let one = |q: &str| format!("{base}&{q}");
        let ids = |r: &Resp| -> Vec<String> {
            records(r)
                .iter()
                .map(|v| s(v, "trade_id").to_string())
                .collect()
        };
        assert_eq!(
            ids(&get(&app, &cc, &one("revenue_expense_type=EXPENSE")).await),
            [order.as_str()]
        );
        assert_eq!(
            ids(&get(&app, &cc, &one("revenue_expense_type=REVENUE")).await),
            [t.id.as_str()]
        );
        assert_eq!(
            ids(&get(&app, &cc, &one("trade_type=DEDEUCT")).await),
            [order.as_str()]
        );
        assert_eq!(
            ids(&get(&app, &cc, &one("trade_type=RECHARGE")).await),
            [t.id.as_str()]
        );
        assert!(ids(&get(&app, &cc, &one("trade_type=EXPIRED")).await).is_empty());
        assert!(ids(&get(&app, &cc, &one("trade_type=BEADJUST")).await).is_empty());
        assert_eq!(
            ids(&get(&app, &cc, &one(&format!("trade_id={order}"))).await),
            [order.as_str()]
        );
        assert_eq!(
            ids(&get(&app, &cc, &one("payment_channel_id=2")).await),
            [t.id.as_str()]
        );
        assert_eq!(
            ids(&get(&app, &cc, &one("payment_channel_id=0,2")).await).len(),
            2
        );
        assert!(ids(&get(&app, &cc, &one("payment_channel_id=5")).await).is_empty());
        assert!(ids(&get(&app, &cc, &one("payment_channel_no=X1")).await).is_empty());
        assert!(ids(&get(
            &app,
            &cc,
            &one("trade_time_begin=2026-11-19&trade_time_end=2026-11-30")
        )
        .await)
        .is_empty());
        assert_eq!(
            ids(&get(
                &app,
                &cc,
                &one("trade_time_begin=2026-11-18&trade_time_end=2026-11-18")
            )
            .await)
            .len(),
            2
        );
        let page = get(&app, &cc, &one("offset=1&limit=1")).await;
        assert_eq!(ids(&page), [t.id.as_str()]);
        assert_eq!(r_total(&page), 2);
        assert!(records(
            &get(
                &app,
                &cc,
                &format!("{CHANGES}?balance_type=BALANCE_TYPE_CREDIT")
            )
            .await
        )
        .is_empty());

        // An unsubscribe's refund is income of type REFUND, naming the refund order.
        let rid = shop::resources_of(&app, &cc, serde_json::json!({"order_id": order})).await
            ["data"][0]["resource_id"]
            .as_str()
            .unwrap()
            .to_string();
        let body = serde_json::json!({"resource_ids": [rid], "unsubscribe_type": 1, "unsubscribe_reason_type": 5, "unsubscribe_reason": "moving"});
        let u = call(
            &app,
            &cc,
            "POST",
            "/v2/orders/subscriptions/resources/unsubscribe",
            &body.to_string(),
        )
        .await;
        assert_eq!(u.status, 200, "{}", u.body);
        let refund_order = u.json()["order_ids"][0].as_str().unwrap().to_string();
        let refunds = records(&get(&app, &cc, &one("trade_type=REFUND")).await);
        assert_eq!(refunds.len(), 1, "{}", app.engine);
        assert_eq!(
            s(&refunds[0], "trade_detail_type"),
            "SOURCE_OPERATION_REFUND"
        );
        assert_eq!(s(&refunds[0], "revenue_expense_type"), "REVENUE");
        assert_eq!(s(&refunds[0], "trade_id"), refund_order);
        let refunded: f64 = s(&refunds[0], "change_amount").parse().unwrap();
        assert!(refunded > 0.0);
        assert_eq!(
            s(&refunds[0], "balance_after_change"),
            shop::customer_balance(&app, &w.cc.customer_id)
                .await
                .to_string()
        );

        // Bad input: CBC.0100, naming nothing of anyone.
        for q in [
            String::from(CHANGES),
            format!("{CHANGES}?balance_type=CASH"),
            one("revenue_expense_type="),
            one("revenue_expense_type=INCOME"),
            one("trade_type=GIFT"),
            one("trade_time_begin=2026-13-01"),
            one("trade_time_begin=2026-11-02&trade_time_end=2026-11-01"),
            one("payment_channel_id=a,b"),
            one("limit=0"),
            one("limit=101"),
            one("offset=-1"),
        ] {
            let r = get(&app, &cc, &q).await;
            assert_eq!(r.status, 400, "{q}: {}", r.body);
            assert_eq!(s(&r.json(), "error_code"), "CBC.0100", "{q}");
        }

        // A resale customer: the vendor's refusal; a partner's key: not a customer.
        let c = Creds::from(&w.c);
        shop::fund(&app, &w.d.partner_id, &w.c.customer_id, 5_000).await;
        let r = get(&app, &c, &base).await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert_eq!(s(&r.json(), "error_code"), "CBC.99000049");
        let r = get(&app, &Creds::from(&w.d), &base).await;
        assert_eq!(r.status, 403, "{}", r.body);
        assert_eq!(s(&r.json(), "error_code"), "CBC.0155");

        // Once unbound, the former resale customer reads its allocation and the unbind return.
        unbind::end_association(
            &app.db,
            cust_ctx(&app, &w.c.customer_id),
            unbind::Unbinding::Customer(w.c.customer_id.clone()),
        )
        .await
        .unwrap();
        let mine = records(&get(&app, &c, &base).await);
        assert_eq!(mine.len(), 2, "{}: {mine:?}", app.engine);
        assert_eq!(
            s(&mine[0], "trade_detail_type"),
            "SOURCE_OPERATION_BEUNBIND"
        );
        assert_eq!(s(&mine[0], "change_amount"), "-50.00");
        assert_eq!(s(&mine[0], "balance_after_change"), "0.00");
        assert_eq!(
            s(&mine[1], "trade_detail_type"),
            "SOURCE_OPERATION_BEADJUST"
        );
        assert_eq!(s(&mine[1], "change_amount"), "50.00");
        // Nobody else's records: the consulting customer's stay its own.
        assert_eq!(r_total(&get(&app, &cc, &base).await), 3);
        app.assert_ledger_clean().await;
    }
}

fn r_total(r: &Resp) -> i64 {
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["total_count"].as_i64().unwrap()
}

const RES_RECORDS: &str = "/v2/bills/customer-bills/res-fee-records";
const RES_DETAILS: &str = "/v2/bills/customer-bills/res-records/query";
const BREAKDOWN: &str = "/v2/costs/cost-analysed-bills/monthly-breakdown";
const RENEW: &str = "/v2/orders/subscriptions/resources/renew";

/// A resale customer with: a 3-month ECS (105.00, `ra`), a yearly RDS (2652.00, `rb`), two 1-month
/// ECS in one order (35.00 each), and `ra` renewed twice for a month (35.00 each, bill type 2).
struct Bought {
    creds: Creds,
    customer_id: String,
    ra: String,
    rb: String,
    order_c: String,
}

async fn bought(app: &TestApp, w: &OrdersWorld) -> Bought {
    use pc_domain::orders::PeriodType::{Month, Year};
    let creds = Creds::from(&w.c);
    let cid = w.c.customer_id.clone();
    shop::fund(app, &w.d.partner_id, &cid, 1_000_000).await;
    let (_, ra) = shop::buy(
        app,
        &creds,
        &cid,
        vec![shop::item("ecs-s6-small-1-linux", Month, 3, 1, None)],
    )
    .await;
    let (_, rb) = shop::buy(
        app,
        &creds,
        &cid,
        vec![shop::item("rds-mysql-2u4g", Year, 1, 1, None)],
    )
    .await;
    let (order_c, rc) = shop::buy(
        app,
        &creds,
        &cid,
        vec![shop::item("ecs-s6-small-1-linux", Month, 1, 2, None)],
    )
    .await;
    assert_eq!(rc.len(), 2);
    for _ in 0..2 {
        let body = serde_json::json!({"resource_ids": [ra[0]], "period_type": 2, "period_num": 1, "is_auto_pay": 1});
        let r = call(app, &creds, "POST", RENEW, &body.to_string()).await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    Bought {
        creds,
        customer_id: cid,
        ra: ra[0].clone(),
        rb: rb[0].clone(),
        order_c,
    }
}

fn amount(v: &Value, f: &str) -> String {
    assert!(v[f].is_number(), "{f} in {v}");
    v[f].to_string()
}

fn lines<'a>(j: &'a Value, list: &str) -> &'a Vec<Value> {
    j[list].as_array().unwrap()
}

/// list_customerself_resource_records and list_customerself_resource_record_details: each
/// record, sums by resource per month and per day, the filters, the refusals.
#[tokio::test]
async fn resource_records_and_details() {
    for app in apps("cust_res_records").await {
        let w = app.orders_world("res").await;
        let b = bought(&app, &w).await;
        let q = |extra: &str| format!("{RES_RECORDS}?cycle=2026-11{extra}");
        let read = |r: Resp| -> Value {
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        };
        // Each record (the default): 6 records, newest first.
        let j = read(get(&app, &b.creds, &q("&limit=100")).await);
        assert_eq!(j["total_count"], 6, "{}: {j}", app.engine);
        let all = lines(&j, "fee_records");
        let total: f64 = all.iter().map(|v| v["amount"].as_f64().unwrap()).sum();
        assert!(
            (total - (105.0 + 2652.0 + 70.0 + 70.0)).abs() < 1e-6,
            "{total}"
        );
        assert!(all
            .iter()
            .all(|v| s(v, "customer_id") == b.customer_id && s(v, "charge_mode") == "1"));
        assert!(all
            .iter()
            .all(|v| !s(v, "id").is_empty() && s(v, "bill_date") == "2026-11-18"));
        // Filters.
        let rds = read(
            get(
                &app,
                &b.creds,
                &q("&cloud_service_type=hws.service.type.rds"),
            )
            .await,
        );
        assert_eq!(rds["total_count"], 1);
        let r0 = &lines(&rds, "fee_records")[0];
        assert_eq!(amount(r0, "amount"), "2652.00");
        assert_eq!(amount(r0, "cash_amount"), "2652.00");
        assert_eq!(s(r0, "resource_id"), b.rb);
        assert_eq!(s(r0, "period_type"), "19");
        assert_eq!(s(r0, "cloud_service_type_name"), "云数据库 RDS");
        let en = app
            .send(signed_lang(
                &b.creds,
                &q("&cloud_service_type=hws.service.type.rds"),
                "en_US",
            ))
            .await;
        assert_eq!(
            s(
                &lines(&en.json(), "fee_records")[0],
                "cloud_service_type_name"
            ),
            "Relational Database Service"
        );
        assert_eq!(
            read(get(&app, &b.creds, &q(&format!("&resource_id={}", b.ra))).await)["total_count"],
            3
        );
        assert_eq!(
            read(get(&app, &b.creds, &q(&format!("&trade_id={}", b.order_c))).await)["total_count"],
            2
        );
        assert_eq!(
            read(get(&app, &b.creds, &q("&bill_type=2")).await)["total_count"],
            2
        );
        assert_eq!(
            read(get(&app, &b.creds, &q("&charge_mode=3")).await)["total_count"],
            0
        );
        assert_eq!(
            read(
                get(
                    &app,
                    &b.creds,
                    &q("&bill_date_begin=2026-11-19&bill_date_end=2026-11-30")
                )
                .await
            )["total_count"],
            0
        );
        assert_eq!(
            read(get(&app, &b.creds, &format!("{RES_RECORDS}?cycle=2026-10")).await)["total_count"],
            0
        );
        // By billing month: one line per resource and bill type, the two renewals of `ra` summed.
        let j = read(get(&app, &b.creds, &q("&statistic_type=1&limit=100")).await);
        assert_eq!(j["total_count"], 5, "{j}");
        let renewals: Vec<&Value> = lines(&j, "fee_records")
            .iter()
            .filter(|v| s(v, "resource_id") == b.ra && v["bill_type"] == 2)
            .collect();
        assert_eq!(renewals.len(), 1);
        assert_eq!(amount(renewals[0], "amount"), "70.00");
        assert!(renewals[0]["id"].is_null() && renewals[0]["trade_id"].is_null());
        // Dates are ignored by billing month.
        assert_eq!(
            read(
                get(
                    &app,
                    &b.creds,
                    &q("&statistic_type=1&bill_date_begin=2026-11-19&bill_date_end=2026-11-30")
                )
                .await
            )["total_count"],
            5
        );
        // By day: the same lines, each dated.
        let j = read(get(&app, &b.creds, &q("&statistic_type=2&limit=100")).await);
        assert_eq!(j["total_count"], 5);
        assert!(lines(&j, "fee_records")
            .iter()
            .all(|v| s(v, "bill_date") == "2026-11-18"));
        // Paging.
        let p = read(get(&app, &b.creds, &q("&statistic_type=1&offset=4&limit=2")).await);
        assert_eq!(
            (p["total_count"].as_i64(), lines(&p, "fee_records").len()),
            (Some(5), 1)
        );

        // Details: by billing month by default, with the vendor's `resource_Type_code`.
        let post = |body: Value| {
            let creds = b.creds.clone();
            let app = &app;
            async move { call(app, &creds, "POST", RES_DETAILS, &body.to_string()).await }
        };
        let j = read(post(serde_json::json!({"cycle": "2026-11", "limit": 100})).await);
        assert_eq!(j["total_count"], 5, "{j}");
        let recs = lines(&j, "monthly_records");
        assert!(recs
            .iter()
            .all(|v| v["bill_date"].is_null() && v["resource_Type_code"].is_string()));
        let ra: Vec<&Value> = recs
            .iter()
            .filter(|v| s(v, "res_instance_id") == b.ra)
            .collect();
        assert_eq!(ra.len(), 2);
        let j = read(post(serde_json::json!({"cycle": "2026-11", "res_instance_id": b.rb})).await);
        assert_eq!(j["total_count"], 1);
        assert_eq!(
            amount(&lines(&j, "monthly_records")[0], "consume_amount"),
            "2652.00"
        );
        assert_eq!(
            s(&lines(&j, "monthly_records")[0], "payer_account_id"),
            b.customer_id
        );
        let j = read(post(serde_json::json!({"cycle": "2026-11", "statistic_type": 3, "resource_type": "hws.resource.type.vm", "limit": 100})).await);
        assert_eq!(j["total_count"], 5);
        let j = read(post(serde_json::json!({"cycle": "2026-11", "statistic_type": 2, "query_type": "DAILY", "bill_cycle_begin": "2026-11-18", "bill_cycle_end": "2026-11-18"})).await);
        assert_eq!(j["total_count"], 5);
        assert_eq!(
            s(&lines(&j, "monthly_records")[0], "bill_date"),
            "2026-11-18"
        );
        let j = read(post(serde_json::json!({"cycle": "2026-11", "statistic_type": 3, "query_type": "DAILY", "bill_cycle_begin": "2026-11-01", "bill_cycle_end": "2026-11-17"})).await);
        assert_eq!(j["total_count"], 0);
        let j = read(
            post(serde_json::json!({"cycle": "2026-11", "payer_account_id": b.customer_id})).await,
        );
        assert_eq!(j["total_count"], 5);

        // Bad input and refusals.
        for bad in [
            RES_RECORDS.to_string(),
            format!("{RES_RECORDS}?cycle=2026-13"),
            q("&statistic_type=4"),
            q("&charge_mode=x"),
            q("&charge_mode=2"),
            q("&bill_type=7"),
            q("&method=everyone"),
            q("&limit=1001"),
            q("&bill_date_begin=2026-10-01&bill_date_end=2026-10-02"),
        ] {
            let r = get(&app, &b.creds, &bad).await;
            assert_eq!(
                (r.status, s(&r.json(), "error_code").to_string()),
                (400, "CBC.0100".into()),
                "{bad}: {}",
                r.body
            );
        }
        for bad in [
            serde_json::json!({}),
            serde_json::json!({"cycle": "2026-11", "statistic_type": 1, "query_type": "DAILY", "bill_cycle_begin": "2026-11-18", "bill_cycle_end": "2026-11-18"}),
            serde_json::json!({"cycle": "2026-11", "statistic_type": 2, "query_type": "DAILY"}),
            serde_json::json!({"cycle": "2026-11", "query_type": "WEEKLY"}),
            serde_json::json!({"cycle": "2026-11", "payer_account_id": w.cc.customer_id}),
        ] {
            let r = post(bad.clone()).await;
            assert_eq!(
                (r.status, s(&r.json(), "error_code").to_string()),
                (400, "CBC.0100".into()),
                "{bad}: {}",
                r.body
            );
        }
        // Another customer sees none of it; a partner's key is not a customer's.
        let other = get(&app, &Creds::from(&w.cc), &q("")).await;
        assert_eq!(read(other)["total_count"], 0);
        let r = get(&app, &Creds::from(&w.d), &q("")).await;
        assert_eq!(
            (r.status, s(&r.json(), "error_code").to_string()),
            (403, "CBC.0155".into())
        );
        let r = call(
            &app,
            &Creds::from(&w.d),
            "POST",
            RES_DETAILS,
            r#"{"cycle":"2026-11"}"#,
        )
        .await;
        assert_eq!(
            (r.status, s(&r.json(), "error_code").to_string()),
            (403, "CBC.0155".into())
        );
    }
}

/// A signed GET with an `X-Language` header.
fn signed_lang(creds: &Creds, path: &str, lang: &str) -> axum::http::Request<axum::body::Body> {
    signed(creds, "GET", path, "", NOW_MS, &[("x-language", lang)])
}

/// list_customer_bills_monthly_break_down: a 3-month charge is a third a month, a yearly one a
/// twelfth, one-month charges stand whole in their month; months later see what earlier ones
/// took.
#[tokio::test]
async fn monthly_cost_breakdown() {
    for app in apps("cust_breakdown").await {
        let w = app.orders_world("cost").await;
        let b = bought(&app, &w).await;
        let read = |r: Resp| -> Value {
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()
        };
        let month = |m: &str| format!("{BREAKDOWN}?shared_month={m}&limit=100");
        let j = read(get(&app, &b.creds, &month("2026-11")).await);
        assert_eq!(j["total_count"], 6, "{}: {j}", app.engine);
        let d = lines(&j, "details");
        let of = |res: &str, bill_type: i64| -> Vec<&Value> {
            d.iter()
                .filter(|v| s(v, "resource_id") == res && v["bill_type"] == bill_type)
                .collect()
        };
        let ra = of(&b.ra, 1)[0];
        assert_eq!(
            [
                amount(ra, "consume_amount"),
                amount(ra, "past_months_amortized_amount"),
                amount(ra, "current_month_amortized_amount"),
                amount(ra, "future_months_amortized_amount"),
                amount(ra, "amortized_cash_amount")
            ],
            ["105.00", "0.00", "35.00", "70.00", "35.00"]
        );
        assert_eq!(s(ra, "shared_month"), "2026-11");
        assert_eq!(s(ra, "bill_cycle"), "2026-11");
        let rb = of(&b.rb, 1)[0];
        assert_eq!(
            [
                amount(rb, "current_month_amortized_amount"),
                amount(rb, "future_months_amortized_amount")
            ],
            ["221.00", "2431.00"]
        );
        assert_eq!(of(&b.ra, 2).len(), 2);
        assert!(of(&b.ra, 2)
            .iter()
            .all(|v| amount(v, "current_month_amortized_amount") == "35.00"));
        // Filters.
        let f = read(
            get(
                &app,
                &b.creds,
                &format!(
                    "{}&service_type_code=hws.service.type.rds",
                    month("2026-11")
                ),
            )
            .await,
        );
        assert_eq!(f["total_count"], 1);
        let f = read(get(&app, &b.creds, &format!("{}&bill_type=2", month("2026-11"))).await);
        assert_eq!(f["total_count"], 2);
        let f = read(
            get(
                &app,
                &b.creds,
                &format!("{}&resource_id={}", month("2026-11"), b.ra),
            )
            .await,
        );
        assert_eq!(f["total_count"], 3);
        // Nothing before the first charge.
        assert_eq!(
            read(get(&app, &b.creds, &month("2026-10")).await)["total_count"],
            0
        );

        // Months on: December bears the 3-month and the yearly charges only.
        app.clock.set(NOW_MS + 100 * 86_400_000);
        let j = read(get(&app, &b.creds, &month("2026-12")).await);
        assert_eq!(j["total_count"], 2, "{j}");
        let d = lines(&j, "details");
        let ra = d.iter().find(|v| s(v, "resource_id") == b.ra).unwrap();
        assert_eq!(
            [
                amount(ra, "past_months_amortized_amount"),
                amount(ra, "current_month_amortized_amount"),
                amount(ra, "future_months_amortized_amount")
            ],
            ["35.00", "35.00", "35.00"]
        );
        let j = read(get(&app, &b.creds, &month("2027-01")).await);
        assert_eq!(j["total_count"], 2);
        let j = read(get(&app, &b.creds, &month("2027-02")).await);
        assert_eq!(j["total_count"], 1, "{j}");
        let rb = &lines(&j, "details")[0];
        assert_eq!(amount(rb, "past_months_amortized_amount"), "663.00");
        // Paging.
        let p = read(
            get(
                &app,
                &b.creds,
                &format!("{BREAKDOWN}?shared_month=2026-12&offset=1&limit=1"),
            )
            .await,
        );
        assert_eq!(
            (p["total_count"].as_i64(), lines(&p, "details").len()),
            (Some(2), 1)
        );

        // Bad input and refusals.
        for bad in [
            BREAKDOWN.to_string(),
            month("2026-13"),
            month("2025-01"),
            month("2027-03"),
            format!("{}&charging_mode=2", month("2026-12")),
            format!("{}&method=x", month("2026-12")),
        ] {
            let r = get(&app, &b.creds, &bad).await;
            assert_eq!(
                (r.status, s(&r.json(), "error_code").to_string()),
                (400, "CBC.0100".into()),
                "{bad}: {}",
                r.body
            );
        }
        assert_eq!(
            read(get(&app, &Creds::from(&w.cc), &month("2026-12")).await)["total_count"],
            0
        );
        let r = get(&app, &Creds::from(&w.d), &month("2026-12")).await;
        assert_eq!(
            (r.status, s(&r.json(), "error_code").to_string()),
            (403, "CBC.0155".into())
        );
    }
}
