//! Identity and access: console users (operators, partner admins and staff, customers), sessions
//! with CSRF tokens, and access keys for the vendor API (secret shown once, stored encrypted).
//!
//! **Size.** Over 800 lines: logins and sessions, partner keys, operator keys and secret
//! resealing. Next split: `identity/{sessions,keys}`.

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::party::{PartnerType, Role};

use crate::context::{Actor, Ctx};
use crate::crypto::{self, MasterKey};
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, outbox, Db};

/// How long a console session lives without being renewed.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;

pub fn validate_login(login: &str) -> AppResult<()> {
    let ok = (3..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "a login is 3 to 64 characters: letters, digits, _ - . @",
        ))
    }
}

pub fn validate_password(pw: &str) -> AppResult<()> {
    let classes = [
        pw.bytes().any(|b| b.is_ascii_uppercase()),
        pw.bytes().any(|b| b.is_ascii_lowercase()),
        pw.bytes().any(|b| b.is_ascii_digit()),
        pw.bytes().any(|b| !b.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if pw.chars().count() < 8 || pw.len() > 128 || classes < 2 {
        return Err(AppError::invalid(
            "a password has 8 to 128 characters and at least two of: upper case, lower case, digits, symbols",
        ));
    }
    Ok(())
}

/// Inserts a console user. `password_hash` is argon2 (hash before entering the write job: it is slow).
pub async fn insert_user(
    c: &mut Conn,
    ctx: &Ctx,
    login: &str,
    password_hash: &str,
    role: Role,
    partner_id: Option<&str>,
    customer_id: Option<&str>,
) -> AppResult<String> {
    let id = pc_domain::UserId::generate().into_string();
    let r = sql::query(
        "INSERT INTO users (id, login, password_hash, role, partner_id, customer_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(login)
    .bind(password_hash)
    .bind(role.as_str())
    .bind(partner_id.map(str::to_string))
    .bind(customer_id.map(str::to_string))
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await;
    crate::error::unique_violation_as(r, || {
        AppError::with(Code::AlreadyExists, format!("login {login:?} is taken"))
    })?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "user.create",
            target_kind: "user",
            target_id: &id,
            transfer_ids: &[],
            detail: serde_json::json!({"login": login, "role": role.as_str()}),
        },
    )
    .await?;
    Ok(id)
}

/// A console user's language, set inside the caller's transaction (a registration sets the
/// language the visitor chose).
pub(crate) async fn set_lang_in(c: &mut Conn, user_id: &str, lang: &str) -> AppResult<()> {
    sql::query("UPDATE users SET lang = $1 WHERE id = $2")
        .bind(lang)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// The login of a partner's console user, `None` when the user is not that partner's.
pub(crate) async fn login_of_partner_user(
    c: &mut Conn,
    user_id: &str,
    partner_id: &str,
) -> AppResult<Option<String>> {
    Ok(
        sql::query_scalar("SELECT login FROM users WHERE id = $1 AND partner_id = $2")
            .bind(user_id)
            .bind(partner_id)
            .fetch_optional(&mut *c)
            .await?,
    )
}

/// How many console users a login name has (0 or 1), as a scalar subquery on the placeholder
/// `param`: a capability that checks a name against its own accounts too (a customer's account
/// name is also its login) asks both in one statement.
pub(crate) fn login_uses_sql(param: &str) -> String {
    format!("(SELECT COUNT(*) FROM users WHERE login = {param})")
}

/// The login of the first administrator of the partner whose id the SQL expression `partner`
/// gives, as a scalar subquery: a reseller's account name in the vendor API's list of resellers,
/// read (and filtered on) in the list's own statement.
pub(crate) fn first_admin_login_sql(partner: &str) -> String {
    format!(
        "(SELECT v.login FROM users v WHERE v.partner_id = {partner} AND v.role = 'partner_admin' \
         ORDER BY v.created_at, v.id LIMIT 1)"
    )
}

/// A partner's console user, as its staff page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartnerUser {
    pub user_id: String,
    pub login: String,
    pub display_name: Option<String>,
    pub role: Role,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    pub disabled_at: Option<i64>,
}

/// A partner's console users: admins first, then staff, oldest first.
pub(crate) async fn users_of_partner<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    partner_id: &str,
) -> AppResult<Vec<PartnerUser>> {
    let rows = sql::query(
        "SELECT id, login, display_name, role, created_at, last_login_at, disabled_at FROM users \
         WHERE partner_id = $1 ORDER BY CASE WHEN role = $2 THEN 0 ELSE 1 END, created_at, login",
    )
    .bind(partner_id)
    .bind(Role::PartnerAdmin.as_str())
    .fetch_all(exec)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PartnerUser {
                user_id: r.get(0),
                login: r.get(1),
                display_name: r.get(2),
                role: Role::parse(&r.get::<String, _>(3))
                    .ok_or_else(|| AppError::internal("user with an unknown role"))?,
                created_at: r.get(4),
                last_login_at: r.get(5),
                disabled_at: r.get(6),
            })
        })
        .collect()
}

