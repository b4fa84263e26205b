//! Uploading the entry log to the center, idempotently.
//!
//! The gate side exports the records after its upload cursor as an
//! [`UploadBatch`]; the center imports it with [`import_batch`] (into its own
//! SQLite connection) or through a [`ScanArchive`]. Records are keyed by their
//! scan id, so a batch sent twice — a retry after a lost answer, an
//! overlapping export — adds nothing the second time; a scan id that comes
//! back with *different* content is an error, and the whole batch is rolled
//! back.
//!
//! Wire format: one version byte, then the postcard-encoded batch; at most
//! [`MAX_BATCH_LEN`] bytes and [`MAX_BATCH_RECORDS`] records. Version 2
//! records carry the chip's proof (challenge, answer, answer time);
//! [`UploadBatch::decode`] still reads version 1 batches from units that
//! have not been updated (their records without a proof).

use std::path::Path;

use eticket_core::ids::EventId;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use serde::{Deserialize, Serialize};

use crate::entry_log::Cursor;
use crate::error::DbContext;
use crate::record::{EntryRecord, EntryRecordV1, MAX_DEVICE_LEN, device_name};
use crate::{Error, Result};

/// Format version of upload batches this crate writes.
pub const BATCH_VERSION: u8 = 2;
/// The version before records carried the chip's proof; still decoded.
pub const BATCH_VERSION_1: u8 = 1;
/// Most records in one batch.
pub const MAX_BATCH_RECORDS: usize = 10_000;
/// Largest encoded batch.
pub const MAX_BATCH_LEN: usize = 2 * 1024 * 1024;
/// Most bytes a batch's encoding adds to its records' (version byte, unit
/// name of at most 64 bytes, event, cursors, record count).
pub const MAX_BATCH_OVERHEAD: usize = 128;

/// A version 1 batch: the same fields, records in their old layout.
#[derive(Deserialize)]
struct BatchV1 {
    unit: String,
    event: EventId,
    from_cursor: i64,
    to_cursor: i64,
    records: Vec<EntryRecordV1>,
}

/// A slice of a venue unit's entry log, on its way to the center.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UploadBatch {
    /// The sending venue unit's name (at most 64 bytes).
    pub unit: String,
    /// The event every record is for.
    pub event: EventId,
    /// The unit's cursor before the first record.
    pub from_cursor: i64,
    /// The unit's cursor after the last record.
    pub to_cursor: i64,
    /// The records, in log order.
    pub records: Vec<EntryRecord>,
}

impl UploadBatch {
    /// A batch, checked against the format's bounds.
    pub fn new(
        unit: &str,
        event: EventId,
        from: Cursor,
        to: Cursor,
        records: Vec<EntryRecord>,
    ) -> Result<Self> {
        let batch = Self {
            unit: device_name(unit),
            event,
            from_cursor: from.0,
            to_cursor: to.0,
            records,
        };
        batch.validate()?;
        Ok(batch)
    }

    fn validate(&self) -> Result<()> {
        if self.unit.len() > MAX_DEVICE_LEN {
            return Err(Error::Batch("unit name longer than 64 bytes"));
        }
        if self.records.len() > MAX_BATCH_RECORDS {
            return Err(Error::BatchTooLarge {
                len: self.records.len(),
                max: MAX_BATCH_RECORDS,
                unit: "records",
            });
        }
        if self.to_cursor < self.from_cursor {
            return Err(Error::Batch("cursor runs backwards"));
        }
        for r in &self.records {
            r.validate()?;
            if r.event != self.event {
                return Err(Error::Batch("a record names another event than its batch"));
            }
        }
        Ok(())
    }

    /// Encode: version byte, then postcard.
    pub fn encode(&self) -> Result<Vec<u8>> {
        self.validate()?;
        let mut out = vec![BATCH_VERSION];
        let body = postcard::to_allocvec(self).map_err(|_| Error::Batch("cannot encode"))?;
        out.extend_from_slice(&body);
        if out.len() > MAX_BATCH_LEN {
            return Err(Error::BatchTooLarge {
                len: out.len(),
                max: MAX_BATCH_LEN,
                unit: "bytes",
            });
        }
        Ok(out)
    }

    /// Decode any bytes: an error for anything that is not a valid batch,
    /// never a panic; reads at most [`MAX_BATCH_LEN`] bytes.
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        if bytes.len() > MAX_BATCH_LEN {
            return Err(Error::BatchTooLarge {
                len: bytes.len(),
                max: MAX_BATCH_LEN,
                unit: "bytes",
            });
        }
        let (&version, body) = bytes.split_first().ok_or(Error::Batch("empty input"))?;
        let malformed = |_| Error::Batch("malformed body");
        let (batch, rest) = match version {
            BATCH_VERSION => postcard::take_from_bytes::<Self>(body).map_err(malformed)?,
            BATCH_VERSION_1 => {
                let (old, rest) = postcard::take_from_bytes::<BatchV1>(body).map_err(malformed)?;
                let batch = Self {
                    unit: old.unit,
                    event: old.event,
                    from_cursor: old.from_cursor,
                    to_cursor: old.to_cursor,
                    records: old.records.into_iter().map(EntryRecord::from).collect(),
                };
                (batch, rest)
            }
            _ => return Err(Error::Batch("unknown format version")),
        };
        if !rest.is_empty() {
            return Err(Error::Batch("trailing bytes after the batch"));
        }
        batch.validate()?;
        Ok(batch)
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Records stored for the first time.
    pub added: usize,
    /// Records already stored (a retried upload).
    pub already_present: usize,
}

