//! The per-request envelope: a request id on every response (errors included), one log line per
//! request, and metrics labelled by the matched route (never the raw path).

use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::HeaderValue;
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
    let mut resp = next.run(req).await;
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
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
