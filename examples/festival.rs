//! The main job: one festival from plan to statistics, on embedded defaults.
//!
//! - The organizer registers the event (venue, schedule, seat master) with a
//!   platform center on a SQLite file, selects two distributors and splits the
//!   tickets between them by ratio (c2-6, c30).
//! - A ticket shop sells first come first served; a fan club sells to members
//!   only, whose membership card is a personalized chip (c14-18, c28, c31).
//! - The center issues: it signs tickets and write grants for the holders'
//!   chips, which accept only the center's grants; paper tickets are printed as
//!   QR codes (c1, c7-13, c19-27, c29-35).
//! - One chip holder transfers a ticket to a friend's chip after a cooling-off
//!   period; the old generation is revoked (c36-44).
//! - Two gates of the venue unit sync the center's key set and revocation list,
//!   verify offline, admit with guidance, refuse copies, stale and forged
//!   tickets with reasons, and keep one entry log (c52-59).
//! - The entry log becomes statistics and a chart (c60).
//!
//! ```sh
//! cargo run --release --example festival            # writes into target/festival/
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use eticket_center::clock::{Clock, ManualClock};
use eticket_center::distributor::{MemberRegistration, SaleRequest, SeatChoice};
use eticket_center::issuance::ChipTarget;
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::store::Ledger;
use eticket_center::transfer::TransferSubmission;
use eticket_center::{Center, Config, Principal};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::paper::PaperTicket;
use eticket_chip::protocol::{MemberRecord, Personalization};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::crypto::PublicKey;
use eticket_core::fixtures;
use eticket_core::ids::{DistributorId, EventId, GateId, MemberId, TicketSerial};
use eticket_core::keys::{KeySet, SigningKeyPair};
use eticket_core::ticket::{Holder, SignedTicket, TicketBody};
use eticket_gate::chip::TestCard;
use eticket_gate::record::TicketFacts;
use eticket_gate::{PassbackPolicy, Statistics, TrustStore, VenueUnit};

type Card = Chip<InProcessCard>;

