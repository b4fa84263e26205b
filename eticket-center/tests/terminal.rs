//! Purchases at a store terminal (c17, c19, c34), on both ledgers: the
//! terminal takes a buyer's request for a distributor it serves, the
//! distributor's policy decides, the center issues, the terminal writes the
//! chip with eticket-chip's in-process card, and a gate admits it.

#[macro_use]
mod common;

use common::world::*;
use common::{Backend, clock};
use eticket_center::clock::ManualClock;
use eticket_center::distributor::{MemberRegistration, SeatChoice};
use eticket_center::issuance::ChipTarget;
use eticket_center::lottery::LotterySetup;
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::terminal::{CardProof, TerminalNext, TerminalPurchase};
use eticket_center::{Center, Error, Principal};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::ids::{GateId, MemberId};
use eticket_core::ticket::Holder;

suite!(
    a_member_buys_with_the_card_and_enters,
    a_non_member_is_refused_by_a_members_only_distributor,
    a_card_proves_itself_once_and_only_for_its_member,
    a_terminal_buys_only_from_its_distributors,
    a_retried_purchase_sells_once,
    paper_hold_until_and_lottery_say_what_comes_next,
);

const OP: Principal = Principal::Operator;
const TILL: Principal = Principal::Terminal(1);

fn members_only() -> DistributionPolicy {
    DistributionPolicy {
        kind: PolicyKind::MembersOnly,
        per_member_limit: Some(4),
        hold_until: None,
    }
}

/// The fixture event: D1 first come first served, D2 members only; till 1
/// serves both, till 2 only D1.
fn world(backend: &Backend) -> Center {
    world_at(backend, &clock())
}

fn world_at(backend: &Backend, clock: &std::sync::Arc<ManualClock>) -> Center {
    let center = backend.center(clock);
    setup(&center, fcfs(), members_only());
    center.set_terminal_distributors(&OP, 1, &[D1, D2]).unwrap();
    center.set_terminal_distributors(&OP, 2, &[D1]).unwrap();
    center
}

/// A card personalized with the center's grant key.
fn card(center: &Center, seed: &[u8]) -> Chip<InProcessCard> {
    let grant_key = &center.keys().grant;
    let p = Personalization::new(
        vec![(grant_key.id(), grant_key.public_key())],
        Pin::new(b"1234").unwrap(),
    );
    let mut chip = Chip::connect(InProcessCard::from_seed(seed)).unwrap();
    chip.personalize(&p).unwrap();
    chip
}

/// Register the card's chip as member `m` of D2.
fn member(center: &Center, chip: &mut Chip<InProcessCard>, m: u32) {
    let info = chip.info().unwrap();
    let reg = MemberRegistration {
        member: MemberId(m),
        name: "Ann".into(),
        chip: info.chip,
        valid_until: None,
        public_key: Some(info.public_key.to_uncompressed().to_vec()),
    };
    // Another card's key is not this chip's.
    let wrong = MemberRegistration {
        public_key: Some(common::TestChip::new(0x99).public()),
        ..reg.clone()
    };
    assert!(matches!(
        center.register_member(&dist(D2), &format!("w{m}"), &wrong),
        Err(Error::Invalid {
            field: "public_key",
            ..
        })
    ));
    // With the card's key, the answer certifies it (a venue that requires
    // certificates admits the card).
    let card = center
        .register_member(&dist(D2), &format!("m{m}"), &reg)
        .unwrap();
    assert!(card.certificate.is_some());
}

/// What the terminal reads from the card for a challenge the center gave.
fn prove(center: &Center, chip: &mut Chip<InProcessCard>) -> CardProof {
    let c = center.terminal_challenge(&TILL).unwrap();
    let challenge: [u8; 32] = c.challenge.as_slice().try_into().unwrap();
    let p = chip.prove(&challenge).unwrap();
    CardProof {
        chip: p.chip,
        public_key: p.public_key.to_vec(),
        challenge: c.challenge,
        answer: p.answer.to_vec(),
    }
}

fn best(quantity: u32) -> SeatChoice {
    SeatChoice::BestAvailable {
        seat_type: None,
        quantity,
    }
}

