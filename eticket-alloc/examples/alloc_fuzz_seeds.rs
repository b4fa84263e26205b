//! Write the seat-map seeds of the `seatmap_parse` and `seatmap_roundtrip`
//! fuzz targets (`fuzz/seeds.sh` runs it):
//! `cargo run -p eticket-alloc --example alloc_fuzz_seeds -- DIR`.
//!
//! The seeds are `fuzz/seeds/seatmap/full.toml`, a small map that sets every
//! key of the format (docs/alloc/seatmap-format.md), its JSON form, and one
//! variant of each for every check the decoders make, each a one-place edit
//! that the decoder must refuse for that reason. A campaign that starts from
//! a refusal is one mutation from the accepting path and the reverse; the
//! checks below keep the list true as the format changes (a variant that
//! parses, or is refused for another reason, stops the script).
//!
//! The targets take an `arbitrary` enum; its first four bytes (little-endian
//! u32 `t`) pick the variant `(t * 3) >> 32`, and the last field of a variant
//! takes the rest of the input, so a seed is a tag followed by the document.

use eticket_alloc::{AllocError, SeatMap};

/// Tags for the variants `Toml` (0) and `Json` (1) of the targets' case.
const TOML: u32 = 0;
const JSON: u32 = 0x5555_5556;

/// The map that sets every key.
const FULL: &str = include_str!("../../fuzz/seeds/seatmap/full.toml");

