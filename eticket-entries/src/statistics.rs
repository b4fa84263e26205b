//! Post-processing (c60): what the entry log says about an event —
//! attendance per event, section (block or area), seat type and distributor,
//! no-shows against the issued tickets, entries per gate per minute, refusals
//! by reason — as tables (CSV, JSON) and as a chart (SVG, see
//! [`chart`](crate::chart)).

use std::collections::{BTreeMap, BTreeSet};

use eticket_core::event::EventInfo;
use eticket_core::ids::{EventId, GateId, TicketSerial};
use eticket_core::ticket::Place;
use eticket_core::time::Timestamp;
use serde::Serialize;

use crate::conflict::Conflict;
use crate::record::{Direction, EntryRecord, ScanResult, TicketFacts};
use crate::refusal::Refusal;
use crate::{Error, Result};

/// Attendance of one group of tickets (a section, seat type or distributor).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attendance {
    /// A stable key, e.g. `B1`, `A1`, `S2`, `D3`.
    pub key: String,
    /// The name a person reads.
    pub label: String,
    /// Tickets issued.
    pub issued: u64,
    /// Tickets that entered at least once.
    pub attended: u64,
    /// Places in the venue, where known.
    pub capacity: Option<u64>,
}

/// Admissions at one gate during one minute.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GateMinute {
    /// Start of the minute.
    pub minute: Timestamp,
    /// The same, as `YYYY-MM-DDTHH:MM:SSZ`.
    pub minute_utc: String,
    /// The gate.
    pub gate: GateId,
    /// Its name.
    pub gate_name: String,
    /// Admissions (re-entries included).
    pub entries: u64,
}

/// How often one refusal happened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalCount {
    /// The stable code.
    pub code: u16,
    /// Its short name.
    pub label: String,
    /// What the steward said.
    pub text: String,
    /// How many scans.
    pub count: u64,
}

/// The statistics of one event.
///
/// ```
/// use eticket_core::fixtures;
/// use eticket_entries::statistics::Statistics;
/// let s = Statistics::compute(&fixtures::small_event(), &[], []);
/// assert_eq!(s.attended, 0);
/// assert!(s.to_svg().starts_with("<svg"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Statistics {
    /// The event.
    pub event: EventId,
    /// Its name.
    pub event_name: String,
    /// The venue's name.
    pub venue: String,
    /// Tickets issued (as given).
    pub issued: u64,
    /// Tickets that entered at least once.
    pub attended: u64,
    /// Admissions, re-entries included.
    pub entries: u64,
    /// Exit scans.
    pub exits: u64,
    /// Refused scans.
    pub refused: u64,
    /// Issued tickets that never entered, by serial.
    pub no_shows: Vec<TicketSerial>,
    /// Per block or standing area.
    pub by_section: Vec<Attendance>,
    /// Per seat type.
    pub by_seat_type: Vec<Attendance>,
    /// Per distributor.
    pub by_distributor: Vec<Attendance>,
    /// Admissions per gate per minute, by minute then gate.
    pub per_gate_minute: Vec<GateMinute>,
    /// Refusals by reason, most frequent first.
    pub refusals: Vec<RefusalCount>,
    /// Tickets admitted more often than the venue's policy allows by
    /// devices that decided apart (a network cut); the venue unit finds
    /// them ([`with_conflicts`](Self::with_conflicts)).
    pub conflicts: Vec<Conflict>,
}

#[derive(Default)]
struct Tally {
    issued: BTreeSet<TicketSerial>,
    attended: BTreeSet<TicketSerial>,
}

fn section_key(place: Place) -> String {
    match place {
        Place::Seat { block, .. } => format!("B{}", block.0),
        Place::Area(area) => format!("A{}", area.0),
    }
}

