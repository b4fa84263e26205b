//! Post-processing from a real entry log: attendance, no-shows, entries per
//! gate per minute and refusals, as CSV, JSON and SVG.

mod common;

use common::*;
use eticket_core::admission::Reason;
use eticket_core::fixtures;
use eticket_core::ids::{AreaId, BlockId, DistributorId, GateId, TicketSerial};
use eticket_core::ticket::{Place, TicketBody};
use eticket_gate::record::TicketFacts;
use eticket_gate::{PassbackPolicy, Statistics};

fn issued() -> Vec<TicketBody> {
    (1..=10)
        .map(|s| {
            let mut t = fixtures::paper_ticket(TicketSerial(s));
            if s > 6 {
                t.place = Place::Area(AreaId(1));
                t.seat_type = fixtures::STANDING;
                t.distributor = DistributorId(2);
            } else if s > 3 {
                t.place = Place::Seat {
                    block: BlockId(2),
                    row: 1,
                    number: s as u16,
                };
                t.seat_type = fixtures::CAT_B;
            }
            t
        })
        .collect()
}

#[test]
fn statistics_from_a_small_evening() {
    let v = venue(PassbackPolicy::SingleEntry);
    let mut north = v.gate(1);
    let mut east = v.gate(2);
    let tickets = issued();
    // Serials 1, 2, 4, 5, 7 enter; 3, 6, 8, 9, 10 stay home.
    for (i, s) in [1u32, 2, 4, 5, 7].into_iter().enumerate() {
        let gate = if s % 2 == 0 { &mut east } else { &mut north };
        let at = fixtures::NOW.plus(i as u64 * 30);
        let out = gate
            .admit_paper(sign(&tickets[s as usize - 1]).as_bytes(), at)
            .unwrap();
        assert!(out.is_admitted(), "{out}");
    }
    // Two copies and one forgery.
    north
        .admit_paper(sign(&tickets[0]).as_bytes(), fixtures::NOW.plus(200))
        .unwrap();
    east.admit_paper(sign(&tickets[0]).as_bytes(), fixtures::NOW.plus(210))
        .unwrap();
    east.admit_paper(&[2, 0, 1], fixtures::NOW.plus(220))
        .unwrap();

    let facts: Vec<TicketFacts> = tickets.iter().map(TicketFacts::from).collect();
    let s = Statistics::compute(v.unit.event(), &v.unit.records().unwrap(), facts);
    assert_eq!((s.issued, s.attended, s.entries, s.refused), (10, 5, 5, 3));
    assert_eq!(s.no_shows, [3, 6, 8, 9, 10].map(TicketSerial).to_vec());
    let sections: Vec<_> = s
        .by_section
        .iter()
        .map(|a| (a.label.as_str(), a.issued, a.attended, a.capacity))
        .collect();
    assert_eq!(
        sections,
        vec![
            ("Standing Area", 4, 1, Some(50)),
            ("Block A", 3, 2, Some(40)),
            ("Block B", 3, 2, Some(40)),
        ]
    );
    let distributors: Vec<_> = s
        .by_distributor
        .iter()
        .map(|a| (a.key.as_str(), a.attended))
        .collect();
    assert_eq!(distributors, vec![("D1", 4), ("D2", 1)]);
    let types: Vec<_> = s
        .by_seat_type
        .iter()
        .map(|a| (a.label.as_str(), a.issued))
        .collect();
    assert_eq!(
        types,
        vec![("Category A", 3), ("Category B", 3), ("Standing", 4)]
    );
    // NOW is 14:13:20: entries at :20, :50 (minute 14:13), 14:14:20, :50, 14:15:20.
    let per_minute: Vec<_> = s
        .per_gate_minute
        .iter()
        .map(|m| (&m.minute_utc[11..16], m.gate, m.entries))
        .collect();
    assert_eq!(
        per_minute,
        vec![
            ("14:13", GateId(1), 1),
            ("14:13", GateId(2), 1),
            ("14:14", GateId(1), 1),
            ("14:14", GateId(2), 1),
            ("14:15", GateId(1), 1),
        ]
    );
    assert_eq!(s.refusals[0].label, "paper_already_used");
    assert_eq!(s.refusals[0].count, 2);
    assert_eq!(s.refusals[1].code, Reason::Malformed as u16);

    let csv = s.to_csv();
    assert!(
        csv.contains("# attendance_by_section\nkey,name,issued,attended,no_shows,capacity\r\n")
    );
    assert!(csv.contains("A1,Standing Area,4,1,3,50\r\n"));
    let json: serde_json::Value = serde_json::from_str(&s.to_json().unwrap()).unwrap();
    assert_eq!(json["attended"], 5);
    assert_eq!(json["refusals"][0]["count"], 2);
    let svg = s.to_svg();
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.trim_end().ends_with("</svg>"));
    for needle in [
        "Autumn Open Air 2026",
        "Gate 1 (North)",
        "Block A",
        "Paper already used",
        "2/3 · 67%",
    ] {
        assert!(svg.contains(needle), "{needle} missing");
    }
}
