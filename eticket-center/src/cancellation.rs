//! Cancelling an event (the organizer): from the moment it is marked
//! cancelled, the event sells, holds, draws and allots nothing more; its
//! holds end; then, in bounded transactions of [`CANCEL_BATCH`] tickets,
//! every unsold ticket is withdrawn (available → revoked), every sold one is
//! revoked (its valid generation goes on the revocation list, so gates that
//! sync refuse it, and a pending transfer of it ends) and gets one refund
//! record (price, the distributor that sold it, member, holder) that the
//! distributor reads to pay its buyer back. Tickets already used at a gate
//! stay used.
//!
//! Cancelling is idempotent and resumable: a crash between batches leaves
//! the event cancelled with some tickets done, and cancelling again goes on
//! from there; a ticket gets at most one refund record and one revocation
//! (the state moves by compare and set; refunds have the ticket as key).

use eticket_core::ids::{DistributorId, EventId, Generation, MemberId, TicketSerial};
use eticket_core::master::{Price, TicketState};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::store::{Store, Tx};
use crate::tables::issued::{self, IssuedStatus};
use crate::tables::refunds::{self, RefundRow};
use crate::tables::ticket_state::Change;
use crate::{Error, Result, records, tables, wire};

/// Tickets one cancellation transaction handles.
pub const CANCEL_BATCH: usize = 1_000;
/// Most refund records one read returns; page on with `after`.
pub const MAX_REFUNDS: usize = 1_000;
/// The reason refund records of a cancelled event carry.
pub const REASON_CANCELLED: &str = "event_cancelled";

/// Where a cancelled event stands once a cancellation call ends: the same
/// answer for every call once it is complete, so a retry (after a lost
/// connection) learns what the first call did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Cancellation {
    /// The event.
    pub event: EventId,
    /// When it was cancelled (the first call).
    pub cancelled_at: Timestamp,
    /// Tickets the event has.
    pub tickets: u32,
    /// Tickets revoked now: withdrawn unsold, revoked sold, and any revoked
    /// before.
    pub revoked: u32,
    /// Tickets admitted at a gate before the cancellation (they stay used).
    pub used: u32,
    /// Refund records the event has in all.
    pub refunds: u32,
    /// The revocation list version gates must reach to refuse them all.
    pub revocation_version: u64,
    /// Whether every ticket is revoked or used (false after a stop: cancel
    /// again).
    pub complete: bool,
}

/// One ticket to pay back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refund {
    /// Its number in the event's refunds, in the order they were made: read
    /// on with `?after=` the last one seen.
    pub seq: u64,
    /// The ticket.
    pub serial: TicketSerial,
    /// Its generation when it was revoked.
    pub generation: Generation,
    /// The distributor that sold it (and pays it back).
    pub distributor: DistributorId,
    /// The member it was sold to, if any.
    pub member: Option<MemberId>,
    /// Its holder.
    #[serde(with = "wire::holder")]
    #[schemars(with = "wire::schema::HolderText")]
    pub holder: Holder,
    /// What the buyer paid (the ticket's price, minor currency unit).
    pub price: Price,
    /// Why: `event_cancelled` (the event was cancelled) or
    /// `event_postponed` (the holder did not want the new date).
    pub reason: String,
    /// When the record was made.
    pub created_at: Timestamp,
}

/// A page of refund records, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Refunds {
    /// The event.
    pub event: EventId,
    /// The records made after the number asked for, in the order they were
    /// made, at most [`MAX_REFUNDS`].
    pub refunds: Vec<Refund>,
    /// Whether more follow (ask again with the last `seq` as `after`).
    pub more: bool,
}

/// Refuse with [`Error::EventCancelled`] when `event` is cancelled.
pub(crate) fn check_open(tx: &mut dyn Tx, event: EventId) -> Result<()> {
    match tables::events::cancelled_at(tx, event)? {
        Some(at) => Err(Error::EventCancelled { event, at }),
        None => Ok(()),
    }
}

/// One batch: withdraw or revoke up to `limit` tickets of the cancelled
/// event; how many of each.
fn cancel_batch(
    tx: &mut dyn Tx,
    event: EventId,
    limit: usize,
    now: Timestamp,
) -> Result<(u32, u32)> {
    // A hold that began before the cancellation committed is ended here.
    crate::holds::end_all_in(tx, event)?;
    let tickets = tables::tickets::first_in_states(
        tx,
        event,
        &[
            TicketState::Available,
            TicketState::Authenticated,
            TicketState::Issued,
        ],
        limit,
    )?;
    if tickets.is_empty() {
        return Ok((0, 0));
    }
    let sold_serials: Vec<TicketSerial> = tickets
        .iter()
        .filter(|t| t.state != TicketState::Available)
        .map(|t| t.serial)
        .collect();
    let mut sold = records::load_sold(tx, event, &sold_serials)?;
    let version = if tickets.iter().any(|t| t.state == TicketState::Issued) {
        Some(tables::events::next_revocation_version(tx, event)?)
    } else {
        None
    };
    let (mut withdrawn, mut revoked) = (0u32, 0u32);
    let moved_away = |serial: TicketSerial| {
        Error::corrupt(format!(
            "ticket {serial} of event {event} changed state while it was cancelled"
        ))
    };
    for t in &tickets {
        let serial = t.serial;
        if t.state == TicketState::Available {
            if !Change::WITHDRAW.apply(tx, event, serial, None)? {
                return Err(moved_away(serial));
            }
            withdrawn += 1;
            continue;
        }
        let record = sold
            .remove(&serial)
            .ok_or_else(|| {
                Error::corrupt(format!(
                    "sold ticket {serial} of event {event} has no issuing record"
                ))
            })?
            .record;
        let mut generation = t.generation;
        if t.state == TicketState::Issued {
            let valid = issued::valid(tx, event, serial)?.ok_or_else(|| {
                Error::corrupt(format!(
                    "issued ticket {serial} of event {event} has no valid generation"
                ))
            })?;
            generation = valid.generation;
            if !issued::end_valid(tx, event, serial, generation, IssuedStatus::Revoked)?
                || !Change::REVOKE.apply(tx, event, serial, None)?
            {
                return Err(moved_away(serial));
            }
            let version = version.ok_or_else(|| Error::corrupt("no revocation version"))?;
            let why = eticket_core::revocation::RevocationReason::EventCancelled;
            issued::insert_revocation(tx, event, (serial, generation, why), version)?;
            tables::transfers::cancel_pending_of(tx, event, serial, now)?;
        } else if !Change::REVOKE_SOLD.apply(tx, event, serial, None)? {
            return Err(moved_away(serial));
        }
        refunds::insert(
            tx,
            event,
            &RefundRow {
                seq: 0,
                serial,
                generation,
                distributor: record.distributor,
                member: record.member,
                holder: record.holder,
                price: t.price,
                reason: REASON_CANCELLED.to_owned(),
                created_at: now,
            },
        )?;
        revoked += 1;
    }
    Ok((withdrawn, revoked))
}

