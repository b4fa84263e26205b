//! Writes the seed corpora of the chip's fuzz targets (`fuzz/corpus/chip_applet`,
//! `chip_apdu_parse`, `chip_answer`, `paper_payload`) from real sessions with
//! fixture grants (`fuzz/seeds.sh` runs it with the other generators):
//!
//! ```text
//! cargo run -p eticket-chip --example chip_fuzz_seeds
//! ```
//!
//! The targets are built with `--cfg fuzzing`, where the fixed
//! `FUZZING_SIGNATURE` stands for a valid signature and real ones are
//! refused, so grants and tickets carry the tag in place of their signature.

use std::path::{Path, PathBuf};

use eticket_chip::apdu::Command;
use eticket_chip::applet::Applet;
use eticket_chip::paper;
use eticket_chip::protocol::{
    AID, Personalization, Pin, encode_sign_cancel, encode_sign_transfer, encode_write,
};
use eticket_core::crypto::{FUZZING_SIGNATURE, SIGNATURE_LEN, SecretKey};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::{ChipId, TicketSerial};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;

/// `signed` with the fuzzing tag in place of its signature.
fn tagged(mut signed: Vec<u8>) -> Vec<u8> {
    let at = signed.len() - SIGNATURE_LEN;
    signed[at..].copy_from_slice(&FUZZING_SIGNATURE);
    signed
}

/// A grant signed by the fixture grant key (for a real applet).
fn signed_grant(op: GrantOp, chip: ChipId, counter: u32, slot: u8, payload: &[u8]) -> Vec<u8> {
    Grant {
        op,
        chip,
        counter,
        slot,
        payload_hash: payload_hash(payload),
        expires: fixtures::NOW,
    }
    .sign(&fixtures::grant_key())
    .unwrap()
}

/// The same grant with the fuzzing tag (for the fuzz targets).
fn grant(op: GrantOp, chip: ChipId, counter: u32, slot: u8, payload: &[u8]) -> Vec<u8> {
    tagged(signed_grant(op, chip, counter, slot, payload))
}

