//! The key tables: `center_keys` (the sealed ticket, grant and list keys,
//! with purpose, validity, state and event scope), `center_roots` (each
//! root's public half and the rollover that made it current) and the
//! `meta` rows the keys keep (the key set version, the writers' lock).
//! Sealing, opening and the rules of rotation are [`crate::keys`]'.

use eticket_core::crypto::PublicKey;
use eticket_core::ids::{EventId, KeyId};
use eticket_core::time::Timestamp;

use crate::store::{Tx, Value};
use crate::{Error, Result};

/// A key as `center_keys` holds it.
pub(crate) struct KeyRow {
    /// The key id.
    pub id: KeyId,
    /// Its purpose's name (`tickets`, `grants`, `lists`; `root` in ledgers
    /// from before the root moved out).
    pub purpose: String,
    /// The secret: sealed, or in plain text in a ledger from before.
    pub secret: Vec<u8>,
    /// Valid from.
    pub not_before: Timestamp,
    /// Valid until.
    pub not_after: Timestamp,
    /// Retired: listed as such, signs nothing.
    pub retired: bool,
    /// A grant key prepared for the next rotation.
    pub prepared: bool,
    /// Whether `secret` is sealed.
    pub sealed: bool,
    /// The one event a ticket key signs for.
    pub event: Option<EventId>,
}

fn count(tx: &mut dyn Tx, sql: &str, params: &[Value]) -> Result<i64> {
    tx.query_opt(sql, params)?
        .ok_or_else(|| Error::corrupt("COUNT returned no row"))?
        .int(0)
}

/// The key set version stored in the ledger (1 before any rotation).
pub(crate) fn key_set_version(tx: &mut dyn Tx) -> Result<u64> {
    match tx.query_opt("SELECT value FROM meta WHERE name = 'key_set_version'", &[])? {
        None => Ok(1),
        Some(row) => row
            .text(0)?
            .parse()
            .map_err(|_| Error::corrupt("meta.key_set_version is not a number")),
    }
}

/// Store the key set version.
pub(crate) fn set_key_set_version(tx: &mut dyn Tx, version: u64) -> Result<()> {
    tx.execute("DELETE FROM meta WHERE name = 'key_set_version'", &[])?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('key_set_version', $1)",
        &[Value::text(version.to_string())],
    )?;
    Ok(())
}

/// Rewrite the writers' lock row: a concurrent transaction that does the
/// same waits for this one and runs again.
pub(crate) fn lock(tx: &mut dyn Tx, now: Timestamp) -> Result<()> {
    tx.execute("DELETE FROM meta WHERE name = 'center_keys_lock'", &[])?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('center_keys_lock', $1)",
        &[Value::text(now.0.to_string())],
    )?;
    Ok(())
}

/// The highest key id in use, over the center keys and the roots.
pub(crate) fn top_key_id(tx: &mut dyn Tx) -> Result<u16> {
    let mut top = 0u16;
    for sql in [
        "SELECT MAX(id) FROM center_keys",
        "SELECT MAX(id) FROM center_roots",
    ] {
        if let Some(v) = tx
            .query_opt(sql, &[])?
            .map(|r| r.opt_num::<u16>(0))
            .transpose()?
        {
            top = top.max(v.unwrap_or(0));
        }
    }
    Ok(top)
}

/// How many keys, roots and keys still in plain text the ledger holds.
pub(crate) fn counts(tx: &mut dyn Tx) -> Result<(i64, i64, i64)> {
    Ok((
        count(tx, "SELECT COUNT(*) FROM center_keys", &[])?,
        count(tx, "SELECT COUNT(*) FROM center_roots", &[])?,
        count(tx, "SELECT COUNT(*) FROM center_keys WHERE sealed = 0", &[])?,
    ))
}

/// Record a root's public half (and the rollover statement that made it
/// current, signed by the root before).
pub(crate) fn insert_root(
    tx: &mut dyn Tx,
    id: KeyId,
    public: &PublicKey,
    now: Timestamp,
    rollover: Option<&[u8]>,
) -> Result<()> {
    tx.execute(
        "INSERT INTO center_roots (id, public, created_at, rollover) VALUES ($1, $2, $3, $4)",
        &[
            Value::int(id.0),
            Value::Blob(public.to_uncompressed().to_vec()),
            Value::u64(now.0)?,
            rollover.map_or(Value::Null, |r| Value::Blob(r.to_vec())),
        ],
    )?;
    Ok(())
}

