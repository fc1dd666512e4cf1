//! The operator's audit log in the console, on both engines: actions named in the page's
//! language, the filters (actor, tenant, object, action, days in Asia/Shanghai), each money
//! entry linked to its ledger transfer, and the CSV and XLSX exports of the filtered list; only
//! operators see any of it.

mod common;

use common::xlsx::{open_xlsx, sheet_rows};
use common::{apps, NOW_MS};
use pc_domain::party::{AssociationType, PartnerType};

/// The page's total (`<span id="audit-total">N</span>`).
fn total(body: &str) -> i64 {
    let marker = r#"id="audit-total">"#;
    let at = body.find(marker).expect("a total") + marker.len();
    body[at..].split('<').next().unwrap().parse().unwrap()
}

/// The transfer ids the page links to.
fn transfer_links(body: &str) -> Vec<String> {
    body.split(r#"href="/console/transfers/"#)
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

/// The text of every cell of the workbook's one sheet, row by row.
fn sheet_texts(bytes: Vec<u8>) -> Vec<Vec<String>> {
    sheet_rows(&open_xlsx(bytes).1)
        .into_iter()
        .map(|r| r.into_iter().map(|(t, _)| t).collect())
        .collect()
}

#[tokio::test]
async fn operators_filter_the_audit_log_follow_its_transfers_and_export_it() {
    for app in apps("audit_log").await {
        let e = app.engine.clone();
        let a = app.partner(PartnerType::Distributor, None).await;
        let b = app.partner(PartnerType::Distributor, None).await;
        let ca = app
            .customer(&a.partner_id, AssociationType::Resale, "aud-a", "x")
            .await;
        let cb = app
            .customer(&b.partner_id, AssociationType::Resale, "aud-b", "x")
            .await;
        app.credit(&a.partner_id, 10_000).await;
        app.credit(&b.partner_id, 10_000).await;
        app.allocate(&a.partner_id, &ca.customer_id, 1_000).await;
        app.allocate(&b.partner_id, &cb.customer_id, 2_000).await;
        let s = app.operator_session("aud-ops").await;

        // Everything, named in Chinese; the raw code only in `title`.
        let all = app.console_get(&s, "/console/audit").await;
        assert_eq!(all.status, 200, "{e}: {}", all.body);
        assert!(all.body.contains("向客户拨款"), "{e}");
        assert!(all.body.contains("登录控制台"), "{e}");
        assert!(all.body.contains("Asia/Shanghai"), "{e}");
        assert!(!all.body.contains("??"), "{e}");
        assert!(total(&all.body) >= 6, "{e}");

        // By action: both allocations, each linked to its transfer.
        let by_action = "/console/audit?action=funds.allocate_customer";
        let p = app.console_get(&s, by_action).await.body;
        assert_eq!(total(&p), 2, "{e}");
        assert!(
            p.contains(&ca.customer_id) && p.contains(&cb.customer_id),
            "{e}"
        );
        let links = transfer_links(&p);
        assert_eq!(links.len(), 2, "{e}: {p}");

        // By tenant, by actor, by object: A's allocation alone.
        for q in [
            format!("{by_action}&partner={}", a.partner_id),
            format!("{by_action}&actor={}", a.partner_id),
            format!(
                "/console/audit?target_kind=customer&target_id={}&action=funds.allocate_customer",
                ca.customer_id
            ),
        ] {
            let p = app.console_get(&s, &q).await.body;
            assert_eq!(total(&p), 1, "{e}: {q}");
            assert!(p.contains(&ca.customer_id), "{e}: {q}");
            assert!(!p.contains(&cb.customer_id), "{e}: {q}");
        }

        // Days in Asia/Shanghai: NOW_MS is 2026-11-18 17:46 there.
        let day = pc_domain::timefmt::format_date(pc_domain::timefmt::cn_date(NOW_MS));
        assert_eq!(day, "2026-11-18");
        let p = app
            .console_get(&s, &format!("{by_action}&from={day}&to={day}"))
            .await
            .body;
        assert_eq!(total(&p), 2, "{e}");
        let p = app
            .console_get(&s, &format!("{by_action}&from=2026-11-19"))
            .await
            .body;
        assert_eq!(total(&p), 0, "{e}");
        let p = app
            .console_get(&s, &format!("{by_action}&to=2026-11-17"))
            .await
            .body;
        assert_eq!(total(&p), 0, "{e}");
        // A malformed day keeps the form and says what is wrong, in the page's language.
        let bad = app.console_get(&s, "/console/audit?from=18.11.2026").await;
        assert_eq!(bad.status, 200, "{e}");
        assert!(bad.body.contains(r#"id="audit-error""#), "{e}");
        assert!(bad.body.contains("筛选条件无效"), "{e}");

        // The transfer: accounts, amount, kind, balances after, the entry that made it.
        let mine = app
            .console_get(&s, &format!("{by_action}&partner={}", a.partner_id))
            .await
            .body;
        let tid = transfer_links(&mine).remove(0);
        let t = app
            .console_get(&s, &format!("/console/transfers/{tid}"))
            .await;
        assert_eq!(t.status, 200, "{e}: {}", t.body);
        for want in [
            format!("partner_cash:{}", a.partner_id),
            format!("customer_cash:{}", ca.customer_id),
            "¥10.00".to_string(),
            "¥90.00".to_string(),
            "allocate_customer".to_string(),
            "伙伴现金账户".to_string(),
            "客户现金账户".to_string(),
            "向客户拨款".to_string(),
        ] {
            assert!(t.body.contains(&want), "{e}: {want}: {}", t.body);
        }
        let none = app.console_get(&s, "/console/transfers/t-none").await;
        assert_eq!(none.status, 404, "{e}");

        // CSV: the filtered list, header and names in Chinese.
        let csv = app
            .console_get(&s, "/console/audit.csv?action=funds.allocate_customer")
            .await;
        assert_eq!(csv.status, 200, "{e}");
        let lines: Vec<&str> = csv.body.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 3, "{e}: {}", csv.body);
        assert!(
            lines[0].starts_with("时间 (Asia/Shanghai),时间 (UTC),操作人,操作人 ID"),
            "{e}: {}",
            lines[0]
        );
        // The first column is the business time zone's wall clock, to the minute.
        let at = pc_domain::timefmt::format_cn(NOW_MS);
        assert!(lines[1].starts_with(&format!("{at},")), "{e}: {}", lines[1]);
        assert!(lines[1].contains("向客户拨款"), "{e}");
        let csv_a = app
            .console_get(
                &s,
                &format!(
                    "/console/audit.csv?action=funds.allocate_customer&partner={}",
                    a.partner_id
                ),
            )
            .await
            .body;
        assert_eq!(csv_a.lines().count(), 2, "{e}");
        assert!(csv_a.contains(&tid), "{e}: the transfer id is exported");

        // XLSX in English: the same rows as the English CSV.
        let en = app
            .console_post(&s, "/console/lang", &[("lang", "en-US")])
            .await;
        assert!(en.status < 400, "{e}");
        let csv_en = app
            .console_get(&s, "/console/audit.csv?action=funds.allocate_customer")
            .await
            .body;
        assert!(csv_en.contains("Funds allocated to customer"), "{e}");
        let (status, headers, bytes) = app
            .console_get_bytes(&s, "/console/audit.xlsx?action=funds.allocate_customer")
            .await;
        let ct = headers["content-type"].to_str().unwrap();
        assert_eq!(status, 200, "{e}");
        assert!(ct.contains("spreadsheetml"), "{e}");
        let rows = sheet_texts(bytes);
        assert_eq!(rows.len(), 3, "{e}");
        assert_eq!(rows[0][0], "Time (Asia/Shanghai)", "{e}");
        let csv_rows: Vec<&str> = csv_en.trim_start_matches('\u{feff}').lines().collect();
        for (x, c) in rows.iter().zip(&csv_rows) {
            assert_eq!(x.join(","), *c, "{e}");
        }
        let page_en = app.console_get(&s, by_action).await.body;
        assert!(page_en.contains("Funds allocated to customer"), "{e}");

        // Partners see none of it.
        let sa = app.console_login(&a.login, "Passw0rd!").await;
        for path in [
            "/console/audit".to_string(),
            "/console/audit.csv".to_string(),
            "/console/audit.xlsx".to_string(),
            format!("/console/transfers/{tid}"),
        ] {
            assert_eq!(app.console_get(&sa, &path).await.status, 403, "{e}: {path}");
        }
    }
}
