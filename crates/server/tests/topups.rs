//! Offline top-ups (services/topups.rs, console/topups.rs), in process on SQLite and PostgreSQL:
//! the payment page's default entry leads a non-resale customer to `/console/topup`; it declares
//! a bank transfer; bad input and resale customers are refused without a write; an operator
//! confirms exactly once (also racing on two server instances), or rejects with a reason;
//! customers never see each other's requests; the customer then pays the order that failed.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::shop::{customer_balance, item, place};
use common::*;
use pc_app::services::customers;
use pc_app::services::topups::{self, Declaration, TopupQuery};
use pc_app::store::sql;
use pc_app::{Actor, Code, Ctx};
use pc_domain::orders::PeriodType;
use pc_domain::party::{AssociationType, Role};
use pc_domain::topups::TopupStatus;
use pc_domain::Money;

fn location(r: &Resp) -> String {
    r.headers["location"].to_str().unwrap().to_string()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sql::query_scalar(sql)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn requests(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM topup_requests").await
}

async fn audits(app: &TestApp, action: &str) -> i64 {
    sql::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = $1")
        .bind(action)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn credits(app: &TestApp) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM ledger_transfers WHERE kind = 'customer_topup'",
    )
    .await
}

fn cust_ctx(customer_id: &str) -> Ctx {
    Ctx::new(
        Actor::Customer {
            customer_id: customer_id.into(),
            user_id: None,
        },
        "req-topup",
        NOW_MS,
    )
}

fn operator_ctx() -> Ctx {
    Ctx::new(
        Actor::Operator {
            user_id: "u-ops".into(),
        },
        "req-topup-ops",
        NOW_MS,
    )
}

/// Declares through the service as the customer itself.
async fn declare(
    app: &TestApp,
    customer_id: &str,
    cents: i64,
    reference: &str,
    order_id: Option<&str>,
) -> Result<topups::Topup, pc_app::AppError> {
    let d = Declaration {
        amount: Money::from_cents(cents),
        reference: reference.into(),
        order_id: order_id.map(str::to_string),
    };
    topups::declare(&app.db, cust_ctx(customer_id), d).await
}

async fn confirm_as(app: &TestApp, ctx: Ctx, id: &str) -> Result<topups::Topup, pc_app::AppError> {
    topups::confirm(&app.db, ctx, id.into()).await
}

/// A console form post as a raw request, for sending to either instance.
fn form_post(s: &Session, path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    let mut all = vec![("csrf", s.csrf.as_str())];
    all.extend_from_slice(fields);
    Request::post(path)
        .header("cookie", &s.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(form_body(&all)))
        .unwrap()
}

