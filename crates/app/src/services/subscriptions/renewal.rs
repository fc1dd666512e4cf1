//! Renewal of yearly/monthly resources: a renewal (a type-2 order, paid at once from the balance
//! when asked), auto-renewal on and off, and the `subscription-renewal` job that renews, changes
//! to pay-per-use (`super::to_on_demand`) or expires resources at their expiry.
//!
//! **Decisions (the vendor's help pages leave these open).**
//! - A renewal request makes one order per selling partner (in practice one order), one line per
//!   resource, priced at today's list price of the resource's product for the period asked. A
//!   resource already in a pending-payment order is refused (`CBC.99003100`); a frozen one
//!   `CBC.99003656`. With `is_auto_pay = 1` the order is paid from the balance in the same
//!   transaction (`checkout::pay_in`); if the balance is short the order is left pending payment
//!   (the response still names it) and nothing was spent.
//! - Paying a renewal extends the resource from its current expiry, or from the payment if it had
//!   already expired, and puts it back in use (`provision`).
//! - Auto-renewal: `expire_policy` 3 with a period type (`MONTH`/`YEAR`, default that of the line
//!   that bought it) and `auto_renew_times` = renewals left (NULL or 0 requested = unlimited).
//!   Cancelling puts `expire_policy` back to 0 (grace period).
//! - The job renews at expiry, or, for a customer that set a deduction date
//!   (`set_resources_renew_config`, [`super::renew_config`]), that many days before it: an
//!   auto-renew resource gets a one-period renewal order paid from the balance; if the balance is
//!   short the order stays pending, the customer gets a notice in the outbox, and the resource
//!   expires (5) at its expiry until the order is paid. A resource set to change to pay-per-use
//!   (`expire_policy` 1) becomes pay-per-use at its expiry (`to_on_demand::convert_at_expiry`).
//!   Every other resource past its expiry becomes expired (5). Resources already expired are not
//!   retried (the pending order is the customer's to pay).

use crate::store::sql::{self, Conn};
use pc_domain::orders::{
    self as rules, OrderType, PeriodType, ResourceStatus, SourceType, EXPIRE_POLICY_AUTO_RENEW,
    EXPIRE_POLICY_GRACE,
};
use serde::{Deserialize, Serialize};

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};
use crate::services::customers;
use crate::services::orders::{self, Item, NewOrder};
use crate::store::{audit, outbox, Db};

/// Most resource ids one renewal / query may name.
use super::acting_customer;
use super::resources::{
    self, check_ids, claim_for_order, own_resource, set_policy, Resource, MAX_AUTO_RENEW_TIMES,
    MAX_RENEW_IDS,
};
use super::to_on_demand;

/// What a renewal made: the order ids, and whether each was paid.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Renewed {
    pub order_ids: Vec<String>,
    pub paid: Vec<bool>,
}

/// Places (and with `auto_pay` tries to pay) one renewal order of `resources` for `period × num`.
async fn renew_resources(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resources: &[Resource],
    period: PeriodType,
    num: i64,
    auto_pay: bool,
) -> AppResult<(String, bool)> {
    let mut lines = Vec::with_capacity(resources.len());
    let items: Vec<Item> = resources
        .iter()
        .map(|r| Item {
            product_id: r.product_id.clone(),
            period,
            period_num: num,
            subscription_num: 1,
            resource_size: r.size,
        })
        .collect();
    let priced = orders::price_items(c, items).await?;
    for (p, r) in priced.into_iter().zip(resources) {
        lines.push((p, Some(r.id.clone())));
    }
    let first = &resources[0];
    let (source, user_name) = match &ctx.actor {
        Actor::System { .. } => (SourceType::SystemCreated, "运营系统".to_string()),
        _ => {
            let n = customers::lookup::known_account_name(&mut *c, customer_id).await?;
            (SourceType::Customer, n)
        }
    };
    let placed = orders::insert_order(
        c,
        ctx,
        &NewOrder {
            root_id: &first.root_id,
            partner_id: &first.partner_id,
            customer_id,
            source,
            order_type: OrderType::Renew,
            user_name: &user_name,
        },
        &lines,
    )
    .await?;
    if !auto_pay {
        return Ok((placed.order_id, false));
    }
    sql::query("SAVEPOINT renew_pay").execute(&mut *c).await?;
    let req = orders::PayRequest::parse(placed.order_id.clone(), "NO", "NO", None, None)?;
    let paid = match super::checkout::pay_in(c, ctx, customer_id, &req).await {
        Ok(_) => true,
        Err(e) if e.code == Code::InsufficientBalance => {
            sql::query("ROLLBACK TO SAVEPOINT renew_pay")
                .execute(&mut *c)
                .await?;
            false
        }
        Err(e) => return Err(e),
    };
    sql::query("RELEASE SAVEPOINT renew_pay")
        .execute(&mut *c)
        .await?;
    Ok((placed.order_id, paid))
}

