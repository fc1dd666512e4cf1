//! Partners and the distributor → reseller tree.
//!
//! Every partner carries `root_id`, its tenant: a reseller's root is its master distributor; any
//! other partner is its own root. All tenant-owned rows carry the same `root_id` (docs/ARCHITECTURE.md, Engines).
//!
//! This capability owns `partners` and `delegations`. It sits between `identity` (below: it creates
//! a partner's first user and key there) and `customers` (above: customers ask it for partner
//! facts, and the views that count a partner's customers live there), so it imports `identity`
//! only; `delegation` and `staff` use this file, which does not use them.

pub mod delegation;
pub mod lookup;
pub mod staff;

use crate::store::filters::{count_and_page, Arg, Conditions};
use crate::store::sql::{self, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::party::{PartnerType, Role};
use pc_domain::PartnerId;

use crate::context::{Actor, Ctx};
use crate::crypto::{self, MasterKey};
use crate::error::{AppError, AppResult, Code};
use crate::services::identity::{self, KeyOwner};
use crate::store::months::Months;
use crate::store::{audit, ledger, Db};

#[derive(Debug, Clone, serde::Serialize)]
pub struct Partner {
    pub id: String,
    pub root_id: String,
    pub parent_id: Option<String>,
    pub name: String,
    pub partner_type: PartnerType,
    pub domain_id: String,
    pub xaccount_type: String,
    pub status: String,
    pub created_at: i64,
}

const PARTNER_COLS: &str =
    "id, root_id, parent_id, name, partner_type, domain_id, xaccount_type, status, created_at";
/// [`PARTNER_COLS`] of a table aliased `p`, for statements that join another table.
pub(crate) const PARTNER_COLS_OF_P: &str =
    "p.id, p.root_id, p.parent_id, p.name, p.partner_type, p.domain_id, p.xaccount_type, p.status, p.created_at";

/// Maps a row whose first columns are [`PARTNER_COLS`], in order.
pub fn row_to_partner(r: &sql::Row) -> AppResult<Partner> {
    Ok(Partner {
        id: r.get(0),
        root_id: r.get(1),
        parent_id: r.get(2),
        name: r.get(3),
        partner_type: PartnerType::parse(&r.get::<String, _>(4))
            .ok_or_else(|| AppError::internal("bad partner_type"))?,
        domain_id: r.get(5),
        xaccount_type: r.get(6),
        status: r.get(7),
        created_at: r.get(8),
    })
}

pub async fn get<'e, E: Into<sql::Exec<'e>>>(exec: E, id: &str) -> AppResult<Option<Partner>> {
    let row = sql::query(&format!(
        "SELECT {PARTNER_COLS} FROM partners WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(exec)
    .await?;
    row.as_ref().map(row_to_partner).transpose()
}

/// A fact of one partner that another capability's statement may read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Fact {
    Name,
    Type,
    Root,
    Parent,
    XaccountType,
}

/// The fact `fact` of the partner whose id the SQL expression `id` gives, as a scalar subquery.
/// A capability whose one statement needs a partner's name or tenant (a customer's association
/// with its partner's name) reads it through this rather than joining this capability's table,
/// and without a second round trip.
pub(crate) fn fact_sql(fact: Fact, id: &str) -> String {
    let column = match fact {
        Fact::Name => "name",
        Fact::Type => "partner_type",
        Fact::Root => "root_id",
        Fact::Parent => "parent_id",
        Fact::XaccountType => "xaccount_type",
    };
    format!("(SELECT pf.{column} FROM partners pf WHERE pf.id = {id})")
}

/// How many partners have the e-mail address the placeholder `param` gives as their contact
/// (case-insensitive), as a scalar subquery: the check whether an address may still register
/// asks customers and partners in one statement.
pub(crate) fn contact_email_uses_sql(param: &str) -> String {
    format!("(SELECT COUNT(*) FROM partners WHERE LOWER(contact_email) = LOWER({param}))")
}

/// Whether a mobile number is some partner's contact number.
pub(crate) async fn contact_mobile_in_use(c: &mut sql::Conn, mobile: &str) -> AppResult<bool> {
    let n: i64 = sql::query_scalar("SELECT COUNT(*) FROM partners WHERE contact_mobile = $1")
        .bind(mobile)
        .fetch_one(&mut *c)
        .await?;
    Ok(n > 0)
}

/// The partner acting in `ctx` (`CBC.0155` for an actor that is not a partner, `CBC.0151` when
/// the partner is gone).
pub async fn mine(db: &Db, ctx: &Ctx) -> AppResult<Partner> {
    get(db.read(), ctx.actor.partner_id()?)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))
}

