//! The admission decision against every refusal reason, and its guidance.

use eticket_core::admission::{Decision, GateContext, Presented, Reason, decide};
use eticket_core::event::EventInfo;
use eticket_core::fixtures::{self, CHIP, NOW};
use eticket_core::ids::*;
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet, SigningKeyPair};
use eticket_core::revocation::{RevocationList, Revoked};
use eticket_core::ticket::{Flags, TicketBody};
use eticket_core::time::Timestamp;

struct Gate {
    event: EventInfo,
    keys: KeySet,
    revoked: RevocationList,
    now: Timestamp,
}

impl Gate {
    fn new() -> Self {
        let event = fixtures::small_event();
        let revoked = RevocationList::empty(event.id);
        Self {
            event,
            keys: fixtures::key_set(),
            revoked,
            now: NOW,
        }
    }

    fn decide(&self, body: &TicketBody, presented: Presented) -> Decision {
        self.decide_bytes(fixtures_sign(body).as_slice(), presented)
    }

    fn decide_bytes(&self, bytes: &[u8], presented: Presented) -> Decision {
        let ctx = GateContext::new(&self.event, &self.keys, &self.revoked, self.now).unwrap();
        decide(bytes, presented, &ctx)
    }
}

fn fixtures_sign(body: &TicketBody) -> Vec<u8> {
    body.sign(&fixtures::ticket_key()).unwrap().into_bytes()
}

fn chip_ticket() -> TicketBody {
    fixtures::chip_ticket(TicketSerial(5))
}

#[test]
fn admits_a_valid_chip_ticket_with_guidance() {
    let d = Gate::new().decide(&chip_ticket(), Presented::Chip(CHIP));
    let Decision::Admit { guidance, ticket } = d else {
        panic!("{d:?}")
    };
    assert_eq!(ticket.body.serial, TicketSerial(5));
    assert_eq!(guidance.gate, "Gate 1 (North)");
    assert_eq!(guidance.section, "Block A");
    assert_eq!(guidance.row.as_deref(), Some("C"));
    assert_eq!(guidance.seat, Some(7));
    assert!(guidance.to_string().contains("stairs on the left"));
}

#[test]
fn admits_paper_and_area_tickets() {
    let gate = Gate::new();
    assert!(
        gate.decide(&fixtures::paper_ticket(TicketSerial(9)), Presented::Paper)
            .is_admit()
    );
    let area = TicketBody {
        place: eticket_core::ticket::Place::Area(AreaId(1)),
        seat_type: fixtures::STANDING,
        ..chip_ticket()
    };
    let Decision::Admit { guidance, .. } = gate.decide(&area, Presented::Chip(CHIP)) else {
        panic!()
    };
    assert_eq!(guidance.section, "Standing Area");
    assert_eq!(guidance.row, None);
}

#[test]
fn forged_and_tampered() {
    let gate = Gate::new();
    let mut bytes = fixtures_sign(&chip_ticket());
    bytes[12] ^= 4;
    assert_eq!(
        gate.decide_bytes(&bytes, Presented::Chip(CHIP)).reason(),
        Some(Reason::Forged)
    );
    let mut bytes = fixtures_sign(&chip_ticket());
    let n = bytes.len();
    bytes[n - 20] ^= 1;
    assert_eq!(
        gate.decide_bytes(&bytes, Presented::Chip(CHIP)).reason(),
        Some(Reason::Forged)
    );
}

#[test]
fn unknown_key_and_a_key_signing_for_someone_else() {
    let gate = Gate::new();
    // A forger's key with the ticket key's id: a forged signature.
    let impostor = SigningKeyPair::from_secret_bytes(fixtures::TICKET_KEY, &[0x77; 32]).unwrap();
    let bytes = chip_ticket().sign(&impostor).unwrap().into_bytes();
    assert_eq!(
        gate.decide_bytes(&bytes, Presented::Chip(CHIP)).reason(),
        Some(Reason::Forged)
    );
    let stranger = SigningKeyPair::from_secret_bytes(KeyId(42), &[0x77; 32]).unwrap();
    let bytes = chip_ticket().sign(&stranger).unwrap().into_bytes();
    assert_eq!(
        gate.decide_bytes(&bytes, Presented::Chip(CHIP)).reason(),
        Some(Reason::UnknownKey)
    );
}

