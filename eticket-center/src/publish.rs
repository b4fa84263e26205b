//! Publication for gates and hosts (c52-53): the key set signed by the root
//! key, and per event the revocation list (full, or a delta since a version)
//! signed by the list key. Versions only grow.

use eticket_core::ids::{EventId, Generation, KeyId, TicketSerial};
use eticket_core::keys::{KeySet, SigningKeyPair};
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::keystore::KeyStorage;
use crate::store::{Store, Tx};
use crate::tables::ticket_state::Change;
use crate::wire;
use crate::{Error, Result};
use eticket_core::revocation::RevocationReason;

/// The signed key set with the root key that verifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignedKeySet {
    /// The key set's version.
    pub version: u64,
    /// The root key's id.
    pub root_key_id: KeyId,
    /// The root public key (uncompressed SEC1): configure gates with it.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub root_public_key: Vec<u8>,
    /// The signed key set.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub key_set: Vec<u8>,
}

/// A signed revocation list or delta.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SignedRevocations {
    /// The event.
    pub event: EventId,
    /// The version it brings a gate to.
    pub version: u64,
    /// For a delta: the version it applies to; `None` for a full list.
    pub from_version: Option<u64>,
    /// The signed list or delta; for a gate that is up to date, a renewal
    /// delta (from its version to itself, nothing added) that moves its
    /// `next_update` on.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub signed: Vec<u8>,
}

/// Revoke one generation: add it to the event's list at the next version.
pub(crate) fn revoke_in(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    generation: Generation,
    reason: RevocationReason,
) -> Result<u64> {
    let version = crate::tables::events::next_revocation_version(tx, event)?;
    crate::tables::issued::insert_revocation(tx, event, (serial, generation, reason), version)?;
    Ok(version)
}

fn check_reader(tx: &mut dyn Tx, who: &Principal, event: EventId) -> Result<()> {
    match who {
        Principal::Gate(e) | Principal::Unit { event: e, .. } if *e == event => Ok(()),
        Principal::Gate(_) | Principal::Unit { .. } => Err(Error::Forbidden(format!(
            "this gate does not serve event {event}"
        ))),
        Principal::Operator | Principal::Distributor(_) | Principal::Terminal(_) => {
            crate::tables::events::load(tx, event).map(|_| ())
        }
        Principal::Organizer(_) => crate::organizer::check_organizer(tx, who, event),
    }
}

fn entries_since(tx: &mut dyn Tx, event: EventId, since: u64) -> Result<(u64, Vec<Revoked>)> {
    let version = crate::tables::events::revocation_version(tx, event)?;
    let entries = crate::tables::issued::revoked_since(tx, event, since)?;
    Ok((version, entries))
}

/// A key set change the offline root has not signed yet
/// ([`Center::unsigned_key_set`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsignedKeySet {
    /// The current key set version.
    pub version: u64,
    /// The newest version signed with the current root (`None`: none).
    pub signed_version: Option<u64>,
}

impl std::fmt::Display for UnsignedKeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "key set version {} is not signed yet (", self.version)?;
        match self.signed_version {
            Some(v) => write!(f, "gates get version {v}")?,
            None => write!(f, "gates get none")?,
        }
        write!(
            f,
            "): tickets under keys added since are refused at gates until `eticket sign-key-set` runs where the root key is"
        )
    }
}

/// Sign `set` with `root` and keep it in the ledger (replacing one of the
/// same version), for center processes that run with the root offline.
/// Returns the signed bytes.
pub(crate) fn store_signed_key_set(
    tx: &mut dyn Tx,
    set: KeySet,
    root: &SigningKeyPair,
    now: Timestamp,
    next_update: Timestamp,
) -> Result<Vec<u8>> {
    let version = set.version;
    let signed = set.with_next_update(next_update).to_signed_bytes(root)?;
    crate::tables::key_sets::store(tx, version, root.id(), &signed, now)?;
    Ok(signed)
}

