//! Catalogue and yearly/monthly orders through the vendor API, in process, on SQLite and
//! PostgreSQL: list_service_types, list_resource_types, list_rate_on_period_detail,
//! list_customer_orders, show_customer_order_details, list_order_discounts, pay_orders (v3),
//! cancel_customer_order (PUT), the order-expiry job: exact fields, error codes, foreign ids,
//! customer-only operations, idempotency and concurrent pay/cancel races.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::orders;
use pc_app::services::partners::CreatedPartner;
use pc_app::services::{coupons, identity};
use pc_app::store::sql;
use pc_app::{Actor, Ctx};
use pc_domain::coupons::QuotaType;
use pc_domain::orders::{PeriodType, Ratio, PAYMENT_WINDOW_MS};
use pc_domain::{timefmt, Money};
use serde_json::Value;

const ORDERS: &str = "/v2/orders/customer-orders";
const DETAILS: &str = "/v2/orders/customer-orders/details";
const DISCOUNTS: &str = "/v2/orders/customer-orders/order-discounts";
const CANCEL: &str = "/v2/orders/customer-orders/cancel";
const RATE: &str = "/v2/bills/ratings/period-resources/subscribe-rate";

fn digits(v: &Value) -> String {
    assert!(v.is_number(), "not a number: {v}");
    v.to_string()
}

async fn grant(
    app: &TestApp,
    partner_id: &str,
    customer_id: &str,
    product: Option<&str>,
    ratio: &str,
) -> String {
    let g = orders::DiscountGrant {
        customer_id: customer_id.into(),
        product_id: product.map(str::to_string),
        ratio: Ratio::parse(ratio).unwrap(),
    };
    orders::grant_discount(&app.db, app.as_partner(partner_id), g)
        .await
        .unwrap()
        .grant
        .id
}

fn pay_discount_body(order_id: &str, discount_id: &str) -> String {
    format!(
        r#"{{"order_id": "{order_id}", "use_coupon": "NO", "use_discount": "YES", "discount_infos": [{{"id": "{discount_id}", "type": 3}}]}}"#
    )
}

async fn order_json(app: &TestApp, creds: &Creds, order_id: &str) -> Value {
    let r = call(app, creds, "GET", &format!("{DETAILS}/{order_id}"), "").await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
    r.json()
}

