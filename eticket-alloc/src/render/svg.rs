//! SVG rendering.

use std::fmt::Write as _;

use eticket_core::ids::DistributorId;

use super::{ALLOTMENT_PALETTE, Overlay, type_names};
use crate::map::SeatMap;
use crate::status::SeatStatus;

/// Pixels per grid unit.
const CELL: i64 = 12;
/// Width of the legend panel.
const LEGEND_W: i64 = 330;
const MARGIN: i64 = 24;

/// Draw the map as a standalone SVG document.
///
/// ```
/// use eticket_alloc::render::{svg, Overlay};
/// use eticket_alloc::stadium::small_hall;
/// let map = small_hall().unwrap();
/// let doc = svg(&map, &Overlay::default());
/// assert!(doc.starts_with("<svg") && doc.contains("Category A"));
/// ```
pub fn svg(map: &SeatMap, overlay: &Overlay<'_>) -> String {
    let (x0, y0, x1, y1) = bounds(map);
    let px = |x: i64| (x - x0) * CELL + MARGIN;
    let py = |y: i64| (y - y0) * CELL + MARGIN + 20;
    let map_w = (x1 - x0 + 1) * CELL + 2 * MARGIN;
    let distributors = overlay.distributors(map);
    let legend_h = 160
        + 22 * (map.seat_types().len() + distributors.len()) as i64
        + 18 * map.areas().len() as i64;
    let height = ((y1 - y0 + 1) * CELL + 2 * MARGIN + 20).max(legend_h);
    let width = map_w + LEGEND_W;
    let mut s = String::with_capacity(map.len() * 120 + 4096);
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans, Arial, sans-serif" font-size="11">"#
    );
    let _ = write!(
        s,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    let _ = write!(
        s,
        r#"<text x="{MARGIN}" y="{}" font-size="14" font-weight="bold">{}</text>"#,
        MARGIN - 6,
        esc(map.name())
    );
    draw_stage(&mut s, map, &px, &py);
    draw_areas(&mut s, map, &px, &py);
    let slot = |d: DistributorId| distributors.iter().find(|x| x.0 == d).map_or(0, |x| x.1);
    for (i, c) in map.cells().iter().enumerate() {
        let (x, y) = (px(i64::from(c.x)), py(i64::from(c.y)));
        let fill = if c.blocked {
            "#d9d9d9".to_string()
        } else {
            map.seat_type_colour(c.seat_type)
        };
        let faded = matches!(overlay.status(i), Some(SeatStatus::Sold));
        let stroke = match overlay.owner(i) {
            Some(d) => format!(
                r#" stroke="{}" stroke-width="2.5""#,
                ALLOTMENT_PALETTE[slot(d) % ALLOTMENT_PALETTE.len()]
            ),
            None => String::new(),
        };
        let opacity = if faded { r#" fill-opacity="0.25""# } else { "" };
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="9" height="9" rx="2" fill="{fill}"{opacity}{stroke}/>"#,
            x + 1,
            y + 1
        );
        if c.blocked {
            let _ = write!(
                s,
                r##"<path d="M{} {}l7 7m0 -7l-7 7" stroke="#555" stroke-width="1.2"/>"##,
                x + 2,
                y + 2
            );
        }
        if c.accessible {
            let _ = write!(
                s,
                r##"<circle cx="{}" cy="{}" r="1.6" fill="#ffffff"/>"##,
                x + 3,
                y + 3
            );
        }
        if matches!(overlay.status(i), Some(SeatStatus::Held)) {
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="3" height="3" fill="#ffffff"/>"##,
                x + 4,
                y + 4
            );
        }
        if overlay.selected(i) {
            let _ = write!(
                s,
                r##"<circle cx="{}" cy="{}" r="2.8" fill="#111111" stroke="#ffffff" stroke-width="1"/>"##,
                x + 5,
                y + 5
            );
        }
    }
    draw_block_labels(&mut s, map, &px, &py);
    draw_legend(&mut s, map, overlay, map_w, &distributors);
    s.push_str("</svg>\n");
    s
}

fn bounds(map: &SeatMap) -> (i64, i64, i64, i64) {
    let f = map.focus();
    let (fx, fy) = (f.x.round() as i64, f.y.round() as i64);
    let mut b = (fx - 3, fy - 1, fx + 3, fy + 1);
    for c in map.cells() {
        let (x, y) = (i64::from(c.x), i64::from(c.y));
        b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
    }
    for a in map.areas() {
        let (x, y) = (i64::from(a.at.x), i64::from(a.at.y));
        b = (
            b.0.min(x),
            b.1.min(y),
            b.2.max(x + i64::from(a.width) - 1),
            b.3.max(y + i64::from(a.height) - 1),
        );
    }
    b
}

fn draw_stage(s: &mut String, map: &SeatMap, px: &dyn Fn(i64) -> i64, py: &dyn Fn(i64) -> i64) {
    let f = map.focus();
    let (cx, cy) = (
        px(0) + ((f.x as f64) * CELL as f64) as i64 + CELL / 2,
        py(0) + ((f.y as f64) * CELL as f64) as i64 + CELL / 2,
    );
    let _ = write!(
        s,
        r##"<rect x="{}" y="{}" width="84" height="16" rx="3" fill="#333333"/>"##,
        cx - 42,
        cy - 8
    );
    let _ = write!(
        s,
        r##"<text x="{cx}" y="{}" fill="#ffffff" text-anchor="middle" font-weight="bold">STAGE</text>"##,
        cy + 4
    );
}

