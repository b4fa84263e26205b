//! Drawing seat maps: SVG ([`svg`]) and an ANSI terminal ([`terminal`]).
//!
//! Seat types are fill colours (with a legend); each distributor's allotment
//! is an outline colour ([`ALLOTMENT_PALETTE`], dashed or dotted once
//! colours repeat) and, in the terminal, a character; the selection is a
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

/// The colours distributors' allotments are drawn in, in ascending
/// distributor order: four Okabe–Ito hues, each its own hue with full colour
/// vision (blue, orange, bluish green, vermilion), with their lightness moved
/// apart (blue darkened by 40 %, orange lightened by 30 %, vermilion
/// darkened by 20 %) so they also stay apart where hue is lost. Every pair
/// stays at least 18 apart (CIEDE2000) for people with full colour vision,
/// protanopia and deuteranopia, and at least 12 with tritanopia and in
/// greyscale (printed, or with no colour vision); eticket-center's page uses
/// the same colours and its tests check the differences. An earlier choice
/// traded hue for lightness (two of the four were dark blues), which left
/// distributors hard to tell apart at a glance. A fifth distributor gets the
/// first colour again with a second cue: [`allotment_dashes`] in SVG, its
/// own character in the terminal, white stripes and a shape on
/// eticket-center's page.
pub const ALLOTMENT_PALETTE: [&str; 4] = ["#00446b", "#eebc4d", "#009e73", "#aa4b00"];

/// Outline dash patterns that tell apart allotments sharing a colour: the
/// first four distributors' outlines are solid, the next four dashed, the
/// four after dotted, so a colour and pattern pair repeats only after 12.
const ALLOTMENT_DASHES: [Option<&str>; 3] = [None, Some("3 1.5"), Some("1 1.2")];

/// The outline colour of the allotment in legend slot `slot`.
///
/// ```
/// use eticket_alloc::render::{allotment_colour, ALLOTMENT_PALETTE};
/// assert_eq!(allotment_colour(4), ALLOTMENT_PALETTE[0]);
/// ```
pub fn allotment_colour(slot: usize) -> &'static str {
    ALLOTMENT_PALETTE[slot % ALLOTMENT_PALETTE.len()]
}

/// The outline's `stroke-dasharray` for the allotment in legend slot
/// `slot`, if it is not solid: it tells apart distributors whose colour
/// repeats (see [`ALLOTMENT_PALETTE`]).
///
/// ```
/// use eticket_alloc::render::allotment_dashes;
/// assert_eq!(allotment_dashes(0), None);
/// assert!(allotment_dashes(4).is_some());
/// assert_ne!(allotment_dashes(4), allotment_dashes(8));
/// ```
pub fn allotment_dashes(slot: usize) -> Option<&'static str> {
    ALLOTMENT_DASHES[(slot / ALLOTMENT_PALETTE.len()) % ALLOTMENT_DASHES.len()]
}

/// The `stroke`, `stroke-width` and any `stroke-dasharray` attributes of an
/// allotment's outline.
pub(crate) fn allotment_stroke(slot: usize, width: &str) -> String {
    let dashes = allotment_dashes(slot)
        .map(|d| format!(r#" stroke-dasharray="{d}""#))
        .unwrap_or_default();
    format!(
        r#" stroke="{}" stroke-width="{width}"{dashes}"#,
        allotment_colour(slot)
    )
}

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
