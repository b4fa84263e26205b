//! Benchmarks of the center: tickets signed and durably recorded per second
//! (batch and one-by-one issuance) on SQLite and PostgreSQL, and purchases
//! by concurrent buyers racing on one SQLite ledger, and sales and issuance
//! over HTTP on loopback.
//!
//! `holds`: seat holds in a SQLite ledger, one request after another (a hold
//! of the 2 best available seats, then its release or its confirmation), each
//! request a durable commit; they replaced eticket-alloc's in-memory seat
//! inventory, which took about 2.5-3 µs per request without persistence.
//!
//! `authenticate`: a bearer token answered from memory against a ledger read
//! per request.
//!
//! `cargo bench -p eticket-center --bench center -- --warm-up-time 1 --measurement-time 3`
#![allow(missing_docs)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use eticket_center::clock::ManualClock;
use eticket_center::distributor::{SaleRequest, SeatChoice};
use eticket_center::holds::{HoldBuyer, HoldConfirm, HoldRequest};
use eticket_center::keystore::{Kek, KeyStorage, RootStore};
use eticket_center::organizer::EventRegistration;
use eticket_center::policy::DistributionPolicy;
use eticket_center::sale_batch::SaleJob;
use eticket_center::store::{Ledger, PostgresStore};
use eticket_center::{Center, Config, Principal};
use eticket_core::allotment::{AllotmentRatios, RatioShare};
use eticket_core::fixtures;
use eticket_core::ids::{BlockId, ChipId, DistributorId, TicketSerial};
use eticket_core::seat::Seat;
use eticket_core::ticket::Holder;

const D: DistributorId = DistributorId(1);

fn event(seats: u32) -> EventRegistration {
    let mut info = fixtures::small_event();
    info.seats.areas.clear();
    info.seats.seats = (0..seats)
        .map(|i| Seat {
            block: BlockId(1),
            row: u16::try_from(i / 50 + 1).unwrap(),
            number: u16::try_from(i % 50 + 1).unwrap(),
            seat_type: fixtures::CAT_A,
        })
        .collect();
    EventRegistration {
        info,
        prices: fixtures::prices(),
        seat_map: None,
    }
}

struct Dir(Option<tempfile::TempDir>, Option<String>);

fn ledger(pg: bool, dir: &mut Dir) -> Ledger {
    if pg {
        let url = std::env::var("ETICKET_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://eticket:eticket@127.0.0.1:5432/eticket_test".into());
        let schema = format!("bench_{}", std::process::id());
        if let Ok(s) = PostgresStore::connect(&url, Some(&schema)) {
            s.drop_schema().unwrap();
        }
        dir.1 = Some(schema.clone());
        Ledger::Postgres(
            PostgresStore::connect(&url, Some(&schema))
                .expect("PostgreSQL (scripts/setup/40-postgres.sh)"),
        )
    } else {
        let d = tempfile::tempdir().unwrap();
        let l = Ledger::sqlite(d.path().join("bench.sqlite")).unwrap();
        dir.0 = Some(d);
        l
    }
}

/// A center with an event of `seats` Category A seats, all in distributor
/// 1's allotment and on sale.
/// A center on a fresh ledger of one backend, its clock a day before the
/// fixture event.
fn open_center(pg: bool, config: Config, dir: &mut Dir) -> Center {
    let clock = Arc::new(ManualClock::new(fixtures::NOW.minus(86_400)));
    let ledger = ledger(pg, dir);
    // A PostgreSQL ledger has no default key storage: a KEK and a root key
    // file of the bench's own.
    let keys_dir = tempfile::tempdir().unwrap();
    let storage = if pg {
        KeyStorage::new(
            Kek::generate(),
            RootStore::File(keys_dir.path().join("root.key")),
        )
    } else {
        KeyStorage::default_for(&ledger).unwrap()
    };
    let center = Center::open_with_keys(ledger, clock, config, storage).unwrap();
    if pg {
        dir.0 = Some(keys_dir);
    }
    center
}

