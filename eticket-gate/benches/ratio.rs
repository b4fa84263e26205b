//! The admission decision against one raw P-256 verification, measured
//! interleaved: many short rounds, each timing a small batch of raw
//! verifications and of decisions back to back. On a shared, loaded machine
//! a batch that the scheduler interrupted is slower by whole time slices, so
//! the undisturbed cost is the fastest batch: the figures are minima over the
//! rounds (noise only ever adds), and the ratios are ratios of minima.
//!
//! Run: `cargo bench -p eticket-gate --features fast --bench ratio`
#![allow(missing_docs)]

use std::hint::black_box;
use std::time::Instant;

use eticket_core::admission::{GateContext, Presented, decide};
use eticket_core::chipauth::{CHALLENGE_LEN, verify_answer};
use eticket_core::crypto::Domain;
use eticket_core::fixtures;
use eticket_core::ids::TicketSerial;
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::{Holder, TicketBody};
use eticket_gate::chip::{PresentedChip, TestCard};
use rand_core::{OsRng, RngCore};

const ROUNDS: usize = 400;
const BATCH: u32 = 8;

fn time(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        f();
    }
    start.elapsed().as_secs_f64() / f64::from(BATCH)
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn main() {
    let event = fixtures::small_event();
    let keys = fixtures::key_set();
    let revoked = RevocationList::empty(event.id);
    let ctx = GateContext::new(&event, &keys, &revoked, fixtures::NOW).unwrap();
    let paper = fixtures::paper_ticket(TicketSerial(1))
        .sign(&fixtures::ticket_key())
        .unwrap();
    let key = fixtures::ticket_key();
    let message = paper.as_bytes()[..paper.as_bytes().len() - 64].to_vec();
    let signature = key.secret().sign(Domain::Ticket, &message).unwrap();
    let public = key.public_key();

    let mut card = TestCard::generate();
    let body = TicketBody {
        holder: Holder::Chip(card.id()),
        ..fixtures::chip_ticket(TicketSerial(2))
    };
    card.store(&body.sign(&fixtures::ticket_key()).unwrap());
    let who = card.identity().unwrap();
    let tickets = card.tickets().unwrap();
    let mut challenge = [0u8; CHALLENGE_LEN];
    OsRng.fill_bytes(&mut challenge);
    let answer = card.answer(&challenge).unwrap();

    let raw = || public.verify(Domain::Ticket, &message, &signature).unwrap();
    let paper_decision = || assert!(decide(paper.as_bytes(), Presented::Paper, &ctx).is_admit());
    let chip_decision = || {
        let mut fresh = [0u8; CHALLENGE_LEN];
        OsRng.fill_bytes(&mut fresh);
        black_box(fresh);
        verify_answer(who.id, &who.public_key, &challenge, &answer).unwrap();
        assert!(decide(&tickets[0], Presented::Chip(who.id), &ctx).is_admit());
    };

    let (mut raws, mut papers, mut chips) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        raws.push(time(raw));
        papers.push(time(paper_decision));
        chips.push(time(chip_decision));
        raws.push(time(raw));
    }
    let (r, p, c) = (min(&raws), min(&papers), min(&chips));
    let backend = if cfg!(feature = "fast") {
        "ring (fast)"
    } else {
        "p256"
    };
    println!("backend: {backend}; fastest of {ROUNDS} interleaved batches of {BATCH}");
    println!("raw P-256 verify                    {:8.1} µs", r * 1e6);
    println!("decision, paper                     {:8.1} µs", p * 1e6);
    println!("decision, chip + challenge answer   {:8.1} µs", c * 1e6);
    println!("paper decision / raw verify         {:.3}x", p / r);
    println!(
        "chip decision / raw verify          {:.3}x (floor: 2 verifications)",
        c / r
    );
}
