//! The PostgreSQL half of the store: a pool of `tokio-postgres` connections, each with its own
//! prepared statements, and transactions that cost as few round trips as the protocol allows
//! (decision 0007, addendum of 2026-12-07 evening).
//!
//! **Why not a generic driver.** A money movement used to cost 8 round trips (`BEGIN`, four
//! statements, the audit row, the saved output, `COMMIT`), and round trips, not SQL, were the
//! cost on PostgreSQL (`bench/README.md`). `tokio-postgres` sends a request the moment its future
//! is first polled and matches answers to requests in order, so several statements polled
//! together travel in one write and come back in one read: a *pipeline*. This module uses it in
//! two places:
//!
//! - **`BEGIN` travels with the transaction's first statement.** A transaction is opened lazily:
//!   nothing is sent until the first statement, which then goes out right behind `BEGIN`. A write
//!   that turns out to do nothing (refused before any SQL) costs no round trip at all.
//! - **Deferred statements.** A statement whose outcome the use case does not read (the audit
//!   row, the saved idempotent output, an outbox message) is queued with [`PgConn::defer`] and
//!   sent with the next statement, or with `COMMIT`. Its error, if any, is that next call's error,
//!   and the transaction rolls back as it would have. Order is kept: a deferred statement always
//!   runs before the statement that carries it (including `SAVEPOINT` / `ROLLBACK TO`).
//!
//! **Statements** are prepared once per connection with the parameter types of the values bound
//! (as sqlx did: `Int` is `int8`, `Text` is `text`, a NULL says what it stands for), and kept by
//! their text. They are **planned once** too: each connection sets
//! `plan_cache_mode = force_generic_plan`. PostgreSQL's default re-plans a prepared statement on
//! every execution while it judges a custom plan cheaper, and the customer list's three-table
//! join was planned afresh on every call: two thirds of PostgreSQL's CPU per list call in the
//! benchmark (`bench/README.md`, 2026-12-07 evening). A generic plan is only worse where a
//! parameter's value should change the plan; the store has no such statement: optional filters
//! are built into the `WHERE` only when sent (`store/filters.rs`), never `($n IS NULL OR …)`, and
//! lists are walked by an index in their `ORDER BY` whatever the tenant's size (the O1M
//! scenario).
//!
//! **The pool** is a stack of idle connections under a semaphore: a lease pops one (or connects)
//! and pushes it back when dropped. A connection given back inside a transaction (its request was
//! cancelled half-way) is rolled back by a task first; one whose socket closed is dropped.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_postgres::types::{IsNull, ToSql, Type};
use tokio_postgres::{Client, NoTls, Statement};

use super::sql::{Error, ErrorKind, Kind, Out, Result, Row, Value, Want};

/// Sent in every connection's start-up message (no round trip of its own).
const GENERIC_PLANS: &str = "-c plan_cache_mode=force_generic_plan";

/// How long a caller waits for a free connection before the request fails as busy.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(10);

/// Prepared statements kept per connection; past this the cache starts again (statement texts
/// built from filters vary, but the set a deployment uses is small).
const STATEMENT_CACHE: usize = 512;

impl From<tokio_postgres::Error> for Error {
    fn from(e: tokio_postgres::Error) -> Error {
        let kind = match e.code().map(|c| c.code()) {
            Some("23505") => ErrorKind::Unique,
            Some("40001" | "40P01") => ErrorKind::Busy,
            Some("22021" | "22P05") => ErrorKind::Nul,
            _ => ErrorKind::Other,
        };
        // The server's own message (with its detail) says more than the driver's summary.
        let message = match e.as_db_error() {
            Some(db) => match db.detail() {
                Some(d) => format!("{}: {} ({d})", db.code().code(), db.message()),
                None => format!("{}: {}", db.code().code(), db.message()),
            },
            None => e.to_string(),
        };
        Error::new(kind, message)
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null(_) => Ok(IsNull::Yes),
            Value::Int(x) => x.to_sql(ty, out),
            Value::Real(x) => x.to_sql(ty, out),
            Value::Text(x) => x.to_sql(ty, out),
            Value::Blob(x) => x.to_sql(ty, out),
            Value::Bool(x) => x.to_sql(ty, out),
        }
    }

    // Every statement is prepared with the types of its values (`param_type`), so a value always
    // meets the type it was prepared for.
    fn accepts(_: &Type) -> bool {
        true
    }

    tokio_postgres::types::to_sql_checked!();
}

