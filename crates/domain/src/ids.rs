//! Typed identifiers. On the wire every ID is an opaque string; in Rust each kind has its own
//! type so a customer id can never be passed where a partner id is expected.

use rand::Rng;

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident, $prefix:literal) => {
        $(#[$m])*
        #[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            pub const PREFIX: &'static str = $prefix;
            /// A new random id: the prefix and 24 lowercase hex digits (96 random bits).
            pub fn generate() -> Self {
                Self(format!("{}{}", $prefix, random_hex(12)))
            }
            /// Wraps a stored or received id. Validation of foreign input happens at lookup: an id
            /// that names nothing the caller may see is "not found", whatever its shape.
            pub fn new(s: impl Into<String>) -> Self {
                Self(s.into())
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

/// Lowercase hex of `n` random bytes.
pub fn random_hex(n: usize) -> String {
    let mut b = vec![0u8; n];
    rand::thread_rng().fill(&mut b[..]);
    hex::encode(b)
}

string_id!(
    /// A partner (any type). Also the tenant key: the root of a partner tree is a `PartnerId`.
    PartnerId, "p"
);
string_id!(
    /// A customer account. Its string is also the vendor's `customer_id` / `domain_id`.
    CustomerId, "c"
);
string_id!(
    /// A console login (operator, partner admin or staff, customer).
    UserId, "u"
);
string_id!(LedgerAccountId, "la");
string_id!(TransferId, "tr");

impl TransferId {
    /// A new id that sorts after those made at earlier milliseconds: 12 hex digits of `now_ms`,
    /// then 48 random bits (24 hex digits in all, like [`TransferId::generate`]). The transfers'
    /// unique index then grows at its end instead of at a random place: posting a transfer
    /// dirties the index's last page, which the next transfers of the same commit share, rather
    /// than one more random page to write to the WAL. Uniqueness rests on the random half (a
    /// collision needs millions of transfers in one millisecond); the order is not relied on.
    pub fn generate_ordered(now_ms: i64) -> Self {
        let ms = (now_ms.max(0) as u64) & 0xffff_ffff_ffff;
        Self(format!("{}{ms:012x}{}", Self::PREFIX, random_hex(6)))
    }
}

#[cfg(test)]
mod tests {
    use super::TransferId;

    #[test]
    fn ordered_transfer_ids_sort_by_time_and_keep_the_random_id_shape() {
        let a = TransferId::generate_ordered(1_765_000_000_000);
        let b = TransferId::generate_ordered(1_765_000_000_001);
        let r = TransferId::generate();
        assert!(a < b, "{a:?} {b:?}");
        assert_eq!(a.as_str().len(), r.as_str().len());
        assert!(a.as_str().starts_with(TransferId::PREFIX));
        assert!(a.as_str()[2..].bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(
            TransferId::generate_ordered(5).as_str(),
            TransferId::generate_ordered(5).as_str()
        );
    }
}
