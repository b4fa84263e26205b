//! An evening at the gates of "Festhalle Nord": chip and paper tickets arrive
//! at two gates over an hour, a few people try copies and stale tickets, some
//! never come. Writes the statistics as SVG, CSV and JSON, and the first
//! upload batch (`upload-batch.bin`, also a seed for the `gate_upload_batch`
//! fuzz target).
//!
//! ```sh
//! cargo run -p eticket-gate --example evening -- docs/gate
//! ```

use eticket_core::fixtures;
use eticket_core::ids::{AreaId, BlockId, DistributorId, GateId, Generation, TicketSerial};
use eticket_core::revocation::{RevocationList, Revoked};
use eticket_core::ticket::{Holder, Place, TicketBody};
use eticket_gate::chip::TestCard;
use eticket_gate::record::TicketFacts;
use eticket_gate::{PassbackPolicy, Statistics, TrustStore, VenueUnit};

/// A small deterministic generator (xorshift), so the chart is reproducible.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn main() {
    let out_dir = std::env::args().nth(1).unwrap_or_else(|| ".".to_owned());
    std::fs::create_dir_all(&out_dir).unwrap();
    let work = tempfile::tempdir().unwrap();
    let event = fixtures::small_event();
    let root = fixtures::root_key();
    let revoked = RevocationList::new(
        event.id,
        1,
        fixtures::NOW.minus(3600),
        (0..3)
            .map(|i| Revoked {
                serial: TicketSerial(200 + i),
                generation: Generation(0),
                reason: eticket_core::revocation::RevocationReason::Revoked,
            })
            .collect(),
    )
    .unwrap();
    let trust = TrustStore::with(root.id(), root.public_key(), fixtures::key_set(), revoked);
    let unit = VenueUnit::open(
        work.path().join("entries.db"),
        event.clone(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let mut gates = [
        unit.gate(GateId(1), "north-1").unwrap(),
        unit.gate(GateId(2), "east-1").unwrap(),
    ];
    let key = fixtures::ticket_key();
    let mut dice = Dice(0x9e37_79b9_7f4a_7c15);
    let doors = fixtures::NOW.minus(3600);

    // 80 seats and 45 standing tickets, from two distributors.
    let mut issued = Vec::new();
    let mut serial = 1;
    for block in [BlockId(1), BlockId(2)] {
        for row in 1..=4u16 {
            for number in 1..=10u16 {
                issued.push((serial, Place::Seat { block, row, number }, block.0));
                serial += 1;
            }
        }
    }
    for _ in 0..45 {
        issued.push((serial, Place::Area(AreaId(1)), 3));
        serial += 1;
    }
    let mut bodies = Vec::new();
    for (serial, place, kind) in issued {
        let card = TestCard::generate();
        let chip = dice.below(3) != 0;
        let body = TicketBody {
            place,
            seat_type: match kind {
                1 => fixtures::CAT_A,
                2 => fixtures::CAT_B,
                _ => fixtures::STANDING,
            },
            distributor: DistributorId(if dice.below(10) < 6 { 1 } else { 2 }),
            holder: if chip {
                Holder::Chip(card.id())
            } else {
                Holder::Paper
            },
            ..fixtures::chip_ticket(TicketSerial(serial))
        };
        bodies.push((body, card));
    }
    // Arrivals: most in the hour after doors open, peaking half-way; 12% stay home.
    let mut arrivals = Vec::new();
    for (body, card) in &bodies {
        if dice.below(100) < 12 {
            continue;
        }
        let minute = (dice.below(30) + dice.below(30) + dice.below(10)).min(68);
        arrivals.push((
            doors.plus(minute * 60 + dice.below(60)),
            body.clone(),
            card.clone(),
        ));
    }
    // Trouble: paper copies, a payload copied to another chip, revoked tickets.
    let mut trouble = Vec::new();
    for (body, card) in bodies
        .iter()
        .filter(|(b, _)| b.holder == Holder::Paper)
        .take(6)
    {
        trouble.push((
            doors.plus(20 * 60 + dice.below(40 * 60)),
            body.clone(),
            card.clone(),
        ));
    }
    for (body, _) in bodies
        .iter()
        .filter(|(b, _)| b.holder != Holder::Paper)
        .take(2)
    {
        trouble.push((doors.plus(35 * 60), body.clone(), TestCard::generate()));
    }
    for i in 0..3 {
        let body = TicketBody {
            holder: Holder::Paper,
            ..fixtures::chip_ticket(TicketSerial(200 + i))
        };
        trouble.push((
            doors.plus(25 * 60 + u64::from(i) * 400),
            body,
            TestCard::generate(),
        ));
    }
    arrivals.extend(trouble);
    arrivals.sort_by_key(|(at, b, _)| (*at, b.serial));

    let mut shown = 0;
    for (at, body, mut card) in arrivals {
        let signed = body.sign(&key).unwrap();
        let gate = &mut gates[usize::from(dice.below(10) < 4)];
        let outcome = match body.holder {
            Holder::Paper => gate.admit_paper(signed.as_bytes(), at).unwrap(),
            Holder::Chip(_) => {
                card.store(&signed);
                gate.admit_chip(&mut card, at).unwrap()
            }
        };
        if shown < 6 || !outcome.is_admitted() {
            println!("{} {:<8} {outcome}", at, gate.device());
            shown += 1;
        }
    }

    let facts: Vec<TicketFacts> = bodies.iter().map(|(b, _)| TicketFacts::from(b)).collect();
    let stats = Statistics::compute(&event, &unit.records().unwrap(), facts);
    let dir = std::path::Path::new(&out_dir);
    std::fs::write(dir.join("entry-statistics.svg"), stats.to_svg()).unwrap();
    std::fs::write(dir.join("entry-statistics.csv"), stats.to_csv()).unwrap();
    std::fs::write(dir.join("entry-statistics.json"), stats.to_json().unwrap()).unwrap();
    let batch = unit.pending_upload("festhalle-nord", 40).unwrap();
    std::fs::write(dir.join("upload-batch.bin"), batch.encode().unwrap()).unwrap();
    println!(
        "attended {} of {} issued, {} refused; written to {}",
        stats.attended,
        stats.issued,
        stats.refused,
        dir.display()
    );
}
