//! The console's capability-opening page (partner return addresses), the customer's payment page
//! (coupons, discount, top-up entry, post-payment redirect), the order status tabs and the
//! customer's resources page (renew, auto-renew), in process on SQLite and PostgreSQL.

mod common;

use common::shop::{cust_ctx, customer_balance, fund, item, place};
use common::*;
use pc_app::services::customers::CreatedCustomer;
use pc_app::services::orders::{self, OrderQuery, RawOrderQuery};
use pc_app::services::partners::CreatedPartner;
use pc_app::services::subscriptions::resources::{self, ResourceQuery};
use pc_app::services::{coupons, redirects};
use pc_app::store::sql;
use pc_app::{Actor, Code, Ctx};
use pc_domain::coupons::QuotaType;
use pc_domain::orders::{OrderType, PeriodType, Ratio};
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::Money;

/// Distributor `d` with reseller `r`; consulting-sales partner `k`; resale customers `c` (of d)
/// and `rc` (of r); consulting customer `kc` (of k).
struct World {
    d: CreatedPartner,
    r: CreatedPartner,
    k: CreatedPartner,
    c: CreatedCustomer,
    rc: CreatedCustomer,
    kc: CreatedCustomer,
}

async fn world(app: &TestApp) -> World {
    let d = app.partner(PartnerType::Distributor, None).await;
    let r = app
        .partner(PartnerType::Reseller, Some(&d.partner_id))
        .await;
    let k = app.partner(PartnerType::Consulting, None).await;
    let c = app
        .customer(&d.partner_id, AssociationType::Resale, "con-cust", "x")
        .await;
    let rc = app
        .customer(&r.partner_id, AssociationType::Resale, "con-rcust", "x")
        .await;
    let kc = app
        .customer(&k.partner_id, AssociationType::Consulting, "con-kcust", "x")
        .await;
    World { d, r, k, c, rc, kc }
}

fn partner_ctx(partner_id: &str, root_id: &str) -> Ctx {
    Ctx::new(
        Actor::Partner {
            partner_id: partner_id.into(),
            root_id: root_id.into(),
            user_id: None,
            role: Role::PartnerAdmin,
        },
        "req-console-orders",
        NOW_MS,
    )
}

/// A coupon of `cents` from a fresh quota of `t` granted to `partner`, issued to `customer_id`.
async fn coupon(
    app: &TestApp,
    partner_id: &str,
    customer_id: &str,
    t: QuotaType,
    cents: i64,
) -> String {
    let quota = coupons::NewQuota {
        partner_id: partner_id.into(),
        quota_type: t,
        amount: Money::from_cents(cents * 10),
        effective_at: None,
        expire_at: Some(NOW_MS + 30 * 86_400_000),
        limits: Default::default(),
    };
    let quota_id = coupons::grant_quota(&app.db, common::ctx(), quota)
        .await
        .unwrap()
        .quota_id;
    let req = coupons::IssueRequest {
        quota_id,
        customer_ids: vec![customer_id.to_string()],
        face_value: Money::from_cents(cents),
        valid_time: None,
        expire_time: None,
        service_types: Vec::new(),
        product_ids: Vec::new(),
        memo: None,
        indirect_partner_id: None,
        order_types: Vec::new(),
    };
    let ctx = partner_ctx(partner_id, partner_id);
    let out = coupons::issue(&app.db, ctx, req).await.unwrap();
    assert!(out.failed.is_empty(), "{:?}", out.failed);
    out.issued[0].1.clone()
}

