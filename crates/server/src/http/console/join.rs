//! The public page behind an invite link or QR code (`/join/{token}`), made for a phone: no login,
//! the partner and association type, the association notice ("I have read and agree" required for
//! resale), then either registering (mobile number, SMS code, account name, password) or logging
//! in with an existing customer account; it ends on a success page, or shows why not and what to do.
//!
//! CSRF: the visitor has no session, so the page sets a random `pc_join` cookie (HttpOnly,
//! SameSite=Strict, path `/join`) and every form carries the same value (double submit); a post
//! without the pair is refused. Rate limits: SMS codes per mobile number in the database (15 an hour,
//! 60 a day), 5 wrong guesses void a code, logins share the console's per-login limiter.

use axum::extract::{FromRequest, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup, DOCTYPE};
use pc_app::services::{customers, customers::invites, identity};
use pc_app::{Actor, AppError, Code, Ctx};
use pc_domain::association::notice_required;
use pc_domain::party::{AssociationType, Role};
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::head;
use super::pages::session_cookie;
use super::refill::Refill;
use super::{anonymous_lang, cookie, Console, ConsoleForm as Form, LANG_COOKIE};
use crate::config::Settings;
use crate::http::form::Fields;
use crate::http::middleware::RequestId;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/join/{token}", get(landing))
        .route("/join/{token}/code", post(request_code))
        .route("/join/{token}/register", post(register))
        .route("/join/{token}/login", post(login))
        .route("/join/{token}/done", get(done))
}

const CSRF_COOKIE: &str = "pc_join";

/// The absolute URL of an invite link: under the configured public base URL (`--public-url`) when
/// there is one; else as the partner reached this server: the `Host` header (only host-name
/// characters kept) and `X-Forwarded-Proto`, else https when cookies are marked Secure.
pub fn join_url(headers: &HeaderMap, settings: &Settings, token: &str) -> String {
    if let Some(base) = &settings.public_url {
        return format!("{base}/join/{token}");
    }
    let host: String = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        .take(255)
        .collect();
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
    {
        Some("https") => "https",
        Some("http") => "http",
        _ if settings.secure_cookies => "https",
        _ => "http",
    };
    format!("{scheme}://{host}/join/{token}")
}

fn ctx(st: &AppState, parts: &Parts) -> Ctx {
    let rid = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    Ctx::new(
        Actor::System {
            name: "invite-page".into(),
        },
        rid,
        st.now_ms(),
    )
}

/// The visitor's language: `?lang=` (remembered in the console's language cookie), else the cookie.
fn visitor_lang(parts: &Parts, query: &LangQuery) -> (Lang, Option<String>) {
    match query.lang.as_deref() {
        Some(l) => {
            let lang = Lang::parse(l);
            let c = format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                lang.tag()
            );
            (lang, Some(c))
        }
        None => (anonymous_lang(parts), None),
    }
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

/// What the forms held, to show them again.
#[derive(Default)]
struct Shown {
    mobile: String,
    account_name: String,
    login: String,
    agreed: bool,
    code_sent_to: Option<String>,
    error: Option<AppError>,
    /// The form (`register-form`, `join-login-form`) and the field the error concerns, when it
    /// concerns one: the message is then beside it, and the block atop gives only the code and
    /// whom to ask (see [`field_of`]).
    at: Option<(&'static str, &'static str)>,
}

