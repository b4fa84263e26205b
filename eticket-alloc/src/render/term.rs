//! Terminal rendering with ANSI colours.

use std::fmt::Write as _;

use super::{Overlay, type_names};
use crate::map::SeatMap;
use crate::status::SeatStatus;

/// Characters marking allotments, by legend slot.
const SLOT_CHARS: &[u8] = b"123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// Largest map drawn, in grid columns and lines; beyond it only the legend.
const MAX_SIDE: i64 = 2_000;

/// Draw the map as text, one character per grid unit: seat types as
/// background colours (with `colour`) and letters `a`, `b`, … (in seat-type
/// order), allotments as `1`-`9`, `A`-`Z`, the selection as `*`, blocked
/// cells as `x`, sold seats as `#`, held seats as `h`; then a legend with the
/// counts.
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
        if w <= MAX_SIDE && h <= MAX_SIDE {
            let mut grid: Vec<Option<(char, Option<String>)>> = vec![None; (w * h) as usize];
            for (i, c) in map.cells().iter().enumerate() {
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
                let at = (i64::from(c.y) - y0) * w + (i64::from(c.x) - x0);
                grid[at as usize] = Some((ch, bg));
            }
            for line in grid.chunks(w as usize) {
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
        } else {
            let _ = writeln!(
                out,
                "({w} × {h} grid units: too large to draw, counts only)"
            );
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

fn bounds(map: &SeatMap) -> Option<(i64, i64, i64, i64)> {
    let mut it = map.cells().iter().map(|c| (i64::from(c.x), i64::from(c.y)));
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
