//! Result codes of every entry point, and how Rust errors map onto them.
//!
//! Codes are grouped in ranges and never reused once retired: 0 success,
//! 1xx caller errors, 2xx format and verification, 3xx chip and transport,
//! 4xx gate and entry log, 5xx internal.

use ::eticket_chip::Error as ChipError;
use ::eticket_entries::Error as EntriesError;
use ::eticket_gate::Error as GateError;
use eticket_core::Error as CoreError;

/// The result of a call. `ETICKET_RESULT_OK` (0) is success; anything else
/// is an error whose message `eticket_error` writes.
#[allow(non_camel_case_types)]
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum eticket_result {
    /// Success.
    Ok = 0,

    /// A pointer parameter was NULL.
    NullParameter = 100,
    /// The output buffer is too small; the length out-parameter holds the
    /// size needed.
    BufferTooSmall = 101,
    /// A string parameter is not valid UTF-8.
    InvalidUtf8 = 102,
    /// A parameter is out of its range (an unknown enum value, a wrong length).
    InvalidParameter = 103,
    /// An input is larger than any valid value of its format.
    InputTooLarge = 104,

    /// The bytes are not a valid value of their format (truncated, trailing
    /// bytes, bad encoding). Signed inputs (tickets, key sets, lists, grants)
    /// are checked by signature before their content is decoded
    /// (unauthenticated bytes are never parsed), so bytes cut short or
    /// altered after their header usually give
    /// `ETICKET_RESULT_BAD_SIGNATURE`, and bytes of another kind (a list
    /// offered as a key set) whatever their first bytes lead to:
    /// `ETICKET_RESULT_UNKNOWN_KEY`, `ETICKET_RESULT_BAD_SIGNATURE` or
    /// `ETICKET_RESULT_INPUT_TOO_LARGE`.
    Malformed = 200,
    /// The format version is not one this library knows.
    UnsupportedVersion = 201,
    /// Signed by a key that is not in the key set (or not the root key);
    /// also what bytes of another kind may give, as the key id is read from
    /// their first bytes.
    UnknownKey = 202,
    /// Signed by a key that was retired.
    KeyRetired = 203,
    /// Signed by a key outside its validity period.
    KeyNotValid = 204,
    /// Signed by a key not allowed for this event.
    KeyOutOfScope = 205,
    /// Signed by a key meant for another purpose.
    KeyWrongPurpose = 206,
    /// The signature does not verify: forged, altered, or cut short (the
    /// signature is the last 64 bytes).
    BadSignature = 207,
    /// Public key bytes are not a valid P-256 key.
    InvalidKey = 208,
    /// A value breaks a rule of its format (an expired grant, an event with
    /// no seats, …).
    InvalidValue = 209,
    /// Something names another event than the one expected.
    EventMismatch = 210,
    /// A revocation delta does not start at the list's version.
    RevocationVersion = 211,
    /// A key set or revocation list is not newer than the installed one.
    NotNewer = 212,
    /// The event information is not valid JSON of the event format.
    InvalidEventInfo = 213,
    /// A grant names another chip, counter or operation than the one asked.
    GrantMismatch = 214,
    /// A key set's version is further ahead of the installed one than a
    /// verifier accepts (it would lock out every later key set).
    VersionJump = 215,
    /// A write grant is for other payload bytes than the ones given.
    GrantPayloadMismatch = 216,

    /// The chip refused the command (a status word other than 9000).
    ChipRefused = 300,
    /// The chip's answer does not have the documented layout.
    ChipMalformed = 301,
    /// The card was reset or reinserted; the call may be repeated.
    CardReset = 302,
    /// No card in the reader.
    NoCard = 303,
    /// The transport (the caller's transmit callback) failed.
    TransportFailed = 304,
    /// PC/SC reported an error.
    Pcsc = 305,
    /// Waiting for a reader or card timed out.
    Timeout = 306,
    /// This library was built without PC/SC support (cargo feature `pcsc`).
    PcscUnavailable = 307,
    /// A paper ticket could not be rendered.
    PaperRender = 308,
    /// A command could not be encoded as an APDU.
    Apdu = 309,
    /// A file could not be read or written (a test card's state).
    Io = 310,
    /// The holder's PIN is wrong; `eticket_chip_pin_tries_left` tells how
    /// many tries are left before the card blocks.
    WrongPin = 311,
    /// The PIN is blocked: the card signs no transfer or cancellation any
    /// more; the holder's distributor moves the tickets to a new card.
    PinBlocked = 312,
    /// The card or reader broke the protocol in a way that would have kept
    /// the lane busy without end (endless `61xx`, `6Cxx` loops, an oversize
    /// answer); the exchange was stopped. Take the card out and try again.
    ChipMisbehaved = 313,

    /// The entry log's database failed.
    EntryLogDatabase = 400,
    /// The entry log holds values this version cannot read.
    EntryLogCorrupt = 401,
    /// The entry log belongs to another event.
    EntryLogWrongEvent = 402,
    /// The gate configuration is not usable (e.g. an unknown gate id).
    GateConfig = 403,
    /// The system random source failed.
    Random = 404,
    /// The venue unit did not answer (and the device had nothing from
    /// before to start with).
    VenueUnreachable = 405,
    /// The other end did not speak the venue protocol or did not prove it
    /// holds the device's secret.
    VenueProtocol = 406,
    /// The venue unit refused the device (an unknown name, another version).
    VenueRefused = 407,

    /// An internal error that should not happen.
    Internal = 500,
    /// The library panicked; the call had no effect that can be relied on.
    Panic = 501,
}