/// How many console users a partner has.
pub(crate) async fn count_partner_users(c: &mut Conn, partner_id: &str) -> AppResult<i64> {
    Ok(
        sql::query_scalar("SELECT COUNT(*) FROM users WHERE partner_id = $1")
            .bind(partner_id)
            .fetch_one(&mut *c)
            .await?,
    )
}

/// One of a partner's console users: its login, role and `disabled_at`; `None` when the user is
/// not that partner's.
pub(crate) async fn partner_user(
    c: &mut Conn,
    partner_id: &str,
    user_id: &str,
) -> AppResult<Option<(String, Option<Role>, Option<i64>)>> {
    let row =
        sql::query("SELECT login, role, disabled_at FROM users WHERE id = $1 AND partner_id = $2")
            .bind(user_id)
            .bind(partner_id)
            .fetch_optional(&mut *c)
            .await?;
    Ok(row.map(|r| (r.get(0), Role::parse(&r.get::<String, _>(1)), r.get(2))))
}

/// Sets a console user's display name.
pub(crate) async fn set_display_name(
    c: &mut Conn,
    user_id: &str,
    display_name: Option<&str>,
) -> AppResult<()> {
    sql::query("UPDATE users SET display_name = $1 WHERE id = $2")
        .bind(display_name.map(str::to_string))
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Disables a console user as of `at`, or re-enables it (`None`).
pub(crate) async fn set_disabled_at(c: &mut Conn, user_id: &str, at: Option<i64>) -> AppResult<()> {
    sql::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
        .bind(at)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Replaces a console user's password hash (argon2, hashed before the write job).
pub(crate) async fn set_password_hash(c: &mut Conn, user_id: &str, hash: &str) -> AppResult<()> {
    sql::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Ends every console session of a user; returns how many there were.
pub(crate) async fn end_sessions(c: &mut Conn, user_id: &str) -> AppResult<u64> {
    let r = sql::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(r.rows_affected())
}

/// A console login and its password, as typed.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub login: String,
    pub password: String,
}

/// An operator (or the command line) creates an operator's console login; returns its user id.
pub async fn create_operator(db: &Db, ctx: Ctx, new: Credentials) -> AppResult<String> {
    ctx.actor.require_operator()?;
    let Credentials { login, password } = new;
    validate_login(&login)?;
    validate_password(&password)?;
    let hash = crypto::hash_password(&password)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(
            async move { insert_user(c, &ctx, &login, &hash, Role::Operator, None, None).await },
        )
    })
    .await
}

/// A logged-in user, as the console sees it.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user_id: String,
    pub login: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub root_id: Option<String>,
    pub partner_type: Option<PartnerType>,
    pub partner_name: Option<String>,
    pub customer_id: Option<String>,
    pub lang: String,
    pub csrf: String,
}

/// A user whose password was just checked.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub user_id: String,
    pub role: Role,
    pub partner_id: Option<String>,
    pub customer_id: Option<String>,
}

