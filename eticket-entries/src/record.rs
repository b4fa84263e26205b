//! One line of the entry log: what happened at which gate, when, to which
//! ticket. Records are what a venue unit keeps offline, uploads in batches,
//! and what statistics are computed from.

use std::fmt;

use eticket_core::chipauth::{CHALLENGE_LEN, GateChallenge};
use eticket_core::crypto::SIGNATURE_LEN;
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

/// What a chip was asked and answered at a scan, kept for audit: the
/// challenge names the event, the gate and the time
/// ([`GateChallenge`]), and the answer is the chip's signature over its id
/// and those 32 bytes, so anyone with the chip's public key can check later
/// which gate the chip answered, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ChipProof {
    /// The challenge the gate sent (a [`GateChallenge`]'s bytes).
    pub challenge: [u8; CHALLENGE_LEN],
    /// The chip's answer: its signature over its id and the challenge.
    #[serde(with = "signature_bytes")]
    pub answer: [u8; SIGNATURE_LEN],
    /// How long the chip took to answer, in milliseconds of the gate's
    /// monotonic clock (saturating).
    pub answer_ms: u32,
}

impl ChipProof {
    /// The challenge read back as event, gate, time and nonce.
    pub fn gate_challenge(&self) -> GateChallenge {
        GateChallenge::from_bytes(&self.challenge)
    }
}

/// serde for a 64-byte signature: bytes (postcard writes a length and the
/// bytes; JSON an array of numbers).
mod signature_bytes {
    use std::fmt;

    use eticket_core::crypto::SIGNATURE_LEN;
    use serde::de::{self, SeqAccess, Visitor};
    use serde::{Deserializer, Serializer};

    pub fn serialize<S: Serializer>(sig: &[u8; SIGNATURE_LEN], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(sig)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; SIGNATURE_LEN], D::Error> {
        d.deserialize_bytes(Signature)
    }

    struct Signature;

    impl<'de> Visitor<'de> for Signature {
        type Value = [u8; SIGNATURE_LEN];

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "{SIGNATURE_LEN} signature bytes")
        }

        fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Self::Value, E> {
            <[u8; SIGNATURE_LEN]>::try_from(v).map_err(|_| E::invalid_length(v.len(), &self))
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = [0u8; SIGNATURE_LEN];
            for (i, b) in out.iter_mut().enumerate() {
                *b = seq
                    .next_element()?
                    .ok_or_else(|| de::Error::invalid_length(i, &self))?;
            }
            if seq.next_element::<u8>()?.is_some() {
                return Err(de::Error::invalid_length(SIGNATURE_LEN + 1, &self));
            }
            Ok(out)
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
    /// For a chip that answered the gate's challenge: the challenge, the
    /// answer and how long it took (records made before gates kept them,
    /// and every other scan: `None`). Last, so that the layout before it
    /// is a prefix of this one.
    pub chip_proof: Option<ChipProof>,
}

/// The layout of [`EntryRecord`] before it carried the chip's proof (entry
/// logs and center archives written then, upload batches of version 1).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct EntryRecordV1 {
    scan_id: ScanId,
    event: EventId,
    at: Timestamp,
    gate: GateId,
    device: String,
    direction: Direction,
    medium: Medium,
    ticket: Option<TicketFacts>,
    result: ScanResult,
}

impl From<EntryRecordV1> for EntryRecord {
    fn from(r: EntryRecordV1) -> Self {
        Self {
            scan_id: r.scan_id,
            event: r.event,
            at: r.at,
            gate: r.gate,
            device: r.device,
            direction: r.direction,
            medium: r.medium,
            ticket: r.ticket,
            result: r.result,
            chip_proof: None,
        }
    }
}

impl EntryRecord {
    /// Decode a record as a unit's entry log or a center's archive stores
    /// it (postcard): the current layout, or the one before records carried
    /// the chip's proof (read with `chip_proof: None`). Neither layout reads
    /// as the other: the current one is the old one plus at least one byte.
    pub fn from_stored_bytes(bytes: &[u8]) -> Result<Self> {
        let corrupt = |e: postcard::Error| Error::CorruptRecord(e.to_string());
        match postcard::take_from_bytes::<Self>(bytes) {
            Ok((record, [])) => Ok(record),
            current => match postcard::take_from_bytes::<EntryRecordV1>(bytes) {
                Ok((old, [])) => Ok(old.into()),
                _ => Err(match current {
                    Err(e) => corrupt(e),
                    Ok(_) => corrupt(postcard::Error::DeserializeBadEncoding),
                }),
            },
        }
    }

    /// Encode as a unit's entry log and a center's archive store it
    /// (postcard, the current layout).
    pub fn to_stored_bytes(&self) -> Result<Vec<u8>> {
        postcard::to_allocvec(self).map_err(|e| Error::CorruptRecord(e.to_string()))
    }

    /// Whether this scan admitted someone.
    pub fn is_admitted(&self) -> bool {
        matches!(self.result, ScanResult::Admitted { .. })
    }

    /// Check the bounds a decoder enforces.
    pub fn validate(&self) -> Result<()> {
        if self.device.len() > MAX_DEVICE_LEN {
            return Err(Error::Batch("device name longer than 64 bytes"));
        }
        if self.device.contains('\0') {
            return Err(Error::Batch("device name holds U+0000"));
        }
        if i64::try_from(self.at.0).is_err() {
            return Err(Error::Batch("scan time beyond the year 292 billion"));
        }
        if matches!(self.result, ScanResult::Admitted { .. }) && self.ticket.is_none() {
            return Err(Error::Batch("an admitted scan must name its ticket"));
        }
        if let Some(proof) = &self.chip_proof {
            if !matches!(self.medium, Medium::Chip(_)) {
                return Err(Error::Batch("a chip proof on a scan of no chip"));
            }
            let challenge = proof.gate_challenge();
            if challenge.event != self.event || challenge.gate != self.gate {
                return Err(Error::Batch(
                    "a chip proof's challenge names another event or gate",
                ));
            }
        }
        Ok(())
    }
}

/// Shorten a device name to [`MAX_DEVICE_LEN`] bytes at a character boundary.
pub fn device_name(device: &str) -> String {
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
