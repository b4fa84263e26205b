//! The lottery policy for high-demand events: applications during a window,
//! then a draw anyone can verify. Applications win in rank order while seats
//! remain; [`draw_with`] is the whole rule: an application that fits in the
//! seats left but whose seats the center cannot find (its seat type ran out
//! in the allotment) loses with a published reason. With no such reasons,
//! [`draw`] is the same rule.
//!
//! # The draw seed
//!
//! Ranks come from a draw seed that nobody can know before the application
//! window closes. It mixes three values, each fixed at a different time:
//!
//! 1. The **committed seed**: 32 random bytes the center draws when the
//!    lottery opens. Only its hash ([`seed_hash`]) is published then, the seed
//!    itself at the draw, so the center cannot pick a seed after seeing the
//!    applications. It sits in the ledger: it is no secret from an insider
//!    who reads the ledger, and it alone does not decide any rank.
//! 2. The **applications digest** ([`applications_digest`]): SHA-256 over
//!    every application (chip id and quantity) in ascending chip-id order. It
//!    is fixed when the window closes (no application is accepted after it)
//!    and published from then on, before the draw. Every application changes
//!    every rank, so chip ids ground against the committed seed are worth
//!    nothing once anyone applies after them; and the published applications
//!    are bound to the result. Alone it does not stop an insider who applies
//!    last and knows every other application.
//! 3. The **beacon**: a public value outside the center's control that is
//!    published only after the window closes, e.g. the numbers of a national
//!    lottery drawn after `closes`. Its source is named when the lottery opens
//!    ([`LotterySetup::beacon_source`]), the distributor gives its value at
//!    the draw ([`LotteryDraw`]) and anyone checks the value against the
//!    source; a value chosen at the draw is refused when no source was named,
//!    so the drawer cannot try values until one suits it. With a beacon nobody,
//!    the center and the last applicant included, knows the draw seed before
//!    the window closes. It is optional; lotteries worth cheating should name one.
//!
//! ```text
//! draw seed = SHA-256("eticket lottery draw seed v1" ‖ committed seed
//!                     ‖ applications digest ‖ beacon (UTF-8, empty when none))
//! rank      = SHA-256("eticket lottery rank v1" ‖ draw seed ‖ chip id)
//! ```
//!
//! The draw publishes everything needed to recompute it in the
//! [`LotteryAnnouncement`]: the committed seed (checked against the hash
//! published at opening), every application, the applications digest, the
//! beacon, the draw seed and the unserved applications' reasons.
//! [`verify_draw`] recomputes the ranking and the winners from it alone; the
//! reasons are the center's word about its allotment, the beacon value is
//! checked against its named source by the reader.
//!
//! ```
//! use eticket_center::lottery::{applications_digest, draw, draw_seed, seed_hash, Application};
//! use eticket_core::ids::ChipId;
//! let committed = [7u8; 32];
//! let apps = [Application { chip: ChipId([1; 16]), quantity: 2 },
//!             Application { chip: ChipId([2; 16]), quantity: 2 }];
//! let seed = draw_seed(&committed, &applications_digest(&apps), Some("04 08 15 16 23 42"));
//! let ranked = draw(&seed, &apps, 3);
//! assert_eq!(ranked.iter().filter(|r| r.won).count(), 1);
//! assert_eq!(seed_hash(&committed).len(), 32);
//! ```

use eticket_core::ids::{ChipId, DistributorId, EventId, MemberId, SeatType};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::center::{Center, Principal};
use crate::distributor::{acting_distributor, best_available, check_buyer};
use crate::metrics::{self, Fresh};
use crate::organizer::check_selected;
use crate::policy::PolicyKind;
use crate::records::SoldTo;
use crate::records::{self, Decision, RecordView};
use crate::store::Tx;
use crate::tables::lottery;
use crate::tables::tickets::available_count;
use crate::wire;
use crate::{Error, Result};

const SEED_TAG: &[u8] = b"eticket lottery seed v1";
const RANK_TAG: &[u8] = b"eticket lottery rank v1";
const APPLICATIONS_TAG: &[u8] = b"eticket lottery applications v1";
const DRAW_SEED_TAG: &[u8] = b"eticket lottery draw seed v1";

/// The longest beacon source or beacon value, in bytes.
pub const MAX_BEACON_LEN: usize = 256;

