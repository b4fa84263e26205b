//! Through a database failover: two `eticket serve` processes on a
//! PostgreSQL cluster managed by Patroni (scripts/patroni-cluster: etcd and
//! three PostgreSQL instances, synchronous replication), reached by a
//! multi-host URL with `target_session_attrs=read-write`. Clients sell,
//! issue and transfer over HTTP with idempotency keys, through both centers.
//!
//! - `sales_issuance_and_transfers_through_a_failover_and_a_killed_center`:
//!   the primary is taken away for real (SIGKILL to its Patroni agent and
//!   its postmaster) and one of the two center processes is killed too.
//!   After Patroni promotes the synchronous standby, the surviving center
//!   serves again without a restart.
//! - `a_center_killed_mid_stream_while_the_other_serves`: only one center
//!   is killed, while requests are in flight on it; the other serves on
//!   without refusing a single request, and the requests whose answers the
//!   kill cut off, sent again through it, get the answer the ledger stored
//!   for their key.
//!
//! In both, every sale, issuance, transfer and completion a client got a
//! 2xx for is on the (new) primary, none twice, and every request sent
//! again with its key gets its first answer.
//!
//! Each starts its own cluster (about half a minute), one after the other
//! (the cluster's ports are fixed), so plain `cargo test` leaves them out;
//! scripts/test runs them with `--ignored`.

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eticket_center::store::{Ledger, Store, Value as Sql};
use eticket_core::crypto::SecretKey;
use eticket_core::fixtures;
use eticket_core::ids::{ChipId, Generation, TicketSerial};
use eticket_core::time::Timestamp;
use eticket_core::transfer::TransferRequest;
use serde_json::{Value, json};

const CLUSTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/patroni-cluster");
/// Concurrent clients.
const CLIENTS: usize = 6;
/// Sales answered before the primary is killed, and after it.
const SALES_BEFORE: usize = 15;
const SALES_AFTER: usize = 25;
/// How long a client keeps sending one request again before the test fails.
const SERVE_AGAIN_WITHIN: Duration = Duration::from_secs(180);

/// The cluster's ports are fixed: one test's cluster at a time.
static ONE_CLUSTER: Mutex<()> = Mutex::new(());

fn cluster_script(args: &[&str]) -> std::process::Output {
    Command::new("bash")
        .arg(CLUSTER)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {CLUSTER}: {e}"))
}

/// The cluster in a temporary directory, stopped when the test ends.
struct Cluster {
    dir: tempfile::TempDir,
    url: String,
}

