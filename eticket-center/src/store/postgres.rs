//! PostgreSQL backend: serializable transactions, run again when PostgreSQL
//! reports a serialization failure or a deadlock (a unique-key violation is
//! run again twice at most, then answered as a duplicate); a
//! bounded pool of connections so several threads (and several center
//! processes) work on one database at once without exceeding what the server
//! allows.
//!
//! Through a failover (a standby promoted when the primary died): the URL
//! may name several hosts, `postgres://u:p@h1:5432,h2:5432/db?target_session_attrs=read-write`,
//! and each new connection goes to the one that takes writes. A connection
//! found broken, or on a server that takes no writes, is closed with every
//! idle one, and a transaction it broke before its COMMIT was sent is run
//! again on a new connection; one broken during its COMMIT is answered as
//! a retryable error (it may have committed: the client's idempotency key
//! tells on its next try). Without a primary, transactions fail at once
//! (retryable) until there is one again.

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, IsolationLevel, NoTls};

use super::group::{GroupStats, Grouped, Session};
use super::pool::{POOL_WAIT, Pool};
use super::{MAX_ATTEMPTS, Row, Store, Tx, TxBody, Value, backoff, schema};
use crate::{Error, Result};

/// Most connections one center process opens by default (PostgreSQL's own
/// default limit is 100 for all clients together).
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// Runs of a transaction that met a unique-key violation: the first may have
/// lost a race for a new key, a third is a real duplicate.
const DUPLICATE_ATTEMPTS: u32 = 3;

/// Runs of a transaction on a new connection after its connection was lost
/// before COMMIT: the first new one may still find no primary, the second
/// gives up.
const RECONNECTS: u32 = 2;

/// A PostgreSQL ledger.
pub struct PostgresStore {
    url: String,
    schema: Option<String>,
    pool: Pool<Client>,
    /// The connection group commits run on (its own, beside the pool).
    group: Box<Grouped<PgSession>>,
}

/// The group-commit connection: made on first use and again after it was
/// lost (a failover), so a group after a failover reaches the new primary.
struct PgSession {
    url: String,
    schema: Option<String>,
    client: Option<Client>,
    /// Statements prepared on `client`: a sale's dozen statements then cost
    /// one round trip each instead of two.
    prepared: std::collections::HashMap<String, postgres::Statement>,
}

impl PgSession {
    /// The connection of the open group; lost, it is not replaced inside
    /// the group (its transaction went with it).
    fn client(&mut self) -> Result<&mut Client> {
        self.client.as_mut().ok_or_else(|| Error::Storage {
            backend: "postgres",
            message: "the connection was lost".to_owned(),
            retryable: true,
        })
    }

    /// An error of the connection: a lost one is dropped (the next group
    /// connects again) and reported retryable, so the group runs again.
    fn failed(&mut self, e: postgres::Error) -> Error {
        if connection_lost(&e) {
            self.client = None;
            self.prepared.clear();
            crate::metrics::record_ledger_reconnect("postgres");
            return Error::Storage {
                backend: "postgres",
                message: format!(
                    "the connection was lost ({e}); with several hosts, give target_session_attrs=read-write in the URL"
                ),
                retryable: true,
            };
        }
        map_err(e)
    }
}

impl Session for PgSession {
    // About what a transaction's 64 attempts took before group commit; a
    // failover lasts longer and is answered 503, retried by the client.
    const RETRY_WAIT: std::time::Duration = std::time::Duration::from_secs(3);

    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn begin(&mut self) -> Result<()> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.prepared.clear();
            self.client = Some(connect(&self.url, self.schema.as_deref())?);
        }
        let begun = self
            .client()?
            .batch_execute("BEGIN ISOLATION LEVEL SERIALIZABLE");
        begun.map_err(|e| self.failed(e))
    }

    fn command(&mut self, sql: &str) -> Result<()> {
        let done = self.client()?.batch_execute(sql);
        done.map_err(|e| self.failed(e))
    }

    fn abandon(&mut self) {
        if let Some(client) = self.client.as_mut() {
            if client.batch_execute("ROLLBACK").is_err() {
                self.client = None;
                self.prepared.clear();
            }
        }
    }

    fn tx(&mut self) -> &mut dyn Tx {
        self
    }
}

