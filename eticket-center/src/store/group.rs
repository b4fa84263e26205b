//! Group commit: concurrent mutating requests share one transaction and one
//! commit (one `fsync` on SQLite, one WAL flush on PostgreSQL) instead of
//! paying one each.
//!
//! There is no writer thread: each request runs its own body on its own
//! thread, one after the other, in the open group's transaction, each inside
//! a savepoint of its own. A body that fails is rolled back to its savepoint
//! and leaves the others' work in place. A member that finds nobody else
//! queued behind it (or the group full) commits the group; the others wait
//! until then, so **no answer is given before the commit that makes it
//! durable**. A commit that fails fails every member; those whose failure is
//! retryable (a busy file, a serialization failure) run their bodies again in
//! a new group, which is why a body must not have effects outside the
//! transaction (the rule [`Store::transaction`](super::Store::transaction)
//! already sets).
//!
//! Running the bodies one after the other in one transaction is a serial
//! execution, so every invariant a body checks (seats left, per-member
//! limits, idempotency keys) holds as it would with one transaction each: a
//! retry of a request whose first try is in the same group finds the stored
//! answer, and both are answered after the same commit.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use super::{MAX_ATTEMPTS, Tx, TxBody, backoff};
use crate::{Error, Result};

/// How many times a body refused with a duplicate key is run again.
const DUPLICATE_ATTEMPTS: u32 = 3;

/// Most requests one group commit holds: bounds the wait of the first member.
pub const MAX_GROUP: u32 = 128;

/// How long a group stays open for more members once it has work in it:
/// a group of heavy bodies (batch issuance signs every ticket) commits after
/// about this long rather than holding its first answer for the whole queue.
pub const MAX_GROUP_OPEN: std::time::Duration = std::time::Duration::from_millis(2);

/// A connection that can hold one group's transaction.
pub(crate) trait Session {
    /// How long a member keeps running its body again after retryable
    /// failures before it answers with the failure (HTTP 503): on SQLite
    /// the wait for another process's lock, on PostgreSQL lost races and a
    /// failover's first seconds.
    const RETRY_WAIT: std::time::Duration;
    /// "sqlite" or "postgres", for errors.
    fn backend(&self) -> &'static str;
    /// Start the group's transaction.
    fn begin(&mut self) -> Result<()>;
    /// Run one statement with no result (`SAVEPOINT …`, `COMMIT`, …).
    fn command(&mut self, sql: &str) -> Result<()>;
    /// Undo the open transaction, whatever state it is in.
    fn abandon(&mut self);
    /// The open transaction's statements.
    fn tx(&mut self) -> &mut dyn Tx;
}

/// How a finished group ended, for the members still waiting on it.
#[derive(Debug, Clone)]
enum Ending {
    Committed,
    Failed {
        message: String,
        retryable: bool,
    },
    /// Not known yet: the member runs on a deferring thread ([`deferring`]).
    Deferred,
}

thread_local! {
    /// On a thread that runs many requests' bodies itself ([`deferring`]):
    /// where its members leave their slots instead of waiting on them.
    static DEFERRED: std::cell::RefCell<Option<Vec<Arc<Slot>>>> =
        const { std::cell::RefCell::new(None) };
}

fn defer(slot: &Arc<Slot>) -> bool {
    DEFERRED.with(|d| match d.borrow_mut().as_mut() {
        Some(slots) => {
            slots.push(slot.clone());
            true
        }
        None => false,
    })
}

thread_local! {
    /// How many requests the body run on this thread carries ([`weighted`]).
    static WEIGHT: std::cell::Cell<u32> = const { std::cell::Cell::new(1) };
}

/// Run `f`, whose group members each carry `requests` requests (a batch of
/// sales decided together): a group counts them, for its size limit and
/// its statistics, as that many members.
pub(crate) fn weighted<R>(requests: u32, f: impl FnOnce() -> R) -> R {
    let before = WEIGHT.with(|w| w.replace(requests.max(1)));
    let result = catch_unwind(AssertUnwindSafe(f));
    WEIGHT.with(|w| w.set(before));
    match result {
        Ok(value) => value,
        Err(panic) => resume_unwind(panic),
    }
}

