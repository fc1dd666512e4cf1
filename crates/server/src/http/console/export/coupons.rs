//! The issued coupons' export (`/console/coupons/issued.csv|xlsx?type=voucher|cash&status=&customer_id=`):
//! the list of the Vouchers or Cash coupons page with its filters, every page. The status is the
//! coupon's status now, as the page shows it.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::coupons::{self, CouponQuery};
use pc_domain::coupons::QuotaType;

use super::{all_pages, Cell, Export};
use crate::http::console::coupons::{partner_of, status_label};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

/// The coupon type of the `type` parameter (vouchers unless `cash`).
pub(super) fn quota_type(q: &HashMap<String, String>) -> QuotaType {
    q.get("type")
        .and_then(|s| QuotaType::parse(s))
        .unwrap_or(QuotaType::Voucher)
}

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    partner_of(c)?;
    let lang = c.lang;
    let qt = quota_type(q);
    let status = q.get("status").and_then(|s| s.parse::<i64>().ok());
    let customer = q
        .get("customer_id")
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let ctx = c.ctx();
    let list = all_pages(c, coupons::MAX_PAGE, |offset, limit| {
        let q = CouponQuery {
            coupon_type: Some(qt.coupon_type()),
            status,
            customer_id: customer.clone(),
            offset,
            limit,
            ..Default::default()
        };
        let ctx = &ctx;
        async move {
            let l = coupons::list_coupons(&st.db, ctx, q).await?;
            Ok((l.total, l.rows))
        }
    })
    .await?;
    let (file, sheet) = match qt {
        QuotaType::Voucher => ("vouchers", "voucher_management"),
        QuotaType::Cash => ("cash-coupons", "cash_coupon_management"),
    };
    let mut x = Export::new(
        lang,
        file,
        t(lang, sheet),
        &[
            "coupon_id",
            "customer_id",
            "customer",
            "face_value",
            "coupon_balance",
            "export_recalled_amount",
            "status",
            "@effective_time",
            "@expire_time",
        ],
    );
    x.rows = list
        .iter()
        .map(|l| {
            let k = &l.coupon;
            vec![
                Cell::text(&k.id),
                Cell::text(&k.customer_id),
                Cell::text(&l.customer_name),
                Cell::Amount(k.face_value),
                Cell::Amount(k.balance),
                k.reclaimed_amount.map(Cell::Amount).unwrap_or(Cell::Empty),
                Cell::text(status_label(lang, k.status_at(c.now_ms))),
                Cell::Time(k.effective_at),
                Cell::Time(k.expire_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
