//! The one query interface every capability writes its SQL against, over both engines.
//!
//! Its shape is deliberately sqlx's (`query(…).bind(…).fetch_optional(&mut *c)`, `query_scalar`,
//! `query_as`, `Row::get`), so that SQL written for one engine reads the same on the other and a
//! capability's store code does not change with the engine under it. What runs it
//! (decision 0007):
//!
//! - **SQLite** — `rusqlite` (bundled SQLite) with its prepared-statement cache, called directly on
//!   the thread that runs the use case: the writer thread for writes, the calling task's thread for
//!   reads. Every `.await` on an SQLite connection is ready at once; no statement crosses a thread.
//! - **PostgreSQL** — `tokio-postgres` ([`super::pg`]): statements are prepared once per
//!   connection and reused; a transaction's `BEGIN` and its deferred statements travel with its
//!   other statements (pipelining).
//!
//! Values cross the interface as [`Value`]s: integers (money in cents, times in milliseconds,
//! flags as 0/1 unless a column is a real boolean), text, reals, bytes, and typed NULLs (a NULL
//! knows what it stands for, so PostgreSQL is told a parameter's type even when it is NULL).
//! Rows come back owned, their values decoded by column type.
//!
//! **Where the engines live.** This file holds the interface (values, rows, queries); SQLite's
//! execution is `store/sqlite.rs`, PostgreSQL's `store/pg.rs`. Both must decode into the same values, which the
//! tests here and `crates/app/tests/` check on both engines.
//!
//! Placeholders are `$1`, `$2`, … on both engines. SQLite treats `$1` as a *named* parameter
//! numbered by first appearance; `store/sqlite.rs` maps each back to its number, so `$2` may
//! appear before `$1` and a placeholder may repeat.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

pub(crate) use super::sqlite::run_sqlite;

pub use super::db::{ReadConn, ReadPool};

/// A database error, classified for the callers that branch on it.
#[derive(Debug, Clone)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// A unique or primary-key constraint refused the row.
    Unique,
    /// The database is busy (SQLite's lock, PostgreSQL's serialization failure or deadlock) or no
    /// connection was free in time: retryable.
    Busy,
    /// PostgreSQL refuses NUL characters in text (SQLSTATE 22021, 22P05).
    Nul,
    /// `fetch_one` found no row.
    RowNotFound,
    /// A column's value is not of the type the code asked for.
    Decode,
    Other,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    pub fn is_unique_violation(&self) -> bool {
        self.kind == ErrorKind::Unique
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        use rusqlite::ErrorCode as C;
        let kind = match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                // SQLITE_CONSTRAINT_UNIQUE (2067), SQLITE_CONSTRAINT_PRIMARYKEY (1555).
                C::ConstraintViolation if matches!(f.extended_code, 2067 | 1555) => {
                    ErrorKind::Unique
                }
                C::DatabaseBusy | C::DatabaseLocked => ErrorKind::Busy,
                _ => ErrorKind::Other,
            },
            _ => ErrorKind::Other,
        };
        Error::new(kind, e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a NULL stands for (PostgreSQL is told the parameter's type).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Blob,
    Bool,
}

/// One parameter or column value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Kind),
    Int(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
    Bool(bool),
}

/// A Rust value that can be bound as a parameter.
pub trait Encode {
    fn encode(self) -> Value;
}

/// The kind of NULL an `Option<Self>` binds as.
pub trait Typed {
    const KIND: Kind;
}

macro_rules! encode_int {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Value {
                Value::Int(self as i64)
            }
        }
        impl Typed for $t {
            const KIND: Kind = Kind::Int;
        }
    )*};
}
encode_int!(i64, i32, i16, u32, u16, u8);

impl Encode for f64 {
    fn encode(self) -> Value {
        Value::Real(self)
    }
}
impl Typed for f64 {
    const KIND: Kind = Kind::Real;
}
impl Encode for bool {
    fn encode(self) -> Value {
        Value::Bool(self)
    }
}
impl Typed for bool {
    const KIND: Kind = Kind::Bool;
}
impl Encode for String {
    fn encode(self) -> Value {
        Value::Text(self)
    }
}
impl Typed for String {
    const KIND: Kind = Kind::Text;
}
impl Encode for &str {
    fn encode(self) -> Value {
        Value::Text(self.to_string())
    }
}
impl Typed for &str {
    const KIND: Kind = Kind::Text;
}
impl Encode for Cow<'_, str> {
    fn encode(self) -> Value {
        Value::Text(self.into_owned())
    }
}
impl Encode for Vec<u8> {
    fn encode(self) -> Value {
        Value::Blob(self)
    }
}
impl Typed for Vec<u8> {
    const KIND: Kind = Kind::Blob;
}
impl Encode for &[u8] {
    fn encode(self) -> Value {
        Value::Blob(self.to_vec())
    }
}
impl<T: Encode + Typed> Encode for Option<T> {
    fn encode(self) -> Value {
        match self {
            Some(v) => v.encode(),
            None => Value::Null(T::KIND),
        }
    }
}
impl<T: Typed> Typed for Option<T> {
    const KIND: Kind = T::KIND;
}
impl<T: Encode + Clone> Encode for &T {
    fn encode(self) -> Value {
        self.clone().encode()
    }
}
impl Encode for Value {
    fn encode(self) -> Value {
        self
    }
}

