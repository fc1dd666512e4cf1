//! Yearly/monthly to pay-per-use through the vendor API, in process, on SQLite and PostgreSQL:
//! update_period_to_on_demand (SET_UP stores expire_policy 1, CANCEL goes back to 0, exclusive
//! with auto-renewal), the subscription-renewal job changing such a resource at its expiry (it
//! leaves the yearly/monthly list and is rated by the hour from then on), and
//! update_period_to_on_demand_instantly (a type-10 order refunding the unused part as an
//! unsubscription would, periods to come whole, a negative consumption record of type 24);
//! refusals per resource, each naming its id and code, writing nothing; bad input refused whole;
//! a retry under the same idempotency key answering the first answer.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::subscriptions::renewal::{self, RenewalReport};
use pc_app::services::usage::{self, Outcome};
use pc_app::store::sql;
use pc_app::{Actor, Ctx};
use pc_domain::orders::{add_months, PeriodType};
use pc_domain::timefmt;
use pc_domain::usage::RawUsage;
use serde_json::{json, Value};

const SET: &str = "/v2/orders/subscriptions/resources/to-on-demand";
const NOW: &str = "/v2/orders/subscriptions/resources/to-on-demand/instantly";
const AUTO: &str = "/v2/orders/subscriptions/resources/autorenew";
const RENEW: &str = "/v2/orders/subscriptions/resources/renew";
const UNSUB: &str = "/v2/orders/subscriptions/resources/unsubscribe";
const DETAILS: &str = "/v2/orders/customer-orders/details";
const ON_DEMAND: &str = "/v2/partners/sub-customers/on-demand-resources/query";
const DAY: i64 = 86_400_000;

