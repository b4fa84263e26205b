//! The main job: one festival from plan to statistics, on embedded defaults.
//!
//! - The organizer registers the event (venue, schedule, seat master) with a
//!   platform center on a SQLite file in a temporary directory, selects three
//!   distributors and splits the tickets between them by ratio (c2-6, c15, c30).
//! - A ticket shop gives its high-demand tickets by a lottery whose draw anyone
//!   can verify, and holds them back until a week before the show (c32); a fan
//!   club sells a presale to members only, whose membership card is a
//!   personalized chip (c14-18, c28, c31); a box office sells paper tickets that
//!   a store terminal prints as QR codes (c19-20); at the store terminal a
//!   fan club member proves her membership card and buys a ticket onto it
//!   (c17, c19, c34).
//! - The center issues: it signs tickets and write grants for the holders'
//!   chips, which accept only the center's grants (c1, c7-13, c21-27, c29-35).
//! - A lottery winner transfers a ticket to a friend's chip after a cooling-off
//!   period; the old generation is revoked (c36-44).
//! - Two gates of the venue unit sync the center's key set and revocation list,
//!   verify offline, admit with guidance, refuse copies, stale and forged
//!   tickets with reasons, and keep one entry log (c52-59).
//! - The venue unit uploads its entry log to the center (a retried upload adds
//!   nothing), which computes the statistics and a chart (c60).
//!
//! ```sh
//! cargo run --release --example festival   # paper tickets and the chart into target/festival/
//! ```

use std::path::PathBuf;
use std::sync::Arc;

use eticket_center::clock::{Clock, ManualClock};
use eticket_center::distributor::{MemberRegistration, SaleRequest, SeatChoice};
use eticket_center::holds::{HoldBuyer, HoldConfirm, HoldRequest};
use eticket_center::issuance::ChipTarget;
use eticket_center::lottery::{self, LotteryApplication, LotteryDraw, LotterySetup};
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::{DistributionPolicy, PolicyKind};
use eticket_center::postponement::Postponement;
use eticket_center::store::Ledger;
use eticket_center::terminal::{CardProof, TerminalNext, TerminalPurchase};
use eticket_center::transfer::TransferSubmission;
use eticket_center::{Center, Config, Principal};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::paper::PaperTicket;
use eticket_chip::protocol::{MAX_GRANT_KEYS, MemberRecord, Personalization, Pin};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::crypto::PublicKey;
use eticket_core::fixtures;
use eticket_core::ids::{ChipId, DistributorId, EventId, GateId, MemberId, TicketSerial};
use eticket_core::keys::SigningKeyPair;
use eticket_core::ticket::{Holder, TicketBody};
use eticket_gate::chip::TestCard;
use eticket_gate::venue::{Device, DeviceConfig, DeviceCredential, VenueServer};
use eticket_gate::{PassbackPolicy, TrustStore, VenueUnit};

type Card = Chip<InProcessCard>;

const DAY: u64 = 86_400;
/// The holder PIN every card of the demonstration is personalized with.
const PIN: &[u8] = b"2580";

/// A held basket bought as paper tickets.
fn paper_hold() -> HoldConfirm {
    HoldConfirm {
        holder: Holder::Paper,
        member: None,
    }
}

