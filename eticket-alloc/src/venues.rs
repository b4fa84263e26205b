//! Sample venues that look like venues: the Small Hall with geometry (a file
//! in the repository), and generators for a 20,000-seat arena and a
//! 100,000-seat stadium bowl, written as seat-map files (TOML, the format of
//! `docs/alloc/seatmap-format.md`) with an event file for eticket-center
//! beside each. `cargo run -p eticket-alloc --example sample_venues -- DIR`
//! writes the large ones.
//!
//! Both generated venues are rings of sections around a rectangle (the
//! arena's court, the stadium's pitch): the sides are sections of gently
//! curved rows, the corners wedges of rows curved around the rectangle's
//! corners; a cross aisle (a row gap) separates the tiers. Seat counts are
//! exact: the rows' natural lengths are computed from the geometry and then
//! trimmed, one seat at a time from the back rows, to the target.

use std::fmt::Write as _;

use crate::SeatMap;
use crate::error::{AllocError, Result};
use crate::geometry::sin_cos_degrees;

/// The Small Hall of `data/venues/small_hall.toml`: the seats of
/// [`stadium::small_hall`](crate::stadium::small_hall) placed by geometry.
pub const SMALL_HALL_TOML: &str = include_str!("../data/venues/small_hall.toml");

/// The Small Hall with its geometry.
pub fn small_hall() -> Result<SeatMap> {
    SeatMap::from_toml(SMALL_HALL_TOML)
}

/// Seat cells of the generated arena.
pub const ARENA_SEATS: usize = 20_000;
/// Seat cells of the generated stadium bowl.
pub const BOWL_SEATS: usize = 100_000;

/// A generated venue: its seat-map file and an event file around it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleVenue {
    /// File name stem: the seat map is `STEM.toml`, the event `STEM_event.toml`.
    pub stem: &'static str,
    /// The seat-map file (TOML).
    pub seat_map: String,
    /// An event file for eticket-center's `register-event`
    /// (`docs/center/event-file.md`), naming `STEM.toml` beside it.
    pub event: String,
    /// Seat cells the seat map has.
    pub seats: usize,
}

/// How a ring of sections is built.
struct RingSpec {
    name: &'static str,
    /// Half width and half height of the rectangle the ring surrounds.
    half: [f64; 2],
    /// Distance from the rectangle to row 1.
    offset: f64,
    /// Radius of the sides' rows (large: gently curved).
    side_radius: f64,
    /// Sections per long side, per short side, per corner.
    sections: [usize; 3],
    /// Row pitch, and the row after which a cross aisle of this depth runs.
    row_pitch: f64,
    cross_aisle: (u16, f64),
    /// Empty space kept at each end of a section's rows (half an aisle).
    aisle: f64,
    /// The target seat count.
    seats: usize,
    /// The rectangle's landmark: kind and name.
    centre: (&'static str, &'static str),
    event_id: u32,
}

/// One section: placement and the seats of each row.
struct Section {
    id: u16,
    name: String,
    stand: usize,
    origin: [f64; 2],
    angle: f64,
    radius: f64,
    /// Arc (radians) the section spans, for its rows' natural lengths.
    wedge: f64,
    rows: Vec<usize>,
    /// Front sections of the long sides are Category A.
    prime: bool,
}

impl RingSpec {
    fn depth(&self, row: usize) -> f64 {
        let mut d = (row as f64 - 1.0) * self.row_pitch;
        if row > usize::from(self.cross_aisle.0) {
            d += self.cross_aisle.1;
        }
        d
    }

