//! Coupons in the console (the vendor's help pages): the partner's *Voucher management* and *Cash coupon
//! management* pages (quotas, issue form for up to 10 customers, issued list with filters,
//! single and batch recall with a confirmation showing the amount, operation records with CSV
//! export), the customer's *My coupons*, and the operators' quota page (grant with limits, top
//! up, status, limits). Partner staff see the partner pages read-only: no issue or recall forms,
//! and the POST routes answer them 403.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::coupons::{self, CouponQuery, IssueRequest, QuotaQuery, RecordQuery};
use pc_app::Code;
use pc_domain::coupons::{coupon_status, QuotaLimits, QuotaType, ORDER_TYPES};
use pc_domain::party::Role;
use pc_domain::timefmt::parse_utc;
use pc_domain::Money;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, with_status, yuan, Page};
use super::refill::Refill;
use super::Console;
use crate::http::form::Fields;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/vouchers", get(vouchers))
        .route("/console/cash-coupons", get(cash_coupons))
        .route("/console/coupons/issue", post(issue))
        .route("/console/coupons/recall", post(recall))
        .route(
            "/console/coupons/issued.csv",
            get(super::export::coupons::csv),
        )
        .route(
            "/console/coupons/issued.xlsx",
            get(super::export::coupons::xlsx),
        )
        .route(
            "/console/coupons/quotas.csv",
            get(super::export::quotas::csv),
        )
        .route(
            "/console/coupons/quotas.xlsx",
            get(super::export::quotas::xlsx),
        )
        .route(
            "/console/coupons/records.csv",
            get(super::export::coupon_records::csv),
        )
        .route(
            "/console/coupons/records.xlsx",
            get(super::export::coupon_records::xlsx),
        )
        .route("/console/my-coupons", get(my_coupons))
}

fn type_page(qt: QuotaType) -> &'static str {
    match qt {
        QuotaType::Voucher => "/console/vouchers",
        QuotaType::Cash => "/console/cash-coupons",
    }
}

pub(super) fn status_label(lang: Lang, s: i64) -> &'static str {
    t(lang, &format!("coupon_status_{s}"))
}

pub(super) fn quota_status_label(lang: Lang, s: i64) -> &'static str {
    t(lang, &format!("quota_status_{s}"))
}

pub(super) fn op_label(lang: Lang, op: i64) -> &'static str {
    t(lang, &format!("coupon_op_{op}"))
}

fn order_type_label(lang: Lang, code: i64) -> &'static str {
    t(lang, &format!("coupon_order_type_{code}"))
}

/// Order-type checkboxes (`name="order_types"`), those in `checked` ticked.
pub(super) fn order_type_boxes(lang: Lang, checked: &[i64]) -> Markup {
    html! {
        span.order-types {
            @for code in ORDER_TYPES {
                label { input type="checkbox" name="order_types" value=(code) checked[checked.contains(&code)];
                    " " (order_type_label(lang, code)) }
            }
        }
    }
}

/// A quota's limits in a list cell (`—` when it has none).
pub(super) fn limits_summary(lang: Lang, l: &QuotaLimits) -> Markup {
    let face = match (l.min_face, l.max_face) {
        (None, None) => None,
        (Some(a), Some(b)) => Some(format!("{} – {}", yuan(a), yuan(b))),
        (Some(a), None) => Some(format!("≥ {}", yuan(a))),
        (None, Some(b)) => Some(format!("≤ {}", yuan(b))),
    };
    let orders: Vec<&str> = l
        .order_types
        .iter()
        .map(|c| order_type_label(lang, *c))
        .collect();
    html! {
        @if *l == QuotaLimits::default() { span.muted { "—" } }
        ul.limits {
            @if !l.service_types.is_empty() { li data-limit="cloud_service_types" { (t(lang, "limit_service_types")) ": " (l.service_types.join(", ")) } }
            @if !l.product_ids.is_empty() { li data-limit="product_ids" { (t(lang, "limit_products")) ": " (l.product_ids.join(", ")) } }
            @if let Some(f) = face { li data-limit="face_value" { (t(lang, "face_value")) ": " (f) } }
            @if let Some(n) = l.max_count { li data-limit="max_count" { (t(lang, "limit_max_count")) ": " (n) } }
            @if !orders.is_empty() { li data-limit="order_types" { (t(lang, "limit_order_types")) ": " (orders.join(", ")) } }
            @if l.first_association_only { li data-limit="first_association_only" { (t(lang, "limit_first_association_only")) } }
        }
    }
}

