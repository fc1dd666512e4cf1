//! Unsubscribe and refunds through the vendor API, in process, on SQLite and PostgreSQL:
//! cancel_resources_subscription (types 1 and 2, the no-reason window, the used part and the
//! fee, several resources on one line, coupons back on the coupon or to the quota),
//! show_refund_order_details (who may read, the rows), every refusal with nothing written, and
//! concurrent unsubscribes of one resource across two instances.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::coupons;
use pc_app::store::ledger;
use pc_app::store::sql;
use pc_domain::coupons::QuotaType;
use pc_domain::ledger::AccountKind;
use pc_domain::orders::{add_months, PeriodType};
use pc_domain::Money;
use serde_json::{json, Value};

const UNSUB: &str = "/v2/orders/subscriptions/resources/unsubscribe";
const REFUNDS: &str = "/v2/orders/customer-orders/refund-orders";
const DETAILS: &str = "/v2/orders/customer-orders/details";
const RENEW: &str = "/v2/orders/subscriptions/resources/renew";
const DAY: i64 = 86_400_000;

fn unsub_body(ids: &[&str], t: i64) -> String {
    json!({"resource_ids": ids, "unsubscribe_type": t, "unsubscribe_reason_type": 5, "unsubscribe_reason": "moving"})
        .to_string()
}

