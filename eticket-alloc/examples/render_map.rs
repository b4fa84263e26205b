//! Render the small hall with a selection, two allotments and some sales:
//! `cargo run -p eticket-alloc --example render_map -- out.svg` writes the SVG
//! and prints the terminal rendering.

use eticket_alloc::allotment::{Allotments, RatioOptions};
use eticket_alloc::best::{BestRequest, find_best};
use eticket_alloc::render::{Overlay, svg, terminal};
use eticket_alloc::selection::{Selection, Shape};
use eticket_alloc::stadium::{CAT_B, small_hall};
use eticket_alloc::status::SeatStatus;
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::{BlockId, DistributorId, SeatType};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "small_hall.svg".into());
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    // The balcony split 2:1 between two distributors by ratio.
    let mut balcony = Selection::new(&map);
    balcony
        .add(&map, &Shape::Block { block: BlockId(2) })
        .unwrap();
    let share = |d, w| RatioShare {
        distributor: DistributorId(d),
        weight: w,
        seat_type: None,
    };
    let ratios = AllotmentRatios {
        shares: vec![share(1, 2), share(2, 1)],
    };
    allot
        .allocate_by_ratio(&map, &ratios, Some(&balcony), RatioOptions::default())
        .unwrap();
    // Rows 9-10 of the stalls to a third distributor by selection.
    let mut back = Selection::new(&map);
    back.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 9,
        },
    )
    .unwrap();
    back.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 10,
        },
    )
    .unwrap();
    allot.assign(&map, &back, DistributorId(3)).unwrap();
    // The live status the center's ledger would give: some best-available
    // sales, then one hold still open (each pick among the seats still free).
    let mut status: Vec<SeatStatus> = map
        .cells()
        .iter()
        .map(|c| {
            if c.blocked {
                SeatStatus::Blocked
            } else {
                SeatStatus::Free
            }
        })
        .collect();
    // Three sales of Category A, then two Category B seats held.
    let picks = [
        (4, SeatType(1), SeatStatus::Sold),
        (2, SeatType(1), SeatStatus::Sold),
        (3, SeatType(1), SeatStatus::Sold),
        (2, CAT_B, SeatStatus::Held),
    ];
    for (n, seat_type, to) in picks {
        let free = |i: usize| status[i] == SeatStatus::Free;
        let pick = find_best(&map, &BestRequest::new(n, seat_type), free).unwrap();
        for c in pick.cells {
            status[c.index()] = to;
        }
    }
    // The organizer's current selection: a rectangle in the Category B rows.
    let mut sel = Selection::new(&map);
    sel.add(
        &map,
        &Shape::Rect {
            from: eticket_alloc::GridPoint { x: 15, y: 5 },
            to: eticket_alloc::GridPoint { x: 22, y: 6 },
        },
    )
    .unwrap();
    let overlay = Overlay {
        selection: Some(&sel),
        allotments: Some(&allot),
        status: Some(&status),
    };
    std::fs::write(&path, svg(&map, &overlay)).unwrap();
    print!(
        "{}",
        terminal(
            &map,
            &overlay,
            std::io::IsTerminal::is_terminal(&std::io::stdout())
        )
    );
}
