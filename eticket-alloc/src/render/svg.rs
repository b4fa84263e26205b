//! SVG rendering.

use std::fmt::Write as _;

use eticket_core::ids::DistributorId;

use super::{Overlay, allotment_stroke, type_names};
use crate::geometry::{LandmarkKind, Outline, Point, polygon_centre, sin_cos_degrees};
use crate::map::SeatMap;
use crate::status::SeatStatus;

/// Pixels per venue unit, for maps up to [`FULL_SIZE`] units across.
const CELL: f64 = 12.0;
/// Larger maps are scaled down to about this many pixels across.
const FULL_SIZE: f64 = 4_800.0;
/// Width of the legend panel.
const LEGEND_W: i64 = 330;
const MARGIN: i64 = 24;

/// Venue units to pixels.
struct Frame {
    x0: f64,
    y0: f64,
    scale: f64,
}

impl Frame {
    /// Left edge of the venue unit square at `x`.
    fn px(&self, x: f64) -> f64 {
        (x - self.x0) * self.scale + MARGIN as f64
    }
    /// Top edge of the venue unit square at `y`.
    fn py(&self, y: f64) -> f64 {
        (y - self.y0) * self.scale + MARGIN as f64 + 20.0
    }
    /// Centre of the unit square a point names (seats are drawn centred on it).
    fn centre(&self, x: f64, y: f64) -> (f64, f64) {
        (self.px(x) + self.scale / 2.0, self.py(y) + self.scale / 2.0)
    }
    fn points(&self, points: &[Point]) -> String {
        let mut out = String::new();
        for (i, p) in points.iter().enumerate() {
            let (x, y) = self.centre(p[0], p[1]);
            let _ = write!(out, "{}{},{}", if i > 0 { " " } else { "" }, num(x), num(y));
        }
        out
    }
}

/// A number for SVG: at most two decimals, no trailing zeros.
fn num(v: f64) -> String {
    let r = (v * 100.0).round() / 100.0;
    if r == r.trunc() {
        format!("{}", r as i64)
    } else {
        let t = format!("{r:.2}");
        t.trim_end_matches('0').to_string()
    }
}

/// Draw the map as a standalone SVG document: every seat where the map's
/// geometry puts it (turned with its row), landmarks, standing areas with
/// their capacity, block and row labels, and a legend with the counts.
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
    let extent = (x1 - x0 + 1.0).max(y1 - y0 + 1.0);
    let scale = if extent * CELL <= FULL_SIZE {
        CELL
    } else {
        (FULL_SIZE / extent).max(2.0)
    };
    let frame = Frame { x0, y0, scale };
    let map_w = ((x1 - x0 + 1.0) * scale) as i64 + 2 * MARGIN;
    let distributors = overlay.distributors(map);
    let legend_h = 200
        + 22 * (map.seat_types().len() + distributors.len()) as i64
        + 18 * map.areas().len() as i64;
    let height = (((y1 - y0 + 1.0) * scale) as i64 + 2 * MARGIN + 20).max(legend_h);
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
    draw_landmarks(&mut s, map, &frame);
    if map.landmarks().is_empty() {
        draw_stage(&mut s, map, &frame);
    } else {
        draw_focus(&mut s, map, &frame);
    }
    draw_areas(&mut s, map, &frame);
    draw_seats(&mut s, map, overlay, &frame, &distributors);
    draw_row_labels(&mut s, map, &frame);
    draw_block_labels(&mut s, map, &frame);
    draw_legend(&mut s, map, overlay, map_w, &distributors);
    s.push_str("</svg>\n");
    s
}

/// The dark edge under an allotment's outline.
pub(crate) const HALO: &str = "#1a1a1a";

