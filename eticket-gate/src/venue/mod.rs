//! The venue network (c52-58): many gate devices, one venue unit, and a
//! cable that may be cut.
//!
//! A [`VenueServer`] is the venue unit as a service on the venue LAN: it
//! holds the event, the trust material and the one entry log, decides every
//! online scan's anti-passback for all devices at once, and hands devices
//! the signed key set and revocation list as it receives them. A [`Device`]
//! is one turnstile or handheld: it verifies tickets itself, asks the unit
//! to decide, and decides alone, under the venue's [`OfflinePolicy`], when
//! the unit does not answer within its deadline. Offline scans reach the
//! unit later exactly once (by scan id); a ticket admitted at two devices
//! while they were apart is reported as a conflict
//! ([`VenueUnit::conflicts`](crate::VenueUnit::conflicts)), not merged away.
//!
//! The wire format is [`protocol`]'s (version 1, documented there and in
//! ARCHITECTURE.md). `eticket-venue` (this crate's binary) runs a unit and a
//! simple scanning device from the command line.
//!
//! [`OfflinePolicy`]: crate::OfflinePolicy

#[cfg(feature = "venue-service")]
mod center;
mod device;
pub(crate) mod feed;
pub mod protocol;
mod server;

#[cfg(feature = "venue-service")]
pub use center::{CenterLink, RoundReport};
pub use device::{DEFAULT_DEADLINE, DEFAULT_RETRY_AFTER, Device, DeviceConfig, SyncStatus};
pub(crate) use device::{
    FLUSH_PER_SCAN, Link, confirmed, flush, pending, pull_trust, trust_applied,
};
pub use protocol::DeviceCredential;
pub use server::{ServerOptions, VenueServer};
