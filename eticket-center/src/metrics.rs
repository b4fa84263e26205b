//! The center's counters for operating it during an on-sale: sales,
//! holds, issuances, transfers and lottery draws made, the ledger's retries, errors
//! and reconnections after a failover, and the sizes of group-commit batches. They are plain atomics
//! in one process-wide set, with no HTTP in them, so that any layer (the
//! ledger too) records with one call and a library user without the `http`
//! feature pays a few atomic additions. [`render`] writes them in
//! Prometheus' text format; `eticket serve` serves them with its request
//! metrics at `/metrics` on the listener given by `--metrics-listen`.
//!
//! ```
//! use eticket_center::metrics;
//! metrics::record_group_commit_batch(12);
//! let mut text = String::new();
//! metrics::render(&mut text);
//! assert!(text.contains("eticket_group_commit_batch_size_count"));
//! ```

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::Error;

/// A number that only goes up.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Add `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The count now.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// A histogram over `N` upper bounds (in the unit of what is observed:
/// microseconds, tickets, …) and an implicit `+Inf` bucket.
#[derive(Debug)]
pub struct Histogram<const N: usize> {
    bounds: [u64; N],
    /// Observations per bucket (not cumulative); the last is `+Inf`.
    buckets: [AtomicU64; N],
    over: AtomicU64,
    sum: AtomicU64,
}

impl<const N: usize> Histogram<N> {
    /// An empty histogram with these upper bounds (ascending).
    pub const fn new(bounds: [u64; N]) -> Self {
        Self {
            bounds,
            buckets: [const { AtomicU64::new(0) }; N],
            over: AtomicU64::new(0),
            sum: AtomicU64::new(0),
        }
    }

    /// Count one observation of `value`.
    pub fn observe(&self, value: u64) {
        match self.bounds.iter().position(|b| value <= *b) {
            Some(i) => self.buckets[i].fetch_add(1, Ordering::Relaxed),
            None => self.over.fetch_add(1, Ordering::Relaxed),
        };
        self.sum.fetch_add(value, Ordering::Relaxed);
    }

    /// How many observations there were.
    pub fn count(&self) -> u64 {
        self.buckets
            .iter()
            .map(|b| b.load(Ordering::Relaxed))
            .sum::<u64>()
            + self.over.load(Ordering::Relaxed)
    }

    /// Write the histogram's `_bucket`, `_sum` and `_count` lines with
    /// `labels` (`key="value",…`, or empty); bounds and sum are divided by
    /// `scale` (1e6 turns microseconds into seconds).
    pub fn render(&self, out: &mut String, name: &str, labels: &str, scale: f64) {
        let sep = if labels.is_empty() { "" } else { "," };
        let mut cumulative = 0;
        for (bound, bucket) in self.bounds.iter().zip(&self.buckets) {
            cumulative += bucket.load(Ordering::Relaxed);
            let le = *bound as f64 / scale;
            let _ = writeln!(
                out,
                "{name}_bucket{{{labels}{sep}le=\"{le}\"}} {cumulative}"
            );
        }
        cumulative += self.over.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "{name}_bucket{{{labels}{sep}le=\"+Inf\"}} {cumulative}"
        );
        let sum = self.sum.load(Ordering::Relaxed) as f64 / scale;
        let braces = |labels: &str| {
            if labels.is_empty() {
                String::new()
            } else {
                format!("{{{labels}}}")
            }
        };
        let _ = writeln!(out, "{name}_sum{} {sum}", braces(labels));
        let _ = writeln!(out, "{name}_count{} {cumulative}", braces(labels));
    }
}

/// Write a metric's `# HELP` and `# TYPE` lines.
pub fn describe(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// A label value escaped for the text format (`\`, `"` and newlines).
pub fn escape_label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Why the ledger ran a transaction again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// Another connection or process held the SQLite file locked.
    Busy,
    /// PostgreSQL reported a serialization failure or a deadlock.
    Conflict,
    /// A unique key taken by a concurrent transaction (PostgreSQL).
    Duplicate,
}

impl Retry {
    const ALL: [Retry; 3] = [Retry::Busy, Retry::Conflict, Retry::Duplicate];

    /// Count a transaction the ledger runs again for this reason
    /// (`backend`: "sqlite" or "postgres").
    pub fn record(self, backend: &str) {
        let cause = Retry::ALL.iter().position(|r| *r == self).unwrap_or(0);
        CENTER.retries[backend_index(backend)][cause].add(1);
    }

