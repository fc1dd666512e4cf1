//! The console's frame: head, header with the user, role-aware navigation, language switch and
//! logout, and the stylesheet (embedded in the binary); and what every page handler shares: the
//! `Page` result, an error page, the pager, the CSRF-only form, query-string encoding.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};
use pc_domain::party::{PartnerType, Role};
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::Console;

/// Navigation per role: (data-nav id, path, label key). Only capabilities that exist appear.
fn nav_entries(role: Role) -> &'static [(&'static str, &'static str, &'static str)] {
    match role {
        Role::Operator => &[
            ("home", "/console", "home"),
            ("partners", "/console/partners", "partners"),
            ("customers", "/console/customers", "customers"),
            ("funds", "/console/funds", "funds"),
            ("quotas", "/console/quotas", "quotas"),
            ("catalog", "/console/catalog", "catalog"),
            ("orders", "/console/orders", "orders"),
            ("discounts", "/console/discounts", "discounts"),
            ("promotions", "/console/promotions", "promotions"),
            ("topups", "/console/topups", "topup_ops_nav"),
            ("bills", "/console/bills", "bills_nav"),
            ("invoices", "/console/invoices", "invoices_nav"),
            ("outbox", "/console/outbox", "outbox"),
            ("audit", "/console/audit", "audit"),
            ("access-keys", "/console/access-keys", "access_keys"),
        ],
        Role::PartnerAdmin => &[
            ("home", "/console", "home"),
            ("customers", "/console/customers", "customers"),
            ("funds", "/console/funds", "funds"),
            ("invites", "/console/invites", "invites"),
            ("orders", "/console/orders", "orders"),
            ("bills", "/console/bills", "bills_nav"),
            ("invoices", "/console/invoices", "invoices_nav"),
            ("discounts", "/console/discounts", "discounts"),
            ("access-keys", "/console/access-keys", "access_keys"),
            ("vouchers", "/console/vouchers", "voucher_management"),
            (
                "cash-coupons",
                "/console/cash-coupons",
                "cash_coupon_management",
            ),
            ("staff", "/console/staff", "staff_nav"),
        ],
        Role::PartnerStaff => &[
            ("home", "/console", "home"),
            ("customers", "/console/customers", "customers"),
            ("invites", "/console/invites", "invites"),
            // Read-only for staff: no issue or recall forms (coupons.rs).
            ("vouchers", "/console/vouchers", "voucher_management"),
            (
                "cash-coupons",
                "/console/cash-coupons",
                "cash_coupon_management",
            ),
        ],
        Role::Customer => &[
            ("home", "/console", "home"),
            ("catalog", "/console/catalog", "catalog"),
            ("orders", "/console/orders", "orders"),
            ("resources", "/console/resources", "resources"),
            ("bills", "/console/bills", "bills_nav"),
            ("invoices", "/console/invoices", "invoices_nav"),
            ("usage", "/console/usage", "usage_nav"),
            ("my-coupons", "/console/my-coupons", "my_coupons"),
        ],
    }
}

/// Entries that depend on the partner's type, after the role's own.
fn type_entries(
    role: Role,
    ptype: Option<PartnerType>,
) -> &'static [(&'static str, &'static str, &'static str)] {
    match (role, ptype) {
        (Role::PartnerAdmin, Some(PartnerType::Distributor)) => {
            &[("resellers", "/console/resellers", "resellers"), CAPABILITY]
        }
        (Role::PartnerAdmin, Some(PartnerType::Reseller)) => {
            &[("delegation", "/console/delegation", "delegation")]
        }
        // Capability opening: every partner admin but a cloud reseller's (services/redirects.rs).
        (
            Role::PartnerAdmin,
            Some(PartnerType::Consulting | PartnerType::Solution | PartnerType::Marketplace),
        ) => &[CAPABILITY],
        _ => &[],
    }
}

const CAPABILITY: (&str, &str, &str) = ("capability", "/console/capability", "capability");