/// Every code with its message, in ascending order; the one table both
/// [`eticket_result::message`] and [`eticket_result::from_code`] read.
const MESSAGES: &[(eticket_result, &str)] = {
    use eticket_result::*;
    &[
        (Ok, "success"),
        (NullParameter, "a pointer parameter was NULL"),
        (
            BufferTooSmall,
            "the output buffer is too small (the length out-parameter holds the size needed)",
        ),
        (InvalidUtf8, "a string parameter is not valid UTF-8"),
        (InvalidParameter, "a parameter is out of its range"),
        (InputTooLarge, "an input is larger than its format allows"),
        (Malformed, "the bytes are not a valid value of their format"),
        (UnsupportedVersion, "unsupported format version"),
        (UnknownKey, "signed by a key that is not trusted"),
        (KeyRetired, "signed by a retired key"),
        (KeyNotValid, "signed by a key outside its validity period"),
        (KeyOutOfScope, "signed by a key not allowed for this event"),
        (KeyWrongPurpose, "signed by a key meant for another purpose"),
        (BadSignature, "the signature does not verify"),
        (InvalidKey, "invalid P-256 public key"),
        (InvalidValue, "a value breaks a rule of its format"),
        (EventMismatch, "the data is for another event"),
        (
            RevocationVersion,
            "the revocation delta does not start at the list's version",
        ),
        (NotNewer, "not newer than the installed version"),
        (InvalidEventInfo, "the event information is not valid"),
        (
            GrantMismatch,
            "the grant names another chip, counter or operation",
        ),
        (
            VersionJump,
            "a key set's version jumps too far past the installed one",
        ),
        (
            GrantPayloadMismatch,
            "the write grant is for another payload than the one given",
        ),
        (ChipRefused, "the chip refused the command"),
        (ChipMalformed, "the chip's answer is malformed"),
        (CardReset, "the card was reset or reinserted"),
        (NoCard, "no card in the reader"),
        (TransportFailed, "the transport failed"),
        (Pcsc, "PC/SC error"),
        (Timeout, "timed out"),
        (
            PcscUnavailable,
            "this library was built without PC/SC support",
        ),
        (PaperRender, "the paper ticket could not be rendered"),
        (Apdu, "the command could not be encoded as an APDU"),
        (Io, "a file could not be read or written"),
        (WrongPin, "wrong PIN"),
        (
            PinBlocked,
            "the PIN is blocked: the card signs no transfer any more",
        ),
        (
            ChipMisbehaved,
            "the card misbehaved (endless or oversize answers); the exchange was stopped",
        ),
        (EntryLogDatabase, "the entry log database failed"),
        (EntryLogCorrupt, "the entry log holds invalid values"),
        (EntryLogWrongEvent, "the entry log belongs to another event"),
        (GateConfig, "invalid gate configuration"),
        (Random, "the system random source failed"),
        (VenueUnreachable, "the venue unit did not answer"),
        (
            VenueProtocol,
            "the venue unit's answer is not the venue protocol, or it did not prove it holds the device's secret",
        ),
        (VenueRefused, "the venue unit refused this device"),
        (Internal, "internal error"),
        (Panic, "internal error: the library panicked"),
    ]
};

impl eticket_result {
    /// The code as a number.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The result for a number, if it is a known code.
    pub fn from_code(code: u32) -> Option<Self> {
        MESSAGES.iter().map(|(r, _)| *r).find(|r| r.code() == code)
    }

    /// The message, in English.
    pub fn message(self) -> &'static str {
        MESSAGES
            .iter()
            .find(|(r, _)| *r == self)
            .map_or("unknown result code", |(_, m)| m)
    }

    /// Every known code, ascending.
    pub fn all() -> impl Iterator<Item = Self> {
        MESSAGES.iter().map(|(r, _)| *r)
    }
}

