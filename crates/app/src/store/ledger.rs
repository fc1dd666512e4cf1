//! The ledger in the database: accounts with a cached balance and an append-only list of transfers.
//!
//! A transfer is posted with two guarded `UPDATE … RETURNING balance` statements and one `INSERT`,
//! inside the caller's transaction. The debit's `WHERE` clause carries the account's floor, so the
//! check and the change are one atomic statement on both engines (no read-then-write race). The
//! two accounts are always updated in id order so concurrent transfers on PostgreSQL cannot
//! deadlock. `verify` re-derives every balance from the transfers.

use std::collections::{HashMap, HashSet};

use crate::store::sql::{self, Conn, ReadPool};
use crate::store::Engine;
use crate::store::{bulk, filters};
use pc_domain::ledger::{check_transfer, AccountKind, LedgerError};
use pc_domain::{Money, TransferId};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};

/// The id of the account of `kind` owned by `owner` (a partner id, a customer id, `world`).
pub fn account_id(kind: AccountKind, owner: &str) -> String {
    format!("{}:{owner}", kind.as_str())
}

pub const EXTERNAL_OWNER: &str = "world";

/// Creates the account if it does not exist; returns its id. `ON CONFLICT` names no column on
/// purpose: the row is unique by `id` and by `(kind, owner_id)`, and on PostgreSQL a concurrent
/// first creation (two operator credits on a new deployment, both opening `external:world`) can
/// meet the other index first; a conflict on either is "already there".
pub async fn ensure_account(
    c: &mut Conn,
    kind: AccountKind,
    owner: &str,
    root_id: Option<&str>,
    now_ms: i64,
) -> AppResult<String> {
    open_accounts(c, &[(kind, owner, root_id)], now_ms).await?;
    Ok(account_id(kind, owner))
}

/// Creates the accounts `(kind, owner, root)` that do not exist yet, in one statement (see
/// [`ensure_account`]).
pub async fn open_accounts(
    c: &mut Conn,
    accounts: &[(AccountKind, &str, Option<&str>)],
    now_ms: i64,
) -> AppResult<()> {
    let mut rows = bulk::Rows::new(7);
    for (kind, owner, root_id) in accounts {
        rows.push(account_id(*kind, owner))
            .push(root_id.map(str::to_string))
            .push(kind.as_str())
            .push(*owner)
            .push(0i64)
            .push(kind.floor().map(|m| m.cents()))
            .push(now_ms);
    }
    // Nobody reads its outcome (the accounts exist afterwards either way): on PostgreSQL it
    // travels with the statement that needs them, not in a round trip of its own.
    bulk::defer(
        c,
        "INSERT INTO ledger_accounts (id, root_id, kind, owner_id, balance, lower_limit, created_at) \
         VALUES {rows} ON CONFLICT DO NOTHING",
        rows,
    )
    .await?;
    Ok(())
}

/// The `external:world` account (money entering or leaving the system: operator credit,
/// payments, refunds), created on first use; returns its id.
pub async fn world(c: &mut Conn, now_ms: i64) -> AppResult<String> {
    ensure_account(c, AccountKind::External, EXTERNAL_OWNER, None, now_ms).await
}

pub struct Posting<'a> {
    pub from: &'a str,
    pub to: &'a str,
    pub amount: Money,
    /// What the transfer is for, e.g. `operator_credit`, `allocate_customer`.
    pub kind: &'a str,
    pub root_id: Option<&'a str>,
    pub memo: Option<&'a str>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Posted {
    pub id: TransferId,
    pub from_balance_after: Money,
    pub to_balance_after: Money,
}

/// Is this account's balance derived from its transfers instead of cached on its row? True of
/// the unbounded `external:` account (decision 0004): every payment, refund and credit in the
/// deployment touches it, so a cached balance would make its row a global lock, serialising all
/// money movement and deadlocking transactions that take it before another account (a payment
/// with a coupon holds `external:world` after the coupon and then needs the customer's cash
/// account, while a plain payment holds that cash account and waits for `external:world`).
/// Having no floor, it needs no check either. Its transfers record 0 as its running balance.
pub fn is_derived(account: &str) -> bool {
    account.starts_with("external:")
}

