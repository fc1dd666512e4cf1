//! Console pages. Each handler parses the form or query, calls a service, renders.

use super::ConsoleForm as Form;
use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{html, Markup};
use pc_app::services::identity::KeyOwner;
use pc_app::services::{identity, operations, partners};
use pc_app::{Actor, Code, Ctx};
use pc_domain::party::Role;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, internal, page, pager, with_status, CsrfForm, Page};
use super::refill::{Refill, Submitted};
use super::{anonymous_lang, Console, LANG_COOKIE, SESSION_COOKIE};
use crate::http::middleware::RequestId;
use crate::state::AppState;

pub(super) fn session_cookie(st: &AppState, token: &str, max_age: i64) -> String {
    let secure = if st.settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!("{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}")
}

// ----------------------------------------------------------------------------------------------
// Login, logout, language

/// The login form; a refused login (`refill`, the form `login-form`) keeps the login name typed
/// (never the password) and says why beside the password (a wrong login name or password), or
/// atop the form (too many attempts).
fn login_page(lang: Lang, refill: &Refill) -> Markup {
    let r = refill.on("login-form");
    html! {
        div.login.card {
            form #login-form method="post" action="/console/login" {
                (r.form_error())
                label { (t(lang, "login_name")) input name="login" autocomplete="username" required value=(r.value("login", ""))
                    aria-invalid=[r.invalid("login")] aria-describedby=[r.described_by("login")]; }
                (r.error_for("login"))
                label { (t(lang, "password")) input name="password" type="password" autocomplete="current-password" required
                    aria-invalid=[r.invalid("password")] aria-describedby=[r.described_by("password")]; }
                (r.error_for("password"))
                p { button #login-submit type="submit" { (t(lang, "login")) } }
            }
        }
    }
}

/// The login page answered with `refill`'s status.
fn login_response(lang: Lang, refill: &Refill) -> Response {
    (
        refill.status(),
        page(lang, None, t(lang, "login"), login_page(lang, refill)),
    )
        .into_response()
}

pub async fn login_form(parts: Parts, console: Option<Console>) -> Response {
    if console.is_some() {
        return Redirect::to("/console").into_response();
    }
    let lang = anonymous_lang(&parts);
    login_response(lang, &Refill::NONE)
}

#[derive(Deserialize, Default)]
pub struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
}

pub async fn login_submit(
    State(st): State<AppState>,
    parts: Parts,
    Submitted(f, fields): Submitted<LoginForm>,
) -> Response {
    let lang = anonymous_lang(&parts);
    let limiter_key = f.login.to_ascii_lowercase();
    let refill = Refill::new("login-form", &fields);
    if !st.login_limiter.allowed(&limiter_key) {
        let e = pc_app::AppError::new(Code::Throttled);
        let refill =
            refill.refused_with(e.message(lang == Lang::Zh), StatusCode::BAD_REQUEST, None);
        return login_response(lang, &refill);
    }
    let rid = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    let ctx = Ctx::new(
        Actor::System {
            name: format!("login:{}", f.login),
        },
        rid,
        st.now_ms(),
    );
    let cred = identity::Credentials {
        login: f.login.clone(),
        password: f.password,
    };
    match identity::login(&st.db, ctx, cred).await {
        Ok(token) => {
            st.login_limiter.reset(&limiter_key);
            let max_age = identity::SESSION_TTL_MS / 1000;
            (
                [(header::SET_COOKIE, session_cookie(&st, &token, max_age))],
                Redirect::to("/console"),
            )
                .into_response()
        }
        Err(e) => {
            st.login_limiter.record(&limiter_key);
            let field = (e.code == Code::LoginFailed).then_some("password");
            login_response(lang, &refill.refused(lang, &e, field))
        }
    }
}

pub async fn logout(State(st): State<AppState>, c: Console, Form(f): Form<CsrfForm>) -> Page {
    c.check_csrf(&f.csrf)?;
    identity::logout(&st.db, c.ctx(), c.token.clone())
        .await
        .map_err(|e| internal(c.lang, e))?;
    Ok((
        [(header::SET_COOKIE, session_cookie(&st, "", 0))],
        Redirect::to("/console/login"),
    )
        .into_response())
}

#[derive(Deserialize, Default)]
pub struct LangForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    lang: String,
}