fn allotted_center(seats: u32, pg: bool) -> (Center, Dir) {
    let mut dir = Dir(None, None);
    let center = open_center(pg, Config::default(), &mut dir);
    let (op, org) = (Principal::Operator, Principal::Organizer(1));
    center.register_distributor(&op, "d", D, "D").unwrap();
    center.register_event(&org, "r", &event(seats)).unwrap();
    center
        .select_distributor(&org, "s", fixtures::EVENT, D, DistributionPolicy::default())
        .unwrap();
    let shares = vec![RatioShare {
        distributor: D,
        weight: 1,
        seat_type: None,
    }];
    center
        .set_allotment_ratios(&org, "a", fixtures::EVENT, &AllotmentRatios { shares })
        .unwrap();
    (center, dir)
}

/// A center with `seats` tickets sold by distributor 1 to chips, not yet issued.
fn sold_center(seats: u32, pg: bool) -> (Center, Dir, Vec<TicketSerial>) {
    let (center, dir) = allotted_center(seats, pg);
    let mut serials = Vec::new();
    for i in 0..seats.div_ceil(100) {
        let quantity = (seats - i * 100).min(100);
        let req = SaleRequest {
            seats: SeatChoice::BestAvailable {
                seat_type: None,
                quantity,
            },
            holder: Holder::Chip(ChipId([u8::try_from(i % 251).unwrap(); 16])),
            member: None,
        };
        let sale = center
            .sell(
                &Principal::Distributor(D),
                &format!("sale-{i}"),
                fixtures::EVENT,
                &req,
            )
            .unwrap();
        serials.extend(sale.records.iter().map(|r| r.serial));
    }
    (center, dir, serials)
}

impl Drop for Dir {
    fn drop(&mut self) {
        drop_schema(self.1.take());
    }
}

fn drop_schema(schema: Option<String>) {
    if let Some(schema) = schema {
        let url = std::env::var("ETICKET_TEST_DATABASE_URL")
            .unwrap_or_else(|_| "postgres://eticket:eticket@127.0.0.1:5432/eticket_test".into());
        if let Ok(s) = PostgresStore::connect(&url, Some(&schema)) {
            let _ = s.drop_schema();
        }
    }
}

fn issuance(c: &mut Criterion) {
    let mut g = c.benchmark_group("issuance");
    g.sample_size(10);
    for (name, pg) in [("sqlite", false), ("postgres", true)] {
        const BATCH: u32 = 1000;
        g.throughput(Throughput::Elements(u64::from(BATCH)));
        g.bench_function(format!("{name}_batch_{BATCH}"), |b| {
            b.iter_batched(
                || sold_center(BATCH, pg),
                |(center, dir, serials)| {
                    let out = center
                        .issue_batch(
                            &Principal::Distributor(D),
                            "batch",
                            fixtures::EVENT,
                            &serials,
                        )
                        .unwrap();
                    assert_eq!(out.tickets.len(), serials.len());
                    // Closing the ledger (checkpoint, dropping the schema) happens
                    // after the measurement: criterion drops outputs outside it.
                    (center, dir)
                },
                BatchSize::PerIteration,
            )
        });
        const ONE_BY_ONE: u32 = 200;
        g.throughput(Throughput::Elements(u64::from(ONE_BY_ONE)));
        g.bench_function(format!("{name}_one_by_one_{ONE_BY_ONE}"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (center, dir, serials) = sold_center(ONE_BY_ONE, pg);
                    let start = Instant::now();
                    for s in &serials {
                        center
                            .issue(
                                &Principal::Distributor(D),
                                &format!("i{}", s.0),
                                fixtures::EVENT,
                                *s,
                                None,
                            )
                            .unwrap();
                    }
                    total += start.elapsed();
                    drop((center, dir));
                }
                total
            })
        });
    }
    g.finish();
}

