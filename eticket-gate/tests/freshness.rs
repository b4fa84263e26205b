//! Keeping a gate's trust fresh, and what it does when it is not: key set
//! versions that jump too far, renewals of key sets and revocation lists,
//! root rollovers, and the venue's policy for stale or old material.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use eticket_core::fixtures;
use eticket_core::ids::KeyId;
use eticket_core::ids::{GateId, Generation, TicketSerial};
use eticket_core::keys::{KeySet, MAX_KEY_SET_VERSION_JUMP, SigningKeyPair};
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};
use eticket_core::rollover::RootRollover;
use eticket_core::time::Timestamp;
use eticket_gate::{Error, PassbackPolicy, TrustStore, VenueUnit};

const NOW: Timestamp = fixtures::NOW;

fn revoked(serial: u32) -> Revoked {
    Revoked {
        serial: TicketSerial(serial),
        generation: Generation(0),
    }
}

/// A unit that trusts the fixture root and holds nothing yet.
fn bare_unit(dir: &tempfile::TempDir) -> VenueUnit {
    let root = fixtures::root_key();
    VenueUnit::open(
        dir.path().join("entries.db"),
        fixtures::small_event(),
        TrustStore::new(root.id(), root.public_key(), fixtures::EVENT),
        PassbackPolicy::SingleEntry,
    )
    .unwrap()
}

/// The fixture key set at `version`, promising its successor by `next_update`.
fn signed_key_set(version: u64, next_update: Timestamp) -> Vec<u8> {
    key_set_signed_by(&fixtures::root_key(), version, next_update)
}

fn key_set_signed_by(root: &SigningKeyPair, version: u64, next_update: Timestamp) -> Vec<u8> {
    let mut set = fixtures::key_set().with_next_update(next_update);
    set.version = version;
    set.to_signed_bytes(root).unwrap()
}

fn signed_list(version: u64, issued_at: Timestamp, next_update: Timestamp) -> Vec<u8> {
    RevocationList::new(fixtures::EVENT, version, issued_at, vec![revoked(1)])
        .unwrap()
        .with_next_update(next_update)
        .to_signed_bytes(&fixtures::list_key())
        .unwrap()
}

fn signed_delta(from: u64, to: u64, issued_at: Timestamp, next_update: Timestamp) -> Vec<u8> {
    RevocationDelta {
        event: fixtures::EVENT,
        from_version: from,
        to_version: to,
        issued_at,
        next_update,
        added: vec![],
    }
    .to_signed_bytes(&fixtures::list_key())
    .unwrap()
}

#[test]
fn a_root_signed_key_set_with_a_huge_version_cannot_lock_out_later_sets() {
    let dir = tempfile::tempdir().unwrap();
    let unit = bare_unit(&dir);
    let far = NOW.plus(86_400);
    assert_eq!(
        unit.accept_key_set(&signed_key_set(1, far), NOW).unwrap(),
        1
    );
    // Whoever got the root to sign version 2^64-1 once would make every
    // genuine set after it "older".
    let err = unit
        .accept_key_set(&signed_key_set(u64::MAX, far), NOW)
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::VersionJump {
                installed: 1,
                offered: u64::MAX,
                ..
            }
        ),
        "{err}"
    );
    let too_far = 1 + MAX_KEY_SET_VERSION_JUMP + 1;
    assert!(matches!(
        unit.accept_key_set(&signed_key_set(too_far, far), NOW),
        Err(Error::VersionJump { .. })
    ));
    assert_eq!(unit.freshness(NOW).key_set_version, 1);
    // The genuine successor is still taken, and so is the largest jump.
    assert_eq!(
        unit.accept_key_set(&signed_key_set(2, far), NOW).unwrap(),
        2
    );
    let furthest = 2 + MAX_KEY_SET_VERSION_JUMP;
    assert_eq!(
        unit.accept_key_set(&signed_key_set(furthest, far), NOW)
            .unwrap(),
        furthest
    );
}

#[test]
fn a_key_set_renewal_moves_next_update_and_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    {
        let unit = bare_unit(&dir);
        unit.accept_key_set(&signed_key_set(1, NOW.plus(100)), NOW)
            .unwrap();
        // The same version and keys, promising the next set later: taken.
        assert_eq!(
            unit.accept_key_set(&signed_key_set(1, NOW.plus(7 * 86_400)), NOW.plus(50))
                .unwrap(),
            1
        );
        let f = unit.freshness(NOW.plus(60));
        assert_eq!(f.key_set_next_update, NOW.plus(7 * 86_400));
        assert_eq!(f.key_set_received_ago, Some(10));
        // A renewal that moves next_update back (an old one replayed): refused.
        assert!(matches!(
            unit.accept_key_set(&signed_key_set(1, NOW.plus(100)), NOW),
            Err(Error::NotNewer { .. })
        ));
        // The same version with other keys is not a renewal.
        let mut other = fixtures::key_set().with_next_update(NOW.plus(9 * 86_400));
        other.retire(fixtures::TICKET_KEY).unwrap();
        let other = other.to_signed_bytes(&fixtures::root_key()).unwrap();
        assert!(matches!(
            unit.accept_key_set(&other, NOW),
            Err(Error::NotNewer { .. })
        ));
    }
    let unit = bare_unit(&dir);
    assert_eq!(
        unit.freshness(NOW).key_set_next_update,
        NOW.plus(7 * 86_400)
    );
}

