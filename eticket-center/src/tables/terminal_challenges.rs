//! The `terminal_challenges` table: challenges the center gave store
//! terminals for a buyer's card to sign, each used once before it expires.

use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// Store a fresh challenge for `terminal`.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    challenge: &[u8],
    terminal: u32,
    now: Timestamp,
    expires_at: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO terminal_challenges (challenge, terminal, created_at, expires_at) VALUES ($1, $2, $3, $4)",
        &[
            Value::Blob(challenge.to_vec()),
            Value::int(terminal),
            Value::u64(now.0)?,
            Value::u64(expires_at.0)?,
        ],
    )?;
    Ok(())
}

/// Use `challenge` of `terminal` at `now`: true when it was given to that
/// terminal, has not expired and was not used before (it is used now).
pub(crate) fn use_once(
    tx: &mut dyn Tx,
    challenge: &[u8],
    terminal: u32,
    now: Timestamp,
) -> Result<bool> {
    let used = tx.execute(
        "UPDATE terminal_challenges SET used_at = $3
         WHERE challenge = $1 AND terminal = $2 AND used_at IS NULL AND expires_at > $3",
        &[
            Value::Blob(challenge.to_vec()),
            Value::int(terminal),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(used == 1)
}

/// Forget challenges that expired before `before` (used or not).
pub(crate) fn delete_expired(tx: &mut dyn Tx, before: Timestamp) -> Result<u64> {
    tx.execute(
        "DELETE FROM terminal_challenges WHERE expires_at < $1",
        &[Value::u64(before.0)?],
    )
}
