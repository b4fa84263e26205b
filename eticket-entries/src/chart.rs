//! The statistics as one SVG dashboard a person would rather look at than
//! read: headline figures, admissions per minute stacked by gate, attendance
//! bars per section, seat type and distributor, and refusals by reason.
//!
//! Plain SVG 1.1 with no scripts or external resources, so it renders the
//! same in a browser, in rsvg-convert and in a report.

use std::collections::BTreeMap;
use std::fmt::Write;

use eticket_core::ids::GateId;

use crate::statistics::{Attendance, Statistics};

const WIDTH: f64 = 1000.0;
const MARGIN: f64 = 32.0;
const FONT: &str = "DejaVu Sans, Verdana, Arial, sans-serif";
const GATE_COLORS: [&str; 8] = [
    "#2563eb", "#f59e0b", "#10b981", "#ef4444", "#8b5cf6", "#06b6d4", "#84cc16", "#ec4899",
];
const INK: &str = "#1f2937";
const MUTED: &str = "#6b7280";
const GRID: &str = "#e5e7eb";
const TRACK: &str = "#dbeafe";
const FILL: &str = "#2563eb";
const REFUSED: &str = "#dc2626";
/// Most columns the time chart draws; longer spans are grouped.
const MAX_COLUMNS: u64 = 90;
/// Font size, fill, text-anchor and font-weight of a text.
type Style<'a> = (f64, &'a str, &'a str, &'a str);

/// Escape text for SVG.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn text(out: &mut String, x: f64, y: f64, style: Style<'_>, s: &str) {
    let (size, fill, anchor, weight) = style;
    let _ = writeln!(
        out,
        r#"<text x="{x:.1}" y="{y:.1}" font-size="{size}" fill="{fill}" text-anchor="{anchor}" font-weight="{weight}">{}</text>"#,
        esc(s)
    );
}

fn rect(out: &mut String, x: f64, y: f64, w: f64, h: f64, fill: &str, rx: f64) {
    let _ = writeln!(
        out,
        r#"<rect x="{x:.1}" y="{y:.1}" width="{:.1}" height="{:.1}" rx="{rx}" fill="{fill}"/>"#,
        w.max(0.0),
        h.max(0.0)
    );
}

/// A round axis maximum at or above `v` and its tick step (1, 2 or 5 × 10^k).
fn nice_axis(v: u64) -> (u64, u64) {
    let v = v.max(1);
    let mut magnitude = 1u64;
    loop {
        for m in [1, 2, 5] {
            let Some(step) = magnitude.checked_mul(m) else {
                return (v, v);
            };
            if step.saturating_mul(5) >= v {
                return (v.div_ceil(step).saturating_mul(step), step);
            }
        }
        let Some(next) = magnitude.checked_mul(10) else {
            return (v, v);
        };
        magnitude = next;
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "–".to_owned();
    }
    format!("{:.0}%", part as f64 * 100.0 / whole as f64)
}

/// A refusal label as words: `paper_already_used` → `Paper already used`.
fn words(label: &str) -> String {
    let spaced = label.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// Render the dashboard.
pub fn dashboard(s: &Statistics) -> String {
    let mut body = String::new();
    let mut y = header(&mut body, s);
    y = timeline(&mut body, s, y + 24.0);
    let half = (WIDTH - 3.0 * MARGIN) / 2.0;
    let left_x = MARGIN;
    let right_x = 2.0 * MARGIN + half;
    let mut left_y = bars_panel(
        &mut body,
        "Attendance by section",
        &s.by_section,
        left_x,
        y + 24.0,
        half,
    );
    left_y = bars_panel(
        &mut body,
        "Attendance by seat type",
        &s.by_seat_type,
        left_x,
        left_y + 16.0,
        half,
    );
    let mut right_y = refusals_panel(&mut body, s, right_x, y + 24.0, half);
    right_y = bars_panel(
        &mut body,
        "Attendance by distributor",
        &s.by_distributor,
        right_x,
        right_y + 16.0,
        half,
    );
    let height = left_y.max(right_y) + MARGIN;
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height:.0}" viewBox="0 0 {WIDTH} {height:.0}" font-family="{FONT}">"#
    );
    let _ = writeln!(
        out,
        "<title>{}</title>",
        esc(&format!("{} — entry statistics", s.event_name))
    );
    rect(&mut out, 0.0, 0.0, WIDTH, height, "#ffffff", 0.0);
    out.push_str(&body);
    out.push_str("</svg>\n");
    out
}

