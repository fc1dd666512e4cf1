//! Offline top-up pages (`pc_app::services::topups`): where "top up here" leads.
//!
//! - `/console/topup` (customers that are not resale customers): the operator's remittance
//!   instructions, the balance, the declaration form (amount prefilled from `?amount=`, the order
//!   from `?order_id=` carried when it is the customer's own), and the customer's requests with
//!   their status, the operator's reason for a rejection, and a cancel button while pending. A
//!   resale customer gets 403 and the advice to ask its partner (R3.5).
//! - `/console/topups` (operators): every request, pending first (oldest first: the queue),
//!   a status filter, pages of [`PAGE`], confirm (credits the customer once) and reject with a
//!   reason per pending request, and the remittance instructions customers see.
//!
//! Every form carries the CSRF token. A refused form re-renders its page with the message in the
//! page's language (4xx) and writes nothing; a success redirects with `?done=…` (a flash).

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::funds;
use pc_app::services::topups::{self, Declaration, Rejection, Topup, TopupQuery};
use pc_app::AppError;
use pc_domain::party::Role;
use pc_domain::topups::{self as rules, TopupError, TopupStatus};
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{
    cn_time, enc, internal, message_page, page, pager, with_status, yuan, CsrfForm, Page,
};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/topup", get(mine_page).post(declare_submit))
        .route("/console/topup/{id}/cancel", post(cancel_submit))
        .route("/console/topups", get(ops_page))
        .route("/console/topups.csv", get(super::export::topups::csv))
        .route("/console/topups.xlsx", get(super::export::topups::xlsx))
        .route("/console/topups/{id}/confirm", post(confirm_submit))
        .route("/console/topups/{id}/reject", post(reject_submit))
        .route("/console/topups/instructions", post(instructions_submit))
}

const PAGE: i64 = 20;

pub(super) fn status_label(lang: Lang, s: TopupStatus) -> &'static str {
    t(lang, &format!("topup_status_{}", s.as_str()))
}

fn rule_error(lang: Lang, e: TopupError) -> String {
    t(lang, &format!("topup_err_{}", e.as_str())).to_string()
}

fn offset_of(q: &HashMap<String, String>) -> i64 {
    q.get("offset")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0)
}

/// The `?done=` flash after a successful form: its message key, if it names one.
fn done_key(q: &HashMap<String, String>) -> Option<&'static str> {
    match q.get("done").map(String::as_str) {
        Some("declared") => Some("topup_declared"),
        Some("cancelled") => Some("topup_cancelled_ok"),
        Some("credited") => Some("topup_confirmed_ok"),
        Some("rejected") => Some("topup_rejected_ok"),
        Some("instructions") => Some("saved"),
        _ => None,
    }
}

fn flash(lang: Lang, done: Option<&'static str>, error: &Option<String>) -> Markup {
    html! {
        @if let Some(k) = done { p.flash.ok #topup-done { (t(lang, k)) } }
        @if let Some(e) = error { p.flash.error #topup-error { (e) } }
    }
}

fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

fn order_link(order_id: &Option<String>) -> Markup {
    html! {
        @match order_id {
            Some(o) => a href=(format!("/console/orders/{}", enc(o))) { code { (o) } },
            None => "—",
        }
    }
}

// ----------------------------------------------------------------------------------------------
// The customer's page

#[derive(Deserialize, Default, Clone)]
struct DeclareForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    order_id: String,
}

/// Passes a customer that may top up itself; anyone else gets the
/// 403 page (a resale customer is told to ask its partner).
#[allow(clippy::result_large_err)]
pub(super) fn require_self_topup(c: &Console) -> Result<(), axum::response::Response> {
    c.require(&[Role::Customer])?;
    if !c.may_top_up {
        return Err((
            StatusCode::FORBIDDEN,
            message_page(
                c.lang,
                Some(c),
                t(c.lang, "topup_title"),
                t(c.lang, "topup_resale"),
            ),
        )
            .into_response());
    }
    Ok(())
}

async fn mine_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    require_self_topup(&c)?;
    // Prefill only what will be accepted: an amount in range, one of the customer's orders.
    let amount = q
        .get("amount")
        .and_then(|a| rules::parse_amount(a).ok())
        .map(|m| m.to_string())
        .unwrap_or_default();
    let mut order_id = q
        .get("order_id")
        .map(|o| o.trim().to_string())
        .unwrap_or_default();
    if !order_id.is_empty()
        && !topups::is_my_order(&st.db, &c.ctx(), &order_id)
            .await
            .map_err(|e| internal(c.lang, e))?
    {
        order_id.clear();
    }
    let f = DeclareForm {
        amount,
        order_id,
        ..Default::default()
    };
    mine_view(
        &st,
        &c,
        &f,
        offset_of(&q),
        done_key(&q),
        None,
        &Refill::NONE,
    )
    .await
}