impl Statistics {
    /// Compute from the entry log's `records` of `event` and the tickets the
    /// center `issued` for it (for no-shows and attendance rates).
    pub fn compute(
        event: &EventInfo,
        records: &[EntryRecord],
        issued: impl IntoIterator<Item = TicketFacts>,
    ) -> Self {
        let mut sections: BTreeMap<String, Tally> = BTreeMap::new();
        let mut seat_types: BTreeMap<u8, Tally> = BTreeMap::new();
        let mut distributors: BTreeMap<u16, Tally> = BTreeMap::new();
        let mut issued_serials = BTreeSet::new();
        for t in issued {
            issued_serials.insert(t.serial);
            sections
                .entry(section_key(t.place))
                .or_default()
                .issued
                .insert(t.serial);
            seat_types
                .entry(t.seat_type.0)
                .or_default()
                .issued
                .insert(t.serial);
            distributors
                .entry(t.distributor.0)
                .or_default()
                .issued
                .insert(t.serial);
        }
        let mut attended = BTreeSet::new();
        let (mut entries, mut exits, mut refused) = (0, 0, 0);
        let mut per_minute: BTreeMap<(u64, GateId), u64> = BTreeMap::new();
        let mut refusals: BTreeMap<u16, u64> = BTreeMap::new();
        for r in records.iter().filter(|r| r.event == event.id) {
            match (r.direction, r.result, r.ticket) {
                (Direction::Entry, ScanResult::Admitted { .. }, Some(t)) => {
                    entries += 1;
                    *per_minute.entry((r.at.0 / 60 * 60, r.gate)).or_default() += 1;
                    attended.insert(t.serial);
                    sections
                        .entry(section_key(t.place))
                        .or_default()
                        .attended
                        .insert(t.serial);
                    seat_types
                        .entry(t.seat_type.0)
                        .or_default()
                        .attended
                        .insert(t.serial);
                    distributors
                        .entry(t.distributor.0)
                        .or_default()
                        .attended
                        .insert(t.serial);
                }
                (_, ScanResult::Exited, _) => exits += 1,
                (_, ScanResult::Refused { code }, _) => {
                    refused += 1;
                    *refusals.entry(code).or_default() += 1;
                }
                _ => {}
            }
        }
        let attendance = |key: String, label: String, t: &Tally, capacity| Attendance {
            key,
            label,
            issued: t.issued.len() as u64,
            attended: t.attended.len() as u64,
            capacity,
        };
        let by_section = sections
            .iter()
            .map(|(key, t)| {
                let (label, capacity) = section_info(event, key);
                attendance(key.clone(), label, t, capacity)
            })
            .collect();
        let by_seat_type = seat_types
            .iter()
            .map(|(id, t)| {
                let label = event
                    .seat_type_name(eticket_core::ids::SeatType(*id))
                    .map_or_else(|| format!("Seat type {id}"), str::to_owned);
                attendance(format!("S{id}"), label, t, None)
            })
            .collect();
        let by_distributor = distributors
            .iter()
            .map(|(id, t)| attendance(format!("D{id}"), format!("Distributor {id}"), t, None))
            .collect();
        let per_gate_minute = per_minute
            .into_iter()
            .map(|((minute, gate), entries)| GateMinute {
                minute: Timestamp(minute),
                minute_utc: Timestamp(minute).to_string(),
                gate,
                gate_name: event
                    .venue
                    .gate(gate)
                    .map_or_else(|| gate.to_string(), |g| g.name.clone()),
                entries,
            })
            .collect();
        let mut refusals: Vec<RefusalCount> = refusals
            .into_iter()
            .map(|(code, count)| {
                let known = Refusal::from_code(code);
                RefusalCount {
                    code,
                    label: known.map_or_else(|| format!("code_{code}"), |r| r.label().to_owned()),
                    text: known.map_or("", |r| r.steward_text()).to_owned(),
                    count,
                }
            })
            .collect();
        refusals.sort_by(|a, b| b.count.cmp(&a.count).then(a.code.cmp(&b.code)));
        Self {
            event: event.id,
            event_name: event.name.clone(),
            venue: event.venue.name.clone(),
            issued: issued_serials.len() as u64,
            attended: attended.len() as u64,
            entries,
            exits,
            refused,
            no_shows: issued_serials.difference(&attended).copied().collect(),
            by_section,
            by_seat_type,
            by_distributor,
            per_gate_minute,
            refusals,
            conflicts: Vec::new(),
        }
    }

    /// The same statistics reporting `conflicts` (double admissions found
    /// by the venue unit when offline scans reached it).
    pub fn with_conflicts(mut self, conflicts: Vec<Conflict>) -> Self {
        self.conflicts = conflicts;
        self
    }

