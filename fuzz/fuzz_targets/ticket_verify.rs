//! Any bytes as a signed ticket: verification and the whole admission decision
//! must return a result, never panic. In the fuzzing build the fuzzing tag
//! stands for a valid signature, so seeds carrying it (`fuzz/seeds.sh`) reach
//! the body decoder and every admission check behind it.
//!
//! The first byte picks the gate's context, so that every refusal is
//! reachable: bits 0-1 the time, bits 2-4 the key set (the fixture's, or its
//! ticket key retired, out of scope, of another purpose, missing, expired,
//! or for all events), bit 5 whether the gate knows the seat master, bit 6 whether it
//! admits specimens, bit 7 a revocation list of another event (no context).
//! The rest is the ticket.
#![no_main]

use std::sync::OnceLock;

use eticket_core::admission::{GateContext, PlaceIndex, Presented, decide};
use eticket_core::fixtures;
use eticket_core::ids::{ChipId, EventId, Generation, TicketSerial};
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet};
use eticket_core::revocation::{RevocationList, RevocationReason, Revoked};
use eticket_core::time::Timestamp;
use eticket_fuzz::{event, keys};
use libfuzzer_sys::fuzz_target;

/// The fixture list: serials 127 to 130, generation 0, one per reason
/// (the seeds carry tickets with these serials).
fn revoked() -> &'static [RevocationList; 2] {
    static LISTS: OnceLock<[RevocationList; 2]> = OnceLock::new();
    LISTS.get_or_init(|| {
        let reasons = [
            RevocationReason::Revoked,
            RevocationReason::Replaced,
            RevocationReason::Transferred,
            RevocationReason::EventCancelled,
        ];
        let entries: Vec<Revoked> = reasons
            .into_iter()
            .zip(127..)
            .map(|(reason, serial)| Revoked {
                serial: TicketSerial(serial),
                generation: Generation(0),
                reason,
            })
            .collect();
        let list = |event| {
            RevocationList::new(event, 1, fixtures::NOW, entries.clone())
                .expect("a four-entry list")
                .with_next_update(fixtures::NOW.plus(3600))
        };
        [list(fixtures::EVENT), list(EventId(fixtures::EVENT.0 + 1))]
    })
}

/// The fixture key set with its ticket key changed by `change` (removed
/// when `change` gives `None`).
fn variant(change: fn(KeyEntry) -> Option<KeyEntry>) -> KeySet {
    let entries = keys()
        .entries()
        .iter()
        .cloned()
        .filter_map(|e| {
            if e.id == fixtures::TICKET_KEY {
                change(e)
            } else {
                Some(e)
            }
        })
        .collect();
    KeySet::new(keys().version, entries).expect("a fixture key set variant")
}

/// The fixture key set and six variants of its ticket key.
fn key_sets() -> &'static [KeySet; 7] {
    static SETS: OnceLock<[KeySet; 7]> = OnceLock::new();
    SETS.get_or_init(|| {
        [
            keys().clone(),
            variant(|e| Some(KeyEntry { retired: true, ..e })),
            variant(|e| {
                Some(KeyEntry {
                    scope: KeyScope::Events(vec![EventId(1)]),
                    ..e
                })
            }),
            variant(|e| {
                Some(KeyEntry {
                    purpose: KeyPurpose::Lists,
                    ..e
                })
            }),
            variant(|_| None),
            variant(|e| {
                Some(KeyEntry {
                    not_after: fixtures::NOW.minus(60),
                    ..e
                })
            }),
            // For every event: another event's ticket reaches the gate's
            // own event check.
            variant(|e| {
                Some(KeyEntry {
                    scope: KeyScope::AllEvents,
                    ..e
                })
            }),
        ]
    })
}

fn places() -> &'static PlaceIndex {
    static INDEX: OnceLock<PlaceIndex> = OnceLock::new();
    INDEX.get_or_init(|| PlaceIndex::new(&event().seats))
}

/// Times around the fixture tickets' window (doors minus two hours, twelve
/// hours long, issued thirty days before `NOW`).
const TIMES: [Timestamp; 4] = [
    fixtures::NOW,
    Timestamp(fixtures::NOW.0 - 40 * 86_400),
    Timestamp(fixtures::NOW.0 + 86_400),
    Timestamp(fixtures::NOW.0 + 400 * 86_400),
];

fuzz_target!(|data: &[u8]| {
    let Some((&pick, ticket)) = data.split_first() else {
        return;
    };
    let now = TIMES[usize::from(pick & 3)];
    let keys = &key_sets()[usize::from(pick >> 2 & 7) % 7];
    let list = &revoked()[usize::from(pick >> 7)];
    let Ok(mut ctx) = GateContext::new(event(), keys, list, now) else {
        return;
    };
    ctx.places = (pick & 0x20 != 0).then(places);
    ctx.accept_specimen = pick & 0x40 != 0;
    if let Ok(v) = eticket_core::ticket::verify(ticket, keys, now) {
        // Strict decoding: one encoding per body.
        let peeked = eticket_core::ticket::peek(ticket).expect("a verified ticket peeks");
        assert_eq!(peeked, v.body);
    }
    for presented in [
        Presented::Paper,
        Presented::Chip(fixtures::CHIP),
        Presented::Chip(ChipId([0; 16])),
    ] {
        let d = decide(ticket, presented, &ctx);
        if d.is_admit() {
            assert!(d.reason().is_none());
        }
    }
});
