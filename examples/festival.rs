//! The main job: one festival from plan to gate, on embedded defaults.
//!
//! An organizer defines an event and its venue, the center forms the ticket
//! master and signs tickets for chips and paper, and a gate decides offline:
//! it admits the valid tickets with guidance and refuses a forged, a revoked,
//! an expired and a wrong-event ticket, each with its reason.
//!
//! ```sh
//! cargo run --release --example festival
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use eticket_core::admission::{Decision, GateContext, Presented, decide};
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::issuing::IssuingRecord;
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet, SigningKeyPair};
use eticket_core::master::{TicketMaster, TicketState};
use eticket_core::revocation::{RevocationList, Revoked};
use eticket_core::ticket::{Flags, Holder, TicketBody};

fn main() {
    let now = fixtures::NOW;

    // 1. The organizer plans the event (c2-4): venue, schedule, seat master.
    let event = fixtures::small_event();
    event.validate().expect("event information is valid");
    println!(
        "== {} at {} ({})",
        event.name, event.venue.name, event.schedule.start
    );
    println!(
        "   {} gates, {} blocks, {} seats, {} standing places",
        event.venue.gates.len(),
        event.venue.blocks.len(),
        event.seats.seats.len(),
        event.seats.areas.iter().map(|a| a.capacity).sum::<u32>()
    );

    // 2. The center forms the ticket master (c7) and its keys.
    let mut master = TicketMaster::form(&event, &fixtures::prices()).unwrap();
    println!("== ticket master: {} tickets", master.entries.len());
    let ticket_key = fixtures::ticket_key();
    // The center's ticket key signs for every event it hosts.
    let keys = KeySet::new(1, {
        let mut e: Vec<KeyEntry> = fixtures::key_set().entries().to_vec();
        for k in &mut e {
            if k.purpose == KeyPurpose::Tickets {
                k.scope = KeyScope::AllEvents;
            }
        }
        e
    })
    .unwrap();
    let root = fixtures::root_key();
    let key_set_bytes = keys.to_signed_bytes(&root).unwrap();
    println!(
        "   key set v{} signed for gates: {} bytes",
        keys.version,
        key_set_bytes.len()
    );

    // 3. Distributors decide (c14); the center issues (c1, c29).
    let distributor = DistributorId(1);
    let mut issued = Vec::new();
    for (i, holder) in [Holder::Chip(fixtures::CHIP), Holder::Paper, Holder::Paper]
        .into_iter()
        .enumerate()
    {
        let serial = TicketSerial(1 + i as u32 * 11);
        let record = IssuingRecord {
            event: event.id,
            serial,
            distributor,
            member: Some(MemberId(500 + i as u32)),
            holder,
            decided_at: now.minus(40 * 86_400),
            hold_until: Some(now.minus(35 * 86_400)),
        };
        record.may_write_at(now.minus(30 * 86_400)).unwrap();
        let entry = master.get_mut(serial).unwrap();
        entry.distributor = Some(distributor);
        entry.transition(TicketState::Authenticated).unwrap();
        let body = TicketBody {
            event: event.id,
            serial,
            generation: entry.generation,
            place: entry.place,
            seat_type: entry.seat_type,
            valid_from: event.schedule.doors_open.minus(3600),
            valid_for: 8 * 3600,
            issued_at: now.minus(30 * 86_400),
            holder,
            distributor,
            flags: Flags::empty(),
        };
        let signed = body.sign(&ticket_key).unwrap();
        entry.transition(TicketState::Issued).unwrap();
        println!(
            "   issued {serial} to {holder:?}: {} bytes signed",
            signed.as_bytes().len()
        );
        issued.push((signed, holder));
    }

    // A hold-until time refuses an early write (c32).
    let early = IssuingRecord {
        event: event.id,
        serial: TicketSerial(99),
        distributor,
        member: None,
        holder: Holder::Paper,
        decided_at: now,
        hold_until: Some(now.plus(86_400)),
    };
    println!(
        "   early write refused: {}",
        early.may_write_at(now).unwrap_err()
    );

    // 4. Problem tickets.
    let forger = SigningKeyPair::from_secret_bytes(fixtures::TICKET_KEY, &[0x66; 32]).unwrap();
    let forged = fixtures::paper_ticket(TicketSerial(30))
        .sign(&forger)
        .unwrap();
    let revoked_serial = TicketSerial(40);
    let revoked = fixtures::paper_ticket(revoked_serial)
        .sign(&ticket_key)
        .unwrap();
    let mut expired_body = fixtures::paper_ticket(TicketSerial(41));
    expired_body.valid_from = now.minus(3 * 86_400);
    expired_body.valid_for = 86_400;
    let expired = expired_body.sign(&ticket_key).unwrap();
    let mut other_event = fixtures::paper_ticket(TicketSerial(42));
    other_event.event = EventId(1999);
    let wrong_event = other_event.sign(&ticket_key).unwrap();
    let list = RevocationList::new(
        event.id,
        1,
        now,
        vec![Revoked {
            serial: revoked_serial,
            generation: Generation(0),
        }],
    )
    .unwrap();
    let list_bytes = list.to_signed_bytes(&fixtures::list_key()).unwrap();
    println!(
        "== revocation list v{}: {} entries, {} bytes signed",
        list.version,
        list.len(),
        list_bytes.len()
    );

    // 5. The gate decides offline (c52-53, c56, c59).
    let gate_keys =
        KeySet::from_signed_bytes(&key_set_bytes, root.id(), &root.public_key()).unwrap();
    let gate_list = RevocationList::from_signed_bytes(&list_bytes, &gate_keys, now).unwrap();
    let ctx = GateContext::new(&event, &gate_keys, &gate_list, now).unwrap();
    println!("== gate decisions at {now}");
    let mut tally: BTreeMap<String, usize> = BTreeMap::new();
    let mut show = |label: &str, bytes: &[u8], presented: Presented| {
        let d = decide(bytes, presented, &ctx);
        match &d {
            Decision::Admit { guidance, ticket } => {
                println!("   ADMIT  {label:<22} {} → {guidance}", ticket.body.serial);
                *tally.entry("admitted".into()).or_default() += 1;
            }
            Decision::Reject { reason, .. } => {
                println!("   REFUSE {label:<22} [{:?}] {reason}", reason);
                *tally.entry(format!("refused: {reason:?}")).or_default() += 1;
            }
        }
    };
    for (signed, holder) in &issued {
        let presented = match holder {
            Holder::Chip(c) => Presented::Chip(*c),
            Holder::Paper => Presented::Paper,
        };
        show("issued ticket", signed.as_bytes(), presented);
    }
    show("forged ticket", forged.as_bytes(), Presented::Paper);
    show("revoked ticket", revoked.as_bytes(), Presented::Paper);
    show("expired ticket", expired.as_bytes(), Presented::Paper);
    show(
        "other event's ticket",
        wrong_event.as_bytes(),
        Presented::Paper,
    );
    show(
        "copied to another chip",
        issued[0].0.as_bytes(),
        Presented::Chip(ChipId([7; 16])),
    );
    println!("== summary");
    for (k, v) in tally {
        println!("   {k}: {v}");
    }
}
