//! The console's *Funds* pages (`/console/funds`).
//!
//! - Operators: every partner's balance and their total, and a page per partner to credit its
//!   account from outside (amount, memo) that then shows the transfer and the resulting balance.
//! - Partner admins: their balance, their income/expense records (paged, filtered by UTC+8 date
//!   and trade type), allocation to / reclaim from a resale customer, and for master
//!   distributors allocation to / reclaim from a reseller.
//!
//! Handlers parse, call `pc_app::services::funds` (the same functions as the vendor API), and
//! redirect after a successful write (PRG) to a page that looks the transfer up again.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::{html, Markup};
use pc_app::services::funds::{
    self, ChangeRecordFilters, ChangeRecords, Credit, CustomerFunds, PartnerWithBalance,
    ResellerFunds, TransferView, Way,
};
use pc_app::{AppError, Code};
use pc_domain::funds::{classify, Direction, TradeType};
use pc_domain::party::{PartnerType, Role};
use pc_domain::timefmt::format_date;
use pc_domain::Money;
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, message_page, page, pager, with_status, yuan, Page};
use super::refill::{Refill, Submitted};
use super::Console;
use crate::http::form::Fields;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/funds", get(funds_page))
        .route("/console/funds.csv", get(super::export::funds::csv))
        .route("/console/funds.xlsx", get(super::export::funds::xlsx))
        .route(
            "/console/funds/credit",
            get(credit_page).post(credit_submit),
        )
        .route("/console/funds/customers", post(customer_submit))
        .route("/console/funds/resellers", post(reseller_submit))
}

const PAGE: i64 = 20;
const OPERATOR_PAGE: i64 = 50;
/// Most customers / resellers a form's select lists.
const SELECT_MAX: i64 = 500;

/// The outcome shown above a page.
enum Flash {
    Done(TransferView),
    Error(String),
}

pub(super) fn direction_label(lang: Lang, d: Direction) -> &'static str {
    match d {
        Direction::Income => t(lang, "funds_income"),
        Direction::Expense => t(lang, "funds_expense"),
    }
}

pub(super) fn trade_label(lang: Lang, tt: TradeType) -> &'static str {
    t(lang, &format!("funds_tt_{}", tt.as_str()))
}

fn flash_markup(lang: Lang, f: &Option<Flash>) -> Markup {
    html! {
        @match f {
            Some(Flash::Done(v)) => div.flash.ok #funds-result data-transfer=(v.id) {
                (t(lang, "funds_done")) ": " (trade_label(lang, classify(&v.kind).0))
                " (" (direction_label(lang, v.direction)) ") "
                span #result-amount { (yuan(v.amount)) } " · "
                (t(lang, "funds_transfer_id")) " " code #result-transfer { (v.id) } " · "
                (t(lang, "funds_balance_after")) " " span #result-balance { (yuan(v.balance_after)) }
                @if let Some(m) = &v.memo { " · " (t(lang, "funds_memo")) " " (m) }
            },
            Some(Flash::Error(msg)) => p.flash.error #funds-error { (msg) },
            None => {},
        }
    }
}

/// A positive amount, or the form refused beside its `amount` field.
fn parse_amount(lang: Lang, s: &str, refill: Refill) -> Result<Money, Refill> {
    match Money::parse(s) {
        Ok(m) if m.is_positive() => Ok(m),
        _ => Err(refill.refused_with(
            t(lang, "funds_amount_rule"),
            StatusCode::BAD_REQUEST,
            Some("amount"),
        )),
    }
}

async fn funds_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    match c.user.role {
        Role::Operator => operator_overview(&st, &c, &q).await,
        Role::PartnerAdmin => {
            let flash = match q.get("transfer").filter(|v| !v.is_empty()) {
                Some(tid) => funds::find_transfer(&st.db, &c.ctx(), None, tid)
                    .await
                    .map_err(|e| internal(c.lang, e))?
                    .map(Flash::Done),
                None => None,
            };
            partner_page(&st, &c, &q, flash, &Refill::NONE).await
        }
        _ => Err(super::layout::forbidden(&c)),
    }
}

// ----------------------------------------------------------------------------------------------
// Operators

