//! The `members` table: a distributor's members (c14-18), each with the
//! chip registered for them and when the membership ends.

use eticket_core::ids::{ChipId, DistributorId, MemberId};
use eticket_core::time::Timestamp;

use crate::store::{Tx, Value};
use crate::{Result, wire};

/// A member as the ledger holds it.
pub(crate) struct MemberRow {
    /// The member's chip.
    pub chip: ChipId,
    /// When the membership ends (none: it does not).
    pub valid_until: Option<Timestamp>,
}

/// The member, if registered.
pub(crate) fn load(
    tx: &mut dyn Tx,
    d: DistributorId,
    member: MemberId,
) -> Result<Option<MemberRow>> {
    let Some(row) = tx.query_opt(
        "SELECT chip, valid_until FROM members WHERE distributor = $1 AND member = $2",
        &[Value::int(d.0), Value::int(member.0)],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(MemberRow {
        chip: wire::parse_chip(row.text(0)?)?,
        valid_until: row.opt_num::<u64>(1)?.map(Timestamp),
    }))
}

/// Whether the distributor has a member registered with this chip.
pub(crate) fn chip_registered(tx: &mut dyn Tx, d: DistributorId, chip: ChipId) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT member FROM members WHERE distributor = $1 AND chip = $2",
            &[Value::int(d.0), Value::text(chip.to_string())],
        )?
        .is_some())
}

/// Register a member.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    d: DistributorId,
    member: MemberId,
    name: &str,
    chip: ChipId,
    now: Timestamp,
    valid_until: Timestamp,
) -> Result<()> {
    tx.execute(
        "INSERT INTO members (distributor, member, name, chip, registered_at, valid_until) VALUES ($1, $2, $3, $4, $5, $6)",
        &[
            Value::int(d.0),
            Value::int(member.0),
            Value::text(name),
            Value::text(chip.to_string()),
            Value::u64(now.0)?,
            Value::u64(valid_until.0)?,
        ],
    )?;
    Ok(())
}
