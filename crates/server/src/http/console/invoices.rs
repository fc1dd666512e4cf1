//! Consumption invoices in the console (`pc_app::services::invoices`), `/console/invoices`:
//!
//! - a customer: who invoices it (its partner for resale consumption, else the vendor), its one
//!   invoice profile, the months and the orders open to invoice by issuer with a request form for
//!   each (by month, by order; ordinary or VAT special, electronic or paper, a remark), and its
//!   requests with how they select and their status, the issuer's
//!   reason for a rejection and the invoice number, and its own moves (cancel before review,
//!   resubmit or delete a draft, confirm a paper invoice's receipt);
//! - a partner admin: the same towards the vendor for its resale customers' consumption (by month,
//!   by order, or by customer per month), and the queue of its resale customers' requests to review, issue
//!   (electronic) or mail (paper);
//! - an operator: the queue of requests the vendor issues.
//!
//! Every form carries the CSRF token; a refused form re-renders the page with the reason in the
//! page's language and writes nothing; a success redirects with `?done=`.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::customers::lookup as customer_lookup;
use pc_app::services::invoices::{self, Act, NewRequest, Open, Profile, Request, Selection};
use pc_app::services::partners;
use pc_app::{AppError, Code};
use pc_domain::invoices::{self as rules, Action, Status, TitleType};
use pc_domain::party::Role;
use pc_domain::Money;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, with_status, Page};
use super::refill::Refill;
use super::Console;
use crate::http::form::Fields;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/invoices", get(invoices_page).post(submit))
        .route("/console/invoices.csv", get(super::export::invoices::csv))
        .route("/console/invoices.xlsx", get(super::export::invoices::xlsx))
        .route("/console/invoices/profile", post(save_profile))
        .route("/console/invoices/{id}/{action}", post(act))
}

fn yuan(cents: i64) -> String {
    super::layout::yuan(Money::from_cents(cents))
}

/// R8.8's date for the issuer: three working days after the request (its day in Asia/Shanghai).
fn due_by(created_at: i64) -> String {
    rules::due_by(pc_domain::timefmt::cn_date(created_at)).to_string()
}

pub(super) fn status_label(lang: Lang, s: i64) -> &'static str {
    t(lang, &format!("invoice_status_{s}"))
}

fn done_key(q: &HashMap<String, String>) -> Option<&'static str> {
    match q.get("done").map(String::as_str) {
        Some("submitted") => Some("invoice_submitted"),
        Some("profile") => Some("saved"),
        Some("acted") => Some("invoice_acted"),
        _ => None,
    }
}

pub(super) fn may_request(role: Role) -> bool {
    matches!(role, Role::Customer | Role::PartnerAdmin)
}

async fn invoices_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Customer, Role::PartnerAdmin, Role::Operator])?;
    view(&st, &c, done_key(&q), None, &Refill::NONE).await
}

