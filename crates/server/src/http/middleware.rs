//! The per-request envelope: a request id on every response (errors included), one log line per
//! request, and metrics labelled by the matched route (never the raw path).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{header, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

/// The id of this request, also sent back as `X-Request-Id`.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Filled by the inner route layer with the matched route template.
#[derive(Clone, Default)]
struct RouteSlot(Arc<Mutex<Option<String>>>);

pub async fn request_envelope(
    State(st): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let rid = pc_domain::ids::random_hex(16);
    let slot = RouteSlot::default();
    req.extensions_mut().insert(RequestId(rid.clone()));
    req.extensions_mut().insert(slot.clone());
    let method = req.method().to_string();
    let start = Instant::now();
    let browser = is_browser_path(req.uri().path());
    let zh = super::error::zh_from_header(
        req.headers()
            .get("x-language")
            .and_then(|v| v.to_str().ok()),
    );
    let mut resp = super::error::in_language(zh, next.run(req)).await;
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    harden(&mut resp, browser, st.settings.secure_cookies);
    let ms = start.elapsed().as_secs_f64() * 1000.0;
    let route = slot
        .0
        .lock()
        .ok()
        .and_then(|r| r.clone())
        .unwrap_or_else(|| "(unmatched)".into());
    let status = resp.status().as_u16();
    st.metrics.observe(&method, &route, status, ms);
    tracing::info!(target: "pc::http", method, route, status, latency_ms = format!("{ms:.3}"), request_id = rid, "request");
    resp
}

/// The pages a browser renders: the console and the public invite pages.
fn is_browser_path(path: &str) -> bool {
    path == "/console" || path.starts_with("/console/") || path.starts_with("/join/")
}

/// The console's Content-Security-Policy. Scripts and styles come from this origin only, nothing
/// may frame a page (clickjacking), no plugins, no `<base>` rewriting. `'unsafe-inline'` stays for
/// scripts and styles because the pages use inline confirm handlers (`onsubmit="return
/// confirm(…)"`), the coupon page's inline `<script>`, the invite pages' inline `<style>` and a
/// `style=` attribute; every value maud writes is escaped, so this admits only markup the server
/// itself wrote. No `form-action`: paying an order redirects the form post to the partner's own
/// return page (another origin), which browsers would block under `form-action 'self'`.
const CONSOLE_CSP: &str = "default-src 'self'; script-src 'self' 'unsafe-inline'; \
style-src 'self' 'unsafe-inline'; img-src 'self'; object-src 'none'; base-uri 'none'; \
frame-ancestors 'none'";

/// One place for the browser-facing protections, so no page or cookie can miss them: `nosniff` on
/// every response; on console and invite pages the CSP, no framing and a same-origin referrer
/// policy (invite tokens sit in `/join/…` URLs and must not leak to other sites); and every cookie
/// set `HttpOnly`, `SameSite` (Lax unless the handler chose) and, behind HTTPS, `Secure`.
fn harden(resp: &mut Response, browser: bool, secure_cookies: bool) {
    let h = resp.headers_mut();
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if browser {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONSOLE_CSP),
        );
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        );
    }
    let cookies: Vec<HeaderValue> = h.get_all(header::SET_COOKIE).iter().cloned().collect();
    if cookies.is_empty() {
        return;
    }
    h.remove(header::SET_COOKIE);
    for c in cookies {
        let hardened = c
            .to_str()
            .ok()
            .map(|v| harden_cookie(v, secure_cookies))
            .and_then(|v| HeaderValue::from_str(&v).ok())
            .unwrap_or(c);
        h.append(header::SET_COOKIE, hardened);
    }
}

fn harden_cookie(cookie: &str, secure: bool) -> String {
    let attrs: Vec<String> = cookie
        .split(';')
        .skip(1)
        .map(|a| a.trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| {
        attrs
            .iter()
            .any(|a| a == name || a.starts_with(&format!("{name}=")))
    };
    let mut out = cookie.trim_end().trim_end_matches(';').to_string();
    if !has("httponly") {
        out.push_str("; HttpOnly");
    }
    if !has("samesite") {
        out.push_str("; SameSite=Lax");
    }
    if secure && !has("secure") {
        out.push_str("; Secure");
    }
    out
}

/// Route layer: records which route template matched.
pub async fn record_route(req: Request, next: Next) -> Response {
    if let (Some(p), Some(slot)) = (
        req.extensions().get::<MatchedPath>(),
        req.extensions().get::<RouteSlot>(),
    ) {
        if let Ok(mut s) = slot.0.lock() {
            *s = Some(p.as_str().to_string());
        }
    }
    next.run(req).await
}
