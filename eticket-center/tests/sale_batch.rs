//! Sales decided together (`Center::sell_together`, the on-sale writer's
//! batch) answer and write exactly what `Center::sell` one after the other
//! does: the same seats, the same refusals, the same stored answers, for any
//! mix of distributors, seat types, quantities, buyers, members with limits,
//! repeated and reused idempotency keys.

#[macro_use]
mod common;

use common::world::*;
use common::{Backend, clock};
use eticket_center::distributor::{MemberRegistration, SaleRequest, SeatChoice};
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::sale_batch::SaleJob;
use eticket_center::{Center, Principal};
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::ticket::Holder;
use proptest::prelude::*;

/// D1 sells to anyone, three tickets per chip or member at most.
fn first_come_limited() -> DistributionPolicy {
    DistributionPolicy {
        kind: PolicyKind::FirstComeFirstServed,
        per_member_limit: Some(3),
        hold_until: None,
    }
}

/// D2 sells to members only, two tickets each at most.
fn limited() -> DistributionPolicy {
    DistributionPolicy {
        kind: PolicyKind::MembersOnly,
        per_member_limit: Some(2),
        hold_until: None,
    }
}

fn chip(n: u8) -> ChipId {
    ChipId([n; 16])
}

fn world(b: &Backend, c: &std::sync::Arc<eticket_center::clock::ManualClock>) -> Center {
    let center = b.center(c);
    setup(&center, first_come_limited(), limited());
    for (d, m) in [D1, D2]
        .into_iter()
        .flat_map(|d| (1..=3u8).map(move |m| (d, m)))
    {
        center
            .register_member(
                &dist(d),
                &format!("member-{d}-{m}"),
                &MemberRegistration {
                    member: MemberId(u32::from(m)),
                    name: format!("Member {m}"),
                    chip: chip(m),
                    valid_until: None,
                    public_key: None,
                },
            )
            .unwrap();
    }
    center
}

fn job() -> impl Strategy<Value = SaleJob> {
    let who = prop_oneof![
        8 => Just(dist(D1)),
        6 => Just(dist(D2)),
        1 => Just(Principal::Organizer(1)),
    ];
    let seat_type = prop_oneof![
        4 => Just(None),
        2 => Just(Some(fixtures::CAT_A)),
        2 => Just(Some(fixtures::CAT_B)),
        1 => Just(Some(fixtures::STANDING)),
        1 => Just(Some(SeatType(9))),
    ];
    let quantity = prop_oneof![8 => 1u32..=4, 1 => Just(0u32), 1 => Just(101u32)];
    // The member's own chip most often, so limits are reached.
    let holder = prop_oneof![
        1 => Just(Some(Holder::Paper)),
        2 => (1u8..=4).prop_map(|n| Some(Holder::Chip(chip(n)))),
        4 => Just(None),
    ];
    let member = prop_oneof![3 => Just(None), 2 => (1u32..=4).prop_map(|m| Some(MemberId(m)))];
    // A small pool of keys: some are sent twice (the same request, or
    // another one under the same key).
    let key = prop_oneof![8 => (0u32..40).prop_map(|k| format!("k{k}")), 1 => Just(String::new())];
    (who, seat_type, quantity, holder, member, key).prop_map(
        |(who, seat_type, quantity, holder, member, key)| SaleJob {
            who,
            key,
            event: EVENT,
            req: SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type,
                    quantity,
                },
                holder: holder.unwrap_or_else(|| {
                    Holder::Chip(chip(member.map_or(1, |m: MemberId| m.0 as u8)))
                }),
                member,
            },
        },
    )
}

/// What a sale answered, comparable across centers.
fn answer(r: &eticket_center::Result<eticket_center::distributor::Sale>) -> String {
    match r {
        Ok(sale) => serde_json::to_string(sale).unwrap(),
        Err(e) => format!("error: {e}"),
    }
}