/// Unsubscribes as `creds`; asserts 200 and returns the order ids.
async fn unsubscribe(app: &TestApp, creds: &Creds, ids: &[&str], t: i64) -> Vec<String> {
    let r = call(app, creds, "POST", UNSUB, &unsub_body(ids, t)).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    let j = r.json();
    assert_eq!(j["fail_resource_infos"], json!([]));
    j["order_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// `show_refund_order_details` rows as (amount digits, base order id), sorted.
async fn refund_rows(app: &TestApp, creds: &Creds, query: &str) -> Vec<(String, String)> {
    let r = call(app, creds, "GET", &format!("{REFUNDS}?{query}"), "").await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    let j = r.json();
    let rows = j["refund_infos"].as_array().unwrap();
    assert_eq!(j["total_count"], rows.len());
    let mut out: Vec<(String, String)> = rows
        .iter()
        .map(|x| {
            assert_eq!(x["measure_id"], "1");
            assert_eq!(x["service_type_code"], "hws.service.type.ec2");
            assert_eq!(x["resource_type_code"], "hws.resource.type.vm");
            assert_eq!(x["region_code"], "cn-north-4");
            assert!(x["id"].as_str().is_some_and(|s| !s.is_empty()));
            (
                x["amount"].to_string(),
                x["base_order_id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

async fn resource(app: &TestApp, creds: &Creds, id: &str) -> Value {
    let j = resources_of(app, creds, json!({"resource_ids": [id]})).await;
    j["data"][0].clone()
}

async fn purchase_order_of(app: &TestApp, resource_id: &str) -> String {
    sql::query_scalar("SELECT order_id FROM resources WHERE id = $1")
        .bind(resource_id)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

fn yuan(cents: i64) -> String {
    Money::from_cents(cents).to_string()
}

fn neg(cents: i64) -> String {
    format!("-{}", Money::from_cents(cents))
}

/// Type 1 after the no-reason window: the used part and a 5% fee are kept, the rest goes back
/// to the balance; the refund order and its details; the resource is closed.
#[tokio::test]
async fn unsubscribe_after_the_window_keeps_used_time_and_fee() {
    for app in apps("runs").await {
        let w = world(&app).await;
        let (cc, dc) = (Creds::from(&w.c), Creds::from(&w.d));
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        let paid_at = app_now(&app);
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let base = purchase_order_of(&app, &rid).await;
        let before = customer_balance(&app, &w.c.customer_id).await;
        assert_eq!(before, Money::from_cents(16_500));
        app.clock.advance(10 * DAY);
        let now = app_now(&app);
        let ids = unsubscribe(&app, &cc, &[&rid], 1).await;
        assert_eq!(ids.len(), 1);
        // The rule, by hand: 35.00 over the month bought; 10 days used.
        let len = add_months(paid_at, 1) - paid_at;
        let consumed = (3_500i128 * (now - paid_at) as i128 * 2 + len as i128) / (2 * len as i128);
        let consumed = consumed as i64;
        let fee = ((3_500 - consumed) * 500 * 2 + 10_000) / 20_000;
        let refund = 3_500 - consumed - fee;
        assert!(consumed > 1_000 && consumed < 1_300, "{consumed}");
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(16_500 + refund),
            "{}",
            app.engine
        );
        let rows = refund_rows(&app, &cc, &format!("order_id={}", ids[0])).await;
        let mut want = vec![
            (neg(refund), base.clone()),
            (yuan(consumed), base.clone()),
            (yuan(fee), base.clone()),
        ];
        want.sort();
        assert_eq!(rows, want, "{}", app.engine);
        // The partner reads it naming its customer.
        let q = format!("order_id={}&customer_id={}", ids[0], w.c.customer_id);
        assert_eq!(refund_rows(&app, &dc, &q).await, want);
        // The order itself: type 4, completed, the amounts.
        let d = call(&app, &cc, "GET", &format!("{DETAILS}/{}", ids[0]), "").await;
        assert_eq!(d.status, 200, "{}", d.body);
        let o = &d.json()["order_info"];
        assert_eq!(o["order_type"], 4);
        assert_eq!(o["status"], 5);
        assert_eq!(o["amount_after_discount"].to_string(), yuan(refund));
        assert_eq!(o["amount_info"]["commission_amount"].to_string(), yuan(fee));
        assert_eq!(
            o["amount_info"]["consumed_amount"].to_string(),
            yuan(consumed)
        );
        // The resource is closed; a second unsubscribe or a renewal is refused.
        let res = resource(&app, &cc, &rid).await;
        assert_eq!(res["status"], 3, "{res}");
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid], 1))
            .await
            .assert_error(400, "CBC.30000067");
        let renew = json!({"resource_ids": [rid], "period_type": 2, "period_num": 1}).to_string();
        call(&app, &cc, "POST", RENEW, &renew)
            .await
            .assert_error(400, "CBC.99003016");
        let audit: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE action = 'orders.unsubscribe' AND target_id = $1",
        )
        .bind(&ids[0])
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(audit, 1);
        app.assert_ledger_clean().await;
    }
}

/// Within 5 days the whole price comes back; several resources of one line each get their
/// share; the yearly limit on no-reason refunds.
#[tokio::test]
async fn no_reason_refund_and_shares_of_one_line() {
    for app in apps("rnor").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        // One line of three (105.00): 35.00 each.
        let ids = bought(&app, &cc, &w.c.customer_id, 3).await;
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(9_500)
        );
        app.clock.advance(2 * DAY);
        let orders = unsubscribe(&app, &cc, &[&ids[0], &ids[1]], 1).await;
        assert_eq!(orders.len(), 2);
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(9_500 + 7_000)
        );
        let base = purchase_order_of(&app, &ids[0]).await;
        assert_eq!(
            refund_rows(&app, &cc, &format!("order_id={}", orders[1])).await,
            vec![(neg(3_500), base.clone())]
        );
        let no_reason: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND no_reason = 1",
        )
        .bind(&w.c.customer_id)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(no_reason, 2);
        // The third resource stays in use.
        assert_eq!(resource(&app, &cc, &ids[2]).await["status"], 2);
        // The yearly limit: eight more make ten; the eleventh pays the fee although it is
        // within 5 days (no time used yet, so nothing consumed).
        fund(&app, &w.d.partner_id, &w.c.customer_id, 40_000).await;
        let eight = bought(&app, &cc, &w.c.customer_id, 8).await;
        let refs: Vec<&str> = eight.iter().map(String::as_str).collect();
        assert_eq!(unsubscribe(&app, &cc, &refs, 1).await.len(), 8);
        let one = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let last = unsubscribe(&app, &cc, &[&one], 1).await;
        let base = purchase_order_of(&app, &one).await;
        let mut want = vec![(neg(3_325), base.clone()), (yuan(175), base)];
        want.sort();
        assert_eq!(
            refund_rows(&app, &cc, &format!("order_id={}", last[0])).await,
            want,
            "{}",
            app.engine
        );
        app.assert_ledger_clean().await;
    }
}

