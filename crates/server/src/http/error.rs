//! Rendering an [`AppError`] as the vendor's error envelope, once, for every JSON surface.
//! The request id header is added by the request middleware to every response.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use pc_app::{AppError, Code};

/// An error on a JSON surface (vendor API, native API, health, fallbacks).
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        ApiError(e)
    }
}

impl From<Code> for ApiError {
    fn from(c: Code) -> Self {
        ApiError(AppError::new(c))
    }
}

tokio::task_local! {
    /// Whether the caller reads Chinese (`X-Language`), for the request being served.
    static CALLER_ZH: bool;
}

/// Whether an `X-Language` header asks for Chinese: anything but an English tag (`en_US`,
/// `en-us`, …) does, its absence too (the vendor's default is zh_CN).
pub fn zh_from_header(x_language: Option<&str>) -> bool {
    !x_language.is_some_and(|l| l.trim().to_ascii_lowercase().starts_with("en"))
}

/// Runs `f` (a request's handling) with the caller's language set for [`caller_zh`].
pub async fn in_language<F: std::future::Future>(zh: bool, f: F) -> F::Output {
    CALLER_ZH.scope(zh, f).await
}

/// The caller's language for error messages: Chinese unless `X-Language` said English (outside a
/// request, Chinese).
pub fn caller_zh() -> bool {
    CALLER_ZH.try_with(|z| *z).unwrap_or(true)
}

/// An error body of the vendor's envelope, in the caller's language, with `extra` fields.
pub fn envelope_with(e: &AppError, extra: serde_json::Value) -> Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut body = serde_json::json!({ "error_code": e.code.vendor_code(), "error_msg": e.message(caller_zh()) });
    if let (Some(b), serde_json::Value::Object(x)) = (body.as_object_mut(), extra) {
        b.extend(x);
    }
    let mut resp = (status, body.to_string()).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

pub fn envelope(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error_code": e.code.vendor_code(), "error_msg": e.message(caller_zh()) })
        .to_string();
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        envelope(&self.0)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

/// The fallback for paths nothing serves.
pub async fn no_such_api() -> ApiError {
    ApiError::from(Code::NoSuchApi)
}

pub async fn method_not_allowed() -> ApiError {
    ApiError::from(Code::MethodNotAllowed)
}
