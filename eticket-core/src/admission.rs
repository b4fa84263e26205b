//! The pure admission decision: a signed ticket and the gate's context in,
//! admit with guidance or reject with a reason out. No I/O, no clock: the gate
//! proves which chip the bytes came from (a fresh challenge) and passes `now`.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::event::EventInfo;
use crate::ids::{BlockId, ChipId, GateId, SeatType};
use crate::keys::KeySet;
use crate::revocation::{RevocationList, RevocationReason};
use crate::seat::SeatMaster;
use crate::ticket::{self, Flags, Holder, Place, VerifiedTicket};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Where the ticket bytes came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presented {
    /// Read from this chip, which proved its identity to the gate.
    Chip(ChipId),
    /// Scanned from paper (a QR code).
    Paper,
}

/// Why a ticket was refused. Codes are stable: they are logged, counted, and
/// returned through the C ABI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Reason {
    /// Not a ticket: wrong size, bad encoding, trailing bytes.
    Malformed = 1,
    /// A format version this gate does not know.
    UnsupportedVersion = 2,
    /// Signed with a key the gate does not know.
    UnknownKey = 3,
    /// Signed with a key that has been retired.
    KeyRetired = 4,
    /// The key is outside its validity period.
    KeyNotValid = 5,
    /// The key may not sign for this event.
    KeyOutOfScope = 6,
    /// The signature does not verify: forged or altered.
    Forged = 7,
    /// A ticket for another event.
    WrongEvent = 8,
    /// Not valid yet.
    NotYetValid = 9,
    /// No longer valid.
    Expired = 10,
    /// Revoked: cancelled by the organizer, or refunded (the other
    /// revocations have
    /// their own reasons: [`Reason::Replaced`], [`Reason::Transferred`],
    /// [`Reason::EventCancelled`]).
    Revoked = 11,
    /// The ticket belongs to another chip (a copied payload).
    WrongChip = 12,
    /// A chip ticket presented on paper, or a paper ticket found on a chip.
    WrongMedium = 13,
    /// A specimen / test ticket at a gate that does not accept them.
    Specimen = 14,
    /// The ticket names a seat or area this venue does not have.
    UnknownPlace = 15,
    /// The ticket's seat type is not one the event defines, or not the
    /// seat's own.
    UnknownSeatType = 16,
    /// The ticket says it was issued later than now (beyond the clock skew):
    /// signed with a wrong clock, or made up.
    IssuedInFuture = 17,
    /// A newer ticket replaces this one (a reprint, a re-issue, a new card
    /// or a new date): the holder updates the card or prints the new one.
    Replaced = 18,
    /// Transferred to another holder.
    Transferred = 19,
    /// The event was cancelled.
    EventCancelled = 20,
}

impl Reason {
    /// The stable numeric code.
    pub fn code(self) -> u16 {
        self as u16
    }

    /// The reason for a given code.
    pub fn from_code(code: u16) -> Option<Self> {
        use Reason::*;
        [
            Malformed,
            UnsupportedVersion,
            UnknownKey,
            KeyRetired,
            KeyNotValid,
            KeyOutOfScope,
            Forged,
            WrongEvent,
            NotYetValid,
            Expired,
            Revoked,
            WrongChip,
            WrongMedium,
            Specimen,
            UnknownPlace,
            UnknownSeatType,
            IssuedInFuture,
            Replaced,
            Transferred,
            EventCancelled,
        ]
        .into_iter()
        .find(|r| r.code() == code)
    }

