//! Revocation lists and deltas: any bytes, and any body inside a correctly
//! signed envelope (the fuzzing tag stands for the list key's signature),
//! decode to an error or a valid sorted list that signs back to the same
//! bytes; arbitrary deltas applied to a list keep it sorted, and applying
//! equals rebuilding.
//!
//! The case also picks what the fixtures would fix: the envelope's key (the
//! list key, the ticket key, an unknown id), the verifier's time (now, or
//! past the list key's validity), and the delta's event, versions and order,
//! so that every refusal of `open` and `apply` is reachable.
#![no_main]

use arbitrary::Arbitrary;
use eticket_core::fixtures;
use eticket_core::ids::{EventId, Generation, KeyId, TicketSerial};
use eticket_core::revocation::{RevocationDelta, RevocationList, RevocationReason, Revoked};
use eticket_core::time::Timestamp;
use eticket_fuzz::{envelope, keys, list_key};
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
struct Case {
    raw: Vec<u8>,
    body: Vec<u8>,
    base: Vec<(u16, u8)>,
    added: Vec<(u16, u8)>,
    from_version: u8,
    to_version: u8,
    key: u8,
    late: bool,
    other_event: bool,
    unsorted: bool,
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

fn decoders(bytes: &[u8], now: Timestamp) {
    let key = &list_key().pair;
    if let Ok(list) = RevocationList::from_signed_bytes(bytes, keys(), now) {
        assert!(list.entries().windows(2).all(|w| w[0] < w[1]));
        assert_eq!(list.to_signed_bytes(key).ok().as_deref(), Some(bytes));
    }
    if let Ok(delta) = RevocationDelta::from_signed_bytes(bytes, keys(), now) {
        assert!(delta.added.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(delta.to_signed_bytes(key).ok().as_deref(), Some(bytes));
    }
}

fuzz_target!(|case: Case| {
    let now = if case.late {
        Timestamp(fixtures::NOW.0 + 400 * 86_400)
    } else {
        fixtures::NOW
    };
    let key = match case.key % 3 {
        0 => list_key().id(),
        1 => fixtures::TICKET_KEY,
        _ => KeyId(99),
    };
    decoders(&case.raw, now);
    decoders(&envelope(key, &case.body), now);

    let Ok(mut list) = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, entries(&case.base))
    else {
        return;
    };
    let mut added = entries(&case.added);
    if case.unsorted {
        added.reverse();
    }
    let delta = RevocationDelta {
        event: if case.other_event {
            EventId(fixtures::EVENT.0 + 1)
        } else {
            fixtures::EVENT
        },
        from_version: case.from_version.into(),
        to_version: case.to_version.into(),
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
        let full = RevocationList::new(fixtures::EVENT, delta.to_version, fixtures::NOW, expected)
            .ok()
            .map(|l| l.with_next_update(fixtures::NOW.plus(3600)));
        assert_eq!(Some(list), full);
    }
});
