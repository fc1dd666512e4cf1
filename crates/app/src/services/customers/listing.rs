//! A partner's (or the operators') list of customers: the filters of the vendor API's
//! `list_sub_customers` and the console, how a page and its total are read, and what a
//! distributor sees of a reseller's customers.

use pc_domain::party::PartnerType;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::{partners, partners::delegation};
use crate::store::filters::{like_pattern, page_and_total, Arg, Conditions, Total};
use crate::store::sql::ReadPool;
use crate::store::Db;

/// A customer as a partner sees it in its list.
#[derive(Debug, Clone)]
pub struct SubCustomer {
    pub customer_id: String,
    pub account_name: String,
    pub real_name: Option<String>,
    pub associated_at: i64,
    pub association_type: i64,
    pub label: Option<String>,
    pub mobile: Option<String>,
    pub country_code: Option<String>,
    pub email: Option<String>,
    pub verified_status: String,
    pub customer_type: i64,
    pub is_frozen: i64,
    pub customer_level: Option<String>,
    pub xaccount_id: Option<String>,
    pub xaccount_type: Option<String>,
    /// The partner of the active association. `None` only in the operators' list
    /// ([`list_all`]), for a customer without one; `associated_at` and `association_type` are
    /// then 0.
    pub partner_id: Option<String>,
    pub partner_name: Option<String>,
}

