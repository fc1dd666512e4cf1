//! Yearly/monthly to pay-per-use (包年/包月转按需; the vendor's API reference:
//! UpdatePeriodToOnDemand, UpdatePeriodToOnDemandInstantly). A customer sets its resources to
//! change to pay-per-use at expiry or takes that back ([`set_expiry_change`]); the
//! `subscription-renewal` job changes them when they expire ([`convert_at_expiry`]); or the
//! customer changes them at once ([`change_now`]), with a type-10 order that refunds the unused
//! part. The rules are `pc_domain::to_on_demand`; the refund order is written the way
//! unsubscribing writes its own (`refunds::write_refund_order`); the pay-per-use resource is the
//! usage capability's (`usage::convert_from_period`).
//!
//! **Decisions (where the vendor is silent).**
//! - **Who.** Customers only, on their own resources: the vendor allows only the customer's key
//!   (a partner's is refused, `CBC.0155`, as on every customer-only operation here). A resource
//!   that is not the caller's, is unknown, or is already pay-per-use is `CBC.99003012`.
//! - **Per resource.** A malformed request (the operation; 1–100 ids for a policy, 1–10 at once;
//!   distinct, 1–64 characters) is refused whole (`CBC.0100`). Otherwise each named resource is
//!   decided on its own in the request's one transaction, inside a savepoint of its own: a
//!   refusal writes nothing for that resource and is answered with its id and code; the others
//!   go on. Only an internal error fails the whole request (and writes nothing).
//! - **Codes.** The vendor's for the cases its table names: not sold by usage `CBC.99003609`,
//!   grace or retention period (expired) `CBC.99003610`, a resource package `CBC.99003611`, in an
//!   order awaiting payment `CBC.99003623`, frozen `CBC.99003624`; unknown, not the caller's,
//!   closed or already pay-per-use `CBC.99003012`. Ours where it has none: a sub-resource
//!   `PC.1120` (the vendor takes main resources only), `CANCEL` of a resource not set to change
//!   `PC.1121` (the vendor makes setting it the precondition). Strict-selection products
//!   (`CBC.99003608`), solutions (`CBC.99003622`), police freezes (`CBC.99003625`) and frozen
//!   accounts (`CBC.99003626`) do not exist here, so those codes are never produced. The vendor
//!   did not publish a table for the change at once; it answers with the same codes.
//! - **Sub-resources.** Every resource this deployment provisions is a main one; a sub-resource
//!   named is refused, and nothing else follows a main resource.
//! - **At expiry** the resource leaves the yearly/monthly list (closed, `on_demand_at` its
//!   expiry) and is pay-per-use from its expiry on, under the same id: no order, no money moved;
//!   usage from then on is imported and rated like any other. One that no longer qualifies (its
//!   product lost its hourly price, an order awaiting payment names it) expires as with the grace
//!   period, keeping its policy, so the customer may cancel it.
//! - **At once**: one type-10 order per resource, completed (the vendor's `AUDIT` review never
//!   happens, so a success is `SUCCESS` with the order id), its amounts as an unsubscribe order's
//!   (the refund, `commission_amount` the fee, `consumed_amount` the used part; see
//!   `pc_domain::to_on_demand` for the arithmetic); the money goes back to the sources that paid,
//!   as an unsubscription's does; a negative consumption record of bill detail type 24
//!   (退款-包年/包月转按需); the resource leaves the yearly/monthly list now and is pay-per-use
//!   from now.
//! - **Retries.** With the same `X-Idempotency-Key` a retry answers the first answer. Without
//!   one, `SET_UP` again changes nothing and a second change at once finds the resource gone
//!   (`CBC.99003012`): nothing is refunded twice.

use pc_domain::bills;
use pc_domain::orders::{OrderType, EXPIRE_POLICY_TO_ON_DEMAND};
use pc_domain::to_on_demand::{
    self as rules, Action, Facts, Operation, Outcome, Refusal, MAX_INSTANT_IDS, MAX_POLICY_IDS,
};
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::{catalog, customers, orders, usage};
use crate::store::sql::{self, Conn};
use crate::store::{audit, Db};

