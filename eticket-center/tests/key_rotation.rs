//! Key rotation end to end, on SQLite and on PostgreSQL: the operator rotates
//! the ticket, grant and list keys; tickets signed before keep admitting at a
//! real venue unit until the old key is retired, tickets signed after admit
//! once the unit has synced the new key set, and a second center process over
//! the same ledger signs with the new key without a restart.

#[macro_use]
mod common;

use common::{Backend, ORG, SHOP, clock};
use eticket_center::clock::Clock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::issuance::{ChipTarget, Delivery};
use eticket_center::{Center, Error, Principal};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::admission::Reason;
use eticket_core::fixtures::{self, EVENT};
use eticket_core::grant::{Grant, GrantOp};
use eticket_core::ids::{GateId, KeyId};
use eticket_core::keys::{KeyPurpose, KeySet};
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::Holder;
use eticket_gate::gate::Outcome;
use eticket_gate::refusal::Refusal;

const OP: Principal = Principal::Operator;

/// The key id in a signed envelope's header.
fn key_id(signed: &[u8]) -> KeyId {
    KeyId(u16::from_be_bytes([signed[1], signed[2]]))
}

fn refusal(outcome: &Outcome) -> Option<Refusal> {
    outcome.refusal()
}

fn rotation(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    // A second process over the same ledger, opened before any rotation.
    let other = backend.center(&clock);
    let sold = common::sold_paper(&center, 4);
    let before = common::issue(&center, sold[0]);
    // The event's own key, made when it was registered (key set version 2).
    let first = center.keys().ticket_key_for(EVENT).unwrap().id();
    assert_eq!(key_id(before.as_bytes()), first);
    let v1 = center.key_set_signed(&OP).unwrap();
    assert_eq!(v1.version, 2);

    // Only the operator rotates; a replay returns the first answer.
    assert!(matches!(
        center.rotate_event_key(&ORG, "r", EVENT),
        Err(Error::Forbidden(_))
    ));
    let change = center.rotate_event_key(&OP, "rotate-t", EVENT).unwrap();
    assert_eq!(
        (change.previous, change.event, change.key_set_version),
        (Some(first), Some(EVENT), 3)
    );
    assert_eq!(
        center.rotate_event_key(&OP, "rotate-t", EVENT).unwrap(),
        change
    );
    assert_eq!(center.key_set_signed(&OP).unwrap().version, 3);
    let new_key = change.key;

    // Both processes now sign tickets with the new key.
    let after = common::issue(&center, sold[1]);
    assert_eq!(key_id(after.as_bytes()), new_key);
    let by_other = common::issue(&other, sold[2]);
    assert_eq!(key_id(by_other.as_bytes()), new_key);

    // A venue unit still on key set 1 admits the old ticket, refuses the new
    // one as signed by an unknown key, and admits it after syncing version 2.
    clock.advance(fixtures::NOW.0 - clock.now().0);
    let now = clock.now();
    let dir = tempfile::tempdir().unwrap();
    let unit = {
        // Trust as published at version 1.
        let root = eticket_core::crypto::PublicKey::from_sec1(&v1.root_public_key).unwrap();
        let mut trust = eticket_gate::TrustStore::new(v1.root_key_id, root, EVENT);
        trust.accept_key_set(&v1.key_set, now).unwrap();
        // And a revocation list signed now: a unit admits nothing without.
        let list = center
            .revocation_list(&Principal::Gate(EVENT), EVENT)
            .unwrap();
        trust.accept_revocation_list(&list.signed, now).unwrap();
        eticket_gate::VenueUnit::open(
            dir.path().join("entries.db"),
            fixtures::small_event(),
            trust,
            eticket_gate::PassbackPolicy::SingleEntry,
        )
        .unwrap()
    };
    let mut gate = unit.gate(GateId(2), "east-1").unwrap();
    assert!(
        gate.admit_paper(before.as_bytes(), now)
            .unwrap()
            .is_admitted()
    );
    let refused = gate.admit_paper(after.as_bytes(), now).unwrap();
    assert_eq!(refusal(&refused), Some(Refusal::Ticket(Reason::UnknownKey)));
    let v2 = center.key_set_signed(&Principal::Gate(EVENT)).unwrap();
    assert_eq!(unit.accept_key_set(&v2.key_set, now).unwrap(), 3);
    let mut gate = unit.gate(GateId(2), "east-1").unwrap();
    assert!(
        gate.admit_paper(after.as_bytes(), now.plus(1))
            .unwrap()
            .is_admitted()
    );

    // The key that signs now and the root cannot be retired; the old one can.
    let err = center.retire_key(&OP, "x1", new_key).unwrap_err();
    assert!(err.to_string().contains("rotate it first"), "{err}");
    assert!(center.retire_key(&OP, "x2", KeyId(100)).is_err());
    assert!(center.retire_key(&OP, "x3", KeyId(999)).is_err());
    let retired = center.retire_key(&OP, "retire-1", first).unwrap();
    assert_eq!(retired.key_set_version, 4);
    assert!(center.retire_key(&OP, "retire-1b", first).is_err());
    let v3 = center.key_set_signed(&Principal::Gate(EVENT)).unwrap();
    let set = KeySet::from_signed_bytes(
        &v3.key_set,
        v3.root_key_id,
        &eticket_core::crypto::PublicKey::from_sec1(&v3.root_public_key).unwrap(),
    )
    .unwrap();
    assert!(set.get(first).unwrap().retired);
    // After syncing version 4 the unit refuses what the retired key signed.
    assert_eq!(unit.accept_key_set(&v3.key_set, now).unwrap(), 4);
    let mut gate = unit.gate(GateId(2), "east-1").unwrap();
    let old_again = common::issue(&center, sold[3]);
    assert_eq!(key_id(old_again.as_bytes()), new_key);
    assert!(
        gate.admit_paper(old_again.as_bytes(), now.plus(2))
            .unwrap()
            .is_admitted()
    );
    // `before` was admitted already; a fresh unit shows the key refusal itself.
    let dir2 = tempfile::tempdir().unwrap();
    let fresh = common::venue(&center, dir2.path());
    let mut gate = fresh.gate(GateId(2), "east-1").unwrap();
    let refused = gate.admit_paper(before.as_bytes(), now.plus(3)).unwrap();
    assert_eq!(refusal(&refused), Some(Refusal::Ticket(Reason::KeyRetired)));
    // An older key set is not taken back.
    assert!(unit.accept_key_set(&v2.key_set, now).is_err());

    // Grants and lists rotate the same way.
    let g = center
        .rotate_key(&OP, "rotate-g", KeyPurpose::Grants)
        .unwrap();
    let l = center
        .rotate_key(&OP, "rotate-l", KeyPurpose::Lists)
        .unwrap();
    assert_eq!(l.key_set_version, 6);
    let keys = center.key_set_signed(&OP).unwrap();
    let set = KeySet::from_signed_bytes(
        &keys.key_set,
        keys.root_key_id,
        &eticket_core::crypto::PublicKey::from_sec1(&keys.root_public_key).unwrap(),
    )
    .unwrap();
    let list = other.revocation_list(&OP, EVENT).unwrap();
    assert_eq!(key_id(&list.signed), l.key);
    RevocationList::from_signed_bytes(&list.signed, &set, clock.now()).unwrap();
    // A card personalized before the grant rotation trusts only key 2: its
    // grants stay signed with key 2 and it takes them; a card personalized
    // now trusts both and gets grants from the new key.
    let v1_set = KeySet::from_signed_bytes(
        &v1.key_set,
        v1.root_key_id,
        &eticket_core::crypto::PublicKey::from_sec1(&v1.root_public_key).unwrap(),
    )
    .unwrap();
    let old_grant_key = v1_set.get(KeyId(2)).unwrap().public.clone();
    let mut old_card = card(b"before", vec![(KeyId(2), old_grant_key)]);
    let install = other.keys().grant_keys_to_install(4);
    assert_eq!(
        install.iter().map(|k| k.0).collect::<Vec<_>>(),
        vec![g.key, KeyId(2)]
    );
    let mut new_card = card(b"after", install);
    for (name, chip, expected) in [
        ("old", &mut old_card, KeyId(2)),
        ("new", &mut new_card, g.key),
    ] {
        let delivery = sell_and_issue(&other, &other, chip, name, 0).unwrap();
        assert_eq!(key_id(&delivery.ticket.ticket), new_key);
        let grant = delivery.grant.unwrap().grant;
        assert_eq!(key_id(&grant), expected, "{name} card");
        Grant::verify(&grant, GrantOp::Write, &set, clock.now()).unwrap();
        chip.write(&grant, &delivery.ticket.ticket).unwrap();
    }
    // Once key 2 is retired the old card cannot be written any more, with an
    // error that says so.
    center.retire_key(&OP, "retire-2", KeyId(2)).unwrap();
    let err = sell_and_issue(&center, &other, &mut old_card, "old-again", 1).unwrap_err();
    assert!(err.to_string().contains("needs a new card"), "{err}");
}

