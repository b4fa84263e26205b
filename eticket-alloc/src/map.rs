//! The seat map: every seat cell of a venue on a grid, per block, with the
//! general-admission areas, plus the indices that selection and best-available
//! search use. Converts to and from core's [`SeatMaster`].

use std::collections::HashMap;
use std::ops::Range;

use eticket_core::event::EventInfo;
use eticket_core::ids::{BlockId, SeatType};
use eticket_core::seat::{Area, SeatMaster, SeatTypeInfo};
use eticket_core::venue::Block;
use serde::{Deserialize, Serialize};

use crate::cell::{BlockLayout, CellId, Focus, GaArea, GridPoint, SeatCell, SeatTypeStyle};
use crate::error::{AllocError, Result};
use crate::geometry::{
    GeometryError, Landmark, MAX_LANDMARKS, SeatPosition, check_polygon, seat_positions,
};

/// The largest number of cells a map may have.
pub const MAX_CELLS: usize = 2_000_000;

/// The plain data of a seat map, as serialized (JSON for the web, the center).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeatMapData {
    /// The venue's name.
    pub name: String,
    /// The stage focus seats are scored against.
    pub focus: Focus,
    /// Score cost per row outside a block's preferred rows (see
    /// [`best`](crate::best)).
    #[serde(default)]
    pub row_penalty: f32,
    /// The seat types with their colours.
    pub seat_types: Vec<SeatTypeStyle>,
    /// The blocks, in drawing order.
    pub blocks: Vec<BlockLayout>,
    /// Every seat cell.
    pub cells: Vec<SeatCell>,
    /// General-admission areas.
    #[serde(default)]
    pub areas: Vec<GaArea>,
    /// Stage, pitch and other shapes drawn for orientation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub landmarks: Vec<Landmark>,
}

/// A small set of seat types (all 256 codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct TypeSet([u64; 4]);

impl TypeSet {
    pub(crate) fn insert(&mut self, t: SeatType) {
        self.0[usize::from(t.0 >> 6)] |= 1 << (t.0 & 63);
    }
    pub(crate) fn contains(&self, t: SeatType) -> bool {
        self.0[usize::from(t.0 >> 6)] & (1 << (t.0 & 63)) != 0
    }
}

/// One row of one block: its cells are `start..end`, in column order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct RowIndex {
    pub(crate) block: BlockId,
    pub(crate) row: u16,
    pub(crate) start: u32,
    pub(crate) end: u32,
    pub(crate) types: TypeSet,
    /// The row's penalty term of the score.
    pub(crate) penalty: f32,
    /// No run of this row can score lower than this.
    pub(crate) bound: f32,
}

impl RowIndex {
    pub(crate) fn range(&self) -> Range<usize> {
        self.start as usize..self.end as usize
    }
}

/// A venue's seats as cells on a grid.
///
/// Build one from a file ([`SeatMap::from_toml`]), from core's seat master
/// ([`SeatMap::from_seat_master`]), with the generator
/// ([`stadium`](crate::stadium)), or from its JSON form; it serializes as
/// [`SeatMapData`].
///
/// ```
/// use eticket_alloc::SeatMap;
/// let map = SeatMap::from_toml(r#"
/// name = "Hall"
/// focus = { x = 2.0, y = -3.0 }
/// [[seat_types]]
/// id = 1
/// name = "Stalls"
/// [[blocks]]
/// id = 1
/// name = "Stalls"
/// legend = { a = 1 }
/// rows = ["aa.aa", "aaaaa"]
/// "#).unwrap();
/// assert_eq!(map.cells().len(), 9);
/// let json = map.to_json();
/// assert_eq!(eticket_alloc::SeatMap::from_json(&json).unwrap(), map);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "SeatMapData", into = "SeatMapData")]
pub struct SeatMap {
    data: SeatMapData,
    rows: Vec<RowIndex>,
    rows_by_bound: Vec<u32>,
    by_seat: HashMap<(BlockId, u16, u16), u32>,
    positions: Vec<SeatPosition>,
    /// Positions as `f32` pairs, for best available's inner loop.
    points: Vec<[f32; 2]>,
}

