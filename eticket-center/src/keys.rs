//! The center's own keys: a ticket key per event, a grant key, a list key and
//! a root key that signs the key set gates and hosts trust. The grant, list
//! and root keys are generated once when a ledger is first opened; each
//! event's ticket key when the event is registered
//! (`add_event_key`, scoped to that event in the key set, so a leaked
//! ticket key forges tickets for one event only, and valid until
//! [`EVENT_KEY_MARGIN_SECS`] after the event ends). A ledger from before
//! event keys keeps its ticket key for every event: it signs for the events
//! that have no key of their own. Keys are loaded on every open.
//!
//! At rest every private key is sealed under the operator's key-encryption
//! key ([`crate::keystore`]): the ticket, grant and list keys in the ledger
//! (`center_keys`), the root key outside it, in the root key file (by default
//! `<ledger>.root`), whose public half and rollover statements the ledger
//! keeps (`center_roots`). A ledger from before (plaintext keys, the root in
//! `center_keys`) is sealed, and its root moved out, the first time a center
//! opens it with a KEK.
//!
//! Keys rotate: [`Center::rotate_key`] adds a new key for a purpose (or
//! promotes the grant key [`Center::prepare_grant_key`] made ahead), and
//! [`Center::rotate_event_key`] a new ticket key for one event, which
//! signs from then on, while the old one stays in the key set so what it
//! signed keeps verifying; [`Center::retire_key`] later marks the old key
//! retired, and gates that sync the new key set refuse what it signed. Each
//! change bumps the key set version (`meta.key_set_version`); every center
//! process over the ledger reloads its keys when it sees a newer version in
//! the transaction that signs. The root is replaced by
//! [`Center::rollover_root`]: the old root signs a statement naming the new
//! one, published beside the key set.
//!
//! Generated grant and list keys (and a ledger's ticket key for every event)
//! are valid for [`KEY_LIFETIME_SECS`] (400 days): rotate them at least
//! yearly. An event's ticket key expires with its event, and once expired
//! it is dropped from the key set at the next key change, so key sets do
//! not grow with every event ever held. The center refuses to sign a
//! ticket whose event ends after its ticket key expires, and a revocation
//! list with an expired list key, rather than hand out what gates refuse.

use std::collections::BTreeMap;
use std::sync::Arc;

use eticket_core::crypto::PublicKey;
use eticket_core::event::Schedule;
use eticket_core::ids::{EventId, KeyId};
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet, SigningKeyPair};
use eticket_core::rollover::RootRollover;
use eticket_core::time::Timestamp;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::center::{Center, Principal};
use crate::keystore::{KeyStorage, RootStore, SealedRoot};
use crate::store::Tx;
use crate::tables::keys::{self as keys_table, KeyRow};
use crate::wire;
use crate::{Error, Result};

/// Id of the grant key a fresh center generates.
pub const GRANT_KEY: KeyId = KeyId(2);
/// Id of the list key.
pub const LIST_KEY: KeyId = KeyId(3);
/// Id of the root key a fresh center generates (signs key sets; gates are
/// configured with its public half). A rollover gives the next root the
/// next free key id.
pub const ROOT_KEY: KeyId = KeyId(100);
/// How long generated and rotated ticket, grant and list keys are valid:
/// 400 days, so a key that leaks stops verifying within about a year and
/// operators rotate yearly with a month to spare. The root key has no
/// validity of its own: gates are configured with it, and it is replaced
/// by a rollover ([`Center::rollover_root`]).
pub const KEY_LIFETIME_SECS: u64 = 400 * 86_400;
/// How long after its event ends an event's ticket key stays valid: exit
/// scans, late entry-log uploads and re-issues after the last admission.
pub const EVENT_KEY_MARGIN_SECS: u64 = 7 * 86_400;

/// The loaded keys with their validity.
#[derive(Debug, Clone)]
pub struct CenterKeys {
    /// Signs tickets for events without a ticket key of their own (a ledger
    /// from before event keys); `None` on a center made since.
    ticket: Option<SigningKeyPair>,
    /// Each event's signing ticket key: the newest of its keys not retired.
    events: BTreeMap<EventId, SigningKeyPair>,
    /// Signs write and delete grants.
    pub grant: SigningKeyPair,
    /// Signs revocation lists and deltas.
    pub list: SigningKeyPair,
    /// Signs key sets; `None` when the root is offline.
    root: Option<SigningKeyPair>,
    root_id: KeyId,
    root_public: PublicKey,
    /// Every grant key not retired, oldest first (chips personalized before a
    /// rotation trust only the older ones).
    grants: Vec<SigningKeyPair>,
    /// The grant key prepared for the next rotation: installed on new cards
    /// so they keep working after it, not signing yet.
    prepared: Option<SigningKeyPair>,
    entries: Vec<KeyEntry>,
    version: u64,
}