/// Back to the page the form was on (same-origin paths under /console only).
fn back(headers: &HeaderMap) -> String {
    headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| r.find("/console").map(|i| r[i..].to_string()))
        .filter(|p| !p.contains("//") && !p.starts_with("/console/login"))
        .unwrap_or_else(|| "/console".into())
}

pub async fn set_lang(
    State(st): State<AppState>,
    headers: HeaderMap,
    c: Option<Console>,
    Form(f): Form<LangForm>,
) -> Page {
    let lang = Lang::parse(&f.lang).tag().to_string();
    let cookie = format!("{LANG_COOKIE}={lang}; Path=/; SameSite=Lax; Max-Age=31536000");
    match c {
        Some(c) => {
            c.check_csrf(&f.csrf)?;
            identity::set_language(&st.db, c.ctx(), lang)
                .await
                .map_err(|e| internal(c.lang, e))?;
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&back(&headers)),
            )
                .into_response())
        }
        None => Ok((
            [(header::SET_COOKIE, cookie)],
            Redirect::to("/console/login"),
        )
            .into_response()),
    }
}

// ----------------------------------------------------------------------------------------------
// Operator pages

#[derive(Deserialize, Default)]
pub struct PageQuery {
    offset: Option<i64>,
}

pub async fn partners(State(st): State<AppState>, c: Console, Query(q): Query<PageQuery>) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let offset = q.offset.unwrap_or(0).max(0);
    let (total, list) = partners::list_all(&st.db, &c.ctx(), offset, 50)
        .await
        .map_err(|e| internal(lang, e))?;
    let body = html! {
        p.muted { (t(lang, "total")) " " (total) " · " (super::export::links(lang, "export", "/console/partners", "")) }
        div.scroll { table #partners {
            thead { tr { th { (t(lang, "name")) } th { (t(lang, "type")) } th { (t(lang, "id")) } th { (t(lang, "parent")) } th { (t(lang, "created_at")) } } }
            tbody { @for p in &list {
                tr data-partner=(p.id) {
                    td { a href=(format!("/console/partners/{}", p.id)) { (p.name) } } td { (t(lang, &format!("type_{}", p.partner_type.as_str()))) } td { code { (p.id) } }
                    td { (p.parent_id.clone().unwrap_or_default()) } td { (cn_time(p.created_at)) }
                }
            } }
        } }
        (pager(offset, 50, total, "/console/partners?", lang))
    };
    Ok(page(lang, Some(&c), t(lang, "partners"), body).into_response())
}

pub async fn outbox(State(st): State<AppState>, c: Console) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let msgs = operations::outbox(&st.db, &c.ctx(), None, 200)
        .await
        .map_err(|e| internal(lang, e))?;
    // The messages are the recipients' (each in both languages), not the console's text: they are
    // shown as sent, marked translate="no".
    let body = html! {
        p { (super::export::links(lang, "outbox-export", "/console/outbox", "")) }
        div.scroll { table #outbox {
            thead { tr { th { (t(lang, "time")) } th { (t(lang, "channel")) } th { (t(lang, "recipient")) } th { (t(lang, "subject")) } th { (t(lang, "body")) } } }
            tbody { @for m in &msgs { tr { td { (cn_time(m.created_at)) } td { (m.channel) } td { (m.recipient) } td translate="no" { (m.subject) } td translate="no" { (m.body) } } } }
        } }
    };
    Ok(page(lang, Some(&c), t(lang, "outbox"), body).into_response())
}

// ----------------------------------------------------------------------------------------------
// Partner pages

/// Whose keys the access-key page manages: a partner admin's partner's, or an operator's own
/// (operator keys call the native API's operator operations only).
fn key_owner(c: &Console) -> KeyOwner {
    match c.user.role {
        Role::Operator => KeyOwner::Operator {
            user_id: c.user.user_id.clone(),
        },
        _ => KeyOwner::Partner {
            partner_id: c.user.partner_id.clone().unwrap_or_default(),
        },
    }
}

pub async fn access_keys(State(st): State<AppState>, c: Console) -> Page {
    c.require(&[Role::PartnerAdmin, Role::Operator])?;
    keys_page(&st, &c, &Refill::NONE).await
}

