//! Best available: the best `n` seats of a type, adjacent in one row.
//!
//! ## Adjacent
//!
//! Two seats are adjacent when they are neighbours in their row's column
//! order with no aisle between them: their `col` differ by one. An aisle is
//! a `.` or space column of the layout; seats of different blocks or rows
//! are never adjacent. A geometry's `gaps` (extra space that is not an
//! aisle: a handrail, a wider seat) do not break adjacency, and neither does
//! the curve of a row: adjacency follows the row's seat order, wherever the
//! seats are drawn.
//!
//! ## Accessible places
//!
//! Accessible places and companion seats are given only to requests that
//! ask for them: a general request never gets one. A request with
//! [`BestRequest::accessible_only`] gets accessible places only; one with
//! [`BestRequest::wheelchairs`] `= w` gets a run of accessible places and
//! companion seats with at least `w` accessible places among them.
//!
//! ## Score
//!
//! A run of adjacent seats scores
//!
//! ```text
//! score = distance(centre of the run, focus) + row_penalty × rows outside preferred
//! ```
//!
//! in venue units (one seat width), where a seat is where the map's geometry
//! puts it ([`SeatMap::positions`]: its grid point for a block without
//! geometry), the centre of a run is the midpoint of its first and last
//! seat, the focus is the map's (the stage or pitch centre, or the point the
//! file declares), and "rows outside preferred" is how many rows
//! the run's row lies outside its block's `preferred_rows` (0 inside, or when
//! the block has none). Lower is better; ties go to the row met first in the
//! map's precomputed row order, then to the leftmost run.
//!
//! When no single row has such a run and the request allows a split, the
//! best pair of consecutive rows of one block, with no cross aisle (row gap)
//! between them, is chosen: `a` seats in one row and `n - a` in the next, the
//! two runs overlapping along the row (in column range for a block without
//! geometry, in offset along the row, or along the first row's arc for
//! curved rows, with geometry), so the group sits one behind the other, scored as the seat-weighted mean of the two
//! runs' scores plus [`SPLIT_PENALTY`].
//!
//! ## Speed
//!
//! Rows are visited in increasing order of a lower bound of their score
//! (distance from the focus to the row's bounding box plus its penalty), and
//! the search stops once the next row's bound is no better than the best run
//! found, so a request usually reads a handful of rows.

use eticket_core::ids::SeatType;
use serde::{Deserialize, Serialize};

use crate::cell::{CellId, Focus};
use crate::error::{AllocError, Result};
use crate::map::{RowIndex, SeatMap};

/// Added to the score of a split over two rows.
pub const SPLIT_PENALTY: f32 = 2.0;

/// Most seats one request may ask for.
pub const MAX_REQUEST: u16 = 100;

/// A best-available request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BestRequest {
    /// How many seats (1 to [`MAX_REQUEST`]).
    pub count: u16,
    /// Of which seat type.
    pub seat_type: SeatType,
    /// Accept a split over two adjacent rows when no row has `count` adjacent seats.
    #[serde(default)]
    pub allow_split: bool,
    /// Only accessible (wheelchair) places.
    #[serde(default)]
    pub accessible_only: bool,
    /// At least this many accessible places, the rest of the group in
    /// companion seats (or accessible places) beside them; 0 (the default)
    /// for a general request, which never gets either.
    #[serde(default)]
    pub wheelchairs: u16,
}

impl BestRequest {
    /// `count` seats of `seat_type`, in one row (which cells may be taken is
    /// the `available` function given to [`find_best`]).
    pub fn new(count: u16, seat_type: SeatType) -> Self {
        BestRequest {
            count,
            seat_type,
            allow_split: false,
            accessible_only: false,
            wheelchairs: 0,
        }
    }

    /// `count` seats of `seat_type` with at least `wheelchairs` accessible
    /// places and the rest companion seats.
    pub fn accessible(count: u16, seat_type: SeatType, wheelchairs: u16) -> Self {
        BestRequest {
            wheelchairs,
            ..BestRequest::new(count, seat_type)
        }
    }

    /// Check the count.
    pub fn validate(&self) -> Result<()> {
        if self.count == 0 || self.count > MAX_REQUEST {
            return Err(AllocError::InvalidRequest(format!(
                "count must be 1 to {MAX_REQUEST}, not {}",
                self.count
            )));
        }
        if self.wheelchairs > self.count {
            return Err(AllocError::InvalidRequest(format!(
                "{} wheelchair places do not fit a group of {}",
                self.wheelchairs, self.count
            )));
        }
        Ok(())
    }
}

/// The seats found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BestPick {
    /// The cells, in map order.
    pub cells: Vec<CellId>,
    /// Their score (lower is better).
    pub score: f32,
    /// True when they are split over two rows.
    pub split: bool,
}

fn centre_distance(focus: Focus, [ax, ay]: [f32; 2], [bx, by]: [f32; 2]) -> f32 {
    let (cx, cy) = ((ax + bx) / 2.0, (ay + by) / 2.0);
    ((cx - focus.x).powi(2) + (cy - focus.y).powi(2)).sqrt()
}

/// A run of `len` seats ending at cell `end` (inclusive) and its score.
#[derive(Debug, Clone, Copy)]
struct Run {
    start: usize,
    end: usize,
    score: f32,
}

/// Every window of `n` adjacent usable seats in a row with at least
/// `wheelchairs` accessible places, with its score.
fn windows(
    map: &SeatMap,
    row: &RowIndex,
    (n, wheelchairs): (usize, usize),
    usable: &impl Fn(usize) -> bool,
    visit: impl FnMut(Run),
) {
    // The general request (no accessible places to count) is the hot path.
    if wheelchairs == 0 {
        row_windows::<false>(map, row, (n, 0), usable, visit);
    } else {
        row_windows::<true>(map, row, (n, wheelchairs), usable, visit);
    }
}