fn is_deferring() -> bool {
    DEFERRED.with(|d| d.borrow().is_some())
}

/// Run `f` on this thread with its group members deferred: each joins (or
/// opens) a group, runs its body and returns the body's result at once,
/// without waiting for the group's end and without ending it because
/// nobody else is queued. One thread can so run many requests' bodies back
/// to back in one transaction, with no hand-over between threads per
/// request. The caller must then end the open group (a plain transaction,
/// or [`Ledger::flush_group`](super::Ledger::flush_group)) and ask the
/// returned [`Deferred`] whether the work was committed, before answering.
#[cfg_attr(not(feature = "http"), allow(dead_code))] // the HTTP writer defers
pub(crate) fn deferring<R>(f: impl FnOnce() -> R) -> (R, Deferred) {
    let outer = DEFERRED.with(|d| d.borrow_mut().replace(Vec::new()));
    let result = catch_unwind(AssertUnwindSafe(f));
    let slots = DEFERRED.with(|d| std::mem::replace(&mut *d.borrow_mut(), outer));
    match result {
        Ok(value) => (
            value,
            Deferred {
                slots: slots.unwrap_or_default(),
            },
        ),
        Err(panic) => resume_unwind(panic),
    }
}

/// The groups a [`deferring`] call's members joined.
#[cfg_attr(not(feature = "http"), allow(dead_code))] // the HTTP writer defers
pub(crate) struct Deferred {
    slots: Vec<Arc<Slot>>,
}

#[cfg_attr(not(feature = "http"), allow(dead_code))] // the HTTP writer defers
impl Deferred {
    /// Whether every group this call's members joined has ended (a group
    /// ends when it is full or has been open long enough, or at the
    /// caller's flush).
    pub(crate) fn ended(&self) -> bool {
        self.slots.iter().all(|slot| slot.peek().is_some())
    }

    /// After those groups ended: `None` when every one committed, else the
    /// error of the first that did not (retryable: run the request again).
    pub(crate) fn outcome(self, backend: &'static str) -> Option<Error> {
        self.slots.iter().find_map(|slot| match slot.wait() {
            Ending::Committed | Ending::Deferred => None,
            Ending::Failed { message, retryable } => Some(Error::Storage {
                backend,
                message,
                retryable,
            }),
        })
    }
}

impl Ending {
    fn failed(e: &Error) -> Self {
        Ending::Failed {
            message: e.to_string(),
            retryable: e.is_retryable(),
        }
    }
}

/// Where a waiting member learns how its group ended: each member waits on
/// its own, so the commit wakes each once and none of them competes for the
/// connection's lock to find out.
#[derive(Default)]
struct Slot {
    ending: Mutex<Option<Ending>>,
    filled: Condvar,
}

impl Slot {
    fn fill(&self, ending: Ending) {
        *self.ending.lock().unwrap_or_else(|p| p.into_inner()) = Some(ending);
        self.filled.notify_one();
    }

    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    fn peek(&self) -> Option<Ending> {
        self.ending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn wait(&self) -> Ending {
        let mut ending = self.ending.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if let Some(ending) = ending.take() {
                return ending;
            }
            ending = self.filled.wait(ending).unwrap_or_else(|p| p.into_inner());
        }
    }
}

struct Open {
    members: u32,
    waiting: Vec<Arc<Slot>>,
    since: std::time::Instant,
}

/// The session and the open group, under one lock.
pub(crate) struct Locked<S> {
    /// The connection.
    pub(crate) session: S,
    open: Option<Open>,
}

/// Sizes of the groups committed so far, for metrics and tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct GroupStats {
    /// Groups committed.
    pub commits: u64,
    /// Requests those groups held (those refused by their own body included).
    pub members: u64,
    /// The largest group committed.
    pub largest: u32,
}

/// One connection shared by group commits (and plain transactions).
pub(crate) struct Grouped<S> {
    backend: &'static str,
    locked: Mutex<Locked<S>>,
    /// How long a group stays open for more members ([`MAX_GROUP_OPEN`]).
    max_open: Mutex<std::time::Duration>,
    /// Members that asked for the lock and do not hold it yet: while there
    /// are any, the member holding the lock leaves the group open for them.
    arriving: AtomicUsize,
    stats: Mutex<GroupStats>,
}