/// Type 2 refunds a renewal bought in advance in full and the resource returns to its old
/// expiry; with no such renewal it is refused; then type 1 refunds the period in use.
#[tokio::test]
async fn renewed_periods_only() {
    for app in apps("rren").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let expire0 = resource(&app, &cc, &rid).await["expire_time"].clone();
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid], 2))
            .await
            .assert_error(400, "CBC.99003128");
        let renew =
            json!({"resource_ids": [rid], "period_type": 2, "period_num": 1, "is_auto_pay": 1})
                .to_string();
        let r = call(&app, &cc, "POST", RENEW, &renew).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let renewal = r.json()["order_ids"][0].as_str().unwrap().to_string();
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(13_000)
        );
        assert_ne!(resource(&app, &cc, &rid).await["expire_time"], expire0);
        app.clock.advance(8 * DAY);
        let o = unsubscribe(&app, &cc, &[&rid], 2).await;
        assert_eq!(
            refund_rows(&app, &cc, &format!("order_id={}", o[0])).await,
            vec![(neg(3_500), renewal.clone())]
        );
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(16_500)
        );
        let res = resource(&app, &cc, &rid).await;
        assert_eq!(res["status"], 2);
        assert_eq!(res["expire_time"], expire0, "{}", app.engine);
        // Nothing left to refund of the renewal.
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid], 2))
            .await
            .assert_error(400, "CBC.99003128");
        // Type 1 now refunds only the purchase period in use (8 days in, a fee).
        let o2 = unsubscribe(&app, &cc, &[&rid], 1).await;
        let rows = refund_rows(&app, &cc, &format!("order_id={}", o2[0])).await;
        assert_eq!(rows.len(), 3, "{rows:?}");
        let base = purchase_order_of(&app, &rid).await;
        assert!(rows.iter().all(|(_, b)| *b == base));
        app.assert_ledger_clean().await;
    }
}

