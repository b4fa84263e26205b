//! Sales decided together: the on-sale writer's batch of best-available
//! sales, decided one after the other in memory and written with a few
//! statements for the whole batch.
//!
//! [`Center::sell`] runs about a dozen statements per sale: the stored
//! answer, the event and the policy, expired holds, the lowest free serials,
//! the ticket's state, the issuing record, the answer. For a batch,
//! [`Center::sell_together`] reads once per event and distributor what the
//! batch needs (the policy, the free tickets, the stored answers), decides
//! each sale in order exactly as `sell` would (the same checks in the same
//! order, the same seats, the same refusals), and then moves every chosen
//! ticket, inserts every issuing record and stores every answer with one
//! statement per few dozen sales.
//!
//! All of it is one body of the ledger's transaction (one member of a group
//! commit), so every read sees the batch's earlier work and nobody else's
//! uncommitted work: the batch is a serial execution of its sales, as `sell`
//! one after the other would be. The tickets move only if they are still
//! available in the distributor's allotment; if any is not (which the
//! transaction rules out), the whole body fails and its caller sells each
//! request on its own with `sell` instead.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use eticket_core::ids::{DistributorId, EventId, MemberId, SeatType, TicketSerial};
use eticket_core::ticket::Place;
use eticket_core::time::Timestamp;

use crate::center::{Center, Principal, check_idempotency_key, request_hash};
use crate::distributor::{
    Sale, SaleRequest, SeatChoice, acting_distributor, check_buyer, free_seats, pick_together,
};
use crate::metrics::{self, Fresh};
use crate::organizer::check_selected;
use crate::policy::{DistributionPolicy, PolicyKind};
use crate::records::{self, RecordView};
use crate::store::{Store, Tx};
use crate::tables::idempotency;
use crate::tables::ticket_state::Change;
use crate::tables::tickets::{self, TicketRow};
use crate::wire;
use crate::{Error, Result};

/// The operation name a sale's idempotency key is stored under, as
/// [`Center::sell`] stores it.
const OPERATION: &str = "sell";

/// One sale of a batch: what [`Center::sell`] takes.
#[derive(Debug, Clone)]
pub struct SaleJob {
    /// Who sells (a distributor).
    pub who: Principal,
    /// The request's idempotency key.
    pub key: String,
    /// The event.
    pub event: EventId,
    /// The sale.
    pub req: SaleRequest,
}

impl SaleJob {
    /// Whether [`Center::sell_together`] decides this sale (best available;
    /// a sale of listed serials is sold on its own).
    pub fn batchable(&self) -> bool {
        matches!(self.req.seats, SeatChoice::BestAvailable { .. })
    }
}

impl Center {
    /// Sell each job's tickets as [`Center::sell`] would sell them one after
    /// the other, in one body of the ledger's transaction: the answers in
    /// the jobs' order. `Err` when the batch as a whole could not be
    /// decided (a storage failure, a job that is not
    /// [`batchable`](SaleJob::batchable), a fail point armed by a test):
    /// nothing of it was written, and the caller sells each job with
    /// `sell`.
    pub fn sell_together(&self, jobs: &[SaleJob]) -> Result<Vec<Result<Sale>>> {
        if !jobs.iter().all(SaleJob::batchable) {
            return Err(Error::invalid(
                "seats",
                "only best-available sales are batched",
            ));
        }
        if self.fail_point_armed() {
            return Err(Error::corrupt("a fail point is armed: sell one by one"));
        }
        let now = self.clock.now();
        let mut body = |tx: &mut dyn Tx| decide_all(self, tx, jobs, now);
        let decided = if self.config.group_commit {
            let requests = u32::try_from(jobs.len()).unwrap_or(u32::MAX);
            crate::store::group::weighted(requests, || self.ledger.grouped(&mut body))?
        } else {
            self.ledger.transaction(&mut body)?
        };
        Ok(decided
            .into_iter()
            .map(|r| r.map(|sale| sale.counted(|s| metrics::record_sale(s.records.len()))))
            .collect())
    }
}

/// What a job is before its transaction: `sell`'s checks of the request.
struct Checked {
    distributor: DistributorId,
    quantity: u32,
    principal: String,
    hash: Vec<u8>,
}

fn check(job: &SaleJob) -> Result<Checked> {
    let distributor = acting_distributor(&job.who)?;
    let quantity = job.req.seats.quantity()?;
    check_idempotency_key(&job.key)?;
    Ok(Checked {
        distributor,
        quantity,
        principal: job.who.label(),
        hash: request_hash(OPERATION, &(job.event, &job.req))?,
    })
}