fn frames(apdus: &[Vec<u8>]) -> Vec<u8> {
    let mut out = vec![1u8];
    for a in apdus {
        out.extend_from_slice(&(a.len() as u16).to_be_bytes());
        out.extend_from_slice(a);
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn main() {
    let corpus = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus");
    // The chip of the chip_applet target: same key, personalized, counter 1.
    let chip = Applet::new(SecretKey::from_bytes(&[0x5E; 32]).unwrap())
        .unwrap()
        .state()
        .chip();
    let mut body = fixtures::chip_ticket(TicketSerial(7));
    body.holder = Holder::Chip(chip);
    let ticket = tagged(body.sign(&fixtures::ticket_key()).unwrap().into_bytes());
    let t = &ticket[..];
    let apdu = |cmd: Command| cmd.to_bytes().unwrap();
    let select = apdu(Command::new(0x00, 0xA4, 4, 0).with_data(AID.to_vec()));
    let info = apdu(Command::new(0x80, 0x10, 0, 0).with_le(256));
    let list = apdu(Command::new(0x80, 0x12, 0, 0).with_le(256));
    let read = apdu(Command::new(0x80, 0x14, 2, 0).with_le(256));
    let write_cmd = apdu(
        Command::new(0x80, 0x50, 0, 0)
            .with_data(encode_write(&grant(GrantOp::Write, chip, 1, 2, t), t).unwrap()),
    );
    let delete =
        apdu(Command::new(0x80, 0x52, 0, 0).with_data(grant(GrantOp::Delete, chip, 2, 2, t)));
    let auth = apdu(
        Command::new(0x00, 0x88, 0, 0)
            .with_data(vec![7; 32])
            .with_le(256),
    );
    let transfer = apdu(
        Command::new(0x80, 0x40, 2, 0).with_data(encode_sign_transfer(
            b"1234",
            ChipId([3; 16]),
            Timestamp(5),
        )),
    );
    let verify = apdu(Command::new(0x00, 0x20, 0x00, 0x81).with_data(b"1234".to_vec()));
    let wrong_pin = apdu(Command::new(0x00, 0x20, 0x00, 0x81).with_data(b"9999".to_vec()));
    let tries = apdu(Command::new(0x00, 0x20, 0x00, 0x81));
    let cancel = apdu(Command::new(0x80, 0x42, 2, 0).with_data(encode_sign_cancel(
        b"1234",
        &[4; 32],
        Timestamp(6),
    )));
    let certificate = apdu(Command::new(0x80, 0x16, 0, 0).with_le(256));
    let short_le = apdu(Command::new(0x80, 0x10, 0, 0).with_le(5));
    let get_response = apdu(Command::new(0x00, 0xC0, 0, 0).with_le(256));
    let k = fixtures::grant_key();
    let pers = apdu(
        Command::new(0x80, 0x30, 0, 0).with_data(
            Personalization::new(vec![(k.id(), k.public_key())], Pin::new(b"1234").unwrap())
                .to_bytes()
                .unwrap(),
        ),
    );
    let applet_dir = corpus.join("chip_applet");
    let sessions: Vec<(&str, Vec<Vec<u8>>)> = vec![
        (
            "write-read-delete",
            vec![
                info.clone(),
                write_cmd.clone(),
                list.clone(),
                read.clone(),
                delete.clone(),
                list.clone(),
            ],
        ),
        (
            "replay",
            vec![write_cmd.clone(), delete.clone(), write_cmd.clone()],
        ),
        (
            "auth-transfer",
            vec![
                write_cmd.clone(),
                auth.clone(),
                transfer.clone(),
                verify.clone(),
                transfer.clone(),
                verify.clone(),
                cancel.clone(),
            ],
        ),
        (
            "pin-tries",
            vec![
                tries.clone(),
                wrong_pin.clone(),
                wrong_pin.clone(),
                verify.clone(),
                wrong_pin.clone(),
                wrong_pin.clone(),
                wrong_pin.clone(),
                tries.clone(),
                certificate.clone(),
            ],
        ),
        (
            "lengths",
            vec![
                short_le.clone(),
                info.clone(),
                get_response.clone(),
                auth.clone(),
            ],
        ),
        (
            "reset",
            vec![
                vec![0xFF, 0, 0, 0],
                info.clone(),
                select.clone(),
                info.clone(),
            ],
        ),
    ];
    for (name, apdus) in &sessions {
        write(&applet_dir, name, &frames(apdus));
    }
    let mut blank = frames(&[pers.clone(), info.clone()]);
    blank[0] = 0;
    write(&applet_dir, "blank-personalize", &blank);

    let parse_dir = corpus.join("chip_apdu_parse");
    for (i, a) in [select, info, write_cmd, delete, auth, transfer, pers]
        .iter()
        .enumerate()
    {
        write(&parse_dir, &format!("apdu-{i}"), a);
    }
    write(
        &parse_dir,
        "extended",
        &apdu(
            Command::new(0x80, 0x50, 0, 0)
                .with_data(vec![1; 300])
                .with_le(65_536),
        ),
    );

    let paper_ticket = fixtures::paper_ticket(TicketSerial(9))
        .sign(&fixtures::ticket_key())
        .unwrap();
    write(
        &corpus.join("paper_payload"),
        "fixture",
        paper::encode_payload(&paper_ticket).as_bytes(),
    );
    // The answer to INTERNAL AUTHENTICATE: signature (the tag) and the chip's
    // public key, after the challenge, a mode byte and a claimed id.
    let public = Applet::new(SecretKey::from_bytes(&[0x5E; 32]).unwrap())
        .unwrap()
        .state()
        .public_key()
        .to_uncompressed();
    for (name, mode, claimed) in [("own-id", 1u8, [0u8; 16]), ("claimed", 0, chip.0)] {
        let mut seed = vec![7u8; 32];
        seed.push(mode);
        seed.extend_from_slice(&claimed);
        seed.extend_from_slice(&FUZZING_SIGNATURE);
        seed.extend_from_slice(&public);
        seed.extend_from_slice(&[0x90, 0x00]);
        write(&corpus.join("chip_answer"), name, &seed);
    }
    host_sessions(&corpus.join("chip_host"));
    println!("seeds written under {}", corpus.display());
}

/// The chip_host target's seeds: an operation byte, a flags byte, a clock
/// byte, then the responses a real applet gave to that operation of the
/// host, each after its length (signatures replaced by the fuzzing tag);
/// and a few answers that take the exchange's other paths.
fn host_sessions(dir: &Path) {
    use std::cell::RefCell;

    use eticket_chip::host::{Chip, FnTransport};
    use eticket_chip::protocol::MemberRecord;
    use eticket_core::ids::{DistributorId, MemberId};

    let parse_dir = dir.with_file_name("chip_apdu_parse");
    let log = RefCell::new(Vec::<Vec<u8>>::new());
    let mut applet = Applet::new(SecretKey::from_bytes(&[0x5E; 32]).unwrap()).unwrap();
    let chip_id = applet.state().chip();
    let mut chip = Chip::new(FnTransport::new(|apdu: &[u8]| {
        let answer = applet.process(apdu);
        log.borrow_mut().push(answer.clone());
        Ok(answer)
    }));
    let seed = |op: u8, name: &str, tag: Option<fn(&mut Vec<u8>)>| {
        let mut out = vec![op, 0, 0];
        for (i, mut answer) in log.borrow_mut().drain(..).enumerate() {
            if i == 0 {
                if let Some(tag) = tag {
                    tag(&mut answer);
                }
            }
            out.push(u8::try_from(answer.len().min(254)).unwrap());
            out.extend_from_slice(&answer[..answer.len().min(254)]);
            // The answer's data is a layout of the command set too.
            let data = &answer[..answer.len().saturating_sub(2)];
            if !data.is_empty() {
                write(&parse_dir, &format!("answer-{name}-{i}"), data);
            }
        }
        write(dir, name, &out);
    };
    let k = fixtures::grant_key();
    let pers = Personalization::new(vec![(k.id(), k.public_key())], Pin::new(b"1234").unwrap());
    // A membership card's personalization, with a certificate: every
    // field of the layout.
    let member = Personalization::new(vec![(k.id(), k.public_key())], Pin::new(b"123456").unwrap())
        .with_member(Some(MemberRecord {
            distributor: DistributorId(3),
            member: MemberId(77),
            valid_until: fixtures::NOW,
        }))
        .with_certificate(vec![0x42; 120]);
    write(
        &parse_dir,
        "personalization-member",
        &member.to_bytes().unwrap(),
    );
    write(
        &parse_dir,
        "sign-cancel",
        &encode_sign_cancel(b"1234", &[4; 32], Timestamp(6)),
    );
    chip.select().unwrap();
    seed(0, "select", None);
    chip.personalize(&pers).unwrap();
    seed(14, "personalize", None);
    chip.info().unwrap();
    seed(1, "info", None);
    let mut body = fixtures::chip_ticket(TicketSerial(7));
    body.holder = Holder::Chip(chip_id);
    let ticket = body.sign(&fixtures::ticket_key()).unwrap().into_bytes();
    let write_grant = signed_grant(GrantOp::Write, chip_id, 1, 2, &ticket);
    chip.write(&write_grant, &ticket).unwrap();
    seed(5, "write", None);
    chip.list().unwrap();
    seed(2, "list", None);
    chip.read(2).unwrap();
    seed(3, "read", Some(|a| retag(a, 2)));
    chip.tickets().unwrap();
    seed(4, "tickets", None);
    chip.prove(&[7; 32]).unwrap();
    seed(
        7,
        "prove",
        Some(|a| a[..SIGNATURE_LEN].copy_from_slice(&FUZZING_SIGNATURE)),
    );
    let _ = chip.pin_tries_left();
    seed(9, "pin-tries", None);
    chip.verify_pin(b"1234").unwrap();
    seed(8, "verify-pin", None);
    chip.sign_transfer(2, ChipId([9; 16]), fixtures::NOW, b"1234")
        .unwrap();
    seed(10, "sign-transfer", Some(|a| retag(a, 2)));
    let _ = chip.sign_cancel(2, "transfer-1", fixtures::NOW, b"1234");
    seed(11, "sign-cancel", Some(|a| retag(a, 2)));
    let _ = chip.certificate();
    seed(12, "certificate", None);
    let delete_grant = signed_grant(GrantOp::Delete, chip_id, 2, 2, &ticket);
    let _ = chip.delete(&delete_grant);
    seed(6, "delete", None);
    // The exchange's other paths: GET RESPONSE rounds, a 6Cxx re-send, a
    // reset then the answer, a wrong PIN, a chained command's links.
    let raw = |name: &str, bytes: &[u8]| write(dir, name, bytes);
    raw(
        "get-response",
        &[1, 0, 0, 2, 0x61, 0x10, 3, 1, 2, 0x61, 4, 1, 2, 0x90, 0],
    );
    raw("wrong-le", &[2, 0, 0, 2, 0x6C, 0x20, 2, 0x90, 0]);
    raw("reset", &[1, 0, 0, 255, 2, 0x90, 0, 2, 0x6A, 0x82]);
    raw("wrong-pin", &[8, 0, 0, 2, 0x63, 0xC2]);
    raw("chained", &[13, 0, 0, 2, 0x90, 0, 2, 0x90, 0]);
    raw("slow", &[1, 2, 40, 2, 0x61, 0, 2, 0x61, 0]);
}

/// The response `answer` (data then a status word) with its last
/// signature before the status replaced by the fuzzing tag.
fn retag(answer: &mut [u8], status_len: usize) {
    let end = answer.len() - status_len;
    if end >= SIGNATURE_LEN {
        answer[end - SIGNATURE_LEN..end].copy_from_slice(&FUZZING_SIGNATURE);
    }
}
