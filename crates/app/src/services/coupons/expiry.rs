//! Lifecycle jobs: the coupon-expiry job and the association sweep.

use crate::store::sql::{self, Conn};
use pc_domain::coupons::{operation, quota_status};
use pc_domain::ledger::AccountKind;
use pc_domain::party::AssociationType;

use super::*;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::services::customers;
use crate::store::{audit, ledger, Db};

/// What a job run did.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct JobReport {
    pub expired: usize,
    pub returned_to_quota: usize,
    pub reclaimed_on_association_change: usize,
}

/// The most coupons one job transaction handles; the job loops until none is left.
const JOB_BATCH: i64 = 200;

/// Stores the expiry of live coupons whose `expire_at` has passed (status 4) and returns their
/// remainder to the quota while that quota is valid (record type 4, 过期回收). Idempotent: each
/// coupon is taken by a guarded `UPDATE … WHERE status = 2`, so concurrent runs never double.
async fn expire_one(c: &mut Conn, ctx: &Ctx, coupon: &Coupon) -> AppResult<bool> {
    let n = sql::query(
        "UPDATE coupons SET status = 4, lock_order_id = NULL, updated_at = $1 WHERE id = $2 AND status = 2 AND expire_at <= $1",
    )
    .bind(ctx.now_ms)
    .bind(&coupon.id)
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(false);
    }
    let quota = get_quota(&mut *c, &coupon.quota_id)
        .await?
        .ok_or_else(|| AppError::internal("coupon without quota"))?;
    let from = ledger::account_id(AccountKind::Coupon, &coupon.id);
    let amount = ledger::balance(&mut *c, &from).await?;
    let mut tids = Vec::new();
    // A reclaimed reseller quota still takes the remainder back: its distributor can reclaim it.
    let open = matches!(
        quota.status_at(ctx.now_ms),
        quota_status::NORMAL | quota_status::RECLAIMED
    );
    if amount.is_positive() && open {
        let t = ledger::transfer(
            c,
            ctx,
            &ledger::Posting {
                from: &from,
                to: &ledger::account_id(AccountKind::CouponQuota, &quota.id),
                amount,
                kind: "coupon_expiry_return",
                root_id: Some(&coupon.root_id),
                memo: None,
            },
        )
        .await?;
        tids.push(t.id.into_string());
        record(
            c,
            ctx,
            (&coupon.partner_id, &coupon.root_id),
            &quota,
            Some(&coupon.id),
            &coupon.customer_id,
            operation::EXPIRY_RECLAIM,
            amount,
            0,
            None,
        )
        .await?;
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.expire",
            target_kind: "coupon",
            target_id: &coupon.id,
            transfer_ids: &tids,
            detail: serde_json::json!({"returned": tids.len() == 1, "amount": amount.to_string()}),
        },
    )
    .await?;
    Ok(!tids.is_empty())
}

/// The coupon-expiry job (`partner-center jobs run coupon-expiry`): expires every live coupon
/// past its expiry, in batches, and recalls usable coupons whose customer is no longer the
/// issuing partner's resale customer (record 3 when the association ended, 8 when its type was
/// switched to consulting sales). An operator's or the system's (the command line, a scheduler):
/// it acts on every partner's coupons. Each batch is its own transaction, so the job has no
/// idempotency key: a rerun acts only on what is still due.
pub async fn run_expiry_job(db: &Db, ctx: Ctx) -> AppResult<JobReport> {
    ctx.actor.require_operator()?;
    let ctx = &ctx.with_idempotency(None);
    let mut report = JobReport::default();
    loop {
        let rows = sql::query(&format!(
            "{COUPON_COLUMNS} {COUPON_FROM} WHERE k.status = 2 AND k.expire_at <= $1 ORDER BY k.expire_at, k.id LIMIT $2"
        ))
        .bind(ctx.now_ms)
        .bind(JOB_BATCH)
        .fetch_all(db.read())
        .await?;
        if rows.is_empty() {
            break;
        }
        let batch: Vec<Coupon> = coupons_of(db.read(), &rows).await?;
        let ctx2 = ctx.clone();
        let (n, returned) = db
            .write(move |c| {
                Box::pin(async move {
                    let (mut n, mut returned) = (0, 0);
                    for k in &batch {
                        if expire_one(c, &ctx2, k).await? {
                            returned += 1;
                        }
                        n += 1;
                    }
                    Ok((n, returned))
                })
            })
            .await?;
        report.expired += n;
        report.returned_to_quota += returned;
        if (n as i64) < JOB_BATCH {
            break;
        }
    }
    report.reclaimed_on_association_change = association_sweep(db, ctx).await?;
    Ok(report)
}

/// Recalls usable coupons whose customer is no longer associated for resale with the partner
/// that issued them (the event hooks recall them in their own transaction; this catches any
/// change made elsewhere).
async fn association_sweep(db: &Db, ctx: &Ctx) -> AppResult<usize> {
    // The (partner, customer) pairs with a usable coupon, a page at a time in key order, so memory
    // stays flat in the number of coupons (only the pairs due are kept); the customers'
    // associations are the customers capability's, asked once per page.
    let mut due = Vec::new();
    let mut after: Option<(String, String)> = None;
    loop {
        let (after_cid, after_pid) = after.clone().unwrap_or_default();
        let rows = sql::query(
            "SELECT DISTINCT k.customer_id, k.partner_id FROM coupons k \
             WHERE k.status = 2 AND k.lock_order_id IS NULL AND k.effective_at <= $1 AND k.expire_at > $1 \
             AND (k.customer_id > $2 OR (k.customer_id = $2 AND k.partner_id > $3)) \
             ORDER BY k.customer_id, k.partner_id LIMIT $4",
        )
        .bind(ctx.now_ms)
        .bind(&after_cid)
        .bind(&after_pid)
        .bind(JOB_BATCH)
        .fetch_all(db.read())
        .await?;
        let batch: Vec<(String, String)> = rows.iter().map(|r| (r.get(1), r.get(0))).collect();
        let ids: Vec<&str> = batch.iter().map(|(_, c)| c.as_str()).collect();
        let current = customers::lookup::current_associations(db.read(), &ids).await?;
        for (pid, cid) in &batch {
            // Still its resale customer: nothing to do. Associated with it for consulting: the
            // type was switched; otherwise the association ended.
            let op = match current.get(cid).filter(|a| &a.partner_id == pid) {
                Some(a) if a.association_type == AssociationType::Resale => continue,
                Some(_) => operation::MODE_SWITCH_RECLAIM,
                None => operation::UNBIND_RECLAIM,
            };
            due.push((pid.clone(), cid.clone(), op));
        }
        match batch.last() {
            Some((pid, cid)) if batch.len() as i64 == JOB_BATCH => {
                after = Some((cid.clone(), pid.clone()))
            }
            _ => break,
        }
    }
    let mut total = 0;
    for (pid, cid, op) in due {
        let ctx2 = ctx.clone();
        total += db
            .write(move |c| {
                Box::pin(async move {
                    Ok(reclaim_for_customer_in(c, &ctx2, &pid, &cid, op)
                        .await?
                        .len())
                })
            })
            .await?;
    }
    Ok(total)
}
