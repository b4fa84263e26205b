//! # eticket-alloc
//!
//! A venue's seats as cells on a grid, and what an organizer and a sale do
//! with them:
//!
//! - [`SeatMap`]: seat cells per block (row, number, grid position, seat
//!   type, accessible, companion, blocked) and general-admission areas; read
//!   from a TOML file ([`SeatMap::from_toml`], format in
//!   `docs/alloc/seatmap-format.md`) with line- and field-precise errors,
//!   exchanged as JSON, converted to and from core's
//!   [`SeatMaster`](eticket_core::seat::SeatMaster); [`stadium`] generates
//!   large test venues.
//! - [`geometry`]: where seats really are, from a few parameters per block
//!   (origin, angle, pitches, arc radius, gaps, cross aisles), by documented
//!   formulas ([`geometry::seat_positions`], [`SeatMap::positions`]);
//!   landmarks; [`venues`]: the Small Hall with geometry, and generators of a
//!   20,000-seat arena and a 100,000-seat stadium bowl.
//! - [`selection`]: single cells, rectangles, rows, blocks, free groups and
//!   seat types; add, remove, toggle, invert; counts of selected and
//!   selectable cells per seat type.
//! - [`allotment`]: a selection into a distributor's allotment (never a seat
//!   in two), or a split by ratio with the largest remainder method.
//! - [`best`]: the best `n` adjacent seats of a type by a documented score
//!   (distance of the computed positions to the focus); accessible places
//!   and companion seats only for requests that ask for them.
//! - [`render`]: SVG and ANSI terminal drawings with legends and counts,
//!   over a live [`status`] overlay (free, held, sold) the caller builds.
//!
//! ```
//! use eticket_alloc::allotment::{Allotments, RatioOptions};
//! use eticket_alloc::best::{BestRequest, find_best};
//! use eticket_alloc::selection::{Selection, Shape};
//! use eticket_alloc::stadium::{small_hall, CAT_A};
//! use eticket_core::allotment::{AllotmentRatios, RatioShare};
//! use eticket_core::ids::{BlockId, DistributorId};
//!
//! let map = small_hall()?;
//! let mut allotments = Allotments::new(&map);
//!
//! // The balcony goes to distributor 9 by selection ...
//! let mut balcony = Selection::new(&map);
//! balcony.add(&map, &Shape::Block { block: BlockId(2) })?;
//! allotments.assign(&map, &balcony, DistributorId(9))?;
//!
//! // ... the rest is split 2:1 between distributors 1 and 2.
//! let share = |d, w| RatioShare { distributor: DistributorId(d), weight: w, seat_type: None };
//! let ratios = AllotmentRatios { shares: vec![share(1, 2), share(2, 1)] };
//! let report = allotments.allocate_by_ratio(&map, &ratios, None, RatioOptions::default())?;
//! assert!(report.lines.iter().all(|l| (l.assigned as f64 - l.ideal).abs() < 1.0));
//!
//! // The best two Category A seats of distributor 1's allotment: the caller
//! // says which cells are available (here: all of the allotment's; a sale
//! // would also leave out held and sold seats).
//! let d1 = Some(DistributorId(1));
//! let pick = find_best(&map, &BestRequest::new(2, CAT_A), |i| allotments.owners()[i] == d1)?;
//! assert_eq!(pick.cells.len(), 2);
//! assert!(pick.cells.iter().all(|&c| allotments.owner(c) == d1));
//! # Ok::<(), eticket_alloc::AllocError>(())
//! ```
// Never unwrap, expect or panic on anything: every failure is an error
// value. (Declared here rather than for the workspace, so tests, benches and
// examples, which are their own crates, may.)
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![forbid(unsafe_code)]

pub mod allotment;
pub mod best;
pub mod cell;
mod error;
pub mod format;
pub mod geometry;
pub mod layout;
pub mod map;
pub mod render;
pub mod selection;
pub mod stadium;
pub mod status;
pub mod venues;

pub use cell::{BlockLayout, CellId, Focus, GaArea, GridPoint, SeatCell, SeatTypeStyle};
pub use error::{AllocError, FileLocation, Result};
pub use map::{SeatMap, SeatMapData};