impl PartialEq for SeatMap {
    fn eq(&self, other: &Self) -> bool {
        self.data == other.data
    }
}

impl TryFrom<SeatMapData> for SeatMap {
    type Error = AllocError;
    fn try_from(data: SeatMapData) -> Result<Self> {
        SeatMap::new(data)
    }
}

impl From<SeatMap> for SeatMapData {
    fn from(map: SeatMap) -> Self {
        map.data
    }
}

fn invalid(field: impl Into<String>, reason: impl Into<String>) -> AllocError {
    AllocError::InvalidMap {
        field: field.into(),
        reason: reason.into(),
    }
}

impl SeatMap {
    /// Check the data and build the indices. Cells are put in block (as
    /// listed), row, column order; [`CellId`]s index that order.
    pub fn new(mut data: SeatMapData) -> Result<Self> {
        check_header(&data)?;
        let block_pos: HashMap<BlockId, usize> = data
            .blocks
            .iter()
            .enumerate()
            .map(|(i, b)| (b.id, i))
            .collect();
        for (i, c) in data.cells.iter().enumerate() {
            if !block_pos.contains_key(&c.block) {
                return Err(invalid(
                    format!("cells[{i}].block"),
                    "not a block of the map",
                ));
            }
            if c.row == 0 || c.number == 0 {
                return Err(invalid(
                    format!("cells[{i}]"),
                    "rows and numbers start at 1",
                ));
            }
            if !data.seat_types.iter().any(|t| t.id == c.seat_type) {
                return Err(invalid(
                    format!("cells[{i}].seat_type"),
                    "not a seat type of the map",
                ));
            }
        }
        data.cells
            .sort_by_key(|c| (block_pos.get(&c.block).copied(), c.row, c.col));
        let mut by_seat = HashMap::with_capacity(data.cells.len());
        for (i, c) in data.cells.iter().enumerate() {
            if by_seat
                .insert((c.block, c.row, c.number), i as u32)
                .is_some()
            {
                return Err(invalid(
                    "cells",
                    format!("seat {} appears twice", c.label()),
                ));
            }
            if i > 0 {
                let p = &data.cells[i - 1];
                if (p.block, p.row, p.col) == (c.block, c.row, c.col) {
                    return Err(invalid(
                        "cells",
                        format!("seats {} and {} share a column", p.label(), c.label()),
                    ));
                }
            }
        }
        check_geometry(&data)?;
        let positions = seat_positions(&data);
        snap_to_grid(&mut data, &positions);
        let points: Vec<[f32; 2]> = positions.iter().map(|p| [p.x as f32, p.y as f32]).collect();
        let rows = build_rows(&data, &points);
        let mut rows_by_bound: Vec<u32> = (0..rows.len() as u32).collect();
        rows_by_bound.sort_by(|&a, &b| rows[a as usize].bound.total_cmp(&rows[b as usize].bound));
        Ok(SeatMap {
            data,
            rows,
            rows_by_bound,
            by_seat,
            positions,
            points,
        })
    }

    /// Every seat's position in the venue, indexed by [`CellId`] (see
    /// [`geometry::seat_positions`](crate::geometry::seat_positions)).
    pub fn positions(&self) -> &[SeatPosition] {
        &self.positions
    }

    /// The landmarks (stage, pitch, …).
    pub fn landmarks(&self) -> &[Landmark] {
        &self.data.landmarks
    }

    pub(crate) fn points(&self) -> &[[f32; 2]] {
        &self.points
    }

    /// The venue's name.
    pub fn name(&self) -> &str {
        &self.data.name
    }

    /// The stage focus.
    pub fn focus(&self) -> Focus {
        self.data.focus
    }