/// A renewal the customer asks for: its resources (1–[`MAX_RENEW_IDS`], main ones), `num`
/// months or years, and whether to pay it from the balance at once.
#[derive(Debug, Clone)]
pub struct Renewal {
    pub resource_ids: Vec<String>,
    pub period: PeriodType,
    pub num: i64,
    pub auto_pay: bool,
}

impl Renewal {
    /// `RenewalResourcesReq` as the vendor sends it: `period_type` 2 (month) or 3 (year),
    /// `period_num` required, `is_auto_pay` 0 or 1 (default 0). Every error names its field.
    pub fn parse(
        resource_ids: Option<Vec<String>>,
        period_type: Option<i64>,
        period_num: Option<i64>,
        is_auto_pay: Option<i64>,
    ) -> AppResult<Renewal> {
        let resource_ids = resource_ids.unwrap_or_default();
        check_ids(&resource_ids, MAX_RENEW_IDS)?;
        let period = match period_type {
            Some(2) => PeriodType::Month,
            Some(3) => PeriodType::Year,
            _ => {
                return Err(AppError::invalid_tr(
                    "period_type must be 2 (month) or 3 (year)",
                    "period_type 须为 2（月）或 3（年）。",
                ))
            }
        };
        let num = period_num
            .ok_or_else(|| AppError::invalid_tr("period_num is required", "period_num 必填。"))?;
        let auto_pay = match is_auto_pay.unwrap_or(0) {
            0 => false,
            1 => true,
            _ => {
                return Err(AppError::invalid_tr(
                    "is_auto_pay must be 0 or 1",
                    "is_auto_pay 须为 0 或 1。",
                ))
            }
        };
        Ok(Renewal {
            resource_ids,
            period,
            num,
            auto_pay,
        })
    }
}

/// `renewal_resources`: the acting customer renews its resources for `num` months or years.
/// Returns the order ids (pending payment, or paid when `auto_pay` and the balance sufficed).
pub async fn renew(db: &Db, ctx: Ctx, renewal: Renewal) -> AppResult<Renewed> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { renew_in(c, &ctx, &customer_id, &renewal).await })
    })
    .await
}

/// [`renew`] inside an open transaction.
async fn renew_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    renewal: &Renewal,
) -> AppResult<Renewed> {
    let (resource_ids, period, num) = (&renewal.resource_ids, renewal.period, renewal.num);
    check_ids(resource_ids, MAX_RENEW_IDS)?;
    rules::check_period(period, num).map_err(AppError::from)?;
    // The renewal table's codes: a resource not the customer's, unsubscribed or deleted is
    // CBC.99003016 (where other operations say CBC.99003012), a sub-resource CBC.30010036.
    let gone = |e: AppError| {
        if e.code == Code::ResourceNotFound {
            e.recode(Code::RenewGone)
        } else {
            e
        }
    };
    let mut all = Vec::new();
    for id in resource_ids {
        let r = own_resource(c, customer_id, id).await.map_err(gone)?;
        if r.is_main == 0 {
            return Err(AppError::naming(Code::RenewNotMain, id.clone()));
        }
        claim_for_order(c, ctx, &r).await.map_err(gone)?;
        all.push(r);
    }
    let mut out = Renewed::default();
    let mut partners: Vec<String> = all.iter().map(|r| r.partner_id.clone()).collect();
    partners.dedup();
    for p in partners {
        let group: Vec<Resource> = all.iter().filter(|r| r.partner_id == p).cloned().collect();
        let (id, paid) =
            renew_resources(c, ctx, customer_id, &group, period, num, renewal.auto_pay).await?;
        out.order_ids.push(id);
        out.paid.push(paid);
    }
    Ok(out)
}

/// The period type auto-renewal uses: `MONTH` or `YEAR` (case-insensitive).
pub fn parse_auto_period(s: &str) -> AppResult<&'static str> {
    match s.trim().to_uppercase().as_str() {
        "MONTH" => Ok("MONTH"),
        "YEAR" => Ok("YEAR"),
        _ => Err(AppError::invalid_tr(
            "period_type must be MONTH or YEAR",
            "period_type 须为 MONTH 或 YEAR。",
        )),
    }
}

