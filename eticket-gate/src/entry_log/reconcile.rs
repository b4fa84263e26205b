//! Scans decided elsewhere reach the log: a gate device's offline scans at
//! the venue unit, and the unit's answers in a device's own log.
//!
//! Each scan is stored once, by its id. A scan the log has already, byte for
//! byte or with the same outcome for the same ticket, is counted as present.
//! One with the same id and another outcome (a device that gave up waiting
//! for the unit's answer and decided otherwise itself, while the unit's
//! decision was committed after all) replaces the unit's, because it is what
//! happened at the turnstile, and the ticket's presence is computed again
//! from its scans; if the unit already sent its own to the center, it is
//! kept (the center stores a scan once) and flagged for review. An admission
//! that the venue's policy would have refused given what the log held when it
//! arrived is a double admission: it is stored (it happened) and recorded in
//! the `conflicts` table for the statistics and the center.

use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::time::Timestamp;
use std::collections::BTreeSet;

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::{EntryLog, decode_record, insert_scan, kind, read_presence, ts};
use crate::error::DbContext;
use crate::passback::{PassbackPolicy, Presence};
use crate::record::{Direction, EntryRecord, Medium, ScanId, ScanResult};
use crate::{Error, Result};

use eticket_entries::conflict::conflicts_from;
pub use eticket_entries::conflict::{Conflict, ConflictAdmission};

/// What storing one scan ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// The log did not have it: stored now.
    New {
        /// It is an admission the policy would have refused.
        conflict: bool,
    },
    /// The log had it, the same.
    AlreadyPresent,
    /// The log had a scan with this id and another outcome: now it holds
    /// this one.
    Replaced {
        /// It is an admission the policy would have refused.
        conflict: bool,
    },
    /// The log had a scan with this id and another outcome, already sent
    /// to the center: kept, and flagged as a conflict.
    Diverged,
}

impl Stored {
    /// Whether the scan is a double admission.
    pub fn conflict(self) -> bool {
        matches!(
            self,
            Stored::New { conflict: true } | Stored::Replaced { conflict: true } | Stored::Diverged
        )
    }
}

