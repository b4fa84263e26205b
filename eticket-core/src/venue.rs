//! The venue master (c3, c8): where the event is, its gates, and its blocks with
//! the guidance text a gate shows to an admitted person (c59).

use alloc::string::String;
use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::ids::{BlockId, GateId};

/// An entrance gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Gate {
    /// Its id.
    pub id: GateId,
    /// The name on the sign, e.g. "North Gate 3".
    pub name: String,
}

/// A block (section) of seats, reached through one gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Block {
    /// Its id.
    pub id: BlockId,
    /// The name on the sign, e.g. "Block C".
    pub name: String,
    /// The gate a ticket holder for this block should use.
    pub gate: GateId,
    /// How to get there from the gate, shown on admission.
    pub guidance: String,
    /// Optional row labels ("A", "B", …), indexed by row number minus one;
    /// rows without a label are shown by number.
    #[serde(default)]
    pub row_labels: Vec<String>,
}

impl Block {
    /// The label of a row as printed on tickets and signs.
    pub fn row_label(&self, row: u16) -> RowLabel<'_> {
        match usize::from(row)
            .checked_sub(1)
            .and_then(|i| self.row_labels.get(i))
        {
            Some(label) => RowLabel::Named(label),
            None => RowLabel::Number(row),
        }
    }
}

/// A row as a person reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowLabel<'a> {
    /// A named row, e.g. "AA".
    Named(&'a str),
    /// A numbered row.
    Number(u16),
}

impl core::fmt::Display for RowLabel<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            RowLabel::Named(s) => f.write_str(s),
            RowLabel::Number(n) => write!(f, "{n}"),
        }
    }
}

/// The venue master: the event location (c3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VenueMaster {
    /// Venue name.
    pub name: String,
    /// Postal address.
    pub address: String,
    /// IANA time zone name, e.g. "Europe/Berlin"; times are stored in UTC.
    pub time_zone: String,
    /// The entrance gates.
    pub gates: Vec<Gate>,
    /// The blocks of seats.
    pub blocks: Vec<Block>,
}

impl VenueMaster {
    /// The gate with this id.
    pub fn gate(&self, id: GateId) -> Option<&Gate> {
        self.gates.iter().find(|g| g.id == id)
    }

    /// The block with this id.
    pub fn block(&self, id: BlockId) -> Option<&Block> {
        self.blocks.iter().find(|b| b.id == id)
    }

    /// Check names, unique ids, and that every block names an existing gate.
    pub fn validate(&self) -> crate::Result<()> {
        let invalid = |field, reason| Err(crate::Error::Invalid { field, reason });
        if self.name.trim().is_empty() {
            return invalid("venue.name", "empty");
        }
        if self.gates.is_empty() {
            return invalid("venue.gates", "a venue needs at least one gate");
        }
        if has_duplicates(self.gates.iter().map(|g| g.id)) {
            return invalid("venue.gates", "duplicate gate id");
        }
        if has_duplicates(self.blocks.iter().map(|b| b.id)) {
            return invalid("venue.blocks", "duplicate block id");
        }
        if self.blocks.iter().any(|b| self.gate(b.gate).is_none()) {
            return invalid("venue.blocks.gate", "names a gate the venue does not have");
        }
        Ok(())
    }
}

/// True when the iterator yields some value twice.
pub(crate) fn has_duplicates<T: Ord>(items: impl Iterator<Item = T>) -> bool {
    let mut v: Vec<T> = items.collect();
    v.sort_unstable();
    v.windows(2).any(|w| w[0] == w[1])
}
