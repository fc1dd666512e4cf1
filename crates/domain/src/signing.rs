//! SDK-HMAC-SHA256, the access-key signature the vendor's official SDKs send
//! (the vendor's API reference). Pure functions: the HTTP adapter hands us the request as
//! received and the secret it looked up; we rebuild the canonical request and compare.

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

pub const ALGORITHM: &str = "SDK-HMAC-SHA256";
pub const EMPTY_PAYLOAD_HASH: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignError {
    #[error("the Authorization header is missing")]
    Missing,
    #[error("the Authorization header is malformed")]
    Malformed,
    #[error("unsupported signing algorithm {0:?}")]
    Algorithm(String),
    #[error("signed headers must include {0}")]
    HeaderNotSigned(&'static str),
    #[error("signed header {0} is absent from the request")]
    HeaderAbsent(String),
    #[error("X-Sdk-Date is missing or not in the form YYYYMMDDTHHMMSSZ")]
    BadDate,
    #[error("the request time differs from the server time by more than the allowed window")]
    Expired,
    #[error("the signature does not match")]
    Mismatch,
    #[error("unsigned payloads are not accepted: the body must be signed")]
    UnsignedPayload,
}

/// The parts of `Authorization: SDK-HMAC-SHA256 Access=…, SignedHeaders=…, Signature=…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access: String,
    pub signed_headers: Vec<String>,
    pub signature: String,
}

pub fn parse_authorization(value: &str) -> Result<Authorization, SignError> {
    let value = value.trim();
    let (alg, rest) = value.split_once(' ').ok_or(SignError::Malformed)?;
    if alg != ALGORITHM {
        return Err(SignError::Algorithm(alg.chars().take(40).collect()));
    }
    let (mut access, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let (k, v) = part.trim().split_once('=').ok_or(SignError::Malformed)?;
        match k.trim() {
            "Access" => access = Some(v.trim().to_string()),
            "SignedHeaders" => signed = Some(v.trim().to_string()),
            "Signature" => signature = Some(v.trim().to_string()),
            _ => {}
        }
    }
    let (access, signed, signature) = match (access, signed, signature) {
        (Some(a), Some(s), Some(g)) if !a.is_empty() && !s.is_empty() && !g.is_empty() => (a, s, g),
        _ => return Err(SignError::Malformed),
    };
    let signed_headers: Vec<String> = signed
        .split(';')
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if signed_headers.iter().any(|h| h.is_empty()) {
        return Err(SignError::Malformed);
    }
    Ok(Authorization {
        access,
        signed_headers,
        signature,
    })
}

fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hi = (b[i + 1] as char).to_digit(16);
            let lo = (b[i + 2] as char).to_digit(16);
            if let (Some(h), Some(l)) = (hi, lo) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// RFC 3986 encoding as the SDK does it: keep `A-Z a-z 0-9 - _ . ~`, `%XX` (upper hex) the rest.
pub fn pct_encode(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &c in bytes {
        if c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b'~') {
            out.push(c as char);
        } else {
            out.push('%');
            out.push(HEX[(c >> 4) as usize] as char);
            out.push(HEX[(c & 15) as usize] as char);
        }
    }
}

/// The canonical URI: the whole raw path percent-decoded, split on `/`, each segment re-encoded,
/// and a `/` appended unless present (an encoded `%2F` therefore becomes a separator, as in the SDK).
pub fn canonical_uri(raw_path: &str) -> String {
    let decoded = percent_decode(raw_path);
    let mut out = String::with_capacity(raw_path.len() + 8);
    for (i, seg) in decoded.split(|&c| c == b'/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        pct_encode(seg, &mut out);
    }
    if !out.ends_with('/') {
        out.push('/');
    }
    out
}

/// The canonical query: pairs decoded, sorted by (key, value) bytes, re-encoded, joined with `&`.
pub fn canonical_query(raw_query: &str) -> String {
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(p), Vec::new()),
        })
        .collect();
    pairs.sort();
    let mut out = String::with_capacity(raw_query.len() + 8);
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        pct_encode(k, &mut out);
        out.push('=');
        pct_encode(v, &mut out);
    }
    out
}

/// A request as received, enough to rebuild the canonical form.
pub struct RequestParts<'a, 'h> {
    pub method: &'a str,
    pub raw_path: &'a str,
    pub raw_query: &'a str,
    /// Looks a header value up by its lower-case name (first value if repeated).
    pub header: &'h dyn Fn(&str) -> Option<&'h str>,
    pub body: &'a [u8],
}

