//! The shared ledger suite: every test runs on SQLite and on PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use std::sync::Arc;

use common::{Backend, TestChip, clock};
use eticket_center::clock::ManualClock;
use eticket_center::distributor::{MemberRegistration, SaleRequest, SeatChoice};
use eticket_center::issuance::ChipTarget;
use eticket_center::lottery::{self, LotteryApplication, LotteryDraw, LotterySetup};
use eticket_center::organizer::{EventRegistration, SeatSelection, SeatSelector};
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::store::Store;
use eticket_center::transfer::{TransferCancellation, TransferSubmission};
use eticket_center::{Center, Error, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::cancel::TransferCancel;
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::*;
use eticket_core::keys::KeySet;
use eticket_core::revocation::{RevocationDelta, RevocationList};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;

const ORG: Principal = Principal::Organizer(1);
const D1: DistributorId = DistributorId(1);
const D2: DistributorId = DistributorId(2);
const EVENT: EventId = fixtures::EVENT;

fn dist(d: DistributorId) -> Principal {
    Principal::Distributor(d)
}

/// Event registered, two distributors selected, ratio 1:1 over every seat type.
fn setup(center: &Center, p1: DistributionPolicy, p2: DistributionPolicy) {
    let op = Principal::Operator;
    center
        .register_distributor(&op, "d1", D1, "Ticket Shop One")
        .unwrap();
    center
        .register_distributor(&op, "d2", D2, "Fan Club Two")
        .unwrap();
    let reg = EventRegistration {
        info: fixtures::small_event(),
        prices: fixtures::prices(),
    };
    assert_eq!(
        center.register_event(&ORG, "reg", &reg).unwrap().tickets,
        130
    );
    center
        .select_distributor(&ORG, "sel1", EVENT, D1, p1)
        .unwrap();
    center
        .select_distributor(&ORG, "sel2", EVENT, D2, p2)
        .unwrap();
    let ratios = AllotmentRatios {
        shares: vec![
            RatioShare {
                distributor: D1,
                weight: 1,
                seat_type: None,
            },
            RatioShare {
                distributor: D2,
                weight: 1,
                seat_type: None,
            },
        ],
    };
    let summary = center
        .set_allotment_ratios(&ORG, "ratios", EVENT, &ratios)
        .unwrap();
    assert_eq!(summary.allotted, vec![(D1, 65), (D2, 65)]);
}

fn fcfs() -> DistributionPolicy {
    DistributionPolicy::default()
}

fn buy(
    center: &Center,
    d: DistributorId,
    key: &str,
    quantity: u32,
    holder: Holder,
) -> Result<Vec<TicketSerial>, Error> {
    let req = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: None,
            quantity,
        },
        holder,
        member: None,
    };
    center
        .sell(&dist(d), key, EVENT, &req)
        .map(|s| s.records.iter().map(|r| r.serial).collect())
}

fn key_set(center: &Center) -> KeySet {
    let signed = center.key_set_signed(&Principal::Operator).unwrap();
    let root = eticket_core::crypto::PublicKey::from_sec1(&signed.root_public_key).unwrap();
    KeySet::from_signed_bytes(&signed.key_set, signed.root_key_id, &root).unwrap()
}

fn registration_and_allotments(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    setup(&center, fcfs(), fcfs());
    // Re-allot twenty seats of block 2 to distributor 1 by seat selection.
    let sel = SeatSelection {
        distributor: D1,
        seats: vec![
            SeatSelector::Row {
                block: BlockId(2),
                row: 4,
            },
            SeatSelector::Seat {
                block: BlockId(2),
                row: 1,
                number: 1,
            },
        ],
        from: vec![],
    };
    // The seats belong to the ratio split's distributors now: a selection
    // that does not name them (a stale view) takes nothing.
    let err = center
        .set_allotment_selection(&ORG, "sel-stale", EVENT, &sel)
        .unwrap_err();
    assert_eq!(err.code(), "allotment_changed", "{err}");
    assert!(err.to_string().contains("block 2 row"), "{err}");
    let before = center.event_stats(&ORG, EVENT).unwrap();
    let sel = SeatSelection {
        from: vec![None, Some(D1), Some(D2)],
        ..sel
    };
    let s = center
        .set_allotment_selection(&ORG, "sel-rows", EVENT, &sel)
        .unwrap();
    assert_ne!(center.event_stats(&ORG, EVENT).unwrap(), before);
    let d1 = s.allotted.iter().find(|a| a.0 == D1).unwrap().1;
    assert!(d1 > 65, "{s:?}");
    // Another organizer cannot touch the event.
    assert!(matches!(
        center.set_allotment_selection(&Principal::Organizer(9), "x", EVENT, &sel),
        Err(Error::Forbidden(_))
    ));
    // Registering the same event again is refused; a retry with the same key is not.
    let reg = EventRegistration {
        info: fixtures::small_event(),
        prices: fixtures::prices(),
    };
    assert_eq!(
        center.register_event(&ORG, "reg", &reg).unwrap().tickets,
        130
    );
    assert!(matches!(
        center.register_event(&ORG, "reg-again", &reg),
        Err(Error::EventExists(_))
    ));
    // After a sale, ratios are fixed.
    buy(&center, D1, "sale", 1, Holder::Paper).unwrap();
    let ratios = AllotmentRatios {
        shares: vec![RatioShare {
            distributor: D1,
            weight: 1,
            seat_type: None,
        }],
    };
    assert!(matches!(
        center.set_allotment_ratios(&ORG, "r2", EVENT, &ratios),
        Err(Error::AllotmentFixed { .. })
    ));
}

