//! The `lotteries` and `lottery_applications` tables: a distributor's
//! lottery for an event (the committed seed, the setup, the draw) and the
//! applications to it with their results.

use eticket_core::ids::{ChipId, DistributorId, EventId, MemberId, SeatType};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;

use crate::lottery::{Application, LotterySetup};
use crate::records::SoldTo;
use crate::store::{Tx, Value};
use crate::{Error, Result, wire};

/// A lottery as the ledger holds it.
pub(crate) struct LotteryRow {
    /// The committed seed (secret until the draw).
    pub seed: [u8; 32],
    /// Its published hash.
    pub seed_hash: Vec<u8>,
    /// Window, seats, beacon source.
    pub setup: LotterySetup,
    /// When it was drawn.
    pub drawn_at: Option<Timestamp>,
    /// The beacon value the draw used.
    pub beacon: Option<String>,
    /// The applications' digest, from the draw.
    pub applications_digest: Option<[u8; 32]>,
}

/// An application with the member and seat type it named.
pub(crate) type StoredApplication = (Application, Option<MemberId>, Option<SeatType>);

fn bytes32(bytes: &[u8], what: &str) -> Result<[u8; 32]> {
    bytes
        .try_into()
        .map_err(|_| Error::corrupt(format!("lottery {what} is not 32 bytes")))
}

fn chip_of(holder: &str) -> Result<ChipId> {
    match wire::parse_holder(holder)? {
        Holder::Chip(c) => Ok(c),
        Holder::Paper => Err(Error::corrupt("lottery application on paper")),
    }
}

/// The lottery of `d` for `event`, if one was opened.
pub(crate) fn load(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<Option<LotteryRow>> {
    let Some(row) = tx.query_opt(
        "SELECT seed, seed_hash, opens, closes, seats, drawn_at, beacon_source, beacon, applications_digest
         FROM lotteries WHERE event = $1 AND distributor = $2",
        &[Value::int(event.0), Value::int(d.0)],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(LotteryRow {
        seed: bytes32(row.blob(0)?, "seed")?,
        seed_hash: row.blob(1)?.to_vec(),
        setup: LotterySetup {
            opens: Timestamp(row.num(2)?),
            closes: Timestamp(row.num(3)?),
            seats: row.num(4)?,
            beacon_source: row.opt_text(6)?.map(str::to_owned),
        },
        drawn_at: row.opt_num(5)?.map(Timestamp),
        beacon: row.opt_text(7)?.map(str::to_owned),
        applications_digest: row
            .opt_blob(8)?
            .map(|b| bytes32(b, "applications digest"))
            .transpose()?,
    }))
}

/// Open a lottery: its seed, the seed's hash and its setup.
pub(crate) fn insert(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seed: &[u8; 32],
    seed_hash: &[u8],
    setup: &LotterySetup,
) -> Result<()> {
    tx.execute(
        "INSERT INTO lotteries (event, distributor, seed, seed_hash, opens, closes, seats, beacon_source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        &[
            Value::int(event.0),
            Value::int(d.0),
            Value::Blob(seed.to_vec()),
            Value::Blob(seed_hash.to_vec()),
            Value::u64(setup.opens.0)?,
            Value::u64(setup.closes.0)?,
            Value::int(setup.seats),
            setup.beacon_source.clone().map_or(Value::Null, Value::Text),
        ],
    )?;
    Ok(())
}

/// Record the draw.
pub(crate) fn mark_drawn(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    now: Timestamp,
    digest: &[u8; 32],
    beacon: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE lotteries SET drawn_at = $1, applications_digest = $2, beacon = $3
         WHERE event = $4 AND distributor = $5",
        &[
            Value::u64(now.0)?,
            Value::Blob(digest.to_vec()),
            beacon.map_or(Value::Null, Value::text),
            Value::int(event.0),
            Value::int(d.0),
        ],
    )?;
    Ok(())
}

/// Every application, by chip.
pub(crate) fn applications(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<Vec<StoredApplication>> {
    tx.query(
        "SELECT holder, quantity, member, seat_type FROM lottery_applications
         WHERE event = $1 AND distributor = $2 ORDER BY holder",
        &[Value::int(event.0), Value::int(d.0)],
    )?
    .iter()
    .map(|r| {
        Ok((
            Application {
                chip: chip_of(r.text(0)?)?,
                quantity: r.num(1)?,
            },
            r.opt_num(2)?.map(MemberId),
            r.opt_num(3)?.map(SeatType),
        ))
    })
    .collect()
}

/// Whether the chip has applied.
pub(crate) fn has_applied(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    chip: ChipId,
) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT holder FROM lottery_applications WHERE event = $1 AND distributor = $2 AND holder = $3",
            &[
                Value::int(event.0),
                Value::int(d.0),
                Value::text(wire::holder_to_string(&Holder::Chip(chip))),
            ],
        )?
        .is_some())
}

/// Record an application.
pub(crate) fn insert_application(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    app: &StoredApplication,
    now: Timestamp,
) -> Result<()> {
    let (app, member, seat_type) = app;
    tx.execute(
        "INSERT INTO lottery_applications (event, distributor, holder, member, quantity, seat_type, applied_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            Value::int(event.0),
            Value::int(d.0),
            Value::text(wire::holder_to_string(&Holder::Chip(app.chip))),
            Value::opt_int(member.map(|m| m.0)),
            Value::int(app.quantity),
            Value::opt_int(seat_type.map(|t| t.0)),
            Value::u64(now.0)?,
        ],
    )?;
    Ok(())
}

/// Tickets asked for by the undrawn applications of a member, or of a chip.
pub(crate) fn pending_quantity(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    by: SoldTo<'_>,
) -> Result<u32> {
    let (column, value) = match by {
        SoldTo::Member(m) => ("member", Value::int(m.0)),
        SoldTo::Holder(h) => ("holder", Value::text(wire::holder_to_string(h))),
    };
    let sum: i64 = tx
        .query_opt(
            &format!(
                "SELECT CAST(COALESCE(SUM(quantity), 0) AS BIGINT) FROM lottery_applications
                 WHERE event = $1 AND distributor = $2 AND {column} = $3 AND result = 'pending'"
            ),
            &[Value::int(event.0), Value::int(d.0), value],
        )?
        .map(|r| r.int(0))
        .transpose()?
        .unwrap_or(0);
    Ok(u32::try_from(sum).unwrap_or(u32::MAX))
}

/// Record an application's result at the draw (with the reason it went
/// unserved, if it fitted but its seat type ran out).
pub(crate) fn set_result(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    chip: ChipId,
    won: bool,
    unserved: Option<&str>,
) -> Result<()> {
    tx.execute(
        "UPDATE lottery_applications SET result = $1, unserved = $5 WHERE event = $2 AND distributor = $3 AND holder = $4",
        &[
            Value::text(if won { "won" } else { "lost" }),
            Value::int(event.0),
            Value::int(d.0),
            Value::text(wire::holder_to_string(&Holder::Chip(chip))),
            unserved.map_or(Value::Null, Value::text),
        ],
    )?;
    Ok(())
}

/// The applications that went unserved, by chip, with their reasons.
pub(crate) fn unserved(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<Vec<(ChipId, String)>> {
    tx.query(
        "SELECT holder, unserved FROM lottery_applications
         WHERE event = $1 AND distributor = $2 AND unserved IS NOT NULL ORDER BY holder",
        &[Value::int(event.0), Value::int(d.0)],
    )?
    .iter()
    .map(|r| Ok((chip_of(r.text(0)?)?, r.text(1)?.to_owned())))
    .collect()
}
