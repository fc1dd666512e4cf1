//! Offline top-ups (线下汇款充值): the default top-up entry of the payment page (the vendor's help pages,
//! "by default the customer tops up here") for a deployment without a card processor.
//!
//! A customer transfers money to the vendor's bank account (the operator publishes where, the
//! *remittance instructions*), then **declares** it here: amount, the remittance reference that
//! lets the operator match the transfer, and optionally the order it is for. An **operator**
//! confirms the request once the money has arrived, which credits the customer's cash account
//! (`external:world → customer_cash`, transfer kind [`KIND_CUSTOMER_TOPUP`]) in the same
//! transaction, or rejects it with a reason the customer reads. The customer may **cancel** a
//! request while it is pending. Amount, reference and reason rules: `pc_domain::topups`.
//!
//! **Exactly once.** Every decision is a guarded `UPDATE … WHERE status = 'pending'`; only the
//! statement that changes the row goes on (to the ledger transfer), so two operators confirming
//! at once, on two server instances sharing PostgreSQL, credit once: the second `UPDATE` waits
//! for the first's row lock, then finds the row no longer pending (`PC.1502`). On SQLite the
//! single writer serialises them the same way.
//!
//! **Decisions (the spec has no offline top-up).**
//! - *Who.* Any customer but a resale (代售) one (R3.5: a resale customer's balance is its
//!   partner's allocation; `PC.1501`), including a customer without a partner. The check is made
//!   again at confirmation: a customer who became a resale customer meanwhile is not credited;
//!   the operator rejects the request and returns the money outside the system. Only operators
//!   decide (the money reaches the vendor's account, not a partner's); partners do not see the
//!   requests.
//! - *Tenant.* A request records the customer's partner root when it was declared (`root_id`,
//!   NULL without a partner) and the credit's transfer carries it, as a refund's does.
//! - *The order.* `order_id` is optional and must be one of the customer's own orders (else
//!   `CBC.30000010`); it only tells the operator what the money is for. A credit never pays the
//!   order by itself: the customer pays on the order page, choosing coupons and a discount.
//! - *Duplicates.* One remittance is declared once: a reference already pending or credited for
//!   the customer is refused (`PC.1504`, a unique index, so also under concurrency); a rejected or
//!   cancelled one may be declared again. At most [`MAX_PENDING`] requests wait per customer
//!   (`PC.1503`): the operator's queue is not a scratch pad. (Two declarations racing on
//!   PostgreSQL may pass this count together; it bounds a queue, it guards no money.)
//! - *Remittance instructions* are one text an operator publishes (payee, bank, account
//!   number), stored in `settings`; without it the customer page says to ask the operator.

use crate::store::filters::{count_and_page, Arg, Conditions};
use crate::store::sql::{self, Conn, ReadPool};
use pc_domain::ids::random_hex;
use pc_domain::ledger::AccountKind;
use pc_domain::party::AssociationType;
use pc_domain::topups::{self as rules, TopupError, TopupStatus};
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::{Actor, Ctx};
use crate::error::{unique_violation_as, AppError, AppResult, Code};
use crate::services::customers::{association, lookup};
use crate::services::{funds, orders};
use crate::store::months::Months;
use crate::store::{audit, ledger, Db};

/// The ledger transfer kind of a confirmed top-up (`external:world → customer_cash`).
pub const KIND_CUSTOMER_TOPUP: &str = "customer_topup";
/// Most requests one customer may have pending at once.
pub const MAX_PENDING: i64 = 10;
/// The `settings` key of the remittance instructions.
const INSTRUCTIONS_KEY: &str = "topup_instructions";

/// One top-up request, with the customer's account name for the operator's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Topup {
    pub id: String,
    pub root_id: Option<String>,
    pub customer_id: String,
    pub customer_name: String,
    pub amount: Money,
    pub reference: String,
    pub order_id: Option<String>,
    #[serde(with = "status_text")]
    pub status: TopupStatus,
    pub created_at: i64,
    pub decided_at: Option<i64>,
    /// The audit actor id of whoever decided (an operator, or the customer who cancelled).
    pub decided_by: Option<String>,
    pub reject_reason: Option<String>,
    pub transfer_id: Option<String>,
}

