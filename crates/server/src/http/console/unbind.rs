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
use super::refill::Refill;
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/customers/{id}/unbind", post(partner_unbind))
        .route("/console/my-partner/unbind", post(customer_unbind))
}

/// The unbind button with its confirmation, posting to `action`.
pub(super) fn unbind_form(lang: Lang, csrf: &str, action: &str) -> Markup {
    html! {
        form #unbind-form method="post" action=(action)
            onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "unbind_confirm")))) {
            input type="hidden" name="csrf" value=(csrf);
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

async fn customer_unbind(State(st): State<AppState>, c: Console, Form(f): Form<CsrfForm>) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    unbind::end_association(&st.db, c.ctx(), Unbinding::Mine)
        .await
        .map_err(|e| refused(&c, e))?;
    Ok(Redirect::to("/console").into_response())
}
