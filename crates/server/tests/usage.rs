//! Pay-per-use end to end on both engines: usage imported through the native API (and the
//! service), rated with tiers, absorbed by a resource package, charged to cash and owed beyond
//! it; the arrears mark and its repayment by an allocation; idempotency by usage id; a batch with
//! a bad line writing nothing; records, the month close and `verify` agreeing.

mod common;

use common::shop::*;
use common::*;
use pc_app::services::catalog::{self, UsagePricing};
use pc_app::services::consumption;
use pc_app::services::identity;
use pc_app::services::usage::{self, Outcome};
use pc_app::store::{ledger, sql};
use pc_domain::ledger::AccountKind;
use pc_domain::orders::PeriodType;
use pc_domain::usage::{Quantity, RawUsage, Tier};
use serde_json::json;

const USAGE: &str = "/native/v1/usage";
const ECS: &str = "ecs-s6-small-1-linux"; // 0.07 yuan an hour
const EIP: &str = "vpc-eip-bgp"; // 0.02 yuan an hour

async fn operator(app: &TestApp, login: &str) -> Creds {
    let uid = identity::create_operator(
        &app.db,
        ctx(),
        identity::Credentials {
            login: login.into(),
            password: "Passw0rd!".into(),
        },
    )
    .await
    .unwrap();
    let k = identity::create_operator_key(
        &app.db,
        ctx(),
        app.mk.clone(),
        identity::NewOperatorKey {
            operator_login: Some(login.into()),
            description: "metering".into(),
        },
    )
    .await
    .unwrap();
    Creds {
        ak: k.key.access_key,
        sk: k.key.secret_key,
        domain_id: uid,
    }
}

fn line(id: &str, customer: &str, resource: &str, product: &str, hours: &str) -> serde_json::Value {
    json!({
        "usage_id": id, "customer_id": customer, "resource_id": resource, "product_id": product,
        "usage": hours, "begin_time": "2026-11-17T00:00:00Z", "end_time": "2026-11-17T12:00:00Z",
    })
}

async fn import(app: &TestApp, op: &Creds, lines: Vec<serde_json::Value>) -> Resp {
    let body = json!({ "usage": lines }).to_string();
    call(app, op, "POST", USAGE, &body).await
}

async fn arrears_of(app: &TestApp, customer: &str) -> (i64, i64) {
    let flag: i64 = sql::query_scalar("SELECT in_arrears FROM customers WHERE id = $1")
        .bind(customer)
        .fetch_one(app.db.read())
        .await
        .unwrap();
    let owed = pc_app::services::funds::arrears::owed(app.db.read(), customer)
        .await
        .unwrap();
    (flag, owed)
}

async fn count(app: &TestApp, q: &str) -> i64 {
    sql::query_scalar(q).fetch_one(app.db.read()).await.unwrap()
}