/// A refund goes back to what paid: a valid coupon gets its share back and is usable again;
/// once the coupon has expired its share goes to the issuing partner's quota, recorded as
/// an unsubscribe reclaim (5).
#[tokio::test]
async fn coupons_get_their_share_back() {
    for app in apps("rcou").await {
        let w = world(&app).await;
        let (cc, dc) = (Creds::from(&w.c), Creds::from(&w.d));
        fund(&app, &w.d.partner_id, &w.c.customer_id, 10_000).await;
        let quota = coupon_quota(&app, &w.d.partner_id, QuotaType::Voucher, 100_000).await;
        let k1 = issue_coupon(&app, &dc, &quota, &w.c.customer_id, 20.0, json!({})).await;
        // 35.00: 20.00 coupon + 15.00 cash; no-reason refund within 5 days.
        let (o, _) = place_ecs_month(&app, &w.c.customer_id).await;
        let r = call(&app, &cc, "POST", PAY, &pay_coupons(&o, &k1)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(coupon_balance(&app, &k1).await.0, Money::ZERO);
        assert_eq!(coupon_balance(&app, &k1).await.1, 3);
        let rid = resources_of(&app, &cc, json!({"order_id": o})).await["data"][0]["resource_id"]
            .as_str()
            .unwrap()
            .to_string();
        app.clock.advance(DAY);
        let u = unsubscribe(&app, &cc, &[&rid], 1).await;
        let (bal, status, _) = coupon_balance(&app, &k1).await;
        assert_eq!(
            (bal, status),
            (Money::from_cents(2_000), 2),
            "{}",
            app.engine
        );
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(10_000)
        );
        let d = call(&app, &cc, "GET", &format!("{DETAILS}/{}", u[0]), "").await;
        let ai = &d.json()["order_info"]["amount_info"];
        assert_eq!(ai["coupon_amount"].to_string(), "20.00");

        // A yearly order paid with a coupon that expires before the unsubscribe.
        let k2 = issue_coupon(&app, &dc, &quota, &w.c.customer_id, 100.0, json!({})).await;
        let quota_before = ledger::balance(
            app.db.read(),
            &ledger::account_id(AccountKind::CouponQuota, &quota),
        )
        .await
        .unwrap();
        let (oy, amount) = place(
            &app,
            &w.c.customer_id,
            vec![item("obs-standard-100g", PeriodType::Year, 1, 1, None)],
        )
        .await;
        assert_eq!(amount, Money::from_cents(9_900));
        let r = call(&app, &cc, "POST", PAY, &pay_coupons(&oy, &k2)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let ry = resources_of(&app, &cc, json!({"order_id": oy})).await["data"][0]["resource_id"]
            .as_str()
            .unwrap()
            .to_string();
        app.clock.advance(40 * DAY); // past the coupon's expiry (30 days after issue)
        let uy = unsubscribe(&app, &cc, &[&ry], 1).await;
        let back: i64 = sql::query_scalar(
            "SELECT amount FROM refund_sources WHERE refund_order_id = $1 AND source_kind = 'quota' AND source_id = $2",
        )
        .bind(&uy[0])
        .bind(&k2)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert!(back > 8_000 && back < 9_900, "{back}");
        let quota_after = ledger::balance(
            app.db.read(),
            &ledger::account_id(AccountKind::CouponQuota, &quota),
        )
        .await
        .unwrap();
        assert_eq!(quota_after.cents() - quota_before.cents(), back);
        let rec: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM coupon_records WHERE coupon_id = $1 AND operation_type = 5 AND amount = $2",
        )
        .bind(&k2)
        .bind(back)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(rec, 1);
        // The 1.00 the order did not need stays on the (expired) coupon.
        let k2now = coupons::get_coupon(app.db.read(), &k2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(k2now.balance, Money::from_cents(100));
        app.assert_ledger_clean().await;
    }
}

fn pay_coupons(order_id: &str, coupon: &str) -> String {
    json!({"order_id": order_id, "use_coupon": "YES", "use_discount": "NO",
        "coupon_infos": [{"id": coupon, "type": 301}]})
    .to_string()
}

/// Every refusal answers its code and writes nothing; who may read refund details.
#[tokio::test]
async fn refusals_and_readers() {
    for app in apps("rref").await {
        let w = world(&app).await;
        let (cc, dc, oc, rcc) = (
            Creds::from(&w.c),
            Creds::from(&w.d),
            Creds::from(&w.o),
            Creds::from(&w.rc),
        );
        let occ = Creds::from(&w.oc);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        fund(&app, &w.r.partner_id, &w.rc.customer_id, 10_000).await;
        fund(&app, &w.o.partner_id, &w.oc.customer_id, 10_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let foreign = bought(&app, &occ, &w.oc.customer_id, 1).await[0].clone();
        let orders_before: i64 = sql::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        // A partner's key on a customer-only operation.
        call(&app, &dc, "POST", UNSUB, &unsub_body(&[&rid], 1))
            .await
            .assert_error(403, "CBC.0155");
        // Bad input.
        for body in [
            json!({"resource_ids": [], "unsubscribe_type": 1}),
            json!({"unsubscribe_type": 1}),
            json!({"resource_ids": [rid, rid], "unsubscribe_type": 1}),
            json!({"resource_ids": (0..11).map(|i| format!("r{i}")).collect::<Vec<_>>(), "unsubscribe_type": 1}),
            json!({"resource_ids": [rid], "unsubscribe_type": 3}),
            json!({"resource_ids": [rid]}),
            json!({"resource_ids": [rid], "unsubscribe_type": 1, "unsubscribe_reason_type": 9}),
            json!({"resource_ids": [rid], "unsubscribe_type": 1, "unsubscribe_reason": "x".repeat(600)}),
            json!({"resource_ids": [rid], "unsubscribe_type": "one"}),
        ] {
            call(&app, &cc, "POST", UNSUB, &body.to_string())
                .await
                .assert_error(400, "CBC.0100");
        }
        // Someone else's resource, an unknown one, and a mix (all or nothing).
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&foreign], 1))
            .await
            .assert_error(400, "CBC.99003012");
        call(&app, &cc, "POST", UNSUB, &unsub_body(&["nope"], 1))
            .await
            .assert_error(400, "CBC.99003012");
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid, &foreign], 1))
            .await
            .assert_error(400, "CBC.99003012");
        // In a pending renewal order.
        let renew = json!({"resource_ids": [rid], "period_type": 2, "period_num": 1}).to_string();
        let r = call(&app, &cc, "POST", RENEW, &renew).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let pending = r.json()["order_ids"][0].as_str().unwrap().to_string();
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid], 1))
            .await
            .assert_error(400, "CBC.99003100");
        let orders_after: i64 = sql::query_scalar("SELECT COUNT(*) FROM orders")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(orders_after, orders_before + 1, "only the renewal order");
        assert_eq!(resource(&app, &cc, &rid).await["status"], 2);
        call(
            &app,
            &cc,
            "PUT",
            "/v2/orders/customer-orders/cancel",
            &json!({"order_id": pending}).to_string(),
        )
        .await;
        // Frozen.
        set_resource(&app, "UPDATE resources SET status = 4 WHERE id = $1", &rid).await;
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid], 1))
            .await
            .assert_error(400, "CBC.99003656");
        let renew_frozen =
            json!({"resource_ids": [rid], "period_type": 2, "period_num": 1}).to_string();
        call(&app, &cc, "POST", RENEW, &renew_frozen)
            .await
            .assert_error(400, "CBC.99003656");
        // Frozen or expired, it cannot renew automatically (auto_renewal_resources' table).
        let auto = format!("/v2/orders/subscriptions/resources/autorenew/{rid}");
        call(&app, &cc, "POST", &auto, "{}")
            .await
            .assert_error(400, "CBC.99003602");
        set_resource(&app, "UPDATE resources SET status = 5 WHERE id = $1", &rid).await;
        call(&app, &cc, "POST", &auto, "{}")
            .await
            .assert_error(400, "CBC.99003602");
        set_resource(&app, "UPDATE resources SET status = 2 WHERE id = $1", &rid).await;
        // A sub-resource must go with its main resource.
        set_resource(&app, "UPDATE resources SET is_main = 0 WHERE id = $1", &rid).await;
        call(&app, &cc, "POST", UNSUB, &unsub_body(&[&rid], 1))
            .await
            .assert_error(400, "CBC.99003185");
        // Nor can it be renewed alone (the renewal table's CBC.30010036).
        let renew = json!({"resource_ids": [rid], "period_type": 2, "period_num": 1}).to_string();
        call(&app, &cc, "POST", RENEW, &renew)
            .await
            .assert_error(400, "CBC.30010036");
        set_resource(&app, "UPDATE resources SET is_main = 1 WHERE id = $1", &rid).await;

        let u = unsubscribe(&app, &cc, &[&rid], 1).await[0].clone();
        // Readers: missing order id, a purchase order, strangers, a wrong customer id.
        call(&app, &cc, "GET", REFUNDS, "")
            .await
            .assert_error(400, "CBC.0100");
        let base = purchase_order_of(&app, &rid).await;
        call(&app, &cc, "GET", &format!("{REFUNDS}?order_id={base}"), "")
            .await
            .assert_error(400, "CBC.99005026");
        for creds in [&occ, &oc, &rcc] {
            call(&app, creds, "GET", &format!("{REFUNDS}?order_id={u}"), "")
                .await
                .assert_error(400, "CBC.30000010");
        }
        let wrong = format!("{REFUNDS}?order_id={u}&customer_id={}", w.oc.customer_id);
        call(&app, &dc, "GET", &wrong, "")
            .await
            .assert_error(400, "CBC.30000010");
        assert_eq!(
            refund_rows(&app, &dc, &format!("order_id={u}")).await.len(),
            1
        );

        // A master distributor reads its reseller's customer's refund with indirect_partner_id.
        let rres = bought(&app, &rcc, &w.rc.customer_id, 1).await[0].clone();
        let ru = unsubscribe(&app, &rcc, &[&rres], 1).await[0].clone();
        let q = format!(
            "order_id={ru}&customer_id={}&indirect_partner_id={}",
            w.rc.customer_id, w.r.partner_id
        );
        assert_eq!(refund_rows(&app, &dc, &q).await.len(), 1);
        call(&app, &dc, "GET", &format!("{REFUNDS}?order_id={ru}"), "")
            .await
            .assert_error(400, "CBC.30000010");
        app.assert_ledger_clean().await;
    }
}

