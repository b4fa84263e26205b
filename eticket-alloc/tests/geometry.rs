//! Geometry: maps without it keep their grid, positions follow the
//! documented formulas, every new key is refused with its line and field,
//! and the JSON form keeps it exactly.

use eticket_alloc::geometry::{Align, BlockGeometry, SeatPosition, seat_positions};
use eticket_alloc::stadium::{SMALL_HALL_TOML, small_hall};
use eticket_alloc::{AllocError, SeatMap};
use proptest::prelude::*;

fn file_error(text: &str) -> (usize, String, String) {
    match SeatMap::from_toml(text) {
        Err(AllocError::File { at, message }) => (at.line, at.field, message),
        other => panic!("expected a file error, got {:?}", other.map(|m| m.len())),
    }
}

const HEAD: &str =
    "name = \"Hall\"\nfocus = { x = 0, y = -5 }\n[[seat_types]]\nid = 1\nname = \"A\"\n";

/// A one-block map with `block` keys and a `[blocks.geometry]` table.
fn one_block(block: &str, geometry: &str) -> String {
    format!(
        "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1 }}\nrows = [\"aaaa.aaaa\", \"aaaaaaaaa\"]\n{block}\n[blocks.geometry]\n{geometry}\n"
    )
}

#[test]
fn maps_without_geometry_sit_on_their_grid() {
    let map = small_hall().unwrap();
    for (c, p) in map.cells().iter().zip(map.positions()) {
        assert_eq!((p.x, p.y, p.angle), (f64::from(c.x), f64::from(c.y), 0.0));
    }
    assert!(map.landmarks().is_empty());
    // The JSON of a map without geometry has no new keys.
    let json = map.to_json();
    for key in [
        "geometry",
        "landmarks",
        "companion",
        "polygon",
        "row_labels",
    ] {
        assert!(!json.contains(key), "{key}");
    }
}

#[test]
fn geometry_with_grid_values_places_as_the_grid() {
    // The balcony of the small hall placed by geometry with its grid origin
    // and a quarter turn lands where origin and rotation put it.
    for rotation in [0, 90, 180, 270] {
        let grid = SMALL_HALL_TOML.replace(
            "origin = { x = -2, y = 13 }",
            &format!("origin = {{ x = -2, y = 13 }}\nrotation = {rotation}"),
        );
        let placed = SMALL_HALL_TOML
            .replace("origin = { x = -2, y = 13 }\n", "")
            .replace(
                "[[areas]]",
                &format!("[blocks.geometry]\norigin = {{ x = -2, y = 13 }}\nangle = {rotation}\n\n[[areas]]"),
            );
        let (a, b) = (
            SeatMap::from_toml(&grid).unwrap(),
            SeatMap::from_toml(&placed).unwrap(),
        );
        assert_eq!(a.cells(), b.cells(), "rotation {rotation}");
        let xy = |m: &SeatMap| m.positions().iter().map(|p| (p.x, p.y)).collect::<Vec<_>>();
        assert_eq!(xy(&a), xy(&b));
    }
}

#[test]
fn curved_rows_follow_the_formulas() {
    let text = one_block(
        "",
        "origin = { x = 10, y = 20 }\nangle = 30\nradius = 12\nalign = \"centre\"\nrow_pitch = 2\nseat_pitch = 1.5\ngaps = [{ after = 5, width = 0.5 }]\nrow_gaps = [{ after = 1, depth = 3 }]",
    );
    let map = SeatMap::from_toml(&text).unwrap();
    let p = map.positions();
    // Row 2, column 8 (the last): columns 0..=8, so the middle is at
    // (along(0) + along(8)) / 2 = (0 + 12.5) / 2; along(8) = 8 × 1.5 + 0.5.
    let row2: Vec<_> = map
        .cells()
        .iter()
        .enumerate()
        .filter(|(_, c)| c.row == 2)
        .collect();
    let (i, c) = row2[row2.len() - 1];
    assert_eq!(c.col, 8);
    let s = 12.5 - 6.25;
    let rho = 12.0 + 2.0 + 3.0;
    let theta: f64 = s / rho;
    let (u, v) = (rho * theta.sin(), rho * theta.cos() - 12.0);
    let a = 30f64.to_radians();
    let want = (
        10.0 + u * a.cos() - v * a.sin(),
        20.0 + u * a.sin() + v * a.cos(),
    );
    assert!((p[i].x - want.0).abs() < 1e-12 && (p[i].y - want.1).abs() < 1e-12);
    assert!((p[i].angle - (30.0 + theta.to_degrees())).abs() < 1e-12);
    // Grid cells are the rounded positions.
    assert_eq!((c.x, c.y), (want.0.round() as i32, want.1.round() as i32));
}

