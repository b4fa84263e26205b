//! The re-issue history: `reissues` (each generation that replaced
//! another, why and by whom) and `card_replacements` (a holder's tickets
//! moved from a lost card to a new one, with the identity check done).

use eticket_core::ids::{ChipId, EventId, Generation, TicketSerial};
use eticket_core::time::Timestamp;

use crate::Result;
use crate::store::{Tx, Value};

/// One re-issue: generation `old` of a ticket replaced by `new`.
pub(crate) struct ReissueRow<'a> {
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// The generation replaced.
    pub old: Generation,
    /// The new generation.
    pub new: Generation,
    /// Why (the reason's name).
    pub reason: &'a str,
    /// Who (a principal's label).
    pub by: &'a str,
    /// When.
    pub at: Timestamp,
}

/// Record a re-issue.
pub(crate) fn insert(tx: &mut dyn Tx, r: &ReissueRow<'_>) -> Result<()> {
    tx.execute(
        "INSERT INTO reissues (event, serial, old_generation, new_generation, reason, principal, at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::int(r.event.0),
            Value::int(r.serial.0),
            Value::int(r.old.0),
            Value::int(r.new.0),
            Value::text(r.reason),
            Value::text(r.by),
            Value::u64(r.at.0)?,
        ],
    )?;
    Ok(())
}

/// The signed bytes of every generation replaced for `reason`.
pub(crate) fn replaced_tickets(tx: &mut dyn Tx, reason: &str) -> Result<Vec<Vec<u8>>> {
    tx.query(
        "SELECT i.ticket FROM reissues r JOIN issued i
         ON i.event = r.event AND i.serial = r.serial AND i.generation = r.old_generation
         WHERE r.reason = $1",
        &[Value::text(reason)],
    )?
    .iter()
    .map(|r| r.blob(0).map(<[u8]>::to_vec))
    .collect()
}

/// How many re-issues were made for `reason`.
pub(crate) fn count(tx: &mut dyn Tx, reason: &str) -> Result<usize> {
    Ok(tx
        .query_opt(
            "SELECT COUNT(*) FROM reissues WHERE reason = $1",
            &[Value::text(reason)],
        )?
        .map(|r| r.num::<usize>(0))
        .transpose()?
        .unwrap_or(0))
}

/// Record a card replacement.
pub(crate) fn insert_card_replacement(
    tx: &mut dyn Tx,
    old_chip: ChipId,
    new_chip: ChipId,
    by: &str,
    identity_check: &str,
    at: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO card_replacements (old_chip, new_chip, principal, identity_check, at) VALUES ($1, $2, $3, $4, $5)",
        &[
            Value::text(old_chip.to_string()),
            Value::text(new_chip.to_string()),
            Value::text(by),
            Value::text(identity_check),
            Value::u64(at.0)?,
        ],
    )?;
    Ok(())
}
