//! Distributor services (c14-18, c28, c31): the member registry, the
//! distribution policy, and sales from the distributor's own allotment, which
//! become issuing records.

use eticket_core::ids::{ChipId, DistributorId, EventId, KeyId, MemberId, SeatType, TicketSerial};
use eticket_core::ticket::Holder;
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use std::collections::HashMap;

use eticket_alloc::best::{BestRequest, MAX_REQUEST, find_best};
use eticket_core::ticket::Place;

use crate::center::{Center, Principal};
use crate::metrics::{self, Fresh};
use crate::organizer::check_selected;
use crate::policy::{DistributionPolicy, PolicyKind};
use crate::records::SoldTo;
use crate::records::{self, Decision, RecordView};
use crate::store::Tx;
use crate::tables::members;
use crate::tables::tickets::{self, TicketRow};
use crate::wire;
use crate::{Error, Result};

/// Most tickets one sale may hold. ([`SeatChoice`]'s schema repeats it as
/// its bounds; a test keeps the two equal.)
pub const MAX_TICKETS_PER_SALE: u32 = 100;

/// A membership registration: the member's personalized chip (c28, c31).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRegistration {
    /// The member number, unique per distributor.
    pub member: MemberId,
    /// The member's name, printed on the card.
    pub name: String,
    /// The chip of the member's card (its id from GET INFO of the blank
    /// card, before it is personalized).
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// When the membership ends; a year from registration when left out.
    #[serde(default)]
    pub valid_until: Option<Timestamp>,
    /// The blank card's public key (65 bytes SEC1, hex, as GET INFO reports
    /// it): when given, the answer carries the center's certificate of the
    /// card's key, so a venue that requires certificates admits it.
    #[serde(
        default,
        with = "wire::opt_hex_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<wire::schema::HexBytes>")]
    pub public_key: Option<Vec<u8>>,
}

/// How long a membership lasts when the registration names no end.
pub const DEFAULT_MEMBERSHIP_SECS: u64 = 365 * 86_400;

/// Most grant keys a card is personalized with (eticket-chip's
/// `MAX_GRANT_KEYS`).
pub const CARD_GRANT_KEYS: usize = 4;

/// A grant key for a card to trust.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct CardGrantKey {
    /// The key id.
    pub id: KeyId,
    /// The public key, uncompressed SEC1.
    #[serde(with = "wire::hex_bytes")]
    #[schemars(with = "wire::schema::HexBytes")]
    pub public_key: Vec<u8>,
}

/// The personalized chip card a membership registration issues (c28, c31):
/// the ledger's record, and what the terminal writes to the card with
/// PERSONALIZE (eticket-chip's `Personalization`): the grant keys the card
/// trusts and the member record (distributor, member, valid until).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MembershipCard {
    /// The distributor.
    pub distributor: DistributorId,
    /// The member.
    pub member: MemberId,
    /// The name on the card.
    pub name: String,
    /// The card's chip.
    #[serde(with = "wire::chip")]
    #[schemars(with = "wire::schema::ChipHex")]
    pub chip: ChipId,
    /// When.
    pub registered_at: Timestamp,
    /// When the membership ends (answers stored before memberships ended
    /// read back as 0: no end).
    #[serde(default)]
    pub valid_until: Timestamp,
    /// The grant keys to personalize the card with, newest first, as of the
    /// registration. A terminal that personalizes the card later (or retries)
    /// should take the center's current ones: a retried registration returns
    /// this first answer.
    #[serde(default)]
    pub grant_keys: Vec<CardGrantKey>,
    /// The center's certificate of the card's key (eticket-core
    /// `ChipCertificate`, signed), when the registration gave the key.
    #[serde(
        default,
        with = "wire::opt_hex_bytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<wire::schema::HexBytes>")]
    pub certificate: Option<Vec<u8>>,
}

