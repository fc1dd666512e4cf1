//! Partner staff accounts: a partner's administrator runs its own team of console users.
//!
//! A partner admin creates read-only staff logins (role `partner_staff`) for its own partner,
//! lists its partner's users (admins and staff, with status and last login), disables and
//! re-enables a staff account and sets a new password for one. Operators (and the command line)
//! may do the same for any partner.
//!
//! Decisions where the spec is silent:
//! - **Own partner only.** A partner admin manages the users of exactly its own partner, not of
//!   its resellers (each partner has its own admins). A user of another partner is "not found"
//!   (`PC.0404`), so nothing reveals that it exists. Staff and customers manage nobody (`CBC.0151`).
//! - **Staff only.** Disable, enable and password reset act on staff accounts; an admin account
//!   (the caller's own or another admin's) is refused with `PC.1601`, so a partner can never lock
//!   itself out of its console. Admin accounts are created with the partner.
//! - **Disabling ends every session** of the user in the same transaction, and the session lookup
//!   refuses disabled users besides, so an open browser tab is logged out at its next request.
//!   Logins of disabled users fail like a wrong password (`PC.0401`).
//! - **A password reset also ends the user's sessions**: an admin resets a password when it may be
//!   known to someone else. The new password is typed by the admin and never shown back.
//! - **Logins are global** (one `users.login` namespace), so "taken" may name another partner's
//!   login; the same is true when a partner is created.
//! - At most [`MAX_USERS_PER_PARTNER`] users per partner, disabled ones included (disable does not
//!   free a slot: the account and its audit trail stay).
//! - A display name is optional, trimmed, at most 64 characters, without control characters.

use crate::store::sql::{self, Conn};
use pc_domain::party::Role;

use crate::context::{Actor, Ctx};
use crate::crypto;
use crate::error::{AppError, AppResult, Code};
use crate::services::identity::{self, insert_user, validate_login, validate_password};
use crate::store::{audit, Db};

/// Most console users (admins and staff, disabled ones included) one partner may have.
pub const MAX_USERS_PER_PARTNER: i64 = 200;

/// A partner's console user, as its admins see it.
pub type StaffUser = identity::PartnerUser;

#[derive(Debug, Clone)]
pub struct NewStaff {
    /// The partner: an operator or the command line names it; a partner admin's is its own
    /// (`None`, or its own id).
    pub partner_id: Option<String>,
    pub login: String,
    pub password: String,
    pub display_name: Option<String>,
}

