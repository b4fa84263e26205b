//! ISO 7816-4 status words (SW1 SW2), one variant per status the chip uses.

use core::fmt;

/// A status word: the last two bytes of every response APDU.
///
/// ```
/// use eticket_chip::status::StatusWord;
/// assert_eq!(StatusWord::from(0x6A83), StatusWord::RecordNotFound);
/// assert_eq!(u16::from(StatusWord::Success), 0x9000);
/// assert_eq!(StatusWord::from(0x6123), StatusWord::BytesRemaining(0x23));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StatusWord {
    /// `9000`: normal processing.
    Success,
    /// `61xx`: more response bytes are available with GET RESPONSE (`00` = 256 or more).
    BytesRemaining(u8),
    /// `6581`: memory failure; the persistent state could not be committed and
    /// is unchanged.
    MemoryFailure,
    /// `6700`: wrong length (Lc or the data field's inner lengths).
    WrongLength,
    /// `63Cx`: VERIFY failed (wrong PIN, or no PIN presented yet); `x` wrong
    /// PINs are still allowed before the chip blocks.
    VerificationFailed(u8),
    /// `6983`: the PIN is blocked: too many wrong PINs; the chip signs no
    /// transfer or cancellation any more (the holder's distributor moves the
    /// tickets to a new card).
    AuthenticationBlocked,
    /// `6982`: security status not satisfied: the grant is not valid for this
    /// chip, counter, payload or key.
    SecurityStatusNotSatisfied,
    /// `6985`: conditions of use not satisfied (not selected, not
    /// personalized, already personalized, slot occupied, counter exhausted).
    ConditionsNotSatisfied,
    /// `6A80`: incorrect parameters in the data field (malformed grant,
    /// payload or record).
    WrongData,
    /// `6A82`: file or application not found (unknown AID).
    FileNotFound,
    /// `6A83`: record not found (empty slot).
    RecordNotFound,
    /// `6A84`: not enough memory space (every slot is taken).
    NotEnoughMemory,
    /// `6A86`: incorrect P1-P2.
    IncorrectP1P2,
    /// `6Cxx`: wrong Le; `xx` is the exact length available.
    WrongLe(u8),
    /// `6883`: the last part of a command chain was expected; another
    /// command arrived and the chain was dropped.
    LastCommandExpected,
    /// `6D00`: instruction not supported.
    InstructionNotSupported,
    /// `6E00`: class not supported.
    ClassNotSupported,
    /// `6F00`: no precise diagnosis.
    NoPreciseDiagnosis,
    /// Any other status word, kept as received.
    Other(u16),
}

impl StatusWord {
    /// Whether this is `9000`.
    pub fn is_success(self) -> bool {
        self == StatusWord::Success
    }

    /// The two bytes, SW1 first.
    pub fn to_bytes(self) -> [u8; 2] {
        u16::from(self).to_be_bytes()
    }

    /// From SW1 and SW2.
    pub fn from_bytes(sw1: u8, sw2: u8) -> Self {
        Self::from(u16::from_be_bytes([sw1, sw2]))
    }
}

impl From<u16> for StatusWord {
    fn from(sw: u16) -> Self {
        let [sw1, sw2] = sw.to_be_bytes();
        match (sw1, sw2) {
            (0x90, 0x00) => Self::Success,
            (0x61, n) => Self::BytesRemaining(n),
            (0x65, 0x81) => Self::MemoryFailure,
            (0x67, 0x00) => Self::WrongLength,
            (0x63, n) if n & 0xF0 == 0xC0 => Self::VerificationFailed(n & 0x0F),
            (0x69, 0x83) => Self::AuthenticationBlocked,
            (0x69, 0x82) => Self::SecurityStatusNotSatisfied,
            (0x69, 0x85) => Self::ConditionsNotSatisfied,
            (0x6A, 0x80) => Self::WrongData,
            (0x6A, 0x82) => Self::FileNotFound,
            (0x6A, 0x83) => Self::RecordNotFound,
            (0x6A, 0x84) => Self::NotEnoughMemory,
            (0x6A, 0x86) => Self::IncorrectP1P2,
            (0x6C, n) => Self::WrongLe(n),
            (0x68, 0x83) => Self::LastCommandExpected,
            (0x6D, 0x00) => Self::InstructionNotSupported,
            (0x6E, 0x00) => Self::ClassNotSupported,
            (0x6F, 0x00) => Self::NoPreciseDiagnosis,
            _ => Self::Other(sw),
        }
    }
}

