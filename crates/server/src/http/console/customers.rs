//! Customer management in the console: the customer list (a partner's own customers, every
//! customer for operators, a delegated reseller's customers for its distributor), its exports (CSV, XLSX),
//! and one customer's detail. One listing and one table serve every viewer.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use pc_app::services::customers::{self, Listing, SubCustomer, SubCustomerQuery};
use pc_app::{AppError, Code};
use pc_domain::party::{PartnerType, Role};

use super::export::{self, Cell, Export};
use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, message_page, page, pager, with_status, yuan, Page};
use super::refill::Refill;
use super::Console;
use crate::http::form::mask_phone;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/customers", get(list))
        .route("/console/customers.csv", get(csv))
        .route("/console/customers.xlsx", get(xlsx))
        .route("/console/customers/{id}", get(detail))
        .route(
            "/console/customers/{id}/history.csv",
            get(super::export::history::csv),
        )
        .route(
            "/console/customers/{id}/history.xlsx",
            get(super::export::history::xlsx),
        )
}

const PAGE_SIZE: i64 = 20;

/// A refusal as a console page: another tenant's or an unknown object is "not found" (404), so
/// the answer does not tell which; a role that may not act is 403.
pub(super) fn refused(c: &Console, e: AppError) -> Response {
    match e.code {
        Code::NotSubCustomer | Code::NoResellerPermission | Code::NotFound => (
            StatusCode::NOT_FOUND,
            message_page(c.lang, Some(c), "404", t(c.lang, "not_found")),
        )
            .into_response(),
        Code::AccessDenied | Code::NotAllowed => super::layout::forbidden(c),
        _ => internal(c.lang, e),
    }
}

/// Whose customers the list shows, from the user's role and the `reseller` parameter.
enum Viewer {
    /// A partner's own customers (the partner comes from the session's actor).
    Own,
    /// A master distributor looking at one of its resellers' customers.
    Reseller { reseller: String },
    /// An operator: every customer, optionally narrowed to partners matching a term.
    Operator { partner: Option<String> },
}

/// The list's filters, as query parameters (shared by the page, its pager and the CSV link).
struct Filters {
    account_name: String,
    label: String,
    association_type: String,
    partner: String,
    reseller: String,
}

impl Filters {
    fn from(q: &HashMap<String, String>) -> Filters {
        let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
        Filters {
            account_name: get("account_name"),
            label: get("label"),
            association_type: get("association_type"),
            partner: get("partner"),
            reseller: get("reseller"),
        }
    }

    /// `k=v&…&` for links that keep the filters.
    fn query_string(&self) -> String {
        [
            ("account_name", &self.account_name),
            ("label", &self.label),
            ("association_type", &self.association_type),
            ("partner", &self.partner),
            ("reseller", &self.reseller),
        ]
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", enc(v)))
        .collect()
    }

    fn query(
        &self,
        viewer: &Viewer,
        offset: i64,
        limit: i64,
    ) -> pc_app::AppResult<SubCustomerQuery> {
        let nz = |s: &str| Some(s.to_string()).filter(|v| !v.is_empty());
        let indirect = match viewer {
            Viewer::Reseller { reseller } => Some(reseller.clone()),
            _ => None,
        };
        SubCustomerQuery::parse(
            nz(&self.account_name),
            None,
            nz(&self.label),
            nz(&self.association_type),
            None,
            None,
            None,
            indirect,
            Some(offset),
            Some(limit),
        )
    }

    /// The filters of a request and whose customers they apply to.
    #[allow(clippy::result_large_err)]
    fn with_viewer(
        c: &Console,
        q: &HashMap<String, String>,
    ) -> Result<(Filters, Viewer), Response> {
        let f = Filters::from(q);
        let v = f.viewer(c)?;
        Ok((f, v))
    }

