//! Any bytes as a signed ticket: verification and the whole admission decision
//! must return a result, never panic. Seeds: `cargo run -p eticket-core --features fixtures --example fuzz_seeds`.
#![no_main]

use eticket_core::admission::{GateContext, Presented, decide};
use eticket_core::fixtures;
use eticket_core::revocation::RevocationList;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let event = fixtures::small_event();
    let keys = fixtures::key_set();
    let revoked = RevocationList::empty(event.id);
    let Ok(ctx) = GateContext::new(&event, &keys, &revoked, fixtures::NOW) else {
        return;
    };
    let _ = eticket_core::ticket::verify(data, &keys, fixtures::NOW);
    let _ = decide(data, Presented::Paper, &ctx);
    let _ = decide(data, Presented::Chip(fixtures::CHIP), &ctx);
});
