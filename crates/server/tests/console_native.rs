//! Console pages of the native-API work, on SQLite and PostgreSQL, through real logins and
//! CSRF-protected forms: operators' access keys, partners' discounts and the operator's discount
//! floor, and a master distributor's resellers' customers' orders tab.

mod common;

use common::*;
use pc_app::services::{identity, orders};
use pc_app::store::sql;
use pc_domain::party::{AssociationType, PartnerType};
use serde_json::json;

/// The text of the element with this id (`id="x">TEXT<`).
fn element_text(body: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\">");
    let at = body.find(&marker)? + marker.len();
    Some(body[at..].split('<').next()?.to_string())
}

async fn operator_session(app: &TestApp, login: &str) -> (String, Session) {
    let uid = identity::create_operator(
        &app.db,
        ctx(),
        identity::Credentials {
            login: login.into(),
            password: "Passw0rd!".into(),
        },
    )
    .await
    .unwrap();
    (uid, app.console_login(login, "Passw0rd!").await)
}

#[tokio::test]
async fn operators_manage_their_access_keys_in_the_console() {
    for app in apps("cnkeys").await {
        let (uid, s) = operator_session(&app, "keys-op").await;
        let r = app.console_get(&s, "/console/access-keys").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        assert!(r.body.contains("id=\"operator-key-hint\""));
        assert!(r.body.contains(&uid));
        assert!(r.body.contains("/native/v1"));
        assert!(r.body.contains("data-nav=\"access-keys\""));
        assert!(r.body.contains("data-nav=\"discounts\""));

        // Without the CSRF token nothing is created.
        let no_csrf = app
            .send(
                axum::http::Request::post("/console/access-keys")
                    .header("cookie", &s.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from("description=x"))
                    .unwrap(),
            )
            .await;
        assert_eq!(no_csrf.status, 403);

        let r = app
            .console_post(&s, "/console/access-keys", &[("description", "automation")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = app.console_get(&s, "/console/access-keys").await;
        let ak = element_text(&page.body, "new-access-key").expect("the new key is shown");
        let sk = element_text(&page.body, "new-secret").expect("its secret is shown once");
        let creds = Creds {
            ak: ak.clone(),
            sk,
            domain_id: uid.clone(),
        };
        let r = app
            .send(signed(&creds, "GET", "/native/v1/orders", "", NOW_MS, &[]))
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        app.send(signed(
            &creds,
            "GET",
            "/v2/orders/customer-orders",
            "",
            NOW_MS,
            &[],
        ))
        .await
        .assert_error(403, "CBC.0155");
        // Shown once only.
        let again = app.console_get(&s, "/console/access-keys").await;
        assert!(element_text(&again.body, "new-secret").is_none());
        assert!(again.body.contains(&ak));

        // A partner admin's page lists the partner's keys, not the operator's.
        let d = app.partner(PartnerType::Distributor, None).await;
        let ps = app.console_login(&d.login, &d.password).await;
        let pr = app.console_get(&ps, "/console/access-keys").await;
        assert_eq!(pr.status, 200);
        assert!(pr.body.contains(&d.access_key) && !pr.body.contains(&ak));
        assert!(!pr.body.contains("operator-key-hint"));
        // The partner cannot revoke the operator's key.
        let r = app
            .console_post(&ps, &format!("/console/access-keys/{ak}/revoke"), &[])
            .await;
        assert_eq!(r.status, 404, "{}", r.body);

        // The operator revokes it; it stops working at once.
        let r = app
            .console_post(&s, &format!("/console/access-keys/{ak}/revoke"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        app.send(signed(&creds, "GET", "/native/v1/orders", "", NOW_MS, &[]))
            .await
            .assert_error(401, "APIGW.0301");
        let page = app.console_get(&s, "/console/access-keys").await;
        assert!(page.body.contains("data-status=\"revoked\""));

        // Customers have no access-key page.
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "keys-cust", "x")
            .await;
        let cs = app.console_login(&c.login, &c.password).await;
        assert_eq!(
            app.console_get(&cs, "/console/access-keys").await.status,
            403
        );
    }
}

/// Posts the partner console's grant form.
async fn grant(
    app: &TestApp,
    s: &Session,
    customer_id: &str,
    product_id: &str,
    ratio: &str,
) -> Resp {
    app.console_post(
        s,
        "/console/discounts",
        &[
            ("customer_id", customer_id),
            ("product_id", product_id),
            ("ratio", ratio),
        ],
    )
    .await
}

#[tokio::test]
async fn partners_grant_discounts_and_operators_set_the_floor_in_the_console() {
    for app in apps("cndisc").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let o = app.partner(PartnerType::Distributor, None).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "disc-cust", "x")
            .await;
        let oc = app
            .customer(&o.partner_id, AssociationType::Resale, "disc-ocust", "x")
            .await;
        let s = app.console_login(&d.login, &d.password).await;

        let r = app.console_get(&s, "/console/discounts").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        assert!(r.body.contains("id=\"grant-discount-form\""));
        assert!(r
            .body
            .contains(&format!("option value=\"{}\"", c.customer_id)));
        assert!(r.body.contains("7折"), "the operator's floor is shown");
        assert!(r.body.contains("data-nav=\"discounts\""));

        let granted = |app: &TestApp| {
            let pid = d.partner_id.clone();
            let cid = c.customer_id.clone();
            let pool = app.db.read().clone();
            async move { orders::grants(&pool, &pid, &cid).await.unwrap() }
        };

        // Refusals, each a 4xx page naming the problem, nothing written.
        let r = grant(&app, &s, &c.customer_id, "", "85").await;
        assert_eq!(r.status, 400, "{}", r.body);
        assert!(
            r.body.contains("8.5折") && r.body.contains("id=\"grant-discount-form-ratio-error\"")
        );
        let r = grant(&app, &s, &c.customer_id, "", "6折").await;
        assert_eq!(r.status, 400);
        assert!(
            r.body.contains("折扣低于运营方允许的最低折扣率"),
            "{}",
            r.body
        );
        let r = grant(&app, &s, &oc.customer_id, "", "0.9").await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("非合作伙伴子客户"));
        let r = app
            .send(
                axum::http::Request::post("/console/discounts")
                    .header("cookie", &s.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(form_body(&[
                        ("customer_id", &c.customer_id),
                        ("ratio", "0.9"),
                    ])))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, 403);
        assert!(granted(&app).await.is_empty(), "{}", app.engine);

        // Granted as people write them: "8.5折" on everything, "90%" on one product.
        let r = grant(&app, &s, &c.customer_id, "", "8.5折").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = grant(&app, &s, &c.customer_id, "ecs-s6-small-1-linux", "90%").await;
        assert_eq!(r.status, 303, "{}", r.body);
        let g = granted(&app).await;
        assert_eq!(g.len(), 2);
        let page = app.console_get(&s, "/console/discounts").await;
        assert!(page.body.contains("data-ratio=\"0.85\"") && page.body.contains("8.5折"));
        assert!(page.body.contains("data-ratio=\"0.9\"") && page.body.contains("9折"));
        assert!(page.body.contains("通用计算型 s6.small.1 Linux"));
        assert_eq!(
            element_text(&page.body, "discount-count").as_deref(),
            Some("2")
        );

        // Revoke one; it leaves the in-force list and shows among the revoked.
        let all = g
            .iter()
            .find(|x| x.product_id.is_none())
            .unwrap()
            .id
            .clone();
        let r = app
            .console_post(&s, &format!("/console/discounts/{all}/revoke"), &[])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(granted(&app).await.len(), 1);
        let page = app.console_get(&s, "/console/discounts").await;
        assert_eq!(
            element_text(&page.body, "discount-count").as_deref(),
            Some("1")
        );
        let page = app.console_get(&s, "/console/discounts?revoked=1").await;
        assert_eq!(
            element_text(&page.body, "discount-count").as_deref(),
            Some("2")
        );
        assert!(page
            .body
            .contains(&format!("data-discount=\"{all}\" data-status=\"revoked\"")));
        let r = app
            .console_post(&s, &format!("/console/discounts/{all}/revoke"), &[])
            .await;
        assert_eq!(r.status, 404);
        // Another partner cannot revoke it either.
        let os = app.console_login(&o.login, &o.password).await;
        let other = g
            .iter()
            .find(|x| x.product_id.is_some())
            .unwrap()
            .id
            .clone();
        let r = app
            .console_post(&os, &format!("/console/discounts/{other}/revoke"), &[])
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(granted(&app).await.len(), 1);

        // In English.
        let r = app
            .console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        assert_eq!(r.status, 303);
        let page = app.console_get(&s, "/console/discounts").await;
        assert!(page.body.contains("Discounts") && page.body.contains("90% of list price"));
        assert!(page.body.contains("Lowest discount the operator allows"));

        // The operator sets the floor; partners then see it and are held to it.
        let (_, ops) = operator_session(&app, "floor-op").await;
        let r = app.console_get(&ops, "/console/discounts").await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("id=\"floor-form\"") && r.body.contains("data-ratio=\"0.7\""));
        let r = app
            .console_post(&ops, "/console/discounts/floor", &[("ratio", "abc")])
            .await;
        assert_eq!(r.status, 400);
        let r = app
            .console_post(&ops, "/console/discounts/floor", &[("ratio", "75%")])
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let r = app.console_get(&ops, "/console/discounts").await;
        assert!(r.body.contains("data-ratio=\"0.75\"") && r.body.contains("7.5折"));
        assert_eq!(
            orders::discount_floor(app.db.read()).await.unwrap().bp(),
            7500
        );
        let r = grant(&app, &s, &c.customer_id, "", "7折").await;
        assert_eq!(r.status, 400);
        // Partners cannot set the floor; customers have no discounts page.
        let r = app
            .console_post(&s, "/console/discounts/floor", &[("ratio", "0.5")])
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(
            orders::discount_floor(app.db.read()).await.unwrap().bp(),
            7500
        );
        let cs = app.console_login(&c.login, &c.password).await;
        assert_eq!(app.console_get(&cs, "/console/discounts").await.status, 403);
    }
}

