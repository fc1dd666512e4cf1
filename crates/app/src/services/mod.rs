//! Use cases. Each function checks the caller's rights against its tenant, applies domain rules,
//! posts ledger transfers and writes its audit row, inside one transaction. Every surface (vendor
//! API, native API, console, CLI) calls these same functions.

pub mod audit;
pub mod catalog;
pub mod consumption;
pub mod coupons;
pub mod customers;
pub mod demo;
pub mod funds;
pub mod identity;
pub mod invoices;
pub mod operations;
pub mod orders;
pub mod partners;
pub mod redirects;
pub mod subscriptions;
pub mod test_clock;
pub mod topups;
pub mod usage;

/// The cross-table invariants `partner-center verify` checks beyond the ledger's own (which
/// `store::ledger::verify` checks): the partner tree and its kept customer counts, delegations,
/// refunds within what was paid, the kept order counts, and closed billing months (records =
/// bills = ledger). Each capability checks its own
/// tables; this is the one list of them, used by `verify` and by the test suites.
pub async fn consistency(pool: &crate::store::ReadPool) -> crate::error::AppResult<Vec<String>> {
    let mut v = partners::verify_tree(pool).await?;
    v.extend(partners::delegation::verify(pool).await?);
    v.extend(customers::verify(pool).await?);
    v.extend(subscriptions::refunds::verify(pool).await?);
    v.extend(orders::verify_counts(pool).await?);
    v.extend(consumption::verify(pool).await?);
    Ok(v)
}
