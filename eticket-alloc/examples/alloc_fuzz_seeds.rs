//! Write the seat-map seeds of the `seatmap_parse` and `seatmap_roundtrip`
//! fuzz targets (`fuzz/seeds.sh` runs it):
//! `cargo run -p eticket-alloc --example alloc_fuzz_seeds -- DIR`.
//!
//! The seeds are `fuzz/seeds/seatmap/full.toml`, a small map that sets every
//! key of the format (docs/alloc/seatmap-format.md), and one map per part of
//! the format (the top level, landmarks, grid blocks, geometry, areas), each
//! in TOML, JSON and JSON with escaped names, and one variant of a part's map
//! for every check the decoders make, each a one-place edit that the decoder
//! must refuse for that reason. A campaign that starts from a refusal is one
//! mutation from the accepting path and the reverse; the checks below keep
//! the list true as the format changes (a variant that parses, or is refused
//! for another reason, stops the script). The parts' maps are a few hundred
//! bytes: reading a seat map costs about its length, and a campaign works on
//! mutants of its seeds, so small seeds keep its rate up.
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

/// One map per part of the format: `(part, TOML)`.
const PARTS: &[(&str, &str)] = &[
    (
        "top",
        "format = 1\nname = \"Top\"\nfocus = { x = 1.5, y = -4 }\nrow_penalty = 0.5\n\
         [[seat_types]]\nid = 1\nname = \"A\"\ncolour = \"#0072b2\"\n\
         [[seat_types]]\nid = 2\nname = \"B\"\n\
         [[blocks]]\nid = 1\nname = \"S\"\nlegend = { a = 1, b = 2 }\nrows = [\"ab\"]\n",
    ),
    (
        "landmarks",
        "name = \"Marks\"\n\
         [[landmarks]]\nkind = \"stage\"\nname = \"Stage\"\nrect = { x = 0, y = -9, width = 8, height = 3, angle = 10 }\n\
         [[landmarks]]\nkind = \"pitch\"\nname = \"Pitch\"\ncircle = { x = 40, y = 40, radius = 6 }\n\
         [[landmarks]]\nkind = \"other\"\nname = \"Bar\"\npolygon = [[20, 0], [24, 0], [22, 3]]\n",
    ),
    (
        "grid",
        "name = \"Grid\"\nfocus = { x = 0, y = -4 }\n\
         [[seat_types]]\nid = 1\nname = \"A\"\n[[seat_types]]\nid = 4\nname = \"W\"\n\
         [[blocks]]\nid = 1\nname = \"G\"\norigin = { x = 0, y = 0 }\nrotation = 90\nfirst_row = 2\n\
         numbering = \"right-to-left\"\npreferred_rows = [2, 3]\nrow_labels = [\"A\", \"B\"]\n\
         seat_labels = { start = 20, step = -2 }\n\
         legend = { a = 1, w = { seat_type = 4, accessible = true }, p = { seat_type = 4, companion = true }, k = { seat_type = 1, blocked = true } }\n\
         rows = [\"ka.a\", \" wpa\"]\n\
         [[blocks]]\nid = 2\nname = \"H\"\nlegend = { a = 1 }\nrows = [\"a\"]\n",
    ),
    (
        "geometry",
        "name = \"Curve\"\nfocus = { x = 10, y = -4 }\n[[seat_types]]\nid = 1\nname = \"A\"\n\
         [[blocks]]\nid = 2\nname = \"C\"\nlegend = { a = 1 }\nrows = [\"aa.aa\", \"aaaaa\"]\n\
         [blocks.geometry]\norigin = { x = 10, y = 5 }\nangle = -15\nseat_pitch = 1.2\nrow_pitch = 1.5\n\
         radius = 20\nalign = \"centre\"\ngaps = [{ after = 1, width = 0.5 }]\nrow_gaps = [{ after = 1, depth = 1 }]\n\
         [[blocks]]\nid = 3\nname = \"D\"\nfirst_row = 3\nlegend = { a = 1 }\nrows = [\"a\"]\n\
         [blocks.geometry]\norigin = { x = -10, y = 5 }\nangle = 180\n",
    ),
    (
        "areas",
        "name = \"Floor\"\nfocus = { x = 0, y = 0 }\n[[seat_types]]\nid = 2\nname = \"B\"\n\
         [[areas]]\nid = 1\nname = \"F\"\nseat_type = 2\ncapacity = 50\ngate = 1\nguidance = \"Left\"\n\
         at = { x = 30, y = 0 }\nwidth = 5\nheight = 4\n\
         [[areas]]\nid = 2\nname = \"T\"\nseat_type = 2\ncapacity = 20\ngate = 2\n\
         polygon = [[0, 20], [6, 20], [6, 26], [0, 26]]\n",
    ),
];

