//! A partner's return addresses (伙伴平台回跳地址, the vendor's help pages): the URL rules, and how an
//! address is extended with the order it is about.
//!
//! **Decision (the vendor's help pages leave URL validation open).** An address is accepted when it is:
//! - at most [`MAX_URL_LEN`] characters, printable ASCII only (an international domain name or
//!   path goes in punycode / percent-encoded form), with no spaces, quotes, angle brackets or
//!   backslashes (browsers read `\` as `/`, which would change the host);
//! - absolute, with the scheme `https`; plain `http` only for `localhost`, `127.0.0.1` and
//!   `[::1]` (development and tests), so a customer is never sent to an unencrypted page on the
//!   network; every other scheme (`javascript:`, `data:`, `ftp:` …) is refused;
//! - free of user information (`user:password@host`): credentials must never sit in a link shown
//!   to customers, and `@` in the authority is the classic trick to disguise the real host;
//! - a valid host: DNS labels of letters, digits and `-` (1–63 each, 253 in all), a dotted IPv4
//!   address, or a bracketed IPv6 address; an optional port 1–65535;
//! - without a fragment (`#…`): the order id is appended as a query parameter, and a fragment
//!   would swallow it; a path and a query of its own are fine (our parameters come last).
//!
//! Parameters are appended with [`with_params`]: `?` or `&` as the address needs, each value
//! percent-encoded.

/// The longest address accepted.
pub const MAX_URL_LEN: usize = 1024;

/// Why an address is refused. Each has a message key in the console (`capability_err_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlError {
    TooLong,
    /// Not printable ASCII, or a character that is never valid in a URL (space, `"`, `<`, `\` …).
    BadCharacter,
    /// Not an absolute `scheme://host…` address (relative, fragment-only, `javascript:` …).
    NotAbsolute,
    /// A scheme other than https (http outside localhost).
    Scheme,
    Credentials,
    Host,
    Port,
    Fragment,
    /// A `%` not followed by two hex digits.
    Escape,
}

impl UrlError {
    /// A stable short name (message keys, API details).
    pub fn as_str(self) -> &'static str {
        match self {
            UrlError::TooLong => "too_long",
            UrlError::BadCharacter => "bad_character",
            UrlError::NotAbsolute => "not_absolute",
            UrlError::Scheme => "scheme",
            UrlError::Credentials => "credentials",
            UrlError::Host => "host",
            UrlError::Port => "port",
            UrlError::Fragment => "fragment",
            UrlError::Escape => "escape",
        }
    }

    /// What is wrong, in English (service-level error detail).
    pub fn describe(self) -> &'static str {
        match self {
            UrlError::TooLong => "is longer than 1024 characters",
            UrlError::BadCharacter => "contains a character not allowed in a URL",
            UrlError::NotAbsolute => "must be an absolute https:// address",
            UrlError::Scheme => "must use https (http only for localhost)",
            UrlError::Credentials => "must not contain a user name or password",
            UrlError::Host => "has no valid host name",
            UrlError::Port => "has an invalid port",
            UrlError::Fragment => "must not contain a #fragment",
            UrlError::Escape => "has a % not followed by two hex digits",
        }
    }

    /// What is wrong, in Chinese (the same detail as [`UrlError::describe`]).
    pub fn describe_zh(self) -> &'static str {
        match self {
            UrlError::TooLong => "超过 1024 个字符。",
            UrlError::BadCharacter => "包含网址中不允许的字符。",
            UrlError::NotAbsolute => "必须是以 https:// 开头的完整地址。",
            UrlError::Scheme => "必须使用 https（仅 localhost 可用 http）。",
            UrlError::Credentials => "不能包含用户名或密码。",
            UrlError::Host => "没有有效的主机名。",
            UrlError::Port => "端口无效。",
            UrlError::Fragment => "不能包含 #片段。",
            UrlError::Escape => "含有后面不是两位十六进制数字的 %。",
        }
    }
}

/// Hosts that may be reached over plain http.
fn is_loopback(host: &str) -> bool {
    host == "localhost" || host == "127.0.0.1" || host == "[::1]"
}

fn valid_dns(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn valid_ipv6(inner: &str) -> bool {
    inner.parse::<std::net::Ipv6Addr>().is_ok()
}

/// Splits `host[:port]` and checks both.
fn check_authority(auth: &str) -> Result<String, UrlError> {
    if auth.contains('@') {
        return Err(UrlError::Credentials);
    }
    let (host, port) = if let Some(rest) = auth.strip_prefix('[') {
        let end = rest.find(']').ok_or(UrlError::Host)?;
        let inner = &rest[..end];
        if !valid_ipv6(inner) {
            return Err(UrlError::Host);
        }
        let after = &rest[end + 1..];
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or(UrlError::Port)?),
        };
        (&auth[..end + 2], port)
    } else {
        match auth.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (auth, None),
        }
    };
    if let Some(p) = port {
        let ok = !p.is_empty()
            && p.len() <= 5
            && p.bytes().all(|b| b.is_ascii_digit())
            && p.parse::<u32>().is_ok_and(|n| (1..=65_535).contains(&n));
        if !ok {
            return Err(UrlError::Port);
        }
    }
    let host = host.to_ascii_lowercase();
    if !host.starts_with('[') && !valid_dns(&host) {
        return Err(UrlError::Host);
    }
    // A name made only of digits and dots must be a real dotted IPv4 address.
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && host.parse::<std::net::Ipv4Addr>().is_err()
    {
        return Err(UrlError::Host);
    }
    Ok(host)
}