/// `(seed name, text in full.toml, replacement, what the refusal names)`.
const TOML_VARIANTS: &[(&str, &str, &str, &str)] = &[
    ("format_2", "format = 1", "format = 2", "format"),
    ("name_blank", "name = \"Every key\"", "name = \" \"", "name"),
    (
        "row_penalty_negative",
        "row_penalty = 0.5",
        "row_penalty = -1",
        "row_penalty",
    ),
    (
        "focus_far",
        "focus = { x = 3.5,",
        "focus = { x = 1e9,",
        "focus",
    ),
    (
        "seat_type_twice",
        "id = 4\nname = \"Wheelchair\"",
        "id = 2\nname = \"Wheelchair\"",
        "seat_types[2].id",
    ),
    ("colour_name", "\"#0072b2\"", "\"blue\"", "colour"),
    (
        "landmark_kind",
        "kind = \"other\"",
        "kind = \"tree\"",
        "kind",
    ),
    (
        "rect_width_negative",
        "width = 8, height = 3",
        "width = -8, height = 3",
        "rect",
    ),
    (
        "rect_angle",
        "height = 3, angle = 10",
        "height = 3, angle = 400",
        "rect.angle",
    ),
    (
        "circle_radius_zero",
        "radius = 6 }",
        "radius = 0 }",
        "circle",
    ),
    (
        "polygon_two_points",
        "polygon = [[20, 0], [24, 0], [22, 3]]",
        "polygon = [[20, 0], [24, 0]]",
        "polygon",
    ),
    (
        "landmark_two_shapes",
        "circle = { x = 40, y = 40, radius = 6 }",
        "circle = { x = 40, y = 40, radius = 6 }\nrect = { x = 0, y = 0, width = 1, height = 1 }",
        "landmarks[1]",
    ),
    (
        "landmark_no_shape",
        "circle = { x = 40, y = 40, radius = 6 }\n",
        "",
        "landmarks[1]",
    ),
    (
        "block_twice",
        "id = 3\nname = \"Straight\"",
        "id = 2\nname = \"Straight\"",
        "blocks[2].id",
    ),
    ("rotation_45", "rotation = 90", "rotation = 45", "rotation"),
    ("numbering", "\"right-to-left\"", "\"upwards\"", "numbering"),
    (
        "first_row_zero",
        "first_row = 2",
        "first_row = 0",
        "first_row",
    ),
    (
        "preferred_rows_reversed",
        "preferred_rows = [2, 3]",
        "preferred_rows = [3, 2]",
        "preferred_rows",
    ),
    ("row_character", "\"ka.ab\"", "\"kx.ab\"", "rows[0]"),
    ("row_without_seats", "\" wpab\"", "\" .. \"", "rows[1]"),
    (
        "row_labels_too_many",
        "[\"A\", \"B\"]",
        "[\"A\", \"B\", \"C\"]",
        "row_labels",
    ),
    (
        "row_label_empty",
        "[\"A\", \"B\"]",
        "[\"A\", \"\"]",
        "row_labels[1]",
    ),
    (
        "seat_labels_step_zero",
        "step = -2",
        "step = 0",
        "seat_labels",
    ),
    (
        "seat_labels_start",
        "start = 20,",
        "start = 2000000,",
        "seat_labels",
    ),
    ("legend_seat_type", "b = 2, w", "b = 9, w", "legend"),
    (
        "legend_accessible_companion",
        "companion = true",
        "companion = true, accessible = true",
        "legend",
    ),
    ("legend_key_long", "k = {", "kk = {", "legend"),
    (
        "geometry_and_origin",
        "name = \"Curved\"",
        "name = \"Curved\"\norigin = { x = 1, y = 1 }",
        "blocks[1]",
    ),
    (
        "geometry_angle",
        "angle = -15",
        "angle = -400",
        "geometry.angle",
    ),
    (
        "seat_pitch_zero",
        "seat_pitch = 1.2",
        "seat_pitch = 0",
        "geometry.seat_pitch",
    ),
    (
        "row_pitch_nan",
        "row_pitch = 1.5",
        "row_pitch = nan",
        "geometry.row_pitch",
    ),
    (
        "radius_small",
        "radius = 20",
        "radius = 0.5",
        "geometry.radius",
    ),
    ("row_wraps", "radius = 20", "radius = 1", "geometry"),
    (
        "align",
        "align = \"centre\"",
        "align = \"middle\"",
        "geometry.align",
    ),
    (
        "gap_twice",
        "gaps = [{ after = 1, width = 0.5 }]",
        "gaps = [{ after = 1, width = 0.5 }, { after = 1, width = 0.5 }]",
        "geometry.gaps[1]",
    ),
    (
        "gap_width_negative",
        "width = 0.5 }]",
        "width = -0.5 }]",
        "geometry.gaps[0].width",
    ),
    (
        "row_gaps_order",
        "row_gaps = [{ after = 1, depth = 1 }]",
        "row_gaps = [{ after = 2, depth = 1 }, { after = 1, depth = 1 }]",
        "geometry.row_gaps[1]",
    ),
    (
        "geometry_origin_inf",
        "origin = { x = 10, y = 5 }",
        "origin = { x = inf, y = 5 }",
        "geometry.origin",
    ),
    (
        "area_twice",
        "id = 2\nname = \"Terrace\"",
        "id = 1\nname = \"Terrace\"",
        "areas[1]",
    ),
    (
        "area_seat_type",
        "seat_type = 2\ncapacity = 20",
        "seat_type = 7\ncapacity = 20",
        "areas[1].seat_type",
    ),
    (
        "area_at_and_polygon",
        "gate = 2\n",
        "gate = 2\nat = { x = 0, y = 0 }\n",
        "areas[1]",
    ),
    (
        "area_no_shape",
        "at = { x = 30, y = 0 }\nwidth = 5\nheight = 4\n",
        "",
        "areas[0]",
    ),
    (
        "area_polygon_nan",
        "[6, 26], [0, 26]]",
        "[6, 26], [nan, 26]]",
        "polygon",
    ),
    (
        "area_at_far",
        "at = { x = 30, y = 0 }",
        "at = { x = 3000000, y = 0 }",
        "areas[0]",
    ),
    (
        "block_origin_far",
        "origin = { x = 0, y = 0 }",
        "origin = { x = 0, y = 99999999 }",
        "origin",
    ),
    (
        "unknown_key",
        "guidance = \"Left\"",
        "guidence = \"Left\"",
        "guidence",
    ),
    ("syntax", "[[areas]]\nid = 2", "[[areas]\nid = 2", ""),
];

