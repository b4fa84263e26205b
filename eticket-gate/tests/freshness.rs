//! Keeping a gate's trust fresh, and what it does when it is not: key set
//! versions that jump too far, renewals of key sets and revocation lists,
//! root rollovers, and the venue's policy for stale or old material.

mod common;

use common::*;
use eticket_core::fixtures;
use eticket_core::ids::{Generation, KeyId, TicketSerial};
use eticket_core::keys::{MAX_KEY_SET_VERSION_JUMP, SigningKeyPair};
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};
use eticket_core::rollover::RootRollover;
use eticket_core::ticket::TicketBody;
use eticket_core::time::Timestamp;
use eticket_gate::chip::TestCard;
use eticket_gate::record::ScanResult;
use eticket_gate::{Error, PassbackPolicy, Refusal, Settings, StalePolicy, TrustStore, VenueUnit};

const NOW: Timestamp = fixtures::NOW;

fn revoked(serial: u32) -> Revoked {
    Revoked {
        serial: TicketSerial(serial),
        generation: Generation(0),
        reason: eticket_core::revocation::RevocationReason::Revoked,
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

/// A thief with the root pushes gates to the largest version jump they take;
/// every genuine set after is "not newer". The operator rolls the root over
/// (the old root, which the operator still has, signs it): the new root's
/// first set is taken at the center's own version, and from then on the new
/// root's versions are ordered again, across a restart.
#[test]
fn a_rollover_undoes_a_version_pushed_ahead_with_a_stolen_root() {
    let dir = tempfile::tempdir().unwrap();
    let old = fixtures::root_key();
    let new = SigningKeyPair::from_secret_bytes(KeyId(101), &[0x71; 32]).unwrap();
    let far = NOW.plus(86_400);
    let pushed = 1 + MAX_KEY_SET_VERSION_JUMP;
    {
        let unit = bare_unit(&dir);
        unit.accept_key_set(&signed_key_set(1, far), NOW).unwrap();
        unit.accept_key_set(&signed_key_set(pushed, far), NOW)
            .unwrap();
        assert!(matches!(
            unit.accept_key_set(&signed_key_set(2, far), NOW),
            Err(Error::NotNewer { .. })
        ));
        let rollover = RootRollover {
            new_id: new.id(),
            new_public: new.public_key(),
            issued_at: NOW,
        }
        .to_signed_bytes(&old)
        .unwrap();
        unit.accept_root_rollover(&rollover, NOW).unwrap();
        // Version 0 is never a set.
        assert!(
            unit.accept_key_set(&key_set_signed_by(&new, 0, far), NOW)
                .is_err()
        );
        assert_eq!(
            unit.accept_key_set(&key_set_signed_by(&new, 3, far), NOW)
                .unwrap(),
            3
        );
        // Ordered again under the new root: the thief's old-root sets no
        // longer verify, and an older new-root set is not newer.
        assert!(matches!(
            unit.accept_key_set(&signed_key_set(pushed + 1, far), NOW),
            Err(Error::Sync { .. })
        ));
        assert!(matches!(
            unit.accept_key_set(&key_set_signed_by(&new, 2, far), NOW),
            Err(Error::NotNewer { .. })
        ));
    }
    let unit = bare_unit(&dir);
    assert_eq!(unit.freshness(NOW).key_set_version, 3);
    assert!(matches!(
        unit.accept_key_set(&key_set_signed_by(&new, 2, far), NOW),
        Err(Error::NotNewer { .. })
    ));
    assert_eq!(
        unit.accept_key_set(&key_set_signed_by(&new, 4, far), NOW)
            .unwrap(),
        4
    );
}

/// The first set after a rollover may still not jump absurdly far.
#[test]
fn a_new_roots_first_set_is_still_bounded() {
    let root = fixtures::root_key();
    let new = SigningKeyPair::from_secret_bytes(KeyId(101), &[0x71; 32]).unwrap();
    let mut trust = TrustStore::new(root.id(), root.public_key(), fixtures::EVENT);
    trust
        .accept_key_set(&signed_key_set(5, NOW.plus(60)), NOW)
        .unwrap();
    let rollover = RootRollover {
        new_id: new.id(),
        new_public: new.public_key(),
        issued_at: NOW,
    }
    .to_signed_bytes(&root)
    .unwrap();
    trust.accept_root_rollover(&rollover, NOW).unwrap();
    assert!(matches!(
        trust.accept_key_set(&key_set_signed_by(&new, u64::MAX, NOW.plus(60)), NOW),
        Err(Error::VersionJump { .. })
    ));
    assert_eq!(
        trust
            .accept_key_set(&key_set_signed_by(&new, 1, NOW.plus(60)), NOW)
            .unwrap(),
        1
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
        let by_old = RootRollover {
            new_id: KeyId(103),
            new_public: SigningKeyPair::from_secret_bytes(KeyId(103), &[0x73; 32])
                .unwrap()
                .public_key(),
            issued_at: NOW.plus(6),
        }
        .to_signed_bytes(&old)
        .unwrap();
        assert!(matches!(
            unit.accept_root_rollover(&by_old, NOW),
            Err(Error::Sync { .. })
        ));
        // The rollover it took, sent again, changes nothing.
        assert_eq!(unit.accept_root_rollover(&rollover, NOW).unwrap(), new.id());
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

#[test]
fn a_unit_configured_with_the_new_root_opens_over_a_set_only_the_old_root_signed() {
    let dir = tempfile::tempdir().unwrap();
    let old = fixtures::root_key();
    let new = SigningKeyPair::from_secret_bytes(KeyId(101), &[0x71; 32]).unwrap();
    let far = NOW.plus(86_400);
    {
        let unit = bare_unit(&dir);
        unit.accept_key_set(&signed_key_set(1, far), NOW).unwrap();
        let rollover = RootRollover {
            new_id: new.id(),
            new_public: new.public_key(),
            issued_at: NOW,
        }
        .to_signed_bytes(&old)
        .unwrap();
        unit.accept_root_rollover(&rollover, NOW).unwrap();
    }
    // Reconfigured with the new root before the center signed a set with
    // it: the stored set has no root the unit trusts behind it any more.
    let unit = VenueUnit::open(
        dir.path().join("entries.db"),
        fixtures::small_event(),
        TrustStore::new(new.id(), new.public_key(), fixtures::EVENT),
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let f = unit.freshness(NOW);
    assert_eq!((f.root_key_id, f.key_set_version), (new.id(), 0));
    assert_eq!(
        unit.accept_key_set(&key_set_signed_by(&new, 2, far), NOW)
            .unwrap(),
        2
    );
    // A stored set damaged behind the unit's back is still an error.
    drop(unit);
    let other = tempfile::tempdir().unwrap();
    {
        let unit = bare_unit(&other);
        unit.accept_key_set(&signed_key_set(1, far), NOW).unwrap();
    }
    let conn = rusqlite::Connection::open(other.path().join("entries.db")).unwrap();
    conn.execute(
        "UPDATE unit SET value = ?1 WHERE key = 'key_set'",
        rusqlite::params![key_set_signed_by(&new, 1, far)],
    )
    .unwrap();
    let root = fixtures::root_key();
    let err = VenueUnit::open(
        other.path().join("entries.db"),
        fixtures::small_event(),
        TrustStore::new(root.id(), root.public_key(), fixtures::EVENT),
        PassbackPolicy::SingleEntry,
    )
    .unwrap_err();
    assert!(matches!(err, Error::Sync { .. }), "{err}");
}

/// A card holding generation `generation` of ticket `serial`.
fn card_with_generation(serial: u32, generation: u16) -> TestCard {
    let mut card = TestCard::generate();
    card.store(&sign(&TicketBody {
        generation: Generation(generation),
        ..chip_ticket_for(&card, serial)
    }));
    card
}

#[test]
fn the_empty_list_a_unit_starts_with_admits_nothing() {
    let v = venue_with(
        PassbackPolicy::SingleEntry,
        fixtures::key_set(),
        RevocationList::empty(fixtures::EVENT),
    );
    let mut gate = v.gate(1);
    let never = Refusal::RevocationListTooOld {
        issued_at: Some(Timestamp(0)),
    };
    let out = gate.admit_paper(paper(1).as_bytes(), NOW).unwrap();
    assert_eq!(out.refusal(), Some(never));
    assert!(
        out.to_string().contains("no list from the center yet"),
        "{out}"
    );
    // The record names the ticket and the reason's code.
    assert_eq!(out.record.ticket.unwrap().serial, TicketSerial(1));
    assert_eq!(out.record.result, ScanResult::Refused { code: 110 });
    let out = gate.admit_chip(&mut card_with_ticket(2), NOW).unwrap();
    assert_eq!(out.refusal(), Some(never));
    // A ticket that fails on its own merits says so, not "no list".
    let forged = {
        let mut b = paper(3).into_bytes();
        b[10] ^= 1;
        b
    };
    let out = gate.admit_paper(&forged, NOW).unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::Ticket(eticket_core::admission::Reason::Forged))
    );
    // Once the center's list is in, the same tickets enter.
    v.unit
        .accept_revocation_list(&signed_list(1, NOW.minus(30), NOW.plus(3600)), NOW)
        .unwrap();
    assert!(
        gate.admit_paper(paper(2).as_bytes(), NOW)
            .unwrap()
            .is_admitted()
    );
}

#[test]
fn a_list_older_than_the_bound_admits_nothing_until_a_fresh_one_arrives() {
    // Signed 25 hours ago and (by its own word) not stale: still too old to
    // start admitting with under the default bound of a day.
    let old = RevocationList::new(fixtures::EVENT, 3, NOW.minus(25 * 3600), vec![])
        .unwrap()
        .with_next_update(NOW.plus(3600));
    let v = venue_with(
        PassbackPolicy::SingleEntry,
        fixtures::key_set(),
        old.clone(),
    );
    let mut gate = v.gate(1);
    let out = gate.admit_paper(paper(1).as_bytes(), NOW).unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::RevocationListTooOld {
            issued_at: Some(NOW.minus(25 * 3600))
        })
    );
    assert!(
        out.to_string()
            .contains("newest list signed 2026-09-20 15:13:20 UTC+02:00"),
        "{out}"
    );
    // A renewal from the center signs the same list again: admitted.
    v.unit
        .accept_revocation_delta(&signed_delta(3, 3, NOW, NOW.plus(6 * 3600)), NOW)
        .unwrap();
    assert!(
        gate.admit_paper(paper(1).as_bytes(), NOW)
            .unwrap()
            .is_admitted()
    );
    // A venue that tolerates two days admits with the old list.
    let lenient = venue_with_settings(
        Settings {
            max_list_age: 48 * 3600,
            ..Settings::new(PassbackPolicy::SingleEntry)
        },
        fixtures::key_set(),
        old,
    );
    assert!(
        lenient
            .gate(1)
            .admit_paper(paper(1).as_bytes(), NOW)
            .unwrap()
            .is_admitted()
    );
}

/// The center revoked generation 0 of serial 1 when Alice transferred it to
/// Bob (list version 1, which the unit has), then generation 1 when Bob
/// transferred it to Carol (version 2, which never reached the unit). The
/// unit's list promised its successor an hour ago.
fn stale_venue(stale_policy: StalePolicy) -> Venue {
    let list = RevocationList::new(fixtures::EVENT, 1, NOW.minus(2 * 3600), vec![revoked(1)])
        .unwrap()
        .with_next_update(NOW.minus(3600));
    venue_with_settings(
        Settings {
            stale_policy,
            ..Settings::new(PassbackPolicy::SingleEntry)
        },
        fixtures::key_set(),
        list,
    )
}

#[test]
fn a_stale_list_refuses_transferred_tickets_by_default() {
    let v = stale_venue(StalePolicy::default());
    let mut gate = v.gate(1);
    let stale = Refusal::RevocationListStale {
        since: Some(NOW.minus(3600)),
    };
    // Bob's generation 1 was revoked at the center; the unit cannot know.
    let mut bob = card_with_generation(1, 1);
    let out = gate.admit_chip(&mut bob, NOW).unwrap();
    assert_eq!(out.refusal(), Some(stale));
    assert_eq!(out.record.result, ScanResult::Refused { code: 108 });
    let shown = out.to_string();
    assert!(
        shown.contains("revocation list is out of date")
            && shown.contains("stale since 2026-09-21 15:13:20 UTC+02:00"),
        "{shown}"
    );
    // Carol's generation 2 is refused the same way: stale is stale.
    let out = gate
        .admit_chip(&mut card_with_generation(1, 2), NOW)
        .unwrap();
    assert_eq!(out.refusal(), Some(stale));
    // Alice's generation 0 was revoked in the list the unit has.
    let out = gate
        .admit_chip(&mut card_with_generation(1, 0), NOW)
        .unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::Ticket(eticket_core::admission::Reason::Revoked))
    );
    // Tickets with their first holder still enter.
    assert!(
        gate.admit_chip(&mut card_with_ticket(5), NOW)
            .unwrap()
            .is_admitted()
    );
    assert!(
        gate.admit_paper(paper(6).as_bytes(), NOW)
            .unwrap()
            .is_admitted()
    );
    // The center's delta arrives: Bob's generation is revoked, Carol enters.
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: 1,
        to_version: 2,
        issued_at: NOW,
        next_update: NOW.plus(6 * 3600),
        added: vec![Revoked {
            serial: TicketSerial(1),
            generation: Generation(1),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        }],
    }
    .to_signed_bytes(&fixtures::list_key())
    .unwrap();
    v.unit.accept_revocation_delta(&delta, NOW).unwrap();
    let out = gate.admit_chip(&mut bob, NOW.plus(1)).unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::Ticket(eticket_core::admission::Reason::Revoked))
    );
    let out = gate
        .admit_chip(&mut card_with_generation(1, 2), NOW.plus(2))
        .unwrap();
    assert!(out.is_admitted(), "{out}");
}

