//! Why a gate refused a scan: the ticket reasons of core's admission decision,
//! plus what only the venue unit can know (the chip's proof of identity, the
//! entry log's anti-passback).
//!
//! Codes are stable: they are logged, uploaded, counted and shown. Core's
//! [`Reason`] keeps its own codes (1-99); the gate's own start at 101.

use std::fmt;

use eticket_core::admission::Reason;
use eticket_core::time::Timestamp;

/// Why a scan was refused.
///
/// ```
/// use eticket_entries::Refusal;
/// use eticket_core::admission::Reason;
/// let r = Refusal::Ticket(Reason::Revoked);
/// assert_eq!(Refusal::from_code(r.code()), Some(r));
/// assert_eq!(Refusal::StillInside.label(), "still_inside");
/// ```
///
/// The refusals about the unit's own trust material carry the time the
/// steward is told (since when the list is stale, when the newest list was
/// signed); a record keeps only the code, so [`from_code`](Self::from_code)
/// gives them back without it (`None`).
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
    /// The unit's revocation list is past its `next_update` and the venue's
    /// eticket-gate's `StalePolicy` refuses this ticket: the gate
    /// cannot know whether it was revoked (a transferred ticket's new
    /// holder may have had it revoked since).
    RevocationListStale {
        /// The list's `next_update`: stale since then.
        since: Option<Timestamp>,
    },
    /// The unit's key set is past its `next_update` and the venue's
    /// eticket-gate's `StalePolicy` refuses this ticket: the gate
    /// cannot know whether its key was retired.
    KeySetStale {
        /// The set's `next_update`: stale since then.
        since: Option<Timestamp>,
    },
    /// The unit's newest revocation list was signed longer ago than the
    /// venue's `Settings::max_list_age` (eticket-gate) allows (the
    /// empty list a unit starts with was never signed): nothing is admitted
    /// until a fresh list is accepted.
    RevocationListTooOld {
        /// When the newest list was signed (the epoch: never).
        issued_at: Option<Timestamp>,
    },
    /// The chip answered the challenge correctly but too slowly
    /// (`Settings::max_answer_ms` in eticket-gate): the card may be
    /// elsewhere, its answers relayed to the gate.
    AnswerTooSlow,
    /// The venue requires chip certificates
    /// (`Settings::require_certificate` in eticket-gate) and
    /// this chip has none from the center, or one that does not verify or
    /// is for another chip: a card the center did not personalize.
    ChipNotCertified,
    /// A valid ticket whose place is reached through another gate, at a
    /// venue that refuses those
    /// (eticket-gate's `WrongGatePolicy::Refuse`).
    WrongGate,
    /// The gate device cannot reach its venue unit, and the venue's offline
    /// policy (eticket-gate's `OfflinePolicy`) does not let it admit this
    /// medium alone (paper, by default: a copy could be shown at every
    /// device of a cut-off venue).
    RefusedOffline,
}

/// One of each of the gate's own refusals (without times), in code order.
const GATE_REFUSALS: [Refusal; 14] = [
    Refusal::ChallengeFailed,
    Refusal::NoTicket,
    Refusal::ChipUnreadable,
    Refusal::AlreadyAdmitted,
    Refusal::StillInside,
    Refusal::EntriesUsedUp,
    Refusal::PaperAlreadyUsed,
    Refusal::RevocationListStale { since: None },
    Refusal::KeySetStale { since: None },
    Refusal::RevocationListTooOld { issued_at: None },
    Refusal::AnswerTooSlow,
    Refusal::ChipNotCertified,
    Refusal::WrongGate,
    Refusal::RefusedOffline,
];

impl Refusal {
    /// The gate's own refusals' stable codes and labels.
    fn gate_code(self) -> Option<(u16, &'static str)> {
        Some(match self {
            Refusal::Ticket(_) => return None,
            Refusal::ChallengeFailed => (101, "challenge_failed"),
            Refusal::NoTicket => (102, "no_ticket"),
            Refusal::ChipUnreadable => (103, "chip_unreadable"),
            Refusal::AlreadyAdmitted => (104, "already_admitted"),
            Refusal::StillInside => (105, "still_inside"),
            Refusal::EntriesUsedUp => (106, "entries_used_up"),
            Refusal::PaperAlreadyUsed => (107, "paper_already_used"),
            Refusal::RevocationListStale { .. } => (108, "revocation_list_stale"),
            Refusal::KeySetStale { .. } => (109, "key_set_stale"),
            Refusal::RevocationListTooOld { .. } => (110, "revocation_list_too_old"),
            Refusal::AnswerTooSlow => (111, "answer_too_slow"),
            Refusal::ChipNotCertified => (112, "chip_not_certified"),
            Refusal::WrongGate => (113, "wrong_gate"),
            Refusal::RefusedOffline => (114, "refused_offline"),
        })
    }