/// Filters of `list_sub_customers` (the vendor's API reference). Empty strings mean "not a filter".
#[derive(Debug, Clone, Default)]
pub struct SubCustomerQuery {
    pub account_name: Option<String>,
    pub customer: Option<String>,
    pub label: Option<String>,
    pub association_type: Option<i64>,
    pub associated_from: Option<i64>,
    pub associated_to: Option<i64>,
    pub customer_id: Option<String>,
    pub indirect_partner_id: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

pub const MAX_PAGE: i64 = crate::store::filters::VENDOR_MAX_PAGE;

impl SubCustomerQuery {
    /// Parses the raw wire values; every error names its field.
    #[allow(clippy::too_many_arguments)]
    pub fn parse(
        account_name: Option<String>,
        customer: Option<String>,
        label: Option<String>,
        association_type: Option<String>,
        associated_on_begin: Option<String>,
        associated_on_end: Option<String>,
        customer_id: Option<String>,
        indirect_partner_id: Option<String>,
        offset: Option<i64>,
        limit: Option<i64>,
    ) -> AppResult<SubCustomerQuery> {
        let nz = |s: Option<String>| s.filter(|v| !v.is_empty());
        let association_type = match nz(association_type).as_deref() {
            None => None,
            Some("1") => Some(1),
            Some("2") => Some(2),
            Some(_) => {
                return Err(AppError::invalid_tr(
                    "association_type must be 1 or 2",
                    "association_type 须为 1 或 2。",
                ))
            }
        };
        let (offset, limit) = page_bounds(offset, limit)?;
        Ok(SubCustomerQuery {
            account_name: nz(account_name),
            customer: nz(customer),
            label: nz(label),
            association_type,
            associated_from: crate::store::filters::utc_time(
                "associated_on_begin",
                associated_on_begin,
            )?,
            associated_to: crate::store::filters::utc_time("associated_on_end", associated_on_end)?,
            customer_id: nz(customer_id),
            indirect_partner_id: nz(indirect_partner_id),
            offset,
            limit,
        })
    }
}

/// `offset` (default 0) and `limit` (default 10, 1 to [`MAX_PAGE`]) of the vendor API.
pub fn page_bounds(offset: Option<i64>, limit: Option<i64>) -> AppResult<(i64, i64)> {
    crate::store::filters::page(offset, limit, MAX_PAGE)
}

/// Whose customers a listing covers.
#[derive(Debug, Clone, Copy)]
pub enum ListScope<'a> {
    /// The customers currently associated with one partner.
    Partner(&'a str),
    /// Every customer, associated or not (operators). The optional term matches the partner's
    /// name or id as a substring.
    All { partner: Option<&'a str> },
}

/// One page of a customer listing.
#[derive(Debug, Clone)]
pub struct Listing {
    pub total: i64,
    pub rows: Vec<SubCustomer>,
    /// For a distributor's view of a reseller's customers (`indirect_partner_id`): whether the
    /// reseller has delegated to it. `None` for every other listing.
    pub reseller_delegated: Option<bool>,
    /// The reseller's name in that view, `None` for every other listing.
    pub reseller_name: Option<String>,
}

/// The customers of one scope with the filters of `q` (its `indirect_partner_id` is not used
/// here). The `WHERE` holds only the filters the request sent (a statement per filter set, so
/// PostgreSQL plans each for what it filters on), and the total is counted as cheaply as the
/// filters allow: a partner's unfiltered total is the count the association triggers keep
/// (migration 0013); filters on the association alone count `associations` without joining
/// `customers`; only customer-side filters count the join.
pub(super) async fn query_customers(
    pool: &ReadPool,
    scope: ListScope<'_>,
    q: &SubCustomerQuery,
) -> AppResult<(i64, Vec<SubCustomer>)> {
    // Association-side conditions (partner scope: they need no customer row).
    let mut assoc = Conditions::new(2);
    if let Some(v) = &q.label {
        assoc.add("a.label LIKE ? ESCAPE '\\'", Arg::Text(like_pattern(v)));
    }
    if let Some(v) = q.association_type {
        assoc.add("a.association_type = ?", Arg::Int(v));
    }
    if let Some(v) = q.associated_from {
        assoc.add("a.associated_at >= ?", Arg::Int(v));
    }
    if let Some(v) = q.associated_to {
        assoc.add("a.associated_at <= ?", Arg::Int(v));
    }
    // The page's partner columns: in a partner's own list that partner, read once (an
    // uncorrelated subquery) instead of joined to every row.
    let (from, first, order, partner_cols) = match scope {
        ListScope::Partner(id) => {
            if let Some(v) = &q.customer_id {
                assoc.add("a.customer_id = ?", Arg::Text(v.clone()));
            }
            (
                "FROM associations a JOIN customers c ON c.id = a.customer_id \
                 WHERE a.partner_id = $1 AND a.ended_at IS NULL",
                Arg::Text(id.to_string()),
                // Ties broken by the association's own customer id, in the direction of the
                // first key: the order is then exactly that of `associations_partner_active`,
                // so a page is read from the index without sorting.
                "a.associated_at DESC, a.customer_id DESC",
                "a.partner_id, (SELECT name FROM partners WHERE id = $1)",
            )
        }
        ListScope::All { partner } => {
            if let Some(v) = &q.customer_id {
                assoc.add("c.id = ?", Arg::Text(v.clone()));
            }
            (
                "FROM customers c LEFT JOIN associations a ON a.customer_id = c.id AND a.ended_at IS NULL \
                 LEFT JOIN partners p ON p.id = a.partner_id \
                 WHERE ($1 = '' OR p.name LIKE $1 ESCAPE '\\' OR p.id LIKE $1 ESCAPE '\\')",
                Arg::Text(
                    partner
                        .filter(|s| !s.is_empty())
                        .map(like_pattern)
                        .unwrap_or_default(),
                ),
                "c.created_at DESC, c.id",
                "p.id, p.name",
            )
        }
    };
    let assoc_only = assoc.args.len();
    let mut all = assoc;
    if let Some(v) = &q.account_name {
        all.add(
            "c.domain_name LIKE ? ESCAPE '\\'",
            Arg::Text(like_pattern(v)),
        );
    }
    if let Some(v) = &q.customer {
        all.add("c.real_name LIKE ? ESCAPE '\\'", Arg::Text(like_pattern(v)));
    }
    let customer_side = all.args.len() > assoc_only;
    let mut args = vec![first];
    args.extend(all.args.iter().cloned());
    let counted;
    let total = match (scope, customer_side, assoc_only) {
        (ListScope::Partner(_), false, 0) => {
            Total::Select("SELECT active FROM partner_customer_counts WHERE partner_id = $1")
        }
        (ListScope::Partner(_), false, _) => {
            counted = format!(
                "SELECT COUNT(*) FROM associations a WHERE a.partner_id = $1 AND a.ended_at IS NULL{}",
                all.sql
            );
            Total::Select(&counted)
        }
        _ => Total::Count,
    };
    let (total, rows) = page_and_total(
        pool,
        &format!(
            "SELECT c.id, c.domain_name, c.real_name, COALESCE(a.associated_at, 0), COALESCE(a.association_type, 0), a.label, c.mobile, \
             c.country_code, c.email, c.verified_status, c.customer_type, c.is_frozen, c.customer_level, c.xaccount_id, c.xaccount_type, \
             {partner_cols}"
        ),
        &format!("{from}{}", all.sql),
        &args,
        total,
        order,
        q.offset,
        q.limit,
    )
    .await?;
    let list = rows
        .into_iter()
        // Each row's values move into the item (`Row::take`), not copied.
        .map(|mut r| SubCustomer {
            customer_id: r.take(0),
            account_name: r.take(1),
            real_name: r.take(2),
            associated_at: r.take(3),
            association_type: r.take(4),
            label: r.take(5),
            mobile: r.take(6),
            country_code: r.take(7),
            email: r.take(8),
            verified_status: r.take(9),
            customer_type: r.take(10),
            is_frozen: r.take(11),
            customer_level: r.take(12),
            xaccount_id: r.take(13),
            xaccount_type: r.take(14),
            partner_id: r.take(15),
            partner_name: r.take(16),
        })
        .collect();
    Ok((total, list))
}

/// The listing behind `list_sub_customers` and the partner console: the customers associated
/// with `partner_id`, or, when `indirect_partner_id` is set, with that reseller, which must sit
/// beneath the calling distributor. The partner comes from the authenticated identity, never
/// from the request.
///
/// The delegation rule (the vendor's help pages, decided here for the vendor API): a distributor may
/// list its reseller's customers at any time, as the vendor documents `indirect_partner_id`, but
/// their contact details (`mobile` → `telephone`, `email`) are cleared unless the reseller has
/// delegated continuous operation to it. The caller of a delegated listing must record the view:
/// [`list_and_record`] does both.
async fn list_scoped(
    pool: &ReadPool,
    partner_id: &str,
    q: &SubCustomerQuery,
) -> AppResult<Listing> {
    let (owner, reseller_delegated, reseller_name) = match &q.indirect_partner_id {
        Some(reseller) => {
            let me = partners::get(pool, partner_id)
                .await?
                .ok_or_else(|| AppError::new(Code::AccessDenied))?;
            if me.partner_type != PartnerType::Distributor {
                return Err(AppError::new(Code::NoResellerPermission));
            }
            let r = partners::ensure_child(pool, partner_id, reseller).await?;
            let delegated = delegation::is_delegated(pool, &r.id, partner_id).await?;
            (r.id, Some(delegated), Some(r.name))
        }
        None => (partner_id.to_string(), None, None),
    };
    let (total, mut rows) = query_customers(pool, ListScope::Partner(&owner), q).await?;
    if reseller_delegated == Some(false) {
        for r in &mut rows {
            r.mobile = None;
            r.email = None;
        }
    }
    Ok(Listing {
        total,
        rows,
        reseller_delegated,
        reseller_name,
    })
}

/// [`list_scoped`] without recording anything: contact details of a reseller's customers are
/// still cleared without delegation. Callers that show a delegated listing to a distributor use
/// [`list_and_record`] instead.
pub async fn list_sub_customers(
    pool: &ReadPool,
    partner_id: &str,
    q: &SubCustomerQuery,
) -> AppResult<(i64, Vec<SubCustomer>)> {
    let l = list_scoped(pool, partner_id, q).await?;
    Ok((l.total, l.rows))
}

/// Lists the acting partner's customers as [`list_sub_customers`] and, when the list is a delegated
/// reseller's, records the distributor's view (`delegation.view_customers`) before returning it.
pub async fn list_and_record(db: &Db, ctx: &Ctx, q: &SubCustomerQuery) -> AppResult<Listing> {
    let partner_id = ctx.actor.partner_id()?;
    let l = list_scoped(db.read(), partner_id, q).await?;
    if let (Some(true), Some(reseller)) = (l.reseller_delegated, &q.indirect_partner_id) {
        let ids: Vec<&str> = l.rows.iter().map(|r| r.customer_id.as_str()).collect();
        delegation::record_view(
            db,
            ctx,
            reseller,
            serde_json::json!({"customers": ids, "count": l.total}),
        )
        .await?;
    }
    Ok(l)
}

/// Every customer, with its current partner: operators only (`CBC.0151` for anyone else).
/// `partner` matches the current partner's name or id as a substring.
pub async fn list_all(
    db: &Db,
    ctx: &Ctx,
    partner: Option<&str>,
    q: &SubCustomerQuery,
) -> AppResult<(i64, Vec<SubCustomer>)> {
    ctx.actor.require_operator()?;
    query_customers(db.read(), ListScope::All { partner }, q).await
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_escapes_wildcards() {
        assert_eq!(like_pattern("a%b_c\\"), "%a\\%b\\_c\\\\%");
    }

    #[test]
    fn query_validation() {
        let p = |limit: Option<i64>, at: Option<&str>| {
            SubCustomerQuery::parse(
                None,
                None,
                None,
                at.map(str::to_string),
                None,
                None,
                None,
                None,
                None,
                limit,
            )
        };
        assert_eq!(p(None, None).unwrap().limit, 10);
        assert!(p(Some(0), None).is_err());
        assert!(p(Some(101), None).is_err());
        assert!(p(None, Some("3")).is_err());
        assert_eq!(p(None, Some("")).unwrap().association_type, None);
        let bad_time = SubCustomerQuery::parse(
            None,
            None,
            None,
            None,
            Some("yesterday".into()),
            None,
            None,
            None,
            None,
            None,
        );
        assert!(bad_time
            .unwrap_err()
            .detail
            .unwrap()
            .contains("associated_on_begin"));
    }
}
