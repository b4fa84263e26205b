//! Venue geometry: where each seat really is.
//!
//! A block may carry a [`BlockGeometry`]: a handful of numbers (origin,
//! angle, seat and row pitch, an optional arc radius, extra gaps) from which
//! every seat's position is computed, rather than one point per seat. Maps
//! also carry [`Landmark`]s (stage, pitch, …), and standing areas may be
//! polygons. A block without geometry is placed as its grid cells say.
//!
//! The positions are computed by [`seat_positions`], with the formulas of
//! `docs/alloc/seatmap-format.md` ("Seat positions"), in `f64` and in a fixed
//! order, so that another implementation (the browser page's JavaScript)
//! computes the same numbers from the same parameters.

use serde::{Deserialize, Serialize};

use crate::cell::SeatCell;
use crate::map::SeatMapData;

/// Largest absolute coordinate of any point of the geometry.
pub const MAX_COORD: f64 = 1_000_000.0;
/// Largest seat pitch, row pitch, gap width or row-gap depth.
pub const MAX_PITCH: f64 = 1_000.0;
/// Most gaps or row gaps one block may declare.
pub const MAX_GAPS: usize = 1_000;
/// Most points of a polygon.
pub const MAX_POLYGON_POINTS: usize = 1_000;
/// Most landmarks of a map.
pub const MAX_LANDMARKS: usize = 1_000;
/// Longest row or seat label, in characters.
pub const MAX_LABEL_CHARS: usize = 16;

/// A point in venue units (the map's unit: one seat width, as on the grid).
pub type Point = [f64; 2];

/// Where a row's along-the-row offsets are measured from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Align {
    /// Column 0 of every row lies on the block's axis (like the grid).
    #[default]
    Start,
    /// The middle of each row's seats lies on the block's axis.
    Centre,
}

/// Extra space after a column of every row of a block: the seats on either
/// side stay adjacent (a handrail, a wider seat), unlike an aisle column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    /// The column (from 0, counting aisle columns) the gap follows.
    pub after: u16,
    /// Its width in venue units.
    pub width: f64,
}

/// Extra depth after a row of a block: a cross aisle. Best available never
/// splits a group over it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RowGap {
    /// The row number the gap follows.
    pub after: u16,
    /// Its depth in venue units.
    pub depth: f64,
}

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}

fn one() -> f64 {
    1.0
}

fn is_one(v: &f64) -> bool {
    *v == 1.0
}

fn first() -> u16 {
    1
}

fn is_first(v: &u16) -> bool {
    *v == 1
}

/// How a block's seats are placed in the venue. All lengths are in venue
/// units, the angle in degrees clockwise (y grows downwards).
///
/// In the block's own frame rows run along `u` (column 0 first) and grow in
/// depth along `v`; the stage is on the −`v` side. See
/// `docs/alloc/seatmap-format.md` for the formulas.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BlockGeometry {
    /// Where the block's reference point (row `first_row`, column 0, or the
    /// row's middle with [`Align::Centre`]) lies.
    pub origin: Point,
    /// Turn of the block, degrees clockwise.
    #[serde(default, skip_serializing_if = "is_default")]
    pub angle: f64,
    /// Distance between neighbouring columns along a row.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub seat_pitch: f64,
    /// Distance between consecutive rows.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub row_pitch: f64,
    /// Rows are arcs around a centre this far in front of row `first_row`
    /// (towards the stage); `None`: straight rows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<f64>,
    /// Where along-row offsets are measured from.
    #[serde(default, skip_serializing_if = "is_default")]
    pub align: Align,
    /// Extra space after columns (seats stay adjacent across it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub gaps: Vec<Gap>,
    /// Extra depth after rows (cross aisles).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_gaps: Vec<RowGap>,
    /// The row at depth 0 (the block's first row).
    #[serde(default = "first", skip_serializing_if = "is_first")]
    pub first_row: u16,
}

impl Default for BlockGeometry {
    fn default() -> Self {
        BlockGeometry {
            origin: [0.0, 0.0],
            angle: 0.0,
            seat_pitch: 1.0,
            row_pitch: 1.0,
            radius: None,
            align: Align::Start,
            gaps: Vec::new(),
            row_gaps: Vec::new(),
            first_row: 1,
        }
    }
}