async fn grant(app: &TestApp, partner_id: &str, customer_id: &str, ratio: &str) -> String {
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

async fn order(app: &TestApp, customer_id: &str, order_id: &str) -> orders::Order {
    orders::order_detail(&app.db, &cust_ctx(app, customer_id), order_id, None)
        .await
        .unwrap()
        .order
}

async fn audits(app: &TestApp, action: &str) -> i64 {
    sql::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

/// The session's cookie with an empty CSRF token: a form forged on another site.
fn without_csrf(s: &Session) -> Session {
    Session {
        cookie: s.cookie.clone(),
        csrf: String::new(),
    }
}

fn location(r: &Resp) -> String {
    r.headers["location"].to_str().unwrap().to_string()
}

/// The capability page: partner admins of every type but cloud resellers configure the two
/// return addresses; every refused address names the field and the rule in the page's language
/// and writes nothing; saving and clearing are audited.
#[tokio::test]
async fn capability_page_validates_and_saves() {
    for app in apps("ccap").await {
        let w = world(&app).await;
        let s = app.console_login(&w.d.login, "Passw0rd!").await;
        let home = app.console_get(&s, "/console").await;
        assert!(
            home.body.contains("data-nav=\"capability\""),
            "{}",
            home.body
        );
        let p = app.console_get(&s, "/console/capability").await;
        assert_eq!(p.status, 200, "{}", p.body);
        assert!(
            p.body.contains("id=\"capability-form\"")
                && p.body.contains("订单充值跳转地址")
                && p.body.contains("订单支付成功跳转地址")
                && !p.body.contains("??"),
            "{}",
            p.body
        );

        let long = format!("https://shop.example.com/{}", "a".repeat(1024));
        let refused: [(&str, &str, &str); 9] = [
            ("javascript:alert(1)", "", "javascript:"),
            ("http://shop.example.com/topup", "", "http 仅限 localhost"),
            ("https://user:pw@shop.example.com/", "", "用户名或密码"),
            ("https://shop.example.com/x#frag", "", "# 片段"),
            ("/relative/topup", "", "https:// 开头的完整地址"),
            (&long, "", "地址不能超过 1024 个字符"),
            ("https://shop example.com/", "", "不允许的字符"),
            ("https://shop.example.com:99999/", "", "端口"),
            // A valid top-up address does not save an invalid post-payment address.
            (
                "https://shop.example.com/topup",
                "data:text/html,hi",
                "订单支付成功跳转地址: 只允许 https",
            ),
        ];
        for (topup, paid, says) in refused {
            let r = app
                .console_post(
                    &s,
                    "/console/capability",
                    &[("topup_url", topup), ("paid_url", paid)],
                )
                .await;
            assert_eq!(r.status, 400, "{}: {topup}: {}", app.engine, r.body);
            // Beside the field refused: the top-up address unless only the other one is bad.
            let field = if paid.is_empty() {
                "topup_url"
            } else {
                "paid_url"
            };
            let id = format!("id=\"capability-form-{field}-error\"");
            assert!(
                r.body.contains(&id) && r.body.contains(says),
                "{topup}: {}",
                r.body
            );
        }
        assert_eq!(
            redirects::get(app.db.read(), &w.d.partner_id)
                .await
                .unwrap(),
            redirects::ReturnUrls::default()
        );
        assert_eq!(audits(&app, "redirects.set").await, 0);
        // No CSRF token: refused, nothing written.
        let forged = app
            .console_post(
                &without_csrf(&s),
                "/console/capability",
                &[("topup_url", "https://evil.example/")],
            )
            .await;
        assert_eq!(forged.status, 403);

        let ok = app
            .console_post(
                &s,
                "/console/capability",
                &[
                    ("topup_url", " https://shop.example.com/topup?src=pc "),
                    ("paid_url", "https://shop.example.com/paid"),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(location(&ok), "/console/capability?saved=1");
        let saved = redirects::get(app.db.read(), &w.d.partner_id)
            .await
            .unwrap();
        assert_eq!(
            saved.topup_url.as_deref(),
            Some("https://shop.example.com/topup?src=pc")
        );
        assert_eq!(
            saved.paid_url.as_deref(),
            Some("https://shop.example.com/paid")
        );
        assert_eq!(audits(&app, "redirects.set").await, 1);
        let shown = app.console_get(&s, "/console/capability?saved=1").await;
        assert!(
            shown.body.contains("capability-saved")
                && shown.body.contains("https://shop.example.com/paid"),
            "{}",
            shown.body
        );

        // English messages.
        app.console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        let en = app
            .console_post(
                &s,
                "/console/capability",
                &[("topup_url", ""), ("paid_url", "ftp://files.example.com/")],
            )
            .await;
        assert_eq!(en.status, 400);
        assert!(
            en.body
                .contains("Order post-payment address: only https addresses")
                && !en.body.contains("??"),
            "{}",
            en.body
        );
        // Saving one address clears the other; clearing removes both.
        let one = app
            .console_post(
                &s,
                "/console/capability",
                &[("topup_url", ""), ("paid_url", "http://127.0.0.1:9/done")],
            )
            .await;
        assert_eq!(one.status, 303, "{}", one.body);
        let now = redirects::get(app.db.read(), &w.d.partner_id)
            .await
            .unwrap();
        assert_eq!(
            (now.topup_url, now.paid_url.as_deref()),
            (None, Some("http://127.0.0.1:9/done"))
        );
        let cleared = app.console_post(&s, "/console/capability/clear", &[]).await;
        assert_eq!(cleared.status, 303);
        let now = redirects::get(app.db.read(), &w.d.partner_id)
            .await
            .unwrap();
        assert_eq!((now.topup_url, now.paid_url), (None, None));
        assert_eq!(audits(&app, "redirects.clear").await, 1);

        // A consulting-sales partner may configure; a cloud reseller may not (no entry, 403).
        let sk = app.console_login(&w.k.login, "Passw0rd!").await;
        assert!(app
            .console_get(&sk, "/console")
            .await
            .body
            .contains("data-nav=\"capability\""));
        let sr = app.console_login(&w.r.login, "Passw0rd!").await;
        assert!(!app
            .console_get(&sr, "/console")
            .await
            .body
            .contains("data-nav=\"capability\""));
        let rp = app.console_get(&sr, "/console/capability").await;
        assert_eq!(rp.status, 403);
        assert!(rp.body.contains("云经销商没有能力开放"), "{}", rp.body);
        let rpost = app
            .console_post(
                &sr,
                "/console/capability",
                &[("topup_url", "https://r.example/"), ("paid_url", "")],
            )
            .await;
        assert_eq!(rpost.status, 403);
        // Customers cannot reach it.
        let sc = app.console_login(&w.c.login, "Passw0rd!").await;
        assert_eq!(
            app.console_get(&sc, "/console/capability").await.status,
            403
        );

        // The service: only the partner's own admin (the partner comes from the actor, so no
        // partner can name another's); never a reseller.
        let x = || redirects::NewReturnUrls {
            topup_url: "https://x.example/".into(),
            paid_url: String::new(),
        };
        let staff = Ctx::new(
            Actor::Partner {
                partner_id: w.d.partner_id.clone(),
                root_id: w.d.partner_id.clone(),
                user_id: Some("staff".into()),
                role: Role::PartnerStaff,
            },
            "req-console-orders",
            NOW_MS,
        );
        let other = redirects::set(&app.db, staff, x()).await.unwrap_err();
        assert_eq!(other.code, Code::AccessDenied);
        let (rid, did) = (w.r.partner_id.clone(), w.d.partner_id.clone());
        let reseller = redirects::set(&app.db, partner_ctx(&rid, &did), x())
            .await
            .unwrap_err();
        assert_eq!(reseller.code, Code::NotAllowed);
        app.assert_ledger_clean().await;
    }
}

/// The payment page: coupons (type, balance, expiry) and the discount are chosen and paid; the
/// top-up entry appears when the balance is short (default advice, or the partner's address with
/// the order and the shortfall); after paying the customer lands on the partner's post-payment
/// address; the status tabs list the five statuses.
#[tokio::test]
async fn pay_page_coupons_discount_topup_and_return() {
    for app in apps("cpay").await {
        let w = world(&app).await;
        fund(&app, &w.d.partner_id, &w.c.customer_id, 10_000).await;
        let voucher = coupon(
            &app,
            &w.d.partner_id,
            &w.c.customer_id,
            QuotaType::Voucher,
            1_000,
        )
        .await;
        let cash = coupon(
            &app,
            &w.d.partner_id,
            &w.c.customer_id,
            QuotaType::Cash,
            500,
        )
        .await;
        let g = grant(&app, &w.d.partner_id, &w.c.customer_id, "0.8").await;
        let o1 = place(
            &app,
            &w.c.customer_id,
            vec![item("ecs-s6-small-1-linux", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        let page = app.console_get(&s, &format!("/console/orders/{o1}")).await;
        assert_eq!(page.status, 200, "{}", page.body);
        for needle in [
            "id=\"pay-form\"",
            &format!("data-coupon=\"{voucher}\""),
            &format!("data-coupon=\"{cash}\""),
            "代金券",
            "现金券",
            "¥10.00",
            "¥5.00",
            "2026-",
            &format!("value=\"{g}\""),
            "0.8 (−¥7.00)",
            "id=\"balance-amount\">¥100.00",
        ] {
            assert!(page.body.contains(needle), "{needle}: {}", page.body);
        }
        assert!(!page.body.contains("??") && !page.body.contains("topup-entry"));

        // More than 3 coupons: refused on the form, nothing paid.
        let four = app
            .console_post(
                &s,
                &format!("/console/orders/{o1}/pay"),
                &[
                    ("coupon", "a"),
                    ("coupon", "b"),
                    ("coupon", "c"),
                    ("coupon", "d"),
                ],
            )
            .await;
        assert_eq!(four.status, 400);
        assert!(
            four.body.contains("每次支付最多使用 3 张优惠券"),
            "{}",
            four.body
        );
        // A coupon that is not the customer's: the service's refusal, nothing paid.
        let foreign = app
            .console_post(
                &s,
                &format!("/console/orders/{o1}/pay"),
                &[("coupon", "nope")],
            )
            .await;
        assert_eq!(foreign.status, 400);
        assert!(foreign.body.contains("pay-form-error"), "{}", foreign.body);
        assert_eq!(order(&app, &w.c.customer_id, &o1).await.status, 6);

        // Voucher + cash coupon + discount: 35.00 − 7.00 − 10.00 − 5.00 = 13.00 from the balance.
        let paid = app
            .console_post(
                &s,
                &format!("/console/orders/{o1}/pay"),
                &[("coupon", &voucher), ("coupon", &cash), ("discount", &g)],
            )
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        assert_eq!(location(&paid), format!("/console/orders/{o1}"));
        let o = order(&app, &w.c.customer_id, &o1).await;
        assert_eq!(
            (
                o.status,
                o.discount_amount,
                o.coupon_amount,
                o.flexipurchase_coupon_amount,
                o.cash_amount
            ),
            (
                5,
                Money::from_cents(700),
                Money::from_cents(1_000),
                Money::from_cents(500),
                Money::from_cents(1_300)
            )
        );
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(8_700)
        );
        let done = app.console_get(&s, &format!("/console/orders/{o1}")).await;
        assert!(
            done.body.contains("data-status=\"5\"")
                && done
                    .body
                    .contains(&format!("/console/resources?order_id={o1}"))
                && !done.body.contains("id=\"pay-form\""),
            "{}",
            done.body
        );

        // Too little balance, nothing configured: the default entry tells a resale customer to
        // ask its partner, by name, for the shortfall (5386.00 − 87.00).
        let big = place(
            &app,
            &w.c.customer_id,
            vec![item("ecs-c7-xlarge-2-win", PeriodType::Year, 1, 1, None)],
        )
        .await
        .0;
        let short = app
            .console_post(&s, &format!("/console/orders/{big}/pay"), &[])
            .await;
        assert_eq!(short.status, 400, "{}", short.body);
        for needle in [
            "余额不足",
            "id=\"topup-entry\" data-kind=\"default\" data-amount=\"5299.00\"",
            "本次支付还差 ¥5,299.00",
            "Distributor partner",
            "href=\"/console#association\"",
        ] {
            assert!(short.body.contains(needle), "{needle}: {}", short.body);
        }
        assert_eq!(order(&app, &w.c.customer_id, &big).await.status, 6);
        // The chosen discount is kept, and the shortfall follows it.
        let g2 = grant(&app, &w.d.partner_id, &w.c.customer_id, "0.9").await;
        let kept = app
            .console_post(
                &s,
                &format!("/console/orders/{big}/pay"),
                &[("discount", &g2)],
            )
            .await;
        assert!(
            kept.body.contains(&format!("value=\"{g2}\" selected"))
                && kept.body.contains("data-amount=\"4760.40\""),
            "{}",
            kept.body
        );

        // The partner configures its addresses through its console page.
        let sd = app.console_login(&w.d.login, "Passw0rd!").await;
        let cfg = app
            .console_post(
                &sd,
                "/console/capability",
                &[
                    ("topup_url", "https://shop.example.com/topup?src=pc"),
                    ("paid_url", "https://shop.example.com/paid"),
                ],
            )
            .await;
        assert_eq!(cfg.status, 303, "{}", cfg.body);
        let short = app
            .console_post(&s, &format!("/console/orders/{big}/pay"), &[])
            .await;
        assert_eq!(short.status, 400);
        assert!(
            short.body.contains("data-kind=\"partner\"")
                && short.body.contains(&format!(
                    "href=\"https://shop.example.com/topup?src=pc&amp;order_id={big}&amp;amount=5299.00\""
                )),
            "{}",
            short.body
        );
        // After paying, the customer lands on the post-payment address with the order id.
        let o2 = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let paid = app
            .console_post(&s, &format!("/console/orders/{o2}/pay"), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        assert_eq!(
            location(&paid),
            format!("https://shop.example.com/paid?order_id={o2}")
        );
        assert_eq!(order(&app, &w.c.customer_id, &o2).await.status, 5);

        // A reseller's customer never gets the distributor's addresses.
        let src = app.console_login(&w.rc.login, "Passw0rd!").await;
        let ro = place(
            &app,
            &w.rc.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let r = app
            .console_post(&src, &format!("/console/orders/{ro}/pay"), &[])
            .await;
        assert!(
            r.body.contains("data-kind=\"default\"") && r.body.contains("Reseller partner"),
            "{}",
            r.body
        );
        // A consulting-sales customer tops up here (offline top-up, tests/topups.rs).
        let skc = app.console_login(&w.kc.login, "Passw0rd!").await;
        let ko = place(
            &app,
            &w.kc.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let k = app
            .console_post(&skc, &format!("/console/orders/{ko}/pay"), &[])
            .await;
        assert!(
            k.body.contains("data-kind=\"default\"")
                && k.body.contains(&format!(
                    "href=\"/console/topup?order_id={ko}&amp;amount=20.00\""
                )),
            "{}",
            k.body
        );

        // Status tabs: all and the five statuses; the pending tab lists the pending order only.
        let list = app.console_get(&s, "/console/orders").await;
        for st in ["", "1", "3", "4", "5", "6"] {
            assert!(
                list.body.contains(&format!("data-status=\"{st}\"")),
                "{st}: {}",
                list.body
            );
        }
        assert!(list.body.contains("待审核") && list.body.contains("处理中"));
        let pending = app.console_get(&s, "/console/orders?status=6").await;
        assert!(
            pending.body.contains(&big) && !pending.body.contains(&o1),
            "{}",
            pending.body
        );
        let q = OrderQuery::parse(RawOrderQuery {
            status: Some("5".into()),
            ..Default::default()
        })
        .unwrap();
        let (n, _) = orders::list_orders(&app.db, &cust_ctx(&app, &w.c.customer_id), &q)
            .await
            .unwrap();
        assert_eq!(n, 2);
        app.console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        let en = app
            .console_post(&s, &format!("/console/orders/{big}/pay"), &[])
            .await;
        assert!(
            en.body.contains("Top up on your partner") && !en.body.contains("??"),
            "{}",
            en.body
        );
        let tabs = app.console_get(&s, "/console/orders").await;
        assert!(
            tabs.body.contains("Pending review") && tabs.body.contains("Processing"),
            "{}",
            tabs.body
        );
        // An address written past the service (by hand in the database) is never followed.
        let did = w.d.partner_id.clone();
        app.db
            .write(move |c| {
                Box::pin(async move {
                    sql::query("UPDATE partner_redirects SET paid_url = 'javascript:alert(1)' WHERE partner_id = $1")
                        .bind(did)
                        .execute(c)
                        .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        let o3 = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let paid = app
            .console_post(&s, &format!("/console/orders/{o3}/pay"), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        assert_eq!(location(&paid), format!("/console/orders/{o3}"));
        app.assert_ledger_clean().await;
    }
}

/// The resources page: a paid order's resource is listed with its actions; renewing makes a
/// renewal order to pay on its page; auto-renew turns on and off; foreign ids and bad input are
/// refused without a write.
#[tokio::test]
async fn resources_page_renew_and_auto_renew() {
    for app in apps("cres").await {
        let w = world(&app).await;
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        let o1 = place(
            &app,
            &w.c.customer_id,
            vec![item("ecs-s6-small-1-linux", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        assert!(app
            .console_get(&s, "/console")
            .await
            .body
            .contains("data-nav=\"resources\""));
        let paid = app
            .console_post(&s, &format!("/console/orders/{o1}/pay"), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let all = |app: &TestApp| {
            let ctx = cust_ctx(app, &w.c.customer_id);
            let db = app.db.clone();
            async move {
                let q = ResourceQuery::parse(
                    None,
                    None,
                    None,
                    None,
                    None,
                    Some(50),
                    None,
                    None,
                    None,
                    None,
                )
                .unwrap();
                resources::list(&db, &ctx, None, &q).await.unwrap().1
            }
        };
        let res = all(&app).await;
        assert_eq!(res.len(), 1);
        let rid = res[0].id.clone();
        let expire = res[0].expire_at;
        let page = app
            .console_get(&s, &format!("/console/resources?order_id={o1}"))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(
            page.body.contains(&format!("data-resource=\"{rid}\""))
                && page.body.contains("td class=\"actions\"")
                && page.body.contains("使用中")
                && page.body.contains("class=\"renew\"")
                && page.body.contains("class=\"auto-renew-on\"")
                && !page.body.contains("??"),
            "{}",
            page.body
        );
        let other = app
            .console_get(&s, "/console/resources?order_id=CS00000000")
            .await;
        assert!(!other.body.contains(&rid));

        // Renew one month: a renewal order pending payment, paid on its page.
        let renew = app
            .console_post(
                &s,
                &format!("/console/resources/{rid}/renew"),
                &[("period", "month"), ("count", "1")],
            )
            .await;
        assert_eq!(renew.status, 303, "{}", renew.body);
        let to = location(&renew);
        let ro = to.rsplit('/').next().unwrap().to_string();
        let ren = order(&app, &w.c.customer_id, &ro).await;
        assert_eq!((ren.status, ren.order_type), (6, OrderType::Renew.code()));
        assert!(app
            .console_get(&s, &to)
            .await
            .body
            .contains("id=\"pay-form\""));
        // A second renewal while one is pending: refused, no order.
        let again = app
            .console_post(
                &s,
                &format!("/console/resources/{rid}/renew"),
                &[("period", "month"), ("count", "1")],
            )
            .await;
        assert_eq!(again.status, 400);
        // The message atop the resource's renewal form, in its row.
        assert!(
            again.body.contains(&format!("id=\"renew-{rid}-error\""))
                && again.body.contains("待支付订单"),
            "{}",
            again.body
        );
        let bad = app
            .console_post(
                &s,
                &format!("/console/resources/{rid}/renew"),
                &[("period", "week"), ("count", "7")],
            )
            .await;
        assert_eq!(bad.status, 400);
        for kept in [
            format!("id=\"renew-{rid}-period-error\""),
            "value=\"7\"".to_string(),
        ] {
            assert!(bad.body.contains(&kept), "{kept}: {}", bad.body);
        }
        let paid = app
            .console_post(&s, &format!("/console/orders/{ro}/pay"), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        assert!(all(&app).await[0].expire_at > expire);
        let done = app.console_get(&s, &format!("/console/orders/{ro}")).await;
        assert!(
            done.body.contains("href=\"/console/resources\""),
            "{}",
            done.body
        );

        // Auto-renew on, then off.
        let on = app
            .console_post(&s, &format!("/console/resources/{rid}/auto-renew"), &[])
            .await;
        assert_eq!(on.status, 303);
        assert_eq!(location(&on), "/console/resources?done=auto_on");
        let r = &all(&app).await[0];
        assert_eq!(
            (r.expire_policy, r.auto_renew_period.as_deref()),
            (3, Some("MONTH"))
        );
        let listed = app.console_get(&s, "/console/resources?done=auto_on").await;
        assert!(
            listed.body.contains("resource-done")
                && listed.body.contains("class=\"auto-renew-off\""),
            "{}",
            listed.body
        );
        let off = app
            .console_post(
                &s,
                &format!("/console/resources/{rid}/auto-renew/cancel"),
                &[],
            )
            .await;
        assert_eq!(off.status, 303);
        assert_eq!(all(&app).await[0].expire_policy, 0);

        // Another customer cannot act on it; no CSRF token is refused; partners have no page.
        let so = app.console_login(&w.rc.login, "Passw0rd!").await;
        let foreign = app
            .console_post(&so, &format!("/console/resources/{rid}/auto-renew"), &[])
            .await;
        assert_eq!(foreign.status, 400);
        assert!(foreign.body.contains("资源ID不存在"), "{}", foreign.body);
        let forged = app
            .console_post(
                &without_csrf(&s),
                &format!("/console/resources/{rid}/auto-renew"),
                &[],
            )
            .await;
        assert_eq!(forged.status, 403);
        assert_eq!(all(&app).await[0].expire_policy, 0);
        let sd = app.console_login(&w.d.login, "Passw0rd!").await;
        assert_eq!(app.console_get(&sd, "/console/resources").await.status, 403);
        // English.
        app.console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        let en = app.console_get(&s, "/console/resources").await;
        assert!(
            en.body.contains("My resources")
                && en.body.contains("In use")
                && !en.body.contains("??"),
            "{}",
            en.body
        );
        app.assert_ledger_clean().await;
    }
}

/// Unsubscribing from the console: the resource row links to a preview of the refund, period by
/// period; within 5 days it is a full refund with no fee to confirm; after that the fee must be
/// ticked (refused with PC.1104 and nothing written otherwise); the unsubscribe order's page shows
/// its refund details; the closed resource offers no further action.
#[tokio::test]
async fn unsubscribe_from_the_console() {
    for app in apps("cuns").await {
        let w = world(&app).await;
        fund(&app, &w.d.partner_id, &w.c.customer_id, 20_000).await;
        let (o1, _) = place(
            &app,
            &w.c.customer_id,
            vec![item("ecs-s6-small-1-linux", PeriodType::Month, 1, 2, None)],
        )
        .await;
        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        let paid = app
            .console_post(&s, &format!("/console/orders/{o1}/pay"), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        let ids: Vec<String> =
            sql::query_scalar("SELECT id FROM resources WHERE order_id = $1 ORDER BY id")
                .bind(&o1)
                .fetch_all(app.db.read())
                .await
                .unwrap();
        let list = app.console_get(&s, "/console/resources").await;
        let link = format!("/console/resources/{}/unsubscribe", ids[0]);
        assert!(list.body.contains(&link), "{}", list.body);
        // Within 5 days: a full refund, nothing to confirm.
        let preview = app.console_get(&s, &link).await;
        assert_eq!(preview.status, 200, "{}", preview.body);
        assert!(preview.body.contains("unsubscribe-no-reason"));
        assert!(
            preview.body.contains("id=\"plan-refund\">¥35.00"),
            "{}",
            preview.body
        );
        assert!(!preview.body.contains("confirm_fee"));
        // Nothing renewed: type 2 explains why it cannot be done.
        let t2 = app.console_get(&s, &format!("{link}?type=2")).await;
        assert_eq!(t2.status, 400);
        assert!(t2.body.contains("unsubscribe-refused"));
        let done = app
            .console_post(
                &s,
                &link,
                &[("type", "1"), ("reason_type", "2"), ("reason", "too small")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.body);
        let order_page = location(&done);
        let page = app.console_get(&s, &order_page).await;
        assert!(page.body.contains("id=\"refund-details\""), "{}", page.body);
        assert!(page.body.contains("-35.00"));
        assert!(page.body.contains(&format!("data-base-order=\"{o1}\"")));
        assert_eq!(
            customer_balance(&app, &w.c.customer_id).await,
            Money::from_cents(20_000 - 7_000 + 3_500)
        );
        let list = app.console_get(&s, "/console/resources").await;
        assert!(
            !list.body.contains(&link),
            "a closed resource offers no unsubscribe"
        );

        // Ten days later: the other resource's refund keeps the used part and a fee to confirm.
        app.clock.advance(10 * 86_400_000);
        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        let link2 = format!("/console/resources/{}/unsubscribe", ids[1]);
        let preview = app.console_get(&s, &link2).await;
        assert!(preview.body.contains("confirm_fee"), "{}", preview.body);
        assert!(!preview.body.contains("unsubscribe-no-reason"));
        let refused = app
            .console_post(
                &s,
                &link2,
                &[("type", "1"), ("reason_type", "3"), ("reason", "moving")],
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        assert!(
            refused.body.contains("我已确认本次退订将收取手续费"),
            "{}",
            refused.body
        );
        // The form again, as filled in, the message beside the box to tick.
        for kept in [
            r#"id="unsubscribe-form-confirm_fee-error""#,
            r#"aria-describedby="unsubscribe-form-confirm_fee-error""#,
            r#"value="moving""#,
            r#"value="3" selected"#,
        ] {
            assert!(refused.body.contains(kept), "{kept}: {}", refused.body);
        }
        assert_eq!(
            audits(&app, "orders.unsubscribe").await,
            1,
            "nothing written"
        );
        let ok = app
            .console_post(
                &s,
                &link2,
                &[("type", "1"), ("reason_type", "5"), ("confirm_fee", "yes")],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(audits(&app, "orders.unsubscribe").await, 2);
        // English, with no missing strings.
        let en = app
            .console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        assert!(en.status < 400, "{}", en.body);
        let page = app.console_get(&s, &location(&ok)).await;
        assert!(
            page.body.contains("Refund details") && !page.body.contains("??"),
            "{}",
            page.body
        );
        // Another customer cannot preview or unsubscribe it.
        let other = app.console_login(&w.rc.login, "Passw0rd!").await;
        let foreign = app.console_get(&other, &link2).await;
        assert_eq!(foreign.status, 400);
        assert!(foreign.body.contains("CBC.99003012") || foreign.body.contains("资源ID不存在"));
        app.assert_ledger_clean().await;
    }
}
