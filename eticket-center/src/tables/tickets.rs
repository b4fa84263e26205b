//! The `tickets` table: the ticket master of every event, one row per
//! ticket (place, seat type, price, allotted distributor, state, valid
//! generation). State changes go through [`crate::tables::ticket_state`].

use std::collections::HashMap;

use eticket_core::ids::{DistributorId, EventId, Generation, SeatType, TicketSerial};
use eticket_core::master::{Price, TicketEntry, TicketState};
use eticket_core::ticket::Place;
use serde::{Deserialize, Serialize};

use crate::store::{Row, Tx, Value};
use crate::{Error, Result};

/// One ticket master entry as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct TicketRow {
    /// Serial.
    pub serial: TicketSerial,
    /// Seat or area.
    pub place: Place,
    /// Seat type.
    pub seat_type: SeatType,
    /// Price.
    pub price: Price,
    /// Allotted to.
    pub distributor: Option<DistributorId>,
    /// State.
    pub state: eticket_core::master::TicketState,
    /// Valid generation.
    pub generation: Generation,
}

/// The columns [`from_row`] reads, in its order.
pub(crate) const COLUMNS: &str = "serial, place, seat_type, price, distributor, state, generation";

/// A place as the ledger stores it (JSON text).
pub(crate) fn place_to_text(p: &Place) -> Result<String> {
    serde_json::to_string(p).map_err(|e| Error::corrupt(e.to_string()))
}

/// A stored place.
pub(crate) fn place_from_text(s: &str) -> Result<Place> {
    serde_json::from_str(s).map_err(|e| Error::corrupt(format!("place {s:?}: {e}")))
}

/// A row selected with [`COLUMNS`].
pub(crate) fn from_row(row: &Row) -> Result<TicketRow> {
    Ok(TicketRow {
        serial: TicketSerial(row.num(0)?),
        place: place_from_text(row.text(1)?)?,
        seat_type: SeatType(row.num(2)?),
        price: Price(row.num(3)?),
        distributor: row.opt_num(4)?.map(DistributorId),
        state: crate::tables::ticket_state::parse(row.text(5)?)?,
        generation: Generation(row.num(6)?),
    })
}

/// One ticket, or [`Error::UnknownTicket`].
pub(crate) fn load(tx: &mut dyn Tx, event: EventId, serial: TicketSerial) -> Result<TicketRow> {
    let row = tx
        .query_opt(
            &format!("SELECT {COLUMNS} FROM tickets WHERE event = $1 AND serial = $2"),
            &[Value::int(event.0), Value::int(serial.0)],
        )?
        .ok_or(Error::UnknownTicket { event, serial })?;
    from_row(&row)
}

/// The tickets of the event in any of `states`, by serial.
pub(crate) fn in_states(
    tx: &mut dyn Tx,
    event: EventId,
    states: &[eticket_core::master::TicketState],
) -> Result<Vec<TicketRow>> {
    let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.name())).collect();
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM tickets WHERE event = $1 AND state IN ({}) ORDER BY serial",
            names.join(", ")
        ),
        &[Value::int(event.0)],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// The first `limit` tickets of the event (by serial) in one of `states`.