#[test]
fn new_keys_are_refused_with_line_and_field() {
    let cases: Vec<(String, usize, &str, &str)> = vec![
        (
            one_block("", "origin = { x = 0, y = 0 }\nradius = 0"),
            14,
            "blocks[0].geometry.radius",
            "between 1",
        ),
        (
            one_block("", "origin = { x = 0, y = 0 }\nseat_pitch = -1"),
            14,
            "blocks[0].geometry.seat_pitch",
            "more than 0",
        ),
        (
            one_block("", "origin = { x = 0, y = 0 }\nangle = 400"),
            14,
            "blocks[0].geometry.angle",
            "360",
        ),
        (
            one_block("", "origin = { x = 0, y = 0 }\nalign = \"middle\""),
            14,
            "blocks[0].geometry.align",
            "centre",
        ),
        (
            one_block("", "origin = { x = 3e7, y = 0 }"),
            13,
            "blocks[0].geometry.origin",
            "within",
        ),
        (
            one_block(
                "",
                "origin = { x = 0, y = 0 }\ngaps = [{ after = 4, width = 1 }, { after = 2, width = 1 }]",
            ),
            14,
            "blocks[0].geometry.gaps[1].after",
            "increasing",
        ),
        (
            one_block("", "origin = { x = 0, y = 0 }\nradius = 1"),
            14,
            "blocks[0].geometry.radius",
            "half a circle",
        ),
        (
            one_block("rotation = 90", "origin = { x = 0, y = 0 }"),
            11,
            "blocks[0].geometry",
            "rotation",
        ),
        (
            one_block(
                "row_labels = [\"A\", \"B\", \"C\"]",
                "origin = { x = 0, y = 0 }",
            ),
            11,
            "blocks[0].row_labels",
            "3 labels for 2 rows",
        ),
        (
            one_block("row_labels = [\"A\", \"\"]", "origin = { x = 0, y = 0 }"),
            11,
            "blocks[0].row_labels[1]",
            "1 to 16",
        ),
        (
            one_block(
                "seat_labels = { start = 1, step = 0 }",
                "origin = { x = 0, y = 0 }",
            ),
            11,
            "blocks[0].seat_labels.step",
            "±1",
        ),
        (
            format!(
                "{HEAD}[[landmarks]]\nkind = \"stage\"\nname = \"S\"\nrect = {{ x = 0, y = 0, width = 1, height = 1 }}\ncircle = {{ x = 0, y = 0, radius = 1 }}\n"
            ),
            6,
            "landmarks[0]",
            "exactly one",
        ),
        (
            format!(
                "{HEAD}[[landmarks]]\nkind = \"tribune\"\nname = \"S\"\ncircle = {{ x = 0, y = 0, radius = 1 }}\n"
            ),
            7,
            "landmarks[0].kind",
            "\"stage\"",
        ),
        (
            format!(
                "{HEAD}[[landmarks]]\nkind = \"pitch\"\nname = \"P\"\npolygon = [[0, 0], [1, 1]]\n"
            ),
            9,
            "landmarks[0].polygon",
            "3 to",
        ),
        (
            format!(
                "{HEAD}[[landmarks]]\nkind = \"other\"\nname = \"C\"\ncircle = {{ x = 0, y = 0, radius = -2 }}\n"
            ),
            9,
            "landmarks[0].circle.radius",
            "more than 0",
        ),
        (
            format!(
                "{HEAD}[[areas]]\nid = 1\nname = \"Floor\"\nseat_type = 1\ncapacity = 10\ngate = 1\nat = {{ x = 0, y = 0 }}\nwidth = 2\nheight = 2\npolygon = [[0, 0], [4, 0], [4, 4]]\n"
            ),
            6,
            "areas[0]",
            "either",
        ),
        (
            format!(
                "{HEAD}[[areas]]\nid = 1\nname = \"Floor\"\nseat_type = 1\ncapacity = 10\ngate = 1\npolygon = [[0, 0], [4, 0]]\n"
            ),
            12,
            "areas[0].polygon",
            "3 to",
        ),
        (
            format!(
                "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ w = {{ seat_type = 1, accessible = true, companion = true }} }}\nrows = [\"w\"]\n"
            ),
            9,
            "blocks[0].legend.w",
            "not both",
        ),
        (
            "name = \"Hall\"\n[[seat_types]]\nid = 1\nname = \"A\"\n".to_string(),
            1,
            "focus",
            "landmark",
        ),
    ];
    for (text, line, field, words) in cases {
        let (l, f, m) = file_error(&text);
        assert_eq!(
            (l, f.as_str()),
            (line, field),
            "{m}\n{}",
            text.lines()
                .enumerate()
                .map(|(i, l)| format!("{:2} {l}\n", i + 1))
                .collect::<String>()
        );
        assert!(m.contains(words), "{m:?} lacks {words:?}");
    }
}

