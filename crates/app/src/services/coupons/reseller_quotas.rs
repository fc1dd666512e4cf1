//! Master distributor ↔ reseller quotas (the vendor's API reference).

use crate::store::sql::{self, Conn};
use pc_domain::coupons::{operation, quota_status, QuotaType};
use pc_domain::ledger::AccountKind;
use pc_domain::party::PartnerType;
use pc_domain::Money;

use super::*;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::partners;
use crate::store::{audit, ledger, Db};

/// Is `partner` a master distributor? (Quota grants to resellers are theirs only.)
pub async fn require_distributor(c: &mut Conn, partner_id: &str) -> AppResult<partners::Partner> {
    let p = partners::get(c, partner_id)
        .await?
        .ok_or_else(|| AppError::new(Code::AccessDenied))?;
    if p.partner_type != PartnerType::Distributor {
        return Err(AppError::new(Code::NoResellerPermission));
    }
    Ok(p)
}

#[allow(clippy::too_many_arguments)]
async fn quota_record(
    c: &mut Conn,
    ctx: &Ctx,
    distributor: &partners::Partner,
    quota_id: &str,
    parent_quota_id: &str,
    reseller_id: &str,
    op: i64,
    amount: Money,
    remark: Option<&str>,
) -> AppResult<()> {
    sql::query(
        "INSERT INTO quota_records (id, root_id, distributor_id, quota_id, parent_quota_id, indirect_partner_id, operation_type, amount, result, remark, operator, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)",
    )
    .bind(new_id("qr"))
    .bind(&distributor.root_id)
    .bind(&distributor.id)
    .bind(quota_id)
    .bind(parent_quota_id)
    .bind(reseller_id)
    .bind(op)
    .bind(amount.cents())
    .bind(remark.map(str::to_string))
    .bind(ctx.actor.id())
    .bind(ctx.now_ms)
    .execute(c)
    .await?;
    Ok(())
}

/// A grant from the acting master distributor's voucher quota to its resellers.
#[derive(Debug, Clone)]
pub struct ResellerGrant {
    pub quota_id: String,
    pub reseller_ids: Vec<String>,
    /// What each reseller gets.
    pub amount: Money,
}

/// `update_coupon_quotas`: a master distributor grants `amount` from its voucher quota to each
/// reseller, into one child quota per (parent quota, reseller) that inherits the parent's
/// validity and limits (a repeated grant tops the same child up). Each reseller's child quota id
/// in `done`.
pub async fn grant_to_resellers(
    db: &Db,
    ctx: Ctx,
    g: ResellerGrant,
) -> AppResult<BatchOutcome<String>> {
    let distributor_id = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            grant_to_resellers_in(
                c,
                &ctx,
                &distributor_id,
                &g.quota_id,
                &g.reseller_ids,
                g.amount,
            )
            .await
        })
    })
    .await
}

async fn grant_to_resellers_in(
    c: &mut Conn,
    ctx: &Ctx,
    distributor_id: &str,
    quota_id: &str,
    reseller_ids: &[String],
    amount: Money,
) -> AppResult<BatchOutcome<String>> {
    if reseller_ids.is_empty() || reseller_ids.len() > MAX_CUSTOMERS_PER_ISSUE {
        return Err(AppError::invalid_tr(
            format!("indirect_partner_ids holds 1 to {MAX_CUSTOMERS_PER_ISSUE} ids"),
            format!("indirect_partner_ids 须有 1 到 {MAX_CUSTOMERS_PER_ISSUE} 个 ID。"),
        ));
    }
    if !amount.is_positive() {
        return Err(AppError::invalid_tr(
            "quota_amount must be greater than 0 with at most 2 decimals",
            "quota_amount 须大于 0，且最多 2 位小数。",
        ));
    }
    let d = require_distributor(c, distributor_id).await?;
    let parent = owned_quota(c, &d.id, quota_id).await?;
    if parent.quota_type != QuotaType::Voucher || parent.parent_quota_id.is_some() {
        return Err(AppError::new(Code::QuotaInvalid));
    }
    if parent.status != quota_status::NORMAL {
        return Err(AppError::new(Code::QuotaInvalid));
    }
    if ctx.now_ms < parent.effective_at || ctx.now_ms >= parent.expire_at {
        return Err(AppError::new(Code::QuotaNotInForce));
    }
    let mut out = BatchOutcome::default();
    for rid in reseller_ids {
        savepoint(c).await?;
        let r = grant_one(c, ctx, &d, &parent, rid, amount).await;
        end_savepoint(c, r.is_ok()).await?;
        match r {
            Ok(child) => out.done.push((rid.clone(), child)),
            Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => return Err(e),
            Err(e) => out.failed.push((rid.clone(), e)),
        }
    }
    Ok(out)
}

