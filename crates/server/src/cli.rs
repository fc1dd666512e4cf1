//! The `partner-center` command line.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use pc_app::clock::SystemClock;
use pc_app::crypto::MasterKey;
use pc_app::services::{coupons, customers, demo, funds, identity, partners, staff};
use pc_app::store::{db::redact, ledger, migrate, outbox};
use pc_app::{Actor, AppError, Ctx, Db};
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;

use crate::config::{self, FileConfig, Settings};
use crate::state::AppState;

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
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Migrate, then serve the API, the console, /healthz, /readyz, /metrics and /openapi.json.
    Serve(ServeArgs),
    /// Apply database migrations and exit.
    Migrate,
    /// Re-derive every balance from the ledger and check the invariants; exits non-zero on a violation.
    Verify,
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
}

#[derive(Subcommand, Debug)]
pub enum Jobs {
    /// Run one job now: `coupon-expiry` (expire coupons past their expiry, return their remainder
    /// to valid quotas, recall coupons of customers no longer associated for resale) or
    /// `order-expiry` (cancel unpaid orders past their payment deadline) or
    /// `subscription-renewal` (auto-renew or expire resources past their expiry).
    Run {
        name: String,
        /// Print a JSON report (coupon-expiry).
        #[arg(long)]
        json: bool,
        /// Act as if it were this UTC time (2026-01-01T00:00:00Z) instead of now (order-expiry).
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
}

#[derive(Subcommand, Debug)]
pub enum Admin {
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

pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn init_logging(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        b.json().init();
    } else {
        b.init();
    }
}

struct Resolved {
    database: String,
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
        master_key,
        file,
    })
}

async fn open(database: &str) -> Result<Db, AppError> {
    let db = Db::connect(database).await?;
    migrate::run(&db).await?;
    Ok(db)
}

fn cli_ctx() -> Ctx {
    let who = std::env::var("USER").unwrap_or_else(|_| "cli".into());
    Ctx::new(
        Actor::System {
            name: format!("cli:{who}"),
        },
        format!("cli-{}", pc_domain::ids::random_hex(8)),
        pc_app::clock::Clock::now_ms(&SystemClock),
    )
}

