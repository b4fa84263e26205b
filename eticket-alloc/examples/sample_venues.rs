//! Write the generated sample venues, each a seat-map file and an event file
//! for `eticket register-event --event`:
//! `cargo run --release -p eticket-alloc --example sample_venues -- DIR`
//! writes `arena.toml`, `arena_event.toml` (20,000 seats),
//! `stadium_bowl.toml` and `stadium_bowl_event.toml` (100,000 seats) into
//! DIR (default `target/venues`). With `--svg`, also `STEM.svg` drawings.

use eticket_alloc::render::{Overlay, svg};
use eticket_alloc::venues::{arena, stadium_bowl};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut dir = std::path::PathBuf::from("target/venues");
    let mut drawings = false;
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--svg" => drawings = true,
            "-h" | "--help" => {
                println!("usage: sample_venues [--svg] [DIR]");
                return Ok(());
            }
            _ => dir = arg.into(),
        }
    }
    std::fs::create_dir_all(&dir)?;
    for venue in [arena()?, stadium_bowl()?] {
        let map_path = dir.join(format!("{}.toml", venue.stem));
        let event_path = dir.join(format!("{}_event.toml", venue.stem));
        std::fs::write(&map_path, &venue.seat_map)?;
        std::fs::write(&event_path, &venue.event)?;
        println!(
            "{} ({} seats), {}",
            map_path.display(),
            venue.seats,
            event_path.display()
        );
        if drawings {
            let map = eticket_alloc::SeatMap::from_toml(&venue.seat_map)?;
            let path = dir.join(format!("{}.svg", venue.stem));
            std::fs::write(&path, svg(&map, &Overlay::default()))?;
            println!("{}", path.display());
        }
    }
    Ok(())
}