fn main() {
    // The ledgers (the center's and the venue unit's SQLite files) live in a
    // temporary directory removed at the end; what is worth a look afterwards
    // (paper tickets, the chart and its data) goes to target/festival.
    let ledgers = tempfile::tempdir().unwrap();
    let out = PathBuf::from("target/festival");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).unwrap();
    let event = fixtures::small_event();
    let id = event.id;
    let show_time = fixtures::NOW;

    // The center runs on one SQLite file; its clock starts six weeks before the show.
    let clock = Arc::new(ManualClock::new(show_time.minus(42 * DAY)));
    let ledger = Ledger::sqlite(ledgers.path().join("center.db")).unwrap();
    let center = Center::open_with(ledger, clock.clone(), Config::default()).unwrap();
    let (operator, organizer) = (Principal::Operator, Principal::Organizer(1));
    let terminal = Principal::Terminal(1);
    let (shop_id, club_id, box_id) = (DistributorId(1), DistributorId(2), DistributorId(3));
    let shop = Principal::Distributor(shop_id);
    let club = Principal::Distributor(club_id);
    let box_office = Principal::Distributor(box_id);

    section("1. The organizer plans the event");
    for (d, name) in [
        (shop_id, "City Ticket Shop"),
        (club_id, "Fan Club"),
        (box_id, "Box Office"),
    ] {
        center
            .register_distributor(&operator, &format!("reg-{d}"), d, name)
            .unwrap();
    }
    // The store terminal serves all three sellers' buyers.
    center
        .set_terminal_distributors(&operator, 1, &[shop_id, club_id, box_id])
        .unwrap();
    let registration = EventRegistration {
        info: event.clone(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    let summary = center
        .register_event(&organizer, "reg-event", &registration)
        .unwrap();
    println!(
        "{} at {}, doors {}",
        event.name, event.venue.name, event.schedule.doors_open
    );
    println!("ticket master formed: {summary:?}");
    let hold_until = show_time.minus(7 * DAY);
    let lottery_policy = DistributionPolicy {
        kind: PolicyKind::Lottery,
        per_member_limit: Some(1),
        hold_until: Some(hold_until),
    };
    let members_only = DistributionPolicy {
        kind: PolicyKind::MembersOnly,
        per_member_limit: Some(2),
        hold_until: None,
    };
    center
        .select_distributor(&organizer, "sel-shop", id, shop_id, lottery_policy)
        .unwrap();
    center
        .select_distributor(&organizer, "sel-club", id, club_id, members_only)
        .unwrap();
    center
        .select_distributor(
            &organizer,
            "sel-box",
            id,
            box_id,
            DistributionPolicy::default(),
        )
        .unwrap();
    let ratios = AllotmentRatios {
        shares: vec![
            RatioShare {
                distributor: shop_id,
                weight: 2,
                seat_type: None,
            },
            RatioShare {
                distributor: club_id,
                weight: 1,
                seat_type: None,
            },
            RatioShare {
                distributor: box_id,
                weight: 1,
                seat_type: None,
            },
        ],
    };
    let allotment = center
        .set_allotment_ratios(&organizer, "ratio", id, &ratios)
        .unwrap();
    println!(
        "allotment 2:1:1 → {:?}, unallotted {}",
        allotment.allotted, allotment.unallotted
    );

    section("2. Chips: ordinary cards and a membership card");
    let grant_keys = center.keys().grant_keys_to_install(MAX_GRANT_KEYS);
    let personalize = |seed: &str, member: Option<MemberRecord>| -> Card {
        let mut chip = Chip::connect(InProcessCard::from_seed(seed.as_bytes())).unwrap();
        let p =
            Personalization::new(grant_keys.clone(), Pin::new(PIN).unwrap()).with_member(member);
        chip.personalize(&p).unwrap();
        chip
    };
    let mut fans: Vec<(&str, Card)> = ["alice", "dave", "erin", "frank"]
        .into_iter()
        .map(|n| (n, personalize(n, None)))
        .collect();
    let fan_ids: Vec<ChipId> = fans
        .iter_mut()
        .map(|(_, c)| c.info().unwrap().chip)
        .collect();
    let mut bob = personalize("bob", None);
    // Carol's membership card: the fan club registers the blank card's chip,
    // and the center's answer is what the terminal personalizes it with.
    let mut carol = Chip::connect(InProcessCard::from_seed(b"carol")).unwrap();
    let c = carol.info().unwrap();
    let registration = MemberRegistration {
        member: MemberId(7001),
        name: "Carol".into(),
        chip: c.chip,
        valid_until: Some(show_time.plus(365 * DAY)),
        public_key: None,
    };
    let card = center
        .register_member(&club, "member-carol", &registration)
        .unwrap();
    carol
        .personalize(
            &Personalization::new(
                card.grant_keys
                    .iter()
                    .map(|k| (k.id, PublicKey::from_sec1(&k.public_key).unwrap()))
                    .collect(),
                Pin::new(PIN).unwrap(),
            )
            .with_member(Some(MemberRecord {
                distributor: card.distributor,
                member: card.member,
                valid_until: card.valid_until,
            })),
        )
        .unwrap();
    for (name, chip) in &mut fans {
        println!("{name:<5} chip {}", chip.info().unwrap().chip);
    }
    println!("bob   chip {}", bob.info().unwrap().chip);
    println!(
        "carol chip {} (membership card {} of the fan club)",
        c.chip, card.member
    );

    section("3. Distribution: a verifiable lottery, a members' presale, the box office");
    let setup = LotterySetup {
        opens: clock.now(),
        closes: clock.now().plus(2 * DAY),
        seats: 3,
        beacon_source: Some(
            "the national lottery's numbers drawn the evening after the close".into(),
        ),
    };
    let announced = center
        .open_lottery(&shop, "lottery-open", id, setup.clone())
        .unwrap();
    println!(
        "shop opens a lottery for 3 tickets; seed hash published: {}",
        announced.seed_hash
    );
    println!(
        "  beacon named in advance: {}",
        setup.beacon_source.as_deref().unwrap_or_default()
    );
    for (name, chip) in &mut fans {
        let app = LotteryApplication {
            chip: chip.info().unwrap().chip,
            member: None,
            quantity: 1,
            seat_type: Some(fixtures::CAT_A),
        };
        center
            .apply_lottery(&shop, &format!("apply-{name}"), id, &app)
            .unwrap();
    }
    clock.advance(2 * DAY);
    let closed = center.lottery(id, shop_id).unwrap();
    println!(
        "window closed; applications digest published: {}",
        closed.applications_digest.clone().unwrap_or_default()
    );
    // The beacon's value is known only now, after the close.
    let beacon = LotteryDraw {
        beacon: Some("03 11 19 27 38 44".into()),
    };
    let drawn = center
        .draw_lottery(&shop, "lottery-draw", id, &beacon)
        .unwrap();
    // Anyone recomputes from the published announcement alone.
    let public = center.lottery(id, shop_id).unwrap();
    let seed_hex = public.seed.clone().unwrap();
    let seed: [u8; 32] = hex_bytes(&seed_hex).try_into().unwrap();
    assert_eq!(hex(&lottery::seed_hash(&seed)), announced.seed_hash);
    assert_eq!(public.applications_digest, closed.applications_digest);
    let digest = lottery::applications_digest(&public.applications);
    let draw_seed = lottery::draw_seed(&seed, &digest, public.beacon.as_deref());
    assert_eq!(public.draw_seed.as_deref(), Some(hex(&draw_seed).as_str()));
    let recomputed = lottery::draw(&draw_seed, &public.applications, setup.seats);
    assert_eq!(recomputed, drawn.ranking);
    assert_eq!(lottery::verify_draw(&public).unwrap(), drawn.ranking);
    println!(
        "seed revealed {seed_hex}: its hash matches; with the applications digest and the beacon {:?} it gives the draw seed {}, and the ranking recomputes",
        public.beacon.as_deref().unwrap_or_default(),
        hex(&draw_seed)
    );
    let fan_of = |chip: ChipId| fan_ids.iter().position(|&f| f == chip);
    let winners: Vec<usize> = drawn
        .records
        .iter()
        .filter_map(|r| fan_of(chip_of(&r.holder)))
        .collect();
    for (r, &i) in drawn.records.iter().zip(&winners) {
        println!("  won: {} → {}", r.serial, fans[i].0);
    }

    let sale = |who: &Principal, key: &str, seats: SeatChoice, holder, member| {
        center
            .sell(
                who,
                key,
                id,
                &SaleRequest {
                    seats,
                    holder,
                    member,
                },
            )
            .map(|s| s.records)
    };
    let best = |t, n| SeatChoice::BestAvailable {
        seat_type: Some(t),
        quantity: n,
    };
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
    let retried = sale(
        &club,
        "sale-carol",
        best(fixtures::CAT_B, 1),
        Holder::Chip(c.chip),
        Some(MemberId(7001)),
    )
    .unwrap();
    assert_eq!(carol_rec, retried);
    println!(
        "fan club sold {} to member 7001 (a retried request returned the same sale)",
        carol_rec[0].serial
    );
    let paper_rec = sale(
        &box_office,
        "sale-paper",
        best(fixtures::STANDING, 3),
        Holder::Paper,
        None,
    )
    .unwrap();
    let serials: Vec<String> = paper_rec.iter().map(|r| r.serial.to_string()).collect();
    println!("box office sold {} on paper", serials.join(", "));

    // Online baskets: seats held while the buyer decides. One buyer leaves
    // (the hold expires and its seats go back on sale); one buys.
    let basket = |key: &str, buyer: &str, quantity| {
        center
            .hold(
                &box_office,
                key,
                event.id,
                &HoldRequest {
                    seats: best(fixtures::STANDING, quantity),
                    buyer: HoldBuyer::Reference(buyer.into()),
                },
            )
            .unwrap()
    };
    let left = basket("hold-left", "basket 17", 2);
    println!(
        "online basket 17 holds {} until {}",
        left.serials.len(),
        left.expires_at
    );
    clock.advance(Config::default().hold_secs + 60);
    let gone = center
        .confirm_hold(
            &box_office,
            "buy-left",
            event.id,
            &left.token,
            &paper_hold(),
        )
        .unwrap_err();
    println!("basket 17 comes back too late: {gone}");
    let bought = basket("hold-bought", "basket 18", 1);
    assert_eq!(
        bought.serials,
        left.serials[..1],
        "the expired hold's seats are on sale again"
    );
    let sold = center
        .confirm_hold(
            &box_office,
            "buy-bought",
            event.id,
            &bought.token,
            &paper_hold(),
        )
        .unwrap();
    assert_eq!(sold.records[0].holder, Holder::Paper);
    println!(
        "online basket 18 held {} and bought it on paper",
        bought.serials[0]
    );

    section("4. Issuance: chips after the hold period, paper at a store terminal");
    let write = |chip: &mut Card, who: &Principal, key: &str, serial: TicketSerial| {
        let info = chip.info().unwrap();
        let target = ChipTarget {
            chip: info.chip,
            counter: info.counter,
            slot: info.used,
            grant_keys: Vec::new(),
        };
        let delivery = center.issue(who, key, id, serial, Some(target))?;
        let grant = delivery.grant.unwrap();
        let m = chip.write(&grant.grant, &delivery.ticket.ticket).unwrap();
        println!(
            "issued {serial} to chip {}: {} bytes, grant for counter {} → chip counter now {}",
            info.chip,
            delivery.ticket.ticket.len(),
            info.counter,
            m.counter
        );
        Ok::<_, eticket_center::Error>((grant.grant, delivery.ticket.ticket))
    };
    let first = winners[0];
    let early = write(
        &mut fans[first].1,
        &shop,
        "issue-early",
        drawn.records[0].serial,
    )
    .unwrap_err();
    println!("too early: {early}");
    clock.advance(hold_until.0 - clock.now().0);
    for (k, r) in drawn.records.iter().enumerate() {
        let i = fan_of(chip_of(&r.holder)).unwrap();
        let (grant, ticket) =
            write(&mut fans[i].1, &shop, &format!("issue-{k}"), r.serial).unwrap();
        if k == 0 {
            let replay = fans[i].1.write(&grant, &ticket).unwrap_err();
            println!("the same grant presented again: {replay}");
        }
    }
    write(&mut carol, &club, "issue-carol", carol_rec[0].serial).unwrap();
    let mut paper = Vec::new();
    for r in &paper_rec {
        center
            .issue(
                &box_office,
                &format!("issue-{}", r.serial),
                id,
                r.serial,
                None,
            )
            .unwrap();
        let print = center
            .print_paper_ticket(&terminal, &format!("print-{}", r.serial), id, r.serial)
            .unwrap();
        let signed = print.ticket.signed().unwrap();
        let printed = PaperTicket::new(&signed, &event).unwrap();
        let path = out.join(format!("paper-{}.svg", r.serial.0));
        std::fs::write(&path, printed.to_svg()).unwrap();
        std::fs::write(path.with_extension("png"), printed.to_png().unwrap()).unwrap();
        println!("store terminal printed {} → {}", r.serial, path.display());
        paper.push(signed);
    }
    // Carol buys a second ticket of the fan club at the store terminal: her
    // membership card signs the center's challenge there, the club's
    // members-only policy decides, and the terminal writes the ticket.
    let challenge = center.terminal_challenge(&terminal).unwrap();
    let proof = carol
        .prove(&challenge.challenge.as_slice().try_into().unwrap())
        .unwrap();
    let on_card = carol.info().unwrap();
    let purchase = TerminalPurchase {
        distributor: club_id,
        seats: SeatChoice::BestAvailable {
            seat_type: Some(fixtures::CAT_B),
            quantity: 1,
        },
        holder: Holder::Chip(on_card.chip),
        member: Some(card.member),
        card: Some(CardProof {
            chip: proof.chip,
            public_key: proof.public_key.to_vec(),
            challenge: challenge.challenge,
            answer: proof.answer.to_vec(),
        }),
        target: Some(ChipTarget {
            chip: on_card.chip,
            counter: on_card.counter,
            slot: on_card.used,
            grant_keys: Vec::new(),
        }),
    };
    let bought = center
        .terminal_purchase(&terminal, "till-carol", id, &purchase)
        .unwrap();
    assert_eq!(bought.next, TerminalNext::Write);
    for d in &bought.tickets {
        let m = carol
            .write(&d.grant.as_ref().unwrap().grant, &d.ticket.ticket)
            .unwrap();
        println!(
            "store terminal: carol's membership card proven, the fan club sold {} → written to slot {}",
            d.ticket.serial, m.slot
        );
    }
    println!(
        "  stub: {}",
        PaperTicket::new(&paper[0], &event)
            .unwrap()
            .stub()
            .lines()
            .join(" | ")
    );

    let (giver_name, giver) = {
        let (n, c) = &mut fans[winners[0]];
        (*n, c)
    };
    section(&format!("5. {giver_name} gives the ticket to bob"));
    let g = giver.info().unwrap();
    let b = bob.info().unwrap();
    let stored = giver.tickets().unwrap();
    let old_ticket = stored[0].ticket.clone();
    let request = giver
        .sign_transfer(stored[0].slot, b.chip, clock.now(), PIN)
        .unwrap();
    let submission = TransferSubmission {
        request,
        assignor_public_key: g.public_key.to_uncompressed().to_vec(),
    };
    let transfer = center
        .request_transfer(&terminal, "transfer-carol-bob", &submission)
        .unwrap();
    let cooling = center.config().cooling_off_secs;
    println!(
        "transfer {} requested; cooling-off {} h",
        transfer.id,
        cooling / 3600
    );
    let too_soon = center
        .complete_transfer(&terminal, "complete-early", &transfer.id)
        .unwrap_err();
    println!("completing at once: {too_soon}");
    clock.advance(cooling);
    let done = center
        .complete_transfer(&terminal, "complete", &transfer.id)
        .unwrap();
    println!(
        "re-issued as generation {} to bob; the old generation is revoked",
        done.ticket.generation.0
    );
    let target = ChipTarget {
        chip: b.chip,
        counter: b.counter,
        slot: 0,
        grant_keys: Vec::new(),
    };
    let to_bob = center
        .deliver(&terminal, id, done.ticket.serial, &target)
        .unwrap();
    bob.write(&to_bob.grant.unwrap().grant, &to_bob.ticket.ticket)
        .unwrap();
    let g_now = giver.info().unwrap();
    let target = ChipTarget {
        chip: g.chip,
        counter: g_now.counter,
        slot: stored[0].slot,
        grant_keys: Vec::new(),
    };
    let delete = center
        .delete_grant(&terminal, id, done.ticket.serial, &target)
        .unwrap();
    giver.delete(&delete.grant).unwrap();
    println!(
        "bob's chip holds {} ticket(s), {giver_name}'s {}",
        bob.tickets().unwrap().len(),
        giver.tickets().unwrap().len()
    );

    section("6. The gates");
    clock.advance(show_time.0 - clock.now().0);
    let now = clock.now();
    let keyset = center.key_set_signed(&operator).unwrap();
    let root = PublicKey::from_sec1(&keyset.root_public_key).unwrap();
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
        ledgers.path().join("entries.db"),
        event.clone(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let mut north = unit.gate(GateId(1), "north-1").unwrap();
    let mut east = unit.gate(GateId(2), "east-1").unwrap();

    // Problem tickets: a forgery, an old show's ticket, another event's ticket,
    // the old generation of the transferred ticket, and a copy on a stranger's card.
    let ticket_key = center.keys().ticket_key_for(event.id).unwrap().clone();
    let forger = SigningKeyPair::from_secret_bytes(ticket_key.id(), &[0x66; 32]).unwrap();
    let forged = fixtures::paper_ticket(TicketSerial(1))
        .sign(&forger)
        .unwrap();
    let stale = TicketBody {
        valid_from: now.minus(8 * 86_400),
        valid_for: 86_400,
        issued_at: now.minus(9 * 86_400),
        ..fixtures::paper_ticket(TicketSerial(3))
    };
    let stale = stale.sign(&ticket_key).unwrap();
    let elsewhere = TicketBody {
        event: EventId(1999),
        issued_at: now.minus(86_400),
        ..fixtures::paper_ticket(TicketSerial(4))
    };
    let elsewhere = elsewhere.sign(&ticket_key).unwrap();
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
        "carol's card again: terminal ticket",
        east.admit_chip(&mut carol, now.plus(25)).unwrap(),
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
        "the giver's old generation",
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
        north.admit_chip(giver, now.plus(250)).unwrap(),
    );

    // A handheld scanner at the east gate reaches the unit over the venue
    // LAN (its own machine, its own log): it verifies tickets itself and
    // the unit decides passback for every device at once.
    let handheld = DeviceCredential::generate("east-handheld", GateId(2)).unwrap();
    let server = VenueServer::new(&unit, [handheld.clone()]).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let lan = listener.local_addr().unwrap();
    std::thread::spawn(move || server.serve(listener));
    let mut device = Device::open(
        DeviceConfig::new(
            lan.to_string(),
            handheld,
            keyset.root_key_id,
            PublicKey::from_sec1(&keyset.root_public_key).unwrap(),
            ledgers.path().join("east-handheld.db"),
        ),
        now,
    )
    .unwrap();
    show(
        "the second paper at the handheld",
        device
            .gate()
            .admit_paper(paper[1].as_bytes(), now.plus(260))
            .unwrap(),
    );
    show(
        "bob's chip at the handheld",
        device.gate().admit_chip(&mut bob, now.plus(270)).unwrap(),
    );

    section("7. The entry log goes to the center; statistics");
    // The unit has its own credential, registered with its public key; its
    // batches are signed with its key, so no other credential uploads as it.
    let cred = center
        .issue_unit_credential(
            &Principal::Operator,
            id,
            "festhalle-nord",
            &unit.public_key().unwrap(),
        )
        .unwrap();
    let gate_unit = center.authenticate(&cred.token).unwrap();
    let (batch, bytes) = unit.signed_upload("festhalle-nord", 10_000).unwrap();
    // The unit keys each batch by its cursor range: a retry under that key
    // gets the first answer back; the same scans sent again under another
    // key (after a restart that lost the key) are not stored twice either.
    let key = format!("{}-{}-{}", batch.unit, batch.from_cursor, batch.to_cursor);
    let first = center.import_entries(&gate_unit, &key, id, &bytes).unwrap();
    assert_eq!(
        center.import_entries(&gate_unit, &key, id, &bytes).unwrap(),
        first
    );
    let retry = center
        .import_entries(&gate_unit, "resent-after-restart", id, &bytes)
        .unwrap();
    unit.confirm_upload(&batch).unwrap();
    println!(
        "uploaded {} scans ({} bytes): {} stored; the retried upload stored {}, {} already there",
        batch.records.len(),
        bytes.len(),
        first.added,
        retry.added,
        retry.already_present
    );
    let stats = center.entry_statistics(&organizer, id).unwrap();
    std::fs::write(out.join("entry-statistics.svg"), stats.to_svg()).unwrap();
    std::fs::write(out.join("entry-statistics.csv"), stats.to_csv()).unwrap();
    std::fs::write(out.join("entry-statistics.json"), stats.to_json().unwrap()).unwrap();
    println!(
        "attended {} of {} issued, {} scans refused",
        stats.attended, stats.issued, stats.refused
    );
    println!("{}", stats.to_csv());
    println!("chart: {}", out.join("entry-statistics.svg").display());

    second_show(
        &center,
        &clock,
        ledgers.path(),
        (&organizer, &box_office, box_id),
    );
}

/// A second show the next evening, moved a week later: its paper tickets
/// are re-issued for the new date, a holder who cannot come is refunded,
/// and at the new date the gate refuses the old copy, saying to print the
/// new one, and admits the new one.
fn second_show(
    center: &Center,
    clock: &ManualClock,
    dir: &std::path::Path,
    (organizer, box_office, box_id): (&Principal, &Principal, DistributorId),
) {
    section("8. A second show, moved a week later");
    let mut event = fixtures::small_event();
    event.id = EventId(2027);
    event.name = format!("{} (second show)", event.name);
    for t in [
        &mut event.schedule.doors_open,
        &mut event.schedule.start,
        &mut event.schedule.end,
    ] {
        *t = t.plus(DAY);
    }
    let id = event.id;
    let registration = EventRegistration {
        info: event.clone(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    center
        .register_event(organizer, "reg-second", &registration)
        .unwrap();
    center
        .select_distributor(
            organizer,
            "sel-second",
            id,
            box_id,
            DistributionPolicy::default(),
        )
        .unwrap();
    let all_to_box = AllotmentRatios {
        shares: vec![RatioShare {
            distributor: box_id,
            weight: 1,
            seat_type: None,
        }],
    };
    center
        .set_allotment_ratios(organizer, "ratio-second", id, &all_to_box)
        .unwrap();
    let sale = center
        .sell(
            box_office,
            "second-sale",
            id,
            &SaleRequest {
                seats: SeatChoice::BestAvailable {
                    seat_type: Some(fixtures::STANDING),
                    quantity: 2,
                },
                holder: Holder::Paper,
                member: None,
            },
        )
        .unwrap();
    let serials: Vec<TicketSerial> = sale.records.iter().map(|r| r.serial).collect();
    let printed: Vec<_> = serials
        .iter()
        .map(|s| {
            center
                .issue(box_office, &format!("second-issue-{s}"), id, *s, None)
                .unwrap();
            center
                .print_paper_ticket(box_office, &format!("second-print-{s}"), id, *s)
                .unwrap()
                .ticket
                .signed()
                .unwrap()
        })
        .collect();
    let listed: Vec<String> = serials.iter().map(ToString::to_string).collect();
    println!(
        "{}: box office sold and printed paper tickets {} for {}",
        event.name,
        listed.join(", "),
        event.schedule.doors_open
    );
    let schedule = eticket_core::event::Schedule {
        doors_open: event.schedule.doors_open.plus(7 * DAY),
        start: event.schedule.start.plus(7 * DAY),
        end: event.schedule.end.plus(7 * DAY),
    };
    let moved = center
        .postpone_event(
            organizer,
            "postpone-second",
            id,
            &Postponement {
                schedule,
                refund_until: schedule.doors_open.minus(DAY),
            },
        )
        .unwrap();
    println!(
        "moved to {}: {} of {} tickets re-issued for the new date (new ticket key: {:?}), refunds until {}",
        schedule.doors_open,
        moved.on_new_dates,
        moved.issued,
        moved.new_ticket_key,
        moved.refund_until
    );
    let refund = center
        .refund_postponed(box_office, "second-refund", id, serials[1])
        .unwrap();
    println!(
        "ticket {} cannot come on the new date: refunded {} by the box office",
        refund.serial, refund.price.0
    );
    // The first holder prints the new ticket (a reprint: the new
    // generation again, the copy from before stays refused).
    let reprinted = center
        .print_paper_ticket(box_office, "second-reprint", id, serials[0])
        .unwrap()
        .ticket
        .signed()
        .unwrap();

    clock.advance(schedule.doors_open.plus(600).0 - clock.now().0);
    let now = clock.now();
    let keyset = center.key_set_signed(&Principal::Operator).unwrap();
    let root = PublicKey::from_sec1(&keyset.root_public_key).unwrap();
    let mut trust = TrustStore::new(keyset.root_key_id, root, id);
    trust.accept_key_set(&keyset.key_set, now).unwrap();
    let revocations = center.revocation_list(&Principal::Operator, id).unwrap();
    trust
        .accept_revocation_list(&revocations.signed, now)
        .unwrap();
    let unit = VenueUnit::open(
        dir.join("second-show.db"),
        event,
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let mut gate = unit.gate(GateId(1), "north-1").unwrap();
    for (label, ticket) in [
        ("the copy printed before the move", &printed[0]),
        ("the refunded ticket's old copy", &printed[1]),
        ("the ticket printed for the new date", &reprinted),
    ] {
        println!(
            "{label:<36} {}",
            gate.admit_paper(ticket.as_bytes(), now).unwrap()
        );
    }
}

fn section(title: &str) {
    println!("\n== {title}");
}

fn chip_of(holder: &Holder) -> eticket_core::ids::ChipId {
    match holder {
        Holder::Chip(c) => *c,
        Holder::Paper => eticket_core::ids::ChipId([0; 16]),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hex_bytes(text: &str) -> Vec<u8> {
    (0..text.len() / 2)
        .map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}
