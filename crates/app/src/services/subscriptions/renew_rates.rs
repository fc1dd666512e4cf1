//! Renewal quotes (`list_renew_rate_on_period`): what renewing some of the acting customer's
//! yearly/monthly resources for a number of months or years would cost, priced exactly as a
//! renewal prices it ([`super::renewal`]: today's list price of each resource's product for the
//! period, × its size for linear products), with the discounts the customer could choose when
//! paying (its partner's grants and the live promotions, as any quote).
//!
//! **Failures per resource** (the vendor's codes for this operation, answered in the response's
//! `fail_resource_infos`, never as a refusal of the whole request): a resource that is not the
//! customer's, does not exist, or was unsubscribed `CBC.30050009`; one that is not a main
//! resource `CBC.30050007`; one in an order pending payment `CBC.30050010`; a frozen one the
//! renewal's own `CBC.99003656`; one whose product is no longer sold `CBC.30050013`, or not sold
//! by the period type asked `CBC.30050008`. Repeated ids refuse the request (`CBC.30050012`), as
//! does a period the renewal would refuse (`CBC.0100`).
//!
//! `include_relative_resources` is accepted: a renewal here renews the main resources it names
//! and nothing else, so the quote is of them alone either way.

use pc_domain::orders::{self as rules, PeriodType, ResourceStatus};
use pc_domain::Money;

use super::acting_customer;
use super::resources::{own_resource, MAX_RENEW_IDS};
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::services::catalog;
use crate::services::orders::{self, Item, PricedItem, Quote};
use crate::store::sql::Conn;
use crate::store::Db;

/// `ListRenewRateOnPeriodReq` as sent.
#[derive(Debug, Clone, Default)]
pub struct RenewRateRequest {
    pub resource_ids: Option<Vec<String>>,
    /// `2` month, `3` year.
    pub period_type: Option<i64>,
    pub period_num: Option<i64>,
    pub include_relative_resources: Option<bool>,
}

/// A renewal quote: each quotable resource's renewal price (in the request's order), the quote
/// over them (list price and discounts), and the resources that cannot be renewed, each with
/// its reason.
#[derive(Debug, Clone)]
pub struct RenewRates {
    pub resources: Vec<(String, Money)>,
    pub quote: Quote,
    pub failed: Vec<(String, Code)>,
}

/// Checks the request: 1 to [`MAX_RENEW_IDS`] non-empty ids (repeats: `CBC.30050012`) and a
/// period the renewal accepts.
fn parse(req: &RenewRateRequest) -> AppResult<(Vec<String>, PeriodType, i64)> {
    let ids: Vec<String> = req
        .resource_ids
        .clone()
        .unwrap_or_default()
        .into_iter()
        .map(|s| s.trim().to_string())
        .collect();
    if ids.is_empty() || ids.len() > MAX_RENEW_IDS || ids.iter().any(String::is_empty) {
        return Err(AppError::invalid_tr(
            format!("resource_ids must have 1 to {MAX_RENEW_IDS} non-empty items"),
            format!("resource_ids 须有 1 到 {MAX_RENEW_IDS} 个非空项。"),
        ));
    }
    if ids.iter().enumerate().any(|(i, id)| ids[..i].contains(id)) {
        return Err(AppError::new(Code::RenewDuplicateIds));
    }
    let period = match req.period_type {
        Some(2) => PeriodType::Month,
        Some(3) => PeriodType::Year,
        _ => {
            return Err(AppError::invalid_tr(
                "period_type must be 2 (month) or 3 (year)",
                "period_type 必须是 2（包月）或 3（包年）。",
            ))
        }
    };
    let num = req
        .period_num
        .ok_or_else(|| AppError::invalid_tr("period_num is required", "period_num 必填。"))?;
    rules::check_period(period, num).map_err(AppError::from)?;
    Ok((ids, period, num))
}

