//! The invite links' export (`/console/invites.csv|xlsx`): the partner's links as the Invites
//! page lists them (the generation history), with how many customers associated through each.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::customers::invites;
use pc_domain::party::Role;

use super::{capped, Cell, Export};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

/// The partner users the Invites page admits.
pub(super) const ROLES: &[Role] = &[Role::PartnerAdmin, Role::PartnerStaff];

#[allow(clippy::result_large_err)]
async fn rows(
    st: &AppState,
    c: &Console,
    _q: &HashMap<String, String>,
) -> Result<Export, Response> {
    c.require(ROLES)?;
    let lang = c.lang;
    let list = capped(c, invites::list_links(&st.db, &c.ctx()).await)?;
    let mut x = Export::new(
        lang,
        "invites",
        t(lang, "invite_history"),
        &[
            "id",
            "label",
            "association_type",
            "invite_kind",
            "created_by",
            "@created_at",
            "associated_count",
            "status",
        ],
    );
    x.rows = list
        .iter()
        .map(|l| {
            let status = if l.disabled_at.is_none() {
                "active"
            } else {
                "disabled"
            };
            vec![
                Cell::text(&l.id),
                Cell::opt(l.label.as_deref()),
                Cell::text(t(lang, &format!("assoc_{}", l.association_type.code()))),
                Cell::text(t(lang, &format!("invite_{}", l.kind))),
                Cell::text(&l.created_by),
                Cell::Time(l.created_at),
                Cell::Count(l.associated),
                Cell::text(t(lang, status)),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