async fn grant_one(
    c: &mut Conn,
    ctx: &Ctx,
    d: &partners::Partner,
    parent: &Quota,
    reseller_id: &str,
    amount: Money,
) -> AppResult<String> {
    let reseller = partners::ensure_child(&mut *c, &d.id, reseller_id).await?;
    // The parent quota's row lock, taken before looking for the child: two first grants to one
    // reseller racing on PostgreSQL would otherwise both find no child, and the second insert
    // would meet `coupon_quotas_one_child` (an internal error). Issuing takes this lock before the
    // quota's ledger account too, so the order is the same.
    sql::query("UPDATE coupon_quotas SET updated_at = updated_at WHERE id = $1")
        .bind(&parent.id)
        .execute(&mut *c)
        .await?;
    let existing: Option<String> = sql::query_scalar(
        "SELECT id FROM coupon_quotas WHERE parent_quota_id = $1 AND partner_id = $2",
    )
    .bind(&parent.id)
    .bind(&reseller.id)
    .fetch_optional(&mut *c)
    .await?;
    let child = match existing {
        Some(id) => id,
        None => {
            insert_quota(
                c,
                ctx,
                &reseller,
                Some(&parent.id),
                parent.quota_type,
                parent.effective_at,
                parent.expire_at,
                &parent.limits,
            )
            .await?
            .0
        }
    };
    // The child's row before the ledger accounts, as issuing from the child and reclaiming it take
    // them (parent quota row, child quota row, then the ledger): a grant that locked the ledger
    // first and the child row last deadlocked against those on PostgreSQL. A refused transfer
    // below rolls these back with the rest of the item.
    add_quota_value(c, ctx, &child, amount).await?;
    // A grant into a reseller quota its distributor had emptied makes it normal again.
    sql::query("UPDATE coupon_quotas SET status = 0 WHERE id = $1 AND status = 6")
        .bind(&child)
        .execute(&mut *c)
        .await?;
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &ledger::account_id(AccountKind::CouponQuota, &parent.id),
            to: &ledger::account_id(AccountKind::CouponQuota, &child),
            amount,
            kind: "quota_grant_reseller",
            root_id: Some(&d.root_id),
            memo: None,
        },
    )
    .await
    .map_err(|e| match e.code {
        Code::InsufficientBalance => AppError::new(Code::QuotaInsufficient),
        _ => e,
    })?;
    quota_record(
        c,
        ctx,
        d,
        &child,
        &parent.id,
        &reseller.id,
        operation::QUOTA_GRANT,
        amount,
        None,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.grant_reseller_quota",
            target_kind: "coupon_quota",
            target_id: &child,
            transfer_ids: &[t.id.into_string()],
            detail: serde_json::json!({"parent_quota_id": parent.id, "reseller_id": reseller.id, "amount": amount.to_string()}),
        },
    )
    .await?;
    Ok(child)
}

/// The acting master distributor takes back reseller quotas it granted.
#[derive(Debug, Clone)]
pub struct ResellerReclaim {
    pub quota_ids: Vec<String>,
    /// At most 256 characters; kept on the quota records and the transfers.
    pub remark: Option<String>,
}

/// `reclaim_coupon_quotas`: a master distributor takes back the whole balance of reseller
/// quotas it granted, into their parent quotas. Returns each quota's balance afterwards (0).
pub async fn reclaim_from_resellers(
    db: &Db,
    ctx: Ctx,
    r: ResellerReclaim,
) -> AppResult<BatchOutcome<Money>> {
    let distributor_id = ctx.actor.partner_id()?.to_string();
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            reclaim_from_resellers_in(c, &ctx, &distributor_id, &r.quota_ids, r.remark.as_deref())
                .await
        })
    })
    .await
}

