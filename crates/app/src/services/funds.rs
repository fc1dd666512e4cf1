//! Funds: partner cash accounts, operator credits (the source of money in a deployment), and
//! allocation to / reclaim from resale customers. Every movement is one ledger transfer in the
//! same transaction as its audit row.

use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, PartnerType};
use pc_domain::Money;
use sqlx::AnyConnection;

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::partners;
use crate::store::{audit, ledger};

fn check_amount(amount: Money) -> AppResult<()> {
    if !amount.is_positive() {
        return Err(AppError::invalid(
            "amount must be greater than 0 with at most 2 decimals",
        ));
    }
    Ok(())
}

/// An operator credits a partner's cash account from outside (a bank transfer received, a grant).
pub async fn credit_partner(
    c: &mut AnyConnection,
    ctx: &Ctx,
    partner_id: &str,
    amount: Money,
    memo: Option<&str>,
) -> AppResult<String> {
    check_amount(amount)?;
    let p = partners::get(&mut *c, partner_id)
        .await?
        .ok_or_else(|| AppError::with(Code::NotFound, format!("partner {partner_id}")))?;
    let world = ledger::ensure_account(
        c,
        AccountKind::External,
        ledger::EXTERNAL_OWNER,
        None,
        ctx.now_ms,
    )
    .await?;
    let to = ledger::ensure_account(
        c,
        AccountKind::PartnerCash,
        &p.id,
        Some(&p.root_id),
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
            kind: "operator_credit",
            root_id: Some(&p.root_id),
            memo,
        },
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "funds.credit_partner",
            target_kind: "partner",
            target_id: &p.id,
            transfer_ids: std::slice::from_ref(&t.id.clone().into_string()),
            detail: serde_json::json!({"amount": amount.to_string(), "memo": memo}),
        },
    )
    .await?;
    Ok(t.id.into_string())
}

/// The partner whose money an allocation moves: the caller, or with `indirect_partner_id` the
/// caller's reseller (only a master distributor may name one).
pub(crate) async fn acting_partner(
    c: &mut AnyConnection,
    caller_id: &str,
    indirect_partner_id: Option<&str>,
) -> AppResult<partners::Partner> {
    let me = partners::get(&mut *c, caller_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    match indirect_partner_id.filter(|s| !s.is_empty()) {
        None => Ok(me),
        Some(r) => {
            if me.partner_type != PartnerType::Distributor {
                return Err(AppError::new(Code::NoResellerPermission));
            }
            partners::ensure_child(&mut *c, &me.id, r).await
        }
    }
}

/// Checks that the customer is associated with `partner` for resale (代售).
async fn resale_customer(
    c: &mut AnyConnection,
    partner: &partners::Partner,
    customer_id: &str,
) -> AppResult<()> {
    let t: Option<i64> = sqlx::query_scalar(
        "SELECT association_type FROM associations WHERE partner_id = $1 AND customer_id = $2 AND ended_at IS NULL",
    )
    .bind(&partner.id)
    .bind(customer_id)
    .fetch_optional(c)
    .await?;
    match t.and_then(AssociationType::from_code) {
        Some(AssociationType::Resale) => Ok(()),
        Some(AssociationType::Consulting) => Err(AppError::new(Code::AssociationTypeNotAllowed)),
        None => Err(AppError::new(Code::NotSubCustomer)),
    }
}

/// `update_customer_account_amount`: partner cash → a resale customer's cash.
pub async fn allocate_to_customer(
    c: &mut AnyConnection,
    ctx: &Ctx,
    caller_partner_id: &str,
    indirect_partner_id: Option<&str>,
    customer_id: &str,
    amount: Money,
) -> AppResult<String> {
    check_amount(amount)?;
    let p = acting_partner(c, caller_partner_id, indirect_partner_id).await?;
    resale_customer(c, &p, customer_id).await?;
    let from = ledger::account_id(AccountKind::PartnerCash, &p.id);
    let to =
        ledger::ensure_account(c, AccountKind::CustomerCash, customer_id, None, ctx.now_ms).await?;
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &from,
            to: &to,
            amount,
            kind: "allocate_customer",
            root_id: Some(&p.root_id),
            memo: None,
        },
    )
    .await?;
    let tid = t.id.into_string();
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "funds.allocate_customer",
            target_kind: "customer",
            target_id: customer_id,
            transfer_ids: std::slice::from_ref(&tid),
            detail: serde_json::json!({"amount": amount.to_string(), "partner_id": p.id}),
        },
    )
    .await?;
    Ok(tid)
}

/// `reclaim_to_partner_account`: a resale customer's cash → its partner's cash; never more than
/// the customer's balance.
pub async fn reclaim_from_customer(
    c: &mut AnyConnection,
    ctx: &Ctx,
    caller_partner_id: &str,
    indirect_partner_id: Option<&str>,
    customer_id: &str,
    amount: Money,
) -> AppResult<String> {
    check_amount(amount)?;
    let p = acting_partner(c, caller_partner_id, indirect_partner_id).await?;
    resale_customer(c, &p, customer_id).await?;
    let from =
        ledger::ensure_account(c, AccountKind::CustomerCash, customer_id, None, ctx.now_ms).await?;
    let to = ledger::account_id(AccountKind::PartnerCash, &p.id);
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &from,
            to: &to,
            amount,
            kind: "reclaim_customer",
            root_id: Some(&p.root_id),
            memo: None,
        },
    )
    .await?;
    let tid = t.id.into_string();
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "funds.reclaim_customer",
            target_kind: "customer",
            target_id: customer_id,
            transfer_ids: std::slice::from_ref(&tid),
            detail: serde_json::json!({"amount": amount.to_string(), "partner_id": p.id}),
        },
    )
    .await?;
    Ok(tid)
}
