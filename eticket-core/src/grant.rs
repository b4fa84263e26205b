//! The center's grants (c13, c25, c35): signed permission to write or delete
//! one payload on one chip at one counter value.
//!
//! The chip checks a grant against its own id, its current counter, the
//! payload's SHA-256 and the center's grant key installed at personalization;
//! the counter advances on every accepted mutation, so no grant works twice.
//! The chip has no clock: the expiry is checked by the host that carries the
//! grant (terminal, reader app) and by the center when it re-delivers.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::codec;
use crate::crypto::{Domain, PublicKey};
use crate::ids::{ChipId, KeyId};
use crate::keys::{KeyPurpose, KeySet, SigningKeyPair};
use crate::signed::{self, Envelope};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Largest encoded grant.
pub const MAX_GRANT_LEN: usize = 160;

/// SHA-256 of a payload, as grants name it.
pub fn payload_hash(payload: &[u8]) -> [u8; 32] {
    Sha256::digest(payload).into()
}

/// What a grant allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum GrantOp {
    /// Write a payload into a slot.
    Write,
    /// Delete the payload in a slot.
    Delete,
}

impl GrantOp {
    fn domain(self) -> Domain {
        match self {
            GrantOp::Write => Domain::WriteGrant,
            GrantOp::Delete => Domain::DeleteGrant,
        }
    }
}

/// A grant's signed content.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Grant {
    /// Write or delete.
    pub op: GrantOp,
    /// The one chip it is for.
    pub chip: ChipId,
    /// The chip's counter value it is valid at.
    pub counter: u32,
    /// The slot written or deleted.
    pub slot: u8,
    /// SHA-256 of the payload written, or of the payload to delete.
    pub payload_hash: [u8; 32],
    /// Not to be used after this time (checked by the host, see module docs).
    pub expires: Timestamp,
}

/// A verified grant and the key that signed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedGrant {
    /// Signing key.
    pub key: KeyId,
    /// Content.
    pub grant: Grant,
}

impl Grant {
    /// Sign with a grant key.
    pub fn sign(&self, key: &SigningKeyPair) -> Result<Vec<u8>> {
        let body = codec::encode(self, "grant")?;
        signed::seal(self.op.domain(), key, &body)
    }

    /// Verify a grant of kind `op` with one key (what a chip holds).
    pub fn verify_with_key(
        bytes: &[u8],
        op: GrantOp,
        key_id: KeyId,
        key: &PublicKey,
    ) -> Result<VerifiedGrant> {
        let env = Envelope::split(bytes, "grant", MAX_GRANT_LEN)?;
        if env.key_id != key_id {
            return Err(Error::UnknownKey(env.key_id));
        }
        Self::finish(env, op, key)
    }

    /// Verify a grant of kind `op` against a key set (what a host holds), and
    /// its expiry at `now`.
    pub fn verify(
        bytes: &[u8],
        op: GrantOp,
        keys: &KeySet,
        now: Timestamp,
    ) -> Result<VerifiedGrant> {
        let env = Envelope::split(bytes, "grant", MAX_GRANT_LEN)?;
        let entry = keys.get(env.key_id)?;
        if entry.purpose != KeyPurpose::Grants {
            return Err(Error::KeyWrongPurpose(entry.id));
        }
        let v = Self::finish(env, op, &entry.public)?;
        entry.check(KeyPurpose::Grants, now, now, None)?;
        if now > v.grant.expires {
            return Err(Error::Invalid {
                field: "grant.expires",
                reason: "the grant has expired",
            });
        }
        Ok(v)
    }

    fn finish(env: Envelope<'_>, op: GrantOp, key: &PublicKey) -> Result<VerifiedGrant> {
        env.verify(op.domain(), key)?;
        let grant: Grant = codec::decode_strict(env.body, "grant")?;
        if grant.op != op {
            return Err(Error::Invalid {
                field: "grant.op",
                reason: "not the operation asked for",
            });
        }
        Ok(VerifiedGrant {
            key: env.key_id,
            grant,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    fn grant(op: GrantOp) -> Grant {
        Grant {
            op,
            chip: ChipId([1; 16]),
            counter: 4,
            slot: 0,
            payload_hash: payload_hash(b"payload"),
            expires: fixtures::NOW.plus(600),
        }
    }

    #[test]
    fn round_trip() {
        let key = fixtures::grant_key();
        let g = grant(GrantOp::Write);
        let bytes = g.sign(&key).unwrap();
        assert!(bytes.len() <= MAX_GRANT_LEN);
        let v =
            Grant::verify_with_key(&bytes, GrantOp::Write, key.id(), &key.public_key()).unwrap();
        assert_eq!(v.grant, g);
        let v = Grant::verify(&bytes, GrantOp::Write, &fixtures::key_set(), fixtures::NOW).unwrap();
        assert_eq!(v.grant, g);
    }

    #[test]
    fn a_write_grant_is_no_delete_grant() {
        let key = fixtures::grant_key();
        let bytes = grant(GrantOp::Write).sign(&key).unwrap();
        assert_eq!(
            Grant::verify_with_key(&bytes, GrantOp::Delete, key.id(), &key.public_key()).err(),
            Some(Error::BadSignature)
        );
    }

    #[test]
    fn expired_grant() {
        let key = fixtures::grant_key();
        let bytes = grant(GrantOp::Delete).sign(&key).unwrap();
        assert!(
            Grant::verify(
                &bytes,
                GrantOp::Delete,
                &fixtures::key_set(),
                fixtures::NOW.plus(601)
            )
            .is_err()
        );
    }

    #[test]
    fn ticket_key_cannot_sign_grants() {
        let bytes = grant(GrantOp::Write).sign(&fixtures::ticket_key()).unwrap();
        assert_eq!(
            Grant::verify(&bytes, GrantOp::Write, &fixtures::key_set(), fixtures::NOW).err(),
            Some(Error::KeyWrongPurpose(fixtures::TICKET_KEY))
        );
    }
}
