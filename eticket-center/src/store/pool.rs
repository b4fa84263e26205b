//! A bounded pool of connections: at most `max` open at once; a caller that
//! finds them all busy waits for one to come back (up to a deadline) instead
//! of opening more than the database allows.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::{Error, Result};

/// How long a transaction waits for a free connection before it fails.
pub const POOL_WAIT: Duration = Duration::from_secs(30);

struct State<C> {
    idle: Vec<C>,
    open: usize,
}

/// The pool.
pub(crate) struct Pool<C> {
    state: Mutex<State<C>>,
    returned: Condvar,
    max: usize,
    wait: Duration,
}

impl<C> Pool<C> {
    /// A pool of at most `max` (at least 1) connections; `wait` bounds the
    /// wait for a free one.
    pub(crate) fn new(max: usize, wait: Duration) -> Self {
        Self {
            state: Mutex::new(State {
                idle: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
            max: max.max(1),
            wait,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State<C>> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// An idle connection that is still `alive`, else a new one from `open`
    /// while fewer than `max` are open, else wait for one to come back.
    pub(crate) fn take(
        &self,
        open: impl FnOnce() -> Result<C>,
        alive: impl Fn(&C) -> bool,
    ) -> Result<C> {
        let deadline = Instant::now() + self.wait;
        let mut state = self.lock();
        loop {
            while let Some(c) = state.idle.pop() {
                if alive(&c) {
                    return Ok(c);
                }
                state.open -= 1;
            }
            if state.open < self.max {
                state.open += 1;
                drop(state);
                return open().inspect_err(|_| self.forget());
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(Error::Storage {
                    backend: "postgres",
                    message: format!(
                        "all {} connections stayed busy for {} s",
                        self.max,
                        self.wait.as_secs()
                    ),
                    // Transient: the HTTP answer is 503, try again later.
                    retryable: true,
                });
            }
            state = self
                .returned
                .wait_timeout(state, deadline - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    /// Return a connection taken from the pool (dropped if no longer `alive`).
    pub(crate) fn give_back(&self, c: C, alive: bool) {
        let mut state = self.lock();
        if alive {
            state.idle.push(c);
        } else {
            state.open -= 1;
        }
        drop(state);
        self.returned.notify_one();
    }

    /// Every idle connection, taken out of the pool (to be closed).
    pub(crate) fn drain(&self) -> Vec<C> {
        let mut state = self.lock();
        let idle = std::mem::take(&mut state.idle);
        state.open -= idle.len();
        idle
    }

    /// A taken connection is gone (it failed to open or was dropped).
    pub(crate) fn forget(&self) {
        self.lock().open -= 1;
        self.returned.notify_one();
    }

    /// Close every idle connection: after one was found dead (its server
    /// went away in a failover), the others to that server are dead too.
    pub(crate) fn drop_idle(&self) {
        let idle = {
            let mut state = self.lock();
            let idle = std::mem::take(&mut state.idle);
            state.open -= idle.len();
            idle
        };
        // Closed outside the lock: closing says goodbye to the server.
        drop(idle);
        self.returned.notify_all();
    }

    /// Connections open now (idle or taken).
    #[cfg(test)]
    fn open(&self) -> usize {
        self.lock().open
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn never_more_than_max_open_and_waiters_get_returned_ones() {
        let pool = Arc::new(Pool::<usize>::new(3, Duration::from_secs(10)));
        let created = Arc::new(AtomicUsize::new(0));
        let busy = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        std::thread::scope(|s| {
            for _ in 0..12 {
                let (pool, created, busy, peak) =
                    (pool.clone(), created.clone(), busy.clone(), peak.clone());
                s.spawn(move || {
                    for _ in 0..20 {
                        let c = pool
                            .take(|| Ok(created.fetch_add(1, Ordering::SeqCst)), |_| true)
                            .unwrap();
                        let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        busy.fetch_sub(1, Ordering::SeqCst);
                        pool.give_back(c, true);
                    }
                });
            }
        });
        assert!(peak.load(Ordering::SeqCst) <= 3);
        assert!(created.load(Ordering::SeqCst) <= 3);
        assert_eq!(pool.open(), created.load(Ordering::SeqCst));
    }

    #[test]
    fn a_full_pool_times_out_with_a_clear_error() {
        let pool = Pool::<u8>::new(1, Duration::from_millis(50));
        let held = pool.take(|| Ok(1), |_| true).unwrap();
        let err = pool.take(|| Ok(2), |_| true).unwrap_err();
        assert!(
            err.to_string().contains("all 1 connections stayed busy"),
            "{err}"
        );
        pool.give_back(held, true);
        assert_eq!(pool.take(|| Ok(3), |_| true).unwrap(), 1);
    }

    #[test]
    fn dead_and_failed_connections_free_their_place() {
        let pool = Pool::<u8>::new(1, Duration::from_millis(50));
        assert!(
            pool.take(|| Err(Error::invalid("x", "refused")), |_| true)
                .is_err()
        );
        assert_eq!(pool.open(), 0);
        let c = pool.take(|| Ok(1), |_| true).unwrap();
        pool.give_back(c, false);
        assert_eq!(pool.open(), 0);
        let c = pool.take(|| Ok(2), |_| true).unwrap();
        pool.give_back(c, true);
        // An idle connection found dead is replaced.
        assert_eq!(pool.take(|| Ok(3), |c| *c != 2).unwrap(), 3);
        assert_eq!(pool.open(), 1);
    }

    #[test]
    fn dropping_the_idle_connections_frees_their_places() {
        let pool = Pool::<u8>::new(3, Duration::from_millis(50));
        let a = pool.take(|| Ok(1), |_| true).unwrap();
        let b = pool.take(|| Ok(2), |_| true).unwrap();
        let c = pool.take(|| Ok(3), |_| true).unwrap();
        pool.give_back(a, true);
        pool.give_back(b, true);
        pool.drop_idle();
        assert_eq!(pool.open(), 1);
        // New connections are opened, not the dropped ones handed out.
        assert_eq!(pool.take(|| Ok(4), |_| true).unwrap(), 4);
        assert_eq!(pool.take(|| Ok(5), |_| true).unwrap(), 5);
        pool.give_back(c, true);
        assert_eq!(pool.open(), 3);
    }
}
