//! Continuous-operation delegation (持续运营委托授权, the vendor's help pages): a cloud reseller opens its
//! customers' contact details to its master distributor and entrusts it with their continuous
//! operation (R12.1), and may cancel at any time (R12.2).
//!
//! Decisions where the domain has gaps (§12.2 publishes no field list):
//! - A delegation row holds reseller, distributor, who consented and when, who cancelled and
//!   when. Consent to 《销售拓展任务委托须知》 is a precondition of creating the row, so a row
//!   is the record of consent; nothing is ever deleted, so the rows are the history.
//! - Only an administrator of the reseller (console role `partner_admin`) may delegate or cancel,
//!   and only to the distributor the reseller belongs to (its `parent_id`). Delegating while a
//!   delegation is in effect is refused with `PC.1201` rather than silently accepted, so the
//!   consent time shown is always the one the reseller actually gave; cancelling with none in
//!   effect is refused with `PC.1202`. A partial unique index keeps one delegation in effect
//!   per reseller, also under concurrent requests.
//! - What the distributor sees (the visibility rule, docs/ARCHITECTURE.md, invariant 4): while delegated, the
//!   reseller's customers with their contact details (telephone, e-mail), and every such view is
//!   audited as `delegation.view_customers`; without delegation, the console shows only how many
//!   customers the reseller has, and the vendor API's `list_sub_customers` with
//!   `indirect_partner_id` (which the vendor documents for distributors) still lists them but
//!   without `telephone` and `email` (see [`crate::services::customers::list_sub_customers`]).

use crate::store::sql::{self, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::party::{PartnerType, Role};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::partners;
use crate::store::{audit, Db};

/// One delegation, in effect (`cancelled_at` is `None`) or ended.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Delegation {
    pub id: String,
    pub reseller_id: String,
    pub distributor_id: String,
    pub created_by: String,
    pub created_at: i64,
    pub cancelled_by: Option<String>,
    pub cancelled_at: Option<i64>,
}

impl Delegation {
    pub fn is_active(&self) -> bool {
        self.cancelled_at.is_none()
    }
}

const COLS: &str =
    "id, reseller_id, distributor_id, created_by, created_at, cancelled_by, cancelled_at";

fn row_to_delegation(r: &sql::Row) -> Delegation {
    Delegation {
        id: r.get(0),
        reseller_id: r.get(1),
        distributor_id: r.get(2),
        created_by: r.get(3),
        created_at: r.get(4),
        cancelled_by: r.get(5),
        cancelled_at: r.get(6),
    }
}

/// The reseller whose administrator is acting.
fn acting_reseller(ctx: &Ctx) -> AppResult<String> {
    match &ctx.actor {
        Actor::Partner {
            partner_id,
            role: Role::PartnerAdmin,
            ..
        } => Ok(partner_id.clone()),
        _ => Err(AppError::with_tr(
            Code::AccessDenied,
            "only an administrator of the cloud reseller may change its delegation",
            "只有云经销商的管理员可以修改其委托。",
        )),
    }
}

/// Checks that `reseller_id` (the acting admin's partner) is a reseller.
async fn reseller_admin(c: &mut sql::Conn, reseller_id: &str) -> AppResult<partners::Partner> {
    let p = partners::get(&mut *c, reseller_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if p.partner_type != PartnerType::Reseller {
        return Err(AppError::with_tr(
            Code::AccessDenied,
            "only a cloud reseller can delegate to a master distributor",
            "只有云经销商可以委托总经销商。",
        ));
    }
    Ok(p)
}

/// A reseller's delegation to give.
#[derive(Debug, Clone)]
pub struct Delegate {
    /// Must be the master distributor the reseller belongs to.
    pub distributor_id: String,
    /// The reseller's agreement to the notice.
    pub consent: bool,
}

/// The acting reseller's admin delegates the continuous operation of its customers to its master
/// distributor.
pub async fn delegate(db: &Db, ctx: Ctx, d: Delegate) -> AppResult<Delegation> {
    let Delegate {
        distributor_id,
        consent,
    } = d;
    if !consent {
        return Err(AppError::new(Code::DelegationConsentRequired));
    }
    let reseller_id = acting_reseller(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let r = reseller_admin(c, &reseller_id).await?;
            if r.parent_id.as_deref() != Some(distributor_id.as_str()) {
                return Err(AppError::new(Code::NotOwnDistributor));
            }
            let d = Delegation {
                id: format!("dg{}", random_hex(12)),
                reseller_id: r.id.clone(),
                distributor_id,
                created_by: ctx.actor.id(),
                created_at: ctx.now_ms,
                cancelled_by: None,
                cancelled_at: None,
            };
            let ins = sql::query(
                "INSERT INTO delegations (id, root_id, reseller_id, distributor_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&d.id)
            .bind(&r.root_id)
            .bind(&d.reseller_id)
            .bind(&d.distributor_id)
            .bind(&d.created_by)
            .bind(d.created_at)
            .execute(&mut *c)
            .await;
            crate::error::unique_violation_as(ins, || AppError::new(Code::DelegationActive))?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "delegation.create",
                    target_kind: "partner",
                    target_id: &d.reseller_id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"delegation_id": d.id, "distributor_id": d.distributor_id, "consent": true}),
                },
            )
            .await?;
            Ok(d)
        })
    })
    .await
}

