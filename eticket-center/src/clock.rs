//! Where the center reads the time: the system clock, or a clock tests and
//! examples move by hand (hold-until periods, lottery windows, cooling-off).

use std::sync::atomic::{AtomicU64, Ordering};

use eticket_core::time::Timestamp;

/// A source of "now".
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        Timestamp(secs)
    }
}

/// A clock that moves only when told.
///
/// ```
/// use eticket_center::clock::{Clock, ManualClock};
/// use eticket_core::time::Timestamp;
/// let clock = ManualClock::new(Timestamp(100));
/// clock.advance(50);
/// assert_eq!(clock.now(), Timestamp(150));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock(AtomicU64);

impl ManualClock {
    /// A clock at `t`.
    pub fn new(t: Timestamp) -> Self {
        Self(AtomicU64::new(t.0))
    }

    /// Set the time.
    pub fn set(&self, t: Timestamp) {
        self.0.store(t.0, Ordering::SeqCst);
    }

    /// Move forward by `secs`.
    pub fn advance(&self, secs: u64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(Ordering::SeqCst))
    }
}
