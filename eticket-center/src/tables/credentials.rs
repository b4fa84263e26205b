//! The `credentials` table: bearer tokens by their hash (the token itself is
//! shown once and never stored), each with its role and subject.

use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// A stored credential: role, subject and (for a venue unit) the unit.
pub(crate) struct CredentialRow {
    /// `organizer`, `distributor`, `terminal` or `gate`.
    pub role: String,
    /// The organizer, distributor, terminal or event id.
    pub subject: i64,
    /// The venue unit a gate credential is bound to.
    pub unit: Option<u32>,
}

/// Store a credential under its token's hash.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    token_hash: &[u8],
    row: &CredentialRow,
    label: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO credentials (token_hash, role, subject, label, created_at, unit) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::Blob(token_hash.to_vec()),
            Value::text(row.role.clone()),
            Value::Int(row.subject),
            Value::text(label),
            Value::u64(now.0)?,
            Value::opt_int(row.unit),
        ],
    )?;
    Ok(())
}

/// The credential whose token hashes to `token_hash`, if any.
pub(crate) fn find(tx: &mut dyn Tx, token_hash: &[u8]) -> Result<Option<CredentialRow>> {
    tx.query_opt(
        "SELECT role, subject, unit FROM credentials WHERE token_hash = $1",
        &[Value::Blob(token_hash.to_vec())],
    )?
    .map(|row| {
        Ok(CredentialRow {
            role: row.text(0)?.to_owned(),
            subject: row.int(1)?,
            unit: row.opt_num(2)?,
        })
    })
    .transpose()
}