/// `(part, seed name, text in the part's TOML, replacement, what the
/// refusal names)`.
const TOML_VARIANTS: &[(&str, &str, &str, &str, &str)] = &[
    ("top", "format_2", "format = 1", "format = 2", "format"),
    (
        "top",
        "name_blank",
        "name = \"Top\"",
        "name = \" \"",
        "name",
    ),
    (
        "top",
        "row_penalty_negative",
        "row_penalty = 0.5",
        "row_penalty = -1",
        "row_penalty",
    ),
    (
        "top",
        "focus_far",
        "focus = { x = 1.5,",
        "focus = { x = 1e9,",
        "focus",
    ),
    (
        "top",
        "no_focus",
        "focus = { x = 1.5, y = -4 }\n",
        "",
        "focus",
    ),
    (
        "top",
        "seat_type_twice",
        "id = 2\nname = \"B\"",
        "id = 1\nname = \"B\"",
        "seat_types[1].id",
    ),
    ("top", "colour_name", "\"#0072b2\"", "\"blue\"", "colour"),
    (
        "top",
        "unknown_key",
        "row_penalty",
        "row_penality",
        "row_penality",
    ),
    ("top", "syntax", "[[blocks]]", "[[blocks]", ""),
    (
        "landmarks",
        "landmark_kind",
        "kind = \"other\"",
        "kind = \"tree\"",
        "kind",
    ),
    (
        "landmarks",
        "rect_width_negative",
        "width = 8, height = 3",
        "width = -8, height = 3",
        "rect",
    ),
    (
        "landmarks",
        "rect_angle",
        "height = 3, angle = 10",
        "height = 3, angle = 400",
        "rect.angle",
    ),
    (
        "landmarks",
        "circle_radius_zero",
        "radius = 6 }",
        "radius = 0 }",
        "circle",
    ),
    (
        "landmarks",
        "polygon_two_points",
        "polygon = [[20, 0], [24, 0], [22, 3]]",
        "polygon = [[20, 0], [24, 0]]",
        "polygon",
    ),
    (
        "landmarks",
        "landmark_two_shapes",
        "circle = { x = 40, y = 40, radius = 6 }",
        "circle = { x = 40, y = 40, radius = 6 }\nrect = { x = 0, y = 0, width = 1, height = 1 }",
        "landmarks[1]",
    ),
    (
        "landmarks",
        "landmark_no_shape",
        "circle = { x = 40, y = 40, radius = 6 }\n",
        "",
        "landmarks[1]",
    ),
    (
        "grid",
        "block_twice",
        "id = 2\nname = \"H\"",
        "id = 1\nname = \"H\"",
        "blocks[1].id",
    ),
    (
        "grid",
        "rotation_45",
        "rotation = 90",
        "rotation = 45",
        "rotation",
    ),
    (
        "grid",
        "numbering",
        "\"right-to-left\"",
        "\"upwards\"",
        "numbering",
    ),
    (
        "grid",
        "first_row_zero",
        "first_row = 2",
        "first_row = 0",
        "first_row",
    ),
    (
        "grid",
        "preferred_rows_reversed",
        "preferred_rows = [2, 3]",
        "preferred_rows = [3, 2]",
        "preferred_rows",
    ),
    ("grid", "row_character", "\"ka.a\"", "\"kx.a\"", "rows[0]"),
    (
        "grid",
        "row_character_wide",
        "\"ka.a\"",
        "\"ké.a\"",
        "rows[0]",
    ),
    (
        "grid",
        "row_number_past_65535",
        "first_row = 2",
        "first_row = 65535",
        "rows[1]",
    ),
    (
        "grid",
        "row_without_seats",
        "\" wpa\"",
        "\" .. \"",
        "rows[1]",
    ),
    (
        "grid",
        "row_labels_too_many",
        "[\"A\", \"B\"]",
        "[\"A\", \"B\", \"C\"]",
        "row_labels",
    ),
    (
        "grid",
        "row_label_empty",
        "[\"A\", \"B\"]",
        "[\"A\", \"\"]",
        "row_labels[1]",
    ),
    (
        "grid",
        "seat_labels_step_zero",
        "step = -2",
        "step = 0",
        "seat_labels",
    ),
    (
        "grid",
        "seat_labels_start",
        "start = 20,",
        "start = 2000000,",
        "seat_labels",
    ),
    ("grid", "legend_seat_type", "a = 1, w", "a = 9, w", "legend"),
    (
        "grid",
        "legend_accessible_companion",
        "companion = true",
        "companion = true, accessible = true",
        "legend",
    ),
    ("grid", "legend_key_long", "k = {", "kk = {", "legend"),
    (
        "grid",
        "block_origin_far",
        "origin = { x = 0, y = 0 }",
        "origin = { x = 0, y = 99999999 }",
        "origin",
    ),
    (
        "geometry",
        "geometry_and_origin",
        "name = \"C\"",
        "name = \"C\"\norigin = { x = 1, y = 1 }",
        "blocks[0]",
    ),
    (
        "geometry",
        "geometry_angle",
        "angle = -15",
        "angle = -400",
        "geometry.angle",
    ),
    (
        "geometry",
        "seat_pitch_zero",
        "seat_pitch = 1.2",
        "seat_pitch = 0",
        "geometry.seat_pitch",
    ),
    (
        "geometry",
        "row_pitch_nan",
        "row_pitch = 1.5",
        "row_pitch = nan",
        "geometry.row_pitch",
    ),
    (
        "geometry",
        "radius_small",
        "radius = 20",
        "radius = 0.5",
        "geometry.radius",
    ),
    (
        "geometry",
        "row_wraps",
        "seat_pitch = 1.2\nrow_pitch = 1.5\nradius = 20",
        "seat_pitch = 2\nrow_pitch = 1.5\nradius = 1",
        "geometry",
    ),
    (
        "geometry",
        "align",
        "align = \"centre\"",
        "align = \"middle\"",
        "geometry.align",
    ),
    (
        "geometry",
        "gap_twice",
        "gaps = [{ after = 1, width = 0.5 }]",
        "gaps = [{ after = 1, width = 0.5 }, { after = 1, width = 0.5 }]",
        "geometry.gaps[1]",
    ),
    (
        "geometry",
        "gap_width_negative",
        "width = 0.5 }]",
        "width = -0.5 }]",
        "geometry.gaps[0].width",
    ),
    (
        "geometry",
        "row_gaps_order",
        "row_gaps = [{ after = 1, depth = 1 }]",
        "row_gaps = [{ after = 2, depth = 1 }, { after = 1, depth = 1 }]",
        "geometry.row_gaps[1]",
    ),
    (
        "geometry",
        "geometry_origin_inf",
        "origin = { x = 10, y = 5 }",
        "origin = { x = inf, y = 5 }",
        "geometry.origin",
    ),
    (
        "areas",
        "area_twice",
        "id = 2\nname = \"T\"",
        "id = 1\nname = \"T\"",
        "areas[1]",
    ),
    (
        "areas",
        "area_seat_type",
        "seat_type = 2\ncapacity = 20",
        "seat_type = 7\ncapacity = 20",
        "areas[1].seat_type",
    ),
    (
        "areas",
        "area_at_and_polygon",
        "gate = 2\n",
        "gate = 2\nat = { x = 0, y = 0 }\n",
        "areas[1]",
    ),
    (
        "areas",
        "area_no_shape",
        "at = { x = 30, y = 0 }\nwidth = 5\nheight = 4\n",
        "",
        "areas[0]",
    ),
    (
        "areas",
        "area_polygon_nan",
        "[6, 26], [0, 26]]",
        "[6, 26], [nan, 26]]",
        "polygon",
    ),
    (
        "areas",
        "area_at_far",
        "at = { x = 30, y = 0 }",
        "at = { x = 3000000, y = 0 }",
        "areas[0]",
    ),
    (
        "top",
        "focus_nan",
        "focus = { x = 1.5,",
        "focus = { x = nan,",
        "focus",
    ),
    (
        "top",
        "focus_inf",
        "focus = { x = 1.5,",
        "focus = { x = -inf,",
        "focus",
    ),
    (
        "top",
        "row_penalty_nan",
        "row_penalty = 0.5",
        "row_penalty = nan",
        "row_penalty",
    ),
    (
        "landmarks",
        "rect_and_polygon",
        "polygon = [[20, 0], [24, 0], [22, 3]]",
        "polygon = [[20, 0], [24, 0], [22, 3]]\nrect = { x = 0, y = 0, width = 1, height = 1 }",
        "landmarks[2]",
    ),
    (
        "landmarks",
        "circle_and_polygon",
        "polygon = [[20, 0], [24, 0], [22, 3]]",
        "polygon = [[20, 0], [24, 0], [22, 3]]\ncircle = { x = 0, y = 0, radius = 1 }",
        "landmarks[2]",
    ),
    (
        "landmarks",
        "rect_nan",
        "width = 8, height = 3",
        "width = nan, height = 3",
        "rect",
    ),
    (
        "landmarks",
        "circle_far",
        "circle = { x = 40,",
        "circle = { x = 4e9,",
        "circle",
    ),
    (
        "landmarks",
        "polygon_point_inf",
        "[22, 3]]",
        "[22, inf]]",
        "polygon",
    ),
    (
        "areas",
        "area_polygon_two_points",
        "polygon = [[0, 20], [6, 20], [6, 26], [0, 26]]",
        "polygon = [[0, 20], [6, 20]]",
        "polygon",
    ),
    (
        "areas",
        "area_polygon_and_size",
        "gate = 2\n",
        "gate = 2\nwidth = 3\n",
        "areas[1]",
    ),
];