pub async fn run(cli: Cli) -> ExitCode {
    init_logging(cli.global.log_json);
    let r = match resolve(&cli.global) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    match cli.command {
        Command::Serve(args) => serve(r, args).await,
        Command::Migrate => match Db::connect(&r.database).await {
            Ok(db) => match migrate::run(&db).await {
                Ok(v) => {
                    println!(
                        "migrated {} ({} new migration(s) applied)",
                        redact(&r.database),
                        v.len()
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            },
            Err(e) => fail(e),
        },
        Command::Verify => verify(&r.database).await,
        Command::Outbox { limit, recipient } => {
            let db = match open(&r.database).await {
                Ok(d) => d,
                Err(e) => return fail(e),
            };
            match outbox::list(db.read(), recipient.as_deref(), limit).await {
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
        Command::Admin(a) => admin(r, a).await,
        Command::Jobs(Jobs::Run { name, json, now }) => match name.as_str() {
            "order-expiry" | "subscription-renewal" => match open(&r.database).await {
                Ok(db) => crate::cli_orders::run_job(&db, cli_ctx(), &name, now.as_deref()).await,
                Err(e) => fail(e),
            },
            _ => run_job(&r.database, &name, json).await,
        },
    }
}

async fn admin(r: Resolved, a: Admin) -> ExitCode {
    let db = match open(&r.database).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let mk = || r.master_key.clone();
    match a {
        Admin::CreateOperator { login, password } => {
            let new = identity::Credentials {
                login: login.clone(),
                password,
            };
            match identity::create_operator(&db, cli_ctx(), new).await {
                Ok(id) => {
                    println!("operator {login} created ({id})");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreateOperatorKey {
            login,
            description,
            json,
        } => {
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            let k = identity::NewOperatorKey {
                operator_login: Some(login),
                description,
            };
            match identity::create_operator_key(&db, cli_ctx(), mk, k).await {
                Ok(identity::OperatorKey { user_id, key: k }) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"user_id": user_id, "access_key": k.access_key, "secret_key": k.secret_key})
                        );
                    } else {
                        println!("user_id (X-Domain-Id): {user_id}\naccess_key: {}\nsecret_key: {}  (shown once)", k.access_key, k.secret_key);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreatePartner {
            name,
            partner_type,
            parent,
            login,
            password,
            json,
        } => {
            let Some(t) = PartnerType::parse(&partner_type) else {
                return fail("--type must be one of distributor, reseller, consulting, solution, marketplace");
            };
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            match partners::create(
                &db,
                cli_ctx(),
                mk,
                partners::NewPartner {
                    name,
                    partner_type: t,
                    parent_id: parent,
                    login,
                    password,
                },
            )
            .await
            {
                Ok(p) => {
                    if json {
                        println!("{}", serde_json::to_string(&p).unwrap_or_default());
                    } else {
                        println!("partner_id:    {}\ndomain_id:     {}\nxaccount_type: {}\nlogin:         {}\npassword:      {}\naccess_key:    {}\nsecret_key:    {}  (shown once)",
                            p.partner_id, p.domain_id, p.xaccount_type, p.login, p.password, p.access_key, p.secret_key);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreateStaff {
            partner,
            login,
            password,
            display_name,
            json,
        } => {
            let input = staff::NewStaff {
                partner_id: Some(partner.clone()),
                login: login.clone(),
                password,
                display_name,
            };
            match staff::create(&db, cli_ctx(), input).await {
                Ok(user_id) => {
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({"user_id": user_id, "partner_id": partner, "login": login})
                        );
                    } else {
                        println!("staff {login} created for partner {partner} ({user_id})");
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreateCustomer {
            partner,
            association,
            name,
            label,
            json,
        } => {
            let Some(at) = AssociationType::parse(&association) else {
                return fail("--association must be resale or consulting");
            };
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            let input = customers::NewCustomer {
                partner_id: partner,
                association: at,
                domain_name: name,
                real_name: None,
                label,
                password: None,
            };
            match customers::create_associated(&db, cli_ctx(), mk, input).await {
                Ok(c) => {
                    if json {
                        println!("{}", serde_json::to_string(&c).unwrap_or_default());
                    } else {
                        println!("customer_id: {}\ndomain_name: {}\nlogin:       {}\npassword:    {}\naccess_key:  {}\nsecret_key:  {}  (shown once)",
                            c.customer_id, c.domain_name, c.login, c.password, c.access_key, c.secret_key);
                    }
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::UpdatePartner {
            partner_id,
            status,
            mobile,
            email,
        } => {
            let change = partners::ProfileChange {
                partner_id: partner_id.clone(),
                status,
                contact_mobile: mobile,
                contact_email: email,
            };
            match partners::update_profile(&db, cli_ctx(), change).await {
                Ok(()) => {
                    println!("partner {partner_id} updated");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::CreditPartner {
            partner_id,
            amount,
            memo,
        } => {
            let amount = match Money::parse(&amount) {
                Ok(m) => m,
                Err(e) => return fail(e),
            };
            let credit = funds::Credit {
                partner_id: partner_id.clone(),
                amount,
                memo,
            };
            let res = funds::credit_partner(&db, cli_ctx(), credit).await;
            match res {
                Ok(t) => {
                    println!(
                        "credited {amount} to {partner_id} (transfer {}); balance now {}",
                        t.transfer_id, t.balance_after
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::ListProducts { json } => crate::cli_orders::list_products(&db, json).await,
        Admin::PlaceOrder {
            customer,
            product,
            period,
            count,
            quantity,
            size,
            json,
        } => {
            crate::cli_orders::place_order(
                &db,
                cli_ctx(),
                crate::cli_orders::PlaceArgs {
                    customer,
                    product,
                    period,
                    count,
                    quantity,
                    size,
                    json,
                },
            )
            .await
        }
        Admin::PartnerBalances {
            offset,
            limit,
            json,
        } => {
            if let Err(e) = pc_app::store::filters::page(Some(offset), Some(limit), 10_000) {
                return fail(e);
            }
            let (count, total, list) =
                match funds::all_partner_balances(db.read(), offset, limit).await {
                    Ok(v) => v,
                    Err(e) => return fail(e),
                };
            if json {
                let partners: Vec<serde_json::Value> = list
                    .iter()
                    .map(|b| {
                        serde_json::json!({
                            "partner_id": b.partner.id,
                            "name": b.partner.name,
                            "partner_type": b.partner.partner_type.as_str(),
                            "parent_id": b.partner.parent_id,
                            "balance": b.balance,
                        })
                    })
                    .collect();
                let doc = serde_json::json!({"count": count, "total_balance": total, "partners": partners});
                println!("{doc}");
            } else {
                for b in &list {
                    println!(
                        "{:<28} {:>16}  {:<12} {}",
                        b.partner.id,
                        b.balance.to_string(),
                        b.partner.partner_type.as_str(),
                        b.partner.name
                    );
                }
                println!("{count} partner(s); all partners hold {total}");
            }
            ExitCode::SUCCESS
        }
        Admin::GrantQuota {
            partner_id,
            quota_type,
            amount,
            expires,
            service_types,
            products,
            min_face,
            max_face,
            max_count,
            order_types,
            first_association_only,
            json,
        } => {
            let limits = coupons::LimitInput {
                service_types,
                product_ids: products,
                min_face,
                max_face,
                max_count,
                order_types,
                first_association_only,
            };
            grant_quota(&db, partner_id, &quota_type, &amount, expires, limits, json).await
        }
        Admin::GrantDiscount {
            partner,
            customer,
            product,
            ratio,
            json,
        } => {
            let a = crate::cli_orders::DiscountArgs {
                partner,
                customer,
                product,
                ratio,
                json,
            };
            crate::cli_orders::grant_discount(&db, cli_ctx(), a).await
        }
        Admin::CreatePromotion {
            name,
            ratio,
            product,
            days,
            json,
        } => {
            let a = crate::cli_orders::PromotionArgs {
                name,
                ratio,
                product,
                days,
                json,
            };
            crate::cli_orders::create_promotion(&db, cli_ctx(), a).await
        }
        Admin::AdjustOrder {
            order,
            amount,
            reason,
        } => crate::cli_orders::adjust_order(&db, cli_ctx(), &order, &amount, &reason).await,
        Admin::NewMasterKey => {
            println!("{}", MasterKey::generate().to_hex());
            ExitCode::SUCCESS
        }
        Admin::ResealSecrets => {
            let mk = match mk() {
                Ok(k) => k,
                Err(e) => return fail(e),
            };
            match identity::reseal_secrets(&db, cli_ctx(), mk).await {
                Ok(n) => {
                    println!("{n} secret(s) re-sealed under the current master key");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
    }
}

async fn grant_quota(
    db: &Db,
    partner_id: String,
    quota_type: &str,
    amount: &str,
    expires: Option<String>,
    limits: coupons::LimitInput,
    json: bool,
) -> ExitCode {
    let Some(qt) = pc_domain::coupons::QuotaType::parse(quota_type) else {
        return fail("--type must be voucher or cash");
    };
    let amount = match Money::parse(amount) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let expire_at = match expires.as_deref().map(pc_domain::timefmt::parse_utc) {
        None => None,
        Some(Some(ms)) => Some(ms),
        Some(None) => return fail("--expires must be an RFC 3339 time like 2027-01-01T00:00:00Z"),
    };
    let limits = match limits.parse() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let ctx = cli_ctx();
    let g = coupons::NewQuota {
        partner_id,
        quota_type: qt,
        amount,
        effective_at: None,
        expire_at,
        limits,
    };
    match db
        .write(move |c| Box::pin(async move { coupons::grant_quota(c, &ctx, g).await }))
        .await
    {
        Ok(id) => {
            if json {
                println!("{}", serde_json::json!({ "quota_id": id }));
            } else {
                println!("granted {} quota {id} of {amount}", qt.as_str());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn run_job(database: &str, name: &str, json: bool) -> ExitCode {
    if name != "coupon-expiry" {
        return fail(format!(
            "unknown job {name:?} (known: coupon-expiry, order-expiry, subscription-renewal)"
        ));
    }
    let db = match open(database).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    match coupons::run_expiry_job(&db, &cli_ctx()).await {
        Ok(r) => {
            if json {
                println!("{}", serde_json::to_string(&r).unwrap_or_default());
            } else {
                println!(
                    "coupon-expiry: {} expired ({} returned to their quota), {} recalled after an association change",
                    r.expired, r.returned_to_quota, r.reclaimed_on_association_change
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn verify(database: &str) -> ExitCode {
    let db = match open(database).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let report = match ledger::verify(db.read()).await {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let tree = match partners::verify_tree(db.read()).await {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    let refunded = match pc_app::services::refunds::verify(db.read()).await {
        Ok(v) => v,
        Err(e) => return fail(e),
    };
    println!("database: {}", redact(database));
    println!(
        "checked {} ledger accounts and {} transfers:",
        report.accounts, report.transfers
    );
    println!("  - each cached balance equals the sum of its entries");
    println!("  - each transfer's recorded running balances match a replay in order");
    println!(
        "  - the balances of all accounts sum to zero (sum = {})",
        report.total
    );
    println!("  - no bounded account is below its floor");
    println!(
        "  - every transfer is named by an audit row ({} of {})",
        report.audited_transfers, report.transfers
    );
    println!("  - partner tree roots, association tenants and customer counts are consistent");
    println!("  - no order's cash or coupon had more refunded than it paid");
    let violations: Vec<String> = report
        .violations
        .into_iter()
        .chain(tree)
        .chain(refunded)
        .collect();
    if violations.is_empty() {
        println!("OK: no violations");
        ExitCode::SUCCESS
    } else {
        for v in &violations {
            println!("VIOLATION: {v}");
        }
        println!("FAILED: {} violation(s)", violations.len());
        ExitCode::FAILURE
    }
}

async fn serve(r: Resolved, args: ServeArgs) -> ExitCode {
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
    let mk = match r.master_key.clone() {
        Ok(k) => k,
        Err(e) => return fail(e),
    };
    let db = match open(&r.database).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    let settings = Settings {
        signature_window_secs: args
            .signature_window_secs
            .or(r.file.signature_window_secs)
            .unwrap_or(900),
        secure_cookies: args.secure_cookies || r.file.secure_cookies.unwrap_or(false),
        strict_replay: args.strict_replay || r.file.strict_replay.unwrap_or(false),
        ..Settings::default()
    };
    if args.demo {
        match demo::load_once(&db, cli_ctx(), mk.clone()).await {
            Ok(Some(info)) => {
                println!(
                    "Demo data loaded. Console logins (password for all: {}):",
                    demo::DEMO_PASSWORD
                );
                for (role, login, _) in &info.logins {
                    println!("  {role:<26} {login}");
                }
                let d = &info.distributor;
                println!("Demo master distributor API credentials (GlobalCredentials):");
                println!(
                    "  access_key: {}\n  secret_key: {}\n  domain_id:  {}",
                    d.access_key, d.secret_key, d.domain_id
                );
            }
            Ok(None) => println!(
                "Demo data already loaded (logins as printed on first start; password {}).",
                demo::DEMO_PASSWORD
            ),
            Err(e) => return fail(e),
        }
    }
    let state = AppState::new(db, mk, Arc::new(SystemClock), settings);
    let app = crate::http::app(state);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => return fail(format!("cannot listen on {addr}: {e}")),
    };
    println!(
        "Partner Center listening on http://{addr} (console: http://{addr}/console, database {})",
        redact(&r.database)
    );
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
