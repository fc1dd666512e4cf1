//! The command line's catalogue and order commands: `admin list-products`, `admin place-order`,
//! `admin grant-discount` and `jobs run order-expiry`. Each calls the same services as the API and
//! the console.

use std::process::ExitCode;

use pc_app::services::{catalog, orders, orders::adjustments, partners, subscriptions::renewal};
use pc_app::{Ctx, Db};
use pc_domain::orders::PeriodType;
use pc_domain::timefmt;

use super::lang::{say, tr};
use super::{cli_ctx, Admin};
use crate::cli::fail;

/// `admin list-products [--json]`: every product (inactive ones too) with its type codes, names
/// and prices; `--json` prints one JSON array.
pub async fn list_products(db: &Db, json: bool) -> ExitCode {
    let list = match catalog::products(db, &cli_ctx(), true).await {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    if json {
        match serde_json::to_string(&list) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(e),
        }
    } else {
        for p in &list {
            let price =
                |m: Option<pc_domain::Money>| m.map(|m| m.to_string()).unwrap_or("-".into());
            println!(
                "{:<24} {:<28} {:>10}/month {:>10}/year  {}{}",
                p.product_id,
                p.resource_spec,
                price(p.month_price),
                price(p.year_price),
                p.name_en,
                if p.active { "" } else { " (inactive)" }
            );
        }
        say!("共 {} 个产品", "{} product(s)", list.len());
    }
    ExitCode::SUCCESS
}

pub struct PlaceArgs {
    pub customer: String,
    pub product: String,
    pub period: String,
    pub count: i64,
    pub quantity: i64,
    pub size: Option<i64>,
    pub json: bool,
}

