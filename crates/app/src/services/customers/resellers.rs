//! The partner tree seen with its customers: a distributor's resellers with how many customers
//! each has, and the operators' view of one partner. They count associations, which this
//! capability owns, so they live here, above `partners` (which they ask for the tree and the
//! delegations) rather than in it.

use std::collections::HashMap;

use pc_domain::ledger::AccountKind;
use pc_domain::party::PartnerType;
use pc_domain::Money;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::partners::{self, delegation};
use crate::store::filters::{bind_args, Arg, Conditions};
use crate::store::sql;
use crate::store::{ledger, Db, ReadPool};

/// A distributor's reseller with what the distributor may know of it without delegation.
#[derive(Debug, Clone)]
pub struct ResellerOverview {
    pub partner: partners::Partner,
    pub customer_count: i64,
    /// When the delegation in effect was given; `None` when not delegated.
    pub delegated_since: Option<i64>,
}

/// The resellers beneath the acting distributor, oldest first, each with its customer count and
/// delegation status (`CBC.0155` for an actor that is not a partner).
pub async fn resellers_overview(db: &Db, ctx: &Ctx) -> AppResult<Vec<ResellerOverview>> {
    overview_of(db.read(), ctx.actor.partner_id()?).await
}

async fn overview_of(pool: &ReadPool, distributor_id: &str) -> AppResult<Vec<ResellerOverview>> {
    let list = delegation::resellers_with_delegation(pool, distributor_id).await?;
    let mut counts = active_counts(pool, list.iter().map(|(p, _)| p.id.as_str())).await?;
    Ok(list
        .into_iter()
        .map(|(partner, delegated_since)| ResellerOverview {
            customer_count: counts.remove(&partner.id).unwrap_or(0),
            partner,
            delegated_since,
        })
        .collect())
}

/// How many customers each of `partner_ids` has now (a partner without any is absent), in one
/// statement for the whole list.
async fn active_counts<'a>(
    pool: &ReadPool,
    partner_ids: impl Iterator<Item = &'a str>,
) -> AppResult<HashMap<String, i64>> {
    let mut w = Conditions::new(1);
    w.add_in(
        "a.partner_id",
        partner_ids.map(|id| Arg::Text(id.to_string())),
    );
    if w.args.is_empty() {
        return Ok(HashMap::new());
    }
    w.require("a.ended_at IS NULL");
    let rows = bind_args(
        sql::query(&format!(
            "SELECT a.partner_id, COUNT(*) FROM associations a {} GROUP BY a.partner_id",
            w.where_clause()
        )),
        &w.args,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// One partner as an operator sees it.
#[derive(Debug, Clone)]
pub struct PartnerOverview {
    pub partner: partners::Partner,
    pub parent: Option<partners::Partner>,
    pub customer_count: i64,
    pub balance: Money,
    /// A distributor's resellers (empty for any other partner).
    pub resellers: Vec<ResellerOverview>,
    /// A reseller's delegation in effect (`None` for any other partner).
    pub delegation: Option<delegation::Delegation>,
}

/// One partner with its parent, customer count, balance, resellers and delegation: operators only
/// (`CBC.0151` for anyone else); an unknown id is `PC.0404`.
pub async fn partner_overview(db: &Db, ctx: &Ctx, partner_id: &str) -> AppResult<PartnerOverview> {
    ctx.actor.require_operator()?;
    let pool = db.read();
    let partner = partners::get(pool, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::NotFound))?;
    let parent = match &partner.parent_id {
        Some(id) => partners::get(pool, id).await?,
        None => None,
    };
    let customer_count = super::count_for_partner(pool, &partner.id).await?;
    let balance = ledger::balance(
        pool,
        &ledger::account_id(AccountKind::PartnerCash, &partner.id),
    )
    .await?;
    let resellers = overview_of(pool, &partner.id).await?;
    let delegation = match partner.partner_type {
        PartnerType::Reseller => delegation::current(pool, &partner.id).await?,
        _ => None,
    };
    Ok(PartnerOverview {
        partner,
        parent,
        customer_count,
        balance,
        resellers,
        delegation,
    })
}
