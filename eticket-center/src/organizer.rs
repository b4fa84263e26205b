//! Organizer services (c2-6, c30): register an event (the center forms the
//! ticket master), select distributors, and allot tickets to them by ratio or
//! by seat selection.

use std::collections::{BTreeMap, HashMap};

use eticket_core::allotment::AllotmentRatios;
use eticket_core::event::EventInfo;
use eticket_core::ids::{AreaId, BlockId, DistributorId, EventId, KeyId, SeatType, TicketSerial};
use eticket_core::master::{Price, TicketMaster, TicketState};
use eticket_core::ticket::Place;
use serde::{Deserialize, Serialize};

pub(crate) use crate::allotment_log::By;
use crate::center::{Center, Principal};
use crate::keys;
use crate::policy::DistributionPolicy;
use crate::records;
use crate::store::Tx;
use crate::tables::{self, tickets::TicketRow};
use crate::{Error, Result};
use eticket_alloc::SeatMap;
use eticket_alloc::allotment::{Allotments, RatioOptions};
use eticket_alloc::cell::CellId;
use eticket_alloc::map::SeatMapData;

/// What an organizer registers: the event information, a price per seat
/// type and, when the venue has one, its seat map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EventRegistration {
    /// Venue, schedule, seat types, seat master.
    pub info: EventInfo,
    /// Price (minor currency unit) per seat type.
    pub prices: BTreeMap<SeatType, Price>,
    /// The venue's seat map (eticket-alloc's JSON form) the seat master
    /// was made from: where the seats are (geometry, landmarks), their
    /// labels, accessible places and companion seats. Kept with the event
    /// for best available and the allocation page; its seats must be the
    /// seat master's. Left out: the center lays the blocks out side by
    /// side from the seat master (`SeatMap::from_event`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<crate::wire::schema::SeatMapJson>")]
    pub seat_map: Option<SeatMapData>,
}

impl EventRegistration {
    /// A registration without a seat map.
    pub fn new(info: EventInfo, prices: BTreeMap<SeatType, Price>) -> Self {
        EventRegistration {
            info,
            prices,
            seat_map: None,
        }
    }
}

/// The seat map a registration carries, checked: a valid map whose seats,
/// areas, seat types and blocks are the event's.
/// The registration's seat map, checked against its event, as the JSON
/// the ledger keeps of it: a map whose JSON the center could not read back
/// (larger than the seat-map format's limit) is refused here, not stored.
fn checked_seat_map(reg: &EventRegistration) -> Result<Option<String>> {
    let Some(data) = &reg.seat_map else {
        return Ok(None);
    };
    let map = SeatMap::new(data.clone()).map_err(|e| Error::invalid("seat_map", e.to_string()))?;
    let json = map.to_json();
    if json.len() > eticket_alloc::format::MAX_FILE_BYTES {
        return Err(Error::invalid(
            "seat_map",
            format!(
                "it is {} bytes as JSON, more than the {} a stored seat map may be",
                json.len(),
                eticket_alloc::format::MAX_FILE_BYTES
            ),
        ));
    }
    let info = &reg.info;
    if map.to_seat_master() != info.seats {
        return Err(Error::invalid(
            "seat_map",
            "its seats and standing areas are not the event's seat master",
        ));
    }
    let types = |ids: &mut dyn Iterator<Item = SeatType>| {
        let mut v: Vec<SeatType> = ids.collect();
        v.sort_unstable();
        v
    };
    if types(&mut map.seat_types().iter().map(|t| t.id))
        != types(&mut info.seat_types.iter().map(|t| t.id))
    {
        return Err(Error::invalid(
            "seat_map",
            "its seat types are not the event's",
        ));
    }
    let mut blocks: Vec<BlockId> = map.blocks().iter().map(|b| b.id).collect();
    let mut venue: Vec<BlockId> = info.venue.blocks.iter().map(|b| b.id).collect();
    blocks.sort_unstable();
    venue.sort_unstable();
    if blocks != venue {
        return Err(Error::invalid(
            "seat_map",
            "its blocks are not the venue master's",
        ));
    }
    Ok(Some(json))
}

/// The answer to a registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventSummary {
    /// The event.
    pub event: EventId,
    /// Tickets in its ticket master.
    pub tickets: u32,
    /// The ticket key made for the event: it signs the event's tickets and
    /// no other event's (gates learn it from the next key set).
    pub ticket_key: KeyId,
}

