//! Use cases. Each function checks the caller's rights against its tenant, applies domain rules,
//! posts ledger transfers and writes its audit row, inside one transaction. Every surface (vendor
//! API, native API, console, CLI) calls these same functions.

pub mod adjustments;
pub mod association;
pub mod catalog;
pub mod changes;
pub mod coupons;
pub mod customers;
pub mod delegation;
pub mod demo;
pub mod funds;
pub mod identity;
pub mod invites;
pub mod orders;
pub mod partners;
pub mod promotions;
pub mod redirects;
pub mod refunds;
pub mod resources;
pub mod staff;
pub mod topups;
pub mod unbind;
pub mod verification;
