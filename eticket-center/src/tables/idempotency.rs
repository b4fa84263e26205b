//! The `idempotency` table: the first answer to each (principal, key), with
//! the hash of the request it answered.

use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// The stored request hash and answer (JSON) under `key`, if any.
pub(crate) fn find(
    tx: &mut dyn Tx,
    principal: &str,
    key: &str,
) -> Result<Option<(Vec<u8>, String)>> {
    tx.query_opt(
        "SELECT request_hash, response FROM idempotency WHERE principal = $1 AND key = $2",
        &[Value::text(principal), Value::text(key)],
    )?
    .map(|row| Ok((row.blob(0)?.to_vec(), row.text(1)?.to_owned())))
    .transpose()
}

/// Store the answer to a request under `key`.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    principal: &str,
    key: &str,
    request_hash: &[u8],
    answer: String,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO idempotency (principal, key, request_hash, response, created_at)
         VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::text(principal),
            Value::text(key),
            Value::Blob(request_hash.to_vec()),
            Value::Text(answer),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(())
}