/// Tickets per distributor after an allotment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct AllotmentSummary {
    /// The event.
    pub event: EventId,
    /// (distributor, tickets allotted).
    pub allotted: Vec<(DistributorId, u32)>,
    /// Tickets allotted to nobody.
    pub unallotted: u32,
    /// The event's allotment version after it (the number of the allotment
    /// log's last entry): give it as `as_of` to the next change so that it
    /// is refused if someone else moved its seats in between.
    #[serde(default)]
    pub version: u64,
    /// For a selection: seats its row, block, rectangle, seat type or
    /// `"all"` selectors cover that were left as they are because they are
    /// sold or held (0 for other changes).
    #[serde(default)]
    pub skipped: u32,
}

/// The answer to selecting a distributor for an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SelectedDistributor {
    /// The event.
    pub event: EventId,
    /// The distributor.
    pub distributor: DistributorId,
    /// The policy it sells under now.
    pub policy: DistributionPolicy,
}

/// Seats chosen for a distributor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SeatSelector {
    /// One ticket by serial.
    Serial(TicketSerial),
    /// One reserved seat.
    Seat {
        /// Block.
        block: BlockId,
        /// Row.
        row: u16,
        /// Number.
        number: u16,
    },
    /// A whole row of a block (its available seats, as for every selector
    /// below but `serial` and `seat`, which name one ticket whatever its
    /// state).
    Row {
        /// Block.
        block: BlockId,
        /// Row.
        row: u16,
    },
    /// A whole block.
    Block(BlockId),
    /// `count` places of a standing area: the lowest available serials
    /// whose owner the change may take (those `from` names; unallotted
    /// when it names none).
    Area {
        /// The area.
        area: AreaId,
        /// How many.
        count: u32,
    },
    /// Seats `numbers[0]..=numbers[1]` of rows `rows[0]..=rows[1]` of a
    /// block: a rectangle of the block, or a run of one row (the page sends
    /// its selection as runs, so any venue fits one request).
    Rect {
        /// Block.
        block: BlockId,
        /// First and last row.
        rows: [u16; 2],
        /// First and last seat number.
        numbers: [u16; 2],
    },
    /// Every reserved seat and standing place of one seat type.
    SeatType(SeatType),
    /// Every reserved seat and standing place of the event (JSON `"all"`).
    All,
}

/// An allotment by seat selection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatSelection {
    /// Who gets the seats (selected for the event); `null` takes them
    /// back to unallotted.
    pub distributor: Option<DistributorId>,
    /// Which seats.
    pub seats: Vec<SeatSelector>,
    /// The owners the seats may have now, as the caller saw them: `null`
    /// for unallotted, a distributor id to take its seats. A seat with any
    /// other owner (moved by someone else since) refuses the whole change
    /// with `allotment_changed`. Left out: unallotted only, so a selection
    /// never takes seats from another distributor unless it names it.
    /// Seats the receiving distributor has already are always fine.
    #[serde(default)]
    pub from: Vec<Option<DistributorId>>,
    /// The event's allotment version the caller saw (`version` of the
    /// seat map or of the last change's answer). Given, a seat whose owner
    /// changed after it refuses the whole change with `allotment_changed`
    /// even when its owner now is one `from` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<u64>,
}

/// A ticket's place for people: `block 1 row 3 seat 7 (ticket 150)`,
/// `area 2 (ticket 401)`.
pub(crate) fn describe_place(t: &TicketRow) -> String {
    match t.place {
        Place::Seat { block, row, number } => {
            format!(
                "block {} row {row} seat {number} (ticket {})",
                block.0, t.serial.0
            )
        }
        Place::Area(area) => format!("area {} (ticket {})", area.0, t.serial.0),
    }
}