    /// What a steward tells the person, in plain words.
    pub fn steward_text(self) -> &'static str {
        match self {
            Reason::Malformed => "Not a readable ticket. Send the guest to the box office.",
            Reason::UnsupportedVersion => {
                "Ticket format not supported by this gate. Use another gate or the box office."
            }
            Reason::UnknownKey => {
                "Ticket signed by an unknown issuer: possibly fake. Call a supervisor."
            }
            Reason::KeyRetired => {
                "Ticket signed with a withdrawn key. Send the guest to the box office."
            }
            Reason::KeyNotValid => {
                "Ticket signed with a key that is not valid now (expired, or not yet valid: check the gate's clock). Send the guest to the box office."
            }
            Reason::KeyOutOfScope => "Ticket issuer not allowed for this event. Call a supervisor.",
            Reason::Forged => "Ticket signature is invalid: forged or altered. Call a supervisor.",
            Reason::WrongEvent => "Ticket is for a different event.",
            Reason::NotYetValid => {
                "Ticket is not valid yet. Check the date and time on the ticket."
            }
            Reason::Expired => "Ticket is no longer valid.",
            Reason::Revoked => "Ticket was cancelled. Send the guest to the box office.",
            Reason::Replaced => {
                "A newer ticket replaces this one: update the card at a store terminal or card reader, or print the new paper ticket."
            }
            Reason::Transferred => "Ticket was transferred to someone else.",
            Reason::EventCancelled => {
                "This event was cancelled: the ticket admits nobody. The seller refunds it."
            }
            Reason::WrongChip => "Ticket belongs to another card: this is a copy.",
            Reason::WrongMedium => {
                "Ticket must be shown on the card it was issued to, not on paper (or the reverse)."
            }
            Reason::Specimen => "Specimen ticket: not valid for entry.",
            Reason::UnknownPlace => {
                "Ticket names a seat this venue does not have. Send the guest to the box office."
            }
            Reason::UnknownSeatType => {
                "Ticket names a seat category this event does not have. Send the guest to the box office."
            }
            Reason::IssuedInFuture => {
                "Ticket was issued later than now: check this gate's clock, then call a supervisor."
            }
        }
    }

    /// The reason a verification error means for a guest at the gate.
    pub fn from_error(e: &Error) -> Self {
        match e {
            Error::UnsupportedVersion(_) => Reason::UnsupportedVersion,
            Error::UnknownKey(_) | Error::KeyWrongPurpose(_) => Reason::UnknownKey,
            Error::KeyRetired(_) => Reason::KeyRetired,
            Error::KeyNotValid { .. } => Reason::KeyNotValid,
            Error::KeyOutOfScope { .. } => Reason::KeyOutOfScope,
            Error::BadSignature | Error::HighS => Reason::Forged,
            _ => Reason::Malformed,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.steward_text())
    }
}

/// What an admitted person needs to find their place (c59).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guidance {
    /// The gate the place is reached through.
    pub gate_id: GateId,
    /// The gate's name.
    pub gate: String,
    /// Block or area name.
    pub section: String,
    /// Row label, for reserved seats.
    pub row: Option<String>,
    /// Seat number, for reserved seats.
    pub seat: Option<u16>,
    /// The venue's directions for the block or area.
    pub directions: String,
}

impl fmt::Display for Guidance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} · {}", self.gate, self.section)?;
        if let (Some(row), Some(seat)) = (&self.row, self.seat) {
            write!(f, " · row {row} · seat {seat}")?;
        }
        write!(f, " — {}", self.directions)
    }
}

/// The outcome of a presentation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Let them in.
    Admit {
        /// The verified ticket.
        ticket: VerifiedTicket,
        /// Where to go.
        guidance: Guidance,
    },
    /// Refuse.
    Reject {
        /// Why.
        reason: Reason,
        /// The ticket, when it verified but failed a later check.
        ticket: Option<VerifiedTicket>,
    },
}

impl Decision {
    /// Whether the decision admits.
    pub fn is_admit(&self) -> bool {
        matches!(self, Decision::Admit { .. })
    }

    /// The reason, for a rejection.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Decision::Reject { reason, .. } => Some(*reason),
            Decision::Admit { .. } => None,
        }
    }
}