    /// Score cost per row outside a block's preferred rows.
    pub fn row_penalty(&self) -> f32 {
        self.data.row_penalty
    }

    /// All cells, indexed by [`CellId`].
    pub fn cells(&self) -> &[SeatCell] {
        &self.data.cells
    }

    /// The cell with this id.
    pub fn cell(&self, id: CellId) -> Option<&SeatCell> {
        self.data.cells.get(id.index())
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.data.cells.len()
    }

    /// True when the map has no cells.
    pub fn is_empty(&self) -> bool {
        self.data.cells.is_empty()
    }

    /// The seat types.
    pub fn seat_types(&self) -> &[SeatTypeStyle] {
        &self.data.seat_types
    }

    /// The blocks.
    pub fn blocks(&self) -> &[BlockLayout] {
        &self.data.blocks
    }

    /// The block with this id.
    pub fn block(&self, id: BlockId) -> Option<&BlockLayout> {
        self.data.blocks.iter().find(|b| b.id == id)
    }

    /// The general-admission areas.
    pub fn areas(&self) -> &[GaArea] {
        &self.data.areas
    }

    /// The cell of a seat.
    pub fn find(&self, block: BlockId, row: u16, number: u16) -> Option<CellId> {
        self.by_seat.get(&(block, row, number)).map(|&i| CellId(i))
    }

    /// The cells of a row, in column order.
    pub fn row_cells(&self, block: BlockId, row: u16) -> Result<Range<usize>> {
        self.rows
            .iter()
            .find(|r| r.block == block && r.row == row)
            .map(RowIndex::range)
            .ok_or_else(|| AllocError::UnknownPlace(format!("{block} row {row}")))
    }

    /// The cells of a block.
    pub fn block_cells(&self, block: BlockId) -> Result<Range<usize>> {
        let start = self
            .data
            .cells
            .partition_point(|c| self.block_order(c.block) < self.block_order(block));
        let end = self.data.cells[start..]
            .iter()
            .position(|c| c.block != block)
            .map_or(self.data.cells.len(), |n| start + n);
        if self.block(block).is_none() {
            return Err(AllocError::UnknownBlock(block));
        }
        Ok(start..end)
    }

    fn block_order(&self, block: BlockId) -> usize {
        self.data
            .blocks
            .iter()
            .position(|b| b.id == block)
            .unwrap_or(usize::MAX)
    }

    /// The colour a seat type is drawn in: its own, or one of the palette.
    pub fn seat_type_colour(&self, t: SeatType) -> String {
        let pos = self.data.seat_types.iter().position(|s| s.id == t);
        match pos.and_then(|p| self.data.seat_types[p].colour.clone()) {
            Some(c) => c,
            None => crate::render::palette_colour(pos.unwrap_or(0)).to_string(),
        }
    }

    pub(crate) fn rows(&self) -> &[RowIndex] {
        &self.rows
    }

    pub(crate) fn rows_by_bound(&self) -> &[u32] {
        &self.rows_by_bound
    }

    /// The JSON form (the exchange format for the center and web pages).
    pub fn to_json(&self) -> String {
        serde_json::to_string(&self.data).unwrap_or_default()
    }

