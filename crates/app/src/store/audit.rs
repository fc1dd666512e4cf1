//! The audit log: every write records actor, role, action, target, request id, time and the
//! ledger transfers it made (docs/ARCHITECTURE.md, invariant 5). Rows are append-only (database triggers enforce it).

use crate::store::sql::{self, Conn};

use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};

pub struct Entry<'a> {
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: &'a str,
    pub transfer_ids: &'a [String],
    pub detail: serde_json::Value,
}

pub async fn record(c: &mut Conn, ctx: &Ctx, e: Entry<'_>) -> AppResult<()> {
    sql::query(
        "INSERT INTO audit_log (at, actor_kind, actor_id, role, root_id, action, target_kind, target_id, request_id, transfer_ids, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(ctx.now_ms)
    .bind(ctx.actor.kind())
    .bind(ctx.actor.id())
    .bind(ctx.actor.role())
    .bind(ctx.actor.root_id().map(str::to_string))
    .bind(e.action)
    .bind(e.target_kind)
    .bind(e.target_id)
    .bind(&ctx.request_id)
    .bind(e.transfer_ids.join(","))
    .bind(e.detail.to_string())
    .defer(c)
    .await?;
    Ok(())
}

/// A guarded change and its audit row, the shape of every state change: `change` is an `UPDATE`
/// whose `WHERE` carries the rule (the status it leaves, the owner, "not yet"), so the check and
/// the change are one statement on both engines. When it changed a row, `entry` is recorded in
/// the same transaction and the answer is `true`; when it changed none, nothing is recorded and
/// the caller says what the refusal means (not found, already decided, spent).
pub async fn change(
    c: &mut Conn,
    ctx: &Ctx,
    change: sql::Query<'_>,
    entry: Entry<'_>,
) -> AppResult<bool> {
    if change.execute(&mut *c).await?.rows_affected() == 0 {
        return Ok(false);
    }
    record(c, ctx, entry).await?;
    Ok(true)
}

/// A one-way change to a row a partner owns: a timestamp column set once (revoked, disabled).
pub struct Stamp<'a> {
    pub table: &'static str,
    pub key_column: &'static str,
    pub stamp_column: &'static str,
    pub key: &'a str,
    pub partner_id: &'a str,
    pub action: &'a str,
    pub target_kind: &'a str,
}

/// Sets the stamp to now on the one row with that key that the partner owns and that is not yet
/// stamped, and audits it. `PC.0404` when there is none: another partner's row is "not found" too.
pub async fn stamp_owned(c: &mut Conn, ctx: &Ctx, s: Stamp<'_>) -> AppResult<()> {
    let sql = format!(
        "UPDATE {table} SET {stamp} = $1 WHERE {key} = $2 AND partner_id = $3 AND {stamp} IS NULL",
        table = s.table,
        stamp = s.stamp_column,
        key = s.key_column
    );
    let changed = change(
        c,
        ctx,
        sql::query(&sql)
            .bind(ctx.now_ms)
            .bind(s.key)
            .bind(s.partner_id),
        Entry {
            action: s.action,
            target_kind: s.target_kind,
            target_id: s.key,
            transfer_ids: &[],
            detail: serde_json::json!({"partner_id": s.partner_id}),
        },
    )
    .await?;
    if changed {
        Ok(())
    } else {
        Err(AppError::new(Code::NotFound))
    }
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AuditRow {
    pub seq: i64,
    pub at: i64,
    pub actor_kind: String,
    pub actor_id: String,
    pub role: String,
    pub action: String,
    pub target_kind: String,
    pub target_id: String,
    pub request_id: String,
    pub transfer_ids: String,
}

/// The newest audit rows, optionally confined to one tenant.
pub async fn recent(
    pool: &super::ReadPool,
    root_id: Option<&str>,
    limit: i64,
) -> AppResult<Vec<AuditRow>> {
    use crate::store::filters::{bind_args, Arg, Conditions};
    let mut w = Conditions::new(2);
    if let Some(root) = root_id {
        w.add("root_id = ?", Arg::Text(root.to_string()));
    }
    let rows = bind_args(
        sql::query(&format!(
            "SELECT seq, at, actor_kind, actor_id, role, action, target_kind, target_id, request_id, transfer_ids \
             FROM audit_log {} ORDER BY seq DESC LIMIT $1",
            w.where_clause()
        ))
        .bind(limit),
        &w.args,
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AuditRow {
            seq: r.get(0),
            at: r.get(1),
            actor_kind: r.get(2),
            actor_id: r.get(3),
            role: r.get(4),
            action: r.get(5),
            target_kind: r.get(6),
            target_id: r.get(7),
            request_id: r.get(8),
            transfer_ids: r.get(9),
        })
        .collect())
}