    #[allow(clippy::result_large_err)]
    fn viewer(&self, c: &Console) -> Result<Viewer, Response> {
        match c.user.role {
            Role::Operator => Ok(Viewer::Operator {
                partner: Some(self.partner.clone()).filter(|p| !p.is_empty()),
            }),
            Role::PartnerAdmin if !self.reseller.is_empty() => {
                if c.user.partner_type != Some(PartnerType::Distributor) {
                    return Err(super::layout::forbidden(c));
                }
                Ok(Viewer::Reseller {
                    reseller: self.reseller.clone(),
                })
            }
            Role::PartnerAdmin | Role::PartnerStaff if self.reseller.is_empty() => Ok(Viewer::Own),
            _ => Err(super::layout::forbidden(c)),
        }
    }
}

/// One page of the viewer's customers. Delegated views are recorded by the service.
async fn fetch(
    st: &AppState,
    c: &Console,
    viewer: &Viewer,
    q: &SubCustomerQuery,
) -> pc_app::AppResult<Listing> {
    match viewer {
        Viewer::Own | Viewer::Reseller { .. } => {
            customers::list_and_record(&st.db, &c.ctx(), q).await
        }
        Viewer::Operator { partner } => {
            let (total, rows) =
                customers::list_all(&st.db, &c.ctx(), partner.as_deref(), q).await?;
            Ok(Listing {
                total,
                rows,
                reseller_delegated: None,
                reseller_name: None,
            })
        }
    }
}

fn assoc_label(lang: Lang, x: &SubCustomer) -> &'static str {
    if x.partner_id.is_none() {
        t(lang, "not_associated_short")
    } else {
        t(lang, &format!("assoc_{}", x.association_type))
    }
}

/// The customer table every viewer shares; the partner column only for operators.
fn table(lang: Lang, rows: &[SubCustomer], with_partner: bool) -> Markup {
    let cols = if with_partner { 9 } else { 8 };
    html! {
        div.scroll { table #customers {
            thead { tr {
                th { (t(lang, "account_name")) } th { (t(lang, "real_name")) } th { (t(lang, "id")) }
                @if with_partner { th { (t(lang, "partner")) } }
                th { (t(lang, "association_type")) } th { (t(lang, "label")) } th { (t(lang, "associated_on")) }
                th { (t(lang, "telephone")) } th { (t(lang, "email")) }
            } }
            tbody {
                @for x in rows {
                    tr data-customer=(x.customer_id) data-account=(x.account_name) {
                        td { a href=(format!("/console/customers/{}", x.customer_id)) { (x.account_name) } }
                        td { (x.real_name.clone().unwrap_or_default()) } td { code { (x.customer_id) } }
                        @if with_partner { td.partner { (x.partner_name.clone().unwrap_or_default()) } }
                        td { (assoc_label(lang, x)) } td { (x.label.clone().unwrap_or_default()) }
                        td { @if x.partner_id.is_some() { (cn_time(x.associated_at)) } }
                        td.telephone { (x.mobile.as_deref().map(mask_phone).unwrap_or_default()) }
                        td.email { (x.email.clone().unwrap_or_default()) }
                    }
                }
                @if rows.is_empty() { tr { td colspan=(cols) .muted { (t(lang, "empty")) } } }
            }
        } }
    }
}

fn filter_form(lang: Lang, f: &Filters, operator: bool) -> Markup {
    let at = f.association_type.as_str();
    html! {
        form.filters #customer-filters method="get" action="/console/customers" {
            @if !f.reseller.is_empty() { input type="hidden" name="reseller" value=(f.reseller); }
            label { (t(lang, "account_name")) input name="account_name" value=(f.account_name); }
            label { (t(lang, "label")) input name="label" value=(f.label); }
            @if operator { label { (t(lang, "partner_filter")) input name="partner" value=(f.partner); } }
            label { (t(lang, "association_type"))
                select name="association_type" {
                    option value="" selected[at.is_empty()] { (t(lang, "all")) }
                    option value="1" selected[at == "1"] { (t(lang, "assoc_1")) }
                    option value="2" selected[at == "2"] { (t(lang, "assoc_2")) }
                }
            }
            button.primary type="submit" { (t(lang, "filter")) }
        }
    }
}