    /// Read the JSON form; errors name the line, the column and the field.
    /// Documents larger than [`MAX_FILE_BYTES`](crate::format::MAX_FILE_BYTES)
    /// are refused before parsing.
    ///
    /// ```
    /// use eticket_alloc::{AllocError, SeatMap};
    /// let json = r#"{"name": "Hall", "focus": {"x": 0, "y": 0}, "seat_types": [],
    ///   "blocks": [{"id": 1, "name": "A", "geometry": {"origin": [0, 0], "radius": "far"}}],
    ///   "cells": []}"#;
    /// match SeatMap::from_json(json) {
    ///     Err(AllocError::Json { line, field, .. }) => {
    ///         assert_eq!((line, field.as_str()), (2, "blocks[0].geometry.radius"))
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn from_json(json: &str) -> Result<Self> {
        if json.len() > crate::format::MAX_FILE_BYTES {
            return Err(AllocError::Json {
                line: 1,
                column: 1,
                field: String::new(),
                message: format!(
                    "document larger than {} bytes",
                    crate::format::MAX_FILE_BYTES
                ),
            });
        }
        // Tracking the path costs an allocation per value read (a third of
        // the time of a large map), so a document is read without it first;
        // only a refused one is read again to name the field.
        match serde_json::from_str::<SeatMapData>(json) {
            Ok(data) => SeatMap::new(data),
            Err(plain) => Err(Self::json_error(json).unwrap_or_else(|| plain.into())),
        }
    }

    /// The error of [`from_json`](Self::from_json) with the field it was in,
    /// or `None` if the document reads after all.
    fn json_error(json: &str) -> Option<AllocError> {
        let mut de = serde_json::Deserializer::from_str(json);
        match serde_path_to_error::deserialize::<_, SeatMapData>(&mut de) {
            Err(e) => Some(e.into()),
            Ok(_) => de.end().err().map(Into::into),
        }
    }

    /// The plain data.
    pub fn data(&self) -> &SeatMapData {
        &self.data
    }

    /// Core's seat master: every seat that can be sold (blocked cells are
    /// left out) and the areas.
    pub fn to_seat_master(&self) -> SeatMaster {
        SeatMaster {
            seats: self
                .data
                .cells
                .iter()
                .filter(|c| !c.blocked)
                .map(SeatCell::seat)
                .collect(),
            areas: self
                .data
                .areas
                .iter()
                .map(|a| Area {
                    id: a.id,
                    name: a.name.clone(),
                    gate: a.gate,
                    guidance: a.guidance.clone(),
                    capacity: a.capacity,
                    seat_type: a.seat_type,
                })
                .collect(),
        }
    }

    /// Core's seat types.
    pub fn seat_type_infos(&self) -> Vec<SeatTypeInfo> {
        self.data
            .seat_types
            .iter()
            .map(|s| SeatTypeInfo {
                id: s.id,
                name: s.name.clone(),
            })
            .collect()
    }

    /// Lay out a seat master on a grid: blocks side by side (in the order
    /// given), row `r` on line `r - 1`, seat `n` in column `n - 1` (missing
    /// numbers become aisle gaps), the focus centred in front, areas below.
    pub fn from_seat_master(
        name: &str,
        master: &SeatMaster,
        seat_types: &[SeatTypeInfo],
        blocks: &[Block],
    ) -> Result<Self> {
        let mut cells = Vec::with_capacity(master.seats.len());
        let mut layouts = Vec::with_capacity(blocks.len());
        let mut x0 = 0i32;
        let mut depth = 0i32;
        for b in blocks {
            let mut layout = BlockLayout::named(b.id, b.name.clone());
            layout.row_labels = b.row_labels.clone();
            layouts.push(layout);
            let mut width = 0i32;
            for s in master.seats.iter().filter(|s| s.block == b.id) {
                let col = s.number.saturating_sub(1);
                width = width.max(i32::from(s.number));
                depth = depth.max(i32::from(s.row));
                cells.push(SeatCell {
                    block: s.block,
                    row: s.row,
                    number: s.number,
                    col,
                    x: x0.saturating_add(i32::from(col)),
                    y: i32::from(s.row) - 1,
                    seat_type: s.seat_type,
                    accessible: false,
                    companion: false,
                    blocked: false,
                });
            }
            x0 = x0.saturating_add(width).saturating_add(2);
        }
        let areas = master
            .areas
            .iter()
            .enumerate()
            .map(|(i, a)| GaArea {
                id: a.id,
                name: a.name.clone(),
                seat_type: a.seat_type,
                capacity: a.capacity,
                gate: a.gate,
                guidance: a.guidance.clone(),
                at: GridPoint {
                    x: i32::try_from(i).unwrap_or(i32::MAX).saturating_mul(12),
                    y: depth.saturating_add(2),
                },
                width: 10,
                height: 4,
                polygon: Vec::new(),
            })
            .collect();
        SeatMap::new(SeatMapData {
            name: name.to_string(),
            focus: Focus {
                x: (x0 - 2).max(0) as f32 / 2.0,
                y: -3.0,
            },
            row_penalty: 0.0,
            seat_types: seat_types
                .iter()
                .map(|t| SeatTypeStyle {
                    id: t.id,
                    name: t.name.clone(),
                    colour: None,
                })
                .collect(),
            blocks: layouts,
            cells,
            areas,
            landmarks: Vec::new(),
        })
    }

