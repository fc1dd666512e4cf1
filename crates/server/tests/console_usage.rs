//! The console's pay-per-use views, in process on SQLite and PostgreSQL: the customer's usage page
//! (arrears and how they are repaid, on-demand resources, resource packages, deductions, paging,
//! both languages, Asia/Shanghai times) and the partner admin's Bills page additions (the XLSX
//! export, the chart of the last 12 months by service type); the operator's count of usage lines.

mod common;

use common::shop::{app_now, call, fund, item, make_vm_package, pay_body, place, PAY, VM_PACKAGE};
use common::xlsx::{open_xlsx, sheet_rows};
use common::*;
use pc_app::services::customers::CreatedCustomer;
use pc_app::services::funds::arrears;
use pc_app::services::orders::Item;
use pc_app::services::usage::{self, Outcome};
use pc_app::Ctx;
use pc_domain::orders::PeriodType;
use pc_domain::usage::RawUsage;

const ECS: &str = "ecs-s6-small-1-linux"; // 0.07 yuan an hour

fn line(id: &str, customer: &str, resource: &str, hours: &str) -> RawUsage {
    RawUsage {
        usage_id: id.into(),
        customer_id: customer.into(),
        resource_id: resource.into(),
        product_id: ECS.into(),
        usage: hours.into(),
        // 18:00 to 20:00 in Asia/Shanghai.
        begin_time: "2026-11-18T10:00:00Z".into(),
        end_time: "2026-11-18T12:00:00Z".into(),
        ..Default::default()
    }
}

/// The command line's context at the app's time (operators import usage).
fn system(app: &TestApp) -> Ctx {
    let mut c = ctx();
    c.now_ms = app_now(app);
    c
}

async fn import(app: &TestApp, lines: Vec<RawUsage>) {
    let out = usage::ingest(&app.db, system(app), lines).await.unwrap();
    assert!(
        matches!(out, Outcome::Imported(_)),
        "{}: {out:?}",
        app.engine
    );
}

/// The customer buys a package of 10 vm hours (the package product made one for the test).
async fn buy_package(app: &TestApp, customer: &CreatedCustomer) {
    make_vm_package(app, "10").await;
    pay_for(
        app,
        customer,
        vec![item(VM_PACKAGE, PeriodType::Month, 1, 1, None)],
    )
    .await;
}

/// The customer places and pays (from its cash) an order of `items`.
async fn pay_for(app: &TestApp, customer: &CreatedCustomer, items: Vec<Item>) {
    let (order, _) = place(app, &customer.customer_id, items).await;
    let r = call(app, &customer.into(), "POST", PAY, &pay_body(&order)).await;
    assert_eq!(r.status, 200, "{}: {}", app.engine, r.body);
}

/// `n` months of small ECS (35.00 each) and a storage package (9.90), paid.
async fn pay_ecs_and_package(app: &TestApp, customer: &CreatedCustomer, n: i64) {
    let items = vec![
        item(ECS, PeriodType::Month, 1, n, None),
        item(VM_PACKAGE, PeriodType::Month, 1, 1, None),
    ];
    pay_for(app, customer, items).await;
}

fn count(hay: &str, needle: &str) -> usize {
    hay.matches(needle).count()
}