/// How many partners there are.
pub async fn count<'e, E: Into<sql::Exec<'e>>>(exec: E) -> AppResult<i64> {
    Ok(sql::query_scalar("SELECT COUNT(*) FROM partners")
        .fetch_one(exec)
        .await?)
}

/// The partners created in each of `months` (the operator's home page): one grouped read of
/// `partners_created`.
pub async fn joined_per_month(pool: &ReadPool, months: &Months) -> AppResult<Vec<i64>> {
    let (counts, _) = months
        .count_and_sum(pool, "partners", "created_at", "TRUE", "0")
        .await?;
    Ok(counts)
}

/// All partners, newest first: operators only (`CBC.0151` for anyone else).
pub async fn list_all(
    db: &Db,
    ctx: &Ctx,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Partner>)> {
    ctx.actor.require_operator()?;
    let pool = db.read();
    let total = count(pool).await?;
    let rows = sql::query(&format!(
        "SELECT {PARTNER_COLS} FROM partners ORDER BY created_at DESC, id LIMIT $1 OFFSET $2"
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok((
        total,
        rows.iter().map(row_to_partner).collect::<AppResult<_>>()?,
    ))
}

/// What `admin create-partner --json` prints. It holds the admin's password and the key's secret,
/// shown once: no adapter sends an idempotency key for this use case, so [`Db::run`] never keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CreatedPartner {
    pub partner_id: String,
    pub domain_id: String,
    pub login: String,
    pub password: String,
    pub access_key: String,
    pub secret_key: String,
    pub xaccount_type: String,
}

pub struct NewPartner {
    pub name: String,
    pub partner_type: PartnerType,
    pub parent_id: Option<String>,
    /// Console admin login; generated when `None`.
    pub login: Option<String>,
    /// Console admin password; generated when `None`.
    pub password: Option<String>,
}

/// An operator (or the command line) creates a partner with its console admin, one access key and
/// its cash account, in one transaction. `mk` seals the key's secret.
pub async fn create(
    db: &Db,
    ctx: Ctx,
    mk: MasterKey,
    input: NewPartner,
) -> AppResult<CreatedPartner> {
    ctx.actor.require_operator()?;
    let name = input.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::invalid_tr(
            "a partner name has 1 to 100 characters",
            "伙伴名称为 1 到 100 个字符。",
        ));
    }
    let short = random_hex(4);
    let login = input.login.unwrap_or_else(|| format!("partner-{short}"));
    identity::validate_login(&login)?;
    let password = input.password.unwrap_or_else(crypto::random_password);
    identity::validate_password(&password)?;
    let hash = crypto::hash_password(&password)?;
    let ptype = input.partner_type;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let parent = match &input.parent_id {
                Some(pid) => Some(get(&mut *c, pid).await?.ok_or_else(|| AppError::invalid_tr(format!("parent partner {pid} does not exist"), format!("上级伙伴 {pid} 不存在。")))?),
                None => None,
            };
            ptype.check_parent(parent.as_ref().map(|p| p.partner_type)).map_err(|e| AppError::invalid_tr(e.to_string(), e.zh()))?;
            let id = PartnerId::generate().into_string();
            let root_id = parent.as_ref().map(|p| p.root_id.clone()).unwrap_or_else(|| id.clone());
            let domain_id = random_hex(16);
            let xaccount_type = format!("pc_{}", random_hex(5));
            sql::query(
                "INSERT INTO partners (id, root_id, parent_id, name, partner_type, domain_id, xaccount_type, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(&id)
            .bind(&root_id)
            .bind(input.parent_id.clone())
            .bind(&name)
            .bind(ptype.as_str())
            .bind(&domain_id)
            .bind(&xaccount_type)
            .bind(ctx.now_ms)
            .execute(&mut *c)
            .await?;
            ledger::ensure_account(c, AccountKind::PartnerCash, &id, Some(&root_id), ctx.now_ms).await?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "partner.create",
                    target_kind: "partner",
                    target_id: &id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"name": name, "type": ptype.as_str(), "parent_id": input.parent_id}),
                },
            )
            .await?;
            identity::insert_user(c, &ctx, &login, &hash, Role::PartnerAdmin, Some(&id), None).await?;
            let key = identity::insert_access_key(c, &ctx, &mk, &KeyOwner::Partner { partner_id: id.clone() }, Some(&root_id), "initial key").await?;
            Ok(CreatedPartner {
                partner_id: id,
                domain_id,
                login,
                password,
                access_key: key.access_key,
                secret_key: key.secret_key,
                xaccount_type,
            })
        })
    })
    .await
}