fn header(out: &mut String, s: &Statistics) -> f64 {
    text(
        out,
        MARGIN,
        44.0,
        (24.0, INK, "start", "bold"),
        &s.event_name,
    );
    text(
        out,
        MARGIN,
        68.0,
        (14.0, MUTED, "start", "normal"),
        &format!("{} · entry statistics from the gates", s.venue),
    );
    let tiles = [
        (
            "Attended",
            s.attended.to_string(),
            format!("{} of {} issued", percent(s.attended, s.issued), s.issued),
            FILL,
        ),
        (
            "No-shows",
            s.no_shows.len().to_string(),
            format!("{} of issued", percent(s.no_shows.len() as u64, s.issued)),
            MUTED,
        ),
        (
            "Admissions",
            s.entries.to_string(),
            format!("{} exits scanned", s.exits),
            "#10b981",
        ),
        (
            "Refused scans",
            s.refused.to_string(),
            format!("{} reasons", s.refusals.len()),
            REFUSED,
        ),
    ];
    let w = (WIDTH - 2.0 * MARGIN - 3.0 * 16.0) / 4.0;
    for (i, (title, value, note, color)) in tiles.iter().enumerate() {
        let x = MARGIN + i as f64 * (w + 16.0);
        rect(out, x, 88.0, w, 84.0, "#f9fafb", 8.0);
        rect(out, x, 88.0, 6.0, 84.0, color, 3.0);
        text(
            out,
            x + 20.0,
            112.0,
            (13.0, MUTED, "start", "normal"),
            title,
        );
        text(out, x + 20.0, 145.0, (28.0, INK, "start", "bold"), value);
        text(out, x + 20.0, 163.0, (12.0, MUTED, "start", "normal"), note);
    }
    172.0
}

fn timeline(out: &mut String, s: &Statistics, top: f64) -> f64 {
    let (Some(first), Some(last)) = (
        s.per_gate_minute.iter().map(|m| m.minute.0).min(),
        s.per_gate_minute.iter().map(|m| m.minute.0).max(),
    ) else {
        text(
            out,
            MARGIN,
            top + 20.0,
            (16.0, INK, "start", "bold"),
            "Admissions per minute, by gate",
        );
        text(
            out,
            MARGIN,
            top + 44.0,
            (13.0, MUTED, "start", "normal"),
            "No admissions yet.",
        );
        return top + 56.0;
    };
    let minutes = (last - first) / 60 + 1;
    let group = minutes.div_ceil(MAX_COLUMNS).max(1);
    let columns = minutes.div_ceil(group);
    // Column → gate → admissions.
    let mut stacks: BTreeMap<u64, BTreeMap<GateId, u64>> = BTreeMap::new();
    let mut gates: BTreeMap<GateId, String> = BTreeMap::new();
    for m in &s.per_gate_minute {
        let col = (m.minute.0 - first) / 60 / group;
        *stacks.entry(col).or_default().entry(m.gate).or_default() += m.entries;
        gates.insert(m.gate, m.gate_name.clone());
    }
    let peak = stacks
        .values()
        .map(|g| g.values().sum::<u64>())
        .max()
        .unwrap_or(1);
    let (axis_max, step) = nice_axis(peak);
    let peak_col = stacks
        .iter()
        .find(|(_, g)| g.values().sum::<u64>() == peak)
        .map_or(0, |(c, _)| *c);
    let peak_time = eticket_core::time::Timestamp(first + peak_col * group * 60).to_string();
    let peak_at = peak_time.get(11..16).unwrap_or(&peak_time).to_owned();
    let unit = if group == 1 {
        "minute".to_owned()
    } else {
        format!("{group} minutes")
    };
    text(
        out,
        MARGIN,
        top + 20.0,
        (16.0, INK, "start", "bold"),
        &format!("Admissions per {unit}, by gate · peak {peak} at {peak_at}"),
    );
    // Legend, right-aligned on the title line.
    let mut lx = WIDTH - MARGIN;
    for (i, (_, name)) in gates.iter().enumerate().rev() {
        let w = 22.0 + 7.0 * name.chars().count() as f64;
        lx -= w;
        rect(
            out,
            lx,
            top + 9.0,
            12.0,
            12.0,
            GATE_COLORS[i % GATE_COLORS.len()],
            2.0,
        );
        text(
            out,
            lx + 17.0,
            top + 20.0,
            (12.0, INK, "start", "normal"),
            name,
        );
        lx -= 12.0;
    }
    let plot_x = MARGIN + 40.0;
    let plot_w = WIDTH - MARGIN - plot_x;
    let plot_top = top + 40.0;
    let plot_h = 200.0;
    let base = plot_top + plot_h;
    let mut tick = 0;
    while tick <= axis_max {
        let ty = base - plot_h * tick as f64 / axis_max as f64;
        let _ = writeln!(
            out,
            r#"<line x1="{plot_x:.1}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="{GRID}" stroke-width="1"/>"#,
            plot_x + plot_w
        );
        text(
            out,
            plot_x - 8.0,
            ty + 4.0,
            (11.0, MUTED, "end", "normal"),
            &tick.to_string(),
        );
        tick += step;
    }
    let slot = plot_w / columns as f64;
    let bar_w = (slot * 0.8).max(1.0);
    let gate_index: BTreeMap<GateId, usize> =
        gates.keys().enumerate().map(|(i, g)| (*g, i)).collect();
    for (col, per_gate) in &stacks {
        let x = plot_x + *col as f64 * slot + (slot - bar_w) / 2.0;
        let mut y = base;
        for (gate, n) in per_gate {
            let h = plot_h * *n as f64 / axis_max as f64;
            y -= h;
            let color = GATE_COLORS[gate_index.get(gate).copied().unwrap_or(0) % GATE_COLORS.len()];
            rect(out, x, y, bar_w, h, color, 0.0);
        }
    }
    // Time labels at round times: every 1, 2, 5, 10, 15, 30 or 60 minutes…
    let span = minutes.max(1);
    let every = [1u64, 2, 5, 10, 15, 30, 60, 120, 240, 480, 1440]
        .into_iter()
        .find(|m| span / m <= 9)
        .unwrap_or_else(|| span.div_ceil(9));
    let mut minute = (first / 60).div_ceil(every) * every;
    while minute <= last / 60 {
        let col = (minute - first / 60) / group;
        let t = eticket_core::time::Timestamp(minute * 60).to_string();
        let hhmm = t.get(11..16).unwrap_or(&t);
        let x = plot_x + col as f64 * slot + slot / 2.0;
        text(out, x, base + 16.0, (11.0, MUTED, "middle", "normal"), hhmm);
        minute += every;
    }
    text(
        out,
        plot_x + plot_w,
        base + 32.0,
        (11.0, MUTED, "end", "normal"),
        "time (UTC)",
    );
    base + 36.0
}