async fn operator_overview(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Page {
    let lang = c.lang;
    let offset = q
        .get("offset")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let (count, total, list) = funds::all_partner_balances(&st.db, &c.ctx(), offset, OPERATOR_PAGE)
        .await
        .map_err(|e| internal(lang, e))?;
    let body = html! {
        div.card { dl {
            dt { (t(lang, "partner_count")) } dd #partner-count { (count) }
            dt { (t(lang, "funds_total_balance")) } dd #total-balance { (yuan(total)) }
        } }
        div.scroll { table #partner-balances {
            thead { tr {
                th { (t(lang, "name")) } th { (t(lang, "type")) } th { (t(lang, "id")) } th { (t(lang, "parent")) }
                th { (t(lang, "balance")) } th {}
            } }
            tbody {
                @for b in &list {
                    tr data-partner=(b.partner.id) {
                        td { (b.partner.name) }
                        td { (t(lang, &format!("type_{}", b.partner.partner_type.as_str()))) }
                        td { code { (b.partner.id) } }
                        td { (b.partner.parent_id.clone().unwrap_or_default()) }
                        td.balance { (yuan(b.balance)) }
                        td { a.credit-link href=(format!("/console/funds/credit?partner={}", enc(&b.partner.id))) { (t(lang, "funds_credit")) } }
                    }
                }
                @if list.is_empty() { tr { td colspan="6" .muted { (t(lang, "empty")) } } }
            }
        } }
        (pager(offset, OPERATOR_PAGE, count, "/console/funds?", lang))
    };
    Ok(page(lang, Some(c), t(lang, "funds_all_balances"), body).into_response())
}

async fn credit_view(
    st: &AppState,
    c: &Console,
    partner_id: &str,
    flash: Option<Flash>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let Some(PartnerWithBalance {
        partner: p,
        balance: bal,
    }) = funds::credit_target(&st.db, &c.ctx(), partner_id)
        .await
        .map_err(|e| internal(lang, e))?
    else {
        return Err((
            StatusCode::NOT_FOUND,
            message_page(lang, Some(c), t(lang, "funds_credit"), t(lang, "not_found")),
        )
            .into_response());
    };
    let r = refill.on("credit-form");
    let body = html! {
        (flash_markup(lang, &flash))
        div.card { dl {
            dt { (t(lang, "name")) } dd #credit-partner-name { (p.name) }
            dt { (t(lang, "type")) } dd { (t(lang, &format!("type_{}", p.partner_type.as_str()))) }
            dt { (t(lang, "id")) } dd { code #credit-partner-id { (p.id) } }
            dt { (t(lang, "balance")) } dd #credit-balance { (yuan(bal)) }
        } }
        div.card {
            form #credit-form method="post" action="/console/funds/credit" {
                input type="hidden" name="csrf" value=(c.user.csrf);
                input type="hidden" name="partner_id" value=(p.id);
                (r.form_error())
                label { (t(lang, "funds_amount")) input #credit-amount name="amount" inputmode="decimal" required placeholder="1000.00"
                    value=(r.value("amount", "")) aria-invalid=[r.invalid("amount")] aria-describedby=[r.described_by("amount")]; }
                (r.error_for("amount"))
                label { (t(lang, "funds_memo")) input #credit-memo name="memo" maxlength="200"
                    value=(r.value("memo", "")) aria-invalid=[r.invalid("memo")] aria-describedby=[r.described_by("memo")]; }
                (r.error_for("memo"))
                button.primary #credit-submit type="submit" { (t(lang, "funds_credit")) }
            }
        }
        p { a href="/console/funds" { (t(lang, "funds_all_balances")) } }
    };
    with_status(
        refill.status(),
        page(lang, Some(c), t(lang, "funds_credit_partner"), body),
    )
}

async fn credit_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Operator])?;
    let pid = q.get("partner").cloned().unwrap_or_default();
    let flash = match q.get("transfer").filter(|v| !v.is_empty()) {
        Some(tid) => funds::find_transfer(&st.db, &c.ctx(), Some(&pid), tid)
            .await
            .map_err(|e| internal(c.lang, e))?
            .map(Flash::Done),
        None => None,
    };
    credit_view(&st, &c, &pid, flash, &Refill::NONE).await
}

