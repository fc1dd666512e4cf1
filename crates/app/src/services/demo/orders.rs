//! The demo's orders and consumption: customers order yearly/monthly products and pay them (with
//! cash, sometimes a coupon), renew some resources, unsubscribe a few, cancel an order now and
//! then and leave a couple waiting for payment today; pay-per-use usage is imported for some
//! customers each month; the month close makes the bills; customers ask for invoices.

use pc_domain::invoices::TitleType;
use pc_domain::orders::PeriodType;
use pc_domain::refunds::UnsubscribeType;
use pc_domain::usage::RawUsage;

use super::{Demo, Owned, World, DAY_MS, HOUR_MS};
use crate::error::AppResult;
use crate::services::orders::{self, CouponRef, Item, PayOrder};
use crate::services::subscriptions::{self, refunds, renewal};
use crate::services::{consumption, funds, invoices, usage};

/// What the demo's customers buy: (product, period, periods).
const CATALOGUE: [(&str, PeriodType, i64); 7] = [
    ("ecs-s6-small-1-linux", PeriodType::Month, 1),
    ("ecs-s6-small-1-linux", PeriodType::Month, 3),
    ("ecs-s6-large-2-linux", PeriodType::Month, 1),
    ("rds-mysql-2u4g", PeriodType::Month, 1),
    ("dcs-redis-2g", PeriodType::Month, 1),
    ("ecs-c7-xlarge-2-win", PeriodType::Month, 1),
    ("ecs-s6-small-1-linux", PeriodType::Year, 1),
];

/// The pay-per-use product usage is imported for (0.07 an hour).
const ON_DEMAND: &str = "ecs-s6-small-1-linux";

/// A product to buy: (product, period, periods).
type Pick = (&'static str, PeriodType, i64);

/// Customer `i` places an order for `what` (or a product of the catalogue); returns its id and
/// amount.
async fn place(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    what: Option<Pick>,
) -> AppResult<(String, i64)> {
    let (product, period, n) = match what {
        Some(w) => w,
        None => *d.rng.pick(&CATALOGUE),
    };
    let count = if d.rng.chance(1, 4) { 2 } else { 1 };
    let ctx = d.customer(&world.customers[i].id, at);
    let item = Item {
        product_id: product.into(),
        period,
        period_num: n,
        subscription_num: count,
        resource_size: None,
    };
    let placed = orders::place_order(d.db, ctx, vec![item]).await?;
    Ok((placed.order_id, placed.amount.cents()))
}

/// Before paying `amount`, a customer whose cash runs short gets more: from its partner (resale)
/// or by a bank transfer the operator confirms (the shortfall and 1,000.00 more).
async fn enough_cash(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    amount: i64,
) -> AppResult<()> {
    let ctx = d.customer(&world.customers[i].id, at);
    let cash = funds::customer_balance(d.db, &ctx).await?.cents();
    if cash >= amount {
        return Ok(());
    }
    let more = amount - cash + 100_000;
    if world.customers[i].resale {
        super::money::allocate(d, world, i, at, more).await
    } else {
        super::money::top_up(d, world, i, at - HOUR_MS, more, true).await
    }
}

/// Customer `i` orders and pays a few minutes later, with a coupon when it holds one.
pub(crate) async fn buy(d: &mut Demo<'_>, world: &mut World, i: usize, at: i64) -> AppResult<()> {
    buy_this(d, world, i, at, None).await
}

/// Customer `i` buys a month of the operator's resource package (free pay-per-use hours).
pub(crate) async fn buy_package(
    d: &mut Demo<'_>,
    world: &mut World,
    i: usize,
    at: i64,
) -> AppResult<()> {
    let what = (super::offers::PACKAGE, PeriodType::Month, 1);
    buy_this(d, world, i, at, Some(what)).await
}

async fn buy_this(
    d: &mut Demo<'_>,
    world: &mut World,
    i: usize,
    at: i64,
    what: Option<Pick>,
) -> AppResult<()> {
    let (order_id, amount) = place(d, world, i, at, what).await?;
    let coupon = super::coupons::take_spendable(world, i);
    let later = at + d.rng.range(2, 30) * super::MINUTE_MS;
    enough_cash(d, world, i, later - super::MINUTE_MS, amount).await?;
    let ctx = d.customer(&world.customers[i].id, later);
    let req = PayOrder {
        order_id,
        use_coupon: if coupon.is_some() { "YES" } else { "NO" }.into(),
        use_discount: "NO".into(),
        coupons: coupon.map(|id| vec![CouponRef { id, pay_type: None }]),
        discounts: None,
    };
    let paid = subscriptions::pay(d.db, ctx, req).await?;
    for resource_id in paid.resource_ids {
        world.resources.push(Owned {
            customer: i,
            resource_id,
            bought_ms: at,
            done: false,
        });
    }
    Ok(())
}

/// Customer `i` places an order and either cancels it an hour later or leaves it waiting.
pub(crate) async fn unpaid(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    cancel: bool,
) -> AppResult<()> {
    let (order_id, _) = place(d, world, i, at, None).await?;
    if cancel {
        let ctx = d.customer(&world.customers[i].id, at + HOUR_MS);
        orders::cancel(d.db, ctx, order_id).await?;
    }
    Ok(())
}

/// The oldest resource of a customer still associated, bought between `from` and `to`, not yet
/// renewed or unsubscribed.
fn find_resource(world: &World, from: i64, to: i64) -> Option<usize> {
    world.resources.iter().position(|r| {
        !r.done
            && (from..to).contains(&r.bought_ms)
            && world.customers[r.customer].partner.is_some()
    })
}

/// A customer renews, for a month and paying at once, a resource it bought 20 to 30 days ago.
pub(crate) async fn renew(d: &mut Demo<'_>, world: &mut World, at: i64) -> AppResult<()> {
    let Some(k) = find_resource(world, at - 30 * DAY_MS, at - 20 * DAY_MS) else {
        return Ok(());
    };
    world.resources[k].done = true;
    let r = world.resources[k].clone();
    let ctx = d.customer(&world.customers[r.customer].id, at);
    let req = renewal::Renewal {
        resource_ids: vec![r.resource_id],
        period: PeriodType::Month,
        num: 1,
        auto_pay: true,
    };
    renewal::renew(d.db, ctx, req).await?;
    Ok(())
}

/// A customer unsubscribes a resource it bought in the last ten days (refunded to its cash and
/// coupons).
pub(crate) async fn unsubscribe(d: &mut Demo<'_>, world: &mut World, at: i64) -> AppResult<()> {
    let Some(k) = find_resource(world, at - 10 * DAY_MS, at - HOUR_MS) else {
        return Ok(());
    };
    world.resources[k].done = true;
    let r = world.resources[k].clone();
    let ctx = d.customer(&world.customers[r.customer].id, at);
    let req = refunds::UnsubscribeRequest {
        resource_ids: vec![r.resource_id],
        kind: UnsubscribeType::ResourceAndRenewals,
        reason_type: Some(d.rng.range(1, 5)),
        reason: Some("项目结束 project finished".into()),
        fee_confirmed: None,
    };
    refunds::unsubscribe(d.db, ctx, req).await?;
    Ok(())
}

/// The metering's usage of customer `i`'s pay-per-use server for the days `from..to` (one line a
/// day of 6 to 24 hours), imported as the operator's import does.
pub(crate) async fn usage(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    from: i64,
    to: i64,
    at: i64,
) -> AppResult<()> {
    let c = &world.customers[i];
    let mut lines = Vec::new();
    let mut day = from;
    while day + DAY_MS <= to {
        let hours = d.rng.range(6, 24);
        let begin = day + 8 * HOUR_MS;
        lines.push(RawUsage {
            usage_id: format!("demo-{}-{}", c.login, pc_domain::timefmt::format_utc(day)),
            customer_id: c.id.clone(),
            resource_id: format!("vm-{}-01", c.login),
            product_id: ON_DEMAND.into(),
            usage: hours.to_string(),
            resource_size: None,
            begin_time: pc_domain::timefmt::format_utc(begin),
            end_time: pc_domain::timefmt::format_utc(begin + hours * HOUR_MS),
            resource_name: Some(format!("{}-batch-worker", c.login)),
        });
        day += DAY_MS;
    }
    if lines.is_empty() {
        return Ok(());
    }
    let ctx = d.system(at);
    usage::ingest(d.db, ctx, lines).await?;
    Ok(())
}

/// The `order-expiry` and `subscription-renewal` jobs, as the scheduler runs them: unpaid orders
/// past their deadline are cancelled, resources past their expiry expire (or renew where set).
pub(crate) async fn jobs(d: &mut Demo<'_>, at: i64) -> AppResult<()> {
    let ctx = d.system(at);
    orders::expire_unpaid(d.db, ctx).await?;
    let ctx = d.system(at + super::MINUTE_MS);
    renewal::run_renewal_job(d.db, ctx).await?;
    Ok(())
}

/// The month close (the `bill-close` job): every month before `at`'s is billed.
pub(crate) async fn close(d: &mut Demo<'_>, at: i64) -> AppResult<()> {
    let ctx = d.system(at);
    consumption::close_months(d.db, ctx).await?;
    Ok(())
}

/// Who asks for an invoice: a customer or a partner (their indexes in [`World`]).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Asker {
    Customer(usize),
    Partner(usize),
}

