//! The year, one day after another (Asia/Shanghai). Each kind of event has its hour of the day,
//! so within a day they also happen in the order this function runs them:
//!
//! | hour | what |
//! |---|---|
//! | 02:00 | the jobs: month close on the 1st; coupon expiry, order expiry and subscription renewal on the 1st and the 16th |
//! | 09:00 | quarterly: the operator's credit, voucher and cash-coupon quotas, the distributor's grants, cash coupons issued; delegation, reseller money; the resource package (day 2) and the promotion (day 330) |
//! | 10:00 | customers join (money from the partner or a top-up two hours later) or come back |
//! | 11:00 | coupons issued (the 8th; ten-day ones on the 20th); quarterly top-ups and allocations; invoice requests (the 6th); discounts (day 120) |
//! | 13:00–17:00 | orders, paid within half an hour |
//! | 16:30 | a month of the resource package (the 10th, from day 240) |
//! | 17:30 | renewals (the 22nd) |
//! | 18:00 | unsubscriptions (the 14th of every other month) |
//! | 19:00 | a cancelled order (the 25th) |
//! | 20:00 | a coupon recalled (the 27th, every third month); a cash coupon recalled (quarterly) |
//! | 21:00 | a partner takes money back from a customer |
//! | 22:00 | the month's pay-per-use usage imported (the 28th) |
//! | 23:00 | associations ended |
//!
//! Today, in the last hours before loading: two orders waiting for payment and a top-up waiting
//! for the operator.

use super::orders::Asker;
use super::people::{self, JOINERS};
use super::{
    coupons, money, offers, orders, Demo, World, DAY_MS, DIST, HISTORY_DAYS, HOUR_MS, NINGBO,
};
use super::{MINUTE_MS, SUZHOU};
use crate::error::{AppError, AppResult};
use crate::services::funds::Way;

/// Customers whose metering sends pay-per-use usage.
const USAGE_CUSTOMERS: [&str; 4] = [
    "harbor-freight",
    "pearl-robotics",
    "cloudpeak-ai",
    "jiangnan-textile",
];

fn customer(world: &World, login: &str) -> AppResult<usize> {
    world
        .by_login(login)
        .ok_or_else(|| AppError::internal(format!("no demo customer {login}")))
}

/// The customers taking part in the history and associated now.
fn living(world: &World) -> Vec<usize> {
    (0..world.customers.len())
        .filter(|i| world.customers[*i].lives && world.customers[*i].partner.is_some())
        .collect()
}

pub(crate) async fn run(d: &mut Demo<'_>, world: &mut World) -> AppResult<()> {
    let mut next_joiner = 0;
    for day in 1..HISTORY_DAYS {
        if let Err(e) = one_day(d, world, day, &mut next_joiner).await {
            tracing::error!(day, error = %e, "the demo's history failed on this day");
            return Err(e);
        }
    }
    today(d, world).await
}

