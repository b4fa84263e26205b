//! The organizer's seat allocation page (claims c45-51): an HTML page, its
//! script and style (embedded, no external assets: a venue network may be
//! offline), and the two data routes the page needs beside the API's own
//! `POST /v1/events/{event}/allotments/selection`:
//!
//! - `GET /v1/events/{event}/seat-map`: the event's seat cells (laid out by
//!   eticket-alloc from the seat master) in column form, with each seat's
//!   distributor and whether it is still available, the seat types with their
//!   colours, the blocks and the selected distributors;
//! - `POST /v1/events/{event}/allotments/seats`: set the distributor (or none)
//!   of listed seats (or runs of a row) in one transaction, all or nothing;
//!   the page uses it to undo an allotment. Splitting a selection by weight
//!   is the API's `POST /v1/events/{event}/allotments/split`.
//!
//! The page (`GET /page/events/{event}`) loads without a credential; every
//! data call carries the organizer's bearer token, which the page asks for once
//! and keeps in the tab's `sessionStorage`.
//!
//! ```no_run
//! # async fn run() -> std::io::Result<()> {
//! use std::sync::Arc;
//! let center = Arc::new(eticket_center::Center::open_in_memory().map_err(std::io::Error::other)?);
//! let app = eticket_center::http::router(center.clone())
//!     .merge(eticket_center::http::page::routes(center));
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
//! axum::serve(listener, app).await
//! # }
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use eticket_alloc::geometry::{BlockGeometry, LandmarkKind};
use eticket_core::ids::{BlockId, DistributorId, EventId};
use eticket_core::master::TicketState;
use eticket_core::ticket::Place;
use serde::{Deserialize, Serialize};

use super::extract::{Caller, IdemKey, JsonBody, PathArg};
use super::handlers::blocking;
use super::{ApiError, MAX_BODY_BYTES};
use crate::store::Store;
use crate::{Center, Error, Principal, Result};

const PAGE_HTML: &str = include_str!("../../web/page.html");
const PAGE_JS: &str = include_str!("../../web/page.js");
const PAGE_CSS: &str = include_str!("../../web/page.css");

/// Most seats one `allotments/seats` request may set.
pub const MAX_SEATS_PER_REQUEST: usize = 200_000;

/// The page's routes: `GET /page/events/{event}`, `GET /page/page.js`,
/// `GET /page/page.css`, `GET /v1/events/{event}/seat-map` and
/// `POST /v1/events/{event}/allotments/seats`.
pub fn routes(center: Arc<Center>) -> Router {
    Router::new()
        .route("/page/events", get(list_page))
        .route("/page", get(to_list))
        .route("/page/", get(to_list))
        .route("/page/events/{event}", get(page))
        .route("/page/events/", get(to_list))
        .route("/page/events/{event}/", get(without_slash))
        .route("/page/page.js", get(script))
        .route("/page/page.css", get(style))
        .route("/v1/events/{event}/seat-map", get(seat_map))
        .route("/v1/events/{event}/allotments/seats", post(set_seats))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(center)
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// `GET /page/events/{event}`: the page itself (the event id is read by the
/// script from the address), for any event number: whether the center has
/// the event is told only to a caller with a token, by the seat-map call
/// (so the page cannot be used to probe which events exist). An address that
/// does not end in an event number gets a short page saying so.
async fn page(p: std::result::Result<PathArg<EventId>, ApiError>) -> Response {
    match p {
        Ok(PathArg(_)) => asset("text/html; charset=utf-8", PAGE_HTML),
        Err(e) => (
            e.status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Not an event</title>\
             <h1>Not an event</h1><p>The address ends in an event number, like <code>/page/events/2027</code>.</p></html>",
        )
            .into_response(),
    }
}

/// `GET /page/events`: the page listing the caller's events (the token is
/// asked for by the page, as for an event's map).
async fn list_page() -> Response {
    asset("text/html; charset=utf-8", PAGE_HTML)
}

/// `GET /page` and `/page/`: to the list of events.
async fn to_list() -> axum::response::Redirect {
    axum::response::Redirect::to("/page/events")
}

/// `GET /page/events/{event}/`: to the same address without the slash.
async fn without_slash(
    p: std::result::Result<PathArg<EventId>, ApiError>,
) -> std::result::Result<axum::response::Redirect, Response> {
    match p {
        Ok(PathArg(event)) => Ok(axum::response::Redirect::to(&format!(
            "/page/events/{}",
            event.0
        ))),
        Err(_) => Err(page(p).await),
    }
}

async fn script() -> Response {
    asset("text/javascript; charset=utf-8", PAGE_JS)
}

async fn style() -> Response {
    asset("text/css; charset=utf-8", PAGE_CSS)
}

/// One seat type as the page draws it.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageSeatType {
    /// Its id.
    pub id: u16,
    /// Its name.
    pub name: String,
    /// Its colour (CSS).
    pub colour: String,
}

