//! The attack matrix: every way to get in without a valid ticket of one's own
//! is refused, each with its own reason, and every attempt is logged.

mod common;

use common::*;
use eticket_core::admission::Reason;
use std::sync::Arc;
use std::time::Duration;

use eticket_core::chipauth::{CHALLENGE_LEN, GateChallenge, verify_answer};
use eticket_core::crypto::SIGNATURE_LEN;
use eticket_core::fixtures;
use eticket_core::ids::{EventId, GateId, Generation, KeyId, TicketSerial};
use eticket_core::keys::{KeyScope, KeySet, SigningKeyPair};
use eticket_core::revocation::{RevocationList, Revoked};
use eticket_core::ticket::{Flags, Holder, Place, TicketBody};
use eticket_gate::chip::{ChipIdentity, PresentedChip, TestCard};
use eticket_gate::clock::ManualMonotonic;
use eticket_gate::record::{Direction, Medium, ScanResult};
use eticket_gate::{Error, Outcome, PassbackPolicy, Refusal, Verdict};

fn refused(outcome: &Outcome) -> Refusal {
    match &outcome.verdict {
        Verdict::Refused { refusal, .. } => *refusal,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn ticket(r: Reason) -> Refusal {
    Refusal::Ticket(r)
}

#[test]
fn a_valid_chip_ticket_is_admitted_with_guidance() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut card = card_with_ticket(1);
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    let g = out.guidance().expect("admitted");
    assert_eq!(g.gate, "Gate 1 (North)");
    assert_eq!(g.section, "Block A");
    assert_eq!(g.row.as_deref(), Some("C"));
    assert_eq!(g.seat, Some(7));
    assert!(
        out.to_string()
            .starts_with("ADMIT  Gate 1 (North) · Block A · row C · seat 7")
    );
    assert_eq!(out.record.medium, Medium::Chip(card.id()));
    assert_eq!(out.record.result, ScanResult::Admitted { entry: 1 });
}

#[test]
fn forged_ticket() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    // The attacker signs with its own key under the center's key id.
    let fake = SigningKeyPair::from_secret_bytes(fixtures::TICKET_KEY, &[0x66; 32]).unwrap();
    let bytes = fixtures::paper_ticket(TicketSerial(1)).sign(&fake).unwrap();
    let out = gate.admit_paper(bytes.as_bytes(), fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Forged));
}

#[test]
fn tampered_ticket() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut card = TestCard::generate();
    let mut bytes = sign(&chip_ticket_for(&card, 1)).into_bytes();
    // Change a byte of the body (after the 3-byte header): say, the seat.
    bytes[10] ^= 0x01;
    card.store_bytes(bytes);
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Forged));
}

#[test]
fn unknown_key() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let other = SigningKeyPair::from_secret_bytes(KeyId(77), &[0x11; 32]).unwrap();
    let bytes = fixtures::paper_ticket(TicketSerial(1))
        .sign(&other)
        .unwrap();
    let out = gate.admit_paper(bytes.as_bytes(), fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::UnknownKey));
}

#[test]
fn retired_key() {
    let mut keys = fixtures::key_set();
    keys.retire(fixtures::TICKET_KEY).unwrap();
    let v = venue_with(PassbackPolicy::SingleEntry, keys, fresh_list());
    let mut gate = v.gate(1);
    let out = gate
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(refused(&out), ticket(Reason::KeyRetired));
}

/// A key set whose ticket key may sign for every event, so that a ticket for
/// another event verifies and is refused for its event, not for its key.
fn keys_for_all_events() -> KeySet {
    let entries = fixtures::key_set()
        .entries()
        .iter()
        .cloned()
        .map(|mut e| {
            e.scope = KeyScope::AllEvents;
            e
        })
        .collect();
    KeySet::new(2, entries).unwrap()
}

#[test]
fn wrong_event() {
    let v = venue_with(
        PassbackPolicy::SingleEntry,
        keys_for_all_events(),
        fresh_list(),
    );
    let mut gate = v.gate(1);
    let mut card = TestCard::generate();
    let body = TicketBody {
        event: EventId(999),
        ..chip_ticket_for(&card, 1)
    };
    card.store(&sign(&body));
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::WrongEvent));
}