/// Not printable ASCII, or a character never valid in a URL (space, `"`, `<`, `\\` …).
fn has_bad_character(s: &str) -> bool {
    s.bytes()
        .any(|b| !(0x21..0x7f).contains(&b) || b"\"<>\\^`{|}".contains(&b))
}

/// Checks a return address; returns it trimmed (scheme as written).
pub fn parse_return_url(raw: &str) -> Result<String, UrlError> {
    let s = raw.trim();
    if s.len() > MAX_URL_LEN {
        return Err(UrlError::TooLong);
    }
    if has_bad_character(s) {
        return Err(UrlError::BadCharacter);
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(
            if s.contains(':') && !s.starts_with('/') && !s.starts_with('#') {
                // `javascript:…`, `mailto:…`, `data:…`: a scheme, but not one we send customers to.
                UrlError::Scheme
            } else {
                UrlError::NotAbsolute
            },
        );
    };
    if scheme.is_empty()
        || !scheme.as_bytes()[0].is_ascii_alphabetic()
        || !scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
    {
        return Err(UrlError::NotAbsolute);
    }
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err(UrlError::Scheme);
    }
    if s.contains('#') {
        return Err(UrlError::Fragment);
    }
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let host = check_authority(&rest[..end])?;
    if scheme == "http" && !is_loopback(&host) {
        return Err(UrlError::Scheme);
    }
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        let hex = |j: usize| b.get(j).is_some_and(|x| x.is_ascii_hexdigit());
        if c == b'%' && !(hex(i + 1) && hex(i + 2)) {
            return Err(UrlError::Escape);
        }
    }
    Ok(s.to_string())
}

/// Percent-encodes a query value (everything but RFC 3986 unreserved characters).
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A deployment's public base URL (`serve --public-url`), from which the server builds the links
/// that leave it (invite links and their QR codes). Accepted: `http` or `https` (plain http is the
/// operator's choice here, e.g. an internal network), a valid host as for return addresses, an
/// optional port, no user information, no query, no fragment, and no path but `/` — the server's
/// pages and forms use root paths (`/join/…`, `/console/…`), so it must be served at the root of
/// its host name. Returns the normalised base: scheme and host in lower case, no trailing `/`
/// (`https://pc.example.com`). The error says what is wrong, in English (a start-up message).
pub fn parse_base_url(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    let refuse = |why: &str| Err(format!("{s:?} is not a public base URL: {why}"));
    if s.len() > MAX_URL_LEN {
        return refuse(UrlError::TooLong.describe());
    }
    if has_bad_character(s) {
        return refuse(UrlError::BadCharacter.describe());
    }
    let Some((scheme, rest)) = s.split_once("://") else {
        return refuse(
            "it must be an absolute http:// or https:// URL, like https://pc.example.com",
        );
    };
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return refuse("its scheme must be http or https");
    }
    if s.contains('?') {
        return refuse("it must not have a query (?…)");
    }
    if s.contains('#') {
        return refuse(UrlError::Fragment.describe());
    }
    let end = rest.find('/').unwrap_or(rest.len());
    if !matches!(&rest[end..], "" | "/") {
        return refuse(
            "a path is not supported (the server's links and forms use root paths): serve it at the root of its host name",
        );
    }
    let authority = &rest[..end];
    if let Err(e) = check_authority(authority) {
        return refuse(e.describe());
    }
    // The host is case-insensitive and the port digits: the whole authority in lower case.
    Ok(format!("{scheme}://{}", authority.to_ascii_lowercase()))
}

