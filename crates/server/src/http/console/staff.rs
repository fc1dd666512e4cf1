//! Staff accounts (员工): a partner admin creates read-only staff logins for its own partner,
//! lists its partner's users with status and last login, disables and re-enables staff, and sets
//! a new password for one (typed by the admin; nothing secret is shown back). Operators reach the
//! same page for any partner from the partner detail (`/console/staff?partner=ID`).
//!
//! The list exports as CSV and XLSX (`/console/staff.csv|xlsx`, `export/staff.rs`).
//!
//! The partner is taken from the session for a partner admin (a `partner` field is ignored); only
//! an operator names it. A refusal re-shows the page with the message (4xx) and writes nothing; a
//! success redirects with `?done=…` (a flash). Rules live in `services/partners/staff.rs`.

use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use pc_app::services::{identity, partners::staff};
use pc_app::AppError;
use pc_domain::party::Role;
use serde::Deserialize;

use super::customers::refused;
use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, forbidden, page, with_status, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::http::form::Fields;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/staff", get(list).post(create))
        .route("/console/staff.csv", get(super::export::staff::csv))
        .route("/console/staff.xlsx", get(super::export::staff::xlsx))
        .route("/console/staff/{id}/disable", post(disable))
        .route("/console/staff/{id}/enable", post(enable))
        .route("/console/staff/{id}/password", post(reset_password))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    partner: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

/// The partner whose users the page manages: the admin's own, or the one an operator names.
#[allow(clippy::result_large_err)]
pub(super) fn target_partner(c: &Console, named: Option<&str>) -> Result<Option<String>, Response> {
    match c.user.role {
        Role::PartnerAdmin => Ok(c.user.partner_id.clone()),
        Role::Operator => Ok(named.filter(|p| !p.is_empty()).map(str::to_string)),
        _ => Err(forbidden(c)),
    }
}

/// Where a form returns to: the page, for the operator's partner, with a flash.
fn back(c: &Console, pid: &str, done: &str) -> String {
    match c.user.role {
        Role::Operator => format!("/console/staff?partner={}&done={done}", enc(pid)),
        _ => format!("/console/staff?done={done}"),
    }
}

fn done_key(done: Option<&str>) -> Option<&'static str> {
    match done {
        Some("created") => Some("staff_done_created"),
        Some("disabled") => Some("staff_done_disabled"),
        Some("enabled") => Some("staff_done_enabled"),
        Some("password") => Some("staff_done_password"),
        _ => None,
    }
}

pub async fn list(State(st): State<AppState>, c: Console, Query(q): Query<ListQuery>) -> Page {
    let Some(pid) = target_partner(&c, q.partner.as_deref())? else {
        // An operator picks the partner on its detail page.
        return Ok(Redirect::to("/console/partners").into_response());
    };
    render(&st, &c, &pid, done_key(q.done.as_deref()), &Refill::NONE).await
}

