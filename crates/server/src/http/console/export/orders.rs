//! The order list's export (`/console/orders.csv`, `/console/orders.xlsx`): the orders the page
//! lists with its filters (the status tab, and a master distributor's resellers' tab with its
//! reseller), every page.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::orders::{OrderQuery, RawOrderQuery, MAX_ORDERS_PAGE};

use super::{all_pages, Cell, Export};
use crate::http::console::i18n::{t, Lang};
use crate::http::console::layout::{forbidden, internal};
use crate::http::console::orders::{may_read_orders, order_type_label, status_label};
use crate::http::console::reseller_orders::OrderScope;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    let lang = c.lang;
    if !may_read_orders(c) {
        return Err(forbidden(c));
    }
    let scope = OrderScope::from_query(c, q);
    let status = q.get("status").cloned().unwrap_or_default();
    let query = |offset: i64, limit: i64| {
        OrderQuery::parse(RawOrderQuery {
            status: Some(status.clone()),
            limit: Some(limit.to_string()),
            offset: Some(offset.to_string()),
            ..Default::default()
        })
    };
    query(0, 1).map_err(|e| internal(lang, e))?;
    let list = all_pages(c, MAX_ORDERS_PAGE, |offset, limit| {
        let q = query(offset, limit);
        let scope = &scope;
        async move { scope.list(&st.db, c, &q?).await }
    })
    .await?;
    let en = lang == Lang::En;
    let mut x = Export::new(
        lang,
        "orders",
        t(lang, "orders"),
        &[
            "order_id",
            "customer",
            "order_type",
            "catalog_service",
            "status",
            "official_amount",
            "discount",
            "amount_paid",
            "@created_at",
            "@paid_at",
        ],
    );
    x.rows = list
        .iter()
        .map(|o| {
            vec![
                Cell::text(&o.order_id),
                Cell::text(&o.customer_id),
                Cell::text(order_type_label(lang, o.order_type)),
                Cell::text(o.service_type_name(en).unwrap_or(&o.service_type_code)),
                Cell::text(status_label(lang, o.status)),
                Cell::Amount(o.official_amount),
                Cell::Amount(o.discount_amount),
                Cell::Amount(o.amount_after_discount),
                Cell::Time(o.created_at),
                Cell::time_opt(o.paid_at),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