/// Posts one transfer. Fails with `InsufficientBalance` when the debit would cross the source's
/// floor, an internal error when an account does not exist, `Overflow` when the credit would
/// pass the largest balance. On failure no transfer is recorded, but one of the two accounts may
/// already be updated: the caller must give the error up so that its transaction rolls back
/// (every use case does, with `?`; `Db::run` rolls back on `Err`), never go on writing in it.
pub async fn transfer(c: &mut Conn, ctx: &Ctx, p: &Posting<'_>) -> AppResult<Posted> {
    check_transfer(p.from, p.to, p.amount)?;
    if c.engine() == Engine::Postgres && !is_derived(p.from) && !is_derived(p.to) {
        return transfer_pg(c, ctx, p).await;
    }
    let (from_after, to_after) = if p.from < p.to {
        let f = debit(c, p.from, p.amount).await?;
        let t = credit(c, p.to, p.amount).await?;
        (f, t)
    } else {
        let t = credit(c, p.to, p.amount).await?;
        let f = debit(c, p.from, p.amount).await?;
        (f, t)
    };
    let id = TransferId::generate_ordered(ctx.now_ms);
    sql::query(
        "INSERT INTO ledger_transfers (id, root_id, from_account, to_account, amount, from_balance_after, to_balance_after, kind, memo, request_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id.as_str())
    .bind(p.root_id.map(str::to_string))
    .bind(p.from)
    .bind(p.to)
    .bind(p.amount.cents())
    .bind(from_after.cents())
    .bind(to_after.cents())
    .bind(p.kind)
    .bind(p.memo.map(str::to_string))
    .bind(&ctx.request_id)
    .bind(ctx.now_ms)
    .execute(c)
    .await?;
    Ok(Posted {
        id,
        from_balance_after: from_after,
        to_balance_after: to_after,
    })
}

/// [`transfer`] on PostgreSQL between two cached accounts: the debit, the credit and the
/// transfer row in one statement, so a money movement costs one round trip instead of three and
/// the debited row stays locked two round trips less (a hot account's throughput, bench P3).
///
/// The same guards as the three statements: the debit's floor and the credit's overflow bound in
/// the `WHERE` clauses. The two rows are locked in id order as everywhere in the ledger: the
/// `UPDATE` of the account with the smaller id (`first`) runs before the other, which reads
/// `first`'s output (a data-modifying `WITH` runs when its output is first needed). The transfer
/// row is inserted only when both updates found their row; otherwise the statement changes
/// nothing the caller keeps (the failed use case rolls its transaction back) and a second query
/// tells which guard held, as in [`debit`] and [`credit`].
async fn transfer_pg(c: &mut Conn, ctx: &Ctx, p: &Posting<'_>) -> AppResult<Posted> {
    const DEBIT: &str = "UPDATE ledger_accounts SET balance = balance - $5 \
         WHERE id = $3 AND (lower_limit IS NULL OR balance - $5 >= lower_limit)";
    const CREDIT: &str =
        "UPDATE ledger_accounts SET balance = balance + $5 WHERE id = $4 AND balance <= $10";
    let (first, second) = if p.from < p.to {
        (DEBIT, CREDIT)
    } else {
        (CREDIT, DEBIT)
    };
    let statement = format!(
        "WITH first AS ({first} RETURNING id, balance), \
         second AS ({second} AND EXISTS (SELECT 1 FROM first) RETURNING id, balance), \
         moved AS (SELECT \
             (SELECT balance FROM first WHERE id = $3 UNION ALL SELECT balance FROM second WHERE id = $3) AS from_after, \
             (SELECT balance FROM first WHERE id = $4 UNION ALL SELECT balance FROM second WHERE id = $4) AS to_after), \
         t AS (INSERT INTO ledger_transfers (id, root_id, from_account, to_account, amount, from_balance_after, to_balance_after, kind, memo, request_id, created_at) \
             SELECT $1, $2, $3, $4, $5, from_after, to_after, $6, $7, $8, $9 FROM moved \
             WHERE from_after IS NOT NULL AND to_after IS NOT NULL RETURNING 1) \
         SELECT from_after, to_after FROM moved"
    );
    let id = TransferId::generate_ordered(ctx.now_ms);
    let row = sql::query(&statement)
        .bind(id.as_str())
        .bind(p.root_id.map(str::to_string))
        .bind(p.from)
        .bind(p.to)
        .bind(p.amount.cents())
        .bind(p.kind)
        .bind(p.memo.map(str::to_string))
        .bind(&ctx.request_id)
        .bind(ctx.now_ms)
        .bind(i64::MAX - p.amount.cents())
        .fetch_one(&mut *c)
        .await?;
    let from_after: Option<i64> = row.try_get(0)?;
    let to_after: Option<i64> = row.try_get(1)?;
    match (from_after, to_after) {
        (Some(f), Some(t)) => Ok(Posted {
            id,
            from_balance_after: Money::from_cents(f),
            to_balance_after: Money::from_cents(t),
        }),
        _ => Err(refusal(c, p, from_after.is_none()).await?),
    }
}

/// Why a guarded transfer moved nothing: a missing account, or the debit's floor (`debit_failed`),
/// or the credit's overflow bound.
async fn refusal(c: &mut Conn, p: &Posting<'_>, debit_failed: bool) -> AppResult<AppError> {
    for account in [p.from, p.to] {
        let exists = sql::query("SELECT 1 FROM ledger_accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(&mut *c)
            .await?;
        if exists.is_none() {
            return Ok(AppError::internal(format!(
                "ledger account {account} does not exist"
            )));
        }
    }
    Ok(if debit_failed {
        AppError::new(Code::InsufficientBalance)
    } else {
        LedgerError::Overflow.into()
    })
}

/// Posts many transfers from cached accounts to derived ones ([`is_derived`]: money leaving, such
/// as a batch of pay-per-use charges) in two statements whatever their number: one guarded
/// `UPDATE … FROM (VALUES …)` of every debited account (the floor checked in its `WHERE`, as in
/// [`transfer`]; the new balances returned) and one multi-row `INSERT` of the transfer rows, each
/// with its account's running balance. An account debited by several postings is debited once
/// by their sum, and its rows carry the balance after each, in order. On PostgreSQL the caller
/// locks the accounts first, in id order ([`balances_for_update`]), as every use case that
/// decides amounts from balances does. Fails as [`transfer`] does and, like it, leaves its
/// transaction to be rolled back.
pub async fn transfer_many(
    c: &mut Conn,
    ctx: &Ctx,
    postings: &[Posting<'_>],
) -> AppResult<Vec<TransferId>> {
    let mut sums: Vec<(&str, i64)> = Vec::new();
    let mut at: HashMap<&str, usize> = HashMap::new();
    for p in postings {
        check_transfer(p.from, p.to, p.amount)?;
        if is_derived(p.from) || !is_derived(p.to) {
            return Err(AppError::internal(format!(
                "transfer_many moves from cached accounts to derived ones, not {} → {}",
                p.from, p.to
            )));
        }
        let i = *at.entry(p.from).or_insert_with(|| {
            sums.push((p.from, 0));
            sums.len() - 1
        });
        sums[i].1 = sums[i]
            .1
            .checked_add(p.amount.cents())
            .ok_or(LedgerError::Overflow)?;
    }
    if sums.is_empty() {
        return Ok(Vec::new());
    }
    let mut rows = bulk::Rows::new(2);
    for (account, amount) in &sums {
        rows.push(*account).push(*amount);
    }
    let mut after: HashMap<String, i64> = bulk::fetch_all(
        c,
        "UPDATE ledger_accounts SET balance = balance - v.column2 FROM (VALUES {rows}) AS v \
         WHERE ledger_accounts.id IN ({firsts}) AND ledger_accounts.id = v.column1 AND (ledger_accounts.lower_limit IS NULL \
         OR ledger_accounts.balance - v.column2 >= ledger_accounts.lower_limit) \
         RETURNING ledger_accounts.id, ledger_accounts.balance",
        rows,
    )
    .await?
    .iter()
    .map(|r| (r.get(0), r.get(1)))
    .collect();
    if let Some((account, _)) = sums.iter().find(|(a, _)| !after.contains_key(*a)) {
        let exists = sql::query("SELECT 1 FROM ledger_accounts WHERE id = $1")
            .bind(*account)
            .fetch_optional(&mut *c)
            .await?;
        return Err(match exists {
            Some(_) => AppError::new(Code::InsufficientBalance),
            None => AppError::internal(format!("ledger account {account} does not exist")),
        });
    }
    // Each row's balance after it: the final balance plus what the account's later rows took.
    let mut from_after = vec![0i64; postings.len()];
    for (i, p) in postings.iter().enumerate().rev() {
        let running = after
            .get_mut(p.from)
            .expect("every debited account was returned");
        from_after[i] = *running;
        *running += p.amount.cents();
    }
    let mut ids = Vec::with_capacity(postings.len());
    let mut rows = bulk::Rows::new(11);
    for (p, fa) in postings.iter().zip(from_after) {
        let id = TransferId::generate_ordered(ctx.now_ms);
        rows.push(id.as_str())
            .push(p.root_id.map(str::to_string))
            .push(p.from)
            .push(p.to)
            .push(p.amount.cents())
            .push(fa)
            // A derived account records 0 as its running balance.
            .push(0i64)
            .push(p.kind)
            .push(p.memo.map(str::to_string))
            .push(ctx.request_id.as_str())
            .push(ctx.now_ms);
        ids.push(id);
    }
    bulk::defer(
        c,
        "INSERT INTO ledger_transfers (id, root_id, from_account, to_account, amount, from_balance_after, to_balance_after, \
         kind, memo, request_id, created_at) VALUES {rows}",
        rows,
    )
    .await?;
    Ok(ids)
}

async fn debit(c: &mut Conn, account: &str, amount: Money) -> AppResult<Money> {
    if is_derived(account) {
        return Ok(Money::ZERO);
    }
    let row = sql::query(
        "UPDATE ledger_accounts SET balance = balance - $1 \
         WHERE id = $2 AND (lower_limit IS NULL OR balance - $1 >= lower_limit) RETURNING balance",
    )
    .bind(amount.cents())
    .bind(account)
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => Ok(Money::from_cents(r.get(0))),
        None => {
            let exists = sql::query("SELECT 1 FROM ledger_accounts WHERE id = $1")
                .bind(account)
                .fetch_optional(&mut *c)
                .await?;
            Err(if exists.is_some() {
                AppError::new(Code::InsufficientBalance)
            } else {
                AppError::internal(format!("ledger account {account} does not exist"))
            })
        }
    }
}

async fn credit(c: &mut Conn, account: &str, amount: Money) -> AppResult<Money> {
    if is_derived(account) {
        return Ok(Money::ZERO);
    }
    // Never past the largest balance a BIGINT holds: SQLite would store the sum as a float,
    // PostgreSQL fail with "bigint out of range" (the amount is positive, so no overflow here).
    let row = sql::query(
        "UPDATE ledger_accounts SET balance = balance + $1 WHERE id = $2 AND balance <= $3 \
         RETURNING balance",
    )
    .bind(amount.cents())
    .bind(account)
    .bind(i64::MAX - amount.cents())
    .fetch_optional(&mut *c)
    .await?;
    match row {
        Some(r) => Ok(Money::from_cents(r.get(0))),
        None => {
            let exists = sql::query("SELECT 1 FROM ledger_accounts WHERE id = $1")
                .bind(account)
                .fetch_optional(&mut *c)
                .await?;
            Err(if exists.is_some() {
                LedgerError::Overflow.into()
            } else {
                AppError::internal(format!("ledger account {account} does not exist"))
            })
        }
    }
}

/// What moved in `[from_ms, to_ms)`, summed by transfer kind (cents): for checks that reconcile
/// another capability's records with the ledger (a closed billing month's payments).
pub async fn net_by_kinds(
    pool: &ReadPool,
    from_ms: i64,
    to_ms: i64,
) -> AppResult<std::collections::HashMap<String, i64>> {
    let rows: Vec<(String, i64)> = sql::query_as(
        "SELECT kind, CAST(SUM(amount) AS BIGINT) FROM ledger_transfers WHERE created_at >= $1 AND created_at < $2 GROUP BY kind",
    )
    .bind(from_ms)
    .bind(to_ms)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().collect())
}

/// The cached balances of several accounts in one query (a page of quotas or coupons), by account
/// id; an account never opened is absent (its balance is zero). Not for derived accounts
/// ([`is_derived`]), whose balance is a scan.
pub async fn balances<'e>(
    exec: impl Into<sql::Exec<'e>>,
    accounts: &[&str],
) -> AppResult<HashMap<String, Money>> {
    debug_assert!(accounts.iter().all(|a| !is_derived(a)));
    let rows = filters::rows_with_ids(
        exec,
        "SELECT id, balance FROM ledger_accounts",
        "id",
        accounts,
        &[],
    )
    .await?;
    Ok(rows
        .iter()
        .map(|r| (r.get::<String, _>(0), Money::from_cents(r.get(1))))
        .collect())
}

