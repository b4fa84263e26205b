//! Differential: the pure-Rust p256 verifier and ring must agree on every
//! signature, with real ECDSA (`PublicKey::verify_with`, which a fuzzing
//! build does not short-cut), on the same reason (bad signature or high S),
//! and the backends alone must agree on what they admit without the low-S
//! check in front of them. Inputs start from real signatures of every signed
//! format (made here with the p256 crate directly, RFC 6979), then the body
//! is replaced (and re-signed for real, or not) and the signature edited:
//! high S, r or s zero, the curve order, above it, n/2 ± k, swapped, bits
//! flipped, any bytes. For every accepted message the body is decoded,
//! encoded and decoded again by its format, with the same result.
#![no_main]

use std::sync::OnceLock;

use arbitrary::Arbitrary;
use eticket_core::cancel::TransferCancel;
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipauth::challenge_message;
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::crypto::{Backend, Domain, FUZZING_SIGNATURE, PublicKey, SecretKey};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::{ChipId, Generation, KeyId, TicketSerial};
use eticket_core::keys::KeySet;
use eticket_core::revocation::{RevocationDelta, RevocationList, RevocationReason, Revoked};
use eticket_core::rollover::RootRollover;
use eticket_core::transfer::TransferRequest;
use eticket_fuzz::{grant_key, keys, list_key, root_key, ticket_key};
use libfuzzer_sys::fuzz_target;
use p256::ecdsa::signature::hazmat::PrehashSigner;
use sha2::{Digest, Sha256};

/// The P-256 group order n, big-endian.
const ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

#[derive(Debug, Arbitrary)]
enum Scalar {
    Zero,
    One,
    /// n − 1 − k
    BelowOrder(u8),
    /// n + k
    Order(u8),
    /// ⌊n/2⌋ + k − 128: either side of the low-S bound.
    HalfOrder(u8),
    Max,
    Bytes([u8; 32]),
}

#[derive(Debug, Arbitrary)]
enum Edit {
    Keep,
    /// s → n − s: the other valid signature, high S.
    HighS,
    R(Scalar),
    S(Scalar),
    SwapRS,
    FlipBit(u16),
    Raw([u8; 64]),
}

#[derive(Debug, Arbitrary)]
struct Case {
    format: u8,
    /// A new body in place of the real one.
    body: Option<Vec<u8>>,
    /// Sign the (new) message for real, or keep the old signature.
    resign: bool,
    edits: Vec<Edit>,
}

/// A real signer: the p256 crate on its own, RFC 6979, low S.
struct Signer(p256::ecdsa::SigningKey);

impl Signer {
    fn new(fill: u8) -> Self {
        Self(p256::ecdsa::SigningKey::from_slice(&[fill; 32]).expect("a valid scalar"))
    }

    fn sign(&self, domain: Domain, message: &[u8]) -> [u8; 64] {
        let digest = Sha256::new()
            .chain_update(domain.tag())
            .chain_update(message)
            .finalize();
        let sig: p256::ecdsa::Signature = self.0.sign_prehash(&digest).expect("signs");
        sig.normalize_s().unwrap_or(sig).to_bytes().into()
    }
}

/// How a format's message is laid out and read back.
struct Format {
    domain: Domain,
    signer: Signer,
    public: PublicKey,
    /// The bytes signed: header and body (the signature is appended).
    message: Vec<u8>,
    /// Header bytes before the body.
    header: usize,
    signature: [u8; 64],
    /// Decode a message carrying the fuzzing tag, encode it again, decode
    /// again: `None` if the body does not decode, else whether the round
    /// trip agreed.
    round_trip: fn(&[u8]) -> Option<bool>,
}

fn strip(mut tagged: Vec<u8>) -> Vec<u8> {
    tagged.truncate(tagged.len() - 64);
    tagged
}

fn same<T: PartialEq>(
    bytes: &[u8],
    decode: impl Fn(&[u8]) -> Option<T>,
    encode: impl Fn(&T) -> Option<Vec<u8>>,
) -> Option<bool> {
    let value = decode(bytes)?;
    let again = encode(&value);
    Some(again.as_deref() == Some(bytes) && again.and_then(|a| decode(&a)) == Some(value))
}

