//! What a gate trusts, and how it is kept up to date (sync): the center's key
//! set (signed by a root key the unit is configured with, or the root that
//! root handed over to in a signed rollover; only newer versions or renewals
//! are taken) and the event's revocation list (signed by a list key of the
//! key set; replaced by a newer full list or moved on by signed deltas and
//! renewals).

use eticket_core::crypto::PublicKey;
use eticket_core::ids::{EventId, KeyId};
use eticket_core::keys::{KeySet, MAX_KEY_SET_VERSION_JUMP};
use eticket_core::revocation::{RevocationDelta, RevocationList};
use eticket_core::rollover::RootRollover;
use eticket_core::time::Timestamp;

use crate::{Error, Result};

/// The keys and lists a venue unit decides with.
#[derive(Debug, Clone)]
pub struct TrustStore {
    root_id: KeyId,
    root: PublicKey,
    keys: KeySet,
    key_set_bytes: Option<Vec<u8>>,
    keys_received: Option<Timestamp>,
    revocations: RevocationList,
    revocations_received: Option<Timestamp>,
    /// The signed full list and the deltas since, as accepted (what a venue
    /// unit hands its gate devices); empty for a list given unsigned.
    list_bytes: Vec<Vec<u8>>,
    /// The rollovers taken since the configured root, oldest first, with
    /// when each was received: the unit stores them and replays them on open.
    rollovers: Vec<(Vec<u8>, Timestamp)>,
    /// A rollover was taken and no key set signed by the new root yet: the
    /// new root's first set is not ordered against the old root's versions.
    fresh_root: bool,
}

/// How old a unit's trust material is: show it on the gate's status screen,
/// and alarm when the revocation list has not been refreshed for too long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The root key key sets are verified with.
    pub root_key_id: KeyId,
    /// Seconds since that root was taken over in a rollover (`None`: the
    /// root the unit was configured with).
    pub root_received_ago: Option<u64>,
    /// Version of the installed key set (0: none).
    pub key_set_version: u64,
    /// Seconds since the key set was received, if one was.
    pub key_set_received_ago: Option<u64>,
    /// When the center promised the next key set at the latest; past it
    /// the set is stale and the venue's [`StalePolicy`](crate::StalePolicy)
    /// applies.
    pub key_set_next_update: Timestamp,
    /// Version of the revocation list (0: the empty list).
    pub revocation_version: u64,
    /// Seconds since the center signed the revocation list, if it did.
    pub revocation_issued_ago: Option<u64>,
    /// Seconds since the list (or its last delta) was received.
    pub revocation_received_ago: Option<u64>,
    /// When the center promised the next list (or renewal) at the latest;
    /// past it the list is stale and the venue's
    /// [`StalePolicy`](crate::StalePolicy) applies.
    pub revocation_next_update: Timestamp,
}

impl Freshness {
    /// Whether the revocation list was signed more than `max_age` seconds ago
    /// (or never).
    pub fn revocations_older_than(&self, max_age: u64) -> bool {
        self.revocation_issued_ago.is_none_or(|age| age > max_age)
    }
}

impl TrustStore {
    /// An empty store that trusts `root` for key sets; it admits nothing until
    /// a key set is accepted.
    pub fn new(root_id: KeyId, root: PublicKey, event: EventId) -> Self {
        Self {
            root_id,
            root,
            keys: KeySet::default(),
            key_set_bytes: None,
            keys_received: None,
            revocations: RevocationList::empty(event),
            revocations_received: None,
            list_bytes: Vec::new(),
            rollovers: Vec::new(),
            fresh_root: false,
        }
    }

    /// A store with a key set and revocation list the caller has already
    /// verified (or built itself, as tests and demonstrations do).
    pub fn with(
        root_id: KeyId,
        root: PublicKey,
        keys: KeySet,
        revocations: RevocationList,
    ) -> Self {
        Self {
            keys,
            revocations,
            ..Self::new(root_id, root, EventId(0))
        }
    }

    /// The event the revocation list is for.
    pub fn event(&self) -> EventId {
        self.revocations.event
    }

    /// The key set in use.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The revocation list in use.
    pub fn revocations(&self) -> &RevocationList {
        &self.revocations
    }

    /// The signed bytes of the key set, when it came from the center.
    pub fn key_set_bytes(&self) -> Option<&[u8]> {
        self.key_set_bytes.as_deref()
    }

    /// The signed revocation list and the deltas accepted after it, in
    /// order, when the list came signed.
    pub fn revocation_bytes(&self) -> &[Vec<u8>] {
        &self.list_bytes
    }