#[tokio::test]
async fn distributors_see_their_resellers_customers_orders() {
    for app in apps("cnresell").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let r2 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let o = app.partner(PartnerType::Distributor, None).await;
        let or = app
            .partner(PartnerType::Reseller, Some(&o.partner_id))
            .await;
        let mut ids = Vec::new();
        for (p, name) in [
            (&d, "rs-dist"),
            (&r, "rs-resel"),
            (&r2, "rs-resel2"),
            (&o, "rs-other"),
        ] {
            let cu = app
                .customer(&p.partner_id, AssociationType::Resale, name, "x")
                .await;
            let body = json!({"customer_id": cu.customer_id, "product_infos": [{"product_id": "obs-standard-100g", "period_type": 2, "period_num": 1}]}).to_string();
            let resp = app
                .send(signed(
                    &Creds::from(p),
                    "POST",
                    "/native/v1/orders/customer-orders",
                    &body,
                    NOW_MS,
                    &[],
                ))
                .await;
            assert_eq!(resp.status, 200, "{}", resp.body);
            ids.push(resp.json()["order_id"].as_str().unwrap().to_string());
        }
        let (od, or1, or2, oo) = (&ids[0], &ids[1], &ids[2], &ids[3]);
        let s = app.console_login(&d.login, &d.password).await;

        // First tab: the distributor's own customers' orders.
        let page = app.console_get(&s, "/console/orders").await;
        assert_eq!(page.status, 200, "{}: {}", app.engine, page.body);
        assert!(page.body.contains("id=\"order-views\""));
        assert!(page.body.contains("我的客户订单") && page.body.contains("云经销商的客户订单"));
        assert!(page.body.contains(od.as_str()) && !page.body.contains(or1.as_str()));

        // Second tab: every reseller's customers' orders, none of its own or another tenant's.
        let page = app.console_get(&s, "/console/orders?view=resellers").await;
        assert_eq!(page.status, 200, "{}", page.body);
        for (id, shown) in [(od, false), (or1, true), (or2, true), (oo, false)] {
            assert_eq!(
                page.body.contains(id.as_str()),
                shown,
                "{id}: {}",
                app.engine
            );
        }
        assert_eq!(
            element_text(&page.body, "order-count").as_deref(),
            Some("2")
        );
        assert!(page
            .body
            .contains(&format!("option value=\"{}\"", r.partner_id)));
        assert!(!page
            .body
            .contains(&format!("option value=\"{}\"", or.partner_id)));
        // Status tabs keep the view.
        assert!(page
            .body
            .contains("/console/orders?view=resellers&amp;reseller=&amp;status=6"));
        let page = app
            .console_get(&s, "/console/orders?view=resellers&status=5")
            .await;
        assert_eq!(
            element_text(&page.body, "order-count").as_deref(),
            Some("0")
        );

        // One reseller.
        let page = app
            .console_get(
                &s,
                &format!("/console/orders?view=resellers&reseller={}", r2.partner_id),
            )
            .await;
        assert!(page.body.contains(or2.as_str()) && !page.body.contains(or1.as_str()));
        assert!(page
            .body
            .contains(&format!("option value=\"{}\" selected", r2.partner_id)));
        // Another distributor's reseller is refused.
        let page = app
            .console_get(
                &s,
                &format!("/console/orders?view=resellers&reseller={}", or.partner_id),
            )
            .await;
        assert_eq!(page.status, 400, "{}", page.body);

        // A reseller has one list only: its own customers' orders.
        let rs = app.console_login(&r.login, &r.password).await;
        let page = app.console_get(&rs, "/console/orders?view=resellers").await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("id=\"order-views\""));
        assert!(page.body.contains(or1.as_str()) && !page.body.contains(or2.as_str()));
    }
}

