//! Subscriptions: the resources an order provisions and what happens to them afterwards —
//! renewal and auto-renewal ([`resources`]), specification changes ([`changes`]) and
//! unsubscribing with its refunds ([`refunds`]).

pub mod changes;
pub mod refunds;
pub mod resources;