/// How long a new key's validity reaches back, for verifiers whose clocks
/// run a little behind the center's.
pub const CLOCK_SKEW_SECS: u64 = 300;

/// The key set version stored in the ledger (1 before any rotation).
pub(crate) fn stored_version(tx: &mut dyn Tx) -> Result<u64> {
    keys_table::key_set_version(tx)
}

/// Store the next key set version and return it.
pub(crate) fn bump_version(tx: &mut dyn Tx) -> Result<u64> {
    let version = stored_version(tx)?
        .checked_add(1)
        .ok_or_else(|| Error::corrupt("meta.key_set_version is at its maximum"))?;
    store_version(tx, version)?;
    Ok(version)
}

fn store_version(tx: &mut dyn Tx, version: u64) -> Result<()> {
    keys_table::set_key_set_version(tx, version)
}

/// Serialize every transaction that writes the root store: rewriting one
/// `meta` row makes a concurrent transaction that does the same wait for
/// this one and run again (SQLite's `BEGIN IMMEDIATE` serializes anyway),
/// so two root-store writers never interleave.
pub(crate) fn lock_keys(tx: &mut dyn Tx, now: Timestamp) -> Result<()> {
    keys_table::lock(tx, now)
}

fn purpose_from_name(id: KeyId, name: &str) -> Result<Option<KeyPurpose>> {
    match name {
        "tickets" => Ok(Some(KeyPurpose::Tickets)),
        "grants" => Ok(Some(KeyPurpose::Grants)),
        "lists" => Ok(Some(KeyPurpose::Lists)),
        "root" => Ok(None),
        other => Err(Error::corrupt(format!("key {id}: purpose {other:?}"))),
    }
}

fn purpose_name(p: Option<KeyPurpose>) -> &'static str {
    match p {
        Some(KeyPurpose::Tickets) => "tickets",
        Some(KeyPurpose::Grants) => "grants",
        Some(KeyPurpose::Lists) => "lists",
        None => "root",
    }
}

/// The ticket and grant keys sign in bulk: with the `fast-sign` feature (on by
/// default) they sign with ring and random nonces (13 µs instead of 118 µs a
/// signature).
fn signer(key: SigningKeyPair) -> Result<SigningKeyPair> {
    #[cfg(feature = "fast-sign")]
    return Ok(key.with_fast_signing()?);
    #[cfg(not(feature = "fast-sign"))]
    Ok(key)
}

/// The next free key id, over the center keys and the roots.
pub(crate) fn next_key_id(tx: &mut dyn Tx) -> Result<KeyId> {
    Ok(KeyId(
        keys_table::top_key_id(tx)?
            .checked_add(1)
            .ok_or_else(|| Error::invalid("key", "no key ids left"))?,
    ))
}

/// Put a new root's sealed secret into the root store (beside what is there:
/// the root it replaces stays until the change is committed) and its public
/// half into the ledger.
fn add_root(
    tx: &mut dyn Tx,
    storage: &KeyStorage,
    root: &SigningKeyPair,
    now: Timestamp,
    rollover: Option<&[u8]>,
) -> Result<()> {
    if matches!(storage.root, RootStore::Offline) {
        return Err(Error::RootOffline);
    }
    let secret = Zeroizing::new(root.secret().to_bytes());
    let sealed = storage.kek.seal(root.id(), "root", &secret)?;
    let mut roots = storage.root.read()?;
    roots.retain(|r| r.id != root.id());
    roots.push(SealedRoot {
        id: root.id(),
        sealed,
    });
    storage.root.write(&roots)?;
    keys_table::insert_root(tx, root.id(), &root.public_key(), now, rollover)
}

/// A new key's row: what it is for and when it is valid.
struct NewKey {
    purpose: KeyPurpose,
    /// The one event a ticket key signs for; `None`: every event.
    event: Option<EventId>,
    not_before: Timestamp,
    not_after: Timestamp,
    prepared: bool,
}

/// Insert a sealed ticket, grant or list key.
fn insert_sealed(
    tx: &mut dyn Tx,
    storage: &KeyStorage,
    key: &SigningKeyPair,
    new: &NewKey,
) -> Result<()> {
    let secret = Zeroizing::new(key.secret().to_bytes());
    let name = purpose_name(Some(new.purpose));
    keys_table::insert_sealed_key(
        tx,
        &KeyRow {
            id: key.id(),
            purpose: name.to_owned(),
            secret: storage.kek.seal(key.id(), name, &secret)?,
            not_before: new.not_before,
            not_after: new.not_after,
            retired: false,
            prepared: new.prepared,
            sealed: true,
            event: new.event,
        },
    )
}

