//! Offline entry logs reach the center exactly once: batches by cursor,
//! idempotent import keyed by scan id, conflicts detected.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use eticket_core::fixtures;
use eticket_gate::upload::{ImportReport, ScanArchive, UploadBatch};
use eticket_gate::{Cursor, Error, PassbackPolicy};

#[test]
fn batches_upload_everything_once_even_when_retried() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    for s in 1..=7 {
        gate.admit_paper(paper(s).as_bytes(), fixtures::NOW)
            .unwrap();
    }
    gate.admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    let archive_dir = tempfile::tempdir().unwrap();
    let mut archive = ScanArchive::open(archive_dir.path().join("center.db")).unwrap();

    // First batch of 5; the answer is "lost", so it is sent again.
    let b1 = v.unit.pending_upload("festhalle", 5).unwrap();
    assert_eq!(b1.records.len(), 5);
    let wire = b1.encode().unwrap();
    let first = archive.import_bytes(&wire).unwrap();
    assert_eq!(
        first,
        ImportReport {
            added: 5,
            already_present: 0
        }
    );
    let retry = v.unit.pending_upload("festhalle", 5).unwrap();
    assert_eq!(retry, b1);
    assert_eq!(
        archive.import(&retry).unwrap(),
        ImportReport {
            added: 0,
            already_present: 5
        }
    );
    v.unit.confirm_upload(&retry).unwrap();

    // More scans happen while the rest is pending.
    gate.admit_paper(paper(20).as_bytes(), fixtures::NOW)
        .unwrap();
    let b2 = v.unit.pending_upload("festhalle", 100).unwrap();
    assert_eq!(b2.records.len(), 4);
    assert_eq!(b2.from_cursor, b1.to_cursor);
    // An overlapping export (from the start) adds only what is new.
    let (all, _) = v.unit.log().export_since(Cursor(0), 100).unwrap();
    let overlap =
        UploadBatch::new("festhalle", fixtures::EVENT, Cursor(0), Cursor(9), all).unwrap();
    assert_eq!(
        archive.import(&overlap).unwrap(),
        ImportReport {
            added: 4,
            already_present: 5
        }
    );
    assert_eq!(archive.import(&b2).unwrap().added, 0);
    v.unit.confirm_upload(&b2).unwrap();
    assert!(
        v.unit
            .pending_upload("festhalle", 100)
            .unwrap()
            .records
            .is_empty()
    );
    // A stale confirmation never moves the cursor back.
    v.unit.confirm_upload(&b1).unwrap();
    assert!(
        v.unit
            .pending_upload("festhalle", 100)
            .unwrap()
            .records
            .is_empty()
    );

    let stored = archive.records(fixtures::EVENT).unwrap();
    assert_eq!(stored.len(), 9);
    let mut local = v.unit.records().unwrap();
    let mut stored_sorted = stored.clone();
    local.sort_by_key(|r| r.scan_id);
    stored_sorted.sort_by_key(|r| r.scan_id);
    assert_eq!(local, stored_sorted);
}

#[test]
fn a_scan_id_with_different_content_is_a_conflict_and_rolls_back_the_batch() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    for s in 1..=3 {
        gate.admit_paper(paper(s).as_bytes(), fixtures::NOW)
            .unwrap();
    }
    let center = tempfile::tempdir().unwrap();
    let mut archive = ScanArchive::open(center.path().join("c.db")).unwrap();
    let batch = v.unit.pending_upload("u", 10).unwrap();
    archive
        .import(&UploadBatch {
            records: batch.records[..1].to_vec(),
            ..batch.clone()
        })
        .unwrap();
    let mut evil = batch.clone();
    evil.records[0].gate = eticket_core::ids::GateId(2);
    let err = archive.import(&evil).unwrap_err();
    assert!(matches!(err, Error::ScanIdConflict { .. }), "{err}");
    // Nothing of the refused batch was stored.
    assert_eq!(archive.records(fixtures::EVENT).unwrap().len(), 1);
}

