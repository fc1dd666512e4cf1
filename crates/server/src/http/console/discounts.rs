//! The console's discount pages (`/console/discounts`).
//!
//! - A partner admin grants one of its customers a discount on every product or on one product,
//!   lists its discounts (in force, or with the revoked ones), exports the list as CSV and XLSX
//!   (`/console/discounts.csv|xlsx?revoked=`, `export/discounts.rs`) and revokes them.
//! - An operator sets the lowest ratio partners may grant (the discount floor).
//!
//! Handlers call `pc_app::services::orders` (`grant_discount`, `revoke_discount`,
//! `list_discounts`, `set_discount_floor`), the same functions as the native API.
//!
//! **Entering a ratio (decision).** People write discounts the way they say them: "8.5折"
//! (Chinese: pay 85%), "85%", or the API's "0.85". All three are accepted; a bare number
//! above 1 ("85", "8.5") is refused as ambiguous, with a hint naming the three forms.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::catalog;
use pc_app::services::customers;
use pc_app::services::orders::{self, DiscountGrant, DiscountQuery};
use pc_app::{AppError, Code};
use pc_domain::orders::Ratio;
use pc_domain::party::Role;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, pager, with_status, CsrfForm, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/discounts", get(discounts_page).post(grant_submit))
        .route("/console/discounts.csv", get(super::export::discounts::csv))
        .route(
            "/console/discounts.xlsx",
            get(super::export::discounts::xlsx),
        )
        .route("/console/discounts/floor", post(floor_submit))
        .route("/console/discounts/{id}/revoke", post(revoke_submit))
}

const PAGE: i64 = 20;
/// How many of the partner's customers the grant form suggests (newest associations first);
/// any other customer id can still be typed.
const SUGGESTED_CUSTOMERS: i64 = 100;

/// A product's name in the page's language, from the catalogue's `products`; its id if the
/// catalogue does not have it.
pub(super) fn product_name(products: &[catalog::Product], id: &str, en: bool) -> String {
    products
        .iter()
        .find(|p| p.product_id == id)
        .map(|p| p.name(en).to_string())
        .unwrap_or_else(|| id.to_string())
}

/// A decimal with at most `decimals` places as an integer scaled by 10^decimals.
fn scaled(s: &str, decimals: u32) -> Option<i64> {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty()
        || int.len() > 6
        || frac.len() > decimals as usize
        || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let frac = format!("{frac:0<width$}", width = decimals as usize);
    Some(int.parse::<i64>().ok()? * 10_i64.pow(decimals) + frac.parse::<i64>().unwrap_or(0))
}

/// Parses "8.5折", "85%" or "0.85" (see the module doc).
pub fn parse_ratio(input: &str) -> Option<Ratio> {
    let s = input.trim();
    if let Some(x) = s.strip_suffix('折') {
        return Ratio::from_bp(scaled(x.trim(), 3)?);
    }
    if let Some(x) = s.strip_suffix('%').or_else(|| s.strip_suffix('％')) {
        return Ratio::from_bp(scaled(x.trim(), 2)?);
    }
    Ratio::parse(s)
}

/// "8.5折" in Chinese, "85% of list price" in English.
fn ratio_label(lang: Lang, r: Ratio) -> String {
    let trim = |v: i64, decimals: usize| {
        let p = 10_i64.pow(decimals as u32);
        let frac = format!("{:0width$}", v % p, width = decimals);
        let frac = frac.trim_end_matches('0');
        if frac.is_empty() {
            format!("{}", v / p)
        } else {
            format!("{}.{frac}", v / p)
        }
    };
    match lang {
        Lang::Zh => format!("{}折", trim(r.bp(), 3)),
        Lang::En => format!("{}% {}", trim(r.bp(), 2), t(lang, "disc_of_list_price")),
    }
}

fn err_markup(lang: Lang, e: &Option<AppError>) -> Markup {
    html! { @if let Some(e) = e { p.flash.error #discount-error { (e.message(lang == Lang::Zh)) } } }
}

fn status_of(e: &AppError) -> StatusCode {
    StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST)
}

#[derive(Deserialize, Default)]
struct ListParams {
    #[serde(default)]
    revoked: String,
    #[serde(default)]
    offset: String,
}

async fn discounts_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<ListParams>,
) -> Page {
    c.require(&[Role::PartnerAdmin, Role::Operator])?;
    view(&st, &c, &q, None, &Refill::NONE).await
}