fn main() {
    let out = PathBuf::from("target/festival");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let event = fixtures::small_event();
    let id = event.id;

    // The center runs on one SQLite file; its clock starts a month before the show.
    let clock = Arc::new(ManualClock::new(fixtures::NOW.minus(30 * 86_400)));
    let ledger = Ledger::sqlite(out.join("center.db")).unwrap();
    let center = Center::open_with(ledger, clock.clone(), Config::default()).unwrap();
    let (operator, organizer) = (Principal::Operator, Principal::Organizer(1));
    let (shop_id, club_id) = (DistributorId(1), DistributorId(2));
    let (shop, club) = (
        Principal::Distributor(shop_id),
        Principal::Distributor(club_id),
    );

    section("1. The organizer plans the event");
    center
        .register_distributor(&operator, "reg-shop", shop_id, "City Ticket Shop")
        .unwrap();
    center
        .register_distributor(&operator, "reg-club", club_id, "Fan Club")
        .unwrap();
    let registration = EventRegistration {
        info: event.clone(),
        prices: fixtures::prices(),
    };
    let summary = center
        .register_event(&organizer, "reg-event", &registration)
        .unwrap();
    println!(
        "{} at {}, doors {}",
        event.name, event.venue.name, event.schedule.doors_open
    );
    println!("ticket master formed: {summary:?}");
    let members_only = DistributionPolicy {
        kind: PolicyKind::MembersOnly,
        per_member_limit: Some(2),
        hold_until: None,
    };
    center
        .select_distributor(
            &organizer,
            "sel-shop",
            id,
            shop_id,
            DistributionPolicy::default(),
        )
        .unwrap();
    center
        .select_distributor(&organizer, "sel-club", id, club_id, members_only)
        .unwrap();
    let ratios = AllotmentRatios {
        shares: vec![
            RatioShare {
                distributor: shop_id,
                weight: 3,
                seat_type: None,
            },
            RatioShare {
                distributor: club_id,
                weight: 1,
                seat_type: None,
            },
        ],
    };
    let allotment = center
        .set_allotment_ratios(&organizer, "ratio", id, &ratios)
        .unwrap();
    println!(
        "allotment 3:1 → {:?}, unallotted {}",
        allotment.allotted, allotment.unallotted
    );

    section("2. Chips: a membership card and two ordinary cards");
    let grant_key = &center.keys().grant;
    let personalize = |seed: &[u8], member: Option<MemberRecord>| -> Card {
        let mut chip = Chip::connect(InProcessCard::from_seed(seed)).unwrap();
        let p = Personalization {
            grant_keys: vec![(grant_key.id(), grant_key.public_key())],
            member,
        };
        chip.personalize(&p).unwrap();
        chip
    };
    let mut alice = personalize(b"alice", None);
    let mut bob = personalize(b"bob", None);
    let carol_record = MemberRecord {
        distributor: club_id,
        member: MemberId(7001),
        valid_until: fixtures::NOW.plus(365 * 86_400),
    };
    let mut carol = personalize(b"carol", Some(carol_record));
    let (a, b, c) = (
        alice.info().unwrap(),
        bob.info().unwrap(),
        carol.info().unwrap(),
    );
    let card = center
        .register_member(
            &club,
            "member-carol",
            &MemberRegistration {
                member: MemberId(7001),
                name: "Carol".into(),
                chip: c.chip,
            },
        )
        .unwrap();
    println!(
        "alice chip {}\nbob   chip {}\ncarol chip {} (member {} of the fan club)",
        a.chip, b.chip, c.chip, card.member
    );

    section("3. Distribution and issuance");
    let sale = |who: &Principal, key: &str, seats: SeatChoice, holder, member| {
        let req = SaleRequest {
            seats,
            holder,
            member,
        };
        center.sell(who, key, id, &req).map(|s| s.records)
    };
    let best = |t, n| SeatChoice::BestAvailable {
        seat_type: Some(t),
        quantity: n,
    };
    let alice_rec = sale(
        &shop,
        "sale-alice",
        best(fixtures::CAT_A, 1),
        Holder::Chip(a.chip),
        None,
    )
    .unwrap();
    let retried = sale(
        &shop,
        "sale-alice",
        best(fixtures::CAT_A, 1),
        Holder::Chip(a.chip),
        None,
    )
    .unwrap();
    assert_eq!(alice_rec, retried);
    println!(
        "shop sold {} to alice's chip (a retried request returned the same sale)",
        alice_rec[0].serial
    );
    let paper_rec = sale(
        &shop,
        "sale-paper",
        best(fixtures::STANDING, 3),
        Holder::Paper,
        None,
    )
    .unwrap();
    println!(
        "shop sold {} on paper",
        paper_rec
            .iter()
            .map(|r| r.serial.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let refused = sale(
        &club,
        "sale-anon",
        best(fixtures::CAT_B, 1),
        Holder::Paper,
        None,
    )
    .unwrap_err();
    println!("fan club refuses a non-member: {refused}");
    let carol_rec = sale(
        &club,
        "sale-carol",
        best(fixtures::CAT_B, 1),
        Holder::Chip(c.chip),
        Some(MemberId(7001)),
    )
    .unwrap();
    println!("fan club sold {} to member 7001", carol_rec[0].serial);

    let write = |chip: &mut Card, who: &Principal, key: &str, serial: TicketSerial| {
        let info = chip.info().unwrap();
        let target = ChipTarget {
            chip: info.chip,
            counter: info.counter,
            slot: info.used,
        };
        let delivery = center.issue(who, key, id, serial, Some(target)).unwrap();
        let grant = delivery.grant.unwrap();
        let m = chip.write(&grant.grant, &delivery.ticket.ticket).unwrap();
        println!(
            "issued {serial} to chip {}: {} bytes, grant for counter {} → chip counter now {}",
            info.chip,
            delivery.ticket.ticket.len(),
            info.counter,
            m.counter
        );
        (grant.grant, delivery.ticket.ticket)
    };
    let (alice_grant, alice_ticket) = write(&mut alice, &shop, "issue-alice", alice_rec[0].serial);
    let replay = alice.write(&alice_grant, &alice_ticket).unwrap_err();
    println!("the same grant presented again: {replay}");
    write(&mut carol, &club, "issue-carol", carol_rec[0].serial);
    let mut paper = Vec::new();
    for r in &paper_rec {
        let issued = center
            .issue(&shop, &format!("issue-{}", r.serial), id, r.serial, None)
            .unwrap();
        let signed = issued.ticket.signed().unwrap();
        let printed = PaperTicket::new(&signed, &event).unwrap();
        let path = out.join(format!("paper-{}.svg", r.serial.0));
        std::fs::write(&path, printed.to_svg()).unwrap();
        std::fs::write(path.with_extension("png"), printed.to_png().unwrap()).unwrap();
        println!(
            "printed {} as {} ({})",
            r.serial,
            path.display(),
            printed.stub().lines().join(" | ")
        );
        paper.push(signed);
    }

    section("4. Alice gives her ticket to Bob");
    let stored = alice.tickets().unwrap();
    let old_ticket = stored[0].ticket.clone();
    let request = alice
        .sign_transfer(stored[0].slot, b.chip, clock.now())
        .unwrap();
    let terminal = Principal::Terminal(1);
    let submission = TransferSubmission {
        request,
        assignor_public_key: a.public_key.to_uncompressed().to_vec(),
    };
    let transfer = center.request_transfer(&terminal, &submission).unwrap();
    println!(
        "transfer {} requested; cooling-off {} s",
        transfer.id,
        center.config().cooling_off_secs
    );
    clock.advance(center.config().cooling_off_secs);
    let done = center.complete_transfer(&terminal, &transfer.id).unwrap();
    println!(
        "re-issued as generation {} to bob; old generation revoked",
        done.ticket.generation.0
    );
    let bob_info = bob.info().unwrap();
    let target = ChipTarget {
        chip: b.chip,
        counter: bob_info.counter,
        slot: 0,
    };
    let to_bob = center
        .deliver(&terminal, id, done.ticket.serial, &target)
        .unwrap();
    bob.write(&to_bob.grant.unwrap().grant, &to_bob.ticket.ticket)
        .unwrap();
    let alice_info = alice.info().unwrap();
    let target = ChipTarget {
        chip: a.chip,
        counter: alice_info.counter,
        slot: stored[0].slot,
    };
    let delete = center
        .delete_grant(&terminal, id, done.ticket.serial, &target)
        .unwrap();
    alice.delete(&delete.grant).unwrap();
    println!(
        "bob's chip holds {} ticket(s), alice's {}",
        bob.tickets().unwrap().len(),
        alice.tickets().unwrap().len()
    );

    section("5. The gates");
    clock.advance(fixtures::NOW.0 - clock.now().0);
    let now = clock.now();
    let keyset = center.key_set_signed(&operator).unwrap();
    let root = PublicKey::from_sec1(&keyset.root_public_key).unwrap();
    let keys = KeySet::from_signed_bytes(&keyset.key_set, keyset.root_key_id, &root).unwrap();
    let mut trust = TrustStore::new(keyset.root_key_id, root, id);
    trust.accept_key_set(&keyset.key_set, now).unwrap();
    let revocations = center.revocation_list(&operator, id).unwrap();
    trust
        .accept_revocation_list(&revocations.signed, now)
        .unwrap();
    println!(
        "gate trust: key set v{}, revocation list v{}",
        trust.keys().version,
        trust.revocations().version
    );
    let unit = VenueUnit::open(
        out.join("entries.db"),
        event.clone(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let mut north = unit.gate(GateId(1), "north-1").unwrap();
    let mut east = unit.gate(GateId(2), "east-1").unwrap();

    // Problem tickets: a forgery, an old show's ticket, another event's ticket,
    // the old generation of the transferred ticket, and a copy on a stranger's card.
    let forger = SigningKeyPair::from_secret_bytes(center.keys().ticket.id(), &[0x66; 32]).unwrap();
    let forged = fixtures::paper_ticket(TicketSerial(1))
        .sign(&forger)
        .unwrap();
    let ticket_key = &center.keys().ticket;
    let stale = TicketBody {
        valid_from: now.minus(8 * 86_400),
        valid_for: 86_400,
        issued_at: now.minus(9 * 86_400),
        ..fixtures::paper_ticket(TicketSerial(3))
    };
    let stale = stale.sign(ticket_key).unwrap();
    let elsewhere = TicketBody {
        event: EventId(1999),
        issued_at: now.minus(86_400),
        ..fixtures::paper_ticket(TicketSerial(4))
    };
    let elsewhere = elsewhere.sign(ticket_key).unwrap();
    let mut stranger = TestCard::generate();
    stranger.store(&old_ticket);
    let carol_copy = carol.tickets().unwrap()[0].ticket.clone();
    let mut copier = TestCard::generate();
    copier.store(&carol_copy);

    let show = |label: &str, outcome: eticket_gate::Outcome| println!("{label:<32} {outcome}");
    show(
        "bob's chip at north",
        north.admit_chip(&mut bob, now).unwrap(),
    );
    show(
        "carol's membership card at north",
        north.admit_chip(&mut carol, now.plus(20)).unwrap(),
    );
    show(
        "paper ticket at east",
        east.admit_paper(paper[0].as_bytes(), now.plus(30)).unwrap(),
    );
    show(
        "the same paper again at north",
        north
            .admit_paper(paper[0].as_bytes(), now.plus(90))
            .unwrap(),
    );
    show(
        "carol's ticket copied to a card",
        east.admit_chip(&mut copier, now.plus(100)).unwrap(),
    );
    show(
        "alice's old generation",
        east.admit_chip(&mut stranger, now.plus(110)).unwrap(),
    );
    show(
        "bob's chip again",
        east.admit_chip(&mut bob, now.plus(200)).unwrap(),
    );
    show(
        "a forged ticket",
        north.admit_paper(forged.as_bytes(), now.plus(210)).unwrap(),
    );
    show(
        "last week's ticket",
        north.admit_paper(stale.as_bytes(), now.plus(220)).unwrap(),
    );
    show(
        "another event's ticket",
        north
            .admit_paper(elsewhere.as_bytes(), now.plus(230))
            .unwrap(),
    );
    show(
        "second paper ticket at east",
        east.admit_paper(paper[1].as_bytes(), now.plus(240))
            .unwrap(),
    );
    show(
        "a blank card",
        north.admit_chip(&mut alice, now.plus(250)).unwrap(),
    );

    section("6. Statistics from the entry log");
    let issued: Vec<SignedTicket> = [bob.tickets().unwrap()[0].ticket.clone(), carol_copy]
        .into_iter()
        .chain(paper.iter().cloned())
        .collect();
    let facts: Vec<TicketFacts> = issued
        .iter()
        .map(|t| {
            TicketFacts::from(
                &eticket_core::ticket::verify(t.as_bytes(), &keys, now)
                    .unwrap()
                    .body,
            )
        })
        .collect();
    let stats = Statistics::compute(&event, &unit.records().unwrap(), facts);
    std::fs::write(out.join("entry-statistics.svg"), stats.to_svg()).unwrap();
    std::fs::write(out.join("entry-statistics.csv"), stats.to_csv()).unwrap();
    std::fs::write(out.join("entry-statistics.json"), stats.to_json().unwrap()).unwrap();
    println!(
        "attended {} of {} issued, {} scans refused",
        stats.attended, stats.issued, stats.refused
    );
    println!("{}", stats.to_csv());
    println!("chart: {}", out.join("entry-statistics.svg").display());
}

fn section(title: &str) {
    println!("\n== {title}");
}
