//! Postponing or moving an event (the organizer): a new schedule, and
//! every ticket already signed re-issued for it. The first step (idempotent
//! under its key) stores the new schedule and the end of the refund window;
//! from then on every ticket the center signs carries the new validity
//! window. Then, in transactions of [`POSTPONE_BATCH`] tickets, each valid
//! generation signed for another window is re-issued as the next
//! generation for the same holder, and the old one goes on the revocation
//! list as *replaced*: a gate tells its holder to update the card at a
//! store terminal or reader (the holder's reader fetches the new ticket
//! with a write grant, [`Center::deliver`]) or to print the new paper
//! ticket. Tickets sold and not issued yet need nothing: they are signed
//! for the new date when issued.
//!
//! A holder who does not want the new date asks the distributor that sold
//! the ticket for a refund until the window ends
//! ([`Center::refund_postponed`]): the ticket is revoked and gets a refund
//! record like a cancelled event's.
//!
//! Like a cancellation, a postponement stopped part way goes on when run
//! again: a ticket whose valid generation already has the new window is
//! not touched (the window read from the signed ticket itself).

use eticket_core::event::Schedule;
use eticket_core::ids::{EventId, TicketSerial};
use eticket_core::master::TicketState;
use eticket_core::revocation::RevocationReason;
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::reissue::Reason;
use crate::store::Store;
use crate::tables::issued::{self, IssuedStatus};
use crate::tables::refunds::{self, RefundRow};
use crate::tables::ticket_state::Change;
use crate::{Error, Result, records, tables};

/// Tickets one postponement transaction re-issues. Each is signed again
/// inside the transaction, so a batch holds the ledger's writer for its
/// signatures: on SQLite, sales of every other event wait for it. At about
/// 2.7 ms a ticket (2,675 re-issued in 7.3 s in an operator's test, where
/// sales of another event took about 1.3 s each meanwhile, with batches of
/// 500), 32 tickets hold the writer for about a tenth of a second.
pub const POSTPONE_BATCH: usize = 32;
/// The reason refund records of a postponed event carry.
pub const REASON_POSTPONED: &str = "event_postponed";

/// Body of `POST /v1/events/{event}/postpone`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Postponement {
    /// The new date and times (doors open ≤ start ≤ end).
    pub schedule: Schedule,
    /// Until when a holder may have the ticket refunded instead (at most
    /// the new doors-open time).
    pub refund_until: Timestamp,
}

/// Where a postponed event stands once a postponement call ends: the same
/// answer for every call once it is complete, so a retry (after a lost
/// connection) learns where things are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Postponed {
    /// The event.
    pub event: EventId,
    /// Its schedule now.
    pub schedule: Schedule,
    /// Until when holders may ask for a refund.
    pub refund_until: Timestamp,
    /// The event's new ticket key, when the old one was not valid over the
    /// new dates (with the root offline, sign the key set before the gates
    /// need it).
    pub new_ticket_key: Option<eticket_core::ids::KeyId>,
    /// Tickets issued (one valid generation each).
    pub issued: u32,
    /// Of those, the ones signed for the schedule now: all of them once the
    /// postponement is complete (fewer after a stop: postpone again).
    pub on_new_dates: u32,
    /// The revocation list version gates must reach to refuse the old
    /// generations.
    pub revocation_version: u64,
}

/// Where an event stands: `GET /v1/events/{event}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventStatus {
    /// The event.
    pub event: EventId,
    /// Its schedule now (after any postponement).
    pub schedule: Schedule,
    /// When it was cancelled, if it was.
    pub cancelled_at: Option<Timestamp>,
    /// For a postponed event: until when holders may ask the seller for a
    /// refund.
    pub refund_until: Option<Timestamp>,
}

/// Whether a signed ticket carries `schedule`'s validity window.
fn signed_for(ticket: &[u8], schedule: &Schedule) -> Result<bool> {
    let body = eticket_core::ticket::peek(ticket)?;
    Ok(body.valid_from == schedule.doors_open && body.valid_until() == schedule.end)
}

impl Center {
    /// Where `event` stands: its schedule now, whether it was cancelled, and
    /// the refund window of a postponement. Any role.
    pub fn event_status(&self, event: EventId) -> Result<EventStatus> {
        self.read(|tx| {
            Ok(EventStatus {
                event,
                schedule: tables::events::load(tx, event)?.info.schedule,
                cancelled_at: tables::events::cancelled_at(tx, event)?,
                refund_until: tables::events::refund_until(tx, event)?,
            })
        })
    }

    /// [`current_for_schedule`](Self::current_for_schedule), or
    /// [`Error::NotIssued`] when the ticket has no valid generation.
    pub(crate) fn issued_for_schedule(
        &self,
        tx: &mut dyn crate::store::Tx,
        (event, serial): (EventId, TicketSerial),
        who: &Principal,
        now: Timestamp,
    ) -> Result<crate::issuance::IssuedTicket> {
        self.current_for_schedule(tx, (event, serial), who, now)?
            .ok_or(Error::NotIssued {
                event,
                serial,
                what: "issued",
            })
    }