/// The acting reseller's admin cancels the delegation in effect ("取消委托授权", R12.2).
pub async fn cancel(db: &Db, ctx: Ctx) -> AppResult<Delegation> {
    let reseller_id = acting_reseller(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let r = reseller_admin(c, &reseller_id).await?;
            let found = current(&mut *c, &r.id)
                .await?
                .ok_or_else(|| AppError::new(Code::NoActiveDelegation))?;
            let by = ctx.actor.id();
            // Guarded: of two concurrent cancels, one updates the row and the other finds none.
            let n = sql::query(
                "UPDATE delegations SET cancelled_by = $1, cancelled_at = $2 WHERE id = $3 AND cancelled_at IS NULL",
            )
            .bind(&by)
            .bind(ctx.now_ms)
            .bind(&found.id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AppError::new(Code::NoActiveDelegation));
            }
            let d = Delegation {
                cancelled_by: Some(by),
                cancelled_at: Some(ctx.now_ms),
                ..found
            };
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "delegation.cancel",
                    target_kind: "partner",
                    target_id: &d.reseller_id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"delegation_id": d.id, "distributor_id": d.distributor_id}),
                },
            )
            .await?;
            Ok(d)
        })
    })
    .await
}

/// The delegation in effect for a reseller, if any.
pub async fn current<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    reseller_id: &str,
) -> AppResult<Option<Delegation>> {
    let row = sql::query(&format!(
        "SELECT {COLS} FROM delegations WHERE reseller_id = $1 AND cancelled_at IS NULL"
    ))
    .bind(reseller_id)
    .fetch_optional(exec)
    .await?;
    Ok(row.as_ref().map(row_to_delegation))
}

/// What a reseller's delegation page shows.
#[derive(Debug, Clone)]
pub struct DelegationHistory {
    /// The master distributor the reseller belongs to (`None` for a partner without a parent).
    pub distributor: Option<partners::Partner>,
    /// Every delegation the reseller ever gave, newest first.
    pub delegations: Vec<Delegation>,
}

impl DelegationHistory {
    /// The delegation in effect, if any.
    pub fn current(&self) -> Option<&Delegation> {
        self.delegations.iter().find(|d| d.is_active())
    }
}

/// The acting partner's distributor and every delegation it ever gave, newest first
/// (`CBC.0155` for an actor that is not a partner).
pub async fn history(db: &Db, ctx: &Ctx) -> AppResult<DelegationHistory> {
    let reseller_id = ctx.actor.partner_id()?;
    let pool = db.read();
    let me = partners::get(pool, reseller_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    let distributor = match &me.parent_id {
        Some(d) => partners::get(pool, d).await?,
        None => None,
    };
    let rows = sql::query(&format!(
        "SELECT {COLS} FROM delegations WHERE reseller_id = $1 ORDER BY created_at DESC, id DESC"
    ))
    .bind(reseller_id)
    .fetch_all(pool)
    .await?;
    Ok(DelegationHistory {
        distributor,
        delegations: rows.iter().map(row_to_delegation).collect(),
    })
}

/// Whether `reseller_id` has delegated to `distributor_id` right now: the one condition under
/// which the distributor sees the reseller's customers' contact details.
pub async fn is_delegated<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    reseller_id: &str,
    distributor_id: &str,
) -> AppResult<bool> {
    Ok(current(exec, reseller_id)
        .await?
        .is_some_and(|d| d.distributor_id == distributor_id))
}

/// Records that the distributor acting in `ctx` saw delegated data of `reseller_id` (a list of
/// its customers, or one customer's detail). Called before the data is returned, so a view that
/// cannot be audited is not shown.
pub async fn record_view(
    db: &Db,
    ctx: &Ctx,
    reseller_id: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    let (ctx, reseller_id) = (ctx.clone(), reseller_id.to_string());
    db.write(move |c| {
        Box::pin(async move {
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "delegation.view_customers",
                    target_kind: "partner",
                    target_id: &reseller_id,
                    transfer_ids: &[],
                    detail,
                },
            )
            .await
        })
    })
    .await
}

/// The resellers beneath a distributor, oldest first, each with when the delegation it gave that
/// distributor took effect (`None` when it has none in effect).
pub async fn resellers_with_delegation<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    distributor_id: &str,
) -> AppResult<Vec<(partners::Partner, Option<i64>)>> {
    let rows = sql::query(&format!(
        "SELECT {}, d.created_at FROM partners p \
         LEFT JOIN delegations d ON d.reseller_id = p.id AND d.distributor_id = $1 AND d.cancelled_at IS NULL \
         WHERE p.parent_id = $1 ORDER BY p.created_at, p.id",
        partners::PARTNER_COLS_OF_P
    ))
    .bind(distributor_id)
    .fetch_all(exec)
    .await?;
    rows.iter()
        .map(|r| Ok((partners::row_to_partner(r)?, r.get(9))))
        .collect()
}

/// Tree invariant for `verify`: a delegation in effect names the reseller's own distributor and
/// carries its tenant.
pub async fn verify(pool: &ReadPool) -> AppResult<Vec<String>> {
    let bad: Vec<String> = sql::query_scalar(
        "SELECT d.id FROM delegations d JOIN partners r ON r.id = d.reseller_id \
         WHERE d.cancelled_at IS NULL AND (r.parent_id IS NULL OR r.parent_id <> d.distributor_id OR d.root_id <> r.root_id)",
    )
    .fetch_all(pool)
    .await?;
    Ok(bad
        .into_iter()
        .map(|id| format!("delegation {id}: not to the reseller's own distributor"))
        .collect())
}