impl PgSession {
    /// `sql` prepared on the connection, once per connection.
    fn statement(&mut self, sql: &str) -> Result<postgres::Statement> {
        if let Some(statement) = self.prepared.get(sql) {
            return Ok(statement.clone());
        }
        let prepared = self.client()?.prepare(sql);
        let statement = prepared.map_err(|e| self.failed(e))?;
        // Bounded: the center's SQL is a fixed set of statements, but a
        // statement built per request must not grow the cache for ever.
        if self.prepared.len() >= MAX_PREPARED {
            self.prepared.clear();
        }
        self.prepared.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }
}

/// Most statements a group connection keeps prepared.
const MAX_PREPARED: usize = 512;

impl Tx for PgSession {
    fn refresh_statistics(&mut self, table: &'static str) -> Result<()> {
        self.execute(&format!("ANALYZE {table}"), &[]).map(|_| ())
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let statement = self.statement(sql)?;
        let result = self.client()?.execute(&statement, &refs(params));
        result.map_err(|e| self.failed(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        let result = self.client()?.query(&statement, &refs(params));
        result
            .map_err(|e| self.failed(e))?
            .iter()
            .map(read_row)
            .collect()
    }
}

/// A connection out of the pool; goes back when dropped, also on unwinding.
struct Taken<'a> {
    store: &'a PostgresStore,
    client: Option<Client>,
}

impl Taken<'_> {
    fn client(&mut self) -> Result<&mut Client> {
        self.client
            .as_mut()
            .ok_or_else(|| Error::corrupt("pooled connection missing"))
    }

    /// Close this connection, lost in a failover, and every idle one: they
    /// went to the same server.
    fn discard(&mut self) {
        if self.client.take().is_some() {
            self.store.pool.forget();
        }
        self.store.pool.drop_idle();
    }
}

/// Close connections on a thread of their own: closing a synchronous
/// client runs a small runtime of its own, which panics on a thread that is
/// already inside one (a tokio worker dropping the last handle on the
/// center, as `eticket serve` does at its end).
fn close_apart(clients: Vec<Client>) {
    if clients.is_empty() {
        return;
    }
    std::thread::scope(|s| {
        s.spawn(move || drop(clients));
    });
}

impl Drop for PostgresStore {
    fn drop(&mut self) {
        close_apart(self.pool.drain());
    }
}

impl Drop for PgSession {
    fn drop(&mut self) {
        close_apart(self.client.take().into_iter().collect());
    }
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            if !client.is_closed() && !std::thread::panicking() {
                self.store.pool.give_back(client, true);
            } else {
                self.store.pool.forget();
                close_apart(vec![client]);
            }
        }
    }
}

/// Whether `e` means the connection takes no more writes: it broke (the
/// server went away, as its primary does in a failover), the server is
/// shutting down, or it is a standby (read-only).
fn connection_lost(e: &postgres::Error) -> bool {
    if e.is_closed() || std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>()) {
        return true;
    }
    e.code().is_some_and(|code| {
        let code = code.code();
        // Class 08: connection exception; 57P01-03: the server shuts down,
        // crashed or is not ready; 25006: read-only transaction (a standby).
        code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03" | "25006")
    })
}

/// How a run of a transaction ended without committing.
enum Failed {
    /// The server or the body refused: run again only a lost race.
    Refused(Error),
    /// The connection was lost before COMMIT was sent: nothing committed,
    /// the run may be repeated on a new connection.
    Lost(Error),
    /// The connection was lost while committing: whether it committed is
    /// unknown.
    LostInCommit(Error),
}