/// Checks a login and password (`PC.0401` on failure). Failures take the same path whether the
/// login exists or not.
pub async fn authenticate(pool: &ReadPool, login: &str, password: String) -> AppResult<AuthUser> {
    let row = sql::query(
        "SELECT id, password_hash, role, partner_id, customer_id FROM users WHERE login = $1 AND disabled_at IS NULL",
    )
    .bind(login)
    .fetch_optional(pool)
    .await?;
    // A dummy hash keeps timing similar for unknown logins.
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$2b0yMgq2JVB0l+Yl3ByBq5J2Z0UqUeN2ZG0mJ0HtE1M";
    let hash = match &row {
        Some(r) => r.get::<String, _>(1),
        None => DUMMY.to_string(),
    };
    let ok = tokio::task::spawn_blocking(move || crypto::verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    match (ok, row) {
        (true, Some(r)) => Ok(AuthUser {
            user_id: r.get(0),
            role: Role::parse(&r.get::<String, _>(2))
                .ok_or_else(|| AppError::internal("user with an unknown role"))?,
            partner_id: r.get(3),
            customer_id: r.get(4),
        }),
        _ => Err(AppError::new(Code::LoginFailed)),
    }
}

/// Opens a console session for `user_id` inside the caller's transaction and returns its token
/// (for the cookie). Audited as a login.
pub async fn insert_session(c: &mut Conn, ctx: &Ctx, user_id: &str) -> AppResult<String> {
    let token = random_hex(32);
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let csrf = random_hex(16);
    sql::query("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(&token_hash)
        .bind(user_id)
        .bind(&csrf)
        .bind(ctx.now_ms)
        .bind(ctx.now_ms + SESSION_TTL_MS)
        .execute(&mut *c)
        .await?;
    // Shown to the partner's admins on the staff page (services/partners/staff.rs).
    sql::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(ctx.now_ms)
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "session.login",
            target_kind: "user",
            target_id: user_id,
            transfer_ids: &[],
            detail: serde_json::json!({}),
        },
    )
    .await?;
    Ok(token)
}

/// Checks a login and password; on success opens a session and returns its token (for the
/// cookie). Nothing is written for a failed login (`PC.0401`).
pub async fn login(db: &Db, ctx: Ctx, cred: Credentials) -> AppResult<String> {
    let user = authenticate(db.read(), &cred.login, cred.password).await?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { insert_session(c, &ctx, &user.user_id).await })
    })
    .await
}

pub async fn session_user(
    pool: &ReadPool,
    token: &str,
    now_ms: i64,
) -> AppResult<Option<SessionUser>> {
    let token_hash = crypto::sha256_hex(token.as_bytes());
    let row = sql::query(
        "SELECT u.id, u.login, u.role, u.partner_id, u.customer_id, u.lang, s.csrf_token, p.root_id, p.partner_type, p.name \
         FROM sessions s JOIN users u ON u.id = s.user_id LEFT JOIN partners p ON p.id = u.partner_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
    )
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        Some(SessionUser {
            user_id: r.get(0),
            login: r.get(1),
            role: Role::parse(&r.get::<String, _>(2))?,
            partner_id: r.get(3),
            customer_id: r.get(4),
            lang: r.get(5),
            csrf: r.get(6),
            root_id: r.get(7),
            partner_type: r
                .get::<Option<String>, _>(8)
                .and_then(|t| PartnerType::parse(&t)),
            partner_name: r.get(9),
        })
    }))
}

/// Ends the console session whose cookie holds `token`.
pub async fn logout(db: &Db, ctx: Ctx, token: String) -> AppResult<()> {
    let token_hash = crypto::sha256_hex(token.as_bytes());
    db.run(ctx, move |c, _ctx| {
        Box::pin(async move {
            sql::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(&token_hash)
                .execute(c)
                .await?;
            Ok(())
        })
    })
    .await
}

pub const LANGS: [&str; 2] = ["zh-CN", "en-US"];