#[test]
fn retired_expired_and_out_of_scope_keys() {
    let mut gate = Gate::new();
    gate.keys.retire(fixtures::TICKET_KEY).unwrap();
    assert_eq!(
        gate.decide(&chip_ticket(), Presented::Chip(CHIP)).reason(),
        Some(Reason::KeyRetired)
    );

    let mut gate = Gate::new();
    gate.now = NOW.plus(200 * 86_400);
    let body = TicketBody {
        valid_from: gate.now,
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&body, Presented::Chip(CHIP)).reason(),
        Some(Reason::KeyNotValid)
    );

    let mut gate = Gate::new();
    let k = fixtures::ticket_key();
    gate.keys = KeySet::new(
        2,
        vec![KeyEntry {
            id: k.id(),
            public: k.public_key(),
            purpose: KeyPurpose::Tickets,
            not_before: Timestamp(0),
            not_after: Timestamp(u64::MAX),
            scope: KeyScope::Events(vec![EventId(1)]),
            retired: false,
        }],
    )
    .unwrap();
    assert_eq!(
        gate.decide(&chip_ticket(), Presented::Chip(CHIP)).reason(),
        Some(Reason::KeyOutOfScope)
    );
}

#[test]
fn wrong_event() {
    let mut gate = Gate::new();
    gate.keys = KeySet::new(
        1,
        vec![{
            let mut e = fixtures::key_set()
                .get(fixtures::TICKET_KEY)
                .unwrap()
                .clone();
            e.scope = KeyScope::AllEvents;
            e
        }],
    )
    .unwrap();
    let body = TicketBody {
        event: EventId(1),
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&body, Presented::Chip(CHIP)).reason(),
        Some(Reason::WrongEvent)
    );
}

#[test]
fn validity_window_with_clock_skew() {
    let gate = Gate::new();
    let early = TicketBody {
        valid_from: NOW.plus(121),
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&early, Presented::Chip(CHIP)).reason(),
        Some(Reason::NotYetValid)
    );
    let within_skew = TicketBody {
        valid_from: NOW.plus(120),
        ..chip_ticket()
    };
    assert!(gate.decide(&within_skew, Presented::Chip(CHIP)).is_admit());
    let late = TicketBody {
        valid_from: NOW.minus(1000),
        valid_for: 1000 - 121,
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&late, Presented::Chip(CHIP)).reason(),
        Some(Reason::Expired)
    );
}

#[test]
fn revoked_and_old_generation() {
    let mut gate = Gate::new();
    gate.revoked = RevocationList::new(
        fixtures::EVENT,
        2,
        NOW,
        vec![Revoked {
            serial: TicketSerial(5),
            generation: Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }],
    )
    .unwrap();
    assert_eq!(
        gate.decide(&chip_ticket(), Presented::Chip(CHIP)).reason(),
        Some(Reason::Revoked)
    );
    let next = TicketBody {
        generation: Generation(1),
        ..chip_ticket()
    };
    assert!(gate.decide(&next, Presented::Chip(CHIP)).is_admit());
}