/// The center's table of gate scans, keyed by scan id.
pub const ARCHIVE_SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS gate_scans (
    scan_id BLOB    PRIMARY KEY,
    event   INTEGER NOT NULL,
    unit    TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    record  BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS gate_scans_event ON gate_scans (event, at);
";

/// Import `batch` into `conn` (which must hold [`ARCHIVE_SCHEMA`]) in one
/// transaction: every record once, keyed by scan id.
///
/// ```
/// # use eticket_gate::upload::*;
/// let conn = rusqlite::Connection::open_in_memory().unwrap();
/// conn.execute_batch(ARCHIVE_SCHEMA).unwrap();
/// let batch = UploadBatch { unit: "venue".into(), event: eticket_core::ids::EventId(1),
///     from_cursor: 0, to_cursor: 0, records: vec![] };
/// assert_eq!(import_batch(&conn, &batch).unwrap(), ImportReport::default());
/// ```
pub fn import_batch(conn: &Connection, batch: &UploadBatch) -> Result<ImportReport> {
    batch.validate()?;
    let p = "center archive";
    let tx = rusqlite::Transaction::new_unchecked(conn, TransactionBehavior::Immediate).db(p)?;
    let mut report = ImportReport::default();
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO gate_scans (scan_id, event, unit, at, record)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (scan_id) DO NOTHING",
            )
            .db(p)?;
        let mut existing = tx
            .prepare_cached("SELECT record FROM gate_scans WHERE scan_id = ?1")
            .db(p)?;
        for r in &batch.records {
            let bytes = r.to_stored_bytes()?;
            let at = i64::try_from(r.at.0).map_err(|_| Error::Batch("time out of range"))?;
            let n = insert
                .execute(params![
                    &r.scan_id.0[..],
                    i64::from(r.event.0),
                    &batch.unit,
                    at,
                    &bytes
                ])
                .db(p)?;
            if n == 1 {
                report.added += 1;
                continue;
            }
            let stored: Option<Vec<u8>> = existing
                .query_row(params![&r.scan_id.0[..]], |row| row.get(0))
                .optional()
                .db(p)?;
            // Compared as records, not bytes: a scan stored from a version 1
            // batch and sent again in version 2 is the same scan.
            let same = match stored.as_deref() {
                Some(b) if b == bytes.as_slice() => true,
                Some(b) => EntryRecord::from_stored_bytes(b).is_ok_and(|old| &old == r),
                None => false,
            };
            if !same {
                return Err(Error::ScanIdConflict {
                    scan_id: r.scan_id.to_string(),
                });
            }
            report.already_present += 1;
        }
    }
    tx.commit().db(p)?;
    Ok(report)
}

/// Every record stored for `event`, by time.
pub fn archived_records(conn: &Connection, event: EventId) -> Result<Vec<EntryRecord>> {
    let p = "center archive";
    let mut stmt = conn
        .prepare_cached("SELECT record FROM gate_scans WHERE event = ?1 ORDER BY at, scan_id")
        .db(p)?;
    let rows = stmt
        .query_map(params![i64::from(event.0)], |r| r.get::<_, Vec<u8>>(0))
        .db(p)?;
    let mut out = Vec::new();
    for row in rows {
        let bytes = row.db(p)?;
        out.push(
            EntryRecord::from_stored_bytes(&bytes).map_err(|e| Error::CorruptLog {
                what: "gate_scans.record",
                detail: e.to_string(),
            })?,
        );
    }
    Ok(out)
}

/// A standalone SQLite store of uploaded scans (the center can also use
/// [`import_batch`] on its own connection).
#[derive(Debug)]
pub struct ScanArchive {
    conn: Connection,
}

impl ScanArchive {
    /// Open (or create) an archive file.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let p = path.as_ref().display().to_string();
        let conn = Connection::open(path.as_ref()).db(&p)?;
        conn.busy_timeout(std::time::Duration::from_secs(30))
            .db(&p)?;
        conn.execute_batch(ARCHIVE_SCHEMA).db(&p)?;
        Ok(Self { conn })
    }

    /// Import one batch; see [`import_batch`].
    pub fn import(&mut self, batch: &UploadBatch) -> Result<ImportReport> {
        import_batch(&self.conn, batch)
    }

    /// Decode and import an encoded batch.
    pub fn import_bytes(&mut self, bytes: &[u8]) -> Result<ImportReport> {
        self.import(&UploadBatch::decode(bytes)?)
    }

    /// Every record of `event`.
    pub fn records(&self, event: EventId) -> Result<Vec<EntryRecord>> {
        archived_records(&self.conn, event)
    }
}
