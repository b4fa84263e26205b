//! The seat-map file format, the model's checks, JSON and core conversion.

use eticket_alloc::stadium::{StadiumSpec, small_hall, stadium, stadium_100k};
use eticket_alloc::{AllocError, SeatMap};
use eticket_core::ids::{BlockId, SeatType};

fn file_error(text: &str) -> (usize, usize, String, String) {
    match SeatMap::from_toml(text) {
        Err(AllocError::File { at, message }) => (at.line, at.column, at.field, message),
        other => panic!("expected a file error, got {other:?}"),
    }
}

#[test]
fn small_hall_parses() {
    let map = small_hall().unwrap();
    assert_eq!(map.blocks().len(), 2);
    assert_eq!(map.cells().len(), 24 * 10 + 4 * 28 + 24);
    assert_eq!(map.cells().iter().filter(|c| c.blocked).count(), 2);
    assert_eq!(map.cells().iter().filter(|c| c.accessible).count(), 4);
    assert_eq!(map.areas()[0].capacity, 120);
    // Row 1 of the stalls: the camera position is seat 1, then 1..=24 across the aisle.
    let c = map.cell(map.find(BlockId(1), 1, 13).unwrap()).unwrap();
    assert_eq!((c.col, c.x, c.y), (14, 14, 0));
    // Balcony row 1 starts two gap columns in; rows are placed from the origin.
    let b = map.cell(map.find(BlockId(2), 1, 1).unwrap()).unwrap();
    assert_eq!((b.x, b.y, b.seat_type), (0, 13, SeatType(3)));
}

#[test]
fn json_round_trip() {
    let map = small_hall().unwrap();
    let json = map.to_json();
    assert!(json.contains("\"seat_type\":1"));
    assert_eq!(SeatMap::from_json(&json).unwrap(), map);
    match SeatMap::from_json("{\n\"name\": 5}") {
        Err(AllocError::Json { line: 2, .. }) => {}
        other => panic!("{other:?}"),
    }
}

#[test]
fn seat_master_round_trip() {
    let map = small_hall().unwrap();
    let master = map.to_seat_master();
    assert_eq!(master.seats.len(), map.cells().len() - 2);
    assert_eq!(master.capacity(), master.seats.len() as u64 + 120);
    let blocks: Vec<_> = map
        .blocks()
        .iter()
        .map(|b| eticket_core::venue::Block {
            id: b.id,
            name: b.name.clone(),
            gate: eticket_core::ids::GateId(1),
            guidance: String::new(),
            row_labels: vec![],
        })
        .collect();
    let back = SeatMap::from_seat_master("Hall", &master, &map.seat_type_infos(), &blocks).unwrap();
    assert_eq!(back.to_seat_master().seats.len(), master.seats.len());
    for s in &master.seats {
        let c = back
            .cell(back.find(s.block, s.row, s.number).unwrap())
            .unwrap();
        assert_eq!(c.seat_type, s.seat_type);
    }
}

#[test]
fn from_core_fixture_event() {
    let event = eticket_core::fixtures::small_event();
    let map = SeatMap::from_event(&event).unwrap();
    assert_eq!(map.to_seat_master(), event.seats);
}

#[test]
fn stadium_counts() {
    let spec = StadiumSpec {
        blocks_per_stand: 2,
        rows: 6,
        half_row: 5,
    };
    let map = stadium(spec).unwrap();
    assert_eq!(map.cells().len(), spec.cells());
    assert_eq!(map.blocks().len(), 8);
    assert_eq!(map.cells().iter().filter(|c| c.blocked).count(), 8 * 2);
    assert_eq!(map.cells().iter().filter(|c| c.accessible).count(), 8 * 4);
}

#[test]
fn stadium_100k_counts() {
    let map = stadium_100k().unwrap();
    assert_eq!(map.cells().len(), 100_000);
    assert_eq!(map.blocks().len(), 20);
    assert_eq!(map.cells().iter().filter(|c| c.blocked).count(), 40);
}

const HEAD: &str =
    "name = \"Hall\"\nfocus = { x = 0, y = 0 }\n[[seat_types]]\nid = 1\nname = \"A\"\n";

#[test]
fn unknown_legend_character_names_line_and_column() {
    let text = format!(
        "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1 }}\nrows = [\n  \"aaa\",\n  \"aaxa\",\n]\n"
    );
    let (line, column, field, message) = file_error(&text);
    assert_eq!((line, column), (12, 6));
    assert_eq!(field, "blocks[0].rows[1]");
    assert!(message.contains("'x'"), "{message}");
}