/// The published commitment to a seed.
pub fn seed_hash(seed: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update(SEED_TAG)
        .chain_update(seed)
        .finalize()
        .into()
}

/// The digest of a lottery's applications: SHA-256 over the tag
/// `"eticket lottery applications v1"`, then for each application in
/// ascending order of chip id (then quantity) its 16-byte chip id and its
/// quantity as 4 bytes big-endian. The order of `applications` does not
/// matter; adding, removing or changing any application changes the digest.
pub fn applications_digest(applications: &[Application]) -> [u8; 32] {
    let mut sorted: Vec<(&[u8; 16], u32)> = applications
        .iter()
        .map(|a| (a.chip.as_bytes(), a.quantity))
        .collect();
    sorted.sort_unstable();
    let mut h = Sha256::new().chain_update(APPLICATIONS_TAG);
    for (chip, quantity) in sorted {
        h.update(chip);
        h.update(quantity.to_be_bytes());
    }
    h.finalize().into()
}

/// The seed the draw ranks with: SHA-256 over the tag
/// `"eticket lottery draw seed v1"`, the committed seed, the
/// [`applications_digest`] and the beacon's UTF-8 bytes (nothing when the
/// lottery has no beacon; a beacon is never empty).
pub fn draw_seed(
    committed: &[u8; 32],
    applications_digest: &[u8; 32],
    beacon: Option<&str>,
) -> [u8; 32] {
    Sha256::new()
        .chain_update(DRAW_SEED_TAG)
        .chain_update(committed)
        .chain_update(applications_digest)
        .chain_update(beacon.unwrap_or_default().as_bytes())
        .finalize()
        .into()
}

/// An application's rank key under a draw seed ([`draw_seed`]): lower draws
/// first.
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

/// The draw under a draw seed ([`draw_seed`]): sort by rank key, then give
/// each application its full quantity while enough seats remain (an
/// application that does not fit loses, and later smaller ones may still win).
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

/// Recompute a published draw from its announcement alone, as anyone can:
/// the revealed seed must match the hash published at opening, the
/// applications digest must be the digest of the published applications, a
/// beacon must be there exactly when the setup named its source, and the
/// published draw seed must follow from them ([`draw_seed`]). Then the draw is
/// replayed over the applications, each unserved one answered with its
/// published reason, and the ranking returned: its winners are the winners.
/// Whether the beacon is the value its source published is for the reader to
/// check. A lottery drawn before the digest existed (a drawn announcement
/// without one) ranked over the committed seed itself.
pub fn verify_draw(announcement: &LotteryAnnouncement) -> Result<Vec<Ranked>> {
    let ann = announcement;
    let fail = |reason: String| Error::LotteryUnverified {
        event: ann.event,
        distributor: ann.distributor,
        reason,
    };
    let hex32 = |what: &str, text: &str| -> Result<[u8; 32]> {
        hex::decode(text)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| fail(format!("the {what} is not 32 bytes of hex")))
    };
    let Some(seed_text) = &ann.seed else {
        return Err(fail("not drawn yet: the seed is not revealed".to_owned()));
    };
    let committed = hex32("seed", seed_text)?;
    if hex::encode(seed_hash(&committed)) != ann.seed_hash.to_ascii_lowercase() {
        return Err(fail(
            "the revealed seed does not match the seed hash published at opening".to_owned(),
        ));
    }
    let seed = match &ann.applications_digest {
        None => committed,
        Some(published) => {
            let digest = applications_digest(&ann.applications);
            if hex32("applications digest", published)? != digest {
                return Err(fail(
                    "the applications digest is not the digest of the published applications"
                        .to_owned(),
                ));
            }
            match (&ann.setup.beacon_source, &ann.beacon) {
                (Some(_), None) => {
                    return Err(fail(
                        "the setup named a beacon but none was used".to_owned(),
                    ));
                }
                (None, Some(_)) => {
                    return Err(fail(
                        "a beacon was used that the setup did not name".to_owned(),
                    ));
                }
                _ => {}
            }
            draw_seed(&committed, &digest, ann.beacon.as_deref())
        }
    };
    if let Some(published) = &ann.draw_seed {
        if hex32("draw seed", published)? != seed {
            return Err(fail(
                "the published draw seed does not follow from the seed, the applications and the beacon"
                    .to_owned(),
            ));
        }
    }
    let ranking = draw_with(&seed, &ann.applications, ann.setup.seats, |a| {
        Ok::<_, Error>(
            ann.unserved
                .iter()
                .find(|u| u.chip == a.chip)
                .map(|u| u.reason.clone()),
        )
    })?;
    Ok(ranking)
}

