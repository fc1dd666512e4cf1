//! The console's catalogue: every role sees the products and their prices; a customer picks a
//! period and quantity, gets a quote (with its partner's discounts) and places the order; an
//! operator creates and edits products and prices.
//!
//! Handlers parse, call `pc_app::services::{catalog, orders}` (the same functions as the vendor
//! API) and redirect after a successful write.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::catalog::{self, Product, ProductInput};
use pc_app::services::orders::{self, Item};
use pc_app::AppError;
use pc_domain::orders::PeriodType;
use pc_domain::party::Role;
use pc_domain::Money;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{enc, internal, page, with_status, Page};
use super::orders::{err_markup, status_of, yuan};
use super::refill::{Refill, Submitted};
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/catalog", get(catalog_page))
        .route("/console/catalog/quote", get(quote_page))
        .route("/console/catalog/order", post(order_submit))
        .route(
            "/console/catalog/product",
            get(product_page).post(product_submit),
        )
}

async fn catalog_page(State(st): State<AppState>, c: Console) -> Page {
    let lang = c.lang;
    let en = lang == Lang::En;
    let operator = c.user.role == Role::Operator;
    let customer = c.user.role == Role::Customer;
    let list = catalog::products(&st.db, &c.ctx(), operator)
        .await
        .map_err(|e| internal(lang, e))?;
    let body = html! {
        @if operator { p {
            a #new-product href="/console/catalog/product" { (t(lang, "catalog_new_product")) }
            " · " a #catalog-types href="/console/catalog/types" { (t(lang, "types_title")) }
        } }
        table #products {
            thead { tr {
                th { (t(lang, "catalog_product")) } th { (t(lang, "catalog_service")) } th { (t(lang, "catalog_spec")) }
                th { (t(lang, "catalog_month_price")) } th { (t(lang, "catalog_year_price")) } th { (t(lang, "catalog_hour_price")) }
                @if customer || operator { th {} }
            } }
            tbody { @for p in &list {
                tr data-product=(p.product_id) {
                    td { (p.name(en)) br; small { code { (p.product_id) } } }
                    td { (p.service_type_name(en)) }
                    td { (p.spec_desc(en)) }
                    td { (yuan(p.month_price)) }
                    td { (yuan(p.year_price)) }
                    td { (yuan(p.hour_price)) }
                    @if customer { td { (quote_form(lang, p)) } }
                    @if operator { td {
                        a href=(format!("/console/catalog/product?id={}", enc(&p.product_id))) { (t(lang, "edit")) }
                        @if !p.active { " · " (t(lang, "catalog_inactive")) }
                    } }
                }
            } }
        }
    };
    Ok(page(lang, Some(&c), t(lang, "catalog"), body).into_response())
}

fn quote_form(lang: Lang, p: &Product) -> Markup {
    html! {
        form.inline method="get" action="/console/catalog/quote" {
            input type="hidden" name="product" value=(p.product_id);
            // Visible labels: which number is the period count, which the quantity.
            label.inl { span.muted { (t(lang, "period")) } " "
                select name="period" {
                    @if p.month_price.is_some() { option value="month" { (t(lang, "period_month")) } }
                    @if p.year_price.is_some() { option value="year" { (t(lang, "period_year")) } }
                }
            }
            label.inl { span.muted { (t(lang, "period_count")) } " " input type="number" name="count" value="1" min="1" max="11"; }
            label.inl { span.muted { (t(lang, "quantity")) } " " input type="number" name="quantity" value="1" min="1" max="100"; }
            @if p.is_linear() { label.inl { span.muted { (t(lang, "size")) } " " input type="number" name="size" value="40" min="1"; } }
            button type="submit" { (t(lang, "quote")) }
        }
    }
}

#[derive(Deserialize, Default)]
struct ItemForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    product: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    count: String,
    #[serde(default)]
    quantity: String,
    #[serde(default)]
    size: String,
}

impl ItemForm {
    fn item(&self) -> Result<Item, AppError> {
        let int = |f: &str, v: &str| {
            v.trim().parse::<i64>().map_err(|_| {
                AppError::invalid_tr(
                    format!("{f} must be a whole number"),
                    format!("{f} 必须是整数。"),
                )
            })
        };
        Ok(Item {
            product_id: self.product.clone(),
            period: match self.period.as_str() {
                "year" => PeriodType::Year,
                "month" => PeriodType::Month,
                _ => {
                    return Err(AppError::invalid_tr(
                        "period must be month or year",
                        "period 必须是 month（包月）或 year（包年）。",
                    ))
                }
            },
            period_num: int("count", &self.count)?,
            subscription_num: int("quantity", &self.quantity)?,
            resource_size: if self.size.trim().is_empty() {
                None
            } else {
                Some(int("size", &self.size)?)
            },
        })
    }
}

