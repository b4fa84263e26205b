//! Postponing an event, on SQLite and on PostgreSQL: every issued ticket is
//! re-issued for the new dates as the next generation, gates refuse the old
//! generation telling the holder to update the card or print the new
//! ticket, tickets issued later carry the new dates, holders may have their
//! ticket refunded until the window ends, and a postponement stopped part
//! way goes on without re-issuing anything twice.

#[macro_use]
mod common;

use common::{Backend, ORG, SHOP, clock};
use eticket_center::Principal;
use eticket_center::clock::Clock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::postponement::Postponement;
use eticket_core::admission::Reason;
use eticket_core::event::Schedule;
use eticket_core::fixtures::{self, EVENT, STANDING};
use eticket_core::ids::{DistributorId, GateId, Generation};
use eticket_core::ticket::{Holder, SignedTicket};
use eticket_gate::refusal::Refusal;

const SHOP_P: Principal = Principal::Distributor(SHOP);
const DAY: u64 = 86_400;

/// The fixture's schedule moved 30 days later; refunds until a day before.
fn thirty_days_later() -> Postponement {
    let s = fixtures::small_event().schedule;
    let shift = 30 * DAY;
    let schedule = Schedule {
        doors_open: s.doors_open.plus(shift),
        start: s.start.plus(shift),
        end: s.end.plus(shift),
    };
    Postponement {
        schedule,
        refund_until: schedule.doors_open.minus(DAY),
    }
}

fn body(t: &SignedTicket) -> eticket_core::ticket::TicketBody {
    eticket_core::ticket::peek(t.as_bytes()).unwrap()
}

fn postponed_tickets_are_reissued_and_refundable(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let paper = common::sold_paper(&center, 3);
    let old: Vec<SignedTicket> = paper.iter().map(|s| common::issue(&center, *s)).collect();
    let later = center
        .sell(
            &SHOP_P,
            "sale-2",
            EVENT,
            &SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: Some(STANDING),
                    quantity: 1,
                },
                holder: Holder::Paper,
                member: None,
            },
        )
        .unwrap()
        .records[0]
        .serial;
    let p = thirty_days_later();
    // Only the organizer postpones, and not into the past.
    assert_eq!(
        center
            .postpone_event(&SHOP_P, "no", EVENT, &p)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let bad = Postponement {
        refund_until: p.schedule.end,
        ..p.clone()
    };
    assert_eq!(
        center
            .postpone_event(&ORG, "bad", EVENT, &bad)
            .unwrap_err()
            .code(),
        "invalid_request"
    );
    let done = center.postpone_event(&ORG, "postpone", EVENT, &p).unwrap();
    assert_eq!((done.issued, done.on_new_dates), (3, 3));
    assert!(
        done.new_ticket_key.is_some(),
        "the old event key ends a week after the old date"
    );
    assert_eq!(center.event_info(EVENT).unwrap().schedule, p.schedule);
    // Again: nothing more to re-issue.
    let again = center
        .postpone_event(&ORG, "postpone-again", EVENT, &p)
        .unwrap();
    assert_eq!(again.revocation_version, done.revocation_version);
    assert_eq!(
        (again.issued, again.on_new_dates),
        (3, 3),
        "the same standing"
    );

    // The paper holder prints the new ticket; the seller's sale not issued
    // yet is signed for the new dates when issued.
    let new: SignedTicket = center
        .print_paper_ticket(&SHOP_P, "print-new", EVENT, paper[0])
        .unwrap()
        .ticket
        .signed()
        .unwrap();
    assert!(body(&new).generation >= Generation(1));
    assert_eq!(body(&new).valid_from, p.schedule.doors_open);
    let issued_later = common::issue(&center, later);
    assert_eq!(body(&issued_later).valid_from, p.schedule.doors_open);
    assert_eq!(body(&issued_later).generation, Generation(0));

    // A holder who does not want the new date: refunded by the seller,
    // within the window, once.
    assert_eq!(
        center
            .refund_postponed(
                &Principal::Distributor(DistributorId(9)),
                "r0",
                EVENT,
                paper[1]
            )
            .unwrap_err()
            .code(),
        "not_in_allotment"
    );
    let refund = center
        .refund_postponed(&SHOP_P, "r1", EVENT, paper[2])
        .unwrap();
    assert_eq!(refund.reason, "event_postponed");
    assert_eq!(refund.price, fixtures::prices()[&STANDING]);
    let again = center
        .refund_postponed(&SHOP_P, "r1-again", EVENT, paper[2])
        .unwrap_err();
    assert!(again.to_string().contains("refunded already"), "{again}");
    let refunds = center.refunds(&SHOP_P, EVENT, 0).unwrap();
    assert_eq!(refunds.refunds.len(), 1);
    // A refund of a lower serial made after a seller read its last page is
    // on its next page (records page by the order they were made in).
    let last_seen = refunds.refunds[0].seq;
    center
        .refund_postponed(&SHOP_P, "r0b", EVENT, paper[1])
        .unwrap();
    let next = center.refunds(&SHOP_P, EVENT, last_seen).unwrap();
    assert_eq!(
        next.refunds.iter().map(|r| r.serial).collect::<Vec<_>>(),
        vec![paper[1]]
    );
    // Anyone the event concerns reads where it stands.
    let status = center.event_status(EVENT).unwrap();
    assert_eq!(
        (status.schedule, status.refund_until, status.cancelled_at),
        (p.schedule, Some(p.refund_until), None)
    );
    // Refunds are the sellers' and the organizer's to read.
    assert_eq!(
        center
            .refunds(&Principal::Gate(EVENT), EVENT, 0)
            .unwrap_err()
            .code(),
        "forbidden"
    );

    // At the new date's doors: the old copy is refused as replaced (with
    // what to do), the new one enters, the refunded one is revoked. The old
    // event key expired since; a key change (another event registered)
    // would drop it, but it stays in the set until the new date is over.
    clock.advance(p.schedule.doors_open.0 + 60 - clock.now().0);
    let mut other = fixtures::small_event();
    other.id = eticket_core::ids::EventId(4242);
    other.schedule = p.schedule;
    center
        .register_event(
            &ORG,
            "reg-other",
            &eticket_center::organizer::EventRegistration {
                info: other,
                prices: fixtures::prices(),
                seat_map: None,
            },
        )
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let unit = common::venue(&center, dir.path());
    let mut gate = unit.gate(GateId(1), "north").unwrap();
    let now = center.now();
    let refused = gate.admit_paper(old[0].as_bytes(), now).unwrap();
    assert_eq!(
        refused.refusal(),
        Some(Refusal::Ticket(Reason::Replaced)),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("print the new paper ticket"),
        "{refused}"
    );
    let admitted = gate.admit_paper(new.as_bytes(), now).unwrap();
    assert!(admitted.is_admitted(), "{admitted}");
    assert!(
        gate.admit_paper(issued_later.as_bytes(), now)
            .unwrap()
            .is_admitted()
    );
    // After the window: no more refunds.
    let err = center
        .refund_postponed(&SHOP_P, "r2", EVENT, paper[0])
        .unwrap_err();
    assert!(err.to_string().contains("refund window"), "{err}");
}

