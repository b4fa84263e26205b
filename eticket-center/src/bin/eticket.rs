//! The `eticket` command line: see `eticket --help`.
#![forbid(unsafe_code)]

use clap::Parser;

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
