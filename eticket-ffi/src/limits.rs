//! The numbers a vendor needs in C: every refusal reason code of
//! `eticket_outcome_info.reason` (`eticket_reason`) and the size limits of
//! the formats, so no vendor hard-codes them. Tests check each against the
//! Rust definitions.

/// Longest signed ticket (chip payload or paper QR bytes).
pub const ETICKET_MAX_TICKET_LEN: usize = 144;
/// Longest signed transfer request (`eticket_chip_sign_transfer`).
pub const ETICKET_MAX_TRANSFER_REQUEST_LEN: usize = 192;
/// Longest signed transfer cancellation (`eticket_chip_sign_cancel`).
pub const ETICKET_MAX_TRANSFER_CANCEL_LEN: usize = 192;
/// Longest signed entry-log batch (`eticket_venue_signed_upload`).
pub const ETICKET_MAX_SIGNED_BATCH_LEN: usize = 2 * 1024 * 1024 + 64;
/// Longest scan `eticket_gate_admit_paper` looks at: far more than a
/// ticket's QR text; anything longer is refused as malformed, and only this
/// much of it is read.
pub const ETICKET_MAX_SCAN_LEN: usize = 4096;
/// Length of a chip id.
pub const ETICKET_CHIP_ID_LEN: usize = 16;
/// Length of an uncompressed public key (SEC1).
pub const ETICKET_PUBLIC_KEY_LEN: usize = 65;
/// Shortest holder PIN.
pub const ETICKET_MIN_PIN_LEN: usize = 4;
/// Longest holder PIN.
pub const ETICKET_MAX_PIN_LEN: usize = 12;

/// Why an admission was refused: the codes of `eticket_outcome_info.reason`
/// (text with `eticket_reason_text`). 1-99 are the ticket's own reasons,
/// 101 and up the gate's. Codes are stable; new ones are added, none reused.
#[repr(u16)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum eticket_reason {
    /// Admitted or exited: no refusal.
    None = 0,
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
    /// Cancelled: revoked by the organizer, or refunded to its holder (a
    /// replaced or transferred generation and a cancelled event have their
    /// own codes, 18 to 20).
    Revoked = 11,
    /// The ticket belongs to another chip (a copied payload).
    WrongChip = 12,
    /// A chip ticket on paper, or a paper ticket on a chip.
    WrongMedium = 13,
    /// A specimen ticket at a gate that does not accept them.
    Specimen = 14,
    /// A seat or area this venue does not have.
    UnknownPlace = 15,
    /// A seat type the event does not define, or not the seat's.
    UnknownSeatType = 16,
    /// Issued later than now, beyond the clock skew.
    IssuedInFuture = 17,
    /// A newer ticket replaces this one (reprint, re-issue, new card, new
    /// date): update the card at a store terminal or reader, or print the
    /// new paper ticket.
    Replaced = 18,
    /// Transferred to another holder.
    Transferred = 19,
    /// The event was cancelled (the seller refunds the ticket).
    EventCancelled = 20,
    /// The chip failed the challenge (possibly cloned).
    ChallengeFailed = 101,
    /// No ticket for this event on the chip.
    NoTicket = 102,
    /// The chip could not be read.
    ChipUnreadable = 103,
    /// Already used to enter.
    AlreadyAdmitted = 104,
    /// Still inside (re-entry needs an exit scan first).
    StillInside = 105,
    /// All entries of the ticket used.
    EntriesUsedUp = 106,
    /// A copy of a paper ticket already used.
    PaperAlreadyUsed = 107,
    /// The revocation list is past its `next_update` (venue policy).
    RevocationListStale = 108,
    /// The key set is past its `next_update` (venue policy).
    KeySetStale = 109,
    /// No revocation list young enough (or none yet).
    RevocationListTooOld = 110,
    /// The chip answered the challenge too slowly (possibly relayed).
    AnswerTooSlow = 111,
    /// The venue requires chip certificates and this chip has none valid.
    ChipNotCertified = 112,
    /// A valid ticket for another gate, at a venue that refuses those.
    WrongGate = 113,
    /// A networked gate device could not reach its venue unit and the
    /// venue's offline policy does not admit this medium alone (paper, by
    /// default).
    RefusedOffline = 114,
}

#[cfg(test)]
mod tests {
    use super::*;
    use eticket_gate::Refusal;

    #[test]
    fn limits_are_the_rust_ones() {
        assert_eq!(ETICKET_MAX_TICKET_LEN, eticket_core::ticket::MAX_TICKET_LEN);
        assert_eq!(
            ETICKET_MAX_TRANSFER_REQUEST_LEN,
            eticket_core::transfer::MAX_TRANSFER_REQUEST_LEN
        );
        assert_eq!(
            ETICKET_MAX_TRANSFER_CANCEL_LEN,
            eticket_core::cancel::MAX_TRANSFER_CANCEL_LEN
        );
        assert_eq!(ETICKET_CHIP_ID_LEN, eticket_core::ids::CHIP_ID_LEN);
        assert_eq!(
            ETICKET_MAX_SIGNED_BATCH_LEN,
            eticket_gate::signed_batch::MAX_SIGNED_BATCH_LEN
        );
        assert_eq!(ETICKET_PUBLIC_KEY_LEN, eticket_core::crypto::PUBLIC_KEY_LEN);
        assert_eq!(ETICKET_MIN_PIN_LEN, eticket_chip::protocol::MIN_PIN_LEN);
        assert_eq!(ETICKET_MAX_PIN_LEN, eticket_chip::protocol::MAX_PIN_LEN);
    }

    #[test]
    fn every_reason_is_the_gates_code_and_back() {
        use eticket_reason as R;
        let all = [
            R::Malformed,
            R::UnsupportedVersion,
            R::UnknownKey,
            R::KeyRetired,
            R::KeyNotValid,
            R::KeyOutOfScope,
            R::Forged,
            R::WrongEvent,
            R::NotYetValid,
            R::Expired,
            R::Revoked,
            R::WrongChip,
            R::WrongMedium,
            R::Specimen,
            R::UnknownPlace,
            R::UnknownSeatType,
            R::IssuedInFuture,
            R::Replaced,
            R::Transferred,
            R::EventCancelled,
            R::ChallengeFailed,
            R::NoTicket,
            R::ChipUnreadable,
            R::AlreadyAdmitted,
            R::StillInside,
            R::EntriesUsedUp,
            R::PaperAlreadyUsed,
            R::RevocationListStale,
            R::KeySetStale,
            R::RevocationListTooOld,
            R::AnswerTooSlow,
            R::ChipNotCertified,
            R::WrongGate,
            R::RefusedOffline,
        ];
        for r in all {
            let code = r as u16;
            let refusal = Refusal::from_code(code).unwrap_or_else(|| panic!("no refusal {code}"));
            assert_eq!(refusal.code(), code);
        }
        // And every code the gate knows has its constant.
        let known = (0..=1000u16)
            .filter(|c| Refusal::from_code(*c).is_some())
            .count();
        assert_eq!(known, all.len());
    }
}
