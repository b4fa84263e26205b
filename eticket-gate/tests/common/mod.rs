//! Shared set-up for the integration tests: the fixture event, a venue unit in
//! a temporary directory, cards holding tickets.
#![allow(dead_code)]

pub mod cable;

use eticket_core::fixtures;
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::keys::KeySet;
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::{Holder, SignedTicket, TicketBody};
use eticket_gate::chip::TestCard;
use eticket_gate::{Gate, PassbackPolicy, Settings, TrustStore, VenueUnit};

pub struct Venue {
    pub dir: tempfile::TempDir,
    pub unit: VenueUnit,
}

impl Venue {
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("entries.db")
    }

    pub fn gate(&self, id: u16) -> Gate {
        self.unit.gate(GateId(id), &format!("device-{id}")).unwrap()
    }
}

pub fn trust(keys: KeySet, revocations: RevocationList) -> TrustStore {
    let root = fixtures::root_key();
    TrustStore::with(root.id(), root.public_key(), keys, revocations)
}

pub fn venue_with(policy: PassbackPolicy, keys: KeySet, revocations: RevocationList) -> Venue {
    venue_with_settings(Settings::new(policy), keys, revocations)
}

pub fn venue_with_settings(settings: Settings, keys: KeySet, revocations: RevocationList) -> Venue {
    let dir = tempfile::tempdir().unwrap();
    let unit = VenueUnit::open_with(
        dir.path().join("entries.db"),
        fixtures::small_event(),
        trust(keys, revocations),
        settings,
    )
    .unwrap();
    Venue { dir, unit }
}

/// The list a unit gets from a center that has revoked nothing yet, signed
/// at `fixtures::NOW` (fresh for a day).
pub fn fresh_list() -> RevocationList {
    RevocationList::new(fixtures::EVENT, 0, fixtures::NOW, vec![]).unwrap()
}

pub fn venue(policy: PassbackPolicy) -> Venue {
    venue_with(policy, fixtures::key_set(), fresh_list())
}

/// A ticket for `card`.
pub fn chip_ticket_for(card: &TestCard, serial: u32) -> TicketBody {
    TicketBody {
        holder: Holder::Chip(card.id()),
        ..fixtures::chip_ticket(TicketSerial(serial))
    }
}

pub fn sign(body: &TicketBody) -> SignedTicket {
    body.sign(&fixtures::ticket_key()).unwrap()
}

/// A fresh card holding one ticket of the fixture event.
pub fn card_with_ticket(serial: u32) -> TestCard {
    let mut card = TestCard::generate();
    let body = chip_ticket_for(&card, serial);
    card.store(&sign(&body));
    card
}

pub fn paper(serial: u32) -> SignedTicket {
    sign(&fixtures::paper_ticket(TicketSerial(serial)))
}

use eticket_chip::host::{Chip, Transport};
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::grant::{Grant, GrantOp, payload_hash};

/// The center's part for a real chip: personalize it with the fixture grant
/// key (once) and write a ticket for it with a signed write grant.
pub fn issue_to_chip<T: Transport>(chip: &mut Chip<T>, serial: u32, slot: u8) -> SignedTicket {
    let info = chip.info().unwrap();
    if !info.personalized {
        let k = fixtures::grant_key();
        chip.personalize(&Personalization::new(
            vec![(k.id(), k.public_key())],
            Pin::new(b"1234").unwrap(),
        ))
        .unwrap();
    }
    let info = chip.info().unwrap();
    let body = TicketBody {
        holder: Holder::Chip(info.chip),
        ..fixtures::chip_ticket(TicketSerial(serial))
    };
    let ticket = sign(&body);
    let grant = Grant {
        op: GrantOp::Write,
        chip: info.chip,
        counter: info.counter,
        slot,
        payload_hash: payload_hash(ticket.as_bytes()),
        expires: fixtures::NOW.plus(600),
    }
    .sign(&fixtures::grant_key())
    .unwrap();
    chip.write(&grant, ticket.as_bytes()).unwrap();
    ticket
}
