#![allow(missing_docs)]
//! Benchmarks on the generated 100,000-seat stadium.
//!
//! - best available: one request for 4 adjacent seats, on an empty venue, a
//!   venue with half of its seats sold at random, and one with 90 % sold; the
//!   goal is ≤ 20 µs p50 per request. Compared against a full scan of all
//!   100,000 cells (`full_scan`), which is what the row-bound pruning avoids.
//! - the same request on the 100,000-seat stadium bowl with geometry
//!   (`venues::stadium_bowl()`: curved rows, scores from computed positions).
//! - ratio allocation of the whole venue to four distributors (all types
//!   together, and per seat type).

use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use eticket_alloc::SeatMap;
use eticket_alloc::allotment::{Allotments, RatioOptions};
use eticket_alloc::best::{BestRequest, find_best};
use eticket_alloc::stadium::{CAT_B, stadium_100k};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::DistributorId;

/// A deterministic pseudo-random mask with `sold_percent` of seats taken.
fn mask(len: usize, sold_percent: u64) -> Vec<bool> {
    // splitmix64: independent from one seat to the next.
    let mut state = 0u64;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) % 100 >= sold_percent
        })
        .collect()
}

/// The baseline: score every run of every row, no pruning.
fn full_scan(map: &SeatMap, n: usize, free: &[bool]) -> Option<(usize, f32)> {
    let cells = map.cells();
    let f = map.focus();
    let mut best: Option<(usize, f32)> = None;
    let mut run = 0;
    for i in 0..cells.len() {
        let c = &cells[i];
        let usable = free[i] && c.seat_type == CAT_B && !c.blocked;
        let joined = i > 0
            && run > 0
            && cells[i - 1].row == c.row
            && cells[i - 1].block == c.block
            && cells[i - 1].col + 1 == c.col;
        run = if !usable {
            0
        } else if joined {
            run + 1
        } else {
            1
        };
        if run >= n {
            let s = &cells[i + 1 - n];
            let (cx, cy) = ((s.x + c.x) as f32 / 2.0, (s.y + c.y) as f32 / 2.0);
            let score = ((cx - f.x).powi(2) + (cy - f.y).powi(2)).sqrt();
            if best.is_none_or(|b| score < b.1) {
                best = Some((i, score));
            }
        }
    }
    best
}

fn best_available(c: &mut Criterion) {
    let map = stadium_100k().unwrap();
    let mut g = c.benchmark_group("best_available_100k");
    for sold in [0u64, 50, 90] {
        let free = mask(map.len(), sold);
        let req = BestRequest::new(4, CAT_B);
        g.bench_with_input(
            BenchmarkId::new("find_best_4", format!("{sold}pct_sold")),
            &free,
            |b, free| b.iter(|| find_best(&map, black_box(&req), |i| free[i]).unwrap()),
        );
        g.bench_with_input(
            BenchmarkId::new("full_scan_4", format!("{sold}pct_sold")),
            &free,
            |b, free| b.iter(|| full_scan(&map, black_box(4), free).unwrap()),
        );
    }
    g.finish();
    let bowl =
        SeatMap::from_toml(&eticket_alloc::venues::stadium_bowl().unwrap().seat_map).unwrap();
    let mut g = c.benchmark_group("best_available_bowl_100k");
    for sold in [0u64, 50, 90] {
        let free = mask(bowl.len(), sold);
        let req = BestRequest::new(4, CAT_B);
        g.bench_with_input(
            BenchmarkId::new("find_best_4", format!("{sold}pct_sold")),
            &free,
            |b, free| b.iter(|| find_best(&bowl, black_box(&req), |i| free[i]).unwrap()),
        );
    }
    g.finish();
}

fn ratio_allocation(c: &mut Criterion) {
    let map = stadium_100k().unwrap();
    let share = |d, w| RatioShare {
        distributor: DistributorId(d),
        weight: w,
        seat_type: None,
    };
    let ratios = AllotmentRatios {
        shares: vec![share(1, 5), share(2, 3), share(3, 1), share(4, 1)],
    };
    let mut g = c.benchmark_group("ratio_allocation_100k");
    g.sample_size(20);
    for per_seat_type in [false, true] {
        g.bench_function(
            if per_seat_type {
                "per_seat_type"
            } else {
                "all_types"
            },
            |b| {
                b.iter(|| {
                    let mut allot = Allotments::new(&map);
                    allot
                        .allocate_by_ratio(&map, &ratios, None, RatioOptions { per_seat_type })
                        .unwrap()
                })
            },
        );
    }
    g.finish();
}

criterion_group!(benches, best_available, ratio_allocation);
criterion_main!(benches);
