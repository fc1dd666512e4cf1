//! The console's order pages (the catalogue, where orders are placed, is `catalog.rs`).
//!
//! - `/console/orders`: a customer's own orders, a partner's customers' orders, or (operators)
//!   every order, with tabs for the five statuses of the vendor's help pages (pending review 1, processing 3,
//!   cancelled 4, completed 5, pending payment 6) and all; `/console/orders/{id}` shows one, a
//!   customer pays (coupons and discount, `pay.rs`) or cancels a pending order there, and a paid
//!   order links to the customer's resources.
//!
//! Handlers parse, call `pc_app::services::{catalog, orders}` (the same functions as the vendor
//! API) and redirect after a successful write.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::orders::adjustments::{self, PriceAdjustment};
use pc_app::services::orders::{self, OrderQuery, RawOrderQuery};
use pc_app::services::redirects;
use pc_app::services::subscriptions;
use pc_app::services::subscriptions::refunds::{self, OrderPage};
use pc_app::{AppError, Code};
use pc_domain::orders::{OrderStatus, OrderType, PeriodType};
use pc_domain::party::Role;
use pc_domain::Money;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, pager, with_status, CsrfForm, Page};
use super::pay;
use super::refill::{Refill, Submitted};
use super::Console;
use crate::http::form::Fields;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/orders", get(orders_page))
        .route("/console/orders.csv", get(super::export::orders::csv))
        .route("/console/orders.xlsx", get(super::export::orders::xlsx))
        .route("/console/orders/{id}", get(order_page))
        .route("/console/orders/{id}/pay", post(pay_submit))
        .route("/console/orders/{id}/cancel", post(cancel_submit))
        .route("/console/orders/{id}/adjust", post(adjust_submit))
}

const PAGE: i64 = 20;

pub(super) fn yuan(m: Option<Money>) -> String {
    m.map(super::layout::yuan).unwrap_or_else(|| "—".into())
}

pub(super) fn status_label(lang: Lang, s: i64) -> &'static str {
    match OrderStatus::from_code(s) {
        Some(OrderStatus::PendingReview) => t(lang, "order_status_1"),
        Some(OrderStatus::Processing) => t(lang, "order_status_3"),
        Some(OrderStatus::PendingPayment) => t(lang, "order_status_6"),
        Some(OrderStatus::Completed) => t(lang, "order_status_5"),
        Some(OrderStatus::Cancelled) => t(lang, "order_status_4"),
        _ => t(lang, "order_status_other"),
    }
}

pub(super) fn err_markup(lang: Lang, e: &Option<AppError>) -> Markup {
    html! { @if let Some(e) = e { p.flash.error #order-error { (e.message(lang == Lang::Zh)) } } }
}

pub(super) fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

// ----------------------------------------------------------------------------------------------
// Orders

/// Whether the user has an account orders are read for (the service decides which orders from
/// who acts); a user without one gets the forbidden page.
pub(super) fn may_read_orders(c: &Console) -> bool {
    match c.user.role {
        Role::Operator => true,
        Role::Customer => c.user.customer_id.is_some(),
        Role::PartnerAdmin | Role::PartnerStaff => c.user.partner_id.is_some(),
    }
}

async fn orders_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let lang = c.lang;
    if !may_read_orders(&c) {
        return Err(super::layout::forbidden(&c));
    }
    let status = q.get("status").cloned().unwrap_or_default();
    let offset = q
        .get("offset")
        .and_then(|o| o.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let query = OrderQuery::parse(RawOrderQuery {
        status: Some(status.clone()),
        limit: Some(PAGE.to_string()),
        offset: Some(offset.to_string()),
        ..Default::default()
    })
    .map_err(|e| internal(lang, e))?;
    let scope = super::reseller_orders::OrderScope::from_query(&c, &q);
    let (total, list) = scope
        .list(&st.db, &c, &query)
        .await
        .map_err(|e| internal(lang, e))?;
    let scope_nav = scope.nav(&st.db, &c).await.map_err(|e| internal(lang, e))?;
    let base = scope.link_prefix();
    let en = lang == Lang::En;
    let tabs = [
        ("", "order_tab_all"),
        ("1", "order_status_1"),
        ("3", "order_status_3"),
        ("4", "order_status_4"),
        ("5", "order_status_5"),
        ("6", "order_status_6"),
    ];
    let body = html! {
        (scope_nav)
        nav.tabs #order-tabs { @for (s, key) in tabs {
            a href=(format!("{base}status={s}")) .active[status == s] data-status=(s) { (t(lang, key)) }
        } }
        p { (t(lang, "total")) ": " span #order-count { (total) } " · "
            (super::export::links(lang, "export", "/console/orders", &format!("{}status={}", base.trim_start_matches("/console/orders?"), enc(&status)))) }
        table #orders {
            thead { tr {
                th { (t(lang, "order_id")) } th { (t(lang, "customer")) } th { (t(lang, "catalog_service")) }
                th { (t(lang, "status")) } th { (t(lang, "official_amount")) } th { (t(lang, "amount_paid")) } th { (t(lang, "created_at")) }
            } }
            tbody { @for o in &list {
                tr data-order=(o.order_id) {
                    td { a href=(format!("/console/orders/{}", enc(&o.order_id))) { (o.order_id) } }
                    td { code { (o.customer_id) } }
                    td { (o.service_type_name(en).unwrap_or(&o.service_type_code)) }
                    td.status { (status_label(lang, o.status)) }
                    td { (yuan(Some(o.official_amount))) }
                    td { (yuan(Some(o.amount_after_discount))) }
                    td { (cn_time(o.created_at)) }
                }
            } }
        }
        (pager(offset, PAGE, total, &format!("{base}status={status}&"), lang))
    };
    Ok(page(lang, Some(&c), t(lang, "orders"), body).into_response())
}

