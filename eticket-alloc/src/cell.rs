//! Seat cells: one reserved seat on the grid of a seat map, and the other
//! pieces of a map (seat-type styles, block layouts, general-admission areas).

use eticket_core::ids::{AreaId, BlockId, GateId, SeatType};
use eticket_core::seat::Seat;
use serde::{Deserialize, Serialize};

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
/// `accessible` and `blocked` appear only when true.
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
    /// A wheelchair or companion place.
    #[serde(default, skip_serializing_if = "is_false")]
    pub accessible: bool,
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockLayout {
    /// Its id.
    pub id: BlockId,
    /// The name on the sign.
    pub name: String,
    /// Rows that best-available prefers (inclusive); rows outside cost
    /// [`SeatMap::row_penalty`](crate::SeatMap::row_penalty) per row of distance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_rows: Option<(u16, u16)>,
}

impl BlockLayout {
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
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}
