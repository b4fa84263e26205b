//! Chip key updates: the center's signed replacement of the grant keys a chip
//! trusts. A chip holds its grant keys and a key epoch from personalization;
//! an update with a higher epoch, signed by one of the grant keys the chip
//! trusts now, replaces the whole list. So a key can be added before it is
//! used and retired after, and an old update cannot be replayed to bring a
//! retired key back (its epoch is not higher).
//!
//! Layout: the shared envelope ([`crate::signed`]) under
//! [`Domain::ChipKeyUpdate`]; the body is the epoch and 1 to
//! [`MAX_CHIP_GRANT_KEYS`] (key id, uncompressed public key) pairs.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::{Domain, PUBLIC_KEY_LEN, PublicKey};
use crate::ids::KeyId;
use crate::keys::SigningKeyPair;
use crate::signed::{self, Envelope};
use crate::{Error, Result};

/// Most grant keys a chip holds.
pub const MAX_CHIP_GRANT_KEYS: usize = 4;
/// Largest encoded update.
pub const MAX_KEY_UPDATE_LEN: usize = 3 + 8 + MAX_CHIP_GRANT_KEYS * (3 + 1 + PUBLIC_KEY_LEN) + 64;

/// A new list of grant keys for chips, from `epoch` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipKeyUpdate {
    /// Grows with every update; a chip takes only a higher one.
    pub epoch: u32,
    /// The grant keys chips trust from now on.
    pub keys: Vec<(KeyId, PublicKey)>,
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    epoch: u32,
    #[serde(borrow)]
    keys: Vec<(KeyId, &'a [u8])>,
}

impl ChipKeyUpdate {
    fn check(&self) -> Result<()> {
        if self.keys.is_empty() || self.keys.len() > MAX_CHIP_GRANT_KEYS {
            return Err(Error::Invalid {
                field: "chip key update.keys",
                reason: "needs 1 to 4 keys",
            });
        }
        for (i, (id, _)) in self.keys.iter().enumerate() {
            if self.keys[..i].iter().any(|(other, _)| other == id) {
                return Err(Error::Invalid {
                    field: "chip key update.keys",
                    reason: "a key id appears twice",
                });
            }
        }
        Ok(())
    }

    /// Sign with a grant key the chips trust now.
    pub fn to_signed_bytes(&self, key: &SigningKeyPair) -> Result<Vec<u8>> {
        self.check()?;
        let publics: Vec<[u8; PUBLIC_KEY_LEN]> =
            self.keys.iter().map(|(_, k)| k.to_uncompressed()).collect();
        let wire = Wire {
            epoch: self.epoch,
            keys: self
                .keys
                .iter()
                .zip(&publics)
                .map(|((id, _), pk)| (*id, &pk[..]))
                .collect(),
        };
        signed::seal(
            Domain::ChipKeyUpdate,
            key,
            &codec::encode(&wire, "chip key update")?,
        )
    }

    /// The key id that signed `bytes`, to find the key before verifying.
    pub fn signer(bytes: &[u8]) -> Result<KeyId> {
        Ok(Envelope::split(bytes, "chip key update", MAX_KEY_UPDATE_LEN)?.key_id)
    }

    /// Verify with the grant key `key_id` → `key` and decode strictly.
    pub fn verify(bytes: &[u8], key_id: KeyId, key: &PublicKey) -> Result<Self> {
        let env = Envelope::split(bytes, "chip key update", MAX_KEY_UPDATE_LEN)?;
        if env.key_id != key_id {
            return Err(Error::UnknownKey(env.key_id));
        }
        env.verify(Domain::ChipKeyUpdate, key)?;
        let wire: Wire<'_> = codec::decode_strict(env.body, "chip key update")?;
        if wire.keys.len() > MAX_CHIP_GRANT_KEYS {
            return Err(Error::TooLarge {
                what: "chip key update",
                len: wire.keys.len(),
                max: MAX_CHIP_GRANT_KEYS,
            });
        }
        let mut keys = Vec::with_capacity(wire.keys.len());
        for (id, pk) in wire.keys {
            if pk.len() != PUBLIC_KEY_LEN {
                return Err(Error::InvalidKey);
            }
            keys.push((id, PublicKey::from_sec1(pk)?));
        }
        let update = Self {
            epoch: wire.epoch,
            keys,
        };
        update.check()?;
        Ok(update)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn round_trip_and_refusals() {
        let grant = fixtures::grant_key();
        let next = SigningKeyPair::from_secret_bytes(KeyId(12), &[0x44; 32]).unwrap();
        let update = ChipKeyUpdate {
            epoch: 2,
            keys: alloc::vec![(next.id(), next.public_key())],
        };
        let bytes = update.to_signed_bytes(&grant).unwrap();
        assert!(bytes.len() <= MAX_KEY_UPDATE_LEN);
        assert_eq!(ChipKeyUpdate::signer(&bytes).unwrap(), grant.id());
        assert_eq!(
            ChipKeyUpdate::verify(&bytes, grant.id(), &grant.public_key()).unwrap(),
            update
        );
        assert!(ChipKeyUpdate::verify(&bytes, next.id(), &next.public_key()).is_err());
        let empty = ChipKeyUpdate {
            epoch: 3,
            keys: alloc::vec![],
        };
        assert!(empty.to_signed_bytes(&grant).is_err());
        let five = ChipKeyUpdate {
            epoch: 3,
            keys: (0..5).map(|i| (KeyId(i), next.public_key())).collect(),
        };
        assert!(five.to_signed_bytes(&grant).is_err());
    }
}
