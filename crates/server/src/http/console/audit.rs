//! The operator's audit log (`pc_app::services::audit`): `/console/audit` filtered by actor,
//! tenant, object, action and a range of days in Asia/Shanghai, paged; the same list as CSV and
//! XLSX (`/console/audit.csv`, `/console/audit.xlsx`, in the page's language); and each ledger
//! transfer an entry made (`/console/transfers/{id}`). Operators only, as the service requires.
//!
//! Layout: actions by their names in the page's language (the code on hover), times in
//! Asia/Shanghai with the zone named, the request id and transfer ids shortened (the full id on
//! hover), the details as compact `key: value` pairs; on a phone each entry is a card, so no
//! column is squeezed to one character per line.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use maud::{html, Markup};
use pc_app::services::audit::{self, actions, AuditEntry, AuditQuery};
use pc_app::Code;
use pc_domain::party::Role;
use pc_domain::timefmt::format_utc;

use super::customers::refused;
use super::export::{self, Cell, Export};
use super::i18n::audit::{account_kind, transfer_kind};
use super::i18n::{t, Lang};
use super::layout::{cn_time, enc, message_page, page, pager, yuan, Page};
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/audit", get(audit_page))
        .route("/console/audit.csv", get(csv))
        .route("/console/audit.xlsx", get(xlsx))
        .route("/console/transfers/{id}", get(transfer_page))
}

const PAGE: i64 = 50;

/// The filter fields, in the order of the form and of the query string.
const FIELDS: [&str; 7] = [
    "actor",
    "partner",
    "target_kind",
    "target_id",
    "action",
    "from",
    "to",
];

fn query_of(q: &HashMap<String, String>) -> AuditQuery {
    let get = |k: &str| q.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    AuditQuery {
        actor: get("actor"),
        partner: get("partner"),
        target_kind: get("target_kind"),
        target_id: get("target_id"),
        action: get("action"),
        from: get("from"),
        to: get("to"),
    }
}

fn values(a: &AuditQuery) -> [&str; 7] {
    [
        &a.actor,
        &a.partner,
        &a.target_kind,
        &a.target_id,
        &a.action,
        &a.from,
        &a.to,
    ]
}

/// `k=v&…&` of the filters sent, for the pager and the export links.
fn query_string(a: &AuditQuery) -> String {
    FIELDS
        .iter()
        .zip(values(a))
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}&", enc(v)))
        .collect()
}

/// An action's name in the page's language, the code itself when the table lacks it.
pub(super) fn action_label(lang: Lang, code: &str) -> String {
    actions::label(code, lang == Lang::Zh)
        .map(str::to_string)
        .unwrap_or_else(|| code.to_string())
}

/// The first characters of a long id; the page puts the whole id in `title`.
fn short(id: &str) -> String {
    if id.chars().count() > 12 {
        format!("{}…", id.chars().take(10).collect::<String>())
    } else {
        id.to_string()
    }
}

/// The details' JSON object as `key: value` pairs (text values unquoted).
fn detail_pairs(detail: &str) -> Vec<(String, String)> {
    match serde_json::from_str::<serde_json::Value>(detail) {
        Ok(serde_json::Value::Object(m)) => m
            .into_iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect(),
        _ if detail.is_empty() || detail == "{}" => Vec::new(),
        _ => vec![(String::new(), detail.to_string())],
    }
}