/// The asker saves its invoice profile (once) and asks for an invoice of last month's
/// consumption: a customer its partner (a resale customer) or the vendor; a partner the vendor,
/// for its resale customers' consumption.
pub(crate) async fn invoice(
    d: &mut Demo<'_>,
    world: &World,
    who: Asker,
    at: i64,
    title: &str,
) -> AppResult<()> {
    let (issuer, n) = match who {
        Asker::Customer(i) => {
            let c = &world.customers[i];
            let issuer = match c.partner.filter(|_| c.resale) {
                Some(p) => world.partners[p].id.clone(),
                None => String::new(),
            };
            (issuer, i)
        }
        Asker::Partner(p) => (String::new(), 100 + p),
    };
    let ctx_at = |d: &mut Demo<'_>, t: i64| match who {
        Asker::Customer(i) => d.customer(&world.customers[i].id, t),
        Asker::Partner(p) => d.partner(&world.partner(p), t),
    };
    let ctx = ctx_at(d, at);
    if invoices::profile(d.db, &ctx).await?.is_none() {
        let p = invoices::Profile {
            title_type: TitleType::Enterprise,
            title: title.into(),
            tax_id: Some(format!("91330100MA2{:06}", n * 7919 % 1_000_000)),
            mailing_address: Some("浙江省杭州市西湖区文三路 100 号".into()),
        };
        invoices::save_profile(d.db, ctx, p).await?;
    }
    let month = pc_domain::bills::BillCycle::of_ms(at).prev().to_string();
    let req = invoices::NewRequest {
        issuer_partner_id: issuer,
        selection: invoices::Selection::Months(vec![month]),
        special: false,
        paper: false,
        remark: None,
    };
    let ctx = ctx_at(d, at + super::MINUTE_MS);
    invoices::submit(d.db, ctx, req).await?;
    Ok(())
}
