//! The events a caller may manage, a page at a time: an organizer's own, or
//! every event for the operator (`GET /v1/events`, the seat page's list).

use eticket_core::ids::EventId;
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::center::{Center, Principal};
use crate::{Error, Result};

/// At most this many events a page.
pub const MAX_EVENTS_PER_PAGE: u32 = 200;

/// One event of the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventListEntry {
    /// The event.
    pub event: EventId,
    /// Its name.
    pub name: String,
    /// The venue's name.
    pub venue: String,
    /// When it starts.
    pub start: Timestamp,
    /// The venue's time zone (IANA, e.g. `Europe/Berlin`): the zone the
    /// event's times are told in.
    pub time_zone: String,
    /// Its seats.
    pub seats: u32,
    /// Its standing places (over every standing area).
    pub standing_places: u32,
    /// When it was cancelled, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cancelled_at: Option<Timestamp>,
}

/// A page of events, by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct EventList {
    /// The events after the page's `after`, by id, at most
    /// [`MAX_EVENTS_PER_PAGE`].
    pub events: Vec<EventListEntry>,
    /// Whether more follow: ask again with `after` the last event's id.
    pub more: bool,
}

impl Center {
    /// The events `who` manages after event `after` (0: from the first),
    /// by id: an organizer's own, the operator's all. Other roles manage
    /// no event.
    ///
    /// ```
    /// # use eticket_center::{Center, Principal};
    /// # use eticket_center::organizer::EventRegistration;
    /// # use eticket_core::{fixtures, ids::EventId};
    /// let center = Center::open_in_memory()?;
    /// let org = Principal::Organizer(1);
    /// let reg = EventRegistration { info: fixtures::small_event(), prices: fixtures::prices(), seat_map: None };
    /// center.register_event(&org, "reg", &reg)?;
    /// let list = center.events(&org, EventId(0))?;
    /// assert_eq!(list.events[0].event, fixtures::EVENT);
    /// assert!(center.events(&Principal::Organizer(2), EventId(0))?.events.is_empty());
    /// # Ok::<(), eticket_center::Error>(())
    /// ```
    pub fn events(&self, who: &Principal, after: EventId) -> Result<EventList> {
        let organizer = match who {
            Principal::Organizer(o) => Some(*o),
            Principal::Operator => None,
            _ => {
                return Err(Error::Forbidden(
                    "only organizers and the operator list events".into(),
                ));
            }
        };
        self.read(|tx| {
            let rows = crate::tables::events::list(tx, organizer, after, MAX_EVENTS_PER_PAGE + 1)?;
            let more = rows.len() > MAX_EVENTS_PER_PAGE as usize;
            let events = rows
                .into_iter()
                .take(MAX_EVENTS_PER_PAGE as usize)
                .map(|(row, cancelled_at)| EventListEntry {
                    event: row.info.id,
                    seats: u32::try_from(row.info.seats.seats.len()).unwrap_or(u32::MAX),
                    standing_places: row
                        .info
                        .seats
                        .areas
                        .iter()
                        .fold(0u32, |n, a| n.saturating_add(a.capacity)),
                    name: row.info.name,
                    time_zone: row.info.venue.time_zone,
                    venue: row.info.venue.name,
                    start: row.info.schedule.start,
                    cancelled_at,
                })
                .collect();
            Ok(EventList { events, more })
        })
    }
}
