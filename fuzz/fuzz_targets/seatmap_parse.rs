//! The seat-map file parser (TOML) and the JSON form of the cell model: any
//! input gives a map or an error, never a panic; a map that parses survives a
//! JSON round trip and converts to core's seat master consistently.
#![no_main]

use arbitrary::Arbitrary;
use eticket_alloc::SeatMap;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Case {
    /// Any text as a TOML seat-map file.
    Toml(String),
    /// Any text as the JSON form.
    Json(String),
    /// A well-formed document around fuzzed rows and legend, to reach the
    /// layout and semantic checks.
    Rows {
        rows: Vec<String>,
        legend: Vec<(char, u8, bool, bool)>,
        rotation: u16,
        first_row: u16,
        origin: (i32, i32),
        right_to_left: bool,
    },
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
    } = case
    else {
        return None;
    };
    let legend: Vec<String> = legend
        .iter()
        .map(|(c, t, a, b)| {
            format!(
                "{} = {{ seat_type = {t}, accessible = {a}, blocked = {b} }}",
                toml_str(&c.to_string())
            )
        })
        .collect();
    let rows: Vec<String> = rows.iter().map(|r| toml_str(r)).collect();
    Some(format!(
        "name = \"F\"\nfocus = {{ x = 1, y = -2 }}\n[[seat_types]]\nid = 1\nname = \"A\"\n[[seat_types]]\nid = 2\nname = \"B\"\n\
         [[blocks]]\nid = 1\nname = \"B\"\norigin = {{ x = {}, y = {} }}\nrotation = {rotation}\nfirst_row = {first_row}\nnumbering = \"{}\"\n\
         legend = {{ {} }}\nrows = [{}]\n",
        origin.0,
        origin.1,
        if *right_to_left {
            "right-to-left"
        } else {
            "left-to-right"
        },
        legend.join(", "),
        rows.join(", ")
    ))
}

fuzz_target!(|case: Case| {
    let parsed = match &case {
        Case::Toml(text) => SeatMap::from_toml(text),
        Case::Json(text) => SeatMap::from_json(text),
        Case::Rows { .. } => match document(&case) {
            Some(doc) => SeatMap::from_toml(&doc),
            None => return,
        },
    };
    if let Ok(map) = parsed {
        let back = SeatMap::from_json(&map.to_json());
        assert_eq!(back.as_ref().ok(), Some(&map), "JSON round trip");
        let master = map.to_seat_master();
        assert_eq!(
            master.seats.len(),
            map.cells().iter().filter(|c| !c.blocked).count()
        );
    }
});