/// The customer's page: the declaration form filled from `f`; `error` a refused cancel, `refill`
/// a refused declaration (its message beside its field).
async fn mine_view(
    st: &AppState,
    c: &Console,
    f: &DeclareForm,
    offset: i64,
    done: Option<&'static str>,
    error: Option<(StatusCode, String)>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let ctx = c.ctx();
    let err = |e: AppError| internal(lang, e);
    let instructions = topups::instructions(&st.db, &ctx).await.map_err(err)?;
    let balance = funds::customer_balance(&st.db, &ctx).await.map_err(err)?;
    let (total, list) = topups::list(
        &st.db,
        &ctx,
        TopupQuery {
            offset,
            limit: PAGE,
            ..Default::default()
        },
    )
    .await
    .map_err(err)?;
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (refill.status(), None),
    };
    let r = refill.on("topup-form");
    let body = html! {
        (flash(lang, done, &message))
        p.muted #topup-intro { (t(lang, "topup_intro")) }
        div.card #topup-instructions {
            h2 { (t(lang, "topup_instructions")) }
            @if instructions.is_empty() {
                p.muted { (t(lang, "topup_no_instructions")) }
            } @else {
                p #topup-instructions-text style="white-space:pre-line" { (instructions) }
            }
        }
        p #topup-balance { (t(lang, "balance")) ": " span #balance-amount { (yuan(balance)) } }
        form.card #topup-form method="post" action="/console/topup" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            h2 { (t(lang, "topup_declare")) }
            (r.form_error())
            label { (t(lang, "topup_amount")) br;
                input name="amount" #topup-amount required inputmode="decimal" placeholder="1000.00" value=(f.amount)
                    aria-invalid=[r.invalid("amount")] aria-describedby=[r.described_by("amount")]; }
            (r.error_for("amount"))
            label { (t(lang, "topup_reference")) br;
                input name="reference" #topup-reference required maxlength="128" size="40" value=(f.reference)
                    aria-invalid=[r.invalid("reference")] aria-describedby=[r.described_by("reference")]; }
            (r.error_for("reference"))
            p.muted { (t(lang, "topup_reference_hint")) }
            @if !f.order_id.is_empty() {
                input type="hidden" name="order_id" value=(f.order_id);
                p #topup-order { (t(lang, "topup_for_order")) ": " (order_link(&Some(f.order_id.clone()))) }
            }
            p { button.primary #topup-submit type="submit" { (t(lang, "topup_submit")) } }
        }
        h2 { (t(lang, "topup_my_requests")) }
        p { (super::export::links(lang, "export", "/console/topups", "")) }
        @if list.is_empty() {
            p.muted #topup-none { (t(lang, "topup_none")) }
        } @else {
            (requests_table(c, &list, false, refill))
            (pager(offset, PAGE, total, "/console/topup?", lang))
        }
    };
    with_status(status, page(lang, Some(c), t(lang, "topup_title"), body))
}

/// The requests as a table; operators see the customer and the decision forms, a customer its
/// cancel button.
fn requests_table(c: &Console, list: &[Topup], operator: bool, refill: &Refill) -> Markup {
    let lang = c.lang;
    html! {
        div.scroll { table #topups {
            thead { tr {
                th { (t(lang, "created_at")) }
                @if operator { th { (t(lang, "customer")) } }
                th { (t(lang, "amount")) } th { (t(lang, "topup_reference")) } th { (t(lang, "order_id")) }
                th { (t(lang, "status")) } th { (t(lang, "topup_decided_at")) } th {}
            } }
            tbody { @for r in list {
                @let pending = r.status == TopupStatus::Pending;
                tr data-topup=(r.id) data-status=(r.status.as_str()) {
                    td { (cn_time(r.created_at)) }
                    @if operator { td { (r.customer_name) br; small { code { (r.customer_id) } } } }
                    td.amount { (yuan(r.amount)) }
                    td { code { (r.reference) } }
                    td { (order_link(&r.order_id)) }
                    td.status { (status_label(lang, r.status))
                        @if let Some(reason) = &r.reject_reason { br; small.reject-reason { (t(lang, "reason")) ": " (reason) } } }
                    td { @if let Some(at) = r.decided_at {
                        (cn_time(at))
                        // Who decided: operators answer for each other's confirmations.
                        @if let (true, Some(by)) = (operator, &r.decided_by) { br; small.decided-by { (by) } }
                    } }
                    td { @if pending {
                        @if operator { (decision_forms(c, r, refill)) } @else {
                            form.topup-cancel method="post" action=(format!("/console/topup/{}/cancel", enc(&r.id)))
                                onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "topup_cancel_confirm")))) {
                                input type="hidden" name="csrf" value=(c.user.csrf);
                                button type="submit" { (t(lang, "topup_cancel")) }
                            }
                        }
                    } }
                }
            } }
        } }
    }
}

