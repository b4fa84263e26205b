//! Keys at rest, on SQLite and on PostgreSQL: whoever reads the ledger (a
//! copy of the SQLite file, a dump of the database, a backup) finds no private
//! key; a wrong key-encryption key is refused; a ledger from before (plaintext
//! keys, the root in the ledger) is sealed on first open; the ledger files are
//! the owner's only; the root key lives outside the ledger, can be offline,
//! and rolls over; generated keys live 400 days, not ten years.

#[macro_use]
mod common;

use std::path::{Path, PathBuf};

use common::{Backend, ORG, SHOP, clock};
use eticket_center::clock::Clock;
use eticket_center::keys::{CenterKeys, KEY_LIFETIME_SECS};
use eticket_center::keystore::{Kek, KeyStorage, RootStore, SEALED_LEN, SEALED_VERSION};
use eticket_center::store::{Store, Value};
use eticket_center::{Center, Error, Principal};
use eticket_core::crypto::PublicKey;
use eticket_core::fixtures::{self, EVENT};
use eticket_core::ids::KeyId;
use eticket_core::keys::{KeyPurpose, KeySet};
use eticket_core::rollover::RootRollover;

const OP: Principal = Principal::Operator;

/// Every 32-byte secret scalar of the keys the center has loaded.
fn secrets(keys: &CenterKeys) -> Vec<[u8; 32]> {
    let mut out = vec![
        keys.grant.secret().to_bytes(),
        keys.list.secret().to_bytes(),
    ];
    out.extend(keys.all_events_ticket_key().map(|k| k.secret().to_bytes()));
    out.extend(keys.event_ticket_keys().map(|(_, k)| k.secret().to_bytes()));
    if let Ok(root) = keys.root() {
        out.push(root.secret().to_bytes());
    }
    out
}

