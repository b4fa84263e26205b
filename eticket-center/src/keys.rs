//! The center's own keys: a ticket key, a grant key, a list key and a root key
//! that signs the key set gates and hosts trust. Generated once when a ledger
//! is first opened, stored in the ledger (`center_keys`), loaded on every open.
//!
//! Keys rotate: [`Center::rotate_key`] adds a new key for a purpose (or
//! promotes the grant key [`Center::prepare_grant_key`] made ahead), which
//! signs from then on, while the old one stays in the key set so what it
//! signed keeps verifying; [`Center::retire_key`] later marks the old key
//! retired, and gates that sync the new key set refuse what it signed. Each
//! change bumps the key set version (`meta.key_set_version`); every center
//! process over the ledger reloads its keys when it sees a newer version in
//! the transaction that signs.

use std::sync::Arc;

use eticket_core::ids::KeyId;
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet, SigningKeyPair};
use eticket_core::time::Timestamp;
use rand_core::OsRng;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::store::{Tx, Value};
use crate::{Error, Result};

/// Id of the ticket key a fresh center generates.
pub const TICKET_KEY: KeyId = KeyId(1);
/// Id of the grant key.
pub const GRANT_KEY: KeyId = KeyId(2);
/// Id of the list key.
pub const LIST_KEY: KeyId = KeyId(3);
/// Id of the root key (signs key sets; gates are configured with its public half).
pub const ROOT_KEY: KeyId = KeyId(100);
/// How long generated keys are valid.
pub const KEY_LIFETIME_SECS: u64 = 10 * 365 * 86_400;

/// The loaded keys with their validity.
#[derive(Debug, Clone)]
pub struct CenterKeys {
    /// Signs tickets.
    pub ticket: SigningKeyPair,
    /// Signs write and delete grants.
    pub grant: SigningKeyPair,
    /// Signs revocation lists and deltas.
    pub list: SigningKeyPair,
    /// Signs key sets.
    pub root: SigningKeyPair,
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
    match tx.query_opt("SELECT value FROM meta WHERE name = 'key_set_version'", &[])? {
        None => Ok(1),
        Some(row) => row
            .text(0)?
            .parse()
            .map_err(|_| Error::corrupt("meta.key_set_version is not a number")),
    }
}

/// Store the next key set version and return it.
fn bump_version(tx: &mut dyn Tx) -> Result<u64> {
    let version = stored_version(tx)?
        .checked_add(1)
        .ok_or_else(|| Error::corrupt("meta.key_set_version is at its maximum"))?;
    store_version(tx, version)?;
    Ok(version)
}

fn store_version(tx: &mut dyn Tx, version: u64) -> Result<()> {
    tx.execute("DELETE FROM meta WHERE name = 'key_set_version'", &[])?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('key_set_version', $1)",
        &[Value::text(version.to_string())],
    )?;
    Ok(())
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

impl CenterKeys {
    /// Load the keys, generating them first when the ledger has none.
    pub(crate) fn load_or_generate(tx: &mut dyn Tx, now: Timestamp) -> Result<Self> {
        let rows = tx.query(
            "SELECT id, purpose, secret, not_before, not_after, retired FROM center_keys ORDER BY id",
            &[],
        )?;
        if rows.is_empty() {
            let specs = [
                (TICKET_KEY, Some(KeyPurpose::Tickets)),
                (GRANT_KEY, Some(KeyPurpose::Grants)),
                (LIST_KEY, Some(KeyPurpose::Lists)),
                (ROOT_KEY, None),
            ];
            for (id, purpose) in specs {
                let key = SigningKeyPair::generate(id, &mut OsRng);
                tx.execute(
                    "INSERT INTO center_keys (id, purpose, secret, not_before, not_after, retired)
                     VALUES ($1, $2, $3, $4, $5, 0)",
                    &[
                        Value::int(id.0),
                        Value::text(purpose_name(purpose)),
                        Value::Blob(key.secret().to_bytes().to_vec()),
                        Value::u64(now.minus(86_400).0)?,
                        Value::u64(now.plus(KEY_LIFETIME_SECS).0)?,
                    ],
                )?;
            }
            return Self::load_or_generate(tx, now);
        }
        Self::load(tx)
    }

    /// Load the keys as the ledger holds them now.
    pub(crate) fn load(tx: &mut dyn Tx) -> Result<Self> {
        let version = stored_version(tx)?;
        let rows = tx.query(
            "SELECT id, purpose, secret, not_before, not_after, retired, prepared FROM center_keys ORDER BY id",
            &[],
        )?;
        // The newest key of each purpose that is not retired (nor prepared) signs.
        let mut found: [Option<SigningKeyPair>; 4] = [None, None, None, None];
        let mut grants = Vec::new();
        let mut prepared = None;
        let mut entries = Vec::new();
        for row in rows {
            let id = KeyId(row.num(0)?);
            let key = SigningKeyPair::from_secret_bytes(id, row.blob(2)?)?;
            let purpose = purpose_from_name(id, row.text(1)?)?;
            if row.int(6)? != 0 && row.int(5)? == 0 {
                if purpose != Some(KeyPurpose::Grants) {
                    return Err(Error::corrupt(format!(
                        "key {id}: only grant keys are prepared"
                    )));
                }
                prepared = Some(key);
                continue;
            }
            let slot = match purpose {
                Some(KeyPurpose::Tickets) => 0,
                Some(KeyPurpose::Grants) => 1,
                Some(KeyPurpose::Lists) => 2,
                None => 3,
            };
            let retired = row.int(5)? != 0;
            if let Some(purpose) = purpose {
                entries.push(KeyEntry {
                    id,
                    public: key.public_key(),
                    purpose,
                    not_before: Timestamp(row.num(3)?),
                    not_after: Timestamp(row.num(4)?),
                    scope: KeyScope::AllEvents,
                    retired,
                });
            }
            if !retired {
                if purpose == Some(KeyPurpose::Grants) {
                    grants.push(signer(key.clone())?);
                }
                found[slot] = Some(key);
            }
        }
        let [Some(ticket), Some(grant), Some(list), Some(root)] = found else {
            return Err(Error::corrupt(
                "the ledger lacks an active key for some purpose",
            ));
        };
        Ok(Self {
            ticket: signer(ticket)?,
            grant: signer(grant)?,
            list,
            root,
            grants,
            prepared,
            entries,
            version,
        })
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
        let fresh = Arc::new(CenterKeys::load(tx)?);
        *self.keys.write().unwrap_or_else(|p| p.into_inner()) = fresh.clone();
        Ok(fresh)
    }

