//! Revocation lists and deltas: any bytes, and any body inside a correctly
//! signed envelope (the fuzzing tag stands for the list key's signature),
//! decode to an error or a valid sorted list that signs back to the same
//! bytes; arbitrary deltas applied to a list keep it sorted, and applying
//! equals rebuilding.
#![no_main]

use arbitrary::Arbitrary;
use eticket_core::fixtures;
use eticket_core::ids::{Generation, TicketSerial};
use eticket_core::revocation::{RevocationDelta, RevocationList, RevocationReason, Revoked};
use eticket_fuzz::{envelope, keys, list_key};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Case {
    raw: Vec<u8>,
    body: Vec<u8>,
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

fn decoders(bytes: &[u8]) {
    let key = &list_key().pair;
    if let Ok(list) = RevocationList::from_signed_bytes(bytes, keys(), fixtures::NOW) {
        assert!(list.entries().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(list.to_signed_bytes(key).ok().as_deref(), Some(bytes));
    }
    if let Ok(delta) = RevocationDelta::from_signed_bytes(bytes, keys(), fixtures::NOW) {
        assert!(delta.added.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(delta.to_signed_bytes(key).ok().as_deref(), Some(bytes));
    }
}

fuzz_target!(|case: Case| {
    decoders(&case.raw);
    decoders(&envelope(list_key().id(), &case.body));

    let Ok(mut list) = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, entries(&case.base))
    else {
        return;
    };
    let added = entries(&case.added);
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: case.from_version.into(),
        to_version: 2,
        issued_at: fixtures::NOW,
        next_update: fixtures::NOW.plus(3600),
        added: added.clone(),
    };
    let before = list.clone();
    if list.apply(&delta).is_ok() {
        // What was listed keeps its reason; the rest is added.
        let mut expected = before.entries().to_vec();
        expected.extend(
            added
                .into_iter()
                .filter(|e| !before.is_revoked(e.serial, e.generation)),
        );
        let full = RevocationList::new(fixtures::EVENT, 2, fixtures::NOW, expected)
            .ok()
            .map(|l| l.with_next_update(fixtures::NOW.plus(3600)));
        assert_eq!(Some(list), full);
    }
});