/// The current key set, unsigned, for the offline signing step: carry it to
/// the machine with the root key file, sign it there with
/// [`sign_key_set_request`] (`eticket sign-key-set --request FILE`, no
/// ledger needed) and bring the answer back to
/// [`Center::import_signed_key_set`] (`eticket import-key-set FILE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KeySetRequest {
    /// The key set's version.
    pub version: u64,
    /// The root that is to sign it.
    pub root_key_id: KeyId,
    /// The root's public key (uncompressed SEC1): the signer checks its
    /// root file holds this root.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub root_public_key: Vec<u8>,
    /// eticket-core's `KeySet::to_unsigned_bytes`.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub key_set: Vec<u8>,
    /// The next free key id of the ledger: the id a root made from this
    /// request by the offline rollover (`eticket rollover-root --request`)
    /// gets. Absent in requests from before the offline rollover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_key_id: Option<KeyId>,
}

/// Longest a key in a key set the offline signer signs may stay valid,
/// counted from the set's `next_update`: 20 years (ticket keys get far
/// less by default).
pub const MAX_SIGNED_KEY_LIFETIME_SECS: u64 = 20 * 366 * 86_400;

/// What the offline signer refuses to sign whatever the request says: an
/// empty set (gates would refuse every ticket), a key under the root's own
/// id, a key scoped to no event, a key valid for more than
/// [`MAX_SIGNED_KEY_LIFETIME_SECS`]. The serving machine writes requests,
/// and it may be the one an attacker holds.
pub(crate) fn check_signable(set: &KeySet, root: KeyId, next_update: Timestamp) -> Result<()> {
    let refuse = |m: String| Err(Error::invalid("key_set", m));
    if set.entries().is_empty() {
        return refuse(
            "the request's key set lists no key: gates would refuse every ticket".into(),
        );
    }
    let latest = next_update.plus(MAX_SIGNED_KEY_LIFETIME_SECS);
    for k in set.entries() {
        if k.id == root {
            return refuse(format!("key {} has the root's own id", k.id));
        }
        if matches!(&k.scope, eticket_core::keys::KeyScope::Events(e) if e.is_empty()) {
            return refuse(format!("key {} is scoped to no event", k.id));
        }
        if k.not_after > latest {
            return refuse(format!(
                "key {} is valid until {}, more than 20 years ahead",
                k.id, k.not_after
            ));
        }
    }
    Ok(())
}

/// Sign a [`KeySetRequest`] with the root key from `storage` (the root key
/// file and the KEK it is sealed under), with `next_update` at
/// `next_update`: the offline signing step, which opens no ledger.
pub fn sign_key_set_request(
    request: &KeySetRequest,
    storage: &KeyStorage,
    next_update: Timestamp,
) -> Result<SignedKeySet> {
    let root = storage.open_root(request.root_key_id)?;
    if root.public_key().to_uncompressed()[..] != request.root_public_key[..] {
        return Err(Error::KeyStorage(format!(
            "{} holds a root key {} that is not the one the request names",
            storage.root.describe(),
            request.root_key_id
        )));
    }
    let set = KeySet::from_unsigned_bytes(&request.key_set)?;
    if set.version != request.version {
        return Err(Error::invalid(
            "key_set",
            format!(
                "the request says version {} but its key set is version {}",
                request.version, set.version
            ),
        ));
    }
    check_signable(&set, root.id(), next_update)?;
    let signed = set.with_next_update(next_update).to_signed_bytes(&root)?;
    Ok(SignedKeySet {
        version: request.version,
        root_key_id: root.id(),
        root_public_key: request.root_public_key.clone(),
        key_set: signed,
    })
}

impl Center {
    /// The current key set, unsigned, for the offline signing step
    /// ([`KeySetRequest`]). Operator only.
    pub fn key_set_request(&self, who: &Principal) -> Result<KeySetRequest> {
        if !matches!(who, Principal::Operator) {
            return Err(Error::Forbidden(
                "only the operator has key sets signed".into(),
            ));
        }
        self.read(|tx| {
            let keys = self.keys_in(tx)?;
            Ok(KeySetRequest {
                version: keys.version(),
                root_key_id: keys.root_id(),
                root_public_key: keys.root_public().to_uncompressed().to_vec(),
                key_set: keys.key_set()?.to_unsigned_bytes()?,
                next_key_id: Some(crate::keys::next_key_id(tx)?),
            })
        })
    }

