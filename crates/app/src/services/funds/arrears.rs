//! Arrears (欠费): pay-per-use a customer consumed beyond its cash.
//!
//! A charge takes what the customer's cash holds and owes the rest: `customer_cash → external`
//! for the part paid (`usage_pay`), `customer_arrears → external` for the part owed
//! (`usage_debt`), so the arrears account's balance is minus what the customer owes and the
//! ledger stays balanced. The customer is marked in arrears while it owes anything; the
//! association rule R10.9 (an account in arrears cannot be associated) reads that mark.
//!
//! Money that later reaches the customer's cash (a partner's allocation, a confirmed top-up)
//! repays what is owed first, in the same transaction (`arrears_repay`: cash → arrears), and the
//! mark is lifted once nothing is owed. Decision: repayment is automatic, as on the vendor's
//! platform, where a top-up "writes off" arrears before it can be spent (消费-欠费还款).

use pc_domain::ledger::AccountKind;
use pc_domain::Money;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::customers::association;
use crate::store::sql::Conn;
use crate::store::{audit, ledger, Db};

/// Ledger kinds of this module (`ledger_transfers.kind`).
pub const KIND_USAGE_PAY: &str = pc_domain::funds::kind::USAGE_PAY;
pub const KIND_USAGE_DEBT: &str = pc_domain::funds::kind::USAGE_DEBT;
pub const KIND_ARREARS_REPAY: &str = pc_domain::funds::kind::ARREARS_REPAY;

/// How a charge was paid: cents from the cash balance, cents owed, and the transfers (for the
/// caller's audit row).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Paid {
    pub cash: i64,
    pub debt: i64,
    pub transfer_ids: Vec<String>,
}

/// Charges each customer its pay-per-use `(customer, cents)` (see the module's header), all at
/// once: a batch of usage names up to a thousand customers. One read takes (and, on PostgreSQL,
/// locks) their cash accounts, one their arrears accounts, one statement opens those missing, and
/// `ledger::transfer_many` posts every customer's `usage_pay` and `usage_debt` in two more; one
/// statement marks those now owing. Each customer is named once. `memo` names what was charged (an
/// import's request id). Returns how each customer (in order) paid.
pub(crate) async fn charge_usage(
    c: &mut Conn,
    ctx: &Ctx,
    charges: &[(&str, i64)],
    memo: &str,
) -> AppResult<Vec<Paid>> {
    // Nothing to charge: no transfer, no account opened.
    let due: Vec<(&str, i64)> = charges.iter().copied().filter(|(_, a)| *a > 0).collect();
    if due.is_empty() {
        return Ok(vec![Paid::default(); charges.len()]);
    }
    let accounts: Vec<(String, String)> = due
        .iter()
        .map(|(customer, _)| {
            (
                ledger::account_id(AccountKind::CustomerCash, customer),
                ledger::account_id(AccountKind::CustomerArrears, customer),
            )
        })
        .collect();
    // Every cash row before any arrears row, as an allocation locks a customer's cash and then
    // (repaying) its arrears: in the other order, an allocation and an import could deadlock.
    let cash_ids: Vec<&str> = accounts.iter().map(|(cash, _)| cash.as_str()).collect();
    let arrears_ids: Vec<&str> = accounts.iter().map(|(_, a)| a.as_str()).collect();
    let mut held = ledger::balances_for_update(c, &cash_ids).await?;
    held.extend(ledger::balances_for_update(c, &arrears_ids).await?);
    let mut open: Vec<(AccountKind, &str, Option<&str>)> = Vec::new();
    let mut paid: Vec<(&str, Paid)> = Vec::with_capacity(due.len());
    for ((customer, amount), (cash, arrears)) in due.iter().zip(&accounts) {
        let from_cash = held.get(cash).copied().unwrap_or(0).clamp(0, *amount);
        if !held.contains_key(cash) {
            open.push((AccountKind::CustomerCash, customer, None));
        }
        if from_cash < *amount && !held.contains_key(arrears) {
            open.push((AccountKind::CustomerArrears, customer, None));
        }
        paid.push((
            customer,
            Paid {
                cash: from_cash,
                debt: amount - from_cash,
                transfer_ids: Vec::new(),
            },
        ));
    }
    ledger::open_accounts(c, &open, ctx.now_ms).await?;
    let world = ledger::world(c, ctx.now_ms).await?;
    let mut postings = Vec::new();
    let mut owner = Vec::new();
    for (i, ((_, p), (cash, arrears))) in paid.iter().zip(&accounts).enumerate() {
        for (from, cents, kind) in [
            (cash, p.cash, KIND_USAGE_PAY),
            (arrears, p.debt, KIND_USAGE_DEBT),
        ] {
            if cents > 0 {
                postings.push(ledger::Posting {
                    from,
                    to: &world,
                    amount: Money::from_cents(cents),
                    kind,
                    root_id: None,
                    memo: Some(memo),
                });
                owner.push(i);
            }
        }
    }
    let ids = ledger::transfer_many(c, ctx, &postings).await?;
    for (i, id) in owner.into_iter().zip(ids) {
        paid[i].1.transfer_ids.push(id.into_string());
    }
    let owing: Vec<&str> = paid
        .iter()
        .filter(|(_, p)| p.debt > 0)
        .map(|(customer, _)| *customer)
        .collect();
    association::mark_in_arrears(c, &owing).await?;
    let mut paid = paid.into_iter().map(|(_, p)| p);
    Ok(charges
        .iter()
        .map(|(_, amount)| match *amount > 0 {
            true => paid.next().unwrap_or_default(),
            false => Paid::default(),
        })
        .collect())
}

