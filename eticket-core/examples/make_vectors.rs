//! Writes the ticket test vectors (`tests/vectors/tickets.txt`) to stdout.
//!
//! ```sh
//! cargo run -p eticket-core --features fixtures --example make_vectors > eticket-core/tests/vectors/tickets.txt
//! ```
//! Signing is deterministic (RFC 6979), so the output is the same every run;
//! the `vectors` test checks the committed file against the code.

use eticket_core::crypto::Domain;
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::signed;
use eticket_core::ticket::{Flags, Holder, Place, TicketBody};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn emit(name: &str, note: &str, bytes: &[u8], expect: &str) {
    println!("name = {name}");
    println!("note = {note}");
    println!("size = {}", bytes.len());
    println!("ticket = {}", hex(bytes));
    println!("expect = {expect}");
    println!();
}

fn main() {
    let key = fixtures::ticket_key();
    let pk = key.public_key().to_uncompressed();
    println!("# eticket ticket test vectors, format version 2.");
    println!("# Keys (fixtures, public knowledge): ticket key id 1, P-256.");
    println!("secret_key = {}", hex(&key.secret().to_bytes()));
    println!("public_key = {}", hex(&pk));
    println!("# A vector: name, note, size in bytes, the signed ticket (hex), and the");
    println!("# expected verification result with the fixture key set at 2026-09-21T14:13:20Z.");
    println!();

    let chip = fixtures::chip_ticket(TicketSerial(100_000));
    let t = chip.sign(&key).unwrap();
    emit(
        "chip-seat",
        "reserved seat, chip holder: the typical chip ticket",
        t.as_bytes(),
        "ok",
    );

    let paper = fixtures::paper_ticket(TicketSerial(4711));
    emit(
        "paper-seat",
        "reserved seat on paper",
        paper.sign(&key).unwrap().as_bytes(),
        "ok",
    );

    let area = TicketBody {
        place: Place::Area(AreaId(1)),
        seat_type: fixtures::STANDING,
        flags: Flags::REENTRY,
        ..fixtures::chip_ticket(TicketSerial(120))
    };
    emit(
        "chip-area-reentry",
        "standing area, re-entry allowed",
        area.sign(&key).unwrap().as_bytes(),
        "ok",
    );

    let mut tampered = t.as_bytes().to_vec();
    tampered[10] ^= 0x01;
    emit(
        "tampered-body",
        "chip-seat with one body bit flipped",
        &tampered,
        "error BadSignature",
    );

    let mut sig_flip = t.as_bytes().to_vec();
    let last = sig_flip.len() - 1;
    sig_flip[last] ^= 0x80;
    emit(
        "tampered-signature",
        "chip-seat with one signature bit flipped",
        &sig_flip,
        "error BadSignature",
    );

    let body = postcard::to_allocvec(&chip).unwrap();
    let mut high = t.as_bytes().to_vec();
    let sig_at = high.len() - 64;
    let s = p256::ecdsa::Signature::from_slice(&high[sig_at..]).unwrap();
    let neg = p256::ecdsa::Signature::from_scalars(s.r().to_bytes(), (-*s.s().as_ref()).to_bytes())
        .unwrap();
    high[sig_at..].copy_from_slice(&neg.to_bytes());
    emit(
        "high-s",
        "chip-seat with s replaced by n - s (valid ECDSA, not low-S)",
        &high,
        "error HighS",
    );

    let mut trailing = body.clone();
    trailing.push(0);
    let sealed = signed::seal(Domain::Ticket, &key, &trailing).unwrap();
    emit(
        "trailing-byte",
        "a correctly signed body with one extra byte",
        &sealed,
        "error TrailingBytes",
    );

    // event id 2026 = varint ea 0f; overlong: ea 8f 00.
    let mut overlong = body.clone();
    assert_eq!(&overlong[..2], &[0xea, 0x0f]);
    overlong.splice(0..2, [0xea, 0x8f, 0x00]);
    let sealed = signed::seal(Domain::Ticket, &key, &overlong).unwrap();
    emit(
        "non-canonical",
        "a correctly signed body whose event id is an overlong varint",
        &sealed,
        "error NonCanonical",
    );

    let mut version = t.as_bytes().to_vec();
    version[0] = 1;
    emit(
        "unknown-version",
        "chip-seat with version byte 1 (the retired format)",
        &version,
        "error UnsupportedVersion",
    );

    let other =
        eticket_core::keys::SigningKeyPair::from_secret_bytes(KeyId(9), &[0x99; 32]).unwrap();
    emit(
        "unknown-key",
        "signed by key id 9, not in the key set",
        chip.sign(&other).unwrap().as_bytes(),
        "error UnknownKey",
    );

    emit(
        "truncated",
        "chip-seat cut to 40 bytes",
        &t.as_bytes()[..40],
        "error Truncated",
    );

    let holder = TicketBody {
        holder: Holder::Chip(ChipId([0; 16])),
        ..chip
    };
    let mut unknown_flag = postcard::to_allocvec(&holder).unwrap();
    let n = unknown_flag.len();
    unknown_flag[n - 1] = 0x80 | 0x04; // flags byte 0x84: unknown bits
    let sealed = signed::seal(Domain::Ticket, &key, &unknown_flag).unwrap();
    emit(
        "unknown-flags",
        "a correctly signed body with unknown flag bits",
        &sealed,
        "error Malformed",
    );
}
