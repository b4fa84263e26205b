//! Seat cells: one reserved seat on the grid of a seat map, and the other
//! pieces of a map (seat-type styles, block layouts, general-admission areas).

use eticket_core::ids::{AreaId, BlockId, GateId, SeatType};
use eticket_core::seat::Seat;
use serde::{Deserialize, Serialize};

use crate::geometry::{BlockGeometry, Point, SeatLabels};

/// The index of a cell in its [`SeatMap`](crate::SeatMap); stable for one map
/// (cells are kept in block, row, column order).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(transparent)]
pub struct CellId(pub u32);

impl CellId {
    /// As an index into per-cell vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// A point on the map's grid (one unit = one seat width).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct GridPoint {
    /// Column, growing to the right.
    pub x: i32,
    /// Line, growing downwards.
    pub y: i32,
}

/// The point seats are scored against (the stage, or the centre spot of a
/// pitch), in grid units; may lie between cells.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
pub struct Focus {
    /// Horizontal position.
    pub x: f32,
    /// Vertical position.
    pub y: f32,
}

/// One reserved seat as a cell of the grid.
///
/// Serialized as a flat JSON object, e.g.
/// `{"block":1,"row":2,"number":5,"col":5,"x":5,"y":1,"seat_type":1}`;
/// `accessible`, `companion` and `blocked` appear only when true.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SeatCell {
    /// The block it is in.
    pub block: BlockId,
    /// Row number within the block, from 1.
    pub row: u16,
    /// Seat number within the row, from 1 (as printed on the ticket).
    pub number: u16,
    /// Position along the row in cells, counting aisle gaps: two seats of a
    /// row are adjacent exactly when their `col` differ by one.
    pub col: u16,
    /// Grid position (after the block's origin and rotation).
    pub x: i32,
    /// Grid position (after the block's origin and rotation).
    pub y: i32,
    /// Its seat type (price category).
    pub seat_type: SeatType,
    /// An accessible (wheelchair) place: best available gives it only to
    /// requests that ask for accessible places.
    #[serde(default, skip_serializing_if = "is_false")]
    pub accessible: bool,
    /// A companion seat beside accessible places: like those, only given to
    /// requests that ask for accessible places.
    #[serde(default, skip_serializing_if = "is_false")]
    pub companion: bool,
    /// A seat that is never sold (camera platform, obstructed view, kill seat).
    #[serde(default, skip_serializing_if = "is_false")]
    pub blocked: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl SeatCell {
    /// The seat as core's seat master knows it.
    pub fn seat(&self) -> Seat {
        Seat {
            block: self.block,
            row: self.row,
            number: self.number,
            seat_type: self.seat_type,
        }
    }

    /// An accessible place or a companion seat: never given to a general
    /// request.
    pub fn is_reserved_for_access(&self) -> bool {
        self.accessible || self.companion
    }

    /// "block/row/number", for messages.
    pub fn label(&self) -> String {
        format!("{}/{}/{}", self.block, self.row, self.number)
    }
}

/// A seat type with the colour it is drawn in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatTypeStyle {
    /// Its code.
    pub id: SeatType,
    /// Its name, e.g. "Category A".
    pub name: String,
    /// Fill colour as `#rrggbb`; `None` picks one from the built-in palette.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colour: Option<String>,
}

/// A block (section) of the map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockLayout {
    /// Its id.
    pub id: BlockId,
    /// The name on the sign.
    pub name: String,
    /// Rows that best-available prefers (inclusive); rows outside cost
    /// [`SeatMap::row_penalty`](crate::SeatMap::row_penalty) per row of distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_rows: Option<(u16, u16)>,
    /// Where its seats really are; `None`: at their grid points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub geometry: Option<BlockGeometry>,
    /// Row labels as printed ("A", "B", …), indexed by row number minus one
    /// (as core's [`Block::row_labels`](eticket_core::venue::Block)); rows
    /// without one are shown by number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_labels: Vec<String>,
    /// Seat labels as printed, when they are not the seat numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_labels: Option<SeatLabels>,
}

impl BlockLayout {
    /// A block with only an id and a name (no preference, geometry or labels).
    pub fn named(id: BlockId, name: impl Into<String>) -> Self {
        BlockLayout {
            id,
            name: name.into(),
            preferred_rows: None,
            geometry: None,
            row_labels: Vec::new(),
            seat_labels: None,
        }
    }

    /// The label of a row: its own, or its number.
    pub fn row_label(&self, row: u16) -> String {
        usize::from(row)
            .checked_sub(1)
            .and_then(|i| self.row_labels.get(i))
            .cloned()
            .unwrap_or_else(|| row.to_string())
    }

    /// The label of a seat: from [`SeatLabels`], or its number.
    pub fn seat_label(&self, number: u16) -> String {
        match self.seat_labels.and_then(|l| l.label(number)) {
            Some(n) => n.to_string(),
            None => number.to_string(),
        }
    }

    /// How many rows `row` is away from the preferred range (0 inside it, or
    /// when the block has no preference).
    pub fn rows_outside_preference(&self, row: u16) -> u16 {
        match self.preferred_rows {
            Some((lo, _)) if row < lo => lo - row,
            Some((_, hi)) if row > hi => row - hi,
            _ => 0,
        }
    }
}

/// A standing or general-admission area: a capacity, not cells.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaArea {
    /// Its id.
    pub id: AreaId,
    /// The name on the sign.
    pub name: String,
    /// Its seat type (price category).
    pub seat_type: SeatType,
    /// How many people it holds.
    pub capacity: u32,
    /// The gate to use.
    pub gate: GateId,
    /// How to get there from the gate.
    #[serde(default)]
    pub guidance: String,
    /// Where it is drawn: top-left corner.
    pub at: GridPoint,
    /// Width in grid units.
    pub width: u16,
    /// Height in grid units.
    pub height: u16,
    /// Its outline in venue units, when it is not the rectangle above (which
    /// is then the polygon's bounding box, for drawings that know only
    /// rectangles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub polygon: Vec<Point>,
}
