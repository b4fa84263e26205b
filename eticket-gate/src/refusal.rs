//! Why a gate refused a scan: the ticket reasons of core's admission decision,
//! plus what only the venue unit can know (the chip's proof of identity, the
//! entry log's anti-passback).
//!
//! Codes are stable: they are logged, uploaded, counted and shown. Core's
//! [`Reason`] keeps its own codes (1-99); the gate's own start at 101.

use std::fmt;

use eticket_core::admission::Reason;

/// Why a scan was refused.
///
/// ```
/// use eticket_gate::Refusal;
/// use eticket_core::admission::Reason;
/// let r = Refusal::Ticket(Reason::Revoked);
/// assert_eq!(Refusal::from_code(r.code()), Some(r));
/// assert_eq!(Refusal::StillInside.label(), "still_inside");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Refusal {
    /// The ticket itself failed a check of core's admission decision.
    Ticket(Reason),
    /// The chip did not answer the fresh challenge with the key of the chip id
    /// it claims: a cloned card, or a replayed answer.
    ChallengeFailed,
    /// The chip holds no ticket at all.
    NoTicket,
    /// The chip could not be read (removed too early, transport error).
    ChipUnreadable,
    /// Single entry: the ticket was already admitted.
    AlreadyAdmitted,
    /// Re-entry after exit: the ticket was admitted and has not left since.
    StillInside,
    /// The ticket's number of entries is used up.
    EntriesUsedUp,
    /// A paper ticket that was already admitted: this is a copy.
    PaperAlreadyUsed,
}

/// The gate's own refusals, with their stable codes.
const GATE_REFUSALS: [(Refusal, u16, &str); 7] = [
    (Refusal::ChallengeFailed, 101, "challenge_failed"),
    (Refusal::NoTicket, 102, "no_ticket"),
    (Refusal::ChipUnreadable, 103, "chip_unreadable"),
    (Refusal::AlreadyAdmitted, 104, "already_admitted"),
    (Refusal::StillInside, 105, "still_inside"),
    (Refusal::EntriesUsedUp, 106, "entries_used_up"),
    (Refusal::PaperAlreadyUsed, 107, "paper_already_used"),
];

impl Refusal {
    /// The stable numeric code: core's reason code, or 101 and up.
    pub fn code(self) -> u16 {
        match self {
            Refusal::Ticket(reason) => reason.code(),
            other => GATE_REFUSALS
                .iter()
                .find(|(r, _, _)| *r == other)
                .map_or(0, |(_, code, _)| *code),
        }
    }

    /// The refusal with this code, if the code is known.
    pub fn from_code(code: u16) -> Option<Self> {
        if let Some(reason) = Reason::from_code(code) {
            return Some(Refusal::Ticket(reason));
        }
        GATE_REFUSALS
            .iter()
            .find(|(_, c, _)| *c == code)
            .map(|(r, _, _)| *r)
    }

    /// A short machine name, for CSV columns and JSON keys.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Ticket(reason) => reason_label(reason),
            other => GATE_REFUSALS
                .iter()
                .find(|(r, _, _)| *r == other)
                .map_or("unknown", |(_, _, label)| *label),
        }
    }

    /// What a steward tells the person, in plain words.
    pub fn steward_text(self) -> &'static str {
        match self {
            Refusal::Ticket(reason) => reason.steward_text(),
            Refusal::ChallengeFailed => {
                "The card could not prove it is the card the ticket was issued to: \
                 possibly cloned. Call a supervisor."
            }
            Refusal::NoTicket => "No ticket on this card. Send the guest to the box office.",
            Refusal::ChipUnreadable => "The card could not be read. Hold it still and try again.",
            Refusal::AlreadyAdmitted => "This ticket has already been used to enter.",
            Refusal::StillInside => {
                "This ticket is already inside; it can enter again only after leaving through an exit scan."
            }
            Refusal::EntriesUsedUp => "All entries of this ticket have been used.",
            Refusal::PaperAlreadyUsed => {
                "This paper ticket was already used to enter: this is a copy. Call a supervisor."
            }
        }
    }
}

/// Labels for core's reasons (core defines codes and texts, not names).
fn reason_label(reason: Reason) -> &'static str {
    match reason {
        Reason::Malformed => "malformed",
        Reason::UnsupportedVersion => "unsupported_version",
        Reason::UnknownKey => "unknown_key",
        Reason::KeyRetired => "key_retired",
        Reason::KeyNotValid => "key_not_valid",
        Reason::KeyOutOfScope => "key_out_of_scope",
        Reason::Forged => "forged",
        Reason::WrongEvent => "wrong_event",
        Reason::NotYetValid => "not_yet_valid",
        Reason::Expired => "expired",
        Reason::Revoked => "revoked",
        Reason::WrongChip => "wrong_chip",
        Reason::WrongMedium => "wrong_medium",
        Reason::Specimen => "specimen",
        Reason::UnknownPlace => "unknown_place",
        _ => "ticket_refused",
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.steward_text())
    }
}

impl From<Reason> for Refusal {
    fn from(reason: Reason) -> Self {
        Refusal::Ticket(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_labels_are_unique_and_round_trip() {
        let mut seen_codes = std::collections::BTreeSet::new();
        let mut seen_labels = std::collections::BTreeSet::new();
        for code in 0..300u16 {
            if let Some(r) = Refusal::from_code(code) {
                assert_eq!(r.code(), code);
                assert!(seen_codes.insert(code));
                assert!(seen_labels.insert(r.label()), "{}", r.label());
                assert!(!r.steward_text().is_empty());
            }
        }
        assert_eq!(seen_codes.len(), 15 + GATE_REFUSALS.len());
        assert_eq!(Refusal::from_code(0), None);
        assert_eq!(Refusal::from_code(100), None);
    }
}
