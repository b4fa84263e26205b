//! The venue unit's shared entry log: one SQLite file (WAL) that every gate
//! of the venue writes through its own connection.
//!
//! Schema:
//!
//! ```text
//! unit     (key TEXT PRIMARY KEY, value BLOB)         event id, upload cursor, trust material
//! scans    (seq INTEGER PRIMARY KEY AUTOINCREMENT,    local order, the upload cursor
//!           scan_id BLOB UNIQUE, at, gate, kind,       kind: 0 admitted, 1 refused, 2 exit
//!           serial, record BLOB)                       record: the postcard EntryRecord
//! presence (serial INTEGER PRIMARY KEY,               one row per ticket that ever entered
//!           entries, inside, last_at, last_gate)
//! conflicts (scan_id BLOB PRIMARY KEY, serial,        admissions decided apart that break the
//!            reported)                                 venue's policy (see `reconcile`); reported:
//!                                                      sent to the center in an upload batch
//! ```
//!
//! Anti-passback is one `BEGIN IMMEDIATE` transaction: read the ticket's
//! presence, apply the policy, write presence and the scan, commit. SQLite
//! lets one writer at a time hold that lock, so two gates can never both see
//! "not entered yet" for one ticket; the decision and its log line are
//! committed together or not at all (`synchronous = FULL`: an admission that
//! was shown as admitted survives a power cut).

use std::path::Path;
use std::time::Duration;

use eticket_core::ids::{EventId, GateId, TicketSerial};
use eticket_core::time::Timestamp;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use crate::error::DbContext;
use crate::passback::{PassbackPolicy, Presence};
use crate::record::{Direction, EntryRecord, ScanResult, TicketFacts};
use crate::refusal::Refusal;
use crate::{Error, Result};

/// How long a gate waits for another gate's transaction before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS unit (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS scans (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    scan_id BLOB    NOT NULL UNIQUE,
    at      INTEGER NOT NULL,
    gate    INTEGER NOT NULL,
    kind    INTEGER NOT NULL,
    serial  INTEGER,
    record  BLOB    NOT NULL
);
CREATE INDEX IF NOT EXISTS scans_serial ON scans (serial);
CREATE TABLE IF NOT EXISTS presence (
    serial    INTEGER PRIMARY KEY,
    entries   INTEGER NOT NULL,
    inside    INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    last_gate INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS conflicts (
    scan_id  BLOB    PRIMARY KEY,
    serial   INTEGER NOT NULL,
    reported INTEGER NOT NULL DEFAULT 0
);
";

mod reconcile;
pub use reconcile::{Conflict, ConflictAdmission, Stored};

pub use eticket_entries::upload::Cursor;

/// The last admission of a ticket, for the steward when it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviousEntry {
    /// Where it entered.
    pub gate: GateId,
    /// That gate's name, when the venue knows it.
    pub gate_name: Option<String>,
    /// When.
    pub at: Timestamp,
    /// How many admissions it has had.
    pub entries: u32,
}

/// A ticket that passed every check but anti-passback, offered for entry.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate {
    pub facts: TicketFacts,
    pub paper: bool,
    /// The ticket carries the re-entry flag.
    pub reentry: bool,
}

/// What the log decided for an entry attempt.
#[derive(Debug, Clone)]
pub(crate) struct Logged {
    /// Index of the admitted candidate, if any.
    pub admitted: Option<usize>,
    /// The record written.
    pub record: EntryRecord,
    /// For a passback refusal, the ticket's last admission.
    pub previous: Option<PreviousEntry>,
}

/// A connection to the entry log of one event.
#[derive(Debug)]
pub struct EntryLog {
    conn: Connection,
    path: String,
    event: EventId,
}

fn kind(result: ScanResult) -> i64 {
    match result {
        ScanResult::Admitted { .. } => 0,
        ScanResult::Refused { .. } => 1,
        ScanResult::Exited => 2,
    }
}

