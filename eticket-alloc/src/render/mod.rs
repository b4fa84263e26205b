//! Drawing seat maps: SVG ([`svg`]) and an ANSI terminal ([`terminal`]).
//!
//! Seat types are fill colours (with a legend); each distributor's allotment
//! is an outline colour and, in the terminal, a character; the selection is a
//! dark dot (SVG) or `*` (terminal); blocked cells are grey with a cross;
//! sold seats are faded. Counts of selected and selectable seats per seat
//! type and of each allotment are printed in the legend.

mod svg;
mod term;

use std::collections::BTreeMap;

use eticket_core::ids::{DistributorId, SeatType};

pub use svg::svg;
pub use term::terminal;

use crate::allotment::Allotments;
use crate::cell::CellId;
use crate::map::SeatMap;
use crate::selection::{Selection, SelectionCounts};
use crate::status::SeatStatus;

/// Colours for seat types without their own, chosen to be told apart
/// (Okabe–Ito, which also works for the common colour-vision deficiencies).
pub const PALETTE: [&str; 8] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#999999",
];

/// Outline colours of allotments, in ascending distributor order.
pub const ALLOTMENT_PALETTE: [&str; 8] = [
    "#000000", "#e41a1c", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#377eb8",
];

/// The palette colour for the n-th seat type.
pub fn palette_colour(n: usize) -> &'static str {
    PALETTE[n % PALETTE.len()]
}

/// What to draw on top of the map; every part is optional.
#[derive(Debug, Clone, Copy, Default)]
pub struct Overlay<'a> {
    /// The current selection.
    pub selection: Option<&'a Selection>,
    /// The allotments.
    pub allotments: Option<&'a Allotments>,
    /// Live status of each cell, indexed by cell: [`SeatStatus`], built by the
    /// caller from its holds and sales.
    pub status: Option<&'a [SeatStatus]>,
}

impl Overlay<'_> {
    pub(crate) fn selected(&self, i: usize) -> bool {
        self.selection.is_some_and(|s| s.contains(CellId(i as u32)))
    }

    pub(crate) fn owner(&self, i: usize) -> Option<DistributorId> {
        self.allotments.and_then(|a| a.owner(CellId(i as u32)))
    }

    pub(crate) fn status(&self, i: usize) -> Option<SeatStatus> {
        self.status.and_then(|s| s.get(i).copied())
    }

    pub(crate) fn counts(&self, map: &SeatMap) -> SelectionCounts {
        match self.selection {
            Some(s) => s.counts(map, self.allotments),
            None => Selection::new(map).counts(map, self.allotments),
        }
    }

    /// Each distributor with its legend slot and seat count.
    pub(crate) fn distributors(&self, map: &SeatMap) -> Vec<(DistributorId, usize, usize)> {
        let Some(a) = self.allotments else {
            return Vec::new();
        };
        let holdings = a.holdings(map);
        a.distributors()
            .into_iter()
            .enumerate()
            .map(|(slot, d)| (d, slot, holdings.get(&d).map_or(0, |h| h.total)))
            .collect()
    }
}

/// Seat-type name by id, for legends.
pub(crate) fn type_names(map: &SeatMap) -> BTreeMap<SeatType, String> {
    map.seat_types()
        .iter()
        .map(|t| (t.id, t.name.clone()))
        .collect()
}