#[test]
fn batch_decoder_refuses_bad_input() {
    assert!(UploadBatch::decode(&[]).is_err());
    assert!(UploadBatch::decode(&[2, 0]).is_err());
    assert!(UploadBatch::decode(&[1, 0xff, 0xff, 0xff, 0xff, 0x0f]).is_err());
    let v = venue(PassbackPolicy::SingleEntry);
    v.gate(1)
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    let mut wire = v.unit.pending_upload("u", 10).unwrap().encode().unwrap();
    assert!(UploadBatch::decode(&wire).is_ok());
    wire.push(0);
    assert!(matches!(UploadBatch::decode(&wire), Err(Error::Batch(_))));
    let huge = vec![1u8; eticket_gate::upload::MAX_BATCH_LEN + 1];
    assert!(matches!(
        UploadBatch::decode(&huge),
        Err(Error::BatchTooLarge { .. })
    ));
}

#[test]
fn the_center_imports_into_its_own_connection_and_computes_statistics() {
    use eticket_gate::Statistics;
    use eticket_gate::record::TicketFacts;
    use eticket_gate::upload::{ARCHIVE_SCHEMA, archived_records, import_batch};
    // Two venue units (two entrances with their own servers) of one event.
    let a = venue(PassbackPolicy::SingleEntry);
    let b = venue(PassbackPolicy::SingleEntry);
    a.gate(1)
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    b.gate(2)
        .admit_paper(paper(2).as_bytes(), fixtures::NOW)
        .unwrap();
    b.gate(2).admit_paper(&[1, 0], fixtures::NOW).unwrap();
    let center = rusqlite::Connection::open_in_memory().unwrap();
    center.execute_batch(ARCHIVE_SCHEMA).unwrap();
    for unit in [&a.unit, &b.unit] {
        let batch = unit.pending_upload("unit", 100).unwrap();
        let bytes = batch.encode().unwrap();
        // Sent twice: the second time adds nothing.
        for _ in 0..2 {
            import_batch(&center, &UploadBatch::decode(&bytes).unwrap()).unwrap();
        }
        unit.confirm_upload(&batch).unwrap();
    }
    let records = archived_records(&center, fixtures::EVENT).unwrap();
    assert_eq!(records.len(), 3);
    let issued = (1..=3)
        .map(|s| TicketFacts::from(&fixtures::paper_ticket(eticket_core::ids::TicketSerial(s))));
    let s = Statistics::compute(&fixtures::small_event(), &records, issued);
    assert_eq!((s.issued, s.attended, s.refused), (3, 2, 1));
    assert_eq!(s.no_shows, vec![eticket_core::ids::TicketSerial(3)]);
}

/// A record as units wrote it before records carried the chip's proof.
#[derive(serde::Serialize)]
struct RecordV1<'a> {
    scan_id: eticket_gate::ScanId,
    event: eticket_core::ids::EventId,
    at: eticket_core::time::Timestamp,
    gate: eticket_core::ids::GateId,
    device: &'a str,
    direction: eticket_gate::record::Direction,
    medium: eticket_gate::record::Medium,
    ticket: Option<eticket_gate::record::TicketFacts>,
    result: eticket_gate::record::ScanResult,
}

impl<'a> From<&'a eticket_gate::EntryRecord> for RecordV1<'a> {
    fn from(r: &'a eticket_gate::EntryRecord) -> Self {
        Self {
            scan_id: r.scan_id,
            event: r.event,
            at: r.at,
            gate: r.gate,
            device: &r.device,
            direction: r.direction,
            medium: r.medium,
            ticket: r.ticket,
            result: r.result,
        }
    }
}

#[derive(serde::Serialize)]
struct BatchV1<'a> {
    unit: &'a str,
    event: eticket_core::ids::EventId,
    from_cursor: i64,
    to_cursor: i64,
    records: Vec<RecordV1<'a>>,
}