/// `GET /console/customers`: partners (admin, staff) see their customers; operators every
/// customer; a distributor's admin with `?reseller=ID` a reseller's customers, listed only
/// while that reseller has delegated to it (otherwise just their number).
pub async fn list(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let lang = c.lang;
    let (f, viewer) = Filters::with_viewer(&c, &q)?;
    let offset = q
        .get("offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0i64)
        .max(0);
    let query = f
        .query(&viewer, offset, PAGE_SIZE)
        .map_err(|e| internal(lang, e))?;
    let l = fetch(&st, &c, &viewer, &query)
        .await
        .map_err(|e| refused(&c, e))?;
    let operator = matches!(viewer, Viewer::Operator { .. });
    let title = match &viewer {
        Viewer::Reseller { .. } => {
            let name = l.reseller_name.as_deref().unwrap_or_default();
            format!("{} · {name}", t(lang, "customers"))
        }
        _ => t(lang, "customers").to_string(),
    };
    let base = format!("/console/customers?{}", f.query_string());
    let body = html! {
        @if l.reseller_delegated == Some(false) {
            p.flash.error #not-delegated { (t(lang, "reseller_customers_hidden")) }
            p.muted { (t(lang, "customer_count")) " " span #customer-total { (l.total) } }
        } @else {
            @if l.reseller_delegated == Some(true) { p.flash.ok #delegated-view { (t(lang, "delegated_view_notice")) } }
            (filter_form(lang, &f, operator))
            p.muted {
                (t(lang, "total")) " " span #customer-total { (l.total) } " · "
                (export::links(lang, "export", "/console/customers", &f.query_string()))
            }
            (table(lang, &l.rows, operator))
            (pager(offset, PAGE_SIZE, l.total, &base, lang))
        }
    };
    Ok(page(lang, Some(&c), &title, body).into_response())
}

/// The export (`/console/customers.csv`, `/console/customers.xlsx`): the same list with the same
/// filters, every page, in the user's language. A reseller's list without delegation is not
/// exported.
#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    let lang = c.lang;
    let (f, viewer) = Filters::with_viewer(c, q)?;
    let operator = matches!(viewer, Viewer::Operator { .. });
    let mut keys = vec!["account_name", "real_name", "id"];
    if operator {
        keys.push("partner");
    }
    keys.extend([
        "association_type",
        "label",
        "@associated_on",
        "telephone",
        "email",
    ]);
    let mut x = Export::new(lang, "customers", t(lang, "customers"), &keys);
    // A reseller that has not delegated to the distributor: its customers are not exported.
    let hidden = std::sync::atomic::AtomicBool::new(false);
    let list = export::all_pages(c, customers::MAX_PAGE, |offset, limit| {
        let query = f.query(&viewer, offset, limit);
        let (viewer, hidden) = (&viewer, &hidden);
        async move {
            let l = fetch(st, c, viewer, &query?).await?;
            if l.reseller_delegated == Some(false) {
                hidden.store(true, std::sync::atomic::Ordering::Relaxed);
            }
            Ok((l.total, l.rows))
        }
    })
    .await?;
    if hidden.load(std::sync::atomic::Ordering::Relaxed) {
        return Err((
            StatusCode::FORBIDDEN,
            message_page(lang, Some(c), "403", t(lang, "reseller_customers_hidden")),
        )
            .into_response());
    }
    for x_ in &list {
        let mut row = vec![
            Cell::text(&x_.account_name),
            Cell::opt(x_.real_name.as_deref()),
            Cell::text(&x_.customer_id),
        ];
        if operator {
            row.push(Cell::opt(x_.partner_name.as_deref()));
        }
        row.extend([
            Cell::text(assoc_label(lang, x_)),
            Cell::opt(x_.label.as_deref()),
            Cell::time_opt(x_.partner_id.as_ref().map(|_| x_.associated_at)),
            Cell::text(x_.mobile.as_deref().map(mask_phone).unwrap_or_default()),
            Cell::opt(x_.email.as_deref()),
        ]);
        x.rows.push(row);
    }
    Ok(x)
}

export::downloads!();

/// `GET /console/customers/{id}`: one customer, its association history and its balance.
pub async fn detail(State(st): State<AppState>, c: Console, Path(id): Path<String>) -> Page {
    detail_page(&st, &c, &id, &Refill::NONE).await
}

/// The customer's page; `refill` a refused unbinding (its message atop the page).
pub(super) async fn detail_page(st: &AppState, c: &Console, id: &str, refill: &Refill) -> Page {
    c.require(&[Role::Operator, Role::PartnerAdmin, Role::PartnerStaff])?;
    let lang = c.lang;
    let d = customers::detail(&st.db, &c.ctx(), id)
        .await
        .map_err(|e| refused(c, e))?;
    let x = &d.customer;
    let operator = c.user.role == Role::Operator;
    let body = html! {
        (refill.page_error())
        @if d.via_delegation { p.flash.ok #delegated-view { (t(lang, "delegated_view_notice")) } }
        div.card #customer { dl {
            dt { (t(lang, "account_name")) } dd #account-name { (x.account_name) }
            dt { (t(lang, "real_name")) } dd { (x.real_name.clone().unwrap_or_default()) }
            dt { (t(lang, "id")) } dd { code { (x.customer_id) } }
            dt { (t(lang, "partner")) } dd #partner {
                @match (&x.partner_id, &x.partner_name) {
                    (Some(pid), Some(name)) if operator => a href=(format!("/console/partners/{pid}")) { (name) },
                    (_, Some(name)) => (name),
                    _ => span.muted { (t(lang, "not_associated_short")) },
                }
            }
            dt { (t(lang, "association_type")) } dd #association-type { (assoc_label(lang, x)) }
            dt { (t(lang, "label")) } dd #label { (x.label.clone().unwrap_or_default()) }
            @if x.partner_id.is_some() { dt { (t(lang, "associated_on")) } dd { (cn_time(x.associated_at)) } }
            dt { (t(lang, "telephone")) } dd.telephone { (x.mobile.as_deref().map(mask_phone).unwrap_or_default()) }
            dt { (t(lang, "email")) } dd.email { (x.email.clone().unwrap_or_default()) }
            dt { (t(lang, "balance")) } dd #balance { (yuan(d.balance)) }
        } }
        @if x.partner_id.is_some() && !d.via_delegation && matches!(c.user.role, Role::PartnerAdmin | Role::Operator) {
            (super::unbind::unbind_form(lang, &c.user.csrf, &format!("/console/customers/{}/unbind", x.customer_id), &Refill::NONE))
        }
        h2 { (t(lang, "association_history")) }
        p { (export::links(lang, "export-history", &format!("/console/customers/{}/history", enc(&x.customer_id)), "")) }
        (history_table(lang, &d.history))
    };
    with_status(
        refill.status(),
        page(lang, Some(c), t(lang, "customer_detail"), body),
    )
}

/// A customer's associations, current and ended (also on the customer's own home page).
pub(super) fn history_table(lang: Lang, rows: &[customers::AssociationRecord]) -> Markup {
    html! {
        div.scroll { table #association-history {
            thead { tr {
                th { (t(lang, "partner")) } th { (t(lang, "association_type")) } th { (t(lang, "label")) }
                th { (t(lang, "associated_on")) } th { (t(lang, "ended_at")) }
            } }
            tbody {
                @for a in rows {
                    tr data-association=(a.id) data-status=(if a.ended_at.is_some() { "ended" } else { "current" }) {
                        td { (a.partner_name) } td { (t(lang, &format!("assoc_{}", a.association_type))) }
                        td { (a.label.clone().unwrap_or_default()) } td { (cn_time(a.associated_at)) }
                        td { @match a.ended_at {
                            Some(e) => { (cn_time(e)) @if let Some(r) = &a.end_reason { " · " (r) } },
                            None => span.muted { (t(lang, "current")) },
                        } }
                    }
                }
                @if rows.is_empty() { tr { td colspan="5" .muted { (t(lang, "empty")) } } }
            }
        } }
    }
}