#[tokio::test]
async fn usage_is_rated_by_tier_charged_to_cash_owed_beyond_it_and_repaid() {
    for app in apps("usage_rate").await {
        let e = &app.engine;
        let w = world(&app).await;
        let op = operator(&app, "meter").await;
        let c = &w.c.customer_id;
        fund(&app, &w.d.partner_id, c, 100).await;
        // From 10 hours of the month on, an ECS hour costs 0.05 instead of 0.07.
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

        // 4 h = 0.28; then 8 h = 6 × 0.07 + 2 × 0.05 = 0.52: 0.80 of the 1.00 held.
        let r = import(
            &app,
            &op,
            vec![
                line("u1", c, "vm-1", ECS, "4"),
                line("u2", c, "vm-1", ECS, "8"),
            ],
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        let j = r.json();
        assert_eq!(j["accepted"], 2, "{e}");
        assert_eq!(j["charged"], "0.80", "{e}");
        assert_eq!(j["owed"], "0.00", "{e}");
        assert_eq!(customer_balance(&app, c).await.cents(), 20, "{e}");
        assert_eq!(arrears_of(&app, c).await, (0, 0), "{e}");

        // 20 h of ECS at 0.05 = 1.00 and 2 h of EIP = 0.04: 0.20 from cash, 0.84 owed.
        let second = vec![
            line("u3", c, "vm-1", ECS, "20"),
            line("u4", c, "eip-1", EIP, "2"),
        ];
        let r = import(&app, &op, second.clone()).await;
        let j = r.json();
        assert_eq!(
            (
                j["charged"].as_str(),
                j["paid_from_cash"].as_str(),
                j["owed"].as_str()
            ),
            (Some("1.04"), Some("0.20"), Some("0.84")),
            "{e}: {j}"
        );
        assert_eq!(customer_balance(&app, c).await.cents(), 0, "{e}");
        assert_eq!(arrears_of(&app, c).await, (1, 84), "{e}");

        // The same lines again: skipped, nothing charged.
        let r = import(&app, &op, second).await;
        let j = r.json();
        assert_eq!(
            (j["accepted"].as_u64(), j["duplicates"].as_u64()),
            (Some(0), Some(2)),
            "{e}"
        );
        assert_eq!(arrears_of(&app, c).await, (1, 84), "{e}");

        // One bad line refuses the batch: each bad line named, the good one not written.
        let r = import(
            &app,
            &op,
            vec![
                line("u5", c, "vm-1", ECS, "1"),
                line("u6", "nobody", "vm-9", ECS, "1"),
                line("u7", c, "vm-1", EIP, "1"),
                line("u8", c, "vm-2", ECS, "-1"),
            ],
        )
        .await;
        r.assert_error(400, "CBC.0100");
        let errs = r.json()["errors"].clone();
        let idx: Vec<u64> = errs
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["index"].as_u64().unwrap())
            .collect();
        assert_eq!(idx, vec![1, 2, 3], "{e}: {errs}");
        assert!(
            errs[0]["message"].as_str().unwrap().contains("nobody"),
            "{e}"
        );
        assert!(
            errs[1]["message"].as_str().unwrap().contains("another"),
            "{e}"
        );
        assert!(!errs[2]["message_zh"].as_str().unwrap().is_empty(), "{e}");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM usage_events WHERE usage_id = 'u5'"
            )
            .await,
            0,
            "{e}"
        );

        // A partner's allocation repays what is owed first and lifts the mark.
        fund(&app, &w.d.partner_id, c, 100).await;
        assert_eq!(arrears_of(&app, c).await, (0, 0), "{e}");
        assert_eq!(customer_balance(&app, c).await.cents(), 16, "{e}");

        // Records: one per line, pay-per-use, with the hours; they add up to what was charged.
        let (n, paid, cash, debt): (i64, i64, i64, i64) = sql::query_as(
            "SELECT COUNT(*), CAST(SUM(payment_amount) AS BIGINT), CAST(SUM(cash_amount) AS BIGINT), \
             CAST(SUM(debt_amount) AS BIGINT) FROM consumption_records WHERE customer_id = $1 AND charging_mode = 3",
        )
        .bind(c)
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert_eq!((n, paid, cash, debt), (4, 184, 100, 84), "{e}");
        // The on-demand resources, known from their first usage.
        assert_eq!(
            count(&app, "SELECT COUNT(*) FROM on_demand_resources").await,
            2,
            "{e}"
        );

        // Close November; records, bills and the ledger agree.
        let mut later = ctx();
        later.now_ms = pc_domain::timefmt::parse_utc("2026-12-02T00:00:00Z").unwrap();
        consumption::close_months(&app.db, later).await.unwrap();
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn a_resource_package_absorbs_usage_before_it_is_rated() {
    for app in apps("usage_pkg").await {
        let e = &app.engine;
        let w = world(&app).await;
        let c = &w.c.customer_id;
        make_vm_package(&app, "10").await;
        fund(&app, &w.d.partner_id, c, 2000).await;
        let (order, _) = place(
            &app,
            c,
            vec![item(VM_PACKAGE, PeriodType::Month, 1, 1, None)],
        )
        .await;
        pay_cash(&app, c, order).await;
        let before = customer_balance(&app, c).await.cents();
        let raw = |id: &str, hours: &str| RawUsage {
            usage_id: id.into(),
            customer_id: c.clone(),
            resource_id: "vm-1".into(),
            product_id: ECS.into(),
            usage: hours.into(),
            begin_time: "2026-11-18T11:10:00Z".into(),
            end_time: "2026-11-18T12:00:00Z".into(),
            ..Default::default()
        };
        // Usage after the purchase (a package covers what ends while it is in force).
        app.clock.advance(2 * 3_600_000);
        let mut sys = ctx();
        sys.now_ms = app_now(&app);
        // 6 h covered; then 6 more: 4 covered, 2 charged at 0.07.
        let out = usage::ingest(&app.db, sys.clone(), vec![raw("p1", "6")])
            .await
            .unwrap();
        let Outcome::Imported(i) = out else {
            panic!("{e}: {out:?}")
        };
        assert_eq!((i.charged, i.free_quantity), (0, 6_000_000), "{e}");
        sys.now_ms += 1000;
        let Outcome::Imported(i) = usage::ingest(&app.db, sys, vec![raw("p2", "6")])
            .await
            .unwrap()
        else {
            panic!("{e}")
        };
        assert_eq!((i.charged, i.free_quantity), (14, 4_000_000), "{e}");
        assert_eq!(customer_balance(&app, c).await.cents(), before - 14, "{e}");
        let remaining: i64 =
            sql::query_scalar("SELECT remaining FROM free_resources WHERE customer_id = $1")
                .bind(c)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(remaining, 0, "{e}");
        // The customer sees the package used up and each deduction.
        let (n, pk) = usage::my_packages(&app.db, &cust_ctx(&app, c), &Default::default())
            .await
            .unwrap();
        assert_eq!(
            (n, pk[0].status, pk[0].remaining),
            (1, 2, Quantity::ZERO),
            "{e}"
        );
        let (n, d) = usage::my_deductions(&app.db, &cust_ctx(&app, c), &Default::default())
            .await
            .unwrap();
        assert_eq!(n, 2, "{e}");
        assert_eq!(d[0].used, Quantity::parse("4").unwrap(), "{e}");
        // Another customer cannot read the grant.
        let theirs = usage::my_free_resources(
            &app.db,
            &cust_ctx(&app, &w.rc.customer_id),
            &[pk[0].id.clone()],
        )
        .await
        .unwrap();
        assert!(theirs.is_empty(), "{e}");
        assert!(
            ledger::balance(
                app.db.read(),
                &ledger::account_id(AccountKind::CustomerArrears, c)
            )
            .await
            .unwrap()
            .cents()
                == 0,
            "{e}"
        );
        app.assert_ledger_clean().await;
    }
}