fn decision_forms(c: &Console, r: &Topup, refill: &Refill) -> Markup {
    let lang = c.lang;
    let id = enc(&r.id);
    let form = format!("topup-reject-{}", r.id);
    let rr = refill.on(&form);
    html! {
        form.topup-confirm method="post" action=(format!("/console/topups/{id}/confirm"))
            onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "topup_confirm_prompt")))) {
            input type="hidden" name="csrf" value=(c.user.csrf);
            button.primary type="submit" { (t(lang, "topup_confirm")) }
        }
        form.topup-reject id=(form) method="post" action=(format!("/console/topups/{id}/reject")) {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (rr.form_error())
            input name="reason" required maxlength="200" aria-label=(t(lang, "topup_reject_reason")) placeholder=(t(lang, "topup_reject_reason"))
                value=(rr.value("reason", "")) aria-invalid=[rr.invalid("reason")] aria-describedby=[rr.described_by("reason")];
            " " button type="submit" { (t(lang, "topup_reject")) }
            (rr.error_for("reason"))
        }
    }
}

async fn declare_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<DeclareForm>,
) -> Page {
    c.check_csrf(&f.csrf)?;
    require_self_topup(&c)?;
    let lang = c.lang;
    let refill = Refill::new("topup-form", &fields);
    let checked = match rules::parse_amount(&f.amount) {
        Err(e) => Err((e, "amount")),
        Ok(amount) => match rules::reference(&f.reference) {
            Err(e) => Err((e, "reference")),
            Ok(r) => Ok((amount, r)),
        },
    };
    let (amount, reference) = match checked {
        Ok(v) => v,
        Err((e, field)) => {
            let msg = rule_error(lang, e);
            let refill = refill.refused_with(msg, StatusCode::BAD_REQUEST, Some(field));
            return mine_view(&st, &c, &f, 0, None, None, &refill).await;
        }
    };
    let d = Declaration {
        amount,
        reference,
        order_id: Some(f.order_id.clone()),
    };
    let res = topups::declare(&st.db, c.ctx(), d).await;
    match res {
        Ok(_) => Ok(Redirect::to("/console/topup?done=declared").into_response()),
        Err(e) => {
            let field = (e.code == pc_app::Code::TopupDuplicateReference).then_some("reference");
            let refill = refill.refused(lang, &e, field);
            mine_view(&st, &c, &f, 0, None, None, &refill).await
        }
    }
}

async fn cancel_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.check_csrf(&f.csrf)?;
    require_self_topup(&c)?;
    let res = topups::cancel(&st.db, c.ctx(), id).await;
    match res {
        Ok(()) => Ok(Redirect::to("/console/topup?done=cancelled").into_response()),
        Err(e) => {
            let s = status_of(&e);
            let msg = e.message(c.lang == Lang::Zh);
            let f = DeclareForm::default();
            mine_view(&st, &c, &f, 0, None, Some((s, msg)), &Refill::NONE).await
        }
    }
}

// ----------------------------------------------------------------------------------------------
// The operator's page

/// The status filter of `?status=`: a known status, else all.
pub(super) fn status_filter(q: &HashMap<String, String>) -> Option<TopupStatus> {
    q.get("status").and_then(|s| TopupStatus::parse(s))
}

async fn ops_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Operator])?;
    ops_view(&st, &c, &q, None, &Refill::NONE).await
}