    /// The id and public key of the root that key sets must be signed with.
    pub fn root(&self) -> (KeyId, &PublicKey) {
        (self.root_id, &self.root)
    }

    /// Take a signed [`RootRollover`]: verified with the current root, it
    /// makes its new root the one key sets are verified with, and the old
    /// root is trusted no more (neither for key sets nor for further
    /// rollovers). The installed key set stays in use until one signed by
    /// the new root is accepted; that first set may have any version up to
    /// [`MAX_KEY_SET_VERSION_JUMP`] past the installed one, lower included,
    /// so a rollover also undoes a version a stolen old root pushed far
    /// ahead. Returns the new root's id.
    ///
    /// A rollover this store already took is taken again without change
    /// (a center or a unit's sync may send it twice).
    pub fn accept_root_rollover(&mut self, signed: &[u8], now: Timestamp) -> Result<KeyId> {
        if self.rollovers.iter().any(|(taken, _)| taken == signed) {
            return Ok(self.root_id);
        }
        let rollover = RootRollover::from_signed_bytes(signed, self.root_id, &self.root).map_err(
            |source| Error::Sync {
                what: "root rollover",
                source,
            },
        )?;
        self.root_id = rollover.new_id;
        self.root = rollover.new_public;
        self.rollovers.push((signed.to_vec(), now));
        self.fresh_root = true;
        Ok(self.root_id)
    }

    /// The rollovers taken since the configured root, oldest first, with
    /// when each was received.
    pub(crate) fn rollovers(&self) -> &[(Vec<u8>, Timestamp)] {
        &self.rollovers
    }

    /// Take a signed key set, verified with the root key. Returns the
    /// installed version.
    ///
    /// A set is taken when its version is newer than the installed one, but
    /// not by more than [`MAX_KEY_SET_VERSION_JUMP`] (a set with a huge
    /// version, even root-signed, would lock out every later set:
    /// [`Error::VersionJump`]); or when it is a *renewal*: the installed
    /// version with the same keys and a later `next_update`, which the center
    /// publishes so that a gate in touch with it never goes stale. The first
    /// set after a root rollover is not ordered against the old root's
    /// versions (see [`accept_root_rollover`](Self::accept_root_rollover)).
    pub fn accept_key_set(&mut self, signed: &[u8], now: Timestamp) -> Result<u64> {
        self.install_key_set(signed, now, true)
    }

    /// [`accept_key_set`](Self::accept_key_set); `bounded: false` skips the
    /// version jump bound, for a set this unit accepted before (in steps)
    /// and reloads from its own log.
    pub(crate) fn install_key_set(
        &mut self,
        signed: &[u8],
        now: Timestamp,
        bounded: bool,
    ) -> Result<u64> {
        let set =
            KeySet::from_signed_bytes(signed, self.root_id, &self.root).map_err(|source| {
                Error::Sync {
                    what: "key set",
                    source,
                }
            })?;
        let installed = self.keys.version;
        let renewal = set.version == installed
            && set.entries() == self.keys.entries()
            && set.next_update > self.keys.next_update;
        if !renewal {
            if set.version == 0 || (set.version <= installed && !self.fresh_root) {
                return Err(Error::NotNewer {
                    what: "key set",
                    installed,
                    offered: set.version,
                });
            }
            let too_far =
                set.version > installed && !KeySet::version_may_follow(installed, set.version);
            if bounded && too_far {
                return Err(Error::VersionJump {
                    what: "key set",
                    installed,
                    offered: set.version,
                    max: MAX_KEY_SET_VERSION_JUMP,
                });
            }
        }
        self.keys = set;
        self.fresh_root = false;
        self.key_set_bytes = Some(signed.to_vec());
        self.keys_received = Some(now);
        Ok(self.keys.version)
    }

    /// Take a full signed revocation list for this event: a newer version,
    /// or the installed version with the same entries signed later (a
    /// renewal; it moves `issued_at` and `next_update` on). Returns the
    /// installed version.
    pub fn accept_revocation_list(&mut self, signed: &[u8], now: Timestamp) -> Result<u64> {
        let list =
            RevocationList::from_signed_bytes(signed, &self.keys, now).map_err(|source| {
                Error::Sync {
                    what: "revocation list",
                    source,
                }
            })?;
        if list.event != self.revocations.event {
            return Err(Error::Sync {
                what: "revocation list",
                source: eticket_core::Error::EventMismatch {
                    expected: self.revocations.event,
                    got: list.event,
                },
            });
        }
        if !supersedes(&list, &self.revocations) {
            return Err(Error::NotNewer {
                what: "revocation list",
                installed: self.revocations.version,
                offered: list.version,
            });
        }
        self.revocations = list;
        self.revocations_received = Some(now);
        self.list_bytes = vec![signed.to_vec()];
        Ok(self.revocations.version)
    }