#[tokio::test]
async fn only_operators_import_and_partners_see_only_their_customers_resources() {
    for app in apps("usage_who").await {
        let e = &app.engine;
        let w = world(&app).await;
        let partner = Creds::from(&w.d);
        let r = call(&app, &partner, "POST", USAGE, r#"{"usage": []}"#).await;
        r.assert_error(403, "CBC.0155");
        let mut sys = ctx();
        sys.now_ms = app_now(&app);
        let raw = RawUsage {
            usage_id: "w1".into(),
            customer_id: w.oc.customer_id.clone(),
            resource_id: "vm-o".into(),
            product_id: ECS.into(),
            usage: "1".into(),
            begin_time: "2026-11-18T00:00:00Z".into(),
            end_time: "2026-11-18T01:00:00Z".into(),
            ..Default::default()
        };
        usage::ingest(&app.db, sys, vec![raw]).await.unwrap();
        // The other distributor's customer: not ours.
        let body = json!({"customer_id": w.oc.customer_id}).to_string();
        let r = call(
            &app,
            &partner,
            "POST",
            "/v2/partners/sub-customers/on-demand-resources/query",
            &body,
        )
        .await;
        assert_eq!(r.status / 100, 4, "{e}: {}", r.body);
        let other = Creds::from(&w.o);
        let r = call(
            &app,
            &other,
            "POST",
            "/v2/partners/sub-customers/on-demand-resources/query",
            &body,
        )
        .await;
        assert_eq!(r.status, 200, "{e}: {}", r.body);
        let j = r.json();
        assert_eq!(j["total_count"], 1, "{e}");
        assert_eq!(j["resources"][0]["resource_id"], "vm-o", "{e}");
        assert_eq!(j["resources"][0]["status"], 1, "{e}");
    }
}

/// Runs the CLI, expecting it to fail; its standard error.
fn cli_fails(db: &str, args: &[&str]) -> String {
    cli_fails_with_output(db, args).1
}

/// Runs the CLI on `db`, whatever its outcome.
fn cli_output(db: &str, args: &[&str]) -> std::process::Output {
    std::process::Command::new(spawn::BIN)
        .env("PC_LANG", "en-US") // messages in English, whatever the locale
        .args(args)
        .args(["--database", db, "--master-key", spawn::MASTER_KEY])
        .output()
        .unwrap()
}

/// A fresh folder for a test's files.
fn scratch_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("pc-{tag}-{}", pc_domain::ids::random_hex(4)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs the CLI, expecting it to fail; its standard output and standard error.
fn cli_fails_with_output(db: &str, args: &[&str]) -> (String, String) {
    let out = cli_output(db, args);
    assert!(!out.status.success(), "{args:?} succeeded");
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A resale customer of a new distributor, made with the CLI; its id.
fn cli_customer(url: &str) -> String {
    let p = spawn::cli_json(
        url,
        &[
            "admin",
            "create-partner",
            "--name",
            "usage cli",
            "--type",
            "distributor",
            "--json",
        ],
    );
    let partner = p["partner_id"].as_str().unwrap().to_string();
    spawn::cli_json(
        url,
        &[
            "admin",
            "create-customer",
            "--partner",
            &partner,
            "--association",
            "resale",
            "--json",
        ],
    )["customer_id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn the_cli_imports_a_file_once_and_a_file_with_bad_lines_not_at_all() {
    for db in spawn::proof_dbs("usage_cli").await {
        let e = &db.engine;
        let url = &db.url;
        let c = cli_customer(url);
        let dir = scratch_dir("usage");
        // 2,500 lines of 0.5 h each (0.035 yuan → 0.04 each, rounded half-up once per line).
        let mut csv =
            String::from("usage_id,customer_id,resource_id,product_id,usage,begin_time,end_time\n");
        for i in 0..2500 {
            csv.push_str(&format!(
                "u{i},{c},vm-{},{ECS},0.5,2026-11-01T00:00:00Z,2026-11-01T00:30:00Z\n",
                i % 7
            ));
        }
        let good = dir.join("usage.csv");
        std::fs::write(&good, &csv).unwrap();
        let good = good.to_str().unwrap();
        let out = spawn::cli_json(url, &["usage", "import", good, "--json"]);
        assert_eq!(
            (out["accepted"].as_u64(), out["duplicates"].as_u64()),
            (Some(2500), Some(0)),
            "{e}: {out}"
        );
        assert_eq!(out["charged"], "100.00", "{e}");
        assert_eq!(out["owed"], "100.00", "{e}");
        // Again: nothing new.
        let again = spawn::cli_json(url, &["usage", "import", good, "--json"]);
        assert_eq!(
            (again["accepted"].as_u64(), again["duplicates"].as_u64()),
            (Some(0), Some(2500)),
            "{e}"
        );
        assert_eq!(again["charged"], "0.00", "{e}");

        // JSON lines with two bad lines: both named by line number, nothing imported.
        let jsonl = dir.join("bad.jsonl");
        let row = |id: &str, usage: &str| {
            format!(
                r#"{{"usage_id":"{id}","customer_id":"{c}","resource_id":"vm-x","product_id":"{ECS}","usage":{usage},"begin_time":"2026-11-02T00:00:00Z","end_time":"2026-11-02T01:00:00Z"}}"#
            )
        };
        std::fs::write(
            &jsonl,
            [
                row("j1", "1"),
                row("j2", "-2"),
                "not json".into(),
                row("j3", "1"),
            ]
            .join("\n"),
        )
        .unwrap();
        let err = cli_fails(url, &["usage", "import", jsonl.to_str().unwrap()]);
        assert!(err.contains("line 2 (usage_id j2)"), "{e}: {err}");
        assert!(err.contains("line 3: not a JSON object"), "{e}: {err}");
        assert!(err.contains("nothing was imported"), "{e}: {err}");
        // The same refusal in Chinese: the lines named as 第 N 行, the service's reason in
        // Chinese (a line the JSON parser refused keeps the parser's English detail).
        let zh = cli_fails(
            url,
            &[
                "usage",
                "import",
                jsonl.to_str().unwrap(),
                "--lang",
                "zh-CN",
            ],
        );
        assert!(zh.contains("第 2 行（usage_id j2）："), "{e}: {zh}");
        let reason = zh
            .lines()
            .find(|l| l.starts_with("第 2 行"))
            .unwrap_or_default();
        assert!(
            reason
                .chars()
                .skip(16)
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e}: the reason in Chinese: {reason}"
        );
        assert!(zh.contains("第 3 行：not a JSON object"), "{e}: {zh}");
        assert!(zh.contains("未导入任何内容"), "{e}: {zh}");
        // `--json` is for programs: the same English whatever the language.
        let (out, _) = cli_fails_with_output(
            url,
            &[
                "usage",
                "import",
                jsonl.to_str().unwrap(),
                "--json",
                "--lang",
                "zh-CN",
            ],
        );
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert!(
            v["message"]
                .as_str()
                .unwrap_or_default()
                .contains("nothing was imported"),
            "{e}: {v}"
        );
        assert!(
            v["errors"][1]["reason"]
                .as_str()
                .unwrap_or_default()
                .starts_with("not a JSON object"),
            "{e}: {v}"
        );
        let out = spawn::cli_json(url, &["usage", "import", good, "--json"]);
        assert_eq!(out["accepted"], 0, "{e}");

        // 120 bad lines among good ones: the first 50 named with their reasons, then the count of
        // the rest; `--json` lists all 120.
        let mut many =
            String::from("usage_id,customer_id,resource_id,product_id,usage,begin_time,end_time\n");
        for i in 0..240 {
            let usage = if i % 2 == 1 { "-1" } else { "1" };
            many.push_str(&format!(
                "m{i},{c},vm-m,{ECS},{usage},2026-11-03T00:00:00Z,2026-11-03T01:00:00Z\n"
            ));
        }
        let many_bad = dir.join("many_bad.csv");
        std::fs::write(&many_bad, &many).unwrap();
        let many_bad = many_bad.to_str().unwrap();
        let (_, err) = cli_fails_with_output(url, &["usage", "import", many_bad]);
        let named: Vec<&str> = err.lines().filter(|l| l.starts_with("line ")).collect();
        assert_eq!(named.len(), 50, "{e}: {err}");
        // Data lines start on line 2: the bad ones are lines 3, 5, …; the 50th is line 101.
        assert!(named[0].starts_with("line 3 (usage_id m1): "), "{e}: {err}");
        assert!(
            named[49].starts_with("line 101 (usage_id m99): "),
            "{e}: {err}"
        );
        assert!(err.contains("… and 70 more bad lines"), "{e}: {err}");
        assert!(err.contains("120 of 240 line(s)"), "{e}: {err}");
        let (out, _) = cli_fails_with_output(url, &["usage", "import", many_bad, "--json"]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        let listed = report["errors"].as_array().unwrap();
        assert_eq!(listed.len(), 120, "{e}: {out}");
        assert_eq!(
            (report["invalid"].as_u64(), report["lines"].as_u64()),
            (Some(120), Some(240)),
            "{e}"
        );
        assert_eq!(listed[119]["line"], 241, "{e}");
        assert_eq!(listed[119]["usage_id"], "m239", "{e}");
        assert!(
            listed[119]["reason"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "{e}"
        );
        // Nothing of it was imported: its good lines alone import now, every one.
        let good_half: String = many
            .lines()
            .enumerate()
            .filter(|(i, _)| *i == 0 || i % 2 == 1)
            .map(|(_, l)| format!("{l}\n"))
            .collect();
        let good_half_file = dir.join("good_half.csv");
        std::fs::write(&good_half_file, good_half).unwrap();
        let out = spawn::cli_json(
            url,
            &[
                "usage",
                "import",
                good_half_file.to_str().unwrap(),
                "--json",
            ],
        );
        assert_eq!(out["accepted"], 120, "{e}: {out}");
        spawn::verify(url).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// The command line acts at the database's test clock when one is set (`admin clock`), and at the
/// system's time otherwise: this month's usage is closed by `jobs run bill-close` only once the
/// clock has moved past the month.
#[tokio::test]
async fn the_cli_jobs_follow_the_test_clock_only_when_one_is_set() {
    for db in spawn::proof_dbs("usage_clock").await {
        let e = &db.engine;
        let url = &db.url;
        let c = cli_customer(url);
        let now = spawn::now_ms();
        let cycle = pc_domain::bills::BillCycle::of_ms(now).to_string();
        let dir = scratch_dir("clock");
        let file = dir.join("now.csv");
        std::fs::write(
            &file,
            format!(
                "usage_id,customer_id,resource_id,product_id,usage,begin_time,end_time\n\
                 n1,{c},vm-n,{ECS},1,{},{}\n",
                pc_domain::timefmt::format_utc(now - 120_000),
                pc_domain::timefmt::format_utc(now - 60_000)
            ),
        )
        .unwrap();
        let out = spawn::cli_json(url, &["usage", "import", file.to_str().unwrap(), "--json"]);
        assert_eq!(out["accepted"], 1, "{e}: {out}");
        // No test clock: this month is still open.
        let closed = spawn::cli_json(url, &["jobs", "run", "bill-close", "--json"]);
        assert_eq!(closed["closed"], json!([]), "{e}: {closed}");
        // The test clock 40 days ahead: the job closes this month, as a server on it would.
        spawn::cli(url, &["admin", "clock", "advance", "40d"]);
        let out = cli_output(url, &["jobs", "run", "bill-close", "--json"]);
        assert!(out.status.success(), "{e}: {out:?}");
        let closed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(
            closed["closed"][0]["cycle"],
            cycle.as_str(),
            "{e}: {closed}"
        );
        assert_eq!(closed["closed"][0]["records"], 1, "{e}: {closed}");
        let note = String::from_utf8_lossy(&out.stderr);
        assert!(note.contains("test clock is set"), "{e}: {note}");
        // Back on the system's time: no note.
        spawn::cli(url, &["admin", "clock", "reset"]);
        let out = cli_output(url, &["jobs", "run", "bill-close", "--json"]);
        assert!(out.status.success(), "{e}: {out:?}");
        assert!(
            !String::from_utf8_lossy(&out.stderr).contains("test clock"),
            "{e}: {out:?}"
        );
        spawn::verify(url).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