    fn label(self) -> &'static str {
        match self {
            Retry::Busy => "busy",
            Retry::Conflict => "conflict",
            Retry::Duplicate => "duplicate",
        }
    }
}

/// The two ledger backends, as label values and indexes.
const BACKENDS: [&str; 2] = ["sqlite", "postgres"];

fn backend_index(backend: &str) -> usize {
    usize::from(backend == "postgres")
}

/// Kinds of ledger errors answered to a caller.
const ERROR_KINDS: [&str; 3] = ["unavailable", "failed", "corrupt"];

/// Group-commit batch sizes: requests per durable transaction.
const BATCH_BOUNDS: [u64; 10] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/// Every counter of the center.
struct CenterMetrics {
    sales: Counter,
    tickets_sold: Counter,
    issuances: Counter,
    tickets_issued: Counter,
    transfers_requested: Counter,
    transfers_completed: Counter,
    lottery_draws: Counter,
    lottery_tickets: Counter,
    holds: Counter,
    seats_held: Counter,
    holds_released: Counter,
    group_commit: Histogram<10>,
    retries: [[Counter; 3]; 2],
    errors: [[Counter; 3]; 2],
    reconnects: [Counter; 2],
}

static CENTER: CenterMetrics = CenterMetrics {
    sales: Counter::new(),
    tickets_sold: Counter::new(),
    issuances: Counter::new(),
    tickets_issued: Counter::new(),
    transfers_requested: Counter::new(),
    transfers_completed: Counter::new(),
    lottery_draws: Counter::new(),
    lottery_tickets: Counter::new(),
    holds: Counter::new(),
    seats_held: Counter::new(),
    holds_released: Counter::new(),
    group_commit: Histogram::new(BATCH_BOUNDS),
    retries: [const { [const { Counter::new() }; 3] }; 2],
    errors: [const { [const { Counter::new() }; 3] }; 2],
    reconnects: [const { Counter::new() }; 2],
};

/// A sale (or a hold bought, or a store terminal's purchase) of `tickets`
/// tickets was made and committed.
pub(crate) fn record_sale(tickets: usize) {
    CENTER.sales.add(1);
    CENTER.tickets_sold.add(tickets as u64);
}

/// An issuance of `tickets` tickets (one, a batch, or a terminal's
/// purchase) was made and committed.
pub(crate) fn record_issuance(tickets: usize) {
    CENTER.issuances.add(1);
    CENTER.tickets_issued.add(tickets as u64);
}

/// A transfer was requested (a new one: a request submitted again is not
/// counted again).
pub(crate) fn record_transfer_requested() {
    CENTER.transfers_requested.add(1);
}

/// A transfer was completed: its ticket re-issued to the assignee's chip.
pub(crate) fn record_transfer_completed() {
    CENTER.transfers_completed.add(1);
}

/// A lottery was drawn, registering `tickets` tickets to its winners.
pub(crate) fn record_lottery_draw(tickets: usize) {
    CENTER.lottery_draws.add(1);
    CENTER.lottery_tickets.add(tickets as u64);
}

/// A hold of `seats` seats was made (a hold asked again under its key is
/// not counted again).
pub(crate) fn record_hold(seats: usize) {
    CENTER.holds.add(1);
    CENTER.seats_held.add(seats as u64);
}

/// A hold was released by its distributor before it expired.
pub(crate) fn record_hold_released() {
    CENTER.holds_released.add(1);
}

/// Record the size of one group-commit batch: how many requests one
/// durable ledger transaction carried. The ledger's group commit calls it
/// once per commit.
pub fn record_group_commit_batch(requests: usize) {
    CENTER.group_commit.observe(requests as u64);
}

/// The ledger lost its connection (the primary went away in a failover)
/// and runs the transaction again on a new one.
pub fn record_ledger_reconnect(backend: &str) {
    CENTER.reconnects[backend_index(backend)].add(1);
}

/// A ledger transaction ended in `e`: storage failures are counted
/// (`unavailable` for a busy file or a missing primary, `failed`,
/// `corrupt`); the services' own refusals (sold out, forbidden, …) are not.
pub fn record_ledger_error(backend: &str, e: &Error) {
    let kind = match e {
        Error::Storage {
            retryable: true, ..
        } => 0,
        Error::Storage { .. } => 1,
        Error::Corrupt(_) => 2,
        _ => return,
    };
    CENTER.errors[backend_index(backend)][kind].add(1);
}

