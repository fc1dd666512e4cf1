//! The coupon operation records' export (`/console/coupons/records.csv|xlsx?type=voucher|cash`):
//! every operation record of that coupon type, the caller's own.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::coupons::{self, RecordQuery};

use super::coupons::quota_type;
use super::{all_pages, Cell, Export};
use crate::http::console::coupons::{op_label, partner_of};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    partner_of(c)?;
    let lang = c.lang;
    let qt = quota_type(q);
    let ctx = c.ctx();
    let list = all_pages(c, coupons::MAX_PAGE, |offset, limit| {
        let q = RecordQuery {
            quota_type: Some(qt.code()),
            offset,
            limit,
            ..Default::default()
        };
        let ctx = &ctx;
        async move {
            let l = coupons::list_records(&st.db, ctx, q).await?;
            Ok((l.total, l.rows))
        }
    })
    .await?;
    let mut x = Export::new(
        lang,
        "coupon-records",
        t(lang, "operation_records"),
        &[
            "@operation_time",
            "operation_type",
            "quota_id",
            "coupon_id",
            "customer_id",
            "amount",
            "result",
            "operator",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            vec![
                Cell::Time(r.at),
                Cell::text(op_label(lang, r.operation_type)),
                Cell::text(&r.quota_id),
                Cell::opt(r.coupon_id.as_deref()),
                Cell::text(&r.customer_id),
                Cell::Amount(r.amount),
                Cell::Count(if r.result == 0 { 0 } else { -1 }),
                Cell::text(&r.operator),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
