//! The coupon quotas' export (`/console/coupons/quotas.csv|xlsx?type=voucher|cash`): an
//! operator's every quota (the Quotas page), or a partner's own quotas of one type (the Vouchers
//! and Cash coupons pages), with the value, balance, status and coupons issued.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::coupons::{self, QuotaQuery};
use pc_domain::coupons::QuotaType;
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
use crate::http::console::coupons::{partner_of, quota_status_label};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    if c.user.role != Role::Operator {
        partner_of(c)?;
    }
    let lang = c.lang;
    let quota_type = q.get("type").and_then(|s| QuotaType::parse(s));
    let ctx = c.ctx();
    let list = all_pages(c, coupons::MAX_PAGE, |offset, limit| {
        let q = QuotaQuery {
            quota_type: quota_type.map(QuotaType::code),
            offset,
            limit,
            ..Default::default()
        };
        let ctx = &ctx;
        async move {
            let l = coupons::list_quotas(&st.db, ctx, q).await?;
            Ok((l.total, l.rows))
        }
    })
    .await?;
    let mut x = Export::new(
        lang,
        "coupon-quotas",
        t(lang, "quotas"),
        &[
            "quota_id",
            "partner_id",
            "type",
            "quota_value",
            "quota_balance",
            "status",
            "export_issued_count",
            "@effective_time",
            "@expire_time",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            let kind = match r.quota_type {
                QuotaType::Voucher => "voucher_quota",
                QuotaType::Cash => "cash_quota",
            };
            vec![
                Cell::text(&r.id),
                Cell::text(&r.partner_id),
                Cell::text(t(lang, kind)),
                Cell::Amount(r.quota_value),
                Cell::Amount(r.balance),
                Cell::text(quota_status_label(lang, r.status)),
                Cell::Count(r.issued_count),
                Cell::Time(r.effective_at),
                Cell::Time(r.expire_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
