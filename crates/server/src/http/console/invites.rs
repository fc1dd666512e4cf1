//! Customer invites (销售 > 拓新 > 客户拓展 > 线下邀请): a partner's admin or staff generates invite
//! links (generic or custom-labelled, consulting or resale), sees each as a link and a QR code (SVG
//! and PNG drawn by the server), the generation history, and the expansion records (who associated
//! through which link, who was refused and why).

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use maud::html;
use pc_app::services::customers::invites::{self, LinkKind, NewLink};
use pc_app::services::partners;
use pc_app::AppError;
use pc_domain::association::offers;
use pc_domain::party::{AssociationType, Role};
use serde::Deserialize;

use super::i18n::{t, Lang};
use super::join;
use super::layout::{cn_time, internal, page, with_status};
use super::refill::{Refill, Submitted};
use super::{Console, ConsoleForm as Form};
use crate::http::qr;
use crate::state::AppState;

use super::layout::Page;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/console/invites", get(list).post(create))
        .route("/console/invites.csv", get(super::export::invites::csv))
        .route("/console/invites.xlsx", get(super::export::invites::xlsx))
        .route(
            "/console/invites/records.csv",
            get(super::export::invite_records::csv),
        )
        .route(
            "/console/invites/records.xlsx",
            get(super::export::invite_records::xlsx),
        )
        .route("/console/invites/{id}/disable", post(disable))
        .route("/console/invites/{id}/qr.svg", get(qr_svg))
        .route("/console/invites/{id}/qr.png", get(qr_png))
}

const PARTNER_ROLES: &[Role] = &[Role::PartnerAdmin, Role::PartnerStaff];

#[derive(Deserialize, Default)]
pub struct ListQuery {
    created: Option<String>,
}

pub async fn list(
    State(st): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Query(q): Query<ListQuery>,
) -> Page {
    c.require(PARTNER_ROLES)?;
    render(&st, &headers, &c, q.created.as_deref(), &Refill::NONE).await
}