/// A Rust value a column can be read as.
pub trait Decode: Sized {
    fn decode(v: &Value) -> Result<Self>;

    /// [`Decode::decode`] of a value the caller owns: text and bytes move instead of being
    /// copied ([`Row::take`]).
    fn decode_owned(v: Value) -> Result<Self> {
        Self::decode(&v)
    }
}

fn mismatch(v: &Value, want: &str) -> Error {
    Error::new(ErrorKind::Decode, format!("cannot read {v:?} as {want}"))
}

impl Decode for i64 {
    fn decode(v: &Value) -> Result<i64> {
        match v {
            Value::Int(i) => Ok(*i),
            Value::Bool(b) => Ok(*b as i64),
            _ => Err(mismatch(v, "an integer")),
        }
    }
}

macro_rules! decode_narrow {
    ($($t:ty),*) => {$(
        impl Decode for $t {
            fn decode(v: &Value) -> Result<$t> {
                let i = i64::decode(v)?;
                <$t>::try_from(i).map_err(|_| mismatch(v, stringify!($t)))
            }
        }
    )*};
}
decode_narrow!(i32, i16, u32, u16, u8, u64, usize);

impl Decode for f64 {
    fn decode(v: &Value) -> Result<f64> {
        match v {
            Value::Real(r) => Ok(*r),
            Value::Int(i) => Ok(*i as f64),
            _ => Err(mismatch(v, "a real")),
        }
    }
}
impl Decode for bool {
    fn decode(v: &Value) -> Result<bool> {
        match v {
            Value::Bool(b) => Ok(*b),
            Value::Int(i) => Ok(*i != 0),
            _ => Err(mismatch(v, "a boolean")),
        }
    }
}
impl Decode for String {
    fn decode(v: &Value) -> Result<String> {
        match v {
            Value::Text(s) => Ok(s.clone()),
            _ => Err(mismatch(v, "text")),
        }
    }

    fn decode_owned(v: Value) -> Result<String> {
        match v {
            Value::Text(s) => Ok(s),
            v => Err(mismatch(&v, "text")),
        }
    }
}
impl Decode for Vec<u8> {
    fn decode(v: &Value) -> Result<Vec<u8>> {
        match v {
            Value::Blob(b) => Ok(b.clone()),
            Value::Text(s) => Ok(s.as_bytes().to_vec()),
            _ => Err(mismatch(v, "bytes")),
        }
    }
}
impl<T: Decode> Decode for Option<T> {
    fn decode(v: &Value) -> Result<Option<T>> {
        match v {
            Value::Null(_) => Ok(None),
            v => T::decode(v).map(Some),
        }
    }

    fn decode_owned(v: Value) -> Result<Option<T>> {
        match v {
            Value::Null(_) => Ok(None),
            v => T::decode_owned(v).map(Some),
        }
    }
}

/// A row, owned: its column names (shared by the rows of one result) and values.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

/// A column by position or by name.
pub trait ColumnIndex {
    fn index(&self, row: &Row) -> Result<usize>;
}
impl ColumnIndex for usize {
    fn index(&self, row: &Row) -> Result<usize> {
        if *self < row.values.len() {
            Ok(*self)
        } else {
            Err(Error::new(
                ErrorKind::Decode,
                format!("no column {self} (the row has {})", row.values.len()),
            ))
        }
    }
}
impl ColumnIndex for &str {
    fn index(&self, row: &Row) -> Result<usize> {
        row.columns
            .iter()
            .position(|c| c == self)
            .ok_or_else(|| Error::new(ErrorKind::Decode, format!("no column {self:?}")))
    }
}

