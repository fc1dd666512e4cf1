//! Partner staff accounts (services/partners/staff.rs, console/staff.rs, `admin create-staff`), in process
//! on SQLite and PostgreSQL: a partner admin creates a staff login that sees the read-only
//! console; another partner's admin can neither see nor touch it; disabling ends an open session
//! and blocks login, re-enabling restores it; a password reset ends sessions; bad input writes
//! nothing; every write leaves an audit row.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use pc_app::services::{identity, partners::staff};
use pc_app::store::sql;
use pc_app::{Actor, Code, Ctx};
use pc_domain::party::{PartnerType, Role};

const PW: &str = "Passw0rd!";

async fn count(app: &TestApp, sql: &str, arg: &str) -> i64 {
    sql::query_scalar(sql)
        .bind(arg)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn audits(app: &TestApp, action: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM audit_log WHERE action = $1",
        action,
    )
    .await
}

async fn users_of(app: &TestApp, partner_id: &str) -> i64 {
    count(
        app,
        "SELECT COUNT(*) FROM users WHERE partner_id = $1",
        partner_id,
    )
    .await
}

async fn user_id(app: &TestApp, login: &str) -> String {
    sql::query_scalar("SELECT id FROM users WHERE login = $1")
        .bind(login)
        .fetch_one(app.db.read())
        .await
        .unwrap()
}

async fn disabled(app: &TestApp, login: &str) -> bool {
    sql::query_scalar::<Option<i64>>("SELECT disabled_at FROM users WHERE login = $1")
        .bind(login)
        .fetch_one(app.db.read())
        .await
        .unwrap()
        .is_some()
}

/// A login attempt through the form: its status (303 on success).
async fn try_login(app: &TestApp, login: &str, password: &str) -> u16 {
    app.login_attempt(login, password).await.status
}

fn location(r: &Resp) -> &str {
    r.headers["location"].to_str().unwrap()
}

/// Creates a staff login through the admin's console form; asserts it succeeded.
async fn create_staff(app: &TestApp, admin: &Session, login: &str, display: &str) -> String {
    let r = app
        .console_post(
            admin,
            "/console/staff",
            &[
                ("login", login),
                ("display_name", display),
                ("password", PW),
            ],
        )
        .await;
    assert_eq!(r.status, 303, "{}: {}", app.engine, r.body);
    assert_eq!(location(&r), "/console/staff?done=created");
    user_id(app, login).await
}