/// The PostgreSQL type a value is bound as.
fn param_type(v: &Value) -> Type {
    let kind = match v {
        Value::Null(k) => *k,
        Value::Int(_) => Kind::Int,
        Value::Real(_) => Kind::Real,
        Value::Text(_) => Kind::Text,
        Value::Blob(_) => Kind::Blob,
        Value::Bool(_) => Kind::Bool,
    };
    match kind {
        Kind::Int => Type::INT8,
        Kind::Real => Type::FLOAT8,
        Kind::Text => Type::TEXT,
        Kind::Blob => Type::BYTEA,
        Kind::Bool => Type::BOOL,
    }
}

/// A prepared statement, the types it was prepared for and its result's column names.
#[derive(Clone)]
struct Prepared {
    types: Vec<Type>,
    statement: Statement,
    columns: Arc<[String]>,
}

/// A statement waiting to be sent with the next one.
struct Deferred {
    statement: Statement,
    args: Vec<Value>,
}

/// One PostgreSQL connection.
pub(crate) struct PgConn {
    client: Client,
    statements: HashMap<String, Prepared>,
    /// A transaction was asked for and `BEGIN` has not been sent yet.
    begin_pending: bool,
    /// `BEGIN` was sent and neither `COMMIT` nor `ROLLBACK` yet.
    in_transaction: bool,
    deferred: Vec<Deferred>,
}

impl PgConn {
    async fn prepared(&mut self, sql: &str, args: &[Value]) -> Result<Prepared> {
        let fits = |p: &Prepared| {
            p.types.len() == args.len()
                && p.types.iter().zip(args).all(|(t, a)| *t == param_type(a))
        };
        if let Some(p) = self.statements.get(sql) {
            if fits(p) {
                return Ok(p.clone());
            }
        }
        let types: Vec<Type> = args.iter().map(param_type).collect();
        let statement = self.client.prepare_typed(sql, &types).await?;
        let columns: Arc<[String]> = statement
            .columns()
            .iter()
            .map(|c| c.name().to_string())
            .collect();
        let p = Prepared {
            types,
            statement,
            columns,
        };
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(sql.to_string(), p.clone());
        Ok(p)
    }

    /// Opens a transaction; `BEGIN` is sent with the first statement.
    pub(crate) fn begin(&mut self) {
        self.begin_pending = true;
    }

    /// Queues a statement whose outcome nobody reads; it is sent with the next statement or with
    /// `COMMIT`. Outside a transaction it runs at once.
    pub(crate) async fn defer(&mut self, sql: &str, args: Vec<Value>) -> Result<()> {
        if !(self.begin_pending || self.in_transaction) {
            self.run(sql, args, Want::Done).await?;
            return Ok(());
        }
        let p = self.prepared(sql, &args).await?;
        self.deferred.push(Deferred {
            statement: p.statement,
            args,
        });
        Ok(())
    }

    /// Sends what is pending (`BEGIN`, the deferred statements) and then the statement `last`
    /// builds, all in one write, and waits for every answer.
    async fn send<'a, T, F>(&'a mut self, last: impl FnOnce(&'a Client) -> F) -> Result<T>
    where
        F: std::future::Future<Output = Result<T>> + 'a,
    {
        let begin = std::mem::take(&mut self.begin_pending);
        let deferred = std::mem::take(&mut self.deferred);
        // Set before anything is sent: a request cancelled from here on leaves a transaction
        // open, and its lease then rolls it back before pooling the connection again.
        self.in_transaction |= begin;
        let client = &self.client;
        Head {
            client,
            begin,
            deferred,
        }
        .send_with(last(client))
        .await
    }

    pub(crate) async fn run(&mut self, sql: &str, args: Vec<Value>, want: Want) -> Result<Out> {
        let p = self.prepared(sql, &args).await?;
        self.send(move |client| async move {
            let params: Vec<&(dyn ToSql + Sync)> =
                args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
            match want {
                Want::Done => Ok(Out::Done(client.execute(&p.statement, &params).await?)),
                Want::First | Want::All => {
                    let rows = client.query(&p.statement, &params).await?;
                    let take = if want == Want::First { 1 } else { rows.len() };
                    let mut out = Vec::with_capacity(take.min(rows.len()));
                    for r in rows.iter().take(take) {
                        out.push(decode_row(r, p.columns.clone())?);
                    }
                    Ok(Out::Rows(out))
                }
            }
        })
        .await
    }

    /// Runs several `;`-separated statements without parameters (migrations).
    pub(crate) async fn execute_batch(&mut self, sql: &str) -> Result<()> {
        self.send(move |client| async move { Ok(client.batch_execute(sql).await?) })
            .await
    }

    /// Commits: the deferred statements and `COMMIT` in one write. A transaction that never sent
    /// a statement has nothing to commit and costs nothing.
    pub(crate) async fn commit(&mut self) -> Result<()> {
        if self.begin_pending && self.deferred.is_empty() {
            self.begin_pending = false;
            return Ok(());
        }
        let r = self
            .send(|client| async move { Ok(client.batch_execute("COMMIT").await?) })
            .await;
        // Committed, or (after a failed statement) rolled back by PostgreSQL, which answers such
        // a `COMMIT` with a rollback: the transaction is over either way. A broken socket is
        // seen by the lease, which then drops the connection.
        self.in_transaction = false;
        r
    }

    /// Rolls back, dropping the deferred statements unsent.
    pub(crate) async fn rollback(&mut self) -> Result<()> {
        self.deferred.clear();
        if std::mem::take(&mut self.begin_pending) || !self.in_transaction {
            return Ok(());
        }
        self.client.batch_execute("ROLLBACK").await?;
        self.in_transaction = false;
        Ok(())
    }
}

/// What must go out ahead of a statement: `BEGIN` and the deferred statements.
struct Head<'a> {
    client: &'a Client,
    begin: bool,
    deferred: Vec<Deferred>,
}