/// Refuses unless the actor may manage `partner_id`'s users: an admin of that very partner, an
/// operator, or the system (command line).
pub fn check_manager(actor: &Actor, partner_id: &str) -> AppResult<()> {
    match actor {
        Actor::Operator { .. } | Actor::System { .. } => Ok(()),
        Actor::Partner {
            partner_id: own,
            role: Role::PartnerAdmin,
            ..
        } if own == partner_id => Ok(()),
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

/// The partner whose users the actor manages: a partner admin its own (`named` may only repeat
/// it), an operator or the system the one it names. Anyone else, or an admin naming another
/// partner, is `CBC.0151`.
pub fn managed_partner(actor: &Actor, named: Option<&str>) -> AppResult<String> {
    let named = named.filter(|n| !n.is_empty());
    match actor {
        Actor::Partner {
            partner_id,
            role: Role::PartnerAdmin,
            ..
        } if named.is_none_or(|n| n == partner_id) => Ok(partner_id.clone()),
        Actor::Operator { .. } | Actor::System { .. } => {
            named.map(str::to_string).ok_or_else(|| {
                AppError::invalid_tr(
                    "name the partner whose users to manage",
                    "请指定要管理其用户的合作伙伴。",
                )
            })
        }
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

/// The trimmed display name, `None` when empty.
pub fn normalize_display_name(name: Option<&str>) -> AppResult<Option<String>> {
    let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) else {
        return Ok(None);
    };
    if n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(AppError::invalid_tr(
            "a display name has at most 64 characters and no control characters",
            "显示名称最多 64 个字符，且不能包含控制字符。",
        ));
    }
    Ok(Some(n.to_string()))
}

async fn partner_exists(c: &mut Conn, partner_id: &str) -> AppResult<()> {
    let found: Option<String> = sql::query_scalar("SELECT id FROM partners WHERE id = $1")
        .bind(partner_id)
        .fetch_optional(&mut *c)
        .await?;
    found.map(|_| ()).ok_or_else(|| {
        AppError::with_tr(
            Code::NotFound,
            format!("no partner {partner_id:?}"),
            format!("合作伙伴 {partner_id:?} 不存在。"),
        )
    })
}

/// Creates a staff login for the partner; returns the new user's id.
pub async fn create(db: &Db, ctx: Ctx, s: NewStaff) -> AppResult<String> {
    let partner_id = managed_partner(&ctx.actor, s.partner_id.as_deref())?;
    validate_login(&s.login)?;
    validate_password(&s.password)?;
    let display_name = normalize_display_name(s.display_name.as_deref())?;
    // Hashing is slow: before entering the single writer.
    let hash = crypto::hash_password(&s.password)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            partner_exists(c, &partner_id).await?;
            let users = identity::count_partner_users(c, &partner_id).await?;
            if users >= MAX_USERS_PER_PARTNER {
                return Err(AppError::invalid_tr(
                    format!("a partner has at most {MAX_USERS_PER_PARTNER} console users"),
                    format!("每个合作伙伴最多 {MAX_USERS_PER_PARTNER} 个控制台用户。"),
                ));
            }
            let id = insert_user(
                c,
                &ctx,
                &s.login,
                &hash,
                Role::PartnerStaff,
                Some(&partner_id),
                None,
            )
            .await?;
            identity::set_display_name(c, &id, display_name.as_deref()).await?;
            record(c, &ctx, "staff.create", &id, &partner_id, &s.login).await?;
            Ok(id)
        })
    })
    .await
}

/// A partner's console users, as its staff page shows them.
#[derive(Debug, Clone)]
pub struct Staff {
    pub partner: super::Partner,
    /// Admins first, then staff, oldest first.
    pub users: Vec<StaffUser>,
}

/// A partner's console users: an admin of that partner, an operator or the system may see them
/// (`CBC.0151` for anyone else); an unknown partner is `PC.0404`.
pub async fn list(db: &Db, ctx: &Ctx, partner_id: &str) -> AppResult<Staff> {
    check_manager(&ctx.actor, partner_id)?;
    let pool = db.read();
    let partner = super::get(pool, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::NotFound))?;
    let users = identity::users_of_partner(pool, partner_id).await?;
    Ok(Staff { partner, users })
}

/// Loads one of the partner's staff users inside the transaction: another partner's user (or no
/// user) is `PC.0404`, an admin `PC.1601`. Returns its login and `disabled_at`.
async fn staff_of(
    c: &mut Conn,
    partner_id: &str,
    user_id: &str,
) -> AppResult<(String, Option<i64>)> {
    let (login, role, disabled_at) = identity::partner_user(c, partner_id, user_id)
        .await?
        .ok_or_else(|| AppError::new(Code::NotFound))?;
    if role != Some(Role::PartnerStaff) {
        return Err(AppError::new(Code::StaffOnly));
    }
    Ok((login, disabled_at))
}

async fn record(
    c: &mut Conn,
    ctx: &Ctx,
    action: &str,
    user_id: &str,
    partner_id: &str,
    login: &str,
) -> AppResult<()> {
    audit::record(
        c,
        ctx,
        audit::Entry {
            action,
            target_kind: "user",
            target_id: user_id,
            transfer_ids: &[],
            detail: serde_json::json!({"partner_id": partner_id, "login": login}),
        },
    )
    .await
}

/// A staff account to disable or re-enable.
#[derive(Debug, Clone)]
pub struct StaffState {
    /// As [`NewStaff::partner_id`].
    pub partner_id: Option<String>,
    pub user_id: String,
    pub disabled: bool,
}

