//! Writes the test data the C examples and C tests read, from the core's
//! fixtures (fixed keys, the demo event "Autumn Open Air 2026" at
//! 2026-09-21T14:13:20Z = 1790000000):
//!
//! ```text
//! cargo run -p eticket-ffi --example c_test_data -- DIR
//! ```
//!
//! | file | what |
//! |---|---|
//! | `root.pub` | the root key (id 100) gates trust for key sets, SEC1 |
//! | `keyset.bin`, `keyset_v2.bin` | the center's signed key set, versions 1 and 2 |
//! | `revocations.bin` | signed revocation list v1: serial 13 generation 0 |
//! | `delta.bin` | signed delta v1 → v2: serial 14 generation 0 |
//! | `event.json` | the event information |
//! | `paper_1.bin`, `paper_13.bin`, `paper_14.bin` | signed paper tickets |
//! | `paper_2.txt` | paper ticket 2 as its QR code's text (`ET1:` + base45) |
//! | `card_gate.state` | a personalized card holding ticket 30 (generation 0) |
//! | `card_a.state`, `card_b.state` | personalized blank cards A and B (holder PIN `1234`) |
//! | `ticket_a.bin`, `grant_write_a.bin` | ticket 20 for card A and its write grant (at its counter) |
//! | `ticket_b.bin`, `grant_write_b.bin` | ticket 20 generation 1 for card B and its write grant (at its counter) |
//! | `grant_delete_a.bin` | the delete grant for ticket 20 on card A (after the write and the signed transfer request, each of which moves the counter on) |
//! | `chip_b.id` | card B's chip id (16 bytes), the transfer's assignee |
//! | `keyset.hex`, `revocations.hex` | `keyset.bin` and `revocations.bin` in hex, for `eticket-venue serve` |
//! | `device_north.credential`, `device_south.credential` | two gate devices' credentials at a venue unit (gates 1 and 2; fresh secrets) |
//! | `devices.json` | both, as the unit's `devices` file |
//!
//! The card state files are the format `eticket-vcard --state` serves
//! through pcscd, and `eticket_test_card_open` opens in process.

use std::path::{Path, PathBuf};

use eticket_chip::applet::{Applet, ChipState, FileStore};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures::{self, NOW};
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::{ChipId, GateId, Generation, TicketSerial};
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};
use eticket_core::ticket::{Holder, SignedTicket};
use eticket_gate::venue::DeviceCredential;

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn revoked(serial: u32) -> Revoked {
    Revoked {
        serial: TicketSerial(serial),
        generation: Generation(0),
        reason: eticket_core::revocation::RevocationReason::Revoked,
    }
}

/// A personalized blank card with the key `fill`, its state in `path`.
fn card(path: &Path, fill: u8) -> Chip<InProcessCard<FileStore>> {
    let _ = std::fs::remove_file(path);
    let secret = SecretKey::from_bytes(&[fill; 32]).unwrap();
    let state = ChipState::new(secret, 8).unwrap();
    let mut chip = Chip::connect(InProcessCard::new(Applet::with_state(
        state,
        FileStore::new(path),
    )))
    .unwrap();
    chip.personalize(&Personalization::new(
        vec![(fixtures::GRANT_KEY, fixtures::grant_key().public_key())],
        Pin::new(b"1234").unwrap(),
    ))
    .unwrap();
    chip
}

fn chip_ticket(serial: u32, generation: u16, chip: ChipId) -> SignedTicket {
    let mut body = fixtures::chip_ticket(TicketSerial(serial));
    body.generation = Generation(generation);
    body.holder = Holder::Chip(chip);
    body.sign(&fixtures::ticket_key()).unwrap()
}

fn grant(op: GrantOp, chip: ChipId, counter: u32, ticket: &SignedTicket) -> Vec<u8> {
    Grant {
        op,
        chip,
        counter,
        slot: 0,
        payload_hash: ticket.hash(),
        expires: NOW.plus(86_400),
    }
    .sign(&fixtures::grant_key())
    .unwrap()
}

