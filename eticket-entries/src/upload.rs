//! The upload batch: a slice of a venue unit's entry log on its way to the
//! center.
//!
//! The venue unit exports the records after its upload [`Cursor`] as an
//! [`UploadBatch`]; the center stores them keyed by their scan id, so a
//! batch sent twice (a retry after a lost answer, an overlapping export)
//! adds nothing the second time, and a scan id that comes back with
//! *different* content refuses the whole batch.
//!
//! Wire format: one version byte, then the postcard-encoded batch; at most
//! [`MAX_BATCH_LEN`] bytes and [`MAX_BATCH_RECORDS`] records. Version 3
//! adds the scan ids of double admissions the unit found (admissions
//! decided apart by gate devices during a network cut); version 2 records
//! carry the chip's proof (challenge, answer, answer time).
//! [`UploadBatch::decode`] still reads version 2 and version 1 batches from
//! units that have not been updated.

use eticket_core::ids::EventId;
use serde::{Deserialize, Serialize};

use crate::record::{EntryRecord, EntryRecordV1, MAX_DEVICE_LEN, ScanId, device_name};
use crate::{Error, Result};

/// Format version of upload batches this crate writes.
pub const BATCH_VERSION: u8 = 3;
/// The version before batches carried double admissions; still decoded.
pub const BATCH_VERSION_2: u8 = 2;
/// The version before records carried the chip's proof; still decoded.
pub const BATCH_VERSION_1: u8 = 1;
/// Most records in one batch.
pub const MAX_BATCH_RECORDS: usize = 10_000;
/// Largest encoded batch.
pub const MAX_BATCH_LEN: usize = 2 * 1024 * 1024;
/// Most bytes a batch's encoding adds to its records' (version byte, unit
/// name of at most 64 bytes, event, cursors, record and conflict counts).
pub const MAX_BATCH_OVERHEAD: usize = 128;
/// Bytes one reported double admission adds to a batch.
pub const CONFLICT_LEN: usize = 16;
/// Most double admissions reported in one batch.
pub const MAX_BATCH_CONFLICTS: usize = MAX_BATCH_RECORDS;

/// A position in a venue unit's entry log: every record after it is still
/// to be uploaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Cursor(pub i64);

/// A version 2 batch: no double admissions.
#[derive(Deserialize)]
struct BatchV2 {
    unit: String,
    event: EventId,
    from_cursor: i64,
    to_cursor: i64,
    records: Vec<EntryRecord>,
}

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
    /// Admissions the unit found to break its passback policy, decided
    /// apart by gate devices that could not reach it: scans of this batch
    /// or of an earlier one.
    pub conflicts: Vec<ScanId>,
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
            conflicts: Vec::new(),
        };
        batch.validate()?;
        Ok(batch)
    }

    /// The same batch reporting the double admissions `conflicts`.
    pub fn with_conflicts(mut self, conflicts: Vec<ScanId>) -> Result<Self> {
        self.conflicts = conflicts;
        self.validate()?;
        Ok(self)
    }

    fn validate(&self) -> Result<()> {
        if self.unit.len() > MAX_DEVICE_LEN {
            return Err(Error::Batch("unit name longer than 64 bytes"));
        }
        if self.unit.contains('\0') {
            return Err(Error::Batch("unit name holds U+0000"));
        }
        if self.records.len() > MAX_BATCH_RECORDS {
            return Err(Error::BatchTooLarge {
                len: self.records.len(),
                max: MAX_BATCH_RECORDS,
                unit: "records",
            });
        }
        if self.conflicts.len() > MAX_BATCH_CONFLICTS {
            return Err(Error::BatchTooLarge {
                len: self.conflicts.len(),
                max: MAX_BATCH_CONFLICTS,
                unit: "conflicts",
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
            BATCH_VERSION_2 => {
                let (old, rest) = postcard::take_from_bytes::<BatchV2>(body).map_err(malformed)?;
                let batch = Self {
                    unit: old.unit,
                    event: old.event,
                    from_cursor: old.from_cursor,
                    to_cursor: old.to_cursor,
                    records: old.records,
                    conflicts: Vec::new(),
                };
                (batch, rest)
            }
            BATCH_VERSION_1 => {
                let (old, rest) = postcard::take_from_bytes::<BatchV1>(body).map_err(malformed)?;
                let batch = Self {
                    unit: old.unit,
                    event: old.event,
                    from_cursor: old.from_cursor,
                    to_cursor: old.to_cursor,
                    records: old.records.into_iter().map(EntryRecord::from).collect(),
                    conflicts: Vec::new(),
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
