//! A scan decided at a venue unit over the network against the same scan
//! decided by a gate in the unit's own process (the baseline): the device
//! verifies the paper ticket, sends the candidate over TCP on loopback, the
//! unit runs the anti-passback transaction (`synchronous = FULL`) and
//! answers, the device mirrors the answer in its own log (another durable
//! commit). Every scan is a refused re-scan of one admitted ticket, so the
//! log grows and nothing else changes.
//!
//! Run: `cargo bench -p eticket-gate --bench venue -- --warm-up-time 1 --measurement-time 5`
#![allow(missing_docs)]

use std::net::TcpListener;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use eticket_core::fixtures;
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::revocation::RevocationList;
use eticket_gate::venue::{Device, DeviceConfig, DeviceCredential, VenueServer};
use eticket_gate::{PassbackPolicy, Refusal, Settings, TrustStore, VenueUnit};

fn unit(dir: &std::path::Path) -> VenueUnit {
    let root = fixtures::root_key();
    let unit = VenueUnit::open_with(
        dir.join("unit.db"),
        fixtures::small_event(),
        TrustStore::new(root.id(), root.public_key(), fixtures::EVENT),
        Settings::new(PassbackPolicy::SingleEntry),
    )
    .unwrap();
    unit.accept_key_set(
        &fixtures::key_set().to_signed_bytes(&root).unwrap(),
        fixtures::NOW,
    )
    .unwrap();
    let list = RevocationList::new(fixtures::EVENT, 0, fixtures::NOW, vec![])
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    unit.accept_revocation_list(&list, fixtures::NOW).unwrap();
    unit
}

fn venue(c: &mut Criterion) {
    let ticket = fixtures::paper_ticket(TicketSerial(1))
        .sign(&fixtures::ticket_key())
        .unwrap();
    let mut group = c.benchmark_group("scan");

    let dir = tempfile::tempdir().unwrap();
    let local = unit(dir.path());
    let mut gate = local.gate(GateId(1), "local").unwrap();
    assert!(
        gate.admit_paper(ticket.as_bytes(), fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    group.bench_function("in_process_gate", |b| {
        b.iter(|| {
            let out = gate.admit_paper(ticket.as_bytes(), fixtures::NOW).unwrap();
            assert_eq!(out.refusal(), Some(Refusal::PaperAlreadyUsed));
        })
    });

    let dir = tempfile::tempdir().unwrap();
    let remote = unit(dir.path());
    let credential = DeviceCredential::generate("north-1", GateId(1)).unwrap();
    let server = VenueServer::new(&remote, [credential.clone()]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || server.serve(listener));
    let root = fixtures::root_key();
    let mut config = DeviceConfig::new(
        addr.to_string(),
        credential,
        root.id(),
        root.public_key(),
        dir.path().join("device.db"),
    );
    config.deadline = Duration::from_secs(5);
    let mut device = Device::open(config, fixtures::NOW).unwrap();
    assert!(
        device
            .gate()
            .admit_paper(ticket.as_bytes(), fixtures::NOW)
            .unwrap()
            .is_admitted()
    );
    group.bench_function("device_via_unit", |b| {
        b.iter(|| {
            let out = device
                .gate()
                .admit_paper(ticket.as_bytes(), fixtures::NOW)
                .unwrap();
            assert_eq!(out.refusal(), Some(Refusal::PaperAlreadyUsed));
            assert!(!out.offline);
        })
    });
    group.finish();
}

criterion_group!(benches, venue);
criterion_main!(benches);
