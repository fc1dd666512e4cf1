//! The console's home pages: per role, the figures and charts come from the data the test
//! creates (associations in two months, an order waiting for payment, an expiring coupon,
//! allocations and a reclaim, a top-up to confirm and one confirmed, a resource about to
//! expire); a reseller's home never counts its sibling's customers, a master distributor's counts
//! its whole tree and says its direct customers apart; the operator's has charts.

mod common;

use common::shop::{app_now, cust_ctx, fund, pay_cash, place_ecs_month};
use common::*;
use pc_app::services::{coupons, customers, funds, topups};
use pc_app::{Actor, Ctx};
use pc_domain::bills::BillCycle;
use pc_domain::coupons::QuotaType;
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;

const DAY: i64 = 86_400_000;

/// A resale customer of `partner_id` associated at `at_ms`.
async fn customer_at(app: &TestApp, partner_id: &str, name: &str, at_ms: i64) -> String {
    customers::create_associated(
        &app.db,
        Ctx::new(
            Actor::System {
                name: "test".into(),
            },
            "req-home",
            at_ms,
        ),
        app.mk.clone(),
        customers::NewCustomer {
            partner_id: partner_id.into(),
            association: AssociationType::Resale,
            domain_name: Some(name.into()),
            real_name: None,
            label: None,
            password: Some("Passw0rd!".into()),
        },
    )
    .await
    .unwrap()
    .customer_id
}

/// The text of the element with `id` (its first text node).
fn text_of(body: &str, id: &str) -> String {
    let at = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &body[at..];
    let start = rest.find('>').unwrap() + 1;
    let end = rest[start..].find('<').unwrap() + start;
    rest[start..end].trim().to_string()
}

/// Does the page have this markup?
fn has(body: &str, needle: &str) -> bool {
    body.contains(needle)
}

