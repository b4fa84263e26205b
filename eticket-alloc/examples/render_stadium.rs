//! Render the generated 100,000-seat stadium split by ratio between four
//! distributors: `cargo run --release -p eticket-alloc --example render_stadium -- out.svg`.

use eticket_alloc::allotment::{Allotments, RatioOptions};
use eticket_alloc::render::{Overlay, svg, terminal};
use eticket_alloc::selection::{Selection, Shape};
use eticket_alloc::stadium::stadium_100k;
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::{BlockId, DistributorId};

fn main() {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "stadium.svg".into());
    let map = stadium_100k().unwrap();
    let mut allot = Allotments::new(&map);
    let share = |d, w| RatioShare {
        distributor: DistributorId(d),
        weight: w,
        seat_type: None,
    };
    let ratios = AllotmentRatios {
        shares: vec![share(1, 5), share(2, 3), share(3, 1), share(4, 1)],
    };
    let report = allot
        .allocate_by_ratio(&map, &ratios, None, RatioOptions::default())
        .unwrap();
    for l in &report.lines {
        println!(
            "{}: ideal {:.1}, assigned {}, runs {}",
            l.distributor, l.ideal, l.assigned, l.runs
        );
    }
    let mut sel = Selection::new(&map);
    sel.add(
        &map,
        &Shape::Block {
            block: BlockId(203),
        },
    )
    .unwrap();
    std::fs::write(
        &path,
        svg(
            &map,
            &Overlay {
                selection: Some(&sel),
                allotments: Some(&allot),
                status: None,
            },
        ),
    )
    .unwrap();
    let text = terminal(&map, &Overlay::default(), false);
    println!(
        "{}",
        text.lines().rev().take(6).collect::<Vec<_>>().join("\n")
    );
}
