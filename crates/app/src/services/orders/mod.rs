//! Yearly/monthly orders of partners' customers (the vendor's help pages, the vendor's API reference):
//! price quotes, placing an order, listing and showing orders, partner-granted discounts, paying
//! from the customer's balance, cancelling, and expiring unpaid orders. The codes, the state
//! machine, period and discount arithmetic are in `pc_domain::orders`.
//!
//! **Who sees an order (decision).** An order records the partner the customer was associated
//! with when it was placed (`partner_id`, and its tenant `root_id`). That partner lists and reads
//! it; a master distributor reads its resellers' customers' orders by naming the reseller
//! (`indirect_partner_id`), as `list_sub_customers` does; the customer reads its own. Anything
//! else is `CBC.30000010` (invalid order), the same answer as an id that does not exist.
//!
//! **Paying (decision).** Payment is from the customer's cash account: one ledger transfer
//! `customer_cash:<customer> → external:world` (kind `order_pay`): the money leaves the
//! deployment to the cloud vendor, which is what a paid order is. The order's move from
//! `6 pending payment` to `5 completed` is a guarded `UPDATE … WHERE status = 6` in the same
//! transaction as the transfer, the resources it provisions and the audit row, so an order is
//! paid at most once however many requests race, and a failed payment leaves nothing behind.
//! Coupons are spent at `payment::apply_coupons`, the one seam between a payment and the coupon
//! ledger.
//!
//! The parts: [`pricing`] (items, list prices, discounts in force, quotes), [`discounts`]
//! (partner-granted discounts and the operator's floor), [`place`] (orders as stored, placing
//! one), [`queries`] (who reads which orders), [`payment`] (usable discounts and coupons, the
//! money side of paying), [`expiry`] (cancelling, the expiry job), [`for_subscriptions`] (what
//! refunds and renewals read of orders). Every public item is
//! re-exported here: callers name `services::orders::…`. Paying as a use case (the money, then
//! what the order provisions) is `subscriptions::checkout`: orders know nothing of resources,
//! subscriptions build on orders.

use pc_domain::ids::random_hex;

use crate::context::Actor;
use crate::error::{AppError, AppResult, Code};

pub mod adjustments;
mod discounts;
mod expiry;
pub mod for_subscriptions;
mod payment;
mod place;
mod pricing;
pub mod promotions;
mod queries;
mod summary;

pub use discounts::*;
pub use expiry::*;
pub use payment::*;
pub use place::*;
pub use pricing::*;
pub use queries::*;
pub use summary::*;

/// Ledger transfer kind of an order payment (customer cash → outside world).
pub const KIND_ORDER_PAY: &str = "order_pay";

/// Ledger transfer kind of a refund to a customer's balance (outside world → customer cash), made
/// when a resource is unsubscribed (`subscriptions::refunds`). Named here beside the payment's, so
/// that the checks reconciling what orders moved can name both from below subscriptions.
pub const KIND_ORDER_REFUND: &str = "order_refund";

/// The `settings` key of the operator's lowest discount ratio (basis points).
pub const DISCOUNT_FLOOR_KEY: &str = "orders.discount_floor_bp";

/// Most lines one order or one quote may carry.
pub const MAX_LINES: usize = 10;
/// Most items of one kind bought on one line.
pub const MAX_SUBSCRIPTION_NUM: i64 = 100;
/// Largest size of a linear product on one line (GB, Mbit/s, count).
pub const MAX_RESOURCE_SIZE: i64 = 32_768;

pub(crate) fn new_order_id() -> String {
    format!("CS{}", random_hex(8).to_uppercase())
}

/// The customer acting, for what only a customer does (order for itself, pay, cancel); anyone
/// else `CBC.0155`, as the vendor answers a partner's key on those operations.
pub(crate) fn acting_customer(actor: &Actor) -> AppResult<String> {
    match actor {
        Actor::Customer { customer_id, .. } => Ok(customer_id.clone()),
        _ => Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        )),
    }
}
