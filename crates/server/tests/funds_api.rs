//! Funds through the vendor API and the console, in process, on SQLite and PostgreSQL:
//! list_partner_balances, list_partner_account_change_records, update/reclaim_indirect_partner_account,
//! list_customers_balances_detail (the vendor's API reference): exact fields, every error code,
//! foreign ids, idempotency, concurrency, and the console's Funds pages.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use pc_app::services::partners::CreatedPartner;
use pc_app::services::{funds, identity};
use pc_app::store::{audit, ledger};
use pc_app::{Actor, Ctx};
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::timefmt;
use pc_domain::Money;
use serde_json::Value;

const BALANCES: &str = "/v2/accounts/partner-accounts/balances";
const RECORDS: &str = "/v2/accounts/partner-accounts/account-change-records";
const R_ADJUST: &str = "/v2/accounts/partner-accounts/indirect-partner-adjust";
const R_RECLAIM: &str = "/v2/accounts/partner-accounts/indirect-partner-reclaim";
const C_BALANCES: &str = "/v2/accounts/customer-accounts/balances/batch-query";
const ADJUST: &str = "/v2/accounts/partner-accounts/adjust-amount";
const RECLAIM: &str = "/v2/accounts/partner-accounts/reclaim";

const DAY_MS: i64 = 86_400_000;

async fn get(app: &TestApp, creds: &Creds, path: &str) -> Resp {
    app.send(signed(creds, "GET", path, "", NOW_MS, &[])).await
}

async fn post(app: &TestApp, creds: &Creds, path: &str, body: &str) -> Resp {
    app.send(signed(creds, "POST", path, body, NOW_MS, &[]))
        .await
}

