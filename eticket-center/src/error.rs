//! The one error type of the center, with a stable code per variant for the
//! HTTP API.

use eticket_core::ids::{DistributorId, EventId, Generation, MemberId, SeatType, TicketSerial};
use eticket_core::time::Timestamp;

/// Everything that can go wrong in the center.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A domain rule of eticket-core was broken (invalid event, bad signature, …).
    #[error("{0}")]
    Core(#[from] eticket_core::Error),
    /// The ledger failed; `retryable` when the transaction lost a race and may
    /// simply be run again.
    #[error("{backend} ledger: {message}")]
    Storage {
        /// "sqlite" or "postgres".
        backend: &'static str,
        /// What the database said.
        message: String,
        /// Whether running the transaction again may succeed.
        retryable: bool,
    },
    /// The ledger refused to store a second record under a key it holds
    /// already (a unique key): a request that repeats one already done, or a
    /// bug; never retried beyond a lost race.
    #[error("{backend} ledger holds that record already: {message}")]
    Duplicate {
        /// "sqlite" or "postgres".
        backend: &'static str,
        /// What the database said.
        message: String,
    },
    /// The ledger holds data this version cannot read.
    #[error("ledger data is corrupt: {0}")]
    Corrupt(String),
    /// A request field is wrong.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// No such event.
    #[error("event {0} is not registered")]
    UnknownEvent(EventId),
    /// The event was cancelled: it sells, holds and allots nothing more.
    #[error(
        "event {event} was cancelled at {at}: nothing of it is sold, held or allotted any more"
    )]
    EventCancelled {
        /// The event.
        event: EventId,
        /// When it was cancelled.
        at: eticket_core::time::Timestamp,
    },
    /// The event id is taken.
    #[error("event {0} is already registered")]
    EventExists(EventId),
    /// No such distributor.
    #[error("distributor {0} is not registered")]
    UnknownDistributor(DistributorId),
    /// The distributor is not selected for the event.
    #[error("distributor {distributor} is not selected for event {event}")]
    NotSelected {
        /// The event.
        event: EventId,
        /// The distributor.
        distributor: DistributorId,
    },
    /// No such ticket.
    #[error("event {event} has no ticket {serial}")]
    UnknownTicket {
        /// The event.
        event: EventId,
        /// The serial.
        serial: TicketSerial,
    },
    /// The ticket is not in the acting distributor's allotment.
    #[error(
        "ticket {serial} of event {event} is not in the allotment of distributor {distributor}"
    )]
    NotInAllotment {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
        /// The distributor that tried.
        distributor: DistributorId,
    },
    /// The ticket is not available any more (sold, held for a buyer, …).
    #[error(
        "{place} of event {event} is {}: it is no longer available",
        state_phrase(state)
    )]
    SeatUnavailable {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
        /// Its state's name (`held`, `authenticated`, `issued`, …).
        state: String,
        /// Where it is, for people: `block 1 row 3 seat 7 (ticket 150)`.
        place: String,
    },
    /// Some seats of an allotment change have an owner the request did not
    /// name (another session moved them since the caller loaded them, or the
    /// caller did not say to take them from their owner): nothing was
    /// changed.
    #[error("{}", allotment_changed(*count, sample, *as_of))]
    AllotmentChanged {
        /// The event.
        event: EventId,
        /// How many seats differ.
        count: usize,
        /// The first few, with their owner now.
        sample: String,
        /// Set when the seats changed owner after this allotment version
        /// (the change's `as_of`); `None` when their owner is not one the
        /// change named.
        as_of: Option<u64>,
    },
    /// No seat hold with this token for this event and distributor: none
    /// was made, or it was bought or released, or it expired more than a
    /// day ago.
    #[error(
        "no seat hold {token} of event {event} for this distributor (bought, released, or expired over a day ago, if it existed)"
    )]
    UnknownHold {
        /// The event.
        event: EventId,
        /// The hold's token.
        token: String,
    },
    /// The hold expired: its seats went back on sale.
    #[error("seat hold {token} expired at {at}; its seats are on sale again")]
    HoldExpired {
        /// The hold's token.
        token: String,
        /// When it expired.
        at: eticket_core::time::Timestamp,
    },
    /// The buyer holds as many seats as one buyer may.
    #[error("{buyer} holds {have} seats of event {event}; at most {limit} at once")]
    HoldLimit {
        /// The event.
        event: EventId,
        /// The buyer.
        buyer: String,
        /// Seats held now.
        have: u32,
        /// The cap.
        limit: u32,
    },
    /// Not enough tickets left in the allotment.
    #[error(
        "distributor {distributor} has {available} tickets{} left for event {event}, {requested} asked for",
        seat_type.map(|t| format!(" of seat type {}", t.0)).unwrap_or_default()
    )]
    SoldOut {
        /// The event.
        event: EventId,
        /// The distributor.
        distributor: DistributorId,
        /// The seat type asked for, when one was.
        seat_type: Option<SeatType>,
        /// How many were asked for.
        requested: u32,
        /// How many are left.
        available: u32,
    },
    /// The allotment by ratio of a whole event can no longer change because
    /// tickets were sold or are held for buyers (seats still move by
    /// selection or split).
    #[error(
        "event {event}: the whole event can be allotted by ratio only before anything is sold or held ({sold} sold, {held} held); split or move the available seats instead"
    )]
    AllotmentFixed {
        /// The event.
        event: EventId,
        /// How many tickets are sold (decided for a buyer, issued, used,
        /// transferred or revoked).
        sold: u32,
        /// How many are held for buyers now.
        held: u32,
    },
    /// The distributor's policy needs a registered member.
    #[error("distributor {0} sells to registered members only")]
    MembershipRequired(DistributorId),
    /// No such member.
    #[error("member {member} is not registered with distributor {distributor}")]
    UnknownMember {
        /// The distributor.
        distributor: DistributorId,
        /// The member.
        member: MemberId,
    },
    /// The member id or chip is already registered.
    #[error("distributor {distributor}: {what} is already registered")]
    MemberExists {
        /// The distributor.
        distributor: DistributorId,
        /// Which (member id or chip).
        what: String,
    },
    /// The membership ended.
    #[error("the membership of member {member} of distributor {distributor} ended at {at}")]
    MembershipEnded {
        /// The distributor.
        distributor: DistributorId,
        /// The member.
        member: MemberId,
        /// When it ended.
        at: Timestamp,
    },
    /// The ticket must go to the member's personalized chip.
    #[error("member {0} buys for their own registered chip only")]
    MemberChipMismatch(MemberId),
    /// A per-member (or per-chip) limit would be exceeded.
    #[error(
        "{who} has {have} ticket(s) of event {event} (sold or applied for) and asks for {asked}; the limit is {limit}"
    )]
    MemberLimit {
        /// The event.
        event: EventId,
        /// The member or chip.
        who: String,
        /// Tickets held already.
        have: u32,
        /// Tickets asked for now.
        asked: u32,
        /// The limit.
        limit: u32,
    },
    /// The policy does not allow this way of selling.
    #[error("distributor {distributor} sells event {event} by {policy}: {reason}")]
    PolicyRefuses {
        /// The event.
        event: EventId,
        /// The distributor.
        distributor: DistributorId,
        /// The policy's name.
        policy: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// The lottery is not in the phase the request needs.
    #[error("lottery of distributor {distributor} for event {event}: {reason}")]
    Lottery {
        /// The event.
        event: EventId,
        /// The distributor.
        distributor: DistributorId,
        /// Why.
        reason: String,
    },
    /// The chip has already applied to this lottery (one application per
    /// chip).
    #[error(
        "chip {chip} has already applied to the lottery of distributor {distributor} for event {event}"
    )]
    AlreadyApplied {
        /// The event.
        event: EventId,
        /// The distributor.
        distributor: DistributorId,
        /// The chip.
        chip: eticket_core::ids::ChipId,
    },
    /// A published draw does not recompute
    /// ([`crate::lottery::verify_draw`]).
    #[error("the draw of distributor {distributor} for event {event} does not verify: {reason}")]
    LotteryUnverified {
        /// The event.
        event: EventId,
        /// The distributor.
        distributor: DistributorId,
        /// What does not match.
        reason: String,
    },
    /// The ticket was issued already; deliver it again instead.
    #[error(
        "ticket {serial} of event {event} is already issued (generation {generation}); ask for a delivery instead"
    )]
    AlreadyIssued {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
        /// The valid generation.
        generation: Generation,
    },
    /// The ticket has no issuing record or no issued generation yet.
    #[error("ticket {serial} of event {event} is not {what}")]
    NotIssued {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
        /// "authenticated" or "issued".
        what: &'static str,
    },
    /// The chip named is not the ticket's holder.
    #[error("ticket {serial} of event {event} does not belong to chip {chip}")]
    HolderMismatch {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
        /// The chip named in the request.
        chip: String,
    },
    /// A paper ticket has no chip to write to.
    #[error("ticket {serial} of event {event} is a paper ticket: no chip grant")]
    PaperTicket {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
    },
    /// No such transfer.
    #[error("transfer {0} does not exist")]
    UnknownTransfer(String),
    /// The transfer request names a generation or ticket that is not the valid one.
    #[error("transfer request is stale: {0}")]
    TransferStale(String),
    /// Another transfer of this ticket is waiting.
    #[error("ticket {serial} of event {event} already has a pending transfer")]
    TransferPending {
        /// The event.
        event: EventId,
        /// The ticket.
        serial: TicketSerial,
    },
    /// The transfer cannot change in its current state.
    #[error("transfer {id} is {state}")]
    TransferState {
        /// The transfer.
        id: String,
        /// Its state.
        state: String,
    },
    /// The cooling-off period has not ended.
    #[error("transfer {id} is cooling off until {until}")]
    CoolingOff {
        /// The transfer.
        id: String,
        /// When it may complete.
        until: Timestamp,
    },
    /// A retried request with the same idempotency key carries a different body.
    #[error(
        "idempotency key {0:?} was used for a different request; send a new request with a new key"
    )]
    IdempotencyMismatch(String),
    /// A buyer's card did not prove itself at a store terminal (not the
    /// member's card, a bad answer, or a challenge not given to this
    /// terminal, expired or used).
    #[error("card proof refused: {0}")]
    CardProof(String),
    /// No or unknown credential.
    #[error("missing or unknown credential")]
    Unauthorized,
    /// The credential's role may not do this.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// An injected failure (tests simulate a crash at a named step).
    #[error("failure injected at {0}")]
    FailPoint(&'static str),
    /// A chip or its reader failed or refused (the command line's chip
    /// commands).
    #[error("chip: {0}")]
    Chip(String),
    /// The key-encryption key given is not the one the center keys were
    /// sealed with (the ledger's keys, or the root key file).
    #[error(
        "the key-encryption key does not open the center keys ({0}); give the key this ledger's keys were sealed with (--kek-file, ETICKET_KEK_FILE or ETICKET_KEK)"
    )]
    WrongKek(String),
    /// The key-encryption key or the root key file is missing, unreadable or
    /// malformed, or not configured where it must be.
    #[error("center key storage: {0}")]
    KeyStorage(String),
    /// A backup could not be made or restored (a file, `pg_dump` or
    /// `pg_restore`, a backup that does not match its manifest, a target
    /// that holds a ledger already).
    #[error("backup: {0}")]
    Backup(String),
    /// The root key is not on this center (offline root): key sets are
    /// signed elsewhere.
    #[error(
        "the root key is offline: sign the key set where the root key file is (`eticket --root-key-file FILE sign-key-set` on this ledger, or `eticket key-set-request`, `eticket sign-key-set --request` on a machine with only the root key file, then `eticket import-key-set`)"
    )]
    RootOffline,
}