fn sale_issue_deliver(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    setup(&center, fcfs(), fcfs());
    let chip = TestChip::new(0x51);
    let serials = buy(&center, D1, "buy-1", 2, Holder::Chip(chip.id)).unwrap();
    assert_eq!(serials.len(), 2);
    let target = ChipTarget {
        chip: chip.id,
        counter: 7,
        slot: 0,
        grant_keys: Vec::new(),
    };
    let d = center
        .issue(
            &dist(D1),
            "issue-1",
            EVENT,
            serials[0],
            Some(target.clone()),
        )
        .unwrap();
    let keys = key_set(&center);
    let t = eticket_core::ticket::verify(&d.ticket.ticket, &keys, c.now_ts()).unwrap();
    assert_eq!(t.body.holder, Holder::Chip(chip.id));
    let g = d.grant.unwrap();
    let v = Grant::verify(&g.grant, GrantOp::Write, &keys, c.now_ts()).unwrap();
    assert_eq!((v.grant.chip, v.grant.counter), (chip.id, 7));
    assert_eq!(
        v.grant.payload_hash,
        eticket_core::grant::payload_hash(&d.ticket.ticket)
    );
    // A retry returns the first answer; a new request is refused: never issued twice.
    assert_eq!(
        center
            .issue(
                &dist(D1),
                "issue-1",
                EVENT,
                serials[0],
                Some(target.clone())
            )
            .unwrap()
            .ticket,
        d.ticket
    );
    assert!(matches!(
        center.issue(
            &dist(D1),
            "issue-2",
            EVENT,
            serials[0],
            Some(target.clone())
        ),
        Err(Error::AlreadyIssued { .. })
    ));
    // The write failed: re-deliver with a fresh grant at the chip's counter; same ticket bytes.
    let again = center
        .deliver(
            &Principal::Terminal(1),
            EVENT,
            serials[0],
            &ChipTarget {
                counter: 8,
                ..target.clone()
            },
        )
        .unwrap();
    assert_eq!(again.ticket.ticket, d.ticket.ticket);
    assert_eq!(again.grant.unwrap().counter, 8);
    // Another chip cannot get a grant for it; another distributor cannot issue it.
    let other = ChipTarget {
        chip: TestChip::new(0x52).id,
        counter: 0,
        slot: 0,
        grant_keys: Vec::new(),
    };
    assert!(matches!(
        center.deliver(&Principal::Terminal(1), EVENT, serials[0], &other),
        Err(Error::HolderMismatch { .. })
    ));
    assert!(matches!(
        center.issue(&dist(D2), "i", EVENT, serials[1], None),
        Err(Error::NotInAllotment { .. })
    ));
    assert!(matches!(
        center.issue(&Principal::Terminal(1), "i", EVENT, serials[1], None),
        Err(Error::Forbidden(_))
    ));
    // Paper.
    let paper = buy(&center, D1, "buy-paper", 1, Holder::Paper).unwrap()[0];
    center
        .issue(&dist(D1), "issue-paper", EVENT, paper, None)
        .unwrap();
    let terminal = Principal::Terminal(3);
    let p = center
        .print_paper_ticket(&terminal, "print", EVENT, paper)
        .unwrap();
    assert_eq!((p.ticket.holder, p.copy), (Holder::Paper, 1));
    // A lost answer: the same key gets the same copy. A second print by a
    // terminal is refused; the seller reprints, and only the seller.
    assert_eq!(
        center
            .print_paper_ticket(&terminal, "print", EVENT, paper)
            .unwrap(),
        p
    );
    let again = center.print_paper_ticket(&Principal::Terminal(4), "print-2", EVENT, paper);
    assert!(
        matches!(&again, Err(Error::Forbidden(m)) if m.contains("reprint")),
        "{again:?}"
    );
    let other_seller = center.print_paper_ticket(&dist(D2), "reprint-d2", EVENT, paper);
    assert!(
        matches!(&other_seller, Err(Error::NotInAllotment { .. })),
        "{other_seller:?}"
    );
    let reprint = center
        .print_paper_ticket(&dist(D1), "reprint", EVENT, paper)
        .unwrap();
    // The attack as it was: the reprint was byte-identical to the lost copy,
    // so the lost copy still entered. Now the reprint is the next
    // generation and the lost copy's generation is revoked.
    assert_eq!(reprint.copy, 2);
    assert_ne!(reprint.ticket.ticket, p.ticket.ticket);
    assert_eq!(
        reprint.ticket.generation,
        Generation(p.ticket.generation.0 + 1)
    );
    let keys = center.current_keys().unwrap().key_set().unwrap();
    let full = center
        .revocation_list(&Principal::Gate(EVENT), EVENT)
        .unwrap();
    let list = RevocationList::from_signed_bytes(&full.signed, &keys, center.now()).unwrap();
    assert!(
        list.is_revoked(paper, p.ticket.generation),
        "the lost copy is revoked"
    );
    assert!(!list.is_revoked(paper, reprint.ticket.generation));
    // A retried reprint answers the same reprint, it does not revoke it.
    assert_eq!(
        center
            .print_paper_ticket(&dist(D1), "reprint", EVENT, paper)
            .unwrap(),
        reprint
    );
    assert_eq!(
        center.issued_ticket(EVENT, paper).unwrap().unwrap(),
        reprint.ticket
    );
    assert!(matches!(
        center.deliver(&Principal::Terminal(1), EVENT, paper, &target),
        Err(Error::PaperTicket { .. })
    ));
}

/// A second event of `seats` seats, all allotted to distributor 1 and sold in
/// sales of 100 alternately to a chip and to paper.
fn big_sold_event(center: &Center, event: EventId, seats: u32) -> Vec<TicketSerial> {
    let mut info = fixtures::small_event();
    info.id = event;
    info.seats.areas.clear();
    info.seats.seats = (0..seats)
        .map(|i| eticket_core::seat::Seat {
            block: BlockId(1),
            row: u16::try_from(i / 50 + 1).unwrap(),
            number: u16::try_from(i % 50 + 1).unwrap(),
            seat_type: fixtures::CAT_A,
        })
        .collect();
    let reg = EventRegistration {
        info,
        prices: fixtures::prices(),
    };
    center.register_event(&ORG, "big-reg", &reg).unwrap();
    center
        .select_distributor(&ORG, "big-sel", event, D1, fcfs())
        .unwrap();
    let shares = vec![RatioShare {
        distributor: D1,
        weight: 1,
        seat_type: None,
    }];
    center
        .set_allotment_ratios(&ORG, "big-ratio", event, &AllotmentRatios { shares })
        .unwrap();
    let mut serials = Vec::new();
    for i in 0..seats / 100 {
        let holder = if i % 2 == 0 {
            Holder::Chip(TestChip::new(0x90 + u8::try_from(i).unwrap()).id)
        } else {
            Holder::Paper
        };
        let req = SaleRequest {
            seats: SeatChoice::BestAvailable {
                seat_type: None,
                quantity: 100,
            },
            holder,
            member: None,
        };
        let sale = center
            .sell(&dist(D1), &format!("big-sale-{i}"), event, &req)
            .unwrap();
        serials.extend(sale.records.iter().map(|r| r.serial));
    }
    serials
}

