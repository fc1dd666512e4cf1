//! Cash balances: the acting partner's (or its reseller's), a customer's own, the partner an
//! operator credits, a partner's resale customers' and the lists of partners with theirs.

use std::collections::HashMap;

use pc_domain::ledger::AccountKind;
use pc_domain::Money;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::{customers, partners};
use crate::store::filters::{bind_args, Arg, Conditions};
use crate::store::sql::{self, ReadPool};
use crate::store::{ledger, Db};

use super::{acting_partner, cash_owner, partner_caller};

/// A partner's cash account as `list_partner_balances` reports it.
#[derive(Debug, Clone)]
pub struct PartnerBalance {
    pub partner_id: String,
    pub account_id: String,
    pub amount: Money,
}

/// `list_partner_balances`: the acting partner's own cash account, or with `indirect_partner_id`
/// (master distributors only) that reseller's.
pub async fn partner_balances(
    db: &Db,
    ctx: &Ctx,
    indirect_partner_id: Option<&str>,
) -> AppResult<Vec<PartnerBalance>> {
    let caller_id = partner_caller(ctx)?;
    let mut conn = db.read().acquire().await?;
    let p = acting_partner(&mut conn, caller_id, indirect_partner_id).await?;
    let account_id = ledger::account_id(AccountKind::PartnerCash, &p.id);
    let amount = ledger::balance(&mut *conn, &account_id).await?;
    Ok(vec![PartnerBalance {
        partner_id: p.id,
        account_id,
        amount,
    }])
}

/// A partner's cash balance (zero for an unknown id): the acting partner's own, or the one an
/// operator names.
pub async fn partner_balance(db: &Db, ctx: &Ctx, partner_id: Option<&str>) -> AppResult<Money> {
    let owner = cash_owner(ctx, partner_id)?;
    ledger::balance(
        db.read(),
        &ledger::account_id(AccountKind::PartnerCash, owner),
    )
    .await
}

/// The acting customer's own cash balance (zero before its account opens); anyone else `CBC.0155`.
pub async fn customer_balance(db: &Db, ctx: &Ctx) -> AppResult<Money> {
    Ok(customer_account(db, ctx).await?.1)
}

/// [`customer_balance`] with the cash account's id (`show_customer_account_balances`).
pub async fn customer_account(db: &Db, ctx: &Ctx) -> AppResult<(String, Money)> {
    let Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        ));
    };
    let account = ledger::account_id(AccountKind::CustomerCash, customer_id);
    let amount = ledger::balance(db.read(), &account).await?;
    Ok((account, amount))
}

/// The partner an operator is about to credit, with its balance (`None`: no such partner).
pub async fn credit_target(
    db: &Db,
    ctx: &Ctx,
    partner_id: &str,
) -> AppResult<Option<PartnerWithBalance>> {
    ctx.actor.require_operator()?;
    let Some(partner) = partners::get(db.read(), partner_id).await? else {
        return Ok(None);
    };
    let account = ledger::account_id(AccountKind::PartnerCash, &partner.id);
    let balance = ledger::balance(db.read(), &account).await?;
    Ok(Some(PartnerWithBalance { partner, balance }))
}

/// A resale customer's balance as `list_customers_balances_detail` reports it.
#[derive(Debug, Clone)]
pub struct CustomerBalance {
    pub customer_id: String,
    pub account_name: String,
    pub amount: Money,
}

/// Most customer ids one balance query may name.
pub const MAX_BALANCE_QUERY: usize = 100;

/// `list_customers_balances_detail`: the balances of the named customers that are resale
/// customers of the caller (or, with `indirect_partner_id`, of the caller's reseller), in the
/// order asked, each once. Other ids (consulting customers, other partners' customers, unknown
/// ids) are left out, as the vendor filters non-resale customers: nothing about them leaks.
pub async fn customer_balances(
    db: &Db,
    ctx: &Ctx,
    indirect_partner_id: Option<&str>,
    customer_ids: &[String],
) -> AppResult<Vec<CustomerBalance>> {
    let caller_id = partner_caller(ctx)?;
    if customer_ids.is_empty() {
        return Err(AppError::invalid_tr(
            "customer_infos must name at least one customer",
            "customer_infos 须至少包含一个客户。",
        ));
    }
    if customer_ids.len() > MAX_BALANCE_QUERY {
        return Err(AppError::invalid_tr(
            format!("customer_infos may name at most {MAX_BALANCE_QUERY} customers"),
            format!("customer_infos 最多包含 {MAX_BALANCE_QUERY} 个客户。"),
        ));
    }
    if customer_ids.iter().any(|id| id.trim().is_empty()) {
        return Err(AppError::invalid_tr(
            "every customer_infos item needs a customer_id",
            "customer_infos 的每一项都须填写 customer_id。",
        ));
    }
    let mut conn = db.read().acquire().await?;
    let p = acting_partner(&mut conn, caller_id, indirect_partner_id).await?;
    let mut ids: Vec<&str> = Vec::with_capacity(customer_ids.len());
    for id in customer_ids {
        if !ids.contains(&id.as_str()) {
            ids.push(id);
        }
    }
    let resale = customers::lookup::resale_among(&mut *conn, &p.id, &ids).await?;
    let mine: Vec<&str> = resale.iter().map(|c| c.customer_id.as_str()).collect();
    let balances = balances_of(&mut *conn, AccountKind::CustomerCash, &mine).await?;
    // A customer without a cash account has never been allocated anything: left out, as the
    // vendor lists accounts.
    let mut found: Vec<CustomerBalance> = resale
        .into_iter()
        .filter_map(|c| {
            let amount = *balances.get(&c.customer_id)?;
            Some(CustomerBalance {
                customer_id: c.customer_id,
                account_name: c.account_name,
                amount,
            })
        })
        .collect();
    found.sort_by_key(|b| ids.iter().position(|id| *id == b.customer_id));
    Ok(found)
}