/// How a distributor sets up its lottery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LotterySetup {
    /// Applications accepted from.
    pub opens: Timestamp,
    /// Applications accepted until (exclusive); the draw is possible from then.
    pub closes: Timestamp,
    /// Tickets of the allotment given out by the draw (1 or more).
    #[schemars(range(min = 1))]
    pub seats: u32,
    /// Where the beacon comes from: a public value published only after
    /// `closes` and outside the center's control, named so that anyone can
    /// look it up (e.g. "EuroMillions numbers drawn on 2026-06-12, in drawing
    /// order"). The draw then needs its value and mixes it into the draw
    /// seed; without a source the draw seed depends on the committed seed and
    /// the applications only. At most 256 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beacon_source: Option<String>,
}

/// What is public about a lottery.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LotteryAnnouncement {
    /// The event.
    pub event: EventId,
    /// The distributor.
    pub distributor: DistributorId,
    /// The window, the number of tickets and the beacon's source.
    pub setup: LotterySetup,
    /// Commitment to the seed, hex (published when the lottery opens):
    /// SHA-256("eticket lottery seed v1" ‖ seed).
    pub seed_hash: String,
    /// The committed seed, hex, once drawn.
    pub seed: Option<String>,
    /// The [`applications_digest`], hex: from the close on (no application
    /// can be added then), and at the draw the one the draw used. A drawn
    /// lottery without one was drawn before it existed, over the committed
    /// seed itself.
    pub applications_digest: Option<String>,
    /// The beacon's value the draw used, once drawn (only when the setup
    /// named its source).
    pub beacon: Option<String>,
    /// The seed the ranks were computed with ([`draw_seed`]), hex, once drawn.
    pub draw_seed: Option<String>,
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
#[serde(deny_unknown_fields)]
pub struct LotteryApplication {
    /// The chip the tickets go to.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// The member applying, when there is one.
    #[serde(default)]
    pub member: Option<MemberId>,
    /// Tickets asked for (1 to 100).
    #[schemars(range(min = 1, max = 100))]
    pub quantity: u32,
    /// Only this seat type.
    #[serde(default)]
    pub seat_type: Option<SeatType>,
}

/// What the distributor gives at the draw.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LotteryDraw {
    /// The beacon's value exactly as its source (named when the lottery
    /// opened) published it: needed when the setup named a source, refused
    /// otherwise. At most 256 bytes, not empty.
    #[serde(default)]
    pub beacon: Option<String>,
}

/// The result of a draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct DrawResult {
    /// The announcement with the seed, the applications digest, the beacon
    /// and the draw seed.
    pub announcement: LotteryAnnouncement,
    /// Every application in rank order.
    pub ranking: Vec<Ranked>,
    /// The issuing records of the winners.
    pub records: Vec<RecordView>,
}

/// A beacon source or value: not blank, at most [`MAX_BEACON_LEN`] bytes, no
/// control characters (it is compared by people, byte for byte).
fn check_beacon_text(field: &'static str, text: &str) -> Result<()> {
    if text.trim().is_empty() || text.len() > MAX_BEACON_LEN || text.chars().any(char::is_control) {
        return Err(Error::invalid(
            field,
            format!("1 to {MAX_BEACON_LEN} bytes without control characters"),
        ));
    }
    Ok(())
}

fn lottery_error(event: EventId, distributor: DistributorId, reason: impl Into<String>) -> Error {
    Error::Lottery {
        event,
        distributor,
        reason: reason.into(),
    }
}

/// The announcement as of `now` (the applications digest shows from the
/// close on), and the committed seed.
/// When the applications to `d`'s lottery close.
pub(crate) fn closes_at(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    now: Timestamp,
) -> Result<Timestamp> {
    load_announcement(tx, event, d, now).map(|(ann, _)| ann.setup.closes)
}

