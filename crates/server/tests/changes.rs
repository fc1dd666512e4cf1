//! Spec changes (order type 3) on SQLite and PostgreSQL: an upgrade is a change order to pay,
//! then the resource runs on the new product and a later unsubscribe refunds both payments'
//! unused parts; a downgrade refunds the difference at once (never more than was paid and not
//! used), back to the sources, and carries the rest to the new spec; refusals write nothing; the
//! console offers, quotes and carries out both.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::subscriptions::changes;
use pc_app::store::sql;
use pc_domain::coupons::QuotaType;
use pc_domain::orders::PeriodType;
use pc_domain::Money;
use serde_json::{json, Value};

const DAY: i64 = 86_400_000;
const MONTH30: i64 = 30 * DAY;
const DETAILS: &str = "/v2/orders/customer-orders/details";
const REFUNDS: &str = "/v2/orders/customer-orders/refund-orders";
const UNSUB: &str = "/v2/orders/subscriptions/resources/unsubscribe";

/// half-up of `a × n / d` in cents.
fn ratio(a: i64, n: i64, d: i64) -> i64 {
    let p = a as i128 * n as i128;
    ((2 * p + d as i128) / (2 * d as i128)) as i64
}

fn change_of(rid: &str, product: &str) -> changes::Change {
    changes::Change {
        resource_id: rid.into(),
        product_id: product.into(),
    }
}

async fn change(app: &TestApp, customer_id: &str, rid: &str, product: &str) -> changes::Changed {
    let ctx = cust_ctx(app, customer_id);
    changes::change(&app.db, ctx, change_of(rid, product))
        .await
        .unwrap()
}

async fn change_err(app: &TestApp, customer_id: &str, rid: &str, product: &str) -> String {
    let ctx = cust_ctx(app, customer_id);
    changes::change(&app.db, ctx, change_of(rid, product))
        .await
        .unwrap_err()
        .code
        .vendor_code()
        .to_string()
}

async fn resource(app: &TestApp, creds: &Creds, id: &str) -> Value {
    resources_of(app, creds, json!({"resource_ids": [id]})).await["data"][0].clone()
}