#[tokio::test]
async fn admin_creates_staff_who_sees_the_read_only_console() {
    for app in apps("staff_create").await {
        let p = app.partner(PartnerType::Distributor, None).await;
        let admin = app.console_login(&p.login, PW).await;
        let home = app.console_get(&admin, "/console").await;
        assert!(home.body.contains(r#"data-nav="staff""#), "{}", app.engine);

        let page = app.console_get(&admin, "/console/staff").await;
        assert_eq!(page.status, 200, "{}: {}", app.engine, page.body);
        assert!(page.body.contains(r#"id="staff-form""#));
        assert!(page.body.contains("员工账号"));
        // The admin's own row is listed and cannot be changed here.
        assert!(page.body.contains(r#"data-role="partner_admin""#));
        assert!(page.body.contains("管理员账号不可在此修改"));

        let sid = create_staff(&app, &admin, "team.one", " 张三 ").await;
        let page = app.console_get(&admin, "/console/staff?done=created").await;
        assert!(page.body.contains(r#"id="staff-done""#));
        assert!(page.body.contains(&format!(r#"data-user="{sid}""#)));
        assert!(page.body.contains("<td>张三</td>"), "{}", page.body);
        assert!(page.body.contains("从未登录"));
        let row: (String, Option<String>) =
            sql::query_as("SELECT role, partner_id FROM users WHERE id = $1")
                .bind(&sid)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(row, ("partner_staff".into(), Some(p.partner_id.clone())));
        assert_eq!(audits(&app, "staff.create").await, 1);

        // The staff member logs in: read-only navigation, no staff page, no issue form.
        let s = app.console_login("team.one", PW).await;
        let home = app.console_get(&s, "/console").await;
        assert!(home.body.contains(r#"data-nav="customers""#));
        for absent in ["staff", "funds", "orders", "access-keys", "resellers"] {
            assert!(
                !home.body.contains(&format!(r#"data-nav="{absent}""#)),
                "{}: staff nav has {absent}",
                app.engine
            );
        }
        assert!(home.body.contains("伙伴员工"));
        assert_eq!(app.console_get(&s, "/console/staff").await.status, 403);
        let vouchers = app.console_get(&s, "/console/vouchers").await;
        assert_eq!(vouchers.status, 200, "{}", vouchers.body);
        assert!(!vouchers.body.contains(r#"id="issue-form""#));
        // Staff cannot create staff either.
        let before = users_of(&app, &p.partner_id).await;
        let r = app
            .console_post(
                &s,
                "/console/staff",
                &[("login", "team.two"), ("password", PW)],
            )
            .await;
        assert_eq!(r.status, 403);
        assert_eq!(users_of(&app, &p.partner_id).await, before);

        // The admin now sees the last login, in English too.
        let r = app
            .console_post(&admin, "/console/lang", &[("lang", "en-US")])
            .await;
        assert_eq!(r.status, 303);
        let page = app.console_get(&admin, "/console/staff").await;
        assert!(page.body.contains("Staff accounts"));
        assert!(page.body.contains("Create staff account"));
        assert!(!page.body.contains("Never"), "{}", page.body);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM users WHERE id = $1 AND last_login_at IS NOT NULL",
                &sid
            )
            .await,
            1
        );
    }
}

#[tokio::test]
async fn another_partners_admin_can_neither_see_nor_touch_staff() {
    for app in apps("staff_tenant").await {
        let a = app.partner(PartnerType::Consulting, None).await;
        let b = app.partner(PartnerType::Consulting, None).await;
        let sa = app.console_login(&a.login, PW).await;
        let sb = app.console_login(&b.login, PW).await;
        let staff_a = create_staff(&app, &sa, "a.staff", "").await;
        let admin_a = user_id(&app, &a.login).await;
        let admin_b = user_id(&app, &b.login).await;

        let page = app.console_get(&sb, "/console/staff").await;
        assert_eq!(page.status, 200);
        assert!(!page.body.contains("a.staff"), "{}", app.engine);
        // The partner comes from the session: a `partner` query or field is ignored.
        let page = app
            .console_get(&sb, &format!("/console/staff?partner={}", a.partner_id))
            .await;
        assert!(!page.body.contains("a.staff"));
        for action in ["disable", "enable", "password"] {
            let before = audits(&app, &format!("staff.{action}")).await;
            let r = app
                .console_post(
                    &sb,
                    &format!("/console/staff/{staff_a}/{action}"),
                    &[("partner", &a.partner_id), ("password", "N3wPassw0rd!")],
                )
                .await;
            assert_eq!(r.status, 404, "{}: {action}: {}", app.engine, r.body);
            assert_eq!(audits(&app, &format!("staff.{action}")).await, before);
        }
        assert!(!disabled(&app, "a.staff").await);
        assert_eq!(try_login(&app, "a.staff", PW).await, 303);
        // Another partner's admin is not found either.
        let r = app
            .console_post(&sb, &format!("/console/staff/{admin_a}/disable"), &[])
            .await;
        assert_eq!(r.status, 404);
        // B creating with A's id in the form creates for B.
        let r = app
            .console_post(
                &sb,
                "/console/staff",
                &[
                    ("partner", &a.partner_id),
                    ("login", "b.staff"),
                    ("password", PW),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        let pid: Option<String> =
            sql::query_scalar("SELECT partner_id FROM users WHERE login = 'b.staff'")
                .fetch_one(app.db.read())
                .await
                .unwrap();
        assert_eq!(pid.as_deref(), Some(b.partner_id.as_str()));

        // An admin cannot disable itself (nor reset an admin's password): PC.1601, nothing written.
        for (target, action) in [(&admin_b, "disable"), (&admin_b, "password")] {
            let r = app
                .console_post(
                    &sb,
                    &format!("/console/staff/{target}/{action}"),
                    &[("password", "N3wPassw0rd!")],
                )
                .await;
            assert_eq!(r.status, 400, "{}: {}", app.engine, r.body);
            assert!(r.body.contains("此处只能停用、启用员工账号"), "{}", r.body);
        }
        assert!(!disabled(&app, &b.login).await);
        assert_eq!(try_login(&app, &b.login, PW).await, 303);

        // The service itself refuses another partner's admin and staff callers.
        let as_admin_of = |pid: &str, role: Role| {
            Ctx::new(
                Actor::Partner {
                    partner_id: pid.into(),
                    root_id: pid.into(),
                    user_id: None,
                    role,
                },
                "t",
                NOW_MS,
            )
        };
        let e = staff::list(
            &app.db,
            &as_admin_of(&b.partner_id, Role::PartnerAdmin),
            &a.partner_id,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code, Code::AccessDenied);
        let s = staff::StaffState {
            partner_id: Some(a.partner_id.clone()),
            user_id: staff_a.clone(),
            disabled: true,
        };
        let e = staff::set_disabled(&app.db, as_admin_of(&a.partner_id, Role::PartnerStaff), s)
            .await
            .unwrap_err();
        assert_eq!(e.code, Code::AccessDenied);
        assert!(!disabled(&app, "a.staff").await);
    }
}

#[tokio::test]
async fn disabling_ends_sessions_and_blocks_login_until_enabled() {
    for app in apps("staff_disable").await {
        let p = app.partner(PartnerType::Solution, None).await;
        let admin = app.console_login(&p.login, PW).await;
        let sid = create_staff(&app, &admin, "dis.staff", "").await;
        let s = app.console_login("dis.staff", PW).await;
        assert_eq!(app.console_get(&s, "/console/customers").await.status, 200);

        let r = app
            .console_post(&admin, &format!("/console/staff/{sid}/disable"), &[])
            .await;
        assert_eq!(r.status, 303, "{}: {}", app.engine, r.body);
        assert_eq!(location(&r), "/console/staff?done=disabled");
        // The open session is gone: the next request goes to the login page.
        let r = app.console_get(&s, "/console/customers").await;
        assert_eq!(r.status, 303, "{}", app.engine);
        assert_eq!(location(&r), "/console/login");
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
                &sid
            )
            .await,
            0
        );
        assert_eq!(try_login(&app, "dis.staff", PW).await, 401);
        let page = app.console_get(&admin, "/console/staff").await;
        assert!(page.body.contains(r#"data-status="disabled""#));
        assert!(page.body.contains("class=\"staff-enable\""));
        assert_eq!(audits(&app, "staff.disable").await, 1);
        // Disabling again changes nothing and records nothing.
        let r = app
            .console_post(&admin, &format!("/console/staff/{sid}/disable"), &[])
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(audits(&app, "staff.disable").await, 1);

        let r = app
            .console_post(&admin, &format!("/console/staff/{sid}/enable"), &[])
            .await;
        assert_eq!(r.status, 303);
        assert_eq!(location(&r), "/console/staff?done=enabled");
        assert!(!disabled(&app, "dis.staff").await);
        assert_eq!(audits(&app, "staff.enable").await, 1);
        let s = app.console_login("dis.staff", PW).await;

        // A password reset ends the session; only the new password works.
        let r = app
            .console_post(
                &admin,
                &format!("/console/staff/{sid}/password"),
                &[("password", "N3wPassw0rd!")],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert!(!r.body.contains("N3wPassw0rd!"));
        assert_eq!(app.console_get(&s, "/console").await.status, 303);
        assert_eq!(try_login(&app, "dis.staff", PW).await, 401);
        assert_eq!(try_login(&app, "dis.staff", "N3wPassw0rd!").await, 303);
        assert_eq!(audits(&app, "staff.reset_password").await, 1);
        let actor: String = sql::query_scalar(
            "SELECT actor_id FROM audit_log WHERE action = 'staff.reset_password'",
        )
        .fetch_one(app.db.read())
        .await
        .unwrap();
        assert!(actor.starts_with(&p.partner_id), "{actor}");
    }
}

#[tokio::test]
async fn bad_input_writes_nothing() {
    for app in apps("staff_bad").await {
        let p = app.partner(PartnerType::Marketplace, None).await;
        let admin = app.console_login(&p.login, PW).await;
        create_staff(&app, &admin, "taken.login", "").await;
        let sid = user_id(&app, "taken.login").await;
        let users = users_of(&app, &p.partner_id).await;
        let audit_rows = count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE $1",
            "staff.%",
        )
        .await;
        let long_name = "x".repeat(65);
        for (fields, says, field) in [
            (vec![("login", "ab"), ("password", PW)], "3 到 64", "login"),
            (
                vec![("login", "has space"), ("password", PW)],
                "3 到 64",
                "login",
            ),
            (
                vec![("login", "ok.login"), ("password", "short")],
                "8 到 128",
                "password",
            ),
            (
                vec![("login", "ok.login"), ("password", "alllowercase")],
                "8 到 128",
                "password",
            ),
            (
                vec![
                    ("login", "ok.login"),
                    ("password", PW),
                    ("display_name", &long_name),
                ],
                "最多 64 个字符",
                "display_name",
            ),
            (
                vec![("login", "taken.login"), ("password", PW)],
                "已被使用",
                "login",
            ),
        ] {
            let r = app.console_post(&admin, "/console/staff", &fields).await;
            assert_eq!(r.status, 400, "{}: {fields:?}: {}", app.engine, r.body);
            // The message is beside the field it concerns.
            let id = format!(r#"id="staff-form-{field}-error""#);
            assert!(r.body.contains(&id), "{fields:?}: {}", r.body);
            assert!(r.body.contains(says), "{fields:?}: {}", r.body);
            // The typed login is shown again, the password never.
            assert!(r.body.contains(&format!(r#"value="{}""#, fields[0].1)));
            assert!(!r.body.contains(&format!(r#"value="{}""#, fields[1].1)));
        }
        // A weak new password, and forms without the CSRF token.
        let r = app
            .console_post(
                &admin,
                &format!("/console/staff/{sid}/password"),
                &[("password", "weak")],
            )
            .await;
        assert_eq!(r.status, 400);
        for path in [
            "/console/staff".to_string(),
            format!("/console/staff/{sid}/disable"),
        ] {
            let r = app
                .send(
                    Request::post(path.as_str())
                        .header("cookie", &admin.cookie)
                        .header("content-type", "application/x-www-form-urlencoded")
                        .body(Body::from(form_body(&[
                            ("login", "csrf.less"),
                            ("password", PW),
                        ])))
                        .unwrap(),
                )
                .await;
            assert_eq!(r.status, 403, "{path}");
        }
        // An unknown user id is not found.
        let r = app
            .console_post(&admin, "/console/staff/unope/disable", &[])
            .await;
        assert_eq!(r.status, 404);
        assert_eq!(users_of(&app, &p.partner_id).await, users);
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM audit_log WHERE action LIKE $1",
                "staff.%"
            )
            .await,
            audit_rows
        );
        assert!(!disabled(&app, "taken.login").await);
        assert_eq!(try_login(&app, "taken.login", PW).await, 303);
    }
}

#[tokio::test]
async fn operators_manage_any_partners_staff_and_the_cli_creates_staff() {
    for app in apps("staff_operator").await {
        let p = app.partner(PartnerType::Distributor, None).await;
        identity::create_operator(
            &app.db,
            ctx(),
            identity::Credentials {
                login: "staff.op".into(),
                password: PW.into(),
            },
        )
        .await
        .unwrap();
        let op = app.console_login("staff.op", PW).await;
        let detail = app
            .console_get(&op, &format!("/console/partners/{}", p.partner_id))
            .await;
        assert!(detail.body.contains(r#"id="staff-link""#));
        // Without a partner the operator is sent to the partner list.
        let r = app.console_get(&op, "/console/staff").await;
        assert_eq!(r.status, 303);
        let page = app
            .console_get(&op, &format!("/console/staff?partner={}", p.partner_id))
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains(r#"id="staff-partner""#));
        let r = app
            .console_post(
                &op,
                "/console/staff",
                &[
                    ("partner", &p.partner_id),
                    ("login", "op.made"),
                    ("password", PW),
                ],
            )
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
        assert_eq!(
            location(&r),
            format!("/console/staff?partner={}&done=created", p.partner_id)
        );
        let sid = user_id(&app, "op.made").await;
        let r = app
            .console_post(
                &op,
                &format!("/console/staff/{sid}/disable"),
                &[("partner", &p.partner_id)],
            )
            .await;
        assert_eq!(r.status, 303);
        assert!(disabled(&app, "op.made").await);
        let r = app.console_get(&op, "/console/staff?partner=nope").await;
        assert_eq!(r.status, 404);

        // The command line.
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_partner-center"))
                .env("PC_LANG", "en-US") // messages in English, whatever the locale
                .args(["admin", "create-staff"])
                .args(args)
                .args(["--database", app.db.url()])
                .env("PC_MASTER_KEY", app.mk.to_hex())
                .output()
                .unwrap()
        };
        let out = run(&[
            "--partner",
            &p.partner_id,
            "--login",
            "cli.staff",
            "--password",
            PW,
            "--json",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(j["partner_id"], p.partner_id.as_str());
        assert_eq!(j["user_id"], user_id(&app, "cli.staff").await.as_str());
        let out = run(&[
            "--partner",
            &p.partner_id,
            "--login",
            "cli.weak",
            "--password",
            "weak",
        ]);
        assert_eq!(out.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&out.stderr).contains("8 to 128"));
        let out = run(&["--partner", "nope", "--login", "cli.none", "--password", PW]);
        assert_eq!(out.status.code(), Some(2));
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) FROM users WHERE login LIKE $1",
                "cli.%"
            )
            .await,
            1
        );
        let s = app.console_login("cli.staff", PW).await;
        assert_eq!(app.console_get(&s, "/console/staff").await.status, 403);
    }
}