/// Which tickets a sale takes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
#[serde(deny_unknown_fields)]
pub enum SeatChoice {
    /// These tickets, all or none (1 to 100).
    Serials(#[schemars(length(min = 1, max = 100))] Vec<TicketSerial>),
    /// The best available tickets of the allotment (lowest serials: the
    /// ticket master lists seats block by block, row by row).
    BestAvailable {
        /// Only this seat type.
        #[serde(default)]
        seat_type: Option<SeatType>,
        /// How many (1 to 100).
        #[schemars(range(min = 1, max = 100))]
        quantity: u32,
    },
    /// Accessible (wheelchair) places for people who need them, with
    /// companion seats beside them: the best group of the allotment found
    /// by eticket-alloc's best-available search in one row, with at least
    /// `quantity` accessible places and the rest companion seats (or more
    /// accessible places). Only these requests get accessible places and
    /// companion seats; `best_available` never does. `quantity +
    /// companions` tickets in all, or sold out.
    BestAccessible {
        /// Only this seat type; left out, the best group of any seat type.
        #[serde(default)]
        seat_type: Option<SeatType>,
        /// How many accessible places (at least 1; with the companions, at
        /// most 100).
        #[schemars(range(min = 1, max = 100))]
        quantity: u32,
        /// How many companion seats beside them (0 when left out).
        #[serde(default)]
        #[schemars(range(max = 99))]
        companions: u32,
    },
}

/// The choices' names, as a body gives them.
const SEAT_CHOICES: &str = "`serials`, `best_available` or `best_accessible`";

/// Read a [`SeatChoice`] from an object with exactly one of its names as the
/// key. With none or several, the error says so (serde's own words for an
/// enum there are "expected value at line 1 column 23").
pub(crate) fn one_seat_choice<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> std::result::Result<SeatChoice, D::Error> {
    use serde::de::Error as _;
    let value = serde_json::Value::deserialize(d)?;
    match &value {
        serde_json::Value::Object(m) if m.len() != 1 => {
            let given: Vec<&str> = m.keys().map(String::as_str).collect();
            return Err(D::Error::custom(format!(
                "`seats` takes one of {SEAT_CHOICES}, {}",
                if given.is_empty() {
                    "none was given".to_owned()
                } else {
                    format!("not several ({})", given.join(", "))
                }
            )));
        }
        serde_json::Value::Object(_) => {}
        _ => {
            return Err(D::Error::custom(format!(
                "`seats` is an object with one of {SEAT_CHOICES} as its key"
            )));
        }
    }
    SeatChoice::deserialize(value).map_err(|e| D::Error::custom(format!("seats: {e}")))
}

impl SeatChoice {
    /// How many tickets it asks for: 1 to [`MAX_TICKETS_PER_SALE`].
    pub(crate) fn quantity(&self) -> Result<u32> {
        let quantity = match self {
            SeatChoice::Serials(s) => u32::try_from(s.len()).unwrap_or(u32::MAX),
            SeatChoice::BestAvailable { quantity, .. } => *quantity,
            SeatChoice::BestAccessible { quantity: 0, .. } => {
                return Err(Error::invalid(
                    "seats",
                    "best_accessible asks for at least one accessible place",
                ));
            }
            SeatChoice::BestAccessible {
                quantity,
                companions,
                ..
            } => quantity.saturating_add(*companions),
        };
        if quantity == 0 || quantity > MAX_TICKETS_PER_SALE {
            return Err(Error::invalid(
                "seats",
                format!("1 to {MAX_TICKETS_PER_SALE} tickets per sale"),
            ));
        }
        Ok(quantity)
    }
}

/// The tickets a choice names in `d`'s allotment: the listed serials (each
/// once), or the best available ones, all or [`Error::SoldOut`].
pub(crate) fn choose(
    center: &Center,
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    choice: &SeatChoice,
) -> Result<Vec<TicketRow>> {
    match choice {
        SeatChoice::Serials(serials) => {
            let mut sorted = serials.clone();
            sorted.sort_unstable();
            sorted.dedup();
            if sorted.len() != serials.len() {
                return Err(Error::invalid("seats", "a serial appears twice"));
            }
            sorted
                .iter()
                .map(|s| crate::tables::tickets::load(tx, event, *s))
                .collect()
        }
        SeatChoice::BestAvailable {
            seat_type,
            quantity,
        } => {
            let found = best_available(center, tx, event, d, *seat_type, *quantity)?;
            if found.len() < usize::try_from(*quantity).unwrap_or(usize::MAX) {
                return Err(sold_out(tx, event, d, *seat_type, *quantity, found.len())?);
            }
            Ok(found)
        }
        SeatChoice::BestAccessible {
            seat_type,
            quantity,
            companions,
        } => {
            let total = quantity.saturating_add(*companions);
            let found = best_accessible(center, tx, event, d, *seat_type, *quantity, total)?;
            if found.len() < usize::try_from(total).unwrap_or(usize::MAX) {
                return Err(sold_out(tx, event, d, *seat_type, total, found.len())?);
            }
            Ok(found)
        }
    }
}

/// The refusal of a request for `requested` tickets (of `seat_type`, when
/// given) of which only `found` are left in `d`'s allotment:
/// [`Error::SoldOut`], or an invalid request when the event has no seat
/// type of that number at all (a mistake to correct, not a sell-out to
/// wait out).
pub(crate) fn sold_out(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
    requested: u32,
    found: usize,
) -> Result<Error> {
    if let Some(t) = seat_type {
        let info = crate::tables::events::load(tx, event)?.info;
        if !info.seat_types.iter().any(|s| s.id == t) {
            return Ok(Error::invalid(
                "seats.seat_type",
                format!("event {event} has no seat type {}", t.0),
            ));
        }
    }
    Ok(Error::SoldOut {
        event,
        distributor: d,
        seat_type,
        requested,
        available: u32::try_from(found).unwrap_or(u32::MAX),
    })
}

/// A sale from a distributor's allotment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SaleRequest {
    /// Which tickets.
    #[serde(deserialize_with = "crate::distributor::one_seat_choice")]
    #[schemars(with = "SeatChoice")]
    pub seats: SeatChoice,
    /// Who will hold them.
    #[serde(with = "wire::holder")]
    #[schemars(with = "wire::schema::HolderText")]
    pub holder: Holder,
    /// The member buying, when there is one.
    #[serde(default)]
    pub member: Option<MemberId>,
}

