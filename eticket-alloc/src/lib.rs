//! # eticket-alloc
//!
//! Seat-cell maps, selection, ratio allotments, best-available search, holds and
//! seat-map rendering.
#![forbid(unsafe_code)]

pub mod cell;
mod error;
pub mod format;
pub mod hold;
pub mod layout;
pub mod map;
pub mod render;

pub use cell::{BlockLayout, CellId, Focus, GaArea, GridPoint, SeatCell, SeatTypeStyle};
pub use error::{AllocError, FileLocation, Result};
pub use map::{SeatMap, SeatMapData};
pub mod allotment;
pub mod best;
pub mod selection;
pub mod stadium;
