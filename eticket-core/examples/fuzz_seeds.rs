//! Writes seed corpora for the core fuzz targets into `fuzz/corpus/<target>/`
//! (`fuzz/seeds.sh` runs it with the other generators).
//!
//! ```sh
//! cargo run -p eticket-core --features fixtures --example fuzz_seeds
//! ```
//!
//! The fuzz targets are built with `--cfg fuzzing`, where the fixed
//! [`FUZZING_SIGNATURE`] stands for a valid signature and real signatures
//! are refused without ECDSA; so every signed seed carries the tag in place
//! of its signature. (The differential target makes its own real ones.)

use std::fs;
use std::path::Path;

use eticket_core::cancel::{TransferCancel, transfer_ref};
use eticket_core::certificate::ChipCertificate;
use eticket_core::chipkeys::ChipKeyUpdate;
use eticket_core::crypto::{FUZZING_SIGNATURE, SIGNATURE_LEN, SecretKey};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::*;
use eticket_core::revocation::{RevocationDelta, RevocationList, RevocationReason, Revoked};
use eticket_core::rollover::RootRollover;
use eticket_core::transfer::TransferRequest;

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join(name), bytes).unwrap();
}

/// `signed` with the fuzzing tag in place of its signature.
fn tagged(mut signed: Vec<u8>) -> Vec<u8> {
    let at = signed.len() - SIGNATURE_LEN;
    signed[at..].copy_from_slice(&FUZZING_SIGNATURE);
    signed
}

/// The body of an envelope signed by a center key (version, key id, body,
/// signature), for the targets that wrap bodies themselves.
fn body(signed: &[u8]) -> &[u8] {
    &signed[3..signed.len() - SIGNATURE_LEN]
}

fn main() {
    tickets();
    grants();
    lists();
    key_sets();
    chip_signed();
    signed_formats();
    println!("seeds written under fuzz/corpus/ for the core targets");
}

fn tickets() {
    let key = fixtures::ticket_key();
    // ticket_verify reads a context byte first (see the target): the
    // fixture context, and the same with the seat master known.
    let verify = |name: &str, ticket: &[u8]| {
        for pick in [0u8, 0x20] {
            let mut input = vec![pick];
            input.extend_from_slice(ticket);
            write("ticket_verify", &format!("{name}-{pick:02x}"), &input);
        }
    };
    for (i, serial) in [1u32, 127, 128, 129, 130, 100_000, u32::MAX]
        .into_iter()
        .enumerate()
    {
        let chip = fixtures::chip_ticket(TicketSerial(serial))
            .sign(&key)
            .unwrap()
            .into_bytes();
        let paper = fixtures::paper_ticket(TicketSerial(serial))
            .sign(&key)
            .unwrap()
            .into_bytes();
        write("ticket_body", &format!("body-{i}"), body(&chip));
        verify(&format!("chip-{i}"), &tagged(chip));
        verify(&format!("paper-{i}"), &tagged(paper.clone()));
        write(
            "gate_paper_admission",
            &format!("paper-{i}"),
            &tagged(paper),
        );
    }
    let mut standing = fixtures::paper_ticket(TicketSerial(3));
    standing.place = eticket_core::ticket::Place::Area(AreaId(1));
    standing.seat_type = fixtures::STANDING;
    let standing = standing.sign(&key).unwrap().into_bytes();
    write("ticket_body", "standing", body(&standing));
    verify("standing", &tagged(standing));
    let mut specimen = fixtures::paper_ticket(TicketSerial(4));
    specimen.flags = eticket_core::ticket::Flags::SPECIMEN;
    verify(
        "specimen",
        &tagged(specimen.sign(&key).unwrap().into_bytes()),
    );
    let mut category_b = fixtures::chip_ticket(TicketSerial(5));
    category_b.seat_type = fixtures::CAT_B;
    verify(
        "category-b",
        &tagged(category_b.sign(&key).unwrap().into_bytes()),
    );
}