/// The console user acting (an operator, a partner's user, a customer's login); an access key or
/// the command line has none (`CBC.0151`).
fn console_user(actor: &Actor) -> AppResult<String> {
    match actor {
        Actor::Operator { user_id }
        | Actor::Partner {
            user_id: Some(user_id),
            ..
        }
        | Actor::Customer {
            user_id: Some(user_id),
            ..
        } => Ok(user_id.clone()),
        _ => Err(AppError::with(
            Code::AccessDenied,
            "only a console user has a console language",
        )),
    }
}

/// The acting console user's language (`zh-CN` or `en-US`).
pub async fn set_language(db: &Db, ctx: Ctx, lang: String) -> AppResult<()> {
    let user_id = console_user(&ctx.actor)?;
    if !LANGS.contains(&lang.as_str()) {
        return Err(AppError::invalid("language must be zh-CN or en-US"));
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            set_lang_in(c, &user_id, &lang).await?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "user.set_language",
                    target_kind: "user",
                    target_id: &user_id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"lang": lang}),
                },
            )
            .await
        })
    })
    .await
}

// ---------------------------------------------------------------------------------------------
// Access keys
//
// **Operator keys (decision).** An operator key belongs to one operator user (`owner_kind
// 'operator'`, `user_id`), not to the operator team: every call signed with it is audited as that
// operator, it stops working when the user is disabled, and only its owner lists and revokes it.
// It authenticates as [`Principal::Operator`], which reaches the operator operations of the native
// API only; the vendor API refuses it (`CBC.0155`), as it refuses a key of the wrong kind.

/// Whose key it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyOwner {
    Partner { partner_id: String },
    Customer { customer_id: String },
    Operator { user_id: String },
}

impl KeyOwner {
    /// (`owner_kind`, the `access_keys` column naming the owner, the owner's id).
    fn parts(&self) -> (&'static str, &'static str, &str) {
        match self {
            KeyOwner::Partner { partner_id } => ("partner", "partner_id", partner_id),
            KeyOwner::Customer { customer_id } => ("customer", "customer_id", customer_id),
            KeyOwner::Operator { user_id } => ("operator", "user_id", user_id),
        }
    }
}

/// A key's secret and its owner, for the signature verifier.
#[derive(Debug, Clone)]
pub struct KeyInfo {
    pub secret: String,
    pub principal: Principal,
}

/// The identity an access key authenticates as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    Partner {
        partner_id: String,
        root_id: String,
        domain_id: String,
        partner_type: PartnerType,
    },
    Customer {
        customer_id: String,
    },
    /// An operator (the vendor's channel team): native operator operations only.
    Operator {
        user_id: String,
    },
}

impl Principal {
    /// `partner`, `customer` or `operator`: the words of an operation's `callers`.
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::Partner { .. } => "partner",
            Principal::Customer { .. } => "customer",
            Principal::Operator { .. } => "operator",
        }
    }

    /// The value the SDK sends as `X-Domain-Id` for this principal (an operator's is its user id).
    pub fn domain_id(&self) -> &str {
        match self {
            Principal::Partner { domain_id, .. } => domain_id,
            Principal::Customer { customer_id } => customer_id,
            Principal::Operator { user_id } => user_id,
        }
    }
}

/// A new key with its secret, shown once. No adapter sends an idempotency key for the use cases
/// that return one, so [`Db::run`] never keeps the secret in clear.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct NewKey {
    pub access_key: String,
    pub secret_key: String,
}

pub fn generate_key_pair() -> NewKey {
    NewKey {
        access_key: crypto::random_token(20, crypto::UPPER_ALNUM),
        secret_key: crypto::random_token(40, crypto::MIXED_ALNUM),
    }
}