/// One distributor selected for the event.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageDistributor {
    /// Its id.
    pub id: u16,
    /// Its name.
    pub name: String,
    /// The colour its allotment is drawn in (CSS).
    pub colour: String,
}

/// One block.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageBlock {
    /// Its id.
    pub id: u16,
    /// Its name.
    pub name: String,
    /// Where its seats are, when the venue's seat map says: eticket-alloc's
    /// `BlockGeometry` in the seat map's JSON form (`origin` `[x, y]`, and
    /// `angle`, `seat_pitch`, `row_pitch`, `radius`, `align`, `gaps`,
    /// `row_gaps`, `first_row` when not their defaults). The page computes
    /// each seat's position from it and the cell's `row` and `col` with the
    /// formulas of `docs/alloc/seatmap-format.md` ("Seat positions").
    /// Left out: the block's seats sit on their grid points (`x`, `y`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<GeometrySchema>")]
    pub geometry: Option<BlockGeometry>,
    /// Printed row labels, indexed by row number minus one (rows without
    /// one are shown by number).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub row_labels: Vec<String>,
    /// Printed seat labels when they are not the seat numbers: seat `n` is
    /// labelled `start + (n - 1) * step`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seat_labels: Option<PageSeatLabels>,
}

/// A block's seat labels: seat `n` is labelled `start + (n - 1) * step`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageSeatLabels {
    /// The label of seat 1.
    pub start: u32,
    /// Added per seat number (not 0, may be negative).
    pub step: i32,
}

/// The JSON Schema of a block's geometry (eticket-alloc's `BlockGeometry`).
pub struct GeometrySchema;

impl schemars::JsonSchema for GeometrySchema {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> std::borrow::Cow<'static, str> {
        "BlockGeometry".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "object",
            "required": ["origin"],
            "description": "Where a block's seats are (docs/alloc/seatmap-format.md, Geometry): origin [x, y], and angle, seat_pitch, row_pitch, radius, align, gaps [{after, width}], row_gaps [{after, depth}], first_row when not their defaults."
        })
    }
}

/// A stage, pitch or other shape drawn for orientation.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageLandmark {
    /// `stage`, `pitch` or `other`.
    pub kind: String,
    /// Its name, drawn on it.
    pub name: String,
    /// Its outline in venue units (a circle as 32 points).
    pub polygon: Vec<[f64; 2]>,
}

/// The seat cells in column form (one entry per cell in every vector, in
/// the seat map's order: block, row, column), which keeps a 100,000-seat
/// map near 2 MB of JSON (about 20 KB gzipped).
#[derive(Debug, Clone, Default, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageCells {
    /// Grid column. Empty when every block has a geometry (the positions
    /// are computed from it).
    pub x: Vec<i32>,
    /// Grid line; empty with `x`.
    pub y: Vec<i32>,
    /// Position along the row counting aisle columns (two seats of a row
    /// are adjacent when their `col` differ by one); with the block's
    /// geometry it places the seat.
    #[serde(default)]
    pub col: Vec<u16>,
    /// [`FLAG_ACCESSIBLE`] for an accessible (wheelchair) place,
    /// [`FLAG_COMPANION`] for a companion seat, else 0.
    #[serde(default)]
    pub flags: Vec<u8>,
    /// Seat type id.
    pub seat_type: Vec<u16>,
    /// Block id.
    pub block: Vec<u16>,
    /// Row number.
    pub row: Vec<u16>,
    /// Seat number.
    pub number: Vec<u16>,
    /// Distributor id, 0 when allotted to nobody.
    pub owner: Vec<u16>,
    /// 0 while the seat's ticket is available; otherwise why not:
    /// [`TAKEN_SOLD`] (sold, issued, used, …), [`TAKEN_HELD`] (held for a
    /// buyer) or [`TAKEN_BLOCKED`] (not for sale).
    pub taken: Vec<u8>,
}

/// `flags` of an accessible (wheelchair) place.
pub const FLAG_ACCESSIBLE: u8 = 1;
/// `flags` of a companion seat beside accessible places.
pub const FLAG_COMPANION: u8 = 2;

