//! SQLite backend: one file in WAL mode, `BEGIN IMMEDIATE` transactions (one
//! writer at a time, readers never blocked), a busy timeout for other
//! connections and processes on the same file, `synchronous = FULL` so a
//! committed issuance survives a power cut. The file is made readable and
//! writable by its owner only (0600; SQLite gives its `-wal` and `-shm` files
//! the same mode), and a ledger file found open to others is closed to them.

use std::path::{Path, PathBuf};

use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{Connection, ErrorCode};

use super::group::{GroupStats, Grouped, Session};
use super::{MAX_ATTEMPTS, Row, Store, Tx, TxBody, Value, backoff, schema};
use crate::{Error, Result};

/// A SQLite ledger (one connection; open several on one file for several
/// writers). Concurrent mutating requests share group commits
/// ([`Store::grouped`]).
pub struct SqliteStore {
    pub(super) conn: Grouped<SqliteSession>,
    path: Option<PathBuf>,
}

/// The store's one connection.
pub(super) struct SqliteSession(Connection);

impl Session for SqliteSession {
    const RETRY_WAIT: std::time::Duration = MAX_BUSY_WAIT;

    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn begin(&mut self) -> Result<()> {
        if !self.0.is_autocommit() {
            // A transaction left open by a caller that panicked: undo it.
            self.0.execute_batch("ROLLBACK").map_err(map_err)?;
        }
        self.0.execute_batch("BEGIN IMMEDIATE").map_err(map_err)
    }

    fn command(&mut self, sql: &str) -> Result<()> {
        if sql.contains(';') {
            return self.0.execute_batch(sql).map_err(map_err);
        }
        // One statement (a group's SAVEPOINT, RELEASE, COMMIT): prepared
        // once, not parsed again for every request.
        let mut statement = self.0.prepare_cached(sql).map_err(map_err)?;
        statement.raw_execute().map(drop).map_err(map_err)
    }

    fn abandon(&mut self) {
        if !self.0.is_autocommit() {
            let _ = self.0.execute_batch("ROLLBACK");
        }
    }

    fn tx(&mut self) -> &mut dyn Tx {
        self
    }
}

/// Make a new ledger file 0600 before SQLite opens it, and take group and
/// other access away from an existing one and its `-wal` and `-shm` files.
fn private_files(path: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::Storage {
        backend: "sqlite",
        message: format!("{}: {e}", path.display()),
        retryable: false,
    };
    match crate::keystore::create_private(path) {
        Ok(_) => return Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(io(e)),
    }
    #[cfg(unix)]
    for file in [
        path.to_path_buf(),
        crate::keystore::beside(path, "-wal"),
        crate::keystore::beside(path, "-shm"),
    ] {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(&file) {
            let mode = meta.permissions().mode();
            if meta.is_file() && mode & 0o077 != 0 {
                std::fs::set_permissions(&file, std::fs::Permissions::from_mode(mode & 0o700))
                    .map_err(io)?;
            }
        }
    }
    Ok(())
}

fn map_err(e: rusqlite::Error) -> Error {
    let unique = matches!(
        &e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    );
    if unique {
        return Error::Duplicate {
            backend: "sqlite",
            message: e.to_string(),
        };
    }
    let retryable = matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    );
    Error::Storage {
        backend: "sqlite",
        message: e.to_string(),
        retryable,
    }
}

impl rusqlite::ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(*v),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn adapt(sql: &str) -> String {
    if sql.starts_with(schema::POSTGRES_ONLY) {
        return String::new();
    }
    sql.replace('$', "?").replace("BYTEA", "BLOB")
}

impl Tx for SqliteSession {
    fn refresh_statistics(&mut self, table: &'static str) -> Result<()> {
        // Bounded by the connection's `analysis_limit`: a sample, not a scan.
        self.0
            .execute_batch(&format!("ANALYZE {table}"))
            .map_err(map_err)
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&adapt(sql)).map_err(map_err)?;
        let n = stmt
            .execute(rusqlite::params_from_iter(params.iter()))
            .map_err(map_err)?;
        Ok(n as u64)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let mut stmt = self.0.prepare_cached(&adapt(sql)).map_err(map_err)?;
        let columns = stmt.column_count();
        let mut rows = stmt
            .query(rusqlite::params_from_iter(params.iter()))
            .map_err(map_err)?;
        let mut out = Vec::new();
        while let Some(row) = rows.next().map_err(map_err)? {
            let mut values = Vec::with_capacity(columns);
            for i in 0..columns {
                values.push(match row.get_ref(i).map_err(map_err)? {
                    ValueRef::Null => Value::Null,
                    ValueRef::Integer(v) => Value::Int(v),
                    ValueRef::Real(v) => {
                        return Err(Error::corrupt(format!("unexpected real value {v}")));
                    }
                    ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
                    ValueRef::Blob(b) => Value::Blob(b.to_vec()),
                });
            }
            out.push(Row(values));
        }
        Ok(out)
    }
}

