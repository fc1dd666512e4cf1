//! The writes of funds: an operator's credit of a partner, a partner's allocation to / reclaim
//! from a resale customer, a master distributor's allocation to / reclaim from a reseller. Each
//! is one audited ledger transfer.

use pc_domain::funds::{self as rules, kind};
use pc_domain::ledger::AccountKind;
use pc_domain::party::AssociationType;
use pc_domain::Money;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::{customers::association, partners};
use crate::store::sql::Conn;
use crate::store::{audit, ledger, Db};

use super::{acting_ids, me, my_reseller};

fn check_amount(amount: Money) -> AppResult<()> {
    rules::check_amount(amount)
        .map_err(|e| AppError::invalid_tr(e.to_string(), "金额须大于 0，且最多 2 位小数。"))
}

/// One audited ledger movement.
struct Movement<'a> {
    from: &'a str,
    to: &'a str,
    amount: Money,
    kind: &'a str,
    root_id: &'a str,
    memo: Option<&'a str>,
    action: &'a str,
    target_kind: &'a str,
    target_id: &'a str,
    /// The partner whose money moves (recorded in the audit detail).
    partner_id: &'a str,
}

async fn post(c: &mut Conn, ctx: &Ctx, m: Movement<'_>) -> AppResult<ledger::Posted> {
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: m.from,
            to: m.to,
            amount: m.amount,
            kind: m.kind,
            root_id: Some(m.root_id),
            memo: m.memo,
        },
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: m.action,
            target_kind: m.target_kind,
            target_id: m.target_id,
            transfer_ids: std::slice::from_ref(&t.id.as_str().to_string()),
            detail: serde_json::json!({"amount": m.amount.to_string(), "partner_id": m.partner_id, "memo": m.memo}),
        },
    )
    .await?;
    Ok(t)
}

/// What an operator credit did, for the console and the CLI.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Credited {
    pub transfer_id: String,
    pub balance_after: Money,
}

/// An operator's credit of a partner's cash account.
#[derive(Debug, Clone)]
pub struct Credit {
    pub partner_id: String,
    pub amount: Money,
    /// Why (a bank transfer's reference, a grant); at most 200 characters.
    pub memo: Option<String>,
}

/// An operator (or the command line) credits a partner's cash account from outside: a bank
/// transfer received, a grant. The source of money in a deployment.
pub async fn credit_partner(db: &Db, ctx: Ctx, credit: Credit) -> AppResult<Credited> {
    ctx.actor.require_operator()?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            credit_partner_in(
                c,
                &ctx,
                &credit.partner_id,
                credit.amount,
                credit.memo.as_deref(),
            )
            .await
        })
    })
    .await
}

/// [`credit_partner`] as a step of a larger transaction (the demo data, a confirmed top-up).
pub(crate) async fn credit_partner_in(
    c: &mut Conn,
    ctx: &Ctx,
    partner_id: &str,
    amount: Money,
    memo: Option<&str>,
) -> AppResult<Credited> {
    check_amount(amount)?;
    let memo = memo.map(str::trim).filter(|m| !m.is_empty());
    if memo.is_some_and(|m| m.chars().count() > 200) {
        return Err(AppError::invalid_tr(
            "a memo has at most 200 characters",
            "备注最多 200 个字符。",
        ));
    }
    let p = partners::get(&mut *c, partner_id).await?.ok_or_else(|| {
        AppError::with_tr(
            Code::NotFound,
            format!("partner {partner_id}"),
            format!("合作伙伴 {partner_id}"),
        )
    })?;
    let world = ledger::world(c, ctx.now_ms).await?;
    let to = ledger::ensure_account(
        c,
        AccountKind::PartnerCash,
        &p.id,
        Some(&p.root_id),
        ctx.now_ms,
    )
    .await?;
    let t = post(
        c,
        ctx,
        Movement {
            from: &world,
            to: &to,
            amount,
            kind: kind::OPERATOR_CREDIT,
            root_id: &p.root_id,
            memo,
            action: "funds.credit_partner",
            target_kind: "partner",
            target_id: &p.id,
            partner_id: &p.id,
        },
    )
    .await?;
    Ok(Credited {
        transfer_id: t.id.into_string(),
        balance_after: t.to_balance_after,
    })
}

/// Checks that the customer is associated with `partner` for resale (代售).
/// Is the customer in arrears? (An allocation then repays them.)
async fn resale_customer(c: &mut Conn, partner_id: &str, customer_id: &str) -> AppResult<bool> {
    match association::type_and_arrears_with(c, partner_id, customer_id).await? {
        Some((AssociationType::Resale, in_arrears)) => Ok(in_arrears),
        Some((AssociationType::Consulting, _)) => {
            Err(AppError::new(Code::AssociationTypeNotAllowed))
        }
        None => Err(AppError::new(Code::NotSubCustomer)),
    }
}

