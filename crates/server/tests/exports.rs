//! The console's list exports (CSV and XLSX), on both engines: each list's export holds the rows
//! the page's filters select (every page of them), its header in the page's language with the
//! time zone named on time columns, amounts exact (two decimals in the CSV, numbers in the
//! workbook), the workbook readable with the same rows as the CSV, and a reseller's export never
//! holds a sibling reseller's rows.

mod common;

use common::shop::{fund, pay_cash, place_ecs_month};
use common::xlsx::{open_xlsx, sheet_rows};
use common::{apps, Session, TestApp};
use pc_domain::coupons::QuotaType;
use pc_domain::orders::OrderStatus;
use pc_domain::party::{AssociationType, PartnerType};

/// The fields of CSV text: quoted fields may hold commas, quotes (doubled) and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(ch) = chars.next() {
        match (quoted, ch) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, ch) => field.push(ch),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, ch) => field.push(ch),
        }
    }
    rows
}

/// A CSV export's rows (header first), after checking it is a UTF-8 CSV download with a BOM and
/// lines ending in CRLF.
async fn csv(app: &TestApp, s: &Session, path: &str) -> Vec<Vec<String>> {
    let r = app.console_get(s, path).await;
    assert_eq!(r.status, 200, "{}: {path}: {}", app.engine, r.body);
    assert_eq!(
        r.headers["content-type"], "text/csv; charset=utf-8",
        "{path}"
    );
    let disposition = r.headers["content-disposition"].to_str().unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"") && disposition.ends_with(".csv\""),
        "{path}: {disposition}"
    );
    assert!(r.body.starts_with('\u{feff}'), "{path}: a byte-order mark");
    assert!(r.body.ends_with("\r\n"), "{path}");
    parse_csv(r.body.trim_start_matches('\u{feff}'))
}

/// An XLSX export's cells (header first): each cell's text and whether it is a number.
async fn xlsx(app: &TestApp, s: &Session, path: &str) -> Vec<Vec<(String, bool)>> {
    let (status, headers, bytes) = app.console_get_bytes(s, path).await;
    assert_eq!(status, 200, "{}: {path}", app.engine);
    assert_eq!(
        headers["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "{path}"
    );
    assert!(headers["content-disposition"]
        .to_str()
        .unwrap()
        .ends_with(".xlsx\""));
    sheet_rows(&open_xlsx(bytes).1)
}

/// The workbook shows what the CSV holds: the same texts cell by cell, amounts as numbers of the
/// same value (`35` for `35.00`).
fn same_rows(e: &str, path: &str, csv: &[Vec<String>], sheet: &[Vec<(String, bool)>]) {
    assert_eq!(csv.len(), sheet.len(), "{e}: {path}");
    for (c, x) in csv.iter().zip(sheet) {
        assert_eq!(c.len(), x.len(), "{e}: {path}: {c:?} {x:?}");
        for (a, (b, number)) in c.iter().zip(x) {
            if *number {
                let (a, b): (f64, f64) = (a.parse().unwrap(), b.parse().unwrap());
                assert_eq!(a, b, "{e}: {path}");
            } else {
                // The CSV defuses a leading `=`, `+`, `-`, `@` with an apostrophe.
                let defused = a
                    .strip_prefix('\'')
                    .filter(|rest| rest.starts_with(['=', '+', '-', '@']));
                assert_eq!(defused.unwrap_or(a), b, "{e}: {path}");
            }
        }
    }
}

async fn set_lang(app: &TestApp, s: &Session, lang: &str) {
    let r = app
        .console_post(s, "/console/lang", &[("lang", lang)])
        .await;
    assert!(r.status < 400, "{}", app.engine);
}

/// The column named `name` in a header row.
fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}: {header:?}"))
}

