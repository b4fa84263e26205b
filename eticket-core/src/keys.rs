//! Key sets: which center keys a verifier trusts, for what, when, and for
//! which events. Several keys live at once so keys can rotate; a retired key
//! verifies nothing.

use alloc::vec::Vec;
use rand_core::CryptoRngCore;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::{Domain, PublicKey, SIGNATURE_LEN, SecretKey};
use crate::ids::{EventId, KeyId};
use crate::signed::{self, Envelope};
use crate::time::Timestamp;
use crate::{Error, Result};

/// What a key may sign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum KeyPurpose {
    /// Ticket payloads.
    Tickets,
    /// Write and delete grants for chips.
    Grants,
    /// Revocation lists.
    Lists,
}

/// Which events a key may sign for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum KeyScope {
    /// Any event.
    AllEvents,
    /// Only these events (kept sorted).
    Events(Vec<EventId>),
}

impl KeyScope {
    /// Whether the scope covers `event`.
    pub fn covers(&self, event: EventId) -> bool {
        match self {
            KeyScope::AllEvents => true,
            KeyScope::Events(events) => events.binary_search(&event).is_ok(),
        }
    }
}

/// A center key with its id, for signing.
#[derive(Clone, Debug)]
pub struct SigningKeyPair {
    id: KeyId,
    secret: SecretKey,
    #[cfg(feature = "fast-sign")]
    fast: Option<alloc::sync::Arc<crate::crypto::FastSigner>>,
}

impl SigningKeyPair {
    /// A fresh key.
    pub fn generate(id: KeyId, rng: &mut impl CryptoRngCore) -> Self {
        Self {
            id,
            secret: SecretKey::generate(rng),
            #[cfg(feature = "fast-sign")]
            fast: None,
        }
    }

    /// A key from its 32-byte secret scalar.
    pub fn from_secret_bytes(id: KeyId, secret: &[u8]) -> Result<Self> {
        Ok(Self {
            id,
            secret: SecretKey::from_bytes(secret)?,
            #[cfg(feature = "fast-sign")]
            fast: None,
        })
    }

    /// From now on sign with ring and random nonces ([`FastSigner`](crate::crypto::FastSigner),
    /// feature `fast-sign`): about 9x faster, for bulk issuance; signatures are no
    /// longer reproducible.
    ///
    /// ```
    /// # use eticket_core::{crypto::Domain, ids::KeyId, keys::SigningKeyPair};
    /// let key = SigningKeyPair::from_secret_bytes(KeyId(1), &[7; 32])?.with_fast_signing()?;
    /// let sig = key.sign(Domain::Ticket, b"body")?;
    /// key.public_key().verify(Domain::Ticket, b"body", &sig)?;
    /// # Ok::<(), eticket_core::Error>(())
    /// ```
    #[cfg(feature = "fast-sign")]
    pub fn with_fast_signing(mut self) -> Result<Self> {
        self.fast = Some(alloc::sync::Arc::new(crate::crypto::FastSigner::new(
            &self.secret,
        )?));
        Ok(self)
    }

    /// Sign `domain ‖ message`: deterministic (RFC 6979) unless
    /// `with_fast_signing` was called; always low-S.
    pub fn sign(&self, domain: Domain, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        #[cfg(feature = "fast-sign")]
        if let Some(fast) = &self.fast {
            return fast.sign(domain, message);
        }
        self.secret.sign(domain, message)
    }

    /// Its id.
    pub fn id(&self) -> KeyId {
        self.id
    }

    /// The secret half.
    pub fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The public half.
    pub fn public_key(&self) -> PublicKey {
        self.secret.public_key()
    }
}

/// One trusted key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyEntry {
    /// Its id.
    pub id: KeyId,
    /// The public key.
    pub public: PublicKey,
    /// What it may sign.
    pub purpose: KeyPurpose,
    /// Earliest signing time it is valid for.
    pub not_before: Timestamp,
    /// Latest time it verifies anything.
    pub not_after: Timestamp,
    /// Events it may sign for.
    pub scope: KeyScope,
    /// Retired keys verify nothing.
    pub retired: bool,
}

impl KeyEntry {
    /// Check the key may be used for `purpose`, for something signed at
    /// `signed_at`, verified at `now`, for `event` (when the format names one).
    pub fn check(
        &self,
        purpose: KeyPurpose,
        signed_at: Timestamp,
        now: Timestamp,
        event: Option<EventId>,
    ) -> Result<()> {
        if self.purpose != purpose {
            return Err(Error::KeyWrongPurpose(self.id));
        }
        if self.retired {
            return Err(Error::KeyRetired(self.id));
        }
        for at in [signed_at, now] {
            if at < self.not_before || at > self.not_after {
                return Err(Error::KeyNotValid { key: self.id, at });
            }
        }
        if let Some(event) = event {
            if !self.scope.covers(event) {
                return Err(Error::KeyOutOfScope {
                    key: self.id,
                    event,
                });
            }
        }
        Ok(())
    }
}