    /// Store a key set signed in the offline signing step, for this and
    /// every center process to publish. It must verify with the current
    /// root and list exactly the center's current keys at the current
    /// version (a key change since the request needs a new request).
    /// Operator only. Returns the version stored.
    pub fn import_signed_key_set(&self, who: &Principal, signed: &SignedKeySet) -> Result<u64> {
        if !matches!(who, Principal::Operator) {
            return Err(Error::Forbidden(
                "only the operator stores signed key sets".into(),
            ));
        }
        let now = self.now();
        self.ledger.transaction(&mut |tx| {
            let keys = self.keys_in(tx)?;
            let set = KeySet::from_signed_bytes(&signed.key_set, keys.root_id(), &keys.root_public())
                .map_err(|e| {
                    Error::invalid(
                        "key_set",
                        format!("it does not verify with the current root {}: {e}", keys.root_id()),
                    )
                })?;
            let current = keys.key_set()?;
            if set.version != current.version || set.entries() != current.entries() {
                return Err(Error::invalid(
                    "key_set",
                    format!(
                        "it is version {} and the center is at version {}{}: make a new request (`eticket key-set-request`)",
                        set.version,
                        current.version,
                        if set.version == current.version { " with other keys" } else { "" }
                    ),
                ));
            }
            if set.is_stale(now) {
                return Err(Error::invalid(
                    "key_set",
                    format!("its next_update {} has passed: sign it again", set.next_update.0),
                ));
            }
            // A signature of this version already stored is replaced only by
            // a later one: an old file imported again cannot wind the
            // next_update gates hold back.
            if let Some((version, stored)) = crate::tables::key_sets::newest_of(tx, keys.root_id())? {
                if version == set.version && stored != signed.key_set {
                    let stored =
                        KeySet::from_signed_bytes(&stored, keys.root_id(), &keys.root_public())?;
                    if set.next_update <= stored.next_update {
                        return Err(Error::invalid(
                            "key_set",
                            format!(
                                "version {} is stored already with next_update {}, and this one's ({}) is not later: an older signature, or one imported before",
                                set.version, stored.next_update.0, set.next_update.0
                            ),
                        ));
                    }
                }
            }
            crate::tables::key_sets::store(tx, set.version, keys.root_id(), &signed.key_set, now)?;
            Ok(set.version)
        })
    }
}

impl Center {
    /// The signed key set (anyone with a credential may fetch it), signed
    /// now by the root key. When the root is offline: the newest set signed
    /// by the current root with [`sign_key_set`](Self::sign_key_set) and
    /// stored in the ledger, which after a key change (a rotation, a new
    /// event's ticket key) is an older version until the operator signs
    /// again, so gates keep what they have meanwhile
    /// ([`Error::RootOffline`] when none was signed yet).
    pub fn key_set_signed(&self, _who: &Principal) -> Result<SignedKeySet> {
        let (keys, stored) = self.read(|tx| {
            let keys = self.keys_in(tx)?;
            let stored = crate::tables::key_sets::newest_of(tx, keys.root_id())?;
            Ok((keys, stored))
        })?;
        let (version, key_set) = match keys.root() {
            Ok(root) => (
                keys.version(),
                keys.key_set()?
                    .with_next_update(self.now().plus(self.config().key_set_next_update_secs))
                    .to_signed_bytes(root)?,
            ),
            Err(offline) => stored.ok_or(offline)?,
        };
        Ok(SignedKeySet {
            version,
            root_key_id: keys.root_id(),
            root_public_key: keys.root_public().to_uncompressed().to_vec(),
            key_set,
        })
    }

    /// With the root offline: the key set version no signature covers yet,
    /// and the newest one signed (gates have that one); `None` when every
    /// change is signed or the root is online. Tickets signed by a key
    /// added since (a new event's key, a rotation) are refused at gates
    /// until the operator runs `eticket sign-key-set`: `eticket` and
    /// `eticket serve` warn with this.
    pub fn unsigned_key_set(&self) -> Result<Option<UnsignedKeySet>> {
        self.read(|tx| {
            let keys = self.keys_in(tx)?;
            if keys.root().is_ok() {
                return Ok(None);
            }
            let signed = crate::tables::key_sets::newest_of(tx, keys.root_id())?.map(|(v, _)| v);
            Ok((signed < Some(keys.version())).then_some(UnsignedKeySet {
                version: keys.version(),
                signed_version: signed,
            }))
        })
    }