/// `(part, seed name, text in the part's TOML, replacement)`: other
/// spellings and layouts the decoders accept (each must parse).
const TOML_ACCEPTED: &[(&str, &str, &str, &str)] = &[
    ("grid", "rotation_180", "rotation = 90", "rotation = 180"),
    ("grid", "rotation_270", "rotation = 90", "rotation = 270"),
    (
        "grid",
        "left_to_right",
        "\"right-to-left\"",
        "\"left-to-right\"",
    ),
    (
        "geometry",
        "align_center",
        "align = \"centre\"",
        "align = \"center\"",
    ),
    (
        "geometry",
        "align_start",
        "align = \"centre\"",
        "align = \"start\"",
    ),
    (
        "geometry",
        "many_gaps",
        "gaps = [{ after = 1, width = 0.5 }]\nrow_gaps = [{ after = 1, depth = 1 }]",
        "gaps = [{ after = 0, width = 0.5 }, { after = 1, width = 0.25 }, { after = 2, width = 1 }, \
         { after = 3, width = 0.5 }, { after = 4, width = 2 }, { after = 5, width = 0.5 }, \
         { after = 6, width = 0.5 }, { after = 7, width = 0.5 }, { after = 9, width = 3 }]\n\
         row_gaps = [{ after = 1, depth = 1 }, { after = 2, depth = 0.5 }, { after = 3, depth = 1 }, \
         { after = 4, depth = 1 }, { after = 5, depth = 2 }, { after = 6, depth = 1 }, \
         { after = 8, depth = 1 }, { after = 9, depth = 1 }, { after = 10, depth = 1 }]",
    ),
    ("geometry", "no_radius", "radius = 20\n", ""),
    ("geometry", "angle_90", "angle = -15", "angle = 90"),
    ("geometry", "angle_270", "angle = -15", "angle = -90"),
    (
        "geometry",
        "gaps_17",
        "gaps = [{ after = 1, width = 0.5 }]",
        "gaps = [{ after = 0, width = 1 }, { after = 1, width = 1 }, { after = 2, width = 1 }, \
         { after = 3, width = 1 }, { after = 4, width = 1 }, { after = 5, width = 1 }, \
         { after = 6, width = 1 }, { after = 7, width = 1 }, { after = 8, width = 1 }, \
         { after = 9, width = 1 }, { after = 10, width = 1 }, { after = 11, width = 1 }, \
         { after = 12, width = 1 }, { after = 13, width = 1 }, { after = 14, width = 1 }, \
         { after = 15, width = 1 }, { after = 16, width = 1 }]",
    ),
    (
        "landmarks",
        "focus_from_pitch",
        "kind = \"stage\"",
        "kind = \"other\"",
    ),
    (
        "top",
        "integer_penalty",
        "row_penalty = 0.5",
        "row_penalty = 2",
    ),
];