/// Horizontal bars: a light track for issued, a solid bar for attended.
fn bars_panel(
    out: &mut String,
    title: &str,
    rows: &[Attendance],
    x: f64,
    top: f64,
    width: f64,
) -> f64 {
    text(out, x, top + 20.0, (16.0, INK, "start", "bold"), title);
    if rows.is_empty() {
        text(
            out,
            x,
            top + 44.0,
            (13.0, MUTED, "start", "normal"),
            "No tickets.",
        );
        return top + 56.0;
    }
    let max = rows
        .iter()
        .map(|r| r.issued.max(r.attended))
        .max()
        .unwrap_or(1)
        .max(1);
    let label_w = 130.0;
    let bar_x = x + label_w;
    let bar_w = width - label_w - 96.0;
    let mut y = top + 36.0;
    for r in rows {
        text(out, x, y + 14.0, (13.0, INK, "start", "normal"), &r.label);
        let issued_w = bar_w * r.issued as f64 / max as f64;
        let attended_w = bar_w * r.attended as f64 / max as f64;
        rect(out, bar_x, y, issued_w, 20.0, TRACK, 3.0);
        rect(out, bar_x, y, attended_w, 20.0, FILL, 3.0);
        text(
            out,
            bar_x + bar_w + 8.0,
            y + 14.0,
            (12.0, INK, "start", "normal"),
            &format!(
                "{}/{} · {}",
                r.attended,
                r.issued,
                percent(r.attended, r.issued)
            ),
        );
        y += 28.0;
    }
    rect(out, x, y + 2.0, 12.0, 12.0, FILL, 2.0);
    text(
        out,
        x + 17.0,
        y + 12.0,
        (11.0, MUTED, "start", "normal"),
        "attended",
    );
    rect(out, x + 80.0, y + 2.0, 12.0, 12.0, TRACK, 2.0);
    text(
        out,
        x + 97.0,
        y + 12.0,
        (11.0, MUTED, "start", "normal"),
        "issued",
    );
    y + 16.0
}

fn refusals_panel(out: &mut String, s: &Statistics, x: f64, top: f64, width: f64) -> f64 {
    text(
        out,
        x,
        top + 20.0,
        (16.0, INK, "start", "bold"),
        "Refusals by reason",
    );
    if s.refusals.is_empty() {
        text(
            out,
            x,
            top + 44.0,
            (13.0, MUTED, "start", "normal"),
            "No refusals.",
        );
        return top + 56.0;
    }
    let max = s.refusals.iter().map(|r| r.count).max().unwrap_or(1).max(1);
    let label_w = 170.0;
    let bar_w = width - label_w - 48.0;
    let mut y = top + 36.0;
    for r in &s.refusals {
        text(
            out,
            x,
            y + 14.0,
            (13.0, INK, "start", "normal"),
            &words(&r.label),
        );
        let w = bar_w * r.count as f64 / max as f64;
        rect(out, x + label_w, y, w, 20.0, REFUSED, 3.0);
        text(
            out,
            x + label_w + w + 6.0,
            y + 14.0,
            (12.0, INK, "start", "normal"),
            &r.count.to_string(),
        );
        y += 28.0;
    }
    y
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axis_is_round_and_covers() {
        assert_eq!(nice_axis(0), (1, 1));
        assert_eq!(nice_axis(7), (8, 2));
        assert_eq!(nice_axis(23), (25, 5));
        assert_eq!(nice_axis(480), (500, 100));
        assert_eq!(nice_axis(u64::MAX).0, u64::MAX);
        for v in 1..2000 {
            let (max, step) = nice_axis(v);
            assert!(max >= v && max % step == 0 && max / step <= 6, "{v}");
        }
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(esc("a<b & \"c\"\u{7}"), "a&lt;b &amp; &quot;c&quot;");
        assert_eq!(words("paper_already_used"), "Paper already used");
    }
}