    /// The statistics as tables.
    pub fn tables(&self) -> Vec<Table> {
        let attendance = |name: &str, rows: &[Attendance]| Table {
            name: name.to_owned(),
            columns: ["key", "name", "issued", "attended", "no_shows", "capacity"]
                .map(str::to_owned)
                .to_vec(),
            rows: rows
                .iter()
                .map(|a| {
                    vec![
                        a.key.clone(),
                        a.label.clone(),
                        a.issued.to_string(),
                        a.attended.to_string(),
                        a.issued.saturating_sub(a.attended).to_string(),
                        a.capacity.map(|c| c.to_string()).unwrap_or_default(),
                    ]
                })
                .collect(),
        };
        vec![
            Table {
                name: "event".to_owned(),
                columns: [
                    "event", "name", "issued", "attended", "no_shows", "entries", "exits",
                    "refused",
                ]
                .map(str::to_owned)
                .to_vec(),
                rows: vec![vec![
                    self.event.0.to_string(),
                    self.event_name.clone(),
                    self.issued.to_string(),
                    self.attended.to_string(),
                    self.no_shows.len().to_string(),
                    self.entries.to_string(),
                    self.exits.to_string(),
                    self.refused.to_string(),
                ]],
            },
            attendance("attendance_by_section", &self.by_section),
            attendance("attendance_by_seat_type", &self.by_seat_type),
            attendance("attendance_by_distributor", &self.by_distributor),
            Table {
                name: "entries_per_gate_per_minute".to_owned(),
                columns: ["minute_utc", "gate", "gate_name", "entries"]
                    .map(str::to_owned)
                    .to_vec(),
                rows: self
                    .per_gate_minute
                    .iter()
                    .map(|m| {
                        vec![
                            m.minute_utc.clone(),
                            m.gate.0.to_string(),
                            m.gate_name.clone(),
                            m.entries.to_string(),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "refusals_by_reason".to_owned(),
                columns: ["code", "reason", "count", "steward_text"]
                    .map(str::to_owned)
                    .to_vec(),
                rows: self
                    .refusals
                    .iter()
                    .map(|r| {
                        vec![
                            r.code.to_string(),
                            r.label.clone(),
                            r.count.to_string(),
                            r.text.clone(),
                        ]
                    })
                    .collect(),
            },
            Table {
                name: "double_admissions".to_owned(),
                columns: ["serial", "gate", "device", "at_utc", "flagged"]
                    .map(str::to_owned)
                    .to_vec(),
                rows: self
                    .conflicts
                    .iter()
                    .flat_map(|c| {
                        c.admissions.iter().map(move |a| {
                            vec![
                                c.serial.0.to_string(),
                                a.gate.0.to_string(),
                                a.device.clone(),
                                a.at.to_string(),
                                a.flagged.to_string(),
                            ]
                        })
                    })
                    .collect(),
            },
            Table {
                name: "no_shows".to_owned(),
                columns: vec!["serial".to_owned()],
                rows: self
                    .no_shows
                    .iter()
                    .map(|s| vec![s.0.to_string()])
                    .collect(),
            },
        ]
    }

    /// Every table as CSV, one after the other, each introduced by a
    /// `# name` line and followed by a blank line.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for t in self.tables() {
            out.push_str("# ");
            out.push_str(&t.name);
            out.push('\n');
            out.push_str(&t.to_csv());
            out.push('\n');
        }
        out
    }

    /// The statistics as one JSON document.
    pub fn to_json(&self) -> Result<String> {
        serde_json::to_string_pretty(self).map_err(|e| Error::Report(e.to_string()))
    }

    /// The statistics as an SVG dashboard; see [`chart`](crate::chart).
    pub fn to_svg(&self) -> String {
        crate::chart::dashboard(self)
    }
}

/// The name and capacity of a section key.
fn section_info(event: &EventInfo, key: &str) -> (String, Option<u64>) {
    let id = key.get(1..).and_then(|n| n.parse::<u16>().ok());
    match (key.as_bytes().first(), id) {
        (Some(b'B'), Some(id)) => {
            let block = eticket_core::ids::BlockId(id);
            let seats = event
                .seats
                .seats
                .iter()
                .filter(|s| s.block == block)
                .count() as u64;
            let name = event
                .venue
                .block(block)
                .map_or_else(|| key.to_owned(), |b| b.name.clone());
            (name, Some(seats))
        }
        (Some(b'A'), Some(id)) => match event.seats.area(eticket_core::ids::AreaId(id)) {
            Some(a) => (a.name.clone(), Some(u64::from(a.capacity))),
            None => (key.to_owned(), None),
        },
        _ => (key.to_owned(), None),
    }
}

/// One table of the statistics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Table {
    /// Its name (also a good file name stem).
    pub name: String,
    /// Column names.
    pub columns: Vec<String>,
    /// Rows of cells.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// RFC 4180 CSV: a header line, then the rows; cells with commas, quotes
    /// or line breaks are quoted.
    pub fn to_csv(&self) -> String {
        let mut out = String::new();
        for row in std::iter::once(&self.columns).chain(&self.rows) {
            let cells: Vec<String> = row.iter().map(|c| csv_cell(c)).collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        out
    }
}

fn csv_cell(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_what_needs_quoting() {
        let t = Table {
            name: "t".into(),
            columns: vec!["a".into(), "b".into()],
            rows: vec![vec!["x, y".into(), "say \"hi\"".into()]],
        };
        assert_eq!(t.to_csv(), "a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n");
    }
}