impl Head<'_> {
    /// Sends the head and then `last`, all in one write, and waits for every answer. The first
    /// error is the result.
    async fn send_with<T>(self, last: impl std::future::Future<Output = Result<T>>) -> Result<T> {
        if !self.begin && self.deferred.is_empty() {
            return last.await;
        }
        let client = self.client;
        let begin = self.begin;
        let begin_f = async move {
            if begin {
                client.batch_execute("BEGIN").await.map_err(Error::from)
            } else {
                Ok(())
            }
        };
        let deferred_f = futures_util::future::join_all(self.deferred.iter().map(|d| async move {
            let params: Vec<&(dyn ToSql + Sync)> =
                d.args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
            client
                .execute(&d.statement, &params)
                .await
                .map(|_| ())
                .map_err(Error::from)
        }));
        // `join3` polls its futures in argument order, every time (`tokio::join!` rotates which it
        // polls first), and each sends its request on its first poll: so `BEGIN`, the deferred
        // statements and `last` leave in this order. `tests/pipeline.rs` fails if they do not (a
        // statement sent before `BEGIN` would commit on its own).
        let (b, ds, r) = futures_util::future::join3(begin_f, deferred_f, last).await;
        b?;
        for d in ds {
            d?;
        }
        r
    }
}

/// Reads a row into owned values, by column type.
fn decode_row(r: &tokio_postgres::Row, columns: Arc<[String]>) -> Result<Row> {
    let mut values = Vec::with_capacity(columns.len());
    for (i, col) in r.columns().iter().enumerate() {
        let ty = col.type_();
        let v = if *ty == Type::INT8 {
            r.try_get::<_, Option<i64>>(i)?.map(Value::Int)
        } else if *ty == Type::INT4 {
            r.try_get::<_, Option<i32>>(i)?
                .map(|x| Value::Int(x as i64))
        } else if *ty == Type::INT2 {
            r.try_get::<_, Option<i16>>(i)?
                .map(|x| Value::Int(x as i64))
        } else if *ty == Type::FLOAT8 {
            r.try_get::<_, Option<f64>>(i)?.map(Value::Real)
        } else if *ty == Type::FLOAT4 {
            r.try_get::<_, Option<f32>>(i)?
                .map(|x| Value::Real(x as f64))
        } else if *ty == Type::BOOL {
            r.try_get::<_, Option<bool>>(i)?.map(Value::Bool)
        } else if *ty == Type::BYTEA {
            r.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
        } else if [
            Type::TEXT,
            Type::VARCHAR,
            Type::BPCHAR,
            Type::NAME,
            Type::UNKNOWN,
        ]
        .contains(ty)
        {
            r.try_get::<_, Option<String>>(i)?.map(Value::Text)
        } else if *ty == Type::VOID {
            None
        } else {
            return Err(Error::new(
                ErrorKind::Decode,
                format!(
                    "column {} is of type {ty}, which the store does not read (cast it)",
                    col.name()
                ),
            ));
        };
        values.push(v.unwrap_or(Value::Null(null_kind(ty))));
    }
    Ok(Row::new(columns, values))
}

