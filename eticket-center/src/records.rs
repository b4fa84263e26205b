//! The `issuing_records` table and the decisions behind its rows: who was
//! sold which ticket by which distributor, for whom (the other tables are
//! `tables`').

use std::collections::BTreeMap;

use eticket_core::ids::{DistributorId, EventId, Generation, MemberId, SeatType, TicketSerial};
use eticket_core::issuing::IssuingRecord;
use eticket_core::master::{Price, TicketState};
use eticket_core::ticket::{Holder, Place};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::{Row, Tx, Value};
use crate::tables::ticket_state::Change;
use crate::tables::tickets::{TicketRow, load as load_ticket, place_from_text};
use crate::wire;
use crate::{Error, Result};

/// An issuing record in its JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RecordView {
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// Seat or area.
    pub place: Place,
    /// Seat type.
    pub seat_type: SeatType,
    /// Who decided.
    pub distributor: DistributorId,
    /// For which member.
    pub member: Option<MemberId>,
    /// The holder.
    #[serde(with = "wire::holder")]
    #[schemars(with = "wire::schema::HolderText")]
    pub holder: Holder,
    /// When.
    pub decided_at: Timestamp,
    /// Not written before.
    pub hold_until: Option<Timestamp>,
}

impl RecordView {
    /// The core issuing record.
    pub fn record(&self) -> IssuingRecord {
        IssuingRecord {
            event: self.event,
            serial: self.serial,
            distributor: self.distributor,
            member: self.member,
            holder: self.holder,
            decided_at: self.decided_at,
            hold_until: self.hold_until,
        }
    }
}

const RECORD_SELECT: &str =
    "SELECT r.serial, r.distributor, r.member, r.holder, r.decided_at, r.hold_until,
        t.place, t.seat_type, t.state, t.generation
     FROM issuing_records r JOIN tickets t ON t.event = r.event AND t.serial = r.serial
     WHERE r.event = $1";

/// An issuing record with its ticket's current state.
#[derive(Debug, Clone)]
pub(crate) struct SoldTicket {
    pub record: RecordView,
    pub state: TicketState,
    pub generation: Generation,
}

fn sold_from_row(event: EventId, row: &Row) -> Result<SoldTicket> {
    Ok(SoldTicket {
        record: RecordView {
            event,
            serial: TicketSerial(row.num(0)?),
            distributor: DistributorId(row.num(1)?),
            member: row.opt_num(2)?.map(MemberId),
            holder: wire::parse_holder(row.text(3)?)?,
            decided_at: Timestamp(row.num(4)?),
            hold_until: row.opt_num(5)?.map(Timestamp),
            place: place_from_text(row.text(6)?)?,
            seat_type: SeatType(row.num(7)?),
        },
        state: crate::tables::ticket_state::parse(row.text(8)?)?,
        generation: Generation(row.num(9)?),
    })
}

pub(crate) fn load_record(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
) -> Result<Option<RecordView>> {
    tx.query_opt(
        &format!("{RECORD_SELECT} AND r.serial = $2"),
        &[Value::int(event.0), Value::int(serial.0)],
    )?
    .map(|row| sold_from_row(event, &row).map(|s| s.record))
    .transpose()
}

/// Whose sales [`count_sold`] counts.
pub(crate) enum SoldTo<'a> {
    /// A member's, whatever chip or paper they went to.
    Member(MemberId),
    /// Those to a holder (a chip, or paper).
    Holder(&'a Holder),
}

/// How many tickets of `event` distributor `d` has sold to the buyer.
pub(crate) fn count_sold(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    to: SoldTo<'_>,
) -> Result<u32> {
    let (column, value) = match to {
        SoldTo::Member(m) => ("member", Value::int(m.0)),
        SoldTo::Holder(h) => ("holder", Value::text(wire::holder_to_string(h))),
    };
    tx.query_opt(
        &format!(
            "SELECT COUNT(*) FROM issuing_records WHERE event = $1 AND distributor = $2 AND {column} = $3"
        ),
        &[Value::int(event.0), Value::int(d.0), value],
    )?
    .map(|r| r.num(0))
    .transpose()
    .map(|n| n.unwrap_or(0))
}

/// Rows one statement of a batch of sales writes (the rest of a batch in
/// one more statement): a batch statement has one shape per size up to
/// this, which the ledgers' statement caches keep prepared.
pub(crate) const BATCH_ROWS: usize = 64;

/// Most values bound to one statement by the set-based batch queries: far
/// below SQLite's (32,766) and PostgreSQL's (65,535) limits.
pub(crate) const MAX_PARAMS: usize = 500;

/// `$first, $first+1, …` for `n` parameters.
pub(crate) fn placeholders(first: usize, n: usize) -> String {
    let mut out = String::with_capacity(n * 6);
    for i in 0..n {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('$');
        out.push_str(&(first + i).to_string());
    }
    out
}

