//! The console's home page, one per role: the figures a person of that role looks at first, the
//! things waiting on them, and charts of the last months. Every figure is a read of the
//! capability that owns it, scoped by the caller (a partner sees its own, a reseller never its
//! siblings'); this module only lays them out.
//!
//! - partner (admin and staff): its identifiers and balance, customers associated this month,
//!   orders waiting for payment, coupons expiring within 30 days, coupon quota left, a task list,
//!   and charts of customers associated per month, allocations and reclaims per month and orders
//!   by status;
//! - customer: its association (with the unbind form) and history, balance, usable coupons,
//!   resources expiring within 30 days, orders to pay, its orders by status;
//! - operator: partners, customers, top-ups to confirm, invoice requests to handle, the money
//!   held in each kind of ledger account, and charts of partners and customers joined per month,
//!   top-ups credited per month (how many, how much) and the platform's orders by status.
//!
//! A master distributor's "customers associated this month" and its chart count its whole tree
//! (its resellers' customers with its own), its direct ones said beside the figure; a reseller
//! counts its own only.

use axum::extract::State;
use maud::{html, Markup};
use pc_app::services::{
    coupons, customers, funds, invoices, orders, partners, subscriptions, topups,
};
use pc_app::{AppError, Code};
use pc_domain::orders::OrderStatus;
use pc_domain::party::{PartnerType, Role};
use pc_domain::Money;

use super::chart::{self, Bar, Series};
use super::i18n::{audit::account_kind, t, Lang};
use super::layout::{cn_time, internal, page, with_status, yuan, Page};
use super::refill::Refill;
use super::Console;
use crate::state::AppState;

/// The charts' months: this one and the eleven before it.
const MONTHS: i64 = 12;
/// "Expiring soon": within this many days.
const SOON_DAYS: i64 = 30;

pub async fn home(State(st): State<AppState>, c: Console) -> Page {
    home_page(&st, &c, &Refill::NONE).await
}

/// The home page; `refill` re-shows a refused form of it (the customer's unbind) with its status.
pub(super) async fn home_page(st: &AppState, c: &Console, refill: &Refill) -> Page {
    let lang = c.lang;
    let body = match c.user.role {
        Role::Operator => operator(st, c).await,
        Role::PartnerAdmin | Role::PartnerStaff => partner(st, c).await,
        Role::Customer => customer(st, c, refill).await,
    }
    .map_err(|e| internal(lang, e))?;
    let body = html! { (refill.page_error()) (body) };
    with_status(
        refill.status(),
        page(
            lang,
            Some(c),
            &format!("{}, {}", t(lang, "welcome"), c.user.login),
            body,
        ),
    )
}

/// One figure: its label, its value (the element `id` carries), and where to act on it.
fn tile(id: &str, label: &str, value: Markup, link: Option<&str>) -> Markup {
    noted_tile(id, label, value, None, link)
}

/// A [`tile`] with a note in smaller text under its value.
fn noted_tile(
    id: &str,
    label: &str,
    value: Markup,
    note: Option<Markup>,
    link: Option<&str>,
) -> Markup {
    html! {
        div.tile {
            div.label { (label) }
            div.value #(id) { (value) }
            @if let Some(note) = note { small.note { (note) } }
            @if let Some(href) = link { a.more href=(href) { "→" } }
        }
    }
}

fn money(m: Money) -> Markup {
    html! { (yuan(m)) }
}

/// The axis label of a `YYYY-MM` month: its month in the page's language.
fn short_month(lang: Lang, label: &str) -> String {
    let m: usize = label
        .rsplit('-')
        .next()
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    const EN: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    match lang {
        Lang::Zh => format!("{m}月"),
        Lang::En => EN.get(m.wrapping_sub(1)).unwrap_or(&"?").to_string(),
    }
}

