//! Seat holds, as buyers know them from every ticket shop: a distributor
//! holds seats (listed, or the best available) for one buyer while the buyer
//! decides, then buys them ([`Center::confirm_hold`], which makes the issuing
//! records a sale makes) or lets them go ([`Center::release_hold`]). A hold
//! lasts [`Config::hold_secs`](crate::center::Config) (15 minutes by
//! default); one buyer holds at most
//! [`Config::max_held_per_buyer`](crate::center::Config) seats of an event
//! at a distributor at once.
//!
//! Holds live in the ledger (`holds`, `hold_seats`): they survive a restart,
//! and every change is one transaction, so a crash leaves a hold whole or
//! not at all. Held seats are in state `held` (core's state machine:
//! available → held → authenticated or back to available); a seat is in at
//! most one hold (the primary key of `hold_seats`). Expired holds return
//! their seats to sale in the transaction of the next hold or sale of the
//! event (`expire_in`), and `eticket serve` releases them every minute
//! ([`Center::expire_holds`]), so nothing depends on a background task for
//! correctness.
//!
//! ```
//! use eticket_center::distributor::SeatChoice;
//! use eticket_center::holds::{HoldBuyer, HoldConfirm, HoldRequest};
//! # use eticket_center::{Center, Principal};
//! # use eticket_center::organizer::EventRegistration;
//! # use eticket_core::fixtures;
//! # use eticket_core::ticket::Holder;
//! # let center = Center::open_in_memory()?;
//! # let org = Principal::Organizer(1);
//! # center.register_event(&org, "reg", &EventRegistration { info: fixtures::small_event(), prices: fixtures::prices(), seat_map: None })?;
//! # center.register_distributor(&Principal::Operator, "d", eticket_core::ids::DistributorId(1), "Shop")?;
//! # center.select_distributor(&org, "sel", fixtures::EVENT, eticket_core::ids::DistributorId(1), Default::default())?;
//! # let share = eticket_core::allotment::RatioShare { distributor: eticket_core::ids::DistributorId(1), weight: 1, seat_type: None };
//! # center.set_allotment_ratios(&org, "ratio", fixtures::EVENT, &eticket_core::allotment::AllotmentRatios { shares: vec![share] })?;
//! let shop = Principal::Distributor(eticket_core::ids::DistributorId(1));
//! let hold = center.hold(&shop, "hold-1", fixtures::EVENT, &HoldRequest {
//!     seats: SeatChoice::BestAvailable { seat_type: Some(fixtures::CAT_A), quantity: 2 },
//!     buyer: HoldBuyer::Reference("web-session-42".into()),
//! })?;
//! assert_eq!(hold.serials.len(), 2);
//! let sale = center.confirm_hold(&shop, "buy-1", fixtures::EVENT, &hold.token,
//!     &HoldConfirm { holder: Holder::Paper, member: None })?;
//! assert_eq!(sale.records.len(), 2);
//! # Ok::<(), eticket_center::Error>(())
//! ```

use eticket_core::ids::{DistributorId, EventId, MemberId, TicketSerial};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::distributor::{Sale, SeatChoice, acting_distributor, check_buyer, choose};
use crate::metrics::{self, Fresh};
use crate::organizer::check_selected;
use crate::policy::PolicyKind;
use crate::records::{self, Decision};
use crate::store::{Store, Tx};
use crate::tables::holds::{self, HoldRow};
use crate::tables::ticket_state::Change;
use crate::wire;
use crate::{Error, Result};

/// Longest buyer reference.
pub const MAX_BUYER_REFERENCE_LEN: usize = 64;

/// Who a hold is for: a member of the distributor, or the distributor's own
/// reference for a buyer (a web session, a till number).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum HoldBuyer {
    /// A member.
    Member(MemberId),
    /// A reference the distributor gives (1 to 64 characters).
    Reference(String),
}

impl HoldBuyer {
    fn key(&self) -> Result<String> {
        match self {
            HoldBuyer::Member(m) => Ok(format!("member:{}", m.0)),
            HoldBuyer::Reference(r) => {
                if r.trim().is_empty() || r.len() > MAX_BUYER_REFERENCE_LEN {
                    return Err(Error::invalid(
                        "buyer.reference",
                        format!("1 to {MAX_BUYER_REFERENCE_LEN} characters"),
                    ));
                }
                Ok(format!("ref:{r}"))
            }
        }
    }
}

/// Body of `POST /v1/events/{event}/holds`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldRequest {
    /// Which seats.
    #[serde(deserialize_with = "crate::distributor::one_seat_choice")]
    #[schemars(with = "SeatChoice")]
    pub seats: SeatChoice,
    /// For whom.
    pub buyer: HoldBuyer,
}

/// A seat hold.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct HoldView {
    /// The token that confirms or releases it.
    pub token: String,
    /// The event.
    pub event: EventId,
    /// The distributor holding.
    pub distributor: DistributorId,
    /// The held tickets.
    pub serials: Vec<TicketSerial>,
    /// When the seats go back on sale unless bought.
    pub expires_at: Timestamp,
}