fn load_announcement(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    now: Timestamp,
) -> Result<(LotteryAnnouncement, [u8; 32])> {
    let row = lottery::load(tx, event, d)?
        .ok_or_else(|| lottery_error(event, d, "no lottery was opened"))?;
    let (seed, setup, drawn_at, beacon, stored_digest) = (
        row.seed,
        row.setup,
        row.drawn_at,
        row.beacon,
        row.applications_digest,
    );
    let mut announcement = LotteryAnnouncement {
        event,
        distributor: d,
        setup,
        seed_hash: hex::encode(&row.seed_hash),
        seed: None,
        applications_digest: None,
        beacon: None,
        draw_seed: None,
        drawn_at,
        applications: Vec::new(),
        unserved: Vec::new(),
    };
    if drawn_at.is_some() {
        announcement.applications = lottery::applications(tx, event, d)?
            .into_iter()
            .map(|a| a.0)
            .collect();
        announcement.unserved = lottery::unserved(tx, event, d)?
            .into_iter()
            .map(|(chip, reason)| Unserved { chip, reason })
            .collect();
        // Drawn before schema version 4 (no digest): ranked over the seed.
        let used = match &stored_digest {
            Some(digest) => draw_seed(&seed, digest, beacon.as_deref()),
            None => seed,
        };
        announcement.seed = Some(hex::encode(seed));
        announcement.applications_digest = stored_digest.map(hex::encode);
        announcement.beacon = beacon;
        announcement.draw_seed = Some(hex::encode(used));
    } else if now >= announcement.setup.closes {
        // Closed: no application can be added any more, so the digest is
        // final and published before the draw (and before the beacon).
        let applications: Vec<Application> = lottery::applications(tx, event, d)?
            .into_iter()
            .map(|a| a.0)
            .collect();
        announcement.applications_digest = Some(hex::encode(applications_digest(&applications)));
    }
    Ok((announcement, seed))
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
    let open = lottery::load(tx, event, d)?.is_some_and(|l| l.drawn_at.is_none());
    if open {
        return Err(lottery_error(
            event,
            d,
            "its lottery is open; draw it before changing the policy",
        ));
    }
    Ok(())
}

