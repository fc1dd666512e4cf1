//! The database handle: one code path over SQLite and PostgreSQL.
//!
//! **Choice** (see `docs/decisions/0001-storage.md`): sqlx's `Any` driver with hand-written SQL that
//! both engines accept (`$1` placeholders, `ON CONFLICT`, `RETURNING`, integers for money, time
//! and booleans). Engine differences live here and in the two migration folders only.
//!
//! **Writes** go through [`Db::write`], a closure that receives the connection inside a
//! transaction:
//! - SQLite: one writer task owns the only writing connection. It drains queued write jobs into a
//!   batch, runs each job inside its own `SAVEPOINT` (a failing job rolls back alone) and commits
//!   the batch once: **group commit**, one fsync per batch, with `synchronous=FULL` so a commit that
//!   returned is durable. Readers use a separate read-only pool and never block the writer (WAL).
//! - PostgreSQL: each job is its own transaction on the pool. Correctness under several server
//!   processes comes from the database (guarded `UPDATE`s take row locks; unique constraints),
//!   never from in-process locks.

use std::future::Future;
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor};
use tokio::sync::{mpsc, oneshot};

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::idempotency::{self, Form};
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
type ErasedJob =
    Box<dyn for<'c> FnOnce(&'c mut AnyConnection) -> BoxFut<'c, (bool, Finisher)> + Send>;

/// Most write jobs one SQLite commit carries.
const MAX_BATCH: usize = 512;

#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    url: String,
    read: AnyPool,
    writer: Writer,
}

enum Writer {
    Sqlite(mpsc::Sender<ErasedJob>),
    Postgres,
}

fn install_drivers() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(sqlx::any::install_default_drivers);
}

/// The pragmas every SQLite connection gets. `synchronous=FULL` in WAL mode: a commit is durable
/// once it returns (money must not be lost on power failure); group commit pays for it.
const SQLITE_PRAGMAS: &[&str] = &[
    "PRAGMA foreign_keys = ON",
    "PRAGMA busy_timeout = 5000",
    "PRAGMA synchronous = FULL",
    // LIKE must be case-sensitive, as on PostgreSQL (the vendor's label filter is).
    "PRAGMA case_sensitive_like = ON",
    // Savepoint journals stay in memory instead of spilling to temp files (bench/README.md).
    "PRAGMA temp_store = MEMORY",
];

impl Db {
    /// Opens (creating an SQLite file and its folder if needed) and returns the handle.
    /// Does not migrate: call [`crate::store::migrate::run`].
    pub async fn connect(url: &str) -> AppResult<Db> {
        install_drivers();
        if url.starts_with("sqlite:") {
            Self::connect_sqlite(url).await
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let read = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect(url)
                .await
                .map_err(|e| AppError::internal(format!("cannot connect to PostgreSQL: {e}")))?;
            Ok(Db {
                inner: Arc::new(Inner {
                    engine: Engine::Postgres,
                    url: url.into(),
                    read,
                    writer: Writer::Postgres,
                }),
            })
        } else {
            Err(AppError::invalid(format!(
                "unsupported database URL (use sqlite:// or postgres://): {}",
                redact(url)
            )))
        }
    }

