//! Issuing records (c1, c14): what a distributor decided, for whom, and when
//! the ticket may be written (c32).

use serde::{Deserialize, Serialize};

use crate::ids::{DistributorId, EventId, MemberId, TicketSerial};
use crate::ticket::Holder;
use crate::time::Timestamp;
use crate::{Error, Result};

/// A distributor's decision to give a ticket to someone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IssuingRecord {
    /// The event.
    pub event: EventId,
    /// The ticket.
    pub serial: TicketSerial,
    /// Who decided.
    pub distributor: DistributorId,
    /// The member it was decided for, when the policy needs membership.
    pub member: Option<MemberId>,
    /// Where the ticket goes: a chip, or paper.
    pub holder: Holder,
    /// When the decision was made.
    pub decided_at: Timestamp,
    /// The ticket may not be written before this time (c32).
    pub hold_until: Option<Timestamp>,
}

impl IssuingRecord {
    /// Ok when the ticket may be written at `now`; otherwise an error that says
    /// from when.
    ///
    /// ```
    /// # use eticket_core::{issuing::IssuingRecord, ids::*, ticket::Holder, time::Timestamp};
    /// let r = IssuingRecord {
    ///     event: EventId(1), serial: TicketSerial(5), distributor: DistributorId(2),
    ///     member: None, holder: Holder::Paper, decided_at: Timestamp(100),
    ///     hold_until: Some(Timestamp(500)),
    /// };
    /// assert!(r.may_write_at(Timestamp(499)).is_err());
    /// assert!(r.may_write_at(Timestamp(500)).is_ok());
    /// ```
    pub fn may_write_at(&self, now: Timestamp) -> Result<()> {
        match self.hold_until {
            Some(until) if now < until => Err(Error::HeldUntil {
                serial: self.serial,
                until,
            }),
            _ => Ok(()),
        }
    }
}
