//! The database handle: one code path over SQLite and PostgreSQL (decision 0007).
//!
//! **Writes** go through [`Db::write`] (and [`Db::run`], which adds the idempotency key): a
//! closure that receives a connection inside a transaction.
//! - SQLite: one writer thread owns the only writing connection (`rusqlite`). It drains queued
//!   write jobs into a batch, runs each job inside its own `SAVEPOINT` (a failing job rolls back
//!   alone) and commits the batch once: **group commit**, one fsync per batch, with
//!   `synchronous=FULL` so a commit that returned is durable. A job's body runs whole on that
//!   thread: every statement it awaits is ready at once (it runs there and then), so a use case
//!   costs one hand-over to the writer and back, whatever its number of statements. A body that
//!   awaited anything else would never be woken there; it is refused (rolled back, internal
//!   error), which the test suites would show at once.
//! - PostgreSQL: each job is its own transaction on a pooled connection (`tokio-postgres`,
//!   statements prepared once per connection; `BEGIN` travels with the first statement and the
//!   deferred audit row and saved output with `COMMIT`: see `store/pg.rs`). Correctness under several server processes comes
//!   from the database (guarded `UPDATE`s take row locks; unique constraints), never from
//!   in-process locks.
//!
//! **Reads** take a connection from [`ReadPool`]. On SQLite a reader connection (WAL,
//! `query_only`) runs its statements on the calling task's thread: a read of an indexed page costs
//! microseconds, less than a hand-over to another thread would. Readers never block the writer.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, Semaphore, SemaphorePermit};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::idempotency::{self, Form};
use super::pg::PgPool;
use super::sql::{self, Conn, ConnInner};
use crate::context::Ctx;
use crate::error::{AppError, AppResult, Code};

/// A saved output read back.
fn decode<T: DeserializeOwned>(body: &str) -> AppResult<T> {
    serde_json::from_str(body).map_err(AppError::internal)
}

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

type Finisher = Box<dyn FnOnce(Option<AppError>) + Send>;
type ErasedJob = Box<dyn FnOnce(&mut Conn) -> (bool, Finisher) + Send>;

/// Most write jobs one SQLite commit carries.
const MAX_BATCH: usize = 512;

/// Most SQLite reader connections open at once.
const SQLITE_READERS: usize = 8;

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    url: String,
    read: ReadPool,
    writer: Writer,
}

enum Writer {
    Sqlite(mpsc::Sender<ErasedJob>),
    Postgres(Arc<PgPool>),
}

/// The pragmas every SQLite connection gets. `synchronous=FULL` in WAL mode: a commit is durable
/// once it returns (money must not be lost on power failure); group commit pays for it.
const SQLITE_PRAGMAS: &str = "PRAGMA foreign_keys = ON;
PRAGMA busy_timeout = 5000;
PRAGMA synchronous = FULL;
PRAGMA case_sensitive_like = ON;
PRAGMA temp_store = FILE;";
// `case_sensitive_like`: LIKE must be case-sensitive, as on PostgreSQL (the vendor's label filter
// is). `temp_store = FILE`: a large sort (the month close's GROUP BY over a month of records)
// spills to a temporary file past the page cache instead of growing the process: with `MEMORY`
// the close of a 10,000,000-record year peaked at 623 MB against 82 MB for 1,000,000. A job's
// savepoint journal stays in memory below SQLite's 64 KiB spill threshold either way.

/// The file of an `sqlite://PATH[?…]` (or `sqlite:PATH`) URL.
pub(crate) fn sqlite_path(url: &str) -> &str {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:");
    path.split('?').next().unwrap_or("")
}

fn open_sqlite(path: &str, writer: bool) -> AppResult<rusqlite::Connection> {
    use rusqlite::OpenFlags as F;
    let flags = if writer {
        F::SQLITE_OPEN_READ_WRITE | F::SQLITE_OPEN_CREATE
    } else {
        F::SQLITE_OPEN_READ_WRITE
    } | F::SQLITE_OPEN_NO_MUTEX
        | F::SQLITE_OPEN_URI;
    let c = rusqlite::Connection::open_with_flags(path, flags)
        .map_err(|e| AppError::internal(format!("cannot open SQLite database {path}: {e}")))?;
    let setup = |c: &rusqlite::Connection| -> rusqlite::Result<()> {
        if writer {
            c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))?;
        }
        c.execute_batch(SQLITE_PRAGMAS)?;
        if !writer {
            c.execute_batch("PRAGMA query_only = ON")?;
        }
        c.set_prepared_statement_cache_capacity(256);
        Ok(())
    };
    setup(&c).map_err(|e| AppError::internal(format!("cannot set up SQLite {path}: {e}")))?;
    Ok(c)
}

