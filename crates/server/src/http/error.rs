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

pub fn envelope(e: &AppError) -> Response {
    let status = StatusCode::from_u16(e.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body =
        serde_json::json!({ "error_code": e.code.vendor_code(), "error_msg": e.message(false) })
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