/// Batch issuance: all or none, in request order, each ticket once, and a
/// replay returns the first answer; a 1000-ticket batch crosses the
/// statement chunks.
fn batch_issuance(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    setup(&center, fcfs(), fcfs());
    let chip = TestChip::new(0x61);
    let mut mine = buy(&center, D1, "b1", 20, Holder::Chip(chip.id)).unwrap();
    mine.extend(buy(&center, D1, "b2", 5, Holder::Paper).unwrap());
    let theirs = buy(&center, D2, "b3", 1, Holder::Paper).unwrap()[0];
    let nothing_issued = |serials: &[TicketSerial]| {
        serials
            .iter()
            .all(|s| center.issued_ticket(EVENT, *s).unwrap().is_none())
    };

    // Refusals, each leaving every ticket unissued.
    let mut with_foreign = mine.clone();
    with_foreign.push(theirs);
    let err = center
        .issue_batch(&dist(D1), "x1", EVENT, &with_foreign)
        .unwrap_err();
    assert!(
        matches!(err, Error::NotInAllotment { serial, .. } if serial == theirs),
        "{err}"
    );
    let mut unsold = mine.clone();
    let free = (0..130)
        .map(TicketSerial)
        .find(|s| {
            !mine.contains(s) && *s != theirs && center.issuing_record(EVENT, *s).unwrap().is_none()
        })
        .unwrap();
    unsold.insert(3, free);
    let err = center
        .issue_batch(&dist(D1), "x2", EVENT, &unsold)
        .unwrap_err();
    assert_eq!(err.code(), "not_issued", "{err}");
    let mut twice = mine.clone();
    twice.push(mine[0]);
    let err = center
        .issue_batch(&dist(D1), "x3", EVENT, &twice)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request", "{err}");
    assert!(center.issue_batch(&dist(D1), "x4", EVENT, &[]).is_err());
    assert!(matches!(
        center.issue_batch(&Principal::Terminal(1), "x5", EVENT, &mine),
        Err(Error::Forbidden(_))
    ));
    center.set_fail_point(Some("issue_batch.after_record"));
    assert!(matches!(
        center.issue_batch(&dist(D1), "x6", EVENT, &mine),
        Err(Error::FailPoint(_))
    ));
    assert!(nothing_issued(&mine));

    // Issued, in order, verified, recorded.
    let out = center.issue_batch(&dist(D1), "ok", EVENT, &mine).unwrap();
    let keys = key_set(&center);
    assert_eq!(out.tickets.len(), mine.len());
    for (t, serial) in out.tickets.iter().zip(&mine) {
        assert_eq!(t.serial, *serial);
        let v = eticket_core::ticket::verify(&t.ticket, &keys, c.now_ts()).unwrap();
        assert_eq!((v.body.serial, v.body.holder), (*serial, t.holder));
        assert_eq!(v.body.generation, Generation(0));
        assert_eq!(
            center.issued_ticket(EVENT, *serial).unwrap().as_ref(),
            Some(t)
        );
    }
    assert_eq!(out.tickets[0].holder, Holder::Chip(chip.id));
    assert_eq!(out.tickets[24].holder, Holder::Paper);
    // A replay returns the first answer; a new request for any of them is refused.
    assert_eq!(
        center.issue_batch(&dist(D1), "ok", EVENT, &mine).unwrap(),
        out
    );
    let err = center
        .issue_batch(&dist(D1), "again", EVENT, &mine[5..7])
        .unwrap_err();
    assert!(
        matches!(err, Error::AlreadyIssued { serial, .. } if serial == mine[5]),
        "{err}"
    );
    assert!(matches!(
        center.issue(&dist(D1), "single", EVENT, mine[0], None),
        Err(Error::AlreadyIssued { .. })
    ));

    // 1000 tickets of another event in one batch.
    let big = EventId(EVENT.0 + 1);
    let serials = big_sold_event(&center, big, 1000);
    let out = center.issue_batch(&dist(D1), "big", big, &serials).unwrap();
    assert_eq!(out.tickets.len(), 1000);
    // Signed with the other event's own key, in the key set published since.
    let keys = key_set(&center);
    let mut distinct = std::collections::HashSet::new();
    for (t, serial) in out.tickets.iter().zip(&serials) {
        assert_eq!(t.serial, *serial);
        assert!(distinct.insert(t.ticket.clone()));
    }
    for t in out.tickets.iter().step_by(97) {
        eticket_core::ticket::verify(&t.ticket, &keys, c.now_ts()).unwrap();
        assert_eq!(
            center.issued_ticket(big, t.serial).unwrap().as_ref(),
            Some(t)
        );
    }
    let stats = center.event_stats(&ORG, big).unwrap();
    assert_eq!(stats.counts, vec![(Some(D1), "issued".to_owned(), 1000)]);
    assert_eq!(stats.valid_issued, 1000, "every ticket issued once");
}

fn idempotency(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    setup(&center, fcfs(), fcfs());
    let first = buy(&center, D1, "same-key", 3, Holder::Paper).unwrap();
    let second = buy(&center, D1, "same-key", 3, Holder::Paper).unwrap();
    assert_eq!(first, second);
    let stats = center.event_stats(&ORG, EVENT).unwrap();
    let sold: u32 = stats
        .counts
        .iter()
        .filter(|c| c.1 == "authenticated")
        .map(|c| c.2)
        .sum();
    assert_eq!(sold, 3);
    assert!(matches!(
        buy(&center, D1, "same-key", 4, Holder::Paper),
        Err(Error::IdempotencyMismatch(_))
    ));
    // Keys are per principal: the other distributor's same key is its own.
    assert_eq!(
        buy(&center, D2, "same-key", 3, Holder::Paper)
            .unwrap()
            .len(),
        3
    );
}

fn allotment_boundaries(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    setup(&center, fcfs(), fcfs());
    // Serial 1 is in distributor 1's allotment (lowest serials of each type go to the first share).
    let req = SaleRequest {
        seats: SeatChoice::Serials(vec![TicketSerial(1)]),
        holder: Holder::Paper,
        member: None,
    };
    assert!(matches!(
        center.sell(&dist(D2), "steal", EVENT, &req),
        Err(Error::NotInAllotment { .. })
    ));
    center.sell(&dist(D1), "own", EVENT, &req).unwrap();
    assert!(matches!(
        center.sell(&dist(D1), "own-again", EVENT, &req),
        Err(Error::SeatUnavailable { .. })
    ));
    assert!(matches!(
        buy(&center, D1, "too-many", 65, Holder::Paper),
        Err(Error::SoldOut { available: 64, .. })
    ));
    assert!(matches!(
        center.sell(&ORG, "org", EVENT, &req),
        Err(Error::Forbidden(_))
    ));
}

fn membership_and_limits(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    let members = DistributionPolicy {
        kind: PolicyKind::MembersOnly,
        per_member_limit: Some(2),
        hold_until: None,
    };
    setup(&center, fcfs(), members);
    let chip = TestChip::new(0x61);
    let card = center
        .register_member(
            &dist(D2),
            "m1",
            &MemberRegistration {
                member: MemberId(10),
                name: "Ada".into(),
                chip: chip.id,
                valid_until: Some(c.now_ts().plus(30 * 86_400)),
            },
        )
        .unwrap();
    assert_eq!(card.chip, chip.id);
    // The card to write: the center's grant key, and the member record's end.
    assert_eq!(card.valid_until, c.now_ts().plus(30 * 86_400));
    assert_eq!(card.grant_keys.len(), 1);
    let grant = center.keys().grant.clone();
    assert_eq!(card.grant_keys[0].id, grant.id());
    assert_eq!(
        card.grant_keys[0].public_key,
        grant.public_key().to_uncompressed().to_vec()
    );
    let ended = center.register_member(
        &dist(D2),
        "m-past",
        &MemberRegistration {
            member: MemberId(12),
            name: "Past".into(),
            chip: TestChip::new(0x63).id,
            valid_until: Some(c.now_ts()),
        },
    );
    assert!(
        matches!(&ended, Err(e) if e.code() == "invalid_request"),
        "{ended:?}"
    );
    assert!(matches!(
        center.register_member(
            &dist(D2),
            "m2",
            &MemberRegistration {
                member: MemberId(11),
                name: "Eve".into(),
                chip: chip.id,
                valid_until: None,
            }
        ),
        Err(Error::MemberExists { .. })
    ));
    let sale = |key: &str, q: u32, holder: Holder, member: Option<MemberId>| {
        center.sell(
            &dist(D2),
            key,
            EVENT,
            &SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: None,
                    quantity: q,
                },
                holder,
                member,
            },
        )
    };
    assert!(matches!(
        sale("a", 1, Holder::Chip(chip.id), None),
        Err(Error::MembershipRequired(_))
    ));
    assert!(matches!(
        sale(
            "b",
            1,
            Holder::Chip(TestChip::new(0x62).id),
            Some(MemberId(10))
        ),
        Err(Error::MemberChipMismatch(_))
    ));
    assert!(matches!(
        sale("c", 1, Holder::Chip(chip.id), Some(MemberId(99))),
        Err(Error::UnknownMember { .. })
    ));
    assert_eq!(
        sale("d", 2, Holder::Chip(chip.id), Some(MemberId(10)))
            .unwrap()
            .records
            .len(),
        2
    );
    assert!(matches!(
        sale("e", 1, Holder::Chip(chip.id), Some(MemberId(10))),
        Err(Error::MemberLimit {
            have: 2,
            limit: 2,
            ..
        })
    ));
    // After the membership ends, the member buys nothing more.
    c.advance(30 * 86_400);
    let late = sale("f", 1, Holder::Chip(chip.id), Some(MemberId(10)));
    assert!(
        matches!(
            &late,
            Err(Error::MembershipEnded {
                member: MemberId(10),
                ..
            })
        ),
        "{late:?}"
    );
}

