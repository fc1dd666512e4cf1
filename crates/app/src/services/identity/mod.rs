//! Identity and access: console users (operators, partner admins and staff, customers), sessions
//! with CSRF tokens, and access keys for the vendor API (secret shown once, stored encrypted).
//! This capability owns `users`, `sessions`, `access_keys` and `key_flash`; the parts:
//! - `users`: login and password rules, creating users, languages, a partner's users;
//! - `sessions`: logging in and out, the session behind a console cookie;
//! - `keys`: access keys, their lookup for the signature verifier, resealing.
//!
//! Callers name everything as `services::identity::…`. The lowest of the tenant capabilities: it
//! imports neither `partners` nor `customers` (both call it). Its sign-in reads (the session
//! behind a cookie, an access key's owner) still join `partners` for the tenant and type in the
//! same statement, as the one read on every authenticated request.

mod keys;
mod sessions;
mod users;

pub use keys::*;
pub use sessions::*;
pub use users::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_and_login_rules() {
        assert!(validate_password("abcdefgh").is_err());
        assert!(validate_password("abcdefg1").is_ok());
        assert!(validate_password("Ab1").is_err());
        assert!(validate_login("ok_login").is_ok());
        assert!(validate_login("no spaces").is_err());
        assert!(validate_login("ab").is_err());
    }
}