impl EntryLog {
    /// Open (or create) the log at `path` for `event`. Fails when the file
    /// belongs to another event.
    pub fn open(path: impl AsRef<Path>, event: EventId) -> Result<Self> {
        let path_str = path.as_ref().display().to_string();
        let p = path_str.as_str();
        owner_only(path.as_ref()).db(p)?;
        let mut conn = Connection::open(path.as_ref()).db(p)?;
        conn.busy_timeout(BUSY_TIMEOUT).db(p)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .db(p)?;
        if !mode.eq_ignore_ascii_case("wal") && !mode.eq_ignore_ascii_case("memory") {
            return Err(Error::Config(
                "the entry log needs SQLite's WAL journal mode",
            ));
        }
        conn.execute_batch("PRAGMA synchronous = FULL;").db(p)?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db(p)?;
        tx.execute_batch(SCHEMA).db(p)?;
        let stored: Option<i64> = tx
            .query_row("SELECT value FROM unit WHERE key = 'event'", [], |r| {
                r.get(0)
            })
            .optional()
            .db(p)?;
        match stored {
            Some(found) if found != i64::from(event.0) => {
                let found = u32::try_from(found).map_err(|_| Error::CorruptLog {
                    what: "unit.event",
                    detail: format!("{found} is not an event id"),
                })?;
                return Err(Error::WrongEventLog {
                    expected: event,
                    found: EventId(found),
                });
            }
            Some(_) => {}
            None => {
                tx.execute(
                    "INSERT INTO unit (key, value) VALUES ('event', ?1)",
                    params![i64::from(event.0)],
                )
                .db(p)?;
            }
        }
        tx.commit().db(p)?;
        Ok(Self {
            conn,
            path: path_str,
            event,
        })
    }

    /// The event this log is for.
    pub fn event(&self) -> EventId {
        self.event
    }

    /// The file path.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Decide anti-passback for `candidates` (in order: the first one the
    /// policy lets in is admitted) and log the scan, in one transaction.
    /// `template` carries the scan's id, time, gate, device and medium.
    pub(crate) fn enter(
        &mut self,
        template: EntryRecord,
        candidates: &[Candidate],
        policy: PassbackPolicy,
    ) -> Result<Logged> {
        let p = self.path.as_str();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db(p)?;
        let mut first_refusal: Option<(usize, Refusal, Option<PreviousEntry>)> = None;
        for (i, c) in candidates.iter().enumerate() {
            let (presence, previous) = read_presence(&tx, c.facts.serial, p)?;
            match policy.for_ticket(c.reentry).check(presence, c.paper) {
                Ok(()) => {
                    let entry = presence.entries.saturating_add(1);
                    tx.execute(
                        "INSERT INTO presence (serial, entries, inside, last_at, last_gate)
                         VALUES (?1, ?2, 1, ?3, ?4)
                         ON CONFLICT (serial) DO UPDATE SET
                           entries = excluded.entries, inside = 1,
                           last_at = excluded.last_at, last_gate = excluded.last_gate",
                        params![
                            i64::from(c.facts.serial.0),
                            i64::from(entry),
                            ts(template.at)?,
                            i64::from(template.gate.0)
                        ],
                    )
                    .db(p)?;
                    let record = EntryRecord {
                        ticket: Some(c.facts),
                        result: ScanResult::Admitted { entry },
                        ..template
                    };
                    insert_scan(&tx, &record, p)?;
                    tx.commit().db(p)?;
                    return Ok(Logged {
                        admitted: Some(i),
                        record,
                        previous: None,
                    });
                }
                Err(refusal) => {
                    if first_refusal.is_none() {
                        first_refusal = Some((i, refusal, previous));
                    }
                }
            }
        }
        let (facts, code, previous) = match first_refusal {
            Some((i, refusal, prev)) => (candidates.get(i).map(|c| c.facts), refusal.code(), prev),
            None => (None, Refusal::NoTicket.code(), None),
        };
        let record = EntryRecord {
            ticket: facts.or(template.ticket),
            result: ScanResult::Refused { code },
            ..template
        };
        insert_scan(&tx, &record, p)?;
        tx.commit().db(p)?;
        Ok(Logged {
            admitted: None,
            record,
            previous,
        })
    }

