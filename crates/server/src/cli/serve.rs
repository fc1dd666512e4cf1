//! The server and its database: `serve`, `migrate`, `verify`, `outbox`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use pc_app::clock::SystemClock;
use pc_app::services::demo;
use pc_app::services::operations;
use pc_app::store::{db::redact, ledger, migrate};
use pc_app::Db;

use super::lang::say;
use super::{cli_ctx, connect, fail, follow_test_clock, open, Resolved, ServeArgs};
use crate::config::{self, Settings};
use crate::state::AppState;

/// `migrate`: apply the migrations and exit.
pub(super) async fn migrate(r: &Resolved) -> ExitCode {
    match Db::connect_with(&r.database, &r.db).await {
        Ok(db) => match migrate::run(&db).await {
            Ok(v) => {
                say!(
                    "已迁移 {}（应用了 {} 个新迁移）",
                    "migrated {} ({} new migration(s) applied)",
                    redact(&r.database),
                    v.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        Err(e) => fail(e),
    }
}

/// `backup --to FILE`: an online copy of the SQLite database (`pc_app::store::backup`). It does
/// not migrate: a backup taken before an upgrade is the database as the old version left it.
pub(super) async fn backup(r: &Resolved, to: PathBuf) -> ExitCode {
    let url = r.database.clone();
    let copied =
        match tokio::task::spawn_blocking(move || pc_app::store::backup::sqlite(&url, &to)).await {
            Ok(Ok(c)) => c,
            Ok(Err(e)) => return fail(e),
            Err(e) => return fail(e),
        };
    say!(
        "已将 {} 备份到 {}（{} 字节，架构版本 {}）",
        "backed up {} to {} ({} bytes, schema version {})",
        redact(&r.database),
        copied.file.display(),
        copied.bytes,
        copied.schema_version
    );
    say!(
        "注意：备份不含主密钥：请将其副本（PC_MASTER_KEY，或密钥文件，默认为数据库旁的 \
         master.key）另存于安全之处；没有它，恢复的备份中的访问密钥无法打开",
        "note: the master key is not in the backup: keep a copy of it (PC_MASTER_KEY, or the key \
         file, master.key beside the database by default) in a safe place of its own; without it \
         the access keys' secrets in a restored backup cannot be opened"
    );
    ExitCode::SUCCESS
}

/// `outbox`: the newest messages of the notification outbox.
pub(super) async fn outbox(r: &Resolved, limit: i64, recipient: Option<String>) -> ExitCode {
    let db = match open(r).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    match operations::outbox(&db, &cli_ctx(), recipient.as_deref(), limit).await {
        Ok(msgs) => {
            for m in msgs.iter().rev() {
                println!(
                    "#{} {} {} → {} | {} | {}",
                    m.seq,
                    pc_domain::timefmt::format_utc(m.created_at),
                    m.channel,
                    m.recipient,
                    m.subject,
                    m.body
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub(super) async fn verify(r: &Resolved) -> ExitCode {
    let db = match open(r).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let report = match ledger::verify(db.read()).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let consistency = match pc_app::services::consistency(db.read()).await {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    say!("数据库：{}", "database: {}", redact(&r.database));
    say!(
        "已检查 {} 个账本账户和 {} 笔转账：",
        "checked {} ledger accounts and {} transfers:",
        report.accounts,
        report.transfers
    );
    say!(
        "  - 每个缓存余额等于其分录之和",
        "  - each cached balance equals the sum of its entries"
    );
    say!(
        "  - 每笔转账记录的滚动余额与按序重放一致",
        "  - each transfer's recorded running balances match a replay in order"
    );
    say!(
        "  - 全部账户余额之和为零（和 = {}）",
        "  - the balances of all accounts sum to zero (sum = {})",
        report.total
    );
    say!(
        "  - 有下限的账户均不低于其下限",
        "  - no bounded account is below its floor"
    );
    say!(
        "  - 每笔转账都有审计记录（{} / {}）",
        "  - every transfer is named by an audit row ({} of {})",
        report.audited_transfers,
        report.transfers
    );
    say!(
        "  - 伙伴树根、关联租户与客户数一致",
        "  - partner tree roots, association tenants and customer counts are consistent"
    );
    say!(
        "  - 没有订单的现金或优惠券退款超过其支付额",
        "  - no order's cash or coupon had more refunded than it paid"
    );
    say!(
        "  - 每个伙伴保存的订单数等于其订单",
        "  - every partner's kept order count equals its orders"
    );
    let violations: Vec<String> = report.violations.into_iter().chain(consistency).collect();
    if violations.is_empty() {
        say!("OK：无违规", "OK: no violations");
        ExitCode::SUCCESS
    } else {
        for v in &violations {
            say!("违规：{}", "VIOLATION: {}", v);
        }
        say!(
            "FAILED：{} 处违规",
            "FAILED: {} violation(s)",
            violations.len()
        );
        ExitCode::FAILURE
    }
}

pub(super) async fn serve(r: Resolved, args: ServeArgs) -> ExitCode {
    let listen = args
        .listen
        .or(r.file.listen.clone())
        .unwrap_or_else(|| config::DEFAULT_LISTEN.to_string());
    let addr: SocketAddr = match listen.parse() {
        Ok(a) => a,
        Err(_) => {
            return fail(format!(
                "--listen {listen:?} is not an address like 127.0.0.1:8080"
            ))
        }
    };
    // Empty is unset (`PC_PUBLIC_URL=` from a compose file's default).
    let public_url = match args
        .public_url
        .or(r.file.public_url.clone())
        .filter(|u| !u.trim().is_empty())
    {
        Some(raw) => match pc_domain::redirects::parse_base_url(&raw) {
            Ok(base) => Some(base),
            Err(e) => return fail(format!("--public-url: {e}")),
        },
        None => None,
    };
    if let Some(name) = args.time_zone.as_deref().filter(|z| !z.trim().is_empty()) {
        match pc_domain::timefmt::Zone::parse(name) {
            Some(zone) => crate::http::console::set_display_zone(zone),
            None => {
                let known: Vec<&str> = pc_domain::timefmt::ZONES.iter().map(|z| z.name).collect();
                return fail(format!(
                    "--time-zone {name:?} is not one of: {}",
                    known.join(", ")
                ));
            }
        }
    }
    let mk = match r.master_key.clone() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    // Without --test-clock the server never reads the test clock: nor does the demo's loading.
    let db = match connect(&r).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    if args.test_clock {
        if let Err(e) = follow_test_clock(&db).await {
            return fail(e);
        }
    }
    let settings = Settings {
        signature_window_secs: args
            .signature_window_secs
            .or(r.file.signature_window_secs)
            .unwrap_or(900),
        secure_cookies: args.secure_cookies || r.file.secure_cookies.unwrap_or(false),
        strict_replay: args.strict_replay || r.file.strict_replay.unwrap_or(false),
        public_url,
        ..Settings::default()
    };
    if args.demo {
        match demo::load_once(&db, cli_ctx(), mk.clone()).await {
            Ok(Some(info)) => {
                say!(
                    "演示数据已载入。控制台登录名（密码均为 {}）：",
                    "Demo data loaded. Console logins (password for all: {}):",
                    demo::DEMO_PASSWORD
                );
                for l in &info.logins {
                    let role = super::lang::tr(&l.role_zh, &l.role);
                    println!("  {role:<42} {}", l.login);
                }
                say!(
                    "  （一年的历史数据：见 docs/demo.md）",
                    "  (a year of history: see docs/demo.md)"
                );
                let d = &info.distributor;
                say!(
                    "演示总经销商的 API 凭证（GlobalCredentials）：",
                    "Demo master distributor API credentials (GlobalCredentials):"
                );
                println!(
                    "  access_key: {}\n  secret_key: {}\n  domain_id:  {}",
                    d.access_key, d.secret_key, d.domain_id
                );
            }
            Ok(None) => say!(
                "演示数据已载入过（登录名见首次启动时的输出；密码 {}）。",
                "Demo data already loaded (logins as printed on first start; password {}).",
                demo::DEMO_PASSWORD
            ),
            Err(e) => return fail(e),
        }
    }
    let state_public_url = settings.public_url.clone();
    let secure_cookies = settings.secure_cookies;
    let mut state = AppState::new(db.clone(), mk, Arc::new(SystemClock), settings);
    if args.test_clock {
        let offset = match pc_app::services::test_clock::offset(db.read()).await {
            Ok(o) => o,
            Err(e) => return fail(e),
        };
        let clock = Arc::new(pc_app::clock::OffsetClock::new(offset));
        state = state.on_test_clock(clock.clone());
        // Other instances, the console and `admin clock` move the stored offset: follow it.
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
            loop {
                tick.tick().await;
                match pc_app::services::test_clock::offset(db.read()).await {
                    Ok(o) => clock.set_offset_ms(o),
                    Err(e) => tracing::warn!(error = %e, "cannot read the test clock's offset"),
                }
            }
        });
        say!(
            "测试时钟已开启：本服务运行在可调的时钟上（admin clock、/console/clock）；切勿用于生产",
            "TEST CLOCK ON: this server runs on a movable clock (admin clock, /console/clock); never in production"
        );
    }
    let app = crate::http::app(state);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {addr}: {e}")),
    };
    say!(
        "Partner Center 正在监听 http://{} （控制台：http://{}/console，数据库 {}）",
        "Partner Center listening on http://{} (console: http://{}/console, database {})",
        addr,
        addr,
        redact(&r.database)
    );
    if let Some(base) = &state_public_url {
        say!(
            "公开地址（邀请链接）：{}",
            "Public URL (invite links): {}",
            base
        );
        if base.starts_with("https://") && !secure_cookies {
            say!(
                "注意：公开地址为 https，但 Cookie 未标记 Secure（--secure-cookies）",
                "note: the public URL is https but cookies are not marked Secure (--secure-cookies)"
            );
        }
    }
    let shutdown = async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                    .expect("SIGTERM handler");
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
    };
    match axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}
