//! The home pages' funds figures: a partner's allocations to and reclaims from its customers per
//! month, and for operators the money held in each kind of account.

use pc_domain::funds::kind;
use pc_domain::ledger::AccountKind;
use pc_domain::Money;

use crate::context::Ctx;
use crate::error::AppResult;
use crate::store::ledger::{self, End};
use crate::store::months::Months;
use crate::store::Db;

/// A partner's allocations and reclaims per month (cents), oldest month first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthlyMoves {
    /// `YYYY-MM` in Asia/Shanghai; the last is this month.
    pub months: Vec<String>,
    /// Allocated to its resale customers.
    pub allocated: Vec<i64>,
    /// Reclaimed from them.
    pub reclaimed: Vec<i64>,
}

/// The acting partner's allocations to and reclaims from its own resale customers in each of the
/// last `months` months (a reseller's are its own); anyone else `CBC.0151`.
pub async fn customer_moves_by_month(db: &Db, ctx: &Ctx, months: i64) -> AppResult<MonthlyMoves> {
    let partner_id = ctx.actor.partner_id()?;
    let account = ledger::account_id(AccountKind::PartnerCash, partner_id);
    let m = Months::last(ctx.now_ms, months);
    let pool = db.read();
    let allocated =
        ledger::monthly_sums(pool, &account, End::From, kind::ALLOCATE_CUSTOMER, &m).await?;
    let reclaimed =
        ledger::monthly_sums(pool, &account, End::To, kind::RECLAIM_CUSTOMER, &m).await?;
    Ok(MonthlyMoves {
        months: m.labels,
        allocated,
        reclaimed,
    })
}

/// The money held in each kind of account (partners' cash, customers' cash, coupon quotas,
/// coupons, customers' arrears): operators only (`CBC.0151` for anyone else).
pub async fn money_by_account_kind(db: &Db, ctx: &Ctx) -> AppResult<Vec<(AccountKind, Money)>> {
    ctx.actor.require_operator()?;
    ledger::totals_by_account_kind(db.read()).await
}