    /// Log a scan that was decided without the log (a refusal before
    /// anti-passback).
    pub(crate) fn append(&mut self, record: &EntryRecord) -> Result<()> {
        let p = self.path.as_str();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db(p)?;
        insert_scan(&tx, record, p)?;
        tx.commit().db(p)
    }

    /// Log an exit of `serial` and mark it outside, in one transaction.
    /// Returns whether it was inside.
    pub(crate) fn exit(&mut self, record: &EntryRecord, serial: TicketSerial) -> Result<bool> {
        let p = self.path.as_str();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .db(p)?;
        let changed = tx
            .execute(
                "UPDATE presence SET inside = 0 WHERE serial = ?1 AND inside = 1",
                params![i64::from(serial.0)],
            )
            .db(p)?;
        insert_scan(&tx, record, p)?;
        tx.commit().db(p)?;
        Ok(changed == 1)
    }

    /// What the log knows about one ticket.
    pub fn presence(&self, serial: TicketSerial) -> Result<Presence> {
        read_presence(&self.conn, serial, &self.path).map(|(p, _)| p)
    }

    /// Number of tickets admitted at least once.
    pub fn admitted_tickets(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM presence", [], |r| r.get(0))
            .db(&self.path)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Number of scans logged.
    pub fn scan_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM scans", [], |r| r.get(0))
            .db(&self.path)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Up to `limit` records after `cursor`, in log order, and the cursor to
    /// continue from.
    pub fn export_since(&self, cursor: Cursor, limit: usize) -> Result<(Vec<EntryRecord>, Cursor)> {
        self.export_within(cursor, limit, usize::MAX)
    }

    /// Like [`export_since`](Self::export_since), but also stops before the
    /// records' encodings (the stored layout, as in an upload batch) would
    /// add up to more than `max_bytes`, so that a batch of them fits its
    /// format's size bound whatever the records hold.
    pub fn export_within(
        &self,
        cursor: Cursor,
        limit: usize,
        max_bytes: usize,
    ) -> Result<(Vec<EntryRecord>, Cursor)> {
        let p = self.path.as_str();
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, record FROM scans WHERE seq > ?1 ORDER BY seq LIMIT ?2")
            .db(p)?;
        let rows = stmt
            .query_map(params![cursor.0, limit], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .db(p)?;
        let mut out = Vec::new();
        let mut last = cursor;
        let mut bytes = 0usize;
        for row in rows {
            let (seq, stored) = row.db(p)?;
            let record = decode_record(&stored)?;
            // Re-encoded: a record stored in the old layout grows by a byte.
            let len = record.to_stored_bytes()?.len();
            if bytes.saturating_add(len) > max_bytes {
                break;
            }
            bytes += len;
            out.push(record);
            last = Cursor(seq);
        }
        Ok((out, last))
    }

    /// Every record, in log order.
    pub fn records(&self) -> Result<Vec<EntryRecord>> {
        self.export_since(Cursor(0), usize::MAX).map(|(r, _)| r)
    }

    /// The cursor up to which records have been uploaded.
    pub fn upload_cursor(&self) -> Result<Cursor> {
        let v: Option<i64> = self
            .conn
            .query_row(
                "SELECT value FROM unit WHERE key = 'upload_cursor'",
                [],
                |r| r.get(0),
            )
            .optional()
            .db(&self.path)?;
        Ok(Cursor(v.unwrap_or(0)))
    }

    /// Remember that the center has stored everything up to `cursor`.
    /// The cursor never moves back.
    pub fn set_upload_cursor(&self, cursor: Cursor) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO unit (key, value) VALUES ('upload_cursor', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                params![cursor.0],
            )
            .db(&self.path)?;
        Ok(())
    }

    /// A stored value of the unit table.
    pub(crate) fn get_meta(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.conn
            .query_row("SELECT value FROM unit WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()
            .db(&self.path)
    }

    /// The value of `key` in the unit table, storing `value` first when the
    /// key has none (the first writer wins when two connections race).
    pub(crate) fn meta_or_insert(&self, key: &str, value: &[u8]) -> Result<Vec<u8>> {
        self.conn
            .execute(
                "INSERT INTO unit (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO NOTHING",
                params![key, value],
            )
            .db(&self.path)?;
        self.get_meta(key)?
            .ok_or(Error::Config("the unit table lost a value just stored"))
    }

    /// Store values of the unit table, all or none.
    pub(crate) fn put_meta(&self, values: &[(&str, Vec<u8>)]) -> Result<()> {
        let p = self.path.as_str();
        let tx = rusqlite::Transaction::new_unchecked(&self.conn, TransactionBehavior::Immediate)
            .db(p)?;
        for (key, value) in values {
            tx.execute(
                "INSERT INTO unit (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, value],
            )
            .db(p)?;
        }
        tx.commit().db(p)
    }
}

/// The log holds the unit's signing key: create it readable by its owner
/// only, and make an older one so (SQLite gives its -wal and -shm files the
/// main file's permissions).
///
/// An existing file is never opened here, only changed by its path: closing
/// any descriptor of a file drops every POSIX lock this process holds on it,
/// so opening and closing the log beside a live SQLite connection would
/// leave that connection without its locks, and another process closing
/// the log could then take it for the last one and remove its WAL, with the
/// commits in it.
fn owner_only(path: &Path) -> rusqlite::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let io = |e: std::io::Error| {
            rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
                Some(format!("making the entry log the owner's only: {e}")),
            )
        };
        if path.to_str() == Some(":memory:") {
            return Ok(());
        }
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path)
        {
            // Made now: no connection has it open.
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io(e)),
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut file = path.as_os_str().to_owned();
            file.push(suffix);
            let file = std::path::PathBuf::from(file);
            if let Ok(meta) = std::fs::metadata(&file) {
                if meta.is_file() && meta.permissions().mode() & 0o077 != 0 {
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600))
                        .map_err(io)?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

