//! The master distributor's second tab on the partner order list (`/console/orders`, the vendor's help pages
//! R11.13): "我的客户订单" (its own customers' orders) and "云经销商的客户订单" (its resellers'
//! customers' orders, every reseller's or one's, `?view=resellers&reseller=ID`). Kept apart from
//! `orders.rs` so the order pages stay about orders; `orders_page` asks this module which orders
//! to list and what to put above them.

use maud::{html, Markup};
use pc_app::services::orders::{self, Order, OrderQuery};
use pc_app::services::partners;
use pc_app::{AppResult, Db};
use pc_domain::party::{PartnerType, Role};

use super::i18n::t;
use super::layout::enc;
use super::Console;

/// Which orders a partner's order list shows.
pub(super) struct OrderScope {
    /// The user is an admin or staff member of a master distributor.
    distributor: bool,
    /// The resellers' tab is open.
    resellers: bool,
    /// One reseller (empty: all of them).
    reseller: String,
}

impl OrderScope {
    pub fn from_query(c: &Console, q: &std::collections::HashMap<String, String>) -> OrderScope {
        let distributor = matches!(c.user.role, Role::PartnerAdmin | Role::PartnerStaff)
            && c.user.partner_type == Some(PartnerType::Distributor);
        let resellers = distributor && q.get("view").map(String::as_str) == Some("resellers");
        OrderScope {
            distributor,
            resellers,
            reseller: if resellers {
                q.get("reseller")
                    .map(|r| r.trim().to_string())
                    .unwrap_or_default()
            } else {
                String::new()
            },
        }
    }

    /// The query-string start of links that keep this scope (status tabs, pager): ends in `&`.
    pub fn link_prefix(&self) -> String {
        if self.resellers {
            format!(
                "/console/orders?view=resellers&reseller={}&",
                enc(&self.reseller)
            )
        } else {
            "/console/orders?".into()
        }
    }

    /// The orders of this scope: the user's own (first tab, other roles) or its resellers'.
    pub async fn list(&self, db: &Db, c: &Console, q: &OrderQuery) -> AppResult<(i64, Vec<Order>)> {
        if !self.resellers {
            return orders::list_orders(db, &c.ctx(), q).await;
        }
        orders::list_reseller_orders(db, &c.ctx(), Some(&self.reseller), q).await
    }

    /// The two tabs and, on the resellers' one, the reseller filter; nothing for other users.
    pub async fn nav(&self, db: &Db, c: &Console) -> AppResult<Markup> {
        if !self.distributor {
            return Ok(html! {});
        }
        let lang = c.lang;
        let resellers = if self.resellers {
            partners::resellers(db, &c.ctx()).await?
        } else {
            Vec::new()
        };
        Ok(html! {
            nav.tabs #order-views {
                a href="/console/orders" .active[!self.resellers] data-view="mine" { (t(lang, "orders_tab_mine")) }
                a href="/console/orders?view=resellers" .active[self.resellers] data-view="resellers" { (t(lang, "orders_tab_resellers")) }
            }
            @if self.resellers {
                form.inline #reseller-filter method="get" action="/console/orders" {
                    input type="hidden" name="view" value="resellers";
                    label { (t(lang, "orders_reseller")) " "
                        select name="reseller" {
                            option value="" { (t(lang, "orders_all_resellers")) }
                            @for r in &resellers {
                                option value=(r.id) selected[r.id == self.reseller] { (r.name) " (" (r.id) ")" }
                            }
                        }
                    }
                    button type="submit" { (t(lang, "filter")) }
                }
            }
        })
    }
}
