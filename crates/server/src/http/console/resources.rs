//! The customer's yearly/monthly resources (`/console/resources`, 费用中心 > 续费管理 in the
//! vendor's console): what it bought, with status, validity and expiry policy, and per resource
//! the actions of the vendor's API reference through `pc_app::services::subscriptions::resources`, the same
//! functions as the vendor API:
//! - **renew** for a number of months or years: a renewal order pending payment (never paid
//!   behind the customer's back), and the customer is taken to it to choose coupons and a
//!   discount and pay, as for any order;
//! - **auto-renew** on (with the period type of the line that bought it) and off.
//!
//! Every row has a `td.actions` cell holding its forms and the link to unsubscribe it
//! (`console/unsubscribe.rs`).
//! `?order_id=` narrows the list to the resources one order provisioned (the paid order's link).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::subscriptions::renewal::{self, AutoRenew, Renewal};
use pc_app::services::subscriptions::resources::{self, Resource, ResourceQuery};
use pc_app::{AppError, Code};
use pc_domain::orders::{PeriodType, EXPIRE_POLICY_AUTO_RENEW};
use pc_domain::party::Role;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, pager, with_status, CsrfForm, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/resources", get(resources_page))
        .route("/console/resources.csv", get(super::export::resources::csv))
        .route(
            "/console/resources.xlsx",
            get(super::export::resources::xlsx),
        )
        .route("/console/resources/{id}/renew", post(renew_submit))
        .route("/console/resources/{id}/auto-renew", post(auto_renew_on))
        .route(
            "/console/resources/{id}/auto-renew/cancel",
            post(auto_renew_off),
        )
}

const PAGE: i64 = 20;

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    order_id: String,
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    done: String,
}

fn period_label(lang: Lang, period_type: i64) -> &'static str {
    t(
        lang,
        if period_type == PeriodType::Year.code() {
            "period_year"
        } else {
            "period_month"
        },
    )
}

fn policy_label(lang: Lang, r: &Resource) -> Markup {
    html! {
        @if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW {
            span.auto-renew-on { (t(lang, "resources_auto_renew_on")) }
            " (" (t(lang, if r.auto_renew_period.as_deref() == Some("YEAR") { "resources_per_year" } else { "resources_per_month" }))
            @if let Some(n) = r.auto_renew_times { ", " (t(lang, "resources_times_left")) " " (n) }
            ")"
        } @else {
            span.auto-renew-off { (t(lang, "resources_auto_renew_off")) }
        }
    }
}

/// The forms of one resource's `td.actions` cell (`refill`: a refused renewal of it, kept).
fn actions(c: &Console, r: &Resource, refill: &Refill) -> Markup {
    let lang = c.lang;
    let id = enc(&r.id);
    let form = format!("renew-{}", r.id);
    let rr = refill.on(&form);
    let year = match rr.submitted() {
        true => rr.selected("period", "year"),
        false => r.period_type == PeriodType::Year.code(),
    };
    let in_use = r.status == pc_domain::orders::ResourceStatus::InUse.code();
    let closed = r.status == pc_domain::orders::ResourceStatus::Closed.code();
    html! {
        @if !closed {
        form.renew-form id=(form) method="post" action=(format!("/console/resources/{id}/renew")) {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (rr.form_error())
            select name="period" aria-label=(t(lang, "period")) aria-invalid=[rr.invalid("period")] aria-describedby=[rr.described_by("period")] {
                option value="month" selected[!year] { (t(lang, "period_month")) }
                option value="year" selected[year] { (t(lang, "period_year")) }
            }
            input type="number" name="count" value=(rr.value("count", "1")) min="1" max="11" aria-label=(t(lang, "period_count"))
                aria-invalid=[rr.invalid("count")] aria-describedby=[rr.described_by("count")];
            button.renew type="submit" { (t(lang, "resources_renew")) }
            (rr.error_for("period")) (rr.error_for("count"))
        }
            a.unsubscribe href=(format!("/console/resources/{id}/unsubscribe")) { (t(lang, "unsub_action")) }
            @if in_use { " " a.change href=(format!("/console/resources/{id}/change")) { (t(lang, "change_action")) } }
        }
        @if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW {
            form.auto-renew-form method="post" action=(format!("/console/resources/{id}/auto-renew/cancel")) {
                input type="hidden" name="csrf" value=(c.user.csrf);
                button.auto-renew-off type="submit" { (t(lang, "resources_disable_auto_renew")) }
            }
        } @else if in_use {
            form.auto-renew-form method="post" action=(format!("/console/resources/{id}/auto-renew")) {
                input type="hidden" name="csrf" value=(c.user.csrf);
                button.auto-renew-on type="submit" { (t(lang, "resources_enable_auto_renew")) }
            }
        }
    }
}

