//! Named locks a use case holds for the rest of its transaction, where two kinds of write must
//! not interleave and no row is there to lock (closing a billing month against recording a
//! charge in it).
//!
//! The one engine difference: PostgreSQL takes a transaction-scoped advisory lock
//! (`pg_advisory_xact_lock_shared` / `pg_advisory_xact_lock`, released at commit or rollback);
//! SQLite needs none, since its one writer runs write transactions one after another.

use super::sql::{self, Conn};
use super::Engine;
use crate::error::AppResult;

/// A lock's number (PostgreSQL advisory locks are keyed by a 64-bit integer). Each named once
/// here, so no two uses share one by accident. (Migrations use 740155.)
#[derive(Clone, Copy, Debug)]
pub enum Named {
    /// Held shared by every write of a consumption record, exclusively by the month close.
    BillMonths = 740_156,
    /// Held exclusively by a usage import: the tiers' monthly totals and the packages' remaining
    /// hours are read, advanced and written back by one import at a time.
    UsageImport = 740_157,
}

/// Takes `lock` shared: others may hold it shared too; an exclusive holder waits for all.
pub async fn shared(c: &mut Conn, lock: Named) -> AppResult<()> {
    if c.engine() == Engine::Postgres {
        sql::query("SELECT pg_advisory_xact_lock_shared($1)")
            .bind(lock as i64)
            .execute(c)
            .await?;
    }
    Ok(())
}

/// Takes `lock` exclusively.
pub async fn exclusive(c: &mut Conn, lock: Named) -> AppResult<()> {
    if c.engine() == Engine::Postgres {
        sql::query("SELECT pg_advisory_xact_lock($1)")
            .bind(lock as i64)
            .execute(c)
            .await?;
    }
    Ok(())
}
