//! Transfer requests (c36-44): the assignor's chip signs a request naming the
//! ticket it holds and the assignee's chip id; the center verifies it with the
//! assignor chip's public key before it starts a transfer.
//!
//! Layout: `version (1) ‖ postcard body ‖ signature (64)`, signed under
//! [`Domain::TransferRequest`] over the version and body.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::codec;
use crate::crypto::{Domain, PublicKey, SIGNATURE_LEN, SecretKey};
use crate::ids::{ChipId, EventId, Generation, TicketSerial};
use crate::signed::FORMAT_VERSION;
use crate::time::Timestamp;
use crate::{Error, Result};

/// Largest encoded request.
pub const MAX_TRANSFER_REQUEST_LEN: usize = 192;

/// What the assignor's chip signs.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransferRequest {
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// The generation the assignor holds.
    pub generation: Generation,
    /// SHA-256 of the signed ticket the assignor holds.
    pub ticket_hash: [u8; 32],
    /// The assignor's chip.
    pub from: ChipId,
    /// The assignee's chip.
    pub to: ChipId,
    /// A value the requester chooses so two requests differ (the chip uses its counter).
    pub nonce: u64,
    /// When the holder asked (as the host says; the chip has no clock).
    pub requested_at: Timestamp,
}

impl TransferRequest {
    /// Sign as the assignor chip; `secret` must be the key of `self.from`.
    pub fn sign(&self, secret: &SecretKey) -> Result<Vec<u8>> {
        self.seal(secret, |m| secret.sign(Domain::TransferRequest, m))
    }

    /// Sign as the assignor chip with a hedged nonce (what a chip does).
    pub fn sign_hedged(
        &self,
        secret: &SecretKey,
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> Result<Vec<u8>> {
        self.seal(secret, |m| {
            secret.sign_hedged(Domain::TransferRequest, m, rng)
        })
    }

    fn seal(
        &self,
        secret: &SecretKey,
        sign: impl FnOnce(&[u8]) -> Result<[u8; SIGNATURE_LEN]>,
    ) -> Result<Vec<u8>> {
        if self.from == self.to {
            return Err(Error::Invalid {
                field: "transfer.to",
                reason: "a ticket cannot be transferred to the chip that holds it",
            });
        }
        seal_chip_signed(self, self.from, "transfer request", secret, sign)
    }

    /// Decode without verifying, to learn which chip must have signed.
    pub fn peek(bytes: &[u8]) -> Result<Self> {
        let (body, _, _) = split(bytes, "transfer request", MAX_TRANSFER_REQUEST_LEN)?;
        codec::decode_strict(body, "transfer request")
    }

    /// Verify with the assignor chip's public key, which must match `from`.
    pub fn verify(bytes: &[u8], assignor: &PublicKey) -> Result<Self> {
        let req: Self = open_chip_signed(
            bytes,
            "transfer request",
            MAX_TRANSFER_REQUEST_LEN,
            Domain::TransferRequest,
            assignor,
            |r: &Self| r.from,
        )?;
        if req.from == req.to {
            return Err(Error::Invalid {
                field: "transfer.to",
                reason: "same chip as the assignor",
            });
        }
        Ok(req)
    }
}

/// Encode `value` as a chip-signed message (`version ‖ postcard ‖
/// signature`), signed by `secret`, which must be the key of chip `from`.
pub(crate) fn seal_chip_signed<T: Serialize>(
    value: &T,
    from: ChipId,
    what: &'static str,
    secret: &SecretKey,
    sign: impl FnOnce(&[u8]) -> Result<[u8; SIGNATURE_LEN]>,
) -> Result<Vec<u8>> {
    if ChipId::from_public_key(&secret.public_key().to_uncompressed()) != from {
        return Err(Error::Invalid {
            field: "from",
            reason: "not the signing chip's id",
        });
    }
    let mut out = alloc::vec![FORMAT_VERSION];
    out.extend_from_slice(&codec::encode(value, what)?);
    let sig = sign(&out)?;
    out.extend_from_slice(&sig);
    Ok(out)
}

/// Verify a chip-signed message under `domain` with the chip's key, decode
/// it strictly, and check that the chip it names (`from`) is the key's.
pub(crate) fn open_chip_signed<'a, T: Deserialize<'a> + Serialize>(
    bytes: &'a [u8],
    what: &'static str,
    max: usize,
    domain: Domain,
    key: &PublicKey,
    from: impl Fn(&T) -> ChipId,
) -> Result<T> {
    let (body, signed, sig) = split(bytes, what, max)?;
    key.verify(domain, signed, sig)?;
    let value: T = codec::decode_strict(body, what)?;
    if ChipId::from_public_key(&key.to_uncompressed()) != from(&value) {
        return Err(Error::Invalid {
            field: "from",
            reason: "not the signing chip's id",
        });
    }
    Ok(value)
}

/// Split a chip-signed message (`version ‖ body ‖ signature`, no key id: the
/// chip's own key signs) into body, signed bytes and signature.
pub(crate) fn split<'a>(
    bytes: &'a [u8],
    what: &'static str,
    max: usize,
) -> Result<(&'a [u8], &'a [u8], &'a [u8; SIGNATURE_LEN])> {
    if bytes.len() > max {
        return Err(Error::TooLarge {
            what,
            len: bytes.len(),
            max,
        });
    }
    if bytes.len() < 2 + SIGNATURE_LEN {
        return Err(Error::Truncated {
            what,
            needed: 2 + SIGNATURE_LEN,
            got: bytes.len(),
        });
    }
    if bytes[0] != FORMAT_VERSION {
        return Err(Error::UnsupportedVersion(bytes[0]));
    }
    let (signed, sig) = bytes.split_at(bytes.len() - SIGNATURE_LEN);
    let sig: &[u8; SIGNATURE_LEN] = sig.try_into().map_err(|_| Error::Malformed(what))?;
    Ok((&signed[1..], signed, sig))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_wrong_key() {
        let a = SecretKey::from_bytes(&[0x61; 32]).unwrap();
        let b = SecretKey::from_bytes(&[0x62; 32]).unwrap();
        let id = |k: &SecretKey| ChipId::from_public_key(&k.public_key().to_uncompressed());
        let req = TransferRequest {
            event: EventId(1),
            serial: TicketSerial(2),
            generation: Generation(0),
            ticket_hash: [9; 32],
            from: id(&a),
            to: id(&b),
            nonce: 3,
            requested_at: Timestamp(4),
        };
        let bytes = req.sign(&a).unwrap();
        assert_eq!(
            TransferRequest::verify(&bytes, &a.public_key()).unwrap(),
            req
        );
        assert_eq!(TransferRequest::peek(&bytes).unwrap(), req);
        assert!(TransferRequest::verify(&bytes, &b.public_key()).is_err());
        assert!(req.sign(&b).is_err());
        let mut bad = bytes.clone();
        bad[3] ^= 0x40;
        assert!(TransferRequest::verify(&bad, &a.public_key()).is_err());
    }
}