impl EntryLog {
    /// Store a scan decided elsewhere (see the module docs), in one
    /// transaction.
    pub fn store_decided(
        &mut self,
        record: &EntryRecord,
        policy: PassbackPolicy,
    ) -> Result<Stored> {
        if record.event != self.event {
            return Err(Error::Config("a scan of another event"));
        }
        let p = self.path.as_str();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db(p)?;
        let existing: Option<(Vec<u8>, Option<i64>, i64)> = tx
            .query_row(
                "SELECT record, serial, seq FROM scans WHERE scan_id = ?1",
                params![&record.scan_id.0[..]],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()
            .db(p)?;
        let serial = record.ticket.map(|t| t.serial);
        let admitted = matches!(record.result, ScanResult::Admitted { .. })
            && record.direction == Direction::Entry;
        let stored = match existing {
            Some((bytes, old_serial, seq)) => {
                let old = decode_record(&bytes)?;
                let same_outcome = old.direction == record.direction
                    && kind(old.result) == kind(record.result)
                    && old.ticket.map(|t| t.serial) == serial;
                if same_outcome {
                    // The same decision (an entry number may differ).
                    return Ok(Stored::AlreadyPresent);
                }
                let sent: i64 = tx
                    .query_row(
                        "SELECT COALESCE(MAX(value), 0) FROM unit WHERE key = 'upload_cursor'",
                        [],
                        |r| r.get(0),
                    )
                    .db(p)?;
                if seq <= sent {
                    if let Some(s) = old_serial {
                        tx.execute(
                            "INSERT OR IGNORE INTO conflicts (scan_id, serial) VALUES (?1, ?2)",
                            params![&record.scan_id.0[..], s],
                        )
                        .db(p)?;
                    }
                    tx.commit().db(p)?;
                    return Ok(Stored::Diverged);
                }
                tx.execute(
                    "DELETE FROM scans WHERE scan_id = ?1",
                    params![&record.scan_id.0[..]],
                )
                .db(p)?;
                insert_scan(&tx, record, p)?;
                let mut conflict = false;
                if let Some(serial) = serial {
                    conflict = admitted && would_refuse(&tx, record, serial, policy, p)?;
                    recompute_presence(&tx, serial, p)?;
                }
                if let Some(old) = old_serial.and_then(|s| u32::try_from(s).ok()) {
                    if Some(TicketSerial(old)) != serial {
                        recompute_presence(&tx, TicketSerial(old), p)?;
                    }
                }
                Stored::Replaced { conflict }
            }
            None => {
                let mut conflict = false;
                if let Some(serial) = serial {
                    conflict = admitted && would_refuse(&tx, record, serial, policy, p)?;
                }
                insert_scan(&tx, record, p)?;
                if let Some(serial) = serial {
                    apply_presence(&tx, record, serial, p)?;
                }
                Stored::New { conflict }
            }
        };
        if stored.conflict() {
            if let Some(serial) = serial {
                tx.execute(
                    "INSERT OR IGNORE INTO conflicts (scan_id, serial) VALUES (?1, ?2)",
                    params![&record.scan_id.0[..], i64::from(serial.0)],
                )
                .db(p)?;
            }
        }
        tx.commit().db(p)?;
        Ok(stored)
    }

    /// Every ticket with a double admission, each with all its admissions.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        let p = self.path.as_str();
        let flagged: BTreeSet<ScanId> = self
            .conn
            .prepare("SELECT scan_id FROM conflicts")
            .db(p)?
            .query_map([], |r| r.get::<_, Vec<u8>>(0))
            .db(p)?
            .map(|id| {
                let id = id.db(p)?;
                <[u8; 16]>::try_from(id.as_slice())
                    .map(ScanId)
                    .map_err(|_| Error::CorruptLog {
                        what: "conflicts.scan_id",
                        detail: hex::encode(&id),
                    })
            })
            .collect::<Result<_>>()?;
        let mut records = Vec::new();
        let mut stmt = self
            .conn
            .prepare(
                "SELECT record FROM scans WHERE kind = 0 AND serial IN
                   (SELECT serial FROM conflicts) ORDER BY seq",
            )
            .db(p)?;
        for row in stmt.query_map([], |r| r.get::<_, Vec<u8>>(0)).db(p)? {
            records.push(decode_record(&row.db(p)?)?);
        }
        Ok(conflicts_from(&records, &flagged))
    }

    /// Conflicts not yet sent to the center whose scans lie at or before
    /// `upto` in the log, at most `limit`.
    pub(crate) fn unreported_conflicts(&self, upto: i64, limit: usize) -> Result<Vec<ScanId>> {
        let p = self.path.as_str();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare(
                "SELECT c.scan_id FROM conflicts c JOIN scans s ON s.scan_id = c.scan_id
                 WHERE c.reported = 0 AND s.seq <= ?1 ORDER BY s.seq LIMIT ?2",
            )
            .db(p)?;
        let rows = stmt
            .query_map(params![upto, limit], |r| r.get::<_, Vec<u8>>(0))
            .db(p)?;
        let mut out = Vec::new();
        for row in rows {
            let id = row.db(p)?;
            out.push(ScanId(<[u8; 16]>::try_from(id.as_slice()).map_err(
                |_| Error::CorruptLog {
                    what: "conflicts.scan_id",
                    detail: hex::encode(&id),
                },
            )?));
        }
        Ok(out)
    }

    /// Mark `conflicts` as sent to the center.
    pub(crate) fn conflicts_reported(&self, conflicts: &[ScanId]) -> Result<()> {
        let p = self.path.as_str();
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .db(p)?;
        for id in conflicts {
            tx.execute(
                "UPDATE conflicts SET reported = 1 WHERE scan_id = ?1",
                params![&id.0[..]],
            )
            .db(p)?;
        }
        tx.commit().db(p)
    }

    /// Whether a scan with this id is in the log.
    pub fn contains(&self, scan: ScanId) -> Result<bool> {
        let n: i64 = self
            .conn
            .query_row(
                "SELECT COUNT(*) FROM scans WHERE scan_id = ?1",
                params![&scan.0[..]],
                |r| r.get(0),
            )
            .db(&self.path)?;
        Ok(n > 0)
    }

