//! Coupons on both engines through the signed vendor API: quotas, issue with per-customer
//! failures, lists, recall (once only, also under concurrency), records, distributor ↔ reseller
//! quotas, the expiry job and the order-facing functions. Every scenario ends with a clean ledger.

mod common;

use common::*;
use pc_app::services::coupons;
use pc_app::store::sql;
use pc_app::{Actor, Ctx};
use pc_domain::coupons::{QuotaLimits, QuotaType};
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;
use serde_json::{json, Value};

const COUPONS: &str = "/v2/promotions/benefits/partner-coupons";
const RECLAIM: &str = "/v2/promotions/benefits/partner-coupons/reclaim";
const DAY: i64 = 24 * 3600 * 1000;

async fn grant(app: &TestApp, partner_id: &str, t: QuotaType, cents: i64) -> String {
    grant_with(
        app,
        partner_id,
        t,
        cents,
        NOW_MS + 30 * DAY,
        Default::default(),
    )
    .await
}

async fn grant_with(
    app: &TestApp,
    partner_id: &str,
    t: QuotaType,
    cents: i64,
    expire_at: i64,
    limits: QuotaLimits,
) -> String {
    let g = coupons::NewQuota {
        partner_id: partner_id.into(),
        quota_type: t,
        amount: Money::from_cents(cents),
        effective_at: None,
        expire_at: Some(expire_at),
        limits,
    };
    coupons::grant_quota(&app.db, ctx(), g)
        .await
        .unwrap()
        .quota_id
}

async fn post(app: &TestApp, creds: &Creds, path: &str, body: Value) -> Resp {
    app.send(signed(creds, "POST", path, &body.to_string(), NOW_MS, &[]))
        .await
}

async fn get(app: &TestApp, creds: &Creds, path: &str) -> Resp {
    app.send(signed(creds, "GET", path, "", NOW_MS, &[])).await
}

async fn quota_balance(app: &TestApp, creds: &Creds, quota_id: &str, quota_type: i64) -> f64 {
    let r = post(
        app,
        creds,
        "/v2/partners/coupon-quotas/query",
        json!({"quota_ids": [quota_id], "quota_type": quota_type}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["quotas"][0]["balance"].as_f64().unwrap()
}

async fn issue(app: &TestApp, creds: &Creds, quota: &str, customers: &[&str], face: f64) -> Value {
    let r = post(
        app,
        creds,
        COUPONS,
        json!({"quota_id": quota, "customer_ids": customers, "face_value": face, "memo": "m"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()
}

/// The id of the first coupon (`coupon_infos`) or reseller quota (`simple_quota_infos`) made.
fn first_id(j: &Value, list: &str, field: &str) -> String {
    j[list][0][field].as_str().unwrap().to_string()
}

/// The partner's own admin acting, at the tests' time.
fn partner_ctx(app: &TestApp, partner_id: &str) -> Ctx {
    let mut ctx = app.as_partner(partner_id);
    ctx.now_ms = NOW_MS;
    ctx
}

async fn owned_quotas(app: &TestApp, partner_id: &str) -> Vec<coupons::Quota> {
    let q = coupons::QuotaQuery {
        limit: 10,
        ..Default::default()
    };
    coupons::list_quotas(&app.db, &partner_ctx(app, partner_id), q)
        .await
        .unwrap()
        .rows
}

async fn issued_by(app: &TestApp, partner_id: &str) -> Vec<coupons::Coupon> {
    let q = coupons::CouponQuery {
        limit: 10,
        ..Default::default()
    };
    coupons::list_coupons(&app.db, &partner_ctx(app, partner_id), q)
        .await
        .unwrap()
        .rows
        .into_iter()
        .map(|listed| listed.coupon)
        .collect()
}

#[tokio::test]
async fn issue_list_recall_records() {
    for app in apps("coupons").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let oc = Creds::from(&other);
        let c1 = app
            .customer(&d.partner_id, AssociationType::Resale, "cu-one", "")
            .await;
        let c2 = app
            .customer(&d.partner_id, AssociationType::Resale, "cu-two", "")
            .await;
        let cons = app
            .customer(&d.partner_id, AssociationType::Consulting, "cu-cons", "")
            .await;
        let foreign = app
            .customer(&other.partner_id, AssociationType::Resale, "cu-foreign", "")
            .await;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        let cash = grant(&app, &d.partner_id, QuotaType::Cash, 5_000).await;

        // Quotas: type 0 by default, the cash quota with type 1; another partner sees none.
        let r = post(&app, &dc, "/v2/partners/coupon-quotas/query", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 1);
        assert_eq!(j["quotas"][0]["quota_id"], q.as_str());
        assert_eq!(j["quotas"][0]["quota_status"], 0);
        assert_eq!(j["quotas"][0]["quota_value"], 100.0);
        assert_eq!(j["quotas"][0]["currency"], "CNY");
        let r = post(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/query",
            json!({"quota_type": 1}),
        )
        .await;
        assert_eq!(r.json()["quotas"][0]["quota_id"], cash.as_str());
        let r = post(
            &app,
            &oc,
            "/v2/partners/coupon-quotas/query",
            json!({"quota_ids": [q]}),
        )
        .await;
        assert_eq!(r.json()["total_count"], 0);

        // Issue: two succeed, the consulting and the foreign customer fail in error_details.
        let j = issue(
            &app,
            &dc,
            &q,
            &[
                &c1.customer_id,
                &cons.customer_id,
                &c2.customer_id,
                &foreign.customer_id,
            ],
            30.0,
        )
        .await;
        let infos = j["coupon_infos"].as_array().unwrap();
        assert_eq!(infos.len(), 2, "{j}");
        let errs = j["error_details"].as_array().unwrap();
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[0]["id"], cons.customer_id.as_str());
        assert_eq!(errs[0]["error_code"], "CBC.99000014");
        assert_eq!(errs[1]["id"], foreign.customer_id.as_str());
        assert_eq!(errs[1]["error_code"], "CBC.99000035");
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 40.0);
        let coupon1 = infos[0]["coupon_id"].as_str().unwrap().to_string();
        assert_eq!(infos[0]["id"], c1.customer_id.as_str());

        // Not enough left for two more: the first succeeds, the second fails alone.
        let j = issue(&app, &dc, &q, &[&c1.customer_id, &c2.customer_id], 25.0).await;
        assert_eq!(j["coupon_infos"].as_array().unwrap().len(), 1);
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000013");
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 15.0);

        // Whole-request refusals: a foreign quota, bad face value, too many customers.
        post(
            &app,
            &oc,
            COUPONS,
            json!({"quota_id": q, "customer_ids": [foreign.customer_id], "face_value": 1}),
        )
        .await
        .assert_error(400, "CBC.99000012");
        post(
            &app,
            &dc,
            COUPONS,
            json!({"quota_id": q, "customer_ids": [c1.customer_id], "face_value": 0}),
        )
        .await
        .assert_error(400, "CBC.0100");
        post(
            &app,
            &dc,
            COUPONS,
            json!({"quota_id": q, "customer_ids": [c1.customer_id], "face_value": 1.001}),
        )
        .await
        .assert_error(400, "CBC.0100");
        let many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
        post(
            &app,
            &dc,
            COUPONS,
            json!({"quota_id": q, "customer_ids": many, "face_value": 1}),
        )
        .await
        .assert_error(400, "CBC.0100");
        post(&app, &dc, COUPONS, json!({"quota_id": q, "customer_ids": [c1.customer_id], "face_value": 1, "expire_time": "2099-01-01T00:00:00Z"}))
            .await
            .assert_error(400, "CBC.0100");

        // Lists: the partner sees 3 issued coupons; the customer sees its own 2 with its own key.
        let r = get(
            &app,
            &dc,
            &format!("{COUPONS}?customer_id={}&limit=10", c1.customer_id),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 2);
        assert_eq!(j["user_coupons"][0]["is_frozen"], "0");
        assert_eq!(j["user_coupons"][0]["status"], 2);
        let cust = Creds::from(&c1);
        let r = get(&app, &cust, "/v2/promotions/benefits/coupons").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["count"], 2);
        get(&app, &dc, "/v2/promotions/benefits/coupons")
            .await
            .assert_error(403, "CBC.0155");
        get(&app, &cust, COUPONS)
            .await
            .assert_error(403, "CBC.0155");

        // Recall: a foreign partner cannot; the owner recalls 30.00 back to the quota; twice fails.
        post(&app, &oc, RECLAIM, json!({"coupon_id": coupon1}))
            .await
            .assert_error(400, "CBC.99000000");
        let r = post(&app, &dc, RECLAIM, json!({"coupon_id": coupon1})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 45.0);
        post(&app, &dc, RECLAIM, json!({"coupon_id": coupon1}))
            .await
            .assert_error(400, "CBC.99000048");
        let r = get(&app, &cust, "/v2/promotions/benefits/coupons").await;
        let j = r.json();
        assert_eq!(j["count"], 1);
        assert_ne!(j["user_coupons"][0]["coupon_id"], coupon1.as_str());
        let r = get(&app, &dc, &format!("{COUPONS}?coupon_id={coupon1}")).await;
        let j = r.json();
        assert_eq!(j["user_coupons"][0]["status"], 5);
        let r = get(&app, &dc, &format!("{COUPONS}?status=5")).await;
        assert_eq!(r.json()["total_count"], 1);

        // Records: repeated-key operation_types; string-typed fields.
        let r = get(
            &app,
            &dc,
            "/v2/promotions/benefits/partner-coupons/records/query?operation_types=2",
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 1);
        assert_eq!(j["records"][0]["operation_type"], "2");
        assert_eq!(j["records"][0]["result"], "0");
        assert_eq!(j["records"][0]["operation_amount"], 30.0);
        let r = get(&app, &dc, "/v2/promotions/benefits/partner-coupons/records/query?operation_types=1&operation_types=2&result=0&limit=100").await;
        assert_eq!(r.json()["total_count"], 4);
        let r = get(
            &app,
            &dc,
            "/v2/promotions/benefits/partner-coupons/records/query?result=-1&limit=100",
        )
        .await;
        assert_eq!(r.json()["total_count"], 3);
        let r = get(
            &app,
            &oc,
            "/v2/promotions/benefits/partner-coupons/records/query",
        )
        .await;
        assert_eq!(r.json()["total_count"], 0);
        app.assert_ledger_clean().await;
    }
}

