//! Splitting selected seats between distributors by ratio (c48): the
//! organizer names seats by selector (so a whole stadium fits one request)
//! and weights per distributor; the center splits each seat type of the
//! selection with eticket-alloc (largest remainder, consecutive stretches of
//! a serpentine walk so each distributor's seats sit together) and standing
//! places per area by the same rule, then applies it in one transaction.
//! Like a selection, a split is compare and set: seats move only from the
//! owners it names in `from`.

use std::collections::{BTreeMap, HashMap};

use eticket_alloc::allotment::{Allotments, RatioOptions, largest_remainder};
use eticket_alloc::selection::{Selection, Shape};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::{AreaId, DistributorId, EventId, TicketSerial};
use eticket_core::ticket::Place;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::organizer::{
    AllotmentSummary, By, SeatSelector, apply_assignment, check_organizer, check_owners,
    check_selected, resolve_selection,
};
use crate::tables::tickets::TicketRow;
use crate::{Error, Result};

/// One distributor's weight in a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SplitShare {
    /// The distributor (selected for the event).
    pub distributor: DistributorId,
    /// Its weight, 1 or more: it gets weight / sum of weights of each seat
    /// type of the selection, rounded by the largest remainder.
    #[schemars(range(min = 1))]
    pub weight: u32,
}

/// Body of `POST /v1/events/{event}/allotments/split`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SeatSplit {
    /// Which seats (as in a selection: serials, seats, rectangles, rows,
    /// blocks, seat types, `"all"`; standing places by area and count).
    pub seats: Vec<SeatSelector>,
    /// The distributors and their weights.
    pub shares: Vec<SplitShare>,
    /// The owners the seats may have now, as the caller saw them (`null`:
    /// unallotted). Left out: unallotted only. A seat with another owner
    /// refuses the whole split with `allotment_changed`.
    #[serde(default)]
    pub from: Vec<Option<DistributorId>>,
    /// The event's allotment version the caller saw (`version` of the seat
    /// map or of the last change's answer). Given, a seat whose owner
    /// changed after it refuses the whole split with `allotment_changed`,
    /// even when its owner now is one `from` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<u64>,
}

/// What a split did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SplitDone {
    /// Seats and places split.
    pub split: u32,
    /// Seats the selectors cover that were left as they are because they
    /// are sold or held for a buyer ("all" splits what is still available).
    #[serde(default)]
    pub skipped: u32,
    /// (distributor, seats and places it got in this split).
    pub shares: Vec<(DistributorId, u32)>,
    /// The event's allotment after it.
    pub summary: AllotmentSummary,
}

/// Who gets each selected ticket: reserved seats through eticket-alloc's
/// ratio split scoped to the selection, standing places per area in serial
/// order by the largest remainder.
fn split_assignment(
    map: &eticket_alloc::SeatMap,
    selected: &[&TicketRow],
    shares: &[RatioShare],
) -> Result<Vec<(TicketSerial, Option<DistributorId>)>> {
    let mut cells = Vec::new();
    let mut serial_of = HashMap::new();
    let mut areas: BTreeMap<AreaId, Vec<TicketSerial>> = BTreeMap::new();
    for t in selected {
        match t.place {
            Place::Seat { block, row, number } => {
                let cell = map.find(block, row, number).ok_or_else(|| {
                    Error::corrupt(format!(
                        "seat {block} row {row} number {number} is not on the seat map"
                    ))
                })?;
                cells.push(cell);
                serial_of.insert(cell, t.serial);
            }
            Place::Area(area) => areas.entry(area).or_default().push(t.serial),
        }
    }
    let mut out = Vec::with_capacity(selected.len());
    if !cells.is_empty() {
        let mut scope = Selection::new(map);
        scope
            .add(map, &Shape::Cells { cells })
            .map_err(|e| Error::invalid("seats", e.to_string()))?;
        let mut allotments = Allotments::new(map);
        allotments
            .allocate_by_ratio(
                map,
                &AllotmentRatios {
                    shares: shares.to_vec(),
                },
                Some(&scope),
                RatioOptions {
                    per_seat_type: true,
                },
            )
            .map_err(|e| Error::invalid("shares", e.to_string()))?;
        for (cell, serial) in &serial_of {
            out.push((*serial, allotments.owner(*cell)));
        }
    }
    for serials in areas.values() {
        let counts = largest_remainder(serials.len() as u64, shares);
        let mut rest = serials.iter();
        for (share, n) in shares.iter().zip(counts) {
            for serial in rest.by_ref().take(usize::try_from(n).unwrap_or(usize::MAX)) {
                out.push((*serial, Some(share.distributor)));
            }
        }
    }
    Ok(out)
}

