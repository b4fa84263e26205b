//! Write the seed corpus of the `seatmap_parse` fuzz target:
//! `cargo run -p eticket-alloc --example alloc_fuzz_seeds -- fuzz/corpus/seatmap_parse`.
//!
//! The target takes an `arbitrary` enum; its first four bytes (little-endian
//! u32 `t`) pick the variant `(t * 3) >> 32`, and the last field of a variant
//! takes the rest of the input, so a seed is a tag followed by the document.

use eticket_alloc::stadium::{SMALL_HALL_TOML, StadiumSpec, small_hall, stadium};
use eticket_alloc::venues;

/// Tags for the variants `Toml` (0) and `Json` (1) of the target's case.
const TOML: u32 = 0;
const JSON: u32 = 0x5555_5556;

fn main() {
    let dir = std::path::PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "fuzz/corpus/seatmap_parse".into()),
    );
    std::fs::create_dir_all(&dir).unwrap();
    let small = stadium(StadiumSpec {
        blocks_per_stand: 1,
        rows: 3,
        half_row: 4,
    })
    .unwrap();
    let seeds: [(&str, u32, String); 6] = [
        ("hall_geometry_toml", TOML, venues::SMALL_HALL_TOML.to_string()),
        ("hall_geometry_json", JSON, venues::small_hall().unwrap().to_json()),
        ("small_hall_toml", TOML, SMALL_HALL_TOML.to_string()),
        ("small_hall_json", JSON, small_hall().unwrap().to_json()),
        ("stadium_json", JSON, small.to_json()),
        ("minimal_toml", TOML, "name = \"M\"\nfocus = { x = 0, y = 0 }\n[[seat_types]]\nid = 1\nname = \"A\"\n[[blocks]]\nid = 1\nname = \"B\"\nlegend = { a = 1 }\nrows = [\"a.a\"]\n".into()),
    ];
    for (name, tag, doc) in seeds {
        let mut bytes = tag.to_le_bytes().to_vec();
        bytes.extend_from_slice(doc.as_bytes());
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}
