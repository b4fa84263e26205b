//! Chip authentication: a chip proves it is the chip a ticket names by signing
//! a gate's fresh random challenge with its own key. The chip id is derived
//! from the chip's public key ([`ChipId::from_public_key`]), so a copied
//! payload on another chip cannot pass, and an old answer does not fit a new
//! challenge.
//!
//! A gate's challenge is not only random: it is a [`GateChallenge`] that names
//! the event, the gate and the time it was made, with 18 random bytes. The
//! chip signs those 32 bytes with its id, so the answer proves which gate
//! asked, when, for which event; the gate keeps the challenge and the answer
//! in its entry record for audit. (It does not stop a relay by itself: the
//! gate bounds the answer's round-trip time for that.)

use rand_core::CryptoRngCore;

use crate::crypto::{Domain, PUBLIC_KEY_LEN, PublicKey, SIGNATURE_LEN, SecretKey};
use crate::ids::{CHIP_ID_LEN, ChipId, EventId, GateId};
use crate::time::Timestamp;
use crate::{Error, Result};

/// Length of a gate's challenge.
pub const CHALLENGE_LEN: usize = 32;
/// Random bytes in a [`GateChallenge`].
pub const CHALLENGE_NONCE_LEN: usize = 18;

/// A gate's challenge to a chip, bound to the event, the gate and the time.
///
/// Layout (32 bytes): event `u32` BE ‖ gate `u16` BE ‖ time `u64` BE ‖ 18
/// random bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GateChallenge {
    /// The event the gate admits for.
    pub event: EventId,
    /// The gate that asked.
    pub gate: GateId,
    /// When it asked (the gate's clock).
    pub at: Timestamp,
    /// Fresh random bytes.
    pub nonce: [u8; CHALLENGE_NONCE_LEN],
}

impl GateChallenge {
    /// A challenge with a fresh nonce from `rng`.
    pub fn new(event: EventId, gate: GateId, at: Timestamp, rng: &mut impl CryptoRngCore) -> Self {
        let mut nonce = [0u8; CHALLENGE_NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        Self {
            event,
            gate,
            at,
            nonce,
        }
    }

    /// The 32 bytes sent to the chip.
    pub fn to_bytes(&self) -> [u8; CHALLENGE_LEN] {
        let mut out = [0u8; CHALLENGE_LEN];
        out[..4].copy_from_slice(&self.event.0.to_be_bytes());
        out[4..6].copy_from_slice(&self.gate.0.to_be_bytes());
        out[6..14].copy_from_slice(&self.at.0.to_be_bytes());
        out[14..].copy_from_slice(&self.nonce);
        out
    }

    /// Read the 32 bytes of a challenge back (every 32 bytes are a challenge).
    pub fn from_bytes(bytes: &[u8; CHALLENGE_LEN]) -> Self {
        let mut nonce = [0u8; CHALLENGE_NONCE_LEN];
        nonce.copy_from_slice(&bytes[14..]);
        Self {
            event: EventId(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]])),
            gate: GateId(u16::from_be_bytes([bytes[4], bytes[5]])),
            at: Timestamp(u64::from_be_bytes([
                bytes[6], bytes[7], bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13],
            ])),
            nonce,
        }
    }
}

/// The bytes a chip signs: its id, then the challenge.
pub fn challenge_message(
    chip: ChipId,
    challenge: &[u8; CHALLENGE_LEN],
) -> [u8; CHIP_ID_LEN + CHALLENGE_LEN] {
    let mut m = [0u8; CHIP_ID_LEN + CHALLENGE_LEN];
    m[..CHIP_ID_LEN].copy_from_slice(&chip.0);
    m[CHIP_ID_LEN..].copy_from_slice(challenge);
    m
}

/// The chip's side with a hedged nonce (what a chip does): answer
/// `challenge` with the chip's secret key, adding randomness from `rng`.
pub fn answer_challenge_hedged(
    secret: &SecretKey,
    challenge: &[u8; CHALLENGE_LEN],
    rng: &mut impl CryptoRngCore,
) -> Result<[u8; SIGNATURE_LEN]> {
    let chip = ChipId::from_public_key(&secret.public_key().to_uncompressed());
    secret.sign_hedged(
        Domain::ChipChallenge,
        &challenge_message(chip, challenge),
        rng,
    )
}

/// The chip's side, deterministic (RFC 6979; for test vectors and software
/// chips): answer `challenge` with the chip's secret key.
pub fn answer_challenge(
    secret: &SecretKey,
    challenge: &[u8; CHALLENGE_LEN],
) -> Result<[u8; SIGNATURE_LEN]> {
    let chip = ChipId::from_public_key(&secret.public_key().to_uncompressed());
    secret.sign(Domain::ChipChallenge, &challenge_message(chip, challenge))
}

/// The gate's side: check that `chip_public` belongs to `claimed` and signed
/// this `challenge`. Returns the public key parsed.
pub fn verify_answer(
    claimed: ChipId,
    chip_public: &[u8],
    challenge: &[u8; CHALLENGE_LEN],
    answer: &[u8; SIGNATURE_LEN],
) -> Result<PublicKey> {
    if chip_public.len() != PUBLIC_KEY_LEN {
        return Err(Error::InvalidKey);
    }
    let key = PublicKey::from_sec1(chip_public)?;
    if ChipId::from_public_key(&key.to_uncompressed()) != claimed {
        return Err(Error::Invalid {
            field: "chip public key",
            reason: "does not belong to the chip id",
        });
    }
    key.verify(
        Domain::ChipChallenge,
        &challenge_message(claimed, challenge),
        answer,
    )?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_challenge_round_trips_and_binds() {
        let c = GateChallenge::new(
            EventId(7),
            GateId(3),
            Timestamp(1_790_000_000),
            &mut rand_core::OsRng,
        );
        let bytes = c.to_bytes();
        assert_eq!(GateChallenge::from_bytes(&bytes), c);
        let secret = SecretKey::from_bytes(&[0x57; 32]).unwrap();
        let public = secret.public_key().to_uncompressed();
        let chip = ChipId::from_public_key(&public);
        let answer = answer_challenge_hedged(&secret, &bytes, &mut rand_core::OsRng).unwrap();
        verify_answer(chip, &public, &bytes, &answer).unwrap();
        // The same answer does not fit a challenge from another gate.
        let other = GateChallenge {
            gate: GateId(4),
            ..c
        };
        assert!(verify_answer(chip, &public, &other.to_bytes(), &answer).is_err());
    }

    #[test]
    fn answer_verifies_only_for_its_challenge_and_chip() {
        let secret = SecretKey::from_bytes(&[0x55; 32]).unwrap();
        let public = secret.public_key().to_uncompressed();
        let chip = ChipId::from_public_key(&public);
        let answer = answer_challenge(&secret, &[1; 32]).unwrap();
        verify_answer(chip, &public, &[1; 32], &answer).unwrap();
        // A replayed answer to another challenge.
        assert_eq!(
            verify_answer(chip, &public, &[2; 32], &answer).err(),
            Some(Error::BadSignature)
        );
        // Another chip's key cannot claim this id.
        let other = SecretKey::from_bytes(&[0x56; 32]).unwrap();
        let other_pub = other.public_key().to_uncompressed();
        let other_answer = answer_challenge(&other, &[1; 32]).unwrap();
        assert!(verify_answer(chip, &other_pub, &[1; 32], &other_answer).is_err());
    }
}