#[test]
fn batches_and_records_from_before_chip_proofs_still_decode() {
    use eticket_gate::upload::archived_records;
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    for s in 1..=3 {
        gate.admit_paper(paper(s).as_bytes(), fixtures::NOW)
            .unwrap();
    }
    let batch = v.unit.pending_upload("old-unit", 10).unwrap();
    assert_eq!(batch.encode().unwrap()[0], 2);
    // A unit not yet updated sends version 1.
    let mut v1 = vec![1u8];
    v1.extend(
        postcard::to_allocvec(&BatchV1 {
            unit: &batch.unit,
            event: batch.event,
            from_cursor: batch.from_cursor,
            to_cursor: batch.to_cursor,
            records: batch.records.iter().map(RecordV1::from).collect(),
        })
        .unwrap(),
    );
    let decoded = UploadBatch::decode(&v1).unwrap();
    assert_eq!(decoded, batch);
    let dir = tempfile::tempdir().unwrap();
    let mut archive = ScanArchive::open(dir.path().join("center.db")).unwrap();
    assert_eq!(archive.import_bytes(&v1).unwrap().added, 3);
    // Updated, it sends the same scans again in version 2: nothing new.
    let again = archive.import_bytes(&batch.encode().unwrap()).unwrap();
    assert_eq!(
        again,
        ImportReport {
            added: 0,
            already_present: 3
        }
    );
    let mut stored = archive.records(fixtures::EVENT).unwrap();
    let mut sent = batch.records.clone();
    stored.sort_by_key(|r| r.scan_id);
    sent.sort_by_key(|r| r.scan_id);
    assert_eq!(stored, sent);

    // A center archive row and an entry log row in the old layout read back.
    let old = postcard::to_allocvec(&RecordV1::from(&batch.records[0])).unwrap();
    let center = rusqlite::Connection::open_in_memory().unwrap();
    center
        .execute_batch(eticket_gate::upload::ARCHIVE_SCHEMA)
        .unwrap();
    center
        .execute(
            "INSERT INTO gate_scans (scan_id, event, unit, at, record) VALUES (?1, ?2, 'u', 0, ?3)",
            rusqlite::params![&batch.records[0].scan_id.0[..], fixtures::EVENT.0, &old],
        )
        .unwrap();
    assert_eq!(
        archived_records(&center, fixtures::EVENT).unwrap(),
        vec![batch.records[0].clone()]
    );
    let log = rusqlite::Connection::open(v.path()).unwrap();
    log.execute(
        "UPDATE scans SET record = ?1 WHERE scan_id = ?2",
        rusqlite::params![&old, &batch.records[0].scan_id.0[..]],
    )
    .unwrap();
    assert_eq!(v.unit.records().unwrap(), batch.records);
    // Garbage in either place is an error, not a panic.
    assert!(eticket_gate::EntryRecord::from_stored_bytes(&old[..old.len() - 1]).is_err());
    let mut longer = batch.records[0].to_stored_bytes().unwrap();
    longer.push(0);
    assert!(eticket_gate::EntryRecord::from_stored_bytes(&longer).is_err());
}

#[test]
fn a_batch_never_outgrows_its_format_however_large_the_records() {
    // Chip scans carry their challenge and answer: ~100 bytes more each.
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v
        .unit
        .gate(eticket_core::ids::GateId(1), &"d".repeat(64))
        .unwrap();
    for serial in 1..=4 {
        gate.admit_chip(&mut card_with_ticket(serial), fixtures::NOW)
            .unwrap();
    }
    let all = v.unit.records().unwrap();
    let one = all[0].to_stored_bytes().unwrap().len();
    assert!(one > 200, "{one}");
    // With room for two records and a bit, two come out, then the rest.
    let log = v.unit.log();
    let (first, to) = log.export_within(Cursor(0), 10, 2 * one + 10).unwrap();
    assert_eq!(first, all[..2].to_vec());
    let (rest, end) = log.export_within(to, 10, usize::MAX).unwrap();
    assert_eq!(rest, all[2..].to_vec());
    assert_eq!(log.export_since(Cursor(0), 10).unwrap().1, end);
    let batch = v.unit.pending_upload("unit", 10).unwrap();
    assert_eq!(batch.records, all);
    // 10 000 such records would not fit 2 MiB: the unit's batches are cut
    // by size too, so each one encodes.
    assert!(one * eticket_gate::upload::MAX_BATCH_RECORDS > eticket_gate::upload::MAX_BATCH_LEN);
    batch.encode().unwrap();
}
