//! The home pages' coupon figures: for a partner, the coupons it issued that expire within the
//! next days and the quota it can still issue; for a customer, the coupons it can use now.
//! Balances are the ledger's (each coupon's and quota's own account), asked in batches.

use pc_domain::coupons::{coupon_status, quota_status};
use pc_domain::ledger::AccountKind;
use pc_domain::Money;

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::store::sql::{self, ReadPool};
use crate::store::{ledger, Db};

/// One day in milliseconds.
const DAY_MS: i64 = 24 * 3600 * 1000;

/// How many accounts one balance lookup names.
const BATCH: usize = 500;

/// A number of coupons and what they still hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CouponTally {
    pub count: i64,
    pub balance: Money,
}

/// The acting partner's coupons at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartnerCouponSummary {
    /// Live coupons it issued whose validity ends within the window (from now on).
    pub expiring: CouponTally,
    /// What its valid quotas can still issue.
    pub quota_left: Money,
}

/// The summed balances of `accounts`, looked up [`BATCH`] at a time.
async fn total_balance(pool: &ReadPool, accounts: &[String]) -> AppResult<Money> {
    let mut total = Money::ZERO;
    for chunk in accounts.chunks(BATCH) {
        let ids: Vec<&str> = chunk.iter().map(String::as_str).collect();
        for m in ledger::balances(pool, &ids).await?.into_values() {
            total = total
                .checked_add(m)
                .ok_or_else(|| AppError::internal("coupon balances overflow"))?;
        }
    }
    Ok(total)
}

fn accounts(kind: AccountKind, ids: &[String]) -> Vec<String> {
    ids.iter().map(|id| ledger::account_id(kind, id)).collect()
}

/// [`PartnerCouponSummary`] of the acting partner, coupons expiring within `days` days; anyone
/// else `CBC.0151`. The coupons are one range of `coupons_partner_expiry`; the quotas are the
/// partner's own (a handful).
pub async fn partner_summary(db: &Db, ctx: &Ctx, days: i64) -> AppResult<PartnerCouponSummary> {
    let partner_id = ctx.actor.partner_id()?;
    let pool = db.read();
    let now = ctx.now_ms;
    let coupons: Vec<String> = sql::query_scalar(
        "SELECT id FROM coupons WHERE partner_id = $1 AND status = $2 AND expire_at > $3 AND expire_at <= $4",
    )
    .bind(partner_id)
    .bind(coupon_status::USABLE)
    .bind(now)
    .bind(now.saturating_add(days.clamp(0, 366) * DAY_MS))
    .fetch_all(pool)
    .await?;
    let quotas: Vec<String> = sql::query_scalar(
        "SELECT id FROM coupon_quotas WHERE partner_id = $1 AND status = $2 AND effective_at <= $3 AND expire_at > $3",
    )
    .bind(partner_id)
    .bind(quota_status::NORMAL)
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(PartnerCouponSummary {
        expiring: CouponTally {
            count: coupons.len() as i64,
            balance: total_balance(pool, &accounts(AccountKind::Coupon, &coupons)).await?,
        },
        quota_left: total_balance(pool, &accounts(AccountKind::CouponQuota, &quotas)).await?,
    })
}

/// The coupons the acting customer can use now (live, in effect, not frozen, not held by an
/// order waiting for payment) and what they hold; anyone else `CBC.0151`.
pub async fn customer_usable(db: &Db, ctx: &Ctx) -> AppResult<CouponTally> {
    let Actor::Customer { customer_id, .. } = &ctx.actor else {
        return Err(AppError::new(Code::AccessDenied));
    };
    let pool = db.read();
    let ids: Vec<String> = sql::query_scalar(
        "SELECT id FROM coupons WHERE customer_id = $1 AND status = $2 AND is_frozen = 0 \
         AND lock_order_id IS NULL AND effective_at <= $3 AND expire_at > $3",
    )
    .bind(customer_id)
    .bind(coupon_status::USABLE)
    .bind(ctx.now_ms)
    .fetch_all(pool)
    .await?;
    Ok(CouponTally {
        count: ids.len() as i64,
        balance: total_balance(pool, &accounts(AccountKind::Coupon, &ids)).await?,
    })
}
