//! ECDSA P-256 / SHA-256 over domain-separated messages, with 64-byte r‖s
//! signatures in low-S form.
//!
//! Signing uses the pure-Rust p256 crate by default (deterministic RFC 6979
//! nonces, so test vectors are reproducible). With the `fast-sign` feature a
//! signer can opt into `FastSigner`: ring with random nonces, about 9x faster,
//! for bulk issuance. Verification uses p256 by default, or ring
//! with the `fast` feature (which includes `fast-sign`); both reject the same inputs because the range and
//! low-S checks happen here, before either backend sees the signature.
//!
//! ## Fuzzing builds
//!
//! cargo-fuzz compiles with `--cfg fuzzing`, which no other build sets. In
//! such a build [`PublicKey::verify`] accepts exactly one signature,
//! [`FUZZING_SIGNATURE`], for any key and message, and refuses every other
//! signature without running ECDSA (after the same range and low-S checks), so
//! the fuzzer reaches the decoders behind the signature at full speed. In
//! every other build that value is an ordinary, forged signature and is
//! refused with [`Error::BadSignature`] (the core test suite proves it).
//! Signing in a fuzzing build gives the tag too, so what a fuzz target
//! encodes, it can decode again. [`PublicKey::verify_with`] always does real
//! ECDSA verification with the backend named, for the differential fuzz
//! target.

use p256::ecdsa::signature::hazmat::PrehashVerifier;
#[cfg(not(fuzzing))]
use p256::ecdsa::signature::hazmat::{PrehashSigner, RandomizedPrehashSigner};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};
use rand_core::CryptoRngCore;
use sha2::{Digest, Sha256};

use crate::{Error, Result};

/// Which library verifies signatures in this build: `"ring"` (feature
/// `fast`) or `"p256"` (pure Rust).
pub const VERIFY_BACKEND: &str = if cfg!(feature = "fast") {
    "ring"
} else {
    "p256"
};

/// Length of a signature: r‖s, 32 bytes each.
pub const SIGNATURE_LEN: usize = 64;

/// The signature that builds with `--cfg fuzzing` (cargo-fuzz) accept in
/// place of a real one. Every other build refuses it like any forged
/// signature ([`Error::BadSignature`]): r and s are in range and s is low, so
/// it passes the cheap checks and fails the ECDSA equation.
///
/// ```
/// use eticket_core::crypto::{Domain, FUZZING_SIGNATURE, SecretKey};
/// use eticket_core::Error;
///
/// let key = SecretKey::from_bytes(&[7; 32]).unwrap().public_key();
/// assert_eq!(
///     key.verify(Domain::Ticket, b"any body", &FUZZING_SIGNATURE),
///     Err(Error::BadSignature)
/// );
/// ```
pub const FUZZING_SIGNATURE: [u8; SIGNATURE_LEN] =
    *b"eticket fuzzing tag: accepted only in --cfg fuzzing builds!!!!!!";

/// A signature verification backend, for [`PublicKey::verify_with`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Backend {
    /// The pure-Rust p256 crate.
    P256,
    /// ring (only with the `fast` feature).
    #[cfg(feature = "fast")]
    Ring,
}
/// Length of an uncompressed SEC1 public key.
pub const PUBLIC_KEY_LEN: usize = 65;

/// What a signature is for. Each has its own tag, prefixed to the signed bytes,
/// so a signature made for one purpose never verifies for another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Domain {
    /// A ticket payload.
    Ticket,
    /// The center's permission to write one payload to one chip.
    WriteGrant,
    /// The center's permission to delete one payload from one chip.
    DeleteGrant,
    /// A full revocation list.
    RevocationList,
    /// An increment to a revocation list.
    RevocationDelta,
    /// A key set for gates.
    KeySet,
    /// Deriving a chip id from a chip's public key (hashed, not signed).
    ChipId,
    /// A chip's answer to a gate's random challenge.
    ChipChallenge,
    /// A chip's request to transfer a ticket to another chip.
    TransferRequest,
    /// A chip's request to cancel a pending transfer of its ticket.
    TransferCancel,
    /// The center's certificate of a chip's public key.
    ChipCertificate,
    /// The center's update of the grant keys a chip trusts.
    ChipKeyUpdate,
    /// The old root key's endorsement of its successor.
    RootRollover,
    /// A venue unit's upload batch of its entry log, signed with the unit's
    /// own key.
    EntryBatch,
}