/// One seat sold by `seller` for the card, then issued by `issuer` with a
/// write grant for the card as its GET INFO shows it now.
fn sell_and_issue(
    seller: &Center,
    issuer: &Center,
    card: &mut Chip<InProcessCard>,
    name: &str,
    slot: u8,
) -> Result<Delivery, Error> {
    let info = card.info().unwrap();
    let req = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: None,
            quantity: 1,
        },
        holder: Holder::Chip(info.chip),
        member: None,
    };
    let shop = Principal::Distributor(SHOP);
    let serial = seller
        .sell(&shop, &format!("sale-{name}"), EVENT, &req)?
        .records[0]
        .serial;
    let target = ChipTarget {
        chip: info.chip,
        counter: info.counter,
        slot,
        grant_keys: info.grant_keys,
    };
    issuer.issue(&shop, &format!("issue-{name}"), EVENT, serial, Some(target))
}

/// A grant key prepared ahead: cards personalized before the grant rotation
/// trust it, so they keep taking grants after the rotation and after the old
/// grant key is retired, where a card made before any preparation needs
/// replacing.
fn prepared_grant_key(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    let other = backend.center(&clock);
    common::sold_paper(&center, 1);
    let prepared = center.prepare_grant_key(&OP, "prepare").unwrap();
    assert_eq!(center.prepare_grant_key(&OP, "prepare").unwrap(), prepared);
    let again = center.prepare_grant_key(&OP, "prepare-again");
    assert!(
        matches!(&again, Err(e) if e.to_string().contains("prepared already")),
        "{again:?}"
    );
    assert!(matches!(
        center.prepare_grant_key(&ORG, "org"),
        Err(Error::Forbidden(_))
    ));
    // Not signing, not published; installed first on new cards, also by the
    // other process.
    let keys = center.key_set_signed(&OP).unwrap();
    let set = KeySet::from_signed_bytes(
        &keys.key_set,
        keys.root_key_id,
        &eticket_core::crypto::PublicKey::from_sec1(&keys.root_public_key).unwrap(),
    )
    .unwrap();
    assert!(set.get(prepared.key).is_err());
    let install = other.current_keys().unwrap().grant_keys_to_install(4);
    assert_eq!(
        install.iter().map(|k| k.0).collect::<Vec<_>>(),
        vec![prepared.key, KeyId(2)]
    );
    let mut early = card(b"early", install);
    let mut old = card(b"old", vec![install_of(&center, KeyId(2))]);
    let write = |chip: &mut Chip<InProcessCard>, name: &str, slot: u8| {
        let delivery =
            sell_and_issue(&center, &other, chip, name, slot).map_err(|e| e.to_string())?;
        let grant = delivery.grant.unwrap().grant;
        chip.write(&grant, &delivery.ticket.ticket).unwrap();
        Ok::<KeyId, String>(key_id(&grant))
    };
    // Before the rotation both cards get grants from key 2.
    assert_eq!(write(&mut early, "early-1", 0), Ok(KeyId(2)));
    assert_eq!(write(&mut old, "old-1", 0), Ok(KeyId(2)));
    // The rotation makes the prepared key the grant key; after key 2 is
    // retired the early card still takes grants, the old one needs a new card.
    let rotated = center
        .rotate_key(&OP, "rotate-g", KeyPurpose::Grants)
        .unwrap();
    assert_eq!(rotated.key, prepared.key);
    assert_eq!(other.current_keys().unwrap().prepared_grant_key(), None);
    center.retire_key(&OP, "retire-2", KeyId(2)).unwrap();
    assert_eq!(write(&mut early, "early-2", 1), Ok(prepared.key));
    let refused = write(&mut old, "old-2", 1).unwrap_err();
    assert!(refused.contains("needs a new card"), "{refused}");
}

