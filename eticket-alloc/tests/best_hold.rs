#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Best available, holds, and the concurrency guarantee: no seat is ever held
//! or sold twice.

use std::collections::HashSet;
use std::sync::{Arc, Barrier};
use std::thread;

use eticket_alloc::AllocError;
use eticket_alloc::allotment::Allotments;
use eticket_alloc::best::{BestRequest, Pool, find_best};
use eticket_alloc::hold::{SeatInventory, SeatStatus};
use eticket_alloc::selection::{Selection, Shape};
use eticket_alloc::stadium::{CAT_A, CAT_B, WHEELCHAIR, small_hall, stadium_100k};
use eticket_core::ids::{BlockId, DistributorId, SeatType};
use eticket_core::time::Timestamp;

const NOW: Timestamp = Timestamp(1_790_000_000);

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
    let map = Arc::new(small_hall().unwrap());
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
    let inv = SeatInventory::new(map.clone(), &allot).unwrap();
    let mut req = BestRequest::new(4, CAT_B);
    req.pool = Pool::Distributor(DistributorId(7));
    let hold = inv.hold_best(&req, NOW, 60).unwrap();
    assert!(hold.seats.iter().all(|s| s.row == 9));
    req.pool = Pool::Unallotted;
    let other = inv.hold_best(&req, NOW, 60).unwrap();
    assert!(other.seats.iter().all(|s| s.row != 9));
}

#[test]
fn hold_confirm_release_expiry() {
    let map = Arc::new(small_hall().unwrap());
    let inv = SeatInventory::new(map.clone(), &Allotments::new(&map)).unwrap();
    let hold = inv
        .hold_best(&BestRequest::new(2, CAT_A), NOW, 600)
        .unwrap();
    assert_eq!(hold.expires, NOW.plus(600));
    assert_eq!(inv.counts(NOW).held, 2);
    // The same seats are not offered again while held.
    let next = inv
        .hold_best(&BestRequest::new(2, CAT_A), NOW, 600)
        .unwrap();
    assert!(hold.cells.iter().all(|c| !next.cells.contains(c)));
    inv.release(&next.token).unwrap();
    assert!(matches!(
        inv.release(&next.token),
        Err(AllocError::UnknownHold)
    ));
    // Picking held seats by hand fails.
    assert!(matches!(
        inv.hold_cells(&hold.cells, Pool::Any, NOW, 60),
        Err(AllocError::SeatTaken(_))
    ));
    // After expiry another buyer gets them and the first token is dead.
    let later = NOW.plus(601);
    let again = inv.hold_cells(&hold.cells, Pool::Any, later, 60).unwrap();
    assert!(matches!(
        inv.confirm(&hold.token, later),
        Err(AllocError::HoldExpired)
    ));
    let sold = inv.confirm(&again.token, later).unwrap();
    assert_eq!(sold.len(), 2);
    assert!(matches!(
        inv.confirm(&again.token, later),
        Err(AllocError::UnknownHold)
    ));
    let snap = inv.snapshot(later);
    assert!(
        hold.cells
            .iter()
            .all(|c| snap[c.index()] == SeatStatus::Sold)
    );
    // Token text round trip, and tokens are not printed by Debug.
    let text = again.token.to_string();
    assert_eq!(
        text.parse::<eticket_alloc::hold::HoldToken>().unwrap(),
        again.token
    );
    assert!(!format!("{:?}", again.token).contains(&text));
    // Blocked cells can never be held.
    let blocked = map.find(BlockId(1), 1, 1).unwrap();
    assert!(map.cell(blocked).unwrap().blocked);
    assert!(inv.hold_cells(&[blocked], Pool::Any, later, 60).is_err());
}

#[test]
fn expired_holds_are_purged() {
    let map = Arc::new(small_hall().unwrap());
    let inv = SeatInventory::new(map.clone(), &Allotments::new(&map)).unwrap();
    inv.hold_best(&BestRequest::new(3, CAT_B), NOW, 10).unwrap();
    assert_eq!(inv.purge_expired(NOW.plus(5)), 0);
    assert_eq!(inv.purge_expired(NOW.plus(10)), 1);
    assert_eq!(inv.counts(NOW).held, 0);
}

/// Many threads race for the last seats of a type: every sold seat is sold
/// once, nobody gets a seat someone else holds, and exactly the available
/// seats end up sold.
#[test]
fn hammering_the_last_seats_never_sells_twice() {
    let map = Arc::new(small_hall().unwrap());
    let inv = Arc::new(SeatInventory::new(map.clone(), &Allotments::new(&map)).unwrap());
    let balcony = SeatType(3);
    let total = map
        .cells()
        .iter()
        .filter(|c| c.seat_type == balcony)
        .count();
    let threads = 8;
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (inv, barrier) = (inv.clone(), barrier.clone());
            thread::spawn(move || {
                let mut sold = Vec::new();
                barrier.wait();
                let mut misses = 0;
                while misses < 50 {
                    let mut req = BestRequest::new(1 + (t % 3) as u16, balcony);
                    req.allow_split = true;
                    match inv.hold_best(&req, NOW, 30) {
                        Ok(hold) if t % 4 == 0 && sold.len() % 2 == 0 => {
                            // Some buyers give up: their seats go back.
                            inv.release(&hold.token).unwrap();
                            sold.push(None);
                        }
                        Ok(hold) => sold
                            .extend(inv.confirm(&hold.token, NOW).unwrap().into_iter().map(Some)),
                        Err(_) => misses += 1,
                    }
                }
                sold.into_iter().flatten().collect::<Vec<_>>()
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().unwrap());
    }
    let unique: HashSet<_> = all.iter().copied().collect();
    assert_eq!(unique.len(), all.len(), "a seat was sold twice");
    assert_eq!(all.len(), total, "every balcony seat is sold once");
    assert_eq!(inv.counts(NOW).held, 0);
}