/// Refuse the change when a seat's owner now is not one `allowed` for it:
/// the caller's view of the seats is stale. Names the first few.
pub(crate) fn check_owners<'a>(
    event: EventId,
    seats: impl Iterator<Item = (&'a TicketRow, bool)>,
    as_of: Option<u64>,
) -> Result<()> {
    let stale: Vec<&TicketRow> = seats.filter(|(_, ok)| !ok).map(|(t, _)| t).collect();
    if stale.is_empty() {
        return Ok(());
    }
    // A standing area's places are counted, not named: one entry per area
    // and owner now ("area 1: 20 places, distributor 3 now"), seats one
    // each, in the order met.
    enum Entry {
        Seat(String),
        Area {
            area: AreaId,
            owner: Option<DistributorId>,
            places: usize,
        },
    }
    let owner_name = |d: Option<DistributorId>| {
        d.map_or_else(
            || "unallotted".to_owned(),
            |d| format!("distributor {}", d.0),
        )
    };
    let mut entries: Vec<Entry> = Vec::new();
    for t in &stale {
        match t.place {
            Place::Area(area) => {
                let owner = t.distributor;
                let same = entries.iter_mut().find_map(|e| match e {
                    Entry::Area {
                        area: a,
                        owner: o,
                        places,
                    } if *a == area && *o == owner => Some(places),
                    _ => None,
                });
                match same {
                    Some(places) => *places += 1,
                    None => entries.push(Entry::Area {
                        area,
                        owner,
                        places: 1,
                    }),
                }
            }
            Place::Seat { .. } => entries.push(Entry::Seat(format!(
                "{}: {} now",
                describe_place(t),
                owner_name(t.distributor)
            ))),
        }
    }
    let shown: Vec<String> = entries
        .iter()
        .take(5)
        .map(|e| match e {
            Entry::Seat(text) => text.clone(),
            Entry::Area {
                area,
                owner,
                places,
            } => {
                let word = if *places == 1 { "place" } else { "places" };
                format!(
                    "area {}: {places} {word}, {} now",
                    area.0,
                    owner_name(*owner)
                )
            }
        })
        .collect();
    let sample = shown.join("; ");
    let sample = match entries.len() {
        n if n > 5 => format!("{sample}; and {} more", n - 5),
        _ => sample,
    };
    Err(Error::AllotmentChanged {
        event,
        count: stale.len(),
        sample,
        as_of,
    })
}

/// Counts per distributor and state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventStats {
    /// The event.
    pub event: EventId,
    /// (distributor or none, state, count).
    pub counts: Vec<(Option<DistributorId>, String, u32)>,
    /// Issued tickets currently valid (one per sold ticket).
    pub valid_issued: u32,
    /// Revocation list version.
    pub revocation_version: u64,
}

pub(crate) fn distributor_exists(tx: &mut dyn Tx, d: DistributorId) -> Result<()> {
    if tables::distributors::exists(tx, d)? {
        Ok(())
    } else {
        Err(Error::UnknownDistributor(d))
    }
}

/// Check `who` may manage `event`: its organizer or the operator.
pub(crate) fn check_organizer(tx: &mut dyn Tx, who: &Principal, event: EventId) -> Result<()> {
    let row = crate::tables::events::load(tx, event)?;
    match who {
        Principal::Operator => Ok(()),
        Principal::Organizer(o) if *o == row.organizer => Ok(()),
        Principal::Organizer(_) => Err(Error::Forbidden(format!(
            "event {event} belongs to another organizer"
        ))),
        _ => Err(Error::Forbidden(
            "only the event's organizer manages it".into(),
        )),
    }
}

/// `d`'s policy for `event`, which must be selected and not cancelled
/// (every sale, hold, lottery step and allotment checks here).
pub(crate) fn check_selected(
    tx: &mut dyn Tx,
    event: EventId,
    d: DistributorId,
) -> Result<DistributionPolicy> {
    crate::cancellation::check_open(tx, event)?;
    tables::distributors::policy(tx, event, d)
}

pub(crate) fn all_tickets(tx: &mut dyn Tx, event: EventId) -> Result<Vec<TicketRow>> {
    tables::tickets::all(tx, event)
}

pub(crate) fn summarize(tx: &mut dyn Tx, event: EventId) -> Result<AllotmentSummary> {
    let mut allotted = Vec::new();
    let mut unallotted = 0;
    for (owner, n) in tables::tickets::count_by_owner(tx, event)? {
        match owner {
            Some(d) => allotted.push((d, n)),
            None => unallotted = n,
        }
    }
    Ok(AllotmentSummary {
        event,
        allotted,
        unallotted,
        version: crate::allotment_log::version(tx, event)?,
        skipped: 0,
    })
}