/// The field of a refused request for a code (`code`), a registration (`register`) or a login
/// (`login`), the posts' last path segments, that its error concerns: by its code, or for an
/// invalid parameter the input the use case named ([`AppError::field`]). Other refusals (the
/// link, the association) concern no field.
fn field_of(action: &str, e: &AppError) -> Option<(&'static str, &'static str)> {
    use Code::*;
    let register = |field| Some(("register-form", field));
    match (action, e.code) {
        ("code", _) => register("mobile"),
        ("register", VerificationCodeWrong | VerificationCodeExpired | VerificationCodeVoid) => {
            register("code")
        }
        ("register", MobileExists | MobileAccountLimit | MobileInvalid) => register("mobile"),
        ("register", AlreadyExists | LoginNameExists | LoginNameInvalid) => {
            register("account_name")
        }
        ("register", NoticeNotAccepted) => register("agree"),
        ("register", InvalidParameter) => e.field.and_then(register),
        ("login", LoginFailed) => Some(("join-login-form", "password")),
        ("login", NoticeNotAccepted) => Some(("join-login-form", "agree")),
        _ => None,
    }
}

const CSS: &str = r#"
.join{max-width:480px;margin:0 auto;padding:.8rem}.join h1{font-size:1.25rem;margin:.4rem 0 .8rem}.join h2{font-size:1.15rem;margin:.2rem 0}
.join h3{font-size:1rem;margin:0 0 .5rem}.join input:not([type=checkbox]){width:100%;padding:.55rem .6rem;font-size:16px}
.join button{font-size:16px;padding:.6rem 1rem;border-radius:4px}.join button.primary{width:100%}.join .row{display:flex;gap:.5rem;align-items:end}
.join .row label{flex:1}.join .agree{display:flex;gap:.5rem;align-items:flex-start}.join .agree input{margin-top:.3rem}
.join .notice{font-size:.9em;color:#3a3f45}.join #get-code{white-space:nowrap;border:1px solid #c7000b;background:#fff;color:#c7000b}
.join .langs{text-align:right;font-size:.9em}.join .langs a{margin-left:.6rem;color:#646a73}
"#;

fn frame(lang: Lang, title: &str, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (head(lang, title, Some(CSS)))
            body {
                main.join {
                    p.langs { span.brand { (t(lang, "app")) } a href="?lang=zh-CN" { "中文" } a href="?lang=en-US" { "English" } }
                    h1 { (title) }
                    (body)
                }
            }
        }
    };
    Html(markup.into_string())
}

fn type_text(lang: Lang, k: AssociationType) -> &'static str {
    t(lang, &format!("assoc_{}", k.code()))
}

