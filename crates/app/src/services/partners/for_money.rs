//! What the money capabilities (funds, orders) and their command line ask of partners, as use
//! cases over the partner capability's own functions.

use std::collections::HashMap;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::filters::{bind_args, count_and_page, Arg, Conditions};
use crate::store::{sql, Db};

use super::{get, resellers, row_to_partner, Partner, PARTNER_COLS};
use pc_domain::party::Role;

/// The names of the partners named, by id, in one query (a page's worth of rows); unknown ids
/// are absent.
pub async fn names<'e>(
    exec: impl Into<sql::Exec<'e>>,
    partner_ids: &[&str],
) -> AppResult<HashMap<String, String>> {
    if partner_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut w = Conditions::new(1);
    w.add_in("id", partner_ids.iter().map(|id| Arg::Text(id.to_string())));
    let sql = format!("SELECT id, name FROM partners {}", w.where_clause());
    let rows = bind_args(sql::query(&sql), &w.args).fetch_all(exec).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
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

/// The acting partner's direct resellers, oldest first (none for a partner that is not a master
/// distributor); anyone else `CBC.0155`.
pub async fn my_resellers(db: &Db, ctx: &Ctx) -> AppResult<Vec<Partner>> {
    let partner_id = ctx.actor.partner_id()?;
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