/// The access-key page; `refill` re-shows a refused creation.
async fn keys_page(st: &AppState, c: &Console, refill: &Refill) -> Page {
    let lang = c.lang;
    let operator = c.user.role == Role::Operator;
    let keys = identity::list_keys(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    // A key this session just made: shown once, whichever instance serves the page.
    let fresh = identity::take_new_key(
        &st.db,
        c.ctx(),
        &st.master_key,
        pc_app::crypto::sha256_hex(c.token.as_bytes()),
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let body = html! {
        (refill.page_error())
        @if let Some(k) = &fresh {
            div.flash.ok #new-key {
                p { (t(lang, "new_key_notice")) }
                dl {
                    dt { (t(lang, "access_key")) } dd { code #new-access-key { (k.access_key) } }
                    dt { (t(lang, "secret_key")) } dd { code #new-secret { (k.secret_key) } }
                }
            }
        }
        @if operator {
            p #operator-key-hint { (t(lang, "operator_key_hint")) " X-Domain-Id: " code { (c.user.user_id) } }
        }
        div.card {
            form #create-key-form method="post" action="/console/access-keys" {
                input type="hidden" name="csrf" value=(c.user.csrf);
                @let r = refill.on("create-key-form");
                (r.form_error())
                label { (t(lang, "description")) input name="description" maxlength="100" value=(r.value("description", ""))
                    aria-invalid=[r.invalid("description")] aria-describedby=[r.described_by("description")]; }
                (r.error_for("description"))
                button #create-key type="submit" { (t(lang, "create_key")) }
            }
        }
        div.scroll { table #keys {
            thead { tr { th { (t(lang, "access_key")) } th { (t(lang, "description")) } th { (t(lang, "created_at")) } th { (t(lang, "status")) } th {} } }
            tbody { @for k in &keys {
                @let revoked = k.revoked_at.is_some();
                tr data-ak=(k.access_key) data-status=(if revoked { "revoked" } else { "active" }) {
                    td { code { (k.access_key) } } td { (k.description) } td { (cn_time(k.created_at)) }
                    td { (if revoked { t(lang, "revoked") } else { t(lang, "active") }) }
                    td { @if !revoked {
                        form.revoke-form method="post" action=(format!("/console/access-keys/{}/revoke", k.access_key))
                            onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "revoke_confirm")))) {
                            input type="hidden" name="csrf" value=(c.user.csrf);
                            button.revoke type="submit" { (t(lang, "revoke")) }
                        }
                    } }
                }
            } }
        } }
    };
    with_status(
        refill.status(),
        page(lang, Some(c), t(lang, "access_keys"), body),
    )
}

#[derive(Deserialize, Default)]
pub struct CreateKeyForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    description: String,
}

pub async fn create_access_key(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<CreateKeyForm>,
) -> Page {
    c.require(&[Role::PartnerAdmin, Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let description = f.description.trim().to_string();
    let mk = st.master_key.clone();
    let made = match key_owner(&c) {
        KeyOwner::Operator { .. } => {
            let k = identity::NewOperatorKey {
                operator_login: None,
                description,
            };
            identity::create_operator_key(&st.db, c.ctx(), mk, k)
                .await
                .map(|k| k.key)
        }
        _ => identity::create_partner_key(&st.db, c.ctx(), mk, description).await,
    };
    let key = match made {
        Ok(key) => key,
        Err(e) => {
            let long = f.description.trim().chars().count() > 100;
            let field = long.then_some("description");
            let refill = Refill::new("create-key-form", &fields).refused(c.lang, &e, field);
            return keys_page(&st, &c, &refill).await;
        }
    };
    identity::stash_new_key(
        &st.db,
        c.ctx(),
        &st.master_key,
        pc_app::crypto::sha256_hex(c.token.as_bytes()),
        &key,
    )
    .await
    .map_err(|e| internal(c.lang, e))?;
    Ok(Redirect::to("/console/access-keys").into_response())
}

pub async fn revoke_access_key(
    State(st): State<AppState>,
    c: Console,
    Path(ak): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.require(&[Role::PartnerAdmin, Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let revoked = match key_owner(&c) {
        KeyOwner::Operator { .. } => {
            identity::revoke_operator_key(&st.db, c.ctx(), ak.clone()).await
        }
        _ => identity::revoke_partner_key(&st.db, c.ctx(), ak.clone()).await,
    };
    if let Err(e) = revoked {
        return keys_page(&st, &c, &Refill::action(c.lang, &e)).await;
    }
    st.keys.evict(&ak);
    Ok(Redirect::to("/console/access-keys").into_response())
}
