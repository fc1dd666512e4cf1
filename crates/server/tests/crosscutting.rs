//! Cross-cutting mechanisms seen through real endpoints: the audit row of a money write carries the
//! response's request id and names its transfer; creating an access key leaves a notice in the
//! outbox; a revoked key stops working at once.

mod common;

use common::*;
use pc_app::services::identity;
use pc_app::store::sql;
use pc_app::store::{audit, outbox};
use pc_domain::party::{AssociationType, PartnerType};

#[tokio::test]
async fn audit_rows_carry_request_ids_and_transfers() {
    for app in apps("audit").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "audited-one", "x")
            .await;
        app.credit(&d.partner_id, 1000).await;
        let body = format!(r#"{{"customer_id": "{}", "amount": 3.25}}"#, c.customer_id);
        let r = app
            .send(signed(
                &Creds::from(&d),
                "POST",
                "/v2/accounts/partner-accounts/adjust-amount",
                &body,
                NOW_MS,
                &[],
            ))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let rid = r.headers["x-request-id"].to_str().unwrap().to_string();
        let tid = r.json()["transfer_id"].as_str().unwrap().to_string();
        let rows = audit::recent(app.db.read(), Some(&d.partner_id), 10)
            .await
            .unwrap();
        let row = rows
            .iter()
            .find(|a| a.action == "funds.allocate_customer")
            .expect("audit row");
        assert_eq!(row.request_id, rid, "{}", app.engine);
        assert_eq!(row.transfer_ids, tid);
        assert_eq!(row.actor_kind, "partner");
        assert_eq!(row.target_id, c.customer_id);
        // A refused request leaves no audit row and no transfer.
        let before = audit::recent(app.db.read(), None, 1000)
            .await
            .unwrap()
            .len();
        let too_much = format!(r#"{{"customer_id": "{}", "amount": 1000}}"#, c.customer_id);
        let r = app
            .send(signed(
                &Creds::from(&d),
                "POST",
                "/v2/accounts/partner-accounts/adjust-amount",
                &too_much,
                NOW_MS,
                &[],
            ))
            .await;
        assert_eq!(r.status, 400);
        assert_eq!(
            audit::recent(app.db.read(), None, 1000)
                .await
                .unwrap()
                .len(),
            before
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn key_lifecycle_outbox_and_revocation() {
    for app in apps("keys").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let notices = outbox::list(app.db.read(), Some(&d.partner_id), 10)
            .await
            .unwrap();
        assert!(
            notices.iter().any(|m| m.body.contains(&d.access_key)),
            "{}: creation notice in the outbox",
            app.engine
        );
        let as_d = || app.as_partner(&d.partner_id);
        let k2 = identity::create_partner_key(&app.db, as_d(), app.mk.clone(), "second".into())
            .await
            .unwrap();
        let creds2 = Creds {
            ak: k2.access_key.clone(),
            sk: k2.secret_key.clone(),
            domain_id: d.domain_id.clone(),
        };
        let list = "/v2/partners/sub-customers/query";
        assert_eq!(
            app.send(signed(&creds2, "POST", list, "{}", NOW_MS, &[]))
                .await
                .status,
            200
        );
        let keys =
            identity::list_partner_keys(&app.db, &app.as_partner(&d.partner_id), &d.partner_id)
                .await
                .unwrap();
        assert_eq!(keys.len(), 2);
        // Another partner cannot revoke it.
        let other = app.partner(PartnerType::Consulting, None).await;
        let as_other = app.as_partner(&other.partner_id);
        let e = identity::revoke_partner_key(&app.db, as_other, k2.access_key.clone())
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::NotFound);
        identity::revoke_partner_key(&app.db, as_d(), k2.access_key.clone())
            .await
            .unwrap();
        // This test's router has its own key cache, so the revocation is visible after the cache TTL at
        // the latest; the lookup itself refuses revoked keys at once.
        assert!(identity::lookup_key(app.db.read(), &app.mk, &k2.access_key)
            .await
            .unwrap()
            .is_none());
        // The first key still works.
        assert_eq!(
            app.send(signed(&Creds::from(&d), "POST", list, "{}", NOW_MS, &[]))
                .await
                .status,
            200
        );
        // At most five active keys.
        for i in 0..4 {
            identity::create_partner_key(&app.db, as_d(), app.mk.clone(), format!("k{i}"))
                .await
                .unwrap();
        }
        let e = identity::create_partner_key(&app.db, as_d(), app.mk.clone(), "sixth".into())
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::InvalidParameter);
    }
}

