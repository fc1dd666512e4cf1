//! Operator promotions (discount type 0, fee item 700) on SQLite and PostgreSQL: offered beside
//! partner discounts in list_order_discounts and in quotes (never as the best offer), paid with
//! type 0 and recorded as 700, refused when named with the wrong type or once revoked; only
//! operators create them; the operator's console page.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::{orders, promotions};
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
    app.db
        .write(move |c| Box::pin(async move { promotions::create(c, &ctx, p).await }))
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
        let partner_ctx = Ctx::new(
            Actor::Partner {
                partner_id: w.d.partner_id.clone(),
                root_id: w.d.partner_id.clone(),
                user_id: None,
                role: pc_domain::party::Role::PartnerAdmin,
            },
            "req",
            NOW_MS,
        );
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
        let (pid, cid) = (w.d.partner_id.clone(), w.c.customer_id.clone());
        let grant = app
            .db
            .write(move |c| {
                Box::pin(async move {
                    orders::grant_discount(
                        c,
                        &common::ctx(),
                        &pid,
                        &cid,
                        None,
                        Ratio::parse("0.9").unwrap(),
                    )
                    .await
                })
            })
            .await
            .unwrap();
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
        let id = promo.clone();
        app.db
            .write(move |c| {
                Box::pin(async move { promotions::revoke(c, &operator_ctx(), &id).await })
            })
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
            "promo-op".into(),
            "Passw0rd!-op".into(),
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
        assert!(bad.body.contains("promotion-error"));
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
