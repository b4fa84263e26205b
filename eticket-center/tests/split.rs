//! Splitting selected seats between distributors by weight, on SQLite and
//! on PostgreSQL: every selected seat and standing place goes to one of the
//! distributors in the ratio asked, per seat type; whole-venue selectors
//! (all, seat type, rectangle) fit one request; the split is compare and set
//! like a selection, all or nothing, and idempotent under its key.

#[macro_use]
mod common;

use std::collections::BTreeMap;

use common::{Backend, ORG, clock};
use eticket_center::organizer::{EventRegistration, SeatSelection, SeatSelector};
use eticket_center::policy::DistributionPolicy;
use eticket_center::split::{SeatSplit, SplitShare};
use eticket_center::{Center, Error, Principal};
use eticket_core::fixtures::{self, CAT_A, EVENT, STANDING};
use eticket_core::ids::{BlockId, DistributorId};

const ONE: DistributorId = DistributorId(1);
const TWO: DistributorId = DistributorId(2);

fn event_with_two_sellers(center: &Center) {
    let op = Principal::Operator;
    let reg = EventRegistration {
        info: fixtures::small_event(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    center.register_event(&ORG, "reg", &reg).unwrap();
    for d in [ONE, TWO] {
        center
            .register_distributor(&op, &format!("d{d}"), d, "Shop")
            .unwrap();
        center
            .select_distributor(
                &ORG,
                &format!("sel{d}"),
                EVENT,
                d,
                DistributionPolicy::default(),
            )
            .unwrap();
    }
}

fn shares(one: u32, two: u32) -> Vec<SplitShare> {
    vec![
        SplitShare {
            distributor: ONE,
            weight: one,
        },
        SplitShare {
            distributor: TWO,
            weight: two,
        },
    ]
}

/// Tickets per (distributor, seat type): reserved seats from the page's seat
/// map, standing places (seat type STANDING) as the rest of the counts.
fn owners(center: &Center) -> BTreeMap<(Option<DistributorId>, u16), u32> {
    let map = eticket_center::http::page::build_seat_map(center, EVENT).unwrap();
    let mut out: BTreeMap<(Option<DistributorId>, u16), u32> = BTreeMap::new();
    let mut seats_of: BTreeMap<Option<DistributorId>, u32> = BTreeMap::new();
    for (owner, seat_type) in map.cells.owner.iter().zip(&map.cells.seat_type) {
        let owner = (*owner != 0).then_some(DistributorId(*owner));
        *out.entry((owner, *seat_type)).or_default() += 1;
        *seats_of.entry(owner).or_default() += 1;
    }
    let mut total: BTreeMap<Option<DistributorId>, u32> = BTreeMap::new();
    for (d, _, n) in center.event_stats(&ORG, EVENT).unwrap().counts {
        *total.entry(d).or_default() += n;
    }
    for (d, n) in total {
        let standing = n - seats_of.get(&d).copied().unwrap_or(0);
        if standing > 0 {
            out.insert((d, u16::from(STANDING.0)), standing);
        }
    }
    out
}

fn whole_event_split_by_weight(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    let split = SeatSplit {
        seats: vec![SeatSelector::All],
        shares: shares(3, 1),
        from: vec![],
        as_of: None,
    };
    let done = center
        .split_allotment(&ORG, "split", EVENT, &split)
        .unwrap();
    assert_eq!(done.split, 130);
    assert_eq!(done.summary.unallotted, 0);
    // Per seat type, 3:1 rounded by the largest remainder.
    let by = owners(&center);
    for ((owner, seat_type), n) in &by {
        let total: u32 = by
            .iter()
            .filter(|((_, t), _)| t == seat_type)
            .map(|(_, n)| n)
            .sum();
        let weight = if *owner == Some(ONE) { 3 } else { 1 };
        let ideal = f64::from(total) * f64::from(weight) / 4.0;
        assert!(
            (f64::from(*n) - ideal).abs() < 1.0,
            "{owner:?} type {seat_type}: {n} of {total}"
        );
    }
    assert_eq!(
        done.shares.iter().map(|s| s.1).sum::<u32>(),
        130,
        "{:?}",
        done.shares
    );
    // A retry with the key answers the same and moves nothing.
    assert_eq!(
        center
            .split_allotment(&ORG, "split", EVENT, &split)
            .unwrap(),
        done
    );
}

fn split_is_compare_and_set(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    let block1 = SeatSelector::Rect {
        block: BlockId(1),
        rows: [1, 2],
        numbers: [1, 10],
    };
    // Row 1 of block 1 goes to TWO first (another tab).
    center
        .set_allotment_selection(
            &ORG,
            "row1",
            EVENT,
            &SeatSelection {
                distributor: Some(TWO),
                seats: vec![SeatSelector::Row {
                    block: BlockId(1),
                    row: 1,
                }],
                from: vec![],
                as_of: None,
            },
        )
        .unwrap();
    let before = owners(&center);
    // A split that saw those seats unallotted is refused whole.
    let stale = SeatSplit {
        seats: vec![block1],
        shares: shares(1, 1),
        from: vec![],
        as_of: None,
    };
    let err = center
        .split_allotment(&ORG, "stale", EVENT, &stale)
        .unwrap_err();
    assert_eq!(err.code(), "allotment_changed", "{err}");
    assert!(
        err.to_string()
            .contains("block 1 row 1 seat 1 (ticket 1): distributor 2 now"),
        "{err}"
    );
    assert_eq!(owners(&center), before);
    // Naming both owners it saw, it goes through: 20 seats, 10 each.
    let fresh = SeatSplit {
        from: vec![None, Some(TWO)],
        ..stale
    };
    let done = center
        .split_allotment(&ORG, "fresh", EVENT, &fresh)
        .unwrap();
    assert_eq!(done.split, 20);
    assert_eq!(done.shares, vec![(ONE, 10), (TWO, 10)]);
}

fn split_refuses_what_it_cannot_do(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    let all = |shares| SeatSplit {
        seats: vec![SeatSelector::All],
        shares,
        from: vec![],
        as_of: None,
    };
    for bad in [vec![], shares(1, 0)] {
        let err = center
            .split_allotment(&ORG, "bad", EVENT, &all(bad))
            .unwrap_err();
        assert_eq!(err.code(), "invalid_request", "{err}");
    }
    let twice = vec![
        SplitShare {
            distributor: ONE,
            weight: 1,
        },
        SplitShare {
            distributor: ONE,
            weight: 2,
        },
    ];
    assert!(
        center
            .split_allotment(&ORG, "twice", EVENT, &all(twice))
            .is_err()
    );
    // A distributor not selected for the event, another organizer, an
    // inverted rectangle, a seat type with no seats.
    let stranger = vec![SplitShare {
        distributor: DistributorId(9),
        weight: 1,
    }];
    assert!(matches!(
        center.split_allotment(&ORG, "stranger", EVENT, &all(stranger)),
        Err(Error::NotSelected { .. }) | Err(Error::UnknownDistributor(_))
    ));
    assert!(matches!(
        center.split_allotment(&Principal::Organizer(2), "other", EVENT, &all(shares(1, 1))),
        Err(Error::Forbidden(_))
    ));
    let inverted = SeatSplit {
        seats: vec![SeatSelector::Rect {
            block: BlockId(1),
            rows: [3, 1],
            numbers: [1, 10],
        }],
        ..all(shares(1, 1))
    };
    assert!(
        center
            .split_allotment(&ORG, "inv", EVENT, &inverted)
            .is_err()
    );
    let none = SeatSplit {
        seats: vec![SeatSelector::SeatType(eticket_core::ids::SeatType(99))],
        ..all(shares(1, 1))
    };
    assert!(center.split_allotment(&ORG, "none", EVENT, &none).is_err());
    assert_eq!(center.event_stats(&ORG, EVENT).unwrap().counts.len(), 1);
}

fn standing_places_split_too(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    let standing = SeatSplit {
        seats: vec![SeatSelector::SeatType(STANDING)],
        shares: shares(1, 1),
        from: vec![],
        as_of: None,
    };
    let done = center
        .split_allotment(&ORG, "standing", EVENT, &standing)
        .unwrap();
    let by = owners(&center);
    assert_eq!(
        by[&(Some(ONE), u16::from(STANDING.0))],
        by[&(Some(TWO), u16::from(STANDING.0))]
    );
    assert_eq!(done.split, by[&(Some(ONE), u16::from(STANDING.0))] * 2);
    assert!(!by.contains_key(&(Some(ONE), u16::from(CAT_A.0))), "{by:?}");
}

/// Every allotment route writes the log in its transaction: who, which
/// operation, from which owner to which, which tickets; a refused change
/// writes nothing; only the event's organizer (or the operator) reads it.
fn the_log_says_who_moved_what(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    let row = |row| SeatSelector::Row {
        block: BlockId(1),
        row,
    };
    center
        .set_allotment_selection(
            &ORG,
            "row1",
            EVENT,
            &SeatSelection {
                distributor: Some(ONE),
                seats: vec![row(1)],
                from: vec![],
                as_of: None,
            },
        )
        .unwrap();
    // Refused (stale): nothing logged.
    assert!(
        center
            .set_allotment_selection(
                &ORG,
                "stale",
                EVENT,
                &SeatSelection {
                    distributor: Some(TWO),
                    seats: vec![row(1)],
                    from: vec![],
                    as_of: None,
                },
            )
            .is_err()
    );
    clock.advance(60);
    center
        .split_allotment(
            &Principal::Operator,
            "split",
            EVENT,
            &SeatSplit {
                seats: vec![row(1), row(2)],
                shares: shares(1, 1),
                from: vec![None, Some(ONE)],
                as_of: None,
            },
        )
        .unwrap();
    let log = center.allotment_log(&ORG, EVENT, 0).unwrap();
    assert!(!log.more);
    let e = &log.entries;
    assert_eq!(e[0].id, 1);
    assert_eq!(
        (
            e[0].by.as_str(),
            e[0].operation.as_str(),
            e[0].from,
            e[0].to,
            e[0].tickets
        ),
        ("organizer:1", "allot_selection", None, Some(ONE), 10)
    );
    assert_eq!(e[0].serials, "1-10", "row 1 of block 1 is serials 1 to 10");
    // Each entry names the request that made it (its idempotency key).
    assert_eq!(e[0].request.as_deref(), Some("row1"));
    assert!(e[1..].iter().all(|x| x.request.as_deref() == Some("split")));
    // The split: row 1 (ONE's) and row 2 (nobody's), 1:1; seats that stay
    // with ONE are no change and are not logged.
    assert!(
        e[1..]
            .iter()
            .all(|x| x.operation == "split_allotment" && x.by == "operator")
    );
    assert_eq!(e[1].at.0, e[0].at.0 + 60);
    let moved: u32 = e[1..].iter().map(|x| x.tickets).sum();
    let stayed = 10
        - e[1..]
            .iter()
            .filter(|x| x.from == Some(ONE))
            .map(|x| x.tickets)
            .sum::<u32>();
    assert_eq!(moved + stayed, 20, "{e:?}");
    assert!(e[1..].iter().all(|x| x.from != x.to));
    // Paging, and who may read it.
    let rest = center.allotment_log(&ORG, EVENT, 1).unwrap();
    assert_eq!(rest.entries, e[1..].to_vec());
    assert!(matches!(
        center.allotment_log(&Principal::Organizer(2), EVENT, 0),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        center.allotment_log(&Principal::Distributor(ONE), EVENT, 0),
        Err(Error::Forbidden(_))
    ));
}

fn row(row: u16) -> SeatSelector {
    SeatSelector::Row {
        block: BlockId(1),
        row,
    }
}

fn allot(
    center: &Center,
    key: &str,
    to: DistributorId,
    rows: &[u16],
    from: &[Option<DistributorId>],
) -> u64 {
    center
        .set_allotment_selection(
            &ORG,
            key,
            EVENT,
            &SeatSelection {
                distributor: Some(to),
                seats: rows.iter().map(|r| row(*r)).collect(),
                from: from.to_vec(),
                as_of: None,
            },
        )
        .unwrap()
        .version
}

/// A tab saw row 1 with ONE and row 2 with TWO; another session then moved
/// row 1 to TWO. A split naming both owners passes the owner check (TWO is
/// one it saw), but not the version check: refused, nothing moves.
fn stale_split_over_mixed_owners_is_refused(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    allot(&center, "r1", ONE, &[1], &[]);
    let seen = allot(&center, "r2", TWO, &[2], &[]);
    assert_eq!(
        center.allotment_log(&ORG, EVENT, 0).unwrap().entries.len() as u64,
        seen
    );
    let moved = allot(&center, "r1-two", TWO, &[1], &[Some(ONE)]);
    assert!(moved > seen);
    let before = owners(&center);
    let stale = SeatSplit {
        seats: vec![row(1), row(2)],
        shares: shares(1, 1),
        from: vec![Some(ONE), Some(TWO)],
        as_of: Some(seen),
    };
    let err = center
        .split_allotment(&ORG, "stale", EVENT, &stale)
        .unwrap_err();
    assert_eq!(err.code(), "allotment_changed", "{err}");
    let text = err.to_string();
    assert!(
        text.contains("10 of the seats and places changed owner after allotment version"),
        "{text}"
    );
    assert!(text.contains("and 5 more"), "{text}");
    assert_eq!(owners(&center), before);
    // A selection from the same stale view is refused the same way.
    let err = center
        .set_allotment_selection(
            &ORG,
            "stale-sel",
            EVENT,
            &SeatSelection {
                distributor: Some(ONE),
                seats: vec![row(1)],
                from: vec![Some(ONE), Some(TWO)],
                as_of: Some(seen),
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "allotment_changed", "{err}");
    // A change elsewhere after the version does not refuse these seats.
    let other = allot(&center, "r4", ONE, &[4], &[]);
    let fresh = SeatSplit {
        as_of: Some(moved),
        ..stale.clone()
    };
    let done = center
        .split_allotment(&ORG, "fresh", EVENT, &fresh)
        .unwrap();
    assert_eq!(done.split, 20);
    assert!(done.summary.version > other);
    // A version the event has not reached is a mistake, not a pass.
    let ahead = SeatSplit {
        as_of: Some(done.summary.version + 5),
        ..stale
    };
    let err = center
        .split_allotment(&ORG, "ahead", EVENT, &ahead)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_request", "{err}");
}

/// Once tickets are sold or held, "all" (and any block, row or seat type)
/// splits and allots what is still available and says how many it left;
/// naming a sold seat says where it is and that it is sold; the whole-event
/// ratio allotment says how many are sold and how many held.
fn sold_and_held_seats_are_left_out_and_named(backend: Backend) {
    use eticket_center::distributor::{SaleRequest, SeatChoice};
    use eticket_center::holds::{HoldBuyer, HoldRequest};
    use eticket_core::allotment::{AllotmentRatios, RatioShare};
    use eticket_core::ids::TicketSerial;
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    allot(&center, "r1", ONE, &[1], &[]);
    allot(&center, "r2", TWO, &[2], &[]);
    let sale = SaleRequest {
        seats: SeatChoice::Serials(vec![TicketSerial(1)]),
        holder: eticket_core::ticket::Holder::Paper,
        member: None,
    };
    center
        .sell(&Principal::Distributor(ONE), "sale", EVENT, &sale)
        .unwrap();
    center
        .hold(
            &Principal::Distributor(TWO),
            "hold",
            EVENT,
            &HoldRequest {
                seats: SeatChoice::Serials(vec![TicketSerial(11), TicketSerial(12)]),
                buyer: HoldBuyer::Reference("buyer-1".into()),
            },
        )
        .unwrap();
    let ratios = AllotmentRatios {
        shares: vec![RatioShare {
            distributor: ONE,
            weight: 1,
            seat_type: None,
        }],
    };
    let err = center
        .set_allotment_ratios(&ORG, "ratios", EVENT, &ratios)
        .unwrap_err();
    assert_eq!(err.code(), "allotment_fixed");
    assert!(err.to_string().contains("(1 sold, 2 held)"), "{err}");
    // Naming the sold seat itself: refused, with its place, in words.
    let err = center
        .set_allotment_selection(
            &ORG,
            "sold-seat",
            EVENT,
            &SeatSelection {
                distributor: Some(ONE),
                seats: vec![SeatSelector::Serial(TicketSerial(1))],
                from: vec![Some(ONE)],
                as_of: None,
            },
        )
        .unwrap_err();
    assert_eq!(
        err.code(),
        "seat_unavailable",
        "the receiver's own seat: {err}"
    );
    let err = center
        .set_allotment_selection(
            &ORG,
            "sold-seat-2",
            EVENT,
            &SeatSelection {
                distributor: Some(TWO),
                seats: vec![SeatSelector::Seat {
                    block: BlockId(1),
                    row: 1,
                    number: 1,
                }],
                from: vec![Some(ONE)],
                as_of: None,
            },
        )
        .unwrap_err();
    assert_eq!(err.code(), "seat_unavailable", "{err}");
    let text = err.to_string();
    assert!(text.contains("block 1 row 1 seat 1 (ticket 1)"), "{text}");
    assert!(text.contains("is sold"), "{text}");
    assert!(!text.contains("authenticated"), "{text}");
    // "all": every available seat and place, whoever has it; the sold and
    // held ones stay where they are.
    let done = center
        .split_allotment(
            &ORG,
            "all",
            EVENT,
            &SeatSplit {
                seats: vec![SeatSelector::All],
                shares: shares(1, 1),
                from: vec![None, Some(ONE), Some(TWO)],
                as_of: None,
            },
        )
        .unwrap();
    assert_eq!(done.skipped, 3);
    assert_eq!(done.split, 130 - 3);
    // A selection says how many it left out too.
    let summary = center
        .set_allotment_selection(
            &ORG,
            "row1-all",
            EVENT,
            &SeatSelection {
                distributor: Some(TWO),
                seats: vec![row(1)],
                from: vec![None, Some(ONE), Some(TWO)],
                as_of: None,
            },
        )
        .unwrap();
    assert_eq!(summary.skipped, 1, "the sold seat 1 of row 1");
    // A row of only unavailable seats selects nothing, and says so.
    let err = center
        .split_allotment(
            &ORG,
            "nothing",
            EVENT,
            &SeatSplit {
                seats: vec![SeatSelector::Rect {
                    block: BlockId(1),
                    rows: [2, 2],
                    numbers: [1, 2],
                }],
                shares: shares(1, 1),
                from: vec![None, Some(ONE), Some(TWO)],
                as_of: None,
            },
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("selects no available seat"),
        "{err}"
    );
}

/// Standing places move by number from the owner named: the lowest
/// available places of that owner, never another's.
fn standing_places_move_from_the_owner_named(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    event_with_two_sellers(&center);
    let area = |count| {
        vec![SeatSelector::Area {
            area: eticket_core::ids::AreaId(1),
            count,
        }]
    };
    let sel = |to, count, from: Vec<Option<DistributorId>>| SeatSelection {
        distributor: Some(to),
        seats: area(count),
        from,
        as_of: None,
    };
    center
        .set_allotment_selection(&ORG, "a1", EVENT, &sel(ONE, 10, vec![]))
        .unwrap();
    center
        .set_allotment_selection(&ORG, "a2", EVENT, &sel(TWO, 5, vec![]))
        .unwrap();
    // Four of ONE's places to TWO: ONE's, not the unallotted ones.
    center
        .set_allotment_selection(&ORG, "a3", EVENT, &sel(TWO, 4, vec![Some(ONE)]))
        .unwrap();
    let by = owners(&center);
    let standing = u16::from(STANDING.0);
    assert_eq!(by[&(Some(ONE), standing)], 6);
    assert_eq!(by[&(Some(TWO), standing)], 9);
    assert_eq!(by[&(None, standing)], 35);
    // More than ONE has left: refused, with the number it has.
    let err = center
        .set_allotment_selection(&ORG, "a4", EVENT, &sel(TWO, 7, vec![Some(ONE)]))
        .unwrap_err();
    assert!(err.to_string().contains("has 6 available places"), "{err}");
    // Back to unallotted: no distributor.
    let back = SeatSelection {
        distributor: None,
        seats: area(2),
        from: vec![Some(ONE)],
        as_of: None,
    };
    let seen = center
        .set_allotment_selection(&ORG, "a5", EVENT, &back)
        .unwrap()
        .version;
    let by = owners(&center);
    assert_eq!(by[&(Some(ONE), standing)], 4);
    assert_eq!(by[&(None, standing)], 37);
    // A tab that saw the area at `seen` moves places while it is current...
    let as_seen = |count| SeatSelection {
        as_of: Some(seen),
        ..sel(ONE, count, vec![None])
    };
    let now = center
        .set_allotment_selection(&ORG, "a6", EVENT, &as_seen(5))
        .unwrap()
        .version;
    // ...and once another change moved some of the area's places, a tab
    // that saw it before is refused as stale, though the places it would
    // get did not move: its counts are wrong.
    let err = center
        .set_allotment_selection(&ORG, "a7", EVENT, &as_seen(5))
        .unwrap_err();
    assert_eq!(err.code(), "allotment_changed", "{err}");
    let fresh = SeatSelection {
        as_of: Some(now),
        ..sel(ONE, 5, vec![None])
    };
    center
        .set_allotment_selection(&ORG, "a8", EVENT, &fresh)
        .unwrap();
    assert_eq!(owners(&center)[&(Some(ONE), standing)], 14);
}

suite!(
    stale_split_over_mixed_owners_is_refused,
    sold_and_held_seats_are_left_out_and_named,
    standing_places_move_from_the_owner_named,
    the_log_says_who_moved_what,
    whole_event_split_by_weight,
    split_is_compare_and_set,
    split_refuses_what_it_cannot_do,
    standing_places_split_too
);
