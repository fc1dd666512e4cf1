//! Ending associations (R10.22–R10.30) on both engines: who may, how often, where a resale
//! customer's money goes, and that nothing else moves.

mod common;

use common::*;
use pc_app::services::{coupons, customers, customers::unbind, partners};
use pc_app::store::{audit, ledger};
use pc_app::{Actor, Code, Ctx};
use pc_domain::coupons::QuotaType;
use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::Money;

const DAY: i64 = 24 * 3600 * 1000;

fn as_customer(id: &str, now: i64) -> Ctx {
    Ctx::new(
        Actor::Customer {
            customer_id: id.into(),
            user_id: None,
        },
        "req-unbind",
        now,
    )
}

fn as_partner(p: &partners::CreatedPartner, role: Role, now: i64) -> Ctx {
    Ctx::new(
        Actor::Partner {
            partner_id: p.partner_id.clone(),
            root_id: p.partner_id.clone(),
            user_id: None,
            role,
        },
        "req-unbind",
        now,
    )
}

async fn balance(app: &TestApp, kind: AccountKind, owner: &str) -> i64 {
    ledger::balance(app.db.read(), &ledger::account_id(kind, owner))
        .await
        .unwrap()
        .cents()
}

#[tokio::test]
async fn partner_admin_unbinds_in_the_console_and_the_balance_returns() {
    for app in apps("unbind_console").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "leaving-co", "x")
            .await;
        app.credit(&d.partner_id, 10_000).await;
        let r = app
            .send(signed(
                &Creds::from(&d),
                "POST",
                "/v2/accounts/partner-accounts/adjust-amount",
                &format!(r#"{{"customer_id": "{}", "amount": 12.34}}"#, c.customer_id),
                NOW_MS,
                &[],
            ))
            .await;
        assert_eq!(r.status, 200);
        // A coupon the partner issued to the customer: recalled to its quota at the unbind.
        let quota = coupons::grant_quota(
            &app.db,
            ctx(),
            coupons::NewQuota {
                partner_id: d.partner_id.clone(),
                quota_type: QuotaType::Cash,
                amount: Money::from_cents(5_000),
                effective_at: None,
                expire_at: None,
                limits: Default::default(),
            },
        )
        .await
        .unwrap()
        .quota_id;
        let out = coupons::issue(
            &app.db,
            app.as_partner(&d.partner_id),
            coupons::IssueRequest {
                quota_id: quota.clone(),
                customer_ids: vec![c.customer_id.clone()],
                face_value: Money::from_cents(1_500),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let coupon = out.issued[0].1.clone();
        assert_eq!(
            balance(&app, AccountKind::CouponQuota, &quota).await,
            3_500,
            "{}",
            app.engine
        );
        let s = app.console_login(&d.login, "Passw0rd!").await;
        let detail = app
            .console_get(&s, &format!("/console/customers/{}", c.customer_id))
            .await;
        assert!(detail.body.contains("id=\"unbind-form\""), "{}", app.engine);
        // Without the CSRF token nothing happens.
        let bare = app
            .send(
                axum::http::Request::post(format!("/console/customers/{}/unbind", c.customer_id))
                    .header("cookie", &s.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(""))
                    .unwrap(),
            )
            .await;
        assert_eq!(bare.status, 403);
        let r = app
            .console_post(
                &s,
                &format!("/console/customers/{}/unbind", c.customer_id),
                &[],
            )
            .await;
        assert_eq!(r.status, 303, "{}: {}", app.engine, r.body);
        assert_eq!(
            balance(&app, AccountKind::CustomerCash, &c.customer_id).await,
            0
        );
        assert_eq!(
            balance(&app, AccountKind::PartnerCash, &d.partner_id).await,
            10_000
        );
        assert_eq!(
            balance(&app, AccountKind::Coupon, &coupon).await,
            0,
            "{}: the coupon was recalled",
            app.engine
        );
        assert_eq!(balance(&app, AccountKind::CouponQuota, &quota).await, 5_000);
        // Unbinding again (an operator, now that nothing is bound): the customer's page again,
        // the refusal atop it, not an error page.
        let ops = app.operator_session("unbind.ops").await;
        let again = app
            .console_post(
                &ops,
                &format!("/console/customers/{}/unbind", c.customer_id),
                &[],
            )
            .await;
        assert_eq!(again.status, 400, "{}: {}", app.engine, again.body);
        assert!(
            again.body.contains("id=\"page-error\"") && again.body.contains("id=\"customer\""),
            "{}: {}",
            app.engine,
            again.body
        );
        // Gone from the partner's list and detail; history keeps the ended association.
        let list = app.console_get(&s, "/console/customers").await;
        assert!(!list.body.contains(&c.customer_id), "{}", app.engine);
        let hist = customers::association_history(&app.db, &as_customer(&c.customer_id, NOW_MS))
            .await
            .unwrap();
        assert_eq!(hist.len(), 1);
        assert_eq!(hist[0].end_reason.as_deref(), Some("partner"));
        assert!(hist[0].ended_at.is_some());
        let rows = audit::recent(app.db.read(), None, 50).await.unwrap();
        let row = rows.iter().find(|a| a.action == "association.end").unwrap();
        assert!(!row.transfer_ids.is_empty());
        // Allocating to the former customer is now refused.
        let r = app
            .send(signed(
                &Creds::from(&d),
                "POST",
                "/v2/accounts/partner-accounts/adjust-amount",
                &format!(r#"{{"customer_id": "{}", "amount": 1}}"#, c.customer_id),
                NOW_MS,
                &[],
            ))
            .await;
        r.assert_error(400, "CBC.99000035");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn customer_unbinds_itself_at_most_once_per_three_months() {
    for app in apps("unbind_self").await {
        let a = app.partner(PartnerType::Consulting, None).await;
        let b = app.partner(PartnerType::Consulting, None).await;
        let c = app
            .customer(
                &a.partner_id,
                AssociationType::Consulting,
                "self-leaver",
                "x",
            )
            .await;
        // Through the console, from the customer's home page.
        let s = app.console_login("self-leaver", "Passw0rd!").await;
        let home = app.console_get(&s, "/console").await;
        assert!(home.body.contains("/console/my-partner/unbind"));
        assert_eq!(
            app.console_post(&s, "/console/my-partner/unbind", &[])
                .await
                .status,
            303,
            "{}",
            app.engine
        );
        assert!(
            customers::current_association(&app.db, &as_customer(&c.customer_id, NOW_MS))
                .await
                .unwrap()
                .is_none()
        );
        // Nothing to end now.
        let e = unbind::end_association(
            &app.db,
            as_customer(&c.customer_id, NOW_MS),
            unbind::Unbinding::Customer(c.customer_id.clone()),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, Code::NotAssociated);
        // Associate with B, then try to leave again within 3 months: refused, for both sides.
        let bp = partners::get(app.db.read(), &b.partner_id)
            .await
            .unwrap()
            .unwrap();
        let cid = c.customer_id.clone();
        app.db
            .write(move |x| {
                Box::pin(async move {
                    customers::associate(x, &ctx(), &bp, &cid, AssociationType::Consulting, None)
                        .await
                })
            })
            .await
            .unwrap();
        let soon = NOW_MS + 30 * DAY;
        let e = unbind::end_association(
            &app.db,
            as_customer(&c.customer_id, soon),
            unbind::Unbinding::Customer(c.customer_id.clone()),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, Code::UnbindTooSoon, "{}", app.engine);
        let e = unbind::end_association(
            &app.db,
            as_partner(&b, Role::PartnerAdmin, soon),
            unbind::Unbinding::Customer(c.customer_id.clone()),
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, Code::UnbindTooSoon);
        // After 91 days it is allowed; a consulting customer keeps its own balance.
        let later = NOW_MS + 91 * DAY;
        let ended = unbind::end_association(
            &app.db,
            as_partner(&b, Role::PartnerAdmin, later),
            unbind::Unbinding::Customer(c.customer_id.clone()),
        )
        .await
        .unwrap();
        assert_eq!(ended.returned, Money::ZERO);
        assert_eq!(ended.transfer_id, None);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn only_the_associated_partners_admin_may_unbind() {
    for app in apps("unbind_who").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let other = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&r.partner_id, AssociationType::Resale, "reseller-cust", "x")
            .await;
        for (who, code) in [
            (
                as_partner(&other, Role::PartnerAdmin, NOW_MS),
                Code::NotSubCustomer,
            ),
            // A master distributor does not end its reseller's associations.
            (
                as_partner(&d, Role::PartnerAdmin, NOW_MS),
                Code::NotSubCustomer,
            ),
            (as_partner(&r, Role::PartnerStaff, NOW_MS), Code::NotAllowed),
            (as_customer("someone-else", NOW_MS), Code::NotSubCustomer),
        ] {
            let e = unbind::end_association(
                &app.db,
                who,
                unbind::Unbinding::Customer(c.customer_id.clone()),
            )
            .await
            .unwrap_err();
            assert_eq!(e.code, code, "{}", app.engine);
        }
        assert!(
            customers::current_association(&app.db, &as_customer(&c.customer_id, NOW_MS))
                .await
                .unwrap()
                .is_some()
        );
        // Two concurrent unbinds: exactly one ends it.
        let (a1, a2) = tokio::join!(
            unbind::end_association(
                &app.db,
                as_partner(&r, Role::PartnerAdmin, NOW_MS),
                unbind::Unbinding::Customer(c.customer_id.clone())
            ),
            unbind::end_association(
                &app.db,
                as_customer(&c.customer_id, NOW_MS),
                unbind::Unbinding::Customer(c.customer_id.clone())
            ),
        );
        assert_eq!(
            a1.is_ok() as u8 + a2.is_ok() as u8,
            1,
            "{}: {a1:?} {a2:?}",
            app.engine
        );
        app.assert_ledger_clean().await;
    }
}
