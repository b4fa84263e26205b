//! A stand-in for the center in tests: fixture keys, tickets and grants.
#![allow(dead_code)]

use eticket_chip::apdu::Command;
use eticket_chip::protocol::{AID, Personalization, Pin};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::{ChipId, TicketSerial};
use eticket_core::ticket::{Holder, SignedTicket};

/// The personalization the fixture center installs.
/// The holder PIN of the test cards.
pub const PIN: &[u8] = b"1234";

pub fn personalization() -> Personalization {
    let k = fixtures::grant_key();
    Personalization::new(vec![(k.id(), k.public_key())], Pin::new(PIN).unwrap())
}

/// A signed reserved-seat ticket for `chip`.
pub fn ticket(chip: ChipId, serial: u32) -> SignedTicket {
    let mut body = fixtures::chip_ticket(TicketSerial(serial));
    body.holder = Holder::Chip(chip);
    body.sign(&fixtures::ticket_key()).unwrap()
}

/// A grant signed by the fixture grant key.
pub fn grant(op: GrantOp, chip: ChipId, counter: u32, slot: u8, payload: &[u8]) -> Vec<u8> {
    Grant {
        op,
        chip,
        counter,
        slot,
        payload_hash: payload_hash(payload),
        expires: fixtures::NOW.plus(600),
    }
    .sign(&fixtures::grant_key())
    .unwrap()
}

pub fn write_grant(chip: ChipId, counter: u32, slot: u8, payload: &[u8]) -> Vec<u8> {
    grant(GrantOp::Write, chip, counter, slot, payload)
}

pub fn delete_grant(chip: ChipId, counter: u32, slot: u8, payload: &[u8]) -> Vec<u8> {
    grant(GrantOp::Delete, chip, counter, slot, payload)
}

/// SELECT by our AID, encoded.
pub fn select() -> Vec<u8> {
    Command::new(0x00, 0xA4, 0x04, 0x00)
        .with_data(AID.to_vec())
        .to_bytes()
        .unwrap()
}

/// The fixture grant key and three more: the most a chip holds.
pub fn four_key_personalization() -> Personalization {
    let mut grant_keys = vec![(fixtures::GRANT_KEY, fixtures::grant_key().public_key())];
    for i in 0..3u8 {
        let k = eticket_core::crypto::SecretKey::from_bytes(&[0x50 + i; 32]).unwrap();
        grant_keys.push((eticket_core::ids::KeyId(10 + u16::from(i)), k.public_key()));
    }
    Personalization::new(grant_keys, Pin::new(PIN).unwrap()).with_member(Some(
        eticket_chip::protocol::MemberRecord {
            distributor: eticket_core::ids::DistributorId(1),
            member: eticket_core::ids::MemberId(2),
            valid_until: fixtures::NOW,
        },
    ))
}
