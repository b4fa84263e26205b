//! Paper tickets (c20): a signed ticket whose holder is "paper", printed as a
//! QR code with a human-readable stub, and read back at the gate.
//!
//! The QR code holds text: `ET1:` followed by the signed ticket bytes in
//! [`base45`]. Both parts use only the QR alphanumeric alphabet,
//! so the code stores 8.25 bits per ticket byte. The fixture paper ticket (95
//! bytes) becomes 146 characters, a version 6 code (41×41 modules) at error
//! correction level M; a 110-byte ticket would be 169 characters, version 7. The gate parses
//! the text back into the very same signed bytes and verifies them like a chip
//! ticket; a paper ticket names no chip, so the first admission wins.
//!
//! ```
//! use eticket_chip::paper;
//! use eticket_core::{fixtures, ids::TicketSerial};
//!
//! let ticket = fixtures::paper_ticket(TicketSerial(9)).sign(&fixtures::ticket_key()).unwrap();
//! let text = paper::encode_payload(&ticket);
//! assert!(text.starts_with("ET1:"));
//! assert_eq!(paper::parse_payload(&text).unwrap(), ticket);
//! ```

use eticket_core::event::EventInfo;
use eticket_core::local_time::VenueTime;
use eticket_core::ticket::{Holder, MAX_TICKET_LEN, Place, SignedTicket, TicketBody};
use qrcode::{Color, EcLevel, QrCode};

use crate::{Error, Result, base45, font};

/// The prefix of a paper ticket's QR text: format and version.
pub const PAYLOAD_PREFIX: &str = "ET1:";
/// The longest QR text a paper ticket can have.
pub const MAX_PAYLOAD_LEN: usize = PAYLOAD_PREFIX.len() + MAX_TICKET_LEN.div_ceil(2) * 3;

/// The QR text of a signed ticket: `ET1:` ‖ base45(bytes).
pub fn encode_payload(ticket: &SignedTicket) -> String {
    let mut text = String::from(PAYLOAD_PREFIX);
    text.push_str(&base45::encode(ticket.as_bytes()));
    text
}

/// Parse QR text back into the signed ticket bytes (checking the prefix, the
/// size bounds and the base45 text; the signature is the gate's to verify).
/// The line end a scanner appends (`\r`, `\n`, a tab) is ignored; spaces are
/// not, as base45 uses them.
pub fn parse_payload(text: &str) -> Result<SignedTicket> {
    let text = text.trim_end_matches(['\r', '\n', '\t']);
    if text.len() > MAX_PAYLOAD_LEN {
        return Err(Error::Paper("QR text longer than any ticket"));
    }
    let body = text
        .strip_prefix(PAYLOAD_PREFIX)
        .ok_or(Error::Paper("QR text does not start with ET1:"))?;
    let bytes = base45::decode(body)?;
    Ok(SignedTicket::from_bytes(&bytes)?)
}

/// The human-readable stub printed beside the code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stub {
    /// The event's title.
    pub event: String,
    /// Date and start time and doors-open time, in the venue's time zone
    /// with its offset from UTC (`2026-09-21 16:00 UTC+02:00  (doors
    /// 15:00)`).
    pub date: String,
    /// The venue.
    pub venue: String,
    /// The gate to use.
    pub gate: String,
    /// Block, row and seat, or the standing area.
    pub place: String,
    /// Seat type and ticket number.
    pub category: String,
}

impl Stub {
    /// Build the stub of `body` from the event's names.
    pub fn new(body: &TicketBody, event: &EventInfo) -> Self {
        let venue = &event.venue;
        let (gate, place) = match body.place {
            Place::Seat { block, row, number } => match venue.block(block) {
                Some(b) => (
                    venue.gate(b.gate).map(|g| g.name.clone()),
                    format!("{}  Row {}  Seat {}", b.name, b.row_label(row), number),
                ),
                None => (None, format!("Block {}  Row {row}  Seat {number}", block.0)),
            },
            Place::Area(area) => match event.seats.area(area) {
                Some(a) => (venue.gate(a.gate).map(|g| g.name.clone()), a.name.clone()),
                None => (None, format!("Area {}", area.0)),
            },
        };
        let category = event
            .seat_type_name(body.seat_type)
            .map_or_else(|| format!("Category {}", body.seat_type.0), str::to_string);
        // The venue's local time, with its offset from UTC.
        let local = VenueTime::named_or_utc(&venue.time_zone);
        Self {
            event: event.name.clone(),
            date: format!(
                "{}  (doors {})",
                local.minute(event.schedule.start),
                local.clock(event.schedule.doors_open)
            ),
            venue: venue.name.clone(),
            gate: gate.unwrap_or_else(|| "any gate".to_string()),
            place,
            category: format!(
                "{category}  -  ticket {}/{} gen {}",
                body.event.0, body.serial.0, body.generation.0
            ),
        }
    }

