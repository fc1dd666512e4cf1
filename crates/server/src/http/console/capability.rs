//! *Capability opening* (能力开放, the vendor's help pages `支持 > 能力开放`): a partner administrator
//! configures the two optional return addresses of its sales platform (伙伴平台回跳地址) — the
//! top-up address and the post-payment address — and clears them. Who may, and the URL rules, are
//! decided in `pc_app::services::redirects` and `pc_domain::redirects`.
//!
//! A refused address re-renders the form with what was typed and a message naming the field and
//! the rule in the page's language (400); nothing is written. Cloud resellers have no capability
//! opening: the page answers them 403 with that explanation, and the navigation has no entry.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use pc_app::services::{partners, redirects};
use pc_domain::party::Role;
use pc_domain::redirects::parse_return_url;
use serde::Deserialize;
use std::collections::HashMap;

use super::i18n::{t, Lang};
use super::layout::{cn_time, internal, message_page, page, with_status, CsrfForm, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/capability", get(capability_page).post(save))
        .route("/console/capability/clear", post(clear))
}

#[derive(Deserialize, Default)]
struct UrlForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    topup_url: String,
    #[serde(default)]
    paid_url: String,
}

/// Refuses anyone but the administrator of a partner that may configure addresses.
#[allow(clippy::result_large_err)]
async fn configurable_partner(st: &AppState, c: &Console) -> Result<(), Response> {
    c.require(&[Role::PartnerAdmin])?;
    let p = match partners::mine(&st.db, &c.ctx()).await {
        Ok(p) => Some(p),
        Err(e) if e.code == pc_app::Code::AccessDenied => None,
        Err(e) => return Err(internal(c.lang, e)),
    };
    match p {
        Some(p) if redirects::may_configure(p.partner_type) => Ok(()),
        _ => Err((
            StatusCode::FORBIDDEN,
            message_page(
                c.lang,
                Some(c),
                t(c.lang, "capability"),
                t(c.lang, "capability_reseller"),
            ),
        )
            .into_response()),
    }
}

/// The page: what the addresses do, and the form (filled with `f`; `r` its refusal, beside the
/// field it concerns).
#[allow(clippy::result_large_err)] // a page either way, as every console handler returns
fn view(c: &Console, f: &UrlForm, urls: &redirects::ReturnUrls, saved: bool, r: &Refill) -> Page {
    let lang = c.lang;
    let status = r.status();
    let (action, r) = (r, r.on("capability-form"));
    let body = html! {
        (action.page_error())
        p.muted { (t(lang, "capability_intro")) }
        @if saved { p.flash.ok #capability-saved { (t(lang, "saved")) } }
        div.card #capability-current { dl {
            dt { (t(lang, "capability_topup_url")) }
            dd #current-topup-url { @match &urls.topup_url { Some(u) => code { (u) }, None => span.muted { (t(lang, "capability_default_topup")) } } }
            dt { (t(lang, "capability_paid_url")) }
            dd #current-paid-url { @match &urls.paid_url { Some(u) => code { (u) }, None => span.muted { (t(lang, "capability_default_paid")) } } }
            @if let Some(at) = urls.updated_at { dt { (t(lang, "capability_updated_at")) } dd { (cn_time(at)) } }
        } }
        form.card #capability-form method="post" action="/console/capability" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (r.form_error())
            label { (t(lang, "capability_topup_url")) br;
                input name="topup_url" type="text" inputmode="url" size="70" value=(f.topup_url) placeholder="https://shop.example.com/topup"
                    aria-invalid=[r.invalid("topup_url")] aria-describedby=[r.described_by("topup_url")]; }
            (r.error_for("topup_url"))
            p.muted { (t(lang, "capability_topup_hint")) }
            label { (t(lang, "capability_paid_url")) br;
                input name="paid_url" type="text" inputmode="url" size="70" value=(f.paid_url) placeholder="https://shop.example.com/orders/paid"
                    aria-invalid=[r.invalid("paid_url")] aria-describedby=[r.described_by("paid_url")]; }
            (r.error_for("paid_url"))
            p.muted { (t(lang, "capability_paid_hint")) }
            p.muted { (t(lang, "capability_rules")) }
            p { button.primary #capability-save type="submit" { (t(lang, "save")) } }
        }
        @if urls.topup_url.is_some() || urls.paid_url.is_some() {
            form #capability-clear method="post" action="/console/capability/clear"
                onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "capability_clear_confirm")))) {
                input type="hidden" name="csrf" value=(c.user.csrf);
                button #capability-clear-button type="submit" { (t(lang, "capability_clear")) }
            }
        }
    };
    with_status(status, page(lang, Some(c), t(lang, "capability"), body))
}

async fn capability_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    configurable_partner(&st, &c).await?;
    let urls = redirects::mine(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(c.lang, e))?;
    view(
        &c,
        &url_form(&urls),
        &urls,
        q.contains_key("saved"),
        &Refill::NONE,
    )
}

/// The form filled with the addresses saved.
fn url_form(urls: &redirects::ReturnUrls) -> UrlForm {
    UrlForm {
        csrf: String::new(),
        topup_url: urls.topup_url.clone().unwrap_or_default(),
        paid_url: urls.paid_url.clone().unwrap_or_default(),
    }
}

/// The first refused field and its message in the page's language.
fn form_error(lang: Lang, f: &UrlForm) -> Option<(String, &'static str)> {
    [
        ("capability_topup_url", "topup_url", &f.topup_url),
        ("capability_paid_url", "paid_url", &f.paid_url),
    ]
    .into_iter()
    .filter(|(_, _, v)| !v.trim().is_empty())
    .find_map(|(label, field, v)| {
        parse_return_url(v).err().map(|e| {
            let msg = format!(
                "{}: {}",
                t(lang, label),
                t(lang, &format!("capability_err_{}", e.as_str()))
            );
            (msg, field)
        })
    })
}

async fn save(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<UrlForm>,
) -> Page {
    c.check_csrf(&f.csrf)?;
    configurable_partner(&st, &c).await?;
    let lang = c.lang;
    let current = redirects::mine(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    let refill = Refill::new("capability-form", &fields);
    if let Some((msg, field)) = form_error(lang, &f) {
        let refill = refill.refused_with(msg, StatusCode::BAD_REQUEST, Some(field));
        return view(&c, &f, &current, false, &refill);
    }
    let new = redirects::NewReturnUrls {
        topup_url: f.topup_url.clone(),
        paid_url: f.paid_url.clone(),
    };
    let res = redirects::set(&st.db, c.ctx(), new).await;
    match res {
        Ok(_) => Ok(Redirect::to("/console/capability?saved=1").into_response()),
        Err(e) => view(&c, &f, &current, false, &refill.refused(lang, &e, None)),
    }
}

async fn clear(State(st): State<AppState>, c: Console, Form(f): Form<CsrfForm>) -> Page {
    c.check_csrf(&f.csrf)?;
    configurable_partner(&st, &c).await?;
    if let Err(e) = redirects::clear(&st.db, c.ctx()).await {
        let urls = redirects::mine(&st.db, &c.ctx())
            .await
            .map_err(|e| internal(c.lang, e))?;
        return view(
            &c,
            &url_form(&urls),
            &urls,
            false,
            &Refill::action(c.lang, &e),
        );
    }
    Ok(Redirect::to("/console/capability?saved=1").into_response())
}