fn grants() {
    let key = fixtures::grant_key();
    for (i, op) in [GrantOp::Write, GrantOp::Delete].into_iter().enumerate() {
        let g = Grant {
            op,
            chip: fixtures::CHIP,
            counter: 3,
            slot: 1,
            payload_hash: payload_hash(b"ticket"),
            expires: fixtures::NOW.plus(600),
        }
        .sign(&key)
        .unwrap();
        write("grant", &format!("body-{i}"), body(&g));
        write("grant", &format!("grant-{i}"), &tagged(g));
    }
}

fn lists() {
    let entries: Vec<Revoked> = (0..20)
        .map(|s| Revoked {
            serial: TicketSerial(s * 3),
            generation: Generation((s % 3) as u16),
            reason: RevocationReason::Revoked,
        })
        .collect();
    let list = RevocationList::new(fixtures::EVENT, 4, fixtures::NOW, entries.clone())
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: 4,
        to_version: 5,
        issued_at: fixtures::NOW,
        next_update: fixtures::NOW.plus(86_400),
        added: entries,
    }
    .to_signed_bytes(&fixtures::list_key())
    .unwrap();
    // The target reads an `Arbitrary` case from its input; a whole message
    // still gives the fuzzer the format's structure to start from.
    write("revocation_list", "list", &tagged(list));
    write("revocation_list", "delta", &tagged(delta));
}

fn key_sets() {
    let root = fixtures::root_key();
    let set = fixtures::key_set().to_signed_bytes(&root).unwrap();
    write("signed_formats", "key-set-body", body(&set));
    write("key_set", "body", body(&set));
    write("key_set", "key-set", &tagged(set));
}

/// The chip of the transfer seeds: secret 0x21…, as in the targets.
fn chip() -> (SecretKey, ChipId) {
    let chip = SecretKey::from_bytes(&[0x21; 32]).unwrap();
    let id = ChipId::from_public_key(&chip.public_key().to_uncompressed());
    (chip, id)
}

fn chip_signed() {
    let (secret, from) = chip();
    let request = TransferRequest {
        event: fixtures::EVENT,
        serial: TicketSerial(7),
        generation: Generation(0),
        ticket_hash: [3; 32],
        from,
        to: fixtures::CHIP,
        nonce: 4,
        requested_at: fixtures::NOW,
    };
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
    for (name, signed) in [
        ("request", request.sign(&secret).unwrap()),
        ("cancel", cancel.sign(&secret).unwrap()),
    ] {
        write(
            "transfer_request",
            &format!("{name}-body"),
            &signed[1..signed.len() - SIGNATURE_LEN],
        );
        write("transfer_request", name, &tagged(signed));
    }
}

/// One valid value of each format version 2 added.
fn signed_formats() {
    let (chip, _) = chip();
    let grant = fixtures::grant_key();
    let cert = ChipCertificate::new(chip.public_key(), fixtures::NOW)
        .to_signed_bytes(&grant)
        .unwrap();
    let update = ChipKeyUpdate {
        epoch: 1,
        keys: vec![(grant.id(), grant.public_key())],
    }
    .to_signed_bytes(&grant)
    .unwrap();
    let rollover = RootRollover {
        new_id: KeyId(101),
        new_public: chip.public_key(),
        issued_at: fixtures::NOW,
    }
    .to_signed_bytes(&fixtures::root_key())
    .unwrap();
    // Key update bodies the checks refuse (postcard: epoch, key count,
    // then each key's id and its SEC1 bytes after their length): no key,
    // one id twice, a key of 33 bytes.
    let entry = &body(&update)[2..];
    let epoch = body(&update)[0];
    let mut twice = vec![epoch, 2];
    twice.extend_from_slice(entry);
    twice.extend_from_slice(entry);
    let mut short = vec![epoch, 1, entry[0], 33];
    short.extend_from_slice(&entry[2..35]);
    for (name, refused) in [
        ("no-key", vec![epoch, 0]),
        ("twice", twice),
        ("short-key", short),
    ] {
        write("signed_formats", &format!("key-update-{name}"), &refused);
    }
    for (name, signed) in [
        ("certificate", cert),
        ("key-update", update),
        ("rollover", rollover),
    ] {
        write("signed_formats", &format!("{name}-body"), body(&signed));
        write("signed_formats", name, &tagged(signed));
    }
}