fn chip_key() -> &'static (SecretKey, PublicKey, ChipId) {
    static CHIP: OnceLock<(SecretKey, PublicKey, ChipId)> = OnceLock::new();
    CHIP.get_or_init(|| {
        let secret = SecretKey::from_bytes(&[0x21; 32]).expect("a valid scalar");
        let public = secret.public_key();
        let id = ChipId::from_public_key(&public.to_uncompressed());
        (secret, public, id)
    })
}

fn formats() -> &'static [Format] {
    static FORMATS: OnceLock<Vec<Format>> = OnceLock::new();
    FORMATS.get_or_init(|| {
        let (chip_secret, chip_public, chip) = chip_key().clone();
        let revoked = vec![Revoked {
            serial: TicketSerial(3),
            generation: Generation(1),
            reason: RevocationReason::Replaced,
        }];
        let grant = |op| Grant {
            op,
            chip,
            counter: 7,
            slot: 1,
            payload_hash: payload_hash(b"ticket"),
            expires: fixtures::NOW,
        };
        let mut out = Vec::new();
        let mut add =
            |domain, fill: u8, public: &PublicKey, tagged: Vec<u8>, header, round_trip| {
                let signer = Signer::new(fill);
                let message = strip(tagged);
                let signature = signer.sign(domain, &message);
                out.push(Format {
                    domain,
                    signer,
                    public: public.clone(),
                    message,
                    header,
                    signature,
                    round_trip,
                });
            };
        let t = &ticket_key().pair;
        let g = &grant_key().pair;
        let l = &list_key().pair;
        let r = &root_key().pair;
        add(
            Domain::Ticket,
            0x11,
            &ticket_key().public,
            fixtures::paper_ticket(TicketSerial(9))
                .sign(t)
                .unwrap()
                .into_bytes(),
            3,
            |b| {
                same(
                    b,
                    |b| {
                        eticket_core::ticket::verify(b, keys(), fixtures::NOW)
                            .ok()
                            .map(|v| v.body)
                    },
                    |v| v.sign(&ticket_key().pair).ok().map(|s| s.into_bytes()),
                )
            },
        );
        add(
            Domain::WriteGrant,
            0x22,
            &grant_key().public,
            grant(GrantOp::Write).sign(g).unwrap(),
            3,
            |b| {
                same(
                    b,
                    |b| {
                        Grant::verify(b, GrantOp::Write, keys(), fixtures::NOW)
                            .ok()
                            .map(|v| v.grant)
                    },
                    |v| v.sign(&grant_key().pair).ok(),
                )
            },
        );
        add(
            Domain::DeleteGrant,
            0x22,
            &grant_key().public,
            grant(GrantOp::Delete).sign(g).unwrap(),
            3,
            |b| {
                same(
                    b,
                    |b| {
                        Grant::verify(b, GrantOp::Delete, keys(), fixtures::NOW)
                            .ok()
                            .map(|v| v.grant)
                    },
                    |v| v.sign(&grant_key().pair).ok(),
                )
            },
        );
        let list = RevocationList::new(fixtures::EVENT, 4, fixtures::NOW, revoked.clone()).unwrap();
        add(
            Domain::RevocationList,
            0x33,
            &list_key().public,
            list.to_signed_bytes(l).unwrap(),
            3,
            |b| {
                same(
                    b,
                    |b| RevocationList::from_signed_bytes(b, keys(), fixtures::NOW).ok(),
                    |v| v.to_signed_bytes(&list_key().pair).ok(),
                )
            },
        );
        let delta = RevocationDelta {
            event: fixtures::EVENT,
            from_version: 4,
            to_version: 5,
            issued_at: fixtures::NOW,
            next_update: fixtures::NOW.plus(600),
            added: revoked,
        };
        add(
            Domain::RevocationDelta,
            0x33,
            &list_key().public,
            delta.to_signed_bytes(l).unwrap(),
            3,
            |b| {
                same(
                    b,
                    |b| RevocationDelta::from_signed_bytes(b, keys(), fixtures::NOW).ok(),
                    |v| v.to_signed_bytes(&list_key().pair).ok(),
                )
            },
        );
        add(
            Domain::KeySet,
            0x44,
            &root_key().public,
            keys().to_signed_bytes(r).unwrap(),
            3,
            |b| {
                let root = root_key();
                same(
                    b,
                    |b| KeySet::from_signed_bytes(b, root.id(), &root.public).ok(),
                    |v| v.to_signed_bytes(&root.pair).ok(),
                )
            },
        );
        let request = TransferRequest {
            event: fixtures::EVENT,
            serial: TicketSerial(9),
            generation: Generation(0),
            ticket_hash: [5; 32],
            from: chip,
            to: fixtures::CHIP,
            nonce: 1,
            requested_at: fixtures::NOW,
        };
        add(
            Domain::TransferRequest,
            0x21,
            &chip_public,
            request.sign(&chip_secret).unwrap(),
            1,
            |b| {
                same(
                    b,
                    |b| TransferRequest::verify(b, &chip_key().1).ok(),
                    |v| v.sign(&chip_key().0).ok(),
                )
            },
        );
        let cancel = TransferCancel {
            event: fixtures::EVENT,
            serial: TicketSerial(9),
            generation: Generation(0),
            ticket_hash: [5; 32],
            from: chip,
            transfer: [6; 32],
            nonce: 2,
            requested_at: fixtures::NOW,
        };
        add(
            Domain::TransferCancel,
            0x21,
            &chip_public,
            cancel.sign(&chip_secret).unwrap(),
            1,
            |b| {
                same(
                    b,
                    |b| TransferCancel::verify(b, &chip_key().1).ok(),
                    |v| v.sign(&chip_key().0).ok(),
                )
            },
        );
        // A challenge answer: the message is the chip id and the challenge,
        // nothing to decode.
        let mut answer = challenge_message(chip, &[8; 32]).to_vec();
        answer.extend_from_slice(&FUZZING_SIGNATURE);
        add(Domain::ChipChallenge, 0x21, &chip_public, answer, 0, |_| {
            None
        });
        let cert = ChipCertificate::new(chip_public.clone(), fixtures::NOW);
        add(
            Domain::ChipCertificate,
            0x22,
            &grant_key().public,
            cert.to_signed_bytes(g).unwrap(),
            3,
            |b| {
                same(
                    b,
                    |b| ChipCertificate::from_signed_bytes(b, keys(), fixtures::NOW).ok(),
                    |v| v.to_signed_bytes(&grant_key().pair).ok(),
                )
            },
        );
        let update = ChipKeyUpdate {
            epoch: 2,
            keys: vec![(grant_key().id(), grant_key().public.clone())],
        };
        add(
            Domain::ChipKeyUpdate,
            0x22,
            &grant_key().public,
            update.to_signed_bytes(g).unwrap(),
            3,
            |b| {
                let g = grant_key();
                same(
                    b,
                    |b| ChipKeyUpdate::verify(b, g.id(), &g.public).ok(),
                    |v| v.to_signed_bytes(&g.pair).ok(),
                )
            },
        );
        let rollover = RootRollover {
            new_id: KeyId(101),
            new_public: chip_public.clone(),
            issued_at: fixtures::NOW,
        };
        add(
            Domain::RootRollover,
            0x44,
            &root_key().public,
            rollover.to_signed_bytes(r).unwrap(),
            3,
            |b| {
                let root = root_key();
                same(
                    b,
                    |b| RootRollover::from_signed_bytes(b, root.id(), &root.public).ok(),
                    |v| v.to_signed_bytes(&root.pair).ok(),
                )
            },
        );
        out
    })
}