use super::acting_customer;
use super::refunds::{self, RefundKind, RefundOrder, ResourcePlan};
use super::resources::{self, Resource};

/// Longest resource id accepted (the vendor's 1–64 characters).
const MAX_ID_CHARS: usize = 64;

/// Checks the ids of a request: 1–`max`, distinct, 1–64 characters each (trimmed).
fn parse_ids(ids: Option<Vec<String>>, max: usize) -> AppResult<Vec<String>> {
    let ids: Vec<String> = ids
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
    resources::check_ids(&ids, max)?;
    if ids.iter().any(|i| i.chars().count() > MAX_ID_CHARS) {
        return Err(AppError::invalid_tr(
            format!("resource_ids items are at most {MAX_ID_CHARS} characters"),
            format!("resource_ids 每项最多 {MAX_ID_CHARS} 个字符。"),
        ));
    }
    Ok(ids)
}

/// `update_period_to_on_demand`'s request, parsed.
#[derive(Debug, Clone)]
pub struct ExpiryChange {
    pub operation: Operation,
    pub resource_ids: Vec<String>,
}

impl ExpiryChange {
    /// `PeriodToOnDemandReq`: `operation` `SET_UP` or `CANCEL`, 1–100 resource ids.
    pub fn parse(
        operation: Option<String>,
        resource_ids: Option<Vec<String>>,
    ) -> AppResult<ExpiryChange> {
        let operation = operation
            .as_deref()
            .and_then(Operation::parse)
            .ok_or_else(|| {
                AppError::invalid_tr(
                    "operation must be SET_UP or CANCEL",
                    "operation 必须是 SET_UP 或 CANCEL。",
                )
            })?;
        Ok(ExpiryChange {
            operation,
            resource_ids: parse_ids(resource_ids, MAX_POLICY_IDS)?,
        })
    }
}

/// `update_period_to_on_demand_instantly`'s request, parsed: 1–10 resource ids.
#[derive(Debug, Clone)]
pub struct ChangeNow {
    pub resource_ids: Vec<String>,
}

impl ChangeNow {
    pub fn parse(resource_ids: Option<Vec<String>>) -> AppResult<ChangeNow> {
        Ok(ChangeNow {
            resource_ids: parse_ids(resource_ids, MAX_INSTANT_IDS)?,
        })
    }
}

/// Why one resource was refused: its id, the vendor code and the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub resource_id: String,
    pub error_code: String,
    pub error_msg: String,
}

impl Failure {
    fn of(resource_id: &str, e: &AppError) -> Failure {
        Failure {
            resource_id: resource_id.to_string(),
            error_code: e.code.vendor_code().to_string(),
            error_msg: e.message(false),
        }
    }
}

/// One resource changed at once: its refund order, or why it was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Changed {
    pub resource_id: String,
    pub order_id: Option<String>,
    pub failure: Option<Failure>,
}

/// What the rule knows of one resource, read inside the transaction.
async fn facts(c: &mut Conn, r: &Resource) -> AppResult<Facts> {
    let pending = orders::for_subscriptions::pending_on_resource(c, &r.id).await? > 0;
    let package = catalog::package_of(c, &r.product_id).await?.is_some();
    let priced = catalog::usage_prices(c, &[r.product_id.as_str()]).await?;
    Ok(Facts {
        status: r.status,
        is_main: r.is_main != 0,
        expire_policy: r.expire_policy,
        pending_order: pending,
        package,
        sold_by_usage: priced
            .get(&r.product_id)
            .is_some_and(|p| p.hour_price.is_some()),
    })
}