/// The list; `err` a refused action atop it, `refill` a refused renewal (beside its row's
/// fields, or atop the list when its row is not on this page).
async fn view(
    st: &AppState,
    c: &Console,
    q: &ListQuery,
    (err, status): (Option<AppError>, StatusCode),
    refill: &Refill,
) -> Page {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let en = lang == Lang::En;
    let offset = q.offset.unwrap_or(0).max(0);
    let rq = ResourceQuery::parse(
        None,
        Some(q.order_id.clone()),
        None,
        None,
        Some(offset),
        Some(PAGE),
        None,
        None,
        None,
        None,
    )
    .map_err(|e| internal(lang, e))?;
    let (total, list) = resources::list(&st.db, &c.ctx(), None, &rq)
        .await
        .map_err(|e| internal(lang, e))?;
    let done = match q.done.as_str() {
        "auto_on" => Some("resources_auto_renew_enabled"),
        "auto_off" => Some("resources_auto_renew_disabled"),
        _ => None,
    };
    let row_shown = list
        .iter()
        .any(|r| refill.on(&format!("renew-{}", r.id)).submitted());
    let status = if err.is_none() {
        refill.status()
    } else {
        status
    };
    let body = html! {
        @if let Some(e) = &err { p.flash.error #resource-error { (e.message(lang == Lang::Zh)) } }
        @if let (false, Some(m)) = (row_shown, refill.message()) { p.flash.error #resource-error { (m) } }
        @if let Some(k) = done { p.flash.ok #resource-done { (t(lang, k)) } }
        p.muted { (t(lang, "resources_hint")) }
        @if !q.order_id.is_empty() {
            p #resource-filter { (t(lang, "order_id")) ": " code { (q.order_id) } " · "
                a href="/console/resources" { (t(lang, "resources_show_all")) } }
        }
        p { (t(lang, "total")) ": " span #resource-count { (total) } " · "
            (super::export::links(lang, "export", "/console/resources", &format!("order_id={}", enc(&q.order_id)))) }
        div.scroll { table #resources {
            thead { tr {
                th { (t(lang, "resources_resource")) } th { (t(lang, "catalog_product")) } th { (t(lang, "catalog_service")) }
                th { (t(lang, "status")) } th { (t(lang, "effective_time")) } th { (t(lang, "expire_time")) }
                th { (t(lang, "resources_expiry_policy")) } th { (t(lang, "action")) }
            } }
            tbody {
                @for r in &list {
                    tr data-resource=(r.id) data-status=(r.status) data-policy=(r.expire_policy) data-order=(r.order_id) {
                        td { (r.name) br; small { code { (r.id) } } }
                        td { code { (r.product_id) } " " (if en { r.spec_desc_en.as_deref() } else { r.spec_desc_zh.as_deref() }.unwrap_or(&r.resource_spec))
                            @if let Some(s) = r.size { " × " (s) }
                            br; small.muted { (period_label(lang, r.period_type)) " · " (r.region) } }
                        td { (if en { r.service_type_name_en.as_deref() } else { r.service_type_name_zh.as_deref() }.unwrap_or(&r.service_type_code)) }
                        td.status { (t(lang, &format!("resources_status_{}", r.status))) }
                        td { (cn_time(r.effective_at)) }
                        td.expiry { (cn_time(r.expire_at)) }
                        td.policy { (policy_label(lang, r)) }
                        td.actions { (actions(c, r, refill)) }
                    }
                }
                @if list.is_empty() { tr { td colspan="8" .muted { (t(lang, "empty")) } } }
            }
        } }
        (pager(offset, PAGE, total, &format!("/console/resources?order_id={}&", enc(&q.order_id)), lang))
    };
    with_status(status, page(lang, Some(c), t(lang, "resources"), body))
}

async fn resources_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<ListQuery>,
) -> Page {
    view(&st, &c, &q, (None, StatusCode::OK), &Refill::NONE).await
}