fn render(lang: Lang, target: &invites::JoinTarget, csrf: &str, s: &Shown) -> Html<String> {
    // The message beside its field; the values typed are kept by `Shown`.
    let refill = match (&s.error, s.at) {
        (Some(e), Some((form, field))) => {
            Refill::new(form, &Fields(Vec::new())).refused(lang, e, Some(field))
        }
        _ => Refill::NONE,
    };
    let (rr, rl) = (refill.on("register-form"), refill.on("join-login-form"));
    let token = &target.link.token;
    let kind = target.link.association_type;
    let resale = notice_required(kind);
    let body = html! {
        div.card #join-partner {
            p.muted { (t(lang, "join_invited_by")) }
            h2 #partner-name { (target.partner_name) }
            dl {
                dt { (t(lang, "association_type")) } dd #join-type data-type=(kind.code()) { (type_text(lang, kind)) }
            }
        }
        @if let Some(e) = &s.error {
            div.flash.error #join-error data-code=(e.code.vendor_code()) {
                strong { (t(lang, "join_refused")) }
                // A message that concerns one field is said beside it, not twice.
                @if s.at.is_none() {
                    p #join-reason { (e.message(lang == Lang::Zh)) }
                }
                p.muted { (t(lang, "error_code")) ": " code { (e.code.vendor_code()) } }
                p.muted { (t(lang, "join_contact")) }
            }
        }
        @if let Some(m) = &s.code_sent_to {
            p.flash.ok #code-sent { (t(lang, "code_sent")) " " (m) }
        }
        div.card.notice #join-notice {
            h3 { (t(lang, "join_notice_title")) }
            p { (t(lang, if resale { "notice_resale" } else { "notice_consulting" })) }
            p { (t(lang, "notice_shared")) }
        }
        div.card #join-register {
            h3 { (t(lang, "join_new")) }
            form #register-form method="post" action=(format!("/join/{token}/register")) {
                input type="hidden" name="csrf" value=(csrf);
                div.row {
                    label { (t(lang, "mobile")) input #mobile name="mobile" type="tel" inputmode="numeric" autocomplete="tel" maxlength="16" value=(s.mobile) required
                        aria-invalid=[rr.invalid("mobile")] aria-describedby=[rr.described_by("mobile")]; }
                    button #get-code type="submit" formaction=(format!("/join/{token}/code")) formnovalidate { (t(lang, "get_code")) }
                }
                (rr.error_for("mobile"))
                label { (t(lang, "sms_code")) input #code name="code" inputmode="numeric" autocomplete="one-time-code" maxlength="6"
                    aria-invalid=[rr.invalid("code")] aria-describedby=[rr.described_by("code")]; }
                (rr.error_for("code"))
                label { (t(lang, "account_name_login")) " " span.muted { (t(lang, "account_name_hint")) }
                    input #account-name name="account_name" autocomplete="username" maxlength="32" value=(s.account_name)
                        aria-invalid=[rr.invalid("account_name")] aria-describedby=[rr.described_by("account_name")]; }
                (rr.error_for("account_name"))
                label { (t(lang, "password")) " " span.muted { (t(lang, "password_hint")) }
                    input #password name="password" type="password" autocomplete="new-password"
                        aria-invalid=[rr.invalid("password")] aria-describedby=[rr.described_by("password")]; }
                (rr.error_for("password"))
                @if resale {
                    label.agree { input #agree type="checkbox" name="agree" value="1" required checked[s.agreed]
                        aria-invalid=[rr.invalid("agree")] aria-describedby=[rr.described_by("agree")]; span { (t(lang, "join_agree")) } }
                    (rr.error_for("agree"))
                }
                p { button.primary #register-submit type="submit" { (t(lang, "register_associate")) } }
            }
        }
        div.card #join-existing {
            h3 { (t(lang, "join_existing")) }
            form #join-login-form method="post" action=(format!("/join/{token}/login")) {
                input type="hidden" name="csrf" value=(csrf);
                label { (t(lang, "login_name")) input #login name="login" autocomplete="username" value=(s.login) required; }
                label { (t(lang, "password")) input #login-password name="password" type="password" autocomplete="current-password" required
                    aria-invalid=[rl.invalid("password")] aria-describedby=[rl.described_by("password")]; }
                (rl.error_for("password"))
                @if resale {
                    label.agree { input #agree-login type="checkbox" name="agree" value="1" required checked[s.agreed]
                        aria-invalid=[rl.invalid("agree")] aria-describedby=[rl.described_by("agree")]; span { (t(lang, "join_agree")) } }
                    (rl.error_for("agree"))
                }
                p { button.primary #login-associate type="submit" { (t(lang, "login_associate")) } }
            }
        }
    };
    frame(lang, t(lang, "join_title"), body)
}

fn error_page(lang: Lang, e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let body = html! {
        div.flash.error #join-error data-code=(e.code.vendor_code()) {
            p #join-reason { (e.message(lang == Lang::Zh)) }
            p.muted { (t(lang, "error_code")) ": " code { (e.code.vendor_code()) } }
        }
    };
    (status, frame(lang, t(lang, "join_refused"), body)).into_response()
}

