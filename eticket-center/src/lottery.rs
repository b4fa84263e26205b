//! The lottery policy for high-demand events: applications during a window,
//! then a draw anyone can verify. When the lottery opens, the center commits to
//! a random seed by publishing its SHA-256; after the window closes, the draw
//! reveals the seed. Each application's rank is SHA-256 over the seed and the
//! applicant's chip id; applications win in rank order while seats remain.
//! [`draw_with`] is the whole rule: an application that fits in the seats
//! left but whose seats the center cannot find (its seat type ran out in the
//! allotment) loses with a published reason. Anyone with the published seed,
//! applications and reasons recomputes the ranking and the winners; the
//! reasons themselves are the center's word about its allotment. With no
//! such reasons, [`draw`] is the same rule.
//!
//! ```
//! use eticket_center::lottery::{draw, seed_hash, Application};
//! use eticket_core::ids::ChipId;
//! let seed = [7u8; 32];
//! let apps = [Application { chip: ChipId([1; 16]), quantity: 2 },
//!             Application { chip: ChipId([2; 16]), quantity: 2 }];
//! let ranked = draw(&seed, &apps, 3);
//! assert_eq!(ranked.iter().filter(|r| r.won).count(), 1);
//! assert_eq!(seed_hash(&seed).len(), 32);
//! ```

use eticket_core::ids::{ChipId, DistributorId, EventId, MemberId, SeatType};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::center::{Center, Principal};
use crate::distributor::{acting_distributor, available_count, best_available, check_buyer};
use crate::organizer::check_selected;
use crate::policy::PolicyKind;
use crate::records::{self, Decision, RecordView};
use crate::store::{Tx, Value};
use crate::wire;
use crate::{Error, Result};

const SEED_TAG: &[u8] = b"eticket lottery seed v1";
const RANK_TAG: &[u8] = b"eticket lottery rank v1";

/// The published commitment to a seed.
pub fn seed_hash(seed: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update(SEED_TAG)
        .chain_update(seed)
        .finalize()
        .into()
}

/// An application's rank key: lower draws first.
pub fn rank_key(seed: &[u8; 32], chip: &ChipId) -> [u8; 32] {
    Sha256::new()
        .chain_update(RANK_TAG)
        .chain_update(seed)
        .chain_update(chip.as_bytes())
        .finalize()
        .into()
}

/// An application as the draw sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Application {
    /// The applicant's chip (one application per chip).
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// Tickets asked for.
    pub quantity: u32,
}

/// An application with its rank and result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Ranked {
    /// The application.
    pub application: Application,
    /// Its rank key, hex.
    pub rank: String,
    /// Whether it won.
    pub won: bool,
    /// Why an application that fitted in the seats left still lost: the
    /// allotment had too few seats of the type it asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unserved: Option<String>,
}

/// The draw: sort by rank key, then give each application its full quantity
/// while enough seats remain (an application that does not fit loses, and
/// later smaller ones may still win).
pub fn draw(seed: &[u8; 32], applications: &[Application], seats: u32) -> Vec<Ranked> {
    match draw_with(seed, applications, seats, |_| {
        Ok::<_, core::convert::Infallible>(None)
    }) {
        Ok(ranked) => ranked,
        Err(never) => match never {},
    }
}

/// [`draw`] for a center that also has to find the seats: in rank order, an
/// application that fits in the seats left is offered to `serve`, which
/// either takes it (`None`) or says why its seats cannot be found
/// (`Some(reason)`, e.g. its seat type ran out); then it loses, uses no seats,
/// and the draw goes on. So a draw always completes, and anyone can check
/// from the published ranking that every loss above a winner has its reason.
pub fn draw_with<E>(
    seed: &[u8; 32],
    applications: &[Application],
    seats: u32,
    mut serve: impl FnMut(&Application) -> core::result::Result<Option<String>, E>,
) -> core::result::Result<Vec<Ranked>, E> {
    let mut ranked: Vec<([u8; 32], Application)> = applications
        .iter()
        .map(|a| (rank_key(seed, &a.chip), *a))
        .collect();
    ranked.sort_by_key(|a| a.0);
    let mut left = seats;
    let mut out = Vec::with_capacity(ranked.len());
    for (rank, application) in ranked {
        let fits = application.quantity > 0 && application.quantity <= left;
        let unserved = if fits { serve(&application)? } else { None };
        let won = fits && unserved.is_none();
        if won {
            left -= application.quantity;
        }
        out.push(Ranked {
            application,
            rank: hex::encode(rank),
            won,
            unserved,
        });
    }
    Ok(out)
}

