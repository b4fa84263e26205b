//! # eticket-center
//!
//! The platform center (c1, c7-13, c29, c32-35), the distribution
//! authentication apparatus (c14-18, c28, c31) and the assignment apparatus
//! (c36-44): a ledger with two backends (SQLite embedded, PostgreSQL for
//! several center processes), the organizer, distributor, lottery, issuance,
//! transfer and publication services, an HTTP API and the `eticket` command line.
//!
//! ```
//! use eticket_center::{Center, Principal};
//! use eticket_center::organizer::EventRegistration;
//! use eticket_core::fixtures;
//!
//! let center = Center::open_in_memory()?;
//! let reg = EventRegistration { info: fixtures::small_event(), prices: fixtures::prices(), seat_map: None };
//! let summary = center.register_event(&Principal::Organizer(1), "reg-1", &reg)?;
//! assert_eq!(summary.tickets, 130);
//! // A retry with the same idempotency key returns the first answer.
//! assert_eq!(center.register_event(&Principal::Organizer(1), "reg-1", &reg)?, summary);
//! # Ok::<(), eticket_center::Error>(())
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

pub mod allotment_log;
pub mod backup;
pub mod cancellation;
pub mod center;
pub mod chips;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod credentials;
pub mod distributor;
pub mod entries;
mod error;
pub mod event_file;
pub mod event_list;
pub mod holds;
#[cfg(feature = "http")]
pub mod http;
pub mod issuance;
pub mod keys;
pub mod keystore;
pub mod lottery;
pub mod metrics;
pub mod offline_rollover;
pub mod organizer;
pub mod policy;
pub mod postponement;
pub mod publish;
pub mod records;
pub mod reissue;
pub mod sale_batch;
pub mod split;
pub mod store;
mod tables;
pub mod terminal;
pub mod transfer;
pub mod wire;

pub use center::{Center, Config, Principal};
pub use credentials::UnitCredential;
pub use error::{Error, Result};
