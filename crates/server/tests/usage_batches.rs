//! Batches naming many customers at once, on both engines: customers with cash, without, with a
//! resource package, crossing a tier, lines repeated within a batch and across batches. What
//! they leave (usage rows, consumption records, balances and the usage transfers, packages,
//! totals, resources, the arrears marks, the batches' outcomes) is compared with a fixture
//! written by the per-customer charging this import had before it was set-based
//! (`tests/fixtures/usage_batches.txt`; `PC_UPDATE_FIXTURES=1` rewrites it), so both engines and
//! both ways of charging agree to the cent and the field.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::catalog::{self, UsagePricing};
use pc_app::services::usage;
use pc_app::store::sql;
use pc_domain::orders::PeriodType;
use pc_domain::usage::{Quantity, RawUsage, Tier};

const ECS: &str = "ecs-s6-small-1-linux"; // 0.07 yuan an hour
const EIP: &str = "vpc-eip-bgp"; // 0.02 yuan an hour
const BW: &str = "vpc-bandwidth-bgp"; // 0.08 yuan an hour per Mbit/s
const FIXTURE: &str = "tests/fixtures/usage_batches.txt";

/// A line of usage ending `end` × 5 minutes past 12:00 (after the package was bought, before now).
fn raw(id: &str, customer: &str, resource: &str, product: &str, hours: &str, end: u32) -> RawUsage {
    RawUsage {
        usage_id: id.into(),
        customer_id: customer.into(),
        resource_id: resource.into(),
        product_id: product.into(),
        usage: hours.into(),
        resource_size: (product == BW).then(|| "5".to_string()),
        begin_time: format!("2026-11-18T11:{:02}:00Z", end * 5),
        end_time: format!("2026-11-18T12:{:02}:00Z", end * 5),
        resource_name: (resource == "vm-c").then(|| "web".to_string()),
    }
}

/// Every row a query returns, one line each, its values joined by `|` and the ids in `names`
/// replaced by their names (the ids differ between runs), sorted.
async fn dump(app: &TestApp, names: &[(&str, &str)], out: &mut String, title: &str, q: &str) {
    out.push_str(&format!("## {title}\n"));
    let rows = sql::query(q).fetch_all(app.db.read()).await.unwrap();
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            (0..r.len())
                .map(|i| match r.try_get::<Option<i64>, _>(i) {
                    Ok(v) => format!("{v:?}"),
                    Err(_) => format!("{:?}", r.get::<Option<String>, _>(i)),
                })
                .collect::<Vec<_>>()
                .join("|")
        })
        .map(|l| names.iter().fold(l, |l, (id, name)| l.replace(id, name)))
        .collect();
    lines.sort();
    for l in lines {
        out.push_str(&l);
        out.push('\n');
    }
}

