//! The event file: an event described around a venue's seat-map file, as
//! `eticket register-event --event FILE` reads it (format in
//! `docs/center/event-file.md`). The seat map (eticket-alloc's TOML format)
//! gives the venue's name, seat types, blocks, seats and standing areas; the
//! event file adds the event id and name, the address and time zone, the
//! schedule, the gates with the blocks they lead to, and the prices.
//!
//! ```toml
//! id = 2027
//! name = "Spring Concert 2027"
//! venue = "small_hall.toml"
//! address = "Hallenweg 1, 10115 Berlin"
//! time_zone = "Europe/Berlin"
//! doors_open = 2027-05-01T17:30:00Z
//! start = 2027-05-01T19:00:00Z
//! end = 2027-05-01T23:00:00Z
//!
//! [[gates]]
//! id = 1
//! name = "Gate 1 (North)"
//! blocks = [1, 2]
//!
//! [prices]
//! 1 = 8900
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use eticket_alloc::SeatMap;
use eticket_core::event::{EventInfo, Schedule};
use eticket_core::ids::{BlockId, EventId, GateId, SeatType};
use eticket_core::master::Price;
use eticket_core::time::Timestamp;
use eticket_core::venue::{Block, Gate, VenueMaster};
use serde::Deserialize;

use crate::organizer::EventRegistration;
use crate::{Error, Result};

/// Largest event file read (the seat map has its own limit).
pub const MAX_EVENT_FILE_BYTES: u64 = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EventFile {
    id: u32,
    name: String,
    venue: String,
    #[serde(default)]
    address: String,
    time_zone: String,
    doors_open: When,
    start: When,
    end: When,
    gates: Vec<GateEntry>,
    prices: BTreeMap<String, u64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct GateEntry {
    id: u16,
    name: String,
    #[serde(default)]
    blocks: Vec<u16>,
    /// How to get from this gate to its blocks; the default names the gate.
    #[serde(default)]
    guidance: Option<String>,
}

/// A time: a TOML offset date-time or Unix seconds (a date-time written in
/// quotes is read as one too).
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum When {
    Seconds(u64),
    Datetime(toml::value::Datetime),
    Text(String),
}

fn invalid(path: &Path, reason: impl std::fmt::Display) -> Error {
    Error::invalid("event file", format!("{}: {reason}", path.display()))
}

fn read_limited(path: &Path, max: u64) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| invalid(path, e))?;
    if meta.len() > max {
        return Err(invalid(path, format!("larger than {max} bytes")));
    }
    std::fs::read_to_string(path).map_err(|e| invalid(path, e))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's
/// `days_from_civil`), for dates from 1970 on.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl When {
    fn timestamp(&self, field: &str) -> std::result::Result<Timestamp, String> {
        let parsed;
        let dt = match self {
            When::Seconds(s) => return Ok(Timestamp(*s)),
            When::Datetime(dt) => dt,
            When::Text(text) => {
                parsed = text.parse::<toml::value::Datetime>().map_err(|_| {
                    format!(
                        "`{field}` = \"{text}\" is not a date-time: write it like \
                         2027-06-01T19:00:00+02:00 (with its offset, quotes optional) or as Unix seconds"
                    )
                })?;
                &parsed
            }
        };
        let (Some(date), Some(time), Some(offset)) = (dt.date, dt.time, dt.offset) else {
            return Err(format!(
                "{field} = {dt}: give a full date and time with an offset, e.g. 2027-05-01T19:00:00Z"
            ));
        };
        if date.year < 1970 {
            return Err(format!("{field} = {dt}: before 1970"));
        }
        let days = days_from_civil(
            u64::from(date.year),
            u64::from(date.month),
            u64::from(date.day),
        );
        let local = days * 86_400
            + u64::from(time.hour) * 3600
            + u64::from(time.minute) * 60
            + u64::from(time.second);
        let offset_secs: i64 = match offset {
            toml::value::Offset::Z => 0,
            toml::value::Offset::Custom { minutes } => i64::from(minutes) * 60,
        };
        let utc = i64::try_from(local).map_err(|_| format!("{field}: out of range"))? - offset_secs;
        u64::try_from(utc)
            .map(Timestamp)
            .map_err(|_| format!("{field} = {dt}: before 1970"))
    }
}

