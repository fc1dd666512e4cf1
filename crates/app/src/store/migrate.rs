//! Schema migrations, embedded in the binary. A migration whose SQL both engines accept has one
//! source (`migrations/common/`); one that needs an engine's own syntax (auto-increment keys,
//! triggers) comes as a pair (`migrations/sqlite/`, `migrations/postgres/`) with the same version
//! and meaning. `crates/app/tests/schema.rs` checks that both engines end with the same columns.

use super::db::{Db, Engine};
use super::sql;
use crate::error::{AppError, AppResult};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

macro_rules! migration {
    ($version:expr, $name:literal, common $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../migrations/common/", $file)),
            postgres: include_str!(concat!("../../migrations/common/", $file)),
        }
    };
    ($version:expr, $name:literal, pair $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../../migrations/postgres/", $file)),
        }
    };
}

const MIGRATIONS: &[Migration] = &[
    migration!(1, "foundation", pair "0001_foundation.sql"),
    migration!(2, "customers", common "0002_customers.sql"),
    migration!(4, "invites", common "0004_invites.sql"),
    migration!(5, "coupons", pair "0005_coupons.sql"),
    migration!(6, "orders", common "0006_orders.sql"),
    migration!(7, "coupon_limits", common "0007_coupon_limits.sql"),
    migration!(8, "orders2", common "0008_orders2.sql"),
    migration!(9, "refunds", common "0009_refunds.sql"),
    migration!(10, "operator_keys", common "0010_operator_keys.sql"),
    migration!(11, "topups", common "0011_topups.sql"),
    migration!(12, "derived_external", common "0012_derived_external.sql"),
    migration!(13, "partner_counts", pair "0013_partner_counts.sql"),
    migration!(14, "changes", common "0014_changes.sql"),
    migration!(15, "promotions", common "0015_promotions.sql"),
    migration!(16, "order_adjustments", common "0016_order_adjustments.sql"),
    migration!(17, "staff", common "0017_staff.sql"),
    migration!(18, "key_flash", common "0018_key_flash.sql"),
    migration!(19, "replay_cache", common "0019_replay_cache.sql"),
    migration!(20, "idempotency_form", common "0020_idempotency_form.sql"),
    migration!(21, "order_counts", pair "0021_order_counts.sql"),
    migration!(22, "consumption", common "0022_consumption.sql"),
    migration!(23, "monthly_bills", common "0023_monthly_bills.sql"),
    migration!(24, "usage", common "0024_usage.sql"),
    migration!(25, "invoices", common "0025_invoices.sql"),
    migration!(26, "renew_configs", common "0026_renew_configs.sql"),
    migration!(27, "to_on_demand", common "0027_to_on_demand.sql"),
    migration!(28, "home_indexes", common "0028_home_indexes.sql"),
    migration!(29, "home_tree_indexes", common "0029_home_tree_indexes.sql"),
    migration!(30, "verification_address", common "0030_verification_address.sql"),
];

/// Applies every migration not yet applied, each in its own transaction. Safe to run from several
/// processes at once: on PostgreSQL each migration's transaction first takes an advisory lock, on
/// SQLite the write lock serialises them. Returns the versions it applied.
pub async fn run(db: &Db) -> AppResult<Vec<i64>> {
    let engine = db.engine();
    let mut applied = Vec::new();
    for m in MIGRATIONS {
        let (version, name) = (m.version, m.name);
        let script = match engine {
            Engine::Sqlite => m.sqlite,
            Engine::Postgres => m.postgres,
        };
        let done = db
            .write(move |c| {
                Box::pin(async move {
                    if engine == Engine::Postgres {
                        sql::query("SELECT pg_advisory_xact_lock(740155)")
                            .execute(&mut *c)
                            .await?;
                    }
                    c.execute_batch(
                        "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
                    )
                    .await?;
                    let done: Option<i64> = sql::query_scalar(
                        "SELECT version FROM schema_migrations WHERE version = $1",
                    )
                    .bind(version)
                    .fetch_optional(&mut *c)
                    .await?;
                    if done.is_some() {
                        return Ok(false);
                    }
                    c.execute_batch(script).await.map_err(|e| {
                        AppError::internal(format!("migration {version} {name} failed: {e}"))
                    })?;
                    let now = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
                    sql::query(
                        "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
                    )
                    .bind(version)
                    .bind(name)
                    .bind(now)
                    .execute(&mut *c)
                    .await?;
                    Ok(true)
                })
            })
            .await?;
        if done {
            applied.push(version);
        }
    }
    Ok(applied)
}