/// `taken` of a sold seat (decided for a buyer, issued, used, transferred
/// or revoked).
pub const TAKEN_SOLD: u8 = 1;
/// `taken` of a seat held for a buyer (back on sale when the hold ends).
pub const TAKEN_HELD: u8 = 2;
/// `taken` of a seat the seat map blocks (not for sale).
pub const TAKEN_BLOCKED: u8 = 3;

/// A standing area's places by owner and state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageAreaShare {
    /// Distributor id, 0 for places allotted to nobody.
    pub owner: u16,
    /// Places still available.
    pub available: u32,
    /// Places held for buyers.
    pub held: u32,
    /// Places sold.
    pub sold: u32,
}

/// A standing area: allotted by number of places, not by seat.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageArea {
    /// Its id.
    pub id: u16,
    /// Its name.
    pub name: String,
    /// Its seat type id.
    pub seat_type: u16,
    /// How many places it has.
    pub capacity: u32,
    /// Its places per owner (owners with none left out), unallotted first.
    pub shares: Vec<PageAreaShare>,
    /// Its outline in venue units: the seat map's polygon, or its rectangle.
    #[serde(default)]
    pub polygon: Vec<[f64; 2]>,
}

/// The answer of `GET /v1/events/{event}/seat-map`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PageSeatMap {
    /// The event.
    pub event: EventId,
    /// Its title.
    pub name: String,
    /// The venue's name.
    pub venue: String,
    /// Seat types.
    pub seat_types: Vec<PageSeatType>,
    /// Blocks.
    pub blocks: Vec<PageBlock>,
    /// The distributors selected for the event.
    pub distributors: Vec<PageDistributor>,
    /// The standing areas.
    pub areas: Vec<PageArea>,
    /// Stage, pitch and other shapes of the venue.
    #[serde(default)]
    pub landmarks: Vec<PageLandmark>,
    /// The point seats face (best available scores by distance to it).
    #[serde(default)]
    pub focus: [f32; 2],
    /// The event's allotment version this map shows (the number of the
    /// allotment log's last entry): give it as `as_of` to a selection or
    /// split so that it is refused if seats changed owner since.
    pub version: u64,
    /// The cells.
    pub cells: PageCells,
}

/// One seat of `POST /v1/events/{event}/allotments/seats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeatOwner {
    /// Block.
    pub block: BlockId,
    /// Row.
    pub row: u16,
    /// Number.
    pub number: u16,
    /// The last number of a run: seats `number..=through` of the row, all
    /// with the same `distributor` and `from` (the page sends runs, so a
    /// whole venue fits one request). Left out: the one seat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub through: Option<u16>,
    /// The distributor to allot it to; `None` takes it back.
    pub distributor: Option<DistributorId>,
    /// Its owner as the caller saw it (`null` or left out: unallotted). A
    /// seat whose owner is another now refuses the whole request with
    /// `allotment_changed`, naming the seats that changed.
    #[serde(default)]
    pub from: Option<DistributorId>,
}

/// Body of `POST /v1/events/{event}/allotments/seats`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeatOwners {
    /// The seats and their new distributors.
    pub seats: Vec<SeatOwner>,
    /// This change undoes an earlier one (the page's Undo): the allotment
    /// log names it `undo_allotment` rather than `allot_seats`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undo: bool,
}

/// The answer of `POST /v1/events/{event}/allotments/seats`.
#[derive(Debug, Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct SeatOwnersDone {
    /// Seats set.
    pub changed: usize,
    /// The event's allotment version after the change (see
    /// [`PageSeatMap::version`]).
    #[serde(default)]
    pub version: u64,
}

/// The event's organizer (or the operator), else an error: the center's own
/// statistics call makes the same check.
fn check_organizer_of(c: &Center, who: &Principal, event: EventId) -> Result<()> {
    if !matches!(who, Principal::Organizer(_) | Principal::Operator) {
        return Err(Error::Forbidden(
            "only the event's organizer allots seats".into(),
        ));
    }
    c.event_stats(who, event)?;
    Ok(())
}

/// `GET /v1/events/{event}/seat-map`: gzipped when the client accepts it.
async fn seat_map(
    State(c): State<Arc<Center>>,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    headers: HeaderMap,
) -> std::result::Result<Response, ApiError> {
    let accepted = super::shared_answer::accepts_gzip(&headers);
    let (body, gzip) = blocking(move || {
        check_organizer_of(&c, &who, event)?;
        let map = build_seat_map(&c, event)?;
        // Compressing into memory does not fail; if it ever did, the
        // plain answer is still right.
        if let Some(zipped) = accepted.then(|| gzipped(&map)).flatten() {
            return Ok((zipped, true));
        }
        let json = serde_json::to_vec(&map).map_err(|e| Error::corrupt(e.to_string()))?;
        Ok((json, false))
    })
    .await?;
    let mut res = (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::VARY, "accept-encoding"),
        ],
        body,
    )
        .into_response();
    if gzip {
        res.headers_mut().insert(
            header::CONTENT_ENCODING,
            header::HeaderValue::from_static("gzip"),
        );
    }
    Ok(res)
}