fn detail_text(detail: &str) -> String {
    detail_pairs(detail)
        .iter()
        .map(|(k, v)| {
            if k.is_empty() {
                v.clone()
            } else {
                format!("{k}: {v}")
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn actor_kind(lang: Lang, kind: &str) -> &'static str {
    match kind {
        "operator" | "partner" | "customer" | "system" => t(lang, &format!("actor_{kind}")),
        _ => "",
    }
}

fn role_label(lang: Lang, role: &str) -> &'static str {
    match role {
        "operator" | "partner_admin" | "partner_staff" | "customer" | "system" => {
            t(lang, &format!("role_{role}"))
        }
        _ => "",
    }
}

/// An id, shortened, that filters the log by it (the whole id on hover).
fn id_link(field: &str, id: &str) -> Markup {
    html! {
        a.id href=(format!("/console/audit?{field}={}", enc(id))) title=(id) { code { (short(id)) } }
    }
}

/// The entries' table; each cell names its column for the phone layout (`data-label`).
pub(super) fn entries_table(lang: Lang, entries: &[AuditEntry]) -> Markup {
    let col = |k: &str| t(lang, k);
    html! {
        table #audit .audit {
            thead { tr {
                th { (col("time")) } th { (col("actor")) } th { (col("action")) } th { (col("target")) }
                th { (col("audit_tenant")) } th { (col("request_id")) } th { (col("transfers")) } th { (col("audit_details")) }
            } }
            tbody {
                @for e in entries {
                    @let r = &e.row;
                    tr data-seq=(r.seq) data-action=(r.action) {
                        td.nowrap data-label=(col("time")) { (cn_time(r.at)) }
                        td data-label=(col("actor")) {
                            (actor_kind(lang, &r.actor_kind)) " " (id_link("actor", &r.actor_id))
                            @let role = role_label(lang, &r.role);
                            @if !role.is_empty() && role != actor_kind(lang, &r.actor_kind) { br; small.muted { (role) } }
                        }
                        td.action data-label=(col("action")) title=(r.action) { (action_label(lang, &r.action)) }
                        td data-label=(col("target")) { small.muted { (r.target_kind) } " " (id_link("target_id", &r.target_id)) }
                        td data-label=(col("audit_tenant")) { @if let Some(root) = &r.root_id { (id_link("partner", root)) } }
                        td.nowrap data-label=(col("request_id")) { code.rid title=(r.request_id) { (short(&r.request_id)) } }
                        td data-label=(col("transfers")) {
                            @for id in &e.transfers {
                                a.transfer href=(format!("/console/transfers/{}", enc(id))) title=(id) { code { (short(id)) } } " "
                            }
                        }
                        td.detail data-label=(col("audit_details")) title=(r.detail) {
                            @for (k, v) in detail_pairs(&r.detail) {
                                span.kv { @if !k.is_empty() { span.muted { (k) ": " } } (v) }
                            }
                        }
                    }
                }
                @if entries.is_empty() { tr { td colspan="8" .muted { (t(lang, "empty")) } } }
            }
        }
    }
}

fn filter_form(lang: Lang, a: &AuditQuery) -> Markup {
    html! {
        form.filters #audit-filters method="get" action="/console/audit" {
            label { (t(lang, "audit_actor")) br; input name="actor" value=(a.actor); }
            label { (t(lang, "audit_partner")) br; input name="partner" value=(a.partner); }
            label { (t(lang, "audit_target_kind")) br; input name="target_kind" value=(a.target_kind); }
            label { (t(lang, "audit_target_id")) br; input name="target_id" value=(a.target_id); }
            label { (t(lang, "action")) br;
                select name="action" #audit-action {
                    option value="" { (t(lang, "audit_all_actions")) }
                    @for (code, _, _) in actions::ACTIONS {
                        option value=(code) selected[a.action == *code] { (action_label(lang, code)) }
                    }
                }
            }
            label { (t(lang, "audit_from")) br; input type="date" name="from" value=(a.from); }
            label { (t(lang, "audit_to")) br; input type="date" name="to" value=(a.to); }
            button.primary type="submit" #audit-filter { (t(lang, "filter")) }
            a href="/console/audit" { (t(lang, "audit_clear")) }
        }
    }
}

/// `GET /console/audit`: the filters, the export links, one page of entries.
async fn audit_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let a = query_of(&q);
    let offset = q
        .get("offset")
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0);
    let qs = query_string(&a);
    let (list, error) = match audit::search(&st.db, &c.ctx(), &a, Some(offset), Some(PAGE)).await {
        Ok(l) => (Some(l), false),
        Err(e) if e.code == Code::InvalidParameter => (None, true),
        Err(e) => return Err(refused(&c, e)),
    };
    let body = html! {
        (filter_form(lang, &a))
        @if error { p.flash.error #audit-error { (t(lang, "audit_bad_filter")) } }
        @if let Some(l) = &list {
            p.muted #audit-summary {
                (t(lang, "total")) " " span #audit-total { (l.total) } " · "
                (export::links(lang, "export", "/console/audit", &qs))
                " " small { (t(lang, "audit_export_capped")) }
            }
            (entries_table(lang, &l.entries))
            (pager(offset, PAGE, l.total, &format!("/console/audit?{qs}"), lang))
        }
    };
    Ok(page(lang, Some(&c), t(lang, "audit"), body).into_response())
}

