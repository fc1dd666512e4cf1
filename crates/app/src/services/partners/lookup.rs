//! Partners as other capabilities' listings show them: the partners of a page, in one query.

use std::collections::HashMap;

use crate::error::AppResult;
use crate::store::filters::rows_with_ids;
use crate::store::sql;

/// What a listing shows of a partner.
#[derive(Debug, Clone, serde::Serialize)]
pub struct PartnerSummary {
    pub id: String,
    pub name: String,
    /// The partner's account id (the vendor's `account_name` fields).
    pub domain_id: String,
}

/// The partners among `ids`, by id; an unknown id is simply absent.
pub async fn names<'e>(
    exec: impl Into<sql::Exec<'e>>,
    ids: &[&str],
) -> AppResult<HashMap<String, PartnerSummary>> {
    let rows = rows_with_ids(
        exec,
        "SELECT id, name, domain_id FROM partners",
        "id",
        ids,
        &[],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let p = PartnerSummary {
                id: r.get(0),
                name: r.get(1),
                domain_id: r.get(2),
            };
            (p.id.clone(), p)
        })
        .collect())
}