/// The public half of one of the center's keys, as a card installs it.
fn install_of(
    center: &eticket_center::Center,
    id: KeyId,
) -> (KeyId, eticket_core::crypto::PublicKey) {
    center
        .keys()
        .grant_keys_to_install(4)
        .into_iter()
        .find(|k| k.0 == id)
        .unwrap()
}

fn card(
    seed: &[u8],
    grant_keys: Vec<(KeyId, eticket_core::crypto::PublicKey)>,
) -> Chip<InProcessCard> {
    let mut chip = Chip::connect(InProcessCard::from_seed(seed)).unwrap();
    chip.personalize(&Personalization::new(
        grant_keys,
        Pin::new(b"1234").unwrap(),
    ))
    .unwrap();
    chip
}

/// Each event has its own ticket key: a key that leaks forges tickets for
/// its event only. Gates refuse another event's ticket signed with it as out
/// of the key's scope, the center signs each event's tickets with that
/// event's key, and expired event keys leave the key set, so it does not
/// grow with every event ever held.
fn a_ticket_key_signs_for_one_event(backend: Backend) {
    let clock = clock();
    let center = backend.center(&clock);
    common::sold_paper(&center, 1);
    let mut later = fixtures::small_event();
    later.id = eticket_core::ids::EventId(EVENT.0 + 1);
    for t in [
        &mut later.schedule.doors_open,
        &mut later.schedule.start,
        &mut later.schedule.end,
    ] {
        *t = t.plus(60 * 86_400);
    }
    let reg = eticket_center::organizer::EventRegistration {
        info: later.clone(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    let summary = center.register_event(&ORG, "reg-later", &reg).unwrap();
    let keys = center.keys();
    let (mine, theirs) = (
        keys.ticket_key_for(EVENT).unwrap().clone(),
        keys.ticket_key_for(later.id).unwrap().clone(),
    );
    assert_eq!(theirs.id(), summary.ticket_key);
    assert_ne!(mine.id(), theirs.id());
    assert!(keys.all_events_ticket_key().is_none());
    let published = center.key_set_signed(&OP).unwrap();
    let set = KeySet::from_signed_bytes(
        &published.key_set,
        published.root_key_id,
        &eticket_core::crypto::PublicKey::from_sec1(&published.root_public_key).unwrap(),
    )
    .unwrap();
    assert_eq!(
        set.get(theirs.id()).unwrap().scope,
        eticket_core::keys::KeyScope::Events(vec![later.id])
    );
    // The attack: EVENT's key, leaked, signs a ticket for the later event.
    let forged = eticket_core::ticket::TicketBody {
        event: later.id,
        valid_from: later.schedule.doors_open,
        issued_at: clock.now(),
        ..fixtures::paper_ticket(eticket_core::ids::TicketSerial(1))
    }
    .sign(&mine)
    .unwrap();
    let at = clock.now();
    assert!(matches!(
        eticket_core::ticket::verify(forged.as_bytes(), &set, at),
        Err(eticket_core::Error::KeyOutOfScope { .. })
    ));
    // Ended events' keys leave the key set at the next key change.
    let size = |c: &Center| c.keys().entries().len();
    let with_both = size(&center);
    clock.advance(later.schedule.end.0 - clock.now().0 + 30 * 86_400);
    let mut third = later.clone();
    third.id = eticket_core::ids::EventId(EVENT.0 + 2);
    for t in [
        &mut third.schedule.doors_open,
        &mut third.schedule.start,
        &mut third.schedule.end,
    ] {
        *t = t.plus(90 * 86_400);
    }
    let reg = eticket_center::organizer::EventRegistration {
        info: third.clone(),
        prices: fixtures::prices(),
        seat_map: None,
    };
    center.register_event(&ORG, "reg-third", &reg).unwrap();
    assert_eq!(size(&center), with_both - 2 + 1);
    let keys = center.keys();
    assert!(keys.entry(mine.id()).is_none() && keys.entry(theirs.id()).is_none());
    // Their tickets are no longer signed; the error says how to sign again.
    let err = keys.ticket_key_for(EVENT).map(|k| k.id());
    assert!(err.is_err(), "{err:?}");
}

suite!(
    rotation,
    prepared_grant_key,
    a_ticket_key_signs_for_one_event
);

fn center_with(config: eticket_center::Config) -> Center {
    Center::open_with(
        eticket_center::store::Ledger::sqlite_in_memory().unwrap(),
        clock(),
        config,
    )
    .unwrap()
}

fn register(center: &Center, who: &Principal, id: u32) -> Result<(), Error> {
    let mut info = fixtures::small_event();
    info.id = eticket_core::ids::EventId(id);
    let reg = eticket_center::organizer::EventRegistration {
        info,
        prices: fixtures::prices(),
        seat_map: None,
    };
    center
        .register_event(who, &format!("reg-{id}"), &reg)
        .map(|_| ())
}

/// Registering event after event cannot push the key set past what gates
/// accept: the registration that would is refused, and the key set stays
/// published.
#[test]
fn registrations_cannot_outgrow_the_key_set() {
    let center = center_with(eticket_center::Config {
        max_key_set_keys: 3,
        ..Default::default()
    });
    // Grant and list key, then the first event's key: three.
    register(&center, &ORG, 1).unwrap();
    let err = register(&center, &OP, 2).unwrap_err();
    assert!(err.to_string().contains("more than the 3"), "{err}");
    assert!(center.event_info(eticket_core::ids::EventId(2)).is_err());
    let published = center.key_set_signed(&OP).unwrap();
    assert_eq!(published.version, 2);
    // Nor can rotations push it past: the rotation is refused, the set
    // stays what gates take.
    let err = center
        .rotate_key(&OP, "rotate-lists", KeyPurpose::Lists)
        .unwrap_err();
    assert!(err.to_string().contains("more than the 3"), "{err}");
    assert!(err.to_string().contains("eticket drop-key"), "{err}");
    assert_eq!(center.key_set_signed(&OP).unwrap().version, 2);
}

/// An emergency rotation at a full key set: a retired key is dropped to
/// make room. Only a retired key drops, only once, only by the operator.
#[test]
fn a_full_key_set_makes_room_by_dropping_a_retired_key() {
    let center = center_with(eticket_center::Config {
        max_key_set_keys: 4,
        ..Default::default()
    });
    // Grant, list and the event's key; a list-key rotation makes four.
    register(&center, &ORG, 1).unwrap();
    let old_list = center.keys().list.id();
    center
        .rotate_key(&OP, "rotate-1", KeyPurpose::Lists)
        .unwrap();
    // The new list key leaks: rotating again is refused, the set is full.
    let err = center
        .rotate_key(&OP, "rotate-2", KeyPurpose::Lists)
        .unwrap_err();
    assert!(err.to_string().contains("eticket drop-key"), "{err}");
    let listed = |c: &eticket_center::Center| {
        let signed = c.key_set_signed(&OP).unwrap();
        let root = eticket_core::crypto::PublicKey::from_sec1(&signed.root_public_key).unwrap();
        KeySet::from_signed_bytes(&signed.key_set, signed.root_key_id, &root)
            .unwrap()
            .entries()
            .iter()
            .map(|k| k.id)
            .collect::<Vec<_>>()
    };
    let err = center.drop_key(&OP, "drop-early", old_list).unwrap_err();
    assert!(err.to_string().contains("retire it first"), "{err}");
    assert!(matches!(
        center.drop_key(&ORG, "drop-org", old_list),
        Err(eticket_center::Error::Forbidden(_))
    ));
    center.retire_key(&OP, "retire-old", old_list).unwrap();
    let dropped = center.drop_key(&OP, "drop", old_list).unwrap();
    assert!(!listed(&center).contains(&old_list));
    assert_eq!(
        dropped.key_set_version,
        center.key_set_signed(&OP).unwrap().version
    );
    let err = center.drop_key(&OP, "drop-again", old_list).unwrap_err();
    assert!(
        err.to_string().contains("left the key set already"),
        "{err}"
    );
    // Room again: the emergency rotation goes through.
    center
        .rotate_key(&OP, "rotate-2b", KeyPurpose::Lists)
        .unwrap();
}

/// One organizer's token cannot take the whole key set: past its own cap it
/// is refused, and another organizer still registers.
#[test]
fn one_organizer_cannot_take_the_key_set() {
    let center = center_with(eticket_center::Config {
        max_events_per_organizer: 2,
        ..Default::default()
    });
    register(&center, &ORG, 1).unwrap();
    register(&center, &ORG, 2).unwrap();
    let err = register(&center, &ORG, 3).unwrap_err();
    assert!(
        err.to_string()
            .contains("more than the 2 one organizer may"),
        "{err}"
    );
    register(&center, &Principal::Organizer(2), 3).unwrap();
    // The operator is bound by the key set's size only.
    register(&center, &OP, 4).unwrap();
}