fn null_kind(ty: &Type) -> Kind {
    if [Type::INT8, Type::INT4, Type::INT2].contains(ty) {
        Kind::Int
    } else if [Type::FLOAT8, Type::FLOAT4].contains(ty) {
        Kind::Real
    } else if *ty == Type::BOOL {
        Kind::Bool
    } else if *ty == Type::BYTEA {
        Kind::Blob
    } else {
        Kind::Text
    }
}

/// The connections of one database.
pub(crate) struct PgPool {
    config: tokio_postgres::Config,
    idle: Mutex<Vec<PgConn>>,
    slots: Arc<Semaphore>,
}

impl PgPool {
    /// Parses the URL and opens one connection, so that a wrong URL or a server that is down
    /// fails at start-up rather than at the first request.
    pub(crate) async fn connect(url: &str, max: u32) -> Result<Arc<PgPool>> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| Error::new(ErrorKind::Other, format!("bad PostgreSQL URL: {e}")))?;
        // Generic plans: see the module's header. Options the URL sets come first and stay.
        let options = match config.get_options() {
            Some(o) if !o.trim().is_empty() => format!("{o} {GENERIC_PLANS}"),
            _ => GENERIC_PLANS.to_string(),
        };
        config.options(&options);
        let pool = Arc::new(PgPool {
            config,
            idle: Mutex::new(Vec::new()),
            slots: Arc::new(Semaphore::new(max.max(1) as usize)),
        });
        let first = pool.open().await?;
        pool.idle
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(first);
        Ok(pool)
    }

    async fn open(&self) -> Result<PgConn> {
        let (client, connection) = self.config.connect(NoTls).await?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a PostgreSQL connection ended");
            }
        });
        Ok(PgConn {
            client,
            statements: HashMap::new(),
            begin_pending: false,
            in_transaction: false,
            deferred: Vec::new(),
        })
    }

    fn give_back(&self, c: PgConn) {
        self.idle.lock().unwrap_or_else(|p| p.into_inner()).push(c);
    }

    /// A connection for this caller alone until the lease is dropped.
    pub(crate) async fn acquire(self: &Arc<Self>) -> Result<PgLease> {
        let permit = tokio::time::timeout(ACQUIRE_TIMEOUT, self.slots.clone().acquire_owned())
            .await
            .map_err(|_| Error::new(ErrorKind::Busy, "no PostgreSQL connection was free in time"))?
            .map_err(|_| Error::new(ErrorKind::Busy, "the pool is closed"))?;
        let pooled = loop {
            let c = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            match c {
                Some(c) if c.client.is_closed() => continue,
                other => break other,
            }
        };
        let conn = match pooled {
            Some(c) => c,
            None => self.open().await?,
        };
        Ok(PgLease {
            conn: Some(conn),
            pool: self.clone(),
            permit: Some(permit),
        })
    }
}

/// A pooled connection, given back when dropped.
pub(crate) struct PgLease {
    conn: Option<PgConn>,
    pool: Arc<PgPool>,
    permit: Option<OwnedSemaphorePermit>,
}

impl std::ops::Deref for PgLease {
    type Target = PgConn;
    fn deref(&self) -> &PgConn {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl std::ops::DerefMut for PgLease {
    fn deref_mut(&mut self) -> &mut PgConn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for PgLease {
    fn drop(&mut self) {
        let Some(mut c) = self.conn.take() else {
            return;
        };
        if c.client.is_closed() {
            return;
        }
        c.begin_pending = false;
        c.deferred.clear();
        if !c.in_transaction {
            self.pool.give_back(c);
            return;
        }
        // Its request was cancelled inside a transaction (a client that hung up). A task rolls
        // it back and pools the connection again, still holding the lease's slot so the pool
        // stays within its size; without a runtime (shutting down) the connection is closed,
        // which rolls back too. Closing it every time would make every hang-up cost a new
        // connection.
        let (pool, permit) = (self.pool.clone(), self.permit.take());
        if let Ok(rt) = tokio::runtime::Handle::try_current() {
            rt.spawn(async move {
                if c.client.batch_execute("ROLLBACK").await.is_ok() {
                    c.in_transaction = false;
                    pool.give_back(c);
                }
                drop(permit);
            });
        }
    }
}

/// Opens one connection outside any pool (tests' administrative statements).
pub async fn admin_batch(url: &str, sql: &str) -> Result<()> {
    let config = tokio_postgres::Config::from_str(url)
        .map_err(|e| Error::new(ErrorKind::Other, format!("bad PostgreSQL URL: {e}")))?;
    let (client, connection) = config.connect(NoTls).await?;
    let task = tokio::spawn(connection);
    let r = client.batch_execute(sql).await;
    drop(client);
    let _ = task.await;
    Ok(r?)
}