/// A chart of counts per month under its heading: `title` its i18n key, `months` the full
/// months and their axis labels.
fn count_chart(
    lang: Lang,
    id: &str,
    title: &str,
    (months, labels): (&[String], &[String]),
    counts: &[i64],
) -> Markup {
    html! {
        section {
            h2 { (t(lang, title)) }
            (chart::count_bars(id, t(lang, title), months, labels, counts))
        }
    }
}

/// A chart of amounts per month (one stack per month) under its heading, as [`count_chart`].
fn money_chart(
    lang: Lang,
    id: &str,
    title: &str,
    (months, labels): (&[String], &[String]),
    series: &[Series],
) -> Markup {
    html! {
        section {
            h2 { (t(lang, title)) }
            (chart::stacked_bars_sized(id, t(lang, title), months, labels, series, "", 480.0))
        }
    }
}

/// The status chart of an [`orders::OrderSummary`]: the five statuses the orders list has tabs
/// for, the rare others (pending refund, pending confirmation) counted with "processing".
/// `title` is the chart's i18n key.
fn orders_chart(lang: Lang, s: &orders::OrderSummary, title: &str) -> Markup {
    let count = |codes: &[OrderStatus]| -> i64 {
        s.by_status
            .iter()
            .filter(|(c, _)| codes.iter().any(|x| x.code() == *c))
            .map(|(_, n)| n)
            .sum()
    };
    use OrderStatus::*;
    let rows = [
        (PendingPayment, "order_status_6", count(&[PendingPayment])),
        (PendingReview, "order_status_1", count(&[PendingReview])),
        (
            Processing,
            "order_status_3",
            count(&[Processing, PendingRefund, PendingConfirmation]),
        ),
        (Completed, "order_status_5", count(&[Completed])),
        (Cancelled, "order_status_4", count(&[Cancelled])),
    ];
    let bars: Vec<Bar> = rows
        .iter()
        .map(|(st, key, n)| Bar {
            key: st.code().to_string(),
            label: t(lang, key),
            count: *n,
        })
        .collect();
    html! {
        section {
            h2 { (t(lang, title)) }
            (chart::status_bars("chart-orders", t(lang, title), &bars))
        }
    }
}

async fn operator(st: &AppState, c: &Console) -> Result<Markup, AppError> {
    let (lang, ctx) = (c.lang, c.ctx());
    let (np, nc) = customers::count_all(&st.db, &ctx).await?;
    let pending = topups::pending_count(&st.db, &ctx).await?;
    let invoices = invoices::issuer_to_handle(&st.db, &ctx).await?;
    let kinds = funds::money_by_account_kind(&st.db, &ctx).await?;
    let joined = customers::joined_by_month(&st.db, &ctx, MONTHS).await?;
    let credited = topups::credited_by_month(&st.db, &ctx, MONTHS).await?;
    let orders = orders::summary(&st.db, &ctx, MONTHS).await?;
    let labels: Vec<String> = joined.months.iter().map(|m| short_month(lang, m)).collect();
    let amounts = [Series {
        key: "credited",
        label: t(lang, "home_topups_credited"),
        values: &credited.cents,
    }];
    Ok(html! {
        div.tiles {
            (tile("partner-count", t(lang, "partner_count"), html! { (np) }, Some("/console/partners")))
            (tile("customer-count", t(lang, "customer_count"), html! { (nc) }, Some("/console/customers")))
            (tile("topups-pending", t(lang, "home_topups_pending"), html! { (pending) }, Some("/console/topups?status=pending")))
            (tile("invoices-to-handle", t(lang, "home_invoices_to_handle"), html! { (invoices) }, Some("/console/invoices")))
        }
        h2 { (t(lang, "home_money_by_kind")) }
        p.muted { (t(lang, "home_money_by_kind_hint")) }
        div.scroll { table #money-by-kind {
            thead { tr { th { (t(lang, "type")) } th { (t(lang, "amount")) } } }
            tbody { @for (k, m) in &kinds {
                @let (zh, en) = account_kind(k.as_str()).unwrap_or((k.as_str(), k.as_str()));
                tr data-kind=(k.as_str()) data-cents=(m.cents()) {
                    td { (if lang == Lang::Zh { zh } else { en }) } td { (yuan(*m)) }
                }
            } }
        } }
        div.charts {
            (count_chart(lang, "chart-partners", "home_partners_chart", (&joined.months, &labels), &joined.partners))
            (count_chart(lang, "chart-customers-joined", "home_customers_joined_chart", (&joined.months, &labels), &joined.customers))
            (count_chart(lang, "chart-topups-count", "home_topups_count_chart", (&credited.months, &labels), &credited.counts))
            (money_chart(lang, "chart-topups-amount", "home_topups_amount_chart", (&credited.months, &labels), &amounts))
            (orders_chart(lang, &orders, "home_platform_orders_chart"))
        }
    })
}

