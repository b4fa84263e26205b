//! Registering events and distributors, and allotting their seats, on SQLite
//! and on PostgreSQL.

#[macro_use]
mod common;

use common::world::*;
use common::{Backend, clock};
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::organizer::{EventRegistration, SeatSelection, SeatSelector};
use eticket_center::{Error, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::ticket::Holder;

fn registration_and_allotments(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    setup(&center, fcfs(), fcfs());
    // Re-allot twenty seats of block 2 to distributor 1 by seat selection.
    let sel = SeatSelection {
        distributor: Some(D1),
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
        as_of: None,
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
        seat_map: None,
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

/// The Small Hall registered from its event file keeps its seat map: best
/// available never sells an accessible place or a companion seat to a
/// general request (of their seat type, or of any), whether it finds
/// seats together or falls back to the lowest serials; the page's seat
/// map carries the geometry and the flags. A seat map that is not the
/// event's seat master is refused.
fn seat_map_kept_with_the_event(b: Backend) {
    let c = clock();
    let center = b.center(&c);
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/small_hall_evening.toml");
    let reg = eticket_center::event_file::load(&path).unwrap();
    let event = reg.info.id;
    // A seat map with one seat fewer than the seat master is refused.
    let mut wrong = reg.clone();
    if let Some(map) = wrong.seat_map.as_mut() {
        map.cells.pop();
    }
    let err = center
        .register_event(&ORG, "reg-wrong", &wrong)
        .unwrap_err();
    assert!(err.to_string().contains("seat_map"), "{err}");
    center.register_event(&ORG, "reg-hall", &reg).unwrap();
    center
        .register_distributor(&Principal::Operator, "d1", D1, "One")
        .unwrap();
    center
        .select_distributor(&ORG, "sel1", event, D1, fcfs())
        .unwrap();
    let all = AllotmentRatios {
        shares: vec![RatioShare {
            distributor: D1,
            weight: 1,
            seat_type: None,
        }],
    };
    center
        .set_allotment_ratios(&ORG, "ratios", event, &all)
        .unwrap();
    let map = eticket_center::http::page::build_seat_map(&center, event).unwrap();
    let reserved = map.cells.flags.iter().filter(|f| **f != 0).count();
    assert!(
        reserved >= 4,
        "accessible places and companion seats: {reserved}"
    );
    assert!(map.blocks.iter().all(|b| b.geometry.is_some()));
    assert!(map.cells.x.is_empty(), "positions come from the geometry");
    assert!(map.landmarks.iter().any(|l| l.kind == "stage"));
    // Pairs of the companion seats' seat type, then any seats in threes,
    // until nothing general is left.
    let sell = |key: &str, seat_type: Option<SeatType>, quantity: u32| {
        let req = SaleRequest {
            seats: SeatChoice::BestAvailable {
                seat_type,
                quantity,
            },
            holder: Holder::Paper,
            member: None,
        };
        center.sell(&dist(D1), key, event, &req)
    };
    let mut k = 0;
    while sell(&format!("pair-{k}"), Some(SeatType(2)), 2).is_ok() {
        k += 1;
    }
    assert!(k > 10, "{k} pairs");
    while sell(&format!("three-{k}"), None, 3).is_ok() {
        k += 1;
    }
    while sell(&format!("one-{k}"), None, 1).is_ok() {
        k += 1;
    }
    let map = eticket_center::http::page::build_seat_map(&center, event).unwrap();
    let cells = &map.cells;
    for i in 0..cells.block.len() {
        let seat = (cells.block[i], cells.row[i], cells.number[i]);
        match (cells.flags[i], cells.taken[i]) {
            (0, taken) => assert!(taken != 0, "seat {seat:?} is left unsold"),
            (flag, taken) => assert_eq!(taken, 0, "seat {seat:?} (flags {flag}) was sold"),
        }
    }
}

suite!(
    registration_and_allotments,
    allotment_boundaries,
    seat_map_kept_with_the_event,
);
