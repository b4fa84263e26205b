//! Best available: the score, aisles, seat types, blocked cells,
//! accessibility, splits over two rows, the caller's choice of available
//! cells (an allotment), and the 100,000-seat stadium against a full scan.

use std::collections::HashSet;

use eticket_alloc::AllocError;
use eticket_alloc::allotment::Allotments;
use eticket_alloc::best::{BestRequest, find_best};
use eticket_alloc::selection::{Selection, Shape};
use eticket_alloc::stadium::{CAT_A, CAT_B, WHEELCHAIR, small_hall, stadium_100k};
use eticket_core::ids::{BlockId, DistributorId};

#[test]
fn best_is_in_front_of_the_stage() {
    let map = small_hall().unwrap();
    let pick = find_best(&map, &BestRequest::new(2, CAT_A), |_| true).unwrap();
    let seats: Vec<_> = pick.cells.iter().map(|c| *map.cell(*c).unwrap()).collect();
    // Row 1 costs 2 × 0.5 for lying outside the preferred rows 3-8 but is
    // still nearer: 1 + √20 ≈ 5.47 against √40 ≈ 6.32 for row 3. The pair is
    // beside the aisle, on the centre line's left (ties go to the leftmost).
    assert!(
        seats.iter().all(|s| s.row == 1 && s.seat_type == CAT_A),
        "{seats:?}"
    );
    assert!((pick.score - (1.0 + 20f32.sqrt())).abs() < 1e-4);
    assert_eq!(seats[0].col + 1, seats[1].col);
    assert_eq!((seats[0].col, seats[1].col), (10, 11));
    assert!(!pick.split);
}

#[test]
fn best_respects_aisles_types_blocked_and_accessibility() {
    let map = small_hall().unwrap();
    // 13 adjacent seats never fit in a stalls half-row of 12.
    let err = find_best(&map, &BestRequest::new(13, CAT_A), |_| true).unwrap_err();
    assert!(matches!(err, AllocError::NoSeats { count: 13, .. }));
    let mut wheel = BestRequest::new(2, WHEELCHAIR);
    wheel.accessible_only = true;
    let pick = find_best(&map, &wheel, |_| true).unwrap();
    assert!(pick.cells.iter().all(|c| map.cell(*c).unwrap().accessible));
    // Nothing available: no seats.
    assert!(find_best(&map, &BestRequest::new(1, CAT_B), |_| false).is_err());
    assert!(find_best(&map, &BestRequest::new(0, CAT_B), |_| true).is_err());
}

#[test]
fn split_over_adjacent_rows_when_allowed() {
    let map = small_hall().unwrap();
    // Only columns 0-2 of the left half of rows 5 and 6 are free: 6 seats, 3 per row.
    let free = |i: usize| {
        let c = map.cells()[i];
        c.block == BlockId(1) && (c.row == 5 || c.row == 6) && c.col <= 2
    };
    let mut req = BestRequest::new(5, CAT_B);
    assert!(find_best(&map, &req, free).is_err());
    req.allow_split = true;
    let pick = find_best(&map, &req, free).unwrap();
    assert!(pick.split);
    assert_eq!(pick.cells.len(), 5);
    let rows: HashSet<u16> = pick
        .cells
        .iter()
        .map(|c| map.cell(*c).unwrap().row)
        .collect();
    assert_eq!(rows, HashSet::from([5, 6]));
}

#[test]
fn best_within_a_distributor_allotment() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let mut sel = Selection::new(&map);
    sel.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 9,
        },
    )
    .unwrap();
    allot.assign(&map, &sel, DistributorId(7)).unwrap();
    // Which cells a pool may take is the caller's to say (the center passes
    // its distributor's available tickets): here, the allotment.
    let req = BestRequest::new(4, CAT_B);
    let row = |c: &eticket_alloc::CellId| map.cell(*c).unwrap().row;
    let mine = find_best(&map, &req, |i| allot.owners()[i] == Some(DistributorId(7))).unwrap();
    assert_eq!(mine.cells.len(), 4);
    assert!(mine.cells.iter().all(|c| row(c) == 9));
    let other = find_best(&map, &req, |i| allot.owners()[i].is_none()).unwrap();
    assert_eq!(other.cells.len(), 4);
    assert!(other.cells.iter().all(|c| row(c) != 9));
    // Unrestricted, the best Category B seats lie in front of row 9.
    let any = find_best(&map, &req, |_| true).unwrap();
    assert_eq!(any.cells, other.cells);
}

#[test]
fn best_available_on_the_100k_stadium() {
    let map = stadium_100k().unwrap();
    let pick = find_best(&map, &BestRequest::new(4, CAT_A), |_| true).unwrap();
    let seats: Vec<_> = pick.cells.iter().map(|c| *map.cell(*c).unwrap()).collect();
    assert!(seats.iter().all(|s| s.row == 1 && s.seat_type == CAT_A));
    // The same answer as an exhaustive scan of every run in the stadium.
    let mut best = f32::MAX;
    let cells = map.cells();
    for w in cells.windows(4) {
        let ok = w.iter().all(|c| c.seat_type == CAT_A && !c.blocked)
            && w.windows(2).all(|p| {
                p[0].block == p[1].block && p[0].row == p[1].row && p[0].col + 1 == p[1].col
            });
        if ok {
            let f = map.focus();
            let (cx, cy) = (
                (w[0].x + w[3].x) as f32 / 2.0,
                (w[0].y + w[3].y) as f32 / 2.0,
            );
            best = best.min(((cx - f.x).powi(2) + (cy - f.y).powi(2)).sqrt());
        }
    }
    assert!((pick.score - best).abs() < 1e-3, "{} vs {best}", pick.score);
}