fn hold_until(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    let until = common::start_time().plus(10 * 86_400);
    let held = DistributionPolicy {
        hold_until: Some(until),
        ..fcfs()
    };
    setup(&center, held, fcfs());
    let chip = TestChip::new(0x71);
    let serial = buy(&center, D1, "b", 1, Holder::Chip(chip.id)).unwrap()[0];
    let err = center
        .issue(&dist(D1), "i1", EVENT, serial, None)
        .unwrap_err();
    assert_eq!(err.code(), "held_until");
    assert!(err.to_string().contains(&until.to_string()), "{err}");
    c.set(until);
    center.issue(&dist(D1), "i2", EVENT, serial, None).unwrap();
}

/// The fixture event with distributor 2 on the lottery policy (and
/// `per_member_limit`), and a window from now for `secs` giving out `seats`.
fn lottery_world(
    b: &Backend,
    per_member_limit: u32,
    secs: u64,
    seats: u32,
) -> (Arc<ManualClock>, Center, DistributionPolicy, LotterySetup) {
    let c = clock();
    let center = b.center(&c);
    let lot = DistributionPolicy {
        kind: PolicyKind::Lottery,
        per_member_limit: Some(per_member_limit),
        hold_until: None,
    };
    setup(&center, fcfs(), lot);
    let now = c.now_ts();
    let window = LotterySetup {
        opens: now,
        closes: now.plus(secs),
        seats,
        beacon_source: None,
    };
    (c, center, lot, window)
}

fn lottery_draw(b: Backend) {
    let (c, center, _, setup_l) = lottery_world(&b, 4, 86_400, 10);
    let ann = center
        .open_lottery(&dist(D2), "open", EVENT, setup_l)
        .unwrap();
    assert!(ann.seed.is_none());
    assert!(matches!(
        buy(&center, D2, "fcfs", 1, Holder::Paper),
        Err(Error::PolicyRefuses { .. })
    ));
    for i in 0..8u8 {
        let chip = TestChip::new(0x80 + i);
        let app = LotteryApplication {
            chip: chip.id,
            member: None,
            quantity: 2,
            seat_type: None,
        };
        center
            .apply_lottery(&dist(D2), &format!("app-{i}"), EVENT, &app)
            .unwrap();
        if i == 0 {
            assert!(matches!(
                center.apply_lottery(&dist(D2), "dup", EVENT, &app),
                Err(Error::Lottery { .. })
            ));
        }
    }
    let no_beacon = LotteryDraw::default();
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw", EVENT, &no_beacon),
        Err(Error::Lottery { .. })
    ));
    assert!(
        center
            .lottery(EVENT, D2)
            .unwrap()
            .applications_digest
            .is_none()
    );
    c.advance(86_400);
    let late = LotteryApplication {
        chip: TestChip::new(0x99).id,
        member: None,
        quantity: 1,
        seat_type: None,
    };
    assert!(matches!(
        center.apply_lottery(&dist(D2), "late", EVENT, &late),
        Err(Error::Lottery { .. })
    ));
    // Closed: the applications digest is published before the draw.
    let closed = center.lottery(EVENT, D2).unwrap();
    assert!(closed.seed.is_none() && closed.applications.is_empty());
    // No beacon source was named, so the drawer cannot bring a value now.
    let chosen = LotteryDraw {
        beacon: Some("a value that suits the drawer".into()),
    };
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw-chosen", EVENT, &chosen),
        Err(Error::Lottery { .. })
    ));
    let result = center
        .draw_lottery(&dist(D2), "draw", EVENT, &no_beacon)
        .unwrap();
    assert_eq!(result.records.len(), 10);
    // Anyone recomputes: the seed matches its published hash, the digest its
    // applications, and the draw gives the same ranking.
    let public = center.lottery(EVENT, D2).unwrap();
    assert_eq!(public, result.announcement);
    assert_eq!(public.seed_hash, ann.seed_hash);
    assert_eq!(public.applications_digest, closed.applications_digest);
    assert_eq!(public.beacon, None);
    assert_eq!(lottery::verify_draw(&public).unwrap(), result.ranking);
    let seed: [u8; 32] = hex::decode(public.seed.unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let digest = lottery::applications_digest(&public.applications);
    assert_eq!(
        lottery::draw(
            &lottery::draw_seed(&seed, &digest, None),
            &public.applications,
            10
        ),
        result.ranking
    );
    // A retry gets the same answer; a new draw is refused.
    assert_eq!(
        center
            .draw_lottery(&dist(D2), "draw", EVENT, &no_beacon)
            .unwrap(),
        result
    );
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw-again", EVENT, &no_beacon),
        Err(Error::Lottery { .. })
    ));
}