    /// In `tx`: the valid generation of a ticket, re-issued first for the
    /// event's schedule when it was signed for another (a postponement not
    /// finished yet), so nothing hands out a ticket for the old date.
    pub(crate) fn current_for_schedule(
        &self,
        tx: &mut dyn crate::store::Tx,
        (event, serial): (EventId, TicketSerial),
        who: &Principal,
        now: Timestamp,
    ) -> Result<Option<crate::issuance::IssuedTicket>> {
        let Some(ticket) = issued::valid(tx, event, serial)? else {
            return Ok(None);
        };
        let schedule = tables::events::load(tx, event)?.info.schedule;
        if signed_for(&ticket.ticket, &schedule)? {
            return Ok(Some(ticket));
        }
        let holder = ticket.holder;
        self.reissue_in(
            tx,
            (event, serial, ticket.generation),
            holder,
            Reason::Postponement,
            who,
            now,
        )
        .map(|r| Some(r.ticket))
    }

    /// Postpone or move `event` to `p.schedule` (its organizer, or the
    /// operator): see the module doc. Runs to the end; run again after a
    /// stop, it goes on where it stopped.
    pub fn postpone_event(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        p: &Postponement,
    ) -> Result<Postponed> {
        self.postpone_event_with(who, key, event, p, POSTPONE_BATCH, &mut |_| {})
    }

    /// [`Center::postpone_event`] in batches of `batch` tickets, calling
    /// `progress` after each batch with how many tickets this call has
    /// re-issued so far.
    pub fn postpone_event_with(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        p: &Postponement,
        batch: usize,
        progress: &mut dyn FnMut(u32),
    ) -> Result<Postponed> {
        let s = p.schedule;
        if !(s.doors_open <= s.start && s.start <= s.end) {
            return Err(Error::invalid(
                "schedule",
                "doors open, start and end must come in that order",
            ));
        }
        if p.refund_until > s.doors_open {
            return Err(Error::invalid(
                "refund_until",
                "the refund window ends at the latest when the doors open on the new date",
            ));
        }
        let batch = batch.clamp(1, 10_000);
        let new_key = self.mutate(who, key, "postpone_event", &(event, p), |tx, now| {
            crate::organizer::check_organizer(tx, who, event)?;
            crate::cancellation::check_open(tx, event)?;
            if s.end > now.plus(crate::organizer::MAX_EVENT_HORIZON_SECS) {
                return Err(Error::invalid(
                    "schedule",
                    "the event would end more than 10 years from now",
                ));
            }
            if s.doors_open <= now {
                return Err(Error::invalid(
                    "schedule",
                    format!(
                        "the new doors-open time {} is not in the future",
                        s.doors_open
                    ),
                ));
            }
            if p.refund_until < now {
                return Err(Error::invalid(
                    "refund_until",
                    format!(
                        "{} is past: holders would have no time to ask for a refund",
                        p.refund_until
                    ),
                ));
            }
            let mut info = tables::events::load(tx, event)?.info;
            info.schedule = s;
            info.validate()?;
            tables::events::set_info(tx, event, &info)?;
            tables::events::set_refund_until(tx, event, p.refund_until)?;
            // The event's ticket key must be valid over the new dates; a
            // new one is made when it is not (gates learn it from the next
            // key set, which an offline root signs first).
            let keys = self.keys_in(tx)?;
            let covers = keys
                .ticket_key_for(event)
                .ok()
                .and_then(|k| keys.entry(k.id()))
                .is_some_and(|e| {
                    e.not_before <= s.doors_open.min(now).minus(crate::keys::CLOCK_SKEW_SECS)
                        && e.not_after >= s.end.plus(crate::keys::EVENT_KEY_MARGIN_SECS)
                });
            if covers {
                return Ok(None);
            }
            crate::tables::keys::keep_event_keys_until(
                tx,
                event,
                s.end.plus(crate::keys::EVENT_KEY_MARGIN_SECS),
            )?;
            let id = crate::keys::add_event_key(tx, self.key_storage(), event, s, now)?;
            crate::keys::check_key_set_room(tx, self.config().max_key_set_keys)?;
            crate::keys::bump_version(tx)?;
            Ok(Some(id))
        })?;
        if new_key.is_some() {
            self.refresh_keys()?;
        }
        let mut so_far = 0u32;
        let mut after = TicketSerial(0);
        loop {
            self.fail_at("postpone.batch")?;
            let now = self.now();
            let began = std::time::Instant::now();
            let (reissued, last) = self.ledger().transaction(&mut |tx| {
                // The schedule as stored now: a later postponement wins.
                let schedule = tables::events::load(tx, event)?.info.schedule;
                let valid = issued::valid_of_event(tx, event, after, batch)?;
                let last = valid.last().map(|v| v.serial);
                let mut reissued = 0u32;
                for v in valid {
                    if signed_for(&v.ticket, &schedule)? {
                        continue;
                    }
                    let current = issued::valid(tx, event, v.serial)?.ok_or_else(|| {
                        Error::corrupt(format!("ticket {} lost its valid generation", v.serial))
                    })?;
                    self.reissue_in(
                        tx,
                        (event, v.serial, v.generation),
                        current.holder,
                        Reason::Postponement,
                        who,
                        now,
                    )?;
                    reissued += 1;
                }
                Ok((reissued, last))
            })?;
            let Some(last) = last else { break };
            after = last;
            so_far += reissued;
            progress(so_far);
            self.ledger().pause_between_batches(began.elapsed());
        }
        self.read(|tx| {
            let schedule = tables::events::load(tx, event)?.info.schedule;
            let (mut issued, mut on_new_dates) = (0u32, 0u32);
            let mut after = TicketSerial(0);
            loop {
                let page = issued::valid_of_event(tx, event, after, 5_000)?;
                let Some(last) = page.last().map(|v| v.serial) else {
                    break;
                };
                for v in &page {
                    issued += 1;
                    on_new_dates += u32::from(signed_for(&v.ticket, &schedule)?);
                }
                after = last;
            }
            Ok(Postponed {
                event,
                schedule,
                refund_until: tables::events::refund_until(tx, event)?.unwrap_or(p.refund_until),
                new_ticket_key: new_key,
                issued,
                on_new_dates,
                revocation_version: tables::events::revocation_version(tx, event)?,
            })
        })
    }