/// Many concurrent unsubscribes of the same resources on two instances: each resource is
/// refunded exactly once and the ledger stays clean.
#[tokio::test]
async fn concurrent_unsubscribes_refund_once() {
    for app in apps("rconc").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 50_000).await;
        let ids = bought(&app, &cc, &w.c.customer_id, 4).await;
        let after_buy = customer_balance(&app, &w.c.customer_id).await;
        let second = app.second_instance().await;
        let mut tasks = Vec::new();
        for round in 0..10 {
            for (i, id) in ids.iter().enumerate() {
                let req = signed(&cc, "POST", UNSUB, &unsub_body(&[id], 1), NOW_MS, &[]);
                let router = if (round + i) % 2 == 0 {
                    app.router.clone()
                } else {
                    second.clone()
                };
                tasks.push(tokio::spawn(async move {
                    use tower::ServiceExt;
                    router.oneshot(req).await.unwrap().status().as_u16()
                }));
            }
        }
        let mut ok = 0;
        for t in tasks {
            let s = t.await.unwrap();
            assert!(s == 200 || s == 400 || s == 503, "{s}");
            ok += usize::from(s == 200);
        }
        assert_eq!(ok, ids.len(), "{}", app.engine);
        let refunds: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND order_type = 4",
        )
        .bind(&w.c.customer_id)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(refunds, ids.len() as i64);
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(after_buy.cents() + 3_500 * ids.len() as i64)
        );
        app.assert_ledger_clean().await;
    }
}