pub(super) async fn order_view(
    st: &AppState,
    c: &Console,
    id: &str,
    err: Option<AppError>,
    status: StatusCode,
    pay: Option<&pay::PayState>,
) -> Page {
    order_view_with(st, c, id, (err, status), pay, &Refill::NONE).await
}

/// The order page; `refill` re-shows a refused form of it: the adjustment, or the customer's pay
/// or cancel form with the message in it (beside the order's details when the order can no
/// longer be paid, so that its forms are gone).
async fn order_view_with(
    st: &AppState,
    c: &Console,
    id: &str,
    (err, status): (Option<AppError>, StatusCode),
    pay: Option<&pay::PayState>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let r = refill.on("adjust-form");
    let en = lang == Lang::En;
    if !may_read_orders(c) {
        return Err(super::layout::forbidden(c));
    }
    let OrderPage {
        detail: d,
        refunds: refund_rows,
        adjustment,
    } = refunds::order_page(&st.db, &c.ctx(), id)
        .await
        .map_err(|e| internal(lang, e))?;
    let o = &d.order;
    let customer = c.user.role == Role::Customer;
    let pay_section = if customer && o.status() == Some(OrderStatus::PendingPayment) {
        Some(pay::pay_section(st, c, o, pay, refill).await?)
    } else {
        None
    };
    // A paid new purchase links to the resources it provisioned; other paid orders to them all.
    let resources_link = (customer && o.status() == Some(OrderStatus::Completed)).then(|| {
        if o.order_type == pc_domain::orders::OrderType::New.code() {
            format!("/console/resources?order_id={}", enc(&o.order_id))
        } else {
            "/console/resources".to_string()
        }
    });
    let unsubscribe = o.order_type == OrderType::Unsubscribe.code();
    let base_product = d.lines.iter().find_map(|l| l.base_product_id.clone());
    let pending_order = o.status() == Some(OrderStatus::PendingPayment);
    let operator = c.user.role == Role::Operator;
    let body = html! {
        (err_markup(lang, &err))
        div.card { dl #order-detail {
            dt { (t(lang, "order_id")) } dd #order-id { (o.order_id) }
            dt { (t(lang, "order_type")) } dd #order-type data-type=(o.order_type) { (order_type_label(lang, o.order_type)) }
            dt { (t(lang, "status")) } dd #order-status data-status=(o.status) { (status_label(lang, o.status)) }
            dt { (t(lang, "catalog_service")) } dd { (o.service_type_name(en).unwrap_or(&o.service_type_code)) }
            dt { (t(lang, "official_amount")) } dd { (yuan(Some(o.official_amount))) }
            dt { (t(lang, "discount")) } dd #order-discount { (yuan(Some(o.discount_amount))) }
            dt { (t(lang, "amount_paid")) } dd #order-paid { (yuan(Some(o.amount_after_discount))) }
            dt { (t(lang, "created_at")) } dd { (cn_time(o.created_at)) }
            @if let Some(dl) = o.payment_deadline.filter(|_| o.status() == Some(OrderStatus::PendingPayment)) {
                dt { (t(lang, "payment_deadline")) } dd { (cn_time(dl)) }
            }
            @if let Some(p) = o.paid_at { dt { (t(lang, "paid_at")) } dd { (cn_time(p)) } }
            @if unsubscribe {
                dt { (t(lang, "unsub_consumed")) } dd #order-consumed { (yuan(Some(o.consumed_amount))) }
                dt { (t(lang, "unsub_fee")) } dd #order-fee { (yuan(Some(o.commission_amount))) }
            }
        } }
        @if pay_section.is_none() {
            (refill.on("pay-form").form_error())
            (refill.on("cancel-form").form_error())
        }
        @if let Some(a) = &adjustment {
            div.card #order-adjustment data-amount=(a.amount) {
                p { (t(lang, "adjust_current")) " −" (yuan(Some(a.amount))) " · " (a.reason) " · " small { (cn_time(a.created_at)) } }
                @if operator && pending_order {
                    form #clear-adjustment method="post" action=(format!("/console/orders/{}/adjust", enc(&o.order_id))) {
                        input type="hidden" name="csrf" value=(c.user.csrf);
                        input type="hidden" name="clear" value="1";
                        button type="submit" { (t(lang, "adjust_clear")) }
                    }
                }
            }
        }
        @if operator && pending_order {
            form #adjust-form method="post" action=(format!("/console/orders/{}/adjust", enc(&o.order_id))) {
                input type="hidden" name="csrf" value=(c.user.csrf);
                (r.form_error())
                label { (t(lang, "adjust_amount")) " " input type="text" name="amount" inputmode="decimal" required value=(r.value("amount", ""))
                    aria-invalid=[r.invalid("amount")] aria-describedby=[r.described_by("amount")]; }
                (r.error_for("amount"))
                label { (t(lang, "adjust_reason")) " " input type="text" name="reason" maxlength="200" required value=(r.value("reason", ""))
                    aria-invalid=[r.invalid("reason")] aria-describedby=[r.described_by("reason")]; }
                (r.error_for("reason"))
                button #adjust type="submit" { (t(lang, "adjust_submit")) }
            }
        }
        @if let Some(b) = &base_product {
            p #order-base-product { (t(lang, "change_from")) " " code { (b) } }
        }
        @if unsubscribe || !refund_rows.is_empty() {
            h3 { (t(lang, "refund_details")) }
            p.muted { (t(lang, "refund_amount_hint")) }
            table #refund-details {
                thead { tr { th { (t(lang, "unsub_base_order")) } th { (t(lang, "amount")) } } }
                tbody { @for r in &refund_rows {
                    tr data-base-order=(r.base_order_id) {
                        td { a href=(format!("/console/orders/{}", enc(&r.base_order_id))) { (r.base_order_id) } }
                        td.amount { (r.amount) }
                    }
                } }
            }
        }
        table #order-lines {
            thead { tr { th { (t(lang, "catalog_product")) } th { (t(lang, "period")) } th { (t(lang, "quantity")) } th { (t(lang, "official_amount")) } th { (t(lang, "expire_time")) } } }
            tbody { @for l in &d.lines {
                tr {
                    td { code { (l.product_id) } " " (l.product_spec_desc) }
                    td { (l.period_num.unwrap_or(0)) " " (t(lang, if l.period_type == PeriodType::Year.code() { "period_year" } else { "period_month" })) }
                    td { (l.subscription_num) @if let Some(s) = l.resource_size { " × " (s) } }
                    td { (yuan(Some(l.official_amount))) }
                    td { @if let Some(at) = l.expire_at { (cn_time(at)) } }
                }
            } }
        }
        @if let Some(link) = resources_link {
            p { a #order-resources href=(link) { (t(lang, "resources_view")) } }
        }
        @if let Some(section) = pay_section { (section) }
    };
    let status = if err.is_none() {
        refill.status()
    } else {
        status
    };
    with_status(status, page(lang, Some(c), t(lang, "order_detail"), body))
}