/// Found by the seatmap_parse fuzz target: the check took the step's
/// `abs`, which overflows for i32::MIN (a panic with debug assertions;
/// without them the step passed). Input kept in
/// fuzz/regressions/seatmap_parse/.
#[test]
fn the_most_negative_seat_label_step_is_refused() {
    for step in [i32::MIN, i32::MIN + 1, -101, 101, i32::MAX] {
        let (line, field, message) = file_error(&one_block(
            &format!("seat_labels = {{ start = 131071, step = {step} }}"),
            "origin = { x = 0, y = 0 }",
        ));
        assert_eq!(
            (line, field.as_str()),
            (11, "blocks[0].seat_labels.step"),
            "{step}"
        );
        assert!(message.contains("±1"), "{message}");
    }
    for step in [-100, -1, 1, 100] {
        let map = SeatMap::from_toml(&one_block(
            &format!("seat_labels = {{ start = 131071, step = {step} }}"),
            "origin = { x = 0, y = 0 }",
        ));
        assert!(map.is_ok(), "{step}: {:?}", map.err());
    }
}

#[test]
fn json_errors_name_the_field() {
    let map = eticket_alloc::venues::small_hall().unwrap();
    let json = map
        .to_json()
        .replace("\"radius\":30.0", "\"radius\":\"far\"");
    assert_ne!(json, map.to_json());
    match SeatMap::from_json(&json) {
        Err(AllocError::Json { field, .. }) => assert_eq!(field, "blocks[0].geometry.radius"),
        other => panic!("{:?}", other.map(|m| m.len())),
    }
    // Meaning is checked as for files: a radius the geometry cannot use.
    let json = map.to_json().replace("\"radius\":30.0", "\"radius\":0.5");
    match SeatMap::from_json(&json) {
        Err(AllocError::InvalidMap { field, .. }) => assert_eq!(field, "blocks[0].geometry.radius"),
        other => panic!("{:?}", other.map(|m| m.len())),
    }
}

fn geometry_strategy() -> impl Strategy<Value = BlockGeometry> {
    (
        (-500.0..500.0f64, -500.0..500.0f64),
        -360.0..360.0f64,
        (0.5..3.0f64, 0.5..3.0f64),
        prop::option::of(20.0..2000.0f64),
        any::<bool>(),
        prop::collection::btree_map(0u16..30, 0.1..3.0f64, 0..3),
        prop::collection::btree_map(1u16..12, 0.5..5.0f64, 0..3),
    )
        .prop_map(
            |(origin, angle, (sp, rp), radius, centre, gaps, row_gaps)| BlockGeometry {
                origin: [origin.0, origin.1],
                angle,
                seat_pitch: sp,
                row_pitch: rp,
                radius,
                align: if centre { Align::Centre } else { Align::Start },
                gaps: gaps
                    .into_iter()
                    .map(|(after, width)| eticket_alloc::geometry::Gap { after, width })
                    .collect(),
                row_gaps: row_gaps
                    .into_iter()
                    .map(|(after, depth)| eticket_alloc::geometry::RowGap { after, depth })
                    .collect(),
                first_row: 1,
            },
        )
}

