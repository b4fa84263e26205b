//! Entry logs from the venue units (c55, c58, c60): a venue unit uploads
//! batches of its gates' scans; the center stores each scan once, keyed by its
//! scan id, so a retried or overlapping upload adds nothing twice; statistics
//! are computed from what arrived and from the issued tickets.
//!
//! The batch format and the statistics are eticket-entries'
//! ([`UploadBatch`](eticket_entries::UploadBatch), [`Statistics`]), shared
//! with the venue units; this module is the center's side.

use eticket_core::crypto::PublicKey;
use eticket_core::ids::EventId;
use eticket_core::master::TicketState;
use eticket_entries::Statistics;
use eticket_entries::conflict::conflicts_from;
use eticket_entries::record::{EntryRecord, TicketFacts};
use eticket_entries::signed_batch::{open_signed_batch, peek_signed_batch};
use serde::{Deserialize, Serialize};

use sha2::{Digest, Sha256};

use crate::organizer::check_organizer;
use crate::store::Tx;
use crate::tables::events::load as load_event;
use crate::tables::{entries, tickets};
use crate::{Center, Error, Principal, Result};

/// What an upload did.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct EntryImport {
    /// Scans stored for the first time.
    pub added: u32,
    /// Scans the center already had (a retried upload).
    pub already_present: u32,
}

fn may_upload(who: &Principal, event: EventId) -> Result<()> {
    match who {
        Principal::Unit { event: e, .. } if *e == event => Ok(()),
        Principal::Operator => Ok(()),
        Principal::Gate(e) if *e == event => Err(Error::Forbidden(
            "an event's shared gate token cannot upload entry logs: each venue unit uploads \
             with its own credential (eticket credential --role unit)"
                .into(),
        )),
        _ => Err(Error::Forbidden(
            "only the event's venue unit uploads entry logs".into(),
        )),
    }
}

/// The registered unit a signed batch names, with its key; a unit
/// credential must be that unit's.
fn signing_unit(tx: &mut dyn Tx, who: &Principal, event: EventId, name: &str) -> Result<PublicKey> {
    let row = entries::unit(tx, event, name)?.ok_or_else(|| {
        Error::invalid(
            "entries",
            format!("no venue unit named {name:?} is registered for event {event}"),
        )
    })?;
    if let Principal::Unit { unit, .. } = who {
        if *unit != row.id {
            return Err(Error::Forbidden(format!(
                "this credential is not unit {name:?}'s: a unit uploads only its own entry log"
            )));
        }
    }
    Ok(row.public_key)
}

/// Entry logs and statistics are the event organizer's (and the operator's).
fn may_read(tx: &mut dyn Tx, who: &Principal, event: EventId) -> Result<()> {
    match who {
        Principal::Organizer(_) | Principal::Operator => check_organizer(tx, who, event),
        _ => Err(Error::Forbidden(
            "only the event's organizer reads entry logs and statistics".into(),
        )),
    }
}

impl Center {
    /// Store a venue unit's signed upload batch (the bytes of eticket-gate's
    /// `VenueUnit::signed_upload`: the encoded batch signed with the unit's
    /// key) in one transaction: every scan once. The batch must name a unit registered for the event
    /// ([`Center::issue_unit_credential`]), be signed with that unit's key,
    /// and come with that unit's credential (or the operator's). A scan id
    /// that arrives again with different content is refused, and nothing of
    /// the batch is stored.
    ///
    /// The answer is also stored under the caller's idempotency `key`; a retry
    /// with it returns the first answer.
    pub fn import_entries(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        batch: &[u8],
    ) -> Result<EntryImport> {
        may_upload(who, event)?;
        let digest = hex::encode(Sha256::digest(batch));
        let claimed =
            peek_signed_batch(batch).map_err(|e| Error::invalid("entries", e.to_string()))?;
        let unit_key = self.read(|tx| signing_unit(tx, who, event, &claimed.unit))?;
        let batch = open_signed_batch(batch, &unit_key)
            .map_err(|e| Error::invalid("entries", e.to_string()))?;
        if batch.event != event {
            return Err(Error::invalid(
                "entries",
                format!("the batch is for event {}, not {event}", batch.event),
            ));
        }
        let mut encoded = Vec::with_capacity(batch.records.len());
        for r in &batch.records {
            let bytes = r
                .to_stored_bytes()
                .map_err(|e| Error::invalid("entries", e.to_string()))?;
            encoded.push((r, bytes));
        }
        self.mutate(who, key, "import_entries", &(event, &digest), |tx, _| {
            load_event(tx, event)?;
            let mut report = EntryImport::default();
            for (r, bytes) in &encoded {
                if entries::insert_scan(tx, event, &batch.unit, r, bytes)? {
                    report.added += 1;
                    continue;
                }
                let stored = entries::stored_scan(tx, r.scan_id)?;
                // Compared as records: a scan stored from a version 1 batch
                // (before records carried the chip's proof) and sent again
                // in version 2 is the same scan.
                let same = match &stored {
                    Some(b) => {
                        b == bytes || EntryRecord::from_stored_bytes(b).is_ok_and(|old| &old == *r)
                    }
                    None => false,
                };
                match stored {
                    Some(_) if same => report.already_present += 1,
                    _ => {
                        return Err(Error::invalid(
                            "entries",
                            format!("scan {} was uploaded before with other content", r.scan_id),
                        ));
                    }
                }
            }
            // The double admissions the unit found, among these scans or
            // earlier ones of the event.
            for scan in &batch.conflicts {
                if !entries::flag_conflict(tx, event, *scan)? {
                    return Err(Error::invalid(
                        "entries",
                        format!("the batch reports scan {scan} as a double admission, but the event has no such scan"),
                    ));
                }
            }
            Ok(report)
        })
    }

    /// Every scan the center holds for `event`, by time.
    pub fn entry_records(&self, who: &Principal, event: EventId) -> Result<Vec<EntryRecord>> {
        self.read(|tx| {
            may_read(tx, who, event)?;
            entries::scans(tx, event)
        })
    }

    /// Attendance, no-shows, entries per gate per minute and refusals (c60),
    /// from the uploaded scans and the tickets issued and still valid.
    pub fn entry_statistics(&self, who: &Principal, event: EventId) -> Result<Statistics> {
        let (info, records, issued, flagged) = self.read(|tx| {
            may_read(tx, who, event)?;
            let info = load_event(tx, event)?.info;
            Ok((
                info,
                entries::scans(tx, event)?,
                load_issued(tx, event)?,
                entries::conflicts(tx, event)?,
            ))
        })?;
        let conflicts = conflicts_from(&records, &flagged.into_iter().collect());
        Ok(Statistics::compute(&info, &records, issued).with_conflicts(conflicts))
    }
}

fn load_issued(tx: &mut dyn Tx, event: EventId) -> Result<Vec<TicketFacts>> {
    tickets::in_states(tx, event, &[TicketState::Issued, TicketState::Used])?
        .into_iter()
        .map(|t| {
            Ok(TicketFacts {
                serial: t.serial,
                generation: t.generation,
                place: t.place,
                seat_type: t.seat_type,
                distributor: t.distributor.ok_or_else(|| {
                    Error::corrupt(format!("issued ticket {} has no distributor", t.serial))
                })?,
            })
        })
        .collect()
}