async fn quote_page(State(st): State<AppState>, c: Console, Query(f): Query<ItemForm>) -> Page {
    c.require(&[Role::Customer])?;
    quote_view(&st, &c, &f, &Refill::NONE).await
}

/// The quote of `f` and its order form; `refill` a refused order (its message atop the form).
async fn quote_view(st: &AppState, c: &Console, f: &ItemForm, refill: &Refill) -> Page {
    let lang = c.lang;
    let quote = match f.item() {
        Ok(item) => orders::quote(&st.db, &c.ctx(), vec![item]).await,
        Err(e) => Err(e),
    };
    let q = match quote {
        Ok(q) => q,
        Err(e) => {
            let body = html! { (err_markup(lang, &Some(e.clone()))) p { a href="/console/catalog" { (t(lang, "catalog")) } } };
            return Err(
                (status_of(&e), page(lang, Some(c), t(lang, "quote"), body)).into_response()
            );
        }
    };
    let en = lang == Lang::En;
    let body = html! {
        div.card { dl {
            dt { (t(lang, "catalog_product")) } dd { (q.items[0].product.name(en)) }
            dt { (t(lang, "official_amount")) } dd #quote-official { (yuan(Some(q.official()))) }
            @for d in &q.discounts {
                dt { (t(lang, "discount")) " " (d.grant.ratio) @if d.best { " ★" } }
                dd.quote-discount { (yuan(Some(d.amount()))) }
            }
        } }
        p { (t(lang, "order_discount_at_payment")) }
        form #place-order-form method="post" action="/console/catalog/order" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (refill.on("place-order-form").form_error())
            input type="hidden" name="product" value=(f.product);
            input type="hidden" name="period" value=(f.period);
            input type="hidden" name="count" value=(f.count);
            input type="hidden" name="quantity" value=(f.quantity);
            input type="hidden" name="size" value=(f.size);
            button #place-order type="submit" { (t(lang, "place_order")) }
        }
    };
    with_status(refill.status(), page(lang, Some(c), t(lang, "quote"), body))
}

async fn order_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<ItemForm>,
) -> Page {
    c.require(&[Role::Customer])?;
    c.check_csrf(&f.csrf)?;
    let lang = c.lang;
    let res = match f.item() {
        Ok(item) => orders::place_order(&st.db, c.ctx(), vec![item]).await,
        Err(e) => Err(e),
    };
    match res {
        Ok(p) => Ok(Redirect::to(&format!("/console/orders/{}", enc(&p.order_id))).into_response()),
        // The item quotes: its page again, the refusal atop the order form.
        Err(e) if f.item().is_ok() => {
            let refill = Refill::new("place-order-form", &fields).refused(lang, &e, None);
            quote_view(&st, &c, &f, &refill).await
        }
        Err(e) => {
            let body = html! { (err_markup(lang, &Some(e.clone()))) p { a href="/console/catalog" { (t(lang, "catalog")) } } };
            Err((
                status_of(&e),
                page(lang, Some(&c), t(lang, "place_order"), body),
            )
                .into_response())
        }
    }
}

#[derive(Deserialize, Default)]
struct ProductForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    product_id: String,
    #[serde(default)]
    service_type_code: String,
    #[serde(default)]
    resource_type_code: String,
    #[serde(default)]
    resource_spec: String,
    #[serde(default)]
    region: String,
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    spec_desc_zh: String,
    #[serde(default)]
    spec_desc_en: String,
    #[serde(default)]
    size_measure_id: String,
    #[serde(default)]
    month_price: String,
    #[serde(default)]
    year_price: String,
    #[serde(default)]
    hour_price: String,
    #[serde(default)]
    active: String,
}

impl ProductForm {
    fn from_product(p: &Product) -> ProductForm {
        let m = |v: Option<Money>| v.map(|m| m.to_string()).unwrap_or_default();
        ProductForm {
            csrf: String::new(),
            product_id: p.product_id.clone(),
            service_type_code: p.service_type_code.clone(),
            resource_type_code: p.resource_type_code.clone(),
            resource_spec: p.resource_spec.clone(),
            region: p.region.clone(),
            name_zh: p.name_zh.clone(),
            name_en: p.name_en.clone(),
            spec_desc_zh: p.spec_desc_zh.clone(),
            spec_desc_en: p.spec_desc_en.clone(),
            size_measure_id: p.size_measure_id.map(|v| v.to_string()).unwrap_or_default(),
            month_price: m(p.month_price),
            year_price: m(p.year_price),
            hour_price: m(p.hour_price),
            active: if p.active { "1".into() } else { String::new() },
        }
    }

