//! Cancelling an event, on SQLite and on PostgreSQL: unsold tickets are
//! withdrawn, sold ones revoked with one refund record each (read by the
//! distributor that sold them), holds end, nothing more is sold, gates that
//! sync refuse the issued tickets, and a cancellation stopped between
//! batches goes on without doubling anything.

#[macro_use]
mod common;

use common::{Backend, ORG, SHOP, clock};
use eticket_center::Principal;
use eticket_center::clock::Clock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::holds::{HoldBuyer, HoldRequest};
use eticket_core::admission::Reason;
use eticket_core::fixtures::{self, EVENT, STANDING};
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::ticket::Holder;
use eticket_gate::refusal::Refusal;

const SHOP_P: Principal = Principal::Distributor(SHOP);

fn sale(n: u32) -> SaleRequest {
    SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: Some(STANDING),
            quantity: n,
        },
        holder: Holder::Paper,
        member: None,
    }
}

fn states(center: &eticket_center::Center) -> Vec<(String, u32)> {
    let mut out: Vec<(String, u32)> = Vec::new();
    for (_, state, n) in center.event_stats(&ORG, EVENT).unwrap().counts {
        match out.iter_mut().find(|(s, _)| *s == state) {
            Some(e) => e.1 += n,
            None => out.push((state, n)),
        }
    }
    out.sort();
    out
}

fn cancelling_refunds_sold_tickets_and_stops_sales(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    // 3 issued paper tickets, 2 sold and not issued, 2 seats held.
    let issued_serials = common::sold_paper(&center, 3);
    let issued: Vec<_> = issued_serials
        .iter()
        .map(|s| common::issue(&center, *s))
        .collect();
    let sold = center.sell(&SHOP_P, "sale-2", EVENT, &sale(2)).unwrap();
    let hold = center
        .hold(
            &SHOP_P,
            "hold",
            EVENT,
            &HoldRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: None,
                    quantity: 2,
                },
                buyer: HoldBuyer::Reference("buyer-7".into()),
            },
        )
        .unwrap();
    // Only the organizer cancels.
    assert_eq!(
        center
            .cancel_event(&SHOP_P, "no", EVENT)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    assert_eq!(
        center
            .cancel_event(&Principal::Organizer(2), "no", EVENT)
            .unwrap_err()
            .code(),
        "forbidden"
    );
    let done = center.cancel_event(&ORG, "cancel", EVENT).unwrap();
    assert_eq!(
        (
            done.tickets,
            done.revoked,
            done.used,
            done.refunds,
            done.complete
        ),
        (130, 130, 0, 5, true)
    );
    assert_eq!(
        states(&center),
        vec![("revoked".to_owned(), 130)],
        "every ticket of the event admits nobody"
    );
    // One refund record per sold ticket, with what the distributor needs.
    let refunds = center.refunds(&SHOP_P, EVENT, 0).unwrap();
    assert!(!refunds.more);
    let mut serials: Vec<TicketSerial> = refunds.refunds.iter().map(|r| r.serial).collect();
    let mut expected: Vec<TicketSerial> = issued_serials
        .iter()
        .copied()
        .chain(sold.records.iter().map(|r| r.serial))
        .collect();
    serials.sort();
    expected.sort();
    assert_eq!(serials, expected);
    for r in &refunds.refunds {
        assert_eq!(r.distributor, SHOP);
        assert_eq!(r.holder, Holder::Paper);
        assert_eq!(r.reason, "event_cancelled");
        assert_eq!(r.price, fixtures::prices()[&STANDING]);
    }
    // Another distributor sees none of them; the organizer sees all.
    assert!(
        center
            .refunds(
                &Principal::Distributor(eticket_core::ids::DistributorId(9)),
                EVENT,
                0
            )
            .unwrap()
            .refunds
            .is_empty()
    );
    assert_eq!(center.refunds(&ORG, EVENT, 0).unwrap().refunds.len(), 5);
    // The hold ended: confirming it says the event is cancelled.
    let err = center
        .confirm_hold(
            &SHOP_P,
            "confirm",
            EVENT,
            &hold.token,
            &eticket_center::holds::HoldConfirm {
                holder: Holder::Paper,
                member: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "event_cancelled", "{err}");
    // Nothing more is sold, held or allotted.
    let err = center.sell(&SHOP_P, "after", EVENT, &sale(1)).unwrap_err();
    assert_eq!(err.code(), "event_cancelled", "{err}");
    assert!(err.to_string().contains("was cancelled"), "{err}");
    // Again, under another key or the same: nothing changes, and the
    // answer is the first one (a client that lost it learns where things
    // are).
    assert_eq!(
        center.cancel_event(&ORG, "cancel-again", EVENT).unwrap(),
        done
    );
    assert_eq!(center.cancel_event(&ORG, "cancel", EVENT).unwrap(), done);
    // A gate that syncs refuses the issued tickets, saying the event was
    // cancelled (at the event's time).
    clock.advance(fixtures::NOW.0 - clock.now().0);
    let dir = tempfile::tempdir().unwrap();
    let unit = common::venue(&center, dir.path());
    let mut gate = unit.gate(GateId(1), "north").unwrap();
    for t in &issued {
        let outcome = gate.admit_paper(t.as_bytes(), center.now()).unwrap();
        assert_eq!(
            outcome.refusal(),
            Some(Refusal::Ticket(Reason::EventCancelled)),
            "{outcome}"
        );
    }
}

/// A cancellation stopped between batches (a crash) leaves the event
/// cancelled and part done; cancelling again finishes it, with one refund
/// record and one revocation per sold ticket.
fn a_stopped_cancellation_resumes(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    common::sell_paper(&center, 10);
    center.sell(&SHOP_P, "sale-2", EVENT, &sale(20)).unwrap();
    let mut batches = 0;
    center.set_fail_point(Some("cancel.batch"));
    let err = center
        .cancel_event_with(&ORG, "cancel", EVENT, 7, &mut |_| batches += 1)
        .unwrap_err();
    assert_eq!(err.code(), "fail_point", "{err}");
    center.set_fail_point(None);
    // Cancelled from the first step on: sales are refused already.
    let err = center.sell(&SHOP_P, "after", EVENT, &sale(1)).unwrap_err();
    assert_eq!(err.code(), "event_cancelled");
    // A few batches, then stop (the progress callback counts them).
    let mut seen = Vec::new();
    let partial = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        center.cancel_event_with(&ORG, "cancel-2", EVENT, 7, &mut |p| {
            seen.push(p);
            if seen.len() == 3 {
                panic!("stop here");
            }
        })
    }));
    assert!(partial.is_err());
    assert_eq!(seen, vec![7, 14, 21]);
    let counts = states(&center);
    let revoked = counts
        .iter()
        .find(|(s, _)| s == "revoked")
        .map_or(0, |c| c.1);
    assert_eq!(revoked, 21, "{counts:?}");
    // Another process finishes it.
    let other = backend.center(&clock);
    let done = other.cancel_event(&ORG, "cancel-3", EVENT).unwrap();
    assert!(done.complete);
    assert_eq!((done.revoked, done.refunds), (130, 30));
    assert_eq!(states(&other), vec![("revoked".to_owned(), 130)]);
    let list = other
        .revocation_list(&Principal::Gate(EVENT), EVENT)
        .unwrap();
    assert_eq!(list.version, done.revocation_version);
    // Each issued generation is on the list once.
    let stats = other.event_stats(&ORG, EVENT).unwrap();
    assert_eq!(stats.valid_issued, 0);
}