/// The issuing records of a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Sale {
    /// One per ticket.
    pub records: Vec<RecordView>,
}

pub(crate) fn acting_distributor(who: &Principal) -> Result<DistributorId> {
    match who {
        Principal::Distributor(d) => Ok(*d),
        _ => Err(Error::Forbidden("only a distributor may do this".into())),
    }
}

/// The chip of a member whose membership still runs at `now`.
pub(crate) fn load_member_chip(
    tx: &mut dyn Tx,
    d: DistributorId,
    member: MemberId,
    now: Timestamp,
) -> Result<ChipId> {
    let row = crate::tables::members::load(tx, d, member)?.ok_or(Error::UnknownMember {
        distributor: d,
        member,
    })?;
    if let Some(until) = row.valid_until {
        if now >= until {
            return Err(Error::MembershipEnded {
                distributor: d,
                member,
                at: until,
            });
        }
    }
    Ok(row.chip)
}

/// Check membership and the per-member limit for `quantity` more tickets;
/// `pending` counts tickets already asked for and not yet decided (lottery
/// applications) as held.
#[allow(clippy::too_many_arguments)]
pub(crate) fn check_buyer(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    policy: &DistributionPolicy,
    holder: &Holder,
    member: Option<MemberId>,
    quantity: u32,
    pending: u32,
    now: Timestamp,
) -> Result<()> {
    if let Some(m) = member {
        let chip = load_member_chip(tx, d, m, now)?;
        if policy.kind == PolicyKind::MembersOnly && *holder != Holder::Chip(chip) {
            return Err(Error::MemberChipMismatch(m));
        }
    } else if policy.kind == PolicyKind::MembersOnly {
        return Err(Error::MembershipRequired(d));
    }
    let Some(limit) = policy.per_member_limit else {
        return Ok(());
    };
    let (who, have): (String, u32) = match (member, holder) {
        (Some(m), _) => (
            format!("member {m}"),
            crate::records::count_sold(tx, event, d, SoldTo::Member(m))?,
        ),
        (None, Holder::Chip(c)) => (
            format!("chip {c}"),
            crate::records::count_sold(tx, event, d, SoldTo::Holder(holder))?,
        ),
        (None, Holder::Paper) => {
            return Err(Error::PolicyRefuses {
                event,
                distributor: d,
                policy: policy.kind.name(),
                reason: "with a per-member limit, paper tickets need a member",
            });
        }
    };
    let have = have.saturating_add(pending);
    if have.saturating_add(quantity) > limit {
        return Err(Error::MemberLimit {
            event,
            who,
            have,
            asked: quantity,
            limit,
        });
    }
    Ok(())
}

