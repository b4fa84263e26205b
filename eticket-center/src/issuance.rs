//! Issuance (c1, c7, c10-13, c19-20, c29, c32-35): relate the issuing record to
//! the ticket master, sign the ticket for its holder (chip or paper) once, and
//! deliver it with the center's write grant for the holder chip's id and
//! current counter. A failed write is re-delivered with a fresh grant over the
//! same signed ticket: a ticket is never issued twice.

use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::{ChipId, EventId, Generation, KeyId, TicketSerial};
use eticket_core::master::TicketState;
use eticket_core::ticket::{Flags, Holder, SignedTicket, TicketBody};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::keys::CenterKeys;
use crate::metrics::{self, Fresh};
use crate::records::{self, RecordView};
use crate::reissue::Reason;
use crate::store::Tx;
use crate::tables::issued;
use crate::tables::ticket_state::Change;
use crate::wire;
use crate::{Error, Result};

/// The chip a delivery is for, as its reader or terminal sees it now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChipTarget {
    /// The chip's id.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// The chip's current counter.
    pub counter: u32,
    /// The slot to write or delete.
    #[serde(default)]
    pub slot: u8,
    /// The grant key ids the chip trusts, as its GET INFO reports them; the
    /// grant is signed with the newest of them the center still uses. Empty:
    /// the center's current grant key.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grant_keys: Vec<KeyId>,
}

impl ChipTarget {
    /// A chip at `counter`, slot 0, trusting the center's current grant key.
    pub fn new(chip: ChipId, counter: u32) -> Self {
        Self {
            chip,
            counter,
            slot: 0,
            grant_keys: Vec::new(),
        }
    }
}

/// A signed ticket as issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct IssuedTicket {
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// Its generation.
    pub generation: Generation,
    /// Its holder.
    #[serde(with = "wire::holder")]
    #[schemars(with = "wire::schema::HolderText")]
    pub holder: Holder,
    /// The signed bytes (chip payload or QR content).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub ticket: Vec<u8>,
    /// When it was signed.
    pub issued_at: Timestamp,
}

impl IssuedTicket {
    /// The signed ticket.
    pub fn signed(&self) -> Result<SignedTicket> {
        Ok(SignedTicket::from_bytes(&self.ticket)?)
    }
}

/// A signed grant with what it allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct GrantView {
    /// "Write" or "Delete".
    pub op: String,
    /// The chip.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// The counter it is valid at.
    pub counter: u32,
    /// The slot.
    pub slot: u8,
    /// SHA-256 of the payload, hex.
    pub payload_hash: String,
    /// Not to be used after.
    pub expires: Timestamp,
    /// The signed grant.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub grant: Vec<u8>,
}

/// A ticket with the grant to write it to its chip (none for paper, or when
/// no chip state was given).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Delivery {
    /// The ticket.
    pub ticket: IssuedTicket,
    /// The write grant.
    pub grant: Option<GrantView>,
}

/// The valid issued generation of a ticket.
pub(crate) fn valid_issued(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
) -> Result<Option<IssuedTicket>> {
    issued::valid(tx, event, serial)
}

/// Sign the ticket body for a record's ticket at `generation` for `holder`.
pub(crate) fn sign_ticket(
    keys: &CenterKeys,
    tx: &mut dyn Tx,
    record: &RecordView,
    generation: Generation,
    holder: Holder,
    now: Timestamp,
) -> Result<SignedTicket> {
    let info = crate::tables::events::load(tx, record.event)?.info;
    let s = info.schedule;
    let key = keys.ticket_key_for(record.event)?;
    keys.check_valid_until(key.id(), s.end, &format!("event {} ends", record.event))?;
    let valid_for = u32::try_from(s.end.0.saturating_sub(s.doors_open.0)).unwrap_or(u32::MAX);
    let body = TicketBody {
        event: record.event,
        serial: record.serial,
        generation,
        place: record.place,
        seat_type: record.seat_type,
        valid_from: s.doors_open,
        valid_for,
        issued_at: now,
        holder,
        distributor: record.distributor,
        flags: Flags::empty(),
    };
    Ok(body.sign(key)?)
}

