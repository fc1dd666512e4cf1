//! Partner Center's application layer: storage (`store`) and use cases (`services`).

pub mod clock;
pub mod context;
pub mod crypto;
pub mod error;
pub mod services;
pub mod store;

pub use context::{Actor, Ctx, IdempotencyKey};
pub use error::{AppError, AppResult, Code};
pub use store::Db;