#[tokio::test]
async fn home_figures_per_role() {
    for app in apps("home").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let r1 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let r2 = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let last_month = NOW_MS - 30 * DAY;
        let (this_label, last_label) = (
            BillCycle::of_ms(NOW_MS).to_string(),
            BillCycle::of_ms(last_month).to_string(),
        );
        assert_ne!(this_label, last_label);
        // r1: one customer last month, one this month; r2 (its sibling): one this month.
        let a1 = customer_at(&app, &r1.partner_id, "home-a1", last_month).await;
        let a2 = customer_at(&app, &r1.partner_id, "home-a2", NOW_MS).await;
        let _b1 = customer_at(&app, &r2.partner_id, "home-b1", NOW_MS).await;
        // An order of a2 waiting for payment.
        place_ecs_month(&app, &a2).await;
        // r1 allocates 30.00 to a1 and reclaims 10.00.
        app.credit(&r1.partner_id, 10_000).await;
        app.allocate(&r1.partner_id, &a1, 3_000).await;
        funds::move_customer_funds(
            &app.db,
            app.as_partner(&r1.partner_id),
            funds::CustomerFunds {
                way: funds::Way::Reclaim,
                indirect_partner_id: None,
                customer_id: a1.clone(),
                amount: Money::from_cents(1_000),
            },
        )
        .await
        .unwrap();
        // A quota of 500.00 for r1, and a coupon of 20.00 to a1 expiring in 10 days.
        let quota = common::shop::coupon_quota(&app, &r1.partner_id, QuotaType::Cash, 50_000).await;
        let issued = coupons::issue(
            &app.db,
            app.as_partner(&r1.partner_id),
            coupons::IssueRequest {
                quota_id: quota,
                customer_ids: vec![a1.clone()],
                face_value: Money::from_cents(2_000),
                expire_time: Some(NOW_MS + 10 * DAY),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(issued.issued.len(), 1, "{e}: {:?}", issued.failed);
        // A consulting customer of d declares a top-up for an operator to confirm, and another
        // one of 70.00, which an operator confirms.
        let cc = app
            .customer(&d.partner_id, AssociationType::Consulting, "home-cc", "x")
            .await;
        let mut declared = Vec::new();
        for (cents, reference) in [(5_000, "HOME-1"), (7_000, "HOME-2")] {
            let decl = topups::Declaration {
                amount: Money::from_cents(cents),
                reference: reference.into(),
                order_id: None,
            };
            let t = topups::declare(&app.db, cust_ctx(&app, &cc.customer_id), decl)
                .await
                .unwrap();
            declared.push(t.id);
        }
        let ops = Ctx::new(
            Actor::Operator {
                user_id: "home-ops".into(),
            },
            "req-home-ops",
            NOW_MS,
        );
        topups::confirm(&app.db, ops, declared[1].clone())
            .await
            .unwrap();

        // r1's home.
        let s = app.console_login(&r1.login, "Passw0rd!").await;
        let h = app.console_get(&s, "/console").await;
        assert_eq!(h.status, 200, "{e}: {}", h.body);
        let b = &h.body;
        assert_eq!(text_of(b, "customers-this-month"), "1", "{e}");
        assert_eq!(text_of(b, "orders-awaiting-payment"), "1", "{e}");
        assert!(has(b, r#"href="/console/orders?status=6""#), "{e}");
        assert!(has(b, r#"id="task-unpaid-orders" data-count="1""#), "{e}");
        assert!(
            has(b, r#"id="task-expiring-coupons" data-count="1""#),
            "{e}"
        );
        assert!(has(b, r#"<span class="amount" data-cents="2000">"#), "{e}");
        assert_eq!(text_of(b, "coupon-quota-left"), "¥480.00", "{e}");
        assert_eq!(text_of(b, "balance"), "¥80.00", "{e}");
        for (label, n) in [(&last_label, 1), (&this_label, 1)] {
            let bar = format!(r#"data-category="{label}" data-count="{n}""#);
            assert!(has(b, &bar), "{e}: {bar}");
        }
        assert!(
            has(b, r#"id="chart-customers""#) && has(b, r#"id="chart-funds""#),
            "{e}"
        );
        assert!(
            has(
                b,
                &format!(r#"data-category="{this_label}" data-total-cents="2000""#)
            ),
            "{e}"
        );
        assert!(
            has(b, r#"data-series="allocated" data-cents="3000""#),
            "{e}"
        );
        assert!(
            has(b, r#"data-series="reclaimed" data-cents="-1000""#),
            "{e}"
        );
        assert!(has(b, r#"data-status="6" data-count="1""#), "{e}");
        assert!(has(b, "<title id=\"chart-orders-title\">"), "{e}");

        // r2 (the sibling) counts its own customer only, and has nothing waiting.
        let s2 = app.console_login(&r2.login, "Passw0rd!").await;
        let b2 = app.console_get(&s2, "/console").await.body;
        assert_eq!(text_of(&b2, "customers-this-month"), "1", "{e}");
        assert!(
            !has(
                &b2,
                &format!(r#"data-category="{last_label}" data-count="1""#)
            ),
            "{e}"
        );
        assert_eq!(text_of(&b2, "orders-awaiting-payment"), "0", "{e}");
        assert!(has(&b2, "暂无待办事项"), "{e}");
        let joined = customers::associated_by_month(&app.db, &app.as_partner(&r2.partner_id), 12)
            .await
            .unwrap();
        assert_eq!(joined.counts.iter().sum::<i64>(), 1, "{e}");
        assert_eq!(joined.months.len(), 12);
        // The distributor's home counts its whole tree: this month its consulting customer,
        // r1's a2 and r2's b1, of which its own is one; last month r1's a1.
        let sd = app.console_login(&d.login, "Passw0rd!").await;
        let bd = app.console_get(&sd, "/console").await.body;
        assert_eq!(text_of(&bd, "customers-this-month"), "3", "{e}: {bd}");
        assert_eq!(
            text_of(&bd, "customers-this-month-direct"),
            "1",
            "{e}: its consulting customer"
        );
        for (label, n) in [(&last_label, 1), (&this_label, 3)] {
            let bar = format!(r#"data-category="{label}" data-count="{n}""#);
            assert!(has(&bd, &bar), "{e}: {bar}");
        }
        let tree = customers::associated_by_month(&app.db, &app.as_partner(&d.partner_id), 12)
            .await
            .unwrap();
        assert_eq!(tree.counts.iter().sum::<i64>(), 4, "{e}");
        assert_eq!(tree.direct.iter().sum::<i64>(), 1, "{e}");
        // A reseller's figure is its own only, with no "direct" part.
        assert!(!has(b, "customers-this-month-direct"), "{e}");

        // The customers.
        let sa1 = app.console_login("home-a1", "Passw0rd!").await;
        let ba1 = app.console_get(&sa1, "/console").await.body;
        assert!(
            has(&ba1, r#"<span class="amount" data-cents="2000">"#),
            "{e}: {ba1}"
        );
        assert_eq!(text_of(&ba1, "orders-to-pay"), "0", "{e}");
        assert_eq!(text_of(&ba1, "balance"), "¥20.00", "{e}");
        assert!(has(&ba1, r#"id="association""#), "{e}");
        let sa2 = app.console_login("home-a2", "Passw0rd!").await;
        let ba2 = app.console_get(&sa2, "/console").await.body;
        assert_eq!(text_of(&ba2, "orders-to-pay"), "1", "{e}");
        assert!(
            has(&ba2, r#"<span class="count">0</span>"#),
            "{e}: no coupon"
        );

        // The operators.
        let so = app.operator_session("home-ops").await;
        let bo = app.console_get(&so, "/console").await.body;
        assert_eq!(text_of(&bo, "topups-pending"), "1", "{e}");
        assert_eq!(text_of(&bo, "partner-count"), "3", "{e}");
        assert_eq!(text_of(&bo, "customer-count"), "4", "{e}");
        for (kind, cents) in [
            ("partner_cash", 8_000),
            ("customer_cash", 9_000),
            ("coupon_quota", 48_000),
            ("coupon", 2_000),
        ] {
            let row = format!(r#"data-kind="{kind}" data-cents="{cents}""#);
            assert!(has(&bo, &row), "{e}: {row}");
        }
        // The operator's charts: partners joined (all three now), customers joined (a1 last
        // month, three this month), the top-up credited (one, 70.00) and the platform's orders
        // by status (a2's, waiting for payment).
        let bar = |chart: &str, label: &str, n: i64| {
            let at = bo
                .find(&format!(r#"id="{chart}""#))
                .unwrap_or_else(|| panic!("{e}: no #{chart}"));
            let end = bo[at..].find("</figure>").unwrap() + at;
            bo[at..end].contains(&format!(r#"data-category="{label}" data-count="{n}""#))
        };
        assert!(bar("chart-partners", &this_label, 3), "{e}: {bo}");
        assert!(bar("chart-customers-joined", &last_label, 1), "{e}");
        assert!(bar("chart-customers-joined", &this_label, 3), "{e}");
        assert!(bar("chart-topups-count", &this_label, 1), "{e}");
        assert!(bar("chart-topups-count", &last_label, 0), "{e}");
        assert!(
            has(&bo, r#"id="chart-topups-amount""#)
                && has(&bo, r#"data-series="credited" data-cents="7000""#),
            "{e}"
        );
        assert!(
            has(&bo, r#"id="chart-orders""#) && has(&bo, r#"data-status="6" data-count="1""#),
            "{e}"
        );
        assert!(has(&bo, "全平台订单状态"), "{e}");

        // A one-month resource bought now expires within 30 days; once it has expired it is
        // no longer counted.
        assert_eq!(text_of(&ba1, "resources-expiring"), "0", "{e}");
        let c1 = customer_at(&app, &d.partner_id, "home-c1", NOW_MS).await;
        fund(&app, &d.partner_id, &c1, 5_000).await;
        let (order, _) = place_ecs_month(&app, &c1).await;
        pay_cash(&app, &c1, order).await;
        let sc1 = app.console_login("home-c1", "Passw0rd!").await;
        let now = app.console_get(&sc1, "/console").await.body;
        assert_eq!(text_of(&now, "resources-expiring"), "1", "{e}");
        app.clock.advance(40 * DAY);
        assert!(app_now(&app) > NOW_MS);
        let sc1 = app.console_login("home-c1", "Passw0rd!").await;
        let later = app.console_get(&sc1, "/console").await.body;
        assert_eq!(text_of(&later, "resources-expiring"), "0", "{e}");
        app.assert_ledger_clean().await;
    }
}

/// Staff see the partner's figures but no invoice task; an English page has English labels.
#[tokio::test]
async fn home_in_english_has_every_label() {
    for app in apps("home_en").await {
        let p = app.partner(PartnerType::Consulting, None).await;
        let s = app.console_login(&p.login, "Passw0rd!").await;
        app.console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        let b = app.console_get(&s, "/console").await.body;
        assert!(b.contains("Customers associated this month"), "{}", b);
        assert!(b.contains("Nothing is waiting on you."));
        assert!(!b.contains("??"), "a missing translation");
        assert!(b.contains(">Nov<"), "short month labels: {b}");
        // The operator's charts, in English.
        let so = app.operator_session("home-en-ops").await;
        app.console_post(&so, "/console/lang", &[("lang", "en-US")])
            .await;
        let bo = app.console_get(&so, "/console").await.body;
        for title in [
            "Partners joined per month (last 12 months)",
            "Customers joined per month (last 12 months)",
            "Top-ups confirmed per month (last 12 months)",
            "Orders by status across the platform (last 12 months)",
        ] {
            assert!(bo.contains(title), "{title}: {bo}");
        }
        assert!(!bo.contains("??"), "a missing translation");
    }
}
