//! The distributor's resellers' export (`/console/resellers.csv|xlsx`): each reseller with its
//! customer count and delegation status, as the Resellers page lists them.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::customers::resellers;
use pc_domain::party::PartnerType;

use super::{capped, Cell, Export};
use crate::http::console::i18n::t;
use crate::http::console::tree::require_admin_of;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(
    st: &AppState,
    c: &Console,
    _q: &HashMap<String, String>,
) -> Result<Export, Response> {
    require_admin_of(c, PartnerType::Distributor)?;
    let lang = c.lang;
    let list = capped(c, resellers::resellers_overview(&st.db, &c.ctx()).await)?;
    let mut x = Export::new(
        lang,
        "resellers",
        t(lang, "resellers"),
        &[
            "name",
            "id",
            "customer_count",
            "delegation_status",
            "@export_delegated_since",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            let status = if r.delegated_since.is_some() {
                "delegated"
            } else {
                "not_delegated"
            };
            vec![
                Cell::text(&r.partner.name),
                Cell::text(&r.partner.id),
                Cell::Count(r.customer_count),
                Cell::text(t(lang, status)),
                Cell::time_opt(r.delegated_since),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
