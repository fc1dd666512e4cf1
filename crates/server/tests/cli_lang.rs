//! The command line speaks the language it is asked for: `--lang`, else `PC_LANG`, else the
//! locale (`LC_ALL`, then `LANG`), else English — a result, a refusal (its own and a service's
//! `AppError`) and the help's summaries in each language, while JSON output stays the same. Both
//! engines.

mod common;

use std::process::Output;

use common::{apps, TestApp};
use pc_domain::party::PartnerType;

/// Runs the binary on the app's database with exactly the language settings given.
fn run(app: &TestApp, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_partner-center"));
    cmd.args(args)
        .args(["--database", app.db.url()])
        .env("PC_MASTER_KEY", app.mk.to_hex())
        .env_remove("PC_LANG")
        .env_remove("LC_ALL")
        .env_remove("LANG");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn results_and_refusals_follow_the_language() {
    for app in apps("cli_lang").await {
        let e = app.engine.clone();
        let p = app.partner(PartnerType::Distributor, None).await;
        let pid = p.partner_id.as_str();

        // A result: the flag, then PC_LANG, then the locale decide.
        let credit = ["admin", "credit-partner", pid, "10.00"];
        let zh = run(
            &app,
            &[("LANG", "en_US.UTF-8")],
            &[&credit[..], &["--lang", "zh-CN"]].concat(),
        );
        assert!(zh.status.success(), "{e}: {}", text(&zh.stderr));
        let out = text(&zh.stdout);
        assert!(
            out.starts_with(&format!("已向 {pid} 入账 10.00")),
            "{e}: {out}"
        );
        let en = run(
            &app,
            &[("PC_LANG", "en-US"), ("LANG", "zh_CN.UTF-8")],
            &credit,
        );
        assert!(en.status.success(), "{e}: {}", text(&en.stderr));
        let out = text(&en.stdout);
        assert!(
            out.starts_with(&format!("credited 10.00 to {pid}")),
            "{e}: {out}"
        );
        let locale = run(&app, &[("LANG", "zh_CN.UTF-8")], &credit);
        assert!(text(&locale.stdout).starts_with("已向"), "{e}");
        let all = run(&app, &[("LC_ALL", "C"), ("LANG", "zh_CN.UTF-8")], &credit);
        assert!(
            text(&all.stdout).starts_with("credited"),
            "{e}: LC_ALL wins"
        );
        let none = run(&app, &[], &credit);
        assert!(
            text(&none.stdout).starts_with("credited"),
            "{e}: English by default"
        );

        // The command's own refusal.
        let bad_type = [
            "admin",
            "grant-quota",
            pid,
            "--type",
            "gold",
            "--amount",
            "1",
        ];
        let zh = run(&app, &[("PC_LANG", "zh-CN")], &bad_type);
        assert_eq!(zh.status.code(), Some(2), "{e}");
        assert_eq!(
            text(&zh.stderr).trim(),
            "错误：--type 必须是 voucher 或 cash",
            "{e}"
        );
        let en = run(&app, &[], &bad_type);
        assert_eq!(
            text(&en.stderr).trim(),
            "error: --type must be voucher or cash",
            "{e}"
        );

        // An amount that is not one.
        let bad_amount = ["admin", "credit-partner", pid, "12.345", "--lang", "zh-CN"];
        let zh = run(&app, &[], &bad_amount);
        assert_eq!(zh.status.code(), Some(2), "{e}");
        assert!(text(&zh.stderr).starts_with("错误："), "{e}");
        assert!(
            !text(&zh.stderr).contains("decimal places"),
            "{e}: {}",
            text(&zh.stderr)
        );

        // A service's refusal (an AppError): its code, then the chosen language's message.
        let unknown = [
            "admin",
            "update-partner",
            "no-such-partner",
            "--status",
            "active",
        ];
        let zh = run(&app, &[], &[&unknown[..], &["--lang", "zh-CN"]].concat());
        assert_eq!(zh.status.code(), Some(2), "{e}");
        let err = text(&zh.stderr);
        assert!(err.starts_with("错误："), "{e}: {err}");
        assert!(
            err.chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c) && !"错误".contains(c)),
            "{e}: {err}"
        );
        let en = run(&app, &[], &[&unknown[..], &["--lang", "en-US"]].concat());
        let err = text(&en.stderr);
        assert!(err.starts_with("error: "), "{e}: {err}");
        assert!(
            !err.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{e}: {err}"
        );

        // The help's summaries.
        let zh = text(&run(&app, &[("LANG", "zh_CN.UTF-8")], &["admin", "--help"]).stdout);
        assert!(zh.contains("从外部向伙伴账户入账"), "{e}: {zh}");
        let en = text(&run(&app, &[], &["--help"]).stdout);
        assert!(
            en.contains("Apply database migrations and exit"),
            "{e}: {en}"
        );
        let flag = text(&run(&app, &[], &["--help", "--lang=zh-CN"]).stdout);
        assert!(flag.contains("执行数据库迁移后退出"), "{e}: {flag}");

        // JSON is the same in both languages.
        let json = |lang: &str| {
            let o = run(
                &app,
                &[("PC_LANG", lang)],
                &["admin", "partner-balances", "--json"],
            );
            assert!(o.status.success(), "{e}: {}", text(&o.stderr));
            let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
            v
        };
        assert_eq!(json("zh-CN"), json("en-US"), "{e}");
    }
}