/// A partner and its cash balance, for lists (operator overview, a distributor's resellers).
#[derive(Debug, Clone)]
pub struct PartnerWithBalance {
    pub partner: partners::Partner,
    pub balance: Money,
}

/// The cash balances of the `kind` accounts of `owners`, by owner id, in one query; an owner
/// without an account is absent.
async fn balances_of<'e>(
    exec: impl Into<sql::Exec<'e>>,
    kind: AccountKind,
    owners: &[&str],
) -> AppResult<HashMap<String, Money>> {
    if owners.is_empty() {
        return Ok(HashMap::new());
    }
    let mut w = Conditions::new(2);
    w.add_in("owner_id", owners.iter().map(|o| Arg::Text(o.to_string())));
    let sql = format!(
        "SELECT owner_id, balance FROM ledger_accounts WHERE kind = $1{}",
        w.sql
    );
    let rows = bind_args(sql::query(&sql).bind(kind.as_str()), &w.args)
        .fetch_all(exec)
        .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get(0), Money::from_cents(r.get(1))))
        .collect())
}

/// Partners with their cash balances (zero without an account), in the order given.
async fn with_balances(
    pool: &ReadPool,
    list: Vec<partners::Partner>,
) -> AppResult<Vec<PartnerWithBalance>> {
    let ids: Vec<&str> = list.iter().map(|p| p.id.as_str()).collect();
    let balances = balances_of(pool, AccountKind::PartnerCash, &ids).await?;
    Ok(list
        .into_iter()
        .map(|partner| PartnerWithBalance {
            balance: balances.get(&partner.id).copied().unwrap_or(Money::ZERO),
            partner,
        })
        .collect())
}

/// Every partner with its balance, newest first, and the total over all partners (operators
/// and the command line only).
pub async fn all_partner_balances(
    db: &Db,
    ctx: &Ctx,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Money, Vec<PartnerWithBalance>)> {
    ctx.actor.require_operator()?;
    let pool = db.read();
    let (count, page) = partners::list_all(db, ctx, offset, limit).await?;
    // Partner cash accounts exist for partners only: their sum is what all partners hold.
    let sum: i64 = sql::query_scalar(
        "SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) FROM ledger_accounts WHERE kind = $1",
    )
    .bind(AccountKind::PartnerCash.as_str())
    .fetch_one(pool)
    .await?;
    Ok((
        count,
        Money::from_cents(sum),
        with_balances(pool, page).await?,
    ))
}

/// The acting master distributor's resellers with their balances, oldest first (none for a
/// partner that is not a distributor).
pub async fn reseller_balances(
    db: &Db,
    ctx: &Ctx,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<PartnerWithBalance>)> {
    let distributor_id = partner_caller(ctx)?;
    let pool = db.read();
    let (total, page) = partners::resellers_page(pool, distributor_id, offset, limit).await?;
    Ok((total, with_balances(pool, page).await?))
}

/// The acting partner's resale customers with their balances (for the console's forms), by
/// account name; at most `limit`.
pub async fn resale_customers_with_balances(
    db: &Db,
    ctx: &Ctx,
    limit: i64,
) -> AppResult<Vec<CustomerBalance>> {
    let partner_id = partner_caller(ctx)?;
    let mut conn = db.read().acquire().await?;
    let list = customers::lookup::resale_by_name(&mut *conn, partner_id, limit).await?;
    let ids: Vec<&str> = list.iter().map(|c| c.customer_id.as_str()).collect();
    let balances = balances_of(&mut *conn, AccountKind::CustomerCash, &ids).await?;
    Ok(list
        .into_iter()
        .map(|c| CustomerBalance {
            amount: balances.get(&c.customer_id).copied().unwrap_or(Money::ZERO),
            customer_id: c.customer_id,
            account_name: c.account_name,
        })
        .collect())
}