#[derive(Deserialize, Default)]
struct CreditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    partner_id: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    memo: String,
}

async fn credit_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<CreditForm>,
) -> Page {
    c.require(&[Role::Operator])?;
    c.check_csrf(&f.csrf)?;
    let refill = Refill::new("credit-form", &fields);
    let amount = match parse_amount(c.lang, &f.amount, refill) {
        Ok(a) => a,
        Err(refill) => return credit_view(&st, &c, &f.partner_id, None, &refill).await,
    };
    let res = funds::credit_partner(
        &st.db,
        c.ctx(),
        Credit {
            partner_id: f.partner_id.clone(),
            amount,
            memo: Some(f.memo.clone()),
        },
    )
    .await;
    match res {
        Ok(done) => Ok(Redirect::to(&format!(
            "/console/funds/credit?partner={}&transfer={}",
            enc(&f.partner_id),
            enc(&done.transfer_id)
        ))
        .into_response()),
        Err(e) => {
            let field = (e.code == Code::InsufficientBalance).then_some("amount");
            let refill = Refill::new("credit-form", &fields).refused(c.lang, &e, field);
            credit_view(&st, &c, &f.partner_id, None, &refill).await
        }
    }
}

// ----------------------------------------------------------------------------------------------
// Partner admins

async fn partner_page(
    st: &AppState,
    c: &Console,
    q: &HashMap<String, String>,
    mut flash: Option<Flash>,
    refill: &Refill,
) -> Page {
    let status = refill.status();
    let lang = c.lang;
    let ctx = c.ctx();
    let get = |k: &str| q.get(k).cloned().filter(|v| !v.trim().is_empty());
    let num = |k: &str| {
        get(k)
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
            .max(0)
    };
    let (offset, roffset) = (num("offset"), num("roffset"));
    let filters =
        |from: Option<String>, to: Option<String>, tt: Option<String>| ChangeRecordFilters {
            balance_type: Some("BALANCE_TYPE_DEBIT".into()),
            trade_type: tt,
            trade_time_begin: from,
            trade_time_end: to,
            offset: Some(offset),
            limit: Some(PAGE),
            indirect_partner_id: None,
        };
    let page_of_records = match funds::change_records(
        &st.db,
        &ctx,
        filters(get("from"), get("to"), get("trade_type")),
    )
    .await
    {
        Err(e) if e.code == Code::InvalidParameter => {
            flash = flash.or(Some(Flash::Error(t(lang, "funds_bad_filter").into())));
            funds::change_records(&st.db, &ctx, filters(None, None, None)).await
        }
        other => other,
    }
    .map_err(|e| internal(lang, e))?;
    let ChangeRecords {
        total,
        records,
        query,
    } = page_of_records;
    let balance = funds::partner_balance(&st.db, &ctx, None)
        .await
        .map_err(|e| internal(lang, e))?;
    let customers = funds::resale_customers_with_balances(&st.db, &ctx, SELECT_MAX)
        .await
        .map_err(|e| internal(lang, e))?;
    let is_distributor = c.user.partner_type == Some(PartnerType::Distributor);
    let (rtotal, resellers) = if is_distributor {
        funds::reseller_balances(&st.db, &ctx, roffset, SELECT_MAX)
            .await
            .map_err(|e| internal(lang, e))?
    } else {
        (0, Vec::new())
    };
    let (from_s, to_s) = (format_date(query.begin), format_date(query.end));
    let tt_s = query.trade_type.map(|t| t.as_str()).unwrap_or("");
    let base = format!(
        "/console/funds?from={}&to={}&trade_type={}&",
        enc(&from_s),
        enc(&to_s),
        enc(tt_s)
    );
    let csrf = &c.user.csrf;
    let body = html! {
        (flash_markup(lang, &flash))
        div.card { dl {
            dt { (t(lang, "funds_my_balance")) } dd #funds-balance { (yuan(balance)) }
        } }

        (move_section(lang, csrf, refill, &MoveSection {
            prefix: "customer",
            action: "/console/funds/customers",
            field: "customer_id",
            title: "funds_customers",
            empty: "funds_no_resale_customers",
            pick: "funds_customer",
            placeholder: "100.00",
            rows: customers.iter().map(|x| (x.customer_id.as_str(), x.account_name.as_str(), x.amount)).collect(),
        }))
        @if is_distributor {
            (move_section(lang, csrf, refill, &MoveSection {
                prefix: "reseller",
                action: "/console/funds/resellers",
                field: "reseller_id",
                title: "funds_resellers",
                empty: "funds_no_resellers",
                pick: "funds_reseller",
                placeholder: "1000.00",
                rows: resellers.iter().map(|r| (r.partner.id.as_str(), r.partner.name.as_str(), r.balance)).collect(),
            }))
            (pager(roffset, SELECT_MAX, rtotal, "/console/funds?r", lang))
        }

        section.card #records-section {
            h2 { (t(lang, "funds_records")) }
            form.filters #records-filter method="get" action="/console/funds" {
                label { (t(lang, "funds_from")) input type="date" name="from" value=(from_s); }
                label { (t(lang, "funds_to")) input type="date" name="to" value=(to_s); }
                label { (t(lang, "funds_trade_type"))
                    select name="trade_type" {
                        option value="" selected[tt_s.is_empty()] { (t(lang, "all")) }
                        @for tt in [TradeType::Recharge, TradeType::BeAdjust, TradeType::BeRetrieve, TradeType::Adjust] {
                            option value=(tt.as_str()) selected[tt_s == tt.as_str()] { (trade_label(lang, tt)) }
                        }
                    }
                }
                button.primary type="submit" { (t(lang, "filter")) }
            }
            p.muted { (t(lang, "total")) " " span #records-total { (total) } " · "
                (super::export::links(lang, "export", "/console/funds", base.trim_start_matches("/console/funds?"))) }
            div.scroll { table #records {
                thead { tr {
                    th { (t(lang, "funds_trade_time")) } th { (t(lang, "funds_trade_type")) } th { (t(lang, "funds_direction")) }
                    th { (t(lang, "funds_change_amount")) } th { (t(lang, "funds_balance_after")) }
                    th { (t(lang, "funds_counterparty")) } th { (t(lang, "funds_transfer_id")) }
                } }
                tbody {
                    @for r in &records {
                        tr data-transfer=(r.transfer_id) data-trade-type=(r.trade_type().as_str()) {
                            td { (cn_time(r.at_ms)) }
                            td { (trade_label(lang, r.trade_type())) }
                            td { (direction_label(lang, r.direction)) }
                            td.change { (r.change) }
                            td.after { (r.balance_after) }
                            td { @if let Some(n) = &r.counterparty_name { (n) " " }
                                 @if let Some(id) = &r.counterparty_id { code { (id) } } }
                            td { code { (r.transfer_id) } }
                        }
                    }
                    @if records.is_empty() { tr { td colspan="7" .muted { (t(lang, "empty")) } } }
                }
            } }
            (pager(offset, PAGE, total, &base, lang))
        }
    };
    Ok((status, page(lang, Some(c), t(lang, "funds"), body)).into_response())
}

