//! Funds and coupon quotas: `admin credit-partner`, `partner-balances`, `grant-quota`.

use std::process::ExitCode;

use pc_app::services::{coupons, funds};
use pc_app::Db;
use pc_domain::Money;

use super::lang::{say, tr};
use super::{cli_ctx, fail, Admin};

/// `admin credit-partner`, `partner-balances`, `grant-quota`.
pub(super) async fn admin(db: Db, a: Admin) -> ExitCode {
    match a {
        Admin::CreditPartner {
            partner_id,
            amount,
            memo,
        } => {
            let amount = match Money::parse(&amount) {
                Ok(m) => m,
                Err(e) => return fail(e),
            };
            let credit = funds::Credit {
                partner_id: partner_id.clone(),
                amount,
                memo,
            };
            let res = funds::credit_partner(&db, cli_ctx(), credit).await;
            match res {
                Ok(t) => {
                    say!(
                        "已向 {partner_id} 入账 {amount}（转账 {}）；当前余额 {}",
                        "credited {amount} to {partner_id} (transfer {}); balance now {}",
                        t.transfer_id,
                        t.balance_after
                    );
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e),
            }
        }
        Admin::PartnerBalances {
            offset,
            limit,
            json,
        } => {
            if let Err(e) = pc_app::store::filters::page(Some(offset), Some(limit), 10_000) {
                return fail(e);
            }
            let (count, total, list) =
                match funds::all_partner_balances(&db, &cli_ctx(), offset, limit).await {
                    Ok(v) => v,
                    Err(e) => return fail(e),
                };
            if json {
                let partners: Vec<serde_json::Value> = list
                    .iter()
                    .map(|b| {
                        serde_json::json!({
                            "partner_id": b.partner.id,
                            "name": b.partner.name,
                            "partner_type": b.partner.partner_type.as_str(),
                            "parent_id": b.partner.parent_id,
                            "balance": b.balance,
                        })
                    })
                    .collect();
                let doc = serde_json::json!({"count": count, "total_balance": total, "partners": partners});
                println!("{doc}");
            } else {
                for b in &list {
                    println!(
                        "{:<28} {:>16}  {:<12} {}",
                        b.partner.id,
                        b.balance.to_string(),
                        b.partner.partner_type.as_str(),
                        b.partner.name
                    );
                }
                say!(
                    "共 {count} 个伙伴；全部伙伴余额合计 {total}",
                    "{count} partner(s); all partners hold {total}"
                );
            }
            ExitCode::SUCCESS
        }
        Admin::GrantQuota {
            partner_id,
            quota_type,
            amount,
            expires,
            service_types,
            products,
            min_face,
            max_face,
            max_count,
            order_types,
            first_association_only,
            json,
        } => {
            let limits = coupons::LimitInput {
                service_types,
                product_ids: products,
                min_face,
                max_face,
                max_count,
                order_types,
                first_association_only,
            };
            grant_quota(&db, partner_id, &quota_type, &amount, expires, limits, json).await
        }
        _ => unreachable!("dispatched by cli::admin"),
    }
}

async fn grant_quota(
    db: &Db,
    partner_id: String,
    quota_type: &str,
    amount: &str,
    expires: Option<String>,
    limits: coupons::LimitInput,
    json: bool,
) -> ExitCode {
    let Some(qt) = pc_domain::coupons::QuotaType::parse(quota_type) else {
        return fail(tr(
            "--type 必须是 voucher 或 cash",
            "--type must be voucher or cash",
        ));
    };
    let amount = match Money::parse(amount) {
        Ok(m) => m,
        Err(e) => return fail(e),
    };
    let expire_at = match expires.as_deref().map(pc_domain::timefmt::parse_utc) {
        None => None,
        Some(Some(ms)) => Some(ms),
        Some(None) => {
            return fail(tr(
                "--expires 必须是 RFC 3339 时间，如 2027-01-01T00:00:00Z",
                "--expires must be an RFC 3339 time like 2027-01-01T00:00:00Z",
            ))
        }
    };
    let limits = match limits.parse() {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    let g = coupons::NewQuota {
        partner_id,
        quota_type: qt,
        amount,
        effective_at: None,
        expire_at,
        limits,
    };
    match coupons::grant_quota(db, cli_ctx(), g).await {
        Ok(coupons::QuotaGranted { quota_id: id, .. }) => {
            if json {
                println!("{}", serde_json::json!({ "quota_id": id }));
            } else {
                say!(
                    "已发放 {} 额度 {id}，金额 {amount}",
                    "granted {} quota {id} of {amount}",
                    qt.as_str()
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}
