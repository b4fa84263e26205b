//! The center's own keys: a ticket key, a grant key, a list key and a root key
//! that signs the key set gates and hosts trust. Generated once when a ledger
//! is first opened, stored in the ledger (`center_keys`), loaded on every open.

use eticket_core::ids::KeyId;
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet, SigningKeyPair};
use eticket_core::time::Timestamp;
use rand_core::OsRng;

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
    entries: Vec<KeyEntry>,
}

fn purpose_name(p: Option<KeyPurpose>) -> &'static str {
    match p {
        Some(KeyPurpose::Tickets) => "tickets",
        Some(KeyPurpose::Grants) => "grants",
        Some(KeyPurpose::Lists) => "lists",
        None => "root",
    }
}

/// The ticket and grant keys sign in bulk: with the `fast` feature they sign
/// with ring and random nonces (13 µs instead of 118 µs a signature).
fn signer(key: SigningKeyPair) -> Result<SigningKeyPair> {
    #[cfg(feature = "fast")]
    return Ok(key.with_fast_signing()?);
    #[cfg(not(feature = "fast"))]
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
        let mut found: [Option<SigningKeyPair>; 4] = [None, None, None, None];
        let mut entries = Vec::new();
        for row in rows {
            let id = KeyId(row.num(0)?);
            let key = SigningKeyPair::from_secret_bytes(id, row.blob(2)?)?;
            let (slot, purpose) = match row.text(1)? {
                "tickets" => (0, Some(KeyPurpose::Tickets)),
                "grants" => (1, Some(KeyPurpose::Grants)),
                "lists" => (2, Some(KeyPurpose::Lists)),
                "root" => (3, None),
                other => return Err(Error::corrupt(format!("key {id}: purpose {other:?}"))),
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
            entries,
        })
    }

    /// The key set of the public halves (not the root), at `version`.
    pub fn key_set(&self, version: u64) -> Result<KeySet> {
        Ok(KeySet::new(version, self.entries.clone())?)
    }
}
