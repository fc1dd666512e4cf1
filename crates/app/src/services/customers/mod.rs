//! Customers and their association with a partner.
//!
//! A customer is associated with at most one partner at a time (a partial unique index enforces
//! it); the association records its type (1 consulting sales, 2 resale), label and times.
//!
//! **Size.** Over 800 lines: the customer's record (creation for the vendor API, detail, contacts)
//! and its listing with every filter of `list_sub_customers` and the console. Next split:
//! `customers/{listing,detail}`, the way association, invites, verification and unbind already
//! left this file.

pub mod association;
pub mod for_money;
pub mod invites;
pub mod unbind;
pub mod verification;

use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, PartnerType, Role};
use pc_domain::CustomerId;

use crate::context::Ctx;
use crate::crypto::{self, MasterKey};
use crate::error::{AppError, AppResult, Code};
use crate::services::identity::{self, KeyOwner};
use crate::services::{partners, partners::delegation};
use crate::store::filters::{bind_args, bind_scalar_args, like_pattern, Arg, Conditions};
use crate::store::{audit, ledger, Db};

/// Inserts a customer account (no association). Returns its id, which is also its `domain_id`.
pub async fn insert_customer(
    c: &mut Conn,
    ctx: &Ctx,
    domain_name: &str,
    real_name: Option<&str>,
    mobile: Option<&str>,
    xaccount: Option<(&str, &str)>,
) -> AppResult<String> {
    let id = format!("{}{}", CustomerId::PREFIX, random_hex(15));
    let r = sql::query(
        "INSERT INTO customers (id, domain_name, real_name, mobile, country_code, xaccount_id, xaccount_type, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(domain_name)
    .bind(real_name.map(str::to_string))
    .bind(mobile.map(str::to_string))
    .bind(mobile.map(|_| "0086".to_string()))
    .bind(xaccount.map(|x| x.0.to_string()))
    .bind(xaccount.map(|x| x.1.to_string()))
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await;
    crate::error::unique_violation_as(r, || {
        AppError::with(
            Code::AlreadyExists,
            format!("account name {domain_name:?} is taken"),
        )
    })?;
    ledger::ensure_account(c, AccountKind::CustomerCash, &id, None, ctx.now_ms).await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "customer.create",
            target_kind: "customer",
            target_id: &id,
            transfer_ids: &[],
            detail: serde_json::json!({"domain_name": domain_name}),
        },
    )
    .await?;
    Ok(id)
}

/// Associates a customer with a partner. Fails when the customer already has an active association.
pub async fn associate(
    c: &mut Conn,
    ctx: &Ctx,
    partner: &partners::Partner,
    customer_id: &str,
    kind: AssociationType,
    label: Option<&str>,
) -> AppResult<()> {
    associate_with(c, ctx, partner, customer_id, kind, label, None).await
}

/// [`associate`], recording the invite link the customer came through.
pub async fn associate_with(
    c: &mut Conn,
    ctx: &Ctx,
    partner: &partners::Partner,
    customer_id: &str,
    kind: AssociationType,
    label: Option<&str>,
    invite_link_id: Option<&str>,
) -> AppResult<()> {
    let id = format!("as{}", random_hex(12));
    // `DO NOTHING` rather than catching the unique violation (which aborts a PostgreSQL
    // transaction): a concurrent association of the same customer (the same invite submitted
    // twice) waits here for the other transaction, and the refusal can then say with whom the
    // account is associated: this partner is `PC.3101`, not "another partner" `PC.3102`.
    let inserted = sql::query(
        "INSERT INTO associations (id, root_id, partner_id, customer_id, association_type, label, associated_at, invite_link_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
    )
    .bind(&id)
    .bind(&partner.root_id)
    .bind(&partner.id)
    .bind(customer_id)
    .bind(kind.code())
    .bind(label.map(str::to_string))
    .bind(ctx.now_ms)
    .bind(invite_link_id.map(str::to_string))
    .execute(&mut *c)
    .await?
    .rows_affected();
    if inserted == 0 {
        let current: Option<String> = sql::query_scalar(
            "SELECT partner_id FROM associations WHERE customer_id = $1 AND ended_at IS NULL",
        )
        .bind(customer_id)
        .fetch_optional(&mut *c)
        .await?;
        let code = if current.as_deref() == Some(partner.id.as_str()) {
            Code::AlreadyAssociatedHere
        } else {
            Code::AlreadyAssociated
        };
        return Err(AppError::new(code));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "association.create",
            target_kind: "customer",
            target_id: customer_id,
            transfer_ids: &[],
            detail: serde_json::json!({"partner_id": partner.id, "association_type": kind.code(), "label": label, "invite_link_id": invite_link_id}),
        },
    )
    .await
}