/// Re-renders the list with a failed action's error.
async fn failed(st: &AppState, c: &Console, e: AppError) -> Page {
    let s = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
    view(st, c, &ListQuery::default(), (Some(e), s), &Refill::NONE).await
}

#[derive(Deserialize, Default)]
struct RenewForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    count: String,
}

/// `POST /console/resources/{id}/renew`: a renewal order pending payment, then its page.
async fn renew_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Submitted(f, fields): Submitted<RenewForm>,
) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new(format!("renew-{id}"), &fields);
    let none = ListQuery::default();
    let again = |e: AppError, field: Option<&str>| {
        Refill::new(format!("renew-{id}"), &fields).refused(c.lang, &e, field)
    };
    let period = match f.period.as_str() {
        "month" => PeriodType::Month,
        "year" => PeriodType::Year,
        _ => {
            let r = again(
                AppError::invalid_tr(
                    "period must be month or year",
                    "period 必须是 month（包月）或 year（包年）。",
                ),
                Some("period"),
            );
            return view(&st, &c, &none, (None, StatusCode::OK), &r).await;
        }
    };
    let Ok(num) = f.count.trim().parse::<i64>() else {
        let r = again(
            AppError::invalid_tr("count must be a whole number", "count 必须是整数。"),
            Some("count"),
        );
        return view(&st, &c, &none, (None, StatusCode::OK), &r).await;
    };
    let renewal = Renewal {
        resource_ids: vec![id],
        period,
        num,
        auto_pay: false,
    };
    let res = renewal::renew(&st.db, c.ctx(), renewal).await;
    match res.map(|r| r.order_ids.into_iter().next()) {
        Ok(Some(order_id)) => {
            Ok(Redirect::to(&format!("/console/orders/{}", enc(&order_id))).into_response())
        }
        Ok(None) => Ok(Redirect::to("/console/orders?status=6").into_response()),
        Err(e) => {
            let field = match e.code {
                Code::RenewPeriodUnavailable => Some("period"),
                Code::InvalidParameter => Some("count"),
                _ => None,
            };
            let refill = refill.refused(c.lang, &e, field);
            view(&st, &c, &none, (None, StatusCode::OK), &refill).await
        }
    }
}

/// Auto-renew on (`on`) or off for one resource, then back to the list.
async fn set_auto(st: AppState, c: Console, id: String, csrf: &str, on: bool) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(csrf)?;
    let res = if on {
        let a = AutoRenew {
            resource_id: id,
            ..AutoRenew::default()
        };
        renewal::set_auto_renew(&st.db, c.ctx(), a).await
    } else {
        renewal::cancel_auto_renew(&st.db, c.ctx(), id).await
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!(
            "/console/resources?done={}",
            if on { "auto_on" } else { "auto_off" }
        ))
        .into_response()),
        Err(e) => failed(&st, &c, e).await,
    }
}

async fn auto_renew_on(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    set_auto(st, c, id, &f.csrf, true).await
}

async fn auto_renew_off(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    set_auto(st, c, id, &f.csrf, false).await
}