/// What is wrong with a geometry: the field (relative to the block) and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeometryError {
    /// The field, e.g. `radius` or `gaps[2].width`.
    pub field: String,
    /// Why.
    pub reason: String,
}

fn geometry_error(field: impl Into<String>, reason: impl Into<String>) -> GeometryError {
    GeometryError {
        field: field.into(),
        reason: reason.into(),
    }
}

/// True for a finite number within ±[`MAX_COORD`].
pub fn is_coordinate(v: f64) -> bool {
    v.is_finite() && v.abs() <= MAX_COORD
}

fn check_point(p: Point, field: &str) -> Result<(), GeometryError> {
    if is_coordinate(p[0]) && is_coordinate(p[1]) {
        Ok(())
    } else {
        Err(geometry_error(
            field,
            format!("coordinates must be finite and within ±{MAX_COORD}"),
        ))
    }
}

fn check_length(v: f64, field: &str) -> Result<(), GeometryError> {
    if v.is_finite() && v > 0.0 && v <= MAX_PITCH {
        Ok(())
    } else {
        Err(geometry_error(
            field,
            format!("must be more than 0 and at most {MAX_PITCH}"),
        ))
    }
}

impl BlockGeometry {
    /// Check every number (without the cells: see [`check_rows`](Self::check_rows)).
    pub fn check(&self) -> Result<(), GeometryError> {
        check_point(self.origin, "origin")?;
        if !(self.angle.is_finite() && self.angle.abs() <= 360.0) {
            return Err(geometry_error("angle", "must be within ±360 degrees"));
        }
        check_length(self.seat_pitch, "seat_pitch")?;
        check_length(self.row_pitch, "row_pitch")?;
        if let Some(r) = self.radius {
            if !(r.is_finite() && (1.0..=MAX_COORD).contains(&r)) {
                return Err(geometry_error(
                    "radius",
                    format!("must be between 1 and {MAX_COORD}"),
                ));
            }
        }
        if self.first_row == 0 {
            return Err(geometry_error("first_row", "rows start at 1"));
        }
        if self.gaps.len() > MAX_GAPS {
            return Err(geometry_error("gaps", format!("more than {MAX_GAPS}")));
        }
        if self.row_gaps.len() > MAX_GAPS {
            return Err(geometry_error("row_gaps", format!("more than {MAX_GAPS}")));
        }
        for (i, g) in self.gaps.iter().enumerate() {
            check_length(g.width, &format!("gaps[{i}].width"))?;
            if i > 0 && self.gaps[i - 1].after >= g.after {
                return Err(geometry_error(
                    format!("gaps[{i}].after"),
                    "gaps must be listed in increasing column order, each column once",
                ));
            }
        }
        for (i, g) in self.row_gaps.iter().enumerate() {
            check_length(g.depth, &format!("row_gaps[{i}].depth"))?;
            if i > 0 && self.row_gaps[i - 1].after >= g.after {
                return Err(geometry_error(
                    format!("row_gaps[{i}].after"),
                    "row gaps must be listed in increasing row order, each row once",
                ));
            }
        }
        Ok(())
    }

    /// Offset along the row of column `col`, before alignment:
    /// `col × seat_pitch + Σ width of the gaps after a column < col`.
    pub fn along(&self, col: u16) -> f64 {
        let mut s = f64::from(col) * self.seat_pitch;
        for g in &self.gaps {
            if g.after < col {
                s += g.width;
            }
        }
        s
    }

    /// Depth of row `row`: `(row − first_row) × row_pitch + Σ depth of the row
    /// gaps after a row < row`.
    pub fn depth(&self, row: u16) -> f64 {
        let mut d = (f64::from(row) - f64::from(self.first_row)) * self.row_pitch;
        for g in &self.row_gaps {
            if g.after < row {
                d += g.depth;
            }
        }
        d
    }

    /// True when a row gap (cross aisle) lies between `row` and `row + 1`.
    pub fn cross_aisle_after(&self, row: u16) -> bool {
        self.row_gaps.iter().any(|g| g.after == row)
    }

