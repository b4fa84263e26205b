//! Transfer cancellation (c39, c44): during the cooling-off period the
//! assignor's chip signs a request to cancel a pending transfer of the ticket
//! it holds. It has its own domain and its own chip command, under the same
//! holder consent as a transfer, so no answer to a gate's challenge and no
//! transfer request can be turned into a cancellation.
//!
//! Layout: `version (1) ‖ postcard body ‖ signature (64)`, signed by the
//! chip's key under [`Domain::TransferCancel`] over the version and body.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::Result;
use crate::codec;
use crate::crypto::{Domain, PublicKey, SIGNATURE_LEN, SecretKey};
use crate::ids::{ChipId, EventId, Generation, TicketSerial};
use crate::time::Timestamp;
use crate::transfer::{open_chip_signed, seal_chip_signed, split};

/// Largest encoded cancellation.
pub const MAX_TRANSFER_CANCEL_LEN: usize = 192;

/// What the assignor's chip signs to cancel a pending transfer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TransferCancel {
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
    /// SHA-256 of the transfer's id at the center (the chip signs what the
    /// host names; the center checks it is the pending transfer).
    pub transfer: [u8; 32],
    /// The chip's counter when it signed (the chip advances it).
    pub nonce: u64,
    /// When the holder asked (as the host says; the chip has no clock).
    pub requested_at: Timestamp,
}

/// The 32 bytes a chip signs to name a transfer: SHA-256 of its id.
pub fn transfer_ref(transfer_id: &str) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::new()
        .chain_update(b"eticket transfer id\0")
        .chain_update(transfer_id.as_bytes())
        .finalize()
        .into()
}

impl TransferCancel {
    /// Sign as the assignor chip with a hedged nonce; `secret` must be the key
    /// of `self.from`.
    pub fn sign_hedged(
        &self,
        secret: &SecretKey,
        rng: &mut impl rand_core::CryptoRngCore,
    ) -> Result<Vec<u8>> {
        self.seal(secret, |m| {
            secret.sign_hedged(Domain::TransferCancel, m, rng)
        })
    }

    /// Sign deterministically (RFC 6979; test vectors and software chips).
    pub fn sign(&self, secret: &SecretKey) -> Result<Vec<u8>> {
        self.seal(secret, |m| secret.sign(Domain::TransferCancel, m))
    }

    fn seal(
        &self,
        secret: &SecretKey,
        sign: impl FnOnce(&[u8]) -> Result<[u8; SIGNATURE_LEN]>,
    ) -> Result<Vec<u8>> {
        seal_chip_signed(self, self.from, "transfer cancel", secret, sign)
    }

    /// Decode without verifying, to learn which chip must have signed.
    pub fn peek(bytes: &[u8]) -> Result<Self> {
        let (body, _, _) = split(bytes, "transfer cancel", MAX_TRANSFER_CANCEL_LEN)?;
        codec::decode_strict(body, "transfer cancel")
    }

    /// Verify with the assignor chip's public key, which must match `from`.
    pub fn verify(bytes: &[u8], assignor: &PublicKey) -> Result<Self> {
        open_chip_signed(
            bytes,
            "transfer cancel",
            MAX_TRANSFER_CANCEL_LEN,
            Domain::TransferCancel,
            assignor,
            |c: &Self| c.from,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transfer::TransferRequest;

    fn cancel(a: &SecretKey) -> TransferCancel {
        TransferCancel {
            event: EventId(1),
            serial: TicketSerial(2),
            generation: Generation(0),
            ticket_hash: [9; 32],
            from: ChipId::from_public_key(&a.public_key().to_uncompressed()),
            transfer: transfer_ref("t-1"),
            nonce: 3,
            requested_at: Timestamp(4),
        }
    }

    #[test]
    fn round_trip_wrong_key_and_tamper() {
        let a = SecretKey::from_bytes(&[0x61; 32]).unwrap();
        let b = SecretKey::from_bytes(&[0x62; 32]).unwrap();
        let c = cancel(&a);
        let bytes = c.sign_hedged(&a, &mut rand_core::OsRng).unwrap();
        assert_eq!(TransferCancel::verify(&bytes, &a.public_key()).unwrap(), c);
        assert_eq!(TransferCancel::peek(&bytes).unwrap(), c);
        assert!(TransferCancel::verify(&bytes, &b.public_key()).is_err());
        assert!(c.sign(&b).is_err());
        let mut bad = bytes.clone();
        bad[3] ^= 0x40;
        assert!(TransferCancel::verify(&bad, &a.public_key()).is_err());
        assert_ne!(transfer_ref("t-1"), transfer_ref("t-2"));
    }

    /// A signature made for a transfer request or a gate challenge is no
    /// cancellation, even over the same bytes.
    #[test]
    fn other_domains_do_not_cancel() {
        let a = SecretKey::from_bytes(&[0x61; 32]).unwrap();
        let mut bytes = cancel(&a).sign(&a).unwrap();
        let n = bytes.len() - SIGNATURE_LEN;
        let forged = a.sign(Domain::TransferRequest, &bytes[..n]).unwrap();
        bytes[n..].copy_from_slice(&forged);
        assert_eq!(
            TransferCancel::verify(&bytes, &a.public_key()).err(),
            Some(crate::Error::BadSignature)
        );
        let forged = a.sign(Domain::ChipChallenge, &bytes[..n]).unwrap();
        bytes[n..].copy_from_slice(&forged);
        assert!(TransferCancel::verify(&bytes, &a.public_key()).is_err());
        let _ = TransferRequest::peek(&bytes);
    }
}