/// A form to move money with one of several accounts, and the table of their balances.
struct MoveSection<'a> {
    /// Element id prefix: `{prefix}-funds`, `{prefix}-select`, `{prefix}-amount`, …
    prefix: &'a str,
    action: &'a str,
    /// The select's form field.
    field: &'a str,
    title: &'a str,
    empty: &'a str,
    pick: &'a str,
    placeholder: &'a str,
    /// (id, name, balance)
    rows: Vec<(&'a str, &'a str, Money)>,
}

fn move_section(lang: Lang, csrf: &str, refill: &Refill, m: &MoveSection<'_>) -> Markup {
    let id = |suffix: &str| format!("{}-{suffix}", m.prefix);
    let r = refill.on(&id("funds-form"));
    html! {
        section.card id=(id("funds")) {
            h2 { (t(lang, m.title)) }
            @if m.rows.is_empty() {
                p.muted { (t(lang, m.empty)) }
            } @else {
                form id=(id("funds-form")) method="post" action=(m.action) {
                    input type="hidden" name="csrf" value=(csrf);
                    (r.form_error())
                    label { (t(lang, m.pick))
                        select id=(id("select")) name=(m.field) aria-invalid=[r.invalid(m.field)] aria-describedby=[r.described_by(m.field)] {
                            @for (oid, name, bal) in &m.rows { option value=(oid) selected[r.selected(m.field, oid)] { (name) " (" (yuan(*bal)) ")" } }
                        }
                    }
                    (r.error_for(m.field))
                    label { (t(lang, "funds_amount")) input id=(id("amount")) name="amount" inputmode="decimal" required placeholder=(m.placeholder)
                        value=(r.value("amount", "")) aria-invalid=[r.invalid("amount")] aria-describedby=[r.described_by("amount")]; }
                    (r.error_for("amount"))
                    button.primary id=(id("allocate")) type="submit" name="op" value="allocate" { (t(lang, "funds_allocate")) }
                    " "
                    button.primary id=(id("reclaim")) type="submit" name="op" value="reclaim" { (t(lang, "funds_reclaim")) }
                }
                div.scroll { table id=(id("balances")) {
                    thead { tr { th { (t(lang, "name")) } th { (t(lang, "id")) } th { (t(lang, "balance")) } } }
                    tbody { @for (oid, name, bal) in &m.rows {
                        tr data-id=(oid) { td { (name) } td { code { (oid) } } td.balance { (yuan(*bal)) } }
                    } }
                } }
            }
        }
    }
}