/// `url` (a valid return address) with `params` appended to its query.
pub fn with_params(url: &str, params: &[(&str, &str)]) -> String {
    let mut out = url.to_string();
    for (k, v) in params {
        let sep = if !out.contains('?') {
            "?"
        } else if out.ends_with('?') || out.ends_with('&') {
            ""
        } else {
            "&"
        };
        out.push_str(sep);
        out.push_str(&encode(k));
        out.push('=');
        out.push_str(&encode(v));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn public_base_urls() {
        for (raw, base) in [
            ("https://pc.example.com", "https://pc.example.com"),
            ("https://pc.example.com/", "https://pc.example.com"),
            (
                " HTTPS://PC.Example.com:8443 ",
                "https://pc.example.com:8443",
            ),
            ("http://10.0.0.5:8080", "http://10.0.0.5:8080"),
            ("http://[::1]:8080/", "http://[::1]:8080"),
        ] {
            assert_eq!(parse_base_url(raw).as_deref(), Ok(base), "{raw}");
        }
        for (raw, why) in [
            ("pc.example.com", "absolute"),
            ("/console", "absolute"),
            ("ftp://pc.example.com", "scheme"),
            ("https://pc.example.com/?a=1", "query"),
            ("https://pc.example.com#top", "fragment"),
            ("https://pc.example.com/pc", "path"),
            ("https://user:pw@pc.example.com", "user name"),
            ("https://pc example.com", "character"),
            ("https://-bad-.example.com", "host"),
            ("https://pc.example.com:0", "port"),
            ("https://", "host"),
        ] {
            let e = parse_base_url(raw).unwrap_err();
            assert!(e.contains(why), "{raw}: {e}");
        }
    }

    #[test]
    fn accepted() {
        for u in [
            "https://shop.example.com",
            "https://shop.example.com/",
            "https://shop.example.com:8443/pay/done?from=hw&x=%E4%B8%AD",
            "HTTPS://Shop.Example.com/a",
            "http://localhost:3000/topup",
            "http://127.0.0.1:8080/x?y=1",
            "http://[::1]:9000/",
            "https://[2001:db8::1]/p",
            "https://10.1.2.3/p",
            "  https://trimmed.example  ",
        ] {
            assert!(parse_return_url(u).is_ok(), "{u}");
        }
        assert_eq!(
            parse_return_url(" https://a.example ").unwrap(),
            "https://a.example"
        );
    }

    #[test]
    fn refused() {
        use UrlError::*;
        let long = format!("https://a.example/{}", "x".repeat(MAX_URL_LEN));
        for (u, e) in [
            ("javascript:alert(1)", Scheme),
            ("JavaScript://%0aalert(1)", Scheme),
            ("data:text/html,hi", Scheme),
            ("ftp://files.example.com/", Scheme),
            ("http://shop.example.com/", Scheme),
            ("http://127.0.0.2/", Scheme),
            ("#top", NotAbsolute),
            ("/relative/path", NotAbsolute),
            ("shop.example.com", NotAbsolute),
            ("//shop.example.com/x", NotAbsolute),
            ("https://user:pw@shop.example.com/", Credentials),
            ("https://shop.example.com@evil.example/", Credentials),
            ("https://shop.example.com/#frag", Fragment),
            ("https://shop.example.com/ space", BadCharacter),
            ("https://shop.example.com/\\evil", BadCharacter),
            ("https://shop.example.com/<script>", BadCharacter),
            ("https://商店.example/", BadCharacter),
            ("https:///path", Host),
            ("https://-bad-.example/", Host),
            ("https://a..b/", Host),
            ("https://999.1.1.1/", Host),
            ("https://[zz::1]/", Host),
            ("https://shop.example.com:0/", Port),
            ("https://shop.example.com:70000/", Port),
            ("https://shop.example.com:/", Port),
            ("https://shop.example.com/%zz", Escape),
            ("https://shop.example.com/%4", Escape),
        ] {
            assert_eq!(parse_return_url(u), Err(e), "{u}");
        }
        assert_eq!(parse_return_url(&long), Err(TooLong));
        assert_eq!(parse_return_url(""), Err(NotAbsolute));
    }

    #[test]
    fn params_appended() {
        assert_eq!(
            with_params("https://a.example/p", &[("order_id", "CS1A")]),
            "https://a.example/p?order_id=CS1A"
        );
        assert_eq!(
            with_params(
                "https://a.example/p?x=1",
                &[("order_id", "CS1"), ("amount", "12.50")]
            ),
            "https://a.example/p?x=1&order_id=CS1&amount=12.50"
        );
        assert_eq!(
            with_params("https://a.example/p?", &[("k", "a b&c")]),
            "https://a.example/p?k=a%20b%26c"
        );
    }

    proptest! {
        /// Whatever is typed, an accepted address is https (or loopback http), has no `@` in its
        /// authority, no fragment, and stays valid with our parameters appended.
        #[test]
        fn accepted_urls_are_safe(
            s in prop_oneof![
                "[ -~]{0,80}",
                "(https?|HTTPS|ftp|javascript)://[a-z0-9.:@\\[\\]-]{0,24}[/?]?[ -~]{0,24}",
            ],
            v in "[ -~]{0,20}",
        ) {
            if let Ok(u) = parse_return_url(&s) {
                let lower = u.to_ascii_lowercase();
                prop_assert!(lower.starts_with("https://") || lower.starts_with("http://localhost")
                    || lower.starts_with("http://127.0.0.1") || lower.starts_with("http://[::1]"));
                prop_assert!(!u.contains('#'));
                let rest = &u[u.find("://").unwrap() + 3..];
                let auth = &rest[..rest.find(['/', '?']).unwrap_or(rest.len())];
                prop_assert!(!auth.contains('@'));
                let with = with_params(&u, &[("order_id", &v)]);
                prop_assert!(parse_return_url(&with).is_ok() || with.len() > MAX_URL_LEN);
            }
        }

        #[test]
        fn prefixed_schemes_refused(s in "[a-z]{1,10}", rest in "[ -~]{0,40}") {
            prop_assume!(s != "https" && s != "http");
            let u = format!("{s}:{rest}");
            prop_assert!(parse_return_url(&u).is_err());
        }
    }
}
