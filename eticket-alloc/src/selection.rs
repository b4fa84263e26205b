//! Selecting cells on a seat map (c45, c46, c49, c50): single cells,
//! rectangles, whole rows and blocks, free-form groups and seat types, added,
//! removed or toggled; with counts of selected and still selectable cells per
//! seat type.
//!
//! Blocked cells are never selected: they cannot be sold or allotted.

use std::collections::BTreeMap;

use eticket_core::ids::{BlockId, SeatType};
use serde::{Deserialize, Serialize};

use crate::allotment::Allotments;
use crate::cell::{CellId, GridPoint};
use crate::error::{AllocError, Result};
use crate::map::SeatMap;

/// A seat named as on a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SeatRef {
    /// Block.
    pub block: BlockId,
    /// Row, from 1.
    pub row: u16,
    /// Seat number, from 1.
    pub number: u16,
}

/// What to select, as a screen sends it. JSON:
/// `{"shape":"rect","from":{"x":0,"y":0},"to":{"x":9,"y":3}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "shape", rename_all = "snake_case")]
pub enum Shape {
    /// One seat.
    Seat(SeatRef),
    /// A free-form group of seats (e.g. picked one by one, or lassoed).
    Group {
        /// The seats.
        seats: Vec<SeatRef>,
    },
    /// A group of cells by id.
    Cells {
        /// The cells.
        cells: Vec<CellId>,
    },
    /// Every cell whose grid position lies in the rectangle (corners
    /// inclusive, in any order).
    Rect {
        /// One corner.
        from: GridPoint,
        /// The opposite corner.
        to: GridPoint,
    },
    /// A whole row of a block.
    Row {
        /// Block.
        block: BlockId,
        /// Row.
        row: u16,
    },
    /// A whole block.
    Block {
        /// Block.
        block: BlockId,
    },
    /// Every cell of a seat type.
    SeatType {
        /// The seat type.
        seat_type: SeatType,
    },
    /// Every cell.
    All,
}

/// How a shape changes the selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SelectOp {
    /// Select the shape's cells.
    Add,
    /// Unselect them.
    Remove,
    /// Flip each of them.
    Toggle,
}

/// A set of selected cells of one seat map.
///
/// ```
/// use eticket_alloc::selection::{Selection, SelectOp, Shape};
/// use eticket_alloc::stadium::small_hall;
/// use eticket_core::ids::BlockId;
///
/// let map = small_hall().unwrap();
/// let mut sel = Selection::new(&map);
/// sel.apply(&map, SelectOp::Add, &Shape::Row { block: BlockId(1), row: 1 }).unwrap();
/// let n = sel.count();
/// sel.invert(&map);
/// assert_eq!(sel.count() + n, map.cells().iter().filter(|c| !c.blocked).count());
/// ```
///
/// Serialized as the number of cells of its map and the selected cells as
/// runs of cell ids `[start, end)`, which any JSON reader (JavaScript
/// included) reads exactly: `{"len":390,"runs":[[0,22],[40,64]]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SelectionData", into = "SelectionData")]
pub struct Selection {
    bits: Vec<u64>,
    len: usize,
}

/// The serialized form, checked on the way in.
#[derive(Serialize, Deserialize)]
struct SelectionData {
    len: u32,
    runs: Vec<(u32, u32)>,
}

impl TryFrom<SelectionData> for Selection {
    type Error = AllocError;
    fn try_from(d: SelectionData) -> Result<Self> {
        let len = d.len as usize;
        if len > crate::map::MAX_CELLS {
            return Err(AllocError::InvalidRequest(
                "selection longer than any map".into(),
            ));
        }
        let mut sel = Selection {
            bits: vec![0; len.div_ceil(64)],
            len,
        };
        // Runs must be ascending and apart, which also bounds the work by `len`.
        let mut prev_end = 0u32;
        for (start, end) in d.runs {
            if start < prev_end || start >= end || end as usize > len {
                return Err(AllocError::InvalidRequest(format!(
                    "selection run [{start}, {end}) is empty, out of order or outside its {len} cells"
                )));
            }
            prev_end = end;
            for i in start..end {
                sel.set(i as usize, true);
            }
        }
        Ok(sel)
    }
}

