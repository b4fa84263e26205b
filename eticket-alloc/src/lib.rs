//! # eticket-alloc
//!
//! Seat-cell maps, selection, ratio allotments, best-available search, holds and seat-map rendering.
//!
//! This crate is a documented placeholder in the workspace; its content is built
//! by its own issue (see ARCHITECTURE.md for what it will own).
#![forbid(unsafe_code)]