/// A lottery cannot be emptied from under its applicants, a member cannot
/// multiply the per-member limit with several chips, and an application whose
/// seat type runs out loses with its reason while the draw completes.
fn lottery_seat_types_limits_and_policy(b: Backend) {
    let (c, center, lot, window) = lottery_world(&b, 40, 3600, 65);
    center
        .open_lottery(&dist(D2), "open", EVENT, window)
        .unwrap();
    // While it is open the policy stays the lottery: the distributor cannot
    // switch to selling, nor can the organizer by selecting it again.
    let refused = center.set_policy(&dist(D2), "to-fcfs", EVENT, fcfs());
    assert!(
        matches!(&refused, Err(Error::Lottery { reason, .. }) if reason.contains("draw it before")),
        "{refused:?}"
    );
    let refused = center.select_distributor(&ORG, "sel2-fcfs", EVENT, D2, fcfs());
    assert!(matches!(refused, Err(Error::Lottery { .. })), "{refused:?}");
    // Selecting it again with the lottery policy is fine (no foreign-key error).
    center
        .select_distributor(&ORG, "sel2-again", EVENT, D2, lot)
        .unwrap();

    // One member, two chips: the second application counts the first against
    // the limit of 40.
    let member_chip = TestChip::new(0xA0);
    let second_chip = TestChip::new(0xA3);
    center
        .register_member(
            &dist(D2),
            "m",
            &MemberRegistration {
                member: MemberId(7),
                name: "Grace".into(),
                chip: member_chip.id,
                valid_until: None,
            },
        )
        .unwrap();
    let apply = |key: &str, chip: ChipId, member, quantity, seat_type| {
        center.apply_lottery(
            &dist(D2),
            key,
            EVENT,
            &LotteryApplication {
                chip,
                member,
                quantity,
                seat_type,
            },
        )
    };
    apply(
        "member",
        member_chip.id,
        Some(MemberId(7)),
        20,
        Some(fixtures::STANDING),
    )
    .unwrap();
    let over = apply("again", second_chip.id, Some(MemberId(7)), 21, None);
    assert!(
        matches!(
            &over,
            Err(Error::MemberLimit {
                have: 20,
                limit: 40,
                ..
            })
        ),
        "{over:?}"
    );
    // D2's allotment (serials 66-130) has no category A seat and 40 of
    // category B: an application the allotment could never serve is refused
    // up front; two of 21 category B seats each fit on their own.
    let too_many = apply("66", TestChip::new(0xA5).id, None, 66, None);
    assert!(
        matches!(&too_many, Err(Error::Lottery { reason, .. }) if reason.contains("gives out 65")),
        "{too_many:?}"
    );
    let never = apply(
        "cat-a",
        TestChip::new(0xA4).id,
        None,
        1,
        Some(fixtures::CAT_A),
    );
    assert!(
        matches!(&never, Err(Error::SoldOut { available: 0, .. })),
        "{never:?}"
    );
    let b1 = TestChip::new(0xA1);
    let b2 = TestChip::new(0xA2);
    apply("b1", b1.id, None, 21, Some(fixtures::CAT_B)).unwrap();
    apply("b2", b2.id, None, 21, Some(fixtures::CAT_B)).unwrap();

    c.advance(3600);
    let result = center
        .draw_lottery(&dist(D2), "draw", EVENT, &LotteryDraw::default())
        .unwrap();
    let of = |chip: ChipId| {
        result
            .ranking
            .iter()
            .find(|r| r.application.chip == chip)
            .unwrap()
            .clone()
    };
    // The two category B applications both fitted in the 65 seats; whichever
    // ranked first won, the other lost with the reason, and the draw completed.
    assert!(of(member_chip.id).won);
    let (first, second) = if of(b1.id).rank < of(b2.id).rank {
        (of(b1.id), of(b2.id))
    } else {
        (of(b2.id), of(b1.id))
    };
    assert!(first.won && first.unserved.is_none());
    assert!(!second.won);
    assert_eq!(
        second.unserved.as_deref(),
        Some("19 seats of type 2 left in the allotment, 21 asked for")
    );
    assert_eq!(result.records.len(), 41);
    // The published announcement carries the reason, so anyone replays the
    // draw from the seed, the applications and the reasons.
    let public = center.lottery(EVENT, D2).unwrap();
    assert_eq!(public.unserved.len(), 1);
    assert_eq!(public.unserved[0].chip, second.application.chip);
    let seed: [u8; 32] = hex::decode(public.draw_seed.clone().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let replay = lottery::draw_with(&seed, &public.applications, 65, |a| {
        Ok::<_, ()>(
            public
                .unserved
                .iter()
                .find(|u| u.chip == a.chip)
                .map(|u| u.reason.clone()),
        )
    })
    .unwrap();
    assert_eq!(replay, result.ranking);
    assert_eq!(lottery::verify_draw(&public).unwrap(), result.ranking);
    // Drawn: the policy may change now.
    center
        .set_policy(&dist(D2), "to-fcfs-after", EVENT, fcfs())
        .unwrap();
}

/// Issue "Impossible to fool", point 9: an insider who can read the ledger
/// takes the committed seed out of it while the window is open, grinds chip
/// ids offline (applicants' chip ids are not verified) until one ranks before
/// every application so far, and applies with it as the last applicant. The
/// draw seed also depends on the applications and on a beacon published
/// after the close, so the rank the committed seed gives is not the rank the
/// draw gives; anyone recomputes the draw from what is published.
fn lottery_insider_cannot_grind_the_seed(b: Backend) {
    let (c, center, _, mut window) = lottery_world(&b, 4, 3600, 2);
    let source = "the fixture's public numbers drawn the day after the close";
    window.beacon_source = Some(source.into());
    let ann = center
        .open_lottery(&dist(D2), "open", EVENT, window)
        .unwrap();
    assert_eq!(ann.setup.beacon_source.as_deref(), Some(source));
    let apply = |key: &str, chip: ChipId| {
        center.apply_lottery(
            &dist(D2),
            key,
            EVENT,
            &LotteryApplication {
                chip,
                member: None,
                quantity: 2,
                seat_type: None,
            },
        )
    };
    let honest: Vec<ChipId> = (0..6u8).map(|i| ChipId([0xC0 + i; 16])).collect();
    for (i, chip) in honest.iter().enumerate() {
        apply(&format!("honest-{i}"), *chip).unwrap();
    }
    // The insider reads the committed seed with plain SQL before the close.
    let committed: [u8; 32] = center
        .ledger()
        .transaction(&mut |tx| {
            tx.query_opt(
                "SELECT seed FROM lotteries WHERE event = $1 AND distributor = $2",
                &[
                    eticket_center::store::Value::int(EVENT.0),
                    eticket_center::store::Value::int(D2.0),
                ],
            )
        })
        .unwrap()
        .unwrap()
        .blob(0)
        .unwrap()
        .try_into()
        .unwrap();
    // Offline: a chip id whose rank under the committed seed is before every
    // honest one (about one try in seven; the loop is bounded).
    let best = honest
        .iter()
        .map(|chip| lottery::rank_key(&committed, chip))
        .min()
        .unwrap();
    let ground = (0u128..1 << 20)
        .map(|i| ChipId(i.to_be_bytes()))
        .find(|chip| lottery::rank_key(&committed, chip) < best)
        .expect("a winning chip id within 2^20 tries");
    let predicted = hex::encode(lottery::rank_key(&committed, &ground));
    apply("insider", ground).unwrap();

    c.advance(3600);
    // The digest is fixed and published at the close, before the beacon exists.
    let closed = center.lottery(EVENT, D2).unwrap();
    let digest = closed.applications_digest.clone().unwrap();
    // The beacon was named at opening: the draw needs its value.
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw", EVENT, &LotteryDraw::default()),
        Err(Error::Lottery { .. })
    ));
    let beacon = LotteryDraw {
        beacon: Some("04 08 15 16 23 42".into()),
    };
    let result = center
        .draw_lottery(&dist(D2), "draw", EVENT, &beacon)
        .unwrap();
    let drawn = result
        .ranking
        .iter()
        .find(|r| r.application.chip == ground)
        .unwrap();
    // Knowing the committed seed told the insider nothing about the rank the
    // draw gave (on the old rule it was exactly the predicted one, first).
    assert_ne!(
        drawn.rank, predicted,
        "the draw ranked the ground application as the committed seed alone predicts"
    );

    // A third party, from the public announcement alone: the seed matches
    // the hash published at opening, the digest the one published at the
    // close, and the ranking and winners recompute.
    let public = center.lottery(EVENT, D2).unwrap();
    assert_eq!(public.seed_hash, ann.seed_hash);
    assert_eq!(public.applications_digest.as_deref(), Some(digest.as_str()));
    assert_eq!(public.beacon, beacon.beacon);
    assert_eq!(public.applications.len(), 7);
    let seed: [u8; 32] = hex::decode(public.seed.as_deref().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(seed, committed);
    let final_seed = lottery::draw_seed(
        &seed,
        &lottery::applications_digest(&public.applications),
        public.beacon.as_deref(),
    );
    assert_eq!(public.draw_seed, Some(hex::encode(final_seed)));
    assert_eq!(
        drawn.rank,
        hex::encode(lottery::rank_key(&final_seed, &ground))
    );
    let ranking = lottery::verify_draw(&public).unwrap();
    assert_eq!(ranking, result.ranking);
    let winners: Vec<Holder> = ranking
        .iter()
        .filter(|r| r.won)
        .map(|r| Holder::Chip(r.application.chip))
        .collect();
    let mut holders: Vec<Holder> = result.records.iter().map(|r| r.holder).collect();
    assert_eq!(holders.len(), 2);
    holders.dedup();
    assert_eq!(holders, winners);
    // Retried with the same key the draw answers the same; with another
    // beacon under that key it is refused, and it never draws twice.
    assert_eq!(
        center
            .draw_lottery(&dist(D2), "draw", EVENT, &beacon)
            .unwrap(),
        result
    );
    let other = LotteryDraw {
        beacon: Some("01 02 03 04 05 06".into()),
    };
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw", EVENT, &other),
        Err(Error::IdempotencyMismatch(_))
    ));
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw-2", EVENT, &other),
        Err(Error::Lottery { .. })
    ));
}

