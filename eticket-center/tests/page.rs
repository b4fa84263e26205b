//! The organizer's seat allocation page: its data routes through a real
//! server, and the page itself end to end in Debian's headless Chromium
//! (tests/browser/page.test.js with playwright-core; scripts/setup/60-browser.sh
//! installs both). The browser test fails, never skips, when Chromium or the
//! node modules are missing.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use eticket_center::http::page::{self, PageSeatMap};
use eticket_center::http::router;
use eticket_center::organizer::{EventRegistration, SeatSelection, SeatSelector};
use eticket_center::{Center, Principal};
use eticket_core::fixtures;
use eticket_core::ids::{AreaId, BlockId, DistributorId, EventId};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The sample venues' events (their event files' ids).
const HALL: EventId = EventId(2028);
const ARENA: EventId = EventId(3001);
const BOWL: EventId = EventId(3002);

struct Server {
    base: String,
    org: String,
    /// A second organizer token, revoked by the browser test mid-session.
    org2: String,
    d2: String,
    center: Arc<Center>,
    _dir: tempfile::TempDir,
}

/// The sample venues registered from their event files with their seat
/// maps: the Small Hall with geometry, and the generated arena and stadium
/// bowl (written to `dir` as `sample_venues` writes them).
fn sample_registrations(dir: &Path) -> Vec<EventRegistration> {
    let mut out = vec![
        eticket_center::event_file::load(
            &project_root().join("eticket-center/data/small_hall_evening.toml"),
        )
        .unwrap(),
    ];
    for venue in [
        eticket_alloc::venues::arena().unwrap(),
        eticket_alloc::venues::stadium_bowl().unwrap(),
    ] {
        std::fs::write(dir.join(format!("{}.toml", venue.stem)), &venue.seat_map).unwrap();
        let event = dir.join(format!("{}_event.toml", venue.stem));
        std::fs::write(&event, &venue.event).unwrap();
        out.push(eticket_center::event_file::load(&event).unwrap());
    }
    out
}