    /// The stable numeric code: core's reason code, or 101 and up.
    pub fn code(self) -> u16 {
        match self {
            Refusal::Ticket(reason) => reason.code(),
            other => other.gate_code().map_or(0, |(code, _)| code),
        }
    }

    /// The refusal with this code, if the code is known (the trust
    /// refusals without their times).
    pub fn from_code(code: u16) -> Option<Self> {
        if let Some(reason) = Reason::from_code(code) {
            return Some(Refusal::Ticket(reason));
        }
        GATE_REFUSALS
            .iter()
            .find(|r| r.gate_code().is_some_and(|(c, _)| c == code))
            .copied()
    }

    /// A short machine name, for CSV columns and JSON keys.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::Ticket(reason) => reason_label(reason),
            other => other.gate_code().map_or("unknown", |(_, label)| label),
        }
    }

    /// What a steward tells the person, in plain words (the
    /// [`Display`](fmt::Display) form adds the times the trust refusals
    /// carry).
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
            Refusal::RevocationListStale { .. } => {
                "This gate's revocation list is out of date, so it cannot tell whether this \
                 ticket was cancelled or transferred away: refused until the venue unit syncs \
                 with the center. Call a supervisor."
            }
            Refusal::KeySetStale { .. } => {
                "This gate's key set is out of date, so it cannot tell whether this ticket's \
                 signing key was withdrawn: refused until the venue unit syncs with the center. \
                 Call a supervisor."
            }
            Refusal::RevocationListTooOld { .. } => {
                "This gate has no recent revocation list from the center: no ticket is admitted \
                 until the venue unit loads a fresh one. Call a supervisor."
            }
            Refusal::AnswerTooSlow => {
                "The card answered too slowly: it may be relayed from somewhere else. \
                 Ask for the card itself to be held flat on the reader; if it fails \
                 again, call a supervisor."
            }
            Refusal::ChipNotCertified => {
                "This card was not issued by the ticket platform (no valid certificate). \
                 Call a supervisor."
            }
            Refusal::WrongGate => {
                "Valid ticket, but for another gate: send the guest to the gate named on the ticket."
            }
            Refusal::RefusedOffline => {
                "This gate cannot reach the venue unit and admits no such ticket on its own: \
                 send the guest to another gate, or wait until it is back online."
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
        Reason::UnknownSeatType => "unknown_seat_type",
        Reason::IssuedInFuture => "issued_in_future",
        Reason::Replaced => "replaced",
        Reason::Transferred => "transferred",
        Reason::EventCancelled => "event_cancelled",
        _ => "ticket_refused",
    }
}

impl fmt::Display for Refusal {
    /// The steward text, with the time a trust refusal carries:
    /// "… (stale since 2026-09-21T14:13:20Z)".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_with(f, |t| t.to_string())
    }
}

impl Refusal {
    /// The steward text with its time written by `time` (the gate's screen
    /// line passes the venue's local time).
    pub fn write_with(
        &self,
        f: &mut fmt::Formatter<'_>,
        time: impl Fn(Timestamp) -> String,
    ) -> fmt::Result {
        f.write_str(self.steward_text())?;
        match *self {
            Refusal::RevocationListStale { since: Some(t) } => {
                write!(f, " (revocation list stale since {})", time(t))
            }
            Refusal::KeySetStale { since: Some(t) } => {
                write!(f, " (key set stale since {})", time(t))
            }
            Refusal::RevocationListTooOld {
                issued_at: Some(Timestamp(0)),
            } => f.write_str(" (no list from the center yet)"),
            Refusal::RevocationListTooOld { issued_at: Some(t) } => {
                write!(f, " (newest list signed {})", time(t))
            }
            _ => Ok(()),
        }
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
        assert_eq!(seen_codes.len(), 20 + GATE_REFUSALS.len());
        assert_eq!(Refusal::from_code(0), None);
        assert_eq!(Refusal::from_code(100), None);
    }

    #[test]
    fn trust_refusals_say_since_when() {
        let t = Timestamp(1_790_000_000);
        let stale = Refusal::RevocationListStale { since: Some(t) };
        assert_eq!(stale.code(), 108);
        assert_eq!(
            Refusal::from_code(108),
            Some(Refusal::RevocationListStale { since: None })
        );
        let text = stale.to_string();
        assert!(text.starts_with(stale.steward_text()), "{text}");
        assert!(
            text.ends_with("(revocation list stale since 2026-09-21T14:13:20Z)"),
            "{text}"
        );
        let never = Refusal::RevocationListTooOld {
            issued_at: Some(Timestamp(0)),
        };
        assert!(never.to_string().ends_with("(no list from the center yet)"));
        assert!(
            Refusal::KeySetStale { since: Some(t) }
                .to_string()
                .contains("key set stale since 2026-09-21")
        );
    }
}
