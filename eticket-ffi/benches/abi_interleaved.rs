//! A paper scan through the C ABI against the same scan through the Rust
//! API, measured interleaved so both see the same machine: many short
//! rounds, each timing a batch of C scans and a batch of Rust scans back to
//! back (alternating which goes first), each gate on its own entry log. A
//! scan is dominated by the entry log's durable commit, whose cost drifts
//! with the disk and the load; interleaving makes the drift hit both sides
//! alike, where two criterion runs one after the other do not. Reported:
//! the median and the fastest batch of each, and their ratios.
//!
//! `cargo bench -p eticket-ffi --bench abi_interleaved`
#![allow(missing_docs)]

mod setup;

use std::time::Instant;

const ROUNDS: usize = 200;
const BATCH: u32 = 8;

fn time(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(BATCH)
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` runs one round.
    let rounds = if std::env::args().any(|a| a == "--bench") {
        ROUNDS
    } else {
        1
    };
    let mut gates = setup::gates();
    // The first scan of each gate admits; every later one is the refusal
    // measured here.
    gates.scan_c();
    gates.scan_rust();
    let (mut c, mut rust) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            c.push(time(|| gates.scan_c()));
            rust.push(time(|| gates.scan_rust()));
        } else {
            rust.push(time(|| gates.scan_rust()));
            c.push(time(|| gates.scan_c()));
        }
    }
    let (c_min, rust_min) = (min(&c), min(&rust));
    let (c_med, rust_med) = (median(&mut c), median(&mut rust));
    let ms = |s: f64| s * 1e3;
    println!("paper scan, {rounds} rounds of {BATCH} interleaved");
    println!(
        "  C ABI    median {:.3} ms  fastest {:.3} ms",
        ms(c_med),
        ms(c_min)
    );
    println!(
        "  Rust API median {:.3} ms  fastest {:.3} ms",
        ms(rust_med),
        ms(rust_min)
    );
    println!(
        "  C / Rust: median {:.3}x  fastest {:.3}x",
        c_med / rust_med,
        c_min / rust_min
    );
}
