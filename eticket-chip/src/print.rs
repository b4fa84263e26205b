//! Printing a paper ticket (feature `render`): its QR code and stub as SVG
//! or PNG. A gate reads paper tickets without it ([`crate::paper`]); a
//! store terminal or a POS prints with it.
//!
//! ```
//! use eticket_chip::paper::PaperTicket;
//! use eticket_core::{fixtures, ids::TicketSerial};
//!
//! let ticket = fixtures::paper_ticket(TicketSerial(9)).sign(&fixtures::ticket_key()).unwrap();
//! let printed = PaperTicket::new(&ticket, &fixtures::small_event()).unwrap();
//! assert!(printed.to_svg().starts_with("<svg"));
//! assert!(printed.to_png().unwrap().starts_with(b"\x89PNG"));
//! ```

use eticket_core::event::EventInfo;
use eticket_core::ticket::{Holder, SignedTicket, TicketBody};
use qrcode::{Color, EcLevel, QrCode};

use crate::paper::{Stub, encode_payload};
use crate::{Error, Result, font};

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

    fn paper() -> SignedTicket {
        fixtures::paper_ticket(TicketSerial(100_000))
            .sign(&fixtures::ticket_key())
            .unwrap()
    }

    #[test]
    fn the_svg_carries_the_stub() {
        let p = PaperTicket::new(&paper(), &fixtures::small_event()).unwrap();
        assert!(p.to_svg().contains("Block A  Row C  Seat 7"));
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
}
