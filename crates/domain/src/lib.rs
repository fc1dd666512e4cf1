//! Partner Center's domain: pure rules and types, no I/O, no async.
//!
//! Everything here is deterministic and unit/property tested. Services (`pc-app`) call these
//! functions inside their transactions; adapters never reach past the services.

pub mod association;
pub mod bills;
pub mod coupons;
pub mod funds;
pub mod ids;
pub mod invoices;
pub mod ledger;
pub mod money;
pub mod orders;
pub mod party;
pub mod redirects;
pub mod refunds;
pub mod signing;
pub mod timefmt;
pub mod to_on_demand;
pub mod topups;
pub mod usage;
pub mod verification;

pub use ids::{CustomerId, LedgerAccountId, PartnerId, TransferId, UserId};
pub use money::Money;

/// Why a rule refused a value, for the client, in both languages (the services turn it into a
/// `CBC.0100` detail).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Detail {
    pub en: String,
    pub zh: String,
}

impl Detail {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> Detail {
        Detail {
            en: en.into(),
            zh: zh.into(),
        }
    }
}
