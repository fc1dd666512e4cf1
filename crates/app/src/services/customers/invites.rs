//! Invite links and QR codes (the vendor's help pages): a partner's admin or staff generates a link
//! (generic, or with a custom label) for one association type; a prospective customer opens it,
//! reads the association notice (and must accept it for resale), then either registers a new
//! account (mobile number, SMS code, password) or logs in with an existing customer account, and is
//! associated with the link's partner, type and label. Every use, associated or refused, is kept as
//! an expansion record the partner sees with the refusal's code.
//!
//! Decisions: a generic link's label is the generating user's login (the vendor labels links opened
//! from the offline-expansion page with the current account's name); a custom label is 1 to 64
//! characters. Links do not expire; a partner admin disables them. A disabled or unknown token is
//! one answer (`PC.3107`), so tokens cannot be probed.

use crate::store::sql::{self, Conn};
use pc_domain::association::{self as rules};
use pc_domain::ids::random_hex;
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::verification::{self as codes, Scene};

use serde::{Deserialize, Serialize};

use crate::context::{Actor, Ctx};
use crate::crypto;
use crate::error::{AppError, AppResult, Code};
use crate::services::customers::association::{self, name_taken};
use crate::services::customers::{self, validate_domain_name};
use crate::services::identity;
use crate::services::{customers::verification, partners};
use crate::store::{audit, Db};

/// Generic (labelled with its creator's login) or custom (labelled by the partner).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Generic,
    Custom,
}

impl LinkKind {
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Generic => "generic",
            LinkKind::Custom => "custom",
        }
    }
    pub fn parse(s: &str) -> Option<LinkKind> {
        match s {
            "generic" => Some(LinkKind::Generic),
            "custom" => Some(LinkKind::Custom),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InviteLink {
    pub id: String,
    pub root_id: String,
    pub partner_id: String,
    pub token: String,
    pub kind: String,
    pub label: Option<String>,
    pub association_type: AssociationType,
    pub created_by: String,
    pub created_at: i64,
    pub disabled_at: Option<i64>,
    /// Customers associated through it so far.
    pub associated: i64,
}

const LINK_COLS: &str = "l.id, l.root_id, l.partner_id, l.token, l.kind, l.label, l.association_type, l.created_by, l.created_at, l.disabled_at, \
     (SELECT COUNT(*) FROM associations a WHERE a.invite_link_id = l.id)";

fn row_to_link(r: &sql::Row) -> AppResult<InviteLink> {
    Ok(InviteLink {
        id: r.get(0),
        root_id: r.get(1),
        partner_id: r.get(2),
        token: r.get(3),
        kind: r.get(4),
        label: r.get(5),
        association_type: AssociationType::from_code(r.get(6))
            .ok_or_else(|| AppError::internal("invite link with a bad association type"))?,
        created_by: r.get(7),
        created_at: r.get(8),
        disabled_at: r.get(9),
        associated: r.get(10),
    })
}

/// The label a link gets: a custom one (trimmed, 1 to 64 characters, no control characters) or,
/// for a generic link, the creator's login.
pub fn link_label(kind: LinkKind, custom: Option<&str>, creator_login: &str) -> AppResult<String> {
    match kind {
        LinkKind::Generic => Ok(creator_login.to_string()),
        LinkKind::Custom => {
            let l = custom.unwrap_or("").trim();
            if l.is_empty() || l.chars().count() > 64 || l.chars().any(char::is_control) {
                return Err(AppError::invalid_tr(
                    "a custom label has 1 to 64 characters",
                    "自定义标签为 1 到 64 个字符。",
                ));
            }
            Ok(l.to_string())
        }
    }
}

/// A link to generate, for the acting partner.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub kind: LinkKind,
    pub custom_label: Option<String>,
    pub association_type: AssociationType,
}

/// Who generates a link, as its history shows it: the console user's login (an access key, which
/// has no login, is named by its partner id).
async fn creator_login(c: &mut Conn, actor: &Actor) -> AppResult<String> {
    let (partner_id, user_id) = match actor {
        Actor::Partner {
            partner_id,
            user_id,
            ..
        } => (partner_id, user_id),
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    let login: Option<String> = match user_id {
        Some(u) => identity::login_of_partner_user(c, u, partner_id).await?,
        None => None,
    };
    Ok(login.unwrap_or_else(|| actor.id()))
}

/// A partner's admin or staff generates a link for its partner. Refused when the partner could
/// not associate anyone through it (restricted, or the type is not one it offers).
pub async fn create_link(db: &Db, ctx: Ctx, n: NewLink) -> AppResult<InviteLink> {
    let partner_id = ctx.actor.partner_id()?.to_string();
    if n.kind == LinkKind::Custom {
        link_label(n.kind, n.custom_label.as_deref(), "")?;
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let creator = creator_login(c, &ctx.actor).await?;
            let label = link_label(n.kind, n.custom_label.as_deref(), &creator)?;
            let p = partners::get(&mut *c, &partner_id)
                .await?
                .ok_or_else(|| AppError::new(Code::NotFound))?;
            let inviter = association::inviter_facts(c, &p).await?;
            rules::check_inviter(&inviter, n.association_type)?;
            let id = format!("il{}", random_hex(12));
            let token = random_hex(16);
            sql::query(
                "INSERT INTO invite_links (id, root_id, partner_id, token, kind, label, association_type, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&id)
            .bind(&p.root_id)
            .bind(&p.id)
            .bind(&token)
            .bind(n.kind.as_str())
            .bind(&label)
            .bind(n.association_type.code())
            .bind(&creator)
            .bind(ctx.now_ms)
            .execute(&mut *c)
            .await?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "invite_link.create",
                    target_kind: "invite_link",
                    target_id: &id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"partner_id": p.id, "kind": n.kind.as_str(), "label": label, "association_type": n.association_type.code()}),
                },
            )
            .await?;
            Ok(InviteLink {
                id,
                root_id: p.root_id,
                partner_id: p.id,
                token,
                kind: n.kind.as_str().to_string(),
                label: Some(label),
                association_type: n.association_type,
                created_by: creator,
                created_at: ctx.now_ms,
                disabled_at: None,
                associated: 0,
            })
        })
    })
    .await
}

