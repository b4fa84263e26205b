//! The monotonic clock a gate times a chip's answer with.
//!
//! A relay (a card in someone's pocket, a reader near it, a link to an
//! emulator at the gate) adds time to every exchange, so the gate bounds how
//! long the chip may take to answer its challenge
//! ([`Settings::max_answer_ms`](crate::Settings::max_answer_ms)). The
//! wall clock is no good for that (it jumps when it is set), so the gate asks
//! a [`MonotonicClock`]: [`SystemMonotonic`] in service, a
//! [`ManualMonotonic`] in tests and simulations, where time moves only when
//! the test says so.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A clock that never goes back.
pub trait MonotonicClock: fmt::Debug + Send + Sync {
    /// Time since an arbitrary origin fixed when the clock was made.
    fn elapsed(&self) -> Duration;
}

/// The operating system's monotonic clock (`std::time::Instant`).
#[derive(Debug, Clone, Copy)]
pub struct SystemMonotonic {
    origin: Instant,
}

impl SystemMonotonic {
    /// A clock whose origin is now.
    pub fn new() -> Self {
        Self {
            origin: Instant::now(),
        }
    }
}

impl Default for SystemMonotonic {
    fn default() -> Self {
        Self::new()
    }
}

impl MonotonicClock for SystemMonotonic {
    fn elapsed(&self) -> Duration {
        self.origin.elapsed()
    }
}

/// A clock that moves only when told to (shared between a gate and the test
/// or simulated card that advances it).
///
/// ```
/// use std::time::Duration;
/// use eticket_gate::clock::{ManualMonotonic, MonotonicClock};
/// let clock = ManualMonotonic::new();
/// clock.advance(Duration::from_millis(250));
/// assert_eq!(clock.elapsed(), Duration::from_millis(250));
/// ```
#[derive(Debug, Default)]
pub struct ManualMonotonic {
    nanos: AtomicU64,
}

impl ManualMonotonic {
    /// A clock at zero.
    pub fn new() -> Self {
        Self::default()
    }

    /// Move the clock on by `by` (saturating at about 584 years).
    pub fn advance(&self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        let mut now = self.nanos.load(Ordering::SeqCst);
        while let Err(seen) = self.nanos.compare_exchange_weak(
            now,
            now.saturating_add(by),
            Ordering::SeqCst,
            Ordering::SeqCst,
        ) {
            now = seen;
        }
    }
}

impl MonotonicClock for ManualMonotonic {
    fn elapsed(&self) -> Duration {
        Duration::from_nanos(self.nanos.load(Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clocks_never_go_back() {
        let system = SystemMonotonic::new();
        let a = system.elapsed();
        assert!(system.elapsed() >= a);
        let manual = ManualMonotonic::new();
        manual.advance(Duration::MAX);
        manual.advance(Duration::from_secs(1));
        assert_eq!(manual.elapsed(), Duration::from_nanos(u64::MAX));
    }
}