/// The label of an order type (new, renewal, change, unsubscribe, …).
pub(super) fn order_type_label(lang: Lang, order_type: i64) -> &'static str {
    if order_type == OrderType::Unsubscribe.code() {
        t(lang, "order_type_4")
    } else {
        t(lang, &format!("coupon_order_type_{order_type}"))
    }
}

async fn order_page(State(st): State<AppState>, c: Console, Path(id): Path<String>) -> Page {
    order_view(&st, &c, &id, None, StatusCode::OK, None).await
}

#[derive(Deserialize, Default)]
struct AdjustForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    clear: String,
}

/// `POST /console/orders/{id}/adjust` (operators): sets or clears a pending order's price
/// adjustment (609).
async fn adjust_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Submitted(f, fields): Submitted<AdjustForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let amount_bad = f.clear != "1" && Money::parse(f.amount.trim()).is_err();
    let res = if f.clear == "1" {
        adjustments::clear(&st.db, c.ctx(), id.clone()).await
    } else {
        match Money::parse(f.amount.trim()) {
            Ok(amount) => {
                let a = PriceAdjustment {
                    order_id: id.clone(),
                    amount,
                    reason: f.reason,
                };
                adjustments::set(&st.db, c.ctx(), a).await.map(drop)
            }
            Err(_) => Err(AppError::invalid_tr(
                "amount must be an amount in yuan, e.g. 10.50",
                "amount 必须是以元为单位的金额，如 10.50。",
            )),
        }
    };
    match res {
        Ok(()) => Ok(Redirect::to(&format!("/console/orders/{}", enc(&id))).into_response()),
        Err(e) if f.clear == "1" => {
            let s = status_of(&e);
            order_view(&st, &c, &id, Some(e), s, None).await
        }
        Err(e) => {
            let field = amount_bad.then_some("amount");
            let refill = Refill::new("adjust-form", &fields).refused(c.lang, &e, field);
            let none = (None, StatusCode::OK);
            order_view_with(&st, &c, &id, none, None, &refill).await
        }
    }
}