/// The balance of an account; zero when it was never opened. A derived account's ([`is_derived`])
/// is summed from its transfers (a scan: for reports, not for hot paths).
pub async fn balance<'e, E>(exec: E, account: &str) -> AppResult<Money>
where
    E: Into<sql::Exec<'e>>,
{
    let v: Option<i64> = if is_derived(account) {
        sql::query_scalar(
            "SELECT CAST(COALESCE(SUM(CASE WHEN to_account = $1 THEN amount ELSE -amount END), 0) AS BIGINT) \
             FROM ledger_transfers WHERE from_account = $1 OR to_account = $1",
        )
        .bind(account)
        .fetch_optional(exec)
        .await?
    } else {
        sql::query_scalar("SELECT balance FROM ledger_accounts WHERE id = $1")
            .bind(account)
            .fetch_optional(exec)
            .await?
    };
    Ok(Money::from_cents(v.unwrap_or(0)))
}

/// The balance of a cached account, its row locked until the transaction ends on PostgreSQL (on
/// SQLite the one writer already excludes every other write): for a use case that decides how
/// much to move from what an account holds, so that no other transaction can take it between the
/// read and the transfer. Zero when the account was never opened.
pub async fn balance_for_update(c: &mut Conn, account: &str) -> AppResult<Money> {
    let q = match c.engine() {
        Engine::Postgres => "SELECT balance FROM ledger_accounts WHERE id = $1 FOR UPDATE",
        Engine::Sqlite => "SELECT balance FROM ledger_accounts WHERE id = $1",
    };
    let v: Option<i64> = sql::query_scalar(q)
        .bind(account)
        .fetch_optional(&mut *c)
        .await?;
    Ok(Money::from_cents(v.unwrap_or(0)))
}

