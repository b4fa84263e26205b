//! What a gate needs from a chip in front of its reader: who the chip says it
//! is, the tickets it holds, and its answer to a challenge.
//!
//! The trait is small so that any transport can present a chip: `eticket-chip`'s
//! [`Chip`] over any of its transports (in-process,
//! a caller's transmit function, PC/SC with the `pcsc` feature), the
//! in-process [`TestCard`] below, or a gate vendor's own reader code.

use eticket_core::chipauth::{CHALLENGE_LEN, answer_challenge};
use eticket_core::crypto::{PUBLIC_KEY_LEN, SIGNATURE_LEN, SecretKey};
use eticket_core::ids::ChipId;
use eticket_core::ticket::SignedTicket;

use eticket_chip::apdu::{Command, SHORT_MAX_NE};
use eticket_chip::host::{Chip, Transport};
use eticket_chip::protocol::{AUTH_RESPONSE_LEN, CLA_ISO, INS_INTERNAL_AUTHENTICATE};

use crate::{Error, Result};

/// Most tickets a gate reads from one chip; a chip offering more is refused
/// as unreadable rather than read without bound.
pub const MAX_TICKETS_PER_CHIP: usize = 64;

/// Who a chip says it is. Nothing here is trusted until the chip has answered
/// a fresh challenge with the key whose hash is `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChipIdentity {
    /// The chip id it claims.
    pub id: ChipId,
    /// Its public key, SEC1 (65 bytes uncompressed expected).
    pub public_key: Vec<u8>,
}

/// A chip presented at a gate.
///
/// Errors are [`Error::Chip`] with a message; the gate logs them as an
/// unreadable chip and never admits.
pub trait PresentedChip {
    /// The chip's claimed id and public key.
    fn identity(&mut self) -> Result<ChipIdentity>;

    /// The signed tickets stored on the chip (all events), at most
    /// [`MAX_TICKETS_PER_CHIP`].
    fn tickets(&mut self) -> Result<Vec<Vec<u8>>>;