    /// Check what depends on the cells: no row lies in front of the block's
    /// first row and, for curved rows, no row wraps more than half a circle
    /// either way. `rows` gives, per row, its number and first and last column.
    pub fn check_rows(
        &self,
        rows: impl Iterator<Item = (u16, u16, u16)>,
    ) -> Result<(), GeometryError> {
        for (row, lo, hi) in rows {
            if row < self.first_row {
                return Err(geometry_error(
                    "first_row",
                    format!("row {row} lies before the geometry's first row"),
                ));
            }
            let (s_lo, s_hi) = self.aligned(self.along(lo), self.along(hi));
            if let Some(r) = self.radius {
                let rho = r + self.depth(row);
                if s_lo.abs().max(s_hi.abs()) / rho > std::f64::consts::PI {
                    return Err(geometry_error(
                        "radius",
                        format!("row {row} would wrap more than half a circle either side"),
                    ));
                }
            }
            if !(is_coordinate(s_lo) && is_coordinate(s_hi)) {
                return Err(geometry_error("seat_pitch", format!("row {row} too long")));
            }
        }
        Ok(())
    }

    /// `(s_lo, s_hi)` after alignment for a row spanning columns `lo..=hi`.
    fn aligned(&self, s_lo: f64, s_hi: f64) -> (f64, f64) {
        match self.align {
            Align::Start => (s_lo, s_hi),
            Align::Centre => {
                let mid = (s_lo + s_hi) / 2.0;
                (s_lo - mid, s_hi - mid)
            }
        }
    }

    /// Position of the seat at `col` of `row`, whose row spans columns
    /// `lo..=hi` (needed for [`Align::Centre`]).
    pub fn place(&self, row: u16, col: u16, lo: u16, hi: u16) -> SeatPosition {
        let shift = match self.align {
            Align::Start => 0.0,
            Align::Centre => (self.along(lo) + self.along(hi)) / 2.0,
        };
        let s = self.along(col) - shift;
        let d = self.depth(row);
        let (u, v, theta) = match self.radius {
            None => (s, d, 0.0),
            Some(r) => {
                let rho = r + d;
                let theta = s / rho;
                (rho * theta.sin(), rho * theta.cos() - r, theta)
            }
        };
        let (sin_a, cos_a) = sin_cos_degrees(self.angle);
        SeatPosition {
            x: self.origin[0] + u * cos_a - v * sin_a,
            y: self.origin[1] + u * sin_a + v * cos_a,
            angle: self.angle + theta.to_degrees(),
            along: match self.radius {
                None => s,
                Some(r) => theta * r,
            },
        }
    }
}

/// Sine and cosine of an angle in degrees, exact for multiples of 90° (so
/// that a block turned by 90° lands on whole grid points, as the grid's
/// rotations do).
pub fn sin_cos_degrees(deg: f64) -> (f64, f64) {
    let quarter = deg / 90.0;
    if quarter.fract() == 0.0 {
        match quarter.rem_euclid(4.0) as i64 {
            0 => (0.0, 1.0),
            1 => (1.0, 0.0),
            2 => (0.0, -1.0),
            _ => (-1.0, 0.0),
        }
    } else {
        deg.to_radians().sin_cos()
    }
}

/// Where a seat is in the venue.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SeatPosition {
    /// Horizontal position, venue units, growing to the right.
    pub x: f64,
    /// Vertical position, venue units, growing downwards.
    pub y: f64,
    /// Direction the seat's row runs at this seat, degrees clockwise from
    /// +x (the block's angle plus the arc's turn): draw the seat turned by it.
    pub angle: f64,
    /// Offset along the row, measured on the first row's arc for curved rows
    /// (so that seats one behind the other have about the same value); used
    /// to tell whether two runs of neighbouring rows overlap.
    #[serde(skip)]
    pub along: f64,
}

