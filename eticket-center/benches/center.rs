//! Benchmarks of the center (filled in below).
fn main() {}
