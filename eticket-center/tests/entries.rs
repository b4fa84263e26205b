//! Entry logs reach the center (c58, c60): a real venue unit admits tickets the
//! center issued, uploads its log, and the center stores each scan once — a
//! retried upload adds nothing, a scan id reused with other content is refused
//! whole — then computes the statistics. Each unit uploads with its own
//! credential, its batches signed with its own key. On SQLite and on
//! PostgreSQL.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[macro_use]
mod common;

use common::{Backend, ORG, SHOP, clock};
use eticket_center::clock::Clock;
use eticket_center::{Error, Principal};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures::{self, EVENT};
use eticket_core::ids::GateId;
use eticket_gate::signed_batch::sign_batch;
use eticket_gate::upload::UploadBatch;

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

suite!(entries_arrive_once, only_the_right_roles);
