//! The `idempotency` table: the first answer to each (principal, key), with
//! the hash of the request it answered.

use std::collections::HashMap;

use eticket_core::time::Timestamp;

use crate::Result;
use crate::records::{BATCH_ROWS, placeholders};
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

/// The stored request hashes and answers of `principal` under any of
/// `keys`, by key: [`find`] for a batch, a statement per few dozen keys.
pub(crate) fn find_many(
    tx: &mut dyn Tx,
    principal: &str,
    keys: &[&str],
) -> Result<HashMap<String, (Vec<u8>, String)>> {
    let mut found = HashMap::new();
    for chunk in keys.chunks(BATCH_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() + 1);
        params.push(Value::text(principal));
        params.extend(chunk.iter().map(|k| Value::text(*k)));
        let sql = format!(
            "SELECT key, request_hash, response FROM idempotency WHERE principal = $1 AND key IN ({})",
            placeholders(2, chunk.len())
        );
        for row in tx.query(&sql, &params)? {
            found.insert(
                row.text(0)?.to_owned(),
                (row.blob(1)?.to_vec(), row.text(2)?.to_owned()),
            );
        }
    }
    Ok(found)
}

/// One answer for [`insert_many`]: principal, key, request hash, answer.
pub(crate) type Answered = (String, String, Vec<u8>, String);

/// Store many answers, as [`insert`] each.
pub(crate) fn insert_many(tx: &mut dyn Tx, answers: &[Answered], now: Timestamp) -> Result<()> {
    const PER_ROW: usize = 4;
    for chunk in answers.chunks(BATCH_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() * PER_ROW + 1);
        params.push(Value::u64(now.0)?);
        let mut values = String::with_capacity(chunk.len() * 24);
        for (i, (principal, key, hash, answer)) in chunk.iter().enumerate() {
            let base = 2 + i * PER_ROW;
            if i > 0 {
                values.push_str(", ");
            }
            values.push_str(&format!(
                "(${}, ${}, ${}, ${}, $1)",
                base,
                base + 1,
                base + 2,
                base + 3
            ));
            params.push(Value::text(principal.as_str()));
            params.push(Value::text(key.as_str()));
            params.push(Value::Blob(hash.clone()));
            params.push(Value::text(answer.as_str()));
        }
        tx.execute(
            &format!(
                "INSERT INTO idempotency (principal, key, request_hash, response, created_at) VALUES {values}"
            ),
            &params,
        )?;
    }
    Ok(())
}
