//! A seat map that parses (from the same inputs as `seatmap_parse`) survives
//! its JSON round trip with the same cells and seat positions, and draws (SVG
//! and terminal), which reads every position, landmark and area.
#![no_main]

use eticket_fuzz::seatmap::{Case, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|case: Case| {
    let Some(Ok(map)) = parse(&case) else {
        return;
    };
    let back = eticket_alloc::SeatMap::from_json(&map.to_json());
    assert_eq!(back.as_ref().ok(), Some(&map), "JSON round trip");
    if let Ok(back) = &back {
        assert_eq!(back.positions(), map.positions(), "positions after JSON");
    }
    if map.len() <= 10_000 {
        let overlay = eticket_alloc::render::Overlay::default();
        let _ = eticket_alloc::render::svg(&map, &overlay);
        let _ = eticket_alloc::render::terminal(&map, &overlay, false);
    }
});
