//! The native API (`/native/v1/…`) in process, on SQLite and PostgreSQL, with signed requests:
//! operator access keys (what they reach and what refuses them), catalogue administration, the
//! discount floor, every order for operators, orders placed by a partner on behalf of its resale
//! customers, partner discounts (grant, list, revoke): exact fields, vendor error codes, audit,
//! idempotency, nothing written on refusal; and `/openapi.json`.

mod common;

use common::*;
use pc_app::services::{catalog, identity, orders};
use pc_app::store::audit;
use pc_app::store::sql;
use pc_domain::party::PartnerType;
use pc_domain::Money;
use serde_json::{json, Value};

const PRODUCTS: &str = "/native/v1/catalog/products";
const FLOOR: &str = "/native/v1/orders/discount-floor";
const ALL_ORDERS: &str = "/native/v1/orders";
const PLACE: &str = "/native/v1/orders/customer-orders";
const DISCOUNTS: &str = "/native/v1/discounts";

async fn call(app: &TestApp, creds: &Creds, method: &str, path: &str, body: &str) -> Resp {
    app.send(signed(creds, method, path, body, NOW_MS, &[]))
        .await
}

async fn call_key(
    app: &TestApp,
    creds: &Creds,
    method: &str,
    path: &str,
    body: &str,
    key: &str,
) -> Resp {
    app.send(signed(
        creds,
        method,
        path,
        body,
        NOW_MS,
        &[("x-idempotency-key", key)],
    ))
    .await
}

/// An operator console user with one access key; the key's account id is the user id.
async fn operator(app: &TestApp, login: &str) -> (String, Creds) {
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
    let k = identity::NewOperatorKey {
        operator_login: Some(login.into()),
        description: "t".into(),
    };
    let k = identity::create_operator_key(&app.db, ctx(), app.mk.clone(), k)
        .await
        .unwrap();
    assert_eq!(k.user_id, uid);
    let creds = Creds {
        ak: k.key.access_key,
        sk: k.key.secret_key,
        domain_id: uid.clone(),
    };
    (uid, creds)
}

async fn world(app: &TestApp) -> OrdersWorld {
    app.orders_world("nat").await
}