    /// [`SeatMap::from_seat_master`] for an event's venue, seat types and seats.
    pub fn from_event(event: &EventInfo) -> Result<Self> {
        SeatMap::from_seat_master(
            &event.venue.name,
            &event.seats,
            &event.seat_types,
            &event.venue.blocks,
        )
    }
}

fn check_header(data: &SeatMapData) -> Result<()> {
    if data.name.trim().is_empty() {
        return Err(invalid("name", "empty"));
    }
    if !(data.focus.x.is_finite() && data.focus.y.is_finite()) {
        return Err(invalid("focus", "must be finite"));
    }
    if !(data.row_penalty.is_finite() && data.row_penalty >= 0.0) {
        return Err(invalid("row_penalty", "must be finite and not negative"));
    }
    if data.cells.len() > MAX_CELLS {
        return Err(invalid("cells", format!("more than {MAX_CELLS} cells")));
    }
    if has_duplicates(data.seat_types.iter().map(|t| t.id)) {
        return Err(invalid("seat_types", "duplicate seat type id"));
    }
    if let Some(t) = data
        .seat_types
        .iter()
        .find(|t| t.colour.as_deref().is_some_and(|c| !is_colour(c)))
    {
        return Err(invalid(
            format!("seat_types[{}].colour", t.id),
            "must be #rrggbb",
        ));
    }
    if has_duplicates(data.blocks.iter().map(|b| b.id)) {
        return Err(invalid("blocks", "duplicate block id"));
    }
    if let Some(b) = data
        .blocks
        .iter()
        .find(|b| b.preferred_rows.is_some_and(|(lo, hi)| lo > hi || lo == 0))
    {
        return Err(invalid(
            format!("blocks[{}].preferred_rows", b.id),
            "needs 1 <= from <= to",
        ));
    }
    if has_duplicates(data.areas.iter().map(|a| a.id)) {
        return Err(invalid("areas", "duplicate area id"));
    }
    if let Some(a) = data
        .areas
        .iter()
        .find(|a| !data.seat_types.iter().any(|t| t.id == a.seat_type))
    {
        return Err(invalid(
            format!("areas[{}].seat_type", a.id),
            "not a seat type of the map",
        ));
    }
    Ok(())
}

/// True for `#rrggbb`.
pub(crate) fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

fn has_duplicates<T: Ord>(items: impl Iterator<Item = T>) -> bool {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v.windows(2).any(|w| w[0] == w[1])
}

fn build_rows(data: &SeatMapData, points: &[[f32; 2]]) -> Vec<RowIndex> {
    let cells = &data.cells;
    let mut rows = Vec::new();
    let mut start = 0usize;
    while start < cells.len() {
        let (block, row) = (cells[start].block, cells[start].row);
        let len = cells[start..]
            .iter()
            .position(|c| c.block != block || c.row != row)
            .unwrap_or(cells.len() - start);
        let end = start + len;
        let mut types = TypeSet::default();
        for c in &cells[start..end] {
            types.insert(c.seat_type);
        }
        let outside = data
            .blocks
            .iter()
            .find(|b| b.id == block)
            .map_or(0, |b| b.rows_outside_preference(row));
        let penalty = data.row_penalty * f32::from(outside);
        // The centre of any run lies in the row's bounding box.
        let bound = box_distance(data.focus, &points[start..end]) + penalty;
        rows.push(RowIndex {
            block,
            row,
            start: start as u32,
            end: end as u32,
            types,
            penalty,
            // A little slack so float rounding never prunes a better run.
            bound: bound - 1e-3,
        });
        start = end;
    }
    rows
}

