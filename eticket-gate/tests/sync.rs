//! Sync with the center: newer signed key sets only, revocation lists and
//! deltas, how old the lists are, and what survives a restart of the unit.

mod common;

use common::*;
use eticket_core::admission::Reason;
use eticket_core::fixtures;
use eticket_core::ids::{EventId, Generation, TicketSerial};
use eticket_core::keys::{KeySet, SigningKeyPair};
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};
use eticket_gate::{Error, PassbackPolicy, Refusal, TrustStore, VenueUnit};

fn revoked(serial: u32) -> Revoked {
    Revoked {
        serial: TicketSerial(serial),
        generation: Generation(0),
        reason: eticket_core::revocation::RevocationReason::Revoked,
    }
}

fn empty_unit(dir: &tempfile::TempDir) -> VenueUnit {
    let root = fixtures::root_key();
    VenueUnit::open(
        dir.path().join("entries.db"),
        fixtures::small_event(),
        TrustStore::new(root.id(), root.public_key(), fixtures::EVENT),
        PassbackPolicy::SingleEntry,
    )
    .unwrap()
}

#[test]
fn a_unit_admits_nothing_until_it_has_a_key_set() {
    let dir = tempfile::tempdir().unwrap();
    let unit = empty_unit(&dir);
    let mut gate = unit.gate(eticket_core::ids::GateId(1), "g").unwrap();
    let out = gate
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(out.refusal(), Some(Refusal::Ticket(Reason::UnknownKey)));
    let signed = fixtures::key_set()
        .to_signed_bytes(&fixtures::root_key())
        .unwrap();
    assert_eq!(unit.accept_key_set(&signed, fixtures::NOW).unwrap(), 1);
    // Keys alone are not enough: the unit has never had a revocation list.
    let out = gate
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::RevocationListTooOld {
            issued_at: Some(eticket_core::time::Timestamp(0))
        })
    );
    let list = RevocationList::new(fixtures::EVENT, 0, fixtures::NOW, vec![])
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    assert_eq!(
        unit.accept_revocation_list(&list, fixtures::NOW).unwrap(),
        0
    );
    let out = gate
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert!(out.is_admitted());
}

#[test]
fn key_sets_must_be_signed_by_the_root_and_newer() {
    let dir = tempfile::tempdir().unwrap();
    let unit = empty_unit(&dir);
    let root = fixtures::root_key();
    let v1 = fixtures::key_set().to_signed_bytes(&root).unwrap();
    unit.accept_key_set(&v1, fixtures::NOW).unwrap();
    // Replaying the same version, or an older one, is refused.
    assert!(matches!(
        unit.accept_key_set(&v1, fixtures::NOW),
        Err(Error::NotNewer {
            installed: 1,
            offered: 1,
            ..
        })
    ));
    // Signed by someone else under the root's id: refused.
    let mut v2 = fixtures::key_set();
    v2.version = 2;
    let impostor = SigningKeyPair::from_secret_bytes(root.id(), &[0x77; 32]).unwrap();
    let forged = v2.to_signed_bytes(&impostor).unwrap();
    assert!(matches!(
        unit.accept_key_set(&forged, fixtures::NOW),
        Err(Error::Sync { .. })
    ));
    // Tampered: refused.
    let mut tampered = v2.to_signed_bytes(&root).unwrap();
    tampered[6] ^= 1;
    assert!(unit.accept_key_set(&tampered, fixtures::NOW).is_err());
    // The genuine newer set is taken.
    let good = v2.to_signed_bytes(&root).unwrap();
    assert_eq!(unit.accept_key_set(&good, fixtures::NOW).unwrap(), 2);
    assert_eq!(unit.freshness(fixtures::NOW).key_set_version, 2);
}

