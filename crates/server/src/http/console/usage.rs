//! The customer's pay-per-use page, `/console/usage` (`pc_app::services::usage`,
//! `funds::arrears`): whether it is in arrears and how much it owes (and that money reaching its
//! account repays that first), its on-demand resources, its resource packages with the hours left,
//! and the latest deductions from them. Each list pages on its own (`resources_offset`,
//! `packages_offset`, `deductions_offset`). Times are Asia/Shanghai's.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use maud::html;
use pc_app::services::catalog::pick;
use pc_app::services::funds::arrears;
use pc_app::services::usage::{self, DeductionQuery, PackageQuery};
use pc_domain::party::Role;
use pc_domain::Money;

use super::i18n::{t, Lang};
use super::layout::{cn_time, internal, page, pager, yuan, Page};
use super::type_labels::TypeLabels;
use super::Console;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/usage", get(usage_page))
        .route("/console/usage.csv", get(super::export::usage::csv))
        .route("/console/usage.xlsx", get(super::export::usage::xlsx))
}

const PAGE: i64 = 20;

/// The lists of the page, each paged by `{list}_offset`.
const LISTS: [&str; 3] = ["resources", "packages", "deductions"];

fn offset_of(q: &HashMap<String, String>, list: &str) -> i64 {
    q.get(&format!("{list}_offset"))
        .and_then(|v| v.parse::<i64>().ok())
        .unwrap_or(0)
        .max(0)
}

/// The base of `list`'s pager links: the other lists keep their pages, and since the pager
/// appends `offset=N`, the base ends in `{list}_`.
fn pager_base(q: &HashMap<String, String>, list: &str) -> String {
    let mut s = String::from("/console/usage?");
    for other in LISTS.iter().filter(|l| **l != list) {
        let off = offset_of(q, other);
        if off > 0 {
            s.push_str(&format!("{other}_offset={off}&"));
        }
    }
    s.push_str(list);
    s.push('_');
    s
}

