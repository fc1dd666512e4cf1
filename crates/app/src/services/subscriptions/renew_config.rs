//! A customer's renewal settings (`set_resources_renew_config`), kept in `renew_configs`: the
//! deduction date of automatic renewal, which the `subscription-renewal` job follows
//! ([`super::renewal`]).
//!
//! **What can be set** (the vendor's API reference; decisions where it is open):
//! - `DEDUCTION_DATE` with `config_value` 2 to 7: a resource set to renew automatically is renewed
//!   and paid that many days before it expires, instead of at expiry. If the balance is short then,
//!   the order waits for payment (the customer is told) and the resource stays in use until it
//!   expires.
//! - `EXPIRE_DATE` (1 to 28, or -1 for the month's last day: renewed resources all expiring on
//!   the same day of the month) needs renewals of part of a period, priced by the day, which
//!   renewal here does not make: a valid value is refused with `PC.1107` rather than stored and
//!   silently not followed.
//!
//! Only a customer sets its own (the request names no one); anyone else gets `CBC.0155`. Setting
//! the same value again is harmless (the row is the same), and every setting is audited.

use serde_json::json;

use super::acting_customer;
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};
use crate::store::sql;
use crate::store::{audit, Db};

/// The deduction days a customer may choose.
pub const DEDUCTION_DAYS: std::ops::RangeInclusive<i64> = 2..=7;

/// `RenewResourceConfigReq` as sent.
#[derive(Debug, Clone, Default)]
pub struct RenewConfigRequest {
    pub config_name: Option<String>,
    pub config_value: Option<String>,
}

/// The deduction days of a valid request; every error names the field.
fn deduction_days(req: &RenewConfigRequest) -> AppResult<i64> {
    let value = req.config_value.as_deref().map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err(AppError::invalid_tr(
            "config_value is required",
            "config_value 必填。",
        ));
    }
    match req.config_name.as_deref().map(str::trim) {
        Some("DEDUCTION_DATE") => value
            .parse::<i64>()
            .ok()
            .filter(|d| DEDUCTION_DAYS.contains(d))
            .ok_or_else(|| {
                AppError::invalid_tr(
                    "config_value of DEDUCTION_DATE must be 2 to 7",
                    "DEDUCTION_DATE 的 config_value 必须在 2 到 7 之间。",
                )
            }),
        Some("EXPIRE_DATE") => match value.parse::<i64>() {
            Ok(d) if (1..=28).contains(&d) || d == -1 => {
                Err(AppError::new(Code::RenewConfigUnsupported))
            }
            _ => Err(AppError::invalid_tr(
                "config_value of EXPIRE_DATE must be 1 to 28, or -1",
                "EXPIRE_DATE 的 config_value 必须在 1 到 28 之间，或为 -1。",
            )),
        },
        _ => Err(AppError::invalid_tr(
            "config_name must be DEDUCTION_DATE or EXPIRE_DATE",
            "config_name 必须是 DEDUCTION_DATE 或 EXPIRE_DATE。",
        )),
    }
}

/// `set_resources_renew_config`: the acting customer sets the deduction date of its automatic
/// renewals (see the module's header).
pub async fn set_renew_config(db: &Db, ctx: Ctx, req: RenewConfigRequest) -> AppResult<()> {
    let customer_id = acting_customer(&ctx)?;
    let days = deduction_days(&req)?;
    db.run(ctx, move |c, ctx| {
        Box::pin(async move {
            sql::query(
                "INSERT INTO renew_configs (customer_id, deduction_days, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (customer_id) DO UPDATE SET deduction_days = excluded.deduction_days, updated_at = excluded.updated_at",
            )
            .bind(&customer_id)
            .bind(days)
            .bind(ctx.now_ms)
            .execute(&mut *c)
            .await?;
            audit::record(
                c,
                &ctx,
                audit::Entry {
                    action: "subscriptions.set_renew_config",
                    target_kind: "customer",
                    target_id: &customer_id,
                    transfer_ids: &[],
                    detail: json!({"config_name": "DEDUCTION_DATE", "deduction_days": days}),
                },
            )
            .await
        })
    })
    .await
}

/// The SQL of a resource's renewal moment: its expiry, less its customer's deduction days for a
/// resource renewing automatically (`r` is the resource; `$auto` the auto-renew policy's code).
pub(crate) fn renew_at_sql(auto: &str) -> String {
    format!(
        "(CASE WHEN r.expire_policy = {auto} THEN r.expire_at - COALESCE((SELECT g.deduction_days FROM renew_configs g \
         WHERE g.customer_id = r.customer_id), 0) * 86400000 ELSE r.expire_at END)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(name: &str, value: &str) -> RenewConfigRequest {
        RenewConfigRequest {
            config_name: Some(name.into()),
            config_value: Some(value.into()),
        }
    }

    #[test]
    fn only_deduction_dates_of_two_to_seven_days_are_kept() {
        assert_eq!(deduction_days(&req("DEDUCTION_DATE", "2")).unwrap(), 2);
        assert_eq!(deduction_days(&req("DEDUCTION_DATE", " 7 ")).unwrap(), 7);
        for (n, v) in [
            ("DEDUCTION_DATE", "1"),
            ("DEDUCTION_DATE", "8"),
            ("DEDUCTION_DATE", "x"),
            ("DEDUCTION_DATE", ""),
            ("EXPIRE_DATE", "29"),
            ("EXPIRE_DATE", "0"),
            ("deduction_date", "3"),
            ("", "3"),
        ] {
            assert_eq!(
                deduction_days(&req(n, v)).unwrap_err().code,
                Code::InvalidParameter,
                "{n} {v}"
            );
        }
        for v in ["1", "28", "-1"] {
            assert_eq!(
                deduction_days(&req("EXPIRE_DATE", v)).unwrap_err().code,
                Code::RenewConfigUnsupported
            );
        }
        assert_eq!(
            deduction_days(&RenewConfigRequest::default())
                .unwrap_err()
                .code,
            Code::InvalidParameter
        );
    }
}
