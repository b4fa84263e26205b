//! The chip's costs: APDU encoding, the applet's commands in process, and
//! (with the `pcsc` feature and pcscd + vpcd running) the same commands
//! through a real PC/SC reader to a virtual card.
//!
//! ```text
//! cargo bench -p eticket-chip --all-features -- --warm-up-time 1 --measurement-time 3
//! ```
#![allow(missing_docs)]

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use eticket_chip::apdu::{Command, Response};
use eticket_chip::host::{Chip, InProcessCard, Transport};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::{ChipId, TicketSerial};
use eticket_core::ticket::{Holder, SignedTicket};
use std::hint::black_box;

fn personalization() -> Personalization {
    let k = fixtures::grant_key();
    Personalization::new(vec![(k.id(), k.public_key())], Pin::new(b"1234").unwrap())
}

fn ticket(chip: ChipId) -> SignedTicket {
    let mut body = fixtures::chip_ticket(TicketSerial(100_000));
    body.holder = Holder::Chip(chip);
    body.sign(&fixtures::ticket_key()).unwrap()
}

fn grant(op: GrantOp, chip: ChipId, counter: u32, payload: &[u8]) -> Vec<u8> {
    Grant {
        op,
        chip,
        counter,
        slot: 0,
        payload_hash: payload_hash(payload),
        expires: fixtures::NOW,
    }
    .sign(&fixtures::grant_key())
    .unwrap()
}

/// Write, read back and delete one ticket (grants made beforehand).
fn write_read_delete<T: Transport>(
    chip: &mut Chip<T>,
    id: ChipId,
    t: &SignedTicket,
    counter: u32,
    grants: &(Vec<u8>, Vec<u8>),
) {
    let m = chip.write(&grants.0, t.as_bytes()).unwrap();
    assert_eq!(m.counter, counter + 1);
    black_box(chip.read(0).unwrap());
    chip.delete(&grants.1).unwrap();
    let _ = id;
}

fn apdu(c: &mut Criterion) {
    let cmd = Command::new(0x80, 0x20, 0, 0)
        .with_data(vec![7; 240])
        .with_le(256);
    let bytes = cmd.to_bytes().unwrap();
    c.bench_function("apdu/build+parse 240-byte command", |b| {
        b.iter(|| Command::parse(&black_box(&cmd).to_bytes().unwrap()).unwrap())
    });
    let resp = Response::ok(vec![1; 110]).to_bytes();
    c.bench_function("apdu/parse 110-byte response", |b| {
        b.iter(|| Response::parse(black_box(&resp)).unwrap())
    });
    black_box(bytes);
}

fn in_process(c: &mut Criterion) {
    let mut chip = Chip::connect(InProcessCard::from_seed(b"bench")).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id);
    let next = std::cell::Cell::new(chip.info().unwrap().counter);
    c.bench_function("in-process/WRITE+READ+DELETE", |b| {
        b.iter_batched(
            || {
                let counter = next.get();
                next.set(counter + 2);
                let g = (
                    grant(GrantOp::Write, id, counter, t.as_bytes()),
                    grant(GrantOp::Delete, id, counter + 1, t.as_bytes()),
                );
                (counter, g)
            },
            |(counter, g)| write_read_delete(&mut chip, id, &t, counter, &g),
            BatchSize::SmallInput,
        )
    });
    let counter = chip.info().unwrap().counter;
    chip.write(
        &grant(GrantOp::Write, id, counter, t.as_bytes()),
        t.as_bytes(),
    )
    .unwrap();
    c.bench_function("in-process/READ", |b| b.iter(|| chip.read(0).unwrap()));
    c.bench_function("in-process/tickets (LIST+READ)", |b| {
        b.iter(|| chip.tickets().unwrap())
    });
    c.bench_function("in-process/authenticate (sign+verify)", |b| {
        b.iter(|| chip.authenticate(&[9; 32]).unwrap())
    });
}

#[cfg(feature = "pcsc")]
fn through_pcscd(c: &mut Criterion) {
    use eticket_chip::applet::{Applet, ChipState, FileStore, Store};
    use eticket_chip::host::pcsc::{PcscTransport, list_readers, wait_for_card, wait_for_removal};
    use eticket_chip::vpcd::{VPCD_PORT, VirtualCard};
    use eticket_core::crypto::SecretKey;
    use std::time::Duration;

    let reader = list_readers()
        .expect("pcscd must run (scripts/setup/10-pcscd.sh)")
        .into_iter()
        .find(|r| r.starts_with("Virtual PCD"))
        .expect("pcscd has no vpcd reader");
    wait_for_removal(&reader, Duration::from_secs(20)).expect("the vpcd reader is free");
    let path = std::env::temp_dir().join(format!("eticket-bench-{}.state", std::process::id()));
    let mut store = FileStore::new(&path);
    let state = ChipState::new(SecretKey::from_bytes(&[0x62; 32]).unwrap(), 8).unwrap();
    store.commit(&state).unwrap();
    std::thread::spawn(move || {
        let mut card = VirtualCard::new(Applet::with_state(state, store));
        let _ = card.insert(VPCD_PORT);
    });
    wait_for_card(&reader, Duration::from_secs(20)).unwrap();
    let mut chip = Chip::connect(PcscTransport::connect(&reader).unwrap()).unwrap();
    chip.personalize(&personalization()).unwrap();
    let id = chip.info().unwrap().chip;
    let t = ticket(id);
    let next = std::cell::Cell::new(chip.info().unwrap().counter);
    c.bench_function("pcscd+vpcd/WRITE+READ+DELETE (state file fsync)", |b| {
        b.iter_batched(
            || {
                let counter = next.get();
                next.set(counter + 2);
                let g = (
                    grant(GrantOp::Write, id, counter, t.as_bytes()),
                    grant(GrantOp::Delete, id, counter + 1, t.as_bytes()),
                );
                (counter, g)
            },
            |(counter, g)| write_read_delete(&mut chip, id, &t, counter, &g),
            BatchSize::SmallInput,
        )
    });
    let counter = chip.info().unwrap().counter;
    chip.write(
        &grant(GrantOp::Write, id, counter, t.as_bytes()),
        t.as_bytes(),
    )
    .unwrap();
    c.bench_function("pcscd+vpcd/GET INFO (one APDU)", |b| {
        b.iter(|| chip.info().unwrap())
    });
    c.bench_function("pcscd+vpcd/READ", |b| b.iter(|| chip.read(0).unwrap()));
    c.bench_function("pcscd+vpcd/authenticate (sign+verify)", |b| {
        b.iter(|| chip.authenticate(&[9; 32]).unwrap())
    });
    let _ = std::fs::remove_file(&path);
}

#[cfg(not(feature = "pcsc"))]
fn through_pcscd(_: &mut Criterion) {}

criterion_group!(benches, apdu, in_process, through_pcscd);
criterion_main!(benches);