#[test]
fn syntax_error_names_line() {
    let text = format!(
        "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1 }}\nrows = [\"a\" \"b\"]\n"
    );
    let (line, ..) = file_error(&text);
    assert_eq!(line, 10);
}

#[test]
fn unknown_field_names_line() {
    let text = format!("{HEAD}color = \"red\"\n");
    let (line, _, _, message) = file_error(&text);
    assert_eq!(line, 6);
    assert!(message.contains("color"), "{message}");
}

#[test]
fn semantic_errors_name_field_and_line() {
    let cases = [
        (
            format!("{HEAD}colour = \"#12345\"\n"),
            6,
            "seat_types[0].colour",
        ),
        (
            format!("{HEAD}[[seat_types]]\nid = 1\nname = \"again\"\n"),
            6,
            "seat_types[1].id",
        ),
        (
            format!(
                "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nrotation = 45\nlegend = {{ a = 1 }}\nrows = [\"a\"]\n"
            ),
            9,
            "blocks[0].rotation",
        ),
        (
            format!(
                "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 9 }}\nrows = [\"a\"]\n"
            ),
            9,
            "blocks[0].legend.a",
        ),
        (
            format!(
                "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1 }}\nrows = [\"a\", \"...\"]\n"
            ),
            10,
            "blocks[0].rows[1]",
        ),
        (
            format!(
                "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1 }}\nrows = [\"a\"]\n[[blocks]]\nid = 1\nname = \"C\"\nlegend = {{ a = 1 }}\nrows = [\"a\"]\n"
            ),
            11,
            "blocks[1].id",
        ),
        (
            format!(
                "{HEAD}[[areas]]\nid = 1\nname = \"S\"\nseat_type = 4\ncapacity = 5\ngate = 1\nat = {{ x = 0, y = 0 }}\nwidth = 1\nheight = 1\n"
            ),
            6,
            "areas[0].seat_type",
        ),
    ];
    for (text, line, field) in cases {
        let (l, _, f, m) = file_error(&text);
        assert_eq!((l, f.as_str()), (line, field), "{m}\n{text}");
    }
}

#[test]
fn rotation_and_numbering() {
    let text = format!(
        "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\norigin = {{ x = 10, y = 10 }}\nrotation = 180\nnumbering = \"right-to-left\"\nlegend = {{ a = 1 }}\nrows = [\"aa.a\", \"aaaa\"]\n"
    );
    let map = SeatMap::from_toml(&text).unwrap();
    let seat = |r, n| *map.cell(map.find(BlockId(1), r, n).unwrap()).unwrap();
    // Row 1 has three seats numbered from the right: seat 1 is the last character.
    assert_eq!((seat(1, 1).col, seat(1, 1).x, seat(1, 1).y), (3, 7, 10));
    assert_eq!((seat(2, 4).x, seat(2, 4).y), (10, 9));
}

#[test]
fn model_rejects_duplicates_from_json() {
    let map = small_hall().unwrap();
    let mut data = map.data().clone();
    let first = data.cells[0];
    data.cells.push(first);
    assert!(matches!(
        SeatMap::new(data),
        Err(AllocError::InvalidMap { .. })
    ));
}

#[test]
fn error_messages_read_as_documented() {
    let text = format!(
        "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nrotation = 45\nlegend = {{ a = 1 }}\nrows = [\"a\"]\n"
    );
    let err = SeatMap::from_toml(&text).unwrap_err().to_string();
    assert_eq!(
        err,
        "seat map file, line 9, column 12 (blocks[0].rotation): must be 0, 90, 180 or 270"
    );
    let text = format!(
        "{HEAD}[[blocks]]\nid = 1\nname = \"B\"\nlegend = {{ a = 1 }}\nrows = [\n  \"aaa\",\n  \"aaxa\",\n]\n"
    );
    let err = SeatMap::from_toml(&text).unwrap_err().to_string();
    assert_eq!(
        err,
        "seat map file, line 12, column 6 (blocks[0].rows[1]): character 'x' is not in the block's legend"
    );
    let err = SeatMap::from_toml(&format!("{HEAD}color = \"red\"\n"))
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("seat map file, line 6, column 1: unknown field `color`"),
        "{err}"
    );
}