impl Cluster {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().to_str().unwrap();
        let out = cluster_script(&["start", path, "3"]);
        let cluster = Cluster {
            url: String::from_utf8_lossy(&out.stdout)
                .lines()
                .last()
                .unwrap_or_default()
                .to_owned(),
            dir,
        };
        // Fail loudly, never skip: the setup script installs what it needs.
        assert!(
            out.status.success() && cluster.url.starts_with("postgres://"),
            "the Patroni cluster did not start (scripts/setup/45-patroni.sh installs Patroni and etcd): {}{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
            cluster.log_tails()
        );
        cluster
    }

    /// The last lines of the etcd and Patroni logs.
    fn log_tails(&self) -> String {
        let mut out = String::new();
        for name in ["etcd", "node1", "node2", "node3"] {
            let log = std::fs::read_to_string(self.dir.path().join(format!("{name}.log")))
                .unwrap_or_default();
            let lines: Vec<&str> = log.lines().collect();
            out += &format!("\n--- {name}.log (end):\n");
            for line in &lines[lines.len().saturating_sub(8)..] {
                out += line;
                out.push('\n');
            }
        }
        out
    }

    fn path(&self) -> &str {
        self.dir.path().to_str().unwrap()
    }

    /// The primary now: its name, port, Patroni agent's and postmaster's
    /// pids (`None` while no node is the primary).
    fn leader(&self) -> Option<Leader> {
        let out = cluster_script(&["leader", self.path()]);
        if !out.status.success() {
            return None;
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let fields: HashMap<&str, &str> = text
            .split_whitespace()
            .filter_map(|f| f.split_once('='))
            .collect();
        Some(Leader {
            name: fields["name"].to_owned(),
            port: fields["port"].parse().unwrap(),
            patroni: fields["patroni_pid"].parse().unwrap(),
            postmaster: fields["postmaster_pid"].parse().unwrap(),
        })
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let status = cluster_script(&["status", self.path()]);
            eprintln!(
                "{}{}",
                String::from_utf8_lossy(&status.stdout),
                self.log_tails()
            );
        }
        let out = cluster_script(&["stop", self.path()]);
        if !out.status.success() {
            eprintln!(
                "stopping the cluster: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

#[derive(Debug)]
struct Leader {
    name: String,
    port: u16,
    patroni: u32,
    postmaster: u32,
}

fn kill_9(pid: u32) {
    let status = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -9 {pid}");
}

/// What every `eticket` run on the cluster is given: the URL and the key files.
struct Center {
    url: String,
    kek: PathBuf,
    root: PathBuf,
}

impl Center {
    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_eticket"));
        for var in ["ETICKET_KEK", "ETICKET_KEK_FILE", "ETICKET_ROOT_KEY_FILE"] {
            cmd.env_remove(var);
        }
        cmd.arg("--database-url")
            .arg(&self.url)
            .arg("--kek-file")
            .arg(&self.kek)
            .arg("--root-key-file")
            .arg(&self.root)
            .args(["--cooling-off-secs", "0"]);
        cmd
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "eticket {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The fixture event with a standing area of 1000, all of it allotted
    /// to distributor 1; its token.
    fn prepare(&self, dir: &Path) -> String {
        common::cli::shop_event(&|args| self.run(args), dir, Some(1000))
    }

    fn serve(&self, log: PathBuf) -> Server {
        let mut child = self
            .command()
            .args([
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--transfer-interval",
                "86400",
            ])
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
        Server { child, base, log }
    }
}

/// An `eticket serve` process, killed when the test ends.
struct Server {
    child: Child,
    base: String,
    log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if std::thread::panicking() {
            let log = std::fs::read_to_string(&self.log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(20).collect();
            eprintln!("{} said (last lines first):", self.base);
            for line in tail {
                eprintln!("  {line}");
            }
            // Every 500 it answered, with the incident that says why.
            let ids: Vec<&str> = log
                .lines()
                .filter(|l| l.contains("status=500"))
                .filter_map(|l| l.split("request_id=").nth(1))
                .filter_map(|rest| rest.split_whitespace().next())
                .collect();
            for line in log.lines() {
                if ids.iter().any(|id| line.contains(id)) {
                    eprintln!("  500: {line}");
                }
            }
        }
    }
}

/// One client request and its idempotency key.
#[derive(Clone, Debug)]
enum Req {
    Sell(usize),
    Issue(usize, u64),
    /// The assignor chip's signed transfer request of a ticket (the body
    /// is made once: the chip's signature is not deterministic).
    Transfer(usize, u64, Value),
    /// The completion of a transfer (its id).
    Complete(usize, u64, String),
}

impl Req {
    fn key(&self) -> String {
        match self {
            Req::Sell(i) => format!("sell-{i}"),
            Req::Issue(i, serial) => format!("issue-{i}-{serial}"),
            Req::Transfer(i, serial, _) => format!("transfer-{i}-{serial}"),
            Req::Complete(i, serial, _) => format!("complete-{i}-{serial}"),
        }
    }

    fn path_and_body(&self, chips: &Chips) -> (String, Value) {
        match self {
            Req::Sell(i) => (
                "/v1/events/2026/sales".to_owned(),
                json!({"seats": {"best_available": {"quantity": 1 + i % 2}},
                       "holder": format!("chip:{}", chips.assignor_id)}),
            ),
            Req::Issue(_, serial) => (format!("/v1/events/2026/tickets/{serial}/issue"), json!({})),
            Req::Transfer(_, _, body) => ("/v1/transfers".to_owned(), body.clone()),
            Req::Complete(_, _, id) => (format!("/v1/transfers/{id}/complete"), json!({})),
        }
    }
}

/// The chip every ticket is sold to, and the one it is transferred to.
struct Chips {
    assignor: SecretKey,
    assignor_id: ChipId,
    assignee_id: ChipId,
}

impl Chips {
    fn new() -> Self {
        let chip = |fill: u8| {
            let secret = SecretKey::from_bytes(&[fill; 32]).unwrap();
            let id = ChipId::from_public_key(&secret.public_key().to_uncompressed());
            (secret, id)
        };
        let (assignor, assignor_id) = chip(0x21);
        let (_, assignee_id) = chip(0x42);
        Chips {
            assignor,
            assignor_id,
            assignee_id,
        }
    }

    /// The assignor chip's request to transfer the ticket it was issued
    /// (generation 0, the issuance's answer) to the assignee chip.
    fn transfer(&self, client_seq: usize, issued: &Value) -> Req {
        let serial = issued["ticket"]["serial"].as_u64().unwrap();
        let ticket = hex::decode(issued["ticket"]["ticket"].as_str().unwrap()).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let request = TransferRequest {
            event: fixtures::EVENT,
            serial: TicketSerial(serial as u32),
            generation: Generation(0),
            ticket_hash: eticket_core::grant::payload_hash(&ticket),
            from: self.assignor_id,
            to: self.assignee_id,
            nonce: serial,
            requested_at: Timestamp(now),
        };
        let body = json!({
            "request": hex::encode(request.sign(&self.assignor).unwrap()),
            "assignor_public_key": hex::encode(self.assignor.public_key().to_uncompressed()),
        });
        Req::Transfer(client_seq, serial, body)
    }
}

/// How one sending of a request ended.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Outcome {
    Served,
    /// A 5xx answer.
    Refused(u16),
    /// No answer: the connection was refused or cut.
    Cut,
}

/// One sending, with its times since the stream began.
struct Attempt {
    key: String,
    server: usize,
    sent: Duration,
    done: Duration,
    outcome: Outcome,
}

/// What the clients share.
struct Stream {
    http: reqwest::Client,
    token: String,
    servers: Vec<String>,
    /// Cleared for a server the test killed: its clients move to another.
    alive: Vec<AtomicBool>,
    /// Requests sent to each server and not answered yet.
    in_flight: Vec<AtomicUsize>,
    chips: Arc<Chips>,
    began: Instant,
    attempts: Mutex<Vec<Attempt>>,
    /// The first 2xx answer to each key.
    answers: Mutex<BTreeMap<String, (Req, Value)>>,
    sales: AtomicUsize,
    stop: AtomicBool,
}

impl Stream {
    /// Send `req` with its key until a 2xx comes back, moving to a live
    /// server when its own was killed; 5xx and cut connections are sent
    /// again, any other answer fails the test.
    async fn until_served(&self, client: usize, req: &Req) -> Value {
        let (path, body) = req.path_and_body(&self.chips);
        let mut server = client % self.servers.len();
        let deadline = Instant::now() + SERVE_AGAIN_WITHIN;
        loop {
            if !self.alive[server].load(Ordering::SeqCst) {
                server = (0..self.servers.len())
                    .find(|s| self.alive[*s].load(Ordering::SeqCst))
                    .expect("a live center");
            }
            let sent = self.began.elapsed();
            self.in_flight[server].fetch_add(1, Ordering::SeqCst);
            let answer = async {
                let resp = self
                    .http
                    .post(format!("{}{path}", self.servers[server]))
                    .bearer_auth(&self.token)
                    .header("Idempotency-Key", req.key())
                    .json(&body)
                    .send()
                    .await?;
                let status = resp.status();
                resp.json::<Value>().await.map(|v| (status, v))
            }
            .await;
            self.in_flight[server].fetch_sub(1, Ordering::SeqCst);
            let (outcome, value) = match answer {
                Ok((status, v)) if status.is_success() => (Outcome::Served, Some(v)),
                Ok((status, v)) if status.is_server_error() => {
                    (Outcome::Refused(status.as_u16()), Some(v))
                }
                Ok((status, v)) => panic!("{path} ({}): {status} {v}", req.key()),
                Err(_) => (Outcome::Cut, None),
            };
            self.attempts.lock().unwrap().push(Attempt {
                key: req.key(),
                server,
                sent,
                done: self.began.elapsed(),
                outcome,
            });
            if let (Outcome::Served, Some(v)) = (outcome, value) {
                self.answers
                    .lock()
                    .unwrap()
                    .entry(req.key())
                    .or_insert_with(|| (req.clone(), v.clone()));
                return v;
            }
            assert!(
                Instant::now() < deadline,
                "{} was not served again within {} s",
                req.key(),
                SERVE_AGAIN_WITHIN.as_secs()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// One client: sell to the assignor chip, issue what was sold,
    /// transfer the first ticket to the assignee chip and complete the
    /// transfer (no cooling-off), again, until told to stop.
    async fn client(self: Arc<Self>, client: usize) {
        let mut i = client;
        while !self.stop.load(Ordering::SeqCst) {
            let sale = self.until_served(client, &Req::Sell(i)).await;
            self.sales.fetch_add(1, Ordering::SeqCst);
            for (n, record) in sale["records"].as_array().unwrap().iter().enumerate() {
                let serial = record["serial"].as_u64().unwrap();
                let issued = self.until_served(client, &Req::Issue(i, serial)).await;
                if n == 0 {
                    let transfer = self.chips.transfer(i, &issued);
                    let pending = self.until_served(client, &transfer).await;
                    let id = pending["id"].as_str().unwrap().to_owned();
                    self.until_served(client, &Req::Complete(i, serial, id))
                        .await;
                }
            }
            i += CLIENTS;
        }
    }

    fn new(
        http: reqwest::Client,
        token: String,
        servers: Vec<String>,
        chips: Arc<Chips>,
    ) -> Arc<Self> {
        Arc::new(Stream {
            http,
            token,
            alive: servers.iter().map(|_| AtomicBool::new(true)).collect(),
            in_flight: servers.iter().map(|_| AtomicUsize::new(0)).collect(),
            servers,
            chips,
            began: Instant::now(),
            attempts: Mutex::new(Vec::new()),
            answers: Mutex::new(BTreeMap::new()),
            sales: AtomicUsize::new(0),
            stop: AtomicBool::new(false),
        })
    }
}

fn wait_for(what: &str, within: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}: not within {} s",
            within.as_secs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn ints(ledger: &Ledger, sql: &str) -> Vec<i64> {
    ledger
        .transaction(&mut |tx| tx.query(sql, &[Sql::int(fixtures::EVENT.0)]))
        .unwrap()
        .iter()
        .map(|row| row.int(0).unwrap())
        .collect()
}

/// The clients' runtime.
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// The cluster, the command line for it with a fresh key-encryption key,
/// the prepared event's distributor token, and the directory of the keys
/// and logs.
fn setup() -> (Cluster, Center, String, tempfile::TempDir) {
    let cluster = Cluster::start();
    let keys = tempfile::tempdir().unwrap();
    let kek = keys.path().join("center.kek");
    let mut raw = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    std::fs::write(&kek, hex::encode(raw)).unwrap();
    std::fs::set_permissions(&kek, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let center = Center {
        url: cluster.url.clone(),
        kek,
        root: keys.path().join("center.root"),
    };
    let token = center.prepare(keys.path());
    (cluster, center, token, keys)
}

/// Run `CLIENTS` clients on `stream` until `before` sales were answered,
/// call `kill` (it returns the sales to wait for after it), then stop the
/// clients once that many more were answered.
fn stream_around(
    rt: &tokio::runtime::Runtime,
    stream: &Arc<Stream>,
    before: usize,
    kill: impl FnOnce() -> usize,
) {
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| rt.spawn(stream.clone().client(c)))
        .collect();
    wait_for("sales before the kill", Duration::from_secs(120), || {
        stream.sales.load(Ordering::SeqCst) >= before
    });
    let after = kill();
    let sales_at_kill = stream.sales.load(Ordering::SeqCst);
    wait_for("sales after the kill", SERVE_AGAIN_WITHIN, || {
        stream.sales.load(Ordering::SeqCst) >= sales_at_kill + after
    });
    stream.stop.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for c in clients {
            c.await.unwrap();
        }
    });
}

/// Every answered request again, with its key, through `server`: each
/// gets its first answer. The answers by key.
fn send_again(
    rt: &tokio::runtime::Runtime,
    stream: &Stream,
    server: &str,
) -> BTreeMap<String, (Req, Value)> {
    let answers = std::mem::take(&mut *stream.answers.lock().unwrap());
    let again = Stream::new(
        stream.http.clone(),
        stream.token.clone(),
        vec![server.to_owned()],
        stream.chips.clone(),
    );
    rt.block_on(async {
        for (key, (req, first)) in &answers {
            let v = again.until_served(0, req).await;
            assert_eq!(&v, first, "{key} sent again must get its first answer");
        }
    });
    answers
}

/// The primary on `port` holds each answered sale, issuance, transfer and
/// completion once, and nothing else. The number of tickets sold.
fn check_ledger(port: u16, answers: &BTreeMap<String, (Req, Value)>) -> usize {
    let mut sold = BTreeSet::new();
    let mut issued = BTreeSet::new();
    let mut transfers = BTreeSet::new();
    let mut transferred = BTreeSet::new();
    for (req, v) in answers.values() {
        match req {
            Req::Sell(_) => {
                for record in v["records"].as_array().unwrap() {
                    let serial = record["serial"].as_i64().unwrap();
                    assert!(sold.insert(serial), "ticket {serial} sold twice");
                }
            }
            Req::Issue(_, serial) => {
                assert!(
                    issued.insert(*serial as i64),
                    "ticket {serial} issued twice"
                );
            }
            Req::Transfer(_, serial, _) => {
                assert_eq!(v["state"], "pending", "{v}");
                assert!(
                    transfers.insert(*serial as i64),
                    "ticket {serial} transferred twice"
                );
            }
            Req::Complete(_, serial, _) => {
                assert_eq!(v["ticket"]["generation"], 1, "{v}");
                assert!(
                    transferred.insert(*serial as i64),
                    "transfer of ticket {serial} completed twice"
                );
            }
        }
    }
    let ledger = Ledger::postgres(&format!(
        "postgres://eticket:eticket@127.0.0.1:{port}/eticket"
    ))
    .unwrap();
    let records = ints(
        &ledger,
        "SELECT serial FROM issuing_records WHERE event = $1 ORDER BY serial",
    );
    assert_eq!(
        records,
        sold.iter().copied().collect::<Vec<_>>(),
        "the primary's issuing records are the answered sales"
    );
    let taken = ints(
        &ledger,
        "SELECT COUNT(*) FROM tickets WHERE event = $1 AND state <> 'available'",
    );
    assert_eq!(taken, vec![sold.len() as i64], "tickets out of the sale");
    let generations = |g: u16| {
        ints(
            &ledger,
            &format!(
                "SELECT serial FROM issued WHERE event = $1 AND generation = {g} ORDER BY serial"
            ),
        )
    };
    assert_eq!(
        generations(0),
        issued.iter().copied().collect::<Vec<_>>(),
        "one generation per answered issuance, none other"
    );
    assert_eq!(
        generations(1),
        transferred.iter().copied().collect::<Vec<_>>(),
        "one new generation per answered transfer completion, none other"
    );
    assert!(generations(2).is_empty(), "a ticket transferred twice");
    assert_eq!(issued, sold, "every sold ticket was issued");
    assert_eq!(transferred, transfers, "every transfer was completed");
    assert_eq!(
        ints(
            &ledger,
            "SELECT serial FROM transfers WHERE event = $1 AND state = 'completed' ORDER BY serial"
        ),
        transfers.iter().copied().collect::<Vec<_>>(),
        "one completed transfer per answered transfer request, none other"
    );
    assert_eq!(
        ints(
            &ledger,
            "SELECT COUNT(*) FROM transfers WHERE event = $1 AND state <> 'completed'"
        ),
        vec![0]
    );
    // Exactly one valid holder per ticket: the assignee's new generation
    // for the transferred, the first one for the others; each assignor's
    // old generation on the revocation list.
    let valid = ints(
        &ledger,
        "SELECT serial * 10 + generation FROM issued WHERE event = $1 AND status = 'valid' ORDER BY serial",
    );
    let expected: Vec<i64> = sold
        .iter()
        .map(|s| s * 10 + i64::from(transferred.contains(s)))
        .collect();
    assert_eq!(valid, expected, "one valid generation per ticket");
    assert_eq!(
        ints(
            &ledger,
            "SELECT serial FROM revocations WHERE event = $1 AND generation = 0 ORDER BY serial"
        ),
        transferred.iter().copied().collect::<Vec<_>>(),
        "the old generation of each transferred ticket revoked, once"
    );
    println!(
        "on the primary: {} sales ({} tickets), {} issuances, {} transfers completed",
        answers
            .values()
            .filter(|(r, _)| matches!(r, Req::Sell(_)))
            .count(),
        sold.len(),
        issued.len(),
        transferred.len()
    );
    sold.len()
}

#[test]
#[ignore = "starts its own Patroni cluster (about a minute): scripts/test runs it with --ignored"]
fn sales_issuance_and_transfers_through_a_failover_and_a_killed_center() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let (cluster, center, token, keys) = setup();
    let mut survivor = center.serve(keys.path().join("serve-a.log"));
    let mut doomed = center.serve(keys.path().join("serve-b.log"));

    let rt = runtime();
    let stream = Stream::new(
        reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        token,
        vec![survivor.base.clone(), doomed.base.clone()],
        Arc::new(Chips::new()),
    );
    let mut killed = Duration::ZERO;
    let mut old = None;
    stream_around(&rt, &stream, SALES_BEFORE, || {
        let leader = cluster.leader().expect("a primary before the kill");
        // The second center and the primary go at once: the agent first, so
        // it cannot restart its PostgreSQL in place.
        killed = stream.began.elapsed();
        stream.alive[1].store(false, Ordering::SeqCst);
        doomed.child.kill().unwrap();
        kill_9(leader.patroni);
        kill_9(leader.postmaster);
        let mut new = None;
        wait_for("a new primary", Duration::from_secs(120), || {
            new = cluster.leader().filter(|l| l.name != leader.name);
            new.is_some()
        });
        old = Some((leader, new.unwrap()));
        SALES_AFTER
    });
    let (old, new) = old.unwrap();

    // The surviving center was never restarted.
    assert!(
        survivor.child.try_wait().unwrap().is_none(),
        "the surviving center exited"
    );

    // The outage as the surviving center's clients saw it: from its first
    // refusal after the kill to its first answer to a request sent after that.
    let attempts = std::mem::take(&mut *stream.attempts.lock().unwrap());
    let refused_after_kill = |a: &&Attempt| a.done >= killed && a.outcome != Outcome::Served;
    let first_refused = attempts
        .iter()
        .filter(|a| a.server == 0)
        .filter(refused_after_kill)
        .map(|a| a.done)
        .min()
        .expect("the failover refused no request of the surviving center");
    let served_again = attempts
        .iter()
        .filter(|a| a.server == 0 && a.outcome == Outcome::Served && a.sent >= first_refused)
        .map(|a| a.done)
        .min()
        .expect("the surviving center served again");
    let refusals = attempts.iter().filter(refused_after_kill).count();
    let cut = attempts
        .iter()
        .filter(|a| a.outcome == Outcome::Cut)
        .count();
    let mut statuses: BTreeMap<u16, usize> = BTreeMap::new();
    for a in &attempts {
        if let Outcome::Refused(status) = a.outcome {
            *statuses.entry(status).or_default() += 1;
        }
    }
    // A failover is a moment to send again, not a failure of the center.
    assert_eq!(
        statuses.keys().copied().collect::<Vec<_>>(),
        vec![503],
        "refusals by status: {statuses:?} (the 500s and their incidents follow)"
    );
    let log = std::fs::read_to_string(&survivor.log).unwrap();
    drop(doomed);
    // How the surviving center's transactions met the failover (its log).
    let lines_with = |text: &str| log.lines().filter(|l| l.contains(text)).count();
    println!(
        "the surviving center's log: {} transactions lost their connection while committing, \
         {} found no server that takes writes after reconnecting, {} could not connect",
        lines_with("lost while committing"),
        lines_with("no connection to a server that takes writes"),
        lines_with("cannot connect"),
    );
    let secs = |d: Duration| d.as_secs_f64();
    println!(
        "failover {} -> {}: first refusal {:.2} s after the kill, served again {:.2} s after the kill; \
         outage (first refused to first served again) {:.2} s; {refusals} sendings refused or cut \
         after the kill ({cut} cut, refused by status {statuses:?}), {} answers",
        old.name,
        new.name,
        secs(first_refused - killed),
        secs(served_again - killed),
        secs(served_again - first_refused),
        stream.answers.lock().unwrap().len(),
    );

    // Every request again, with its key, to the surviving center: the first
    // answer, whether the client got it before, during or after the failover.
    let answers = send_again(&rt, &stream, &survivor.base);
    // The new primary holds each answered request's work, once.
    check_ledger(new.port, &answers);
    drop(survivor);
}

#[test]
#[ignore = "starts its own Patroni cluster (about a minute): scripts/test runs it with --ignored"]
fn a_center_killed_mid_stream_while_the_other_serves() {
    let _one = ONE_CLUSTER.lock().unwrap_or_else(|p| p.into_inner());
    let began = Instant::now();
    let (cluster, center, token, keys) = setup();
    let mut survivor = center.serve(keys.path().join("serve-a.log"));
    let mut doomed = center.serve(keys.path().join("serve-b.log"));
    let primary = cluster.leader().expect("a primary");

    let rt = runtime();
    let stream = Stream::new(
        reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        token,
        vec![survivor.base.clone(), doomed.base.clone()],
        Arc::new(Chips::new()),
    );
    let streaming = Instant::now();
    let mut killed = Duration::ZERO;
    let mut in_flight_at_kill = 0;
    stream_around(&rt, &stream, SALES_BEFORE, || {
        // Mid-stream: while requests are on their way through it.
        wait_for(
            "requests in flight on the doomed center",
            Duration::from_secs(30),
            || stream.in_flight[1].load(Ordering::SeqCst) >= 2,
        );
        in_flight_at_kill = stream.in_flight[1].load(Ordering::SeqCst);
        killed = stream.began.elapsed();
        stream.alive[1].store(false, Ordering::SeqCst);
        kill_9(doomed.child.id());
        SALES_AFTER
    });
    let streamed = streaming.elapsed();
    let _ = doomed.child.wait();
    drop(doomed);
    assert!(
        survivor.child.try_wait().unwrap().is_none(),
        "the surviving center exited"
    );
    assert_eq!(
        cluster.leader().map(|l| l.name),
        Some(primary.name.clone()),
        "the primary changed: this test kills a center only"
    );

    let attempts = std::mem::take(&mut *stream.attempts.lock().unwrap());
    // The other center kept serving: not one of its answers was a refusal
    // or a cut, before the kill or after it.
    let survivor_failed: Vec<_> = attempts
        .iter()
        .filter(|a| a.server == 0 && a.outcome != Outcome::Served)
        .map(|a| (a.key.clone(), a.outcome))
        .collect();
    assert!(
        survivor_failed.is_empty(),
        "the surviving center failed requests: {survivor_failed:?}"
    );
    // The kill cut requests off; each was sent again through the survivor.
    let cut: BTreeSet<String> = attempts
        .iter()
        .filter(|a| a.server == 1 && a.outcome == Outcome::Cut)
        .map(|a| a.key.clone())
        .collect();
    assert!(!cut.is_empty(), "the kill cut no request off");
    for key in &cut {
        assert!(
            attempts
                .iter()
                .any(|a| &a.key == key && a.server == 0 && a.outcome == Outcome::Served),
            "{key}, cut off by the kill, was not served by the other center"
        );
    }
    // Their answers through the survivor are the ledger's first answers
    // to their keys: the doomed center's, when it committed before it died.
    let ledger = Ledger::postgres(&format!(
        "postgres://eticket:eticket@127.0.0.1:{}/eticket",
        primary.port
    ))
    .unwrap();
    {
        let answers = stream.answers.lock().unwrap();
        for key in &cut {
            let stored = ledger
                .transaction(&mut |tx| {
                    tx.query(
                        "SELECT response FROM idempotency WHERE key = $1",
                        &[Sql::text(key.as_str())],
                    )
                })
                .unwrap();
            assert_eq!(stored.len(), 1, "{key}: one stored answer");
            let stored: Value = serde_json::from_str(stored[0].text(0).unwrap()).unwrap();
            assert_eq!(stored, answers[key].1, "{key}: the survivor's answer");
        }
    }
    drop(ledger);
    println!(
        "a center killed with {in_flight_at_kill} requests in flight on it, {:.2} s into the stream: \
         {} requests cut off, each answered by the other center; the other center answered all of its \
         {} sendings; streamed {:.1} s, {} answers",
        killed.as_secs_f64(),
        cut.len(),
        attempts.iter().filter(|a| a.server == 0).count(),
        streamed.as_secs_f64(),
        stream.answers.lock().unwrap().len(),
    );

    let answers = send_again(&rt, &stream, &survivor.base);
    let sold = check_ledger(primary.port, &answers);
    drop(survivor);

    // A backup through the multi-host URL dumps the primary.
    let backup = keys.path().join("backup");
    let manifest: Value =
        serde_json::from_str(&center.run(&["backup", "--to", backup.to_str().unwrap()])).unwrap();
    assert_eq!(manifest["rows"]["issuing_records"], json!(sold));
    println!(
        "the test took {:.1} s up to here, the cluster's start included (its stop follows)",
        began.elapsed().as_secs_f64()
    );
}