    /// The stub's lines, top to bottom.
    pub fn lines(&self) -> [&str; 6] {
        [
            &self.event,
            &self.date,
            &self.venue,
            &self.gate,
            &self.place,
            &self.category,
        ]
    }
}

/// The body of a signed ticket, decoded without checking the signature
/// (printing is not an admission decision).
fn peek_body(ticket: &SignedTicket) -> Result<TicketBody> {
    Ok(ticket.peek_body()?)
}

/// A paper ticket ready to print: its QR code and stub.
#[derive(Debug, Clone)]
pub struct PaperTicket {
    payload: String,
    stub: Stub,
    /// Modules per side.
    width: usize,
    /// Row-major, `true` for dark.
    dark: Vec<bool>,
}

/// Pixels per QR module in the PNG.
const MODULE_PX: usize = 6;
/// Quiet zone around the code, in modules.
const QUIET: usize = 4;
/// Pixels per font pixel in the PNG stub.
const TEXT_PX: usize = 2;

impl PaperTicket {
    /// Prepare `ticket` for printing. Errors when it names a chip (only paper
    /// tickets are printed) or another event than `event`.
    pub fn new(ticket: &SignedTicket, event: &EventInfo) -> Result<Self> {
        let body = peek_body(ticket)?;
        if body.holder != Holder::Paper {
            return Err(Error::Paper("the ticket is bound to a chip, not paper"));
        }
        if body.event != event.id {
            return Err(Error::Paper("the ticket is for another event"));
        }
        let payload = encode_payload(ticket);
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|_| Error::Paper("the ticket does not fit a QR code"))?;
        Ok(Self {
            payload,
            stub: Stub::new(&body, event),
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// The QR text.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    /// The stub.
    pub fn stub(&self) -> &Stub {
        &self.stub
    }

    /// Modules per side of the QR code (without quiet zone).
    pub fn modules(&self) -> usize {
        self.width
    }

    fn dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.width + x).copied().unwrap_or(false)
    }