/// Who gets each ticket under a ratio split: eticket-alloc splits the seats
/// (per seat type, largest remainder, consecutive stretches of a serpentine
/// walk so each distributor's seats sit together) and the area capacities.
fn ratio_assignment(
    map: &SeatMap,
    info: &EventInfo,
    tickets: &[TicketRow],
    ratios: &AllotmentRatios,
) -> Result<Vec<(TicketSerial, Option<DistributorId>)>> {
    let mut allotments = Allotments::new(map);
    allotments
        .allocate_by_ratio(map, ratios, None, RatioOptions::default())
        .map_err(|e| Error::invalid("ratios", e.to_string()))?;
    let by_place: HashMap<Place, TicketSerial> =
        tickets.iter().map(|t| (t.place, t.serial)).collect();
    let mut out = Vec::with_capacity(tickets.len());
    for (i, cell) in map.cells().iter().enumerate() {
        let seat = cell.seat();
        let place = Place::Seat {
            block: seat.block,
            row: seat.row,
            number: seat.number,
        };
        let Some(serial) = by_place.get(&place) else {
            continue;
        };
        let id = CellId(u32::try_from(i).map_err(|_| Error::invalid("seats", "too many seats"))?);
        out.push((*serial, allotments.owner(id)));
    }
    let mut distributors: Vec<DistributorId> =
        ratios.shares.iter().map(|s| s.distributor).collect();
    distributors.sort_unstable();
    distributors.dedup();
    for area in &info.seats.areas {
        let mut serials = tickets
            .iter()
            .filter(|t| t.place == Place::Area(area.id))
            .map(|t| t.serial);
        for d in &distributors {
            let n = allotments.area_share(area.id, *d);
            for serial in serials.by_ref().take(usize::try_from(n).unwrap_or(0)) {
                out.push((serial, Some(*d)));
            }
        }
        out.extend(serials.map(|s| (s, None)));
    }
    Ok(out)
}

/// Longest event name, in bytes.
pub const MAX_EVENT_NAME_LEN: usize = 200;
/// Furthest ahead an event may end when it is registered: 10 years.
pub const MAX_EVENT_HORIZON_SECS: u64 = 10 * 366 * 86_400;

impl Center {
    /// Register a distributor (operator only).
    pub fn register_distributor(
        &self,
        who: &Principal,
        key: &str,
        id: DistributorId,
        name: &str,
    ) -> Result<DistributorId> {
        if *who != Principal::Operator {
            return Err(Error::Forbidden(
                "only the operator registers distributors".into(),
            ));
        }
        if name.trim().is_empty() || name.len() > 200 {
            return Err(Error::invalid("name", "1 to 200 characters"));
        }
        self.mutate(who, key, "register_distributor", &(id, name), |tx, _| {
            if tables::distributors::exists(tx, id)? {
                return Err(Error::invalid(
                    "distributor",
                    format!("{id} is already registered"),
                ));
            }
            tables::distributors::insert(tx, id, name)?;
            Ok(id)
        })
    }

    /// Register an event: validate it, form its ticket master, store both.
    pub fn register_event(
        &self,
        who: &Principal,
        key: &str,
        reg: &EventRegistration,
    ) -> Result<EventSummary> {
        let organizer = match who {
            Principal::Organizer(o) => *o,
            Principal::Operator => 0,
            _ => return Err(Error::Forbidden("only organizers register events".into())),
        };
        // Screens and paper show the venue's local time: the zone must exist.
        eticket_core::local_time::VenueTime::named(&reg.info.venue.time_zone)?;
        let master = TicketMaster::form(&reg.info, &reg.prices)?;
        let seat_map_json = checked_seat_map(reg)?;
        let tickets = u32::try_from(master.entries.len())
            .map_err(|_| Error::invalid("seats", "too many tickets"))?;
        let info =
            serde_json::to_string(&reg.info).map_err(|e| Error::invalid("info", e.to_string()))?;
        let prices = records::prices_to_text(&reg.prices)?;
        let event = reg.info.id;
        let schedule = reg.info.schedule;
        if reg.info.name.trim().is_empty() || reg.info.name.len() > MAX_EVENT_NAME_LEN {
            return Err(Error::invalid(
                "name",
                format!("an event's name is 1 to {MAX_EVENT_NAME_LEN} bytes"),
            ));
        }
        let summary = self.mutate(who, key, "register_event", reg, |tx, now| {
            // Its ticket key lives until shortly after its end: an event that
            // ends past the horizon would make a key that never leaves the
            // key set.
            if schedule.end > now.plus(MAX_EVENT_HORIZON_SECS) {
                return Err(Error::invalid(
                    "schedule",
                    format!(
                        "the event ends at {}, more than 10 years from now",
                        schedule.end
                    ),
                ));
            }
            if tables::events::exists(tx, event)? {
                return Err(Error::EventExists(event));
            }
            tables::events::insert(tx, event, organizer, (&info, &prices), now)?;
            if let Some(json) = &seat_map_json {
                tables::seat_maps::insert(tx, event, json)?;
            }
            // Core's ticket master forms every entry available.
            tables::tickets::insert_master(tx, event, &master.entries)?;
            // The event's own ticket key: a leak forges this event's tickets only.
            let ticket_key = keys::add_event_key(tx, &self.storage, event, schedule, now)?;
            keys::check_key_set_room(tx, self.config().max_key_set_keys)?;
            if organizer != 0 {
                keys::check_organizer_room(tx, organizer, self.config().max_events_per_organizer)?;
            }
            keys::key_set_changed(tx)?;
            Ok(EventSummary {
                event,
                tickets,
                ticket_key,
            })
        })?;
        self.refresh_keys()?;
        Ok(summary)
    }