fn refused(why: Refusal, resource_id: &str) -> AppError {
    let code = match why {
        Refusal::Closed => Code::ResourceNotFound,
        Refusal::NotMain => Code::ToOnDemandNotMain,
        Refusal::Package => Code::ToOnDemandPackage,
        Refusal::NotSoldByUsage => Code::ToOnDemandNotSoldByUsage,
        Refusal::GracePeriod => Code::ToOnDemandGracePeriod,
        Refusal::Frozen => Code::ToOnDemandFrozen,
        Refusal::PendingOrder => Code::ToOnDemandPendingOrder,
        Refusal::NotSetUp => Code::ToOnDemandNotSetUp,
    };
    AppError::naming(code, resource_id)
}

/// Opens the savepoint one resource's step runs in.
async fn begin_one(c: &mut Conn) -> AppResult<()> {
    sql::query("SAVEPOINT to_on_demand")
        .execute(&mut *c)
        .await?;
    Ok(())
}

/// Closes one resource's savepoint: kept when the step succeeded and `keep`, rolled back when it
/// was refused (a 4xx error: its failure is returned) or wrote nothing worth keeping. Any other
/// error fails the request.
async fn end_one<T>(
    c: &mut Conn,
    resource_id: &str,
    step: AppResult<(T, bool)>,
) -> AppResult<Result<T, Failure>> {
    let (out, keep) = match step {
        Ok((v, keep)) => (Ok(v), keep),
        Err(e) if e.code.status() < 500 => (Err(Failure::of(resource_id, &e)), false),
        Err(e) => return Err(e),
    };
    if !keep {
        sql::query("ROLLBACK TO SAVEPOINT to_on_demand")
            .execute(&mut *c)
            .await?;
    }
    sql::query("RELEASE SAVEPOINT to_on_demand")
        .execute(&mut *c)
        .await?;
    Ok(out)
}

/// `update_period_to_on_demand`: the acting customer sets each named resource to change to
/// pay-per-use at expiry (`SET_UP`) or takes that back (`CANCEL`). Returns the refusals (empty:
/// every resource done), in the order named.
pub async fn set_expiry_change(db: &Db, ctx: Ctx, req: ExpiryChange) -> AppResult<Vec<Failure>> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let mut failures = Vec::new();
            for id in &req.resource_ids {
                begin_one(c).await?;
                let step = set_one(c, &ctx, &customer_id, req.operation, id).await;
                if let Err(f) = end_one(c, id, step).await? {
                    failures.push(f);
                }
            }
            Ok(failures)
        })
    })
    .await
}

/// One resource's `SET_UP` or `CANCEL`; `true` when it stored a new policy.
async fn set_one(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    op: Operation,
    id: &str,
) -> AppResult<((), bool)> {
    let r = refunds::lock_resource(c, ctx, customer_id, id).await?;
    let f = facts(c, &r).await?;
    match rules::decide(Action::from(op), &f).map_err(|why| refused(why, &r.id))? {
        Outcome::Policy(p) => {
            resources::set_policy(c, ctx, &r.id, p, None, None).await?;
            Ok(((), true))
        }
        Outcome::Unchanged => Ok(((), false)),
        Outcome::ChangeNow => Err(AppError::internal("a policy request decided a change now")),
    }
}

/// `update_period_to_on_demand_instantly`: the acting customer changes each named resource to
/// pay-per-use now, each with a type-10 order refunding the unused part. Returns one result per
/// resource, in the order named.
pub async fn change_now(db: &Db, ctx: Ctx, req: ChangeNow) -> AppResult<Vec<Changed>> {
    let customer_id = acting_customer(&ctx)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            let user_name = customers::lookup::account_name(&mut *c, &customer_id)
                .await?
                .ok_or_else(|| AppError::new(Code::NotAllowed))?;
            let mut out = Vec::with_capacity(req.resource_ids.len());
            for id in &req.resource_ids {
                begin_one(c).await?;
                let step = change_one(c, &ctx, &customer_id, &user_name, id).await;
                let (order_id, failure) = match end_one(c, id, step).await? {
                    Ok(order_id) => (Some(order_id), None),
                    Err(f) => (None, Some(f)),
                };
                out.push(Changed {
                    resource_id: id.clone(),
                    order_id,
                    failure,
                });
            }
            Ok(out)
        })
    })
    .await
}

