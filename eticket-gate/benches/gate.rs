//! The gate's cost per ticket, against one raw P-256 verification:
//!
//! - `raw_p256_verify`: one signature check (the floor for any admission);
//! - `decision/paper`: core's decision on a paper ticket as the gate runs it;
//! - `decision/chip_with_challenge`: fresh challenge, the chip's answer
//!   verified, and the decision on its ticket (two verifications: the floor is
//!   two raw ones);
//! - `anti_passback/*`: presence look-up and full scans (verification, the
//!   anti-passback transaction and the log line, synced to disk) with 0 and
//!   100 000 tickets already admitted.
//!
//! Run: `cargo bench -p eticket-gate --features fast -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use criterion::{Criterion, criterion_group, criterion_main};
use eticket_core::admission::{GateContext, Presented, decide};
use eticket_core::chipauth::{CHALLENGE_LEN, verify_answer};
use eticket_core::crypto::Domain;
use eticket_core::fixtures;
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::{Holder, TicketBody};
use eticket_gate::chip::{PresentedChip, TestCard};
use eticket_gate::{EntryLog, PassbackPolicy, TrustStore, VenueUnit};
use rand_core::{OsRng, RngCore};
use rusqlite::params;

fn decisions(c: &mut Criterion) {
    let event = fixtures::small_event();
    let keys = fixtures::key_set();
    let revoked = RevocationList::empty(event.id);
    let ctx = GateContext::new(&event, &keys, &revoked, fixtures::NOW).unwrap();
    let paper = fixtures::paper_ticket(TicketSerial(1))
        .sign(&fixtures::ticket_key())
        .unwrap();

    // The raw floor: one ECDSA P-256 / SHA-256 verification of a ticket-sized message.
    let key = fixtures::ticket_key();
    let message = paper.as_bytes()[..paper.as_bytes().len() - 64].to_vec();
    let signature = key.secret().sign(Domain::Ticket, &message).unwrap();
    let public = key.public_key();
    c.bench_function("raw_p256_verify", |b| {
        b.iter(|| public.verify(Domain::Ticket, &message, &signature).unwrap())
    });

    c.bench_function("decision/paper", |b| {
        b.iter(|| assert!(decide(paper.as_bytes(), Presented::Paper, &ctx).is_admit()))
    });

    let mut card = TestCard::generate();
    let body = TicketBody {
        holder: Holder::Chip(card.id()),
        ..fixtures::chip_ticket(TicketSerial(2))
    };
    card.store(&body.sign(&fixtures::ticket_key()).unwrap());
    // The gate's side of a chip admission; the chip signs off the clock (its
    // own time is the card's, not the gate's).
    let who = card.identity().unwrap();
    let tickets = card.tickets().unwrap();
    let mut challenge = [0u8; CHALLENGE_LEN];
    OsRng.fill_bytes(&mut challenge);
    let answer = card.answer(&challenge).unwrap();
    c.bench_function("decision/chip_with_challenge", |b| {
        b.iter(|| {
            let mut fresh = [0u8; CHALLENGE_LEN];
            OsRng.fill_bytes(&mut fresh);
            std::hint::black_box(fresh);
            verify_answer(who.id, &who.public_key, &challenge, &answer).unwrap();
            let id = who.id;
            assert!(decide(&tickets[0], Presented::Chip(id), &ctx).is_admit());
        })
    });
}

/// A unit whose log already holds `admitted` admitted tickets (serials
/// 1..=admitted), written straight into SQLite in one transaction.
fn unit_with(admitted: u32) -> (tempfile::TempDir, VenueUnit) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("entries.db");
    drop(EntryLog::open(&path, fixtures::EVENT).unwrap());
    let mut conn = rusqlite::Connection::open(&path).unwrap();
    let tx = conn.transaction().unwrap();
    {
        let mut presence = tx
            .prepare("INSERT INTO presence (serial, entries, inside, last_at, last_gate) VALUES (?1, 1, 1, ?2, 1)")
            .unwrap();
        let mut scan = tx
            .prepare("INSERT INTO scans (scan_id, at, gate, kind, serial, record) VALUES (?1, ?2, 1, 0, ?3, x'00')")
            .unwrap();
        for s in 1..=admitted {
            let mut id = [0u8; 16];
            OsRng.fill_bytes(&mut id);
            presence
                .execute(params![s, fixtures::NOW.0 as i64])
                .unwrap();
            scan.execute(params![&id[..], fixtures::NOW.0 as i64, s])
                .unwrap();
        }
    }
    tx.commit().unwrap();
    let root = fixtures::root_key();
    let trust = TrustStore::with(
        root.id(),
        root.public_key(),
        fixtures::key_set(),
        // As the center signed it at the benchmark's time: a unit admits
        // nothing with the empty list it would otherwise start with.
        RevocationList::new(fixtures::EVENT, 0, fixtures::NOW, vec![]).unwrap(),
    );
    let unit = VenueUnit::open(
        &path,
        fixtures::small_event(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    (dir, unit)
}

fn anti_passback(c: &mut Criterion) {
    for admitted in [0u32, 100_000] {
        let (_dir, unit) = unit_with(admitted);
        let mut gate = unit.gate(GateId(1), "bench").unwrap();
        let log = unit.log();
        c.bench_function(&format!("anti_passback/presence_lookup/{admitted}"), |b| {
            let mut s = 0u32;
            b.iter(|| {
                s = s % admitted.max(1) + 1;
                std::hint::black_box(log.presence(TicketSerial(s)).unwrap());
            })
        });
        // An already-admitted ticket scanned again: verify, passback refusal, log line.
        let used = fixtures::paper_ticket(TicketSerial(admitted.max(1)))
            .sign(&fixtures::ticket_key())
            .unwrap();
        if admitted == 0 {
            gate.admit_paper(used.as_bytes(), fixtures::NOW).unwrap();
        }
        c.bench_function(&format!("anti_passback/refused_rescan/{admitted}"), |b| {
            b.iter(|| {
                let out = gate.admit_paper(used.as_bytes(), fixtures::NOW).unwrap();
                assert!(!out.is_admitted());
            })
        });
    }
}

criterion_group!(benches, decisions, anti_passback);
criterion_main!(benches);