    /// Apply a signed delta that starts at the installed version. Returns the
    /// new version.
    ///
    /// A renewal delta (from the installed version to itself, adding
    /// nothing) only moves the list's `issued_at` and `next_update` on; one
    /// that would move either back (an old renewal replayed) is refused as
    /// not newer.
    pub fn accept_revocation_delta(&mut self, signed: &[u8], now: Timestamp) -> Result<u64> {
        let sync = |source| Error::Sync {
            what: "revocation delta",
            source,
        };
        let delta = RevocationDelta::from_signed_bytes(signed, &self.keys, now).map_err(sync)?;
        let renewal = delta.from_version == delta.to_version && delta.added.is_empty();
        if renewal
            && delta.from_version == self.revocations.version
            && !moves_on(&self.revocations, delta.issued_at, delta.next_update)
        {
            return Err(Error::NotNewer {
                what: "revocation delta",
                installed: self.revocations.version,
                offered: delta.to_version,
            });
        }
        let mut next = self.revocations.clone();
        next.apply(&delta).map_err(sync)?;
        self.revocations = next;
        self.revocations_received = Some(now);
        if !self.list_bytes.is_empty() {
            self.list_bytes.push(signed.to_vec());
        }
        Ok(self.revocations.version)
    }

    /// Install an already verified list when it is newer or a renewal of the
    /// installed one (used when a unit reloads its own stored state).
    pub(crate) fn adopt_revocations(&mut self, list: RevocationList, received: Option<Timestamp>) {
        if list.event == self.revocations.event && supersedes(&list, &self.revocations) {
            self.revocations = list;
            self.revocations_received = received;
        }
    }

    /// When the key set and the list were received.
    pub(crate) fn received(&self) -> (Option<Timestamp>, Option<Timestamp>) {
        (self.keys_received, self.revocations_received)
    }

    /// Record when a stored key set was received.
    pub(crate) fn set_keys_received(&mut self, at: Option<Timestamp>) {
        self.keys_received = at;
    }

    /// Make sure the store is for `event`.
    pub(crate) fn for_event(mut self, event: EventId) -> Result<Self> {
        if self.revocations.event == event {
            return Ok(self);
        }
        if self.revocations.version == 0 && self.revocations.is_empty() {
            self.revocations = RevocationList::empty(event);
            return Ok(self);
        }
        Err(Error::Sync {
            what: "revocation list",
            source: eticket_core::Error::EventMismatch {
                expected: event,
                got: self.revocations.event,
            },
        })
    }

    /// How old the key set and list are at `now`.
    pub fn freshness(&self, now: Timestamp) -> Freshness {
        let ago = |t: Timestamp| now.0.saturating_sub(t.0);
        Freshness {
            root_key_id: self.root_id,
            root_received_ago: self.rollovers.last().map(|(_, at)| ago(*at)),
            key_set_version: self.keys.version,
            key_set_received_ago: self.keys_received.map(ago),
            key_set_next_update: self.keys.next_update,
            revocation_version: self.revocations.version,
            revocation_issued_ago: (self.revocations.issued_at > Timestamp(0))
                .then(|| ago(self.revocations.issued_at)),
            revocation_received_ago: self.revocations_received.map(ago),
            revocation_next_update: self.revocations.next_update,
        }
    }
}

/// Whether a list or renewal signed at `issued_at`, promising `next_update`,
/// moves the installed list on: neither time goes back and one goes forward.
fn moves_on(installed: &RevocationList, issued_at: Timestamp, next_update: Timestamp) -> bool {
    issued_at >= installed.issued_at
        && next_update >= installed.next_update
        && (issued_at, next_update) != (installed.issued_at, installed.next_update)
}

/// Whether `offered` may replace `installed`: a newer version, or the same
/// version with the same entries signed again later (a renewal).
fn supersedes(offered: &RevocationList, installed: &RevocationList) -> bool {
    offered.version > installed.version
        || (offered.version == installed.version
            && offered.entries() == installed.entries()
            && moves_on(installed, offered.issued_at, offered.next_update))
}