/// Insert the issuing records of many decisions at once: what [`decide`]
/// inserts for each, the tickets' states moved by the caller.
pub(crate) fn insert_records(tx: &mut dyn Tx, records: &[RecordView]) -> Result<()> {
    const PER_ROW: usize = 7;
    for chunk in records.chunks(BATCH_ROWS) {
        let mut params = Vec::with_capacity(chunk.len() * PER_ROW);
        let mut values = String::with_capacity(chunk.len() * 40);
        for (i, r) in chunk.iter().enumerate() {
            let base = 1 + i * PER_ROW;
            if i > 0 {
                values.push_str(", ");
            }
            values.push('(');
            values.push_str(&placeholders(base, PER_ROW));
            values.push(')');
            params.extend([
                Value::int(r.event.0),
                Value::int(r.serial.0),
                Value::int(r.distributor.0),
                Value::opt_int(r.member.map(|m| m.0)),
                Value::text(wire::holder_to_string(&r.holder)),
                Value::u64(r.decided_at.0)?,
                match r.hold_until {
                    Some(t) => Value::u64(t.0)?,
                    None => Value::Null,
                },
            ]);
        }
        tx.execute(
            &format!(
                "INSERT INTO issuing_records (event, serial, distributor, member, holder, decided_at, hold_until)
                 VALUES {values}"
            ),
            &params,
        )?;
    }
    Ok(())
}

/// The issuing records of many tickets of one event, with one query per
/// few hundred serials. Serials without a record are absent from the map.
pub(crate) fn load_sold(
    tx: &mut dyn Tx,
    event: EventId,
    serials: &[TicketSerial],
) -> Result<BTreeMap<TicketSerial, SoldTicket>> {
    let mut out = BTreeMap::new();
    for chunk in serials.chunks(MAX_PARAMS - 1) {
        let mut params = Vec::with_capacity(chunk.len() + 1);
        params.push(Value::int(event.0));
        params.extend(chunk.iter().map(|s| Value::int(s.0)));
        let sql = format!(
            "{RECORD_SELECT} AND r.serial IN ({})",
            placeholders(2, chunk.len())
        );
        for row in tx.query(&sql, &params)? {
            let sold = sold_from_row(event, &row)?;
            out.insert(sold.record.serial, sold);
        }
    }
    Ok(out)
}

/// Insert the issuing record and move the ticket from available to
/// authenticated, only if it is still available in `distributor`'s allotment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Decision {
    pub event: EventId,
    pub distributor: DistributorId,
    pub member: Option<MemberId>,
    pub holder: Holder,
    pub now: Timestamp,
    pub hold_until: Option<Timestamp>,
}

pub(crate) fn authenticate_ticket(
    tx: &mut dyn Tx,
    ticket: &TicketRow,
    d: &Decision,
) -> Result<RecordView> {
    decide(tx, ticket, d, Change::DECIDE)
}

/// The distributor's decision for a ticket that `change` moves to
/// authenticated (from available, or from held when a hold is bought):
/// the issuing record.
pub(crate) fn decide(
    tx: &mut dyn Tx,
    ticket: &TicketRow,
    d: &Decision,
    change: Change,
) -> Result<RecordView> {
    let Decision {
        event,
        distributor,
        member,
        holder,
        now,
        hold_until,
    } = *d;
    if !change.apply(tx, event, ticket.serial, Some(distributor))? {
        let current = load_ticket(tx, event, ticket.serial)?;
        if current.distributor != Some(distributor) {
            return Err(Error::NotInAllotment {
                event,
                serial: ticket.serial,
                distributor,
            });
        }
        return Err(Error::unavailable(event, &current));
    }
    tx.execute(
        "INSERT INTO issuing_records (event, serial, distributor, member, holder, decided_at, hold_until)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::int(event.0),
            Value::int(ticket.serial.0),
            Value::int(distributor.0),
            Value::opt_int(member.map(|m| m.0)),
            Value::text(wire::holder_to_string(&holder)),
            Value::u64(now.0)?,
            match hold_until {
                Some(t) => Value::u64(t.0)?,
                None => Value::Null,
            },
        ],
    )?;
    Ok(RecordView {
        event,
        serial: ticket.serial,
        place: ticket.place,
        seat_type: ticket.seat_type,
        distributor,
        member,
        holder,
        decided_at: now,
        hold_until,
    })
}

/// Prices by seat type as JSON-friendly map keys.
pub(crate) fn prices_to_text(prices: &BTreeMap<SeatType, Price>) -> Result<String> {
    let m: BTreeMap<u8, u64> = prices.iter().map(|(k, v)| (k.0, v.0)).collect();
    serde_json::to_string(&m).map_err(|e| Error::corrupt(e.to_string()))
}