/// The best available tickets of `d`'s allotment: for a seated seat type,
/// adjacent seats nearest the stage as eticket-alloc's best-available search
/// finds them (one row, or split over two adjacent rows); otherwise, or when no
/// such group is free, the lowest serials (the ticket master lists seats block
/// by block, row by row). Either way accessible places and companion seats
/// (of a venue registered with its seat map) are never given to these
/// general requests.
pub(crate) fn best_available(
    center: &Center,
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
    quantity: u32,
) -> Result<Vec<TicketRow>> {
    if let Some(t) = seat_type {
        if let Some(found) = best_together(center, tx, event, d, t, quantity)? {
            return Ok(found);
        }
    }
    let reserved = center.reserved_places(tx, event)?;
    if reserved.is_empty() {
        return tickets::available(tx, event, d, seat_type, Some(quantity));
    }
    // The lowest serials past the reserved ones: `quantity` more rows than
    // there are reserved places always holds enough others when there are.
    let more = u32::try_from(reserved.len()).unwrap_or(u32::MAX);
    Ok(
        tickets::available(tx, event, d, seat_type, Some(quantity.saturating_add(more)))?
            .into_iter()
            .filter(|t| !reserved.contains(&t.place))
            .take(usize::try_from(quantity).unwrap_or(usize::MAX))
            .collect(),
    )
}

/// The best group of `total` tickets of `d`'s allotment with at least
/// `wheelchairs` accessible places and the rest companion seats, in one row
/// (eticket-alloc's search with [`BestRequest::accessible`]), over the seat
/// type asked for or every seat type of the seat map; empty when none is
/// free.
fn best_accessible(
    center: &Center,
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
    wheelchairs: u32,
    total: u32,
) -> Result<Vec<TicketRow>> {
    let (Ok(count), Ok(wheelchairs)) = (u16::try_from(total), u16::try_from(wheelchairs)) else {
        return Ok(Vec::new());
    };
    if count > MAX_REQUEST {
        return Ok(Vec::new());
    }
    let free: HashMap<Place, TicketRow> = tickets::available(tx, event, d, seat_type, None)?
        .into_iter()
        .filter(|t| matches!(t.place, Place::Seat { .. }))
        .map(|t| (t.place, t))
        .collect();
    if free.len() < usize::from(count) {
        return Ok(Vec::new());
    }
    let map = center.seat_map(tx, event)?;
    let available = |i: usize| {
        map.cells().get(i).is_some_and(|c| {
            let s = c.seat();
            free.contains_key(&Place::Seat {
                block: s.block,
                row: s.row,
                number: s.number,
            })
        })
    };
    let types: Vec<SeatType> = match seat_type {
        Some(t) => vec![t],
        None => map.seat_types().iter().map(|t| t.id).collect(),
    };
    let best = types
        .into_iter()
        .filter_map(|t| {
            find_best(
                &map,
                &BestRequest::accessible(count, t, wheelchairs),
                available,
            )
            .ok()
        })
        .min_by(|a, b| a.score.total_cmp(&b.score));
    Ok(best
        .map(|pick| {
            pick.cells
                .iter()
                .filter_map(|id| map.cell(*id))
                .filter_map(|c| {
                    let s = c.seat();
                    free.get(&Place::Seat {
                        block: s.block,
                        row: s.row,
                        number: s.number,
                    })
                    .cloned()
                })
                .collect()
        })
        .unwrap_or_default())
}

