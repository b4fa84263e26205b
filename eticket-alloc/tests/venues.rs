//! The sample venues: the Small Hall with geometry keeps the plain hall's
//! seats, the generated arena and stadium bowl have their exact seat counts,
//! no two seats overlap, and all three render (SVGs written to
//! `target/venues/`).

use std::collections::HashMap;

use eticket_alloc::SeatMap;
use eticket_alloc::render::{Overlay, svg, terminal};
use eticket_alloc::venues::{ARENA_SEATS, BOWL_SEATS, arena, small_hall, stadium_bowl};

/// The closest two seats of different cells, by a hash grid of unit cells.
fn closest_pair(map: &SeatMap) -> (f64, String, String) {
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    let p = map.positions();
    for (i, q) in p.iter().enumerate() {
        grid.entry((q.x.floor() as i64, q.y.floor() as i64))
            .or_default()
            .push(i);
    }
    let mut best = (f64::MAX, String::new(), String::new());
    for (i, q) in p.iter().enumerate() {
        let (gx, gy) = (q.x.floor() as i64, q.y.floor() as i64);
        for dx in -1..=1 {
            for dy in -1..=1 {
                for &j in grid.get(&(gx + dx, gy + dy)).into_iter().flatten() {
                    if j <= i {
                        continue;
                    }
                    let d = (p[j].x - q.x).hypot(p[j].y - q.y);
                    if d < best.0 {
                        best = (d, map.cells()[i].label(), map.cells()[j].label());
                    }
                }
            }
        }
    }
    best
}

fn write_drawing(name: &str, map: &SeatMap) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/venues");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join(format!("{name}.svg")),
        svg(map, &Overlay::default()),
    )
    .unwrap();
}