/// The new key's secret is kept in the database, not in one process: created through one
/// instance, it is shown once by another sharing the database.
#[tokio::test]
async fn a_new_secret_is_shown_by_another_instance() {
    for app in apps("cnflash").await {
        let (_, s) = operator_session(&app, "flash-op").await;
        let r = app
            .console_post(
                &s,
                "/console/access-keys",
                &[("description", "two instances")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let other = app.second_instance().await;
        let get = || {
            axum::http::Request::get("/console/access-keys")
                .header("cookie", &s.cookie)
                .body(axum::body::Body::empty())
                .unwrap()
        };
        let page = send_to(other.clone(), get()).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let sk = element_text(&page.body, "new-secret").expect("shown by the other instance");
        assert_eq!(sk.len(), 40);
        let stored: i64 = sql::query_scalar("SELECT COUNT(*) FROM key_flash")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(stored, 0, "taken when shown");
        let sealed_only: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM access_keys WHERE secret_enc = $1")
                .bind(&sk)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(sealed_only, 0, "never stored in clear");
        let again = send_to(app.router.clone(), get()).await;
        assert!(element_text(&again.body, "new-secret").is_none());
    }
}

/// Operators manage service and resource types from the console; a refused form writes nothing;
/// partners cannot reach the page.
#[tokio::test]
async fn operators_manage_types_in_the_console() {
    for app in apps("cntypes").await {
        let w = app.orders_world("cnt").await;
        let (_, s) = operator_session(&app, "types-op").await;
        let page = app.console_get(&s, "/console/catalog/types").await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("data-code=\"hws.service.type.ec2\""));
        let bad = app
            .console_post(
                &s,
                "/console/catalog/service-types",
                &[
                    ("code", "gpu"),
                    ("name_zh", "x"),
                    ("name_en", "x"),
                    ("abbreviation", "G"),
                ],
            )
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(bad.body.contains(r#"id="service-type-form-error""#));
        let ok = app
            .console_post(
                &s,
                "/console/catalog/service-types",
                &[
                    ("code", "hws.service.type.gpu"),
                    ("name_zh", "GPU"),
                    ("name_en", "GPU"),
                    ("abbreviation", "GACS"),
                    ("sort_order", "7"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let ok = app
            .console_post(
                &s,
                "/console/catalog/resource-types",
                &[
                    ("code", "hws.resource.type.gpu.vm"),
                    ("service_type_code", "hws.service.type.gpu"),
                    ("name_zh", "GPU云主机"),
                    ("name_en", "GPU server"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let page = app.console_get(&s, "/console/catalog/types").await;
        assert!(page.body.contains("data-code=\"hws.resource.type.gpu.vm\""));
        let ps = app.console_login(&w.d.login, &w.d.password).await;
        assert_eq!(
            app.console_get(&ps, "/console/catalog/types").await.status,
            403
        );
    }
}