/// Whether the root is recorded, and if so when it was superseded (`None`:
/// it is current).
pub(crate) fn root_superseded_at(tx: &mut dyn Tx, id: KeyId) -> Result<Option<Option<i64>>> {
    tx.query_opt(
        "SELECT superseded_at FROM center_roots WHERE id = $1",
        &[Value::int(id.0)],
    )?
    .map(|r| r.opt_int(0))
    .transpose()
}

/// The current root, if the ledger names one.
pub(crate) fn current_root(tx: &mut dyn Tx) -> Result<Option<(KeyId, PublicKey)>> {
    tx.query_opt(
        "SELECT id, public FROM center_roots WHERE superseded_at IS NULL",
        &[],
    )?
    .map(|row| Ok((KeyId(row.num(0)?), PublicKey::from_sec1(row.blob(1)?)?)))
    .transpose()
}

/// Mark the current root superseded (a rollover adds the next one).
pub(crate) fn supersede_current_root(tx: &mut dyn Tx, now: Timestamp) -> Result<()> {
    tx.execute(
        "UPDATE center_roots SET superseded_at = $1 WHERE superseded_at IS NULL",
        &[Value::u64(now.0)?],
    )?;
    Ok(())
}

/// Every root in the order they became current, with when and the rollover
/// statement that made each current (none for the first).
pub(crate) type RootEntry = (KeyId, Timestamp, Option<Vec<u8>>);

/// Every root in the order they became current ([`RootEntry`]).
pub(crate) fn root_history(tx: &mut dyn Tx) -> Result<Vec<RootEntry>> {
    tx.query(
        "SELECT id, created_at, rollover FROM center_roots ORDER BY created_at, id",
        &[],
    )?
    .iter()
    .map(|row| {
        Ok((
            KeyId(row.num(0)?),
            Timestamp(row.num(1)?),
            row.opt_blob(2)?.map(<[u8]>::to_vec),
        ))
    })
    .collect()
}

/// Every key still listed (not dropped), by id.
pub(crate) fn listed_keys(tx: &mut dyn Tx) -> Result<Vec<KeyRow>> {
    tx.query(
        "SELECT id, purpose, secret, not_before, not_after, retired, prepared, sealed, event FROM center_keys WHERE dropped = 0 ORDER BY id",
        &[],
    )?
    .iter()
    .map(|row| {
        Ok(KeyRow {
            id: KeyId(row.num(0)?),
            purpose: row.text(1)?.to_owned(),
            secret: row.blob(2)?.to_vec(),
            not_before: Timestamp(row.num(3)?),
            not_after: Timestamp(row.num(4)?),
            retired: row.int(5)? != 0,
            prepared: row.int(6)? != 0,
            sealed: row.int(7)? != 0,
            event: row.opt_num::<u32>(8)?.map(EventId),
        })
    })
    .collect()
}

/// The keys still in plain text (a ledger from before keys were sealed):
/// id, purpose name, secret.
pub(crate) fn plain_keys(tx: &mut dyn Tx) -> Result<Vec<(KeyId, String, Vec<u8>)>> {
    tx.query(
        "SELECT id, purpose, secret FROM center_keys WHERE sealed = 0 ORDER BY id",
        &[],
    )?
    .iter()
    .map(|row| {
        Ok((
            KeyId(row.num(0)?),
            row.text(1)?.to_owned(),
            row.blob(2)?.to_vec(),
        ))
    })
    .collect()
}

/// Insert a sealed key.
pub(crate) fn insert_sealed_key(tx: &mut dyn Tx, key: &KeyRow) -> Result<()> {
    tx.execute(
        "INSERT INTO center_keys (id, purpose, secret, not_before, not_after, retired, prepared, sealed, event)
         VALUES ($1, $2, $3, $4, $5, 0, $6, 1, $7)",
        &[
            Value::int(key.id.0),
            Value::text(key.purpose.clone()),
            Value::Blob(key.secret.clone()),
            Value::u64(key.not_before.0)?,
            Value::u64(key.not_after.0)?,
            Value::int(i64::from(key.prepared)),
            key.event.map_or(Value::Null, |e| Value::int(e.0)),
        ],
    )?;
    Ok(())
}

