//! Unsubscribing a resource from the customer console (费用中心 > 退订管理 in the vendor's
//! console): `GET /console/resources/{id}/unsubscribe?type=1|2` shows what the refund would be,
//! period by period (the plan of `pc_app::services::subscriptions::refunds::plan`, the function the unsubscribe
//! itself uses), and `POST` carries it out through `refunds::unsubscribe`, the same function as the
//! vendor API's `cancel_resources_subscription`, then opens the unsubscribe order.
//!
//! When a handling fee applies the customer must tick "I confirm this unsubscription charges a
//! handling fee" (R11.10); the server checks the tick against its own plan at the moment of the
//! request, so a preview that went stale (the 5-day window closed meanwhile) cannot charge a fee
//! the customer did not see.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use maud::html;
use pc_app::services::subscriptions::refunds::{self, UnsubscribeRequest};
use pc_app::{AppError, Code};
use pc_domain::party::Role;
use pc_domain::refunds::UnsubscribeType;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, with_status, yuan, Page};
use super::refill::{Refill, Submitted};
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/console/resources/{id}/unsubscribe",
        get(unsubscribe_page).post(unsubscribe_submit),
    )
}

#[derive(Deserialize, Default)]
struct TypeQuery {
    #[serde(default, rename = "type")]
    kind: String,
}

fn kind_of(s: &str) -> UnsubscribeType {
    if s.trim() == "2" {
        UnsubscribeType::RenewalsOnly
    } else {
        UnsubscribeType::ResourceAndRenewals
    }
}

/// The preview (and, with `err`, the form again with what went wrong).
async fn view(
    st: &AppState,
    c: &Console,
    id: &str,
    kind: UnsubscribeType,
    refill: &Refill,
) -> Page {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let plan = refunds::preview(&st.db, &c.ctx(), id, kind).await;
    let status = match &plan {
        Err(e) if refill.message().is_none() => {
            StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST)
        }
        _ => refill.status(),
    };
    let r = refill.on("unsubscribe-form");
    let action = format!("/console/resources/{}/unsubscribe", enc(id));
    let body = html! {
        nav.tabs #unsubscribe-types {
            a href=(format!("{action}?type=1")) .active[kind == UnsubscribeType::ResourceAndRenewals] { (t(lang, "unsub_type_1")) }
            a href=(format!("{action}?type=2")) .active[kind == UnsubscribeType::RenewalsOnly] { (t(lang, "unsub_type_2")) }
        }
        @match &plan {
            Err(e) => {
                // No form to show a refused one again: its message stands atop the page.
                @if let Some(m) = refill.message() { p.flash.error #unsubscribe-error { (m) } }
                p.flash.error #unsubscribe-refused { (e.message(lang == Lang::Zh)) }
                p { a href="/console/resources" { (t(lang, "resources_show_all")) } }
            }
            Ok(p) => {
                div.card { dl {
                    dt { (t(lang, "resources_resource")) } dd { (p.resource.name) " " small { code { (p.resource.id) } } }
                    dt { (t(lang, "expire_time")) } dd { (cn_time(p.resource.expire_at)) }
                } }
                @if p.no_reason { p.flash.ok #unsubscribe-no-reason { (t(lang, "unsub_no_reason")) } }
                table #refund-plan {
                    thead { tr {
                        th { (t(lang, "unsub_base_order")) } th { (t(lang, "unsub_period")) } th { (t(lang, "unsub_paid")) }
                        th { (t(lang, "unsub_consumed")) } th { (t(lang, "unsub_fee")) } th { (t(lang, "unsub_refund")) }
                    } }
                    tbody {
                        @for x in &p.periods {
                            tr data-order=(x.base_order_id) {
                                td { a href=(format!("/console/orders/{}", enc(&x.base_order_id))) { (x.base_order_id) } }
                                td { (cn_time(x.start)) " – " (cn_time(x.end))
                                    @if x.future { " " small.muted { (t(lang, "unsub_not_started")) } } }
                                td { (yuan(x.paid)) } td { (yuan(x.consumed)) } td { (yuan(x.fee)) } td { (yuan(x.refund)) }
                            }
                        }
                        tr.total { td colspan="3" { (t(lang, "total")) } td #plan-consumed { (yuan(p.consumed())) }
                            td #plan-fee { (yuan(p.fee())) } td #plan-refund { (yuan(p.refund())) } }
                    }
                }
                p.muted { (t(lang, "unsub_refund_to")) }
                @if kind == UnsubscribeType::ResourceAndRenewals { p.warning { (t(lang, "unsub_warning")) } }
                form #unsubscribe-form method="post" action=(action) {
                    input type="hidden" name="csrf" value=(c.user.csrf);
                    input type="hidden" name="type" value=(kind.code());
                    (r.form_error())
                    label { (t(lang, "unsub_reason_type")) " "
                        select name="reason_type" aria-invalid=[r.invalid("reason_type")] aria-describedby=[r.described_by("reason_type")] {
                            @for n in 1..=5 { option value=(n) selected[r.value("reason_type", "5") == n.to_string()] { (t(lang, &format!("unsub_reason_{n}"))) } }
                        }
                    }
                    (r.error_for("reason_type"))
                    label { (t(lang, "unsub_reason")) " " input type="text" name="reason" maxlength="512" value=(r.value("reason", ""))
                        aria-invalid=[r.invalid("reason")] aria-describedby=[r.described_by("reason")]; }
                    (r.error_for("reason"))
                    @if p.fee().is_positive() {
                        label #confirm-fee-label { input type="checkbox" name="confirm_fee" value="yes" checked[r.selected("confirm_fee", "yes")]
                            aria-invalid=[r.invalid("confirm_fee")] aria-describedby=[r.described_by("confirm_fee")]; " " (t(lang, "unsub_confirm_fee")) }
                        (r.error_for("confirm_fee"))
                    }
                    button #unsubscribe type="submit" { (t(lang, "unsub_submit")) }
                }
            }
        }
    };
    with_status(status, page(lang, Some(c), t(lang, "unsub_title"), body))
}

