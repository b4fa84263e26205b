//! The envelope every signed format shares:
//!
//! ```text
//! ┌─────────┬────────────┬──────────────────┬──────────────────────┐
//! │ version │ key id     │ body (postcard)  │ signature r‖s        │
//! │ 1 byte  │ u16 BE     │ variable         │ 64 bytes             │
//! └─────────┴────────────┴──────────────────┴──────────────────────┘
//!            signed: domain tag ‖ version ‖ key id ‖ body
//! ```
//!
//! The header sits at a fixed place so a verifier can find the key before it
//! decodes anything, and the signature covers the exact bytes received.

use alloc::vec::Vec;

use crate::crypto::{Domain, PublicKey, SIGNATURE_LEN};
use crate::ids::KeyId;
use crate::keys::SigningKeyPair;
use crate::{Error, Result};

/// The one format version this library writes and reads. Version 2 added
/// `next_update` to key sets and revocation lists, bound gate challenges,
/// transfer cancellation, chip certificates, chip key updates and root
/// rollover; version 1 is refused.
pub const FORMAT_VERSION: u8 = 2;
/// Bytes before the body: version and key id.
pub const HEADER_LEN: usize = 3;

/// A signed message split into its parts, not yet verified.
#[derive(Debug, Clone, Copy)]
pub struct Envelope<'a> {
    /// The key id from the header.
    pub key_id: KeyId,
    /// The body bytes, undecoded.
    pub body: &'a [u8],
    signed: &'a [u8],
    signature: &'a [u8; SIGNATURE_LEN],
}

/// The error for a first byte that is not [`FORMAT_VERSION`]: another
/// version of the format when it could be one (1 to 31), otherwise not this
/// format at all (text, zeros, noise), so a garbled scan is malformed rather
/// than "another version, use another gate".
fn version_error(v: u8, what: &'static str) -> Error {
    if (1..0x20).contains(&v) {
        Error::UnsupportedVersion(v)
    } else {
        Error::Malformed(what)
    }
}

impl<'a> Envelope<'a> {
    /// Split `bytes` (at most `max` long) into header, body and signature.
    pub fn split(bytes: &'a [u8], what: &'static str, max: usize) -> Result<Self> {
        if bytes.len() > max {
            return Err(Error::TooLarge {
                what,
                len: bytes.len(),
                max,
            });
        }
        let needed = HEADER_LEN + 1 + SIGNATURE_LEN;
        if bytes.len() < needed {
            // A wrong version is the more useful error when the first byte says so.
            if let Some(&v) = bytes.first() {
                if v != FORMAT_VERSION {
                    return Err(version_error(v, what));
                }
            }
            return Err(Error::Truncated {
                what,
                needed,
                got: bytes.len(),
            });
        }
        if bytes[0] != FORMAT_VERSION {
            return Err(version_error(bytes[0], what));
        }
        let key_id = KeyId(u16::from_be_bytes([bytes[1], bytes[2]]));
        let (signed, sig) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
        let signature: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| Error::Malformed(what))?;
        Ok(Self {
            key_id,
            body: &signed[HEADER_LEN..],
            signed,
            signature,
        })
    }

    /// Check the signature with `key` under `domain`.
    pub fn verify(&self, domain: Domain, key: &PublicKey) -> Result<()> {
        key.verify(domain, self.signed, self.signature)
    }

    /// The signature bytes.
    pub fn signature(&self) -> &'a [u8; SIGNATURE_LEN] {
        self.signature
    }
}

/// Build and sign an envelope around `body`.
pub fn seal(domain: Domain, key: &SigningKeyPair, body: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + SIGNATURE_LEN);
    out.push(FORMAT_VERSION);
    out.extend_from_slice(&key.id().0.to_be_bytes());
    out.extend_from_slice(body);
    let sig = key.sign(domain, &out)?;
    out.extend_from_slice(&sig);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_refuses_short_long_and_versions() {
        assert!(matches!(
            Envelope::split(&[], "t", 100),
            Err(Error::Truncated { .. })
        ));
        assert_eq!(
            Envelope::split(&[9], "t", 100).err(),
            Some(Error::UnsupportedVersion(9))
        );
        assert!(matches!(
            Envelope::split(&[0; 101], "t", 100),
            Err(Error::TooLarge { .. })
        ));
        let mut v = alloc::vec![0u8; 80];
        v[0] = 1;
        assert_eq!(
            Envelope::split(&v, "t", 100).err(),
            Some(Error::UnsupportedVersion(1))
        );
        // Text or zeros are not another version: malformed.
        for first in [b'h', 0, 0xFF] {
            v[0] = first;
            assert_eq!(
                Envelope::split(&v, "t", 100).err(),
                Some(Error::Malformed("t")),
                "{first}"
            );
        }
        assert_eq!(
            Envelope::split(b"hello world", "t", 100).err(),
            Some(Error::Malformed("t"))
        );
    }

    #[test]
    fn seal_then_verify() {
        let key = SigningKeyPair::from_secret_bytes(KeyId(3), &[9; 32]).unwrap();
        let bytes = seal(Domain::KeySet, &key, b"body").unwrap();
        let env = Envelope::split(&bytes, "t", 200).unwrap();
        assert_eq!(env.key_id, KeyId(3));
        assert_eq!(env.body, b"body");
        env.verify(Domain::KeySet, &key.public_key()).unwrap();
        assert!(env.verify(Domain::Ticket, &key.public_key()).is_err());
    }
}