    /// The stored scan with this id.
    pub fn scan(&self, scan: ScanId) -> Result<Option<EntryRecord>> {
        let bytes: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT record FROM scans WHERE scan_id = ?1",
                params![&scan.0[..]],
                |r| r.get(0),
            )
            .optional()
            .db(&self.path)?;
        bytes.map(|b| decode_record(&b)).transpose()
    }

    /// The last position in the log (0 when empty).
    pub fn last_seq(&self) -> Result<i64> {
        self.conn
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM scans", [], |r| r.get(0))
            .db(&self.path)
    }
}

/// Whether `policy` refuses the admission `record` of `serial` given the
/// presence the log holds now.
fn would_refuse(
    conn: &rusqlite::Connection,
    record: &EntryRecord,
    serial: TicketSerial,
    policy: PassbackPolicy,
    p: &str,
) -> Result<bool> {
    let (presence, _) = read_presence(conn, serial, p)?;
    // The ticket's re-entry flag is not in the record: the venue's policy
    // decides (a flagged ticket re-admitted offline after an exit elsewhere
    // is reported for review).
    let paper = record.medium == Medium::Paper;
    Ok(policy.check(presence, paper).is_err())
}

/// Add one scan to its ticket's presence.
fn apply_presence(
    conn: &rusqlite::Connection,
    record: &EntryRecord,
    serial: TicketSerial,
    p: &str,
) -> Result<()> {
    match (record.direction, record.result) {
        (Direction::Entry, ScanResult::Admitted { .. }) => {
            conn.execute(
                "INSERT INTO presence (serial, entries, inside, last_at, last_gate)
                 VALUES (?1, 1, 1, ?2, ?3)
                 ON CONFLICT (serial) DO UPDATE SET
                   entries = entries + 1, inside = 1,
                   last_at = excluded.last_at, last_gate = excluded.last_gate",
                params![
                    i64::from(serial.0),
                    ts(record.at)?,
                    i64::from(record.gate.0)
                ],
            )
            .db(p)?;
        }
        (Direction::Exit, ScanResult::Exited) => {
            conn.execute(
                "UPDATE presence SET inside = 0 WHERE serial = ?1",
                params![i64::from(serial.0)],
            )
            .db(p)?;
        }
        _ => {}
    }
    Ok(())
}

/// Compute a ticket's presence again from its scans, in log order.
fn recompute_presence(conn: &rusqlite::Connection, serial: TicketSerial, p: &str) -> Result<()> {
    let mut stmt = conn
        .prepare_cached("SELECT record FROM scans WHERE serial = ?1 ORDER BY seq")
        .db(p)?;
    let rows = stmt
        .query_map(params![i64::from(serial.0)], |r| r.get::<_, Vec<u8>>(0))
        .db(p)?;
    let mut presence = Presence::default();
    let mut last: Option<(Timestamp, GateId)> = None;
    for row in rows {
        let record = decode_record(&row.db(p)?)?;
        match (record.direction, record.result) {
            (Direction::Entry, ScanResult::Admitted { .. }) => {
                presence.entries = presence.entries.saturating_add(1);
                presence.inside = true;
                last = Some((record.at, record.gate));
            }
            (Direction::Exit, ScanResult::Exited) => presence.inside = false,
            _ => {}
        }
    }
    match last {
        Some((at, gate)) => {
            conn.execute(
                "INSERT INTO presence (serial, entries, inside, last_at, last_gate)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (serial) DO UPDATE SET entries = excluded.entries,
                   inside = excluded.inside, last_at = excluded.last_at,
                   last_gate = excluded.last_gate",
                params![
                    i64::from(serial.0),
                    i64::from(presence.entries),
                    presence.inside,
                    ts(at)?,
                    i64::from(gate.0)
                ],
            )
            .db(p)?;
        }
        None => {
            conn.execute(
                "DELETE FROM presence WHERE serial = ?1",
                params![i64::from(serial.0)],
            )
            .db(p)?;
        }
    }
    Ok(())
}