#[tokio::test]
async fn catalogue_types_and_quotes() {
    for app in apps("ocat").await {
        let w = world(&app).await;
        let (dc, cc) = (Creds::from(&w.d), Creds::from(&w.c));

        let r = call(&app, &dc, "GET", "/v2/products/service-types?limit=100", "").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 6);
        let ecs = &j["service_types"][0];
        assert_eq!(ecs["service_type_code"], "hws.service.type.ec2");
        assert_eq!(ecs["service_type_name"], "弹性云服务器");
        assert_eq!(ecs["abbreviation"], "ECS");
        assert_eq!(ecs.as_object().unwrap().len(), 3);
        let en = app
            .send(signed(
                &dc,
                "GET",
                "/v2/products/service-types?service_type_name=storage",
                "",
                NOW_MS,
                &[("x-language", "en_US")],
            ))
            .await
            .json();
        assert_eq!(en["total_count"], 1, "{en}");
        assert_eq!(
            en["service_types"][0]["service_type_name"],
            "Object Storage Service"
        );
        let page = call(&app, &dc, "GET", "/v2/products/service-types?offset=5", "")
            .await
            .json();
        assert_eq!(page["total_count"], 6);
        assert_eq!(page["service_types"].as_array().unwrap().len(), 1);
        call(&app, &dc, "GET", "/v2/products/service-types?limit=0", "")
            .await
            .assert_error(400, "CBC.0100");

        let rt = call(&app, &cc, "GET", "/v2/products/resource-types?limit=3", "")
            .await
            .json();
        assert_eq!(rt["total_count"], 7);
        assert_eq!(
            rt["resource_types"][0]["resource_type_code"],
            "hws.resource.type.vm"
        );
        assert_eq!(
            rt["resource_types"][0]["service_type_code"],
            "hws.service.type.ec2"
        );
        assert_eq!(rt["resource_types"][0]["resource_type_name"], "云主机");
        assert!(rt["resource_types"][0]["resource_type_desc"].is_string());

        // Quotes: the partner sees list prices only.
        let body = |extra: &str| {
            format!(
                r#"{{"project_id": "p1", "product_infos": [
                {{"id": "a", "cloud_service_type": "hws.service.type.ec2", "resource_type": "hws.resource.type.vm",
                  "resource_spec": "s6.small.1.linux", "region": "cn-north-4", "period_type": 3, "period_num": 1, "subscription_num": 2}},
                {{"id": "b", "cloud_service_type": "hws.service.type.ebs", "resource_type": "hws.resource.type.volume",
                  "resource_spec": "SSD", "region": "cn-north-4", "resource_size": 40, "size_measure_id": 17,
                  "period_type": 2, "period_num": 3, "subscription_num": 1}}{extra}]}}"#
            )
        };
        let q = call(&app, &dc, "POST", RATE, &body("")).await;
        assert_eq!(q.status, 200, "{}: {}", app.engine, q.body);
        let j = q.json();
        let off = &j["official_website_rating_result"];
        // 357.00 × 2 + 1.00 × 40 GB × 3 months = 714.00 + 120.00.
        assert_eq!(digits(&off["official_website_amount"]), "834.00");
        assert_eq!(off["measure_id"], 1);
        assert_eq!(off["product_rating_results"][0]["id"], "a");
        assert_eq!(
            off["product_rating_results"][0]["product_id"],
            "ecs-s6-small-1-linux"
        );
        assert_eq!(
            digits(&off["product_rating_results"][1]["official_website_amount"]),
            "120.00"
        );
        assert_eq!(j["currency"], "CNY");
        assert_eq!(
            j["optional_discount_rating_results"]
                .as_array()
                .unwrap()
                .len(),
            0
        );

        // The customer sees its partner's discounts; the larger one is the best offer.
        let all = grant(&app, &w.d.partner_id, &w.c.customer_id, None, "0.9").await;
        let ecs_only = grant(
            &app,
            &w.d.partner_id,
            &w.c.customer_id,
            Some("ecs-s6-small-1-linux"),
            "0.8",
        )
        .await;
        let j = call(&app, &cc, "POST", RATE, &body("")).await.json();
        let ds = j["optional_discount_rating_results"].as_array().unwrap();
        assert_eq!(ds.len(), 2, "{j}");
        let by = |id: &str| ds.iter().find(|d| d["discount_id"] == id).unwrap().clone();
        let (a, e) = (by(&all), by(&ecs_only));
        // 10% of 834.00 = 83.40; 20% of 714.00 = 142.80.
        assert_eq!(digits(&a["discount_amount"]), "83.40");
        assert_eq!(digits(&a["amount"]), "750.60");
        assert_eq!(digits(&e["discount_amount"]), "142.80");
        assert_eq!(digits(&e["amount"]), "691.20");
        assert_eq!(
            (a["best_offer"].clone(), e["best_offer"].clone()),
            (0.into(), 1.into())
        );
        assert_eq!(e["discount_type"], 607);
        assert_eq!(
            digits(&e["product_rating_results"][1]["discount_amount"]),
            "0.00"
        );
        assert_eq!(digits(&e["official_website_amount"]), "834.00");

        // Errors.
        call(&app, &dc, "POST", RATE, r#"{"product_infos": []}"#)
            .await
            .assert_error(400, "CBC.0100");
        let missing_project = body("").replace(r#""project_id": "p1","#, "");
        call(&app, &dc, "POST", RATE, &missing_project)
            .await
            .assert_error(400, "CBC.0100");
        call(
            &app,
            &dc,
            "POST",
            RATE,
            &body("").replace("s6.small.1.linux", "s6.nope"),
        )
        .await
        .assert_error(400, "CBC.99006006");
        call(
            &app,
            &dc,
            "POST",
            RATE,
            &body("").replace(r#""resource_size": 40, "#, ""),
        )
        .await
        .assert_error(400, "CBC.0100");
        call(
            &app,
            &dc,
            "POST",
            RATE,
            &body("").replace(r#""period_type": 3"#, r#""period_type": 0"#),
        )
        .await
        .assert_error(400, "CBC.0100");
        call(
            &app,
            &dc,
            "POST",
            RATE,
            &body("").replace(r#""id": "b""#, r#""id": "a""#),
        )
        .await
        .assert_error(400, "CBC.0100");
        call(&app, &dc, "POST", RATE, "not json")
            .await
            .assert_error(400, "CBC.0100");
        let _ = (&w.r, &w.o, &w.rc, &w.cc, &w.oc);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn list_and_show_orders_by_scope() {
    for app in apps("olist").await {
        let w = world(&app).await;
        let (dc, rc_, oc_, cc, rcc) = (
            Creds::from(&w.d),
            Creds::from(&w.r),
            Creds::from(&w.o),
            Creds::from(&w.c),
            Creds::from(&w.rc),
        );
        let (o1, a1) = place(
            &app,
            &w.c.customer_id,
            vec![item("ecs-s6-small-1-linux", PeriodType::Year, 1, 1, None)],
        )
        .await;
        app.clock.advance(1000);
        let (o2, _) = place(
            &app,
            &w.c.customer_id,
            vec![
                item("evs-ssd", PeriodType::Month, 2, 1, Some(100)),
                item("vpc-eip-bgp", PeriodType::Month, 2, 1, None),
            ],
        )
        .await;
        let (o3, _) = place(
            &app,
            &w.rc.customer_id,
            vec![item("obs-standard-100g", PeriodType::Month, 1, 1, None)],
        )
        .await;
        let (o4, _) = place(
            &app,
            &w.oc.customer_id,
            vec![item("obs-standard-100g", PeriodType::Month, 1, 1, None)],
        )
        .await;
        assert_eq!(a1, Money::from_cents(35_700));

        // The partner sees its own customers' orders, newest first.
        let r = call(&app, &dc, "GET", ORDERS, "").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 2);
        let list = j["order_infos"].as_array().unwrap();
        assert_eq!(list[0]["order_id"], o2.as_str());
        let first = &list[1];
        assert_eq!(first["order_id"], o1.as_str());
        assert_eq!(first["customer_id"], w.c.customer_id.as_str());
        assert_eq!(first["service_type_code"], "hws.service.type.ec2");
        assert_eq!(first["service_type_name"], "弹性云服务器");
        assert_eq!(first["source_type"], 1);
        assert_eq!(first["status"], 6);
        assert_eq!(first["order_type"], 1);
        assert_eq!(digits(&first["official_amount"]), "357.00");
        assert_eq!(digits(&first["amount_after_discount"]), "357.00");
        assert_eq!(first["measure_id"], 1);
        assert_eq!(first["currency"], "CNY");
        assert_eq!(first["create_time"], timefmt::format_utc(NOW_MS).as_str());
        assert!(first["payment_time"].is_null());
        assert_eq!(
            first["amount_info"]["discounts"].as_array().unwrap().len(),
            0
        );
        assert_eq!(digits(&first["amount_info"]["coupon_amount"]), "0.00");
        // Filters (order_type is a string in the query).
        let f = |q: &str| format!("{ORDERS}?{q}");
        let n = |r: Resp| {
            assert_eq!(r.status, 200, "{}", r.body);
            r.json()["total_count"].as_i64().unwrap()
        };
        assert_eq!(
            n(call(&app, &dc, "GET", &f("order_type=1&status=6"), "").await),
            2
        );
        assert_eq!(n(call(&app, &dc, "GET", &f("order_type=2"), "").await), 0);
        assert_eq!(
            n(call(
                &app,
                &dc,
                "GET",
                &f(&format!("order_id={}", o1.to_lowercase())),
                ""
            )
            .await),
            1
        );
        assert_eq!(
            n(call(
                &app,
                &dc,
                "GET",
                &f("service_type_code=HWS.SERVICE.TYPE.EBS"),
                ""
            )
            .await),
            1
        );
        assert_eq!(n(call(&app, &dc, "GET", &f("status=5"), "").await), 0);
        assert_eq!(
            n(call(&app, &dc, "GET", &f("status=&order_type="), "").await),
            2
        );
        assert_eq!(
            n(call(&app, &dc, "GET", &f("method=sub_customer"), "").await),
            0
        );
        let asc = call(&app, &dc, "GET", &f("order_by=createTime&limit=1"), "")
            .await
            .json();
        assert_eq!(asc["order_infos"][0]["order_id"], o1.as_str());
        assert_eq!(asc["total_count"], 2);
        let t = timefmt::format_utc(NOW_MS + 1000);
        assert_eq!(
            n(call(&app, &dc, "GET", &f(&format!("create_time_begin={t}")), "").await),
            1
        );
        assert_eq!(
            n(call(
                &app,
                &dc,
                "GET",
                &f(&format!("customer_id={}", w.oc.customer_id)),
                ""
            )
            .await),
            0
        );
        for bad in [
            "status=7",
            "status=x",
            "order_type=5",
            "limit=0",
            "limit=101",
            "offset=-1",
            "order_by=name",
            "create_time_begin=yesterday",
            "create_time_begin=2025-01-01T00:00:00Z&create_time_end=2026-06-01T00:00:00Z",
            "method=all",
        ] {
            call(&app, &dc, "GET", &f(bad), "")
                .await
                .assert_error(400, "CBC.0100");
        }

        // A distributor names its reseller; others may not.
        let j = call(
            &app,
            &dc,
            "GET",
            &f(&format!("indirect_partner_id={}", w.r.partner_id)),
            "",
        )
        .await
        .json();
        assert_eq!(j["total_count"], 1);
        assert_eq!(j["order_infos"][0]["order_id"], o3.as_str());
        call(
            &app,
            &dc,
            "GET",
            &f(&format!("indirect_partner_id={}", w.o.partner_id)),
            "",
        )
        .await
        .assert_error(400, "CBC.99000037");
        call(
            &app,
            &rc_,
            "GET",
            &f(&format!("indirect_partner_id={}", w.d.partner_id)),
            "",
        )
        .await
        .assert_error(400, "CBC.99000037");
        let mine = call(&app, &rc_, "GET", ORDERS, "").await.json();
        assert_eq!(mine["total_count"], 1);
        // The customer sees only its own.
        let j = call(&app, &rcc, "GET", ORDERS, "").await.json();
        assert_eq!(j["total_count"], 1);
        assert_eq!(
            call(&app, &cc, "GET", ORDERS, "").await.json()["total_count"],
            2
        );

        // Details, with lines.
        let j = order_json(&app, &dc, &o2).await;
        assert_eq!(j["total_count"], 2);
        let info = &j["order_info"];
        assert_eq!(info["order_id"], o2.as_str());
        assert_eq!(digits(&info["official_amount"]), "240.00");
        assert_eq!(info["user_name"], "ord-cust");
        assert_eq!(
            info["pending_payment_end_time"],
            timefmt::format_utc(NOW_MS + 1000 + PAYMENT_WINDOW_MS).as_str()
        );
        let l0 = &j["order_line_items"][0];
        assert_eq!(l0["order_line_item_id"], format!("{o2}-1").as_str());
        assert_eq!(l0["product_id"], "evs-ssd");
        assert_eq!(l0["period_type"], 2);
        assert_eq!(l0["period_num"], 2);
        assert_eq!(l0["subscription_num"], 1);
        assert_eq!(digits(&l0["official_amount"]), "200.00");
        assert_eq!(l0["commercial_resource"], "hws.resource.type.volume");
        assert_eq!(l0["product_owner_service"], "hws.service.type.ebs");
        assert_eq!(l0["order_id"], o2.as_str());
        assert!(l0["effective_time"].is_null());
        let paged = call(
            &app,
            &dc,
            "GET",
            &format!("{DETAILS}/{o2}?offset=1&limit=1"),
            "",
        )
        .await
        .json();
        assert_eq!(paged["order_line_items"].as_array().unwrap().len(), 1);
        assert_eq!(paged["order_line_items"][0]["product_id"], "vpc-eip-bgp");
        let en = app
            .send(signed(
                &dc,
                "GET",
                &format!("{DETAILS}/{o2}"),
                "",
                app_now(&app),
                &[("x-language", "en_US")],
            ))
            .await
            .json();
        assert_eq!(
            en["order_info"]["service_type_name"],
            "Elastic Volume Service"
        );
        // Foreign and unknown ids are the same invalid order.
        for (creds, id) in [
            (&dc, &o4),
            (&oc_, &o1),
            (&rcc, &o1),
            (&cc, &o3),
            (&dc, &"CSNOPE".to_string()),
        ] {
            call(&app, creds, "GET", &format!("{DETAILS}/{id}"), "")
                .await
                .assert_error(400, "CBC.30000010");
        }
        assert_eq!(
            order_json(&app, &rcc, &o3.to_lowercase()).await["order_info"]["status"],
            6
        );
        let via = call(
            &app,
            &dc,
            "GET",
            &format!("{DETAILS}/{o3}?indirect_partner_id={}", w.r.partner_id),
            "",
        )
        .await;
        assert_eq!(via.status, 200, "{}", via.body);
        let _ = &w.cc;
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn partner_places_on_behalf_of_resale_customers_only() {
    for app in apps("oplace").await {
        let w = world(&app).await;
        let as_partner = |p: &CreatedPartner| {
            Ctx::new(
                Actor::Partner {
                    partner_id: p.partner_id.clone(),
                    root_id: p.partner_id.clone(),
                    user_id: None,
                    role: pc_domain::party::Role::PartnerAdmin,
                },
                "r",
                NOW_MS,
            )
        };
        let try_place = |ctx: Ctx, cid: String| {
            let o = orders::OrderFor {
                customer_id: cid,
                items: vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
            };
            orders::place_order_for(&app.db, ctx, o)
        };
        let p = try_place(as_partner(&w.d), w.c.customer_id.clone())
            .await
            .unwrap();
        let j = order_json(&app, &Creds::from(&w.c), &p.order_id).await;
        assert_eq!(j["order_info"]["source_type"], 2);
        assert_eq!(
            try_place(as_partner(&w.d), w.cc.customer_id.clone())
                .await
                .unwrap_err()
                .code
                .vendor_code(),
            "CBC.5024"
        );
        assert_eq!(
            try_place(as_partner(&w.d), w.oc.customer_id.clone())
                .await
                .unwrap_err()
                .code
                .vendor_code(),
            "CBC.99000035"
        );
        assert_eq!(
            try_place(as_partner(&w.d), w.rc.customer_id.clone())
                .await
                .unwrap_err()
                .code
                .vendor_code(),
            "CBC.99000035"
        );
        assert_eq!(
            try_place(cust_ctx(&app, &w.c.customer_id), w.rc.customer_id.clone())
                .await
                .unwrap_err()
                .code
                .vendor_code(),
            "CBC.0151"
        );
        // Bad items write nothing.
        let e = orders::place_order(
            &app.db,
            cust_ctx(&app, &w.c.customer_id),
            vec![item("evs-ssd", PeriodType::Month, 12, 1, Some(10))],
        )
        .await
        .unwrap_err();
        assert_eq!(e.code.vendor_code(), "CBC.0100");
        assert_eq!(
            call(&app, &Creds::from(&w.c), "GET", ORDERS, "")
                .await
                .json()["total_count"],
            1
        );
        let _ = (&w.r, &w.o);
    }
}

#[tokio::test]
async fn pay_cancel_discounts_and_errors() {
    for app in apps("opay").await {
        let w = world(&app).await;
        let (dc, cc, oc) = (Creds::from(&w.d), Creds::from(&w.c), Creds::from(&w.oc));
        let (o1, _) = place(
            &app,
            &w.c.customer_id,
            vec![
                item("ecs-s6-small-1-linux", PeriodType::Year, 1, 2, None),
                item("evs-ssd", PeriodType::Year, 1, 2, Some(40)),
            ],
        )
        .await; // 714.00 + 800.00 = 1514.00
                // Partner keys cannot pay, cancel or list usable discounts.
        call(&app, &dc, "POST", PAY, &pay_body(&o1))
            .await
            .assert_error(403, "CBC.0155");
        call(
            &app,
            &dc,
            "PUT",
            CANCEL,
            &format!(r#"{{"order_id": "{o1}"}}"#),
        )
        .await
        .assert_error(403, "CBC.0155");
        call(&app, &dc, "GET", &format!("{DISCOUNTS}?order_id={o1}"), "")
            .await
            .assert_error(403, "CBC.0155");
        // Another customer's order is invalid for it.
        call(&app, &oc, "POST", PAY, &pay_body(&o1))
            .await
            .assert_error(400, "CBC.30000010");
        call(
            &app,
            &oc,
            "PUT",
            CANCEL,
            &format!(r#"{{"order_id": "{o1}"}}"#),
        )
        .await
        .assert_error(400, "CBC.30000010");
        call(&app, &oc, "GET", &format!("{DISCOUNTS}?order_id={o1}"), "")
            .await
            .assert_error(400, "CBC.30000010");
        call(&app, &cc, "GET", DISCOUNTS, "")
            .await
            .assert_error(400, "CBC.0100");
        // Shape errors.
        for bad in [
            r#"{"use_coupon": "NO", "use_discount": "NO"}"#.to_string(),
            format!(r#"{{"order_id": "{o1}", "use_coupon": "no", "use_discount": "NO"}}"#),
            format!(r#"{{"order_id": "{o1}", "use_coupon": "YES", "use_discount": "NO"}}"#),
            format!(
                r#"{{"order_id": "{o1}", "use_coupon": "NO", "use_discount": "NO", "discount_infos": [{{"id": "x", "type": 3}}]}}"#
            ),
        ] {
            call(&app, &cc, "POST", PAY, &bad)
                .await
                .assert_error(400, "CBC.0100");
        }
        // An unknown coupon is not usable for the order.
        call(
            &app,
            &cc,
            "POST",
            PAY,
            &format!(
                r#"{{"order_id": "{o1}", "use_coupon": "YES", "use_discount": "NO", "coupon_infos": [{{"id": "k", "type": 301}}]}}"#
            ),
        )
        .await
        .assert_error(400, "PC.1103");
        // Not enough money: nothing is written.
        fund(&app, &w.d.partner_id, &w.c.customer_id, 100_000).await;
        call(&app, &cc, "POST", PAY, &pay_body(&o1))
            .await
            .assert_error(400, "CBC.99005003");
        assert_eq!(order_json(&app, &cc, &o1).await["order_info"]["status"], 6);
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(100_000)
        );

        // Discounts: one all-products 0.9 and one EVS-only 0.5; the partner may not go below the floor.
        let all = grant(&app, &w.d.partner_id, &w.c.customer_id, None, "0.9").await;
        let evs = grant(
            &app,
            &w.d.partner_id,
            &w.c.customer_id,
            Some("evs-ssd"),
            "0.7",
        )
        .await;
        let floor_err = {
            let g = orders::DiscountGrant {
                customer_id: w.c.customer_id.clone(),
                product_id: None,
                ratio: Ratio::parse("0.5").unwrap(),
            };
            orders::grant_discount(&app.db, app.as_partner(&w.d.partner_id), g)
                .await
                .unwrap_err()
        };
        assert_eq!(floor_err.code.vendor_code(), "PC.1102");
        let other = grant(&app, &w.o.partner_id, &w.oc.customer_id, None, "0.8").await;
        let ds = call(&app, &cc, "GET", &format!("{DISCOUNTS}?order_id={o1}"), "").await;
        assert_eq!(ds.status, 200, "{}: {}", app.engine, ds.body);
        let j = ds.json();
        let list = j["discounts"].as_array().unwrap();
        assert_eq!(list.len(), 2, "{j}");
        let e = list
            .iter()
            .find(|d| d["discount_id"] == evs.as_str())
            .unwrap();
        assert_eq!(e["discount_value"], "0.7");
        assert_eq!(e["discount_type"], 3);
        assert_eq!(e["orders"][0]["order_id"], o1.as_str());
        let li = &e["orders"][0]["order_line_items"];
        assert_eq!(li.as_array().unwrap().len(), 1);
        assert_eq!(li[0]["order_line_item_ids"][0], format!("{o1}-2").as_str());
        assert_eq!(li[0]["discount_mode"], 0);
        assert_eq!(digits(&li[0]["discount_amount"]), "240.00");
        assert_eq!(digits(&li[0]["discount_ratio"]), "0.7");
        // A discount that is not usable (another partner's) is refused.
        call(&app, &cc, "POST", PAY, &pay_discount_body(&o1, &other))
            .await
            .assert_error(400, "CBC.99003108");
        call(&app, &cc, "POST", PAY, &pay_discount_body(&o1, "nope"))
            .await
            .assert_error(400, "CBC.99003108");

        // Pay with the all-products discount: 1514.00 × 0.9 = 1362.60.
        fund(&app, &w.d.partner_id, &w.c.customer_id, 100_000).await;
        app.clock.advance(60_000);
        let ok = call(
            &app,
            &cc,
            "POST",
            PAY,
            &pay_discount_body(&o1.to_lowercase(), &all),
        )
        .await;
        assert_eq!(ok.status, 200, "{}: {}", app.engine, ok.body);
        assert_eq!(ok.body, "{}");
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(200_000 - 136_260)
        );
        let j = order_json(&app, &dc, &o1).await;
        let info = &j["order_info"];
        assert_eq!(info["status"], 5);
        assert_eq!(digits(&info["official_amount"]), "1514.00");
        assert_eq!(digits(&info["amount_after_discount"]), "1362.60");
        assert_eq!(info["amount_info"]["discounts"][0]["discount_type"], "607");
        assert_eq!(
            digits(&info["amount_info"]["discounts"][0]["discount_amount"]),
            "151.40"
        );
        assert_eq!(
            info["payment_time"],
            timefmt::format_utc(NOW_MS + 60_000).as_str()
        );
        assert!(info["pending_payment_end_time"].is_null());
        let l = &j["order_line_items"][0];
        assert_eq!(
            l["effective_time"],
            timefmt::format_utc(NOW_MS + 60_000).as_str()
        );
        assert_eq!(
            l["expire_time"],
            timefmt::format_utc(pc_domain::orders::add_months(NOW_MS + 60_000, 12)).as_str()
        );
        assert_eq!(digits(&l["amount_after_discount"]), "642.60");
        assert_eq!(
            digits(&l["amount_info"]["discounts"][0]["discount_amount"]),
            "71.40"
        );
        let paid = call(&app, &dc, "GET", &format!("{ORDERS}?status=5"), "")
            .await
            .json();
        assert_eq!(paid["total_count"], 1);
        let t = timefmt::format_utc(NOW_MS + 60_000);
        let by_pay = call(
            &app,
            &dc,
            "GET",
            &format!("{ORDERS}?payment_time_begin={t}&payment_time_end={t}"),
            "",
        )
        .await
        .json();
        assert_eq!(by_pay["total_count"], 1);
        let resources: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM resources WHERE order_id = $1")
                .bind(&o1)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(resources, 4);
        // Paid once: paying or cancelling again is refused; usable discounts are gone.
        call(&app, &cc, "POST", PAY, &pay_body(&o1))
            .await
            .assert_error(400, "CBC.99003106");
        call(
            &app,
            &cc,
            "PUT",
            CANCEL,
            &format!(r#"{{"order_id": "{o1}"}}"#),
        )
        .await
        .assert_error(400, "CBC.99005010");
        assert_eq!(
            call(&app, &cc, "GET", &format!("{DISCOUNTS}?order_id={o1}"), "")
                .await
                .json()["discounts"],
            serde_json::json!([])
        );

        // Cancel a pending order; it can then not be paid.
        let (o2, _) = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await;
        let r = call(
            &app,
            &cc,
            "PUT",
            CANCEL,
            &format!(r#"{{"order_id": "{o2}"}}"#),
        )
        .await;
        assert_eq!((r.status, r.body.as_str()), (200, "{}"), "{}", app.engine);
        assert_eq!(order_json(&app, &cc, &o2).await["order_info"]["status"], 4);
        call(&app, &cc, "POST", PAY, &pay_body(&o2))
            .await
            .assert_error(400, "CBC.99003106");
        call(&app, &cc, "PUT", CANCEL, "{}")
            .await
            .assert_error(400, "CBC.0100");

        // Deadline passed: refused, and the expiry job cancels it (with the injectable clock).
        let (o3, _) = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await;
        app.clock.advance(PAYMENT_WINDOW_MS + 1);
        call(&app, &cc, "POST", PAY, &pay_body(&o3))
            .await
            .assert_error(400, "CBC.99003110");
        assert_eq!(order_json(&app, &cc, &o3).await["order_info"]["status"], 6);
        let (o4, _) = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await;
        let job_ctx = Ctx::new(Actor::System { name: "job".into() }, "job", app_now(&app));
        let cancelled = orders::expire_unpaid(&app.db, job_ctx.clone())
            .await
            .unwrap();
        assert_eq!(cancelled, vec![o3.clone()]);
        assert!(orders::expire_unpaid(&app.db, job_ctx.clone())
            .await
            .unwrap()
            .is_empty());
        let j = order_json(&app, &cc, &o3).await;
        assert_eq!(j["order_info"]["status"], 4);
        assert_eq!(order_json(&app, &cc, &o4).await["order_info"]["status"], 6);
        call(&app, &cc, "POST", PAY, &pay_body(&o3))
            .await
            .assert_error(400, "CBC.99003106");

        // Idempotency: the same key answers the first response again.
        let key = [("x-idempotency-key", "pay-o4")];
        let first = app
            .send(signed(
                &cc,
                "POST",
                PAY,
                &pay_body(&o4),
                app_now(&app),
                &key,
            ))
            .await;
        assert_eq!(first.status, 200, "{}", first.body);
        let again = app
            .send(signed(
                &cc,
                "POST",
                PAY,
                &pay_body(&o4),
                app_now(&app),
                &key,
            ))
            .await;
        assert_eq!(again.status, 200, "{}", again.body);
        let n: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'order_pay'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(n, 2);
        app.assert_ledger_clean().await;
    }
}

/// Many concurrent pay and cancel requests on the same orders: each order ends paid or
/// cancelled, never paid twice, and the customer's balance is exactly what it had minus the paid
/// orders, never below zero (the balance covers only some of the orders).
#[tokio::test]
async fn concurrent_pay_and_cancel_never_pay_twice() {
    for app in apps("oconc").await {
        let w = world(&app).await;
        let cc = Creds::from(&w.c);
        let mut ids = Vec::new();
        for _ in 0..8 {
            ids.push(
                place(
                    &app,
                    &w.c.customer_id,
                    vec![item("ecs-s6-small-1-linux", PeriodType::Month, 1, 1, None)],
                )
                .await
                .0,
            );
        }
        // 35.00 each; enough for 5 of the 8.
        fund(&app, &w.d.partner_id, &w.c.customer_id, 17_500).await;
        let second = app.second_instance().await;
        let mut tasks = Vec::new();
        for round in 0..6 {
            for (i, id) in ids.iter().enumerate() {
                let (req, router) = if (round + i) % 3 == 0 {
                    (
                        signed(
                            &cc,
                            "PUT",
                            CANCEL,
                            &format!(r#"{{"order_id": "{id}"}}"#),
                            NOW_MS,
                            &[],
                        ),
                        if round % 2 == 0 {
                            app.router.clone()
                        } else {
                            second.clone()
                        },
                    )
                } else {
                    (
                        signed(&cc, "POST", PAY, &pay_body(id), NOW_MS, &[]),
                        if i % 2 == 0 {
                            app.router.clone()
                        } else {
                            second.clone()
                        },
                    )
                };
                tasks.push(tokio::spawn(async move {
                    use tower::ServiceExt;
                    let resp = router.oneshot(req).await.unwrap();
                    resp.status().as_u16()
                }));
            }
        }
        for t in tasks {
            let s = t.await.unwrap();
            assert!(s == 200 || s == 400 || s == 503, "{s}");
        }
        let paid: Vec<(String, i64)> =
            sql::query_as("SELECT id, status FROM orders WHERE customer_id = $1")
                .bind(&w.c.customer_id)
                .fetch_all(app.db.read())
                .await
                .unwrap();
        let n_paid = paid.iter().filter(|(_, s)| *s == 5).count() as i64;
        assert!(paid.iter().all(|(_, s)| [4, 5, 6].contains(s)), "{paid:?}");
        assert!(n_paid <= 5);
        let pays: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'order_pay'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(pays, n_paid, "{}: one transfer per paid order", app.engine);
        let per_order: i64 = sql::query_scalar(
            "SELECT COUNT(*) FROM (SELECT memo FROM ledger_transfers WHERE kind = 'order_pay' GROUP BY memo HAVING COUNT(*) > 1) x",
        )
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!(per_order, 0);
        let bal = customer_balance(&app, &w.c.customer_id).await;
        assert_eq!(
            bal,
            Money::from_cents(17_500 - 3_500 * n_paid),
            "{}",
            app.engine
        );
        assert!(!bal.is_negative());
        app.assert_ledger_clean().await;
        let _ = identity::generate_key_pair;
    }
}

/// The console: a customer quotes, orders, pays with a discount and cancels; its partner and an
/// operator see the orders; the operator edits a price. Both languages, no missing keys.
#[tokio::test]
async fn console_catalogue_and_orders() {
    for app in apps("ocon").await {
        let w = world(&app).await;
        fund(&app, &w.d.partner_id, &w.c.customer_id, 100_000).await;
        let g = grant(&app, &w.d.partner_id, &w.c.customer_id, None, "0.8").await;
        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        let cat = app.console_get(&s, "/console/catalog").await;
        assert_eq!(cat.status, 200, "{}", cat.body);
        assert!(
            cat.body.contains("data-nav=\"catalog\"") && cat.body.contains("data-nav=\"orders\"")
        );
        assert!(cat.body.contains("ecs-s6-small-1-linux") && !cat.body.contains("??"));
        let q = app
            .console_get(&s, "/console/catalog/quote?product=ecs-s6-small-1-linux&period=year&count=1&quantity=1&size=")
            .await;
        assert_eq!(q.status, 200, "{}", q.body);
        assert!(
            q.body.contains("357.00") && q.body.contains("285.60"),
            "{}",
            q.body
        );
        let bad = app
            .console_get(
                &s,
                "/console/catalog/quote?product=nope&period=year&count=1&quantity=1",
            )
            .await;
        assert_eq!(bad.status, 400);
        let placed = app
            .console_post(
                &s,
                "/console/catalog/order",
                &[
                    ("product", "ecs-s6-small-1-linux"),
                    ("period", "year"),
                    ("count", "1"),
                    ("quantity", "1"),
                    ("size", ""),
                ],
            )
            .await;
        assert_eq!(placed.status, 303, "{}", placed.body);
        let loc = placed.headers["location"].to_str().unwrap().to_string();
        let id = loc.rsplit('/').next().unwrap().to_string();
        let detail = app.console_get(&s, &loc).await;
        assert!(
            detail.body.contains("id=\"pay-form\"") && detail.body.contains(&g),
            "{}",
            detail.body
        );
        let paid = app
            .console_post(&s, &format!("{loc}/pay"), &[("discount", &g)])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let after = app.console_get(&s, &loc).await;
        assert!(
            after.body.contains("data-status=\"5\"") && after.body.contains("285.60"),
            "{}",
            after.body
        );
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(100_000 - 28_560)
        );
        let again = app.console_post(&s, &format!("{loc}/pay"), &[]).await;
        assert_eq!(again.status, 400);
        assert!(again.body.contains("pay-form-error"));
        let (o2, _) = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await;
        let c2 = app
            .console_post(&s, &format!("/console/orders/{o2}/cancel"), &[])
            .await;
        assert_eq!(c2.status, 303);
        let tab = app.console_get(&s, "/console/orders?status=4").await;
        assert!(
            tab.body.contains(&o2) && !tab.body.contains(&id),
            "{}",
            tab.body
        );
        // Another customer cannot see it; the partner and the operator can.
        let so = app.console_login(&w.oc.login, "Passw0rd!").await;
        assert_eq!(app.console_get(&so, &loc).await.status, 400);
        let sp = app.console_login(&w.d.login, "Passw0rd!").await;
        let po = app.console_get(&sp, "/console/orders").await;
        assert!(po.body.contains(&id) && po.body.contains(&o2) && !po.body.contains("??"));
        assert_eq!(
            app.console_post(&sp, &format!("{loc}/pay"), &[])
                .await
                .status,
            403
        );
        identity::create_operator(
            &app.db,
            common::ctx(),
            identity::Credentials {
                login: "op-orders".into(),
                password: "Passw0rd!x".into(),
            },
        )
        .await
        .unwrap();
        let sop = app.console_login("op-orders", "Passw0rd!x").await;
        assert!(app
            .console_get(&sop, "/console/orders")
            .await
            .body
            .contains(&id));
        let edit = app
            .console_get(&sop, "/console/catalog/product?id=evs-sas")
            .await;
        assert!(edit.body.contains("product-form") && !edit.body.contains("??"));
        let saved = app
            .console_post(
                &sop,
                "/console/catalog/product",
                &[
                    ("product_id", "evs-sas"),
                    ("service_type_code", "hws.service.type.ebs"),
                    ("resource_type_code", "hws.resource.type.volume"),
                    ("resource_spec", "SAS"),
                    ("region", "cn-north-4"),
                    ("name_zh", "高IO云硬盘"),
                    ("name_en", "High I/O disk"),
                    ("size_measure_id", "17"),
                    ("month_price", "0.40"),
                    ("year_price", "4.00"),
                    ("active", "1"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.body);
        let p = pc_app::services::catalog::product(app.db.read(), "evs-sas")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.month_price, Some(Money::from_cents(40)));
        let refused = app
            .console_post(&sop, "/console/catalog/product", &[("product_id", "x y")])
            .await;
        assert_eq!(refused.status, 400);
        assert_eq!(
            app.console_get(&sp, "/console/catalog/product")
                .await
                .status,
            403
        );
        // English.
        app.console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        let en = app.console_get(&s, "/console/orders").await;
        assert!(
            en.body.contains("Pending payment") && !en.body.contains("??"),
            "{}",
            en.body
        );
        app.assert_ledger_clean().await;
    }
}

const COUPONS_OF_ORDER: &str = "/v2/orders/customer-orders/order-coupons";

/// Locks `coupon` of `customer_id` for `order_id` (as a pending order would).
async fn lock_coupon(app: &TestApp, coupon: &str, customer_id: &str, order_id: &str) {
    let (k, cid, oid) = (
        coupon.to_string(),
        customer_id.to_string(),
        order_id.to_string(),
    );
    let ctx = cust_ctx(app, customer_id);
    app.db
        .write(move |c| {
            Box::pin(async move { coupons::lock_for_order(c, &ctx, &k, &cid, &oid).await })
        })
        .await
        .unwrap();
}

/// `list_order_coupons_by_order_id` as `creds`.
async fn order_coupons_of(app: &TestApp, creds: &Creds, order_id: &str) -> Resp {
    let path = format!("{COUPONS_OF_ORDER}?order_id={order_id}");
    call(app, creds, "GET", &path, "").await
}

/// A payment of `order_id` with `coupons` that `creds` makes is refused with `code` (400).
async fn pay_refused(
    app: &TestApp,
    creds: &Creds,
    order_id: &str,
    coupons: &[(&str, i64)],
    code: &str,
) {
    let body = pay_coupons_body(order_id, coupons, None);
    call(app, creds, "POST", PAY, &body)
        .await
        .assert_error(400, code);
}

fn pay_coupons_body(order_id: &str, coupons: &[(&str, i64)], discount: Option<&str>) -> String {
    let infos: Vec<Value> = coupons
        .iter()
        .map(|(id, t)| serde_json::json!({"id": id, "type": t}))
        .collect();
    let mut b = serde_json::json!({"order_id": order_id, "use_coupon": "YES", "use_discount": "NO", "coupon_infos": infos});
    if let Some(d) = discount {
        b["use_discount"] = "YES".into();
        b["discount_infos"] = serde_json::json!([{"id": d, "type": 3}]);
    }
    b.to_string()
}

/// Coupons at payment: the usable list (scope, locks, foreign orders), every refusal with
/// nothing written, a discount then two coupons then cash, amount_info per order, and
/// cancelling/expiring releases the coupons an order locked.
#[tokio::test]
async fn pay_with_coupons() {
    for app in apps("ocoup").await {
        let w = world(&app).await;
        let (dc, cc, oc) = (Creds::from(&w.d), Creds::from(&w.c), Creds::from(&w.oc));
        let vq = coupon_quota(&app, &w.d.partner_id, QuotaType::Voucher, 100_000).await;
        let cq = coupon_quota(&app, &w.d.partner_id, QuotaType::Cash, 100_000).await;
        let any = issue_coupon(&app, &dc, &vq, &w.c.customer_id, 50.0, Value::Null).await;
        let cash = issue_coupon(&app, &dc, &cq, &w.c.customer_id, 20.0, Value::Null).await;
        let ecs_only = issue_coupon(
            &app,
            &dc,
            &vq,
            &w.c.customer_id,
            40.0,
            serde_json::json!({"product_ids": ["ecs-s6-small-1-linux"]}),
        )
        .await;
        let rds_only = issue_coupon(
            &app,
            &dc,
            &vq,
            &w.c.customer_id,
            30.0,
            serde_json::json!({"cloud_service_types": ["hws.service.type.rds"]}),
        )
        .await;
        // 2 × 357.00 (ECS, year) + 40 GB × 10.00 (EVS, year) = 1114.00.
        let (o1, amount) = place(
            &app,
            &w.c.customer_id,
            vec![
                item("ecs-s6-small-1-linux", PeriodType::Year, 1, 2, None),
                item("evs-ssd", PeriodType::Year, 1, 1, Some(40)),
            ],
        )
        .await;
        assert_eq!(amount, Money::from_cents(111_400));
        let (o2, _) = place_ecs_month(&app, &w.c.customer_id).await;
        // Usable on o1: the unrestricted voucher and the cash coupon (largest balance first);
        // not the ECS-only voucher (o1 also has EVS) nor the RDS-only one.
        let r = order_coupons_of(&app, &cc, &o1).await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["count"], 2, "{}", r.body);
        assert_eq!(j["user_coupons"][0]["coupon_id"], any.as_str());
        assert_eq!(digits(&j["user_coupons"][0]["balance"]), "50.00");
        assert_eq!(j["user_coupons"][0]["coupon_type"], 1);
        assert_eq!(j["user_coupons"][1]["coupon_id"], cash.as_str());
        assert_eq!(j["user_coupons"][1]["coupon_type"], 4);
        assert_eq!(j["coupon_max_use_quantity"][0]["use_quantity_value"], 3);
        // On o2 (ECS only) the ECS-only voucher is usable too.
        let r = order_coupons_of(&app, &cc, &o2).await;
        assert_eq!(r.json()["count"], 3, "{}", r.body);
        // Partner keys, foreign customers and a missing order id are refused.
        order_coupons_of(&app, &dc, &o1)
            .await
            .assert_error(403, "CBC.0155");
        order_coupons_of(&app, &oc, &o1)
            .await
            .assert_error(400, "CBC.30000010");
        call(&app, &cc, "GET", COUPONS_OF_ORDER, "")
            .await
            .assert_error(400, "CBC.0100");
        fund(&app, &w.d.partner_id, &w.c.customer_id, 200_000).await;
        let d_all = grant(&app, &w.d.partner_id, &w.c.customer_id, None, "0.9").await;
        // Refusals, each leaving everything as it was.
        let refusals: Vec<(String, u16, &str)> = vec![
            (
                pay_coupons_body(&o1, &[(&ecs_only, 301)], None),
                400,
                "PC.1103",
            ),
            (
                pay_coupons_body(&o1, &[(&rds_only, 301)], None),
                400,
                "PC.1103",
            ),
            (pay_coupons_body(&o1, &[(&any, 302)], None), 400, "PC.1103"),
            (
                pay_coupons_body(&o1, &[("nope", 301)], None),
                400,
                "PC.1103",
            ),
            (pay_coupons_body(&o1, &[(&any, 300)], None), 400, "PC.1103"),
            (
                pay_coupons_body(&o1, &[(&any, 301), (&cash, 300)], None),
                400,
                "CBC.99003147",
            ),
            (
                pay_coupons_body(&o1, &[(&any, 300)], Some(&d_all)),
                400,
                "CBC.99003116",
            ),
            (
                pay_coupons_body(&o1, &[(&any, 301), (&any, 301)], None),
                400,
                "CBC.0100",
            ),
            (
                pay_coupons_body(
                    &o1,
                    &[
                        (&any, 301),
                        (&cash, 302),
                        (&ecs_only, 301),
                        (&rds_only, 301),
                    ],
                    None,
                ),
                400,
                "CBC.0100",
            ),
        ];
        for (body, status, code) in &refusals {
            call(&app, &cc, "POST", PAY, body)
                .await
                .assert_error(*status, code);
        }
        // A foreign customer's coupon is "not usable", never "used" or "locked".
        let (o_foreign, _) = place_ecs_month(&app, &w.oc.customer_id).await;
        pay_refused(&app, &oc, &o_foreign, &[(&any, 301)], "PC.1103").await;
        // A coupon locked by another order: o2 holds `any`.
        lock_coupon(&app, &any, &w.c.customer_id, &o2).await;
        pay_refused(&app, &cc, &o1, &[(&any, 301)], "CBC.99003112").await;
        let r = order_coupons_of(&app, &cc, &o1).await;
        assert_eq!(r.json()["count"], 1, "locked by o2: {}", r.body);
        let r = order_coupons_of(&app, &cc, &o2).await;
        assert_eq!(r.json()["user_coupons"][0]["used_by_order_id"], o2.as_str());
        // Cancelling o2 releases the lock.
        let r = call(
            &app,
            &cc,
            "PUT",
            CANCEL,
            &format!(r#"{{"order_id": "{o2}"}}"#),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(coupon_balance(&app, &any).await.2, None);
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(200_000)
        );
        let writes: i64 = sql::query_scalar("SELECT COUNT(*) FROM order_coupons")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(writes, 0);
        // Pay o1: 10% off (1002.60), then 50.00 voucher and 20.00 cash coupon, cash 932.60.
        let r = call(
            &app,
            &cc,
            "POST",
            PAY,
            &pay_coupons_body(&o1, &[(&any, 301), (&cash, 302)], Some(&d_all)),
        )
        .await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = order_json(&app, &cc, &o1).await;
        let info = &j["order_info"]["amount_info"];
        assert_eq!(digits(&info["coupon_amount"]), "50.00", "{j}");
        assert_eq!(digits(&info["flexipurchase_coupon_amount"]), "20.00");
        assert_eq!(digits(&j["order_info"]["amount_after_discount"]), "1002.60");
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(200_000 - 93_260)
        );
        assert_eq!(coupon_balance(&app, &any).await, (Money::ZERO, 3, None));
        assert_eq!(coupon_balance(&app, &cash).await.1, 3);
        // Used coupons cannot pay again.
        let (o3, _) = place_ecs_month(&app, &w.c.customer_id).await;
        pay_refused(&app, &cc, &o3, &[(&any, 301)], "CBC.99003112").await;
        // A coupon bigger than the order pays the order only; the rest stays on it, and a
        // second coupon after the order is covered is refused.
        pay_refused(
            &app,
            &cc,
            &o3,
            &[(&ecs_only, 301), (&rds_only, 301)],
            "PC.1103",
        )
        .await;
        let r = call(
            &app,
            &cc,
            "POST",
            PAY,
            &pay_coupons_body(&o3, &[(&ecs_only, 301)], None),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let (bal, status, _) = coupon_balance(&app, &ecs_only).await;
        assert_eq!((bal, status), (Money::from_cents(500), 2));
        let j = order_json(&app, &cc, &o3).await;
        assert_eq!(
            digits(&j["order_info"]["amount_info"]["coupon_amount"]),
            "35.00",
            "{j}"
        );
        // The expiry job releases the coupons an unpaid order locked.
        let (o4, _) = place_ecs_month(&app, &w.c.customer_id).await;
        lock_coupon(&app, &rds_only, &w.c.customer_id, &o4).await;
        let jctx = Ctx::new(
            Actor::System { name: "job".into() },
            "job",
            app_now(&app) + PAYMENT_WINDOW_MS + 1,
        );
        let gone = orders::expire_unpaid(&app.db, jctx).await.unwrap();
        assert!(gone.contains(&o4));
        assert_eq!(coupon_balance(&app, &rds_only).await.2, None);
        app.assert_ledger_clean().await;
    }
}

/// Many concurrent payments of different orders naming the same coupon, on two instances: the
/// coupon pays exactly one of them; the others fail whole (nothing written for them).
#[tokio::test]
async fn concurrent_payments_spend_a_coupon_once() {
    for app in apps("ocoupconc").await {
        let w = world(&app).await;
        let (dc, cc) = (Creds::from(&w.d), Creds::from(&w.c));
        let vq = coupon_quota(&app, &w.d.partner_id, QuotaType::Voucher, 100_000).await;
        let k = issue_coupon(&app, &dc, &vq, &w.c.customer_id, 10.0, Value::Null).await;
        fund(&app, &w.d.partner_id, &w.c.customer_id, 100_000).await;
        let mut ids = Vec::new();
        for _ in 0..10 {
            ids.push(place_ecs_month(&app, &w.c.customer_id).await.0);
        }
        let second = app.second_instance().await;
        let mut tasks = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let req = signed(
                &cc,
                "POST",
                PAY,
                &pay_coupons_body(id, &[(&k, 301)], None),
                NOW_MS,
                &[],
            );
            let router = if i % 2 == 0 {
                app.router.clone()
            } else {
                second.clone()
            };
            tasks.push(tokio::spawn(async move {
                use tower::ServiceExt;
                router.oneshot(req).await.unwrap().status().as_u16()
            }));
        }
        let mut ok = 0;
        for t in tasks {
            let s = t.await.unwrap();
            assert!(s == 200 || s == 400 || s == 503, "{s}");
            ok += (s == 200) as i64;
        }
        assert_eq!(ok, 1, "{}: exactly one payment used the coupon", app.engine);
        let uses: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'coupon_use'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(uses, 1);
        let paid: i64 =
            sql::query_scalar("SELECT COUNT(*) FROM orders WHERE customer_id = $1 AND status = 5")
                .bind(&w.c.customer_id)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(paid, 1);
        assert_eq!(coupon_balance(&app, &k).await, (Money::ZERO, 3, None));
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(100_000 - 2_500)
        );
        app.assert_ledger_clean().await;
    }
}

const RES_RENEW: &str = "/v2/orders/subscriptions/resources/renew";
const RES_AUTO: &str = "/v2/orders/subscriptions/resources/autorenew";

/// Resources: listing by customer and partner (isolation), renewal pending and auto-paid,
/// renewal of a resource already in a pending order, foreign ids, auto-renewal on/off, and the
/// subscription-renewal job (one renewed from the balance, one left pending with a notice and
/// expired until paid, plain ones expired).
#[tokio::test]
async fn resources_renewal_and_job() {
    for app in apps("ores").await {
        let w = world(&app).await;
        let (dc, cc, oc) = (Creds::from(&w.d), Creds::from(&w.c), Creds::from(&w.oc));
        let oprt = Creds::from(&w.o);
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        fund(&app, &w.o.partner_id, &w.oc.customer_id, 10_000).await;
        let ids = bought(&app, &cc, &w.c.customer_id, 2).await; // 130.00 left
        let (r1, r2) = (ids[0].clone(), ids[1].clone());
        let foreign = bought(&app, &oc, &w.oc.customer_id, 1).await[0].clone();
        let all = resources_of(&app, &cc, serde_json::json!({})).await;
        assert_eq!(all["total_count"], 2, "{all}");
        let first = &all["data"][0];
        assert_eq!(first["status"], 2);
        assert_eq!(first["expire_policy"], 0);
        assert_eq!(first["is_main_resource"], 1);
        assert_eq!(first["service_type_code"], "hws.service.type.ec2");
        let expire0 = first["expire_time"].as_str().unwrap().to_string();
        // The partner names its customer; another partner sees nothing of it.
        let j = resources_of(
            &app,
            &dc,
            serde_json::json!({"customer_id": w.c.customer_id}),
        )
        .await;
        assert_eq!(j["total_count"], 2);
        let j = resources_of(
            &app,
            &oprt,
            serde_json::json!({"customer_id": w.c.customer_id}),
        )
        .await;
        assert_eq!(j["total_count"], 0);
        call(&app, &dc, "POST", RES_QUERY, "{}")
            .await
            .assert_error(400, "CBC.0100");
        let j = resources_of(
            &app,
            &cc,
            serde_json::json!({"resource_ids": [r1, foreign], "status_list": [2]}),
        )
        .await;
        assert_eq!(j["total_count"], 1, "{j}");
        // Foreign and unknown ids.
        let renew = |ids: Vec<&str>, auto: i64| {
            serde_json::json!({"resource_ids": ids, "period_type": 2, "period_num": 1, "is_auto_pay": auto}).to_string()
        };
        call(&app, &cc, "POST", RES_RENEW, &renew(vec![&foreign], 0))
            .await
            .assert_error(400, "CBC.99003016");
        call(&app, &cc, "POST", &format!("{RES_AUTO}/{foreign}"), "{}")
            .await
            .assert_error(400, "CBC.99003012");
        call(&app, &cc, "DELETE", &format!("{RES_AUTO}/{foreign}"), "")
            .await
            .assert_error(400, "CBC.99003012");
        call(&app, &dc, "POST", RES_RENEW, &renew(vec![&r1], 0))
            .await
            .assert_error(403, "CBC.0155");
        call(
            &app,
            &cc,
            "POST",
            RES_RENEW,
            &serde_json::json!({"resource_ids": [r1], "period_type": 2, "period_num": 12})
                .to_string(),
        )
        .await
        .assert_error(400, "CBC.0100");
        // Renew r1 pending payment; a second renewal is refused until it is paid.
        let r = call(&app, &cc, "POST", RES_RENEW, &renew(vec![&r1], 0)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let o = r.json()["order_ids"][0].as_str().unwrap().to_string();
        let j = order_json(&app, &cc, &o).await;
        assert_eq!(
            (
                j["order_info"]["order_type"].clone(),
                j["order_info"]["status"].clone()
            ),
            (2.into(), 6.into())
        );
        call(&app, &cc, "POST", RES_RENEW, &renew(vec![&r1], 1))
            .await
            .assert_error(400, "CBC.99003100");
        let r = call(&app, &cc, "POST", PAY, &pay_body(&o)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let expire1 = timefmt::format_utc(pc_domain::orders::add_months(
            timefmt::parse_utc(&expire0).unwrap(),
            1,
        ));
        let j = resources_of(&app, &cc, serde_json::json!({"resource_ids": [r1]})).await;
        assert_eq!(j["data"][0]["expire_time"], expire1.as_str());
        // Renew r2 paid at once from the balance.
        let r = call(&app, &cc, "POST", RES_RENEW, &renew(vec![&r2], 1)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let o2 = r.json()["order_ids"][0].as_str().unwrap().to_string();
        assert_eq!(order_json(&app, &cc, &o2).await["order_info"]["status"], 5);
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(6_000)
        );
        // Auto-renewal on, off, on again (r1 once, r2 unlimited).
        let r = call(
            &app,
            &cc,
            "POST",
            &format!("{RES_AUTO}/{r1}"),
            r#"{"auto_renew_times": 1, "period_type": "MONTH"}"#,
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = resources_of(&app, &cc, serde_json::json!({"resource_ids": [r1]})).await;
        assert_eq!(j["data"][0]["expire_policy"], 3);
        let r = call(&app, &cc, "DELETE", &format!("{RES_AUTO}/{r1}"), "").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = resources_of(&app, &cc, serde_json::json!({"resource_ids": [r1]})).await;
        assert_eq!(j["data"][0]["expire_policy"], 0);
        // Again: auto-renewal is already cancelled (the vendor's CBC.99003605).
        call(&app, &cc, "DELETE", &format!("{RES_AUTO}/{r1}"), "")
            .await
            .assert_error(400, "CBC.99003605");
        for (rid, body) in [(&r1, r#"{"auto_renew_times": 1}"#), (&r2, "")] {
            let r = call(&app, &cc, "POST", &format!("{RES_AUTO}/{rid}"), body).await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
        call(
            &app,
            &cc,
            "POST",
            &format!("{RES_AUTO}/{r1}"),
            r#"{"auto_renew_times": 100}"#,
        )
        .await
        .assert_error(400, "CBC.0100");
        // The job at their expiry: 60.00 pays one renewal (35.00), not the second; the foreign
        // customer's plain resource (expiring earlier) expires.
        let at = timefmt::parse_utc(&expire1).unwrap() + 1000;
        let jctx = Ctx::new(Actor::System { name: "job".into() }, "job-renew", at);
        let rep = pc_app::services::subscriptions::renewal::run_renewal_job(&app.db, jctx.clone())
            .await
            .unwrap();
        assert_eq!(rep.renewed.len(), 1, "{rep:?}");
        assert_eq!(rep.pending_orders.len(), 1, "{rep:?}");
        assert!(rep.expired.contains(&foreign));
        assert_eq!(rep.expired.len(), 2, "{rep:?}");
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(2_500)
        );
        let notices: i64 = sql::query_scalar("SELECT COUNT(*) FROM outbox WHERE recipient = $1 AND subject LIKE 'Automatic renewal%'")
            .bind(&w.c.customer_id)
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(notices, 1);
        // Rerunning changes nothing.
        let rep2 = pc_app::services::subscriptions::renewal::run_renewal_job(&app.db, jctx.clone())
            .await
            .unwrap();
        assert!(
            rep2.renewed.is_empty() && rep2.expired.is_empty() && rep2.pending_orders.is_empty(),
            "{rep2:?}"
        );
        // Paying the pending renewal puts the expired resource back in use.
        fund(&app, &w.d.partner_id, &w.c.customer_id, 1_000).await;
        app.clock.set(at);
        let pending = &rep.pending_orders[0];
        let r = call(&app, &cc, "POST", PAY, &pay_body(pending)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = resources_of(&app, &cc, serde_json::json!({"status_list": [2]})).await;
        assert_eq!(j["total_count"], 2, "{j}");
        app.assert_ledger_clean().await;
    }
}
