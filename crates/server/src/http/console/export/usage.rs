//! The customer's package deductions' export (`/console/usage.csv|xlsx`): every deduction of
//! pay-per-use usage from its resource packages, newest first (the page shows the latest ones).

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::catalog::pick;
use pc_app::services::usage::{self, DeductionQuery};
use pc_app::store::filters::VENDOR_MAX_PAGE;
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
use crate::http::console::i18n::{t, Lang};
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(
    st: &AppState,
    c: &Console,
    _q: &HashMap<String, String>,
) -> Result<Export, Response> {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let en = lang == Lang::En;
    let ctx = c.ctx();
    let list = all_pages(c, VENDOR_MAX_PAGE, |offset, limit| {
        let q = DeductionQuery {
            offset: Some(offset),
            limit: Some(limit),
            ..Default::default()
        };
        let ctx = &ctx;
        async move { usage::my_deductions(&st.db, ctx, &q).await }
    })
    .await?;
    let mut x = Export::new(
        lang,
        "usage-deductions",
        t(lang, "export_usage_deductions"),
        &[
            "@usage_deducted_at",
            "usage_package",
            "export_package_id",
            "usage_resource_id",
            "usage_hours_used",
            "usage_hours_after",
        ],
    );
    x.rows = list
        .iter()
        .map(|d| {
            vec![
                Cell::Time(d.deducted_at),
                Cell::text(pick(en, &d.product_name_zh, &d.product_name_en)),
                Cell::text(&d.free_resource_id),
                Cell::text(&d.resource_id),
                Cell::text(d.used.to_decimal()),
                Cell::text(d.remaining_after.to_decimal()),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
