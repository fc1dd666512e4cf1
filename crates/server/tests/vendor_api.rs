//! The vendor API in process, on SQLite and PostgreSQL: authentication, the error envelope,
//! list_sub_customers, allocation and reclaim, idempotency, tenant isolation, no 5xx on junk.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use pc_domain::party::{AssociationType, PartnerType};
use proptest::prelude::*;

const LIST: &str = "/v2/partners/sub-customers/query";
const ADJUST: &str = "/v2/accounts/partner-accounts/adjust-amount";
const RECLAIM: &str = "/v2/accounts/partner-accounts/reclaim";

#[tokio::test]
async fn authentication_failures_use_the_vendor_envelope() {
    for app in apps("auth").await {
        let p = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&p);
        // Good request.
        let ok = app
            .send(signed(&creds, "POST", LIST, "{}", NOW_MS, &[]))
            .await;
        assert_eq!(ok.status, 200, "{}: {}", app.engine, ok.body);
        assert!(ok.headers.contains_key("x-request-id"));
        // No Authorization header.
        let r = app
            .send(
                Request::post(LIST)
                    .header("content-type", "application/json")
                    .body(Body::from("{}"))
                    .unwrap(),
            )
            .await;
        r.assert_error(401, "APIGW.0301");
        // Wrong secret.
        let bad = Creds {
            sk: "wrong-secret".into(),
            ..creds.clone()
        };
        app.send(signed(&bad, "POST", LIST, "{}", NOW_MS, &[]))
            .await
            .assert_error(401, "APIGW.0301");
        // Unknown access key.
        let unknown = Creds {
            ak: "NOSUCHKEY".into(),
            ..creds.clone()
        };
        app.send(signed(&unknown, "POST", LIST, "{}", NOW_MS, &[]))
            .await
            .assert_error(401, "APIGW.0301");
        // Stale and future dates beyond the 15-minute window; inside it passes.
        app.send(signed(
            &creds,
            "POST",
            LIST,
            "{}",
            NOW_MS - 16 * 60_000,
            &[],
        ))
        .await
        .assert_error(401, "APIGW.0303");
        app.send(signed(
            &creds,
            "POST",
            LIST,
            "{}",
            NOW_MS + 16 * 60_000,
            &[],
        ))
        .await
        .assert_error(401, "APIGW.0303");
        assert_eq!(
            app.send(signed(
                &creds,
                "POST",
                LIST,
                "{}",
                NOW_MS - 14 * 60_000,
                &[]
            ))
            .await
            .status,
            200
        );
        // The clock moves: a request signed "now" by a client whose clock is right stays valid.
        app.clock.advance(20 * 60_000);
        app.send(signed(&creds, "POST", LIST, "{}", NOW_MS, &[]))
            .await
            .assert_error(401, "APIGW.0303");
        assert_eq!(
            app.send(signed(
                &creds,
                "POST",
                LIST,
                "{}",
                NOW_MS + 20 * 60_000,
                &[]
            ))
            .await
            .status,
            200
        );
        app.clock.set(NOW_MS);
        // Tampered body: signed one thing, sent another.
        let mut req = signed(&creds, "POST", LIST, r#"{"limit": 1}"#, NOW_MS, &[]);
        *req.body_mut() = Body::from(r#"{"limit": 2}"#);
        app.send(req).await.assert_error(401, "APIGW.0301");
        // X-Domain-Id of another account.
        let other = Creds {
            domain_id: "someone-else".into(),
            ..creds.clone()
        };
        app.send(signed(&other, "POST", LIST, "{}", NOW_MS, &[]))
            .await
            .assert_error(401, "APIGW.0301");
        // Other algorithm, garbage header.
        for h in [
            "Bearer abc",
            "SDK-HMAC-SHA256",
            "SDK-HMAC-SHA256 Access=x",
            "\u{7f}",
        ] {
            let req = Request::post(LIST)
                .header("authorization", h)
                .body(Body::from("{}"));
            if let Ok(req) = req {
                let r = app.send(req).await;
                assert_eq!(r.status, 401, "{h}: {}", r.body);
            }
        }
    }
}

#[tokio::test]
async fn malformed_requests_get_4xx_envelopes() {
    for app in apps("malformed").await {
        let p = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&p);
        app.send(signed(&creds, "POST", LIST, "{not json", NOW_MS, &[]))
            .await
            .assert_error(400, "CBC.0100");
        app.send(signed(
            &creds,
            "POST",
            LIST,
            r#"{"limit": "ten"}"#,
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.0100");
        app.send(signed(&creds, "POST", LIST, r#"{"limit": 0}"#, NOW_MS, &[]))
            .await
            .assert_error(400, "CBC.0100");
        app.send(signed(
            &creds,
            "POST",
            LIST,
            r#"{"limit": 101}"#,
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.0100");
        app.send(signed(
            &creds,
            "POST",
            LIST,
            r#"{"associated_on_begin": "yesterday"}"#,
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.0100");
        app.send(signed(&creds, "POST", ADJUST, "{}", NOW_MS, &[]))
            .await
            .assert_error(400, "CBC.0100");
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            r#"{"customer_id": "x", "amount": 1.005}"#,
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.0100");
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            r#"{"customer_id": "x", "amount": 0}"#,
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.0100");
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            r#"{"customer_id": "x", "amount": -1}"#,
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.0100");
        // Unknown path (signed or not) and wrong method.
        app.send(signed(&creds, "POST", "/v2/no/such/api", "{}", NOW_MS, &[]))
            .await
            .assert_error(404, "APIGW.0101");
        app.send(signed(&creds, "GET", LIST, "", NOW_MS, &[]))
            .await
            .assert_error(405, "PC.0405");
        // Oversized body.
        let big = format!(r#"{{"label": "{}"}}"#, "x".repeat(2 << 20));
        app.send(signed(&creds, "POST", LIST, &big, NOW_MS, &[]))
            .await
            .assert_error(413, "PC.0413");
        // A customer's key on a partner operation.
        let c = app
            .customer(&p.partner_id, AssociationType::Resale, "cust-key-test", "l")
            .await;
        app.send(signed(&Creds::from(&c), "POST", LIST, "{}", NOW_MS, &[]))
            .await
            .assert_error(403, "CBC.0155");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn list_sub_customers_filters_pages_and_isolates_tenants() {
    for app in apps("subcust").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let c1 = app
            .customer(
                &d.partner_id,
                AssociationType::Resale,
                "alpha-retail",
                "retail-east",
            )
            .await;
        app.clock.advance(1000);
        app.customer(
            &d.partner_id,
            AssociationType::Resale,
            "beta-games",
            "games",
        )
        .await;
        app.customer(
            &d.partner_id,
            AssociationType::Consulting,
            "gamma-logistics",
            "Retail-west",
        )
        .await;
        app.customer(
            &r.partner_id,
            AssociationType::Resale,
            "delta-reseller",
            "tea",
        )
        .await;
        app.customer(
            &other.partner_id,
            AssociationType::Resale,
            "omega-foreign",
            "retail",
        )
        .await;
        let creds = Creds::from(&d);
        let list = |body: &'static str| app.send(signed(&creds, "POST", LIST, body, NOW_MS, &[]));
        let all = list("{}").await.json();
        assert_eq!(all["count"], 3, "{}: {all}", app.engine);
        let infos = all["customer_infos"].as_array().unwrap();
        assert!(
            infos
                .iter()
                .all(|c| c["account_name"] != "omega-foreign"
                    && c["account_name"] != "delta-reseller")
        );
        let alpha = infos
            .iter()
            .find(|c| c["account_name"] == "alpha-retail")
            .unwrap();
        assert_eq!(alpha["customer_id"], c1.customer_id);
        assert_eq!(alpha["association_type"], "2");
        assert_eq!(alpha["label"], "retail-east");
        assert_eq!(alpha["customer"], "alpha-retail Ltd");
        assert_eq!(alpha["associated_on"].as_str().unwrap().len(), 20);
        assert!(alpha["customer_type"].is_i64() && alpha["is_frozen"].is_i64());
        assert_eq!(
            list(r#"{"association_type": "2"}"#).await.json()["count"],
            2
        );
        assert_eq!(
            list(r#"{"association_type": "1"}"#).await.json()["count"],
            1
        );
        // Label match is a case-sensitive substring on both engines.
        assert_eq!(list(r#"{"label": "etail"}"#).await.json()["count"], 2);
        assert_eq!(list(r#"{"label": "Retail"}"#).await.json()["count"], 1);
        assert_eq!(
            list(r#"{"label": "%"}"#).await.json()["count"],
            0,
            "LIKE wildcards are literal"
        );
        assert_eq!(list(r#"{"account_name": "game"}"#).await.json()["count"], 1);
        assert_eq!(list(r#"{"customer": "Ltd"}"#).await.json()["count"], 3);
        let one = app
            .send(signed(
                &creds,
                "POST",
                LIST,
                &format!(r#"{{"customer_id": "{}"}}"#, c1.customer_id),
                NOW_MS,
                &[],
            ))
            .await
            .json();
        assert_eq!(one["count"], 1);
        // Paging: newest first, stable.
        let page = list(r#"{"limit": 1, "offset": 1}"#).await.json();
        assert_eq!(page["count"], 3);
        assert_eq!(page["customer_infos"].as_array().unwrap().len(), 1);
        assert_eq!(
            list(r#"{"offset": 5}"#).await.json()["customer_infos"]
                .as_array()
                .unwrap()
                .len(),
            0
        );
        // Time window: only the first customer was associated before NOW+1s.
        let early = list(r#"{"associated_on_end": "2026-11-18T00:00:00Z"}"#)
            .await
            .json();
        assert!(early["count"].as_i64().unwrap() <= 3);
        // The distributor sees its reseller's customers; a foreign reseller is refused.
        let body = format!(r#"{{"indirect_partner_id": "{}"}}"#, r.partner_id);
        let rs = app
            .send(signed(&creds, "POST", LIST, &body, NOW_MS, &[]))
            .await
            .json();
        assert_eq!(rs["count"], 1);
        assert_eq!(rs["customer_infos"][0]["account_name"], "delta-reseller");
        let foreign = app
            .partner(PartnerType::Reseller, Some(&other.partner_id))
            .await;
        let body = format!(r#"{{"indirect_partner_id": "{}"}}"#, foreign.partner_id);
        app.send(signed(&creds, "POST", LIST, &body, NOW_MS, &[]))
            .await
            .assert_error(400, "CBC.99000037");
        // A reseller cannot use indirect_partner_id at all, and sees only its own customers.
        let rc = Creds::from(&r);
        app.send(signed(
            &rc,
            "POST",
            LIST,
            &format!(r#"{{"indirect_partner_id": "{}"}}"#, d.partner_id),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99000037");
        assert_eq!(
            app.send(signed(&rc, "POST", LIST, "{}", NOW_MS, &[]))
                .await
                .json()["count"],
            1
        );
        // Another partner filtering by our customer's id sees nothing.
        let oc = Creds::from(&other);
        let body = format!(r#"{{"customer_id": "{}"}}"#, c1.customer_id);
        assert_eq!(
            app.send(signed(&oc, "POST", LIST, &body, NOW_MS, &[]))
                .await
                .json()["count"],
            0
        );
    }
}

#[tokio::test]
async fn allocation_reclaim_idempotency_and_isolation() {
    for app in apps("funds").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "funded-one", "x")
            .await;
        let cons = app
            .customer(
                &d.partner_id,
                AssociationType::Consulting,
                "consult-one",
                "x",
            )
            .await;
        let foreign = app
            .customer(
                &other.partner_id,
                AssociationType::Resale,
                "foreign-one",
                "x",
            )
            .await;
        app.credit(&d.partner_id, 10_000).await; // 100.00
        let creds = Creds::from(&d);
        let adjust =
            |cid: &str, amount: &str| format!(r#"{{"customer_id": "{cid}", "amount": {amount}}}"#);

        let r = app
            .send(signed(
                &creds,
                "POST",
                ADJUST,
                &adjust(&c.customer_id, "10.50"),
                NOW_MS,
                &[],
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json()["transfer_id"]
            .as_str()
            .is_some_and(|s| !s.is_empty()));
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust(&c.customer_id, "89.51"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99005003");
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust(&cons.customer_id, "1"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.5024");
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust(&foreign.customer_id, "1"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99000035");
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust("no-such-customer", "1"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99000035");
        // The other partner cannot move our customer's money either way.
        let oc = Creds::from(&other);
        app.send(signed(
            &oc,
            "POST",
            RECLAIM,
            &adjust(&c.customer_id, "1"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99000035");

        // Reclaim: never more than the customer holds.
        let r = app
            .send(signed(
                &creds,
                "POST",
                RECLAIM,
                &adjust(&c.customer_id, "0.50"),
                NOW_MS,
                &[],
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.json()["trans_id"].as_str().is_some_and(|s| !s.is_empty()));
        app.send(signed(
            &creds,
            "POST",
            RECLAIM,
            &adjust(&c.customer_id, "10.01"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99005003");

        // Idempotency: same key + same body → same response, one effect; other body → 409.
        let key = [("x-idempotency-key", "order-42")];
        let first = app
            .send(signed(
                &creds,
                "POST",
                ADJUST,
                &adjust(&c.customer_id, "20"),
                NOW_MS,
                &key,
            ))
            .await;
        let again = app
            .send(signed(
                &creds,
                "POST",
                ADJUST,
                &adjust(&c.customer_id, "20"),
                NOW_MS,
                &key,
            ))
            .await;
        assert_eq!(first.status, 200);
        assert_eq!(first.body, again.body, "{}", app.engine);
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust(&c.customer_id, "21"),
            NOW_MS,
            &key,
        ))
        .await
        .assert_error(409, "PC.0409");
        // Partner had 100.00 − 10.50 + 0.50 − 20 = 70.00: 70.01 fails, 70.00 passes (so the retry moved nothing).
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust(&c.customer_id, "70.01"),
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(400, "CBC.99005003");
        assert_eq!(
            app.send(signed(
                &creds,
                "POST",
                ADJUST,
                &adjust(&c.customer_id, "70.00"),
                NOW_MS,
                &[]
            ))
            .await
            .status,
            200
        );
        // A failed request is not remembered under its key: the retry runs again.
        app.credit(&d.partner_id, 100).await;
        let k2 = [("x-idempotency-key", "after-failure")];
        app.send(signed(
            &creds,
            "POST",
            ADJUST,
            &adjust(&c.customer_id, "2"),
            NOW_MS,
            &k2,
        ))
        .await
        .assert_error(400, "CBC.99005003");
        assert_eq!(
            app.send(signed(
                &creds,
                "POST",
                ADJUST,
                &adjust(&c.customer_id, "1"),
                NOW_MS,
                &k2
            ))
            .await
            .status,
            200
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn concurrent_allocations_through_http_never_overdraw() {
    for app in apps("http_conc").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "race-cust", "x")
            .await;
        app.credit(&d.partner_id, 5_000).await; // 50.00
        let creds = Creds::from(&d);
        let body = format!(r#"{{"customer_id": "{}", "amount": 1}}"#, c.customer_id);
        let mut tasks = Vec::new();
        for _ in 0..120 {
            let req = signed(&creds, "POST", ADJUST, &body, NOW_MS, &[]);
            let router = app.router.clone();
            tasks.push(tokio::spawn(async move {
                tower::ServiceExt::oneshot(router, req)
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut ok = 0;
        for t in tasks {
            match t.await.unwrap() {
                200 => ok += 1,
                400 => {}
                s => panic!("{}: unexpected status {s}", app.engine),
            }
        }
        assert_eq!(ok, 50, "{}", app.engine);
        app.assert_ledger_clean().await;
    }
}

/// Two server instances sharing one database (docs/ARCHITECTURE.md, Engines): concurrent allocations and reclaims through
/// both never overdraw the partner or the customer, on PostgreSQL (row locks) and SQLite (file lock).
#[tokio::test]
async fn two_instances_on_one_database_never_overdraw() {
    for app in apps("two_inst").await {
        let second = app.second_instance().await;
        let d = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "shared-cust", "x")
            .await;
        app.credit(&d.partner_id, 3_000).await; // 30.00
        let creds = Creds::from(&d);
        let give = format!(r#"{{"customer_id": "{}", "amount": 1}}"#, c.customer_id);
        let take = format!(r#"{{"customer_id": "{}", "amount": 2}}"#, c.customer_id);
        let mut tasks = Vec::new();
        for i in 0..80 {
            let router = if i % 2 == 0 {
                app.router.clone()
            } else {
                second.clone()
            };
            let (path, body) = if i % 3 == 2 {
                (RECLAIM, &take)
            } else {
                (ADJUST, &give)
            };
            let req = signed(&creds, "POST", path, body, NOW_MS, &[]);
            tasks.push(tokio::spawn(async move {
                tower::ServiceExt::oneshot(router, req)
                    .await
                    .unwrap()
                    .status()
                    .as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for t in tasks {
            statuses.push(t.await.unwrap());
        }
        assert!(
            statuses.iter().all(|s| *s == 200 || *s == 400),
            "{}: {statuses:?}",
            app.engine
        );
        assert!(
            statuses.iter().filter(|s| **s == 200).count() >= 30,
            "{}: {statuses:?}",
            app.engine
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn health_metrics_and_openapi() {
    let app = apps("ops").await.remove(0);
    assert_eq!(
        app.send(Request::get("/healthz").body(Body::empty()).unwrap())
            .await
            .status,
        200
    );
    assert_eq!(
        app.send(Request::get("/readyz").body(Body::empty()).unwrap())
            .await
            .status,
        200
    );
    let doc = app
        .send(Request::get("/openapi.json").body(Body::empty()).unwrap())
        .await
        .json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["paths"][LIST]["post"]["operationId"] == "list_sub_customers");
    let m = app
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert!(
        m.body.contains(
            "pc_http_requests_total{method=\"GET\",route=\"/openapi.json\",status=\"200\"} 1"
        ),
        "{}",
        m.body
    );
    assert!(m.body.contains("pc_http_request_duration_seconds_count"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    /// Whatever JSON-ish body a signed client sends to any vendor operation, the answer is a 2xx or
    /// a 4xx with the envelope: never a 5xx.
    #[test]
    fn junk_bodies_never_cause_5xx(body in prop_oneof![
        ".{0,64}",
        "\\{\"(customer_id|amount|limit|offset|label|association_type|indirect_partner_id)\": (-?[0-9]{1,25}(\\.[0-9]{0,5})?|\"[^\"]{0,10}\"|null|true|\\[\\]|\\{\\})\\}",
    ], op in 0usize..3) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async {
            let app = apps("junk").await.remove(0);
            let p = app.partner(PartnerType::Distributor, None).await;
            let path = [LIST, ADJUST, RECLAIM][op];
            let r = app.send(signed(&Creds::from(&p), "POST", path, &body, NOW_MS, &[])).await;
            assert!(r.status < 500, "{path} {body:?} → {} {}", r.status, r.body);
            if r.status >= 400 { r.assert_error(r.status, r.json()["error_code"].as_str().unwrap()); }
        });
    }
}