#[test]
fn not_yet_valid_and_expired_respect_the_clock_skew() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let body = fixtures::paper_ticket(TicketSerial(1));
    let bytes = sign(&body);
    let skew = v.unit.settings().clock_skew;
    let early = body.valid_from.minus(skew + 1);
    let out = gate.admit_paper(bytes.as_bytes(), early).unwrap();
    assert_eq!(refused(&out), ticket(Reason::NotYetValid));
    let late = body.valid_until().plus(skew + 1);
    let out = gate.admit_paper(bytes.as_bytes(), late).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Expired));
    // Within the skew at either end: admitted (once).
    let just_early = body.valid_from.minus(skew);
    assert!(
        gate.admit_paper(bytes.as_bytes(), just_early)
            .unwrap()
            .is_admitted()
    );
}

#[test]
fn revoked_ticket() {
    let list = RevocationList::new(
        fixtures::EVENT,
        1,
        fixtures::NOW,
        vec![Revoked {
            serial: TicketSerial(1),
            generation: Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }],
    )
    .unwrap();
    let v = venue_with(PassbackPolicy::SingleEntry, fixtures::key_set(), list);
    let mut gate = v.gate(1);
    let mut card = card_with_ticket(1);
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Revoked));
}

#[test]
fn old_generation_after_a_transfer() {
    // Alice's ticket was transferred to Bob: generation 1 on Bob's card,
    // generation 0 revoked. Alice's card still holds generation 0.
    let mut alice = card_with_ticket(1);
    let mut bob = TestCard::generate();
    bob.store(&sign(&TicketBody {
        generation: Generation(1),
        ..chip_ticket_for(&bob, 1)
    }));
    let list = RevocationList::new(
        fixtures::EVENT,
        1,
        fixtures::NOW,
        vec![Revoked {
            serial: TicketSerial(1),
            generation: Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }],
    )
    .unwrap();
    let v = venue_with(PassbackPolicy::SingleEntry, fixtures::key_set(), list);
    let mut gate = v.gate(1);
    let out = gate.admit_chip(&mut alice, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Revoked));
    let out = gate.admit_chip(&mut bob, fixtures::NOW).unwrap();
    assert!(out.is_admitted(), "{out}");
}

#[test]
fn payload_copied_onto_another_chip() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let owner = card_with_ticket(1);
    let mut thief = TestCard::generate();
    for bytes in owner.clone().tickets().unwrap() {
        thief.store_bytes(bytes);
    }
    let out = gate.admit_chip(&mut thief, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::WrongChip));
}

#[test]
fn paper_copy_scanned_twice_even_at_another_gate() {
    let v = venue(PassbackPolicy::ReentryAfterExit);
    let mut north = v.gate(1);
    let mut east = v.gate(2);
    let bytes = paper(1);
    let first = north.admit_paper(bytes.as_bytes(), fixtures::NOW).unwrap();
    assert!(first.is_admitted());
    // Even after an exit scan: a paper copy cannot be told from the original.
    north
        .exit_paper(bytes.as_bytes(), fixtures::NOW.plus(60))
        .unwrap();
    let copy = east
        .admit_paper(bytes.as_bytes(), fixtures::NOW.plus(120))
        .unwrap();
    assert_eq!(refused(&copy), Refusal::PaperAlreadyUsed);
    match &copy.verdict {
        Verdict::Refused {
            previous: Some(p), ..
        } => assert_eq!(p.gate, eticket_core::ids::GateId(1)),
        other => panic!("{other:?}"),
    }
}

/// A card that records the answers a real card gives, then presents itself as
/// that card and replays a recorded answer to every new challenge.
struct Replayer {
    victim: TestCard,
    recorded: Option<[u8; SIGNATURE_LEN]>,
    replaying: bool,
}