struct TransferWorld {
    center: Center,
    clock: Arc<ManualClock>,
    serial: TicketSerial,
    a: TestChip,
    b: TestChip,
    request: Vec<u8>,
}

fn transfer_world(backend: &Backend) -> TransferWorld {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let (a, b) = (TestChip::new(0x31), TestChip::new(0x32));
    let serial = buy(&center, D1, "b", 1, Holder::Chip(a.id)).unwrap()[0];
    let issued = center.issue(&dist(D1), "i", EVENT, serial, None).unwrap();
    let req = TransferRequest {
        event: EVENT,
        serial,
        generation: Generation(0),
        ticket_hash: eticket_core::grant::payload_hash(&issued.ticket.ticket),
        from: a.id,
        to: b.id,
        nonce: 1,
        requested_at: c.now_ts(),
    };
    let request = req.sign(&a.secret).unwrap();
    TransferWorld {
        center,
        clock: c,
        serial,
        a,
        b,
        request,
    }
}

fn transfer_flow(backend: Backend) {
    let w = transfer_world(&backend);
    let relay = Principal::Terminal(4);
    let sub = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.a.public(),
    };
    // A forged request: signed by a chip that is not the assignor.
    let forged = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.b.public(),
    };
    let refused = w.center.request_transfer(&relay, "forged", &forged);
    assert!(
        matches!(&refused, Err(e) if e.code() == "bad_signature"),
        "{refused:?}"
    );
    // Only the distributor that sold the ticket relays its transfer.
    let refused = w.center.request_transfer(&dist(D2), "t-d2", &sub);
    assert!(
        matches!(
            &refused,
            Err(Error::NotInAllotment {
                distributor: D2,
                ..
            })
        ),
        "{refused:?}"
    );
    // Requests stamped far from the center's clock (a skimmer's stockpile,
    // or 1970) are refused.
    for at in [
        Timestamp(0),
        w.clock.now_ts().minus(3600),
        w.clock.now_ts().plus(3600),
    ] {
        let stale = TransferSubmission {
            request: TransferRequest {
                requested_at: at,
                ..TransferRequest::peek(&w.request).unwrap()
            }
            .sign(&w.a.secret)
            .unwrap(),
            assignor_public_key: w.a.public(),
        };
        let refused = w
            .center
            .request_transfer(&relay, &format!("stale-{}", at.0), &stale);
        assert!(
            matches!(&refused, Err(Error::Invalid { .. })),
            "{refused:?}"
        );
    }
    let t = w.center.request_transfer(&relay, "t1", &sub).unwrap();
    assert_eq!(t.state, "pending");
    // A retry under the same key, and a replay under another key or by the
    // seller, are the same transfer, not a second one.
    assert_eq!(w.center.request_transfer(&relay, "t1", &sub).unwrap(), t);
    assert_eq!(
        w.center
            .request_transfer(&relay, "t1-replay", &sub)
            .unwrap()
            .id,
        t.id
    );
    assert_eq!(
        w.center
            .request_transfer(&dist(D1), "t-d1", &sub)
            .unwrap()
            .id,
        t.id
    );
    // Who may look at it: its relays and the event's organizer.
    assert_eq!(w.center.transfer(&ORG, &t.id).unwrap(), t);
    for who in [dist(D2), Principal::Gate(EVENT), Principal::Organizer(2)] {
        let refused = w.center.transfer(&who, &t.id);
        assert!(
            matches!(
                &refused,
                Err(Error::Forbidden(_) | Error::NotInAllotment { .. })
            ),
            "{who:?}: {refused:?}"
        );
    }
    assert!(matches!(
        w.center.complete_transfer(&relay, "c0", &t.id),
        Err(Error::CoolingOff { .. })
    ));
    // The seller sees the pending transfer (the notice it gives its holder);
    // another distributor does not.
    let pending = w.center.pending_transfers(&dist(D1)).unwrap();
    assert_eq!(pending.iter().map(|p| &p.id).collect::<Vec<_>>(), [&t.id]);
    assert!(w.center.pending_transfers(&dist(D2)).unwrap().is_empty());
    assert_eq!(
        w.center
            .pending_transfers(&Principal::Operator)
            .unwrap()
            .len(),
        1
    );
    assert!(w.center.pending_transfers(&relay).is_err());
    // The assignor cancels during cooling-off; a wrong chip cannot.
    let signed_cancel = |chip: &TestChip, id: &str| {
        let req = TransferRequest::peek(&w.request).unwrap();
        TransferCancel {
            event: req.event,
            serial: req.serial,
            generation: req.generation,
            ticket_hash: req.ticket_hash,
            from: chip.id,
            transfer: eticket_core::cancel::transfer_ref(id),
            nonce: 9,
            requested_at: w.clock.now_ts(),
        }
        .sign(&chip.secret)
        .unwrap()
    };
    let bad = TransferCancellation {
        assignor_public_key: w.b.public(),
        cancel: signed_cancel(&w.b, &t.id),
    };
    let refused = w.center.cancel_transfer(&relay, "x-bad", &t.id, &bad);
    assert!(
        matches!(&refused, Err(Error::Invalid { .. })),
        "{refused:?}"
    );
    // The assignor's key with another chip's cancellation.
    let forged_answer = TransferCancellation {
        assignor_public_key: w.a.public(),
        ..bad
    };
    let refused = w
        .center
        .cancel_transfer(&relay, "x-forged", &t.id, &forged_answer);
    assert!(
        matches!(&refused, Err(e) if e.code() == "bad_signature"),
        "{refused:?}"
    );
    // The attack as it was: any reader gets the chip to answer a challenge
    // (INTERNAL AUTHENTICATE, no PIN) and presents the answer as a
    // cancellation. The answer is no cancellation any more.
    let old_style = TransferCancellation {
        assignor_public_key: w.a.public(),
        cancel: eticket_core::chipauth::answer_challenge(&w.a.secret, &[7; 32])
            .unwrap()
            .to_vec(),
    };
    assert!(
        w.center
            .cancel_transfer(&relay, "x-old", &t.id, &old_style)
            .is_err()
    );
    // A cancellation signed for another transfer does not cancel this one.
    let elsewhere = TransferCancellation {
        assignor_public_key: w.a.public(),
        cancel: signed_cancel(&w.a, "0123456789abcdef0123456789abcdef"),
    };
    assert!(matches!(
        w.center
            .cancel_transfer(&relay, "x-else", &t.id, &elsewhere),
        Err(Error::Invalid { .. })
    ));
    let cancel = TransferCancellation {
        assignor_public_key: w.a.public(),
        cancel: signed_cancel(&w.a, &t.id),
    };
    assert_eq!(
        w.center
            .cancel_transfer(&relay, "x1", &t.id, &cancel)
            .unwrap()
            .state,
        "cancelled"
    );
    // A fresh request, then completion after cooling-off.
    let req2 = TransferRequest {
        nonce: 2,
        ..TransferRequest::peek(&w.request).unwrap()
    };
    let sub2 = TransferSubmission {
        request: req2.sign(&w.a.secret).unwrap(),
        assignor_public_key: w.a.public(),
    };
    let t2 = w.center.request_transfer(&relay, "t2", &sub2).unwrap();
    w.clock.advance(w.center.config().cooling_off_secs);
    let refused = w.center.complete_transfer(&dist(D2), "c-d2", &t2.id);
    assert!(
        matches!(&refused, Err(Error::NotInAllotment { .. })),
        "{refused:?}"
    );
    let done = w.center.complete_transfer(&relay, "c2", &t2.id).unwrap();
    assert_eq!(done.ticket.generation, Generation(1));
    assert_eq!(done.ticket.holder, Holder::Chip(w.b.id));
    assert_eq!(done.revocation_version, 1);
    assert_eq!(
        w.center.complete_transfer(&relay, "c2", &t2.id).unwrap(),
        done
    );
    assert_eq!(
        w.center
            .complete_transfer(&relay, "c2-again", &t2.id)
            .unwrap(),
        done
    );
    // Grants: the assignee writes the new generation, the assignor deletes the old one.
    let keys = key_set(&w.center);
    let write = w
        .center
        .deliver(
            &relay,
            EVENT,
            w.serial,
            &ChipTarget {
                chip: w.b.id,
                counter: 0,
                slot: 0,
                grant_keys: Vec::new(),
            },
        )
        .unwrap();
    Grant::verify(
        &write.grant.unwrap().grant,
        GrantOp::Write,
        &keys,
        w.clock.now_ts(),
    )
    .unwrap();
    let del = w
        .center
        .delete_grant(
            &relay,
            EVENT,
            w.serial,
            &ChipTarget {
                chip: w.a.id,
                counter: 3,
                slot: 0,
                grant_keys: Vec::new(),
            },
        )
        .unwrap();
    let v = Grant::verify(&del.grant, GrantOp::Delete, &keys, w.clock.now_ts()).unwrap();
    assert_eq!(v.grant.chip, w.a.id);
    // The new holder has nothing old to delete, and is told so plainly.
    let none = w.center.delete_grant(
        &relay,
        EVENT,
        w.serial,
        &ChipTarget {
            chip: w.b.id,
            counter: 1,
            slot: 0,
            grant_keys: Vec::new(),
        },
    );
    assert!(
        matches!(&none, Err(Error::Invalid { .. }))
            && none
                .as_ref()
                .unwrap_err()
                .to_string()
                .contains("holds the valid generation"),
        "{none:?}"
    );
    assert!(matches!(
        w.center.deliver(
            &relay,
            EVENT,
            w.serial,
            &ChipTarget {
                chip: w.a.id,
                counter: 0,
                slot: 0,
                grant_keys: Vec::new()
            }
        ),
        Err(Error::HolderMismatch { .. })
    ));
    // The old generation's request is stale now.
    let req3 = TransferRequest {
        nonce: 3,
        requested_at: w.clock.now_ts(),
        ..req2
    };
    let sub3 = TransferSubmission {
        request: req3.sign(&w.a.secret).unwrap(),
        assignor_public_key: w.a.public(),
    };
    assert!(matches!(
        w.center.request_transfer(&relay, "t3", &sub3),
        Err(Error::TransferStale(_))
    ));
    // Revocation list: full and delta, signed, verifiable by a gate.
    let gate = Principal::Gate(EVENT);
    let full = w.center.revocation_list(&gate, EVENT).unwrap();
    let list = RevocationList::from_signed_bytes(&full.signed, &keys, w.clock.now_ts()).unwrap();
    assert!(list.is_revoked(w.serial, Generation(0)));
    assert!(!list.is_revoked(w.serial, Generation(1)));
    let delta = w.center.revocation_delta(&gate, EVENT, 0).unwrap();
    let d = RevocationDelta::from_signed_bytes(&delta.signed, &keys, w.clock.now_ts()).unwrap();
    let mut empty = RevocationList::empty(EVENT);
    empty.apply(&d).unwrap();
    assert_eq!(empty.entries(), list.entries());
    // Up to date: a renewal that moves next_update on and adds nothing.
    let renewal = w.center.revocation_delta(&gate, EVENT, 1).unwrap();
    let r = RevocationDelta::from_signed_bytes(&renewal.signed, &keys, w.clock.now_ts()).unwrap();
    assert_eq!((r.from_version, r.to_version, r.added.len()), (1, 1, 0));
    assert!(r.next_update > w.clock.now_ts());
    let mut current = list.clone();
    current.apply(&r).unwrap();
    assert_eq!(current.entries(), list.entries());
    assert!(matches!(
        w.center
            .revocation_list(&Principal::Gate(EventId(1)), EVENT),
        Err(Error::Forbidden(_))
    ));
}