/// How a database handle is opened.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// PostgreSQL: the most connections this process holds (writes and reads share them). Each
    /// instance holds up to this many, so PostgreSQL's `max_connections` must exceed the sum over
    /// instances plus the tools. SQLite ignores it (one writer, at most 8 readers).
    pub pg_max_connections: u32,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            pg_max_connections: 16,
        }
    }
}

impl Db {
    /// Opens (creating an SQLite file and its folder if needed) and returns the handle, with the
    /// default [`ConnectOptions`]. Does not migrate: call [`crate::store::migrate::run`].
    pub async fn connect(url: &str) -> AppResult<Db> {
        Self::connect_with(url, &ConnectOptions::default()).await
    }

    /// [`Db::connect`] with options.
    pub async fn connect_with(url: &str, options: &ConnectOptions) -> AppResult<Db> {
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let pool = PgPool::connect(url, options.pg_max_connections)
                .await
                .map_err(|e| {
                    AppError::internal(format!(
                        "cannot connect to PostgreSQL at {}: {e}",
                        redact(url)
                    ))
                })?;
            Ok(Db {
                inner: Arc::new(Inner {
                    engine: Engine::Postgres,
                    url: url.into(),
                    read: ReadPool {
                        inner: Arc::new(ReadInner::Postgres(pool.clone())),
                    },
                    writer: Writer::Postgres(pool),
                }),
            })
        } else {
            Err(AppError::invalid_tr(
                format!(
                    "unsupported database URL (use sqlite:// or postgres://): {}",
                    redact(url)
                ),
                format!(
                    "不支持的数据库地址（请使用 sqlite:// 或 postgres://）：{}",
                    redact(url)
                ),
            ))
        }
    }

    fn connect_sqlite(url: &str) -> AppResult<Db> {
        let path = sqlite_path(url);
        if path.is_empty() || path == ":memory:" {
            return Err(AppError::invalid_tr(
                "an SQLite database needs a file path (WAL and a separate writer need a file)",
                "SQLite 数据库需要文件路径（WAL 与独立写线程需要文件）。",
            ));
        }
        if let Some(dir) = Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| AppError::internal(format!("cannot create {dir:?}: {e}")))?;
            }
        }
        let wconn = open_sqlite(path, true)?;
        wconn
            .execute_batch("PRAGMA wal_autocheckpoint = 0")
            .map_err(|e| AppError::internal(format!("cannot set up SQLite {path}: {e}")))?;
        let cconn = open_sqlite(path, true)?;
        let (nudge, nudged) = std::sync::mpsc::sync_channel::<()>(1);
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || sqlite_checkpointer(cconn, nudged))
            .map_err(AppError::internal)?;
        let (tx, rx) = mpsc::channel::<ErasedJob>(4096);
        std::thread::Builder::new()
            .name("sqlite-writer".into())
            .spawn(move || sqlite_writer(Conn::sqlite(wconn), rx, nudge))
            .map_err(AppError::internal)?;
        Ok(Db {
            inner: Arc::new(Inner {
                engine: Engine::Sqlite,
                url: url.into(),
                read: ReadPool {
                    inner: Arc::new(ReadInner::Sqlite {
                        path: path.to_string(),
                        idle: Mutex::new(Vec::new()),
                        slots: Semaphore::new(SQLITE_READERS),
                    }),
                },
                writer: Writer::Sqlite(tx),
            }),
        })
    }

    pub fn engine(&self) -> Engine {
        self.inner.engine
    }

    pub fn url(&self) -> &str {
        &self.inner.url
    }

    /// The pool for reads. On SQLite its connections are read-only.
    pub fn read(&self) -> &ReadPool {
        &self.inner.read
    }

    /// Runs `f` inside a write transaction and commits. `f`'s error rolls back everything it did.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn) -> BoxFut<'c, AppResult<T>> + Send + 'static,
    {
        match &self.inner.writer {
            Writer::Sqlite(queue) => {
                let (tx, rx) = oneshot::channel::<AppResult<T>>();
                let job: ErasedJob = Box::new(move |c| {
                    let r = match ready_now(f(c)) {
                        Some(r) => r,
                        None => Err(AppError::internal(
                            "a write use case awaited something other than the database",
                        )),
                    };
                    let ok = r.is_ok();
                    let finish: Finisher = Box::new(move |commit_err| {
                        let _ = tx.send(match commit_err {
                            Some(e) => Err(e),
                            None => r,
                        });
                    });
                    (ok, finish)
                });
                queue
                    .send(job)
                    .await
                    .map_err(|_| AppError::internal("the SQLite writer has stopped"))?;
                rx.await.map_err(|_| AppError::new(Code::Unavailable))?
            }
            Writer::Postgres(pool) => {
                let mut lease = pool.acquire().await?;
                lease.begin();
                let mut conn = Conn {
                    inner: ConnInner::Pg(lease),
                };
                let r = f(&mut conn).await;
                let ConnInner::Pg(mut lease) = std::mem::replace(&mut conn.inner, ConnInner::Gone)
                else {
                    return Err(AppError::internal("the transaction was lost"));
                };
                match r {
                    Ok(v) => {
                        lease.commit().await?;
                        Ok(v)
                    }
                    Err(e) => {
                        let _ = lease.rollback().await;
                        Err(e)
                    }
                }
            }
        }
    }

    /// Runs a write use case: opens its transaction, and when `ctx` carries the request's
    /// idempotency key, looks the key up and saves the output inside that same transaction, so
    /// the key, the business rows and the saved output commit together or not at all. A retry
    /// gets the first output again (deserialized, so the adapter renders it as the first time);
    /// the same key with another request is `PC.0409`.
    ///
    /// On PostgreSQL two instances may run the same key at once: the loser's transaction rolls
    /// back (on the key's unique index, or on a rule the winner's writes now break) and it
    /// answers with the winner's committed output.
    pub async fn run<T, F>(&self, ctx: Ctx, f: F) -> AppResult<T>
    where
        T: Serialize + DeserializeOwned + Send + 'static,
        F: for<'c> FnOnce(&'c mut Conn, Ctx) -> BoxFut<'c, AppResult<T>> + Send + 'static,
    {
        let Some(key) = ctx.idempotency.clone() else {
            return self.write(move |c| f(c, ctx)).await;
        };
        let k = key.clone();
        // SQLite looks the key up first: a statement costs microseconds there, and a retry queued
        // in the same batch as its original sees the original's uncommitted row only this way.
        // PostgreSQL skips the lookup (a round trip on every keyed write): a retry runs the body,
        // its insert of the key meets the unique index, the transaction rolls back and the error
        // path below answers with the saved output, or the key's conflict.
        let look_first = self.engine() == Engine::Sqlite;
        let result = self
            .write(move |c| {
                Box::pin(async move {
                    if look_first {
                        let found =
                            idempotency::find(c, Form::Output, &k.scope, &k.key, &k.request_hash)
                                .await?;
                        if let Some(saved) = found {
                            return decode(&saved.body);
                        }
                    }
                    let now = ctx.now_ms;
                    let out = f(c, ctx).await?;
                    let saved = idempotency::Saved {
                        status: 200,
                        body: serde_json::to_string(&out).map_err(AppError::internal)?,
                    };
                    idempotency::save_with_commit(
                        c,
                        Form::Output,
                        &k.scope,
                        &k.key,
                        &k.request_hash,
                        &saved,
                        now,
                    )
                    .await?;
                    Ok(out)
                })
            })
            .await;
        match result {
            Ok(out) => Ok(out),
            // Another request with the same key may have committed while this one ran: on
            // PostgreSQL this one then fails on the key's unique index, or earlier, refused for
            // want of the balance the first one just took after waiting for its row lock. Either
            // way the answer is the first request's saved output; only when nothing is saved
            // does this request's own error stand.
            Err(e) => {
                let committed = idempotency::find_committed(
                    self.read(),
                    Form::Output,
                    &key.scope,
                    &key.key,
                    &key.request_hash,
                )
                .await?;
                match committed {
                    Some(saved) => decode(&saved.body),
                    None => Err(e),
                }
            }
        }
    }

    /// Liveness of the storage, for `/readyz`.
    pub async fn ping(&self) -> AppResult<()> {
        sql::query("SELECT 1").execute(self.read()).await?;
        Ok(())
    }
}

