//! Recalling coupons: by the partner (`reclaim_partner_coupons`, the console) and at association
//! events; every recall goes through one guarded path.

use crate::store::sql::{self, Conn};
use pc_domain::coupons::{coupon_status, operation};
use pc_domain::ledger::AccountKind;
use pc_domain::party::AssociationType;
use pc_domain::Money;

use super::*;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::customers::association;
use crate::store::{audit, ledger, Db};

/// A partner's recall of one coupon it issued.
#[derive(Debug, Clone, Default)]
pub struct Reclaim {
    pub coupon_id: String,
    /// A master distributor recalling a coupon its reseller issued.
    pub indirect_partner_id: Option<String>,
    /// The vendor API refuses coupons of consulting-sales customers (R9.7); the console does not.
    pub via_api: bool,
}

/// Recalls one coupon of the acting partner (`reclaim_partner_coupons`): only a usable, unlocked
/// coupon, its whole remaining balance back to its quota. Returns the amount recalled.
pub async fn reclaim(db: &Db, ctx: Ctx, r: Reclaim) -> AppResult<Money> {
    let caller = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            reclaim_in(
                c,
                &ctx,
                &caller,
                r.indirect_partner_id.as_deref(),
                &r.coupon_id,
                r.via_api,
            )
            .await
        })
    })
    .await
}

/// The console's recall of the checked coupons of the acting partner: each one recalled on its
/// own as [`reclaim`] does (a coupon that cannot be recalled fails alone), the amounts recalled
/// in `done`.
pub async fn reclaim_many(
    db: &Db,
    ctx: Ctx,
    coupon_ids: Vec<String>,
) -> AppResult<BatchOutcome<Money>> {
    let caller = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let mut out = BatchOutcome::default();
            for id in coupon_ids {
                savepoint(c).await?;
                let r = reclaim_in(c, &ctx, &caller, None, &id, false).await;
                end_savepoint(c, r.is_ok()).await?;
                match r {
                    Ok(amount) => out.done.push((id, amount)),
                    Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => {
                        return Err(e)
                    }
                    Err(e) => out.failed.push((id, e)),
                }
            }
            Ok(out)
        })
    })
    .await
}

async fn reclaim_in(
    c: &mut Conn,
    ctx: &Ctx,
    caller_partner_id: &str,
    indirect_partner_id: Option<&str>,
    coupon_id: &str,
    via_api: bool,
) -> AppResult<Money> {
    let p = acting_partner(c, caller_partner_id, indirect_partner_id).await?;
    let coupon = get_coupon(&mut *c, coupon_id)
        .await?
        .filter(|k| k.partner_id == p.id)
        .ok_or_else(|| AppError::new(Code::NoCustomerPermission))?;
    if via_api
        && association::type_with(&mut *c, &p.id, &coupon.customer_id).await?
            == Some(AssociationType::Consulting)
    {
        return Err(AppError::new(Code::ReclaimConsultingCoupon));
    }
    reclaim_coupon(c, ctx, &coupon, operation::MANUAL_RECLAIM, None).await
}

/// The guarded status change and the transfer back to the quota, recorded with `op`. The one
/// path of every recall, manual or automatic.
async fn reclaim_coupon(
    c: &mut Conn,
    ctx: &Ctx,
    coupon: &Coupon,
    op: i64,
    remark: Option<&str>,
) -> AppResult<Money> {
    let n = sql::query(
        "UPDATE coupons SET status = 5, updated_at = $1 \
         WHERE id = $2 AND status = 2 AND lock_order_id IS NULL AND effective_at <= $1 AND expire_at > $1",
    )
    .bind(ctx.now_ms)
    .bind(&coupon.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        // Re-read inside the transaction to say why.
        let now = get_coupon(&mut *c, &coupon.id)
            .await?
            .ok_or_else(|| AppError::new(Code::NoCustomerPermission))?;
        return Err(
            if now.status_at(ctx.now_ms) == coupon_status::USABLE && now.lock_order_id.is_some() {
                AppError::new(Code::CouponLocked)
            } else {
                AppError::new(Code::CouponNotReclaimable)
            },
        );
    }
    let from = ledger::account_id(AccountKind::Coupon, &coupon.id);
    let to = ledger::account_id(AccountKind::CouponQuota, &coupon.quota_id);
    // Stable after the guarded UPDATE: every debit of a coupon requires status 2.
    let amount = ledger::balance(&mut *c, &from).await?;
    sql::query("UPDATE coupons SET reclaimed_amount = $1 WHERE id = $2")
        .bind(amount.cents())
        .bind(&coupon.id)
        .execute(&mut *c)
        .await?;
    let mut tids = Vec::new();
    if amount.is_positive() {
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &from,
                to: &to,
                amount,
                kind: "coupon_reclaim",
                root_id: Some(&coupon.root_id),
                memo: None,
            },
        )
        .await?;
        tids.push(t.id.into_string());
    }
    let quota = get_quota(&mut *c, &coupon.quota_id)
        .await?
        .ok_or_else(|| AppError::internal("coupon without quota"))?;
    record(
        c,
        ctx,
        (&coupon.partner_id, &coupon.root_id),
        &quota,
        Some(&coupon.id),
        &coupon.customer_id,
        op,
        amount,
        0,
        remark,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.reclaim",
            target_kind: "coupon",
            target_id: &coupon.id,
            transfer_ids: &tids,
            detail: serde_json::json!({"amount": amount.to_string(), "operation_type": op,
                "customer_id": coupon.customer_id, "quota_id": coupon.quota_id}),
        },
    )
    .await?;
    Ok(amount)
}

/// Recalls every usable coupon `partner_id` issued to `customer_id`, recorded with `op`
/// (3 unbind, 7 association, 8 association-type switch): to be called at the triggering event
/// inside its transaction. The coupon-expiry job's association sweep catches the rest.
pub(crate) async fn reclaim_for_customer_in(
    c: &mut Conn,
    ctx: &Ctx,
    partner_id: &str,
    customer_id: &str,
    op: i64,
) -> AppResult<Vec<(String, Money)>> {
    let rows = sql::query(&format!(
        "{COUPON_COLUMNS} {COUPON_FROM} WHERE k.partner_id = $1 AND k.customer_id = $2 AND k.status = 2 \
         AND k.lock_order_id IS NULL AND k.effective_at <= $3 AND k.expire_at > $3"
    ))
    .bind(partner_id)
    .bind(customer_id)
    .bind(ctx.now_ms)
    .fetch_all(&mut *c)
    .await?;
    let mut out = Vec::new();
    for k in coupons_of(&mut *c, &rows).await? {
        let amount = reclaim_coupon(c, ctx, &k, op, None).await?;
        out.push((k.id, amount));
    }
    Ok(out)
}
