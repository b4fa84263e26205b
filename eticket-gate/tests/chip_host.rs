//! Admission of chips through eticket-chip's host API: the real applet (in
//! process), its APDUs, its own key answering the gate's challenge.

mod common;

use common::*;
use eticket_chip::host::{Chip, FnTransport, InProcessCard, Transport};
use eticket_core::admission::Reason;
use eticket_core::fixtures;
use eticket_gate::{PassbackPolicy, Refusal};

#[test]
fn a_real_applet_is_admitted_once_with_guidance() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut chip = Chip::connect(InProcessCard::from_seed(b"gate chip 1")).unwrap();
    issue_to_chip(&mut chip, 11, 0);
    let out = gate.admit_chip(&mut chip, fixtures::NOW).unwrap();
    assert!(out.is_admitted(), "{out}");
    assert_eq!(out.guidance().unwrap().section, "Block A");
    let again = v
        .gate(2)
        .admit_chip(&mut chip, fixtures::NOW.plus(5))
        .unwrap();
    assert_eq!(again.refusal(), Some(Refusal::AlreadyAdmitted));
}

#[test]
fn a_chip_with_two_tickets_admits_two_people_once_each() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut chip = Chip::connect(InProcessCard::from_seed(b"gate chip 2")).unwrap();
    issue_to_chip(&mut chip, 21, 0);
    issue_to_chip(&mut chip, 22, 1);
    let first = gate.admit_chip(&mut chip, fixtures::NOW).unwrap();
    let second = gate.admit_chip(&mut chip, fixtures::NOW).unwrap();
    assert!(first.is_admitted() && second.is_admitted());
    assert_ne!(first.record.ticket, second.record.ticket);
    assert_eq!(
        gate.admit_chip(&mut chip, fixtures::NOW).unwrap().refusal(),
        Some(Refusal::AlreadyAdmitted)
    );
}

/// A reader that relays to a genuine chip but can swap the chip's answer to
/// INTERNAL AUTHENTICATE for one it recorded earlier: a replay through a
/// tampered reader.
struct TamperingReader {
    card: InProcessCard,
    recorded: Option<Vec<u8>>,
    replay: bool,
}

impl Transport for TamperingReader {
    fn transmit(&mut self, apdu: &[u8]) -> eticket_chip::Result<Vec<u8>> {
        let answer = self.card.transmit(apdu)?;
        if apdu.get(1) == Some(&0x88) {
            if let (true, Some(old)) = (self.replay, &self.recorded) {
                return Ok(old.clone());
            }
            self.recorded = Some(answer.clone());
        }
        Ok(answer)
    }
}

#[test]
fn a_replayed_answer_through_a_tampering_reader_is_refused() {
    let v = venue(PassbackPolicy::ReentryAfterExit);
    let mut gate = v.gate(1);
    let mut chip = Chip::connect(TamperingReader {
        card: InProcessCard::from_seed(b"gate chip 3"),
        recorded: None,
        replay: false,
    })
    .unwrap();
    issue_to_chip(&mut chip, 31, 0);
    assert!(
        gate.admit_chip(&mut chip, fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    gate.exit_chip(&mut chip, fixtures::NOW.plus(1)).unwrap();
    chip.transport_mut().replay = true;
    let out = gate.admit_chip(&mut chip, fixtures::NOW.plus(2)).unwrap();
    assert_eq!(out.refusal(), Some(Refusal::ChallengeFailed));
    // Honest again: the same chip re-enters (it had left).
    chip.transport_mut().replay = false;
    assert!(
        gate.admit_chip(&mut chip, fixtures::NOW.plus(3))
            .unwrap()
            .is_admitted()
    );
}

#[test]
fn a_chip_ticket_shown_as_paper_is_refused() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut chip = Chip::connect(InProcessCard::from_seed(b"gate chip 4")).unwrap();
    let t = issue_to_chip(&mut chip, 41, 0);
    let out = gate.admit_paper(t.as_bytes(), fixtures::NOW).unwrap();
    assert_eq!(out.refusal(), Some(Refusal::Ticket(Reason::WrongMedium)));
}

#[test]
fn a_transport_failure_is_an_unreadable_chip() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let mut chip = Chip::new(FnTransport::new(|_: &[u8]| {
        Err(eticket_chip::Error::Malformed {
            what: "reader",
            reason: "card removed",
        })
    }));
    let out = gate.admit_chip(&mut chip, fixtures::NOW).unwrap();
    assert_eq!(out.refusal(), Some(Refusal::ChipUnreadable));
}