/// `(seed name, text in the JSON form, replacement, what the refusal names)`.
const JSON_VARIANTS: &[(&str, &str, &str, &str)] = &[
    (
        "name_blank",
        "\"name\":\"Every key\"",
        "\"name\":\"\"",
        "name",
    ),
    (
        "row_penalty_negative",
        "\"row_penalty\":0.5",
        "\"row_penalty\":-1",
        "row_penalty",
    ),
    ("seat_type_twice", "{\"id\":4,", "{\"id\":2,", "seat_types"),
    (
        "cell_block",
        "\"cells\":[{\"block\":1,",
        "\"cells\":[{\"block\":9,",
        "cells[0].block",
    ),
    (
        "cell_seat_type",
        "\"cells\":[{\"block\":1,\"row\":2,\"number\":4,\"col\":0,\"x\":0,\"y\":0,\"seat_type\":1",
        "\"cells\":[{\"block\":1,\"row\":2,\"number\":4,\"col\":0,\"x\":0,\"y\":0,\"seat_type\":8",
        "cells[0].seat_type",
    ),
    ("cell_twice", "\"number\":3,", "\"number\":4,", "cells"),
    ("truncated", "\"cells\":[", "\"cells\":[{", ""),
];

/// `json` with the first letter of every string written as a `\u` escape
/// (`"name"` as `"\u006eame"`): serde reads an escaped name through its
/// visitors' `visit_str`, a path plain JSON never takes.
fn escaped(json: &str) -> String {
    let mut out = String::with_capacity(json.len() * 2);
    let (mut in_string, mut escape, mut first) = (false, false, false);
    for c in json.chars() {
        if in_string && first && c.is_ascii_lowercase() {
            out += &format!("\\u{:04x}", u32::from(c));
            first = false;
            continue;
        }
        first = false;
        out.push(c);
        if escape {
            escape = false;
        } else if in_string && c == '\\' {
            escape = true;
        } else if c == '"' {
            in_string = !in_string;
            first = in_string;
        }
    }
    out
}

fn refusal(result: Result<SeatMap, AllocError>, name: &str) -> String {
    match result {
        Ok(_) => panic!("seed {name}: the variant parses; it should be refused"),
        Err(e) => e.to_string(),
    }
}

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus/seatmap_parse".into()),
    );
    std::fs::create_dir_all(&dir).expect("the seed directory");
    let write = |name: &str, tag: u32, doc: &str| {
        let mut bytes = tag.to_le_bytes().to_vec();
        bytes.extend_from_slice(doc.as_bytes());
        std::fs::write(dir.join(name), bytes).expect("a seed is written");
    };
    let map = SeatMap::from_toml(FULL).expect("full.toml parses");
    let json = map.to_json();
    write("full.toml", TOML, FULL);
    write("full.json", JSON, &json);
    let json_escaped = escaped(&json);
    assert_eq!(
        SeatMap::from_json(&json_escaped).map(|m| m.to_json()).ok(),
        Some(json.clone()),
        "the escaped JSON reads as the same map"
    );
    write("full.escaped.json", JSON, &json_escaped);
    let variants = [
        ("toml", TOML, FULL, TOML_VARIANTS),
        ("json", JSON, json.as_str(), JSON_VARIANTS),
    ];
    for (kind, tag, base, list) in variants {
        for &(name, from, to, names) in list {
            assert!(
                base.contains(from),
                "seed {name}.{kind}: {from:?} is not in the {kind} map"
            );
            let doc = base.replacen(from, to, 1);
            let parse = if tag == TOML {
                SeatMap::from_toml(&doc)
            } else {
                SeatMap::from_json(&doc)
            };
            let message = refusal(parse, name);
            assert!(
                message.contains(names),
                "seed {name}.{kind}: refused as {message:?}, not at {names:?}"
            );
            write(&format!("{name}.{kind}"), tag, &doc);
        }
    }
    println!(
        "{} seat-map seeds written to {}",
        3 + TOML_VARIANTS.len() + JSON_VARIANTS.len(),
        dir.display()
    );
}
