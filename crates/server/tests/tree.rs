//! The distributor → reseller tree on SQLite and PostgreSQL: the delegation service, what a
//! distributor sees of its resellers' customers with and without delegation (console and vendor
//! API), customer detail and CSV export, the operators' pages, and foreign ids on every page.

mod common;

use common::*;
use pc_app::clock::Clock;
use pc_app::services::customers::resellers;
use pc_app::services::{customers, identity, partners, partners::delegation};
use pc_app::store::sql;
use pc_app::{Actor, Code, Ctx};
use pc_domain::party::{AssociationType, PartnerType, Role};

const LIST: &str = "/v2/partners/sub-customers/query";
const PW: &str = "Passw0rd!";

fn as_partner(
    app: &TestApp,
    p: &partners::CreatedPartner,
    root: &partners::CreatedPartner,
    role: Role,
) -> Ctx {
    Ctx::new(
        Actor::Partner {
            partner_id: p.partner_id.clone(),
            root_id: root.partner_id.clone(),
            user_id: Some("u-test".into()),
            role,
        },
        "req-tree",
        app.clock.now_ms(),
    )
}

async fn audit_count(app: &TestApp, action: &str) -> i64 {
    sql::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

fn code_of<T: std::fmt::Debug>(r: Result<T, pc_app::AppError>) -> Code {
    r.expect_err("expected a refusal").code
}

#[tokio::test]
async fn delegation_service_rules() {
    for app in apps("deleg").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let r2 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let d2 = app.partner(PartnerType::Distributor, None).await;
        let r_admin = || as_partner(&app, &r, &d, Role::PartnerAdmin);
        // The reseller is always the acting admin's own partner.
        let delegate = |ctx: Ctx, dist: &str, consent: bool| {
            let d = delegation::Delegate {
                distributor_id: dist.into(),
                consent,
            };
            delegation::delegate(&app.db, ctx, d)
        };

        // Consent to the notice is required.
        assert_eq!(
            code_of(delegate(r_admin(), &d.partner_id, false).await),
            Code::DelegationConsentRequired
        );
        // Only an administrator of a reseller (another reseller's admin acts on its own reseller:
        // no input names one).
        for ctx in [
            as_partner(&app, &r, &d, Role::PartnerStaff),
            as_partner(&app, &d, &d, Role::PartnerAdmin),
            common::ctx(),
        ] {
            assert_eq!(
                code_of(delegate(ctx, &d.partner_id, true).await),
                Code::AccessDenied,
                "{}",
                app.engine
            );
        }
        // A distributor is not a reseller and cannot delegate.
        assert_eq!(
            code_of(
                delegate(
                    as_partner(&app, &d, &d, Role::PartnerAdmin),
                    &d2.partner_id,
                    true
                )
                .await
            ),
            Code::AccessDenied
        );
        // Only to its own distributor.
        for other in [&d2.partner_id, &r2.partner_id, &"nope".to_string()] {
            assert_eq!(
                code_of(delegate(r_admin(), other, true).await),
                Code::NotOwnDistributor
            );
        }
        assert!(delegation::history(&app.db, &r_admin())
            .await
            .unwrap()
            .delegations
            .is_empty());
        assert_eq!(
            code_of(delegation::cancel(&app.db, r_admin()).await),
            Code::NoActiveDelegation
        );

        // Delegate.
        let first = delegate(r_admin(), &d.partner_id, true).await.unwrap();
        assert!(first.is_active());
        assert_eq!(first.distributor_id, d.partner_id);
        assert!(
            delegation::is_delegated(app.db.read(), &r.partner_id, &d.partner_id)
                .await
                .unwrap()
        );
        assert!(
            !delegation::is_delegated(app.db.read(), &r.partner_id, &d2.partner_id)
                .await
                .unwrap()
        );
        assert!(
            !delegation::is_delegated(app.db.read(), &r2.partner_id, &d.partner_id)
                .await
                .unwrap()
        );
        // Delegating again is refused with a clear error, and writes nothing.
        let again = delegate(r_admin(), &d.partner_id, true).await.unwrap_err();
        assert_eq!(again.code, Code::DelegationActive);
        assert!(again.message(false).contains("already delegated"));
        assert_eq!(
            delegation::history(&app.db, &r_admin())
                .await
                .unwrap()
                .delegations
                .len(),
            1
        );

        // Only the reseller's admin cancels; another reseller's admin cancels its own (it has
        // none), never this one (the cancel below still finds it in effect).
        for ctx in [
            as_partner(&app, &r, &d, Role::PartnerStaff),
            as_partner(&app, &d, &d, Role::PartnerAdmin),
        ] {
            assert_eq!(
                code_of(delegation::cancel(&app.db, ctx).await),
                Code::AccessDenied
            );
        }
        assert_eq!(
            code_of(
                delegation::cancel(&app.db, as_partner(&app, &r2, &d, Role::PartnerAdmin)).await
            ),
            Code::NoActiveDelegation
        );
        app.clock.advance(1000);
        let cancelled = delegation::cancel(&app.db, r_admin()).await.unwrap();
        assert_eq!(cancelled.id, first.id);
        assert!(cancelled.cancelled_at.is_some());
        assert!(delegation::current(app.db.read(), &r.partner_id)
            .await
            .unwrap()
            .is_none());
        assert_eq!(
            code_of(delegation::cancel(&app.db, r_admin()).await),
            Code::NoActiveDelegation
        );

        // Re-delegate after cancelling; the history keeps both, newest first.
        app.clock.advance(1000);
        let second = delegate(r_admin(), &d.partner_id, true).await.unwrap();
        let h = delegation::history(&app.db, &r_admin())
            .await
            .unwrap()
            .delegations;
        assert_eq!(h.len(), 2);
        assert_eq!(h[0].id, second.id);
        assert!(h[0].is_active() && !h[1].is_active());

        // Concurrent delegations of another reseller: exactly one wins.
        let r2_admin = as_partner(&app, &r2, &d, Role::PartnerAdmin);
        let (a, b) = tokio::join!(
            delegate(r2_admin.clone(), &d.partner_id, true),
            delegate(r2_admin.clone(), &d.partner_id, true)
        );
        assert_eq!(
            [a.is_ok(), b.is_ok()].iter().filter(|x| **x).count(),
            1,
            "{}",
            app.engine
        );
        assert_eq!(a.err().or(b.err()).unwrap().code, Code::DelegationActive);

        // The overview a distributor sees.
        let d_admin = as_partner(&app, &d, &d, Role::PartnerAdmin);
        let over = resellers::resellers_overview(&app.db, &d_admin)
            .await
            .unwrap();
        assert_eq!(over.len(), 2);
        assert!(over.iter().all(|o| o.delegated_since.is_some()));
        assert!(resellers::resellers_overview(
            &app.db,
            &as_partner(&app, &d2, &d2, Role::PartnerAdmin)
        )
        .await
        .unwrap()
        .is_empty());

        // Every change is audited.
        assert_eq!(audit_count(&app, "delegation.create").await, 3);
        assert_eq!(audit_count(&app, "delegation.cancel").await, 1);
        app.assert_ledger_clean().await;
    }
}