/// What `admin create-customer --json` prints. It holds the login's password and the key's secret,
/// shown once: no adapter sends an idempotency key for this use case, so [`Db::run`] never keeps it.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct CreatedCustomer {
    pub customer_id: String,
    pub domain_id: String,
    pub domain_name: String,
    pub login: String,
    pub password: String,
    pub access_key: String,
    pub secret_key: String,
}

pub struct NewCustomer {
    pub partner_id: String,
    pub association: AssociationType,
    pub domain_name: Option<String>,
    pub real_name: Option<String>,
    pub label: Option<String>,
    pub password: Option<String>,
}

/// An operator (or the command line) creates a customer associated with a partner, with a console
/// login and an access key. `mk` seals the key's secret.
pub async fn create_associated(
    db: &Db,
    ctx: Ctx,
    mk: MasterKey,
    input: NewCustomer,
) -> AppResult<CreatedCustomer> {
    ctx.actor.require_operator()?;
    let domain_name = input
        .domain_name
        .unwrap_or_else(|| format!("cust-{}", random_hex(4)));
    validate_domain_name(&domain_name)?;
    let password = input.password.unwrap_or_else(crypto::random_password);
    identity::validate_password(&password)?;
    let hash = crypto::hash_password(&password)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let partner = partners::get(&mut *c, &input.partner_id)
                .await?
                .ok_or_else(|| {
                    AppError::invalid(format!("partner {} does not exist", input.partner_id))
                })?;
            let id = insert_customer(
                c,
                &ctx,
                &domain_name,
                input.real_name.as_deref(),
                None,
                None,
            )
            .await?;
            associate(
                c,
                &ctx,
                &partner,
                &id,
                input.association,
                input.label.as_deref(),
            )
            .await?;
            identity::insert_user(
                c,
                &ctx,
                &domain_name,
                &hash,
                Role::Customer,
                None,
                Some(&id),
            )
            .await?;
            let key = identity::insert_access_key(
                c,
                &ctx,
                &mk,
                &KeyOwner::Customer {
                    customer_id: id.clone(),
                },
                None,
                "initial key",
            )
            .await?;
            Ok(CreatedCustomer {
                customer_id: id.clone(),
                domain_id: id,
                domain_name: domain_name.clone(),
                login: domain_name,
                password,
                access_key: key.access_key,
                secret_key: key.secret_key,
            })
        })
    })
    .await
}

/// The vendor's account-name rule: 5–32 characters of `[a-zA-Z0-9_-]`, starting with a letter,
/// `_` or `-`; not starting with `op_` or `shadow_`; not all digits.
pub fn validate_domain_name(s: &str) -> AppResult<()> {
    let first_ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '-');
    let ok = (5..=32).contains(&s.len())
        && first_ok
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && !s.starts_with("op_")
        && !s.starts_with("shadow_");
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "an account name has 5 to 32 letters, digits, _ or -, starts with a letter, _ or -, and does not start with op_ or shadow_",
        ))
    }
}

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
            Some(_) => return Err(AppError::invalid("association_type must be 1 or 2")),
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
}

