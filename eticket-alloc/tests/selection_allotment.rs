//! Selection shapes and counts; allotments by selection and by ratio.

use eticket_alloc::allotment::{Allotments, RatioOptions, largest_remainder};
use eticket_alloc::selection::{SeatRef, SelectOp, Selection, Shape};
use eticket_alloc::stadium::{CAT_A, CAT_B, small_hall};
use eticket_alloc::{AllocError, GridPoint};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::{BlockId, DistributorId, SeatType};

fn share(d: u16, w: u32, t: Option<SeatType>) -> RatioShare {
    RatioShare {
        distributor: DistributorId(d),
        weight: w,
        seat_type: t,
    }
}

#[test]
fn shapes_select_and_skip_blocked_cells() {
    let map = small_hall().unwrap();
    let mut sel = Selection::new(&map);
    // Row 1 of the stalls has 24 seats, 2 of them blocked camera positions.
    assert_eq!(
        sel.add(
            &map,
            &Shape::Row {
                block: BlockId(1),
                row: 1
            }
        )
        .unwrap(),
        22
    );
    assert_eq!(sel.count(), 22);
    // A rectangle over rows 2-3, columns 0-3 of the stalls: 8 seats.
    let rect = Shape::Rect {
        from: GridPoint { x: 3, y: 2 },
        to: GridPoint { x: 0, y: 1 },
    };
    assert_eq!(sel.add(&map, &rect).unwrap(), 8);
    assert_eq!(sel.remove(&map, &rect).unwrap(), 8);
    let seat = SeatRef {
        block: BlockId(1),
        row: 1,
        number: 2,
    };
    assert_eq!(
        sel.apply(&map, SelectOp::Toggle, &Shape::Seat(seat))
            .unwrap(),
        1
    );
    assert!(!sel.contains(map.find(BlockId(1), 1, 2).unwrap()));
    let group = Shape::Group {
        seats: vec![
            seat,
            SeatRef {
                block: BlockId(2),
                row: 3,
                number: 7,
            },
        ],
    };
    assert_eq!(sel.add(&map, &group).unwrap(), 2);
    assert_eq!(sel.count(), 23);
    sel.clear();
    let block2 = sel.add(&map, &Shape::Block { block: BlockId(2) }).unwrap();
    assert_eq!(block2, 136);
    let type_a = map
        .cells()
        .iter()
        .filter(|c| c.seat_type == CAT_A && !c.blocked)
        .count();
    sel.clear();
    assert_eq!(
        sel.add(&map, &Shape::SeatType { seat_type: CAT_A })
            .unwrap(),
        type_a
    );
    assert!(
        sel.add(
            &map,
            &Shape::Row {
                block: BlockId(1),
                row: 99
            }
        )
        .is_err()
    );
    assert!(matches!(
        sel.add(
            &map,
            &Shape::SeatType {
                seat_type: SeatType(77)
            }
        ),
        Err(AllocError::UnknownSeatType(_))
    ));
}

#[test]
fn invert_and_counts() {
    let map = small_hall().unwrap();
    let sellable = map.cells().iter().filter(|c| !c.blocked).count();
    let mut sel = Selection::new(&map);
    sel.add(&map, &Shape::Block { block: BlockId(1) }).unwrap();
    let before = sel.count();
    sel.invert(&map);
    assert_eq!(sel.count(), sellable - before);
    sel.invert(&map);
    assert_eq!(sel.count(), before);

    let mut allot = Allotments::new(&map);
    let mut row = Selection::new(&map);
    row.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 5,
        },
    )
    .unwrap();
    allot.assign(&map, &row, DistributorId(1)).unwrap();
    let counts = sel.counts(&map, Some(&allot));
    let b = counts.by_type[&CAT_B];
    assert_eq!(b.allotted, 24);
    assert_eq!(b.selected, b.total);
    assert_eq!(b.selectable, 0);
    let balcony = counts.by_type[&SeatType(3)];
    assert_eq!((balcony.selected, balcony.selectable), (0, 136));
    assert_eq!(counts.total.blocked, 2);
    assert_eq!(
        counts.total.selected + counts.total.selectable + counts.total.allotted - b.allotted,
        sellable
    );
}