/// A keyed retry of an issue with a per-customer refusal answers the first response again,
/// `error_details` included, and issues nothing more; a keyed retry of a recall answers 200 again
/// (not "already recalled"); a reseller grant retried answers the same child quota.
#[tokio::test]
async fn keyed_retries_answer_the_first_output() {
    for app in apps("coupons_keys").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let c1 = app
            .customer(&d.partner_id, AssociationType::Resale, "key-one", "")
            .await;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        let keyed = |path: &str, body: &Value, key: &str| {
            let body = body.to_string();
            signed(
                &dc,
                "POST",
                path,
                &body,
                NOW_MS,
                &[("x-idempotency-key", key)],
            )
        };
        let body =
            json!({"quota_id": q, "customer_ids": [c1.customer_id, "nobody"], "face_value": 10});
        let first = app.send(keyed(COUPONS, &body, "issue-1")).await;
        assert_eq!(first.status, 200, "{}: {}", app.engine, first.body);
        let j = first.json();
        assert_eq!(j["error_details"][0]["id"], "nobody", "{j}");
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000035", "{j}");
        let again = app.send(keyed(COUPONS, &body, "issue-1")).await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body, first.body, "{}", app.engine);
        assert_eq!(issued_by(&app, &d.partner_id).await.len(), 1);
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 90.0);
        let other = json!({"quota_id": q, "customer_ids": [c1.customer_id], "face_value": 11});
        app.send(keyed(COUPONS, &other, "issue-1"))
            .await
            .assert_error(409, "PC.0409");

        let coupon = first_id(&j, "coupon_infos", "coupon_id");
        let recall = json!({"coupon_id": coupon});
        let r = app.send(keyed(RECLAIM, &recall, "recall-1")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r2 = app.send(keyed(RECLAIM, &recall, "recall-1")).await;
        assert_eq!((r2.status, r2.body), (200, r.body), "{}", app.engine);
        post(&app, &dc, RECLAIM, recall)
            .await
            .assert_error(400, "CBC.99000048");
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 100.0);

        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let grant_body = json!({"quota_id": q, "indirect_partner_ids": [r1.partner_id, "nobody"], "quota_amount": 5});
        let path = "/v2/partners/coupon-quotas/indirect-partner-adjust";
        let g1 = app.send(keyed(path, &grant_body, "grant-1")).await;
        assert_eq!(g1.status, 200, "{}", g1.body);
        assert_eq!(g1.json()["error_details"][0]["id"], "nobody", "{}", g1.body);
        let g2 = app.send(keyed(path, &grant_body, "grant-1")).await;
        assert_eq!(g2.body, g1.body, "{}", app.engine);
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 95.0);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issue_and_recall_never_overdraw_or_double() {
    for app in apps("coupons_conc").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let c1 = app
            .customer(&d.partner_id, AssociationType::Resale, "cc-one", "")
            .await;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 1_000).await;
        // 20 concurrent issues of 1.00 on a 10.00 quota: exactly 10 coupons.
        let body =
            json!({"quota_id": q, "customer_ids": [c1.customer_id], "face_value": 1}).to_string();
        let reqs = (0..20)
            .map(|_| signed(&dc, "POST", COUPONS, &body, NOW_MS, &[]))
            .collect();
        let results = app.send_all(reqs).await;
        let ok = results
            .iter()
            .filter(|r| r.status == 200 && r.json()["coupon_infos"].as_array().unwrap().len() == 1)
            .count();
        assert_eq!(ok, 10, "{}", app.engine);
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 0.0);
        // 8 concurrent recalls of one coupon: exactly one succeeds.
        let r = get(&app, &dc, &format!("{COUPONS}?limit=1")).await;
        let coupon = r.json()["user_coupons"][0]["coupon_id"]
            .as_str()
            .unwrap()
            .to_string();
        let body = json!({"coupon_id": coupon}).to_string();
        let reqs = (0..8)
            .map(|_| signed(&dc, "POST", RECLAIM, &body, NOW_MS, &[]))
            .collect();
        let results = app.send_all(reqs).await;
        assert_eq!(
            results.iter().filter(|r| r.status == 200).count(),
            1,
            "{}",
            app.engine
        );
        for r in results.iter().filter(|r| r.status != 200) {
            r.assert_error(400, "CBC.99000048");
        }
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 1.0);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn distributor_grants_and_reclaims_reseller_quotas() {
    for app in apps("coupons_dist").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let other_d = app.partner(PartnerType::Distributor, None).await;
        let foreign_r = app
            .partner(PartnerType::Reseller, Some(&other_d.partner_id))
            .await;
        let dc = Creds::from(&d);
        let rc = Creds::from(&r1);
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        let r = post(&app, &dc, "/v2/partners/coupon-quotas/indirect-partner-adjust",
            json!({"quota_id": q, "indirect_partner_ids": [r1.partner_id, foreign_r.partner_id], "quota_amount": 40})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000037");
        assert_eq!(j["error_details"][0]["id"], foreign_r.partner_id.as_str());
        let child = first_id(&j, "simple_quota_infos", "quota_id");
        assert_eq!(j["simple_quota_infos"][0]["id"], r1.partner_id.as_str());
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 60.0);
        assert_eq!(quota_balance(&app, &rc, &child, 0).await, 40.0);
        // The reseller issues from its quota; the distributor issues for it via indirect_partner_id.
        let cust = app
            .customer(&r1.partner_id, AssociationType::Resale, "rs-cust", "")
            .await;
        let j = issue(&app, &rc, &child, &[&cust.customer_id], 10.0).await;
        assert_eq!(j["coupon_infos"].as_array().unwrap().len(), 1, "{j}");
        let r = post(&app, &dc, COUPONS, json!({"quota_id": child, "customer_ids": [cust.customer_id], "face_value": 5, "indirect_partner_id": r1.partner_id})).await;
        assert_eq!(
            r.json()["coupon_infos"].as_array().unwrap().len(),
            1,
            "{}",
            r.body
        );
        post(&app, &Creds::from(&other_d), COUPONS, json!({"quota_id": child, "customer_ids": [cust.customer_id], "face_value": 5, "indirect_partner_id": r1.partner_id}))
            .await
            .assert_error(400, "CBC.99000037");
        // Lists and records.
        let r = get(&app, &dc, "/v2/partners/issued-coupon-quotas").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 1);
        assert_eq!(j["quotas"][0]["balance"], 25.0);
        assert_eq!(j["quotas"][0]["parent_quota_id"], q.as_str());
        assert_eq!(
            j["quotas"][0]["indirect_partner_id"],
            r1.partner_id.as_str()
        );
        let r = get(
            &app,
            &Creds::from(&other_d),
            "/v2/partners/issued-coupon-quotas",
        )
        .await;
        assert_eq!(r.json()["total_count"], 0);
        // Reclaim the reseller's remaining 25.00; a foreign distributor cannot.
        let r = post(
            &app,
            &Creds::from(&other_d),
            "/v2/partners/coupon-quotas/indirect-partner-reclaim",
            json!({"quota_ids": [child]}),
        )
        .await;
        assert_eq!(
            r.json()["error_details"][0]["error_code"],
            "CBC.99000012",
            "{}",
            r.body
        );
        let r = post(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/indirect-partner-reclaim",
            json!({"quota_ids": [child], "remark": "back"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["simple_quota_infos"][0]["quota_balance"], 0.0);
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 85.0);
        let r = get(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/records?operation_type=11",
        )
        .await;
        let j = r.json();
        assert_eq!(j["total_count"], 1);
        assert_eq!(j["records"][0]["operation_type"], "11");
        assert_eq!(j["records"][0]["amount"], 25.0);
        assert_eq!(j["records"][0]["remark"], "back");
        // A reseller cannot grant.
        post(
            &app,
            &rc,
            "/v2/partners/coupon-quotas/indirect-partner-adjust",
            json!({"quota_id": child, "indirect_partner_ids": [r1.partner_id], "quota_amount": 1}),
        )
        .await
        .assert_error(400, "CBC.99000037");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn expiry_job_and_order_functions() {
    for app in apps("coupons_life").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let c1 = app
            .customer(&d.partner_id, AssociationType::Resale, "lf-one", "")
            .await;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        // One coupon expiring in 1 day, one lasting; one to be used by an order.
        let r = post(
            &app,
            &dc,
            COUPONS,
            json!({"quota_id": q, "customer_ids": [c1.customer_id], "face_value": 10,
            "expire_time": pc_domain::timefmt::format_utc(NOW_MS + DAY)}),
        )
        .await;
        let short = first_id(&r.json(), "coupon_infos", "coupon_id");
        let j = issue(&app, &dc, &q, &[&c1.customer_id], 20.0).await;
        let long = first_id(&j, "coupon_infos", "coupon_id");
        // Orders: list usable, lock (a second order cannot), consume 5.00, release.
        let usable = coupons::usable_for_order(
            app.db.read(),
            &c1.customer_id,
            "o1",
            &[],
            &[],
            Money::from_cents(500),
            NOW_MS,
        )
        .await
        .unwrap();
        assert_eq!(usable.len(), 2);
        assert_eq!(usable[0].id, long);
        let sys = ctx();
        let (l2, cid) = (long.clone(), c1.customer_id.clone());
        app.db
            .write(move |c| {
                Box::pin(async move { coupons::lock_for_order(c, &sys, &l2, &cid, "o1").await })
            })
            .await
            .unwrap();
        let sys = ctx();
        let (l2, cid) = (long.clone(), c1.customer_id.clone());
        let e = app
            .db
            .write(move |c| {
                Box::pin(async move { coupons::lock_for_order(c, &sys, &l2, &cid, "o2").await })
            })
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::CouponLocked);
        post(&app, &dc, RECLAIM, json!({"coupon_id": long}))
            .await
            .assert_error(400, "PC.0901");
        let sys = ctx();
        let l2 = long.clone();
        let used = app
            .db
            .write(move |c| {
                Box::pin(async move {
                    coupons::consume_for_order(c, &sys, &l2, "o1", Money::from_cents(500)).await
                })
            })
            .await
            .unwrap();
        assert_eq!(used, Money::from_cents(500));
        let k = coupons::get_coupon(app.db.read(), &long)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(k.balance, Money::from_cents(1500));
        assert!(k.lock_order_id.is_none());
        // Two days later: the short coupon reads as expired, and the job stores it and returns 10.00.
        app.clock.advance(2 * DAY);
        let later = |path: &str| signed(&dc, "GET", path, "", NOW_MS + 2 * DAY, &[]);
        let r = app
            .send(later(&format!("{COUPONS}?coupon_id={short}")))
            .await;
        assert_eq!(r.json()["user_coupons"][0]["status"], 4, "{}", r.body);
        let jctx = Ctx::new(
            Actor::System { name: "job".into() },
            "job-1",
            NOW_MS + 2 * DAY,
        );
        let rep = coupons::run_expiry_job(&app.db, jctx.clone())
            .await
            .unwrap();
        assert_eq!(rep.expired, 1);
        assert_eq!(rep.returned_to_quota, 1);
        let rep = coupons::run_expiry_job(&app.db, jctx.clone())
            .await
            .unwrap();
        assert_eq!(rep.expired, 0);
        let qq = coupons::get_quota(app.db.read(), &q)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            qq.balance,
            Money::from_cents(10_000 - 1_000 - 2_000 + 1_000)
        );
        let r = app
            .send(later(
                "/v2/promotions/benefits/partner-coupons/records/query?operation_types=4",
            ))
            .await;
        assert_eq!(r.json()["total_count"], 1, "{}", r.body);
        let body = json!({"coupon_id": short}).to_string();
        app.send(signed(&dc, "POST", RECLAIM, &body, NOW_MS + 2 * DAY, &[]))
            .await
            .assert_error(400, "CBC.99000048");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn console_grant_issue_recall() {
    for app in apps("coupons_console").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "con-cust", "")
            .await;
        // The operator grants a voucher quota from the console.
        let ops = app.operator_session("ops-c").await;
        let r = app
            .console_post(
                &ops,
                "/console/quotas",
                &[
                    ("partner_id", &d.partner_id),
                    ("type", "voucher"),
                    ("amount", "80.00"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = app.console_get(&ops, "/console/quotas").await;
        assert!(page.body.contains("data-nav=\"quotas\""));
        assert!(page.body.contains("¥80.00"), "{}", page.body);
        // The partner admin issues from the console and recalls.
        let ds = app.console_login(&d.login, "Passw0rd!").await;
        let page = app.console_get(&ds, "/console/vouchers").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("data-nav=\"cash-coupons\""));
        let at = page.body.find("name=\"quota_id\"").unwrap();
        let quota = page.body[at..]
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        let r = app
            .console_post(
                &ds,
                "/console/coupons/issue",
                &[
                    ("type", "voucher"),
                    ("quota_id", &quota),
                    ("customer_ids", &cust.customer_id),
                    ("face_value", "12.50"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(r.headers["location"].to_str().unwrap().contains("msg="));
        let coupon = issued_by(&app, &d.partner_id).await[0].id.clone();
        // The customer sees it; another partner cannot recall it.
        let cs = app.console_login(&cust.login, "Passw0rd!").await;
        assert!(app
            .console_get(&cs, "/console/my-coupons")
            .await
            .body
            .contains(&coupon));
        let os = app.console_login(&other.login, "Passw0rd!").await;
        let r = app
            .console_post(&os, "/console/coupons/recall", &[("one", &coupon)])
            .await;
        // Nothing recalled: the page again, the message atop the recall form.
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(r.body.contains(r#"id="recall-form-error""#), "{}", r.body);
        assert_eq!(
            coupons::get_coupon(app.db.read(), &coupon)
                .await
                .unwrap()
                .unwrap()
                .status,
            2
        );
        // The owner recalls (batch form with one checked row): 12.50 back to the quota.
        let r = app
            .console_post(
                &ds,
                "/console/coupons/recall",
                &[("coupon_id", &coupon), ("one", "")],
            )
            .await;
        assert_eq!(r.status, 303);
        assert!(
            r.headers["location"].to_str().unwrap().contains("msg="),
            "{:?}",
            r.headers
        );
        assert!(!app
            .console_get(&cs, "/console/my-coupons")
            .await
            .body
            .contains(&coupon));
        let page = app.console_get(&ds, "/console/vouchers").await;
        assert!(
            page.body
                .contains(&format!("data-coupon=\"{coupon}\" data-status=\"5\"")),
            "{}",
            page.body
        );
        let q = coupons::get_quota(app.db.read(), &quota)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(q.balance, Money::from_cents(8_000));
        let csv = app
            .console_get(&ds, "/console/coupons/records.csv?type=voucher")
            .await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.body.lines().count(), 3, "{}", csv.body);
        // Roles: a customer cannot open the partner page, a partner not the operator's.
        assert_eq!(app.console_get(&cs, "/console/vouchers").await.status, 403);
        assert_eq!(app.console_get(&ds, "/console/quotas").await.status, 403);
        app.assert_ledger_clean().await;
    }
}

fn limits_fixture() -> QuotaLimits {
    QuotaLimits {
        service_types: vec!["hws.service.type.ec2".into(), "hws.service.type.evs".into()],
        product_ids: vec!["p-1".into()],
        min_face: Some(Money::from_cents(500)),
        max_face: Some(Money::from_cents(5_000)),
        max_count: Some(3),
        order_types: vec![1, 2],
        first_association_only: false,
    }
}

/// The `limit_infos` of [`limits_fixture`] in the spec's `QuotaLimitInfo` / `LimitValue` model.
fn limit_infos_fixture() -> Value {
    json!([
        {"limit_key": "cloud_service_types", "limit_values": [
            {"value1": "hws.service.type.ec2", "value2": null}, {"value1": "hws.service.type.evs", "value2": null}]},
        {"limit_key": "product_ids", "limit_values": [{"value1": "p-1", "value2": null}]},
        {"limit_key": "face_value", "limit_values": [{"value1": "5.00", "value2": "50.00"}]},
        {"limit_key": "max_count", "limit_values": [{"value1": "3", "value2": null}]},
        {"limit_key": "order_types", "limit_values": [{"value1": "1", "value2": null}, {"value1": "2", "value2": null}]},
    ])
}

#[tokio::test]
async fn quota_limits_listed_and_enforced() {
    for app in apps("coupons_limits").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let dc = Creds::from(&d);
        let mut cs = Vec::new();
        for i in 0..4 {
            cs.push(
                app.customer(
                    &d.partner_id,
                    AssociationType::Resale,
                    &format!("lim-{i}"),
                    "",
                )
                .await
                .customer_id,
            );
        }
        let q = grant_with(
            &app,
            &d.partner_id,
            QuotaType::Voucher,
            100_000,
            NOW_MS + 30 * DAY,
            limits_fixture(),
        )
        .await;
        // list_quota_coupons returns the limits in the spec's model fields.
        let r = post(&app, &dc, "/v2/partners/coupon-quotas/query", json!({})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.json()["quotas"][0]["limit_infos"],
            limit_infos_fixture(),
            "{}",
            app.engine
        );

        // Outside the limits: the whole request is refused and nothing is written.
        let c0 = cs[0].as_str();
        for (body, code) in [
            (json!({"face_value": 4.99}), "CBC.99000018"),
            (json!({"face_value": 50.01}), "CBC.99000019"),
            (
                json!({"face_value": 10, "cloud_service_types": ["hws.service.type.obs"]}),
                "CBC.99000023",
            ),
            (
                json!({"face_value": 10, "product_ids": ["p-1", "p-2"]}),
                "CBC.99000023",
            ),
        ] {
            let mut b = body;
            b["quota_id"] = json!(q);
            b["customer_ids"] = json!([c0]);
            post(&app, &dc, COUPONS, b).await.assert_error(400, code);
        }
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 1000.0);

        // Within them: the coupon narrows the services and inherits products and order types.
        let r = post(
            &app,
            &dc,
            COUPONS,
            json!({"quota_id": q, "customer_ids": [c0], "face_value": 50,
            "cloud_service_types": ["hws.service.type.ec2"]}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let coupon = first_id(&r.json(), "coupon_infos", "coupon_id");
        let r = get(&app, &dc, &format!("{COUPONS}?coupon_id={coupon}")).await;
        let limits: Vec<(String, String)> = r.json()["user_coupons"][0]["use_limits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| {
                (
                    l["limit_key"].as_str().unwrap().to_string(),
                    l["value1"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(
            limits,
            [
                ("cloud_service_types".into(), "hws.service.type.ec2".into()),
                ("product_ids".into(), "p-1".into()),
                ("order_types".into(), "1,2".into()),
            ]
        );

        // max_count 3: one issued, so of three more customers the last is refused (CBC.99000020).
        let j = issue(&app, &dc, &q, &[&cs[1], &cs[2], &cs[3]], 5.0).await;
        assert_eq!(j["coupon_infos"].as_array().unwrap().len(), 2, "{j}");
        assert_eq!(j["error_details"][0]["id"], cs[3].as_str());
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000020");
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 1000.0 - 60.0);

        // A reseller quota granted from it inherits the limits.
        let r = post(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/indirect-partner-adjust",
            json!({"quota_id": q, "indirect_partner_ids": [r1.partner_id], "quota_amount": 100}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let child = first_id(&r.json(), "simple_quota_infos", "quota_id");
        let r = get(&app, &dc, "/v2/partners/issued-coupon-quotas").await;
        assert_eq!(r.json()["quotas"][0]["limit_infos"], limit_infos_fixture());

        // An operator changes the limits: the reseller quota follows; max_count cannot fall
        // below what was issued.
        let set = |q: String, l: QuotaLimits| {
            let a = coupons::QuotaAdjustment {
                quota_id: q,
                limits: Some(l),
                ..Default::default()
            };
            coupons::adjust_quota(&app.db, ctx(), a)
        };
        let e = set(
            q.clone(),
            QuotaLimits {
                max_count: Some(2),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, pc_app::Code::InvalidParameter, "{e:?}");
        let wider = QuotaLimits {
            max_count: Some(10),
            order_types: vec![2],
            first_association_only: true,
            ..Default::default()
        };
        set(q.clone(), wider.clone()).await.unwrap();
        for id in [&q, &child] {
            let got = coupons::get_quota(app.db.read(), id)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(got.limits, wider, "{id}");
        }
        let e = set(child.clone(), wider.clone()).await.unwrap_err();
        assert_eq!(e.code, pc_app::Code::QuotaInvalid);
        let r = post(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/query",
            json!({"quota_ids": [q]}),
        )
        .await;
        assert_eq!(
            r.json()["quotas"][0]["limit_infos"],
            json!([
                {"limit_key": "max_count", "limit_values": [{"value1": "10", "value2": null}]},
                {"limit_key": "order_types", "limit_values": [{"value1": "2", "value2": null}]},
                {"limit_key": "first_association_only", "limit_values": [{"value1": "1", "value2": null}]},
            ])
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn cli_grants_quota_with_limits() {
    for app in apps("coupons_cli").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let run = |extra: &[&str]| {
            let mut args = vec![
                "admin",
                "grant-quota",
                d.partner_id.as_str(),
                "--type",
                "voucher",
                "--amount",
                "1000.00",
            ];
            args.extend_from_slice(extra);
            std::process::Command::new(env!("CARGO_BIN_EXE_partner-center"))
                .env("PC_LANG", "en-US") // messages in English, whatever the locale
                .args(&args)
                .args(["--database", app.db.url()])
                .env("PC_MASTER_KEY", app.mk.to_hex())
                .output()
                .unwrap()
        };
        // Clear errors, exit code 2, nothing granted.
        for (args, says) in [
            (
                &["--min-face", "60", "--max-face", "50"][..],
                "the minimum face value exceeds the maximum",
            ),
            (&["--min-face", "abc"][..], "the minimum face value must be"),
            (&["--max-face", "0"][..], "the maximum face value must be"),
            (
                &["--max-count", "0"][..],
                "the maximum coupon count must be",
            ),
            (&["--order-types", "1,4"][..], "order type 4 is not"),
            (&["--order-types", "new"][..], "order_type codes"),
            (
                &["--service-types", "a,b,c,d,e,f,g,h,i,j,k"][..],
                "cloud_service_types holds at most 10",
            ),
        ] {
            let out = run(args);
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
            assert!(err.contains(says), "{args:?}: {err}");
        }
        let r = post(&app, &dc, "/v2/partners/coupon-quotas/query", json!({})).await;
        assert_eq!(r.json()["total_count"], 0);
        let out = run(&[
            "--service-types",
            "hws.service.type.ec2,hws.service.type.evs",
            "--products",
            "p-1",
            "--min-face",
            "5",
            "--max-face",
            "50.00",
            "--max-count",
            "3",
            "--order-types",
            "1,2",
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let q = doc["quota_id"].as_str().unwrap();
        let r = post(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/query",
            json!({"quota_ids": [q]}),
        )
        .await;
        assert_eq!(r.json()["quotas"][0]["limit_infos"], limit_infos_fixture());
        let out = run(&["--first-association-only", "--json"]);
        assert!(out.status.success());
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        let q = coupons::get_quota(app.db.read(), doc["quota_id"].as_str().unwrap())
            .await
            .unwrap()
            .unwrap();
        assert!(q.limits.first_association_only);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn total_first_association_order_type_and_self_codes() {
    for app in apps("coupons_codes").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let ca = app
            .customer(&d.partner_id, AssociationType::Resale, "cdc-a", "")
            .await
            .customer_id;
        let cb = app
            .customer(&d.partner_id, AssociationType::Resale, "cdc-b", "")
            .await
            .customer_id;

        // CBC.99000021: this request's total face value may not pass the quota's total (100.00).
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        let j = issue(&app, &dc, &q, &[&ca, &cb], 60.0).await;
        assert_eq!(j["coupon_infos"][0]["id"], ca.as_str(), "{j}");
        assert_eq!(j["error_details"][0]["id"], cb.as_str());
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000021");
        // Within the total but beyond what is left (40.00): CBC.99000013.
        let j = issue(&app, &dc, &q, &[&ca, &cb], 30.0).await;
        assert_eq!(j["coupon_infos"].as_array().unwrap().len(), 1, "{j}");
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000013");
        let q2 = grant(&app, &d.partner_id, QuotaType::Voucher, 1_000).await;
        let j = issue(&app, &dc, &q2, &[&ca], 10.01).await;
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000021");

        // CBC.99000025: customer_ids naming the partner itself (its id or its account id).
        let j = issue(&app, &dc, &q2, &[&d.partner_id, &d.domain_id, &ca], 1.0).await;
        let codes: Vec<&str> = j["error_details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["error_code"].as_str().unwrap())
            .collect();
        assert_eq!(codes, ["CBC.99000025", "CBC.99000025"], "{j}");
        assert_eq!(j["coupon_infos"][0]["id"], ca.as_str());
        // … also when a distributor issues for its reseller (the reseller or the distributor).
        let r = post(
            &app,
            &dc,
            "/v2/partners/coupon-quotas/indirect-partner-adjust",
            json!({"quota_id": q2, "indirect_partner_ids": [r1.partner_id], "quota_amount": 5}),
        )
        .await;
        let child = first_id(&r.json(), "simple_quota_infos", "quota_id");
        let rcust = app
            .customer(&r1.partner_id, AssociationType::Resale, "cdc-r", "")
            .await
            .customer_id;
        let r = post(
            &app,
            &dc,
            COUPONS,
            json!({"quota_id": child, "face_value": 1, "indirect_partner_id": r1.partner_id,
            "customer_ids": [r1.partner_id, d.partner_id, rcust]}),
        )
        .await;
        let j = r.json();
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000025", "{j}");
        assert_eq!(j["error_details"][1]["error_code"], "CBC.99000025");
        assert_eq!(j["coupon_infos"][0]["id"], rcust.as_str());

        // CBC.99000022: a first-association-only quota refuses a customer associated before.
        let back = app
            .customer(&d.partner_id, AssociationType::Resale, "cdc-back", "")
            .await
            .customer_id;
        let (oid, bid) = (other.partner_id.clone(), back.clone());
        app.db
            .write(move |c| {
                Box::pin(async move {
                    sql::query(
                        "INSERT INTO associations (id, root_id, partner_id, customer_id, association_type, associated_at, ended_at, end_reason) \
                         VALUES ('as-earlier', $1, $1, $2, 2, $3, $4, 'customer')",
                    )
                    .bind(&oid)
                    .bind(&bid)
                    .bind(NOW_MS - 200 * DAY)
                    .bind(NOW_MS - 100 * DAY)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        let qf = grant_with(
            &app,
            &d.partner_id,
            QuotaType::Voucher,
            10_000,
            NOW_MS + 30 * DAY,
            QuotaLimits {
                first_association_only: true,
                ..Default::default()
            },
        )
        .await;
        let j = issue(&app, &dc, &qf, &[&back, &cb], 10.0).await;
        assert_eq!(j["error_details"][0]["id"], back.as_str(), "{j}");
        assert_eq!(j["error_details"][0]["error_code"], "CBC.99000022");
        assert_eq!(j["coupon_infos"][0]["id"], cb.as_str());

        // CBC.99000024: order types beyond the quota's (the console and the service can narrow
        // them; the API request has no such field and inherits the quota's).
        let qo = grant_with(
            &app,
            &d.partner_id,
            QuotaType::Voucher,
            10_000,
            NOW_MS + 30 * DAY,
            QuotaLimits {
                order_types: vec![1, 2],
                ..Default::default()
            },
        )
        .await;
        let issue_types = |types: Vec<i64>| {
            let req = coupons::IssueRequest {
                quota_id: qo.clone(),
                customer_ids: vec![ca.clone()],
                face_value: Money::from_cents(100),
                order_types: types,
                ..Default::default()
            };
            coupons::issue(&app.db, app.as_partner(&d.partner_id), req)
        };
        let e = issue_types(vec![2, 3]).await.unwrap_err();
        assert_eq!(e.code, pc_app::Code::CouponOrderTypesExceedQuota);
        assert_eq!(e.code.vendor_code(), "CBC.99000024");
        let out = issue_types(vec![2]).await.unwrap();
        let k = coupons::get_coupon(app.db.read(), &out.issued[0].1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(k.order_types, vec![2]);
        assert!(k.admits_order_type(2) && !k.admits_order_type(1));
        let j = issue(&app, &dc, &qo, &[&ca], 1.0).await;
        let k = coupons::get_coupon(
            app.db.read(),
            j["coupon_infos"][0]["coupon_id"].as_str().unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(k.order_types, vec![1, 2]);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn issued_list_leaves_out_coupons_expired_over_12_months() {
    for app in apps("coupons_r915").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "r915-cust", "")
            .await
            .customer_id;
        let q = grant_with(
            &app,
            &d.partner_id,
            QuotaType::Voucher,
            10_000,
            NOW_MS + 3 * 365 * DAY,
            Default::default(),
        )
        .await;
        let mut ids = Vec::new();
        for expiry in [NOW_MS + DAY, NOW_MS + 40 * DAY, NOW_MS + 2 * 365 * DAY] {
            let r = post(
                &app,
                &dc,
                COUPONS,
                json!({"quota_id": q, "customer_ids": [cust], "face_value": 1,
                "expire_time": pc_domain::timefmt::format_utc(expiry)}),
            )
            .await;
            ids.push(first_id(&r.json(), "coupon_infos", "coupon_id"));
        }
        let r = get(&app, &dc, COUPONS).await;
        assert_eq!(r.json()["total_count"], 3);
        // 380 days later: the first expired 379 days ago (over 12 months), the second 340 days
        // ago, the third is still live 2 years out.
        let later = NOW_MS + 380 * DAY;
        app.clock.advance(380 * DAY);
        let at = |path: &str| signed(&dc, "GET", path, "", later, &[]);
        let r = app.send(at(&format!("{COUPONS}?limit=10"))).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 2, "{}: {j}", app.engine);
        let listed: Vec<&str> = j["user_coupons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| k["coupon_id"].as_str().unwrap())
            .collect();
        assert!(
            !listed.contains(&ids[0].as_str())
                && listed.contains(&ids[1].as_str())
                && listed.contains(&ids[2].as_str())
        );
        // An earlier expire_time_begin does not bring it back.
        let r = app
            .send(at(&format!(
                "{COUPONS}?expire_time_begin=2000-01-01T00:00:00Z&coupon_id={}",
                ids[0]
            )))
            .await;
        assert_eq!(r.json()["total_count"], 0);
        let r = app
            .send(at(&format!("{COUPONS}?coupon_id={}", ids[1])))
            .await;
        assert_eq!(r.json()["user_coupons"][0]["status"], 4);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn reclaimed_reseller_quota_shows_status_6() {
    for app in apps("coupons_q6").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let (dc, rc) = (Creds::from(&d), Creds::from(&r1));
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        let rcust = app
            .customer(&r1.partner_id, AssociationType::Resale, "q6-cust", "")
            .await
            .customer_id;
        let adjust = |amount: i64| {
            post(
                &app,
                &dc,
                "/v2/partners/coupon-quotas/indirect-partner-adjust",
                json!({"quota_id": q, "indirect_partner_ids": [r1.partner_id], "quota_amount": amount}),
            )
        };
        let r = adjust(40).await;
        let child = first_id(&r.json(), "simple_quota_infos", "quota_id");
        let j = issue(&app, &rc, &child, &[&rcust], 10.0).await;
        let coupon = first_id(&j, "coupon_infos", "coupon_id");
        let statuses = || async {
            let issued = get(&app, &dc, "/v2/partners/issued-coupon-quotas")
                .await
                .json()["quotas"][0]["quota_status"]
                .clone();
            let own = post(
                &app,
                &rc,
                "/v2/partners/coupon-quotas/query",
                json!({"quota_ids": [child]}),
            )
            .await
            .json()["quotas"][0]["quota_status"]
                .clone();
            (issued, own)
        };
        assert_eq!(statuses().await, (json!(0), json!(0)));
        let reclaim = || {
            post(
                &app,
                &dc,
                "/v2/partners/coupon-quotas/indirect-partner-reclaim",
                json!({"quota_ids": [child]}),
            )
        };
        let r = reclaim().await;
        assert_eq!(r.json()["simple_quota_infos"][0]["quota_balance"], 0.0);
        // Reclaimed: 6 in the distributor's list, invalid (3) in the reseller's own.
        assert_eq!(statuses().await, (json!(6), json!(3)), "{}", app.engine);
        let r = post(
            &app,
            &rc,
            "/v2/partners/coupon-quotas/query",
            json!({"quota_status_list": [3]}),
        )
        .await;
        assert_eq!(r.json()["total_count"], 1);
        let r = post(
            &app,
            &rc,
            "/v2/partners/coupon-quotas/query",
            json!({"quota_status_list": [0]}),
        )
        .await;
        assert_eq!(r.json()["total_count"], 0);
        post(
            &app,
            &rc,
            COUPONS,
            json!({"quota_id": child, "customer_ids": [rcust], "face_value": 1}),
        )
        .await
        .assert_error(400, "CBC.99000012");
        // A recall still returns to it, and the distributor can reclaim that too.
        let r = post(&app, &rc, RECLAIM, json!({"coupon_id": coupon})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(statuses().await.0, json!(6));
        let r = reclaim().await;
        assert_eq!(r.json()["simple_quota_infos"].as_array().unwrap().len(), 1);
        assert_eq!(quota_balance(&app, &dc, &q, 0).await, 100.0);
        // A new grant makes it normal again.
        adjust(5).await;
        assert_eq!(statuses().await, (json!(0), json!(0)));
        let j = issue(&app, &rc, &child, &[&rcust], 5.0).await;
        assert_eq!(j["coupon_infos"].as_array().unwrap().len(), 1, "{j}");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn partner_staff_see_coupon_pages_read_only() {
    for app in apps("coupons_staff").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "st-cust", "")
            .await
            .customer_id;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        let j = issue(&app, &Creds::from(&d), &q, &[&cust], 10.0).await;
        let coupon = first_id(&j, "coupon_infos", "coupon_id");
        let hash = pc_app::crypto::hash_password("Passw0rd!").unwrap();
        let pid = d.partner_id.clone();
        app.db
            .write(move |c| {
                Box::pin(async move {
                    pc_app::services::identity::insert_user(
                        c,
                        &ctx(),
                        "coupon-staff",
                        &hash,
                        pc_domain::party::Role::PartnerStaff,
                        Some(&pid),
                        None,
                    )
                    .await
                })
            })
            .await
            .unwrap();
        let staff = app.console_login("coupon-staff", "Passw0rd!").await;
        let home = app.console_get(&staff, "/console").await;
        assert!(home.body.contains("data-nav=\"vouchers\""), "{}", home.body);
        assert!(home.body.contains("data-nav=\"cash-coupons\""));
        let page = app.console_get(&staff, "/console/vouchers").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(&format!("data-coupon=\"{coupon}\"")));
        assert!(page.body.contains(&format!("data-quota=\"{q}\"")));
        for form in [
            "issue-form",
            "recall-form",
            "batch-recall",
            "class=\"recall\"",
        ] {
            assert!(!page.body.contains(form), "staff see {form}");
        }
        assert_eq!(
            app.console_get(&staff, "/console/cash-coupons")
                .await
                .status,
            200
        );
        // The forms' routes refuse staff, and nothing changes.
        let r = app
            .console_post(
                &staff,
                "/console/coupons/issue",
                &[
                    ("type", "voucher"),
                    ("quota_id", &q),
                    ("customer_ids", &cust),
                    ("face_value", "1.00"),
                ],
            )
            .await;
        assert_eq!(r.status, 403);
        let r = app
            .console_post(&staff, "/console/coupons/recall", &[("one", &coupon)])
            .await;
        assert_eq!(r.status, 403);
        let k = coupons::get_coupon(app.db.read(), &coupon)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((k.status, k.balance), (2, Money::from_cents(1_000)));
        let qq = coupons::get_quota(app.db.read(), &q)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((qq.balance, qq.issued_count), (Money::from_cents(9_000), 1));
        // The admin still has both forms.
        let admin = app.console_login(&d.login, "Passw0rd!").await;
        let page = app.console_get(&admin, "/console/vouchers").await;
        assert!(page.body.contains("issue-form") && page.body.contains("recall-form"));
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn console_quota_limits() {
    for app in apps("coupons_console_limits").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "cl-cust", "")
            .await
            .customer_id;
        let ops = app.operator_session("ops-l").await;
        let grant_form = |min: &'static str| {
            let pid = d.partner_id.clone();
            let (app, ops) = (&app, &ops);
            async move {
                let fields = [
                    ("partner_id", pid.as_str()),
                    ("type", "voucher"),
                    ("amount", "100.00"),
                    (
                        "service_types",
                        "hws.service.type.ec2, hws.service.type.evs",
                    ),
                    ("product_ids", ""),
                    ("min_face", min),
                    ("max_face", "50"),
                    ("max_count", "2"),
                    ("order_types", "1"),
                    ("order_types", "2"),
                    ("first_association_only", "1"),
                ];
                app.console_post(ops, "/console/quotas", &fields).await
            }
        };
        // A bad limit: back with the error, nothing granted.
        let r = grant_form("60").await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains(r#"id="grant-form-error""#), "{}", r.body);
        assert!(owned_quotas(&app, &d.partner_id).await.is_empty());
        let r = grant_form("5").await;
        assert!(
            r.headers["location"].to_str().unwrap().contains("msg="),
            "{:?}",
            r.headers
        );
        let rows = owned_quotas(&app, &d.partner_id).await;
        let q = rows[0].id.clone();
        assert_eq!(
            rows[0].limits,
            QuotaLimits {
                service_types: vec!["hws.service.type.ec2".into(), "hws.service.type.evs".into()],
                product_ids: vec![],
                min_face: Some(Money::from_cents(500)),
                max_face: Some(Money::from_cents(5_000)),
                max_count: Some(2),
                order_types: vec![1, 2],
                first_association_only: true,
            }
        );
        // Both quota lists show the limits.
        let page = app.console_get(&ops, "/console/quotas").await;
        for s in [
            "data-limit=\"face_value\"",
            "¥5.00 – ¥50.00",
            "data-limit=\"first_association_only\"",
        ] {
            assert!(page.body.contains(s), "operator page lacks {s}");
        }
        let ds = app.console_login(&d.login, "Passw0rd!").await;
        let page = app.console_get(&ds, "/console/vouchers").await;
        for s in [
            "data-limit=\"cloud_service_types\"",
            "hws.service.type.evs",
            "data-limit=\"order_types\"",
            "data-limit=\"max_count\"",
        ] {
            assert!(page.body.contains(s), "partner page lacks {s}");
        }
        // The issue form narrows order types: beyond the quota's is refused (CBC.99000024).
        let issue_form = |types: &'static [&'static str]| {
            let (q, cust) = (q.clone(), cust.clone());
            let (app, ds) = (&app, &ds);
            async move {
                let mut fields = vec![
                    ("type", "voucher"),
                    ("quota_id", q.as_str()),
                    ("customer_ids", cust.as_str()),
                    ("face_value", "10.00"),
                ];
                fields.extend(types.iter().map(|t| ("order_types", *t)));
                let r = app
                    .console_post(ds, "/console/coupons/issue", &fields)
                    .await;
                match r.status {
                    303 => r.headers["location"].to_str().unwrap().to_string(),
                    // Nothing issued: the form again, with why.
                    _ => format!("{} {}", r.status, r.body),
                }
            }
        };
        let loc = issue_form(&["2", "3"]).await;
        assert!(
            loc.starts_with("400 ") && loc.contains("issue-form-"),
            "{loc}"
        );
        let loc = issue_form(&["2"]).await;
        assert!(loc.contains("msg="), "{loc}");
        let loc = issue_form(&[]).await;
        assert!(loc.contains("msg="), "{loc}");
        let issued = issued_by(&app, &d.partner_id).await;
        let mut kinds: Vec<Vec<i64>> = issued.iter().map(|k| k.order_types.clone()).collect();
        kinds.sort();
        assert_eq!(kinds, vec![vec![1, 2], vec![2]]);
        // The operator's limits form: max_count below the 2 issued is refused; then widened.
        let set = |max_count: &'static str| {
            let q = q.clone();
            let (app, ops) = (&app, &ops);
            async move {
                let r = app
                    .console_post(
                        ops,
                        "/console/quotas/adjust",
                        &[
                            ("quota_id", q.as_str()),
                            ("set_limits", "1"),
                            ("max_count", max_count),
                            ("order_types", "1"),
                        ],
                    )
                    .await;
                match r.status {
                    303 => r.headers["location"].to_str().unwrap().to_string(),
                    _ => format!("{} {}", r.status, r.body),
                }
            }
        };
        assert!(set("1")
            .await
            .contains(&format!(r#"id="set-limits-{q}-error""#)));
        assert!(set("5").await.contains("msg="));
        let got = coupons::get_quota(app.db.read(), &q)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            got.limits,
            QuotaLimits {
                max_count: Some(5),
                order_types: vec![1],
                ..Default::default()
            }
        );
        app.assert_ledger_clean().await;
    }
}

/// The expiry job's association sweep: coupons whose customer stopped being the issuing
/// partner's resale customer by a change the event hooks did not see (written straight to the
/// table here) are recalled, with the record type of the change (3 ended, 8 switched to
/// consulting); a customer still associated for resale keeps its coupon.
#[tokio::test]
async fn expiry_job_sweeps_coupons_of_changed_associations() {
    for app in apps("coupons_sweep").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = Creds::from(&d);
        let kept = app
            .customer(&d.partner_id, AssociationType::Resale, "sw-kept", "")
            .await;
        let ended = app
            .customer(&d.partner_id, AssociationType::Resale, "sw-ended", "")
            .await;
        let switched = app
            .customer(&d.partner_id, AssociationType::Resale, "sw-switched", "")
            .await;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 10_000).await;
        issue(
            &app,
            &dc,
            &q,
            &[&kept.customer_id, &ended.customer_id, &switched.customer_id],
            10.0,
        )
        .await;
        let (e, w) = (ended.customer_id.clone(), switched.customer_id.clone());
        app.db
            .write(move |c| {
                Box::pin(async move {
                    sql::query("UPDATE associations SET ended_at = $1 WHERE customer_id = $2")
                        .bind(NOW_MS)
                        .bind(&e)
                        .execute(&mut *c)
                        .await?;
                    sql::query(
                        "UPDATE associations SET association_type = 1 WHERE customer_id = $1",
                    )
                    .bind(&w)
                    .execute(&mut *c)
                    .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        let job = Ctx::new(Actor::System { name: "job".into() }, "job-sweep", NOW_MS);
        let rep = coupons::run_expiry_job(&app.db, job.clone()).await.unwrap();
        assert_eq!(rep.reclaimed_on_association_change, 2, "[{}]", app.engine);
        let status = |customer: String| {
            let coupons = issued_by(&app, &d.partner_id);
            async move {
                coupons
                    .await
                    .into_iter()
                    .find(|k| k.customer_id == customer)
                    .map(|k| (k.status, k.balance))
                    .unwrap()
            }
        };
        assert_eq!(
            status(kept.customer_id.clone()).await.1,
            Money::from_cents(1000)
        );
        assert_eq!(status(ended.customer_id.clone()).await.1, Money::ZERO);
        assert_eq!(status(switched.customer_id.clone()).await.1, Money::ZERO);
        let rep = coupons::run_expiry_job(&app.db, job).await.unwrap();
        assert_eq!(
            rep.reclaimed_on_association_change, 0,
            "a rerun finds nothing due"
        );
        let r = get(
            &app,
            &dc,
            "/v2/promotions/benefits/partner-coupons/records/query",
        )
        .await;
        let ops: Vec<String> = r.json()["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["operation_type"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(
            ops.contains(&"3".into()) && ops.contains(&"8".into()),
            "{ops:?}"
        );
        app.assert_ledger_clean().await;
    }
}

/// A master distributor's grants to and reclaims from one reseller quota, and the reseller's
/// issues from it, all at once: every request is answered (no deadlock between the quota rows and
/// their ledger accounts, which each path takes parent quota first, then the child quota, then
/// the ledger), and the ledger stays clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_reseller_grants_reclaims_and_issues_all_answer() {
    for app in apps("coupons_res_conc").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let dc = Creds::from(&d);
        let rc = Creds::from(&r1);
        let cust = app
            .customer(&r1.partner_id, AssociationType::Resale, "rc-one", "")
            .await;
        let q = grant(&app, &d.partner_id, QuotaType::Voucher, 100_000).await;
        let grant_path = "/v2/partners/coupon-quotas/indirect-partner-adjust";
        let r = post(
            &app,
            &dc,
            grant_path,
            json!({"quota_id": q, "indirect_partner_ids": [r1.partner_id], "quota_amount": 10}),
        )
        .await;
        let child = first_id(&r.json(), "simple_quota_infos", "quota_id");
        let grant_body =
            json!({"quota_id": q, "indirect_partner_ids": [r1.partner_id], "quota_amount": 1})
                .to_string();
        let reclaim_body = json!({"quota_ids": [child]}).to_string();
        let issue_body =
            json!({"quota_id": child, "customer_ids": [cust.customer_id], "face_value": 0.01})
                .to_string();
        let mut reqs = Vec::new();
        for _ in 0..24 {
            reqs.push(signed(&dc, "POST", grant_path, &grant_body, NOW_MS, &[]));
            reqs.push(signed(
                &dc,
                "POST",
                "/v2/partners/coupon-quotas/indirect-partner-reclaim",
                &reclaim_body,
                NOW_MS,
                &[],
            ));
            reqs.push(signed(&rc, "POST", COUPONS, &issue_body, NOW_MS, &[]));
        }
        let results = app.send_all(reqs).await;
        for r in &results {
            assert!(r.status < 500, "[{}] {} {}", app.engine, r.status, r.body);
        }
        app.assert_ledger_clean().await;
    }
}