/// Body of `POST /v1/events/{event}/holds/{token}/confirm`: what a sale
/// says besides the seats.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HoldConfirm {
    /// Who will hold the tickets.
    #[serde(with = "wire::holder")]
    #[schemars(with = "wire::schema::HolderText")]
    pub holder: Holder,
    /// The member buying, when there is one (a hold for a member is bought
    /// by that member).
    #[serde(default)]
    pub member: Option<MemberId>,
}

/// A new random hold token.
fn new_token() -> String {
    let mut bytes = [0u8; 16];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// End a hold: its seats move by `change` (bought, or back on sale) and its
/// rows go.
fn end_hold(
    tx: &mut dyn Tx,
    event: EventId,
    token: &str,
    hold: &HoldRow,
    change: Option<Change>,
) -> Result<()> {
    move_seats(tx, event, hold, change)?;
    holds::delete(tx, token)
}

/// Move a hold's seats by `change`, each still held.
fn move_seats(
    tx: &mut dyn Tx,
    event: EventId,
    hold: &HoldRow,
    change: Option<Change>,
) -> Result<()> {
    if let Some(change) = change {
        for &serial in &hold.serials {
            if !change.apply(tx, event, serial, Some(hold.distributor))? {
                return Err(Error::corrupt(format!(
                    "held ticket {serial} of event {event} is not held"
                )));
            }
        }
    }
    Ok(())
}

/// Return the seats of `event`'s holds that expired by `now` to sale; how
/// many holds ended. An expired hold's row stays a day without its seats, so
/// that confirming it is refused as expired ([`Error::HoldExpired`]), not
/// as unknown.
pub(crate) fn expire_in(tx: &mut dyn Tx, event: EventId, now: Timestamp) -> Result<u32> {
    let tokens = holds::expired(tx, event, now)?;
    for token in &tokens {
        if let Some(hold) = holds::load(tx, event, token)? {
            move_seats(tx, event, &hold, Some(Change::RELEASE))?;
            holds::mark_expired(tx, token)?;
        }
    }
    if !tokens.is_empty() {
        holds::forget_expired(tx, event, now)?;
    }
    Ok(u32::try_from(tokens.len()).unwrap_or(u32::MAX))
}

/// End every hold of `event` (it was cancelled): their seats go back to
/// available, to be withdrawn.
pub(crate) fn end_all_in(tx: &mut dyn Tx, event: EventId) -> Result<u32> {
    expire_in(tx, event, Timestamp(i64::MAX.unsigned_abs()))
}

fn view(token: &str, event: EventId, hold: &HoldRow) -> HoldView {
    HoldView {
        token: token.to_owned(),
        event,
        distributor: hold.distributor,
        serials: hold.serials.clone(),
        expires_at: hold.expires_at,
    }
}

impl Center {
    /// Hold seats of the calling distributor's allotment for a buyer until
    /// `now + hold_secs`: listed serials (all or none) or the best
    /// available. Refused for a lottery, past the buyer's cap, or when the
    /// seats are not available (held by another buyer, sold). Distributor
    /// only; idempotent under its key.
    pub fn hold(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        req: &HoldRequest,
    ) -> Result<HoldView> {
        let d = acting_distributor(who)?;
        let quantity = req.seats.quantity()?;
        let buyer = req.buyer.key()?;
        let config = self.config();
        self.mutate(who, key, "hold", &(event, req), |tx, now| {
            let policy = check_selected(tx, event, d)?;
            if policy.kind == PolicyKind::Lottery {
                return Err(Error::PolicyRefuses {
                    event,
                    distributor: d,
                    policy: policy.kind.name(),
                    reason: "tickets are given by the draw",
                });
            }
            // A member the distributor does not have (or whose membership
            // ended) could never confirm the hold: refused now, as a sale
            // to them would be, rather than keeping seats from others.
            if let HoldBuyer::Member(m) = &req.buyer {
                crate::distributor::load_member_chip(tx, d, *m, now)?;
            }
            expire_in(tx, event, now)?;
            let have = holds::seats_of_buyer(tx, event, d, &buyer)?;
            if have.saturating_add(quantity) > config.max_held_per_buyer {
                return Err(Error::HoldLimit {
                    event,
                    buyer: buyer.clone(),
                    have,
                    limit: config.max_held_per_buyer,
                });
            }
            // A member cannot hold more than the policy lets them buy: what
            // they bought and hold already counts against the limit, so
            // seats are not kept from others for a purchase that would be
            // refused at confirmation.
            if let (HoldBuyer::Member(m), Some(limit)) = (&req.buyer, policy.per_member_limit) {
                let sold = records::count_sold(tx, event, d, records::SoldTo::Member(*m))?;
                let have = sold.saturating_add(have);
                if have.saturating_add(quantity) > limit {
                    return Err(Error::MemberLimit {
                        event,
                        who: format!("member {m}"),
                        have,
                        asked: quantity,
                        limit,
                    });
                }
            }
            let tickets = choose(self, tx, event, d, &req.seats)?;
            let token = new_token();
            let expires_at = now.plus(config.hold_secs);
            let row = HoldRow {
                distributor: d,
                buyer: buyer.clone(),
                expires_at,
                serials: Vec::new(),
            };
            holds::insert(tx, &token, event, &row, now)?;
            for (i, t) in tickets.iter().enumerate() {
                if !Change::HOLD.apply(tx, event, t.serial, Some(d))? {
                    let current = crate::tables::tickets::load(tx, event, t.serial)?;
                    return Err(if current.distributor != Some(d) {
                        Error::NotInAllotment {
                            event,
                            serial: t.serial,
                            distributor: d,
                        }
                    } else {
                        Error::unavailable(event, &current)
                    });
                }
                holds::add_seat(tx, &token, event, t.serial)?;
                if i == 0 {
                    self.fail_at("hold.after_first_seat")?;
                }
            }
            let mut serials: Vec<TicketSerial> = tickets.iter().map(|t| t.serial).collect();
            serials.sort_unstable();
            Ok(Fresh::new(HoldView {
                token,
                event,
                distributor: d,
                serials,
                expires_at,
            }))
        })
        .map(|hold| hold.counted(|h| metrics::record_hold(h.serials.len())))
    }

    /// Buy the held seats: the issuing records a sale makes, with the
    /// distributor's policy and the buyer's limits checked as for a sale.
    /// An expired hold is [`Error::HoldExpired`] (its seats are on sale
    /// again). The distributor that holds; idempotent under its key.
    pub fn confirm_hold(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        token: &str,
        req: &HoldConfirm,
    ) -> Result<Sale> {
        let d = acting_distributor(who)?;
        self.mutate(who, key, "confirm_hold", &(event, token, req), |tx, now| {
            crate::cancellation::check_open(tx, event)?;
            let hold = self.live_hold(tx, event, token, d, now)?;
            if let Some(m) = hold.buyer.strip_prefix("member:") {
                if req.member.map(|m| m.0.to_string()).as_deref() != Some(m) {
                    return Err(Error::invalid(
                        "member",
                        format!("the hold is for member {m}; that member buys it"),
                    ));
                }
            }
            let policy = check_selected(tx, event, d)?;
            let quantity = u32::try_from(hold.serials.len()).unwrap_or(u32::MAX);
            check_buyer(
                tx,
                event,
                d,
                &policy,
                &req.holder,
                req.member,
                quantity,
                0,
                now,
            )?;
            let decision = Decision {
                event,
                distributor: d,
                member: req.member,
                holder: req.holder,
                now,
                hold_until: policy.hold_until,
            };
            let mut out = Vec::with_capacity(hold.serials.len());
            for &serial in &hold.serials {
                let ticket = crate::tables::tickets::load(tx, event, serial)?;
                out.push(records::decide(tx, &ticket, &decision, Change::CONFIRM)?);
            }
            end_hold(tx, event, token, &hold, None)?;
            Ok(Fresh::new(Sale { records: out }))
        })
        .map(|sale| sale.counted(|s| metrics::record_sale(s.records.len())))
    }

    /// Let a hold go before it expires: its seats are on sale again. The
    /// distributor that holds; idempotent under its key.
    pub fn release_hold(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        token: &str,
    ) -> Result<HoldView> {
        let d = acting_distributor(who)?;
        self.mutate(who, key, "release_hold", &(event, token), |tx, now| {
            let hold = self.live_hold(tx, event, token, d, now)?;
            end_hold(tx, event, token, &hold, Some(Change::RELEASE))?;
            Ok(Fresh::new(view(token, event, &hold)))
        })
        .map(|hold| hold.counted(|_| metrics::record_hold_released()))
    }

    /// Return the seats of every expired hold to sale (`eticket serve` runs
    /// this every minute); how many holds ended.
    pub fn expire_holds(&self) -> Result<u32> {
        let now = self.now();
        self.ledger.transaction(&mut |tx| {
            let events = holds::events_with_expired(tx, now)?;
            let mut ended = 0;
            for event in events {
                ended += expire_in(tx, event, now)?;
            }
            Ok(ended)
        })
    }

    /// The hold `token` of `d` for `event`, still running at `now`; an
    /// expired one is refused (its seats return to sale at the next expiry,
    /// which every hold and sale of the event runs first).
    fn live_hold(
        &self,
        tx: &mut dyn Tx,
        event: EventId,
        token: &str,
        d: DistributorId,
        now: Timestamp,
    ) -> Result<HoldRow> {
        let unknown = || Error::UnknownHold {
            event,
            token: token.to_owned(),
        };
        let hold = holds::load(tx, event, token)?.ok_or_else(unknown)?;
        if hold.distributor != d {
            return Err(unknown());
        }
        if hold.expires_at <= now {
            return Err(Error::HoldExpired {
                token: token.to_owned(),
                at: hold.expires_at,
            });
        }
        Ok(hold)
    }
}
