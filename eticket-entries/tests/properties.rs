//! Properties of the entry formats: upload batches round-trip and their
//! decoder never panics, whatever the bytes; statistics and charts accept
//! any log.

use std::collections::BTreeSet;

use eticket_core::chipauth::GateChallenge;
use eticket_core::fixtures;
use eticket_core::ids::{
    AreaId, BlockId, ChipId, DistributorId, EventId, GateId, Generation, SeatType, TicketSerial,
};
use eticket_core::ticket::Place;
use eticket_core::time::Timestamp;
use eticket_entries::record::{ChipProof, Direction, EntryRecord, Medium, ScanResult, TicketFacts};
use eticket_entries::{ScanId, Statistics, UploadBatch};
use proptest::prelude::*;

fn place() -> impl Strategy<Value = Place> {
    prop_oneof![
        (any::<u16>(), any::<u16>(), any::<u16>()).prop_map(|(b, row, number)| Place::Seat {
            block: BlockId(b),
            row,
            number
        }),
        any::<u16>().prop_map(|a| Place::Area(AreaId(a))),
    ]
}

fn facts() -> impl Strategy<Value = TicketFacts> {
    (
        any::<u32>(),
        any::<u16>(),
        place(),
        any::<u8>(),
        any::<u16>(),
    )
        .prop_map(|(s, g, place, t, d)| TicketFacts {
            serial: TicketSerial(s),
            generation: Generation(g),
            place,
            seat_type: SeatType(t),
            distributor: DistributorId(d),
        })
}

fn record(event: EventId) -> impl Strategy<Value = EntryRecord> {
    (
        any::<[u8; 16]>(),
        0..=i64::MAX as u64,
        any::<u16>(),
        "[a-z0-9é-]{0,20}",
        any::<bool>(),
        prop_oneof![
            any::<[u8; 16]>().prop_map(|c| Medium::Chip(ChipId(c))),
            Just(Medium::Paper),
            Just(Medium::UnreadableChip)
        ],
        facts(),
        prop_oneof![
            (1u32..10).prop_map(|entry| ScanResult::Admitted { entry }),
            any::<u16>().prop_map(|code| ScanResult::Refused { code }),
            Just(ScanResult::Exited)
        ],
        any::<bool>(),
        (
            any::<bool>(),
            any::<[u8; 18]>(),
            any::<[u8; 32]>(),
            any::<[u8; 32]>(),
            any::<u32>(),
        ),
    )
        .prop_map(
            move |(id, at, gate, device, exit, medium, facts, result, has_ticket, proof)| {
                EntryRecord {
                    scan_id: ScanId(id),
                    event,
                    at: Timestamp(at),
                    gate: GateId(gate),
                    device,
                    direction: if exit {
                        Direction::Exit
                    } else {
                        Direction::Entry
                    },
                    medium,
                    ticket: (has_ticket || matches!(result, ScanResult::Admitted { .. }))
                        .then_some(facts),
                    result,
                    chip_proof: chip_proof(event, GateId(gate), Timestamp(at), medium, proof),
                }
            },
        )
}

/// For a chip scan, maybe a proof whose challenge names the record's event
/// and gate.
fn chip_proof(
    event: EventId,
    gate: GateId,
    at: Timestamp,
    medium: Medium,
    (present, nonce, r, s, answer_ms): (bool, [u8; 18], [u8; 32], [u8; 32], u32),
) -> Option<ChipProof> {
    if !present || !matches!(medium, Medium::Chip(_)) {
        return None;
    }
    let mut answer = [0u8; 64];
    answer[..32].copy_from_slice(&r);
    answer[32..].copy_from_slice(&s);
    let challenge = GateChallenge {
        event,
        gate,
        at,
        nonce,
    };
    Some(ChipProof {
        challenge: challenge.to_bytes(),
        answer,
        answer_ms,
    })
}

fn batch() -> impl Strategy<Value = UploadBatch> {
    (
        "[a-z]{0,12}",
        0i64..1000,
        0i64..1000,
        prop::collection::vec(record(EventId(7)), 0..12),
        prop::collection::vec(any::<[u8; 16]>(), 0..4),
    )
        .prop_map(|(unit, a, b, records, conflicts)| UploadBatch {
            unit,
            event: EventId(7),
            from_cursor: a.min(b),
            to_cursor: a.max(b),
            records,
            conflicts: conflicts.into_iter().map(eticket_entries::ScanId).collect(),
        })
}

/// A version 2 batch (before double admissions were reported).
#[derive(serde::Serialize)]
struct BatchV2<'a> {
    unit: &'a str,
    event: EventId,
    from_cursor: i64,
    to_cursor: i64,
    records: &'a [EntryRecord],
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn upload_batches_round_trip(b in batch()) {
        let wire = b.encode().unwrap();
        prop_assert_eq!(UploadBatch::decode(&wire).unwrap(), b.clone());
        let json = serde_json::to_string(&b.records).unwrap();
        let back: Vec<EntryRecord> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, b.records);
    }

    #[test]
    fn version_2_batches_still_decode(b in batch()) {
        let mut wire = vec![2u8];
        wire.extend(postcard::to_allocvec(&BatchV2 {
            unit: &b.unit,
            event: b.event,
            from_cursor: b.from_cursor,
            to_cursor: b.to_cursor,
            records: &b.records,
        }).unwrap());
        let decoded = UploadBatch::decode(&wire).unwrap();
        prop_assert_eq!(decoded.records, b.records);
        prop_assert!(decoded.conflicts.is_empty());
    }

    #[test]
    fn any_bytes_decode_to_a_batch_that_round_trips_or_an_error(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        for version in [None, Some(1u8), Some(2), Some(3)] {
            let mut wire: Vec<u8> = version.into_iter().collect();
            wire.extend_from_slice(&bytes);
            if let Ok(batch) = UploadBatch::decode(&wire) {
                let again = batch.encode().unwrap();
                prop_assert_eq!(UploadBatch::decode(&again).unwrap(), batch);
            }
        }
    }

    #[test]
    fn mutated_batches_decode_or_fail_cleanly(
        b in batch(), at in any::<prop::sample::Index>(), bit in 0u8..8
    ) {
        let mut wire = b.encode().unwrap();
        let i = at.index(wire.len());
        wire[i] ^= 1 << bit;
        if let Ok(decoded) = UploadBatch::decode(&wire) {
            // Whatever decodes is a valid batch that encodes again.
            let again = decoded.encode().unwrap();
            prop_assert_eq!(UploadBatch::decode(&again).unwrap(), decoded);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn statistics_and_charts_accept_any_log(
        records in prop::collection::vec(record(fixtures::EVENT), 0..40),
        issued in prop::collection::vec(facts(), 0..20),
    ) {
        let s = Statistics::compute(&fixtures::small_event(), &records, issued.clone());
        let attended: BTreeSet<_> = records
            .iter()
            .filter(|r| r.direction == Direction::Entry && r.is_admitted())
            .filter_map(|r| r.ticket.map(|t| t.serial))
            .collect();
        prop_assert_eq!(s.attended, attended.len() as u64);
        prop_assert!(s.no_shows.iter().all(|n| !attended.contains(n)));
        let svg = s.to_svg();
        prop_assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        prop_assert_eq!(svg.matches("<text").count(), svg.matches("</text>").count());
        let json: serde_json::Value = serde_json::from_str(&s.to_json().unwrap()).unwrap();
        prop_assert_eq!(&json["attended"], &serde_json::json!(s.attended));
        prop_assert!(s.to_csv().starts_with("# event\n"));
    }
}