/// Everything a gate knows when it decides.
#[derive(Debug, Clone, Copy)]
pub struct GateContext<'a> {
    event: &'a EventInfo,
    keys: &'a KeySet,
    revocations: &'a RevocationList,
    /// The current time.
    pub now: Timestamp,
    /// Seconds of clock difference tolerated at both ends of the validity window.
    pub clock_skew: u64,
    /// Whether specimen tickets are admitted (test events, rehearsals).
    pub accept_specimen: bool,
    /// The event's seats, indexed: with it a reserved-seat ticket must name
    /// a seat of the seat master with the ticket's seat type; without it only
    /// the block is checked. A gate builds it once ([`PlaceIndex::new`]).
    pub places: Option<&'a PlaceIndex>,
}

/// The seats of a seat master sorted for lookups in O(log n), with their
/// seat types.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PlaceIndex {
    seats: Vec<(BlockId, u16, u16, SeatType)>,
}

impl PlaceIndex {
    /// Index the seats of `master`.
    pub fn new(master: &SeatMaster) -> Self {
        let mut seats: Vec<_> = master
            .seats
            .iter()
            .map(|s| (s.block, s.row, s.number, s.seat_type))
            .collect();
        seats.sort_unstable();
        Self { seats }
    }

    /// The seat type of the seat at (block, row, number), if the master has
    /// that seat.
    pub fn seat_type(&self, block: BlockId, row: u16, number: u16) -> Option<SeatType> {
        let i = self
            .seats
            .binary_search_by(|s| (s.0, s.1, s.2).cmp(&(block, row, number)))
            .ok()?;
        Some(self.seats[i].3)
    }
}

impl<'a> GateContext<'a> {
    /// A context for `event`; the revocation list must be the event's.
    pub fn new(
        event: &'a EventInfo,
        keys: &'a KeySet,
        revocations: &'a RevocationList,
        now: Timestamp,
    ) -> Result<Self> {
        if revocations.event != event.id {
            return Err(Error::EventMismatch {
                expected: event.id,
                got: revocations.event,
            });
        }
        Ok(Self {
            event,
            keys,
            revocations,
            now,
            clock_skew: 120,
            accept_specimen: false,
            places: None,
        })
    }

    /// The event this gate admits to.
    pub fn event(&self) -> &'a EventInfo {
        self.event
    }
}

/// Decide on `bytes` presented from `presented`, in order: format and key,
/// signature, strict decoding, key validity and scope, event, validity window,
/// revocation, holder, flags, and finally the guidance for the place.
///
/// ```
/// # use eticket_core::{admission::*, fixtures};
/// let event = fixtures::small_event();
/// let keys = fixtures::key_set();
/// let revoked = eticket_core::revocation::RevocationList::empty(event.id);
/// let ctx = GateContext::new(&event, &keys, &revoked, fixtures::NOW).unwrap();
/// let body = fixtures::paper_ticket(eticket_core::ids::TicketSerial(1));
/// let ticket = body.sign(&fixtures::ticket_key()).unwrap();
/// let d = decide(ticket.as_bytes(), Presented::Paper, &ctx);
/// assert!(d.is_admit());
/// ```
pub fn decide(bytes: &[u8], presented: Presented, ctx: &GateContext<'_>) -> Decision {
    let verified = match ticket::verify(bytes, ctx.keys, ctx.now) {
        Ok(v) => v,
        Err(e) => {
            let mut reason = Reason::from_error(&e);
            // A genuine ticket whose key has expired or was retired, and
            // whose generation the list revoked, gets the list's reason: a
            // holder of a postponed event's old ticket is told to update
            // the card, not sent to the box office for a key.
            if matches!(reason, Reason::KeyNotValid | Reason::KeyRetired) {
                if let Ok(body) = ticket::verify_signature_only(bytes, ctx.keys) {
                    if body.event == ctx.event.id {
                        if let Some(why) = ctx.revocations.reason(body.serial, body.generation) {
                            reason = revocation_reason(why);
                        }
                    }
                }
            }
            return Decision::Reject {
                reason,
                ticket: None,
            };
        }
    };
    match check(&verified, presented, ctx) {
        Ok(guidance) => Decision::Admit {
            ticket: verified,
            guidance,
        },
        Err(reason) => Decision::Reject {
            reason,
            ticket: Some(verified),
        },
    }
}