impl PresentedChip for Replayer {
    fn identity(&mut self) -> eticket_gate::Result<ChipIdentity> {
        self.victim.identity()
    }
    fn tickets(&mut self) -> eticket_gate::Result<Vec<Vec<u8>>> {
        self.victim.tickets()
    }
    fn answer(&mut self, c: &[u8; CHALLENGE_LEN]) -> eticket_gate::Result<[u8; SIGNATURE_LEN]> {
        match (self.replaying, self.recorded) {
            (true, Some(old)) => Ok(old),
            _ => {
                let a = self.victim.answer(c)?;
                self.recorded = Some(a);
                Ok(a)
            }
        }
    }
}

#[test]
fn replayed_challenge_answer() {
    let v = venue(PassbackPolicy::ReentryAfterExit);
    let mut gate = v.gate(1);
    let mut relay = Replayer {
        victim: card_with_ticket(1),
        recorded: None,
        replaying: false,
    };
    // Eavesdrop one genuine exchange (it admits the real holder) ...
    assert!(
        gate.admit_chip(&mut relay, fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    gate.exit_chip(&mut relay, fixtures::NOW.plus(1)).unwrap();
    // ... then replay the answer: the gate's challenge is fresh, so it fails.
    relay.replaying = true;
    let out = gate.admit_chip(&mut relay, fixtures::NOW.plus(2)).unwrap();
    assert_eq!(refused(&out), Refusal::ChallengeFailed);
}

/// A clone: the victim's id, public key and ticket, but not its private key.
struct Clone {
    victim: ChipIdentity,
    tickets: Vec<Vec<u8>>,
    own: TestCard,
}

impl PresentedChip for Clone {
    fn identity(&mut self) -> eticket_gate::Result<ChipIdentity> {
        Ok(self.victim.clone())
    }
    fn tickets(&mut self) -> eticket_gate::Result<Vec<Vec<u8>>> {
        Ok(self.tickets.clone())
    }
    fn answer(&mut self, c: &[u8; CHALLENGE_LEN]) -> eticket_gate::Result<[u8; SIGNATURE_LEN]> {
        self.own.answer(c)
    }
}

#[test]
fn cloned_card_without_the_private_key() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut victim = card_with_ticket(1);
    let mut clone = Clone {
        victim: victim.identity().unwrap(),
        tickets: victim.tickets().unwrap(),
        own: TestCard::generate(),
    };
    let out = gate.admit_chip(&mut clone, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::ChallengeFailed);
    // The clone claiming the victim's id with its own public key fails too.
    clone.victim.public_key = clone.own.public_key().to_vec();
    let out = gate.admit_chip(&mut clone, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::ChallengeFailed);
    // The genuine card still gets in: the attempts admitted nobody.
    assert!(
        gate.admit_chip(&mut victim, fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
}

#[test]
fn wrong_medium_specimen_unknown_place_and_garbage() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    // A chip ticket printed as a QR code.
    let card = card_with_ticket(1);
    let chip_bytes = card.clone().tickets().unwrap().remove(0);
    let out = gate.admit_paper(&chip_bytes, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::WrongMedium));
    // A specimen.
    let specimen = TicketBody {
        flags: Flags::SPECIMEN,
        ..fixtures::paper_ticket(TicketSerial(2))
    };
    let out = gate
        .admit_paper(sign(&specimen).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(refused(&out), ticket(Reason::Specimen));
    // A seat the venue does not have.
    let nowhere = TicketBody {
        place: Place::Seat {
            block: eticket_core::ids::BlockId(9),
            row: 1,
            number: 1,
        },
        ..fixtures::paper_ticket(TicketSerial(3))
    };
    let out = gate
        .admit_paper(sign(&nowhere).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(refused(&out), ticket(Reason::UnknownPlace));
    // Not a ticket at all.
    let out = gate.admit_paper(&[2, 0, 1, 2], fixtures::NOW).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Malformed));
}

/// A card that fails at one step.
struct Broken(u8, TestCard);

impl PresentedChip for Broken {
    fn identity(&mut self) -> eticket_gate::Result<ChipIdentity> {
        if self.0 == 0 {
            return Err(Error::Chip("card removed".into()));
        }
        self.1.identity()
    }
    fn tickets(&mut self) -> eticket_gate::Result<Vec<Vec<u8>>> {
        if self.0 == 2 {
            return Err(Error::Chip("card removed".into()));
        }
        self.1.tickets()
    }
    fn answer(&mut self, c: &[u8; CHALLENGE_LEN]) -> eticket_gate::Result<[u8; SIGNATURE_LEN]> {
        if self.0 == 1 {
            return Err(Error::Chip("card removed".into()));
        }
        self.1.answer(c)
    }
}

#[test]
fn unreadable_and_empty_cards() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    for step in 0..3 {
        let out = gate
            .admit_chip(&mut Broken(step, card_with_ticket(1)), fixtures::NOW)
            .unwrap();
        assert_eq!(refused(&out), Refusal::ChipUnreadable, "step {step}");
    }
    let out = gate
        .admit_chip(&mut TestCard::generate(), fixtures::NOW)
        .unwrap();
    assert_eq!(refused(&out), Refusal::NoTicket);
    // After all that, the genuine card enters: failed reads admitted nobody.
    let out = gate
        .admit_chip(&mut card_with_ticket(1), fixtures::NOW)
        .unwrap();
    assert!(out.is_admitted());
}