    /// A holder of a postponed event's ticket does not want the new date:
    /// the distributor that sold it (after checking the holder) has it
    /// refunded, until the refund window ends. The ticket is revoked (an
    /// issued generation goes on the revocation list) and gets a refund
    /// record (`event_postponed`) in [`Center::refunds`]. Idempotent under
    /// `key`.
    pub fn refund_postponed(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        serial: TicketSerial,
    ) -> Result<crate::cancellation::Refund> {
        let d = crate::distributor::acting_distributor(who)?;
        self.mutate(who, key, "refund_postponed", &(event, serial), |tx, now| {
            crate::cancellation::check_open(tx, event)?;
            let until = tables::events::refund_until(tx, event)?.ok_or_else(|| {
                Error::invalid(
                    "event",
                    format!("event {event} was not postponed: no refunds"),
                )
            })?;
            if now > until {
                return Err(Error::invalid(
                    "event",
                    format!("the refund window of event {event} ended at {until}"),
                ));
            }
            if refunds::seq_of(tx, event, serial)?.is_some() {
                return Err(Error::invalid(
                    "serial",
                    format!("ticket {serial} of event {event} was refunded already"),
                ));
            }
            let sold = records::load_record(tx, event, serial)?.ok_or(Error::NotIssued {
                event,
                serial,
                what: "sold",
            })?;
            if sold.distributor != d {
                return Err(Error::NotInAllotment {
                    event,
                    serial,
                    distributor: d,
                });
            }
            let t = tables::tickets::load(tx, event, serial)?;
            let generation = match t.state {
                TicketState::Authenticated => {
                    if !Change::REVOKE_SOLD.apply(tx, event, serial, None)? {
                        return Err(Error::unavailable(event, &t));
                    }
                    t.generation
                }
                TicketState::Issued => {
                    let valid = issued::valid(tx, event, serial)?.ok_or_else(|| {
                        Error::corrupt(format!("issued ticket {serial} has no valid generation"))
                    })?;
                    if !issued::end_valid(
                        tx,
                        event,
                        serial,
                        valid.generation,
                        IssuedStatus::Revoked,
                    )? || !Change::REVOKE.apply(tx, event, serial, None)?
                    {
                        return Err(Error::unavailable(event, &t));
                    }
                    crate::publish::revoke_in(
                        tx,
                        event,
                        serial,
                        valid.generation,
                        RevocationReason::Revoked,
                    )?;
                    tables::transfers::cancel_pending_of(tx, event, serial, now)?;
                    valid.generation
                }
                _ => return Err(Error::unavailable(event, &t)),
            };
            let row = RefundRow {
                seq: 0,
                serial,
                generation,
                distributor: d,
                member: sold.member,
                holder: sold.holder,
                price: t.price,
                reason: REASON_POSTPONED.to_owned(),
                created_at: now,
            };
            refunds::insert(tx, event, &row)?;
            let seq = refunds::seq_of(tx, event, serial)?
                .ok_or_else(|| Error::corrupt("a refund record just made is missing"))?;
            Ok(crate::cancellation::Refund {
                seq,
                serial,
                generation,
                distributor: d,
                member: row.member,
                holder: row.holder,
                price: row.price,
                reason: row.reason,
                created_at: now,
            })
        })
    }
}