/// The refusal a revocation list's reason gives.
fn revocation_reason(why: RevocationReason) -> Reason {
    match why {
        RevocationReason::Revoked => Reason::Revoked,
        RevocationReason::Replaced => Reason::Replaced,
        RevocationReason::Transferred => Reason::Transferred,
        RevocationReason::EventCancelled => Reason::EventCancelled,
    }
}

fn check(
    v: &VerifiedTicket,
    presented: Presented,
    ctx: &GateContext<'_>,
) -> core::result::Result<Guidance, Reason> {
    let t = &v.body;
    if t.event != ctx.event.id {
        return Err(Reason::WrongEvent);
    }
    // Before the validity window: a generation replaced for a new date is
    // "replaced" (update the card), not "expired".
    if let Some(why) = ctx.revocations.reason(t.serial, t.generation) {
        return Err(revocation_reason(why));
    }
    if ctx.now.plus(ctx.clock_skew) < t.valid_from {
        return Err(Reason::NotYetValid);
    }
    if ctx.now.minus(ctx.clock_skew) > t.valid_until() {
        return Err(Reason::Expired);
    }
    if t.issued_at > ctx.now.plus(ctx.clock_skew) {
        return Err(Reason::IssuedInFuture);
    }

    match (t.holder, presented) {
        (Holder::Chip(owner), Presented::Chip(chip)) if owner != chip => {
            return Err(Reason::WrongChip);
        }
        (Holder::Chip(_), Presented::Paper) | (Holder::Paper, Presented::Chip(_)) => {
            return Err(Reason::WrongMedium);
        }
        _ => {}
    }
    if t.flags.contains(Flags::SPECIMEN) && !ctx.accept_specimen {
        return Err(Reason::Specimen);
    }
    if ctx.event.seat_type_name(t.seat_type).is_none() {
        return Err(Reason::UnknownSeatType);
    }
    match (t.place, ctx.places) {
        (Place::Seat { block, row, number }, Some(index)) => {
            match index.seat_type(block, row, number) {
                None => return Err(Reason::UnknownPlace),
                Some(st) if st != t.seat_type => return Err(Reason::UnknownSeatType),
                Some(_) => {}
            }
        }
        (Place::Area(id), _) => {
            let area = ctx.event.seats.area(id).ok_or(Reason::UnknownPlace)?;
            if area.seat_type != t.seat_type {
                return Err(Reason::UnknownSeatType);
            }
        }
        (Place::Seat { .. }, None) => {}
    }
    guidance(ctx.event, t.place).ok_or(Reason::UnknownPlace)
}

/// The guidance for a place of `event`, or `None` when the venue lacks it.
pub fn guidance(event: &EventInfo, place: Place) -> Option<Guidance> {
    let venue = &event.venue;
    match place {
        Place::Seat { block, row, number } => {
            let b = venue.block(block)?;
            Some(Guidance {
                gate_id: b.gate,
                gate: venue.gate(b.gate)?.name.clone(),
                section: b.name.clone(),
                row: Some(format!("{}", b.row_label(row))),
                seat: Some(number),
                directions: b.guidance.clone(),
            })
        }
        Place::Area(id) => {
            let a = event.seats.area(id)?;
            Some(Guidance {
                gate_id: a.gate,
                gate: venue.gate(a.gate)?.name.clone(),
                section: a.name.clone(),
                row: None,
                seat: None,
                directions: a.guidance.clone(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_codes_round_trip() {
        for code in 0..40 {
            if let Some(r) = Reason::from_code(code) {
                assert_eq!(r.code(), code);
                assert!(!r.steward_text().is_empty());
            }
        }
        assert_eq!(Reason::from_code(12), Some(Reason::WrongChip));
        assert_eq!(Reason::from_code(0), None);
    }
}