#[tokio::test]
async fn order_exports_follow_the_filters_the_language_and_the_tree() {
    for app in apps("exports_orders").await {
        let e = app.engine.clone();
        let w = app.orders_world("exo").await;
        // A second reseller of the same distributor: the first one's sibling.
        let r2 = app
            .partner(PartnerType::Reseller, Some(&w.d.partner_id))
            .await;
        let rc2 = app
            .customer(&r2.partner_id, AssociationType::Resale, "exo-r2cust", "x")
            .await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 10_000).await;
        let (paid, amount) = place_ecs_month(&app, c).await;
        pay_cash(&app, c, paid.clone()).await;
        let (pending, _) = place_ecs_month(&app, c).await;
        let (rc_order, _) = place_ecs_month(&app, &w.rc.customer_id).await;
        let (rc2_order, _) = place_ecs_month(&app, &rc2.customer_id).await;
        let (oc_order, _) = place_ecs_month(&app, &w.oc.customer_id).await;

        // The distributor's own customers' orders, in Chinese: both of c's, none other.
        let ds = app.console_login(&w.d.login, "Passw0rd!").await;
        let page = app.console_get(&ds, "/console/orders").await.body;
        assert!(
            page.contains(r#"href="/console/orders.csv?status=""#),
            "{e}"
        );
        assert!(
            page.contains(r#"href="/console/orders.xlsx?status=""#),
            "{e}"
        );
        let all = csv(&app, &ds, "/console/orders.csv").await;
        let h = &all[0];
        assert_eq!(h[0], "订单号", "{e}");
        assert!(
            h.contains(&"创建时间 (Asia/Shanghai)".to_string()),
            "{e}: {h:?}"
        );
        let ids: Vec<&str> = all[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids.len(), 2, "{e}: {all:?}");
        assert!(
            ids.contains(&paid.as_str()) && ids.contains(&pending.as_str()),
            "{e}"
        );
        for other in [&rc_order, &rc2_order, &oc_order] {
            assert!(!ids.contains(&other.as_str()), "{e}");
        }
        // Amounts exact, times in Asia/Shanghai to the minute.
        let row = all.iter().find(|r| r[0] == paid).unwrap();
        assert_eq!(row[col(h, "优惠后金额")], amount.to_string(), "{e}");
        assert_eq!(amount.to_string(), "35.00", "{e}");
        let created = &row[col(h, "创建时间 (Asia/Shanghai)")];
        assert_eq!(created.len(), "2026-11-18 17:46".len(), "{e}: {created}");
        assert_eq!(&row[col(h, "状态")], "已完成", "{e}");

        // The status tab: the pending order alone.
        let status = OrderStatus::PendingPayment.code();
        let only = csv(&app, &ds, &format!("/console/orders.csv?status={status}")).await;
        assert_eq!(only.len(), 2, "{e}: {only:?}");
        assert_eq!(only[1][0], pending, "{e}");

        // In English, as a workbook: the same rows as the English CSV, amounts as numbers.
        set_lang(&app, &ds, "en-US").await;
        let en = csv(&app, &ds, "/console/orders.csv").await;
        assert_eq!(en[0][0], "Order ID", "{e}");
        assert!(
            en[0].contains(&"Created (Asia/Shanghai)".to_string()),
            "{e}"
        );
        let sheet = xlsx(&app, &ds, "/console/orders.xlsx").await;
        same_rows(&e, "orders.xlsx", &en, &sheet);
        let paid_col = col(&en[0], "Amount after discount");
        let x = sheet.iter().find(|r| r[0].0 == paid).unwrap();
        assert_eq!(x[paid_col], ("35".to_string(), true), "{e}");
        assert!(!x[0].1, "{e}: ids are text");
        let (_, _, bytes) = app.console_get_bytes(&ds, "/console/orders.xlsx").await;
        let parts = common::xlsx::parts_text(&bytes).unwrap();
        assert!(
            parts.contains(r##"formatCode="#,##0.00""##),
            "{e}: the money format"
        );
        let filtered = xlsx(&app, &ds, &format!("/console/orders.xlsx?status={status}")).await;
        assert_eq!(filtered.len(), 2, "{e}");

        // The resellers' tab: one reseller's customers' orders, never its sibling's.
        let one = csv(
            &app,
            &ds,
            &format!(
                "/console/orders.csv?view=resellers&reseller={}",
                w.r.partner_id
            ),
        )
        .await;
        let ids: Vec<&str> = one[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(ids, [rc_order.as_str()], "{e}");
        let both = csv(&app, &ds, "/console/orders.csv?view=resellers").await;
        assert_eq!(both.len(), 3, "{e}: {both:?}");
        // Another tree's reseller: not found, as on the page.
        let foreign = format!(
            "/console/orders.csv?view=resellers&reseller={}",
            w.o.partner_id
        );
        let r = app.console_get(&ds, &foreign).await;
        assert_eq!(r.status, 404, "{e}");
        assert!(!r.body.contains(&oc_order), "{e}");

        // A reseller exports its own customers' orders, never its sibling's.
        let rs = app.console_login(&w.r.login, "Passw0rd!").await;
        for path in ["/console/orders.csv", "/console/orders.xlsx"] {
            let r = app.console_get(&rs, path).await;
            assert_eq!(r.status, 200, "{e}");
            assert!(r.body.contains(&rc_order), "{e}: {path}");
            for other in [&rc2_order, &paid, &pending, &oc_order] {
                assert!(!r.body.contains(other.as_str()), "{e}: {path}");
            }
        }
        // The customer exports its own orders.
        let cs = app.console_login(&w.c.login, "Passw0rd!").await;
        let mine = csv(&app, &cs, "/console/orders.csv").await;
        assert_eq!(mine.len(), 3, "{e}: {mine:?}");
    }
}

#[tokio::test]
async fn customer_coupon_and_fund_exports_follow_the_filters() {
    for app in apps("exports_lists").await {
        let e = app.engine.clone();
        let w = app.orders_world("exl").await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 12_345).await;
        let ds = app.console_login(&w.d.login, "Passw0rd!").await;

        // Customers: the account-name filter, in both languages and both formats.
        let all = csv(&app, &ds, "/console/customers.csv").await;
        assert_eq!(all.len(), 3, "{e}: c and cc: {all:?}");
        let path = "/console/customers.csv?account_name=exl-cust";
        let one = csv(&app, &ds, path).await;
        assert_eq!(one.len(), 2, "{e}: {one:?}");
        assert_eq!(one[0][0], "客户账号名", "{e}: {:?}", one[0]);
        assert!(
            one[0].contains(&"关联时间 (Asia/Shanghai)".to_string()),
            "{e}: {:?}",
            one[0]
        );
        assert_eq!(one[1][2], *c, "{e}");
        set_lang(&app, &ds, "en-US").await;
        let en = csv(&app, &ds, path).await;
        let sheet = xlsx(&app, &ds, &path.replace(".csv", ".xlsx")).await;
        same_rows(&e, path, &en, &sheet);
        assert_eq!(sheet.len(), 2, "{e}");
        set_lang(&app, &ds, "zh-CN").await;

        // Fund records: the trade type filter; the allocation's amount exact.
        let records = csv(&app, &ds, "/console/funds.csv").await;
        assert_eq!(
            records.len(),
            3,
            "{e}: the credit and the allocation: {records:?}"
        );
        let h = &records[0];
        let change = col(h, "变更金额（元）");
        let amounts: Vec<&str> = records[1..].iter().map(|r| r[change].as_str()).collect();
        assert!(
            amounts.contains(&"123.45") && amounts.contains(&"-123.45"),
            "{e}: {amounts:?}"
        );
        let credits = csv(&app, &ds, "/console/funds.csv?trade_type=RECHARGE").await;
        assert_eq!(credits.len(), 2, "{e}: {credits:?}");
        assert_eq!(credits[1][change], "123.45", "{e}");
        let sheet = xlsx(&app, &ds, "/console/funds.xlsx?trade_type=RECHARGE").await;
        assert_eq!(sheet[1][change], ("123.45".to_string(), true), "{e}");
        // A malformed filter is the user's mistake, not the server's.
        let bad = app
            .console_get(&ds, "/console/funds.csv?from=yesterday")
            .await;
        assert_eq!(bad.status, 400, "{e}: {}", bad.body);

        // Issued coupons: the customer filter.
        let quota =
            common::shop::coupon_quota(&app, &w.d.partner_id, QuotaType::Voucher, 100_000).await;
        let creds = common::Creds::from(&w.d);
        let k1 =
            common::shop::issue_coupon(&app, &creds, &quota, c, 12.5, serde_json::json!({})).await;
        let c2 = app
            .customer(&w.d.partner_id, AssociationType::Resale, "exl-cust2", "x")
            .await;
        let k2 = common::shop::issue_coupon(
            &app,
            &creds,
            &quota,
            &c2.customer_id,
            7.0,
            serde_json::json!({}),
        )
        .await;
        let issued = csv(&app, &ds, "/console/coupons/issued.csv?type=voucher").await;
        assert_eq!(issued.len(), 3, "{e}: {issued:?}");
        let mine = csv(
            &app,
            &ds,
            &format!("/console/coupons/issued.csv?type=voucher&customer_id={c}"),
        )
        .await;
        assert_eq!(mine.len(), 2, "{e}: {mine:?}");
        assert_eq!(
            (mine[1][0].as_str(), mine[1][3].as_str()),
            (k1.as_str(), "12.50"),
            "{e}"
        );
        assert!(!mine.iter().any(|r| r[0] == k2), "{e}");
        // The quota: its value and the balance after both issues, exact.
        let quotas = csv(&app, &ds, "/console/coupons/quotas.csv?type=voucher").await;
        assert_eq!(quotas.len(), 2, "{e}: {quotas:?}");
        let h = &quotas[0];
        assert_eq!(quotas[1][0], quota, "{e}");
        assert_eq!(quotas[1][col(h, "额度总值")], "1000.00", "{e}");
        assert_eq!(quotas[1][col(h, "额度余额")], "980.50", "{e}");
        assert_eq!(
            csv(&app, &ds, "/console/coupons/quotas.csv?type=cash")
                .await
                .len(),
            1,
            "{e}"
        );
        let records = xlsx(&app, &ds, "/console/coupons/records.xlsx?type=voucher").await;
        assert_eq!(records.len(), 3, "{e}: two issues: {records:?}");
        assert!(records[0][0].0.ends_with("(Asia/Shanghai)"), "{e}");
    }
}

/// Every list's export answers in both formats, the same rows in each, with a header in the
/// page's language (no untranslated key) — the lists not covered above included.
#[tokio::test]
async fn every_list_exports_both_formats_with_a_translated_header() {
    for app in apps("exports_all").await {
        let e = app.engine.clone();
        let w = app.orders_world("exa").await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 10_000).await;
        let (order, _) = place_ecs_month(&app, c).await;
        pay_cash(&app, c, order.clone()).await;
        let ds = app.console_login(&w.d.login, "Passw0rd!").await;
        let cs = app.console_login(&w.c.login, "Passw0rd!").await;
        let ccs = app.console_login(&w.cc.login, "Passw0rd!").await;
        let ops = app.operator_session("exa-ops").await;
        let history = format!("/console/customers/{c}/history");
        let staff_of_d = format!("/console/staff?partner={}", w.d.partner_id);
        let cases: Vec<(&Session, &str, usize)> = vec![
            (&ds, &history, 1),
            (&cs, "/console/bills?cycle=2026-11", 1),
            (&ops, "/console/bills", 1),
            (&ds, "/console/staff", 1),
            (&ops, &staff_of_d, 1),
            (&ds, "/console/discounts?revoked=1", 0),
            (&ops, "/console/promotions", 0),
            (&ops, "/console/outbox", 0),
            (&ops, "/console/partners", 3),
            (&ds, "/console/resellers", 1),
            (&ds, "/console/invites", 0),
            (&ds, "/console/invites/records", 0),
            (&ds, "/console/invoices?list=mine", 0),
            (&ds, "/console/invoices?list=queue", 0),
            (&ds, "/console/coupons/records?type=cash", 0),
            (&ds, "/console/coupons/quotas?type=voucher", 0),
            (&ops, "/console/coupons/quotas", 0),
            (&ds, "/console/bills?cycle=2026-11", 1),
            (&cs, "/console/resources", 1),
            (&cs, "/console/usage", 0),
            (&cs, "/console/invoices?list=mine", 0),
            (&ccs, "/console/topups", 0),
            (&ops, "/console/topups?status=pending", 0),
            (&ops, "/console/audit", 1),
            (&ops, "/console/customers", 1),
        ];
        for lang in ["zh-CN", "en-US"] {
            for s in [&ds, &cs, &ccs, &ops] {
                set_lang(&app, s, lang).await;
            }
            for (s, list, at_least) in &cases {
                let (base, qs) = list.split_once('?').unwrap_or((list, ""));
                let path = format!("{base}.csv?{qs}");
                let rows = csv(&app, s, &path).await;
                assert!(rows.len() > *at_least, "{e}: {path}: {rows:?}");
                assert!(
                    rows[0].iter().all(|h| !h.is_empty() && !h.contains("??")),
                    "{e}: {path}: {:?}",
                    rows[0]
                );
                let chinese = rows[0].iter().any(|h| h.chars().any(|ch| ch > '\u{2e80}'));
                assert_eq!(chinese, lang == "zh-CN", "{e}: {path}: {:?}", rows[0]);
                let sheet = xlsx(&app, s, &format!("{base}.xlsx?{qs}")).await;
                same_rows(&e, &path, &rows, &sheet);
            }
        }
        // The resources export names the customer's paid order.
        let res = csv(&app, &cs, "/console/resources.csv").await;
        assert!(res[1].contains(&order), "{e}: {res:?}");
        // A role the list does not admit is refused.
        for (s, path) in [
            (&cs, "/console/funds.csv"),
            (&ds, "/console/usage.xlsx"),
            (&cs, "/console/resellers.csv"),
            (&ds, "/console/partners.csv"),
            (&cs, "/console/staff.csv"),
            (&cs, "/console/discounts.xlsx"),
            (&ds, "/console/promotions.csv"),
            (&ds, "/console/outbox.xlsx"),
        ] {
            assert_eq!(app.console_get(s, path).await.status, 403, "{e}: {path}");
        }
        // Another tree's customer's history is not found.
        let other = format!("/console/customers/{}/history.csv", w.oc.customer_id);
        let r = app.console_get(&ds, &other).await;
        assert_eq!(r.status, 404, "{e}");
        assert!(!r.body.contains(&w.o.partner_id), "{e}");
    }
}

/// The bills page's exports follow the role and the month; the staff, discount, promotion and
/// outbox lists export what their pages list, with their filters.
#[tokio::test]
async fn bill_staff_discount_promotion_and_outbox_exports() {
    for app in apps("exports_more").await {
        let e = app.engine.clone();
        let w = app.orders_world("exm").await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 10_000).await;
        let (order, amount) = place_ecs_month(&app, c).await;
        pay_cash(&app, c, order.clone()).await;
        let ds = app.console_login(&w.d.login, "Passw0rd!").await;
        let cs = app.console_login(&w.c.login, "Passw0rd!").await;
        let ops = app.operator_session("exm-ops").await;

        // The customer's records of the month: its paid order, the amount exact; another month
        // is empty.
        let page = app
            .console_get(&cs, "/console/bills?cycle=2026-11")
            .await
            .body;
        assert!(
            page.contains(r#"href="/console/bills.csv?cycle=2026-11""#),
            "{e}"
        );
        let records = csv(&app, &cs, "/console/bills.csv?cycle=2026-11").await;
        let h = &records[0];
        assert_eq!(h[0], "账期", "{e}: {h:?}");
        assert!(records.len() > 1, "{e}: {records:?}");
        assert!(
            records[1..]
                .iter()
                .any(|r| r[col(h, "应付金额")] == amount.to_string()),
            "{e}: {records:?}"
        );
        assert!(records[1..].iter().all(|r| r[0] == "2026-11"), "{e}");
        let empty = csv(&app, &cs, "/console/bills.csv?cycle=2026-10").await;
        assert_eq!(empty.len(), 1, "{e}: {empty:?}");
        // The operator's months: November, open.
        let months = csv(&app, &ops, "/console/bills.csv").await;
        let nov = months.iter().find(|r| r[0] == "2026-11").expect("2026-11");
        assert_eq!(nov[col(&months[0], "状态")], "未出账", "{e}: {months:?}");

        // Staff: a partner admin's own users, whatever partner it names; an operator's named one.
        let own = csv(&app, &ds, "/console/staff.csv").await;
        assert!(own.iter().any(|r| r[0] == w.d.login), "{e}: {own:?}");
        let named = format!("/console/staff.csv?partner={}", w.o.partner_id);
        let still_own = csv(&app, &ds, &named).await;
        assert_eq!(still_own, own, "{e}: the partner field is the operator's");
        let theirs = csv(&app, &ops, &named).await;
        assert!(theirs.iter().any(|r| r[0] == w.o.login), "{e}: {theirs:?}");
        assert!(!theirs.iter().any(|r| r[0] == w.d.login), "{e}");

        // Discounts: in force only, or with the revoked ones.
        for ratio in ["0.9", "0.8"] {
            let r = app
                .console_post(
                    &ds,
                    "/console/discounts",
                    &[("customer_id", c), ("ratio", ratio)],
                )
                .await;
            assert!(r.status < 400, "{e}: {}", r.body);
        }
        let live = csv(&app, &ds, "/console/discounts.csv").await;
        assert_eq!(live.len(), 3, "{e}: {live:?}");
        let ratio = col(&live[0], "折扣");
        let first = live.iter().find(|r| r[ratio] == "0.9").unwrap()[0].clone();
        let r = app
            .console_post(&ds, &format!("/console/discounts/{first}/revoke"), &[])
            .await;
        assert!(r.status < 400, "{e}: {}", r.body);
        let live = csv(&app, &ds, "/console/discounts.csv").await;
        assert_eq!(live.len(), 2, "{e}: {live:?}");
        assert_eq!(live[1][ratio], "0.8", "{e}");
        let all = csv(&app, &ds, "/console/discounts.csv?revoked=1").await;
        assert_eq!(all.len(), 3, "{e}: {all:?}");
        let revoked = all.iter().find(|r| r[0] == first).unwrap();
        assert_eq!(revoked[col(&all[0], "状态")], "已撤销", "{e}");
        let page = app
            .console_get(&ds, "/console/discounts?revoked=1")
            .await
            .body;
        assert!(
            page.contains(r#"href="/console/discounts.xlsx?revoked=1""#),
            "{e}"
        );

        // Promotions: the operator's, with the ratio as the API writes it.
        let r = app
            .console_post(
                &ops,
                "/console/promotions",
                &[
                    ("name", "=Winter"),
                    ("product_id", ""),
                    ("ratio", "8.5折"),
                    ("first_day", "2026-11-01"),
                    ("last_day", "2026-11-30"),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{e}: {}", r.body);
        let promos = csv(&app, &ops, "/console/promotions.csv").await;
        assert_eq!(promos.len(), 2, "{e}: {promos:?}");
        let h = &promos[0];
        assert_eq!(promos[1][col(h, "名称")], "'=Winter", "{e}: defused");
        assert_eq!(promos[1][col(h, "折扣")], "0.85", "{e}");
        assert_eq!(
            promos[1][col(h, "开始时间 (Asia/Shanghai)")],
            "2026-11-01 00:00",
            "{e}"
        );
        set_lang(&app, &ops, "en-US").await;
        let en = csv(&app, &ops, "/console/promotions.csv").await;
        let sheet = xlsx(&app, &ops, "/console/promotions.xlsx").await;
        same_rows(&e, "promotions.xlsx", &en, &sheet);

        // The outbox: every message, as sent.
        let outbox = csv(&app, &ops, "/console/outbox.csv").await;
        assert_eq!(
            outbox[0][..3],
            ["Time (Asia/Shanghai)", "Channel", "Recipient"],
            "{e}"
        );
    }
}