/// `update_period_to_on_demand`; asserts 200 and returns `(id, error_code)` of each refusal.
async fn policy_call(
    app: &TestApp,
    creds: &Creds,
    op: &str,
    ids: &[&str],
) -> Vec<(String, String)> {
    let body = json!({"operation": op, "resource_ids": ids}).to_string();
    let r = call(app, creds, "POST", SET, &body).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()["error_details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let msg = d["error_msg"].as_str().unwrap();
            assert!(!msg.is_empty());
            (
                d["id"].as_str().unwrap().to_string(),
                d["error_code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// `update_period_to_on_demand_instantly`; asserts 200 and returns the results.
async fn now_call(app: &TestApp, creds: &Creds, ids: &[&str]) -> Vec<Value> {
    let body = json!({ "resource_ids": ids }).to_string();
    let r = call(app, creds, "POST", NOW, &body).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()["to_ondemand_service_results"]
        .as_array()
        .unwrap()
        .clone()
}

/// The resource as its customer lists it (`Value::Null` when it is not in the list).
async fn listed(app: &TestApp, creds: &Creds, id: &str) -> Value {
    resources_of(app, creds, json!({ "resource_ids": [id] })).await["data"][0].clone()
}

async fn policy_of(app: &TestApp, creds: &Creds, id: &str) -> i64 {
    listed(app, creds, id).await["expire_policy"]
        .as_i64()
        .unwrap()
}

async fn scalar(app: &TestApp, q: &str, arg: &str) -> i64 {
    sql::query_scalar(q)
        .bind(arg)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn set_resource(app: &TestApp, stmt: &'static str, id: &str) {
    let id = id.to_string();
    app.db
        .write(move |c| {
            Box::pin(async move {
                sql::query(stmt).bind(&id).execute(c).await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

/// The partner's list of its customer's on-demand resources.
async fn on_demand_of(app: &TestApp, partner: &Creds, customer_id: &str) -> Vec<Value> {
    let body = json!({ "customer_id": customer_id }).to_string();
    let r = call(app, partner, "POST", ON_DEMAND, &body).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()["resources"].as_array().unwrap().clone()
}

async fn run_job(app: &TestApp, at: i64) -> RenewalReport {
    let jctx = Ctx::new(Actor::System { name: "job".into() }, "job-renew", at);
    renewal::run_renewal_job(&app.db, jctx).await.unwrap()
}

/// Places and pays a one-month order of one `product`; its resource.
async fn buy_one(app: &TestApp, creds: &Creds, customer_id: &str, product: &str) -> String {
    let (o, _) = place(
        app,
        customer_id,
        vec![item(product, PeriodType::Month, 1, 1, None)],
    )
    .await;
    let r = call(app, creds, "POST", PAY, &pay_body(&o)).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    order_resources(app, creds, &o).await[0].clone()
}

fn yuan(cents: i64) -> String {
    pc_domain::Money::from_cents(cents).to_string()
}

#[tokio::test]
async fn set_up_and_cancel_store_the_policy_exclusive_with_auto_renewal() {
    for app in apps("tod_policy").await {
        let e = &app.engine;
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 20_000).await;
        let ids = bought(&app, &cc, c, 2).await;
        let (a, b) = (ids[0].as_str(), ids[1].as_str());
        let policy_rows = "SELECT COUNT(*) FROM audit_log WHERE action = 'resources.set_expire_policy' AND target_id = $1";

        // SET_UP stores 1; again, it changes nothing (no second audit row).
        assert!(
            policy_call(&app, &cc, "SET_UP", &[a]).await.is_empty(),
            "{e}"
        );
        assert_eq!(policy_of(&app, &cc, a).await, 1, "{e}");
        assert_eq!(scalar(&app, policy_rows, a).await, 1, "{e}");
        assert!(
            policy_call(&app, &cc, "set_up", &[a]).await.is_empty(),
            "{e}"
        );
        assert_eq!(scalar(&app, policy_rows, a).await, 1, "{e}");

        // Exclusive with auto-renewal, both ways: one expiry policy at a time.
        let r = call(
            &app,
            &cc,
            "POST",
            &format!("{AUTO}/{b}"),
            r#"{"auto_renew_times":2,"period_type":"MONTH"}"#,
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        assert_eq!(policy_of(&app, &cc, b).await, 3, "{e}");
        assert!(
            policy_call(&app, &cc, "SET_UP", &[b]).await.is_empty(),
            "{e}"
        );
        assert_eq!(policy_of(&app, &cc, b).await, 1, "{e}");
        let times: Option<i64> =
            sql::query_scalar("SELECT auto_renew_times FROM resources WHERE id = $1")
                .bind(b)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(times, None, "{e}: auto-renewal's count went with it");
        let r = call(&app, &cc, "POST", &format!("{AUTO}/{b}"), "{}").await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        assert_eq!(policy_of(&app, &cc, b).await, 3, "{e}");
        // CANCEL needs the change set; then it goes back to the grace period.
        assert_eq!(
            policy_call(&app, &cc, "CANCEL", &[b]).await,
            vec![(b.to_string(), "PC.1121".to_string())],
            "{e}"
        );
        assert_eq!(policy_of(&app, &cc, b).await, 3, "{e}");
        assert!(
            policy_call(&app, &cc, "SET_UP", &[b]).await.is_empty(),
            "{e}"
        );
        // Cancelling auto-renewal does not cancel the change, only CANCEL does: the resource no
        // longer renews automatically (the vendor's CBC.99003605).
        call(&app, &cc, "DELETE", &format!("{AUTO}/{b}"), "")
            .await
            .assert_error(400, "CBC.99003605");
        assert_eq!(policy_of(&app, &cc, b).await, 1, "{e}");
        assert!(
            policy_call(&app, &cc, "CANCEL", &[b]).await.is_empty(),
            "{e}"
        );
        assert_eq!(policy_of(&app, &cc, b).await, 0, "{e}");

        app.assert_ledger_clean().await;
    }
}

/// The subscription-renewal job at their expiry: the resource set to change becomes pay-per-use
/// (no order, no money), the other expires, and one set to change but named by an order awaiting
/// payment expires too, keeping its policy for the customer to cancel; usage after the expiry is
/// rated by the hour.
#[tokio::test]
async fn the_job_changes_a_resource_set_up_at_its_expiry() {
    for app in apps("tod_expiry").await {
        let e = &app.engine;
        let w = world(&app).await;
        let (cc, dc) = (Creds::from(&w.c), Creds::from(&w.d));
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 20_000).await;
        let ids = bought(&app, &cc, c, 3).await;
        let (a, b, p) = (ids[0].as_str(), ids[1].as_str(), ids[2].as_str());
        assert!(
            policy_call(&app, &cc, "SET_UP", &[a, p]).await.is_empty(),
            "{e}"
        );
        let renew = json!({"resource_ids": [p], "period_type": 2, "period_num": 1});
        let r = call(&app, &cc, "POST", RENEW, &renew.to_string()).await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);

        // `a` becomes pay-per-use, `b` and `p` expire. No money moves.
        let expire_time = listed(&app, &cc, a).await["expire_time"]
            .as_str()
            .unwrap()
            .to_string();
        let expire = timefmt::parse_utc(&expire_time).unwrap();
        let balance = customer_balance(&app, c).await;
        let rep = run_job(&app, expire + 1000).await;
        assert_eq!(rep.converted, vec![a.to_string()], "{e}: {rep:?}");
        let mut expired = rep.expired.clone();
        expired.sort();
        let mut want = vec![b.to_string(), p.to_string()];
        want.sort();
        assert_eq!(expired, want, "{e}: {rep:?}");
        assert!(
            rep.renewed.is_empty() && rep.pending_orders.is_empty(),
            "{e}"
        );
        assert_eq!(customer_balance(&app, c).await, balance, "{e}");
        let orders_10 = "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND order_type = 10";
        assert_eq!(scalar(&app, orders_10, c).await, 0, "{e}");
        // `a` left the yearly/monthly list (and every operation on it), `b` and `p` are there,
        // expired; `p` keeps its policy, which the customer may still take back.
        assert!(listed(&app, &cc, a).await.is_null(), "{e}");
        assert_eq!(listed(&app, &cc, b).await["status"], 5, "{e}");
        assert_eq!(listed(&app, &cc, p).await["status"], 5, "{e}");
        assert_eq!(policy_of(&app, &cc, p).await, 1, "{e}");
        assert!(
            policy_call(&app, &cc, "CANCEL", &[p]).await.is_empty(),
            "{e}"
        );
        assert_eq!(policy_of(&app, &cc, p).await, 0, "{e}");
        let all = resources_of(&app, &dc, json!({ "customer_id": c })).await;
        assert_eq!(all["total_count"], 2, "{e}: {all}");
        let r = call(
            &app,
            &cc,
            "POST",
            RENEW,
            &json!({"resource_ids": [a], "period_type": 2, "period_num": 1}).to_string(),
        )
        .await;
        r.assert_error(400, "CBC.99003016");
        // The partner sees it among its customer's pay-per-use resources, from its expiry on.
        let od = on_demand_of(&app, &dc, c).await;
        assert_eq!(od.len(), 1, "{e}: {od:?}");
        assert_eq!(od[0]["resource_id"], a, "{e}");
        assert_eq!(od[0]["status"], 1, "{e}");
        assert_eq!(od[0]["effective_time"], expire_time.as_str(), "{e}");
        assert_eq!(od[0]["resource_spec_code"], "s6.small.1.linux", "{e}");
        // Rerunning the job changes nothing.
        let again = run_job(&app, expire + 2000).await;
        assert!(
            again.converted.is_empty() && again.expired.is_empty(),
            "{e}: {again:?}"
        );

        // Usage after the expiry is rated by the hour like any pay-per-use resource's: 2 h × 0.07.
        let at = expire + 3 * 3_600_000;
        app.clock.set(at);
        let mut sys = ctx();
        sys.now_ms = at;
        let raw = RawUsage {
            usage_id: format!("{a}-u1"),
            customer_id: c.clone(),
            resource_id: a.into(),
            product_id: "ecs-s6-small-1-linux".into(),
            usage: "2".into(),
            begin_time: timefmt::format_utc(expire + 3_600_000),
            end_time: timefmt::format_utc(expire + 3 * 3_600_000),
            ..Default::default()
        };
        let Outcome::Imported(i) = usage::ingest(&app.db, sys, vec![raw]).await.unwrap() else {
            panic!("{e}: refused")
        };
        assert_eq!((i.accepted, i.charged), (1, 14), "{e}");
        assert_eq!(
            customer_balance(&app, c).await.cents(),
            balance.cents() - 14,
            "{e}"
        );
        app.assert_ledger_clean().await;
    }
}

/// Changing at once after 10 days of a month with a renewal bought in advance: the used part and
/// the 5% fee of the month in use are kept, the renewal comes back whole, all to the balance.
#[tokio::test]
async fn changing_now_refunds_the_unused_part_with_a_type_10_order() {
    for app in apps("tod_now").await {
        let e = &app.engine;
        let w = world(&app).await;
        let (cc, dc) = (Creds::from(&w.c), Creds::from(&w.d));
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 20_000).await;
        let paid_at = app_now(&app);
        let rid = bought(&app, &cc, c, 1).await[0].clone();
        let renew =
            json!({"resource_ids": [rid], "period_type": 2, "period_num": 1, "is_auto_pay": 1});
        let r = call(&app, &cc, "POST", RENEW, &renew.to_string()).await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        assert_eq!(customer_balance(&app, c).await.cents(), 13_000, "{e}");
        app.clock.advance(10 * DAY);
        let now = app_now(&app);

        let res = now_call(&app, &cc, &[&rid]).await;
        assert_eq!(res.len(), 1, "{e}");
        assert_eq!(res[0]["resource_id"], rid.as_str(), "{e}");
        assert_eq!(res[0]["result"], "SUCCESS", "{e}: {res:?}");
        assert!(res[0].get("error_code").is_none(), "{e}");
        let order = res[0]["order_id"].as_str().unwrap().to_string();

        // The rule, by hand: 35.00 over the month bought, 10 days used; the renewal whole.
        let len = add_months(paid_at, 1) - paid_at;
        let consumed =
            ((3_500i128 * (now - paid_at) as i128 * 2 + len as i128) / (2 * len as i128)) as i64;
        let fee = ((3_500 - consumed) * 500 * 2 + 10_000) / 20_000;
        let refund = 3_500 - consumed - fee + 3_500;
        assert!(consumed > 1_000 && consumed < 1_300, "{consumed}");
        assert_eq!(
            customer_balance(&app, c).await.cents(),
            13_000 + refund,
            "{e}"
        );

        // The order: type 10, completed, the refund, the fee and the used part.
        let d = call(&app, &cc, "GET", &format!("{DETAILS}/{order}"), "").await;
        assert_eq!(d.status, 200, "{e}: {}", d.body);
        let o = &d.json()["order_info"];
        assert_eq!(o["order_type"], 10, "{e}");
        assert_eq!(o["status"], 5, "{e}");
        assert_eq!(o["amount_after_discount"].to_string(), yuan(refund), "{e}");
        assert_eq!(
            o["amount_info"]["commission_amount"].to_string(),
            yuan(fee),
            "{e}"
        );
        // The partner sees it too, naming its customer.
        let d = call(&app, &dc, "GET", &format!("{DETAILS}/{order}"), "").await;
        assert_eq!(d.status, 200, "{e}: {}", d.body);
        // The negative consumption record, 退款-包年/包月转按需.
        let (detail_type, order_type, payment, cash): (i64, i64, i64, i64) = sql::query_as(
            "SELECT bill_detail_type, order_type, payment_amount, cash_amount FROM consumption_records WHERE trade_id = $1",
        )
        .bind(&order)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(
            (detail_type, order_type, payment, cash),
            (24, 10, -refund, -refund),
            "{e}"
        );
        // Its refund details: each period settled against its own order.
        let settled =
            "SELECT COUNT(*) FROM refund_details WHERE refund_order_id = $1 AND kind = 'refund'";
        assert_eq!(scalar(&app, settled, &order).await, 2, "{e}");
        let audit = "SELECT COUNT(*) FROM audit_log WHERE action = 'resources.to_on_demand' AND target_id = $1";
        assert_eq!(scalar(&app, audit, &order).await, 1, "{e}");

        // The resource left the yearly/monthly list and is pay-per-use from now on.
        assert!(listed(&app, &cc, &rid).await.is_null(), "{e}");
        let od = on_demand_of(&app, &dc, c).await;
        assert_eq!(od.len(), 1, "{e}");
        assert_eq!(od[0]["resource_id"], rid.as_str(), "{e}");
        assert_eq!(
            od[0]["effective_time"],
            timefmt::format_utc(now).as_str(),
            "{e}"
        );
        // Nothing is refunded twice: again, it no longer exists; nor can it be unsubscribed.
        let again = now_call(&app, &cc, &[&rid]).await;
        assert_eq!(
            (again[0]["result"].as_str(), again[0]["error_code"].as_str()),
            (Some("FAIL"), Some("CBC.99003012")),
            "{e}"
        );
        assert!(again[0].get("order_id").is_none(), "{e}");
        let body = json!({"resource_ids": [rid], "unsubscribe_type": 1}).to_string();
        call(&app, &cc, "POST", UNSUB, &body)
            .await
            .assert_error(400, "CBC.99003012");
        assert_eq!(
            customer_balance(&app, c).await.cents(),
            13_000 + refund,
            "{e}"
        );
        // The job has nothing to do with it.
        let rep = run_job(&app, now + 90 * DAY).await;
        assert!(
            rep.renewed.is_empty() && rep.expired.is_empty(),
            "{e}: {rep:?}"
        );
        app.assert_ledger_clean().await;
    }
}

/// A retry under the same X-Idempotency-Key answers the first answer and refunds once.
#[tokio::test]
async fn a_retry_with_the_same_key_refunds_once() {
    for app in apps("tod_retry").await {
        let e = &app.engine;
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 10_000).await;
        let rid = bought(&app, &cc, c, 1).await[0].clone();
        app.clock.advance(10 * DAY);
        let body = json!({ "resource_ids": [rid] }).to_string();
        let send = || {
            app.send(signed(
                &cc,
                "POST",
                NOW,
                &body,
                app_now(&app),
                &[("x-idempotency-key", "tod-1")],
            ))
        };
        let first = send().await;
        assert_eq!(first.status, 200, "{e}: {}", first.body);
        let balance = customer_balance(&app, c).await;
        let second = send().await;
        assert_eq!((second.status, second.json()), (200, first.json()), "{e}");
        assert_eq!(customer_balance(&app, c).await, balance, "{e}");
        let orders_10 = "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND order_type = 10";
        assert_eq!(scalar(&app, orders_10, c).await, 1, "{e}");
        app.assert_ledger_clean().await;
    }
}

/// Each refused resource is named with its code and nothing is written for it; the others go on.
/// Bad input and other callers are refused whole.
#[tokio::test]
async fn refusals_name_each_resource_and_write_nothing_for_it() {
    for app in apps("tod_refuse").await {
        let e = &app.engine;
        let w = world(&app).await;
        let (cc, dc) = (Creds::from(&w.c), Creds::from(&w.d));
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 50_000).await;
        fund(&app, &w.o.partner_id, &w.oc.customer_id, 10_000).await;
        let ids = bought(&app, &cc, c, 6).await;
        let [ok, ok2, expired, frozen, pending, sub] = [0, 1, 2, 3, 4, 5].map(|i| ids[i].as_str());
        let theirs = bought(&app, &Creds::from(&w.oc), &w.oc.customer_id, 1).await[0].clone();
        set_resource(
            &app,
            "UPDATE resources SET status = 5 WHERE id = $1",
            expired,
        )
        .await;
        set_resource(
            &app,
            "UPDATE resources SET status = 4 WHERE id = $1",
            frozen,
        )
        .await;
        set_resource(&app, "UPDATE resources SET is_main = 0 WHERE id = $1", sub).await;
        let renew = json!({"resource_ids": [pending], "period_type": 2, "period_num": 1});
        let r = call(&app, &cc, "POST", RENEW, &renew.to_string()).await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        // A product not sold by the hour, and a resource package.
        set_resource(
            &app,
            "UPDATE catalog_products SET hour_price = NULL WHERE id = $1",
            "dcs-redis-2g",
        )
        .await;
        let no_price = buy_one(&app, &cc, c, "dcs-redis-2g").await;
        make_vm_package(&app, "10").await;
        let package = buy_one(&app, &cc, c, VM_PACKAGE).await;

        let named = [
            ok,
            "no-such-resource",
            theirs.as_str(),
            expired,
            frozen,
            pending,
            sub,
            no_price.as_str(),
            package.as_str(),
        ];
        let want: Vec<(String, String)> = [
            ("no-such-resource", "CBC.99003012"),
            (theirs.as_str(), "CBC.99003012"),
            (expired, "CBC.99003610"),
            (frozen, "CBC.99003624"),
            (pending, "CBC.99003623"),
            (sub, "PC.1120"),
            (no_price.as_str(), "CBC.99003609"),
            (package.as_str(), "CBC.99003611"),
        ]
        .iter()
        .map(|(i, c)| (i.to_string(), c.to_string()))
        .collect();
        assert_eq!(policy_call(&app, &cc, "SET_UP", &named).await, want, "{e}");
        assert_eq!(policy_of(&app, &cc, ok).await, 1, "{e}");
        for id in [
            expired,
            frozen,
            pending,
            no_price.as_str(),
            package.as_str(),
        ] {
            assert_eq!(policy_of(&app, &cc, id).await, 0, "{e}: {id}");
        }
        assert_eq!(
            policy_of(&app, &Creds::from(&w.oc), &theirs).await,
            0,
            "{e}"
        );
        // CANCEL of one not set.
        assert_eq!(
            policy_call(&app, &cc, "CANCEL", &[ok2]).await,
            vec![(ok2.to_string(), "PC.1121".to_string())],
            "{e}"
        );

        // At once: the good one succeeds, each other is named with its code; nothing for them.
        let balance = customer_balance(&app, c).await;
        let named_now = [
            ok2,
            "no-such-resource",
            theirs.as_str(),
            expired,
            frozen,
            pending,
            sub,
            no_price.as_str(),
            package.as_str(),
        ];
        let res = now_call(&app, &cc, &named_now).await;
        assert_eq!(res.len(), named_now.len(), "{e}");
        assert_eq!(res[0]["result"], "SUCCESS", "{e}: {res:?}");
        let got: Vec<(String, String)> = res[1..]
            .iter()
            .map(|x| {
                assert_eq!(x["result"], "FAIL", "{e}: {x}");
                assert!(x["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
                assert!(x.get("order_id").is_none());
                (
                    x["resource_id"].as_str().unwrap().to_string(),
                    x["error_code"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(got, want, "{e}");
        let orders_10 = "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND order_type = 10";
        assert_eq!(scalar(&app, orders_10, c).await, 1, "{e}");
        assert!(customer_balance(&app, c).await > balance, "{e}");
        for id in [
            expired,
            frozen,
            pending,
            sub,
            no_price.as_str(),
            package.as_str(),
        ] {
            assert!(
                !listed(&app, &cc, id).await.is_null(),
                "{e}: {id} is still yearly/monthly"
            );
        }
        assert_eq!(on_demand_of(&app, &dc, c).await.len(), 1, "{e}");

        // Refused whole: bad input, other callers.
        let bad = [
            (SET, json!({"operation": "DELETE", "resource_ids": [ok]})),
            (SET, json!({"resource_ids": [ok]})),
            (SET, json!({"operation": "SET_UP", "resource_ids": []})),
            (
                SET,
                json!({"operation": "SET_UP", "resource_ids": [ok, ok]}),
            ),
            (
                SET,
                json!({"operation": "SET_UP", "resource_ids": (0..101).map(|i| format!("r{i}")).collect::<Vec<_>>()}),
            ),
            (
                SET,
                json!({"operation": "SET_UP", "resource_ids": ["x".repeat(65)]}),
            ),
            (SET, json!({"operation": 1, "resource_ids": [ok]})),
            (
                NOW,
                json!({"resource_ids": (0..11).map(|i| format!("r{i}")).collect::<Vec<_>>()}),
            ),
            (NOW, json!({"resource_ids": [""]})),
            (NOW, json!({})),
            (NOW, json!({"resource_ids": "abc"})),
        ];
        for (path, body) in bad {
            call(&app, &cc, "POST", path, &body.to_string())
                .await
                .assert_error(400, "CBC.0100");
        }
        call(&app, &cc, "POST", NOW, "{not json")
            .await
            .assert_error(400, "CBC.0100");
        for creds in [&dc, &Creds::from(&w.r)] {
            let body = json!({"operation": "SET_UP", "resource_ids": [ok2]}).to_string();
            call(&app, creds, "POST", SET, &body)
                .await
                .assert_error(403, "CBC.0155");
            let body = json!({"resource_ids": [expired]}).to_string();
            call(&app, creds, "POST", NOW, &body)
                .await
                .assert_error(403, "CBC.0155");
        }
        assert!(!listed(&app, &cc, expired).await.is_null(), "{e}");
        app.assert_ledger_clean().await;
    }
}
