//! SVG and terminal rendering show seat types, selection, allotments and counts.

use eticket_alloc::allotment::Allotments;
use eticket_alloc::render::{
    ALLOTMENT_PALETTE, Overlay, allotment_colour, allotment_dashes, svg, terminal,
};
use eticket_alloc::selection::{Selection, Shape};
use eticket_alloc::stadium::{StadiumSpec, small_hall, stadium};
use eticket_core::ids::{BlockId, DistributorId};

fn overlay_parts() -> (eticket_alloc::SeatMap, Selection, Allotments) {
    let map = small_hall().unwrap();
    let mut sel = Selection::new(&map);
    sel.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 6,
        },
    )
    .unwrap();
    let mut allot = Allotments::new(&map);
    let mut a = Selection::new(&map);
    a.add(&map, &Shape::Block { block: BlockId(2) }).unwrap();
    allot.assign(&map, &a, DistributorId(4)).unwrap();
    let mut b = Selection::new(&map);
    b.add(
        &map,
        &Shape::Row {
            block: BlockId(1),
            row: 10,
        },
    )
    .unwrap();
    allot.assign(&map, &b, DistributorId(9)).unwrap();
    (map, sel, allot)
}

#[test]
fn svg_shows_types_selection_allotments_and_counts() {
    let (map, sel, allot) = overlay_parts();
    let doc = svg(
        &map,
        &Overlay {
            selection: Some(&sel),
            allotments: Some(&allot),
            status: None,
        },
    );
    assert!(doc.starts_with("<svg") && doc.trim_end().ends_with("</svg>"));
    for t in map.seat_types() {
        assert!(doc.contains(&t.name));
        assert!(doc.contains(&map.seat_type_colour(t.id)));
    }
    // Every seat type has its own colour.
    let mut colours: Vec<String> = map
        .seat_types()
        .iter()
        .map(|t| map.seat_type_colour(t.id))
        .collect();
    colours.dedup();
    assert_eq!(colours.len(), map.seat_types().len());
    // One dot per selected cell; each allotment has its own outline colour.
    assert_eq!(
        doc.matches(r##"fill="#111111" stroke"##).count(),
        sel.count()
    );
    assert_eq!(
        doc.matches(&format!(
            r#"stroke="{}" stroke-width="2.5"/>"#,
            ALLOTMENT_PALETTE[0]
        ))
        .count(),
        136 + 1,
        "cells and legend swatch"
    );
    assert_eq!(
        doc.matches(&format!(
            r#"stroke="{}" stroke-width="2.5"/>"#,
            ALLOTMENT_PALETTE[1]
        ))
        .count(),
        24 + 1
    );
    // Each allotted cell's outline lies on a dark edge, so an outline in a
    // colour near its seat type's still shows.
    assert_eq!(
        doc.matches(r##"fill="none" stroke="#1a1a1a""##).count(),
        136 + 24
    );
    assert!(
        doc.contains("Category B: 24 / 96 / 140"),
        "counts in the legend"
    );
    assert!(doc.contains("Distributor D4: 136 seats"));
}

/// Distributors past the palette's four colours get the first colours
/// again with a dashed, then dotted outline, in the cells and the legend.
#[test]
fn svg_tells_apart_allotments_whose_colour_repeats() {
    let map = small_hall().unwrap();
    let mut allot = Allotments::new(&map);
    let mut rows = Vec::new();
    for row in 1..=9u16 {
        let mut s = Selection::new(&map);
        s.add(
            &map,
            &Shape::Row {
                block: BlockId(1),
                row,
            },
        )
        .unwrap();
        allot.assign(&map, &s, DistributorId(row)).unwrap();
        rows.push(s.count());
    }
    let doc = svg(
        &map,
        &Overlay {
            allotments: Some(&allot),
            ..Overlay::default()
        },
    );
    assert_eq!(allotment_colour(4), ALLOTMENT_PALETTE[0]);
    let outline = |slot: usize| {
        let dashes = allotment_dashes(slot)
            .map(|d| format!(r#" stroke-dasharray="{d}""#))
            .unwrap_or_default();
        format!(
            r#"stroke="{}" stroke-width="2.5"{dashes}/>"#,
            allotment_colour(slot)
        )
    };
    let patterns: Vec<_> = (0..9).map(allotment_dashes).collect();
    assert!(patterns[..4].iter().all(Option::is_none));
    assert!(patterns[4].is_some() && patterns[8].is_some() && patterns[4] != patterns[8]);
    for (slot, n) in rows.iter().enumerate() {
        assert_eq!(
            doc.matches(&outline(slot)).count(),
            n + 1,
            "slot {slot}: cells and legend swatch"
        );
    }
}

#[test]
fn svg_escapes_names() {
    let text = small_hall_toml_with_name("A <b> & \\\"c\\\"");
    let map = eticket_alloc::SeatMap::from_toml(&text).unwrap();
    let doc = svg(&map, &Overlay::default());
    assert!(doc.contains("A &lt;b&gt; &amp; &quot;c&quot;"));
}

fn small_hall_toml_with_name(name: &str) -> String {
    eticket_alloc::stadium::SMALL_HALL_TOML
        .replace("name = \"Small Hall\"", &format!("name = \"{name}\""))
}

#[test]
fn terminal_with_and_without_colour() {
    let (map, sel, allot) = overlay_parts();
    let overlay = Overlay {
        selection: Some(&sel),
        allotments: Some(&allot),
        status: None,
    };
    let plain = terminal(&map, &overlay, false);
    assert!(!plain.contains('\x1b'));
    let lines: Vec<&str> = plain.lines().collect();
    // Title, then row 1 of the stalls with its two camera positions (the
    // balcony starts two columns further left).
    assert_eq!(lines[1], "  xaaaaaaaaaaa  aaaaaaaaaaax");
    assert_eq!(lines[6], "  ************  ************");
    assert_eq!(lines[10], "  222222222222  222222222222");
    assert!(plain.contains("1 distributor D4: 136 seats"));
    assert!(plain.contains("b Category B: 24 selected, 96 selectable, 140 total"));
    let coloured = terminal(&map, &overlay, true);
    assert!(
        coloured.contains("\x1b[38;2;0;0;0;48;2;0;114;178m"),
        "Category A background"
    );
}

#[test]
fn big_maps_render() {
    let map = stadium(StadiumSpec {
        blocks_per_stand: 2,
        rows: 10,
        half_row: 10,
    })
    .unwrap();
    let doc = svg(&map, &Overlay::default());
    assert!(doc.matches("rx=\"2\" fill=\"#").count() >= map.len());
    let text = terminal(&map, &Overlay::default(), false);
    assert!(text.contains("North 1") || text.contains("Category A"));
}