/// Every seat's position, indexed like `data.cells` (which must be in the
/// order [`SeatMap`](crate::SeatMap) keeps: block, row, column).
///
/// A cell of a block with a [`BlockGeometry`] is placed by
/// [`BlockGeometry::place`]; any other cell sits at its grid point
/// (`x`, `y`), turned as nothing (angle 0), `along` = its column.
///
/// ```
/// use eticket_alloc::SeatMap;
/// use eticket_alloc::geometry::seat_positions;
/// let map = SeatMap::from_toml(r#"
/// name = "Arc"
/// focus = { x = 0, y = -10 }
/// [[seat_types]]
/// id = 1
/// name = "A"
/// [[blocks]]
/// id = 1
/// name = "Curved"
/// legend = { a = 1 }
/// rows = ["aaaaa"]
/// [blocks.geometry]
/// origin = { x = 0, y = 0 }
/// radius = 10
/// align = "centre"
/// "#).unwrap();
/// let p = seat_positions(map.data());
/// // The middle seat is on the axis, the others curve towards the stage.
/// assert!(p[2].x.abs() < 1e-12 && p[2].y.abs() < 1e-12);
/// assert!(p[0].y < 0.0 && (p[0].y - p[4].y).abs() < 1e-12);
/// assert!((p[3].x - 10.0 * (0.1f64).sin()).abs() < 1e-12);
/// ```
pub fn seat_positions(data: &SeatMapData) -> Vec<SeatPosition> {
    let cells = &data.cells;
    let mut out = Vec::with_capacity(cells.len());
    let mut start = 0usize;
    while start < cells.len() {
        let (block, row) = (cells[start].block, cells[start].row);
        let end = cells[start..]
            .iter()
            .position(|c| c.block != block || c.row != row)
            .map_or(cells.len(), |n| start + n);
        let run = &cells[start..end];
        let geometry = data
            .blocks
            .iter()
            .find(|b| b.id == block)
            .and_then(|b| b.geometry.as_ref());
        place_row(geometry, run, &mut out);
        start = end;
    }
    out
}

fn place_row(geometry: Option<&BlockGeometry>, run: &[SeatCell], out: &mut Vec<SeatPosition>) {
    let lo = run.iter().map(|c| c.col).min().unwrap_or(0);
    let hi = run.iter().map(|c| c.col).max().unwrap_or(0);
    for c in run {
        out.push(match geometry {
            Some(g) => g.place(c.row, c.col, lo, hi),
            None => SeatPosition {
                x: f64::from(c.x),
                y: f64::from(c.y),
                angle: 0.0,
                along: f64::from(c.col),
            },
        });
    }
}

/// What a landmark is; it decides how it is drawn and whether it can be the
/// focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LandmarkKind {
    /// A stage (a focus candidate).
    Stage,
    /// A pitch, field, court or ice (a focus candidate).
    Pitch,
    /// Anything else drawn for orientation: a bar, a mixing desk, a screen.
    Other,
}

/// The outline of a landmark.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outline {
    /// A rectangle from its top-left corner, turned by `angle` degrees
    /// clockwise about its centre.
    Rect {
        /// Left edge before turning.
        x: f64,
        /// Top edge before turning.
        y: f64,
        /// Width.
        width: f64,
        /// Height.
        height: f64,
        /// Turn about the centre, degrees clockwise.
        #[serde(default, skip_serializing_if = "is_default")]
        angle: f64,
    },
    /// A circle.
    Circle {
        /// Centre.
        x: f64,
        /// Centre.
        y: f64,
        /// Radius.
        radius: f64,
    },
    /// A polygon through these points (closed implicitly).
    Polygon(Vec<Point>),
}

impl Outline {
    /// Its centre: of the rectangle or circle, or the mean of the polygon's
    /// points.
    pub fn centre(&self) -> Point {
        match self {
            Outline::Rect {
                x,
                y,
                width,
                height,
                ..
            } => [x + width / 2.0, y + height / 2.0],
            Outline::Circle { x, y, .. } => [*x, *y],
            Outline::Polygon(points) => polygon_centre(points),
        }
    }

