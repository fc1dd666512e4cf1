//! What the money capabilities (funds, orders) and their command line ask of partners, as use
//! cases over the partner capability's own functions.

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::Db;

use super::{get, resellers, Partner};
use pc_domain::party::Role;

/// The acting partner's direct resellers, oldest first (none for a partner that is not a master
/// distributor); anyone else `CBC.0155`.
pub async fn my_resellers(db: &Db, ctx: &Ctx) -> AppResult<Vec<Partner>> {
    let partner_id = crate::services::funds::partner_caller(ctx)?;
    resellers(db.read(), partner_id).await
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
