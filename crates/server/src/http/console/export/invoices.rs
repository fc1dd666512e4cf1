//! The invoice requests' export (`/console/invoices.csv|xlsx?list=mine|queue`): the caller's own
//! requests (customers, partner admins) or the queue of requests it issues (partner admins,
//! operators for the vendor), every page, newest first.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::invoices;
use pc_app::store::filters::VENDOR_MAX_PAGE;
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
use crate::http::console::i18n::t;
use crate::http::console::invoices::{may_request, status_label};
use crate::http::console::layout::forbidden;
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    let queue = q.get("list").map(String::as_str) == Some("queue");
    let admitted = if queue {
        matches!(c.user.role, Role::PartnerAdmin | Role::Operator)
    } else {
        may_request(c.user.role)
    };
    if !admitted {
        return Err(forbidden(c));
    }
    let lang = c.lang;
    let ctx = c.ctx();
    let list = all_pages(c, VENDOR_MAX_PAGE, |offset, limit| {
        let ctx = &ctx;
        async move {
            if queue {
                invoices::issuer_queue(&st.db, ctx, None, Some(offset), Some(limit)).await
            } else {
                invoices::my_requests(&st.db, ctx, Some(offset), Some(limit)).await
            }
        }
    })
    .await?;
    let (file, sheet, party) = if queue {
        (
            "invoice-queue",
            "invoice_queue_partner",
            "invoice_requester",
        )
    } else {
        ("invoice-requests", "invoice_my_requests", "invoice_issuer")
    };
    let mut x = Export::new(
        lang,
        file,
        t(lang, sheet),
        &[
            "@created_at",
            "invoice_id",
            party,
            "invoice_scope",
            "amount",
            "export_invoice_owed_offset",
            "invoice_title",
            "status",
            "reason",
            "invoice_no",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            let party = if queue {
                format!("{} {}", r.requester_kind, r.requester_id)
            } else if r.issuer_partner_id.is_empty() {
                t(lang, "invoice_vendor").to_string()
            } else {
                r.issuer_partner_id.clone()
            };
            let kind = t(lang, &format!("invoice_kind_{}", r.kind.clamp(1, 3)));
            vec![
                Cell::Time(r.created_at),
                Cell::text(&r.id),
                Cell::text(party),
                Cell::text(format!("{kind}: {}", r.scope)),
                Cell::cents(r.amount),
                Cell::cents(r.owed_offset),
                Cell::text(&r.title),
                Cell::text(status_label(lang, r.status)),
                Cell::opt(r.reason.as_deref()),
                Cell::opt(r.invoice_no.as_deref()),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
