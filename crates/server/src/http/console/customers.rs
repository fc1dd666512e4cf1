//! Customer management in the console: the customer list (a partner's own customers, every
//! customer for operators, a delegated reseller's customers for its distributor), its CSV export,
//! and one customer's detail. One listing and one table serve every viewer.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use pc_app::services::customers::{self, Listing, SubCustomer, SubCustomerQuery};
use pc_app::{AppError, Code};
use pc_domain::party::{PartnerType, Role};
use pc_domain::timefmt::format_utc;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, message_page, page, pager, with_status, Page};
use super::refill::Refill;
use super::Console;
use crate::http::form::mask_phone;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/customers", get(list))
        .route("/console/customers.csv", get(export_csv))
        .route("/console/customers/{id}", get(detail))
}

const PAGE_SIZE: i64 = 20;
/// The most rows one CSV export holds.
const CSV_MAX_ROWS: i64 = 100_000;

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
                a #export-csv href=(format!("/console/customers.csv?{}", f.query_string())) { (t(lang, "export_csv")) }
            }
            (table(lang, &l.rows, operator))
            (pager(offset, PAGE_SIZE, l.total, &base, lang))
        }
    };
    Ok(page(lang, Some(&c), &title, body).into_response())
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-`, `@` (or tab/CR) defused with
/// an apostrophe so a spreadsheet never runs a customer-supplied value as a formula.
fn csv_field(v: &str) -> String {
    let v = if v.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{v}")
    } else {
        v.to_string()
    };
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v
    }
}

pub(super) fn csv_line(out: &mut String, fields: &[&str]) {
    let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// `GET /console/customers.csv`: the same list with the same filters, every page, as UTF-8 CSV
/// with a byte-order mark (so Excel opens Chinese correctly) and a header row in the user's
/// language. A reseller's list without delegation is not exported.
pub async fn export_csv(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    let lang = c.lang;
    let (f, viewer) = Filters::with_viewer(&c, &q)?;
    let operator = matches!(viewer, Viewer::Operator { .. });
    let mut out = String::from("\u{feff}");
    let mut header: Vec<&str> = vec![t(lang, "account_name"), t(lang, "real_name"), t(lang, "id")];
    if operator {
        header.push(t(lang, "partner"));
    }
    header.extend([
        t(lang, "association_type"),
        t(lang, "label"),
        t(lang, "associated_on"),
        t(lang, "telephone"),
        t(lang, "email"),
    ]);
    csv_line(&mut out, &header);
    let mut offset = 0;
    loop {
        let query = f
            .query(&viewer, offset, customers::MAX_PAGE)
            .map_err(|e| internal(lang, e))?;
        let l = fetch(&st, &c, &viewer, &query)
            .await
            .map_err(|e| refused(&c, e))?;
        if l.reseller_delegated == Some(false) {
            return Err((
                StatusCode::FORBIDDEN,
                message_page(lang, Some(&c), "403", t(lang, "reseller_customers_hidden")),
            )
                .into_response());
        }
        for x in &l.rows {
            let at = if x.partner_id.is_some() {
                format_utc(x.associated_at)
            } else {
                String::new()
            };
            let phone = x.mobile.as_deref().map(mask_phone).unwrap_or_default();
            let mut row: Vec<&str> = vec![
                &x.account_name,
                x.real_name.as_deref().unwrap_or(""),
                &x.customer_id,
            ];
            if operator {
                row.push(x.partner_name.as_deref().unwrap_or(""));
            }
            row.extend([
                assoc_label(lang, x),
                x.label.as_deref().unwrap_or(""),
                &at,
                &phone,
                x.email.as_deref().unwrap_or(""),
            ]);
            csv_line(&mut out, &row);
        }
        offset += customers::MAX_PAGE;
        if l.rows.is_empty() || offset >= l.total || offset >= CSV_MAX_ROWS {
            break;
        }
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"customers.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

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
            dt { (t(lang, "balance")) } dd #balance { "¥ " (d.balance) }
        } }
        @if x.partner_id.is_some() && !d.via_delegation && matches!(c.user.role, Role::PartnerAdmin | Role::Operator) {
            (super::unbind::unbind_form(lang, &c.user.csrf, &format!("/console/customers/{}/unbind", x.customer_id)))
        }
        h2 { (t(lang, "association_history")) }
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

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("西湖茶业"), "西湖茶业");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=1+1"), "'=1+1");
        assert_eq!(csv_field("-abcde"), "'-abcde");
        assert_eq!(csv_field("@x,y"), "\"'@x,y\"");
    }
}
