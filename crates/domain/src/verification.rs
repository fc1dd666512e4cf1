//! SMS verification codes (the vendor's API reference, the vendor's help pages): scenes, lifetimes, send limits and
//! the check of a submitted code. Pure; the store keeps only a salted hash of each code.

use rand::Rng;
use sha2::{Digest, Sha256};

/// What a code is for (`scene`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scene {
    /// 29: registering a customer account (the default).
    Registration,
    /// 18: real-name certification with a personal bank card (needs `customer_id`).
    BankCardRealName,
}

impl Scene {
    pub fn code(self) -> i64 {
        match self {
            Scene::Registration => 29,
            Scene::BankCardRealName => 18,
        }
    }

    /// The wire value; absent means registration.
    pub fn from_wire(v: Option<i64>) -> Option<Scene> {
        match v {
            None | Some(29) => Some(Scene::Registration),
            Some(18) => Some(Scene::BankCardRealName),
            Some(_) => None,
        }
    }
}

/// Default lifetime in minutes when `timeout` is absent.
pub const DEFAULT_TTL_MINUTES: i64 = 10;
/// Most codes per mobile number in any hour and any day (CBC.99004015).
pub const MAX_PER_HOUR: i64 = 15;
pub const MAX_PER_DAY: i64 = 60;
/// Wrong guesses a code survives; after that it is void and a new one must be requested.
pub const MAX_ATTEMPTS: i64 = 5;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// The lifetime of a code from the request's `timeout` (minutes): absent → 10; over 60 → fixed at 5
/// (the vendor's rule); below 1 is an error.
pub fn ttl_minutes(timeout: Option<i64>) -> Result<i64, &'static str> {
    match timeout {
        None => Ok(DEFAULT_TTL_MINUTES),
        Some(t) if t < 1 => Err("timeout must be at least 1 minute"),
        Some(t) if t > 60 => Ok(5),
        Some(t) => Ok(t),
    }
}

/// Whether another code may be sent, given how many were sent to the number in the last hour and
/// the last day.
pub fn may_send(sent_last_hour: i64, sent_last_day: i64) -> bool {
    sent_last_hour < MAX_PER_HOUR && sent_last_day < MAX_PER_DAY
}

/// A fresh 6-digit code.
pub fn generate_code() -> String {
    format!("{:06}", rand::thread_rng().gen_range(0..1_000_000u32))
}

/// The stored form of a code: SHA-256 over the code row's id and the code, so equal codes of two
/// rows never share a hash.
pub fn hash_code(row_id: &str, code: &str) -> String {
    let mut h = Sha256::new();
    h.update(row_id.as_bytes());
    h.update(b":");
    h.update(code.trim().as_bytes());
    hex::encode(h.finalize())
}

/// The live code of a number, as stored.
#[derive(Clone, Debug)]
pub struct StoredCode<'a> {
    pub row_id: &'a str,
    pub code_hash: &'a str,
    pub expires_at: i64,
    pub attempts: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CodeError {
    /// No code was requested (or the last one was used): CBC.99004010.
    NoCode,
    /// Too many wrong guesses: the code is void (CBC.99004009).
    Exhausted,
    /// Past its lifetime (CBC.99004008).
    Expired,
    /// Does not match (CBC.99004010); the caller counts the attempt.
    Wrong,
}

/// Checks a submitted code against the number's live code. Order: a void code is void whatever is
/// typed; an expired code is reported as expired before it is compared.
pub fn check_code(
    stored: Option<&StoredCode<'_>>,
    given: &str,
    now_ms: i64,
) -> Result<(), CodeError> {
    let s = stored.ok_or(CodeError::NoCode)?;
    if s.attempts >= MAX_ATTEMPTS {
        return Err(CodeError::Exhausted);
    }
    if now_ms >= s.expires_at {
        return Err(CodeError::Expired);
    }
    let given = hash_code(s.row_id, given);
    // Both are 64 hex digits; compare without an early exit.
    let same = given.len() == s.code_hash.len()
        && given
            .bytes()
            .zip(s.code_hash.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    if same {
        Ok(())
    } else {
        Err(CodeError::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenes_and_ttl() {
        assert_eq!(Scene::from_wire(None), Some(Scene::Registration));
        assert_eq!(Scene::from_wire(Some(29)), Some(Scene::Registration));
        assert_eq!(Scene::from_wire(Some(18)), Some(Scene::BankCardRealName));
        assert_eq!(Scene::from_wire(Some(1)), None);
        assert_eq!(ttl_minutes(None), Ok(10));
        assert_eq!(ttl_minutes(Some(60)), Ok(60));
        assert_eq!(ttl_minutes(Some(61)), Ok(5));
        assert_eq!(ttl_minutes(Some(1)), Ok(1));
        assert!(ttl_minutes(Some(0)).is_err());
        assert!(ttl_minutes(Some(-5)).is_err());
    }

    #[test]
    fn send_limits() {
        assert!(may_send(14, 59));
        assert!(!may_send(15, 15));
        assert!(!may_send(0, 60));
    }

    #[test]
    fn codes() {
        let c = generate_code();
        assert_eq!(c.len(), 6);
        assert!(c.bytes().all(|b| b.is_ascii_digit()));
        let hash = hash_code("vc1", "123456");
        assert_ne!(hash, hash_code("vc2", "123456"));
        let live = StoredCode {
            row_id: "vc1",
            code_hash: &hash,
            expires_at: 1000,
            attempts: 0,
        };
        assert_eq!(check_code(Some(&live), "123456", 999), Ok(()));
        assert_eq!(check_code(Some(&live), " 123456 ", 999), Ok(()));
        assert_eq!(
            check_code(Some(&live), "123457", 999),
            Err(CodeError::Wrong)
        );
        assert_eq!(
            check_code(Some(&live), "123456", 1000),
            Err(CodeError::Expired)
        );
        assert_eq!(check_code(None, "123456", 0), Err(CodeError::NoCode));
        let worn = StoredCode {
            attempts: MAX_ATTEMPTS,
            ..live.clone()
        };
        assert_eq!(
            check_code(Some(&worn), "123456", 999),
            Err(CodeError::Exhausted)
        );
    }
}
