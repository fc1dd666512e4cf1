//! Operators manage the catalogue's cloud service types and resource types
//! (`/console/catalog/types`): the lists, and one form each that creates a type or, for an
//! existing code, replaces its names, abbreviation or descriptions and order. The rules are
//! `pc_app::services::catalog::save_service_type` / `save_resource_type`, as in the native API.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use pc_app::services::catalog::{self, ResourceTypeInput, ServiceTypeInput};
use pc_app::AppError;
use pc_domain::party::Role;
use serde::Deserialize;

use super::i18n::t;
use super::layout::{internal, page, with_status, Page};
use super::refill::{Refill, Submitted};
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/catalog/types", get(types_page))
        .route("/console/catalog/service-types", post(service_type_submit))
        .route(
            "/console/catalog/resource-types",
            post(resource_type_submit),
        )
}

/// The page; `refill` re-shows a refused form.
async fn view(st: &AppState, c: &Console, refill: &Refill) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let (_, services) = catalog::service_types(&st.db, &c.ctx(), None, 0, catalog::MAX_PAGE)
        .await
        .map_err(|e| internal(lang, e))?;
    let (_, resources) = catalog::resource_types(&st.db, &c.ctx(), 0, catalog::MAX_PAGE)
        .await
        .map_err(|e| internal(lang, e))?;
    let status = refill.status();
    // A text input of a form, filled and marked from its refill.
    let text = |r: &Refill, name: &str, placeholder: &str, required: bool| {
        html! {
            input type="text" name=(name) placeholder=(placeholder) aria-label=(placeholder) required[required] value=(r.value(name, ""))
                aria-invalid=[r.invalid(name)] aria-describedby=[r.described_by(name)];
            (r.error_for(name))
        }
    };
    let order = |r: &Refill| {
        html! {
            input type="number" name="sort_order" value=(r.value("sort_order", "100")) aria-label=(t(lang, "types_sort_order"))
                aria-invalid=[r.invalid("sort_order")] aria-describedby=[r.described_by("sort_order")];
            (r.error_for("sort_order"))
        }
    };
    let (sr, rr) = (
        refill.on("service-type-form"),
        refill.on("resource-type-form"),
    );
    let body = html! {
        p.muted { (t(lang, "types_hint")) }
        h3 { (t(lang, "types_services")) }
        table #service-types {
            thead { tr { th { "code" } th { (t(lang, "types_name_zh")) } th { (t(lang, "types_name_en")) } th { (t(lang, "types_abbreviation")) } } }
            tbody { @for s in &services {
                tr data-code=(s.code) { td { code { (s.code) } } td { (s.name_zh) } td { (s.name_en) } td { (s.abbreviation) } }
            } }
        }
        form #service-type-form method="post" action="/console/catalog/service-types" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (sr.form_error())
            (text(sr, "code", "hws.service.type.xxx", true))
            (text(sr, "name_zh", t(lang, "types_name_zh"), true))
            (text(sr, "name_en", t(lang, "types_name_en"), true))
            (text(sr, "abbreviation", t(lang, "types_abbreviation"), true))
            (order(sr))
            button type="submit" { (t(lang, "types_save")) }
        }
        h3 { (t(lang, "types_resources")) }
        table #resource-types {
            thead { tr { th { "code" } th { (t(lang, "catalog_service")) } th { "中文" } th { "English" } } }
            tbody { @for r in &resources {
                tr data-code=(r.code) { td { code { (r.code) } } td { code { (r.service_type_code) } } td { (r.name_zh) } td { (r.name_en) } }
            } }
        }
        form #resource-type-form method="post" action="/console/catalog/resource-types" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (rr.form_error())
            (text(rr, "code", "hws.resource.type.xxx", true))
            select name="service_type_code" aria-label=(t(lang, "catalog_service")) aria-invalid=[rr.invalid("service_type_code")] aria-describedby=[rr.described_by("service_type_code")] {
                @for s in &services { option value=(s.code) selected[rr.selected("service_type_code", &s.code)] { (s.code) } }
            }
            (rr.error_for("service_type_code"))
            (text(rr, "name_zh", t(lang, "types_name_zh"), true))
            (text(rr, "name_en", t(lang, "types_name_en"), true))
            (text(rr, "desc_zh", t(lang, "types_desc_zh"), false))
            (text(rr, "desc_en", t(lang, "types_desc_en"), false))
            (order(rr))
            button type="submit" { (t(lang, "types_save")) }
        }
    };
    with_status(status, page(lang, Some(c), t(lang, "types_title"), body))
}

async fn types_page(State(st): State<AppState>, c: Console) -> Page {
    view(&st, &c, &Refill::NONE).await
}

#[derive(Deserialize, Default)]
struct TypeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
    #[serde(default)]
    service_type_code: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    abbreviation: String,
    #[serde(default)]
    desc_zh: String,
    #[serde(default)]
    desc_en: String,
    #[serde(default)]
    sort_order: String,
}

impl TypeForm {
    fn order(&self) -> Result<i64, AppError> {
        let s = self.sort_order.trim();
        if s.is_empty() {
            return Ok(100);
        }
        s.parse().map_err(|_| {
            AppError::invalid_tr(
                "sort_order must be a whole number",
                "sort_order 必须是整数。",
            )
        })
    }
}

/// Refuses anyone but an operator, and a form without its CSRF token.
#[allow(clippy::result_large_err)]
fn guard(c: &Console, f: &TypeForm) -> Result<(), axum::response::Response> {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)
}

/// Back to the page after a save, or the page with the refusal (an unknown service type beside
/// its field, anything else atop the form).
async fn done(st: &AppState, c: &Console, res: Result<(), AppError>, refill: Refill) -> Page {
    match res {
        Ok(()) => Ok(Redirect::to("/console/catalog/types").into_response()),
        Err(e) => {
            let field = (e.code == pc_app::Code::NotFound).then_some("service_type_code");
            view(st, c, &refill.refused(c.lang, &e, field)).await
        }
    }
}

async fn service_type_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<TypeForm>,
) -> Page {
    let refill = Refill::new("service-type-form", &fields);
    let order = match f.order() {
        Ok(o) => o,
        Err(e) => return view(&st, &c, &refill.refused(c.lang, &e, Some("sort_order"))).await,
    };
    let input = ServiceTypeInput {
        code: f.code.trim().to_string(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        abbreviation: f.abbreviation.clone(),
        sort_order: order,
    };
    guard(&c, &f)?;
    let res = catalog::save_service_type(&st.db, c.ctx(), input).await;
    done(&st, &c, res.map(drop), refill).await
}

async fn resource_type_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<TypeForm>,
) -> Page {
    let refill = Refill::new("resource-type-form", &fields);
    let order = match f.order() {
        Ok(o) => o,
        Err(e) => return view(&st, &c, &refill.refused(c.lang, &e, Some("sort_order"))).await,
    };
    let input = ResourceTypeInput {
        code: f.code.trim().to_string(),
        service_type_code: f.service_type_code.trim().to_string(),
        name_zh: f.name_zh.clone(),
        name_en: f.name_en.clone(),
        desc_zh: f.desc_zh.clone(),
        desc_en: f.desc_en.clone(),
        sort_order: order,
    };
    guard(&c, &f)?;
    let res = catalog::save_resource_type(&st.db, c.ctx(), input).await;
    done(&st, &c, res.map(drop), refill).await
}