impl Domain {
    /// The tag prefixed to the message.
    pub fn tag(self) -> &'static [u8] {
        match self {
            Domain::Ticket => b"eticket/v1/ticket\0",
            Domain::WriteGrant => b"eticket/v1/write-grant\0",
            Domain::DeleteGrant => b"eticket/v1/delete-grant\0",
            Domain::RevocationList => b"eticket/v1/revocation-list\0",
            Domain::RevocationDelta => b"eticket/v1/revocation-delta\0",
            Domain::KeySet => b"eticket/v1/key-set\0",
            Domain::ChipId => b"eticket/v1/chip-id\0",
            Domain::ChipChallenge => b"eticket/v1/chip-challenge\0",
            Domain::TransferRequest => b"eticket/v1/transfer-request\0",
            Domain::TransferCancel => b"eticket/v1/transfer-cancel\0",
            Domain::ChipCertificate => b"eticket/v1/chip-certificate\0",
            Domain::ChipKeyUpdate => b"eticket/v1/chip-key-update\0",
            Domain::RootRollover => b"eticket/v1/root-rollover\0",
            Domain::EntryBatch => b"eticket/v1/entry-batch\0",
        }
    }

    fn digest(self, message: &[u8]) -> [u8; 32] {
        Sha256::new()
            .chain_update(self.tag())
            .chain_update(message)
            .finalize()
            .into()
    }
}

/// A P-256 public key, parsed once (decompressing a point costs 10-19 µs).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    uncompressed: [u8; PUBLIC_KEY_LEN],
}

impl core::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "PublicKey(")?;
        for b in &self.uncompressed[1..9] {
            write!(f, "{b:02x}")?;
        }
        write!(f, "…)")
    }
}

impl PublicKey {
    /// Parse a SEC1 public key, compressed (33 bytes) or uncompressed (65).
    pub fn from_sec1(bytes: &[u8]) -> Result<Self> {
        let key = VerifyingKey::from_sec1_bytes(bytes).map_err(|_| Error::InvalidKey)?;
        Ok(Self::from_verifying_key(key))
    }

    fn from_verifying_key(key: VerifyingKey) -> Self {
        let point = key.to_encoded_point(false);
        let mut uncompressed = [0u8; PUBLIC_KEY_LEN];
        uncompressed.copy_from_slice(point.as_bytes());
        Self { key, uncompressed }
    }

    /// The uncompressed SEC1 encoding (65 bytes, `04 ‖ x ‖ y`).
    pub fn to_uncompressed(&self) -> [u8; PUBLIC_KEY_LEN] {
        self.uncompressed
    }