fn best_together(
    center: &Center,
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
    seat_type: SeatType,
    quantity: u32,
) -> Result<Option<Vec<TicketRow>>> {
    if u16::try_from(quantity).map_or(true, |c| c > MAX_REQUEST) {
        return Ok(None);
    }
    let free = free_seats(tickets::available(tx, event, d, Some(seat_type), None)?);
    if free.len() < usize::try_from(quantity).unwrap_or(usize::MAX) {
        return Ok(None);
    }
    let map = center.seat_map(tx, event)?;
    Ok(pick_together(&map, &free, seat_type, quantity))
}

/// The seats (not standing places) among `rows`, by place.
pub(crate) fn free_seats(rows: Vec<TicketRow>) -> HashMap<Place, TicketRow> {
    rows.into_iter()
        .filter(|t| matches!(t.place, Place::Seat { .. }))
        .map(|t| (t.place, t))
        .collect()
}

/// The best `quantity` seats of `seat_type` together among `free` on the
/// venue's `map`, if there are: what a general request gets, so never an
/// accessible place or a companion seat.
pub(crate) fn pick_together(
    map: &eticket_alloc::SeatMap,
    free: &HashMap<Place, TicketRow>,
    seat_type: SeatType,
    quantity: u32,
) -> Option<Vec<TicketRow>> {
    let count = u16::try_from(quantity).ok().filter(|c| *c <= MAX_REQUEST)?;
    if free.len() < usize::from(count) {
        return None;
    }
    let place_of = |cell: &eticket_alloc::SeatCell| {
        let s = cell.seat();
        Place::Seat {
            block: s.block,
            row: s.row,
            number: s.number,
        }
    };
    let request = BestRequest {
        allow_split: true,
        ..BestRequest::new(count, seat_type)
    };
    let pick = find_best(map, &request, |i| {
        map.cells()
            .get(i)
            .is_some_and(|c| free.contains_key(&place_of(c)))
    })
    .ok()?;
    let found: Vec<TicketRow> = pick
        .cells
        .iter()
        .filter_map(|id| map.cell(*id))
        .filter_map(|c| free.get(&place_of(c)).cloned())
        .collect();
    (found.len() == usize::from(count)).then_some(found)
}

impl Center {
    /// Set the acting distributor's policy for an event it is selected for.
    pub fn set_policy(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        policy: DistributionPolicy,
    ) -> Result<()> {
        let d = acting_distributor(who)?;
        self.mutate(who, key, "set_policy", &(event, policy), |tx, _| {
            check_selected(tx, event, d)?;
            crate::policy::check_times(tx, event, &policy)?;
            crate::lottery::check_policy_change(tx, event, d, policy.kind)?;
            crate::tables::distributors::select(tx, event, d, &policy)?;
            Ok(())
        })
    }

    /// The policy of a distributor for an event.
    pub fn policy(&self, event: EventId, d: DistributorId) -> Result<DistributionPolicy> {
        self.read(|tx| check_selected(tx, event, d))
    }