/// One resource changed now: the refund order, the money back, the resource pay-per-use.
async fn change_one(
    c: &mut Conn,
    ctx: &Ctx,
    customer_id: &str,
    user_name: &str,
    id: &str,
) -> AppResult<(String, bool)> {
    let r = refunds::lock_resource(c, ctx, customer_id, id).await?;
    let f = facts(c, &r).await?;
    rules::decide(Action::Now, &f).map_err(|why| refused(why, &r.id))?;
    let paid = refunds::paid_periods(c, &r).await?;
    let periods = rules::refund(&paid, ctx.now_ms)
        .map_err(|_| AppError::internal("refund arithmetic overflow"))?;
    let plan = ResourcePlan {
        resource: r,
        periods,
        no_reason: false,
    };
    let kind = RefundKind {
        order_type: OrderType::PeriodToOnDemand,
        bill_detail_type: bills::detail_type::REFUND_TO_ON_DEMAND,
        unsubscribe: None,
    };
    let RefundOrder { order_id, back } =
        refunds::write_refund_order(c, ctx, customer_id, user_name, &plan, &kind).await?;
    let r = &plan.resource;
    if !become_on_demand(c, ctx, r, ctx.now_ms).await? {
        return Err(AppError::internal(
            "a locked resource changed under the lock",
        ));
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "resources.to_on_demand",
            target_kind: "order",
            target_id: &order_id,
            transfer_ids: &back.transfer_ids,
            detail: serde_json::json!({
                "resource_id": r.id,
                "refund": plan.refund().to_string(),
                "consumed": plan.consumed().to_string(),
                "fee": plan.fee().to_string(),
                "cash": back.cash.to_string(),
                "vouchers": back.vouchers.to_string(),
                "cash_coupons": back.cash_coupons.to_string(),
            }),
        },
    )
    .await?;
    Ok((order_id, true))
}

/// The resource becomes pay-per-use from `at`: it leaves the yearly/monthly list and the usage
/// capability knows it. `false` when it was no longer a yearly/monthly resource in use.
async fn become_on_demand(c: &mut Conn, ctx: &Ctx, r: &Resource, at: i64) -> AppResult<bool> {
    if !resources::mark_on_demand(c, ctx, &r.id, at).await? {
        return Ok(false);
    }
    usage::convert_from_period(
        c,
        &usage::FromPeriod {
            customer_id: &r.customer_id,
            resource_id: &r.id,
            product_id: &r.product_id,
            service_type_code: &r.service_type_code,
            resource_type_code: &r.resource_type_code,
            resource_spec: &r.resource_spec,
            region: &r.region,
            name: &r.name,
            since: at,
        },
    )
    .await?;
    Ok(true)
}

/// The renewal job, for a resource in use whose expiry has come: when it is set to change and
/// still qualifies, it becomes pay-per-use from its expiry on (audited) and `true` is returned;
/// otherwise nothing is written and the job expires it.
pub(crate) async fn convert_at_expiry(c: &mut Conn, ctx: &Ctx, r: &Resource) -> AppResult<bool> {
    if r.expire_policy != EXPIRE_POLICY_TO_ON_DEMAND {
        return Ok(false);
    }
    let f = facts(c, r).await?;
    if !rules::converts_at_expiry(&f) || !become_on_demand(c, ctx, r, r.expire_at).await? {
        return Ok(false);
    }
    audit::record(
        c,
        ctx,
        audit::Entry {
            action: "resources.to_on_demand_at_expiry",
            target_kind: "resource",
            target_id: &r.id,
            transfer_ids: &[],
            detail: serde_json::json!({"expire_at": r.expire_at}),
        },
    )
    .await?;
    Ok(true)
}
