//! Test venues: a generator for large stadiums (the 100,000-seat benchmark
//! venue) and the small example hall.

use eticket_core::ids::{BlockId, SeatType};

use crate::cell::{BlockLayout, Focus, GridPoint, SeatTypeStyle};
use crate::error::{AllocError, Result};
use crate::layout::{BlockPlacement, LegendEntry, Rotation, place_row};
use crate::map::{SeatMap, SeatMapData};

/// The small hall of `data/small_hall.toml`, in the seat-map file format.
pub const SMALL_HALL_TOML: &str = include_str!("../data/small_hall.toml");

/// The small example hall: 2 blocks, 5 seat types, 390 cells (2 blocked),
/// a standing area.
pub fn small_hall() -> Result<SeatMap> {
    SeatMap::from_toml(SMALL_HALL_TOML)
}

/// Category A: the middle blocks of the long stands, front rows.
pub const CAT_A: SeatType = SeatType(1);
/// Category B: the rest of the long stands.
pub const CAT_B: SeatType = SeatType(2);
/// Category C: the end stands.
pub const CAT_C: SeatType = SeatType(3);
/// Wheelchair places (accessible): the ends of row 1 in every block.
pub const WHEELCHAIR: SeatType = SeatType(4);

/// The shape of a generated stadium: four stands around a pitch, each of
/// `blocks_per_stand` blocks of `rows` rows, each row two halves of
/// `half_row` seats with an aisle between. Up to 99 blocks per stand
/// (block ids are stand × 100 + position), at least 3 seats per half row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StadiumSpec {
    /// Blocks in each of the four stands.
    pub blocks_per_stand: u16,
    /// Rows per block.
    pub rows: u16,
    /// Seats on each side of a block's aisle.
    pub half_row: u16,
}

impl StadiumSpec {
    /// The benchmark venue: 4 × 5 blocks of 50 rows × 100 seats = 100,000
    /// seat cells (40 of them blocked camera positions).
    pub const SEATS_100K: StadiumSpec = StadiumSpec {
        blocks_per_stand: 5,
        rows: 50,
        half_row: 50,
    };

    /// Seat cells the stadium will have.
    pub fn cells(&self) -> usize {
        4 * usize::from(self.blocks_per_stand)
            * usize::from(self.rows)
            * 2
            * usize::from(self.half_row)
    }
}

/// Generate a stadium. Per block, row 1's two outermost seats at each end
/// are wheelchair places and the two seats beside the aisle in row 1 are
/// blocked (camera positions); the middle block(s) of the long stands are
/// Category A up to row 20.
///
/// ```
/// use eticket_alloc::stadium::{stadium, StadiumSpec};
/// let spec = StadiumSpec { blocks_per_stand: 2, rows: 5, half_row: 4 };
/// let map = stadium(spec).unwrap();
/// assert_eq!(map.cells().len(), spec.cells());
/// ```
pub fn stadium(spec: StadiumSpec) -> Result<SeatMap> {
    if !(1..=99).contains(&spec.blocks_per_stand)
        || spec.rows == 0
        || spec.half_row < 3
        || spec.cells() > crate::map::MAX_CELLS
    {
        return Err(AllocError::InvalidRequest(format!(
            "stadium shape {spec:?} is not supported"
        )));
    }
    let block_w = 2 * i32::from(spec.half_row) + 1;
    let gap = 3;
    let side = i32::from(spec.blocks_per_stand) * (block_w + gap) - gap;
    let mut cells = Vec::with_capacity(spec.cells());
    let mut blocks = Vec::new();
    let names = ["North", "East", "South", "West"];
    for (stand, name) in names.iter().enumerate() {
        for k in 0..i32::from(spec.blocks_per_stand) {
            let id = BlockId((stand as u16) * 100 + k as u16 + 1);
            let along = k * (block_w + gap);
            // Row 1 sits two units off the pitch, facing it.
            let (origin, rotation) = match stand {
                0 => (
                    GridPoint {
                        x: side - 1 - along,
                        y: -2,
                    },
                    Rotation::R180,
                ),
                1 => (
                    GridPoint {
                        x: side + 1,
                        y: side - 1 - along,
                    },
                    Rotation::R270,
                ),
                2 => (
                    GridPoint {
                        x: along,
                        y: side + 1,
                    },
                    Rotation::R0,
                ),
                _ => (GridPoint { x: -2, y: along }, Rotation::R90),
            };
            let long_stand = stand % 2 == 0;
            let middle = (k - (i32::from(spec.blocks_per_stand) - 1) / 2).abs()
                <= i32::from(spec.blocks_per_stand > 3);
            let placement = BlockPlacement {
                block: id,
                origin,
                rotation,
                first_row: 1,
                right_to_left: false,
            };
            for line in 0..usize::from(spec.rows) {
                let base = match (long_stand, middle && line < 20) {
                    (true, true) => 'a',
                    (true, false) => 'b',
                    _ => 'c',
                };
                let text = row_text(spec.half_row, base, line == 0);
                let legend = |c: char| -> Option<LegendEntry> {
                    let plain = |t| {
                        Some(LegendEntry {
                            seat_type: t,
                            accessible: false,
                            companion: false,
                            blocked: false,
                        })
                    };
                    match c {
                        'a' => plain(CAT_A),
                        'b' => plain(CAT_B),
                        'c' => plain(CAT_C),
                        'w' => Some(LegendEntry {
                            seat_type: WHEELCHAIR,
                            accessible: true,
                            companion: false,
                            blocked: false,
                        }),
                        'k' => Some(LegendEntry {
                            seat_type: if long_stand { CAT_B } else { CAT_C },
                            accessible: false,
                            companion: false,
                            blocked: true,
                        }),
                        _ => None,
                    }
                };
                place_row(&placement, line, &text, &legend, &mut cells)
                    .map_err(|e| AllocError::InvalidRequest(e.message))?;
            }
            blocks.push(BlockLayout::named(id, format!("{name} {}", k + 1)));
        }
    }
    let style = |id, name: &str, colour: &str| SeatTypeStyle {
        id,
        name: name.into(),
        colour: Some(colour.into()),
    };
    SeatMap::new(SeatMapData {
        name: "Generated Stadium".into(),
        focus: Focus {
            x: side as f32 / 2.0,
            y: side as f32 / 2.0,
        },
        row_penalty: 0.0,
        seat_types: vec![
            style(CAT_A, "Category A", "#0072b2"),
            style(CAT_B, "Category B", "#e69f00"),
            style(CAT_C, "Category C", "#009e73"),
            style(WHEELCHAIR, "Wheelchair", "#cc79a7"),
        ],
        blocks,
        cells,
        areas: Vec::new(),
        landmarks: Vec::new(),
    })
}

/// The 100,000-seat benchmark stadium.
pub fn stadium_100k() -> Result<SeatMap> {
    stadium(StadiumSpec::SEATS_100K)
}

fn row_text(half: u16, base: char, first: bool) -> String {
    let half = usize::from(half);
    let mut left: Vec<char> = vec![base; half];
    let mut right = left.clone();
    if first {
        left[0] = 'w';
        left[1] = 'w';
        left[half - 1] = 'k';
        right[0] = 'k';
        right[half - 1] = 'w';
        right[half - 2] = 'w';
    }
    left.into_iter().chain(['.']).chain(right).collect()
}