#[tokio::test]
async fn the_customer_sees_its_usage_packages_deductions_and_arrears_in_both_languages() {
    for app in apps("console_usage").await {
        let e = app.engine.clone();
        let w = app.orders_world("cu").await;
        let c = w.c.customer_id.clone();
        fund(&app, &w.d.partner_id, &c, 2000).await;
        buy_package(&app, &w.c).await;
        app.clock.advance(2 * 3_600_000);
        // 4 h covered by the package, then 300 h: 6 covered, 294 h at 0.07 = 20.58, beyond the
        // cash: owed.
        import(&app, vec![line("u1", &c, "vm-1", "4")]).await;
        import(&app, vec![line("u2", &c, "vm-1", "300")]).await;
        let owed = arrears::owed(app.db.read(), &c).await.unwrap();
        assert!(owed > 0, "{e}: owes {owed}");

        let s = app.console_login(&w.c.login, "Passw0rd!").await;
        let home = app.console_get(&s, "/console").await;
        assert!(home.body.contains(r#"data-nav="usage""#), "{e}: the nav");
        let r = app.console_get(&s, "/console/usage").await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        let b = &r.body;
        assert!(b.contains(&format!(r#"data-owed-cents="{owed}""#)), "{e}");
        assert!(b.contains(r#"data-in-arrears="true""#), "{e}");
        let shown = format!("¥{}", pc_domain::Money::from_cents(owed));
        assert!(b.contains(&shown), "{e}: {shown}");
        assert!(b.contains("您已欠费"), "{e}");
        // A resale customer is repaid by its partner's allocations (it has no top-up page).
        assert!(b.contains("合作伙伴向您拨款时，将优先偿还欠费"), "{e}");
        assert!(!b.contains(r#"href="/console/topup""#), "{e}");
        assert!(b.contains(r#"data-resource="vm-1" data-status="1""#), "{e}");
        // Times in Asia/Shanghai, the zone named: the usage began at 10:00 UTC.
        assert!(
            b.contains(r#"<time datetime="2026-11-18T10:00:00Z" title="2026-11-18T10:00:00Z">2026-11-18 18:00</time> <small class="tz">Asia/Shanghai</small>"#),
            "{e}: {b}"
        );
        // The catalogue's type names, not their codes.
        let on_demand = element(b, "on-demand", "table");
        assert!(on_demand.contains(r#"title="hws.service.type.ec2" data-code="hws.service.type.ec2">弹性云服务器</span>"#), "{e}: {on_demand}");
        assert!(on_demand.contains(">云主机</span>"), "{e}");
        assert!(
            element(b, "packages", "table").contains(">云主机</span>"),
            "{e}"
        );
        // The Bills page: record times in Asia/Shanghai too, types by name.
        let bills = app
            .console_get(&s, "/console/bills?cycle=2026-11")
            .await
            .body;
        let records = element(&bills, "records", "table");
        let at = &records[records.find(r#"<time datetime=""#).expect("a record time") + 16..];
        let utc = &at[..at.find('"').unwrap()];
        let ms = pc_domain::timefmt::parse_utc(utc).unwrap();
        assert!(
            records.contains(&format!(
                r#"{}</time> <small class="tz">Asia/Shanghai</small>"#,
                pc_domain::timefmt::format_cn(ms)
            )),
            "{e}: {records}"
        );
        assert!(
            !records.contains("hws.service.type.ec2</code>"),
            "{e}: {records}"
        );
        assert!(records.contains(">弹性云服务器</span>"), "{e}");
        assert!(
            element(&bills, "bill-sums", "table").contains(">云主机</span>"),
            "{e}"
        );
        // The package is used up (10 of 10 hours), with two deductions (4 h, then 6 h).
        assert!(
            b.contains(r#"data-status="2" data-left="0""#),
            "{e}: the package used up"
        );
        assert!(b.contains("已用完"), "{e}");
        let deductions = &b[b.find(r#"id="deductions""#).unwrap()..];
        assert_eq!(count(deductions, "<tr data-package="), 2, "{e}");
        assert!(deductions.contains(r#"<td class="amount">6</td><td class="amount">0</td>"#));
        assert!(!b.contains("??"), "{e}: a missing string");

        // English.
        let r = app
            .console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        assert_eq!(r.status, 303, "{e}");
        let b = app.console_get(&s, "/console/usage").await.body;
        assert!(b.contains("Your account is in arrears. You owe"), "{e}");
        assert!(b.contains(&shown), "{e}");
        assert!(
            b.contains("An allocation from your partner repays the arrears first"),
            "{e}"
        );
        assert!(
            b.contains("Used up") && b.contains("On-demand resources"),
            "{e}"
        );
        assert!(b.contains("Latest deductions"), "{e}");
        assert!(
            element(&b, "on-demand", "table").contains(">Elastic Cloud Server</span>"),
            "{e}"
        );
        assert!(
            element(&b, "packages", "table").contains(">Cloud server</span>"),
            "{e}"
        );
        assert!(!b.contains("??"), "{e}: a missing string");

        // Paging: 21 more resources; the first page has 20, the next one the rest, the other
        // lists keep their pages.
        let more: Vec<RawUsage> = (0..21)
            .map(|i| line(&format!("m{i}"), &c, &format!("vm-m{i:02}"), "1"))
            .collect();
        import(&app, more).await;
        let b = app.console_get(&s, "/console/usage").await.body;
        let table = |b: &str| {
            let from = b.find(r#"id="on-demand""#).unwrap();
            let to = b[from..].find("</table>").unwrap();
            count(&b[from..from + to], "<tr data-resource=")
        };
        assert_eq!(table(&b), 20, "{e}");
        assert!(
            b.contains(r#"href="/console/usage?resources_offset=20""#),
            "{e}"
        );
        let b = app
            .console_get(&s, "/console/usage?resources_offset=20&packages_offset=0")
            .await
            .body;
        assert_eq!(table(&b), 2, "{e}");

        // Others may not open it.
        let sd = app.console_login(&w.d.login, "Passw0rd!").await;
        assert_eq!(app.console_get(&sd, "/console/usage").await.status, 403);

        // The partner's allocation repays the arrears: the page says so.
        let owed = arrears::owed(app.db.read(), &c).await.unwrap();
        fund(&app, &w.d.partner_id, &c, owed + 100).await;
        let b = app.console_get(&s, "/console/usage").await.body;
        assert!(
            b.contains(r#"data-owed-cents="0" data-in-arrears="false""#),
            "{e}"
        );
        assert!(b.contains("Your account is not in arrears."), "{e}");

        // A consulting customer pays for itself: a top-up repays its arrears.
        let sc = app.console_login(&w.cc.login, "Passw0rd!").await;
        let b = app.console_get(&sc, "/console/usage").await.body;
        assert!(b.contains("充值到账后，将优先偿还欠费"), "{e}");
        assert!(b.contains(r#"href="/console/topup""#), "{e}");
        assert!(b.contains("暂无数据"), "{e}: no resources of its own");
    }
}

/// A usage line of `hours` of ECS for `customer` that ended at `end` (UTC).
fn ended(id: &str, customer: &str, hours: &str, end: &str) -> RawUsage {
    RawUsage {
        begin_time: "2025-01-01T00:00:00Z".into(),
        end_time: end.into(),
        ..line(id, customer, &format!("vm-{id}"), hours)
    }
}

/// The part of `page` from the element with `id` to the end of that element's `tag`.
fn element<'a>(page: &'a str, id: &str, tag: &str) -> &'a str {
    let from = page
        .find(&format!(r#"id="{id}""#))
        .unwrap_or_else(|| panic!("no #{id}"));
    let to = page[from..].find(&format!("</{tag}>")).unwrap();
    &page[from..from + to]
}

#[tokio::test]
async fn the_partner_sees_its_customers_last_12_months_by_service_type() {
    for app in apps("console_chart").await {
        let e = app.engine.clone();
        let w = app.orders_world("ch").await;
        let (c, cc, oc) = (&w.c.customer_id, &w.cc.customer_id, &w.oc.customer_id);
        // 2026-11 (the app's month): a month of ECS (35.00) and a storage package (9.90) for the
        // resale customer, 100 h of ECS (7.00, owed) for the consulting one.
        fund(&app, &w.d.partner_id, c, 10_000).await;
        pay_ecs_and_package(&app, &w.c, 1).await;
        import(
            &app,
            vec![
                ended("k1", cc, "100", "2026-11-18T08:00:00Z"),
                // 2026-10 in Asia/Shanghai: 0.70.
                ended("k2", c, "10", "2026-10-15T00:00:00Z"),
                // 2025-10: older than the 12 months.
                ended("k3", c, "10", "2025-10-15T00:00:00Z"),
                // Another partner's customer.
                ended("k4", oc, "50", "2026-11-18T08:00:00Z"),
            ],
        )
        .await;

        let s = app.console_login(&w.d.login, "Passw0rd!").await;
        let b = app.console_get(&s, "/console/bills").await.body;
        let chart = element(&b, "bills-chart", "figure");
        assert!(chart.contains(r#"role="img""#), "{e}");
        assert_eq!(chart.matches(r#"<g class="bar""#).count(), 12, "{e}");
        let months: Vec<&str> = chart
            .split(r#"<g class="bar" data-category=""#)
            .skip(1)
            .map(|g| &g[..7])
            .collect();
        assert_eq!(months.first(), Some(&"2025-12"), "{e}");
        assert_eq!(months.last(), Some(&"2026-11"), "{e}");
        assert!(
            chart.contains(r#"data-category="2026-11" data-total-cents="5190""#),
            "{e}: 35.00 + 9.90 + 7.00"
        );
        assert!(
            chart.contains(r#"data-category="2026-10" data-total-cents="70""#),
            "{e}"
        );
        assert!(
            chart.contains(r#"data-category="2026-09" data-total-cents="0""#),
            "{e}"
        );
        let nov = element(chart, "bills-chart", "svg");
        let nov = &nov[nov.find(r#"data-category="2026-11""#).unwrap()..];
        let nov = &nov[..nov.find("</g>").unwrap()];
        assert!(
            nov.contains(r#"data-series="hws.service.type.ec2" data-cents="4200""#),
            "{e}: {nov}"
        );
        assert!(
            nov.contains(r#"data-series="hws.service.type.obs" data-cents="990""#),
            "{e}"
        );
        assert!(nov.contains("<title>2026-11: ¥51.90</title>"), "{e}");
        assert!(nov.contains("2026-11 · 弹性云服务器: ¥42.00"), "{e}");
        // The legend, largest first, in the user's language.
        let legend = &chart[chart.find("<figcaption>").unwrap()..];
        let ecs = legend.find("弹性云服务器").unwrap();
        let obs = legend.find("对象存储服务").unwrap();
        assert!(ecs < obs, "{e}");
        assert!(b.contains("近 12 个月客户消费"), "{e}");
        let r = app
            .console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        assert_eq!(r.status, 303, "{e}");
        let b = app.console_get(&s, "/console/bills").await.body;
        let chart = element(&b, "bills-chart", "figure");
        assert!(
            chart.contains("2026-11 · Elastic Cloud Server: ¥42.00"),
            "{e}"
        );
        assert!(chart.contains("Object Storage Service"), "{e}");
        assert!(!b.contains("??"), "{e}: a missing string");

        // The other partner sees only its own customer's 3.50.
        let so = app.console_login(&w.o.login, "Passw0rd!").await;
        let b = app.console_get(&so, "/console/bills").await.body;
        let chart = element(&b, "bills-chart", "figure");
        assert!(
            chart.contains(r#"data-category="2026-11" data-total-cents="350""#),
            "{e}"
        );
        assert_eq!(chart.matches("<rect x=").count(), 1, "{e}");
    }
}

#[tokio::test]
async fn the_partner_downloads_the_months_bills_as_xlsx_with_the_csvs_rows() {
    for app in apps("console_xlsx").await {
        let e = app.engine.clone();
        let w = app.orders_world("xl").await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 10_000).await;
        pay_ecs_and_package(&app, &w.c, 2).await;

        let s = app.console_login(&w.d.login, "Passw0rd!").await;
        let page = app
            .console_get(&s, "/console/bills?cycle=2026-11")
            .await
            .body;
        assert!(
            page.contains(r#"href="/console/bills.xlsx?cycle=2026-11""#),
            "{e}"
        );
        assert!(page.contains("导出 Excel（XLSX）"), "{e}");
        let csv = app
            .console_get(&s, "/console/bills.csv?cycle=2026-11")
            .await;
        assert_eq!(csv.status, 200, "{e}");
        let (status, headers, bytes) = app
            .console_get_bytes(&s, "/console/bills.xlsx?cycle=2026-11")
            .await;
        assert_eq!(status, 200, "{e}");
        assert_eq!(
            headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert_eq!(
            headers["content-disposition"],
            "attachment; filename=\"bills-2026-11.xlsx\""
        );
        let (wb, sheet) = open_xlsx(bytes);
        assert!(wb.contains(r#"<sheet name="2026-11" sheetId="1" r:id="rId1"/>"#));
        // The same rows as the CSV, cell by cell; amounts and the bill type are numbers.
        let rows = sheet_rows(&sheet);
        let csv_rows: Vec<Vec<String>> = csv
            .body
            .trim_start_matches('\u{feff}')
            .lines()
            .map(|l| l.split(',').map(str::to_string).collect())
            .collect();
        assert_eq!(
            rows.len(),
            3,
            "{e}: the header, ECS and the package: {sheet}"
        );
        assert_eq!(rows.len(), csv_rows.len(), "{e}");
        // A number cell holds the amount's value (`70` for `70.00`), formatted with two decimals.
        for (x, c) in rows.iter().zip(&csv_rows) {
            for ((t, number), c) in x.iter().zip(c) {
                if *number {
                    assert_eq!(t.parse::<f64>().unwrap(), c.parse::<f64>().unwrap(), "{e}");
                } else {
                    assert_eq!(t, c, "{e}");
                }
            }
        }
        for row in &rows[1..] {
            let numeric: Vec<bool> = row.iter().map(|(_, n)| *n).collect();
            assert_eq!(numeric, [[false; 4].as_slice(), &[true; 7]].concat(), "{e}");
        }
        let ecs = rows
            .iter()
            .find(|r| r[2].0 == "hws.service.type.ec2")
            .unwrap();
        assert_eq!((ecs[1].0.as_str(), ecs[7].0.as_str()), (c.as_str(), "70"));
        // Amount cells carry the money style (`#,##0.00`, checked in tests/exports.rs).
        let h2 = sheet.split(r#"<c r="H2""#).nth(1).unwrap_or_default();
        assert!(h2.starts_with(r#" s=""#), "{e}: {sheet}");

        // Another month has the header alone.
        let (_, _, bytes) = app
            .console_get_bytes(&s, "/console/bills.xlsx?cycle=2020-01")
            .await;
        assert_eq!(sheet_rows(&open_xlsx(bytes).1).len(), 1, "{e}");
        // The customer's download of the same month is its own records (one per charge), not
        // the partner's sheet by customer: another header, and no customer id column.
        let sc = app.console_login(&w.c.login, "Passw0rd!").await;
        let (status, _, bytes) = app
            .console_get_bytes(&sc, "/console/bills.xlsx?cycle=2026-11")
            .await;
        assert_eq!(status, 200, "{e}");
        let own = sheet_rows(&open_xlsx(bytes).1);
        assert!(own.len() > 1, "{e}: the customer's records");
        assert_ne!(
            own[0], rows[0],
            "{e}: the customer's header is its records'"
        );
        assert!(
            own.iter().flatten().all(|(t, _)| t != c),
            "{e}: no customer id column in the customer's own records"
        );
    }
}

#[tokio::test]
async fn the_operator_sees_each_months_usage_lines_open_and_closed() {
    for app in apps("console_usage_lines").await {
        let e = app.engine.clone();
        let w = app.orders_world("ul").await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 10_000).await;
        pay_ecs_and_package(&app, &w.c, 1).await;
        import(
            &app,
            vec![
                ended("n1", c, "1", "2026-11-18T08:00:00Z"),
                ended("n2", c, "1", "2026-11-18T08:00:00Z"),
                ended("n3", c, "1", "2026-11-18T08:00:00Z"),
                ended("o1", c, "1", "2026-10-15T00:00:00Z"),
            ],
        )
        .await;
        // The app's month is 2026-11: the job closes 2026-10.
        let closed = pc_app::services::consumption::close_months(&app.db, system(&app))
            .await
            .unwrap();
        assert_eq!(closed.len(), 1, "{e}");
        pc_app::services::identity::create_operator(
            &app.db,
            ctx(),
            pc_app::services::identity::Credentials {
                login: "ul-ops".into(),
                password: "Passw0rd!".into(),
            },
        )
        .await
        .unwrap();
        let s = app.console_login("ul-ops", "Passw0rd!").await;
        let b = app.console_get(&s, "/console/bills").await.body;
        let row = |cycle: &str| {
            let at = b.find(&format!(r#"data-cycle="{cycle}""#)).unwrap();
            b[at..at + b[at..].find("</tr>").unwrap()].to_string()
        };
        // 2026-11, open: the two order lines' records and three usage lines.
        let nov = row("2026-11");
        assert!(nov.contains(r#"data-closed="false""#), "{e}: {nov}");
        assert!(
            nov.contains(r#"<td>5</td><td class="usage-lines">3</td>"#),
            "{e}: {nov}"
        );
        let oct = row("2026-10");
        assert!(oct.contains(r#"data-closed="true""#), "{e}: {oct}");
        assert!(
            oct.contains(r#"<td>1</td><td class="usage-lines">1</td>"#),
            "{e}: {oct}"
        );
        assert!(b.contains("其中按需用量"), "{e}");
    }
}