/// A [`TopupStatus`] as its text (`pending`, `credited`, …), as stored.
mod status_text {
    use pc_domain::topups::TopupStatus;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(s: &TopupStatus, ser: S) -> Result<S::Ok, S::Error> {
        ser.serialize_str(s.as_str())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<TopupStatus, D::Error> {
        let text = String::deserialize(d)?;
        TopupStatus::parse(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("top-up status {text:?}")))
    }
}

/// What a customer declares. Parsed and checked by [`declare`].
#[derive(Debug, Clone, Default)]
pub struct Declaration {
    pub amount: Money,
    pub reference: String,
    pub order_id: Option<String>,
}

fn invalid(e: TopupError) -> AppError {
    AppError::invalid_tr(e.to_string(), e.zh())
}

const COLUMNS: &str =
    "SELECT t.id, t.root_id, t.customer_id, t.amount, t.reference, t.order_id, t.status, \
     t.created_at, t.decided_at, t.decided_by, t.reject_reason, t.transfer_id";
const FROM: &str = "FROM topup_requests t";

/// A request from its row, with the customer's account name (which the customer capability
/// looks up).
fn from_row(r: &sql::Row, customer_name: String) -> AppResult<Topup> {
    let status: String = r.get(6);
    Ok(Topup {
        id: r.get(0),
        root_id: r.get(1),
        customer_id: r.get(2),
        customer_name,
        amount: Money::from_cents(r.get(3)),
        reference: r.get(4),
        order_id: r.get(5),
        status: TopupStatus::parse(&status)
            .ok_or_else(|| AppError::internal(format!("top-up status {status:?}")))?,
        created_at: r.get(7),
        decided_at: r.get(8),
        decided_by: r.get(9),
        reject_reason: r.get(10),
        transfer_id: r.get(11),
    })
}

/// One request by id, whoever it belongs to (callers scope it).
pub async fn get(pool: &ReadPool, id: &str) -> AppResult<Option<Topup>> {
    let mut c = pool.acquire().await?;
    get_in(&mut c, id).await
}

/// [`get`] inside a transaction (the request a decision just changed).
async fn get_in(c: &mut Conn, id: &str) -> AppResult<Option<Topup>> {
    let Some(r) = sql::query(&format!("{COLUMNS} {FROM} WHERE t.id = $1"))
        .bind(id)
        .fetch_optional(&mut *c)
        .await?
    else {
        return Ok(None);
    };
    let name = lookup::known_account_name(&mut *c, &r.get::<String, _>(2)).await?;
    from_row(&r, name).map(Some)
}

fn is_resale(a: &Option<association::Current>) -> bool {
    matches!(a, Some(a) if a.association_type == AssociationType::Resale)
}

/// May this customer top up itself? Every customer but a resale one (R3.5). For the console's
/// navigation and the payment page's top-up entry.
pub async fn may_top_up(pool: &ReadPool, customer_id: &str) -> AppResult<bool> {
    Ok(!is_resale(&association::current(pool, customer_id).await?))
}

/// Is `order_id` one of the acting customer's orders? (`false` for anyone else.)
pub async fn is_my_order(db: &Db, ctx: &Ctx, order_id: &str) -> AppResult<bool> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => {
            orders::customer_has_order(db.read(), customer_id, order_id).await
        }
        _ => Ok(false),
    }
}

/// The customer acting on its own top-ups; anyone else `CBC.0151`.
fn acting_customer(ctx: &Ctx) -> AppResult<String> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => Ok(customer_id.clone()),
        _ => Err(AppError::new(Code::AccessDenied)),
    }
}

/// The acting customer declares a bank transfer. Returns the pending request. Bad input is
/// `CBC.0100` naming the rule, a resale customer `PC.1501`, a foreign order `CBC.30000010`, anyone
/// but a customer `CBC.0151`; none writes.
pub async fn declare(db: &Db, ctx: Ctx, d: Declaration) -> AppResult<Topup> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { declare_in(c, &ctx, &customer_id, d).await })
    })
    .await
}

