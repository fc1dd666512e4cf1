//! Customer association on SQLite and PostgreSQL: send_verification_message_code,
//! create_sub_customer, check_user_identity, list_indirect_partners (vendor API), the console's
//! invite links and QR codes, and the public join page with every refusal.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use pc_app::services::{customers, identity, partners};
use pc_app::store::outbox;
use pc_app::store::sql;
use pc_app::{Actor, Ctx};
use pc_domain::party::{AssociationType, PartnerType, Role};
use serde_json::{json, Value};

const SEND: &str = "/v2/bases/verificationcode/send";
const CREATE: &str = "/v2/partners/sub-customers";
const CHECK: &str = "/v2/partners/sub-customers/users/check-identity";
const INDIRECT: &str = "/v2/partners/indirect-partners/query";
const LIST: &str = "/v2/partners/sub-customers/query";

async fn post(app: &TestApp, creds: &Creds, path: &str, body: &Value) -> Resp {
    app.send(signed(
        creds,
        "POST",
        path,
        &body.to_string(),
        app_now(app),
        &[],
    ))
    .await
}

fn app_now(app: &TestApp) -> i64 {
    pc_app::clock::Clock::now_ms(&app.clock)
}

/// The newest code sent to a mobile number (read from the outbox, as a person would).
async fn last_code(app: &TestApp, mobile: &str) -> String {
    let m = outbox::list(app.db.read(), Some(mobile), 1).await.unwrap();
    let body = &m.first().expect("an SMS in the outbox").body;
    let i = body
        .find("code is ")
        .map(|i| i + 8)
        .or_else(|| body.find("验证码为 ").map(|i| i + "验证码为 ".len()))
        .expect("a code in the SMS");
    body[i..i + 6].to_string()
}

