//! Event information unique to each event (c2-4, c8-9): what an organizer
//! registers with the center.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::ids::{EventId, SeatType};
use crate::seat::{SeatMaster, SeatTypeInfo};
use crate::time::Timestamp;
use crate::venue::{VenueMaster, has_duplicates};

/// Time and date information of an event (c3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Schedule {
    /// When the gates open.
    pub doors_open: Timestamp,
    /// When the event starts.
    pub start: Timestamp,
    /// When it ends.
    pub end: Timestamp,
}

/// Event information: venue master, schedule, seat types and seat master.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct EventInfo {
    /// Its id.
    pub id: EventId,
    /// Its title.
    pub name: String,
    /// Where.
    pub venue: VenueMaster,
    /// When.
    pub schedule: Schedule,
    /// The seat types (price categories) used by the seat master.
    pub seat_types: Vec<SeatTypeInfo>,
    /// Every seat and area.
    pub seats: SeatMaster,
}

impl EventInfo {
    /// The name of a seat type, if the event defines it.
    pub fn seat_type_name(&self, t: SeatType) -> Option<&str> {
        self.seat_types
            .iter()
            .find(|s| s.id == t)
            .map(|s| s.name.as_str())
    }

    /// Check the whole event: venue, schedule order, seat types, and that every
    /// seat and area refers to what exists and appears once.
    pub fn validate(&self) -> crate::Result<()> {
        let invalid = |field, reason| Err(crate::Error::Invalid { field, reason });
        if self.name.trim().is_empty() {
            return invalid("event.name", "empty");
        }
        self.venue.validate()?;
        let s = &self.schedule;
        if !(s.doors_open <= s.start && s.start < s.end) {
            return invalid("event.schedule", "needs doors_open <= start < end");
        }
        if has_duplicates(self.seat_types.iter().map(|t| t.id)) {
            return invalid("event.seat_types", "duplicate seat type");
        }
        let known_type = |t: SeatType| self.seat_types.iter().any(|s| s.id == t);
        for seat in &self.seats.seats {
            if self.venue.block(seat.block).is_none() {
                return invalid("seats.block", "names a block the venue does not have");
            }
            if seat.row == 0 || seat.number == 0 {
                return invalid("seats", "rows and numbers start at 1");
            }
            if !known_type(seat.seat_type) {
                return invalid("seats.seat_type", "not among the event's seat types");
            }
        }
        if has_duplicates(self.seats.seats.iter().map(|s| (s.block, s.row, s.number))) {
            return invalid("seats", "the same seat appears twice");
        }
        if has_duplicates(self.seats.areas.iter().map(|a| a.id)) {
            return invalid("seats.areas", "duplicate area id");
        }
        for area in &self.seats.areas {
            if self.venue.gate(area.gate).is_none() {
                return invalid("seats.areas.gate", "names a gate the venue does not have");
            }
            if area.capacity == 0 {
                return invalid("seats.areas.capacity", "must be at least 1");
            }
            if !known_type(area.seat_type) {
                return invalid("seats.areas.seat_type", "not among the event's seat types");
            }
        }
        if self.seats.capacity() == 0 {
            return invalid("seats", "the event has no seats and no areas");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::fixtures;
    use crate::ids::{BlockId, GateId, SeatType};
    use crate::{Error, seat::Seat};

    fn field_of(e: crate::Result<()>) -> &'static str {
        match e {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn the_fixture_is_valid() {
        fixtures::small_event().validate().unwrap();
    }

    #[test]
    fn each_broken_reference_names_its_field() {
        let mut e = fixtures::small_event();
        e.venue.blocks[0].gate = GateId(9);
        assert_eq!(field_of(e.validate()), "venue.blocks.gate");

        let mut e = fixtures::small_event();
        e.seats.seats.push(Seat {
            block: BlockId(9),
            row: 1,
            number: 1,
            seat_type: SeatType(1),
        });
        assert_eq!(field_of(e.validate()), "seats.block");

        let mut e = fixtures::small_event();
        let dup = e.seats.seats[0];
        e.seats.seats.push(dup);
        assert_eq!(field_of(e.validate()), "seats");

        let mut e = fixtures::small_event();
        e.seats.seats[0].seat_type = SeatType(77);
        assert_eq!(field_of(e.validate()), "seats.seat_type");

        let mut e = fixtures::small_event();
        e.schedule.end = e.schedule.start;
        assert_eq!(field_of(e.validate()), "event.schedule");

        let mut e = fixtures::small_event();
        e.seats.areas[0].capacity = 0;
        assert_eq!(field_of(e.validate()), "seats.areas.capacity");

        let mut e = fixtures::small_event();
        e.venue.gates.clear();
        assert_eq!(field_of(e.validate()), "venue.gates");
    }
}