#[test]
fn a_chip_with_tickets_for_several_events_enters_with_the_right_one() {
    let v = venue_with(
        PassbackPolicy::SingleEntry,
        keys_for_all_events(),
        fresh_list(),
    );
    let mut gate = v.gate(2);
    let mut card = TestCard::generate();
    card.store(&sign(&TicketBody {
        event: EventId(5),
        ..chip_ticket_for(&card, 1)
    }));
    card.store(&sign(&chip_ticket_for(&card, 2)));
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    assert!(out.is_admitted());
    assert_eq!(out.record.ticket.unwrap().serial, TicketSerial(2));
    // A chip with two tickets of this event admits two people, one each.
    card.store(&sign(&chip_ticket_for(&card, 3)));
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(out.record.ticket.unwrap().serial, TicketSerial(3));
    let out = gate.admit_chip(&mut card, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::AlreadyAdmitted);
}

#[test]
fn every_scan_is_logged_with_its_reason_gate_device_and_unique_id() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(2);
    let mut outcomes = vec![
        gate.admit_paper(paper(1).as_bytes(), fixtures::NOW)
            .unwrap(),
        gate.admit_paper(paper(1).as_bytes(), fixtures::NOW.plus(5))
            .unwrap(),
        gate.admit_paper(&[2, 0, 1], fixtures::NOW.plus(9)).unwrap(),
    ];
    outcomes.push(
        gate.admit_chip(&mut card_with_ticket(2), fixtures::NOW.plus(11))
            .unwrap(),
    );
    let records = v.unit.records().unwrap();
    assert_eq!(records.len(), outcomes.len());
    for (o, r) in outcomes.iter().zip(&records) {
        assert_eq!(&o.record, r);
        assert_eq!(r.gate, eticket_core::ids::GateId(2));
        assert_eq!(r.device, "device-2");
        assert_eq!(r.direction, Direction::Entry);
    }
    let ids: std::collections::BTreeSet<_> = records.iter().map(|r| r.scan_id).collect();
    assert_eq!(ids.len(), records.len());
    assert_eq!(
        records
            .iter()
            .map(|r| r.result.refusal())
            .collect::<Vec<_>>(),
        vec![
            None,
            Some(Refusal::PaperAlreadyUsed),
            Some(ticket(Reason::Malformed)),
            None
        ]
    );
    assert_eq!(records[0].at, fixtures::NOW);
    assert!(matches!(records[3].medium, Medium::Chip(_)));
    let _ = Holder::Paper;
}