/// The keys a verifier trusts, sorted by id, with a version that only grows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeySet {
    /// Version of this set; a verifier takes a newer set only.
    pub version: u64,
    /// When the center promises the next version at the latest; past it a
    /// gate treats the set as stale and applies its venue's policy.
    /// [`KeySet::new`] sets it to the end of time; the center sets a real
    /// date when it publishes ([`KeySet::with_next_update`]).
    pub next_update: Timestamp,
    keys: Vec<KeyEntry>,
}

/// The largest step between an installed key set's version and an offered
/// one that a verifier accepts. A set signed with a stolen root key and
/// version 2^64−1 would otherwise make every later genuine set "older".
pub const MAX_KEY_SET_VERSION_JUMP: u64 = 1_000_000;

/// Largest serialized key set accepted.
pub const MAX_KEY_SET_LEN: usize = 64 * 1024;

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct WireEntry<'a> {
    id: KeyId,
    #[serde(borrow)]
    public: &'a [u8],
    purpose: KeyPurpose,
    not_before: Timestamp,
    not_after: Timestamp,
    scope: KeyScope,
    retired: bool,
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
struct WireSet<'a> {
    version: u64,
    next_update: Timestamp,
    #[serde(borrow)]
    keys: Vec<WireEntry<'a>>,
}

impl KeySet {
    /// A set from entries; ids must be unique, scopes are sorted.
    pub fn new(version: u64, mut keys: Vec<KeyEntry>) -> Result<Self> {
        keys.sort_by_key(|k| k.id);
        if keys.windows(2).any(|w| w[0].id == w[1].id) {
            return Err(Error::Invalid {
                field: "key_set.keys",
                reason: "duplicate key id",
            });
        }
        for k in &mut keys {
            if k.not_before > k.not_after {
                return Err(Error::Invalid {
                    field: "key_set.keys",
                    reason: "not_before after not_after",
                });
            }
            if let KeyScope::Events(events) = &mut k.scope {
                events.sort_unstable();
                events.dedup();
            }
        }
        Ok(Self {
            version,
            next_update: Timestamp(u64::MAX),
            keys,
        })
    }

    /// The same set promising its next version by `next_update`.
    pub fn with_next_update(mut self, next_update: Timestamp) -> Self {
        self.next_update = next_update;
        self
    }

    /// Whether the set is past its `next_update` at `now`.
    pub fn is_stale(&self, now: Timestamp) -> bool {
        now >= self.next_update
    }

    /// Whether `offered` may follow `installed`: newer, and not by more than
    /// [`MAX_KEY_SET_VERSION_JUMP`].
    pub fn version_may_follow(installed: u64, offered: u64) -> bool {
        offered > installed && offered - installed <= MAX_KEY_SET_VERSION_JUMP
    }

    /// The entry for `id`.
    pub fn get(&self, id: KeyId) -> Result<&KeyEntry> {
        self.keys
            .binary_search_by_key(&id, |k| k.id)
            .map(|i| &self.keys[i])
            .map_err(|_| Error::UnknownKey(id))
    }

    /// All entries, sorted by id.
    pub fn entries(&self) -> &[KeyEntry] {
        &self.keys
    }

    /// Mark a key retired; it verifies nothing from now on.
    pub fn retire(&mut self, id: KeyId) -> Result<()> {
        let i = self
            .keys
            .binary_search_by_key(&id, |k| k.id)
            .map_err(|_| Error::UnknownKey(id))?;
        self.keys[i].retired = true;
        Ok(())
    }

    /// The set's body as the root signs it, without the signature: what an
    /// offline signing step carries to the root key and back
    /// ([`from_unsigned_bytes`](Self::from_unsigned_bytes) reads it).
    pub fn to_unsigned_bytes(&self) -> Result<Vec<u8>> {
        let wire_keys: Vec<[u8; 65]> = self
            .keys
            .iter()
            .map(|k| k.public.to_uncompressed())
            .collect();
        let wire = WireSet {
            version: self.version,
            next_update: self.next_update,
            keys: self
                .keys
                .iter()
                .zip(&wire_keys)
                .map(|(k, pk)| WireEntry {
                    id: k.id,
                    public: &pk[..],
                    purpose: k.purpose,
                    not_before: k.not_before,
                    not_after: k.not_after,
                    scope: k.scope.clone(),
                    retired: k.retired,
                })
                .collect(),
        };
        let body = codec::encode(&wire, "key set")?;
        if body.len() > MAX_KEY_SET_LEN {
            return Err(Error::TooLarge {
                what: "key set",
                len: body.len(),
                max: MAX_KEY_SET_LEN,
            });
        }
        Ok(body)
    }

    /// Serialize and sign with the root key that gates are configured to trust.
    pub fn to_signed_bytes(&self, root: &SigningKeyPair) -> Result<Vec<u8>> {
        let bytes = signed::seal(Domain::KeySet, root, &self.to_unsigned_bytes()?)?;
        if bytes.len() > MAX_KEY_SET_LEN {
            return Err(Error::TooLarge {
                what: "key set",
                len: bytes.len(),
                max: MAX_KEY_SET_LEN,
            });
        }
        Ok(bytes)
    }

