//! The demo (`serve --demo`): a year of history a newcomer finds in every list, as each role sees
//! it through the console; consistent (`verify`'s checks), deterministic (two loads at the same
//! moment make the same history) and loaded once.

mod common;

use common::*;
use pc_app::services::demo;
use pc_app::store::sql;

/// The rows of `body` whose opening tag carries `attr` (`data-order=`, `data-status="pending"`).
fn rows(body: &str, attr: &str) -> usize {
    body.matches(&format!("<tr {attr}")).count()
}

/// What two loads at the same moment must agree on: every order's kind, status, money and time,
/// and every audit row's action, actor kind and time.
async fn fingerprint(
    app: &TestApp,
) -> (
    Vec<(i64, i64, i64, i64, i64, i64, String)>,
    Vec<(String, String, i64)>,
) {
    let orders: Vec<(i64, i64, i64, i64, i64, i64, String)> = sql::query_as(
        "SELECT status, order_type, official_amount, cash_amount, coupon_amount, created_at, user_name \
         FROM orders ORDER BY created_at, user_name, official_amount, status",
    )
    .fetch_all(app.db.read())
    .await
    .unwrap();
    let audit: Vec<(String, String, i64)> = sql::query_as(
        "SELECT action, actor_kind, at FROM audit_log ORDER BY at, action, actor_kind",
    )
    .fetch_all(app.db.read())
    .await
    .unwrap();
    (orders, audit)
}

