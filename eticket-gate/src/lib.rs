//! # eticket-gate
//!
//! The venue unit: gate admission, anti-passback, guidance, entry logs and statistics.
//!
//! This crate is a documented placeholder in the workspace; its content is built
//! by its own issue (see ARCHITECTURE.md for what it will own).
#![forbid(unsafe_code)]
