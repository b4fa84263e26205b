//! Property tests of the ledger's invariants under random request sequences:
//! no ticket is sold or issued twice, sales never exceed the allotment, and a
//! retried request returns its first answer.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use eticket_center::clock::ManualClock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::DistributionPolicy;
use eticket_center::store::Ledger;
use eticket_center::{Center, Config, Error, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::fixtures;
use eticket_core::ids::{ChipId, DistributorId, TicketSerial};
use eticket_core::ticket::Holder;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Best {
        d: u16,
        quantity: u32,
        key: u8,
        chip: Option<u8>,
    },
    Serials {
        d: u16,
        serials: Vec<u32>,
        key: u8,
    },
    Issue {
        d: u16,
        serial: u32,
        key: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1u16..=2, 1u32..=6, 0u8..12, proptest::option::of(0u8..3)).prop_map(
            |(d, quantity, key, chip)| Op::Best {
                d,
                quantity,
                key,
                chip
            }
        ),
        (
            1u16..=2,
            proptest::collection::vec(1u32..=131, 1..4),
            0u8..12
        )
            .prop_map(|(d, serials, key)| Op::Serials { d, serials, key }),
        (1u16..=2, 1u32..=130, 0u8..12).prop_map(|(d, serial, key)| Op::Issue { d, serial, key }),
    ]
}

fn center(weights: (u32, u32)) -> Center {
    let clock = Arc::new(ManualClock::new(fixtures::NOW.minus(86_400)));
    let center = Center::open_with(
        Ledger::sqlite_in_memory().unwrap(),
        clock,
        Config::default(),
    )
    .unwrap();
    let op = Principal::Operator;
    let org = Principal::Organizer(1);
    for d in [1, 2] {
        center
            .register_distributor(&op, &format!("d{d}"), DistributorId(d), "D")
            .unwrap();
    }
    center
        .register_event(
            &org,
            "r",
            &EventRegistration {
                info: fixtures::small_event(),
                prices: fixtures::prices(),
                seat_map: None,
            },
        )
        .unwrap();
    for d in [1, 2] {
        center
            .select_distributor(
                &org,
                &format!("s{d}"),
                fixtures::EVENT,
                DistributorId(d),
                DistributionPolicy::default(),
            )
            .unwrap();
    }
    let shares = vec![
        RatioShare {
            distributor: DistributorId(1),
            weight: weights.0,
            seat_type: None,
        },
        RatioShare {
            distributor: DistributorId(2),
            weight: weights.1,
            seat_type: None,
        },
    ];
    center
        .set_allotment_ratios(&org, "a", fixtures::EVENT, &AllotmentRatios { shares })
        .unwrap();
    center
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn no_double_sale_no_double_issue_and_retries_repeat(weights in (1u32..5, 1u32..5), ops in proptest::collection::vec(op(), 1..24)) {
        let center = center(weights);
        let allotment: HashMap<u16, u32> = center
            .event_stats(&Principal::Operator, fixtures::EVENT).unwrap()
            .counts.iter().filter_map(|c| c.0.map(|d| (d.0, c.2))).collect();
        // (distributor, key) -> (request description, first answer)
        let mut answers: HashMap<(u16, String), (String, Result<String, String>)> = HashMap::new();
        let mut sold: HashMap<u32, u16> = HashMap::new();
        let mut issued: HashSet<u32> = HashSet::new();
        for op in ops {
            let (d, key, desc, result): (u16, String, String, Result<String, Error>) = match &op {
                Op::Best { d, quantity, key, chip } => {
                    let holder = chip.map_or(Holder::Paper, |c| Holder::Chip(ChipId([c; 16])));
                    let req = SaleRequest { seats: SeatChoice::BestAvailable { seat_type: None, quantity: *quantity }, holder, member: None };
                    let r = center.sell(&Principal::Distributor(DistributorId(*d)), &format!("k{key}"), fixtures::EVENT, &req);
                    let desc = format!("{req:?}");
                    let retry = matches!(answers.get(&(*d, format!("k{}", key))), Some((first, Ok(_))) if *first == desc);
                    if let Ok(s) = &r { for rec in &s.records { let fresh = sold.insert(rec.serial.0, *d).is_none(); prop_assert!(fresh || retry, "ticket {} sold twice", rec.serial); } }
                    (*d, format!("k{key}"), format!("{req:?}"), r.map(|s| format!("{:?}", s.records)))
                }
                Op::Serials { d, serials, key } => {
                    let req = SaleRequest { seats: SeatChoice::Serials(serials.iter().map(|s| TicketSerial(*s)).collect()), holder: Holder::Paper, member: None };
                    let r = center.sell(&Principal::Distributor(DistributorId(*d)), &format!("k{key}"), fixtures::EVENT, &req);
                    let desc = format!("{req:?}");
                    let retry = matches!(answers.get(&(*d, format!("k{}", key))), Some((first, Ok(_))) if *first == desc);
                    if let Ok(s) = &r { for rec in &s.records { let fresh = sold.insert(rec.serial.0, *d).is_none(); prop_assert!(fresh || retry, "ticket {} sold twice", rec.serial); } }
                    (*d, format!("k{key}"), format!("{req:?}"), r.map(|s| format!("{:?}", s.records)))
                }
                Op::Issue { d, serial, key } => {
                    let desc = format!("issue {serial}");
                    let retry = matches!(answers.get(&(*d, format!("k{}", key))), Some((first, Ok(_))) if *first == desc);
                    let r = center.issue(&Principal::Distributor(DistributorId(*d)), &format!("k{key}"), fixtures::EVENT, TicketSerial(*serial), None);
                    if r.is_ok() && !retry {
                        prop_assert!(issued.insert(*serial), "ticket {serial} issued twice");
                    }
                    (*d, format!("k{key}"), format!("issue {serial}"), r.map(|x| format!("{:?}", x.ticket)))
                }
            };
            match answers.get(&(d, key.clone())) {
                Some((first_desc, Ok(first))) if *first_desc == desc => {
                    prop_assert_eq!(result.as_ref().map_err(|e| e.to_string()), Ok(first), "a retry must repeat the first answer");
                }
                Some((first_desc, Ok(_))) if *first_desc != desc => {
                    prop_assert!(matches!(result, Err(Error::IdempotencyMismatch(_))), "{:?}", result);
                }
                _ => {
                    answers.insert((d, key), (desc, result.map_err(|e| e.to_string())));
                }
            }
        }
        // The ledger agrees: sold tickets within allotments, one valid issue per issued ticket.
        let stats = center.event_stats(&Principal::Operator, fixtures::EVENT).unwrap();
        for d in [1u16, 2] {
            let past_available: u32 = stats.counts.iter().filter(|c| c.0 == Some(DistributorId(d)) && c.1 != "available").map(|c| c.2).sum();
            prop_assert_eq!(past_available as usize, sold.values().filter(|v| **v == d).count());
            prop_assert!(past_available <= allotment[&d]);
        }
        prop_assert_eq!(stats.valid_issued as usize, issued.len());
        let total: u32 = stats.counts.iter().map(|c| c.2).sum();
        prop_assert_eq!(total, 130);
    }
}
