//! One customer as each viewer sees it: the customer its own association and history, a partner
//! (or, under delegation, its distributor) its customer's detail, the operators the counts of
//! their home page.

use pc_domain::ledger::AccountKind;

use super::listing::{query_customers, ListScope, SubCustomer, SubCustomerQuery};
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::{partners, partners::delegation};
use crate::store::filters::{bind_args, Arg, Conditions};
use crate::store::months::Months;
use crate::store::sql::{self, ReadPool};
use crate::store::{ledger, Db};

/// A customer's current association, as the customer sees it.
#[derive(Debug, Clone)]
pub struct MyAssociation {
    pub partner_name: String,
    pub association_type: i64,
    pub label: Option<String>,
    pub associated_at: i64,
}

/// The customer acting in `ctx`; anyone else is `CBC.0151`.
fn acting_customer(ctx: &Ctx) -> AppResult<&str> {
    match &ctx.actor {
        crate::context::Actor::Customer { customer_id, .. } => Ok(customer_id),
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

/// The acting customer's current association, if it has one.
pub async fn current_association(db: &Db, ctx: &Ctx) -> AppResult<Option<MyAssociation>> {
    let customer_id = acting_customer(ctx)?;
    let row = sql::query(&format!(
        "SELECT {}, a.association_type, a.label, a.associated_at FROM associations a \
         WHERE a.customer_id = $1 AND a.ended_at IS NULL",
        partners::fact_sql(partners::Fact::Name, "a.partner_id")
    ))
    .bind(customer_id)
    .fetch_optional(db.read())
    .await?;
    Ok(row.map(|r| MyAssociation {
        partner_name: r.get(0),
        association_type: r.get(1),
        label: r.get(2),
        associated_at: r.get(3),
    }))
}

/// The operator's home page: how many partners and customers there are (operators only,
/// `CBC.0151` for anyone else).
pub async fn count_all(db: &Db, ctx: &Ctx) -> AppResult<(i64, i64)> {
    ctx.actor.require_operator()?;
    let pool = db.read();
    let p = partners::count(pool).await?;
    let c: i64 = sql::query_scalar("SELECT COUNT(*) FROM customers")
        .fetch_one(pool)
        .await?;
    Ok((p, c))
}

/// The customers currently associated with a partner.
pub(crate) async fn count_for_partner<'e, E: Into<sql::Exec<'e>>>(
    exec: E,
    partner_id: &str,
) -> AppResult<i64> {
    Ok(sql::query_scalar(
        "SELECT COUNT(*) FROM associations WHERE partner_id = $1 AND ended_at IS NULL",
    )
    .bind(partner_id)
    .fetch_one(exec)
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

/// The acting customer's associations with any partner, newest first.
pub async fn association_history(db: &Db, ctx: &Ctx) -> AppResult<Vec<AssociationRecord>> {
    history_of(db.read(), acting_customer(ctx)?, None).await
}

/// A customer's associations, newest first; with `partner_id`, only those with that partner.
async fn history_of(
    pool: &ReadPool,
    customer_id: &str,
    partner_id: Option<&str>,
) -> AppResult<Vec<AssociationRecord>> {
    let mut w = Conditions::new(1);
    w.add("a.customer_id = ?", Arg::Text(customer_id.to_string()));
    if let Some(p) = partner_id {
        w.add("a.partner_id = ?", Arg::Text(p.to_string()));
    }
    let rows = bind_args(
        sql::query(&format!(
            "SELECT a.id, a.partner_id, {}, a.association_type, a.label, a.associated_at, a.ended_at, a.end_reason \
             FROM associations a {} ORDER BY a.associated_at DESC, a.id DESC",
            partners::fact_sql(partners::Fact::Name, "a.partner_id"),
            w.where_clause()
        )),
        &w.args,
    )
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
    let (customer, history_of_partner, reseller) = match &ctx.actor {
        Actor::Operator { .. } => {
            let (_, mut rows) = query_customers(pool, ListScope::All { partner: None }, &q).await?;
            let c = rows.pop().ok_or_else(|| AppError::new(Code::NotFound))?;
            (c, None, None)
        }
        Actor::Customer {
            customer_id: me, ..
        } if me == customer_id => {
            let (_, mut rows) = query_customers(pool, ListScope::All { partner: None }, &q).await?;
            (rows.pop().ok_or_else(not_yours)?, None, None)
        }
        Actor::Partner { partner_id, .. } => {
            let (_, mut rows) = query_customers(pool, ListScope::Partner(partner_id), &q).await?;
            match rows.pop() {
                Some(c) => (c, Some(partner_id.clone()), None),
                None => {
                    // A customer of one of my resellers, delegated to me?
                    let owner: Option<String> = sql::query_scalar(&format!(
                        "SELECT a.partner_id FROM associations a \
                         WHERE a.customer_id = $1 AND a.ended_at IS NULL AND {} = $2",
                        partners::fact_sql(partners::Fact::Parent, "a.partner_id")
                    ))
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
    let history = history_of(pool, customer_id, history_of_partner.as_deref()).await?;
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

/// The customers associated with the acting partner in each of the last `months` months
/// (Asia/Shanghai months, this one last): every association that began then, ended since or
/// not. A master distributor counts its whole tree, its resellers' customers with its own
/// ([`MonthlyCounts::counts`]), and its own apart ([`MonthlyCounts::direct`]); a reseller counts
/// its own only, never its siblings'. The tree is the rows whose `root_id` is the partner (a
/// reseller is nobody's root, so it has none: the data decides, not the caller's claim). One
/// grouped read over two ranges of the window: `associations_partner`, `associations_root_time`.
pub async fn associated_by_month(db: &Db, ctx: &Ctx, months: i64) -> AppResult<MonthlyCounts> {
    let partner_id = ctx.actor.partner_id()?;
    let m = Months::last(ctx.now_ms, months);
    // Two ranges, each of its own index: the partner's own rows, then its tree's others.
    let sql = format!(
        "SELECT {}, COUNT(*), CAST(SUM(direct) AS BIGINT) FROM ( \
         SELECT associated_at, 1 AS direct FROM associations \
         WHERE partner_id = $1 AND associated_at >= $2 AND associated_at < $3 \
         UNION ALL SELECT associated_at, 0 AS direct FROM associations \
         WHERE root_id = $1 AND partner_id <> $1 AND associated_at >= $2 AND associated_at < $3 \
         ) t GROUP BY 1",
        m.bucket_sql("associated_at", 4)
    );
    let rows = m
        .bind(sql::query_as::<(i64, i64, i64)>(&sql).bind(partner_id))
        .fetch_all(db.read())
        .await?;
    Ok(MonthlyCounts {
        counts: m.spread(rows.iter().map(|(i, n, _)| (*i, *n))),
        direct: m.spread(rows.iter().map(|(i, _, d)| (*i, *d))),
        months: m.labels,
    })
}

/// The partners and the customers that joined the platform (accounts created) in each of the
/// last `months` months: operators only (`CBC.0151` for anyone else). Two grouped reads, of
/// `partners_created` (through `partners`) and `customers_created`.
pub async fn joined_by_month(db: &Db, ctx: &Ctx, months: i64) -> AppResult<JoinedByMonth> {
    ctx.actor.require_operator()?;
    let m = Months::last(ctx.now_ms, months);
    let pool = db.read();
    let partners = partners::joined_per_month(pool, &m).await?;
    let (customers, _) = m
        .count_and_sum(pool, "customers", "created_at", "TRUE", "0")
        .await?;
    Ok(JoinedByMonth {
        months: m.labels,
        partners,
        customers,
    })
}

/// Partners and customers joined per month, oldest month first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinedByMonth {
    /// `YYYY-MM` in Asia/Shanghai, the last is this month.
    pub months: Vec<String>,
    pub partners: Vec<i64>,
    pub customers: Vec<i64>,
}

/// A count per month, oldest month first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyCounts {
    /// `YYYY-MM` in Asia/Shanghai, the last is this month.
    pub months: Vec<String>,
    /// Everything counted (a master distributor: its whole tree).
    pub counts: Vec<i64>,
    /// The part that is the actor's own (a master distributor's direct customers); the same as
    /// `counts` where there is no tree.
    pub direct: Vec<i64>,
}