/// A partner admin disables one of its partner's links; another partner's is "not found", and
/// staff may not (`CBC.0151`).
pub async fn disable_link(db: &Db, ctx: Ctx, link_id: String) -> AppResult<()> {
    let partner_id = match &ctx.actor {
        Actor::Partner {
            partner_id,
            role: Role::PartnerAdmin,
            ..
        } => partner_id.clone(),
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            audit::stamp_owned(
                c,
                &ctx,
                audit::Stamp {
                    table: "invite_links",
                    key_column: "id",
                    stamp_column: "disabled_at",
                    key: &link_id,
                    partner_id: &partner_id,
                    action: "invite_link.disable",
                    target_kind: "invite_link",
                },
            )
            .await
        })
    })
    .await
}

/// The acting partner's links, newest first: its generation history.
pub async fn list_links(db: &Db, ctx: &Ctx) -> AppResult<Vec<InviteLink>> {
    let partner_id = ctx.actor.partner_id()?;
    let rows = sql::query(&format!(
        "SELECT {LINK_COLS} FROM invite_links l WHERE l.partner_id = $1 ORDER BY l.created_at DESC, l.id"
    ))
    .bind(partner_id)
    .fetch_all(db.read())
    .await?;
    rows.iter().map(row_to_link).collect()
}

/// One of the acting partner's own links (`PC.0404` for anyone else's).
pub async fn get_link(db: &Db, ctx: &Ctx, link_id: &str) -> AppResult<InviteLink> {
    let partner_id = ctx.actor.partner_id()?;
    let row = sql::query(&format!(
        "SELECT {LINK_COLS} FROM invite_links l WHERE l.id = $1 AND l.partner_id = $2"
    ))
    .bind(link_id)
    .bind(partner_id)
    .fetch_optional(db.read())
    .await?;
    row.as_ref()
        .map(row_to_link)
        .transpose()?
        .ok_or_else(|| AppError::new(Code::NotFound))
}

/// What the public page shows about a link.
#[derive(Debug, Clone)]
pub struct JoinTarget {
    pub link: InviteLink,
    pub partner_name: String,
    pub partner_type: PartnerType,
}

async fn target_in(c: &mut Conn, token: &str) -> AppResult<JoinTarget> {
    let well_formed = token.len() == 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
    if !well_formed {
        return Err(AppError::new(Code::InviteNotFound));
    }
    let row = sql::query(&format!(
        "SELECT {LINK_COLS}, {}, {} FROM invite_links l WHERE l.token = $1 AND l.disabled_at IS NULL",
        partners::fact_sql(partners::Fact::Name, "l.partner_id"),
        partners::fact_sql(partners::Fact::Type, "l.partner_id"),
    ))
    .bind(token)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(|| AppError::new(Code::InviteNotFound))?;
    Ok(JoinTarget {
        link: row_to_link(&row)?,
        partner_name: row.get(11),
        partner_type: PartnerType::parse(&row.get::<String, _>(12))
            .ok_or_else(|| AppError::internal("bad partner_type"))?,
    })
}

