//! The `holds` and `hold_seats` tables: a distributor's seat holds for a
//! buyer, under a random token, until an expiry. A held seat's ticket row is
//! in state `held` (moved by [`crate::tables::ticket_state`]); these tables say
//! whose hold it is.

use eticket_core::ids::{DistributorId, EventId, TicketSerial};
use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// A hold as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HoldRow {
    /// The distributor whose allotment the seats are from.
    pub distributor: DistributorId,
    /// The buyer's key (a member or the distributor's reference).
    pub buyer: String,
    /// When it ends by itself.
    pub expires_at: Timestamp,
    /// The held tickets, ascending.
    pub serials: Vec<TicketSerial>,
}

/// The hold of `event` under `token`, if any.
pub(crate) fn load(tx: &mut dyn Tx, event: EventId, token: &str) -> Result<Option<HoldRow>> {
    let Some(row) = tx.query_opt(
        "SELECT distributor, buyer, expires_at FROM holds WHERE token = $1 AND event = $2",
        &[Value::text(token), Value::int(event.0)],
    )?
    else {
        return Ok(None);
    };
    let serials = tx
        .query(
            "SELECT serial FROM hold_seats WHERE token = $1 ORDER BY serial",
            &[Value::text(token)],
        )?
        .iter()
        .map(|r| r.num(0).map(TicketSerial))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(HoldRow {
        distributor: DistributorId(row.num(0)?),
        buyer: row.text(1)?.to_owned(),
        expires_at: Timestamp(row.num(2)?),
        serials,
    }))
}

/// Record a new hold (its seats follow with [`add_seat`]).
pub(crate) fn insert(
    tx: &mut dyn Tx,
    token: &str,
    event: EventId,
    hold: &HoldRow,
    created_at: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO holds (token, event, distributor, buyer, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::text(token),
            Value::int(event.0),
            Value::int(hold.distributor.0),
            Value::text(hold.buyer.clone()),
            Value::u64(created_at.0)?,
            Value::u64(hold.expires_at.0)?,
        ],
    )?;
    Ok(())
}

/// Add a seat to the hold under `token` (a seat is in at most one hold: the
/// table's key is event and serial).
pub(crate) fn add_seat(
    tx: &mut dyn Tx,
    token: &str,
    event: EventId,
    serial: TicketSerial,
) -> Result<()> {
    tx.execute(
        "INSERT INTO hold_seats (event, serial, token) VALUES ($1, $2, $3)",
        &[
            Value::int(event.0),
            Value::int(serial.0),
            Value::text(token),
        ],
    )?;
    Ok(())
}

/// Remove the hold under `token` and its seats' rows.
pub(crate) fn delete(tx: &mut dyn Tx, token: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM hold_seats WHERE token = $1",
        &[Value::text(token)],
    )?;
    tx.execute("DELETE FROM holds WHERE token = $1", &[Value::text(token)])?;
    Ok(())
}

/// Seats a buyer holds at a distributor for an event now.
pub(crate) fn seats_of_buyer(
    tx: &mut dyn Tx,
    event: EventId,
    distributor: DistributorId,
    buyer: &str,
) -> Result<u32> {
    Ok(tx
        .query_opt(
            "SELECT COUNT(*) FROM hold_seats s JOIN holds h ON h.token = s.token
             WHERE h.event = $1 AND h.distributor = $2 AND h.buyer = $3",
            &[
                Value::int(event.0),
                Value::int(distributor.0),
                Value::text(buyer),
            ],
        )?
        .map(|r| r.num(0))
        .transpose()?
        .unwrap_or(0))
}

/// How long the row of an expired hold is kept after its seats went back on
/// sale, so that confirming or releasing it is refused as expired rather
/// than as unknown: a day.
pub(crate) const EXPIRED_KEPT_SECS: u64 = 86_400;

/// Mark the hold under `token` expired: its seats' rows go, its own row
/// stays (without seats) for [`EXPIRED_KEPT_SECS`].
pub(crate) fn mark_expired(tx: &mut dyn Tx, token: &str) -> Result<()> {
    tx.execute(
        "DELETE FROM hold_seats WHERE token = $1",
        &[Value::text(token)],
    )?;
    Ok(())
}

/// Forget `event`'s holds that expired more than [`EXPIRED_KEPT_SECS`]
/// before `now`.
pub(crate) fn forget_expired(tx: &mut dyn Tx, event: EventId, now: Timestamp) -> Result<()> {
    let before = now.0.saturating_sub(EXPIRED_KEPT_SECS);
    tx.execute(
        "DELETE FROM holds WHERE event = $1 AND expires_at <= $2
         AND NOT EXISTS (SELECT 1 FROM hold_seats s WHERE s.token = holds.token)",
        &[Value::int(event.0), Value::u64(before)?],
    )?;
    Ok(())
}

/// Tokens of `event`'s holds that expired by `now` and still keep seats, in
/// order.
pub(crate) fn expired(tx: &mut dyn Tx, event: EventId, now: Timestamp) -> Result<Vec<String>> {
    tx.query(
        "SELECT token FROM holds WHERE event = $1 AND expires_at <= $2
         AND EXISTS (SELECT 1 FROM hold_seats s WHERE s.token = holds.token) ORDER BY token",
        &[Value::int(event.0), Value::u64(now.0)?],
    )?
    .iter()
    .map(|r| r.text(0).map(str::to_owned))
    .collect()
}

/// Events with a hold that expired by `now` and still keeps seats.
pub(crate) fn events_with_expired(tx: &mut dyn Tx, now: Timestamp) -> Result<Vec<EventId>> {
    tx.query(
        "SELECT DISTINCT event FROM holds WHERE expires_at <= $1
         AND EXISTS (SELECT 1 FROM hold_seats s WHERE s.token = holds.token)",
        &[Value::u64(now.0)?],
    )?
    .iter()
    .map(|r| r.num(0).map(EventId))
    .collect()
}
