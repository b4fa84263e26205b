//! Double admissions found when scans decided apart meet: a gate device that
//! could not reach its venue unit admits from what it alone knows, so the
//! same ticket can enter at two devices during a network cut. The unit finds
//! these when the offline scans reach it and reports them here, never
//! merging them away.

use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::record::ScanId;

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
    /// Whether the unit decided it (false: the device, offline).
    pub online: bool,
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
