//! Best available: the best `n` seats of a type, adjacent in one row.
//!
//! ## Score
//!
//! A run of adjacent seats scores
//!
//! ```text
//! score = distance(centre of the run, stage focus) + row_penalty × rows outside preferred
//! ```
//!
//! in grid units (one seat width), where the centre of a run is the midpoint
//! of its first and last seat, and "rows outside preferred" is how many rows
//! the run's row lies outside its block's `preferred_rows` (0 inside, or when
//! the block has none). Lower is better; ties go to the row met first in the
//! map's precomputed row order, then to the leftmost run.
//!
//! When no single row has such a run and the request allows a split, the
//! best pair of adjacent rows of one block is chosen: `a` seats in one row and
//! `n - a` in the next, the two runs overlapping in column range (so the group
//! sits one behind the other), scored as the seat-weighted mean of the two
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

use crate::cell::{CellId, Focus, SeatCell};
use crate::error::{AllocError, Result};
use crate::map::{RowIndex, SeatMap, point};

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

fn centre_distance(focus: Focus, a: &SeatCell, b: &SeatCell) -> f32 {
    let ((ax, ay), (bx, by)) = (point(a), point(b));
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

/// Every window of `n` adjacent usable seats in a row, with its score.
fn windows(
    map: &SeatMap,
    row: &RowIndex,
    n: usize,
    usable: &impl Fn(usize) -> bool,
    mut visit: impl FnMut(Run),
) {
    let cells = map.cells();
    let focus = map.focus();
    let mut run = 0usize;
    for i in row.range() {
        if !usable(i) {
            run = 0;
            continue;
        }
        let joined = run > 0 && cells[i - 1].col + 1 == cells[i].col;
        run = if joined { run + 1 } else { 1 };
        if run >= n {
            let start = i + 1 - n;
            visit(Run {
                start,
                end: i,
                score: centre_distance(focus, &cells[start], &cells[i]) + row.penalty,
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
    let usable = |i: usize| {
        let c = &cells[i];
        c.seat_type == req.seat_type
            && !c.blocked
            && (!req.accessible_only || c.accessible)
            && available(i)
    };
    let n = usize::from(req.count);
    let mut best: Option<Run> = None;
    for &ri in map.rows_by_bound() {
        let row = &map.rows()[ri as usize];
        if best.is_some_and(|b| row.bound >= b.score) {
            break;
        }
        if !row.types.contains(req.seat_type) || row.range().len() < n {
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
    if req.allow_split && n >= 2 {
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
    n: usize,
    usable: &impl Fn(usize) -> bool,
) -> Option<BestPick> {
    let rows = map.rows();
    let mut pairs: Vec<(f32, usize)> = (0..rows.len().saturating_sub(1))
        .filter(|&k| {
            let (a, b) = (&rows[k], &rows[k + 1]);
            a.block == b.block
                && a.row.checked_add(1) == Some(b.row)
                && a.types.contains(req.seat_type)
                && b.types.contains(req.seat_type)
        })
        .map(|k| (rows[k].bound.min(rows[k + 1].bound) + SPLIT_PENALTY, k))
        .collect();
    pairs.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
    let cells = map.cells();
    let mut best: Option<(f32, Run, Run)> = None;
    for (bound, k) in pairs {
        if best.is_some_and(|b| bound >= b.0) {
            break;
        }
        for a in (1..n).rev() {
            let mut front = Vec::new();
            windows(map, &rows[k], a, usable, |r| front.push(r));
            if front.is_empty() {
                continue;
            }
            let mut back = Vec::new();
            windows(map, &rows[k + 1], n - a, usable, |r| back.push(r));
            for f in &front {
                for b in &back {
                    let overlap = cells[f.start].col <= cells[b.end].col
                        && cells[b.start].col <= cells[f.end].col;
                    if !overlap {
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
