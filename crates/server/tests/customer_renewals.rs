//! Renewal quotes and settings of a customer's own resources through the vendor API, in process,
//! on SQLite and PostgreSQL: list_renew_rate_on_period (priced as the renewal prices, the vendor's
//! per-resource failures) and set_resources_renew_config (the deduction date the renewal job
//! follows).

mod common;

use common::shop::{self, buy, call};
use common::*;
use pc_app::{Actor, Ctx};
use serde_json::Value;

const RENEW: &str = "/v2/orders/subscriptions/resources/renew";

fn s<'a>(v: &'a Value, f: &str) -> &'a str {
    v[f].as_str().unwrap_or_default()
}

const RENEW_RATE: &str = "/v2/bills/ratings/period-resources/renew-rate";
const RENEW_CONFIG: &str = "/v2/orders/subscriptions/resources/renew/config";
const AUTO_RENEW: &str = "/v2/orders/subscriptions/resources/autorenew";

fn rate_body(ids: &[&str], t: i64, n: i64) -> String {
    serde_json::json!({"resource_ids": ids, "period_type": t, "period_num": n}).to_string()
}

/// Funds `customer` through `partner` with `cents` and buys it a one-month small ECS; returns
/// its credentials and the resource.
async fn funded_ecs(
    app: &TestApp,
    partner: &str,
    customer: &pc_app::services::customers::CreatedCustomer,
    cents: i64,
) -> (Creds, String) {
    let creds = Creds::from(customer);
    shop::fund(app, partner, &customer.customer_id, cents).await;
    let month = pc_domain::orders::PeriodType::Month;
    let (_, r) = buy(
        app,
        &creds,
        &customer.customer_id,
        vec![shop::item("ecs-s6-small-1-linux", month, 1, 1, None)],
    )
    .await;
    (creds, r[0].clone())
}