    /// Sign the current key set with the root key and store it in the
    /// ledger, for center processes that run with the root offline
    /// (`eticket sign-key-set`, on the machine that holds the root key
    /// file). Its `next_update` is `key_set_next_update_secs` from now: sign
    /// again before then, and after every key change. Operator only.
    pub fn sign_key_set(&self, who: &Principal) -> Result<SignedKeySet> {
        if !matches!(who, Principal::Operator) {
            return Err(Error::Forbidden("only the operator signs key sets".into()));
        }
        let now = self.now();
        let next_update = now.plus(self.config().key_set_next_update_secs);
        self.ledger.transaction(&mut |tx| {
            let keys = self.keys_in(tx)?;
            let signed = store_signed_key_set(tx, keys.key_set()?, keys.root()?, now, next_update)?;
            Ok(SignedKeySet {
                version: keys.version(),
                root_key_id: keys.root_id(),
                root_public_key: keys.root_public().to_uncompressed().to_vec(),
                key_set: signed,
            })
        })
    }

    /// The event's full revocation list, signed.
    pub fn revocation_list(&self, who: &Principal, event: EventId) -> Result<SignedRevocations> {
        let now = self.now();
        let (version, entries, keys) = self.read(|tx| {
            check_reader(tx, who, event)?;
            let (version, entries) = entries_since(tx, event, 0)?;
            Ok((version, entries, self.keys_in(tx)?))
        })?;
        keys.check_valid_until(keys.list.id(), now, "now")?;
        let list = RevocationList::new(event, version, now, entries)?
            .with_next_update(now.plus(self.config().list_next_update_secs));
        Ok(SignedRevocations {
            event,
            version,
            from_version: None,
            signed: list.to_signed_bytes(&keys.list)?,
        })
    }

    /// The entries added since `since`, signed as a delta; for a gate that
    /// is up to date, a renewal delta that only moves `next_update`.
    pub fn revocation_delta(
        &self,
        who: &Principal,
        event: EventId,
        since: u64,
    ) -> Result<SignedRevocations> {
        let now = self.now();
        let (version, added, keys) = self.read(|tx| {
            check_reader(tx, who, event)?;
            let (version, added) = entries_since(tx, event, since)?;
            Ok((version, added, self.keys_in(tx)?))
        })?;
        if since > version {
            return Err(Error::invalid(
                "since",
                format!("the list of event {event} is at version {version}"),
            ));
        }
        keys.check_valid_until(keys.list.id(), now, "now")?;
        // Up to date: a renewal (version to itself, nothing added) that only
        // moves the gate's `next_update` on.
        let signed = RevocationDelta {
            event,
            from_version: since,
            to_version: version,
            issued_at: now,
            next_update: now.plus(self.config().list_next_update_secs),
            added,
        }
        .to_signed_bytes(&keys.list)?;
        Ok(SignedRevocations {
            event,
            version,
            from_version: Some(since),
            signed,
        })
    }

    /// Revoke the valid generation of a ticket (the organizer cancels it). A
    /// transfer of it that is still pending is cancelled with it.
    pub fn revoke_ticket(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        serial: TicketSerial,
    ) -> Result<u64> {
        self.mutate(who, key, "revoke_ticket", &(event, serial), |tx, now| {
            crate::organizer::check_organizer(tx, who, event)?;
            let current =
                crate::issuance::valid_issued(tx, event, serial)?.ok_or(Error::NotIssued {
                    event,
                    serial,
                    what: "issued",
                })?;
            use crate::tables::issued::{IssuedStatus, end_valid};
            if !end_valid(tx, event, serial, current.generation, IssuedStatus::Revoked)? {
                return Err(Error::corrupt(format!(
                    "generation {} of ticket {serial} of event {event} ended while it was revoked",
                    current.generation
                )));
            }
            if !Change::REVOKE.apply(tx, event, serial, None)? {
                let t = crate::tables::tickets::load(tx, event, serial)?;
                return Err(Error::corrupt(format!(
                    "ticket {serial} of event {event} has a valid issued generation but is {}",
                    t.state.name()
                )));
            }
            crate::tables::transfers::cancel_pending_of(tx, event, serial, now)?;
            revoke_in(
                tx,
                event,
                serial,
                current.generation,
                RevocationReason::Revoked,
            )
        })
    }
}