impl CenterKeys {
    /// Load the keys, generating them first when the ledger has none, and
    /// sealing (and moving the root out of the ledger) when it holds keys
    /// from before keys were sealed. The flag says whether plaintext keys
    /// were sealed now (their old bytes may linger in free pages: the caller
    /// scrubs the ledger).
    pub(crate) fn load_or_generate(
        tx: &mut dyn Tx,
        now: Timestamp,
        storage: &KeyStorage,
    ) -> Result<(Self, bool)> {
        let (keys, roots, plain) = keys_table::counts(tx)?;
        let mut sealed_now = false;
        if keys == 0 && roots == 0 {
            lock_keys(tx, now)?;
            // No ticket key: each event gets its own when it is registered.
            for (id, purpose) in [
                (GRANT_KEY, KeyPurpose::Grants),
                (LIST_KEY, KeyPurpose::Lists),
            ] {
                let key = SigningKeyPair::generate(id, &mut OsRng);
                let new = NewKey {
                    purpose,
                    event: None,
                    not_before: now.minus(86_400),
                    not_after: now.plus(KEY_LIFETIME_SECS),
                    prepared: false,
                };
                insert_sealed(tx, storage, &key, &new)?;
            }
            add_root(
                tx,
                storage,
                &SigningKeyPair::generate(ROOT_KEY, &mut OsRng),
                now,
                None,
            )?;
        } else if plain > 0 {
            lock_keys(tx, now)?;
            Self::seal_plaintext(tx, now, storage)?;
            sealed_now = true;
        }
        Ok((Self::load(tx, storage)?, sealed_now))
    }

    /// Seal the plaintext keys of a ledger from before keys were sealed, and
    /// move its root key into the root store.
    fn seal_plaintext(tx: &mut dyn Tx, now: Timestamp, storage: &KeyStorage) -> Result<()> {
        for (id, name, secret) in keys_table::plain_keys(tx)? {
            let secret: Zeroizing<[u8; 32]> =
                Zeroizing::new(secret.as_slice().try_into().map_err(|_| {
                    Error::corrupt(format!("key {id}: plaintext secret is not 32 bytes"))
                })?);
            match purpose_from_name(id, &name)? {
                None => {
                    let known = keys_table::root_superseded_at(tx, id)?.is_some();
                    if !known {
                        if keys_table::current_root(tx)?.is_some() {
                            return Err(Error::corrupt(format!(
                                "root key {id} is in center_keys but another root is current"
                            )));
                        }
                        let root = SigningKeyPair::from_secret_bytes(id, secret.as_slice())?;
                        add_root(tx, storage, &root, now, None)?;
                    }
                    keys_table::delete_key(tx, id)?;
                }
                Some(_) => {
                    keys_table::seal_key(tx, id, &storage.kek.seal(id, &name, &secret)?)?;
                }
            }
        }
        Ok(())
    }

    /// Load the keys as the ledger holds them now.
    pub(crate) fn load(tx: &mut dyn Tx, storage: &KeyStorage) -> Result<Self> {
        let version = stored_version(tx)?;
        let rows = keys_table::listed_keys(tx)?;
        // The newest key of each purpose that is not retired (nor prepared)
        // signs; for tickets, the newest of each event's keys signs for it.
        let mut found: [Option<SigningKeyPair>; 3] = [None, None, None];
        let mut events = BTreeMap::new();
        let mut grants = Vec::new();
        let mut prepared = None;
        let mut entries = Vec::new();
        for row in rows {
            let id = row.id;
            let name = row.purpose.as_str();
            let Some(purpose) = purpose_from_name(id, name)? else {
                return Err(Error::corrupt(format!(
                    "root key {id} is still in center_keys"
                )));
            };
            if !row.sealed {
                return Err(Error::corrupt(format!(
                    "key {id} is not sealed; open the ledger with its key-encryption key to seal it"
                )));
            }
            let secret = storage.kek.open(id, name, &row.secret)?;
            let key = SigningKeyPair::from_secret_bytes(id, secret.as_slice())?;
            if row.prepared && !row.retired {
                if purpose != KeyPurpose::Grants {
                    return Err(Error::corrupt(format!(
                        "key {id}: only grant keys are prepared"
                    )));
                }
                prepared = Some(key);
                continue;
            }
            let slot = match purpose {
                KeyPurpose::Tickets => 0,
                KeyPurpose::Grants => 1,
                KeyPurpose::Lists => 2,
            };
            let event = row.event;
            if event.is_some() && purpose != KeyPurpose::Tickets {
                return Err(Error::corrupt(format!(
                    "key {id}: only ticket keys are scoped to an event"
                )));
            }
            let retired = row.retired;
            entries.push(KeyEntry {
                id,
                public: key.public_key(),
                purpose,
                not_before: row.not_before,
                not_after: row.not_after,
                scope: event.map_or(KeyScope::AllEvents, |e| KeyScope::Events(vec![e])),
                retired,
            });
            if !retired {
                match (purpose, event) {
                    (_, Some(event)) => {
                        events.insert(event, signer(key)?);
                        continue;
                    }
                    (KeyPurpose::Grants, None) => grants.push(signer(key.clone())?),
                    _ => {}
                }
                found[slot] = Some(key);
            }
        }
        let [ticket, Some(grant), Some(list)] = found else {
            return Err(Error::corrupt(
                "the ledger lacks an active grant or list key",
            ));
        };
        let (root_id, root_public, root) = load_root(tx, storage)?;
        Ok(Self {
            ticket: ticket.map(signer).transpose()?,
            events,
            grant: signer(grant)?,
            list,
            root,
            root_id,
            root_public,
            grants,
            prepared,
            entries,
            version,
        })
    }

