//! Console forms keep the user's work (console/refill.rs), in process on SQLite and PostgreSQL: a
//! refused submit answers 4xx with the same page, the form there with the values typed (never a
//! password), and the message inside the form beside the field it concerns (`p.field-error`, the
//! field `aria-invalid` and described by it), or atop the form when no one field is at fault; in
//! the user's language, Chinese and English.

mod common;

use common::shop::{cust_ctx, place_ecs_month};
use common::*;
use partner_center::http::console::i18n::{t, Lang};
use pc_app::services::customers::{self, invites, unbind};
use pc_app::services::partners;
use pc_app::Code;
use pc_domain::party::{AssociationType, PartnerType};

const PW: &str = "Passw0rd!";

/// What a refused form must show again.
enum Kept<'a> {
    /// An input whose value is the one typed.
    Input(&'a str, &'a str),
    /// A select whose typed option is selected.
    Option(&'a str, &'a str),
    /// A typed value that must not appear anywhere on the page (a password).
    Never(&'a str),
}

/// The HTML of the form with id `form` (from its opening tag to its end).
fn form_html<'a>(body: &'a str, form: &str) -> &'a str {
    let at = body
        .find(&format!(r#"id="{form}""#))
        .unwrap_or_else(|| panic!("no form #{form} on the page: {body}"));
    let start = body[..at].rfind("<form").expect("a form tag");
    let end = body[at..].find("</form>").expect("the form's end") + at;
    &body[start..end]
}

/// The opening tag of the element named `name` in `html`.
fn field_tag<'a>(html: &'a str, name: &str) -> &'a str {
    let at = html
        .find(&format!(r#"name="{name}""#))
        .unwrap_or_else(|| panic!("no field {name} in {html}"));
    let start = html[..at].rfind('<').unwrap();
    let end = html[at..].find('>').unwrap() + at;
    &html[start..=end]
}

/// Asserts a refused post: `status`, the page with form `form`, the values kept, and the message
/// (containing `says`) beside `field` (none: atop the form).
fn assert_refused(
    engine: &str,
    r: &Resp,
    status: u16,
    form: &str,
    field: Option<&str>,
    says: &str,
    kept: &[Kept<'_>],
) {
    assert!(
        r.body.contains("<nav"),
        "{engine}: the page, not an error page"
    );
    assert_form_refused(engine, r, status, form, field, says, kept);
}

/// [`assert_refused`] on a page that has no console navigation (the login page, the join page).
fn assert_form_refused(
    engine: &str,
    r: &Resp,
    status: u16,
    form: &str,
    field: Option<&str>,
    says: &str,
    kept: &[Kept<'_>],
) {
    assert_eq!(r.status, status, "{engine}: #{form}: {}", r.body);
    let html = form_html(&r.body, form);
    let message = match field {
        Some(name) => {
            let id = format!("{form}-{name}-error");
            let tag = field_tag(html, name);
            assert!(tag.contains(r#"aria-invalid="true""#), "{engine}: {tag}");
            assert!(
                tag.contains(&format!(r#"aria-describedby="{id}""#)),
                "{engine}: {tag}"
            );
            let p = format!(r#"<p class="field-error" id="{id}""#);
            let at = html
                .find(&p)
                .unwrap_or_else(|| panic!("{engine}: no {p} in the form: {html}"));
            &html[at..at + html[at..].find("</p>").unwrap()]
        }
        None => {
            let p = format!(r#"id="{form}-error""#);
            let at = html
                .find(&p)
                .unwrap_or_else(|| panic!("{engine}: no {p} in the form: {html}"));
            assert!(!html.contains("field-error"), "{engine}: {html}");
            &html[at..at + html[at..].find("</p>").unwrap()]
        }
    };
    let message = message
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    assert!(
        message.contains(says),
        "{engine}: {says:?} not in {message}"
    );
    for k in kept {
        match k {
            Kept::Input(name, v) => {
                let tag = field_tag(html, name);
                assert!(
                    tag.contains(&format!(r#"value="{v}""#))
                        || html.contains(&format!(">{v}</textarea>")),
                    "{engine}: {name} lost {v:?}: {tag}"
                );
            }
            Kept::Option(name, v) => {
                let tag = field_tag(html, name);
                let at = html.find(tag).unwrap();
                let select = &html[at..at + html[at..].find("</select>").unwrap()];
                assert!(
                    select.contains(&format!(r#"value="{v}" selected"#)),
                    "{engine}: {name} lost {v:?}: {select}"
                );
            }
            Kept::Never(v) => {
                assert!(!r.body.contains(v), "{engine}: {v:?} echoed");
            }
        }
    }
}

async fn set_lang(app: &TestApp, s: &Session, lang: Lang) {
    let tag = match lang {
        Lang::Zh => "zh-CN",
        Lang::En => "en-US",
    };
    let r = app.console_post(s, "/console/lang", &[("lang", tag)]).await;
    assert_eq!(r.status, 303, "{}", r.body);
}

fn invalid(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => Code::InvalidParameter.message_zh(),
        Lang::En => Code::InvalidParameter.message_en(),
    }
}

fn code_says(lang: Lang, c: Code) -> &'static str {
    match lang {
        Lang::Zh => c.message_zh(),
        Lang::En => c.message_en(),
    }
}

const LANGS: [Lang; 2] = [Lang::Zh, Lang::En];

#[tokio::test]
async fn partner_forms_keep_what_was_typed() {
    for app in apps("forms_partner").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let r = app
            .partner(PartnerType::Reseller, Some(&d.partner_id))
            .await;
        let cust = app
            .customer(&d.partner_id, AssociationType::Resale, "forms-cust", "x")
            .await;
        app.credit(&d.partner_id, 10_000).await;
        let ops = app.operator_session("forms.quotas").await;
        let grant = [
            ("partner_id", d.partner_id.as_str()),
            ("type", "voucher"),
            ("amount", "500.00"),
        ];
        let granted = app.console_post(&ops, "/console/quotas", &grant).await;
        assert_eq!(granted.status, 303, "{}", granted.body);
        let quota: String =
            pc_app::store::sql::query_scalar("SELECT id FROM coupon_quotas WHERE partner_id = $1")
                .bind(&d.partner_id)
                .fetch_one(app.db.read())
                .await
                .unwrap();
        let s = app.console_login(&d.login, PW).await;
        for lang in LANGS {
            set_lang(&app, &s, lang).await;

            // Invites: an empty custom label; the kind and type chosen stay chosen.
            let resp = app
                .console_post(
                    &s,
                    "/console/invites",
                    &[
                        ("kind", "custom"),
                        ("label", "  "),
                        ("association_type", "2"),
                    ],
                )
                .await;
            let kept = [
                Kept::Option("kind", "custom"),
                Kept::Option("association_type", "2"),
            ];
            assert_refused(
                &e,
                &resp,
                400,
                "invite-form",
                Some("label"),
                invalid(lang),
                &kept,
            );
            let resp = app
                .console_post(
                    &s,
                    "/console/invites",
                    &[
                        ("kind", "generic"),
                        ("label", "fair"),
                        ("association_type", "9"),
                    ],
                )
                .await;
            let kept = [
                Kept::Option("kind", "generic"),
                Kept::Input("label", "fair"),
            ];
            let field = Some("association_type");
            assert_refused(&e, &resp, 400, "invite-form", field, invalid(lang), &kept);

            // Funds: allocating more than the balance keeps the amount and the customer.
            let resp = app
                .console_post(
                    &s,
                    "/console/funds/customers",
                    &[
                        ("customer_id", &cust.customer_id),
                        ("amount", "100.01"),
                        ("op", "allocate"),
                    ],
                )
                .await;
            let kept = [
                Kept::Input("amount", "100.01"),
                Kept::Option("customer_id", &cust.customer_id),
            ];
            let says = code_says(lang, Code::InsufficientBalance);
            let form = "customer-funds-form";
            assert_refused(&e, &resp, 400, form, Some("amount"), says, &kept);
            // An amount that is no amount, to a reseller.
            let resp = app
                .console_post(
                    &s,
                    "/console/funds/resellers",
                    &[
                        ("reseller_id", &r.partner_id),
                        ("amount", "12abc"),
                        ("op", "reclaim"),
                    ],
                )
                .await;
            let kept = [Kept::Input("amount", "12abc")];
            let says = t(lang, "funds_amount_rule");
            let form = "reseller-funds-form";
            assert_refused(&e, &resp, 400, form, Some("amount"), says, &kept);

            // Staff: a weak password is beside the password field and never shown back.
            let resp = app
                .console_post(
                    &s,
                    "/console/staff",
                    &[
                        ("login", "forms.staff"),
                        ("display_name", "Ann"),
                        ("password", "weakpw"),
                    ],
                )
                .await;
            let kept = [
                Kept::Input("login", "forms.staff"),
                Kept::Input("display_name", "Ann"),
                Kept::Never("weakpw"),
            ];
            let field = Some("password");
            assert_refused(&e, &resp, 400, "staff-form", field, invalid(lang), &kept);

            // Discounts: a ratio that is no ratio keeps the customer typed.
            let resp = app
                .console_post(
                    &s,
                    "/console/discounts",
                    &[("customer_id", &cust.customer_id), ("ratio", "85")],
                )
                .await;
            let kept = [
                Kept::Input("customer_id", &cust.customer_id),
                Kept::Input("ratio", "85"),
            ];
            let form = "grant-discount-form";
            let says = t(lang, "disc_ratio_invalid");
            assert_refused(&e, &resp, 400, form, Some("ratio"), says, &kept);

            // Coupons: a face value that is no amount keeps the customers and the memo.
            let resp = app
                .console_post(
                    &s,
                    "/console/coupons/issue",
                    &[
                        ("type", "voucher"),
                        ("quota_id", &quota),
                        ("customer_ids", &cust.customer_id),
                        ("face_value", "ten"),
                        ("memo", "spring"),
                    ],
                )
                .await;
            let kept = [
                Kept::Option("quota_id", &quota),
                Kept::Input("customer_ids", &cust.customer_id),
                Kept::Input("face_value", "ten"),
                Kept::Input("memo", "spring"),
            ];
            let says = t(lang, "bad_amount");
            assert_refused(
                &e,
                &resp,
                400,
                "issue-form",
                Some("face_value"),
                says,
                &kept,
            );
        }
        // A refused action (no fields): its page again, the message atop it.
        for (path, form) in [
            ("/console/invites/ilnope/disable", "invite-form"),
            ("/console/access-keys/AKNOPE/revoke", "create-key-form"),
        ] {
            let resp = app.console_post(&s, path, &[]).await;
            assert!(
                (400..500).contains(&resp.status),
                "{e}: {path}: {}",
                resp.body
            );
            assert!(
                resp.body.contains(r#"id="page-error""#),
                "{e}: {}",
                resp.body
            );
            assert!(
                resp.body.contains(&format!(r#"id="{form}""#)),
                "{e}: {path}"
            );
        }
        // Nothing was written by the refusals.
        let balance = app.console_get(&s, "/console/funds").await;
        assert!(balance.body.contains("¥100.00"), "{e}");
    }
}

#[tokio::test]
async fn operator_forms_keep_what_was_typed() {
    for app in apps("forms_operator").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let cons = app.partner(PartnerType::Consulting, None).await;
        let s = app.operator_session("forms.operator").await;
        for lang in LANGS {
            set_lang(&app, &s, lang).await;
            let resp = app
                .console_post(
                    &s,
                    "/console/funds/credit",
                    &[
                        ("partner_id", &d.partner_id),
                        ("amount", "-5"),
                        ("memo", "wire 42"),
                    ],
                )
                .await;
            let kept = [Kept::Input("amount", "-5"), Kept::Input("memo", "wire 42")];
            let says = t(lang, "funds_amount_rule");
            assert_refused(&e, &resp, 400, "credit-form", Some("amount"), says, &kept);

            // A coupon quota: the amount, with the partner and type kept.
            let resp = app
                .console_post(
                    &s,
                    "/console/quotas",
                    &[
                        ("partner_id", &d.partner_id),
                        ("type", "cash"),
                        ("amount", "lots"),
                        ("max_count", "7"),
                    ],
                )
                .await;
            let kept = [
                Kept::Input("partner_id", &d.partner_id),
                Kept::Option("type", "cash"),
                Kept::Input("max_count", "7"),
            ];
            let says = t(lang, "bad_amount");
            assert_refused(&e, &resp, 400, "grant-form", Some("amount"), says, &kept);

            // A quota for a consulting-sales partner, who cannot issue coupons: refused beside
            // the partner, the amount and type kept, nothing granted.
            let resp = app
                .console_post(
                    &s,
                    "/console/quotas",
                    &[
                        ("partner_id", &cons.partner_id),
                        ("type", "voucher"),
                        ("amount", "100.00"),
                    ],
                )
                .await;
            let kept = [
                Kept::Input("partner_id", &cons.partner_id),
                Kept::Option("type", "voucher"),
                Kept::Input("amount", "100.00"),
            ];
            let says = code_says(lang, Code::QuotaForConsultingPartner);
            let field = Some("partner_id");
            assert_refused(&e, &resp, 400, "grant-form", field, says, &kept);
            let quotas: i64 = pc_app::store::sql::query_scalar(
                "SELECT COUNT(*) FROM coupon_quotas WHERE partner_id = $1",
            )
            .bind(&cons.partner_id)
            .fetch_one(app.db.read())
            .await
            .unwrap();
            assert_eq!(quotas, 0, "{e}: nothing granted");

            // Catalogue types: an order that is no number.
            let resp = app
                .console_post(
                    &s,
                    "/console/catalog/service-types",
                    &[
                        ("code", "hws.service.type.forms"),
                        ("name_zh", "表单"),
                        ("name_en", "Forms"),
                        ("abbreviation", "FRM"),
                        ("sort_order", "first"),
                    ],
                )
                .await;
            let kept = [
                Kept::Input("code", "hws.service.type.forms"),
                Kept::Input("name_zh", "表单"),
                Kept::Input("sort_order", "first"),
            ];
            let field = Some("sort_order");
            assert_refused(
                &e,
                &resp,
                400,
                "service-type-form",
                field,
                invalid(lang),
                &kept,
            );

            // A product: a price that is no amount.
            let resp = app
                .console_post(
                    &s,
                    "/console/catalog/product",
                    &[
                        ("product_id", "forms-p1"),
                        ("name_en", "Forms VM"),
                        ("month_price", "cheap"),
                    ],
                )
                .await;
            let kept = [
                Kept::Input("product_id", "forms-p1"),
                Kept::Input("month_price", "cheap"),
            ];
            let field = Some("month_price");
            assert_refused(&e, &resp, 400, "product-form", field, invalid(lang), &kept);

            // A promotion: a day that is no day keeps the name and ratio.
            let resp = app
                .console_post(
                    &s,
                    "/console/promotions",
                    &[
                        ("name", "Autumn"),
                        ("ratio", "8.5折"),
                        ("first_day", "someday"),
                        ("last_day", "2026-12-31"),
                    ],
                )
                .await;
            let kept = [Kept::Input("name", "Autumn"), Kept::Input("ratio", "8.5折")];
            let says = t(lang, "promo_bad_day");
            assert_refused(
                &e,
                &resp,
                400,
                "promotion-form",
                Some("first_day"),
                says,
                &kept,
            );

            // The discount floor.
            let resp = app
                .console_post(&s, "/console/discounts/floor", &[("ratio", "1.5")])
                .await;
            let kept = [Kept::Input("ratio", "1.5")];
            let says = t(lang, "disc_ratio_invalid");
            assert_refused(&e, &resp, 400, "floor-form", Some("ratio"), says, &kept);
        }
    }
}

#[tokio::test]
async fn customer_forms_keep_what_was_typed() {
    for app in apps("forms_customer").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(
                &d.partner_id,
                AssociationType::Consulting,
                "forms-self",
                "x",
            )
            .await;
        let s = app.console_login(&cust.login, PW).await;
        for lang in LANGS {
            set_lang(&app, &s, lang).await;
            // A top-up declaration: the amount, with the reference kept.
            let resp = app
                .console_post(
                    &s,
                    "/console/topup",
                    &[("amount", "a lot"), ("reference", "WIRE-77")],
                )
                .await;
            let kept = [
                Kept::Input("amount", "a lot"),
                Kept::Input("reference", "WIRE-77"),
            ];
            let says = t(lang, "topup_err_not_an_amount");
            assert_refused(&e, &resp, 400, "topup-form", Some("amount"), says, &kept);

            // The invoice profile: no title, the tax id and address kept.
            let resp = app
                .console_post(
                    &s,
                    "/console/invoices/profile",
                    &[
                        ("title_type", "2"),
                        ("title", ""),
                        ("tax_id", "91310000MA1FL0001X"),
                        ("mailing_address", "1 Forms Road"),
                    ],
                )
                .await;
            let kept = [
                Kept::Option("title_type", "2"),
                Kept::Input("tax_id", "91310000MA1FL0001X"),
                Kept::Input("mailing_address", "1 Forms Road"),
            ];
            let says = code_says(lang, Code::InvoiceBadTitle);
            let form = "invoice-profile";
            assert_refused(&e, &resp, 400, form, Some("title"), says, &kept);

            // Paying without the balance: the order page again, the choice kept and the
            // message in the pay form, the order's details there and still payable.
            let (order, _) = place_ecs_month(&app, &cust.customer_id).await;
            let path = format!("/console/orders/{order}");
            let resp = app
                .console_post(&s, &format!("{path}/pay"), &[("discount", "")])
                .await;
            let says = code_says(lang, Code::InsufficientBalance);
            assert_refused(&e, &resp, 400, "pay-form", None, says, &[]);
            assert!(
                resp.body.contains(r#"id="order-detail""#)
                    && resp.body.contains(r#"id="order-status" data-status="6""#),
                "{e}: the order's page: {}",
                resp.body
            );
            assert!(!resp.body.contains(r#"id="order-error""#), "{e}");
            // Cancelled, it cannot be cancelled again: said beside the order, its forms gone.
            let done = app.console_post(&s, &format!("{path}/cancel"), &[]).await;
            assert_eq!(done.status, 303, "{e}: {}", done.body);
            let again = app.console_post(&s, &format!("{path}/cancel"), &[]).await;
            assert!(
                again.status >= 400 && again.status < 500,
                "{e}: {}",
                again.body
            );
            let at = again
                .body
                .find(r#"id="cancel-form-error""#)
                .unwrap_or_else(|| panic!("{e}: no #cancel-form-error: {}", again.body));
            let detail = again.body.find(r#"id="order-detail""#).unwrap();
            assert!(detail < at, "{e}: after the order's details");
            assert!(
                !again.body.contains(r#"id="order-error""#),
                "{e}: not atop the page"
            );
            let message = &again.body[at..at + again.body[at..].find("</p>").unwrap()];
            assert!(
                message.chars().any(|ch| match lang {
                    Lang::Zh => ('\u{4e00}'..='\u{9fff}').contains(&ch),
                    Lang::En => ch.is_ascii_alphabetic(),
                }),
                "{e}: in the page's language: {message}"
            );
        }
    }
}

#[tokio::test]
async fn a_refused_unbind_is_the_home_page_with_the_form() {
    for app in apps("forms_unbind").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let cust = app
            .customer(
                &d.partner_id,
                AssociationType::Consulting,
                "forms-leaver",
                "x",
            )
            .await;
        // The partner ended the association; the customer joined it again at once: the next
        // unbinding within 3 months is refused.
        unbind::end_association(
            &app.db,
            app.as_partner(&d.partner_id),
            unbind::Unbinding::Customer(cust.customer_id.clone()),
        )
        .await
        .unwrap();
        let p = partners::get(app.db.read(), &d.partner_id)
            .await
            .unwrap()
            .unwrap();
        let cid = cust.customer_id.clone();
        app.db
            .write(move |x| {
                Box::pin(async move {
                    customers::associate(x, &ctx(), &p, &cid, AssociationType::Consulting, None)
                        .await
                })
            })
            .await
            .unwrap();
        let s = app.console_login(&cust.login, PW).await;
        for lang in LANGS {
            set_lang(&app, &s, lang).await;
            let resp = app
                .console_post(&s, "/console/my-partner/unbind", &[])
                .await;
            let says = code_says(lang, Code::UnbindTooSoon);
            assert_refused(&e, &resp, 400, "unbind-form", None, says, &[]);
            assert!(
                resp.body.contains(r#"id="association""#),
                "{e}: the home page"
            );
            assert!(
                customers::current_association(&app.db, &cust_ctx(&app, &cust.customer_id))
                    .await
                    .unwrap()
                    .is_some(),
                "{e}: still associated"
            );
        }
    }
}

/// Posts a form outside a console session with `cookie` (the language, the join page's pair).
async fn post_with(app: &TestApp, path: &str, cookie: &str, fields: &[(&str, &str)]) -> Resp {
    app.send(
        axum::http::Request::post(path)
            .header("cookie", cookie)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(axum::body::Body::from(form_body(fields)))
            .unwrap(),
    )
    .await
}

fn lang_cookie(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "pc_lang=zh-CN",
        Lang::En => "pc_lang=en-US",
    }
}

#[tokio::test]
async fn a_refused_login_keeps_the_login_name_never_the_password() {
    for app in apps("forms_login").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        for lang in LANGS {
            let resp = post_with(
                &app,
                "/console/login",
                lang_cookie(lang),
                &[("login", &d.login), ("password", "Wrong-pass-77")],
            )
            .await;
            let kept = [Kept::Input("login", &d.login), Kept::Never("Wrong-pass-77")];
            let says = code_says(lang, Code::LoginFailed);
            let field = Some("password");
            assert_form_refused(&e, &resp, 401, "login-form", field, says, &kept);
        }
    }
}

#[tokio::test]
async fn a_refused_join_keeps_the_fields_and_says_why_beside_one() {
    for app in apps("forms_join").await {
        let e = app.engine.clone();
        let d = app.partner(PartnerType::Distributor, None).await;
        let link = invites::create_link(
            &app.db,
            app.as_partner(&d.partner_id),
            invites::NewLink {
                kind: invites::LinkKind::Generic,
                custom_label: None,
                association_type: AssociationType::Consulting,
            },
        )
        .await
        .unwrap();
        let existing = app
            .customer(
                &d.partner_id,
                AssociationType::Consulting,
                "forms-joiner",
                "x",
            )
            .await;
        // The join page's double-submit pair: the same value in the cookie and the form.
        let csrf = "0123456789abcdef0123456789abcdef";
        for lang in LANGS {
            let cookie = format!("pc_join={csrf}; {}", lang_cookie(lang));
            // An existing account with a wrong password: the login kept, the message beside
            // the password.
            let resp = post_with(
                &app,
                &format!("/join/{}/login", link.token),
                &cookie,
                &[
                    ("csrf", csrf),
                    ("login", &existing.login),
                    ("password", "Wrong-pass-77"),
                ],
            )
            .await;
            let kept = [
                Kept::Input("login", &existing.login),
                Kept::Never("Wrong-pass-77"),
            ];
            let says = code_says(lang, Code::LoginFailed);
            let (form, field) = ("join-login-form", Some("password"));
            assert_form_refused(&e, &resp, 401, form, field, says, &kept);
            assert!(
                resp.body.contains(r#"id="join-error""#),
                "{e}: the code atop"
            );

            // A new account with an account name the rules refuse: the mobile number and the
            // name kept, the message beside the name, the password never shown.
            let resp = post_with(
                &app,
                &format!("/join/{}/register", link.token),
                &cookie,
                &[
                    ("csrf", csrf),
                    ("mobile", "13800138000"),
                    ("code", "123456"),
                    ("account_name", "x!"),
                    ("password", "Secret-2026-pw"),
                ],
            )
            .await;
            let kept = [
                Kept::Input("mobile", "13800138000"),
                Kept::Input("account_name", "x!"),
                Kept::Never("Secret-2026-pw"),
            ];
            let (form, field) = ("register-form", Some("account_name"));
            assert_form_refused(&e, &resp, 400, form, field, invalid(lang), &kept);
        }
    }
}