/// Four buyers on their own connections buy one seat at a time until 400 are gone.
fn concurrent_purchases(c: &mut Criterion) {
    let mut g = c.benchmark_group("purchases");
    g.sample_size(10);
    const SEATS: u32 = 400;
    g.throughput(Throughput::Elements(u64::from(SEATS)));
    g.bench_function("sqlite_4_buyers_400_seats", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("race.sqlite");
                let clock = Arc::new(ManualClock::new(fixtures::NOW.minus(86_400)));
                let center = Center::open_with(
                    Ledger::sqlite(&path).unwrap(),
                    clock.clone(),
                    Config::default(),
                )
                .unwrap();
                let (op, org) = (Principal::Operator, Principal::Organizer(1));
                center.register_distributor(&op, "d", D, "D").unwrap();
                center.register_event(&org, "r", &event(SEATS)).unwrap();
                center
                    .select_distributor(
                        &org,
                        "s",
                        fixtures::EVENT,
                        D,
                        DistributionPolicy::default(),
                    )
                    .unwrap();
                let shares = vec![RatioShare {
                    distributor: D,
                    weight: 1,
                    seat_type: None,
                }];
                center
                    .set_allotment_ratios(&org, "a", fixtures::EVENT, &AllotmentRatios { shares })
                    .unwrap();
                let buyers: Vec<Center> = (0..4)
                    .map(|_| {
                        Center::open_with(
                            Ledger::sqlite(&path).unwrap(),
                            clock.clone(),
                            Config::default(),
                        )
                        .unwrap()
                    })
                    .collect();
                let start = Instant::now();
                let sold: usize = std::thread::scope(|s| {
                    let hs: Vec<_> = buyers
                        .iter()
                        .enumerate()
                        .map(|(t, c)| {
                            s.spawn(move || {
                                let mut n = 0;
                                for i in 0.. {
                                    let req = SaleRequest {
                                        seats: SeatChoice::BestAvailable {
                                            seat_type: None,
                                            quantity: 1,
                                        },
                                        holder: Holder::Paper,
                                        member: None,
                                    };
                                    match c.sell(
                                        &Principal::Distributor(D),
                                        &format!("b{t}-{i}"),
                                        fixtures::EVENT,
                                        &req,
                                    ) {
                                        Ok(_) => n += 1,
                                        Err(eticket_center::Error::SoldOut { .. }) => break,
                                        Err(e) => panic!("{e}"),
                                    }
                                }
                                n
                            })
                        })
                        .collect();
                    hs.into_iter().map(|h| h.join().unwrap()).sum()
                });
                total += start.elapsed();
                assert_eq!(sold, SEATS as usize);
            }
            total
        })
    });
    g.finish();
}

