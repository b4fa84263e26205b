//! Selling, issuing and delivering tickets, memberships and limits, batches,
//! idempotency, crashes and races, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use common::world::*;
use common::{Backend, TestChip, clock};
use eticket_center::distributor::{MemberRegistration, SaleRequest, SeatChoice};
use eticket_center::holds::{HoldBuyer, HoldRequest};
use eticket_center::issuance::ChipTarget;
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::{Center, Error, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::*;
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::Holder;

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
    // A store terminal acts only for the distributors it serves.
    let elsewhere = center.deliver(&Principal::Terminal(9), EVENT, serials[0], &target);
    assert!(
        matches!(elsewhere, Err(Error::Forbidden(_))),
        "{elsewhere:?}"
    );
    center
        .set_terminal_distributors(&Principal::Operator, 1, &[D1])
        .unwrap();
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
    for t in [3, 4] {
        center
            .set_terminal_distributors(&Principal::Operator, t, &[D1])
            .unwrap();
    }
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
        seat_map: None,
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
                public_key: None,
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
            public_key: None,
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
                public_key: None,
            }
        ),
        Err(Error::MemberExists { .. })
    ));
    let sale = |key: &str, q: u32, holder: Holder, member: Option<MemberId>| {
        sell_best(&center, D2, key, None, q, holder, member)
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
    // A member holds no more than the limit lets them buy: what they hold
    // counts, and then what they bought.
    let hold = |key: &str, q: u32| {
        center.hold(
            &dist(D2),
            key,
            EVENT,
            &HoldRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: None,
                    quantity: q,
                },
                buyer: HoldBuyer::Member(MemberId(10)),
            },
        )
    };
    assert!(matches!(
        hold("h1", 3),
        Err(Error::MemberLimit {
            have: 0,
            asked: 3,
            limit: 2,
            ..
        })
    ));
    let held = hold("h2", 2).unwrap();
    assert!(matches!(
        hold("h3", 1),
        Err(Error::MemberLimit {
            have: 2,
            asked: 1,
            ..
        })
    ));
    center
        .release_hold(&dist(D2), "h4", EVENT, &held.token)
        .unwrap();
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
    assert!(matches!(
        hold("h5", 1),
        Err(Error::MemberLimit {
            have: 2,
            asked: 1,
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

/// A sale of a seat type the distributor has none of is sold out, and says
/// which seat type; one of a seat type the event does not have is an invalid
/// request.
fn seat_types_asked_for(backend: Backend) {
    let c = clock();
    let center = backend.center(&c);
    setup(&center, fcfs(), fcfs());
    let sale =
        |key: &str, t: SeatType| sell_best(&center, D2, key, Some(t), 1, Holder::Paper, None);
    // D2's allotment holds no category A seat.
    let err = sale("a", fixtures::CAT_A).unwrap_err();
    assert_eq!(err.code(), "sold_out", "{err}");
    assert!(
        err.to_string()
            .contains(&format!("0 tickets of seat type {}", fixtures::CAT_A.0)),
        "{err}"
    );
    let err = sale("b", SeatType(99)).unwrap_err();
    assert_eq!(err.code(), "invalid_request", "{err}");
    assert!(err.to_string().contains("has no seat type 99"), "{err}");
    assert_eq!(sale("c", fixtures::CAT_B).unwrap().records.len(), 1);
}

suite!(
    seat_types_asked_for,
    sale_issue_deliver,
    batch_issuance,
    idempotency,
    membership_and_limits,
    hold_until,
    sale_crash,
    concurrent_last_seats,
    best_available_seats_together,
    key_set_published,
);

/// The backend pids of the center's two kinds of connection: the pooled
/// one plain transactions (reads) take, and the one group commits (every
/// mutating request) run on.
fn backend_pids(center: &Center) -> (i64, i64) {
    use eticket_center::store::Store;
    let pid = |rows: Vec<eticket_center::store::Row>| rows[0].int(0).unwrap();
    let pooled = center
        .ledger()
        .transaction(&mut |tx| tx.query("SELECT pg_backend_pid()", &[]))
        .unwrap();
    let grouped = center
        .ledger()
        .grouped(&mut |tx| tx.query("SELECT pg_backend_pid()", &[]))
        .unwrap();
    (pid(pooled), pid(grouped))
}

/// What a failover does to a center's connections, on one server: a
/// connection the server ended (its primary went away) and one on a server
/// that takes no writes (a standby) are replaced by new ones, and the sale
/// that met them goes through. (`tests/failover.rs` does it for real, with
/// Patroni.)
#[test]
fn postgres_connections_ended_or_read_only_are_replaced() {
    use eticket_center::store::{Store, Value};
    let backend = Backend::postgres();
    let center = backend.center(&clock());
    common::allotted_to_shop(&center);
    let shop = Principal::Distributor(common::SHOP);
    let sale = |key: &str| {
        let req = SaleRequest {
            seats: SeatChoice::BestAvailable {
                seat_type: Some(fixtures::STANDING),
                quantity: 1,
            },
            holder: Holder::Paper,
            member: None,
        };
        center.sell(&shop, key, fixtures::EVENT, &req).unwrap()
    };
    sale("warm");
    let ended = backend_pids(&center);
    let other = backend.ledger();
    for pid in [ended.0, ended.1] {
        other
            .transaction(&mut |tx| tx.query("SELECT pg_terminate_backend($1)", &[Value::Int(pid)]))
            .unwrap();
    }
    assert_eq!(sale("after-end").records.len(), 1);
    let replaced = backend_pids(&center);
    assert_ne!(replaced.0, ended.0, "a new pooled connection");
    assert_ne!(replaced.1, ended.1, "a new group connection");

    let read_only = "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY";
    center
        .ledger()
        .transaction(&mut |tx| tx.execute(read_only, &[]))
        .unwrap();
    center
        .ledger()
        .grouped(&mut |tx| tx.execute(read_only, &[]))
        .unwrap();
    assert_eq!(sale("after-read-only").records.len(), 1);
    // A write through the pool (as the operator's plain transactions do)
    // meets its read-only connection too.
    center
        .ledger()
        .transaction(&mut |tx| tx.execute("CREATE TEMP TABLE IF NOT EXISTS probe (n INT)", &[]))
        .unwrap();
    let now = backend_pids(&center);
    assert_ne!(now.1, replaced.1, "the read-only group connection replaced");
    assert_ne!(now.0, replaced.0, "the read-only pooled one replaced");
}
