//! The demo's money: the operator's credits to the partners, the distributor's allocations to
//! its resellers (and a reclaim), partners' allocations to and reclaims from their resale
//! customers, offline top-ups of the other customers (confirmed, and one still waiting), and a
//! reseller's delegation of its customers to the distributor.

use pc_domain::Money;

use super::{Demo, World, DIST, HANGZHOU, NINGBO, SUZHOU};
use crate::error::AppResult;
use crate::services::{funds, partners, topups};

/// Day one as the demo always had it (the distributor's opening balance, 500.00 to acme-retail,
/// 20,000.00 to the Hangzhou reseller and 300.00 on to west-lake-tea), and the new resellers'
/// first money.
pub(crate) async fn opening(d: &mut Demo<'_>, world: &World) -> AppResult<()> {
    credit(d, world, d.at(0, 11, 0), 10_000_000, "demo opening balance").await?;
    allocate(d, world, 0, d.at(0, 11, 5), 50_000).await?;
    to_reseller(d, world, HANGZHOU, d.at(0, 11, 10), 2_000_000, true).await?;
    allocate(d, world, 3, d.at(0, 11, 15), 30_000).await?;
    to_reseller(d, world, SUZHOU, d.at(0, 11, 20), 3_000_000, true).await?;
    to_reseller(d, world, NINGBO, d.at(0, 11, 25), 2_500_000, true).await?;
    Ok(())
}

/// The operator credits the distributor (a bank transfer received).
pub(crate) async fn credit(
    d: &mut Demo<'_>,
    world: &World,
    at: i64,
    cents: i64,
    memo: &str,
) -> AppResult<()> {
    let ctx = d.system(at);
    let c = funds::Credit {
        partner_id: world.partners[DIST].id.clone(),
        amount: Money::from_cents(cents),
        memo: Some(memo.into()),
    };
    funds::credit_partner(d.db, ctx, c).await?;
    Ok(())
}

/// The distributor allocates to (or reclaims from) one of its resellers.
pub(crate) async fn to_reseller(
    d: &mut Demo<'_>,
    world: &World,
    reseller: usize,
    at: i64,
    cents: i64,
    allocate: bool,
) -> AppResult<()> {
    let ctx = d.partner(&world.partner(DIST), at);
    let m = funds::ResellerFunds {
        way: if allocate {
            funds::Way::Allocate
        } else {
            funds::Way::Reclaim
        },
        reseller_id: world.partners[reseller].id.clone(),
        amount: Money::from_cents(cents),
    };
    funds::move_reseller_funds(d.db, ctx, m).await?;
    Ok(())
}

/// Customer `i`'s partner moves `cents` to it (`Allocate`) or back (`Reclaim`).
pub(crate) async fn customer_funds(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    cents: i64,
    way: funds::Way,
) -> AppResult<()> {
    let c = &world.customers[i];
    let Some(p) = c.partner else { return Ok(()) };
    let ctx = d.partner(&world.partner(p), at);
    let m = funds::CustomerFunds {
        way,
        indirect_partner_id: None,
        customer_id: c.id.clone(),
        amount: Money::from_cents(cents),
    };
    funds::move_customer_funds(d.db, ctx, m).await?;
    Ok(())
}

pub(crate) async fn allocate(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    cents: i64,
) -> AppResult<()> {
    customer_funds(d, world, i, at, cents, funds::Way::Allocate).await
}

/// Customer `i` (not a resale one) declares a bank transfer; the operator confirms it an hour
/// later unless `confirm` is false (it then waits in the operator's queue).
pub(crate) async fn top_up(
    d: &mut Demo<'_>,
    world: &World,
    i: usize,
    at: i64,
    cents: i64,
    confirm: bool,
) -> AppResult<()> {
    let c = &world.customers[i];
    let ctx = d.customer(&c.id, at);
    let reference = format!(
        "BANK-{}-{:04}",
        c.login.to_uppercase(),
        d.rng.range(1, 9999)
    );
    let t = topups::declare(
        d.db,
        ctx,
        topups::Declaration {
            amount: Money::from_cents(cents),
            reference,
            order_id: None,
        },
    )
    .await?;
    if confirm {
        let ctx = d.system(at + super::HOUR_MS);
        topups::confirm(d.db, ctx, t.id).await?;
    }
    Ok(())
}

/// A reseller delegates the continuous operation of its customers to the distributor.
pub(crate) async fn delegate(
    d: &mut Demo<'_>,
    world: &World,
    reseller: usize,
    at: i64,
) -> AppResult<()> {
    let ctx = d.partner(&world.partner(reseller), at);
    let g = partners::delegation::Delegate {
        distributor_id: world.partners[DIST].id.clone(),
        consent: true,
    };
    partners::delegation::delegate(d.db, ctx, g).await?;
    Ok(())
}
