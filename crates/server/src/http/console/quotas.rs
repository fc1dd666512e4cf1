//! The operators' coupon quota page (`/console/quotas`): every quota, the grant form with
//! limits, and per quota its top-up, status and limits. A refused form is shown again with what
//! was typed and the message beside its field (`refill.rs`).

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::coupons::{self, LimitInput, NewQuota, QuotaAdjustment, QuotaQuery};
use pc_app::{AppError, Code};
use pc_domain::coupons::{QuotaLimits, QuotaType};
use pc_domain::party::Role;
use pc_domain::timefmt::parse_utc;
use pc_domain::Money;

use super::coupons::{back_with, limits_summary, order_type_boxes, quota_status_label, ListParams};
use super::i18n::{t, Lang};
use super::layout::{cn_time, internal, page, with_status, yuan, Page};
use super::refill::Refill;
use super::Console;
use crate::http::form::Fields;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/quotas", get(quotas).post(grant))
        .route("/console/quotas/adjust", post(adjust))
}

/// The limit fields of the grant form and of a quota's limits form, filled from `l`, or from
/// what was submitted when `r` is that form refused.
fn limit_fields(lang: Lang, l: &QuotaLimits, r: &Refill) -> Markup {
    let opt = |v: Option<String>| v.unwrap_or_default();
    let order_types: Vec<i64> = match r.submitted() {
        true => r
            .all("order_types")
            .iter()
            .filter_map(|v| v.parse().ok())
            .collect(),
        false => l.order_types.clone(),
    };
    let first = match r.submitted() {
        true => r.selected("first_association_only", "1"),
        false => l.first_association_only,
    };
    html! {
        fieldset.limits {
            legend { (t(lang, "quota_limits")) }
            label { (t(lang, "limit_service_types")) " " input name="service_types" value=(r.value("service_types", &l.service_types.join(","))) placeholder="hws.service.type.ec2,hws.service.type.evs"; }
            label { (t(lang, "limit_products")) " " input name="product_ids" value=(r.value("product_ids", &l.product_ids.join(","))); }
            label { (t(lang, "limit_min_face")) " " input name="min_face" size="8" value=(r.value("min_face", &opt(l.min_face.map(|m| m.to_string())))); }
            label { (t(lang, "limit_max_face")) " " input name="max_face" size="8" value=(r.value("max_face", &opt(l.max_face.map(|m| m.to_string())))); }
            label { (t(lang, "limit_max_count")) " " input name="max_count" size="5" value=(r.value("max_count", &opt(l.max_count.map(|n| n.to_string())))); }
            div { (t(lang, "limit_order_types")) " " (order_type_boxes(lang, &order_types)) }
            label { input type="checkbox" name="first_association_only" value="1" checked[first];
                " " (t(lang, "limit_first_association_only")) }
        }
    }
}

/// The limit fields of a posted form.
fn limit_input(f: &Fields) -> LimitInput {
    LimitInput {
        service_types: f.get("service_types"),
        product_ids: f.get("product_ids"),
        min_face: f.get("min_face"),
        max_face: f.get("max_face"),
        max_count: f.get("max_count"),
        order_types: f.all("order_types").join(","),
        first_association_only: f.get("first_association_only") == "1",
    }
}

/// `GET /console/quotas` (operators): every quota, the grant form, top-up and status per row.
pub async fn quotas(State(st): State<AppState>, c: Console, Query(p): Query<ListParams>) -> Page {
    c.require(&[Role::Operator])?;
    render_quotas(&st, &c, &p.msg, &p.err, &Refill::NONE).await
}

