//! Holds and sales: the live state of every seat of one event, safe to share
//! between threads. A seat is held for a while under a secret token, then
//! confirmed (sold) or released; an expired hold frees its seats. One lock
//! guards the state, so a seat is never held or sold twice.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use eticket_core::ids::DistributorId;
use eticket_core::seat::Seat;
use eticket_core::time::Timestamp;
use rand_core::{OsRng, RngCore as _};
use serde::{Deserialize, Serialize};

use crate::allotment::Allotments;
use crate::best::{BestPick, BestRequest, Pool, find_best_in_rows};
use crate::cell::CellId;
use crate::error::{AllocError, Result};
use crate::map::SeatMap;

/// The secret that names a hold; whoever has it may confirm or release it.
/// Shown and serialized as 32 hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct HoldToken(pub [u8; 16]);

impl HoldToken {
    fn random() -> Result<Self> {
        let mut b = [0u8; 16];
        OsRng
            .try_fill_bytes(&mut b)
            .map_err(|e| AllocError::Random(e.to_string()))?;
        Ok(HoldToken(b))
    }
}

impl core::fmt::Display for HoldToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl core::fmt::Debug for HoldToken {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Tokens are secrets: never in logs.
        f.write_str("HoldToken(..)")
    }
}

impl core::str::FromStr for HoldToken {
    type Err = AllocError;
    fn from_str(s: &str) -> Result<Self> {
        let bad = || AllocError::InvalidRequest("a hold token is 32 hex digits".into());
        if s.len() != 32 || !s.is_ascii() {
            return Err(bad());
        }
        let mut b = [0u8; 16];
        for (i, out) in b.iter_mut().enumerate() {
            *out = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(HoldToken(b))
    }
}

impl Serialize for HoldToken {
    fn serialize<S: serde::Serializer>(&self, s: S) -> core::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for HoldToken {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> core::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A granted hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hold {
    /// Its token.
    pub token: HoldToken,
    /// The held cells, in map order.
    pub cells: Vec<CellId>,
    /// The held seats.
    pub seats: Vec<Seat>,
    /// When the hold lapses unless confirmed.
    pub expires: Timestamp,
    /// The best-available score, when the seats were chosen by the search.
    pub score: Option<f32>,
}

/// The state of a seat at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatStatus {
    /// Can be held.
    Free,
    /// Held by an unexpired hold.
    Held,
    /// Sold.
    Sold,
    /// A blocked cell: never sold.
    Blocked,
}

/// Seats per status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct StatusCounts {
    /// Free seats.
    pub free: usize,
    /// Held seats.
    pub held: usize,
    /// Sold seats.
    pub sold: usize,
    /// Blocked cells.
    pub blocked: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CellState {
    Free,
    Held { hold: u64, until: Timestamp },
    Sold,
}

impl CellState {
    fn is_free(self, now: Timestamp) -> bool {
        match self {
            CellState::Free => true,
            CellState::Held { until, .. } => until <= now,
            CellState::Sold => false,
        }
    }
}

#[derive(Debug)]
struct HoldRecord {
    id: u64,
    cells: Vec<CellId>,
    until: Timestamp,
}

#[derive(Debug)]
struct State {
    cells: Vec<CellState>,
    owner: Vec<Option<DistributorId>>,
    holds: HashMap<HoldToken, HoldRecord>,
    next_id: u64,
    /// Per row of the map: the longest run of adjacent unsold, unblocked
    /// seats (held seats count, since a hold may expire). An upper bound of
    /// what best available can find there, kept up to date on every sale.
    longest_unsold: Vec<u16>,
}

/// The live seat inventory of one event.
///
/// ```
/// use std::sync::Arc;
/// use eticket_alloc::{allotment::Allotments, best::BestRequest, hold::SeatInventory};
/// use eticket_alloc::stadium::{small_hall, CAT_A};
/// use eticket_core::time::Timestamp;
///
/// let map = Arc::new(small_hall().unwrap());
/// let inv = SeatInventory::new(map.clone(), &Allotments::new(&map)).unwrap();
/// let now = Timestamp(1_000);
/// let hold = inv.hold_best(&BestRequest::new(2, CAT_A), now, 600).unwrap();
/// let seats = inv.confirm(&hold.token, now.plus(10)).unwrap();
/// assert_eq!(seats.len(), 2);
/// ```
#[derive(Debug)]
pub struct SeatInventory {
    map: Arc<SeatMap>,
    state: Mutex<State>,
}

impl SeatInventory {
    /// All seats free, with the given allotments deciding each seat's pool.
    pub fn new(map: Arc<SeatMap>, allotments: &Allotments) -> Result<Self> {
        if allotments.owners().len() != map.len() {
            return Err(AllocError::InvalidRequest(
                "allotments are for another seat map".into(),
            ));
        }
        let cells = vec![CellState::Free; map.len()];
        let longest_unsold = (0..map.rows().len())
            .map(|r| longest_unsold(&map, &cells, r))
            .collect();
        let state = State {
            cells,
            owner: allotments.owners().to_vec(),
            holds: HashMap::new(),
            next_id: 1,
            longest_unsold,
        };
        Ok(SeatInventory {
            map,
            state: Mutex::new(state),
        })
    }