    /// The key that signs tickets for `event`: the event's own, or for an
    /// event registered before events had their own keys, the ledger's
    /// ticket key for every event.
    pub fn ticket_key_for(&self, event: EventId) -> Result<&SigningKeyPair> {
        self.events
            .get(&event)
            .or(self.ticket.as_ref())
            .ok_or_else(|| {
                Error::invalid(
                    "key",
                    format!(
                        "event {event} has no ticket key; make one with `eticket rotate-key --purpose tickets --event {}`",
                        event.0
                    ),
                )
            })
    }

    /// Each event's signing ticket key, by event.
    pub fn event_ticket_keys(&self) -> impl Iterator<Item = (EventId, &SigningKeyPair)> {
        self.events.iter().map(|(e, k)| (*e, k))
    }

    /// The ticket key for every event, on a ledger from before events had
    /// their own keys.
    pub fn all_events_ticket_key(&self) -> Option<&SigningKeyPair> {
        self.ticket.as_ref()
    }

    /// Whether key `id` signs something now (a ticket key for an event or
    /// for every event, the grant key, the list key), and if so for what.
    pub fn signs_now(&self, id: KeyId) -> Option<String> {
        if let Some((event, _)) = self.events.iter().find(|(_, k)| k.id() == id) {
            return Some(format!("tickets for event {event}"));
        }
        if self.ticket.as_ref().is_some_and(|k| k.id() == id) {
            return Some("tickets".to_owned());
        }
        if self.grant.id() == id {
            return Some("grants".to_owned());
        }
        (self.list.id() == id).then(|| "lists".to_owned())
    }

    /// The root key that signs key sets; [`Error::RootOffline`] when it is
    /// not on this center.
    pub fn root(&self) -> Result<&SigningKeyPair> {
        self.root.as_ref().ok_or(Error::RootOffline)
    }

    /// The current root key's id.
    pub fn root_id(&self) -> KeyId {
        self.root_id
    }

    /// The current root key's public half (gates are configured with it).
    pub fn root_public(&self) -> PublicKey {
        self.root_public.clone()
    }

    /// The entry of a key of the set, if it is one.
    pub fn entry(&self, id: KeyId) -> Option<&KeyEntry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// Check that key `key` is valid at least until `until`, so that what it
    /// signs now still verifies then; `what` says what would be signed.
    pub(crate) fn check_valid_until(&self, key: KeyId, until: Timestamp, what: &str) -> Result<()> {
        match self.entry(key) {
            Some(e) if e.not_after < until => Err(Error::invalid(
                "key",
                format!(
                    "{} key {key} is valid until {}, before {what} ({until}); rotate it (eticket rotate-key --purpose {})",
                    purpose_name(Some(e.purpose)),
                    e.not_after,
                    purpose_name(Some(e.purpose))
                ),
            )),
            _ => Ok(()),
        }
    }
    /// The key to sign a grant with for a chip that trusts the grant keys
    /// `trusted` (as its GET INFO reports them): the newest of them the
    /// center has not retired. With no list, the current grant key.
    pub fn grant_key_for(&self, trusted: &[KeyId]) -> Result<&SigningKeyPair> {
        if trusted.is_empty() {
            return Ok(&self.grant);
        }
        self.grants
            .iter()
            .rev()
            .find(|k| trusted.contains(&k.id()))
            .ok_or_else(|| {
                Error::invalid(
                    "grant_keys",
                    format!(
                        "the chip trusts grant keys {trusted:?}, none of which the center signs with; it needs a new card"
                    ),
                )
            })
    }

    /// The grant keys a chip personalized now should trust: the prepared
    /// grant key (if any), then every grant key not retired, newest first, at
    /// most `max`.
    pub fn grant_keys_to_install(
        &self,
        max: usize,
    ) -> Vec<(KeyId, eticket_core::crypto::PublicKey)> {
        self.prepared
            .iter()
            .chain(self.grants.iter().rev())
            .take(max)
            .map(|k| (k.id(), k.public_key()))
            .collect()
    }

    /// The grant key prepared for the next rotation, if any.
    pub fn prepared_grant_key(&self) -> Option<KeyId> {
        self.prepared.as_ref().map(SigningKeyPair::id)
    }

    /// The key set version these keys make.
    pub fn version(&self) -> u64 {
        self.version
    }

    /// Every key of the set with its validity (not the root).
    pub fn entries(&self) -> &[KeyEntry] {
        &self.entries
    }