/// Inserts a key inside the caller's transaction and records it in the audit log. A notice goes to
/// the outbox for the owner's administrators.
pub async fn insert_access_key(
    c: &mut Conn,
    ctx: &Ctx,
    mk: &MasterKey,
    owner: &KeyOwner,
    root_id: Option<&str>,
    description: &str,
) -> AppResult<NewKey> {
    let key = generate_key_pair();
    let (kind, _, owner_id) = owner.parts();
    let id_of = |k: &str| (kind == k).then(|| owner_id.to_string());
    let (pid, cid, uid) = (id_of("partner"), id_of("customer"), id_of("operator"));
    sql::query(
        "INSERT INTO access_keys (access_key, owner_kind, partner_id, customer_id, user_id, root_id, secret_enc, description, created_by, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&key.access_key)
    .bind(kind)
    .bind(pid.clone())
    .bind(cid.clone())
    .bind(uid.clone())
    .bind(root_id.map(str::to_string))
    .bind(mk.seal(&key.secret_key))
    .bind(description)
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "access_key.create",
            target_kind: "access_key",
            target_id: &key.access_key,
            transfer_ids: &[],
            detail: serde_json::json!({"owner_kind": kind, "partner_id": pid, "customer_id": cid, "user_id": uid}),
        },
    )
    .await?;
    outbox::enqueue(
        c,
        ctx,
        root_id,
        "email",
        owner_id,
        "New access key / 新的访问密钥",
        &format!(
            "Access key {} was created by {}. / 访问密钥 {} 已由 {} 创建。",
            key.access_key,
            ctx.actor.id(),
            key.access_key,
            ctx.actor.id()
        ),
    )
    .await?;
    Ok(key)
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct KeyRow {
    pub access_key: String,
    pub description: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
}

/// The acting user's own keys (an operator's, or its partner's or customer's), newest first,
/// revoked ones included (`CBC.0151` for the system, which holds none).
pub async fn list_keys(db: &Db, ctx: &Ctx) -> AppResult<Vec<KeyRow>> {
    let owner = match &ctx.actor {
        Actor::Operator { user_id } => KeyOwner::Operator {
            user_id: user_id.clone(),
        },
        Actor::Partner { partner_id, .. } => KeyOwner::Partner {
            partner_id: partner_id.clone(),
        },
        Actor::Customer { customer_id, .. } => KeyOwner::Customer {
            customer_id: customer_id.clone(),
        },
        Actor::System { .. } => return Err(AppError::new(Code::AccessDenied)),
    };
    keys_of(db.read(), &owner).await
}

/// A partner's keys, newest first: an operator, the system or the partner itself may see them
/// (`CBC.0151` for anyone else).
pub async fn list_partner_keys(db: &Db, ctx: &Ctx, partner_id: &str) -> AppResult<Vec<KeyRow>> {
    match &ctx.actor {
        Actor::Operator { .. } | Actor::System { .. } => {}
        Actor::Partner {
            partner_id: own, ..
        } if own == partner_id => {}
        _ => return Err(AppError::new(Code::AccessDenied)),
    }
    let owner = KeyOwner::Partner {
        partner_id: partner_id.to_string(),
    };
    keys_of(db.read(), &owner).await
}

/// The keys of one owner, newest first, revoked ones included.
async fn keys_of(pool: &ReadPool, owner: &KeyOwner) -> AppResult<Vec<KeyRow>> {
    let (kind, column, id) = owner.parts();
    let rows = sql::query(&format!(
        "SELECT access_key, COALESCE(description, ''), created_at, revoked_at FROM access_keys \
         WHERE owner_kind = $1 AND {column} = $2 ORDER BY created_at DESC, access_key"
    ))
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| KeyRow {
            access_key: r.get(0),
            description: r.get(1),
            created_at: r.get(2),
            revoked_at: r.get(3),
        })
        .collect())
}

/// Most keys one owner (partner or operator) may hold unrevoked.
pub const MAX_ACTIVE_KEYS: i64 = 5;