impl From<StatusWord> for u16 {
    fn from(sw: StatusWord) -> u16 {
        match sw {
            StatusWord::Success => 0x9000,
            StatusWord::BytesRemaining(n) => 0x6100 | u16::from(n),
            StatusWord::MemoryFailure => 0x6581,
            StatusWord::WrongLength => 0x6700,
            StatusWord::VerificationFailed(n) => 0x63C0 | u16::from(n & 0x0F),
            StatusWord::AuthenticationBlocked => 0x6983,
            StatusWord::SecurityStatusNotSatisfied => 0x6982,
            StatusWord::ConditionsNotSatisfied => 0x6985,
            StatusWord::WrongData => 0x6A80,
            StatusWord::FileNotFound => 0x6A82,
            StatusWord::RecordNotFound => 0x6A83,
            StatusWord::NotEnoughMemory => 0x6A84,
            StatusWord::IncorrectP1P2 => 0x6A86,
            StatusWord::WrongLe(n) => 0x6C00 | u16::from(n),
            StatusWord::LastCommandExpected => 0x6883,
            StatusWord::InstructionNotSupported => 0x6D00,
            StatusWord::ClassNotSupported => 0x6E00,
            StatusWord::NoPreciseDiagnosis => 0x6F00,
            StatusWord::Other(sw) => sw,
        }
    }
}

impl fmt::Display for StatusWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self {
            StatusWord::Success => "success",
            StatusWord::BytesRemaining(_) => "more response bytes available",
            StatusWord::MemoryFailure => "memory failure",
            StatusWord::WrongLength => "wrong length",
            StatusWord::VerificationFailed(_) => "PIN not verified",
            StatusWord::AuthenticationBlocked => "PIN blocked",
            StatusWord::SecurityStatusNotSatisfied => "security status not satisfied",
            StatusWord::ConditionsNotSatisfied => "conditions of use not satisfied",
            StatusWord::WrongData => "incorrect data",
            StatusWord::FileNotFound => "application not found",
            StatusWord::RecordNotFound => "record not found",
            StatusWord::NotEnoughMemory => "not enough memory",
            StatusWord::IncorrectP1P2 => "incorrect P1-P2",
            StatusWord::WrongLe(_) => "wrong Le",
            StatusWord::LastCommandExpected => "last command of the chain expected",
            StatusWord::InstructionNotSupported => "instruction not supported",
            StatusWord::ClassNotSupported => "class not supported",
            StatusWord::NoPreciseDiagnosis => "no precise diagnosis",
            StatusWord::Other(_) => "unknown status",
        };
        write!(f, "{:04X} ({what})", u16::from(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_u16_round_trips() {
        for sw in 0..=u16::MAX {
            assert_eq!(u16::from(StatusWord::from(sw)), sw);
        }
    }

    #[test]
    fn named_variants_are_not_other() {
        for sw in [
            StatusWord::Success,
            StatusWord::BytesRemaining(0),
            StatusWord::MemoryFailure,
            StatusWord::WrongLength,
            StatusWord::VerificationFailed(2),
            StatusWord::AuthenticationBlocked,
            StatusWord::SecurityStatusNotSatisfied,
            StatusWord::ConditionsNotSatisfied,
            StatusWord::WrongData,
            StatusWord::FileNotFound,
            StatusWord::RecordNotFound,
            StatusWord::NotEnoughMemory,
            StatusWord::IncorrectP1P2,
            StatusWord::WrongLe(5),
            StatusWord::LastCommandExpected,
            StatusWord::InstructionNotSupported,
            StatusWord::ClassNotSupported,
            StatusWord::NoPreciseDiagnosis,
        ] {
            let bytes = sw.to_bytes();
            assert_eq!(StatusWord::from_bytes(bytes[0], bytes[1]), sw);
        }
        assert_eq!(StatusWord::from(0x6283), StatusWord::Other(0x6283));
    }
}
