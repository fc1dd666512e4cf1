//! What the money capabilities (funds, orders, subscriptions, top-ups) ask of customers: account
//! names for the rows they show, a partner's resale customers, the acting customer's own
//! association and the acting partner's customers for a form. The SQL over `customers` and
//! `associations` stays here; callers name customers by id.

use std::collections::HashMap;

use pc_domain::party::AssociationType;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::filters::{bind_args, Arg, Conditions};
use crate::store::{sql, Db};

use super::{
    current_association, list_sub_customers, MyAssociation, SubCustomer, SubCustomerQuery,
};

/// One customer's account name (`None`: no such customer).
pub async fn account_name<'e>(
    exec: impl Into<sql::Exec<'e>>,
    customer_id: &str,
) -> AppResult<Option<String>> {
    Ok(
        sql::query_scalar("SELECT domain_name FROM customers WHERE id = $1")
            .bind(customer_id)
            .fetch_optional(exec)
            .await?,
    )
}

/// One customer's account name, for a customer the caller knows exists (its order, its
/// resource): a missing one is an internal error.
pub async fn known_account_name<'e>(
    exec: impl Into<sql::Exec<'e>>,
    customer_id: &str,
) -> AppResult<String> {
    account_name(exec, customer_id)
        .await?
        .ok_or_else(|| AppError::internal(format!("customer {customer_id} is missing")))
}

/// The account names of the customers named, by id, in one query (a page's worth of rows);
/// unknown ids are absent.
pub async fn account_names<'e>(
    exec: impl Into<sql::Exec<'e>>,
    customer_ids: &[&str],
) -> AppResult<HashMap<String, String>> {
    if customer_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let mut w = Conditions::new(1);
    w.add_in(
        "id",
        customer_ids.iter().map(|id| Arg::Text(id.to_string())),
    );
    let sql = format!("SELECT id, domain_name FROM customers {}", w.where_clause());
    let rows = bind_args(sql::query(&sql), &w.args).fetch_all(exec).await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// A customer currently associated with a partner for resale, with its account name.
#[derive(Debug, Clone)]
pub struct ResaleCustomer {
    pub customer_id: String,
    pub account_name: String,
}

fn resale_rows(rows: Vec<sql::Row>) -> Vec<ResaleCustomer> {
    rows.into_iter()
        .map(|r| ResaleCustomer {
            customer_id: r.get(0),
            account_name: r.get(1),
        })
        .collect()
}

const RESALE_FROM: &str = "SELECT a.customer_id, c.domain_name FROM associations a \
     JOIN customers c ON c.id = a.customer_id \
     WHERE a.partner_id = $1 AND a.ended_at IS NULL AND a.association_type = $2";

/// Which of `customer_ids` are `partner_id`'s current resale customers (in no particular order);
/// the others (consulting customers, other partners' customers, unknown ids) are left out.
pub async fn resale_among<'e>(
    exec: impl Into<sql::Exec<'e>>,
    partner_id: &str,
    customer_ids: &[&str],
) -> AppResult<Vec<ResaleCustomer>> {
    if customer_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut w = Conditions::new(3);
    w.add_in(
        "a.customer_id",
        customer_ids.iter().map(|id| Arg::Text(id.to_string())),
    );
    let sql = format!("{RESALE_FROM}{}", w.sql);
    let q = sql::query(&sql)
        .bind(partner_id)
        .bind(AssociationType::Resale.code());
    Ok(resale_rows(bind_args(q, &w.args).fetch_all(exec).await?))
}

/// `partner_id`'s current resale customers by account name (then id), at most `limit`.
pub async fn resale_by_name<'e>(
    exec: impl Into<sql::Exec<'e>>,
    partner_id: &str,
    limit: i64,
) -> AppResult<Vec<ResaleCustomer>> {
    let rows = sql::query(&format!(
        "{RESALE_FROM} ORDER BY c.domain_name, a.customer_id LIMIT $3"
    ))
    .bind(partner_id)
    .bind(AssociationType::Resale.code())
    .bind(limit)
    .fetch_all(exec)
    .await?;
    Ok(resale_rows(rows))
}

/// The acting customer's current association as it sees it (the payment page's top-up advice);
/// anyone else `CBC.0155`.
pub async fn my_association(db: &Db, ctx: &Ctx) -> AppResult<Option<MyAssociation>> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => current_association(db.read(), customer_id).await,
        _ => Err(AppError::with(
            Code::NotAllowed,
            "This operation is for customers.",
        )),
    }
}

/// The first `limit` customers of the acting partner, as `list_sub_customers` orders them (the
/// customers a discount form suggests); anyone else `CBC.0155`.
pub async fn suggested_customers(db: &Db, ctx: &Ctx, limit: i64) -> AppResult<Vec<SubCustomer>> {
    let partner_id = ctx.actor.partner_id()?;
    let q = SubCustomerQuery {
        limit,
        ..SubCustomerQuery::default()
    };
    let (_, rows) = list_sub_customers(db.read(), partner_id, &q).await?;
    Ok(rows)
}