/// Day `day` (1 = a year ago less a day), in the order of the table above.
async fn one_day(
    d: &mut Demo<'_>,
    world: &mut World,
    day: i64,
    next_joiner: &mut usize,
) -> AppResult<()> {
    {
        let dom = pc_domain::timefmt::cn_date(d.at(day, 12, 0)).day() as i64;
        let quarter_day = day % 91;
        if dom == 1 {
            orders::close(d, d.at(day, 2, 0)).await?;
        }
        if dom == 1 || dom == 16 {
            coupons::expiry(d, d.at(day, 2, 10)).await?;
            orders::jobs(d, d.at(day, 2, 20)).await?;
        }

        // 09:00
        if quarter_day == 10 {
            let memo = "银行转账 bank transfer";
            money::credit(d, world, d.at(day, 9, 0), 5_000_000, memo).await?;
            coupons::quarter(d, world, d.at(day, 9, 10), 800_000, 150_000).await?;
            let (dist, suzhou) = (resale_of(world, DIST), resale_of(world, SUZHOU));
            offers::cash(d, world, DIST, &dist, d.at(day, 9, 50), 200_000).await?;
            offers::cash(d, world, SUZHOU, &suzhou, d.at(day, 9, 55), 100_000).await?;
        }
        if day == 2 {
            offers::package_product(d, d.at(day, 9, 30)).await?;
        }
        if day == 330 {
            offers::promotion(d, d.at(day, 9, 45)).await?;
        }
        if day == 100 {
            money::delegate(d, world, SUZHOU, d.at(day, 9, 40)).await?;
        }
        if day == 182 {
            money::to_reseller(d, world, SUZHOU, d.at(day, 9, 20), 1_500_000, true).await?;
            money::to_reseller(d, world, NINGBO, d.at(day, 9, 25), 1_000_000, true).await?;
        }
        if day == 250 {
            money::to_reseller(d, world, NINGBO, d.at(day, 9, 30), 500_000, false).await?;
        }

        // 10:00
        while *next_joiner < JOINERS.len() && JOINERS[*next_joiner].0 == day {
            people::join(d, world, *next_joiner).await?;
            *next_joiner += 1;
        }
        if day == 215 {
            let lotus = customer(world, "lotus-clinic")?;
            people::rejoin(d, world, lotus, DIST, d.at(day, 10, 30)).await?;
        }

        // 11:00
        if dom == 8 || dom == 20 {
            let to_expire = dom == 20;
            for i in living(world) {
                if d.rng.chance(1, 3) {
                    let cents = d.rng.range(5, 30) * 1_000;
                    let m = d.rng.range(0, 50);
                    let at = d.at(day, 11, m);
                    coupons::issue(d, world, i, at, cents, to_expire).await?;
                }
            }
        }
        if quarter_day == 45 {
            for i in living(world) {
                let m = d.rng.range(0, 50);
                let at = d.at(day, 11, m);
                if world.customers[i].resale {
                    money::allocate(d, world, i, at, 150_000).await?;
                } else {
                    money::top_up(d, world, i, at, 150_000, true).await?;
                }
            }
        }
        if dom == 6 {
            let jiangnan = customer(world, "jiangnan-textile")?;
            if day > 60 && (day / 30) % 3 == 0 {
                let t = "江南纺织有限公司";
                let who = Asker::Customer(jiangnan);
                orders::invoice(d, world, who, d.at(day, 11, 30), t).await?;
            }
            if day > 220 && (day / 30) % 4 == 0 {
                let cloudpeak = customer(world, "cloudpeak-ai")?;
                let t = "云峰智能科技有限公司";
                let who = Asker::Customer(cloudpeak);
                orders::invoice(d, world, who, d.at(day, 11, 40), t).await?;
            }
            if day > 90 && (day / 30) % 3 == 1 {
                let qiantang = customer(world, "qiantang-edu")?;
                let t = "钱塘教育科技有限公司";
                let who = Asker::Customer(qiantang);
                orders::invoice(d, world, who, d.at(day, 11, 35), t).await?;
            }
            if day > 150 && (day / 30) % 4 == 1 {
                let t = "华东云分销有限公司";
                let who = Asker::Partner(DIST);
                orders::invoice(d, world, who, d.at(day, 11, 45), t).await?;
            }
        }

        // 13:00–17:00: each customer buys on its own day of the month, and now and then.
        for i in living(world) {
            if dom == 3 + (i as i64 * 5) % 22 || d.rng.chance(1, 45) {
                let (h, m) = (d.rng.range(13, 16), d.rng.range(0, 59));
                let at = d.at(day, h, m);
                orders::buy(d, world, i, at).await?;
            }
        }

        if dom == 22 {
            for k in 0..2 {
                orders::renew(d, world, d.at(day, 17, 30 + k * 5)).await?;
            }
        }
        if dom == 14 && (day / 30) % 2 == 0 {
            orders::unsubscribe(d, world, d.at(day, 18, 0)).await?;
        }
        if dom == 25 {
            let alive = living(world);
            if !alive.is_empty() {
                let i = *d.rng.pick(&alive);
                orders::unpaid(d, world, i, d.at(day, 19, 0), true).await?;
            }
        }
        if dom == 27 && (day / 30) % 3 == 1 {
            for i in living(world) {
                if world
                    .coupons
                    .iter()
                    .any(|h| h.customer == i && !h.to_expire)
                {
                    coupons::recall(d, world, i, d.at(day, 20, 0)).await?;
                    break;
                }
            }
        }
        if day == 120 {
            let jiangnan = customer(world, "jiangnan-textile")?;
            offers::discount(d, world, jiangnan, d.at(day, 11, 50), None, 9_500).await?;
            let qiantang = customer(world, "qiantang-edu")?;
            let rds = Some("rds-mysql-2u4g");
            offers::discount(d, world, qiantang, d.at(day, 11, 55), rds, 9_000).await?;
            let sunrise = customer(world, "sunrise-media")?;
            offers::discount(d, world, sunrise, d.at(day, 11, 58), None, 9_200).await?;
        }
        if day >= 240 && dom == 10 {
            let jiangnan = customer(world, "jiangnan-textile")?;
            orders::buy_package(d, world, jiangnan, d.at(day, 16, 30)).await?;
        }
        if quarter_day == 50 {
            offers::recall_cash(d, world, DIST, d.at(day, 20, 30)).await?;
            offers::recall_cash(d, world, SUZHOU, d.at(day, 20, 35)).await?;
        }
        if day == 160 {
            let jiangnan = customer(world, "jiangnan-textile")?;
            let at = d.at(day, 21, 0);
            money::customer_funds(d, world, jiangnan, at, 50_000, Way::Reclaim).await?;
        }
        if dom == 28 {
            for (k, login) in USAGE_CUSTOMERS.into_iter().enumerate() {
                let Some(i) = world.by_login(login) else {
                    continue;
                };
                let month_start = d.at(day - 27, 0, 0);
                let from = month_start.max(d.at(joined_on(login), 0, 0) + DAY_MS);
                let at = d.at(day, 22, k as i64 * 5);
                orders::usage(d, world, i, from, d.at(day, 0, 0), at).await?;
            }
        }

        // 23:00
        if day == 200 {
            let lotus = customer(world, "lotus-clinic")?;
            people::unbind(d, world, lotus, d.at(day, 23, 0), false).await?;
        }
        if day == 300 {
            let silk = customer(world, "silk-road-travel")?;
            people::unbind(d, world, silk, d.at(day, 23, 0), true).await?;
        }
    }
    Ok(())
}

/// Partner `p`'s resale customers taking part in the history, now.
fn resale_of(world: &World, p: usize) -> Vec<usize> {
    living(world)
        .into_iter()
        .filter(|i| world.customers[*i].resale && world.customers[*i].partner == Some(p))
        .collect()
}

/// The day `login` joined.
fn joined_on(login: &str) -> i64 {
    JOINERS
        .iter()
        .find(|j| j.1 == login)
        .map(|j| j.0)
        .unwrap_or(0)
}

/// The last hours before loading: orders waiting for payment, a top-up waiting.
async fn today(d: &mut Demo<'_>, world: &mut World) -> AppResult<()> {
    let end = d.end_ms();
    for (k, login) in ["jiangnan-textile", "harbor-freight"]
        .into_iter()
        .enumerate()
    {
        let i = customer(world, login)?;
        let at = end - (3 - k as i64) * HOUR_MS;
        orders::unpaid(d, world, i, at, false).await?;
    }
    let cloudpeak = customer(world, "cloudpeak-ai")?;
    money::top_up(d, world, cloudpeak, end - 30 * MINUTE_MS, 200_000, false).await
}