/// An active link by its token (`PC.3107` when unknown or disabled). The invite page is public:
/// anyone holding the token may see whose link it is, so the actor is not checked.
pub async fn open(db: &Db, _ctx: &Ctx, token: &str) -> AppResult<JoinTarget> {
    let mut c = db.read().acquire().await?;
    target_in(&mut c, token).await
}

fn code_requester(link_id: &str) -> String {
    format!("invite:{link_id}")
}

/// A registration code asked for on an invite link's page.
#[derive(Debug, Clone, Default)]
pub struct LinkCodeRequest {
    pub token: String,
    /// As typed.
    pub mobile: String,
    /// The SMS in English (the page's language), else in Chinese.
    pub english: bool,
}

/// Sends a registration code to a mobile number from an invite link's page. Returns the number as
/// stored (11 digits).
pub async fn request_code(db: &Db, ctx: Ctx, r: LinkCodeRequest) -> AppResult<String> {
    let LinkCodeRequest {
        token,
        mobile,
        english,
    } = r;
    let mobile = rules::parse_cn_mobile(&mobile).ok_or_else(|| {
        AppError::invalid_tr(
            "Enter an 11-digit Chinese mobile number.",
            "请输入 11 位中国大陆手机号。",
        )
    })?;
    let m = mobile.clone();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let t = target_in(c, &token).await?;
            verification::send(
                c,
                &ctx,
                &verification::CodeRequest {
                    address: m,
                    scene: Scene::Registration,
                    ttl_minutes: codes::DEFAULT_TTL_MINUTES,
                    english,
                    requested_by: code_requester(&t.link.id),
                    root_id: Some(t.link.root_id.clone()),
                },
            )
            .await
        })
    })
    .await?;
    Ok(mobile)
}

/// A new account through a link.
#[derive(Debug, Clone, Default)]
pub struct Registration {
    pub token: String,
    pub mobile: String,
    pub code: String,
    pub account_name: String,
    pub password: String,
    /// "I have read and agree" to the association notice.
    pub agreed: bool,
    /// The console language of the new login (`zh-CN` or `en-US`): the one the page was read in.
    pub lang: String,
}

/// The customer now associated, logged in. It holds the new session's token: no adapter sends an
/// idempotency key for these use cases, so [`Db::run`] never keeps it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Joined {
    pub customer_id: String,
    pub login: String,
    pub session_token: String,
}

fn check_notice(t: &JoinTarget, agreed: bool) -> AppResult<()> {
    if rules::notice_required(t.link.association_type) && !agreed {
        return Err(AppError::new(Code::NoticeNotAccepted));
    }
    Ok(())
}