    /// The chip's signature over its id and `challenge` (INTERNAL AUTHENTICATE).
    fn answer(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<[u8; SIGNATURE_LEN]>;

    /// The center's certificate of the chip's key (GET CERTIFICATE), if the
    /// chip holds one. Only asked when the venue requires certificates; a
    /// chip that cannot give one answers `None`.
    fn certificate(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}

impl<C: PresentedChip + ?Sized> PresentedChip for &mut C {
    fn identity(&mut self) -> Result<ChipIdentity> {
        (**self).identity()
    }
    fn tickets(&mut self) -> Result<Vec<Vec<u8>>> {
        (**self).tickets()
    }
    fn answer(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<[u8; SIGNATURE_LEN]> {
        (**self).answer(challenge)
    }
    fn certificate(&mut self) -> Result<Option<Vec<u8>>> {
        (**self).certificate()
    }
}

/// `eticket-chip`'s host API: GET INFO for the identity (the chip id is
/// checked against the public key while parsing), LIST + READ for the
/// tickets, INTERNAL AUTHENTICATE for the answer, which the gate verifies
/// itself with the key GET INFO reported.
impl<T: Transport> PresentedChip for Chip<T> {
    fn identity(&mut self) -> Result<ChipIdentity> {
        let info = self.info().map_err(chip_error)?;
        Ok(ChipIdentity {
            id: info.chip,
            public_key: info.public_key.to_uncompressed().to_vec(),
        })
    }

    fn tickets(&mut self) -> Result<Vec<Vec<u8>>> {
        let stored = Chip::tickets(self).map_err(chip_error)?;
        Ok(stored.into_iter().map(|s| s.ticket.into_bytes()).collect())
    }

    fn answer(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<[u8; SIGNATURE_LEN]> {
        let cmd = Command::new(CLA_ISO, INS_INTERNAL_AUTHENTICATE, 0, 0)
            .with_data(challenge.to_vec())
            .with_le(SHORT_MAX_NE);
        let data = self
            .exchange(&cmd, "INTERNAL AUTHENTICATE")
            .map_err(chip_error)?;
        if data.len() != AUTH_RESPONSE_LEN {
            return Err(Error::Chip(format!(
                "INTERNAL AUTHENTICATE answered {} bytes, expected {AUTH_RESPONSE_LEN}",
                data.len()
            )));
        }
        let mut signature = [0u8; SIGNATURE_LEN];
        signature.copy_from_slice(&data[..SIGNATURE_LEN]);
        Ok(signature)
    }

    fn certificate(&mut self) -> Result<Option<Vec<u8>>> {
        Chip::certificate(self).map_err(chip_error)
    }
}

fn chip_error(e: eticket_chip::Error) -> Error {
    Error::Chip(e.to_string())
}

/// An in-process card that really holds a P-256 key and signs challenges with
/// it: the chip side of the protocol for tests, examples and demonstrations.
///
/// ```
/// use eticket_gate::chip::{PresentedChip, TestCard};
/// let mut card = TestCard::from_secret(&[0x42; 32]).unwrap();
/// assert_eq!(card.identity().unwrap().id, card.id());
/// ```
#[derive(Debug, Clone)]
pub struct TestCard {
    secret: SecretKey,
    public: [u8; PUBLIC_KEY_LEN],
    id: ChipId,
    tickets: Vec<Vec<u8>>,
    certificate: Option<Vec<u8>>,
}

impl TestCard {
    /// A card with this 32-byte secret scalar.
    pub fn from_secret(secret: &[u8]) -> Result<Self> {
        let secret = SecretKey::from_bytes(secret)
            .map_err(|e| Error::Chip(format!("test card secret: {e}")))?;
        Ok(Self::new(secret))
    }

    /// A card with a fresh key from the system's random source.
    pub fn generate() -> Self {
        Self::new(SecretKey::generate(&mut rand_core::OsRng))
    }

    fn new(secret: SecretKey) -> Self {
        let public = secret.public_key().to_uncompressed();
        Self {
            id: ChipId::from_public_key(&public),
            public,
            secret,
            tickets: Vec::new(),
            certificate: None,
        }
    }

    /// Hold this certificate (what the center signs at personalization).
    pub fn set_certificate(&mut self, certificate: Vec<u8>) {
        self.certificate = Some(certificate);
    }

    /// Its chip id (derived from its public key).
    pub fn id(&self) -> ChipId {
        self.id
    }

    /// Its public key, uncompressed SEC1.
    pub fn public_key(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.public
    }

    /// Store a ticket (the center's write, without the grant: tests only need
    /// the read side).
    pub fn store(&mut self, ticket: &SignedTicket) {
        self.tickets.push(ticket.as_bytes().to_vec());
    }

    /// Store raw bytes as a ticket (copied or damaged payloads in tests).
    pub fn store_bytes(&mut self, bytes: Vec<u8>) {
        self.tickets.push(bytes);
    }

    /// Remove every ticket.
    pub fn clear(&mut self) {
        self.tickets.clear();
    }
}

impl PresentedChip for TestCard {
    fn identity(&mut self) -> Result<ChipIdentity> {
        Ok(ChipIdentity {
            id: self.id,
            public_key: self.public.to_vec(),
        })
    }

    fn tickets(&mut self) -> Result<Vec<Vec<u8>>> {
        Ok(self.tickets.clone())
    }

    fn answer(&mut self, challenge: &[u8; CHALLENGE_LEN]) -> Result<[u8; SIGNATURE_LEN]> {
        answer_challenge(&self.secret, challenge).map_err(|e| Error::Chip(e.to_string()))
    }

    fn certificate(&mut self) -> Result<Option<Vec<u8>>> {
        Ok(self.certificate.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eticket_core::chipauth::verify_answer;

    #[test]
    fn test_card_answers_verify() {
        let mut card = TestCard::generate();
        let who = card.identity().unwrap();
        let answer = card.answer(&[9; CHALLENGE_LEN]).unwrap();
        verify_answer(who.id, &who.public_key, &[9; CHALLENGE_LEN], &answer).unwrap();
        assert!(verify_answer(who.id, &who.public_key, &[8; CHALLENGE_LEN], &answer).is_err());
    }
}
