//! The distributor → reseller tree in the console: a distributor's resellers, a reseller's
//! delegation of continuous operation to its distributor (《销售拓展任务委托须知》, the vendor's help pages),
//! and the operators' partner detail.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::customers::resellers::{self, ResellerOverview};
use pc_app::services::partners::{self, delegation};
use pc_domain::party::{PartnerType, Role};
use serde::Deserialize;

use super::customers::refused;
use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, forbidden, internal, page, yuan, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/resellers", get(resellers))
        .route("/console/resellers.csv", get(super::export::resellers::csv))
        .route(
            "/console/resellers.xlsx",
            get(super::export::resellers::xlsx),
        )
        .route("/console/delegation", get(delegation_page).post(delegate))
        .route("/console/delegation/cancel", post(cancel))
        .route("/console/partners/{id}", get(partner_detail))
}

/// Refuses unless the user is an administrator of a partner of type `ptype`.
#[allow(clippy::result_large_err)]
pub(super) fn require_admin_of(c: &Console, ptype: PartnerType) -> Result<String, Response> {
    c.require(&[Role::PartnerAdmin])?;
    match (&c.user.partner_id, c.user.partner_type) {
        (Some(pid), Some(t)) if t == ptype => Ok(pid.clone()),
        _ => Err(forbidden(c)),
    }
}

fn type_name(lang: Lang, p: &partners::Partner) -> &'static str {
    t(lang, &format!("type_{}", p.partner_type.as_str()))
}

/// Resellers with their customer count and delegation status. `link` gives each name's target.
fn resellers_table(
    lang: Lang,
    rows: &[ResellerOverview],
    link: impl Fn(&ResellerOverview) -> Option<String>,
) -> Markup {
    html! {
        div.scroll { table #resellers {
            thead { tr {
                th { (t(lang, "name")) } th { (t(lang, "id")) } th { (t(lang, "customer_count")) }
                th { (t(lang, "delegation_status")) } th {}
            } }
            tbody {
                @for r in rows {
                    tr data-reseller=(r.partner.id) data-delegated=(if r.delegated_since.is_some() { "yes" } else { "no" }) {
                        td { (r.partner.name) } td { code { (r.partner.id) } }
                        td.customer-count { (r.customer_count) }
                        td.delegation { @match r.delegated_since {
                            Some(at) => { (t(lang, "delegated")) " · " (cn_time(at)) },
                            None => span.muted { (t(lang, "not_delegated")) },
                        } }
                        td { @if let Some(href) = link(r) { a.view-customers href=(href) { (t(lang, "view_customers")) } } }
                    }
                }
                @if rows.is_empty() { tr { td colspan="5" .muted { (t(lang, "empty")) } } }
            }
        } }
    }
}

