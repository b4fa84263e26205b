use crate::ids::{EventId, KeyId, TicketSerial};
use crate::time::Timestamp;

/// Everything that can go wrong in eticket-core: decoding, verification,
/// validation of masters, and state transitions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended before the format was complete.
    #[error("input truncated: {what} needs at least {needed} bytes, got {got}")]
    Truncated {
        /// Which format was being decoded.
        what: &'static str,
        /// Minimum length.
        needed: usize,
        /// Length received.
        got: usize,
    },
    /// The input is larger than the format's fixed maximum.
    #[error("{what} too large: {len} bytes, the maximum is {max}")]
    TooLarge {
        /// Which format was being decoded.
        what: &'static str,
        /// Length received.
        len: usize,
        /// The format's maximum.
        max: usize,
    },
    /// The version byte names a format version this library does not know.
    #[error("unsupported format version {0}")]
    UnsupportedVersion(u8),
    /// The key id is not in the key set.
    #[error("unknown key {0}")]
    UnknownKey(KeyId),
    /// The key was retired and verifies nothing any more.
    #[error("key {0} is retired")]
    KeyRetired(KeyId),
    /// The key was used outside its validity period.
    #[error("key {key} is not valid at {at}")]
    KeyNotValid {
        /// The key.
        key: KeyId,
        /// The time it was checked at.
        at: Timestamp,
    },
    /// The key may not sign for this event.
    #[error("key {key} is not scoped for event {event}")]
    KeyOutOfScope {
        /// The key.
        key: KeyId,
        /// The event it was used for.
        event: EventId,
    },
    /// The key exists but is for another purpose (tickets, grants, lists).
    #[error("key {0} is not allowed for this purpose")]
    KeyWrongPurpose(KeyId),
    /// The signature does not verify: forged or tampered.
    #[error("signature does not verify")]
    BadSignature,
    /// The signature's S is in the upper half of the group order.
    #[error("signature is not in low-S form")]
    HighS,
    /// The body decoded, but not from its one canonical encoding.
    #[error("{0}: non-canonical encoding")]
    NonCanonical(&'static str),
    /// Bytes were left over after the body.
    #[error("{what}: {extra} trailing bytes")]
    TrailingBytes {
        /// Which format was being decoded.
        what: &'static str,
        /// How many bytes were left over.
        extra: usize,
    },
    /// The body could not be decoded.
    #[error("{0}: malformed body")]
    Malformed(&'static str),
    /// A public or secret key's bytes are not a valid P-256 key.
    #[error("invalid P-256 key bytes")]
    InvalidKey,
    /// A value broke a rule of its type; the message names the field.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field (or path) that is wrong.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Encoding failed because the value does not fit its format.
    #[error("{0}: value does not fit the format")]
    Encode(&'static str),
    /// A revocation delta does not start at the list's current version.
    #[error("revocation delta starts at version {delta_from}, the list is at {have}")]
    RevocationVersion {
        /// The list's version.
        have: u64,
        /// The version the delta applies to.
        delta_from: u64,
    },
    /// Something names a different event than expected.
    #[error("event mismatch: expected {expected}, got {got}")]
    EventMismatch {
        /// The event expected.
        expected: EventId,
        /// The event found.
        got: EventId,
    },
    /// The issuing record holds the ticket back until this time (c32).
    #[error("ticket {serial} may not be written before {until}")]
    HeldUntil {
        /// The ticket.
        serial: TicketSerial,
        /// The earliest time it may be written.
        until: Timestamp,
    },
    /// A ticket master entry cannot move from one state to the other.
    #[error("ticket {serial}: illegal state change {from} -> {to}")]
    IllegalTransition {
        /// The ticket.
        serial: TicketSerial,
        /// Its current state.
        from: &'static str,
        /// The state asked for.
        to: &'static str,
    },
}