impl Center {
    pub(crate) fn grant(
        &self,
        keys: &CenterKeys,
        op: GrantOp,
        target: &ChipTarget,
        payload: &[u8],
        now: Timestamp,
    ) -> Result<GrantView> {
        let grant = Grant {
            op,
            chip: target.chip,
            counter: target.counter,
            slot: target.slot,
            payload_hash: eticket_core::grant::payload_hash(payload),
            expires: now.plus(self.config.grant_ttl_secs),
        };
        let bytes = grant.sign(keys.grant_key_for(&target.grant_keys)?)?;
        Ok(GrantView {
            op: format!("{op:?}"),
            chip: grant.chip,
            counter: grant.counter,
            slot: grant.slot,
            payload_hash: hex::encode(grant.payload_hash),
            expires: grant.expires,
            grant: bytes,
        })
    }

    fn write_grant_for(
        &self,
        keys: &CenterKeys,
        ticket: &IssuedTicket,
        target: Option<&ChipTarget>,
        now: Timestamp,
    ) -> Result<Option<GrantView>> {
        let Some(target) = target else {
            return Ok(None);
        };
        match ticket.holder {
            Holder::Paper => Err(Error::PaperTicket {
                event: ticket.event,
                serial: ticket.serial,
            }),
            Holder::Chip(c) if c != target.chip => Err(Error::HolderMismatch {
                event: ticket.event,
                serial: ticket.serial,
                chip: target.chip.to_string(),
            }),
            Holder::Chip(_) => self
                .grant(keys, GrantOp::Write, target, &ticket.ticket, now)
                .map(Some),
        }
    }

    /// Issue a sold ticket: the distributor that sold it (or the operator)
    /// has the center sign it once, after its hold-until time; with a chip
    /// target, the answer carries the write grant too. Terminals cannot issue.
    pub fn issue(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        serial: TicketSerial,
        target: Option<ChipTarget>,
    ) -> Result<Delivery> {
        if !matches!(who, Principal::Distributor(_) | Principal::Operator) {
            return Err(Error::Forbidden(
                "only the selling distributor issues tickets".into(),
            ));
        }
        self.mutate(who, key, "issue", &(event, serial, &target), |tx, now| {
            self.issue_in(tx, who, event, serial, target.as_ref(), now)
                .map(Fresh::new)
        })
        .map(|delivery| delivery.counted(|_| metrics::record_issuance(1)))
    }

    /// Issue one sold ticket inside the caller's transaction (see
    /// [`issue`](Self::issue)); `who` must be its seller or the operator.
    pub(crate) fn issue_in(
        &self,
        tx: &mut dyn Tx,
        who: &Principal,
        event: EventId,
        serial: TicketSerial,
        target: Option<&ChipTarget>,
        now: Timestamp,
    ) -> Result<Delivery> {
        let record = sold_record(tx, who, event, serial)?;
        if let Some(existing) = valid_issued(tx, event, serial)? {
            return Err(Error::AlreadyIssued {
                event,
                serial,
                generation: existing.generation,
            });
        }
        record.record().may_write_at(now)?;
        let keys = self.keys_in(tx)?;
        let signed = sign_ticket(&keys, tx, &record, Generation(0), record.holder, now)?;
        self.fail_at("issue.after_sign")?;
        if !Change::ISSUE.apply(tx, event, serial, None)? {
            let t = crate::tables::tickets::load(tx, event, serial)?;
            return Err(Error::unavailable(event, &t));
        }
        issued::insert_valid(
            tx,
            event,
            serial,
            Generation(0),
            &record.holder,
            signed.as_bytes(),
            now,
        )?;
        let ticket = IssuedTicket {
            event,
            serial,
            generation: Generation(0),
            holder: record.holder,
            ticket: signed.into_bytes(),
            issued_at: now,
        };
        let grant = self.write_grant_for(&keys, &ticket, target, now)?;
        Ok(Delivery { ticket, grant })
    }