pub(crate) fn first_in_states(
    tx: &mut dyn Tx,
    event: EventId,
    states: &[eticket_core::master::TicketState],
    limit: usize,
) -> Result<Vec<TicketRow>> {
    let names: Vec<String> = states.iter().map(|s| format!("'{}'", s.name())).collect();
    tx.query(
        &format!(
            "SELECT {COLUMNS} FROM tickets WHERE event = $1 AND state IN ({}) ORDER BY serial LIMIT $2",
            names.join(", ")
        ),
        &[
            Value::int(event.0),
            Value::u64(u64::try_from(limit).unwrap_or(u64::MAX))?,
        ],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// The available tickets of `d`'s allotment, of one seat type or all, by
/// serial; at most `limit` of them when given.
pub(crate) fn available(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
    limit: Option<u32>,
) -> Result<Vec<TicketRow>> {
    let (filter, mut params) = available_filter(event, d, seat_type);
    let limit = match limit {
        Some(n) => {
            params.push(Value::int(n));
            format!(" LIMIT ${}", params.len())
        }
        None => String::new(),
    };
    tx.query(
        &format!("SELECT {COLUMNS} FROM tickets WHERE {filter} ORDER BY serial{limit}"),
        &params,
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// How many tickets of `d`'s allotment are available (of one seat type, or
/// all).
pub(crate) fn available_count(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
) -> Result<u32> {
    let (filter, params) = available_filter(event, d, seat_type);
    tx.query_opt(
        &format!("SELECT COUNT(*) FROM tickets WHERE {filter}"),
        &params,
    )?
    .map(|r| r.num(0))
    .transpose()
    .map(|n| n.unwrap_or(0))
}

fn available_filter(
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
) -> (String, Vec<Value>) {
    let mut params = vec![Value::int(event.0), Value::int(d.0)];
    let mut filter = format!(
        "event = $1 AND distributor = $2 AND state = '{}'",
        eticket_core::master::TicketState::Available.name()
    );
    if let Some(t) = seat_type {
        params.push(Value::int(t.0));
        filter.push_str(" AND seat_type = $3");
    }
    (filter, params)
}

/// Set a ticket's valid generation (after a re-issue).
pub(crate) fn set_generation(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    generation: Generation,
) -> Result<()> {
    tx.execute(
        "UPDATE tickets SET generation = $1 WHERE event = $2 AND serial = $3",
        &[
            Value::int(generation.0),
            Value::int(event.0),
            Value::int(serial.0),
        ],
    )?;
    Ok(())
}

/// Every ticket of the event, by serial.
pub(crate) fn all(tx: &mut dyn Tx, event: EventId) -> Result<Vec<TicketRow>> {
    tx.query(
        &format!("SELECT {COLUMNS} FROM tickets WHERE event = $1 ORDER BY serial"),
        &[Value::int(event.0)],
    )?
    .iter()
    .map(from_row)
    .collect()
}

/// Write the ticket master of a newly registered event: every entry
/// unallotted, in the state core formed it in, generation 0.
pub(crate) fn insert_master(
    tx: &mut dyn Tx,
    event: EventId,
    entries: &[TicketEntry],
) -> Result<()> {
    for e in entries {
        tx.execute(
            "INSERT INTO tickets (event, serial, place, seat_type, price, distributor, state, generation)
             VALUES ($1, $2, $3, $4, $5, NULL, $6, 0)",
            &[
                Value::int(event.0),
                Value::int(e.serial.0),
                Value::text(place_to_text(&e.place)?),
                Value::int(e.seat_type.0),
                Value::u64(e.price.0)?,
                Value::text(e.state.name()),
            ],
        )?;
    }
    tx.refresh_statistics("tickets")
}

/// Each ticket's allotted distributor.
pub(crate) fn owners(
    tx: &mut dyn Tx,
    event: EventId,
) -> Result<HashMap<TicketSerial, Option<DistributorId>>> {
    let mut out = HashMap::new();
    for r in tx.query(
        "SELECT serial, distributor FROM tickets WHERE event = $1",
        &[Value::int(event.0)],
    )? {
        out.insert(TicketSerial(r.num(0)?), r.opt_num(1)?.map(DistributorId));
    }
    Ok(out)
}

/// Each ticket's serial, allotted distributor and state, without its place
/// (which never changes: see `Center::ticket_places`), so the seat-map page
/// reads 100,000 tickets without parsing 100,000 places.
#[cfg_attr(not(feature = "http"), allow(dead_code))] // the seat-map page's
pub(crate) fn owners_and_states(
    tx: &mut dyn Tx,
    event: EventId,
) -> Result<Vec<(TicketSerial, Option<DistributorId>, TicketState)>> {
    tx.query(
        "SELECT serial, distributor, state FROM tickets WHERE event = $1",
        &[Value::int(event.0)],
    )?
    .iter()
    .map(|r| {
        Ok((
            TicketSerial(r.num(0)?),
            r.opt_num(1)?.map(DistributorId),
            crate::tables::ticket_state::parse(r.text(2)?)?,
        ))
    })
    .collect()
}

/// Tickets per allotted distributor (`None`: unallotted), by distributor.
pub(crate) fn count_by_owner(
    tx: &mut dyn Tx,
    event: EventId,
) -> Result<Vec<(Option<DistributorId>, u32)>> {
    tx.query(
        "SELECT distributor, COUNT(*) FROM tickets WHERE event = $1 GROUP BY distributor ORDER BY distributor",
        &[Value::int(event.0)],
    )?
    .iter()
    .map(|r| Ok((r.opt_num(0)?.map(DistributorId), r.num(1)?)))
    .collect()
}

/// Tickets per (allotted distributor, state name).
pub(crate) fn count_by_owner_and_state(
    tx: &mut dyn Tx,
    event: EventId,
) -> Result<Vec<(Option<DistributorId>, String, u32)>> {
    tx.query(
        "SELECT distributor, state, COUNT(*) FROM tickets WHERE event = $1
         GROUP BY distributor, state ORDER BY distributor, state",
        &[Value::int(event.0)],
    )?
    .iter()
    .map(|r| {
        Ok((
            r.opt_num(0)?.map(DistributorId),
            r.text(1)?.to_owned(),
            r.num(2)?,
        ))
    })
    .collect()
}