async fn send_code(app: &TestApp, creds: &Creds, mobile: &str) -> String {
    let r = post(
        app,
        creds,
        SEND,
        &json!({"receiver_type": 1, "mobile_phone": mobile}),
    )
    .await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    last_code(app, mobile).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sql::query_scalar(sql)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn set_status(app: &TestApp, partner_id: &str, status: &str) {
    let change = partners::ProfileChange {
        partner_id: partner_id.into(),
        status: Some(status.into()),
        ..Default::default()
    };
    partners::update_profile(&app.db, ctx(), change)
        .await
        .unwrap();
}

async fn set_contact(app: &TestApp, partner_id: &str, mobile: &str, email: &str) {
    let change = partners::ProfileChange {
        partner_id: partner_id.into(),
        contact_mobile: Some(mobile.into()),
        contact_email: Some(email.into()),
        ..Default::default()
    };
    partners::update_profile(&app.db, ctx(), change)
        .await
        .unwrap();
}

#[tokio::test]
async fn verification_codes_are_sent_limited_and_scoped() {
    for app in apps("smscode").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        // Sent through the outbox, in Chinese by default, in English on request.
        let r = post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": "13800000001"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json(), json!({}));
        let msg = &outbox::list(app.db.read(), Some("13800000001"), 1)
            .await
            .unwrap()[0];
        assert_eq!(msg.channel, "sms");
        assert!(msg.body.contains("验证码为"), "{}", msg.body);
        post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": "13800000001", "lang": "en-us"}),
        )
        .await;
        assert!(last_code(&app, "13800000001")
            .await
            .bytes()
            .all(|b| b.is_ascii_digit()));
        // Lifetimes: default 10 minutes; over 60 is fixed at 5.
        let exp = |app: &TestApp| {
            let pool = app.db.read().clone();
            async move {
                sql::query_scalar::<i64>("SELECT expires_at - created_at FROM verification_codes WHERE used_at IS NULL ORDER BY created_at DESC LIMIT 1")
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(exp(&app).await, 10 * 60_000);
        post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": "13800000001", "timeout": 61}),
        )
        .await;
        assert_eq!(exp(&app).await, 5 * 60_000);
        post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": "13800000001", "timeout": 30}),
        )
        .await;
        assert_eq!(exp(&app).await, 30 * 60_000);
        // Bad input: 4xx, nothing sent.
        let before = count(&app, "SELECT COUNT(*) FROM verification_codes").await;
        for bad in [
            json!({"receiver_type": 2, "mobile_phone": "13800000001"}),
            json!({"receiver_type": 1, "mobile_phone": "12345"}),
            json!({"receiver_type": 1, "mobile_phone": "+4413800000001"}),
            json!({"receiver_type": 1, "mobile_phone": "13800000001", "timeout": 0}),
            json!({"receiver_type": 1, "mobile_phone": "13800000001", "scene": 7}),
            json!({"receiver_type": 1, "mobile_phone": "13800000001", "lang": "fr-fr"}),
            json!({"receiver_type": 1, "mobile_phone": "13800000001", "scene": 18}),
            json!({"mobile_phone": "13800000001"}),
        ] {
            post(&app, &creds, SEND, &bad)
                .await
                .assert_error(400, "CBC.0100");
        }
        // Scene 18 needs one of the caller's own customers.
        let mine = app
            .customer(&d.partner_id, AssociationType::Resale, "bank-mine", "x")
            .await;
        let theirs = app
            .customer(
                &other.partner_id,
                AssociationType::Resale,
                "bank-theirs",
                "x",
            )
            .await;
        post(&app, &creds, SEND, &json!({"receiver_type": 1, "mobile_phone": "13800000002", "scene": 18, "customer_id": theirs.customer_id}))
            .await
            .assert_error(400, "CBC.99000035");
        post(&app, &creds, SEND, &json!({"receiver_type": 1, "mobile_phone": "13800000002", "scene": 18, "customer_id": "cnosuch"}))
            .await
            .assert_error(400, "CBC.99000035");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM verification_codes").await,
            before
        );
        let ok = post(&app, &creds, SEND, &json!({"receiver_type": 1, "mobile_phone": "13800000002", "scene": 18, "customer_id": mine.customer_id})).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        // A customer's key may not send codes.
        post(
            &app,
            &Creds::from(&mine),
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": "13800000002"}),
        )
        .await
        .assert_error(403, "CBC.0155");
        // A retried send with the same idempotency key sends one SMS.
        let body = json!({"receiver_type": 1, "mobile_phone": "13800000003"}).to_string();
        for _ in 0..2 {
            let r = app
                .send(signed(
                    &creds,
                    "POST",
                    SEND,
                    &body,
                    NOW_MS,
                    &[("x-idempotency-key", "sms-1")],
                ))
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        assert_eq!(
            outbox::list(app.db.read(), Some("13800000003"), 10)
                .await
                .unwrap()
                .len(),
            1
        );

        // 15 an hour, 60 a day per number, whoever asks.
        let m = "13900000000";
        for i in 0..15 {
            let who = if i % 2 == 0 {
                &creds
            } else {
                &Creds::from(&other)
            };
            let r = post(
                &app,
                who,
                SEND,
                &json!({"receiver_type": 1, "mobile_phone": m}),
            )
            .await;
            assert_eq!(r.status, 200, "send {i}: {}", r.body);
        }
        let n = count(&app, "SELECT COUNT(*) FROM verification_codes").await;
        post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": m}),
        )
        .await
        .assert_error(400, "CBC.99004015");
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM verification_codes").await,
            n,
            "a refused send writes nothing"
        );
        for hour in 1..=3 {
            app.clock.set(NOW_MS + hour * 3_600_000 + 1);
            for _ in 0..15 {
                let r = post(
                    &app,
                    &creds,
                    SEND,
                    &json!({"receiver_type": 1, "mobile_phone": m}),
                )
                .await;
                assert_eq!(r.status, 200, "hour {hour}: {}", r.body);
            }
        }
        app.clock.set(NOW_MS + 4 * 3_600_000 + 2);
        post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": m}),
        )
        .await
        .assert_error(400, "CBC.99004015");
        app.clock.set(NOW_MS + 24 * 3_600_000 + 1);
        assert_eq!(
            post(
                &app,
                &creds,
                SEND,
                &json!({"receiver_type": 1, "mobile_phone": m})
            )
            .await
            .status,
            200
        );
        app.clock.set(NOW_MS);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn create_sub_customer_creates_maps_associates_and_is_idempotent() {
    for app in apps("createsub").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        let body = json!({"xaccount_id": "u-1", "xaccount_type": d.xaccount_type, "domain_name": "shop-one", "password": "Secret-2026", "include_association_result": true});
        let r = post(&app, &creds, CREATE, &body).await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["domain_name"], "shop-one");
        assert!(j.get("error_code").is_none(), "{j}");
        let id = j["domain_id"].as_str().unwrap().to_string();
        // Listed as the partner's resale customer, with the platform mapping.
        let l = post(&app, &creds, LIST, &json!({"customer_id": id}))
            .await
            .json();
        assert_eq!(l["count"], 1, "{l}");
        let c = &l["customer_infos"][0];
        assert_eq!(c["association_type"], "2");
        assert_eq!(c["xaccount_id"], "u-1");
        assert_eq!(c["xaccount_type"], d.xaccount_type.as_str());
        assert_eq!(c["account_name"], "shop-one");
        // The customer can log in with the password given.
        let u = identity::authenticate(app.db.read(), "shop-one", "Secret-2026".into())
            .await
            .unwrap();
        assert_eq!(u.role, Role::Customer);
        assert_eq!(u.customer_id.as_deref(), Some(id.as_str()));
        // The same xaccount_id again: CBC.99000039 (the vendor's "xaccountId重复"), the existing
        // account named in the error body, nothing new.
        let n = count(&app, "SELECT COUNT(*) FROM customers").await;
        let again = post(&app, &creds, CREATE, &json!({"xaccount_id": "u-1", "xaccount_type": d.xaccount_type, "domain_name": "shop-other"})).await;
        assert_eq!(again.status, 400, "{}", again.body);
        let a = again.json();
        assert_eq!(a["error_code"], "CBC.99000039");
        assert!(a["error_msg"].as_str().is_some_and(|m| !m.is_empty()));
        assert_eq!(a["domain_id"], id.as_str());
        assert_eq!(a["domain_name"], "shop-one");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, n);
        // Consulting through cooperation_type 1; a generated 32-character name; no password: no login.
        let r = post(&app, &creds, CREATE, &json!({"xaccount_id": "u-2", "xaccount_type": d.xaccount_type, "cooperation_type": "1", "domain_name": ""})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let name = r.json()["domain_name"].as_str().unwrap().to_string();
        assert_eq!(name.len(), 32);
        customers::validate_domain_name(&name).unwrap();
        let l = post(&app, &creds, LIST, &json!({"account_name": name}))
            .await
            .json();
        assert_eq!(l["customer_infos"][0]["association_type"], "1", "{l}");
        assert!(
            identity::authenticate(app.db.read(), &name, "anything-1A".into())
                .await
                .is_err()
        );
        // X-Idempotency-Key: the same request twice is one account; another body under it is 409.
        let body = json!({"xaccount_id": "u-3", "xaccount_type": d.xaccount_type}).to_string();
        let first = app
            .send(signed(
                &creds,
                "POST",
                CREATE,
                &body,
                NOW_MS,
                &[("x-idempotency-key", "k-3")],
            ))
            .await;
        let second = app
            .send(signed(
                &creds,
                "POST",
                CREATE,
                &body,
                NOW_MS,
                &[("x-idempotency-key", "k-3")],
            ))
            .await;
        assert_eq!(first.status, 200, "{}", first.body);
        assert_eq!(first.body, second.body);
        assert!(
            second.json().get("error_code").is_none(),
            "a replay is the first answer: {}",
            second.body
        );
        let other = json!({"xaccount_id": "u-4", "xaccount_type": d.xaccount_type}).to_string();
        app.send(signed(
            &creds,
            "POST",
            CREATE,
            &other,
            NOW_MS,
            &[("x-idempotency-key", "k-3")],
        ))
        .await
        .assert_error(409, "PC.0409");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM customers WHERE xaccount_id IN ('u-3', 'u-4')"
            )
            .await,
            1
        );
        // A solution provider may call it too.
        let s = app.partner(PartnerType::Solution, None).await;
        let r = post(
            &app,
            &Creds::from(&s),
            CREATE,
            &json!({"xaccount_id": "u-1", "xaccount_type": s.xaccount_type}),
        )
        .await;
        assert_eq!(
            r.status, 200,
            "same xaccount_id on another platform is another user: {}",
            r.body
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn create_sub_customer_refusals_write_nothing() {
    for app in apps("createref").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let d2 = app.partner(PartnerType::Distributor, None).await;
        let r2 = app
            .partner(PartnerType::Reseller, Some(&d2.partner_id))
            .await;
        let cons = app.partner(PartnerType::Consulting, None).await;
        let sol = app.partner(PartnerType::Solution, None).await;
        let creds = Creds::from(&d);
        let x = d.xaccount_type.as_str();
        app.customer(&d.partner_id, AssociationType::Resale, "taken-name", "l")
            .await;
        let before = count(&app, "SELECT COUNT(*) FROM customers").await;
        let (sol_c, r1_c, cons_c) = (Creds::from(&sol), Creds::from(&r1), Creds::from(&cons));
        // The vendor's table: CBC.99000031 a bad login name, CBC.5017 a bad mobile number,
        // CBC.99000036 a bad password; CBC.0100 any other bad field.
        let invalid = [
            (
                json!({"xaccount_id": "a", "xaccount_type": r1.xaccount_type}),
                "CBC.0100",
            ),
            (json!({"xaccount_type": x}), "CBC.0100"),
            (json!({"xaccount_id": "", "xaccount_type": x}), "CBC.0100"),
            (
                json!({"xaccount_id": "a".repeat(129), "xaccount_type": x}),
                "CBC.0100",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "domain_name": "op_shop"}),
                "CBC.99000031",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "domain_name": "12345678"}),
                "CBC.99000031",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "domain_name": "abc"}),
                "CBC.99000031",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "password": "short"}),
                "CBC.99000036",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "domain_name": "mirror-name", "password": "eman-rorrim"}),
                "CBC.99000036",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "mobile_phone": "13700000001"}),
                "CBC.0100",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "mobile_phone": "13700000001", "verification_code": ""}),
                "CBC.0100",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "mobile_phone": "137"}),
                "CBC.5017",
            ),
            (
                json!({"xaccount_id": "a", "xaccount_type": x, "mobile_phone": "13700000001", "verification_code": "123456", "password": "ab13700000001"}),
                "CBC.99000036",
            ),
        ];
        for (body, code) in &invalid {
            post(&app, &creds, CREATE, body)
                .await
                .assert_error(400, code);
        }
        post(
            &app,
            &creds,
            CREATE,
            &json!({"xaccount_id": "a", "xaccount_type": x, "domain_name": "taken-name"}),
        )
        .await
        .assert_error(400, "CBC.99000038");
        // A reseller of another distributor, an unknown one, or a solution provider naming one.
        for (who, reseller) in [
            (&creds, &r2.partner_id),
            (&creds, &"pnosuch".to_string()),
            (&sol_c, &r1.partner_id),
        ] {
            let xt = if std::ptr::eq(who, &sol_c) {
                &sol.xaccount_type
            } else {
                &d.xaccount_type
            };
            post(
                &app,
                who,
                CREATE,
                &json!({"xaccount_id": "a", "xaccount_type": xt, "indirect_partner_id": reseller}),
            )
            .await
            .assert_error(400, "CBC.99000037");
        }
        // Partners without capability opening: the table's CBC.0151 (access denied).
        for (who, xt) in [(&r1_c, &r1.xaccount_type), (&cons_c, &cons.xaccount_type)] {
            post(
                &app,
                who,
                CREATE,
                &json!({"xaccount_id": "a", "xaccount_type": xt}),
            )
            .await
            .assert_error(403, "CBC.0151");
        }
        // A customer's key.
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "key-holder", "l")
            .await;
        post(
            &app,
            &Creds::from(&c),
            CREATE,
            &json!({"xaccount_id": "a", "xaccount_type": x}),
        )
        .await
        .assert_error(403, "CBC.0155");
        let before = before + 1;
        assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, before);

        // Restricted partners: the caller itself, or the reseller's master distributor.
        set_status(&app, &d.partner_id, "restricted").await;
        post(
            &app,
            &creds,
            CREATE,
            &json!({"xaccount_id": "a", "xaccount_type": x}),
        )
        .await
        .assert_error(400, "CBC.50010085");
        post(
            &app,
            &creds,
            CREATE,
            &json!({"xaccount_id": "a", "xaccount_type": x, "indirect_partner_id": r1.partner_id}),
        )
        .await
        .assert_error(400, "CBC.50010086");
        set_status(&app, &d.partner_id, "active").await;
        set_status(&app, &r1.partner_id, "restricted").await;
        post(
            &app,
            &creds,
            CREATE,
            &json!({"xaccount_id": "a", "xaccount_type": x, "indirect_partner_id": r1.partner_id}),
        )
        .await
        .assert_error(400, "CBC.50010085");
        set_status(&app, &r1.partner_id, "active").await;
        // A partner's contact mobile cannot register customers (R10.3).
        set_contact(&app, &d2.partner_id, "13600000000", "ops@d2.test").await;
        let code = send_code(&app, &creds, "13600000000").await;
        post(&app, &creds, CREATE, &json!({"xaccount_id": "a", "xaccount_type": x, "mobile_phone": "13600000000", "verification_code": code}))
            .await
            .assert_error(400, "CBC.99000029");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, before);

        // A distributor creates a reseller's customer: associated with the reseller.
        let code = send_code(&app, &creds, "13500000000").await;
        let r = post(&app, &creds, CREATE, &json!({"xaccount_id": "for-reseller", "xaccount_type": x, "indirect_partner_id": r1.partner_id, "mobile_phone": "13500000000", "verification_code": code})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let l = post(&app, &Creds::from(&r1), LIST, &json!({})).await.json();
        assert_eq!(l["count"], 1, "{l}");
        assert_eq!(l["customer_infos"][0]["xaccount_id"], "for-reseller");
        assert_eq!(l["customer_infos"][0]["telephone"], "135****0000");
        // At most 5 accounts per mobile number.
        for i in 0..4 {
            let code = send_code(&app, &creds, "13500000000").await;
            let r = post(&app, &creds, CREATE, &json!({"xaccount_id": format!("m-{i}"), "xaccount_type": x, "mobile_phone": "13500000000", "verification_code": code})).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let code = send_code(&app, &creds, "13500000000").await;
        post(&app, &creds, CREATE, &json!({"xaccount_id": "m-5", "xaccount_type": x, "mobile_phone": "13500000000", "verification_code": code}))
            .await
            .assert_error(400, "CBC.99000030");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn create_sub_customer_checks_verification_codes() {
    for app in apps("createcode").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let s = app.partner(PartnerType::Solution, None).await;
        let creds = Creds::from(&d);
        let x = d.xaccount_type.clone();
        let body = |code: &str, xid: &str| json!({"xaccount_id": xid, "xaccount_type": x, "mobile_phone": "13300000000", "verification_code": code});
        // No code requested yet.
        post(&app, &creds, CREATE, &body("123456", "v-1"))
            .await
            .assert_error(400, "CBC.99004010");
        let code = send_code(&app, &creds, "13300000000").await;
        let wrong = if code == "000000" { "111111" } else { "000000" };
        // Five wrong guesses void the code; the right one then fails too.
        for _ in 0..5 {
            post(&app, &creds, CREATE, &body(wrong, "v-1"))
                .await
                .assert_error(400, "CBC.99004010");
        }
        post(&app, &creds, CREATE, &body(&code, "v-1"))
            .await
            .assert_error(400, "CBC.99004009");
        assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, 0);
        // A fresh code works once, with two wrong guesses before it.
        let code = send_code(&app, &creds, "13300000000").await;
        post(&app, &creds, CREATE, &body(wrong, "v-1"))
            .await
            .assert_error(400, "CBC.99004010");
        post(&app, &creds, CREATE, &body(wrong, "v-1"))
            .await
            .assert_error(400, "CBC.99004010");
        let r = post(&app, &creds, CREATE, &body(&code, "v-1")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        post(&app, &creds, CREATE, &body(&code, "v-2"))
            .await
            .assert_error(400, "CBC.99004010");
        // A newer code replaces the older one.
        let old = send_code(&app, &creds, "13300000000").await;
        let new = send_code(&app, &creds, "13300000000").await;
        if old != new {
            post(&app, &creds, CREATE, &body(&old, "v-2"))
                .await
                .assert_error(400, "CBC.99004010");
        }
        // Expired.
        let r = post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 1, "mobile_phone": "13300000000", "timeout": 1}),
        )
        .await;
        assert_eq!(r.status, 200);
        let code = last_code(&app, "13300000000").await;
        app.clock.advance(61_000);
        post(&app, &creds, CREATE, &body(&code, "v-2"))
            .await
            .assert_error(400, "CBC.99004008");
        // A code sent through one partner's platform cannot be spent through another's.
        let code = send_code(&app, &creds, "13300000000").await;
        let theirs = json!({"xaccount_id": "v-3", "xaccount_type": s.xaccount_type, "mobile_phone": "13300000000", "verification_code": code});
        post(&app, &Creds::from(&s), CREATE, &theirs)
            .await
            .assert_error(400, "CBC.99004010");
        let r = post(&app, &creds, CREATE, &body(&code, "v-3")).await;
        assert_eq!(r.status, 200, "the owner's code still works: {}", r.body);
        app.clock.set(NOW_MS);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn check_user_identity_answers_in_the_body() {
    for app in apps("checkid").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let p2 = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        let ask = |t: &str, v: &str| json!({"search_type": t, "search_value": v});
        let r = post(&app, &creds, CHECK, &ask("name", "fresh-name")).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            r.json(),
            json!({"error_code": "CBC.0000", "error_msg": "success", "check_result": "available"})
        );
        app.customer(&d.partner_id, AssociationType::Resale, "used-name", "l")
            .await;
        assert_eq!(
            post(&app, &creds, CHECK, &ask("name", "used-name"))
                .await
                .json()["check_result"],
            "used_by_user"
        );
        // A partner's login is taken too.
        assert_eq!(
            post(&app, &creds, CHECK, &ask("name", &p2.login))
                .await
                .json()["check_result"],
            "used_by_user"
        );
        // Mobile numbers: remaining accounts; a partner's number has none.
        let m = post(&app, &creds, CHECK, &ask("mobile", "0086-13200000000"))
            .await
            .json();
        assert_eq!(
            (
                m["check_result"].as_str(),
                m["mobile_remain_available_num"].as_i64()
            ),
            (Some("available"), Some(5))
        );
        let code = send_code(&app, &creds, "13200000000").await;
        let r = post(&app, &creds, CREATE, &json!({"xaccount_id": "m", "xaccount_type": d.xaccount_type, "mobile_phone": "13200000000", "verification_code": code})).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(
            post(&app, &creds, CHECK, &ask("mobile", "0086-13200000000"))
                .await
                .json()["mobile_remain_available_num"],
            4
        );
        set_contact(&app, &p2.partner_id, "13100000000", "sales@p2.test").await;
        let m = post(&app, &creds, CHECK, &ask("mobile", "0086-13100000000"))
            .await
            .json();
        assert_eq!(
            (
                m["check_result"].as_str(),
                m["mobile_remain_available_num"].as_i64()
            ),
            (Some("used_by_user"), Some(0))
        );
        // E-mail addresses.
        assert_eq!(
            post(&app, &creds, CHECK, &ask("email", "new@x.test"))
                .await
                .json()["check_result"],
            "available"
        );
        assert_eq!(
            post(&app, &creds, CHECK, &ask("email", "Sales@P2.test"))
                .await
                .json()["check_result"],
            "used_by_user"
        );
        // Malformed questions are 4xx.
        for (t, v) in [
            ("phone", "x"),
            ("mobile", "13200000000"),
            ("mobile", "0044-13200000000"),
            ("name", "12345"),
            ("name", "op_abcde"),
            ("name", "_abcde"),
            ("email", "nobody"),
            ("email", ""),
            ("name", &"a".repeat(65)),
        ] {
            post(&app, &creds, CHECK, &ask(t, v))
                .await
                .assert_error(400, "CBC.0100");
        }
        post(&app, &creds, CHECK, &json!({"search_type": "name"}))
            .await
            .assert_error(400, "CBC.0100");
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "asker-cust", "l")
            .await;
        post(&app, &Creds::from(&c), CHECK, &ask("name", "whatever1"))
            .await
            .assert_error(403, "CBC.0155");
    }
}