/// `{…}` with `{name}` path parameters filled in.
fn concrete(path: &str) -> String {
    let mut out = String::new();
    let mut skip = false;
    for ch in path.chars() {
        match ch {
            '{' => {
                skip = true;
                out.push_str("X1");
            }
            '}' => skip = false,
            _ if skip => {}
            _ => out.push(ch),
        }
    }
    out
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sql::query_scalar::<i64>(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

#[tokio::test]
async fn operator_keys_reach_native_operator_operations_only() {
    for app in apps("natkeys").await {
        let w = world(&app).await;
        let (uid, op) = operator(&app, "nat-op").await;
        let (dc, cc) = (Creds::from(&w.d), Creds::from(&w.c));

        // An operator key signs like any other and reaches the operator operations.
        let r = call(&app, &op, "GET", PRODUCTS, "").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        assert!(r.headers.contains_key("x-request-id"));

        // Every vendor operation refuses it with CBC.0155, whatever it would have read.
        for v in partner_center::http::bss::operations() {
            let r = call(&app, &op, v.method.as_str(), &concrete(v.path), "{}").await;
            r.assert_error(403, "CBC.0155");
        }
        // Every native operation admits only the kinds of key its table names.
        for n in partner_center::http::native::operations() {
            for (kind, creds) in [("operator", &op), ("partner", &dc), ("customer", &cc)] {
                let r = call(&app, creds, n.method.as_str(), &concrete(n.path), "{}").await;
                if n.callers.split(", ").any(|c| c == kind) {
                    assert_ne!(r.status, 403, "{} as {kind}: {}", n.name, r.body);
                } else {
                    r.assert_error(403, "CBC.0155");
                }
            }
        }

        // X-Domain-Id must be the operator's user id.
        let wrong = Creds {
            domain_id: w.d.domain_id.clone(),
            ..op.clone()
        };
        call(&app, &wrong, "GET", PRODUCTS, "")
            .await
            .assert_error(401, "APIGW.0301");
        assert_eq!(op.domain_id, uid);

        // A key of a disabled operator is as good as revoked (a key never used, so not cached).
        let (uid2, op2) = operator(&app, "nat-op2").await;
        let id2 = uid2.clone();
        app.db
            .write(move |c| {
                Box::pin(async move {
                    sql::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                        .bind(NOW_MS)
                        .bind(&id2)
                        .execute(c)
                        .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        call(&app, &op2, "GET", PRODUCTS, "")
            .await
            .assert_error(401, "APIGW.0301");

        // Only its owner revokes a key; a partner's key is not an operator's to revoke.
        let as_op = |user_id: &str| {
            pc_app::Ctx::new(
                pc_app::Actor::Operator {
                    user_id: user_id.into(),
                },
                "req",
                NOW_MS,
            )
        };
        let e = identity::revoke_operator_key(&app.db, as_op(&uid2), op.ak.clone())
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::NotFound);
        let e = identity::revoke_operator_key(&app.db, as_op(&uid), w.d.access_key.clone())
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::NotFound);
        // A partner's console user cannot create a key for an operator.
        let partner_ctx = pc_app::Ctx::new(
            pc_app::Actor::Partner {
                partner_id: w.d.partner_id.clone(),
                root_id: w.d.partner_id.clone(),
                user_id: None,
                role: pc_domain::party::Role::PartnerAdmin,
            },
            "req",
            NOW_MS,
        );
        let k = identity::NewOperatorKey {
            operator_login: Some("nat-op".into()),
            description: String::new(),
        };
        let e = identity::create_operator_key(&app.db, partner_ctx, app.mk.clone(), k)
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::AccessDenied);
        // At most five active keys per operator.
        let k = identity::NewOperatorKey {
            operator_login: None,
            description: "k".into(),
        };
        for _ in 0..4 {
            identity::create_operator_key(&app.db, as_op(&uid), app.mk.clone(), k.clone())
                .await
                .unwrap();
        }
        let e = identity::create_operator_key(&app.db, as_op(&uid), app.mk.clone(), k)
            .await
            .unwrap_err();
        assert_eq!(e.code, pc_app::Code::InvalidParameter);
        let keys = identity::list_keys(&app.db, &as_op(&uid)).await.unwrap();
        assert_eq!(keys.len(), 5, "{}", app.engine);
        app.assert_ledger_clean().await;
    }
}

fn product_body(id: &str) -> String {
    json!({
        "product_id": id,
        "service_type_code": "hws.service.type.ec2",
        "resource_type_code": "hws.resource.type.vm",
        "resource_spec": format!("{id}.spec"),
        "region": "cn-north-4",
        "name_zh": "测试云主机",
        "name_en": "Test server",
        "spec_desc_zh": "2vCPU 8GiB",
        "spec_desc_en": "2 vCPUs, 8 GiB",
        "month_price": 88.5,
        "year_price": "885.00",
        "hour_price": 0.37
    })
    .to_string()
}

#[tokio::test]
async fn operators_create_list_and_update_products() {
    for app in apps("natprod").await {
        let (uid, op) = operator(&app, "prod-op").await;

        let r = call_key(&app, &op, "POST", PRODUCTS, &product_body("nat-vm-1"), "k1").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["product_id"], "nat-vm-1");
        assert_eq!(j["month_price"].to_string(), "88.50");
        assert_eq!(j["year_price"].to_string(), "885.00");
        assert_eq!(j["hour_price"].to_string(), "0.37");
        assert_eq!(j["active"], true);
        assert_eq!(j["service_type_name_en"], "Elastic Cloud Server");
        assert_eq!(j["size_measure_id"], Value::Null);
        // The same request under the same key answers the same; no second product.
        let again = call_key(&app, &op, "POST", PRODUCTS, &product_body("nat-vm-1"), "k1").await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body, r.body);
        // The same key with another body is a conflict.
        call_key(&app, &op, "POST", PRODUCTS, &product_body("nat-vm-9"), "k1")
            .await
            .assert_error(409, "PC.0409");
        // A second create of the id is refused.
        call(&app, &op, "POST", PRODUCTS, &product_body("nat-vm-1"))
            .await
            .assert_error(400, "PC.0001");
        let p = catalog::product(app.db.read(), "nat-vm-1")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(p.month_price, Some(Money::from_cents(8850)));
        let rows = audit::recent(app.db.read(), None, 50).await.unwrap();
        let row = rows
            .iter()
            .find(|a| a.action == "catalog.save_product" && a.target_id == "nat-vm-1")
            .expect("audit row");
        assert_eq!(
            (row.actor_kind.as_str(), row.actor_id.as_str()),
            ("operator", uid.as_str())
        );

        // Bad input: 4xx naming the problem, nothing written.
        let before = count(&app, "catalog_products").await;
        let mut bad = serde_json::from_str::<Value>(&product_body("nat-vm-2")).unwrap();
        for (field, value) in [
            ("month_price", json!("1.234")),
            ("month_price", json!(-1)),
            ("product_id", json!("has space")),
            ("resource_type_code", json!("hws.resource.type.volume")),
            ("size_measure_id", json!(99)),
            ("name_en", json!("")),
        ] {
            let saved = bad[field].clone();
            bad[field] = value;
            call(&app, &op, "POST", PRODUCTS, &bad.to_string())
                .await
                .assert_error(400, "CBC.0100");
            bad[field] = saved;
        }
        bad["month_prise"] = json!(1);
        call(&app, &op, "POST", PRODUCTS, &bad.to_string())
            .await
            .assert_error(400, "CBC.0100");
        let no_price = json!({"product_id": "nat-vm-3", "service_type_code": "hws.service.type.ec2",
            "resource_type_code": "hws.resource.type.vm", "resource_spec": "x3", "region": "cn-north-4",
            "name_zh": "x", "name_en": "x"});
        call(&app, &op, "POST", PRODUCTS, &no_price.to_string())
            .await
            .assert_error(400, "CBC.0100");
        // Same four rating keys as an existing product.
        let mut dup = serde_json::from_str::<Value>(&product_body("nat-vm-4")).unwrap();
        dup["resource_spec"] = json!("nat-vm-1.spec");
        call(&app, &op, "POST", PRODUCTS, &dup.to_string())
            .await
            .assert_error(400, "PC.0001");
        assert_eq!(
            count(&app, "catalog_products").await,
            before,
            "{}",
            app.engine
        );

        // A partial update: the fields sent change, the others stay; null clears a price.
        let path = format!("{PRODUCTS}/nat-vm-1");
        let r = call(
            &app,
            &op,
            "PUT",
            &path,
            r#"{"month_price": "99", "hour_price": null, "active": false, "name_en": "Test server v2"}"#,
        )
        .await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["month_price"].to_string(), "99.00");
        assert_eq!(j["year_price"].to_string(), "885.00");
        assert_eq!(j["hour_price"], Value::Null);
        assert_eq!(j["active"], false);
        assert_eq!(j["name_en"], "Test server v2");
        assert_eq!(j["name_zh"], "测试云主机");
        // Both period prices cleared is refused; unknown products and renames too.
        call(
            &app,
            &op,
            "PUT",
            &path,
            r#"{"month_price": null, "year_price": null}"#,
        )
        .await
        .assert_error(400, "CBC.0100");
        call(
            &app,
            &op,
            "PUT",
            &format!("{PRODUCTS}/nope"),
            r#"{"active": true}"#,
        )
        .await
        .assert_error(404, "PC.0404");
        call(&app, &op, "PUT", &path, r#"{"product_id": "renamed"}"#)
            .await
            .assert_error(400, "CBC.0100");

        // The list: inactive products only when asked; paging.
        let r = call(&app, &op, "GET", &format!("{PRODUCTS}?limit=100"), "").await;
        let j = r.json();
        assert!(j["products"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["product_id"] != "nat-vm-1"));
        let active_total = j["total_count"].as_i64().unwrap();
        let r = call(
            &app,
            &op,
            "GET",
            &format!("{PRODUCTS}?include_inactive=true&limit=100"),
            "",
        )
        .await;
        let j = r.json();
        assert_eq!(j["total_count"].as_i64().unwrap(), active_total + 1);
        assert!(j["products"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["product_id"] == "nat-vm-1" && p["active"] == false));
        let r = call(
            &app,
            &op,
            "GET",
            &format!("{PRODUCTS}?offset=1&limit=2"),
            "",
        )
        .await;
        assert_eq!(r.json()["products"].as_array().unwrap().len(), 2);
        for q in ["limit=0", "limit=101", "offset=-1", "include_inactive=yes"] {
            call(&app, &op, "GET", &format!("{PRODUCTS}?{q}"), "")
                .await
                .assert_error(400, "CBC.0100");
        }
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn operators_set_the_floor_and_partners_grant_within_it() {
    for app in apps("natdisc").await {
        let w = world(&app).await;
        let (_, op) = operator(&app, "disc-op").await;
        let (dc, rcreds, oc) = (Creds::from(&w.d), Creds::from(&w.r), Creds::from(&w.o));

        let r = call(&app, &op, "GET", FLOOR, "").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        assert_eq!(r.json()["discount_floor"].to_string(), "0.7");
        for bad in [
            r#"{"discount_floor": 1}"#,
            r#"{"discount_floor": 0}"#,
            r#"{"discount_floor": "abc"}"#,
            r#"{"discount_floor": 0.12345}"#,
            r#"{}"#,
        ] {
            call(&app, &op, "PUT", FLOOR, bad)
                .await
                .assert_error(400, "CBC.0100");
        }
        let r = call(&app, &op, "PUT", FLOOR, r#"{"discount_floor": 0.8}"#).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["discount_floor"].to_string(), "0.8");
        assert_eq!(
            call(&app, &op, "GET", FLOOR, "").await.json()["discount_floor"].to_string(),
            "0.8"
        );

        // Grants: within the floor, to the partner's own customers, existing products.
        let grant = |cid: &str, product: Option<&str>, ratio: &str| {
            json!({"customer_id": cid, "product_id": product, "discount_ratio": ratio}).to_string()
        };
        let before = count(&app, "partner_discounts").await;
        for (cid, product, ratio, code) in [
            (&w.c.customer_id, None, "0.75", "PC.1102"),
            (&w.oc.customer_id, None, "0.9", "CBC.99000035"),
            // A master distributor does not grant its reseller's customers: the reseller does.
            (&w.rc.customer_id, None, "0.9", "CBC.99000035"),
            (&w.c.customer_id, Some("no-such"), "0.9", "CBC.99006006"),
            (&w.c.customer_id, None, "1.0", "CBC.0100"),
            (&String::new(), None, "0.9", "CBC.0100"),
        ] {
            call(&app, &dc, "POST", DISCOUNTS, &grant(cid, product, ratio))
                .await
                .assert_error(400, code);
        }
        assert_eq!(count(&app, "partner_discounts").await, before);

        let r = call(
            &app,
            &dc,
            "POST",
            DISCOUNTS,
            &grant(&w.c.customer_id, None, "0.85"),
        )
        .await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let all = r.json();
        assert_eq!(all["discount_ratio"].to_string(), "0.85");
        assert_eq!(all["product_id"], Value::Null);
        assert_eq!(all["customer_name"], "nat-cust");
        assert_eq!(all["revoke_time"], Value::Null);
        let r = call(
            &app,
            &dc,
            "POST",
            DISCOUNTS,
            &json!({"customer_id": w.c.customer_id, "product_id": "ecs-s6-small-1-linux", "discount_ratio": 0.9}).to_string(),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
        let one = r.json();
        assert_eq!(one["product_id"], "ecs-s6-small-1-linux");
        // Consulting customers may be granted discounts too; the reseller grants its own.
        assert_eq!(
            call(
                &app,
                &dc,
                "POST",
                DISCOUNTS,
                &grant(&w.cc.customer_id, None, "0.95")
            )
            .await
            .status,
            200
        );
        assert_eq!(
            call(
                &app,
                &rcreds,
                "POST",
                DISCOUNTS,
                &grant(&w.rc.customer_id, None, "0.95")
            )
            .await
            .status,
            200
        );

        // The list: the partner's own, newest first, filters.
        let r = call(&app, &dc, "GET", DISCOUNTS, "").await;
        assert_eq!(r.status, 200, "{}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 3, "{}", app.engine);
        let r = call(
            &app,
            &dc,
            "GET",
            &format!("{DISCOUNTS}?customer_id={}&limit=1", w.c.customer_id),
            "",
        )
        .await;
        let j = r.json();
        assert_eq!(j["total_count"], 2);
        assert_eq!(j["discounts"].as_array().unwrap().len(), 1);
        let r = call(
            &app,
            &dc,
            "GET",
            &format!("{DISCOUNTS}?product_id=ecs-s6-small-1-linux"),
            "",
        )
        .await;
        assert_eq!(r.json()["total_count"], 1);
        assert_eq!(
            call(&app, &oc, "GET", DISCOUNTS, "").await.json()["total_count"],
            0
        );

        // Revoke: the discount no longer applies; revoking again, or another's, is not found.
        let id = all["discount_id"].as_str().unwrap().to_string();
        call(&app, &oc, "DELETE", &format!("{DISCOUNTS}/{id}"), "")
            .await
            .assert_error(404, "PC.0404");
        let r = call_key(&app, &dc, "DELETE", &format!("{DISCOUNTS}/{id}"), "", "rv1").await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["discount_id"], id.as_str());
        // A retry under the same key answers the same.
        let again = call_key(&app, &dc, "DELETE", &format!("{DISCOUNTS}/{id}"), "", "rv1").await;
        assert_eq!(again.body, r.body);
        call(&app, &dc, "DELETE", &format!("{DISCOUNTS}/{id}"), "")
            .await
            .assert_error(404, "PC.0404");
        let in_force = orders::grants(app.db.read(), &w.d.partner_id, &w.c.customer_id)
            .await
            .unwrap();
        assert_eq!(in_force.len(), 1);
        assert_eq!(in_force[0].id, one["discount_id"].as_str().unwrap());
        let j = call(
            &app,
            &dc,
            "GET",
            &format!("{DISCOUNTS}?customer_id={}", w.c.customer_id),
            "",
        )
        .await
        .json();
        assert_eq!(j["total_count"], 1);
        let j = call(
            &app,
            &dc,
            "GET",
            &format!(
                "{DISCOUNTS}?customer_id={}&include_revoked=true",
                w.c.customer_id
            ),
            "",
        )
        .await
        .json();
        assert_eq!(j["total_count"], 2);
        assert!(j["discounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["discount_id"] == id.as_str() && d["revoke_time"].is_string()));
        let rows = audit::recent(app.db.read(), Some(&w.d.partner_id), 50)
            .await
            .unwrap();
        assert!(rows
            .iter()
            .any(|a| a.action == "orders.revoke_discount" && a.target_id == id));
        assert!(rows.iter().any(|a| a.action == "orders.grant_discount"));
        let rows = audit::recent(app.db.read(), None, 200).await.unwrap();
        assert!(rows
            .iter()
            .any(|a| a.action == "orders.set_discount_floor" && a.actor_kind == "operator"));
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn partners_order_on_behalf_of_resale_customers() {
    for app in apps("natorder").await {
        let w = world(&app).await;
        let (dc, rcreds) = (Creds::from(&w.d), Creds::from(&w.r));
        let body = |cid: &str, info: Value| {
            json!({"customer_id": cid, "product_infos": [info]}).to_string()
        };
        let small = json!({"product_id": "ecs-s6-small-1-linux", "period_type": 2, "period_num": 3, "subscription_num": 2});

        let r = call_key(
            &app,
            &dc,
            "POST",
            PLACE,
            &body(&w.c.customer_id, small.clone()),
            "p1",
        )
        .await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        let order_id = j["order_id"].as_str().unwrap().to_string();
        // 35.00 a month × 3 months × 2.
        assert_eq!(j["amount"].to_string(), "210.00");
        let deadline =
            pc_domain::timefmt::parse_utc(j["payment_deadline"].as_str().unwrap()).unwrap();
        assert_eq!(deadline, NOW_MS + pc_domain::orders::PAYMENT_WINDOW_MS);
        // Retried under the same key: the same order, not a second one.
        let before = count(&app, "orders").await;
        let again = call_key(
            &app,
            &dc,
            "POST",
            PLACE,
            &body(&w.c.customer_id, small.clone()),
            "p1",
        )
        .await;
        assert_eq!(again.body, r.body);
        assert_eq!(count(&app, "orders").await, before);

        // The order is the customer's, placed by the partner as agent, pending payment.
        let d = call(
            &app,
            &dc,
            "GET",
            &format!("/v2/orders/customer-orders/details/{order_id}"),
            "",
        )
        .await;
        assert_eq!(d.status, 200, "{}", d.body);
        let info = &d.json()["order_info"];
        assert_eq!(info["source_type"], 2);
        assert_eq!(info["status"], 6);
        assert_eq!(info["order_type"], 1);
        assert_eq!(info["customer_id"], w.c.customer_id.as_str());
        assert_eq!(info["user_name"], "Distributor partner");
        let mine = call(
            &app,
            &Creds::from(&w.c),
            "GET",
            &format!("/v2/orders/customer-orders/details/{order_id}"),
            "",
        )
        .await;
        assert_eq!(mine.status, 200, "{}", mine.body);
        let rows = audit::recent(app.db.read(), Some(&w.d.partner_id), 50)
            .await
            .unwrap();
        assert!(rows.iter().any(|a| a.action == "orders.place"
            && a.target_id == order_id
            && a.actor_kind == "partner"));

        // A reseller orders for its own customer; linear products need a size.
        let disk = json!({"product_id": "evs-ssd", "period_type": 3, "period_num": 1, "resource_size": 40});
        let r = call(&app, &rcreds, "POST", PLACE, &body(&w.rc.customer_id, disk)).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["amount"].to_string(), "400.00");

        // Refusals, with nothing written.
        let before = count(&app, "orders").await;
        for (cid, code) in [
            (w.cc.customer_id.as_str(), "CBC.5024"),
            (w.oc.customer_id.as_str(), "CBC.99000035"),
            (w.rc.customer_id.as_str(), "CBC.99000035"),
            ("no-such-customer", "CBC.99000035"),
        ] {
            call(&app, &dc, "POST", PLACE, &body(cid, small.clone()))
                .await
                .assert_error(400, code);
        }
        let unknown = json!({"product_id": "nope", "period_type": 2, "period_num": 1});
        call(&app, &dc, "POST", PLACE, &body(&w.c.customer_id, unknown))
            .await
            .assert_error(400, "CBC.99006006");
        for bad in [
            json!({"product_id": "ecs-s6-small-1-linux", "period_type": 1, "period_num": 1}),
            json!({"product_id": "ecs-s6-small-1-linux", "period_type": 2, "period_num": 12}),
            json!({"product_id": "ecs-s6-small-1-linux", "period_type": 3, "period_num": 4}),
            json!({"product_id": "ecs-s6-small-1-linux", "period_type": 2, "period_num": 1, "subscription_num": 0}),
            json!({"product_id": "evs-ssd", "period_type": 2, "period_num": 1}),
            json!({"product_id": "ecs-s6-small-1-linux", "period_type": 2}),
            json!({"product_id": "ecs-s6-small-1-linux", "period_type": 2, "period_num": 1, "colour": "red"}),
        ] {
            call(&app, &dc, "POST", PLACE, &body(&w.c.customer_id, bad))
                .await
                .assert_error(400, "CBC.0100");
        }
        call(
            &app,
            &dc,
            "POST",
            PLACE,
            &json!({"customer_id": w.c.customer_id, "product_infos": []}).to_string(),
        )
        .await
        .assert_error(400, "CBC.0100");
        call(&app, &dc, "POST", PLACE, r#"{"product_infos": []}"#)
            .await
            .assert_error(400, "CBC.0100");
        call(&app, &dc, "POST", PLACE, "not json")
            .await
            .assert_error(400, "CBC.0100");
        assert_eq!(count(&app, "orders").await, before, "{}", app.engine);
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn operators_list_every_order() {
    for app in apps("natall").await {
        let w = world(&app).await;
        let (_, op) = operator(&app, "all-op").await;
        let appr = &app;
        let place = |creds: Creds, cid: String| {
            let b = json!({"customer_id": cid, "product_infos": [{"product_id": "obs-standard-100g", "period_type": 2, "period_num": 1}]}).to_string();
            async move {
                let r = call(appr, &creds, "POST", PLACE, &b).await;
                assert_eq!(r.status, 200, "{}", r.body);
                r.json()["order_id"].as_str().unwrap().to_string()
            }
        };
        let o1 = place(Creds::from(&w.d), w.c.customer_id.clone()).await;
        let o2 = place(Creds::from(&w.o), w.oc.customer_id.clone()).await;
        let o3 = place(Creds::from(&w.r), w.rc.customer_id.clone()).await;

        let r = call(&app, &op, "GET", ALL_ORDERS, "").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 3);
        let by_id = |id: &str| {
            j["order_infos"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["order_id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(by_id(&o1)["partner_id"], w.d.partner_id.as_str());
        assert_eq!(by_id(&o2)["partner_id"], w.o.partner_id.as_str());
        assert_eq!(by_id(&o3)["partner_id"], w.r.partner_id.as_str());
        assert_eq!(by_id(&o3)["root_partner_id"], w.d.partner_id.as_str());
        assert_eq!(by_id(&o1)["status"], 6);
        assert_eq!(by_id(&o1)["official_amount"].to_string(), "9.90");
        assert!(by_id(&o1)["pending_payment_end_time"].is_string());
        // The filters of list_customer_orders.
        let r = call(
            &app,
            &op,
            "GET",
            &format!("{ALL_ORDERS}?customer_id={}", w.oc.customer_id),
            "",
        )
        .await;
        assert_eq!(r.json()["total_count"], 1);
        let r = call(&app, &op, "GET", &format!("{ALL_ORDERS}?status=5"), "").await;
        assert_eq!(r.json()["total_count"], 0);
        let r = call(&app, &op, "GET", &format!("{ALL_ORDERS}?order_id={o2}"), "").await;
        assert_eq!(r.json()["order_infos"][0]["order_id"], o2.as_str());
        let r = call(
            &app,
            &op,
            "GET",
            &format!("{ALL_ORDERS}?limit=2&order_by=createTime"),
            "",
        )
        .await;
        assert_eq!(r.json()["order_infos"].as_array().unwrap().len(), 2);
        for q in [
            "status=7",
            "limit=0",
            "order_by=price",
            "create_time_begin=yesterday",
        ] {
            call(&app, &op, "GET", &format!("{ALL_ORDERS}?{q}"), "")
                .await
                .assert_error(400, "CBC.0100");
        }
        // English names on X-Language: en_US, as the vendor API.
        let en = app
            .send(signed(
                &op,
                "GET",
                ALL_ORDERS,
                "",
                NOW_MS,
                &[("x-language", "en_US")],
            ))
            .await;
        assert_eq!(
            en.json()["order_infos"][0]["service_type_name"],
            "Object Storage Service"
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn openapi_documents_the_native_operations() {
    let app = apps("natdoc").await.remove(0);
    let r = app
        .send(
            axum::http::Request::get("/openapi.json")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, 200);
    let doc = r.json();
    for op in partner_center::http::native::operations() {
        let m = op.method.as_str().to_ascii_lowercase();
        let entry = &doc["paths"][op.path][&m];
        assert_eq!(entry["operationId"], op.name);
        assert_eq!(entry["security"][0]["sdkHmacSha256"], json!([]));
    }
    assert!(doc["paths"]["/native/v1/discounts"]["post"]["requestBody"].is_object());
    // (Dangling `$ref`s over the whole document: the openapi module's unit test.)
}

#[tokio::test]
async fn the_cli_creates_operator_keys() {
    for app in apps("natcli").await {
        let uid = identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: "cli-op".into(),
                password: "Passw0rd!".into(),
            },
        )
        .await
        .unwrap();
        let run = |login: &str| {
            std::process::Command::new(env!("CARGO_BIN_EXE_partner-center"))
                .env("PC_LANG", "en-US") // messages in English, whatever the locale
                .args(["admin", "create-operator-key", "--login", login, "--json"])
                .args(["--description", "nightly catalogue sync"])
                .args(["--database", app.db.url()])
                .env("PC_MASTER_KEY", app.mk.to_hex())
                .output()
                .unwrap()
        };
        let out = run("cli-op");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["user_id"], uid.as_str());
        let creds = Creds {
            ak: j["access_key"].as_str().unwrap().into(),
            sk: j["secret_key"].as_str().unwrap().into(),
            domain_id: uid.clone(),
        };
        let r = call(&app, &creds, "GET", FLOOR, "").await;
        assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
        // A login that is not an active operator: exit code 2, nothing created.
        let d = app.partner(PartnerType::Distributor, None).await;
        for login in ["nobody-here", d.login.as_str()] {
            let out = run(login);
            assert_eq!(out.status.code(), Some(2));
            assert!(String::from_utf8_lossy(&out.stderr).contains("no active operator"));
        }
        assert_eq!(
            count(&app, "access_keys WHERE owner_kind = 'operator'").await,
            1
        );
    }
}

/// Operators add a cloud service type and a resource type of it, then sell a product of them:
/// the vendor API lists the new types; partners cannot; bad codes, an unknown service type and
/// moving a resource type to another service type are refused without a write.
#[tokio::test]
async fn operators_manage_service_and_resource_types() {
    for app in apps("nattypes").await {
        let w = world(&app).await;
        let (_, op) = operator(&app, "types-op").await;
        let dc = Creds::from(&w.d);
        let st = "/native/v1/catalog/service-types/hws.service.type.gpu";
        let rt = "/native/v1/catalog/resource-types/hws.resource.type.gpu.vm";
        let st_body = json!({"name_zh": "GPU加速云服务器", "name_en": "GPU Accelerated Cloud Server", "abbreviation": "GACS", "sort_order": 7}).to_string();
        call(&app, &dc, "PUT", st, &st_body)
            .await
            .assert_error(403, "CBC.0155");
        let r = call(&app, &op, "PUT", st, &st_body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["abbreviation"], "GACS");
        let before = count(&app, "catalog_resource_types").await;
        for (path, body) in [
            ("/native/v1/catalog/service-types/gpu", st_body.clone()),
            ("/native/v1/catalog/service-types/hws.service.type.GPU", st_body.clone()),
            (st, json!({"name_zh": "", "name_en": "x", "abbreviation": "G"}).to_string()),
            (rt, json!({"service_type_code": "hws.service.type.none", "name_zh": "x", "name_en": "x"}).to_string()),
        ] {
            call(&app, &op, "PUT", path, &body).await.assert_error(400, "CBC.0100");
        }
        assert_eq!(count(&app, "catalog_resource_types").await, before);
        let rt_body = json!({"service_type_code": "hws.service.type.gpu", "name_zh": "GPU云主机", "name_en": "GPU server", "desc_zh": "P100", "desc_en": "P100"}).to_string();
        let r = call(&app, &op, "PUT", rt, &rt_body).await;
        assert_eq!(r.status, 200, "{}", r.body);
        // A resource type keeps its service type.
        let moved =
            json!({"service_type_code": "hws.service.type.ec2", "name_zh": "x", "name_en": "x"})
                .to_string();
        call(&app, &op, "PUT", rt, &moved)
            .await
            .assert_error(400, "CBC.0100");
        // A product of the new types, and the vendor API lists them.
        let product = json!({"product_id": "gpu-p100", "service_type_code": "hws.service.type.gpu",
            "resource_type_code": "hws.resource.type.gpu.vm", "resource_spec": "p100.xlarge", "region": "cn-north-4",
            "name_zh": "GPU P100", "name_en": "GPU P100", "month_price": "1999.00"}).to_string();
        let r = call(&app, &op, "POST", PRODUCTS, &product).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let types = call(&app, &dc, "GET", "/v2/products/service-types?limit=100", "").await;
        assert_eq!(types.status, 200, "{}", types.body);
        assert!(
            types.body.contains("hws.service.type.gpu"),
            "{}",
            types.body
        );
        let rts = call(
            &app,
            &dc,
            "GET",
            "/v2/products/resource-types?limit=100",
            "",
        )
        .await;
        assert!(
            rts.body.contains("hws.resource.type.gpu.vm"),
            "{}",
            rts.body
        );
        let audited: i64 = sql::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action IN ('catalog.save_service_type', 'catalog.save_resource_type')")
            .fetch_one(app.db.read())
            .await
            .unwrap();
        assert_eq!(audited, 2);
    }
}
