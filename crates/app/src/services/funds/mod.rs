//! Funds: partner cash accounts, operator credits (the source of money in a deployment),
//! allocation to / reclaim from resale customers, a master distributor's allocation to / reclaim
//! from its cloud resellers, and the reads over them (balances, income/expense records, customer
//! balances). Every movement is one ledger transfer in the same transaction as its audit row.
//!
//! Who may act on whom (the vendor's API reference, the vendor's help pages):
//! - every partner acts on its own cash and on its own resale (代售) customers;
//! - a master distributor also acts on its direct resellers (`indirect_partner_id`) and on their
//!   resale customers; a partner that is not a distributor naming an `indirect_partner_id`, or a
//!   distributor naming a reseller that is not its own (or no partner at all), gets
//!   `CBC.99000037`. (Decision: the spec says the parameter "is not processed" for other callers;
//!   refusing is safer than silently answering about someone else, and matches
//!   `list_sub_customers`.)
//! - consulting-sales customers have no partner-funded account: `CBC.5024` on writes, filtered
//!   out of balance reads (§2.20).
//!
//! The parts: [`moves`] (operator credits, allocations and reclaims: the writes), [`balances`]
//! (partners' and customers' cash balances, alone and in lists), [`records`] (income/expense
//! records and one transfer seen from a partner's account). This file holds who acts on whom,
//! which every part asks. Every public item is re-exported here: callers name
//! `services::funds::…`.

pub mod arrears;
mod balances;
mod moves;
mod records;
mod summary;

pub use balances::*;
pub use moves::*;
pub use records::*;
pub use summary::*;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::partners;
use crate::store::sql::Conn;
use pc_domain::party::PartnerType;

/// The caller itself, which must exist.
async fn me(c: &mut Conn, caller_id: &str) -> AppResult<partners::Partner> {
    partners::get(&mut *c, caller_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))
}

/// One of the caller's direct resellers; only a master distributor has any.
async fn my_reseller(
    c: &mut Conn,
    me: &partners::Partner,
    reseller_id: &str,
) -> AppResult<partners::Partner> {
    if me.partner_type != PartnerType::Distributor {
        return Err(AppError::new(Code::NoResellerPermission));
    }
    if reseller_id.is_empty() {
        return Err(AppError::invalid_tr(
            "indirect_partner_id is required",
            "indirect_partner_id 必填。",
        ));
    }
    partners::ensure_child(&mut *c, &me.id, reseller_id).await
}

/// The partner an operation is about: the caller, or with `indirect_partner_id` the caller's
/// reseller (only a master distributor may name one).
pub(crate) async fn acting_partner(
    c: &mut Conn,
    caller_id: &str,
    indirect_partner_id: Option<&str>,
) -> AppResult<partners::Partner> {
    let me = me(c, caller_id).await?;
    match indirect_partner_id.filter(|s| !s.is_empty()) {
        None => Ok(me),
        Some(r) => my_reseller(c, &me, r).await,
    }
}

/// The acting partner's id and tree, all a money movement needs of it.
pub(crate) struct Acting {
    pub id: String,
    pub root_id: String,
}

/// [`acting_partner`] reduced to [`Acting`]. A partner acting for itself is known from its
/// request's credentials (`ctx.actor`, from the key or the session): no statement is needed,
/// which is one round trip less on every allocation. Acting for a reseller still checks the
/// reseller in the database.
pub(crate) async fn acting_ids(
    c: &mut Conn,
    ctx: &Ctx,
    caller_id: &str,
    indirect_partner_id: Option<&str>,
) -> AppResult<Acting> {
    if let (
        None,
        Actor::Partner {
            partner_id,
            root_id,
            ..
        },
    ) = (indirect_partner_id.filter(|s| !s.is_empty()), &ctx.actor)
    {
        if partner_id == caller_id {
            return Ok(Acting {
                id: partner_id.clone(),
                root_id: root_id.clone(),
            });
        }
    }
    let p = acting_partner(c, caller_id, indirect_partner_id).await?;
    Ok(Acting {
        id: p.id,
        root_id: p.root_id,
    })
}

/// The partner a partner-only read acts for: the acting partner, or `CBC.0155` for anyone else
/// (the message the vendor API has always given a key of the wrong kind).
pub(crate) fn partner_caller(ctx: &Ctx) -> AppResult<&str> {
    match &ctx.actor {
        Actor::Partner { partner_id, .. } => Ok(partner_id),
        _ => Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for partners.",
            "此操作仅限合作伙伴。",
        )),
    }
}

/// The partner whose cash an operator or a partner reads: a partner always reads its own (it
/// names none); an operator (or the command line) names one.
fn cash_owner<'a>(ctx: &'a Ctx, named: Option<&'a str>) -> AppResult<&'a str> {
    match &ctx.actor {
        Actor::Operator { .. } | Actor::System { .. } => Ok(named.unwrap_or_default()),
        _ => partner_caller(ctx),
    }
}