/// The operator's page; `error` a refused confirmation, `refill` a refused rejection or
/// instructions form (its message beside its field).
async fn ops_view(
    st: &AppState,
    c: &Console,
    q: &HashMap<String, String>,
    error: Option<(StatusCode, String)>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let ctx = c.ctx();
    let err = |e: AppError| internal(lang, e);
    let filter = status_filter(q);
    let offset = offset_of(q);
    let (total, list) = topups::list(
        &st.db,
        &ctx,
        TopupQuery {
            customer_id: None,
            status: filter,
            offset,
            limit: PAGE,
        },
    )
    .await
    .map_err(err)?;
    let instructions = topups::instructions(&st.db, &ctx).await.map_err(err)?;
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (refill.status(), None),
    };
    let ir = refill.on("topup-instructions-form");
    let current = filter.map(TopupStatus::as_str).unwrap_or("");
    let tabs = std::iter::once(("", t(lang, "all")))
        .chain(TopupStatus::ALL.map(|s| (s.as_str(), status_label(lang, s))));
    let body = html! {
        (flash(lang, done_key(q), &message))
        p.muted { (t(lang, "topup_ops_intro")) }
        nav.tabs #topup-tabs { @for (s, label) in tabs {
            a href=(format!("/console/topups?status={s}")) .active[current == s] data-status=(s) { (label) }
        } }
        p { (t(lang, "total")) ": " span #topup-count { (total) } " · "
            (super::export::links(lang, "export", "/console/topups", &format!("status={current}"))) }
        @if list.is_empty() {
            p.muted #topup-none { (t(lang, "topup_none")) }
        } @else {
            (requests_table(c, &list, true, refill))
        }
        (pager(offset, PAGE, total, &format!("/console/topups?status={current}&"), lang))
        form.card #topup-instructions-form method="post" action="/console/topups/instructions" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            h2 { (t(lang, "topup_instructions")) }
            p.muted { (t(lang, "topup_instructions_hint")) }
            (ir.form_error())
            textarea name="text" rows="5" cols="60" maxlength="1000" aria-label=(t(lang, "topup_instructions"))
                aria-invalid=[ir.invalid("text")] aria-describedby=[ir.described_by("text")] { (ir.value("text", &instructions)) }
            (ir.error_for("text"))
            p { button type="submit" { (t(lang, "save")) } }
        }
    };
    with_status(
        status,
        page(lang, Some(c), t(lang, "topup_ops_title"), body),
    )
}

/// Back to the operator's list after a refused decision, with the message.
async fn ops_refused(st: &AppState, c: &Console, e: AppError) -> Page {
    let msg = e.message(c.lang == Lang::Zh);
    ops_view(
        st,
        c,
        &HashMap::new(),
        Some((status_of(&e), msg)),
        &Refill::NONE,
    )
    .await
}

async fn confirm_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let res = topups::confirm(&st.db, c.ctx(), id).await;
    match res {
        Ok(_) => Ok(Redirect::to("/console/topups?done=credited").into_response()),
        Err(e) => ops_refused(&st, &c, e).await,
    }
}

#[derive(Deserialize, Default)]
struct RejectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

async fn reject_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Submitted(f, fields): Submitted<RejectForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new(format!("topup-reject-{id}"), &fields);
    let none = HashMap::new();
    if let Err(e) = rules::reject_reason(&f.reason) {
        let msg = rule_error(c.lang, e);
        let refill = refill.refused_with(msg, StatusCode::BAD_REQUEST, Some("reason"));
        return ops_view(&st, &c, &none, None, &refill).await;
    }
    let r = Rejection {
        id,
        reason: f.reason,
    };
    let res = topups::reject(&st.db, c.ctx(), r).await;
    match res {
        Ok(()) => Ok(Redirect::to("/console/topups?done=rejected").into_response()),
        // The request may have left the list (no longer pending): the message atop the page.
        Err(e) => ops_refused(&st, &c, e).await,
    }
}

#[derive(Deserialize, Default)]
struct InstructionsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

async fn instructions_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<InstructionsForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new("topup-instructions-form", &fields);
    let none = HashMap::new();
    if let Err(e) = rules::instructions(&f.text) {
        let msg = rule_error(c.lang, e);
        let refill = refill.refused_with(msg, StatusCode::BAD_REQUEST, Some("text"));
        return ops_view(&st, &c, &none, None, &refill).await;
    }
    let res = topups::set_instructions(&st.db, c.ctx(), f.text).await;
    match res {
        Ok(()) => Ok(Redirect::to("/console/topups?done=instructions").into_response()),
        Err(e) => {
            ops_view(
                &st,
                &c,
                &none,
                None,
                &refill.refused(c.lang, &e, Some("text")),
            )
            .await
        }
    }
}