/// The files a backup of a SQLite ledger would hold: the database and its
/// WAL and shared-memory files (the KEK file is not the ledger's).
fn ledger_files(path: &Path) -> Vec<PathBuf> {
    ["", "-wal", "-shm"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", path.display())))
        .filter(|p| p.exists())
        .collect()
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// What a thief of the ledger reads: the files' bytes on SQLite, and on both
/// backends every row of the key tables.
fn assert_no_secret_in_ledger(backend: &Backend, center: &Center, secrets: &[[u8; 32]]) {
    if let Backend::Sqlite { path, .. } = backend {
        let files = ledger_files(path);
        assert!(!files.is_empty());
        for file in files {
            let bytes = std::fs::read(&file).unwrap();
            for s in secrets {
                assert!(
                    !contains(&bytes, s),
                    "{} holds a private key in plain text",
                    file.display()
                );
            }
        }
    }
    let rows = center
        .ledger()
        .transaction(&mut |tx| {
            let mut blobs = Vec::new();
            for r in tx.query("SELECT id, purpose, secret, sealed FROM center_keys", &[])? {
                assert_ne!(r.text(1)?, "root", "the root key is in the ledger");
                assert_eq!(r.int(3)?, 1, "key {} is not sealed", r.int(0)?);
                blobs.push(r.blob(2)?.to_vec());
            }
            for r in tx.query("SELECT public, rollover FROM center_roots", &[])? {
                blobs.push(r.blob(0)?.to_vec());
                if let Some(b) = r.opt_blob(1)? {
                    blobs.push(b.to_vec());
                }
            }
            Ok(blobs)
        })
        .unwrap();
    assert!(!rows.is_empty());
    for blob in rows {
        for s in secrets {
            assert!(!contains(&blob, s), "a key row holds a private key");
        }
    }
}

/// The attack as it was: read the ledger as a backup thief would and look
/// for each loaded key's secret scalar.
fn backup_thief_finds_no_private_key(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let mut all = secrets(&center.keys());
    common::sell_paper(&center, 2);
    all.extend(secrets(&center.keys()));
    center.rotate_event_key(&OP, "rot-event", EVENT).unwrap();
    for (i, purpose) in [KeyPurpose::Grants, KeyPurpose::Lists]
        .into_iter()
        .enumerate()
    {
        center
            .rotate_key(&OP, &format!("rot-{i}"), purpose)
            .unwrap();
    }
    center.prepare_grant_key(&OP, "prep").unwrap();
    center.rollover_root(&OP, "roll").unwrap();
    all.extend(secrets(&center.keys()));
    // Fresh: grant, list, root; with the event: its key besides; after the
    // rotations and the rollover: four new ones.
    assert_eq!(all.len(), 3 + 4 + 4);
    // Every stored sealed key has the documented layout.
    let sealed: Vec<Vec<u8>> = center
        .ledger()
        .transaction(&mut |tx| {
            tx.query("SELECT secret FROM center_keys", &[])?
                .iter()
                .map(|r| r.blob(0).map(<[u8]>::to_vec))
                .collect()
        })
        .unwrap();
    assert_eq!(sealed.len(), 7);
    for s in &sealed {
        assert_eq!((s.len(), s[0]), (SEALED_LEN, SEALED_VERSION));
    }
    assert_no_secret_in_ledger(&backend, &center, &all);
    // Nor is it in the root key file: sealed there too.
    if let RootStore::File(path) = &backend.key_storage().root {
        let bytes = std::fs::read(path).unwrap();
        for s in &all {
            assert!(
                !contains(&bytes, s),
                "the root key file holds a key in plain text"
            );
        }
    }
}

/// Another KEK does not open the keys: a clear error, never other keys.
fn wrong_kek_is_refused(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let before = center.key_set_signed(&OP).unwrap();
    drop(center);
    let storage = backend.key_storage();
    let wrong = KeyStorage::new(Kek::generate(), storage.root.clone());
    let err = backend.try_center(&clock, wrong).err().unwrap();
    assert!(matches!(err, Error::WrongKek(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the key-encryption key does not open the center keys"),
        "{err}"
    );
    assert_eq!(err.code(), "wrong_kek");
    // The right one still opens them, and they are the same keys.
    let again = backend.try_center(&clock, storage).unwrap();
    let after = again.key_set_signed(&OP).unwrap();
    assert_eq!(
        (after.root_key_id, &after.root_public_key),
        (before.root_key_id, &before.root_public_key)
    );
    let keys = KeySet::from_signed_bytes(
        &after.key_set,
        after.root_key_id,
        &PublicKey::from_sec1(&before.root_public_key).unwrap(),
    )
    .unwrap();
    // A center with no events has a grant and a list key, no ticket key.
    assert_eq!(keys.entries().len(), 2);
}

/// Turn the ledger back into what a center before sealed keys made: schema
/// version 3, the secrets in plain text, the root among them.
fn downgrade_to_plaintext(center: &Center, storage: &KeyStorage) {
    let keys = center.keys();
    let root = keys.root().unwrap().clone();
    let (_, event_key) = keys.event_ticket_keys().next().unwrap();
    let all = [event_key.clone(), keys.grant.clone(), keys.list.clone()];
    center
        .ledger()
        .transaction(&mut |tx| {
            for k in &all {
                tx.execute(
                    "UPDATE center_keys SET secret = $2 WHERE id = $1",
                    &[Value::int(k.id().0), Value::Blob(k.secret().to_bytes().to_vec())],
                )?;
            }
            tx.execute(
                "INSERT INTO center_keys (id, purpose, secret, not_before, not_after, retired, prepared)
                 VALUES ($1, 'root', $2, 0, 4000000000, 0, 0)",
                &[Value::int(root.id().0), Value::Blob(root.secret().to_bytes().to_vec())],
            )?;
            tx.execute("DROP TABLE center_roots", &[])?;
            tx.execute("DROP TABLE signed_key_sets", &[])?;
            tx.execute("ALTER TABLE center_keys DROP COLUMN sealed", &[])?;
            // Schema version 5: before event keys, the event's key is the
            // ticket key for every event.
            tx.execute("ALTER TABLE center_keys DROP COLUMN event", &[])?;
            tx.execute("ALTER TABLE center_keys DROP COLUMN dropped", &[])?;
            // Schema version 17: the free-ticket index (replacing the index
            // of version 15).
            tx.execute("DROP INDEX tickets_free", &[])?;
            // Schema version 16: the seat maps kept with events.
            tx.execute("DROP TABLE event_seat_maps", &[])?;
            // (Schema version 15's index is gone since version 17.)
            // Schema version 14: reported double admissions.
            tx.execute("DROP TABLE gate_conflicts", &[])?;
            // Schema version 13: postponed events' refund window.
            tx.execute("ALTER TABLE events DROP COLUMN refund_until", &[])?;
            tx.execute("ALTER TABLE center_keys DROP COLUMN keep_until", &[])?;
            // Schema version 12: revocation reasons.
            tx.execute("ALTER TABLE revocations DROP COLUMN reason", &[])?;
            // Schema version 11: cancelled events and their refunds.
            tx.execute("DROP TABLE refunds", &[])?;
            tx.execute("ALTER TABLE events DROP COLUMN cancelled_at", &[])?;
            // (Schema version 10 added a column to the allotment log, which
            // goes whole below.)
            // Schema version 9: purchases at store terminals.
            tx.execute("DROP TABLE terminal_challenges", &[])?;
            // Schema version 8: credentials with a life cycle.
            tx.execute("DROP TABLE terminal_distributors", &[])?;
            tx.execute("ALTER TABLE credentials DROP COLUMN expires_at", &[])?;
            tx.execute("ALTER TABLE credentials DROP COLUMN revoked_at", &[])?;
            tx.execute("ALTER TABLE credentials DROP COLUMN rotated_at", &[])?;
            // Schema version 7: the allotment log.
            tx.execute("DROP TABLE allotment_log", &[])?;
            // Schema version 6: seat holds.
            tx.execute("DROP TABLE hold_seats", &[])?;
            tx.execute("DROP TABLE holds", &[])?;
            // The rest of schema version 4, so the ledger is a version 3 one.
            tx.execute("DROP TABLE reissues", &[])?;
            tx.execute("DROP TABLE gate_units", &[])?;
            tx.execute("DROP TABLE card_replacements", &[])?;
            tx.execute("ALTER TABLE credentials DROP COLUMN unit", &[])?;
            for column in ["beacon_source", "beacon", "applications_digest"] {
                tx.execute(&format!("ALTER TABLE lotteries DROP COLUMN {column}"), &[])?;
            }
            tx.execute(
                "UPDATE meta SET value = '3' WHERE name = 'schema_version'",
                &[],
            )?;
            Ok(())
        })
        .unwrap();
    if let RootStore::File(path) = &storage.root {
        std::fs::remove_file(path).unwrap();
    }
}

/// A ledger with plaintext keys is sealed the first time a center opens it
/// with a KEK: same keys, the root moved to the root key file, and (SQLite)
/// no plaintext left anywhere in the file.
fn plaintext_ledger_is_sealed_on_open(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let sold = common::sold_paper(&center, 3);
    let ticket = common::issue(&center, sold[0]);
    let old = center.keys();
    let secrets = secrets(&old);
    let storage = backend.key_storage();
    downgrade_to_plaintext(&center, &storage);
    drop(center);
    if let Backend::Sqlite { path, .. } = &backend {
        let bytes: Vec<u8> = ledger_files(path)
            .iter()
            .flat_map(|f| std::fs::read(f).unwrap())
            .collect();
        assert!(
            secrets.iter().any(|s| contains(&bytes, s)),
            "the downgraded ledger holds its keys in plain text"
        );
    }

    let center = backend.center(&clock);
    let new = center.keys();
    // The event's key is now the ledger's ticket key for every event.
    assert_eq!(new.event_ticket_keys().count(), 0);
    assert_eq!(
        (
            new.all_events_ticket_key().unwrap().public_key(),
            new.root_public(),
            new.root_id()
        ),
        (
            old.ticket_key_for(EVENT).unwrap().public_key(),
            old.root_public(),
            old.root_id()
        )
    );
    assert_no_secret_in_ledger(&backend, &center, &secrets);
    // What was signed before still verifies under the key set published now.
    let ks = center.key_set_signed(&Principal::Gate(EVENT)).unwrap();
    let set = KeySet::from_signed_bytes(&ks.key_set, ks.root_key_id, &new.root_public()).unwrap();
    eticket_core::ticket::verify(ticket.as_bytes(), &set, clock.now()).unwrap();
    // And the center goes on issuing.
    common::issue(&center, sold[1]);
    // Reopening finds nothing left to seal.
    drop(center);
    backend.center(&clock);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The SQLite ledger and everything beside it is the owner's only.
#[cfg(unix)]
#[test]
fn sqlite_files_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("center.sqlite");
    let center = Center::open_sqlite(&path).unwrap();
    common::sold_paper(&center, 1);
    let files = ledger_files(&path);
    assert_eq!(files.len(), 3, "{files:?}");
    for f in files.iter().cloned().chain([
        dir.path().join("center.sqlite.kek"),
        dir.path().join("center.sqlite.root"),
    ]) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
    drop(center);
    // A ledger file someone opened to others is closed again on open.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    let _center = Center::open_sqlite(&path).unwrap();
    assert_eq!(mode(&path), 0o600);
}

/// The root key is not in the ledger but in the root key file; without that
/// file a center refuses to open, and a center with the root offline
/// publishes the key set the operator signed with it elsewhere.
fn root_key_lives_outside_the_ledger(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let root = center.keys().root().unwrap().clone();
    let storage = backend.key_storage();
    let RootStore::File(root_file) = &storage.root else {
        panic!("the tests keep the root in a file");
    };
    assert_eq!(
        std::fs::metadata(root_file).unwrap().len(),
        1 + 2 + SEALED_LEN as u64
    );

    // Offline: the center has no root; it publishes what was signed with it.
    let offline = backend
        .try_center(
            &clock,
            KeyStorage::new(storage.kek.clone(), RootStore::Offline),
        )
        .unwrap();
    assert!(offline.keys().root().is_err());
    let err = offline.key_set_signed(&Principal::Gate(EVENT)).unwrap_err();
    assert_eq!(err.code(), "root_offline");
    assert!(matches!(offline.sign_key_set(&OP), Err(Error::RootOffline)));
    assert!(matches!(
        center.sign_key_set(&ORG),
        Err(Error::Forbidden(_))
    ));
    let signed = center.sign_key_set(&OP).unwrap();
    let published = offline.key_set_signed(&Principal::Gate(EVENT)).unwrap();
    assert_eq!(published, signed);
    KeySet::from_signed_bytes(&published.key_set, root.id(), &root.public_key()).unwrap();
    // A key change needs a new signature before the offline center publishes
    // it; until then it publishes the newest set signed, so gates keep theirs.
    center.rotate_key(&OP, "rot", KeyPurpose::Lists).unwrap();
    assert_eq!(
        offline.key_set_signed(&Principal::Gate(EVENT)).unwrap(),
        signed
    );
    let resigned = center.sign_key_set(&OP).unwrap();
    assert_eq!(offline.key_set_signed(&OP).unwrap(), resigned);
    assert_eq!(resigned.version, 2);

    // Without the root key file a center does not open.
    drop(center);
    std::fs::remove_file(root_file).unwrap();
    let err = backend.try_center(&clock, storage).err().unwrap();
    assert_eq!(err.code(), "key_storage", "{err}");
    assert!(err.to_string().contains("does not hold root key"), "{err}");
}

/// The old root signs the new one; key sets follow the new root; every
/// center process over the ledger follows.
fn root_rollover(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let other = backend.center(&clock);
    let old = center.key_set_signed(&OP).unwrap();
    let old_public = PublicKey::from_sec1(&old.root_public_key).unwrap();

    assert!(matches!(
        center.rollover_root(&ORG, "roll"),
        Err(Error::Forbidden(_))
    ));
    let change = center.rollover_root(&OP, "roll").unwrap();
    assert_eq!(change.previous_root, old.root_key_id);
    assert_ne!(change.root, old.root_key_id);
    assert_eq!(change.key_set_version, old.version + 1);
    // Idempotent: a retry answers the same and makes no second root.
    assert_eq!(center.rollover_root(&OP, "roll").unwrap(), change);
    // Roots are rolled over, not retired, and the error says so.
    let err = center.retire_key(&OP, "ret-root", change.root).unwrap_err();
    assert!(err.to_string().contains("eticket rollover-root"), "{err}");
    let err = center
        .retire_key(&OP, "ret-old-root", old.root_key_id)
        .unwrap_err();
    assert!(err.to_string().contains("former root key"), "{err}");

    // The statement: signed by the old root, naming the new one.
    let rollover =
        RootRollover::from_signed_bytes(&change.rollover, old.root_key_id, &old_public).unwrap();
    assert_eq!(rollover.new_id, change.root);
    assert_eq!(
        rollover.new_public.to_uncompressed().to_vec(),
        change.root_public_key
    );
    assert_eq!(rollover.issued_at, clock.now());

    // Published, for gates that hold the old root.
    let published = other.root_rollovers(&Principal::Gate(EVENT)).unwrap();
    assert_eq!(published.current_root, change.root);
    assert_eq!(published.rollovers.len(), 1);
    assert_eq!(published.rollovers[0].signed, change.rollover);
    assert_eq!(
        (
            published.rollovers[0].from_root,
            published.rollovers[0].to_root
        ),
        (old.root_key_id, change.root)
    );

    // Key sets are signed by the new root, in this process and in the other.
    for c in [&center, &other] {
        let ks = c.key_set_signed(&Principal::Gate(EVENT)).unwrap();
        assert_eq!(
            (ks.root_key_id, ks.version),
            (change.root, change.key_set_version)
        );
        KeySet::from_signed_bytes(&ks.key_set, change.root, &rollover.new_public).unwrap();
        assert!(KeySet::from_signed_bytes(&ks.key_set, old.root_key_id, &old_public).is_err());
    }
    // A center running with the root offline publishes the new root's first
    // set at once: the rollover stored it signed.
    let offline = backend
        .try_center(
            &clock,
            KeyStorage::new(backend.key_storage().kek.clone(), RootStore::Offline),
        )
        .unwrap();
    let ks = offline.key_set_signed(&Principal::Gate(EVENT)).unwrap();
    assert_eq!(
        (ks.root_key_id, ks.version),
        (change.root, change.key_set_version)
    );
    KeySet::from_signed_bytes(&ks.key_set, change.root, &rollover.new_public).unwrap();
    drop(offline);
    // The root key file keeps the new root only.
    if let RootStore::File(path) = &backend.key_storage().root {
        assert_eq!(
            std::fs::metadata(path).unwrap().len(),
            1 + 2 + SEALED_LEN as u64
        );
    }
    // A second rollover, from another process: the chain grows, in order.
    clock.advance(60);
    let second = other.rollover_root(&OP, "roll-2").unwrap();
    assert_eq!(second.previous_root, change.root);
    let chain = center.root_rollovers(&OP).unwrap();
    assert_eq!(chain.current_root, second.root);
    let mut trusted = (old.root_key_id, old_public);
    for r in &chain.rollovers {
        let next = RootRollover::from_signed_bytes(&r.signed, trusted.0, &trusted.1).unwrap();
        trusted = (next.new_id, next.new_public);
    }
    assert_eq!(trusted.0, second.root);
    let ks = center.key_set_signed(&OP).unwrap();
    KeySet::from_signed_bytes(&ks.key_set, trusted.0, &trusted.1).unwrap();
    // And a center opened afresh loads the new root from the file.
    drop((center, other));
    assert_eq!(backend.center(&clock).keys().root_id(), second.root);
}

/// Generated and rotated keys live 400 days; a ticket key that expires before
/// the event ends does not sign its tickets.
fn keys_live_four_hundred_days(backend: Backend) {
    // The center starts 500 days before the fixture event.
    let clock = std::sync::Arc::new(eticket_center::clock::ManualClock::new(
        fixtures::NOW.minus(500 * 86_400),
    ));
    let center = backend.center(&clock);
    let start = clock.now();
    for e in center.keys().entries() {
        assert!(e.not_after <= start.plus(KEY_LIFETIME_SECS), "{e:?}");
        assert!(e.not_after > start.plus(365 * 86_400), "{e:?}");
    }
    assert_eq!(KEY_LIFETIME_SECS, 400 * 86_400);
    // The event's own ticket key lives as long as the event needs, not 400
    // days: until a week after it ends.
    let sold = common::sold_paper(&center, 2);
    let key = center.keys().ticket_key_for(EVENT).unwrap().id();
    let end = fixtures::small_event().schedule.end;
    assert_eq!(
        center.keys().entry(key).unwrap().not_after,
        end.plus(eticket_center::keys::EVENT_KEY_MARGIN_SECS)
    );
    center
        .issue(&Principal::Distributor(SHOP), "i0", EVENT, sold[1], None)
        .unwrap();
    // A ledger from before event keys: its one ticket key, for every event,
    // lives 400 days, and the center refuses to sign what it would not cover.
    center
        .ledger()
        .transaction(&mut |tx| {
            tx.execute(
                "UPDATE center_keys SET event = NULL, not_after = $2 WHERE id = $1",
                &[
                    Value::int(key.0),
                    Value::u64(start.plus(KEY_LIFETIME_SECS).0)?,
                ],
            )?;
            tx.execute(
                "UPDATE meta SET value = '99' WHERE name = 'key_set_version'",
                &[],
            )
        })
        .unwrap();
    let err = center
        .issue(&Principal::Distributor(SHOP), "i", EVENT, sold[0], None)
        .unwrap_err();
    assert!(err.to_string().contains("rotate"), "{err}");
    // Rotated a year on, the new ticket key covers the event.
    clock.advance(365 * 86_400);
    let change = center.rotate_key(&OP, "rot", KeyPurpose::Tickets).unwrap();
    let entry = center.keys().entry(change.key).unwrap().clone();
    assert_eq!(entry.not_after, clock.now().plus(KEY_LIFETIME_SECS));
    let issued = center
        .issue(&Principal::Distributor(SHOP), "i2", EVENT, sold[0], None)
        .unwrap();
    let signed = issued.ticket.signed().unwrap();
    assert_eq!(
        KeyId(u16::from_be_bytes([
            signed.as_bytes()[1],
            signed.as_bytes()[2]
        ])),
        change.key
    );
}

suite!(
    backup_thief_finds_no_private_key,
    wrong_kek_is_refused,
    plaintext_ledger_is_sealed_on_open,
    root_key_lives_outside_the_ledger,
    root_rollover,
    keys_live_four_hundred_days,
);

/// A PostgreSQL ledger has no default KEK: the center says what it needs.
#[test]
fn postgres_needs_an_explicit_kek() {
    let backend = Backend::postgres();
    let err = Center::open(backend.ledger()).err().unwrap();
    assert_eq!(err.code(), "key_storage");
    assert!(err.to_string().contains("key-encryption key"), "{err}");
}

/// The in-memory center seals its keys under a random KEK of its own.
#[test]
fn in_memory_center_has_an_ephemeral_kek() {
    let a = Center::open_in_memory().unwrap();
    assert!(matches!(a.key_storage().root, RootStore::Memory(_)));
    let sealed: Vec<u8> = a
        .ledger()
        .transaction(&mut |tx| {
            tx.query_opt("SELECT secret FROM center_keys WHERE id = 2", &[])?
                .unwrap()
                .blob(0)
                .map(<[u8]>::to_vec)
        })
        .unwrap();
    assert_eq!(sealed.len(), SEALED_LEN);
    assert!(!contains(&sealed, &a.keys().grant.secret().to_bytes()));
    let _ = ORG;
}
