//! The root rollover for a center whose root is offline: the old root
//! never comes to the serving machine, and the new one is made where the
//! old one is.
//!
//! 1. The serving side exports a [`KeySetRequest`] (`eticket
//!    key-set-request`), which names the ledger's next free key id.
//! 2. On the air-gapped machine, [`sign_rollover_request`] (`eticket
//!    rollover-root --request FILE --new-root-key-file NEW`, no ledger)
//!    makes the new root under that id, writes it to a new root key file
//!    sealed under the same key-encryption key, has the old root sign the
//!    [`RootRollover`] statement naming it, and has the new root sign the
//!    request's key set at the next version, all in one
//!    [`SignedRootRollover`].
//! 3. The serving side imports it ([`Center::import_root_rollover`],
//!    `eticket import-rollover FILE`): the statement must verify with the
//!    current root and name the new root, the key set must verify with the
//!    new root and list the ledger's keys at the next version. The ledger
//!    then names the new root, publishes the statement beside the earlier
//!    ones (`GET /v1/keyset/rollovers`) and serves the new root's set at
//!    once. Importing the same file again changes nothing; a statement of a
//!    root replaced already is refused as a replay.
//!
//! From then on `sign-key-set` takes the new root key file, and a set the
//! old root signed is refused at import.

use std::path::Path;

use eticket_core::crypto::PublicKey;
use eticket_core::ids::KeyId;
use eticket_core::keys::{KeySet, SigningKeyPair};
use eticket_core::rollover::RootRollover;
use eticket_core::time::Timestamp;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::center::{Center, Principal};
use crate::keys::RootChange;
use crate::keystore::{KeyStorage, RootStore, SealedRoot};
use crate::publish::{KeySetRequest, SignedKeySet};
use crate::tables::keys as keys_table;
use crate::wire;
use crate::{Error, Result};

/// What the offline rollover signs, carried from the air-gapped machine to
/// the serving side in one file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SignedRootRollover {
    /// The root that signed the statement: the current root of the request.
    pub previous_root: KeyId,
    /// The new root.
    pub root: KeyId,
    /// The new root's public key (uncompressed SEC1).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub root_public_key: Vec<u8>,
    /// The rollover statement (eticket-core's `RootRollover`), signed by
    /// the previous root.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub rollover: Vec<u8>,
    /// The request's key set at the next version, signed by the new root.
    pub key_set: SignedKeySet,
}

/// What an import of a [`SignedRootRollover`] did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RolloverImport {
    /// The rollover, as [`Center::rollover_root`] reports one.
    #[serde(flatten)]
    pub change: RootChange,
    /// True when this rollover was imported before: nothing changed now.
    pub already_imported: bool,
}

/// Highest id the offline signer gives a new root: the rest of the id
/// space stays for the keys the center makes after it.
pub const MAX_NEW_ROOT_ID: u16 = u16::MAX - 1024;