impl From<&CoreError> for eticket_result {
    fn from(e: &CoreError) -> Self {
        use eticket_result as R;
        match e {
            CoreError::Truncated { .. }
            | CoreError::NonCanonical(_)
            | CoreError::TrailingBytes { .. }
            | CoreError::Malformed(_)
            | CoreError::Encode(_) => R::Malformed,
            CoreError::TooLarge { .. } => R::InputTooLarge,
            CoreError::UnsupportedVersion(_) => R::UnsupportedVersion,
            CoreError::UnknownKey(_) => R::UnknownKey,
            CoreError::KeyRetired(_) => R::KeyRetired,
            CoreError::KeyNotValid { .. } => R::KeyNotValid,
            CoreError::KeyOutOfScope { .. } => R::KeyOutOfScope,
            CoreError::KeyWrongPurpose(_) => R::KeyWrongPurpose,
            CoreError::BadSignature | CoreError::HighS => R::BadSignature,
            CoreError::InvalidKey => R::InvalidKey,
            CoreError::EventMismatch { .. } => R::EventMismatch,
            CoreError::RevocationVersion { .. } => R::RevocationVersion,
            _ => R::InvalidValue,
        }
    }
}

impl From<CoreError> for eticket_result {
    fn from(e: CoreError) -> Self {
        Self::from(&e)
    }
}

impl From<ChipError> for eticket_result {
    fn from(e: ChipError) -> Self {
        use eticket_result as R;
        match e {
            ChipError::Apdu { .. } => R::Apdu,
            ChipError::Refused { .. } => R::ChipRefused,
            ChipError::WrongPin { .. } => R::WrongPin,
            ChipError::PinBlocked => R::PinBlocked,
            ChipError::CardMisbehaved { .. } => R::ChipMisbehaved,
            ChipError::Malformed { .. } => R::ChipMalformed,
            ChipError::Invalid { .. } => R::InvalidParameter,
            ChipError::CardReset => R::CardReset,
            ChipError::NoCard => R::NoCard,
            ChipError::Transport(_) | ChipError::Net { .. } => R::TransportFailed,
            #[cfg(feature = "pcsc")]
            ChipError::Pcsc { .. } => R::Pcsc,
            ChipError::Timeout(_) => R::Timeout,
            ChipError::Io { .. } => R::Io,
            ChipError::Paper(_) => R::PaperRender,
            ChipError::Core(e) => R::from(&e),
            _ => R::Internal,
        }
    }
}

impl From<EntriesError> for eticket_result {
    fn from(e: EntriesError) -> Self {
        use eticket_result as R;
        match e {
            EntriesError::Batch(_) | EntriesError::BatchTooLarge { .. } => R::Malformed,
            EntriesError::CorruptRecord(_) => R::EntryLogCorrupt,
            EntriesError::Random(_) => R::Random,
            _ => R::Internal,
        }
    }
}

impl From<GateError> for eticket_result {
    fn from(e: GateError) -> Self {
        use eticket_result as R;
        match e {
            GateError::Database { .. } => R::EntryLogDatabase,
            GateError::CorruptLog { .. } => R::EntryLogCorrupt,
            GateError::WrongEventLog { .. } => R::EntryLogWrongEvent,
            GateError::Chip(_) => R::TransportFailed,
            GateError::Sync { source, .. } => R::from(&source),
            GateError::NotNewer { .. } => R::NotNewer,
            GateError::VersionJump { .. } => R::VersionJump,
            GateError::Config(_) => R::GateConfig,
            GateError::TimeOutOfRange(_) => R::InvalidParameter,
            GateError::Entries(e) => R::from(e),
            GateError::Random(_) => R::Random,
            GateError::Link(_) => R::VenueUnreachable,
            GateError::Protocol(_) => R::VenueProtocol,
            GateError::UnitRefused(_) => R::VenueRefused,
            _ => R::Internal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_ascending_and_in_their_ranges() {
        let codes: Vec<u32> = eticket_result::all().map(eticket_result::code).collect();
        assert!(codes.windows(2).all(|w| w[0] < w[1]), "{codes:?}");
        for r in eticket_result::all() {
            assert_eq!(eticket_result::from_code(r.code()), Some(r));
            assert_ne!(r.message(), "unknown result code");
            assert!(matches!(r.code(), 0 | 100..=599), "{r:?}");
        }
        assert_eq!(eticket_result::from_code(1), None);
        assert_eq!(eticket_result::from_code(99_999), None);
    }

    #[test]
    fn core_errors_map_to_the_format_range() {
        assert_eq!(
            eticket_result::from(CoreError::BadSignature),
            eticket_result::BadSignature
        );
        assert_eq!(
            eticket_result::from(CoreError::Malformed("x")),
            eticket_result::Malformed
        );
    }
}
