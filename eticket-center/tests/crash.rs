//! Crash tests with a real process: `eticket serve` on a SQLite file is killed
//! with SIGKILL while clients sell, issue, transfer, and hold, buy or release
//! seats; a new process on the same file then gets every request again with
//! the same idempotency keys.
//! Nothing sold or issued is lost or duplicated, every retried request gets
//! the first answer, and every transfer is done or not begun with exactly one
//! valid holder.

mod common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use common::TestChip;
use eticket_center::store::Store;
use eticket_center::{Center, Principal};
use eticket_core::fixtures;
use eticket_core::ids::{Generation, TicketSerial};
use eticket_core::transfer::TransferRequest;
use serde_json::{Value, json};

fn eticket(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .arg("--database")
        .arg(db)
        .args(["--cooling-off-secs", "0"])
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "eticket {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Kills the server when a failing test unwinds.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(db: &Path) -> (Server, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .arg("--database")
        .arg(db)
        .args([
            "--cooling-off-secs",
            "0",
            "serve",
            "--listen",
            "127.0.0.1:0",
            // No background completion: the test's own requests complete
            // the transfers, so the kill interrupts them and nothing else.
            "--transfer-interval",
            "86400",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_owned();
    (Server(child), url)
}

/// POST with an idempotency key; `None` when the connection or the answer
/// was cut (the center was killed), and a failed test for any error answer.
async fn post_keyed(
    http: reqwest::Client,
    token: String,
    base: String,
    path: String,
    key: String,
    body: Option<Value>,
) -> Option<Value> {
    let mut req = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("Idempotency-Key", key);
    if let Some(body) = body {
        req = req.json(&body);
    }
    let resp = req.send().await.ok()?;
    let ok = resp.status().is_success();
    let v: Value = resp.json().await.ok()?;
    assert!(ok, "{path}: {v}");
    Some(v)
}

/// Run every request at once, counting in `answered` each that got an
/// answer; the answers in request order (`None`: cut off).
async fn run_counting<F>(requests: Vec<F>, answered: &Arc<AtomicUsize>) -> Vec<Option<Value>>
where
    F: std::future::Future<Output = Option<Value>> + Send + 'static,
{
    let handles: Vec<_> = requests
        .into_iter()
        .map(|fut| {
            let answered = answered.clone();
            tokio::spawn(async move {
                let v = fut.await;
                if v.is_some() {
                    answered.fetch_add(1, Ordering::SeqCst);
                }
                v
            })
        })
        .collect();
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

/// Send every request at once and SIGKILL the center as soon as `after` of
/// them were answered; the answers in request order (`None`: cut off).
fn fire_and_kill<F>(
    rt: &tokio::runtime::Runtime,
    server: Server,
    after: usize,
    requests: Vec<F>,
) -> Vec<Option<Value>>
where
    F: std::future::Future<Output = Option<Value>> + Send + 'static,
{
    rt.block_on(async {
        let answered = Arc::new(AtomicUsize::new(0));
        let seen = answered.clone();
        let killer = tokio::spawn(async move {
            while seen.load(Ordering::SeqCst) < after {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            drop(server);
        });
        let out = run_counting(requests, &answered).await;
        // Fewer answers than `after`: stop waiting (the server goes with it).
        killer.abort();
        let _ = killer.await;
        out
    })
}

/// The `i`th of many requests, sent `2 * i` ms after the first: sent all at
/// once, one group commit answers them together and a kill after the first
/// few answers comes after the last.
async fn apart<F: std::future::Future>(i: usize, request: F) -> F::Output {
    tokio::time::sleep(Duration::from_millis(2 * i as u64)).await;
    request.await
}

/// The clients' runtime.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// One client request and its idempotent identity.
#[derive(Clone)]
enum Req {
    Sell(usize),
    Issue(usize, u32),
}

async fn send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    req: &Req,
    chip: &TestChip,
) -> Option<Value> {
    try_send(http, base, token, req, chip).await.ok()
}

async fn try_send(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    req: &Req,
    chip: &TestChip,
) -> Result<Value, String> {
    let (path, key, body) = match req {
        Req::Sell(i) => (
            "/v1/events/2026/sales".to_owned(),
            format!("sell-{i}"),
            json!({"seats": {"best_available": {"quantity": 1 + i % 2}}, "holder": format!("chip:{}", chip.id)}),
        ),
        Req::Issue(i, serial) => (
            format!("/v1/events/2026/tickets/{serial}/issue"),
            format!("issue-{i}-{serial}"),
            json!({}),
        ),
    };
    let resp = http
        .post(format!("{base}{path}"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .map_err(|e| format!("{path}: {e}"))?;
    let status = resp.status();
    let v: Value = resp.json().await.map_err(|e| format!("{path}: {e}"))?;
    assert!(status.is_success(), "{path}: {v}");
    Ok(v)
}

/// A SQLite center file with the small event, all of it allotted to
/// distributor 1; returns the file and the distributor's token.
fn prepared_ledger(dir: &Path) -> (std::path::PathBuf, String) {
    let db = dir.join("center.sqlite");
    let token = common::cli::shop_event(&|args| eticket(&db, args), dir, None);
    (db, token)
}

#[test]
fn kill_9_during_sales_issuance_and_transfers() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = prepared_ledger(dir.path());
    let chip = TestChip::new(0x41);
    let rt = runtime();
    let http = reqwest::Client::new();
    let mut first: HashMap<String, Value> = HashMap::new();
    let key_of = |r: &Req| match r {
        Req::Sell(i) => format!("sell-{i}"),
        Req::Issue(i, s) => format!("issue-{i}-{s}"),
    };
    // Three rounds: serve, fire requests concurrently, SIGKILL mid-stream.
    let mut all: Vec<Req> = Vec::new();
    let mut unanswered = 0;
    for round in 0..3usize {
        let (child, addr) = serve(&db);
        let base = addr.clone();
        let reqs: Vec<Req> = (round * 20..round * 20 + 20).map(Req::Sell).collect();
        all.extend(reqs.iter().cloned());
        let results: Vec<(Req, Option<Value>)> = rt.block_on(async {
            // SIGKILL as soon as a few answers came back, with many requests in flight.
            let answered = Arc::new(AtomicUsize::new(0));
            let seen = answered.clone();
            let killer = tokio::spawn(async move {
                while seen.load(Ordering::SeqCst) < 4 + 3 * round {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                drop(child);
            });
            let mut handles = Vec::new();
            for r in reqs {
                let (http, base, token, chip) = (
                    http.clone(),
                    base.clone(),
                    token.clone(),
                    TestChip::new(0x41),
                );
                let answered = answered.clone();
                handles.push(tokio::spawn(async move {
                    let sold = send(&http, &base, &token, &r, &chip).await;
                    if sold.is_some() {
                        answered.fetch_add(1, Ordering::SeqCst);
                    }
                    let mut out = vec![(r.clone(), sold.clone())];
                    if let (Req::Sell(i), Some(v)) = (&r, sold) {
                        for rec in v["records"].as_array().unwrap() {
                            let serial = rec["serial"].as_u64().unwrap() as u32;
                            let issue = Req::Issue(*i, serial);
                            out.push((
                                issue.clone(),
                                send(&http, &base, &token, &issue, &chip).await,
                            ));
                        }
                    }
                    out
                }));
            }
            let mut all = Vec::new();
            for h in handles {
                all.extend(h.await.unwrap());
            }
            killer.await.unwrap();
            all
        });
        for (r, v) in results {
            if let Req::Issue(..) = r {
                all.push(r.clone());
            }
            match v {
                Some(v) => {
                    first.insert(key_of(&r), v);
                }
                None => unanswered += 1,
            }
        }
    }
    assert!(unanswered > 0, "the kill interrupted no request");
    // A new process on the same file: every request again, same keys.
    let (child, addr) = serve(&db);
    let base = addr.clone();
    let mut sold: HashMap<u32, String> = HashMap::new();
    let mut issued: HashSet<u32> = HashSet::new();
    rt.block_on(async {
        let mut queue = all.clone();
        let mut i = 0;
        while i < queue.len() {
            let r = queue[i].clone();
            let v = try_send(&http, &base, &token, &r, &chip)
                .await
                .unwrap_or_else(|e| panic!("the restarted center answers: {e}"));
            if let Some(before) = first.get(&key_of(&r)) {
                assert_eq!(&v, before, "a retried request must get its first answer");
            }
            match &r {
                Req::Sell(n) => {
                    for rec in v["records"].as_array().unwrap() {
                        let serial = rec["serial"].as_u64().unwrap() as u32;
                        assert!(
                            sold.insert(serial, key_of(&r)).is_none(),
                            "ticket {serial} sold twice"
                        );
                        let issue = Req::Issue(*n, serial);
                        if !queue.iter().any(|q| key_of(q) == key_of(&issue)) {
                            queue.push(issue);
                        }
                    }
                }
                Req::Issue(_, serial) => {
                    assert!(issued.insert(*serial), "ticket {serial} issued twice");
                }
            }
            i += 1;
        }
    });
    drop(child);
    // Transfers: request 40 (the cooling-off is 0), then fire every
    // completion at once and SIGKILL the center after the second answer.
    let sold_serials: Vec<u32> = {
        let mut v: Vec<u32> = sold.keys().copied().collect();
        v.sort_unstable();
        v.truncate(40);
        v
    };
    let center = Center::open_sqlite(&db).unwrap();
    let to = TestChip::new(0x42);
    let mut transfers = Vec::new();
    for s in &sold_serials {
        let t = center
            .issued_ticket(fixtures::EVENT, TicketSerial(*s))
            .unwrap()
            .unwrap();
        let req = TransferRequest {
            event: fixtures::EVENT,
            serial: TicketSerial(*s),
            generation: Generation(0),
            ticket_hash: eticket_core::grant::payload_hash(&t.ticket),
            from: chip.id,
            to: to.id,
            nonce: u64::from(*s),
            requested_at: center.now(),
        };
        transfers.push(json!({"request": hex::encode(req.sign(&chip.secret).unwrap()), "assignor_public_key": hex::encode(chip.public())}));
    }
    drop(center);
    let post = |base: String, path: String, key: String, body: Option<Value>| {
        post_keyed(http.clone(), token.clone(), base, path, key, body)
    };
    let (child, base) = serve(&db);
    let ids: Vec<String> = rt.block_on(async {
        let mut ids = Vec::new();
        for (i, body) in transfers.iter().enumerate() {
            let v = post(
                base.clone(),
                "/v1/transfers".into(),
                format!("transfer-{i}"),
                Some(body.clone()),
            )
            .await
            .unwrap();
            assert_eq!(v["state"], "pending", "{v}");
            ids.push(v["id"].as_str().unwrap().to_owned());
        }
        ids
    });
    drop(child);
    let complete = |base: String, id: &str| {
        post(
            base,
            format!("/v1/transfers/{id}/complete"),
            format!("complete-{id}"),
            None,
        )
    };
    let (child, base) = serve(&db);
    let completions = ids.iter().map(|id| complete(base.clone(), id)).collect();
    let first_completions = fire_and_kill(&rt, child, 2, completions);
    let answered = first_completions.iter().filter(|v| v.is_some()).count();
    assert!(answered < ids.len(), "the kill interrupted no transfer");
    // On disk before any retry: every transfer done or not begun, never half.
    let center = Center::open_sqlite(&db).unwrap();
    let mut done = 0;
    for (s, id) in sold_serials.iter().zip(&ids) {
        let valid = center
            .issued_ticket(fixtures::EVENT, TicketSerial(*s))
            .unwrap()
            .expect("every ticket keeps a valid generation");
        let state = center.transfer(&Principal::Operator, id).unwrap().state;
        match valid.generation.0 {
            0 => {
                assert_eq!(valid.holder, eticket_core::ticket::Holder::Chip(chip.id));
                assert_eq!(state, "pending", "ticket {s}");
            }
            1 => {
                assert_eq!(valid.holder, eticket_core::ticket::Holder::Chip(to.id));
                assert_eq!(state, "completed", "ticket {s}");
                done += 1;
            }
            g => panic!("ticket {s} at generation {g}"),
        }
    }
    let stats = center
        .event_stats(&Principal::Operator, fixtures::EVENT)
        .unwrap();
    assert_eq!(
        stats.revocation_version as usize, done,
        "one revocation per completed transfer"
    );
    assert!(done >= answered, "an answered completion is on disk");
    drop(center);
    // Retries under the same keys: each transfer completes once, and the ones
    // answered before the kill answer the same again.
    let (child, base) = serve(&db);
    rt.block_on(async {
        for (id, first) in ids.iter().zip(&first_completions) {
            let v = complete(base.clone(), id).await.unwrap();
            assert_eq!(v["ticket"]["generation"], 1, "{v}");
            if let Some(first) = first {
                assert_eq!(&v, first);
            }
        }
    });
    drop(child);
    // The ledger itself: one valid generation per issued ticket, each transferred ticket
    // held by the assignee only, and its old generation on the revocation list.
    let center = Center::open_sqlite(&db).unwrap();
    let stats = center
        .event_stats(&Principal::Operator, fixtures::EVENT)
        .unwrap();
    assert_eq!(stats.valid_issued as usize, issued.len());
    assert_eq!(stats.revocation_version as usize, sold_serials.len());
    let authenticated: u32 = stats
        .counts
        .iter()
        .filter(|c| c.1 != "available")
        .map(|c| c.2)
        .sum();
    assert_eq!(authenticated as usize, sold.len());
    for s in &sold_serials {
        let valid = center
            .issued_ticket(fixtures::EVENT, TicketSerial(*s))
            .unwrap()
            .unwrap();
        assert_eq!(valid.generation, Generation(1));
        assert_eq!(valid.holder, eticket_core::ticket::Holder::Chip(to.id));
    }
    let dupes = center
        .ledger()
        .transaction(&mut |tx| tx.query("SELECT serial FROM issued WHERE status = 'valid' GROUP BY event, serial HAVING COUNT(*) > 1", &[]))
        .unwrap();
    assert!(dupes.is_empty());
}

/// Batches of sold tickets are issued over HTTP while the server is killed;
/// after the kill every batch is issued whole or not at all, and after the
/// retries every ticket is issued exactly once with the first answers.
#[test]
fn kill_9_during_batch_issuance() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = prepared_ledger(dir.path());
    let chip = TestChip::new(0x43);
    let rt = runtime();
    let http = reqwest::Client::new();
    let post = |base: String, path: String, key: String, body: Value| {
        post_keyed(http.clone(), token.clone(), base, path, key, Some(body))
    };
    // Sell all 130 seats, in 13 sales of 10, before any kill.
    let (child, base) = serve(&db);
    let batches: Vec<Vec<u64>> = rt.block_on(async {
        let mut out = Vec::new();
        for i in 0..13 {
            let body = json!({"seats": {"best_available": {"quantity": 10}}, "holder": format!("chip:{}", chip.id)});
            let v = post(base.clone(), "/v1/events/2026/sales".into(), format!("s{i}"), body)
                .await
                .unwrap();
            out.push(
                v["records"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|r| r["serial"].as_u64().unwrap())
                    .collect(),
            );
        }
        out
    });
    drop(child);
    let issue = |base: String, i: usize, serials: &[u64]| {
        post(
            base,
            "/v1/events/2026/issuance".into(),
            format!("batch-{i}"),
            json!({ "serials": serials }),
        )
    };
    // Fire every batch at once and SIGKILL after the second answer.
    let (child, base) = serve(&db);
    let requests = batches
        .iter()
        .enumerate()
        .map(|(i, serials)| issue(base.clone(), i, serials))
        .collect();
    let first = fire_and_kill(&rt, child, 2, requests);
    assert!(
        first.iter().any(Option::is_none),
        "the kill interrupted no batch"
    );
    // On disk: each batch whole or absent.
    let center = Center::open_sqlite(&db).unwrap();
    for (i, serials) in batches.iter().enumerate() {
        let issued = serials
            .iter()
            .filter(|s| {
                center
                    .issued_ticket(fixtures::EVENT, TicketSerial(**s as u32))
                    .unwrap()
                    .is_some()
            })
            .count();
        assert!(
            issued == 0 || issued == serials.len(),
            "batch {i}: {issued} of {} issued",
            serials.len()
        );
        if first[i].is_some() {
            assert_eq!(issued, serials.len(), "an answered batch {i} is on disk");
        }
    }
    drop(center);
    // Retry every batch with its key on a new process.
    let (child, base) = serve(&db);
    rt.block_on(async {
        for (i, serials) in batches.iter().enumerate() {
            let v = issue(base.clone(), i, serials)
                .await
                .expect("the restarted center answers");
            if let Some(before) = &first[i] {
                assert_eq!(&v, before, "batch {i} must get its first answer");
            }
            let got: Vec<u64> = v["tickets"]
                .as_array()
                .unwrap()
                .iter()
                .map(|t| t["serial"].as_u64().unwrap())
                .collect();
            assert_eq!(&got, serials);
        }
    });
    drop(child);
    let center = Center::open_sqlite(&db).unwrap();
    let stats = center
        .event_stats(&Principal::Operator, fixtures::EVENT)
        .unwrap();
    assert_eq!(stats.valid_issued, 130);
    assert_eq!(
        stats.counts,
        vec![(
            Some(eticket_core::ids::DistributorId(1)),
            "issued".to_owned(),
            130
        )]
    );
}

/// The state of each ticket of the small event, and the hold each held
/// seat belongs to, read from the ledger file.
fn ticket_states(db: &Path) -> (HashMap<u32, String>, HashMap<u32, String>) {
    let center = Center::open_sqlite(db).unwrap();
    center
        .ledger()
        .transaction(&mut |tx| {
            let mut states = HashMap::new();
            for r in tx.query("SELECT serial, state FROM tickets WHERE event = 2026", &[])? {
                states.insert(r.num::<u32>(0)?, r.text(1)?.to_owned());
            }
            let mut held_by = HashMap::new();
            for r in tx.query(
                "SELECT s.serial, h.token FROM hold_seats s JOIN holds h ON h.token = s.token WHERE s.event = 2026",
                &[],
            )? {
                held_by.insert(r.num::<u32>(0)?, r.text(1)?.to_owned());
            }
            Ok((states, held_by))
        })
        .unwrap()
}

/// Every held seat is in exactly one hold and every seat of a hold is held:
/// nothing half-held, whatever the kill interrupted.
fn assert_holds_consistent(db: &Path) -> (HashMap<u32, String>, HashMap<u32, String>) {
    let (states, held_by) = ticket_states(db);
    assert_eq!(states.len(), 130);
    for (serial, state) in &states {
        assert_eq!(
            state == "held",
            held_by.contains_key(serial),
            "ticket {serial} is {state} and {} a hold",
            if held_by.contains_key(serial) {
                "in"
            } else {
                "not in"
            }
        );
    }
    (states, held_by)
}

/// Buyers hold seats over HTTP while the center is killed; then holds are
/// bought or released while it is killed again. After each kill every hold
/// is whole or absent on disk (an answered one present), and after retries
/// under the same keys each hold answers as first, each seat is sold once or
/// back on sale, and no seat stays held.
#[test]
fn kill_9_during_holds() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = prepared_ledger(dir.path());
    let rt = runtime();
    let http = reqwest::Client::new();
    let post = |base: String, path: String, key: String, body: Value| {
        post_keyed(http.clone(), token.clone(), base, path, key, Some(body))
    };
    let buyers = 26usize;
    let hold = |base: String, i: usize| {
        post(
            base,
            "/v1/events/2026/holds".into(),
            format!("hold-{i}"),
            json!({"seats": {"best_available": {"quantity": 1 + i % 3}}, "buyer": {"reference": format!("buyer-{i}")}}),
        )
    };
    // The buyers a few milliseconds apart (all at once, one group commit
    // answers them together and the kill comes after the last); SIGKILL
    // after the fifth answer.
    let (child, base) = serve(&db);
    let requests = (0..buyers)
        .map(|i| apart(i, hold(base.clone(), i)))
        .collect();
    let first = fire_and_kill(&rt, child, 5, requests);
    assert!(
        first.iter().any(Option::is_none),
        "the kill interrupted no hold"
    );
    let (_, held_by) = assert_holds_consistent(&db);
    for v in first.iter().flatten() {
        let token = v["token"].as_str().unwrap();
        for s in v["serials"].as_array().unwrap() {
            let serial = s.as_u64().unwrap() as u32;
            assert_eq!(
                held_by.get(&serial).map(String::as_str),
                Some(token),
                "an answered hold is on disk"
            );
        }
    }
    // Retry every hold under its key: the answered ones answer the same.
    let (child, base) = serve(&db);
    let holds: Vec<Value> = rt.block_on(async {
        let mut out = Vec::new();
        for (i, first) in first.iter().enumerate() {
            let v = hold(base.clone(), i)
                .await
                .expect("the restarted center answers");
            if let Some(before) = first {
                assert_eq!(&v, before, "hold {i} must get its first answer");
            }
            out.push(v);
        }
        out
    });
    drop(child);
    let (_, held_by) = assert_holds_consistent(&db);
    let in_holds: usize = holds
        .iter()
        .map(|h| h["serials"].as_array().unwrap().len())
        .sum();
    assert_eq!(
        held_by.len(),
        in_holds,
        "exactly the answered holds' seats are held"
    );
    // Even buyers buy, odd buyers let go, a few milliseconds apart; SIGKILL
    // after the third answer.
    let settle = |base: String, i: usize, token: &str| {
        if i % 2 == 0 {
            post(
                base,
                format!("/v1/events/2026/holds/{token}/confirm"),
                format!("confirm-{i}"),
                json!({"holder": "paper"}),
            )
        } else {
            post(
                base,
                format!("/v1/events/2026/holds/{token}/release"),
                format!("release-{i}"),
                json!({}),
            )
        }
    };
    let (child, base) = serve(&db);
    let requests = holds
        .iter()
        .enumerate()
        .map(|(i, h)| apart(i, settle(base.clone(), i, h["token"].as_str().unwrap())))
        .collect();
    let settled = fire_and_kill(&rt, child, 3, requests);
    assert!(
        settled.iter().any(Option::is_none),
        "the kill interrupted nothing"
    );
    let (states, held_by) = assert_holds_consistent(&db);
    for (i, h) in holds.iter().enumerate() {
        let token = h["token"].as_str().unwrap();
        let serials: Vec<u32> = h["serials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_u64().unwrap() as u32)
            .collect();
        let seen: HashSet<&str> = serials.iter().map(|s| states[s].as_str()).collect();
        assert_eq!(seen.len(), 1, "hold {i}'s seats are in one state: {seen:?}");
        let state = *seen.iter().next().unwrap();
        let expect_done = if i % 2 == 0 {
            "authenticated"
        } else {
            "available"
        };
        assert!(state == "held" || state == expect_done, "hold {i}: {state}");
        if state == "held" {
            assert!(serials.iter().all(|s| held_by[s] == token));
        }
        if settled[i].is_some() {
            assert_eq!(state, expect_done, "an answered settlement {i} is on disk");
        }
    }
    // Retries finish the job with the first answers.
    let (child, base) = serve(&db);
    rt.block_on(async {
        for (i, h) in holds.iter().enumerate() {
            let v = settle(base.clone(), i, h["token"].as_str().unwrap())
                .await
                .expect("the restarted center answers");
            if let Some(before) = &settled[i] {
                assert_eq!(&v, before, "settlement {i} must get its first answer");
            }
        }
    });
    drop(child);
    let (states, held_by) = assert_holds_consistent(&db);
    assert!(held_by.is_empty(), "no seat stays held");
    let bought: usize = holds
        .iter()
        .enumerate()
        .filter(|(i, _)| i % 2 == 0)
        .map(|(_, h)| h["serials"].as_array().unwrap().len())
        .sum();
    let sold = states.values().filter(|s| *s == "authenticated").count();
    assert_eq!(sold, bought, "each bought seat sold once, nothing else");
    assert_eq!(
        states.values().filter(|s| *s == "available").count(),
        130 - bought
    );
    let center = Center::open_sqlite(&db).unwrap();
    let left = center
        .ledger()
        .transaction(&mut |tx| {
            tx.query(
                "SELECT token FROM holds h
                 WHERE EXISTS (SELECT 1 FROM hold_seats s WHERE s.token = h.token)",
                &[],
            )
        })
        .unwrap();
    assert!(left.is_empty(), "no hold keeps seats: {left:?}");
}

/// One-ticket sales fired all at once share group commits; the center is
/// killed while a group's transaction is open (another connection finds the
/// file's write lock taken), with sales answered before it and others in
/// flight. On disk: every answered sale, with its seat and buyer, no seat
/// sold twice; retried with their keys on a new process, the answered sales
/// get their first answers and the others go through once.
#[test]
fn kill_9_in_the_middle_of_a_group_commit() {
    let rt = runtime();
    let http = reqwest::Client::new();
    let sales = 120usize;
    let sale = |token: &str, base: String, i: usize| {
        let body = json!({
            "seats": {"best_available": {"quantity": 1}},
            "holder": format!("chip:{:032x}", i + 1),
        });
        post_keyed(
            http.clone(),
            token.to_owned(),
            base,
            "/v1/events/2026/sales".into(),
            format!("g{i}"),
            Some(body),
        )
    };
    // A group's transaction is open for a short while only: on a busy
    // machine the probe may miss every one of them. Then all sales were
    // answered, nothing was interrupted, and the round starts again on a
    // fresh ledger.
    let mut caught = None;
    for _round in 0..8 {
        let dir = tempfile::tempdir().unwrap();
        let (db, token) = prepared_ledger(dir.path());
        let (child, base) = serve(&db);
        let (first, saw_open_group) = rt.block_on(async {
            let answered = Arc::new(AtomicUsize::new(0));
            let seen = answered.clone();
            let probe_db = db.clone();
            let killer = tokio::task::spawn_blocking(move || {
                let probe = rusqlite::Connection::open(&probe_db).unwrap();
                probe.busy_timeout(Duration::ZERO).unwrap();
                let deadline = std::time::Instant::now() + Duration::from_secs(30);
                loop {
                    let now = seen.load(Ordering::SeqCst);
                    if now >= sales || std::time::Instant::now() > deadline {
                        drop(child);
                        return false;
                    }
                    if now >= 8 {
                        // The write lock is taken: a group's transaction is open.
                        if probe.execute_batch("BEGIN IMMEDIATE").is_err() {
                            drop(child);
                            return true;
                        }
                        probe.execute_batch("ROLLBACK").unwrap();
                    }
                    std::thread::sleep(Duration::from_micros(20));
                }
            });
            let requests = (0..sales).map(|i| sale(&token, base.clone(), i)).collect();
            let out = run_counting(requests, &answered).await;
            (out, killer.await.unwrap())
        });
        if saw_open_group {
            caught = Some((dir, db, token, first));
            break;
        }
    }
    let Some((_dir, db, token, first)) = caught else {
        panic!("the center was never seen inside a group in 8 rounds");
    };
    let answered = first.iter().filter(|v| v.is_some()).count();
    assert!(answered >= 8, "{answered} answered before the kill");
    assert!(answered < sales, "the kill interrupted no sale");

    // On disk: each answered sale, as answered.
    let serial_of = |v: &Value| v["records"][0]["serial"].as_u64().unwrap();
    let center = Center::open_sqlite(&db).unwrap();
    let mut seats = HashSet::new();
    for (i, v) in first.iter().enumerate() {
        let Some(v) = v else { continue };
        let serial = serial_of(v);
        assert!(seats.insert(serial), "seat {serial} answered twice");
        let record = center
            .issuing_record(
                fixtures::EVENT,
                TicketSerial(u32::try_from(serial).unwrap()),
            )
            .unwrap()
            .unwrap_or_else(|| panic!("answered sale g{i} is not in the ledger"));
        assert_eq!(
            serde_json::to_value(&record).unwrap()["holder"],
            json!(format!("chip:{:032x}", i + 1))
        );
    }
    drop(center);

    // Every sale again with its key: first answers kept, the rest once.
    let (child, base) = serve(&db);
    let again: Vec<Value> = rt.block_on(async {
        let mut out = Vec::new();
        for i in 0..sales {
            out.push(
                sale(&token, base.clone(), i)
                    .await
                    .expect("the restarted center answers"),
            );
        }
        out
    });
    drop(child);
    let mut serials = HashSet::new();
    for (i, v) in again.iter().enumerate() {
        if let Some(before) = &first[i] {
            assert_eq!(v, before, "sale g{i} must get its first answer");
        }
        assert!(serials.insert(serial_of(v)), "a seat sold twice");
    }
    let center = Center::open_sqlite(&db).unwrap();
    let stats = center
        .event_stats(&Principal::Operator, fixtures::EVENT)
        .unwrap();
    let sold: u32 = stats
        .counts
        .iter()
        .filter(|c| c.1 != "available")
        .map(|c| c.2)
        .sum();
    assert_eq!(sold as usize, sales, "{stats:?}");
}