/// The balances of several cached accounts in one statement, their rows locked until the
/// transaction ends on PostgreSQL, in id order (the order every transfer locks in), as
/// [`balance_for_update`] does for one. An account never opened is absent.
pub async fn balances_for_update(
    c: &mut Conn,
    accounts: &[&str],
) -> AppResult<HashMap<String, i64>> {
    let mut ids = accounts.to_vec();
    ids.sort_unstable();
    ids.dedup();
    // Sorted before they are split into statements, so the statements lock in id order too.
    let mut rows = bulk::Rows::new(1);
    for id in ids {
        rows.push(id);
    }
    let q = match c.engine() {
        Engine::Postgres => {
            "SELECT id, balance FROM ledger_accounts WHERE id IN ({list}) ORDER BY id FOR UPDATE"
        }
        Engine::Sqlite => "SELECT id, balance FROM ledger_accounts WHERE id IN ({list})",
    };
    Ok(bulk::fetch_all(c, q, rows)
        .await?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect())
}

/// What `verify` found.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub accounts: usize,
    pub transfers: usize,
    pub audited_transfers: usize,
    pub total: i128,
    pub violations: Vec<String>,
}

/// Re-derives every balance from the transfers and checks the ledger invariants of docs/ARCHITECTURE.md, Invariants:
/// each cached balance equals the sum of its entries, each transfer's recorded running balances
/// match a replay in order (derived accounts, [`is_derived`], cache nothing and record 0), the
/// total over all accounts (a derived one counted at its replayed sum) is zero, no bounded account is below its
/// floor, and every transfer is named by an audit row.
pub async fn verify(pool: &ReadPool) -> AppResult<Report> {
    let mut report = Report::default();
    let accounts = sql::query("SELECT id, kind, balance, lower_limit FROM ledger_accounts")
        .fetch_all(pool)
        .await?;
    let mut cached: HashMap<String, (i64, Option<i64>)> = HashMap::new();
    for r in &accounts {
        let id: String = r.get(0);
        let kind: String = r.get(1);
        let bal: i64 = r.get(2);
        let floor: Option<i64> = r.get(3);
        match AccountKind::parse(&kind) {
            Some(k) if k.floor().map(|m| m.cents()) != floor => report.violations.push(format!(
                "account {id}: floor {floor:?} differs from its kind's {:?}",
                k.floor()
            )),
            None => report
                .violations
                .push(format!("account {id}: unknown kind {kind}")),
            _ => {}
        }
        cached.insert(id, (bal, floor));
    }
    report.accounts = cached.len();

    let audited: HashSet<String> =
        sql::query_scalar::<String>("SELECT transfer_ids FROM audit_log WHERE transfer_ids <> ''")
            .fetch_all(pool)
            .await?
            .iter()
            .flat_map(|s| s.split(',').map(str::to_string).collect::<Vec<_>>())
            .collect();

    // Replayed in i128: sums that no cached balance holds (the derived external account's, the
    // total) may pass i64 without any row being wrong.
    let mut running: HashMap<String, i128> = HashMap::new();
    let transfers = sql::query(
        "SELECT id, from_account, to_account, amount, from_balance_after, to_balance_after FROM ledger_transfers ORDER BY seq",
    )
    .fetch_all(pool)
    .await?;
    for r in &transfers {
        let id: String = r.get(0);
        let from: String = r.get(1);
        let to: String = r.get(2);
        let amount: i64 = r.get(3);
        let fa: i64 = r.get(4);
        let ta: i64 = r.get(5);
        if amount <= 0 || from == to {
            report.violations.push(format!(
                "transfer {id}: malformed (amount {amount}, {from} → {to})"
            ));
        }
        let f = running.entry(from.clone()).or_insert(0);
        *f -= i128::from(amount);
        if *f != i128::from(fa) && !is_derived(&from) {
            report.violations.push(format!(
                "transfer {id}: {from} replays to {} but recorded {fa}",
                *f
            ));
        }
        let t = running.entry(to.clone()).or_insert(0);
        *t += i128::from(amount);
        if *t != i128::from(ta) && !is_derived(&to) {
            report.violations.push(format!(
                "transfer {id}: {to} replays to {} but recorded {ta}",
                *t
            ));
        }
        if audited.contains(&id) {
            report.audited_transfers += 1;
        } else {
            report
                .violations
                .push(format!("transfer {id}: no audit row names it"));
        }
    }
    report.transfers = transfers.len();

    for (id, (bal, floor)) in &cached {
        let derived = running.get(id).copied().unwrap_or(0);
        if is_derived(id) {
            if *bal != 0 {
                report.violations.push(format!(
                    "account {id}: its balance is derived, yet its row caches {bal}"
                ));
            }
            report.total += derived;
            continue;
        }
        if derived != i128::from(*bal) {
            report.violations.push(format!(
                "account {id}: balance {bal} but its entries sum to {derived}"
            ));
        }
        if let Some(f) = floor {
            if bal < f {
                report
                    .violations
                    .push(format!("account {id}: balance {bal} below its floor {f}"));
            }
        }
        report.total += i128::from(*bal);
    }
    for id in running.keys() {
        if !cached.contains_key(id) {
            report
                .violations
                .push(format!("transfers name account {id}, which does not exist"));
        }
    }
    if report.total != 0 {
        report
            .violations
            .push(format!("the balances sum to {} instead of 0", report.total));
    }
    Ok(report)
}

