//! # eticket-gate
//!
//! The venue unit (c52-60): gates that admit a chip or a paper ticket in one
//! call, anti-passback across every gate of the venue through a shared SQLite
//! entry log, guidance for the admitted and plain reasons for the refused,
//! every scan logged and uploaded to the center idempotently, sync of key sets
//! and revocation lists, and post-processing into tables and charts.
//!
//! ```
//! use eticket_core::{fixtures, ids::*, revocation::RevocationList, ticket::Holder};
//! use eticket_gate::{chip::TestCard, PassbackPolicy, TrustStore, VenueUnit};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let event = fixtures::small_event();
//! let root = fixtures::root_key();
//! // The event's revocation list as the center signed it just now (a unit
//! // admits nothing with a list older than `Settings::max_list_age`).
//! let list = RevocationList::new(event.id, 0, fixtures::NOW, vec![]).unwrap();
//! let trust = TrustStore::with(root.id(), root.public_key(), fixtures::key_set(), list);
//! let unit = VenueUnit::open(dir.path().join("entries.db"), event, trust,
//!     PassbackPolicy::SingleEntry).unwrap();
//! let mut gate = unit.gate(GateId(1), "north-1").unwrap();
//!
//! let mut card = TestCard::generate();
//! let ticket = eticket_core::ticket::TicketBody {
//!     holder: Holder::Chip(card.id()),
//!     ..fixtures::chip_ticket(TicketSerial(1))
//! };
//! card.store(&ticket.sign(&fixtures::ticket_key()).unwrap());
//!
//! let first = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
//! assert!(first.is_admitted());
//! println!("{first}"); // ADMIT  Gate 1 (North) · Block A · row C · seat 7 — …
//! let again = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
//! assert_eq!(again.refusal(), Some(eticket_gate::Refusal::AlreadyAdmitted));
//! ```
//!
//! Modules: [`unit`](mod@unit) (the venue unit, sync entry points, upload cursor),
//! [`gate`] (admission in one call), [`clock`] (the monotonic clock a gate
//! times a chip's answer with), [`chip`] (what a presented chip must do;
//! implemented for `eticket_chip::host::Chip` and an in-process [`chip::TestCard`]),
//! [`passback`] (policies), [`entry_log`] (the SQLite log and its
//! anti-passback transaction), [`trust`] (key sets, revocation lists,
//! freshness), [`venue`] (the unit as a service on the venue LAN, gate
//! devices that reach it over the network and decide alone when it is away). The records, refusal codes, upload batches and statistics
//! the unit shares with the center are eticket-entries', re-exported here
//! as [`record`], [`refusal`], [`upload`], [`signed_batch`], [`statistics`]
//! and [`chart`] (c60).
//!
//! ## Features
#![doc = document_features::document_features!()]
#![cfg_attr(docsrs, feature(doc_cfg))]
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

pub mod chip;
pub mod clock;
pub mod entry_log;
mod error;
pub mod gate;
pub mod passback;
pub mod trust;
pub mod unit;
pub mod venue;

pub use eticket_entries::{chart, record, refusal, signed_batch, statistics, upload};

pub use entry_log::{Cursor, EntryLog, PreviousEntry};
pub use error::{Error, Result};
pub use gate::{Gate, Outcome, Verdict, system_now};
pub use passback::PassbackPolicy;
pub use record::{EntryRecord, ScanId};
pub use refusal::Refusal;
pub use statistics::Statistics;
pub use trust::{Freshness, TrustStore};
pub use unit::{OfflinePolicy, Settings, StalePolicy, VenueUnit, WrongGatePolicy};
pub use upload::UploadBatch;
