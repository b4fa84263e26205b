//! Any bytes as a signed ticket: verification and the whole admission decision
//! must return a result, never panic. In the fuzzing build the fuzzing tag
//! stands for a valid signature, so seeds carrying it (`fuzz/seeds.sh`) reach
//! the body decoder and every admission check behind it.
#![no_main]

use std::sync::OnceLock;

use eticket_core::admission::{GateContext, Presented, decide};
use eticket_core::fixtures;
use eticket_core::revocation::RevocationList;
use eticket_fuzz::{event, keys};
use libfuzzer_sys::fuzz_target;

fn revoked() -> &'static RevocationList {
    static LIST: OnceLock<RevocationList> = OnceLock::new();
    LIST.get_or_init(|| {
        // Signed at the fuzzer's time (a stale list refuses everything) and
        // naming one fixture ticket, so the revoked path is reachable.
        let revoked = eticket_core::revocation::Revoked {
            serial: eticket_core::ids::TicketSerial(127),
            generation: eticket_core::ids::Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        };
        RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, vec![revoked])
            .expect("a one-entry list")
            .with_next_update(fixtures::NOW.plus(3600))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(ctx) = GateContext::new(event(), keys(), revoked(), fixtures::NOW) else {
        return;
    };
    if let Ok(v) = eticket_core::ticket::verify(data, keys(), fixtures::NOW) {
        // Strict decoding: one encoding per body.
        let peeked = eticket_core::ticket::peek(data).expect("a verified ticket peeks");
        assert_eq!(peeked, v.body);
    }
    let _ = decide(data, Presented::Paper, &ctx);
    let _ = decide(data, Presented::Chip(fixtures::CHIP), &ctx);
});
