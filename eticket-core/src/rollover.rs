//! Root rollover: the key that signs key sets can be replaced without
//! reconfiguring every gate by hand. The old root signs a statement naming its
//! successor; a verifier that trusts the old root and accepts the statement
//! trusts the new root from then on (and the old one no more).
//!
//! Layout: the shared envelope ([`crate::signed`]) under
//! [`Domain::RootRollover`], signed by the old root.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::{Domain, PUBLIC_KEY_LEN, PublicKey};
use crate::ids::KeyId;
use crate::keys::SigningKeyPair;
use crate::signed::{self, Envelope};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Largest encoded rollover.
pub const MAX_ROLLOVER_LEN: usize = 192;

/// The old root's endorsement of the new one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootRollover {
    /// The new root's id (differs from the old one's).
    pub new_id: KeyId,
    /// The new root's public key.
    pub new_public: PublicKey,
    /// When the old root signed this.
    pub issued_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    new_id: KeyId,
    #[serde(borrow)]
    new_public: &'a [u8],
    issued_at: Timestamp,
}

impl RootRollover {
    /// Sign with the old root.
    pub fn to_signed_bytes(&self, old_root: &SigningKeyPair) -> Result<Vec<u8>> {
        if old_root.id() == self.new_id {
            return Err(Error::Invalid {
                field: "rollover.new_id",
                reason: "the new root needs an id of its own",
            });
        }
        let pk = self.new_public.to_uncompressed();
        let body = codec::encode(
            &Wire {
                new_id: self.new_id,
                new_public: &pk,
                issued_at: self.issued_at,
            },
            "root rollover",
        )?;
        signed::seal(Domain::RootRollover, old_root, &body)
    }

    /// Verify with the root a verifier trusts now and decode strictly.
    pub fn from_signed_bytes(bytes: &[u8], root_id: KeyId, root: &PublicKey) -> Result<Self> {
        let env = Envelope::split(bytes, "root rollover", MAX_ROLLOVER_LEN)?;
        if env.key_id != root_id {
            return Err(Error::UnknownKey(env.key_id));
        }
        env.verify(Domain::RootRollover, root)?;
        let wire: Wire<'_> = codec::decode_strict(env.body, "root rollover")?;
        if wire.new_public.len() != PUBLIC_KEY_LEN {
            return Err(Error::InvalidKey);
        }
        if wire.new_id == root_id {
            return Err(Error::Invalid {
                field: "rollover.new_id",
                reason: "the new root needs an id of its own",
            });
        }
        Ok(Self {
            new_id: wire.new_id,
            new_public: PublicKey::from_sec1(wire.new_public)?,
            issued_at: wire.issued_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn old_root_endorses_new_root_only() {
        let old = fixtures::root_key();
        let new = SigningKeyPair::from_secret_bytes(KeyId(101), &[0x71; 32]).unwrap();
        let r = RootRollover {
            new_id: new.id(),
            new_public: new.public_key(),
            issued_at: fixtures::NOW,
        };
        let bytes = r.to_signed_bytes(&old).unwrap();
        assert_eq!(
            RootRollover::from_signed_bytes(&bytes, old.id(), &old.public_key()).unwrap(),
            r
        );
        // Signed by anyone else (the new key endorsing itself): refused.
        let selfsigned = RootRollover {
            new_id: KeyId(102),
            ..r.clone()
        }
        .to_signed_bytes(&new)
        .unwrap();
        assert!(RootRollover::from_signed_bytes(&selfsigned, old.id(), &old.public_key()).is_err());
        let same = RootRollover {
            new_id: old.id(),
            ..r
        };
        assert!(same.to_signed_bytes(&old).is_err());
    }
}