/// `(part, seed name, text in the part's JSON form, replacement, what the
/// refusal names)`.
const JSON_VARIANTS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "top",
        "name_blank",
        "\"name\":\"Top\"",
        "\"name\":\"\"",
        "name",
    ),
    (
        "top",
        "row_penalty_negative",
        "\"row_penalty\":0.5",
        "\"row_penalty\":-1",
        "row_penalty",
    ),
    (
        "top",
        "seat_type_twice",
        "{\"id\":2,",
        "{\"id\":1,",
        "seat_types",
    ),
    (
        "grid",
        "cell_block",
        "\"cells\":[{\"block\":1,",
        "\"cells\":[{\"block\":9,",
        "cells[0].block",
    ),
    (
        "grid",
        "cell_seat_type",
        "\"seat_type\":1,\"blocked\":true",
        "\"seat_type\":8,\"blocked\":true",
        "seat_type",
    ),
    (
        "grid",
        "cell_twice",
        "\"number\":2,\"col\":1",
        "\"number\":3,\"col\":1",
        "cells",
    ),
    ("top", "truncated", "\"cells\":[", "\"cells\":[{", ""),
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

/// `toml` with every key of a `key = value` line and of a table header
/// written as a quoted key with its first letter escaped (`name = …` as
/// `"\u006eame" = …`, `[[blocks]]` as `[["\u0062locks"]]`): the TOML reader
/// hands such keys to serde through `visit_str`.
fn escaped_toml(toml: &str) -> String {
    let key = |k: &str| match k.chars().next() {
        Some(c) if c.is_ascii_lowercase() => format!("\"\\u{:04x}{}\"", u32::from(c), &k[1..]),
        _ => k.to_owned(),
    };
    let mut out = String::new();
    for line in toml.lines() {
        if let Some(name) = line.strip_prefix("[[").and_then(|l| l.strip_suffix("]]")) {
            out += &format!("[[{}]]", key(name));
        } else if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let parts: Vec<String> = name.split('.').map(key).collect();
            out += &format!("[{}]", parts.join("."));
        } else if let Some((k, v)) = line.split_once(" = ") {
            out += &format!("{} = {v}", key(k));
        } else {
            out += line;
        }
        out.push('\n');
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
    let mut count = 0;
    let mut write = |name: &str, tag: u32, doc: &str| {
        let mut bytes = tag.to_le_bytes().to_vec();
        bytes.extend_from_slice(doc.as_bytes());
        std::fs::write(dir.join(name), bytes).expect("a seed is written");
        count += 1;
    };
    SeatMap::from_toml(FULL).expect("full.toml parses");
    write("full.toml", TOML, FULL);
    let mut json_parts = Vec::new();
    for &(part, toml) in PARTS {
        let json = SeatMap::from_toml(toml)
            .unwrap_or_else(|e| panic!("part {part}: {e}"))
            .to_json();
        let json_escaped = escaped(&json);
        assert_eq!(
            SeatMap::from_json(&json_escaped).map(|m| m.to_json()).ok(),
            Some(json.clone()),
            "part {part}: the escaped JSON reads as the same map"
        );
        write(&format!("{part}.toml"), TOML, toml);
        let toml_escaped = escaped_toml(toml);
        assert_eq!(
            SeatMap::from_toml(&toml_escaped).map(|m| m.to_json()).ok(),
            Some(json.clone()),
            "part {part}: the escaped TOML reads as the same map"
        );
        write(&format!("{part}.escaped.toml"), TOML, &toml_escaped);
        write(&format!("{part}.json"), JSON, &json);
        write(&format!("{part}.escaped.json"), JSON, &json_escaped);
        json_parts.push((part, json));
    }
    let toml_part = |part: &str| PARTS.iter().find(|p| p.0 == part).expect("a part").1;
    let json_part = |part: &str| {
        let found = json_parts.iter().find(|p| p.0 == part).expect("a part");
        found.1.clone()
    };
    for &(part, name, from, to) in TOML_ACCEPTED {
        let base = toml_part(part);
        assert!(
            base.contains(from),
            "seed {name}.toml: {from:?} is not in the {part} map"
        );
        let doc = base.replacen(from, to, 1);
        SeatMap::from_toml(&doc).unwrap_or_else(|e| panic!("seed {name}.toml: {e}"));
        write(&format!("{name}.toml"), TOML, &doc);
    }
    for (kind, tag, list) in [("toml", TOML, TOML_VARIANTS), ("json", JSON, JSON_VARIANTS)] {
        for &(part, name, from, to, names) in list {
            let base = if tag == TOML {
                toml_part(part).to_string()
            } else {
                json_part(part)
            };
            assert!(
                base.contains(from),
                "seed {name}.{kind}: {from:?} is not in the {part} map"
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
    println!("{count} seat-map seeds written to {}", dir.display());
}