#[test]
fn revocation_list_then_deltas_take_effect_and_report_their_age() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let list_key = fixtures::list_key();
    let issued = fixtures::NOW.minus(600);
    let list = RevocationList::new(fixtures::EVENT, 4, issued, vec![revoked(1)]).unwrap();
    let signed = list.to_signed_bytes(&list_key).unwrap();
    assert_eq!(
        v.unit
            .accept_revocation_list(&signed, fixtures::NOW)
            .unwrap(),
        4
    );
    let f = v.unit.freshness(fixtures::NOW.plus(60));
    assert_eq!(f.revocation_version, 4);
    assert_eq!(f.revocation_issued_ago, Some(660));
    assert_eq!(f.revocation_received_ago, Some(60));
    assert!(f.revocations_older_than(600));
    assert!(!f.revocations_older_than(3600));
    // An older or equal list is refused.
    assert!(matches!(
        v.unit.accept_revocation_list(&signed, fixtures::NOW),
        Err(Error::NotNewer { .. })
    ));
    let out = gate
        .admit_paper(paper(1).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(out.refusal(), Some(Refusal::Ticket(Reason::Revoked)));

    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: 4,
        to_version: 5,
        issued_at: fixtures::NOW,
        next_update: fixtures::NOW.plus(86_400),
        added: vec![revoked(2)],
    };
    let signed_delta = delta.to_signed_bytes(&list_key).unwrap();
    assert_eq!(
        v.unit
            .accept_revocation_delta(&signed_delta, fixtures::NOW)
            .unwrap(),
        5
    );
    let out = gate
        .admit_paper(paper(2).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(out.refusal(), Some(Refusal::Ticket(Reason::Revoked)));
    // The same delta again does not apply (it starts at 4, the list is at 5).
    assert!(
        v.unit
            .accept_revocation_delta(&signed_delta, fixtures::NOW)
            .is_err()
    );
    assert!(
        gate.admit_paper(paper(3).as_bytes(), fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
}

#[test]
fn lists_signed_with_the_wrong_key_or_for_another_event_are_refused() {
    let v = venue(PassbackPolicy::SingleEntry);
    let list = RevocationList::new(fixtures::EVENT, 1, fixtures::NOW, vec![revoked(1)]).unwrap();
    // A ticket key may not sign lists.
    let by_ticket_key = list.to_signed_bytes(&fixtures::ticket_key()).unwrap();
    assert!(
        v.unit
            .accept_revocation_list(&by_ticket_key, fixtures::NOW)
            .is_err()
    );
    let other = RevocationList::new(EventId(7), 9, fixtures::NOW, vec![]).unwrap();
    let signed = other.to_signed_bytes(&fixtures::list_key()).unwrap();
    assert!(matches!(
        v.unit.accept_revocation_list(&signed, fixtures::NOW),
        Err(Error::Sync { .. })
    ));
    assert_eq!(v.unit.freshness(fixtures::NOW).revocation_version, 0);
}

#[test]
fn trust_material_survives_a_restart_and_a_unit_refuses_another_events_log() {
    let dir = tempfile::tempdir().unwrap();
    {
        let unit = empty_unit(&dir);
        let keys = fixtures::key_set()
            .to_signed_bytes(&fixtures::root_key())
            .unwrap();
        unit.accept_key_set(&keys, fixtures::NOW.minus(100))
            .unwrap();
        let list = RevocationList::new(fixtures::EVENT, 3, fixtures::NOW, vec![revoked(8)])
            .unwrap()
            .to_signed_bytes(&fixtures::list_key())
            .unwrap();
        unit.accept_revocation_list(&list, fixtures::NOW).unwrap();
    }
    let unit = empty_unit(&dir);
    let f = unit.freshness(fixtures::NOW);
    assert_eq!(f.key_set_version, 1);
    assert_eq!(f.key_set_received_ago, Some(100));
    assert_eq!(f.revocation_version, 3);
    let mut gate = unit.gate(eticket_core::ids::GateId(1), "g").unwrap();
    let out = gate
        .admit_paper(paper(8).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(out.refusal(), Some(Refusal::Ticket(Reason::Revoked)));
    drop(gate);
    drop(unit);

    let mut other_event = fixtures::small_event();
    other_event.id = EventId(1);
    let root = fixtures::root_key();
    let err = VenueUnit::open(
        dir.path().join("entries.db"),
        other_event,
        TrustStore::new(root.id(), root.public_key(), EventId(1)),
        PassbackPolicy::SingleEntry,
    )
    .unwrap_err();
    assert!(matches!(err, Error::WrongEventLog { .. }), "{err}");
    let _ = KeySet::default();
}

#[test]
fn a_second_unit_on_the_same_file_picks_up_a_revocation_on_reload() {
    let v = venue(PassbackPolicy::SingleEntry);
    let other = VenueUnit::open(
        v.path(),
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let list = RevocationList::new(fixtures::EVENT, 2, fixtures::NOW, vec![revoked(5)])
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    v.unit.accept_revocation_list(&list, fixtures::NOW).unwrap();
    assert_eq!(other.freshness(fixtures::NOW).revocation_version, 0);
    other.reload_trust().unwrap();
    assert_eq!(other.freshness(fixtures::NOW).revocation_version, 2);
    let mut gate = other.gate(eticket_core::ids::GateId(2), "east").unwrap();
    let out = gate
        .admit_paper(paper(5).as_bytes(), fixtures::NOW)
        .unwrap();
    assert_eq!(out.refusal(), Some(Refusal::Ticket(Reason::Revoked)));
}

/// Settings that could only refuse every ticket are refused when the unit
/// is configured, and a time the log cannot store is its own error, not a
/// configuration problem.
#[test]
fn impossible_settings_and_times_are_refused_up_front() {
    let dir = tempfile::tempdir().unwrap();
    let zero = eticket_gate::Settings::new(PassbackPolicy::Entries(0));
    let opened = VenueUnit::open_with(
        dir.path().join("zero.db"),
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        zero,
    );
    assert!(matches!(opened, Err(Error::Config(_))), "{opened:?}");
    let v = venue(PassbackPolicy::SingleEntry);
    let mut gate = v.gate(1);
    let t = paper(1);
    let r = gate.admit_paper(t.as_bytes(), eticket_core::time::Timestamp(u64::MAX - 5));
    assert!(matches!(r, Err(Error::TimeOutOfRange(_))), "{r:?}");
}

/// The entry log holds the unit's signing key: it is the owner's only, even
/// when an older log was created readable by all.
#[cfg(unix)]
#[test]
fn the_entry_log_is_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let v = venue(PassbackPolicy::SingleEntry);
    let path = v.path();
    v.unit.signing_key().unwrap();
    assert_eq!(mode(&path), 0o600);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let again = VenueUnit::open(
        &path,
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    assert_eq!(mode(&path), 0o600);
    drop(again);
}
