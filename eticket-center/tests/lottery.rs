//! Lotteries: the draw, seat types and limits, and the insider who cannot grind
//! the seed, on SQLite and on PostgreSQL.

#[macro_use]
mod common;

use std::sync::Arc;

use common::world::*;
use common::{Backend, TestChip, clock};
use eticket_center::clock::ManualClock;
use eticket_center::distributor::MemberRegistration;
use eticket_center::lottery::{self, LotteryApplication, LotteryDraw, LotterySetup};
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::store::Store;
use eticket_center::{Center, Error};
use eticket_core::fixtures;
use eticket_core::ids::*;
use eticket_core::ticket::Holder;

/// The fixture event with distributor 2 on the lottery policy (and
/// `per_member_limit`), and a window from now for `secs` giving out `seats`.
fn lottery_world(
    b: &Backend,
    per_member_limit: u32,
    secs: u64,
    seats: u32,
) -> (Arc<ManualClock>, Center, DistributionPolicy, LotterySetup) {
    let c = clock();
    let center = b.center(&c);
    let lot = DistributionPolicy {
        kind: PolicyKind::Lottery,
        per_member_limit: Some(per_member_limit),
        hold_until: None,
    };
    setup(&center, fcfs(), lot);
    let now = c.now_ts();
    let window = LotterySetup {
        opens: now,
        closes: now.plus(secs),
        seats,
        beacon_source: None,
    };
    (c, center, lot, window)
}

fn lottery_draw(b: Backend) {
    let (c, center, _, setup_l) = lottery_world(&b, 4, 86_400, 10);
    let ann = center
        .open_lottery(&dist(D2), "open", EVENT, setup_l)
        .unwrap();
    assert!(ann.seed.is_none());
    assert!(matches!(
        buy(&center, D2, "fcfs", 1, Holder::Paper),
        Err(Error::PolicyRefuses { .. })
    ));
    for i in 0..8u8 {
        let chip = TestChip::new(0x80 + i);
        let app = LotteryApplication {
            chip: chip.id,
            member: None,
            quantity: 2,
            seat_type: None,
        };
        center
            .apply_lottery(&dist(D2), &format!("app-{i}"), EVENT, &app)
            .unwrap();
        if i == 0 {
            assert!(matches!(
                center.apply_lottery(&dist(D2), "dup", EVENT, &app),
                Err(Error::AlreadyApplied { .. })
            ));
        }
    }
    let no_beacon = LotteryDraw::default();
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw", EVENT, &no_beacon),
        Err(Error::Lottery { .. })
    ));
    assert!(
        center
            .lottery(EVENT, D2)
            .unwrap()
            .applications_digest
            .is_none()
    );
    c.advance(86_400);
    let late = LotteryApplication {
        chip: TestChip::new(0x99).id,
        member: None,
        quantity: 1,
        seat_type: None,
    };
    assert!(matches!(
        center.apply_lottery(&dist(D2), "late", EVENT, &late),
        Err(Error::Lottery { .. })
    ));
    // Closed: the applications digest is published before the draw.
    let closed = center.lottery(EVENT, D2).unwrap();
    assert!(closed.seed.is_none() && closed.applications.is_empty());
    // No beacon source was named, so the drawer cannot bring a value now.
    let chosen = LotteryDraw {
        beacon: Some("a value that suits the drawer".into()),
    };
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw-chosen", EVENT, &chosen),
        Err(Error::Lottery { .. })
    ));
    let result = center
        .draw_lottery(&dist(D2), "draw", EVENT, &no_beacon)
        .unwrap();
    assert_eq!(result.records.len(), 10);
    // Anyone recomputes: the seed matches its published hash, the digest its
    // applications, and the draw gives the same ranking.
    let public = center.lottery(EVENT, D2).unwrap();
    assert_eq!(public, result.announcement);
    assert_eq!(public.seed_hash, ann.seed_hash);
    assert_eq!(public.applications_digest, closed.applications_digest);
    assert_eq!(public.beacon, None);
    assert_eq!(lottery::verify_draw(&public).unwrap(), result.ranking);
    let seed: [u8; 32] = hex::decode(public.seed.unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let digest = lottery::applications_digest(&public.applications);
    assert_eq!(
        lottery::draw(
            &lottery::draw_seed(&seed, &digest, None),
            &public.applications,
            10
        ),
        result.ranking
    );
    // A retry gets the same answer; a new draw is refused.
    assert_eq!(
        center
            .draw_lottery(&dist(D2), "draw", EVENT, &no_beacon)
            .unwrap(),
        result
    );
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw-again", EVENT, &no_beacon),
        Err(Error::Lottery { .. })
    ));
}