impl Center {
    /// Cancel `event` (its organizer, or the operator): see the module doc.
    /// Runs to the end in transactions of [`CANCEL_BATCH`] tickets; called
    /// again (after a crash, or to be sure) it goes on where it stopped and
    /// changes nothing once done.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_center::organizer::EventRegistration;
    /// # use eticket_core::fixtures;
    /// let center = Center::open_in_memory()?;
    /// let org = Principal::Organizer(1);
    /// let reg = EventRegistration { info: fixtures::small_event(), prices: fixtures::prices(), seat_map: None };
    /// center.register_event(&org, "reg", &reg)?;
    /// let done = center.cancel_event(&org, "cancel-1", fixtures::EVENT)?;
    /// assert_eq!((done.revoked, done.refunds, done.complete), (130, 0, true));
    /// // Again: nothing more to do, the same answer.
    /// assert_eq!(center.cancel_event(&org, "cancel-2", fixtures::EVENT)?, done);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn cancel_event(&self, who: &Principal, key: &str, event: EventId) -> Result<Cancellation> {
        self.cancel_event_with(who, key, event, CANCEL_BATCH, &mut |_| {})
    }

    /// [`Center::cancel_event`] in batches of `batch` tickets, calling
    /// `progress` after each batch with how many tickets this call has
    /// withdrawn or revoked so far.
    pub fn cancel_event_with(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        batch: usize,
        progress: &mut dyn FnMut(u32),
    ) -> Result<Cancellation> {
        let batch = batch.clamp(1, 100_000);
        let cancelled_at = self.mutate(who, key, "cancel_event", &event, |tx, now| {
            crate::organizer::check_organizer(tx, who, event)?;
            let at = tables::events::cancel(tx, event, now)?;
            crate::holds::end_all_in(tx, event)?;
            Ok(at)
        })?;
        let mut so_far = 0u32;
        loop {
            self.fail_at("cancel.batch")?;
            let now = self.now();
            let began = std::time::Instant::now();
            let (withdrawn, revoked) = self
                .ledger()
                .transaction(&mut |tx| cancel_batch(tx, event, batch, now))?;
            if withdrawn == 0 && revoked == 0 {
                break;
            }
            so_far += withdrawn + revoked;
            progress(so_far);
            self.ledger().pause_between_batches(began.elapsed());
        }
        self.read(|tx| {
            let (mut tickets, mut revoked, mut used) = (0u32, 0u32, 0u32);
            for (_, state, n) in tables::tickets::count_by_owner_and_state(tx, event)? {
                tickets += n;
                match tables::ticket_state::parse(&state)? {
                    TicketState::Revoked => revoked += n,
                    TicketState::Used => used += n,
                    _ => {}
                }
            }
            Ok(Cancellation {
                event,
                cancelled_at,
                tickets,
                revoked,
                used,
                refunds: refunds::count(tx, event)?,
                revocation_version: tables::events::revocation_version(tx, event)?,
                complete: revoked + used == tickets,
            })
        })
    }

    /// The refund records of a cancelled or postponed event made after
    /// record `after` (0: from the start), in the order they were made, at
    /// most [`MAX_REFUNDS`]: a record made later is always on a later page.
    /// A distributor reads the ones it sold; the event's organizer and the
    /// operator read all.
    pub fn refunds(&self, who: &Principal, event: EventId, after: u64) -> Result<Refunds> {
        self.read(|tx| {
            let only = match who {
                Principal::Distributor(d) => {
                    tables::events::load(tx, event)?;
                    Some(*d)
                }
                Principal::Organizer(_) | Principal::Operator => {
                    crate::organizer::check_organizer(tx, who, event)?;
                    None
                }
                _ => {
                    return Err(Error::Forbidden(
                        "refunds are read by the distributors that sold the tickets and the event's organizer".into(),
                    ));
                }
            };
            let mut rows = refunds::after(tx, event, only, after, MAX_REFUNDS + 1)?;
            let more = rows.len() > MAX_REFUNDS;
            rows.truncate(MAX_REFUNDS);
            Ok(Refunds {
                event,
                refunds: rows
                    .into_iter()
                    .map(|r| Refund {
                        seq: r.seq,
                        serial: r.serial,
                        generation: r.generation,
                        distributor: r.distributor,
                        member: r.member,
                        holder: r.holder,
                        price: r.price,
                        reason: r.reason,
                        created_at: r.created_at,
                    })
                    .collect(),
                more,
            })
        })
    }
}