/// The page; `refill` re-shows a refused invite form (the page then answers with its status).
async fn render(
    st: &AppState,
    headers: &HeaderMap,
    c: &Console,
    created: Option<&str>,
    refill: &Refill,
) -> Page {
    let lang = c.lang;
    let ctx = c.ctx();
    let partner = partners::mine(&st.db, &ctx)
        .await
        .map_err(|_| super::layout::forbidden(c))?;
    let links = invites::list_links(&st.db, &ctx)
        .await
        .map_err(|e| internal(lang, e))?;
    let events = invites::recent_events(&st.db, &ctx, 50)
        .await
        .map_err(|e| internal(lang, e))?;
    let types: Vec<AssociationType> = [AssociationType::Resale, AssociationType::Consulting]
        .into_iter()
        .filter(|k| offers(partner.partner_type, *k))
        .collect();
    let is_admin = c.user.role == Role::PartnerAdmin;
    let r = refill.on("invite-form");
    let body = html! {
        (refill.page_error())
        @if let Some(id) = created {
            @if links.iter().any(|l| l.id == id) { p.flash.ok #invite-created { (t(lang, "invite_created")) } }
        }
        div.card {
            h2 { (t(lang, "invite_new")) }
            form #invite-form method="post" action="/console/invites" {
                input type="hidden" name="csrf" value=(c.user.csrf);
                (r.form_error())
                label { (t(lang, "invite_kind"))
                    select #invite-kind name="kind" aria-invalid=[r.invalid("kind")] aria-describedby=[r.described_by("kind")] {
                        option value="custom" selected[r.selected("kind", "custom")] { (t(lang, "invite_custom")) }
                        option value="generic" selected[r.selected("kind", "generic")] { (t(lang, "invite_generic")) }
                    }
                }
                (r.error_for("kind"))
                label { (t(lang, "label")) " " span.muted { (t(lang, "invite_label_hint")) }
                    input #invite-label name="label" maxlength="64" value=(r.value("label", ""))
                        aria-invalid=[r.invalid("label")] aria-describedby=[r.described_by("label")];
                }
                (r.error_for("label"))
                label { (t(lang, "association_type"))
                    select #invite-type name="association_type" aria-invalid=[r.invalid("association_type")] aria-describedby=[r.described_by("association_type")] {
                        @for k in &types {
                            @let code = k.code().to_string();
                            option value=(code) selected[r.selected("association_type", &code)] { (t(lang, &format!("assoc_{}", k.code()))) }
                        }
                    }
                }
                (r.error_for("association_type"))
                p { button.primary #invite-create type="submit" { (t(lang, "invite_create")) } }
            }
            p.muted { (t(lang, "invite_share_hint")) }
        }
        h2 { (t(lang, "invite_history")) }
        p { (super::export::links(lang, "export-invites", "/console/invites", "")) }
        @if links.is_empty() { p.muted #invites-empty { (t(lang, "empty")) } }
        div #invites {
            @for l in &links {
                @let url = join::join_url(headers, &st.settings, &l.token);
                @let active = l.disabled_at.is_none();
                div.card.invite id=(format!("invite-{}", l.id)) data-invite=(l.id) data-type=(l.association_type.code())
                    data-label=(l.label.clone().unwrap_or_default()) data-status=(if active { "active" } else { "disabled" }) {
                    dl {
                        dt { (t(lang, "label")) } dd.invite-label { (l.label.clone().unwrap_or_default()) }
                        dt { (t(lang, "association_type")) } dd.invite-type { (t(lang, &format!("assoc_{}", l.association_type.code()))) }
                        dt { (t(lang, "invite_kind")) } dd { (t(lang, &format!("invite_{}", l.kind))) }
                        dt { (t(lang, "created_by")) } dd { (l.created_by) }
                        dt { (t(lang, "created_at")) } dd { (cn_time(l.created_at)) }
                        dt { (t(lang, "associated_count")) } dd.invite-count { (l.associated) }
                        dt { (t(lang, "status")) } dd { (if active { t(lang, "active") } else { t(lang, "disabled") }) }
                        dt { (t(lang, "invite_link")) } dd { a.invite-url href=(url) { code { (url) } } }
                    }
                    @if active {
                        img.qr src=(format!("/console/invites/{}/qr.svg", l.id)) width="180" height="180" alt=(t(lang, "invite_qr"));
                        p {
                            a.qr-png href=(format!("/console/invites/{}/qr.png", l.id)) download=(format!("invite-{}.png", l.id)) { (t(lang, "download_png")) }
                            " · "
                            a.qr-svg href=(format!("/console/invites/{}/qr.svg", l.id)) download=(format!("invite-{}.svg", l.id)) { (t(lang, "download_svg")) }
                        }
                        @if is_admin {
                            form.disable-form method="post" action=(format!("/console/invites/{}/disable", l.id))
                                onsubmit=(format!("return confirm({})", serde_json::Value::from(t(lang, "disable_confirm")))) {
                                input type="hidden" name="csrf" value=(c.user.csrf);
                                button.disable type="submit" { (t(lang, "disable")) }
                            }
                        }
                    }
                }
            }
        }
        h2 { (t(lang, "invite_records")) }
        p { (super::export::links(lang, "export-invite-records", "/console/invites/records", "")) }
        div.scroll { table #invite-events {
            thead { tr { th { (t(lang, "time")) } th { (t(lang, "label")) } th { (t(lang, "account_name")) } th { (t(lang, "outcome")) } th { (t(lang, "reason")) } } }
            tbody {
                @for e in &events {
                    tr data-outcome=(e.outcome) data-link=(e.link_id) {
                        td { (cn_time(e.at)) } td { (e.label.clone().unwrap_or_default()) } td { (e.account_name.clone().unwrap_or_default()) }
                        td { (t(lang, &format!("outcome_{}", e.outcome))) }
                        td { @if let Some(code) = &e.error_code { code { (code) } " " (reason_text(lang, code)) } }
                    }
                }
                @if events.is_empty() { tr { td colspan="5" .muted { (t(lang, "empty")) } } }
            }
        } }
    };
    with_status(
        refill.status(),
        page(lang, Some(c), t(lang, "invites"), body),
    )
}

