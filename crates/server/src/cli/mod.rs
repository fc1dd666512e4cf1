//! The `partner-center` command line: its arguments and their dispatch here, each command group
//! in its own module.

mod clock;
mod funds;
mod jobs;
mod keys;
pub(crate) mod lang;
mod logs;
mod orders;
mod partners;
mod serve;
mod usage;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pc_app::clock::{Clock, OffsetClock};
use pc_app::crypto::MasterKey;
use pc_app::store::{migrate, ConnectOptions};
use pc_app::{Actor, AppError, Ctx, Db};

use crate::config::{self, FileConfig};

#[derive(Parser, Debug)]
#[command(
    name = "partner-center",
    version,
    about = "Partner Center: a self-hostable partner centre with a BSS-compatible API"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Database URL: sqlite://PATH (default sqlite://./data/partner-center.db) or postgres://…
    #[arg(long, global = true, env = "PC_DATABASE_URL")]
    pub database: Option<String>,
    /// PostgreSQL: the most database connections this process holds (default 16, 2 to 1000).
    /// PostgreSQL's `max_connections` must exceed the sum over all instances, plus the tools.
    #[arg(long, global = true, env = "PC_DB_POOL")]
    pub db_pool: Option<u32>,
    /// Optional TOML configuration file.
    #[arg(long, global = true, env = "PC_CONFIG")]
    pub config: Option<PathBuf>,
    /// Master key (64 hex digits) that encrypts access-key secrets. Required to share a PostgreSQL
    /// database between instances; otherwise a key file is created on first use.
    #[arg(long, global = true, env = "PC_MASTER_KEY", hide_env_values = true)]
    pub master_key: Option<String>,
    /// Where the generated master key is kept (default: beside the SQLite file, else ./data/master.key).
    #[arg(long, global = true, env = "PC_MASTER_KEY_FILE")]
    pub master_key_file: Option<PathBuf>,
    /// During a master-key rotation: the previous key (64 hex digits), still accepted to open
    /// stored secrets until `admin reseal-secrets` has re-sealed them under the new one.
    #[arg(
        long,
        global = true,
        env = "PC_PREVIOUS_MASTER_KEY",
        hide_env_values = true
    )]
    pub previous_master_key: Option<String>,
    /// Log as JSON lines.
    #[arg(long, global = true, env = "PC_LOG_JSON")]
    pub log_json: bool,
    /// The language of messages: zh-CN or en-US (default: the locale, LC_ALL or LANG; zh* is
    /// Chinese, anything else English). JSON, CSV, ids and keys are the same in both.
    #[arg(long, global = true, env = "PC_LANG", value_name = "zh-CN|en-US")]
    pub lang: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate, then serve the API, the console, /healthz, /readyz, /metrics and /openapi.json.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Re-derive every balance from the ledger and check the invariants; exits non-zero on a violation.
    Verify,
    /// Copy an SQLite database to FILE while servers keep running (SQLite's online backup: one
    /// consistent copy, checked, as one file). PostgreSQL: use pg_dump. The master key is not in
    /// the copy: keep it with the backups.
    Backup {
        /// The backup file to write; it must not exist.
        #[arg(long, value_name = "FILE")]
        to: PathBuf,
    },
    /// Show the newest messages of the notification outbox.
    Outbox {
        #[arg(long, default_value_t = 20)]
        limit: i64,
        /// Only messages to this recipient.
        #[arg(long)]
        recipient: Option<String>,
    },
    /// Administration.
    #[command(subcommand)]
    Admin(Admin),
    /// Background jobs, run once (schedule them with cron or a timer).
    #[command(subcommand)]
    Jobs(Jobs),
    /// Pay-per-use usage from the deployment's metering.
    #[command(subcommand)]
    Usage(UsageCmd),
}