/// Read an event file and the seat-map file it names (relative to the event
/// file), into a registration. Errors name the file and the field; seat-map
/// errors carry their line and column.
pub fn load(path: &Path) -> Result<EventRegistration> {
    let text = read_limited(path, MAX_EVENT_FILE_BYTES)?;
    let file = parse(&text).map_err(|e| invalid(path, e))?;
    let venue_path = path
        .parent()
        .unwrap_or_else(|| Path::new("."))
        .join(&file.venue);
    let map_text = read_limited(&venue_path, eticket_alloc::format::MAX_FILE_BYTES as u64)?;
    let map = SeatMap::from_toml(&map_text).map_err(|e| invalid(&venue_path, e))?;
    registration(file, &map).map_err(|e| invalid(path, e))
}

/// The registration an event file's text makes around an already parsed
/// seat map (the file's `venue` key is not followed). Errors say what is
/// wrong, without a file name.
pub fn from_toml(text: &str, map: &SeatMap) -> std::result::Result<EventRegistration, String> {
    registration(parse(text)?, map)
}

fn parse(text: &str) -> std::result::Result<EventFile, String> {
    if text.len() as u64 > MAX_EVENT_FILE_BYTES {
        return Err(format!("larger than {MAX_EVENT_FILE_BYTES} bytes"));
    }
    toml::from_str(text).map_err(|e| e.to_string())
}

