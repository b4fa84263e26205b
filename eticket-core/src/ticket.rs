//! The signed ticket: the payload a chip stores and a paper QR code carries.
//!
//! Layout: the [`crate::signed`] envelope around a postcard-encoded
//! [`TicketBody`]. A typical reserved-seat ticket for a chip is 110 bytes.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::Domain;
use crate::ids::{
    AreaId, BlockId, ChipId, DistributorId, EventId, Generation, KeyId, SeatType, TicketSerial,
};
use crate::keys::{KeyPurpose, KeySet, SigningKeyPair};
use crate::signed::{self, Envelope};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Largest signed ticket accepted: header, the largest possible body, signature.
pub const MAX_TICKET_LEN: usize = 144;

/// Where the ticket lets its holder be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Place {
    /// A reserved seat.
    Seat {
        /// Block.
        block: BlockId,
        /// Row, from 1.
        row: u16,
        /// Seat number, from 1.
        number: u16,
    },
    /// A standing / general-admission area.
    Area(AreaId),
}

/// Who holds the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum Holder {
    /// Printed on paper (c20): no chip; the first admission wins.
    Paper,
    /// Written to this chip; only this chip can present it.
    Chip(ChipId),
}

/// Ticket flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "u8", into = "u8")]
pub struct Flags(u8);

impl Flags {
    /// A specimen or test ticket: verifies, but a gate in production refuses it.
    pub const SPECIMEN: Flags = Flags(1);
    /// The holder may leave and enter again.
    pub const REENTRY: Flags = Flags(2);
    const KNOWN: u8 = 0b11;

    /// No flags.
    pub const fn empty() -> Self {
        Flags(0)
    }

    /// Whether every flag in `other` is set.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union.
    pub const fn with(self, other: Flags) -> Self {
        Flags(self.0 | other.0)
    }

    /// The raw bits.
    pub fn bits(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Flags {
    type Error = &'static str;
    fn try_from(v: u8) -> core::result::Result<Self, Self::Error> {
        if v & !Flags::KNOWN != 0 {
            return Err("unknown flag bits");
        }
        Ok(Flags(v))
    }
}

impl From<Flags> for u8 {
    fn from(f: Flags) -> u8 {
        f.0
    }
}

/// The signed content of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketBody {
    /// The event it admits to.
    pub event: EventId,
    /// Its serial in the ticket master.
    pub serial: TicketSerial,
    /// Its generation (grows on every transfer).
    pub generation: Generation,
    /// Seat or area.
    pub place: Place,
    /// Seat type.
    pub seat_type: SeatType,
    /// Admits from this time.
    pub valid_from: Timestamp,
    /// For this many seconds after `valid_from`.
    pub valid_for: u32,
    /// When the center signed it.
    pub issued_at: Timestamp,
    /// The chip it belongs to, or paper.
    pub holder: Holder,
    /// The distributor that sold it.
    pub distributor: DistributorId,
    /// Flags.
    pub flags: Flags,
}

impl TicketBody {
    /// The last second it admits.
    pub fn valid_until(&self) -> Timestamp {
        self.valid_from.plus(u64::from(self.valid_for))
    }

    /// Encode and sign with a ticket key.
    pub fn sign(&self, key: &SigningKeyPair) -> Result<SignedTicket> {
        let body = codec::encode(self, "ticket")?;
        let bytes = signed::seal(Domain::Ticket, key, &body)?;
        if bytes.len() > MAX_TICKET_LEN {
            return Err(Error::TooLarge {
                what: "ticket",
                len: bytes.len(),
                max: MAX_TICKET_LEN,
            });
        }
        Ok(SignedTicket(bytes))
    }
}

/// A signed ticket's bytes, as stored on a chip or in a QR code.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SignedTicket(Vec<u8>);

impl SignedTicket {
    /// Take bytes from outside as a ticket, checking only the size bounds.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        Envelope::split(bytes, "ticket", MAX_TICKET_LEN)?;
        Ok(Self(bytes.to_vec()))
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Consume into the bytes.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The body, decoded strictly but **not verified**: for holders that keep
    /// tickets someone else already verified or vouched for (a chip whose
    /// center grant covered these bytes, a printer laying out the stub).
    /// Never admit on it: use [`verify`].
    pub fn peek_body(&self) -> Result<TicketBody> {
        peek(&self.0)
    }