/// Disables (`disabled` true) or re-enables a staff account of the partner. Disabling ends its
/// sessions. Setting the state it already has is a no-op that writes nothing.
pub async fn set_disabled(db: &Db, ctx: Ctx, s: StaffState) -> AppResult<()> {
    let partner_id = managed_partner(&ctx.actor, s.partner_id.as_deref())?;
    let StaffState {
        user_id, disabled, ..
    } = s;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let (login, disabled_at) = staff_of(c, &partner_id, &user_id).await?;
            if disabled_at.is_some() == disabled {
                return Ok(());
            }
            identity::set_disabled_at(c, &user_id, disabled.then_some(ctx.now_ms)).await?;
            if disabled {
                identity::end_sessions(c, &user_id).await?;
            }
            let action = if disabled {
                "staff.disable"
            } else {
                "staff.enable"
            };
            record(c, &ctx, action, &user_id, &partner_id, &login).await
        })
    })
    .await
}

/// A new password for a staff account.
#[derive(Debug, Clone)]
pub struct PasswordReset {
    /// As [`NewStaff::partner_id`].
    pub partner_id: Option<String>,
    pub user_id: String,
    pub password: String,
}

/// Sets a new password for a staff account of the partner and ends its sessions.
pub async fn reset_password(db: &Db, ctx: Ctx, r: PasswordReset) -> AppResult<()> {
    let partner_id = managed_partner(&ctx.actor, r.partner_id.as_deref())?;
    let PasswordReset {
        user_id, password, ..
    } = r;
    validate_password(&password)?;
    let hash = crypto::hash_password(&password)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let (login, _) = staff_of(c, &partner_id, &user_id).await?;
            identity::set_password_hash(c, &user_id, &hash).await?;
            identity::end_sessions(c, &user_id).await?;
            record(
                c,
                &ctx,
                "staff.reset_password",
                &user_id,
                &partner_id,
                &login,
            )
            .await
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn admin_of(pid: &str, role: Role) -> Actor {
        Actor::Partner {
            partner_id: pid.into(),
            root_id: pid.into(),
            user_id: Some("u".into()),
            role,
        }
    }

    #[test]
    fn only_own_admins_operators_and_system_manage() {
        assert!(check_manager(&admin_of("p1", Role::PartnerAdmin), "p1").is_ok());
        assert!(check_manager(&admin_of("p1", Role::PartnerAdmin), "p2").is_err());
        assert!(check_manager(&admin_of("p1", Role::PartnerStaff), "p1").is_err());
        assert!(check_manager(
            &Actor::Operator {
                user_id: "o".into()
            },
            "p2"
        )
        .is_ok());
        assert!(check_manager(
            &Actor::Customer {
                customer_id: "c".into(),
                user_id: None
            },
            "p1"
        )
        .is_err());
    }

    #[test]
    fn the_managed_partner_comes_from_the_actor() {
        let admin = admin_of("p1", Role::PartnerAdmin);
        assert_eq!(managed_partner(&admin, None).unwrap(), "p1");
        assert_eq!(managed_partner(&admin, Some("p1")).unwrap(), "p1");
        assert!(managed_partner(&admin, Some("p2")).is_err());
        assert!(managed_partner(&admin_of("p1", Role::PartnerStaff), None).is_err());
        let op = Actor::Operator {
            user_id: "o".into(),
        };
        assert_eq!(managed_partner(&op, Some("p2")).unwrap(), "p2");
        assert!(managed_partner(&op, None).is_err());
    }

    #[test]
    fn display_names() {
        assert_eq!(normalize_display_name(None).unwrap(), None);
        assert_eq!(normalize_display_name(Some("  ")).unwrap(), None);
        assert_eq!(
            normalize_display_name(Some(" 张三 ")).unwrap().as_deref(),
            Some("张三")
        );
        assert!(normalize_display_name(Some("a\nb")).is_err());
        assert!(normalize_display_name(Some(&"x".repeat(65))).is_err());
    }
}