/// The customers of one scope with the filters of `q` (its `indirect_partner_id` is not used
/// here). The `WHERE` holds only the filters the request sent (a statement per filter set, so
/// PostgreSQL plans each for what it filters on), and the total is counted as cheaply as the
/// filters allow: a partner's unfiltered total is the count the association triggers keep
/// (migration 0013); filters on the association alone count `associations` without joining
/// `customers`; only customer-side filters count the join.
async fn query_customers(
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
    let (from, first, order) = match scope {
        ListScope::Partner(id) => {
            if let Some(v) = &q.customer_id {
                assoc.add("a.customer_id = ?", Arg::Text(v.clone()));
            }
            (
                "FROM associations a JOIN customers c ON c.id = a.customer_id JOIN partners p ON p.id = a.partner_id \
                 WHERE a.partner_id = $1 AND a.ended_at IS NULL",
                Arg::Text(id.to_string()),
                // Ties broken by the association's own customer id, in the direction of the
                // first key: the order is then exactly that of `associations_partner_active`,
                // so a page is read from the index without sorting.
                "a.associated_at DESC, a.customer_id DESC",
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
    let total: i64 = match (scope, customer_side, assoc_only) {
        (ListScope::Partner(_), false, 0) => sql::query_scalar::<i64>(
            "SELECT active FROM partner_customer_counts WHERE partner_id = $1",
        )
        .bind(match &args[0] {
            Arg::Text(s) => s.as_str(),
            Arg::Int(_) => "",
        })
        .fetch_optional(pool)
        .await?
        .unwrap_or(0),
        (ListScope::Partner(_), false, _) => bind_scalar_args(
            sql::query_scalar(&format!(
                "SELECT COUNT(*) FROM associations a WHERE a.partner_id = $1 AND a.ended_at IS NULL{}",
                all.sql
            )),
            &args,
        )
        .fetch_one(pool)
        .await?,
        _ => bind_scalar_args(
            sql::query_scalar(&format!("SELECT COUNT(*) {from}{}", all.sql)),
            &args,
        )
        .fetch_one(pool)
        .await?,
    };
    let n = all.next();
    let mut page_args = args;
    page_args.push(Arg::Int(q.limit));
    page_args.push(Arg::Int(q.offset));
    let rows = bind_args(
        sql::query(&format!(
            "SELECT c.id, c.domain_name, c.real_name, COALESCE(a.associated_at, 0), COALESCE(a.association_type, 0), a.label, c.mobile, \
             c.country_code, c.email, c.verified_status, c.customer_type, c.is_frozen, c.customer_level, c.xaccount_id, c.xaccount_type, \
             p.id, p.name {from}{} ORDER BY {order} LIMIT ${n} OFFSET ${}",
            all.sql,
            n + 1
        )),
        &page_args,
    )
    .fetch_all(pool)
    .await?;
    let list = rows
        .into_iter()
        .map(|r| SubCustomer {
            customer_id: r.get(0),
            account_name: r.get(1),
            real_name: r.get(2),
            associated_at: r.get(3),
            association_type: r.get(4),
            label: r.get(5),
            mobile: r.get(6),
            country_code: r.get(7),
            email: r.get(8),
            verified_status: r.get(9),
            customer_type: r.get(10),
            is_frozen: r.get(11),
            customer_level: r.get(12),
            xaccount_id: r.get(13),
            xaccount_type: r.get(14),
            partner_id: r.get(15),
            partner_name: r.get(16),
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
    let (owner, reseller_delegated) = match &q.indirect_partner_id {
        Some(reseller) => {
            let me = partners::get(pool, partner_id)
                .await?
                .ok_or_else(|| AppError::new(Code::AccessDenied))?;
            if me.partner_type != PartnerType::Distributor {
                return Err(AppError::new(Code::NoResellerPermission));
            }
            let r = partners::ensure_child(pool, partner_id, reseller).await?;
            let delegated = delegation::is_delegated(pool, &r.id, partner_id).await?;
            (r.id, Some(delegated))
        }
        None => (partner_id.to_string(), None),
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

/// Every customer for operators (the caller checks the role), with its current partner.
pub async fn list_all(
    pool: &ReadPool,
    partner: Option<&str>,
    q: &SubCustomerQuery,
) -> AppResult<(i64, Vec<SubCustomer>)> {
    query_customers(pool, ListScope::All { partner }, q).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domain_name_rule() {
        assert!(validate_domain_name("abc_de").is_ok());
        assert!(validate_domain_name("-abcde").is_ok());
        assert!(validate_domain_name("12345").is_err());
        assert!(validate_domain_name("op_abcde").is_err());
        assert!(validate_domain_name("abc").is_err());
        assert!(validate_domain_name("abc def").is_err());
    }

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

/// A customer's current association, as the customer sees it.
#[derive(Debug, Clone)]
pub struct MyAssociation {
    pub partner_name: String,
    pub association_type: i64,
    pub label: Option<String>,
    pub associated_at: i64,
}

pub async fn current_association(
    pool: &ReadPool,
    customer_id: &str,
) -> AppResult<Option<MyAssociation>> {
    let row = sql::query(
        "SELECT p.name, a.association_type, a.label, a.associated_at FROM associations a JOIN partners p ON p.id = a.partner_id \
         WHERE a.customer_id = $1 AND a.ended_at IS NULL",
    )
    .bind(customer_id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| MyAssociation {
        partner_name: r.get(0),
        association_type: r.get(1),
        label: r.get(2),
        associated_at: r.get(3),
    }))
}

/// Counts for the operator's home page.
pub async fn count_all(pool: &ReadPool) -> AppResult<(i64, i64)> {
    let p: i64 = sql::query_scalar("SELECT COUNT(*) FROM partners")
        .fetch_one(pool)
        .await?;
    let c: i64 = sql::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(pool)
        .await?;
    Ok((p, c))
}

/// The customers currently associated with a partner.
pub async fn count_for_partner(pool: &ReadPool, partner_id: &str) -> AppResult<i64> {
    Ok(sql::query_scalar(
        "SELECT COUNT(*) FROM associations WHERE partner_id = $1 AND ended_at IS NULL",
    )
    .bind(partner_id)
    .fetch_one(pool)
    .await?)
}

/// One association of a customer with a partner, current (`ended_at` is `None`) or ended.
#[derive(Debug, Clone)]
pub struct AssociationRecord {
    pub id: String,
    pub partner_id: String,
    pub partner_name: String,
    pub association_type: i64,
    pub label: Option<String>,
    pub associated_at: i64,
    pub ended_at: Option<i64>,
    pub end_reason: Option<String>,
}

/// A customer's associations, newest first; with `partner_id`, only those with that partner.
pub async fn association_history(
    pool: &ReadPool,
    customer_id: &str,
    partner_id: Option<&str>,
) -> AppResult<Vec<AssociationRecord>> {
    let rows = sql::query(
        "SELECT a.id, a.partner_id, p.name, a.association_type, a.label, a.associated_at, a.ended_at, a.end_reason \
         FROM associations a JOIN partners p ON p.id = a.partner_id \
         WHERE a.customer_id = $1 AND ($2 IS NULL OR a.partner_id = $2) ORDER BY a.associated_at DESC, a.id DESC",
    )
    .bind(customer_id)
    .bind(partner_id.map(str::to_string))
    .fetch_all(pool)
    .await?;
    Ok(rows
        .iter()
        .map(|r| AssociationRecord {
            id: r.get(0),
            partner_id: r.get(1),
            partner_name: r.get(2),
            association_type: r.get(3),
            label: r.get(4),
            associated_at: r.get(5),
            ended_at: r.get(6),
            end_reason: r.get(7),
        })
        .collect())
}

/// One customer as its partner (or an operator) sees it.
#[derive(Debug, Clone)]
pub struct CustomerDetail {
    pub customer: SubCustomer,
    /// Associations the viewer may see: an operator or the customer all of them; a partner only
    /// those with the partner whose customer it is (another tenant's past association is not
    /// its business).
    pub history: Vec<AssociationRecord>,
    pub balance: pc_domain::Money,
    /// Seen by a master distributor under its reseller's delegation (and recorded as such).
    pub via_delegation: bool,
}

/// One customer's detail for the acting user. A partner sees its own customers, and, as a
/// master distributor, the customers of a reseller that has delegated to it (the view is
/// recorded as `delegation.view_customers`); any other id (another tenant's, unknown) is
/// `CBC.99000035`, so the answer does not tell whether the customer exists.
pub async fn detail(db: &Db, ctx: &Ctx, customer_id: &str) -> AppResult<CustomerDetail> {
    use crate::context::Actor;
    let pool = db.read();
    let q = SubCustomerQuery {
        customer_id: Some(customer_id.to_string()),
        limit: 1,
        ..SubCustomerQuery::default()
    };
    let not_yours = || AppError::new(Code::NotSubCustomer);
    let (customer, history_of, reseller) = match &ctx.actor {
        Actor::Operator { .. } => {
            let (_, mut rows) = list_all(pool, None, &q).await?;
            let c = rows.pop().ok_or_else(|| AppError::new(Code::NotFound))?;
            (c, None, None)
        }
        Actor::Customer {
            customer_id: me, ..
        } if me == customer_id => {
            let (_, mut rows) = list_all(pool, None, &q).await?;
            (rows.pop().ok_or_else(not_yours)?, None, None)
        }
        Actor::Partner { partner_id, .. } => {
            let (_, mut rows) = query_customers(pool, ListScope::Partner(partner_id), &q).await?;
            match rows.pop() {
                Some(c) => (c, Some(partner_id.clone()), None),
                None => {
                    // A customer of one of my resellers, delegated to me?
                    let owner: Option<String> = sql::query_scalar(
                        "SELECT a.partner_id FROM associations a JOIN partners p ON p.id = a.partner_id \
                         WHERE a.customer_id = $1 AND a.ended_at IS NULL AND p.parent_id = $2",
                    )
                    .bind(customer_id)
                    .bind(partner_id)
                    .fetch_optional(pool)
                    .await?;
                    let Some(r) = owner else {
                        return Err(not_yours());
                    };
                    if !delegation::is_delegated(pool, &r, partner_id).await? {
                        return Err(not_yours());
                    }
                    let (_, mut rows) = query_customers(pool, ListScope::Partner(&r), &q).await?;
                    (rows.pop().ok_or_else(not_yours)?, Some(r.clone()), Some(r))
                }
            }
        }
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    let history = association_history(pool, customer_id, history_of.as_deref()).await?;
    let balance = ledger::balance(
        pool,
        &ledger::account_id(AccountKind::CustomerCash, customer_id),
    )
    .await?;
    if let Some(r) = &reseller {
        delegation::record_view(
            db,
            ctx,
            r,
            serde_json::json!({"customers": [customer_id], "count": 1}),
        )
        .await?;
    }
    Ok(CustomerDetail {
        customer,
        history,
        balance,
        via_delegation: reseller.is_some(),
    })
}

/// A customer's contact details; an empty value clears one.
#[derive(Debug, Clone, Default)]
pub struct Contact {
    /// The customer: an operator or the command line names it; a customer's own is `None` (or
    /// its own id).
    pub customer_id: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// Sets a customer's contact details (mobile number, e-mail), as the customer's own profile
/// holds them. Operators, the command line (demo data) and the customer itself may.
pub async fn set_contact(db: &Db, ctx: Ctx, contact: Contact) -> AppResult<()> {
    use crate::context::Actor;
    let named = contact.customer_id.filter(|c| !c.is_empty());
    let customer_id = match (&ctx.actor, named) {
        (Actor::Operator { .. } | Actor::System { .. }, Some(id)) => id,
        (Actor::Operator { .. } | Actor::System { .. }, None) => {
            return Err(AppError::invalid("name the customer"))
        }
        (
            Actor::Customer {
                customer_id: me, ..
            },
            named,
        ) if named.as_ref().is_none_or(|id| id == me) => me.clone(),
        _ => return Err(AppError::new(Code::AccessDenied)),
    };
    let mobile = contact.mobile.filter(|m| !m.is_empty());
    let email = contact.email.filter(|e| !e.is_empty());
    if let Some(m) = &mobile {
        if !(5..=20).contains(&m.len()) || !m.bytes().all(|b| b.is_ascii_digit()) {
            return Err(AppError::invalid("a mobile number has 5 to 20 digits"));
        }
    }
    if let Some(e) = &email {
        let ok = e.len() <= 100
            && e.split_once('@')
                .is_some_and(|(u, d)| !u.is_empty() && d.contains('.') && !d.contains('@'));
        if !ok || e.chars().any(char::is_whitespace) {
            return Err(AppError::invalid(
                "an e-mail address looks like name@example.com",
            ));
        }
    }
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let n = sql::query(
                "UPDATE customers SET mobile = $1, country_code = $2, email = $3 WHERE id = $4",
            )
            .bind(mobile.clone())
            .bind(mobile.as_ref().map(|_| "0086".to_string()))
            .bind(email.clone())
            .bind(&customer_id)
            .execute(&mut *c)
            .await?
            .rows_affected();
            if n == 0 {
                return Err(AppError::with(Code::NotFound, format!("customer {customer_id}")));
            }
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "customer.set_contact",
                    target_kind: "customer",
                    target_id: &customer_id,
                    transfer_ids: &[],
                    detail: serde_json::json!({"mobile": mobile.is_some(), "email": email.is_some()}),
                },
            )
            .await
        })
    })
    .await
}
