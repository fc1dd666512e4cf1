//! What the international SDK (`huaweicloudsdkbssintl`) sends instead of a mobile number: an
//! e-mail address (the customer's, verified by an e-mail code: `send_verification_message_code`
//! with `receiver_type` 2) and the customer's country or region (`domain_area`, ISO 3166 alpha-2).
//! docs/sdk-compat.md lists the differences between the two SDKs.

use crate::store::sql::{self, Conn};

use crate::error::{AppError, AppResult, Code};
use crate::services::partners;

/// Whether `s` has the shape of an e-mail address: a local part, `@`, a domain with a dot, no
/// white space, at most 64 characters.
pub fn valid_email(s: &str) -> bool {
    s.chars().count() <= 64
        && !s.contains(char::is_whitespace)
        && s.split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.starts_with('.'))
}

/// A checked e-mail address, lower-cased (addresses are compared without case).
pub fn parse_email(field: &str, s: &str) -> AppResult<String> {
    if valid_email(s) {
        Ok(s.to_ascii_lowercase())
    } else {
        Err(AppError::invalid_tr(
            format!("{field} must be an e-mail address such as name@example.com"),
            format!("{field} 须为电子邮箱地址，例如 name@example.com。"),
        ))
    }
}

/// A checked `domain_area`: two ASCII letters (ISO 3166 alpha-2), upper-cased.
pub fn parse_domain_area(s: &str) -> AppResult<String> {
    if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) {
        Ok(s.to_ascii_uppercase())
    } else {
        Err(AppError::invalid_tr(
            "domain_area must be a two-letter ISO 3166 country or region code such as MX",
            "domain_area 须为两位字母的 ISO 3166 国家或地区代码，例如 MX。",
        ))
    }
}

/// How many accounts (customers, and partners as their contact address) use the address.
pub async fn email_uses(c: &mut Conn, email: &str) -> AppResult<i64> {
    Ok(sql::query_scalar(&format!(
        "SELECT (SELECT COUNT(*) FROM customers WHERE LOWER(email) = LOWER($1)) + {}",
        partners::contact_email_uses_sql("$1")
    ))
    .bind(email)
    .fetch_one(&mut *c)
    .await?)
}

/// Refuses an address another account already uses (an address names one account).
pub async fn ensure_email_free(c: &mut Conn, email: &str) -> AppResult<()> {
    if email_uses(c, email).await? > 0 {
        return Err(AppError::with_tr(
            Code::EmailExists,
            format!("{email} is already used by another account"),
            format!("{email} 已被其他账号使用。"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_and_areas() {
        assert!(valid_email("a@b.co"));
        assert!(!valid_email("a@b"));
        assert!(!valid_email("@b.co"));
        assert!(!valid_email("a b@c.co"));
        assert_eq!(
            parse_email("email", "Ana@Example.COM").unwrap(),
            "ana@example.com"
        );
        assert_eq!(parse_domain_area("mx").unwrap(), "MX");
        assert!(parse_domain_area("MEX").is_err());
        assert!(parse_domain_area("1X").is_err());
    }
}