fn draw_areas(s: &mut String, map: &SeatMap, px: &dyn Fn(i64) -> i64, py: &dyn Fn(i64) -> i64) {
    for a in map.areas() {
        let (x, y) = (px(i64::from(a.at.x)), py(i64::from(a.at.y)));
        let (w, h) = (i64::from(a.width) * CELL, i64::from(a.height) * CELL);
        let colour = map.seat_type_colour(a.seat_type);
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y}" width="{w}" height="{h}" fill="{colour}" fill-opacity="0.3" stroke="{colour}" stroke-dasharray="4 3"/>"#
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            x + w / 2,
            y + h / 2,
            esc(&a.name)
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">capacity {}</text>"#,
            x + w / 2,
            y + h / 2 + 13,
            a.capacity
        );
    }
}

fn draw_block_labels(
    s: &mut String,
    map: &SeatMap,
    px: &dyn Fn(i64) -> i64,
    py: &dyn Fn(i64) -> i64,
) {
    for b in map.blocks() {
        let Ok(range) = map.block_cells(b.id) else {
            continue;
        };
        let cells = &map.cells()[range];
        let (Some(minx), Some(maxx), Some(miny), Some(maxy)) = (
            cells.iter().map(|c| c.x).min(),
            cells.iter().map(|c| c.x).max(),
            cells.iter().map(|c| c.y).min(),
            cells.iter().map(|c| c.y).max(),
        ) else {
            continue;
        };
        let cx = (px(i64::from(minx)) + px(i64::from(maxx))) / 2 + CELL / 2;
        let cy = (py(i64::from(miny)) + py(i64::from(maxy))) / 2 + CELL / 2 + 5;
        let _ = write!(
            s,
            r##"<text x="{cx}" y="{cy}" text-anchor="middle" font-size="13" font-weight="bold" fill="#ffffff" stroke="#000000" stroke-width="3" paint-order="stroke" opacity="0.85">{}</text>"##,
            esc(&b.name)
        );
    }
}

fn draw_legend(
    s: &mut String,
    map: &SeatMap,
    overlay: &Overlay<'_>,
    x: i64,
    distributors: &[(DistributorId, usize, usize)],
) {
    let counts = overlay.counts(map);
    let names = type_names(map);
    let mut y = MARGIN + 4;
    let line = |s: &mut String, y: i64, text: &str, bold: bool| {
        let weight = if bold { r#" font-weight="bold""# } else { "" };
        let _ = write!(
            s,
            r#"<text x="{}" y="{y}"{weight}>{}</text>"#,
            x + 24,
            esc(text)
        );
    };
    line(s, y, "Seat types: selected / selectable / total", true);
    y += 20;
    for (t, k) in &counts.by_type {
        let colour = map.seat_type_colour(*t);
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="{colour}"/>"#,
            y - 10
        );
        let name = names.get(t).map_or("?", String::as_str);
        line(
            s,
            y,
            &format!("{name}: {} / {} / {}", k.selected, k.selectable, k.total),
            false,
        );
        y += 22;
    }
    let t = counts.total;
    line(
        s,
        y,
        &format!(
            "All: {} selected, {} selectable, {} allotted",
            t.selected, t.selectable, t.allotted
        ),
        true,
    );
    y += 22;
    let _ = write!(
        s,
        r##"<circle cx="{}" cy="{}" r="3" fill="#111111"/>"##,
        x + 6,
        y - 4
    );
    line(s, y, "selected", false);
    y += 18;
    let _ = write!(
        s,
        r##"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="#d9d9d9"/><path d="M{} {}l8 8m0 -8l-8 8" stroke="#555"/>"##,
        y - 10,
        x + 2,
        y - 8
    );
    line(s, y, &format!("blocked ({})", t.blocked), false);
    y += 18;
    if let Some(status) = overlay.status {
        let n = |k| status.iter().filter(|&&x| x == k).count();
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="#777777" fill-opacity="0.25"/>"##,
            y - 10
        );
        line(s, y, &format!("sold ({})", n(SeatStatus::Sold)), false);
        y += 18;
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="#777777"/><rect x="{}" y="{}" width="4" height="4" fill="#ffffff"/>"##,
            y - 10,
            x + 4,
            y - 6
        );
        line(s, y, &format!("held ({})", n(SeatStatus::Held)), false);
        y += 18;
    }
    y += 6;
    if !distributors.is_empty() {
        line(s, y, "Allotments (outline)", true);
        y += 20;
        for (d, slot, n) in distributors {
            let colour = ALLOTMENT_PALETTE[slot % ALLOTMENT_PALETTE.len()];
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="10" height="10" rx="2" fill="#ffffff" stroke="{colour}" stroke-width="2.5"/>"##,
                x + 1,
                y - 9
            );
            line(s, y, &format!("Distributor {d}: {n} seats"), false);
            y += 22;
        }
    }
    for a in map.areas() {
        line(s, y, &format!("{}: capacity {}", a.name, a.capacity), false);
        y += 18;
    }
}

/// Escape text for SVG.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}