/// The resellers beneath the acting partner, oldest first (none for a partner that is not a
/// distributor).
pub async fn resellers(db: &Db, ctx: &Ctx) -> AppResult<Vec<Partner>> {
    resellers_of(db.read(), ctx.actor.partner_id()?).await
}

/// The resellers beneath a distributor, oldest first.
pub async fn resellers_of<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    distributor_id: &str,
) -> AppResult<Vec<Partner>> {
    let rows = sql::query(&format!(
        "SELECT {PARTNER_COLS} FROM partners WHERE parent_id = $1 ORDER BY created_at, id"
    ))
    .bind(distributor_id)
    .fetch_all(exec)
    .await?;
    rows.iter().map(row_to_partner).collect()
}

/// Checks that `reseller_id` is a reseller directly beneath `distributor_id`.
pub async fn ensure_child<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    distributor_id: &str,
    reseller_id: &str,
) -> AppResult<Partner> {
    match get(exec, reseller_id).await? {
        Some(p) if p.parent_id.as_deref() == Some(distributor_id) => Ok(p),
        _ => Err(AppError::new(Code::NoResellerPermission)),
    }
}

/// Tree invariants for `verify`: a partner without a parent is its own root; a reseller shares its
/// parent's root. (That a delegation in effect is to the reseller's own distributor is
/// [`delegation::verify`]'s, that associations carry their partner's root `customers::verify`'s.)
pub async fn verify_tree(pool: &ReadPool) -> AppResult<Vec<String>> {
    let mut v = Vec::new();
    let bad_roots: Vec<String> = sql::query_scalar(
        "SELECT p.id FROM partners p LEFT JOIN partners q ON q.id = p.parent_id \
         WHERE (p.parent_id IS NULL AND p.root_id <> p.id) OR (p.parent_id IS NOT NULL AND (q.id IS NULL OR p.root_id <> q.root_id))",
    )
    .fetch_all(pool)
    .await?;
    v.extend(
        bad_roots
            .into_iter()
            .map(|id| format!("partner {id}: root_id does not follow its parent")),
    );
    Ok(v)
}

// ---------------------------------------------------------------------------------------------
// Contact details and status; a distributor's resellers as the vendor API lists them.

/// A change of a partner's status and contact details. `None` leaves a field as it is; an empty
/// string clears a contact field.
#[derive(Debug, Clone, Default)]
pub struct ProfileChange {
    pub partner_id: String,
    /// `active` or `restricted`.
    pub status: Option<String>,
    pub contact_mobile: Option<String>,
    pub contact_email: Option<String>,
}

