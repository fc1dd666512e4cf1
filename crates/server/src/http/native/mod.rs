//! The native API (`/native/v1/…`): what the vendor API lacks, for automation by operators and by
//! partners' platforms (docs/ARCHITECTURE.md, Surfaces and layers). It follows the vendor API's conventions so one client style
//! serves both: the same SDK-HMAC-SHA256 access-key signatures (`http/auth.rs`), snake_case JSON,
//! `offset` / `limit` paging with `total_count`, amounts as decimal numbers in yuan, times as UTC
//! `2026-01-01T00:00:00Z`, the `{"error_code","error_msg"}` envelope with the same code table,
//! and `X-Idempotency-Key` on every write ([`super::bss::idempotent_write`]). Its
//! [`OPERATIONS`] table (the vendor's [`Operation`] type) is the single source of its router and
//! of its part of `/openapi.json`. The `/native/` prefix never collides with the vendor's
//! `/v2/…`, `/v3/…` paths.
//!
//! **Who calls what (decision).** Each operation's table entry names the caller kinds it admits
//! (`callers`); the router refuses every other key with `CBC.0155` before the query or body is
//! read, as the vendor API refuses a key of the wrong kind: operator keys (`Principal::Operator`)
//! reach the operator operations only, partner keys the partner operations only, customer keys
//! none yet. Identity and tenant come from the key, never from the request body.
//!
//! **Request bodies (decision).** Bodies are strict: an unknown field is `CBC.0100` naming it, so
//! a misspelt field (`month_prise`) is an error rather than silently ignored; an empty body is
//! `{}`. Amounts and ratios are accepted as JSON numbers or strings and never pass through
//! floating point.

pub mod catalog;
pub mod discounts;
pub mod orders;
pub mod usage;

use pc_domain::orders::Ratio;
use serde::{Deserialize, Deserializer};

use super::auth::Caller;
use super::bss::Operation;
use crate::http::error::ApiError;
use crate::state::AppState;
use pc_app::{AppError, Code};

/// Every native operation, one slice per capability module.
pub const OPERATIONS: &[&[Operation]] = &[
    catalog::OPERATIONS,
    orders::OPERATIONS,
    discounts::OPERATIONS,
    usage::OPERATIONS,
];

/// The path prefix of every native operation.
pub const PREFIX: &str = "/native/v1/";

/// All native operations, flattened.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS.iter().flat_map(|m| m.iter())
}

/// The native router. Each operation admits only the principal kinds its table entry names in
/// `callers`, checked before its query or body is read, so a wrong key always hears `CBC.0155`.
pub fn router() -> axum::Router<AppState> {
    super::bss::router_of(operations(), |op, r| {
        r.route_layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                only(op.callers, req, next)
            },
        ))
    })
}

async fn only(
    callers: &'static str,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Result<axum::response::Response, ApiError> {
    let kind = req.extensions().get::<Caller>().map(|c| c.principal.kind());
    if kind.is_some_and(|k| callers.split(", ").any(|c| c == k)) {
        Ok(next.run(req).await)
    } else {
        Err(AppError::with_tr(
            Code::NotAllowed,
            format!("Only {callers} access keys may call this operation."),
            format!("只有{callers}的访问密钥可以调用此接口。"),
        )
        .into())
    }
}

/// A decimal as sent: a JSON number (its literal digits) or a string.
#[derive(Debug, Clone)]
pub struct Decimal(pub String);

impl<'de> Deserialize<'de> for Decimal {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(serde_json::Number),
            Str(String),
        }
        Ok(Decimal(match Raw::deserialize(d)? {
            Raw::Num(n) => n.to_string(),
            Raw::Str(s) => s,
        }))
    }
}

impl schemars::JsonSchema for Decimal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Decimal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": ["number", "string"],
            "description": "A decimal, as a JSON number or a string (never rounded through floating point)."
        })
    }
}

/// A discount ratio of the price that is paid, strictly between 0 and 1 with at most 4 decimals
/// (`0.85` = 15% off, "8.5折"); `CBC.0100` naming `field` otherwise.
pub fn ratio(field: &str, d: &Decimal) -> Result<Ratio, ApiError> {
    Ratio::parse(&d.0).ok_or_else(|| {
        AppError::invalid_tr(
            format!("{field} must be a ratio between 0 and 1 with at most 4 decimals, like 0.85"),
            format!("{field} 必须是 0 到 1 之间的比例，最多 4 位小数，如 0.85。"),
        )
        .into()
    })
}

/// A ratio on the wire: a JSON number such as `0.85`.
pub fn ratio_number(r: Ratio) -> serde_json::Number {
    r.to_string()
        .parse()
        .unwrap_or_else(|_| serde_json::Number::from(0))
}

/// For optional fields of a partial update: absent → `None` (keep), `null` → `Some(None)`
/// (clear), a value → `Some(Some(v))`.
pub fn double_option<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Checks `offset` / `limit` of a native listing (defaults 0 / 10, at most 100 a page).
pub fn page(offset: Option<i64>, limit: Option<i64>) -> Result<(i64, i64), ApiError> {
    Ok(pc_app::store::filters::page(offset, limit, MAX_PAGE)?)
}

/// Largest page of a native listing.
pub const MAX_PAGE: i64 = 100;

/// A `true` / `false` query flag (absent or empty = false).
pub fn flag(field: &str, v: Option<&str>) -> Result<bool, ApiError> {
    match v.map(str::trim).unwrap_or("") {
        "" | "false" => Ok(false),
        "true" => Ok(true),
        _ => Err(AppError::invalid_tr(
            format!("{field} must be true or false"),
            format!("{field} 必须是 true 或 false。"),
        )
        .into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn native_paths_never_collide_with_vendor_paths() {
        for op in super::operations() {
            assert!(op.path.starts_with(super::PREFIX), "{}", op.path);
            assert!(op.name.starts_with("native_"), "{}", op.name);
            // The router's guard reads `callers` as a list of principal kinds.
            assert!(
                op.callers
                    .split(", ")
                    .all(|k| ["operator", "partner", "customer"].contains(&k)),
                "{}",
                op.name
            );
        }
        for op in super::super::bss::operations() {
            assert!(!op.path.starts_with("/native/"), "{}", op.path);
        }
    }
}
