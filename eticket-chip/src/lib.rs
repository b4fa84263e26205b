//! # eticket-chip
//!
//! The information storage chip: APDU command set, applet, PC/SC and virtual-card backends, paper tickets.
//!
//! This crate is a documented placeholder in the workspace; its content is built
//! by its own issue (see ARCHITECTURE.md for what it will own).
#![forbid(unsafe_code)]
