//! Deterministic fixtures for tests, examples and benchmarks of every crate:
//! a small venue, an event, prices, and fixed center keys.
//!
//! Enabled by the `fixtures` feature. The keys are public knowledge: never
//! use them outside tests and demonstrations.

use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};
use alloc::vec;
use alloc::vec::Vec;

use crate::event::{EventInfo, Schedule};
use crate::ids::*;
use crate::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet, SigningKeyPair};
use crate::master::Price;
use crate::seat::{Area, Seat, SeatMaster, SeatTypeInfo};
use crate::ticket::{Flags, Holder, Place, TicketBody};
use crate::time::Timestamp;
use crate::venue::{Block, Gate, VenueMaster};

/// The event of the fixtures.
pub const EVENT: EventId = EventId(2026);
/// "Now" in the fixtures: 2026-09-21T14:13:20Z, the event's start.
pub const NOW: Timestamp = Timestamp(1_790_000_000);
/// Id of the ticket-signing key.
pub const TICKET_KEY: KeyId = KeyId(1);
/// Id of the grant-signing key.
pub const GRANT_KEY: KeyId = KeyId(2);
/// Id of the list-signing key.
pub const LIST_KEY: KeyId = KeyId(3);
/// Id of the root key that signs key sets.
pub const ROOT_KEY: KeyId = KeyId(100);
/// Seat type "Category A".
pub const CAT_A: SeatType = SeatType(1);
/// Seat type "Category B".
pub const CAT_B: SeatType = SeatType(2);
/// Seat type "Standing".
pub const STANDING: SeatType = SeatType(3);

fn key(id: KeyId, fill: u8) -> SigningKeyPair {
    // A scalar of repeated bytes below the group order is a valid key.
    match SigningKeyPair::from_secret_bytes(id, &[fill; 32]) {
        Ok(k) => k,
        Err(_) => unreachable_key(),
    }
}

#[allow(clippy::panic)]
fn unreachable_key() -> ! {
    panic!("fixture key bytes are a valid P-256 scalar")
}

/// The center's ticket key.
pub fn ticket_key() -> SigningKeyPair {
    key(TICKET_KEY, 0x11)
}

/// The center's grant key.
pub fn grant_key() -> SigningKeyPair {
    key(GRANT_KEY, 0x22)
}

/// The center's list key.
pub fn list_key() -> SigningKeyPair {
    key(LIST_KEY, 0x33)
}

/// The root key gates trust for key sets.
pub fn root_key() -> SigningKeyPair {
    key(ROOT_KEY, 0x44)
}

/// A key set with the three center keys, valid for a year around [`NOW`].
pub fn key_set() -> KeySet {
    let entry = |k: SigningKeyPair, purpose| KeyEntry {
        id: k.id(),
        public: k.public_key(),
        purpose,
        not_before: NOW.minus(180 * 86_400),
        not_after: NOW.plus(180 * 86_400),
        scope: KeyScope::AllEvents,
        retired: false,
    };
    let mut tickets = entry(ticket_key(), KeyPurpose::Tickets);
    tickets.scope = KeyScope::Events(vec![EVENT]);
    let set = KeySet::new(
        1,
        vec![
            tickets,
            entry(grant_key(), KeyPurpose::Grants),
            entry(list_key(), KeyPurpose::Lists),
        ],
    );
    set.unwrap_or_default()
}

fn s(v: &str) -> String {
    v.to_string()
}

/// "Festhalle Nord": two gates, two seated blocks of 4 rows × 10 seats and a
/// standing area of 50.
pub fn small_event() -> EventInfo {
    let mut seats = Vec::new();
    for (block, seat_type) in [(BlockId(1), CAT_A), (BlockId(2), CAT_B)] {
        for row in 1..=4 {
            for number in 1..=10 {
                seats.push(Seat {
                    block,
                    row,
                    number,
                    seat_type,
                });
            }
        }
    }
    EventInfo {
        id: EVENT,
        name: s("Autumn Open Air 2026"),
        venue: VenueMaster {
            name: s("Festhalle Nord"),
            address: s("Hallenweg 1, 10115 Berlin"),
            time_zone: s("Europe/Berlin"),
            gates: vec![
                Gate {
                    id: GateId(1),
                    name: s("Gate 1 (North)"),
                },
                Gate {
                    id: GateId(2),
                    name: s("Gate 2 (East)"),
                },
            ],
            blocks: vec![
                Block {
                    id: BlockId(1),
                    name: s("Block A"),
                    gate: GateId(1),
                    guidance: s("Take the stairs on the left, Block A is on level 1."),
                    row_labels: vec![s("A"), s("B"), s("C"), s("D")],
                },
                Block {
                    id: BlockId(2),
                    name: s("Block B"),
                    gate: GateId(2),
                    guidance: s("Walk straight ahead, Block B is behind the bar."),
                    row_labels: Vec::new(),
                },
            ],
        },
        schedule: Schedule {
            doors_open: NOW.minus(3600),
            start: NOW,
            end: NOW.plus(4 * 3600),
        },
        seat_types: vec![
            SeatTypeInfo {
                id: CAT_A,
                name: s("Category A"),
            },
            SeatTypeInfo {
                id: CAT_B,
                name: s("Category B"),
            },
            SeatTypeInfo {
                id: STANDING,
                name: s("Standing"),
            },
        ],
        seats: SeatMaster {
            seats,
            areas: vec![Area {
                id: AreaId(1),
                name: s("Standing Area"),
                gate: GateId(2),
                guidance: s("Follow the green signs to the front of the stage."),
                capacity: 50,
                seat_type: STANDING,
            }],
        },
    }
}

/// Prices for the fixture seat types.
pub fn prices() -> BTreeMap<SeatType, Price> {
    BTreeMap::from([
        (CAT_A, Price(8900)),
        (CAT_B, Price(5900)),
        (STANDING, Price(3900)),
    ])
}

/// A fixed chip id for fixtures.
pub const CHIP: ChipId = ChipId([
    0x3a, 0x91, 0x0c, 0x55, 0xe2, 0x17, 0x48, 0xb6, 0x0f, 0x6d, 0xa4, 0x21, 0x9e, 0x73, 0xc8, 0x05,
]);

/// A reserved-seat ticket for [`CHIP`], valid from doors-open minus an hour for
/// twelve hours.
pub fn chip_ticket(serial: TicketSerial) -> TicketBody {
    TicketBody {
        event: EVENT,
        serial,
        generation: Generation(0),
        place: Place::Seat {
            block: BlockId(1),
            row: 3,
            number: 7,
        },
        seat_type: CAT_A,
        valid_from: NOW.minus(2 * 3600),
        valid_for: 12 * 3600,
        issued_at: NOW.minus(30 * 86_400),
        holder: Holder::Chip(CHIP),
        distributor: DistributorId(1),
        flags: Flags::empty(),
    }
}

/// The same ticket on paper.
pub fn paper_ticket(serial: TicketSerial) -> TicketBody {
    TicketBody {
        holder: Holder::Paper,
        ..chip_ticket(serial)
    }
}
