//! The demo's offers beyond coupons: the operator's resource package (a monthly product carrying
//! free hours of pay-per-use servers) and its year-end promotion; the discounts partners grant
//! their customers; the cash-coupon quotas the operator grants, the cash coupons issued from them
//! and one recalled.

use pc_domain::coupons::{coupon_status, QuotaType};
use pc_domain::orders::Ratio;
use pc_domain::usage::{Quantity, MICROS};
use pc_domain::Money;

use super::{Demo, World, DAY_MS};
use crate::error::{AppError, AppResult};
use crate::services::catalog::{self, Package, ProductInput, UsagePricing};
use crate::services::coupons;
use crate::services::orders::{self, promotions};

/// The resource package the operator sells: 200 free hours a month of pay-per-use servers.
pub(crate) const PACKAGE: &str = "ecs-vm-hours-200";

/// The operator adds [`PACKAGE`] to the catalogue (pay-per-use servers in `cn-north-4`).
pub(crate) async fn package_product(d: &mut Demo<'_>, at: i64) -> AppResult<()> {
    let p = ProductInput {
        product_id: PACKAGE.into(),
        service_type_code: "hws.service.type.ec2".into(),
        resource_type_code: "hws.resource.type.vm".into(),
        resource_spec: "package.vm.200h".into(),
        region: "cn-north-4".into(),
        name_zh: "云服务器按需时长包 200 小时".into(),
        name_en: "Pay-per-use server hours, 200 hours".into(),
        spec_desc_zh: "每月 200 小时，抵扣按需云服务器用量".into(),
        spec_desc_en: "200 hours a month of pay-per-use servers".into(),
        size_measure_id: None,
        month_price: Some(Money::from_cents(1_200)),
        year_price: None,
        hour_price: None,
        active: true,
    };
    catalog::create_product(d.db, d.system(at), p).await?;
    let pricing = UsagePricing {
        tiers: vec![],
        package: Some(Package {
            quantity: Quantity::from_micros(200 * MICROS),
            resource_type_code: "hws.resource.type.vm".into(),
        }),
    };
    let ctx = d.system(at + super::MINUTE_MS);
    catalog::set_usage_pricing(d.db, ctx, PACKAGE.into(), pricing).await?;
    Ok(())
}

fn ratio(bp: i64) -> AppResult<Ratio> {
    Ratio::from_bp(bp).ok_or_else(|| AppError::internal(format!("bad demo ratio {bp}")))
}

/// The operator's year-end promotion on caches: `ratio_bp` off for 40 days from `at`.
pub(crate) async fn promotion(d: &mut Demo<'_>, at: i64) -> AppResult<()> {
    let p = promotions::NewPromotion {
        name: "年终云缓存促销 Year-end cache sale".into(),
        product_id: Some("dcs-redis-2g".into()),
        ratio: ratio(8_500)?,
        starts_at: at + DAY_MS,
        ends_at: at + 41 * DAY_MS,
    };
    promotions::create(d.db, d.system(at), p).await?;
    Ok(())
}

/// Customer `i`'s partner grants it a discount of `bp` on `product` (every product if `None`).
pub(crate) async fn discount(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    product: Option<&str>,
    bp: i64,
) -> AppResult<()> {
    let c = &world.customers[i];
    let Some(p) = c.partner else {
        return Ok(());
    };
    let g = orders::DiscountGrant {
        customer_id: c.id.clone(),
        product_id: product.map(str::to_string),
        ratio: ratio(bp)?,
    };
    let ctx = d.partner(&world.partner(p), at);
    orders::grant_discount(d.db, ctx, g).await?;
    Ok(())
}

/// The operator grants partner `p` a cash-coupon quota of `cents`; it issues a 60-day cash
/// coupon of a tenth of it to each of `to` (its resale customers).
pub(crate) async fn cash(
    d: &mut Demo<'_>,
    world: &mut World,
    p: usize,
    to: &[usize],
    at: i64,
    cents: i64,
) -> AppResult<()> {
    let g = coupons::NewQuota {
        partner_id: world.partners[p].id.clone(),
        quota_type: QuotaType::Cash,
        amount: Money::from_cents(cents),
        effective_at: None,
        expire_at: None,
        limits: Default::default(),
    };
    let quota_id = coupons::grant_quota(d.db, d.system(at), g).await?.quota_id;
    for (k, i) in to.iter().enumerate() {
        let t = at + 2 * super::HOUR_MS + k as i64 * 10 * super::MINUTE_MS;
        let memo = "现金券回馈 cash-coupon thanks";
        let id =
            super::coupons::issue_from(d, world, *i, p, &quota_id, t, cents / 10, 60, memo).await?;
        if let Some(coupon_id) = id {
            world.cash.push((p, coupon_id));
        }
    }
    Ok(())
}

/// Partner `p` recalls the oldest cash coupon it issued that is still unspent (nothing if none
/// is left; a customer's payments may have spent them).
pub(crate) async fn recall_cash(
    d: &mut Demo<'_>,
    world: &mut World,
    p: usize,
    at: i64,
) -> AppResult<()> {
    let mut found = None;
    while let Some(k) = world.cash.iter().position(|(q, _)| *q == p) {
        let (_, id) = world.cash.remove(k);
        let usable = coupons::get_coupon(d.db.read(), &id)
            .await?
            .is_some_and(|c| c.status_at(at) == coupon_status::USABLE && c.lock_order_id.is_none());
        if usable {
            found = Some(id);
            break;
        }
        tracing::info!(coupon = %id, "demo: cash coupon no longer recallable");
    }
    let Some(coupon_id) = found else {
        return Ok(());
    };
    let ctx = d.partner(&world.partner(p), at);
    let r = coupons::Reclaim {
        coupon_id,
        indirect_partner_id: None,
        via_api: false,
    };
    coupons::reclaim(d.db, ctx, r).await?;
    Ok(())
}
