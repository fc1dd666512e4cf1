//! Bills in the console (`pc_app::services::consumption`), one page per role at `/console/bills`,
//! a billing month chosen with `?cycle=YYYY-MM` (default: this month in the business time zone):
//!
//! - a customer: its month summed by service type (the totals, then one line per service type,
//!   resource type and bill type) and its consumption records, which it exports;
//! - a partner admin: a chart of its customers' last 12 months by service type (inline SVG,
//!   `console/chart.rs`), its resale customers' month by customer (yearly/monthly charges), a CSV
//!   and an XLSX of it (`/console/bills.csv`, `/console/bills.xlsx`, the same rows), and one
//!   customer's records (`?customer=`);
//! - an operator: every month with records, closed (when, how many records, how many of them
//!   usage lines, what was payable) or open, and their export.
//!
//! The exports, one per role at `/console/bills.csv|xlsx?cycle=`, are in `export/bills.rs`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use pc_app::services::catalog::pick;
use pc_app::services::consumption::{
    self, BillDetailQuery, MonthlySumQuery, PartnerMonthlyQuery, Record, RecordFilters,
};
use pc_domain::bills::BillCycle;
use pc_domain::party::Role;
use pc_domain::Money;

use super::chart::{self, Series};
use super::export;
use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, internal, page, pager, Page};
use super::type_labels::TypeLabels;
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/bills", get(bills_page))
        .route("/console/bills.csv", get(export::bills::csv))
        .route("/console/bills.xlsx", get(export::bills::xlsx))
}

const PAGE: i64 = 20;

/// How many months the partner's chart shows.
const CHART_MONTHS: i64 = 12;

fn yuan(cents: i64) -> String {
    super::layout::yuan(Money::from_cents(cents))
}

/// The month asked for, or this month.
pub(super) fn cycle_of(c: &Console, q: &HashMap<String, String>) -> String {
    q.get("cycle")
        .and_then(|s| BillCycle::parse(s.trim()))
        .unwrap_or_else(|| BillCycle::of_ms(c.now_ms))
        .to_string()
}

fn offset_of(q: &HashMap<String, String>) -> i64 {
    q.get("offset")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0)
}

fn bill_type_label(lang: Lang, bill_type: i64) -> &'static str {
    t(lang, &format!("bill_type_{bill_type}"))
}

pub(super) fn detail_type_label(lang: Lang, t_: i64) -> String {
    match t_ {
        1 | 2 | 3 | 4 | 5 | 8 | 20 => t(lang, &format!("bill_detail_{t_}")).to_string(),
        other => other.to_string(),
    }
}

/// The month's two export links (`#bills-csv`, `#bills-xlsx`), for the page's role.
fn export_links(lang: Lang, cycle: &str) -> Markup {
    export::links(
        lang,
        "bills",
        "/console/bills",
        &format!("cycle={}", enc(cycle)),
    )
}

fn month_form(lang: Lang, cycle: &str, extra: Markup) -> Markup {
    html! {
        form #month-form method="get" action="/console/bills" {
            label { (t(lang, "bill_cycle")) " " input type="month" name="cycle" value=(cycle); }
            (extra)
            " " button type="submit" { (t(lang, "show")) }
        }
    }
}

/// The catalogue's names of the types of a page's records and lines.
async fn labels_of<'a>(
    st: &AppState,
    lang: Lang,
    codes: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<TypeLabels, axum::response::Response> {
    TypeLabels::load(st, lang, codes)
        .await
        .map_err(|e| internal(lang, e))
}

fn records_table(lang: Lang, rows: &[Record], names: &TypeLabels) -> Markup {
    html! {
        div.scroll { table #records {
            thead { tr {
                th { (t(lang, "trade_time")) } th { (t(lang, "bill_detail_type")) } th { (t(lang, "service_type")) }
                th { (t(lang, "resource")) } th { (t(lang, "region")) } th { (t(lang, "official_price")) }
                th { (t(lang, "discount")) } th { (t(lang, "payable")) } th { (t(lang, "paid_cash")) }
                th { (t(lang, "paid_coupons")) } th { (t(lang, "trade_id")) }
            } }
            tbody {
                @for r in rows {
                    tr data-record=(r.id) data-detail-type=(r.bill_detail_type) {
                        td { (cn_time(r.trade_time)) }
                        td {
                            (detail_type_label(lang, r.bill_detail_type))
                            @if let Some(m) = &r.late_from {
                                br; small.muted.late data-late-from=(m) { (t(lang, "late_from")) " " (m) }
                            }
                        }
                        td.service-type { (names.service(&r.service_type_code)) }
                        td { (r.resource_name.as_deref().unwrap_or("—")) }
                        td { (r.region) }
                        td.amount { (yuan(r.amounts.official)) }
                        td.amount { (yuan(r.amounts.discount)) }
                        td.amount.payable { (yuan(r.amounts.payment)) }
                        td.amount { (yuan(r.amounts.cash)) }
                        td.amount { (yuan(r.amounts.vouchers + r.amounts.cash_coupons)) }
                        td { code { (r.trade_id) } }
                    }
                }
                @if rows.is_empty() { tr { td colspan="11" .muted { (t(lang, "empty")) } } }
            }
        } }
    }
}

