//! Console users: the login and password rules, creating a user, a user's language, and the
//! partner's users its staff page manages.

use crate::store::sql::{self, Conn};
use pc_domain::party::Role;

use crate::context::{Actor, Ctx};
use crate::crypto;
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, Db};

pub fn validate_login(login: &str) -> AppResult<()> {
    let ok = (3..=64).contains(&login.len())
        && login
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'));
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid_tr(
            "a login is 3 to 64 characters: letters, digits, _ - . @",
            "登录名为 3 到 64 个字符：字母、数字、_ - . @。",
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
        return Err(AppError::invalid_tr(
            "a password has 8 to 128 characters and at least two of: upper case, lower case, digits, symbols",
            "密码为 8 到 128 个字符，且至少包含大写字母、小写字母、数字、符号中的两种。",
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
        AppError::with_tr(
            Code::AlreadyExists,
            format!("login {login:?} is taken"),
            format!("登录名 {login:?} 已被使用。"),
        )
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
        _ => Err(AppError::with_tr(
            Code::AccessDenied,
            "only a console user has a console language",
            "只有控制台用户才有控制台语言。",
        )),
    }
}

/// The acting console user's language (`zh-CN` or `en-US`).
pub async fn set_language(db: &Db, ctx: Ctx, lang: String) -> AppResult<()> {
    let user_id = console_user(&ctx.actor)?;
    if !LANGS.contains(&lang.as_str()) {
        return Err(AppError::invalid_tr(
            "language must be zh-CN or en-US",
            "language 必须是 zh-CN 或 en-US。",
        ));
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
