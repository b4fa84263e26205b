//! The `issued` and `revocations` tables: every generation of every issued
//! ticket (who holds it, the signed bytes, whether it is still valid), and
//! the generations revoked with the list version that revoked them.
//!
//! A ticket has at most one valid generation. A generation is valid from
//! its insert until it ends as revoked or transferred ([`end_valid`] is
//! compare and set on `valid`); an ended generation never becomes valid
//! again.

use eticket_core::ids::{EventId, Generation, TicketSerial};
use eticket_core::revocation::Revoked;
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;

use crate::issuance::IssuedTicket;
use crate::store::{Row, Tx, Value};
use crate::{Error, Result, wire};
use eticket_core::revocation::RevocationReason;

/// Where an issued generation is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssuedStatus {
    /// The ticket's current generation: gates admit it.
    Valid,
    /// Revoked (by the organizer, a reprint, a re-issue, a card replacement).
    Revoked,
    /// Replaced by the assignee's generation in a transfer.
    Transferred,
}

impl IssuedStatus {
    /// The name stored.
    pub(crate) fn name(self) -> &'static str {
        match self {
            IssuedStatus::Valid => "valid",
            IssuedStatus::Revoked => "revoked",
            IssuedStatus::Transferred => "transferred",
        }
    }
}

const COLUMNS: &str = "generation, holder, ticket, issued_at";

fn from_row(event: EventId, serial: TicketSerial, row: &Row) -> Result<IssuedTicket> {
    Ok(IssuedTicket {
        event,
        serial,
        generation: Generation(row.num(0)?),
        holder: wire::parse_holder(row.text(1)?)?,
        ticket: row.blob(2)?.to_vec(),
        issued_at: Timestamp(row.num(3)?),
    })
}

fn one(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    filter: &str,
    extra: Value,
) -> Result<Option<IssuedTicket>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM issued WHERE event = $1 AND serial = $2 AND {filter}"),
        &[Value::int(event.0), Value::int(serial.0), extra],
    )?
    .map(|r| from_row(event, serial, &r))
    .transpose()
}

/// The valid generation of a ticket, if any.
pub(crate) fn valid(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
) -> Result<Option<IssuedTicket>> {
    one(
        tx,
        event,
        serial,
        "status = $3",
        Value::text(IssuedStatus::Valid.name()),
    )
}

/// One generation of a ticket, whatever its status.
pub(crate) fn generation(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    generation: Generation,
) -> Result<Option<IssuedTicket>> {
    one(
        tx,
        event,
        serial,
        "generation = $3",
        Value::int(generation.0),
    )
}

/// The newest ended generation of a ticket that `holder` held.
pub(crate) fn newest_ended_of(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    holder: &Holder,
) -> Result<Option<IssuedTicket>> {
    tx.query_opt(
        &format!(
            "SELECT {COLUMNS} FROM issued
             WHERE event = $1 AND serial = $2 AND holder = $3 AND status <> '{}'
             ORDER BY generation DESC LIMIT 1",
            IssuedStatus::Valid.name()
        ),
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::text(wire::holder_to_string(holder)),
        ],
    )?
    .map(|r| from_row(event, serial, &r))
    .transpose()
}

/// Insert a valid generation.
pub(crate) fn insert_valid(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    generation: Generation,
    holder: &Holder,
    ticket: &[u8],
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO issued (event, serial, generation, holder, ticket, issued_at, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::int(generation.0),
            Value::text(wire::holder_to_string(holder)),
            Value::Blob(ticket.to_vec()),
            Value::u64(now.0)?,
            Value::text(IssuedStatus::Valid.name()),
        ],
    )?;
    Ok(())
}

/// Insert the first generation (0) of many tickets of `event`, valid, in
/// as few statements as the parameter limit allows.
pub(crate) fn insert_first_generations(
    tx: &mut dyn Tx,
    event: EventId,
    tickets: &[(TicketSerial, &Holder, &[u8])],
    now: Timestamp,
) -> Result<()> {
    const PER_ROW: usize = 3;
    for chunk in tickets.chunks(crate::records::MAX_PARAMS / PER_ROW) {
        let mut params = Vec::with_capacity(chunk.len() * PER_ROW + 3);
        params.push(Value::int(event.0));
        params.push(Value::u64(now.0)?);
        params.push(Value::text(IssuedStatus::Valid.name()));
        let mut values = String::with_capacity(chunk.len() * 40);
        for (i, (serial, holder, ticket)) in chunk.iter().enumerate() {
            let base = 4 + i * PER_ROW;
            if i > 0 {
                values.push_str(", ");
            }
            values.push_str(&format!(
                "($1, ${}, 0, ${}, ${}, $2, $3)",
                base,
                base + 1,
                base + 2
            ));
            params.push(Value::int(serial.0));
            params.push(Value::text(wire::holder_to_string(holder)));
            params.push(Value::Blob(ticket.to_vec()));
        }
        tx.execute(
            &format!(
                "INSERT INTO issued (event, serial, generation, holder, ticket, issued_at, status) VALUES {values}"
            ),
            &params,
        )?;
    }
    Ok(())
}

/// End a valid generation as `to` (revoked or transferred): whether it was
/// still valid.
pub(crate) fn end_valid(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    generation: Generation,
    to: IssuedStatus,
) -> Result<bool> {
    if to == IssuedStatus::Valid {
        return Err(Error::corrupt("an ended generation cannot become valid"));
    }
    let n = tx.execute(
        "UPDATE issued SET status = $4 WHERE event = $1 AND serial = $2 AND generation = $3 AND status = $5",
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::int(generation.0),
            Value::text(to.name()),
            Value::text(IssuedStatus::Valid.name()),
        ],
    )?;
    Ok(n == 1)
}

