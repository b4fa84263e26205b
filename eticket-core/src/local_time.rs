//! Times as the people at a venue read them: in the venue's time zone
//! ([`VenueMaster::time_zone`](crate::venue::VenueMaster), an IANA name such
//! as `Europe/Berlin`), with the offset from UTC, from the time zone database
//! bundled in the build (so every gate shows the same local time, whatever
//! its system's zone files say). Tickets, lists and logs keep UTC; this is
//! for screens and paper only.
//!
//! ```
//! use eticket_core::local_time::VenueTime;
//! use eticket_core::time::Timestamp;
//!
//! let berlin = VenueTime::named("Europe/Berlin")?;
//! let t = Timestamp(1_790_000_000); // 2026-09-21T14:13:20Z
//! assert_eq!(berlin.minute(t), "2026-09-21 16:13 UTC+02:00");
//! assert_eq!(berlin.clock(t), "16:13");
//! assert_eq!(berlin.second(t), "2026-09-21 16:13:20 UTC+02:00");
//! // In winter the offset follows the zone's rules.
//! assert_eq!(berlin.minute(Timestamp(1_798_000_000)), "2026-12-23 05:26 UTC+01:00");
//! # Ok::<(), eticket_core::Error>(())
//! ```

use alloc::format;
use alloc::string::{String, ToString};

use jiff::tz::TimeZone;

use crate::time::Timestamp;
use crate::{Error, Result};

/// A venue's time zone, for showing times.
#[derive(Debug, Clone)]
pub struct VenueTime {
    zone: TimeZone,
}

impl VenueTime {
    /// The zone with this IANA name; an unknown name is
    /// [`Error::Invalid`] on `venue.time_zone`.
    pub fn named(name: &str) -> Result<Self> {
        TimeZone::get(name)
            .map(|zone| Self { zone })
            .map_err(|_| Error::Invalid {
                field: "venue.time_zone",
                reason: "not a time zone of the IANA database (e.g. Europe/Berlin)",
            })
    }

    /// UTC: times end in `UTC+00:00`.
    pub fn utc() -> Self {
        Self {
            zone: TimeZone::UTC,
        }
    }

    /// The zone named `name`, or UTC when the name is unknown (a screen
    /// still shows a time, marked with its offset).
    pub fn named_or_utc(name: &str) -> Self {
        Self::named(name).unwrap_or_else(|_| Self::utc())
    }

    /// `YYYY-MM-DD HH:MM UTC±HH:MM`.
    pub fn minute(&self, t: Timestamp) -> String {
        self.format(t, "%Y-%m-%d %H:%M")
    }

    /// `YYYY-MM-DD HH:MM:SS UTC±HH:MM`.
    pub fn second(&self, t: Timestamp) -> String {
        self.format(t, "%Y-%m-%d %H:%M:%S")
    }

    /// `HH:MM`, for a time next to a full one.
    pub fn clock(&self, t: Timestamp) -> String {
        match self.zoned(t) {
            Some(z) => format!("{}", z.strftime("%H:%M")),
            None => t.to_string(),
        }
    }

    fn format(&self, t: Timestamp, pattern: &str) -> String {
        match self.zoned(t) {
            Some(z) => format!("{} UTC{}", z.strftime(pattern), z.strftime("%:z")),
            // Beyond the year 9999: the UTC form, which names its zone.
            None => t.to_string(),
        }
    }

    fn zoned(&self, t: Timestamp) -> Option<jiff::Zoned> {
        let secs = i64::try_from(t.0).ok()?;
        let at = jiff::Timestamp::from_second(secs).ok()?;
        Some(at.to_zoned(self.zone.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_zones_are_refused_and_fall_back_to_utc() {
        assert!(VenueTime::named("Mars/Olympus_Mons").is_err());
        assert!(VenueTime::named("").is_err());
        let t = Timestamp(1_790_000_000);
        assert_eq!(
            VenueTime::named_or_utc("nowhere").minute(t),
            "2026-09-21 14:13 UTC+00:00"
        );
    }

    #[test]
    fn far_future_times_keep_their_utc_form() {
        let t = Timestamp(u64::MAX);
        assert_eq!(VenueTime::utc().minute(t), t.to_string());
    }

    #[test]
    fn zones_east_and_west_and_half_hours() {
        let t = Timestamp(1_790_000_000);
        let at = |zone: &str| VenueTime::named(zone).unwrap().minute(t);
        assert_eq!(at("America/New_York"), "2026-09-21 10:13 UTC-04:00");
        assert_eq!(at("Asia/Kolkata"), "2026-09-21 19:43 UTC+05:30");
        assert_eq!(at("UTC"), "2026-09-21 14:13 UTC+00:00");
    }
}