    /// Verify `signature` over `domain ‖ message`.
    ///
    /// Errors: [`Error::BadSignature`] when r or s is out of range or the
    /// signature does not verify, [`Error::HighS`] when s is not low.
    /// (Builds with `--cfg fuzzing` only: [`FUZZING_SIGNATURE`] is the one
    /// signature that verifies; see the module documentation.)
    pub fn verify(
        &self,
        domain: Domain,
        message: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<()> {
        #[cfg(fuzzing)]
        {
            let _ = (domain, message);
            verify_fuzzing_tag(signature)
        }
        #[cfg(not(fuzzing))]
        self.verify_with(BUILD_BACKEND, domain, message, signature)
    }

    /// Verify like [`PublicKey::verify`] with the backend named, always with
    /// ECDSA (also in fuzzing builds): the range and low-S checks, then the
    /// backend. The differential fuzz target checks that every backend gives
    /// the same answer.
    pub fn verify_with(
        &self,
        backend: Backend,
        domain: Domain,
        message: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<()> {
        let sig = parse_low_s(signature)?;
        match backend {
            Backend::P256 => self.verify_p256(domain, message, &sig),
            #[cfg(feature = "fast")]
            Backend::Ring => self.verify_ring(domain, message, signature),
        }
    }

    /// The backend alone, without this module's low-S check: what the
    /// backend itself admits (both admit either S; p256 checks the range
    /// while parsing, ring in its verification). For the differential fuzz
    /// target.
    pub fn verify_backend_only(
        &self,
        backend: Backend,
        domain: Domain,
        message: &[u8],
        signature: &[u8; SIGNATURE_LEN],
    ) -> Result<()> {
        match backend {
            Backend::P256 => {
                let sig = Signature::from_slice(signature).map_err(|_| Error::BadSignature)?;
                self.verify_p256(domain, message, &sig)
            }
            #[cfg(feature = "fast")]
            Backend::Ring => self.verify_ring(domain, message, signature),
        }
    }

    fn verify_p256(&self, domain: Domain, message: &[u8], sig: &Signature) -> Result<()> {
        self.key
            .verify_prehash(&domain.digest(message), sig)
            .map_err(|_| Error::BadSignature)
    }

    #[cfg(feature = "fast")]
    fn verify_ring(&self, domain: Domain, message: &[u8], raw: &[u8; SIGNATURE_LEN]) -> Result<()> {
        use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
        let tag = domain.tag();
        let mut full = alloc::vec::Vec::with_capacity(tag.len() + message.len());
        full.extend_from_slice(tag);
        full.extend_from_slice(message);
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.uncompressed[..])
            .verify(&full, raw)
            .map_err(|_| Error::BadSignature)
    }
}

/// The backend [`PublicKey::verify`] uses in this build.
#[cfg(all(feature = "fast", not(fuzzing)))]
const BUILD_BACKEND: Backend = Backend::Ring;
#[cfg(all(not(feature = "fast"), not(fuzzing)))]
const BUILD_BACKEND: Backend = Backend::P256;

/// Fuzzing builds only: the tag verifies; any other signature goes through
/// the range and low-S checks and is then refused without ECDSA.
#[cfg(fuzzing)]
fn verify_fuzzing_tag(signature: &[u8; SIGNATURE_LEN]) -> Result<()> {
    if *signature == FUZZING_SIGNATURE {
        return Ok(());
    }
    parse_low_s(signature)?;
    Err(Error::BadSignature)
}

/// Parse r‖s, refusing out-of-range scalars and high S (the other of the two
/// valid signatures for one message, which would make signatures malleable).
fn parse_low_s(signature: &[u8; SIGNATURE_LEN]) -> Result<Signature> {
    let sig = Signature::from_slice(signature).map_err(|_| Error::BadSignature)?;
    if sig.normalize_s().is_some() {
        return Err(Error::HighS);
    }
    Ok(sig)
}

/// A P-256 private key.
#[derive(Clone)]
pub struct SecretKey(SigningKey);

impl core::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// A fresh key from a cryptographic random source.
    pub fn generate(rng: &mut impl CryptoRngCore) -> Self {
        Self(SigningKey::random(rng))
    }

    /// The key with this 32-byte big-endian scalar.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        SigningKey::from_slice(bytes)
            .map(Self)
            .map_err(|_| Error::InvalidKey)
    }

    /// The 32-byte big-endian scalar, for storing the key.
    pub fn to_bytes(&self) -> [u8; 32] {
        self.0.to_bytes().into()
    }

    /// The matching public key.
    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_verifying_key(*self.0.verifying_key())
    }

    /// Sign `domain ‖ message`; the result is deterministic and low-S.
    /// (Builds with `--cfg fuzzing` only: [`FUZZING_SIGNATURE`].)
    pub fn sign(&self, domain: Domain, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        #[cfg(fuzzing)]
        {
            let _ = (domain, message);
            Ok(FUZZING_SIGNATURE)
        }
        #[cfg(not(fuzzing))]
        self.sign_ecdsa(domain, message)
    }

    #[cfg(not(fuzzing))]
    fn sign_ecdsa(&self, domain: Domain, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        let sig: Signature = self
            .0
            .sign_prehash(&domain.digest(message))
            .map_err(|_| Error::Encode("signature"))?;
        let sig = sig.normalize_s().unwrap_or(sig);
        Ok(sig.to_bytes().into())
    }

    /// Sign `domain ‖ message` with a hedged nonce: RFC 6979 with 32 bytes of
    /// added randomness from `rng`, so a faulty or predictable random source
    /// still gives a safe nonce, and repeated signing of chosen messages (a
    /// chip answering challenges) never repeats one. The signature is checked
    /// before it is returned, so a fault during signing never leaks a
    /// signature that could reveal the key. Low-S. (Builds with `--cfg
    /// fuzzing` only: [`FUZZING_SIGNATURE`].)
    pub fn sign_hedged(
        &self,
        domain: Domain,
        message: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<[u8; SIGNATURE_LEN]> {
        #[cfg(fuzzing)]
        {
            let _ = (domain, message, rng);
            Ok(FUZZING_SIGNATURE)
        }
        #[cfg(not(fuzzing))]
        self.sign_hedged_ecdsa(domain, message, rng)
    }

    #[cfg(not(fuzzing))]
    fn sign_hedged_ecdsa(
        &self,
        domain: Domain,
        message: &[u8],
        rng: &mut impl CryptoRngCore,
    ) -> Result<[u8; SIGNATURE_LEN]> {
        let digest = domain.digest(message);
        let sig: Signature = self
            .0
            .sign_prehash_with_rng(rng, &digest)
            .map_err(|_| Error::Encode("signature"))?;
        let sig = sig.normalize_s().unwrap_or(sig);
        let bytes: [u8; SIGNATURE_LEN] = sig.to_bytes().into();
        self.public_key()
            .verify_with(BUILD_BACKEND, domain, message, &bytes)
            .map_err(|_| Error::Encode("signature (failed its own check)"))?;
        Ok(bytes)
    }
}