/// The page; `error` a refusal of no one form, `refill` a refused form shown again.
async fn view(
    st: &AppState,
    c: &Console,
    done: Option<&'static str>,
    error: Option<(StatusCode, String)>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let ctx = c.ctx();
    let err = |e: AppError| internal(lang, e);
    let (status, message) = match error {
        Some((s, m)) => (s, Some(m)),
        None => (refill.status(), None),
    };
    let mut body = html! {
        @if let Some(k) = done { p.flash.ok #invoice-done { (t(lang, k)) } }
        @if let Some(m) = &message { p.flash.error #invoice-error { (m) } }
        p.muted { (t(lang, "invoice_rule_hint")) }
    };
    if may_request(c.user.role) {
        let profile = invoices::profile(&st.db, &ctx).await.map_err(err)?;
        let (months, orders) = invoices::open_amounts(&st.db, &ctx).await.map_err(err)?;
        let (_, mine) = invoices::my_requests(&st.db, &ctx, None, Some(100))
            .await
            .map_err(err)?;
        let who = if c.user.role == Role::Customer {
            Some(invoices::issuer_now(&st.db, &ctx).await.map_err(err)?)
        } else {
            None
        };
        // Names of the issuers the open months name.
        let mut ids: Vec<&str> = months
            .iter()
            .map(|m| m.issuer_partner_id.as_str())
            .filter(|i| !i.is_empty())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let names = partners::lookup::names(st.db.read(), &ids)
            .await
            .map_err(err)?;
        // A partner's lists name its customers.
        let mut customer_ids: Vec<&str> = if c.user.role == Role::PartnerAdmin {
            months.iter().map(|m| m.customer_id.as_str()).collect()
        } else {
            Vec::new()
        };
        customer_ids.sort_unstable();
        customer_ids.dedup();
        let customer_names = customer_lookup::names(st.db.read(), &customer_ids)
            .await
            .map_err(err)?;
        let issuer_name = |id: &str| -> String {
            if id.is_empty() {
                t(lang, "invoice_vendor").to_string()
            } else {
                names
                    .get(id)
                    .map(|p| p.name.clone())
                    .unwrap_or_else(|| id.to_string())
            }
        };
        body = html! {
            (body)
            @if let Some(who) = &who {
                p #who-invoices-me {
                    (t(lang, "invoice_who")) ": "
                    strong { @match who {
                        Some(p) => (p.name),
                        None => (t(lang, "invoice_vendor")),
                    } }
                }
            }
            (profile_form(c, profile.as_ref(), refill.on("invoice-profile")))
            h2 { (t(lang, "invoice_request")) }
            (request_form(c, &months, &issuer_name, refill))
            (order_form(c, &orders, &issuer_name, &customer_names, refill))
            @if c.user.role == Role::PartnerAdmin {
                (customer_form(c, &months, &customer_names, refill))
            }
            h2 { (t(lang, "invoice_my_requests")) }
            p { (super::export::links(lang, "export-mine", "/console/invoices", "list=mine")) }
            (requests_table(c, &mine, false, &issuer_name, refill))
        };
    }
    if matches!(c.user.role, Role::PartnerAdmin | Role::Operator) {
        let (_, queue) = invoices::issuer_queue(&st.db, &ctx, None, None, Some(100))
            .await
            .map_err(err)?;
        body = html! {
            (body)
            h2 #invoice-queue-title { (t(lang, if c.user.role == Role::Operator { "invoice_queue_vendor" } else { "invoice_queue_partner" })) }
            p { (super::export::links(lang, "export-queue", "/console/invoices", "list=queue")) }
            (requests_table(c, &queue, true, &|_| String::new(), refill))
        };
    }
    with_status(status, page(lang, Some(c), t(lang, "invoices_nav"), body))
}

fn profile_form(c: &Console, p: Option<&Profile>, r: &Refill) -> Markup {
    let lang = c.lang;
    let enterprise = p.is_none_or(|p| p.title_type == TitleType::Enterprise);
    let enterprise = r.value("title_type", if enterprise { "1" } else { "2" }) != "2";
    html! {
        form.card #invoice-profile method="post" action="/console/invoices/profile" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            h2 { (t(lang, "invoice_profile")) }
            p.muted { (t(lang, "invoice_profile_hint")) }
            (r.form_error())
            label { (t(lang, "invoice_title_type")) " "
                select name="title_type" #invoice-title-type aria-invalid=[r.invalid("title_type")] aria-describedby=[r.described_by("title_type")] {
                    option value="1" selected[enterprise] { (t(lang, "invoice_title_enterprise")) }
                    option value="2" selected[!enterprise] { (t(lang, "invoice_title_organization")) }
                }
            }
            (r.error_for("title_type"))
            label { (t(lang, "invoice_title")) br;
                input name="title" #invoice-title required maxlength="100" size="40" value=(r.value("title", p.map(|p| p.title.as_str()).unwrap_or("")))
                    aria-invalid=[r.invalid("title")] aria-describedby=[r.described_by("title")]; }
            (r.error_for("title"))
            label { (t(lang, "invoice_tax_id")) br;
                input name="tax_id" #invoice-tax-id maxlength="32" value=(r.value("tax_id", p.and_then(|p| p.tax_id.as_deref()).unwrap_or("")))
                    aria-invalid=[r.invalid("tax_id")] aria-describedby=[r.described_by("tax_id")]; }
            (r.error_for("tax_id"))
            label { (t(lang, "invoice_address")) br;
                input name="mailing_address" #invoice-address maxlength="200" size="50" value=(r.value("mailing_address", p.and_then(|p| p.mailing_address.as_deref()).unwrap_or("")))
                    aria-invalid=[r.invalid("mailing_address")] aria-describedby=[r.described_by("mailing_address")]; }
            (r.error_for("mailing_address"))
            p { button #invoice-profile-save type="submit" { (t(lang, "save")) } }
        }
    }
}