impl From<Selection> for SelectionData {
    fn from(sel: Selection) -> Self {
        let mut runs: Vec<(u32, u32)> = Vec::new();
        for c in sel.iter() {
            match runs.last_mut() {
                Some(last) if last.1 == c.0 => last.1 += 1,
                _ => runs.push((c.0, c.0 + 1)),
            }
        }
        SelectionData {
            len: sel.len as u32,
            runs,
        }
    }
}

/// Counts for one seat type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TypeCounts {
    /// Sellable (not blocked) cells of the type.
    pub total: usize,
    /// Selected cells.
    pub selected: usize,
    /// Cells that could still be selected for an allotment: not blocked, not
    /// selected, not in an allotment.
    pub selectable: usize,
    /// Cells already in some allotment.
    pub allotted: usize,
    /// Blocked cells of the type.
    pub blocked: usize,
}

/// Counts per seat type and in total (c50).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SelectionCounts {
    /// Per seat type.
    pub by_type: BTreeMap<SeatType, TypeCounts>,
    /// Over all seat types.
    pub total: TypeCounts,
}

impl Selection {
    /// An empty selection for `map`.
    pub fn new(map: &SeatMap) -> Self {
        Selection {
            bits: vec![0; map.len().div_ceil(64)],
            len: map.len(),
        }
    }

    /// Whether a cell is selected.
    pub fn contains(&self, cell: CellId) -> bool {
        let i = cell.index();
        i < self.len && self.bits[i / 64] & (1 << (i % 64)) != 0
    }

    fn set(&mut self, i: usize, on: bool) -> bool {
        let (w, b) = (i / 64, 1u64 << (i % 64));
        let was = self.bits[w] & b != 0;
        if on {
            self.bits[w] |= b;
        } else {
            self.bits[w] &= !b;
        }
        was != on
    }

    /// Whether the selection was made for `map` (same number of cells).
    pub fn fits(&self, map: &SeatMap) -> bool {
        self.len == map.len()
    }

    /// Number of selected cells.
    pub fn count(&self) -> usize {
        self.bits.iter().map(|w| w.count_ones() as usize).sum()
    }

    /// True when nothing is selected.
    pub fn is_empty(&self) -> bool {
        self.bits.iter().all(|&w| w == 0)
    }