impl Failed {
    fn before_commit(e: postgres::Error) -> Self {
        if connection_lost(&e) {
            Failed::Lost(map_err(e))
        } else {
            Failed::Refused(map_err(e))
        }
    }

    fn at_commit(e: postgres::Error) -> Self {
        if connection_lost(&e) {
            Failed::LostInCommit(map_err(e))
        } else {
            Failed::Refused(map_err(e))
        }
    }
}

fn map_err(e: postgres::Error) -> Error {
    let message = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    };
    match e.code() {
        Some(&SqlState::UNIQUE_VIOLATION) => Error::Duplicate {
            backend: "postgres",
            message,
        },
        code => Error::Storage {
            backend: "postgres",
            // A lost race, or a connection lost (a failover, a restart):
            // the same request may succeed later, so HTTP answers 503. So
            // may one whose transaction an earlier statement already
            // aborted (25P02, seen while Patroni reconfigured the primary
            // during the failover test): nothing of it commits, and it runs
            // again from the start.
            retryable: matches!(
                code,
                Some(
                    &SqlState::T_R_SERIALIZATION_FAILURE
                        | &SqlState::T_R_DEADLOCK_DETECTED
                        | &SqlState::IN_FAILED_SQL_TRANSACTION
                )
            ) || connection_lost(&e),
            message,
        },
    }
}

impl ToSql for Value {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> std::result::Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(*v)?.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(s) => s.as_str().to_sql(ty, out),
            Value::Blob(b) => b.as_slice().to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn read_row(row: &postgres::Row) -> Result<Row> {
    let mut values = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let get_err = |e: postgres::Error| Error::corrupt(format!("column {i}: {e}"));
        let value = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)
                .map_err(get_err)?
                .map(Value::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)
                .map_err(get_err)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)
                .map_err(get_err)?
                .map(|v| Value::Int(v.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)
                .map_err(get_err)?
                .map(Value::Blob)
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)
                .map_err(get_err)?
                .map(|v| Value::Int(v.into()))
        } else {
            row.try_get::<_, Option<String>>(i)
                .map_err(get_err)?
                .map(Value::Text)
        };
        values.push(value.unwrap_or(Value::Null));
    }
    Ok(Row(values))
}

struct PgTx<'a, 'c> {
    tx: &'a mut postgres::Transaction<'c>,
    /// A statement found the connection lost.
    lost: bool,
}

impl PgTx<'_, '_> {
    fn failed(&mut self, e: postgres::Error) -> Error {
        self.lost |= connection_lost(&e);
        map_err(e)
    }
}

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_, '_> {
    fn refresh_statistics(&mut self, table: &'static str) -> Result<()> {
        self.execute(&format!("ANALYZE {table}"), &[]).map(|_| ())
    }

    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        let result = self.tx.execute(sql, &refs(params));
        result.map_err(|e| self.failed(e))
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        let result = self.tx.query(sql, &refs(params));
        result
            .map_err(|e| self.failed(e))?
            .iter()
            .map(read_row)
            .collect()
    }
}

/// Why a connection to `url` failed, in words an operator can act on: the
/// hosts and ports tried (never the password) and the cause the server or
/// the network gave ("password authentication failed for user …",
/// "Connection refused"), not only "db error".
pub(crate) fn connect_error(url: &str, e: &postgres::Error) -> String {
    use postgres::config::Host;
    let place = url
        .parse::<postgres::Config>()
        .ok()
        .map(|c| {
            let ports = c.get_ports();
            let hosts: Vec<String> = c
                .get_hosts()
                .iter()
                .enumerate()
                .map(|(i, h)| {
                    let port = ports.get(i).or(ports.first()).copied().unwrap_or(5432);
                    match h {
                        Host::Tcp(name) => format!("{name}:{port}"),
                        Host::Unix(dir) => format!("{} (port {port})", dir.display()),
                    }
                })
                .collect();
            if hosts.is_empty() {
                String::new()
            } else {
                format!(" to {}", hosts.join(", "))
            }
        })
        .unwrap_or_default();
    let cause = match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(e);
            while let Some(s) = source {
                text.push_str(": ");
                text.push_str(&s.to_string());
                source = s.source();
            }
            text
        }
    };
    format!("cannot connect{place}: {cause}; check --database-url and that the server is up")
}