#[test]
fn a_reentry_ticket_may_come_back_after_an_exit_under_single_entry() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(2);
    let mut card = TestCard::generate();
    card.store(&sign(&TicketBody {
        flags: Flags::REENTRY,
        ..chip_ticket_for(&card, 1)
    }));
    let t = fixtures::NOW;
    assert!(gate.admit_chip(&mut card, t).unwrap().is_admitted());
    assert_eq!(
        refused(&gate.admit_chip(&mut card, t.plus(1)).unwrap()),
        Refusal::StillInside
    );
    let exit = gate.exit_chip(&mut card, t.plus(2)).unwrap();
    assert!(matches!(
        exit.verdict,
        Verdict::Exited {
            was_inside: true,
            ..
        }
    ));
    assert!(gate.admit_chip(&mut card, t.plus(3)).unwrap().is_admitted());
    // An ordinary ticket at the same venue stays single entry.
    let mut plain = card_with_ticket(2);
    assert!(gate.admit_chip(&mut plain, t).unwrap().is_admitted());
    gate.exit_chip(&mut plain, t.plus(1)).unwrap();
    assert_eq!(
        refused(&gate.admit_chip(&mut plain, t.plus(2)).unwrap()),
        Refusal::AlreadyAdmitted
    );
}

#[test]
fn a_revoked_generation_cannot_check_the_new_holder_out() {
    // Alice transferred serial 1 to Bob: generation 1 on Bob's card,
    // generation 0 revoked, but still on Alice's card.
    let mut alice = card_with_ticket(1);
    let mut bob = TestCard::generate();
    bob.store(&sign(&TicketBody {
        generation: Generation(1),
        ..chip_ticket_for(&bob, 1)
    }));
    let list = RevocationList::new(
        fixtures::EVENT,
        1,
        fixtures::NOW,
        vec![Revoked {
            serial: TicketSerial(1),
            generation: Generation(0),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }],
    )
    .unwrap();
    let v = venue_with(PassbackPolicy::ReentryAfterExit, fixtures::key_set(), list);
    let mut gate = v.gate(1);
    let t = fixtures::NOW;
    assert!(gate.admit_chip(&mut bob, t).unwrap().is_admitted());
    // Alice's dead copy at the exit reader must not mark the ticket outside:
    // that would let Bob's card bring a second person in.
    let out = gate.exit_chip(&mut alice, t.plus(10)).unwrap();
    assert_eq!(refused(&out), ticket(Reason::Revoked));
    assert_eq!(out.record.result.refusal(), Some(ticket(Reason::Revoked)));
    assert!(v.unit.log().presence(TicketSerial(1)).unwrap().inside);
    let again = gate.admit_chip(&mut bob, t.plus(20)).unwrap();
    assert_eq!(refused(&again), Refusal::StillInside);
    // Bob's own exit still works, and then he may come back.
    assert!(matches!(
        gate.exit_chip(&mut bob, t.plus(30)).unwrap().verdict,
        Verdict::Exited {
            was_inside: true,
            ..
        }
    ));
    assert!(gate.admit_chip(&mut bob, t.plus(40)).unwrap().is_admitted());
}

/// A relay: the genuine card is somewhere else (in its holder's pocket, next
/// to an accomplice's reader) and every exchange crosses a link, which adds
/// `delay` on the gate's clock to the answer.
struct Relayed {
    card: TestCard,
    clock: Arc<ManualMonotonic>,
    delay: Duration,
}

impl PresentedChip for Relayed {
    fn identity(&mut self) -> eticket_gate::Result<ChipIdentity> {
        self.card.identity()
    }
    fn tickets(&mut self) -> eticket_gate::Result<Vec<Vec<u8>>> {
        self.card.tickets()
    }
    fn answer(&mut self, c: &[u8; CHALLENGE_LEN]) -> eticket_gate::Result<[u8; SIGNATURE_LEN]> {
        self.clock.advance(self.delay);
        self.card.answer(c)
    }
}