async fn bills_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Customer, Role::PartnerAdmin, Role::Operator])?;
    match c.user.role {
        Role::Customer => customer_page(&st, &c, &q).await,
        Role::PartnerAdmin => partner_page(&st, &c, &q).await,
        _ => operator_page(&st, &c).await,
    }
}

async fn customer_page(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Page {
    let lang = c.lang;
    let cycle = cycle_of(c, q);
    let offset = offset_of(q);
    let ctx = c.ctx();
    let sum = consumption::monthly_sum(
        &st.db,
        &ctx,
        &MonthlySumQuery {
            bill_cycle: Some(cycle.clone()),
            limit: Some(1000),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let (total, rows) = consumption::my_records(
        &st.db,
        &ctx,
        Some(&cycle),
        &RecordFilters::default(),
        Some(offset),
        Some(PAGE),
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let names = labels_of(
        st,
        lang,
        sum.lines
            .iter()
            .map(|l| (l.service_type_code.as_str(), l.resource_type_code.as_str()))
            .chain(rows.iter().map(|r| (r.service_type_code.as_str(), ""))),
    )
    .await?;
    let body = html! {
        (month_form(lang, &cycle, html! {}))
        h2 { (t(lang, "bill_summary")) }
        p #bill-total data-cents=(sum.totals.payment) {
            (t(lang, "payable")) ": " strong { (yuan(sum.totals.payment)) }
            " · " (t(lang, "paid_cash")) ": " (yuan(sum.totals.cash))
            " · " (t(lang, "paid_coupons")) ": " (yuan(sum.totals.vouchers + sum.totals.cash_coupons))
        }
        div.scroll { table #bill-sums {
            thead { tr {
                th { (t(lang, "service_type")) } th { (t(lang, "resource_type")) } th { (t(lang, "bill_type")) }
                th { (t(lang, "official_price")) } th { (t(lang, "discount")) } th { (t(lang, "payable")) }
            } }
            tbody {
                @for l in &sum.lines {
                    tr data-service=(l.service_type_code) data-bill-type=(l.bill_type) {
                        td.service-type { (names.service(&l.service_type_code)) } td.resource-type { (names.resource(&l.resource_type_code)) }
                        td { (bill_type_label(lang, l.bill_type)) }
                        td.amount { (yuan(l.amounts.official)) } td.amount { (yuan(l.amounts.discount)) }
                        td.amount.payable { (yuan(l.amounts.payment)) }
                    }
                }
                @if sum.lines.is_empty() { tr { td colspan="6" .muted { (t(lang, "empty")) } } }
            }
        } }
        h2 { (t(lang, "consumption_records")) }
        p { (export_links(lang, &cycle)) }
        (records_table(lang, &rows, &names))
        (pager(offset, PAGE, total, &format!("/console/bills?cycle={}&", enc(&cycle)), lang))
    };
    Ok(page(lang, Some(c), t(lang, "bills_nav"), body).into_response())
}

pub(super) fn partner_query(cycle: &str, offset: i64, limit: i64) -> PartnerMonthlyQuery {
    PartnerMonthlyQuery {
        cycle: Some(cycle.to_string()),
        charge_mode: Some("1".into()),
        offset: Some(offset),
        limit: Some(limit),
        ..Default::default()
    }
}

async fn partner_page(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Page {
    let lang = c.lang;
    let cycle = cycle_of(c, q);
    let offset = offset_of(q);
    let ctx = c.ctx();
    let customer = q
        .get("customer")
        .map(|s| s.trim())
        .filter(|s| !s.is_empty());
    let detail = match customer {
        Some(id) => Some(
            consumption::bill_detail(
                &st.db,
                &ctx,
                &BillDetailQuery {
                    bill_cycle: Some(cycle.clone()),
                    customer_id: Some(id.to_string()),
                    offset: Some(offset),
                    limit: Some(PAGE),
                    ..Default::default()
                },
            )
            .await,
        ),
        None => None,
    };
    let (count, lines) = consumption::partner_monthly_sums(
        &st.db,
        &ctx,
        &partner_query(&cycle, if customer.is_some() { 0 } else { offset }, PAGE),
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let months = consumption::partner_months_by_service(&st.db, &ctx, CHART_MONTHS)
        .await
        .map_err(|e| internal(lang, e))?;
    let labels: Vec<&str> = months
        .series
        .iter()
        .map(|s| {
            let name = pick(
                lang == Lang::En,
                s.name_zh.as_deref().unwrap_or(""),
                s.name_en.as_deref().unwrap_or(""),
            );
            if name.is_empty() {
                s.service_type_code.as_str()
            } else {
                name
            }
        })
        .collect();
    let series: Vec<Series> = months
        .series
        .iter()
        .zip(&labels)
        .map(|(s, label)| Series {
            key: &s.service_type_code,
            label,
            values: &s.payments,
        })
        .collect();
    let detail_rows: &[Record] = match &detail {
        Some(Ok((_, rows))) => rows,
        _ => &[],
    };
    let names = labels_of(
        st,
        lang,
        lines
            .iter()
            .map(|l| (l.service_type_code.as_str(), ""))
            .chain(
                detail_rows
                    .iter()
                    .map(|r| (r.service_type_code.as_str(), "")),
            ),
    )
    .await?;
    let body = html! {
        (month_form(lang, &cycle, html! {}))
        p { (export_links(lang, &cycle)) }
        h2 { (t(lang, "bills_chart_title")) }
        p.muted { (t(lang, "bills_chart_hint")) }
        (chart::stacked_bars("bills-chart", t(lang, "bills_chart_title"), &months.cycles, &series, t(lang, "bills_chart_empty")))
        h2 { (t(lang, "bills_by_customer")) }
        div.scroll { table #partner-bills {
            thead { tr {
                th { (t(lang, "customer_id")) } th { (t(lang, "service_type")) } th { (t(lang, "bill_type")) }
                th { (t(lang, "payable")) } th { (t(lang, "paid_cash")) } th { (t(lang, "paid_coupons")) } th {}
            } }
            tbody {
                @for l in &lines {
                    tr data-customer=(l.customer_id) data-bill-type=(l.bill_type) {
                        td { code { (l.customer_id) } } td.service-type { (names.service(&l.service_type_code)) }
                        td { (t(lang, &format!("partner_bill_type_{}", l.bill_type))) }
                        td.amount.payable { (yuan(l.amounts.payment)) } td.amount { (yuan(l.amounts.cash)) }
                        td.amount { (yuan(l.amounts.vouchers + l.amounts.cash_coupons)) }
                        td { a.records href=(format!("/console/bills?cycle={}&customer={}", enc(&cycle), enc(&l.customer_id))) { (t(lang, "consumption_records")) } }
                    }
                }
                @if lines.is_empty() { tr { td colspan="7" .muted { (t(lang, "empty")) } } }
            }
        } }
        @if customer.is_none() {
            (pager(offset, PAGE, count, &format!("/console/bills?cycle={}&", enc(&cycle)), lang))
        }
        @if let (Some(id), Some(d)) = (customer, &detail) {
            h2 #customer-records data-customer=(id) { (t(lang, "consumption_records")) " · " code { (id) } }
            @match d {
                Ok((total, rows)) => {
                    (records_table(lang, rows, &names))
                    (pager(offset, PAGE, *total, &format!("/console/bills?cycle={}&customer={}&", enc(&cycle), enc(id)), lang))
                }
                Err(e) => p.flash.error #bills-error { (e.message(lang == Lang::Zh)) },
            }
        }
    };
    Ok(page(lang, Some(c), t(lang, "bills_nav"), body).into_response())
}

async fn operator_page(st: &AppState, c: &Console) -> Page {
    let lang = c.lang;
    let months = consumption::months(&st.db, &c.ctx())
        .await
        .map_err(|e| internal(lang, e))?;
    let body = html! {
        p.muted { (t(lang, "bill_close_hint")) }
        p { (export::links(lang, "bills", "/console/bills", "")) }
        div.scroll { table #bill-months {
            thead { tr {
                th { (t(lang, "bill_cycle")) } th { (t(lang, "status")) } th { (t(lang, "records")) }
                th { (t(lang, "usage_lines")) } th { (t(lang, "payable")) }
            } }
            tbody {
                @for m in &months {
                    tr data-cycle=(m.cycle) data-closed=(m.closed_at.is_some()) {
                        td { (m.cycle) }
                        td { @match m.closed_at {
                            Some(at) => { (t(lang, "month_closed")) " " (cn_time(at)) },
                            None => (t(lang, "month_open")),
                        } }
                        td { (m.records) } td.usage-lines { (m.usage_lines) } td.amount { (yuan(m.payment)) }
                    }
                }
                @if months.is_empty() { tr { td colspan="5" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    Ok(page(lang, Some(c), t(lang, "bills_nav"), body).into_response())
}
