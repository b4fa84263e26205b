#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Benchmarks (filled in below).
fn main() {}
