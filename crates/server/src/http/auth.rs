//! SDK-HMAC-SHA256 authentication for the vendor API and the native API (the vendor's API reference,
//! docs/ARCHITECTURE.md, Security): both surfaces share this verifier, the envelope and the idempotency rules.
//!
//! The middleware buffers the body (size-limited), looks the access key up, rebuilds the
//! canonical request from the request exactly as received, compares signatures in constant time
//! and checks the clock window. On success the handler finds the [`Caller`] and the raw body in
//! the request extensions. Every failure is a 401/413 with the vendor envelope.

use axum::body::{to_bytes, Body, Bytes};
use axum::extract::{FromRequest, FromRequestParts, Request, State};
use axum::http::header;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use pc_app::services::identity::Principal;
use pc_app::{Actor, AppError, Code, Ctx, IdempotencyKey};
use pc_domain::party::Role;
use pc_domain::signing::{self, RequestParts, SignError};
use serde::de::DeserializeOwned;

use super::error::ApiError;
use super::middleware::RequestId;
use crate::state::AppState;

/// The authenticated API caller and what it needs to act.
#[derive(Clone, Debug)]
pub struct Caller {
    pub principal: Principal,
    pub request_id: String,
    pub idempotency_key: Option<String>,
    /// SHA-256 over method, path, query and body: what "the same request" means for idempotency.
    pub request_hash: String,
    pub now_ms: i64,
}

impl Caller {
    pub fn ctx(&self) -> Ctx {
        let actor = match &self.principal {
            Principal::Partner {
                partner_id,
                root_id,
                ..
            } => Actor::Partner {
                partner_id: partner_id.clone(),
                root_id: root_id.clone(),
                user_id: None,
                role: Role::PartnerAdmin,
            },
            Principal::Customer { customer_id } => Actor::Customer {
                customer_id: customer_id.clone(),
                user_id: None,
            },
            Principal::Operator { user_id } => Actor::Operator {
                user_id: user_id.clone(),
            },
        };
        let key = self.idempotency_key.as_ref().map(|k| IdempotencyKey {
            scope: self.scope(),
            key: k.clone(),
            request_hash: self.request_hash.clone(),
        });
        Ctx::new(actor, self.request_id.clone(), self.now_ms).with_idempotency(key)
    }

    /// The partner id, or `CBC.0155` for a customer's or an operator's key on a partner-only
    /// operation.
    pub fn partner_id(&self) -> Result<&str, ApiError> {
        match &self.principal {
            Principal::Partner { partner_id, .. } => Ok(partner_id),
            Principal::Customer { .. } | Principal::Operator { .. } => Err(not_allowed(
                "This operation is for partners.",
                "该接口仅供合作伙伴调用。",
            )),
        }
    }

    /// The customer id, or `CBC.0155` for a partner's (or an operator's) key on a customer-only
    /// operation (the vendor: "partner operators cannot call" pay / cancel / order discounts).
    pub fn customer_id(&self) -> Result<&str, ApiError> {
        match &self.principal {
            Principal::Customer { customer_id } => Ok(customer_id),
            Principal::Partner { .. } | Principal::Operator { .. } => Err(not_allowed(
                "This operation is for customers.",
                "该接口仅供客户调用。",
            )),
        }
    }

    /// The operator's user id, or `CBC.0155` for a partner's or a customer's key on an
    /// operator-only (native) operation.
    pub fn operator_id(&self) -> Result<&str, ApiError> {
        match &self.principal {
            Principal::Operator { user_id } => Ok(user_id),
            Principal::Partner { .. } | Principal::Customer { .. } => Err(not_allowed(
                "This operation is for operators.",
                "该接口仅供运营方调用。",
            )),
        }
    }

    /// The idempotency scope: one key space per caller identity.
    pub fn scope(&self) -> String {
        match &self.principal {
            Principal::Partner { partner_id, .. } => format!("partner:{partner_id}"),
            Principal::Customer { customer_id } => format!("customer:{customer_id}"),
            Principal::Operator { user_id } => format!("operator:{user_id}"),
        }
    }
}

