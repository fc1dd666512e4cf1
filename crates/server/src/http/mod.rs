//! HTTP adapters: the BSS-compatible partner API (`bss`, the vendor's `/v2`, `/v3` paths), the
//! native API, the console, health, metrics and the OpenAPI document.

pub mod auth;
pub mod bss;
pub mod console;
pub mod error;
pub mod form;
pub mod metrics;
pub mod middleware;
pub mod native;
pub mod openapi;
pub mod qr;
pub mod ratelimit;

use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::state::AppState;

/// The whole application.
pub fn app(state: AppState) -> Router {
    // Layers run outside in: the signature first, then (vendor only) the refusal of operator keys.
    let bss = bss::router()
        .route_layer(axum::middleware::from_fn(auth::vendor_principals))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::sdk_auth,
        ));
    let native = native::router().route_layer(axum::middleware::from_fn_with_state(
        state.clone(),
        auth::sdk_auth,
    ));
    Router::new()
        .merge(bss)
        .merge(native)
        .merge(console::router())
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.json", get(openapi_json))
        .route(
            "/",
            get(|| async { axum::response::Redirect::to("/console") }),
        )
        .route_layer(axum::middleware::from_fn(middleware::record_route))
        .fallback(error::no_such_api)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::request_envelope,
        ))
        .with_state(state)
}

async fn healthz() -> Response {
    bss::json_response(200, r#"{"status":"ok"}"#.into())
}

async fn readyz(State(st): State<AppState>) -> Response {
    match st.db.ping().await {
        Ok(()) => bss::json_response(200, r#"{"status":"ready"}"#.into()),
        Err(e) => error::envelope(&e),
    }
}

async fn metrics(State(st): State<AppState>) -> Response {
    let mut r = (StatusCode::OK, st.metrics.render()).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4"),
    );
    r
}

async fn openapi_json() -> Response {
    bss::json_response(200, openapi::document().to_string())
}
