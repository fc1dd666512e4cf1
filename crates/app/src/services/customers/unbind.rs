//! Ending an association (解除关联), the vendor's help pages
//!
//! Decisions for a self-hosted platform:
//! - Who: the customer itself (R10.22, "apply to unbind"; here it takes effect at once, there being
//!   no vendor review step), a **partner admin** of the associated partner (R10.24: staff may not;
//!   a master distributor may not end its reseller's associations), or an operator.
//! - How often: an association of this customer ended by the customer or by a partner within the
//!   last 90 days blocks any new unbinding by either side (R10.22 + R10.25, "at most once per 3
//!   months"). Operators are not bound by it.
//! - Money: a resale (代售) customer's remaining cash balance returns to the partner's account in the
//!   same transaction (R10.30). A consulting-sales customer keeps its own money (it paid it in).
//! - Coupons: the usable coupons this partner issued to the customer are recalled to their quotas
//!   in the same transaction, recorded with operation type 3 (unbind), the vendor's help pages
//! - Still to plug in when orders land: pending partner-paid orders must be paid or cancelled
//!   first (R10.23).

use crate::store::sql::{self};
use pc_domain::ledger::AccountKind;
use pc_domain::party::{AssociationType, Role};
use pc_domain::Money;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::coupons;
use crate::store::{audit, ledger, outbox, Db};

/// How long after one unbinding the next is refused.
pub const UNBIND_COOL_DOWN_MS: i64 = 90 * 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ended {
    pub association_id: String,
    pub partner_id: String,
    /// The balance returned to the partner (resale customers), if any.
    pub returned: Money,
    pub transfer_id: Option<String>,
}

/// Whose association ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unbinding {
    /// The acting customer's own.
    Mine,
    /// A customer named by a partner admin (one of its partner's) or an operator (any); a customer
    /// may name itself.
    Customer(String),
}

/// Ends the customer's association in effect. The right to act on it is checked here from
/// `ctx.actor`.
pub async fn end_association(db: &Db, ctx: Ctx, whose: Unbinding) -> AppResult<Ended> {
    let customer_id = match (whose, &ctx.actor) {
        (Unbinding::Customer(id), _) => id,
        (Unbinding::Mine, Actor::Customer { customer_id, .. }) => customer_id.clone(),
        (Unbinding::Mine, _) => return Err(AppError::new(Code::AccessDenied)),
    };
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let row = sql::query(
                // The association carries its partner's tenant (`verify` checks it).
                "SELECT a.id, a.partner_id, a.association_type, a.root_id FROM associations a \
                 WHERE a.customer_id = $1 AND a.ended_at IS NULL",
            )
            .bind(&customer_id)
            .fetch_optional(&mut *c)
            .await?;
            let (reason, row) = match (&ctx.actor, row) {
                (Actor::Operator { .. }, Some(r)) => ("operator", r),
                (Actor::Customer { customer_id: me, .. }, Some(r)) if *me == customer_id => ("customer", r),
                (Actor::Partner { partner_id, role: Role::PartnerAdmin, .. }, Some(r)) if r.get::<String, _>(1) == *partner_id => {
                    ("partner", r)
                }
                (Actor::Partner { role: Role::PartnerStaff, .. }, Some(_)) => return Err(AppError::new(Code::NotAllowed)),
                (Actor::Customer { customer_id: me, .. }, None) if *me == customer_id => return Err(AppError::new(Code::NotAssociated)),
                (Actor::Operator { .. }, None) => return Err(AppError::new(Code::NotAssociated)),
                _ => return Err(AppError::new(Code::NotSubCustomer)),
            };
            let association_id: String = row.get(0);
            let partner_id: String = row.get(1);
            let kind = AssociationType::from_code(row.get(2));
            let root_id: String = row.get(3);
            if reason != "operator" {
                let recent: i64 = sql::query_scalar(
                    "SELECT COUNT(*) FROM associations WHERE customer_id = $1 AND ended_at IS NOT NULL AND ended_at > $2 \
                     AND end_reason IN ('customer', 'partner')",
                )
                .bind(&customer_id)
                .bind(ctx.now_ms - UNBIND_COOL_DOWN_MS)
                .fetch_one(&mut *c)
                .await?;
                if recent > 0 {
                    return Err(AppError::new(Code::UnbindTooSoon));
                }
            }
            let ended = sql::query("UPDATE associations SET ended_at = $1, end_reason = $2 WHERE id = $3 AND ended_at IS NULL")
                .bind(ctx.now_ms)
                .bind(reason)
                .bind(&association_id)
                .execute(&mut *c)
                .await?;
            if ended.rows_affected() != 1 {
                return Err(AppError::new(Code::NotAssociated));
            }
            // Operation type 3: recalled because the association was removed.
            let recalled = coupons::reclaim_for_customer_in(c, &ctx, &partner_id, &customer_id, 3).await?;
            let mut returned = Money::ZERO;
            let mut transfer_id = None;
            if kind == Some(AssociationType::Resale) {
                let from = ledger::account_id(AccountKind::CustomerCash, &customer_id);
                let balance = ledger::balance(&mut *c, &from).await?;
                if balance.is_positive() {
                    let to = ledger::account_id(AccountKind::PartnerCash, &partner_id);
                    let t = ledger::transfer(
                        c,
                        &ctx,
                        &ledger::Posting { from: &from, to: &to, amount: balance, kind: pc_domain::funds::kind::UNBIND_RETURN, root_id: Some(&root_id), memo: None },
                    )
                    .await?;
                    returned = balance;
                    transfer_id = Some(t.id.into_string());
                }
            }
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "association.end",
                    target_kind: "customer",
                    target_id: &customer_id,
                    transfer_ids: transfer_id.as_slice(),
                    detail: serde_json::json!({"association_id": association_id, "partner_id": partner_id, "reason": reason,
                        "returned": returned.to_string(), "recalled_coupons": recalled.iter().map(|(id, _)| id).collect::<Vec<_>>()}),
                },
            )
            .await?;
            let notice = format!(
                "Customer {customer_id} is no longer associated with you (ended by {reason}; balance returned: {returned}). / 客户 {customer_id} 已解除与您的关联（发起方：{reason}；退回余额：{returned}）。"
            );
            outbox::enqueue(c, &ctx, Some(&root_id), "email", &partner_id, "Association ended / 关联已解除", &notice).await?;
            Ok(Ended { association_id, partner_id, returned, transfer_id })
        })
    })
    .await
}