/// Changes a partner's status (`active` or `restricted`: a restricted partner, and the resellers of
/// a restricted master distributor, cannot associate customers) and contact details. Operators and
/// the CLI only.
pub async fn update_profile(db: &Db, ctx: Ctx, change: ProfileChange) -> AppResult<()> {
    ctx.actor.require_operator()?;
    let ProfileChange {
        partner_id,
        status,
        contact_mobile,
        contact_email,
    } = change;
    if let Some(s) = &status {
        if s != "active" && s != "restricted" {
            return Err(AppError::invalid_tr(
                "status must be active or restricted",
                "status 必须是 active（正常）或 restricted（受限）。",
            ));
        }
    }
    let contact_mobile = match contact_mobile {
        Some(m) if m.is_empty() => Some(None),
        Some(m) => Some(Some(
            pc_domain::association::parse_cn_mobile(&m).ok_or_else(|| {
                AppError::invalid_tr(
                    "the mobile must be a Chinese mobile number",
                    "手机号必须是中国大陆手机号。",
                )
            })?,
        )),
        None => None,
    };
    if let Some(e) = contact_email.as_deref().filter(|e| !e.is_empty()) {
        if !e.contains('@') || e.len() > 256 {
            return Err(AppError::invalid_tr(
                "the e-mail address is not valid",
                "邮箱地址无效。",
            ));
        }
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let p = get(&mut *c, &partner_id)
                .await?
                .ok_or_else(|| AppError::new(Code::NotFound))?;
            let changed = audit::change(
                c,
                &ctx,
                sql::query(
                    "UPDATE partners SET status = COALESCE($1, status), \
                     contact_mobile = CASE WHEN $2 = 1 THEN $3 ELSE contact_mobile END, \
                     contact_email = CASE WHEN $4 = 1 THEN $5 ELSE contact_email END WHERE id = $6",
                )
                .bind(status.clone())
                .bind(contact_mobile.is_some() as i64)
                .bind(contact_mobile.clone().flatten())
                .bind(contact_email.is_some() as i64)
                .bind(contact_email.clone().filter(|e| !e.is_empty()))
                .bind(&p.id),
                audit::Entry {
                    action: "partner.update_profile",
                    target_kind: "partner",
                    target_id: &p.id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"status": status, "contact_mobile": contact_mobile, "contact_email": contact_email}),
                },
            )
            .await?;
            if changed {
                Ok(())
            } else {
                Err(AppError::new(Code::NotFound))
            }
        })
    })
    .await
}

/// A reseller as `list_indirect_partners` shows it (the vendor's API reference, `IndirectPartnerInfo`).
#[derive(Debug, Clone)]
pub struct IndirectPartner {
    pub id: String,
    pub name: String,
    /// The reseller's account name: its first administrator's login.
    pub account_name: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
    /// When the reseller joined the distributor (its creation beneath it).
    pub associated_at: i64,
}