#[test]
fn selection_is_json() {
    let shape: Shape =
        serde_json::from_str(r#"{"shape":"rect","from":{"x":0,"y":0},"to":{"x":2,"y":0}}"#)
            .unwrap();
    let map = small_hall().unwrap();
    let mut sel = Selection::new(&map);
    assert_eq!(sel.add(&map, &shape).unwrap(), 2); // column 0 is a camera position
    let json = serde_json::to_string(&sel.counts(&map, None)).unwrap();
    assert!(json.contains("\"selected\":2"));
}

#[test]
fn no_seat_in_two_allotments() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let mut a = Selection::new(&map);
    a.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 2,
        },
    )
    .unwrap();
    assert_eq!(allot.assign(&map, &a, DistributorId(1)).unwrap(), 24);
    let mut b = Selection::new(&map);
    b.add(
        &map,
        &Shape::Rect {
            from: GridPoint { x: 0, y: 1 },
            to: GridPoint { x: 3, y: 2 },
        },
    )
    .unwrap();
    match allot.assign(&map, &b, DistributorId(2)) {
        Err(AllocError::AlreadyAllotted { owner, count, .. }) => {
            assert_eq!((owner, count), (DistributorId(1), 4))
        }
        other => panic!("{other:?}"),
    }
    // Nothing changed.
    assert_eq!(allot.cells_of(DistributorId(2)).len(), 0);
    // Assigning again to the owner is fine; release frees the seats.
    assert_eq!(allot.assign(&map, &a, DistributorId(1)).unwrap(), 0);
    b.retain_unallotted(&allot);
    assert_eq!(allot.assign(&map, &b, DistributorId(2)).unwrap(), 4);
    assert_eq!(allot.release(&a), 24);
    assert_eq!(allot.distributors(), vec![DistributorId(2)]);
}

#[test]
fn ratio_split_is_exact_and_contiguous() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let ratios = AllotmentRatios {
        shares: vec![share(1, 5, None), share(2, 3, None), share(3, 2, None)],
    };
    let report = allot
        .allocate_by_ratio(&map, &ratios, None, RatioOptions::default())
        .unwrap();
    let sellable = map.cells().iter().filter(|c| !c.blocked).count();
    assert_eq!(
        report.lines.iter().map(|l| l.assigned).sum::<usize>(),
        sellable
    );
    for l in &report.lines {
        assert!((l.assigned as f64 - l.ideal).abs() < 1.0, "{l:?}");
    }
    // Every seat is allotted once; each distributor's seats are few runs.
    assert_eq!(
        allot.owners().iter().filter(|o| o.is_some()).count(),
        sellable
    );
    assert!(
        report.lines.iter().all(|l| l.runs <= 16),
        "{:?}",
        report.lines
    );
    // The standing area is split too: 120 by 5:3:2.
    let areas: Vec<u32> = report.areas.iter().map(|a| a.assigned).collect();
    assert_eq!(areas, vec![60, 36, 24]);
    // A second split finds nothing left.
    let again = allot
        .allocate_by_ratio(&map, &ratios, None, RatioOptions::default())
        .unwrap();
    assert!(again.lines.iter().all(|l| l.assigned == 0));
}

#[test]
fn ratio_split_per_seat_type_and_scope() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let mut scope = Selection::new(&map);
    scope
        .add(&map, &Shape::Block { block: BlockId(1) })
        .unwrap();
    // Category A only to distributor 1 and 2 evenly; everything else 1:1:1.
    let ratios = AllotmentRatios {
        shares: vec![
            share(1, 1, Some(CAT_A)),
            share(2, 1, Some(CAT_A)),
            share(1, 1, None),
            share(2, 1, None),
            share(3, 1, None),
        ],
    };
    let report = allot
        .allocate_by_ratio(&map, &ratios, Some(&scope), RatioOptions::default())
        .unwrap();
    let a: Vec<_> = report
        .lines
        .iter()
        .filter(|l| l.seat_type == Some(CAT_A))
        .map(|l| (l.distributor.0, l.assigned))
        .collect();
    assert_eq!(a, vec![(1, 47), (2, 47)]);
    // Nothing outside the scope was touched.
    let block2 = map.block_cells(BlockId(2)).unwrap();
    assert!(allot.owners()[block2].iter().all(Option::is_none));
    let holdings = allot.holdings(&map);
    assert_eq!(holdings[&DistributorId(3)].seats.get(&CAT_A), None);
}