    /// Register a member of the acting distributor with the chip of their
    /// card; the answer is the membership card: the record, and the grant
    /// keys and member record the terminal personalizes the card with.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_center::distributor::MemberRegistration;
    /// # use eticket_core::ids::{ChipId, DistributorId, MemberId};
    /// let center = Center::open_in_memory()?;
    /// center.register_distributor(&Principal::Operator, "d", DistributorId(2), "Fan Club")?;
    /// let club = Principal::Distributor(DistributorId(2));
    /// let reg = MemberRegistration {
    ///     member: MemberId(7001),
    ///     name: "Carol".into(),
    ///     chip: ChipId([7; 16]),
    ///     valid_until: None,
    ///     public_key: None,
    /// };
    /// let card = center.register_member(&club, "member-7001", &reg)?;
    /// assert_eq!(card.valid_until.0, card.registered_at.0 + 365 * 86_400);
    /// assert_eq!(card.grant_keys[0].id, center.keys().grant.id());
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn register_member(
        &self,
        who: &Principal,
        key: &str,
        reg: &MemberRegistration,
    ) -> Result<MembershipCard> {
        let d = acting_distributor(who)?;
        if reg.name.trim().is_empty() || reg.name.len() > 200 {
            return Err(Error::invalid("name", "1 to 200 characters"));
        }
        let certificate = match &reg.public_key {
            Some(key) => {
                if ChipId::from_public_key(key) != reg.chip {
                    return Err(Error::invalid(
                        "public_key",
                        "it is not the key of the registered chip",
                    ));
                }
                Some(self.certify_chip(who, key)?)
            }
            None => None,
        };
        self.mutate(who, key, "register_member", reg, |tx, now| {
            let valid_until = reg.valid_until.unwrap_or(now.plus(DEFAULT_MEMBERSHIP_SECS));
            if valid_until <= now {
                return Err(Error::invalid(
                    "valid_until",
                    format!("{valid_until} has passed"),
                ));
            }
            if valid_until > now.plus(crate::organizer::MAX_EVENT_HORIZON_SECS) {
                return Err(Error::invalid(
                    "valid_until",
                    format!("{valid_until} is more than 10 years from now"),
                ));
            }
            if members::load(tx, d, reg.member)?.is_some() {
                return Err(Error::MemberExists {
                    distributor: d,
                    what: format!("member {}", reg.member),
                });
            }
            if members::chip_registered(tx, d, reg.chip)? {
                return Err(Error::MemberExists {
                    distributor: d,
                    what: format!("chip {}", reg.chip),
                });
            }
            members::insert(tx, d, reg.member, &reg.name, reg.chip, now, valid_until)?;
            let grant_keys = self
                .keys_in(tx)?
                .grant_keys_to_install(CARD_GRANT_KEYS)
                .into_iter()
                .map(|(id, public)| CardGrantKey {
                    id,
                    public_key: public.to_uncompressed().to_vec(),
                })
                .collect();
            Ok(MembershipCard {
                distributor: d,
                member: reg.member,
                name: reg.name.clone(),
                chip: reg.chip,
                registered_at: now,
                valid_until,
                grant_keys,
                certificate: certificate.clone(),
            })
        })
    }

    /// Sell tickets from the acting distributor's allotment under its policy:
    /// all requested tickets become issuing records, or none does.
    pub fn sell(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        req: &SaleRequest,
    ) -> Result<Sale> {
        let d = acting_distributor(who)?;
        req.seats.quantity()?;
        self.mutate(who, key, "sell", &(event, req), |tx, now| {
            self.sell_in(tx, d, event, req, now).map(Fresh::new)
        })
        .map(|sale| sale.counted(|s| metrics::record_sale(s.records.len())))
    }

    /// A sale by distributor `d` inside the caller's transaction: its own
    /// (`sell`) or a store terminal's on a buyer's behalf.
    pub(crate) fn sell_in(
        &self,
        tx: &mut dyn Tx,
        d: DistributorId,
        event: EventId,
        req: &SaleRequest,
        now: Timestamp,
    ) -> Result<Sale> {
        let quantity = req.seats.quantity()?;
        let policy = check_selected(tx, event, d)?;
        if policy.kind == PolicyKind::Lottery {
            return Err(Error::PolicyRefuses {
                event,
                distributor: d,
                policy: policy.kind.name(),
                reason: "tickets are given by the draw",
            });
        }
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
        crate::holds::expire_in(tx, event, now)?;
        let tickets = choose(self, tx, event, d, &req.seats)?;
        let decision = Decision {
            event,
            distributor: d,
            member: req.member,
            holder: req.holder,
            now,
            hold_until: policy.hold_until,
        };
        let mut out = Vec::with_capacity(tickets.len());
        for t in &tickets {
            out.push(records::authenticate_ticket(tx, t, &decision)?);
            if out.len() == 1 {
                self.fail_at("sale.after_first_record")?;
            }
        }
        Ok(Sale { records: out })
    }

    /// The issuing record of a ticket, if it was sold.
    pub fn issuing_record(
        &self,
        event: EventId,
        serial: TicketSerial,
    ) -> Result<Option<RecordView>> {
        self.read(|tx| records::load_record(tx, event, serial))
    }
}

