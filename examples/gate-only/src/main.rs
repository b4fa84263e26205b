//! A minimal gate application: a venue unit over the fixture event admits a
//! paper ticket, then refuses its copy. It depends on eticket-gate alone, so
//! it compiles neither the center (HTTP server, PostgreSQL) nor the paper
//! printer (QR code, PNG): BENCHMARKS.md has its compile time and dependency
//! count.
//!
//! ```sh
//! cargo run -p eticket-example-gate-only
//! ```

use std::process::ExitCode;

use eticket_core::fixtures;
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::revocation::RevocationList;
use eticket_gate::{PassbackPolicy, TrustStore, VenueUnit};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("gate-only: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("eticket-gate-only-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let event = fixtures::small_event();
    let root = fixtures::root_key();
    let list = RevocationList::new(event.id, 0, fixtures::NOW, vec![])?;
    let trust = TrustStore::with(root.id(), root.public_key(), fixtures::key_set(), list);
    let unit = VenueUnit::open(
        dir.join("entries.db"),
        event,
        trust,
        PassbackPolicy::SingleEntry,
    )?;
    let mut gate = unit.gate(GateId(1), "north-1")?;
    let ticket = fixtures::paper_ticket(TicketSerial(1)).sign(&fixtures::ticket_key())?;
    println!("{}", gate.admit_paper(ticket.as_bytes(), fixtures::NOW)?);
    println!(
        "{}",
        gate.admit_paper(ticket.as_bytes(), fixtures::NOW.plus(60))?
    );
    drop((gate, unit));
    std::fs::remove_dir_all(&dir)?;
    Ok(())
}
