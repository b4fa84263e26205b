//! The seat-map file format (TOML), specified in `docs/seatmap-format.md`.
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
    focus: Spanned<FocusFile>,
    row_penalty: Option<Spanned<Number>>,
    #[serde(default)]
    seat_types: Vec<Spanned<SeatTypeFile>>,
    #[serde(default)]
    blocks: Vec<Spanned<BlockFile>>,
    #[serde(default)]
    areas: Vec<Spanned<AreaFile>>,
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
    at: Spanned<PointFile>,
    width: u16,
    height: u16,
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
    let (fx, fy) = (
        file.focus.get_ref().x.value(),
        file.focus.get_ref().y.value(),
    );
    if !(fx.is_finite()
        && fy.is_finite()
        && fx.abs() <= MAX_COORD as f64
        && fy.abs() <= MAX_COORD as f64)
    {
        return Err(src.error(
            file.focus.span(),
            "focus",
            format!("must be finite and within ±{MAX_COORD}"),
        ));
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
        let at = point(src, &f.at, &format!("{field}.at"))?;
        areas.push(GaArea {
            id: AreaId(f.id),
            name: f.name.clone(),
            seat_type: SeatType(f.seat_type),
            capacity: f.capacity,
            gate: GateId(f.gate),
            guidance: f.guidance.clone(),
            at,
            width: f.width,
            height: f.height,
        });
    }
    Ok(SeatMapData {
        name: file.name.into_inner(),
        focus: Focus {
            x: fx as f32,
            y: fy as f32,
        },
        row_penalty,
        seat_types,
        blocks,
        cells,
        areas,
    })
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
    Ok(BlockLayout {
        id: BlockId(f.id),
        name: f.name.clone(),
        preferred_rows: f.preferred_rows.as_ref().map(|p| *p.get_ref()),
    })
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
                blocked: false,
            },
            LegendFile::Full {
                seat_type,
                accessible,
                blocked,
            } => LegendEntry {
                seat_type: SeatType(seat_type),
                accessible,
                blocked,
            },
        };
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
