//! Several gates, each with its own connection to the same SQLite file,
//! present the same ticket at the same moment: exactly one admits. And a gate
//! process killed in the middle of admitting loses and duplicates nothing.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};

use common::*;
use eticket_core::fixtures;
use eticket_core::ids::{GateId, TicketSerial};
use eticket_gate::record::ScanResult;
use eticket_gate::{PassbackPolicy, Refusal, Settings, VenueUnit};

const GATES: usize = 6;

#[test]
fn the_same_ticket_at_six_gates_at_once_is_admitted_exactly_once() {
    let v = venue(PassbackPolicy::SingleEntry);
    let card = card_with_ticket(1);
    let paper_bytes = paper(2).into_bytes();
    for round in 0..3 {
        let barrier = Arc::new(Barrier::new(GATES));
        let handles: Vec<_> = (0..GATES)
            .map(|i| {
                let mut gate = v.gate(1 + (i % 2) as u16);
                let mut card = card.clone();
                let paper_bytes = paper_bytes.clone();
                let barrier = Arc::clone(&barrier);
                std::thread::spawn(move || {
                    barrier.wait();
                    let now = fixtures::NOW.plus(round);
                    let chip = gate.admit_chip(&mut card, now).unwrap();
                    let paper = gate.admit_paper(&paper_bytes, now).unwrap();
                    (chip, paper)
                })
            })
            .collect();
        let outcomes: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let chip_admits = outcomes.iter().filter(|(c, _)| c.is_admitted()).count();
        let paper_admits = outcomes.iter().filter(|(_, p)| p.is_admitted()).count();
        // Round 0 admits each ticket once; later rounds admit nobody.
        let expected = usize::from(round == 0);
        assert_eq!(chip_admits, expected, "round {round}");
        assert_eq!(paper_admits, expected, "round {round}");
        for (c, p) in &outcomes {
            if !c.is_admitted() {
                assert_eq!(c.refusal(), Some(Refusal::AlreadyAdmitted));
            }
            if !p.is_admitted() {
                assert_eq!(p.refusal(), Some(Refusal::PaperAlreadyUsed));
            }
        }
    }
    let records = v.unit.records().unwrap();
    assert_eq!(records.len(), 3 * GATES * 2);
    assert_eq!(records.iter().filter(|r| r.is_admitted()).count(), 2);
}

#[test]
fn separate_units_on_one_file_share_anti_passback() {
    // Two gate computers that each open the venue's database themselves.
    let v = venue(PassbackPolicy::ReentryAfterExit);
    let other = VenueUnit::open(
        v.path(),
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        PassbackPolicy::ReentryAfterExit,
    )
    .unwrap();
    let mut a = v.gate(1);
    let mut b = other.gate(GateId(2), "east").unwrap();
    let mut card = card_with_ticket(9);
    let t = fixtures::NOW;
    assert!(a.admit_chip(&mut card, t).unwrap().is_admitted());
    assert_eq!(
        b.admit_chip(&mut card, t.plus(1)).unwrap().refusal(),
        Some(Refusal::StillInside)
    );
    b.exit_chip(&mut card, t.plus(2)).unwrap();
    let again = a.admit_chip(&mut card, t.plus(3)).unwrap();
    assert_eq!(again.record.result, ScanResult::Admitted { entry: 2 });
}

#[test]
fn many_tickets_many_gates_each_admitted_once() {
    let v = venue(PassbackPolicy::SingleEntry);
    let tickets: Arc<Vec<Vec<u8>>> = Arc::new((1..=40).map(|s| paper(s).into_bytes()).collect());
    let barrier = Arc::new(Barrier::new(4));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let mut gate = v.gate(1 + (i % 2) as u16);
            let tickets = Arc::clone(&tickets);
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                // Each gate walks the tickets from another starting point.
                let mut admitted = Vec::new();
                for k in 0..tickets.len() {
                    let bytes = &tickets[(k + i * 10) % tickets.len()];
                    let out = gate.admit_paper(bytes, fixtures::NOW).unwrap();
                    if out.is_admitted() {
                        admitted.push(out.record.ticket.unwrap().serial);
                    }
                }
                admitted
            })
        })
        .collect();
    let mut all: Vec<TicketSerial> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    all.sort();
    let expected: Vec<TicketSerial> = (1..=40).map(TicketSerial).collect();
    assert_eq!(all, expected);
    assert_eq!(v.unit.log().admitted_tickets().unwrap(), 40);
}

