//! The seat-map file parser (TOML) and the JSON form of the cell model, alone:
//! any input gives a map or an error, never a panic; a map that parses has
//! finite seat positions and converts to core's seat master consistently.
//! (Its JSON round trip and drawing are `seatmap_roundtrip`'s, so that this
//! target's rate is the decoder's.)
#![no_main]

use eticket_fuzz::seatmap::{Case, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: Case| {
    let Some(Ok(map)) = parse(&case) else {
        return;
    };
    assert!(
        map.positions()
            .iter()
            .all(|p| p.x.is_finite() && p.y.is_finite() && p.angle.is_finite()),
        "positions are finite"
    );
    let master = map.to_seat_master();
    assert_eq!(
        master.seats.len(),
        map.cells().iter().filter(|c| !c.blocked).count()
    );
});