/// list_renew_rate_on_period: each resource at what its renewal charges, the discount the
/// customer could choose, the vendor's per-resource failures, and the refusals.
#[tokio::test]
async fn renewal_quotes() {
    use pc_domain::orders::PeriodType::Year;
    for app in apps("cust_renew_rate").await {
        let w = app.orders_world("rate").await;
        let (c, x) = funded_ecs(&app, &w.d.partner_id, &w.c, 1_000_000).await;
        let (_, y) = buy(
            &app,
            &c,
            &w.c.customer_id,
            vec![shop::item("rds-mysql-2u4g", Year, 1, 1, None)],
        )
        .await;
        let (_, z) = funded_ecs(&app, &w.r.partner_id, &w.rc, 100_000).await;
        let y = y[0].clone();

        let r = call(&app, &c, "POST", RENEW_RATE, &rate_body(&[&x, &y], 2, 3)).await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["currency"], "CNY");
        let res = j["renew_inquiry_results"].as_array().unwrap();
        assert_eq!(
            (s(&res[0], "resource_id"), s(&res[0], "amount")),
            (x.as_str(), "105.00")
        );
        assert_eq!(
            (s(&res[1], "resource_id"), s(&res[1], "amount")),
            (y.as_str(), "780.00")
        );
        assert_eq!(
            s(
                &j["official_website_rating_result"],
                "official_website_amount"
            ),
            "885.00"
        );
        assert!(j["fail_resource_infos"].as_array().unwrap().is_empty());
        assert!(j["optional_discount_rating_results"]
            .as_array()
            .unwrap()
            .is_empty());
        let r = call(&app, &c, "POST", RENEW_RATE, &rate_body(&[&x], 3, 1)).await;
        assert_eq!(s(&r.json()["renew_inquiry_results"][0], "amount"), "357.00");

        // A discount the partner grants is offered, as on any quote.
        let g = pc_app::services::orders::DiscountGrant {
            customer_id: w.c.customer_id.clone(),
            product_id: None,
            ratio: pc_domain::orders::Ratio::from_bp(9000).unwrap(),
        };
        pc_app::services::orders::grant_discount(&app.db, app.as_partner(&w.d.partner_id), g)
            .await
            .unwrap();
        let r = call(&app, &c, "POST", RENEW_RATE, &rate_body(&[&x, &y], 2, 3)).await;
        let d = &r.json()["optional_discount_rating_results"][0];
        assert_eq!(
            [
                s(d, "official_website_amount"),
                s(d, "discount_amount"),
                s(d, "amount")
            ],
            ["885.00", "88.50", "796.50"]
        );
        assert_eq!(
            (d["best_offer"].as_i64(), d["discount_type"].as_i64()),
            (Some(1), Some(607))
        );

        // What the renewal then charges is what was quoted.
        let before = shop::customer_balance(&app, &w.c.customer_id).await;
        let body = serde_json::json!({"resource_ids": [x], "period_type": 2, "period_num": 3, "is_auto_pay": 1});
        let r = call(&app, &c, "POST", RENEW, &body.to_string()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let after = shop::customer_balance(&app, &w.c.customer_id).await;
        assert_eq!(before.cents() - after.cents(), 10_500);

        // Per resource: another customer's, an unknown id, one in an order pending payment.
        let body = serde_json::json!({"resource_ids": [y], "period_type": 2, "period_num": 1, "is_auto_pay": 0});
        let r = call(&app, &c, "POST", RENEW, &body.to_string()).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let r = call(
            &app,
            &c,
            "POST",
            RENEW_RATE,
            &rate_body(&[&x, &z, "nope", &y], 2, 1),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["renew_inquiry_results"].as_array().unwrap().len(), 1);
        assert_eq!(
            s(
                &j["official_website_rating_result"],
                "official_website_amount"
            ),
            "35.00"
        );
        let fails: Vec<(String, String)> = j["fail_resource_infos"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    s(f, "resource_id").to_string(),
                    s(f, "error_code").to_string(),
                )
            })
            .collect();
        assert_eq!(
            fails,
            [
                (z.clone(), "CBC.30050009".to_string()),
                ("nope".to_string(), "CBC.30050009".to_string()),
                (y.clone(), "CBC.30050010".to_string()),
            ]
        );
        assert!(!r.body.contains(&w.rc.customer_id));
        // A frozen resource: the quote table's "资源被锁定".
        shop::set_resource(&app, "UPDATE resources SET status = 4 WHERE id = $1", &x).await;
        let r = call(&app, &c, "POST", RENEW_RATE, &rate_body(&[&x], 2, 1)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(s(&j["fail_resource_infos"][0], "error_code"), "CBC.3002");
        assert!(j["renew_inquiry_results"].as_array().unwrap().is_empty());
        shop::set_resource(&app, "UPDATE resources SET status = 2 WHERE id = $1", &x).await;

        // Refusals.
        for (body, code) in [
            (rate_body(&[&x, &x], 2, 1), "CBC.30050012"),
            (rate_body(&[&x], 2, 12), "CBC.0100"),
            (rate_body(&[&x], 3, 4), "CBC.0100"),
            (rate_body(&[&x], 1, 1), "CBC.0100"),
            (rate_body(&[], 2, 1), "CBC.0100"),
            (
                r#"{"period_type":2,"period_num":1}"#.to_string(),
                "CBC.0100",
            ),
        ] {
            let r = call(&app, &c, "POST", RENEW_RATE, &body).await;
            assert_eq!(
                (r.status, s(&r.json(), "error_code").to_string()),
                (400, code.to_string()),
                "{body}: {}",
                r.body
            );
        }
        let r = call(
            &app,
            &Creds::from(&w.d),
            "POST",
            RENEW_RATE,
            &rate_body(&[&x], 2, 1),
        )
        .await;
        assert_eq!(
            (r.status, s(&r.json(), "error_code").to_string()),
            (403, "CBC.0155".into())
        );
    }
}