    /// The key set of the public halves (not the root) at this version.
    pub fn key_set(&self) -> Result<KeySet> {
        Ok(KeySet::new(self.version, self.entries.clone())?)
    }
}

/// What a key rotation or retirement did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct KeyChange {
    /// The key added or retired.
    pub key: KeyId,
    /// Its purpose: "tickets", "grants" or "lists".
    pub purpose: String,
    /// For a ticket key of one event, the event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<EventId>,
    /// The key that signed for the purpose before a rotation.
    pub previous: Option<KeyId>,
    /// The key set version after the change.
    pub key_set_version: u64,
}

fn purpose_of(purpose: KeyPurpose) -> &'static str {
    purpose_name(Some(purpose))
}

impl Center {
    /// The keys as of `tx`: the cached ones, or reloaded when another call or
    /// another center process changed them.
    pub(crate) fn keys_in(&self, tx: &mut dyn Tx) -> Result<Arc<CenterKeys>> {
        let version = stored_version(tx)?;
        let cached = self.keys();
        if cached.version == version {
            return Ok(cached);
        }
        let fresh = Arc::new(CenterKeys::load(tx, &self.storage)?);
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// Add a new key for `purpose`; it signs from now on. For grants, the key
    /// made by [`prepare_grant_key`](Self::prepare_grant_key) is promoted
    /// instead when there is one. The previous key stays in the key set, so
    /// what it signed keeps verifying until [`retire_key`](Self::retire_key).
    /// For tickets this rotates the ticket key for every event of a ledger
    /// from before events had their own keys; rotate an event's own key with
    /// [`rotate_event_key`](Self::rotate_event_key). Operator only.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_core::keys::KeyPurpose;
    /// let center = Center::open_in_memory()?;
    /// let change = center.rotate_key(&Principal::Operator, "rotate-1", KeyPurpose::Lists)?;
    /// assert_eq!(change.key_set_version, 2);
    /// assert_eq!(center.keys().list.id(), change.key);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn rotate_key(&self, who: &Principal, key: &str, purpose: KeyPurpose) -> Result<KeyChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "rotate_key", &purpose_of(purpose), |tx, now| {
            let previous = self.keys_in(tx)?;
            let previous = match purpose {
                KeyPurpose::Tickets => previous.ticket.as_ref().map(SigningKeyPair::id).ok_or_else(|| {
                    Error::invalid(
                        "key",
                        "this center signs each event's tickets with the event's own key; rotate one with `eticket rotate-key --purpose tickets --event N`",
                    )
                })?,
                KeyPurpose::Grants => previous.grant.id(),
                KeyPurpose::Lists => previous.list.id(),
            };
            let prepared = match purpose {
                KeyPurpose::Grants => self.keys_in(tx)?.prepared_grant_key(),
                _ => None,
            };
            let id = match prepared {
                // The prepared grant key, already on the cards made since,
                // starts signing.
                Some(id) => {
                    keys_table::activate_prepared(
                        tx,
                        id,
                        now.minus(CLOCK_SKEW_SECS),
                        now.plus(KEY_LIFETIME_SECS),
                    )?;
                    id
                }
                None => insert_key(tx, &self.storage, purpose, now, false)?,
            };
            drop_expired_event_keys(tx, now)?;
            check_key_set_room(tx, self.config().max_key_set_keys)?;
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(purpose).to_owned(),
                event: None,
                previous: Some(previous),
                key_set_version: version,
            })
        })?;
        self.refresh_keys()?;
        Ok(change)
    }

    /// Give `event` a new ticket key: it signs the event's tickets from now
    /// on, valid until [`EVENT_KEY_MARGIN_SECS`] after the event ends (as
    /// the event is now: after a schedule change, this is how the key
    /// follows). The previous key keeps verifying what it signed until it
    /// is retired. An event registered before events had their own keys
    /// gets its first one this way. Operator only.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_center::organizer::EventRegistration;
    /// # use eticket_core::keys::KeyScope;
    /// let center = Center::open_in_memory()?;
    /// let event = eticket_core::fixtures::small_event();
    /// let prices = eticket_core::fixtures::prices();
    /// center.register_event(&Principal::Organizer(1), "reg-1", &EventRegistration { info: event.clone(), prices, seat_map: None })?;
    /// let first = center.keys().ticket_key_for(event.id)?.id();
    /// let change = center.rotate_event_key(&Principal::Operator, "rotate-1", event.id)?;
    /// assert_eq!((change.previous, change.event), (Some(first), Some(event.id)));
    /// assert_eq!(center.keys().ticket_key_for(event.id)?.id(), change.key);
    /// let entry = center.keys().entry(change.key).cloned().unwrap();
    /// assert_eq!(entry.scope, KeyScope::Events(vec![event.id]));
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn rotate_event_key(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
    ) -> Result<KeyChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "rotate_event_key", &event, |tx, now| {
            let keys = self.keys_in(tx)?;
            let previous = keys.events.get(&event).map(SigningKeyPair::id);
            let schedule = crate::tables::events::load(tx, event)?.info.schedule;
            let id = add_event_key(tx, &self.storage, event, schedule, now)?;
            check_key_set_room(tx, self.config().max_key_set_keys)?;
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(KeyPurpose::Tickets).to_owned(),
                event: Some(event),
                previous,
                key_set_version: version,
            })
        })?;
        self.refresh_keys()?;
        Ok(change)
    }

    /// Prepare the next grant key before a grant-key rotation: cards
    /// personalized from now on trust it besides the current one
    /// ([`CenterKeys::grant_keys_to_install`]), so when
    /// [`rotate_key`](Self::rotate_key) makes it the signing grant key and the
    /// old one is later retired, those cards keep working. It does not sign
    /// and is not in the key set until then. One at a time. Operator only.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_core::keys::KeyPurpose;
    /// let center = Center::open_in_memory()?;
    /// let op = Principal::Operator;
    /// let next = center.prepare_grant_key(&op, "prepare-1")?;
    /// let install: Vec<_> = center.keys().grant_keys_to_install(4).iter().map(|k| k.0).collect();
    /// assert_eq!(install, vec![next.key, center.keys().grant.id()]);
    /// let rotated = center.rotate_key(&op, "rotate-1", KeyPurpose::Grants)?;
    /// assert_eq!(rotated.key, next.key);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn prepare_grant_key(&self, who: &Principal, key: &str) -> Result<KeyChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "prepare_grant_key", &(), |tx, now| {
            let keys = self.keys_in(tx)?;
            if let Some(id) = keys.prepared_grant_key() {
                return Err(Error::invalid(
                    "key",
                    format!("grant key {id} is prepared already; rotate the grant key to it first"),
                ));
            }
            let id = insert_key(tx, &self.storage, KeyPurpose::Grants, now, true)?;
            check_key_set_room(tx, self.config().max_key_set_keys)?;
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(KeyPurpose::Grants).to_owned(),
                event: None,
                previous: Some(keys.grant.id()),
                key_set_version: version,
            })
        })?;
        self.refresh_keys()?;
        Ok(change)
    }

    /// Retire a superseded key: the next key set marks it retired and gates
    /// that sync it refuse tickets, grants and lists it signed. The key that
    /// signs for its purpose now, and the root key, cannot be retired.
    /// Operator only.
    pub fn retire_key(&self, who: &Principal, key: &str, id: KeyId) -> Result<KeyChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "retire_key", &id, |tx, _| {
            let keys = self.keys_in(tx)?;
            let Some((purpose_name, retired)) = keys_table::purpose_and_retired(tx, id)? else {
                let root = keys_table::root_superseded_at(tx, id)?;
                return Err(Error::invalid(
                    "key",
                    match root {
                        Some(None) => format!(
                            "key {id} is the root key; it is replaced with `eticket rollover-root`, not retired"
                        ),
                        Some(_) => format!(
                            "key {id} is a former root key, trusted no more since its rollover"
                        ),
                        None => format!("the center has no key {id}"),
                    },
                ));
            };
            let Some(purpose) = purpose_from_name(id, &purpose_name)? else {
                return Err(Error::invalid(
                    "key",
                    format!("key {id} is the root key; it signs key sets and is not retired here"),
                ));
            };
            if retired {
                return Err(Error::invalid(
                    "key",
                    format!("key {id} is retired already"),
                ));
            }
            if let Some(what) = keys.signs_now(id) {
                return Err(Error::invalid(
                    "key",
                    format!("key {id} signs {what} now; rotate it first"),
                ));
            }
            keys_table::retire(tx, id)?;
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(purpose).to_owned(),
                event: None,
                previous: None,
                key_set_version: version,
            })
        })?;
        self.refresh_keys()?;
        Ok(change)
    }

    /// Leave a retired key out of the key set (operator only): the set gets
    /// smaller, which makes room for a rotation when the set is full
    /// (`Config::max_key_set_keys`). Gates that take the next set refuse
    /// what the key signed as signed by an unknown key rather than a retired
    /// one. Only a retired key is dropped: retire it first.
    pub fn drop_key(&self, who: &Principal, key: &str, id: KeyId) -> Result<KeyChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "drop_key", &id, |tx, _| {
            let Some((purpose_name, retired)) = keys_table::purpose_and_retired(tx, id)? else {
                return Err(Error::invalid(
                    "key",
                    format!("the center has no key {id} to drop"),
                ));
            };
            if !retired {
                return Err(Error::invalid(
                    "key",
                    format!(
                        "key {id} is not retired: retire it first (`eticket retire-key --id {}`)",
                        id.0
                    ),
                ));
            }
            if !keys_table::drop_retired(tx, id)? {
                return Err(Error::invalid(
                    "key",
                    format!("key {id} has left the key set already"),
                ));
            }
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_name,
                event: None,
                previous: None,
                key_set_version: version,
            })
        })?;
        self.refresh_keys()?;
        Ok(change)
    }

    pub(crate) fn refresh_keys(&self) -> Result<()> {
        self.read(|tx| self.keys_in(tx).map(drop))
    }
}

