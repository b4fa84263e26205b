//! PostgreSQL backend: serializable transactions, run again when PostgreSQL
//! reports a serialization failure or a deadlock (a unique-key violation is
//! run again twice at most, then answered as a duplicate); a
//! bounded pool of connections so several threads (and several center
//! processes) work on one database at once without exceeding what the server
//! allows.

use bytes::BytesMut;
use postgres::error::SqlState;
use postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use postgres::{Client, IsolationLevel, NoTls};

use super::pool::{POOL_WAIT, Pool};
use super::{MAX_ATTEMPTS, Row, Store, Tx, TxBody, Value, backoff, schema};
use crate::{Error, Result};

/// Most connections one center process opens by default (PostgreSQL's own
/// default limit is 100 for all clients together).
pub const DEFAULT_MAX_CONNECTIONS: usize = 16;

/// Runs of a transaction that met a unique-key violation: the first may have
/// lost a race for a new key, a third is a real duplicate.
const DUPLICATE_ATTEMPTS: u32 = 3;

/// A PostgreSQL ledger.
pub struct PostgresStore {
    url: String,
    schema: Option<String>,
    pool: Pool<Client>,
}

/// A connection out of the pool; goes back when dropped, also on unwinding.
struct Taken<'a> {
    store: &'a PostgresStore,
    client: Option<Client>,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let Some(client) = self.client.take() {
            let alive = !client.is_closed() && !std::thread::panicking();
            self.store.pool.give_back(client, alive);
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
            message,
            retryable: matches!(
                code,
                Some(&SqlState::T_R_SERIALIZATION_FAILURE | &SqlState::T_R_DEADLOCK_DETECTED)
            ),
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

struct PgTx<'a, 'c>(&'a mut postgres::Transaction<'c>);

fn refs(params: &[Value]) -> Vec<&(dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl Tx for PgTx<'_, '_> {
    fn execute(&mut self, sql: &str, params: &[Value]) -> Result<u64> {
        self.0.execute(sql, &refs(params)).map_err(map_err)
    }

    fn query(&mut self, sql: &str, params: &[Value]) -> Result<Vec<Row>> {
        self.0
            .query(sql, &refs(params))
            .map_err(map_err)?
            .iter()
            .map(read_row)
            .collect()
    }
}

/// Whether `name` is a plain SQL identifier (used for test schemas).
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
        };
        drop(store.take()?);
        store.transaction(&mut |tx| {
            // Several centers may start at once on an empty database.
            tx.execute("SELECT pg_advisory_xact_lock(7305)", &[])?;
            schema::migrate(tx, &|s| s.to_owned())
        })?;
        Ok(store)
    }

    fn new_client(&self) -> Result<Client> {
        let mut client = Client::connect(&self.url, NoTls).map_err(|e| Error::Storage {
            backend: "postgres",
            message: format!("cannot connect: {e}"),
            retryable: false,
        })?;
        if let Some(s) = &self.schema {
            client
                .batch_execute(&format!(
                    "CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}"
                ))
                .map_err(map_err)?;
        }
        Ok(client)
    }

    fn take(&self) -> Result<Taken<'_>> {
        let client = self.pool.take(|| self.new_client(), |c| !c.is_closed())?;
        Ok(Taken {
            store: self,
            client: Some(client),
        })
    }

    fn attempt<T>(client: &mut Client, body: &mut TxBody<'_, T>) -> Result<T> {
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .map_err(map_err)?;
        let value = body(&mut PgTx(&mut tx))?;
        tx.commit().map_err(map_err)?;
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
        let client = taken
            .client
            .as_mut()
            .ok_or_else(|| Error::corrupt("pooled connection missing"))?;
        let mut attempt = 0;
        let mut duplicates = 0;
        loop {
            match Self::attempt(client, body) {
                Err(e) if e.is_retryable() && attempt + 1 < MAX_ATTEMPTS => {
                    attempt += 1;
                    backoff(attempt);
                }
                // A unique key taken by a concurrent transaction that chose
                // the same new key is a lost race PostgreSQL does not report
                // as one: run again, a little; a key taken for good is a
                // duplicate, answered at once.
                Err(Error::Duplicate { .. }) if duplicates + 1 < DUPLICATE_ATTEMPTS => {
                    duplicates += 1;
                    backoff(duplicates);
                }
                other => break other,
            }
        }
    }
}