fn with_cookies(mut r: Response, cookies: &[String]) -> Response {
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(c) {
            r.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    r
}

pub async fn landing(
    State(st): State<AppState>,
    parts: Parts,
    Path(token): Path<String>,
    Query(q): Query<LangQuery>,
) -> Response {
    let (lang, lang_cookie) = visitor_lang(&parts, &q);
    let mut cookies: Vec<String> = lang_cookie.into_iter().collect();
    let target = match invites::open(&st.db, &ctx(&st, &parts), &token).await {
        Ok(t) => t,
        Err(e) => return with_cookies(error_page(lang, &e), &cookies),
    };
    let csrf = match cookie(&parts, CSRF_COOKIE).filter(|c| c.len() == 32) {
        Some(c) => c,
        None => {
            let c = pc_domain::ids::random_hex(16);
            cookies.push(format!(
                "{CSRF_COOKIE}={c}; Path=/join; HttpOnly; SameSite=Strict; Max-Age=86400{}",
                if st.settings.secure_cookies {
                    "; Secure"
                } else {
                    ""
                }
            ));
            c
        }
    };
    with_cookies(
        render(lang, &target, &csrf, &Shown::default()).into_response(),
        &cookies,
    )
}

/// The visitor's CSRF value when the form carries the cookie's value, else the refusal page.
#[allow(clippy::result_large_err)]
fn check_csrf(parts: &Parts, lang: Lang, form_value: &str) -> Result<String, Response> {
    match cookie(parts, CSRF_COOKIE) {
        Some(c)
            if !c.is_empty()
                && c.len() == form_value.len()
                && c.bytes()
                    .zip(form_value.bytes())
                    .fold(0u8, |a, (x, y)| a | (x ^ y))
                    == 0 =>
        {
            Ok(c)
        }
        _ => Err(error_page(lang, &AppError::new(Code::CsrfFailed))),
    }
}

/// A form posted from the join page, its CSRF pair checked (else the refusal page is the answer).
pub struct JoinPost {
    parts: Parts,
    lang: Lang,
    csrf: String,
    form: JoinForm,
}

impl FromRequest<AppState> for JoinPost {
    type Rejection = Response;
    async fn from_request(req: Request, st: &AppState) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let lang = anonymous_lang(&parts);
        let Form(form) =
            Form::<JoinForm>::from_request(Request::from_parts(parts.clone(), body), st).await?;
        let csrf = check_csrf(&parts, lang, &form.csrf)?;
        Ok(JoinPost {
            parts,
            lang,
            csrf,
            form,
        })
    }
}

#[derive(Deserialize, Default)]
pub struct JoinForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    account_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    agree: String,
}

/// Shows the page again with what the visitor typed (never the password) and a message.
async fn again(
    st: &AppState,
    parts: &Parts,
    lang: Lang,
    token: &str,
    csrf: &str,
    f: &JoinForm,
    mut s: Shown,
) -> Response {
    let target = match invites::open(&st.db, &ctx(st, parts), token).await {
        Ok(t) => t,
        Err(e) => return error_page(lang, &e),
    };
    s.mobile = f.mobile.trim().to_string();
    s.account_name = f.account_name.trim().to_string();
    s.login = f.login.trim().to_string();
    s.agreed = !f.agree.is_empty();
    // The action is the path's last segment: `/join/{token}/code`, `…/register`, `…/login`.
    let action = parts.uri.path().rsplit('/').next().unwrap_or_default();
    s.at = s.error.as_ref().and_then(|e| field_of(action, e));
    let status = s
        .error
        .as_ref()
        .and_then(|e| StatusCode::from_u16(e.code.status()).ok())
        .unwrap_or(StatusCode::OK);
    (status, render(lang, &target, csrf, &s)).into_response()
}

pub async fn request_code(
    State(st): State<AppState>,
    Path(token): Path<String>,
    JoinPost {
        parts,
        lang,
        csrf,
        form: f,
    }: JoinPost,
) -> Response {
    let r = invites::LinkCodeRequest {
        token: token.clone(),
        mobile: f.mobile.clone(),
        english: lang == Lang::En,
    };
    let shown = match invites::request_code(&st.db, ctx(&st, &parts), r).await {
        Ok(m) => Shown {
            code_sent_to: Some(m),
            ..Shown::default()
        },
        Err(e) => Shown {
            error: Some(e),
            ..Shown::default()
        },
    };
    again(&st, &parts, lang, &token, &csrf, &f, shown).await
}