async fn declare_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    d: Declaration,
) -> AppResult<Topup> {
    let amount = rules::check_amount(d.amount).map_err(invalid)?;
    let reference = rules::reference(&d.reference).map_err(invalid)?;
    let order_id = d
        .order_id
        .map(|o| o.trim().to_string())
        .filter(|o| !o.is_empty());
    if lookup::account_name(&mut *c, customer_id).await?.is_none() {
        return Err(AppError::with_tr(
            Code::NotFound,
            format!("customer {customer_id}"),
            format!("客户 {customer_id}"),
        ));
    }
    let assoc = association::current(&mut *c, customer_id).await?;
    if is_resale(&assoc) {
        return Err(AppError::new(Code::TopupResaleCustomer));
    }
    if let Some(o) = &order_id {
        if !orders::customer_has_order(&mut *c, customer_id, o).await? {
            return Err(AppError::new(Code::InvalidOrder));
        }
    }
    let pending: i64 = sql::query_scalar(
        "SELECT COUNT(*) FROM topup_requests WHERE customer_id = $1 AND status = 'pending'",
    )
    .bind(customer_id)
    .fetch_one(&mut *c)
    .await?;
    if pending >= MAX_PENDING {
        return Err(AppError::new(Code::TopupTooManyPending));
    }
    let id = format!("tu{}", random_hex(12));
    let root_id = assoc.map(|a| a.root_id);
    let r = sql::query(
        "INSERT INTO topup_requests (id, root_id, customer_id, amount, reference, order_id, status, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7)",
    )
    .bind(&id)
    .bind(root_id.clone())
    .bind(customer_id)
    .bind(amount.cents())
    .bind(&reference)
    .bind(order_id.clone())
    .bind(ctx.now_ms)
    .execute(&mut *c)
    .await;
    unique_violation_as(r, || AppError::new(Code::TopupDuplicateReference))?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "topup.declare",
            target_kind: "topup",
            target_id: &id,
            transfer_ids: &[],
            detail: serde_json::json!({
                "customer_id": customer_id, "root_id": root_id, "amount": amount.to_string(),
                "reference": reference, "order_id": order_id,
            }),
        },
    )
    .await?;
    get_in(&mut *c, &id)
        .await?
        .ok_or_else(|| AppError::internal("top-up request vanished"))
}

/// The answer when a guarded decision changed nothing: the request does not exist (or is not
/// the caller's: the same answer), or it was already decided.
async fn undecidable(c: &mut Conn, id: &str, customer_id: Option<&str>) -> AppError {
    match get_in(&mut *c, id).await {
        Ok(Some(t)) if customer_id.is_none_or(|cid| cid == t.customer_id) => {
            AppError::new(Code::TopupNotPending)
        }
        Ok(_) => AppError::with_tr(
            Code::NotFound,
            format!("top-up request {id}"),
            format!("充值申请 {id}"),
        ),
        Err(e) => e,
    }
}

/// An operator confirms that the money arrived: pending → credited and the credit to the
/// customer's cash account, once. Returns the credited request (with its transfer id).
pub async fn confirm(db: &Db, ctx: Ctx, id: String) -> AppResult<Topup> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { confirm_in(c, &ctx, &id).await })
    })
    .await
}

async fn confirm_in(c: &mut Conn, ctx: &Ctx, id: &str) -> AppResult<Topup> {
    let row = sql::query(
        "UPDATE topup_requests SET status = 'credited', decided_at = $1, decided_by = $2 \
         WHERE id = $3 AND status = 'pending' RETURNING customer_id, amount, root_id, reference, order_id",
    )
    .bind(ctx.now_ms)
    .bind(ctx.actor.id())
    .bind(id)
    .fetch_optional(&mut *c)
    .await?;
    let Some(row) = row else {
        return Err(undecidable(c, id, None).await);
    };
    let customer_id: String = row.get(0);
    let amount = Money::from_cents(row.get(1));
    let root_id: Option<String> = row.get(2);
    let reference: String = row.get(3);
    let order_id: Option<String> = row.get(4);
    // R3.5 again: the customer may have become a resale customer since it declared.
    if is_resale(&association::current(&mut *c, &customer_id).await?) {
        return Err(AppError::with_tr(
            Code::TopupResaleCustomer,
            "reject this request and return the transfer",
            "请驳回该申请并退回汇款。",
        ));
    }
    let world = ledger::world(c, ctx.now_ms).await?;
    let to = ledger::ensure_account(
        c,
        AccountKind::CustomerCash,
        &customer_id,
        root_id.as_deref(),
        ctx.now_ms,
    )
    .await?;
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &world,
            to: &to,
            amount,
            kind: KIND_CUSTOMER_TOPUP,
            root_id: root_id.as_deref(),
            memo: Some(id),
        },
    )
    .await?;
    let tid = t.id.into_string();
    // A top-up repays what the customer owes first (funds::arrears).
    funds::arrears::repay(c, ctx, &customer_id).await?;
    sql::query("UPDATE topup_requests SET transfer_id = $1 WHERE id = $2")
        .bind(&tid)
        .bind(id)
        .execute(&mut *c)
        .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "topup.confirm",
            target_kind: "topup",
            target_id: id,
            transfer_ids: std::slice::from_ref(&tid),
            detail: serde_json::json!({
                "customer_id": customer_id, "amount": amount.to_string(), "reference": reference,
                "order_id": order_id, "balance_after": t.to_balance_after.to_string(),
            }),
        },
    )
    .await?;
    get_in(&mut *c, id)
        .await?
        .ok_or_else(|| AppError::internal("top-up request vanished"))
}