/// The test clock's page: for operators of a server started with `serve --test-clock`.
const CLOCK: (&str, &str, &str) = ("clock", "/console/clock", "test_clock");

/// The customer's offline top-up page: for customers that may top up themselves (not resale).
const TOPUP: (&str, &str, &str) = ("topup", "/console/topup", "topup_nav");

pub fn lang_form(lang: Lang, csrf: Option<&str>) -> Markup {
    html! {
        form #lang-form method="post" action="/console/lang" {
            @if let Some(c) = csrf { input type="hidden" name="csrf" value=(c); }
            button type="submit" name="lang" value="zh-CN" class={ @if lang == Lang::Zh { "on" } } { "中文" }
            button type="submit" name="lang" value="en-US" class={ @if lang == Lang::En { "on" } } { "English" }
        }
    }
}

/// The `<head>` of every page; `extra_css` is added inline (pages outside the console frame).
pub fn head(lang: Lang, title: &str, extra_css: Option<&'static str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            title { (title) " · " (t(lang, "app")) }
            link rel="stylesheet" href="/console/static/console.css";
            @if let Some(css) = extra_css { style { (maud::PreEscaped(css)) } }
        }
    }
}

pub fn page(lang: Lang, user: Option<&Console>, title: &str, body: Markup) -> Html<String> {
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.tag()) {
            (head(lang, title, None))
            body {
                header {
                    a.brand href="/console" { (t(lang, "app")) }
                    @if let Some(c) = user {
                        nav #main-nav {
                            @for (id, path, key) in nav_entries(c.user.role).iter().chain(type_entries(c.user.role, c.user.partner_type)).chain(c.may_top_up.then_some(&TOPUP)).chain((c.test_clock && c.user.role == Role::Operator).then_some(&CLOCK)) {
                                a data-nav=(id) href=(path) { (t(lang, key)) }
                            }
                        }
                        span #whoami {
                            (c.user.login) " · " (t(lang, &format!("role_{}", c.user.role.as_str())))
                            @if let Some(n) = &c.user.partner_name { " · " (n) }
                        }
                        (lang_form(lang, Some(&c.user.csrf)))
                        form #logout-form method="post" action="/console/logout" {
                            input type="hidden" name="csrf" value=(c.user.csrf);
                            button #logout type="submit" { (t(lang, "logout")) }
                        }
                    } @else {
                        (lang_form(lang, None))
                    }
                }
                @if let Some(c) = user.filter(|c| c.test_clock) {
                    div #test-clock-banner data-ms=(c.now_ms) {
                        (t(lang, "test_clock_banner")) " " strong { (cn_time(c.now_ms)) }
                        @if c.user.role == Role::Operator { " · " a href="/console/clock" { (t(lang, "test_clock")) } }
                    }
                }
                main { h1 { (title) } (body) }
            }
        }
    };
    Html(markup.into_string())
}

pub fn message_page(lang: Lang, user: Option<&Console>, title: &str, msg: &str) -> Html<String> {
    page(lang, user, title, html! { p.flash.error { (msg) } })
}

pub fn forbidden(c: &Console) -> Response {
    (
        StatusCode::FORBIDDEN,
        message_page(c.lang, Some(c), "403", t(c.lang, "forbidden")),
    )
        .into_response()
}