/// Store a new key for `purpose` and every event under the next free id,
/// sealed.
fn insert_key(
    tx: &mut dyn Tx,
    storage: &KeyStorage,
    purpose: KeyPurpose,
    now: Timestamp,
    prepared: bool,
) -> Result<KeyId> {
    let id = next_key_id(tx)?;
    let new = NewKey {
        purpose,
        event: None,
        not_before: now.minus(CLOCK_SKEW_SECS),
        not_after: now.plus(KEY_LIFETIME_SECS),
        prepared,
    };
    insert_sealed(tx, storage, &SigningKeyPair::generate(id, &mut OsRng), &new)?;
    Ok(id)
}

/// Store a new ticket key for `event` alone under the next free id, sealed,
/// valid from the event's doors (or now, when earlier) until
/// [`EVENT_KEY_MARGIN_SECS`] after its end (or after now, for an event that
/// has ended): a gate whose clock is behind still sees a valid key for
/// every scan of the event. The caller bumps the key set version in the same
/// transaction. Event keys that have expired are dropped from the key set
/// at the same time.
pub(crate) fn add_event_key(
    tx: &mut dyn Tx,
    storage: &KeyStorage,
    event: EventId,
    schedule: Schedule,
    now: Timestamp,
) -> Result<KeyId> {
    // An event registered after its end (a late import) still gets a key
    // for a week, so its tickets can be written and checked.
    let not_after = schedule.end.max(now).plus(EVENT_KEY_MARGIN_SECS);
    let not_before = schedule.doors_open.min(now).minus(CLOCK_SKEW_SECS);
    let id = next_key_id(tx)?;
    let new = NewKey {
        purpose: KeyPurpose::Tickets,
        event: Some(event),
        not_before,
        not_after,
        prepared: false,
    };
    insert_sealed(tx, storage, &SigningKeyPair::generate(id, &mut OsRng), &new)?;
    drop_expired_event_keys(tx, now)?;
    Ok(id)
}

