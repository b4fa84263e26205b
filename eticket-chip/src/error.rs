use std::path::PathBuf;

use crate::status::StatusWord;

/// Everything that can go wrong in eticket-chip: APDU encoding, a chip's
/// refusal, malformed responses, transports and readers, state files, paper
/// tickets.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An APDU could not be built or parsed.
    #[error("{what}: {reason}")]
    Apdu {
        /// Which APDU part.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The chip answered a command with a status word other than `9000`.
    #[error("the chip refused {command}: {status}")]
    Refused {
        /// The command, e.g. "WRITE".
        command: &'static str,
        /// Its status word.
        status: StatusWord,
    },
    /// VERIFY: the PIN is wrong; the chip allows this many more tries.
    #[error("wrong PIN: {tries_left} tries left before the card blocks")]
    WrongPin {
        /// Wrong PINs still allowed.
        tries_left: u8,
    },
    /// The PIN is blocked after too many wrong tries: the card signs no
    /// transfer or cancellation any more; the holder's distributor moves the
    /// tickets to a new card.
    #[error(
        "the PIN is blocked: the card signs no transfer any more; ask the distributor for a replacement card"
    )]
    PinBlocked,
    /// The card (or the reader) broke the protocol in a way that would keep
    /// the host busy without end: `61xx` with no data, `6Cxx` twice, an
    /// answer longer than any of the command set. The exchange was stopped.
    #[error("the card misbehaved during {command}: {reason}")]
    CardMisbehaved {
        /// The command, e.g. "READ".
        command: &'static str,
        /// What it did.
        reason: &'static str,
    },
    /// A chip's response or a stored record does not have the documented layout.
    #[error("malformed {what}: {reason}")]
    Malformed {
        /// Which structure.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A value given to a host call does not fit the command set.
    #[error("invalid {what}: {reason}")]
    Invalid {
        /// Which argument.
        what: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The card was reset or reinserted since the last command: the session
    /// (the selected application) is gone. [`Chip`](crate::host::Chip) selects
    /// again and repeats the command once.
    #[error("the card was reset")]
    CardReset,
    /// The card was removed from the reader.
    #[error("no card in the reader")]
    NoCard,
    /// A transport failed to carry the APDU.
    #[error("transport: {0}")]
    Transport(String),
    /// PC/SC reported an error.
    #[cfg(feature = "pcsc")]
    #[error("PC/SC {during}: {source}")]
    Pcsc {
        /// The PC/SC call.
        during: &'static str,
        /// The error it returned.
        source: pcsc::Error,
    },
    /// Waiting for a reader or a card took longer than allowed.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// Reading or writing a file (the virtual card's state, a rendered ticket).
    #[error("{during} {path}: {source}")]
    Io {
        /// What was being done.
        during: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A network or socket error (the vpcd connection).
    #[error("{during}: {source}")]
    Net {
        /// What was being done.
        during: &'static str,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// A paper ticket could not be rendered or read back.
    #[error("paper ticket: {0}")]
    Paper(&'static str),
    /// A core format or signature check failed.
    #[error(transparent)]
    Core(#[from] eticket_core::Error),
}