/// The partner id of a partner user, or a 403 page.
#[allow(clippy::result_large_err)]
pub(super) fn partner_of(c: &Console) -> Result<String, Response> {
    c.require(&[Role::PartnerAdmin, Role::PartnerStaff])?;
    c.user
        .partner_id
        .clone()
        .ok_or_else(|| super::layout::forbidden(c))
}

#[derive(Deserialize, Default)]
pub struct ListParams {
    #[serde(default)]
    status: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    offset: i64,
    #[serde(default)]
    pub(super) msg: String,
    #[serde(default)]
    pub(super) err: String,
}

pub async fn vouchers(State(st): State<AppState>, c: Console, q: Query<ListParams>) -> Page {
    management(&st, &c, &q, QuotaType::Voucher, &Refill::NONE).await
}

pub async fn cash_coupons(State(st): State<AppState>, c: Console, q: Query<ListParams>) -> Page {
    management(&st, &c, &q, QuotaType::Cash, &Refill::NONE).await
}

const PAGE_SIZE: i64 = 20;

/// The management page of one coupon type; `refill` re-shows a refused issue or recall form.
async fn management(
    st: &AppState,
    c: &Console,
    p: &ListParams,
    qt: QuotaType,
    refill: &Refill,
) -> Page {
    partner_of(c)?;
    let lang = c.lang;
    let now = c.now_ms;
    let admin = c.user.role == Role::PartnerAdmin;
    let ctx = c.ctx();
    let quotas = coupons::list_quotas(
        &st.db,
        &ctx,
        QuotaQuery {
            quota_type: Some(qt.code()),
            limit: coupons::MAX_PAGE,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?
    .rows;
    let status = p.status.parse::<i64>().ok();
    let customer = Some(p.customer_id.trim().to_string()).filter(|s| !s.is_empty());
    let offset = p.offset.max(0);
    let issued = coupons::list_coupons(
        &st.db,
        &ctx,
        CouponQuery {
            coupon_type: Some(qt.coupon_type()),
            status,
            customer_id: customer.clone(),
            offset,
            limit: PAGE_SIZE,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let (total, issued) = (issued.total, issued.rows);
    let records = coupons::list_records(
        &st.db,
        &ctx,
        RecordQuery {
            quota_type: Some(qt.code()),
            limit: 50,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?
    .rows;
    let base = type_page(qt);
    let confirm_one = t(lang, "recall_confirm");
    let issued_table = html! {
        div.scroll { table #issued {
            thead { tr {
                th {} th { (t(lang, "coupon_id")) } th { (t(lang, "customer")) } th { (t(lang, "face_value")) }
                th { (t(lang, "coupon_balance")) } th { (t(lang, "status")) } th { (t(lang, "expire_time")) } th {}
            } }
            tbody {
                @for listed in &issued {
                    @let k = &listed.coupon;
                    @let s = k.status_at(now);
                    tr data-coupon=(k.id) data-status=(s) data-balance=(k.balance) {
                        td { @if admin && s == coupon_status::USABLE && k.lock_order_id.is_none() {
                            input.pick type="checkbox" name="coupon_id" value=(k.id) aria-label=(k.id) data-balance=(k.balance);
                        } }
                        td { code { (k.id) } } td { (listed.customer_name) } td { (yuan(k.face_value)) }
                        td.balance { (yuan(k.balance)) @if let Some(a) = k.reclaimed_amount { " " span.reclaimed data-amount=(a) { "(" (t(lang, "recalled_amount")) " " (yuan(a)) ")" } } }
                        td.status { (status_label(lang, s)) }
                        td { (cn_time(k.expire_at)) }
                        td { @if admin && s == coupon_status::USABLE && k.lock_order_id.is_none() {
                            button.recall type="submit" name="one" value=(k.id)
                                data-confirm=(confirm_one.replace("{amount}", &yuan(k.balance))) { (t(lang, "recall")) }
                        } }
                    }
                }
                @if issued.is_empty() { tr { td colspan="8" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    let r = refill.on("issue-form");
    let picked: Vec<i64> = r
        .all("order_types")
        .iter()
        .filter_map(|v| v.parse().ok())
        .collect();
    let body = html! {
        @if !p.msg.is_empty() { p.flash.ok #coupon-flash { (p.msg) } }
        @if !p.err.is_empty() { p.flash.error #coupon-error { (p.err) } }
        h2 { (t(lang, "quotas")) }
        p { (super::export::links(lang, "export-quotas", "/console/coupons/quotas", &format!("type={}", qt.as_str()))) }
        div.scroll { table #quotas {
            thead { tr {
                th { (t(lang, "quota_id")) } th { (t(lang, "quota_value")) } th { (t(lang, "quota_balance")) }
                th { (t(lang, "status")) } th { (t(lang, "effective_time")) } th { (t(lang, "expire_time")) }
                th { (t(lang, "quota_limits")) }
            } }
            tbody {
                @for q in &quotas {
                    tr data-quota=(q.id) {
                        td { code { (q.id) } } td { (yuan(q.quota_value)) } td.quota-balance { (yuan(q.balance)) }
                        td { (quota_status_label(lang, q.status_at(now))) }
                        td { (cn_time(q.effective_at)) } td { (cn_time(q.expire_at)) }
                        td.quota-limits { (limits_summary(lang, &q.limits)) }
                    }
                }
                @if quotas.is_empty() { tr { td colspan="7" .muted { (t(lang, "empty")) } } }
            }
        } }
        @if admin && !quotas.is_empty() {
            h2 { (t(lang, "issue_coupons")) }
            form.card #issue-form method="post" action="/console/coupons/issue" {
                input type="hidden" name="csrf" value=(c.user.csrf);
                input type="hidden" name="type" value=(qt.as_str());
                (r.form_error())
                label { (t(lang, "quota_id")) " "
                    select name="quota_id" aria-invalid=[r.invalid("quota_id")] aria-describedby=[r.described_by("quota_id")] {
                        @for q in &quotas { option value=(q.id) selected[r.selected("quota_id", &q.id)] { (q.id) " (" (yuan(q.balance)) ")" } } } }
                (r.error_for("quota_id"))
                label { (t(lang, "issue_customers_hint")) textarea name="customer_ids" rows="3" cols="60" required
                    aria-invalid=[r.invalid("customer_ids")] aria-describedby=[r.described_by("customer_ids")] { (r.value("customer_ids", "")) } }
                (r.error_for("customer_ids"))
                label { (t(lang, "face_value")) " " input name="face_value" required placeholder="100.00" value=(r.value("face_value", ""))
                    aria-invalid=[r.invalid("face_value")] aria-describedby=[r.described_by("face_value")]; }
                (r.error_for("face_value"))
                label { (t(lang, "expire_time_optional")) " " input name="expire_time" placeholder="2027-01-01T00:00:00Z" value=(r.value("expire_time", ""))
                    aria-invalid=[r.invalid("expire_time")] aria-describedby=[r.described_by("expire_time")]; }
                (r.error_for("expire_time"))
                label { (t(lang, "limit_service_types")) " " input name="cloud_service_types" placeholder=(t(lang, "inherit_quota_limit")) value=(r.value("cloud_service_types", "")); }
                label { (t(lang, "limit_products")) " " input name="product_ids" placeholder=(t(lang, "inherit_quota_limit")) value=(r.value("product_ids", "")); }
                div { (t(lang, "limit_order_types")) " " (order_type_boxes(lang, &picked)) " " span.muted { (t(lang, "inherit_quota_limit")) } }
                (r.error_for("order_types"))
                label { (t(lang, "memo")) " " input name="memo" value=(r.value("memo", "")); }
                p { button.primary #issue type="submit" { (t(lang, "issue")) } }
            }
        }
        h2 { (t(lang, "issued_coupons")) }
        form.filters #coupon-filters method="get" action=(base) {
            label { (t(lang, "status")) " " select name="status" {
                option value="" { (t(lang, "all")) }
                @for s in 1..=5 { option value=(s) selected[status == Some(s)] { (status_label(lang, s)) } }
            } }
            label { (t(lang, "customer_id")) " " input name="customer_id" value=(customer.clone().unwrap_or_default()); }
            button type="submit" { (t(lang, "search")) }
        }
        @if admin {
            form #recall-form method="post" action="/console/coupons/recall"
                onsubmit=(format!("return confirmRecall(this, event.submitter, {})", serde_json::Value::from(t(lang, "batch_recall_confirm")))) {
                input type="hidden" name="csrf" value=(c.user.csrf);
                input type="hidden" name="back" value=(base);
                (refill.on("recall-form").form_error())
                (issued_table)
                p { button #batch-recall type="submit" name="one" value="" { (t(lang, "batch_recall")) } }
            }
        } @else {
            (issued_table)
        }
        p { (super::export::links(lang, "export-issued", "/console/coupons/issued",
            &format!("type={}&status={}&customer_id={}", qt.as_str(), enc(&p.status), enc(&p.customer_id)))) }
        (super::layout::pager(offset, PAGE_SIZE, total,
            &format!("{base}?status={}&customer_id={}&", p.status, enc(&p.customer_id)), lang))
        script { (maud::PreEscaped(RECALL_JS)) }
        h2 { (t(lang, "operation_records")) }
        p { (super::export::links(lang, "export-records", "/console/coupons/records", &format!("type={}", qt.as_str()))) }
        div.scroll { table #records {
            thead { tr {
                th { (t(lang, "operation_time")) } th { (t(lang, "operation_type")) } th { (t(lang, "coupon_id")) }
                th { (t(lang, "customer_id")) } th { (t(lang, "amount")) } th { (t(lang, "result")) } th { (t(lang, "operator")) }
            } }
            tbody {
                @for r in &records {
                    tr data-op=(r.operation_type) data-coupon=(r.coupon_id.clone().unwrap_or_default()) {
                        td { (cn_time(r.at)) } td { (op_label(lang, r.operation_type)) }
                        td { code { (r.coupon_id.clone().unwrap_or_default()) } } td { code { (r.customer_id) } }
                        td.amount { (yuan(r.amount)) }
                        td { @if r.result == 0 { (t(lang, "result_ok")) } @else { (t(lang, "result_failed")) " " (r.remark.clone().unwrap_or_default()) } }
                        td { (r.operator) }
                    }
                }
                @if records.is_empty() { tr { td colspan="7" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    let title = match qt {
        QuotaType::Voucher => "voucher_management",
        QuotaType::Cash => "cash_coupon_management",
    };
    with_status(refill.status(), page(lang, Some(c), t(lang, title), body))
}

/// The confirmation: a single recall names its amount; a batch recall its count and total.
const RECALL_JS: &str = r#"
function confirmRecall(form, one, batchMsg) {
  if (one && one.dataset.confirm) { return confirm(one.dataset.confirm); }
  var picked = form.querySelectorAll('input.pick:checked');
  if (picked.length === 0) { return false; }
  var cents = 0;
  picked.forEach(function (p) { cents += Math.round(parseFloat(p.dataset.balance) * 100); });
  return confirm(batchMsg.replace('{count}', picked.length).replace('{amount}', '¥' + (cents / 100).toLocaleString('en-US', {minimumFractionDigits: 2, maximumFractionDigits: 2})));
}
"#;

pub(super) fn back_with(base: &str, key: &str, msg: &str) -> Response {
    Redirect::to(&format!("{base}?{key}={}", enc(msg))).into_response()
}

/// `POST /console/coupons/issue` (partner admins): up to 10 customers, then back to the page
/// with what happened.
pub async fn issue(State(st): State<AppState>, c: Console, body: Bytes) -> Page {
    c.require(&[Role::PartnerAdmin])?;
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    partner_of(&c)?;
    let lang = c.lang;
    let zh = lang == Lang::Zh;
    let qt = QuotaType::parse(&f.get("type")).unwrap_or(QuotaType::Voucher);
    let base = type_page(qt);
    let refill = Refill::new("issue-form", &f);
    let bad = |key: &str, field: &str| {
        Refill::new("issue-form", &f).refused_with(
            t(lang, key),
            StatusCode::BAD_REQUEST,
            Some(field),
        )
    };
    let customers: Vec<String> = f
        .get("customer_ids")
        .split([',', '\n', '\r', ' ', '，'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let (stc, cc, params) = (&st, &c, &ListParams::default());
    let again = move |refill: Refill| async move { management(stc, cc, params, qt, &refill).await };
    if customers.len() > coupons::MAX_CUSTOMERS_PER_CONSOLE_ISSUE {
        return again(bad("issue_too_many", "customer_ids")).await;
    }
    let Ok(face) = Money::parse(&f.get("face_value")) else {
        return again(bad("bad_amount", "face_value")).await;
    };
    let expire = f.get("expire_time");
    let expire_time = if expire.is_empty() {
        None
    } else {
        match parse_utc(&expire) {
            Some(ms) => Some(ms),
            None => return again(bad("bad_time", "expire_time")).await,
        }
    };
    let memo = Some(f.get("memo")).filter(|m| !m.is_empty());
    let order_types = match coupons::parse_order_types(&f.all("order_types").join(",")) {
        Ok(v) => v,
        Err(e) => return again(refill.refused(lang, &e, Some("order_types"))).await,
    };
    let req = IssueRequest {
        quota_id: f.get("quota_id"),
        customer_ids: customers,
        face_value: face,
        expire_time,
        service_types: coupons::parse_list(&f.get("cloud_service_types")),
        product_ids: coupons::parse_list(&f.get("product_ids")),
        memo,
        order_types,
        ..Default::default()
    };
    let res = coupons::issue(&st.db, c.ctx(), req).await;
    match res {
        Ok(out) if !out.issued.is_empty() => {
            let mut msg = format!("{} {}", t(lang, "issued_n"), out.issued.len());
            for (cid, e) in &out.failed {
                msg.push_str(&format!("; {cid}: {}", e.message(zh)));
            }
            let key = if out.failed.is_empty() { "msg" } else { "err" };
            Ok(back_with(base, key, &msg))
        }
        // Nothing issued: the form again, with why (each customer's reason, or the request's).
        Ok(out) => {
            let why: Vec<String> = (out.failed.iter())
                .map(|(cid, e)| format!("{cid}: {}", e.message(zh)))
                .collect();
            let field = (!why.is_empty()).then_some("customer_ids");
            let refill = refill.refused_with(why.join("; "), StatusCode::BAD_REQUEST, field);
            again(refill).await
        }
        Err(e) => {
            let field = issue_field(e.code);
            again(refill.refused(lang, &e, field)).await
        }
    }
}

/// The issue form's field a refusal of the whole request concerns, where one does.
fn issue_field(code: Code) -> Option<&'static str> {
    match code {
        Code::QuotaInvalid | Code::QuotaInsufficient | Code::QuotaNotInForce => Some("quota_id"),
        Code::FaceValueBelowMin | Code::FaceValueAboveMax | Code::CouponTotalAboveQuota => {
            Some("face_value")
        }
        Code::CouponCountExceeded | Code::CouponSelfIssue => Some("customer_ids"),
        Code::CouponOrderTypesExceedQuota => Some("order_types"),
        _ => None,
    }
}

/// `POST /console/coupons/recall` (partner admins): one coupon (`one`) or every checked one,
/// each recalled on its own; back to the page with the amounts recalled.
pub async fn recall(State(st): State<AppState>, c: Console, body: Bytes) -> Page {
    c.require(&[Role::PartnerAdmin])?;
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    partner_of(&c)?;
    let lang = c.lang;
    let zh = lang == Lang::Zh;
    let base = match f.get("back").as_str() {
        "/console/cash-coupons" => "/console/cash-coupons",
        _ => "/console/vouchers",
    };
    let one = f.get("one");
    let ids = if one.is_empty() {
        f.all("coupon_id")
    } else {
        vec![one]
    };
    let qt = if base == "/console/cash-coupons" {
        QuotaType::Cash
    } else {
        QuotaType::Voucher
    };
    let (stc, cc, params) = (&st, &c, &ListParams::default());
    let again = move |msg: String| async move {
        let refill = Refill::new("recall-form", &Fields(Vec::new()));
        let refill = refill.refused_with(msg, StatusCode::BAD_REQUEST, None);
        management(stc, cc, params, qt, &refill).await
    };
    if ids.is_empty() {
        return again(t(lang, "nothing_selected").to_string()).await;
    }
    let out = match coupons::reclaim_many(&st.db, c.ctx(), ids).await {
        Ok(out) => out,
        Err(e) => return again(e.message(zh)).await,
    };
    let mut total = Money::ZERO;
    let mut done = Vec::new();
    for (id, a) in &out.done {
        total = total.checked_add(*a).unwrap_or(total);
        done.push(format!("{id} {}", yuan(*a)));
    }
    let errors: Vec<String> = out
        .failed
        .iter()
        .map(|(id, e)| format!("{id}: {}", e.message(zh)))
        .collect();
    let mut msg = format!(
        "{} {} · {} ({})",
        t(lang, "recalled_n"),
        done.len(),
        yuan(total),
        done.join(", ")
    );
    if done.is_empty() {
        // Nothing recalled: the page again, with why.
        return again(errors.join("; ")).await;
    }
    if !errors.is_empty() {
        msg.push_str(&format!("; {}", errors.join("; ")));
        return Ok(back_with(base, "err", &msg));
    }
    Ok(back_with(base, "msg", &msg))
}

/// `GET /console/my-coupons` (customers): their coupons; recalled ones are no longer theirs.
pub async fn my_coupons(State(st): State<AppState>, c: Console) -> Page {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let now = c.now_ms;
    let rows = coupons::list_coupons(
        &st.db,
        &c.ctx(),
        CouponQuery {
            limit: coupons::MAX_PAGE,
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?
    .rows
    .into_iter()
    .map(|listed| listed.coupon)
    .collect::<Vec<_>>();
    let body = html! {
        div.scroll { table #my-coupons {
            thead { tr {
                th { (t(lang, "coupon_id")) } th { (t(lang, "type")) } th { (t(lang, "face_value")) }
                th { (t(lang, "coupon_balance")) } th { (t(lang, "status")) } th { (t(lang, "effective_time")) } th { (t(lang, "expire_time")) }
            } }
            tbody {
                @for k in &rows {
                    tr data-coupon=(k.id) {
                        td { code { (k.id) } }
                        td { (t(lang, if k.coupon_type == 4 { "cash_coupon" } else { "voucher" })) }
                        td { (yuan(k.face_value)) } td.balance { (yuan(k.balance)) }
                        td { (status_label(lang, k.status_at(now))) }
                        td { (cn_time(k.effective_at)) } td { (cn_time(k.expire_at)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="7" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    Ok(page(lang, Some(&c), t(lang, "my_coupons"), body).into_response())
}