fn a_member_buys_with_the_card_and_enters(backend: Backend) {
    let c = clock();
    let center = world_at(&backend, &c);
    let mut ann = card(&center, b"ann");
    member(&center, &mut ann, 7);
    let info = ann.info().unwrap();
    let proof = prove(&center, &mut ann);
    let req = TerminalPurchase {
        distributor: D2,
        seats: best(2),
        holder: Holder::Chip(info.chip),
        member: Some(MemberId(7)),
        card: Some(proof),
        target: Some(ChipTarget::new(info.chip, info.counter)),
    };
    let done = center.terminal_purchase(&TILL, "buy", EVENT, &req).unwrap();
    assert_eq!(done.next, TerminalNext::Write);
    assert_eq!(done.tickets.len(), 2);
    assert!(done.records.iter().all(|r| r.distributor == D2));
    // The terminal writes both tickets in order with their grants.
    for d in &done.tickets {
        let grant = d.grant.as_ref().unwrap();
        ann.write(&grant.grant, &d.ticket.ticket).unwrap();
    }
    assert_eq!(ann.tickets().unwrap().len(), 2);
    // At the show, a gate admits the card.
    c.set(eticket_core::fixtures::NOW);
    let dir = tempfile::tempdir().unwrap();
    let unit = common::venue(&center, dir.path());
    let mut gate = unit.gate(GateId(1), "north").unwrap();
    let outcome = gate.admit_chip(&mut ann, center.now()).unwrap();
    assert!(outcome.is_admitted(), "{outcome}");
}

fn a_non_member_is_refused_by_a_members_only_distributor(backend: Backend) {
    let center = world(&backend);
    let mut bo = card(&center, b"bo");
    let chip = bo.info().unwrap().chip;
    let req = TerminalPurchase {
        distributor: D2,
        seats: best(1),
        holder: Holder::Chip(chip),
        member: None,
        card: None,
        target: None,
    };
    let refused = center.terminal_purchase(&TILL, "buy", EVENT, &req);
    assert!(
        matches!(refused, Err(Error::MembershipRequired(d)) if d == D2),
        "{refused:?}"
    );
    // A member number without the card proven is refused too.
    let req = TerminalPurchase {
        member: Some(MemberId(7)),
        ..req
    };
    assert!(matches!(
        center.terminal_purchase(&TILL, "buy-2", EVENT, &req),
        Err(Error::Invalid { field: "card", .. })
    ));
}

fn a_card_proves_itself_once_and_only_for_its_member(backend: Backend) {
    let center = world(&backend);
    let mut ann = card(&center, b"ann");
    let mut bo = card(&center, b"bo");
    member(&center, &mut ann, 7);
    let ann_chip = ann.info().unwrap().chip;
    let purchase = |proof: CardProof| TerminalPurchase {
        distributor: D2,
        seats: best(1),
        holder: Holder::Chip(ann_chip),
        member: Some(MemberId(7)),
        card: Some(proof),
        target: None,
    };
    // Bo's card for Ann's membership: refused.
    let bos = prove(&center, &mut bo);
    let refused = center.terminal_purchase(&TILL, "a", EVENT, &purchase(bos));
    assert!(matches!(refused, Err(Error::CardProof(_))), "{refused:?}");
    // Ann's card with a challenge the center never gave: refused.
    let mut made_up = prove(&center, &mut ann);
    made_up.challenge = vec![7; 32];
    let answer = ann.prove(&[7; 32]).unwrap();
    made_up.answer = answer.answer.to_vec();
    let refused = center.terminal_purchase(&TILL, "b", EVENT, &purchase(made_up));
    assert!(matches!(refused, Err(Error::CardProof(_))), "{refused:?}");
    // A forged answer: refused.
    let mut forged = prove(&center, &mut ann);
    forged.answer[10] ^= 1;
    let refused = center.terminal_purchase(&TILL, "c", EVENT, &purchase(forged));
    assert!(matches!(refused, Err(Error::CardProof(_))), "{refused:?}");
    // A true proof works once; replayed under a new key it is refused.
    let proof = prove(&center, &mut ann);
    center
        .terminal_purchase(&TILL, "d", EVENT, &purchase(proof.clone()))
        .unwrap();
    let replayed = center.terminal_purchase(&TILL, "e", EVENT, &purchase(proof));
    assert!(matches!(replayed, Err(Error::CardProof(_))), "{replayed:?}");
    // An unknown member number is refused like another's card: the answer
    // does not tell which numbers exist.
    let proof = prove(&center, &mut ann);
    let unknown = TerminalPurchase {
        member: Some(MemberId(99)),
        ..purchase(proof)
    };
    let refused = center.terminal_purchase(&TILL, "g", EVENT, &unknown);
    assert!(matches!(refused, Err(Error::CardProof(_))), "{refused:?}");
    // A challenge given to another terminal is not this one's.
    let other = center.terminal_challenge(&Principal::Terminal(2)).unwrap();
    let challenge: [u8; 32] = other.challenge.as_slice().try_into().unwrap();
    let p = ann.prove(&challenge).unwrap();
    let theirs = CardProof {
        chip: p.chip,
        public_key: p.public_key.to_vec(),
        challenge: other.challenge,
        answer: p.answer.to_vec(),
    };
    let refused = center.terminal_purchase(&TILL, "f", EVENT, &purchase(theirs));
    assert!(matches!(refused, Err(Error::CardProof(_))), "{refused:?}");
}