    async fn connect_sqlite(url: &str) -> AppResult<Db> {
        let path = url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or("");
        if path.is_empty() || path == ":memory:" {
            return Err(AppError::invalid(
                "an SQLite database needs a file path (WAL and a separate writer need a file)",
            ));
        }
        if let Some(dir) = Path::new(path).parent() {
            if !dir.as_os_str().is_empty() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| AppError::internal(format!("cannot create {dir:?}: {e}")))?;
            }
        }
        let full = format!("sqlite://{path}?mode=rwc");
        let opts: AnyConnectOptions = full.parse().map_err(AppError::internal)?;
        let mut wconn = opts
            .connect()
            .await
            .map_err(|e| AppError::internal(format!("cannot open SQLite database {path}: {e}")))?;
        wconn.execute("PRAGMA journal_mode = WAL").await?;
        for p in SQLITE_PRAGMAS {
            wconn.execute(*p).await?;
        }
        let read = AnyPoolOptions::new()
            .max_connections(4)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(|c, _| {
                Box::pin(async move {
                    for p in SQLITE_PRAGMAS {
                        c.execute(*p).await?;
                    }
                    c.execute("PRAGMA query_only = ON").await?;
                    Ok(())
                })
            })
            .connect_with(opts)
            .await
            .map_err(AppError::internal)?;
        let (tx, rx) = mpsc::channel::<ErasedJob>(4096);
        tokio::spawn(sqlite_writer(wconn, rx));
        Ok(Db {
            inner: Arc::new(Inner {
                engine: Engine::Sqlite,
                url: url.into(),
                read,
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
    pub fn read(&self) -> &AnyPool {
        &self.inner.read
    }

    /// Runs `f` inside a write transaction and commits. `f`'s error rolls back everything it did.
    pub async fn write<T, F>(&self, f: F) -> AppResult<T>
    where
        T: Send + 'static,
        F: for<'c> FnOnce(&'c mut AnyConnection) -> BoxFut<'c, AppResult<T>> + Send + 'static,
    {
        match &self.inner.writer {
            Writer::Sqlite(queue) => {
                let (tx, rx) = oneshot::channel::<AppResult<T>>();
                let job: ErasedJob = Box::new(move |c| {
                    Box::pin(async move {
                        let r = f(c).await;
                        let ok = r.is_ok();
                        let finish: Finisher = Box::new(move |commit_err| {
                            let _ = tx.send(match commit_err {
                                Some(e) => Err(e),
                                None => r,
                            });
                        });
                        (ok, finish)
                    })
                });
                queue
                    .send(job)
                    .await
                    .map_err(|_| AppError::internal("the SQLite writer has stopped"))?;
                rx.await.map_err(|_| AppError::new(Code::Unavailable))?
            }
            Writer::Postgres => {
                let mut tx = self.inner.read.begin().await?;
                match f(&mut tx).await {
                    Ok(v) => {
                        tx.commit().await?;
                        Ok(v)
                    }
                    Err(e) => {
                        let _ = tx.rollback().await;
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
        F: for<'c> FnOnce(&'c mut AnyConnection, Ctx) -> BoxFut<'c, AppResult<T>> + Send + 'static,
    {
        let Some(key) = ctx.idempotency.clone() else {
            return self.write(move |c| f(c, ctx)).await;
        };
        let k = key.clone();
        let result = self
            .write(move |c| {
                Box::pin(async move {
                    let found =
                        idempotency::find(c, Form::Output, &k.scope, &k.key, &k.request_hash)
                            .await?;
                    if let Some(saved) = found {
                        return decode(&saved.body);
                    }
                    let now = ctx.now_ms;
                    let out = f(c, ctx).await?;
                    let saved = idempotency::Saved {
                        status: 200,
                        body: serde_json::to_string(&out).map_err(AppError::internal)?,
                    };
                    idempotency::save(
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
        sqlx::query("SELECT 1").execute(self.read()).await?;
        Ok(())
    }
}

/// The SQLite writer task: group commit with a savepoint per job.
async fn sqlite_writer(mut conn: AnyConnection, mut rx: mpsc::Receiver<ErasedJob>) {
    while let Some(first) = rx.recv().await {
        let mut batch = Vec::with_capacity(16);
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(j) => batch.push(j),
                Err(_) => break,
            }
        }
        if let Err(e) = conn.execute("BEGIN IMMEDIATE").await {
            tracing::error!(error = %e, "SQLite writer cannot begin a transaction");
            // Dropping the jobs drops their reply channels: callers get `Unavailable`.
            drop(batch);
            tokio::time::sleep(Duration::from_millis(50)).await;
            continue;
        }
        let mut finishers: Vec<Finisher> = Vec::with_capacity(batch.len());
        let mut broken: Option<String> = None;
        for job in batch {
            if broken.is_some() {
                drop(job);
                continue;
            }
            if let Err(e) = conn.execute("SAVEPOINT job").await {
                broken = Some(e.to_string());
                drop(job);
                continue;
            }
            // A panicking job (a bug) must not take the only writer down with it: it is rolled back
            // like a failed job and its caller gets an internal error (its reply channel is dropped).
            let (ok, finish) = match (CatchUnwind {
                inner: job(&mut conn),
            })
            .await
            {
                Ok(r) => r,
                Err(()) => {
                    tracing::error!("a write job panicked; rolled back");
                    (false, Box::new(|_| {}) as Finisher)
                }
            };
            let end = if ok {
                conn.execute("RELEASE job").await
            } else {
                rollback_to(&mut conn).await
            };
            if let Err(e) = end {
                broken = Some(e.to_string());
            }
            finishers.push(finish);
        }
        let commit_err = match broken {
            Some(e) => {
                let _ = conn.execute("ROLLBACK").await;
                Some(AppError::internal(format!("SQLite batch failed: {e}")))
            }
            None => match conn.execute("COMMIT").await {
                Ok(_) => None,
                Err(e) => {
                    let _ = conn.execute("ROLLBACK").await;
                    Some(AppError::from(e))
                }
            },
        };
        for f in finishers {
            f(commit_err.clone());
        }
    }
}

/// Polls a future, turning a panic into `Err(())`.
struct CatchUnwind<F> {
    inner: F,
}

impl<F: Future + Unpin> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;
    fn poll(
        mut self: Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Self::Output> {
        let inner = &mut self.inner;
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| Pin::new(inner).poll(cx))) {
            Ok(std::task::Poll::Ready(v)) => std::task::Poll::Ready(Ok(v)),
            Ok(std::task::Poll::Pending) => std::task::Poll::Pending,
            Err(_) => std::task::Poll::Ready(Err(())),
        }
    }
}

async fn rollback_to(conn: &mut AnyConnection) -> Result<sqlx::any::AnyQueryResult, sqlx::Error> {
    conn.execute("ROLLBACK TO job").await?;
    conn.execute("RELEASE job").await
}

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
