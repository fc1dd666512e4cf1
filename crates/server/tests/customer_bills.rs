//! A customer's own bill and account operations through the vendor API, in process, on SQLite and
//! PostgreSQL: list_customer_account_change_records (the customer's cash account records, the
//! vendor's trade types and refusals), the resource consumption reads, renewal quotes and the
//! renewal settings.

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