    /// Deliver the valid generation of an issued ticket again, with a fresh
    /// write grant for the chip's current counter: after a failed write, or to
    /// a store terminal. Changes nothing in the ledger.
    pub fn deliver(
        &self,
        who: &Principal,
        event: EventId,
        serial: TicketSerial,
        target: &ChipTarget,
    ) -> Result<Delivery> {
        if !matches!(
            who,
            Principal::Distributor(_) | Principal::Terminal(_) | Principal::Operator
        ) {
            return Err(Error::Forbidden(
                "only distributors and terminals deliver tickets".into(),
            ));
        }
        let now = self.now();
        // A write transaction: a ticket still signed for an event's old date
        // is re-issued for the new one before it goes to the card.
        let (ticket, keys) = crate::store::Store::transaction(self.ledger(), &mut |tx| {
            let record = sold_record(tx, who, event, serial)?;
            record.record().may_write_at(now)?;
            let ticket = self.issued_for_schedule(tx, (event, serial), who, now)?;
            Ok((ticket, self.keys_in(tx)?))
        })?;
        let grant = self.write_grant_for(&keys, &ticket, Some(target), now)?;
        Ok(Delivery { ticket, grant })
    }

    /// Print a paper ticket (c20): its signed bytes, and which copy this is.
    /// Every print is recorded. A paper ticket is a bearer ticket, so a store
    /// terminal prints only the first copy; a reprint (a lost ticket) comes
    /// from the distributor that sold it or the operator, and is a new
    /// generation: the lost copy's generation is revoked, so it no longer
    /// enters once the gates have the list. The answer is stored under the
    /// idempotency `key`, so a terminal whose answer was lost gets the same
    /// copy again instead of a refusal (and a retried reprint does not
    /// revoke the reprint).
    pub fn print_paper_ticket(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        serial: TicketSerial,
    ) -> Result<PaperPrint> {
        if !matches!(
            who,
            Principal::Distributor(_) | Principal::Terminal(_) | Principal::Operator
        ) {
            return Err(Error::Forbidden(
                "only distributors and terminals print tickets".into(),
            ));
        }
        self.mutate(who, key, "print_paper", &(event, serial), |tx, now| {
            sold_record(tx, who, event, serial)?;
            let ticket = self.issued_for_schedule(tx, (event, serial), who, now)?;
            if ticket.holder != Holder::Paper {
                return Err(Error::invalid(
                    "holder",
                    format!("ticket {serial} of event {event} is for a chip, not paper"),
                ));
            }
            // A generation made after the last print (a re-issue for a new
            // date) has not been printed: its first print is not a reprint.
            let last = crate::tables::prints::last(tx, event, serial)?;
            let reprint = last.is_some_and(|(_, at)| at >= ticket.issued_at);
            if let (Principal::Terminal(_), true, Some((_, at))) = (who, reprint, last) {
                return Err(Error::Forbidden(format!(
                    "ticket {serial} of event {event} was printed at {at}; a reprint comes from the distributor that sold it"
                )));
            }
            let copy = last.map_or(1, |(c, _)| c.saturating_add(1));
            let ticket = if reprint {
                self.reissue_in(tx, (event, serial, ticket.generation), Holder::Paper, Reason::Reprint, who, now)?
                    .ticket
            } else {
                ticket
            };
            crate::tables::prints::insert(tx, event, serial, copy, &who.label(), now)?;
            Ok(PaperPrint { ticket: ticket.clone(), copy })
        })
    }

