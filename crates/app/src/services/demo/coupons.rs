//! The demo's coupons: each quarter the operator grants the distributor a voucher quota and the
//! distributor passes part of it down to its resellers; partners issue coupons to their resale
//! customers, who spend most of them on orders; a few are recalled, a few run out unused and the
//! coupon-expiry job expires them.

use pc_domain::coupons::QuotaType;
use pc_domain::Money;

use super::{Demo, Held, World, DAY_MS, DIST, NINGBO, SUZHOU};
use crate::error::AppResult;
use crate::services::coupons;

/// The operator grants the distributor a voucher quota of `cents`; the distributor grants
/// `each` of it to each of its two new resellers. The newest quotas are the ones issued from.
pub(crate) async fn quarter(
    d: &mut Demo<'_>,
    world: &mut World,
    at: i64,
    cents: i64,
    each: i64,
) -> AppResult<()> {
    let ctx = d.system(at);
    let g = coupons::NewQuota {
        partner_id: world.partners[DIST].id.clone(),
        quota_type: QuotaType::Voucher,
        amount: Money::from_cents(cents),
        effective_at: None,
        expire_at: None,
        limits: Default::default(),
    };
    let quota_id = coupons::grant_quota(d.db, ctx, g).await?.quota_id;
    world.quotas.clear();
    world.quotas.push((DIST, quota_id.clone()));
    let ctx = d.partner(&world.partner(DIST), at + super::HOUR_MS);
    let resellers = [SUZHOU, NINGBO];
    let g = coupons::ResellerGrant {
        quota_id,
        reseller_ids: resellers
            .iter()
            .map(|r| world.partners[*r].id.clone())
            .collect(),
        amount: Money::from_cents(each),
    };
    let out = coupons::grant_to_resellers(d.db, ctx, g).await?;
    for (reseller_id, child) in out.done {
        if let Some(r) = resellers
            .iter()
            .find(|r| world.partners[**r].id == reseller_id)
        {
            world.quotas.push((*r, child));
        }
    }
    Ok(())
}

/// Customer `i`'s partner issues it one coupon of `cents` from its newest quota (nothing if the
/// partner has none); `to_expire` coupons are valid ten days and never spent.
pub(crate) async fn issue(
    d: &mut Demo<'_>,
    world: &mut World,
    i: usize,
    at: i64,
    cents: i64,
    to_expire: bool,
) -> AppResult<()> {
    let c = &world.customers[i];
    let Some(p) = c.partner.filter(|_| c.resale) else {
        return Ok(());
    };
    let Some(quota_id) = world.quota_of(p) else {
        return Ok(());
    };
    let (days, memo) = if to_expire {
        (10, "限时体验券 trial voucher")
    } else {
        (90, "季度回馈 quarterly thanks")
    };
    if let Some(coupon_id) = issue_from(d, world, i, p, &quota_id, at, cents, days, memo).await? {
        world.coupons.push(Held {
            customer: i,
            coupon_id,
            issuer: p,
            to_expire,
        });
    }
    Ok(())
}

/// Partner `p` issues customer `i` (its resale customer now, else nothing) one coupon of `cents`
/// from `quota_id`, valid `days`; the coupon's id.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn issue_from(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    p: usize,
    quota_id: &str,
    at: i64,
    cents: i64,
    days: i64,
    memo: &str,
) -> AppResult<Option<String>> {
    let c = &world.customers[i];
    if c.partner != Some(p) || !c.resale {
        return Ok(None);
    }
    let ctx = d.partner(&world.partner(p), at);
    let req = coupons::IssueRequest {
        quota_id: quota_id.to_string(),
        customer_ids: vec![c.id.clone()],
        face_value: Money::from_cents(cents),
        valid_time: None,
        expire_time: Some(at + days * DAY_MS),
        service_types: vec![],
        product_ids: vec![],
        memo: Some(memo.into()),
        indirect_partner_id: None,
        order_types: vec![],
    };
    let out = coupons::issue(d.db, ctx, req).await?;
    if let Some((_, err)) = out.failed.into_iter().next() {
        return Err(err);
    }
    Ok(out.issued.into_iter().next().map(|(_, id)| id))
}

/// A coupon customer `i` may spend now (and forgets it: an order spends it).
pub(crate) fn take_spendable(world: &mut World, i: usize) -> Option<String> {
    let k = world
        .coupons
        .iter()
        .position(|h| h.customer == i && !h.to_expire)?;
    Some(world.coupons.remove(k).coupon_id)
}

/// The issuer recalls the oldest unspent coupon of customer `i` (nothing if it has none).
pub(crate) async fn recall(
    d: &mut Demo<'_>,
    world: &mut World,
    i: usize,
    at: i64,
) -> AppResult<()> {
    let Some(k) = world
        .coupons
        .iter()
        .position(|h| h.customer == i && !h.to_expire)
    else {
        return Ok(());
    };
    let h = world.coupons.remove(k);
    let ctx = d.partner(&world.partner(h.issuer), at);
    let r = coupons::Reclaim {
        coupon_id: h.coupon_id,
        indirect_partner_id: None,
        via_api: false,
    };
    coupons::reclaim(d.db, ctx, r).await?;
    Ok(())
}

/// The coupon-expiry job, as the scheduler runs it.
pub(crate) async fn expiry(d: &mut Demo<'_>, at: i64) -> AppResult<()> {
    let ctx = d.system(at);
    coupons::run_expiry_job(d.db, ctx).await?;
    Ok(())
}
