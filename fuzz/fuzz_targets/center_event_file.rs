//! The center's event file (`eticket register-event --event`): any text, read
//! around the example seat map, gives a registration that passes the event's
//! own validation, or an error; never a panic.
#![no_main]

use eticket_alloc::SeatMap;
use eticket_center::event_file::from_toml;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static MAP: OnceLock<SeatMap> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let map = MAP.get_or_init(|| {
        SeatMap::from_toml(include_str!("../../eticket-alloc/data/small_hall.toml"))
            .expect("the example seat map parses")
    });
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(reg) = from_toml(text, map) {
            reg.info
                .validate()
                .expect("a read event file is a valid event");
        }
    }
});
