//! Access keys for the vendor and native APIs: creating (the secret shown once, kept sealed under
//! the master key), listing, revoking, looking a key up for the signature verifier, and resealing
//! every secret under a new master key.

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::party::{PartnerType, Role};

use crate::context::{Actor, Ctx};
use crate::crypto::{self, MasterKey};
use crate::error::{AppError, AppResult, Code};
use crate::store::{audit, outbox, Db};

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
        return Err(AppError::invalid_tr(
            format!("at most {MAX_ACTIVE_KEYS} active access keys; revoke one first"),
            format!("最多 {MAX_ACTIVE_KEYS} 个有效的访问密钥，请先吊销一个。"),
        ));
    }
    insert_access_key(c, ctx, mk, &owner, root_id, description).await
}

fn check_description(description: &str) -> AppResult<()> {
    if description.chars().count() > 100 {
        return Err(AppError::invalid_tr(
            "a description has at most 100 characters",
            "描述最多 100 个字符。",
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
        Actor::System { .. } => {
            return Err(AppError::invalid_tr(
                "name the operator (its login)",
                "请指定运营人员（其登录名）。",
            ))
        }
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
                    AppError::with_tr(
                        Code::NotFound,
                        format!("no active operator {login:?}"),
                        format!("没有有效的运营人员 {login:?}。"),
                    )
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