#[test]
fn fail_closed_all_refuses_every_ticket_while_stale() {
    let v = stale_venue(StalePolicy::FailClosedAll);
    let mut gate = v.gate(1);
    let stale = Some(Refusal::RevocationListStale {
        since: Some(NOW.minus(3600)),
    });
    assert_eq!(
        gate.admit_chip(&mut card_with_ticket(5), NOW)
            .unwrap()
            .refusal(),
        stale
    );
    assert_eq!(
        gate.admit_paper(paper(6).as_bytes(), NOW)
            .unwrap()
            .refusal(),
        stale
    );
    // A renewal (the center had nothing new) makes the list fresh again.
    let renewal = signed_delta(1, 1, NOW, NOW.plus(6 * 3600));
    v.unit.accept_revocation_delta(&renewal, NOW).unwrap();
    assert!(
        gate.admit_paper(paper(6).as_bytes(), NOW)
            .unwrap()
            .is_admitted()
    );
}

#[test]
fn a_stale_key_set_applies_the_policy_too() {
    // The set promised its successor a minute ago; the list is fresh.
    let keys = fixtures::key_set().with_next_update(NOW.minus(60));
    let v = venue_with(PassbackPolicy::SingleEntry, keys, fresh_list());
    let mut gate = v.gate(1);
    let out = gate
        .admit_chip(&mut card_with_generation(1, 1), NOW)
        .unwrap();
    assert_eq!(
        out.refusal(),
        Some(Refusal::KeySetStale {
            since: Some(NOW.minus(60))
        })
    );
    assert!(out.to_string().contains("key set stale since"), "{out}");
    assert!(
        gate.admit_chip(&mut card_with_ticket(2), NOW)
            .unwrap()
            .is_admitted()
    );
    // The center's renewal of the same set: the transferred ticket enters.
    v.unit
        .accept_key_set(&signed_key_set(1, NOW.plus(7 * 86_400)), NOW)
        .unwrap();
    let out = gate
        .admit_chip(&mut card_with_generation(1, 1), NOW)
        .unwrap();
    assert!(out.is_admitted(), "{out}");
}