/// a − b (mod 2^256), big-endian.
fn sub(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        out[i] = (d + 256 * borrow) as u8;
    }
    out
}

/// a + k (mod 2^256), big-endian.
fn add_small(a: &[u8; 32], k: u8) -> [u8; 32] {
    let mut out = *a;
    let mut carry = u16::from(k);
    for byte in out.iter_mut().rev() {
        let s = u16::from(*byte) + carry;
        *byte = s as u8;
        carry = s >> 8;
    }
    out
}

fn scalar(s: &Scalar) -> [u8; 32] {
    match s {
        Scalar::Zero => [0; 32],
        Scalar::One => add_small(&[0; 32], 1),
        Scalar::BelowOrder(k) => sub(
            &sub(&ORDER, &add_small(&[0; 32], 1)),
            &add_small(&[0; 32], *k),
        ),
        Scalar::Order(k) => add_small(&ORDER, *k),
        Scalar::HalfOrder(k) => {
            let mut half = [0u8; 32];
            let mut rem = 0u16;
            for (h, &o) in half.iter_mut().zip(&ORDER) {
                let v = (rem << 8) | u16::from(o);
                *h = (v / 2) as u8;
                rem = v % 2;
            }
            sub(&add_small(&half, *k), &add_small(&[0; 32], 128))
        }
        Scalar::Max => [0xFF; 32],
        Scalar::Bytes(b) => *b,
    }
}