/// What the customer owes now, in cents (zero or more).
pub async fn owed<'e>(
    exec: impl Into<crate::store::sql::Exec<'e>>,
    customer_id: &str,
) -> AppResult<i64> {
    let b = ledger::balance(
        exec,
        &ledger::account_id(AccountKind::CustomerArrears, customer_id),
    )
    .await?;
    Ok((-b.cents()).max(0))
}

/// What the acting customer owes now, in cents (zero or more): its own arrears, for its usage
/// page. Anyone but a customer is `CBC.0155`.
pub async fn my_owed(db: &Db, ctx: &Ctx) -> AppResult<i64> {
    let Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        ));
    };
    owed(db.read(), customer_id).await
}

/// Repays what the customer owes from its cash, as far as the cash goes; lifts the arrears mark
/// when nothing is owed any more. Call after crediting a customer that is marked in arrears.
/// Returns the cents repaid.
pub(crate) async fn repay(c: &mut Conn, ctx: &Ctx, customer_id: &str) -> AppResult<i64> {
    let arrears = ledger::account_id(AccountKind::CustomerArrears, customer_id);
    let owes = (-ledger::balance_for_update(c, &arrears).await?.cents()).max(0);
    let cash_acct = ledger::account_id(AccountKind::CustomerCash, customer_id);
    let held = ledger::balance_for_update(c, &cash_acct)
        .await?
        .cents()
        .max(0);
    let amount = owes.min(held);
    if amount > 0 {
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &cash_acct,
                to: &arrears,
                amount: Money::from_cents(amount),
                kind: KIND_ARREARS_REPAY,
                root_id: None,
                memo: None,
            },
        )
        .await?;
        audit::record(
            c,
            ctx,
            audit::Entry {
                action: "funds.arrears_repay",
                target_kind: "customer",
                target_id: customer_id,
                transfer_ids: &[t.id.into_string()],
                detail: serde_json::json!({ "repaid": Money::from_cents(amount).to_string(), "still_owed": Money::from_cents(owes - amount).to_string() }),
            },
        )
        .await?;
    }
    if owes - amount == 0 {
        association::set_in_arrears(c, customer_id, false).await?;
    }
    Ok(amount)
}