fn draw_seats(
    s: &mut String,
    map: &SeatMap,
    overlay: &Overlay<'_>,
    frame: &Frame,
    distributors: &[(DistributorId, usize, usize)],
) {
    let k = frame.scale / CELL;
    let slot = |d: DistributorId| distributors.iter().find(|x| x.0 == d).map_or(0, |x| x.1);
    let side = num(9.0 * k);
    for (i, (c, p)) in map.cells().iter().zip(map.positions()).enumerate() {
        let (cx, cy) = frame.centre(p.x, p.y);
        let fill = if c.blocked {
            "#d9d9d9".to_string()
        } else {
            map.seat_type_colour(c.seat_type)
        };
        let faded = matches!(overlay.status(i), Some(SeatStatus::Sold));
        let width = 2.5 * k.clamp(0.5, 1.0);
        let stroke = match overlay.owner(i) {
            Some(d) => allotment_stroke(slot(d), &num(width)),
            None => String::new(),
        };
        let opacity = if faded { r#" fill-opacity="0.25""# } else { "" };
        // Seats of turned or curved rows are turned with their row.
        let turn = if (p.angle / 90.0).fract().abs() > 1e-9 {
            format!(
                r#" transform="rotate({} {} {})""#,
                num(p.angle),
                num(cx),
                num(cy)
            )
        } else {
            String::new()
        };
        if overlay.owner(i).is_some() {
            // A dark edge on both sides of the outline: an outline in a
            // colour near the seat type's (orange on Category B's orange)
            // still stands out.
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="{side}" height="{side}" rx="2" fill="none" stroke="{HALO}" stroke-width="{}"{turn}/>"##,
                num(cx - 4.5 * k),
                num(cy - 4.5 * k),
                num(width + 1.6),
            );
        }
        let _ = write!(
            s,
            r#"<rect x="{}" y="{}" width="{side}" height="{side}" rx="2" fill="{fill}"{opacity}{stroke}{turn}/>"#,
            num(cx - 4.5 * k),
            num(cy - 4.5 * k),
        );
        if c.blocked {
            let _ = write!(
                s,
                r##"<path d="M{} {}l{d} {d}m0 -{d}l-{d} {d}" stroke="#555" stroke-width="1.2"/>"##,
                num(cx - 3.5 * k),
                num(cy - 3.5 * k),
                d = num(7.0 * k),
            );
        }
        if c.accessible {
            // A white disc with a dark ring: accessible place.
            let _ = write!(
                s,
                r##"<circle cx="{}" cy="{}" r="{}" fill="#ffffff" stroke="#111111" stroke-width="{}"/>"##,
                num(cx),
                num(cy),
                num(2.6 * k),
                num(0.9 * k),
            );
        } else if c.companion {
            // A white ring: companion seat.
            let _ = write!(
                s,
                r##"<circle cx="{}" cy="{}" r="{}" fill="none" stroke="#ffffff" stroke-width="{}"/>"##,
                num(cx),
                num(cy),
                num(2.4 * k),
                num(1.2 * k),
            );
        }
        if matches!(overlay.status(i), Some(SeatStatus::Held)) {
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="{h}" height="{h}" fill="#ffffff"/>"##,
                num(cx - 1.5 * k),
                num(cy - 1.5 * k),
                h = num(3.0 * k),
            );
        }
        if overlay.selected(i) {
            let _ = write!(
                s,
                r##"<circle cx="{}" cy="{}" r="{}" fill="#111111" stroke="#ffffff" stroke-width="1"/>"##,
                num(cx),
                num(cy),
                num(2.8 * k),
            );
        }
    }
}

/// The venue-unit bounds of everything drawn: seats, areas, landmarks and
/// the focus.
fn bounds(map: &SeatMap) -> (f64, f64, f64, f64) {
    let f = map.focus();
    let (fx, fy) = (f64::from(f.x).round(), f64::from(f.y).round());
    let mut b = (fx - 3.0, fy - 1.0, fx + 3.0, fy + 1.0);
    let mut add = |x: f64, y: f64| {
        b = (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y));
    };
    for p in map.positions() {
        add(p.x, p.y);
    }
    for a in map.areas() {
        let (x, y) = (f64::from(a.at.x), f64::from(a.at.y));
        add(x, y);
        add(x + f64::from(a.width) - 1.0, y + f64::from(a.height) - 1.0);
    }
    for l in map.landmarks() {
        for p in l.outline.points() {
            add(p[0], p[1]);
        }
    }
    (b.0.floor(), b.1.floor(), b.2.ceil(), b.3.ceil())
}

