//! Customers as other capabilities see them: account names (one, or a page's in one query), the
//! associations in effect of a batch of customers, a partner's resale customers among some ids
//! or by name. The SQL over `customers` and `associations` stays here; callers name customers by
//! id.

use std::collections::HashMap;

use pc_domain::party::AssociationType;

use super::association::Current;
use crate::error::{AppError, AppResult};
use crate::store::filters::{bind_args, rows_with_ids, Arg, Conditions};
use crate::store::sql;

/// The account names (`domain_name`) of the customers among `ids`, by id; an unknown id is
/// simply absent.
pub async fn names<'e>(
    exec: impl Into<sql::Exec<'e>>,
    ids: &[&str],
) -> AppResult<HashMap<String, String>> {
    let rows = rows_with_ids(
        exec,
        "SELECT id, domain_name FROM customers",
        "id",
        ids,
        &[],
    )
    .await?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The association in effect of each customer among `ids` that has one, by customer id (what
/// [`super::association::current`] answers for one customer).
pub async fn current_associations<'e>(
    exec: impl Into<sql::Exec<'e>>,
    ids: &[&str],
) -> AppResult<HashMap<String, Current>> {
    let rows = rows_with_ids(
        exec,
        "SELECT customer_id, id, partner_id, root_id, association_type FROM associations",
        "customer_id",
        ids,
        &["ended_at IS NULL"],
    )
    .await?;
    rows.iter()
        .map(|r| {
            let association_type = AssociationType::from_code(r.get(4))
                .ok_or_else(|| AppError::internal("an association of an unknown type"))?;
            let current = Current {
                id: r.get(1),
                partner_id: r.get(2),
                root_id: r.get(3),
                association_type,
            };
            Ok((r.get(0), current))
        })
        .collect()
}

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
