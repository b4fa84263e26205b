//! The seat-map file format (TOML), specified in `docs/alloc/seatmap-format.md`.
//!
//! Every error names the line and column and, where it is about meaning
//! rather than syntax, the field (`blocks[1].rows[4]`).

use std::collections::BTreeMap;
use std::ops::Range;

use eticket_core::ids::{AreaId, BlockId, GateId, SeatType};
use serde::Deserialize;
use toml::Spanned;

use crate::cell::{BlockLayout, Focus, GaArea, GridPoint, SeatTypeStyle};
use crate::error::{AllocError, FileLocation, Result};
use crate::geometry::MAX_LABEL_CHARS;
use crate::geometry::{
    Align, BlockGeometry, Gap, Landmark, LandmarkKind, MAX_LANDMARKS, Outline, Point, RowGap,
    SeatLabels, check_polygon,
};
use crate::layout::{BlockPlacement, GAP_CHARS, LegendEntry, Rotation, place_row};
use crate::map::{MAX_CELLS, SeatMap, SeatMapData, is_colour};

/// The largest seat-map file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The format version this crate reads.
pub const FORMAT_VERSION: i64 = 1;

/// Largest absolute grid coordinate of an origin or area.
const MAX_COORD: i64 = 1_000_000;

#[derive(Deserialize)]
#[serde(untagged)]
enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    fn value(&self) -> f64 {
        match *self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FocusFile {
    x: Number,
    y: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PointFile {
    x: i64,
    y: i64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapFile {
    format: Option<Spanned<i64>>,
    name: Spanned<String>,
    focus: Option<Spanned<FocusFile>>,
    row_penalty: Option<Spanned<Number>>,
    #[serde(default)]
    seat_types: Vec<Spanned<SeatTypeFile>>,
    #[serde(default)]
    blocks: Vec<Spanned<BlockFile>>,
    #[serde(default)]
    areas: Vec<Spanned<AreaFile>>,
    #[serde(default)]
    landmarks: Vec<Spanned<LandmarkFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeatTypeFile {
    id: u8,
    name: String,
    colour: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum LegendFile {
    Type(u8),
    Full {
        seat_type: u8,
        #[serde(default)]
        accessible: bool,
        #[serde(default)]
        companion: bool,
        #[serde(default)]
        blocked: bool,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BlockFile {
    id: u16,
    name: String,
    origin: Option<Spanned<PointFile>>,
    rotation: Option<Spanned<i64>>,
    first_row: Option<Spanned<u16>>,
    numbering: Option<Spanned<String>>,
    preferred_rows: Option<Spanned<(u16, u16)>>,
    legend: Spanned<BTreeMap<String, LegendFile>>,
    rows: Vec<Spanned<String>>,
    row_labels: Option<Spanned<Vec<Spanned<String>>>>,
    seat_labels: Option<Spanned<SeatLabelsFile>>,
    geometry: Option<Spanned<GeometryFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SeatLabelsFile {
    start: u32,
    step: i32,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GeometryFile {
    origin: Spanned<FocusFile>,
    angle: Option<Spanned<Number>>,
    seat_pitch: Option<Spanned<Number>>,
    row_pitch: Option<Spanned<Number>>,
    radius: Option<Spanned<Number>>,
    align: Option<Spanned<String>>,
    #[serde(default)]
    gaps: Vec<Spanned<GapFile>>,
    #[serde(default)]
    row_gaps: Vec<Spanned<RowGapFile>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GapFile {
    after: u16,
    width: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RowGapFile {
    after: u16,
    depth: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RectFile {
    x: Number,
    y: Number,
    width: Number,
    height: Number,
    angle: Option<Number>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CircleFile {
    x: Number,
    y: Number,
    radius: Number,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LandmarkFile {
    kind: Spanned<String>,
    name: String,
    rect: Option<Spanned<RectFile>>,
    circle: Option<Spanned<CircleFile>>,
    polygon: Option<Spanned<Vec<(Number, Number)>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AreaFile {
    id: u16,
    name: String,
    seat_type: u8,
    capacity: u32,
    gate: u16,
    #[serde(default)]
    guidance: String,
    at: Option<Spanned<PointFile>>,
    width: Option<u16>,
    height: Option<u16>,
    polygon: Option<Spanned<Vec<(Number, Number)>>>,
}

/// Maps byte offsets of the source to line and column.
struct Source<'a> {
    text: &'a str,
}

impl Source<'_> {
    fn locate(&self, offset: usize, field: &str) -> FileLocation {
        let offset = floor_char_boundary(self.text, offset.min(self.text.len()));
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        FileLocation {
            line,
            column: before[line_start..].chars().count() + 1,
            field: field.to_string(),
        }
    }

    fn error(&self, span: Range<usize>, field: &str, message: impl Into<String>) -> AllocError {
        AllocError::File {
            at: self.locate(span.start, field),
            message: message.into(),
        }
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl SeatMap {
    /// Read a seat map from its TOML file form.
    ///
    /// ```
    /// use eticket_alloc::{AllocError, SeatMap};
    /// let err = SeatMap::from_toml("name = \"Hall\"\nfocus = { x = 0, y = 0 }\nseat_types = []\nblocks = [{ id = 1, name = \"A\", legend = {}, rows = [\"aa\"] }]\n").unwrap_err();
    /// match err {
    ///     AllocError::File { at, .. } => assert_eq!((at.line, at.field.as_str()), (4, "blocks[0].rows[0]")),
    ///     other => panic!("{other}"),
    /// }
    /// ```
    pub fn from_toml(text: &str) -> Result<SeatMap> {
        let src = Source { text };
        if text.len() > MAX_FILE_BYTES {
            return Err(src.error(0..0, "", format!("file larger than {MAX_FILE_BYTES} bytes")));
        }
        let file: MapFile = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            src.error(span, "", e.message().trim_end())
        })?;
        let data = convert(&src, file)?;
        // Everything the model checks has been checked with locations above;
        // this builds the indices.
        SeatMap::new(data).map_err(|e| src.error(0..0, "", e.to_string()))
    }
}

fn convert(src: &Source<'_>, file: MapFile) -> Result<SeatMapData> {
    if let Some(v) = &file.format {
        if *v.get_ref() != FORMAT_VERSION {
            return Err(src.error(
                v.span(),
                "format",
                format!(
                    "unsupported format {}, this reader knows {FORMAT_VERSION}",
                    v.get_ref()
                ),
            ));
        }
    }
    if file.name.get_ref().trim().is_empty() {
        return Err(src.error(file.name.span(), "name", "empty"));
    }
    let row_penalty = match &file.row_penalty {
        Some(p) => {
            let v = p.get_ref().value();
            if !(v.is_finite() && (0.0..=1e6).contains(&v)) {
                return Err(src.error(p.span(), "row_penalty", "must be between 0 and 1000000"));
            }
            v as f32
        }
        None => 0.0,
    };
    let seat_types = seat_types(src, &file.seat_types)?;
    let landmarks = landmarks(src, &file.landmarks)?;
    let focus = focus(src, file.focus.as_ref(), &landmarks, file.name.span())?;
    let mut cells = Vec::new();
    let mut blocks = Vec::with_capacity(file.blocks.len());
    for (i, b) in file.blocks.iter().enumerate() {
        if file.blocks[..i]
            .iter()
            .any(|o| o.get_ref().id == b.get_ref().id)
        {
            return Err(src.error(
                b.span(),
                &format!("blocks[{i}].id"),
                format!("block {} defined twice", b.get_ref().id),
            ));
        }
        blocks.push(block(src, i, b, &seat_types, &mut cells)?);
    }
    let mut areas = Vec::with_capacity(file.areas.len());
    for (i, a) in file.areas.iter().enumerate() {
        let f = a.get_ref();
        let field = format!("areas[{i}]");
        if file.areas[..i].iter().any(|o| o.get_ref().id == f.id) {
            return Err(src.error(a.span(), &field, format!("area {} defined twice", f.id)));
        }
        if !seat_types.iter().any(|t| t.id.0 == f.seat_type) {
            return Err(src.error(
                a.span(),
                &format!("{field}.seat_type"),
                format!("seat type {} is not defined", f.seat_type),
            ));
        }
        let (at, width, height, polygon) = area_outline(src, a, f, &field)?;
        areas.push(GaArea {
            id: AreaId(f.id),
            name: f.name.clone(),
            seat_type: SeatType(f.seat_type),
            capacity: f.capacity,
            gate: GateId(f.gate),
            guidance: f.guidance.clone(),
            at,
            width,
            height,
            polygon,
        });
    }
    Ok(SeatMapData {
        name: file.name.into_inner(),
        focus,
        row_penalty,
        seat_types,
        blocks,
        cells,
        areas,
        landmarks,
    })
}

/// The declared focus, else the centre of the first stage, else of the
/// first pitch.
fn focus(
    src: &Source<'_>,
    declared: Option<&Spanned<FocusFile>>,
    landmarks: &[Landmark],
    name_span: Range<usize>,
) -> Result<Focus> {
    let (fx, fy, span) = match declared {
        Some(f) => (f.get_ref().x.value(), f.get_ref().y.value(), f.span()),
        None => {
            let centre = [LandmarkKind::Stage, LandmarkKind::Pitch]
                .iter()
                .find_map(|k| landmarks.iter().find(|l| l.kind == *k))
                .map(|l| l.outline.centre())
                .ok_or_else(|| {
                    src.error(
                        name_span,
                        "focus",
                        "missing: give a focus or a landmark of kind \"stage\" or \"pitch\"",
                    )
                })?;
            (centre[0], centre[1], 0..0)
        }
    };
    if !(fx.is_finite()
        && fy.is_finite()
        && fx.abs() <= MAX_COORD as f64
        && fy.abs() <= MAX_COORD as f64)
    {
        return Err(src.error(
            span,
            "focus",
            format!("must be finite and within ±{MAX_COORD}"),
        ));
    }
    Ok(Focus {
        x: fx as f32,
        y: fy as f32,
    })
}

fn polygon_points(
    src: &Source<'_>,
    p: &Spanned<Vec<(Number, Number)>>,
    field: &str,
) -> Result<Vec<Point>> {
    let points: Vec<Point> = p
        .get_ref()
        .iter()
        .map(|(x, y)| [x.value(), y.value()])
        .collect();
    check_polygon(&points, field).map_err(|e| src.error(p.span(), &e.field, e.reason))?;
    Ok(points)
}

/// An area's rectangle, and its polygon when it has one (the rectangle is
/// then the polygon's bounding box).
fn area_outline(
    src: &Source<'_>,
    a: &Spanned<AreaFile>,
    f: &AreaFile,
    field: &str,
) -> Result<(GridPoint, u16, u16, Vec<Point>)> {
    match (&f.polygon, &f.at, f.width, f.height) {
        (None, Some(at), Some(w), Some(h)) => {
            Ok((point(src, at, &format!("{field}.at"))?, w, h, Vec::new()))
        }
        (Some(p), None, None, None) => {
            let points = polygon_points(src, p, &format!("{field}.polygon"))?;
            let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for q in &points {
                (x0, y0, x1, y1) = (x0.min(q[0]), y0.min(q[1]), x1.max(q[0]), y1.max(q[1]));
            }
            let size =
                |lo: f64, hi: f64| (hi.ceil() - lo.floor()).clamp(1.0, f64::from(u16::MAX)) as u16;
            Ok((
                GridPoint {
                    x: x0.floor() as i32,
                    y: y0.floor() as i32,
                },
                size(x0, x1),
                size(y0, y1),
                points,
            ))
        }
        _ => Err(src.error(
            a.span(),
            field,
            "give either `at`, `width` and `height`, or `polygon`",
        )),
    }
}

fn landmarks(src: &Source<'_>, items: &[Spanned<LandmarkFile>]) -> Result<Vec<Landmark>> {
    if items.len() > MAX_LANDMARKS {
        return Err(src.error(0..0, "landmarks", format!("more than {MAX_LANDMARKS}")));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, l) in items.iter().enumerate() {
        let f = l.get_ref();
        let field = format!("landmarks[{i}]");
        let kind = match f.kind.get_ref().as_str() {
            "stage" => LandmarkKind::Stage,
            "pitch" => LandmarkKind::Pitch,
            "other" => LandmarkKind::Other,
            _ => {
                return Err(src.error(
                    f.kind.span(),
                    &format!("{field}.kind"),
                    "must be \"stage\", \"pitch\" or \"other\"",
                ));
            }
        };
        let (outline, span) = match (&f.rect, &f.circle, &f.polygon) {
            (Some(r), None, None) => {
                let v = r.get_ref();
                (
                    Outline::Rect {
                        x: v.x.value(),
                        y: v.y.value(),
                        width: v.width.value(),
                        height: v.height.value(),
                        angle: v.angle.as_ref().map_or(0.0, Number::value),
                    },
                    r.span(),
                )
            }
            (None, Some(c), None) => {
                let v = c.get_ref();
                (
                    Outline::Circle {
                        x: v.x.value(),
                        y: v.y.value(),
                        radius: v.radius.value(),
                    },
                    c.span(),
                )
            }
            (None, None, Some(p)) => (
                Outline::Polygon(
                    p.get_ref()
                        .iter()
                        .map(|(x, y)| [x.value(), y.value()])
                        .collect(),
                ),
                p.span(),
            ),
            _ => {
                return Err(src.error(
                    l.span(),
                    &field,
                    "give exactly one of `rect`, `circle` or `polygon`",
                ));
            }
        };
        outline
            .check()
            .map_err(|e| src.error(span, &format!("{field}.{}", e.field), e.reason))?;
        out.push(Landmark {
            kind,
            name: f.name.clone(),
            outline,
        });
    }
    Ok(out)
}

fn seat_types(src: &Source<'_>, items: &[Spanned<SeatTypeFile>]) -> Result<Vec<SeatTypeStyle>> {
    let mut out: Vec<SeatTypeStyle> = Vec::with_capacity(items.len());
    for (i, t) in items.iter().enumerate() {
        let f = t.get_ref();
        if out.iter().any(|o| o.id.0 == f.id) {
            return Err(src.error(
                t.span(),
                &format!("seat_types[{i}].id"),
                format!("seat type {} defined twice", f.id),
            ));
        }
        if let Some(c) = &f.colour {
            if !is_colour(c.get_ref()) {
                return Err(src.error(
                    c.span(),
                    &format!("seat_types[{i}].colour"),
                    "must be #rrggbb",
                ));
            }
        }
        out.push(SeatTypeStyle {
            id: SeatType(f.id),
            name: f.name.clone(),
            colour: f.colour.as_ref().map(|c| c.get_ref().clone()),
        });
    }
    Ok(out)
}

fn point(src: &Source<'_>, p: &Spanned<PointFile>, field: &str) -> Result<GridPoint> {
    let v = p.get_ref();
    let ok = |c: i64| c.abs() <= MAX_COORD;
    if !(ok(v.x) && ok(v.y)) {
        return Err(src.error(
            p.span(),
            field,
            format!("coordinates must be within ±{MAX_COORD}"),
        ));
    }
    Ok(GridPoint {
        x: v.x as i32,
        y: v.y as i32,
    })
}

fn block(
    src: &Source<'_>,
    i: usize,
    b: &Spanned<BlockFile>,
    seat_types: &[SeatTypeStyle],
    cells: &mut Vec<crate::cell::SeatCell>,
) -> Result<BlockLayout> {
    let f = b.get_ref();
    let field = format!("blocks[{i}]");
    let origin = match &f.origin {
        Some(p) => point(src, p, &format!("{field}.origin"))?,
        None => GridPoint::default(),
    };
    let rotation = match &f.rotation {
        Some(r) => Rotation::from_degrees(*r.get_ref()).ok_or_else(|| {
            src.error(
                r.span(),
                &format!("{field}.rotation"),
                "must be 0, 90, 180 or 270",
            )
        })?,
        None => Rotation::R0,
    };
    let right_to_left = match &f.numbering {
        None => false,
        Some(n) => match n.get_ref().as_str() {
            "left-to-right" => false,
            "right-to-left" => true,
            _ => {
                return Err(src.error(
                    n.span(),
                    &format!("{field}.numbering"),
                    "must be \"left-to-right\" or \"right-to-left\"",
                ));
            }
        },
    };
    let first_row = match &f.first_row {
        Some(r) if *r.get_ref() == 0 => {
            return Err(src.error(r.span(), &format!("{field}.first_row"), "rows start at 1"));
        }
        Some(r) => *r.get_ref(),
        None => 1,
    };
    if let Some(p) = &f.preferred_rows {
        let (lo, hi) = *p.get_ref();
        if lo == 0 || lo > hi {
            return Err(src.error(
                p.span(),
                &format!("{field}.preferred_rows"),
                "needs [from, to] with 1 <= from <= to",
            ));
        }
    }
    let legend = legend(src, &f.legend, &field, seat_types)?;
    let placement = BlockPlacement {
        block: BlockId(f.id),
        origin,
        rotation,
        first_row,
        right_to_left,
    };
    let lookup = |c: char| legend.get(&c).copied();
    let first_cell = cells.len();
    for (line, row) in f.rows.iter().enumerate() {
        let rfield = format!("{field}.rows[{line}]");
        if usize::from(first_row) + line > usize::from(u16::MAX) {
            return Err(src.error(row.span(), &rfield, "row number above 65535"));
        }
        let text = row.get_ref();
        if cells.len() + text.len() > MAX_CELLS {
            return Err(src.error(
                row.span(),
                &rfield,
                format!("map has more than {MAX_CELLS} cells"),
            ));
        }
        place_row(&placement, line, text, &lookup, cells).map_err(|e| {
            // Column of the offending character: after the opening quote.
            let offset = text.char_indices().nth(e.index).map_or(0, |(b, _)| b);
            src.error(
                row.span().start + 1 + offset..row.span().end,
                &rfield,
                e.message,
            )
        })?;
        if text.chars().all(|c| GAP_CHARS.contains(&c)) {
            return Err(src.error(row.span(), &rfield, "row has no seats"));
        }
    }
    let geometry = match &f.geometry {
        None => None,
        Some(g) => {
            if let Some(span) = f
                .origin
                .as_ref()
                .map(Spanned::span)
                .or_else(|| f.rotation.as_ref().map(Spanned::span))
            {
                return Err(src.error(
                    span,
                    &format!("{field}.geometry"),
                    "a block with `geometry` is placed by its `origin` and `angle`, not the grid's `origin` and `rotation`",
                ));
            }
            let geometry = geometry(src, g, &format!("{field}.geometry"), first_row)?;
            let spans = crate::map::row_spans(&cells[first_cell..], BlockId(f.id));
            geometry.check_rows(spans).map_err(|e| {
                let span = match (e.field.as_str(), &g.get_ref().radius) {
                    ("radius", Some(r)) => r.span(),
                    _ => g.span(),
                };
                src.error(span, &format!("{field}.geometry.{}", e.field), e.reason)
            })?;
            Some(geometry)
        }
    };
    Ok(BlockLayout {
        id: BlockId(f.id),
        name: f.name.clone(),
        preferred_rows: f.preferred_rows.as_ref().map(|p| *p.get_ref()),
        geometry,
        row_labels: row_labels(src, f, &field, first_row)?,
        seat_labels: match &f.seat_labels {
            None => None,
            Some(l) => {
                let v = l.get_ref();
                let labels = SeatLabels {
                    start: v.start,
                    step: v.step,
                };
                labels
                    .check()
                    .map_err(|e| src.error(l.span(), &format!("{field}.{}", e.field), e.reason))?;
                Some(labels)
            }
        },
    })
}

/// Row labels, one per listed row, stored by row number (rows before
/// `first_row` labelled by their number).
fn row_labels(src: &Source<'_>, f: &BlockFile, field: &str, first_row: u16) -> Result<Vec<String>> {
    let Some(labels) = &f.row_labels else {
        return Ok(Vec::new());
    };
    let lfield = format!("{field}.row_labels");
    if labels.get_ref().len() > f.rows.len() {
        return Err(src.error(
            labels.span(),
            &lfield,
            format!(
                "{} labels for {} rows",
                labels.get_ref().len(),
                f.rows.len()
            ),
        ));
    }
    let mut out: Vec<String> = (1..first_row).map(|r| r.to_string()).collect();
    for (i, l) in labels.get_ref().iter().enumerate() {
        let text = l.get_ref().trim();
        if text.is_empty() || text.chars().count() > MAX_LABEL_CHARS {
            return Err(src.error(
                l.span(),
                &format!("{lfield}[{i}]"),
                format!("a label has 1 to {MAX_LABEL_CHARS} characters"),
            ));
        }
        out.push(text.to_string());
    }
    Ok(out)
}

/// A number's value and span, or the default and an empty span.
fn number_or(v: &Option<Spanned<Number>>, default: f64) -> (f64, Range<usize>) {
    match v {
        Some(n) => (n.get_ref().value(), n.span()),
        None => (default, 0..0),
    }
}

fn geometry(
    src: &Source<'_>,
    g: &Spanned<GeometryFile>,
    field: &str,
    first_row: u16,
) -> Result<BlockGeometry> {
    let f = g.get_ref();
    let (angle, angle_span) = number_or(&f.angle, 0.0);
    let (seat_pitch, seat_span) = number_or(&f.seat_pitch, 1.0);
    let (row_pitch, row_span) = number_or(&f.row_pitch, 1.0);
    let align = match &f.align {
        None => Align::Start,
        Some(a) => match a.get_ref().as_str() {
            "start" => Align::Start,
            "centre" | "center" => Align::Centre,
            _ => {
                return Err(src.error(
                    a.span(),
                    &format!("{field}.align"),
                    "must be \"start\" or \"centre\"",
                ));
            }
        },
    };
    let geometry = BlockGeometry {
        origin: [f.origin.get_ref().x.value(), f.origin.get_ref().y.value()],
        angle,
        seat_pitch,
        row_pitch,
        radius: f.radius.as_ref().map(|r| r.get_ref().value()),
        align,
        gaps: f
            .gaps
            .iter()
            .map(|g| Gap {
                after: g.get_ref().after,
                width: g.get_ref().width.value(),
            })
            .collect(),
        row_gaps: f
            .row_gaps
            .iter()
            .map(|g| RowGap {
                after: g.get_ref().after,
                depth: g.get_ref().depth.value(),
            })
            .collect(),
        first_row,
    };
    geometry.check().map_err(|e| {
        let index = |name: &str| {
            e.field
                .strip_prefix(name)
                .and_then(|rest| rest.strip_prefix('['))
                .and_then(|rest| rest.split(']').next())
                .and_then(|i| i.parse::<usize>().ok())
        };
        let span = match e.field.as_str() {
            "origin" => f.origin.span(),
            "angle" => angle_span.clone(),
            "seat_pitch" => seat_span.clone(),
            "row_pitch" => row_span.clone(),
            "radius" => f.radius.as_ref().map_or(g.span(), Spanned::span),
            _ => index("gaps")
                .and_then(|i| f.gaps.get(i).map(Spanned::span))
                .or_else(|| index("row_gaps").and_then(|i| f.row_gaps.get(i).map(Spanned::span)))
                .unwrap_or_else(|| g.span()),
        };
        let span = if span == (0..0) { g.span() } else { span };
        src.error(span, &format!("{field}.{}", e.field), e.reason)
    })?;
    Ok(geometry)
}

fn legend(
    src: &Source<'_>,
    l: &Spanned<BTreeMap<String, LegendFile>>,
    field: &str,
    seat_types: &[SeatTypeStyle],
) -> Result<BTreeMap<char, LegendEntry>> {
    let mut out = BTreeMap::new();
    for (key, v) in l.get_ref() {
        let kfield = format!("{field}.legend.{key}");
        let mut chars = key.chars();
        let ch = match (chars.next(), chars.next()) {
            (Some(c), None) if !GAP_CHARS.contains(&c) => c,
            _ => {
                return Err(src.error(
                    l.span(),
                    &kfield,
                    "legend keys are single characters other than '.' and ' '",
                ));
            }
        };
        let entry = match *v {
            LegendFile::Type(t) => LegendEntry {
                seat_type: SeatType(t),
                accessible: false,
                companion: false,
                blocked: false,
            },
            LegendFile::Full {
                seat_type,
                accessible,
                companion,
                blocked,
            } => LegendEntry {
                seat_type: SeatType(seat_type),
                accessible,
                companion,
                blocked,
            },
        };
        if entry.accessible && entry.companion {
            return Err(src.error(
                l.span(),
                &kfield,
                "a seat is an accessible place or a companion seat, not both",
            ));
        }
        if !seat_types.iter().any(|t| t.id == entry.seat_type) {
            return Err(src.error(
                l.span(),
                &kfield,
                format!("seat type {} is not defined", entry.seat_type.0),
            ));
        }
        out.insert(ch, entry);
    }
    Ok(out)
}