/// The answer as gzipped JSON at flate2's fast level: the seat map's
/// columns compress about fifty-fold even so, in a few milliseconds. The JSON
/// is written straight into the compressor, so the 2 MB of a 100,000-seat
/// map never sit in memory whole.
fn gzipped(map: &PageSeatMap) -> Option<Vec<u8>> {
    let encoder =
        flate2::write::GzEncoder::new(Vec::with_capacity(64 << 10), flate2::Compression::fast());
    let mut buffered = std::io::BufWriter::with_capacity(64 << 10, encoder);
    serde_json::to_writer(&mut buffered, map).ok()?;
    buffered.into_inner().ok()?.finish().ok()
}

fn seat_place(block: BlockId, row: u16, number: u16) -> Result<String> {
    serde_json::to_string(&Place::Seat { block, row, number })
        .map_err(|e| Error::corrupt(e.to_string()))
}

/// The colours distributors' allotments are drawn in, shared with
/// eticket-alloc's SVG drawings ([`eticket_alloc::render::ALLOTMENT_PALETTE`]): four Okabe–Ito hues
/// (blue, orange, bluish green, vermilion: four hues to anyone with full
/// colour vision) with their lightness moved apart (blue darkened by 40 %,
/// orange lightened by 30 %, vermilion darkened by 20 %), in the order the
/// page hands them out. Every pair stays at least 18 apart (CIEDE2000) with
/// full colour vision, protanopia and deuteranopia, and at least 12 with
/// tritanopia and in greyscale (printed, or with no colour vision), and each
/// stays at least 15 apart from the page's unallotted, held, sold and
/// not-for-sale colours in colour; the tests below check both. A fifth
/// distributor gets the first colour again, but never the first one's shape
/// (the page gives each of the first six its own shape, and a colour and
/// shape pair repeats only after 12), and the page draws every other pixel
/// row of its seats white (from the ninth a white check), which shows at
/// every zoom, at one device pixel a seat too; its legend and table swatches
/// carry the same stripes.
pub const OWNER_PALETTE: [&str; 4] = eticket_alloc::render::ALLOTMENT_PALETTE;