pub fn canonical_request(
    req: &RequestParts<'_, '_>,
    signed_headers: &[String],
) -> Result<String, SignError> {
    let mut s = String::with_capacity(512);
    s.push_str(&req.method.to_ascii_uppercase());
    s.push('\n');
    s.push_str(&canonical_uri(req.raw_path));
    s.push('\n');
    s.push_str(&canonical_query(req.raw_query));
    s.push('\n');
    for h in signed_headers {
        let v = (req.header)(h).ok_or_else(|| SignError::HeaderAbsent(h.clone()))?;
        s.push_str(h);
        s.push(':');
        s.push_str(v.trim());
        s.push('\n');
    }
    s.push('\n');
    s.push_str(&signed_headers.join(";"));
    s.push('\n');
    match (req.header)("x-sdk-content-sha256") {
        Some(v) => s.push_str(v.trim()),
        None if req.body.is_empty() => s.push_str(EMPTY_PAYLOAD_HASH),
        None => s.push_str(&hex::encode(Sha256::digest(req.body))),
    }
    Ok(s)
}

pub fn string_to_sign(sdk_date: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{sdk_date}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    )
}

pub fn sign(secret: &str, string_to_sign: &str) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(string_to_sign.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// Parses `X-Sdk-Date` (`20240101T000000Z`) to Unix seconds.
pub fn parse_sdk_date(v: &str) -> Result<i64, SignError> {
    let fmt = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(v.trim(), &fmt)
        .map(|t| t.assume_utc().unix_timestamp())
        .map_err(|_| SignError::BadDate)
}

/// Verifies a request against the secret key. `now` and `window_secs` bound the clock skew.
/// The comparison is constant-time (HMAC `verify_slice`).
pub fn verify(
    req: &RequestParts<'_, '_>,
    auth: &Authorization,
    secret: &str,
    now_unix: i64,
    window_secs: i64,
) -> Result<(), SignError> {
    for required in ["host", "x-sdk-date"] {
        if !auth.signed_headers.iter().any(|h| h == required) {
            return Err(SignError::HeaderNotSigned(required));
        }
    }
    let date = (req.header)("x-sdk-date").ok_or(SignError::BadDate)?;
    let t = parse_sdk_date(date)?;
    if (t - now_unix).abs() > window_secs {
        return Err(SignError::Expired);
    }
    // The SDK only sends `X-Sdk-Content-Sha256: UNSIGNED-PAYLOAD` for non-JSON content, which BSS never
    // uses. Accepting it would let anyone on the path swap the body of a money write, so the header, when
    // present, must be the body's real hash.
    if let Some(declared) = (req.header)("x-sdk-content-sha256") {
        if !declared
            .trim()
            .eq_ignore_ascii_case(&hex::encode(Sha256::digest(req.body)))
        {
            return Err(SignError::UnsignedPayload);
        }
    }
    let canonical = canonical_request(req, &auth.signed_headers)?;
    let sts = string_to_sign(date.trim(), &canonical);
    let given = hex::decode(&auth.signature).map_err(|_| SignError::Mismatch)?;
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key length");
    mac.update(sts.as_bytes());
    mac.verify_slice(&given).map_err(|_| SignError::Mismatch)
}

#[cfg(test)]
mod tests {
    use super::*;

    const UA: &str = "huaweicloud-usdk-python/3.0; test";
    const SIGNED: &str = "content-type;host;user-agent;x-domain-id;x-sdk-date";

    fn headers(name: &str) -> Option<&'static str> {
        match name {
            "content-type" => Some("application/json"),
            "host" => Some("127.0.0.1:8080"),
            "user-agent" => Some(UA),
            "x-domain-id" => Some("domain-0001"),
            "x-sdk-date" => Some("20240101T000000Z"),
            _ => None,
        }
    }

    fn check(method: &str, path: &str, query: &str, body: &[u8], want: &str) {
        let auth = parse_authorization(&format!(
            "SDK-HMAC-SHA256 Access=TESTAK, SignedHeaders={SIGNED}, Signature={want}"
        ))
        .unwrap();
        let req = RequestParts {
            method,
            raw_path: path,
            raw_query: query,
            header: &headers,
            body,
        };
        let now = parse_sdk_date("20240101T000000Z").unwrap();
        verify(&req, &auth, "TESTSK", now, 900).unwrap();
        // A wrong secret, a tampered body, a stale clock: each refused.
        assert_eq!(
            verify(&req, &auth, "WRONG", now, 900),
            Err(SignError::Mismatch)
        );
        assert_eq!(
            verify(&req, &auth, "TESTSK", now + 901, 900),
            Err(SignError::Expired)
        );
        let tampered = [body, b" "].concat();
        let req2 = RequestParts {
            body: &tampered,
            ..req
        };
        assert_eq!(
            verify(&req2, &auth, "TESTSK", now, 900),
            Err(SignError::Mismatch)
        );
    }

    #[test]
    fn spec_vector_get_with_encoded_query() {
        assert_eq!(
            canonical_query("customer_id=c%201%2F%C3%A9&limit=10&offset=0&order_by=-createTime"),
            "customer_id=c%201%2F%C3%A9&limit=10&offset=0&order_by=-createTime"
        );
        check(
            "GET",
            "/v2/orders/customer-orders",
            "customer_id=c%201%2F%C3%A9&limit=10&offset=0&order_by=-createTime",
            b"",
            "6229fec3864e27b3b5289b63aa8ee0d1a61abe07066a0829b5531f6fc0010a61",
        );
    }

    #[test]
    fn spec_vector_post_with_body() {
        let body = br#"{"customer_id": "cust1", "amount": 10.50}"#;
        assert_eq!(
            hex::encode(Sha256::digest(body)),
            "ae3902e3c31f166bf0923449ff6fb98d59142b273b86823330d6b2e6c9cdbcfb"
        );
        check(
            "POST",
            "/v2/accounts/partner-accounts/adjust-amount",
            "",
            body,
            "d2bbd3063eccfbdcc0900a67793e6331d27b88adce1de406844d1a4c7a8dc5f6",
        );
    }

    #[test]
    fn spec_vector_delete_with_encoded_path() {
        assert_eq!(
            canonical_uri("/v2/orders/subscriptions/resources/autorenew/res%20a%2Fb%2Bc~"),
            "/v2/orders/subscriptions/resources/autorenew/res%20a/b%2Bc~/"
        );
        check(
            "DELETE",
            "/v2/orders/subscriptions/resources/autorenew/res%20a%2Fb%2Bc~",
            "",
            b"",
            "7390902238a418551d96ecf787cd45fb38209fe4bb276859d5360d75e418064b",
        );
    }

    #[test]
    fn captured_request_canonical_form() {
        assert_eq!(
            canonical_uri("/v2/orders/customer-orders"),
            "/v2/orders/customer-orders/"
        );
        assert_eq!(
            canonical_query("status=5&offset=0&limit=10"),
            "limit=10&offset=0&status=5"
        );
        assert_eq!(canonical_query("b=2&a=&a=1"), "a=&a=1&b=2");
    }

    #[test]
    fn authorization_header_parsing() {
        assert_eq!(
            parse_authorization("Bearer x"),
            Err(SignError::Algorithm("Bearer".into()))
        );
        assert_eq!(
            parse_authorization("SDK-HMAC-SHA256"),
            Err(SignError::Malformed)
        );
        assert_eq!(
            parse_authorization("SDK-HMAC-SHA256 Access=A, Signature=b"),
            Err(SignError::Malformed)
        );
        let a = parse_authorization(
            "SDK-HMAC-SHA256 Access=A,SignedHeaders=Host;X-Sdk-Date,Signature=ab",
        )
        .unwrap();
        assert_eq!(a.signed_headers, vec!["host", "x-sdk-date"]);
    }

    #[test]
    fn unsigned_date_is_refused() {
        let auth =
            parse_authorization("SDK-HMAC-SHA256 Access=A, SignedHeaders=host, Signature=00")
                .unwrap();
        let req = RequestParts {
            method: "GET",
            raw_path: "/",
            raw_query: "",
            header: &headers,
            body: b"",
        };
        assert_eq!(
            verify(&req, &auth, "k", 0, 900),
            Err(SignError::HeaderNotSigned("x-sdk-date"))
        );
    }

    #[test]
    fn unsigned_payload_is_refused_even_with_a_valid_signature() {
        fn h(name: &str) -> Option<&'static str> {
            match name {
                "x-sdk-content-sha256" => Some("UNSIGNED-PAYLOAD"),
                other => headers(other),
            }
        }
        let signed: Vec<String> = ["host", "x-sdk-content-sha256", "x-sdk-date"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let req = RequestParts {
            method: "POST",
            raw_path: "/x",
            raw_query: "",
            header: &h,
            body: b"{}",
        };
        let sig = sign(
            "k",
            &string_to_sign(
                "20240101T000000Z",
                &canonical_request(&req, &signed).unwrap(),
            ),
        );
        let auth = Authorization {
            access: "A".into(),
            signed_headers: signed,
            signature: sig,
        };
        let now = parse_sdk_date("20240101T000000Z").unwrap();
        assert_eq!(
            verify(&req, &auth, "k", now, 900),
            Err(SignError::UnsignedPayload)
        );
    }

    #[test]
    fn decoding_never_panics_on_truncated_escapes() {
        for s in ["%", "%4", "%zz", "a%", "/%E9%"] {
            let _ = canonical_uri(s);
            let _ = canonical_query(s);
        }
    }
}