/// Signs with ring and a random nonce per signature (feature `fast-sign`).
///
/// Signatures are valid, low-S and accepted by every verifier, but two
/// signatures of one message differ; keep [`SecretKey::sign`] where output
/// must be reproducible (test vectors).
#[cfg(feature = "fast-sign")]
pub struct FastSigner {
    pair: ring::signature::EcdsaKeyPair,
    rng: ring::rand::SystemRandom,
}

#[cfg(feature = "fast-sign")]
impl core::fmt::Debug for FastSigner {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("FastSigner(…)")
    }
}

#[cfg(feature = "fast-sign")]
impl FastSigner {
    /// A signer for `secret`.
    pub fn new(secret: &SecretKey) -> Result<Self> {
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
        let rng = ring::rand::SystemRandom::new();
        let pair = EcdsaKeyPair::from_private_key_and_public_key(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            &secret.to_bytes(),
            &secret.public_key().to_uncompressed(),
            &rng,
        )
        .map_err(|_| Error::InvalidKey)?;
        Ok(Self { pair, rng })
    }

    /// Sign `domain ‖ message` with a random nonce; the result is low-S.
    /// (Builds with `--cfg fuzzing` only: [`FUZZING_SIGNATURE`].)
    pub fn sign(&self, domain: Domain, message: &[u8]) -> Result<[u8; SIGNATURE_LEN]> {
        if cfg!(fuzzing) {
            return Ok(FUZZING_SIGNATURE);
        }
        let tag = domain.tag();
        let mut full = alloc::vec::Vec::with_capacity(tag.len() + message.len());
        full.extend_from_slice(tag);
        full.extend_from_slice(message);
        let raw = self
            .pair
            .sign(&self.rng, &full)
            .map_err(|_| Error::Encode("signature"))?;
        let sig = Signature::from_slice(raw.as_ref()).map_err(|_| Error::Encode("signature"))?;
        let sig = sig.normalize_s().unwrap_or(sig);
        Ok(sig.to_bytes().into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_bytes(&[7u8; 32]).unwrap()
    }

    #[test]
    fn sign_verify_round_trip() {
        let k = key();
        let sig = k.sign(Domain::Ticket, b"hello").unwrap();
        k.public_key()
            .verify(Domain::Ticket, b"hello", &sig)
            .unwrap();
    }

    #[test]
    fn domain_separates() {
        let k = key();
        let sig = k.sign(Domain::Ticket, b"hello").unwrap();
        assert_eq!(
            k.public_key().verify(Domain::WriteGrant, b"hello", &sig),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn high_s_is_refused() {
        let k = key();
        let sig = k.sign(Domain::Ticket, b"x").unwrap();
        let parsed = Signature::from_slice(&sig).unwrap();
        // n - s: the other valid signature for the same message.
        let (r, s) = (parsed.r(), parsed.s());
        let high = Signature::from_scalars(r.to_bytes(), (-*s.as_ref()).to_bytes()).unwrap();
        let high: [u8; 64] = high.to_bytes().into();
        assert_eq!(
            k.public_key().verify(Domain::Ticket, b"x", &high),
            Err(Error::HighS)
        );
    }

    #[test]
    fn hedged_signatures_verify_and_differ() {
        let k = key();
        let mut rng = rand_core::OsRng;
        let a = k
            .sign_hedged(Domain::ChipChallenge, b"m", &mut rng)
            .unwrap();
        let b = k
            .sign_hedged(Domain::ChipChallenge, b"m", &mut rng)
            .unwrap();
        assert_ne!(a, b, "the added randomness changes the nonce");
        assert_ne!(a, k.sign(Domain::ChipChallenge, b"m").unwrap());
        for sig in [a, b] {
            k.public_key()
                .verify(Domain::ChipChallenge, b"m", &sig)
                .unwrap();
        }
    }

    #[test]
    fn tags_are_distinct_and_never_prefixes() {
        let all = [
            Domain::Ticket,
            Domain::WriteGrant,
            Domain::DeleteGrant,
            Domain::RevocationList,
            Domain::RevocationDelta,
            Domain::KeySet,
            Domain::ChipId,
            Domain::ChipChallenge,
            Domain::TransferRequest,
            Domain::TransferCancel,
            Domain::ChipCertificate,
            Domain::ChipKeyUpdate,
            Domain::RootRollover,
            Domain::EntryBatch,
        ];
        for a in all {
            for b in all {
                if a != b {
                    assert!(!b.tag().starts_with(a.tag()), "{a:?} prefixes {b:?}");
                }
            }
        }
    }

    #[test]
    fn zero_signature_is_bad() {
        assert_eq!(
            key().public_key().verify(Domain::Ticket, b"x", &[0u8; 64]),
            Err(Error::BadSignature)
        );
    }

    #[test]
    fn compressed_and_uncompressed_agree() {
        let pk = key().public_key();
        let unc = pk.to_uncompressed();
        let again = PublicKey::from_sec1(&unc).unwrap();
        assert_eq!(pk, again);
        assert!(PublicKey::from_sec1(&[4u8; 65]).is_err());
    }

    #[cfg(feature = "fast-sign")]
    mod fast {
        use super::*;
        use p256::ecdsa::signature::hazmat::PrehashVerifier;
        use proptest::prelude::*;

        /// Check with the pure-Rust verifier as well as the configured one,
        /// so a fast signature is known to be valid for every gate build.
        fn verifies_everywhere(k: &SecretKey, domain: Domain, msg: &[u8], sig: &[u8; 64]) {
            k.public_key().verify(domain, msg, sig).unwrap();
            let parsed = Signature::from_slice(sig).unwrap();
            assert!(parsed.normalize_s().is_none(), "high S");
            k.0.verifying_key()
                .verify_prehash(&domain.digest(msg), &parsed)
                .unwrap();
        }

        #[test]
        fn fast_signatures_verify_are_low_s_and_random() {
            let k = key();
            let fast = FastSigner::new(&k).unwrap();
            let mut seen = std::collections::HashSet::new();
            // With random nonces about half the raw signatures are high-S,
            // so 64 signings exercise the normalisation.
            for _ in 0..64 {
                let sig = fast.sign(Domain::Ticket, b"same message").unwrap();
                verifies_everywhere(&k, Domain::Ticket, b"same message", &sig);
                assert!(seen.insert(sig), "a nonce repeated");
            }
            let sig = fast.sign(Domain::Ticket, b"m").unwrap();
            assert_eq!(
                k.public_key().verify(Domain::WriteGrant, b"m", &sig),
                Err(Error::BadSignature)
            );
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(48))]
            #[test]
            fn any_message_signed_fast_verifies(msg in proptest::collection::vec(any::<u8>(), 0..300)) {
                let k = key();
                let sig = FastSigner::new(&k).unwrap().sign(Domain::TransferRequest, &msg).unwrap();
                verifies_everywhere(&k, Domain::TransferRequest, &msg, &sig);
            }
        }
    }
}