    /// The selected cells, in map order.
    pub fn iter(&self) -> impl Iterator<Item = CellId> + '_ {
        self.bits.iter().enumerate().flat_map(|(w, &word)| {
            let mut word = word;
            std::iter::from_fn(move || {
                if word == 0 {
                    return None;
                }
                let b = word.trailing_zeros() as usize;
                word &= word - 1;
                Some(CellId((w * 64 + b) as u32))
            })
        })
    }

    /// Unselect everything.
    pub fn clear(&mut self) {
        self.bits.fill(0);
    }

    /// Change the selection by a shape; returns how many cells changed.
    /// Errors when the shape names a seat, row or block the map lacks, or
    /// when the selection belongs to a map of another size.
    pub fn apply(&mut self, map: &SeatMap, op: SelectOp, shape: &Shape) -> Result<usize> {
        if !self.fits(map) {
            return Err(AllocError::InvalidRequest(
                "selection is for another seat map".into(),
            ));
        }
        let cells = shape_cells(map, shape)?;
        let mut changed = 0;
        for i in cells {
            if map.cells()[i].blocked {
                continue;
            }
            let on = match op {
                SelectOp::Add => true,
                SelectOp::Remove => false,
                SelectOp::Toggle => !self.contains(CellId(i as u32)),
            };
            changed += usize::from(self.set(i, on));
        }
        Ok(changed)
    }

    /// Select a shape (shorthand for [`SelectOp::Add`]).
    pub fn add(&mut self, map: &SeatMap, shape: &Shape) -> Result<usize> {
        self.apply(map, SelectOp::Add, shape)
    }

    /// Unselect a shape (shorthand for [`SelectOp::Remove`]).
    pub fn remove(&mut self, map: &SeatMap, shape: &Shape) -> Result<usize> {
        self.apply(map, SelectOp::Remove, shape)
    }

    /// Select exactly the unblocked cells that were not selected.
    pub fn invert(&mut self, map: &SeatMap) {
        for (i, c) in map.cells().iter().enumerate().take(self.len) {
            let on = !c.blocked && !self.contains(CellId(i as u32));
            self.set(i, on);
        }
    }

    /// Unselect every cell that is in an allotment.
    pub fn retain_unallotted(&mut self, allotments: &Allotments) {
        let selected: Vec<CellId> = self.iter().collect();
        for c in selected {
            if allotments.owner(c).is_some() {
                self.set(c.index(), false);
            }
        }
    }

    /// Counts of selected and still selectable cells, per seat type.
    pub fn counts(&self, map: &SeatMap, allotments: Option<&Allotments>) -> SelectionCounts {
        let mut out = SelectionCounts::default();
        for t in map.seat_types() {
            out.by_type.insert(t.id, TypeCounts::default());
        }
        for (i, c) in map.cells().iter().enumerate() {
            let k = out.by_type.entry(c.seat_type).or_default();
            if c.blocked {
                k.blocked += 1;
                continue;
            }
            k.total += 1;
            let selected = self.contains(CellId(i as u32));
            let allotted = allotments.is_some_and(|a| a.owner(CellId(i as u32)).is_some());
            k.selected += usize::from(selected);
            k.allotted += usize::from(allotted);
            k.selectable += usize::from(!selected && !allotted);
        }
        for k in out.by_type.values() {
            out.total.total += k.total;
            out.total.selected += k.selected;
            out.total.selectable += k.selectable;
            out.total.allotted += k.allotted;
            out.total.blocked += k.blocked;
        }
        out
    }
}

fn seat_cell(map: &SeatMap, s: &SeatRef) -> Result<usize> {
    map.find(s.block, s.row, s.number)
        .map(CellId::index)
        .ok_or_else(|| AllocError::UnknownPlace(format!("{}/{}/{}", s.block, s.row, s.number)))
}

/// The cell indices a shape covers (blocked ones included).
pub(crate) fn shape_cells(map: &SeatMap, shape: &Shape) -> Result<Vec<usize>> {
    Ok(match shape {
        Shape::Seat(s) => vec![seat_cell(map, s)?],
        Shape::Group { seats } => seats
            .iter()
            .map(|s| seat_cell(map, s))
            .collect::<Result<_>>()?,
        Shape::Cells { cells } => {
            if let Some(c) = cells.iter().find(|c| c.index() >= map.len()) {
                return Err(AllocError::UnknownPlace(format!("cell {}", c.0)));
            }
            cells.iter().map(|c| c.index()).collect()
        }
        Shape::Rect { from, to } => {
            let (x0, x1) = (from.x.min(to.x), from.x.max(to.x));
            let (y0, y1) = (from.y.min(to.y), from.y.max(to.y));
            map.cells()
                .iter()
                .enumerate()
                .filter(|(_, c)| (x0..=x1).contains(&c.x) && (y0..=y1).contains(&c.y))
                .map(|(i, _)| i)
                .collect()
        }
        Shape::Row { block, row } => map.row_cells(*block, *row)?.collect(),
        Shape::Block { block } => map.block_cells(*block)?.collect(),
        Shape::SeatType { seat_type } => {
            if !map.seat_types().iter().any(|t| t.id == *seat_type) {
                return Err(AllocError::UnknownSeatType(*seat_type));
            }
            map.cells()
                .iter()
                .enumerate()
                .filter(|(_, c)| c.seat_type == *seat_type)
                .map(|(i, _)| i)
                .collect()
        }
        Shape::All => (0..map.len()).collect(),
    })
}