fn edit(sig: &mut [u8; 64], e: &Edit) {
    let (r, s) = sig.split_at_mut(32);
    match e {
        Edit::Keep => {}
        Edit::HighS => {
            let high = sub(&ORDER, &<[u8; 32]>::try_from(&*s).expect("32 bytes"));
            s.copy_from_slice(&high);
        }
        Edit::R(v) => r.copy_from_slice(&scalar(v)),
        Edit::S(v) => s.copy_from_slice(&scalar(v)),
        Edit::SwapRS => {
            let old_r = <[u8; 32]>::try_from(&*r).expect("32 bytes");
            r.copy_from_slice(s);
            s.copy_from_slice(&old_r);
        }
        Edit::FlipBit(i) => sig[usize::from(*i) / 8 % 64] ^= 1 << (i % 8),
        Edit::Raw(b) => *sig = *b,
    }
}

fuzz_target!(|case: Case| {
    let all = formats();
    let f = &all[usize::from(case.format) % all.len()];
    let mut message = f.message.clone();
    if let Some(body) = &case.body {
        message.truncate(f.header);
        message.extend_from_slice(body);
    }
    let mut sig = if case.resign {
        f.signer.sign(f.domain, &message)
    } else {
        f.signature
    };
    for e in case.edits.iter().take(4) {
        edit(&mut sig, e);
    }
    let p256 = f
        .public
        .verify_with(Backend::P256, f.domain, &message, &sig);
    let ring = f
        .public
        .verify_with(Backend::Ring, f.domain, &message, &sig);
    assert_eq!(p256, ring, "the backends disagree");
    // Past the range and low-S checks both paths call the same backend
    // with the same signature; before them (out of range, high S) ask the
    // backends alone too, and the check in front may only refuse more, and
    // only as high S.
    let parses_low =
        p256::ecdsa::Signature::from_slice(&sig).is_ok_and(|s| s.normalize_s().is_none());
    if !parses_low {
        let p256_alone = f
            .public
            .verify_backend_only(Backend::P256, f.domain, &message, &sig);
        let ring_alone = f
            .public
            .verify_backend_only(Backend::Ring, f.domain, &message, &sig);
        assert_eq!(p256_alone, ring_alone, "the backends alone disagree");
        assert!(p256.is_err(), "admitted a signature out of range or high S");
        if p256_alone.is_ok() {
            assert_eq!(p256, Err(eticket_core::Error::HighS));
        }
    }
    if p256.is_ok() {
        // An accepted message: its format decodes, encodes and decodes the
        // body to the same value (read here through the fuzzing tag).
        let mut tagged = message.clone();
        tagged.extend_from_slice(&FUZZING_SIGNATURE);
        if let Some(agreed) = (f.round_trip)(&tagged) {
            assert!(agreed, "decode → encode → decode differs");
        }
    }
});