    /// The sections with empty rows, in ring order (clockwise from north).
    fn sections(&self) -> Vec<Section> {
        let [hw, hh] = self.half;
        let r = self.side_radius;
        // How far a side's curved row 1 sags towards the rectangle at its ends.
        let sag = |half_len: f64| r * (1.0 - (half_len / r).cos());
        let mut out = Vec::new();
        let mut id = 1u16;
        let mut push = |out: &mut Vec<Section>,
                        name: String,
                        stand,
                        centre: [f64; 2],
                        radius: f64,
                        phi: f64,
                        wedge: f64,
                        prime| {
            let (s, c) = sin_cos_degrees(phi);
            out.push(Section {
                id,
                name,
                stand,
                origin: [centre[0] + radius * c, centre[1] + radius * s],
                angle: phi - 90.0,
                radius,
                wedge,
                rows: Vec::new(),
                prime,
            });
            id += 1;
        };
        // Sides: (stand, outward direction φ in degrees, half length,
        // sections, is long). Corners follow each side clockwise.
        let sides = [
            ("North", 270.0, hw, self.sections[0]),
            ("East", 0.0, hh, self.sections[1]),
            ("South", 90.0, hw, self.sections[0]),
            ("West", 180.0, hh, self.sections[1]),
        ];
        let corner_names = ["North-east", "South-east", "South-west", "North-west"];
        for (stand, (name, phi, half_len, n)) in sides.iter().enumerate() {
            let (s, c) = sin_cos_degrees(*phi);
            // The side's middle row 1 lies `offset + sag` outside the
            // rectangle, so that its ends are `offset` outside.
            let dist = if s == 0.0 { hw } else { hh } + self.offset + sag(*half_len);
            let centre = [c * (dist - r), s * (dist - r)];
            let span = 2.0 * half_len / r;
            for k in 0..*n {
                // Clockwise along the side: angles grow.
                let mid = phi + ((k as f64 + 0.5) / *n as f64 - 0.5) * span.to_degrees();
                let prime = stand % 2 == 0 && (2 * k + 1).abs_diff(*n) <= 2;
                push(
                    &mut out,
                    format!("{name} {}", k + 1),
                    stand,
                    centre,
                    r,
                    mid,
                    span / *n as f64,
                    prime,
                );
            }
            // The corner after this side, around the rectangle's corner. Its
            // wedges end where the sides' outermost sections begin: their
            // edges are rays from the sides' far centres, turned outwards by
            // half the side's span, so the corner leaves that much out.
            let (cs, cc) = sin_cos_degrees(phi + 45.0);
            let corner = [hw * cc.signum(), hh * cs.signum()];
            let next_half = sides[(stand + 1) % 4].2;
            let from = phi + (half_len / r).to_degrees();
            let to = phi + 90.0 - (next_half / r).to_degrees();
            let m = self.sections[2];
            for k in 0..m {
                let mid = from + (k as f64 + 0.5) / m as f64 * (to - from);
                push(
                    &mut out,
                    format!("{} {}", corner_names[stand], k + 1),
                    stand,
                    corner,
                    self.offset,
                    mid,
                    (to - from).to_radians() / m as f64,
                    false,
                );
            }
        }
        out
    }

    /// Natural row lengths for `rows` rows, then trimmed to the target.
    fn fill(&self, sections: &mut [Section]) -> Result<()> {
        let natural = |s: &Section, row: usize| {
            let rho = s.radius + self.depth(row);
            ((s.wedge * rho - 2.0 * self.aisle).floor().max(0.0)) as usize
        };
        let mut rows = 0usize;
        let mut total = 0usize;
        while total < self.seats {
            rows += 1;
            if rows > 200 {
                return Err(AllocError::InvalidRequest(format!(
                    "{}: 200 rows do not hold {} seats",
                    self.name, self.seats
                )));
            }
            for s in sections.iter_mut() {
                let n = natural(s, rows);
                s.rows.push(n);
                total += n;
            }
        }
        // Trim the excess from the back rows, one seat per section in turn.
        let mut excess = total - self.seats;
        let mut row = rows - 1;
        while excess > 0 {
            for s in sections.iter_mut() {
                if excess > 0 && s.rows[row] > 1 {
                    s.rows[row] -= 1;
                    excess -= 1;
                }
            }
            row = if row == 0 { rows - 1 } else { row - 1 };
        }
        Ok(())
    }