/// One transfer as the journal holds it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TransferRow {
    pub id: String,
    pub kind: String,
    pub from_account: String,
    pub to_account: String,
    pub amount: Money,
    pub from_balance_after: Money,
    pub to_balance_after: Money,
    pub memo: Option<String>,
    pub request_id: Option<String>,
    pub created_at: i64,
}

/// The transfer with this id, if any (no tenant check: the caller's).
pub async fn transfer_by_id(pool: &ReadPool, id: &str) -> AppResult<Option<TransferRow>> {
    let row = sql::query(
        "SELECT id, kind, from_account, to_account, amount, from_balance_after, to_balance_after, memo, request_id, created_at \
         FROM ledger_transfers WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|r| TransferRow {
        id: r.get(0),
        kind: r.get(1),
        from_account: r.get(2),
        to_account: r.get(3),
        amount: Money::from_cents(r.get(4)),
        from_balance_after: Money::from_cents(r.get(5)),
        to_balance_after: Money::from_cents(r.get(6)),
        memo: r.get(7),
        request_id: r.get(8),
        created_at: r.get(9),
    }))
}

/// Which end of a transfer an account is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    From,
    To,
}

/// What transfers of `kind` moved out of (`End::From`) or into (`End::To`) `account` in each of
/// `months`, in cents. `kind` is a transfer kind constant (`pc_domain::funds::kind`), written
/// into the statement so a partial index on that kind serves it (the customer allocations' and
/// reclaims', `0028_home_indexes.sql`): one range of it per call.
pub async fn monthly_sums(
    pool: &ReadPool,
    account: &str,
    end: End,
    kind: &'static str,
    months: &crate::store::months::Months,
) -> AppResult<Vec<i64>> {
    if !kind.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
        return Err(AppError::internal(format!("transfer kind {kind:?}")));
    }
    let column = match end {
        End::From => "from_account",
        End::To => "to_account",
    };
    let sql = format!(
        "SELECT {}, CAST(SUM(amount) AS BIGINT) FROM ledger_transfers \
         WHERE {column} = $1 AND kind = '{kind}' AND created_at >= $2 AND created_at < $3 GROUP BY 1",
        months.bucket_sql("created_at", 4)
    );
    let rows = months
        .bind(sql::query_as::<(i64, i64)>(&sql).bind(account))
        .fetch_all(pool)
        .await?;
    Ok(months.spread(rows))
}

/// The cached balances summed by kind of account (cents), every kind but the derived external
/// one ([`is_derived`]), which is the others' counterpart. One pass over the accounts (a row per
/// partner, customer, quota and coupon, not per movement): an operator's report.
pub async fn totals_by_account_kind(pool: &ReadPool) -> AppResult<Vec<(AccountKind, Money)>> {
    let rows: Vec<(String, i64)> = sql::query_as(
        "SELECT kind, CAST(SUM(balance) AS BIGINT) FROM ledger_accounts WHERE kind <> $1 GROUP BY kind",
    )
    .bind(AccountKind::External.as_str())
    .fetch_all(pool)
    .await?;
    Ok(AccountKind::ALL
        .into_iter()
        .filter(|k| *k != AccountKind::External)
        .map(|k| {
            let cents = rows
                .iter()
                .find(|(kind, _)| kind == k.as_str())
                .map_or(0, |(_, c)| *c);
            (k, Money::from_cents(cents))
        })
        .collect())
}
