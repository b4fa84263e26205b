//! Every change of a ticket's state in the ledger (`tickets.state`) goes
//! through core's state machine: a [`Change`] exists only for a pair that
//! [`TicketState::can_become`] allows, and it is applied as a compare and
//! set on the state the ticket must be in, so two transactions can never
//! both move the same ticket. States are read back typed.
//!
//! What the center writes: `available → authenticated` (a distributor's
//! decision), `available → held → authenticated | available` (a seat hold,
//! then bought, or released or expired), `authenticated → issued`
//! (issuance, one ticket or a batch), `issued → revoked` (the organizer), and
//! for a cancelled event `available | authenticated | issued → revoked`. Later generations of an
//! issued ticket (transfers, reprints, re-issues) stay `issued`: the
//! generation moves, not the state.

use eticket_core::ids::{DistributorId, EventId, TicketSerial};
use eticket_core::master::TicketState;

use crate::records;
use crate::store::{Tx, Value};
use crate::{Error, Result};

/// Every state, for reading names back.
const ALL: [TicketState; 7] = [
    TicketState::Available,
    TicketState::Held,
    TicketState::Authenticated,
    TicketState::Issued,
    TicketState::Transferred,
    TicketState::Revoked,
    TicketState::Used,
];

/// The state a `tickets.state` value names.
pub(crate) fn parse(name: &str) -> Result<TicketState> {
    ALL.into_iter()
        .find(|s| s.name() == name)
        .ok_or_else(|| Error::corrupt(format!("tickets.state {name:?} is not a ticket state")))
}

/// A state change the state machine allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Change {
    from: TicketState,
    to: TicketState,
}

impl Change {
    /// A distributor decided who gets the ticket.
    pub(crate) const DECIDE: Change =
        Change::new(TicketState::Available, TicketState::Authenticated);
    /// The ticket was signed and handed out.
    pub(crate) const ISSUE: Change = Change::new(TicketState::Authenticated, TicketState::Issued);
    /// The organizer cancelled an issued ticket.
    pub(crate) const REVOKE: Change = Change::new(TicketState::Issued, TicketState::Revoked);
    /// The event was cancelled: a sold ticket not issued yet is revoked.
    pub(crate) const REVOKE_SOLD: Change =
        Change::new(TicketState::Authenticated, TicketState::Revoked);
    /// The event was cancelled: an unsold ticket is withdrawn from sale.
    pub(crate) const WITHDRAW: Change = Change::new(TicketState::Available, TicketState::Revoked);
    /// A buyer holds the seat while deciding.
    pub(crate) const HOLD: Change = Change::new(TicketState::Available, TicketState::Held);
    /// The buyer bought the held seat: the distributor's decision.
    pub(crate) const CONFIRM: Change = Change::new(TicketState::Held, TicketState::Authenticated);
    /// The hold ended unbought (released, or expired): back on sale.
    pub(crate) const RELEASE: Change = Change::new(TicketState::Held, TicketState::Available);

    /// `from → to`; a pair the state machine does not have does not compile
    /// (the constants above are evaluated at compile time).
    const fn new(from: TicketState, to: TicketState) -> Self {
        assert!(
            from.can_become(to),
            "not a transition of core's ticket state machine"
        );
        Self { from, to }
    }

    /// Apply it to one ticket that is in `from` (and, when given, in
    /// `distributor`'s allotment). Whether it moved: `false` when the ticket
    /// is in another state (or allotment), which the caller explains.
    pub(crate) fn apply(
        self,
        tx: &mut dyn Tx,
        event: EventId,
        serial: TicketSerial,
        distributor: Option<DistributorId>,
    ) -> Result<bool> {
        let (to, from) = (Value::text(self.to.name()), Value::text(self.from.name()));
        let changed = match distributor {
            None => tx.execute(
                "UPDATE tickets SET state = $1 WHERE event = $2 AND serial = $3 AND state = $4",
                &[to, Value::int(event.0), Value::int(serial.0), from],
            )?,
            Some(d) => tx.execute(
                "UPDATE tickets SET state = $1
                 WHERE event = $2 AND serial = $3 AND state = $4 AND distributor = $5",
                &[
                    to,
                    Value::int(event.0),
                    Value::int(serial.0),
                    from,
                    Value::int(d.0),
                ],
            )?,
        };
        Ok(changed == 1)
    }

    /// Apply it to many tickets of one event in `from` and in
    /// `distributor`'s allotment; how many moved.
    pub(crate) fn apply_in_allotment(
        self,
        tx: &mut dyn Tx,
        event: EventId,
        distributor: DistributorId,
        serials: &[TicketSerial],
    ) -> Result<u64> {
        let mut moved = 0;
        for chunk in serials.chunks(records::BATCH_ROWS * 4) {
            let mut params = Vec::with_capacity(chunk.len() + 4);
            params.push(Value::text(self.to.name()));
            params.push(Value::int(event.0));
            params.push(Value::text(self.from.name()));
            params.push(Value::int(distributor.0));
            params.extend(chunk.iter().map(|s| Value::int(s.0)));
            moved += tx.execute(
                &format!(
                    "UPDATE tickets SET state = $1
                     WHERE event = $2 AND state = $3 AND distributor = $4 AND serial IN ({})",
                    records::placeholders(5, chunk.len())
                ),
                &params,
            )?;
        }
        Ok(moved)
    }

    /// Apply it to many tickets of one event, all in `from`; how many moved.
    pub(crate) fn apply_all(
        self,
        tx: &mut dyn Tx,
        event: EventId,
        serials: &[TicketSerial],
    ) -> Result<u64> {
        let mut moved = 0;
        // Event, both states, then the serials.
        for chunk in serials.chunks(records::MAX_PARAMS - 3) {
            let mut params = Vec::with_capacity(chunk.len() + 3);
            params.push(Value::text(self.to.name()));
            params.push(Value::int(event.0));
            params.push(Value::text(self.from.name()));
            params.extend(chunk.iter().map(|s| Value::int(s.0)));
            moved += tx.execute(
                &format!(
                    "UPDATE tickets SET state = $1 WHERE event = $2 AND state = $3 AND serial IN ({})",
                    records::placeholders(4, chunk.len())
                ),
                &params,
            )?;
        }
        Ok(moved)
    }
}

/// Put an available ticket into `owner`'s allotment (`None`: nobody's).
/// Whether it moved: `false` when the ticket is no longer available.
pub(crate) fn allot(
    tx: &mut dyn Tx,
    event: EventId,
    serial: TicketSerial,
    owner: Option<DistributorId>,
) -> Result<bool> {
    let changed = tx.execute(
        "UPDATE tickets SET distributor = $1 WHERE event = $2 AND serial = $3 AND state = $4",
        &[
            Value::opt_int(owner.map(|d| d.0)),
            Value::int(event.0),
            Value::int(serial.0),
            Value::text(TicketState::Available.name()),
        ],
    )?;
    Ok(changed == 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_corrupt() {
        for s in ALL {
            assert_eq!(parse(s.name()).unwrap(), s);
        }
        assert_eq!(parse("sold").unwrap_err().code(), "corrupt");
    }

    #[test]
    fn the_center_s_changes_are_the_state_machine_s() {
        use TicketState::*;
        for (change, from, to) in [
            (Change::DECIDE, Available, Authenticated),
            (Change::ISSUE, Authenticated, Issued),
            (Change::REVOKE, Issued, Revoked),
        ] {
            assert_eq!((change.from, change.to), (from, to));
            assert!(from.can_become(to));
        }
        assert!(!Available.can_become(Issued) && !Revoked.can_become(Issued));
    }
}
