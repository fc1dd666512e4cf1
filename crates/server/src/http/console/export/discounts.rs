//! The discounts' export (`/console/discounts.csv|xlsx?revoked=`): a partner admin's discounts as
//! the Discounts page lists them, in force only or with the revoked ones (`revoked=1`), every
//! page, newest first. The ratio is the API's decimal (`0.85`).

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::catalog;
use pc_app::services::orders::{self, DiscountQuery};
use pc_domain::party::Role;

use super::{all_pages, failed, Cell, Export};
use crate::http::console::discounts::product_name;
use crate::http::console::i18n::{t, Lang};
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    c.require(&[Role::PartnerAdmin])?;
    let lang = c.lang;
    let ctx = c.ctx();
    let revoked = q.get("revoked").is_some_and(|v| v == "1");
    let list = all_pages(c, 500, |offset, limit| {
        let ctx = &ctx;
        async move {
            let q = DiscountQuery {
                include_revoked: revoked,
                offset,
                limit,
                ..Default::default()
            };
            orders::list_discounts(&st.db, ctx, &q).await
        }
    })
    .await?;
    let products = catalog::products(&st.db, &ctx, false)
        .await
        .map_err(|e| failed(c, e))?;
    let product_name = |id: &str| product_name(&products, id, lang == Lang::En);
    let mut x = Export::new(
        lang,
        "discounts",
        t(lang, "discounts"),
        &[
            "id",
            "customer",
            "customer_id",
            "catalog_product",
            "export_product_id",
            "disc_ratio",
            "@created_at",
            "status",
            "@export_revoked_at",
        ],
    );
    x.rows = list
        .iter()
        .map(|d| {
            let g = &d.grant;
            let product = match &g.product_id {
                Some(p) => product_name(p),
                None => t(lang, "disc_all_products").to_string(),
            };
            let status = if d.revoked_at.is_none() {
                "active"
            } else {
                "revoked"
            };
            vec![
                Cell::text(&g.id),
                Cell::text(&d.customer_name),
                Cell::text(&g.customer_id),
                Cell::Text(product),
                Cell::opt(g.product_id.as_deref()),
                Cell::text(g.ratio.to_string()),
                Cell::Time(g.created_at),
                Cell::text(t(lang, status)),
                Cell::time_opt(d.revoked_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
