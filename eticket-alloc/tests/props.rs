//! Property tests: ratio splits, best available, parser error locations.

use std::collections::HashSet;

use eticket_alloc::allotment::{Allotments, RatioOptions, largest_remainder};
use eticket_alloc::best::{BestRequest, find_best};
use eticket_alloc::selection::{Selection, Shape};
use eticket_alloc::stadium::small_hall;
use eticket_alloc::{AllocError, GridPoint, SeatMap};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::{DistributorId, SeatType};
use proptest::prelude::*;

fn shares(weights: &[u32], typed: &[Option<u8>]) -> Vec<RatioShare> {
    weights
        .iter()
        .zip(typed.iter().chain(std::iter::repeat(&None)))
        .enumerate()
        .map(|(i, (&w, t))| RatioShare {
            distributor: DistributorId(i as u16 + 1),
            weight: w,
            seat_type: t.map(SeatType),
        })
        .collect()
}

/// Brute force: the lowest score of any run of `n` usable adjacent seats.
fn brute_best(map: &SeatMap, n: usize, t: SeatType, free: &[bool]) -> Option<f32> {
    let cells = map.cells();
    let f = map.focus();
    let mut best: Option<f32> = None;
    for s in 0..cells.len() {
        if s + n > cells.len() {
            break;
        }
        let w = &cells[s..s + n];
        // A general request: never an accessible place or companion seat.
        let ok = (s..s + n).all(|i| {
            free[i]
                && cells[i].seat_type == t
                && !cells[i].blocked
                && !cells[i].is_reserved_for_access()
        }) && w
            .windows(2)
            .all(|p| p[0].block == p[1].block && p[0].row == p[1].row && p[0].col + 1 == p[1].col);
        if ok {
            let (a, b) = (map.positions()[s], map.positions()[s + n - 1]);
            let (cx, cy) = (
                (a.x as f32 + b.x as f32) / 2.0,
                (a.y as f32 + b.y as f32) / 2.0,
            );
            let block = map.block(w[0].block).unwrap();
            let score = ((cx - f.x).powi(2) + (cy - f.y).powi(2)).sqrt()
                + map.row_penalty() * f32::from(block.rows_outside_preference(w[0].row));
            best = Some(best.map_or(score, |b: f32| b.min(score)));
        }
    }
    best
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn largest_remainder_is_exact_and_within_one(total in 0u64..1_000_000, weights in prop::collection::vec(1u32..10_000, 1..12)) {
        let s = shares(&weights, &[]);
        let counts = largest_remainder(total, &s);
        prop_assert_eq!(counts.iter().sum::<u64>(), total);
        let w: f64 = weights.iter().map(|&w| f64::from(w)).sum();
        for (c, wi) in counts.iter().zip(&weights) {
            let ideal = total as f64 * f64::from(*wi) / w;
            prop_assert!((*c as f64 - ideal).abs() < 1.0, "{} vs {}", c, ideal);
        }
    }

    /// Split seat type by seat type with the same weights for every type,
    /// each distributor's total is within one seat of its share of all the
    /// seats split (exact when that share is whole: 3:2 of 100,000 is
    /// 60,000 / 40,000), and each type still gets its own quota rounded
    /// down or up.
    #[test]
    fn split_by_seat_type_adds_up_to_the_whole_split(
        weights in prop::collection::vec(1u32..50, 1..8),
        rect in (0i32..30, -2i32..20, 0i32..30, -2i32..20),
    ) {
        let map = small_hall().unwrap();
        let ratios = AllotmentRatios { shares: shares(&weights, &[]) };
        let mut allot = Allotments::new(&map);
        let mut scope = Selection::new(&map);
        scope.add(&map, &Shape::Rect { from: GridPoint { x: rect.0, y: rect.1 }, to: GridPoint { x: rect.2, y: rect.3 } }).unwrap();
        let report = allot.allocate_by_ratio(&map, &ratios, Some(&scope), RatioOptions { per_seat_type: true }).unwrap();
        let split: u64 = report.lines.iter().map(|l| l.assigned as u64).sum();
        let total_weight: u64 = weights.iter().map(|&w| u64::from(w)).sum();
        for (i, &w) in weights.iter().enumerate() {
            let d = DistributorId(i as u16 + 1);
            let got: u64 = report.lines.iter().filter(|l| l.distributor == d).map(|l| l.assigned as u64).sum();
            let (quota, rest) = (split * u64::from(w) / total_weight, split * u64::from(w) % total_weight);
            if rest == 0 {
                prop_assert_eq!(got, quota, "{:?}", report.lines);
            } else {
                prop_assert!(got == quota || got == quota + 1, "{} of {} for weight {}: {:?}", got, split, w, report.lines);
            }
        }
        for l in &report.lines {
            prop_assert!((l.assigned as f64 - l.ideal).abs() < 1.0, "{:?}", l);
        }
    }

    #[test]
    fn ratio_allocation_splits_the_pool_exactly(
        weights in prop::collection::vec(1u32..50, 1..6),
        typed in prop::collection::vec(prop::option::of(1u8..5), 0..6),
        per_type in any::<bool>(),
        rect in (0i32..30, -2i32..20, 0i32..30, -2i32..20),
        pre in 0usize..40,
    ) {
        let map = small_hall().unwrap();
        let ratios = AllotmentRatios { shares: shares(&weights, &typed) };
        prop_assume!(ratios.validate().is_ok());
        let mut allot = Allotments::new(&map);
        // Some seats are already allotted by selection to another distributor.
        let mut taken = Selection::new(&map);
        taken.add(&map, &Shape::Cells { cells: (0..pre as u32).map(eticket_alloc::CellId).collect() }).unwrap();
        allot.assign(&map, &taken, DistributorId(999)).unwrap();
        let mut scope = Selection::new(&map);
        scope.add(&map, &Shape::Rect { from: GridPoint { x: rect.0, y: rect.1 }, to: GridPoint { x: rect.2, y: rect.3 } }).unwrap();
        let before = allot.clone();
        let report = allot.allocate_by_ratio(&map, &ratios, Some(&scope), RatioOptions { per_seat_type: per_type }).unwrap();
        let pool: Vec<usize> = scope.iter().map(|c| c.index()).filter(|&i| before.owners()[i].is_none()).collect();
        let assigned: usize = report.lines.iter().map(|l| l.assigned).sum();
        prop_assert_eq!(assigned + report.left_unallotted, pool.len());
        for l in &report.lines {
            prop_assert!((l.assigned as f64 - l.ideal).abs() < 1.0, "{:?}", l);
        }
        // Seats outside the pool kept their owner; seats in it got at most one.
        for i in 0..map.len() {
            if !pool.contains(&i) {
                prop_assert_eq!(allot.owners()[i], before.owners()[i]);
            }
        }
        let newly = pool.iter().filter(|&&i| allot.owners()[i].is_some()).count();
        prop_assert_eq!(newly, assigned);
    }

    #[test]
    fn best_available_is_valid_and_optimal(
        mask in prop::collection::vec(prop::bool::weighted(0.6), 376),
        count in 1u16..7,
        t in 1u8..5,
        split in any::<bool>(),
    ) {
        let map = small_hall().unwrap();
        let mut req = BestRequest::new(count, SeatType(t));
        req.allow_split = split;
        let result = find_best(&map, &req, |i| mask[i]);
        let brute = brute_best(&map, usize::from(count), SeatType(t), &mask);
        match result {
            Ok(pick) => {
                prop_assert_eq!(pick.cells.len(), usize::from(count));
                let unique: HashSet<_> = pick.cells.iter().collect();
                prop_assert_eq!(unique.len(), pick.cells.len());
                for c in &pick.cells {
                    let cell = map.cell(*c).unwrap();
                    prop_assert!(mask[c.index()], "taken seat returned");
                    prop_assert!(!cell.blocked, "blocked seat returned");
                    prop_assert_eq!(cell.seat_type, SeatType(t), "wrong seat type");
                }
                if pick.split {
                    prop_assert!(split && brute.is_none(), "split although a single run exists");
                } else {
                    let cells: Vec<_> = pick.cells.iter().map(|c| *map.cell(*c).unwrap()).collect();
                    prop_assert!(cells.windows(2).all(|p| p[0].block == p[1].block && p[0].row == p[1].row && p[0].col + 1 == p[1].col));
                    let b = brute.unwrap();
                    prop_assert!((pick.score - b).abs() < 1e-3, "{} vs brute {}", pick.score, b);
                }
            }
            Err(AllocError::NoSeats { .. }) => prop_assert!(brute.is_none(), "adjacent seats existed"),
            Err(e) => prop_assert!(false, "unexpected {}", e),
        }
    }

    #[test]
    fn parser_errors_name_the_line_and_column(
        rows in prop::collection::vec(prop::collection::vec(prop::sample::select(vec!['a', 'b', '.']), 1..30), 1..20),
        bad_row in any::<prop::sample::Index>(),
        bad_col in any::<prop::sample::Index>(),
        blank_lines in 0usize..5,
    ) {
        let mut rows: Vec<String> = rows.into_iter().map(|r| r.into_iter().collect()).collect();
        for r in &mut rows {
            r.push('a');
        }
        let r = bad_row.index(rows.len());
        let c = bad_col.index(rows[r].chars().count());
        rows[r].replace_range(c..c + 1, "Z");
        let head = format!("name = \"Hall\"\n{}focus = {{ x = 0, y = 0 }}\n[[seat_types]]\nid = 1\nname = \"A\"\n[[seat_types]]\nid = 2\nname = \"B\"\n[[blocks]]\nid = 1\nname = \"Block\"\nlegend = {{ a = 1, b = 2 }}\nrows = [\n", "\n".repeat(blank_lines));
        let text = format!("{head}{}]\n", rows.iter().map(|r| format!("    \"{r}\",\n")).collect::<String>());
        let first_row_line = head.lines().count() + 1;
        match SeatMap::from_toml(&text) {
            Err(AllocError::File { at, message }) => {
                prop_assert_eq!(at.line, first_row_line + r, "{}", message);
                prop_assert_eq!(at.column, 6 + c);
                prop_assert_eq!(at.field, format!("blocks[0].rows[{r}]"));
            }
            other => prop_assert!(false, "expected an error, got {:?}", other.map(|m| m.len())),
        }
    }

    /// Any text: a TOML error says where in the text, a JSON error too (or
    /// names the rule of the model the map breaks), and a map that is read
    /// either way survives the JSON round trip.
    #[test]
    fn parser_errors_point_into_the_text_and_maps_round_trip(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let text = String::from_utf8_lossy(&bytes);
        let lines = text.lines().count() + 1;
        match SeatMap::from_toml(&text) {
            Ok(map) => prop_assert_eq!(SeatMap::from_json(&map.to_json()).ok(), Some(map)),
            Err(AllocError::File { at, .. }) => prop_assert!(at.line >= 1 && at.line <= lines),
            Err(other) => prop_assert!(false, "not a file error: {other:?}"),
        }
        match SeatMap::from_json(&text) {
            Ok(map) => prop_assert_eq!(SeatMap::from_json(&map.to_json()).ok(), Some(map)),
            Err(AllocError::Json { line, .. }) => prop_assert!(line <= lines),
            Err(AllocError::InvalidMap { .. }) => {}
            Err(other) => prop_assert!(false, "not a JSON error: {other:?}"),
        }
    }

    #[test]
    fn a_mutated_hall_is_refused_where_it_breaks_or_round_trips(pos in any::<prop::sample::Index>(), ch in any::<char>()) {
        let mut text = eticket_alloc::stadium::SMALL_HALL_TOML.to_string();
        let mut at = pos.index(text.len());
        while !text.is_char_boundary(at) { at -= 1; }
        text.insert(at, ch);
        match SeatMap::from_toml(&text) {
            Err(AllocError::File { at, .. }) => prop_assert!(at.line >= 1 && at.line <= text.lines().count() + 1),
            Err(other) => prop_assert!(false, "not a file error: {other:?}"),
            // A character that still makes a hall (in a name, a comment):
            // the map survives the JSON round trip.
            Ok(map) => prop_assert_eq!(SeatMap::from_json(&map.to_json()).ok(), Some(map)),
        }
    }
}