const CSS: &str = r#"
*{box-sizing:border-box}body{margin:0;font:15px/1.5 system-ui,-apple-system,"PingFang SC","Microsoft YaHei",sans-serif;color:#1f2329;background:#f5f6f7}
header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:#fff;border-bottom:1px solid #e5e6eb}
.brand{font-weight:600;color:#c7000b;text-decoration:none}nav{display:flex;flex-wrap:wrap;gap:.8rem}nav a{color:#1f2329;text-decoration:none}nav a:hover{color:#c7000b}
#whoami{color:#646a73;font-size:.9em;margin-left:auto}form{margin:0}#lang-form button,#logout{border:1px solid #d0d3d6;background:#fff;padding:.2rem .6rem;border-radius:4px;cursor:pointer}
#lang-form button.on{border-color:#c7000b;color:#c7000b}main{max-width:1100px;margin:0 auto;padding:1rem}h1{font-size:1.3rem}
table{width:100%;border-collapse:collapse;background:#fff;font-size:.92em}th,td{padding:.45rem .6rem;border-bottom:1px solid #eef0f1;text-align:left;vertical-align:top}
th{background:#fafbfc;font-weight:600}#test-clock-banner{background:#fff3cd;border-bottom:1px solid #f0c36d;padding:.4rem 1rem;color:#7a5200}.scroll{overflow-x:auto}.card{background:#fff;border:1px solid #e5e6eb;border-radius:6px;padding:1rem;margin:0 0 1rem}
.flash{padding:.6rem .8rem;border-radius:4px;margin:.6rem 0}.flash.error{background:#fdecee;color:#a8071a}.flash.ok{background:#e8f7ee;color:#0a6b3a}
fieldset{min-width:0}label{display:block;margin:.4rem 0}input,select,textarea{font:inherit;padding:.35rem .5rem;border:1px solid #d0d3d6;border-radius:4px;max-width:100%}
button.primary,#login-submit,#create-key{background:#c7000b;color:#fff;border:0;padding:.45rem 1rem;border-radius:4px;cursor:pointer}
.login{max-width:360px;margin:2rem auto}.login input{width:100%}code{word-break:break-all;background:#f2f3f5;padding:.1rem .3rem;border-radius:3px}
.chart{margin:0 0 1rem;background:#fff;border:1px solid #e5e6eb;border-radius:6px;padding:.6rem}.chart>svg{display:block;width:100%;height:auto}
.tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(9.5rem,1fr));gap:.8rem;margin:0 0 1rem}.tile{position:relative;background:#fff;border:1px solid #e5e6eb;border-radius:6px;padding:.7rem .9rem}.tile .label{color:#646a73;font-size:.88em}.tile .value{font-size:1.35rem;font-weight:600;overflow-wrap:anywhere}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,28rem),1fr));gap:0 1rem}.charts h2{font-size:1.05rem}.tile .more{position:absolute;top:.5rem;right:.7rem;text-decoration:none;color:#c7000b}
.legend{display:flex;flex-wrap:wrap;gap:.3rem 1rem;list-style:none;padding:0;margin:.4rem 0 0}.legend svg{vertical-align:-1px}
label.inl{display:inline-block;margin:0 .4rem .2rem 0}label.inl input[type=number]{width:5em}
.filters{display:flex;flex-wrap:wrap;gap:.5rem;align-items:end;margin-bottom:.8rem}.nowrap{white-space:nowrap}
table.audit th{white-space:nowrap}table.audit code{word-break:normal;white-space:nowrap}table.audit a.id{text-decoration:none}table.audit td.detail{font-size:.85em;overflow-wrap:anywhere;min-width:12rem;max-width:22rem}table.audit .kv{display:inline-block;margin-right:.6rem}table.audit a.transfer{white-space:nowrap}
@media (max-width:700px){table.audit thead{display:none}table.audit,table.audit tbody,table.audit tr,table.audit td{display:block;width:100%}table.audit tr{border:1px solid #e5e6eb;border-radius:6px;margin:0 0 .6rem;padding:.3rem 0}table.audit td{border:0;padding:.2rem .6rem;max-width:none}table.audit td::before{content:attr(data-label);display:block;color:#646a73;font-size:.8em}table.audit td.nowrap{white-space:normal}
main table:not(.audit){display:block;overflow-x:auto;max-width:100%}main table:not(.audit) th,main table:not(.audit) td{white-space:nowrap}}
.muted{color:#646a73}.tz{color:#646a73;font-size:.8em}dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{color:#646a73}dd{margin:0}
.field-error{color:#a8071a;font-size:.9em;margin:.2rem 0 .4rem}[aria-invalid=true]{border-color:#a8071a;outline:1px solid #a8071a}
"#;

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

// ----------------------------------------------------------------------------------------------
// What page handlers share

pub(super) type Page = Result<Response, Response>;

/// A rendered page answered with `status`: 200 as the success, anything else as the error side
/// (a form re-shown with what went wrong).
#[allow(clippy::result_large_err)] // a page either way, as every console handler returns
pub(super) fn with_status(
    status: axum::http::StatusCode,
    html: axum::response::Html<String>,
) -> Page {
    if status == axum::http::StatusCode::OK {
        Ok(html.into_response())
    } else {
        Err((status, html).into_response())
    }
}

pub(super) fn internal(lang: Lang, e: pc_app::AppError) -> Response {
    (
        StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        message_page(lang, None, "Error", &e.message(lang == Lang::Zh)),
    )
        .into_response()
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    pub(super) csrf: String,
}

pub(super) fn pager(offset: i64, limit: i64, total: i64, base: &str, lang: Lang) -> Markup {
    html! {
        p.pager {
            @if offset > 0 { a href=(format!("{base}offset={}", (offset - limit).max(0))) { (t(lang, "prev")) } " " }
            @if offset + limit < total { a href=(format!("{base}offset={}", offset + limit)) { (t(lang, "next")) } }
        }
    }
}

/// An amount as every console page shows it: the currency, thousands separators and the cents
/// the amount carries (`¥1,234.50`, `-¥1,234.50`, `¥0.35`).
pub(super) fn yuan(m: pc_domain::Money) -> String {
    let plain = m.to_string();
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(d) => ("-", d),
        None => ("", plain.as_str()),
    };
    let (whole, cents) = digits.split_once('.').unwrap_or((digits, "00"));
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}¥{grouped}.{cents}")
}

static DISPLAY_ZONE: std::sync::OnceLock<pc_domain::timefmt::Zone> = std::sync::OnceLock::new();

/// Sets the zone the console shows times in (`serve --time-zone`), once, before serving; without
/// it, Asia/Shanghai. Business days and months (bills, filters by date) stay Asia/Shanghai's.
pub fn set_display_zone(zone: pc_domain::timefmt::Zone) {
    let _ = DISPLAY_ZONE.set(zone);
}

/// The zone the console shows times in.
pub(super) fn display_zone() -> pc_domain::timefmt::Zone {
    DISPLAY_ZONE
        .get()
        .copied()
        .unwrap_or(pc_domain::timefmt::Zone::SHANGHAI)
}

/// A time as the console shows it, the one way every page does: the wall clock of the display
/// zone to the minute (`2026-11-18 20:00`) followed by the zone's name, the UTC instant in
/// `datetime` and on hover.
pub(super) fn cn_time(ms: i64) -> Markup {
    let utc = pc_domain::timefmt::format_utc(ms);
    let zone = display_zone();
    html! {
        time datetime=(utc) title=(utc) { (pc_domain::timefmt::format_in(ms, zone)) }
        " " small.tz { (zone.name) }
    }
}

/// Percent-encodes a query-string value.
pub(super) fn enc(s: &str) -> String {
    let mut out = String::new();
    pc_domain::signing::pct_encode(s.as_bytes(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::yuan;
    use pc_domain::Money;

    #[test]
    fn yuan_groups_thousands_and_keeps_the_cents() {
        let cases = [
            (0, "¥0.00"),
            (35, "¥0.35"),
            (123_456, "¥1,234.56"),
            (-123_456, "-¥1,234.56"),
            (-7, "-¥0.07"),
            (99_999, "¥999.99"),
            (100_000, "¥1,000.00"),
            (123_456_789_012, "¥1,234,567,890.12"),
        ];
        for (cents, shown) in cases {
            assert_eq!(yuan(Money::from_cents(cents)), shown, "{cents}");
        }
    }
}