    /// The event information of a registered event (anyone may read it).
    pub fn event_info(&self, event: EventId) -> Result<EventInfo> {
        self.read(|tx| crate::tables::events::load(tx, event))
            .map(|r| r.info)
    }

    /// Select a distributor for an event, with its distribution policy.
    pub fn select_distributor(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        distributor: DistributorId,
        policy: DistributionPolicy,
    ) -> Result<SelectedDistributor> {
        self.mutate(
            who,
            key,
            "select_distributor",
            &(event, distributor, policy),
            |tx, _| {
                check_organizer(tx, who, event)?;
                distributor_exists(tx, distributor)?;
                if tables::distributors::is_selected(tx, event, distributor)? {
                    // Selected again: a new policy (the lottery and the
                    // distributor's records refer to this row, so it stays).
                    crate::lottery::check_policy_change(tx, event, distributor, policy.kind)?;
                }
                crate::policy::check_times(tx, event, &policy)?;
                tables::distributors::select(tx, event, distributor, &policy)?;
                Ok(SelectedDistributor {
                    event,
                    distributor,
                    policy,
                })
            },
        )
    }

    /// Allot all tickets of the event by ratio: per seat type, the shares that
    /// name it (or else the shares for all types) split its tickets by the
    /// largest-remainder method, each distributor getting a contiguous run of
    /// serials. Allowed until the first ticket is sold.
    pub fn set_allotment_ratios(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        ratios: &AllotmentRatios,
    ) -> Result<AllotmentSummary> {
        ratios.validate()?;
        self.mutate(
            who,
            key,
            "set_allotment_ratios",
            &(event, ratios),
            |tx, now| {
                check_organizer(tx, who, event)?;
                for s in &ratios.shares {
                    check_selected(tx, event, s.distributor)?;
                }
                let tickets = all_tickets(tx, event)?;
                check_nothing_sold(event, &tickets)?;
                let map = self.seat_map(tx, event)?;
                let info = crate::tables::events::load(tx, event)?.info;
                let assignment = ratio_assignment(&map, &info, &tickets, ratios)?;
                let by = By {
                    who,
                    operation: "allot_ratios",
                    request: key,
                    now,
                };
                apply_assignment(tx, event, &assignment, by)?;
                summarize(tx, event)
            },
        )
    }

    /// Allot the selected seats to one distributor. Seats move only from the
    /// owners the selection names in `from` (unallotted when it names
    /// none); a seat that has another owner now refuses the whole change
    /// ([`Error::AllotmentChanged`]), so a stale view never takes seats
    /// silently.
    pub fn set_allotment_selection(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        selection: &SeatSelection,
    ) -> Result<AllotmentSummary> {
        if selection.seats.is_empty() {
            return Err(Error::invalid("seats", "select at least one seat"));
        }
        self.mutate(
            who,
            key,
            "set_allotment_selection",
            &(event, selection),
            |tx, now| {
                check_organizer(tx, who, event)?;
                match selection.distributor {
                    Some(d) => {
                        check_selected(tx, event, d)?;
                    }
                    None => crate::cancellation::check_open(tx, event)?,
                }
                let tickets = all_tickets(tx, event)?;
                let named = |owner: Option<DistributorId>| {
                    selection.from.contains(&owner)
                        || (selection.from.is_empty() && owner.is_none())
                };
                let target = selection.distributor;
                // Standing places come from the owners named, not the
                // receiver's own (they would not move).
                let resolved = resolve_selection(event, &tickets, &selection.seats, &|o| {
                    o != target && named(o)
                })
                .map_err(|e| stale_shortfall(tx, event, selection.as_of, e))?;
                let (serials, skipped) = (resolved.serials, resolved.skipped);
                let by_serial: HashMap<TicketSerial, &TicketRow> =
                    tickets.iter().map(|t| (t.serial, t)).collect();
                let selected: Vec<&TicketRow> = serials
                    .iter()
                    .filter_map(|s| by_serial.get(s).copied())
                    .collect();
                check_owners(
                    event,
                    selected
                        .iter()
                        .map(|t| (*t, t.distributor == target || named(t.distributor))),
                    None,
                )?;
                crate::allotment_log::check_unchanged(
                    tx,
                    event,
                    selection.as_of,
                    selected.iter().copied(),
                )?;
                // A standing area's places are taken by number, so a tab
                // that saw the area before another session moved some of
                // its places is refused as stale even though the places it
                // gets were not the ones moved: its counts were wrong.
                for s in &selection.seats {
                    if let SeatSelector::Area { area, .. } = s {
                        crate::allotment_log::check_unchanged(
                            tx,
                            event,
                            selection.as_of,
                            tickets.iter().filter(|t| t.place == Place::Area(*area)),
                        )?;
                    }
                }
                let assignment: Vec<_> = serials.into_iter().map(|s| (s, target)).collect();
                let by = By {
                    who,
                    operation: "allot_selection",
                    request: key,
                    now,
                };
                apply_assignment(tx, event, &assignment, by)?;
                let mut summary = summarize(tx, event)?;
                summary.skipped = u32::try_from(skipped).unwrap_or(u32::MAX);
                Ok(summary)
            },
        )
    }