fn transfer_crash(backend: Backend) {
    let w = transfer_world(&backend);
    let relay = Principal::Operator;
    let sub = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.a.public(),
    };
    let t = w.center.request_transfer(&relay, "t", &sub).unwrap();
    w.clock.advance(w.center.config().cooling_off_secs);
    for step in ["transfer.after_reissue", "transfer.after_revoke"] {
        w.center.set_fail_point(Some(step));
        assert_eq!(
            w.center.complete_transfer(&relay, "c", &t.id).unwrap_err(),
            Error::FailPoint(step)
        );
        // Nothing of the interrupted step is visible: the assignor still holds generation 0.
        let valid = w.center.issued_ticket(EVENT, w.serial).unwrap().unwrap();
        assert_eq!(
            (valid.generation, valid.holder),
            (Generation(0), Holder::Chip(w.a.id))
        );
        assert_eq!(w.center.transfer(&relay, &t.id).unwrap().state, "pending");
        assert_eq!(w.center.revocation_list(&relay, EVENT).unwrap().version, 0);
    }
    // A second center process on the same ledger resumes it.
    let other = backend.center(&w.clock);
    let done = other.complete_transfer(&relay, "c", &t.id).unwrap();
    assert_eq!(done.ticket.holder, Holder::Chip(w.b.id));
    let stats = other.event_stats(&Principal::Operator, EVENT).unwrap();
    assert_eq!(stats.valid_issued, 1);
    assert_eq!(stats.revocation_version, 1);
    // Racing completions from two centers: still one valid holder.
    assert_eq!(
        w.center
            .complete_transfer(&relay, "c-other", &t.id)
            .unwrap(),
        done
    );
}