/// A center on a temporary SQLite file with the core fixture event (block 2
/// row 1 allotted to distributor 2; no seat map, so its blocks are laid
/// side by side) and, if asked, the sample venues registered with their
/// seat maps; served with the API's router and the page's routes on
/// 127.0.0.1.
async fn start(with_venues: bool) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let center = Arc::new(Center::open_sqlite(dir.path().join("center.sqlite")).unwrap());
    let (org, org2, d2) = tokio::task::block_in_place(|| {
        let op = Principal::Operator;
        center
            .register_distributor(&op, "d1", DistributorId(1), "One")
            .unwrap();
        center
            .register_distributor(&op, "d2", DistributorId(2), "Two")
            .unwrap();
        let org = center
            .issue_credential(&op, Principal::Organizer(1), "org")
            .unwrap();
        let org2 = center
            .issue_credential(&op, Principal::Organizer(1), "org2")
            .unwrap();
        let d2 = center
            .issue_credential(&op, Principal::Distributor(DistributorId(2)), "d2")
            .unwrap();
        let who = Principal::Organizer(1);
        let mut events = vec![EventRegistration::new(
            fixtures::small_event(),
            fixtures::prices(),
        )];
        if with_venues {
            events.extend(sample_registrations(dir.path()));
        }
        for reg in events {
            let id = reg.info.id;
            center
                .register_event(&who, &format!("reg{id}"), &reg)
                .unwrap();
            for d in [1, 2] {
                center
                    .select_distributor(
                        &who,
                        &format!("sel{id}-{d}"),
                        id,
                        DistributorId(d),
                        Default::default(),
                    )
                    .unwrap();
            }
        }
        if with_venues {
            // The arena has six distributors with a block each: the
            // center's four colours come round again from the fifth.
            for (d, name) in [(3, "Three"), (4, "Four"), (5, "Five"), (6, "Six")] {
                center
                    .register_distributor(&op, &format!("d{d}"), DistributorId(d), name)
                    .unwrap();
                center
                    .select_distributor(
                        &who,
                        &format!("sel{}-{d}", ARENA.0),
                        ARENA,
                        DistributorId(d),
                        Default::default(),
                    )
                    .unwrap();
            }
            for d in 1..=6u16 {
                let block = SeatSelection {
                    distributor: Some(DistributorId(d)),
                    seats: vec![SeatSelector::Block(BlockId(d))],
                    from: vec![None],
                    as_of: None,
                };
                center
                    .set_allotment_selection(&who, &format!("arena-block-{d}"), ARENA, &block)
                    .unwrap();
            }
        }
        if with_venues {
            // The Small Hall has a third distributor with a long name (one
            // an organizer met) and a few standing places: its name goes in
            // the area's label, wrapped inside the area, and in the table of
            // standing areas, which still fits its pane.
            center
                .register_distributor(
                    &op,
                    "d7",
                    DistributorId(7),
                    "Stadtwerke Kulturverein Nordrhein-Westfalen Vorverkaufsstelle",
                )
                .unwrap();
            center
                .select_distributor(
                    &who,
                    "sel-hall-7",
                    HALL,
                    DistributorId(7),
                    Default::default(),
                )
                .unwrap();
            let places = SeatSelection {
                distributor: Some(DistributorId(7)),
                seats: vec![SeatSelector::Area {
                    area: AreaId(1),
                    count: 2,
                }],
                from: vec![None],
                as_of: None,
            };
            center
                .set_allotment_selection(&who, "hall-places-7", HALL, &places)
                .unwrap();
        }
        let row = SeatSelection {
            distributor: Some(DistributorId(2)),
            seats: vec![SeatSelector::Row {
                block: BlockId(2),
                row: 1,
            }],
            from: vec![None],
            as_of: None,
        };
        center
            .set_allotment_selection(&who, "row", fixtures::EVENT, &row)
            .unwrap();
        (org, org2, d2)
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(center.clone());
    tokio::spawn(axum::serve(listener, app).into_future());
    Server {
        base: format!("http://{addr}"),
        org,
        org2,
        d2,
        center,
        _dir: dir,
    }
}

async fn get(s: &Server, path: &str, token: Option<&str>) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().get(format!("{}{path}", s.base));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// POST with a fresh idempotency key.
async fn post(s: &Server, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let key = format!("k{}", NEXT.fetch_add(1, Ordering::Relaxed));
    post_with_key(s, path, token, Some(&key), body).await
}

async fn post_with_key(
    s: &Server,
    path: &str,
    token: &str,
    key: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new()
        .post(format!("{}{path}", s.base))
        .bearer_auth(token);
    if let Some(key) = key {
        req = req.header("Idempotency-Key", key);
    }
    let res = req.json(&body).send().await.unwrap();
    (res.status(), res.json().await.unwrap())
}

fn owner(map: &PageSeatMap, block: u16, row: u16, number: u16) -> (u16, u8) {
    let c = &map.cells;
    let i = (0..c.x.len())
        .find(|&i| c.block[i] == block && c.row[i] == row && c.number[i] == number)
        .unwrap();
    (c.owner[i], c.taken[i])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_and_assets_load_without_credential_data_needs_the_organizer() {
    let s = start(false).await;
    let (status, html) = get(&s, "/page/events/2026", None).await;
    assert_eq!(status, StatusCode::OK);
    // Without a token, an event the center does not have gets the same page:
    // the address does not tell which events exist.
    assert_eq!(
        get(&s, "/page/events/999999", None).await,
        (StatusCode::OK, html.clone())
    );
    assert_eq!(
        get(&s, "/page/events/x", None).await.0,
        StatusCode::BAD_REQUEST
    );
    // The list of events is the same page; /page leads there.
    assert_eq!(
        get(&s, "/page/events", None).await,
        (StatusCode::OK, html.clone())
    );
    let to_list = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/page/", s.base))
        .send()
        .await
        .unwrap();
    assert_eq!(to_list.status(), StatusCode::SEE_OTHER);
    assert_eq!(to_list.headers()["location"], "/page/events");
    // A trailing slash leads to the address without it.
    let no_follow = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (from, to) in [
        ("/page/events/", "/page/events"),
        ("/page/events/2026/", "/page/events/2026"),
    ] {
        let res = no_follow
            .get(format!("{}{from}", s.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{from}");
        assert_eq!(res.headers()["location"], to, "{from}");
    }
    assert_eq!(
        get(&s, "/page/events/x/", None).await.0,
        StatusCode::BAD_REQUEST
    );
    // An address under /page that is no page gets a page saying so, with a
    // way to the list; the API's unknown routes keep their JSON error.
    for typo in ["/page/nope", "/page/events/2026/map", "/page/page.jss"] {
        let (status, body) = get(&s, typo, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{typo}");
        assert!(body.contains("No such page"), "{typo}: {body}");
        assert!(body.contains("href=\"/page/events\""), "{typo}: {body}");
    }
    let (status, body) = get(&s, "/v1/nope", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"no_route\""), "{body}");
    assert!(html.contains("<canvas id=\"map\""));
    // Every asset the page uses is served by the center itself.
    for asset in ["/page/page.js", "/page/page.css"] {
        assert!(html.contains(asset));
        assert_eq!(get(&s, asset, None).await.0, StatusCode::OK);
    }
    assert!(!html.contains("http://") && !html.contains("https://"));
    let path = "/v1/events/2026/seat-map";
    assert_eq!(get(&s, path, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(get(&s, path, Some(&s.d2)).await.0, StatusCode::FORBIDDEN);
    let (status, body) = get(&s, path, Some(&s.org)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let map: PageSeatMap = serde_json::from_str(&body).unwrap();
    assert_eq!(map.cells.x.len(), 80);
    assert_eq!(map.distributors.len(), 2);
    assert_eq!(owner(&map, 2, 1, 5), (2, 0));
    assert_eq!(owner(&map, 1, 1, 5), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seat_owners_are_set_all_or_nothing() {
    let s = start(false).await;
    // Distributor 2 sells seat 2/1/3 (serial 43).
    let (status, v) = post(
        &s,
        "/v1/events/2026/sales",
        &s.d2,
        json!({"seats": {"serials": [43]}, "holder": "paper"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    // Seats of block 2 row 1 to `d`, each named with the owner the caller
    // saw (`from`).
    let seats = |numbers: &[u16], d: Option<u16>, from: Option<u16>| json!({"seats": numbers.iter().map(|n| json!({"block": 2, "row": 1, "number": n, "distributor": d, "from": from})).collect::<Vec<_>>()});
    let path = "/v1/events/2026/allotments/seats";
    let (status, v) = post(&s, path, &s.org, seats(&[1, 2, 3], Some(1), Some(2))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "seat_unavailable");
    // The center's own selection route refuses the sold seat whole too.
    let (status, v) = post(
        &s,
        "/v1/events/2026/allotments/selection",
        &s.org,
        json!({"distributor": 1, "seats": [{"seat": {"block": 2, "row": 1, "number": 4}}, {"seat": {"block": 2, "row": 1, "number": 3}}], "from": [2]}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    let map =
        tokio::task::block_in_place(|| page::build_seat_map(&s.center, EventId(2026))).unwrap();
    for n in [1, 2, 4] {
        assert_eq!(owner(&map, 2, 1, n), (2, 0), "seat 2/1/{n} unchanged");
    }
    assert_eq!(owner(&map, 2, 1, 3), (2, 1));
    // Free seats move, and back to nobody (the page's undo).
    let (status, v) = post(&s, path, &s.org, seats(&[1, 2], None, Some(2))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], 2);
    let (status, v) = post(&s, path, &s.d2, seats(&[4], None, Some(2))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{v}");
    let (status, v) = post(&s, path, &s.org, seats(&[4], Some(9), Some(2))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
    let map =
        tokio::task::block_in_place(|| page::build_seat_map(&s.center, EventId(2026))).unwrap();
    assert_eq!(owner(&map, 2, 1, 1), (0, 0));
    assert_eq!(owner(&map, 2, 1, 4), (2, 0));

    // Idempotency: a missing key is refused before anything changes; a retry
    // with the key returns the first answer and does not undo a later change;
    // the key with other seats is refused.
    let (status, v) = post_with_key(&s, path, &s.org, None, seats(&[1], Some(1), None)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["error"]["code"], "idempotency_key_required");
    let (status, first) = post_with_key(
        &s,
        path,
        &s.org,
        Some("move-1"),
        seats(&[1, 2], Some(1), None),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    let (status, _) = post(&s, path, &s.org, seats(&[1], None, Some(1))).await;
    assert_eq!(status, StatusCode::OK);
    let (status, again) = post_with_key(
        &s,
        path,
        &s.org,
        Some("move-1"),
        seats(&[1, 2], Some(1), None),
    )
    .await;
    assert_eq!((status, &again), (StatusCode::OK, &first));
    let map =
        tokio::task::block_in_place(|| page::build_seat_map(&s.center, EventId(2026))).unwrap();
    assert_eq!(
        owner(&map, 2, 1, 1),
        (0, 0),
        "the retry did not move seat 1 back"
    );
    assert_eq!(owner(&map, 2, 1, 2), (1, 0));
    let (status, v) =
        post_with_key(&s, path, &s.org, Some("move-1"), seats(&[2], None, Some(1))).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "idempotency_mismatch");

    // A stale tab: it still sees seat 2 unallotted and seat 1 with
    // distributor 1. Compare and set refuses the whole change, names the
    // seats that changed, and moves nothing; on either route.
    let stale = json!({"seats": [
        {"block": 2, "row": 1, "number": 1, "distributor": 2, "from": 1},
        {"block": 2, "row": 1, "number": 2, "distributor": 2, "from": null},
    ]});
    let (status, v) = post(&s, path, &s.org, stale).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "allotment_changed");
    let message = v["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("2 of the seats do not have the owner this change expected")
            && message.contains("block 2 row 1 seat 1 (ticket 41): unallotted now")
            && message.contains("block 2 row 1 seat 2 (ticket 42): distributor 1 now"),
        "{message}"
    );
    let (status, v) = post(
        &s,
        "/v1/events/2026/allotments/selection",
        &s.org,
        json!({"distributor": 2, "seats": [{"seat": {"block": 2, "row": 1, "number": 2}}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["code"], "allotment_changed");
    let map =
        tokio::task::block_in_place(|| page::build_seat_map(&s.center, EventId(2026))).unwrap();
    assert_eq!(owner(&map, 2, 1, 1), (0, 0));
    assert_eq!(owner(&map, 2, 1, 2), (1, 0));

    // Runs: seats 5 to 9 of the row in one entry (`through`), then back;
    // a run that ends before it starts is refused.
    let run = |d: Option<u16>, from: Option<u16>| json!({"seats": [{"block": 2, "row": 1, "number": 5, "through": 9, "distributor": d, "from": from}]});
    let (status, v) = post(&s, path, &s.org, run(Some(1), Some(2))).await;
    assert_eq!(
        (status, v["changed"].as_u64()),
        (StatusCode::OK, Some(5)),
        "{v}"
    );
    let map =
        tokio::task::block_in_place(|| page::build_seat_map(&s.center, EventId(2026))).unwrap();
    for n in 5..=9 {
        assert_eq!(owner(&map, 2, 1, n), (1, 0), "seat 2/1/{n}");
    }
    assert_eq!(owner(&map, 2, 1, 10), (2, 0));
    let (status, v) = post(&s, path, &s.org, run(Some(2), Some(1))).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let backwards = json!({"seats": [{"block": 2, "row": 1, "number": 9, "through": 5, "distributor": 1, "from": 2}]});
    let (status, v) = post(&s, path, &s.org, backwards).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");

    // The split route: block 2 row 1's free seats (the sold one left out)
    // 1:1, compare and set on the owners seen.
    let (status, v) = post(
        &s,
        "/v1/events/2026/allotments/split",
        &s.org,
        json!({"seats": [{"rect": {"block": 2, "rows": [1, 1], "numbers": [4, 10]}}],
               "shares": [{"distributor": 1, "weight": 1}, {"distributor": 2, "weight": 1}],
               "from": [2]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["split"], 7);
    // 7 seats 1:1: the tie goes to the first share.
    assert_eq!(v["shares"], json!([[1, 4], [2, 3]]));

    // The allotment log shows it all, newest last; other roles cannot read it.
    let (status, body) = get(&s, "/v1/events/2026/allotments/log?after=0", Some(&s.org)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let log: Value = serde_json::from_str(&body).unwrap();
    let last = log["entries"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["operation"], "split_allotment", "{log}");
    assert_eq!(last["by"], "organizer:1");
    let (status, _) = get(&s, "/v1/events/2026/allotments/log", Some(&s.d2)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&s, "/v1/events/2026/allotments/log?after=x", Some(&s.org)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

/// The page computes seat positions with the JavaScript of the seat-map
/// format's documentation, which eticket-alloc's `positions_js` test runs
/// against Rust: the page's copy must be that text.
#[test]
fn page_positions_are_the_documented_javascript() {
    let doc = std::fs::read_to_string(project_root().join("docs/alloc/seatmap-format.md")).unwrap();
    let start = doc
        .find("```js\n")
        .expect("a js block in seatmap-format.md")
        + 6;
    let block = &doc[start..start + doc[start..].find("```").unwrap()];
    assert!(block.contains("function seatPositions(map)"));
    let page = std::fs::read_to_string(project_root().join("eticket-center/web/page.js")).unwrap();
    assert!(
        page.contains(block),
        "eticket-center/web/page.js must hold the Seat positions block of docs/alloc/seatmap-format.md as written"
    );
}

/// The seat map of a venue with geometry, as the page gets it: gzipped
/// when asked for, the same JSON once unzipped, the geometry and flags in
/// it, and the 100,000-seat bowl within 150 KB on the wire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn seat_map_is_gzipped_and_carries_the_geometry() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    let s = start(false).await;
    tokio::task::block_in_place(|| {
        for reg in sample_registrations(dir.path()) {
            s.center
                .register_event(
                    &eticket_center::Principal::Organizer(1),
                    &format!("r{}", reg.info.id),
                    &reg,
                )
                .unwrap();
        }
    });
    let client = reqwest::Client::new();
    let fetch = |event: EventId, gzip: bool| {
        let mut req = client
            .get(format!("{}/v1/events/{}/seat-map", s.base, event.0))
            .bearer_auth(&s.org);
        if gzip {
            req = req.header("Accept-Encoding", "gzip, deflate");
        }
        req.send()
    };
    for event in [HALL, BOWL] {
        let plain = fetch(event, false).await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK);
        assert!(plain.headers().get("content-encoding").is_none());
        let plain = plain.bytes().await.unwrap();
        let zipped = fetch(event, true).await.unwrap();
        assert_eq!(zipped.headers()["content-encoding"], "gzip");
        let zipped = zipped.bytes().await.unwrap();
        let mut unzipped = Vec::new();
        flate2::read::GzDecoder::new(&zipped[..])
            .read_to_end(&mut unzipped)
            .unwrap();
        assert_eq!(unzipped, plain);
        let map: PageSeatMap = serde_json::from_slice(&plain).unwrap();
        assert!(map.blocks.iter().all(|b| b.geometry.is_some()));
        assert!(map.cells.x.is_empty() && map.cells.col.len() == map.cells.block.len());
        assert!(map.cells.flags.contains(&page::FLAG_ACCESSIBLE));
        assert!(map.cells.flags.contains(&page::FLAG_COMPANION));
        assert!(!map.landmarks.is_empty());
        println!(
            "event {}: {} cells, {} bytes of JSON, {} gzipped",
            event.0,
            map.cells.block.len(),
            plain.len(),
            zipped.len()
        );
        if event == BOWL {
            assert_eq!(map.cells.block.len(), 100_000);
            assert!(zipped.len() <= 150 * 1024, "{} bytes", zipped.len());
        } else {
            let hall = map.blocks.iter().find(|b| b.id == 1).unwrap();
            assert_eq!(hall.row_labels[9], "K");
            assert!(map.areas.iter().all(|a| a.polygon.len() >= 3));
        }
    }
}

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_in_headless_chromium() {
    let root = project_root();
    let browser_dir = root.join("eticket-center/tests/browser");
    assert!(
        Path::new("/usr/bin/chromium").exists(),
        "/usr/bin/chromium is missing: run scripts/setup/60-browser.sh"
    );
    for module in ["playwright-core", "axe-core"] {
        assert!(
            browser_dir.join("node_modules").join(module).exists(),
            "{module} is missing: run scripts/setup/60-browser.sh (npm ci in {})",
            browser_dir.display()
        );
    }
    let s = start(true).await;
    // Screenshots go to target/; the ones in docs/page are rewritten only
    // when asked for (ETICKET_WRITE_DOCS=1).
    let shots = if std::env::var_os("ETICKET_WRITE_DOCS").is_some() {
        root.join("docs/page")
    } else {
        root.join("target/page-shots")
    };
    std::fs::create_dir_all(&shots).unwrap();
    let mut cmd = std::process::Command::new("node");
    cmd.arg(browser_dir.join("page.test.js"))
        .current_dir(&browser_dir)
        .env("PAGE_BASE", &s.base)
        .env("PAGE_TOKEN", &s.org)
        .env("PAGE_TOKEN2", &s.org2)
        .env("PAGE_D2_TOKEN", &s.d2)
        .env("PAGE_EVENT", "2026")
        .env("PAGE_HALL", HALL.0.to_string())
        .env("PAGE_ARENA", ARENA.0.to_string())
        .env("PAGE_BOWL", BOWL.0.to_string())
        .env("PAGE_SHOTS", &shots);
    // scripts/bench/page: the bowl's measurements only.
    if let Some(bench) = std::env::var_os("PAGE_BENCH") {
        cmd.env("PAGE_BENCH", bench);
    }
    let out = tokio::task::spawn_blocking(move || cmd.output())
        .await
        .unwrap()
        .expect("node runs (scripts/setup/60-browser.sh installs it)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(
        out.status.success(),
        "browser test failed: {}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(stdout.contains("PAGE_TIMINGS "), "{stdout}");
    // The memory of this process, which is the center serving the page
    // (plus the test's own registration of the events); scripts/bench/page
    // prints it.
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .map_or("?", |l| l[name.len()..].trim())
            .to_owned()
    };
    println!(
        "PAGE_MEMORY rss {} peak {}",
        field("VmRSS:"),
        field("VmHWM:")
    );
}
