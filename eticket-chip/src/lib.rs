//! # eticket-chip
//!
//! The information storage chip (c21-28): it stores several signed tickets and
//! the holder's membership record, and only the platform center may write or
//! delete (c13, c25, c35, c37-38, c43): every WRITE and DELETE carries a grant
//! the center signed for this chip, its current counter and the payload's
//! SHA-256, and the counter advances on every accepted mutation.
//!
//! - [`apdu`] and [`status`]: ISO 7816-4 command/response APDUs and status words.
//! - [`protocol`]: the command set (AID, instructions, data layouts).
//! - [`applet`]: the chip side, a pure state machine over APDU bytes with a
//!   tear-safe [`Store`](applet::Store).
//! - [`host`]: [`Chip`](host::Chip) over a [`Transport`](host::Transport):
//!   in-process, a caller's transmit function, or PC/SC (feature `pcsc`).
//! - [`vpcd`]: the virtual card protocol of pcscd's vpcd driver, used by the
//!   `eticket-vcard` program.
//! - [`paper`]: paper tickets (c20) as QR codes (SVG, PNG) with a stub; the QR
//!   text is `ET1:` and the ticket in [`base45`].
//! - the `eticket-vcard` program: the applet over a state file as a virtual
//!   card in pcscd's vpcd reader.
//!
//! ```
//! use eticket_chip::host::{Chip, InProcessCard};
//! let mut chip = Chip::connect(InProcessCard::from_seed(b"example")).unwrap();
//! let info = chip.info().unwrap();
//! assert_eq!((info.capacity, info.used, info.personalized), (8, 0, false));
//! ```
//!
//! ## Features
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

pub mod apdu;
pub mod applet;
pub mod base45;
mod error;
#[cfg(feature = "render")]
mod font;
pub mod host;
pub mod paper;
#[cfg(feature = "render")]
pub mod print;
pub mod protocol;
pub mod status;
pub mod vpcd;

pub use error::Error;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
