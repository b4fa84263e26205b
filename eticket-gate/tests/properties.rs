//! Properties of the gate's invariants: anti-passback matches a simple model
//! for any sequence of entries and exits at any gates, and every scan is
//! logged once under its own id. (The entry formats' properties are
//! eticket-entries'.)

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use common::*;
use eticket_core::fixtures;
use eticket_core::ids::TicketSerial;
use eticket_gate::chip::TestCard;
use eticket_gate::{PassbackPolicy, Refusal, ScanId};
use proptest::prelude::*;

/// Cards with one ticket each, made once (signing is the slow part).
fn cards() -> &'static Vec<TestCard> {
    static CARDS: OnceLock<Vec<TestCard>> = OnceLock::new();
    CARDS.get_or_init(|| (1..=3).map(card_with_ticket).collect())
}

#[derive(Debug, Clone, Copy)]
enum Op {
    Enter { card: usize, gate: u16 },
    Exit { card: usize, gate: u16 },
}

fn op() -> impl Strategy<Value = Op> {
    (0usize..3, 1u16..=2, any::<bool>()).prop_map(|(card, gate, exit)| {
        if exit {
            Op::Exit { card, gate }
        } else {
            Op::Enter { card, gate }
        }
    })
}

fn policy() -> impl Strategy<Value = PassbackPolicy> {
    prop_oneof![
        Just(PassbackPolicy::SingleEntry),
        Just(PassbackPolicy::ReentryAfterExit),
        // Entries(0) would refuse every ticket; a unit refuses that setting.
        (1u32..4).prop_map(PassbackPolicy::Entries),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn anti_passback_matches_the_model(policy in policy(), ops in prop::collection::vec(op(), 1..14)) {
        let v = venue(policy);
        let mut gates = [v.gate(1), v.gate(2)];
        // Model: per card, (entries, inside).
        let mut model: BTreeMap<usize, (u32, bool)> = BTreeMap::new();
        for (step, op) in ops.iter().enumerate() {
            let now = fixtures::NOW.plus(step as u64);
            match *op {
                Op::Enter { card, gate } => {
                    let mut c = cards()[card].clone();
                    let out = gates[usize::from(gate - 1)].admit_chip(&mut c, now).unwrap();
                    let (entries, inside) = model.entry(card).or_default();
                    let allowed = match policy {
                        PassbackPolicy::SingleEntry => *entries == 0,
                        PassbackPolicy::ReentryAfterExit => !*inside,
                        PassbackPolicy::Entries(n) => *entries < n,
                    };
                    prop_assert_eq!(out.is_admitted(), allowed, "step {} {:?}: {}", step, op, out);
                    if allowed {
                        *entries += 1;
                        *inside = true;
                    } else {
                        prop_assert!(matches!(
                            out.refusal(),
                            Some(Refusal::AlreadyAdmitted | Refusal::StillInside | Refusal::EntriesUsedUp)
                        ));
                    }
                }
                Op::Exit { card, gate } => {
                    let mut c = cards()[card].clone();
                    gates[usize::from(gate - 1)].exit_chip(&mut c, now).unwrap();
                    model.entry(card).or_default().1 = false;
                }
            }
        }
        // The log agrees with the model, ticket by ticket.
        for (card, (entries, _)) in &model {
            let serial = TicketSerial(*card as u32 + 1);
            prop_assert_eq!(v.unit.log().presence(serial).unwrap().entries, *entries);
        }
        let records = v.unit.records().unwrap();
        prop_assert_eq!(records.len(), ops.len());
        let ids: BTreeSet<ScanId> = records.iter().map(|r| r.scan_id).collect();
        prop_assert_eq!(ids.len(), records.len());
    }
}
