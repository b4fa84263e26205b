//! The `signed_key_sets` table: each key set version as its root signed
//! it, what a center with the root offline publishes.

use eticket_core::ids::KeyId;
use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// Store the signed bytes of key set `version` (replacing an earlier
/// signature of the same version).
pub(crate) fn store(
    tx: &mut dyn Tx,
    version: u64,
    root: KeyId,
    signed: &[u8],
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "DELETE FROM signed_key_sets WHERE version = $1",
        &[Value::u64(version)?],
    )?;
    tx.execute(
        "INSERT INTO signed_key_sets (version, root, signed, signed_at) VALUES ($1, $2, $3, $4)",
        &[
            Value::u64(version)?,
            Value::int(root.0),
            Value::Blob(signed.to_vec()),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(())
}

/// The newest version `root` signed, with its bytes.
pub(crate) fn newest_of(tx: &mut dyn Tx, root: KeyId) -> Result<Option<(u64, Vec<u8>)>> {
    tx.query_opt(
        "SELECT version, signed FROM signed_key_sets WHERE root = $1 ORDER BY version DESC LIMIT 1",
        &[Value::int(root.0)],
    )?
    .map(|r| Ok((r.num::<u64>(0)?, r.blob(1)?.to_vec())))
    .transpose()
}
