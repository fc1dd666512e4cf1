//! Changing a resource's spec from the customer console (变更): `GET
//! /console/resources/{id}/change` lists the products it may move to, each with what the change
//! costs (an upgrade, paid on the change order's page like any order) or gives back (a downgrade,
//! carried out at once); `POST` with the chosen product calls `pc_app::services::subscriptions::changes::change`
//! and opens the change order. The quotes are `changes::plan`, the function the change itself uses.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use maud::html;
use pc_app::services::subscriptions::changes::{self, Change, ChangeOptions};
use pc_app::AppError;
use pc_domain::party::Role;
use pc_domain::refunds::ChangeQuote;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, with_status, yuan, Page};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/console/resources/{id}/change",
        get(change_page).post(change_submit),
    )
}

async fn view(st: &AppState, c: &Console, id: &str, err: Option<AppError>) -> Page {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let en = lang == Lang::En;
    let ChangeOptions {
        resource: r,
        options: quotes,
    } = changes::options(&st.db, &c.ctx(), id)
        .await
        .map_err(|e| internal(lang, e))?;
    let status = err
        .as_ref()
        .map(|e| StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(StatusCode::OK);
    let action = format!("/console/resources/{}/change", enc(id));
    let body = html! {
        @if let Some(e) = &err { p.flash.error #change-error { (e.message(lang == Lang::Zh)) } }
        div.card { dl {
            dt { (t(lang, "resources_resource")) } dd { (r.name) " " small { code { (r.id) } } }
            dt { (t(lang, "catalog_product")) } dd #change-current { code { (r.product_id) } " "
                (if en { r.spec_desc_en.as_deref() } else { r.spec_desc_zh.as_deref() }.unwrap_or(&r.resource_spec)) }
            dt { (t(lang, "expire_time")) } dd { (cn_time(r.expire_at)) }
        } }
        p.muted { (t(lang, "change_hint")) }
        table #change-options {
            thead { tr { th { (t(lang, "catalog_product")) } th { (t(lang, "change_effect")) } th { (t(lang, "action")) } } }
            tbody {
                @for (p, q) in &quotes {
                    tr data-product=(p.product_id) {
                        td { code { (p.product_id) } " " (p.spec_desc(en)) }
                        @match q {
                            Ok(plan) => {
                                @match &plan.quote {
                                    ChangeQuote::Upgrade { amount } => td.upgrade data-amount=(amount) { (t(lang, "change_pay")) " " (yuan(*amount)) },
                                    ChangeQuote::Downgrade { refund, .. } => td.downgrade data-amount=(refund) { (t(lang, "change_refund")) " " (yuan(*refund)) },
                                }
                                td { form method="post" action=(action) {
                                    input type="hidden" name="csrf" value=(c.user.csrf);
                                    input type="hidden" name="product_id" value=(p.product_id);
                                    button.change type="submit" { (t(lang, "change_submit")) }
                                } }
                            }
                            Err(e) => { td.muted colspan="2" { (e.message(lang == Lang::Zh)) } }
                        }
                    }
                }
                @if quotes.is_empty() { tr { td colspan="3" .muted { (t(lang, "empty")) } } }
            }
        }
        p { a href="/console/resources" { (t(lang, "resources_show_all")) } }
    };
    with_status(status, page(lang, Some(c), t(lang, "change_title"), body))
}

async fn change_page(State(st): State<AppState>, c: Console, Path(id): Path<String>) -> Page {
    view(&st, &c, &id, None).await
}

#[derive(Deserialize, Default)]
struct ChangeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    product_id: String,
}

async fn change_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<ChangeForm>,
) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    let ch = Change {
        resource_id: id.clone(),
        product_id: f.product_id,
    };
    let res = changes::change(&st.db, c.ctx(), ch).await;
    match res {
        Ok(done) => {
            Ok(Redirect::to(&format!("/console/orders/{}", enc(&done.order_id))).into_response())
        }
        Err(e) => view(&st, &c, &id, Some(e)).await,
    }
}
