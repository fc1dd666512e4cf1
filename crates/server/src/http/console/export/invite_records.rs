//! The invite records' export (`/console/invites/records.csv|xlsx`): who associated through which
//! link, who was refused and why, newest first, as the Invites page's records table.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::customers::invites;

use super::invites::ROLES;
use super::{capped, Cell, Export, MAX_ROWS};
use crate::http::console::i18n::t;
use crate::http::console::invites::reason_text;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(
    st: &AppState,
    c: &Console,
    _q: &HashMap<String, String>,
) -> Result<Export, Response> {
    c.require(ROLES)?;
    let lang = c.lang;
    let list = capped(
        c,
        invites::recent_events(&st.db, &c.ctx(), MAX_ROWS + 1).await,
    )?;
    let mut x = Export::new(
        lang,
        "invite-records",
        t(lang, "invite_records"),
        &["@time", "label", "account_name", "outcome", "reason"],
    );
    x.rows = list
        .iter()
        .map(|e| {
            let reason = e
                .error_code
                .as_deref()
                .map(|code| format!("{code} {}", reason_text(lang, code)))
                .unwrap_or_default();
            vec![
                Cell::Time(e.at),
                Cell::opt(e.label.as_deref()),
                Cell::opt(e.account_name.as_deref()),
                Cell::text(t(lang, &format!("outcome_{}", e.outcome))),
                Cell::text(reason),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
