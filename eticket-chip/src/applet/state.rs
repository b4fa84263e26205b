//! The chip's persistent state and its file layout.
//!
//! Layout: version ‖ secret scalar (32) ‖ counter `u32` ‖ PIN tries left ‖ capacity ‖
//! personalization length `u16` ‖ personalization (see
//! [`Personalization`]) ‖ capacity × (payload length ‖ payload) ‖ SHA-256 of
//! everything before it. The checksum makes a damaged file an error at load
//! instead of a chip with silently wrong contents.

use eticket_core::crypto::{PublicKey, SecretKey};
use eticket_core::ids::ChipId;
use eticket_core::ticket::MAX_TICKET_LEN;
use sha2::{Digest, Sha256};

use crate::protocol::{LAYOUT_VERSION, MAX_SLOTS, Personalization, Reader};
use crate::{Error, Result};

/// Largest encoded state (16 full slots and the largest personalization).
pub const MAX_STATE_LEN: usize = 1 + 32 + 4 + 1 + 1 + 2 + 700 + 16 * (1 + MAX_TICKET_LEN) + 32;

/// Everything a chip keeps across power cycles.
#[derive(Debug, Clone)]
pub struct ChipState {
    secret: SecretKey,
    public: PublicKey,
    chip: ChipId,
    /// The counter the next grant must name.
    pub(crate) counter: u32,
    /// Wrong PINs still allowed before the chip blocks signing.
    pub(crate) pin_tries_left: u8,
    /// What PERSONALIZE installed; `None` while blank.
    pub(crate) personalization: Option<Personalization>,
    /// One entry per slot.
    pub(crate) slots: Vec<Option<Vec<u8>>>,
}

impl ChipState {
    /// A blank chip with this key and `capacity` slots (1..=16).
    pub fn new(secret: SecretKey, capacity: u8) -> Result<Self> {
        if capacity == 0 || capacity > MAX_SLOTS {
            return Err(Error::Invalid {
                what: "chip capacity",
                reason: "must be 1 to 16 slots",
            });
        }
        let public = secret.public_key();
        Ok(Self {
            chip: ChipId::from_public_key(&public.to_uncompressed()),
            secret,
            public,
            counter: 0,
            pin_tries_left: 0,
            personalization: None,
            slots: vec![None; usize::from(capacity)],
        })
    }

    /// The chip id.
    pub fn chip(&self) -> ChipId {
        self.chip
    }

    /// The chip's secret key (never leaves the chip but through the state file).
    pub(crate) fn secret(&self) -> &SecretKey {
        &self.secret
    }

    /// The chip's public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The counter the next grant must name.
    pub fn counter(&self) -> u32 {
        self.counter
    }

    /// Wrong PINs still allowed before the chip blocks signing (0: blocked,
    /// or not personalized).
    pub fn pin_tries_left(&self) -> u8 {
        self.pin_tries_left
    }

    /// Number of slots.
    pub fn capacity(&self) -> u8 {
        self.slots.len() as u8
    }

    /// The payload in `slot`, if any.
    pub fn slot(&self, slot: u8) -> Option<&[u8]> {
        self.slots.get(usize::from(slot))?.as_deref()
    }

    /// Occupied slots.
    pub fn used(&self) -> u8 {
        self.slots.iter().filter(|s| s.is_some()).count() as u8
    }

    /// What PERSONALIZE installed.
    pub fn personalization(&self) -> Option<&Personalization> {
        self.personalization.as_ref()
    }

    /// Encode for the state file.
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(MAX_STATE_LEN);
        out.push(LAYOUT_VERSION);
        out.extend_from_slice(&self.secret.to_bytes());
        out.extend_from_slice(&self.counter.to_be_bytes());
        out.push(self.pin_tries_left);
        out.push(self.capacity());
        let pers = match &self.personalization {
            Some(p) => p.to_bytes()?,
            None => Vec::new(),
        };
        out.extend_from_slice(&(pers.len() as u16).to_be_bytes());
        out.extend_from_slice(&pers);
        for slot in &self.slots {
            let payload = slot.as_deref().unwrap_or_default();
            out.push(payload.len() as u8);
            out.extend_from_slice(payload);
        }
        let sum: [u8; 32] = Sha256::digest(&out).into();
        out.extend_from_slice(&sum);
        Ok(out)
    }

    /// Decode a state file strictly: size, checksum, version, every field.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        const WHAT: &str = "chip state";
        if bytes.len() > MAX_STATE_LEN {
            return Err(Error::Malformed {
                what: WHAT,
                reason: "larger than any chip state",
            });
        }
        let (body, sum) = bytes.split_last_chunk::<32>().ok_or(Error::Malformed {
            what: WHAT,
            reason: "shorter than its checksum",
        })?;
        if <[u8; 32]>::from(Sha256::digest(body)) != *sum {
            return Err(Error::Malformed {
                what: WHAT,
                reason: "checksum does not match (damaged file)",
            });
        }
        let mut r = Reader::new(body, WHAT);
        r.version()?;
        let secret = SecretKey::from_bytes(r.take(32)?)
            .map_err(|_| r.malformed("the secret is not a P-256 scalar"))?;
        let counter = r.u32()?;
        let pin_tries_left = r.u8()?;
        let mut state = Self::new(secret, r.u8()?)?;
        state.counter = counter;
        state.pin_tries_left = pin_tries_left;
        let pers_len = usize::from(r.u16()?);
        if pers_len > 0 {
            let p = Personalization::parse(r.take(pers_len)?)?;
            if state.pin_tries_left > p.pin_tries {
                return Err(r.malformed("more PIN tries left than allowed"));
            }
            state.personalization = Some(p);
        }
        for slot in state.slots.iter_mut() {
            let len = usize::from(r.u8()?);
            if len > MAX_TICKET_LEN {
                return Err(r.malformed("a slot is longer than a ticket"));
            }
            if len > 0 {
                *slot = Some(r.take(len)?.to_vec());
            }
        }
        r.finish()?;
        Ok(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eticket_core::ids::KeyId;

    #[test]
    fn round_trip_and_damage() {
        let mut s = ChipState::new(SecretKey::from_bytes(&[3; 32]).unwrap(), 4).unwrap();
        s.counter = 9;
        s.slots[2] = Some(vec![1, 2, 3]);
        s.personalization = Some(Personalization::new(
            vec![(KeyId(2), s.public_key().clone())],
            crate::protocol::Pin::new(b"1234").unwrap(),
        ));
        s.pin_tries_left = 2;
        let bytes = s.to_bytes().unwrap();
        let back = ChipState::from_bytes(&bytes).unwrap();
        assert_eq!(back.to_bytes().unwrap(), bytes);
        assert_eq!(back.slot(2), Some(&[1u8, 2, 3][..]));
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x80;
            assert!(ChipState::from_bytes(&bad).is_err(), "flip at {i}");
        }
        assert!(ChipState::from_bytes(&bytes[..bytes.len() - 1]).is_err());
    }
}