/// Each revocation reason on the list is the reason the gate gives, and a
/// list carrying reasons survives signing and a delta.
#[test]
fn the_list_says_why() {
    use eticket_core::revocation::{RevocationDelta, RevocationReason as Why};
    for (why, reason) in [
        (Why::Revoked, Reason::Revoked),
        (Why::Replaced, Reason::Replaced),
        (Why::Transferred, Reason::Transferred),
        (Why::EventCancelled, Reason::EventCancelled),
    ] {
        let mut gate = Gate::new();
        let list = RevocationList::new(
            fixtures::EVENT,
            2,
            NOW,
            vec![Revoked {
                serial: TicketSerial(5),
                generation: Generation(0),
                reason: why,
            }],
        )
        .unwrap();
        let signed = list.to_signed_bytes(&fixtures::list_key()).unwrap();
        gate.revoked =
            RevocationList::from_signed_bytes(&signed, &fixtures::key_set(), NOW).unwrap();
        assert_eq!(
            gate.revoked.reason(TicketSerial(5), Generation(0)),
            Some(why)
        );
        assert_eq!(
            gate.decide(&chip_ticket(), Presented::Chip(CHIP)).reason(),
            Some(reason)
        );
        assert!(!reason.steward_text().is_empty());
    }
    // A delta listing a generation again keeps the first reason.
    let mut list = RevocationList::new(
        fixtures::EVENT,
        1,
        NOW,
        vec![Revoked {
            serial: TicketSerial(5),
            generation: Generation(0),
            reason: Why::Replaced,
        }],
    )
    .unwrap();
    list.apply(&RevocationDelta {
        event: fixtures::EVENT,
        from_version: 1,
        to_version: 2,
        issued_at: NOW,
        next_update: NOW.plus(60),
        added: vec![Revoked {
            serial: TicketSerial(5),
            generation: Generation(0),
            reason: Why::EventCancelled,
        }],
    })
    .unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(
        list.reason(TicketSerial(5), Generation(0)),
        Some(Why::Replaced)
    );
    // Two reasons for one generation in one list: not canonical.
    let twice = RevocationList::new(
        fixtures::EVENT,
        1,
        NOW,
        vec![
            Revoked {
                serial: TicketSerial(5),
                generation: Generation(0),
                reason: Why::Replaced,
            },
            Revoked {
                serial: TicketSerial(5),
                generation: Generation(0),
                reason: Why::Revoked,
            },
        ],
    )
    .unwrap();
    assert_eq!(twice.len(), 1, "kept once");
    // A replaced generation shown after its window, and after its key
    // expired: still "replaced" (update the card), not "expired" or a key
    // problem, so the holder of a postponed event's old ticket knows what
    // to do.
    let mut gate = Gate::new();
    gate.revoked = RevocationList::new(
        fixtures::EVENT,
        1,
        NOW,
        vec![Revoked {
            serial: TicketSerial(5),
            generation: Generation(0),
            reason: Why::Replaced,
        }],
    )
    .unwrap();
    let old = chip_ticket();
    gate.now = old.valid_until().plus(3600);
    assert_eq!(
        gate.decide(&old, Presented::Chip(CHIP)).reason(),
        Some(Reason::Replaced)
    );
    gate.now = NOW.plus(200 * 86_400);
    assert_eq!(
        gate.decide(&old, Presented::Chip(CHIP)).reason(),
        Some(Reason::Replaced),
        "past the key's validity too"
    );
    // Without a list entry, the key refusal stands.
    let other = TicketBody {
        serial: TicketSerial(6),
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&other, Presented::Chip(CHIP)).reason(),
        Some(Reason::KeyNotValid)
    );
    gate.revoked = twice;
    assert!(
        gate.decide(&chip_ticket(), Presented::Chip(CHIP))
            .reason()
            .is_some()
    );
}

#[test]
fn holder_and_medium() {
    let gate = Gate::new();
    assert_eq!(
        gate.decide(&chip_ticket(), Presented::Chip(ChipId([9; 16])))
            .reason(),
        Some(Reason::WrongChip)
    );
    assert_eq!(
        gate.decide(&chip_ticket(), Presented::Paper).reason(),
        Some(Reason::WrongMedium)
    );
    assert_eq!(
        gate.decide(
            &fixtures::paper_ticket(TicketSerial(1)),
            Presented::Chip(CHIP)
        )
        .reason(),
        Some(Reason::WrongMedium)
    );
}