/// Which way money moves between a partner and a customer or reseller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Way {
    /// Partner → customer / distributor → reseller.
    Allocate,
    /// Customer → partner / reseller → distributor.
    Reclaim,
}

/// Money between the acting partner and one of its resale customers.
#[derive(Debug, Clone)]
pub struct CustomerFunds {
    pub way: Way,
    /// A master distributor acting for one of its resellers' customers.
    pub indirect_partner_id: Option<String>,
    pub customer_id: String,
    pub amount: Money,
}

/// Allocation to (`update_customer_account_amount`) or reclaim from
/// (`reclaim_to_partner_account`) a resale customer of the acting partner, or with
/// `indirect_partner_id` of its reseller. Never more than the paying side holds. The transfer id.
pub async fn move_customer_funds(db: &Db, ctx: Ctx, m: CustomerFunds) -> AppResult<String> {
    let caller = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            move_customer_funds_in(
                c,
                &ctx,
                m.way,
                &caller,
                m.indirect_partner_id.as_deref(),
                &m.customer_id,
                m.amount,
            )
            .await
        })
    })
    .await
}

/// [`move_customer_funds`] as a step of a larger transaction (the demo data).
pub(crate) async fn move_customer_funds_in(
    c: &mut Conn,
    ctx: &Ctx,
    way: Way,
    caller_partner_id: &str,
    indirect_partner_id: Option<&str>,
    customer_id: &str,
    amount: Money,
) -> AppResult<String> {
    check_amount(amount)?;
    let p = acting_ids(c, ctx, caller_partner_id, indirect_partner_id).await?;
    let in_arrears = resale_customer(c, &p.id, customer_id).await?;
    let partner_acct = ledger::account_id(AccountKind::PartnerCash, &p.id);
    let customer_acct =
        ledger::ensure_account(c, AccountKind::CustomerCash, customer_id, None, ctx.now_ms).await?;
    let (from, to, kind, action) = match way {
        Way::Allocate => (
            &partner_acct,
            &customer_acct,
            kind::ALLOCATE_CUSTOMER,
            "funds.allocate_customer",
        ),
        Way::Reclaim => (
            &customer_acct,
            &partner_acct,
            kind::RECLAIM_CUSTOMER,
            "funds.reclaim_customer",
        ),
    };
    let t = post(
        c,
        ctx,
        Movement {
            from,
            to,
            amount,
            kind,
            root_id: &p.root_id,
            memo: None,
            action,
            target_kind: "customer",
            target_id: customer_id,
            partner_id: &p.id,
        },
    )
    .await?;
    if way == Way::Allocate && in_arrears {
        super::arrears::repay(c, ctx, customer_id).await?;
    }
    Ok(t.id.into_string())
}

/// Money between the acting master distributor and one of its resellers.
#[derive(Debug, Clone)]
pub struct ResellerFunds {
    pub way: Way,
    pub reseller_id: String,
    pub amount: Money,
}

/// A master distributor's allocation to (`update_indirect_partner_account`) or reclaim from
/// (`reclaim_indirect_partner_account`) one of its resellers. Never more than the paying side
/// holds: a reclaim cannot take more than the reseller's balance. The transfer id.
pub async fn move_reseller_funds(db: &Db, ctx: Ctx, m: ResellerFunds) -> AppResult<String> {
    let caller = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            move_reseller_funds_in(c, &ctx, m.way, &caller, &m.reseller_id, m.amount).await
        })
    })
    .await
}

/// [`move_reseller_funds`] as a step of a larger transaction (the demo data).
pub(crate) async fn move_reseller_funds_in(
    c: &mut Conn,
    ctx: &Ctx,
    way: Way,
    distributor_id: &str,
    reseller_id: &str,
    amount: Money,
) -> AppResult<String> {
    check_amount(amount)?;
    let me = me(c, distributor_id).await?;
    let r = my_reseller(c, &me, reseller_id).await?;
    let mine = ledger::account_id(AccountKind::PartnerCash, &me.id);
    let theirs = ledger::account_id(AccountKind::PartnerCash, &r.id);
    let (from, to, kind, action) = match way {
        Way::Allocate => (
            &mine,
            &theirs,
            kind::ALLOCATE_RESELLER,
            "funds.allocate_reseller",
        ),
        Way::Reclaim => (
            &theirs,
            &mine,
            kind::RECLAIM_RESELLER,
            "funds.reclaim_reseller",
        ),
    };
    let t = post(
        c,
        ctx,
        Movement {
            from,
            to,
            amount,
            kind,
            root_id: &me.root_id,
            memo: None,
            action,
            target_kind: "partner",
            target_id: &r.id,
            partner_id: &me.id,
        },
    )
    .await?;
    Ok(t.id.into_string())
}