/// An operator's rejection of a pending request, with the reason the customer reads.
#[derive(Debug, Clone)]
pub struct Rejection {
    pub id: String,
    pub reason: String,
}

/// An operator rejects a pending request (the money did not arrive, the amount differs …) with
/// a reason the customer reads. Nothing moves.
pub async fn reject(db: &Db, ctx: Ctx, r: Rejection) -> AppResult<()> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { reject_in(c, &ctx, &r.id, &r.reason).await })
    })
    .await
}

async fn reject_in(c: &mut Conn, ctx: &Ctx, id: &str, reason: &str) -> AppResult<()> {
    let reason = rules::reject_reason(reason).map_err(invalid)?;
    let rejected = audit::change(
        c,
        ctx,
        sql::query(
            "UPDATE topup_requests SET status = 'rejected', decided_at = $1, decided_by = $2, reject_reason = $3 \
             WHERE id = $4 AND status = 'pending'",
        )
        .bind(ctx.now_ms)
        .bind(ctx.actor.id())
        .bind(&reason)
        .bind(id),
        audit::Entry {
            action: "topup.reject",
            target_kind: "topup",
            target_id: id,
            transfer_ids: &[],
            detail: serde_json::json!({"reason": reason}),
        },
    )
    .await?;
    if rejected {
        Ok(())
    } else {
        Err(undecidable(c, id, None).await)
    }
}

/// The acting customer withdraws its own pending request. Another customer's request is
/// `PC.0404`.
pub async fn cancel(db: &Db, ctx: Ctx, id: String) -> AppResult<()> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { cancel_in(c, &ctx, &customer_id, &id).await })
    })
    .await
}

async fn cancel_in(c: &mut Conn, ctx: &Ctx, customer_id: &str, id: &str) -> AppResult<()> {
    let cancelled = audit::change(
        c,
        ctx,
        sql::query(
            "UPDATE topup_requests SET status = 'cancelled', decided_at = $1, decided_by = $2 \
             WHERE id = $3 AND customer_id = $4 AND status = 'pending'",
        )
        .bind(ctx.now_ms)
        .bind(ctx.actor.id())
        .bind(id)
        .bind(customer_id),
        audit::Entry {
            action: "topup.cancel",
            target_kind: "topup",
            target_id: id,
            transfer_ids: &[],
            detail: serde_json::json!({"customer_id": customer_id}),
        },
    )
    .await?;
    if cancelled {
        Ok(())
    } else {
        Err(undecidable(c, id, Some(customer_id)).await)
    }
}

/// Which requests a listing covers.
#[derive(Debug, Clone, Copy, Default)]
pub struct TopupQuery<'a> {
    /// Only this customer's, for an operator; a customer always lists its own, and an operator
    /// naming none lists every customer's.
    pub customer_id: Option<&'a str>,
    pub status: Option<TopupStatus>,
    pub offset: i64,
    pub limit: i64,
}