async fn reclaim_from_resellers_in(
    c: &mut Conn,
    ctx: &Ctx,
    distributor_id: &str,
    quota_ids: &[String],
    remark: Option<&str>,
) -> AppResult<BatchOutcome<Money>> {
    if quota_ids.is_empty() || quota_ids.len() > MAX_QUOTAS_PER_RECLAIM {
        return Err(AppError::invalid_tr(
            format!("quota_ids holds 1 to {MAX_QUOTAS_PER_RECLAIM} ids"),
            format!("quota_ids 须有 1 到 {MAX_QUOTAS_PER_RECLAIM} 个 ID。"),
        ));
    }
    if remark.is_some_and(|r| r.chars().count() > 256) {
        return Err(AppError::invalid_tr(
            "remark has at most 256 characters",
            "remark 最多 256 个字符。",
        ));
    }
    let d = require_distributor(c, distributor_id).await?;
    let mut out = BatchOutcome::default();
    for qid in quota_ids {
        savepoint(c).await?;
        let r = reclaim_quota_one(c, ctx, &d, qid, remark).await;
        end_savepoint(c, r.is_ok()).await?;
        match r {
            Ok(b) => out.done.push((qid.clone(), b)),
            Err(e) if e.code == Code::Internal || e.code == Code::Unavailable => return Err(e),
            Err(e) => out.failed.push((qid.clone(), e)),
        }
    }
    Ok(out)
}

async fn reclaim_quota_one(
    c: &mut Conn,
    ctx: &Ctx,
    d: &partners::Partner,
    quota_id: &str,
    remark: Option<&str>,
) -> AppResult<Money> {
    let child = get_quota(&mut *c, quota_id)
        .await?
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    let parent_id = child
        .parent_quota_id
        .clone()
        .ok_or_else(|| AppError::new(Code::QuotaInvalid))?;
    owned_quota(c, &d.id, &parent_id).await?;
    let from = ledger::account_id(AccountKind::CouponQuota, &child.id);
    // The parent quota's row, then the child's, then the ledger: the order grants and issues take
    // them in, so none of them deadlocks with another on PostgreSQL.
    sql::query("UPDATE coupon_quotas SET updated_at = updated_at WHERE id = $1")
        .bind(&parent_id)
        .execute(&mut *c)
        .await?;
    // The child's row before its balance is read, so the balance read below is the one the
    // transfer takes; the whole balance goes, so a normal quota becomes reclaimed (6). An error
    // below rolls it back.
    sql::query(
        "UPDATE coupon_quotas SET status = CASE WHEN status = 0 THEN 6 ELSE status END, updated_at = $1 WHERE id = $2",
    )
    .bind(ctx.now_ms)
    .bind(&child.id)
    .execute(&mut *c)
    .await?;
    let amount = ledger::balance(&mut *c, &from).await?;
    if !amount.is_positive() {
        return Err(AppError::new(Code::QuotaInsufficient));
    }
    let t = ledger::transfer(
        c,
        ctx,
        &ledger::Posting {
            from: &from,
            to: &ledger::account_id(AccountKind::CouponQuota, &parent_id),
            amount,
            kind: "quota_reclaim_reseller",
            root_id: Some(&d.root_id),
            memo: remark,
        },
    )
    .await?;
    quota_record(
        c,
        ctx,
        d,
        &child.id,
        &parent_id,
        &child.partner_id,
        operation::QUOTA_RECLAIM,
        amount,
        remark,
    )
    .await?;
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "coupon.reclaim_reseller_quota",
            target_kind: "coupon_quota",
            target_id: &child.id,
            transfer_ids: &[t.id.clone().into_string()],
            detail: serde_json::json!({"parent_quota_id": parent_id, "amount": amount.to_string(), "remark": remark}),
        },
    )
    .await?;
    Ok(t.from_balance_after)
}