fn request_form(
    c: &Console,
    months: &[Open],
    issuer_name: &dyn Fn(&str) -> String,
    refill: &Refill,
) -> Markup {
    let lang = c.lang;
    let r = refill.on("invoice-request");
    // One row per issuer and month: the open amount over its customers.
    let mut rows: Vec<(String, String, i64)> = Vec::new();
    for m in months {
        match rows
            .iter_mut()
            .find(|(i, cy, _)| *i == m.issuer_partner_id && *cy == m.cycle)
        {
            Some(r) => r.2 += m.open,
            None => rows.push((m.issuer_partner_id.clone(), m.cycle.clone(), m.open)),
        }
    }
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let table = html! {
        div.scroll { table #invoice-open {
            thead { tr { th {} th { (t(lang, "bill_cycle")) } th { (t(lang, "invoice_issuer")) } th { (t(lang, "invoice_open")) } } }
            tbody {
                @for (issuer, cycle, open) in &rows {
                    tr data-cycle=(cycle) data-issuer=(issuer) {
                        @let v = format!("{issuer}|{cycle}");
                        td { input type="checkbox" name="month" value=(v) aria-label=(cycle) disabled[*open <= 0] checked[r.selected("month", &v)]; }
                        td { (cycle) }
                        td { (issuer_name(issuer)) }
                        td.amount { (yuan(*open)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="4" .muted { (t(lang, "invoice_nothing_open")) } } }
            }
        } }
    };
    request_card(c, "month", false, table, r)
}

/// One request form. `by` says how it selects (`month`, `order`, `customer`: the submitted
/// `by`), and names its ids (`invoice-request[-by]`, `invoice-submit[-by]`; none for months),
/// its title (`invoice_by_{by}`) and, with `hint`, its hint (`invoice_by_{by}_hint`); `table`
/// lists what may be chosen.
fn request_card(c: &Console, by: &str, hint: bool, table: Markup, r: &Refill) -> Markup {
    let lang = c.lang;
    let suffix = if by == "month" {
        String::new()
    } else {
        format!("-{by}")
    };
    html! {
        form.card id=(format!("invoice-request{suffix}")) method="post" action="/console/invoices" {
            input type="hidden" name="csrf" value=(c.user.csrf);
            input type="hidden" name="by" value=(by);
            h3 { (t(lang, &format!("invoice_by_{by}"))) }
            @if hint { p.muted { (t(lang, &format!("invoice_by_{by}_hint"))) } }
            (r.form_error())
            (table)
            (request_fields(lang, &format!("invoice-submit{suffix}"), r))
        }
    }
}

/// What every request form asks besides its selection: invoice type, medium, remark, and the
/// submit button (`submit_id`).
fn request_fields(lang: Lang, submit_id: &str, r: &Refill) -> Markup {
    html! {
        label { (t(lang, "invoice_type")) " "
            select name="special" .invoice-special aria-invalid=[r.invalid("special")] aria-describedby=[r.described_by("special")] {
                option value="0" { (t(lang, "invoice_ordinary")) }
                option value="1" selected[r.selected("special", "1")] { (t(lang, "invoice_special")) }
            }
        }
        (r.error_for("special"))
        " "
        label { (t(lang, "invoice_medium")) " "
            select name="paper" .invoice-medium aria-invalid=[r.invalid("paper")] aria-describedby=[r.described_by("paper")] {
                option value="0" { (t(lang, "invoice_electronic")) }
                option value="1" selected[r.selected("paper", "1")] { (t(lang, "invoice_paper")) }
            }
        }
        (r.error_for("paper"))
        label { (t(lang, "invoice_remark")) br; input name="remark" maxlength="200" size="50" value=(r.value("remark", "")); }
        p { button.primary id=(submit_id) type="submit" { (t(lang, "invoice_submit")) } }
    }
}

/// A customer's name, or its id when it has none.
fn customer_label(names: &HashMap<String, String>, id: &str) -> Markup {
    html! {
        @match names.get(id) {
            Some(n) => { (n) " " small.muted { code { (id) } } },
            None => code { (id) },
        }
    }
}

/// Requests by order: the orders open to invoice (their open amount above zero), newest month
/// first; a partner's rows name the customer.
fn order_form(
    c: &Console,
    orders: &[Open],
    issuer_name: &dyn Fn(&str) -> String,
    customer_names: &HashMap<String, String>,
    refill: &Refill,
) -> Markup {
    let lang = c.lang;
    let r = refill.on("invoice-request-order");
    let partner = c.user.role == Role::PartnerAdmin;
    let mut open: Vec<&Open> = orders.iter().filter(|o| o.open > 0).collect();
    open.sort_by(|a, b| b.cycle.cmp(&a.cycle).then(a.order_id.cmp(&b.order_id)));
    let table = html! {
        div.scroll { table #invoice-open-orders {
            thead { tr {
                th {} th { (t(lang, "invoice_order")) } th { (t(lang, "bill_cycle")) }
                @if partner { th { (t(lang, "invoice_customer")) } }
                th { (t(lang, "invoice_issuer")) } th { (t(lang, "invoice_open")) }
            } }
            tbody {
                @for o in &open {
                    tr data-order=(o.order_id) data-issuer=(o.issuer_partner_id) {
                        @let v = format!("{}|{}", o.issuer_partner_id, o.order_id);
                        td { input type="checkbox" name="order" value=(v) aria-label=(o.order_id) checked[r.selected("order", &v)]; }
                        td { code { (o.order_id) } }
                        td { (o.cycle) }
                        @if partner { td { (customer_label(customer_names, &o.customer_id)) } }
                        td { (issuer_name(&o.issuer_partner_id)) }
                        td.amount { (yuan(o.open)) }
                    }
                }
                @if open.is_empty() { tr { td colspan="6" .muted { (t(lang, "invoice_no_orders_open")) } } }
            }
        } }
    };
    request_card(c, "order", true, table, r)
}

