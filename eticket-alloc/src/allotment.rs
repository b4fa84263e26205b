//! Allotments: which distributor may sell which seat (c5, c15). Assign a
//! selection to a distributor, or split seats by ratio with the largest
//! remainder method; no seat is ever in two allotments.

use std::collections::{BTreeMap, HashMap};

use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::ids::{AreaId, DistributorId, SeatType};
use serde::{Deserialize, Serialize};

use crate::cell::CellId;
use crate::error::{AllocError, Result};
use crate::map::SeatMap;
use crate::selection::Selection;

/// The allotment of every cell of one seat map, and of the capacity of its
/// general-admission areas.
///
/// ```
/// use eticket_alloc::allotment::{Allotments, RatioOptions};
/// use eticket_alloc::stadium::small_hall;
/// use eticket_core::allotment::{AllotmentRatios, RatioShare};
/// use eticket_core::ids::DistributorId;
///
/// let map = small_hall().unwrap();
/// let mut allot = Allotments::new(&map);
/// let share = |d, w| RatioShare { distributor: DistributorId(d), weight: w, seat_type: None };
/// let ratios = AllotmentRatios { shares: vec![share(1, 2), share(2, 1)] };
/// let report = allot.allocate_by_ratio(&map, &ratios, None, RatioOptions::default()).unwrap();
/// let assigned: usize = report.lines.iter().map(|l| l.assigned).sum();
/// assert_eq!(assigned, map.cells().iter().filter(|c| !c.blocked).count());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allotments {
    owner: Vec<Option<DistributorId>>,
    /// Capacity of each area allotted to each distributor.
    areas: BTreeMap<AreaId, BTreeMap<DistributorId, u32>>,
}

/// How a ratio split groups the seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct RatioOptions {
    /// Split each seat type on its own (each distributor gets its share of
    /// every type). Always on when the ratios name seat types.
    pub per_seat_type: bool,
}

/// One distributor's result in one group of a ratio split.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitLine {
    /// The seat type of the group; `None` when all types were split together.
    pub seat_type: Option<SeatType>,
    /// The distributor.
    pub distributor: DistributorId,
    /// Its weight.
    pub weight: u32,
    /// Seats it would get with fractions allowed.
    pub ideal: f64,
    /// Seats it got.
    pub assigned: usize,
    /// Number of runs of adjacent seats its seats form (1 is perfectly together).
    pub runs: usize,
}

/// One distributor's share of a general-admission area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AreaLine {
    /// The area.
    pub area: AreaId,
    /// The distributor.
    pub distributor: DistributorId,
    /// Capacity it would get with fractions allowed.
    pub ideal: f64,
    /// Capacity it got.
    pub assigned: u32,
}

/// The achieved split of a ratio allocation.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AllotmentReport {
    /// Per group and distributor.
    pub lines: Vec<SplitLine>,
    /// Per area and distributor.
    pub areas: Vec<AreaLine>,
    /// Seats in scope that no share applied to (their seat type had no share).
    pub left_unallotted: usize,
}

/// One distributor's current holding, per seat type.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Holding {
    /// Seats per seat type.
    pub seats: BTreeMap<SeatType, usize>,
    /// All its seats.
    pub total: usize,
    /// Area capacity per area.
    pub areas: BTreeMap<AreaId, u32>,
}

impl Allotments {
    /// No seat allotted.
    pub fn new(map: &SeatMap) -> Self {
        Allotments {
            owner: vec![None; map.len()],
            areas: BTreeMap::new(),
        }
    }

    /// The distributor a cell is allotted to.
    pub fn owner(&self, cell: CellId) -> Option<DistributorId> {
        self.owner.get(cell.index()).copied().flatten()
    }

    /// The owner of every cell, indexed by cell.
    pub fn owners(&self) -> &[Option<DistributorId>] {
        &self.owner
    }

    /// The cells of a distributor's allotment, in map order.
    pub fn cells_of(&self, d: DistributorId) -> Vec<CellId> {
        self.owner
            .iter()
            .enumerate()
            .filter(|(_, o)| **o == Some(d))
            .map(|(i, _)| CellId(i as u32))
            .collect()
    }