#[derive(Deserialize, Default)]
struct MoveForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    op: String,
    #[serde(default)]
    customer_id: String,
    #[serde(default)]
    reseller_id: String,
    #[serde(default)]
    amount: String,
}

/// Whose account the partner moves money with.
#[derive(Clone, Copy)]
enum Target {
    Customer,
    Reseller,
}

async fn customer_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<MoveForm>,
) -> Page {
    move_funds(st, c, Target::Customer, f, fields).await
}

async fn reseller_submit(
    State(st): State<AppState>,
    c: Console,
    Submitted(f, fields): Submitted<MoveForm>,
) -> Page {
    move_funds(st, c, Target::Reseller, f, fields).await
}

async fn move_funds(st: AppState, c: Console, target: Target, f: MoveForm, fields: Fields) -> Page {
    c.require(&[Role::PartnerAdmin])?;
    c.check_csrf(&f.csrf)?;
    let none = HashMap::new();
    let (form, who) = match target {
        Target::Customer => ("customer-funds-form", "customer_id"),
        Target::Reseller => ("reseller-funds-form", "reseller_id"),
    };
    let refill = Refill::new(form, &fields);
    let allocate = match f.op.as_str() {
        "allocate" => true,
        "reclaim" => false,
        _ => {
            let e = AppError::invalid_tr(
                "op must be allocate or reclaim",
                "op 必须是 allocate（拨款）或 reclaim（回收）。",
            );
            let refill = refill.refused(c.lang, &e, None);
            return partner_page(&st, &c, &none, None, &refill).await;
        }
    };
    let amount = match parse_amount(c.lang, &f.amount, refill) {
        Ok(a) => a,
        Err(refill) => return partner_page(&st, &c, &none, None, &refill).await,
    };
    let way = if allocate {
        Way::Allocate
    } else {
        Way::Reclaim
    };
    let res = match target {
        Target::Customer => {
            let m = CustomerFunds {
                way,
                indirect_partner_id: None,
                customer_id: f.customer_id,
                amount,
            };
            funds::move_customer_funds(&st.db, c.ctx(), m).await
        }
        Target::Reseller => {
            let m = ResellerFunds {
                way,
                reseller_id: f.reseller_id,
                amount,
            };
            funds::move_reseller_funds(&st.db, c.ctx(), m).await
        }
    };
    match res {
        Ok(tid) => {
            Ok(Redirect::to(&format!("/console/funds?transfer={}", enc(&tid))).into_response())
        }
        Err(e) => {
            // Whose balance is short is the form's to say: the amount is what to change.
            let field = match e.code {
                Code::InsufficientBalance => Some("amount"),
                Code::NotSubCustomer
                | Code::NoCustomerPermission
                | Code::NoResellerPermission
                | Code::AssociationTypeNotAllowed
                | Code::NotFound => Some(who),
                _ => None,
            };
            let refill = Refill::new(form, &fields).refused(c.lang, &e, field);
            partner_page(&st, &c, &none, None, &refill).await
        }
    }
}