/// Renders the page for the user's role; with the error of a refused form, answered with its
/// status.
async fn view(
    st: &AppState,
    c: &Console,
    q: &ListParams,
    err: Option<AppError>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let floor = orders::current_discount_floor(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    let body = if c.user.role == Role::Operator {
        html! {
            (err_markup(lang, &err))
            div.card {
                p { (t(lang, "disc_floor")) ": " strong #discount-floor data-ratio=(floor) { (ratio_label(lang, floor)) } }
                p { (t(lang, "disc_floor_hint")) }
                form #floor-form method="post" action="/console/discounts/floor" {
                    input type="hidden" name="csrf" value=(c.user.csrf);
                    @let r = refill.on("floor-form");
                    (r.form_error())
                    label { (t(lang, "disc_new_floor")) " " input name="ratio" required placeholder=(t(lang, "disc_ratio_placeholder"))
                        value=(r.value("ratio", "")) aria-invalid=[r.invalid("ratio")] aria-describedby=[r.described_by("ratio")]; }
                    (r.error_for("ratio"))
                    button type="submit" { (t(lang, "save")) }
                }
            }
        }
    } else {
        partner_body(st, c, q, floor, &err, refill.on("grant-discount-form")).await?
    };
    let html = page(lang, Some(c), t(lang, "discounts"), body);
    match &err {
        None => with_status(refill.status(), html),
        Some(e) => Err((status_of(e), html).into_response()),
    }
}

async fn partner_body(
    st: &AppState,
    c: &Console,
    q: &ListParams,
    floor: Ratio,
    err: &Option<AppError>,
    r: &Refill,
) -> Result<Markup, axum::response::Response> {
    let lang = c.lang;
    let en = lang == Lang::En;
    let my_customers = customers::suggested_customers(&st.db, &c.ctx(), SUGGESTED_CUSTOMERS)
        .await
        .map_err(|e| internal(lang, e))?;
    let products = catalog::products(&st.db, &c.ctx(), false)
        .await
        .map_err(|e| internal(lang, e))?;
    let revoked = q.revoked == "1";
    let offset = q.offset.parse::<i64>().unwrap_or(0).max(0);
    let query = DiscountQuery {
        include_revoked: revoked,
        offset,
        limit: PAGE,
        ..Default::default()
    };
    let (total, list) = orders::list_discounts(&st.db, &c.ctx(), &query)
        .await
        .map_err(|e| internal(lang, e))?;
    let product_name = |id: &str| product_name(&products, id, en);
    Ok(html! {
        (err_markup(lang, err))
        div.card {
            p { (t(lang, "disc_floor")) ": " strong #discount-floor data-ratio=(floor) { (ratio_label(lang, floor)) } }
            form #grant-discount-form method="post" action="/console/discounts" {
                input type="hidden" name="csrf" value=(c.user.csrf);
                (r.form_error())
                label { (t(lang, "customer")) " "
                    input name="customer_id" list="my-customers" required autocomplete="off" value=(r.value("customer_id", ""))
                        aria-invalid=[r.invalid("customer_id")] aria-describedby=[r.described_by("customer_id")];
                }
                (r.error_for("customer_id"))
                datalist #my-customers { @for cu in &my_customers {
                    option value=(cu.customer_id) { (cu.account_name) }
                } }
                label { (t(lang, "catalog_product")) " "
                    select name="product_id" aria-invalid=[r.invalid("product_id")] aria-describedby=[r.described_by("product_id")] {
                        option value="" { (t(lang, "disc_all_products")) }
                        @for p in &products { option value=(p.product_id) selected[r.selected("product_id", &p.product_id)] { (p.name(en)) " (" (p.product_id) ")" } }
                    }
                }
                (r.error_for("product_id"))
                label { (t(lang, "disc_ratio")) " " input name="ratio" required placeholder=(t(lang, "disc_ratio_placeholder"))
                    value=(r.value("ratio", "")) aria-invalid=[r.invalid("ratio")] aria-describedby=[r.described_by("ratio")]; }
                (r.error_for("ratio"))
                button #grant-discount type="submit" { (t(lang, "disc_grant")) }
            }
        }
        nav.tabs #discount-tabs {
            a href="/console/discounts" .active[!revoked] { (t(lang, "disc_in_force")) }
            a href="/console/discounts?revoked=1" .active[revoked] { (t(lang, "disc_with_revoked")) }
        }
        p { (t(lang, "total")) ": " span #discount-count { (total) } " · "
            (super::export::links(lang, "discounts-export", "/console/discounts", if revoked { "revoked=1" } else { "" })) }
        div.scroll { table #discounts {
            thead { tr {
                th { (t(lang, "customer")) } th { (t(lang, "catalog_product")) } th { (t(lang, "disc_ratio")) }
                th { (t(lang, "created_at")) } th { (t(lang, "status")) } th {}
            } }
            tbody { @for d in &list {
                @let live = d.revoked_at.is_none();
                tr data-discount=(d.grant.id) data-status=(if live { "active" } else { "revoked" }) {
                    td { (d.customer_name) br; small { code { (d.grant.customer_id) } } }
                    td { @match &d.grant.product_id {
                        Some(p) => { (product_name(p)) br; small { code { (p) } } }
                        None => { (t(lang, "disc_all_products")) }
                    } }
                    td.ratio data-ratio=(d.grant.ratio) { (ratio_label(lang, d.grant.ratio)) }
                    td { (cn_time(d.grant.created_at)) }
                    td { @match d.revoked_at {
                        Some(at) => { (t(lang, "revoked")) " " (cn_time(at)) }
                        None => { (t(lang, "active")) }
                    } }
                    td { @if live {
                        form.revoke-form method="post" action=(format!("/console/discounts/{}/revoke", enc(&d.grant.id)))
                            onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "disc_revoke_confirm")))) {
                            input type="hidden" name="csrf" value=(c.user.csrf);
                            button.revoke type="submit" { (t(lang, "revoke")) }
                        }
                    } }
                }
            } }
        } }
        (pager(offset, PAGE, total, &format!("/console/discounts?revoked={}&", if revoked { "1" } else { "" }), lang))
    })
}