#[tokio::test]
async fn batches_of_many_customers_are_charged_as_one_customer_at_a_time_was() {
    for app in apps("usage_many").await {
        let e = &app.engine;
        let w = world(&app).await;
        catalog::set_usage_pricing(
            &app.db,
            ctx(),
            ECS.into(),
            UsagePricing {
                tiers: vec![Tier {
                    from: Quantity::parse("10").unwrap(),
                    hour_price_cents: 5,
                }],
                package: None,
            },
        )
        .await
        .unwrap();
        make_vm_package(&app, "10").await;
        // c: a package of 10 VM hours and 1.00 left; oc: 0.30; rc and cc: nothing.
        let (c, rc, cc, oc) = (
            w.c.customer_id.as_str(),
            w.rc.customer_id.as_str(),
            w.cc.customer_id.as_str(),
            w.oc.customer_id.as_str(),
        );
        fund(&app, &w.d.partner_id, c, 1090).await;
        let (order, _) = place(
            &app,
            c,
            vec![item(VM_PACKAGE, PeriodType::Month, 1, 1, None)],
        )
        .await;
        pay_cash(&app, c, order).await;
        fund(&app, &w.o.partner_id, oc, 30).await;
        app.clock.advance(2 * 3_600_000);
        let mut sys = ctx();
        sys.now_ms = app_now(&app);

        let first = vec![
            raw("a1", c, "vm-c", ECS, "6", 1),
            raw("a2", oc, "vm-o", ECS, "4", 1),
            raw("a3", rc, "vm-r", ECS, "3.5", 1),
            raw("a4", cc, "eip-cc", EIP, "2", 1),
            raw("a5", c, "vm-c", ECS, "6", 2),
            raw("a6", oc, "vm-o", ECS, "8", 2),
            raw("a7", rc, "eip-r", EIP, "1.333333", 2),
            raw("a8", cc, "vm-cc", ECS, "12", 2),
            raw("a1", c, "vm-c", ECS, "6", 1),
            raw("a9", c, "bw-c", BW, "0.5", 3),
            raw("a10", oc, "eip-o", EIP, "0.25", 3),
        ];
        let second = vec![
            raw("a2", oc, "vm-o", ECS, "4", 1),
            raw("b1", c, "vm-c", ECS, "20", 4),
            raw("b2", oc, "vm-o", ECS, "1", 4),
            raw("b3", rc, "vm-r", ECS, "7", 4),
            raw("b4", cc, "vm-cc", ECS, "0.000001", 4),
            raw("b5", c, "vm-c2", ECS, "1", 4),
            raw("b6", rc, "vm-r", ECS, "0.5", 5),
        ];
        let names = [
            (c, "C"),
            (rc, "RC"),
            (cc, "CC"),
            (oc, "OC"),
            (w.d.partner_id.as_str(), "D"),
            (w.r.partner_id.as_str(), "R"),
            (w.o.partner_id.as_str(), "O"),
        ];
        let mut out = String::new();
        for (n, batch) in [first.clone(), second, first].into_iter().enumerate() {
            sys.request_id = format!("req-batch-{n}");
            let o = usage::ingest(&app.db, sys.clone(), batch).await.unwrap();
            out.push_str(&format!(
                "batch {n}: {}\n",
                serde_json::to_string(&o).unwrap()
            ));
        }
        dump(
            &app,
            &names,
            &mut out,
            "usage_events",
            "SELECT * FROM usage_events",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "consumption_records",
            "SELECT customer_id, partner_id, root_id, association_type, bill_cycle, trade_time, consume_time, trade_id, \
             order_type, bill_detail_type, charging_mode, service_type_code, resource_type_code, region, product_id, \
             product_spec_desc, resource_id, resource_name, period_type, period_num, official_amount, discount_amount, \
             payment_amount, cash_amount, credit_amount, coupon_amount, flexipurchase_coupon_amount, \
             stored_value_card_amount, debt_amount, writeoff_amount, source_key, created_at, late_from, usage_quantity, \
             free_quantity FROM consumption_records WHERE charging_mode = 3",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "accounts",
            "SELECT id, root_id, kind, owner_id, balance, lower_limit, created_at FROM ledger_accounts \
             WHERE kind IN ('customer_cash', 'customer_arrears')",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "usage transfers",
            "SELECT root_id, from_account, to_account, amount, from_balance_after, to_balance_after, kind, memo, \
             request_id, created_at FROM ledger_transfers WHERE kind IN ('usage_pay', 'usage_debt')",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "audit",
            "SELECT action, target_kind, target_id, detail FROM audit_log WHERE action = 'usage.import'",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "arrears marks",
            "SELECT id, in_arrears FROM customers",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "packages",
            "SELECT customer_id, remaining FROM free_resources",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "deductions",
            "SELECT customer_id, usage_id, resource_id, resource_type_code, product_id, used, remaining_after, \
             deducted_at FROM free_resource_usages",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "totals",
            "SELECT * FROM usage_totals",
        )
        .await;
        dump(
            &app,
            &names,
            &mut out,
            "resources",
            "SELECT * FROM on_demand_resources",
        )
        .await;
        if std::env::var_os("PC_UPDATE_FIXTURES").is_some() {
            std::fs::create_dir_all("tests/fixtures").unwrap();
            std::fs::write(FIXTURE, &out).unwrap();
        }
        let want = std::fs::read_to_string(FIXTURE).unwrap();
        assert!(
            out == want,
            "{e}: the batches left\n{out}\ninstead of\n{want}"
        );
        app.assert_ledger_clean().await;
    }
}
