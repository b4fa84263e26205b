//! Double admissions found when scans decided apart meet: a gate device that
//! could not reach its venue unit admits from what it alone knows, so the
//! same ticket can enter at two devices during a network cut. The unit finds
//! these when the offline scans reach it and reports them here, never
//! merging them away.

use std::collections::{BTreeMap, BTreeSet};

use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::record::{Direction, EntryRecord, ScanId};

/// One ticket admitted more often than the venue's policy allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conflict {
    /// The ticket.
    pub serial: TicketSerial,
    /// Every admission of it, in the order the unit learnt of them.
    pub admissions: Vec<ConflictAdmission>,
}

/// One admission of a conflicting ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConflictAdmission {
    /// The scan.
    #[serde(with = "scan_id_hex")]
    pub scan_id: ScanId,
    /// At which gate.
    pub gate: GateId,
    /// By which device.
    pub device: String,
    /// When (the device's clock).
    pub at: Timestamp,
    /// The admission the unit found breaking its policy when it arrived
    /// (a device's offline decision); the others are the ones before it.
    pub flagged: bool,
}

/// The conflicts that `flagged` admissions make among `records`: for each
/// ticket with a flagged admission, every admission of it, in the order of
/// `records`.
///
/// ```
/// use std::collections::BTreeSet;
/// use eticket_entries::conflict::conflicts_from;
/// assert!(conflicts_from(&[], &BTreeSet::new()).is_empty());
/// ```
pub fn conflicts_from(records: &[EntryRecord], flagged: &BTreeSet<ScanId>) -> Vec<Conflict> {
    let admitted = |r: &&EntryRecord| r.direction == Direction::Entry && r.is_admitted();
    let serials: BTreeSet<TicketSerial> = records
        .iter()
        .filter(admitted)
        .filter(|r| flagged.contains(&r.scan_id))
        .filter_map(|r| r.ticket.map(|t| t.serial))
        .collect();
    let mut by_serial: BTreeMap<TicketSerial, Vec<ConflictAdmission>> = BTreeMap::new();
    for r in records.iter().filter(admitted) {
        let Some(serial) = r.ticket.map(|t| t.serial) else {
            continue;
        };
        if serials.contains(&serial) {
            by_serial
                .entry(serial)
                .or_default()
                .push(ConflictAdmission {
                    scan_id: r.scan_id,
                    gate: r.gate,
                    device: r.device.clone(),
                    at: r.at,
                    flagged: flagged.contains(&r.scan_id),
                });
        }
    }
    by_serial
        .into_iter()
        .map(|(serial, admissions)| Conflict { serial, admissions })
        .collect()
}

mod scan_id_hex {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::record::ScanId;

    pub fn serialize<S: Serializer>(id: &ScanId, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&id.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<ScanId, D::Error> {
        let text = String::deserialize(d)?;
        let mut bytes = [0u8; 16];
        hex::decode_to_slice(&text, &mut bytes).map_err(serde::de::Error::custom)?;
        Ok(ScanId(bytes))
    }
}
