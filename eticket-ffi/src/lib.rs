//! # eticket-ffi
//!
//! The C ABI over issuance, assignment and verification for gate and POS vendors.
//!
//! This crate is a documented placeholder in the workspace; its content is built
//! by its own issue (see ARCHITECTURE.md for what it will own).
#![forbid(unsafe_code)]