async fn usage_page(
    State(st): State<AppState>,
    c: Console,
    Query(q): Query<HashMap<String, String>>,
) -> Page {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let en = lang == Lang::En;
    let ctx = c.ctx();
    let (res_off, pkg_off, ded_off) = (
        offset_of(&q, "resources"),
        offset_of(&q, "packages"),
        offset_of(&q, "deductions"),
    );
    let owed = arrears::my_owed(&st.db, &ctx)
        .await
        .map_err(|e| internal(lang, e))?;
    let (res_total, resources) =
        usage::my_on_demand_resources(&st.db, &ctx, Some(res_off), Some(PAGE))
            .await
            .map_err(|e| internal(lang, e))?;
    let (pkg_total, packages) = usage::my_packages(
        &st.db,
        &ctx,
        &PackageQuery {
            offset: Some(pkg_off),
            limit: Some(PAGE),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let (ded_total, deductions) = usage::my_deductions(
        &st.db,
        &ctx,
        &DeductionQuery {
            offset: Some(ded_off),
            limit: Some(PAGE),
            ..Default::default()
        },
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let names = TypeLabels::load(
        &st,
        lang,
        resources
            .iter()
            .map(|r| (r.service_type_code.as_str(), r.resource_type_code.as_str()))
            .chain(packages.iter().map(|p| ("", p.resource_type_code.as_str()))),
    )
    .await
    .map_err(|e| internal(lang, e))?;
    let body = html! {
        p.muted { (t(lang, "usage_times_hint")) " " a #usage-bills href="/console/bills" { (t(lang, "usage_see_bills")) } }
        section.card #arrears data-owed-cents=(owed) data-in-arrears=(owed > 0) {
            h2 { (t(lang, "usage_arrears")) }
            @if owed > 0 {
                p.flash.error #arrears-owed { (t(lang, "usage_in_arrears")) " " strong { (yuan(Money::from_cents(owed))) } }
            } @else {
                p #arrears-owed { (t(lang, "usage_no_arrears")) }
            }
            p.muted #arrears-repay {
                @if c.may_top_up {
                    (t(lang, "usage_repay_topup")) " " a href="/console/topup" { (t(lang, "usage_topup_link")) }
                } @else {
                    (t(lang, "usage_repay_allocation"))
                }
            }
        }
        h2 { (t(lang, "usage_resources")) }
        div.scroll { table #on-demand {
            thead { tr {
                th { (t(lang, "resource")) } th { (t(lang, "usage_resource_id")) } th { (t(lang, "service_type")) }
                th { (t(lang, "resource_type")) } th { (t(lang, "usage_spec")) } th { (t(lang, "region")) }
                th { (t(lang, "usage_since")) } th { (t(lang, "status")) }
            } }
            tbody {
                @for r in &resources {
                    tr data-resource=(r.resource_id) data-status=(r.status) {
                        td { (r.name) } td { code { (r.resource_id) } } td.service-type { (names.service(&r.service_type_code)) }
                        td.resource-type { (names.resource(&r.resource_type_code)) } td { (r.resource_spec) } td { (r.region) }
                        td { (cn_time(r.effective_at)) }
                        td { @match r.status {
                            1..=3 => (t(lang, &format!("usage_res_status_{}", r.status))),
                            other => (other),
                        } }
                    }
                }
                @if resources.is_empty() { tr { td colspan="8" .muted { (t(lang, "empty")) } } }
            }
        } }
        (pager(res_off, PAGE, res_total, &pager_base(&q, "resources"), lang))
        h2 { (t(lang, "usage_packages")) }
        div.scroll { table #packages {
            thead { tr {
                th { (t(lang, "usage_package")) } th { (t(lang, "region")) } th { (t(lang, "resource_type")) }
                th { (t(lang, "usage_hours_total")) } th { (t(lang, "usage_hours_left")) }
                th { (t(lang, "usage_effective")) } th { (t(lang, "usage_expires")) } th { (t(lang, "status")) }
            } }
            tbody {
                @for p in &packages {
                    tr data-package=(p.id) data-status=(p.status) data-left=(p.remaining.to_decimal()) {
                        td { (pick(en, &p.product_name_zh, &p.product_name_en)) }
                        td { (p.region) } td.resource-type { (names.resource(&p.resource_type_code)) }
                        td.amount { (p.original.to_decimal()) } td.amount.left { (p.remaining.to_decimal()) }
                        td { (cn_time(p.effective_at)) } td { (cn_time(p.expire_at)) }
                        td { @match p.status {
                            0..=3 => (t(lang, &format!("usage_pkg_status_{}", p.status))),
                            other => (other),
                        } }
                    }
                }
                @if packages.is_empty() { tr { td colspan="8" .muted { (t(lang, "empty")) } } }
            }
        } }
        (pager(pkg_off, PAGE, pkg_total, &pager_base(&q, "packages"), lang))
        h2 { (t(lang, "usage_deductions")) }
        p { (super::export::links(lang, "export-deductions", "/console/usage", "")) }
        div.scroll { table #deductions {
            thead { tr {
                th { (t(lang, "usage_deducted_at")) } th { (t(lang, "usage_package")) } th { (t(lang, "usage_resource_id")) }
                th { (t(lang, "usage_hours_used")) } th { (t(lang, "usage_hours_after")) }
            } }
            tbody {
                @for d in &deductions {
                    tr data-package=(d.free_resource_id) data-resource=(d.resource_id) {
                        td { (cn_time(d.deducted_at)) }
                        td { (pick(en, &d.product_name_zh, &d.product_name_en)) }
                        td { code { (d.resource_id) } }
                        td.amount { (d.used.to_decimal()) } td.amount { (d.remaining_after.to_decimal()) }
                    }
                }
                @if deductions.is_empty() { tr { td colspan="5" .muted { (t(lang, "empty")) } } }
            }
        } }
        (pager(ded_off, PAGE, ded_total, &pager_base(&q, "deductions"), lang))
    };
    Ok(page(lang, Some(&c), t(lang, "usage_title"), body).into_response())
}
