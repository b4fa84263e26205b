//! The `allotment_log` table: every change of a seat's distributor, one
//! row per (owner before, owner after) pair of one operation, numbered per
//! event from 1, with the tickets as serial ranges (`1-40,43`).

use std::collections::HashSet;

use eticket_core::ids::{DistributorId, EventId, TicketSerial};
use eticket_core::time::Timestamp;

use crate::store::{Tx, Value};
use crate::{Error, Result};

/// One row of the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LogRow {
    /// Its number in the event's log.
    pub id: u64,
    /// When.
    pub at: Timestamp,
    /// The principal's label.
    pub principal: String,
    /// The request's idempotency key (none before schema 10).
    pub request: Option<String>,
    /// The operation.
    pub operation: String,
    /// The owner before.
    pub from: Option<DistributorId>,
    /// The owner after.
    pub to: Option<DistributorId>,
    /// How many tickets.
    pub tickets: u32,
    /// Their serials as ranges.
    pub serials: String,
}

/// The number of the event's last entry (0: none yet): the allotment
/// version a caller saw.
pub(crate) fn last_id(tx: &mut dyn Tx, event: EventId) -> Result<u64> {
    tx.query_opt(
        "SELECT COALESCE(MAX(id), 0) FROM allotment_log WHERE event = $1",
        &[Value::int(event.0)],
    )?
    .ok_or_else(|| Error::corrupt("MAX returned no row"))?
    .num(0)
}

/// Append a row (its `id` must be the next number).
pub(crate) fn insert(tx: &mut dyn Tx, event: EventId, row: &LogRow) -> Result<()> {
    tx.execute(
        "INSERT INTO allotment_log (event, id, at, principal, request, operation, from_distributor, to_distributor, tickets, serials)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        &[
            Value::int(event.0),
            Value::u64(row.id)?,
            Value::u64(row.at.0)?,
            Value::text(row.principal.as_str()),
            row.request.as_deref().map_or(Value::Null, Value::text),
            Value::text(row.operation.as_str()),
            Value::opt_int(row.from.map(|d| d.0)),
            Value::opt_int(row.to.map(|d| d.0)),
            Value::int(row.tickets),
            Value::text(row.serials.as_str()),
        ],
    )?;
    Ok(())
}

/// The event's rows after `after`, oldest first, at most `limit`.
pub(crate) fn after(
    tx: &mut dyn Tx,
    event: EventId,
    after: u64,
    limit: usize,
) -> Result<Vec<LogRow>> {
    let rows = tx.query(
        "SELECT id, at, principal, request, operation, from_distributor, to_distributor, tickets, serials
         FROM allotment_log WHERE event = $1 AND id > $2 ORDER BY id LIMIT $3",
        &[
            Value::int(event.0),
            Value::u64(after)?,
            Value::u64(u64::try_from(limit).unwrap_or(u64::MAX))?,
        ],
    )?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        out.push(LogRow {
            id: r.num(0)?,
            at: Timestamp(r.num(1)?),
            principal: r.text(2)?.to_owned(),
            request: r.opt_text(3)?.map(str::to_owned),
            operation: r.text(4)?.to_owned(),
            from: r.opt_num(5)?.map(DistributorId),
            to: r.opt_num(6)?.map(DistributorId),
            tickets: r.num(7)?,
            serials: r.text(8)?.to_owned(),
        });
    }
    Ok(out)
}

/// Every ticket whose owner changed after entry `after`.
pub(crate) fn changed_since(
    tx: &mut dyn Tx,
    event: EventId,
    after: u64,
) -> Result<HashSet<TicketSerial>> {
    let rows = tx.query(
        "SELECT serials FROM allotment_log WHERE event = $1 AND id > $2",
        &[Value::int(event.0), Value::u64(after)?],
    )?;
    let mut out = HashSet::new();
    for r in &rows {
        parse_ranges(r.text(0)?, &mut out)?;
    }
    Ok(out)
}

/// Most tickets [`changed_since`] reads: more than any event has.
const MAX_CHANGED: usize = 16_000_000;

/// Read `1-3,7` into the set (the log writes only ascending ranges of
/// serials that exist, so a range is at most an event's size).
pub(crate) fn parse_ranges(text: &str, out: &mut HashSet<TicketSerial>) -> Result<()> {
    let bad = || Error::corrupt(format!("allotment log serials {text:?}"));
    for part in text.split(',').filter(|p| !p.is_empty()) {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let a: u32 = a.parse().map_err(|_| bad())?;
        let b: u32 = b.parse().map_err(|_| bad())?;
        if b < a || (b - a) as usize >= MAX_CHANGED - out.len().min(MAX_CHANGED) {
            return Err(bad());
        }
        out.extend((a..=b).map(TicketSerial));
    }
    Ok(())
}
