//! The bills page's exports (`/console/bills.csv|xlsx?cycle=YYYY-MM`), one per role as the page
//! is (`console/bills.rs`):
//!
//! - a customer: its consumption records of the month, every page;
//! - a partner admin: its customers' month by customer (yearly/monthly charges), the vendor's
//!   field names as the header;
//! - an operator: every month with records, closed or open.
//!
//! The service and resource types are the vendor's codes; the month's file and sheet are named
//! after it.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::consumption::{self, RecordFilters, BILL_MAX_PAGE};
use pc_domain::party::Role;

use super::{all_pages, capped, Cell, Export};
use crate::http::console::bills::{cycle_of, detail_type_label, partner_query};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    c.require(&[Role::Customer, Role::PartnerAdmin, Role::Operator])?;
    match c.user.role {
        Role::Customer => records(st, c, q).await,
        Role::PartnerAdmin => by_customer(st, c, q).await,
        _ => months(st, c).await,
    }
}

/// A customer's records of the month.
#[allow(clippy::result_large_err)]
async fn records(
    st: &AppState,
    c: &Console,
    q: &HashMap<String, String>,
) -> Result<Export, Response> {
    let lang = c.lang;
    let cycle = cycle_of(c, q);
    let ctx = c.ctx();
    let list = all_pages(c, BILL_MAX_PAGE, |offset, limit| {
        let (ctx, cycle) = (&ctx, &cycle);
        async move {
            let filters = RecordFilters::default();
            consumption::my_records(
                &st.db,
                ctx,
                Some(cycle),
                &filters,
                Some(offset),
                Some(limit),
            )
            .await
        }
    })
    .await?;
    let mut x = Export::new(
        lang,
        &format!("bill-records-{cycle}"),
        &cycle,
        &[
            "bill_cycle",
            "@trade_time",
            "bill_detail_type",
            "service_type",
            "resource_type",
            "resource",
            "region",
            "official_price",
            "discount",
            "payable",
            "paid_cash",
            "paid_coupons",
            "trade_id",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            let a = &r.amounts;
            vec![
                Cell::text(&r.bill_cycle),
                Cell::Time(r.trade_time),
                Cell::text(detail_type_label(lang, r.bill_detail_type)),
                Cell::text(&r.service_type_code),
                Cell::text(&r.resource_type_code),
                Cell::opt(r.resource_name.as_deref()),
                Cell::text(&r.region),
                Cell::cents(a.official),
                Cell::cents(a.discount),
                Cell::cents(a.payment),
                Cell::cents(a.cash),
                Cell::cents(a.vouchers + a.cash_coupons),
                Cell::text(&r.trade_id),
            ]
        })
        .collect();
    Ok(x)
}

/// A partner admin's customers' month, by customer.
#[allow(clippy::result_large_err)]
async fn by_customer(
    st: &AppState,
    c: &Console,
    q: &HashMap<String, String>,
) -> Result<Export, Response> {
    let cycle = cycle_of(c, q);
    let ctx = c.ctx();
    let lines = all_pages(c, 100, |offset, limit| {
        let (ctx, query) = (&ctx, partner_query(&cycle, offset, limit));
        async move { consumption::partner_monthly_sums(&st.db, ctx, &query).await }
    })
    .await?;
    let mut x = Export::new(
        c.lang,
        &format!("bills-{cycle}"),
        &cycle,
        &[
            "bill_cycle",
            "customer_id",
            "service_type",
            "resource_type",
            "bill_type",
            "official_price",
            "export_discount_amount",
            "payable",
            "paid_cash",
            "export_voucher_amount",
            "export_cash_coupon_amount",
        ],
    );
    x.rows = lines
        .iter()
        .map(|l| {
            let a = &l.amounts;
            vec![
                Cell::text(&cycle),
                Cell::text(&l.customer_id),
                Cell::text(&l.service_type_code),
                Cell::text(&l.resource_type_code),
                Cell::Count(l.bill_type),
                Cell::cents(a.official),
                Cell::cents(a.discount),
                Cell::cents(a.payment),
                Cell::cents(a.cash),
                Cell::cents(a.vouchers),
                Cell::cents(a.cash_coupons),
            ]
        })
        .collect();
    Ok(x)
}

/// An operator's months, newest first.
#[allow(clippy::result_large_err)]
async fn months(st: &AppState, c: &Console) -> Result<Export, Response> {
    let lang = c.lang;
    let list = capped(c, consumption::months(&st.db, &c.ctx()).await)?;
    let mut x = Export::new(
        lang,
        "bill-months",
        t(lang, "bills_nav"),
        &[
            "bill_cycle",
            "status",
            "@export_closed_at",
            "records",
            "usage_lines",
            "payable",
        ],
    );
    x.rows = list
        .iter()
        .map(|m| {
            let status = if m.closed_at.is_some() {
                "month_closed"
            } else {
                "month_open"
            };
            vec![
                Cell::text(&m.cycle),
                Cell::text(t(lang, status)),
                Cell::time_opt(m.closed_at),
                Cell::Count(m.records),
                Cell::Count(m.usage_lines),
                Cell::cents(m.payment),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
