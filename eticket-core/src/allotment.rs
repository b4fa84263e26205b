//! Allotment ratios per distributor (c5, c15), as data. Splitting the seats is
//! eticket-alloc's work.

use alloc::vec::Vec;
use serde::{Deserialize, Serialize};

use crate::ids::{DistributorId, SeatType};
use crate::{Error, Result};

/// One distributor's share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RatioShare {
    /// The distributor.
    pub distributor: DistributorId,
    /// Its weight, 1 or more; shares are weight / sum of weights.
    #[cfg_attr(feature = "schema", schemars(range(min = 1)))]
    pub weight: u32,
    /// Restrict the share to one seat type; `None` means all seat types.
    pub seat_type: Option<SeatType>,
}

/// The organizer's ratios of tickets per distributor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AllotmentRatios {
    /// The shares.
    pub shares: Vec<RatioShare>,
}

impl AllotmentRatios {
    /// Check weights are positive, and no distributor appears twice for one seat
    /// type.
    pub fn validate(&self) -> Result<()> {
        if self.shares.is_empty() {
            return Err(Error::Invalid {
                field: "ratios",
                reason: "no distributor",
            });
        }
        if self.shares.iter().any(|s| s.weight == 0) {
            return Err(Error::Invalid {
                field: "ratios.weight",
                reason: "must be at least 1",
            });
        }
        let keys = self.shares.iter().map(|s| (s.seat_type, s.distributor));
        if crate::venue::has_duplicates(keys) {
            return Err(Error::Invalid {
                field: "ratios",
                reason: "a distributor appears twice for one seat type",
            });
        }
        Ok(())
    }

    /// The shares that apply to a seat type: those naming it, or, when none
    /// does, those for all seat types.
    pub fn for_seat_type(&self, t: SeatType) -> Vec<RatioShare> {
        let specific: Vec<_> = self
            .shares
            .iter()
            .filter(|s| s.seat_type == Some(t))
            .copied()
            .collect();
        if specific.is_empty() {
            self.shares
                .iter()
                .filter(|s| s.seat_type.is_none())
                .copied()
                .collect()
        } else {
            specific
        }
    }
}