/// The page, with an optional success flash, or a refused form re-shown (with the status of its
/// refusal).
async fn render(
    st: &AppState,
    c: &Console,
    pid: &str,
    done: Option<&'static str>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let staff::Staff { partner, users } = staff::list(&st.db, &c.ctx(), pid)
        .await
        .map_err(|e| refused(c, e))?;
    let operator = c.user.role == Role::Operator;
    let csrf = &c.user.csrf;
    // Every form carries the CSRF token and, for an operator, the partner it acts on.
    let hidden = html! {
        input type="hidden" name="csrf" value=(csrf);
        @if operator { input type="hidden" name="partner" value=(pid); }
    };
    let status = refill.status();
    let r = refill.on("staff-form");
    let body = html! {
        @if operator { p #staff-partner { (t(lang, "staff_partner")) " " a href=(format!("/console/partners/{}", enc(pid))) { (partner.name) } } }
        p.muted { (t(lang, "staff_intro")) }
        @if let Some(k) = done { p.flash.ok #staff-done { (t(lang, k)) } }
        div.card {
            h2 { (t(lang, "staff_new")) }
            form #staff-form method="post" action="/console/staff" {
                (hidden)
                (r.form_error())
                label { (t(lang, "login_name")) " " span.muted { (t(lang, "staff_login_hint")) }
                    input #staff-login name="login" value=(r.value("login", "")) required minlength="3" maxlength="64" autocomplete="off"
                        aria-invalid=[r.invalid("login")] aria-describedby=[r.described_by("login")];
                }
                (r.error_for("login"))
                label { (t(lang, "staff_display_name"))
                    input #staff-display-name name="display_name" value=(r.value("display_name", "")) maxlength="64" autocomplete="off"
                        aria-invalid=[r.invalid("display_name")] aria-describedby=[r.described_by("display_name")];
                }
                (r.error_for("display_name"))
                label { (t(lang, "staff_initial_password")) " " span.muted { (t(lang, "staff_password_hint")) }
                    input #staff-password name="password" type="password" required minlength="8" maxlength="128" autocomplete="new-password"
                        aria-invalid=[r.invalid("password")] aria-describedby=[r.described_by("password")];
                }
                (r.error_for("password"))
                p { button.primary #staff-create type="submit" { (t(lang, "staff_create")) } }
            }
        }
        h2 { (t(lang, "staff_accounts")) }
        @let qs = if operator { format!("partner={}", enc(pid)) } else { String::new() };
        p { (super::export::links(lang, "staff-export", "/console/staff", &qs)) }
        div.scroll { table #staff {
            thead { tr {
                th { (t(lang, "login_name")) } th { (t(lang, "staff_display_name_col")) } th { (t(lang, "staff_role")) }
                th { (t(lang, "status")) } th { (t(lang, "created_at")) } th { (t(lang, "staff_last_login")) } th {}
            } }
            tbody {
                @for u in &users {
                    @let active = u.disabled_at.is_none();
                    tr data-user=(u.user_id) data-login=(u.login) data-role=(u.role.as_str()) data-status=(if active { "active" } else { "disabled" }) {
                        td { code { (u.login) } }
                        td { (u.display_name.clone().unwrap_or_default()) }
                        td { (t(lang, &format!("role_{}", u.role.as_str()))) }
                        td.staff-status { (if active { t(lang, "active") } else { t(lang, "disabled") }) }
                        td { (cn_time(u.created_at)) }
                        td { @match u.last_login_at { Some(at) => (cn_time(at)), None => span.muted { (t(lang, "staff_never")) } } }
                        td {
                            @if u.role == Role::PartnerStaff {
                                @if active {
                                    form.staff-disable method="post" action=(format!("/console/staff/{}/disable", u.user_id))
                                        onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "staff_disable_confirm")))) {
                                        (hidden) button type="submit" { (t(lang, "disable")) }
                                    }
                                } @else {
                                    form.staff-enable method="post" action=(format!("/console/staff/{}/enable", u.user_id)) {
                                        (hidden) button type="submit" { (t(lang, "staff_enable")) }
                                    }
                                }
                                form.staff-reset method="post" action=(format!("/console/staff/{}/password", u.user_id)) {
                                    (hidden)
                                    label { (t(lang, "staff_new_password"))
                                        input name="password" type="password" required minlength="8" maxlength="128" autocomplete="new-password";
                                    }
                                    button type="submit" { (t(lang, "staff_reset")) }
                                }
                            } @else {
                                span.muted { (t(lang, "staff_admin_locked")) }
                            }
                        }
                    }
                }
                @if users.is_empty() { tr { td colspan="7" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    with_status(status, page(lang, Some(c), t(lang, "staff_title"), body))
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    login: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

pub async fn create(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<CreateForm>,
) -> Page {
    let pid = acting_on(&c, &f.csrf, &f.partner)?;
    let login = f.login.trim().to_string();
    // The service's own checks, run first to name the field a refusal concerns.
    let field = if identity::validate_login(&login).is_err() {
        Some("login")
    } else if identity::validate_password(&f.password).is_err() {
        Some("password")
    } else if staff::normalize_display_name(Some(&f.display_name)).is_err() {
        Some("display_name")
    } else {
        None
    };
    let made = staff::create(
        &st.db,
        c.ctx(),
        staff::NewStaff {
            partner_id: Some(pid.clone()),
            login,
            password: f.password,
            display_name: Some(f.display_name),
        },
    )
    .await;
    let refill = |e: &AppError| {
        let field = field.or(matches!(e.code, pc_app::Code::AlreadyExists).then_some("login"));
        Refill::new("staff-form", &fields).refused(c.lang, e, field)
    };
    finish(&st, &c, &pid, made.map(|_| ()), "created", refill).await
}

#[derive(Deserialize, Default)]
pub struct UserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    partner: String,
    #[serde(default)]
    password: String,
}

pub async fn disable(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Page {
    set_disabled(st, c, id, f, true).await
}

pub async fn enable(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Page {
    set_disabled(st, c, id, f, false).await
}

async fn set_disabled(st: AppState, c: Console, id: String, f: UserForm, disabled: bool) -> Page {
    let pid = acting_on(&c, &f.csrf, &f.partner)?;
    let s = staff::StaffState {
        partner_id: Some(pid.clone()),
        user_id: id,
        disabled,
    };
    let r = staff::set_disabled(&st.db, c.ctx(), s).await;
    let done = if disabled { "disabled" } else { "enabled" };
    finish(&st, &c, &pid, r, done, |e| top(c.lang, e)).await
}

pub async fn reset_password(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<UserForm>,
) -> Page {
    let pid = acting_on(&c, &f.csrf, &f.partner)?;
    let reset = staff::PasswordReset {
        partner_id: Some(pid.clone()),
        user_id: id,
        password: f.password,
    };
    let r = staff::reset_password(&st.db, c.ctx(), reset).await;
    finish(&st, &c, &pid, r, "password", |e| top(c.lang, e)).await
}

/// Checks the role and the CSRF token of a form; returns the partner it acts on.
#[allow(clippy::result_large_err)]
fn acting_on(c: &Console, csrf: &str, named: &str) -> Result<String, Response> {
    let pid = target_partner(c, Some(named))?;
    c.check_csrf(csrf)?;
    pid.ok_or_else(|| refused(c, AppError::new(pc_app::Code::NotFound)))
}

/// A refusal of a row's action (disable, enable, a new password): the page's message, atop the
/// staff form.
fn top(lang: Lang, e: &AppError) -> Refill {
    Refill::new("staff-form", &Fields(Vec::new())).refused(lang, e, None)
}

/// After a write: back to the page with a flash, or the page re-shown with the refusal. A user of
/// another partner is "not found" (404 page), never a hint that it exists.
async fn finish(
    st: &AppState,
    c: &Console,
    pid: &str,
    r: Result<(), AppError>,
    done: &str,
    refill: impl FnOnce(&AppError) -> Refill,
) -> Page {
    match r {
        Ok(()) => Ok(Redirect::to(&back(c, pid, done)).into_response()),
        Err(e) if matches!(e.code, pc_app::Code::NotFound | pc_app::Code::AccessDenied) => {
            Err(refused(c, e))
        }
        Err(e) => render(st, c, pid, None, &refill(&e)).await,
    }
}