    /// The input, or the refusal and the field it concerns.
    fn input(&self) -> Result<ProductInput, (AppError, &'static str)> {
        let money = |f: &'static str, v: &str| {
            if v.trim().is_empty() {
                return Ok(None);
            }
            Money::parse(v.trim()).map(Some).map_err(|_| {
                let e = AppError::invalid_tr(
                    format!("{f} must be an amount like 35.00"),
                    format!("{f} 必须是金额，如 35.00。"),
                );
                (e, f)
            })
        };
        Ok(ProductInput {
            product_id: self.product_id.trim().to_string(),
            service_type_code: self.service_type_code.trim().to_string(),
            resource_type_code: self.resource_type_code.trim().to_string(),
            resource_spec: self.resource_spec.clone(),
            region: self.region.clone(),
            name_zh: self.name_zh.clone(),
            name_en: self.name_en.clone(),
            spec_desc_zh: self.spec_desc_zh.clone(),
            spec_desc_en: self.spec_desc_en.clone(),
            size_measure_id: match self.size_measure_id.trim() {
                "" => None,
                v => Some(v.parse().map_err(|_| {
                    let e = AppError::invalid_tr(
                        "size_measure_id must be 14, 15 or 17",
                        "size_measure_id 必须是 14、15 或 17。",
                    );
                    (e, "size_measure_id")
                })?),
            },
            month_price: money("month_price", &self.month_price)?,
            year_price: money("year_price", &self.year_price)?,
            hour_price: money("hour_price", &self.hour_price)?,
            active: !self.active.is_empty(),
        })
    }
}

/// The product form filled from `f`; `r` a refusal of it (its message beside its field).
async fn product_view(c: &Console, f: &ProductForm, r: &Refill) -> Page {
    let lang = c.lang;
    let field = |name: &'static str, key: &'static str, value: &str| {
        html! {
            label { (t(lang, key)) " " input name=(name) value=(value) aria-invalid=[r.invalid(name)] aria-describedby=[r.described_by(name)]; }
            (r.error_for(name))
        }
    };
    let body = html! {
        form #product-form method="post" action="/console/catalog/product" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (r.form_error())
            (field("product_id", "catalog_product_id", &f.product_id))
            (field("service_type_code", "catalog_service_code", &f.service_type_code))
            (field("resource_type_code", "catalog_resource_code", &f.resource_type_code))
            (field("resource_spec", "catalog_spec_code", &f.resource_spec))
            (field("region", "region", &f.region))
            (field("name_zh", "catalog_name_zh", &f.name_zh))
            (field("name_en", "catalog_name_en", &f.name_en))
            (field("spec_desc_zh", "catalog_spec_zh", &f.spec_desc_zh))
            (field("spec_desc_en", "catalog_spec_en", &f.spec_desc_en))
            (field("size_measure_id", "catalog_size_measure", &f.size_measure_id))
            (field("month_price", "catalog_month_price", &f.month_price))
            (field("year_price", "catalog_year_price", &f.year_price))
            (field("hour_price", "catalog_hour_price", &f.hour_price))
            label { input type="checkbox" name="active" value="1" checked[!f.active.is_empty()]; " " (t(lang, "catalog_active")) }
            button type="submit" { (t(lang, "save")) }
        }
    };
    with_status(
        r.status(),
        page(lang, Some(c), t(lang, "catalog_product"), body),
    )
}

async fn product_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Operator])?;
    let f = match q.get("id").filter(|v| !v.is_empty()) {
        Some(id) => match catalog::product_to_edit(&st.db, &c.ctx(), id)
            .await
            .map_err(|e| internal(c.lang, e))?
        {
            Some(p) => ProductForm::from_product(&p),
            None => return Err(internal(c.lang, AppError::new(pc_app::Code::NotFound))),
        },
        None => ProductForm {
            active: "1".into(),
            region: "cn-north-4".into(),
            ..Default::default()
        },
    };
    product_view(&c, &f, &Refill::NONE).await
}

async fn product_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<ProductForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new("product-form", &fields);
    let input = match f.input() {
        Ok(i) => i,
        Err((e, field)) => {
            return product_view(&c, &f, &refill.refused(c.lang, &e, Some(field))).await
        }
    };
    match catalog::save_product(&st.db, c.ctx(), input).await {
        Ok(_) => Ok(Redirect::to("/console/catalog").into_response()),
        Err(e) => product_view(&c, &f, &refill.refused(c.lang, &e, None)).await,
    }
}
