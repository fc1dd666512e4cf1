//! Operator promotions (`/console/promotions`): create a promotion (a name, one product or every
//! product, a ratio typed as "8.5折", "85%" or "0.85", first and last day in China time) and
//! revoke one; the list shows each with its status, and exports as CSV and XLSX
//! (`/console/promotions.csv|xlsx`, `export/promotions.rs`). Rules in `pc_app::services::orders::promotions`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use pc_app::services::{catalog, orders::promotions};
use pc_app::AppError;
use pc_domain::party::Role;
use pc_domain::timefmt::{cn_day_start_ms, parse_date};
use serde::Deserialize;

use super::discounts::parse_ratio;
use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, with_status, CsrfForm, Page};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/console/promotions",
            get(promotions_page).post(create_submit),
        )
        .route(
            "/console/promotions.csv",
            get(super::export::promotions::csv),
        )
        .route(
            "/console/promotions.xlsx",
            get(super::export::promotions::xlsx),
        )
        .route("/console/promotions/{id}/revoke", post(revoke_submit))
}

const DAY_MS: i64 = 86_400_000;

/// The page; `err` a refused revocation, `refill` a refused creation (beside its field).
async fn view(st: &AppState, c: &Console, err: Option<AppError>, refill: &Refill) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let en = lang == Lang::En;
    let list = promotions::list(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    let products = catalog::products(&st.db, &c.ctx(), false)
        .await
        .map_err(|e| internal(lang, e))?;
    let now = c.now_ms;
    let status = err
        .as_ref()
        .map(|e| StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST))
        .unwrap_or(refill.status());
    let r = refill.on("promotion-form");
    let body = html! {
        @if let Some(e) = &err { p.flash.error #promotion-error { (e.message(lang == Lang::Zh)) } }
        p.muted { (t(lang, "promo_hint")) }
        form #promotion-form method="post" action="/console/promotions" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (r.form_error())
            label { (t(lang, "promo_name")) " " input type="text" name="name" maxlength="64" required value=(r.value("name", ""))
                aria-invalid=[r.invalid("name")] aria-describedby=[r.described_by("name")]; }
            (r.error_for("name"))
            label { (t(lang, "catalog_product")) " "
                select name="product_id" aria-invalid=[r.invalid("product_id")] aria-describedby=[r.described_by("product_id")] {
                    option value="" { (t(lang, "disc_all_products")) }
                    @for p in &products { option value=(p.product_id) selected[r.selected("product_id", &p.product_id)] { (p.product_id) " " (p.spec_desc(en)) } }
                }
            }
            (r.error_for("product_id"))
            label { (t(lang, "disc_ratio")) " " input type="text" name="ratio" placeholder=(t(lang, "disc_ratio_placeholder")) required value=(r.value("ratio", ""))
                aria-invalid=[r.invalid("ratio")] aria-describedby=[r.described_by("ratio")]; }
            (r.error_for("ratio"))
            label { (t(lang, "promo_first_day")) " " input type="date" name="first_day" required value=(r.value("first_day", ""))
                aria-invalid=[r.invalid("first_day")] aria-describedby=[r.described_by("first_day")]; }
            (r.error_for("first_day"))
            label { (t(lang, "promo_last_day")) " " input type="date" name="last_day" required value=(r.value("last_day", ""))
                aria-invalid=[r.invalid("last_day")] aria-describedby=[r.described_by("last_day")]; }
            (r.error_for("last_day"))
            button #create-promotion type="submit" { (t(lang, "promo_create")) }
        }
        p { (super::export::links(lang, "promotions-export", "/console/promotions", "")) }
        table #promotions {
            thead { tr {
                th { (t(lang, "promo_name")) } th { (t(lang, "catalog_product")) } th { (t(lang, "disc_ratio")) }
                th { (t(lang, "promo_window")) } th { (t(lang, "status")) } th { (t(lang, "action")) }
            } }
            tbody {
                @for p in &list {
                    @let state = p.state_at(now);
                    tr data-promotion=(p.id) data-status=(state) {
                        td { (p.name) }
                        td { (p.product_id.as_deref().unwrap_or(t(lang, "disc_all_products"))) }
                        td { (p.ratio) }
                        td { (cn_time(p.starts_at)) " – " (cn_time(p.ends_at)) }
                        td.status { (t(lang, &format!("promo_status_{state}"))) }
                        td { @if p.revoked_at.is_none() && now < p.ends_at {
                            form.revoke-form method="post" action=(format!("/console/promotions/{}/revoke", enc(&p.id))) {
                                input type="hidden" name="csrf" value=(c.user.csrf);
                                button.revoke type="submit" { (t(lang, "promo_revoke")) }
                            }
                        } }
                    }
                }
                @if list.is_empty() { tr { td colspan="6" .muted { (t(lang, "empty")) } } }
            }
        }
    };
    with_status(status, page(lang, Some(c), t(lang, "promotions"), body))
}

async fn promotions_page(State(st): State<AppState>, c: Console) -> Page {
    view(&st, &c, None, &Refill::NONE).await
}

#[derive(Deserialize, Default)]
struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    ratio: String,
    #[serde(default)]
    first_day: String,
    #[serde(default)]
    last_day: String,
}

/// The form, parsed: the window runs from the first day's start to the last day's end, China
/// time. A refusal names its field.
fn parse_form(f: &CreateForm) -> Result<promotions::NewPromotion, (AppError, &'static str)> {
    let ratio = parse_ratio(&f.ratio).ok_or_else(|| {
        let e = AppError::with_tr(
            pc_app::Code::InvalidParameter,
            t(Lang::En, "disc_ratio_invalid"),
            t(Lang::Zh, "disc_ratio_invalid"),
        );
        (e, "ratio")
    })?;
    let day = |s: &str, field: &'static str| {
        parse_date(s.trim()).ok_or_else(|| {
            let e = AppError::with_tr(
                pc_app::Code::InvalidParameter,
                t(Lang::En, "promo_bad_day"),
                t(Lang::Zh, "promo_bad_day"),
            );
            (e, field)
        })
    };
    let (first, last) = (
        day(&f.first_day, "first_day")?,
        day(&f.last_day, "last_day")?,
    );
    Ok(promotions::NewPromotion {
        name: f.name.clone(),
        product_id: Some(f.product_id.trim().to_string()).filter(|s| !s.is_empty()),
        ratio,
        starts_at: cn_day_start_ms(first),
        ends_at: cn_day_start_ms(last) + DAY_MS,
    })
}

async fn create_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<CreateForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new("promotion-form", &fields);
    let p = match parse_form(&f) {
        Ok(p) => p,
        Err((e, field)) => {
            return view(&st, &c, None, &refill.refused(c.lang, &e, Some(field))).await
        }
    };
    match promotions::create(&st.db, c.ctx(), p).await {
        Ok(_) => Ok(Redirect::to("/console/promotions").into_response()),
        Err(e) => {
            let field = match e.code {
                pc_app::Code::ProductNotFound | pc_app::Code::NotFound => Some("product_id"),
                pc_app::Code::DiscountBelowFloor => Some("ratio"),
                _ => None,
            };
            view(&st, &c, None, &refill.refused(c.lang, &e, field)).await
        }
    }
}

async fn revoke_submit(
    State(st): State<AppState>,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    match promotions::revoke(&st.db, c.ctx(), id).await {
        Ok(()) => Ok(Redirect::to("/console/promotions").into_response()),
        Err(e) => view(&st, &c, Some(e), &Refill::NONE).await,
    }
}