/// The batch's view of one distributor's allotment of one event: its
/// policy, the tickets it read and those the batch took, and how many the
/// batch sold to each buyer.
struct Book {
    policy: DistributionPolicy,
    /// Reserved places (accessible and companion seats): never sold by a
    /// general request.
    reserved: Arc<HashSet<Place>>,
    /// The lowest free tickets of any type, by serial (enough for every
    /// best-available ticket the batch asks of this allotment).
    lowest: Option<BTreeMap<TicketSerial, TicketRow>>,
    /// Every free ticket of a seat type, for requests of that type.
    typed: HashMap<SeatType, BTreeMap<TicketSerial, TicketRow>>,
    /// Tickets the batch sold.
    taken: HashSet<TicketSerial>,
    by_member: HashMap<MemberId, u32>,
    by_holder: HashMap<String, u32>,
    sold: Vec<TicketSerial>,
}

fn decide_all(
    center: &Center,
    tx: &mut dyn Tx,
    jobs: &[SaleJob],
    now: Timestamp,
) -> Result<Vec<Result<Fresh<Sale>>>> {
    let checked: Vec<Result<Checked>> = jobs.iter().map(check).collect();
    // The answers stored before, and those this batch makes, by principal
    // and key: a key sent twice in one batch gets its first answer.
    let mut answered = stored_answers(tx, jobs, &checked)?;
    // Best-available tickets asked of each allotment: what its book reads.
    let mut asked: HashMap<(EventId, DistributorId), u32> = HashMap::new();
    for (job, c) in jobs.iter().zip(&checked) {
        if let Ok(c) = c {
            let n = asked.entry((job.event, c.distributor)).or_default();
            *n = n.saturating_add(c.quantity);
        }
    }
    let mut books: HashMap<(EventId, DistributorId), Book> = HashMap::new();
    let mut expired: HashSet<EventId> = HashSet::new();
    let mut made: Vec<idempotency::Answered> = Vec::new();
    let mut decided: Vec<RecordView> = Vec::new();
    let mut out = Vec::with_capacity(jobs.len());
    for (job, c) in jobs.iter().zip(checked) {
        let c = match c {
            Ok(c) => c,
            Err(e) => {
                out.push(Err(e));
                continue;
            }
        };
        let id = (c.principal.clone(), job.key.clone());
        if let Some((hash, json)) = answered.get(&id) {
            out.push(if *hash == c.hash {
                serde_json::from_str(json)
                    .map_err(|e| Error::corrupt(format!("stored answer for {:?}: {e}", job.key)))
            } else {
                Err(Error::IdempotencyMismatch(job.key.clone()))
            });
            continue;
        }
        let book_id = (job.event, c.distributor);
        let book = match books.entry(book_id) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(v) => {
                // Closed events and unselected distributors refuse every
                // sale, each with its own error: nothing to keep.
                let policy = match check_selected(tx, job.event, c.distributor) {
                    Ok(p) => p,
                    Err(e) => {
                        out.push(Err(e));
                        continue;
                    }
                };
                v.insert(Book {
                    policy,
                    reserved: center.reserved_places(tx, job.event)?,
                    lowest: None,
                    typed: HashMap::new(),
                    taken: HashSet::new(),
                    by_member: HashMap::new(),
                    by_holder: HashMap::new(),
                    sold: Vec::new(),
                })
            }
        };
        let asked = asked.get(&book_id).copied().unwrap_or(0);
        match decide_one(center, tx, book, job, &c, asked, &mut expired, now) {
            Ok(sale) => {
                let json = serde_json::to_string(&sale)
                    .map_err(|e| Error::corrupt(format!("answer does not serialize: {e}")))?;
                answered.insert(id.clone(), (c.hash.clone(), json.clone()));
                made.push((id.0, id.1, c.hash, json));
                decided.extend(sale.records.iter().cloned());
                out.push(Ok(Fresh::new(sale)));
            }
            Err(e) => out.push(Err(e)),
        }
    }
    for ((event, d), book) in &books {
        if book.sold.is_empty() {
            continue;
        }
        let moved = Change::DECIDE.apply_in_allotment(tx, *event, *d, &book.sold)?;
        if moved != book.sold.len() as u64 {
            return Err(Error::corrupt(format!(
                "{moved} of the {} tickets the batch sold were still available",
                book.sold.len()
            )));
        }
    }
    records::insert_records(tx, &decided)?;
    idempotency::insert_many(tx, &made, now)?;
    Ok(out)
}

/// A request's principal and idempotency key.
type Keyed = (String, String);

/// A stored request hash and answer (JSON).
type Stored = (Vec<u8>, String);

/// The answers stored under the batch's keys, by principal and key.
fn stored_answers(
    tx: &mut dyn Tx,
    jobs: &[SaleJob],
    checked: &[Result<Checked>],
) -> Result<HashMap<Keyed, Stored>> {
    let mut keys: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (job, c) in jobs.iter().zip(checked) {
        if let Ok(c) = c {
            keys.entry(c.principal.as_str())
                .or_default()
                .push(job.key.as_str());
        }
    }
    let mut out = HashMap::new();
    for (principal, keys) in keys {
        for (key, stored) in idempotency::find_many(tx, principal, &keys)? {
            out.insert((principal.to_owned(), key), stored);
        }
    }
    Ok(out)
}

