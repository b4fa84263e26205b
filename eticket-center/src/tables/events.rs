//! The `events` table: one row per registered event.

use eticket_core::event::EventInfo;
use eticket_core::ids::EventId;
use eticket_core::time::Timestamp;

use crate::store::{Tx, Value};
use crate::{Error, Result};

/// A registered event as the ledger holds it.
#[derive(Debug, Clone)]
pub(crate) struct EventRow {
    /// The organizer that registered it (0: the operator).
    pub organizer: u32,
    /// Its information.
    pub info: EventInfo,
}

/// The event, or [`Error::UnknownEvent`].
pub(crate) fn load(tx: &mut dyn Tx, event: EventId) -> Result<EventRow> {
    let row = tx
        .query_opt(
            "SELECT organizer, info FROM events WHERE id = $1",
            &[Value::int(event.0)],
        )?
        .ok_or(Error::UnknownEvent(event))?;
    let info: EventInfo = serde_json::from_str(row.text(1)?)
        .map_err(|e| Error::corrupt(format!("event {event}: {e}")))?;
    Ok(EventRow {
        organizer: row.num(0)?,
        info,
    })
}

/// A page of events by id after `after`: every organizer's (`None`) or one
/// organizer's, with when each was cancelled; at most `limit`.
pub(crate) fn list(
    tx: &mut dyn Tx,
    organizer: Option<u32>,
    after: EventId,
    limit: u32,
) -> Result<Vec<(EventRow, Option<Timestamp>)>> {
    let rows = match organizer {
        Some(o) => tx.query(
            "SELECT organizer, info, cancelled_at FROM events \
             WHERE organizer = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[Value::int(o), Value::int(after.0), Value::int(limit)],
        )?,
        None => tx.query(
            "SELECT organizer, info, cancelled_at FROM events \
             WHERE id > $1 ORDER BY id LIMIT $2",
            &[Value::int(after.0), Value::int(limit)],
        )?,
    };
    rows.iter()
        .map(|row| {
            let info: EventInfo = serde_json::from_str(row.text(1)?)
                .map_err(|e| Error::corrupt(format!("an event's information: {e}")))?;
            let cancelled = row.opt_num::<u64>(2)?.map(Timestamp);
            Ok((
                EventRow {
                    organizer: row.num(0)?,
                    info,
                },
                cancelled,
            ))
        })
        .collect()
}

/// Whether the event is registered.
pub(crate) fn exists(tx: &mut dyn Tx, event: EventId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT id FROM events WHERE id = $1",
            &[Value::int(event.0)],
        )?
        .is_some())
}

/// Register an event: its information and prices as JSON text.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    event: EventId,
    organizer: u32,
    (info, prices): (&str, &str),
    now: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO events (id, organizer, info, prices, registered_at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::int(event.0),
            Value::int(organizer),
            Value::text(info),
            Value::text(prices),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(())
}

/// How many times this process changed an event's information: answers
/// made from an event's information are made again after a change
/// (`http::shared_answer`).
pub(crate) static INFO_CHANGES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Replace the event's information (a postponement's new schedule).
pub(crate) fn set_info(tx: &mut dyn Tx, event: EventId, info: &EventInfo) -> Result<()> {
    INFO_CHANGES.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    let text = serde_json::to_string(info).map_err(|e| Error::corrupt(e.to_string()))?;
    let n = tx.execute(
        "UPDATE events SET info = $2 WHERE id = $1",
        &[Value::int(event.0), Value::text(text)],
    )?;
    if n == 1 {
        Ok(())
    } else {
        Err(Error::UnknownEvent(event))
    }
}

/// The end of the window in which holders of a postponed event may ask for
/// their money back (`None`: not postponed).
pub(crate) fn refund_until(tx: &mut dyn Tx, event: EventId) -> Result<Option<Timestamp>> {
    Ok(tx
        .query_opt(
            "SELECT refund_until FROM events WHERE id = $1",
            &[Value::int(event.0)],
        )?
        .ok_or(Error::UnknownEvent(event))?
        .opt_num(0)?
        .map(Timestamp))
}

/// Set the refund window's end of a postponed event.
pub(crate) fn set_refund_until(tx: &mut dyn Tx, event: EventId, until: Timestamp) -> Result<()> {
    tx.execute(
        "UPDATE events SET refund_until = $2 WHERE id = $1",
        &[Value::int(event.0), Value::u64(until.0)?],
    )?;
    Ok(())
}

/// When the event was cancelled (`None`: it was not), or
/// [`Error::UnknownEvent`].
pub(crate) fn cancelled_at(tx: &mut dyn Tx, event: EventId) -> Result<Option<Timestamp>> {
    Ok(tx
        .query_opt(
            "SELECT cancelled_at FROM events WHERE id = $1",
            &[Value::int(event.0)],
        )?
        .ok_or(Error::UnknownEvent(event))?
        .opt_num(0)?
        .map(Timestamp))
}

/// Mark the event cancelled at `now` unless it already is; when it is.
pub(crate) fn cancel(tx: &mut dyn Tx, event: EventId, now: Timestamp) -> Result<Timestamp> {
    tx.execute(
        "UPDATE events SET cancelled_at = $2 WHERE id = $1 AND cancelled_at IS NULL",
        &[Value::int(event.0), Value::u64(now.0)?],
    )?;
    cancelled_at(tx, event)?.ok_or_else(|| Error::corrupt("a cancelled event has no time"))
}

/// The event's current revocation list version, or [`Error::UnknownEvent`].
pub(crate) fn revocation_version(tx: &mut dyn Tx, event: EventId) -> Result<u64> {
    tx.query_opt(
        "SELECT revocation_version FROM events WHERE id = $1",
        &[Value::int(event.0)],
    )?
    .ok_or(Error::UnknownEvent(event))?
    .num(0)
}

/// Move the event's revocation list to its next version; that version.
pub(crate) fn next_revocation_version(tx: &mut dyn Tx, event: EventId) -> Result<u64> {
    tx.execute(
        "UPDATE events SET revocation_version = revocation_version + 1 WHERE id = $1",
        &[Value::int(event.0)],
    )?;
    revocation_version(tx, event)
}
