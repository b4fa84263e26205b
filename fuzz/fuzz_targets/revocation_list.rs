//! Revocation lists and deltas: arbitrary signed-or-not bytes must decode to
//! an error or a valid sorted list; arbitrary deltas applied to a list keep it
//! sorted, and applying equals rebuilding.
#![no_main]

use arbitrary::Arbitrary;
use eticket_core::fixtures;
use eticket_core::ids::{Generation, TicketSerial};
use eticket_core::revocation::{RevocationDelta, RevocationList, RevocationReason, Revoked};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Case {
    raw: Vec<u8>,
    base: Vec<(u16, u8)>,
    added: Vec<(u16, u8)>,
    from_version: u8,
}

fn entries(v: &[(u16, u8)]) -> Vec<Revoked> {
    v.iter()
        .map(|&(s, g)| Revoked {
            serial: TicketSerial(s.into()),
            generation: Generation(g.into()),
            // Every reason, from the generation's low bits.
            reason: [
                RevocationReason::Revoked,
                RevocationReason::Replaced,
                RevocationReason::Transferred,
                RevocationReason::EventCancelled,
            ][usize::from(g % 4)],
        })
        .collect()
}

fuzz_target!(|case: Case| {
    let keys = fixtures::key_set();
    if let Ok(list) = RevocationList::from_signed_bytes(&case.raw, &keys, fixtures::NOW) {
        assert!(list.entries().windows(2).all(|w| w[0] < w[1]));
    }
    let _ = RevocationDelta::from_signed_bytes(&case.raw, &keys, fixtures::NOW);

    let Ok(mut list) = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, entries(&case.base))
    else {
        return;
    };
    let mut added = entries(&case.added);
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: case.from_version.into(),
        to_version: 2,
        issued_at: fixtures::NOW,
        next_update: fixtures::NOW.plus(3600),
        added: added.clone(),
    };
    if list.apply(&delta).is_ok() {
        added.extend(entries(&case.base));
        let full = RevocationList::new(fixtures::EVENT, 2, fixtures::NOW, added).ok();
        assert_eq!(Some(list), full);
    }
});