/// One page of requests and the total: the acting customer's own, or for an operator (or the
/// command line) every customer's; anyone else `CBC.0151`. Pending requests come first, oldest
/// first (the queue an operator works through); decided ones follow, most recently decided
/// first. A status filter orders by one indexed column (`topup_requests_status`,
/// `topup_requests_decided`).
pub async fn list(db: &Db, ctx: &Ctx, q: TopupQuery<'_>) -> AppResult<(i64, Vec<Topup>)> {
    let own;
    let customer_id = match &ctx.actor {
        Actor::Customer { .. } => {
            own = acting_customer(ctx)?;
            Some(own.as_str())
        }
        _ => {
            ctx.actor.require_operator()?;
            q.customer_id
        }
    };
    let pool = db.read();
    let mut w = Conditions::new(1);
    if let Some(c) = customer_id {
        w.add("t.customer_id = ?", Arg::Text(c.to_string()));
    }
    if let Some(s) = q.status {
        w.add("t.status = ?", Arg::Text(s.as_str().to_string()));
    }
    let order = match q.status {
        Some(TopupStatus::Pending) => "t.created_at, t.id",
        Some(_) => "t.decided_at DESC, t.id",
        None => {
            "CASE WHEN t.status = 'pending' THEN 0 ELSE 1 END, \
             CASE WHEN t.status = 'pending' THEN t.created_at ELSE -COALESCE(t.decided_at, t.created_at) END, t.id"
        }
    };
    let (total, rows) = count_and_page(
        pool,
        COLUMNS,
        FROM,
        &w,
        order,
        q.offset.max(0),
        q.limit.clamp(1, 100),
    )
    .await?;
    let ids: Vec<String> = rows.iter().map(|r| r.get(2)).collect();
    let id_refs: Vec<&str> = ids.iter().map(String::as_str).collect();
    let names = lookup::names(pool, &id_refs).await?;
    let list = rows
        .iter()
        .zip(&ids)
        .map(|(r, id)| from_row(r, names.get(id).cloned().unwrap_or_default()))
        .collect::<AppResult<Vec<_>>>()?;
    Ok((total, list))
}

/// The remittance instructions customers see; empty when none are published.
pub async fn instructions(db: &Db, _ctx: &Ctx) -> AppResult<String> {
    let v: Option<String> = sql::query_scalar("SELECT value FROM settings WHERE key = $1")
        .bind(INSTRUCTIONS_KEY)
        .fetch_optional(db.read())
        .await?;
    Ok(v.unwrap_or_default())
}

/// An operator publishes the remittance instructions (empty clears them).
pub async fn set_instructions(db: &Db, ctx: Ctx, text: String) -> AppResult<()> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { set_instructions_in(c, &ctx, &text).await })
    })
    .await
}

async fn set_instructions_in(c: &mut Conn, ctx: &Ctx, text: &str) -> AppResult<()> {
    let text = rules::instructions(text).map_err(invalid)?;
    sql::query(
        "INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = $2",
    )
    .bind(INSTRUCTIONS_KEY)
    .bind(&text)
    .execute(&mut *c)
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "topup.set_instructions",
            target_kind: "setting",
            target_id: INSTRUCTIONS_KEY,
            transfer_ids: &[],
            detail: serde_json::json!({"text": text}),
        },
    )
    .await
}

/// The top-ups credited (confirmed by an operator) in each of the last `months` months, by the
/// month of the decision: how many and how much (cents). Operators only, anyone else
/// `CBC.0151`. One grouped range of `topup_requests_decided`.
pub async fn credited_by_month(db: &Db, ctx: &Ctx, months: i64) -> AppResult<CreditedByMonth> {
    ctx.actor.require_operator()?;
    let m = Months::last(ctx.now_ms, months);
    // A constant of this module, not input: the index's leading equality.
    let filter = format!("status = '{}'", TopupStatus::Credited.as_str());
    let (counts, cents) = m
        .count_and_sum(db.read(), "topup_requests", "decided_at", &filter, "amount")
        .await?;
    Ok(CreditedByMonth {
        months: m.labels,
        counts,
        cents,
    })
}

/// Top-ups credited per month, oldest month first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CreditedByMonth {
    /// `YYYY-MM` in Asia/Shanghai, the last is this month.
    pub months: Vec<String>,
    pub counts: Vec<i64>,
    /// The amounts credited, in cents.
    pub cents: Vec<i64>,
}

/// How many top-ups wait for an operator's decision: operators (and the command line) only,
/// anyone else `CBC.0151`. One range of `topup_requests_status`.
pub async fn pending_count(db: &Db, ctx: &Ctx) -> AppResult<i64> {
    ctx.actor.require_operator()?;
    Ok(
        sql::query_scalar("SELECT COUNT(*) FROM topup_requests WHERE status = $1")
            .bind(TopupStatus::Pending.as_str())
            .fetch_one(db.read())
            .await?,
    )
}