/// A ticket revoked while its transfer is pending: the transfer is cancelled
/// with it, and the due-transfer sweep is not held up by a transfer that
/// cannot complete.
fn transfer_of_a_revoked_ticket(backend: Backend) {
    let w = transfer_world(&backend);
    let relay = Principal::Operator;
    let sub = TransferSubmission {
        request: w.request.clone(),
        assignor_public_key: w.a.public(),
    };
    let t = w.center.request_transfer(&relay, "t", &sub).unwrap();
    // Another ticket of the same assignor, bought, issued and transferred.
    let another = |name: &str| {
        let serial = buy(&w.center, D1, &format!("b{name}"), 1, Holder::Chip(w.a.id)).unwrap()[0];
        let issued = w
            .center
            .issue(&dist(D1), &format!("i{name}"), EVENT, serial, None)
            .unwrap();
        let req = TransferRequest {
            serial,
            ticket_hash: eticket_core::grant::payload_hash(&issued.ticket.ticket),
            ..TransferRequest::peek(&w.request).unwrap()
        };
        let sub = TransferSubmission {
            request: req.sign(&w.a.secret).unwrap(),
            assignor_public_key: w.a.public(),
        };
        let t = w
            .center
            .request_transfer(&relay, &format!("t{name}"), &sub)
            .unwrap();
        (serial, t)
    };
    let (_, t2) = another("2");
    w.center
        .revoke_ticket(&ORG, "revoke", EVENT, w.serial)
        .unwrap();
    assert_eq!(w.center.transfer(&relay, &t.id).unwrap().state, "cancelled");
    // A third ticket whose generation a center from before that change
    // revoked without cancelling its pending transfer: the sweep reports it
    // once, cancels it, and completes the others all the same.
    let (serial3, t3) = another("3");
    w.center
        .ledger()
        .transaction(&mut |tx| {
            tx.execute(
                "UPDATE issued SET status = 'revoked' WHERE event = $1 AND serial = $2",
                &[
                    eticket_center::store::Value::int(EVENT.0),
                    eticket_center::store::Value::int(serial3.0),
                ],
            )
        })
        .unwrap();
    w.clock.advance(w.center.config().cooling_off_secs);
    let due = w.center.complete_due_transfers().unwrap();
    assert_eq!(due.completed.len(), 1);
    assert_eq!(due.completed[0].transfer.id, t2.id);
    assert_eq!(due.failed.len(), 1, "{:?}", due.failed);
    assert_eq!(
        (due.failed[0].id.as_str(), due.failed[0].code.as_str()),
        (t3.id.as_str(), "transfer_stale")
    );
    assert_eq!(
        w.center.transfer(&relay, &t3.id).unwrap().state,
        "cancelled"
    );
    let again = w.center.complete_due_transfers().unwrap();
    assert!(
        again.completed.is_empty() && again.failed.is_empty(),
        "{again:?}"
    );
    assert_eq!(
        w.center.issued_ticket(EVENT, w.serial).unwrap(),
        None,
        "the revoked ticket has no valid holder"
    );
}

fn sale_crash(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    center.set_fail_point(Some("sale.after_first_record"));
    assert!(matches!(
        buy(&center, D1, "k", 3, Holder::Paper),
        Err(Error::FailPoint(_))
    ));
    let stats = center.event_stats(&ORG, EVENT).unwrap();
    assert!(stats.counts.iter().all(|c| c.1 == "available"), "{stats:?}");
    assert_eq!(buy(&center, D1, "k", 3, Holder::Paper).unwrap().len(), 3);
    center.set_fail_point(Some("issue.after_sign"));
    let serial = buy(&center, D1, "k2", 1, Holder::Paper).unwrap()[0];
    assert!(center.issue(&dist(D1), "i", EVENT, serial, None).is_err());
    assert!(center.issued_ticket(EVENT, serial).unwrap().is_none());
    center.issue(&dist(D1), "i", EVENT, serial, None).unwrap();
}

/// Eight buyers, each on its own center and connection, race for the last
/// ten seats of distributor 1's allotment with three one-seat purchases each.
fn concurrent_last_seats(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    buy(&center, D1, "pre", 55, Holder::Paper).unwrap();
    let results: Vec<Vec<Result<Vec<TicketSerial>, Error>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let center = backend.center(&c);
                s.spawn(move || {
                    (0..3)
                        .map(|i| buy(&center, D1, &format!("t{t}-{i}"), 1, Holder::Paper))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    // 24 buyers of one seat each race for the last 10: exactly 10 succeed,
    // the other 14 are told it is sold out.
    let mut sold: Vec<TicketSerial> = Vec::new();
    let mut sold_out = 0;
    for r in results.into_iter().flatten() {
        match r {
            Ok(serials) => sold.extend(serials),
            Err(Error::SoldOut { available: 0, .. }) => sold_out += 1,
            Err(e) => panic!("unexpected error {e}"),
        }
    }
    let n = sold.len();
    sold.sort_unstable();
    sold.dedup();
    assert_eq!(sold.len(), n, "a seat was sold twice");
    assert_eq!((n, sold_out), (10, 14));
    let stats = center.event_stats(&ORG, EVENT).unwrap();
    let d1_sold: u32 = stats
        .counts
        .iter()
        .filter(|c| c.0 == Some(D1) && c.1 == "authenticated")
        .map(|c| c.2)
        .sum();
    assert_eq!(d1_sold as usize, 55 + n);
    // Whatever remains is what nobody got.
    let left: u32 = stats
        .counts
        .iter()
        .filter(|c| c.0 == Some(D1) && c.1 == "available")
        .map(|c| c.2)
        .sum();
    assert_eq!(left as usize, 10 - n);
}

fn best_available_seats_together(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let req = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: Some(fixtures::CAT_A),
            quantity: 4,
        },
        holder: Holder::Paper,
        member: None,
    };
    for key in ["together-1", "together-2"] {
        let sale = center.sell(&dist(D1), key, EVENT, &req).unwrap();
        let mut seats: Vec<(BlockId, u16, u16)> = sale
            .records
            .iter()
            .map(|r| match r.place {
                eticket_core::ticket::Place::Seat { block, row, number } => (block, row, number),
                other => panic!("not a seat: {other:?}"),
            })
            .collect();
        seats.sort_unstable();
        assert!(
            seats
                .windows(2)
                .all(|w| w[0].0 == w[1].0 && w[0].1 == w[1].1 && w[0].2 + 1 == w[1].2),
            "{seats:?}"
        );
        assert!(
            sale.records
                .iter()
                .all(|r| r.seat_type == fixtures::CAT_A && r.distributor == D1)
        );
    }
}

fn key_set_published(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    let set = key_set(&center);
    // Grants and lists; ticket keys come with the events.
    assert_eq!(set.entries().len(), 2);
    // The keys live in the ledger: a second center on it signs with the same keys.
    let again = backend.center(&c);
    assert_eq!(key_set(&again), set);
}

trait NowTs {
    fn now_ts(&self) -> eticket_core::time::Timestamp;
}
impl NowTs for Arc<ManualClock> {
    fn now_ts(&self) -> eticket_core::time::Timestamp {
        eticket_center::clock::Clock::now(self.as_ref())
    }
}

suite!(
    registration_and_allotments,
    sale_issue_deliver,
    batch_issuance,
    idempotency,
    allotment_boundaries,
    membership_and_limits,
    hold_until,
    lottery_draw,
    lottery_seat_types_limits_and_policy,
    lottery_insider_cannot_grind_the_seed,
    transfer_flow,
    transfer_crash,
    transfer_of_a_revoked_ticket,
    sale_crash,
    concurrent_last_seats,
    key_set_published,
    best_available_seats_together,
);
