//! The typed data layer: one module per group of ledger tables, each the
//! only place that writes SQL for its tables, with typed rows (core's ids,
//! `TicketState`) in and out. Services (organizer, split, the page's
//! routes, ...) call these functions inside their transaction and never see
//! a column name.
//!
//! - [`events`]: `events` (the event information, organizer, revocation
//!   list version);
//! - [`tickets`]: `tickets`, the ticket master (place, seat type, price,
//!   allotted distributor, state, valid generation); state changes go
//!   through [`ticket_state`], which checks core's transition rules;
//! - [`distributors`]: `distributors` and `event_distributors` (who is
//!   selected for which event, under which policy);
//! - [`holds`]: `holds` and `hold_seats` (a buyer's held seats under a
//!   token, until an expiry);
//! - [`entries`]: `gate_units` and `gate_scans` (registered venue units and
//!   every uploaded scan once);
//! - [`transfers`]: `transfers` (a ticket's move between chips; only a
//!   pending one ends, as cancelled or completed);
//! - [`issued`]: `issued` and `revocations` (every generation of every
//!   issued ticket, at most one valid; the generations revoked and the list
//!   version that revoked them);
//! - [`members`]: `members` (a distributor's members and their chips);
//! - [`lottery`]: `lotteries` and `lottery_applications` (a distributor's
//!   lottery: the committed seed, the setup, the draw; the applications and
//!   their results);
//! - [`keys`]: `center_keys`, `center_roots` and the keys' `meta` rows
//!   (the sealed keys, the roots and their rollovers, the key set version);
//! - [`key_sets`]: `signed_key_sets` (each key set version as its root
//!   signed it);
//! - [`reissues`]: `reissues` and `card_replacements` (the re-issue
//!   history);
//! - [`credentials`]: `credentials` (bearer tokens by hash, with expiry
//!   and revocation) and `terminal_distributors`;
//! - [`terminal_challenges`]: `terminal_challenges` (a buyer's card signs
//!   one at a store terminal; each is used once);
//! - [`prints`]: `paper_prints` (each printed copy of a paper ticket);
//! - [`refunds`]: `refunds` (one per paid ticket of a cancelled event, for
//!   the distributor that sold it);
//! - [`idempotency`]: `idempotency` (the first answer to each key);
//! - [`allotment_log`]: `allotment_log` (every change of a seat's
//!   distributor: who, which request, when, from which owner to which);
//! - [`seat_maps`]: `event_seat_maps` (the venue's seat map an event was
//!   registered with, when it was).
//!
//! The other tables (issuing records,
//! keys, credentials, lotteries) are still read and written by
//! their services' own modules.

pub(crate) mod allotment_log;
pub(crate) mod credentials;
pub(crate) mod distributors;
pub(crate) mod entries;
pub(crate) mod events;
pub(crate) mod holds;
pub(crate) mod idempotency;
pub(crate) mod issued;
pub(crate) mod key_sets;
pub(crate) mod keys;
pub(crate) mod lottery;
pub(crate) mod members;
pub(crate) mod prints;
pub(crate) mod refunds;
pub(crate) mod reissues;
pub(crate) mod seat_maps;
pub(crate) mod terminal_challenges;
pub(crate) mod ticket_state;
pub(crate) mod tickets;
pub(crate) mod transfers;
