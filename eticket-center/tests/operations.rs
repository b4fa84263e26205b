//! Operating `eticket serve` during an on-sale, with a real process: a
//! SIGTERM in the middle of a stream of sales loses no answered sale and
//! ends with status 0; the request log names each request's id, caller,
//! route and status and never a token; metrics are served on their own
//! listener only, with route templates as labels; readiness tells a ledger
//! that does not answer (a locked SQLite file, a PostgreSQL server cut off)
//! from a process that serves, and recovers without a restart.

mod common;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU16, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use eticket_center::Center;
use eticket_core::fixtures;
use eticket_core::ids::TicketSerial;
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Loopback ports these tests listen on: a range of their own, one port
/// per server of this process.
fn free_port() -> u16 {
    static NEXT: AtomicU16 = AtomicU16::new(18500);
    loop {
        let port = NEXT.fetch_add(1, Ordering::SeqCst);
        assert!(port < 18550, "no free port left in 18500-18549");
        if std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

fn eticket(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_eticket"))
        .arg("--database")
        .arg(db)
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

/// A SQLite center with the small event, all of it allotted to distributor
/// 1; the ledger file and the distributor's token.
fn prepared_ledger(dir: &Path) -> (PathBuf, String) {
    let db = dir.join("center.sqlite");
    let token = common::cli::shop_event(&|args| eticket(&db, args), dir, None);
    (db, token)
}

/// `eticket serve` with its stderr in a file; killed if a failing test
/// unwinds.
struct Server {
    child: Option<Child>,
    base: String,
    log: PathBuf,
}

impl Server {
    fn start(db: &Path, dir: &Path, extra: &[&str]) -> Self {
        let port = free_port();
        let log = dir.join(format!("serve-{port}.log"));
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_eticket"))
            .arg("--database")
            .arg(db)
            .args(["serve", "--listen", &listen])
            .args(extra)
            .env_remove("ETICKET_LOG_FORMAT")
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("eticket serve said {line:?}"))
            .to_owned();
        Self {
            child: Some(child),
            base,
            log,
        }
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Send SIGTERM, as a service manager stopping it would.
    fn terminate(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    /// Wait (at most 30 s) for the process to end; its exit status.
    fn wait(&mut self) -> std::process::ExitStatus {
        let mut child = self.child.take().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("eticket serve did not stop within 30 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// What a client saw of one sale.
#[derive(Debug)]
enum Seen {
    /// 2xx, with the serials sold.
    Sold(Vec<u32>),
    /// Another answer: its status and code.
    Refused(StatusCode, String),
    /// No answer (the connection was refused or cut).
    Nothing,
}

async fn sell(http: &reqwest::Client, base: &str, token: &str, key: &str) -> Seen {
    let sent = http
        .post(format!("{base}/v1/events/2026/sales"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&json!({"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}))
        .send()
        .await;
    let Ok(resp) = sent else {
        return Seen::Nothing;
    };
    let status = resp.status();
    let Ok(v) = resp.json::<Value>().await else {
        return Seen::Nothing;
    };
    if status.is_success() {
        let serials = v["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["serial"].as_u64().unwrap() as u32)
            .collect();
        Seen::Sold(serials)
    } else {
        let code = v["error"]["code"].as_str().unwrap_or("").to_owned();
        Seen::Refused(status, code)
    }
}

#[test]
fn sigterm_mid_stream_loses_no_answered_sale() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = prepared_ledger(dir.path());
    let mut server = Server::start(&db, dir.path(), &["--log-format", "json"]);
    let rt = runtime();
    let http = reqwest::Client::new();
    // Eight clients, twelve sales each (fewer than the event's tickets),
    // with the server told to stop after the twentieth answer.
    let answered = Arc::new(AtomicUsize::new(0));
    let pid = server.pid();
    let seen: Vec<(String, Seen)> = rt.block_on(async {
        let mut clients = Vec::new();
        for c in 0..8 {
            let (http, base, token, answered) = (
                http.clone(),
                server.base.clone(),
                token.clone(),
                answered.clone(),
            );
            clients.push(tokio::spawn(async move {
                let mut out = Vec::new();
                for n in 0..12 {
                    let key = format!("sale-{c}-{n}");
                    let seen = sell(&http, &base, &token, &key).await;
                    if matches!(seen, Seen::Sold(_))
                        && answered.fetch_add(1, Ordering::SeqCst) == 19
                    {
                        let status = std::process::Command::new("kill")
                            .args(["-TERM", &pid.to_string()])
                            .status()
                            .unwrap();
                        assert!(status.success());
                    }
                    out.push((key, seen));
                }
                out
            }));
        }
        let mut all = Vec::new();
        for c in clients {
            all.extend(c.await.unwrap());
        }
        all
    });
    let status = server.wait();
    assert!(status.success(), "eticket serve ended with {status}");

    let sold: Vec<(&String, &Vec<u32>)> = seen
        .iter()
        .filter_map(|(k, s)| match s {
            Seen::Sold(serials) => Some((k, serials)),
            _ => None,
        })
        .collect();
    let refused = seen
        .iter()
        .filter(|(_, s)| matches!(s, Seen::Refused(..)))
        .count();
    eprintln!(
        "{} sales answered, {refused} refused while stopping, {} without an answer",
        sold.len(),
        seen.len() - sold.len() - refused
    );
    assert!(sold.len() >= 20, "{seen:?}");
    assert!(
        sold.len() < seen.len(),
        "the stop refused nothing: {seen:?}"
    );
    for (key, s) in &seen {
        match s {
            Seen::Sold(_) | Seen::Nothing => {}
            Seen::Refused(status, code) => assert_eq!(
                (*status, code.as_str()),
                (StatusCode::SERVICE_UNAVAILABLE, "shutting_down"),
                "{key}"
            ),
        }
    }

    // Every answered sale is in the ledger, each ticket once.
    let center = Center::open_sqlite(&db).unwrap();
    let mut serials = HashSet::new();
    for (key, sale) in &sold {
        for serial in *sale {
            assert!(serials.insert(*serial), "ticket {serial} answered twice");
            let record = center
                .issuing_record(fixtures::EVENT, TicketSerial(*serial))
                .unwrap();
            assert!(
                record.is_some(),
                "sale {key} (ticket {serial}) was answered but is not in the ledger"
            );
        }
    }

    // The log: JSON only, a line per answered sale with its caller, and
    // the stop; no token.
    let log = server.log_text();
    assert!(!log.contains(&token), "the log holds the token");
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let sales_logged = lines
        .iter()
        .filter(|l| {
            l["target"] == "eticket::http"
                && l["route"] == "/v1/events/{event}/sales"
                && l["status"] == 200
        })
        .inspect(|l| {
            assert_eq!(l["principal"], "distributor:1", "{l}");
            assert_eq!(l["method"], "POST", "{l}");
            assert_eq!(l["error"], "-", "{l}");
            assert!(
                l["request_id"].as_str().is_some_and(|id| id.len() == 24),
                "{l}"
            );
            assert!(l["duration_ms"].as_f64().is_some(), "{l}");
        })
        .count();
    assert!(
        sales_logged >= sold.len(),
        "{sales_logged} < {}",
        sold.len()
    );
    let said = |message: &str| lines.iter().any(|l| l["message"] == message);
    assert!(said("stopping on a signal"), "{log}");
    assert!(said("stopped"), "{log}");
}

/// The value of the series `series` in a Prometheus text exposition.
fn metric(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' '))
        .map(|v| v.parse().unwrap())
}

#[test]
fn the_request_log_names_the_caller_never_the_token_and_metrics_stay_private() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = prepared_ledger(dir.path());
    let metrics_at = format!("127.0.0.1:{}", free_port());
    let mut server = Server::start(&db, dir.path(), &["--metrics-listen", &metrics_at]);
    let base = server.base.clone();
    let forged = format!("{}x", &token[..token.len() - 1]);
    let rt = runtime();
    let http = reqwest::Client::new();
    let id = rt.block_on(async {
        // A client's own request id comes back and is logged.
        let resp = http
            .get(format!("{base}/v1/keyset"))
            .bearer_auth(&token)
            .header("X-Request-Id", "probe-42")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert_eq!(resp.headers()["x-request-id"], "probe-42");
        // One that is not sane is replaced.
        let resp = http
            .post(format!("{base}/v1/events/2026/sales"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "sale-1")
            .header("X-Request-Id", "two words")
            .json(&json!({"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        let id = resp.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id.len(), 24, "{id}");
        // The same sale again: answered from its key, not counted again.
        let resp = http
            .post(format!("{base}/v1/events/2026/sales"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "sale-1")
            .json(&json!({"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        // A hold, asked twice under its key (counted once), and released.
        for _ in 0..2 {
            let resp = http
                .post(format!("{base}/v1/events/2026/holds"))
                .bearer_auth(&token)
                .header("Idempotency-Key", "hold-1")
                .json(&json!({"seats": {"best_available": {"quantity": 2}}, "buyer": {"reference": "order-1"}}))
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
            let hold: Value = resp.json().await.unwrap();
            let resp = http
                .post(format!("{base}/v1/events/2026/holds/{}/release", hold["token"].as_str().unwrap()))
                .bearer_auth(&token)
                .header("Idempotency-Key", "release-1")
                .send()
                .await
                .unwrap();
            assert_eq!(resp.status(), StatusCode::OK);
        }
        // A forged token, and paths no route serves.
        let resp = http
            .get(format!("{base}/v1/events/2026"))
            .bearer_auth(&forged)
            .header("X-Request-Id", "forged-1")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
        for path in ["/scan-a1b2c3", "/v1/events/2026/nonexistent-xyz", "/metrics"] {
            let resp = http.get(format!("{base}{path}")).send().await.unwrap();
            assert_eq!(resp.status(), StatusCode::NOT_FOUND, "{path}");
        }
        // Ready, and alive.
        let ready: Value = http
            .get(format!("{base}/v1/ready"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(ready["status"], "ready", "{ready}");
        assert_eq!(ready["ledger"], "sqlite", "{ready}");

        // The metrics, on their own listener.
        let resp = http
            .get(format!("http://{metrics_at}/metrics"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::OK);
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/plain; version=0.0.4")
        );
        let text = resp.text().await.unwrap();
        let sales = r#"eticket_http_requests_total{method="POST",route="/v1/events/{event}/sales",status="200"}"#;
        assert_eq!(metric(&text, sales), Some(2.0), "{text}");
        assert_eq!(metric(&text, "eticket_sales_total"), Some(1.0), "{text}");
        assert_eq!(metric(&text, "eticket_tickets_sold_total"), Some(1.0));
        assert_eq!(metric(&text, "eticket_holds_total"), Some(1.0), "{text}");
        assert_eq!(metric(&text, "eticket_seats_held_total"), Some(2.0));
        assert_eq!(metric(&text, "eticket_holds_released_total"), Some(1.0));
        let unmatched = r#"eticket_http_requests_total{method="GET",route="unmatched",status="404"}"#;
        assert_eq!(metric(&text, unmatched), Some(3.0), "{text}");
        assert!(!text.contains("scan-a1b2c3") && !text.contains("nonexistent"));
        let latency = r#"eticket_http_request_duration_seconds_count{method="POST",route="/v1/events/{event}/sales"}"#;
        assert_eq!(metric(&text, latency), Some(2.0), "{text}");
        assert!(text.contains("# TYPE eticket_group_commit_batch_size histogram"));
        assert!(text.contains(r#"eticket_ledger_retries_total{backend="sqlite",cause="busy"}"#));
        let ops_ready = http
            .get(format!("http://{metrics_at}/v1/ready"))
            .send()
            .await
            .unwrap();
        assert_eq!(ops_ready.status(), StatusCode::OK);
        id
    });
    server.terminate();
    assert!(server.wait().success());

    let log = server.log_text();
    assert!(!log.contains(&token), "the log holds the token:\n{log}");
    assert!(
        !log.contains(&forged),
        "the log holds the forged token:\n{log}"
    );
    let line = |id: &str| {
        log.lines()
            .find(|l| l.contains("eticket::http") && l.contains(&format!("request_id={id} ")))
            .unwrap_or_else(|| panic!("no line for {id}:\n{log}"))
            .to_owned()
    };
    let keyset = line("probe-42");
    for part in [
        "principal=distributor:1",
        "method=GET",
        "route=/v1/keyset",
        "status=200",
        "duration_ms=",
    ] {
        assert!(keyset.contains(part), "{part} not in {keyset}");
    }
    let sale = line(&id);
    assert!(sale.contains("route=/v1/events/{event}/sales") && sale.contains("status=200"));
    let refused = line("forged-1");
    assert!(refused.contains("principal=- ") && refused.contains("status=401"));
    assert!(refused.contains("error=unauthorized "), "{refused}");
    assert!(keyset.contains("error=- "), "{keyset}");
    assert!(!log.contains("scan-a1b2c3"), "raw paths are not logged");
}

/// `center` served in this process on a free port.
struct Served {
    base: String,
    http: reqwest::Client,
}

impl Served {
    async fn start(center: Arc<Center>) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", free_port()))
            .await
            .unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(eticket_center::http::serve(center, listener));
        Self {
            base,
            http: reqwest::Client::new(),
        }
    }

    /// GET `route`: its status and JSON body.
    async fn get(&self, route: &str) -> (StatusCode, Value) {
        let resp = self
            .http
            .get(format!("{}{route}", self.base))
            .send()
            .await
            .unwrap();
        let status = resp.status();
        (status, resp.json::<Value>().await.unwrap())
    }
}

/// Readiness answers 503 while the ledger does not answer (another
/// process holds the SQLite file locked), and 200 again once it does;
/// liveness answers throughout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("center.sqlite");
    let served = Served::start(Arc::new(Center::open_sqlite(&db).unwrap())).await;
    let get = |route| served.get(route);
    assert_eq!(get("/v1/ready").await.0, StatusCode::OK);

    let lock = rusqlite::Connection::open(&db).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let started = Instant::now();
    let (status, body) = get("/v1/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    assert!(
        started.elapsed() < Duration::from_secs(9),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(get("/v1/health").await.0, StatusCode::OK);
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);

    // Ready again (the check that timed out may hold the ledger a little longer).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = get("/v1/ready").await;
        if status == StatusCode::OK {
            assert_eq!(body["status"], "ready");
            break;
        }
        assert!(Instant::now() < deadline, "still not ready: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A TCP forwarder standing for the network path to PostgreSQL: it can be
/// cut (listener closed, every forwarded connection shut down) and put back
/// on the same port.
struct PathToPostgres {
    port: u16,
    upstream: String,
    cut: Arc<std::sync::atomic::AtomicBool>,
    live: Arc<std::sync::Mutex<Vec<std::net::TcpStream>>>,
}

impl PathToPostgres {
    fn new(upstream: String) -> Self {
        let path = Self {
            port: free_port(),
            upstream,
            cut: Arc::default(),
            live: Arc::default(),
        };
        path.open();
        path
    }

    /// Accept and forward on `port` until cut.
    fn open(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        self.cut.store(false, SeqCst);
        let listener = std::net::TcpListener::bind(("127.0.0.1", self.port)).unwrap();
        listener.set_nonblocking(true).unwrap();
        let (cut, live, upstream) = (self.cut.clone(), self.live.clone(), self.upstream.clone());
        std::thread::spawn(move || {
            while !cut.load(SeqCst) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                client.set_nonblocking(false).unwrap();
                let Ok(server) = std::net::TcpStream::connect(&upstream) else {
                    continue;
                };
                let mut kept = live.lock().unwrap();
                kept.push(client.try_clone().unwrap());
                kept.push(server.try_clone().unwrap());
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
    }

    /// Cut the path: no new connection, and every open one broken.
    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for s in self.live.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
        // The accept loop notices within its 5 ms poll and drops the listener.
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// On PostgreSQL: readiness answers 503 `not_ready` while the server cannot
/// be reached (the network path cut, its connections broken), liveness
/// answers throughout, and readiness is 200 again once the path is back,
/// without a restart (the center connects again by itself).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readiness_follows_a_postgres_ledger() {
    use eticket_center::keystore::{Kek, KeyStorage, RootStore};
    use eticket_center::store::{Ledger, PostgresStore};
    let url = common::postgres_url();
    // postgres://user:password@host:port/database
    let (head, rest) = url
        .split_once('@')
        .expect("a user in the test database URL");
    let (upstream, database) = rest.split_once('/').expect("a database in the URL");
    let path = PathToPostgres::new(upstream.to_owned());
    let via = format!("{head}@127.0.0.1:{}/{database}", path.port);
    let mut raw = [0u8; 8];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    let schema = format!("t_{}", hex::encode(raw));
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root.key");
    let (opened, at) = (schema.clone(), url.clone());
    let center = tokio::task::spawn_blocking(move || {
        let store = PostgresStore::connect(&via, Some(&opened)).unwrap_or_else(|e| {
            panic!("PostgreSQL is required ({at}): {e}; run scripts/setup/40-postgres.sh")
        });
        Center::open_with_keys(
            Ledger::Postgres(store),
            Arc::new(eticket_center::clock::SystemClock),
            eticket_center::Config::default(),
            KeyStorage::new(Kek::generate(), RootStore::File(root)),
        )
        .unwrap()
    })
    .await
    .unwrap();
    let served = Served::start(Arc::new(center)).await;
    let get = |route| served.get(route);
    let (status, body) = get("/v1/ready").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["ledger"], "postgres", "{body}");

    path.cut();
    let (status, body) = get("/v1/ready").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
    assert_eq!(body["error"]["code"], "not_ready", "{body}");
    assert_eq!(get("/v1/health").await.0, StatusCode::OK);

    path.open();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = get("/v1/ready").await;
        if status == StatusCode::OK {
            break;
        }
        assert!(Instant::now() < deadline, "still not ready: {body}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    path.cut();
    tokio::task::spawn_blocking(move || {
        if let Ok(store) = PostgresStore::connect(&url, Some(&schema)) {
            let _ = store.drop_schema();
        }
    })
    .await
    .unwrap();
}

/// The last handle on a PostgreSQL center dropped on a runtime worker, as
/// `eticket serve` drops it when it stops, closes the center's connections
/// (the pool's and the group commit's) quietly: closing a synchronous client
/// runs a runtime of its own, which used to panic there and abort the
/// process at the end of a SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_center_dropped_on_a_runtime_worker_closes_quietly() {
    use eticket_center::Principal;
    use eticket_center::store::Store;
    use eticket_core::ids::DistributorId;
    let (backend, center) = tokio::task::spawn_blocking(|| {
        let backend = common::Backend::postgres();
        let center = backend.center(&common::clock());
        // A grouped write (the group commit's connection) and a read (the pool's).
        center
            .register_distributor(&Principal::Operator, "d9", DistributorId(9), "Nine")
            .unwrap();
        center
            .ledger()
            .transaction(&mut |tx| tx.query("SELECT 1", &[]))
            .unwrap();
        (backend, center)
    })
    .await
    .unwrap();
    let dropped = tokio::spawn(async move { drop(center) }).await;
    assert!(dropped.is_ok(), "dropping the center panicked: {dropped:?}");
    tokio::task::spawn_blocking(move || drop(backend))
        .await
        .unwrap();
}

/// A wrong password in the database URL is said as the server said it, so
/// the operator knows what to fix.
#[test]
fn a_wrong_database_password_is_named() {
    use eticket_center::store::PostgresStore;
    let url = common::postgres_url();
    let (head, rest) = url.split_once('@').expect("a user in the URL");
    let user = head.rsplit_once(':').map_or(head, |(u, _)| u);
    let wrong = format!("{user}:not-the-password@{rest}");
    let Err(e) = PostgresStore::connect(&wrong, None) else {
        panic!(
            "the server took a wrong password: it must ask for one (scripts/setup/40-postgres.sh)"
        );
    };
    let message = e.to_string();
    assert!(
        message.contains("password authentication failed"),
        "{message}"
    );
    assert!(!message.contains("not-the-password"), "{message}");
}

/// With the ledger held by another process, a sale is still in progress
/// when SIGTERM comes: a new connection is refused `shutting_down`, the
/// sale is answered once the ledger frees, and the process exits 0 with the
/// sale in the ledger. A sale still stuck at the end of the grace period
/// gets no answer, the process exits 0 all the same, and nothing of it is
/// in the ledger.
#[test]
fn the_sale_in_progress_at_sigterm_is_answered_and_a_stuck_one_cut_at_the_grace() {
    let dir = tempfile::tempdir().unwrap();
    let (db, token) = prepared_ledger(dir.path());
    let rt = runtime();
    for (grace, release_after, answered) in [(8, 1, true), (1, 6, false)] {
        let mut server = Server::start(&db, dir.path(), &["--shutdown-grace", &grace.to_string()]);
        let lock = rusqlite::Connection::open(&db).unwrap();
        lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
        let key = format!("stuck-{grace}");
        let (base, tok, k) = (server.base.clone(), token.clone(), key.clone());
        let sale = rt.spawn(async move { sell(&reqwest::Client::new(), &base, &tok, &k).await });
        std::thread::sleep(Duration::from_millis(500));
        let stopped_at = Instant::now();
        server.terminate();
        std::thread::sleep(Duration::from_millis(300));
        // A new connection while it stops.
        let late = rt.block_on(sell(&reqwest::Client::new(), &server.base, &token, "late"));
        assert!(
            matches!(&late, Seen::Refused(StatusCode::SERVICE_UNAVAILABLE, code) if code == "shutting_down"),
            "{late:?}"
        );
        std::thread::sleep(Duration::from_secs(release_after));
        lock.execute_batch("ROLLBACK").unwrap();
        drop(lock);
        let seen = rt.block_on(sale).unwrap();
        let status = server.wait();
        assert!(status.success(), "eticket serve ended with {status}");
        assert!(
            stopped_at.elapsed() < Duration::from_secs(grace + release_after + 5),
            "{:?}",
            stopped_at.elapsed()
        );
        let center = Center::open_sqlite(&db).unwrap();
        match (answered, &seen) {
            (true, Seen::Sold(serials)) => {
                let record = center
                    .issuing_record(fixtures::EVENT, TicketSerial(serials[0]))
                    .unwrap();
                assert!(
                    record.is_some(),
                    "the sale answered at the stop is not in the ledger"
                );
            }
            (false, Seen::Nothing) => {
                let stats = center
                    .event_stats(&eticket_center::Principal::Operator, fixtures::EVENT)
                    .unwrap();
                let sold: u32 = stats
                    .counts
                    .iter()
                    .filter(|c| c.1 != "available")
                    .map(|c| c.2)
                    .sum();
                assert_eq!(sold, 1, "only the first round's sale is in the ledger");
            }
            other => panic!("grace {grace} s: {other:?}"),
        }
        assert!(server.log_text().contains("stopped"));
    }
}