/// Requests the SQLite ledger's group commits carried so far.
fn group_members(center: &Center) -> Option<u64> {
    match center.ledger() {
        eticket_center::store::Ledger::Sqlite(s) => Some(s.group_stats().members),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Every ticket's issuing record, as the ledger holds it.
fn records(center: &Center) -> Vec<String> {
    (1..=130)
        .map(|s| {
            format!(
                "{:?}",
                center.issuing_record(EVENT, TicketSerial(s)).unwrap()
            )
        })
        .collect()
}

/// What the issuing records' foreign key checked before schema 18 (on
/// PostgreSQL): each record's ticket exists, and it is no longer available.
fn assert_every_record_has_its_sold_ticket(center: &Center) {
    use eticket_center::store::Store;
    let orphans = center
        .ledger()
        .transaction(&mut |tx| {
            tx.query(
                "SELECT r.serial FROM issuing_records r
                 LEFT JOIN tickets t ON t.event = r.event AND t.serial = r.serial
                 WHERE t.serial IS NULL OR t.state = 'available'",
                &[],
            )
        })
        .unwrap();
    assert!(
        orphans.is_empty(),
        "{} issuing records without their sold ticket",
        orphans.len()
    );
}

fn same_as_one_by_one(b: Backend, rounds: Vec<Vec<SaleJob>>) {
    let c = clock();
    let batched = world(&b, &c);
    let other = Backend::sqlite();
    let alone = world(&other, &c);
    for jobs in &rounds {
        let members_before = group_members(&batched);
        let together = batched
            .sell_together(jobs)
            .expect("a batch of best-available sales is decided");
        // The group commit counts each sale of the batch as a request.
        if let Some(before) = members_before {
            assert_eq!(group_members(&batched), Some(before + jobs.len() as u64));
        }
        for (job, got) in jobs.iter().zip(&together) {
            let want = alone.sell(&job.who, &job.key, job.event, &job.req);
            assert_eq!(answer(got), answer(&want), "{job:?}");
        }
    }
    assert_eq!(records(&batched), records(&alone));
    assert_every_record_has_its_sold_ticket(&batched);
    // A retry of any key, now on its own, gets the batch's first answer.
    for job in rounds.iter().flatten() {
        assert_eq!(
            answer(&batched.sell(&job.who, &job.key, job.event, &job.req)),
            answer(&alone.sell(&job.who, &job.key, job.event, &job.req)),
            "retry of {job:?}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn a_batch_sells_what_sales_one_by_one_sell(
        rounds in prop::collection::vec(prop::collection::vec(job(), 1..40), 1..4)
    ) {
        same_as_one_by_one(Backend::sqlite(), rounds);
    }
}

/// Holds that expired before the batch put their seats back on sale for
/// it, as they do for sales one by one: the batch sells them too, in the
/// same order.
#[test]
fn expired_holds_go_back_on_sale_for_a_batch() {
    use eticket_center::holds::{HoldBuyer, HoldRequest};
    let c = clock();
    let (b1, b2) = (Backend::sqlite(), Backend::sqlite());
    let (batched, alone) = (world(&b1, &c), world(&b2, &c));
    for center in [&batched, &alone] {
        for i in 0..5 {
            center
                .hold(
                    &dist(D1),
                    &format!("hold-{i}"),
                    EVENT,
                    &HoldRequest {
                        seats: SeatChoice::BestAvailable {
                            seat_type: None,
                            quantity: 2,
                        },
                        buyer: HoldBuyer::Reference(format!("buyer-{i}")),
                    },
                )
                .unwrap();
        }
    }
    // Past every hold's expiry.
    c.advance(24 * 3600);
    let jobs: Vec<SaleJob> = (0..40u32)
        .map(|i| SaleJob {
            who: dist(D1),
            key: format!("after-{i}"),
            event: EVENT,
            req: SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: None,
                    quantity: 2,
                },
                holder: Holder::Chip(chip((i % 200) as u8 + 10)),
                member: None,
            },
        })
        .collect();
    let together = batched.sell_together(&jobs).unwrap();
    let sold: usize = together.iter().flatten().map(|s| s.records.len()).sum();
    assert_eq!(sold, 64, "D1's 65 seats, two at a time, held ones included");
    for (job, got) in jobs.iter().zip(&together) {
        let want = alone.sell(&job.who, &job.key, job.event, &job.req);
        assert_eq!(answer(got), answer(&want), "{job:?}");
    }
    assert_eq!(records(&batched), records(&alone));
}

/// The same on PostgreSQL, for one fixed mix that sells the allotments out.
fn postgres_batch_matches(b: Backend) {
    let mut rounds = Vec::new();
    for r in 0..4u32 {
        let mut jobs = Vec::new();
        for i in 0..30u32 {
            let n = r * 30 + i;
            jobs.push(SaleJob {
                who: dist(if n % 3 == 0 { D2 } else { D1 }),
                key: format!("pg-{}", n % 100),
                event: EVENT,
                req: SaleRequest {
                    seats: SeatChoice::BestAvailable {
                        seat_type: [None, Some(fixtures::CAT_A), Some(fixtures::CAT_B)]
                            [(n % 3) as usize],
                        quantity: 1 + n % 3,
                    },
                    holder: Holder::Chip(chip((n % 4 + 1) as u8)),
                    member: (n % 3 == 0).then_some(MemberId(n % 4 + 1)),
                },
            });
        }
        rounds.push(jobs);
    }
    same_as_one_by_one(b, rounds);
}

mod postgres {
    #[test]
    fn postgres_batch_matches() {
        super::postgres_batch_matches(super::Backend::postgres())
    }
}
