//! Persistence: the database handle, migrations, and the cross-cutting tables every capability
//! writes in its own transaction (ledger, idempotency, audit, outbox).

pub mod audit;
pub mod backup;
pub mod bulk;
pub mod db;
pub mod filters;
pub mod idempotency;
pub mod ledger;
pub mod locks;
pub mod migrate;
pub mod months;
pub mod outbox;
pub mod pg;
pub mod replay;
pub mod sql;
pub mod sqlite;
pub mod testing;

pub use db::{BoxFut, ConnectOptions, Db, Engine, ReadConn, ReadPool};
pub use sql::Conn;
