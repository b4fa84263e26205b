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