    /// Add a new key for `purpose`; it signs from now on. For grants, the key
    /// made by [`prepare_grant_key`](Self::prepare_grant_key) is promoted
    /// instead when there is one. The previous key stays in the key set, so
    /// what it signed keeps verifying until [`retire_key`](Self::retire_key).
    /// Operator only.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_core::keys::KeyPurpose;
    /// let center = Center::open_in_memory()?;
    /// let change = center.rotate_key(&Principal::Operator, "rotate-1", KeyPurpose::Tickets)?;
    /// assert_eq!(change.key_set_version, 2);
    /// assert_eq!(center.keys().ticket.id(), change.key);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn rotate_key(&self, who: &Principal, key: &str, purpose: KeyPurpose) -> Result<KeyChange> {
        only_operator(who)?;
        let change = self.mutate(who, key, "rotate_key", &purpose_of(purpose), |tx, now| {
            let previous = self.keys_in(tx)?;
            let previous = match purpose {
                KeyPurpose::Tickets => previous.ticket.id(),
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
                    tx.execute(
                        "UPDATE center_keys SET prepared = 0, not_before = $2, not_after = $3 WHERE id = $1",
                        &[
                            Value::int(id.0),
                            Value::u64(now.minus(CLOCK_SKEW_SECS).0)?,
                            Value::u64(now.plus(KEY_LIFETIME_SECS).0)?,
                        ],
                    )?;
                    id
                }
                None => insert_key(tx, purpose, now, false)?,
            };
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(purpose).to_owned(),
                previous: Some(previous),
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
            let id = insert_key(tx, KeyPurpose::Grants, now, true)?;
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(KeyPurpose::Grants).to_owned(),
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
            let row = tx
                .query_opt(
                    "SELECT purpose, retired FROM center_keys WHERE id = $1",
                    &[Value::int(id.0)],
                )?
                .ok_or_else(|| Error::invalid("key", format!("the center has no key {id}")))?;
            let Some(purpose) = purpose_from_name(id, row.text(0)?)? else {
                return Err(Error::invalid(
                    "key",
                    format!("key {id} is the root key; it signs key sets and is not retired here"),
                ));
            };
            if row.int(1)? != 0 {
                return Err(Error::invalid(
                    "key",
                    format!("key {id} is retired already"),
                ));
            }
            if [keys.ticket.id(), keys.grant.id(), keys.list.id()].contains(&id) {
                return Err(Error::invalid(
                    "key",
                    format!(
                        "key {id} signs {} now; rotate it first",
                        purpose_of(purpose)
                    ),
                ));
            }
            tx.execute(
                "UPDATE center_keys SET retired = 1, prepared = 0 WHERE id = $1",
                &[Value::int(id.0)],
            )?;
            let version = bump_version(tx)?;
            Ok(KeyChange {
                key: id,
                purpose: purpose_of(purpose).to_owned(),
                previous: None,
                key_set_version: version,
            })
        })?;
        self.refresh_keys()?;
        Ok(change)
    }

    fn refresh_keys(&self) -> Result<()> {
        self.read(|tx| self.keys_in(tx).map(drop))
    }
}

/// Store a new key for `purpose` under the next free id.
fn insert_key(
    tx: &mut dyn Tx,
    purpose: KeyPurpose,
    now: Timestamp,
    prepared: bool,
) -> Result<KeyId> {
    let top = tx
        .query_opt("SELECT MAX(id) FROM center_keys", &[])?
        .map(|r| r.num::<u16>(0))
        .transpose()?
        .unwrap_or(0);
    let id = KeyId(
        top.checked_add(1)
            .ok_or_else(|| Error::invalid("key", "no key ids left"))?,
    );
    let new = SigningKeyPair::generate(id, &mut OsRng);
    tx.execute(
        "INSERT INTO center_keys (id, purpose, secret, not_before, not_after, retired, prepared)
         VALUES ($1, $2, $3, $4, $5, 0, $6)",
        &[
            Value::int(id.0),
            Value::text(purpose_of(purpose)),
            Value::Blob(new.secret().to_bytes().to_vec()),
            Value::u64(now.minus(CLOCK_SKEW_SECS).0)?,
            Value::u64(now.plus(KEY_LIFETIME_SECS).0)?,
            Value::int(i64::from(prepared)),
        ],
    )?;
    Ok(id)
}

fn only_operator(who: &Principal) -> Result<()> {
    if matches!(who, Principal::Operator) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "only the operator changes the center's keys".into(),
        ))
    }
}