/// Replace a plain-text secret by its sealed form.
pub(crate) fn seal_key(tx: &mut dyn Tx, id: KeyId, sealed: &[u8]) -> Result<()> {
    tx.execute(
        "UPDATE center_keys SET secret = $2, sealed = 1 WHERE id = $1",
        &[Value::int(id.0), Value::Blob(sealed.to_vec())],
    )?;
    Ok(())
}

/// Remove a key row (a root found among the keys of an old ledger).
pub(crate) fn delete_key(tx: &mut dyn Tx, id: KeyId) -> Result<()> {
    tx.execute("DELETE FROM center_keys WHERE id = $1", &[Value::int(id.0)])?;
    Ok(())
}

/// A prepared key starts signing, valid from `not_before` to `not_after`.
pub(crate) fn activate_prepared(
    tx: &mut dyn Tx,
    id: KeyId,
    not_before: Timestamp,
    not_after: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE center_keys SET prepared = 0, not_before = $2, not_after = $3 WHERE id = $1",
        &[
            Value::int(id.0),
            Value::u64(not_before.0)?,
            Value::u64(not_after.0)?,
        ],
    )?;
    Ok(())
}

/// A key's purpose name and whether it is retired, if it exists.
pub(crate) fn purpose_and_retired(tx: &mut dyn Tx, id: KeyId) -> Result<Option<(String, bool)>> {
    tx.query_opt(
        "SELECT purpose, retired FROM center_keys WHERE id = $1",
        &[Value::int(id.0)],
    )?
    .map(|r| Ok((r.text(0)?.to_owned(), r.int(1)? != 0)))
    .transpose()
}

/// Retire a key (and un-prepare it).
pub(crate) fn retire(tx: &mut dyn Tx, id: KeyId) -> Result<()> {
    tx.execute(
        "UPDATE center_keys SET retired = 1, prepared = 0 WHERE id = $1",
        &[Value::int(id.0)],
    )?;
    Ok(())
}

/// Leave a retired key out of the key set from the next version on:
/// whether it was a retired key still listed.
pub(crate) fn drop_retired(tx: &mut dyn Tx, id: KeyId) -> Result<bool> {
    Ok(tx.execute(
        "UPDATE center_keys SET dropped = 1 WHERE id = $1 AND retired = 1 AND dropped = 0",
        &[Value::int(id.0)],
    )? == 1)
}

/// Keep `event`'s ticket keys in the key set until at least `until` (its
/// new date after a postponement), though they expire before.
pub(crate) fn keep_event_keys_until(
    tx: &mut dyn Tx,
    event: EventId,
    until: Timestamp,
) -> Result<()> {
    tx.execute(
        "UPDATE center_keys SET keep_until = $2 WHERE event = $1 AND dropped = 0 AND not_after < $2",
        &[Value::int(event.0), Value::u64(until.0)?],
    )?;
    Ok(())
}

/// Drop event ticket keys that expired before `now` from the key set.
pub(crate) fn drop_expired_event_keys(tx: &mut dyn Tx, now: Timestamp) -> Result<()> {
    tx.execute(
        "UPDATE center_keys SET dropped = 1 WHERE event IS NOT NULL AND dropped = 0 AND COALESCE(keep_until, not_after) < $1",
        &[Value::u64(now.0)?],
    )?;
    Ok(())
}

/// How many keys the key set lists.
pub(crate) fn count_listed(tx: &mut dyn Tx) -> Result<i64> {
    count(
        tx,
        "SELECT COUNT(*) FROM center_keys WHERE dropped = 0 AND (prepared = 0 OR retired = 1)",
        &[],
    )
}

/// How many of `organizer`'s events have a ticket key in the key set.
pub(crate) fn count_keyed_events_of(tx: &mut dyn Tx, organizer: u32) -> Result<i64> {
    count(
        tx,
        "SELECT COUNT(DISTINCT k.event) FROM center_keys k JOIN events e ON e.id = k.event
         WHERE k.dropped = 0 AND e.organizer = $1",
        &[Value::int(organizer)],
    )
}