fn toml_geometry(g: &BlockGeometry) -> String {
    let mut t = format!(
        "origin = {{ x = {:?}, y = {:?} }}\nangle = {:?}\nseat_pitch = {:?}\nrow_pitch = {:?}\nalign = \"{}\"\n",
        g.origin[0],
        g.origin[1],
        g.angle,
        g.seat_pitch,
        g.row_pitch,
        if g.align == Align::Centre {
            "centre"
        } else {
            "start"
        }
    );
    if let Some(r) = g.radius {
        t += &format!("radius = {r:?}\n");
    }
    let gaps: Vec<String> = g
        .gaps
        .iter()
        .map(|x| format!("{{ after = {}, width = {:?} }}", x.after, x.width))
        .collect();
    let row_gaps: Vec<String> = g
        .row_gaps
        .iter()
        .map(|x| format!("{{ after = {}, depth = {:?} }}", x.after, x.depth))
        .collect();
    t + &format!(
        "gaps = [{}]\nrow_gaps = [{}]\n",
        gaps.join(", "),
        row_gaps.join(", ")
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    /// A file with any geometry reads into a map whose JSON form reads back
    /// to the same map with the same positions; seats neighbouring in a row
    /// are a seat pitch apart along the row (plus a gap's width), on the arc
    /// for curved rows.
    #[test]
    fn geometry_round_trips_and_spaces_seats(
        g in geometry_strategy(),
        rows in prop::collection::vec("[ab]{1,12}(\\.[ab]{1,12})?", 1..10),
    ) {
        let quoted: Vec<String> = rows.iter().map(|r| format!("\"{r}\"")).collect();
        let text = format!(
            "{HEAD}[[seat_types]]\nid = 2\nname = \"B\"\n[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1, b = {{ seat_type = 2, companion = true }} }}\nrows = [{}]\n[blocks.geometry]\n{}",
            quoted.join(", "),
            toml_geometry(&g)
        );
        let map = match SeatMap::from_toml(&text) {
            Ok(m) => m,
            // Long rows on a small radius wrap: refused, with the reason.
            Err(AllocError::File { at, message }) => {
                prop_assert_eq!(at.field, "blocks[0].geometry.radius");
                prop_assert!(message.contains("half a circle"));
                return Ok(());
            }
            Err(e) => return Err(TestCaseError::fail(e.to_string())),
        };
        prop_assert_eq!(map.block(eticket_core::ids::BlockId(1)).unwrap().geometry.as_ref(), Some(&g));
        let back = SeatMap::from_json(&map.to_json()).unwrap();
        prop_assert_eq!(&back, &map);
        prop_assert_eq!(back.positions(), map.positions());
        let again = seat_positions(map.data());
        prop_assert_eq!(again.as_slice(), map.positions());
        let cells = map.cells();
        let p: &[SeatPosition] = map.positions();
        for i in 1..cells.len() {
            let (a, b) = (&cells[i - 1], &cells[i]);
            if a.row != b.row || a.col + 1 != b.col {
                continue;
            }
            let along = g.seat_pitch + g.gaps.iter().filter(|x| x.after == a.col).map(|x| x.width).sum::<f64>();
            let chord = (p[i].x - p[i - 1].x).hypot(p[i].y - p[i - 1].y);
            let want = match g.radius {
                None => along,
                Some(r) => {
                    let rho = r + g.depth(a.row);
                    2.0 * rho * (along / (2.0 * rho)).sin()
                }
            };
            prop_assert!((chord - want).abs() < 1e-6, "{} vs {}", chord, want);
        }
    }

    /// A number out of range for any geometry key is refused, naming that
    /// key and the line it is on.
    #[test]
    fn out_of_range_numbers_are_refused_where_they_are(
        key in prop::sample::select(vec!["angle", "seat_pitch", "row_pitch", "radius"]),
        value in prop::sample::select(vec![-1e9, -400.0, 0.0, 1e7, 1e300]),
        blank in 0usize..4,
    ) {
        let geometry = format!("origin = {{ x = 0, y = 0 }}\n{}{key} = {value:?}", "\n".repeat(blank));
        let text = one_block("", &geometry);
        let line = text.lines().position(|l| l.starts_with(key)).unwrap() + 1;
        match SeatMap::from_toml(&text) {
            Ok(_) => prop_assert!(key == "angle" && value == 0.0, "{} = {} accepted", key, value),
            Err(AllocError::File { at, .. }) => {
                prop_assert_eq!(at.field, format!("blocks[0].geometry.{key}"));
                prop_assert_eq!(at.line, line);
            }
            Err(e) => prop_assert!(false, "{}", e),
        }
    }
}