/// Threads race to hold the very same seats by hand: exactly one wins each.
#[test]
fn racing_for_the_same_seat_has_one_winner() {
    let map = Arc::new(small_hall().unwrap());
    let inv = Arc::new(SeatInventory::new(map.clone(), &Allotments::new(&map)).unwrap());
    for number in 2..12 {
        let cell = map.find(BlockId(1), 2, number).unwrap();
        let barrier = Arc::new(Barrier::new(6));
        let wins: usize = (0..6)
            .map(|_| {
                let (inv, barrier) = (inv.clone(), barrier.clone());
                thread::spawn(move || {
                    barrier.wait();
                    inv.hold_cells(&[cell], Pool::Any, NOW, 30)
                        .and_then(|h| inv.confirm(&h.token, NOW))
                        .is_ok()
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| usize::from(h.join().unwrap()))
            .sum();
        assert_eq!(wins, 1);
    }
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

/// The inventory's search (which skips rows whose longest unsold run is too
/// short) finds what a plain search over the same free seats finds.
#[test]
fn inventory_search_matches_plain_search_after_sales() {
    let map = Arc::new(small_hall().unwrap());
    let inv = SeatInventory::new(map.clone(), &Allotments::new(&map)).unwrap();
    let mut x = 7u64;
    let mut sold = vec![false; map.len()];
    for (i, slot) in sold.iter_mut().enumerate() {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        if (x >> 33) % 10 < 7 && !map.cells()[i].blocked {
            let h = inv
                .hold_cells(&[eticket_alloc::CellId(i as u32)], Pool::Any, NOW, 60)
                .unwrap();
            inv.confirm(&h.token, NOW).unwrap();
            *slot = true;
        }
    }
    for t in 1..=4u8 {
        for n in 1..=4u16 {
            let req = BestRequest::new(n, SeatType(t));
            let plain = find_best(&map, &req, |i| !sold[i]).ok();
            let held = inv.hold_best(&req, NOW, 60).ok();
            assert_eq!(
                plain.as_ref().map(|p| &p.cells),
                held.as_ref().map(|h| &h.cells),
                "type {t}, {n} seats"
            );
            if let Some(h) = held {
                inv.release(&h.token).unwrap();
            }
        }
    }
}

/// Distributors racing within their own allotments never sell each other's
/// seats, and between them sell every seat of their allotments exactly once.
#[test]
fn hammering_within_allotments_keeps_pools_apart() {
    use eticket_alloc::allotment::RatioOptions;
    use eticket_core::allotment::{AllotmentRatios, RatioShare};
    let map = Arc::new(small_hall().unwrap());
    let mut allot = Allotments::new(&map);
    let mut stalls = Selection::new(&map);
    stalls
        .add(&map, &Shape::Block { block: BlockId(1) })
        .unwrap();
    let share = |d, w| RatioShare {
        distributor: DistributorId(d),
        weight: w,
        seat_type: None,
    };
    let ratios = AllotmentRatios {
        shares: vec![share(1, 1), share(2, 1)],
    };
    allot
        .allocate_by_ratio(&map, &ratios, Some(&stalls), RatioOptions::default())
        .unwrap();
    let inv = Arc::new(SeatInventory::new(map.clone(), &allot).unwrap());
    let barrier = Arc::new(Barrier::new(6));
    let handles: Vec<_> = (0..6u16)
        .map(|t| {
            let (inv, barrier) = (inv.clone(), barrier.clone());
            thread::spawn(move || {
                let d = DistributorId(1 + t % 2);
                barrier.wait();
                let mut sold = Vec::new();
                for seat_type in [CAT_A, CAT_B, WHEELCHAIR] {
                    let mut req = BestRequest::new(1 + t % 3, seat_type);
                    req.pool = Pool::Distributor(d);
                    req.allow_split = true;
                    loop {
                        let hold = inv.hold_best(&req, NOW, 30).or_else(|_| {
                            req.count = 1;
                            inv.hold_best(&req, NOW, 30)
                        });
                        let Ok(hold) = hold else { break };
                        for c in &hold.cells {
                            sold.push((d, *c));
                        }
                        inv.confirm(&hold.token, NOW).unwrap();
                    }
                }
                sold
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().unwrap());
    }
    let unique: HashSet<_> = all.iter().map(|(_, c)| *c).collect();
    assert_eq!(unique.len(), all.len(), "a seat was sold twice");
    for (d, c) in &all {
        assert_eq!(allot.owner(*c), Some(*d), "sold outside its allotment");
    }
    let allotted = allot.owners().iter().filter(|o| o.is_some()).count();
    assert_eq!(all.len(), allotted);
}