#[tokio::test]
async fn list_indirect_partners_filters_pages_and_isolates() {
    for app in apps("indirect").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let foreign = app
            .partner(PartnerType::Reseller, Some(&other.partner_id))
            .await;
        let mut rs = Vec::new();
        for i in 0..3 {
            let p = partners::create(
                &app.db,
                Ctx::new(
                    Actor::System {
                        name: "test".into(),
                    },
                    "req",
                    NOW_MS + i * 60_000,
                ),
                app.mk.clone(),
                partners::NewPartner {
                    name: format!("Reseller {i}"),
                    partner_type: PartnerType::Reseller,
                    parent_id: Some(d.partner_id.clone()),
                    login: Some(format!("reseller-{i}-{}", app.engine)),
                    password: Some("Passw0rd!".into()),
                },
            )
            .await
            .unwrap();
            rs.push(p);
        }
        set_contact(&app, &rs[0].partner_id, "13012345678", "r0@x.test").await;
        let creds = Creds::from(&d);
        let all = post(&app, &creds, INDIRECT, &json!({})).await;
        assert_eq!(all.status, 200, "{}", all.body);
        let j = all.json();
        assert_eq!(j["count"], 3);
        let ids: Vec<&str> = j["indirect_partners"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["indirect_partner_id"].as_str().unwrap())
            .collect();
        assert_eq!(
            ids,
            vec![
                rs[2].partner_id.as_str(),
                rs[1].partner_id.as_str(),
                rs[0].partner_id.as_str()
            ],
            "newest first"
        );
        let r0 = &j["indirect_partners"][2];
        assert_eq!(r0["name"], "Reseller 0");
        assert_eq!(r0["account_name"], rs[0].login.as_str());
        assert_eq!(r0["mobile_phone"], "13012345678");
        assert_eq!(r0["email"], "r0@x.test");
        assert_eq!(r0["associated_on"], pc_domain::timefmt::format_utc(NOW_MS));
        // Filters and paging.
        let q = |b: Value| {
            let (app, creds) = (&app, &creds);
            async move { post(app, creds, INDIRECT, &b).await }
        };
        assert_eq!(
            q(json!({"account_name": rs[1].login})).await.json()["count"],
            1
        );
        assert_eq!(q(json!({"account_name": ""})).await.json()["count"], 3);
        assert_eq!(
            q(json!({"indirect_partner_id": rs[2].partner_id}))
                .await
                .json()["indirect_partners"][0]["name"],
            "Reseller 2"
        );
        let t1 = pc_domain::timefmt::format_utc(NOW_MS + 60_000);
        assert_eq!(
            q(json!({"associated_on_begin": t1})).await.json()["count"],
            2
        );
        assert_eq!(q(json!({"associated_on_end": t1})).await.json()["count"], 2);
        let page = q(json!({"offset": 2, "limit": 2})).await.json();
        assert_eq!(
            (
                page["count"].as_i64(),
                page["indirect_partners"].as_array().unwrap().len()
            ),
            (Some(3), 1)
        );
        q(json!({"limit": 0})).await.assert_error(400, "CBC.0100");
        q(json!({"limit": 101})).await.assert_error(400, "CBC.0100");
        q(json!({"associated_on_begin": "today"}))
            .await
            .assert_error(400, "CBC.0100");
        // Another distributor's reseller is not yours; a non-distributor has none.
        q(json!({"indirect_partner_id": foreign.partner_id}))
            .await
            .assert_error(400, "CBC.99000037");
        assert_eq!(
            post(&app, &Creds::from(&other), INDIRECT, &json!({}))
                .await
                .json()["count"],
            1
        );
        post(&app, &Creds::from(&rs[0]), INDIRECT, &json!({}))
            .await
            .assert_error(403, "CBC.0155");
    }
}

