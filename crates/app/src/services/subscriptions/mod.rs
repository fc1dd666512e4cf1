//! Subscriptions: the resources an order provisions and what happens to them afterwards —
//! paying an order and provisioning what it buys ([`checkout`], [`provision`]), renewal and
//! auto-renewal ([`resources`]), specification changes ([`changes`]) and unsubscribing with its
//! refunds ([`refunds`]; its reads, re-exported there, in `refund_reads`). Subscriptions build on orders (they place renewal, change and refund
//! orders); orders never call back into them.

pub mod changes;
pub mod checkout;
mod provision;
mod refund_reads;
pub mod refunds;
pub mod resources;

pub use checkout::pay;
