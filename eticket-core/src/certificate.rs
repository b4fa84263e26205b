//! Chip certificates: at personalization the center signs the chip's public
//! key with a grant key, and the chip keeps the certificate. A gate (or the
//! center) that requires certificates accepts only chips the center
//! personalized, so a software "chip" with a key of its own making is refused.
//!
//! Layout: the shared envelope ([`crate::signed`]) under
//! [`Domain::ChipCertificate`], signed by a key of purpose
//! [`KeyPurpose::Grants`].

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::{Domain, PUBLIC_KEY_LEN, PublicKey};
use crate::ids::{ChipId, KeyId};
use crate::keys::{KeyPurpose, KeySet, SigningKeyPair};
use crate::signed::{self, Envelope};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Largest encoded certificate.
pub const MAX_CERTIFICATE_LEN: usize = 192;

/// The center's statement that `public` is the key of chip `chip`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipCertificate {
    /// The chip.
    pub chip: ChipId,
    /// Its public key (the chip id is derived from it).
    pub public: PublicKey,
    /// When the center personalized the chip.
    pub issued_at: Timestamp,
}

#[derive(Serialize, Deserialize)]
struct Wire<'a> {
    chip: ChipId,
    #[serde(borrow)]
    public: &'a [u8],
    issued_at: Timestamp,
}

impl ChipCertificate {
    /// A certificate for the chip with this public key.
    pub fn new(public: PublicKey, issued_at: Timestamp) -> Self {
        Self {
            chip: ChipId::from_public_key(&public.to_uncompressed()),
            public,
            issued_at,
        }
    }

    /// Sign with a grant key.
    pub fn to_signed_bytes(&self, key: &SigningKeyPair) -> Result<Vec<u8>> {
        let public = self.public.to_uncompressed();
        let body = codec::encode(
            &Wire {
                chip: self.chip,
                public: &public,
                issued_at: self.issued_at,
            },
            "chip certificate",
        )?;
        signed::seal(Domain::ChipCertificate, key, &body)
    }

    /// Verify with a grant key of `keys` valid at `now`, decode strictly, and
    /// check that the chip id belongs to the key.
    pub fn from_signed_bytes(bytes: &[u8], keys: &KeySet, now: Timestamp) -> Result<Self> {
        let env = Envelope::split(bytes, "chip certificate", MAX_CERTIFICATE_LEN)?;
        let entry = keys.get(env.key_id)?;
        if entry.purpose != KeyPurpose::Grants {
            return Err(Error::KeyWrongPurpose(entry.id));
        }
        let cert = Self::open(env, &entry.public)?;
        entry.check(KeyPurpose::Grants, cert.issued_at, now, None)?;
        Ok(cert)
    }

    /// The grant key id that signed `bytes`.
    pub fn signer(bytes: &[u8]) -> Result<KeyId> {
        Ok(Envelope::split(bytes, "chip certificate", MAX_CERTIFICATE_LEN)?.key_id)
    }

    /// Verify with one known grant key (what a chip does at personalization:
    /// it has no clock and no key set), decode strictly, check the chip id.
    pub fn verify_with_key(bytes: &[u8], key_id: KeyId, key: &PublicKey) -> Result<Self> {
        let env = Envelope::split(bytes, "chip certificate", MAX_CERTIFICATE_LEN)?;
        if env.key_id != key_id {
            return Err(Error::UnknownKey(env.key_id));
        }
        Self::open(env, key)
    }

    fn open(env: Envelope<'_>, key: &PublicKey) -> Result<Self> {
        env.verify(Domain::ChipCertificate, key)?;
        let wire: Wire<'_> = codec::decode_strict(env.body, "chip certificate")?;
        if wire.public.len() != PUBLIC_KEY_LEN {
            return Err(Error::InvalidKey);
        }
        let public = PublicKey::from_sec1(wire.public)?;
        if ChipId::from_public_key(&public.to_uncompressed()) != wire.chip {
            return Err(Error::Invalid {
                field: "chip certificate",
                reason: "the chip id does not belong to the key",
            });
        }
        Ok(Self {
            chip: wire.chip,
            public,
            issued_at: wire.issued_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::SecretKey;
    use crate::fixtures;

    #[test]
    fn round_trip_and_refusals() {
        let chip = SecretKey::from_bytes(&[0x31; 32]).unwrap().public_key();
        let cert = ChipCertificate::new(chip, fixtures::NOW);
        let keys = fixtures::key_set();
        let bytes = cert.to_signed_bytes(&fixtures::grant_key()).unwrap();
        assert!(bytes.len() <= MAX_CERTIFICATE_LEN);
        assert_eq!(
            ChipCertificate::from_signed_bytes(&bytes, &keys, fixtures::NOW).unwrap(),
            cert
        );
        // A ticket key cannot certify chips.
        let by_ticket_key = cert.to_signed_bytes(&fixtures::ticket_key()).unwrap();
        assert!(matches!(
            ChipCertificate::from_signed_bytes(&by_ticket_key, &keys, fixtures::NOW),
            Err(Error::KeyWrongPurpose(_))
        ));
        // A certificate whose chip id is not the key's.
        let other = SecretKey::from_bytes(&[0x32; 32]).unwrap().public_key();
        let lying = ChipCertificate {
            chip: ChipCertificate::new(other, fixtures::NOW).chip,
            ..cert
        };
        let bytes = lying.to_signed_bytes(&fixtures::grant_key()).unwrap();
        assert!(ChipCertificate::from_signed_bytes(&bytes, &keys, fixtures::NOW).is_err());
    }
}
