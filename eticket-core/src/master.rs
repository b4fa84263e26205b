//! The electronic ticket information master (c1, c7): one entry per sellable
//! ticket, formed by the center from the event information.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::event::EventInfo;
use crate::ids::{DistributorId, EventId, Generation, SeatType, TicketSerial};
use crate::ticket::Place;
use crate::{Error, Result};

/// A price in the currency's minor unit (cents).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Price(pub u64);

/// Where a ticket is in its life.
///
/// ```text
/// Available ─hold─▶ Held ─authenticate─▶ Authenticated ─issue─▶ Issued ─use─▶ Used
///     ▲              │                        │                  │
///     └──release─────┴────────release─────────┘                  ├─transfer─▶ Transferred (old generation)
///                                                                └─revoke───▶ Revoked
/// ```
///
/// When an event is cancelled, its unsold tickets are withdrawn
/// (available → revoked) and its sold ones revoked (authenticated or
/// issued → revoked).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum TicketState {
    /// Inside an allotment, nobody has it.
    Available,
    /// Held for a buyer while they decide.
    Held,
    /// A distributor decided to give it to someone (an issuing record exists).
    Authenticated,
    /// Signed and delivered to a chip or paper.
    Issued,
    /// This generation was transferred; a newer generation is the valid one.
    Transferred,
    /// Cancelled; it admits nobody.
    Revoked,
    /// Admitted at a gate.
    Used,
}

impl TicketState {
    /// The state's name, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Held => "held",
            Self::Authenticated => "authenticated",
            Self::Issued => "issued",
            Self::Transferred => "transferred",
            Self::Revoked => "revoked",
            Self::Used => "used",
        }
    }

    /// Whether the state machine allows `self → to`.
    pub const fn can_become(self, to: TicketState) -> bool {
        use TicketState::*;
        matches!(
            (self, to),
            (Available, Held)
                | (Available, Authenticated)
                | (Held, Authenticated)
                | (Held, Available)
                | (Authenticated, Available)
                | (Authenticated, Issued)
                | (Issued, Issued)
                | (Issued, Transferred)
                | (Issued, Revoked)
                | (Issued, Used)
                | (Authenticated, Revoked)
                | (Available, Revoked)
        )
    }
}

/// One sellable ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketEntry {
    /// Its serial, unique in the event.
    pub serial: TicketSerial,
    /// Its seat or area.
    pub place: Place,
    /// Its seat type.
    pub seat_type: SeatType,
    /// Its price.
    pub price: Price,
    /// The distributor whose allotment holds it, once allotted.
    pub distributor: Option<DistributorId>,
    /// Its state.
    pub state: TicketState,
    /// The valid generation.
    pub generation: Generation,
}

impl TicketEntry {
    /// Move to `to`, or say why not.
    pub fn transition(&mut self, to: TicketState) -> Result<()> {
        if !self.state.can_become(to) {
            return Err(Error::IllegalTransition {
                serial: self.serial,
                from: self.state.name(),
                to: to.name(),
            });
        }
        self.state = to;
        Ok(())
    }
}

/// The ticket master of one event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct TicketMaster {
    /// The event.
    pub event: EventId,
    /// Entries ordered by serial.
    pub entries: Vec<TicketEntry>,
}

impl TicketMaster {
    /// Form the master from validated event information and a price per seat
    /// type: serials 1.. for the seats in seat-master order, then one serial per
    /// place of capacity in each area.
    pub fn form(event: &EventInfo, prices: &BTreeMap<SeatType, Price>) -> Result<Self> {
        event.validate()?;
        let price_of = |t: SeatType| {
            prices.get(&t).copied().ok_or(Error::Invalid {
                field: "prices",
                reason: "a seat type of the event has no price",
            })
        };
        let capacity = event.seats.capacity();
        if capacity > u64::from(u32::MAX) {
            return Err(Error::Invalid {
                field: "seats",
                reason: "more tickets than serials",
            });
        }
        let mut entries = Vec::with_capacity(usize::try_from(capacity).unwrap_or(0));
        let mut next = 1u32;
        let mut push = |place, seat_type| -> Result<()> {
            entries.push(TicketEntry {
                serial: TicketSerial(next),
                place,
                seat_type,
                price: price_of(seat_type)?,
                distributor: None,
                state: TicketState::Available,
                generation: Generation(0),
            });
            next = next.wrapping_add(1);
            Ok(())
        };
        for s in &event.seats.seats {
            push(
                Place::Seat {
                    block: s.block,
                    row: s.row,
                    number: s.number,
                },
                s.seat_type,
            )?;
        }
        for a in &event.seats.areas {
            for _ in 0..a.capacity {
                push(Place::Area(a.id), a.seat_type)?;
            }
        }
        Ok(Self {
            event: event.id,
            entries,
        })
    }

    /// The entry with this serial (O(log n)).
    pub fn get(&self, serial: TicketSerial) -> Option<&TicketEntry> {
        self.index(serial).map(|i| &self.entries[i])
    }

    /// The entry with this serial, mutable.
    pub fn get_mut(&mut self, serial: TicketSerial) -> Option<&mut TicketEntry> {
        self.index(serial).map(|i| &mut self.entries[i])
    }

    fn index(&self, serial: TicketSerial) -> Option<usize> {
        self.entries
            .binary_search_by_key(&serial, |e| e.serial)
            .ok()
    }

    /// Count of entries per state.
    pub fn count(&self, state: TicketState) -> usize {
        self.entries.iter().filter(|e| e.state == state).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures;

    #[test]
    fn forms_one_entry_per_place() {
        let event = fixtures::small_event();
        let master = TicketMaster::form(&event, &fixtures::prices()).unwrap();
        assert_eq!(master.entries.len() as u64, event.seats.capacity());
        assert_eq!(master.count(TicketState::Available), master.entries.len());
        assert!(master.get(TicketSerial(1)).is_some());
        assert!(master.get(TicketSerial(0)).is_none());
    }

    #[test]
    fn missing_price_is_an_error() {
        let event = fixtures::small_event();
        assert!(TicketMaster::form(&event, &BTreeMap::new()).is_err());
    }

    #[test]
    fn state_machine() {
        let event = fixtures::small_event();
        let mut master = TicketMaster::form(&event, &fixtures::prices()).unwrap();
        let e = master.get_mut(TicketSerial(1)).unwrap();
        assert!(e.transition(TicketState::Issued).is_err());
        e.transition(TicketState::Held).unwrap();
        e.transition(TicketState::Authenticated).unwrap();
        e.transition(TicketState::Issued).unwrap();
        e.transition(TicketState::Used).unwrap();
        assert!(matches!(
            e.transition(TicketState::Available),
            Err(Error::IllegalTransition { from: "used", .. })
        ));
    }
}
