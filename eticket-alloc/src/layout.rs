//! Turning rows of layout characters into seat cells: shared by the file
//! parser and the stadium generator.

use eticket_core::ids::{BlockId, SeatType};
use serde::{Deserialize, Serialize};

use crate::cell::{GridPoint, SeatCell};

/// Characters that mean "no seat here" (an aisle or gap) in a layout row.
pub const GAP_CHARS: [char; 2] = ['.', ' '];

/// Longest layout row, in characters.
pub const MAX_ROW_LEN: usize = 10_000;

/// How a block is turned on the grid, clockwise. At 0° row 1 is the top line
/// and rows grow downwards; at 180° (a stand facing down onto a pitch) row 1
/// is the bottom line and rows grow upwards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Rotation {
    /// Rows grow downwards, columns to the right.
    #[default]
    R0,
    /// Rows grow to the left, columns downwards.
    R90,
    /// Rows grow upwards, columns to the left.
    R180,
    /// Rows grow to the right, columns upwards.
    R270,
}

impl Rotation {
    /// From degrees (0, 90, 180 or 270).
    pub fn from_degrees(d: i64) -> Option<Self> {
        match d {
            0 => Some(Rotation::R0),
            90 => Some(Rotation::R90),
            180 => Some(Rotation::R180),
            270 => Some(Rotation::R270),
            _ => None,
        }
    }

    /// Grid position of local (column, line) relative to `origin`.
    pub fn place(self, origin: GridPoint, col: i32, line: i32) -> GridPoint {
        let (dx, dy) = match self {
            Rotation::R0 => (col, line),
            Rotation::R90 => (-line, col),
            Rotation::R180 => (-col, -line),
            Rotation::R270 => (line, -col),
        };
        GridPoint {
            x: origin.x.saturating_add(dx),
            y: origin.y.saturating_add(dy),
        }
    }
}

/// What a legend character stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegendEntry {
    /// The seat type of the cell.
    pub seat_type: SeatType,
    /// An accessible (wheelchair) place.
    pub accessible: bool,
    /// A companion seat beside accessible places.
    pub companion: bool,
    /// A seat that is never sold.
    pub blocked: bool,
}

/// Where and how a block's rows are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockPlacement {
    /// The block.
    pub block: BlockId,
    /// Grid position of row 1's first column.
    pub origin: GridPoint,
    /// Turn of the block.
    pub rotation: Rotation,
    /// Number of the first row listed.
    pub first_row: u16,
    /// Seats are numbered from the right end of the row.
    pub right_to_left: bool,
}

/// A character a legend does not know, at this character index of the row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Character index in the row, from 0.
    pub index: usize,
    /// What was wrong.
    pub message: String,
}

/// Append the cells of one layout row (`line` counts from 0) to `out`.
pub fn place_row(
    p: &BlockPlacement,
    line: usize,
    text: &str,
    legend: &dyn Fn(char) -> Option<LegendEntry>,
    out: &mut Vec<SeatCell>,
) -> Result<(), RowError> {
    let err = |index, message: String| RowError { index, message };
    let row = u16::try_from(line)
        .ok()
        .and_then(|l| p.first_row.checked_add(l))
        .ok_or_else(|| err(0, "row number out of range".into()))?;
    let seats = text.chars().filter(|c| !GAP_CHARS.contains(c)).count();
    let mut ordinal = 0usize;
    for (index, ch) in text.chars().enumerate() {
        if index >= MAX_ROW_LEN {
            return Err(err(
                index,
                format!("row longer than {MAX_ROW_LEN} characters"),
            ));
        }
        if GAP_CHARS.contains(&ch) {
            continue;
        }
        let entry = legend(ch).ok_or_else(|| {
            err(
                index,
                format!("character {ch:?} is not in the block's legend"),
            )
        })?;
        ordinal += 1;
        let number = if p.right_to_left {
            seats - ordinal + 1
        } else {
            ordinal
        };
        let at = p.rotation.place(p.origin, index as i32, line as i32);
        out.push(SeatCell {
            block: p.block,
            row,
            number: number as u16,
            col: index as u16,
            x: at.x,
            y: at.y,
            seat_type: entry.seat_type,
            accessible: entry.accessible,
            companion: entry.companion,
            blocked: entry.blocked,
        });
    }
    Ok(())
}
