//! Identifiers as newtypes, so an event id is never passed where a ticket serial
//! belongs.

use core::fmt;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

macro_rules! numeric_id {
    ($(#[$doc:meta])* $name:ident($inner:ty), $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
        #[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
        #[serde(transparent)]
        pub struct $name(pub $inner);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "{}"), self.0)
            }
        }

        impl From<$inner> for $name {
            fn from(v: $inner) -> Self {
                Self(v)
            }
        }
    };
}

numeric_id!(
    /// An event registered by an organizer (c2).
    EventId(u32), "E"
);
numeric_id!(
    /// The serial number of one sellable ticket in an event's ticket master (c7).
    TicketSerial(u32), "T"
);
numeric_id!(
    /// A ticket seller (distribution authentication apparatus, c14).
    DistributorId(u16), "D"
);
numeric_id!(
    /// A registered member of a distributor (c28, c31).
    MemberId(u32), "M"
);
numeric_id!(
    /// A signing key of the center, as named in a key set.
    KeyId(u16), "K"
);
numeric_id!(
    /// The generation of a ticket: 0 when first issued, +1 on every transfer.
    Generation(u16), "g"
);
numeric_id!(
    /// A block (section) of a venue.
    BlockId(u16), "B"
);
numeric_id!(
    /// A standing or general-admission area of a venue.
    AreaId(u16), "A"
);
numeric_id!(
    /// An entrance gate of a venue.
    GateId(u16), "G"
);
numeric_id!(
    /// A seat type (category) of an event, e.g. "S", "A", "wheelchair".
    SeatType(u8), "S"
);

impl Generation {
    /// The next generation, or an error when the counter is exhausted.
    pub fn next(self) -> crate::Result<Self> {
        self.0
            .checked_add(1)
            .map(Self)
            .ok_or(crate::Error::Invalid {
                field: "generation",
                reason: "exhausted",
            })
    }
}

/// Length of a chip id in bytes.
pub const CHIP_ID_LEN: usize = 16;

/// The id of an information storage chip (c21): the first 16 bytes of
/// SHA-256 over a domain tag and the chip's uncompressed SEC1 public key, so a
/// chip cannot claim an id without holding the matching private key.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChipId(pub [u8; CHIP_ID_LEN]);

impl ChipId {
    /// Derive the chip id from the chip's public key (uncompressed SEC1, 65 bytes).
    pub fn from_public_key(sec1_uncompressed: &[u8]) -> Self {
        let digest = Sha256::new()
            .chain_update(crate::crypto::Domain::ChipId.tag())
            .chain_update(sec1_uncompressed)
            .finalize();
        let mut id = [0u8; CHIP_ID_LEN];
        id.copy_from_slice(&digest[..CHIP_ID_LEN]);
        Self(id)
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; CHIP_ID_LEN] {
        &self.0
    }
}

impl fmt::Display for ChipId {
    /// 32 lowercase hex digits, written at once (a chip id is formatted for
    /// every sale's holder, where a `write!` per byte showed in profiles).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut out = [0u8; 32];
        for (pair, b) in out.chunks_exact_mut(2).zip(self.0) {
            pair[0] = DIGITS[usize::from(b >> 4)];
            pair[1] = DIGITS[usize::from(b & 0x0f)];
        }
        // Only ASCII hex digits were written.
        f.write_str(core::str::from_utf8(&out).map_err(|_| fmt::Error)?)
    }
}

impl fmt::Debug for ChipId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ChipId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn display_prefixes() {
        assert_eq!(EventId(7).to_string(), "E7");
        assert_eq!(TicketSerial(12).to_string(), "T12");
        assert_eq!(ChipId([0xab; 16]).to_string(), "ab".repeat(16));
        let every_nibble: [u8; 16] = core::array::from_fn(|i| (i as u8) * 0x11);
        assert_eq!(
            ChipId(every_nibble).to_string(),
            "00112233445566778899aabbccddeeff"
        );
        assert_eq!(ChipId([0x0f; 16]).to_string(), "0f".repeat(16));
    }

    #[test]
    fn generation_exhausts() {
        assert_eq!(Generation(1).next(), Ok(Generation(2)));
        assert!(Generation(u16::MAX).next().is_err());
    }

    #[test]
    fn chip_id_depends_on_key() {
        assert_ne!(
            ChipId::from_public_key(&[4; 65]),
            ChipId::from_public_key(&[5; 65])
        );
    }
}