/// Make a new root and sign the rollover to it, where the old root is and
/// no ledger is: `old` opens the request's root (the root key file and its
/// key-encryption key); the new root gets the request's `next_key_id` and
/// is written, sealed under the same key-encryption key, to a new root key
/// file at `new_root_file` (mode 0600; an existing file is refused, never
/// overwritten), before anything it signed is returned. The old root signs
/// the statement, issued at `now`; the new root signs the request's key set
/// at the next version, with `next_update`.
pub fn sign_rollover_request(
    request: &KeySetRequest,
    old: &KeyStorage,
    new_root_file: &Path,
    now: Timestamp,
    next_update: Timestamp,
) -> Result<SignedRootRollover> {
    let new_store = RootStore::File(new_root_file.to_path_buf());
    if new_root_file.exists() {
        return Err(Error::KeyStorage(format!(
            "the root key file {} exists already; a root key file is never overwritten: name a new one",
            new_root_file.display()
        )));
    }
    let old_root = old.open_root(request.root_key_id)?;
    if old_root.public_key().to_uncompressed()[..] != request.root_public_key[..] {
        return Err(Error::KeyStorage(format!(
            "{} holds a root key {} that is not the one the request names",
            old.root.describe(),
            request.root_key_id
        )));
    }
    let Some(new_id) = request.next_key_id else {
        return Err(Error::invalid(
            "next_key_id",
            "the request names no id for a new root: make it again with `eticket key-set-request` of this version",
        ));
    };
    let mut set = KeySet::from_unsigned_bytes(&request.key_set)?;
    if set.version != request.version {
        return Err(Error::invalid(
            "key_set",
            format!(
                "the request says version {} but its key set is version {}",
                request.version, set.version
            ),
        ));
    }
    if new_id == old_root.id() || set.entries().iter().any(|k| k.id == new_id) {
        return Err(Error::invalid(
            "next_key_id",
            format!("key id {new_id} is in use in the request: it cannot name a new root"),
        ));
    }
    // The center names its next free id, which is above every key it
    // lists and far from the end of the id space; an id past that would
    // leave the center no ids for the keys it makes later.
    let top = set
        .entries()
        .iter()
        .map(|k| k.id.0)
        .chain([old_root.id().0])
        .max()
        .unwrap_or(0);
    if new_id.0 <= top || new_id.0 > MAX_NEW_ROOT_ID {
        return Err(Error::invalid(
            "next_key_id",
            format!(
                "the request names key id {new_id} for the new root: a center names the id after its last key (here above K{top}, at most K{MAX_NEW_ROOT_ID}); the request was altered"
            ),
        ));
    }
    crate::publish::check_signable(&set, old_root.id(), next_update)?;
    set.version = set
        .version
        .checked_add(1)
        .ok_or_else(|| Error::invalid("key_set", "the key set version is at its maximum"))?;
    let new_root = SigningKeyPair::generate(new_id, &mut OsRng);
    let rollover = RootRollover {
        new_id,
        new_public: new_root.public_key(),
        issued_at: now,
    }
    .to_signed_bytes(&old_root)?;
    let version = set.version;
    let key_set = set
        .with_next_update(next_update)
        .to_signed_bytes(&new_root)?;
    // The new root is on disk before anything it signed leaves this function.
    let secret = Zeroizing::new(new_root.secret().to_bytes());
    new_store.create(&[SealedRoot {
        id: new_id,
        sealed: old.kek.seal(new_id, "root", &secret)?,
    }])?;
    let root_public_key = new_root.public_key().to_uncompressed().to_vec();
    Ok(SignedRootRollover {
        previous_root: old_root.id(),
        root: new_id,
        root_public_key: root_public_key.clone(),
        rollover,
        key_set: SignedKeySet {
            version,
            root_key_id: new_id,
            root_public_key,
            key_set,
        },
    })
}

fn tampered(what: impl Into<String>) -> Error {
    Error::invalid("rollover", format!("{}: the file was altered", what.into()))
}

/// The new root a rollover file names, checked against its statement (which
/// the current root `(id, public)` must have signed) and its key set's
/// header. `replaced` says whether the file's previous root is one this
/// ledger replaced already.
fn verified_statement(
    file: &SignedRootRollover,
    current: (KeyId, &PublicKey),
    replaced: bool,
) -> Result<RootRollover> {
    let (id, public) = current;
    let statement = RootRollover::from_signed_bytes(&file.rollover, id, public).map_err(|e| {
        if replaced {
            Error::invalid(
                "rollover",
                format!(
                    "it is signed by root {}, which this center replaced already (its root is {id}): an older rollover replayed, one made from an old request, or another center's (every center's first root is K100); nothing changed",
                    file.previous_root
                ),
            )
        } else {
            Error::invalid(
                "rollover",
                format!(
                    "the statement does not verify with the current root {id} ({e}): altered, or signed with another root key file"
                ),
            )
        }
    })?;
    if file.previous_root != id {
        return Err(tampered(format!(
            "the statement is signed by root {id}, the file says root {}",
            file.previous_root
        )));
    }
    let named = statement.new_public.to_uncompressed();
    if statement.new_id != file.root || named[..] != file.root_public_key[..] {
        return Err(tampered(format!(
            "the statement names root {}, the file root {}",
            statement.new_id, file.root
        )));
    }
    if file.key_set.root_key_id != file.root || file.key_set.root_public_key[..] != named[..] {
        return Err(tampered(format!(
            "its key set names root {}, the statement root {}",
            file.key_set.root_key_id, statement.new_id
        )));
    }
    Ok(statement)
}