fn not_allowed(en: &str, zh: &str) -> ApiError {
    ApiError(AppError::with_tr(Code::NotAllowed, en, zh))
}

/// Runs after [`sdk_auth`] on the vendor API: an operator's key reaches native operator
/// operations only, so every vendor operation refuses it with the `CBC.0155` a key of the wrong
/// kind gets, before any handler runs.
pub async fn vendor_principals(req: Request, next: Next) -> Result<Response, ApiError> {
    match req.extensions().get::<Caller>().map(|c| &c.principal) {
        Some(Principal::Operator { .. }) => Err(not_allowed(
            "Operator access keys call the native API (/native/v1) only.",
            "运营方访问密钥只能调用原生接口（/native/v1）。",
        )),
        _ => Ok(next.run(req).await),
    }
}

#[derive(Clone)]
struct RawBody(Bytes);

fn sign_error(e: SignError) -> ApiError {
    let code = if e == SignError::Expired {
        Code::SignatureExpired
    } else {
        Code::AuthFailed
    };
    ApiError(AppError::with_tr(code, e.to_string(), sign_error_zh(&e)))
}

/// [`SignError`]'s text in Chinese.
fn sign_error_zh(e: &SignError) -> String {
    match e {
        SignError::Missing => "缺少 Authorization 请求头。".into(),
        SignError::Malformed => "Authorization 请求头格式错误。".into(),
        SignError::Algorithm(a) => format!("不支持的签名算法 {a:?}。"),
        SignError::HeaderNotSigned(h) => format!("签名头须包含 {h}。"),
        SignError::HeaderAbsent(h) => format!("请求中缺少已签名的请求头 {h}。"),
        SignError::BadDate => "X-Sdk-Date 缺失或格式不是 YYYYMMDDTHHMMSSZ。".into(),
        SignError::Expired => "请求时间与服务器时间相差超过允许的范围。".into(),
        SignError::Mismatch => "签名不匹配。".into(),
        SignError::UnsignedPayload => "不接受未签名的请求体：请求体须参与签名。".into(),
    }
}

/// Reads, which strict replay mode leaves alone: GET, and the vendor's POST queries (paths ending
/// in `query`, identity checks and price ratings), which change nothing however often repeated.
fn is_read(method: &str, path: &str) -> bool {
    matches!(method, "GET" | "HEAD")
        || path.ends_with("query")
        || path.ends_with("/check-identity")
        || path.ends_with("/subscribe-rate")
        || path.ends_with("/renew-rate")
}

