//! The `distributors` and `event_distributors` tables: the distributors
//! the operator registered, and which of them an event's organizer selected
//! under which policy.

use eticket_core::ids::{DistributorId, EventId};

use crate::policy::DistributionPolicy;
use crate::store::{Tx, Value};
use crate::{Error, Result};

/// Whether the distributor is registered.
pub(crate) fn exists(tx: &mut dyn Tx, d: DistributorId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT id FROM distributors WHERE id = $1",
            &[Value::int(d.0)],
        )?
        .is_some())
}

/// Register a distributor.
pub(crate) fn insert(tx: &mut dyn Tx, d: DistributorId, name: &str) -> Result<()> {
    tx.execute(
        "INSERT INTO distributors (id, name) VALUES ($1, $2)",
        &[Value::int(d.0), Value::text(name)],
    )?;
    Ok(())
}

/// The distributor's policy for the event, or [`Error::NotSelected`].
pub(crate) fn policy(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<DistributionPolicy> {
    let row = tx
        .query_opt(
            "SELECT policy FROM event_distributors WHERE event = $1 AND distributor = $2",
            &[Value::int(event.0), Value::int(d.0)],
        )?
        .ok_or(Error::NotSelected {
            event,
            distributor: d,
        })?;
    serde_json::from_str(row.text(0)?).map_err(|e| Error::corrupt(format!("policy: {e}")))
}

/// Select the distributor for the event under `policy`, or set its policy
/// when it is selected already. Returns whether it was selected before.
pub(crate) fn select(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    policy: &DistributionPolicy,
) -> Result<bool> {
    let text =
        serde_json::to_string(policy).map_err(|e| Error::invalid("policy", e.to_string()))?;
    let params = [Value::int(event.0), Value::int(d.0), Value::text(text)];
    let selected = tx
        .query_opt(
            "SELECT distributor FROM event_distributors WHERE event = $1 AND distributor = $2",
            &params[..2],
        )?
        .is_some();
    if selected {
        tx.execute(
            "UPDATE event_distributors SET policy = $3 WHERE event = $1 AND distributor = $2",
            &params,
        )?;
    } else {
        tx.execute(
            "INSERT INTO event_distributors (event, distributor, policy) VALUES ($1, $2, $3)",
            &params,
        )?;
    }
    Ok(selected)
}

/// Whether the distributor is selected for the event.
pub(crate) fn is_selected(tx: &mut dyn Tx, event: EventId, d: DistributorId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT distributor FROM event_distributors WHERE event = $1 AND distributor = $2",
            &[Value::int(event.0), Value::int(d.0)],
        )?
        .is_some())
}

#[cfg(feature = "http")] // the seat page is its only reader
/// The distributors selected for the event with their names, by id.
pub(crate) fn selected_with_names(
    tx: &mut dyn Tx,
    event: EventId,
) -> Result<Vec<(DistributorId, String)>> {
    tx.query(
        "SELECT d.id, d.name FROM event_distributors e JOIN distributors d ON d.id = e.distributor
         WHERE e.event = $1 ORDER BY d.id",
        &[Value::int(event.0)],
    )?
    .iter()
    .map(|r| Ok((DistributorId(r.num(0)?), r.text(1)?.to_owned())))
    .collect()
}
