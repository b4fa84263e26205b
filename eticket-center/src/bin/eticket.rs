//! The `eticket` command line: see `eticket --help`.
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

use clap::Parser;

/// mimalloc rather than the system allocator (`eticket-center`'s Cargo.toml
/// says why; BENCHMARKS.md has the figures).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = eticket_center::cli::Cli::parse();
    match eticket_center::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("eticket: error [{}]: {e}", e.code());
            std::process::ExitCode::FAILURE
        }
    }
}