/// Creates a key for `owner` after checking the description and the owner's number of active
/// keys; `root_id` is the owner's tenant (none for an operator).
async fn create_key(
    c: &mut Conn,
    ctx: &Ctx,
    mk: &MasterKey,
    owner: KeyOwner,
    root_id: Option<&str>,
    description: &str,
) -> AppResult<NewKey> {
    let (kind, column, id) = owner.parts();
    let active: i64 = sql::query_scalar(&format!(
        "SELECT COUNT(*) FROM access_keys WHERE owner_kind = $1 AND {column} = $2 AND revoked_at IS NULL"
    ))
    .bind(kind)
    .bind(id)
    .fetch_one(&mut *c)
    .await?;
    if active >= MAX_ACTIVE_KEYS {
        return Err(AppError::invalid(format!(
            "at most {MAX_ACTIVE_KEYS} active access keys; revoke one first"
        )));
    }
    insert_access_key(c, ctx, mk, &owner, root_id, description).await
}

fn check_description(description: &str) -> AppResult<()> {
    if description.chars().count() > 100 {
        return Err(AppError::invalid(
            "a description has at most 100 characters",
        ));
    }
    Ok(())
}

/// A partner admin creates an access key for its own partner.
pub async fn create_partner_key(
    db: &Db,
    ctx: Ctx,
    mk: MasterKey,
    description: String,
) -> AppResult<NewKey> {
    let partner_id = partner_admin(&ctx.actor)?;
    // The key's tenant is the acting admin's, as authenticated (invariant 4).
    let root = ctx.actor.root_id().unwrap_or_default().to_string();
    check_description(&description)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            create_key(
                c,
                &ctx,
                &mk,
                KeyOwner::Partner { partner_id },
                Some(&root),
                &description,
            )
            .await
        })
    })
    .await
}

/// The partner whose administrator is acting: a partner's keys are its admins' to manage
/// (`CBC.0151` for its staff and anyone else).
fn partner_admin(actor: &Actor) -> AppResult<String> {
    match actor {
        Actor::Partner {
            partner_id,
            role: Role::PartnerAdmin,
            ..
        } => Ok(partner_id.clone()),
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

/// An operator key to create.
#[derive(Debug, Clone, Default)]
pub struct NewOperatorKey {
    /// Whose key, by console login: the command line names the operator; an operator acting for
    /// itself leaves it `None` (naming another operator is `CBC.0151`).
    pub operator_login: Option<String>,
    pub description: String,
}

/// A new operator key and its owner's user id (the `X-Domain-Id` it signs with).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct OperatorKey {
    pub user_id: String,
    pub key: NewKey,
}

/// Creates an access key owned by an active operator: an operator for itself, or the command line
/// for the operator it names. Any other actor is `CBC.0151`; an unknown or disabled operator
/// `PC.0404`.
pub async fn create_operator_key(
    db: &Db,
    ctx: Ctx,
    mk: MasterKey,
    k: NewOperatorKey,
) -> AppResult<OperatorKey> {
    let me = match &ctx.actor {
        Actor::Operator { user_id } => Some(user_id.clone()),
        Actor::System { .. } if k.operator_login.is_some() => None,
        Actor::System { .. } => return Err(AppError::invalid("name the operator (its login)")),
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    check_description(&k.description)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let operator = Role::Operator.as_str();
            let user_id: String = match &k.operator_login {
                Some(login) => sql::query_scalar(
                    "SELECT id FROM users WHERE login = $1 AND role = $2 AND disabled_at IS NULL",
                )
                .bind(login)
                .bind(operator)
                .fetch_optional(&mut *c)
                .await?
                .ok_or_else(|| {
                    AppError::with(Code::NotFound, format!("no active operator {login:?}"))
                })?,
                None => sql::query_scalar(
                    "SELECT id FROM users WHERE id = $1 AND role = $2 AND disabled_at IS NULL",
                )
                .bind(me.clone())
                .bind(operator)
                .fetch_optional(&mut *c)
                .await?
                .ok_or_else(|| AppError::new(Code::NotFound))?,
            };
            if me.as_ref().is_some_and(|me| *me != user_id) {
                return Err(AppError::new(Code::AccessDenied));
            }
            let key = create_key(
                c,
                &ctx,
                &mk,
                KeyOwner::Operator {
                    user_id: user_id.clone(),
                },
                None,
                &k.description,
            )
            .await?;
            Ok(OperatorKey { user_id, key })
        })
    })
    .await
}