/// The message of [`Error::AllotmentChanged`].
fn allotment_changed(count: usize, sample: &str, as_of: Option<u64>) -> String {
    match as_of {
        // An area's places moved meanwhile: counted, not named.
        Some(v) if count == 0 => format!(
            "places changed owner after allotment version {v}, which this change saw ({sample}); nothing was changed: reload the seats and try again"
        ),
        Some(v) => format!(
            "{count} of the seats and places changed owner after allotment version {v}, which this change saw ({sample}); nothing was changed: reload the seats and try again"
        ),
        None => format!(
            "{count} of the seats do not have the owner this change expected ({sample}); nothing was changed: reload the seats, and name their owner to move them"
        ),
    }
}

/// A ticket state's name as people say it, for messages.
fn state_phrase(state: &str) -> &str {
    match state {
        "held" => "held for a buyer",
        "authenticated" => "sold",
        "issued" => "sold and issued",
        other => other,
    }
}

impl Error {
    /// [`Error::SeatUnavailable`] for a ticket of the ledger.
    pub(crate) fn unavailable(event: EventId, t: &crate::tables::tickets::TicketRow) -> Self {
        Error::SeatUnavailable {
            event,
            serial: t.serial,
            state: t.state.name().to_owned(),
            place: crate::organizer::describe_place(t),
        }
    }