/// `admin place-order`: a pending-payment new-purchase order, as the customer's console would
/// place it; prints `{"order_id","amount"}` with `--json`.
pub async fn place_order(db: &Db, ctx: Ctx, a: PlaceArgs) -> ExitCode {
    let period = match a.period.as_str() {
        "month" => PeriodType::Month,
        "year" => PeriodType::Year,
        _ => {
            return fail(tr(
                "--period 必须是 month 或 year",
                "--period must be month or year",
            ))
        }
    };
    let item = orders::Item {
        product_id: a.product,
        period,
        period_num: a.count,
        subscription_num: a.quantity,
        resource_size: a.size,
    };
    let o = orders::OrderFor {
        customer_id: a.customer,
        items: vec![item],
    };
    match orders::place_order_for(db, ctx, o).await {
        Ok(p) => {
            if a.json {
                println!(
                    "{}",
                    serde_json::json!({"order_id": p.order_id, "amount": p.amount})
                );
            } else {
                say!(
                    "订单 {} 已下单：应付 {}，请在 {} 前支付",
                    "order {} placed: {} to pay before {}",
                    p.order_id,
                    p.amount,
                    timefmt::format_utc(p.payment_deadline)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `jobs run NAME [--now TIME]`.
pub async fn run_job(db: &Db, mut ctx: Ctx, name: &str, now: Option<&str>) -> ExitCode {
    if let Some(t) = now {
        match timefmt::parse_utc(t) {
            Some(ms) => ctx.now_ms = ms,
            None => {
                return fail(tr(
                    "--now 必须是 UTC 时间，如 2026-01-01T00:00:00Z",
                    "--now must be a UTC time like 2026-01-01T00:00:00Z",
                ))
            }
        }
    }
    match name {
        "order-expiry" => match orders::expire_unpaid(db, ctx).await {
            Ok(ids) => {
                for id in &ids {
                    println!("cancelled {id}");
                }
                say!(
                    "order-expiry：已取消 {} 个未支付订单",
                    "order-expiry: {} unpaid order(s) cancelled",
                    ids.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        "subscription-renewal" => match renewal::run_renewal_job(db, ctx.clone()).await {
            Ok(r) => {
                for id in &r.renewed {
                    println!("renewed {id}");
                }
                for id in &r.pending_orders {
                    println!("pending renewal order {id}");
                }
                for id in &r.expired {
                    println!("expired {id}");
                }
                for id in &r.converted {
                    println!("changed to pay-per-use {id}");
                }
                println!(
                    "subscription-renewal: {} renewed, {} renewal order(s) pending payment, {} expired, {} changed to pay-per-use",
                    r.renewed.len(),
                    r.pending_orders.len(),
                    r.expired.len(),
                    r.converted.len()
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(e),
        },
        _ => fail(format!(
            "unknown job {name:?} (known: order-expiry, subscription-renewal)"
        )),
    }
}

pub struct DiscountArgs {
    pub partner: String,
    pub customer: String,
    pub product: Option<String>,
    pub ratio: String,
    pub json: bool,
}

/// `admin grant-discount`: the partner grants one of its customers a discount (on one product or
/// all), as its console would: the command acts as that partner (its audit row names the partner
/// and the person at the command line); not below the operator's floor. Prints `{"discount_id"}`
/// with `--json`.
pub async fn grant_discount(db: &Db, ctx: Ctx, a: DiscountArgs) -> ExitCode {
    let Some(ratio) = pc_domain::orders::Ratio::parse(&a.ratio) else {
        return fail(tr(
            "--ratio 必须是折扣率，如 0.85（实付占价格的比例）",
            "--ratio must be a ratio like 0.85 (the share of the price that is paid)",
        ));
    };
    let ctx = match partners::act_as(db, ctx, &a.partner).await {
        Ok(ctx) => ctx,
        Err(e) => return fail(e),
    };
    let g = orders::DiscountGrant {
        customer_id: a.customer,
        product_id: a.product,
        ratio,
    };
    match orders::grant_discount(db, ctx, g).await {
        Ok(d) => {
            let id = d.grant.id;
            if a.json {
                println!("{}", serde_json::json!({ "discount_id": id }));
            } else {
                say!(
                    "已授予折扣 {id}（{ratio}）",
                    "discount {id} granted ({ratio})"
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

pub struct PromotionArgs {
    pub name: String,
    pub ratio: String,
    pub product: Option<String>,
    pub days: i64,
    pub json: bool,
}

/// `admin create-promotion`: an operator promotion from now for `days` days. Prints
/// `{"promotion_id"}` with `--json`.
pub async fn create_promotion(db: &Db, ctx: Ctx, a: PromotionArgs) -> ExitCode {
    let Some(ratio) = pc_domain::orders::Ratio::parse(&a.ratio) else {
        return fail(tr(
            "--ratio 必须是折扣率，如 0.8（实付占价格的比例）",
            "--ratio must be a ratio like 0.8 (the share of the price that is paid)",
        ));
    };
    if !(1..=3650).contains(&a.days) {
        return fail(tr(
            "--days 必须在 1 到 3650 之间",
            "--days must be between 1 and 3650",
        ));
    }
    let p = pc_app::services::orders::promotions::NewPromotion {
        name: a.name,
        product_id: a.product,
        ratio,
        starts_at: ctx.now_ms,
        ends_at: ctx.now_ms + a.days * 86_400_000,
    };
    match pc_app::services::orders::promotions::create(db, ctx, p).await {
        Ok(id) if a.json => {
            println!("{}", serde_json::json!({ "promotion_id": id }));
            ExitCode::SUCCESS
        }
        Ok(id) => {
            say!(
                "已创建促销 {id}（{ratio}）",
                "promotion {id} created ({ratio})"
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `admin adjust-order`: an operator takes `amount` yuan off a pending order (609).
pub async fn adjust_order(db: &Db, ctx: Ctx, order: &str, amount: &str, reason: &str) -> ExitCode {
    let Ok(amount) = pc_domain::Money::parse(amount) else {
        return fail(tr(
            "--amount 必须是以元为单位的金额，如 5.00",
            "--amount must be an amount in yuan, e.g. 5.00",
        ));
    };
    let a = adjustments::PriceAdjustment {
        order_id: order.to_string(),
        amount,
        reason: reason.to_string(),
    };
    match adjustments::set(db, ctx, a).await {
        Ok(_) => {
            say!("订单 {order}：减价 {amount}", "order {order}: {amount} off");
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `admin list-products`, `place-order`, `grant-discount`, `create-promotion`, `adjust-order`.
pub(super) async fn admin(db: Db, a: Admin) -> ExitCode {
    match a {
        Admin::ListProducts { json } => list_products(&db, json).await,
        Admin::PlaceOrder {
            customer,
            product,
            period,
            count,
            quantity,
            size,
            json,
        } => {
            place_order(
                &db,
                cli_ctx(),
                PlaceArgs {
                    customer,
                    product,
                    period,
                    count,
                    quantity,
                    size,
                    json,
                },
            )
            .await
        }
        Admin::GrantDiscount {
            partner,
            customer,
            product,
            ratio,
            json,
        } => {
            let a = DiscountArgs {
                partner,
                customer,
                product,
                ratio,
                json,
            };
            grant_discount(&db, cli_ctx(), a).await
        }
        Admin::CreatePromotion {
            name,
            ratio,
            product,
            days,
            json,
        } => {
            let a = PromotionArgs {
                name,
                ratio,
                product,
                days,
                json,
            };
            create_promotion(&db, cli_ctx(), a).await
        }
        Admin::AdjustOrder {
            order,
            amount,
            reason,
        } => adjust_order(&db, cli_ctx(), &order, &amount, &reason).await,
        _ => unreachable!("dispatched by cli::admin"),
    }
}