    /// Check the numbers; `field` names the outline in errors.
    pub fn check(&self) -> Result<(), GeometryError> {
        match self {
            Outline::Rect {
                x,
                y,
                width,
                height,
                angle,
            } => {
                check_point([*x, *y], "rect")?;
                let size_ok = |v: f64| v.is_finite() && v > 0.0 && v <= MAX_COORD;
                if !(size_ok(*width) && size_ok(*height)) {
                    return Err(geometry_error(
                        "rect",
                        format!("width and height must be more than 0 and at most {MAX_COORD}"),
                    ));
                }
                if !(angle.is_finite() && angle.abs() <= 360.0) {
                    return Err(geometry_error("rect.angle", "must be within ±360 degrees"));
                }
                Ok(())
            }
            Outline::Circle { x, y, radius } => {
                check_point([*x, *y], "circle")?;
                if !(radius.is_finite() && *radius > 0.0 && *radius <= MAX_COORD) {
                    return Err(geometry_error(
                        "circle.radius",
                        format!("must be more than 0 and at most {MAX_COORD}"),
                    ));
                }
                Ok(())
            }
            Outline::Polygon(points) => check_polygon(points, "polygon"),
        }
    }

    /// The outline as a polygon (a circle as 32 points), for drawing and
    /// bounds.
    pub fn points(&self) -> Vec<Point> {
        match self {
            Outline::Rect {
                x,
                y,
                width,
                height,
                angle,
            } => {
                let (cx, cy) = (x + width / 2.0, y + height / 2.0);
                let (sin_a, cos_a) = sin_cos_degrees(*angle);
                [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
                    .iter()
                    .map(|(sx, sy)| {
                        let (u, v) = (sx * width / 2.0, sy * height / 2.0);
                        [cx + u * cos_a - v * sin_a, cy + u * sin_a + v * cos_a]
                    })
                    .collect()
            }
            Outline::Circle { x, y, radius } => (0..32)
                .map(|k| {
                    let t = f64::from(k) * std::f64::consts::TAU / 32.0;
                    [x + radius * t.cos(), y + radius * t.sin()]
                })
                .collect(),
            Outline::Polygon(points) => points.clone(),
        }
    }
}

/// The mean of a polygon's points (`[0, 0]` for none).
pub fn polygon_centre(points: &[Point]) -> Point {
    if points.is_empty() {
        return [0.0, 0.0];
    }
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(sx, sy), p| (sx + p[0], sy + p[1]));
    [sx / n, sy / n]
}

/// Check a polygon: 3 to [`MAX_POLYGON_POINTS`] points, each a coordinate.
pub fn check_polygon(points: &[Point], field: &str) -> Result<(), GeometryError> {
    if !(3..=MAX_POLYGON_POINTS).contains(&points.len()) {
        return Err(geometry_error(
            field,
            format!("needs 3 to {MAX_POLYGON_POINTS} points"),
        ));
    }
    for (i, p) in points.iter().enumerate() {
        check_point(*p, &format!("{field}[{i}]"))?;
    }
    Ok(())
}

/// True when `p` lies inside the polygon (even-odd rule).
pub fn polygon_contains(points: &[Point], p: Point) -> bool {
    let mut inside = false;
    let n = points.len();
    for i in 0..n {
        let (a, b) = (points[i], points[(i + n - 1) % n]);
        if (a[1] > p[1]) != (b[1] > p[1]) {
            let x = a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1]);
            if p[0] < x {
                inside = !inside;
            }
        }
    }
    inside
}

/// A stage, a pitch or another shape drawn for orientation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Landmark {
    /// What it is.
    pub kind: LandmarkKind,
    /// Its name, drawn on it.
    pub name: String,
    /// Its outline.
    #[serde(flatten)]
    pub outline: Outline,
}

/// How the seats of a block are labelled (what is printed and signed),
/// separately from their stable numbers: seat `n` is labelled
/// `start + (n − 1) × step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SeatLabels {
    /// Label of seat 1.
    pub start: u32,
    /// Added per seat number (may be negative; not 0).
    pub step: i32,
}

impl SeatLabels {
    /// Largest `start`.
    pub const MAX_START: u32 = 1_000_000;
    /// Largest absolute `step`.
    pub const MAX_STEP: i32 = 100;

    /// The label of seat `number`, or `None` when it would be negative.
    pub fn label(&self, number: u16) -> Option<u64> {
        let v = i64::from(self.start) + (i64::from(number) - 1) * i64::from(self.step);
        u64::try_from(v).ok()
    }