#[test]
fn a_relayed_card_is_refused_for_answering_too_slowly() {
    let v = venue(PassbackPolicy::SingleEntry);
    let clock = Arc::new(ManualMonotonic::new());
    let mut gate = v.gate(1).with_answer_clock(clock.clone());
    let mut relay = Relayed {
        card: card_with_ticket(1),
        clock: clock.clone(),
        delay: Duration::from_secs(3),
    };
    // The answer is genuine (the real card signed it) but took 3 s.
    let out = gate.admit_chip(&mut relay, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::AnswerTooSlow);
    assert_eq!(out.record.result.refusal(), Some(Refusal::AnswerTooSlow));
    let proof = out.record.chip_proof.expect("the relayed answer is kept");
    assert_eq!(proof.answer_ms, 3000);
    assert!(out.to_string().contains("answered too slowly"), "{out}");
    // An exit scan through the relay is refused the same way.
    let out = gate.exit_chip(&mut relay, fixtures::NOW.plus(1)).unwrap();
    assert_eq!(refused(&out), Refusal::AnswerTooSlow);
    // The relay admitted nobody: the card itself (300 ms) enters once.
    relay.delay = Duration::from_millis(300);
    let out = gate.admit_chip(&mut relay, fixtures::NOW.plus(5)).unwrap();
    assert!(out.is_admitted(), "{out}");
    assert_eq!(out.record.chip_proof.unwrap().answer_ms, 300);
    // Exactly at the bound is in time; a millisecond over is not.
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1).with_answer_clock(clock.clone());
    let bound = Duration::from_millis(v.unit.settings().max_answer_ms);
    let mut at_bound = Relayed {
        card: card_with_ticket(2),
        clock: clock.clone(),
        delay: bound,
    };
    assert!(
        gate.admit_chip(&mut at_bound, fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    let mut over = Relayed {
        card: card_with_ticket(3),
        clock,
        delay: bound + Duration::from_millis(1),
    };
    let out = gate.admit_chip(&mut over, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::AnswerTooSlow);
}

#[test]
fn the_record_keeps_the_challenge_bound_to_event_gate_and_time_with_the_answer() {
    let v = venue(PassbackPolicy::ReentryAfterExit);
    let mut gate = v.gate(2);
    let mut card = card_with_ticket(1);
    let t = fixtures::NOW;
    let first = gate.admit_chip(&mut card, t).unwrap();
    assert!(first.is_admitted());
    let proof = first
        .record
        .chip_proof
        .expect("a chip scan keeps its proof");
    let challenge = proof.gate_challenge();
    assert_eq!(
        (challenge.event, challenge.gate, challenge.at),
        (fixtures::EVENT, GateId(2), t)
    );
    // Anyone with the chip's public key can check the answer later, and
    // that it answered this gate, not another.
    verify_answer(
        card.id(),
        &card.public_key(),
        &proof.challenge,
        &proof.answer,
    )
    .unwrap();
    let elsewhere = GateChallenge {
        gate: GateId(1),
        ..challenge
    };
    assert!(
        verify_answer(
            card.id(),
            &card.public_key(),
            &elsewhere.to_bytes(),
            &proof.answer
        )
        .is_err()
    );
    // Every scan has its own challenge; a failed one is kept too.
    let exit = gate.exit_chip(&mut card, t.plus(9)).unwrap();
    let exit_proof = exit.record.chip_proof.unwrap();
    assert_ne!(exit_proof.challenge, proof.challenge);
    assert_eq!(exit_proof.gate_challenge().at, t.plus(9));
    let mut victim = card_with_ticket(2);
    let mut clone = Clone {
        victim: victim.identity().unwrap(),
        tickets: victim.tickets().unwrap(),
        own: TestCard::generate(),
    };
    let cloned = gate.admit_chip(&mut clone, t).unwrap();
    assert_eq!(refused(&cloned), Refusal::ChallengeFailed);
    assert!(cloned.record.chip_proof.is_some());
    // Paper has no proof. The log and the upload carry the proofs.
    let paper_scan = gate.admit_paper(paper(3).as_bytes(), t).unwrap();
    assert_eq!(paper_scan.record.chip_proof, None);
    let logged = v.unit.records().unwrap();
    assert_eq!(logged[0], first.record);
    let batch = v.unit.pending_upload("unit", 10).unwrap();
    let back = eticket_gate::UploadBatch::decode(&batch.encode().unwrap()).unwrap();
    assert_eq!(back.records[0].chip_proof, Some(proof));
    assert_eq!(back.records, logged);
}

/// A cloner makes a "chip" of their own (a software card with a key of their
/// making) and has the center's ticket written to it through a stolen write
/// path; without certificates a gate cannot tell it from a card the center
/// personalized. A venue that requires certificates refuses it, and a
/// certificate for another chip does not help.
#[test]
fn a_venue_requiring_certificates_refuses_uncertified_chips() {
    use eticket_core::certificate::ChipCertificate;
    let mut settings = eticket_gate::Settings::new(PassbackPolicy::SingleEntry);
    settings.require_certificate = true;
    let v = venue_with_settings(settings, fixtures::key_set(), fresh_list());
    let mut gate = v.gate(1);
    let grant = fixtures::grant_key();

    let mut homemade = card_with_ticket(1);
    let out = gate.admit_chip(&mut homemade, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::ChipNotCertified);
    assert!(
        out.to_string()
            .contains("not issued by the ticket platform"),
        "{out}"
    );

    // Someone else's certificate on the home-made chip.
    let genuine = card_with_ticket(2);
    let cert_of_other = ChipCertificate::new(
        eticket_core::crypto::PublicKey::from_sec1(&genuine.public_key()).unwrap(),
        fixtures::NOW,
    )
    .to_signed_bytes(&grant)
    .unwrap();
    homemade.set_certificate(cert_of_other);
    let out = gate.admit_chip(&mut homemade, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::ChipNotCertified);

    // A certificate signed by a key that is not the center's grant key.
    let mut forged = card_with_ticket(3);
    let rogue = SigningKeyPair::from_secret_bytes(KeyId(77), &[0x77; 32]).unwrap();
    let own = |c: &TestCard| eticket_core::crypto::PublicKey::from_sec1(&c.public_key()).unwrap();
    forged.set_certificate(
        ChipCertificate::new(own(&forged), fixtures::NOW)
            .to_signed_bytes(&rogue)
            .unwrap(),
    );
    let out = gate.admit_chip(&mut forged, fixtures::NOW).unwrap();
    assert_eq!(refused(&out), Refusal::ChipNotCertified);

    // The center's certificate for this very chip: admitted.
    let mut certified = card_with_ticket(4);
    certified.set_certificate(
        ChipCertificate::new(own(&certified), fixtures::NOW)
            .to_signed_bytes(&grant)
            .unwrap(),
    );
    assert!(
        gate.admit_chip(&mut certified, fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    // Without the requirement the home-made chip would have entered.
    let v = venue(PassbackPolicy::SingleEntry);
    let mut lax = v.gate(1);
    assert!(
        lax.admit_chip(&mut card_with_ticket(5), fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
}

/// A valid ticket scanned at a gate its place is not reached through (c59):
/// admitted and flagged with the right gate by default, refused where the
/// venue says so; either way the steward is told, never silently admitted.
#[test]
fn a_ticket_at_the_wrong_gate_is_flagged_or_refused() {
    // Fixture: Block A is through gate 1, Block B through gate 2.
    let v = venue(PassbackPolicy::SingleEntry);
    let mut at_gate_2 = v.gate(2);
    let out = at_gate_2
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert!(out.is_admitted(), "{out}");
    let right = out.wrong_gate().expect("flagged").to_string();
    let shown = out.to_string();
    assert!(shown.starts_with("ADMIT  WRONG GATE, send on: "), "{shown}");
    // The right gate is named once.
    let gate = out.wrong_gate().unwrap().to_owned();
    assert_eq!(shown.matches(gate.as_str()).count(), 1, "{shown}");
    assert!(out.to_string().contains(&right), "{out}");
    let mut at_gate_1 = v.gate(1);
    let out = at_gate_1
        .admit_paper(paper(2).as_bytes(), fixtures::NOW)
        .unwrap();
    assert!(out.is_admitted() && out.wrong_gate().is_none(), "{out}");

    let mut settings = eticket_gate::Settings::new(PassbackPolicy::SingleEntry);
    settings.wrong_gate = eticket_gate::WrongGatePolicy::Refuse;
    let strict = venue_with_settings(settings, fixtures::key_set(), fresh_list());
    let out = strict
        .gate(2)
        .admit_paper(paper(3).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(refused(&out), Refusal::WrongGate);
    // Refused, not used up: at the right gate it enters.
    let out = strict
        .gate(1)
        .admit_paper(paper(3).as_bytes(), fixtures::NOW.plus(60))
        .unwrap();
    assert!(out.is_admitted(), "{out}");
}