/// The page; `refill` re-shows a refused form (the grant form, or one quota's row forms).
async fn render_quotas(st: &AppState, c: &Console, msg: &str, err: &str, refill: &Refill) -> Page {
    let lang = c.lang;
    let now = c.now_ms;
    let rows = coupons::list_quotas(
        &st.db,
        &c.ctx(),
        QuotaQuery {
            limit: coupons::MAX_PAGE,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?
    .rows;
    let r = refill.on("grant-form");
    let body = html! {
        @if !msg.is_empty() { p.flash.ok #quota-flash { (msg) } }
        @if !err.is_empty() { p.flash.error #quota-error { (err) } }
        form.card #grant-form method="post" action="/console/quotas" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            h2 { (t(lang, "grant_quota")) }
            (r.form_error())
            label { (t(lang, "partner_id")) " " input name="partner_id" required value=(r.value("partner_id", ""))
                aria-invalid=[r.invalid("partner_id")] aria-describedby=[r.described_by("partner_id")]; }
            (r.error_for("partner_id"))
            label { (t(lang, "type")) " " select name="type" aria-invalid=[r.invalid("type")] aria-describedby=[r.described_by("type")] {
                option value="voucher" selected[r.selected("type", "voucher")] { (t(lang, "voucher_quota")) }
                option value="cash" selected[r.selected("type", "cash")] { (t(lang, "cash_quota")) } } }
            (r.error_for("type"))
            label { (t(lang, "amount")) " " input name="amount" required placeholder="1000.00" value=(r.value("amount", ""))
                aria-invalid=[r.invalid("amount")] aria-describedby=[r.described_by("amount")]; }
            (r.error_for("amount"))
            label { (t(lang, "expire_time_optional")) " " input name="expires" placeholder="2027-01-01T00:00:00Z" value=(r.value("expires", ""))
                aria-invalid=[r.invalid("expires")] aria-describedby=[r.described_by("expires")]; }
            (r.error_for("expires"))
            (limit_fields(lang, &QuotaLimits::default(), r))
            p { button.primary #grant type="submit" { (t(lang, "grant")) } }
        }
        p { (super::export::links(lang, "export-quotas", "/console/coupons/quotas", "")) }
        div.scroll { table #all-quotas {
            thead { tr {
                th { (t(lang, "quota_id")) } th { (t(lang, "partner")) } th { (t(lang, "type")) } th { (t(lang, "quota_value")) }
                th { (t(lang, "quota_balance")) } th { (t(lang, "status")) } th { (t(lang, "expire_time")) }
                th { (t(lang, "quota_limits")) } th {}
            } }
            tbody {
                @for q in &rows {
                    tr data-quota=(q.id) {
                        td { code { (q.id) } } td { a href=(format!("/console/partners/{}", q.partner_id)) { code { (q.partner_id) } } }
                        td { (t(lang, if q.quota_type == QuotaType::Cash { "cash_quota" } else { "voucher_quota" })) }
                        td { (yuan(q.quota_value)) } td.quota-balance { (yuan(q.balance)) }
                        td.quota-status data-status=(q.status_at(now)) { (quota_status_label(lang, q.status_at(now))) } td { (cn_time(q.expire_at)) }
                        td.quota-limits {
                            (limits_summary(lang, &q.limits))
                            @if q.parent_quota_id.is_none() {
                                @let lr = refill.on(&format!("set-limits-{}", q.id));
                                details open[lr.submitted()] { summary { (t(lang, "edit_limits")) }
                                    form.set-limits id=(format!("set-limits-{}", q.id)) method="post" action="/console/quotas/adjust" {
                                        input type="hidden" name="csrf" value=(c.user.csrf);
                                        input type="hidden" name="quota_id" value=(q.id);
                                        input type="hidden" name="set_limits" value="1";
                                        (lr.form_error())
                                        (limit_fields(lang, &q.limits, lr))
                                        button type="submit" { (t(lang, "apply")) }
                                    }
                                }
                            }
                        }
                        @let ar = refill.on(&format!("adjust-{}", q.id));
                        td { form.adjust id=(format!("adjust-{}", q.id)) method="post" action="/console/quotas/adjust" {
                            input type="hidden" name="csrf" value=(c.user.csrf);
                            input type="hidden" name="quota_id" value=(q.id);
                            (ar.form_error())
                            @if q.parent_quota_id.is_none() { input name="amount" size="8" placeholder=(t(lang, "top_up")) aria-label=(t(lang, "top_up")) value=(ar.value("amount", ""))
                                aria-invalid=[ar.invalid("amount")] aria-describedby=[ar.described_by("amount")]; }
                            (ar.error_for("amount"))
                            select name="status" aria-label=(t(lang, "status")) aria-invalid=[ar.invalid("status")] aria-describedby=[ar.described_by("status")] {
                                option value="" { "—" }
                                @for s in pc_domain::coupons::quota_status::ALL { option value=(s) selected[ar.selected("status", &s.to_string())] { (quota_status_label(lang, s)) } }
                            }
                            (ar.error_for("status"))
                            button type="submit" { (t(lang, "apply")) }
                        } }
                    }
                }
                @if rows.is_empty() { tr { td colspan="9" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    with_status(
        refill.status(),
        page(lang, Some(c), t(lang, "quotas"), body),
    )
}

/// `POST /console/quotas` (operators): grant a new quota.
pub async fn grant(State(st): State<AppState>, c: Console, body: Bytes) -> Page {
    c.require(&[Role::Operator])?;
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    let lang = c.lang;
    // The field a refusal concerns, known while parsing.
    let mut field = None;
    let res: Result<String, AppError> = async {
        field = Some("type");
        let qt = QuotaType::parse(&f.get("type"))
            .ok_or_else(|| AppError::naming(pc_app::Code::InvalidParameter, "type"))?;
        field = Some("amount");
        let amount = Money::parse(&f.get("amount")).map_err(|_| {
            AppError::invalid_tr(t(Lang::En, "bad_amount"), t(Lang::Zh, "bad_amount"))
        })?;
        field = Some("expires");
        let exp = f.get("expires");
        let expire_at = if exp.is_empty() {
            None
        } else {
            Some(parse_utc(&exp).ok_or_else(|| {
                AppError::invalid_tr(t(Lang::En, "bad_time"), t(Lang::Zh, "bad_time"))
            })?)
        };
        field = None;
        let g = NewQuota {
            partner_id: f.get("partner_id"),
            quota_type: qt,
            amount,
            effective_at: None,
            expire_at,
            limits: limit_input(&f).parse()?,
        };
        let made = coupons::grant_quota(&st.db, c.ctx(), g).await;
        if made
            .as_ref()
            .is_err_and(|e| matches!(e.code, Code::NotFound | Code::QuotaForConsultingPartner))
        {
            field = Some("partner_id");
        }
        Ok(made?.quota_id)
    }
    .await;
    match res {
        Ok(id) => Ok(back_with(
            "/console/quotas",
            "msg",
            &format!("{} {id}", t(lang, "granted")),
        )),
        Err(e) => {
            let refill = Refill::new("grant-form", &f).refused(lang, &e, field);
            render_quotas(&st, &c, "", "", &refill).await
        }
    }
}

/// `POST /console/quotas/adjust` (operators): top up and/or set the status of a quota, or (the
/// limits form, `set_limits=1`) change a top-level quota's limits.
pub async fn adjust(State(st): State<AppState>, c: Console, body: Bytes) -> Page {
    c.require(&[Role::Operator])?;
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    let lang = c.lang;
    let mut field = None;
    let res = async {
        let amount = f.get("amount");
        let status = f.get("status");
        let adjustment = QuotaAdjustment {
            quota_id: f.get("quota_id"),
            limits: if f.get("set_limits") == "1" {
                Some(limit_input(&f).parse()?)
            } else {
                None
            },
            top_up: if amount.is_empty() {
                None
            } else {
                field = Some("amount");
                Some(
                    Money::parse(&amount)
                        .map_err(|e| AppError::invalid_tr(e.to_string(), e.zh()))?,
                )
            },
            status: if status.is_empty() {
                None
            } else {
                field = Some("status");
                let s = status.parse::<i64>();
                Some(s.map_err(|_| AppError::naming(pc_app::Code::InvalidParameter, "status"))?)
            },
        };
        field = None;
        coupons::adjust_quota(&st.db, c.ctx(), adjustment).await
    }
    .await;
    match res {
        Ok(_) => Ok(back_with("/console/quotas", "msg", t(lang, "saved"))),
        Err(e) if e.code == Code::NotFound => Err(internal(lang, e)),
        Err(e) => {
            let form = match f.get("set_limits").as_str() {
                "1" => format!("set-limits-{}", f.get("quota_id")),
                _ => format!("adjust-{}", f.get("quota_id")),
            };
            let refill = Refill::new(form, &f).refused(lang, &e, field);
            render_quotas(&st, &c, "", "", &refill).await
        }
    }
}
