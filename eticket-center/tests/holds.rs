//! Seat holds on SQLite and on PostgreSQL: held seats are kept from other
//! buyers and from sales, a hold is bought or released whole, an expired
//! hold's seats go back on sale (in the next hold or sale, and in the
//! background sweep), one buyer holds at most the cap, a hold survives a
//! restart and a crash mid-hold leaves nothing half-held, and many buyers
//! racing for the last seats each get distinct seats and never more than
//! there are.

#[macro_use]
mod common;

use std::collections::BTreeSet;

use common::{Backend, ORG, SHOP, allotted_to_shop, clock};
use eticket_center::clock::Clock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::holds::{HoldBuyer, HoldConfirm, HoldRequest};
use eticket_center::{Center, Error, Principal};
use eticket_core::fixtures::{CAT_A, EVENT};
use eticket_core::ids::{DistributorId, MemberId, TicketSerial};
use eticket_core::ticket::Holder;

const SHOP_P: Principal = Principal::Distributor(SHOP);

fn best(quantity: u32) -> SeatChoice {
    SeatChoice::BestAvailable {
        seat_type: Some(CAT_A),
        quantity,
    }
}

fn hold_for(
    center: &Center,
    key: &str,
    buyer: &str,
    seats: SeatChoice,
) -> Result<Vec<TicketSerial>, Error> {
    let req = HoldRequest {
        seats,
        buyer: HoldBuyer::Reference(buyer.into()),
    };
    center.hold(&SHOP_P, key, EVENT, &req).map(|h| h.serials)
}

/// Tickets per state name, summed over distributors.
fn count(center: &Center, state: &str) -> u32 {
    center
        .event_stats(&ORG, EVENT)
        .unwrap()
        .counts
        .iter()
        .filter(|c| c.1 == state)
        .map(|c| c.2)
        .sum()
}

const PAPER: HoldConfirm = HoldConfirm {
    holder: Holder::Paper,
    member: None,
};

fn hold_confirm_release_expire(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    allotted_to_shop(&center);
    let available = count(&center, "available");

    // A hold keeps its seats from other buyers and from sales.
    let hold = center
        .hold(
            &SHOP_P,
            "h1",
            EVENT,
            &HoldRequest {
                seats: best(2),
                buyer: HoldBuyer::Reference("alice".into()),
            },
        )
        .unwrap();
    assert_eq!(hold.serials.len(), 2);
    assert_eq!(hold.expires_at, clock.now().plus(15 * 60));
    assert_eq!(count(&center, "held"), 2);
    let taken = hold_for(
        &center,
        "h2",
        "bob",
        SeatChoice::Serials(hold.serials.clone()),
    );
    assert_eq!(taken.unwrap_err().code(), "seat_unavailable");
    let sale = center
        .sell(
            &SHOP_P,
            "s1",
            EVENT,
            &SaleRequest {
                seats: best(1),
                holder: Holder::Paper,
                member: None,
            },
        )
        .unwrap();
    assert!(!hold.serials.contains(&sale.records[0].serial));

    // Bought whole, once; a retry under the same key answers the same.
    let bought = center
        .confirm_hold(&SHOP_P, "c1", EVENT, &hold.token, &PAPER)
        .unwrap();
    let serials: Vec<_> = bought.records.iter().map(|r| r.serial).collect();
    assert_eq!(serials, hold.serials);
    assert_eq!(
        center
            .confirm_hold(&SHOP_P, "c1", EVENT, &hold.token, &PAPER)
            .unwrap(),
        bought
    );
    let again = center.confirm_hold(&SHOP_P, "c1b", EVENT, &hold.token, &PAPER);
    assert_eq!(again.unwrap_err().code(), "unknown_hold");
    assert_eq!(count(&center, "held"), 0);
    assert_eq!(count(&center, "authenticated"), 3);

    // Released: the seats are on sale again.
    let req = HoldRequest {
        seats: best(3),
        buyer: HoldBuyer::Reference("carol".into()),
    };
    let carol = center.hold(&SHOP_P, "h3", EVENT, &req).unwrap();
    let token = carol.token.clone();
    let view = center.release_hold(&SHOP_P, "r3", EVENT, &token).unwrap();
    assert_eq!(view.serials, carol.serials);
    assert_eq!(count(&center, "held"), 0);
    assert_eq!(count(&center, "available"), available - 3);
    // Another distributor does not see the hold.
    let other = Principal::Distributor(DistributorId(2));
    let err = center
        .release_hold(&other, "r3x", EVENT, &token)
        .unwrap_err();
    assert_eq!(err.code(), "unknown_hold");

    // Expired: buying is refused, and the next hold takes the same seats.
    let req = HoldRequest {
        seats: best(2),
        buyer: HoldBuyer::Reference("dave".into()),
    };
    let late = center.hold(&SHOP_P, "h4", EVENT, &req).unwrap();
    clock.advance(15 * 60);
    let err = center
        .confirm_hold(&SHOP_P, "c4", EVENT, &late.token, &PAPER)
        .unwrap_err();
    assert!(matches!(err, Error::HoldExpired { .. }), "{err}");
    assert_eq!(err.code(), "hold_expired");
    let req = HoldRequest {
        seats: SeatChoice::Serials(late.serials.clone()),
        buyer: HoldBuyer::Reference("erin".into()),
    };
    let retaken = center.hold(&SHOP_P, "h5", EVENT, &req).unwrap();
    assert_eq!(retaken.serials, late.serials);
    // The background sweep releases expired holds too.
    clock.advance(15 * 60);
    assert_eq!(count(&center, "held"), 2);
    assert_eq!(center.expire_holds().unwrap(), 1);
    assert_eq!(count(&center, "held"), 0);
    assert_eq!(center.expire_holds().unwrap(), 0);
    // A swept hold is still refused as expired, not as unknown, for a day;
    // releasing it is refused the same way.
    let err = center
        .confirm_hold(&SHOP_P, "c6", EVENT, &retaken.token, &PAPER)
        .unwrap_err();
    assert_eq!(err.code(), "hold_expired", "{err}");
    let err = center
        .release_hold(&SHOP_P, "r6", EVENT, &retaken.token)
        .unwrap_err();
    assert_eq!(err.code(), "hold_expired", "{err}");
    // After that day, the next expiry in the event forgets it.
    clock.advance(86_400);
    let short = hold_for(&center, "h7", "fay", best(1)).unwrap();
    clock.advance(15 * 60);
    assert_eq!(center.expire_holds().unwrap(), 1);
    let err = center
        .confirm_hold(&SHOP_P, "c7", EVENT, &retaken.token, &PAPER)
        .unwrap_err();
    assert_eq!(err.code(), "unknown_hold", "{err} ({short:?})");
}

