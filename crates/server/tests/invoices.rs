//! Consumption invoices on both engines: who invoices whom, the 3rd-of-the-month rule, one
//! request per amount, the state machine with the issuer acting, a partner asking the vendor for
//! its resale customers' consumption, arrears blocking a request, and strangers seeing nothing.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::invoices::{self, Act, NewRequest, Profile, Selection};
use pc_app::{Actor, AppError, Ctx};
use pc_domain::invoices::{Action, TitleType};
use pc_domain::timefmt::parse_utc;

fn at(mut ctx: Ctx, time: &str) -> Ctx {
    ctx.now_ms = parse_utc(time).unwrap();
    ctx
}

fn operator_ctx() -> Ctx {
    Ctx::new(
        Actor::Operator {
            user_id: "op".into(),
        },
        "req-op",
        NOW_MS,
    )
}

fn months(m: &[&str]) -> NewRequest {
    NewRequest {
        issuer_partner_id: String::new(),
        selection: Selection::Months(m.iter().map(|s| s.to_string()).collect()),
        special: false,
        paper: false,
        remark: None,
    }
}

fn code(e: AppError) -> &'static str {
    e.code.vendor_code()
}

async fn profile(app: &TestApp, ctx: Ctx, title: &str) {
    invoices::save_profile(
        &app.db,
        ctx,
        Profile {
            title_type: TitleType::Enterprise,
            title: title.into(),
            tax_id: Some("91310000MA1FL".into()),
            mailing_address: None,
        },
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_resale_customer_asks_its_partner_after_the_third_and_the_partner_asks_the_vendor() {
    for app in apps("invoices").await {
        let e = &app.engine;
        let w = world(&app).await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 20_000).await;
        paid_orders(&app, c, 1).await;
        let me = cust_ctx(&app, c);
        // Who invoices me: the partner (resale).
        let issuer = invoices::issuer_now(&app.db, &me).await.unwrap();
        assert_eq!(issuer.map(|p| p.id), Some(w.d.partner_id.clone()), "{e}");
        // No profile yet.
        let to_partner = NewRequest {
            issuer_partner_id: w.d.partner_id.clone(),
            ..months(&["2026-11"])
        };
        let err = invoices::submit(
            &app.db,
            at(me.clone(), "2026-12-04T02:00:00Z"),
            to_partner.clone(),
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "PC.1710", "{e}");
        profile(&app, me.clone(), "Cust Ltd").await;
        // November has not ended on the 18th; on December 2nd it is too early; on the 4th it opens.
        let err = invoices::submit(&app.db, me.clone(), to_partner.clone())
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1702", "{e}");
        let err = invoices::submit(
            &app.db,
            at(me.clone(), "2026-12-02T02:00:00Z"),
            to_partner.clone(),
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "PC.1701", "{e}");
        let r = invoices::submit(
            &app.db,
            at(me.clone(), "2026-12-04T02:00:00Z"),
            to_partner.clone(),
        )
        .await
        .unwrap();
        assert_eq!(
            (r.amount, r.status, r.title.as_str()),
            (3500, 1, "Cust Ltd"),
            "{e}"
        );
        // The same month again: nothing left.
        let err = invoices::submit(
            &app.db,
            at(me.clone(), "2026-12-05T02:00:00Z"),
            to_partner.clone(),
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "PC.1704", "{e}");
        // The vendor has nothing of this customer's to invoice (all of it was resale).
        let err = invoices::submit(
            &app.db,
            at(me.clone(), "2026-12-05T02:00:00Z"),
            months(&["2026-11"]),
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "PC.1704", "{e}");

        // The requester cannot approve; another partner does not see it; the issuer acts.
        let act = |action: Action, no: Option<&str>| Act {
            request_id: r.id.clone(),
            action,
            reason: None,
            invoice_no: no.map(str::to_string),
        };
        let err = invoices::act(&app.db, me.clone(), act(Action::Approve, None))
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1708", "{e}");
        let err = invoices::act(
            &app.db,
            app.as_partner(&w.o.partner_id),
            act(Action::Approve, None),
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "PC.0404", "{e}");
        let issuer = app.as_partner(&w.d.partner_id);
        let (n, queue) = invoices::issuer_queue(&app.db, &issuer, Some(1), None, None)
            .await
            .unwrap();
        assert_eq!((n, queue[0].id.as_str()), (1, r.id.as_str()), "{e}");
        invoices::act(&app.db, issuer.clone(), act(Action::Approve, None))
            .await
            .unwrap();
        let err = invoices::act(&app.db, issuer.clone(), act(Action::Mail, Some("N1")))
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1709", "{e}");
        let done = invoices::act(
            &app.db,
            issuer.clone(),
            act(Action::IssueElectronic, Some("INV-0001")),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(
            (done.status, done.invoice_no.as_deref()),
            (4, Some("INV-0001")),
            "{e}"
        );
        let (_, mine) = invoices::my_requests(&app.db, &me, None, None)
            .await
            .unwrap();
        assert_eq!(mine[0].status, 4, "{e}");

        // R8.10: an issued invoice is returned before its month can be invoiced again. Asking
        // needs a reason; until the issuer confirms, the request still holds the month.
        let with = |action: Action, reason: Option<&str>| Act {
            request_id: r.id.clone(),
            action,
            reason: reason.map(str::to_string),
            invoice_no: None,
        };
        let err = invoices::act(&app.db, me.clone(), with(Action::RequestReturn, None))
            .await
            .unwrap_err();
        assert_eq!(code(err), "CBC.0100", "{e}");
        let back = invoices::act(
            &app.db,
            me.clone(),
            with(Action::RequestReturn, Some("wrong title")),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(back.status, 6, "{e}");
        let again = || {
            invoices::submit(
                &app.db,
                at(me.clone(), "2026-12-06T02:00:00Z"),
                to_partner.clone(),
            )
        };
        assert_eq!(code(again().await.unwrap_err()), "PC.1704", "{e}");
        let err = invoices::act(&app.db, me.clone(), with(Action::ConfirmReturn, None))
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1708", "{e}");
        let refused = invoices::act(
            &app.db,
            issuer.clone(),
            with(Action::RefuseReturn, Some("not received")),
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!(refused.status, 4, "{e}");
        invoices::act(
            &app.db,
            me.clone(),
            with(Action::RequestReturn, Some("wrong title")),
        )
        .await
        .unwrap();
        let returned = invoices::act(&app.db, issuer.clone(), with(Action::ConfirmReturn, None))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(returned.status, 7, "{e}");
        // The month is open again: a new request takes the whole amount (then is withdrawn, so
        // the issuer's queue below reads as before).
        let redo = again().await.unwrap();
        assert_eq!((redo.amount, redo.status), (3500, 1), "{e}");
        invoices::act(
            &app.db,
            me.clone(),
            Act {
                request_id: redo.id.clone(),
                action: Action::Cancel,
                reason: None,
                invoice_no: None,
            },
        )
        .await
        .unwrap();

        // A cloud reseller does not ask the vendor: its distributor does, for its customers too.
        let reseller = app.as_partner(&w.r.partner_id);
        profile(&app, reseller.clone(), "Reseller Ltd").await;
        let err = invoices::submit(
            &app.db,
            at(reseller, "2026-12-04T02:00:00Z"),
            months(&["2026-11"]),
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "CBC.0155", "{e}");
        // The partner asks the vendor for its resale customers' November; operators issue.
        profile(&app, issuer.clone(), "Distributor Ltd").await;
        let pr = invoices::submit(
            &app.db,
            at(issuer.clone(), "2026-12-04T02:00:00Z"),
            months(&["2026-11"]),
        )
        .await
        .unwrap();
        assert_eq!(pr.amount, 3500, "{e}");
        let op = operator_ctx();
        let (n, _) = invoices::issuer_queue(&app.db, &op, None, None, None)
            .await
            .unwrap();
        assert_eq!(n, 1, "{e}");
        let reject = Act {
            request_id: pr.id.clone(),
            action: Action::Reject,
            reason: Some("wrong title".into()),
            invoice_no: None,
        };
        let draft = invoices::act(&app.db, op.clone(), reject)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (draft.status, draft.reason.as_deref()),
            (0, Some("wrong title")),
            "{e}"
        );
        // A draft holds nothing; resubmitted, it holds the month again.
        let (m, _) = invoices::open_amounts(&app.db, &issuer).await.unwrap();
        assert_eq!(m.iter().map(|o| o.open).sum::<i64>(), 3500, "{e}");
        let back = invoices::act(
            &app.db,
            at(issuer.clone(), "2026-12-06T02:00:00Z"),
            Act {
                request_id: pr.id.clone(),
                action: Action::Resubmit,
                reason: None,
                invoice_no: None,
            },
        )
        .await
        .unwrap()
        .unwrap();
        assert_eq!((back.status, back.amount), (1, 3500), "{e}");
    }
}

#[tokio::test]
async fn paper_and_special_invoices_follow_their_rules_and_arrears_block_requests() {
    for app in apps("invoices_rules").await {
        let e = &app.engine;
        let w = world(&app).await;
        let c = &w.c.customer_id;
        let me = at(cust_ctx(&app, c), "2026-12-04T02:00:00Z");
        invoices::save_profile(
            &app.db,
            me.clone(),
            Profile {
                title_type: TitleType::Organization,
                title: "City Library".into(),
                tax_id: None,
                mailing_address: None,
            },
        )
        .await
        .unwrap();
        let special = NewRequest {
            special: true,
            ..months(&["2026-11"])
        };
        let err = invoices::submit(&app.db, me.clone(), special)
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1705", "{e}");
        let paper = NewRequest {
            paper: true,
            ..months(&["2026-11"])
        };
        let err = invoices::submit(&app.db, me.clone(), paper)
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1706", "{e}");
        // A customer that owes pay-per-use cannot ask.
        let mut sys = ctx();
        sys.now_ms = app_now(&app);
        let usage = pc_domain::usage::RawUsage {
            usage_id: "inv-u1".into(),
            customer_id: c.clone(),
            resource_id: "inv-vm".into(),
            product_id: "ecs-s6-small-1-linux".into(),
            usage: "10".into(),
            begin_time: "2026-11-17T00:00:00Z".into(),
            end_time: "2026-11-17T10:00:00Z".into(),
            ..Default::default()
        };
        pc_app::services::usage::ingest(&app.db, sys, vec![usage])
            .await
            .unwrap();
        let err = invoices::submit(&app.db, me.clone(), months(&["2026-11"]))
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1703", "{e}");
    }
}

/// `n` months of a small server (35.00 each) the customer orders and pays; their order ids.
async fn paid_orders(app: &TestApp, customer_id: &str, n: usize) -> Vec<String> {
    let mut orders = Vec::new();
    for _ in 0..n {
        let (order, _) = place_ecs_month(app, customer_id).await;
        pay_cash(app, customer_id, order.clone()).await;
        orders.push(order);
    }
    orders
}

#[tokio::test]
async fn requests_by_order_and_by_customer_per_month_hold_what_they_name() {
    for app in apps("invoices_scope").await {
        let e = &app.engine;
        let w = world(&app).await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 20_000).await;
        let orders = paid_orders(&app, c, 2).await;
        let me = at(cust_ctx(&app, c), "2026-12-04T02:00:00Z");
        profile(&app, me.clone(), "Cust Ltd").await;
        // By order: one of the two orders (35.00); the month keeps the other one's 35.00.
        let by_order = NewRequest {
            issuer_partner_id: w.d.partner_id.clone(),
            selection: Selection::Orders(vec![orders[0].clone()]),
            ..months(&[])
        };
        let r = invoices::submit(&app.db, me.clone(), by_order.clone())
            .await
            .unwrap();
        assert_eq!(r.amount, 3500, "{e}");
        let err = invoices::submit(&app.db, me.clone(), by_order)
            .await
            .unwrap_err();
        assert_eq!(code(err), "PC.1704", "{e}");
        let (m, o) = invoices::open_amounts(&app.db, &me).await.unwrap();
        assert_eq!(m.iter().map(|x| x.open).sum::<i64>(), 3500, "{e}");
        assert_eq!(
            o.iter().find(|x| x.order_id == orders[0]).map(|x| x.open),
            Some(0),
            "{e}"
        );
        // A customer cannot ask by customer per month; its month request takes what is left.
        let err = invoices::submit(
            &app.db,
            me.clone(),
            NewRequest {
                issuer_partner_id: w.d.partner_id.clone(),
                selection: Selection::CustomerMonths {
                    customer_id: c.clone(),
                    months: vec!["2026-11".into()],
                },
                ..months(&[])
            },
        )
        .await
        .unwrap_err();
        assert_eq!(code(err), "CBC.0100", "{e}");
        let rest = NewRequest {
            issuer_partner_id: w.d.partner_id.clone(),
            ..months(&["2026-11"])
        };
        assert_eq!(
            invoices::submit(&app.db, me.clone(), rest)
                .await
                .unwrap()
                .amount,
            3500,
            "{e}"
        );

        // The distributor asks the vendor for one of its customer's orders, then for that
        // customer's month: the order's 35.00, then only the rest of that customer's cash.
        let d = at(app.as_partner(&w.d.partner_id), "2026-12-04T02:00:00Z");
        profile(&app, d.clone(), "Distributor Ltd").await;
        let (_, open_orders) = invoices::open_amounts(&app.db, &d).await.unwrap();
        assert!(
            open_orders.iter().any(|o| o.order_id == orders[1]
                && o.open == 3500
                && o.issuer_partner_id.is_empty()),
            "{e}: {open_orders:?}"
        );
        let partner_order = NewRequest {
            issuer_partner_id: String::new(),
            selection: Selection::Orders(vec![orders[1].clone()]),
            ..months(&[])
        };
        let r = invoices::submit(&app.db, d.clone(), partner_order)
            .await
            .unwrap();
        assert_eq!((r.amount, r.kind), (3500, 2), "{e}");
        let one = NewRequest {
            issuer_partner_id: String::new(),
            selection: Selection::CustomerMonths {
                customer_id: c.clone(),
                months: vec!["2026-11".into()],
            },
            ..months(&[])
        };
        assert_eq!(
            invoices::submit(&app.db, d.clone(), one.clone())
                .await
                .unwrap()
                .amount,
            3500,
            "{e}"
        );
        let err = invoices::submit(&app.db, d, one).await.unwrap_err();
        assert_eq!(code(err), "PC.1704", "{e}");
    }
}

/// The console's request forms: a customer by month or by order; a partner admin also by customer
/// per month (one request per customer); what each made is listed with how it selects.
#[tokio::test]
async fn the_console_asks_by_order_and_by_customer_per_month() {
    for app in apps("invoices_console").await {
        let e = &app.engine;
        let w = world(&app).await;
        let c = w.c.customer_id.clone();
        fund(&app, &w.d.partner_id, &c, 20_000).await;
        let orders = paid_orders(&app, &c, 2).await;
        app.clock.set(parse_utc("2026-12-04T02:00:00Z").unwrap());
        profile(&app, app.as_partner(&w.d.partner_id), "Distributor Ltd").await;
        profile(&app, cust_ctx(&app, &c), "Cust Ltd").await;

        // The customer: by month and by order, not by customer.
        let sc = app.console_login(&w.c.login, "Passw0rd!").await;
        let b = app.console_get(&sc, "/console/invoices").await.body;
        assert!(b.contains(r#"id="invoice-request-order""#), "{e}");
        assert!(!b.contains(r#"id="invoice-request-customer""#), "{e}");
        for o in &orders {
            assert!(b.contains(&format!(r#"<tr data-order="{o}""#)), "{e}: {o}");
        }
        let none = app
            .console_post(&sc, "/console/invoices", &[("by", "order")])
            .await;
        assert_eq!(none.status, 400, "{e}");
        assert!(none.body.contains("请至少选择一个订单。"), "{e}");

        // The partner admin: one order of its customer, then that customer's month (the rest).
        let sd = app.console_login(&w.d.login, "Passw0rd!").await;
        let b = app.console_get(&sd, "/console/invoices").await.body;
        assert!(
            b.contains(&format!(r#"data-customer="{c}" data-cycle="2026-11""#)),
            "{e}"
        );
        let by_order = format!("|{}", orders[0]);
        let r = app
            .console_post(
                &sd,
                "/console/invoices",
                &[("by", "order"), ("order", &by_order)],
            )
            .await;
        assert_eq!(r.status, 303, "{e}: {}", r.body);
        // Another partner's customer is nothing this partner may ask for.
        let foreign = format!("{}|2026-11", w.oc.customer_id);
        let r = app
            .console_post(
                &sd,
                "/console/invoices",
                &[("by", "customer"), ("customer_month", &foreign)],
            )
            .await;
        assert!(r.status >= 400, "{e}: {}", r.status);
        assert!(
            r.body.contains(r#"id="invoice-request-customer-error""#),
            "{e}"
        );
        let mine = format!("{c}|2026-11");
        let r = app
            .console_post(
                &sd,
                "/console/invoices",
                &[("by", "customer"), ("customer_month", &mine)],
            )
            .await;
        assert_eq!(r.status, 303, "{e}: {}", r.body);
        let b = app.console_get(&sd, "/console/invoices").await.body;
        let listed = &b[b.find(r#"id="invoice-mine""#).unwrap()..];
        assert!(listed.contains(r#"data-status="1" data-kind="2""#), "{e}");
        assert!(listed.contains(r#"data-status="1" data-kind="3""#), "{e}");
        assert!(
            listed.contains("按客户分账期") && listed.contains(&format!("{c}:2026-11")),
            "{e}"
        );
        let (_, mine) =
            invoices::my_requests(&app.db, &app.as_partner(&w.d.partner_id), None, None)
                .await
                .unwrap();
        let amounts: Vec<(i64, i64)> = mine.iter().map(|r| (r.kind, r.amount)).collect();
        assert!(
            amounts.contains(&(2, 3500)) && amounts.contains(&(3, 3500)),
            "{e}: {amounts:?}"
        );
        // Nothing of that month is left to ask for, by order or by customer.
        assert!(
            !b.contains(&format!(r#"data-customer="{c}" data-cycle="2026-11""#)),
            "{e}"
        );
        assert!(!b.contains(r#"<tr data-order=""#), "{e}");
    }
}
