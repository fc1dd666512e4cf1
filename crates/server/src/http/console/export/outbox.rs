//! The outbox's export (`/console/outbox.csv|xlsx`): the operator's outbox, every message newest
//! first (the page shows the newest 200), as sent: the messages are the recipients' words, not
//! the console's.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::operations;
use pc_domain::party::Role;

use super::{capped, Cell, Export, MAX_ROWS};
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
    // One more than the maximum, so a longer outbox is refused rather than cut.
    let list = capped(
        c,
        operations::outbox(&st.db, &c.ctx(), None, MAX_ROWS + 1).await,
    )?;
    let mut x = Export::new(
        lang,
        "outbox",
        t(lang, "outbox"),
        &["@time", "channel", "recipient", "subject", "body"],
    );
    x.rows = list
        .iter()
        .map(|m| {
            vec![
                Cell::Time(m.created_at),
                Cell::text(&m.channel),
                Cell::text(&m.recipient),
                Cell::text(&m.subject),
                Cell::text(&m.body),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