/// The connections reads run on (cheap to clone: a handle).
#[derive(Clone)]
pub struct ReadPool {
    inner: Arc<ReadInner>,
}

enum ReadInner {
    Sqlite {
        path: String,
        idle: Mutex<Vec<sql::SqliteConn>>,
        slots: Semaphore,
    },
    Postgres(Arc<PgPool>),
}

impl ReadPool {
    /// A connection for several statements in a row (each its own snapshot: autocommit).
    pub async fn acquire(&self) -> sql::Result<ReadConn<'_>> {
        match &*self.inner {
            ReadInner::Sqlite { path, idle, slots } => {
                let permit = slots
                    .acquire()
                    .await
                    .map_err(|_| sql::Error::new(sql::ErrorKind::Busy, "the readers are closed"))?;
                let pooled = idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
                let c = match pooled {
                    Some(c) => Conn {
                        inner: ConnInner::Sqlite(c),
                    },
                    None => Conn::sqlite(
                        open_sqlite(path, false)
                            .map_err(|e| sql::Error::new(sql::ErrorKind::Other, e.to_string()))?,
                    ),
                };
                Ok(ReadConn {
                    conn: c,
                    back: Some(idle),
                    _permit: Some(permit),
                })
            }
            ReadInner::Postgres(pool) => Ok(ReadConn {
                conn: Conn {
                    inner: ConnInner::Pg(pool.acquire().await?),
                },
                back: None,
                _permit: None,
            }),
        }
    }
}