impl<S: Session> Grouped<S> {
    /// Share `session`.
    pub(crate) fn new(session: S) -> Self {
        Self {
            backend: session.backend(),
            locked: Mutex::new(Locked {
                session,
                open: None,
            }),
            max_open: Mutex::new(MAX_GROUP_OPEN),
            arriving: AtomicUsize::new(0),
            stats: Mutex::new(GroupStats::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Locked<S>> {
        // A poisoned lock only means a body panicked; its group was ended
        // before the panic went on (see `member`), so the state is sound.
        self.locked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection alone, for a plain transaction: an open group is
    /// committed first (its members are answered), so the caller starts
    /// from a connection with no transaction.
    pub(crate) fn exclusive(&self) -> MutexGuard<'_, Locked<S>> {
        let mut locked = self.lock();
        if locked.open.is_some() {
            self.end(&mut locked, true);
        }
        locked
    }

    /// Keep groups open for more members up to `max_open` (tests that
    /// arrange a group by hand take longer than [`MAX_GROUP_OPEN`]).
    #[cfg(test)]
    pub(crate) fn set_max_open(&self, max_open: std::time::Duration) {
        *self.max_open.lock().unwrap_or_else(|p| p.into_inner()) = max_open;
    }

    /// Commit the open group, if any (the end of a [`deferring`] batch).
    #[cfg_attr(not(feature = "http"), allow(dead_code))]
    pub(crate) fn flush(&self) {
        drop(self.exclusive());
    }

    /// What the groups so far held.
    pub(crate) fn stats(&self) -> GroupStats {
        *self.stats.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Run `body` as one member of a group commit: answered after the commit
    /// that holds its work, run again when that commit fails retryably.
    pub(crate) fn grouped<T>(&self, body: &mut TxBody<'_, T>) -> Result<T> {
        let mut attempt = 0;
        let mut duplicates = 0;
        let started = std::time::Instant::now();
        loop {
            let (result, ending) = self.member(body);
            match ending {
                Ending::Deferred => return result,
                // A unique key taken by another connection's concurrent
                // transaction (another center process) is a lost race
                // PostgreSQL does not report as one: run again, a little;
                // a key taken for good stays a duplicate.
                Ending::Committed
                    if matches!(result, Err(Error::Duplicate { .. }))
                        && duplicates + 1 < DUPLICATE_ATTEMPTS =>
                {
                    crate::metrics::Retry::Duplicate.record(self.backend);
                    duplicates += 1;
                    backoff(duplicates);
                }
                Ending::Committed => return result,
                Ending::Failed { retryable, .. }
                    if retryable
                        && attempt + 1 < MAX_ATTEMPTS
                        && started.elapsed() < S::RETRY_WAIT =>
                {
                    let why = match self.backend {
                        "sqlite" => crate::metrics::Retry::Busy,
                        _ => crate::metrics::Retry::Conflict,
                    };
                    why.record(self.backend);
                    attempt += 1;
                    backoff(attempt);
                }
                Ending::Failed { message, retryable } => {
                    // A body that refused on its own keeps its own error;
                    // one whose work was lost with the group gets the
                    // group's.
                    return match result {
                        Err(e) if !e.is_retryable() => Err(e),
                        _ => Err(Error::Storage {
                            backend: self.backend,
                            message,
                            retryable,
                        }),
                    };
                }
            }
        }
    }

    /// Join (or open) the group, run the body in its savepoint, and wait
    /// for the group's end.
    fn member<T>(&self, body: &mut TxBody<'_, T>) -> (Result<T>, Ending) {
        self.arriving.fetch_add(1, Ordering::SeqCst);
        let mut locked = self.lock();
        self.arriving.fetch_sub(1, Ordering::SeqCst);
        if locked.open.is_none() {
            if let Err(e) = locked.session.begin() {
                let ending = Ending::failed(&e);
                return (Err(e), ending);
            }
            locked.open = Some(Open {
                members: 0,
                waiting: Vec::new(),
                since: std::time::Instant::now(),
            });
        }
        if let Err(e) = locked.session.command("SAVEPOINT member") {
            let ending = self.end_with(&mut locked, Ending::failed(&e));
            return (Err(e), ending);
        }
        let run = catch_unwind(AssertUnwindSafe(|| body(locked.session.tx())));
        let result = match run {
            Ok(result) => result,
            Err(panic) => {
                // Nobody may be left waiting on a group no one will end.
                self.end_with(
                    &mut locked,
                    Ending::Failed {
                        message: "a request in the same group commit failed unexpectedly"
                            .to_owned(),
                        retryable: true,
                    },
                );
                drop(locked);
                resume_unwind(panic);
            }
        };
        if let Err(e) = &result {
            if e.is_retryable() {
                // The transaction itself lost (a serialization failure, a
                // busy file, a lost connection): nothing in it can commit.
                let ending = self.end_with(&mut locked, Ending::failed(e));
                return (result, ending);
            }
        }
        let closed = match &result {
            Ok(_) => locked.session.command("RELEASE member"),
            Err(_) => locked
                .session
                .command("ROLLBACK TO member")
                .and_then(|()| locked.session.command("RELEASE member")),
        };
        if let Err(e) = closed {
            let ending = self.end_with(&mut locked, Ending::failed(&e));
            return (result, ending);
        }
        let max_open = *self.max_open.lock().unwrap_or_else(|p| p.into_inner());
        let Some(open) = locked.open.as_mut() else {
            let e = Error::corrupt("group commit: the group was ended under a member");
            let ending = Ending::failed(&e);
            return (Err(e), ending);
        };
        open.members = open
            .members
            .saturating_add(WEIGHT.with(std::cell::Cell::get));
        let full = open.members >= MAX_GROUP || open.since.elapsed() >= max_open;
        let deferring = is_deferring();
        if full || (!deferring && self.arriving.load(Ordering::SeqCst) == 0) {
            let ending = self.end(&mut locked, true);
            return (result, ending);
        }
        let slot = Arc::new(Slot::default());
        open.waiting.push(slot.clone());
        drop(locked);
        if deferring && defer(&slot) {
            return (result, Ending::Deferred);
        }
        (result, slot.wait())
    }

    /// Commit (or, with `commit` false, roll back) the open group and tell
    /// its waiting members.
    fn end(&self, locked: &mut Locked<S>, commit: bool) -> Ending {
        let ending = if commit {
            match locked.session.command("COMMIT") {
                Ok(()) => Ending::Committed,
                Err(e) => Ending::failed(&e),
            }
        } else {
            Ending::Failed {
                message: "rolled back".to_owned(),
                retryable: true,
            }
        };
        self.end_with(locked, ending)
    }

    fn end_with(&self, locked: &mut Locked<S>, ending: Ending) -> Ending {
        if !matches!(ending, Ending::Committed) {
            locked.session.abandon();
        }
        if let Some(open) = locked.open.take() {
            if matches!(ending, Ending::Committed) {
                crate::metrics::record_group_commit_batch(open.members as usize);
                let mut stats = self.stats.lock().unwrap_or_else(|p| p.into_inner());
                stats.commits += 1;
                stats.members += u64::from(open.members);
                stats.largest = stats.largest.max(open.members);
            }
            for slot in open.waiting {
                slot.fill(ending.clone());
            }
        }
        ending
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Barrier;
    use std::time::{Duration, Instant};

    use super::*;
    use crate::store::{SqliteStore, Store, Value};

    fn store() -> SqliteStore {
        let store = SqliteStore::in_memory().unwrap();
        store
            .transaction(&mut |tx| {
                tx.execute("CREATE TABLE t (n INTEGER PRIMARY KEY)", &[])
                    .map(drop)
            })
            .unwrap();
        store.conn.set_max_open(Duration::from_secs(60));
        store
    }

    fn rows(store: &SqliteStore) -> Vec<i64> {
        store
            .transaction(&mut |tx| tx.query("SELECT n FROM t ORDER BY n", &[]))
            .unwrap()
            .iter()
            .map(|r| r.int(0).unwrap())
            .collect()
    }

    /// Wait (bounded) until `n` members are queued for the lock.
    fn until_arriving(store: &SqliteStore, n: usize) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while store.conn.arriving.load(Ordering::SeqCst) < n {
            assert!(Instant::now() < deadline, "the other members never came");
            std::thread::yield_now();
        }
    }

    /// The first member holds the lock until all others queue behind it:
    /// they all join its group, which commits once; the members whose bodies
    /// failed leave nothing behind and the others' rows are all there.
    #[test]
    fn queued_members_share_one_commit_and_a_failing_one_undoes_only_itself() {
        let store = store();
        let members = 16;
        let holding = Barrier::new(2);
        let results: Vec<Result<i64>> = std::thread::scope(|s| {
            let first = s.spawn(|| {
                store.grouped(&mut |tx| {
                    holding.wait();
                    until_arriving(&store, members - 1);
                    tx.execute("INSERT INTO t (n) VALUES (0)", &[])?;
                    Ok(0)
                })
            });
            holding.wait();
            let others: Vec<_> = (1..members as i64)
                .map(|n| {
                    let store = &store;
                    s.spawn(move || {
                        store.grouped(&mut |tx| {
                            tx.execute("INSERT INTO t (n) VALUES ($1)", &[Value::Int(n)])?;
                            if n % 5 == 0 {
                                return Err(Error::invalid("n", "a multiple of five"));
                            }
                            Ok(n)
                        })
                    })
                })
                .collect();
            std::iter::once(first)
                .chain(others)
                .map(|h| h.join().unwrap())
                .collect()
        });
        let kept: Vec<i64> = results
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        assert_eq!(results.iter().filter(|r| r.is_err()).count(), 3);
        let mut expected = kept.clone();
        expected.sort_unstable();
        assert_eq!(rows(&store), expected);
        assert_eq!(
            expected,
            (0..16)
                .filter(|n| n % 5 != 0 || *n == 0)
                .collect::<Vec<_>>()
        );
        // Everyone queued behind the first member: one group, one commit
        // (the test store's own table creation was the first commit).
        let stats = store.group_stats();
        assert_eq!(stats.commits, 1, "{stats:?}");
        assert_eq!(stats.members, 16, "{stats:?}");
    }

    /// A member whose body panics ends its group: the member waiting on
    /// that group's commit runs its body again in a new group and commits;
    /// nobody waits forever, and nothing of the panicking body remains.
    #[test]
    fn a_panicking_member_does_not_strand_its_group() {
        let store = store();
        let gate = Barrier::new(2);
        let runs = AtomicUsize::new(0);
        let (panicked, waited) = std::thread::scope(|s| {
            let waiter = s.spawn(|| {
                store.grouped(&mut |tx| {
                    if runs.fetch_add(1, Ordering::SeqCst) == 0 {
                        // The first run holds the group open for the panicker.
                        gate.wait();
                        until_arriving(&store, 1);
                    }
                    tx.execute("INSERT INTO t (n) VALUES (1)", &[])?;
                    Ok(())
                })
            });
            gate.wait();
            let panicker = s.spawn(|| {
                store.grouped(&mut |tx| -> Result<()> {
                    tx.execute("INSERT INTO t (n) VALUES (2)", &[])?;
                    panic!("a body that panics");
                })
            });
            (panicker.join(), waiter.join().unwrap())
        });
        assert!(panicked.is_err());
        waited.unwrap();
        assert_eq!(runs.load(Ordering::SeqCst), 2, "the waiter ran again");
        assert_eq!(rows(&store), vec![1]);
    }

    /// A plain transaction that finds a group open commits it first.
    #[test]
    fn a_plain_transaction_ends_an_open_group() {
        let store = store();
        let threads = 8;
        std::thread::scope(|s| {
            for n in 0..threads {
                let store = &store;
                s.spawn(move || {
                    store
                        .grouped(&mut |tx| {
                            tx.execute("INSERT INTO t (n) VALUES ($1)", &[Value::Int(n)])
                                .map(drop)
                        })
                        .unwrap();
                });
                s.spawn(move || rows(store));
            }
        });
        assert_eq!(rows(&store), (0..threads).collect::<Vec<_>>());
    }
}