/// Strict replay mode (opt-in): a signed write is accepted once, on any instance sharing the
/// database; a re-signed request goes through; reads are never refused; without the mode a
/// replayed write is answered (and the idempotent operation changes nothing twice).
#[tokio::test]
async fn strict_replay_refuses_a_replayed_write() {
    for app in apps("replay").await {
        let p = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&p.partner_id, AssociationType::Resale, "replay-cust", "x")
            .await;
        app.credit(&p.partner_id, 10_000).await;
        let creds = Creds::from(&p);
        let settings = partner_center::config::Settings {
            strict_replay: true,
            ..Default::default()
        };
        let (a, b) = (
            app.instance_with(settings.clone()).await,
            app.instance_with(settings).await,
        );
        let body = format!(r#"{{"customer_id": "{}", "amount": 1.00}}"#, c.customer_id);
        let path = "/v2/accounts/partner-accounts/adjust-amount";
        let req = || signed(&creds, "POST", path, &body, NOW_MS, &[]);
        assert_eq!(send_to(a.clone(), req()).await.status, 200);
        // The same signed request again, on the same or another instance: refused.
        send_to(a.clone(), req())
            .await
            .assert_error(401, "APIGW.0301");
        send_to(b.clone(), req())
            .await
            .assert_error(401, "APIGW.0301");
        // Signed anew (another second): accepted.
        let again = signed(&creds, "POST", path, &body, NOW_MS + 1_000, &[]);
        assert_eq!(send_to(b.clone(), again).await.status, 200);
        // Reads repeat freely, GET and the vendor's POST queries alike.
        let q = || {
            signed(
                &creds,
                "POST",
                "/v2/partners/sub-customers/query",
                "{}",
                NOW_MS,
                &[],
            )
        };
        assert_eq!(send_to(a.clone(), q()).await.status, 200);
        assert_eq!(send_to(a.clone(), q()).await.status, 200);
        // Only two allocations happened.
        let bal = pc_app::store::ledger::balance(
            app.db.read(),
            &pc_app::store::ledger::account_id(
                pc_domain::ledger::AccountKind::CustomerCash,
                &c.customer_id,
            ),
        )
        .await
        .unwrap();
        assert_eq!(bal, pc_domain::Money::from_cents(200));
        // The default mode answers the replay (the protocol has no nonce).
        assert_eq!(app.send(req()).await.status, 200);
        app.assert_ledger_clean().await;
    }
}

/// Master-key rotation: instances started with the new key and the previous one serve keys
/// sealed under either; `reseal_secrets` re-seals them all; afterwards the new key alone
/// verifies signatures and the old one no longer opens anything.
#[tokio::test]
async fn master_key_rotation() {
    for app in apps("rotate").await {
        let p = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&p);
        let old = app.mk.clone();
        let new = pc_app::crypto::MasterKey::generate();
        let instance = |mk: pc_app::crypto::MasterKey| {
            let db_url = app.db.url().to_string();
            let clock = app.clock.clone();
            async move {
                let db = pc_app::Db::connect(&db_url).await.unwrap();
                let st = partner_center::state::AppState::new(
                    db,
                    mk,
                    std::sync::Arc::new(clock),
                    partner_center::config::Settings::default(),
                );
                partner_center::http::app(st)
            }
        };
        let read = || {
            signed(
                &creds,
                "POST",
                "/v2/partners/sub-customers/query",
                "{}",
                NOW_MS,
                &[],
            )
        };
        // During the rotation: the new key with the old one as previous.
        let rotating = instance(new.clone().with_previous(&old)).await;
        assert_eq!(send_to(rotating, read()).await.status, 200);
        let n = identity::reseal_secrets(&app.db, common::ctx(), new.clone().with_previous(&old))
            .await
            .unwrap();
        assert!(n >= 1);
        // After: the new key alone works; the old key opens nothing any more.
        assert_eq!(
            send_to(instance(new.clone()).await, read()).await.status,
            200
        );
        assert_ne!(
            send_to(instance(old.clone()).await, read()).await.status,
            200
        );
        let audited: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'keys.reseal'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(audited, 1);
    }
}