impl Center {
    /// Split the selected seats between distributors by weight, in one
    /// transaction (see the module doc). Seats move only from the owners
    /// `from` names ([`Error::AllotmentChanged`] otherwise); sold or held
    /// seats refuse the split ([`Error::SeatUnavailable`]). The event's
    /// organizer (or the operator); idempotent under `key`.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_center::organizer::{EventRegistration, SeatSelector};
    /// # use eticket_center::policy::DistributionPolicy;
    /// # use eticket_center::split::{SeatSplit, SplitShare};
    /// # use eticket_core::{fixtures, ids::DistributorId};
    /// let center = Center::open_in_memory()?;
    /// let org = Principal::Organizer(1);
    /// let reg = EventRegistration { info: fixtures::small_event(), prices: fixtures::prices(), seat_map: None };
    /// center.register_event(&org, "reg", &reg)?;
    /// for d in [1, 2] {
    ///     center.register_distributor(&Principal::Operator, &format!("d{d}"), DistributorId(d), "Shop")?;
    ///     center.select_distributor(&org, &format!("s{d}"), fixtures::EVENT, DistributorId(d), DistributionPolicy::default())?;
    /// }
    /// let split = SeatSplit {
    ///     seats: vec![SeatSelector::All],
    ///     shares: vec![
    ///         SplitShare { distributor: DistributorId(1), weight: 3 },
    ///         SplitShare { distributor: DistributorId(2), weight: 1 },
    ///     ],
    ///     from: vec![],
    ///     as_of: None,
    /// };
    /// let done = center.split_allotment(&org, "split-1", fixtures::EVENT, &split)?;
    /// assert_eq!(done.split, 130);
    /// assert_eq!(done.summary.unallotted, 0);
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn split_allotment(
        &self,
        who: &Principal,
        key: &str,
        event: EventId,
        split: &SeatSplit,
    ) -> Result<SplitDone> {
        if split.seats.is_empty() {
            return Err(Error::invalid("seats", "select at least one seat"));
        }
        if split.shares.is_empty() || split.shares.iter().any(|s| s.weight == 0) {
            return Err(Error::invalid(
                "shares",
                "give at least one distributor, each with a weight of 1 or more",
            ));
        }
        let mut named: Vec<DistributorId> = split.shares.iter().map(|s| s.distributor).collect();
        named.sort_unstable();
        named.dedup();
        if named.len() != split.shares.len() {
            return Err(Error::invalid("shares", "each distributor once"));
        }
        let shares: Vec<RatioShare> = split
            .shares
            .iter()
            .map(|s| RatioShare {
                distributor: s.distributor,
                weight: s.weight,
                seat_type: None,
            })
            .collect();
        self.mutate(who, key, "split_allotment", &(event, split), |tx, now| {
            check_organizer(tx, who, event)?;
            for s in &split.shares {
                check_selected(tx, event, s.distributor)?;
            }
            let tickets = crate::organizer::all_tickets(tx, event)?;
            let allowed = |owner: Option<DistributorId>| {
                split.from.contains(&owner) || (split.from.is_empty() && owner.is_none())
            };
            let resolved = resolve_selection(event, &tickets, &split.seats, &allowed)
                .map_err(|e| crate::organizer::stale_shortfall(tx, event, split.as_of, e))?;
            let serials = resolved.serials;
            let by_serial: HashMap<TicketSerial, &TicketRow> =
                tickets.iter().map(|t| (t.serial, t)).collect();
            let selected: Vec<&TicketRow> = serials
                .iter()
                .filter_map(|s| by_serial.get(s).copied())
                .collect();
            check_owners(
                event,
                selected.iter().map(|t| (*t, allowed(t.distributor))),
                None,
            )?;
            crate::allotment_log::check_unchanged(
                tx,
                event,
                split.as_of,
                selected.iter().copied(),
            )?;
            let skipped = resolved.skipped;
            let map = self.seat_map(tx, event)?;
            let assignment = split_assignment(&map, &selected, &shares)?;
            let by = By {
                who,
                operation: "split_allotment",
                request: key,
                now,
            };
            apply_assignment(tx, event, &assignment, by)?;
            let mut counts: BTreeMap<DistributorId, u32> = BTreeMap::new();
            for (_, d) in &assignment {
                if let Some(d) = d {
                    *counts.entry(*d).or_default() += 1;
                }
            }
            Ok(SplitDone {
                split: u32::try_from(assignment.len()).unwrap_or(u32::MAX),
                skipped: u32::try_from(skipped).unwrap_or(u32::MAX),
                shares: counts.into_iter().collect(),
                summary: crate::organizer::summarize(tx, event)?,
            })
        })
    }
}