/// Distance from `p` to the bounding box of `points`.
fn box_distance(p: Focus, points: &[[f32; 2]]) -> f32 {
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for &[x, y] in points {
        (x0, y0, x1, y1) = (x0.min(x), y0.min(y), x1.max(x), y1.max(y));
    }
    let dx = (x0 - p.x).max(p.x - x1).max(0.0);
    let dy = (y0 - p.y).max(p.y - y1).max(0.0);
    (dx * dx + dy * dy).sqrt()
}

fn geometry_invalid(prefix: &str, e: GeometryError) -> AllocError {
    invalid(format!("{prefix}.{}", e.field), e.reason)
}

/// The checks of geometry, labels and landmarks that need the whole map.
fn check_geometry(data: &SeatMapData) -> Result<()> {
    for (i, b) in data.blocks.iter().enumerate() {
        let prefix = format!("blocks[{i}]");
        // Row labels are not limited here: core's venue master, from which
        // the center rebuilds maps, does not limit them (the file reader does).
        if let Some(l) = &b.seat_labels {
            l.check().map_err(|e| geometry_invalid(&prefix, e))?;
        }
        let Some(g) = &b.geometry else { continue };
        let prefix = format!("{prefix}.geometry");
        g.check().map_err(|e| geometry_invalid(&prefix, e))?;
        g.check_rows(row_spans(&data.cells, b.id))
            .map_err(|e| geometry_invalid(&prefix, e))?;
    }
    for (i, a) in data.areas.iter().enumerate() {
        if !a.polygon.is_empty() {
            check_polygon(&a.polygon, "polygon")
                .map_err(|e| geometry_invalid(&format!("areas[{i}]"), e))?;
        }
    }
    if data.landmarks.len() > MAX_LANDMARKS {
        return Err(invalid("landmarks", format!("more than {MAX_LANDMARKS}")));
    }
    for (i, l) in data.landmarks.iter().enumerate() {
        l.outline
            .check()
            .map_err(|e| geometry_invalid(&format!("landmarks[{i}]"), e))?;
    }
    Ok(())
}

/// Each row of `block` in the (sorted) cells: number, first and last column.
pub(crate) fn row_spans(
    cells: &[SeatCell],
    block: BlockId,
) -> impl Iterator<Item = (u16, u16, u16)> + '_ {
    let mut rows: Vec<(u16, u16, u16)> = Vec::new();
    for c in cells.iter().filter(|c| c.block == block) {
        match rows.last_mut() {
            Some(r) if r.0 == c.row => {
                r.1 = r.1.min(c.col);
                r.2 = r.2.max(c.col);
            }
            _ => rows.push((c.row, c.col, c.col)),
        }
    }
    rows.into_iter()
}

/// Give the cells of blocks with geometry their position rounded to the grid
/// (halves away from zero), for rectangle selection and the terminal.
fn snap_to_grid(data: &mut SeatMapData, positions: &[SeatPosition]) {
    let placed: Vec<BlockId> = data
        .blocks
        .iter()
        .filter(|b| b.geometry.is_some())
        .map(|b| b.id)
        .collect();
    if placed.is_empty() {
        return;
    }
    for (c, p) in data.cells.iter_mut().zip(positions) {
        if placed.contains(&c.block) {
            // Positions are within ±1,000,000 plus a block's extent, far
            // inside i32.
            c.x = p.x.round() as i32;
            c.y = p.y.round() as i32;
        }
    }
}
