//! pcscd restarts under a connected chip: the PC/SC transport re-establishes
//! its context, reconnects and selects again, and the same `Chip` goes on.
//!
//! Run by `scripts/checks/pcsc-restart.sh` (it restarts the system's pcscd, so
//! it is a check of its own, after the cargo tests):
//!
//! ```text
//! cargo build -p eticket-chip --features pcsc --bin eticket-vcard
//! cargo run -p eticket-chip --features pcsc --example pcsc_restart
//! ```

use std::process::{Command, Stdio};
use std::time::Duration;

use eticket_chip::host::Chip;
use eticket_chip::host::pcsc::{PcscTransport, list_readers, wait_for_card, wait_for_removal};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::TicketSerial;
use eticket_core::ticket::Holder;

const WAIT: Duration = Duration::from_secs(20);

fn vpcd_reader() -> String {
    list_readers()
        .expect("pcscd must run: scripts/setup/10-pcscd.sh")
        .into_iter()
        .find(|r| r.starts_with("Virtual PCD"))
        .expect("pcscd has no vpcd reader: scripts/setup/10-pcscd.sh")
}

fn main() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let exe = std::env::current_exe().unwrap();
    let vcard = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("eticket-vcard");
    assert!(
        vcard.exists(),
        "build eticket-vcard first: {}",
        vcard.display()
    );
    let state = std::env::temp_dir().join(format!("eticket-restart-{}.state", std::process::id()));
    let _ = std::fs::remove_file(&state);

    let reader = vpcd_reader();
    wait_for_removal(&reader, WAIT).expect("the vpcd reader is free");
    // Without --once the card connects again when the reader comes back.
    let mut card = Command::new(&vcard)
        .arg("--state")
        .arg(&state)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    wait_for_card(&reader, WAIT).expect("the virtual card appears");
    let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
    let k = fixtures::grant_key();
    chip.personalize(&Personalization::new(
        vec![(k.id(), k.public_key())],
        Pin::new(b"1234").unwrap(),
    ))
    .unwrap();
    let id = chip.info().unwrap().chip;
    let mut body = fixtures::chip_ticket(TicketSerial(77));
    body.holder = Holder::Chip(id);
    let ticket = body.sign(&fixtures::ticket_key()).unwrap();
    let grant = Grant {
        op: GrantOp::Write,
        chip: id,
        counter: 1,
        slot: 0,
        payload_hash: ticket.hash(),
        expires: fixtures::NOW,
    }
    .sign(&k)
    .unwrap();
    chip.write(&grant, ticket.as_bytes()).unwrap();
    println!("chip {id} written; restarting pcscd");

    let status = Command::new("bash")
        .arg(root.join("scripts/setup/10-pcscd.sh"))
        .status()
        .unwrap();
    assert!(status.success(), "restarting pcscd failed");
    let reader = vpcd_reader();
    wait_for_card(&reader, WAIT).expect("the virtual card comes back after the restart");

    // The same Chip, over a context that died with the old pcscd.
    let tickets = chip
        .tickets()
        .expect("the chip is reachable after pcscd restarted");
    assert_eq!(tickets.len(), 1);
    assert_eq!(tickets[0].ticket, ticket);
    assert_eq!(chip.authenticate(&[3; 32]).unwrap(), id);
    println!("after the restart: the same chip and ticket through a new context");

    let _ = card.kill();
    let _ = card.wait();
    let _ = std::fs::remove_file(&state);
}