/// A valid generation anywhere in the ledger, with its signed bytes.
pub(crate) struct ValidGeneration {
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// Its valid generation.
    pub generation: Generation,
    /// The signed ticket.
    pub ticket: Vec<u8>,
}

/// Every valid generation of every event, by event and serial; with
/// `holder`, only that holder's.
pub(crate) fn all_valid(tx: &mut dyn Tx, holder: Option<&Holder>) -> Result<Vec<ValidGeneration>> {
    let valid = Value::text(IssuedStatus::Valid.name());
    let rows = match holder {
        None => tx.query(
            "SELECT event, serial, generation, ticket FROM issued WHERE status = $1 ORDER BY event, serial",
            &[valid],
        )?,
        Some(h) => tx.query(
            "SELECT event, serial, generation, ticket FROM issued WHERE status = $1 AND holder = $2 ORDER BY event, serial",
            &[valid, Value::text(wire::holder_to_string(h))],
        )?,
    };
    rows.iter()
        .map(|r| {
            Ok(ValidGeneration {
                event: EventId(r.num(0)?),
                serial: TicketSerial(r.num(1)?),
                generation: Generation(r.num(2)?),
                ticket: r.blob(3)?.to_vec(),
            })
        })
        .collect()
}

/// The valid generations of `event` with serial above `after`, by serial,
/// at most `limit`.
pub(crate) fn valid_of_event(
    tx: &mut dyn Tx,
    event: EventId,
    after: TicketSerial,
    limit: usize,
) -> Result<Vec<ValidGeneration>> {
    tx.query(
        "SELECT event, serial, generation, ticket FROM issued WHERE event = $1 AND status = $2 AND serial > $3 ORDER BY serial LIMIT $4",
        &[
            Value::int(event.0),
            Value::text(IssuedStatus::Valid.name()),
            Value::int(after.0),
            Value::u64(u64::try_from(limit).unwrap_or(u64::MAX))?,
        ],
    )?
    .iter()
    .map(|r| {
        Ok(ValidGeneration {
            event: EventId(r.num(0)?),
            serial: TicketSerial(r.num(1)?),
            generation: Generation(r.num(2)?),
            ticket: r.blob(3)?.to_vec(),
        })
    })
    .collect()
}

/// How many tickets of `event` have a valid generation.
pub(crate) fn count_valid(tx: &mut dyn Tx, event: EventId) -> Result<u32> {
    Ok(tx
        .query_opt(
            "SELECT COUNT(*) FROM issued WHERE event = $1 AND status = $2",
            &[Value::int(event.0), Value::text(IssuedStatus::Valid.name())],
        )?
        .map(|r| r.num(0))
        .transpose()?
        .unwrap_or(0))
}

/// A revocation reason as the ledger stores it.
fn reason_name(r: RevocationReason) -> &'static str {
    match r {
        RevocationReason::Revoked => "revoked",
        RevocationReason::Replaced => "replaced",
        RevocationReason::Transferred => "transferred",
        RevocationReason::EventCancelled => "event_cancelled",
    }
}

/// A stored revocation reason (NULL, from before schema 12: revoked).
fn parse_reason(name: Option<&str>) -> Result<RevocationReason> {
    Ok(match name {
        None | Some("revoked") => RevocationReason::Revoked,
        Some("replaced") => RevocationReason::Replaced,
        Some("transferred") => RevocationReason::Transferred,
        Some("event_cancelled") => RevocationReason::EventCancelled,
        Some(other) => {
            return Err(Error::corrupt(format!(
                "revocations.reason {other:?} is not a revocation reason"
            )));
        }
    })
}

/// Record that `version` of the event's list revokes this generation, and
/// why.
pub(crate) fn insert_revocation(
    tx: &mut dyn Tx,
    event: EventId,
    (serial, generation, reason): (TicketSerial, Generation, RevocationReason),
    version: u64,
) -> Result<()> {
    tx.execute(
        "INSERT INTO revocations (event, serial, generation, version, reason) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::int(generation.0),
            Value::u64(version)?,
            Value::text(reason_name(reason)),
        ],
    )?;
    Ok(())
}

/// The list version that revoked this generation, if any.
pub(crate) fn revoked_in(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    generation: Generation,
) -> Result<Option<u64>> {
    tx.query_opt(
        "SELECT version FROM revocations WHERE event = $1 AND serial = $2 AND generation = $3",
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::int(generation.0),
        ],
    )?
    .map(|r| r.num(0))
    .transpose()
}

/// The generations of `event` revoked after list version `since`, by
/// serial and generation.
pub(crate) fn revoked_since(tx: &mut dyn Tx, event: EventId, since: u64) -> Result<Vec<Revoked>> {
    tx.query(
        "SELECT serial, generation, reason FROM revocations WHERE event = $1 AND version > $2 ORDER BY serial, generation",
        &[Value::int(event.0), Value::u64(since)?],
    )?
    .iter()
    .map(|r| {
        Ok(Revoked {
            serial: TicketSerial(r.num(0)?),
            generation: Generation(r.num(1)?),
            reason: parse_reason(r.opt_text(2)?)?,
        })
    })
    .collect()
}