    /// Counts per distributor and state (the organizer, or the operator).
    pub fn event_stats(&self, who: &Principal, event: EventId) -> Result<EventStats> {
        self.read(|tx| {
            check_organizer(tx, who, event)?;
            let counts = tables::tickets::count_by_owner_and_state(tx, event)?;
            let valid = tables::issued::count_valid(tx, event)?;
            let version = tables::events::revocation_version(tx, event)?;
            Ok(EventStats {
                event,
                counts,
                valid_issued: valid,
                revocation_version: version,
            })
        })
    }
}

fn check_nothing_sold(event: EventId, tickets: &[TicketRow]) -> Result<()> {
    let count = |f: &dyn Fn(TicketState) -> bool| {
        u32::try_from(tickets.iter().filter(|t| f(t.state)).count()).unwrap_or(u32::MAX)
    };
    let held = count(&|s| s == TicketState::Held);
    let sold = count(&|s| !matches!(s, TicketState::Available | TicketState::Held));
    if sold > 0 || held > 0 {
        return Err(Error::AllotmentFixed { event, sold, held });
    }
    Ok(())
}

/// Give each listed ticket its owner (all must still be available, else
/// [`Error::SeatUnavailable`] and the caller's transaction rolls back), and
/// write what changed to the allotment log under `by` (who, operation,
/// request, when).
pub(crate) fn apply_assignment(
    tx: &mut dyn Tx,
    event: EventId,
    assignment: &[(TicketSerial, Option<DistributorId>)],
    by: By<'_>,
) -> Result<()> {
    let before = tables::tickets::owners(tx, event)?;
    let mut changes = Vec::with_capacity(assignment.len());
    for (serial, d) in assignment {
        if !crate::tables::ticket_state::allot(tx, event, *serial, *d)? {
            let t = crate::tables::tickets::load(tx, event, *serial)?;
            return Err(Error::unavailable(event, &t));
        }
        changes.push((*serial, before.get(serial).copied().flatten(), *d));
    }
    if changes.len() >= LARGE_ASSIGNMENT {
        tx.refresh_statistics("tickets")?;
    }
    crate::allotment_log::record(tx, event, by, &changes)
}

/// An assignment of this many seats or more changes the tickets' owners
/// enough that the ledger's planner statistics are gathered again.
const LARGE_ASSIGNMENT: usize = 1000;

/// Whether a selector that covers many seats (a row, block, rectangle,
/// seat type or `all`) covers ticket `t`, whatever its state.
fn covers(t: &TicketRow, s: &SeatSelector) -> bool {
    match (*s, t.place) {
        (
            SeatSelector::Row { block, row },
            Place::Seat {
                block: b, row: r, ..
            },
        ) => b == block && r == row,
        (SeatSelector::Block(block), Place::Seat { block: b, .. }) => b == block,
        (
            SeatSelector::Rect {
                block,
                rows,
                numbers,
            },
            Place::Seat {
                block: b,
                row,
                number,
            },
        ) => {
            b == block
                && (rows[0]..=rows[1]).contains(&row)
                && (numbers[0]..=numbers[1]).contains(&number)
        }
        (SeatSelector::SeatType(seat_type), _) => t.seat_type == seat_type,
        (SeatSelector::All, _) => true,
        _ => false,
    }
}