/// Registers a new customer account through a link and associates it, in one transaction: the
/// notice, the rules, the SMS code, the account, its login, the association (with the link's type
/// and label), the expansion record and a session.
pub async fn register(db: &Db, ctx: Ctx, r: Registration) -> AppResult<Joined> {
    // Each refusal names its input, so the join page shows it beside that field.
    let mobile = rules::parse_cn_mobile(&r.mobile).ok_or_else(|| {
        AppError::invalid_tr(
            "Enter an 11-digit Chinese mobile number.",
            "请输入 11 位中国大陆手机号。",
        )
        .at_field("mobile")
    })?;
    let name = r.account_name.trim().to_string();
    validate_domain_name(&name).map_err(|e| e.at_field("account_name"))?;
    identity::validate_password(&r.password).map_err(|e| e.at_field("password"))?;
    if let Some((en, zh)) = rules::password_conflict(&r.password, &name, Some(&mobile)) {
        return Err(AppError::invalid_tr(en, zh).at_field("password"));
    }
    let pw = r.password.clone();
    let hash = tokio::task::spawn_blocking(move || crypto::hash_password(&pw))
        .await
        .map_err(AppError::internal)??;
    let (token, code, agreed) = (r.token.clone(), r.code.clone(), r.agreed);
    let lang = if identity::LANGS.contains(&r.lang.as_str()) {
        r.lang.clone()
    } else {
        identity::LANGS[0].to_string()
    };
    let (m2, n2) = (mobile.clone(), name.clone());
    let result = db
        .run(ctx.clone(), move |c, ctx2| {
            Box::pin(async move {
                let t = target_in(c, &token).await?;
                check_notice(&t, agreed)?;
                let p = partners::get(&mut *c, &t.link.partner_id)
                    .await?
                    .ok_or_else(|| AppError::new(Code::InviteNotFound))?;
                association::check_new_account(c, &p, Some(&m2), t.link.association_type).await?;
                if name_taken(c, &n2).await? {
                    return Err(AppError::with_tr(
                        Code::AlreadyExists,
                        format!("The account name {n2:?} is taken; choose another."),
                        format!("账号名 {n2:?} 已被使用，请更换。"),
                    ));
                }
                verification::consume(
                    c,
                    &ctx2,
                    &m2,
                    Scene::Registration,
                    &code_requester(&t.link.id),
                    &code,
                )
                .await?;
                let id = customers::insert_customer(
                    c,
                    &ctx2,
                    &n2,
                    None,
                    customers::NewContact::mobile(Some(&m2)),
                    None,
                )
                .await?;
                customers::associate_with(
                    c,
                    &ctx2,
                    &p,
                    &id,
                    t.link.association_type,
                    t.link.label.as_deref(),
                    Some(&t.link.id),
                )
                .await?;
                let user_id =
                    identity::insert_user(c, &ctx2, &n2, &hash, Role::Customer, None, Some(&id))
                        .await?;
                identity::set_lang_in(c, &user_id, &lang).await?;
                insert_event(c, &ctx2, &t.link, "associated", None, Some(&id), &n2).await?;
                let session_token = identity::insert_session(c, &ctx2, &user_id).await?;
                Ok(Joined {
                    customer_id: id,
                    login: n2,
                    session_token,
                })
            })
        })
        .await;
    if result
        .as_ref()
        .is_err_and(|e| e.code == Code::VerificationCodeWrong)
    {
        if let Ok(t) = open(db, &ctx, &r.token).await {
            verification::record_wrong_attempt(
                db,
                ctx.clone(),
                mobile,
                Scene::Registration,
                code_requester(&t.link.id),
            )
            .await;
        }
    }
    record_refusal(db, &ctx, &r.token, &result, None, &name).await;
    result
}

/// An existing account's login through a link.
#[derive(Debug, Clone, Default)]
pub struct ExistingAccount {
    pub token: String,
    pub login: String,
    pub password: String,
    /// "I have read and agree" to the association notice.
    pub agreed: bool,
}

/// Logs an existing customer account in (a wrong login or password is `PC.0401`, as on the
/// console) and associates it through a link, opening its session.
pub async fn associate_existing(db: &Db, ctx: Ctx, a: ExistingAccount) -> AppResult<Joined> {
    let ExistingAccount {
        token,
        login,
        password,
        agreed,
    } = a;
    let user = identity::authenticate(db.read(), &login, password).await?;
    associate_authenticated(db, ctx, user, token, login, agreed).await
}

/// [`associate_existing`] once the login and password were checked (`identity::authenticate`):
/// the association itself, in its own transaction. The proof suite races this step directly, so
/// that 64 logins that finished hashing together meet at the database.
pub async fn associate_authenticated(
    db: &Db,
    ctx: Ctx,
    user: identity::AuthUser,
    token: String,
    login: String,
    agreed: bool,
) -> AppResult<Joined> {
    let (token2, login2) = (token.clone(), login.clone());
    let customer_id = user.customer_id.clone();
    let result = db
        .run(ctx.clone(), move |c, ctx2| {
            Box::pin(async move {
                let t = target_in(c, &token2).await?;
                check_notice(&t, agreed)?;
                let p = partners::get(&mut *c, &t.link.partner_id)
                    .await?
                    .ok_or_else(|| AppError::new(Code::InviteNotFound))?;
                let customer_id = match (user.role, &user.customer_id) {
                    (Role::Customer, Some(id)) => id.clone(),
                    (Role::PartnerAdmin | Role::PartnerStaff, _) => {
                        return Err(AppError::new(Code::CustomerIsPartner))
                    }
                    _ => return Err(AppError::new(Code::NotCustomerAccount)),
                };
                association::check_existing_customer(c, &p, &customer_id, t.link.association_type)
                    .await?;
                customers::associate_with(
                    c,
                    &ctx2,
                    &p,
                    &customer_id,
                    t.link.association_type,
                    t.link.label.as_deref(),
                    Some(&t.link.id),
                )
                .await?;
                insert_event(
                    c,
                    &ctx2,
                    &t.link,
                    "associated",
                    None,
                    Some(&customer_id),
                    &login2,
                )
                .await?;
                let session_token = identity::insert_session(c, &ctx2, &user.user_id).await?;
                Ok(Joined {
                    customer_id,
                    login: login2,
                    session_token,
                })
            })
        })
        .await;
    record_refusal(db, &ctx, &token, &result, customer_id.as_deref(), &login).await;
    result
}