fn registration(file: EventFile, map: &SeatMap) -> std::result::Result<EventRegistration, String> {
    let schedule = Schedule {
        doors_open: file.doors_open.timestamp("doors_open")?,
        start: file.start.timestamp("start")?,
        end: file.end.timestamp("end")?,
    };
    let gates: Vec<Gate> = file
        .gates
        .iter()
        .map(|g| Gate {
            id: GateId(g.id),
            name: g.name.clone(),
        })
        .collect();
    let mut blocks = Vec::new();
    for b in &map.data().blocks {
        let gate = file
            .gates
            .iter()
            .find(|g| g.blocks.contains(&b.id.0))
            .ok_or_else(|| {
                format!(
                    "block {} ({}) of the seat map is in no gate's `blocks`",
                    b.id.0, b.name
                )
            })?;
        blocks.push(Block {
            id: b.id,
            name: b.name.clone(),
            gate: GateId(gate.id),
            guidance: gate
                .guidance
                .clone()
                .unwrap_or_else(|| format!("Through {} to {}", gate.name, b.name)),
            // Printed on tickets and shown at the gate, as the seat map labels them.
            row_labels: b.row_labels.clone(),
        });
    }
    for g in &file.gates {
        if let Some(unknown) = g
            .blocks
            .iter()
            .find(|id| map.data().blocks.iter().all(|b| b.id != BlockId(**id)))
        {
            return Err(format!(
                "gate {} names block {unknown}, which the seat map lacks",
                g.id
            ));
        }
    }
    let mut prices = BTreeMap::new();
    for (key, cents) in &file.prices {
        let t: u8 = key
            .parse()
            .map_err(|_| format!("prices: {key:?} is not a seat type id (0-255)"))?;
        prices.insert(SeatType(t), Price(*cents));
    }
    let info = EventInfo {
        id: EventId(file.id),
        name: file.name,
        venue: VenueMaster {
            name: map.data().name.clone(),
            address: file.address,
            time_zone: file.time_zone,
            gates,
            blocks,
        },
        schedule,
        seat_types: map.seat_type_infos(),
        seats: map.to_seat_master(),
    };
    info.validate().map_err(|e| e.to_string())?;
    Ok(EventRegistration {
        info,
        prices,
        // Kept with the event: where the seats are, their labels,
        // accessible places and companion seats.
        seat_map: Some(map.data().clone()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_match_the_formatter() {
        for t in [0u64, 951_782_400, 1_790_000_000, 4_102_444_800] {
            let shown = Timestamp(t).to_string();
            let dt: toml::value::Datetime = shown.parse().unwrap();
            assert_eq!(
                When::Datetime(dt).timestamp("t").unwrap(),
                Timestamp(t),
                "{shown}"
            );
        }
        let dt: toml::value::Datetime = "2027-05-01T21:00:00+02:00".parse().unwrap();
        assert_eq!(
            When::Datetime(dt).timestamp("t").unwrap().to_string(),
            "2027-05-01T19:00:00Z"
        );
        // Quoted, a date-time is read all the same; other text is refused
        // naming the field and the form it takes.
        assert_eq!(
            When::Text("2027-05-01T21:00:00+02:00".into()).timestamp("start"),
            When::Datetime("2027-05-01T21:00:00+02:00".parse().unwrap()).timestamp("start")
        );
        let bad = When::Text("tomorrow".into())
            .timestamp("start")
            .unwrap_err();
        assert!(
            bad.contains("`start` = \"tomorrow\" is not a date-time"),
            "{bad}"
        );
        let local: toml::value::Datetime = "2027-05-01T21:00:00".parse().unwrap();
        assert!(
            When::Datetime(local)
                .timestamp("start")
                .unwrap_err()
                .contains("offset")
        );
    }

    #[test]
    fn sample_venues_load_with_their_seat_counts() {
        // The committed Small Hall with geometry: the spring concert's seats.
        let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
        let evening = load(&data.join("small_hall_evening.toml")).unwrap();
        let spring = load(&data.join("spring_concert.toml")).unwrap();
        assert_eq!(evening.info.seats, spring.info.seats);
        assert_eq!(evening.info.venue.blocks[0].row_labels[9], "K");
        // The generated arena and stadium bowl, as the sample_venues
        // example writes them.
        let dir = tempfile::tempdir().unwrap();
        for (venue, seats) in [
            (eticket_alloc::venues::arena().unwrap(), 20_000),
            (eticket_alloc::venues::stadium_bowl().unwrap(), 100_000),
        ] {
            std::fs::write(
                dir.path().join(format!("{}.toml", venue.stem)),
                &venue.seat_map,
            )
            .unwrap();
            let event = dir.path().join(format!("{}_event.toml", venue.stem));
            std::fs::write(&event, &venue.event).unwrap();
            let reg = load(&event).unwrap();
            assert_eq!(reg.info.seats.seats.len(), seats, "{}", venue.stem);
            assert!(reg.prices.len() >= reg.info.seat_types.len());
        }
    }

    proptest::proptest! {
        /// Every instant from 1970 to 9999 written as a TOML date-time (at
        /// any whole-minute offset) reads back as itself.
        #[test]
        fn date_times_read_back(t in 43_200u64..253_402_257_599, offset in -720i64..=720) {
            // The local wall-clock time at `offset` minutes east of UTC.
            let local = Timestamp(t.wrapping_add_signed(offset * 60)).to_string();
            let sign = if offset < 0 { '-' } else { '+' };
            let (h, m) = (offset.abs() / 60, offset.abs() % 60);
            let dt: toml::value::Datetime = format!("{}{sign}{h:02}:{m:02}", &local[..19]).parse().unwrap();
            proptest::prop_assert_eq!(When::Datetime(dt).timestamp("t"), Ok(Timestamp(t)));
        }

        /// Any text as an event file gives an error or a registration whose
        /// event passes its own validation, never a panic.
        #[test]
        fn any_text_is_refused_or_read_as_a_valid_event(text in ".{0,400}") {
            let map = SeatMap::from_toml(include_str!("../../eticket-alloc/data/small_hall.toml")).unwrap();
            if let Ok(reg) = from_toml(&text, &map) {
                proptest::prop_assert!(reg.info.validate().is_ok());
            }
        }

        /// The example event file with one line dropped: refused with a
        /// message, or read as a valid event of the hall.
        #[test]
        fn an_event_file_missing_a_line_is_refused_or_valid(line in proptest::arbitrary::any::<proptest::sample::Index>()) {
            let map = SeatMap::from_toml(include_str!("../../eticket-alloc/data/small_hall.toml")).unwrap();
            let full = include_str!("../data/spring_concert.toml");
            let lines: Vec<&str> = full.lines().collect();
            let drop = line.index(lines.len());
            let text: String = lines.iter().enumerate().filter(|(i, _)| *i != drop).map(|(_, l)| format!("{l}\n")).collect();
            match from_toml(&text, &map) {
                Ok(reg) => {
                    proptest::prop_assert!(reg.info.validate().is_ok());
                    proptest::prop_assert_eq!(reg.info.seats.seats.len(), map.to_seat_master().seats.len());
                }
                Err(message) => proptest::prop_assert!(!message.is_empty()),
            }
        }
    }
}
