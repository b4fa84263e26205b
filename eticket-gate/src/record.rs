//! One line of the entry log: what happened at which gate, when, to which
//! ticket. Records are what a venue unit keeps offline, uploads in batches,
//! and what statistics are computed from.

use std::fmt;

use eticket_core::ids::{
    ChipId, DistributorId, EventId, GateId, Generation, SeatType, TicketSerial,
};
use eticket_core::ticket::{Place, TicketBody};
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::refusal::Refusal;
use crate::{Error, Result};

/// Longest device name kept in a record.
pub const MAX_DEVICE_LEN: usize = 64;

/// A scan's unique id: 16 random bytes, so ids from every device of every
/// venue never collide and an upload can be retried safely.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ScanId(pub [u8; 16]);

impl ScanId {
    /// A fresh id from the system's random source.
    pub fn random() -> Result<Self> {
        let mut id = [0u8; 16];
        OsRng
            .try_fill_bytes(&mut id)
            .map_err(|e| Error::Random(e.to_string()))?;
        Ok(Self(id))
    }

    /// Parse the 32-character hex form.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut id = [0u8; 16];
        hex::decode_to_slice(s, &mut id).ok()?;
        Some(Self(id))
    }
}

impl fmt::Display for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for ScanId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ScanId({self})")
    }
}

/// Entering or leaving.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    /// An entry attempt.
    Entry,
    /// An exit scan (re-entry policies).
    Exit,
}

/// How the ticket was presented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Medium {
    /// A chip, with the id it claimed (proven only when the scan was admitted
    /// or refused for a reason after the challenge).
    Chip(ChipId),
    /// A chip that could not even tell its id.
    UnreadableChip,
    /// A scanned paper code.
    Paper,
}

/// What the verified ticket said; absent when it did not verify.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TicketFacts {
    /// The ticket.
    pub serial: TicketSerial,
    /// Its generation.
    pub generation: Generation,
    /// Its seat or area.
    pub place: Place,
    /// Its seat type.
    pub seat_type: SeatType,
    /// The distributor that sold it.
    pub distributor: DistributorId,
}

impl From<&TicketBody> for TicketFacts {
    fn from(t: &TicketBody) -> Self {
        Self {
            serial: t.serial,
            generation: t.generation,
            place: t.place,
            seat_type: t.seat_type,
            distributor: t.distributor,
        }
    }
}

/// The result of a scan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ScanResult {
    /// Admitted; `entry` counts this ticket's admissions, from 1.
    Admitted {
        /// Which admission of the ticket this was.
        entry: u32,
    },
    /// Refused with a [`Refusal`] code (kept as a number so that a newer
    /// gate's codes survive an older center).
    Refused {
        /// The refusal's stable code.
        code: u16,
    },
    /// An exit was recorded.
    Exited,
}

impl ScanResult {
    /// The refusal, for a refused scan with a known code.
    pub fn refusal(self) -> Option<Refusal> {
        match self {
            ScanResult::Refused { code } => Refusal::from_code(code),
            _ => None,
        }
    }
}

/// One scan of the entry log.
///
/// Serializable with serde (JSON for people, postcard in upload batches); a
/// center stores it keyed by [`scan_id`](Self::scan_id).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct EntryRecord {
    /// Unique id of the scan.
    pub scan_id: ScanId,
    /// The event the unit admits to.
    pub event: EventId,
    /// When (the gate's clock).
    pub at: Timestamp,
    /// Which gate.
    pub gate: GateId,
    /// Which device of the gate (a name, at most [`MAX_DEVICE_LEN`] bytes).
    pub device: String,
    /// Entry or exit.
    pub direction: Direction,
    /// Chip or paper.
    pub medium: Medium,
    /// The ticket, when it verified.
    pub ticket: Option<TicketFacts>,
    /// What happened.
    pub result: ScanResult,
}

impl EntryRecord {
    /// Whether this scan admitted someone.
    pub fn is_admitted(&self) -> bool {
        matches!(self.result, ScanResult::Admitted { .. })
    }

    /// Check the bounds a decoder enforces.
    pub fn validate(&self) -> Result<()> {
        if self.device.len() > MAX_DEVICE_LEN {
            return Err(Error::Batch("device name longer than 64 bytes"));
        }
        if i64::try_from(self.at.0).is_err() {
            return Err(Error::Batch("scan time beyond the year 292 billion"));
        }
        if matches!(self.result, ScanResult::Admitted { .. }) && self.ticket.is_none() {
            return Err(Error::Batch("an admitted scan must name its ticket"));
        }
        Ok(())
    }
}

/// Shorten a device name to [`MAX_DEVICE_LEN`] bytes at a character boundary.
pub(crate) fn device_name(device: &str) -> String {
    let mut end = device.len().min(MAX_DEVICE_LEN);
    while !device.is_char_boundary(end) {
        end -= 1;
    }
    device[..end].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_ids_are_fresh_and_hex_round_trips() {
        let a = ScanId::random().unwrap();
        let b = ScanId::random().unwrap();
        assert_ne!(a, b);
        assert_eq!(ScanId::from_hex(&a.to_string()), Some(a));
        assert_eq!(ScanId::from_hex("zz"), None);
    }

    #[test]
    fn device_names_are_cut_at_char_boundaries() {
        let long = "é".repeat(40);
        let cut = device_name(&long);
        assert!(cut.len() <= MAX_DEVICE_LEN);
        assert!(long.starts_with(&cut));
    }
}