    /// An SVG document: the code above the stub.
    pub fn to_svg(&self) -> String {
        let n = self.modules();
        let side = n + 2 * QUIET;
        let line_h = 2;
        let height = side + 2 + self.stub.lines().len() * line_h;
        let width = side.max(48);
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" \
             width=\"{}\" height=\"{}\" shape-rendering=\"crispEdges\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n<path fill=\"#000\" d=\"",
            width * 8,
            height * 8
        );
        for y in 0..n {
            for x in 0..n {
                if self.dark(x, y) {
                    svg.push_str(&format!("M{} {}h1v1h-1z", x + QUIET, y + QUIET));
                }
            }
        }
        svg.push_str("\"/>\n<g font-family=\"sans-serif\" font-size=\"1.4\" fill=\"#000\">\n");
        for (i, line) in self.stub.lines().iter().enumerate() {
            let weight = if i == 0 { " font-weight=\"bold\"" } else { "" };
            svg.push_str(&format!(
                "<text x=\"{QUIET}\" y=\"{}\"{weight}>{}</text>\n",
                side + 1 + (i + 1) * line_h,
                xml_escape(line)
            ));
        }
        svg.push_str("</g>\n</svg>\n");
        svg
    }

    /// The rendering as 8-bit grey pixels: (width, height, pixels).
    pub fn to_pixels(&self) -> (usize, usize, Vec<u8>) {
        let n = self.modules();
        let code_px = (n + 2 * QUIET) * MODULE_PX;
        let advance = (font::WIDTH + 1) * TEXT_PX;
        let line_px = (font::HEIGHT + 4) * TEXT_PX;
        let margin = QUIET * MODULE_PX;
        let longest = self
            .stub
            .lines()
            .iter()
            .map(|l| l.chars().count())
            .max()
            .unwrap_or(0);
        let width = code_px.max(2 * margin + longest * advance);
        let height = code_px + self.stub.lines().len() * line_px + margin / 2;
        let mut px = vec![255u8; width * height];
        let x0 = (width - code_px) / 2;
        for y in 0..n {
            for x in 0..n {
                if self.dark(x, y) {
                    fill(
                        &mut px,
                        width,
                        x0 + (x + QUIET) * MODULE_PX,
                        (y + QUIET) * MODULE_PX,
                        MODULE_PX,
                    );
                }
            }
        }
        for (i, line) in self.stub.lines().iter().enumerate() {
            let top = code_px + i * line_px;
            for (j, c) in line.chars().enumerate() {
                let left = margin + j * advance;
                for (row, bits) in font::glyph(c).iter().enumerate() {
                    for col in 0..font::WIDTH {
                        if bits & (1 << (font::WIDTH - 1 - col)) != 0 {
                            fill(
                                &mut px,
                                width,
                                left + col * TEXT_PX,
                                top + row * TEXT_PX,
                                TEXT_PX,
                            );
                        }
                    }
                }
            }
        }
        (width, height, px)
    }

    /// A PNG image (8-bit greyscale): the code above the stub.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let (width, height, px) = self.to_pixels();
        let dims = |v: usize| u32::try_from(v).map_err(|_| Error::Paper("image too large"));
        let mut out = Vec::new();
        let mut encoder = png::Encoder::new(&mut out, dims(width)?, dims(height)?);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder
            .write_header()
            .map_err(|_| Error::Paper("PNG header could not be written"))?;
        writer
            .write_image_data(&px)
            .map_err(|_| Error::Paper("PNG data could not be written"))?;
        writer
            .finish()
            .map_err(|_| Error::Paper("PNG could not be finished"))?;
        Ok(out)
    }
}

/// Paint a black `size`×`size` square with its top-left corner at (x, y).
fn fill(px: &mut [u8], width: usize, x: usize, y: usize, size: usize) {
    for dy in 0..size {
        let start = (y + dy) * width + x;
        if let Some(row) = px.get_mut(start..start + size) {
            row.fill(0);
        }
    }
}

fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use eticket_core::fixtures;
    use eticket_core::ids::TicketSerial;
    use proptest::prelude::*;

    fn paper() -> SignedTicket {
        fixtures::paper_ticket(TicketSerial(100_000))
            .sign(&fixtures::ticket_key())
            .unwrap()
    }

    #[test]
    fn stub_names_event_gate_and_seat() {
        let p = PaperTicket::new(&paper(), &fixtures::small_event()).unwrap();
        let s = p.stub();
        assert_eq!(s.event, "Autumn Open Air 2026");
        // Berlin in September: two hours ahead of UTC.
        assert_eq!(s.date, "2026-09-21 16:13 UTC+02:00  (doors 15:13)");
        assert_eq!(s.gate, "Gate 1 (North)");
        assert_eq!(s.place, "Block A  Row C  Seat 7");
        assert!(s.category.starts_with("Category A"));
        let svg = p.to_svg();
        assert!(svg.contains("Block A  Row C  Seat 7"));
    }

    #[test]
    fn chip_tickets_and_other_events_are_not_printed() {
        let chip = fixtures::chip_ticket(TicketSerial(1))
            .sign(&fixtures::ticket_key())
            .unwrap();
        assert!(PaperTicket::new(&chip, &fixtures::small_event()).is_err());
        let mut other = fixtures::small_event();
        other.id.0 += 1;
        assert!(PaperTicket::new(&paper(), &other).is_err());
    }

    #[test]
    fn payload_refusals() {
        assert!(parse_payload("ET2:0000").is_err());
        assert!(parse_payload("ET1:").is_err());
        assert!(parse_payload(&"ET1:".repeat(100)).is_err());
        assert!(parse_payload("ET1:a").is_err());
    }

    proptest! {
        #[test]
        fn parse_payload_never_panics(text in ".{0,300}") {
            let _ = parse_payload(&text);
        }
    }
}
