//! Terminal rendering with ANSI colours.

use std::fmt::Write as _;

use super::{Overlay, type_names};
use crate::geometry::{LandmarkKind, Point, polygon_contains};
use crate::map::SeatMap;
use crate::status::SeatStatus;

/// Characters marking allotments, by legend slot.
const SLOT_CHARS: &[u8] = b"123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Maps wider or taller than this many venue units are drawn scaled down:
/// one character for several units across and twice as many down (a
/// character is about twice as tall as wide).
const MAX_COLUMNS: i64 = 160;

/// Draw the map as text, one character per venue unit (or, for maps wider
/// than 160 units, per block of units: a sensible approximation of the
/// geometry), each seat at its rounded position: seat types as
/// background colours (with `colour`) and letters `a`, `b`, … (in seat-type
/// order), allotments as `1`-`9`, `A`-`Z`, the selection as `*`, blocked
/// cells as `x`, sold seats as `#`, held seats as `h`; landmarks as `=`
/// (stage), `,` (pitch) or `+` (other) and standing areas given as polygons
/// as `~`; then a legend with the counts.
///
/// ```
/// use eticket_alloc::render::{terminal, Overlay};
/// use eticket_alloc::stadium::small_hall;
/// let text = terminal(&small_hall().unwrap(), &Overlay::default(), false);
/// assert!(text.lines().next().unwrap().contains("Small Hall"));
/// ```
pub fn terminal(map: &SeatMap, overlay: &Overlay<'_>, colour: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", map.name());
    let distributors = overlay.distributors(map);
    let type_pos = |t| map.seat_types().iter().position(|s| s.id == t).unwrap_or(0);
    if let Some((x0, y0, x1, y1)) = bounds(map) {
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        let k = if w.max(h) <= MAX_COLUMNS {
            1
        } else {
            (w.max(h) + MAX_COLUMNS - 1) / MAX_COLUMNS
        };
        let (kx, ky) = (k, if k == 1 { 1 } else { 2 * k });
        let (cols, lines) = ((w + kx - 1) / kx, (h + ky - 1) / ky);
        let mut grid: Vec<Option<(char, Option<String>)>> = vec![None; (cols * lines) as usize];
        let centre = |col: i64, line: i64| {
            [
                (x0 + col * kx) as f64 + (kx - 1) as f64 / 2.0,
                (y0 + line * ky) as f64 + (ky - 1) as f64 / 2.0,
            ]
        };
        let mut shapes: Vec<(char, Vec<Point>)> = map
            .landmarks()
            .iter()
            .map(|l| {
                let ch = match l.kind {
                    LandmarkKind::Stage => '=',
                    LandmarkKind::Pitch => ',',
                    LandmarkKind::Other => '+',
                };
                (ch, l.outline.points())
            })
            .collect();
        shapes.extend(
            map.areas()
                .iter()
                .filter(|a| !a.polygon.is_empty())
                .map(|a| ('~', a.polygon.clone())),
        );
        for (ch, points) in &shapes {
            // Only the characters within the shape's bounding box.
            let (mut bx0, mut by0, mut bx1, mut by1) = (f64::MAX, f64::MAX, f64::MIN, f64::MIN);
            for p in points {
                (bx0, by0, bx1, by1) = (bx0.min(p[0]), by0.min(p[1]), bx1.max(p[0]), by1.max(p[1]));
            }
            let span = |lo: f64, hi: f64, origin: i64, k: i64, n: i64| {
                let a = ((lo - origin as f64) / k as f64)
                    .floor()
                    .clamp(0.0, n as f64) as i64;
                let b = ((hi - origin as f64) / k as f64)
                    .ceil()
                    .clamp(0.0, n as f64) as i64;
                a..b.min(n)
            };
            for line in span(by0, by1, y0, ky, lines) {
                for col in span(bx0, bx1, x0, kx, cols) {
                    if polygon_contains(points, centre(col, line)) {
                        grid[(line * cols + col) as usize] = Some((*ch, None));
                    }
                }
            }
        }
        for (i, (c, p)) in map.cells().iter().zip(map.positions()).enumerate() {
            let ch = if overlay.selected(i) {
                '*'
            } else if c.blocked {
                'x'
            } else if let Some(st @ (SeatStatus::Sold | SeatStatus::Held)) = overlay.status(i) {
                if st == SeatStatus::Sold { '#' } else { 'h' }
            } else if let Some(d) = overlay.owner(i) {
                let slot = distributors.iter().find(|x| x.0 == d).map_or(0, |x| x.1);
                char::from(SLOT_CHARS[slot % SLOT_CHARS.len()])
            } else {
                char::from(b'a' + (type_pos(c.seat_type) % 26) as u8)
            };
            let bg = (colour && !c.blocked).then(|| map.seat_type_colour(c.seat_type));
            let (x, y) = (p.x.round() as i64, p.y.round() as i64);
            let at = ((y - y0) / ky) * cols + (x - x0) / kx;
            grid[at as usize] = Some((ch, bg));
        }
        if k > 1 {
            let _ = writeln!(out, "(scaled: one character is {kx} × {ky} venue units)");
        }
        for line in grid.chunks(cols as usize) {
            for cell in line {
                match cell {
                    None => out.push(' '),
                    Some((ch, None)) => out.push(*ch),
                    Some((ch, Some(bg))) => {
                        let (r, g, b) = rgb(bg);
                        let _ = write!(out, "\x1b[38;2;0;0;0;48;2;{r};{g};{b}m{ch}\x1b[0m");
                    }
                }
            }
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        }
    }
    let counts = overlay.counts(map);
    let names = type_names(map);
    for (t, k) in &counts.by_type {
        let letter = char::from(b'a' + (type_pos(*t) % 26) as u8);
        let swatch = if colour {
            let (r, g, b) = rgb(&map.seat_type_colour(*t));
            format!("\x1b[48;2;{r};{g};{b}m  \x1b[0m ")
        } else {
            String::new()
        };
        let name = names.get(t).map_or("?", String::as_str);
        let _ = writeln!(
            out,
            "{swatch}{letter} {name}: {} selected, {} selectable, {} total",
            k.selected, k.selectable, k.total
        );
    }
    let t = counts.total;
    let _ = writeln!(
        out,
        "* selected: {} of {} selectable; x blocked: {}",
        t.selected,
        t.selected + t.selectable,
        t.blocked
    );
    for (d, slot, n) in &distributors {
        let _ = writeln!(
            out,
            "{} distributor {d}: {n} seats",
            char::from(SLOT_CHARS[slot % SLOT_CHARS.len()])
        );
    }
    for a in map.areas() {
        let _ = writeln!(out, "  {} (standing): capacity {}", a.name, a.capacity);
    }
    out
}

/// Bounds of the seats' rounded positions, of landmarks and of polygon
/// areas, in whole venue units.
fn bounds(map: &SeatMap) -> Option<(i64, i64, i64, i64)> {
    let seats = map.positions().iter().map(|p| (p.x.round(), p.y.round()));
    let landmarks = map
        .landmarks()
        .iter()
        .flat_map(|l| l.outline.points())
        .chain(map.areas().iter().flat_map(|a| a.polygon.iter().copied()))
        .map(|p| (p[0].round(), p[1].round()));
    let mut it = seats.chain(landmarks).map(|(x, y)| (x as i64, y as i64));
    let (x, y) = it.next()?;
    Some(it.fold((x, y, x, y), |b, (x, y)| {
        (b.0.min(x), b.1.min(y), b.2.max(x), b.3.max(y))
    }))
}

/// `#rrggbb` to its components (grey when malformed).
fn rgb(colour: &str) -> (u8, u8, u8) {
    let part = |i: usize| {
        colour
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(128)
    };
    (part(1), part(3), part(5))
}
