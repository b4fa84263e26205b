//! What the C ABI costs on top of the Rust API: a paper ticket scanned at a
//! gate through `eticket_gate_admit_paper` and through `Gate::admit_paper`
//! (both verify the signature and write the entry log; after the first scan
//! every scan is a logged "already used" refusal), and the error text lookup.
//! `benches/abi_interleaved.rs` times the two scans interleaved.
//!
//! `cargo bench -p eticket-ffi --bench abi`
#![allow(missing_docs)]

mod setup;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use eticket::error::eticket_error;

fn admit_paper(c: &mut Criterion) {
    let mut gates = setup::gates();
    c.bench_function("ffi/admit_paper (C ABI)", |b| b.iter(|| gates.scan_c()));
    c.bench_function("ffi/admit_paper (Rust API)", |b| {
        b.iter(|| gates.scan_rust())
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
