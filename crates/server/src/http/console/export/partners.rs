//! The operators' partner list export (`/console/partners.csv|xlsx`): every partner, newest
//! first, as the Partners page lists them.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::partners;
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
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
    let ctx = c.ctx();
    let list = all_pages(c, 500, |offset, limit| {
        let ctx = &ctx;
        async move { partners::list_all(&st.db, ctx, offset, limit).await }
    })
    .await?;
    let mut x = Export::new(
        lang,
        "partners",
        t(lang, "partners"),
        &["name", "type", "id", "parent", "@created_at"],
    );
    x.rows = list
        .iter()
        .map(|p| {
            vec![
                Cell::text(&p.name),
                Cell::text(t(lang, &format!("type_{}", p.partner_type.as_str()))),
                Cell::text(&p.id),
                Cell::opt(p.parent_id.as_deref()),
                Cell::Time(p.created_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