async fn insert_event(
    c: &mut Conn,
    ctx: &Ctx,
    link: &InviteLink,
    outcome: &str,
    error_code: Option<&str>,
    customer_id: Option<&str>,
    account_name: &str,
) -> AppResult<()> {
    let id = format!("ie{}", random_hex(12));
    sql::query(
        "INSERT INTO invite_events (id, root_id, partner_id, invite_link_id, at, outcome, error_code, customer_id, account_name) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(&link.root_id)
    .bind(&link.partner_id)
    .bind(&link.id)
    .bind(ctx.now_ms)
    .bind(outcome)
    .bind(error_code.map(str::to_string))
    .bind(customer_id.map(str::to_string))
    .bind(account_name)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "invite_link.use",
            target_kind: "invite_link",
            target_id: &link.id,
            transfer_ids: &[],
            detail: serde_json::json!({"outcome": outcome, "error_code": error_code, "customer_id": customer_id}),
        },
    )
    .await
}

/// Keeps a refused association as an expansion record, so the partner sees why a customer could
/// not associate (the vendor's help pages). Best effort: the customer's answer does not depend on it.
async fn record_refusal<T>(
    db: &Db,
    ctx: &Ctx,
    token: &str,
    result: &AppResult<T>,
    customer_id: Option<&str>,
    account_name: &str,
) {
    let Err(e) = result else { return };
    if !association::is_refusal(e.code) {
        return;
    }
    let Ok(t) = open(db, ctx, token).await else {
        return;
    };
    let (ctx, code) = (ctx.clone(), e.code.vendor_code());
    let (cid, name) = (customer_id.map(str::to_string), account_name.to_string());
    let r = db
        .write(move |c| {
            Box::pin(async move {
                insert_event(
                    c,
                    &ctx,
                    &t.link,
                    "refused",
                    Some(code),
                    cid.as_deref(),
                    &name,
                )
                .await
            })
        })
        .await;
    if let Err(err) = r {
        tracing::warn!(error = %err, "could not record a refused association");
    }
}

/// One use of a link.
#[derive(Debug, Clone)]
pub struct InviteEvent {
    pub at: i64,
    pub link_id: String,
    pub label: Option<String>,
    pub outcome: String,
    pub error_code: Option<String>,
    pub account_name: Option<String>,
}

/// The acting partner's newest expansion records, at most `limit`.
pub async fn recent_events(db: &Db, ctx: &Ctx, limit: i64) -> AppResult<Vec<InviteEvent>> {
    let partner_id = ctx.actor.partner_id()?;
    let rows = sql::query(
        "SELECT e.at, e.invite_link_id, l.label, e.outcome, e.error_code, e.account_name \
         FROM invite_events e JOIN invite_links l ON l.id = e.invite_link_id \
         WHERE e.partner_id = $1 ORDER BY e.at DESC, e.id LIMIT $2",
    )
    .bind(partner_id)
    .bind(limit)
    .fetch_all(db.read())
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| InviteEvent {
            at: r.get(0),
            link_id: r.get(1),
            label: r.get(2),
            outcome: r.get(3),
            error_code: r.get(4),
            account_name: r.get(5),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(
            link_label(LinkKind::Generic, Some("x"), "alice").unwrap(),
            "alice"
        );
        assert_eq!(
            link_label(LinkKind::Custom, Some("  spring-fair "), "alice").unwrap(),
            "spring-fair"
        );
        assert!(link_label(LinkKind::Custom, Some("  "), "alice").is_err());
        assert!(link_label(LinkKind::Custom, None, "alice").is_err());
        assert!(link_label(LinkKind::Custom, Some(&"x".repeat(65)), "alice").is_err());
        assert!(link_label(LinkKind::Custom, Some("a\nb"), "alice").is_err());
        assert_eq!(LinkKind::parse("custom"), Some(LinkKind::Custom));
        assert_eq!(LinkKind::parse("other"), None);
    }
}