fn main() {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .expect("usage: c_test_data DIR")
        .into();
    std::fs::create_dir_all(&dir).unwrap();
    let root = fixtures::root_key();
    write(&dir, "root.pub", &root.public_key().to_uncompressed());
    let keys = fixtures::key_set();
    write(&dir, "keyset.bin", &keys.to_signed_bytes(&root).unwrap());
    let mut v2 = keys.clone();
    v2.version = 2;
    write(&dir, "keyset_v2.bin", &v2.to_signed_bytes(&root).unwrap());

    let list = RevocationList::new(fixtures::EVENT, 1, NOW.minus(60), vec![revoked(13)]).unwrap();
    let list_key = fixtures::list_key();
    write(
        &dir,
        "revocations.bin",
        &list.to_signed_bytes(&list_key).unwrap(),
    );
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: 1,
        to_version: 2,
        issued_at: NOW.minus(30),
        next_update: NOW.plus(86_400),
        added: vec![revoked(14)],
    };
    write(
        &dir,
        "delta.bin",
        &delta.to_signed_bytes(&list_key).unwrap(),
    );
    write(
        &dir,
        "event.json",
        &serde_json::to_vec_pretty(&fixtures::small_event()).unwrap(),
    );
    for serial in [1, 13, 14] {
        let paper = fixtures::paper_ticket(TicketSerial(serial))
            .sign(&fixtures::ticket_key())
            .unwrap();
        write(&dir, &format!("paper_{serial}.bin"), paper.as_bytes());
    }

    let paper = fixtures::paper_ticket(TicketSerial(2))
        .sign(&fixtures::ticket_key())
        .unwrap();
    write(
        &dir,
        "paper_2.txt",
        eticket_chip::paper::encode_payload(&paper).as_bytes(),
    );

    let mut gate_card = card(&dir.join("card_gate.state"), 0xC1);
    let info = gate_card.info().unwrap();
    let ticket = chip_ticket(30, 0, info.chip);
    let g = grant(GrantOp::Write, info.chip, info.counter, &ticket);
    gate_card.write(&g, ticket.as_bytes()).unwrap();

    let a = card(&dir.join("card_a.state"), 0xA1).info().unwrap();
    let b = card(&dir.join("card_b.state"), 0xB1).info().unwrap();
    let (id_a, id_b) = (a.chip, b.chip);
    let ticket_a = chip_ticket(20, 0, id_a);
    write(&dir, "ticket_a.bin", ticket_a.as_bytes());
    write(
        &dir,
        "grant_write_a.bin",
        &grant(GrantOp::Write, id_a, a.counter, &ticket_a),
    );
    write(
        &dir,
        "grant_delete_a.bin",
        &grant(GrantOp::Delete, id_a, a.counter + 2, &ticket_a),
    );
    let ticket_b = chip_ticket(20, 1, id_b);
    write(&dir, "ticket_b.bin", ticket_b.as_bytes());
    write(
        &dir,
        "grant_write_b.bin",
        &grant(GrantOp::Write, id_b, b.counter, &ticket_b),
    );
    write(&dir, "chip_b.id", &id_b.0);

    // A networked venue: the unit's trust files and two devices.
    write(
        &dir,
        "keyset.hex",
        hex::encode(keys.to_signed_bytes(&root).unwrap()).as_bytes(),
    );
    write(
        &dir,
        "revocations.hex",
        hex::encode(list.to_signed_bytes(&list_key).unwrap()).as_bytes(),
    );
    let devices: Vec<DeviceCredential> = [("north", 1), ("south", 2)]
        .into_iter()
        .map(|(name, gate)| {
            let c = DeviceCredential::generate(name, GateId(gate)).unwrap();
            write(
                &dir,
                &format!("device_{name}.credential"),
                &serde_json::to_vec(&c).unwrap(),
            );
            c
        })
        .collect();
    write(&dir, "devices.json", &serde_json::to_vec(&devices).unwrap());
    println!("test data written to {}", dir.display());
}
