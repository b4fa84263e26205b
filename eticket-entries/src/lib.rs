//! # eticket-entries
//!
//! What venue units and the center share about entries (c55, c58, c60): the
//! [`record`] of one scan, the stable [`refusal`] codes it carries, the
//! [`upload`] batch a venue unit sends with its [`signed_batch`] signature,
//! and the [`statistics`] (with their [`chart`]) computed from the records
//! and the issued tickets.
//!
//! The venue unit (eticket-gate) writes records and batches; the center
//! (eticket-center) opens, stores and counts them. Neither links the other:
//! both link this crate.
//!
//! ```
//! use eticket_core::crypto::SecretKey;
//! use eticket_core::fixtures;
//! use eticket_entries::signed_batch::{open_signed_batch, sign_batch};
//! use eticket_entries::{Cursor, Statistics, UploadBatch};
//!
//! // A unit's key and an (empty) batch of its scans, signed.
//! let key = SecretKey::from_bytes(&[0x31; 32]).unwrap();
//! let batch = UploadBatch::new("north", fixtures::EVENT, Cursor(0), Cursor(0), vec![]).unwrap();
//! let signed = sign_batch(&batch, &key).unwrap();
//!
//! // The center opens it with the key it registered for that unit.
//! let opened = open_signed_batch(&signed, &key.public_key()).unwrap();
//! assert_eq!(opened, batch);
//! let issued = [fixtures::paper_ticket(eticket_core::ids::TicketSerial(1))];
//! let stats = Statistics::compute(
//!     &fixtures::small_event(),
//!     &opened.records,
//!     issued.iter().map(Into::into),
//! );
//! assert_eq!((stats.issued, stats.attended), (1, 0));
//! ```
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

pub mod chart;
pub mod conflict;
mod error;
pub mod record;
pub mod refusal;
pub mod signed_batch;
pub mod statistics;
pub mod upload;

pub use conflict::{Conflict, ConflictAdmission};
pub use error::{Error, Result};
pub use record::{EntryRecord, ScanId};
pub use refusal::Refusal;
pub use statistics::Statistics;
pub use upload::{Cursor, UploadBatch};