fn a_terminal_buys_only_from_its_distributors(backend: Backend) {
    let center = world(&backend);
    let req = TerminalPurchase {
        distributor: D2,
        seats: best(1),
        holder: Holder::Paper,
        member: None,
        card: None,
        target: None,
    };
    let refused = center.terminal_purchase(&Principal::Terminal(2), "x", EVENT, &req);
    assert!(matches!(refused, Err(Error::Forbidden(_))), "{refused:?}");
    // Nor can anyone but a terminal use this path.
    assert!(matches!(
        center.terminal_purchase(&dist(D1), "y", EVENT, &req),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        center.terminal_challenge(&dist(D1)),
        Err(Error::Forbidden(_))
    ));
}

fn a_retried_purchase_sells_once(backend: Backend) {
    let center = world(&backend);
    let req = TerminalPurchase {
        distributor: D1,
        seats: best(3),
        holder: Holder::Paper,
        member: None,
        card: None,
        target: None,
    };
    let first = center
        .terminal_purchase(&TILL, "same", EVENT, &req)
        .unwrap();
    let again = center
        .terminal_purchase(&TILL, "same", EVENT, &req)
        .unwrap();
    assert_eq!(first, again);
    let stats = center.event_stats(&ORG, EVENT).unwrap();
    let sold: u32 = stats
        .counts
        .iter()
        .filter(|(d, state, _)| *d == Some(D1) && state == "issued")
        .map(|(_, _, n)| *n)
        .sum();
    assert_eq!(sold, 3, "{stats:?}");
}

fn paper_hold_until_and_lottery_say_what_comes_next(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    center.set_terminal_distributors(&OP, 1, &[D1, D2]).unwrap();
    let paper = TerminalPurchase {
        distributor: D1,
        seats: best(1),
        holder: Holder::Paper,
        member: None,
        card: None,
        target: None,
    };
    // Paper, now: print it.
    let done = center.terminal_purchase(&TILL, "p", EVENT, &paper).unwrap();
    assert_eq!(done.next, TerminalNext::Print);
    // No ticket bytes: every copy is printed (and recorded) through `…/paper`.
    assert!(done.tickets.is_empty());
    let serial = done.records[0].serial;
    let printed = center
        .print_paper_ticket(&TILL, "print", EVENT, serial)
        .unwrap();
    assert_eq!(printed.copy, 1);
    // A distributor holding its tickets back: sold now, come back later.
    let later = c.now_ts().plus(3600);
    center
        .set_policy(
            &dist(D1),
            "hold",
            EVENT,
            DistributionPolicy {
                hold_until: Some(later),
                ..fcfs()
            },
        )
        .unwrap();
    let done = center.terminal_purchase(&TILL, "h", EVENT, &paper).unwrap();
    assert_eq!(
        (
            done.next,
            done.come_back_at,
            done.tickets.len(),
            done.records.len()
        ),
        (TerminalNext::ComeBack, Some(later), 0, 1)
    );
    // A lottery: the buyer's chip enters, the draw decides.
    center
        .set_policy(
            &dist(D2),
            "lottery",
            EVENT,
            DistributionPolicy {
                kind: PolicyKind::Lottery,
                ..fcfs()
            },
        )
        .unwrap();
    let closes = c.now_ts().plus(86_400);
    center
        .open_lottery(
            &dist(D2),
            "open",
            EVENT,
            LotterySetup {
                opens: c.now_ts(),
                closes,
                seats: 10,
                beacon_source: None,
            },
        )
        .unwrap();
    let chip = common::TestChip::new(0x44).id;
    let entry = TerminalPurchase {
        distributor: D2,
        seats: best(2),
        holder: Holder::Chip(chip),
        ..paper
    };
    let done = center.terminal_purchase(&TILL, "l", EVENT, &entry).unwrap();
    assert_eq!(
        (done.next, done.come_back_at, done.records.len()),
        (TerminalNext::WaitForDraw, Some(closes), 0)
    );
}