impl Row {
    pub(crate) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { columns, values }
    }

    /// The column's value; a missing column or a wrong type is a bug in the query, so it panics
    /// (as sqlx's `Row::get` does). Use [`Row::try_get`] where the type may legitimately differ.
    #[track_caller]
    pub fn get<T: Decode, I: ColumnIndex>(&self, i: I) -> T {
        match self.try_get(i) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    pub fn try_get<T: Decode, I: ColumnIndex>(&self, i: I) -> Result<T> {
        let at = i.index(self)?;
        T::decode(&self.values[at])
    }

    /// [`Row::get`] that moves the value out instead of copying it (a list's rows turned into
    /// its items: each text column is moved, not copied), leaving NULL behind. Panics as `get`
    /// does on a column the statement does not have or a value of another type: both are
    /// mistakes in the statement's code, never in the data.
    pub fn take<T: Decode>(&mut self, i: usize) -> T {
        let v = match self.values.get_mut(i) {
            Some(v) => std::mem::replace(v, Value::Null(Kind::Text)),
            None => panic!("no column {i}: the row has {}", self.values.len()),
        };
        match T::decode_owned(v) {
            Ok(v) => v,
            Err(e) => panic!("{e}"),
        }
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Removes the last column's value and decodes it: a value a statement appended to every
    /// row for its caller (a list's total, `store::filters::page_and_total`), taken off so the
    /// row reads as the caller's own columns.
    pub fn take_last<T: Decode>(&mut self) -> Result<T> {
        let v = self
            .values
            .pop()
            .ok_or_else(|| Error::new(ErrorKind::Decode, "the row has no column"))?;
        T::decode(&v)
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A type read from a whole row (tuples, in column order).
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self>;
}

macro_rules! from_row_tuple {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Decode),+> FromRow for ($($t,)+) {
            fn from_row(row: &Row) -> Result<Self> {
                Ok(($(row.try_get::<$t, usize>($i)?,)+))
            }
        }
    };
}
from_row_tuple!(A 0);
from_row_tuple!(A 0, B 1);
from_row_tuple!(A 0, B 1, C 2);
from_row_tuple!(A 0, B 1, C 2, D 3);
from_row_tuple!(A 0, B 1, C 2, D 3, E 4);
from_row_tuple!(A 0, B 1, C 2, D 3, E 4, F 5);
from_row_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6);
from_row_tuple!(A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);

/// How much of a result the caller wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Want {
    /// Run to completion; the number of rows changed.
    Done,
    /// The first row, if any (a statement with side effects still runs to completion).
    First,
    All,
}

pub(crate) enum Out {
    Done(u64),
    Rows(Vec<Row>),
}

/// What a statement that returns no rows did.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    rows: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A connection: inside a write transaction, or a reader's.
pub struct Conn {
    pub(crate) inner: ConnInner,
}

pub(crate) enum ConnInner {
    Sqlite(SqliteConn),
    Pg(super::pg::PgLease),
    /// A connection given back (the write is over); never seen by a use case.
    Gone,
}

/// An SQLite connection and the column names of the statements it has run (a result's names are
/// the same every time; reading them once saves a dozen allocations per query).
pub(crate) struct SqliteConn {
    pub(crate) conn: rusqlite::Connection,
    pub(crate) names: std::collections::HashMap<String, Arc<[String]>>,
}

impl Conn {
    pub(crate) fn sqlite(conn: rusqlite::Connection) -> Conn {
        Conn {
            inner: ConnInner::Sqlite(SqliteConn {
                conn,
                names: Default::default(),
            }),
        }
    }

    /// The engine this connection belongs to.
    pub fn engine(&self) -> super::Engine {
        match self.inner {
            ConnInner::Sqlite(_) => super::Engine::Sqlite,
            _ => super::Engine::Postgres,
        }
    }

    pub(crate) async fn run(&mut self, sql: &str, args: Vec<Value>, want: Want) -> Result<Out> {
        match &mut self.inner {
            ConnInner::Sqlite(c) => run_sqlite(c, sql, &args, want),
            ConnInner::Pg(c) => c.run(sql, args, want).await,
            ConnInner::Gone => Err(Error::new(ErrorKind::Other, "the connection is closed")),
        }
    }

    /// Runs a statement whose outcome the caller does not read (see [`Query::defer`]).
    pub(crate) async fn defer(&mut self, sql: &str, args: Vec<Value>) -> Result<()> {
        match &mut self.inner {
            ConnInner::Sqlite(c) => run_sqlite(c, sql, &args, Want::Done).map(|_| ()),
            ConnInner::Pg(c) => c.defer(sql, args).await,
            ConnInner::Gone => Err(Error::new(ErrorKind::Other, "the connection is closed")),
        }
    }