/// What a list of selectors selects.
pub(crate) struct Resolved {
    /// The selected tickets, ascending, each once.
    pub serials: Vec<TicketSerial>,
    /// Tickets the selectors cover but left out because they are sold or
    /// held.
    pub skipped: usize,
}

/// The field of the refusal of an area selector that asks more places
/// than its owners have ([`resolve_selection`]).
pub(crate) const AREA_SHORTFALL: &str = "seats.area";

/// A selection that asked more of an area's places than their owners have:
/// `allotment_changed` when the allotment changed after the version the
/// caller saw (another tab moved places meanwhile), else as it was.
pub(crate) fn stale_shortfall(
    tx: &mut dyn Tx,
    event: EventId,
    as_of: Option<u64>,
    refused: Error,
) -> Error {
    let Error::Invalid { field, reason } = &refused else {
        return refused;
    };
    match as_of {
        Some(v) if *field == AREA_SHORTFALL => match crate::allotment_log::version(tx, event) {
            Ok(now) if now > v => Error::AllotmentChanged {
                event,
                count: 0,
                sample: reason.clone(),
                as_of,
            },
            _ => refused,
        },
        _ => refused,
    }
}

/// The tickets `seats` select: `serial` and `seat` name one ticket whatever
/// its state (a sold one then refuses the change, naming it); the others
/// select the available tickets they cover, so "all" or a block still
/// works once some are sold or held; `area` takes the lowest available
/// places whose owner `area_owner` accepts. A selector that selects
/// nothing is an error.
pub(crate) fn resolve_selection(
    event: EventId,
    tickets: &[TicketRow],
    seats: &[SeatSelector],
    area_owner: &dyn Fn(Option<DistributorId>) -> bool,
) -> Result<Resolved> {
    let by_place: HashMap<Place, TicketSerial> = tickets
        .iter()
        .filter(|t| matches!(t.place, Place::Seat { .. }))
        .map(|t| (t.place, t.serial))
        .collect();
    let mut out = Vec::new();
    let mut skipped = std::collections::HashSet::new();
    for s in seats {
        let before = out.len();
        match *s {
            SeatSelector::Serial(serial) => {
                if !tickets.iter().any(|t| t.serial == serial) {
                    return Err(Error::UnknownTicket { event, serial });
                }
                out.push(serial);
            }
            SeatSelector::Seat { block, row, number } => {
                let serial = by_place
                    .get(&Place::Seat { block, row, number })
                    .ok_or_else(|| {
                        Error::invalid(
                            "seats",
                            format!("no seat {block} row {row} number {number}"),
                        )
                    })?;
                out.push(*serial);
            }
            SeatSelector::Area { area, count } => {
                let want = usize::try_from(count).unwrap_or(usize::MAX);
                let free: Vec<_> = tickets
                    .iter()
                    .filter(|t| {
                        t.place == Place::Area(area)
                            && t.state == TicketState::Available
                            && area_owner(t.distributor)
                    })
                    .map(|t| t.serial)
                    .take(want)
                    .collect();
                if free.len() < want {
                    return Err(Error::invalid(
                        AREA_SHORTFALL,
                        format!(
                            "area {} has {} available places from the owners this change may take, {count} asked for",
                            area.0,
                            free.len()
                        ),
                    ));
                }
                out.extend(free);
            }
            SeatSelector::Rect { rows, numbers, .. }
                if rows[0] > rows[1] || numbers[0] > numbers[1] =>
            {
                return Err(Error::invalid("seats", format!("{s:?}: first above last")));
            }
            _ => {
                for t in tickets.iter().filter(|t| covers(t, s)) {
                    if t.state == TicketState::Available {
                        out.push(t.serial);
                    } else {
                        skipped.insert(t.serial);
                    }
                }
            }
        }
        if out.len() == before {
            let text = serde_json::to_string(s).unwrap_or_else(|_| format!("{s:?}"));
            return Err(Error::invalid(
                "seats",
                format!("{text} selects no available seat"),
            ));
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(Resolved {
        serials: out,
        skipped: skipped.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Places of a standing area that changed owner are counted per area
    /// and owner (area 1 and area 10 apart), seats named one by one.
    #[test]
    fn stale_places_are_counted_per_area_and_owner() {
        let row = |serial: u32, place: Place, owner: Option<u16>| TicketRow {
            serial: TicketSerial(serial),
            place,
            seat_type: SeatType(1),
            price: eticket_core::master::Price(0),
            distributor: owner.map(DistributorId),
            state: TicketState::Available,
            generation: eticket_core::ids::Generation(0),
        };
        let mut rows: Vec<TicketRow> = (0..3)
            .map(|k| row(k, Place::Area(AreaId(1)), Some(3)))
            .collect();
        rows.extend((3..5).map(|k| row(k, Place::Area(AreaId(10)), Some(3))));
        rows.push(row(5, Place::Area(AreaId(1)), None));
        let seat = Place::Seat {
            block: BlockId(2),
            row: 1,
            number: 4,
        };
        rows.push(row(6, seat, Some(2)));
        let Err(Error::AllotmentChanged { count, sample, .. }) =
            check_owners(EventId(1), rows.iter().map(|t| (t, false)), Some(7))
        else {
            panic!("stale places were taken");
        };
        assert_eq!(count, 7);
        assert_eq!(
            sample,
            "area 1: 3 places, distributor 3 now; area 10: 2 places, distributor 3 now; \
             area 1: 1 place, unallotted now; block 2 row 1 seat 4 (ticket 6): distributor 2 now"
        );
    }

    #[test]
    fn ratio_split_puts_every_ticket_somewhere() {
        use eticket_core::allotment::RatioShare;
        use eticket_core::fixtures;
        let info = fixtures::small_event();
        let master = eticket_core::master::TicketMaster::form(&info, &fixtures::prices()).unwrap();
        let tickets: Vec<TicketRow> = master
            .entries
            .iter()
            .map(|e| TicketRow {
                serial: e.serial,
                place: e.place,
                seat_type: e.seat_type,
                price: e.price,
                distributor: None,
                state: TicketState::Available,
                generation: e.generation,
            })
            .collect();
        let map = SeatMap::from_event(&info).unwrap();
        let share = |d, weight| RatioShare {
            distributor: DistributorId(d),
            weight,
            seat_type: None,
        };
        let ratios = AllotmentRatios {
            shares: vec![share(1, 3), share(2, 1)],
        };
        let a = ratio_assignment(&map, &info, &tickets, &ratios).unwrap();
        assert_eq!(a.len(), tickets.len());
        let one = a.iter().filter(|x| x.1 == Some(DistributorId(1))).count();
        assert!((96..=99).contains(&one), "{one}");
    }

    /// A venue whose seat map the center could not read back once stored
    /// (its JSON over the format's limit) is refused at registration, with
    /// the reason; before, it was stored and every sale then failed.
    #[test]
    fn a_seat_map_too_large_to_read_back_is_refused_at_registration() {
        let dir = tempfile::tempdir().unwrap();
        let row = format!("  \"{}\",\n", "a".repeat(100));
        let mut venue = String::from(
            "name = \"Huge\"\nfocus = { x = 0, y = 0 }\n[[seat_types]]\nid = 1\nname = \"Seat\"\n",
        );
        for b in 1..=40 {
            venue.push_str(&format!(
                "[[blocks]]\nid = {b}\nname = \"B{b}\"\norigin = {{ x = {}, y = 0 }}\nlegend = {{ a = 1 }}\nrows = [\n{}]\n",
                b * 110,
                row.repeat(100)
            ));
        }
        std::fs::write(dir.path().join("venue.toml"), venue).unwrap();
        let blocks: Vec<String> = (1..=40).map(|b| b.to_string()).collect();
        std::fs::write(
            dir.path().join("event.toml"),
            format!(
                "id = 9\nname = \"Huge\"\nvenue = \"venue.toml\"\ntime_zone = \"UTC\"\n\
                 doors_open = 2030-06-01T18:00:00Z\nstart = 2030-06-01T19:00:00Z\nend = 2030-06-01T23:00:00Z\n\
                 [[gates]]\nid = 1\nname = \"G\"\nblocks = [{}]\n[prices]\n1 = 5000\n",
                blocks.join(", ")
            ),
        )
        .unwrap();
        let reg = crate::event_file::load(&dir.path().join("event.toml")).unwrap();
        let e = checked_seat_map(&reg).unwrap_err();
        assert!(
            matches!(&e, Error::Invalid { field, reason } if *field == "seat_map" && reason.contains("bytes as JSON")),
            "{e}"
        );
    }
}