/// A partner admin's requests by customer per month: each customer's months with an open amount.
fn customer_form(
    c: &Console,
    months: &[Open],
    customer_names: &HashMap<String, String>,
    refill: &Refill,
) -> Markup {
    let r = refill.on("invoice-request-customer");
    let lang = c.lang;
    let mut rows: Vec<&Open> = months.iter().filter(|m| m.open > 0).collect();
    rows.sort_by(|a, b| {
        b.cycle
            .cmp(&a.cycle)
            .then(a.customer_id.cmp(&b.customer_id))
    });
    let table = html! {
        div.scroll { table #invoice-open-customers {
            thead { tr { th {} th { (t(lang, "invoice_customer")) } th { (t(lang, "bill_cycle")) } th { (t(lang, "invoice_open")) } } }
            tbody {
                @for m in &rows {
                    tr data-customer=(m.customer_id) data-cycle=(m.cycle) {
                        @let v = format!("{}|{}", m.customer_id, m.cycle);
                        td { input type="checkbox" name="customer_month" value=(v) aria-label=(format!("{} {}", customer_names.get(&m.customer_id).unwrap_or(&m.customer_id), m.cycle)) checked[r.selected("customer_month", &v)]; }
                        td { (customer_label(customer_names, &m.customer_id)) }
                        td { (m.cycle) }
                        td.amount { (yuan(m.open)) }
                    }
                }
                @if rows.is_empty() { tr { td colspan="4" .muted { (t(lang, "invoice_nothing_open")) } } }
            }
        } }
    };
    request_card(c, "customer", true, table, r)
}

