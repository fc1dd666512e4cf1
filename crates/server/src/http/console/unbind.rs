//! Ending an association from the console: a partner admin on its customer's page, the customer
//! on its home page. The rules are in `services::customers::unbind`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::post;
use axum::Router;
use maud::{html, Markup};
use pc_app::services::customers::unbind::{self, Unbinding};
use pc_domain::party::Role;

use super::i18n::{t, Lang};
use super::layout::{message_page, CsrfForm, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/customers/{id}/unbind", post(partner_unbind))
        .route("/console/my-partner/unbind", post(customer_unbind))
}

/// The unbind button with its confirmation, posting to `action`; a refused unbind's message
/// (`refill`, the form `unbind-form`) atop it.
pub(super) fn unbind_form(lang: Lang, csrf: &str, action: &str, refill: &Refill) -> Markup {
    let r = refill.on("unbind-form");
    html! {
        form #unbind-form method="post" action=(action)
            onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "unbind_confirm")))) {
            input type="hidden" name="csrf" value=(csrf);
            (r.form_error())
            button #unbind type="submit" { (t(lang, "unbind")) }
            " " span.muted { (t(lang, "unbind_hint")) }
        }
    }
}

fn refused(c: &Console, e: pc_app::AppError) -> axum::response::Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        message_page(
            c.lang,
            Some(c),
            t(c.lang, "unbind"),
            &e.message(c.lang == Lang::Zh),
        ),
    )
        .into_response()
}

async fn partner_unbind(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.require(&[Role::PartnerAdmin, Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let ended = unbind::end_association(&st.db, c.ctx(), Unbinding::Customer(id.clone())).await;
    match ended {
        Ok(_) => Ok(Redirect::to("/console/customers").into_response()),
        // Another tenant's customer stays a "not found" page; a refusal on one's own customer
        // is its page again with why.
        Err(e) if matches!(e.code, pc_app::Code::NotFound | pc_app::Code::AccessDenied) => {
            Err(refused(&c, e))
        }
        Err(e) => super::customers::detail_page(&st, &c, &id, &Refill::action(c.lang, &e)).await,
    }
}

/// The customer's own unbind, from its home page: a refusal is the home page again (4xx) with the
/// message atop the unbind form, or atop the page when there is no association (and so no form).
async fn customer_unbind(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<CsrfForm>,
) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    match unbind::end_association(&st.db, c.ctx(), Unbinding::Mine).await {
        Ok(_) => Ok(Redirect::to("/console").into_response()),
        Err(e) if e.code == pc_app::Code::NotAssociated => {
            super::home::home_page(&st, &c, &Refill::action(c.lang, &e)).await
        }
        Err(e) => {
            let refill = Refill::new("unbind-form", &fields).refused(c.lang, &e, None);
            super::home::home_page(&st, &c, &refill).await
        }
    }
}
