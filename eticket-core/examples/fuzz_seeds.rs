//! Writes seed corpora for the core fuzz targets into `fuzz/corpus/<target>/`.
//!
//! ```sh
//! cargo run -p eticket-core --features fixtures --example fuzz_seeds
//! ```

use std::fs;
use std::path::Path;

use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::revocation::{RevocationDelta, RevocationList, Revoked};

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let key = fixtures::ticket_key();
    for (i, serial) in [1u32, 127, 128, 100_000, u32::MAX].into_iter().enumerate() {
        let chip = fixtures::chip_ticket(TicketSerial(serial))
            .sign(&key)
            .unwrap();
        let paper = fixtures::paper_ticket(TicketSerial(serial))
            .sign(&key)
            .unwrap();
        write("ticket_verify", &format!("chip-{i}"), chip.as_bytes());
        write("ticket_verify", &format!("paper-{i}"), paper.as_bytes());
        let body = postcard::to_allocvec(&fixtures::chip_ticket(TicketSerial(serial))).unwrap();
        write("ticket_body", &format!("body-{i}"), &body);
    }
    let entries: Vec<Revoked> = (0..20)
        .map(|s| Revoked {
            serial: TicketSerial(s * 3),
            generation: Generation((s % 3) as u16),
            reason: eticket_core::revocation::RevocationReason::Revoked,
        })
        .collect();
    let list = RevocationList::new(fixtures::EVENT, 4, fixtures::NOW, entries.clone()).unwrap();
    write(
        "revocation_list",
        "list",
        &list.to_signed_bytes(&fixtures::list_key()).unwrap(),
    );
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: 4,
        to_version: 5,
        issued_at: fixtures::NOW,
        next_update: fixtures::NOW.plus(86_400),
        added: entries,
    };
    write(
        "revocation_list",
        "delta",
        &delta.to_signed_bytes(&fixtures::list_key()).unwrap(),
    );
    signed_formats();
    println!(
        "seeds written to fuzz/corpus/{{ticket_verify,ticket_body,revocation_list,signed_formats}}"
    );
}

/// One valid value of each format version 2 added.
fn signed_formats() {
    use eticket_core::cancel::{TransferCancel, transfer_ref};
    use eticket_core::certificate::ChipCertificate;
    use eticket_core::chipkeys::ChipKeyUpdate;
    use eticket_core::crypto::SecretKey;
    use eticket_core::rollover::RootRollover;
    let chip = SecretKey::from_bytes(&[0x21; 32]).unwrap();
    let from = ChipId::from_public_key(&chip.public_key().to_uncompressed());
    let cancel = TransferCancel {
        event: fixtures::EVENT,
        serial: TicketSerial(7),
        generation: Generation(0),
        ticket_hash: [3; 32],
        from,
        transfer: transfer_ref("0123456789abcdef0123456789abcdef"),
        nonce: 4,
        requested_at: fixtures::NOW,
    };
    write("signed_formats", "cancel", &cancel.sign(&chip).unwrap());
    let grant = fixtures::grant_key();
    let cert = ChipCertificate::new(chip.public_key(), fixtures::NOW);
    write(
        "signed_formats",
        "certificate",
        &cert.to_signed_bytes(&grant).unwrap(),
    );
    let update = ChipKeyUpdate {
        epoch: 1,
        keys: vec![(grant.id(), grant.public_key())],
    };
    write(
        "signed_formats",
        "key-update",
        &update.to_signed_bytes(&grant).unwrap(),
    );
    let root = fixtures::root_key();
    let rollover = RootRollover {
        new_id: KeyId(101),
        new_public: chip.public_key(),
        issued_at: fixtures::NOW,
    };
    write(
        "signed_formats",
        "rollover",
        &rollover.to_signed_bytes(&root).unwrap(),
    );
}