    /// Check the numbers.
    pub fn check(&self) -> Result<(), GeometryError> {
        if self.start > Self::MAX_START {
            return Err(geometry_error(
                "seat_labels.start",
                format!("at most {}", Self::MAX_START),
            ));
        }
        // `unsigned_abs`: `abs` of i32::MIN overflows (a panic with debug
        // assertions, and without them i32::MIN, which passed this check).
        if self.step == 0 || self.step.unsigned_abs() > Self::MAX_STEP.unsigned_abs() {
            return Err(geometry_error(
                "seat_labels.step",
                format!("must be ±1 to ±{}", Self::MAX_STEP),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_turns_are_exact() {
        for (deg, want) in [
            (0.0, (0.0, 1.0)),
            (90.0, (1.0, 0.0)),
            (180.0, (0.0, -1.0)),
            (270.0, (-1.0, 0.0)),
            (-90.0, (-1.0, 0.0)),
            (360.0, (0.0, 1.0)),
        ] {
            assert_eq!(sin_cos_degrees(deg), want, "{deg}");
        }
        let (s, c) = sin_cos_degrees(30.0);
        assert!((s - 0.5).abs() < 1e-15 && (c - 3f64.sqrt() / 2.0).abs() < 1e-15);
    }

    #[test]
    fn gaps_widen_rows_and_row_gaps_deepen_blocks() {
        let g = BlockGeometry {
            gaps: vec![Gap {
                after: 2,
                width: 0.5,
            }],
            row_gaps: vec![RowGap {
                after: 3,
                depth: 2.0,
            }],
            row_pitch: 1.5,
            ..BlockGeometry::default()
        };
        assert_eq!(g.along(2), 2.0);
        assert_eq!(g.along(3), 3.5);
        assert_eq!(g.depth(3), 3.0);
        assert_eq!(g.depth(4), 6.5);
        assert!(g.cross_aisle_after(3) && !g.cross_aisle_after(2));
        assert!(g.check().is_ok());
    }

    #[test]
    fn refusals_name_the_field() {
        let bad = |g: BlockGeometry| g.check().unwrap_err().field;
        let base = BlockGeometry::default();
        assert_eq!(
            bad(BlockGeometry {
                seat_pitch: 0.0,
                ..base.clone()
            }),
            "seat_pitch"
        );
        assert_eq!(
            bad(BlockGeometry {
                radius: Some(f64::NAN),
                ..base.clone()
            }),
            "radius"
        );
        assert_eq!(
            bad(BlockGeometry {
                origin: [2e6, 0.0],
                ..base.clone()
            }),
            "origin"
        );
        assert_eq!(
            bad(BlockGeometry {
                gaps: vec![
                    Gap {
                        after: 3,
                        width: 1.0
                    },
                    Gap {
                        after: 3,
                        width: 1.0
                    }
                ],
                ..base.clone()
            }),
            "gaps[1].after"
        );
        let curved = BlockGeometry {
            radius: Some(1.0),
            align: Align::Centre,
            ..base
        };
        // Eight seats on a radius of 1 wrap more than half a circle.
        let err = curved.check_rows([(1, 0, 8)].into_iter()).unwrap_err();
        assert_eq!(err.field, "radius");
        assert!(curved.check_rows([(1, 0, 6)].into_iter()).is_ok());
    }

    #[test]
    fn polygons_contain_their_inside() {
        let square = [[0.0, 0.0], [4.0, 0.0], [4.0, 4.0], [0.0, 4.0]];
        assert!(polygon_contains(&square, [2.0, 2.0]));
        assert!(!polygon_contains(&square, [5.0, 2.0]));
        assert_eq!(polygon_centre(&square), [2.0, 2.0]);
        assert!(check_polygon(&square[..2], "p").is_err());
    }

    #[test]
    fn seat_labels_count_from_start_by_step() {
        let l = SeatLabels {
            start: 101,
            step: 2,
        };
        assert_eq!(l.label(1), Some(101));
        assert_eq!(l.label(3), Some(105));
        let down = SeatLabels { start: 2, step: -1 };
        assert_eq!(down.label(3), Some(0));
        assert_eq!(down.label(4), None);
        assert!(SeatLabels { start: 1, step: 0 }.check().is_err());
    }
}