/// How a distributor sets up its lottery.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LotterySetup {
    /// Applications accepted from.
    pub opens: Timestamp,
    /// Applications accepted until (exclusive); the draw is possible from then.
    pub closes: Timestamp,
    /// Tickets of the allotment given out by the draw.
    pub seats: u32,
}

/// What is public about a lottery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LotteryAnnouncement {
    /// The event.
    pub event: EventId,
    /// The distributor.
    pub distributor: DistributorId,
    /// The window and the number of tickets.
    pub setup: LotterySetup,
    /// SHA-256 commitment to the seed, hex (published when the lottery opens).
    pub seed_hash: String,
    /// The seed, hex, once drawn.
    pub seed: Option<String>,
    /// When the draw happened.
    pub drawn_at: Option<Timestamp>,
    /// All applications, once drawn (to recompute the draw).
    pub applications: Vec<Application>,
    /// Applications that fitted in the seats left but lost because their
    /// seats could not be found, with the reason (replay the draw with
    /// [`draw_with`], answering from this list).
    #[serde(default)]
    pub unserved: Vec<Unserved>,
}

/// An application the draw could not serve, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Unserved {
    /// The applicant's chip.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// Why its seats could not be found.
    pub reason: String,
}

/// An application for a lottery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LotteryApplication {
    /// The chip the tickets go to.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// The member applying, when there is one.
    #[serde(default)]
    pub member: Option<MemberId>,
    /// Tickets asked for.
    pub quantity: u32,
    /// Only this seat type.
    #[serde(default)]
    pub seat_type: Option<SeatType>,
}

/// The result of a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DrawResult {
    /// The announcement with the seed revealed.
    pub announcement: LotteryAnnouncement,
    /// Every application in rank order.
    pub ranking: Vec<Ranked>,
    /// The issuing records of the winners.
    pub records: Vec<RecordView>,
}

fn lottery_error(event: EventId, distributor: DistributorId, reason: impl Into<String>) -> Error {
    Error::Lottery {
        event,
        distributor,
        reason: reason.into(),
    }
}

fn seed_from(row_bytes: &[u8]) -> Result<[u8; 32]> {
    row_bytes
        .try_into()
        .map_err(|_| Error::corrupt("lottery seed is not 32 bytes"))
}