/// The ratio typed into a form, or the localized refusal.
fn form_ratio(input: &str) -> Result<Ratio, AppError> {
    parse_ratio(input).ok_or_else(|| {
        AppError::with_tr(
            pc_app::Code::InvalidParameter,
            t(Lang::En, "disc_ratio_invalid"),
            t(Lang::Zh, "disc_ratio_invalid"),
        )
    })
}

#[derive(Deserialize, Default)]
struct GrantForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    ratio: String,
}

async fn grant_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<GrantForm>,
) -> Page {
    c.require(&[Role::PartnerAdmin])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new("grant-discount-form", &fields);
    let ratio_typed = f.ratio.clone();
    let res = match form_ratio(&f.ratio) {
        Ok(ratio) => {
            let g = DiscountGrant {
                customer_id: f.customer_id,
                product_id: Some(f.product_id),
                ratio,
            };
            orders::grant_discount(&st.db, c.ctx(), g).await.map(drop)
        }
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to("/console/discounts").into_response()),
        Err(e) => {
            let field = match e.code {
                _ if parse_ratio(&ratio_typed).is_none() => Some("ratio"),
                Code::DiscountBelowFloor => Some("ratio"),
                Code::ProductNotFound => Some("product_id"),
                Code::NotSubCustomer
                | Code::NoCustomerPermission
                | Code::AssociationTypeNotAllowed
                | Code::NotFound => Some("customer_id"),
                _ => None,
            };
            let refill = refill.refused(c.lang, &e, field);
            view(&st, &c, &ListParams::default(), None, &refill).await
        }
    }
}

async fn revoke_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.require(&[Role::PartnerAdmin])?;
    c.check_csrf(&f.csrf)?;
    match orders::revoke_discount(&st.db, c.ctx(), id).await {
        Ok(_) => Ok(Redirect::to("/console/discounts").into_response()),
        Err(e) => view(&st, &c, &ListParams::default(), Some(e), &Refill::NONE).await,
    }
}

#[derive(Deserialize, Default)]
struct FloorForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    ratio: String,
}

async fn floor_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<FloorForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new("floor-form", &fields);
    let res = match form_ratio(&f.ratio) {
        Ok(r) => orders::set_discount_floor(&st.db, c.ctx(), r)
            .await
            .map(drop),
        Err(e) => Err(e),
    };
    match res {
        Ok(()) => Ok(Redirect::to("/console/discounts").into_response()),
        Err(e) => {
            let refill = refill.refused(c.lang, &e, Some("ratio"));
            view(&st, &c, &ListParams::default(), None, &refill).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_are_entered_as_people_say_them() {
        for (input, bp) in [
            ("8.5折", 8500),
            (" 9 折 ", 9000),
            ("8.75折", 8750),
            ("85%", 8500),
            ("85.5％", 8550),
            ("0.85", 8500),
            ("0.7", 7000),
        ] {
            assert_eq!(parse_ratio(input).map(Ratio::bp), Some(bp), "{input}");
        }
        for bad in [
            "85",
            "8.5",
            "10折",
            "0折",
            "100%",
            "0%",
            "1.2",
            "-0.5",
            "abc",
            "",
            "8.5555折",
            "折",
            "%",
        ] {
            assert!(parse_ratio(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn ratios_read_as_people_say_them() {
        let r = Ratio::from_bp(8500).unwrap();
        assert_eq!(ratio_label(Lang::Zh, r), "8.5折");
        assert!(ratio_label(Lang::En, r).starts_with("85% "));
        assert_eq!(ratio_label(Lang::Zh, Ratio::from_bp(7000).unwrap()), "7折");
        assert!(ratio_label(Lang::En, Ratio::from_bp(8765).unwrap()).starts_with("87.65% "));
    }
}