#[test]
fn largest_remainder_examples() {
    let s = |w| share(0, w, None);
    assert_eq!(largest_remainder(7, &[s(1), s(1)]), vec![4, 3]);
    assert_eq!(
        largest_remainder(100, &[s(1), s(1), s(1)]),
        vec![34, 33, 33]
    );
    assert_eq!(largest_remainder(0, &[s(3), s(9)]), vec![0, 0]);
    assert_eq!(
        largest_remainder(u64::from(u32::MAX), &[s(u32::MAX), s(1)])
            .iter()
            .sum::<u64>(),
        u64::from(u32::MAX)
    );
}

#[test]
fn invalid_ratios_are_refused() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let zero = AllotmentRatios {
        shares: vec![share(1, 0, None)],
    };
    assert!(matches!(
        allot.allocate_by_ratio(&map, &zero, None, RatioOptions::default()),
        Err(AllocError::InvalidRatios(_))
    ));
}

#[test]
fn malformed_selection_json_is_refused() {
    assert!(serde_json::from_str::<Selection>(r#"{"len":100,"runs":[[5,101]]}"#).is_err());
    assert!(serde_json::from_str::<Selection>(r#"{"len":100,"runs":[[9,8]]}"#).is_err());
    assert!(serde_json::from_str::<Selection>(r#"{"len":100,"runs":[[0,50],[0,50]]}"#).is_err());
    assert!(serde_json::from_str::<Selection>(r#"{"len":100000000,"runs":[]}"#).is_err());
    let map = small_hall().unwrap();
    let mut sel = Selection::new(&map);
    sel.add(
        &map,
        &Shape::Row {
            block: BlockId(2),
            row: 5,
        },
    )
    .unwrap();
    let json = serde_json::to_string(&sel).unwrap();
    let first = map.find(BlockId(2), 5, 1).unwrap().0;
    assert_eq!(
        json,
        format!(r#"{{"len":376,"runs":[[{first},{}]]}}"#, first + 28)
    );
    let back: Selection = serde_json::from_str(&json).unwrap();
    assert_eq!(back, sel);
    // A selection of another map is refused, not misapplied.
    let other = eticket_alloc::stadium::stadium(eticket_alloc::stadium::StadiumSpec {
        blocks_per_stand: 1,
        rows: 1,
        half_row: 3,
    })
    .unwrap();
    let foreign = Selection::new(&other);
    let mut allot = Allotments::new(&map);
    assert!(allot.assign(&map, &foreign, DistributorId(1)).is_err());
}

/// Split seat type by seat type, the seats left over after each type's
/// quotas rotate between the distributors, so that equal weights give
/// totals within one seat of each other (they used to go to the first
/// distributors every time: 1:1:1 over the arena gave 6,668 / 6,668 /
/// 6,664).
#[test]
fn leftover_seats_rotate_between_seat_types() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let ratios = AllotmentRatios {
        shares: vec![share(1, 1, None), share(2, 1, None), share(3, 1, None)],
    };
    let report = allot
        .allocate_by_ratio(
            &map,
            &ratios,
            None,
            RatioOptions {
                per_seat_type: true,
            },
        )
        .unwrap();
    let mut totals = std::collections::BTreeMap::new();
    for l in &report.lines {
        assert!((l.assigned as f64 - l.ideal).abs() < 1.0, "{l:?}");
        *totals.entry(l.distributor).or_insert(0usize) += l.assigned;
    }
    let sellable = map.cells().iter().filter(|c| !c.blocked).count();
    assert_eq!(totals.values().sum::<usize>(), sellable);
    let (min, max) = (
        totals.values().min().unwrap(),
        totals.values().max().unwrap(),
    );
    assert!(max - min <= 1, "{totals:?}");
    // More than one seat type left seats over, or this would prove nothing.
    let leftovers = report
        .lines
        .iter()
        .filter(|l| l.assigned as f64 > l.ideal.floor())
        .map(|l| l.seat_type)
        .collect::<std::collections::BTreeSet<_>>();
    assert!(leftovers.len() >= 2, "{:?}", report.lines);
}