impl Center {
    /// Store a root rollover signed offline ([`sign_rollover_request`]),
    /// on a center that runs with the root offline: the statement must
    /// verify with the current root and name the file's new root, whose id
    /// must be free here; the key set must verify with the new root and
    /// list exactly the center's current keys at the next version (a key
    /// change since the request needs a new request and a new rollover).
    /// The ledger then names the new root, publishes the statement in
    /// [`root_rollovers`](Self::root_rollovers) and serves the new root's
    /// set; the key set version moves on, so every center process reloads.
    /// The same file imported again changes nothing
    /// ([`RolloverImport::already_imported`]); a statement by a root
    /// replaced already is refused. Operator only.
    pub fn import_root_rollover(
        &self,
        who: &Principal,
        file: &SignedRootRollover,
    ) -> Result<RolloverImport> {
        crate::keys::only_operator(who)?;
        if !matches!(self.storage.root, RootStore::Offline) {
            return Err(Error::invalid(
                "root",
                "this center holds the root key file: roll the root over with `eticket rollover-root`; import-rollover is for centers run with --offline-root",
            ));
        }
        let now = self.now();
        let imported = crate::store::Store::transaction(&self.ledger, &mut |tx| {
            crate::keys::lock_keys(tx, now)?;
            let keys = self.keys_in(tx)?;
            let (current, public) = (keys.root_id(), keys.root_public());
            // The statement that made the current root current, and the
            // root before it.
            let history = keys_table::root_history(tx)?;
            let imported_before = history
                .windows(2)
                .find(|w| w[1].0 == current && w[1].2.as_deref() == Some(&file.rollover[..]))
                .map(|w| w[0].0);
            if let Some(previous_root) = imported_before {
                // Imported before: the file must still be what was imported.
                let set = KeySet::from_signed_bytes(&file.key_set.key_set, current, &public)
                    .map_err(|e| {
                        tampered(format!(
                            "its key set does not verify with root {current} ({e})"
                        ))
                    })?;
                return Ok(RolloverImport {
                    change: RootChange {
                        previous_root,
                        root: current,
                        root_public_key: public.to_uncompressed().to_vec(),
                        rollover: file.rollover.clone(),
                        key_set_version: set.version,
                    },
                    already_imported: true,
                });
            }
            let replaced = file.previous_root != current
                && matches!(
                    keys_table::root_superseded_at(tx, file.previous_root)?,
                    Some(Some(_))
                );
            let statement = verified_statement(file, (current, &public), replaced)?;
            let new_id = statement.new_id;
            let next_free = keys_table::top_key_id(tx)?.checked_add(1);
            if next_free != Some(new_id.0) {
                return Err(Error::invalid(
                    "rollover",
                    format!(
                        "the new root is key id {new_id}, but this center's next key id is {}: the request was altered, or keys were made since it; make a new request (`eticket key-set-request`) and sign the rollover again",
                        next_free.map_or_else(|| "none".to_owned(), |n| format!("K{n}"))
                    ),
                ));
            }
            if keys_table::root_superseded_at(tx, new_id)?.is_some()
                || keys_table::purpose_and_retired(tx, new_id)?.is_some()
            {
                return Err(Error::invalid(
                    "rollover",
                    format!(
                        "key id {new_id} is in use on this center: make a new request (`eticket key-set-request`) and sign the rollover again"
                    ),
                ));
            }
            let set =
                KeySet::from_signed_bytes(&file.key_set.key_set, new_id, &statement.new_public)
                    .map_err(|e| {
                        Error::invalid(
                            "key_set",
                            format!("it does not verify with the new root {new_id}: {e}"),
                        )
                    })?;
            let current_set = keys.key_set()?;
            let next = current_set.version.checked_add(1);
            if Some(set.version) != next
                || file.key_set.version != set.version
                || set.entries() != current_set.entries()
            {
                return Err(Error::invalid(
                    "key_set",
                    format!(
                        "the rollover carries key set version {} and the center is at version {}{}: a key changed since the request; make a new request (`eticket key-set-request`), sign the rollover again and delete the new root key file made for this one",
                        set.version,
                        current_set.version,
                        if Some(set.version) == next {
                            " with other keys"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            if set.is_stale(now) {
                return Err(Error::invalid(
                    "key_set",
                    format!(
                        "its next_update {} has passed: sign the rollover again",
                        set.next_update.0
                    ),
                ));
            }
            keys_table::supersede_current_root(tx, now)?;
            keys_table::insert_root(tx, new_id, &statement.new_public, now, Some(&file.rollover))?;
            let version = crate::keys::bump_version(tx)?;
            crate::tables::key_sets::store(tx, version, new_id, &file.key_set.key_set, now)?;
            Ok(RolloverImport {
                change: RootChange {
                    previous_root: current,
                    root: new_id,
                    root_public_key: file.root_public_key.clone(),
                    rollover: file.rollover.clone(),
                    key_set_version: version,
                },
                already_imported: false,
            })
        })?;
        self.refresh_keys()?;
        Ok(imported)
    }
}