/// Build the page's view of an event: its seat map (the one it was
/// registered with, else laid out from its seat master) and its tickets.
pub fn build_seat_map(c: &Center, event: EventId) -> Result<PageSeatMap> {
    let info = c.event_info(event)?;
    let (map, tickets) = c.ledger().transaction(&mut |tx| {
        let map = c.seat_map(tx, event)?;
        let places = c.ticket_places(tx, event)?;
        let mut seats = HashMap::new();
        let mut areas: BTreeMap<(u16, u16), PageAreaShare> = BTreeMap::new();
        for (serial, distributor, state) in crate::tables::tickets::owners_and_states(tx, event)? {
            let owner = distributor.map_or(0, |d| d.0);
            let taken = match state {
                TicketState::Available => 0,
                TicketState::Held => TAKEN_HELD,
                _ => TAKEN_SOLD,
            };
            let place = places.get(&serial).ok_or_else(|| {
                Error::corrupt(format!("ticket {} of event {event} has no place", serial.0))
            })?;
            match *place {
                Place::Seat { block, row, number } => {
                    seats.insert((block, row, number), (owner, taken));
                }
                Place::Area(area) => {
                    let share = areas.entry((area.0, owner)).or_default();
                    share.owner = owner;
                    match taken {
                        0 => share.available += 1,
                        TAKEN_HELD => share.held += 1,
                        _ => share.sold += 1,
                    }
                }
            }
        }
        let distributors = crate::tables::distributors::selected_with_names(tx, event)?
            .into_iter()
            .map(|(d, name)| (d.0, name))
            .collect::<Vec<_>>();
        let version = crate::allotment_log::version(tx, event)?;
        Ok((map, (seats, areas, distributors, version)))
    })?;
    let (tickets, area_shares, distributors, version) = tickets;
    let n = map.len();
    // Positions come from the blocks' geometry; grid points are sent only
    // for blocks without one.
    let grid = map.blocks().iter().any(|b| b.geometry.is_none());
    let mut cells = PageCells {
        x: Vec::with_capacity(if grid { n } else { 0 }),
        y: Vec::with_capacity(if grid { n } else { 0 }),
        col: Vec::with_capacity(n),
        flags: Vec::with_capacity(n),
        seat_type: Vec::with_capacity(n),
        block: Vec::with_capacity(n),
        row: Vec::with_capacity(n),
        number: Vec::with_capacity(n),
        owner: Vec::with_capacity(n),
        taken: Vec::with_capacity(n),
    };
    for cell in map.cells() {
        let (owner, taken) = tickets
            .get(&(cell.block, cell.row, cell.number))
            .copied()
            .unwrap_or((0, TAKEN_BLOCKED));
        if grid {
            cells.x.push(cell.x);
            cells.y.push(cell.y);
        }
        cells.col.push(cell.col);
        cells.flags.push(if cell.accessible {
            FLAG_ACCESSIBLE
        } else if cell.companion {
            FLAG_COMPANION
        } else {
            0
        });
        cells.seat_type.push(cell.seat_type.0.into());
        cells.block.push(cell.block.0);
        cells.row.push(cell.row);
        cells.number.push(cell.number);
        cells.owner.push(owner);
        cells
            .taken
            .push(if cell.blocked { TAKEN_BLOCKED } else { taken });
    }
    let focus = map.focus();
    Ok(PageSeatMap {
        event,
        name: info.name.clone(),
        venue: info.venue.name.clone(),
        seat_types: map
            .seat_types()
            .iter()
            .map(|t| PageSeatType {
                id: t.id.0.into(),
                name: t.name.clone(),
                colour: map.seat_type_colour(t.id),
            })
            .collect(),
        blocks: map
            .blocks()
            .iter()
            .map(|b| PageBlock {
                id: b.id.0,
                name: b.name.clone(),
                geometry: b.geometry.clone(),
                row_labels: b.row_labels.clone(),
                seat_labels: b.seat_labels.map(|l| PageSeatLabels {
                    start: l.start,
                    step: l.step,
                }),
            })
            .collect(),
        distributors: distributors
            .into_iter()
            .enumerate()
            .map(|(i, (id, name))| PageDistributor {
                id,
                name,
                colour: OWNER_PALETTE[i % OWNER_PALETTE.len()].to_owned(),
            })
            .collect(),
        areas: map
            .areas()
            .iter()
            .map(|a| PageArea {
                id: a.id.0,
                name: a.name.clone(),
                seat_type: a.seat_type.0.into(),
                capacity: a.capacity,
                shares: area_shares
                    .range((a.id.0, 0)..=(a.id.0, u16::MAX))
                    .map(|(_, share)| share.clone())
                    .collect(),
                polygon: if a.polygon.is_empty() {
                    let (x, y) = (f64::from(a.at.x), f64::from(a.at.y));
                    let (w, h) = (f64::from(a.width), f64::from(a.height));
                    vec![[x, y], [x + w, y], [x + w, y + h], [x, y + h]]
                } else {
                    a.polygon.clone()
                },
            })
            .collect(),
        landmarks: map
            .landmarks()
            .iter()
            .map(|l| PageLandmark {
                kind: match l.kind {
                    LandmarkKind::Stage => "stage",
                    LandmarkKind::Pitch => "pitch",
                    LandmarkKind::Other => "other",
                }
                .to_owned(),
                name: l.name.clone(),
                polygon: l.outline.points(),
            })
            .collect(),
        focus: [focus.x, focus.y],
        version,
        cells,
    })
}

/// `POST /v1/events/{event}/allotments/seats`.
async fn set_seats(
    State(c): State<Arc<Center>>,
    Caller(who): Caller,
    PathArg(event): PathArg<EventId>,
    IdemKey(key): IdemKey,
    JsonBody(req): JsonBody<SeatOwners>,
) -> std::result::Result<Response, ApiError> {
    let done = blocking(move || {
        check_organizer_of(&c, &who, event)?;
        set_seat_owners(&c, &who, &key, event, &req.seats, req.undo)
    })
    .await?;
    Ok(axum::Json(done).into_response())
}

