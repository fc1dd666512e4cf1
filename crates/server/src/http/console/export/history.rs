//! One customer's association history export (`/console/customers/{id}/history.csv|xlsx`): its
//! associations, current and ended, as its detail page shows them, read through the same
//! tenant-checked detail (another partner's customer is "not found").

use axum::extract::{Path, State};
use axum::response::Response;
use pc_app::services::customers;
use pc_domain::party::Role;

use super::{capped, send, Cell, Export, Format};
use crate::http::console::i18n::t;
use crate::http::console::layout::Page;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, id: &str) -> Result<Export, Response> {
    c.require(&[Role::Operator, Role::PartnerAdmin, Role::PartnerStaff])?;
    let lang = c.lang;
    let detail = customers::detail(&st.db, &c.ctx(), id).await;
    let list = capped(c, detail.map(|d| d.history))?;
    let mut x = Export::new(
        lang,
        &format!("association-history-{id}"),
        t(lang, "association_history"),
        &[
            "partner",
            "association_type",
            "label",
            "@associated_on",
            "@ended_at",
            "reason",
        ],
    );
    x.rows = list
        .iter()
        .map(|a| {
            vec![
                Cell::text(&a.partner_name),
                Cell::text(t(lang, &format!("assoc_{}", a.association_type))),
                Cell::opt(a.label.as_deref()),
                Cell::Time(a.associated_at),
                Cell::time_opt(a.ended_at),
                Cell::opt(a.end_reason.as_deref()),
            ]
        })
        .collect();
    Ok(x)
}

/// `GET /console/customers/{id}/history.csv`
pub(in crate::http::console) async fn csv(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
) -> Page {
    send(c.lang, Format::Csv, rows(&st, &c, &id).await?)
}

/// `GET /console/customers/{id}/history.xlsx`
pub(in crate::http::console) async fn xlsx(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
) -> Page {
    send(c.lang, Format::Xlsx, rows(&st, &c, &id).await?)
}
