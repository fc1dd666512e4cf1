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
    pub root_id: Option<String>,
    pub detail: String,
}

const COLUMNS: &str = "SELECT seq, at, actor_kind, actor_id, role, action, target_kind, target_id, request_id, transfer_ids, root_id, detail";

fn row(r: &sql::Row) -> AuditRow {
    AuditRow {
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
        root_id: r.get(10),
        detail: r.get(11),
    }
}

/// The newest audit rows, optionally confined to one tenant.
pub async fn recent(
    pool: &super::ReadPool,
    root_id: Option<&str>,
    limit: i64,
) -> AppResult<Vec<AuditRow>> {
    let filter = Filter {
        root_id: root_id.map(str::to_string),
        ..Filter::default()
    };
    Ok(search(pool, &filter, 0, limit).await?.1)
}

/// What an audit search narrows to; `None` is no condition.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Part of the actor's id (a partner's id matches its users' `partner/user` ids too).
    pub actor: Option<String>,
    /// The tenant: the root partner the actor acted in.
    pub root_id: Option<String>,
    pub target_kind: Option<String>,
    /// Part of the target's id.
    pub target_id: Option<String>,
    pub action: Option<String>,
    /// `[from_ms, to_ms)`.
    pub from_ms: Option<i64>,
    pub to_ms: Option<i64>,
    /// Rows that name this ledger transfer.
    pub transfer_id: Option<String>,
}

/// The rows matching `f`, newest first, one page of them and their total (one statement).
pub async fn search(
    pool: &super::ReadPool,
    f: &Filter,
    offset: i64,
    limit: i64,
) -> AppResult<(i64, Vec<AuditRow>)> {
    use crate::store::filters::{count_and_page, like_pattern, Arg, Conditions};
    let mut w = Conditions::new(1);
    let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty());
    if let Some(v) = text(&f.actor) {
        w.add("actor_id LIKE ? ESCAPE '\\'", Arg::Text(like_pattern(&v)));
    }
    if let Some(v) = text(&f.root_id) {
        w.add("root_id = ?", Arg::Text(v));
    }
    if let Some(v) = text(&f.target_kind) {
        w.add("target_kind = ?", Arg::Text(v));
    }
    if let Some(v) = text(&f.target_id) {
        w.add("target_id LIKE ? ESCAPE '\\'", Arg::Text(like_pattern(&v)));
    }
    if let Some(v) = text(&f.action) {
        w.add("action = ?", Arg::Text(v));
    }
    if let Some(v) = f.from_ms {
        w.add("at >= ?", Arg::Int(v));
    }
    if let Some(v) = f.to_ms {
        w.add("at < ?", Arg::Int(v));
    }
    if let Some(v) = text(&f.transfer_id) {
        // `transfer_ids` is a comma-separated list: match the whole id among them.
        w.add(
            "(',' || transfer_ids || ',') LIKE ? ESCAPE '\\'",
            Arg::Text(like_pattern(&format!(",{v},"))),
        );
    }
    let (total, rows) = count_and_page(
        pool,
        COLUMNS,
        "FROM audit_log",
        &w,
        "seq DESC",
        offset,
        limit,
    )
    .await?;
    Ok((total, rows.iter().map(row).collect()))
}
