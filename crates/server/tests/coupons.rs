//! Coupons on both engines through the signed vendor API: quotas, issue with per-customer
//! failures, lists, recall (once only, also under concurrency), records, distributor ↔ reseller
//! quotas, the expiry job and the order-facing functions. Every scenario ends with a clean ledger.

mod common;

use common::*;
use pc_app::services::coupons;
use pc_app::{Actor, Ctx};
use pc_domain::coupons::QuotaType;
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;
use serde_json::{json, Value};

const COUPONS: &str = "/v2/promotions/benefits/partner-coupons";
const RECLAIM: &str = "/v2/promotions/benefits/partner-coupons/reclaim";
const DAY: i64 = 24 * 3600 * 1000;

async fn grant(app: &TestApp, partner_id: &str, t: QuotaType, cents: i64) -> String {
    let g = coupons::NewQuota {
        partner_id: partner_id.into(),
        quota_type: t,
        amount: Money::from_cents(cents),
        effective_at: None,
        expire_at: Some(NOW_MS + 30 * DAY),
        limits: Default::default(),
    };
    app.db
        .write(move |c| Box::pin(async move { coupons::grant_quota(c, &ctx(), g).await }))
        .await
        .unwrap()
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
        let child = j["simple_quota_infos"][0]["quota_id"]
            .as_str()
            .unwrap()
            .to_string();
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
        let short = r.json()["coupon_infos"][0]["coupon_id"]
            .as_str()
            .unwrap()
            .to_string();
        let j = issue(&app, &dc, &q, &[&c1.customer_id], 20.0).await;
        let long = j["coupon_infos"][0]["coupon_id"]
            .as_str()
            .unwrap()
            .to_string();
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
        let rep = coupons::run_expiry_job(&app.db, &jctx).await.unwrap();
        assert_eq!(rep.expired, 1);
        assert_eq!(rep.returned_to_quota, 1);
        let rep = coupons::run_expiry_job(&app.db, &jctx).await.unwrap();
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
        pc_app::services::identity::create_operator(
            &app.db,
            ctx(),
            "ops-c".into(),
            "Passw0rd!".into(),
        )
        .await
        .unwrap();
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "con-cust", "")
            .await;
        // The operator grants a voucher quota from the console.
        let ops = app.console_login("ops-c", "Passw0rd!").await;
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
        assert!(page.body.contains("¥ 80.00"), "{}", page.body);
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
        let (_, rows) = coupons::list_coupons(
            app.db.read(),
            coupons::CouponScope::IssuedBy(&d.partner_id),
            &coupons::CouponQuery {
                limit: 10,
                ..Default::default()
            },
            NOW_MS,
        )
        .await
        .unwrap();
        let coupon = rows[0].id.clone();
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
        assert!(r.headers["location"].to_str().unwrap().contains("err="));
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
