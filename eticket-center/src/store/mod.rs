//! The ledger: a small storage trait ([`Store`]: run a closure inside one
//! serializable transaction, retried when it loses a race) with two backends,
//! [`SqliteStore`] (embedded default: one file, WAL) and [`PostgresStore`]
//! (several center processes over one database). The center's SQL is written
//! once against [`Tx`], with `$1`-style parameters, and runs on both.
//!
//! ```
//! use eticket_center::store::{Ledger, Store, Value};
//! let ledger = Ledger::sqlite_in_memory()?;
//! let n = ledger.transaction(&mut |tx| {
//!     let rows = tx.query("SELECT value FROM meta WHERE name = $1", &[Value::text("schema_version")])?;
//!     Ok(rows.len())
//! })?;
//! assert_eq!(n, 1);
//! # Ok::<(), eticket_center::Error>(())
//! ```

pub(crate) mod group;
#[cfg(feature = "postgres")]
mod pool;
#[cfg(feature = "postgres")]
mod postgres;
mod schema;
mod sqlite;

pub use self::group::{GroupStats, MAX_GROUP, MAX_GROUP_OPEN};
#[cfg(feature = "postgres")]
pub use self::pool::POOL_WAIT;
#[cfg(feature = "postgres")]
pub(crate) use self::postgres::connect_error;
#[cfg(feature = "postgres")]
pub use self::postgres::{DEFAULT_MAX_CONNECTIONS, PostgresStore};
pub use self::sqlite::SqliteStore;
pub use schema::SCHEMA_VERSION;

use crate::{Error, Result};

/// A value bound to or read from SQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A 64-bit integer.
    Int(i64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

impl Value {
    /// Text from anything string-like.
    pub fn text(s: impl Into<String>) -> Self {
        Value::Text(s.into())
    }

    /// An integer from any integer type that fits.
    pub fn int(v: impl Into<i64>) -> Self {
        Value::Int(v.into())
    }

    /// An optional integer.
    pub fn opt_int<T: Into<i64>>(v: Option<T>) -> Self {
        v.map_or(Value::Null, |v| Value::Int(v.into()))
    }

    /// A u64 stored as a signed integer (times, versions), refusing values above i64::MAX.
    pub fn u64(v: u64) -> Result<Self> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| Error::invalid("integer", format!("{v} does not fit the ledger")))
    }
}

/// One result row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Value>);

impl Row {
    fn get(&self, i: usize) -> Result<&Value> {
        self.0
            .get(i)
            .ok_or_else(|| Error::corrupt(format!("row has no column {i}")))
    }

    /// Column `i` as an integer.
    pub fn int(&self, i: usize) -> Result<i64> {
        match self.get(i)? {
            Value::Int(v) => Ok(*v),
            other => Err(Error::corrupt(format!(
                "column {i}: expected integer, got {other:?}"
            ))),
        }
    }

    /// Column `i` as an optional integer.
    pub fn opt_int(&self, i: usize) -> Result<Option<i64>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.int(i).map(Some),
        }
    }

    /// Column `i` as an integer converted to `T`.
    pub fn num<T: TryFrom<i64>>(&self, i: usize) -> Result<T> {
        let v = self.int(i)?;
        T::try_from(v).map_err(|_| Error::corrupt(format!("column {i}: {v} out of range")))
    }

    /// Column `i` as an optional integer converted to `T`.
    pub fn opt_num<T: TryFrom<i64>>(&self, i: usize) -> Result<Option<T>> {
        match self.opt_int(i)? {
            None => Ok(None),
            Some(v) => T::try_from(v)
                .map(Some)
                .map_err(|_| Error::corrupt(format!("column {i}: {v} out of range"))),
        }
    }

    /// Column `i` as text.
    pub fn text(&self, i: usize) -> Result<&str> {
        match self.get(i)? {
            Value::Text(v) => Ok(v),
            other => Err(Error::corrupt(format!(
                "column {i}: expected text, got {other:?}"
            ))),
        }
    }

    /// Column `i` as optional text.
    pub fn opt_text(&self, i: usize) -> Result<Option<&str>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.text(i).map(Some),
        }
    }

    /// Column `i` as bytes.
    pub fn blob(&self, i: usize) -> Result<&[u8]> {
        match self.get(i)? {
            Value::Blob(v) => Ok(v),
            other => Err(Error::corrupt(format!(
                "column {i}: expected bytes, got {other:?}"
            ))),
        }
    }

    /// Column `i` as optional bytes.
    pub fn opt_blob(&self, i: usize) -> Result<Option<&[u8]>> {
        match self.get(i)? {
            Value::Null => Ok(None),
            _ => self.blob(i).map(Some),
        }
    }
}

