//! The `paper_prints` table: each copy of a paper ticket printed, by whom
//! and when (a reprint is a new generation, c32).

use eticket_core::ids::{EventId, TicketSerial};
use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// The last copy printed of a ticket and when, if any.
pub(crate) fn last(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
) -> Result<Option<(u32, Timestamp)>> {
    tx.query_opt(
        "SELECT copy, printed_at FROM paper_prints WHERE event = $1 AND serial = $2 ORDER BY copy DESC LIMIT 1",
        &[Value::int(event.0), Value::int(serial.0)],
    )?
    .map(|r| Ok((r.num::<u32>(0)?, Timestamp(r.num(1)?))))
    .transpose()
}

/// Record that copy `copy` was printed.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    copy: u32,
    by: &str,
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO paper_prints (event, serial, copy, principal, printed_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::int(copy),
            Value::text(by),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(())
}