/// Write every counter of the center in Prometheus' text format.
pub fn render(out: &mut String) {
    let c = &CENTER;
    for (name, help, counter) in [
        (
            "eticket_sales_total",
            "Sales made (a sale, a hold bought, a store terminal's purchase); a retry answered from its idempotency key is not counted again.",
            &c.sales,
        ),
        (
            "eticket_tickets_sold_total",
            "Tickets sold by those sales.",
            &c.tickets_sold,
        ),
        (
            "eticket_issuances_total",
            "Issuances made (one ticket, a batch, a store terminal's purchase).",
            &c.issuances,
        ),
        (
            "eticket_tickets_issued_total",
            "Tickets signed and issued by those issuances.",
            &c.tickets_issued,
        ),
        (
            "eticket_transfers_requested_total",
            "Transfers requested (a request submitted again is not counted again).",
            &c.transfers_requested,
        ),
        (
            "eticket_transfers_completed_total",
            "Transfers completed: the ticket re-issued to the assignee's chip, by a relay or the background sweep.",
            &c.transfers_completed,
        ),
        (
            "eticket_lottery_draws_total",
            "Lottery draws made.",
            &c.lottery_draws,
        ),
        (
            "eticket_lottery_tickets_total",
            "Tickets registered to the winners of those draws.",
            &c.lottery_tickets,
        ),
        (
            "eticket_holds_total",
            "Seat holds made for buyers (a hold asked again under its key is not counted again); a hold bought counts as a sale too.",
            &c.holds,
        ),
        (
            "eticket_seats_held_total",
            "Seats those holds held.",
            &c.seats_held,
        ),
        (
            "eticket_holds_released_total",
            "Holds released by their distributor before they expired.",
            &c.holds_released,
        ),
    ] {
        describe(out, name, "counter", help);
        let _ = writeln!(out, "{name} {}", counter.get());
    }
    describe(
        out,
        "eticket_group_commit_batch_size",
        "histogram",
        "Requests carried by one group-commit ledger transaction.",
    );
    c.group_commit
        .render(out, "eticket_group_commit_batch_size", "", 1.0);
    describe(
        out,
        "eticket_ledger_retries_total",
        "counter",
        "Ledger transactions run again: the SQLite file was busy, PostgreSQL reported a conflict, or a concurrent transaction took the same new key.",
    );
    for (b, backend) in BACKENDS.iter().enumerate() {
        for (r, why) in Retry::ALL.iter().enumerate() {
            let _ = writeln!(
                out,
                "eticket_ledger_retries_total{{backend=\"{backend}\",cause=\"{}\"}} {}",
                why.label(),
                c.retries[b][r].get()
            );
        }
    }
    describe(
        out,
        "eticket_ledger_errors_total",
        "counter",
        "Ledger failures answered to a caller: unavailable (busy, no primary: 503), failed, corrupt.",
    );
    for (b, backend) in BACKENDS.iter().enumerate() {
        for (k, kind) in ERROR_KINDS.iter().enumerate() {
            let _ = writeln!(
                out,
                "eticket_ledger_errors_total{{backend=\"{backend}\",kind=\"{kind}\"}} {}",
                c.errors[b][k].get()
            );
        }
    }
    describe(
        out,
        "eticket_ledger_reconnects_total",
        "counter",
        "Transactions run again on a new connection after theirs was lost (a database failover).",
    );
    for (b, backend) in BACKENDS.iter().enumerate() {
        let _ = writeln!(
            out,
            "eticket_ledger_reconnects_total{{backend=\"{backend}\"}} {}",
            c.reconnects[b].get()
        );
    }
}

/// A mutation's answer, told apart from the same answer read back from its
/// idempotency record: it serializes as the answer itself (the stored JSON
/// does not change), and what is deserialized is marked as not made now.
/// So a service counts what it did, once, after the transaction committed.
#[derive(Debug)]
pub(crate) struct Fresh<T> {
    pub(crate) value: T,
    pub(crate) made_now: bool,
}

impl<T> Fresh<T> {
    /// An answer made by this request.
    pub(crate) fn new(value: T) -> Self {
        Self {
            value,
            made_now: true,
        }
    }