async fn partner(st: &AppState, c: &Console) -> Result<Markup, AppError> {
    let (lang, ctx) = (c.lang, c.ctx());
    // A partner that no longer exists shows nothing (`mine` refuses it with `CBC.0151`).
    let p = match partners::mine(&st.db, &ctx).await {
        Ok(p) => p,
        Err(e) if e.code == Code::AccessDenied => return Ok(html! {}),
        Err(e) => return Err(e),
    };
    let bal = funds::partner_balance(&st.db, &ctx, None).await?;
    let joined = customers::associated_by_month(&st.db, &ctx, MONTHS).await?;
    let orders = orders::summary(&st.db, &ctx, MONTHS).await?;
    let coupons = coupons::summary::partner_summary(&st.db, &ctx, SOON_DAYS).await?;
    let moves = funds::customer_moves_by_month(&st.db, &ctx, MONTHS).await?;
    // Invoice requests are handled by the admin; staff have none to handle.
    let invoices = if c.user.role == Role::PartnerAdmin {
        Some(invoices::issuer_to_handle(&st.db, &ctx).await?)
    } else {
        None
    };
    let this_month = joined.counts.last().copied().unwrap_or(0);
    // A master distributor's figure is its tree's; its direct customers are said beside it.
    let direct = (p.partner_type == PartnerType::Distributor)
        .then(|| joined.direct.last().copied().unwrap_or(0));
    let unpaid_link = "/console/orders?status=6";
    let tasks: Vec<(&str, i64, &str, &str)> = [
        Some((
            "task-unpaid-orders",
            orders.awaiting_payment,
            "home_task_unpaid_orders",
            unpaid_link,
        )),
        invoices.map(|n| {
            (
                "task-invoices",
                n,
                "home_task_invoices",
                "/console/invoices",
            )
        }),
        Some((
            "task-expiring-coupons",
            coupons.expiring.count,
            "home_task_expiring_coupons",
            "/console/vouchers",
        )),
    ]
    .into_iter()
    .flatten()
    .filter(|(_, n, _, _)| *n > 0)
    .collect();
    let labels: Vec<String> = joined.months.iter().map(|m| short_month(lang, m)).collect();
    let reclaimed: Vec<i64> = moves.reclaimed.iter().map(|v| -v).collect();
    let series = [
        Series {
            key: "allocated",
            label: t(lang, "home_allocated"),
            values: &moves.allocated,
        },
        Series {
            key: "reclaimed",
            label: t(lang, "home_reclaimed"),
            values: &reclaimed,
        },
    ];
    Ok(html! {
        div.card { dl {
            dt { (t(lang, "name")) } dd { (p.name) }
            dt { (t(lang, "type")) } dd { (t(lang, &format!("type_{}", p.partner_type.as_str()))) }
            dt { (t(lang, "id")) } dd { code { (p.id) } }
            dt { (t(lang, "domain_id")) } dd { code #domain-id { (p.domain_id) } }
            dt { (t(lang, "xaccount_type")) } dd { code #xaccount-type { (p.xaccount_type) } }
            dt { (t(lang, "balance")) } dd #balance { (yuan(bal)) }
        } }
        div.tiles {
            (noted_tile("customers-this-month", t(lang, "home_customers_this_month"), html! { (this_month) },
                direct.map(|n| html! {
                    span title=(t(lang, "home_customers_tree_hint")) { (t(lang, "home_customers_direct")) " " span #customers-this-month-direct { (n) } }
                }),
                Some("/console/customers")))
            (tile("orders-awaiting-payment", t(lang, "home_orders_awaiting_payment"), html! { (orders.awaiting_payment) }, Some(unpaid_link)))
            (tile("coupons-expiring", t(lang, "home_coupons_expiring"),
                html! { span.count { (coupons.expiring.count) } " · " span.amount data-cents=(coupons.expiring.balance.cents()) { (yuan(coupons.expiring.balance)) } },
                Some("/console/vouchers")))
            (tile("coupon-quota-left", t(lang, "home_coupon_quota_left"), money(coupons.quota_left), Some("/console/vouchers")))
        }
        div.card #tasks {
            h2 { (t(lang, "home_tasks")) }
            @if tasks.is_empty() {
                p.muted { (t(lang, "home_no_tasks")) }
            } @else {
                ul { @for (id, n, key, href) in &tasks {
                    li #(id) data-count=(n) { a href=(href) { (t(lang, key)) } " " strong { (n) } }
                } }
            }
        }
        div.charts {
            (count_chart(lang, "chart-customers", "home_customers_chart", (&joined.months, &labels), &joined.counts))
            (money_chart(lang, "chart-funds", "home_funds_chart", (&moves.months, &labels), &series))
            (orders_chart(lang, &orders, "home_orders_chart"))
        }
        p.muted { (t(lang, "api_hint")) }
    })
}

async fn customer(st: &AppState, c: &Console, refill: &Refill) -> Result<Markup, AppError> {
    let (lang, ctx) = (c.lang, c.ctx());
    let a = customers::current_association(&st.db, &ctx).await?;
    let bal = funds::customer_balance(&st.db, &ctx).await?;
    let history = customers::association_history(&st.db, &ctx).await?;
    let usable = coupons::summary::customer_usable(&st.db, &ctx).await?;
    let expiring = subscriptions::resources::expiring_count(&st.db, &ctx, SOON_DAYS).await?;
    let orders = orders::summary(&st.db, &ctx, MONTHS).await?;
    Ok(html! {
        div.card #association {
            h2 { (t(lang, "my_partner")) }
            @match a {
                Some(a) => {
                    dl {
                        dt { (t(lang, "name")) } dd { (a.partner_name) }
                        dt { (t(lang, "association_type")) } dd { (t(lang, &format!("assoc_{}", a.association_type))) }
                        dt { (t(lang, "since")) } dd { (cn_time(a.associated_at)) }
                    }
                    (super::unbind::unbind_form(lang, &c.user.csrf, "/console/my-partner/unbind", refill))
                },
                None => p { (t(lang, "not_associated")) },
            }
        }
        div.card { dl { dt { (t(lang, "balance")) } dd #balance { (yuan(bal)) } } }
        div.tiles {
            (tile("coupons-usable", t(lang, "home_coupons_usable"),
                html! { span.count { (usable.count) } " · " span.amount data-cents=(usable.balance.cents()) { (yuan(usable.balance)) } },
                Some("/console/my-coupons")))
            (tile("resources-expiring", t(lang, "home_resources_expiring"), html! { (expiring) }, Some("/console/resources")))
            (tile("orders-to-pay", t(lang, "home_orders_to_pay"), html! { (orders.awaiting_payment) }, Some("/console/orders?status=6")))
        }
        div.charts { (orders_chart(lang, &orders, "home_orders_chart")) }
        h2 { (t(lang, "association_history")) }
        (super::customers::history_table(lang, &history))
    })
}