/// A lottery cannot be emptied from under its applicants, a member cannot
/// multiply the per-member limit with several chips, and an application whose
/// seat type runs out loses with its reason while the draw completes.
fn lottery_seat_types_limits_and_policy(b: Backend) {
    let (c, center, lot, window) = lottery_world(&b, 40, 3600, 65);
    center
        .open_lottery(&dist(D2), "open", EVENT, window)
        .unwrap();
    // While it is open the policy stays the lottery: the distributor cannot
    // switch to selling, nor can the organizer by selecting it again.
    let refused = center.set_policy(&dist(D2), "to-fcfs", EVENT, fcfs());
    assert!(
        matches!(&refused, Err(Error::Lottery { reason, .. }) if reason.contains("draw it before")),
        "{refused:?}"
    );
    let refused = center.select_distributor(&ORG, "sel2-fcfs", EVENT, D2, fcfs());
    assert!(matches!(refused, Err(Error::Lottery { .. })), "{refused:?}");
    // Selecting it again with the lottery policy is fine (no foreign-key error).
    center
        .select_distributor(&ORG, "sel2-again", EVENT, D2, lot)
        .unwrap();

    // One member, two chips: the second application counts the first against
    // the limit of 40.
    let member_chip = TestChip::new(0xA0);
    let second_chip = TestChip::new(0xA3);
    center
        .register_member(
            &dist(D2),
            "m",
            &MemberRegistration {
                member: MemberId(7),
                name: "Grace".into(),
                chip: member_chip.id,
                valid_until: None,
                public_key: None,
            },
        )
        .unwrap();
    let apply = |key: &str, chip: ChipId, member, quantity, seat_type| {
        center.apply_lottery(
            &dist(D2),
            key,
            EVENT,
            &LotteryApplication {
                chip,
                member,
                quantity,
                seat_type,
            },
        )
    };
    apply(
        "member",
        member_chip.id,
        Some(MemberId(7)),
        20,
        Some(fixtures::STANDING),
    )
    .unwrap();
    let over = apply("again", second_chip.id, Some(MemberId(7)), 21, None);
    assert!(
        matches!(
            &over,
            Err(Error::MemberLimit {
                have: 20,
                limit: 40,
                ..
            })
        ),
        "{over:?}"
    );
    // D2's allotment (serials 66-130) has no category A seat and 40 of
    // category B: an application the allotment could never serve is refused
    // up front; two of 21 category B seats each fit on their own.
    let too_many = apply("66", TestChip::new(0xA5).id, None, 66, None);
    assert!(
        matches!(&too_many, Err(e @ Error::Invalid { .. }) if e.code() == "invalid_request" && e.to_string().contains("gives out 65")),
        "{too_many:?}"
    );
    let never = apply(
        "cat-a",
        TestChip::new(0xA4).id,
        None,
        1,
        Some(fixtures::CAT_A),
    );
    assert!(
        matches!(&never, Err(Error::SoldOut { available: 0, .. })),
        "{never:?}"
    );
    let b1 = TestChip::new(0xA1);
    let b2 = TestChip::new(0xA2);
    apply("b1", b1.id, None, 21, Some(fixtures::CAT_B)).unwrap();
    apply("b2", b2.id, None, 21, Some(fixtures::CAT_B)).unwrap();
    // One application per chip: a second is refused as such (not as the
    // lottery's phase), whatever it asks.
    let twice = apply("b1-again", b1.id, None, 1, Some(fixtures::CAT_B));
    assert!(
        matches!(&twice, Err(e @ Error::AlreadyApplied { .. }) if e.code() == "already_applied"),
        "{twice:?}"
    );
    // A seat type the event does not have is a mistake in the request, not
    // a sell-out.
    let unknown = apply(
        "type-99",
        TestChip::new(0xA6).id,
        None,
        1,
        Some(SeatType(99)),
    );
    assert!(
        matches!(&unknown, Err(e) if e.code() == "invalid_request" && e.to_string().contains("no seat type 99")),
        "{unknown:?}"
    );

    c.advance(3600);
    let result = center
        .draw_lottery(&dist(D2), "draw", EVENT, &LotteryDraw::default())
        .unwrap();
    let of = |chip: ChipId| {
        result
            .ranking
            .iter()
            .find(|r| r.application.chip == chip)
            .unwrap()
            .clone()
    };
    // The two category B applications both fitted in the 65 seats; whichever
    // ranked first won, the other lost with the reason, and the draw completed.
    assert!(of(member_chip.id).won);
    let (first, second) = if of(b1.id).rank < of(b2.id).rank {
        (of(b1.id), of(b2.id))
    } else {
        (of(b2.id), of(b1.id))
    };
    assert!(first.won && first.unserved.is_none());
    assert!(!second.won);
    assert_eq!(
        second.unserved.as_deref(),
        Some("19 seats of type 2 left in the allotment, 21 asked for")
    );
    assert_eq!(result.records.len(), 41);
    // The published announcement carries the reason, so anyone replays the
    // draw from the seed, the applications and the reasons.
    let public = center.lottery(EVENT, D2).unwrap();
    assert_eq!(public.unserved.len(), 1);
    assert_eq!(public.unserved[0].chip, second.application.chip);
    let seed: [u8; 32] = hex::decode(public.draw_seed.clone().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    let replay = lottery::draw_with(&seed, &public.applications, 65, |a| {
        Ok::<_, ()>(
            public
                .unserved
                .iter()
                .find(|u| u.chip == a.chip)
                .map(|u| u.reason.clone()),
        )
    })
    .unwrap();
    assert_eq!(replay, result.ranking);
    assert_eq!(lottery::verify_draw(&public).unwrap(), result.ranking);
    // Drawn: the policy may change now.
    center
        .set_policy(&dist(D2), "to-fcfs-after", EVENT, fcfs())
        .unwrap();
}

/// Issue "Impossible to fool", point 9: an insider who can read the ledger
/// takes the committed seed out of it while the window is open, grinds chip
/// ids offline (applicants' chip ids are not verified) until one ranks before
/// every application so far, and applies with it as the last applicant. The
/// draw seed also depends on the applications and on a beacon published
/// after the close, so the rank the committed seed gives is not the rank the
/// draw gives; anyone recomputes the draw from what is published.
fn lottery_insider_cannot_grind_the_seed(b: Backend) {
    let (c, center, _, mut window) = lottery_world(&b, 4, 3600, 2);
    let source = "the fixture's public numbers drawn the day after the close";
    window.beacon_source = Some(source.into());
    let ann = center
        .open_lottery(&dist(D2), "open", EVENT, window)
        .unwrap();
    assert_eq!(ann.setup.beacon_source.as_deref(), Some(source));
    let apply = |key: &str, chip: ChipId| {
        center.apply_lottery(
            &dist(D2),
            key,
            EVENT,
            &LotteryApplication {
                chip,
                member: None,
                quantity: 2,
                seat_type: None,
            },
        )
    };
    let honest: Vec<ChipId> = (0..6u8).map(|i| ChipId([0xC0 + i; 16])).collect();
    for (i, chip) in honest.iter().enumerate() {
        apply(&format!("honest-{i}"), *chip).unwrap();
    }
    // The insider reads the committed seed with plain SQL before the close.
    let committed: [u8; 32] = center
        .ledger()
        .transaction(&mut |tx| {
            tx.query_opt(
                "SELECT seed FROM lotteries WHERE event = $1 AND distributor = $2",
                &[
                    eticket_center::store::Value::int(EVENT.0),
                    eticket_center::store::Value::int(D2.0),
                ],
            )
        })
        .unwrap()
        .unwrap()
        .blob(0)
        .unwrap()
        .try_into()
        .unwrap();
    // Offline: a chip id whose rank under the committed seed is before every
    // honest one (about one try in seven; the loop is bounded).
    let best = honest
        .iter()
        .map(|chip| lottery::rank_key(&committed, chip))
        .min()
        .unwrap();
    let ground = (0u128..1 << 20)
        .map(|i| ChipId(i.to_be_bytes()))
        .find(|chip| lottery::rank_key(&committed, chip) < best)
        .expect("a winning chip id within 2^20 tries");
    let predicted = hex::encode(lottery::rank_key(&committed, &ground));
    apply("insider", ground).unwrap();

    c.advance(3600);
    // The digest is fixed and published at the close, before the beacon exists.
    let closed = center.lottery(EVENT, D2).unwrap();
    let digest = closed.applications_digest.clone().unwrap();
    // The beacon was named at opening: the draw needs its value.
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw", EVENT, &LotteryDraw::default()),
        Err(Error::Lottery { .. })
    ));
    let beacon = LotteryDraw {
        beacon: Some("04 08 15 16 23 42".into()),
    };
    let result = center
        .draw_lottery(&dist(D2), "draw", EVENT, &beacon)
        .unwrap();
    let drawn = result
        .ranking
        .iter()
        .find(|r| r.application.chip == ground)
        .unwrap();
    // Knowing the committed seed told the insider nothing about the rank the
    // draw gave (on the old rule it was exactly the predicted one, first).
    assert_ne!(
        drawn.rank, predicted,
        "the draw ranked the ground application as the committed seed alone predicts"
    );

    // A third party, from the public announcement alone: the seed matches
    // the hash published at opening, the digest the one published at the
    // close, and the ranking and winners recompute.
    let public = center.lottery(EVENT, D2).unwrap();
    assert_eq!(public.seed_hash, ann.seed_hash);
    assert_eq!(public.applications_digest.as_deref(), Some(digest.as_str()));
    assert_eq!(public.beacon, beacon.beacon);
    assert_eq!(public.applications.len(), 7);
    let seed: [u8; 32] = hex::decode(public.seed.as_deref().unwrap())
        .unwrap()
        .try_into()
        .unwrap();
    assert_eq!(seed, committed);
    let final_seed = lottery::draw_seed(
        &seed,
        &lottery::applications_digest(&public.applications),
        public.beacon.as_deref(),
    );
    assert_eq!(public.draw_seed, Some(hex::encode(final_seed)));
    assert_eq!(
        drawn.rank,
        hex::encode(lottery::rank_key(&final_seed, &ground))
    );
    let ranking = lottery::verify_draw(&public).unwrap();
    assert_eq!(ranking, result.ranking);
    let winners: Vec<Holder> = ranking
        .iter()
        .filter(|r| r.won)
        .map(|r| Holder::Chip(r.application.chip))
        .collect();
    let mut holders: Vec<Holder> = result.records.iter().map(|r| r.holder).collect();
    assert_eq!(holders.len(), 2);
    holders.dedup();
    assert_eq!(holders, winners);
    // Retried with the same key the draw answers the same; with another
    // beacon under that key it is refused, and it never draws twice.
    assert_eq!(
        center
            .draw_lottery(&dist(D2), "draw", EVENT, &beacon)
            .unwrap(),
        result
    );
    let other = LotteryDraw {
        beacon: Some("01 02 03 04 05 06".into()),
    };
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw", EVENT, &other),
        Err(Error::IdempotencyMismatch(_))
    ));
    assert!(matches!(
        center.draw_lottery(&dist(D2), "draw-2", EVENT, &other),
        Err(Error::Lottery { .. })
    ));
}

suite!(
    lottery_draw,
    lottery_seat_types_limits_and_policy,
    lottery_insider_cannot_grind_the_seed,
);