fn one_buyer_holds_at_most_the_cap(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    allotted_to_shop(&center);
    let first = hold_for(&center, "a", "frank", best(6)).unwrap();
    assert_eq!(first.len(), 6);
    let err = hold_for(&center, "b", "frank", best(5)).unwrap_err();
    assert_eq!(err.code(), "hold_limit");
    assert!(err.to_string().contains("holds 6 seats"), "{err}");
    // Another buyer is not held back; the same buyer within the cap is not.
    hold_for(&center, "c", "grace", best(5)).unwrap();
    hold_for(&center, "d", "frank", best(4)).unwrap();
    // Empty or overlong references are refused.
    for bad in ["", &"x".repeat(65)] {
        let err = hold_for(&center, "e", bad, best(1)).unwrap_err();
        assert_eq!(err.code(), "invalid_request", "{bad:?}");
    }
    // A hold for a member the distributor does not have is refused: its
    // confirmation could only fail, with the seats kept from others.
    let req = HoldRequest {
        seats: best(1),
        buyer: HoldBuyer::Member(MemberId(7)),
    };
    let err = center.hold(&SHOP_P, "m0", EVENT, &req).unwrap_err();
    assert_eq!(err.code(), "unknown_member", "{err}");
    center
        .register_member(
            &SHOP_P,
            "reg7",
            &eticket_center::distributor::MemberRegistration {
                member: MemberId(7),
                name: "Gus".into(),
                chip: common::TestChip::new(0x77).id,
                valid_until: None,
                public_key: None,
            },
        )
        .unwrap();
    // A hold for a member is bought by that member only.
    let hold = center.hold(&SHOP_P, "m", EVENT, &req).unwrap();
    let err = center
        .confirm_hold(&SHOP_P, "mc", EVENT, &hold.token, &PAPER)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request");
}

fn holds_survive_a_restart_and_a_crash_leaves_none_half_made(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    allotted_to_shop(&center);
    let before = count(&center, "available");
    // A failure after the first seat was marked held: nothing stays held.
    center.set_fail_point(Some("hold.after_first_seat"));
    let err = hold_for(&center, "crash", "henry", best(3)).unwrap_err();
    assert_eq!(err.code(), "fail_point", "{err}");
    assert_eq!(
        (count(&center, "held"), count(&center, "available")),
        (0, before)
    );
    // A hold made before a restart is bought after it.
    let req = HoldRequest {
        seats: best(2),
        buyer: HoldBuyer::Reference("henry".into()),
    };
    let hold = center.hold(&SHOP_P, "keep", EVENT, &req).unwrap();
    drop(center);
    let center = backend.center(&clock);
    assert_eq!(count(&center, "held"), 2);
    let sale = center
        .confirm_hold(&SHOP_P, "buy", EVENT, &hold.token, &PAPER)
        .unwrap();
    assert_eq!(sale.records.len(), 2);
}

fn buyers_racing_for_the_last_seats_get_distinct_seats(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    allotted_to_shop(&center);
    let seats = center
        .event_stats(&ORG, EVENT)
        .unwrap()
        .counts
        .iter()
        .map(|c| c.2)
        .sum::<u32>();
    assert!(seats > 0);
    let held: Vec<Vec<TicketSerial>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..6)
            .map(|t| {
                let center = backend.center(&clock);
                s.spawn(move || {
                    let mut mine = Vec::new();
                    for n in 0.. {
                        match hold_for(
                            &center,
                            &format!("t{t}-{n}"),
                            &format!("buyer {t}-{n}"),
                            best(2),
                        ) {
                            Ok(serials) => mine.extend(serials),
                            Err(e) if e.code() == "sold_out" => break,
                            // Contention: the ledger asks to try again.
                            Err(Error::Storage {
                                retryable: true, ..
                            }) => continue,
                            Err(e) => panic!("thread {t}: {e}"),
                        }
                    }
                    mine
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let all: Vec<TicketSerial> = held.into_iter().flatten().collect();
    let distinct: BTreeSet<TicketSerial> = all.iter().copied().collect();
    assert_eq!(distinct.len(), all.len(), "a seat was held twice");
    assert_eq!(count(&center, "held") as usize, all.len());
    // Category A has 40 seats; pairs take them all.
    assert_eq!(all.len(), 40);
}

suite!(
    hold_confirm_release_expire,
    one_buyer_holds_at_most_the_cap,
    holds_survive_a_restart_and_a_crash_leaves_none_half_made,
    buyers_racing_for_the_last_seats_get_distinct_seats,
);