    /// The answer, after `count` saw it if it was made now.
    pub(crate) fn counted(self, count: impl FnOnce(&T)) -> T {
        if self.made_now {
            count(&self.value);
        }
        self.value
    }
}

impl<T: serde::Serialize> serde::Serialize for Fresh<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(s)
    }
}

impl<'de, T: serde::Deserialize<'de>> serde::Deserialize<'de> for Fresh<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(|value| Fresh {
            value,
            made_now: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of the first line of `text` that starts with `series `.
    fn value(text: &str, series: &str) -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
            .unwrap_or_else(|| panic!("{series} not in\n{text}"))
            .parse::<f64>()
            .unwrap() as u64
    }

    #[test]
    fn a_group_commit_batch_is_rendered_in_its_bucket() {
        let mut before = String::new();
        render(&mut before);
        record_group_commit_batch(3);
        let mut after = String::new();
        render(&mut after);
        // Other tests of this process may record too: compare, at least.
        let grew = |series: &str| value(&after, series) - value(&before, series);
        assert!(grew("eticket_group_commit_batch_size_count") >= 1);
        assert!(grew("eticket_group_commit_batch_size_bucket{le=\"4\"}") >= 1);
        assert!(grew("eticket_group_commit_batch_size_sum") >= 3);
        assert!(after.contains("# TYPE eticket_group_commit_batch_size histogram"));
    }

    #[test]
    fn transfers_and_draws_are_counted() {
        let mut before = String::new();
        render(&mut before);
        record_transfer_requested();
        record_transfer_completed();
        record_lottery_draw(3);
        let mut after = String::new();
        render(&mut after);
        let grew = |series: &str| value(&after, series) - value(&before, series);
        assert!(grew("eticket_transfers_requested_total") >= 1);
        assert!(grew("eticket_transfers_completed_total") >= 1);
        assert!(grew("eticket_lottery_draws_total") >= 1);
        assert!(grew("eticket_lottery_tickets_total") >= 3);
        assert!(after.contains("# TYPE eticket_lottery_draws_total counter"));
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_end_in_inf() {
        let h = Histogram::new([10, 100]);
        for v in [1, 10, 11, 5000] {
            h.observe(v);
        }
        let mut out = String::new();
        h.render(&mut out, "x", "route=\"/a\"", 1.0);
        assert_eq!(
            out,
            "x_bucket{route=\"/a\",le=\"10\"} 2\nx_bucket{route=\"/a\",le=\"100\"} 3\n\
             x_bucket{route=\"/a\",le=\"+Inf\"} 4\nx_sum{route=\"/a\"} 5022\nx_count{route=\"/a\"} 4\n"
        );
        assert_eq!(h.count(), 4);
    }

    #[test]
    fn ledger_errors_count_storage_failures_only() {
        let storage = Error::Storage {
            backend: "postgres",
            message: "no primary".into(),
            retryable: true,
        };
        let series = "eticket_ledger_errors_total{backend=\"postgres\",kind=\"unavailable\"}";
        let mut before = String::new();
        render(&mut before);
        record_ledger_error("postgres", &storage);
        record_ledger_error("postgres", &Error::Unauthorized);
        Retry::Conflict.record("postgres");
        record_ledger_reconnect("postgres");
        let mut after = String::new();
        render(&mut after);
        assert!(value(&after, series) > value(&before, series));
        let retries = "eticket_ledger_retries_total{backend=\"postgres\",cause=\"conflict\"}";
        assert!(value(&after, retries) > value(&before, retries));
        let reconnects = "eticket_ledger_reconnects_total{backend=\"postgres\"}";
        assert!(value(&after, reconnects) > value(&before, reconnects));
    }

    #[test]
    fn a_stored_answer_reads_back_as_not_made_now() {
        let made = Fresh::new(vec![1u32, 2]);
        let json = serde_json::to_string(&made).unwrap();
        assert_eq!(json, "[1,2]");
        let stored: Fresh<Vec<u32>> = serde_json::from_str(&json).unwrap();
        assert!(made.made_now && !stored.made_now);
        let mut seen = 0;
        assert_eq!(stored.counted(|_| seen += 1), vec![1, 2]);
        assert_eq!(made.counted(|v| seen += v.len()), vec![1, 2]);
        assert_eq!(seen, 2);
    }
}
