//! Idempotency keys (invariant 3 of docs/ARCHITECTURE.md): same key and same request → the first response again; same
//! key, other request → `PC.0409`. The key row is written in the same transaction as the business
//! writes and the saved response, so a retry after a crash either finds both or neither.

use crate::store::sql::{self, Conn};

use crate::error::{AppError, AppResult, Code};

/// A saved response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Saved {
    pub status: u16,
    pub body: String,
}

/// What a saved row holds. Rows written by [`crate::Db::run`] hold the use case's output as JSON
/// (`Output`), which every adapter renders the same way each time; rows from before that hold the
/// HTTP body an adapter rendered (`Http`). Each reader accepts only its own form: a key saved in
/// the other form is refused (`PC.0411`), never executed a second time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    Http,
    Output,
}

impl Form {
    fn as_str(self) -> &'static str {
        match self {
            Form::Http => "http",
            Form::Output => "output",
        }
    }
}

/// Looks the key up inside the write transaction.
pub async fn find(
    c: &mut Conn,
    form: Form,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<Option<Saved>> {
    let row = sql::query("SELECT request_hash, status_code, response_body, form FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
        .bind(scope)
        .bind(key)
        .fetch_optional(c)
        .await?;
    match row {
        None => Ok(None),
        Some(r) => {
            let hash: String = r.get(0);
            if hash != request_hash {
                return Err(AppError::new(Code::IdempotencyConflict));
            }
            let saved_form: String = r.get(3);
            if saved_form != form.as_str() {
                return Err(AppError::new(Code::IdempotencyFormChanged));
            }
            let status: i64 = r.get(1);
            Ok(Some(Saved {
                status: status as u16,
                body: r.get(2),
            }))
        }
    }
}

const SAVE: &str = "INSERT INTO idempotency_keys (scope, idem_key, request_hash, status_code, response_body, created_at, form) VALUES ($1, $2, $3, $4, $5, $6, $7)";

fn save_query<'q>(
    form: Form,
    scope: &'q str,
    key: &'q str,
    request_hash: &'q str,
    saved: &'q Saved,
    now_ms: i64,
) -> sql::Query<'q> {
    sql::query(SAVE)
        .bind(scope)
        .bind(key)
        .bind(request_hash)
        .bind(saved.status as i64)
        .bind(&saved.body)
        .bind(now_ms)
        .bind(form.as_str())
}

/// Saves an output under its key, now. A key another process committed first is
/// `IdempotencyInFlight`: the caller looks it up again.
pub async fn save(
    c: &mut Conn,
    form: Form,
    scope: &str,
    key: &str,
    request_hash: &str,
    saved: &Saved,
    now_ms: i64,
) -> AppResult<()> {
    save_query(form, scope, key, request_hash, saved, now_ms)
        .execute(c)
        .await
        .map_err(|e| match &e {
            e if e.is_unique_violation() => AppError::new(Code::IdempotencyInFlight),
            _ => AppError::from(e),
        })?;
    Ok(())
}

/// [`save`] sent with the transaction's `COMMIT` on PostgreSQL (`Query::defer`): for `Db::run`
/// alone, whose error path answers a key another process committed first (a unique violation at
/// `COMMIT`, here not mapped) with that process's saved output. Saves a round trip per keyed
/// write.
pub(crate) async fn save_with_commit(
    c: &mut Conn,
    form: Form,
    scope: &str,
    key: &str,
    request_hash: &str,
    saved: &Saved,
    now_ms: i64,
) -> AppResult<()> {
    save_query(form, scope, key, request_hash, saved, now_ms)
        .defer(c)
        .await?;
    Ok(())
}

/// Looks a key up outside any transaction, after a concurrent request with the same key won the
/// race to commit (PostgreSQL). `Ok(None)` means it has not committed yet.
pub async fn find_committed(
    pool: &super::ReadPool,
    form: Form,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> AppResult<Option<Saved>> {
    let mut c = pool.acquire().await?;
    find(&mut c, form, scope, key, request_hash).await
}
