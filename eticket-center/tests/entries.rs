//! Entry logs reach the center (c58, c60): a real venue unit admits tickets the
//! center issued, uploads its log, and the center stores each scan once — a
//! retried upload adds nothing, a scan id reused with other content is refused
//! whole — then computes the statistics. Each unit uploads with its own
//! credential, its batches signed with its own key. On SQLite and on
//! PostgreSQL.

#[macro_use]
mod common;

use std::collections::BTreeSet;

use common::{Backend, ORG, SHOP, clock};
use eticket_center::clock::Clock;
use eticket_center::{Error, Principal};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures::{self, EVENT};
use eticket_core::ids::GateId;
use eticket_entries::signed_batch::sign_batch;
use eticket_entries::{Cursor, UploadBatch};
use proptest::prelude::*;

fn entries_arrive_once(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let tickets = common::sell_paper(&center, 4);
    clock.advance(fixtures::NOW.0 - clock.now().0);
    let dir = tempfile::tempdir().unwrap();
    let unit = common::venue(&center, dir.path());
    let mut gate = unit.gate(GateId(2), "east-1").unwrap();
    let now = clock.now();
    for t in &tickets[..3] {
        assert!(gate.admit_paper(t.as_bytes(), now).unwrap().is_admitted());
    }
    assert!(
        !gate
            .admit_paper(tickets[0].as_bytes(), now.plus(5))
            .unwrap()
            .is_admitted()
    );

    let cred = center
        .issue_unit_credential(
            &Principal::Operator,
            EVENT,
            "festhalle",
            &unit.public_key().unwrap(),
        )
        .unwrap();
    let gate_p = center.authenticate(&cred.token).unwrap();
    assert_eq!(
        gate_p,
        Principal::Unit {
            event: EVENT,
            unit: cred.unit
        }
    );
    let (batch, bytes) = unit.signed_upload("festhalle", 100).unwrap();
    assert_eq!(batch.records.len(), 4);
    let first = center.import_entries(&gate_p, "u1", EVENT, &bytes).unwrap();
    assert_eq!((first.added, first.already_present), (4, 0));
    // The unit did not hear the answer and sends the same batch again: under
    // the same idempotency key it gets the first answer, under a new one
    // (say, after a restart) nothing is stored twice either.
    assert_eq!(
        center.import_entries(&gate_p, "u1", EVENT, &bytes).unwrap(),
        first
    );
    let again = center
        .import_entries(&gate_p, "u1-resent", EVENT, &bytes)
        .unwrap();
    assert_eq!((again.added, again.already_present), (0, 4));
    unit.confirm_upload(&batch).unwrap();

    // One more scan, then a batch that also reuses an old scan id with other content.
    assert!(
        gate.admit_paper(tickets[3].as_bytes(), now.plus(60))
            .unwrap()
            .is_admitted()
    );
    let (next, next_bytes) = unit.signed_upload("festhalle", 100).unwrap();
    assert_eq!(next.records.len(), 1);
    let mut forged = next.clone();
    let mut reused = batch.records[0].clone();
    reused.gate = GateId(1);
    forged.records.push(reused);
    let forged_bytes = sign_batch(&forged, &unit.signing_key().unwrap()).unwrap();
    let err = center
        .import_entries(&gate_p, "u2-forged", EVENT, &forged_bytes)
        .unwrap_err();
    assert!(err.to_string().contains("other content"), "{err}");
    assert_eq!(
        center.entry_records(&ORG, EVENT).unwrap().len(),
        4,
        "nothing of a refused batch is kept"
    );
    let ok = center
        .import_entries(&gate_p, "u2", EVENT, &next_bytes)
        .unwrap();
    assert_eq!(ok.added, 1);

    let stats = center.entry_statistics(&ORG, EVENT).unwrap();
    assert_eq!((stats.issued, stats.attended, stats.refused), (4, 4, 1));
    // Another organizer reads neither the log nor the statistics.
    let other = Principal::Organizer(2);
    assert!(matches!(
        center.entry_records(&other, EVENT),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        center.entry_statistics(&other, EVENT),
        Err(Error::Forbidden(_))
    ));
}