/// A new connection, its search path set to `schema` (made when missing).
fn connect(url: &str, schema: Option<&str>) -> Result<Client> {
    let mut client = Client::connect(url, NoTls).map_err(|e| Error::Storage {
        backend: "postgres",
        message: connect_error(url, &e),
        // No server to be reached, or none takes writes (a failover
        // before its standby is promoted): later may work, HTTP 503.
        retryable: true,
    })?;
    // Plan every execution with its values. A prepared statement's generic
    // plan is chosen once and kept: planned while a table is still small
    // (the answers stored for idempotency keys at the start of an on-sale)
    // it scans the whole table, a little slower with each request, for as
    // long as the connection lives. Planning these short statements costs
    // less than one such scan.
    client
        .batch_execute("SET plan_cache_mode = force_custom_plan")
        .map_err(map_err)?;
    if let Some(s) = schema {
        client
            .batch_execute(&format!(
                "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
            ))
            .map_err(map_err)?;
    }
    Ok(client)
}

fn plain_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

impl PostgresStore {
    /// Connect to `url` and migrate, with at most
    /// [`DEFAULT_MAX_CONNECTIONS`] connections. With `schema`, every
    /// connection works in that schema (created if missing): tests use one
    /// schema each, so they run side by side on one database.
    pub fn connect(url: &str, schema: Option<&str>) -> Result<Self> {
        Self::connect_with_max(url, schema, DEFAULT_MAX_CONNECTIONS)
    }

    /// [`connect`](Self::connect) with at most `max_connections` open at
    /// once; a transaction that finds them all busy waits up to
    /// [`POOL_WAIT`] for one.
    pub fn connect_with_max(
        url: &str,
        schema: Option<&str>,
        max_connections: usize,
    ) -> Result<Self> {
        if let Some(s) = schema {
            if !plain_identifier(s) {
                return Err(Error::invalid(
                    "schema",
                    "use lowercase letters, digits and _ only",
                ));
            }
        }
        let store = Self {
            url: url.to_owned(),
            schema: schema.map(str::to_owned),
            pool: Pool::new(max_connections, POOL_WAIT),
            group: Box::new(Grouped::new(PgSession {
                url: url.to_owned(),
                schema: schema.map(str::to_owned),
                client: None,
                prepared: std::collections::HashMap::new(),
            })),
        };
        drop(store.take()?);
        store.transaction(&mut |tx| {
            // Several centers may start at once on an empty database.
            tx.execute("SELECT pg_advisory_xact_lock(7305)", &[])?;
            schema::migrate(tx, &schema::for_postgres)
        })?;
        Ok(store)
    }

    fn new_client(&self) -> Result<Client> {
        connect(&self.url, self.schema.as_deref())
    }

    /// What the group commits so far held.
    pub fn group_stats(&self) -> GroupStats {
        self.group.stats()
    }

    pub(crate) fn flush_group(&self) {
        self.group.flush();
    }

