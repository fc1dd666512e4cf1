//! Background jobs, run once: `jobs run coupon-expiry | order-expiry | subscription-renewal |
//! bill-close`.

use std::process::ExitCode;

use pc_app::services::{consumption, coupons};
use pc_domain::timefmt;

use super::lang::{say, tr};
use super::{cli_ctx, fail, open, Jobs, Resolved};

/// `jobs run NAME`.
pub(super) async fn run(r: Resolved, j: Jobs) -> ExitCode {
    match j {
        Jobs::Run { name, json, now } => match name.as_str() {
            "order-expiry" | "subscription-renewal" => match open(&r).await {
                Ok(db) => super::orders::run_job(&db, cli_ctx(), &name, now.as_deref()).await,
                Err(e) => fail(e),
            },
            "bill-close" => bill_close(&r, json, now.as_deref()).await,
            _ => run_job(&r, &name, json).await,
        },
    }
}

async fn run_job(r: &Resolved, name: &str, json: bool) -> ExitCode {
    if name != "coupon-expiry" {
        return fail(format!(
            "{} {name:?} ({}: coupon-expiry, order-expiry, subscription-renewal, bill-close)",
            tr("未知的任务", "unknown job"),
            tr("已知", "known"),
        ));
    }
    let db = match open(r).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    match coupons::run_expiry_job(&db, cli_ctx()).await {
        Ok(r) => {
            if json {
                println!("{}", serde_json::to_string(&r).unwrap_or_default());
            } else {
                say!(
                    "coupon-expiry：{} 张已过期（其中 {} 张余额退回额度），{} 张因关联变更被回收",
                    "coupon-expiry: {} expired ({} returned to their quota), {} recalled after an association change",
                    r.expired, r.returned_to_quota, r.reclaimed_on_association_change
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

/// `jobs run bill-close [--now TIME] [--json]`: closes the billing months that have ended.
async fn bill_close(r: &Resolved, json: bool, now: Option<&str>) -> ExitCode {
    let db = match open(r).await {
        Ok(d) => d,
        Err(e) => return fail(e),
    };
    // After `open`: the context's time is the database's test clock when one is set.
    let mut ctx = cli_ctx();
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
    match consumption::close_months(&db, ctx).await {
        Ok(closed) => {
            if json {
                println!("{}", serde_json::json!({ "closed": closed }));
            } else {
                for m in &closed {
                    say!(
                        "已结账 {}：{} 条记录，{} 行账单，应付 {}",
                        "closed {}: {} record(s), {} bill line(s), {} payable",
                        m.cycle,
                        m.records,
                        m.bill_lines,
                        m.payment
                    );
                }
                say!(
                    "bill-close：已结账 {} 个月",
                    "bill-close: {} month(s) closed",
                    closed.len()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