fn requests_table(
    c: &Console,
    list: &[Request],
    issuer: bool,
    issuer_name: &dyn Fn(&str) -> String,
    refill: &Refill,
) -> Markup {
    let lang = c.lang;
    html! {
        div.scroll { table.invoice-requests id=(if issuer { "invoice-queue" } else { "invoice-mine" }) {
            thead { tr {
                th { (t(lang, "created_at")) } th { (t(lang, "invoice_id")) }
                @if issuer { th { (t(lang, "invoice_requester")) } } @else { th { (t(lang, "invoice_issuer")) } }
                th { (t(lang, "invoice_scope")) } th { (t(lang, "amount")) } th { (t(lang, "invoice_title")) }
                th { (t(lang, "status")) } th {}
            } }
            tbody {
                @for r in list {
                    tr data-invoice=(r.id) data-status=(r.status) data-kind=(r.kind) {
                        td { (cn_time(r.created_at)) }
                        td { code { (r.id) } }
                        @if issuer { td { (r.requester_kind) " " code { (r.requester_id) } } }
                        @else { td { (issuer_name(&r.issuer_partner_id)) } }
                        td { small.invoice-kind { (t(lang, &format!("invoice_kind_{}", r.kind.clamp(1, 3)))) } br; (r.scope) }
                        td.amount { (yuan(r.amount))
                            @if r.owed_offset > 0 { br; small.muted { (t(lang, "invoice_owed_offset")) " " (yuan(r.owed_offset)) } } }
                        td { (r.title) br; small.muted {
                            (t(lang, if r.special { "invoice_special" } else { "invoice_ordinary" })) " · "
                            (t(lang, if r.paper { "invoice_paper" } else { "invoice_electronic" }))
                            @if rules::freight_collect(r.paper, r.amount) { br; span.freight { (t(lang, "invoice_freight_collect")) } } } }
                        td.status { (status_label(lang, r.status))
                            @if issuer && matches!(Status::from_code(r.status), Some(Status::PendingReview | Status::Issuing)) {
                                br; small.due-by { (t(lang, "invoice_due_by")) " " (due_by(r.created_at)) } }
                            @if let Some(reason) = &r.reason { br; small.reject-reason { (t(lang, "reason")) ": " (reason) } }
                            @if let Some(no) = &r.invoice_no { br; small.invoice-no { (t(lang, "invoice_no")) ": " code { (no) } } } }
                        td { (actions(c, (r, refill), issuer)) }
                    }
                }
                @if list.is_empty() { tr { td colspan="8" .muted { (t(lang, "empty")) } } }
            }
        } }
    }
}

/// The id of the form of `action` on the request `id`.
fn act_form_id(id: &str, action: &str) -> String {
    format!("invoice-{action}-{id}")
}

/// One action's form on a request (`refill`: a refusal of it, its reason or number kept).
fn action_form(
    c: &Console,
    (r, refill): (&Request, &Refill),
    action: &str,
    label: &str,
    field: Option<(&str, &str)>,
) -> Markup {
    let form = act_form_id(&r.id, action);
    let fr = refill.on(&form);
    html! {
        form.invoice-act id=(form) data-action=(action) method="post" action=(format!("/console/invoices/{}/{action}", enc(&r.id))) {
            input type="hidden" name="csrf" value=(c.user.csrf);
            (fr.form_error())
            @if let Some((name, placeholder)) = field {
                input name=(name) required maxlength="200" aria-label=(placeholder) placeholder=(placeholder)
                    value=(fr.value(name, "")) aria-invalid=[fr.invalid(name)] aria-describedby=[fr.described_by(name)];
                " "
            }
            button type="submit" { (label) }
            @if let Some((name, _)) = field { (fr.error_for(name)) }
        }
    }
}