async fn expire_of(app: &TestApp, id: &str) -> (i64, i64) {
    sql::query_as("SELECT effective_at, expire_at FROM resources WHERE id = $1")
        .bind(id)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

#[tokio::test]
async fn upgrade_is_an_order_to_pay_then_refunds_with_the_rest() {
    for app in apps("chup").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 50_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone(); // small, 35.00
        let (start, end) = expire_of(&app, &rid).await;
        app.clock.advance(15 * DAY);
        let now = app_now(&app);
        let done = change(&app, &w.c.customer_id, &rid, "ecs-s6-large-2-linux").await;
        assert!(done.pending_payment);
        let amount = ratio(11_900 - 3_500, end - now, MONTH30);
        let d = call(
            &app,
            &cc,
            "GET",
            &format!("{DETAILS}/{}", done.order_id),
            "",
        )
        .await;
        assert_eq!(d.status, 200, "{}", d.body);
        let j = d.json();
        assert_eq!(j["order_info"]["order_type"], 3);
        assert_eq!(j["order_info"]["status"], 6);
        assert_eq!(
            j["order_info"]["official_amount"].to_string(),
            Money::from_cents(amount).to_string()
        );
        let line = &j["order_line_items"][0];
        assert_eq!(line["product_id"], "ecs-s6-large-2-linux");
        assert_eq!(
            line["base_product_info"]["product_id"],
            "ecs-s6-small-1-linux"
        );
        assert!(line["period_num"].is_null());
        // Still the old product until paid; a second change waits for this one.
        assert_eq!(
            resource(&app, &cc, &rid).await["product_id"],
            "ecs-s6-small-1-linux"
        );
        assert_eq!(
            change_err(&app, &w.c.customer_id, &rid, "ecs-c7-xlarge-2-win").await,
            "CBC.99003100"
        );
        let paid = call(&app, &cc, "POST", PAY, &pay_body(&done.order_id)).await;
        assert_eq!(paid.status, 200, "{}", paid.body);
        let res = resource(&app, &cc, &rid).await;
        assert_eq!(res["product_id"], "ecs-s6-large-2-linux");
        assert_eq!(
            expire_of(&app, &rid).await.1,
            end,
            "the expiry does not move"
        );
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(50_000 - 3_500 - amount)
        );
        // Five more days, then unsubscribe: both periods refund their unused part, less the fee.
        app.clock.advance(5 * DAY);
        let later = app_now(&app);
        let body = json!({"resource_ids": [rid], "unsubscribe_type": 1}).to_string();
        let u = call(&app, &cc, "POST", UNSUB, &body).await;
        assert_eq!(u.status, 200, "{}", u.body);
        let uo = u.json()["order_ids"][0].as_str().unwrap().to_string();
        let part = |paid: i64, from: i64| {
            let consumed = ratio(paid, later - from, end - from);
            let fee = ratio(paid - consumed, 500, 10_000);
            paid - consumed - fee
        };
        let refund = part(3_500, start) + part(amount, now);
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(50_000 - 3_500 - amount + refund),
            "{}",
            app.engine
        );
        let rows = call(&app, &cc, "GET", &format!("{REFUNDS}?order_id={uo}"), "")
            .await
            .json();
        let bases: Vec<&str> = rows["refund_infos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["base_order_id"].as_str().unwrap())
            .collect();
        assert!(bases.contains(&done.order_id.as_str()), "{rows}");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn downgrade_refunds_at_once_and_carries_the_rest() {
    for app in apps("chdown").await {
        let w = world(&app).await;
        let (cc, dc) = (Creds::from(&w.c), Creds::from(&w.d));
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        // A large ECS (119.00) paid 50.00 by coupon and 69.00 in cash.
        let quota = coupon_quota(&app, &w.d.partner_id, QuotaType::Voucher, 100_000).await;
        let k = issue_coupon(&app, &dc, &quota, &w.c.customer_id, 50.0, json!({})).await;
        let (o, _) = place(
            &app,
            &w.c.customer_id,
            vec![item("ecs-s6-large-2-linux", PeriodType::Month, 1, 1, None)],
        )
        .await;
        let body = json!({"order_id": o, "use_coupon": "YES", "use_discount": "NO", "coupon_infos": [{"id": k, "type": 301}]});
        let r = call(&app, &cc, "POST", PAY, &body.to_string()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let rid = resources_of(&app, &cc, json!({"order_id": o})).await["data"][0]["resource_id"]
            .as_str()
            .unwrap()
            .to_string();
        let (start, end) = expire_of(&app, &rid).await;
        app.clock.advance(10 * DAY);
        let now = app_now(&app);
        let before = customer_balance(&app, &w.c.customer_id).await.cents();
        let done = change(&app, &w.c.customer_id, &rid, "ecs-s6-small-1-linux").await;
        assert!(!done.pending_payment);
        let unused = ratio(11_900, end - now, end - start);
        let refund = ratio(11_900 - 3_500, end - now, MONTH30).min(unused);
        let retained = unused - refund;
        // The refund went back 50:69 to the coupon and the balance.
        let cash_back = customer_balance(&app, &w.c.customer_id).await.cents() - before;
        let coupon_back = coupon_balance(&app, &k).await.0.cents();
        assert_eq!(cash_back + coupon_back, refund, "{}", app.engine);
        assert!(
            (coupon_back - ratio(refund, 5_000, 11_900)).abs() <= 1,
            "{coupon_back}"
        );
        let d = call(
            &app,
            &cc,
            "GET",
            &format!("{DETAILS}/{}", done.order_id),
            "",
        )
        .await
        .json();
        assert_eq!(d["order_info"]["order_type"], 3);
        assert_eq!(d["order_info"]["status"], 5);
        assert_eq!(
            d["order_info"]["amount_after_discount"].to_string(),
            Money::from_cents(refund).to_string()
        );
        assert_eq!(
            d["order_line_items"][0]["amount_after_discount"].to_string(),
            Money::from_cents(retained).to_string()
        );
        // Its refund details: the refund against the purchase, and what was used of it.
        let rows = call(
            &app,
            &cc,
            "GET",
            &format!("{REFUNDS}?order_id={}", done.order_id),
            "",
        )
        .await;
        assert_eq!(rows.status, 200, "{}", rows.body);
        let amounts: Vec<String> = rows.json()["refund_infos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["amount"].to_string())
            .collect();
        assert!(
            amounts.contains(&format!("-{}", Money::from_cents(refund))),
            "{amounts:?}"
        );
        assert_eq!(
            resource(&app, &cc, &rid).await["product_id"],
            "ecs-s6-small-1-linux"
        );
        // Consumption: the purchase (type 1) and the refund (退款-变更, type 20, negative, as the
        // ledger gave it back); closing the months and `verify`'s checks agree.
        let records: Vec<(i64, i64, i64)> = sql::query_as(
            "SELECT bill_detail_type, payment_amount, cash_amount + coupon_amount FROM consumption_records \
             WHERE customer_id = $1 ORDER BY trade_time",
        )
        .bind(&w.c.customer_id)
        .fetch_all(app.db.read())
        .await
        .unwrap();
        assert_eq!(
            records,
            vec![(1, 11_900, 11_900), (20, -refund, -refund)],
            "{}",
            app.engine
        );
        let later = pc_app::Ctx::new(
            pc_app::Actor::System {
                name: "test".into(),
            },
            "req-close",
            app_now(&app) + 62 * DAY,
        );
        let closed = pc_app::services::consumption::close_months(&app.db, later)
            .await
            .unwrap();
        assert!(!closed.is_empty(), "{}", app.engine);
        let problems = pc_app::services::consistency(app.db.read()).await.unwrap();
        assert!(problems.is_empty(), "{}: {problems:?}", app.engine);
        // An upgrade order is not a refund order.
        let up = change(&app, &w.c.customer_id, &rid, "ecs-c7-xlarge-2-win").await;
        call(
            &app,
            &cc,
            "GET",
            &format!("{REFUNDS}?order_id={}", up.order_id),
            "",
        )
        .await
        .assert_error(400, "CBC.99005026");
        call(
            &app,
            &cc,
            "PUT",
            "/v2/orders/customer-orders/cancel",
            &json!({"order_id": up.order_id}).to_string(),
        )
        .await;
        // Unsubscribing later refunds the carried period only, back to the same sources.
        app.clock.advance(DAY);
        let later = app_now(&app);
        let body = json!({"resource_ids": [rid], "unsubscribe_type": 1}).to_string();
        let u = call(&app, &cc, "POST", UNSUB, &body).await;
        assert_eq!(u.status, 200, "{}", u.body);
        let consumed = ratio(retained, later - now, end - now);
        let fee = ratio(retained - consumed, 500, 10_000);
        let final_back = retained - consumed - fee;
        let total_back = customer_balance(&app, &w.c.customer_id).await.cents() - before
            + coupon_balance(&app, &k).await.0.cents();
        assert_eq!(total_back, refund + final_back, "{}", app.engine);
        // No source ever got back more than it paid.
        let over: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM (SELECT source_id, SUM(amount) AS s FROM refund_sources WHERE base_order_id = $1 GROUP BY source_id) x \
             WHERE (x.source_id IS NULL AND x.s > 6900) OR (x.source_id IS NOT NULL AND x.s > 5000)",
        )
        .bind(&o)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(over, 0);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn refusals_write_nothing() {
    for app in apps("chref").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let orders_before: i64 = sql::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        for p in [
            "evs-ssd",
            "ecs-s6-small-1-linux",
            "no-such-product",
            "rds-mysql-2u4g",
        ] {
            assert_eq!(
                change_err(&app, &w.c.customer_id, &rid, p).await,
                "PC.1106",
                "{p}"
            );
        }
        assert_eq!(
            change_err(&app, &w.rc.customer_id, &rid, "ecs-s6-large-2-linux").await,
            "CBC.99003012"
        );
        let orders_after: i64 = sql::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(orders_after, orders_before);
        let body = json!({"resource_ids": [rid], "unsubscribe_type": 1}).to_string();
        assert_eq!(call(&app, &cc, "POST", UNSUB, &body).await.status, 200);
        assert_eq!(
            change_err(&app, &w.c.customer_id, &rid, "ecs-s6-large-2-linux").await,
            "CBC.30000067"
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn console_quotes_and_changes() {
    for app in apps("chcon").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 50_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        let list = app.console_get(&s, "/console/resources").await;
        let link = format!("/console/resources/{rid}/change");
        assert!(list.body.contains(&link), "{}", list.body);
        let page = app.console_get(&s, &link).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("data-product=\"ecs-s6-large-2-linux\""));
        assert!(
            !page.body.contains("data-product=\"evs-ssd\""),
            "another resource type is not offered"
        );
        assert!(page.body.contains("class=\"upgrade\""));
        let go = app
            .console_post(&s, &link, &[("product_id", "ecs-s6-large-2-linux")])
            .await;
        assert_eq!(go.status, 303, "{}", go.body);
        let order = go.headers["location"].to_str().unwrap().to_string();
        let op = app.console_get(&s, &order).await;
        assert!(
            op.body.contains("order-base-product") && op.body.contains("ecs-s6-small-1-linux"),
            "{}",
            op.body
        );
        // A refused change re-shows the page with the reason.
        let bad = app
            .console_post(&s, &link, &[("product_id", "evs-ssd")])
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(bad.body.contains("change-error"));
        let en = app
            .console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        assert!(en.status < 400);
        let page = app.console_get(&s, &link).await;
        assert!(!page.body.contains("??"), "{}", page.body);
        app.assert_ledger_clean().await;
    }
}

/// An upgrade that waits for payment past the resource's expiry buys no time: its payment is
/// refused and writes nothing; the order can still be cancelled.
#[tokio::test]
async fn upgrade_paid_after_expiry_is_refused() {
    for app in apps("chlate").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 50_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let (_, end) = expire_of(&app, &rid).await;
        app.clock.set(end - 2 * DAY);
        let up = change(&app, &w.c.customer_id, &rid, "ecs-s6-large-2-linux").await;
        app.clock.set(end + DAY);
        let before = customer_balance(&app, &w.c.customer_id).await;
        call(&app, &cc, "POST", PAY, &pay_body(&up.order_id))
            .await
            .assert_error(400, "PC.1106");
        assert_eq!(customer_balance(&app, &w.c.customer_id).await, before);
        assert_eq!(
            resource(&app, &cc, &rid).await["product_id"],
            "ecs-s6-small-1-linux"
        );
        let cancel = json!({"order_id": up.order_id}).to_string();
        let r = call(
            &app,
            &cc,
            "PUT",
            "/v2/orders/customer-orders/cancel",
            &cancel,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.assert_ledger_clean().await;
    }
}