// ---------------------------------------------------------------------------------------------
// Console and the public join page

fn form(pairs: &[(&str, &str)]) -> String {
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", utf8_percent_encode(v, NON_ALPHANUMERIC)))
        .collect::<Vec<_>>()
        .join("&")
}

fn set_cookie(r: &Resp, name: &str) -> Option<String> {
    r.headers
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| {
            let (k, rest) = v.split_once('=')?;
            (k == name).then(|| rest.split(';').next().unwrap_or("").to_string())
        })
}

async fn get(app: &TestApp, path: &str, cookie: &str) -> Resp {
    app.send(
        Request::get(path)
            .header("host", "127.0.0.1:8080")
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn post_form(app: &TestApp, path: &str, cookie: &str, pairs: &[(&str, &str)]) -> Resp {
    app.send(
        Request::post(path)
            .header("host", "127.0.0.1:8080")
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(form(pairs)))
            .unwrap(),
    )
    .await
}

/// Logs in on the console; returns the cookie header value.
async fn console_login(app: &TestApp, login: &str, password: &str) -> String {
    let r = post_form(
        app,
        "/console/login",
        "",
        &[("login", login), ("password", password)],
    )
    .await;
    assert_eq!(r.status, 303, "login {login}: {}", r.body);
    format!("pc_session={}", set_cookie(&r, "pc_session").unwrap())
}

fn attr<'a>(html: &'a str, marker: &str) -> &'a str {
    let i = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in page"))
        + marker.len();
    let end = html[i..].find('"').unwrap();
    &html[i..i + end]
}