/// A keyed retry of a renewal or an unsubscribe answers the first response and moves nothing
/// again; the same key with another request is `PC.0409`.
#[tokio::test]
async fn keyed_retries_renew_and_refund_once() {
    for app in apps("rkey").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 50_000).await;
        let ids = bought(&app, &cc, &w.c.customer_id, 2).await;
        let orders = |t: i64| {
            let (app, cid) = (&app, w.c.customer_id.clone());
            async move {
                sql::query_scalar::<i64>(
                    "SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND order_type = $2",
                )
                .bind(cid)
                .bind(t)
                .fetch_one(app.db.read())
                .await
                .unwrap()
            }
        };
        let keyed = |path: &'static str, body: String, key: &'static str| {
            let req = signed(
                &cc,
                "POST",
                path,
                &body,
                NOW_MS,
                &[("x-idempotency-key", key)],
            );
            app.send(req)
        };

        let renew =
            json!({"resource_ids": [ids[0]], "period_type": 2, "period_num": 1, "is_auto_pay": 1})
                .to_string();
        let first = keyed(RENEW, renew.clone(), "renew-1").await;
        assert_eq!(first.status, 200, "{}: {}", app.engine, first.body);
        let balance = customer_balance(&app, &w.c.customer_id).await;
        let again = keyed(RENEW, renew, "renew-1").await;
        assert_eq!((again.status, again.json()), (200, first.json()));
        assert_eq!(orders(2).await, 1, "{}", app.engine);
        assert_eq!(customer_balance(&app, &w.c.customer_id).await, balance);

        let first = keyed(UNSUB, unsub_body(&[&ids[1]], 1), "unsub-1").await;
        assert_eq!(first.status, 200, "{}: {}", app.engine, first.body);
        let balance = customer_balance(&app, &w.c.customer_id).await;
        let again = keyed(UNSUB, unsub_body(&[&ids[1]], 1), "unsub-1").await;
        assert_eq!((again.status, again.json()), (200, first.json()));
        assert_eq!(orders(4).await, 1, "{}", app.engine);
        assert_eq!(customer_balance(&app, &w.c.customer_id).await, balance);
        keyed(UNSUB, unsub_body(&[&ids[0]], 1), "unsub-1")
            .await
            .assert_error(409, "PC.0409");
        app.assert_ledger_clean().await;
    }
}

/// `verify` notices a source refunded more than it paid (here by a row written past the service).
#[tokio::test]
async fn verify_catches_an_over_refunded_source() {
    for app in apps("rver").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 10_000).await;
        let rid = bought(&app, &cc, &w.c.customer_id, 1).await[0].clone();
        let u = unsubscribe(&app, &cc, &[&rid], 1).await[0].clone();
        let base = purchase_order_of(&app, &rid).await;
        assert!(
            pc_app::services::subscriptions::refunds::verify(app.db.read())
                .await
                .unwrap()
                .is_empty()
        );
        let (u2, b2) = (u.clone(), base.clone());
        app.db
            .write(move |c| {
                Box::pin(async move {
                    sql::query(
                        "INSERT INTO refund_sources (refund_order_id, base_order_id, source_kind, source_id, amount, transfer_id, created_at) \
                         VALUES ($1, $2, 'cash', NULL, 1, 'forged', 0)",
                    )
                    .bind(u2)
                    .bind(b2)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        let v = pc_app::services::subscriptions::refunds::verify(app.db.read())
            .await
            .unwrap();
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].contains(&base) && v[0].contains("its cash"), "{v:?}");
    }
}
