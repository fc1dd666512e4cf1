//! Operator discounts on SQLite and PostgreSQL. Promotions (discount type 0, fee item 700):
//! offered beside partner discounts in list_order_discounts and in quotes (never as the best
//! offer), paid with type 0 and recorded as 700, refused when named with the wrong type or once
//! revoked; only operators create them; the operator's console page. Order price adjustments
//! (609): the only discount an adjusted order offers, used by its payment whether named or not,
//! set and cleared by operators on pending orders only, from the console too.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::{orders, orders::adjustments, orders::promotions};
use pc_app::store::sql;
use pc_app::{Actor, Ctx};
use pc_domain::orders::Ratio;
use pc_domain::Money;
use serde_json::{json, Value};

const DISCOUNTS: &str = "/v2/orders/customer-orders/order-discounts";
const DETAILS: &str = "/v2/orders/customer-orders/details";
const RATE: &str = "/v2/bills/ratings/period-resources/subscribe-rate";
const DAY: i64 = 86_400_000;

fn operator_ctx() -> Ctx {
    Ctx::new(
        Actor::Operator {
            user_id: "op-test".into(),
        },
        "req-promo",
        NOW_MS,
    )
}

fn partner_ctx(partner_id: &str) -> Ctx {
    Ctx::new(
        Actor::Partner {
            partner_id: partner_id.into(),
            root_id: partner_id.into(),
            user_id: None,
            role: pc_domain::party::Role::PartnerAdmin,
        },
        "req",
        NOW_MS,
    )
}

/// The partner grants its customer `ratio` on every product; returns the discount id.
async fn grant_all(app: &TestApp, partner_id: &str, customer_id: &str, ratio: &str) -> String {
    let g = orders::DiscountGrant {
        customer_id: customer_id.into(),
        product_id: None,
        ratio: Ratio::parse(ratio).unwrap(),
    };
    orders::grant_discount(&app.db, app.as_partner(partner_id), g)
        .await
        .unwrap()
        .grant
        .id
}

async fn promote(
    app: &TestApp,
    ctx: Ctx,
    product: Option<&str>,
    ratio: &str,
) -> Result<String, String> {
    let p = promotions::NewPromotion {
        name: "Double 11".into(),
        product_id: product.map(str::to_string),
        ratio: Ratio::parse(ratio).unwrap(),
        starts_at: NOW_MS - DAY,
        ends_at: NOW_MS + 10 * DAY,
    };
    promotions::create(&app.db, ctx, p)
        .await
        .map_err(|e| e.code.vendor_code().to_string())
}