/// Set each listed seat's distributor in one transaction: every seat must
/// exist, still be available and still have the owner the request names in
/// `from` (compare and set: else [`Error::AllotmentChanged`]), every
/// distributor must be selected for the event, else nothing changes. The answer is stored under `(who, key)`: a
/// retry with the same key returns it without touching the seats again (even
/// if they were moved since), the same key with other seats is refused.
pub fn set_seat_owners(
    c: &Center,
    who: &Principal,
    key: &str,
    event: EventId,
    seats: &[SeatOwner],
    undo: bool,
) -> Result<SeatOwnersDone> {
    let mut places = Vec::with_capacity(seats.len());
    for s in seats {
        let last = s.through.unwrap_or(s.number);
        if last < s.number {
            return Err(Error::invalid(
                "seats",
                format!(
                    "block {} row {}: through {last} is below number {}",
                    s.block, s.row, s.number
                ),
            ));
        }
        for number in s.number..=last {
            if places.len() == MAX_SEATS_PER_REQUEST {
                return Err(Error::invalid(
                    "seats",
                    format!("at most {MAX_SEATS_PER_REQUEST} seats in one request"),
                ));
            }
            let seat = SeatOwner {
                number,
                through: None,
                ..*s
            };
            places.push((seat_place(s.block, s.row, number)?, seat));
        }
    }
    if places.is_empty() {
        return Err(Error::invalid("seats", "give at least one seat"));
    }
    let operation = if undo {
        "undo_allotment"
    } else {
        "allot_seats"
    };
    let request = (event, seats, undo);
    c.mutate(who, key, operation, &request, |tx, now| {
        crate::organizer::check_organizer(tx, who, event)?;
        let mut serials = HashMap::new();
        let tickets = crate::organizer::all_tickets(tx, event)?;
        for (i, t) in tickets.iter().enumerate() {
            serials.insert(crate::tables::tickets::place_to_text(&t.place)?, i);
        }
        // Compare and set: every seat still has the owner the caller saw.
        crate::organizer::check_owners(
            event,
            places.iter().filter_map(|(place, s)| {
                serials
                    .get(place)
                    .map(|&i| (&tickets[i], tickets[i].distributor == s.from))
            }),
            None,
        )?;
        let owners: BTreeSet<DistributorId> =
            places.iter().filter_map(|(_, s)| s.distributor).collect();
        for d in owners {
            crate::organizer::check_selected(tx, event, d)?;
        }
        let mut assignment = Vec::with_capacity(places.len());
        for (place, s) in &places {
            let serial = serials
                .get(place)
                .map(|&i| tickets[i].serial)
                .ok_or_else(|| {
                    Error::invalid(
                        "seats",
                        format!("no seat {} row {} number {}", s.block, s.row, s.number),
                    )
                })?;
            assignment.push((serial, s.distributor));
        }
        let by = crate::organizer::By {
            who,
            operation,
            request: key,
            now,
        };
        crate::organizer::apply_assignment(tx, event, &assignment, by)?;
        Ok(SeatOwnersDone {
            changed: places.len(),
            version: crate::allotment_log::version(tx, event)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::{OWNER_PALETTE, PAGE_JS};

    /// How a colour (linear RGB) is seen.
    enum View {
        /// With full colour vision.
        Normal,
        /// A dichromacy as one matrix in linear RGB: Machado et al. (2009,
        /// severity 1), Viénot, Brettel & Mollon (1999).
        Matrix(&'static str, [[f64; 3]; 3]),
        /// Tritanopia after Brettel, Viénot & Mollon (1997): one of two
        /// planes, by the side of the separating plane the colour is on
        /// (libDaltonLens' precomputed matrices, sRGB white as neutral).
        BrettelTritanopia,
        /// Greyscale: the colour's luminance.
        Grey,
    }

    const VIEWS: [View; 8] = [
        View::Normal,
        View::Matrix(
            "deuteranopia (Machado)",
            [
                [0.367322, 0.860646, -0.227968],
                [0.280085, 0.672501, 0.047413],
                [-0.011820, 0.042940, 0.968881],
            ],
        ),
        View::Matrix(
            "protanopia (Machado)",
            [
                [0.152286, 1.052583, -0.204868],
                [0.114503, 0.786281, 0.099216],
                [-0.003882, -0.048116, 1.051998],
            ],
        ),
        View::Matrix(
            "tritanopia (Machado)",
            [
                [1.255528, -0.076749, -0.178779],
                [-0.078411, 0.930809, 0.147602],
                [0.004733, 0.691367, 0.303900],
            ],
        ),
        View::Matrix(
            "deuteranopia (Viénot)",
            [
                [0.29275, 0.70725, 0.0],
                [0.29275, 0.70725, 0.0],
                [-0.02234, 0.02234, 1.0],
            ],
        ),
        View::Matrix(
            "protanopia (Viénot)",
            [
                [0.11238, 0.88762, 0.0],
                [0.11238, 0.88762, 0.0],
                [0.00401, -0.00401, 1.0],
            ],
        ),
        View::BrettelTritanopia,
        View::Grey,
    ];

    fn times(m: &[[f64; 3]; 3], c: [f64; 3]) -> [f64; 3] {
        m.map(|row| row[0] * c[0] + row[1] * c[1] + row[2] * c[2])
    }

    impl View {
        fn name(&self) -> &'static str {
            match self {
                View::Normal => "full colour vision",
                View::Matrix(name, _) => name,
                View::BrettelTritanopia => "tritanopia (Brettel)",
                View::Grey => "greyscale",
            }
        }

        fn see(&self, c: [f64; 3]) -> [f64; 3] {
            match self {
                View::Normal => c,
                View::Matrix(_, m) => times(m, c),
                View::BrettelTritanopia => {
                    let normal = [0.03901, -0.02788, -0.01113];
                    let side = normal[0] * c[0] + normal[1] * c[1] + normal[2] * c[2];
                    let plane = if side >= 0.0 {
                        [
                            [1.01277, 0.13548, -0.14826],
                            [-0.01243, 0.86812, 0.14431],
                            [0.07589, 0.80500, 0.11911],
                        ]
                    } else {
                        [
                            [0.93678, 0.18979, -0.12657],
                            [0.06154, 0.81526, 0.12320],
                            [-0.37562, 1.12767, 0.24796],
                        ]
                    };
                    times(&plane, c)
                }
                View::Grey => [0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]; 3],
            }
        }
    }

    fn linear(hex: &str) -> [f64; 3] {
        let byte = |i: usize| f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap()) / 255.0;
        [1, 3, 5].map(|i| {
            let c = byte(i);
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        })
    }

    /// CIE L*a*b* (D65) of a linear RGB colour.
    fn lab(rgb: [f64; 3]) -> [f64; 3] {
        let s = rgb.map(|v| v.clamp(0.0, 1.0));
        let x = (0.4124 * s[0] + 0.3576 * s[1] + 0.1805 * s[2]) / 0.95047;
        let y = 0.2126 * s[0] + 0.7152 * s[1] + 0.0722 * s[2];
        let z = (0.0193 * s[0] + 0.1192 * s[1] + 0.9505 * s[2]) / 1.08883;
        let f = |t: f64| {
            if t > 216.0 / 24389.0 {
                t.cbrt()
            } else {
                (24389.0 / 27.0 * t + 16.0) / 116.0
            }
        };
        [
            116.0 * f(y) - 16.0,
            500.0 * (f(x) - f(y)),
            200.0 * (f(y) - f(z)),
        ]
    }

    /// The CIEDE2000 colour difference (Sharma, Wu & Dalal 2005).
    fn ciede2000(p: [f64; 3], q: [f64; 3]) -> f64 {
        let ([l1, a1, b1], [l2, a2, b2]) = (p, q);
        let pow7 = |c: f64| c.powi(7) / (c.powi(7) + 25f64.powi(7));
        let g = 0.5 * (1.0 - pow7(f64::midpoint(a1.hypot(b1), a2.hypot(b2))).sqrt());
        let (a1, a2) = ((1.0 + g) * a1, (1.0 + g) * a2);
        let (c1, c2) = (a1.hypot(b1), a2.hypot(b2));
        let hue = |b: f64, a: f64| {
            if a == 0.0 && b == 0.0 {
                0.0
            } else {
                b.atan2(a).to_degrees().rem_euclid(360.0)
            }
        };
        let (h1, h2) = (hue(b1, a1), hue(b2, a2));
        let chromatic = c1 * c2 != 0.0;
        let mut dh = if chromatic { h2 - h1 } else { 0.0 };
        if dh > 180.0 {
            dh -= 360.0;
        } else if dh < -180.0 {
            dh += 360.0;
        }
        let big_dh = 2.0 * (c1 * c2).sqrt() * (dh.to_radians() / 2.0).sin();
        let l = f64::midpoint(l1, l2);
        let c = f64::midpoint(c1, c2);
        let h = if !chromatic {
            h1 + h2
        } else if (h1 - h2).abs() <= 180.0 {
            f64::midpoint(h1, h2)
        } else if h1 + h2 < 360.0 {
            (h1 + h2 + 360.0) / 2.0
        } else {
            (h1 + h2 - 360.0) / 2.0
        };
        let cos = |deg: f64| deg.to_radians().cos();
        let t = 1.0 - 0.17 * cos(h - 30.0) + 0.24 * cos(2.0 * h) + 0.32 * cos(3.0 * h + 6.0)
            - 0.20 * cos(4.0 * h - 63.0);
        let sl = 1.0 + 0.015 * (l - 50.0).powi(2) / (20.0 + (l - 50.0).powi(2)).sqrt();
        let sc = 1.0 + 0.045 * c;
        let sh = 1.0 + 0.015 * c * t;
        let rt = -(2.0 * 30.0 * (-((h - 275.0) / 25.0).powi(2)).exp())
            .to_radians()
            .sin()
            * 2.0
            * pow7(c).sqrt();
        let (dl, dc, dh) = ((l2 - l1) / sl, (c2 - c1) / sc, big_dh / sh);
        (dl * dl + dc * dc + dh * dh + rt * dc * dh).sqrt()
    }

    /// The smallest difference of two colours over `views`, and where.
    fn least_difference<'v>(
        a: &str,
        b: &str,
        views: impl Iterator<Item = &'v View>,
    ) -> (f64, &'static str) {
        views
            .map(|v| {
                (
                    ciede2000(lab(v.see(linear(a))), lab(v.see(linear(b)))),
                    v.name(),
                )
            })
            .fold(
                (f64::MAX, ""),
                |best, x| if x.0 < best.0 { x } else { best },
            )
    }

    #[test]
    fn ciede2000_matches_the_published_test_data() {
        // Sharma, Wu & Dalal (2005), table 1: pairs 1, 17 and 7.
        for (p, q, want) in [
            ([50.0, 2.6772, -79.7751], [50.0, 0.0, -82.7485], 2.0425),
            ([50.0, 2.5, 0.0], [73.0, 25.0, -18.0], 27.1492),
            ([50.0, 0.0, 0.0], [50.0, -1.0, 2.0], 2.3669),
        ] {
            let got = ciede2000(p, q);
            assert!((got - want).abs() < 1e-4, "{p:?} {q:?}: {got} != {want}");
        }
    }

    /// Every pair of distributors' colours stays well apart for people
    /// with full colour vision, protanopia and deuteranopia (the common
    /// ones), and apart with tritanopia and in greyscale.
    #[test]
    fn distributors_stay_apart_in_colour_blindness_and_greyscale() {
        let red_green = |v: &&View| {
            matches!(v, View::Normal)
                || matches!(v, View::Matrix(name, _) if !name.starts_with("tritanopia"))
        };
        for (i, a) in OWNER_PALETTE.iter().enumerate() {
            for b in &OWNER_PALETTE[..i] {
                let (d, view) = least_difference(a, b, VIEWS.iter().filter(red_green));
                assert!(
                    d >= 18.0,
                    "distributor colours {a} and {b} differ by {d:.1} in {view}"
                );
                let (d, view) = least_difference(a, b, VIEWS.iter());
                assert!(
                    d >= 12.0,
                    "distributor colours {a} and {b} differ by {d:.1} in {view}"
                );
            }
        }
    }

    /// The four colours are four hues with full colour vision (an earlier
    /// palette had two dark blues): their CIE LCh hue angles lie at least
    /// 20 degrees apart, and each is saturated (chroma 25 or more).
    #[test]
    fn distributors_have_four_hues() {
        let hue = |hex: &str| {
            let [_, a, b] = lab(linear(hex));
            (b.atan2(a).to_degrees().rem_euclid(360.0), a.hypot(b))
        };
        for (i, a) in OWNER_PALETTE.iter().enumerate() {
            let (ha, ca) = hue(a);
            assert!(ca >= 25.0, "{a} has chroma {ca:.1}");
            for b in &OWNER_PALETTE[..i] {
                let (hb, _) = hue(b);
                let d = (ha - hb).abs().min(360.0 - (ha - hb).abs());
                assert!(d >= 20.0, "{a} and {b} are {d:.1} degrees of hue apart");
            }
        }
    }

    /// Each distributor's colour stays apart from the page's own seat
    /// states (read from page.js) in colour, for each common dichromacy.
    #[test]
    fn distributors_stay_apart_from_the_seat_states() {
        let line = PAGE_JS
            .lines()
            .find(|l| l.contains("const COLOURS = {"))
            .expect("page.js names its state colours");
        let states: Vec<&str> = line
            .split('\'')
            .filter(|part| part.starts_with('#') && part.len() == 7)
            .collect();
        assert_eq!(states.len(), 4, "{line}");
        let coloured = || VIEWS.iter().filter(|v| !matches!(v, View::Grey));
        for a in OWNER_PALETTE {
            for b in &states {
                let (d, view) = least_difference(a, b, coloured());
                assert!(
                    d >= 15.0,
                    "distributor colour {a} and state colour {b} differ by {d:.1} in {view}"
                );
            }
        }
    }
}