    /// A delete grant for a chip that holds an old (transferred or revoked)
    /// generation of the ticket, so its holder's reader can remove it.
    pub fn delete_grant(
        &self,
        who: &Principal,
        event: EventId,
        serial: TicketSerial,
        target: &ChipTarget,
    ) -> Result<GrantView> {
        if !matches!(
            who,
            Principal::Distributor(_) | Principal::Terminal(_) | Principal::Operator
        ) {
            return Err(Error::Forbidden(
                "only distributors and terminals deliver grants".into(),
            ));
        }
        let now = self.now();
        let (row, current, keys) = self.read(|tx| {
            sold_record(tx, who, event, serial)?;
            let row = issued::newest_ended_of(tx, event, serial, &Holder::Chip(target.chip))?;
            let current = valid_issued(tx, event, serial)?.map(|t| t.holder);
            Ok((row, current, self.keys_in(tx)?))
        })?;
        let Some(row) = row else {
            // Said plainly when the chip is the rightful holder: it has the
            // valid generation, and only old ones are deleted.
            if current == Some(Holder::Chip(target.chip)) {
                return Err(Error::invalid(
                    "chip",
                    format!(
                        "chip {} holds the valid generation of ticket {serial} of event {event}; a delete grant is only for an old generation",
                        target.chip
                    ),
                ));
            }
            return Err(Error::HolderMismatch {
                event,
                serial,
                chip: target.chip.to_string(),
            });
        };
        let old = row;
        self.grant(&keys, GrantOp::Delete, target, &old.ticket, now)
    }

    /// The valid issued generation of a ticket, if any.
    pub fn issued_ticket(
        &self,
        event: EventId,
        serial: TicketSerial,
    ) -> Result<Option<IssuedTicket>> {
        self.read(|tx| valid_issued(tx, event, serial))
    }
}

/// A printed paper ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PaperPrint {
    /// The ticket to print.
    pub ticket: IssuedTicket,
    /// Which copy this is: 1 for the first print, more for reprints.
    pub copy: u32,
}

/// Most tickets one batch issuance may hold.
pub const MAX_BATCH: usize = 1000;

/// The tickets of a batch issuance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BatchIssued {
    /// One per serial, in request order.
    pub tickets: Vec<IssuedTicket>,
}

impl Center {
    /// Issue many sold tickets of the acting distributor in one transaction:
    /// all or none. Signatures are computed on all cores while the
    /// transaction is open; the ledger write is one commit.
    pub fn issue_batch(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        serials: &[TicketSerial],
    ) -> Result<BatchIssued> {
        if !matches!(who, Principal::Distributor(_) | Principal::Operator) {
            return Err(Error::Forbidden(
                "only the selling distributor issues tickets".into(),
            ));
        }
        if serials.is_empty() || serials.len() > MAX_BATCH {
            return Err(Error::invalid(
                "serials",
                format!("1 to {MAX_BATCH} tickets per batch"),
            ));
        }
        let mut seen = std::collections::BTreeSet::new();
        if let Some(twice) = serials.iter().find(|s| !seen.insert(**s)) {
            return Err(Error::invalid(
                "serials",
                format!("ticket {twice} appears twice in the batch"),
            ));
        }
        self.mutate(who, key, "issue_batch", &(event, serials), |tx, now| {
            let info = crate::tables::events::load(tx, event)?.info;
            let mut sold = records::load_sold(tx, event, serials)?;
            let mut records = Vec::with_capacity(serials.len());
            for &serial in serials {
                let found = sold.remove(&serial).ok_or(Error::NotIssued {
                    event,
                    serial,
                    what: "sold",
                })?;
                check_seller(tx, who, &found.record)?;
                match found.state {
                    TicketState::Authenticated => {}
                    TicketState::Issued | TicketState::Transferred | TicketState::Used => {
                        return Err(Error::AlreadyIssued {
                            event,
                            serial,
                            generation: found.generation,
                        });
                    }
                    _ => {
                        let t = crate::tables::tickets::load(tx, event, serial)?;
                        return Err(Error::unavailable(event, &t));
                    }
                }
                found.record.record().may_write_at(now)?;
                records.push(found.record);
            }
            let keys = self.keys_in(tx)?;
            let signed = sign_parallel(&keys, &info, &records, now)?;
            record_batch(tx, event, &records, &signed, now)?;
            self.fail_at("issue_batch.after_record")?;
            let tickets = records
                .iter()
                .zip(signed)
                .map(|(record, signed)| IssuedTicket {
                    event,
                    serial: record.serial,
                    generation: Generation(0),
                    holder: record.holder,
                    ticket: signed.into_bytes(),
                    issued_at: now,
                })
                .collect();
            Ok(Fresh::new(BatchIssued { tickets }))
        })
        .map(|batch| batch.counted(|b| metrics::record_issuance(b.tickets.len())))
    }
}