fn reseller_body(id: &str, amount: &str) -> String {
    format!(r#"{{"indirect_partner_id": "{id}", "amount": {amount}}}"#)
}

fn customer_body(id: &str, amount: &str) -> String {
    format!(r#"{{"customer_id": "{id}", "amount": {amount}}}"#)
}

/// A successful write's id field.
fn ok_id(r: &Resp, field: &str) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(
        j.as_object().unwrap().len(),
        1,
        "only {field} is answered: {}",
        r.body
    );
    let id = j[field].as_str().unwrap_or_default().to_string();
    assert!(!id.is_empty(), "{}", r.body);
    id
}

/// A JSON number's exact digits (serde_json keeps them with `arbitrary_precision`).
fn digits(v: &Value) -> String {
    assert!(v.is_number(), "not a number: {v}");
    v.to_string()
}

fn balance_of(r: &Resp) -> String {
    assert_eq!(r.status, 200, "{}", r.body);
    digits(&r.json()["account_balances"][0]["amount"])
}

/// The partners most tests need: distributor `d` with its reseller `r`, another distributor `o`
/// with its reseller `or` (foreign to `d`), and a consulting-sales partner.
struct Tree {
    d: CreatedPartner,
    r: CreatedPartner,
    o: CreatedPartner,
    or: CreatedPartner,
    cons: CreatedPartner,
}

async fn tree(app: &TestApp) -> Tree {
    let d = app.partner(PartnerType::Distributor, None).await;
    let r = app
        .partner(PartnerType::Reseller, Some(&d.partner_id))
        .await;
    let o = app.partner(PartnerType::Distributor, None).await;
    let or = app
        .partner(PartnerType::Reseller, Some(&o.partner_id))
        .await;
    let cons = app.partner(PartnerType::Consulting, None).await;
    Tree { d, r, o, or, cons }
}

#[tokio::test]
async fn list_partner_balances_own_resellers_and_refusals() {
    for app in apps("fbal").await {
        let Tree {
            d,
            r,
            o,
            or: foreign,
            cons,
        } = tree(&app).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "bal-cust", "x")
            .await;
        app.credit(&d.partner_id, 10_000).await;
        let (dc, rc) = (Creds::from(&d), Creds::from(&r));
        ok_id(
            &post(&app, &dc, R_ADJUST, &reseller_body(&r.partner_id, "30.25")).await,
            "transfer_id",
        );

        let me = get(&app, &dc, BALANCES).await;
        assert_eq!(me.status, 200, "{}: {}", app.engine, me.body);
        let j = me.json();
        let list = j["account_balances"].as_array().unwrap();
        assert_eq!(list.len(), 1, "{}", me.body);
        let b = &list[0];
        assert_eq!(b["account_id"], format!("partner_cash:{}", d.partner_id));
        assert_eq!(b["account_type"], 1);
        assert_eq!(digits(&b["amount"]), "69.75");
        assert_eq!(b["currency"], "CNY");
        assert_eq!(digits(&b["designated_amount"]), "0.00");
        assert_eq!(b["measure_id"], 1);
        // The reseller's, asked by its distributor; an empty parameter means "my own".
        let theirs = get(
            &app,
            &dc,
            &format!("{BALANCES}?indirect_partner_id={}", r.partner_id),
        )
        .await;
        assert_eq!(balance_of(&theirs), "30.25");
        assert_eq!(
            theirs.json()["account_balances"][0]["account_id"],
            format!("partner_cash:{}", r.partner_id)
        );
        assert_eq!(
            balance_of(&get(&app, &dc, &format!("{BALANCES}?indirect_partner_id=")).await),
            "69.75"
        );
        // The reseller sees its own; it may not name anyone.
        assert_eq!(balance_of(&get(&app, &rc, BALANCES).await), "30.25");
        get(
            &app,
            &rc,
            &format!("{BALANCES}?indirect_partner_id={}", d.partner_id),
        )
        .await
        .assert_error(400, "CBC.99000037");
        // Foreign and unknown resellers, and a non-distributor naming one.
        for id in [
            foreign.partner_id.as_str(),
            "p-no-such",
            d.partner_id.as_str(),
        ] {
            get(&app, &dc, &format!("{BALANCES}?indirect_partner_id={id}"))
                .await
                .assert_error(400, "CBC.99000037");
        }
        get(
            &app,
            &Creds::from(&cons),
            &format!("{BALANCES}?indirect_partner_id={}", r.partner_id),
        )
        .await
        .assert_error(400, "CBC.99000037");
        assert_eq!(
            balance_of(&get(&app, &Creds::from(&o), BALANCES).await),
            "0.00"
        );
        // Customers' keys, and the wrong method.
        get(&app, &Creds::from(&cust), BALANCES)
            .await
            .assert_error(403, "CBC.0155");
        post(&app, &dc, BALANCES, "{}")
            .await
            .assert_error(405, "PC.0405");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn reseller_allocation_and_reclaim() {
    for app in apps("fresel").await {
        let Tree {
            d,
            r,
            o,
            or: foreign,
            cons,
        } = tree(&app).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "resel-cust", "x")
            .await;
        app.credit(&d.partner_id, 10_000).await; // 100.00
        app.credit(&o.partner_id, 10_000).await;
        app.credit(&r.partner_id, 500).await; // the reseller's own 5.00
        let (dc, rc, oc) = (Creds::from(&d), Creds::from(&r), Creds::from(&o));
        let bal = |c: &Creds, q: &str| {
            let path = format!("{BALANCES}{q}");
            let c = c.clone();
            let app = &app;
            async move { balance_of(&get(app, &c, &path).await) }
        };

        let t1 = ok_id(
            &post(&app, &dc, R_ADJUST, &reseller_body(&r.partner_id, "30.50")).await,
            "transfer_id",
        );
        assert_eq!(bal(&dc, "").await, "69.50");
        assert_eq!(bal(&rc, "").await, "35.50");
        // Never more than the distributor holds.
        post(&app, &dc, R_ADJUST, &reseller_body(&r.partner_id, "69.51"))
            .await
            .assert_error(400, "CBC.99005003");
        // Reclaim: never more than the reseller holds (its own 5.00 included).
        let t2 = ok_id(
            &post(&app, &dc, R_RECLAIM, &reseller_body(&r.partner_id, "10")).await,
            "trans_id",
        );
        assert_ne!(t1, t2);
        post(&app, &dc, R_RECLAIM, &reseller_body(&r.partner_id, "25.51"))
            .await
            .assert_error(400, "CBC.99005003");
        ok_id(
            &post(&app, &dc, R_RECLAIM, &reseller_body(&r.partner_id, "25.50")).await,
            "trans_id",
        );
        post(&app, &dc, R_RECLAIM, &reseller_body(&r.partner_id, "0.01"))
            .await
            .assert_error(400, "CBC.99005003");
        assert_eq!(bal(&dc, "").await, "105.00");
        assert_eq!(bal(&rc, "").await, "0.00");

        // Only a distributor, only on its own resellers: foreign, unknown, itself, a customer id,
        // the other distributor acting on ours.
        for path in [R_ADJUST, R_RECLAIM] {
            for id in [
                foreign.partner_id.as_str(),
                "p-no-such",
                d.partner_id.as_str(),
                cust.customer_id.as_str(),
            ] {
                post(&app, &dc, path, &reseller_body(id, "1"))
                    .await
                    .assert_error(400, "CBC.99000037");
            }
            post(&app, &oc, path, &reseller_body(&r.partner_id, "1"))
                .await
                .assert_error(400, "CBC.99000037");
            post(&app, &rc, path, &reseller_body(&r.partner_id, "1"))
                .await
                .assert_error(400, "CBC.99000037");
            post(&app, &rc, path, &reseller_body(&d.partner_id, "1"))
                .await
                .assert_error(400, "CBC.99000037");
            post(
                &app,
                &Creds::from(&cons),
                path,
                &reseller_body(&r.partner_id, "1"),
            )
            .await
            .assert_error(400, "CBC.99000037");
            // Bad input.
            for body in [
                reseller_body(&r.partner_id, "0"),
                reseller_body(&r.partner_id, "0.00"),
                reseller_body(&r.partner_id, "-1"),
                reseller_body(&r.partner_id, "1.005"),
                reseller_body(&r.partner_id, "\"abc\""),
                reseller_body("", "1"),
                format!(r#"{{"indirect_partner_id": "{}"}}"#, r.partner_id),
                r#"{"amount": 1}"#.to_string(),
                "{}".to_string(),
                "[1]".to_string(),
            ] {
                post(&app, &dc, path, &body)
                    .await
                    .assert_error(400, "CBC.0100");
            }
            post(
                &app,
                &Creds::from(&cust),
                path,
                &reseller_body(&r.partner_id, "1"),
            )
            .await
            .assert_error(403, "CBC.0155");
        }
        // Nothing moved by the refusals.
        assert_eq!(bal(&dc, "").await, "105.00");
        assert_eq!(bal(&rc, "").await, "0.00");
        assert_eq!(bal(&oc, "").await, "100.00");

        // Idempotency: same key and body → the first answer, one effect; other body → 409.
        for (path, field) in [(R_ADJUST, "transfer_id"), (R_RECLAIM, "trans_id")] {
            let key = [("x-idempotency-key", path)];
            let body = reseller_body(&r.partner_id, "7.00");
            let a = app
                .send(signed(&dc, "POST", path, &body, NOW_MS, &key))
                .await;
            let b = app
                .send(signed(&dc, "POST", path, &body, NOW_MS, &key))
                .await;
            ok_id(&a, field);
            assert_eq!(a.body, b.body, "{}", app.engine);
            app.send(signed(
                &dc,
                "POST",
                path,
                &reseller_body(&r.partner_id, "8.00"),
                NOW_MS,
                &key,
            ))
            .await
            .assert_error(409, "PC.0409");
        }
        // One 7.00 out and one 7.00 back.
        assert_eq!(bal(&dc, "").await, "105.00");
        assert_eq!(bal(&rc, "").await, "0.00");

        // Audited, naming the transfers.
        let mut rows: Vec<(String, String, String)> = audit::recent(app.db.read(), None, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|a| a.action.starts_with("funds.") && a.action.ends_with("_reseller"))
            .map(|a| (a.action, a.target_id, a.transfer_ids))
            .collect();
        rows.reverse();
        let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        assert_eq!(
            actions,
            [
                "funds.allocate_reseller",
                "funds.reclaim_reseller",
                "funds.reclaim_reseller",
                "funds.allocate_reseller",
                "funds.reclaim_reseller"
            ],
            "{}",
            app.engine
        );
        assert!(rows.iter().all(|row| row.1 == r.partner_id));
        assert_eq!(rows[0].2, t1);
        assert_eq!(rows[1].2, t2);
        app.assert_ledger_clean().await;
    }
}

async fn credit_at(app: &TestApp, partner_id: &str, cents: i64, at_ms: i64, memo: &str) -> String {
    let ctx = Ctx::new(
        Actor::System {
            name: "test".into(),
        },
        "req-test",
        at_ms,
    );
    let credit = funds::Credit {
        partner_id: partner_id.into(),
        amount: Money::from_cents(cents),
        memo: Some(memo.into()),
    };
    funds::credit_partner(&app.db, ctx, credit)
        .await
        .unwrap()
        .transfer_id
}

fn records(r: &Resp) -> (i64, Vec<Value>) {
    assert_eq!(r.status, 200, "{}", r.body);
    let j = r.json();
    assert_eq!(j["currency"], "CNY");
    (
        j["total_count"].as_i64().unwrap(),
        j["records"].as_array().unwrap().clone(),
    )
}

#[tokio::test]
async fn income_and_expense_records() {
    for app in apps("frec").await {
        let Tree {
            d,
            r,
            o,
            or: foreign,
            ..
        } = tree(&app).await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "rec-cust", "x")
            .await;
        let cons = app
            .customer(&d.partner_id, AssociationType::Consulting, "rec-cons", "x")
            .await;
        // An old credit, outside the default one-year window.
        let old = credit_at(&app, &d.partner_id, 100, NOW_MS - 400 * DAY_MS, "old").await;
        let credit = credit_at(&app, &d.partner_id, 10_000, NOW_MS, "bank transfer").await;
        let (dc, rc) = (Creds::from(&d), Creds::from(&r));
        let a1 = ok_id(
            &post(&app, &dc, ADJUST, &customer_body(&c.customer_id, "10.50")).await,
            "transfer_id",
        );
        let a2 = ok_id(
            &post(&app, &dc, RECLAIM, &customer_body(&c.customer_id, "0.50")).await,
            "trans_id",
        );
        let a3 = ok_id(
            &post(&app, &dc, R_ADJUST, &reseller_body(&r.partner_id, "20")).await,
            "transfer_id",
        );
        let a4 = ok_id(
            &post(&app, &dc, R_RECLAIM, &reseller_body(&r.partner_id, "5")).await,
            "trans_id",
        );
        let q = |extra: &str| format!("{RECORDS}?balance_type=BALANCE_TYPE_DEBIT{extra}");
        let (total, recs) = records(&get(&app, &dc, &q("")).await);
        assert_eq!(total, 5, "{}: {recs:?}", app.engine);
        let now = timefmt::format_utc(NOW_MS);
        // Newest first; every field exact; amounts are strings.
        let expect = [
            (
                &a4,
                "SOURCE_OPERATION_BERETRIEVE",
                "5.00",
                "76.00",
                "1",
                Some(&r.partner_id),
                Some("Reseller partner"),
            ),
            (
                &a3,
                "SOURCE_OPERATION_BEADJUST",
                "-20.00",
                "71.00",
                "2",
                Some(&r.partner_id),
                Some("Reseller partner"),
            ),
            (
                &a2,
                "SOURCE_OPERATION_BERETRIEVE",
                "0.50",
                "91.00",
                "1",
                Some(&c.customer_id),
                Some("rec-cust"),
            ),
            (
                &a1,
                "SOURCE_OPERATION_BEADJUST",
                "-10.50",
                "90.50",
                "2",
                Some(&c.customer_id),
                Some("rec-cust"),
            ),
            (
                &credit,
                "SOURCE_OPERAIION_RECHARGE",
                "100.00",
                "101.00",
                "1",
                None,
                None,
            ),
        ];
        for (rec, (id, detail, change, after, ty, cid, name)) in recs.iter().zip(expect) {
            assert_eq!(rec["account_change_id"], id.as_str(), "{rec}");
            assert_eq!(rec["trade_id"], id.as_str(), "{rec}");
            assert_eq!(rec["trade_detail_type"], detail, "{rec}");
            assert_eq!(rec["trade_time"], now.as_str());
            assert_eq!(rec["change_amount"], change, "{rec}");
            assert_eq!(rec["balance_after_change"], after, "{rec}");
            assert_eq!(rec["type"], ty, "{rec}");
            assert_eq!(
                rec["customer_id"].as_str(),
                cid.map(String::as_str),
                "{rec}"
            );
            assert_eq!(rec["account_name"].as_str(), name, "{rec}");
        }
        // trade_type filters (and the mapping of our transfer kinds).
        for (tt, n) in [
            ("BEADJUST", 2),
            ("BERETRIEVE", 2),
            ("RECHARGE", 1),
            ("ADJUST", 0),
            ("REFUND", 0),
            ("", 5),
        ] {
            let (total, recs) = records(&get(&app, &dc, &q(&format!("&trade_type={tt}"))).await);
            assert_eq!((total, recs.len() as i64), (n, n), "{tt}");
        }
        // Paging.
        let (total, page) = records(&get(&app, &dc, &q("&limit=2&offset=1")).await);
        assert_eq!(total, 5);
        assert_eq!(page.len(), 2);
        assert_eq!(page[0]["trade_id"], a3.as_str());
        assert_eq!(page[1]["trade_id"], a2.as_str());
        assert_eq!(records(&get(&app, &dc, &q("&offset=5")).await).1.len(), 0);
        assert_eq!(records(&get(&app, &dc, &q("&limit=1")).await).1.len(), 1);
        // Dates are UTC+8 days: the default window is the last year; the old credit needs an
        // explicit begin date.
        let today = timefmt::format_date(timefmt::cn_date(NOW_MS));
        let tomorrow = timefmt::format_date(timefmt::cn_date(NOW_MS + DAY_MS));
        let yesterday = timefmt::format_date(timefmt::cn_date(NOW_MS - DAY_MS));
        let long_ago = timefmt::format_date(timefmt::cn_date(NOW_MS - 500 * DAY_MS));
        let window = |b: &str, e: &str| q(&format!("&trade_time_begin={b}&trade_time_end={e}"));
        assert_eq!(records(&get(&app, &dc, &window(&today, &today)).await).0, 5);
        assert_eq!(
            records(&get(&app, &dc, &window(&tomorrow, &tomorrow)).await).0,
            0
        );
        assert_eq!(
            records(&get(&app, &dc, &q(&format!("&trade_time_end={yesterday}"))).await).0,
            0
        );
        let (total, recs) =
            records(&get(&app, &dc, &q(&format!("&trade_time_begin={long_ago}"))).await);
        assert_eq!(total, 6);
        assert_eq!(recs.last().unwrap()["trade_id"], old.as_str());
        assert_eq!(recs.last().unwrap()["balance_after_change"], "1.00");
        // The UTC+8 day boundary: 16:30 UTC is already tomorrow in China.
        let boundary = timefmt::parse_utc(&format!("{today}T16:30:00Z")).unwrap();
        if boundary > NOW_MS {
            credit_at(&app, &d.partner_id, 1, boundary, "late").await;
            assert_eq!(records(&get(&app, &dc, &window(&today, &today)).await).0, 5);
            assert_eq!(
                records(&get(&app, &dc, &window(&tomorrow, &tomorrow)).await).0,
                1
            );
        }
        // Bad parameters.
        for bad in [
            RECORDS.to_string(),
            format!("{RECORDS}?balance_type="),
            format!("{RECORDS}?balance_type=CASH"),
            q("&trade_type=GIFT"),
            q("&trade_type=beadjust"),
            q("&trade_time_begin=2026-13-01"),
            q("&trade_time_begin=20261118"),
            q(&format!(
                "&trade_time_begin={tomorrow}&trade_time_end={today}"
            )),
            q("&limit=0"),
            q("&limit=101"),
            q("&limit=ten"),
            q("&offset=-1"),
        ] {
            get(&app, &dc, &bad).await.assert_error(400, "CBC.0100");
        }
        // No credit account here: a credit query is empty.
        let (total, recs) = records(
            &get(
                &app,
                &dc,
                &format!("{RECORDS}?balance_type=BALANCE_TYPE_CREDIT"),
            )
            .await,
        );
        assert_eq!((total, recs.len()), (0, 0));
        // The reseller's own view, and the distributor's view of it.
        let mine = records(&get(&app, &rc, &q("")).await);
        let via = records(
            &get(
                &app,
                &dc,
                &q(&format!("&indirect_partner_id={}", r.partner_id)),
            )
            .await,
        );
        assert_eq!(mine, via);
        assert_eq!(mine.0, 2);
        let (top, next) = (&mine.1[0], &mine.1[1]);
        assert_eq!(
            (
                top["change_amount"].as_str(),
                top["balance_after_change"].as_str(),
                top["type"].as_str()
            ),
            (Some("-5.00"), Some("15.00"), Some("2"))
        );
        assert_eq!(top["customer_id"], d.partner_id.as_str());
        assert_eq!(
            (
                next["change_amount"].as_str(),
                next["type"].as_str(),
                next["trade_detail_type"].as_str()
            ),
            (Some("20.00"), Some("1"), Some("SOURCE_OPERATION_BEADJUST"))
        );
        // Foreign resellers and partners, and resellers naming anyone.
        get(
            &app,
            &dc,
            &q(&format!("&indirect_partner_id={}", foreign.partner_id)),
        )
        .await
        .assert_error(400, "CBC.99000037");
        get(
            &app,
            &rc,
            &q(&format!("&indirect_partner_id={}", d.partner_id)),
        )
        .await
        .assert_error(400, "CBC.99000037");
        assert_eq!(records(&get(&app, &Creds::from(&o), &q("")).await).0, 0);
        // Customers: resale customers get the vendor's own code.
        get(&app, &Creds::from(&c), &q(""))
            .await
            .assert_error(400, "CBC.99000084");
        get(&app, &Creds::from(&cons), &q(""))
            .await
            .assert_error(403, "CBC.0155");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn customers_balances_detail() {
    for app in apps("fcbal").await {
        let Tree {
            d,
            r,
            o,
            or: foreign_r,
            ..
        } = tree(&app).await;
        let c1 = app
            .customer(&d.partner_id, AssociationType::Resale, "cb-one", "x")
            .await;
        let c2 = app
            .customer(&d.partner_id, AssociationType::Resale, "cb-two", "x")
            .await;
        let cons = app
            .customer(&d.partner_id, AssociationType::Consulting, "cb-cons", "x")
            .await;
        let f = app
            .customer(&o.partner_id, AssociationType::Resale, "cb-foreign", "x")
            .await;
        let rc = app
            .customer(&r.partner_id, AssociationType::Resale, "cb-resold", "x")
            .await;
        app.credit(&d.partner_id, 10_000).await;
        app.credit(&o.partner_id, 10_000).await;
        app.credit(&r.partner_id, 1_000).await;
        let (dc, oc) = (Creds::from(&d), Creds::from(&o));
        ok_id(
            &post(&app, &dc, ADJUST, &customer_body(&c1.customer_id, "10.50")).await,
            "transfer_id",
        );
        ok_id(
            &post(&app, &oc, ADJUST, &customer_body(&f.customer_id, "3")).await,
            "transfer_id",
        );
        ok_id(
            &post(
                &app,
                &Creds::from(&r),
                ADJUST,
                &customer_body(&rc.customer_id, "2.25"),
            )
            .await,
            "transfer_id",
        );
        let infos = |ids: &[&str]| {
            ids.iter()
                .map(|id| format!(r#"{{"customer_id": "{id}"}}"#))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let body = format!(
            r#"{{"customer_infos": [{}]}}"#,
            infos(&[
                &c2.customer_id,
                &c1.customer_id,
                &cons.customer_id,
                &f.customer_id,
                "c-no-such",
                &c1.customer_id
            ])
        );
        let resp = post(&app, &dc, C_BALANCES, &body).await;
        assert_eq!(resp.status, 200, "{}: {}", app.engine, resp.body);
        let j = resp.json();
        let list = j["customer_balances"].as_array().unwrap();
        // Asked order, each once; consulting, foreign and unknown customers left out.
        assert_eq!(list.len(), 2, "{}", resp.body);
        assert_eq!(list[0]["customer_id"], c2.customer_id.as_str());
        assert_eq!(digits(&list[0]["amount"]), "0.00");
        let one = &list[1];
        assert_eq!(one["customer_id"], c1.customer_id.as_str());
        assert_eq!(digits(&one["amount"]), "10.50");
        assert_eq!(digits(&one["debt_amount"]), "0.00");
        assert_eq!(one["currency"], "CNY");
        assert_eq!(one["measure_id"], 1);
        assert_eq!(one.as_object().unwrap().len(), 5);
        // Only foreign ids: an empty list, nothing leaks.
        let body = format!(r#"{{"customer_infos": [{}]}}"#, infos(&[&f.customer_id]));
        assert_eq!(
            post(&app, &dc, C_BALANCES, &body).await.json()["customer_balances"],
            serde_json::json!([])
        );
        // A reseller's customers, through its distributor.
        let body = format!(
            r#"{{"customer_infos": [{}], "indirect_partner_id": "{}"}}"#,
            infos(&[&rc.customer_id, &c1.customer_id]),
            r.partner_id
        );
        let list = post(&app, &dc, C_BALANCES, &body).await.json()["customer_balances"].clone();
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["customer_id"], rc.customer_id.as_str());
        assert_eq!(digits(&list[0]["amount"]), "2.25");
        // Someone else's reseller; a reseller naming anyone.
        let body = format!(
            r#"{{"customer_infos": [{}], "indirect_partner_id": "{}"}}"#,
            infos(&[&rc.customer_id]),
            foreign_r.partner_id
        );
        post(&app, &dc, C_BALANCES, &body)
            .await
            .assert_error(400, "CBC.99000037");
        let body = format!(
            r#"{{"customer_infos": [{}], "indirect_partner_id": "{}"}}"#,
            infos(&[&rc.customer_id]),
            d.partner_id
        );
        post(&app, &Creds::from(&r), C_BALANCES, &body)
            .await
            .assert_error(400, "CBC.99000037");
        // Bad input.
        let many = infos(&vec!["c-x"; 101]);
        for bad in [
            "{}".to_string(),
            r#"{"customer_infos": []}"#.to_string(),
            r#"{"customer_infos": [{}]}"#.to_string(),
            r#"{"customer_infos": [{"customer_id": ""}]}"#.to_string(),
            r#"{"customer_infos": "c1"}"#.to_string(),
            format!(r#"{{"customer_infos": [{many}]}}"#),
        ] {
            post(&app, &dc, C_BALANCES, &bad)
                .await
                .assert_error(400, "CBC.0100");
        }
        post(
            &app,
            &Creds::from(&c1),
            C_BALANCES,
            &format!(r#"{{"customer_infos": [{}]}}"#, infos(&[&c1.customer_id])),
        )
        .await
        .assert_error(403, "CBC.0155");
        app.assert_ledger_clean().await;
    }
}

/// Sends all requests at once (each its own task) and returns (status, body) in request order.
async fn storm(app: &TestApp, reqs: Vec<Request<Body>>) -> Vec<(u16, String)> {
    let tasks: Vec<_> = reqs
        .into_iter()
        .map(|req| {
            let router = app.router.clone();
            tokio::spawn(async move {
                let resp = tower::ServiceExt::oneshot(router, req).await.unwrap();
                let status = resp.status().as_u16();
                let bytes = http_body_util::BodyExt::collect(resp.into_body())
                    .await
                    .unwrap()
                    .to_bytes();
                (status, String::from_utf8_lossy(&bytes).into_owned())
            })
        })
        .collect();
    let mut out = Vec::with_capacity(tasks.len());
    for t in tasks {
        out.push(t.await.unwrap());
    }
    out
}

/// Many writers against one distributor, one reseller and their customers at once: every answer
/// is a success or an insufficient balance, the balances are exactly what the successes add up
/// to, none is below zero, and `verify` stays clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_allocations_and_reclaims_never_overdraw() {
    for app in apps("fconc").await {
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let c = app
            .customer(&d.partner_id, AssociationType::Resale, "conc-cust", "x")
            .await;
        let rcust = app
            .customer(&r.partner_id, AssociationType::Resale, "conc-rcust", "x")
            .await;
        app.credit(&d.partner_id, 5_000).await; // 50.00
        let (dc, rc) = (Creds::from(&d), Creds::from(&r));
        // 5.00 each to the customer and the reseller first, so reclaims can succeed from the start.
        ok_id(
            &post(&app, &dc, ADJUST, &customer_body(&c.customer_id, "5")).await,
            "transfer_id",
        );
        ok_id(
            &post(&app, &dc, R_ADJUST, &reseller_body(&r.partner_id, "5")).await,
            "transfer_id",
        );
        // (who, path, body, label)
        let mut plan: Vec<(Creds, &str, String, usize)> = Vec::new();
        for i in 0..200 {
            plan.push(match i % 5 {
                0 => (dc.clone(), ADJUST, customer_body(&c.customer_id, "1"), 0),
                1 => (dc.clone(), RECLAIM, customer_body(&c.customer_id, "1"), 1),
                2 => (dc.clone(), R_ADJUST, reseller_body(&r.partner_id, "1"), 2),
                3 => (dc.clone(), R_RECLAIM, reseller_body(&r.partner_id, "1"), 3),
                _ => (
                    rc.clone(),
                    ADJUST,
                    customer_body(&rcust.customer_id, "1"),
                    4,
                ),
            });
        }
        let labels: Vec<usize> = plan.iter().map(|p| p.3).collect();
        let answers = storm(
            &app,
            plan.iter()
                .map(|(creds, path, body, _)| signed(creds, "POST", path, body, NOW_MS, &[]))
                .collect(),
        )
        .await;
        let mut ok = [0i64; 5];
        for (label, (status, body)) in labels.into_iter().zip(answers) {
            match status {
                200 => ok[label] += 1,
                400 => assert!(body.contains("CBC.99005003"), "{}: {body}", app.engine),
                s => panic!("{}: unexpected {s}: {body}", app.engine),
            }
        }
        eprintln!("{}: successes per kind {ok:?} of 40 each", app.engine);
        let cents = |v: i64| Money::from_cents(v * 100).to_string();
        let expect_d = 40 - ok[0] + ok[1] - ok[2] + ok[3];
        let expect_c = 5 + ok[0] - ok[1];
        let expect_r = 5 + ok[2] - ok[3] - ok[4];
        let expect_rc = ok[4];
        for v in [expect_d, expect_c, expect_r, expect_rc] {
            assert!(v >= 0, "{}: {ok:?}", app.engine);
        }
        assert!(
            ok.iter().all(|n| *n > 0),
            "{}: some kind never succeeded: {ok:?}",
            app.engine
        );
        assert_eq!(
            balance_of(&get(&app, &dc, BALANCES).await),
            cents(expect_d),
            "{ok:?}"
        );
        assert_eq!(
            balance_of(&get(&app, &rc, BALANCES).await),
            cents(expect_r),
            "{ok:?}"
        );
        let q = format!(
            r#"{{"customer_infos": [{{"customer_id": "{}"}}]}}"#,
            c.customer_id
        );
        assert_eq!(
            digits(&post(&app, &dc, C_BALANCES, &q).await.json()["customer_balances"][0]["amount"]),
            cents(expect_c)
        );
        let q = format!(
            r#"{{"customer_infos": [{{"customer_id": "{}"}}]}}"#,
            rcust.customer_id
        );
        assert_eq!(
            digits(&post(&app, &rc, C_BALANCES, &q).await.json()["customer_balances"][0]["amount"]),
            cents(expect_rc)
        );
        // Each success is exactly one transfer.
        let transfers = ledger::verify(app.db.read()).await.unwrap().transfers as i64;
        // One operator credit, the two opening allocations, and one per success.
        assert_eq!(transfers, 3 + ok.iter().sum::<i64>());
        app.assert_ledger_clean().await;

        // Deterministic contention: the reseller holds exactly 40.00 after this; 100 concurrent
        // reclaims of 1.00 take exactly 40, and 100 concurrent allocations of 1.00 from a
        // distributor holding exactly 30.00 give exactly 30.
        let r_now = expect_r;
        let d_now = expect_d + r_now;
        if r_now > 0 {
            ok_id(
                &post(
                    &app,
                    &dc,
                    R_RECLAIM,
                    &reseller_body(&r.partner_id, &r_now.to_string()),
                )
                .await,
                "trans_id",
            );
        }
        app.credit(&d.partner_id, (70 - d_now) * 100).await; // d holds 70.00
        ok_id(
            &post(&app, &dc, R_ADJUST, &reseller_body(&r.partner_id, "40")).await,
            "transfer_id",
        );
        for (path, expect) in [(R_RECLAIM, 40), (R_ADJUST, 70)] {
            let answers = storm(
                &app,
                (0..100)
                    .map(|_| {
                        signed(
                            &dc,
                            "POST",
                            path,
                            &reseller_body(&r.partner_id, "1"),
                            NOW_MS,
                            &[],
                        )
                    })
                    .collect(),
            )
            .await;
            let mut n = 0;
            for (status, body) in answers {
                match status {
                    200 => n += 1,
                    400 => assert!(body.contains("CBC.99005003"), "{body}"),
                    s => panic!("{}: unexpected {s}: {body}", app.engine),
                }
            }
            assert_eq!(n, expect.min(100), "{} {path}", app.engine);
        }
        assert_eq!(balance_of(&get(&app, &rc, BALANCES).await), "70.00");
        assert_eq!(balance_of(&get(&app, &dc, BALANCES).await), "0.00");
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn new_operations_are_documented_and_never_5xx_on_junk() {
    for app in apps("fjunk").await {
        let doc = app
            .send(Request::get("/openapi.json").body(Body::empty()).unwrap())
            .await
            .json();
        for (path, method, name) in [
            (BALANCES, "get", "list_partner_balances"),
            (RECORDS, "get", "list_partner_account_change_records"),
            (R_ADJUST, "post", "update_indirect_partner_account"),
            (R_RECLAIM, "post", "reclaim_indirect_partner_account"),
            (C_BALANCES, "post", "list_customers_balances_detail"),
        ] {
            assert_eq!(doc["paths"][path][method]["operationId"], name);
        }
        let d = app.partner(PartnerType::Distributor, None).await;
        let creds = Creds::from(&d);
        for path in [R_ADJUST, R_RECLAIM, C_BALANCES] {
            for body in [
                "",
                "null",
                "{",
                "[]",
                "\"x\"",
                "{\"amount\": 1e400}",
                "{\"amount\": null}",
                "{\"indirect_partner_id\": 5, \"amount\": 1}",
                "{\"customer_infos\": [null]}",
                "{\"customer_infos\": [{\"customer_id\": 1}]}",
                "{\"indirect_partner_id\": \"\u{0}\", \"amount\": 1}",
                r#"{"indirect_partner_id": "\u0000", "amount": 1}"#,
                r#"{"customer_infos": [{"customer_id": "a\u0000"}]}"#,
            ] {
                let r = post(&app, &creds, path, body).await;
                assert!(r.status < 500, "{path} {body:?} → {} {}", r.status, r.body);
                if r.status >= 400 {
                    r.assert_error(r.status, r.json()["error_code"].as_str().unwrap());
                }
            }
        }
        for q in [
            "?balance_type=%FF",
            "?balance_type=BALANCE_TYPE_DEBIT&limit=99999999999999999999",
            "?offset=1&offset=2",
        ] {
            let r = get(&app, &creds, &format!("{RECORDS}{q}")).await;
            assert!(r.status < 500, "{q} → {} {}", r.status, r.body);
        }
        app.assert_ledger_clean().await;
    }
}

// ----------------------------------------------------------------------------------------------
// Console

async fn session(app: &TestApp, login: &str, password: &str) -> String {
    let cred = identity::Credentials {
        login: login.into(),
        password: password.into(),
    };
    let token = identity::login(&app.db, ctx(), cred).await.unwrap();
    format!("pc_session={token}")
}

async fn page(app: &TestApp, cookie: &str, path: &str) -> Resp {
    app.send(
        Request::get(path)
            .header("cookie", cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await
}

async fn form(app: &TestApp, cookie: &str, path: &str, body: &str) -> Resp {
    app.send(
        Request::post(path)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(body.to_string()))
            .unwrap(),
    )
    .await
}

fn csrf_of(html: &str) -> String {
    let at = html.find(r#"name="csrf" value=""#).expect("a csrf field") + 19;
    html[at..at + 32].to_string()
}

/// The text of the element with this id (first occurrence, no nested tags).
fn text_of(html: &str, id: &str) -> String {
    let at = html
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id} in {html}"));
    let start = at + html[at..].find('>').unwrap() + 1;
    let end = start + html[start..].find('<').unwrap();
    html[start..end].to_string()
}

fn location(r: &Resp) -> String {
    assert_eq!(r.status, 303, "{}", r.body);
    r.headers["location"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn console_funds_pages() {
    for app in apps("fconsole").await {
        identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: "op-funds".into(),
                password: "Passw0rd!".into(),
            },
        )
        .await
        .unwrap();
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let o = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "console-cust", "x")
            .await;
        let foreign = app
            .customer(
                &o.partner_id,
                AssociationType::Resale,
                "console-foreign",
                "x",
            )
            .await;
        let op = session(&app, "op-funds", "Passw0rd!").await;

        // The operator sees every partner's balance and credits one.
        let overview = page(&app, &op, "/console/funds").await;
        assert_eq!(overview.status, 200);
        assert!(overview
            .body
            .contains(&format!(r#"data-partner="{}""#, d.partner_id)));
        assert_eq!(text_of(&overview.body, "total-balance"), "¥0.00");
        assert!(overview.body.contains(r#"data-nav="funds""#));
        let credit_page = page(
            &app,
            &op,
            &format!("/console/funds/credit?partner={}", d.partner_id),
        )
        .await;
        assert_eq!(credit_page.status, 200);
        let csrf = csrf_of(&credit_page.body);
        // Without the CSRF token nothing happens; bad amounts are refused in place.
        let refused = form(
            &app,
            &op,
            "/console/funds/credit",
            &format!("partner_id={}&amount=10", d.partner_id),
        )
        .await;
        assert_eq!(refused.status, 403);
        let bad = form(
            &app,
            &op,
            "/console/funds/credit",
            &format!("csrf={csrf}&partner_id={}&amount=1.005", d.partner_id),
        )
        .await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains(r#"id="credit-form-amount-error""#));
        let unknown = form(
            &app,
            &op,
            "/console/funds/credit",
            &format!("csrf={csrf}&partner_id=p-none&amount=1"),
        )
        .await;
        assert_eq!(unknown.status, 404);
        let to = location(
            &form(
                &app,
                &op,
                "/console/funds/credit",
                &format!(
                    "csrf={csrf}&partner_id={}&amount=250.50&memo=wire+%2342",
                    d.partner_id
                ),
            )
            .await,
        );
        let shown = page(&app, &op, &to).await;
        assert_eq!(text_of(&shown.body, "result-amount"), "¥250.50");
        assert_eq!(text_of(&shown.body, "result-balance"), "¥250.50");
        assert_eq!(text_of(&shown.body, "credit-balance"), "¥250.50");
        assert!(shown.body.contains("wire #42"));
        let tid = text_of(&shown.body, "result-transfer");
        assert!(to.ends_with(&tid));
        assert_eq!(
            text_of(
                &page(&app, &op, "/console/funds").await.body,
                "total-balance"
            ),
            "¥250.50"
        );

        // The distributor's Funds page: balance, records, allocation to a customer and a reseller.
        let dist = session(&app, &d.login, "Passw0rd!").await;
        let fp = page(&app, &dist, "/console/funds").await;
        assert_eq!(fp.status, 200);
        // Every label is translated, in both languages.
        assert!(!fp.body.contains("??") && !overview.body.contains("??"));
        let switched = form(
            &app,
            &dist,
            "/console/lang",
            &format!("csrf={}&lang=en-US", csrf_of(&fp.body)),
        )
        .await;
        assert_eq!(switched.status, 303);
        let en = page(&app, &dist, "/console/funds?from=yesterday").await;
        assert!(en.body.contains("<h1>Funds</h1>") && en.body.contains("Income and expense"));
        assert!(en.body.contains("Invalid filter: dates are YYYY-MM-DD"));
        assert!(!en.body.contains("??"), "{}", en.body);
        form(
            &app,
            &dist,
            "/console/lang",
            &format!("csrf={}&lang=zh-CN", csrf_of(&fp.body)),
        )
        .await;
        assert_eq!(text_of(&fp.body, "funds-balance"), "¥250.50");
        assert_eq!(text_of(&fp.body, "records-total"), "1");
        assert!(fp.body.contains(&format!(r#"data-transfer="{tid}""#)));
        assert!(fp
            .body
            .contains(&format!(r#"option value="{}""#, cust.customer_id)));
        assert!(fp
            .body
            .contains(&format!(r#"option value="{}""#, r.partner_id)));
        let csrf = csrf_of(&fp.body);
        let mut to = String::new();
        for (path, fields, amount, balance) in [
            (
                "customers",
                format!("op=allocate&customer_id={}", cust.customer_id),
                "20",
                "¥230.50",
            ),
            (
                "resellers",
                format!("op=allocate&reseller_id={}", r.partner_id),
                "30",
                "¥200.50",
            ),
            (
                "resellers",
                format!("op=reclaim&reseller_id={}", r.partner_id),
                "0.50",
                "¥201.00",
            ),
            (
                "customers",
                format!("op=reclaim&customer_id={}", cust.customer_id),
                "5",
                "¥206.00",
            ),
        ] {
            let body = format!("csrf={csrf}&{fields}&amount={amount}");
            to = location(&form(&app, &dist, &format!("/console/funds/{path}"), &body).await);
            let done = page(&app, &dist, &to).await;
            let shown = Money::parse(amount).unwrap();
            assert_eq!(
                text_of(&done.body, "result-amount"),
                format!("¥{shown}"),
                "{body}"
            );
            assert_eq!(text_of(&done.body, "result-balance"), balance, "{body}");
            assert_eq!(text_of(&done.body, "funds-balance"), balance, "{body}");
        }
        // Refusals re-render the page with the reason, and move nothing.
        for (path, body, status) in [
            (
                "/console/funds/customers",
                format!(
                    "csrf={csrf}&op=reclaim&customer_id={}&amount=15.01",
                    cust.customer_id
                ),
                400,
            ),
            (
                "/console/funds/customers",
                format!(
                    "csrf={csrf}&op=allocate&customer_id={}&amount=1",
                    foreign.customer_id
                ),
                400,
            ),
            (
                "/console/funds/customers",
                format!(
                    "csrf={csrf}&op=steal&customer_id={}&amount=1",
                    cust.customer_id
                ),
                400,
            ),
            (
                "/console/funds/customers",
                format!(
                    "csrf={csrf}&op=allocate&customer_id={}&amount=0",
                    cust.customer_id
                ),
                400,
            ),
            (
                "/console/funds/resellers",
                format!(
                    "csrf={csrf}&op=reclaim&reseller_id={}&amount=29.51",
                    r.partner_id
                ),
                400,
            ),
            (
                "/console/funds/customers",
                format!(
                    "csrf=0000&op=allocate&customer_id={}&amount=1",
                    cust.customer_id
                ),
                403,
            ),
        ] {
            let resp = form(&app, &dist, path, &body).await;
            assert_eq!(resp.status, status, "{body}: {}", resp.body);
            if status == 400 {
                // The form is shown again with its message.
                assert!(resp.body.contains(r#"role="alert""#), "{body}");
                assert_eq!(text_of(&resp.body, "funds-balance"), "¥206.00");
            }
        }
        let after = page(&app, &dist, "/console/funds").await;
        assert_eq!(text_of(&after.body, "records-total"), "5");
        // Date filter: nothing tomorrow (UTC+8).
        let tomorrow = timefmt::format_date(timefmt::cn_date(NOW_MS + DAY_MS));
        let filtered = page(
            &app,
            &dist,
            &format!("/console/funds?from={tomorrow}&to={tomorrow}"),
        )
        .await;
        assert_eq!(text_of(&filtered.body, "records-total"), "0");
        let bad_date = page(&app, &dist, "/console/funds?from=yesterday").await;
        assert!(bad_date.body.contains(r#"id="funds-error""#));
        // Someone else's transfer id in the URL shows nothing.
        let peek = page(&app, &session(&app, &o.login, "Passw0rd!").await, &to).await;
        assert!(!peek.body.contains(r#"id="funds-result""#));

        // The reseller sees its balance and no reseller section; the customer's home shows its balance.
        let res = session(&app, &r.login, "Passw0rd!").await;
        let rp = page(&app, &res, "/console/funds").await;
        assert_eq!(text_of(&rp.body, "funds-balance"), "¥29.50");
        assert!(!rp.body.contains(r#"id="reseller-funds""#));
        let cs = session(&app, &cust.login, "Passw0rd!").await;
        assert_eq!(
            text_of(&page(&app, &cs, "/console").await.body, "balance"),
            "¥15.00"
        );
        // Customers and operators cannot use the partner forms; partners cannot credit.
        assert_eq!(page(&app, &cs, "/console/funds").await.status, 403);
        assert_eq!(
            form(
                &app,
                &op,
                "/console/funds/customers",
                &format!("csrf={csrf}&op=allocate")
            )
            .await
            .status,
            403
        );
        assert_eq!(
            page(
                &app,
                &dist,
                &format!("/console/funds/credit?partner={}", d.partner_id)
            )
            .await
            .status,
            403
        );
        app.assert_ledger_clean().await;
    }
}
