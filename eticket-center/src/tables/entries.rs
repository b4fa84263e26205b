//! The entry-log tables: `gate_units` (the venue units registered for an
//! event, each with its public key) and `gate_scans` (every uploaded scan
//! once, keyed by its scan id, as the unit's encoded record).

use eticket_core::crypto::PublicKey;
use eticket_core::ids::EventId;
use eticket_core::time::Timestamp;
use eticket_entries::{EntryRecord, ScanId};

use crate::store::{Tx, Value};
use crate::{Error, Result};

/// A registered venue unit: its id and the key its batches are signed with.
pub(crate) struct UnitRow {
    /// The unit's id (what its credential names).
    pub id: u32,
    /// Its public key.
    pub public_key: PublicKey,
}

/// The unit of `event` called `name`, if registered.
pub(crate) fn unit(tx: &mut dyn Tx, event: EventId, name: &str) -> Result<Option<UnitRow>> {
    let Some(row) = tx.query_opt(
        "SELECT id, public_key FROM gate_units WHERE event = $1 AND name = $2",
        &[Value::int(event.0), Value::text(name)],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(UnitRow {
        id: row.num(0)?,
        public_key: PublicKey::from_sec1(row.blob(1)?)
            .map_err(|_| Error::corrupt("a unit's public key is not a P-256 key"))?,
    }))
}

/// Register a unit of `event` (the name must be free); its new id.
pub(crate) fn insert_unit(
    tx: &mut dyn Tx,
    event: EventId,
    name: &str,
    key: &PublicKey,
    now: Timestamp,
) -> Result<u32> {
    let id: u32 = tx
        .query_opt("SELECT COALESCE(MAX(id), 0) + 1 FROM gate_units", &[])?
        .ok_or_else(|| Error::corrupt("no next unit id"))?
        .num(0)?;
    tx.execute(
        "INSERT INTO gate_units (id, event, name, public_key, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::int(id),
            Value::int(event.0),
            Value::text(name),
            Value::Blob(key.to_uncompressed().to_vec()),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(id)
}

/// Store a scan unless its id is stored already: whether it was new.
pub(crate) fn insert_scan(
    tx: &mut dyn Tx,
    event: EventId,
    unit: &str,
    record: &EntryRecord,
    stored: &[u8],
) -> Result<bool> {
    let n = tx.execute(
        "INSERT INTO gate_scans (scan_id, event, unit, at, record)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (scan_id) DO NOTHING",
        &[
            Value::Blob(record.scan_id.0.to_vec()),
            Value::int(event.0),
            Value::text(unit),
            Value::u64(record.at.0)?,
            Value::Blob(stored.to_vec()),
        ],
    )?;
    Ok(n == 1)
}

/// Flag the stored scan `scan` of `event` as a double admission its unit
/// found; false when the event has no such scan.
pub(crate) fn flag_conflict(tx: &mut dyn Tx, event: EventId, scan: ScanId) -> Result<bool> {
    let stored = tx
        .query_opt(
            "SELECT 1 FROM gate_scans WHERE scan_id = $1 AND event = $2",
            &[Value::Blob(scan.0.to_vec()), Value::int(event.0)],
        )?
        .is_some();
    if stored {
        tx.execute(
            "INSERT INTO gate_conflicts (scan_id, event) VALUES ($1, $2)
             ON CONFLICT (scan_id) DO NOTHING",
            &[Value::Blob(scan.0.to_vec()), Value::int(event.0)],
        )?;
    }
    Ok(stored)
}

/// The scans of `event` flagged as double admissions.
pub(crate) fn conflicts(tx: &mut dyn Tx, event: EventId) -> Result<Vec<ScanId>> {
    tx.query(
        "SELECT scan_id FROM gate_conflicts WHERE event = $1",
        &[Value::int(event.0)],
    )?
    .iter()
    .map(|row| {
        <[u8; 16]>::try_from(row.blob(0)?)
            .map(ScanId)
            .map_err(|_| Error::corrupt("a stored conflict's scan id is not 16 bytes"))
    })
    .collect()
}

/// The stored bytes of a scan, if any.
pub(crate) fn stored_scan(tx: &mut dyn Tx, scan: ScanId) -> Result<Option<Vec<u8>>> {
    tx.query_opt(
        "SELECT record FROM gate_scans WHERE scan_id = $1",
        &[Value::Blob(scan.0.to_vec())],
    )?
    .map(|row| row.blob(0).map(<[u8]>::to_vec))
    .transpose()
}

/// Every scan of `event`, by time then scan id.
pub(crate) fn scans(tx: &mut dyn Tx, event: EventId) -> Result<Vec<EntryRecord>> {
    tx.query(
        "SELECT record FROM gate_scans WHERE event = $1 ORDER BY at, scan_id",
        &[Value::int(event.0)],
    )?
    .iter()
    .map(|row| {
        EntryRecord::from_stored_bytes(row.blob(0)?)
            .map_err(|e| Error::corrupt(format!("stored gate scan: {e}")))
    })
    .collect()
}