/// The on-sale path without HTTP: 64 threads share one center on a SQLite
/// file and sell one ticket each per call until 6,400 are gone, with group
/// commit (the default) against one commit per sale (`group_commit: false`).
/// `scripts/bench/onsale` measures the same over HTTP with wrk.
fn onsale_in_process(c: &mut Criterion) {
    let mut g = c.benchmark_group("onsale");
    g.sample_size(10);
    const SEATS: u32 = 6_400;
    const BUYERS: usize = 64;
    g.throughput(Throughput::Elements(u64::from(SEATS)));
    let fresh = |group_commit: bool, dir: &mut Dir| {
        let config = Config {
            group_commit,
            ..Config::default()
        };
        let center = open_center(false, config, dir);
        let (op, org) = (Principal::Operator, Principal::Organizer(1));
        center.register_distributor(&op, "d", D, "D").unwrap();
        center.register_event(&org, "r", &event(SEATS)).unwrap();
        center
            .select_distributor(&org, "s", fixtures::EVENT, D, DistributionPolicy::default())
            .unwrap();
        let shares = vec![RatioShare {
            distributor: D,
            weight: 1,
            seat_type: None,
        }];
        center
            .set_allotment_ratios(&org, "a", fixtures::EVENT, &AllotmentRatios { shares })
            .unwrap();
        center
    };
    let one_ticket = SaleRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: None,
            quantity: 1,
        },
        holder: Holder::Paper,
        member: None,
    };
    for (name, group_commit) in [("grouped", true), ("commit_per_sale", false)] {
        g.bench_function(
            format!("sqlite_{BUYERS}_threads_{SEATS}_sales_{name}"),
            |b| {
                b.iter_custom(|iters| {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        let mut dir = Dir(None, None);
                        let center = fresh(group_commit, &mut dir);
                        let start = Instant::now();
                        let sold: usize = std::thread::scope(|s| {
                            let (center, req) = (&center, &one_ticket);
                            let hs: Vec<_> = (0..BUYERS)
                                .map(|t| {
                                    s.spawn(move || {
                                        let mut n = 0;
                                        for i in 0.. {
                                            match center.sell(
                                                &Principal::Distributor(D),
                                                &format!("b{t}-{i}"),
                                                fixtures::EVENT,
                                                req,
                                            ) {
                                                Ok(_) => n += 1,
                                                Err(eticket_center::Error::SoldOut { .. }) => break,
                                                Err(e) => panic!("{e}"),
                                            }
                                        }
                                        n
                                    })
                                })
                                .collect();
                            hs.into_iter().map(|h| h.join().unwrap()).sum()
                        });
                        total += start.elapsed();
                        assert_eq!(sold, SEATS as usize);
                    }
                    total
                })
            },
        );
    }
    // What the HTTP writer does with a round of queued sales: decided
    // together, 64 at a time, one commit each.
    g.bench_function(format!("sqlite_{SEATS}_sales_decided_together_64"), |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let mut dir = Dir(None, None);
                let center = fresh(true, &mut dir);
                let start = Instant::now();
                let mut sold = 0;
                for round in 0..SEATS as usize / BUYERS {
                    let jobs: Vec<SaleJob> = (0..BUYERS)
                        .map(|t| SaleJob {
                            who: Principal::Distributor(D),
                            key: format!("b{t}-{round}"),
                            event: fixtures::EVENT,
                            req: one_ticket.clone(),
                        })
                        .collect();
                    let answers = center.sell_together(&jobs).unwrap();
                    sold += answers.iter().filter(|a| a.is_ok()).count();
                }
                total += start.elapsed();
                assert_eq!(sold, SEATS as usize);
            }
            total
        })
    });
    g.finish();
}

/// HTTP on loopback: a real `axum` server, 8 concurrent clients, one seat per
/// `POST /v1/events/{event}/sales` (each a durable commit), until 400 are gone.
fn http_sales(c: &mut Criterion) {
    let mut g = c.benchmark_group("http");
    g.sample_size(10);
    const SEATS: u32 = 400;
    g.throughput(Throughput::Elements(u64::from(SEATS)));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    g.bench_function("sqlite_sales_8_clients_400_seats", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let dir = tempfile::tempdir().unwrap();
                let clock = Arc::new(ManualClock::new(fixtures::NOW.minus(86_400)));
                let center = Center::open_with(Ledger::sqlite(dir.path().join("http.sqlite")).unwrap(), clock, Config::default()).unwrap();
                let (op, org) = (Principal::Operator, Principal::Organizer(1));
                center.register_distributor(&op, "d", D, "D").unwrap();
                center.register_event(&org, "r", &event(SEATS)).unwrap();
                center.select_distributor(&org, "s", fixtures::EVENT, D, DistributionPolicy::default()).unwrap();
                let shares = vec![RatioShare { distributor: D, weight: 1, seat_type: None }];
                center.set_allotment_ratios(&org, "a", fixtures::EVENT, &AllotmentRatios { shares }).unwrap();
                let token = center.issue_credential(&op, Principal::Distributor(D), "bench").unwrap();
                let center = Arc::new(center);
                total += rt.block_on(async {
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                    let url = format!("http://{}/v1/events/2026/sales", listener.local_addr().unwrap());
                    let server = tokio::spawn(eticket_center::http::serve(center, listener));
                    let http = reqwest::Client::new();
                    let start = Instant::now();
                    let clients: Vec<_> = (0..8)
                        .map(|t| {
                            let (http, url, token) = (http.clone(), url.clone(), token.clone());
                            tokio::spawn(async move {
                                for i in 0.. {
                                    let resp = http
                                        .post(&url)
                                        .bearer_auth(&token)
                                        .header("Idempotency-Key", format!("c{t}-{i}"))
                                        .json(&serde_json::json!({"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}))
                                        .send()
                                        .await
                                        .unwrap();
                                    if resp.status() == reqwest::StatusCode::CONFLICT {
                                        break;
                                    }
                                    assert!(resp.status().is_success());
                                }
                            })
                        })
                        .collect();
                    for c in clients {
                        c.await.unwrap();
                    }
                    let elapsed = start.elapsed();
                    server.abort();
                    elapsed
                });
            }
            total
        })
    });
    g.finish();
}