fn load_announcement(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<(LotteryAnnouncement, [u8; 32])> {
    let row = tx
        .query_opt(
            "SELECT seed, seed_hash, opens, closes, seats, drawn_at FROM lotteries WHERE event = $1 AND distributor = $2",
            &[Value::int(event.0), Value::int(d.0)],
        )?
        .ok_or_else(|| lottery_error(event, d, "no lottery was opened"))?;
    let seed = seed_from(row.blob(0)?)?;
    let drawn_at = row.opt_num(5)?.map(Timestamp);
    let (applications, unserved) = if drawn_at.is_some() {
        let applications = load_applications(tx, event, d)?
            .into_iter()
            .map(|a| a.0)
            .collect();
        let unserved = tx
            .query(
                "SELECT holder, unserved FROM lottery_applications
                 WHERE event = $1 AND distributor = $2 AND unserved IS NOT NULL ORDER BY holder",
                &[Value::int(event.0), Value::int(d.0)],
            )?
            .iter()
            .map(|r| {
                let Holder::Chip(chip) = wire::parse_holder(r.text(0)?)? else {
                    return Err(Error::corrupt("lottery application on paper"));
                };
                Ok(Unserved {
                    chip,
                    reason: r.text(1)?.to_owned(),
                })
            })
            .collect::<Result<_>>()?;
        (applications, unserved)
    } else {
        (Vec::new(), Vec::new())
    };
    Ok((
        LotteryAnnouncement {
            event,
            distributor: d,
            setup: LotterySetup {
                opens: Timestamp(row.num(2)?),
                closes: Timestamp(row.num(3)?),
                seats: row.num(4)?,
            },
            seed_hash: hex::encode(row.blob(1)?),
            seed: drawn_at.map(|_| hex::encode(seed)),
            drawn_at,
            applications,
            unserved,
        },
        seed,
    ))
}

/// Refuse to change `d`'s policy for `event` away from the lottery while its
/// lottery is open and not drawn: the applicants were promised a draw.
pub(crate) fn check_policy_change(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    new: PolicyKind,
) -> Result<()> {
    if new == PolicyKind::Lottery {
        return Ok(());
    }
    let open = tx
        .query_opt(
            "SELECT event FROM lotteries WHERE event = $1 AND distributor = $2 AND drawn_at IS NULL",
            &[Value::int(event.0), Value::int(d.0)],
        )?
        .is_some();
    if open {
        return Err(lottery_error(
            event,
            d,
            "its lottery is open; draw it before changing the policy",
        ));
    }
    Ok(())
}

/// Tickets asked for by the undrawn applications whose `column` (`member` or
/// `holder`) is `value`.
fn pending_quantity(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    column: &str,
    value: Value,
) -> Result<u32> {
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

/// An application with the member and seat type it named.
type StoredApplication = (Application, Option<MemberId>, Option<SeatType>);

fn load_applications(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<Vec<StoredApplication>> {
    let rows = tx.query(
        "SELECT holder, quantity, member, seat_type FROM lottery_applications
         WHERE event = $1 AND distributor = $2 ORDER BY holder",
        &[Value::int(event.0), Value::int(d.0)],
    )?;
    rows.iter()
        .map(|r| {
            let chip = match wire::parse_holder(r.text(0)?)? {
                Holder::Chip(c) => c,
                Holder::Paper => return Err(Error::corrupt("lottery application on paper")),
            };
            Ok((
                Application {
                    chip,
                    quantity: r.num(1)?,
                },
                r.opt_num(2)?.map(MemberId),
                r.opt_num(3)?.map(SeatType),
            ))
        })
        .collect()
}

impl Center {
    /// Open the acting distributor's lottery for an event (its policy must be
    /// the lottery): the seed is generated and only its hash is published.
    pub fn open_lottery(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        setup: LotterySetup,
    ) -> Result<LotteryAnnouncement> {
        let d = acting_distributor(who)?;
        if setup.opens >= setup.closes || setup.seats == 0 {
            return Err(Error::invalid(
                "lottery",
                "needs opens < closes and at least one seat",
            ));
        }
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        self.mutate(who, key, "open_lottery", &(event, setup), |tx, now| {
            let policy = check_selected(tx, event, d)?;
            if policy.kind != PolicyKind::Lottery {
                return Err(lottery_error(event, d, "the distributor's policy is not the lottery"));
            }
            if now >= setup.closes {
                return Err(lottery_error(event, d, format!("the window would close at {} which has passed", setup.closes)));
            }
            if tx.query_opt("SELECT event FROM lotteries WHERE event = $1 AND distributor = $2", &[Value::int(event.0), Value::int(d.0)])?.is_some() {
                return Err(lottery_error(event, d, "a lottery was already opened"));
            }
            let available = available_count(tx, event, d, None)?;
            if available < setup.seats {
                return Err(Error::SoldOut { event, distributor: d, requested: setup.seats, available });
            }
            tx.execute(
                "INSERT INTO lotteries (event, distributor, seed, seed_hash, opens, closes, seats) VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Value::int(event.0),
                    Value::int(d.0),
                    Value::Blob(seed.to_vec()),
                    Value::Blob(seed_hash(&seed).to_vec()),
                    Value::u64(setup.opens.0)?,
                    Value::u64(setup.closes.0)?,
                    Value::int(setup.seats),
                ],
            )?;
            Ok(load_announcement(tx, event, d)?.0)
        })
    }

    /// What is public about a lottery: the seed hash, and after the draw the
    /// seed and all applications.
    pub fn lottery(&self, event: EventId, d: DistributorId) -> Result<LotteryAnnouncement> {
        self.read(|tx| load_announcement(tx, event, d).map(|a| a.0))
    }

    /// Record an application (one per chip) while the window is open.
    pub fn apply_lottery(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        app: &LotteryApplication,
    ) -> Result<()> {
        let d = acting_distributor(who)?;
        if app.quantity == 0 || app.quantity > crate::distributor::MAX_TICKETS_PER_SALE {
            return Err(Error::invalid("quantity", "1 to 100"));
        }
        self.mutate(who, key, "apply_lottery", &(event, app), |tx, now| {
            let policy = check_selected(tx, event, d)?;
            let (ann, _) = load_announcement(tx, event, d)?;
            if now < ann.setup.opens || now >= ann.setup.closes {
                return Err(lottery_error(event, d, format!("applications are accepted from {} until {}", ann.setup.opens, ann.setup.closes)));
            }
            if app.quantity > ann.setup.seats {
                return Err(lottery_error(event, d, format!("the lottery gives out {} tickets; {} asked for", ann.setup.seats, app.quantity)));
            }
            let holder = Holder::Chip(app.chip);
            let holder_text = wire::holder_to_string(&holder);
            // Applications are not issuing records yet: count a member's (or,
            // without a member, the chip's) earlier applications towards the
            // per-member limit, so several chips cannot multiply it.
            let pending = match app.member {
                Some(m) => pending_quantity(tx, event, d, "member", Value::int(m.0))?,
                None => pending_quantity(tx, event, d, "holder", Value::text(holder_text.clone()))?,
            };
            check_buyer(tx, event, d, &policy, &holder, app.member, app.quantity, pending, now)?;
            // An application the allotment could never serve is refused now,
            // not lost at the draw.
            let available = available_count(tx, event, d, app.seat_type)?;
            if available < app.quantity {
                return Err(Error::SoldOut { event, distributor: d, requested: app.quantity, available });
            }
            if tx
                .query_opt(
                    "SELECT holder FROM lottery_applications WHERE event = $1 AND distributor = $2 AND holder = $3",
                    &[Value::int(event.0), Value::int(d.0), Value::text(holder_text.clone())],
                )?
                .is_some()
            {
                return Err(lottery_error(event, d, format!("chip {} has already applied", app.chip)));
            }
            tx.execute(
                "INSERT INTO lottery_applications (event, distributor, holder, member, quantity, seat_type, applied_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
                &[
                    Value::int(event.0),
                    Value::int(d.0),
                    Value::text(holder_text.clone()),
                    Value::opt_int(app.member.map(|m| m.0)),
                    Value::int(app.quantity),
                    Value::opt_int(app.seat_type.map(|t| t.0)),
                    Value::u64(now.0)?,
                ],
            )?;
            Ok(())
        })
    }

    /// Draw after the window closed: reveal the seed, rank the applications,
    /// and register the winners' tickets as issuing records.
    pub fn draw_lottery(&self, who: &Principal, key: &str, event: EventId) -> Result<DrawResult> {
        let d = acting_distributor(who)?;
        self.mutate(who, key, "draw_lottery", &event, |tx, now| {
            let policy = check_selected(tx, event, d)?;
            let (ann, seed) = load_announcement(tx, event, d)?;
            if ann.drawn_at.is_some() {
                return Err(lottery_error(event, d, "the draw has already happened"));
            }
            if now < ann.setup.closes {
                return Err(lottery_error(event, d, format!("the window is open until {}", ann.setup.closes)));
            }
            let apps = load_applications(tx, event, d)?;
            let plain: Vec<Application> = apps.iter().map(|a| a.0).collect();
            let mut out = Vec::new();
            // Each winner's seats are found and registered in rank order; an
            // application whose seat type has too few seats left (or whose
            // seats the organizer moved away) loses with the reason.
            let ranking = draw_with(&seed, &plain, ann.setup.seats, |app| -> Result<Option<String>> {
                let Some((_, member, seat_type)) = apps.iter().find(|a| a.0.chip == app.chip) else {
                    return Ok(Some("no such application".to_owned()));
                };
                let tickets = best_available(self, tx, event, d, *seat_type, app.quantity)?;
                if tickets.len() < usize::try_from(app.quantity).unwrap_or(usize::MAX) {
                    let left = available_count(tx, event, d, *seat_type)?;
                    let kind = seat_type.map_or_else(|| "seats".to_owned(), |t| format!("seats of type {}", t.0));
                    return Ok(Some(format!("{left} {kind} left in the allotment, {} asked for", app.quantity)));
                }
                let decision = Decision {
                    event,
                    distributor: d,
                    member: *member,
                    holder: Holder::Chip(app.chip),
                    now,
                    hold_until: policy.hold_until,
                };
                for t in &tickets {
                    out.push(records::authenticate_ticket(tx, t, &decision)?);
                }
                self.fail_at("lottery.after_first_winner")?;
                Ok(None)
            })?;
            for r in &ranking {
                let result = if r.won { "won" } else { "lost" };
                tx.execute(
                    "UPDATE lottery_applications SET result = $1, unserved = $5 WHERE event = $2 AND distributor = $3 AND holder = $4",
                    &[
                        Value::text(result),
                        Value::int(event.0),
                        Value::int(d.0),
                        Value::text(wire::holder_to_string(&Holder::Chip(r.application.chip))),
                        r.unserved.clone().map_or(Value::Null, Value::Text),
                    ],
                )?;
            }
            tx.execute(
                "UPDATE lotteries SET drawn_at = $1 WHERE event = $2 AND distributor = $3",
                &[Value::u64(now.0)?, Value::int(event.0), Value::int(d.0)],
            )?;
            Ok(DrawResult {
                announcement: load_announcement(tx, event, d)?.0,
                ranking,
                records: out,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draw_is_deterministic_and_bounded() {
        let apps: Vec<Application> = (0..50u8)
            .map(|i| Application {
                chip: ChipId([i; 16]),
                quantity: u32::from(i % 3) + 1,
            })
            .collect();
        let a = draw(&[1; 32], &apps, 20);
        let b = draw(&[1; 32], &apps, 20);
        assert_eq!(a, b);
        let won: u32 = a
            .iter()
            .filter(|r| r.won)
            .map(|r| r.application.quantity)
            .sum();
        assert!((18..=20).contains(&won));
        assert_ne!(draw(&[2; 32], &apps, 20), a);
    }
}
