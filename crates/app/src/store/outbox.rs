//! The notification outbox (docs/ARCHITECTURE.md, Notifications and jobs): messages are written in the business transaction. The
//! default transport is this table itself, which `partner-center outbox` and the operator
//! console show, so a demo or a test can read a verification code.

use crate::store::filters::{bind_args, Arg, Conditions};
use crate::store::sql::{self, Conn};

use crate::context::Ctx;
use crate::error::AppResult;

pub async fn enqueue(
    c: &mut Conn,
    ctx: &Ctx,
    root_id: Option<&str>,
    channel: &str,
    recipient: &str,
    subject: &str,
    body: &str,
) -> AppResult<()> {
    sql::query(
        "INSERT INTO outbox (created_at, root_id, channel, recipient, subject, body) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(ctx.now_ms)
    .bind(root_id.map(str::to_string))
    .bind(channel)
    .bind(recipient)
    .bind(subject)
    .bind(body)
    .defer(c)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Message {
    pub seq: i64,
    pub created_at: i64,
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub status: String,
}

/// The newest messages, optionally to one recipient.
pub async fn list(
    pool: &super::ReadPool,
    recipient: Option<&str>,
    limit: i64,
) -> AppResult<Vec<Message>> {
    let mut w = Conditions::new(2);
    if let Some(to) = recipient {
        w.add("recipient = ?", Arg::Text(to.to_string()));
    }
    let rows = bind_args(
        sql::query(&format!(
            "SELECT seq, created_at, channel, recipient, subject, body, status FROM outbox {} \
             ORDER BY seq DESC LIMIT $1",
            w.where_clause()
        ))
        .bind(limit),
        &w.args,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Message {
            seq: r.get(0),
            created_at: r.get(1),
            channel: r.get(2),
            recipient: r.get(3),
            subject: r.get(4),
            body: r.get(5),
            status: r.get(6),
        })
        .collect())
}