    /// SHA-256 of the bytes, as named in grants.
    pub fn hash(&self) -> [u8; 32] {
        crate::grant::payload_hash(&self.0)
    }
}

/// Decode a signed ticket's body strictly without checking its signature.
/// See [`SignedTicket::peek_body`].
pub fn peek(bytes: &[u8]) -> Result<TicketBody> {
    let env = Envelope::split(bytes, "ticket", MAX_TICKET_LEN)?;
    codec::decode_strict(env.body, "ticket")
}

/// A ticket whose signature, encoding and key have been checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedTicket {
    /// The key that signed it.
    pub key: KeyId,
    /// Its content.
    pub body: TicketBody,
}

/// Verify a ticket: size and version, key known and for tickets, signature over
/// the exact bytes, strict decoding, then the key's validity at `now` and at the
/// ticket's `issued_at`, and its scope for the ticket's event.
///
/// Validity window, event and revocation are the gate's questions: see
/// [`admission`](crate::admission).
pub fn verify(bytes: &[u8], keys: &KeySet, now: Timestamp) -> Result<VerifiedTicket> {
    let (entry, body) = verify_signature(bytes, keys)?;
    entry.check(KeyPurpose::Tickets, body.issued_at, now, Some(body.event))?;
    Ok(VerifiedTicket {
        key: entry.id,
        body,
    })
}

/// The body of a ticket whose signature verifies with a ticket key of
/// `keys`, whether or not that key is valid now, retired or scoped for the
/// event: for telling a guest why a ticket is refused (a generation the
/// revocation list says was replaced is "replaced", even after its key
/// expired), never for admitting.
pub fn verify_signature_only(bytes: &[u8], keys: &KeySet) -> Result<TicketBody> {
    verify_signature(bytes, keys).map(|(_, body)| body)
}

fn verify_signature<'k>(
    bytes: &[u8],
    keys: &'k KeySet,
) -> Result<(&'k crate::keys::KeyEntry, TicketBody)> {
    let env = Envelope::split(bytes, "ticket", MAX_TICKET_LEN)?;
    let entry = keys.get(env.key_id)?;
    if entry.purpose != KeyPurpose::Tickets {
        return Err(Error::KeyWrongPurpose(entry.id));
    }
    env.verify(Domain::Ticket, &entry.public)?;
    let body: TicketBody = codec::decode_strict(env.body, "ticket")?;
    Ok((entry, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn typical_ticket_fits_112_bytes() {
        let t = fixtures::chip_ticket(TicketSerial(100_000))
            .sign(&fixtures::ticket_key())
            .unwrap();
        assert!(t.as_bytes().len() <= 112, "{}", t.as_bytes().len());
    }

    #[test]
    fn verify_round_trip() {
        let body = fixtures::chip_ticket(TicketSerial(7));
        let t = body.sign(&fixtures::ticket_key()).unwrap();
        let v = verify(t.as_bytes(), &fixtures::key_set(), fixtures::NOW).unwrap();
        assert_eq!(v.body, body);
    }

    #[test]
    fn unknown_flags_are_malformed() {
        assert!(Flags::try_from(4).is_err());
        assert!(Flags::try_from(3).is_ok());
    }

    #[test]
    fn wrong_purpose_key() {
        let body = fixtures::chip_ticket(TicketSerial(7));
        let t = body.sign(&fixtures::grant_key()).unwrap();
        assert_eq!(
            verify(t.as_bytes(), &fixtures::key_set(), fixtures::NOW).err(),
            Some(Error::KeyWrongPurpose(fixtures::GRANT_KEY))
        );
    }
}
