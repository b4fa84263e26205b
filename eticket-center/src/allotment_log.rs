//! The allotment audit log: every change of a seat's distributor, by whom,
//! through which request, when, by which operation, from which owner to
//! which. Its last entry's number is the event's allotment version: a
//! change that names the version its caller saw (`as_of`) is refused when
//! any of its seats changed owner after it. Every allotment
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
use crate::organizer::{check_organizer, check_owners};
use crate::store::Tx;
use crate::tables::allotment_log as log;
use crate::tables::tickets::TicketRow;
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
    /// The request that made the change: its idempotency key (the page
    /// sends `page-` and a random id per request), so two sessions of one
    /// organizer are told apart. `null` for entries older than the field.
    pub request: Option<String>,
    /// Which operation: `allot_ratios`, `allot_selection`,
    /// `split_allotment`, `allot_seats`, or `undo_allotment` (the page's
    /// undo of a change of seats; its undo of a move of standing places is
    /// the opposite move, `allot_selection`).
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

/// Who made an allotment change, how and when: written with each entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct By<'a> {
    /// The caller.
    pub who: &'a Principal,
    /// The operation's name in the log.
    pub operation: &'a str,
    /// The request's idempotency key.
    pub request: &'a str,
    /// When.
    pub now: Timestamp,
}

/// Write the changes of one operation (ticket, owner before, owner after;
/// unchanged ones are left out), one entry per (before, after) pair.
pub(crate) fn record(
    tx: &mut dyn Tx,
    event: EventId,
    by: By<'_>,
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
    let first = log::last_id(tx, event)? + 1;
    for (next, ((from, to), mut serials)) in (first..).zip(groups) {
        log::insert(
            tx,
            event,
            &log::LogRow {
                id: next,
                at: by.now,
                principal: by.who.label(),
                request: Some(by.request.to_owned()),
                operation: by.operation.to_owned(),
                from: from.map(DistributorId),
                to: to.map(DistributorId),
                tickets: u32::try_from(serials.len())
                    .map_err(|_| Error::invalid("seats", "too many tickets"))?,
                serials: ranges(&mut serials),
            },
        )?;
    }
    Ok(())
}

/// Refuse with [`Error::AllotmentChanged`] when any of `tickets` changed
/// owner after log entry `as_of` (the allotment version the caller saw);
/// nothing to check without one.
pub(crate) fn check_unchanged<'a>(
    tx: &mut dyn Tx,
    event: EventId,
    as_of: Option<u64>,
    tickets: impl Iterator<Item = &'a TicketRow>,
) -> Result<()> {
    let Some(as_of) = as_of else {
        return Ok(());
    };
    let version = log::last_id(tx, event)?;
    if as_of > version {
        return Err(Error::invalid(
            "as_of",
            format!("the event's allotment version is {version}, not yet {as_of}"),
        ));
    }
    if as_of == version {
        return Ok(());
    }
    let changed = log::changed_since(tx, event, as_of)?;
    check_owners(
        event,
        tickets.map(|t| (t, !changed.contains(&t.serial))),
        Some(as_of),
    )
}

/// The event's allotment version: the number of its log's last entry (0
/// before any change).
pub(crate) fn version(tx: &mut dyn Tx, event: EventId) -> Result<u64> {
    log::last_id(tx, event)
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
    /// let reg = EventRegistration { info: fixtures::small_event(), prices: fixtures::prices(), seat_map: None };
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
            let entries: Vec<AllotmentLogEntry> =
                log::after(tx, event, after, MAX_LOG_ENTRIES + 1)?
                    .into_iter()
                    .map(|r| AllotmentLogEntry {
                        id: r.id,
                        at: r.at,
                        by: r.principal,
                        request: r.request,
                        operation: r.operation,
                        from: r.from,
                        to: r.to,
                        tickets: r.tickets,
                        serials: r.serials,
                    })
                    .collect();
            let mut entries = entries;
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
