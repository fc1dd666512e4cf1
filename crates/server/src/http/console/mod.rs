//! The console: server-rendered HTML in Simplified Chinese and English, no JavaScript build step.
//! Sessions are HttpOnly SameSite=Lax cookies; every state-changing form carries the session's
//! CSRF token. Handlers are thin: they call the same services as the API.

mod audit;
mod bills;
mod capability;
mod catalog;
mod catalog_types;
mod change;
mod chart;
mod clock;
mod coupons;
mod customers;
mod discounts;
mod export;
mod funds;
mod home;
pub mod i18n;
mod invites;
mod invoices;
pub mod join;
mod layout;
mod orders;
mod pages;
mod pay;
mod promotions;
mod quotas;
mod refill;
mod reseller_orders;
mod resources;
mod staff;
mod topups;
mod tree;
mod type_labels;
mod unbind;
mod unsubscribe;
mod usage;

pub use layout::set_display_zone;

use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use pc_app::services::identity::{self, SessionUser};
use pc_app::{Actor, AppError, Code, Ctx};
use pc_domain::party::Role;

use self::i18n::{t, Lang};
use super::middleware::RequestId;
use crate::state::AppState;

pub const SESSION_COOKIE: &str = "pc_session";
pub const LANG_COOKIE: &str = "pc_lang";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console", get(home::home))
        .route("/console/", get(home::home))
        .route(
            "/console/login",
            get(pages::login_form).post(pages::login_submit),
        )
        .route("/console/logout", post(pages::logout))
        .route("/console/lang", post(pages::set_lang))
        .route("/console/partners", get(pages::partners))
        .route("/console/partners.csv", get(export::partners::csv))
        .route("/console/partners.xlsx", get(export::partners::xlsx))
        .route("/console/outbox", get(pages::outbox))
        .route("/console/outbox.csv", get(export::outbox::csv))
        .route("/console/outbox.xlsx", get(export::outbox::xlsx))
        .route(
            "/console/access-keys",
            get(pages::access_keys).post(pages::create_access_key),
        )
        .route(
            "/console/access-keys/{ak}/revoke",
            post(pages::revoke_access_key),
        )
        .route("/console/static/console.css", get(layout::stylesheet))
        .merge(audit::router())
        .merge(unbind::router())
        .merge(customers::router())
        .merge(coupons::router())
        .merge(quotas::router())
        .merge(tree::router())
        .merge(funds::router())
        .merge(invites::router())
        .merge(join::router())
        .merge(catalog::router())
        .merge(orders::router())
        .merge(capability::router())
        .merge(resources::router())
        .merge(unsubscribe::router())
        .merge(change::router())
        .merge(promotions::router())
        .merge(catalog_types::router())
        .merge(discounts::router())
        .merge(topups::router())
        .merge(staff::router())
        .merge(bills::router())
        .merge(invoices::router())
        .merge(clock::router())
        .merge(usage::router())
        .layer(axum::middleware::from_fn(form_guard))
}

/// The largest console form body. The longest field a form offers is 1,000 characters (the
/// top-up instructions), at most 9 KB once a browser has percent-encoded it.
pub const FORM_LIMIT: usize = 64 * 1024;

/// Refuses a console POST, before any handler reads it, whose body is larger than
/// [`FORM_LIMIT`] (413) or whose urlencoded content does not decode to UTF-8 (400). A browser
/// sends neither; a handler must not act on a form it would read only in part, or with U+FFFD in
/// place of what was sent (the form decoders are lossy), so nothing of such a form is written.
async fn form_guard(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let lang = anonymous_lang(&parts);
    let refuse = |status: StatusCode, msg: &str| {
        (
            status,
            layout::message_page(lang, None, status.as_str(), msg),
        )
            .into_response()
    };
    let Ok(bytes) = axum::body::to_bytes(body, FORM_LIMIT).await else {
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, t(lang, "form_too_large"));
    };
    let decoded: Vec<u8> = percent_encoding::percent_decode(&bytes).collect();
    if std::str::from_utf8(&decoded).is_err() {
        return refuse(StatusCode::BAD_REQUEST, t(lang, "form_not_utf8"));
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then(|| v.to_string())
        })
}