/// The whole path: the failed payment's entry, the declaration (bad input refused without a
/// write), resale customers refused, isolation between customers, two instances racing to
/// confirm (one credit), and the payment that now succeeds.
#[tokio::test]
async fn declare_confirm_once_and_pay() {
    for app in apps("tup").await {
        let w = app.orders_world("tup").await;
        let cc2 = app
            .customer(&w.d.partner_id, AssociationType::Consulting, "tup-cc2", "x")
            .await;
        let (order, amount) = place(
            &app,
            &w.cc.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await;
        assert_eq!(amount, Money::from_cents(2_000));

        // The failed payment's default entry leads here, with the order and the shortfall.
        let s = app.console_login(&w.cc.login, "Passw0rd!").await;
        let home = app.console_get(&s, "/console").await;
        assert!(home.body.contains("data-nav=\"topup\""), "{}", home.body);
        let short = app
            .console_post(&s, &format!("/console/orders/{order}/pay"), &[])
            .await;
        assert_eq!(short.status, 400, "{}", short.body);
        let link = format!("/console/topup?order_id={order}&amount=20.00");
        assert!(
            short.body.contains(&format!(
                "id=\"topup-link\" href=\"{}\"",
                link.replace('&', "&amp;")
            )) && short.body.contains("在此充值"),
            "{}",
            short.body
        );
        let form = app.console_get(&s, &link).await;
        assert_eq!(form.status, 200, "{}", form.body);
        for needle in [
            "id=\"topup-amount\" name=\"amount\" required inputmode=\"decimal\" placeholder=\"1000.00\" value=\"20.00\"",
            &format!("name=\"order_id\" value=\"{order}\""),
            "id=\"balance-amount\">¥0.00",
            "运营方尚未公布收款信息",
            "id=\"topup-none\"",
        ] {
            assert!(form.body.contains(needle), "{needle}: {}", form.body);
        }
        // Another customer's order is not carried, and an absurd amount is not prefilled.
        let foreign = place(
            &app,
            &w.c.customer_id,
            vec![item("vpc-eip-bgp", PeriodType::Month, 1, 1, None)],
        )
        .await
        .0;
        let f2 = app
            .console_get(
                &s,
                &format!("/console/topup?order_id={foreign}&amount=99999999"),
            )
            .await;
        assert!(
            !f2.body.contains(&foreign) && f2.body.contains("placeholder=\"1000.00\" value=\"\""),
            "{}",
            f2.body
        );

        // Bad input: refused with the rule in the page's language, nothing written.
        let long = "x".repeat(129);
        let order_s = order.as_str();
        for (fields, needle) in [
            (vec![("amount", "0"), ("reference", "R1")], "金额须大于 0"),
            (vec![("amount", "-5"), ("reference", "R1")], "请填写金额"),
            (vec![("amount", "abc"), ("reference", "R1")], "请填写金额"),
            (vec![("amount", "1.234"), ("reference", "R1")], "请填写金额"),
            (
                vec![("amount", "1000000.01"), ("reference", "R1")],
                "不能超过 ¥1,000,000.00",
            ),
            (
                vec![("amount", "20"), ("reference", "  ")],
                "请填写汇款凭证号",
            ),
            (
                vec![("amount", "20"), ("reference", long.as_str())],
                "最多 128 个字符",
            ),
            (
                vec![("amount", "20"), ("reference", "a\nb")],
                "不能包含换行",
            ),
            (
                vec![
                    ("amount", "20"),
                    ("reference", "R1"),
                    ("order_id", foreign.as_str()),
                ],
                "无效订单",
            ),
        ] {
            let r = app.console_post(&s, "/console/topup", &fields).await;
            assert!(
                r.status == 400 && r.body.contains(needle),
                "{fields:?}: {} {}",
                r.status,
                r.body
            );
        }
        // A forged form (no CSRF token) is refused too.
        let forged = app
            .send(
                Request::post("/console/topup")
                    .header("cookie", &s.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(form_body(&[
                        ("amount", "20"),
                        ("reference", "R1"),
                    ])))
                    .unwrap(),
            )
            .await;
        assert_eq!(forged.status, 403);
        assert_eq!(requests(&app).await, 0);
        assert_eq!(audits(&app, "topup.declare").await, 0);

        // A declaration: pending, listed on the customer's page.
        let ok = app
            .console_post(
                &s,
                "/console/topup",
                &[
                    ("amount", "20.00"),
                    ("reference", "  BOC-20260901-0001 "),
                    ("order_id", order_s),
                ],
            )
            .await;
        assert_eq!(ok.status, 303, "{}", ok.body);
        assert_eq!(location(&ok), "/console/topup?done=declared");
        let (_, mine) = topups::list(
            &app.db,
            &ctx(),
            TopupQuery {
                customer_id: Some(&w.cc.customer_id),
                limit: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(mine.len(), 1);
        let t = mine[0].clone();
        assert_eq!(
            (
                t.status,
                t.amount,
                t.reference.as_str(),
                t.order_id.as_deref(),
                t.root_id.as_deref()
            ),
            (
                TopupStatus::Pending,
                Money::from_cents(2_000),
                "BOC-20260901-0001",
                Some(order_s),
                Some(w.d.partner_id.as_str())
            )
        );
        let page = app.console_get(&s, "/console/topup?done=declared").await;
        assert!(
            page.body.contains("id=\"topup-done\"")
                && page
                    .body
                    .contains(&format!("data-topup=\"{}\" data-status=\"pending\"", t.id))
                && page.body.contains("待确认"),
            "{}",
            page.body
        );
        // The same remittance cannot be declared twice.
        let dup = app
            .console_post(
                &s,
                "/console/topup",
                &[("amount", "20.00"), ("reference", "BOC-20260901-0001")],
            )
            .await;
        assert!(
            dup.status == 400 && dup.body.contains("汇款凭证号的充值申请已在"),
            "{}",
            dup.body
        );
        assert_eq!(requests(&app).await, 1);

        // A resale customer is refused: no navigation entry, 403 on the page and the form, and
        // the service's code; its payment page keeps the advice to ask its partner.
        let sc = app.console_login(&w.c.login, "Passw0rd!").await;
        assert!(!app
            .console_get(&sc, "/console")
            .await
            .body
            .contains("data-nav=\"topup\""));
        let denied = app.console_get(&sc, "/console/topup").await;
        assert!(
            denied.status == 403 && denied.body.contains("代售客户"),
            "{}",
            denied.body
        );
        let denied = app
            .console_post(
                &sc,
                "/console/topup",
                &[("amount", "5"), ("reference", "R9")],
            )
            .await;
        assert_eq!(denied.status, 403);
        let refused = declare(&app, &w.c.customer_id, 500, "R9", None).await;
        assert_eq!(refused.unwrap_err().code, Code::TopupResaleCustomer);
        let advice = app
            .console_post(&sc, &format!("/console/orders/{foreign}/pay"), &[])
            .await;
        assert!(
            advice.body.contains("href=\"/console#association\"")
                && !advice.body.contains("/console/topup"),
            "{}",
            advice.body
        );
        assert_eq!(requests(&app).await, 1);

        // Isolation: another customer sees none of it and cannot cancel it; the service acts only
        // for the customer acting; a partner has no operator page.
        let s2 = app.console_login(&cc2.login, "Passw0rd!").await;
        let other = app.console_get(&s2, "/console/topup").await;
        assert!(
            other.status == 200 && !other.body.contains(&t.id) && !other.body.contains("BOC-2026"),
            "{}",
            other.body
        );
        let steal = app
            .console_post(&s2, &format!("/console/topup/{}/cancel", t.id), &[])
            .await;
        assert_eq!(steal.status, 404, "{}", steal.body);
        assert_eq!(app.console_get(&s2, "/console/topups").await.status, 403);
        let sd = app.console_login(&w.d.login, "Passw0rd!").await;
        assert_eq!(app.console_get(&sd, "/console/topups").await.status, 403);
        // The service takes the customer from the actor, so no customer can name another; a
        // partner acting for its customer is refused.
        let partner_ctx = Ctx::new(
            Actor::Partner {
                partner_id: w.d.partner_id.clone(),
                root_id: w.d.partner_id.clone(),
                user_id: None,
                role: Role::PartnerAdmin,
            },
            "req-p",
            NOW_MS,
        );
        let forged = topups::declare(
            &app.db,
            partner_ctx.clone(),
            Declaration {
                amount: Money::from_cents(100),
                reference: "X".into(),
                order_id: None,
            },
        )
        .await;
        assert_eq!(forged.unwrap_err().code, Code::AccessDenied);
        assert_eq!(
            confirm_as(&app, partner_ctx, &t.id).await.unwrap_err().code,
            Code::AccessDenied
        );

        // The operator's queue: the request, the customer, the filters.
        let so = app.operator_session("ops-tup").await;
        let queue = app.console_get(&so, "/console/topups").await;
        assert!(
            queue.status == 200
                && queue.body.contains("data-nav=\"topups\"")
                && queue
                    .body
                    .contains(&format!("data-topup=\"{}\" data-status=\"pending\"", t.id))
                && queue.body.contains("tup-ccust")
                && queue
                    .body
                    .contains(&format!("/console/topups/{}/confirm", t.id)),
            "{}",
            queue.body
        );
        let credited_tab = app
            .console_get(&so, "/console/topups?status=credited")
            .await;
        assert!(!credited_tab
            .body
            .contains(&format!("data-topup=\"{}\"", t.id)));
        // A rejection needs a reason; without one nothing changes.
        let no_reason = app
            .console_post(
                &so,
                &format!("/console/topups/{}/reject", t.id),
                &[("reason", " ")],
            )
            .await;
        assert!(
            no_reason.status == 400 && no_reason.body.contains("驳回时须填写原因"),
            "{}",
            no_reason.body
        );

        // Two instances confirm at once, four times each: one credit.
        let second = app.second_instance().await;
        let path = format!("/console/topups/{}/confirm", t.id);
        let mut handles = Vec::new();
        for i in 0..8 {
            let router = if i % 2 == 0 {
                app.router.clone()
            } else {
                second.clone()
            };
            handles.push(tokio::spawn(send_to(router, form_post(&so, &path, &[]))));
        }
        let mut statuses = Vec::new();
        for h in handles {
            let r = h.await.unwrap();
            if r.status == 400 {
                assert!(r.body.contains("已不是待确认状态"), "{}", r.body);
            }
            statuses.push(r.status);
        }
        statuses.sort();
        assert_eq!(
            statuses,
            vec![303, 400, 400, 400, 400, 400, 400, 400],
            "{}",
            app.engine
        );
        assert_eq!(credits(&app).await, 1);
        assert_eq!(audits(&app, "topup.confirm").await, 1);
        assert_eq!(
            customer_balance(&app, &w.cc.customer_id).await,
            Money::from_cents(2_000)
        );
        let done = topups::get(app.db.read(), &t.id).await.unwrap().unwrap();
        assert_eq!(done.status, TopupStatus::Credited);
        assert!(done.transfer_id.is_some() && done.decided_at == Some(NOW_MS));
        let audit_tid: String =
            sql::query_scalar("SELECT transfer_ids FROM audit_log WHERE action = 'topup.confirm'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(Some(audit_tid), done.transfer_id);
        // Decided requests take no further decision.
        let again = confirm_as(&app, operator_ctx(), &t.id).await;
        assert_eq!(again.unwrap_err().code, Code::TopupNotPending);
        let late = app
            .console_post(
                &so,
                &format!("/console/topups/{}/reject", t.id),
                &[("reason", "late")],
            )
            .await;
        assert_eq!(late.status, 400);
        assert_eq!(
            confirm_as(&app, operator_ctx(), "tu-nope")
                .await
                .unwrap_err()
                .code,
            Code::NotFound
        );

        // The customer sees it credited, and pays the order that failed before.
        let page = app.console_get(&s, "/console/topup").await;
        assert!(
            page.body
                .contains(&format!("data-topup=\"{}\" data-status=\"credited\"", t.id))
                && page.body.contains("id=\"balance-amount\">¥20.00"),
            "{}",
            page.body
        );
        let paid = app
            .console_post(&s, &format!("/console/orders/{order}/pay"), &[])
            .await;
        assert_eq!(paid.status, 303, "{}", paid.body);
        assert_eq!(location(&paid), format!("/console/orders/{order}"));
        assert_eq!(customer_balance(&app, &w.cc.customer_id).await, Money::ZERO);
        app.assert_ledger_clean().await;
    }
}

/// Rejection (with the reason shown to the customer), cancellation, re-declaring a rejected
/// reference, the pending limit, a customer without a partner, a customer that became a resale
/// customer before confirmation, the instructions, and both languages.
#[tokio::test]
async fn reject_cancel_limits_and_languages() {
    for app in apps("tuq").await {
        let w = app.orders_world("tuq").await;
        let cid = w.cc.customer_id.clone();
        let so = app.operator_session("ops-tuq").await;
        let s = app.console_login(&w.cc.login, "Passw0rd!").await;

        // The operator publishes where to transfer; customers read it. Too long is refused.
        let too_long = "x".repeat(1001);
        let r = app
            .console_post(&so, "/console/topups/instructions", &[("text", &too_long)])
            .await;
        assert_eq!(r.status, 400, "{}", r.body);
        let r = app
            .console_post(
                &so,
                "/console/topups/instructions",
                &[("text", "户名：示例云计算有限公司\r\n账号：6222 0000 1111")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let page = app.console_get(&s, "/console/topup").await;
        assert!(
            page.body
                .contains("户名：示例云计算有限公司\n账号：6222 0000 1111"),
            "{}",
            page.body
        );
        assert_eq!(audits(&app, "topup.set_instructions").await, 1);

        // Rejected with a reason the customer reads; a rejected request takes no confirmation.
        let a = declare(&app, &cid, 50_000, "ICBC-1", None).await.unwrap();
        let rej = app
            .console_post(
                &so,
                &format!("/console/topups/{}/reject", a.id),
                &[("reason", "未查询到该笔汇款")],
            )
            .await;
        assert_eq!(rej.status, 303, "{}", rej.body);
        assert_eq!(location(&rej), "/console/topups?done=rejected");
        let page = app.console_get(&s, "/console/topup").await;
        assert!(
            page.body
                .contains(&format!("data-topup=\"{}\" data-status=\"rejected\"", a.id))
                && page.body.contains("未查询到该笔汇款"),
            "{}",
            page.body
        );
        assert_eq!(
            confirm_as(&app, operator_ctx(), &a.id)
                .await
                .unwrap_err()
                .code,
            Code::TopupNotPending
        );
        // The same reference may be declared again once rejected; the customer cancels it.
        let b = declare(&app, &cid, 50_000, "ICBC-1", None).await.unwrap();
        let c = app
            .console_post(&s, &format!("/console/topup/{}/cancel", b.id), &[])
            .await;
        assert_eq!(c.status, 303, "{}", c.body);
        assert_eq!(location(&c), "/console/topup?done=cancelled");
        let c = app
            .console_post(&s, &format!("/console/topup/{}/cancel", b.id), &[])
            .await;
        assert!(
            c.status == 400 && c.body.contains("已不是待确认状态"),
            "{}",
            c.body
        );
        assert_eq!(
            confirm_as(&app, operator_ctx(), &b.id)
                .await
                .unwrap_err()
                .code,
            Code::TopupNotPending
        );
        assert_eq!(credits(&app).await, 0);
        assert_eq!(customer_balance(&app, &cid).await, Money::ZERO);

        // At most 10 pending per customer.
        for i in 0..10 {
            declare(&app, &cid, 100, &format!("P-{i}"), None)
                .await
                .unwrap();
        }
        let over = declare(&app, &cid, 100, "P-10", None).await;
        assert_eq!(over.unwrap_err().code, Code::TopupTooManyPending);
        // Amount bounds and references, at the service too: refused before anything is read.
        let before = requests(&app).await;
        for (cents, reference) in [(0, "Z"), (-1, "Z"), (100_000_001, "Z"), (1, " ")] {
            let e = declare(&app, &cid, cents, reference, None)
                .await
                .unwrap_err();
            assert_eq!(e.code, Code::InvalidParameter, "{cents} {reference:?}");
        }
        assert_eq!(requests(&app).await, before);

        // The operator's list: pending first (oldest first), the status filter, pages of 20.
        let k3 = app
            .customer(&w.d.partner_id, AssociationType::Consulting, "tuq-k3", "x")
            .await;
        for i in 0..10 {
            declare(&app, &k3.customer_id, 100, &format!("K3-{i}"), None)
                .await
                .unwrap();
        }
        let rows = |body: &str, status: &str| {
            body.matches(&format!("data-status=\"{status}\"><td>"))
                .count()
        };
        let first = app.console_get(&so, "/console/topups").await;
        assert_eq!(rows(&first.body, "pending"), 20, "{}", first.body);
        assert!(
            first.body.contains("/console/topups?status=&amp;offset=20"),
            "{}",
            first.body
        );
        let second = app
            .console_get(&so, "/console/topups?status=&offset=20")
            .await;
        assert!(
            rows(&second.body, "pending") == 0
                && second
                    .body
                    .contains(&format!("data-topup=\"{}\" data-status=\"rejected\"", a.id))
                && second.body.contains(&format!(
                    "data-topup=\"{}\" data-status=\"cancelled\"",
                    b.id
                )),
            "{}",
            second.body
        );
        let pending = app.console_get(&so, "/console/topups?status=pending").await;
        assert!(
            rows(&pending.body, "pending") == 20
                && pending.body.contains("id=\"topup-count\">20<")
                && !pending.body.contains("offset=20"),
            "{}",
            pending.body
        );
        let rejected = app
            .console_get(&so, "/console/topups?status=rejected")
            .await;
        assert!(
            rows(&rejected.body, "rejected") == 1 && rows(&rejected.body, "pending") == 0,
            "{}",
            rejected.body
        );
        assert!(
            rejected.body.contains("id=\"topup-count\">1<"),
            "{}",
            rejected.body
        );

        // A customer without a partner tops up too (no tenant root).
        let lone = app
            .db
            .write(|c| {
                Box::pin(async move {
                    customers::insert_customer(
                        c,
                        &common::ctx(),
                        "tuq-lone",
                        None,
                        Default::default(),
                        None,
                    )
                    .await
                })
            })
            .await
            .unwrap();
        let t = declare(&app, &lone, 12_345, "LONE-1", None).await.unwrap();
        assert_eq!(t.root_id, None);
        let t = confirm_as(&app, operator_ctx(), &t.id).await.unwrap();
        assert_eq!(t.status, TopupStatus::Credited);
        assert_eq!(
            customer_balance(&app, &lone).await,
            Money::from_cents(12_345)
        );

        // A customer that became a resale customer before confirmation is not credited.
        let k2 = app
            .customer(&w.d.partner_id, AssociationType::Consulting, "tuq-k2", "x")
            .await;
        let t2 = declare(&app, &k2.customer_id, 700, "K2-1", None)
            .await
            .unwrap();
        let k2id = k2.customer_id.clone();
        app.db
            .write(move |c| {
                Box::pin(async move {
                    // By hand: the unbind/re-associate path is not what is tested here.
                    sql::query(
                        "UPDATE associations SET association_type = 2 WHERE customer_id = $1",
                    )
                    .bind(k2id)
                    .execute(c)
                    .await?;
                    Ok(())
                })
            })
            .await
            .unwrap();
        assert_eq!(
            confirm_as(&app, operator_ctx(), &t2.id)
                .await
                .unwrap_err()
                .code,
            Code::TopupResaleCustomer
        );
        let still = topups::get(app.db.read(), &t2.id).await.unwrap().unwrap();
        assert_eq!(
            (still.status, still.transfer_id),
            (TopupStatus::Pending, None)
        );
        assert_eq!(customer_balance(&app, &k2.customer_id).await, Money::ZERO);

        // English: every string translated.
        for sess in [&s, &so] {
            app.console_post(sess, "/console/lang", &[("lang", "en-US")])
                .await;
        }
        let en = app.console_get(&s, "/console/topup").await;
        assert!(
            en.body.contains("Where to transfer")
                && en.body.contains("Reason")
                && !en.body.contains("??"),
            "{}",
            en.body
        );
        let en = app.console_get(&so, "/console/topups").await;
        assert!(
            en.body.contains("Confirm receipt") && !en.body.contains("??"),
            "{}",
            en.body
        );
        let zh_free = app
            .console_post(
                &so,
                &format!("/console/topups/{}/reject", a.id),
                &[("reason", "x")],
            )
            .await;
        assert!(
            zh_free.status == 400 && zh_free.body.contains("no longer pending"),
            "{}",
            zh_free.body
        );
        app.assert_ledger_clean().await;
    }
}