#[test]
fn small_hall_with_geometry_keeps_the_plain_halls_seats() {
    let plain = eticket_alloc::stadium::small_hall().unwrap();
    let hall = small_hall().unwrap();
    let seats = |m: &SeatMap| {
        m.cells()
            .iter()
            .map(|c| {
                (
                    c.block,
                    c.row,
                    c.number,
                    c.col,
                    c.seat_type,
                    c.accessible,
                    c.blocked,
                )
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(seats(&hall), seats(&plain), "same seats, same cell order");
    assert_eq!(hall.to_seat_master(), plain.to_seat_master());
    assert_eq!(hall.cells().iter().filter(|c| c.companion).count(), 2);
    let stalls = hall.block(eticket_core::ids::BlockId(1)).unwrap();
    assert_eq!(stalls.row_label(9), "J");
    let balcony = hall.block(eticket_core::ids::BlockId(2)).unwrap();
    assert_eq!(balcony.seat_label(1), "101");
    // The focus is the stage's centre.
    assert_eq!((hall.focus().x, hall.focus().y), (12.5, -6.0));
    let (d, a, b) = closest_pair(&hall);
    assert!(d > 0.95, "{a} and {b} are {d} apart");
    write_drawing("small_hall", &hall);
    let text = terminal(&hall, &Overlay::default(), false);
    assert!(text.contains('='), "the stage is drawn:\n{text}");
    assert!(text.contains('~'), "the standing area is drawn:\n{text}");
}

#[test]
fn generated_venues_have_their_seat_counts_and_no_overlaps() {
    for (venue, seats) in [
        (arena().unwrap(), ARENA_SEATS),
        (stadium_bowl().unwrap(), BOWL_SEATS),
    ] {
        assert_eq!(venue.seats, seats);
        let map = SeatMap::from_toml(&venue.seat_map).unwrap();
        assert_eq!(map.len(), seats, "{}", venue.stem);
        assert!(map.cells().iter().all(|c| !c.blocked));
        assert!(map.cells().iter().any(|c| c.accessible));
        assert!(map.cells().iter().any(|c| c.companion));
        let (d, a, b) = closest_pair(&map);
        assert!(d > 0.95, "{}: {a} and {b} are {d} apart", venue.stem);
        // The focus is the pitch's (court's) centre.
        assert_eq!((map.focus().x, map.focus().y), (0.0, 0.0));
        write_drawing(venue.stem, &map);
        let text = terminal(&map, &Overlay::default(), false);
        assert!(
            text.lines().all(|l| l.chars().count() <= 200),
            "{}",
            venue.stem
        );
        assert!(text.contains(','), "the pitch is drawn");
    }
}

/// What the page will fetch for the bowl, with geometry: the seat map's
/// parameters (blocks with geometry, landmarks, areas) and the cells as
/// columns (block, row, number, col, seat type, accessible/companion flags,
/// owner and taken, the last two all 0 here as on an unsold map). Gzipped it
/// must stay within 150 KB; printed with `--nocapture`.
#[test]
fn bowl_with_geometry_fits_the_page_budget() {
    use std::io::Write as _;
    let venue = stadium_bowl().unwrap();
    let map = SeatMap::from_toml(&venue.seat_map).unwrap();
    let gz = |bytes: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap().len()
    };
    let cells = map.cells();
    let column =
        |f: &dyn Fn(&eticket_alloc::SeatCell) -> u32| -> Vec<u32> { cells.iter().map(f).collect() };
    let page = serde_json::json!({
        "blocks": map.blocks(),
        "landmarks": map.landmarks(),
        "areas": map.areas(),
        "focus": map.focus(),
        "cells": {
            "block": column(&|c| c.block.0.into()),
            "row": column(&|c| c.row.into()),
            "number": column(&|c| c.number.into()),
            "col": column(&|c| c.col.into()),
            "seat_type": column(&|c| c.seat_type.0.into()),
            "access": column(&|c| u32::from(c.accessible) + 2 * u32::from(c.companion)),
            "owner": column(&|_| 0),
            "taken": column(&|_| 0),
        }
    })
    .to_string();
    let sizes = [
        (
            "seat-map file (TOML)",
            venue.seat_map.len(),
            gz(venue.seat_map.as_bytes()),
        ),
        (
            "page form (columns + geometry)",
            page.len(),
            gz(page.as_bytes()),
        ),
        (
            "alloc JSON (one object per cell)",
            map.to_json().len(),
            gz(map.to_json().as_bytes()),
        ),
    ];
    for (what, raw, zipped) in sizes {
        println!("{what}: {raw} bytes, {zipped} gzipped");
    }
    assert!(sizes[1].2 <= 150 * 1024, "{sizes:?}");
}

/// 3:2 over the whole bowl, split seat type by seat type, is 60,000 /
/// 40,000: the seats left over in each type go to whoever is behind over
/// the types before (it used to come out 59,999 / 40,001).
#[test]
fn a_ratio_split_of_the_bowl_adds_up_to_its_ratio() {
    use eticket_alloc::allotment::{Allotments, RatioOptions};
    use eticket_core::allotment::{AllotmentRatios, RatioShare};
    use eticket_core::ids::DistributorId;
    let map = SeatMap::from_toml(&stadium_bowl().unwrap().seat_map).unwrap();
    let share = |d, weight| RatioShare {
        distributor: DistributorId(d),
        weight,
        seat_type: None,
    };
    let report = Allotments::new(&map)
        .allocate_by_ratio(
            &map,
            &AllotmentRatios {
                shares: vec![share(1, 3), share(2, 2)],
            },
            None,
            RatioOptions {
                per_seat_type: true,
            },
        )
        .unwrap();
    let total = |d| -> usize {
        report
            .lines
            .iter()
            .filter(|l| l.distributor == DistributorId(d))
            .map(|l| l.assigned)
            .sum()
    };
    assert_eq!(BOWL_SEATS, 100_000);
    assert_eq!((total(1), total(2)), (60_000, 40_000), "{:?}", report.lines);
    // More than one seat type, each with its own share rounded.
    assert!(report.lines.len() > 2);
    for l in &report.lines {
        assert!((l.assigned as f64 - l.ideal).abs() < 1.0, "{l:?}");
    }
}