/// Statements inside one open transaction. SQL uses `$1`, `$2`, … for parameters.
pub trait Tx {
    /// Run a statement; the number of rows it changed.
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64>;
    /// Run a query; all its rows.
    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>>;

    /// The first row of a query, if any.
    fn query_opt(&mut self, sql: &str, params: &[Value]) -> Result<Option<Row>> {
        Ok(self.query(sql, params)?.into_iter().next())
    }

    /// Tell the query planner that `table` changed a lot (an event's
    /// ticket master written, an allotment laid out): the backend gathers
    /// its statistics now (`ANALYZE`). PostgreSQL would otherwise wait for
    /// autovacuum's next round, leaving the first minute of an on-sale
    /// planned for an empty table: scanning every ticket of the event for
    /// each sale. SQLite never gathers them by itself, and without them it
    /// may pick the allotment index over the primary key to move a sale's
    /// tickets (reading every available ticket of the allotment).
    fn refresh_statistics(&mut self, table: &'static str) -> Result<()> {
        let _ = table;
        Ok(())
    }
}

/// The closure a transaction runs.
pub type TxBody<'a, T> = dyn FnMut(&mut dyn Tx) -> Result<T> + 'a;

/// A ledger backend: runs a closure in one serializable transaction and commits
/// it, or rolls it back when the closure fails. A transaction that loses a race
/// against another connection is run again (the closure must therefore not
/// have effects outside the transaction), a bounded number of times.
pub trait Store: Send + Sync {
    /// "sqlite" or "postgres".
    fn backend(&self) -> &'static str;
    /// Run `body` in a transaction.
    fn transaction<T>(&self, body: &mut TxBody<'_, T>) -> Result<T>;

    /// Run `body` like [`transaction`](Self::transaction), but possibly in
    /// one transaction with other threads' concurrent bodies, each in a
    /// savepoint of its own and run one after the other, committed together
    /// (group commit). It returns only after the commit that holds its
    /// work; a body that fails leaves the others' work in place. The
    /// default runs a transaction of its own.
    fn grouped<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        self.transaction(body)
    }
}

/// How many times a transaction that lost a race is run again.
pub(crate) const MAX_ATTEMPTS: u32 = 64;

/// The ledger the center runs on: one of the two backends.
pub enum Ledger {
    /// SQLite.
    Sqlite(SqliteStore),
    /// PostgreSQL.
    #[cfg(feature = "postgres")]
    Postgres(PostgresStore),
}

impl Ledger {
    /// Open (creating and migrating) a SQLite ledger file.
    pub fn sqlite(path: impl AsRef<std::path::Path>) -> Result<Self> {
        SqliteStore::open(path).map(Ledger::Sqlite)
    }

    /// A private in-memory SQLite ledger (tests, examples).
    pub fn sqlite_in_memory() -> Result<Self> {
        SqliteStore::in_memory().map(Ledger::Sqlite)
    }

    /// Connect (and migrate) a PostgreSQL ledger, e.g.
    /// `postgres://eticket:eticket@127.0.0.1:5432/eticket`. Without the
    /// `postgres` feature: an error that says so.
    pub fn postgres(url: &str) -> Result<Self> {
        #[cfg(feature = "postgres")]
        return PostgresStore::connect(url, None).map(Ledger::Postgres);
        #[cfg(not(feature = "postgres"))]
        {
            let _ = url;
            Err(Error::invalid(
                "database",
                "this build has no PostgreSQL ledger: enable eticket-center's `postgres` feature",
            ))
        }
    }

