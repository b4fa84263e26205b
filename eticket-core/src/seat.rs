//! The seat master (c4, c9): every reserved seat and every standing area.

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::ids::{AreaId, BlockId, GateId, SeatType};

/// One reserved seat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Seat {
    /// The block it is in.
    pub block: BlockId,
    /// Row number within the block, from 1.
    pub row: u16,
    /// Seat number within the row, from 1.
    pub number: u16,
    /// Its seat type.
    pub seat_type: SeatType,
}

/// A standing or general-admission area.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Area {
    /// Its id.
    pub id: AreaId,
    /// The name on the sign.
    pub name: String,
    /// The gate to use.
    pub gate: GateId,
    /// How to get there from the gate.
    pub guidance: String,
    /// How many people it holds.
    pub capacity: u32,
    /// Its seat type (price category).
    pub seat_type: SeatType,
}

/// A named seat type of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeatTypeInfo {
    /// Its code.
    pub id: SeatType,
    /// Its name, e.g. "Category A".
    pub name: String,
}

/// The seat master: all seats and areas of an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SeatMaster {
    /// Reserved seats.
    pub seats: Vec<Seat>,
    /// Standing / general-admission areas.
    pub areas: Vec<Area>,
}

impl SeatMaster {
    /// The area with this id.
    pub fn area(&self, id: AreaId) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }

    /// Number of admissions the master can sell: seats plus area capacities.
    pub fn capacity(&self) -> u64 {
        self.seats.len() as u64
            + self
                .areas
                .iter()
                .map(|a| u64::from(a.capacity))
                .sum::<u64>()
    }
}