async fn discounts_of(app: &TestApp, creds: &Creds, order: &str) -> Vec<(String, i64)> {
    let r = call(
        app,
        creds,
        "GET",
        &format!("{DISCOUNTS}?order_id={order}"),
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()["discounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["discount_id"].as_str().unwrap().to_string(),
                d["discount_type"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn pay_with(order: &str, discount: &str, t: i64) -> String {
    json!({"order_id": order, "use_coupon": "NO", "use_discount": "YES", "discount_infos": [{"id": discount, "type": t}]})
        .to_string()
}

#[tokio::test]
async fn promotions_at_payment_and_in_quotes() {
    for app in apps("promo").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        // Only operators create promotions.
        let partner_ctx = partner_ctx(&w.d.partner_id);
        assert_eq!(
            promote(&app, partner_ctx, None, "0.5").await.unwrap_err(),
            "CBC.0151"
        );
        let promo = promote(&app, operator_ctx(), Some("ecs-s6-small-1-linux"), "0.8")
            .await
            .unwrap();
        let other = promote(&app, operator_ctx(), Some("evs-ssd"), "0.5")
            .await
            .unwrap();
        let grant = grant_all(&app, &w.d.partner_id, &w.c.customer_id, "0.9").await;
        let (o, _) = place_ecs_month(&app, &w.c.customer_id).await;
        let offered = discounts_of(&app, &cc, &o).await;
        assert!(offered.contains(&(promo.clone(), 0)), "{offered:?}");
        assert!(offered.contains(&(grant.clone(), 3)), "{offered:?}");
        assert!(
            !offered.iter().any(|(id, _)| *id == other),
            "a promotion on another product"
        );

        // The quote shows both; the best offer is the partner's.
        let body = json!({"project_id": "p", "product_infos": [{"id": "1", "cloud_service_type": "hws.service.type.ec2",
            "resource_type": "hws.resource.type.vm", "resource_spec": "s6.small.1.linux", "region": "cn-north-4",
            "period_type": 2, "period_num": 1, "subscription_num": 1}]});
        let q = call(&app, &cc, "POST", RATE, &body.to_string()).await;
        assert_eq!(q.status, 200, "{}", q.body);
        let opts: Vec<Value> = q.json()["optional_discount_rating_results"]
            .as_array()
            .unwrap()
            .clone();
        let promo_opt = opts
            .iter()
            .find(|x| x["discount_id"] == promo.as_str())
            .unwrap();
        assert_eq!(promo_opt["discount_type"], 700);
        assert_eq!(promo_opt["best_offer"], 0);
        assert_eq!(promo_opt["discount_amount"].to_string(), "7.00");
        let grant_opt = opts
            .iter()
            .find(|x| x["discount_id"] == grant.as_str())
            .unwrap();
        assert_eq!(grant_opt["best_offer"], 1);
        // A partner's quote (no customer) shows the promotion, for everyone, and no grant.
        let pq = call(&app, &Creds::from(&w.d), "POST", RATE, &body.to_string()).await;
        assert_eq!(pq.status, 200, "{}", pq.body);
        let popts = pq.json()["optional_discount_rating_results"]
            .as_array()
            .unwrap()
            .clone();
        let ids: Vec<&str> = popts
            .iter()
            .map(|x| x["discount_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, vec![promo.as_str()], "{popts:?}");

        // Named with the wrong type: not applicable, nothing written.
        call(&app, &cc, "POST", PAY, &pay_with(&o, &promo, 3))
            .await
            .assert_error(400, "CBC.99003108");
        let r = call(&app, &cc, "POST", PAY, &pay_with(&o, &promo, 0)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let d = call(&app, &cc, "GET", &format!("{DETAILS}/{o}"), "")
            .await
            .json();
        let ai = &d["order_info"]["amount_info"]["discounts"][0];
        assert_eq!(ai["discount_type"], "700");
        assert_eq!(ai["discount_amount"].to_string(), "7.00");
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(20_000 - 2_800)
        );

        // Revoked: no longer offered or accepted.
        let (o2, _) = place_ecs_month(&app, &w.c.customer_id).await;
        promotions::revoke(&app.db, operator_ctx(), promo.clone())
            .await
            .unwrap();
        assert!(!discounts_of(&app, &cc, &o2)
            .await
            .iter()
            .any(|(id, _)| *id == promo));
        call(&app, &cc, "POST", PAY, &pay_with(&o2, &promo, 0))
            .await
            .assert_error(400, "CBC.99003108");
        // Ended promotions are not offered either.
        app.clock.advance(11 * DAY);
        let (o3, _) = place(
            &app,
            &w.c.customer_id,
            vec![item(
                "evs-ssd",
                pc_domain::orders::PeriodType::Month,
                1,
                1,
                Some(10),
            )],
        )
        .await;
        assert!(!discounts_of(&app, &cc, &o3)
            .await
            .iter()
            .any(|(id, _)| *id == other));
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn operators_manage_promotions_in_the_console() {
    for app in apps("promocon").await {
        let w = world(&app).await;
        let ops = pc_app::services::identity::create_operator(
            &app.db,
            common::ctx(),
            pc_app::services::identity::Credentials {
                login: "promo-op".into(),
                password: "Passw0rd!-op".into(),
            },
        )
        .await
        .unwrap();
        let _ = ops;
        let s = app.console_login("promo-op", "Passw0rd!-op").await;
        let page = app.console_get(&s, "/console/promotions").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let day = |ms: i64| pc_domain::timefmt::format_date(pc_domain::timefmt::cn_date(ms));
        let (first, last) = (day(NOW_MS), day(NOW_MS + 7 * DAY));
        let bad = app
            .console_post(
                &s,
                "/console/promotions",
                &[
                    ("name", "Spring"),
                    ("ratio", "85"),
                    ("first_day", &first),
                    ("last_day", &last),
                ],
            )
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        assert!(bad.body.contains(r#"id="promotion-form-ratio-error""#));
        let ok = app
            .console_post(
                &s,
                "/console/promotions",
                &[
                    ("name", "Spring"),
                    ("product_id", ""),
                    ("ratio", "8.5折"),
                    ("first_day", &first),
                    ("last_day", &last),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let list = app.console_get(&s, "/console/promotions").await;
        assert!(list.body.contains("data-status=\"live\""), "{}", list.body);
        let id = list
            .body
            .split("data-promotion=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string();
        // A customer sees it on its pending order's payment page.
        fund(&app, &w.d.partner_id, &w.c.customer_id, 10_000).await;
        let (o, _) = place_ecs_month(&app, &w.c.customer_id).await;
        let cs = app.console_login(&w.c.login, "Passw0rd!").await;
        let pay = app.console_get(&cs, &format!("/console/orders/{o}")).await;
        assert!(
            pay.body.contains(&format!("value=\"{id}\"")),
            "{}",
            pay.body
        );
        let paid = app
            .console_post(
                &cs,
                &format!("/console/orders/{o}/pay"),
                &[("discount", &id)],
            )
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let revoke = app
            .console_post(&s, &format!("/console/promotions/{id}/revoke"), &[])
            .await;
        assert_eq!(revoke.status, 303, "{}", revoke.body);
        let list = app.console_get(&s, "/console/promotions").await;
        assert!(list.body.contains("data-status=\"revoked\""));
        // Customers cannot reach the page.
        assert_eq!(
            app.console_get(&cs, "/console/promotions").await.status,
            403
        );
        app.assert_ledger_clean().await;
    }
}

async fn adjust(
    app: &TestApp,
    ctx: Ctx,
    order: &str,
    cents: i64,
    reason: &str,
) -> Result<(), String> {
    let a = adjustments::PriceAdjustment {
        order_id: order.into(),
        amount: Money::from_cents(cents),
        reason: reason.into(),
    };
    adjustments::set(&app.db, ctx, a)
        .await
        .map(drop)
        .map_err(|e| e.code.vendor_code().to_string())
}

#[tokio::test]
async fn price_adjustments_must_be_used() {
    for app in apps("adj").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        let grant = grant_all(&app, &w.d.partner_id, &w.c.customer_id, "0.9").await;
        let (o, _) = place_ecs_month(&app, &w.c.customer_id).await;
        // Refusals: not an operator, no reason, not less than the price, unknown order.
        let partner_ctx = partner_ctx(&w.d.partner_id);
        assert_eq!(
            adjust(&app, partner_ctx, &o, 500, "deal")
                .await
                .unwrap_err(),
            "CBC.0151"
        );
        assert_eq!(
            adjust(&app, operator_ctx(), &o, 500, " ")
                .await
                .unwrap_err(),
            "CBC.0100"
        );
        assert_eq!(
            adjust(&app, operator_ctx(), &o, 3_500, "all")
                .await
                .unwrap_err(),
            "CBC.0100"
        );
        assert_eq!(
            adjust(&app, operator_ctx(), "CSNOPE", 100, "x")
                .await
                .unwrap_err(),
            "CBC.30000010"
        );
        adjust(&app, operator_ctx(), &o, 500, "negotiated")
            .await
            .unwrap();
        // The adjustment is the only discount offered, as an amount off.
        let r = call(&app, &cc, "GET", &format!("{DISCOUNTS}?order_id={o}"), "").await;
        let j = r.json();
        let list = j["discounts"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{j}");
        assert_eq!(list[0]["discount_type"], 609);
        assert_eq!(list[0]["discount_id"], o.as_str());
        assert_eq!(list[0]["discount_value"], "5.00");
        assert_eq!(
            list[0]["orders"][0]["order_line_items"][0]["discount_mode"],
            2
        );
        // Another discount cannot replace it; paying without naming one uses it.
        call(&app, &cc, "POST", PAY, &pay_with(&o, &grant, 3))
            .await
            .assert_error(400, "CBC.99003108");
        let r = call(&app, &cc, "POST", PAY, &pay_body(&o)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let d = call(&app, &cc, "GET", &format!("{DETAILS}/{o}"), "")
            .await
            .json();
        let ai = &d["order_info"]["amount_info"]["discounts"][0];
        assert_eq!(ai["discount_type"], "609");
        assert_eq!(ai["discount_amount"].to_string(), "5.00");
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(20_000 - 3_000)
        );
        // A paid order is not adjusted any more.
        assert_eq!(
            adjust(&app, operator_ctx(), &o, 100, "late")
                .await
                .unwrap_err(),
            "CBC.99003106"
        );

        // The console: an operator adjusts and clears; everyone who sees the order sees it.
        pc_app::services::identity::create_operator(
            &app.db,
            common::ctx(),
            pc_app::services::identity::Credentials {
                login: "adj-op".into(),
                password: "Passw0rd!-op".into(),
            },
        )
        .await
        .unwrap();
        let s = app.console_login("adj-op", "Passw0rd!-op").await;
        let (o2, _) = place_ecs_month(&app, &w.c.customer_id).await;
        let path = format!("/console/orders/{o2}/adjust");
        let bad = app
            .console_post(&s, &path, &[("amount", "abc"), ("reason", "x")])
            .await;
        assert_eq!(bad.status, 400, "{}", bad.body);
        let ok = app
            .console_post(
                &s,
                &path,
                &[("amount", "3.50"), ("reason", "loyal customer")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        let cs = app.console_login(&w.c.login, "Passw0rd!").await;
        let page = app.console_get(&cs, &format!("/console/orders/{o2}")).await;
        assert!(
            page.body.contains("id=\"order-adjustment\"") && page.body.contains("loyal customer"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("id=\"adjust-form\""),
            "customers cannot adjust"
        );
        assert_eq!(
            app.console_post(&cs, &path, &[("amount", "1.00"), ("reason", "me")])
                .await
                .status,
            403
        );
        let cleared = app.console_post(&s, &path, &[("clear", "1")]).await;
        assert_eq!(cleared.status, 303, "{}", cleared.body);
        assert!(adjustments::of_order(app.db.read(), &o2)
            .await
            .unwrap()
            .is_none());
        let audits: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM audit_log WHERE target_id = $1 AND action LIKE 'orders.%adjust%'",
        )
        .bind(&o2)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(audits, 2);
        app.assert_ledger_clean().await;
    }
}
