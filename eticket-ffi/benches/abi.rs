//! What the C ABI costs on top of the Rust API: a paper ticket scanned at a
//! gate through `eticket_gate_admit_paper` and through `Gate::admit_paper`
//! (both verify the signature and write the entry log; after the first scan
//! every scan is a logged "already used" refusal), and the error text lookup.
//!
//! `cargo bench -p eticket-ffi --bench abi`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::ffi::CString;
use std::hint::black_box;
use std::ptr::{null, null_mut};

use criterion::{Criterion, criterion_group, criterion_main};
use eticket::error::eticket_error;
use eticket::gate::{eticket_gate_admit_paper, eticket_outcome_free};
use eticket::keys::eticket_key_set_load;
use eticket::result::eticket_result;
use eticket::revocation::eticket_revocation_list_load;
use eticket::venue::{eticket_venue_open, eticket_venue_open_gate};
use eticket_core::fixtures::{self, NOW};
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::revocation::RevocationList;
use eticket_gate::{PassbackPolicy, TrustStore, VenueUnit};

fn admit_paper(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let paper = fixtures::paper_ticket(TicketSerial(1))
        .sign(&fixtures::ticket_key())
        .unwrap();
    let paper = paper.as_bytes();

    // Through the C ABI.
    let root = fixtures::root_key();
    let pk = root.public_key().to_uncompressed();
    let signed = fixtures::key_set().to_signed_bytes(&root).unwrap();
    let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
    let log = CString::new(dir.path().join("abi.db").to_str().unwrap()).unwrap();
    let fresh_list = RevocationList::new(fixtures::EVENT, 0, NOW, vec![])
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    let (mut keys, mut list, mut venue, mut gate) =
        (null_mut(), null_mut(), null_mut(), null_mut());
    // SAFETY: live locals of the lengths given; the handles live until the
    // process ends.
    unsafe {
        let ok = eticket_result::Ok;
        assert_eq!(
            eticket_key_set_load(
                signed.as_ptr(),
                signed.len(),
                100,
                pk.as_ptr(),
                65,
                &mut keys
            ),
            ok
        );
        // A list the center signed at the benchmark's time: with the empty
        // list a venue admits nothing and the scan would skip the entry log.
        assert_eq!(
            eticket_revocation_list_load(
                fresh_list.as_ptr(),
                fresh_list.len(),
                keys,
                NOW.0,
                &mut list
            ),
            ok
        );
        assert_eq!(
            eticket_venue_open(
                log.as_ptr(),
                event.as_ptr(),
                event.len(),
                keys,
                list,
                null(),
                &mut venue
            ),
            ok
        );
        assert_eq!(
            eticket_venue_open_gate(venue, 1, c"bench".as_ptr(), &mut gate),
            ok
        );
    }
    c.bench_function("ffi/admit_paper (C ABI)", |b| {
        b.iter(|| {
            let mut o = null_mut();
            // SAFETY: a live gate, the ticket bytes, a local out-pointer.
            unsafe {
                let r = eticket_gate_admit_paper(gate, paper.as_ptr(), paper.len(), NOW.0, &mut o);
                assert_eq!(r, eticket_result::Ok);
                eticket_outcome_free(black_box(o));
            }
        })
    });

    // The same through the Rust API.
    let trust = TrustStore::with(
        root.id(),
        root.public_key(),
        fixtures::key_set(),
        RevocationList::new(fixtures::EVENT, 0, NOW, vec![]).unwrap(),
    );
    let unit = VenueUnit::open(
        dir.path().join("rust.db"),
        fixtures::small_event(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let mut rust_gate = unit.gate(GateId(1), "bench").unwrap();
    c.bench_function("ffi/admit_paper (Rust API)", |b| {
        b.iter(|| black_box(rust_gate.admit_paper(paper, NOW).unwrap()))
    });
}

fn error_text(c: &mut Criterion) {
    let mut buf = [0 as std::ffi::c_char; 128];
    c.bench_function("ffi/eticket_error", |b| {
        b.iter(|| {
            let mut n = 0;
            // SAFETY: a live local buffer and length.
            let r = unsafe { eticket_error(black_box(207), buf.as_mut_ptr(), buf.len(), &mut n) };
            black_box((r, n))
        })
    });
}

criterion_group!(benches, admit_paper, error_text);
criterion_main!(benches);