/// One resource priced for the renewal, or why it cannot be renewed.
async fn price_one(
    c: &mut Conn,
    customer_id: &str,
    id: &str,
    period: PeriodType,
    num: i64,
) -> AppResult<Result<PricedItem, Code>> {
    let r = match own_resource(c, customer_id, id).await {
        Ok(r) => r,
        Err(e) if e.code == Code::ResourceNotFound => return Ok(Err(Code::RenewResourceMissing)),
        Err(e) => return Err(e),
    };
    if r.status == ResourceStatus::Closed.code() {
        return Ok(Err(Code::RenewResourceMissing));
    }
    if r.is_main == 0 {
        return Ok(Err(Code::RenewNotMainResource));
    }
    if r.status == ResourceStatus::Frozen.code() {
        // The quote table's "资源被锁定" (its other resource tables' CBC.99003656 is not in it).
        return Ok(Err(Code::RenewQuoteLocked));
    }
    if orders::for_subscriptions::pending_on_resource(c, &r.id).await? > 0 {
        return Ok(Err(Code::RenewInPendingOrder));
    }
    let Some(product) = catalog::product(&mut *c, &r.product_id)
        .await?
        .filter(|p| p.active)
    else {
        return Ok(Err(Code::RenewNotRenewable));
    };
    let unit = match period {
        PeriodType::Year => product.year_price,
        _ => product.month_price,
    };
    if unit.is_none() {
        return Ok(Err(Code::RenewPeriodUnavailable));
    }
    // As `renewal::renew_resources` prices it: one of it, its size, the period asked.
    let item = Item {
        product_id: r.product_id.clone(),
        period,
        period_num: num,
        subscription_num: 1,
        resource_size: r.size,
    };
    let official = orders::price(&product, &item)?;
    Ok(Ok(PricedItem {
        item,
        product,
        official,
    }))
}

/// `list_renew_rate_on_period`: the acting customer's renewal quote (see the module's header).
/// Anyone but a customer gets `CBC.0155`.
pub async fn renew_rates(db: &Db, ctx: &Ctx, req: &RenewRateRequest) -> AppResult<RenewRates> {
    let customer_id = acting_customer(ctx)?;
    let (ids, period, num) = parse(req)?;
    let mut conn = db.read().acquire().await?;
    let mut priced = Vec::with_capacity(ids.len());
    let mut resources = Vec::with_capacity(ids.len());
    let mut failed = Vec::new();
    for id in &ids {
        match price_one(&mut conn, &customer_id, id, period, num).await? {
            Ok(p) => {
                resources.push((id.clone(), p.official));
                priced.push(p);
            }
            Err(code) => failed.push((id.clone(), code)),
        }
    }
    let quote = if priced.is_empty() {
        Quote {
            items: Vec::new(),
            discounts: Vec::new(),
        }
    } else {
        orders::quote_priced(&mut conn, Some(&customer_id), priced, ctx.now_ms).await?
    };
    Ok(RenewRates {
        resources,
        quote,
        failed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(ids: &[&str], t: Option<i64>, n: Option<i64>) -> RenewRateRequest {
        RenewRateRequest {
            resource_ids: Some(ids.iter().map(|s| s.to_string()).collect()),
            period_type: t,
            period_num: n,
            include_relative_resources: None,
        }
    }

    #[test]
    fn requests_are_checked_before_any_resource() {
        assert!(parse(&req(&["a", "b"], Some(2), Some(11))).is_ok());
        assert!(parse(&req(&["a"], Some(3), Some(3))).is_ok());
        assert_eq!(
            parse(&req(&["a", "a"], Some(2), Some(1))).unwrap_err().code,
            Code::RenewDuplicateIds
        );
        for bad in [
            req(&[], Some(2), Some(1)),
            req(&[" "], Some(2), Some(1)),
            req(&["a"; 11], Some(2), Some(1)),
            req(&["a"], Some(1), Some(1)),
            req(&["a"], None, Some(1)),
            req(&["a"], Some(2), None),
            req(&["a"], Some(2), Some(12)),
            req(&["a"], Some(3), Some(4)),
            req(&["a"], Some(2), Some(0)),
        ] {
            assert_eq!(
                parse(&bad).unwrap_err().code,
                Code::InvalidParameter,
                "{bad:?}"
            );
        }
    }
}