/// A reader's connection, given back to its pool when dropped.
pub struct ReadConn<'a> {
    conn: Conn,
    back: Option<&'a Mutex<Vec<sql::SqliteConn>>>,
    _permit: Option<SemaphorePermit<'a>>,
}

impl Deref for ReadConn<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        &self.conn
    }
}

impl DerefMut for ReadConn<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        &mut self.conn
    }
}

impl Drop for ReadConn<'_> {
    fn drop(&mut self) {
        if let (Some(back), ConnInner::Sqlite(c)) = (
            self.back,
            std::mem::replace(&mut self.conn.inner, ConnInner::Gone),
        ) {
            back.lock().unwrap_or_else(|p| p.into_inner()).push(c);
        }
    }
}

/// Polls `f` once: its output if it is ready, `None` if it waits for something. On an SQLite
/// connection every statement is ready at once, so a use case over the store finishes here.
pub(crate) fn ready_now<F: Future>(f: F) -> Option<F::Output> {
    let mut f = std::pin::pin!(f);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match f.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(v) => Some(v),
        std::task::Poll::Pending => None,
    }
}

/// How often the checkpointer copies committed WAL pages into the database file, at most.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);

/// The SQLite checkpointer thread. The writer does not checkpoint (`wal_autocheckpoint = 0`):
/// SQLite's automatic checkpoint runs inside the commit that crosses 1,000 WAL pages, so that
/// commit (and every write queued behind it) waits for the pages to be copied and the database
/// file to be fsynced. Here a `PASSIVE` checkpoint runs at most every [`CHECKPOINT_EVERY`] after
/// a commit, beside the writer: it never blocks the writer or the readers, and a page written
/// many times between two checkpoints is copied once. Durability does not depend on it (a
/// commit is durable in the WAL); it only keeps the WAL short. When the writer stops (the last
/// `Db` handle dropped) a last checkpoint runs and the thread ends.
fn sqlite_checkpointer(conn: rusqlite::Connection, nudged: std::sync::mpsc::Receiver<()>) {
    let checkpoint = || {
        if let Err(e) = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(())) {
            tracing::warn!(error = %e, "SQLite checkpoint failed; the next one retries");
        }
    };
    while nudged.recv().is_ok() {
        std::thread::sleep(CHECKPOINT_EVERY);
        // Commits during the pause nudged again; they are in this checkpoint.
        let _ = nudged.try_recv();
        checkpoint();
    }
    checkpoint();
}