/// A partner admin revokes one of its partner's keys. A key of another partner is "not found".
pub async fn revoke_partner_key(db: &Db, ctx: Ctx, access_key: String) -> AppResult<()> {
    let partner_id = partner_admin(&ctx.actor)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            audit::stamp_owned(
                c,
                &ctx,
                audit::Stamp {
                    table: "access_keys",
                    key_column: "access_key",
                    stamp_column: "revoked_at",
                    key: &access_key,
                    partner_id: &partner_id,
                    action: "access_key.revoke",
                    target_kind: "access_key",
                },
            )
            .await
        })
    })
    .await
}

/// An operator revokes one of its own keys. Any other key (another operator's, a partner's) is
/// "not found"; anyone but an operator is `CBC.0151`.
pub async fn revoke_operator_key(db: &Db, ctx: Ctx, access_key: String) -> AppResult<()> {
    let Actor::Operator { user_id } = &ctx.actor else {
        return Err(AppError::new(Code::AccessDenied));
    };
    let user_id = user_id.clone();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let revoked = audit::change(
                c,
                &ctx,
                sql::query(
                    "UPDATE access_keys SET revoked_at = $1 WHERE access_key = $2 AND owner_kind = 'operator' \
                     AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(ctx.now_ms)
                .bind(&access_key)
                .bind(&user_id),
                audit::Entry {
                    action: "access_key.revoke",
                    target_kind: "access_key",
                    target_id: &access_key,
                    transfer_ids: &[],
                    detail: serde_json::json!({"user_id": user_id}),
                },
            )
            .await?;
            if revoked {
                Ok(())
            } else {
                Err(AppError::new(Code::NotFound))
            }
        })
    })
    .await
}

/// Finds an unrevoked key and decrypts its secret. An operator key whose owner was disabled (or
/// is no longer an operator) is as good as revoked.
pub async fn lookup_key(
    pool: &ReadPool,
    mk: &MasterKey,
    access_key: &str,
) -> AppResult<Option<KeyInfo>> {
    let row = sql::query(
        "SELECT k.secret_enc, k.owner_kind, k.partner_id, k.customer_id, p.root_id, p.domain_id, p.partner_type, \
         k.user_id, u.role, u.disabled_at \
         FROM access_keys k LEFT JOIN partners p ON p.id = k.partner_id LEFT JOIN users u ON u.id = k.user_id \
         WHERE k.access_key = $1 AND k.revoked_at IS NULL",
    )
    .bind(access_key)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let kind: String = r.get(1);
    let principal = match kind.as_str() {
        "partner" => Principal::Partner {
            partner_id: r.get::<Option<String>, _>(2).unwrap_or_default(),
            root_id: r.get::<Option<String>, _>(4).unwrap_or_default(),
            domain_id: r.get::<Option<String>, _>(5).unwrap_or_default(),
            partner_type: r
                .get::<Option<String>, _>(6)
                .and_then(|t| PartnerType::parse(&t))
                .ok_or_else(|| AppError::internal("access key of an unknown partner"))?,
        },
        "customer" => Principal::Customer {
            customer_id: r.get::<Option<String>, _>(3).unwrap_or_default(),
        },
        "operator" => {
            let active_operator = r.get::<Option<String>, _>(8).as_deref()
                == Some(Role::Operator.as_str())
                && r.get::<Option<i64>, _>(9).is_none();
            match r.get::<Option<String>, _>(7) {
                Some(user_id) if active_operator => Principal::Operator { user_id },
                _ => return Ok(None),
            }
        }
        other => {
            return Err(AppError::internal(format!(
                "access key with owner kind {other:?}"
            )))
        }
    };
    let secret = mk.open(&r.get::<String, _>(0))?;
    Ok(Some(KeyInfo { secret, principal }))
}