#[cfg(test)]
mod strict_request_tests {
    use super::*;

    /// A misspelt field is refused, not ignored: `seat_typ` would otherwise
    /// sell a seat of any type, `membr` skip the member's limit.
    #[test]
    fn a_sale_with_an_unknown_field_is_refused() {
        for body in [
            r#"{"seats":{"best_available":{"quantity":1,"seat_typ":2}},"holder":"paper"}"#,
            r#"{"seats":{"best_available":{"quantity":1}},"holder":"paper","membr":7}"#,
            r#"{"seats":{"serials":[1]},"holder":"paper","evil":1}"#,
        ] {
            let e = serde_json::from_str::<SaleRequest>(body).expect_err(body);
            assert!(e.to_string().contains("unknown field"), "{body}: {e}");
        }
        let ok = r#"{"seats":{"best_available":{"quantity":1,"seat_type":2}},"holder":"paper","member":7}"#;
        serde_json::from_str::<SaleRequest>(ok).unwrap();
    }

    /// `seats` with several choices, none, or not an object says what it
    /// takes; a misspelt choice names the right ones.
    #[test]
    fn a_sale_names_what_seats_takes() {
        for (body, says) in [
            (
                r#"{"seats":{"serials":[1],"best_available":{"quantity":1}},"holder":"paper"}"#,
                "not several (best_available, serials)",
            ),
            (r#"{"seats":{},"holder":"paper"}"#, "none was given"),
            (
                r#"{"seats":"best_available","holder":"paper"}"#,
                "an object with one of",
            ),
            (
                r#"{"seats":{"best":{"quantity":1}},"holder":"paper"}"#,
                "unknown variant `best`",
            ),
        ] {
            let e = serde_json::from_str::<SaleRequest>(body).expect_err(body);
            assert!(e.to_string().contains(says), "{body}: {e}");
        }
    }

    /// An accessible request names its accessible places and companion
    /// seats; misspelt fields are refused, and it counts both.
    #[test]
    fn an_accessible_request_counts_places_and_companions() {
        let body =
            r#"{"seats":{"best_accessible":{"quantity":2,"companions":1}},"holder":"paper"}"#;
        let req: SaleRequest = serde_json::from_str(body).unwrap();
        assert_eq!(
            req.seats,
            SeatChoice::BestAccessible {
                seat_type: None,
                quantity: 2,
                companions: 1
            }
        );
        assert_eq!(req.seats.quantity().unwrap(), 3);
        let alone = r#"{"seats":{"best_accessible":{"quantity":1}},"holder":"paper"}"#;
        let req: SaleRequest = serde_json::from_str(alone).unwrap();
        assert_eq!(req.seats.quantity().unwrap(), 1);
        for bad in [
            r#"{"seats":{"best_accessible":{"quantity":1,"companion":1}},"holder":"paper"}"#,
            r#"{"seats":{"best_available":{"quantity":1,"accessible":true}},"holder":"paper"}"#,
        ] {
            let e = serde_json::from_str::<SaleRequest>(bad).expect_err(bad);
            assert!(e.to_string().contains("unknown field"), "{bad}: {e}");
        }
        // Companions alone would be a general request: refused.
        let none = SeatChoice::BestAccessible {
            seat_type: None,
            quantity: 0,
            companions: 2,
        };
        assert!(none.quantity().is_err());
        let many = SeatChoice::BestAccessible {
            seat_type: None,
            quantity: 60,
            companions: 60,
        };
        assert!(many.quantity().is_err());
    }

    /// The bounds the schema (and so openapi.json) states are the ones the
    /// center enforces.
    #[test]
    fn the_schema_states_the_bounds_on_quantity() {
        let schema = serde_json::to_string(&schemars::schema_for!(SeatChoice)).unwrap();
        let max = MAX_TICKETS_PER_SALE;
        assert!(schema.contains(&format!("\"maximum\":{max}")), "{schema}");
        assert!(schema.contains(&format!("\"maxItems\":{max}")), "{schema}");
        assert!(
            schema.contains(&format!("\"maximum\":{}", max - 1)),
            "{schema}"
        );
    }
}
