//! Chip authentication: a chip proves it is the chip a ticket names by signing
//! a gate's fresh random challenge with its own key. The chip id is derived
//! from the chip's public key ([`ChipId::from_public_key`]), so a copied
//! payload on another chip cannot pass, and an old answer does not fit a new
//! challenge.

use crate::crypto::{Domain, PUBLIC_KEY_LEN, PublicKey, SIGNATURE_LEN, SecretKey};
use crate::ids::{CHIP_ID_LEN, ChipId};
use crate::{Error, Result};

/// Length of a gate's challenge.
pub const CHALLENGE_LEN: usize = 32;

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

/// The chip's side: answer `challenge` with the chip's secret key.
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
