//! The partner's fund records' export (`/console/funds.csv|xlsx?from=&to=&trade_type=`): its cash
//! account's income and expense (credits, allocations to and reclaims from customers and
//! resellers) with the page's filters, every page, newest first.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::funds::{self, ChangeRecordFilters, MAX_RECORDS_PAGE};
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
use crate::http::console::funds::{direction_label, trade_label};
use crate::http::console::i18n::t;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    c.require(&[Role::PartnerAdmin])?;
    let lang = c.lang;
    let get = |k: &str| q.get(k).cloned().filter(|v| !v.trim().is_empty());
    let ctx = c.ctx();
    let list = all_pages(c, MAX_RECORDS_PAGE, |offset, limit| {
        let f = ChangeRecordFilters {
            balance_type: Some("BALANCE_TYPE_DEBIT".into()),
            trade_type: get("trade_type"),
            trade_time_begin: get("from"),
            trade_time_end: get("to"),
            offset: Some(offset),
            limit: Some(limit),
            indirect_partner_id: None,
        };
        let ctx = &ctx;
        async move {
            let r = funds::change_records(&st.db, ctx, f).await?;
            Ok((r.total, r.records))
        }
    })
    .await?;
    let mut x = Export::new(
        lang,
        "fund-records",
        t(lang, "funds_records"),
        &[
            "@funds_trade_time",
            "funds_trade_type",
            "funds_direction",
            "funds_change_amount",
            "funds_balance_after",
            "funds_counterparty",
            "id",
            "funds_transfer_id",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            vec![
                Cell::Time(r.at_ms),
                Cell::text(trade_label(lang, r.trade_type())),
                Cell::text(direction_label(lang, r.direction)),
                Cell::Amount(r.change),
                Cell::Amount(r.balance_after),
                Cell::opt(r.counterparty_name.as_deref()),
                Cell::opt(r.counterparty_id.as_deref()),
                Cell::text(&r.transfer_id),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