/// Gates say why a generation admits nobody: a ticket the organizer
/// revoked is "revoked", a lost paper copy after a reprint is "replaced"
/// (print the new one), and after a cancellation "event cancelled".
fn gates_say_why_a_ticket_admits_nobody(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let serials = common::sold_paper(&center, 3);
    let tickets: Vec<_> = serials.iter().map(|s| common::issue(&center, *s)).collect();
    center
        .revoke_ticket(&ORG, "revoke", EVENT, serials[0])
        .unwrap();
    // The first print is copy 1; the seller's reprint is a new generation.
    for copy in ["print-1", "print-2"] {
        center
            .print_paper_ticket(&SHOP_P, copy, EVENT, serials[1])
            .unwrap();
    }
    clock.advance(fixtures::NOW.0 - clock.now().0);
    let dir = tempfile::tempdir().unwrap();
    let unit = common::venue(&center, dir.path());
    let mut gate = unit.gate(GateId(1), "north").unwrap();
    let why = |gate: &mut eticket_gate::Gate, t: &eticket_core::ticket::SignedTicket| {
        gate.admit_paper(t.as_bytes(), center.now())
            .unwrap()
            .refusal()
    };
    assert_eq!(
        why(&mut gate, &tickets[0]),
        Some(Refusal::Ticket(Reason::Revoked))
    );
    let replaced = why(&mut gate, &tickets[1]);
    assert_eq!(replaced, Some(Refusal::Ticket(Reason::Replaced)));
    assert!(
        replaced
            .unwrap()
            .to_string()
            .contains("print the new paper ticket"),
        "the steward text says what to do"
    );
    center.cancel_event(&ORG, "cancel", EVENT).unwrap();
    let unit2_dir = tempfile::tempdir().unwrap();
    let unit2 = common::venue(&center, unit2_dir.path());
    let mut gate2 = unit2.gate(GateId(1), "north").unwrap();
    assert_eq!(
        why(&mut gate2, &tickets[2]),
        Some(Refusal::Ticket(Reason::EventCancelled))
    );
    // What was revoked before keeps its own reason.
    assert_eq!(
        why(&mut gate2, &tickets[0]),
        Some(Refusal::Ticket(Reason::Revoked))
    );
}

suite!(
    gates_say_why_a_ticket_admits_nobody,
    cancelling_refunds_sold_tickets_and_stops_sales,
    a_stopped_cancellation_resumes
);