fn csrf_of(html: &str) -> String {
    attr(html, r#"name="csrf" value=""#).to_string()
}

/// Posts the console's link form.
async fn try_link(
    app: &TestApp,
    cookie: &str,
    csrf: &str,
    kind: &str,
    label: &str,
    at: &str,
) -> Resp {
    let mut pairs = vec![("kind", kind), ("label", label), ("association_type", at)];
    if !csrf.is_empty() {
        pairs.push(("csrf", csrf));
    }
    post_form(app, "/console/invites", cookie, &pairs).await
}

/// Generates a link in the console; returns (link id, token).
async fn make_link(
    app: &TestApp,
    cookie: &str,
    kind: &str,
    label: &str,
    at: &str,
) -> (String, String) {
    let page = get(app, "/console/invites", cookie).await;
    assert_eq!(page.status, 200, "{}", page.body);
    let csrf = csrf_of(&page.body);
    let r = try_link(app, cookie, &csrf, kind, label, at).await;
    assert_eq!(r.status, 303, "{}", r.body);
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let id = loc
        .split("created=")
        .nth(1)
        .and_then(|x| x.split('#').next())
        .unwrap()
        .to_string();
    let page = get(app, "/console/invites", cookie).await.body;
    let card = &page[page.find(&format!(r#"data-invite="{id}""#)).unwrap()..];
    let token = attr(card, "/join/").to_string();
    (id, token)
}

/// A visitor on a join page: its CSRF cookie and form value.
async fn visit(app: &TestApp, token: &str) -> (String, Resp) {
    let r = get(app, &format!("/join/{token}"), "").await;
    let c = set_cookie(&r, "pc_join").expect("the join page sets its CSRF cookie");
    (c, r)
}

async fn join_post(
    app: &TestApp,
    token: &str,
    step: &str,
    csrf: &str,
    pairs: &[(&str, &str)],
) -> Resp {
    let mut all = vec![("csrf", csrf)];
    all.extend_from_slice(pairs);
    post_form(
        app,
        &format!("/join/{token}/{step}"),
        &format!("pc_join={csrf}"),
        &all,
    )
    .await
}

/// Registers through a link: (mobile, code, account name), the notice ticked or not.
async fn register(
    app: &TestApp,
    token: &str,
    csrf: &str,
    who: (&str, &str, &str),
    agree: bool,
) -> Resp {
    let (mobile, code, name) = who;
    let mut pairs = vec![
        ("mobile", mobile),
        ("code", code),
        ("account_name", name),
        ("password", "Secret-2026"),
    ];
    if agree {
        pairs.push(("agree", "1"));
    }
    join_post(app, token, "register", csrf, &pairs).await
}

fn refusal_code(r: &Resp) -> &str {
    attr(&r.body, r#"id="join-error" data-code=""#)
}

#[tokio::test]
async fn console_invite_links_and_qr_codes() {
    for app in apps("invlinks").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let cons = app.partner(PartnerType::Consulting, None).await;
        let dc = console_login(&app, &d.login, "Passw0rd!").await;
        let (id, token) = make_link(&app, &dc, "custom", "spring-fair", "2").await;
        assert_eq!(token.len(), 32);
        let page = get(&app, "/console/invites", &dc).await.body;
        assert!(
            page.contains(r#"data-label="spring-fair""#) && page.contains(r#"data-type="2""#),
            "{page}"
        );
        assert!(
            page.contains(&format!("http://127.0.0.1:8080/join/{token}")),
            "absolute link from the Host header"
        );
        // A generic link is labelled with its creator's login.
        let (gid, _) = make_link(&app, &dc, "generic", "ignored", "1").await;
        let page = get(&app, "/console/invites", &dc).await.body;
        let card = &page[page.find(&format!(r#"data-invite="{gid}""#)).unwrap()..];
        assert_eq!(attr(card, r#"data-label=""#), d.login);
        // The QR code, drawn by the server.
        let png = get(&app, &format!("/console/invites/{id}/qr.png"), &dc).await;
        assert_eq!(
            (png.status, png.headers["content-type"].to_str().unwrap()),
            (200, "image/png")
        );
        let svg = get(&app, &format!("/console/invites/{id}/qr.svg"), &dc).await;
        assert_eq!(svg.status, 200);
        assert!(svg.body.contains("<svg"));
        // Another partner sees neither the link's QR code nor can disable it.
        let oc = console_login(&app, &other.login, "Passw0rd!").await;
        assert_eq!(
            get(&app, &format!("/console/invites/{id}/qr.png"), &oc)
                .await
                .status,
            404
        );
        let ocsrf = csrf_of(&get(&app, "/console/invites", &oc).await.body);
        assert_eq!(
            post_form(
                &app,
                &format!("/console/invites/{id}/disable"),
                &oc,
                &[("csrf", &ocsrf)]
            )
            .await
            .status,
            404
        );
        assert!(!get(&app, "/console/invites", &oc)
            .await
            .body
            .contains(&token));
        // CSRF, bad input, a type the partner does not offer.
        let csrf = csrf_of(&get(&app, "/console/invites", &dc).await.body);
        let n = count(&app, "SELECT COUNT(*) FROM invite_links").await;
        assert_eq!(
            try_link(&app, &dc, "", "custom", "x", "2").await.status,
            403
        );
        for (kind, label, at) in [("custom", " ", "2"), ("x", "a", "2"), ("custom", "a", "3")] {
            assert_eq!(
                try_link(&app, &dc, &csrf, kind, label, at).await.status,
                400
            );
        }
        let cc = console_login(&app, &cons.login, "Passw0rd!").await;
        let ccsrf = csrf_of(&get(&app, "/console/invites", &cc).await.body);
        let r = try_link(&app, &cc, &ccsrf, "custom", "x", "2").await;
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("账户类型与合作伙伴关联类型不匹配"),
            "CBC.5023 is shown: {}",
            r.body
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM invite_links").await, n);
        // A restricted partner cannot generate links.
        set_status(&app, &d.partner_id, "restricted").await;
        assert_eq!(
            try_link(&app, &dc, &csrf, "custom", "x", "1").await.status,
            400
        );
        set_status(&app, &d.partner_id, "active").await;
        // Customers and operators do not see the page.
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "page-cust", "l")
            .await;
        let cuc = console_login(&app, &c.login, "Passw0rd!").await;
        assert_eq!(get(&app, "/console/invites", &cuc).await.status, 403);
        assert_eq!(
            get(&app, &format!("/console/invites/{id}/qr.svg"), &cuc)
                .await
                .status,
            403
        );
        // Disabling: the public page no longer answers.
        assert_eq!(get(&app, &format!("/join/{token}"), "").await.status, 200);
        assert_eq!(
            post_form(
                &app,
                &format!("/console/invites/{id}/disable"),
                &dc,
                &[("csrf", &csrf)]
            )
            .await
            .status,
            303
        );
        let gone = get(&app, &format!("/join/{token}"), "").await;
        assert_eq!(gone.status, 404);
        assert!(gone.body.contains("PC.3107"));
        assert_eq!(
            get(&app, "/join/0123456789abcdef0123456789abcdef", "")
                .await
                .status,
            404
        );
        assert_eq!(get(&app, "/join/not-a-token", "").await.status, 404);
    }
}

/// Behind a reverse proxy the request's `Host` is the internal address: with `--public-url` the
/// invite links and their QR codes use the public URL instead, whatever `Host` and
/// `X-Forwarded-Proto` say; the link opens on the server as usual.
#[tokio::test]
async fn invite_links_use_the_public_url_behind_another_host() {
    for plain in apps("invpublic").await {
        let settings = partner_center::config::Settings {
            public_url: Some("https://pc.example.com".into()),
            ..Default::default()
        };
        let app = TestApp {
            router: plain.instance_with(settings).await,
            engine: plain.engine.clone(),
            db: plain.db.clone(),
            mk: plain.mk.clone(),
            clock: plain.clock.clone(),
        };
        let d = app.partner(PartnerType::Distributor, None).await;
        let dc = console_login(&app, &d.login, "Passw0rd!").await;
        // The helpers send `Host: 127.0.0.1:8080`, as a proxy forwarding to the server would.
        let (id, token) = make_link(&app, &dc, "custom", "behind-proxy", "1").await;
        let page = get(&app, "/console/invites", &dc).await.body;
        let public = format!("https://pc.example.com/join/{token}");
        assert!(page.contains(&public), "{}: {page}", app.engine);
        assert!(
            !page.contains("127.0.0.1:8080/join/"),
            "{}: no link from the Host header",
            app.engine
        );
        // X-Forwarded-Proto does not change it either.
        let forwarded = app
            .send(
                Request::get("/console/invites")
                    .header("host", "internal:8080")
                    .header("x-forwarded-proto", "http")
                    .header("cookie", &dc)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert!(forwarded.body.contains(&public), "{}", app.engine);
        // The QR code encodes the public link.
        let svg = get(&app, &format!("/console/invites/{id}/qr.svg"), &dc).await;
        assert_eq!(svg.status, 200);
        assert_eq!(
            svg.body,
            partner_center::http::qr::svg(&public, 240).unwrap()
        );
        let hosted = format!("http://127.0.0.1:8080/join/{token}");
        assert_ne!(
            svg.body,
            partner_center::http::qr::svg(&hosted, 240).unwrap()
        );
        // The same link on an instance without it: from the Host header, as before.
        let page = get(&plain, "/console/invites", &dc).await.body;
        assert!(page.contains(&hosted), "{}", plain.engine);
        // The link's path answers on the server.
        assert_eq!(get(&app, &format!("/join/{token}"), "").await.status, 200);
    }
}

#[tokio::test]
async fn joining_through_a_link_registers_or_logs_in_or_says_why_not() {
    for app in apps("join").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let other = app.partner(PartnerType::Solution, None).await;
        let dc = console_login(&app, &d.login, "Passw0rd!").await;
        let (link_id, token) = make_link(&app, &dc, "custom", "autumn-expo", "2").await;

        let (csrf, landing) = visit(&app, &token).await;
        assert_eq!(landing.status, 200);
        assert!(
            landing.body.contains("Distributor partner") && landing.body.contains(r#"id="agree""#)
        );
        // Posts without the CSRF pair are refused.
        let r = post_form(
            &app,
            &format!("/join/{token}/code"),
            "",
            &[("csrf", &csrf), ("mobile", "13811112222")],
        )
        .await;
        assert_eq!(r.status, 403);
        let r = post_form(
            &app,
            &format!("/join/{token}/code"),
            "pc_join=other",
            &[("csrf", &csrf), ("mobile", "13811112222")],
        )
        .await;
        assert_eq!(r.status, 403);
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM verification_codes").await,
            0
        );
        // Request a code; it arrives in the outbox.
        let r = join_post(&app, &token, "code", &csrf, &[("mobile", "13811112222")]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains(r#"id="code-sent""#) && r.body.contains("13811112222"));
        let code = last_code(&app, "13811112222").await;
        let bad_mobile = join_post(&app, &token, "code", &csrf, &[("mobile", "2222")]).await;
        assert_eq!(
            (bad_mobile.status, refusal_code(&bad_mobile)),
            (400, "CBC.0100")
        );
        // Resale without ticking the notice; a wrong code.
        let r = register(
            &app,
            &token,
            &csrf,
            ("13811112222", &code, "joiner-one"),
            false,
        )
        .await;
        assert_eq!((r.status, refusal_code(&r)), (400, "PC.3106"));
        let wrong = if code == "000000" { "111111" } else { "000000" };
        let r = register(
            &app,
            &token,
            &csrf,
            ("13811112222", wrong, "joiner-one"),
            true,
        )
        .await;
        assert_eq!((r.status, refusal_code(&r)), (400, "CBC.99004010"));
        assert!(
            r.body.contains(r#"value="joiner-one""#),
            "the form keeps what was typed"
        );
        assert_eq!(count(&app, "SELECT COUNT(*) FROM customers").await, 0);
        // Registered: logged in, associated with the link's partner, type and label.
        let r = register(
            &app,
            &token,
            &csrf,
            ("13811112222", &code, "joiner-one"),
            true,
        )
        .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            r.headers["location"],
            format!("/join/{token}/done").as_str()
        );
        let session = format!("pc_session={}", set_cookie(&r, "pc_session").unwrap());
        let done = get(&app, &format!("/join/{token}/done"), &session).await;
        assert_eq!(done.status, 200);
        assert!(
            done.body.contains("autumn-expo") && done.body.contains(r#"data-type="2""#),
            "{}",
            done.body
        );
        let l = post(
            &app,
            &Creds::from(&d),
            LIST,
            &json!({"account_name": "joiner-one"}),
        )
        .await
        .json();
        assert_eq!(
            (
                l["count"].as_i64(),
                l["customer_infos"][0]["label"].as_str(),
                l["customer_infos"][0]["association_type"].as_str()
            ),
            (Some(1), Some("autumn-expo"), Some("2")),
            "{l}"
        );
        assert_eq!(l["customer_infos"][0]["telephone"], "138****2222");
        let page = get(&app, "/console/invites", &dc).await.body;
        let card = &page[page.find(&format!(r#"data-invite="{link_id}""#)).unwrap()..];
        assert!(
            card.contains(r#"class="invite-count">1<"#),
            "the link counts its customer"
        );
        assert!(page.contains(r#"data-outcome="associated""#));
        // The code is spent.
        let r = register(
            &app,
            &token,
            &csrf,
            ("13811112222", &code, "joiner-two"),
            true,
        )
        .await;
        assert_eq!(refusal_code(&r), "CBC.99004010");

        // Existing accounts logging in on another partner's link.
        let dc2 = console_login(&app, &other.login, "Passw0rd!").await;
        let (_, t2) = make_link(&app, &dc2, "custom", "other-fair", "1").await;
        let (c2, _) = visit(&app, &t2).await;
        let login = |l: &'static str, p: &'static str| vec![("login", l), ("password", p)];
        let r = join_post(&app, &t2, "login", &c2, &login("joiner-one", "Secret-2026")).await;
        assert_eq!(
            (r.status, refusal_code(&r)),
            (400, "PC.3102"),
            "already associated elsewhere"
        );
        assert!(
            r.body.contains("unbind") || r.body.contains("解除关联"),
            "the page says what to do"
        );
        let r = join_post(
            &app,
            &token,
            "login",
            &csrf,
            &[
                ("login", "joiner-one"),
                ("password", "Secret-2026"),
                ("agree", "1"),
            ],
        )
        .await;
        assert_eq!(refusal_code(&r), "PC.3101", "already associated here");
        let r = join_post(
            &app,
            &t2,
            "login",
            &c2,
            &[("login", d.login.as_str()), ("password", "Passw0rd!")],
        )
        .await;
        assert_eq!(refusal_code(&r), "PC.3103", "a partner's login");
        identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: format!("op-{}", app.engine),
                password: "Passw0rd!".into(),
            },
        )
        .await
        .unwrap();
        let op = format!("op-{}", app.engine);
        let r = join_post(
            &app,
            &t2,
            "login",
            &c2,
            &[("login", op.as_str()), ("password", "Passw0rd!")],
        )
        .await;
        assert_eq!(refusal_code(&r), "PC.3108", "an operator");
        let r = join_post(
            &app,
            &t2,
            "login",
            &c2,
            &login("joiner-one", "wrong-password1"),
        )
        .await;
        assert_eq!((r.status, refusal_code(&r)), (401, "PC.0401"));
        // An unassociated customer in arrears; then, repaid, it associates (consulting: no notice needed).
        let free = unassociated_customer(&app, "free-agent").await;
        set_arrears(&app, &free, true).await;
        let r = join_post(&app, &t2, "login", &c2, &login("free-agent", "Passw0rd!")).await;
        assert_eq!(refusal_code(&r), "PC.3104");
        set_arrears(&app, &free, false).await;
        let r = join_post(&app, &t2, "login", &c2, &login("free-agent", "Passw0rd!")).await;
        assert_eq!(r.status, 303, "{}", r.body);
        let l = post(&app, &Creds::from(&other), LIST, &json!({}))
            .await
            .json();
        assert_eq!(
            (
                l["count"].as_i64(),
                l["customer_infos"][0]["label"].as_str(),
                l["customer_infos"][0]["association_type"].as_str()
            ),
            (Some(1), Some("other-fair"), Some("1"))
        );
        // The partner sees its refusals with their codes.
        let page = get(&app, "/console/invites", &dc2).await.body;
        for code in ["PC.3102", "PC.3103", "PC.3104", "PC.3108"] {
            assert!(
                page.contains(&format!("<code>{code}</code>")),
                "{code} in the expansion records"
            );
        }
        assert!(
            !page.contains("PC.0401"),
            "a wrong password is not an expansion record"
        );
        assert!(
            !get(&app, "/console/invites", &dc)
                .await
                .body
                .contains("PC.3102"),
            "each partner sees its own records"
        );

        // A partner's contact mobile cannot register; a reseller whose distributor is restricted cannot associate.
        set_contact(&app, &r1.partner_id, "13722223333", "").await;
        join_post(&app, &token, "code", &csrf, &[("mobile", "13722223333")]).await;
        let code = last_code(&app, "13722223333").await;
        let r = register(
            &app,
            &token,
            &csrf,
            ("13722223333", &code, "partner-phone"),
            true,
        )
        .await;
        assert_eq!(refusal_code(&r), "PC.3103");
        let rc = console_login(&app, &r1.login, "Passw0rd!").await;
        let (_, rt) = make_link(&app, &rc, "custom", "reseller-link", "2").await;
        set_status(&app, &d.partner_id, "restricted").await;
        let (rcsrf, _) = visit(&app, &rt).await;
        join_post(&app, &rt, "code", &rcsrf, &[("mobile", "13844445555")]).await;
        let code = last_code(&app, "13844445555").await;
        let r = register(
            &app,
            &rt,
            &rcsrf,
            ("13844445555", &code, "reseller-cust"),
            true,
        )
        .await;
        assert_eq!(refusal_code(&r), "CBC.50010086");
        set_status(&app, &d.partner_id, "active").await;
        let r = register(
            &app,
            &rt,
            &rcsrf,
            ("13844445555", &code, "reseller-cust"),
            true,
        )
        .await;
        assert_eq!(r.status, 303, "the code survives a refusal: {}", r.body);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM associations WHERE invite_link_id IS NOT NULL"
            )
            .await,
            3
        );
        app.assert_ledger_clean().await;
    }
}

/// A customer with a console login and no partner.
async fn unassociated_customer(app: &TestApp, name: &str) -> String {
    let name = name.to_string();
    let hash = pc_app::crypto::hash_password("Passw0rd!").unwrap();
    app.db
        .write(move |c| {
            Box::pin(async move {
                let id =
                    customers::insert_customer(c, &ctx(), &name, None, Default::default(), None)
                        .await?;
                identity::insert_user(c, &ctx(), &name, &hash, Role::Customer, None, Some(&id))
                    .await?;
                Ok(id)
            })
        })
        .await
        .unwrap()
}

async fn set_arrears(app: &TestApp, customer_id: &str, on: bool) {
    let id = customer_id.to_string();
    app.db
        .write(move |c| {
            Box::pin(async move {
                sql::query("UPDATE customers SET in_arrears = $1 WHERE id = $2")
                    .bind(on as i64)
                    .bind(&id)
                    .execute(c)
                    .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

/// A code is kept under its address with the channel it went through (`sms` or `email`), and the
/// customer it registers is audited with its contact masked.
#[tokio::test]
async fn codes_keep_their_channel_and_creation_is_audited_masked() {
    for app in apps("codechannel").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        let x = d.xaccount_type.clone();
        let sms = send_code(&app, &creds, "13300000009").await;
        let r = post(
            &app,
            &creds,
            SEND,
            &json!({"receiver_type": 2, "email": "Ana@Example.com"}),
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        let mail = last_code(&app, "ana@example.com").await;
        let channel = |address: &'static str| {
            let app = &app;
            async move {
                sql::query_scalar::<String>(
                    "SELECT channel FROM verification_codes WHERE address = $1",
                )
                .bind(address)
                .fetch_one(app.db.read())
                .await
                .unwrap()
            }
        };
        assert_eq!(channel("13300000009").await, "sms", "{e}");
        assert_eq!(channel("ana@example.com").await, "email", "{e}");

        let mail_body = json!({"xaccount_id": "ch-1", "xaccount_type": x, "email": "ana@example.com", "verification_code": mail});
        let by_mail = post(&app, &creds, CREATE, &mail_body).await;
        assert_eq!(by_mail.status, 200, "{e}: {}", by_mail.body);
        let sms_body = json!({"xaccount_id": "ch-2", "xaccount_type": x, "mobile_phone": "13300000009", "verification_code": sms});
        let by_sms = post(&app, &creds, CREATE, &sms_body).await;
        assert_eq!(by_sms.status, 200, "{e}: {}", by_sms.body);
        let detail = |id: String| {
            let app = &app;
            async move {
                let d: String = sql::query_scalar(
                    "SELECT detail FROM audit_log WHERE action = 'customer.create' AND target_id = $1",
                )
                .bind(id)
                .fetch_one(app.db.read())
                .await
                .unwrap();
                serde_json::from_str::<Value>(&d).unwrap()
            }
        };
        let mail_id = by_mail.json()["domain_id"].as_str().unwrap().to_string();
        let sms_id = by_sms.json()["domain_id"].as_str().unwrap().to_string();
        let m = detail(mail_id.clone()).await;
        assert_eq!(m["email"], "a***@example.com", "{e}: {m}");
        assert!(m.get("mobile").is_none(), "{e}: {m}");
        let s = detail(sms_id).await;
        assert_eq!(s["mobile"], "133****0009", "{e}: {s}");
        assert!(s.get("email").is_none(), "{e}: {s}");
        // The address itself is kept on the customer.
        let stored: Option<String> = sql::query_scalar("SELECT email FROM customers WHERE id = $1")
            .bind(&mail_id)
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(stored.as_deref(), Some("ana@example.com"), "{e}");
    }
}