    /// Runs several `;`-separated statements without parameters (migrations).
    pub(crate) async fn execute_batch(&mut self, sql: &str) -> Result<()> {
        match &mut self.inner {
            ConnInner::Sqlite(c) => Ok(c.conn.execute_batch(sql)?),
            ConnInner::Pg(c) => c.execute_batch(sql).await,
            ConnInner::Gone => Err(Error::new(ErrorKind::Other, "the connection is closed")),
        }
    }
}

/// Where a statement runs: on an open connection (a transaction's or a reader's), or on a
/// connection taken from the read pool for this one statement.
pub enum Exec<'c> {
    Conn(&'c mut Conn),
    Pool(&'c ReadPool),
}

impl<'c> From<&'c mut Conn> for Exec<'c> {
    fn from(c: &'c mut Conn) -> Exec<'c> {
        Exec::Conn(c)
    }
}
impl<'c> From<&'c mut ReadConn<'_>> for Exec<'c> {
    fn from(c: &'c mut ReadConn) -> Exec<'c> {
        Exec::Conn(c)
    }
}
impl<'c> From<&'c ReadPool> for Exec<'c> {
    fn from(p: &'c ReadPool) -> Exec<'c> {
        Exec::Pool(p)
    }
}

impl Exec<'_> {
    async fn run(self, sql: &str, args: Vec<Value>, want: Want) -> Result<Out> {
        match self {
            Exec::Conn(c) => c.run(sql, args, want).await,
            Exec::Pool(p) => {
                let mut c = p.acquire().await?;
                c.run(sql, args, want).await
            }
        }
    }
}

/// A statement and its parameters.
#[must_use = "a query does nothing until it is executed or fetched"]
pub struct Query<'q> {
    sql: &'q str,
    args: Vec<Value>,
}

/// A statement written once for both engines.
pub fn query(sql: &str) -> Query<'_> {
    Query {
        sql,
        args: Vec::new(),
    }
}

fn rows(out: Out) -> Vec<Row> {
    match out {
        Out::Rows(r) => r,
        Out::Done(_) => Vec::new(),
    }
}

impl<'q> Query<'q> {
    pub fn bind<T: Encode>(mut self, v: T) -> Self {
        self.args.push(v.encode());
        self
    }

    pub async fn execute<'c>(self, e: impl Into<Exec<'c>>) -> Result<Done> {
        match e.into().run(self.sql, self.args, Want::Done).await? {
            Out::Done(rows) => Ok(Done { rows }),
            Out::Rows(r) => Ok(Done {
                rows: r.len() as u64,
            }),
        }
    }

    /// Runs a statement whose outcome (rows, count) the caller does not read: an audit row, a
    /// saved output, an outbox message. On SQLite it runs at once. Inside a PostgreSQL write it
    /// is sent with the transaction's next statement or with its `COMMIT`, saving a round trip;
    /// an error it meets is then that later call's error, and the transaction rolls back all the
    /// same. Statements keep their order.
    pub async fn defer(self, c: &mut Conn) -> Result<()> {
        c.defer(self.sql, self.args).await
    }

    pub async fn fetch_optional<'c>(self, e: impl Into<Exec<'c>>) -> Result<Option<Row>> {
        Ok(rows(e.into().run(self.sql, self.args, Want::First).await?)
            .into_iter()
            .next())
    }

    pub async fn fetch_one<'c>(self, e: impl Into<Exec<'c>>) -> Result<Row> {
        self.fetch_optional(e)
            .await?
            .ok_or_else(|| Error::new(ErrorKind::RowNotFound, "no row was returned"))
    }

    pub async fn fetch_all<'c>(self, e: impl Into<Exec<'c>>) -> Result<Vec<Row>> {
        Ok(rows(e.into().run(self.sql, self.args, Want::All).await?))
    }
}

/// A statement whose result is its first column.
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryScalar<'q, O> {
    q: Query<'q>,
    _o: std::marker::PhantomData<fn() -> O>,
}

pub fn query_scalar<O: Decode>(sql: &str) -> QueryScalar<'_, O> {
    QueryScalar {
        q: query(sql),
        _o: std::marker::PhantomData,
    }
}

impl<'q, O: Decode> QueryScalar<'q, O> {
    pub fn bind<T: Encode>(mut self, v: T) -> Self {
        self.q = self.q.bind(v);
        self
    }