/// Auto-renewal asked for one resource: `times` 0–[`MAX_AUTO_RENEW_TIMES`] (0 or absent =
/// unlimited on first setting; absent keeps the count of a resource already renewing
/// automatically); `period` `MONTH`/`YEAR` (case-insensitive), default the period type of the
/// line that bought it.
#[derive(Debug, Clone, Default)]
pub struct AutoRenew {
    pub resource_id: String,
    pub times: Option<i64>,
    pub period: Option<String>,
}

/// `auto_renewal_resources`: the acting customer turns auto-renewal on (or resets its count) for
/// one of its resources in use.
pub async fn set_auto_renew(db: &Db, ctx: Ctx, a: AutoRenew) -> AppResult<()> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            set_auto_renew_in(
                c,
                &ctx,
                &customer_id,
                &a.resource_id,
                a.times,
                a.period.as_deref(),
            )
            .await
        })
    })
    .await
}

/// [`set_auto_renew`] inside an open transaction.
async fn set_auto_renew_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resource_id: &str,
    times: Option<i64>,
    period: Option<&str>,
) -> AppResult<()> {
    if times.is_some_and(|t| !(0..=MAX_AUTO_RENEW_TIMES).contains(&t)) {
        return Err(AppError::invalid_tr(
            format!("auto_renew_times must be between 0 and {MAX_AUTO_RENEW_TIMES}"),
            format!("auto_renew_times 须在 0 到 {MAX_AUTO_RENEW_TIMES} 之间。"),
        ));
    }
    let period = period.map(parse_auto_period).transpose()?;
    let r = own_resource(c, customer_id, resource_id).await?;
    // The vendor's table: an expired or frozen resource is CBC.99003602; one unsubscribed or
    // deleted no longer exists (CBC.99003012).
    if r.status != ResourceStatus::InUse.code() {
        return Err(match r.status {
            s if s == ResourceStatus::Frozen.code() || s == ResourceStatus::Expired.code() => {
                AppError::naming(Code::AutoRenewNotAllowed, r.id.clone())
            }
            _ => AppError::naming(Code::ResourceNotFound, r.id.clone()),
        });
    }
    let default_period = if r.period_type == PeriodType::Year.code() {
        "YEAR"
    } else {
        "MONTH"
    };
    let period = period
        .or(r
            .auto_renew_period
            .as_deref()
            .and_then(|p| parse_auto_period(p).ok()))
        .unwrap_or(default_period);
    let times = match times {
        Some(0) => None,
        Some(t) => Some(t),
        None if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW => r.auto_renew_times,
        None => None,
    };
    set_policy(c, ctx, &r.id, EXPIRE_POLICY_AUTO_RENEW, times, Some(period)).await
}

/// `cancel_auto_renewal_resources`: the acting customer's auto-renewing resource goes back to
/// the grace-period policy. A resource that does not renew automatically is refused with the
/// vendor's `CBC.99003605` and keeps its policy (a change to pay-per-use at expiry is cancelled
/// only by `update_period_to_on_demand`).
pub async fn cancel_auto_renew(db: &Db, ctx: Ctx, resource_id: String) -> AppResult<()> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move { cancel_auto_renew_in(c, &ctx, &customer_id, &resource_id).await })
    })
    .await
}

/// [`cancel_auto_renew`] inside an open transaction.
async fn cancel_auto_renew_in(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    resource_id: &str,
) -> AppResult<()> {
    let r = own_resource(c, customer_id, resource_id).await?;
    if r.expire_policy != EXPIRE_POLICY_AUTO_RENEW {
        return Err(AppError::naming(Code::AutoRenewCancelled, r.id.clone()));
    }
    set_policy(c, ctx, &r.id, EXPIRE_POLICY_GRACE, None, None).await
}

/// What a `subscription-renewal` run did.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RenewalReport {
    /// Auto-renewed and paid.
    pub renewed: Vec<String>,
    /// Auto-renewal orders left pending payment (the customer was notified).
    pub pending_orders: Vec<String>,
    /// Resources that expired.
    pub expired: Vec<String>,
    /// Resources that became pay-per-use.
    #[serde(default)]
    pub converted: Vec<String>,
}

const RENEWAL_BATCH: i64 = 200;