/// A logged-in console user plus what handlers need to act for them.
pub struct Console {
    pub user: SessionUser,
    pub token: String,
    pub lang: Lang,
    pub request_id: String,
    pub now_ms: i64,
    /// A customer that may top up itself (not a resale customer, R3.5): its navigation has the
    /// top-up page. False for every other role.
    pub may_top_up: bool,
    /// The server runs on the movable test clock (`serve --test-clock`): every page says so.
    pub test_clock: bool,
}

impl Console {
    pub fn ctx(&self) -> Ctx {
        let u = &self.user;
        let actor = match u.role {
            Role::Operator => Actor::Operator {
                user_id: u.user_id.clone(),
            },
            Role::PartnerAdmin | Role::PartnerStaff => Actor::Partner {
                partner_id: u.partner_id.clone().unwrap_or_default(),
                root_id: u.root_id.clone().unwrap_or_default(),
                user_id: Some(u.user_id.clone()),
                role: u.role,
            },
            Role::Customer => Actor::Customer {
                customer_id: u.customer_id.clone().unwrap_or_default(),
                user_id: Some(u.user_id.clone()),
            },
        };
        Ctx::new(actor, self.request_id.clone(), self.now_ms)
    }

    /// Refuses unless the user has one of `roles`. (The error is the response to send; handlers
    /// return it as is, so boxing it would only add noise.)
    #[allow(clippy::result_large_err)]
    pub fn require(&self, roles: &[Role]) -> Result<(), Response> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(layout::forbidden(self))
        }
    }

    #[allow(clippy::result_large_err)]
    pub fn check_csrf(&self, token: &str) -> Result<(), Response> {
        // Constant-time enough for a 32-hex-digit token compared once per form post.
        if !token.is_empty()
            && token.len() == self.user.csrf.len()
            && token
                .bytes()
                .zip(self.user.csrf.bytes())
                .all(|(a, b)| a == b)
        {
            Ok(())
        } else {
            Err((
                StatusCode::FORBIDDEN,
                layout::message_page(
                    self.lang,
                    Some(self),
                    t(self.lang, "form_expired_title"),
                    &AppError::new(Code::CsrfFailed).message(self.lang == Lang::Zh),
                ),
            )
                .into_response())
        }
    }
}

impl FromRequestParts<AppState> for Console {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Self::Rejection> {
        match <Console as OptionalFromRequestParts<AppState>>::from_request_parts(parts, st).await?
        {
            Some(c) => Ok(c),
            None => Err(Redirect::to("/console/login").into_response()),
        }
    }
}

impl OptionalFromRequestParts<AppState> for Console {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        st: &AppState,
    ) -> Result<Option<Self>, Self::Rejection> {
        let Some(token) = cookie(parts, SESSION_COOKIE) else {
            return Ok(None);
        };
        let now_ms = st.now_ms();
        let user = identity::session_user(st.db.read(), &token, now_ms)
            .await
            .map_err(|e| super::error::envelope(&e))?;
        let request_id = parts
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.clone())
            .unwrap_or_default();
        let Some(user) = user else {
            return Ok(None);
        };
        let may_top_up = match (&user.role, &user.customer_id) {
            (Role::Customer, Some(cid)) => pc_app::services::topups::may_top_up(st.db.read(), cid)
                .await
                .map_err(|e| super::error::envelope(&e))?,
            _ => false,
        };
        Ok(Some(Console {
            lang: Lang::parse(&user.lang),
            user,
            token,
            request_id,
            now_ms,
            may_top_up,
            test_clock: st.test_clock.is_some(),
        }))
    }
}

/// An urlencoded form. A body that does not parse (another content type, garbage) yields the
/// default value: the handler then refuses it on its missing CSRF token or fields, with a 4xx page.
pub struct ConsoleForm<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Default> axum::extract::FromRequest<S>
    for ConsoleForm<T>
{
    type Rejection = Response;
    async fn from_request(req: axum::extract::Request, st: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, st).await {
            Ok(axum::Form(v)) => Ok(ConsoleForm(v)),
            Err(_) => Ok(ConsoleForm(T::default())),
        }
    }
}

/// The language for a visitor who is not logged in: the `pc_lang` cookie, else Chinese.
pub fn anonymous_lang(parts: &Parts) -> Lang {
    cookie(parts, LANG_COOKIE)
        .map(|v| Lang::parse(&v))
        .unwrap_or(Lang::Zh)
}
