//! Offline entry logs leave the unit exactly once: batches by cursor, a
//! retry gets the same batch, a stale confirmation never moves the cursor
//! back, and batches from units not yet updated still decode. (The center's
//! idempotent import is tested in eticket-center's `tests/entries.rs`.)

mod common;

use std::collections::BTreeMap;

use common::*;
use eticket_core::fixtures;
use eticket_entries::Error as EntriesError;
use eticket_gate::upload::UploadBatch;
use eticket_gate::{Cursor, EntryRecord, PassbackPolicy, ScanId};

#[test]
fn the_upload_cursor_sends_every_scan_once_even_when_retried() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    for s in 1..=7 {
        gate.admit_paper(paper(s).as_bytes(), fixtures::NOW)
            .unwrap();
    }
    gate.admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    let mut sent: BTreeMap<ScanId, EntryRecord> = BTreeMap::new();

    // First batch of 5; the answer is "lost", so the same batch comes again.
    let b1 = v.unit.pending_upload("festhalle", 5).unwrap();
    assert_eq!(b1.records.len(), 5);
    let wire = b1.encode().unwrap();
    assert_eq!(UploadBatch::decode(&wire).unwrap(), b1);
    let retry = v.unit.pending_upload("festhalle", 5).unwrap();
    assert_eq!(retry, b1);
    v.unit.confirm_upload(&retry).unwrap();
    sent.extend(b1.records.iter().map(|r| (r.scan_id, r.clone())));

    // More scans happen while the rest is pending.
    gate.admit_paper(paper(20).as_bytes(), fixtures::NOW)
        .unwrap();
    let b2 = v.unit.pending_upload("festhalle", 100).unwrap();
    assert_eq!(b2.records.len(), 4);
    assert_eq!(b2.from_cursor, b1.to_cursor);
    assert!(b2.records.iter().all(|r| !sent.contains_key(&r.scan_id)));
    v.unit.confirm_upload(&b2).unwrap();
    sent.extend(b2.records.iter().map(|r| (r.scan_id, r.clone())));
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
    // What was sent is exactly the log, each scan once.
    let local: BTreeMap<ScanId, EntryRecord> = v
        .unit
        .records()
        .unwrap()
        .into_iter()
        .map(|r| (r.scan_id, r))
        .collect();
    assert_eq!(local.len(), 9);
    assert_eq!(sent, local);
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
    assert!(matches!(
        UploadBatch::decode(&wire),
        Err(EntriesError::Batch(_))
    ));
    let huge = vec![1u8; eticket_gate::upload::MAX_BATCH_LEN + 1];
    assert!(matches!(
        UploadBatch::decode(&huge),
        Err(EntriesError::BatchTooLarge { .. })
    ));
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
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    for s in 1..=3 {
        gate.admit_paper(paper(s).as_bytes(), fixtures::NOW)
            .unwrap();
    }
    let batch = v.unit.pending_upload("old-unit", 10).unwrap();
    assert_eq!(batch.encode().unwrap()[0], 3);
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
    // An entry log row in the old layout reads back.
    let old = postcard::to_allocvec(&RecordV1::from(&batch.records[0])).unwrap();
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
