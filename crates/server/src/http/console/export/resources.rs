//! The customer's resources' export (`/console/resources.csv|xlsx?order_id=`): the resources the
//! page lists with its order filter, every page.

use std::collections::HashMap;

use axum::response::Response;
use pc_app::services::orders::MAX_ORDERS_PAGE;
use pc_app::services::subscriptions::resources::{self, ResourceQuery};
use pc_domain::orders::{PeriodType, EXPIRE_POLICY_AUTO_RENEW};
use pc_domain::party::Role;

use super::{all_pages, Cell, Export};
use crate::http::console::i18n::{t, Lang};
use crate::http::console::Console;
use crate::state::AppState;

#[allow(clippy::result_large_err)]
async fn rows(st: &AppState, c: &Console, q: &HashMap<String, String>) -> Result<Export, Response> {
    c.require(&[Role::Customer])?;
    let lang = c.lang;
    let en = lang == Lang::En;
    let order_id = q.get("order_id").cloned().unwrap_or_default();
    let ctx = c.ctx();
    let list = all_pages(c, MAX_ORDERS_PAGE, |offset, limit| {
        let rq = ResourceQuery::parse(
            None,
            Some(order_id.clone()),
            None,
            None,
            Some(offset),
            Some(limit),
            None,
            None,
            None,
            None,
        );
        let ctx = &ctx;
        async move { resources::list(&st.db, ctx, None, &rq?).await }
    })
    .await?;
    let mut x = Export::new(
        lang,
        "resources",
        t(lang, "resources"),
        &[
            "resources_resource",
            "id",
            "order_id",
            "catalog_product",
            "catalog_service",
            "export_region",
            "period",
            "status",
            "@effective_time",
            "@expire_time",
            "resources_expiry_policy",
        ],
    );
    x.rows = list
        .iter()
        .map(|r| {
            let spec = if en {
                r.spec_desc_en.as_deref()
            } else {
                r.spec_desc_zh.as_deref()
            };
            let service = if en {
                r.service_type_name_en.as_deref()
            } else {
                r.service_type_name_zh.as_deref()
            };
            let period = if r.period_type == PeriodType::Year.code() {
                "period_year"
            } else {
                "period_month"
            };
            let policy = if r.expire_policy == EXPIRE_POLICY_AUTO_RENEW {
                "resources_auto_renew_on"
            } else {
                "resources_auto_renew_off"
            };
            vec![
                Cell::text(&r.name),
                Cell::text(&r.id),
                Cell::text(&r.order_id),
                Cell::text(format!(
                    "{} {}",
                    r.product_id,
                    spec.unwrap_or(&r.resource_spec)
                )),
                Cell::text(service.unwrap_or(&r.service_type_code)),
                Cell::text(&r.region),
                Cell::text(t(lang, period)),
                Cell::text(t(lang, &format!("resources_status_{}", r.status))),
                Cell::Time(r.effective_at),
                Cell::Time(r.expire_at),
                Cell::text(t(lang, policy)),
            ]
        })
        .collect();
    Ok(x)
}

downloads!();