    /// Open by URL: `postgres://…` or `postgresql://…` selects PostgreSQL,
    /// anything else is a SQLite file path (an optional `sqlite://` prefix is removed).
    pub fn open(url_or_path: &str) -> Result<Self> {
        if url_or_path.starts_with("postgres://") || url_or_path.starts_with("postgresql://") {
            Self::postgres(url_or_path)
        } else {
            Self::sqlite(url_or_path.strip_prefix("sqlite://").unwrap_or(url_or_path))
        }
    }
}

impl Ledger {
    /// Commit the group commit this process has open, if any: the end of a
    /// batch run by one thread with its members deferred.
    #[cfg_attr(not(feature = "http"), allow(dead_code))] // the HTTP writer's
    pub(crate) fn flush_group(&self) {
        match self {
            Ledger::Sqlite(s) => s.conn.flush(),
            #[cfg(feature = "postgres")]
            Ledger::Postgres(s) => s.flush_group(),
        }
    }

    /// Leave no deleted or overwritten data in the ledger's files where this
    /// backend can (SQLite: [`SqliteStore::scrub`]). PostgreSQL keeps old row
    /// versions until its own `VACUUM`, and in its write-ahead log and
    /// backups.
    pub fn scrub(&self) -> Result<()> {
        match self {
            Ledger::Sqlite(s) => s.scrub(),
            #[cfg(feature = "postgres")]
            Ledger::Postgres(_) => Ok(()),
        }
    }

    /// Between the transactions of a long job (a postponement's re-issues,
    /// a cancellation's revocations) that took `took`: on SQLite, pause as
    /// long (at most [`MAX_BATCH_PAUSE`]) so that writers waiting for the
    /// file get it. SQLite's lock is not fair: another process waiting for
    /// it sleeps between tries (up to 100 ms), and a job that begins its
    /// next transaction at once takes the lock again every time, so a
    /// `serve` beside `eticket postpone-event` sold nothing until the whole
    /// job ended. PostgreSQL locks rows, not the database: no pause.
    pub fn pause_between_batches(&self, took: std::time::Duration) {
        if matches!(self, Ledger::Sqlite(_)) {
            std::thread::sleep(took.min(MAX_BATCH_PAUSE));
        }
    }
}

/// The longest pause of [`Ledger::pause_between_batches`]: longer than the
/// longest sleep of SQLite's busy handler between tries (100 ms).
pub const MAX_BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(150);

impl Store for Ledger {
    fn backend(&self) -> &'static str {
        match self {
            Ledger::Sqlite(s) => s.backend(),
            #[cfg(feature = "postgres")]
            Ledger::Postgres(s) => s.backend(),
        }
    }

    fn transaction<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        match self {
            Ledger::Sqlite(s) => s.transaction(body),
            #[cfg(feature = "postgres")]
            Ledger::Postgres(s) => s.transaction(body),
        }
        .inspect_err(|e| crate::metrics::record_ledger_error(self.backend(), e))
    }

    fn grouped<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        match self {
            Ledger::Sqlite(s) => s.grouped(body),
            #[cfg(feature = "postgres")]
            Ledger::Postgres(s) => s.grouped(body),
        }
        .inspect_err(|e| crate::metrics::record_ledger_error(self.backend(), e))
    }
}

/// Back off a little before running a transaction again (grows with attempts).
pub(crate) fn backoff(attempt: u32) {
    let micros = 200u64 << attempt.min(8);
    // Spread concurrent retries apart.
    let jitter = u64::from(rand_core::RngCore::next_u32(&mut rand_core::OsRng) % 500);
    std::thread::sleep(std::time::Duration::from_micros(micros + jitter));
}