/// One sale, decided as [`Center::sell_in`] decides it, against the book.
#[allow(clippy::too_many_arguments)]
fn decide_one(
    center: &Center,
    tx: &mut dyn Tx,
    book: &mut Book,
    job: &SaleJob,
    c: &Checked,
    asked: u32,
    expired: &mut HashSet<EventId>,
    now: Timestamp,
) -> Result<Sale> {
    let (event, d, req) = (job.event, c.distributor, &job.req);
    if book.policy.kind == PolicyKind::Lottery {
        return Err(Error::PolicyRefuses {
            event,
            distributor: d,
            policy: book.policy.kind.name(),
            reason: "tickets are given by the draw",
        });
    }
    let holder = wire::holder_to_string(&req.holder);
    let pending = match req.member {
        Some(m) => book.by_member.get(&m).copied().unwrap_or(0),
        None => book.by_holder.get(&holder).copied().unwrap_or(0),
    };
    check_buyer(
        tx,
        event,
        d,
        &book.policy,
        &req.holder,
        req.member,
        c.quantity,
        pending,
        now,
    )?;
    // Expired holds go back on sale before the first sale of the event
    // that gets this far, as `sell` expires them before it chooses.
    if expired.insert(event) && crate::holds::expire_in(tx, event, now)? > 0 {
        // Seats came back: the books read before are out of date.
        book.lowest = None;
        book.typed.clear();
    }
    let SeatChoice::BestAvailable { seat_type, .. } = req.seats else {
        return Err(Error::invalid(
            "seats",
            "only best-available sales are batched",
        ));
    };
    let tickets = choose(center, tx, book, event, d, seat_type, c.quantity, asked)?;
    let mut records = Vec::with_capacity(tickets.len());
    for t in tickets {
        book.taken.insert(t.serial);
        book.sold.push(t.serial);
        records.push(RecordView {
            event,
            serial: t.serial,
            place: t.place,
            seat_type: t.seat_type,
            distributor: d,
            member: req.member,
            holder: req.holder,
            decided_at: now,
            hold_until: book.policy.hold_until,
        });
    }
    let n = u32::try_from(records.len()).unwrap_or(u32::MAX);
    if let Some(m) = req.member {
        *book.by_member.entry(m).or_default() += n;
    }
    *book.by_holder.entry(holder).or_default() += n;
    Ok(Sale { records })
}

/// The best available tickets, as [`crate::distributor::best_available`]
/// chooses them, among those the book holds and the batch has not taken.
#[allow(clippy::too_many_arguments)]
fn choose(
    center: &Center,
    tx: &mut dyn Tx,
    book: &mut Book,
    event: EventId,
    d: DistributorId,
    seat_type: Option<SeatType>,
    quantity: u32,
    asked: u32,
) -> Result<Vec<TicketRow>> {
    let want = usize::try_from(quantity).unwrap_or(usize::MAX);
    if let Some(t) = seat_type {
        if let std::collections::hash_map::Entry::Vacant(e) = book.typed.entry(t) {
            let rows = tickets::available(tx, event, d, Some(t), None)?;
            e.insert(rows.into_iter().map(|r| (r.serial, r)).collect());
        }
        let free_of_type = book.typed.get(&t).map(|rows| {
            rows.values()
                .filter(|r| !book.taken.contains(&r.serial))
                .cloned()
                .collect::<Vec<_>>()
        });
        let free = free_seats(free_of_type.unwrap_or_default());
        if free.len() >= want {
            let map = center.seat_map(tx, event)?;
            if let Some(found) = pick_together(&map, &free, t, quantity) {
                return Ok(found);
            }
        }
    }
    let pool = match seat_type {
        Some(t) => book.typed.get(&t),
        None => {
            if book.lowest.is_none() {
                // Every best-available ticket the batch asks of this
                // allotment, past the reserved places: the lowest serials
                // any of its requests can get.
                let more = u32::try_from(book.reserved.len()).unwrap_or(u32::MAX);
                let rows =
                    tickets::available(tx, event, d, None, Some(asked.saturating_add(more)))?;
                book.lowest = Some(rows.into_iter().map(|r| (r.serial, r)).collect());
            }
            book.lowest.as_ref()
        }
    };
    let found: Vec<TicketRow> = pool
        .into_iter()
        .flat_map(BTreeMap::values)
        .filter(|r| !book.taken.contains(&r.serial) && !book.reserved.contains(&r.place))
        .take(want)
        .cloned()
        .collect();
    if found.len() < want {
        return Err(crate::distributor::sold_out(
            tx,
            event,
            d,
            seat_type,
            quantity,
            found.len(),
        )?);
    }
    Ok(found)
}
