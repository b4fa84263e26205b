//! A gate scanning any bytes as a paper ticket: always an outcome (admitted
//! or refused with a reason), logged, never an error or a panic; nothing but
//! a genuinely signed ticket is admitted.
#![no_main]

use std::sync::{Mutex, OnceLock};

use eticket_core::fixtures;
use eticket_core::ids::GateId;
use eticket_core::revocation::RevocationList;
use eticket_gate::{Gate, PassbackPolicy, TrustStore, VenueUnit};
use libfuzzer_sys::fuzz_target;

fn gate() -> &'static Mutex<(VenueUnit, Gate)> {
    static GATE: OnceLock<Mutex<(VenueUnit, Gate)>> = OnceLock::new();
    GATE.get_or_init(|| {
        let event = fixtures::small_event();
        let root = fixtures::root_key();
        let trust = TrustStore::with(
            root.id(),
            root.public_key(),
            fixtures::key_set(),
            // Signed at the fuzzer's time: with the empty list a unit admits
            // nothing and the admission path would go unexplored.
            RevocationList::new(event.id, 0, fixtures::NOW, vec![]).expect("an empty list"),
        );
        // An in-memory log: the fuzzer exercises decoding and deciding, not the disk.
        let unit = VenueUnit::open(":memory:", event, trust, PassbackPolicy::SingleEntry)
            .expect("unit opens");
        let gate = unit.gate(GateId(1), "fuzz").expect("gate opens");
        Mutex::new((unit, gate))
    })
}

fuzz_target!(|data: &[u8]| {
    let mut guard = gate().lock().unwrap_or_else(|e| e.into_inner());
    let outcome = guard
        .1
        .admit_paper(data, fixtures::NOW)
        .expect("a scan always has an outcome");
    if outcome.is_admitted() {
        // Only a ticket signed by the fixture ticket key can be admitted.
        eticket_core::ticket::verify(data, &fixtures::key_set(), fixtures::NOW)
            .expect("an admitted payload verifies");
    }
});