    /// Verify a signed key set with the root key, then decode it strictly.
    pub fn from_signed_bytes(bytes: &[u8], root_id: KeyId, root: &PublicKey) -> Result<Self> {
        let env = Envelope::split(bytes, "key set", MAX_KEY_SET_LEN)?;
        if env.key_id != root_id {
            return Err(Error::UnknownKey(env.key_id));
        }
        env.verify(Domain::KeySet, root)?;
        Self::from_unsigned_bytes(env.body)
    }

    /// Decode a key set body strictly, without a signature to check: for the
    /// offline signing step, which signs what it decoded
    /// ([`to_unsigned_bytes`](Self::to_unsigned_bytes)). Never trust a set
    /// read this way.
    pub fn from_unsigned_bytes(body: &[u8]) -> Result<Self> {
        if body.len() > MAX_KEY_SET_LEN {
            return Err(Error::TooLarge {
                what: "key set",
                len: body.len(),
                max: MAX_KEY_SET_LEN,
            });
        }
        let wire: WireSet<'_> = codec::decode_strict(body, "key set")?;
        let mut keys = Vec::with_capacity(wire.keys.len());
        for w in wire.keys {
            if w.public.len() != crate::crypto::PUBLIC_KEY_LEN {
                return Err(Error::InvalidKey);
            }
            if let KeyScope::Events(events) = &w.scope {
                if events.windows(2).any(|p| p[0] >= p[1]) {
                    return Err(Error::NonCanonical("key set scope"));
                }
            }
            keys.push(KeyEntry {
                id: w.id,
                public: PublicKey::from_sec1(w.public)?,
                purpose: w.purpose,
                not_before: w.not_before,
                not_after: w.not_after,
                scope: w.scope,
                retired: w.retired,
            });
        }
        if keys.windows(2).any(|p| p[0].id >= p[1].id) {
            return Err(Error::NonCanonical("key set order"));
        }
        Ok(Self {
            version: wire.version,
            next_update: wire.next_update,
            keys,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn signed_round_trip() {
        let set = fixtures::key_set();
        let root = fixtures::root_key();
        let bytes = set.to_signed_bytes(&root).unwrap();
        let back = KeySet::from_signed_bytes(&bytes, root.id(), &root.public_key()).unwrap();
        assert_eq!(back, set);
    }

    #[test]
    fn tampered_set_is_refused() {
        let root = fixtures::root_key();
        let mut bytes = fixtures::key_set().to_signed_bytes(&root).unwrap();
        bytes[5] ^= 1;
        assert!(KeySet::from_signed_bytes(&bytes, root.id(), &root.public_key()).is_err());
    }

    #[test]
    fn key_checks() {
        let set = fixtures::key_set();
        let k = set.get(fixtures::TICKET_KEY).unwrap();
        let t = fixtures::NOW;
        assert!(
            k.check(KeyPurpose::Tickets, t, t, Some(fixtures::EVENT))
                .is_ok()
        );
        assert_eq!(
            k.check(KeyPurpose::Grants, t, t, None),
            Err(Error::KeyWrongPurpose(k.id))
        );
        assert!(matches!(
            k.check(KeyPurpose::Tickets, Timestamp(0), t, None),
            Err(Error::KeyNotValid { .. })
        ));
        assert!(matches!(
            k.check(KeyPurpose::Tickets, t, t, Some(EventId(999))),
            Err(Error::KeyOutOfScope { .. })
        ));
        assert_eq!(
            set.get(KeyId(999)).err(),
            Some(Error::UnknownKey(KeyId(999)))
        );
        let mut set = set;
        set.retire(fixtures::TICKET_KEY).unwrap();
        let k = set.get(fixtures::TICKET_KEY).unwrap();
        assert_eq!(
            k.check(KeyPurpose::Tickets, t, t, None),
            Err(Error::KeyRetired(k.id))
        );
    }

    #[test]
    fn next_update_travels_and_version_jumps_are_bounded() {
        let root = fixtures::root_key();
        let set = fixtures::key_set().with_next_update(Timestamp(77));
        let bytes = set.to_signed_bytes(&root).unwrap();
        let back = KeySet::from_signed_bytes(&bytes, root.id(), &root.public_key()).unwrap();
        assert_eq!(back.next_update, Timestamp(77));
        assert!(back.is_stale(Timestamp(77)));
        assert!(!back.is_stale(Timestamp(76)));
        assert!(KeySet::version_may_follow(1, 2));
        assert!(!KeySet::version_may_follow(2, 2));
        assert!(!KeySet::version_may_follow(1, u64::MAX));
        assert!(KeySet::version_may_follow(1, 1 + MAX_KEY_SET_VERSION_JUMP));
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let e = fixtures::key_set().entries()[0].clone();
        assert!(KeySet::new(1, alloc::vec![e.clone(), e]).is_err());
    }
}
