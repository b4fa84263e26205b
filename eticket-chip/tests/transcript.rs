//! A recorded APDU transcript (`tests/vectors/chip-session.apdu`): a whole
//! chip life, with fixture grants, as hex lines `> command` / `< response`.
//! Replaying it against a fresh applet with the same key must give the same
//! bytes, so any change in the applet's behaviour shows up here. Signatures
//! are hedged (RFC 6979 with added randomness); the recording applet adds a
//! fixed value instead of fresh randomness, so the file is stable; regenerate it with
//! `ETICKET_WRITE_VECTORS=1 cargo test -p eticket-chip --test transcript`.

mod common;

use common::*;
use eticket_chip::apdu::Command;
use eticket_chip::applet::Applet;
use eticket_chip::protocol::{encode_sign_transfer, encode_write};
use eticket_core::crypto::SecretKey;
use eticket_core::ids::ChipId;
use eticket_core::time::Timestamp;

const PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/vectors/chip-session.apdu"
);

fn applet() -> Applet {
    Applet::new(SecretKey::from_bytes(&[0x5E; 32]).unwrap())
        .unwrap()
        .with_fixed_hedge([0xAB; 32])
}

/// The session: (comment, command) pairs.
fn session() -> Vec<(&'static str, Vec<u8>)> {
    let id = applet().state().chip();
    let t0 = ticket(id, 100);
    let t1 = ticket(id, 101);
    let cmd = |c: Command| c.to_bytes().unwrap();
    let write = |counter, slot, t: &eticket_core::ticket::SignedTicket| {
        cmd(Command::new(0x80, 0x50, 0, 0)
            .with_data(
                encode_write(&write_grant(id, counter, slot, t.as_bytes()), t.as_bytes()).unwrap(),
            )
            .with_le(256))
    };
    vec![
        (
            "GET INFO before SELECT: refused",
            cmd(Command::new(0x80, 0x10, 0, 0).with_le(256)),
        ),
        ("SELECT the eticket application", select()),
        (
            "GET INFO: blank chip",
            cmd(Command::new(0x80, 0x10, 0, 0).with_le(256)),
        ),
        ("WRITE before PERSONALIZE: refused", write(0, 0, &t0)),
        (
            "PERSONALIZE with the fixture grant key",
            cmd(Command::new(0x80, 0x30, 0, 0).with_data(personalization().to_bytes().unwrap())),
        ),
        (
            "WRITE ticket 100 into slot 0 at counter 1",
            write(1, 0, &t0),
        ),
        (
            "WRITE ticket 101 into slot 3 at counter 2",
            write(2, 3, &t1),
        ),
        ("the first grant again: replay refused", write(1, 0, &t0)),
        ("LIST", cmd(Command::new(0x80, 0x12, 0, 0).with_le(256))),
        (
            "READ slot 3",
            cmd(Command::new(0x80, 0x14, 3, 0).with_le(256)),
        ),
        (
            "READ slot 1: empty",
            cmd(Command::new(0x80, 0x14, 1, 0).with_le(256)),
        ),
        (
            "READ slot 0 with Le 4: the exact length",
            cmd(Command::new(0x80, 0x14, 0, 0).with_le(4)),
        ),
        (
            "INTERNAL AUTHENTICATE",
            cmd(Command::new(0x00, 0x88, 0, 0)
                .with_data(vec![0xC4; 32])
                .with_le(256)),
        ),
        (
            "SIGN TRANSFER of slot 3 without the PIN: refused",
            cmd(Command::new(0x80, 0x40, 3, 0)
                .with_data(encode_sign_transfer(
                    b"",
                    ChipId([0xB2; 16]),
                    Timestamp(1_789_000_000),
                ))
                .with_le(256)),
        ),
        (
            "VERIFY a wrong PIN: 2 tries left",
            cmd(Command::new(0x00, 0x20, 0x00, 0x81).with_data(b"0000".to_vec())),
        ),
        (
            "VERIFY the holder's PIN (allows nothing by itself)",
            cmd(Command::new(0x00, 0x20, 0x00, 0x81).with_data(PIN.to_vec())),
        ),
        (
            "SIGN TRANSFER of slot 3 with the PIN in the command: nonce 3, the counter moves to 4",
            cmd(Command::new(0x80, 0x40, 3, 0)
                .with_data(encode_sign_transfer(
                    PIN,
                    ChipId([0xB2; 16]),
                    Timestamp(1_789_000_000),
                ))
                .with_le(256)),
        ),
        (
            "DELETE slot 0 at counter 4",
            cmd(Command::new(0x80, 0x52, 0, 0)
                .with_data(delete_grant(id, 4, 0, t0.as_bytes()))
                .with_le(256)),
        ),
        (
            "GET INFO: counter 5",
            cmd(Command::new(0x80, 0x10, 0, 0).with_le(256)),
        ),
        ("unknown instruction", vec![0x80, 0x7E, 0, 0]),
    ]
}

fn record() -> String {
    let mut a = applet();
    let mut out = String::from(
        "# eticket chip session, applet key 5E×32, fixture grant key; see tests/transcript.rs\n",
    );
    for (comment, cmd) in session() {
        let r = a.process(&cmd);
        out.push_str(&format!(
            "# {comment}\n> {}\n< {}\n",
            hex::encode_upper(&cmd),
            hex::encode_upper(&r)
        ));
    }
    out
}

#[test]
fn transcript_replays_byte_for_byte() {
    if std::env::var_os("ETICKET_WRITE_VECTORS").is_some() {
        std::fs::create_dir_all(std::path::Path::new(PATH).parent().unwrap()).unwrap();
        std::fs::write(PATH, record()).unwrap();
    }
    let text = std::fs::read_to_string(PATH).unwrap();
    let mut a = applet();
    let mut pending: Option<Vec<u8>> = None;
    let mut exchanges = 0;
    for (n, line) in text.lines().enumerate() {
        if let Some(hexa) = line.strip_prefix("> ") {
            pending = Some(hex::decode(hexa).unwrap());
        } else if let Some(hexa) = line.strip_prefix("< ") {
            let cmd = pending
                .take()
                .unwrap_or_else(|| panic!("line {}: a response without a command", n + 1));
            assert_eq!(hex::encode_upper(a.process(&cmd)), hexa, "line {}", n + 1);
            exchanges += 1;
        }
    }
    assert_eq!(exchanges, session().len());
    assert_eq!(
        text,
        record(),
        "the recorded session still describes this applet"
    );
}