/// set_resources_renew_config: the deduction date is kept and audited, and the renewal job
/// renews that customer's auto-renewing resources that many days before expiry (others' at
/// expiry); an unsupported or bad setting is refused and writes nothing.
#[tokio::test]
async fn renewal_deduction_date() {
    for app in apps("cust_renew_config").await {
        let w = app.orders_world("rcfg").await;
        let (c, x) = funded_ecs(&app, &w.d.partner_id, &w.c, 100_000).await;
        let (rc, z) = funded_ecs(&app, &w.r.partner_id, &w.rc, 100_000).await;
        for (creds, id) in [(&c, &x), (&rc, &z)] {
            let r = call(&app, creds, "POST", &format!("{AUTO_RENEW}/{id}"), "{}").await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        let audits = || async {
            pc_app::store::sql::query_scalar::<i64>(
                "SELECT COUNT(*) FROM audit_log WHERE action = 'subscriptions.set_renew_config'",
            )
            .fetch_one(app.db.read())
            .await
            .unwrap()
        };
        // Refused settings write nothing.
        for (body, status, code) in [
            (
                r#"{"config_name":"EXPIRE_DATE","config_value":"15"}"#,
                400,
                "PC.1107",
            ),
            (
                r#"{"config_name":"EXPIRE_DATE","config_value":"30"}"#,
                400,
                "CBC.0100",
            ),
            (
                r#"{"config_name":"DEDUCTION_DATE","config_value":"8"}"#,
                400,
                "CBC.0100",
            ),
            (r#"{"config_name":"DEDUCTION_DATE"}"#, 400, "CBC.0100"),
            (
                r#"{"config_name":"RENEW","config_value":"3"}"#,
                400,
                "CBC.0100",
            ),
        ] {
            let r = call(&app, &c, "POST", RENEW_CONFIG, body).await;
            assert_eq!(
                (r.status, s(&r.json(), "error_code").to_string()),
                (status, code.to_string()),
                "{body}: {}",
                r.body
            );
        }
        let r = call(
            &app,
            &Creds::from(&w.d),
            "POST",
            RENEW_CONFIG,
            r#"{"config_name":"DEDUCTION_DATE","config_value":"7"}"#,
        )
        .await;
        assert_eq!(
            (r.status, s(&r.json(), "error_code").to_string()),
            (403, "CBC.0155".into())
        );
        assert_eq!(audits().await, 0);
        // Set twice (the second the same): the same setting, each audited.
        for _ in 0..2 {
            let r = call(
                &app,
                &c,
                "POST",
                RENEW_CONFIG,
                r#"{"config_name":"DEDUCTION_DATE","config_value":"7"}"#,
            )
            .await;
            assert_eq!(r.status, 200, "{}", r.body);
            assert_eq!(
                (s(&r.json(), "error_code"), s(&r.json(), "error_msg")),
                ("CBC.0000", "success")
            );
        }
        assert_eq!(audits().await, 2);
        let days: i64 = pc_app::store::sql::query_scalar(
            "SELECT deduction_days FROM renew_configs WHERE customer_id = $1",
        )
        .bind(&w.c.customer_id)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(days, 7);

        // Six days before expiry the job renews `x` (its customer set 7 days) and not `z`.
        let expiry = |creds: &Creds, id: &str| {
            let body = serde_json::json!({"resource_ids": [id]});
            let (app, creds) = (&app, creds.clone());
            async move {
                let j = shop::resources_of(app, &creds, body).await;
                let e =
                    pc_domain::timefmt::parse_utc(j["data"][0]["expire_time"].as_str().unwrap())
                        .unwrap();
                (e, j["data"][0]["status"].as_i64().unwrap())
            }
        };
        let (x_exp, _) = expiry(&c, &x).await;
        let (z_exp, _) = expiry(&rc, &z).await;
        let at = x_exp - 6 * 86_400_000;
        let before = shop::customer_balance(&app, &w.c.customer_id).await;
        let job = Ctx::new(Actor::System { name: "job".into() }, "job-renew", at);
        let rep = pc_app::services::subscriptions::renewal::run_renewal_job(&app.db, job)
            .await
            .unwrap();
        assert_eq!(rep.renewed, [x.as_str()], "{}: {rep:?}", app.engine);
        assert!(
            rep.expired.is_empty() && rep.pending_orders.is_empty(),
            "{rep:?}"
        );
        let (x_new, x_status) = expiry(&c, &x).await;
        assert!(x_new > x_exp + 27 * 86_400_000, "renewed from its expiry");
        assert_eq!(x_status, 2);
        assert_eq!(
            before.cents() - shop::customer_balance(&app, &w.c.customer_id).await.cents(),
            3500
        );
        assert_eq!(expiry(&rc, &z).await, (z_exp, 2));
        // Run again at the same time: nothing more is due.
        let job = Ctx::new(Actor::System { name: "job".into() }, "job-renew-2", at);
        let rep = pc_app::services::subscriptions::renewal::run_renewal_job(&app.db, job)
            .await
            .unwrap();
        assert!(rep.renewed.is_empty() && rep.expired.is_empty(), "{rep:?}");
        app.assert_ledger_clean().await;
    }
}
