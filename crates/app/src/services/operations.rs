//! What operators read of the deployment's own records: the audit log and the notification
//! outbox, newest first (the console's operator pages, `partner-center outbox`).

use crate::context::Ctx;
use crate::error::AppResult;
use crate::store::audit::{self, AuditRow};
use crate::store::outbox::{self, Message};
use crate::store::Db;

/// The newest `limit` audit rows of every tenant; operators and the command line only.
pub async fn audit_log(db: &Db, ctx: &Ctx, limit: i64) -> AppResult<Vec<AuditRow>> {
    ctx.actor.require_operator()?;
    audit::recent(db.read(), None, limit).await
}

/// The newest `limit` notifications, to `recipient` when named; operators and the command line
/// only.
pub async fn outbox(
    db: &Db,
    ctx: &Ctx,
    recipient: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Message>> {
    ctx.actor.require_operator()?;
    outbox::list(db.read(), recipient, limit).await
}