/// How long a new key's secret waits to be shown.
pub const KEY_FLASH_TTL_MS: i64 = 10 * 60 * 1000;

/// Keeps a new key's secret, sealed under the master key, for the console session
/// (`session_hash`) that created it to see once: the page after the redirect may be served by
/// another instance. Replaces what that session had waiting; drops entries past their time.
pub async fn stash_new_key(
    db: &Db,
    ctx: Ctx,
    mk: &MasterKey,
    session_hash: String,
    key: &NewKey,
) -> AppResult<()> {
    let (ak, sealed) = (key.access_key.clone(), mk.seal(&key.secret_key));
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let now = ctx.now_ms;
            sql::query("DELETE FROM key_flash WHERE session_hash = $1 OR created_at < $2")
                .bind(&session_hash)
                .bind(now - KEY_FLASH_TTL_MS)
                .execute(&mut *c)
                .await?;
            sql::query(
                "INSERT INTO key_flash (session_hash, access_key, sealed_secret, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&session_hash)
            .bind(&ak)
            .bind(&sealed)
            .bind(now)
            .execute(&mut *c)
            .await?;
            Ok(())
        })
    })
    .await
}

/// Takes (and forgets) the secret waiting for `session_hash`, if it is still fresh.
pub async fn take_new_key(
    db: &Db,
    ctx: Ctx,
    mk: &MasterKey,
    session_hash: String,
) -> AppResult<Option<NewKey>> {
    let now = ctx.now_ms;
    let row: Option<(String, String, i64)> = db
        .run(ctx, move |c, _ctx| {
            Box::pin(async move {
                Ok(sql::query_as(
                    "DELETE FROM key_flash WHERE session_hash = $1 RETURNING access_key, sealed_secret, created_at",
                )
                .bind(&session_hash)
                .fetch_optional(&mut *c)
                .await?)
            })
        })
        .await?;
    match row {
        Some((access_key, sealed, at)) if now - at <= KEY_FLASH_TTL_MS => Ok(Some(NewKey {
            access_key,
            secret_key: mk.open(&sealed)?,
        })),
        _ => Ok(None),
    }
}

/// Re-seals every stored secret (access keys, secrets waiting to be shown) under `mk`'s key,
/// opening each with it or its previous key: the second step of a master-key rotation (see
/// `crate::crypto`). One transaction; returns how many secrets were re-sealed.
pub async fn reseal_secrets(db: &Db, ctx: Ctx, mk: MasterKey) -> AppResult<usize> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let keys: Vec<(String, String)> =
                sql::query_as("SELECT access_key, secret_enc FROM access_keys")
                    .fetch_all(&mut *c)
                    .await?;
            let flashes: Vec<(String, String)> =
                sql::query_as("SELECT session_hash, sealed_secret FROM key_flash")
                    .fetch_all(&mut *c)
                    .await?;
            for (ak, sealed) in &keys {
                sql::query("UPDATE access_keys SET secret_enc = $1 WHERE access_key = $2")
                    .bind(mk.seal(&mk.open(sealed)?))
                    .bind(ak)
                    .execute(&mut *c)
                    .await?;
            }
            for (h, sealed) in &flashes {
                sql::query("UPDATE key_flash SET sealed_secret = $1 WHERE session_hash = $2")
                    .bind(mk.seal(&mk.open(sealed)?))
                    .bind(h)
                    .execute(&mut *c)
                    .await?;
            }
            let n = keys.len() + flashes.len();
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "keys.reseal",
                    target_kind: "master_key",
                    target_id: "-",
                    transfer_ids: &[],
                    detail: serde_json::json!({"secrets": n}),
                },
            )
            .await?;
            Ok(n)
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_and_login_rules() {
        assert!(validate_password("abcdefgh").is_err());
        assert!(validate_password("abcdefg1").is_ok());
        assert!(validate_password("Ab1").is_err());
        assert!(validate_login("ok_login").is_ok());
        assert!(validate_login("no spaces").is_err());
        assert!(validate_login("ab").is_err());
    }
}
