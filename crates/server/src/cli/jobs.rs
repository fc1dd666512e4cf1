//! Background jobs, run once: `jobs run coupon-expiry | order-expiry | subscription-renewal`.

use std::process::ExitCode;

use pc_app::services::coupons;

use super::{cli_ctx, fail, open, Jobs, Resolved};

/// `jobs run NAME`.
pub(super) async fn run(r: Resolved, j: Jobs) -> ExitCode {
    match j {
        Jobs::Run { name, json, now } => match name.as_str() {
            "order-expiry" | "subscription-renewal" => match open(&r).await {
                Ok(db) => super::orders::run_job(&db, cli_ctx(), &name, now.as_deref()).await,
                Err(e) => fail(e),
            },
            _ => run_job(&r, &name, json).await,
        },
    }
}

async fn run_job(r: &Resolved, name: &str, json: bool) -> ExitCode {
    if name != "coupon-expiry" {
        return fail(format!(
            "unknown job {name:?} (known: coupon-expiry, order-expiry, subscription-renewal)"
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
                println!(
                    "coupon-expiry: {} expired ({} returned to their quota), {} recalled after an association change",
                    r.expired, r.returned_to_quota, r.reclaimed_on_association_change
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
