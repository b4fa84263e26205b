//! The `refunds` table: one record per ticket of a cancelled event that a
//! buyer paid for, which the distributor that sold it reads to pay back.

use eticket_core::ids::{DistributorId, EventId, Generation, MemberId, TicketSerial};
use eticket_core::master::Price;
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;

use crate::store::{Tx, Value};
use crate::{Result, wire};

/// A refund record as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RefundRow {
    /// Its number in the event's refunds, from 1, in the order they were
    /// made (set by [`insert`]).
    pub seq: u64,
    /// The ticket.
    pub serial: TicketSerial,
    /// Its generation when it was revoked.
    pub generation: Generation,
    /// The distributor that sold it.
    pub distributor: DistributorId,
    /// The member it was sold to, if any.
    pub member: Option<MemberId>,
    /// Its holder.
    pub holder: Holder,
    /// What was paid (the ticket's price).
    pub price: Price,
    /// Why (`event_cancelled`).
    pub reason: String,
    /// When the record was made.
    pub created_at: Timestamp,
}

/// Store a refund record, numbered after the event's last, unless the
/// ticket has one: whether it was new.
pub(crate) fn insert(tx: &mut dyn Tx, event: EventId, r: &RefundRow) -> Result<bool> {
    let seq: u64 = tx
        .query_opt(
            "SELECT COALESCE(MAX(seq), 0) FROM refunds WHERE event = $1",
            &[Value::int(event.0)],
        )?
        .map_or(Ok(0), |r| r.num(0))?;
    let n = tx.execute(
        "INSERT INTO refunds (event, seq, serial, generation, distributor, member, holder, price, reason, created_at)
         VALUES ($1, $10, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (event, serial) DO NOTHING",
        &[
            Value::int(event.0),
            Value::int(r.serial.0),
            Value::int(r.generation.0),
            Value::int(r.distributor.0),
            Value::opt_int(r.member.map(|m| m.0)),
            Value::text(wire::holder_to_string(&r.holder)),
            Value::u64(r.price.0)?,
            Value::text(r.reason.as_str()),
            Value::u64(r.created_at.0)?,
            Value::u64(seq + 1)?,
        ],
    )?;
    Ok(n == 1)
}

/// The number of the ticket's refund record, if it has one.
pub(crate) fn seq_of(tx: &mut dyn Tx, event: EventId, serial: TicketSerial) -> Result<Option<u64>> {
    tx.query_opt(
        "SELECT seq FROM refunds WHERE event = $1 AND serial = $2",
        &[Value::int(event.0), Value::int(serial.0)],
    )?
    .map(|r| r.num(0))
    .transpose()
}

/// The event's refund records made after number `after`, in the order they
/// were made, at most `limit`; with `distributor`, only those it sold.
pub(crate) fn after(
    tx: &mut dyn Tx,
    event: EventId,
    distributor: Option<DistributorId>,
    after: u64,
    limit: usize,
) -> Result<Vec<RefundRow>> {
    let limit = Value::u64(u64::try_from(limit).unwrap_or(u64::MAX))?;
    let after = Value::u64(after)?;
    const COLUMNS: &str =
        "serial, generation, distributor, member, holder, price, reason, created_at, seq";
    let rows = match distributor {
        Some(d) => tx.query(
            &format!(
                "SELECT {COLUMNS} FROM refunds WHERE event = $1 AND distributor = $2 AND seq > $3 ORDER BY seq LIMIT $4"
            ),
            &[Value::int(event.0), Value::int(d.0), after, limit],
        )?,
        None => tx.query(
            &format!(
                "SELECT {COLUMNS} FROM refunds WHERE event = $1 AND seq > $2 ORDER BY seq LIMIT $3"
            ),
            &[Value::int(event.0), after, limit],
        )?,
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let holder = wire::parse_holder(r.text(4)?)?;
        out.push(RefundRow {
            serial: TicketSerial(r.num(0)?),
            generation: Generation(r.num(1)?),
            distributor: DistributorId(r.num(2)?),
            member: r.opt_num(3)?.map(MemberId),
            holder,
            price: Price(r.num(5)?),
            reason: r.text(6)?.to_owned(),
            created_at: Timestamp(r.num(7)?),
            seq: r.num(8)?,
        });
    }
    Ok(out)
}

/// How many refund records the event has.
pub(crate) fn count(tx: &mut dyn Tx, event: EventId) -> Result<u32> {
    tx.query_opt(
        "SELECT COUNT(*) FROM refunds WHERE event = $1",
        &[Value::int(event.0)],
    )?
    .map_or(Ok(0), |r| r.num(0))
}