    /// The seat map.
    pub fn map(&self) -> &Arc<SeatMap> {
        &self.map
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Nothing panics while holding the lock; should it ever, the state
        // is still consistent (every change is a single assignment pass).
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Replace the allotments (e.g. after the organizer moved seats); holds
    /// and sales stay.
    pub fn set_allotments(&self, allotments: &Allotments) -> Result<()> {
        if allotments.owners().len() != self.map.len() {
            return Err(AllocError::InvalidRequest(
                "allotments are for another seat map".into(),
            ));
        }
        self.lock().owner = allotments.owners().to_vec();
        Ok(())
    }

    /// Find the best seats for `req` and hold them for `ttl_secs`, in one
    /// step under the lock.
    pub fn hold_best(&self, req: &BestRequest, now: Timestamp, ttl_secs: u64) -> Result<Hold> {
        let token = HoldToken::random()?;
        let mut st = self.lock();
        let pick: BestPick = {
            let st = &*st;
            let n = req.count;
            find_best_in_rows(
                &self.map,
                req,
                |i| st.cells[i].is_free(now) && in_pool(req.pool, st.owner[i]),
                |r| st.longest_unsold.get(r).is_some_and(|&m| m >= n),
            )?
        };
        Ok(self.grant(&mut st, token, pick.cells, now, ttl_secs, Some(pick.score)))
    }

    /// Hold exactly these cells (a seat picked on a screen) from `pool`;
    /// fails, holding nothing, when any is blocked, taken or outside the pool.
    pub fn hold_cells(
        &self,
        cells: &[CellId],
        pool: Pool,
        now: Timestamp,
        ttl_secs: u64,
    ) -> Result<Hold> {
        if cells.is_empty() || cells.len() > usize::from(crate::best::MAX_REQUEST) {
            return Err(AllocError::InvalidRequest(format!(
                "hold 1 to {} seats",
                crate::best::MAX_REQUEST
            )));
        }
        let token = HoldToken::random()?;
        let mut st = self.lock();
        let mut seen = Vec::with_capacity(cells.len());
        for &c in cells {
            let cell = self
                .map
                .cell(c)
                .ok_or_else(|| AllocError::UnknownPlace(format!("cell {}", c.0)))?;
            let i = c.index();
            if cell.blocked
                || !st.cells[i].is_free(now)
                || !in_pool(pool, st.owner[i])
                || seen.contains(&c)
            {
                return Err(AllocError::SeatTaken(cell.label()));
            }
            seen.push(c);
        }
        seen.sort_unstable();
        Ok(self.grant(&mut st, token, seen, now, ttl_secs, None))
    }

    fn grant(
        &self,
        st: &mut State,
        token: HoldToken,
        cells: Vec<CellId>,
        now: Timestamp,
        ttl: u64,
        score: Option<f32>,
    ) -> Hold {
        let id = st.next_id;
        st.next_id += 1;
        let until = now.plus(ttl.max(1));
        for c in &cells {
            st.cells[c.index()] = CellState::Held { hold: id, until };
        }
        st.holds.insert(
            token,
            HoldRecord {
                id,
                cells: cells.clone(),
                until,
            },
        );
        let seats = cells
            .iter()
            .filter_map(|c| self.map.cell(*c))
            .map(|c| c.seat())
            .collect();
        Hold {
            token,
            cells,
            seats,
            expires: until,
            score,
        }
    }

    /// Sell the held seats. Fails when the token is unknown (or already used)
    /// or the hold has expired (its seats are then free again).
    pub fn confirm(&self, token: &HoldToken, now: Timestamp) -> Result<Vec<Seat>> {
        let mut st = self.lock();
        let rec = st.holds.remove(token).ok_or(AllocError::UnknownHold)?;
        let still_held = rec.until > now
            && rec.cells.iter().all(|c| {
                st.cells[c.index()]
                    == CellState::Held {
                        hold: rec.id,
                        until: rec.until,
                    }
            });
        if !still_held {
            free_cells(&mut st, &rec);
            return Err(AllocError::HoldExpired);
        }
        for c in &rec.cells {
            st.cells[c.index()] = CellState::Sold;
        }
        let mut rows: Vec<usize> = rec
            .cells
            .iter()
            .map(|c| self.map.row_of(c.index()))
            .collect();
        rows.dedup();
        for r in rows {
            st.longest_unsold[r] = longest_unsold(&self.map, &st.cells, r);
        }
        Ok(rec
            .cells
            .iter()
            .filter_map(|c| self.map.cell(*c))
            .map(|c| c.seat())
            .collect())
    }

    /// Give the held seats back. Fails when the token is unknown.
    pub fn release(&self, token: &HoldToken) -> Result<()> {
        let mut st = self.lock();
        let rec = st.holds.remove(token).ok_or(AllocError::UnknownHold)?;
        free_cells(&mut st, &rec);
        Ok(())
    }

    /// Forget expired holds (their seats are already free for new holds);
    /// returns how many were dropped.
    pub fn purge_expired(&self, now: Timestamp) -> usize {
        let mut st = self.lock();
        let expired: Vec<HoldToken> = st
            .holds
            .iter()
            .filter(|(_, r)| r.until <= now)
            .map(|(t, _)| *t)
            .collect();
        for t in &expired {
            if let Some(rec) = st.holds.remove(t) {
                free_cells(&mut st, &rec);
            }
        }
        expired.len()
    }

    /// The status of every cell at `now`, indexed by cell (for rendering).
    pub fn snapshot(&self, now: Timestamp) -> Vec<SeatStatus> {
        let st = self.lock();
        self.map
            .cells()
            .iter()
            .zip(&st.cells)
            .map(|(c, s)| match s {
                _ if c.blocked => SeatStatus::Blocked,
                CellState::Sold => SeatStatus::Sold,
                s if s.is_free(now) => SeatStatus::Free,
                _ => SeatStatus::Held,
            })
            .collect()
    }

    /// Seats per status at `now`.
    pub fn counts(&self, now: Timestamp) -> StatusCounts {
        let mut out = StatusCounts::default();
        for s in self.snapshot(now) {
            match s {
                SeatStatus::Free => out.free += 1,
                SeatStatus::Held => out.held += 1,
                SeatStatus::Sold => out.sold += 1,
                SeatStatus::Blocked => out.blocked += 1,
            }
        }
        out
    }
}

/// The longest run of adjacent unsold, unblocked seats in a row.
fn longest_unsold(map: &SeatMap, cells: &[CellState], row: usize) -> u16 {
    let Some(r) = map.rows().get(row) else {
        return 0;
    };
    let all = map.cells();
    let (mut best, mut run) = (0u16, 0u16);
    for i in r.range() {
        let open = !all[i].blocked && cells[i] != CellState::Sold;
        let joined = run > 0 && all[i - 1].col + 1 == all[i].col;
        run = match (open, joined) {
            (false, _) => 0,
            (true, true) => run.saturating_add(1),
            (true, false) => 1,
        };
        best = best.max(run);
    }
    best
}

fn in_pool(pool: Pool, owner: Option<DistributorId>) -> bool {
    match pool {
        Pool::Any => true,
        Pool::Unallotted => owner.is_none(),
        Pool::Distributor(d) => owner == Some(d),
    }
}

/// Free the cells still held by this record (not those re-held by others).
fn free_cells(st: &mut State, rec: &HoldRecord) {
    for c in &rec.cells {
        if matches!(st.cells[c.index()], CellState::Held { hold, .. } if hold == rec.id) {
            st.cells[c.index()] = CellState::Free;
        }
    }
}
