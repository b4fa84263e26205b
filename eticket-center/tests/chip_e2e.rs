//! End to end with eticket-chip's in-process card: issuance writes the ticket
//! with the center's grant, a failed write is re-delivered with a fresh grant,
//! a replayed grant is refused by the chip, and a transfer moves the ticket
//! from one chip to another (the assignor chip signs the request, the center
//! re-issues, the assignee writes, the assignor deletes).

use std::sync::Arc;

use eticket_center::clock::{Clock, ManualClock};
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::issuance::ChipTarget;
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::DistributionPolicy;
use eticket_center::store::Ledger;
use eticket_center::transfer::TransferSubmission;
use eticket_center::{Center, Config, Principal};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::fixtures;
use eticket_core::ids::{DistributorId, Generation};
use eticket_core::ticket::Holder;

#[test]
fn issue_write_redeliver_and_transfer_between_chips() {
    let clock = Arc::new(ManualClock::new(fixtures::NOW.minus(30 * 86_400)));
    let center = Center::open_with(
        Ledger::sqlite_in_memory().unwrap(),
        clock.clone(),
        Config::default(),
    )
    .unwrap();
    let (op, org, d) = (
        Principal::Operator,
        Principal::Organizer(1),
        DistributorId(1),
    );
    let shop = Principal::Distributor(d);
    center.register_distributor(&op, "d", d, "Shop").unwrap();
    center.set_terminal_distributors(&op, 1, &[d]).unwrap();
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
    center
        .select_distributor(&org, "s", fixtures::EVENT, d, DistributionPolicy::default())
        .unwrap();
    let shares = vec![RatioShare {
        distributor: d,
        weight: 1,
        seat_type: None,
    }];
    center
        .set_allotment_ratios(&org, "a", fixtures::EVENT, &AllotmentRatios { shares })
        .unwrap();

    // Two chips personalized with the center's grant key.
    let grant_key = &center.keys().grant;
    let personalization = Personalization::new(
        vec![(grant_key.id(), grant_key.public_key())],
        Pin::new(b"1234").unwrap(),
    );
    let mut alice = Chip::connect(InProcessCard::from_seed(b"alice")).unwrap();
    let mut bob = Chip::connect(InProcessCard::from_seed(b"bob")).unwrap();
    alice.personalize(&personalization).unwrap();
    bob.personalize(&personalization).unwrap();
    let a = alice.info().unwrap();
    let b = bob.info().unwrap();

    // Sale and issuance with a write grant for Alice's chip at its counter.
    let req = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: Some(fixtures::CAT_A),
            quantity: 1,
        },
        holder: Holder::Chip(a.chip),
        member: None,
    };
    let serial = center
        .sell(&shop, "buy", fixtures::EVENT, &req)
        .unwrap()
        .records[0]
        .serial;
    let target = ChipTarget {
        chip: a.chip,
        counter: a.counter,
        slot: 0,
        grant_keys: Vec::new(),
    };
    let delivery = center
        .issue(
            &shop,
            "issue",
            fixtures::EVENT,
            serial,
            Some(target.clone()),
        )
        .unwrap();
    let grant = delivery.grant.unwrap().grant;
    // The first write "fails" on the way (never reaches the chip); a fresh grant
    // is delivered by a store terminal for the same counter and written.
    let again = center
        .deliver(&Principal::Terminal(1), fixtures::EVENT, serial, &target)
        .unwrap();
    assert_eq!(again.ticket.ticket, delivery.ticket.ticket);
    let written = alice
        .write(&again.grant.unwrap().grant, &again.ticket.ticket)
        .unwrap();
    assert_eq!(written.counter, a.counter + 1);
    // The old grant names the old counter: the chip refuses it.
    assert!(alice.write(&grant, &delivery.ticket.ticket).is_err());
    let on_chip = alice.tickets().unwrap();
    assert_eq!(on_chip.len(), 1);
    assert_eq!(
        on_chip[0].ticket.as_bytes(),
        delivery.ticket.ticket.as_slice()
    );
    // A grant for Bob's chip cannot be had for Alice's ticket.
    assert!(
        center
            .deliver(
                &Principal::Terminal(1),
                fixtures::EVENT,
                serial,
                &ChipTarget {
                    chip: b.chip,
                    counter: b.counter,
                    slot: 0,
                    grant_keys: Vec::new()
                }
            )
            .is_err()
    );

    // Transfer: Alice's chip signs, the center waits out cooling-off and re-issues to Bob.
    let request = alice
        .sign_transfer(on_chip[0].slot, b.chip, clock.now(), b"1234")
        .unwrap();
    let sub = TransferSubmission {
        request,
        assignor_public_key: a.public_key.to_uncompressed().to_vec(),
    };
    let t = center
        .request_transfer(&Principal::Terminal(1), "transfer", &sub)
        .unwrap();
    clock.advance(center.config().cooling_off_secs);
    let done = center
        .complete_transfer(&Principal::Terminal(1), "complete", &t.id)
        .unwrap();
    assert_eq!(done.ticket.generation, Generation(1));
    let b_now = bob.info().unwrap();
    let to_bob = center
        .deliver(
            &Principal::Terminal(1),
            fixtures::EVENT,
            serial,
            &ChipTarget {
                chip: b.chip,
                counter: b_now.counter,
                slot: 0,
                grant_keys: Vec::new(),
            },
        )
        .unwrap();
    bob.write(&to_bob.grant.unwrap().grant, &to_bob.ticket.ticket)
        .unwrap();
    let a_now = alice.info().unwrap();
    let delete = center
        .delete_grant(
            &Principal::Terminal(1),
            fixtures::EVENT,
            serial,
            &ChipTarget {
                chip: a.chip,
                counter: a_now.counter,
                slot: on_chip[0].slot,
                grant_keys: Vec::new(),
            },
        )
        .unwrap();
    alice.delete(&delete.grant).unwrap();
    assert!(alice.tickets().unwrap().is_empty());
    let bobs = bob.tickets().unwrap();
    assert_eq!(bobs.len(), 1);
    let keys = {
        let s = center.key_set_signed(&Principal::Operator).unwrap();
        let root = eticket_core::crypto::PublicKey::from_sec1(&s.root_public_key).unwrap();
        eticket_core::keys::KeySet::from_signed_bytes(&s.key_set, s.root_key_id, &root).unwrap()
    };
    let v = eticket_core::ticket::verify(bobs[0].ticket.as_bytes(), &keys, clock.now()).unwrap();
    assert_eq!(
        (v.body.holder, v.body.generation),
        (Holder::Chip(b.chip), Generation(1))
    );
}