async fn unsubscribe_page(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Query(q): Query<TypeQuery>,
) -> Page {
    view(&st, &c, &id, kind_of(&q.kind), &Refill::NONE).await
}

#[derive(Deserialize, Default)]
struct UnsubscribeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    reason_type: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm_fee: String,
}

/// `POST`: unsubscribes (the use case checks the fee tick against its plan at this instant),
/// then opens the new order.
async fn unsubscribe_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Submitted(f, fields): Submitted<UnsubscribeForm>,
) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    let lang = c.lang;
    let kind = kind_of(&f.kind);
    let reason_type = f.reason_type.trim().parse::<i64>().ok();
    let refill = Refill::new("unsubscribe-form", &fields);
    let req = match UnsubscribeRequest::parse(
        vec![id.clone()],
        Some(kind.code()),
        reason_type,
        Some(f.reason.clone()),
    ) {
        Ok(r) => UnsubscribeRequest {
            fee_confirmed: Some(f.confirm_fee == "yes"),
            ..r
        },
        Err(e) => {
            // The reason's type, else the reason itself.
            let field = match reason_type {
                Some(1..=5) => "reason",
                _ => "reason_type",
            };
            return view(&st, &c, &id, kind, &refill.refused(lang, &e, Some(field))).await;
        }
    };
    let res = refunds::unsubscribe(&st.db, c.ctx(), req).await;
    match res {
        Ok(ids) => match ids.first() {
            Some(o) => Ok(Redirect::to(&format!("/console/orders/{}", enc(o))).into_response()),
            None => Err(internal(lang, AppError::internal("no unsubscribe order"))),
        },
        Err(e) => {
            let field = (e.code == Code::FeeNotConfirmed).then_some("confirm_fee");
            view(&st, &c, &id, kind, &refill.refused(lang, &e, field)).await
        }
    }
}