fn ts(t: Timestamp) -> Result<i64> {
    i64::try_from(t.0).map_err(|_| Error::TimeOutOfRange(t.0))
}

fn read_presence(
    conn: &Connection,
    serial: TicketSerial,
    p: &str,
) -> Result<(Presence, Option<PreviousEntry>)> {
    let row: Option<(i64, i64, i64, i64)> = conn
        .prepare_cached(
            "SELECT entries, inside, last_at, last_gate FROM presence WHERE serial = ?1",
        )
        .db(p)?
        .query_row(params![i64::from(serial.0)], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .optional()
        .db(p)?;
    let Some((entries, inside, at, gate)) = row else {
        return Ok((Presence::default(), None));
    };
    let corrupt = |what, v: i64| Error::CorruptLog {
        what,
        detail: format!("{v}"),
    };
    let entries = u32::try_from(entries).map_err(|_| corrupt("presence.entries", entries))?;
    let presence = Presence {
        entries,
        inside: inside != 0,
    };
    let previous = PreviousEntry {
        gate: GateId(u16::try_from(gate).map_err(|_| corrupt("presence.last_gate", gate))?),
        gate_name: None,
        at: Timestamp(u64::try_from(at).map_err(|_| corrupt("presence.last_at", at))?),
        entries,
    };
    Ok((presence, Some(previous)))
}

fn insert_scan(conn: &Connection, record: &EntryRecord, p: &str) -> Result<()> {
    let bytes = record.to_stored_bytes()?;
    let serial = record.ticket.map(|t| i64::from(t.serial.0));
    let direction = match record.direction {
        Direction::Entry => kind(record.result),
        Direction::Exit => 2,
    };
    conn.prepare_cached(
        "INSERT INTO scans (scan_id, at, gate, kind, serial, record) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .db(p)?
    .execute(params![
        &record.scan_id.0[..],
        ts(record.at)?,
        i64::from(record.gate.0),
        direction,
        serial,
        bytes
    ])
    .db(p)?;
    Ok(())
}

fn decode_record(bytes: &[u8]) -> Result<EntryRecord> {
    EntryRecord::from_stored_bytes(bytes).map_err(|e| Error::CorruptLog {
        what: "scans.record",
        detail: e.to_string(),
    })
}
