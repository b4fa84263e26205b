//! The live status of each cell as a renderer draws it: free, held, sold or
//! blocked. This crate does not keep that status; the center's ledger is
//! where holds and sales live, and a caller builds the overlay (one
//! [`SeatStatus`] per cell, indexed by cell) from it for
//! [`render`](crate::render).

use serde::{Deserialize, Serialize};

/// The state of a seat at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    /// Can be held.
    Free,
    /// Held by an unexpired hold.
    Held,
    /// Sold.
    Sold,
    /// A blocked cell: never sold.
    Blocked,
}
