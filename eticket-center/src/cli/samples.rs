//! `eticket sample-venues`: the sample venues of docs/alloc/seatmap-format.md
//! ("Sample venues"), each a seat-map file and an event file beside it that
//! `eticket register-event --event` takes, written into a folder.

use std::path::Path;

use eticket_alloc::render::{Overlay, svg};
use eticket_alloc::venues::{SMALL_HALL_TOML, arena, stadium_bowl};

use crate::{Error, Result};

/// The Small Hall's event file: an evening in it, naming `small_hall.toml`.
const SMALL_HALL_EVENT: &str = include_str!("../../data/small_hall_evening.toml");

/// Write the Small Hall, the arena and the stadium bowl into `dir` (made if
/// missing), with a drawing of each when `drawings`; one line per venue.
pub(super) fn write(dir: &Path, drawings: bool) -> Result<()> {
    let io =
        |what: &Path, e: std::io::Error| Error::invalid("dir", format!("{}: {e}", what.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let hall_event = SMALL_HALL_EVENT
        .lines()
        .map(|l| {
            if l.starts_with("venue = ") {
                "venue = \"small_hall.toml\"".to_owned()
            } else {
                l.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    let alloc = |e: eticket_alloc::AllocError| Error::invalid("venue", e.to_string());
    let hall_seats = eticket_alloc::SeatMap::from_toml(SMALL_HALL_TOML)
        .map_err(alloc)?
        .len();
    let mut venues: Vec<(&str, String, String, usize)> = vec![(
        "small_hall",
        SMALL_HALL_TOML.to_owned(),
        hall_event,
        hall_seats,
    )];
    for v in [arena().map_err(alloc)?, stadium_bowl().map_err(alloc)?] {
        venues.push((v.stem, v.seat_map, v.event, v.seats));
    }
    for (stem, seat_map, event, seats) in venues {
        let map_path = dir.join(format!("{stem}.toml"));
        let event_path = dir.join(format!("{stem}_event.toml"));
        std::fs::write(&map_path, &seat_map).map_err(|e| io(&map_path, e))?;
        std::fs::write(&event_path, &event).map_err(|e| io(&event_path, e))?;
        out!(
            "{} ({seats} seat cells), {}",
            map_path.display(),
            event_path.display()
        );
        if drawings {
            let map = eticket_alloc::SeatMap::from_toml(&seat_map).map_err(alloc)?;
            let path = dir.join(format!("{stem}.svg"));
            std::fs::write(&path, svg(&map, &Overlay::default())).map_err(|e| io(&path, e))?;
            out!("{}", path.display());
        }
    }
    Ok(())
}
