//! The BSS-compatible partner API (`/v2/…`, `/v3/…`), wire-compatible with the official BSS
//! SDKs. The [`OPERATIONS`] table is the single source of both the router and `/openapi.json`.

pub mod bills;
pub mod catalog;
pub mod coupons;
pub mod customer_bills;
pub mod customers;
pub mod funds;
pub mod orders;
pub mod partners;
pub mod refunds;
pub mod resources;
pub mod usage;

use std::collections::BTreeMap;

use axum::http::{header, HeaderValue, Method};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use pc_app::store::idempotency::{self, Form};
use pc_app::store::{BoxFut, Conn};
use pc_app::{AppError, AppResult, Ctx};
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::Serialize;

use super::auth::Caller;
use super::error::ApiError;
use crate::state::AppState;

/// One operation of the vendor or the native API: how it is routed and how it is documented.
pub struct Operation {
    pub name: &'static str,
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it.
    pub callers: &'static str,
    /// The JSON body; for GET and DELETE, the query string (one parameter per field).
    pub request: Option<fn(&mut SchemaGenerator) -> Schema>,
    pub response: fn(&mut SchemaGenerator) -> Schema,
    pub route: fn() -> MethodRouter<AppState>,
}

pub fn schema<T: JsonSchema>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// Every vendor operation, one slice per capability module.
pub const OPERATIONS: &[&[Operation]] = &[
    customers::OPERATIONS,
    funds::OPERATIONS,
    partners::OPERATIONS,
    coupons::OPERATIONS,
    catalog::OPERATIONS,
    orders::OPERATIONS,
    resources::OPERATIONS,
    refunds::OPERATIONS,
    bills::OPERATIONS,
    usage::OPERATIONS,
    customer_bills::OPERATIONS,
];

/// All operations, flattened.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS.iter().flat_map(|m| m.iter())
}

/// The vendor router: operations sharing a path are merged into one method router.
pub fn router() -> axum::Router<AppState> {
    router_of(operations(), |_, r| r)
}

/// A router serving `ops` (the vendor's or the native API's table), each operation's method
/// router passed through `wrap` (to add a layer of its own) before those sharing a path merge.
pub fn router_of(
    ops: impl Iterator<Item = &'static Operation>,
    wrap: impl Fn(&'static Operation, MethodRouter<AppState>) -> MethodRouter<AppState>,
) -> axum::Router<AppState> {
    let mut by_path: BTreeMap<&str, MethodRouter<AppState>> = BTreeMap::new();
    for op in ops {
        let r = wrap(op, (op.route)());
        let merged = match by_path.remove(op.path) {
            Some(existing) => existing.merge(r),
            None => r,
        };
        by_path.insert(op.path, merged);
    }
    by_path
        .into_iter()
        .fold(axum::Router::new(), |router, (path, mr)| {
            router.route(path, mr)
        })
}

/// A JSON success response with the vendor's content type.
pub fn json_response(status: u16, body: String) -> Response {
    let status = axum::http::StatusCode::from_u16(status).unwrap_or(axum::http::StatusCode::OK);
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Runs a vendor or native write with the idempotency of invariant 3 (docs/ARCHITECTURE.md): when the caller sends `X-Idempotency-Key`,
/// the key, the business writes and the response commit together; a retry gets the saved
/// response, a different request under the same key gets `PC.0409`.
pub async fn idempotent_write<T, F>(
    st: &AppState,
    caller: &Caller,
    f: F,
) -> Result<Response, ApiError>
where
    T: Serialize + Send + 'static,
    F: for<'c> FnOnce(&'c mut Conn, Ctx) -> BoxFut<'c, AppResult<T>> + Send + 'static,
{
    let ctx = caller.ctx();
    let scope = caller.scope();
    let key = caller.idempotency_key.clone();
    let hash = caller.request_hash.clone();
    let (scope2, key2, hash2) = (scope.clone(), key.clone(), hash.clone());
    let result = st
        .db
        .write(move |c| {
            Box::pin(async move {
                if let Some(k) = &key2 {
                    if let Some(saved) =
                        idempotency::find(c, Form::Http, &scope2, k, &hash2).await?
                    {
                        return Ok(saved);
                    }
                }
                let now = ctx.now_ms;
                let out = f(c, ctx).await?;
                let saved = idempotency::Saved {
                    status: 200,
                    body: serde_json::to_string(&out).map_err(AppError::internal)?,
                };
                if let Some(k) = &key2 {
                    idempotency::save(c, Form::Http, &scope2, k, &hash2, &saved, now).await?;
                }
                Ok(saved)
            })
        })
        .await;
    let saved = match (result, key) {
        (Ok(s), _) => s,
        // PostgreSQL: a concurrent request with the same key (on this or another instance)
        // committed first. This one then failed on the key's unique index (`IdempotencyInFlight`),
        // or earlier, refused because the first one's effect was already there (the balance it
        // took: `CBC.99005003`). Either way the first response is the answer; only when no
        // response is saved under the key does this request's own error stand.
        (Err(e), Some(k)) => {
            match idempotency::find_committed(st.db.read(), Form::Http, &scope, &k, &hash).await? {
                Some(saved) => saved,
                None => return Err(e.into()),
            }
        }
        (Err(e), None) => return Err(e.into()),
    };
    Ok(json_response(saved.status, saved.body))
}

/// Reads: serialise a value as the response body.
pub fn ok_json<T: Serialize>(v: &T) -> Result<Response, ApiError> {
    let body = serde_json::to_string(v).map_err(AppError::internal)?;
    Ok(json_response(200, body))
}
