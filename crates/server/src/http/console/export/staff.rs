//! The staff list's export (`/console/staff.csv|xlsx`): a partner's users as the Staff page lists
//! them, a partner admin's own partner's, or the partner an operator names (`?partner=`).

use std::collections::HashMap;

use axum::response::{IntoResponse, Redirect, Response};
use pc_app::services::partners::staff;

use super::{capped, failed, Cell, Export};
use crate::http::console::i18n::t;
use crate::http::console::staff::target_partner;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    let Some(pid) = target_partner(c, q.get("partner").map(|s| s.trim()))? else {
        // An operator picks the partner on its detail page, as the page asks.
        return Err(Redirect::to("/console/partners").into_response());
    };
    let lang = c.lang;
    let staff::Staff { partner, users } = staff::list(&st.db, &c.ctx(), &pid)
        .await
        .map_err(|e| failed(c, e))?;
    let users = capped(c, Ok(users))?;
    let mut x = Export::new(
        lang,
        &format!("staff-{}", partner.id),
        t(lang, "staff_accounts"),
        &[
            "login_name",
            "staff_display_name_col",
            "staff_role",
            "status",
            "@created_at",
            "@staff_last_login",
        ],
    );
    x.rows = users
        .iter()
        .map(|u| {
            let status = if u.disabled_at.is_none() {
                "active"
            } else {
                "disabled"
            };
            vec![
                Cell::text(&u.login),
                Cell::opt(u.display_name.as_deref()),
                Cell::text(t(lang, &format!("role_{}", u.role.as_str()))),
                Cell::text(t(lang, status)),
                Cell::Time(u.created_at),
                Cell::time_opt(u.last_login_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