    pub async fn fetch_optional<'c>(self, e: impl Into<Exec<'c>>) -> Result<Option<O>> {
        match self.q.fetch_optional(e).await? {
            Some(r) => r.try_get(0usize).map(Some),
            None => Ok(None),
        }
    }

    pub async fn fetch_one<'c>(self, e: impl Into<Exec<'c>>) -> Result<O> {
        self.q.fetch_one(e).await?.try_get(0usize)
    }

    pub async fn fetch_all<'c>(self, e: impl Into<Exec<'c>>) -> Result<Vec<O>> {
        self.q
            .fetch_all(e)
            .await?
            .iter()
            .map(|r| r.try_get(0usize))
            .collect()
    }
}

/// A statement whose rows are read as `T` (a tuple, in column order).
#[must_use = "a query does nothing until it is fetched"]
pub struct QueryAs<'q, T> {
    q: Query<'q>,
    _t: std::marker::PhantomData<fn() -> T>,
}

pub fn query_as<T: FromRow>(sql: &str) -> QueryAs<'_, T> {
    QueryAs {
        q: query(sql),
        _t: std::marker::PhantomData,
    }
}

impl<'q, T: FromRow> QueryAs<'q, T> {
    pub fn bind<V: Encode>(mut self, v: V) -> Self {
        self.q = self.q.bind(v);
        self
    }

    pub async fn fetch_optional<'c>(self, e: impl Into<Exec<'c>>) -> Result<Option<T>> {
        match self.q.fetch_optional(e).await? {
            Some(r) => T::from_row(&r).map(Some),
            None => Ok(None),
        }
    }

    pub async fn fetch_one<'c>(self, e: impl Into<Exec<'c>>) -> Result<T> {
        T::from_row(&self.q.fetch_one(e).await?)
    }

    pub async fn fetch_all<'c>(self, e: impl Into<Exec<'c>>) -> Result<Vec<T>> {
        self.q.fetch_all(e).await?.iter().map(T::from_row).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_moves_a_value_out_and_decodes_as_get() {
        let cols: Arc<[String]> = vec!["a".to_string(), "b".into(), "c".into()].into();
        let mut r = Row::new(
            cols,
            vec![
                Value::Text("x".into()),
                Value::Null(Kind::Text),
                Value::Int(7),
            ],
        );
        assert_eq!(r.get::<String, _>(0), "x");
        assert_eq!(r.take::<String>(0), "x");
        assert_eq!(r.take::<Option<String>>(1), None);
        assert_eq!(r.take::<i64>(2), 7);
        // What was taken is NULL afterwards.
        assert_eq!(r.get::<Option<String>, _>(0), None);
    }

    fn mem() -> SqliteConn {
        SqliteConn {
            conn: rusqlite::Connection::open_in_memory().unwrap(),
            names: Default::default(),
        }
    }

    #[test]
    fn placeholders_bind_by_number_in_any_order() {
        let mut c = mem();
        let out = run_sqlite(
            &mut c,
            "SELECT $2 || $1, $1",
            &[Value::Text("a".into()), Value::Text("b".into())],
            Want::All,
        )
        .unwrap();
        let Out::Rows(r) = out else { panic!() };
        assert_eq!(r[0].get::<String, _>(0usize), "ba");
        assert_eq!(r[0].get::<String, _>(1usize), "a");
    }

    #[test]
    fn missing_values_are_errors_not_nulls() {
        let mut c = mem();
        let e = run_sqlite(&mut c, "SELECT $1, $2", &[Value::Int(1)], Want::All)
            .err()
            .unwrap();
        assert!(e.message.contains("$2"), "{e}");
    }

    #[test]
    fn decoding_checks_types_and_nulls() {
        let cols: Arc<[String]> = vec!["a".to_string(), "b".to_string()].into();
        let r = Row::new(cols, vec![Value::Int(7), Value::Null(Kind::Text)]);
        assert_eq!(r.get::<i64, _>("a"), 7);
        assert_eq!(r.get::<Option<String>, _>("b"), None);
        assert!(r.try_get::<String, _>("b").is_err());
        assert!(r.try_get::<String, _>("a").is_err());
        assert!(r.try_get::<i64, _>("c").is_err());
        assert!(r.try_get::<u8, _>(0usize).is_ok());
    }

    #[test]
    fn unique_violations_are_classified() {
        let mut c = mem();
        c.conn
            .execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, k TEXT UNIQUE)")
            .unwrap();
        run_sqlite(
            &mut c,
            "INSERT INTO t (k) VALUES ($1)",
            &[Value::Text("x".into())],
            Want::Done,
        )
        .unwrap();
        let e = run_sqlite(
            &mut c,
            "INSERT INTO t (k) VALUES ($1)",
            &[Value::Text("x".into())],
            Want::Done,
        )
        .err()
        .unwrap();
        assert!(e.is_unique_violation(), "{e}");
    }
}