/// The export: the filtered list in the page's language.
async fn rows(
    st: &AppState,
    c: &Console,
    q: &HashMap<String, String>,
) -> Result<Export, axum::response::Response> {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let list = audit::export(&st.db, &c.ctx(), &query_of(q))
        .await
        .map_err(|e| refused(c, e))?;
    let mut x = Export::new(
        lang,
        "audit",
        t(lang, "audit"),
        &[
            "@time",
            "time_utc",
            "actor",
            "export_actor_id",
            "staff_role",
            "audit_tenant",
            "action",
            "action_code",
            "audit_target_kind",
            "export_target_id",
            "request_id",
            "transfers",
            "audit_details",
        ],
    );
    x.rows = list
        .entries
        .iter()
        .map(|e| {
            let r = &e.row;
            vec![
                Cell::Time(r.at),
                Cell::text(format_utc(r.at)),
                Cell::text(actor_kind(lang, &r.actor_kind)),
                Cell::text(&r.actor_id),
                Cell::text(role_label(lang, &r.role)),
                Cell::opt(r.root_id.as_deref()),
                Cell::text(action_label(lang, &r.action)),
                Cell::text(&r.action),
                Cell::text(&r.target_kind),
                Cell::text(&r.target_id),
                Cell::text(&r.request_id),
                Cell::text(e.transfers.join(" ")),
                Cell::text(detail_text(&r.detail)),
            ]
        })
        .collect();
    Ok(x)
}

export::downloads!();

/// `GET /console/transfers/{id}`: one ledger transfer and the audit entries naming it.
async fn transfer_page(State(st): State<AppState>, c: Console, Path(id): Path<String>) -> Page {
    c.require(&[Role::Operator])?;
    let lang = c.lang;
    let Some(d) = audit::transfer(&st.db, &c.ctx(), &id)
        .await
        .map_err(|e| refused(&c, e))?
    else {
        return Err((
            StatusCode::NOT_FOUND,
            message_page(lang, Some(&c), "404", t(lang, "transfer_not_found")),
        )
            .into_response());
    };
    let x = &d.transfer;
    let balance = |m: pc_domain::Money, derived: bool| {
        if derived {
            t(lang, "transfer_derived").to_string()
        } else {
            yuan(m)
        }
    };
    let named = |p: Option<(&'static str, &'static str)>| match (p, lang) {
        (Some((zh, _)), Lang::Zh) => zh,
        (Some((_, en)), Lang::En) => en,
        (None, _) => "",
    };
    let body = html! {
        div.card #transfer data-transfer=(x.id) { dl {
            dt { (t(lang, "id")) } dd { code.id { (x.id) } }
            dt { (t(lang, "time")) } dd { (cn_time(x.created_at)) }
            dt { (t(lang, "transfer_kind")) } dd #transfer-kind { (named(transfer_kind(&x.kind))) " " code { (x.kind) } }
            dt { (t(lang, "amount")) } dd #transfer-amount { (yuan(x.amount)) }
            dt { (t(lang, "transfer_from")) } dd #transfer-from { (named(account_kind(&x.from_account))) " " code.id { (x.from_account) } }
            dt { (t(lang, "transfer_from_after")) } dd #transfer-from-after { (balance(x.from_balance_after, d.from_derived)) }
            dt { (t(lang, "transfer_to")) } dd #transfer-to { (named(account_kind(&x.to_account))) " " code.id { (x.to_account) } }
            dt { (t(lang, "transfer_to_after")) } dd #transfer-to-after { (balance(x.to_balance_after, d.to_derived)) }
            @if let Some(m) = &x.memo { dt { (t(lang, "transfer_memo")) } dd { (m) } }
            @if let Some(r) = &x.request_id { dt { (t(lang, "request_id")) } dd { code.id { (r) } } }
        } }
        h2 { (t(lang, "transfer_entries")) }
        (entries_table(lang, &d.entries))
    };
    Ok(page(lang, Some(&c), t(lang, "transfer_title"), body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_are_compact_pairs() {
        assert_eq!(
            detail_text(r#"{"amount":"10.00","partner_id":"p-1","n":3,"memo":null}"#),
            "amount: 10.00; n: 3; partner_id: p-1"
        );
        assert_eq!(detail_text("{}"), "");
        assert_eq!(short("0123456789abcdef"), "0123456789…");
        assert_eq!(short("abc"), "abc");
    }

    #[test]
    fn every_action_has_a_name_in_both_languages() {
        for (code, _, _) in actions::ACTIONS {
            assert_ne!(action_label(Lang::Zh, code), *code);
            assert_ne!(action_label(Lang::En, code), *code);
        }
    }
}
