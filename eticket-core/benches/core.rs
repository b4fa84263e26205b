//! Core costs: signing, ticket decode + verify, the admission decision and
//! revocation lookup, each beside its baseline (one raw P-256 verification of
//! the same message; a plain binary search).
//!
//! ```sh
//! cargo bench -p eticket-core --features fixtures                 # p256 (pure Rust)
//! cargo bench -p eticket-core --features fixtures,fast            # ring
//! ```
#![allow(missing_docs)]

use criterion::{BenchmarkId, Criterion, black_box, criterion_group, criterion_main};
use eticket_core::admission::{GateContext, Presented, decide};
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::revocation::{RevocationList, Revoked};
use eticket_core::ticket;
use p256::ecdsa::signature::Verifier;

const BACKEND: &str = if cfg!(feature = "fast") {
    "ring"
} else {
    "p256"
};

fn signing(c: &mut Criterion) {
    let key = fixtures::ticket_key();
    let body = fixtures::chip_ticket(TicketSerial(100_000));
    c.bench_function("ticket/sign (p256, RFC 6979)", |b| {
        b.iter(|| black_box(&body).sign(&key).unwrap())
    });
    #[cfg(feature = "fast-sign")]
    {
        let fast = key.clone().with_fast_signing().unwrap();
        c.bench_function("ticket/sign (ring, random nonce)", |b| {
            b.iter(|| black_box(&body).sign(&fast).unwrap())
        });
    }
}

fn verification(c: &mut Criterion) {
    let key = fixtures::ticket_key();
    let keys = fixtures::key_set();
    let signed = fixtures::chip_ticket(TicketSerial(100_000))
        .sign(&key)
        .unwrap();
    let bytes = signed.as_bytes();
    let mut g = c.benchmark_group("verify");

    // Baselines: one raw P-256/SHA-256 verification of the same 110 bytes.
    let vk =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(&key.public_key().to_uncompressed()).unwrap();
    let sig = p256::ecdsa::Signature::from_slice(&bytes[bytes.len() - 64..]).unwrap();
    g.bench_function("raw p256 verify (baseline)", |b| {
        b.iter(|| {
            let _ = vk.verify(black_box(bytes), &sig);
        })
    });
    #[cfg(feature = "fast")]
    {
        use ring::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
        let pk = key.public_key().to_uncompressed();
        let raw_sig = &bytes[bytes.len() - 64..];
        g.bench_function("raw ring verify (baseline)", |b| {
            b.iter(|| {
                let _ = UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &pk[..])
                    .verify(black_box(bytes), raw_sig);
            })
        });
    }
    g.bench_function(BenchmarkId::new("ticket decode+verify", BACKEND), |b| {
        b.iter(|| ticket::verify(black_box(bytes), &keys, fixtures::NOW).unwrap())
    });

    let event = fixtures::small_event();
    let revoked = RevocationList::new(
        event.id,
        1,
        fixtures::NOW,
        (0..10_000)
            .map(|s| Revoked {
                serial: TicketSerial(s * 2 + 1),
                generation: Generation(0),
                reason: eticket_core::revocation::RevocationReason::Revoked,
            })
            .collect(),
    )
    .unwrap();
    let ctx = GateContext::new(&event, &keys, &revoked, fixtures::NOW).unwrap();
    g.bench_function(BenchmarkId::new("admission decision", BACKEND), |b| {
        b.iter(|| {
            let d = decide(black_box(bytes), Presented::Chip(fixtures::CHIP), &ctx);
            assert!(d.is_admit());
        })
    });
    g.finish();
}

fn revocation(c: &mut Criterion) {
    let n = 1_000_000u32;
    let list = RevocationList::new(
        fixtures::EVENT,
        1,
        fixtures::NOW,
        (0..n)
            .map(|s| Revoked {
                serial: TicketSerial(s * 3),
                generation: Generation((s % 4) as u16),
                reason: eticket_core::revocation::RevocationReason::Revoked,
            })
            .collect(),
    )
    .unwrap();
    let mut i = 0u32;
    c.bench_function("revocation/lookup at 1M entries", |b| {
        b.iter(|| {
            i = i.wrapping_add(7919) % (3 * n);
            black_box(list.is_revoked(TicketSerial(i), Generation(0)))
        })
    });
    let bytes = list.to_signed_bytes(&fixtures::list_key()).unwrap();
    let keys = fixtures::key_set();
    let mut g = c.benchmark_group("revocation");
    g.sample_size(10);
    g.bench_function(
        BenchmarkId::new("verify+decode 1M-entry list", BACKEND),
        |b| {
            b.iter(|| {
                RevocationList::from_signed_bytes(black_box(&bytes), &keys, fixtures::NOW).unwrap()
            })
        },
    );
    g.finish();
}

criterion_group!(benches, signing, verification, revocation);
criterion_main!(benches);
