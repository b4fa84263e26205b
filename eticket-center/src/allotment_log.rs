//! The allotment audit log: every change of a seat's distributor, by whom,
//! when, by which operation, from which owner to which. Every allotment
//! route writes it in the same transaction as the change itself
//! (`organizer::apply_assignment`), one entry per
//! (from, to) pair of a change, with the tickets as serial ranges; the
//! event's organizer reads it (`GET /v1/events/{event}/allotments/log`,
//! `eticket allotment-log`).

use std::collections::BTreeMap;

use eticket_core::ids::{DistributorId, EventId, TicketSerial};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::organizer::check_organizer;
use crate::store::{Tx, Value};
use crate::{Error, Result};

/// Most entries one read returns; page on with `after`.
pub const MAX_LOG_ENTRIES: usize = 500;

/// One change of owner for a group of tickets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AllotmentLogEntry {
    /// Its number in the event's log, from 1.
    pub id: u64,
    /// When.
    pub at: Timestamp,
    /// Who (`organizer:1`, `operator`).
    pub by: String,
    /// Which operation: `allot_ratios`, `allot_selection`, `split_allotment`
    /// or `allot_seats`.
    pub operation: String,
    /// The owner the tickets had (`null`: unallotted).
    pub from: Option<DistributorId>,
    /// The owner they got (`null`: unallotted).
    pub to: Option<DistributorId>,
    /// How many tickets.
    pub tickets: u32,
    /// Their serials as ranges, e.g. `1-40,43`.
    pub serials: String,
}

/// A page of the log, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AllotmentLog {
    /// The event.
    pub event: EventId,
    /// The entries after the one asked for, at most
    /// [`MAX_LOG_ENTRIES`].
    pub entries: Vec<AllotmentLogEntry>,
    /// Whether more entries follow (ask again with the last id as `after`).
    pub more: bool,
}

/// `1-3,7` for serials 1, 2, 3 and 7 (sorted first).
fn ranges(serials: &mut [TicketSerial]) -> String {
    serials.sort_unstable();
    let mut out = String::new();
    let mut i = 0;
    while i < serials.len() {
        let start = serials[i].0;
        let mut end = start;
        while i + 1 < serials.len() && end.checked_add(1) == Some(serials[i + 1].0) {
            i += 1;
            end += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}-{end}"));
        }
        i += 1;
    }
    out
}

/// Write the changes of one operation (ticket, owner before, owner after;
/// unchanged ones are left out), one entry per (before, after) pair.
pub(crate) fn record(
    tx: &mut dyn Tx,
    event: EventId,
    (who, operation, now): (&Principal, &str, Timestamp),
    changes: &[(TicketSerial, Option<DistributorId>, Option<DistributorId>)],
) -> Result<()> {
    let mut groups: BTreeMap<(Option<u16>, Option<u16>), Vec<TicketSerial>> = BTreeMap::new();
    for (serial, from, to) in changes {
        if from != to {
            groups
                .entry((from.map(|d| d.0), to.map(|d| d.0)))
                .or_default()
                .push(*serial);
        }
    }
    if groups.is_empty() {
        return Ok(());
    }
    let mut next: i64 = tx
        .query_opt(
            "SELECT COALESCE(MAX(id), 0) FROM allotment_log WHERE event = $1",
            &[Value::int(event.0)],
        )?
        .ok_or_else(|| Error::corrupt("MAX returned no row"))?
        .int(0)?;
    for ((from, to), mut serials) in groups {
        next += 1;
        let count = i64::try_from(serials.len())
            .map_err(|_| Error::invalid("seats", "too many tickets"))?;
        tx.execute(
            "INSERT INTO allotment_log (event, id, at, principal, operation, from_distributor, to_distributor, tickets, serials)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            &[
                Value::int(event.0),
                Value::Int(next),
                Value::u64(now.0)?,
                Value::text(who.label()),
                Value::text(operation),
                Value::opt_int(from),
                Value::opt_int(to),
                Value::Int(count),
                Value::text(ranges(&mut serials)),
            ],
        )?;
    }
    Ok(())
}

impl Center {
    /// The event's allotment log after entry `after` (0: from the start),
    /// oldest first, at most [`MAX_LOG_ENTRIES`]. The event's organizer or
    /// the operator.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_center::organizer::EventRegistration;
    /// # use eticket_core::fixtures;
    /// let center = Center::open_in_memory()?;
    /// let org = Principal::Organizer(1);
    /// let reg = EventRegistration { info: fixtures::small_event(), prices: fixtures::prices() };
    /// center.register_event(&org, "reg", &reg)?;
    /// let log = center.allotment_log(&org, fixtures::EVENT, 0)?;
    /// assert!(log.entries.is_empty() && !log.more);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn allotment_log(
        &self,
        who: &Principal,
        event: EventId,
        after: u64,
    ) -> Result<AllotmentLog> {
        self.read(|tx| {
            check_organizer(tx, who, event)?;
            let rows = tx.query(
                "SELECT id, at, principal, operation, from_distributor, to_distributor, tickets, serials
                 FROM allotment_log WHERE event = $1 AND id > $2 ORDER BY id LIMIT $3",
                &[
                    Value::int(event.0),
                    Value::u64(after)?,
                    Value::u64(MAX_LOG_ENTRIES as u64 + 1)?,
                ],
            )?;
            let mut entries = Vec::with_capacity(rows.len());
            for r in &rows {
                entries.push(AllotmentLogEntry {
                    id: r.num(0)?,
                    at: Timestamp(r.num(1)?),
                    by: r.text(2)?.to_owned(),
                    operation: r.text(3)?.to_owned(),
                    from: r.opt_num(4)?.map(DistributorId),
                    to: r.opt_num(5)?.map(DistributorId),
                    tickets: r.num(6)?,
                    serials: r.text(7)?.to_owned(),
                });
            }
            let more = entries.len() > MAX_LOG_ENTRIES;
            entries.truncate(MAX_LOG_ENTRIES);
            Ok(AllotmentLog {
                event,
                entries,
                more,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serial_ranges() {
        let mut s: Vec<TicketSerial> = [7, 1, 3, 2, 9, 10].map(TicketSerial).to_vec();
        assert_eq!(ranges(&mut s), "1-3,7,9-10");
        assert_eq!(ranges(&mut []), "");
        assert_eq!(ranges(&mut [TicketSerial(u32::MAX)]), u32::MAX.to_string());
    }
}