    /// A stable, machine-readable code for the error (the HTTP API returns it).
    pub fn code(&self) -> &'static str {
        use eticket_core::Error as C;
        match self {
            Error::Core(C::HeldUntil { .. }) => "held_until",
            Error::Core(C::BadSignature | C::HighS) => "bad_signature",
            Error::Core(_) => "invalid_domain_data",
            Error::Storage { .. } => "storage",
            Error::Duplicate { .. } => "duplicate",
            Error::Corrupt(_) => "corrupt",
            Error::Invalid { .. } => "invalid_request",
            Error::UnknownEvent(_) => "unknown_event",
            Error::EventExists(_) => "event_exists",
            Error::UnknownDistributor(_) => "unknown_distributor",
            Error::NotSelected { .. } => "distributor_not_selected",
            Error::UnknownTicket { .. } => "unknown_ticket",
            Error::NotInAllotment { .. } => "not_in_allotment",
            Error::SeatUnavailable { .. } => "seat_unavailable",
            Error::AllotmentChanged { .. } => "allotment_changed",
            Error::UnknownHold { .. } => "unknown_hold",
            Error::HoldExpired { .. } => "hold_expired",
            Error::HoldLimit { .. } => "hold_limit",
            Error::SoldOut { .. } => "sold_out",
            Error::AllotmentFixed { .. } => "allotment_fixed",
            Error::EventCancelled { .. } => "event_cancelled",
            Error::MembershipRequired(_) => "membership_required",
            Error::UnknownMember { .. } => "unknown_member",
            Error::MemberExists { .. } => "member_exists",
            Error::MembershipEnded { .. } => "membership_ended",
            Error::MemberChipMismatch(_) => "member_chip_mismatch",
            Error::MemberLimit { .. } => "member_limit",
            Error::PolicyRefuses { .. } => "policy_refuses",
            Error::Lottery { .. } => "lottery_phase",
            Error::AlreadyApplied { .. } => "already_applied",
            Error::LotteryUnverified { .. } => "lottery_unverified",
            Error::AlreadyIssued { .. } => "already_issued",
            Error::NotIssued { .. } => "not_issued",
            Error::HolderMismatch { .. } => "holder_mismatch",
            Error::PaperTicket { .. } => "paper_ticket",
            Error::UnknownTransfer(_) => "unknown_transfer",
            Error::TransferStale(_) => "transfer_stale",
            Error::TransferPending { .. } => "transfer_pending",
            Error::TransferState { .. } => "transfer_state",
            Error::CoolingOff { .. } => "cooling_off",
            Error::IdempotencyMismatch(_) => "idempotency_mismatch",
            Error::Unauthorized => "unauthorized",
            Error::Forbidden(_) => "forbidden",
            Error::CardProof(_) => "card_proof",
            Error::FailPoint(_) => "fail_point",
            Error::Chip(_) => "chip",
            Error::WrongKek(_) => "wrong_kek",
            Error::Backup(_) => "backup",
            Error::KeyStorage(_) => "key_storage",
            Error::RootOffline => "root_offline",
        }
    }

    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }

    pub(crate) fn corrupt(what: impl Into<String>) -> Self {
        Error::Corrupt(what.into())
    }

    /// Whether the transaction lost a race and may be run again.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::Storage {
                retryable: true,
                ..
            }
        )
    }
}

/// Result with the center's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