/// `GET /console/resellers` (distributor admins): its resellers; a delegated reseller's
/// customers are one click away.
pub async fn resellers(State(st): State<AppState>, c: Console) -> Page {
    require_admin_of(&c, PartnerType::Distributor)?;
    let lang = c.lang;
    let rows = resellers::resellers_overview(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    let body = html! {
        p.muted { (t(lang, "resellers_hint")) " " (super::export::links(lang, "export", "/console/resellers", "")) }
        (resellers_table(lang, &rows, |r| r.delegated_since
            .map(|_| format!("/console/customers?reseller={}", enc(&r.partner.id)))))
    };
    Ok(page(lang, Some(&c), t(lang, "resellers"), body).into_response())
}

/// The reseller's delegation page, with an optional error from a refused form.
/// The delegation page; `error` a refusal atop it, `refill` a refused delegate form.
async fn render_delegation(
    st: &AppState,
    c: &Console,
    error: Option<String>,
    refill: &Refill,
) -> Page {
    require_admin_of(c, PartnerType::Reseller)?;
    let lang = c.lang;
    let history = delegation::history(&st.db, &c.ctx()).await.map_err(|e| {
        if e.code == pc_app::Code::AccessDenied {
            forbidden(c)
        } else {
            internal(lang, e)
        }
    })?;
    let current = history.current();
    let dist = &history.distributor;
    let confirm = serde_json::Value::from(t(lang, "cancel_delegation_confirm")).to_string();
    let body = html! {
        @if let Some(e) = &error { p.flash.error #delegation-error { (e) } }
        div.card #delegation-status data-status=(if current.is_some() { "delegated" } else { "not_delegated" }) {
            dl {
                dt { (t(lang, "distributor")) } dd #distributor { (dist.as_ref().map(|d| d.name.as_str()).unwrap_or("")) }
                dt { (t(lang, "delegation_status")) }
                dd #status { @match current {
                    Some(d) => { (t(lang, "delegated")) " · " (t(lang, "delegated_since")) " " (cn_time(d.created_at)) },
                    None => (t(lang, "not_delegated")),
                } }
            }
            @if current.is_some() {
                form #cancel-delegation-form method="post" action="/console/delegation/cancel"
                    onsubmit=(format!("return confirm({confirm})")) {
                    input type="hidden" name="csrf" value=(c.user.csrf);
                    button #cancel-delegation type="submit" { (t(lang, "cancel_delegation")) }
                }
            }
        }
        @if let (None, Some(d)) = (current, &dist) {
            div.card #delegation-notice {
                h2 { (t(lang, "delegation_notice_title")) }
                p { (t(lang, "delegation_notice_body")) }
                form #delegate-form method="post" action="/console/delegation" {
                    input type="hidden" name="csrf" value=(c.user.csrf);
                    input type="hidden" name="distributor_id" value=(d.id);
                    @let r = refill.on("delegate-form");
                    (r.form_error())
                    label { input #consent type="checkbox" name="consent" value="yes" required checked[r.selected("consent", "yes")]
                        aria-invalid=[r.invalid("consent")] aria-describedby=[r.described_by("consent")]; " " (t(lang, "delegation_consent")) }
                    (r.error_for("consent"))
                    p { button.primary #delegate type="submit" { (t(lang, "delegate")) } }
                }
            }
        }
        h2 { (t(lang, "delegation_history")) }
        div.scroll { table #delegation-history {
            thead { tr {
                th { (t(lang, "delegated_since")) } th { (t(lang, "actor")) }
                th { (t(lang, "cancelled_at")) } th { (t(lang, "actor")) }
            } }
            tbody {
                @for d in &history.delegations {
                    tr data-delegation=(d.id) data-status=(if d.is_active() { "active" } else { "cancelled" }) {
                        td { (cn_time(d.created_at)) } td { (d.created_by) }
                        td { @match d.cancelled_at { Some(at) => (cn_time(at)), None => span.muted { (t(lang, "current")) } } }
                        td { (d.cancelled_by.clone().unwrap_or_default()) }
                    }
                }
                @if history.delegations.is_empty() { tr { td colspan="4" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    let status = if error.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        refill.status()
    };
    Ok((status, page(lang, Some(c), t(lang, "delegation"), body)).into_response())
}

/// `GET /console/delegation` (reseller admins): status, the notice with its consent checkbox,
/// cancel, history.
pub async fn delegation_page(State(st): State<AppState>, c: Console) -> Page {
    render_delegation(&st, &c, None, &Refill::NONE).await
}

#[derive(Deserialize, Default)]
pub struct DelegateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    distributor_id: String,
    #[serde(default)]
    consent: String,
}

/// `POST /console/delegation`: delegate (the consent checkbox must be ticked).
pub async fn delegate(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<DelegateForm>,
) -> Page {
    require_admin_of(&c, PartnerType::Reseller)?;
    c.check_csrf(&f.csrf)?;
    let d = delegation::Delegate {
        distributor_id: f.distributor_id,
        consent: matches!(f.consent.as_str(), "yes" | "on" | "true"),
    };
    match delegation::delegate(&st.db, c.ctx(), d).await {
        Ok(_) => Ok(Redirect::to("/console/delegation").into_response()),
        // The form is shown while nothing is delegated: the consent beside its box.
        Err(e) if e.code == pc_app::Code::DelegationConsentRequired => {
            let refill = Refill::new("delegate-form", &fields);
            let refill = refill.refused(c.lang, &e, Some("consent"));
            render_delegation(&st, &c, None, &refill).await
        }
        Err(e) => {
            let msg = e.message(c.lang == Lang::Zh);
            render_delegation(&st, &c, Some(msg), &Refill::NONE).await
        }
    }
}

#[derive(Deserialize, Default)]
pub struct CancelForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /console/delegation/cancel`: cancel the delegation in effect.
pub async fn cancel(State(st): State<AppState>, c: Console, Form(f): Form<CancelForm>) -> Page {
    require_admin_of(&c, PartnerType::Reseller)?;
    c.check_csrf(&f.csrf)?;
    match delegation::cancel(&st.db, c.ctx()).await {
        Ok(_) => Ok(Redirect::to("/console/delegation").into_response()),
        Err(e) => {
            let msg = e.message(c.lang == Lang::Zh);
            render_delegation(&st, &c, Some(msg), &Refill::NONE).await
        }
    }
}

/// `GET /console/partners/{id}` (operators): type, parent, resellers, customers, balance.
pub async fn partner_detail(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let o = resellers::partner_overview(&st.db, &c.ctx(), &id)
        .await
        .map_err(|e| {
            if e.code == pc_app::Code::NotFound {
                refused(&c, e)
            } else {
                internal(lang, e)
            }
        })?;
    let (p, parent, count, balance, resellers, delegated) = (
        o.partner,
        o.parent,
        o.customer_count,
        o.balance,
        o.resellers,
        o.delegation,
    );
    let body = html! {
        div.card #partner { dl {
            dt { (t(lang, "name")) } dd #partner-name { (p.name) }
            dt { (t(lang, "type")) } dd #partner-type { (type_name(lang, &p)) }
            dt { (t(lang, "id")) } dd { code { (p.id) } }
            dt { (t(lang, "domain_id")) } dd { code { (p.domain_id) } }
            dt { (t(lang, "parent")) } dd #parent { @match &parent {
                Some(q) => a href=(format!("/console/partners/{}", q.id)) { (q.name) },
                None => span.muted { (t(lang, "none")) },
            } }
            @if p.partner_type == PartnerType::Reseller {
                dt { (t(lang, "delegation_status")) } dd #delegation { @match &delegated {
                    Some(d) => { (t(lang, "delegated")) " · " (cn_time(d.created_at)) },
                    None => (t(lang, "not_delegated")),
                } }
            }
            dt { (t(lang, "customer_count")) } dd #customer-count {
                a href=(format!("/console/customers?partner={}", enc(&p.id))) { (count) }
            }
            dt { (t(lang, "balance")) } dd #balance { (yuan(balance)) }
            dt { (t(lang, "staff_nav")) } dd #staff-link {
                a href=(format!("/console/staff?partner={}", enc(&p.id))) { (t(lang, "staff_title")) }
            }
            dt { (t(lang, "created_at")) } dd { (cn_time(p.created_at)) }
        } }
        @if p.partner_type == PartnerType::Distributor {
            h2 { (t(lang, "resellers")) }
            (resellers_table(lang, &resellers, |r| Some(format!("/console/customers?partner={}", enc(&r.partner.id)))))
        }
    };
    Ok(page(lang, Some(&c), t(lang, "partner_detail"), body).into_response())
}