impl Center {
    /// Open the acting distributor's lottery for an event (its policy must be
    /// the lottery): the seed is generated and only its hash is published,
    /// with the setup (and the beacon's source, when it names one).
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
        if let Some(source) = &setup.beacon_source {
            check_beacon_text("beacon_source", source)?;
        }
        let mut seed = [0u8; 32];
        OsRng.fill_bytes(&mut seed);
        self.mutate(who, key, "open_lottery", &(event, &setup), |tx, now| {
            let policy = check_selected(tx, event, d)?;
            if policy.kind != PolicyKind::Lottery {
                return Err(lottery_error(
                    event,
                    d,
                    "the distributor's policy is not the lottery",
                ));
            }
            if now >= setup.closes {
                return Err(lottery_error(
                    event,
                    d,
                    format!(
                        "the window would close at {} which has passed",
                        setup.closes
                    ),
                ));
            }
            if lottery::load(tx, event, d)?.is_some() {
                return Err(lottery_error(event, d, "a lottery was already opened"));
            }
            let available = available_count(tx, event, d, None)?;
            if available < setup.seats {
                return Err(Error::SoldOut {
                    event,
                    distributor: d,
                    seat_type: None,
                    requested: setup.seats,
                    available,
                });
            }
            lottery::insert(tx, event, d, &seed, &seed_hash(&seed), &setup)?;
            Ok(load_announcement(tx, event, d, now)?.0)
        })
    }

    /// What is public about a lottery: the seed hash; from the close the
    /// applications digest; after the draw the seed, the beacon, the draw
    /// seed and all applications.
    pub fn lottery(&self, event: EventId, d: DistributorId) -> Result<LotteryAnnouncement> {
        let now = self.now();
        self.read(|tx| load_announcement(tx, event, d, now).map(|a| a.0))
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
            self.apply_in(tx, d, event, app, now)
        })
    }

    /// A lottery application to distributor `d` inside the caller's
    /// transaction: the distributor's own, or a store terminal's on a
    /// buyer's behalf.
    pub(crate) fn apply_in(
        &self,
        tx: &mut dyn Tx,
        d: DistributorId,
        event: EventId,
        app: &LotteryApplication,
        now: Timestamp,
    ) -> Result<()> {
        let policy = check_selected(tx, event, d)?;
        let (ann, _) = load_announcement(tx, event, d, now)?;
        if now < ann.setup.opens || now >= ann.setup.closes {
            return Err(lottery_error(
                event,
                d,
                format!(
                    "applications are accepted from {} until {}",
                    ann.setup.opens, ann.setup.closes
                ),
            ));
        }
        if app.quantity > ann.setup.seats {
            return Err(Error::invalid(
                "quantity",
                format!(
                    "the lottery gives out {} tickets; {} asked for",
                    ann.setup.seats, app.quantity
                ),
            ));
        }
        let holder = Holder::Chip(app.chip);
        // Applications are not issuing records yet: count a member's (or,
        // without a member, the chip's) earlier applications towards the
        // per-member limit, so several chips cannot multiply it.
        let pending = match app.member {
            Some(m) => lottery::pending_quantity(tx, event, d, SoldTo::Member(m))?,
            None => lottery::pending_quantity(tx, event, d, SoldTo::Holder(&holder))?,
        };
        check_buyer(
            tx,
            event,
            d,
            &policy,
            &holder,
            app.member,
            app.quantity,
            pending,
            now,
        )?;
        // An application the allotment could never serve is refused now,
        // not lost at the draw.
        let available = available_count(tx, event, d, app.seat_type)?;
        if available < app.quantity {
            return Err(crate::distributor::sold_out(
                tx,
                event,
                d,
                app.seat_type,
                app.quantity,
                usize::try_from(available).unwrap_or(usize::MAX),
            )?);
        }
        if lottery::has_applied(tx, event, d, app.chip)? {
            return Err(Error::AlreadyApplied {
                event,
                distributor: d,
                chip: app.chip,
            });
        }
        lottery::insert_application(
            tx,
            event,
            d,
            &(
                Application {
                    chip: app.chip,
                    quantity: app.quantity,
                },
                app.member,
                app.seat_type,
            ),
            now,
        )?;
        Ok(())
    }

    /// Draw after the window closed: reveal the committed seed, derive the
    /// draw seed from it, the applications digest and the beacon (needed
    /// exactly when the setup named its source), rank the applications, and
    /// register the winners' tickets as issuing records. One transaction: a
    /// retry with the same key gets the same answer, a crash leaves no draw.
    pub fn draw_lottery(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        request: &LotteryDraw,
    ) -> Result<DrawResult> {
        let d = acting_distributor(who)?;
        if let Some(beacon) = &request.beacon {
            check_beacon_text("beacon", beacon)?;
        }
        self.mutate(who, key, "draw_lottery", &(event, request), |tx, now| {
            let policy = check_selected(tx, event, d)?;
            let (ann, committed) = load_announcement(tx, event, d, now)?;
            if ann.drawn_at.is_some() {
                return Err(lottery_error(event, d, "the draw has already happened"));
            }
            if now < ann.setup.closes {
                return Err(lottery_error(
                    event,
                    d,
                    format!("the window is open until {}", ann.setup.closes),
                ));
            }
            let beacon = match (&ann.setup.beacon_source, &request.beacon) {
                (Some(source), None) => {
                    return Err(lottery_error(
                        event,
                        d,
                        format!("the draw needs the beacon named at opening: {source}"),
                    ));
                }
                (None, Some(_)) => {
                    // A value chosen at the draw would let the drawer try
                    // values until the result suits it.
                    return Err(lottery_error(
                        event,
                        d,
                        "the lottery named no beacon source when it opened",
                    ));
                }
                (_, beacon) => beacon.as_deref(),
            };
            let apps = lottery::applications(tx, event, d)?;
            let plain: Vec<Application> = apps.iter().map(|a| a.0).collect();
            let digest = applications_digest(&plain);
            let seed = draw_seed(&committed, &digest, beacon);
            let mut out = Vec::new();
            // Each winner's seats are found and registered in rank order; an
            // application whose seat type has too few seats left (or whose
            // seats the organizer moved away) loses with the reason.
            let ranking = draw_with(
                &seed,
                &plain,
                ann.setup.seats,
                |app| -> Result<Option<String>> {
                    let Some((_, member, seat_type)) = apps.iter().find(|a| a.0.chip == app.chip)
                    else {
                        return Ok(Some("no such application".to_owned()));
                    };
                    let tickets = best_available(self, tx, event, d, *seat_type, app.quantity)?;
                    if tickets.len() < usize::try_from(app.quantity).unwrap_or(usize::MAX) {
                        let left = available_count(tx, event, d, *seat_type)?;
                        let kind = seat_type.map_or_else(
                            || "seats".to_owned(),
                            |t| format!("seats of type {}", t.0),
                        );
                        return Ok(Some(format!(
                            "{left} {kind} left in the allotment, {} asked for",
                            app.quantity
                        )));
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
                },
            )?;
            for r in &ranking {
                lottery::set_result(
                    tx,
                    event,
                    d,
                    r.application.chip,
                    r.won,
                    r.unserved.as_deref(),
                )?;
            }
            lottery::mark_drawn(tx, event, d, now, &digest, beacon)?;
            Ok(Fresh::new(DrawResult {
                announcement: load_announcement(tx, event, d, now)?.0,
                ranking,
                records: out,
            }))
        })
        .map(|draw| draw.counted(|r| metrics::record_lottery_draw(r.records.len())))
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

    #[test]
    fn applications_digest_is_order_free_and_covers_every_application() {
        let apps: Vec<Application> = (0..5u8)
            .map(|i| Application {
                chip: ChipId([i; 16]),
                quantity: 1,
            })
            .collect();
        let digest = applications_digest(&apps);
        let mut reversed = apps.clone();
        reversed.reverse();
        assert_eq!(applications_digest(&reversed), digest);
        let mut more = apps.clone();
        more.push(Application {
            chip: ChipId([9; 16]),
            quantity: 1,
        });
        assert_ne!(applications_digest(&more), digest);
        let mut changed = apps.clone();
        changed[2].quantity = 2;
        assert_ne!(applications_digest(&changed), digest);
        assert_ne!(applications_digest(&apps[1..]), digest);
        // Every input of the draw seed moves it.
        let seed = draw_seed(&[1; 32], &digest, Some("7 14 21"));
        assert_ne!(draw_seed(&[2; 32], &digest, Some("7 14 21")), seed);
        assert_ne!(draw_seed(&[1; 32], &[0; 32], Some("7 14 21")), seed);
        assert_ne!(draw_seed(&[1; 32], &digest, Some("7 14 22")), seed);
        assert_ne!(draw_seed(&[1; 32], &digest, None), seed);
    }

    /// Six honest applications of two tickets for two seats: one winner.
    fn honest(lottery: u8) -> Vec<Application> {
        (0..6u8)
            .map(|i| Application {
                chip: ChipId([lottery, i, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
                quantity: 2,
            })
            .collect()
    }

    /// A chip id that ranks before every one of `others`, where
    /// `rank(candidate, chip)` is the rank the insider expects for `chip` when
    /// it applies with `candidate`.
    fn grind(others: &[Application], rank: impl Fn(&ChipId, &ChipId) -> [u8; 32]) -> ChipId {
        (0u128..1 << 20)
            .map(|i| ChipId(i.to_be_bytes()))
            .find(|candidate| {
                let mine = rank(candidate, candidate);
                others.iter().all(|o| mine < rank(candidate, &o.chip))
            })
            .expect("a first-ranking chip id within 2^20 tries")
    }

    fn winner(seed: &[u8; 32], apps: &[Application]) -> ChipId {
        let ranked = draw(seed, apps, 2);
        let won: Vec<ChipId> = ranked
            .iter()
            .filter(|r| r.won)
            .map(|r| r.application.chip)
            .collect();
        assert_eq!(won.len(), 1);
        won[0]
    }

    /// Over 64 lotteries with fixed seeds, an insider who knows the committed
    /// seed grinds a chip id that the committed seed alone ranks first and
    /// applies with it. With the final seed it wins about one lottery in
    /// seven, as any applicant; ranked over the committed seed it would win
    /// all 64.
    #[test]
    fn an_id_ground_against_the_committed_seed_wins_by_chance_only() {
        let (mut wins, mut old_rule_wins) = (0, 0);
        for k in 0..64u8 {
            let committed = [k; 32];
            let mut apps = honest(k);
            let ground = grind(&apps, |_, chip| rank_key(&committed, chip));
            apps.push(Application {
                chip: ground,
                quantity: 2,
            });
            let beacon = format!("{k} {} {}", k / 2, k / 3);
            let seed = draw_seed(&committed, &applications_digest(&apps), Some(&beacon));
            wins += usize::from(winner(&seed, &apps) == ground);
            old_rule_wins += usize::from(winner(&committed, &apps) == ground);
        }
        assert_eq!(old_rule_wins, 64);
        assert!(wins <= 20, "the ground id won {wins} of 64 lotteries");
    }

    /// What each input contributes. The last applicant, knowing the
    /// committed seed and every other application, can still grind against
    /// the applications digest when there is no beacon (nobody applies after
    /// them to change it); a beacon published after the close is what takes
    /// that away.
    #[test]
    fn the_beacon_stops_the_last_applicant() {
        let (mut without_beacon, mut with_beacon) = (0, 0);
        for k in 0..64u8 {
            let committed = [k; 32];
            let others = honest(k);
            let with = |others: &[Application], chip: &ChipId| {
                let mut all = others.to_vec();
                all.push(Application {
                    chip: *chip,
                    quantity: 2,
                });
                all
            };
            // The insider's best guess of the final seed: no beacon.
            let ground = grind(&others, |candidate, chip| {
                let all = with(&others, candidate);
                rank_key(
                    &draw_seed(&committed, &applications_digest(&all), None),
                    chip,
                )
            });
            let all = with(&others, &ground);
            let digest = applications_digest(&all);
            without_beacon +=
                usize::from(winner(&draw_seed(&committed, &digest, None), &all) == ground);
            let beacon = format!("lottery {k}");
            with_beacon +=
                usize::from(winner(&draw_seed(&committed, &digest, Some(&beacon)), &all) == ground);
        }
        assert_eq!(without_beacon, 64);
        assert!(
            with_beacon <= 20,
            "the ground id won {with_beacon} of 64 lotteries"
        );
    }

    fn drawn_announcement() -> LotteryAnnouncement {
        let committed = [3u8; 32];
        let applications = honest(1);
        let digest = applications_digest(&applications);
        let seed = draw_seed(&committed, &digest, Some("12 34"));
        LotteryAnnouncement {
            event: EventId(1),
            distributor: DistributorId(2),
            setup: LotterySetup {
                opens: Timestamp(10),
                closes: Timestamp(20),
                seats: 2,
                beacon_source: Some("the numbers of the draw after the close".to_owned()),
            },
            seed_hash: hex::encode(seed_hash(&committed)),
            seed: Some(hex::encode(committed)),
            applications_digest: Some(hex::encode(digest)),
            beacon: Some("12 34".to_owned()),
            draw_seed: Some(hex::encode(seed)),
            drawn_at: Some(Timestamp(30)),
            applications,
            unserved: Vec::new(),
        }
    }

    #[test]
    fn verify_draw_recomputes_and_catches_changes() {
        let ann = drawn_announcement();
        let seed: [u8; 32] = hex::decode(ann.draw_seed.as_deref().unwrap_or_default())
            .unwrap_or_default()
            .try_into()
            .unwrap_or_default();
        assert_eq!(
            verify_draw(&ann).ok(),
            Some(draw(&seed, &ann.applications, 2))
        );
        let refused = |ann: &LotteryAnnouncement| {
            matches!(verify_draw(ann), Err(Error::LotteryUnverified { .. }))
        };
        let mut other_beacon = ann.clone();
        other_beacon.beacon = Some("12 35".to_owned());
        assert!(refused(&other_beacon));
        let mut no_beacon = ann.clone();
        no_beacon.beacon = None;
        assert!(refused(&no_beacon));
        let mut added = ann.clone();
        added.applications.push(Application {
            chip: ChipId([0xEE; 16]),
            quantity: 1,
        });
        assert!(refused(&added));
        let mut other_seed = ann.clone();
        other_seed.seed = Some(hex::encode([4u8; 32]));
        assert!(refused(&other_seed));
        let mut other_draw_seed = ann.clone();
        other_draw_seed.draw_seed = Some(hex::encode([5u8; 32]));
        assert!(refused(&other_draw_seed));
        let mut undrawn = ann.clone();
        undrawn.seed = None;
        assert!(refused(&undrawn));
        // Drawn before the digest existed: ranked over the committed seed.
        let mut legacy = ann;
        legacy.setup.beacon_source = None;
        legacy.applications_digest = None;
        legacy.beacon = None;
        legacy.draw_seed = legacy.seed.clone();
        assert_eq!(
            verify_draw(&legacy).ok(),
            Some(draw(&[3; 32], &legacy.applications, 2))
        );
    }
}