/// A ticket printed or delivered while a postponement is still under way
/// is re-issued for the new date first: nobody walks away with a ticket
/// for the old date. A store terminal prints a re-issued generation's first
/// copy (it is not a reprint).
fn nothing_leaves_for_the_old_date(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let serials = common::sold_paper(&center, 4);
    for s in &serials {
        common::issue(&center, *s);
    }
    let terminal = Principal::Terminal(1);
    center
        .set_terminal_distributors(&Principal::Operator, 1, &[SHOP])
        .unwrap();
    let first = center
        .print_paper_ticket(&terminal, "t-print-1", EVENT, serials[3])
        .unwrap();
    assert_eq!(first.copy, 1);
    clock.advance(60);
    let p = thirty_days_later();
    // Stop after the schedule is stored, before any ticket is re-issued.
    center.set_fail_point(Some("postpone.batch"));
    assert!(center.postpone_event(&ORG, "postpone", EVENT, &p).is_err());
    center.set_fail_point(None);
    let printed = center
        .print_paper_ticket(&SHOP_P, "print-0", EVENT, serials[0])
        .unwrap();
    assert_eq!(printed.ticket.generation, Generation(1));
    assert_eq!(
        body(&printed.ticket.signed().unwrap()).valid_from,
        p.schedule.doors_open
    );
    // The terminal printed copy 1 of generation 0; generation 1 is new, so
    // it prints that too, and it is still generation 1 (no reprint).
    let again = center
        .print_paper_ticket(&terminal, "t-print-2", EVENT, serials[3])
        .unwrap();
    assert_eq!(again.ticket.generation, Generation(1));
    assert_eq!(again.copy, 2);
    // A second print of it by the terminal is a reprint: the seller's.
    assert_eq!(
        center
            .print_paper_ticket(&terminal, "t-print-3", EVENT, serials[3])
            .unwrap_err()
            .code(),
        "forbidden"
    );
    // Finishing the postponement touches neither of them again.
    let done = center.postpone_event(&ORG, "postpone", EVENT, &p).unwrap();
    assert_eq!((done.issued, done.on_new_dates), (4, 4));
    let reprint = center
        .print_paper_ticket(&SHOP_P, "print-0b", EVENT, serials[0])
        .unwrap();
    assert_eq!(reprint.ticket.generation, Generation(2), "a reprint");
}

/// A postponement stopped between batches goes on where it stopped: every
/// issued ticket ends with exactly one re-issue (generation 1).
fn a_stopped_postponement_resumes(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let serials = common::sold_paper(&center, 12);
    for s in &serials {
        common::issue(&center, *s);
    }
    let p = thirty_days_later();
    let mut seen = Vec::new();
    let stopped = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        center.postpone_event_with(&ORG, "postpone", EVENT, &p, 5, &mut |d| {
            seen.push(d);
            if seen.len() == 2 {
                panic!("stop here");
            }
        })
    }));
    assert!(stopped.is_err());
    assert_eq!(seen, vec![5, 10]);
    // Another process finishes it.
    let other = backend.center(&clock);
    let done = other.postpone_event(&ORG, "postpone-2", EVENT, &p).unwrap();
    assert_eq!((done.issued, done.on_new_dates), (12, 12));
    for s in &serials {
        let t = other
            .print_paper_ticket(&SHOP_P, &format!("print-{}", s.0), EVENT, *s)
            .unwrap();
        assert_eq!(t.ticket.generation, Generation(1), "ticket {s}: {t:?}");
    }
}

suite!(
    nothing_leaves_for_the_old_date,
    postponed_tickets_are_reissued_and_refundable,
    a_stopped_postponement_resumes
);
