//! Console sessions: logging in (the password check, the session and its CSRF token), the
//! session behind a cookie, logging out.

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::party::{PartnerType, Role};

use super::Credentials;
use crate::context::Ctx;
use crate::crypto;
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, Db};

/// How long a console session lives without being renewed.
pub const SESSION_TTL_MS: i64 = 12 * 3600 * 1000;

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

/// Ends every console session of a user; returns how many there were.
pub(crate) async fn end_sessions(c: &mut Conn, user_id: &str) -> AppResult<u64> {
    let r = sql::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *c)
        .await?;
    Ok(r.rows_affected())
}