fn only_the_right_roles(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    common::sell_paper(&center, 1);
    let empty = UploadBatch {
        unit: "north".into(),
        event: EVENT,
        from_cursor: 0,
        to_cursor: 0,
        records: vec![],
        conflicts: vec![],
    };
    let (north_key, south_key) = (
        SecretKey::from_bytes(&[0x41; 32]).unwrap(),
        SecretKey::from_bytes(&[0x42; 32]).unwrap(),
    );
    let op = Principal::Operator;
    let north = center
        .issue_unit_credential(
            &op,
            EVENT,
            "north",
            &north_key.public_key().to_uncompressed(),
        )
        .unwrap();
    let south = center
        .issue_unit_credential(
            &op,
            EVENT,
            "south",
            &south_key.public_key().to_uncompressed(),
        )
        .unwrap();
    let as_north = center.authenticate(&north.token).unwrap();
    let as_south = center.authenticate(&south.token).unwrap();
    let signed = sign_batch(&empty, &north_key).unwrap();
    // Only the operator registers units, once per name, with a real key.
    assert!(matches!(
        center.issue_unit_credential(
            &Principal::Distributor(SHOP),
            EVENT,
            "x",
            &north_key.public_key().to_uncompressed()
        ),
        Err(Error::Forbidden(_))
    ));
    assert!(
        center
            .issue_unit_credential(
                &op,
                EVENT,
                "north",
                &south_key.public_key().to_uncompressed()
            )
            .is_err()
    );
    assert!(
        center
            .issue_unit_credential(&op, EVENT, "bad", &[4; 65])
            .is_err()
    );

    let other_gate = Principal::Gate(eticket_core::ids::EventId(1));
    assert!(matches!(
        center.import_entries(&other_gate, "k1", EVENT, &signed),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        center.import_entries(&Principal::Distributor(SHOP), "k2", EVENT, &signed),
        Err(Error::Forbidden(_))
    ));
    // The attack as it was: the event's shared gate token uploads whatever
    // scans it likes, in any unit's name. Now it uploads nothing.
    assert!(matches!(
        center.import_entries(&Principal::Gate(EVENT), "k-shared", EVENT, &signed),
        Err(Error::Forbidden(_))
    ));
    // One unit's credential cannot upload another unit's batch ...
    assert!(matches!(
        center.import_entries(&as_south, "k-south", EVENT, &signed),
        Err(Error::Forbidden(_))
    ));
    // ... nor a batch in its own name signed with another key, nor an
    // unsigned one, nor one changed on the way.
    let south_as_north = sign_batch(
        &UploadBatch {
            unit: "south".into(),
            ..empty.clone()
        },
        &north_key,
    )
    .unwrap();
    assert!(
        center
            .import_entries(&as_south, "k-wrong-key", EVENT, &south_as_north)
            .is_err()
    );
    assert!(
        center
            .import_entries(&as_north, "k-unsigned", EVENT, &empty.encode().unwrap())
            .is_err()
    );
    let mut changed = signed.clone();
    changed[3] ^= 1;
    assert!(
        center
            .import_entries(&as_north, "k-changed", EVENT, &changed)
            .is_err()
    );
    let garbage = center.import_entries(&as_north, "k3", EVENT, b"garbage");
    assert!(
        matches!(&garbage, Err(e) if e.code() == "invalid_request"),
        "{garbage:?}"
    );
    assert!(center.entry_statistics(&as_north, EVENT).is_err());
    assert!(
        center
            .entry_records(&Principal::Distributor(SHOP), EVENT)
            .is_err()
    );
    let r = center
        .import_entries(&as_north, "k4", EVENT, &signed)
        .unwrap();
    assert_eq!(r.added, 0);
    // A unit credential reads the event's trust material like a gate.
    assert!(center.revocation_list(&as_north, EVENT).is_ok());
}

/// A unit's log of `n` admissions plus one refused repeat, uploaded as the
/// slices given (retried, overlapping, out of order, each under its own
/// idempotency key): every import adds exactly the scans the center did not
/// have, and in the end it holds each scan of the log once.
fn import_slices(backend: &Backend, slices: &[(usize, usize)]) {
    let clock = clock();
    let center = backend.center(&clock);
    let tickets = common::sell_paper(&center, 4);
    clock.advance(fixtures::NOW.0 - clock.now().0);
    let dir = tempfile::tempdir().unwrap();
    let unit = common::venue(&center, dir.path());
    let mut gate = unit.gate(GateId(1), "west-1").unwrap();
    for t in tickets.iter().chain(&tickets[..1]) {
        gate.admit_paper(t.as_bytes(), clock.now()).unwrap();
    }
    let log = unit.records().unwrap();
    assert_eq!(log.len(), 5);
    let key = unit.signing_key().unwrap();
    let cred = center
        .issue_unit_credential(
            &Principal::Operator,
            EVENT,
            "west",
            &unit.public_key().unwrap(),
        )
        .unwrap();
    let as_unit = center.authenticate(&cred.token).unwrap();
    let mut stored = BTreeSet::new();
    for (i, &(a, b)) in slices.iter().enumerate() {
        let (lo, hi) = (a.min(b).min(log.len()), a.max(b).min(log.len()));
        let part = log[lo..hi].to_vec();
        let batch = UploadBatch::new("west", EVENT, Cursor(0), Cursor(0), part.clone()).unwrap();
        let signed = sign_batch(&batch, &key).unwrap();
        let report = center
            .import_entries(&as_unit, &format!("k{i}"), EVENT, &signed)
            .unwrap();
        let new = part.iter().filter(|r| stored.insert(r.scan_id)).count();
        assert_eq!(report.added as usize, new, "slice {lo}..{hi}");
        assert_eq!(report.already_present as usize, part.len() - new);
    }
    let held = center.entry_records(&ORG, EVENT).unwrap();
    assert_eq!(held.len(), stored.len());
    assert_eq!(
        held.iter().map(|r| r.scan_id).collect::<BTreeSet<_>>(),
        stored
    );
}

fn overlapping_batches_store_each_scan_once(backend: Backend) {
    import_slices(&backend, &[(0, 3), (0, 3), (2, 5), (0, 5), (4, 5), (1, 2)]);
}

suite!(
    entries_arrive_once,
    only_the_right_roles,
    overlapping_batches_store_each_scan_once
);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    /// Any sequence of (repeated, overlapping) slices of a unit's log
    /// stores each scan exactly once (on SQLite; the fixed sequence above
    /// runs on both ledgers).
    #[test]
    fn any_sequence_of_imports_stores_each_scan_once(
        slices in prop::collection::vec((0usize..6, 0usize..6), 1..8),
    ) {
        import_slices(&Backend::sqlite(), &slices);
    }
}