const CRASH_DB: &str = "ETICKET_GATE_CRASH_DB";

/// The child half of the crash test, not a test of its own: ignored in a
/// normal run, spawned with `--ignored` by
/// `a_killed_gate_loses_and_duplicates_no_admission`, it admits paper
/// tickets in a loop and prints each admitted scan id once the admission
/// returned. Run by hand (`--include-ignored`) it fails rather than pass
/// without doing anything.
#[test]
#[ignore = "the child process of a_killed_gate_loses_and_duplicates_no_admission"]
fn crash_child() {
    let path = std::env::var(CRASH_DB).unwrap_or_else(|_| {
        panic!("crash_child runs only as the child of a_killed_gate_loses_and_duplicates_no_admission ({CRASH_DB} unset)")
    });
    let unit = VenueUnit::open_with(
        &path,
        fixtures::small_event(),
        trust(fixtures::key_set(), fresh_list()),
        Settings::new(PassbackPolicy::SingleEntry),
    )
    .unwrap();
    let mut gate = unit.gate(GateId(1), "crash").unwrap();
    let mut out = std::io::stdout().lock();
    for serial in 1..100_000 {
        // Every ticket twice: the second must always be refused.
        for _ in 0..2 {
            let o = gate
                .admit_paper(paper(serial).as_bytes(), fixtures::NOW)
                .unwrap();
            if o.is_admitted() {
                writeln!(out, "ADMITTED {} {}", serial, o.scan_id()).unwrap();
                out.flush().unwrap();
            }
        }
    }
}

#[test]
fn a_killed_gate_loses_and_duplicates_no_admission() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("entries.db");
    for run in 0..2 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "crash_child",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_DB, &db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut seen = BTreeMap::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if let Some(rest) = line.strip_prefix("ADMITTED ") {
                let (serial, id) = rest.split_once(' ').unwrap();
                seen.insert(id.to_owned(), serial.parse::<u32>().unwrap());
                if seen.len() == 25 {
                    // Kill it in the middle of whatever it is doing.
                    child.kill().unwrap();
                    break;
                }
            }
        }
        child.wait().unwrap();
        // Reopen: every admission the child reported is in the log, and no
        // ticket was admitted twice, across both runs.
        let unit = VenueUnit::open(
            &db,
            fixtures::small_event(),
            trust(fixtures::key_set(), fresh_list()),
            PassbackPolicy::SingleEntry,
        )
        .unwrap();
        let records = unit.records().unwrap();
        let admitted: Vec<_> = records.iter().filter(|r| r.is_admitted()).collect();
        let ids: BTreeSet<String> = admitted.iter().map(|r| r.scan_id.to_string()).collect();
        for id in seen.keys() {
            assert!(ids.contains(id), "run {run}: admission {id} was lost");
        }
        let serials: BTreeSet<u32> = admitted
            .iter()
            .map(|r| r.ticket.unwrap().serial.0)
            .collect();
        assert_eq!(
            serials.len(),
            admitted.len(),
            "run {run}: a ticket admitted twice"
        );
        assert_eq!(
            unit.log().admitted_tickets().unwrap(),
            admitted.len() as u64
        );
        for r in &records {
            if let ScanResult::Refused { code } = r.result {
                assert_eq!(Refusal::from_code(code), Some(Refusal::PaperAlreadyUsed));
            }
        }
    }
}