    fn take(&self) -> Result<Taken<'_>> {
        let client = self.pool.take(|| self.new_client(), |c| !c.is_closed())?;
        Ok(Taken {
            store: self,
            client: Some(client),
        })
    }

    fn attempt<T>(client: &mut Client, body: &mut TxBody<'_, T>) -> Result<T, Failed> {
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .map_err(Failed::before_commit)?;
        let mut run = PgTx {
            tx: &mut tx,
            lost: false,
        };
        let value = body(&mut run);
        if run.lost {
            // Even if the body went on after the failed statement, COMMIT
            // was never sent on a working connection.
            return Err(Failed::Lost(value.err().unwrap_or(Error::Storage {
                backend: "postgres",
                message: "the connection was lost".to_owned(),
                retryable: true,
            })));
        }
        let value = value.map_err(Failed::Refused)?;
        tx.commit().map_err(Failed::at_commit)?;
        Ok(value)
    }

    /// Drop the test schema this store works in (with everything in it).
    pub fn drop_schema(&self) -> Result<()> {
        let Some(s) = &self.schema else {
            return Ok(());
        };
        let mut taken = self.take()?;
        let client = taken
            .client
            .as_mut()
            .ok_or_else(|| Error::corrupt("pooled connection missing"))?;
        client
            .batch_execute(&format!("DROP SCHEMA IF EXISTS {s} CASCADE"))
            .map_err(map_err)
    }
}

impl Store for PostgresStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn transaction<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        let mut taken = self.take()?;
        let mut attempt = 0;
        let mut duplicates = 0;
        let mut reconnects = 0;
        loop {
            match Self::attempt(taken.client()?, body) {
                Ok(value) => return Ok(value),
                Err(Failed::Refused(e)) if e.is_retryable() && attempt + 1 < MAX_ATTEMPTS => {
                    attempt += 1;
                    crate::metrics::Retry::Conflict.record("postgres");
                    backoff(attempt);
                }
                // A unique key taken by a concurrent transaction that chose
                // the same new key is a lost race PostgreSQL does not report
                // as one: run again, a little; a key taken for good is a
                // duplicate, answered at once.
                Err(Failed::Refused(Error::Duplicate { .. }))
                    if duplicates + 1 < DUPLICATE_ATTEMPTS =>
                {
                    duplicates += 1;
                    crate::metrics::Retry::Duplicate.record("postgres");
                    backoff(duplicates);
                }
                Err(Failed::Refused(e)) => return Err(e),
                Err(Failed::Lost(e)) => {
                    taken.discard();
                    if reconnects == RECONNECTS {
                        return Err(Error::Storage {
                            backend: "postgres",
                            message: format!(
                                "no connection to a server that takes writes ({e}); with several hosts, give target_session_attrs=read-write in the URL"
                            ),
                            retryable: true,
                        });
                    }
                    reconnects += 1;
                    crate::metrics::record_ledger_reconnect("postgres");
                    taken = self.take()?;
                }
                Err(Failed::LostInCommit(e)) => {
                    taken.discard();
                    return Err(Error::Storage {
                        backend: "postgres",
                        message: format!(
                            "the connection was lost while committing, so the transaction may have committed; sent again with its idempotency key, a request gets its first answer if it did ({e})"
                        ),
                        retryable: true,
                    });
                }
            }
        }
    }

    fn grouped<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        self.group.grouped(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A connection refused names where it went and why, and never the
    /// password of the URL.
    #[test]
    fn a_failed_connection_says_where_and_why() {
        // Port 1 on loopback: nothing listens there.
        let url = "postgres://eticket:s3cret@127.0.0.1:1/ledger";
        let Err(e) = Client::connect(url, NoTls) else {
            panic!("something listens on 127.0.0.1:1");
        };
        let message = connect_error(url, &e);
        assert!(message.contains("127.0.0.1:1"), "{message}");
        assert!(message.contains("refused"), "{message}");
        assert!(!message.contains("s3cret"), "{message}");
        // Several hosts, each with its port.
        let two = "postgres://u:p@127.0.0.1:1,127.0.0.2:1/x";
        let Err(e) = Client::connect(two, NoTls) else {
            panic!("something listens on port 1");
        };
        assert!(
            connect_error(two, &e).contains("to 127.0.0.1:1, 127.0.0.2:1"),
            "{}",
            connect_error(two, &e)
        );
    }
}
