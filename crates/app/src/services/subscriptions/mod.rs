//! Subscriptions: the resources an order provisions and what happens to them afterwards —
//! paying an order and provisioning what it buys ([`checkout`], [`provision`]), the resources and
//! their listing ([`resources`]), renewal and auto-renewal ([`renewal`]), specification changes
//! ([`changes`]), renewal quotes ([`renew_rates`]) and settings ([`renew_config`]), unsubscribing
//! with its refunds ([`refunds`]; its reads, re-exported there, in `refund_reads`) and changing to
//! pay-per-use at expiry or at once ([`to_on_demand`]). Subscriptions build on orders (they place
//! renewal, change and refund orders); orders never call back into them. Inside, the parts import
//! downward only: `renewal` → `checkout` → `provision` → `changes` → `to_on_demand` → `refunds` →
//! `resources`.

use crate::context::{Actor, Ctx};
use crate::error::{AppError, AppResult, Code};

pub mod changes;
pub mod checkout;
mod provision;
mod refund_reads;
pub mod refunds;
pub mod renew_config;
pub mod renew_rates;
pub mod renewal;
pub mod resources;
pub mod to_on_demand;

pub use checkout::pay;

/// The customer acting, for use cases only a customer runs on its own resources (renewal,
/// auto-renewal, spec change, unsubscribe, change to pay-per-use); anyone else gets `CBC.0155`, as the vendor answers a
/// partner's key on a customer-only operation.
pub(crate) fn acting_customer(ctx: &Ctx) -> AppResult<String> {
    match &ctx.actor {
        Actor::Customer { customer_id, .. } => Ok(customer_id.clone()),
        _ => Err(AppError::with_tr(
            Code::NotAllowed,
            "This operation is for customers.",
            "此操作仅限客户。",
        )),
    }
}