/// Without landmarks, a STAGE box at the focus (as maps always had).
fn draw_stage(s: &mut String, map: &SeatMap, frame: &Frame) {
    let f = map.focus();
    let (cx, cy) = frame.centre(f64::from(f.x), f64::from(f.y));
    let (cx, cy) = (cx as i64, cy as i64);
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

/// With landmarks, a small cross at the focus.
fn draw_focus(s: &mut String, map: &SeatMap, frame: &Frame) {
    let f = map.focus();
    let (cx, cy) = frame.centre(f64::from(f.x), f64::from(f.y));
    let _ = write!(
        s,
        r##"<path d="M{} {}h10m-5 -5v10" stroke="#d55e00" stroke-width="2"/>"##,
        num(cx - 5.0),
        num(cy)
    );
}

fn draw_landmarks(s: &mut String, map: &SeatMap, frame: &Frame) {
    for l in map.landmarks() {
        let (fill, text) = match l.kind {
            LandmarkKind::Stage => ("#333333", "#ffffff"),
            LandmarkKind::Pitch => ("#4a9c59", "#ffffff"),
            LandmarkKind::Other => ("#c8c8c8", "#111111"),
        };
        match &l.outline {
            Outline::Circle { x, y, radius } => {
                let (cx, cy) = frame.centre(*x, *y);
                let _ = write!(
                    s,
                    r##"<circle cx="{}" cy="{}" r="{}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>"##,
                    num(cx),
                    num(cy),
                    num(radius * frame.scale)
                );
            }
            outline => {
                let _ = write!(
                    s,
                    r##"<polygon points="{}" fill="{fill}" stroke="#ffffff" stroke-width="2"/>"##,
                    frame.points(&outline.points())
                );
            }
        }
        if l.kind == LandmarkKind::Pitch {
            if let Outline::Rect {
                x,
                y,
                width,
                height,
                angle,
            } = &l.outline
            {
                // The halfway line across the longer side, and the centre circle.
                let (c, r) = (
                    [x + width / 2.0, y + height / 2.0],
                    width.min(*height) / 7.0,
                );
                let half = if width >= height {
                    [[c[0], *y], [c[0], y + height]]
                } else {
                    [[*x, c[1]], [x + width, c[1]]]
                };
                let turn = |p: Point| {
                    let (sin_a, cos_a) = sin_cos_degrees(*angle);
                    let (u, v) = (p[0] - c[0], p[1] - c[1]);
                    [c[0] + u * cos_a - v * sin_a, c[1] + u * sin_a + v * cos_a]
                };
                let (a, b) = (turn(half[0]), turn(half[1]));
                let ((ax, ay), (bx, by)) = (frame.centre(a[0], a[1]), frame.centre(b[0], b[1]));
                let (cx, cy) = frame.centre(c[0], c[1]);
                let _ = write!(
                    s,
                    r##"<path d="M{} {}L{} {}" stroke="#ffffff" stroke-width="2"/><circle cx="{}" cy="{}" r="{}" fill="none" stroke="#ffffff" stroke-width="2"/>"##,
                    num(ax),
                    num(ay),
                    num(bx),
                    num(by),
                    num(cx),
                    num(cy),
                    num(r * frame.scale)
                );
            }
        }
        let c = l.outline.centre();
        let (cx, cy) = frame.centre(c[0], c[1]);
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" fill="{text}" text-anchor="middle" font-weight="bold" font-size="14">{}</text>"##,
            num(cx),
            num(cy + 5.0),
            esc(&l.name.to_uppercase())
        );
    }
}