/// Issuance over HTTP on loopback: 8 clients each `POST …/tickets/{serial}/issue`
/// with a chip target (ticket and write grant signed, one commit per request)
/// until 400 sold tickets are issued; and 4 clients issuing 2000 tickets in
/// `POST …/issuance` batches of 100.
fn http_issuance(c: &mut Criterion) {
    let mut g = c.benchmark_group("http");
    g.sample_size(10);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    for (name, tickets, clients, per_request) in [
        ("sqlite_issue_8_clients_400_tickets", 400u32, 8usize, 1usize),
        (
            "sqlite_issue_batches_of_100_4_clients_2000_tickets",
            2000,
            4,
            100,
        ),
    ] {
        g.throughput(Throughput::Elements(u64::from(tickets)));
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let (center, dir, serials) = sold_center(tickets, false);
                    let token = center
                        .issue_credential(&Principal::Operator, Principal::Distributor(D), "bench")
                        .unwrap();
                    let center = Arc::new(center);
                    total += rt.block_on(async {
                        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                        let base = format!("http://{}/v1/events/2026", listener.local_addr().unwrap());
                        let server = tokio::spawn(eticket_center::http::serve(center, listener));
                        let http = reqwest::Client::new();
                        // Requests prepared before the clock starts: (path, body).
                        let requests: Vec<(String, serde_json::Value)> = if per_request == 1 {
                            serials
                                .iter()
                                .enumerate()
                                .map(|(k, s)| {
                                    let chip = ChipId([u8::try_from(k / 100 % 251).unwrap(); 16]);
                                    (
                                        format!("{base}/tickets/{}/issue", s.0),
                                        serde_json::json!({"target": {"chip": chip.to_string(), "counter": 0, "slot": 0}}),
                                    )
                                })
                                .collect()
                        } else {
                            serials
                                .chunks(per_request)
                                .map(|part| {
                                    let ids: Vec<u32> = part.iter().map(|s| s.0).collect();
                                    (format!("{base}/issuance"), serde_json::json!({ "serials": ids }))
                                })
                                .collect()
                        };
                        let requests = Arc::new(requests);
                        let start = Instant::now();
                        let handles: Vec<_> = (0..clients)
                            .map(|t| {
                                let (http, token, requests) = (http.clone(), token.clone(), requests.clone());
                                tokio::spawn(async move {
                                    for (i, (url, body)) in requests.iter().enumerate().skip(t).step_by(clients) {
                                        let resp = http
                                            .post(url)
                                            .bearer_auth(&token)
                                            .header("Idempotency-Key", format!("issue-{i}"))
                                            .json(body)
                                            .send()
                                            .await
                                            .unwrap();
                                        assert!(resp.status().is_success(), "{}", resp.text().await.unwrap());
                                    }
                                })
                            })
                            .collect();
                        for h in handles {
                            h.await.unwrap();
                        }
                        let elapsed = start.elapsed();
                        server.abort();
                        elapsed
                    });
                    drop(dir);
                }
                total
            })
        });
    }
    g.finish();
}

