//! The promotions' export (`/console/promotions.csv|xlsx`): the operator's promotions as the
//! Promotions page lists them, newest first, each with its status now. The ratio is the API's
//! decimal (`0.85`); the window runs from its first instant to its end (exclusive).

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::orders::promotions;
use pc_domain::party::Role;

use super::{capped, Cell, Export};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(
    st: &AppState,
    c: &Console,
    _q: &HashMap<String, String>,
) -> Result<Export, Response> {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let list = capped(c, promotions::list(&st.db, &c.ctx()).await)?;
    let mut x = Export::new(
        lang,
        "promotions",
        t(lang, "promotions"),
        &[
            "id",
            "promo_name",
            "export_product_id",
            "disc_ratio",
            "@export_starts_at",
            "@export_ends_at",
            "status",
            "@created_at",
            "@export_revoked_at",
        ],
    );
    let now = c.now_ms;
    x.rows = list
        .iter()
        .map(|p| {
            vec![
                Cell::text(&p.id),
                Cell::text(&p.name),
                Cell::text(
                    p.product_id
                        .as_deref()
                        .unwrap_or(t(lang, "disc_all_products")),
                ),
                Cell::text(p.ratio.to_string()),
                Cell::Time(p.starts_at),
                Cell::Time(p.ends_at),
                Cell::text(t(lang, &format!("promo_status_{}", p.state_at(now)))),
                Cell::Time(p.created_at),
                Cell::time_opt(p.revoked_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
