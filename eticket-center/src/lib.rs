//! # eticket-center
//!
//! The platform center: ledger, organizer, distributor, issuance, transfer and revocation services, HTTP API.
//!
//! This crate is a documented placeholder in the workspace; its content is built
//! by its own issue (see ARCHITECTURE.md for what it will own).
#![forbid(unsafe_code)]