fn draw_areas(s: &mut String, map: &SeatMap, frame: &Frame) {
    for a in map.areas() {
        let colour = map.seat_type_colour(a.seat_type);
        let (mx, my) = if a.polygon.is_empty() {
            let (x, y) = (frame.px(f64::from(a.at.x)), frame.py(f64::from(a.at.y)));
            let (w, h) = (
                f64::from(a.width) * frame.scale,
                f64::from(a.height) * frame.scale,
            );
            let _ = write!(
                s,
                r#"<rect x="{}" y="{}" width="{}" height="{}" fill="{colour}" fill-opacity="0.3" stroke="{colour}" stroke-dasharray="4 3"/>"#,
                num(x),
                num(y),
                num(w),
                num(h)
            );
            (x + w / 2.0, y + h / 2.0)
        } else {
            let _ = write!(
                s,
                r#"<polygon points="{}" fill="{colour}" fill-opacity="0.3" stroke="{colour}" stroke-dasharray="4 3"/>"#,
                frame.points(&a.polygon)
            );
            let c = polygon_centre(&a.polygon);
            frame.centre(c[0], c[1])
        };
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            num(mx),
            num(my),
            esc(&a.name)
        );
        let _ = write!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">capacity {}</text>"#,
            num(mx),
            num(my + 13.0),
            a.capacity
        );
    }
}

/// Row labels of blocks that have them, one seat before each row's first
/// column (in the direction the row runs).
fn draw_row_labels(s: &mut String, map: &SeatMap, frame: &Frame) {
    let size = num((frame.scale * 0.7).clamp(4.0, 10.0));
    for b in map.blocks().iter().filter(|b| !b.row_labels.is_empty()) {
        let Ok(range) = map.block_cells(b.id) else {
            continue;
        };
        let cells = &map.cells()[range.clone()];
        let positions = &map.positions()[range];
        for (k, c) in cells.iter().enumerate() {
            if k > 0 && cells[k - 1].row == c.row {
                continue;
            }
            let Some(label) = usize::from(c.row)
                .checked_sub(1)
                .and_then(|i| b.row_labels.get(i))
            else {
                continue;
            };
            let p = positions[k];
            let (sin_a, cos_a) = sin_cos_degrees(p.angle);
            let (cx, cy) = frame.centre(p.x - cos_a * 1.2, p.y - sin_a * 1.2);
            let _ = write!(
                s,
                r##"<text x="{}" y="{}" font-size="{size}" fill="#555555" text-anchor="middle" dominant-baseline="middle">{}</text>"##,
                num(cx),
                num(cy),
                esc(label)
            );
        }
    }
}

fn draw_block_labels(s: &mut String, map: &SeatMap, frame: &Frame) {
    for b in map.blocks() {
        let Ok(range) = map.block_cells(b.id) else {
            continue;
        };
        let positions = &map.positions()[range];
        if positions.is_empty() {
            continue;
        }
        let (mut x0, mut y0, mut x1, mut y1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
        for p in positions {
            (x0, y0, x1, y1) = (x0.min(p.x), y0.min(p.y), x1.max(p.x), y1.max(p.y));
        }
        let (cx, cy) = frame.centre((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let _ = write!(
            s,
            r##"<text x="{}" y="{}" text-anchor="middle" font-size="13" font-weight="bold" fill="#ffffff" stroke="#000000" stroke-width="3" paint-order="stroke" opacity="0.85">{}</text>"##,
            num(cx),
            num(cy + 5.0),
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
    let accessible = map.cells().iter().filter(|c| c.accessible).count();
    let companions = map.cells().iter().filter(|c| c.companion).count();
    if accessible > 0 {
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="#777777"/><circle cx="{}" cy="{}" r="3" fill="#ffffff" stroke="#111111"/>"##,
            y - 10,
            x + 6,
            y - 4
        );
        line(s, y, &format!("accessible place ({accessible})"), false);
        y += 18;
    }
    if companions > 0 {
        let _ = write!(
            s,
            r##"<rect x="{x}" y="{}" width="12" height="12" rx="2" fill="#777777"/><circle cx="{}" cy="{}" r="3" fill="none" stroke="#ffffff" stroke-width="1.5"/>"##,
            y - 10,
            x + 6,
            y - 4
        );
        line(s, y, &format!("companion seat ({companions})"), false);
        y += 18;
    }
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
            let stroke = allotment_stroke(*slot, "2.5");
            let _ = write!(
                s,
                r##"<rect x="{}" y="{}" width="10" height="10" rx="2" fill="#ffffff"{stroke}/>"##,
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