#[derive(Subcommand, Debug)]
pub enum UsageCmd {
    /// Check a usage file (CSV with a header, or JSON lines) and import it: every line is checked
    /// first, and a file with bad lines imports nothing and names them (the first 50 and how many
    /// more; every one with --json). Idempotent by usage_id.
    Import {
        file: String,
        /// csv or jsonl (default: from the file's extension).
        #[arg(long)]
        format: Option<String>,
        /// Lines per transaction (1 to 1000).
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        /// Print the summary as JSON; for a file with bad lines, every bad line
        /// (`{"errors":[{"line","usage_id","reason"}],"invalid","lines","message"}`).
        #[arg(long)]
        json: bool,
    },
    /// Check a usage file without importing it.
    Check {
        file: String,
        #[arg(long)]
        format: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum Jobs {
    /// Run one job now: `coupon-expiry` (expire coupons past their expiry, return their remainder
    /// to valid quotas, recall coupons of customers no longer associated for resale) or
    /// `order-expiry` (cancel unpaid orders past their payment deadline) or
    /// `subscription-renewal` (auto-renew or expire resources past their expiry) or `bill-close`
    /// (close the billing months that have ended: their records become monthly bills).
    Run {
        name: String,
        /// Print a JSON report (coupon-expiry, bill-close).
        #[arg(long)]
        json: bool,
        /// Act as if it were this UTC time (2026-01-01T00:00:00Z) instead of now (order-expiry,
        /// subscription-renewal, bill-close).
        #[arg(long)]
        now: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "PC_LISTEN")]
    pub listen: Option<String>,
    /// Load the demo data set (once) and print the demo logins and the demo partner's access key.
    #[arg(long)]
    pub demo: bool,
    /// Allowed clock skew of X-Sdk-Date, in seconds.
    #[arg(long, env = "PC_SIGNATURE_WINDOW_SECS")]
    pub signature_window_secs: Option<i64>,
    /// Mark session cookies Secure (behind HTTPS).
    #[arg(long, env = "PC_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// Refuse a signed write whose signature was already used inside the signature window
    /// (the SDK protocol has no nonce; clients retrying must re-sign).
    #[arg(long, env = "PC_STRICT_REPLAY")]
    pub strict_replay: bool,
    /// The public base URL users reach the server at (https://pc.example.com, behind a reverse
    /// proxy or TLS terminator): invite links and their QR codes are built from it. Without it,
    /// from the request's Host and X-Forwarded-Proto.
    #[arg(long, env = "PC_PUBLIC_URL", value_name = "URL")]
    pub public_url: Option<String>,
    /// Run on a movable clock, for staging and tests only: operators move it on the console
    /// (/console/clock) or with `admin clock`; every console page shows a banner. Refused in
    /// production by leaving it off: without this flag the stored offset is never read.
    #[arg(long, env = "PC_TEST_CLOCK")]
    pub test_clock: bool,
    /// The time zone the console shows times in, named beside each time: Asia/Shanghai (the
    /// default), UTC, Asia/Tokyo, Asia/Kolkata, … (zones without daylight saving). Bills, months
    /// and date filters stay on the business time zone, Asia/Shanghai.
    #[arg(long, env = "PC_TIME_ZONE", value_name = "ZONE")]
    pub time_zone: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum ClockCmd {
    /// Print the test clock's time and offset.
    Show,
    /// Set the test clock to a UTC time (2027-01-01T00:00:00Z).
    Set { time: String },
    /// Move the test clock by a duration: 3d, 12h, 90m, 30s; negative moves back (-1d).
    Advance {
        #[arg(allow_hyphen_values = true)]
        by: String,
    },
    /// Put the test clock back on the system's time.
    Reset,
}

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// The movable clock of servers started with `serve --test-clock` (staging and tests only);
    /// they follow a change within a second.
    #[command(subcommand)]
    Clock(ClockCmd),
    /// Create an operator (the vendor's channel team) console login.
    CreateOperator {
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: String,
    },
    /// Create an access key for an operator, for the native API's operator operations
    /// (`/native/v1/…`); the secret is shown once.
    CreateOperatorKey {
        /// The operator's console login.
        #[arg(long)]
        login: String,
        #[arg(long, default_value = "")]
        description: String,
        /// Print `{"user_id","access_key","secret_key"}`.
        #[arg(long)]
        json: bool,
    },
    /// Create a partner with its console admin login and one access key.
    CreatePartner {
        #[arg(long)]
        name: String,
        /// distributor | reseller | consulting | solution | marketplace
        #[arg(long = "type")]
        partner_type: String,
        /// The master distributor of a reseller.
        #[arg(long)]
        parent: Option<String>,
        /// Console admin login (generated if absent).
        #[arg(long)]
        login: Option<String>,
        /// Console admin password (generated if absent).
        #[arg(long)]
        password: Option<String>,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Create a read-only staff console login for a partner (its admin manages it on
    /// /console/staff).
    CreateStaff {
        #[arg(long)]
        partner: String,
        #[arg(long)]
        login: String,
        #[arg(long)]
        password: String,
        /// Shown to the partner's admins.
        #[arg(long)]
        display_name: Option<String>,
        /// Print `{"user_id","partner_id","login"}`.
        #[arg(long)]
        json: bool,
    },
    /// Create a customer associated with a partner, with a console login and an access key.
    CreateCustomer {
        #[arg(long)]
        partner: String,
        /// resale | consulting
        #[arg(long)]
        association: String,
        /// The account name (domain name); generated if absent.
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        label: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Change a partner's status (active | restricted: a restricted partner, and the resellers of a
    /// restricted master distributor, cannot associate customers) or contact details (a partner's
    /// contact mobile cannot register customers; empty clears).
    UpdatePartner {
        partner_id: String,
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        mobile: Option<String>,
        #[arg(long)]
        email: Option<String>,
    },
    /// Credit a partner's account from outside (the source of money in a deployment).
    CreditPartner {
        partner_id: String,
        /// Amount in yuan with at most 2 decimals, e.g. 1000.00
        amount: String,
        #[arg(long)]
        memo: Option<String>,
    },
    /// Print the catalogue's products (with inactive ones) and their prices.
    ListProducts {
        /// Print one JSON array instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Place a pending-payment new-purchase order for a customer, as the console would.
    PlaceOrder {
        #[arg(long)]
        customer: String,
        #[arg(long)]
        product: String,
        /// month | year
        #[arg(long)]
        period: String,
        /// How many months or years.
        #[arg(long, default_value_t = 1)]
        count: i64,
        /// How many units (default 1).
        #[arg(long, default_value_t = 1)]
        quantity: i64,
        /// Size of a linear product (GB, Mbit/s).
        #[arg(long)]
        size: Option<i64>,
        /// Print one JSON object {"order_id","amount"}.
        #[arg(long)]
        json: bool,
    },
    /// List every partner's cash balance (newest partners first) and their total.
    PartnerBalances {
        #[arg(long, default_value_t = 0)]
        offset: i64,
        #[arg(long, default_value_t = 100)]
        limit: i64,
        /// Print one JSON object instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Grant a coupon quota to a partner (operator): voucher (代金券额度) or cash (现金券额度).
    GrantQuota {
        partner_id: String,
        /// voucher | cash
        #[arg(long = "type")]
        quota_type: String,
        /// Amount in yuan with at most 2 decimals.
        #[arg(long)]
        amount: String,
        /// Expiry (RFC 3339); default one year from now.
        #[arg(long)]
        expires: Option<String>,
        /// Limit: the cloud service types its coupons may be used on, comma-separated (at most 10).
        #[arg(long, value_name = "A,B", default_value = "")]
        service_types: String,
        /// Limit: the product ids its coupons may be used on, comma-separated (at most 10).
        #[arg(long, value_name = "P1,P2", default_value = "")]
        products: String,
        /// Limit: the smallest face value of one coupon, in yuan.
        #[arg(long, value_name = "AMOUNT", default_value = "")]
        min_face: String,
        /// Limit: the largest face value of one coupon, in yuan.
        #[arg(long, value_name = "AMOUNT", default_value = "")]
        max_face: String,
        /// Limit: the most coupons the quota may issue in all.
        #[arg(long, value_name = "N", default_value = "")]
        max_count: String,
        /// Limit: the order types its coupons may pay, as order_type codes (1 new purchase,
        /// 2 renewal, 3 change, 10, 11, 13, 14, 15), comma-separated.
        #[arg(long, value_name = "1,2", default_value = "")]
        order_types: String,
        /// Limit: issue only to customers associated with a partner for the first time.
        #[arg(long)]
        first_association_only: bool,
        /// Print `{"quota_id": …}`.
        #[arg(long)]
        json: bool,
    },
    /// A partner grants one of its customers a discount (as its console would), on one product
    /// or on all; not below the operator's floor.
    GrantDiscount {
        #[arg(long)]
        partner: String,
        #[arg(long)]
        customer: String,
        /// Only this product (default: every product).
        #[arg(long)]
        product: Option<String>,
        /// The share of the price that is paid, e.g. 0.85.
        #[arg(long)]
        ratio: String,
        /// Print `{"discount_id": …}`.
        #[arg(long)]
        json: bool,
    },
    /// An operator promotion (discount type 0) for every customer, from now for `--days`.
    CreatePromotion {
        #[arg(long)]
        name: String,
        /// The share of the price that is paid, e.g. 0.8.
        #[arg(long)]
        ratio: String,
        /// Only this product (default: every product).
        #[arg(long)]
        product: Option<String>,
        #[arg(long, default_value_t = 30)]
        days: i64,
        /// Print `{"promotion_id": …}`.
        #[arg(long)]
        json: bool,
    },
    /// An operator takes an amount (yuan) off a pending order (price adjustment, 609).
    AdjustOrder {
        #[arg(long)]
        order: String,
        #[arg(long)]
        amount: String,
        #[arg(long)]
        reason: String,
    },
    /// Print a new random master key (64 hex digits), for a rotation.
    NewMasterKey,
    /// Re-seal every stored secret under the master key (opening each with it or with
    /// `--previous-master-key`): the second step of a rotation.
    ResealSecrets,
}

/// Prints a refusal on standard error in the command's language (an [`AppError`] carries both:
/// its code and the chosen one's message; so does a `MoneyError`) and exits with status 2.
pub(crate) fn fail<T: std::fmt::Display + 'static>(msg: T) -> ExitCode {
    let any: &dyn std::any::Any = &msg;
    let text = if let Some(e) = any.downcast_ref::<AppError>() {
        format!("{}: {}", e.code.vendor_code(), e.message(lang::zh()))
    } else if let (Some(e), true) = (
        any.downcast_ref::<pc_domain::money::MoneyError>(),
        lang::zh(),
    ) {
        e.zh()
    } else {
        msg.to_string()
    };
    eprintln!("{}{text}", lang::tr("错误：", "error: "));
    ExitCode::from(2)
}

/// Logs go to standard error through a writer thread that writes them in batches (`logs.rs`):
/// a request appends its formatted line to a buffer and never waits on the system call, nor
/// wakes a thread per line. Nothing is dropped. The returned guard writes what is left when
/// `run` returns.
fn init_logging(json: bool) -> logs::Guard {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,tokio_postgres=warn"));
    let (writer, guard) = logs::start(Box::new(std::io::stderr()));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    if json {
        b.json().init();
    } else {
        b.init();
    }
    guard
}

struct Resolved {
    database: String,
    db: ConnectOptions,
    master_key: Result<MasterKey, AppError>,
    file: FileConfig,
}

fn resolve(g: &Global) -> Result<Resolved, String> {
    let file = FileConfig::load(g.config.as_ref())?;
    let database = g
        .database
        .clone()
        .or_else(|| file.database.clone())
        .unwrap_or_else(|| config::DEFAULT_DATABASE.to_string());
    let mut db = ConnectOptions::default();
    if let Some(n) = g.db_pool.or(file.db_pool) {
        // Two at least: a write's transaction holds one while the same request may read.
        if !(2..=1000).contains(&n) {
            return Err(format!("--db-pool must be between 2 and 1000, not {n}"));
        }
        db.pg_max_connections = n;
    }
    let master_key = match g.master_key.clone().or_else(|| file.master_key.clone()) {
        Some(hex) => MasterKey::from_hex(&hex),
        None => {
            let path = g
                .master_key_file
                .clone()
                .or_else(|| file.master_key_file.clone())
                .unwrap_or_else(|| config::default_master_key_file(&database));
            MasterKey::load_or_create(&path)
        }
    };
    let master_key = match (
        master_key,
        g.previous_master_key
            .clone()
            .or_else(|| file.previous_master_key.clone()),
    ) {
        (Ok(k), Some(prev)) => MasterKey::from_hex(&prev).map(|p| k.with_previous(&p)),
        (k, _) => k,
    };
    Ok(Resolved {
        database,
        db,
        master_key,
        file,
    })
}

/// The command's "now": the system's time, moved by the database's test-clock offset when one is
/// set ([`follow_test_clock`]), so that jobs and admin commands act at the time servers started
/// with `serve --test-clock` run at. A database whose test clock was never set (or was reset)
/// leaves it on the system's time.
static CLI_CLOCK: OffsetClock = OffsetClock::new(0);

/// Connects and migrates, on the system's clock.
async fn connect(r: &Resolved) -> Result<Db, AppError> {
    let db = Db::connect_with(&r.database, &r.db).await?;
    migrate::run(&db).await?;
    Ok(db)
}

/// Connects and migrates; the command then runs on the database's test clock if it has one set.
async fn open(r: &Resolved) -> Result<Db, AppError> {
    let db = connect(r).await?;
    follow_test_clock(&db).await?;
    Ok(db)
}

/// Puts the command on the database's test clock (`admin clock`), saying so on standard error,
/// when one is set; else it stays on the system's time.
async fn follow_test_clock(db: &Db) -> Result<(), AppError> {
    let offset = pc_app::services::test_clock::offset(db.read()).await?;
    CLI_CLOCK.set_offset_ms(offset);
    if offset != 0 {
        let at = pc_domain::timefmt::format_utc(CLI_CLOCK.now_ms());
        if lang::zh() {
            eprintln!(
                "注意：此数据库的测试时钟已设置；按 {at} 执行（`admin clock reset` 恢复系统时间）"
            );
        } else {
            eprintln!("note: this database's test clock is set; acting at {at} (`admin clock reset` returns to the system's time)");
        }
    }
    Ok(())
}

fn cli_ctx() -> Ctx {
    let who = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    Ctx::new(
        Actor::System {
            name: format!("cli:{who}"),
        },
        format!("cli-{}", pc_domain::ids::random_hex(8)),
        CLI_CLOCK.now_ms(),
    )
}

/// The command line, parsed, its help in the language asked for ([`lang::localize`]).
pub fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    lang::init_from_args(&args);
    let matches = lang::localize(Cli::command()).get_matches_from(args);
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

pub async fn run(cli: Cli) -> ExitCode {
    lang::init(cli.global.lang.as_deref());
    let _logs = init_logging(cli.global.log_json);
    let r = match resolve(&cli.global) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    match cli.command {
        Command::Serve(args) => serve::serve(r, args).await,
        Command::Migrate => serve::migrate(&r).await,
        Command::Verify => serve::verify(&r).await,
        Command::Backup { to } => serve::backup(&r, to).await,
        Command::Outbox { limit, recipient } => serve::outbox(&r, limit, recipient).await,
        Command::Admin(a) => admin(r, a).await,
        Command::Jobs(j) => jobs::run(r, j).await,
        Command::Usage(u) => {
            let db = match open(&r).await {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            match u {
                UsageCmd::Import {
                    file,
                    format,
                    batch,
                    json,
                } => usage::import(db, file, format, batch, json).await,
                UsageCmd::Check { file, format } => usage::check(db, file, format).await,
            }
        }
    }
}

/// `admin …`: each command group in its own module.
async fn admin(r: Resolved, a: Admin) -> ExitCode {
    // `admin clock` moves the test clock relative to the system's time.
    let db = match if matches!(a, Admin::Clock(_)) {
        connect(&r).await
    } else {
        open(&r).await
    } {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    match a {
        Admin::CreateOperator { .. }
        | Admin::CreateOperatorKey { .. }
        | Admin::CreateStaff { .. }
        | Admin::NewMasterKey
        | Admin::ResealSecrets => keys::admin(&r, db, a).await,
        Admin::CreatePartner { .. }
        | Admin::CreateCustomer { .. }
        | Admin::UpdatePartner { .. } => partners::admin(&r, db, a).await,
        Admin::CreditPartner { .. } | Admin::PartnerBalances { .. } | Admin::GrantQuota { .. } => {
            funds::admin(db, a).await
        }
        Admin::ListProducts { .. }
        | Admin::PlaceOrder { .. }
        | Admin::GrantDiscount { .. }
        | Admin::CreatePromotion { .. }
        | Admin::AdjustOrder { .. } => orders::admin(db, a).await,
        Admin::Clock(cmd) => clock::admin(db, cmd).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn global(db_pool: Option<u32>) -> Global {
        Global {
            database: Some("postgres://h/db".into()),
            db_pool,
            config: None,
            master_key: Some("00".repeat(32)),
            master_key_file: None,
            previous_master_key: None,
            log_json: false,
            lang: None,
        }
    }

    #[test]
    fn the_pool_size_is_checked_and_applied() {
        let pool = |n| resolve(&global(n)).map(|r| r.db.pg_max_connections);
        assert_eq!(pool(None), Ok(16));
        assert_eq!(pool(Some(40)), Ok(40));
        assert!(pool(Some(1)).unwrap_err().contains("--db-pool"));
        assert!(pool(Some(1001)).is_err());
    }
}
