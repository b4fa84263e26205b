//! The `eticket` command line.
fn main() {}