/// One resource at its expiry: auto-renewed, or expired.
async fn renew_or_expire(
    c: &mut Conn,
    ctx: &Ctx,
    r: &Resource,
    report: &mut RenewalReport,
) -> AppResult<()> {
    if to_on_demand::convert_at_expiry(c, ctx, r).await? {
        report.converted.push(r.id.clone());
        return Ok(());
    }
    if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW && claim_for_order(c, ctx, r).await.is_ok() {
        let period = match r.auto_renew_period.as_deref() {
            Some("YEAR") => PeriodType::Year,
            _ => PeriodType::Month,
        };
        let (order_id, paid) = renew_resources(
            c,
            ctx,
            &r.customer_id,
            std::slice::from_ref(r),
            period,
            1,
            true,
        )
        .await?;
        let left = r.auto_renew_times.map(|t| t - 1);
        sql::query("UPDATE resources SET auto_renew_times = $1, expire_policy = $2 WHERE id = $3")
            .bind(left.filter(|t| *t > 0))
            .bind(if left == Some(0) {
                EXPIRE_POLICY_GRACE
            } else {
                EXPIRE_POLICY_AUTO_RENEW
            })
            .bind(&r.id)
            .execute(&mut *c)
            .await?;
        if paid {
            report.renewed.push(r.id.clone());
            return Ok(());
        }
        let body = if r.expire_at > ctx.now_ms {
            let at = pc_domain::timefmt::format_utc(r.expire_at);
            format!(
                "The automatic renewal order {order_id} of your resource {} ({}) is pending payment: your balance is insufficient. Pay it before the resource expires at {at}. / 您的资源 {}（{}）的自动续费订单 {order_id} 因余额不足待支付，请在资源于 {at} 到期前支付。",
                r.name, r.id, r.name, r.id
            )
        } else {
            format!(
                "Your resource {} ({}) expired and its automatic renewal order {order_id} is pending payment: your balance is insufficient. Pay it to put the resource back in use. / 您的资源 {}（{}）已到期，自动续费订单 {order_id} 因余额不足待支付，支付后资源恢复使用。",
                r.name, r.id, r.name, r.id
            )
        };
        outbox::enqueue(
            c,
            ctx,
            Some(&r.root_id),
            "email",
            &r.customer_id,
            "Automatic renewal pending payment / 自动续费待支付",
            &body,
        )
        .await?;
        report.pending_orders.push(order_id);
    }
    // A resource renewed before its expiry (its customer's deduction date) stays in use until
    // then.
    let n = sql::query(
        "UPDATE resources SET status = $1, updated_at = $2 WHERE id = $3 AND status = $4 AND expire_at <= $2",
    )
    .bind(ResourceStatus::Expired.code())
    .bind(ctx.now_ms)
    .bind(&r.id)
    .bind(ResourceStatus::InUse.code())
    .execute(&mut *c)
    .await?
    .rows_affected();
    if n == 1 {
        audit::record(
            c,
            ctx,
            audit::Entry {
                action: "resources.expire",
                target_kind: "resource",
                target_id: &r.id,
                transfer_ids: &[],
                detail: serde_json::json!({"expire_policy": r.expire_policy}),
            },
        )
        .await?;
        report.expired.push(r.id.clone());
    }
    Ok(())
}

/// The `subscription-renewal` job (an operator, or the system running jobs): every resource in
/// use whose expiry is before `ctx.now_ms` is auto-renewed (paid from the balance, else left
/// pending with a notice), changed to pay-per-use or expired, in batches of [`RENEWAL_BATCH`],
/// each its own transaction. Safe to rerun: a renewed resource's expiry moves on, an expired or
/// changed one is no longer in use, so the job takes no idempotency key (one would answer every
/// batch with the first one's report).
pub async fn run_renewal_job(db: &Db, ctx: Ctx) -> AppResult<RenewalReport> {
    ctx.actor.require_operator()?;
    let ctx = ctx.with_idempotency(None);
    let mut report = RenewalReport::default();
    loop {
        let (batch, n) = db
            .run(ctx.clone(), move |c, ctx| {
                Box::pin(async move { renewal_batch_in(c, &ctx).await })
            })
            .await?;
        let progressed =
            !batch.renewed.is_empty() || !batch.expired.is_empty() || !batch.converted.is_empty();
        report.renewed.extend(batch.renewed);
        report.pending_orders.extend(batch.pending_orders);
        report.expired.extend(batch.expired);
        report.converted.extend(batch.converted);
        if n < RENEWAL_BATCH || !progressed {
            return Ok(report);
        }
    }
}

/// One batch of the job: what it did, and how many due resources it looked at.
async fn renewal_batch_in(c: &mut Conn, ctx: &Ctx) -> AppResult<(RenewalReport, i64)> {
    let due = resources::due(c, ctx.now_ms, RENEWAL_BATCH).await?;
    let mut rep = RenewalReport::default();
    for r in &due {
        renew_or_expire(c, ctx, r, &mut rep).await?;
    }
    Ok((rep, due.len() as i64))
}
