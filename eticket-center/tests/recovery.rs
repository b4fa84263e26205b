//! Recovery without the old signature: after a ticket key is compromised,
//! every ticket it signed is re-issued under a new key and the holders' chips
//! swap them; a holder whose card is lost, broken or PIN-locked gets the
//! tickets on a new card through the distributor that sold them. Real
//! in-process chips, the center's own grants, and the offline checks a gate
//! makes (signature with the published key set, revocation list).

mod common;

use common::*;
use eticket_center::issuance::ChipTarget;
use eticket_center::reissue::CardReplacement;
use eticket_center::transfer::TransferSubmission;
use eticket_center::{Center, Error, Principal};
use eticket_chip::host::{Chip, InProcessCard};
use eticket_chip::protocol::{MAX_GRANT_KEYS, Personalization, Pin};
use eticket_core::fixtures::EVENT;
use eticket_core::ids::{DistributorId, Generation, TicketSerial};
use eticket_core::keys::KeySet;
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::{self, Holder};

const PIN: &[u8] = b"4711";

fn card(center: &Center, seed: &[u8]) -> Chip<InProcessCard> {
    let mut chip = Chip::connect(InProcessCard::from_seed(seed)).unwrap();
    let keys = center
        .current_keys()
        .unwrap()
        .grant_keys_to_install(MAX_GRANT_KEYS);
    chip.personalize(&Personalization::new(keys, Pin::new(PIN).unwrap()))
        .unwrap();
    chip
}

fn target(chip: &mut Chip<InProcessCard>, slot: u8) -> ChipTarget {
    let info = chip.info().unwrap();
    ChipTarget {
        chip: info.chip,
        counter: info.counter,
        slot,
        grant_keys: info.grant_keys,
    }
}

/// Issue `serial` and write it to `chip` in `slot`.
fn issue_to(center: &Center, chip: &mut Chip<InProcessCard>, serial: TicketSerial, slot: u8) {
    let t = target(chip, slot);
    let d = center
        .issue(
            &Principal::Distributor(SHOP),
            &format!("i{serial}"),
            EVENT,
            serial,
            Some(t),
        )
        .unwrap();
    chip.write(&d.grant.unwrap().grant, &d.ticket.ticket)
        .unwrap();
}

/// What a gate that synced now has: the key set and the revocation list.
fn gate_view(center: &Center) -> (KeySet, RevocationList) {
    let keys = center.current_keys().unwrap().key_set().unwrap();
    let list = center
        .revocation_list(&Principal::Gate(EVENT), EVENT)
        .unwrap();
    let list = RevocationList::from_signed_bytes(&list.signed, &keys, center.now()).unwrap();
    (keys, list)
}

/// Whether a gate would take this payload: the signature verifies with the
/// key set and its generation is not revoked.
fn gate_takes(center: &Center, payload: &[u8]) -> bool {
    let (keys, list) = gate_view(center);
    match ticket::verify(payload, &keys, center.now()) {
        Ok(t) => !list.is_revoked(t.body.serial, t.body.generation),
        Err(_) => false,
    }
}

/// Swap what the chip holds for the valid generation: delete the old with a
/// delete grant, write the new with a fresh write grant.
fn swap_on_chip(center: &Center, chip: &mut Chip<InProcessCard>, serial: TicketSerial) {
    let shop = Principal::Distributor(SHOP);
    let held = chip
        .tickets()
        .unwrap()
        .into_iter()
        .find(|s| s.ticket.peek_body().unwrap().serial == serial)
        .unwrap();
    let del = center
        .delete_grant(&shop, EVENT, serial, &target(chip, held.slot))
        .unwrap();
    chip.delete(&del.grant).unwrap();
    let d = center
        .deliver(&shop, EVENT, serial, &target(chip, held.slot))
        .unwrap();
    chip.write(&d.grant.unwrap().grant, &d.ticket.ticket)
        .unwrap();
}