#[test]
fn specimen_and_unknown_place() {
    let gate = Gate::new();
    let specimen = TicketBody {
        flags: Flags::SPECIMEN,
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&specimen, Presented::Chip(CHIP)).reason(),
        Some(Reason::Specimen)
    );
    let nowhere = TicketBody {
        place: eticket_core::ticket::Place::Seat {
            block: BlockId(99),
            row: 1,
            number: 1,
        },
        ..chip_ticket()
    };
    assert_eq!(
        gate.decide(&nowhere, Presented::Chip(CHIP)).reason(),
        Some(Reason::UnknownPlace)
    );
}

#[test]
fn malformed_and_version() {
    let gate = Gate::new();
    // Text is not another version of the format: malformed.
    assert_eq!(
        gate.decide_bytes(b"hello", Presented::Paper).reason(),
        Some(Reason::Malformed)
    );
    // A first byte that could be a version (version 1, or a later one).
    let mut old = fixtures::paper_ticket(TicketSerial(1))
        .sign(&fixtures::ticket_key())
        .unwrap()
        .as_bytes()
        .to_vec();
    for v in [1, 3] {
        old[0] = v;
        assert_eq!(
            gate.decide_bytes(&old, Presented::Paper).reason(),
            Some(Reason::UnsupportedVersion)
        );
    }
    assert_eq!(
        gate.decide_bytes(&[], Presented::Paper).reason(),
        Some(Reason::Malformed)
    );
    assert_eq!(
        gate.decide_bytes(&[1; 300], Presented::Paper).reason(),
        Some(Reason::Malformed)
    );
}

#[test]
fn a_revocation_list_for_another_event_is_refused() {
    let event = fixtures::small_event();
    let keys = fixtures::key_set();
    let other = RevocationList::empty(EventId(1));
    assert!(GateContext::new(&event, &keys, &other, NOW).is_err());
}

/// Signed tickets the event cannot have: a seat the seat master lacks (only
/// its block exists), a seat type the event does not define or that is not
/// the seat's, and an issued-at in the future beyond the clock skew. Each is
/// refused with its own reason once the gate indexes the seats.
#[test]
fn tickets_the_event_cannot_have_are_refused() {
    use eticket_core::admission::{GateContext, PlaceIndex, decide};
    use eticket_core::ticket::Place;
    let event = fixtures::small_event();
    let keys = fixtures::key_set();
    let list =
        eticket_core::revocation::RevocationList::new(event.id, 0, fixtures::NOW, vec![]).unwrap();
    let index = PlaceIndex::new(&event.seats);
    let mut ctx = GateContext::new(&event, &keys, &list, fixtures::NOW).unwrap();
    ctx.places = Some(&index);
    let paper = |body: TicketBody| {
        let t = body.sign(&fixtures::ticket_key()).unwrap();
        decide(t.as_bytes(), Presented::Paper, &ctx).reason()
    };
    let good = fixtures::paper_ticket(TicketSerial(1));
    assert_eq!(paper(good.clone()), None);
    let Place::Seat { block, .. } = good.place else {
        panic!("a seat ticket")
    };
    assert_eq!(
        paper(TicketBody {
            place: Place::Seat {
                block,
                row: 900,
                number: 900
            },
            ..good.clone()
        }),
        Some(Reason::UnknownPlace)
    );
    assert_eq!(
        paper(TicketBody {
            seat_type: eticket_core::ids::SeatType(99),
            ..good.clone()
        }),
        Some(Reason::UnknownSeatType)
    );
    assert_eq!(
        paper(TicketBody {
            seat_type: fixtures::STANDING,
            ..good.clone()
        }),
        Some(Reason::UnknownSeatType)
    );
    assert_eq!(
        paper(TicketBody {
            issued_at: fixtures::NOW.plus(3600),
            ..good.clone()
        }),
        Some(Reason::IssuedInFuture)
    );
    assert_eq!(
        paper(TicketBody {
            issued_at: fixtures::NOW.plus(60),
            ..good
        }),
        None,
        "within the clock skew"
    );
}
