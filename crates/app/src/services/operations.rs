//! What operators read of the deployment's own records: the notification outbox, newest first
//! (the console's operator page, `partner-center outbox`). The audit log's search is
//! [`super::audit`].

use crate::context::Ctx;
use crate::error::AppResult;
use crate::store::outbox::{self, Message};
use crate::store::Db;

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