fn actions(c: &Console, rr: (&Request, &Refill), issuer: bool) -> Markup {
    let (r, lang) = (rr.0, c.lang);
    let s = Status::from_code(r.status);
    html! {
        @if issuer {
            @match s {
                Some(Status::PendingReview) => {
                    (action_form(c, rr, "approve", t(lang, "invoice_approve"), None))
                    (action_form(c, rr, "reject", t(lang, "invoice_reject"), Some(("reason", t(lang, "reason")))))
                }
                Some(Status::Issuing) if r.paper => (action_form(c, rr, "mail", t(lang, "invoice_mail"), Some(("invoice_no", t(lang, "invoice_no"))))),
                Some(Status::Issuing) => (action_form(c, rr, "issue", t(lang, "invoice_issue"), Some(("invoice_no", t(lang, "invoice_no"))))),
                Some(Status::ReturnRequested) => {
                    (action_form(c, rr, "confirm-return", t(lang, "invoice_confirm_return"), None))
                    (action_form(c, rr, "refuse-return", t(lang, "invoice_refuse_return"), Some(("reason", t(lang, "reason")))))
                }
                _ => {}
            }
        } @else {
            @match s {
                Some(Status::PendingReview) => (action_form(c, rr, "cancel", t(lang, "invoice_cancel"), None)),
                Some(Status::Draft) => {
                    (action_form(c, rr, "resubmit", t(lang, "invoice_resubmit"), None))
                    (action_form(c, rr, "delete", t(lang, "invoice_delete"), None))
                }
                Some(Status::AwaitingReceipt) => (action_form(c, rr, "confirm", t(lang, "invoice_confirm"), None)),
                Some(Status::Issued) => {
                    (action_form(c, rr, "return", t(lang, "invoice_request_return"), Some(("reason", t(lang, "reason")))))
                    @if r.paper { small.muted { (t(lang, "invoice_return_paper")) } }
                }
                _ => {}
            }
        }
    }
}

/// The request form's field a refusal concerns, where one does.
fn request_field(code: Code) -> Option<&'static str> {
    match code {
        Code::InvoiceSpecialNeedsEnterprise => Some("special"),
        Code::InvoicePaperNeedsAddress => Some("paper"),
        _ => None,
    }
}

async fn save_profile(State(st): State<AppState>, c: Console, body: Bytes) -> Page {
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    c.require(&[Role::Customer, Role::PartnerAdmin])?;
    let opt = |k: &str| Some(f.get(k)).filter(|v| !v.is_empty());
    let p = Profile {
        title_type: if f.get("title_type") == "2" {
            TitleType::Organization
        } else {
            TitleType::Enterprise
        },
        title: f.get("title"),
        tax_id: opt("tax_id"),
        mailing_address: opt("mailing_address"),
    };
    match invoices::save_profile(&st.db, c.ctx(), p).await {
        Ok(_) => Ok(Redirect::to("/console/invoices?done=profile").into_response()),
        Err(e) => {
            let field = (e.code == Code::InvoiceBadTitle).then_some("title");
            let refill = Refill::new("invoice-profile", &f).refused(c.lang, &e, field);
            view(&st, &c, None, None, &refill).await
        }
    }
}

