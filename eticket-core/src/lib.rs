//! # eticket-core
//!
//! The domain of eticket and its formats, with no I/O: identifiers, the event
//! information an organizer registers (venue, schedule, seat master), the
//! electronic ticket information master, issuing records, allotment ratios, the
//! signed ticket that lives on a chip or on paper, the center's write and delete
//! grants, key sets, revocation lists, and the pure admission decision a gate
//! makes offline.
//!
//! Every format starts with a version byte, has a fixed maximum size, and is
//! decoded strictly: the signature is checked over the exact bytes received, then
//! the body is decoded with no trailing bytes and no non-canonical encodings.
//!
//! ```
//! use eticket_core::keys::{KeyPurpose, KeyScope, SigningKeyPair};
//! use eticket_core::ticket::{TicketBody, Holder, Place, Flags};
//! use eticket_core::ids::*;
//! use eticket_core::time::Timestamp;
//!
//! let key = SigningKeyPair::from_secret_bytes(KeyId(1), &[7u8; 32]).unwrap();
//! let body = TicketBody {
//!     event: EventId(2026),
//!     serial: TicketSerial(17),
//!     generation: Generation(0),
//!     place: Place::Seat { block: BlockId(1), row: 3, number: 12 },
//!     seat_type: SeatType(1),
//!     valid_from: Timestamp(1_790_000_000),
//!     valid_for: 86_400,
//!     issued_at: Timestamp(1_780_000_000),
//!     holder: Holder::Paper,
//!     distributor: DistributorId(1),
//!     flags: Flags::empty(),
//! };
//! let signed = body.sign(&key).unwrap();
//! assert!(signed.as_bytes().len() <= 112);
//! ```
//!
//! ## Features
//!
//! Whichever signing backend the features pick, the results are identical:
//! the same test vectors pass under each.
//!
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![no_std]
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

extern crate alloc;
#[cfg(test)]
extern crate std;

pub mod admission;
pub mod allotment;
pub mod cancel;
pub mod certificate;
pub mod chipauth;
pub mod chipkeys;
mod codec;
pub mod crypto;
mod error;
pub mod event;
#[cfg(any(test, feature = "fixtures"))]
pub mod fixtures;
pub mod grant;
pub mod ids;
pub mod issuing;
pub mod keys;
#[cfg(feature = "local-time")]
pub mod local_time;
pub mod master;
pub mod revocation;
pub mod rollover;
pub mod seat;
pub mod signed;
pub mod ticket;
pub mod time;
pub mod transfer;
pub mod venue;

pub use error::Error;

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;
