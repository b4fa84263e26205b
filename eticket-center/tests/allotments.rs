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

suite!(registration_and_allotments, allotment_boundaries,);