/// Filters of `list_indirect_partners`. Empty strings mean "not a filter".
#[derive(Debug, Clone, Default)]
pub struct IndirectPartnerQuery {
    pub account_name: Option<String>,
    pub associated_from: Option<i64>,
    pub associated_to: Option<i64>,
    pub indirect_partner_id: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

/// The acting master distributor's resellers. Only distributors may ask (`CBC.0155` otherwise);
/// a reseller id that is not beneath the caller is `CBC.99000037`, never an empty page that would
/// tell it apart from a real one.
pub async fn list_indirect_partners(
    db: &Db,
    ctx: &Ctx,
    q: &IndirectPartnerQuery,
) -> AppResult<(i64, Vec<IndirectPartner>)> {
    let caller_id = ctx.actor.partner_id()?;
    let pool = db.read();
    let me = get(pool, caller_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if me.partner_type != PartnerType::Distributor {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "Only master distributors have cloud resellers.",
            "只有总经销商才有云经销商。",
        ));
    }
    if let Some(r) = &q.indirect_partner_id {
        ensure_child(pool, caller_id, r).await?;
    }
    // The reseller's first administrator's login is its account name.
    let login = identity::first_admin_login_sql("p.id");
    let mut w = Conditions::new(1);
    w.add("p.parent_id = ?", Arg::Text(caller_id.to_string()));
    if let Some(v) = &q.account_name {
        w.add(&format!("{login} = ?"), Arg::Text(v.clone()));
    }
    if let Some(v) = q.associated_from {
        w.add("p.created_at >= ?", Arg::Int(v));
    }
    if let Some(v) = q.associated_to {
        w.add("p.created_at <= ?", Arg::Int(v));
    }
    if let Some(v) = &q.indirect_partner_id {
        w.add("p.id = ?", Arg::Text(v.clone()));
    }
    let (total, rows) = count_and_page(
        pool,
        &format!("SELECT p.id, p.name, {login}, p.contact_mobile, p.contact_email, p.created_at"),
        "FROM partners p",
        &w,
        "p.created_at DESC, p.id",
        q.offset,
        q.limit,
    )
    .await?;
    Ok((
        total,
        rows.into_iter()
            .map(|r| IndirectPartner {
                id: r.get(0),
                name: r.get(1),
                account_name: r.get(2),
                mobile: r.get(3),
                email: r.get(4),
                associated_at: r.get(5),
            })
            .collect(),
    ))
}

impl IndirectPartnerQuery {
    /// Parses the raw wire values; every error names its field.
    pub fn parse(
        account_name: Option<String>,
        associated_on_begin: Option<String>,
        associated_on_end: Option<String>,
        indirect_partner_id: Option<String>,
        offset: Option<i64>,
        limit: Option<i64>,
    ) -> AppResult<IndirectPartnerQuery> {
        let nz = |s: Option<String>| s.filter(|v| !v.is_empty());
        let (offset, limit) =
            crate::store::filters::page(offset, limit, crate::store::filters::VENDOR_MAX_PAGE)?;
        Ok(IndirectPartnerQuery {
            account_name: nz(account_name),
            associated_from: crate::store::filters::utc_time(
                "associated_on_begin",
                associated_on_begin,
            )?,
            associated_to: crate::store::filters::utc_time("associated_on_end", associated_on_end)?,
            indirect_partner_id: nz(indirect_partner_id),
            offset,
            limit,
        })
    }
}

/// One page of `distributor_id`'s direct resellers, oldest first, with their total.
pub async fn resellers_page(
    pool: &sql::ReadPool,
    distributor_id: &str,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<Partner>)> {
    let mut w = Conditions::new(1);
    w.add("parent_id = ?", Arg::Text(distributor_id.to_string()));
    let select = format!("SELECT {PARTNER_COLS}");
    let (total, rows) = count_and_page(
        pool,
        &select,
        "FROM partners",
        &w,
        "created_at, id",
        offset,
        limit,
    )
    .await?;
    Ok((
        total,
        rows.iter().map(row_to_partner).collect::<AppResult<_>>()?,
    ))
}

/// The command line acting as partner `partner_id`'s administrator, for the commands that run a
/// partner's use case (an unknown partner is `CBC.0151`, as the use case answered when it was
/// handed the partner id). Only the command line itself (or an operator) may do this.
pub async fn act_as(db: &Db, ctx: Ctx, partner_id: &str) -> AppResult<Ctx> {
    ctx.actor.require_operator()?;
    let p = get(db.read(), partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    let actor = Actor::Partner {
        partner_id: p.id,
        root_id: p.root_id,
        user_id: Some(ctx.actor.id()),
        role: Role::PartnerAdmin,
    };
    Ok(Ctx::new(actor, ctx.request_id, ctx.now_ms))
}