pub async fn register(
    State(st): State<AppState>,
    Path(token): Path<String>,
    JoinPost {
        parts,
        lang,
        csrf,
        form: f,
    }: JoinPost,
) -> Response {
    let reg = invites::Registration {
        token: token.clone(),
        mobile: f.mobile.clone(),
        code: f.code.clone(),
        account_name: f.account_name.clone(),
        password: f.password.clone(),
        agreed: !f.agree.is_empty(),
        lang: lang.tag().to_string(),
    };
    let result = invites::register(&st.db, ctx(&st, &parts), reg).await;
    finish(&st, &parts, lang, &token, &csrf, &f, result).await
}

/// Logged in and associated: to the success page; else the page again with the reason.
async fn finish(
    st: &AppState,
    parts: &Parts,
    lang: Lang,
    token: &str,
    csrf: &str,
    f: &JoinForm,
    result: pc_app::AppResult<invites::Joined>,
) -> Response {
    match result {
        Ok(j) => {
            let max_age = identity::SESSION_TTL_MS / 1000;
            (
                [(
                    header::SET_COOKIE,
                    session_cookie(st, &j.session_token, max_age),
                )],
                Redirect::to(&format!("/join/{token}/done")),
            )
                .into_response()
        }
        Err(e) => {
            let s = Shown {
                error: Some(e),
                ..Shown::default()
            };
            again(st, parts, lang, token, csrf, f, s).await
        }
    }
}

pub async fn login(
    State(st): State<AppState>,
    Path(token): Path<String>,
    JoinPost {
        parts,
        lang,
        csrf,
        form: f,
    }: JoinPost,
) -> Response {
    let login = f.login.trim().to_string();
    let limiter_key = login.to_ascii_lowercase();
    let result = if !st.login_limiter.allowed(&limiter_key) {
        Err(AppError::new(Code::Throttled))
    } else {
        let a = invites::ExistingAccount {
            token: token.clone(),
            login,
            password: f.password.clone(),
            agreed: !f.agree.is_empty(),
        };
        let joined = invites::associate_existing(&st.db, ctx(&st, &parts), a).await;
        match &joined {
            Err(e) if e.code == Code::LoginFailed => st.login_limiter.record(&limiter_key),
            _ => st.login_limiter.reset(&limiter_key),
        }
        joined
    };
    finish(&st, &parts, lang, &token, &csrf, &f, result).await
}

pub async fn done(
    State(st): State<AppState>,
    c: Option<Console>,
    Path(token): Path<String>,
) -> Response {
    let Some(c) = c else {
        return Redirect::to(&format!("/join/{token}")).into_response();
    };
    let lang = c.lang;
    // Only a customer has an association; anyone else starts again from the invite page.
    if c.user.role != Role::Customer {
        return Redirect::to(&format!("/join/{token}")).into_response();
    }
    let a = match customers::current_association(&st.db, &c.ctx()).await {
        Ok(Some(a)) => a,
        Ok(None) => return Redirect::to(&format!("/join/{token}")).into_response(),
        Err(e) => return error_page(lang, &e),
    };
    let body = html! {
        div.flash.ok #join-done {
            p { (t(lang, "join_done_text")) }
        }
        div.card {
            dl {
                dt { (t(lang, "login_name")) } dd #done-login { (c.user.login) }
                dt { (t(lang, "partner")) } dd #done-partner { (a.partner_name) }
                dt { (t(lang, "association_type")) } dd #done-type data-type=(a.association_type) { (t(lang, &format!("assoc_{}", a.association_type))) }
                dt { (t(lang, "label")) } dd #done-label { (a.label.clone().unwrap_or_default()) }
            }
            p { a.primary #go-console href="/console" { (t(lang, "go_console")) } }
        }
    };
    frame(lang, t(lang, "join_done_title"), body).into_response()
}
