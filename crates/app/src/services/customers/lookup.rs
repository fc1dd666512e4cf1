//! Customers as other capabilities see them in bulk: the names of a page's customers, the
//! associations in effect of a batch of customers, each in one query.

use std::collections::HashMap;

use pc_domain::party::AssociationType;

use super::association::Current;
use crate::error::{AppError, AppResult};
use crate::store::filters::rows_with_ids;
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