/// The SQLite writer thread: group commit with a savepoint per job.
fn sqlite_writer(
    mut conn: Conn,
    mut rx: mpsc::Receiver<ErasedJob>,
    nudge: std::sync::mpsc::SyncSender<()>,
) {
    // The transaction-control statements run several times per batch: prepared once, from the
    // connection's statement cache, instead of parsed on every use.
    let exec = |conn: &mut Conn, sql: &str| -> sql::Result<()> {
        match &conn.inner {
            ConnInner::Sqlite(c) => {
                for s in sql.split(';').map(str::trim).filter(|s| !s.is_empty()) {
                    c.conn.prepare_cached(s)?.execute([])?;
                }
                Ok(())
            }
            _ => Err(sql::Error::new(sql::ErrorKind::Other, "not SQLite")),
        }
    };
    // The WAL file, to bound it (see `WAL_RESTART_BYTES`).
    let wal_path: Option<std::path::PathBuf> = match &conn.inner {
        ConnInner::Sqlite(c) => c
            .conn
            .path()
            .filter(|p| !p.is_empty())
            .map(|p| std::path::PathBuf::from(format!("{p}-wal"))),
        _ => None,
    };
    while let Some(first) = rx.blocking_recv() {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = exec(&mut conn, "BEGIN IMMEDIATE") {
            tracing::error!(error = %e, "SQLite writer cannot begin a transaction");
            // Dropping the jobs drops their reply channels: callers get `Unavailable`.
            drop(batch);
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let mut finishers: Vec<Finisher> = Vec::with_capacity(batch.len());
        let mut broken: Option<String> = None;
        for job in batch {
            if broken.is_some() {
                drop(job);
                continue;
            }
            if let Err(e) = exec(&mut conn, "SAVEPOINT job") {
                broken = Some(e.to_string());
                drop(job);
                continue;
            }
            // A panicking job (a bug) must not take the only writer down with it: it is rolled back
            // like a failed job and its caller gets an internal error (its reply channel is dropped).
            let (ok, finish) =
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut conn))) {
                    Ok(r) => r,
                    Err(_) => {
                        tracing::error!("a write job panicked; rolled back");
                        (false, Box::new(|_| {}) as Finisher)
                    }
                };
            let end = if ok {
                exec(&mut conn, "RELEASE job")
            } else {
                exec(&mut conn, "ROLLBACK TO job; RELEASE job")
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            finishers.push(finish);
        }
        let commit_err = match broken {
            Some(e) => {
                let _ = exec(&mut conn, "ROLLBACK");
                Some(AppError::internal(format!("SQLite batch failed: {e}")))
            }
            None => match exec(&mut conn, "COMMIT") {
                Ok(()) => None,
                Err(e) => {
                    let _ = exec(&mut conn, "ROLLBACK");
                    Some(AppError::from(e))
                }
            },
        };
        if commit_err.is_none() {
            // Full means a checkpoint is already due.
            let _ = nudge.try_send(());
        }
        for f in finishers {
            f(commit_err.clone());
        }
        // The checkpointer's PASSIVE checkpoints copy the WAL into the database but cannot wrap
        // it while writes follow each other without a pause: each new transaction starts with
        // the previous one's frames not yet copied, so the WAL only grows (26 GB during a
        // 1,000,000-line usage import). Past the limit, the writer itself checkpoints with
        // TRUNCATE between two batches: most frames are already copied, so it is short, and the
        // WAL starts again from empty.
        if let Some(path) = &wal_path {
            let big = std::fs::metadata(path).is_ok_and(|m| m.len() > WAL_RESTART_BYTES);
            if big {
                if let ConnInner::Sqlite(c) = &conn.inner {
                    if let Err(e) = c
                        .conn
                        .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
                    {
                        tracing::warn!(error = %e, "SQLite WAL truncation failed; retried after the next batch");
                    }
                }
            }
        }
    }
}

/// The WAL size past which the writer truncates it between batches (see `sqlite_writer`).
const WAL_RESTART_BYTES: u64 = 64 * 1024 * 1024;

/// A database URL without its password, for messages and logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}://{user}:***@{}", &url[..s], &url[at + 1..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn redacts_passwords() {
        assert_eq!(
            super::redact("postgres://u:secret@h/db"),
            "postgres://u:***@h/db"
        );
        assert_eq!(
            super::redact("sqlite://./data/x.db"),
            "sqlite://./data/x.db"
        );
    }
}