fn row_windows<const COUNT_ACCESSIBLE: bool>(
    map: &SeatMap,
    row: &RowIndex,
    (n, wheelchairs): (usize, usize),
    usable: &impl Fn(usize) -> bool,
    mut visit: impl FnMut(Run),
) {
    let range = row.range();
    let base = range.start;
    let cells = &map.cells()[range.clone()];
    let points = &map.points()[range];
    let focus = map.focus();
    let mut run = 0usize;
    for (k, c) in cells.iter().enumerate() {
        if !usable(base + k) {
            run = 0;
            continue;
        }
        let joined = run > 0 && cells[k - 1].col + 1 == c.col;
        run = if joined { run + 1 } else { 1 };
        if run >= n {
            let first = k + 1 - n;
            if COUNT_ACCESSIBLE
                && cells[first..=k].iter().filter(|c| c.accessible).count() < wheelchairs
            {
                continue;
            }
            visit(Run {
                start: base + first,
                end: base + k,
                score: centre_distance(focus, points[first], points[k]) + row.penalty,
            });
        }
    }
}

/// Find the best seats for `req` among the cells for which `available`
/// returns true (free, and in the request's pool: the caller decides). Seat
/// type, blocked cells and accessibility are checked here.
pub fn find_best(
    map: &SeatMap,
    req: &BestRequest,
    available: impl Fn(usize) -> bool,
) -> Result<BestPick> {
    req.validate()?;
    let cells = map.cells();
    // Availability first: in a sold-out-looking venue most cells are taken,
    // and the caller's answer is cheaper than reading the cell.
    let usable = |i: usize| {
        available(i) && {
            let c = &cells[i];
            c.seat_type == req.seat_type
                && !c.blocked
                && if req.accessible_only {
                    c.accessible
                } else if req.wheelchairs > 0 {
                    c.is_reserved_for_access()
                } else {
                    !c.is_reserved_for_access()
                }
        }
    };
    let n = (usize::from(req.count), usize::from(req.wheelchairs));
    let mut best: Option<Run> = None;
    for &ri in map.rows_by_bound() {
        let row = &map.rows()[ri as usize];
        if best.is_some_and(|b| row.bound >= b.score) {
            break;
        }
        if !row.types.contains(req.seat_type) || row.range().len() < n.0 {
            continue;
        }
        windows(map, row, n, &usable, |r| {
            if best.is_none_or(|b| r.score < b.score) {
                best = Some(r);
            }
        });
    }
    if let Some(b) = best {
        return Ok(BestPick {
            cells: (b.start..=b.end).map(|i| CellId(i as u32)).collect(),
            score: b.score,
            split: false,
        });
    }
    if req.allow_split && n.0 >= 2 {
        if let Some(pick) = find_split(map, req, n, &usable) {
            return Ok(pick);
        }
    }
    Err(AllocError::NoSeats {
        count: req.count,
        seat_type: req.seat_type,
    })
}

fn find_split(
    map: &SeatMap,
    req: &BestRequest,
    (n, wheelchairs): (usize, usize),
    usable: &impl Fn(usize) -> bool,
) -> Option<BestPick> {
    let rows = map.rows();
    let cross_aisle = |k: usize| {
        map.block(rows[k].block)
            .and_then(|b| b.geometry.as_ref())
            .is_some_and(|g| g.cross_aisle_after(rows[k].row))
    };
    let mut pairs: Vec<(f32, usize)> = (0..rows.len().saturating_sub(1))
        .filter(|&k| {
            let (a, b) = (&rows[k], &rows[k + 1]);
            a.block == b.block
                && a.row.checked_add(1) == Some(b.row)
                && a.types.contains(req.seat_type)
                && b.types.contains(req.seat_type)
                && !cross_aisle(k)
        })
        .map(|k| (rows[k].bound.min(rows[k + 1].bound) + SPLIT_PENALTY, k))
        .collect();
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let positions = map.positions();
    let cells = map.cells();
    let accessible = |r: &Run| {
        cells[r.start..=r.end]
            .iter()
            .filter(|c| c.accessible)
            .count()
    };
    let span = |r: &Run| {
        let (a, b) = (positions[r.start].along, positions[r.end].along);
        (a.min(b), a.max(b))
    };
    let mut best: Option<(f32, Run, Run)> = None;
    for (bound, k) in pairs {
        if best.is_some_and(|b| bound >= b.0) {
            break;
        }
        for a in (1..n).rev() {
            // The wheelchair places may be in either row: each run is
            // checked for its own seats, the pair for the total below.
            let mut front = Vec::new();
            windows(map, &rows[k], (a, 0), usable, |r| front.push(r));
            if front.is_empty() {
                continue;
            }
            let mut back = Vec::new();
            windows(map, &rows[k + 1], (n - a, 0), usable, |r| back.push(r));
            for f in &front {
                for b in &back {
                    let ((f0, f1), (b0, b1)) = (span(f), span(b));
                    let overlap = f0 <= b1 + 1e-6 && b0 <= f1 + 1e-6;
                    if !overlap || accessible(f) + accessible(b) < wheelchairs {
                        continue;
                    }
                    let score =
                        (a as f32 * f.score + (n - a) as f32 * b.score) / n as f32 + SPLIT_PENALTY;
                    if best.is_none_or(|x| score < x.0) {
                        best = Some((score, *f, *b));
                    }
                }
            }
        }
    }
    best.map(|(score, f, b)| BestPick {
        cells: (f.start..=f.end)
            .chain(b.start..=b.end)
            .map(|i| CellId(i as u32))
            .collect(),
        score,
        split: true,
    })
}
