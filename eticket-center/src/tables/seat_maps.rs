//! The `event_seat_maps` table (schema version 16): the venue's seat map an
//! event was registered with, as eticket-alloc's JSON form. An event
//! registered from core's `EventInfo` alone has no row; the center then
//! lays its blocks out with `SeatMap::from_event`.

use eticket_core::ids::EventId;

use crate::Result;
use crate::store::{Tx, Value};

/// Keep the event's seat map (JSON text); once, at registration.
pub(crate) fn insert(tx: &mut dyn Tx, event: EventId, json: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO event_seat_maps (event, seat_map) VALUES ($1, $2)",
        &[Value::int(event.0), Value::text(json)],
    )?;
    Ok(())
}

/// The event's seat map as JSON text, `None` when it was registered
/// without one.
pub(crate) fn load(tx: &mut dyn Tx, event: EventId) -> Result<Option<String>> {
    tx.query_opt(
        "SELECT seat_map FROM event_seat_maps WHERE event = $1",
        &[Value::int(event.0)],
    )?
    .map(|row| row.text(0).map(str::to_owned))
    .transpose()
}