impl SqliteStore {
    /// Open or create the ledger file, switch it to WAL and migrate it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        private_files(path)?;
        let conn = Connection::open(path).map_err(map_err)?;
        conn.busy_timeout(BUSY_TIMEOUT).map_err(map_err)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(map_err)?;
        Self::setup(conn, Some(path.to_path_buf()))
    }

    /// A private in-memory ledger.
    pub fn in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory().map_err(map_err)?, None)
    }

    /// The ledger file; `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Rewrite the file so that nothing deleted or overwritten lingers in it:
    /// checkpoint and empty the WAL, rebuild the database (`VACUUM`), and
    /// empty the WAL again. Used after plaintext keys were sealed.
    pub fn scrub(&self) -> Result<()> {
        let mut locked = self.conn.exclusive();
        locked
            .session
            .command("PRAGMA wal_checkpoint(TRUNCATE); VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")
    }

    fn setup(conn: Connection, path: Option<PathBuf>) -> Result<Self> {
        conn.pragma_update(None, "synchronous", "FULL")
            .map_err(map_err)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(map_err)?;
        // What is deleted or overwritten is zeroed in the file, not left in
        // free space (the plaintext keys a ledger from before held).
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(map_err)?;
        // A group commit's savepoints keep the pages they change in a
        // statement journal: in memory, not a temporary file.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(map_err)?;
        // ANALYZE reads a sample of each index rather than all of it.
        conn.pragma_update(None, "analysis_limit", 1000)
            .map_err(map_err)?;
        conn.set_prepared_statement_cache_capacity(512);
        let store = Self {
            conn: Grouped::new(SqliteSession(conn)),
            path,
        };
        store.transaction(&mut |tx| {
            schema::migrate(tx, &adapt)?;
            // A ledger that never had statistics gathered (a new one, or one
            // from before they were) gets them now: without them SQLite may
            // move a sale's tickets through the allotment index, reading
            // every available ticket of the allotment, rather than by key.
            if tx
                .query_opt(
                    "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'",
                    &[],
                )?
                .is_none()
            {
                tx.refresh_statistics("tickets")?;
            }
            Ok(())
        })?;
        Ok(store)
    }

    fn attempt<T>(session: &mut SqliteSession, body: &mut TxBody<'_, T>) -> Result<T> {
        session.begin()?;
        let result = body(session);
        match result {
            Ok(value) => match session.command("COMMIT") {
                Ok(()) => Ok(value),
                Err(e) => {
                    session.abandon();
                    Err(e)
                }
            },
            Err(e) => {
                session.abandon();
                Err(e)
            }
        }
    }

    /// What the group commits so far held.
    pub fn group_stats(&self) -> GroupStats {
        self.conn.stats()
    }
}

/// How long one statement waits for another process's lock on the file.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long a transaction keeps trying while the file stays locked before it
/// gives up with a retryable error (the API's 503 "busy").
const MAX_BUSY_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn transaction<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        let mut locked = self.conn.exclusive();
        let started = std::time::Instant::now();
        let mut attempt = 0;
        loop {
            match Self::attempt(&mut locked.session, body) {
                // Another process holding the file locked is waited for, but
                // only so long: then the request is answered "busy" (503)
                // rather than hanging its client.
                Err(e)
                    if e.is_retryable()
                        && attempt + 1 < MAX_ATTEMPTS
                        && started.elapsed() < MAX_BUSY_WAIT =>
                {
                    attempt += 1;
                    crate::metrics::Retry::Busy.record("sqlite");
                    backoff(attempt);
                }
                other => return other,
            }
        }
    }

    fn grouped<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        self.conn.grouped(body)
    }
}
