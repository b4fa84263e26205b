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
use eticket_core::ticket::{MAX_TICKET_LEN, Place, SignedTicket, TicketBody};

use crate::{Error, Result, base45};

#[cfg(feature = "render")]
pub use crate::print::PaperTicket;

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

#[cfg(test)]
mod tests {
    use super::*;
    use eticket_core::fixtures;
    use eticket_core::ids::TicketSerial;
    use proptest::prelude::*;

    #[test]
    fn stub_names_event_gate_and_seat() {
        let s = Stub::new(
            &fixtures::paper_ticket(TicketSerial(100_000)),
            &fixtures::small_event(),
        );
        assert_eq!(s.event, "Autumn Open Air 2026");
        // Berlin in September: two hours ahead of UTC.
        assert_eq!(s.date, "2026-09-21 16:13 UTC+02:00  (doors 15:13)");
        assert_eq!(s.gate, "Gate 1 (North)");
        assert_eq!(s.place, "Block A  Row C  Seat 7");
        assert!(s.category.starts_with("Category A"));
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
        fn what_parses_as_a_payload_is_written_back_the_same(text in ".{0,300}") {
            if let Ok(ticket) = parse_payload(&text) {
                prop_assert_eq!(parse_payload(&encode_payload(&ticket)).unwrap(), ticket);
            }
        }

        /// A printed payload with one character changed: read to the same
        /// ticket as it is written again, or refused.
        #[test]
        fn a_changed_payload_is_refused_or_round_trips(at in any::<prop::sample::Index>(), ch in any::<char>()) {
            let ticket = fixtures::paper_ticket(TicketSerial(3)).sign(&fixtures::ticket_key()).unwrap();
            let mut text: Vec<char> = encode_payload(&ticket).chars().collect();
            let i = at.index(text.len());
            text[i] = ch;
            let text: String = text.into_iter().collect();
            if let Ok(read) = parse_payload(&text) {
                prop_assert_eq!(parse_payload(&encode_payload(&read)).unwrap(), read);
            }
        }
    }
}