    /// Distributors with at least one seat or area place, ascending.
    pub fn distributors(&self) -> Vec<DistributorId> {
        let mut v: Vec<DistributorId> = self.owner.iter().flatten().copied().collect();
        v.extend(self.areas.values().flat_map(|m| m.keys().copied()));
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Capacity of an area allotted to a distributor.
    pub fn area_share(&self, area: AreaId, d: DistributorId) -> u32 {
        self.areas
            .get(&area)
            .and_then(|m| m.get(&d))
            .copied()
            .unwrap_or(0)
    }

    /// Put the selected seats into `d`'s allotment. Fails, changing nothing,
    /// when any of them is in another distributor's allotment; seats already
    /// in `d`'s stay. Returns how many seats were added.
    pub fn assign(
        &mut self,
        map: &SeatMap,
        selection: &Selection,
        d: DistributorId,
    ) -> Result<usize> {
        self.check_map(map)?;
        if !selection.fits(map) {
            return Err(AllocError::InvalidRequest(
                "selection is for another seat map".into(),
            ));
        }
        let mut conflict: Option<(DistributorId, usize, CellId)> = None;
        for c in selection.iter() {
            if let Some(o) = self.owner(c).filter(|&o| o != d) {
                match &mut conflict {
                    Some((_, n, _)) => *n += 1,
                    None => conflict = Some((o, 1, c)),
                }
            }
        }
        if let Some((owner, count, cell)) = conflict {
            let example = map.cell(cell).map(|c| c.label()).unwrap_or_default();
            return Err(AllocError::AlreadyAllotted {
                owner,
                count,
                example,
            });
        }
        let mut added = 0;
        for c in selection.iter() {
            let slot = &mut self.owner[c.index()];
            added += usize::from(slot.is_none());
            *slot = Some(d);
        }
        Ok(added)
    }

    /// Take the selected seats out of whatever allotment they are in.
    pub fn release(&mut self, selection: &Selection) -> usize {
        let mut n = 0;
        for c in selection.iter() {
            if let Some(slot) = self.owner.get_mut(c.index()) {
                n += usize::from(slot.take().is_some());
            }
        }
        n
    }

    /// Empty a distributor's allotment (seats and areas).
    pub fn release_distributor(&mut self, d: DistributorId) -> usize {
        let mut n = 0;
        for slot in &mut self.owner {
            if *slot == Some(d) {
                *slot = None;
                n += 1;
            }
        }
        for m in self.areas.values_mut() {
            m.remove(&d);
        }
        n
    }

    /// What each distributor holds now, per seat type.
    pub fn holdings(&self, map: &SeatMap) -> BTreeMap<DistributorId, Holding> {
        let mut out: BTreeMap<DistributorId, Holding> = BTreeMap::new();
        for (c, o) in map.cells().iter().zip(&self.owner) {
            if let Some(d) = o {
                let h = out.entry(*d).or_default();
                *h.seats.entry(c.seat_type).or_default() += 1;
                h.total += 1;
            }
        }
        for (area, m) in &self.areas {
            for (d, n) in m {
                out.entry(*d).or_default().areas.insert(*area, *n);
            }
        }
        out
    }

    fn check_map(&self, map: &SeatMap) -> Result<()> {
        if map.len() == self.owner.len() {
            Ok(())
        } else {
            Err(AllocError::InvalidRequest(
                "allotments are for another seat map".into(),
            ))
        }
    }

    /// Split the unallotted, unblocked seats in `scope` (the whole map when
    /// `None`) between distributors by ratio, and the unallotted capacity of
    /// every area by the ratios for its seat type.
    ///
    /// Each group (a seat type, or all seats) is split with the largest
    /// remainder method, so every distributor gets its ideal share rounded
    /// down or up and the counts add up to the group exactly. When all
    /// groups split by the same shares, the seats left over in a group go
    /// first to the distributors furthest below their quota of the groups
    /// so far, so each total is its share of all the seats rounded down or
    /// up, as in one split of them all;
    /// otherwise, between equal fractional parts, to the distributors that
    /// got fewer extra seats in the groups before, so they rotate rather
    /// than always going to the first distributors. Seats are
    /// handed out in consecutive stretches of a serpentine walk (block by
    /// block, row by row, alternating direction), so each distributor's seats
    /// form as few runs as the map allows.
    pub fn allocate_by_ratio(
        &mut self,
        map: &SeatMap,
        ratios: &AllotmentRatios,
        scope: Option<&Selection>,
        options: RatioOptions,
    ) -> Result<AllotmentReport> {
        self.check_map(map)?;
        ratios
            .validate()
            .map_err(|e| AllocError::InvalidRatios(e.to_string()))?;
        let order = serpentine(map);
        let free = |i: usize| {
            !map.cells()[i].blocked
                && self.owner[i].is_none()
                && scope.is_none_or(|s| s.contains(CellId(i as u32)))
        };
        let by_type = options.per_seat_type || ratios.shares.iter().any(|s| s.seat_type.is_some());
        let mut groups: Vec<(Option<SeatType>, Vec<RatioShare>, Vec<usize>)> = Vec::new();
        if by_type {
            for t in map.seat_types() {
                let cells = order
                    .iter()
                    .copied()
                    .filter(|&i| free(i) && map.cells()[i].seat_type == t.id)
                    .collect();
                groups.push((Some(t.id), ratios.for_seat_type(t.id), cells));
            }
        } else {
            let cells = order.iter().copied().filter(|&i| free(i)).collect();
            groups.push((None, ratios.shares.clone(), cells));
        }
        let mut report = AllotmentReport::default();
        // Seats each distributor got over its quota so far, so that the
        // next group's leftover seats go to the others first.
        let mut over: HashMap<DistributorId, u64> = HashMap::new();
        // When every group splits by the same shares, each group's leftover
        // seats go to the distributors furthest below their quota of all the
        // groups so far, so the totals come out as one split of all the seats
        // would (3:2 of 100,000 seats over several seat types is 60,000 /
        // 40,000, not 59,999 / 40,001), while each group still gets its own
        // quota rounded down or up. `ahead`: seats given so far times the
        // total weight, minus seats split so far times the weight.
        let uniform = groups.windows(2).all(|w| w[0].1 == w[1].1);
        let mut ahead: HashMap<DistributorId, i128> = HashMap::new();
        for (seat_type, shares, cells) in groups {
            if shares.is_empty() {
                report.left_unallotted += cells.len();
                continue;
            }
            let counts = largest_remainder_by(cells.len() as u64, &shares, &|d| {
                (
                    if uniform {
                        ahead.get(&d).copied().unwrap_or(0)
                    } else {
                        0
                    },
                    over.get(&d).copied().unwrap_or(0),
                )
            });
            let total_weight: u64 = shares.iter().map(|s| u64::from(s.weight)).sum();
            let mut at = 0usize;
            for (share, n) in shares.iter().zip(counts) {
                let quota_floor =
                    cells.len() as u64 * u64::from(share.weight) / total_weight.max(1);
                *over.entry(share.distributor).or_default() += n.saturating_sub(quota_floor);
                *ahead.entry(share.distributor).or_default() += i128::from(n)
                    * i128::from(total_weight)
                    - cells.len() as i128 * i128::from(share.weight);
                let n = n as usize;
                let mine = &cells[at..at + n];
                for &i in mine {
                    self.owner[i] = Some(share.distributor);
                }
                at += n;
                report.lines.push(SplitLine {
                    seat_type,
                    distributor: share.distributor,
                    weight: share.weight,
                    ideal: cells.len() as f64 * f64::from(share.weight) / total_weight as f64,
                    assigned: n,
                    runs: count_runs(map, mine),
                });
            }
        }
        self.allocate_areas(map, ratios, &mut report);
        Ok(report)
    }

    fn allocate_areas(
        &mut self,
        map: &SeatMap,
        ratios: &AllotmentRatios,
        report: &mut AllotmentReport,
    ) {
        for area in map.areas() {
            let shares = ratios.for_seat_type(area.seat_type);
            if shares.is_empty() {
                continue;
            }
            let taken: u32 = self.areas.get(&area.id).map_or(0, |m| m.values().sum());
            let free = area.capacity.saturating_sub(taken);
            let counts = largest_remainder(u64::from(free), &shares);
            let total_weight: u64 = shares.iter().map(|s| u64::from(s.weight)).sum();
            let entry = self.areas.entry(area.id).or_default();
            for (share, n) in shares.iter().zip(counts) {
                let n = n as u32;
                *entry.entry(share.distributor).or_default() += n;
                report.areas.push(AreaLine {
                    area: area.id,
                    distributor: share.distributor,
                    ideal: f64::from(free) * f64::from(share.weight) / total_weight as f64,
                    assigned: n,
                });
            }
        }
    }
}

/// Split `total` by the shares' weights with the largest remainder
/// (Hamilton) method: everyone gets the floor of its quota, the seats left
/// over go to the largest fractional parts (ties: earlier share first). The
/// result sums to `total` exactly and each count is within one of its quota.
///
/// ```
/// use eticket_alloc::allotment::largest_remainder;
/// use eticket_core::allotment::RatioShare;
/// use eticket_core::ids::DistributorId;
/// let s = |w| RatioShare { distributor: DistributorId(0), weight: w, seat_type: None };
/// assert_eq!(largest_remainder(10, &[s(1), s(1), s(1)]), vec![4, 3, 3]);
/// ```
pub fn largest_remainder(total: u64, shares: &[RatioShare]) -> Vec<u64> {
    largest_remainder_by(total, shares, &|_| (0, 0))
}

/// [`largest_remainder`], where `before(d)` says how the groups split
/// before went for distributor `d`: `(ahead, over)`. `ahead` (in units of
/// one seat over the total weight) is subtracted from the fractional part,
/// so a distributor behind its quota so far gets a leftover seat first;
/// between equal results the one with fewer seats `over` its rounded-down
/// quotas goes first (then the earlier share), so leftover seats rotate
/// instead of always going to the first distributors. Every count is its
/// quota rounded down or up, and they sum to `total`.
fn largest_remainder_by(
    total: u64,
    shares: &[RatioShare],
    before: &dyn Fn(DistributorId) -> (i128, u64),
) -> Vec<u64> {
    let weight: u128 = shares.iter().map(|s| u128::from(s.weight)).sum();
    if weight == 0 {
        return vec![0; shares.len()];
    }
    let t = u128::from(total);
    let mut counts: Vec<u64> = Vec::with_capacity(shares.len());
    // (has a fractional part, its priority, seats over, index): a count
    // whose quota is whole never gets a leftover seat (there are always
    // enough fractional parts: they sum to the seats left over).
    let mut keys: Vec<(bool, i128, u64, usize)> = Vec::with_capacity(shares.len());
    for (i, s) in shares.iter().enumerate() {
        let q = t * u128::from(s.weight);
        counts.push((q / weight) as u64);
        let (ahead, over) = before(s.distributor);
        // q % weight < weight <= 2^32 * shares: no overflow in i128.
        let rem = q % weight;
        keys.push((rem > 0, rem as i128 - ahead, over, i));
    }
    let given: u64 = counts.iter().sum();
    keys.sort_by(|a, b| {
        (b.0.cmp(&a.0))
            .then(b.1.cmp(&a.1))
            .then(a.2.cmp(&b.2))
            .then(a.3.cmp(&b.3))
    });
    for &(_, _, _, i) in keys.iter().take((total - given) as usize) {
        counts[i] += 1;
    }
    counts
}

/// Cell indices block by block, row by row, every other row reversed.
fn serpentine(map: &SeatMap) -> Vec<usize> {
    let mut out = Vec::with_capacity(map.len());
    let mut flip = false;
    let mut block = None;
    for r in map.rows() {
        if block != Some(r.block) {
            block = Some(r.block);
            flip = false;
        }
        if flip {
            out.extend(r.range().rev());
        } else {
            out.extend(r.range());
        }
        flip = !flip;
    }
    out
}

/// Number of maximal runs of adjacent seats (same row, neighbouring
/// columns) among `cells`.
pub(crate) fn count_runs(map: &SeatMap, cells: &[usize]) -> usize {
    let mut sorted = cells.to_vec();
    sorted.sort_unstable();
    let all = map.cells();
    let mut runs = 0;
    for (k, &i) in sorted.iter().enumerate() {
        let joined = k > 0 && {
            let (p, c) = (&all[sorted[k - 1]], &all[i]);
            p.block == c.block && p.row == c.row && p.col + 1 == c.col
        };
        runs += usize::from(!joined);
    }
    runs
}