/// The message of a recorded refusal's code, in the page's language.
pub(super) fn reason_text(lang: Lang, vendor_code: &str) -> &'static str {
    pc_app::Code::ALL
        .iter()
        .find(|c| c.vendor_code() == vendor_code)
        .map(|c| {
            if lang == Lang::Zh {
                c.message_zh()
            } else {
                c.message_en()
            }
        })
        .unwrap_or("")
}

#[derive(Deserialize, Default)]
pub struct CreateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    association_type: String,
}

pub async fn create(
    State(st): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Submitted(f, fields): Submitted<CreateForm>,
) -> Page {
    c.require(PARTNER_ROLES)?;
    c.check_csrf(&f.csrf)?;
    let refuse = |e: AppError, field: Option<&str>| {
        Refill::new("invite-form", &fields).refused(c.lang, &e, field)
    };
    let Some(kind) = LinkKind::parse(&f.kind) else {
        let e = AppError::invalid_tr(
            "kind must be generic or custom",
            "kind 必须是 generic（通用）或 custom（自定义）。",
        );
        return render(&st, &headers, &c, None, &refuse(e, Some("kind"))).await;
    };
    let Some(association_type) = AssociationType::parse(&f.association_type) else {
        let e = AppError::invalid_tr(
            "association_type must be 1 or 2",
            "association_type 必须是 1 或 2。",
        );
        let refill = refuse(e, Some("association_type"));
        return render(&st, &headers, &c, None, &refill).await;
    };
    // The service's own label check, run first to name the field a refusal concerns.
    let label_bad =
        kind == LinkKind::Custom && invites::link_label(kind, Some(&f.label), "").is_err();
    let made = invites::create_link(
        &st.db,
        c.ctx(),
        NewLink {
            kind,
            custom_label: Some(f.label),
            association_type,
        },
    )
    .await;
    let link = match made {
        Ok(link) => link,
        Err(e) => {
            let field = if label_bad {
                Some("label")
            } else if e.code == pc_app::Code::AssociationTypeMismatch {
                Some("association_type")
            } else {
                None
            };
            return render(&st, &headers, &c, None, &refuse(e, field)).await;
        }
    };
    Ok(Redirect::to(&format!(
        "/console/invites?created={}#invite-{}",
        link.id, link.id
    ))
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

pub async fn disable(
    State(st): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Page {
    c.require(&[Role::PartnerAdmin])?;
    c.check_csrf(&f.csrf)?;
    match invites::disable_link(&st.db, c.ctx(), id).await {
        Ok(_) => Ok(Redirect::to("/console/invites").into_response()),
        Err(e) => render(&st, &headers, &c, None, &Refill::action(c.lang, &e)).await,
    }
}

pub async fn qr_svg(
    State(st): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
) -> Page {
    qr_image(&st, &headers, &c, &id, false).await
}

pub async fn qr_png(
    State(st): State<AppState>,
    headers: HeaderMap,
    c: Console,
    Path(id): Path<String>,
) -> Page {
    qr_image(&st, &headers, &c, &id, true).await
}

/// The QR code of one of the partner's own links (another partner's link is "not found").
async fn qr_image(st: &AppState, headers: &HeaderMap, c: &Console, id: &str, png: bool) -> Page {
    c.require(PARTNER_ROLES)?;
    let link = invites::get_link(&st.db, &c.ctx(), id)
        .await
        .map_err(|e| internal(c.lang, e))?;
    let url = join::join_url(headers, &st.settings, &link.token);
    let (content_type, bytes) = if png {
        ("image/png", qr::png(&url, 8))
    } else {
        ("image/svg+xml", qr::svg(&url, 240).map(String::into_bytes))
    };
    let bytes = bytes.map_err(|e| internal(c.lang, e))?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        bytes,
    )
        .into_response())
}
