//! The `credentials` table: bearer tokens by their hash (the token itself is
//! shown once and never stored), each with its role, subject, expiry and
//! revocation; `terminal_distributors` (the distributors each store
//! terminal serves); and the `credentials_version` meta row, advanced by
//! every revocation and rotation so that every center process notices.

use eticket_core::ids::DistributorId;
use eticket_core::time::Timestamp;

use crate::store::{Tx, Value};
use crate::{Error, Result};

/// A stored credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CredentialRow {
    /// SHA-256 of the token.
    pub token_hash: Vec<u8>,
    /// `organizer`, `distributor`, `terminal` or `gate`.
    pub role: String,
    /// The organizer, distributor, terminal or event id.
    pub subject: i64,
    /// The venue unit a gate credential is bound to.
    pub unit: Option<u32>,
    /// What the operator called it.
    pub label: String,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it stops working (`None`: made before credentials expired).
    pub expires_at: Option<Timestamp>,
    /// When it was revoked.
    pub revoked_at: Option<Timestamp>,
    /// When a rotation replaced it.
    pub rotated_at: Option<Timestamp>,
}

const COLUMNS: &str =
    "token_hash, role, subject, unit, label, created_at, expires_at, revoked_at, rotated_at";

fn row_of(row: &crate::store::Row) -> Result<CredentialRow> {
    Ok(CredentialRow {
        token_hash: row.blob(0)?.to_vec(),
        role: row.text(1)?.to_owned(),
        subject: row.int(2)?,
        unit: row.opt_num(3)?,
        label: row.text(4)?.to_owned(),
        created_at: Timestamp(row.num(5)?),
        expires_at: row.opt_num(6)?.map(Timestamp),
        revoked_at: row.opt_num(7)?.map(Timestamp),
        rotated_at: row.opt_num(8)?.map(Timestamp),
    })
}

/// Store a credential under its token's hash.
pub(crate) fn insert(tx: &mut dyn Tx, row: &CredentialRow) -> Result<()> {
    tx.execute(
        "INSERT INTO credentials (token_hash, role, subject, label, created_at, unit, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::Blob(row.token_hash.clone()),
            Value::text(row.role.clone()),
            Value::Int(row.subject),
            Value::text(row.label.clone()),
            Value::u64(row.created_at.0)?,
            Value::opt_int(row.unit),
            match row.expires_at {
                Some(t) => Value::u64(t.0)?,
                None => Value::Null,
            },
        ],
    )?;
    Ok(())
}

/// The credential whose token hashes to `token_hash`, if any (revoked and
/// expired ones included: the caller decides).
pub(crate) fn find(tx: &mut dyn Tx, token_hash: &[u8]) -> Result<Option<CredentialRow>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM credentials WHERE token_hash = $1"),
        &[Value::Blob(token_hash.to_vec())],
    )?
    .map(|row| row_of(&row))
    .transpose()
}

/// Every credential, oldest first; only those of one role and subject when
/// `of` is given.
pub(crate) fn list(tx: &mut dyn Tx, of: Option<(&str, i64)>) -> Result<Vec<CredentialRow>> {
    let rows = match of {
        Some((role, subject)) => tx.query(
            &format!(
                "SELECT {COLUMNS} FROM credentials WHERE role = $1 AND subject = $2 ORDER BY created_at, token_hash"
            ),
            &[Value::text(role), Value::Int(subject)],
        )?,
        None => tx.query(
            &format!("SELECT {COLUMNS} FROM credentials ORDER BY created_at, token_hash"),
            &[],
        )?,
    };
    rows.iter().map(row_of).collect()
}

/// Mark a credential revoked at `at` (a revoked one stays as it was).
pub(crate) fn revoke(tx: &mut dyn Tx, token_hash: &[u8], at: Timestamp) -> Result<()> {
    tx.execute(
        "UPDATE credentials SET revoked_at = $2 WHERE token_hash = $1 AND revoked_at IS NULL",
        &[Value::Blob(token_hash.to_vec()), Value::u64(at.0)?],
    )?;
    bump_version(tx)
}

/// Mark a credential replaced by a rotation at `now`, working until
/// `until` at the latest.
pub(crate) fn replace(
    tx: &mut dyn Tx,
    token_hash: &[u8],
    now: Timestamp,
    until: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE credentials SET rotated_at = $3,
             expires_at = CASE WHEN expires_at IS NULL OR expires_at > $2 THEN $2 ELSE expires_at END
         WHERE token_hash = $1",
        &[
            Value::Blob(token_hash.to_vec()),
            Value::u64(until.0)?,
            Value::u64(now.0)?,
        ],
    )?;
    bump_version(tx)
}

/// The credentials version: changes whenever a credential is revoked or
/// cut short, so a process's cache of credentials knows to reload.
pub(crate) fn version(tx: &mut dyn Tx) -> Result<i64> {
    match tx.query_opt(
        "SELECT value FROM meta WHERE name = 'credentials_version'",
        &[],
    )? {
        Some(row) => row
            .text(0)?
            .parse()
            .map_err(|_| Error::corrupt("meta.credentials_version is not a number")),
        None => Ok(0),
    }
}

fn bump_version(tx: &mut dyn Tx) -> Result<()> {
    let next = version(tx)? + 1;
    tx.execute("DELETE FROM meta WHERE name = 'credentials_version'", &[])?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('credentials_version', $1)",
        &[Value::text(next.to_string())],
    )?;
    Ok(())
}

/// The distributors a store terminal serves.
pub(crate) fn terminal_distributors(tx: &mut dyn Tx, terminal: u32) -> Result<Vec<DistributorId>> {
    tx.query(
        "SELECT distributor FROM terminal_distributors WHERE terminal = $1 ORDER BY distributor",
        &[Value::int(terminal)],
    )?
    .iter()
    .map(|row| Ok(DistributorId(row.num(0)?)))
    .collect()
}

/// Whether store terminal `terminal` serves distributor `d`.
pub(crate) fn terminal_serves(tx: &mut dyn Tx, terminal: u32, d: DistributorId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM terminal_distributors WHERE terminal = $1 AND distributor = $2",
            &[Value::int(terminal), Value::int(d.0)],
        )?
        .is_some())
}

/// Let store terminal `terminal` serve distributor `d` (once).
pub(crate) fn add_terminal_distributor(
    tx: &mut dyn Tx,
    terminal: u32,
    d: DistributorId,
) -> Result<()> {
    if !terminal_serves(tx, terminal, d)? {
        tx.execute(
            "INSERT INTO terminal_distributors (terminal, distributor) VALUES ($1, $2)",
            &[Value::int(terminal), Value::int(d.0)],
        )?;
    }
    Ok(())
}