#[test]
fn a_compromised_ticket_key_is_recovered_by_bulk_reissue() {
    let backend = Backend::sqlite();
    let c = clock();
    let center = backend.center(&c);
    let mut alice = card(&center, b"alice");
    let alice_id = alice.info().unwrap().chip;
    let serials = sold_to(&center, 2, Holder::Chip(alice_id));
    for (slot, s) in serials.iter().enumerate() {
        issue_to(&center, &mut alice, *s, slot as u8);
    }
    let paper = {
        let shop = Principal::Distributor(SHOP);
        let req = eticket_center::distributor::SaleRequest {
            seats: eticket_center::distributor::SeatChoice::BestAvailable {
                seat_type: Some(eticket_core::fixtures::STANDING),
                quantity: 1,
            },
            holder: Holder::Paper,
            member: None,
        };
        let serial = center.sell(&shop, "paper", EVENT, &req).unwrap().records[0].serial;
        issue(&center, serial);
        serial
    };
    let leaked = center
        .current_keys()
        .unwrap()
        .ticket_key_for(EVENT)
        .unwrap()
        .id();
    let before: Vec<Vec<u8>> = alice
        .tickets()
        .unwrap()
        .iter()
        .map(|s| s.ticket.as_bytes().to_vec())
        .collect();
    assert!(before.iter().all(|t| gate_takes(&center, t)));

    // Only the operator, and not while the leaked key still signs.
    assert!(matches!(
        center.reissue_signed_by(&Principal::Distributor(SHOP), leaked),
        Err(Error::Forbidden(_))
    ));
    assert!(matches!(
        center.reissue_signed_by(&Principal::Operator, leaked),
        Err(Error::Invalid { .. })
    ));
    let err = center
        .reissue_signed_by(&Principal::Operator, leaked)
        .unwrap_err();
    assert!(err.to_string().contains("--event 2026"), "{err}");
    center
        .rotate_event_key(&Principal::Operator, "rot", EVENT)
        .unwrap();
    let report = center
        .reissue_signed_by(&Principal::Operator, leaked)
        .unwrap();
    assert_eq!((report.reissued.len(), report.already_done), (3, 0));
    assert!(
        report
            .reissued
            .iter()
            .all(|r| r.ticket.generation == Generation(1))
    );
    center
        .retire_key(&Principal::Operator, "retire", leaked)
        .unwrap();
    // What the leaked key signed no longer enters; a run again finds nothing.
    assert!(before.iter().all(|t| !gate_takes(&center, t)));
    let again = center
        .reissue_signed_by(&Principal::Operator, leaked)
        .unwrap();
    assert!(again.reissued.is_empty());
    assert_eq!(again.already_done, 3, "a run again counts what was done");

    // Alice's reader swaps both tickets on her chip; the paper holder gets a
    // reprint of the new generation.
    for s in &serials {
        swap_on_chip(&center, &mut alice, *s);
    }
    let after = alice.tickets().unwrap();
    assert_eq!(after.len(), 2);
    for s in &after {
        assert_eq!(s.ticket.peek_body().unwrap().generation, Generation(1));
        assert!(gate_takes(&center, s.ticket.as_bytes()));
    }
    let new_paper = center.issued_ticket(EVENT, paper).unwrap().unwrap();
    assert!(gate_takes(&center, &new_paper.ticket));
}