#[test]
fn revocation_renewals_move_the_list_on_and_survive_reload_and_restart() {
    let v = venue(PassbackPolicy::SingleEntry);
    let issued = NOW.minus(600);
    v.unit
        .accept_revocation_list(&signed_list(4, issued, NOW.plus(100)), NOW)
        .unwrap();
    let second = VenueUnit::open(
        v.path(),
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    // The center answers an up-to-date gate with a renewal delta.
    let renewal = signed_delta(4, 4, NOW, NOW.plus(6 * 3600));
    assert_eq!(v.unit.accept_revocation_delta(&renewal, NOW).unwrap(), 4);
    let f = v.unit.freshness(NOW);
    assert_eq!(f.revocation_next_update, NOW.plus(6 * 3600));
    assert_eq!(f.revocation_issued_ago, Some(0));
    // The same renewal again, or an older one, moves nothing back.
    assert!(matches!(
        v.unit.accept_revocation_delta(&renewal, NOW),
        Err(Error::NotNewer { .. })
    ));
    let older = signed_delta(4, 4, NOW.minus(10), NOW.plus(3600));
    assert!(v.unit.accept_revocation_delta(&older, NOW).is_err());
    assert_eq!(
        v.unit.freshness(NOW).revocation_next_update,
        NOW.plus(6 * 3600)
    );
    // A full list of the same version signed again later renews it too.
    let again = signed_list(4, NOW.plus(60), NOW.plus(7 * 3600));
    assert_eq!(
        v.unit.accept_revocation_list(&again, NOW.plus(60)).unwrap(),
        4
    );
    // Another gate server on the same file picks the renewal up.
    second.reload_trust().unwrap();
    assert_eq!(
        second.freshness(NOW).revocation_next_update,
        NOW.plus(7 * 3600)
    );
    drop(second);
    let path = v.path();
    let dir = v.dir;
    drop(v.unit);
    let reopened = VenueUnit::open(
        path,
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let f = reopened.freshness(NOW.plus(60));
    assert_eq!(f.revocation_version, 4);
    assert_eq!(f.revocation_next_update, NOW.plus(7 * 3600));
    assert_eq!(f.revocation_issued_ago, Some(0));
    drop(dir);
    let _ = (KeySet::default(), GateId(1));
}

#[test]
fn a_root_rollover_hands_trust_to_the_new_root_and_survives_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let old = fixtures::root_key();
    let new = SigningKeyPair::from_secret_bytes(KeyId(101), &[0x71; 32]).unwrap();
    let far = NOW.plus(86_400);
    let rollover = RootRollover {
        new_id: new.id(),
        new_public: new.public_key(),
        issued_at: NOW,
    }
    .to_signed_bytes(&old)
    .unwrap();
    {
        let unit = bare_unit(&dir);
        unit.accept_key_set(&signed_key_set(1, far), NOW).unwrap();
        // A rollover that the current root did not sign is refused.
        let impostor = SigningKeyPair::from_secret_bytes(old.id(), &[0x72; 32]).unwrap();
        let forged = RootRollover {
            new_id: KeyId(102),
            new_public: impostor.public_key(),
            issued_at: NOW,
        }
        .to_signed_bytes(&impostor)
        .unwrap();
        assert!(matches!(
            unit.accept_root_rollover(&forged, NOW),
            Err(Error::Sync { .. })
        ));
        assert_eq!(unit.freshness(NOW).root_key_id, old.id());
        assert_eq!(
            unit.accept_root_rollover(&rollover, NOW.plus(5)).unwrap(),
            new.id()
        );
        let f = unit.freshness(NOW.plus(10));
        assert_eq!((f.root_key_id, f.root_received_ago), (new.id(), Some(5)));
        // The old root is trusted no more, for key sets or rollovers.
        assert!(matches!(
            unit.accept_key_set(&key_set_signed_by(&old, 2, far), NOW),
            Err(Error::Sync { .. })
        ));
        assert!(unit.accept_root_rollover(&rollover, NOW).is_err());
        // The installed set stays in use until the new root signs a newer one.
        assert_eq!(unit.freshness(NOW).key_set_version, 1);
    }
    {
        // Restarted with the configuration that names the old root: the
        // stored rollover is replayed, the stored set (signed by the old
        // root before the rollover) still loads.
        let unit = bare_unit(&dir);
        let f = unit.freshness(NOW);
        assert_eq!((f.root_key_id, f.key_set_version), (new.id(), 1));
        assert!(
            unit.accept_key_set(&key_set_signed_by(&old, 2, far), NOW)
                .is_err()
        );
        assert_eq!(
            unit.accept_key_set(&key_set_signed_by(&new, 2, far), NOW)
                .unwrap(),
            2
        );
    }
    // Restarted again: the set signed by the new root loads too.
    let unit = bare_unit(&dir);
    let f = unit.freshness(NOW);
    assert_eq!((f.root_key_id, f.key_set_version), (new.id(), 2));
    // A unit configured with the new root directly skips the old rollover.
    drop(unit);
    let direct = VenueUnit::open(
        dir.path().join("entries.db"),
        fixtures::small_event(),
        TrustStore::new(new.id(), new.public_key(), fixtures::EVENT),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let f = direct.freshness(NOW);
    assert_eq!((f.root_key_id, f.key_set_version), (new.id(), 2));
}
