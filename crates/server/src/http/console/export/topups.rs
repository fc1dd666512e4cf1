//! The offline top-ups' export (`/console/topups.csv|xlsx?status=`): an operator's review list
//! with its status tab, or a self-paying customer's own requests, every page, newest first.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::topups::{self, TopupQuery};
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
use crate::http::console::i18n::t;
use crate::http::console::topups::{require_self_topup, status_filter, status_label};
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    let operator = c.user.role == Role::Operator;
    if !operator {
        require_self_topup(c)?;
    }
    let lang = c.lang;
    let status = status_filter(q);
    let ctx = c.ctx();
    let list = all_pages(c, 100, |offset, limit| {
        let ctx = &ctx;
        async move {
            let q = TopupQuery {
                customer_id: None,
                status,
                offset,
                limit,
            };
            topups::list(&st.db, ctx, q).await
        }
    })
    .await?;
    let mut keys = vec!["@created_at"];
    if operator {
        keys.extend(["customer", "customer_id"]);
    }
    keys.extend([
        "amount",
        "topup_reference",
        "order_id",
        "status",
        "reason",
        "@topup_decided_at",
    ]);
    if operator {
        keys.push("operator");
    }
    let mut x = Export::new(lang, "topups", t(lang, "topup_title"), &keys);
    x.rows = list
        .iter()
        .map(|r| {
            let mut row = vec![Cell::Time(r.created_at)];
            if operator {
                row.extend([Cell::text(&r.customer_name), Cell::text(&r.customer_id)]);
            }
            row.extend([
                Cell::Amount(r.amount),
                Cell::text(&r.reference),
                Cell::opt(r.order_id.as_deref()),
                Cell::text(status_label(lang, r.status)),
                Cell::opt(r.reject_reason.as_deref()),
                Cell::time_opt(r.decided_at),
            ]);
            if operator {
                row.push(Cell::opt(r.decided_by.as_deref()));
            }
            row
        })
        .collect();
    Ok(x)
}

downloads!();