/// Seat holds in the ledger, one request at a time on a SQLite ledger, on an
/// event of 1000 Category A seats in distributor 1's allotment: a hold of
/// the 2 best available seats (eticket-alloc's `find_best` over the
/// allotment's available tickets) then its release (one iteration: hold +
/// release; the event never runs out), and a hold then its confirmation as a
/// sale (one iteration: hold + confirm; a fresh event, set up outside the
/// timing, whenever the seats run out).
fn holds(c: &mut Criterion) {
    const SEATS: u32 = 1000;
    let mut g = c.benchmark_group("holds");
    g.sample_size(20);
    let shop = Principal::Distributor(D);
    let two_best = HoldRequest {
        seats: SeatChoice::BestAvailable {
            seat_type: Some(fixtures::CAT_A),
            quantity: 2,
        },
        buyer: HoldBuyer::Reference("bench".into()),
    };
    let paper = HoldConfirm {
        holder: Holder::Paper,
        member: None,
    };
    {
        let (center, _dir) = allotted_center(SEATS, false);
        let mut k = 0u64;
        g.bench_function("sqlite_hold_2_best_release", |b| {
            b.iter(|| {
                k += 1;
                let hold = center
                    .hold(&shop, &format!("h{k}"), fixtures::EVENT, &two_best)
                    .unwrap();
                assert_eq!(hold.serials.len(), 2);
                center
                    .release_hold(&shop, &format!("r{k}"), fixtures::EVENT, &hold.token)
                    .unwrap();
            })
        });
    }
    g.bench_function("sqlite_hold_2_best_confirm", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            let mut left = iters;
            while left > 0 {
                let (center, dir) = allotted_center(SEATS, false);
                let n = left.min(u64::from(SEATS / 2));
                left -= n;
                let start = Instant::now();
                for k in 0..n {
                    let hold = center
                        .hold(&shop, &format!("h{k}"), fixtures::EVENT, &two_best)
                        .unwrap();
                    let sale = center
                        .confirm_hold(
                            &shop,
                            &format!("c{k}"),
                            fixtures::EVENT,
                            &hold.token,
                            &paper,
                        )
                        .unwrap();
                    assert_eq!(sale.records.len(), 2);
                }
                total += start.elapsed();
                drop((center, dir));
            }
            total
        })
    });
    g.finish();
}

/// `authenticate`: a bearer token checked from the process's memory (the
/// default: the ledger's credentials version read at most once a second)
/// against a ledger read on every request (`credential_check_millis: 0`, the
/// cost every request paid before credentials were remembered), on SQLite
/// and PostgreSQL.
fn authenticate(c: &mut Criterion) {
    let mut g = c.benchmark_group("authenticate");
    for pg in [false, true] {
        for (name, check_millis) in [("remembered", 1000), ("ledger_read_each", 0)] {
            let mut dir = Dir(None, None);
            let config = Config {
                credential_check_millis: check_millis,
                ..Config::default()
            };
            let center = open_center(pg, config, &mut dir);
            center
                .register_distributor(&Principal::Operator, "d", D, "Shop")
                .unwrap();
            let token = center
                .issue_credential(&Principal::Operator, Principal::Distributor(D), "bench")
                .unwrap();
            let backend = if pg { "postgres" } else { "sqlite" };
            g.bench_function(format!("{backend}_{name}"), |b| {
                b.iter(|| center.authenticate(&token).unwrap());
            });
            drop((center, dir));
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    issuance,
    concurrent_purchases,
    onsale_in_process,
    http_sales,
    http_issuance,
    holds,
    authenticate
);
criterion_main!(benches);