pub async fn sdk_auth(
    State(st): State<AppState>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    let (mut parts, body) = req.into_parts();
    let bytes = to_bytes(body, st.settings.body_limit)
        .await
        .map_err(|_| ApiError::from(Code::PayloadTooLarge))?;
    let authz = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| sign_error(SignError::Missing))?
        .to_str()
        .map_err(|_| sign_error(SignError::Malformed))?;
    let auth = signing::parse_authorization(authz).map_err(sign_error)?;
    let info = st
        .keys
        .get(&st.db, &st.master_key, &auth.access)
        .await?
        .ok_or_else(|| {
            ApiError(AppError::with_tr(
                Code::AuthFailed,
                "The access key does not exist or was revoked.",
                "访问密钥不存在或已被撤销。",
            ))
        })?;
    let now_ms = st.now_ms();
    {
        let headers = &parts.headers;
        let lookup = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let rp = RequestParts {
            method: parts.method.as_str(),
            raw_path: parts.uri.path(),
            raw_query: parts.uri.query().unwrap_or(""),
            header: &lookup,
            body: &bytes,
        };
        signing::verify(
            &rp,
            &auth,
            &info.secret,
            now_ms.div_euclid(1000),
            st.settings.signature_window_secs,
        )
        .map_err(sign_error)?;
        if let Some(d) = lookup("x-domain-id") {
            if d.trim() != info.principal.domain_id() {
                return Err(ApiError(AppError::with_tr(
                    Code::AuthFailed,
                    "X-Domain-Id does not match the access key's account.",
                    "X-Domain-Id 与访问密钥所属账号不一致。",
                )));
            }
        }
    }
    // Strict replay mode: a signed write is accepted once (after the checks above, so a bad
    // request never fills the cache). Kept for twice the window: a signature is valid from
    // `window` before its date to `window` after it.
    if st.settings.strict_replay && !is_read(parts.method.as_str(), parts.uri.path()) {
        let fresh = pc_app::store::replay::first_sight(
            &st.db,
            auth.signature.clone(),
            now_ms,
            now_ms + 2 * st.settings.signature_window_secs * 1000,
        )
        .await?;
        if !fresh {
            return Err(ApiError(AppError::with_tr(
                Code::AuthFailed,
                "This signature was already used (strict replay mode): sign each request anew.",
                "该签名已使用过（严格防重放模式）：请为每个请求重新签名。",
            )));
        }
    }
    let idempotency_key = match parts.headers.get("x-idempotency-key") {
        None => None,
        Some(v) => {
            let k = v
                .to_str()
                .map_err(|_| {
                    AppError::invalid_tr(
                        "X-Idempotency-Key must be printable ASCII",
                        "X-Idempotency-Key 须为可打印的 ASCII 字符。",
                    )
                })?
                .trim()
                .to_string();
            if k.is_empty() || k.len() > 128 {
                return Err(AppError::invalid_tr(
                    "X-Idempotency-Key must have 1 to 128 characters",
                    "X-Idempotency-Key 须为 1 到 128 个字符。",
                )
                .into());
            }
            Some(k)
        }
    };
    // What a retry must repeat to get the first answer: only a request with a key has one.
    let request_hash = match idempotency_key {
        None => String::new(),
        Some(_) => {
            use sha2::{Digest, Sha256};
            let mut h = Sha256::new();
            h.update(parts.method.as_str());
            h.update(b"\n");
            h.update(parts.uri.path());
            h.update(b"\n");
            h.update(parts.uri.query().unwrap_or(""));
            h.update(b"\n");
            h.update(&bytes);
            hex::encode(h.finalize())
        }
    };
    let request_id = parts
        .extensions
        .get::<RequestId>()
        .map(|r| r.0.clone())
        .unwrap_or_default();
    parts.extensions.insert(Caller {
        principal: info.principal,
        request_id,
        idempotency_key,
        request_hash,
        now_ms,
    });
    parts.extensions.insert(RawBody(bytes.clone()));
    Ok(next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await)
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| ApiError(AppError::internal("route without sdk_auth")))
    }
}

/// A JSON body parsed the vendor's way: an empty body is `{}`; anything unparsable is `CBC.0100`
/// naming the problem.
pub struct VendorJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for VendorJson<T> {
    type Rejection = ApiError;
    async fn from_request(req: Request, _: &S) -> Result<Self, Self::Rejection> {
        let bytes = match req.extensions().get::<RawBody>() {
            Some(b) => b.0.clone(),
            None => to_bytes(req.into_body(), 1 << 20)
                .await
                .map_err(|_| ApiError::from(Code::PayloadTooLarge))?,
        };
        let slice: &[u8] = if bytes.iter().all(|b| b.is_ascii_whitespace()) {
            b"{}"
        } else {
            &bytes
        };
        serde_json::from_slice(slice).map(VendorJson).map_err(|e| {
            ApiError(AppError::with_tr(
                Code::MalformedBody,
                e.to_string(),
                format!("解析失败：{e}"),
            ))
        })
    }
}

/// Query parameters parsed the vendor's way (`CBC.0100` naming the problem).
pub struct VendorQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for VendorQuery<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        serde_urlencoded_compat(q).map(VendorQuery)
    }
}

fn serde_urlencoded_compat<T: DeserializeOwned>(q: &str) -> Result<T, ApiError> {
    axum::extract::Query::<T>::try_from_uri(
        &format!("/?{q}")
            .parse()
            .map_err(|_| AppError::invalid_tr("bad query string", "查询字符串格式错误。"))?,
    )
    .map(|axum::extract::Query(v)| v)
    .map_err(|e| {
        let why = e.body_text();
        ApiError(AppError::invalid_tr(
            why.clone(),
            format!("查询参数无效：{why}"),
        ))
    })
}