async fn count(app: &TestApp, table: &str) -> i64 {
    sql::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

/// `GET path` as `s`: 200 and the body.
async fn page(app: &TestApp, s: &Session, path: &str) -> String {
    let r = app.console_get(s, path).await;
    assert_eq!(r.status, 200, "{} {path}: {}", app.engine, r.body);
    r.body
}

/// Asserts that `path` lists at least `min` rows carrying `attr`.
async fn lists(app: &TestApp, s: &Session, path: &str, attr: &str, min: usize) -> String {
    let body = page(app, s, path).await;
    let n = rows(&body, attr);
    assert!(
        n >= min,
        "{} {path}: {n} rows with {attr}, want ≥ {min}",
        app.engine
    );
    body
}

#[tokio::test]
async fn the_demo_is_a_lived_in_year_for_every_role_loaded_once_and_the_same_each_time() {
    let mut prints = Vec::new();
    for app in apps("demo").await {
        let e = app.engine.clone();
        let started = std::time::Instant::now();
        let info = demo::load_once(&app.db, ctx(), app.mk.clone())
            .await
            .unwrap()
            .expect("loaded the first time");
        eprintln!("{e}: the demo loaded in {:?}", started.elapsed());
        app.assert_ledger_clean().await;
        // Every printed login signs in with the documented password.
        for demo::DemoLogin {
            role,
            login,
            password,
            ..
        } in &info.logins
        {
            assert_eq!(password, demo::DEMO_PASSWORD, "{e}: {role}");
            let r = app.login_attempt(login, password).await;
            assert_eq!(r.status, 303, "{e}: {role} {login}: {}", r.body);
        }

        // The operator: every customer, the top-ups (confirmed and one waiting), quotas, the log.
        let op = app
            .console_login(demo::OPERATOR_LOGIN, demo::DEMO_PASSWORD)
            .await;
        lists(&app, &op, "/console/customers", "data-customer=", 20).await;
        let topups = lists(&app, &op, "/console/topups", "data-topup=", 5).await;
        assert!(topups.contains(r#"data-status="credited""#), "{e}");
        assert!(topups.contains(r#"data-status="pending""#), "{e}");
        lists(&app, &op, "/console/quotas", "data-quota=", 4).await;
        let audit = lists(&app, &op, "/console/audit", "data-seq=", 20).await;
        for action in [
            "orders.pay",
            "coupon.expire",
            "usage.import",
            "association.end",
        ] {
            let body = page(&app, &op, &format!("/console/audit?action={action}")).await;
            assert!(rows(&body, "data-seq=") > 0, "{e}: no {action} in the log");
        }
        assert!(audit.contains("Asia/Shanghai"), "{e}");

        // The distributor: orders in several statuses, coupons, quotas, invites and what they
        // produced, money records, resources, bills, association records.
        let dist = app.console_login("distributor", demo::DEMO_PASSWORD).await;
        for status in [5, 4, 6] {
            let path = format!("/console/orders?status={status}");
            lists(&app, &dist, &path, "data-order=", 1).await;
        }
        let vouchers = lists(&app, &dist, "/console/vouchers", "data-coupon=", 5).await;
        assert!(
            rows(&vouchers, "data-quota=") >= 1,
            "{e}: the distributor's quotas"
        );
        lists(&app, &dist, "/console/invites", "data-outcome=", 3).await;
        lists(&app, &dist, "/console/funds", "data-transfer=", 5).await;
        lists(&app, &dist, "/console/bills", "data-", 1).await;
        let customers = lists(&app, &dist, "/console/customers", "data-customer=", 8).await;
        assert!(
            customers.contains(r#"data-account="lotus-clinic""#),
            "{e}: came back"
        );
        // Its association records, as the operator reads them: Ningbo's (ended), the
        // distributor's (current).
        let all = page(&app, &op, "/console/customers?account_name=lotus-clinic").await;
        let at = all
            .find(r#"data-account="lotus-clinic""#)
            .expect("lotus-clinic is listed");
        let id = all[..at].rsplit("data-customer=\"").next().unwrap();
        let id = id.split('"').next().unwrap();
        let detail = page(&app, &op, &format!("/console/customers/{id}")).await;
        assert!(rows(&detail, "data-association=") >= 2, "{e}: {detail}");
        assert!(detail.contains(r#"data-status="ended""#), "{e}");

        // The distributor's staff member reads; a reseller with history has customers and orders.
        let staff = app
            .console_login("distributor-staff", demo::DEMO_PASSWORD)
            .await;
        lists(&app, &staff, "/console/customers", "data-customer=", 8).await;
        let suzhou = app
            .console_login("reseller-suzhou", demo::DEMO_PASSWORD)
            .await;
        lists(&app, &suzhou, "/console/customers", "data-customer=", 3).await;
        lists(&app, &suzhou, "/console/orders", "data-order=", 5).await;

        // Customers: their orders, resources, bills, invoices, usage, top-ups.
        let jn = app
            .console_login("jiangnan-textile", demo::DEMO_PASSWORD)
            .await;
        lists(&app, &jn, "/console/orders", "data-order=", 10).await;
        lists(&app, &jn, "/console/resources", "data-resource=", 3).await;
        lists(&app, &jn, "/console/bills", "data-", 1).await;
        lists(&app, &jn, "/console/invoices", "data-invoice=", 1).await;
        let hf = app
            .console_login("harbor-freight", demo::DEMO_PASSWORD)
            .await;
        lists(&app, &hf, "/console/usage", "data-resource=", 1).await;
        let cp = app.console_login("cloudpeak-ai", demo::DEMO_PASSWORD).await;
        lists(&app, &cp, "/console/topup", "data-topup=", 3).await;

        // Loading again is a no-op.
        let before = (count(&app, "audit_log").await, count(&app, "orders").await);
        let again = demo::load_once(&app.db, ctx(), app.mk.clone())
            .await
            .unwrap();
        assert!(again.is_none(), "{e}");
        let after = (count(&app, "audit_log").await, count(&app, "orders").await);
        assert_eq!(before, after, "{e}");
        prints.push((e, fingerprint(&app).await));
    }
    // A second load at the same moment makes the same history (on another database: the other
    // engine's, or a fresh SQLite one).
    let other = apps("demo_again").await.into_iter().next().unwrap();
    demo::load_once(&other.db, ctx(), other.mk.clone())
        .await
        .unwrap();
    let again = fingerprint(&other).await;
    for (engine, (orders, audit)) in &prints {
        assert!(orders.len() > 100, "{engine}: {} orders", orders.len());
        assert_eq!(
            orders, &again.0,
            "{engine}: the orders differ between two loads"
        );
        // The console logins above added their own audit rows: compare the demo's only.
        let demo_rows: Vec<_> = audit.iter().filter(|r| r.2 < NOW_MS).cloned().collect();
        let again_rows: Vec<_> = again.1.iter().filter(|r| r.2 < NOW_MS).cloned().collect();
        assert_eq!(
            demo_rows, again_rows,
            "{engine}: the audit logs differ between two loads"
        );
    }
}