/// What the pages and the API show of the reseller's customer `tea-house`.
struct Seen {
    list_has_contacts: bool,
    detail_status: u16,
    api_email: serde_json::Value,
    api_telephone: serde_json::Value,
}

async fn what_distributor_sees(
    app: &TestApp,
    s: &Session,
    d: &partners::CreatedPartner,
    r: &partners::CreatedPartner,
    tea_id: &str,
) -> Seen {
    let list = app
        .console_get(s, &format!("/console/customers?reseller={}", r.partner_id))
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    // The count is always there.
    assert!(
        list.body.contains("<span id=\"customer-total\">1</span>"),
        "{}",
        list.body
    );
    let detail = app
        .console_get(s, &format!("/console/customers/{tea_id}"))
        .await;
    let body = format!(r#"{{"indirect_partner_id": "{}"}}"#, r.partner_id);
    let api = app
        .send(signed(&Creds::from(d), "POST", LIST, &body, NOW_MS, &[]))
        .await;
    assert_eq!(api.status, 200, "{}", api.body);
    let j = api.json();
    assert_eq!(j["count"], 1);
    assert_eq!(j["customer_infos"][0]["account_name"], "tea-house");
    Seen {
        list_has_contacts: list.body.contains("ops@tea-house.example")
            && list.body.contains("138****2222")
            && list.body.contains("tea-house"),
        detail_status: detail.status,
        api_email: j["customer_infos"][0]["email"].clone(),
        api_telephone: j["customer_infos"][0]["telephone"].clone(),
    }
}

#[tokio::test]
async fn distributor_sees_reseller_contacts_only_while_delegated() {
    for app in apps("visib").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let d2 = app.partner(PartnerType::Distributor, None).await;
        let r2 = app
            .partner(PartnerType::Reseller, Some(&d2.partner_id))
            .await;
        let tea = app
            .customer(&r.partner_id, AssociationType::Resale, "tea-house", "tea")
            .await;
        let contact = customers::Contact {
            customer_id: Some(tea.customer_id.clone()),
            mobile: Some("13800002222".into()),
            email: Some("ops@tea-house.example".into()),
        };
        customers::set_contact(&app.db, ctx(), contact)
            .await
            .unwrap();
        app.customer(&d.partner_id, AssociationType::Resale, "own-shop", "own")
            .await;

        let ds = app.console_login(&d.login, PW).await;
        let rs = app.console_login(&r.login, PW).await;
        let d2s = app.console_login(&d2.login, PW).await;
        let r2s = app.console_login(&r2.login, PW).await;

        // Navigation by partner type.
        let home = app.console_get(&ds, "/console").await;
        assert!(home.body.contains("data-nav=\"resellers\""));
        assert!(!home.body.contains("data-nav=\"delegation\""));
        let home = app.console_get(&rs, "/console").await;
        assert!(home.body.contains("data-nav=\"delegation\""));
        assert!(!home.body.contains("data-nav=\"resellers\""));

        // Before delegation: the count, no customers, no contact details.
        let page = app.console_get(&ds, "/console/resellers").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let row = format!("data-reseller=\"{}\" data-delegated=\"no\"", r.partner_id);
        assert!(page.body.contains(&row), "{}", page.body);
        assert!(page.body.contains("<td class=\"customer-count\">1</td>"));
        assert!(!page.body.contains("view-customers"));
        let seen = what_distributor_sees(&app, &ds, &d, &r, &tea.customer_id).await;
        assert!(!seen.list_has_contacts);
        assert_eq!(seen.detail_status, 404);
        assert!(seen.api_email.is_null() && seen.api_telephone.is_null());
        let csv = app
            .console_get(
                &ds,
                &format!("/console/customers.csv?reseller={}", r.partner_id),
            )
            .await;
        assert_eq!(csv.status, 403);
        assert!(!csv.body.contains("tea-house"));
        assert_eq!(audit_count(&app, "delegation.view_customers").await, 0);

        // The reseller reads the notice; without ticking the box nothing happens.
        let page = app.console_get(&rs, "/console/delegation").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("《销售拓展任务委托须知》"));
        assert!(page.body.contains("id=\"consent\" type=\"checkbox\""));
        assert!(page.body.contains("data-status=\"not_delegated\""));
        let no = app
            .console_post(
                &rs,
                "/console/delegation",
                &[("distributor_id", &d.partner_id)],
            )
            .await;
        assert_eq!(no.status, 400);
        assert!(no.body.contains("id=\"delegate-form-consent-error\""));
        // Another distributor (a forged hidden field): refused.
        let foreign = app
            .console_post(
                &rs,
                "/console/delegation",
                &[("distributor_id", &d2.partner_id), ("consent", "yes")],
            )
            .await;
        assert_eq!(foreign.status, 400);
        assert!(foreign.body.contains(Code::NotOwnDistributor.message_zh()));
        // No CSRF token: refused.
        let forged = app
            .send(
                axum::http::Request::post("/console/delegation")
                    .header("cookie", &rs.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(form_body(&[
                        ("distributor_id", &d.partner_id),
                        ("consent", "yes"),
                    ])))
                    .unwrap(),
            )
            .await;
        assert_eq!(forged.status, 403);
        assert!(delegation::current(app.db.read(), &r.partner_id)
            .await
            .unwrap()
            .is_none());

        // Delegate.
        let ok = app
            .console_post(
                &rs,
                "/console/delegation",
                &[("distributor_id", &d.partner_id), ("consent", "yes")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = app.console_get(&rs, "/console/delegation").await;
        assert!(page.body.contains("data-status=\"delegated\""));
        assert!(page.body.contains("cancel-delegation-form"));
        let again = app
            .console_post(
                &rs,
                "/console/delegation",
                &[("distributor_id", &d.partner_id), ("consent", "yes")],
            )
            .await;
        assert_eq!(again.status, 400);
        assert!(again.body.contains(Code::DelegationActive.message_zh()));

        // Now the distributor sees the customers with contact details, and every view is audited.
        let page = app.console_get(&ds, "/console/resellers").await;
        let row = format!("data-reseller=\"{}\" data-delegated=\"yes\"", r.partner_id);
        assert!(page.body.contains(&row), "{}", page.body);
        assert!(page
            .body
            .contains(&format!("/console/customers?reseller={}", r.partner_id)));
        let seen = what_distributor_sees(&app, &ds, &d, &r, &tea.customer_id).await;
        assert!(seen.list_has_contacts, "{}", app.engine);
        assert_eq!(seen.detail_status, 200);
        assert_eq!(seen.api_email, "ops@tea-house.example");
        assert_eq!(seen.api_telephone, "138****2222");
        assert_eq!(audit_count(&app, "delegation.view_customers").await, 3);
        let csv = app
            .console_get(
                &ds,
                &format!("/console/customers.csv?reseller={}", r.partner_id),
            )
            .await;
        assert_eq!(csv.status, 200);
        assert!(csv.body.contains("tea-house") && csv.body.contains("ops@tea-house.example"));
        assert_eq!(audit_count(&app, "delegation.view_customers").await, 4);
        // The distributor's own list is not a delegated view.
        let own = app.console_get(&ds, "/console/customers").await;
        assert!(own.body.contains("own-shop") && !own.body.contains("tea-house"));
        assert_eq!(audit_count(&app, "delegation.view_customers").await, 4);

        // Foreign ids, delegated or not, stay refused.
        for (s, path) in [
            (
                &d2s,
                format!("/console/customers?reseller={}", r.partner_id),
            ),
            (
                &d2s,
                format!("/console/customers.csv?reseller={}", r.partner_id),
            ),
            (&d2s, format!("/console/customers/{}", tea.customer_id)),
            (&r2s, format!("/console/customers/{}", tea.customer_id)),
            (
                &ds,
                format!("/console/customers?reseller={}", r2.partner_id),
            ),
            (
                &ds,
                format!("/console/customers?reseller={}", d2.partner_id),
            ),
            (&ds, "/console/customers/cnosuchcustomer".to_string()),
        ] {
            let resp = app.console_get(s, &path).await;
            assert_eq!(resp.status, 404, "{path}: {}", resp.body);
            assert!(!resp.body.contains("tea-house"));
        }
        let foreign_api = app
            .send(signed(
                &Creds::from(&d2),
                "POST",
                LIST,
                &format!(r#"{{"indirect_partner_id": "{}"}}"#, r.partner_id),
                NOW_MS,
                &[],
            ))
            .await;
        foreign_api.assert_error(400, "CBC.99000037");
        // Pages for the other side of the tree are refused by type.
        assert_eq!(app.console_get(&rs, "/console/resellers").await.status, 403);
        assert_eq!(
            app.console_get(&ds, "/console/delegation").await.status,
            403
        );
        assert_eq!(
            app.console_get(
                &rs,
                &format!("/console/customers?reseller={}", r.partner_id)
            )
            .await
            .status,
            403
        );
        let cs = app.console_login("tea-house", PW).await;
        for path in [
            "/console/customers",
            "/console/resellers",
            "/console/delegation",
        ] {
            assert_eq!(app.console_get(&cs, path).await.status, 403, "{path}");
        }
        // Another reseller cannot cancel this one's delegation from its own page.
        let other_cancel = app
            .console_post(&r2s, "/console/delegation/cancel", &[])
            .await;
        assert_eq!(other_cancel.status, 400);
        assert!(delegation::current(app.db.read(), &r.partner_id)
            .await
            .unwrap()
            .is_some());

        // The reseller cancels: contact details are gone again.
        let cancel = app
            .console_post(&rs, "/console/delegation/cancel", &[])
            .await;
        assert_eq!(cancel.status, 303, "{}", cancel.body);
        let page = app.console_get(&rs, "/console/delegation").await;
        assert!(page.body.contains("data-status=\"not_delegated\""));
        assert!(page.body.contains("data-status=\"cancelled\""));
        let seen = what_distributor_sees(&app, &ds, &d, &r, &tea.customer_id).await;
        assert!(!seen.list_has_contacts);
        assert_eq!(seen.detail_status, 404);
        assert!(seen.api_email.is_null() && seen.api_telephone.is_null());
        assert_eq!(audit_count(&app, "delegation.view_customers").await, 4);
        app.assert_ledger_clean().await;
    }
}

async fn end_association(app: &TestApp, customer_id: &str, at: i64) {
    let id = customer_id.to_string();
    app.db
        .write(move |c| {
            Box::pin(async move {
                sql::query(
                    "UPDATE associations SET ended_at = $1, end_reason = 'unbound' WHERE customer_id = $2 AND ended_at IS NULL",
                )
                .bind(at)
                .bind(&id)
                .execute(c)
                .await?;
                Ok(())
            })
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn customer_detail_history_csv_and_operator_pages() {
    for app in apps("custpages").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let cons = app.partner(PartnerType::Consulting, None).await;
        let alpha = app
            .customer(&d.partner_id, AssociationType::Resale, "alpha-one", "vip")
            .await;
        app.clock.advance(1000);
        app.customer(
            &d.partner_id,
            AssociationType::Consulting,
            "beta-two",
            "=cmd|x",
        )
        .await;
        let gamma = app
            .customer(
                &cons.partner_id,
                AssociationType::Consulting,
                "gamma-three",
                "vip",
            )
            .await;
        app.credit(&d.partner_id, 100_000).await;
        app.allocate(&d.partner_id, &alpha.customer_id, 1234).await;
        identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: "op-tree".into(),
                password: PW.into(),
            },
        )
        .await
        .unwrap();
        let ds = app.console_login(&d.login, PW).await;
        let cs = app.console_login(&cons.login, PW).await;
        let ops = app.console_login("op-tree", PW).await;

        // Detail of an own customer: type, label, balance, history.
        let page = app
            .console_get(&ds, &format!("/console/customers/{}", alpha.customer_id))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<dd id=\"account-name\">alpha-one</dd>"));
        assert!(page.body.contains("<dd id=\"association-type\">代售</dd>"));
        assert!(page.body.contains("<dd id=\"label\">vip</dd>"));
        assert!(page.body.contains("<dd id=\"balance\">¥12.34</dd>"));
        assert_eq!(page.body.matches("data-status=\"current\"").count(), 1);
        // Another partner's customer: not found, nothing leaked.
        for (s, id) in [(&cs, &alpha.customer_id), (&ds, &gamma.customer_id)] {
            let r = app
                .console_get(s, &format!("/console/customers/{id}"))
                .await;
            assert_eq!(r.status, 404);
            assert!(!r.body.contains("alpha-one") && !r.body.contains("gamma-three"));
        }

        // CSV: BOM, header in the user's language, the same filters, formulas defused.
        let csv = app.console_get(&ds, "/console/customers.csv").await;
        assert_eq!(csv.status, 200);
        assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
        assert!(csv.headers["content-disposition"]
            .to_str()
            .unwrap()
            .contains("customers.csv"));
        assert!(csv.body.starts_with(
            "\u{feff}客户账号名,实名认证名称,ID,关联类型,标签,关联时间 (Asia/Shanghai),电话,邮箱\r\n"
        ));
        let lines: Vec<&str> = csv.body.lines().collect();
        assert_eq!(lines.len(), 3, "{}", csv.body);
        let line = |name: &str| {
            *lines
                .iter()
                .find(|l| l.starts_with(name))
                .unwrap_or_else(|| panic!("no line for {name}: {}", csv.body))
        };
        assert!(line("beta-two,beta-two Ltd,").contains(",顾问销售,'=cmd|x,"));
        assert!(line("alpha-one,").starts_with(&format!(
            "alpha-one,alpha-one Ltd,{},代售,vip,",
            alpha.customer_id
        )));
        assert!(!csv.body.contains("gamma-three"));
        let filtered = app
            .console_get(&ds, "/console/customers.csv?label=vip&association_type=2")
            .await;
        assert_eq!(filtered.body.lines().count(), 2, "{}", filtered.body);
        assert!(filtered.body.contains("alpha-one") && !filtered.body.contains("beta-two"));
        let bad = app
            .console_get(&ds, "/console/customers.csv?association_type=7")
            .await;
        assert_eq!(bad.status, 400);
        let lang = app
            .console_post(&ds, "/console/lang", &[("lang", "en-US")])
            .await;
        assert_eq!(lang.status, 303);
        let csv = app.console_get(&ds, "/console/customers.csv").await;
        assert!(csv.body.starts_with(
            "\u{feff}Account name,Verified name,ID,Association type,Label,Associated on (Asia/Shanghai),Telephone,E-mail\r\n"
        ));
        assert!(csv.body.contains(",Resale,vip,"));

        // The customer moves to another partner: the old partner loses it; the new one sees only
        // its own association; the operator and the customer see the whole history.
        end_association(&app, &alpha.customer_id, NOW_MS + 5000).await;
        let (cp, cid) = (cons.partner_id.clone(), alpha.customer_id.clone());
        app.db
            .write(move |c| {
                Box::pin(async move {
                    let p = partners::get(&mut *c, &cp).await?.unwrap();
                    customers::associate(
                        c,
                        &ctx(),
                        &p,
                        &cid,
                        AssociationType::Consulting,
                        Some("moved"),
                    )
                    .await
                })
            })
            .await
            .unwrap();
        let path = format!("/console/customers/{}", alpha.customer_id);
        assert_eq!(app.console_get(&ds, &path).await.status, 404);
        let page = app.console_get(&cs, &path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body.matches("data-association=").count(), 1);
        assert!(page.body.contains("<dd id=\"label\">moved</dd>"));
        let page = app.console_get(&ops, &path).await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert_eq!(page.body.matches("data-status=\"current\"").count(), 1);
        assert_eq!(page.body.matches("data-status=\"ended\"").count(), 1);
        assert!(page.body.contains("unbound"));
        let home = app
            .console_get(&app.console_login("alpha-one", PW).await, "/console")
            .await;
        assert!(home.body.contains("id=\"association-history\""));
        assert_eq!(home.body.matches("data-status=\"ended\"").count(), 1);
        assert_eq!(home.body.matches("data-status=\"current\"").count(), 1);

        // Operators: every customer with its partner, filtered by partner, exported.
        let home = app.console_get(&ops, "/console").await;
        assert!(home.body.contains("data-nav=\"customers\""));
        let page = app.console_get(&ops, "/console/customers").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<span id=\"customer-total\">3</span>"));
        for name in ["alpha-one", "beta-two", "gamma-three"] {
            assert!(page.body.contains(name), "{name}");
        }
        assert!(page
            .body
            .contains("<td class=\"partner\">Consulting partner</td>"));
        let page = app
            .console_get(
                &ops,
                &format!("/console/customers?partner={}", cons.partner_id),
            )
            .await;
        assert!(page.body.contains("<span id=\"customer-total\">2</span>"));
        assert!(!page.body.contains("beta-two"));
        let csv = app
            .console_get(&ops, "/console/customers.csv?partner=Distributor")
            .await;
        assert!(csv
            .body
            .starts_with("\u{feff}客户账号名,实名认证名称,ID,合作伙伴,关联类型,"));
        assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
        assert!(csv.body.contains(",Distributor partner,顾问销售,"));

        // Operators' partner detail; partners may not open it; unknown ids are 404.
        let page = app
            .console_get(&ops, &format!("/console/partners/{}", d.partner_id))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("<dd id=\"partner-type\">总经销商</dd>"));
        assert!(page.body.contains("<dd id=\"balance\">¥987.66</dd>"));
        assert!(page.body.contains(">1</a>"), "customer count link");
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let page = app
            .console_get(&ops, &format!("/console/partners/{}", d.partner_id))
            .await;
        assert!(page
            .body
            .contains(&format!("data-reseller=\"{}\"", r.partner_id)));
        let page = app
            .console_get(&ops, &format!("/console/partners/{}", r.partner_id))
            .await;
        assert!(page
            .body
            .contains(&format!("href=\"/console/partners/{}\"", d.partner_id)));
        assert_eq!(
            app.console_get(&ops, "/console/partners/pnosuchpartner")
                .await
                .status,
            404
        );
        assert_eq!(
            app.console_get(&ds, &format!("/console/partners/{}", d.partner_id))
                .await
                .status,
            403
        );
        app.assert_ledger_clean().await;
    }
}