/// `POST /console/orders/{id}/cancel` (customers): a refusal is the order page again with the
/// message in the cancel form.
async fn cancel_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Submitted(f, fields): Submitted<CsrfForm>,
) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    match orders::cancel(&st.db, c.ctx(), id.clone()).await {
        Ok(_) => Ok(Redirect::to(&format!("/console/orders/{}", enc(&id))).into_response()),
        Err(e) => {
            let refill = Refill::new("cancel-form", &fields).refused(c.lang, &e, None);
            let none = (None, StatusCode::OK);
            order_view_with(&st, &c, &id, none, None, &refill).await
        }
    }
}

/// `POST /console/orders/{id}/pay` (customers): `coupon` (0–3, repeated) and `discount`. A
/// refusal is the order page again, the choices kept and the message in the pay form.
async fn pay_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    body: Bytes,
) -> Page {
    c.require(&[Role::Customer])?;
    let fields = Fields::parse(&body);
    let get = |k: &str| fields.get(k);
    c.check_csrf(&get("csrf"))?;
    let mut state = pay::PayState {
        coupons: Vec::new(),
        discount: get("discount"),
        insufficient: false,
    };
    for (k, v) in &fields.0 {
        let v = v.trim();
        if k == "coupon" && !v.is_empty() && !state.coupons.iter().any(|x| x == v) {
            state.coupons.push(v.to_string());
        }
    }
    let lang = c.lang;
    if state.coupons.len() > pay::MAX_COUPONS {
        let e = AppError::with_tr(
            Code::InvalidParameter,
            t(Lang::En, "pay_too_many_coupons"),
            t(Lang::Zh, "pay_too_many_coupons"),
        );
        let refill = Refill::new("pay-form", &fields).refused(lang, &e, None);
        let none = (None, StatusCode::OK);
        return order_view_with(&st, &c, &id, none, Some(&state), &refill).await;
    }
    let req = orders::PayOrder::chosen(&id, state.coupons.clone(), Some(state.discount.clone()));
    match subscriptions::pay(&st.db, c.ctx(), req).await {
        Ok(paid) => {
            let urls = redirects::for_orders_of(&st.db, &c.ctx(), &paid.partner_id)
                .await
                .map_err(|e| internal(lang, e))?;
            let to = urls
                .paid_link(&paid.order_id)
                .unwrap_or_else(|| format!("/console/orders/{}", enc(&paid.order_id)));
            Ok(Redirect::to(&to).into_response())
        }
        Err(e) => {
            state.insufficient = e.code == Code::InsufficientBalance;
            let refill = Refill::new("pay-form", &fields).refused(lang, &e, None);
            let none = (None, StatusCode::OK);
            order_view_with(&st, &c, &id, none, Some(&state), &refill).await
        }
    }
}