    fn toml(&self, sections: &[Section]) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "# Generated by eticket-alloc's venues module (cargo run -p eticket-alloc --example sample_venues).\n\
             # {} seat cells; the format is docs/alloc/seatmap-format.md.\nformat = 1\nname = {}\n",
            self.seats,
            quote(self.name)
        );
        for (id, name, colour) in [
            (1, "Category A", "#0072b2"),
            (2, "Category B", "#e69f00"),
            (3, "Category C", "#009e73"),
            (4, "Wheelchair", "#cc79a7"),
        ] {
            let _ = writeln!(
                t,
                "[[seat_types]]\nid = {id}\nname = \"{name}\"\ncolour = \"{colour}\"\n"
            );
        }
        let [hw, hh] = self.half;
        let _ = writeln!(
            t,
            "[[landmarks]]\nkind = \"{}\"\nname = \"{}\"\nrect = {{ x = {}, y = {}, width = {}, height = {} }}\n",
            self.centre.0,
            self.centre.1,
            -hw,
            -hh,
            2.0 * hw,
            2.0 * hh
        );
        let cross = usize::from(self.cross_aisle.0);
        for s in sections {
            // Rows too short to seat anyone (a corner's front rows) are left
            // out: the section starts further back, its origin and radius
            // moved out by that depth.
            let first = s.rows.iter().position(|&n| n > 0).unwrap_or(0);
            let front = self.depth(first + 1);
            let (sin_a, cos_a) = sin_cos_degrees(s.angle);
            let origin = [s.origin[0] - sin_a * front, s.origin[1] + cos_a * front];
            let _ = writeln!(
                t,
                "[[blocks]]\nid = {}\nname = {}\nfirst_row = {}",
                s.id,
                quote(&s.name),
                first + 1
            );
            let lower = if s.prime { 'a' } else { 'b' };
            let _ = writeln!(
                t,
                "legend = {{ a = 1, b = 2, c = 3, w = {{ seat_type = 4, accessible = true }}, p = {{ seat_type = {}, companion = true }} }}",
                if s.prime { 1 } else { 2 }
            );
            t.push_str("rows = [\n");
            for (k, &n) in s.rows.iter().enumerate().skip(first) {
                let row = k + 1;
                let base = if row <= cross { lower } else { 'c' };
                let mut chars: Vec<char> = vec![base; n];
                // Wheelchair places and a companion seat at both ends of the
                // last row before the cross aisle, where the platform is.
                if row == cross && n >= 8 {
                    for i in [0, 1, n - 2, n - 1] {
                        chars[i] = 'w';
                    }
                    chars[2] = 'p';
                    chars[n - 3] = 'p';
                }
                let text: String = chars.into_iter().collect();
                let _ = writeln!(t, "  \"{text}\",");
            }
            t.push_str("]\n");
            let _ = writeln!(
                t,
                "[blocks.geometry]\norigin = {{ x = {}, y = {} }}\nangle = {}\nradius = {}\nalign = \"centre\"\nrow_pitch = {}",
                fixed(origin[0]),
                fixed(origin[1]),
                fixed(s.angle),
                fixed(s.radius + front),
                self.row_pitch,
            );
            if first < cross {
                let _ = writeln!(
                    t,
                    "row_gaps = [{{ after = {}, depth = {} }}]",
                    self.cross_aisle.0, self.cross_aisle.1
                );
            }
            t.push('\n');
        }
        t
    }

    fn event(&self, stem: &str, sections: &[Section]) -> String {
        let mut t = format!(
            "# An event file for `eticket register-event --event` (docs/center/event-file.md),\n\
             # generated with the seat map {stem}.toml beside it.\n\
             id = {}\nname = {}\nvenue = \"{stem}.toml\"\naddress = \"Sample venue\"\ntime_zone = \"Europe/Berlin\"\n\
             doors_open = 2027-06-01T17:00:00+02:00\nstart = 2027-06-01T19:00:00+02:00\nend = 2027-06-01T22:00:00+02:00\n\n",
            self.event_id,
            quote(&format!("Opening night at the {}", self.name))
        );
        for (stand, name) in ["North", "East", "South", "West"].iter().enumerate() {
            let blocks: Vec<String> = sections
                .iter()
                .filter(|s| s.stand == stand)
                .map(|s| s.id.to_string())
                .collect();
            let _ = writeln!(
                t,
                "[[gates]]\nid = {}\nname = \"{name} gate\"\nblocks = [{}]\n",
                stand + 1,
                blocks.join(", ")
            );
        }
        t.push_str("[prices]\n1 = 12000\n2 = 8000\n3 = 5000\n4 = 5000\n");
        t
    }

    fn generate(&self, stem: &'static str) -> Result<SampleVenue> {
        let mut sections = self.sections();
        self.fill(&mut sections)?;
        Ok(SampleVenue {
            stem,
            seat_map: self.toml(&sections),
            event: self.event(stem, &sections),
            seats: self.seats,
        })
    }
}

/// A number with at most six decimals, for the files.
fn fixed(v: f64) -> String {
    let r = (v * 1e6).round() / 1e6;
    let r = if r == 0.0 { 0.0 } else { r };
    format!("{r}")
}

/// A TOML basic string.
fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The 20,000-seat arena: a 120 × 60 court (a basketball or ice-hockey
/// arena, one unit being a seat width of about half a metre), 4 sections on
/// each long side, 2 on each end, 2 per corner, a cross aisle after row 12.
pub fn arena() -> Result<SampleVenue> {
    RingSpec {
        name: "Sample Arena",
        half: [60.0, 30.0],
        offset: 8.0,
        side_radius: 600.0,
        sections: [4, 2, 2],
        row_pitch: 1.7,
        cross_aisle: (12, 3.0),
        aisle: 1.5,
        seats: ARENA_SEATS,
        centre: ("pitch", "Court"),
        event_id: 3001,
    }
    .generate("arena")
}

/// The 100,000-seat stadium bowl around a 210 × 136 pitch (105 × 68 m): 7
/// sections on each long side, 5 on each end, 3 per corner, all with curved
/// rows, a cross aisle after row 30.
pub fn stadium_bowl() -> Result<SampleVenue> {
    RingSpec {
        name: "Sample Stadium",
        half: [105.0, 68.0],
        offset: 16.0,
        side_radius: 1200.0,
        sections: [7, 5, 3],
        row_pitch: 1.6,
        cross_aisle: (30, 4.0),
        aisle: 1.5,
        seats: BOWL_SEATS,
        centre: ("pitch", "Pitch"),
        event_id: 3002,
    }
    .generate("stadium_bowl")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_short() {
        assert_eq!(fixed(1.5), "1.5");
        assert_eq!(fixed(-0.0000001), "0");
        assert_eq!(fixed(2.0), "2");
        let name = "a\"b'c\\";
        let v: toml::Table = toml::from_str(&format!("k = {}", quote(name))).unwrap();
        assert_eq!(v["k"].as_str(), Some(name));
    }
}