fn sign_parallel(
    keys: &CenterKeys,
    info: &eticket_core::event::EventInfo,
    records: &[RecordView],
    now: Timestamp,
) -> Result<Vec<SignedTicket>> {
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 8);
    let chunk = records.len().div_ceil(threads).max(1);
    let s = info.schedule;
    let key = keys.ticket_key_for(info.id)?;
    keys.check_valid_until(key.id(), s.end, &format!("event {} ends", info.id))?;
    let valid_for = u32::try_from(s.end.0.saturating_sub(s.doors_open.0)).unwrap_or(u32::MAX);
    let sign = |r: &RecordView| {
        TicketBody {
            event: r.event,
            serial: r.serial,
            generation: Generation(0),
            place: r.place,
            seat_type: r.seat_type,
            valid_from: s.doors_open,
            valid_for,
            issued_at: now,
            holder: r.holder,
            distributor: r.distributor,
            flags: Flags::empty(),
        }
        .sign(key)
        .map_err(Error::from)
    };
    let parts: Vec<Result<Vec<SignedTicket>>> = std::thread::scope(|scope| {
        let handles: Vec<_> = records
            .chunks(chunk)
            .map(|part| scope.spawn(move || part.iter().map(sign).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(Error::corrupt("a signing thread failed")))
            })
            .collect()
    });
    let mut out = Vec::with_capacity(records.len());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

/// The issuing record of a sold ticket; when `who` is a distributor, it must be
/// the one that sold it.
/// The issuing record of a sold ticket, when `who` may act on it (a
/// distributor only on the tickets it sold).
pub(crate) fn sold_record(
    tx: &mut dyn Tx,
    who: &Principal,
    event: EventId,
    serial: TicketSerial,
) -> Result<RecordView> {
    let record = records::load_record(tx, event, serial)?.ok_or(Error::NotIssued {
        event,
        serial,
        what: "sold",
    })?;
    check_seller(tx, who, &record)?;
    Ok(record)
}

/// A distributor acts only on the tickets it sold, a store terminal only on
/// those of the distributors it serves.
fn check_seller(tx: &mut dyn Tx, who: &Principal, record: &RecordView) -> Result<()> {
    match who {
        Principal::Distributor(d) if record.distributor != *d => Err(Error::NotInAllotment {
            event: record.event,
            serial: record.serial,
            distributor: *d,
        }),
        Principal::Terminal(t)
            if !crate::tables::credentials::terminal_serves(tx, *t, record.distributor)? =>
        {
            Err(Error::Forbidden(format!(
                "terminal {t} does not serve distributor {} (eticket credential --role terminal --distributor)",
                record.distributor.0
            )))
        }
        _ => Ok(()),
    }
}

/// Mark a batch issued and store the signed tickets: a few set-based
/// statements per few hundred tickets instead of two round trips per ticket
/// (what makes batch issuance fast on PostgreSQL).
fn record_batch(
    tx: &mut dyn Tx,
    event: EventId,
    records: &[RecordView],
    signed: &[SignedTicket],
    now: Timestamp,
) -> Result<()> {
    let serials: Vec<TicketSerial> = records.iter().map(|r| r.serial).collect();
    let changed = Change::ISSUE.apply_all(tx, event, &serials)?;
    if changed != serials.len() as u64 {
        return Err(Error::corrupt(format!(
            "batch issuance: {changed} of {} checked tickets could be marked issued",
            serials.len()
        )));
    }
    let rows: Vec<(TicketSerial, &Holder, &[u8])> = records
        .iter()
        .zip(signed)
        .map(|(r, t)| (r.serial, &r.holder, t.as_bytes()))
        .collect();
    issued::insert_first_generations(tx, event, &rows, now)?;
    Ok(())
}