/// Leave event ticket keys that expired out of the key set from the next
/// version on: gates refuse what they signed either way, and the key set
/// stays the size of the events that are still on.
fn drop_expired_event_keys(tx: &mut dyn Tx, now: Timestamp) -> Result<()> {
    keys_table::drop_expired_event_keys(tx, now)
}

/// Refuse a change that would list more than `max` keys in the key set (a
/// key set past eticket-core's size limit would stop every gate's sync).
pub(crate) fn check_key_set_room(tx: &mut dyn Tx, max: u32) -> Result<()> {
    let listed = keys_table::count_listed(tx)?;
    if listed > i64::from(max) {
        return Err(Error::invalid(
            "key_set",
            format!(
                "the key set would list {listed} keys, more than the {max} gates can be sent (Config::max_key_set_keys); keys of events that ended leave it a week after their end, other keys when they expire, and a retired key when it is dropped (`eticket drop-key --id N`)"
            ),
        ));
    }
    Ok(())
}

/// Refuse a registration that would give `organizer` more than `max` events
/// with a ticket key in the key set.
pub(crate) fn check_organizer_room(tx: &mut dyn Tx, organizer: u32, max: u32) -> Result<()> {
    let keyed = keys_table::count_keyed_events_of(tx, organizer)?;
    if keyed > i64::from(max) {
        return Err(Error::invalid(
            "event",
            format!(
                "this organizer would have {keyed} events in the key set, more than the {max} one organizer may; keys of events that ended leave it a week after their end"
            ),
        ));
    }
    Ok(())
}

/// Bump the key set version (after [`add_event_key`]).
pub(crate) fn key_set_changed(tx: &mut dyn Tx) -> Result<u64> {
    bump_version(tx)
}

/// The current root: its id, public half and, unless it is offline, the key
/// itself from the root store, checked against the public half the ledger
/// keeps.
fn load_root(
    tx: &mut dyn Tx,
    storage: &KeyStorage,
) -> Result<(KeyId, PublicKey, Option<SigningKeyPair>)> {
    let (id, public) = keys_table::current_root(tx)?
        .ok_or_else(|| Error::corrupt("the ledger names no current root key"))?;
    if matches!(storage.root, RootStore::Offline) {
        return Ok((id, public, None));
    }
    let root = storage.open_root(id)?;
    if root.public_key() != public {
        return Err(Error::KeyStorage(format!(
            "{} holds a root key {id} that is not the one this ledger names",
            storage.root.describe()
        )));
    }
    Ok((id, public, Some(root)))
}

/// What a root rollover did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootChange {
    /// The root that signed key sets before, and signed the rollover.
    pub previous_root: KeyId,
    /// The new root: it signs key sets from now on.
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
    /// The key set version after the change.
    pub key_set_version: u64,
}

