//! The `transfers` table: a ticket's move from one chip to another, from
//! the request through the cooling-off period to its end. A transfer is
//! [`TransferState::Pending`] until it is cancelled or completed, and only a
//! pending one ends ([`finish`], [`cancel_pending_of`] are compare and set).

use eticket_core::ids::{ChipId, EventId, Generation, TicketSerial};
use eticket_core::time::Timestamp;

use crate::store::{Row, Tx, Value};
use crate::transfer::TransferView;
use crate::{Error, Result, wire};

/// Where a transfer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransferState {
    /// In its cooling-off period: the assignor may cancel.
    Pending,
    /// Cancelled (by the assignor, or because the ticket changed).
    Cancelled,
    /// Done: the assignee holds the next generation.
    Completed,
}

impl TransferState {
    /// The name stored and shown in the API.
    pub(crate) fn name(self) -> &'static str {
        match self {
            TransferState::Pending => "pending",
            TransferState::Cancelled => "cancelled",
            TransferState::Completed => "completed",
        }
    }

    /// A stored name.
    pub(crate) fn parse(s: &str) -> Result<Self> {
        match s {
            "pending" => Ok(TransferState::Pending),
            "cancelled" => Ok(TransferState::Cancelled),
            "completed" => Ok(TransferState::Completed),
            other => Err(Error::corrupt(format!("transfer state {other:?}"))),
        }
    }
}

/// A new transfer as requested.
pub(crate) struct NewTransfer<'a> {
    /// The transfer's id (from its request's hash).
    pub id: &'a str,
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// The generation it moves.
    pub generation: Generation,
    /// The assignor chip.
    pub from: ChipId,
    /// The assignee chip.
    pub to: ChipId,
    /// The signed request, as received.
    pub request: &'a [u8],
    /// When the chip signed it.
    pub requested_at: Timestamp,
    /// When the cooling-off period ends.
    pub effective_at: Timestamp,
}

const COLUMNS: &str = "id, event, serial, generation, from_chip, to_chip, requested_at, effective_at, state, finished_at";

fn from_row(row: &Row) -> Result<TransferView> {
    Ok(TransferView {
        id: row.text(0)?.to_owned(),
        event: EventId(row.num(1)?),
        serial: TicketSerial(row.num(2)?),
        generation: Generation(row.num(3)?),
        from: wire::parse_chip(row.text(4)?)?,
        to: wire::parse_chip(row.text(5)?)?,
        requested_at: Timestamp(row.num(6)?),
        effective_at: Timestamp(row.num(7)?),
        state: TransferState::parse(row.text(8)?)?.name().to_owned(),
        finished_at: row.opt_num(9)?.map(Timestamp),
    })
}

/// The transfer `id`, if any.
pub(crate) fn find(tx: &mut dyn Tx, id: &str) -> Result<Option<TransferView>> {
    tx.query_opt(
        &format!("SELECT {COLUMNS} FROM transfers WHERE id = $1"),
        &[Value::text(id)],
    )?
    .map(|row| from_row(&row))
    .transpose()
}

/// The transfer `id`, or [`Error::UnknownTransfer`].
pub(crate) fn load(tx: &mut dyn Tx, id: &str) -> Result<TransferView> {
    find(tx, id)?.ok_or_else(|| Error::UnknownTransfer(id.to_owned()))
}

/// Record a pending transfer.
pub(crate) fn insert(tx: &mut dyn Tx, t: &NewTransfer<'_>) -> Result<()> {
    tx.execute(
        &format!(
            "INSERT INTO transfers (id, event, serial, generation, from_chip, to_chip, request, requested_at, effective_at, state)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '{}')",
            TransferState::Pending.name()
        ),
        &[
            Value::text(t.id),
            Value::int(t.event.0),
            Value::int(t.serial.0),
            Value::int(t.generation.0),
            Value::text(t.from.to_string()),
            Value::text(t.to.to_string()),
            Value::Blob(t.request.to_vec()),
            Value::u64(t.requested_at.0)?,
            Value::u64(t.effective_at.0)?,
        ],
    )?;
    Ok(())
}

/// Whether a transfer of the ticket is pending.
pub(crate) fn pending_of(tx: &mut dyn Tx, event: EventId, serial: TicketSerial) -> Result<bool> {
    Ok(tx
        .query_opt(
            &format!(
                "SELECT id FROM transfers WHERE event = $1 AND serial = $2 AND state = '{}'",
                TransferState::Pending.name()
            ),
            &[Value::int(event.0), Value::int(serial.0)],
        )?
        .is_some())
}

/// End the transfer `id` as `to` (cancelled or completed) if it is still
/// pending: whether it was.
pub(crate) fn finish(tx: &mut dyn Tx, id: &str, to: TransferState, now: Timestamp) -> Result<bool> {
    if to == TransferState::Pending {
        return Err(Error::corrupt("a transfer cannot become pending again"));
    }
    let n = tx.execute(
        &format!(
            "UPDATE transfers SET state = '{}', finished_at = $1 WHERE id = $2 AND state = '{}'",
            to.name(),
            TransferState::Pending.name()
        ),
        &[Value::u64(now.0)?, Value::text(id)],
    )?;
    Ok(n == 1)
}

/// Cancel the ticket's pending transfer, if any (its generation was revoked
/// or replaced): how many were.
pub(crate) fn cancel_pending_of(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    now: Timestamp,
) -> Result<u64> {
    tx.execute(
        &format!(
            "UPDATE transfers SET state = '{}', finished_at = $3 WHERE event = $1 AND serial = $2 AND state = '{}'",
            TransferState::Cancelled.name(),
            TransferState::Pending.name()
        ),
        &[Value::int(event.0), Value::int(serial.0), Value::u64(now.0)?],
    )
}

/// Pending transfers due at `now`, by id.
pub(crate) fn due(tx: &mut dyn Tx, now: Timestamp) -> Result<Vec<String>> {
    tx.query(
        &format!(
            "SELECT id FROM transfers WHERE state = '{}' AND effective_at <= $1 ORDER BY id",
            TransferState::Pending.name()
        ),
        &[Value::u64(now.0)?],
    )?
    .iter()
    .map(|r| r.text(0).map(str::to_owned))
    .collect()
}

/// Pending transfers, oldest first: of every ticket, or of the tickets a
/// distributor sold.
pub(crate) fn pending(
    tx: &mut dyn Tx,
    sold_by: Option<eticket_core::ids::DistributorId>,
) -> Result<Vec<TransferView>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("t.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let pending = TransferState::Pending.name();
    let rows = match sold_by {
        None => tx.query(
            &format!(
                "SELECT {cols} FROM transfers t WHERE t.state = '{pending}' ORDER BY t.requested_at, t.id"
            ),
            &[],
        )?,
        Some(d) => tx.query(
            &format!(
                "SELECT {cols} FROM transfers t JOIN issuing_records r ON r.event = t.event AND r.serial = t.serial
                 WHERE t.state = '{pending}' AND r.distributor = $1 ORDER BY t.requested_at, t.id"
            ),
            &[Value::int(d.0)],
        )?,
    };
    rows.iter().map(from_row).collect()
}
