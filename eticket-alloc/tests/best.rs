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

mod geometry {
    use super::*;
    use eticket_alloc::venues;
    use proptest::prelude::*;

    #[test]
    fn accessible_places_only_for_requests_that_ask() {
        let map = venues::small_hall().unwrap();
        // Row K: wheelchair places (type 4) at both ends, a companion seat
        // (Category B) beside each. A general Category B request never gets
        // the companion seat, even when it is the only seat left.
        let companion = |i: usize| map.cells()[i].companion;
        assert!(find_best(&map, &BestRequest::new(1, CAT_B), companion).is_err());
        // At least one wheelchair place in a group of two of type 4: the
        // hall's companion seats are Category B (a request names one seat
        // type), so both seats are wheelchair places here.
        let pair = find_best(&map, &BestRequest::accessible(2, WHEELCHAIR, 1), |_| true).unwrap();
        assert!(pair.cells.iter().all(|c| map.cell(*c).unwrap().accessible));
        let two = find_best(&map, &BestRequest::accessible(2, WHEELCHAIR, 2), |_| true).unwrap();
        assert!(two.cells.iter().all(|c| map.cell(*c).unwrap().accessible));
        let carer = find_best(&map, &BestRequest::accessible(1, CAT_B, 0), |_| true).unwrap();
        assert!(!map.cell(carer.cells[0]).unwrap().accessible);
        let mut wheel = BestRequest::accessible(3, WHEELCHAIR, 4);
        assert!(matches!(
            find_best(&map, &wheel, |_| true),
            Err(AllocError::InvalidRequest(_))
        ));
        wheel.wheelchairs = 0;
        wheel.accessible_only = true;
        assert!(
            find_best(&map, &wheel, |_| true).is_err(),
            "no three in a row"
        );
    }

    #[test]
    fn groups_never_split_over_a_cross_aisle() {
        let map = venues::small_hall().unwrap();
        let only = |rows: [u16; 2]| {
            move |c: &eticket_alloc::SeatCell| {
                c.block == BlockId(1) && rows.contains(&c.row) && c.col <= 2
            }
        };
        let mut req = BestRequest::new(5, CAT_B);
        req.allow_split = true;
        // Rows E and F have the cross aisle between them.
        let free = only([5, 6]);
        assert!(find_best(&map, &req, |i| free(&map.cells()[i])).is_err());
        let free = only([6, 7]);
        let pick = find_best(&map, &req, |i| free(&map.cells()[i])).unwrap();
        assert!(pick.split);
    }

    #[test]
    fn bowl_best_is_along_a_curved_row_nearest_the_pitch_centre() {
        let venue = venues::stadium_bowl().unwrap();
        let map = eticket_alloc::SeatMap::from_toml(&venue.seat_map).unwrap();
        let pick = find_best(&map, &BestRequest::new(4, CAT_A), |_| true).unwrap();
        let cells: Vec<_> = pick.cells.iter().map(|c| *map.cell(*c).unwrap()).collect();
        assert!(
            cells
                .windows(2)
                .all(|w| w[0].row == w[1].row && w[0].col + 1 == w[1].col)
        );
        // A middle section of a long side, front row.
        let block = map.block(cells[0].block).unwrap();
        assert!(
            block.name.starts_with("North 4") || block.name.starts_with("South 4"),
            "{}",
            block.name
        );
        assert_eq!(cells[0].row, 1);
        // In a corner wedge the rows curve: still consecutive seats of a row.
        let corner = map
            .blocks()
            .iter()
            .find(|b| b.name == "North-east 2")
            .unwrap()
            .id;
        let pick = find_best(&map, &BestRequest::new(6, CAT_B), |i| {
            map.cells()[i].block == corner
        })
        .unwrap();
        let cells: Vec<_> = pick.cells.iter().map(|c| *map.cell(*c).unwrap()).collect();
        assert!(
            cells
                .windows(2)
                .all(|w| w[0].row == w[1].row && w[0].col + 1 == w[1].col)
        );
        let p = map.positions();
        let turn = p[pick.cells[5].index()].angle - p[pick.cells[0].index()].angle;
        assert!(turn.abs() > 1.0, "the row curves: {turn}°");
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        /// On the hall with geometry: a general request never gets an
        /// accessible place or companion seat, and the pick is the best run
        /// by the documented score over the computed positions.
        #[test]
        fn general_picks_on_the_geometry_hall_are_valid_and_optimal(
            mask in prop::collection::vec(prop::bool::weighted(0.7), 376),
            count in 1u16..6,
            t in 1u8..5,
        ) {
            let map = venues::small_hall().unwrap();
            let t = eticket_core::ids::SeatType(t);
            let result = find_best(&map, &BestRequest::new(count, t), |i| mask[i]);
            let cells = map.cells();
            let p = map.positions();
            let f = map.focus();
            let n = usize::from(count);
            let mut brute: Option<f32> = None;
            for s in 0..cells.len().saturating_sub(n - 1) {
                let w = &cells[s..s + n];
                let ok = (s..s + n).all(|i| mask[i] && cells[i].seat_type == t && !cells[i].blocked && !cells[i].is_reserved_for_access())
                    && w.windows(2).all(|q| q[0].block == q[1].block && q[0].row == q[1].row && q[0].col + 1 == q[1].col);
                if ok {
                    let (a, b) = (p[s], p[s + n - 1]);
                    let (cx, cy) = ((a.x as f32 + b.x as f32) / 2.0, (a.y as f32 + b.y as f32) / 2.0);
                    let block = map.block(w[0].block).unwrap();
                    let score = ((cx - f.x).powi(2) + (cy - f.y).powi(2)).sqrt()
                        + map.row_penalty() * f32::from(block.rows_outside_preference(w[0].row));
                    brute = Some(brute.map_or(score, |x: f32| x.min(score)));
                }
            }
            match result {
                Ok(pick) => {
                    for c in &pick.cells {
                        let cell = map.cell(*c).unwrap();
                        prop_assert!(!cell.is_reserved_for_access(), "{} given to a general request", cell.label());
                    }
                    prop_assert!((pick.score - brute.unwrap()).abs() < 1e-3);
                }
                Err(AllocError::NoSeats { .. }) => prop_assert!(brute.is_none()),
                Err(e) => prop_assert!(false, "{}", e),
            }
        }
    }
}