/// One published root rollover: the old root's signed statement naming its
/// successor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PublishedRollover {
    /// The root that signed the statement.
    pub from_root: KeyId,
    /// The root it names.
    pub to_root: KeyId,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// The signed statement (verify with `RootRollover::from_signed_bytes`
    /// and the `from_root` key).
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub signed: Vec<u8>,
}

/// Every root rollover, oldest first: a verifier configured with any earlier
/// root applies them in order to reach the current root.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RootRollovers {
    /// The current root's id.
    pub current_root: KeyId,
    /// The statements, oldest first.
    pub rollovers: Vec<PublishedRollover>,
}

impl Center {
    /// Replace the root key: a new root is made and stored like the root
    /// (sealed, in the root store), the old root signs a
    /// [`RootRollover`] naming it, which the ledger keeps and
    /// [`root_rollovers`](Self::root_rollovers) publishes, and key sets are
    /// signed by the new root from then on. The key set version moves on, so
    /// every center process reloads, and the new root's first set is stored
    /// signed, so that centers with the root offline serve it at once. The old root's secret is removed from
    /// the root store once the change is committed. Operator only;
    /// idempotent under its key like every mutation.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// let center = Center::open_in_memory()?;
    /// let old = center.keys().root_id();
    /// let change = center.rollover_root(&Principal::Operator, "rollover-1")?;
    /// assert_eq!((change.previous_root, center.keys().root_id()), (old, change.root));
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn rollover_root(&self, who: &Principal, key: &str) -> Result<RootChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "rollover_root", &(), |tx, now| {
            lock_keys(tx, now)?;
            let keys = self.keys_in(tx)?;
            let old = keys.root()?;
            let id = next_key_id(tx)?;
            let new = SigningKeyPair::generate(id, &mut OsRng);
            let statement = RootRollover {
                new_id: id,
                new_public: new.public_key(),
                issued_at: now,
            }
            .to_signed_bytes(old)?;
            keys_table::supersede_current_root(tx, now)?;
            add_root(tx, &self.storage, &new, now, Some(&statement))?;
            let version = bump_version(tx)?;
            // The new root signs its first set now, so centers that run with
            // the root offline serve it from the moment the rollover commits.
            let mut set = keys.key_set()?;
            set.version = version;
            let next_update = now.plus(self.config().key_set_next_update_secs);
            crate::publish::store_signed_key_set(tx, set, &new, now, next_update)?;
            Ok(RootChange {
                previous_root: old.id(),
                root: id,
                root_public_key: new.public_key().to_uncompressed().to_vec(),
                rollover: statement,
                key_set_version: version,
            })
        })?;
        self.forget_superseded_roots()?;
        self.refresh_keys()?;
        Ok(change)
    }

    /// Remove from the root store every root but the current one (after a
    /// rollover, the old root; roots of rollovers that never committed).
    fn forget_superseded_roots(&self) -> Result<()> {
        if matches!(self.storage.root, RootStore::Offline) {
            return Ok(());
        }
        let now = self.now();
        crate::store::Store::transaction(&self.ledger, &mut |tx| {
            lock_keys(tx, now)?;
            let current: KeyId = keys_table::current_root(tx)?
                .ok_or_else(|| Error::corrupt("the ledger names no current root key"))?
                .0;
            let roots = self.storage.root.read()?;
            if roots.iter().all(|r| r.id == current) {
                return Ok(());
            }
            let keep: Vec<SealedRoot> = roots.into_iter().filter(|r| r.id == current).collect();
            if keep.is_empty() {
                return Err(Error::KeyStorage(format!(
                    "{} does not hold the current root key {current}",
                    self.storage.root.describe()
                )));
            }
            self.storage.root.write(&keep)
        })
    }

    /// Every root rollover the center made, oldest first, with the current
    /// root's id (anyone with a credential may fetch them, like the key set).
    pub fn root_rollovers(&self, _who: &Principal) -> Result<RootRollovers> {
        self.read(|tx| {
            let mut rollovers = Vec::new();
            let mut previous: Option<KeyId> = None;
            for (id, created_at, statement) in keys_table::root_history(tx)? {
                if let (Some(from), Some(signed)) = (previous, statement) {
                    rollovers.push(PublishedRollover {
                        from_root: from,
                        to_root: id,
                        issued_at: created_at,
                        signed: signed.to_vec(),
                    });
                }
                previous = Some(id);
            }
            let current = keys_table::current_root(tx)?
                .ok_or_else(|| Error::corrupt("the ledger names no current root key"))?
                .0;
            Ok(RootRollovers {
                current_root: current,
                rollovers,
            })
        })
    }
}

pub(crate) fn only_operator(who: &Principal) -> Result<()> {
    if matches!(who, Principal::Operator) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the operator changes the center's keys".into(),
        ))
    }
}