#[test]
fn a_blocked_card_is_replaced_by_its_distributor() {
    let backend = Backend::sqlite();
    let c = clock();
    let center = backend.center(&c);
    let mut old = card(&center, b"old card");
    let old_id = old.info().unwrap().chip;
    let mut new = card(&center, b"new card");
    let new_id = new.info().unwrap().chip;
    let serials = sold_to(&center, 2, Holder::Chip(old_id));
    for (slot, s) in serials.iter().enumerate() {
        issue_to(&center, &mut old, *s, slot as u8);
    }
    let old_payloads: Vec<Vec<u8>> = old
        .tickets()
        .unwrap()
        .iter()
        .map(|s| s.ticket.as_bytes().to_vec())
        .collect();
    // A transfer the card signed is pending when the holder loses the PIN.
    let held = old.tickets().unwrap()[0].clone();
    let request = old
        .sign_transfer(
            held.slot,
            eticket_core::ids::ChipId([7; 16]),
            center.now(),
            PIN,
        )
        .unwrap();
    let info = old.info().unwrap();
    let submission = TransferSubmission {
        request: request.clone(),
        assignor_public_key: info.public_key.to_uncompressed().to_vec(),
    };
    let requested = || {
        let mut text = String::new();
        eticket_center::metrics::render(&mut text);
        let line = text
            .lines()
            .find_map(|l| l.strip_prefix("eticket_transfers_requested_total "))
            .unwrap_or_else(|| panic!("no transfer counter in\n{text}"))
            .to_owned();
        line.parse::<u64>().unwrap()
    };
    let before = requested();
    let pending = center
        .request_transfer(&Principal::Distributor(SHOP), "t", &submission)
        .unwrap();
    assert_eq!(pending.state, "pending");
    // The same request again, under another key: the same transfer, counted
    // once (this is the only test of this file that requests a transfer).
    let again = center
        .request_transfer(&Principal::Distributor(SHOP), "t-again", &submission)
        .unwrap();
    assert_eq!(again.id, pending.id);
    assert_eq!(requested() - before, 1);
    for _ in 0..3 {
        let _ = old.verify_pin(b"0000");
    }
    assert!(matches!(
        old.sign_transfer(held.slot, new_id, center.now(), PIN),
        Err(eticket_chip::Error::PinBlocked)
    ));

    let req = CardReplacement {
        old_chip: old_id,
        new_chip: new_id,
        identity_check: "passport checked at the box office".into(),
    };
    // Not another distributor, not a terminal, not without a note.
    center
        .register_distributor(&Principal::Operator, "d2", DistributorId(2), "Other")
        .unwrap();
    assert!(
        center
            .replace_card(&Principal::Distributor(DistributorId(2)), "r2", &req)
            .is_err()
    );
    assert!(matches!(
        center.replace_card(&Principal::Terminal(1), "r3", &req),
        Err(Error::Forbidden(_))
    ));
    let blank = CardReplacement {
        identity_check: " ".into(),
        ..req.clone()
    };
    assert!(matches!(
        center.replace_card(&Principal::Distributor(SHOP), "r4", &blank),
        Err(Error::Invalid { .. })
    ));
    let moved = center
        .replace_card(&Principal::Distributor(SHOP), "r", &req)
        .unwrap();
    assert_eq!(moved.len(), 2);
    // Retried under its key: the same answer, nothing moved twice.
    assert_eq!(
        center
            .replace_card(&Principal::Distributor(SHOP), "r", &req)
            .unwrap(),
        moved
    );
    let t = center
        .transfer(&Principal::Distributor(SHOP), &pending.id)
        .unwrap();
    assert_eq!(t.state, "cancelled", "the old card's pending transfer");
    // The old card admits nobody, even if it turns up; the new card gets the
    // tickets with fresh grants.
    assert!(old_payloads.iter().all(|p| !gate_takes(&center, p)));
    for (slot, s) in serials.iter().enumerate() {
        let d = center
            .deliver(
                &Principal::Distributor(SHOP),
                EVENT,
                *s,
                &target(&mut new, slot as u8),
            )
            .unwrap();
        assert_eq!(d.ticket.holder, Holder::Chip(new_id));
        new.write(&d.grant.unwrap().grant, &d.ticket.ticket)
            .unwrap();
    }
    for s in new.tickets().unwrap() {
        assert!(gate_takes(&center, s.ticket.as_bytes()));
    }
}
