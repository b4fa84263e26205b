//! The seat-map inputs of `seatmap_parse` and `seatmap_roundtrip`: any text as
//! a TOML or JSON seat map, or a well-formed TOML document around fuzzed rows,
//! legend and geometry (to reach the layout and semantic checks).

use arbitrary::Arbitrary;
use eticket_alloc::{AllocError, SeatMap};

#[derive(Arbitrary, Debug)]
pub enum Case {
    /// Any text as a TOML seat-map file.
    Toml(String),
    /// Any text as the JSON form.
    Json(String),
    /// A well-formed document around fuzzed rows and legend, to reach the
    /// layout and semantic checks.
    Rows {
        rows: Vec<String>,
        legend: Vec<(char, u8, bool, bool, bool)>,
        rotation: u16,
        first_row: u16,
        origin: (i32, i32),
        right_to_left: bool,
        /// When present, the block is placed by geometry instead of origin
        /// and rotation.
        geometry: Option<Geometry>,
        row_labels: Vec<String>,
        seat_labels: Option<(u32, i32)>,
        landmark: Option<(u8, f32, f32, f32)>,
    },
}

/// A block's `[blocks.geometry]`, numbers as fuzzed (often out of range).
#[derive(Arbitrary, Debug)]
pub struct Geometry {
    pub origin: (f32, f32),
    pub angle: f32,
    pub seat_pitch: Option<f32>,
    pub row_pitch: Option<f32>,
    pub radius: Option<f32>,
    pub centre: bool,
    pub gaps: Vec<(u16, f32)>,
    pub row_gaps: Vec<(u16, f32)>,
}

/// A TOML float (TOML has `nan` and `inf` but not Rust's spelling).
fn float(v: f32) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        format!("{v:?}")
    }
}

fn geometry_table(g: &Geometry) -> String {
    let mut t = format!(
        "[blocks.geometry]\norigin = {{ x = {}, y = {} }}\nangle = {}\nalign = \"{}\"\n",
        float(g.origin.0),
        float(g.origin.1),
        float(g.angle),
        if g.centre { "centre" } else { "start" }
    );
    for (key, v) in [
        ("seat_pitch", g.seat_pitch),
        ("row_pitch", g.row_pitch),
        ("radius", g.radius),
    ] {
        if let Some(v) = v {
            t += &format!("{key} = {}\n", float(v));
        }
    }
    let gaps: Vec<String> = g
        .gaps
        .iter()
        .map(|(a, w)| format!("{{ after = {a}, width = {} }}", float(*w)))
        .collect();
    let row_gaps: Vec<String> = g
        .row_gaps
        .iter()
        .map(|(a, d)| format!("{{ after = {a}, depth = {} }}", float(*d)))
        .collect();
    t + &format!(
        "gaps = [{}]\nrow_gaps = [{}]\n",
        gaps.join(", "),
        row_gaps.join(", ")
    )
}

fn toml_str(s: &str) -> String {
    let mut out = String::from("\"");
    for ch in s.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32 & 0xffff)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn document(case: &Case) -> Option<String> {
    let Case::Rows {
        rows,
        legend,
        rotation,
        first_row,
        origin,
        right_to_left,
        geometry,
        row_labels,
        seat_labels,
        landmark,
    } = case
    else {
        return None;
    };
    let legend: Vec<String> = legend
        .iter()
        .map(|(c, t, a, p, b)| {
            format!(
                "{} = {{ seat_type = {t}, accessible = {a}, companion = {p}, blocked = {b} }}",
                toml_str(&c.to_string())
            )
        })
        .collect();
    let rows: Vec<String> = rows.iter().map(|r| toml_str(r)).collect();
    let labels: Vec<String> = row_labels.iter().map(|r| toml_str(r)).collect();
    // Without a landmark the focus is declared; with one, it may come from it.
    let (focus, landmark) = match landmark {
        None => ("focus = { x = 1, y = -2 }\n".to_string(), String::new()),
        Some((kind, x, y, r)) => (
            String::new(),
            format!(
                "[[landmarks]]\nkind = \"{}\"\nname = \"L\"\ncircle = {{ x = {}, y = {}, radius = {} }}\n",
                ["stage", "pitch", "other"][usize::from(*kind % 3)],
                float(*x),
                float(*y),
                float(*r)
            ),
        ),
    };
    let placement = match geometry {
        Some(_) => String::new(),
        None => format!(
            "origin = {{ x = {}, y = {} }}\nrotation = {rotation}\n",
            origin.0, origin.1
        ),
    };
    let seat_labels = seat_labels
        .map(|(start, step)| format!("seat_labels = {{ start = {start}, step = {step} }}\n"))
        .unwrap_or_default();
    Some(format!(
        "name = \"F\"\n{focus}[[seat_types]]\nid = 1\nname = \"A\"\n[[seat_types]]\nid = 2\nname = \"B\"\n{landmark}\
         [[blocks]]\nid = 1\nname = \"B\"\n{placement}first_row = {first_row}\nnumbering = \"{}\"\n\
         legend = {{ {} }}\nrows = [{}]\nrow_labels = [{}]\n{seat_labels}{}",
        if *right_to_left {
            "right-to-left"
        } else {
            "left-to-right"
        },
        legend.join(", "),
        rows.join(", "),
        labels.join(", "),
        geometry.as_ref().map(geometry_table).unwrap_or_default()
    ))
}

/// The map `case` reads to (or the error); `None` for an input that names
/// no document.
pub fn parse(case: &Case) -> Option<Result<SeatMap, AllocError>> {
    Some(match case {
        Case::Toml(text) => SeatMap::from_toml(text),
        Case::Json(text) => SeatMap::from_json(text),
        Case::Rows { .. } => SeatMap::from_toml(&document(case)?),
    })
}