async fn submit(State(st): State<AppState>, c: Console, body: Bytes) -> Page {
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    c.require(&[Role::Customer, Role::PartnerAdmin])?;
    // What was checked, grouped by issuer (by customer for requests by customer per month): one
    // request per group.
    let by = f.get("by");
    let (field, empty, form) = match by.as_str() {
        "order" => ("order", "invoice_choose_order", "invoice-request-order"),
        "customer" => (
            "customer_month",
            "invoice_choose_customer_month",
            "invoice-request-customer",
        ),
        _ => ("month", "invoice_choose_month", "invoice-request"),
    };
    let refill = Refill::new(form, &f);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for v in f.all(field) {
        let (key, item) = v.split_once('|').unwrap_or(("", v.as_str()));
        match groups.iter_mut().find(|(k, _)| k == key) {
            Some((_, items)) => items.push(item.to_string()),
            None => groups.push((key.to_string(), vec![item.to_string()])),
        }
    }
    if groups.is_empty() {
        let e = AppError::invalid_tr(t(Lang::En, empty), t(Lang::Zh, empty));
        return view(&st, &c, None, None, &refill.refused(c.lang, &e, None)).await;
    }
    let remark = Some(f.get("remark")).filter(|r| !r.is_empty());
    for (key, items) in groups {
        let (issuer_partner_id, selection) = match by.as_str() {
            "order" => (key, Selection::Orders(items)),
            // Partners ask the vendor.
            "customer" => (
                String::new(),
                Selection::CustomerMonths {
                    customer_id: key,
                    months: items,
                },
            ),
            _ => (key, Selection::Months(items)),
        };
        let req = NewRequest {
            issuer_partner_id,
            selection,
            special: f.get("special") == "1",
            paper: f.get("paper") == "1",
            remark: remark.clone(),
        };
        if let Err(e) = invoices::submit(&st.db, c.ctx(), req).await {
            let field = request_field(e.code);
            return view(&st, &c, None, None, &refill.refused(c.lang, &e, field)).await;
        }
    }
    Ok(Redirect::to("/console/invoices?done=submitted").into_response())
}

async fn act(
    State(st): State<AppState>,
    c: Console,
    Path((id, action)): Path<(String, String)>,
    body: Bytes,
) -> Page {
    let f = Fields::parse(&body);
    c.check_csrf(&f.get("csrf"))?;
    c.require(&[Role::Customer, Role::PartnerAdmin, Role::Operator])?;
    let form = act_form_id(&id, &action);
    let action = match action.as_str() {
        "approve" => Action::Approve,
        "reject" => Action::Reject,
        "issue" => Action::IssueElectronic,
        "mail" => Action::Mail,
        "cancel" => Action::Cancel,
        "resubmit" => Action::Resubmit,
        "delete" => Action::Delete,
        "confirm" => Action::ConfirmReceipt,
        "return" => Action::RequestReturn,
        "confirm-return" => Action::ConfirmReturn,
        "refuse-return" => Action::RefuseReturn,
        _ => {
            return view(
                &st,
                &c,
                None,
                Some((StatusCode::NOT_FOUND, t(c.lang, "not_found").to_string())),
                &Refill::NONE,
            )
            .await
        }
    };
    // The field the action's form asks for.
    let field = match action {
        Action::Mail | Action::IssueElectronic => Some("invoice_no"),
        Action::Reject | Action::RequestReturn | Action::RefuseReturn => Some("reason"),
        _ => None,
    };
    let opt = |k: &str| Some(f.get(k)).filter(|v| !v.is_empty());
    let a = Act {
        request_id: id,
        action,
        reason: opt("reason"),
        invoice_no: opt("invoice_no"),
    };
    match invoices::act(&st.db, c.ctx(), a).await {
        Ok(_) => Ok(Redirect::to("/console/invoices?done=acted").into_response()),
        // The request's status unchanged, its form is still there: the message beside its field.
        Err(e) if e.code == Code::InvalidParameter && field.is_some() => {
            let refill = Refill::new(form, &f).refused(c.lang, &e, field);
            view(&st, &c, None, None, &refill).await
        }
        // The request's row may no longer offer this form: the message atop the page.
        Err(e) => {
            let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::BAD_REQUEST);
            let msg = e.message(c.lang == Lang::Zh);
            view(&st, &c, None, Some((status, msg)), &Refill::NONE).await
        }
    }
}
