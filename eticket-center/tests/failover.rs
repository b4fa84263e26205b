//! Through a database failover: two `eticket serve` processes on a
//! PostgreSQL cluster managed by Patroni (scripts/patroni-cluster: etcd and
//! three PostgreSQL instances, synchronous replication), reached by a
//! multi-host URL with `target_session_attrs=read-write`. While clients sell
//! and issue over HTTP with idempotency keys, the primary is taken away for
//! real (SIGKILL to its Patroni agent and its postmaster) and one of the two
//! center processes is killed too. After Patroni promotes the synchronous
//! standby, the surviving center serves again without a restart; every sale
//! and issuance a client got a 2xx for is on the new primary, none twice, and
//! every request sent again with its key gets its first answer.
//!
//! It starts its own cluster (about a minute), so plain `cargo test` leaves
//! it out; scripts/test runs it with `--ignored`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eticket_center::store::{Ledger, Store, Value as Sql};
use eticket_core::fixtures;
use serde_json::{Value, json};

const CLUSTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/patroni-cluster");
/// Concurrent clients.
const CLIENTS: usize = 6;
/// Sales answered before the primary is killed, and after it.
const SALES_BEFORE: usize = 15;
const SALES_AFTER: usize = 25;
/// How long a client keeps sending one request again before the test fails.
const SERVE_AGAIN_WITHIN: Duration = Duration::from_secs(180);

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
        self.run(&["init"]);
        self.run(&["add-distributor", "--id", "1", "--name", "Shop"]);
        let token = self
            .run(&["credential", "--role", "distributor", "--id", "1"])
            .trim()
            .to_owned();
        let mut info = fixtures::small_event();
        info.seats.areas[0].capacity = 1000;
        let event = dir.join("event.json");
        std::fs::write(
            &event,
            serde_json::to_vec(&json!({"info": info, "prices": fixtures::prices()})).unwrap(),
        )
        .unwrap();
        self.run(&["register-event", "--file", event.to_str().unwrap()]);
        self.run(&[
            "select-distributor",
            "--event",
            "2026",
            "--distributor",
            "1",
        ]);
        let ratios = dir.join("ratios.json");
        std::fs::write(
            &ratios,
            r#"{"shares": [{"distributor": 1, "weight": 1, "seat_type": null}]}"#,
        )
        .unwrap();
        self.run(&[
            "allot-ratios",
            "--event",
            "2026",
            "--file",
            ratios.to_str().unwrap(),
        ]);
        token
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
        }
    }
}

/// One client request and its idempotency key.
#[derive(Clone, Debug)]
enum Req {
    Sell(usize),
    Issue(usize, u64),
}

impl Req {
    fn key(&self) -> String {
        match self {
            Req::Sell(i) => format!("sell-{i}"),
            Req::Issue(i, serial) => format!("issue-{i}-{serial}"),
        }
    }

    fn path_and_body(&self) -> (String, Value) {
        match self {
            Req::Sell(i) => (
                "/v1/events/2026/sales".to_owned(),
                json!({"seats": {"best_available": {"quantity": 1 + i % 2}}, "holder": "paper"}),
            ),
            Req::Issue(_, serial) => (format!("/v1/events/2026/tickets/{serial}/issue"), json!({})),
        }
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
        let (path, body) = req.path_and_body();
        let mut server = client % self.servers.len();
        let deadline = Instant::now() + SERVE_AGAIN_WITHIN;
        loop {
            if !self.alive[server].load(Ordering::SeqCst) {
                server = (0..self.servers.len())
                    .find(|s| self.alive[*s].load(Ordering::SeqCst))
                    .expect("a live center");
            }
            let sent = self.began.elapsed();
            let answer = self
                .http
                .post(format!("{}{path}", self.servers[server]))
                .bearer_auth(&self.token)
                .header("Idempotency-Key", req.key())
                .json(&body)
                .send()
                .await;
            let (outcome, value) = match answer {
                Ok(resp) => {
                    let status = resp.status();
                    match resp.json::<Value>().await {
                        Ok(v) if status.is_success() => (Outcome::Served, Some(v)),
                        Ok(v) if status.is_server_error() => {
                            (Outcome::Refused(status.as_u16()), Some(v))
                        }
                        Ok(v) => panic!("{path} ({}): {status} {v}", req.key()),
                        Err(_) => (Outcome::Cut, None),
                    }
                }
                Err(_) => (Outcome::Cut, None),
            };
            self.attempts.lock().unwrap().push(Attempt {
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

    /// One client: sell, issue what was sold, again, until told to stop.
    async fn client(self: Arc<Self>, client: usize) {
        let mut i = client;
        while !self.stop.load(Ordering::SeqCst) {
            let sale = self.until_served(client, &Req::Sell(i)).await;
            self.sales.fetch_add(1, Ordering::SeqCst);
            for record in sale["records"].as_array().unwrap() {
                let serial = record["serial"].as_u64().unwrap();
                self.until_served(client, &Req::Issue(i, serial)).await;
            }
            i += CLIENTS;
        }
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

#[test]
#[ignore = "starts its own Patroni cluster (about a minute): scripts/test runs it with --ignored"]
fn sales_and_issuance_through_a_failover_and_a_killed_center() {
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
    let mut survivor = center.serve(keys.path().join("serve-a.log"));
    let mut doomed = center.serve(keys.path().join("serve-b.log"));

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let stream = Arc::new(Stream {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap(),
        token,
        servers: vec![survivor.base.clone(), doomed.base.clone()],
        alive: vec![AtomicBool::new(true), AtomicBool::new(true)],
        began: Instant::now(),
        attempts: Mutex::new(Vec::new()),
        answers: Mutex::new(BTreeMap::new()),
        sales: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
    });
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| rt.spawn(stream.clone().client(c)))
        .collect();

    wait_for("sales before the kill", Duration::from_secs(120), || {
        stream.sales.load(Ordering::SeqCst) >= SALES_BEFORE
    });
    let old = cluster.leader().expect("a primary before the kill");
    // The second center and the primary go at once: the agent first, so it
    // cannot restart its PostgreSQL in place.
    let killed = stream.began.elapsed();
    let sales_at_kill = stream.sales.load(Ordering::SeqCst);
    stream.alive[1].store(false, Ordering::SeqCst);
    doomed.child.kill().unwrap();
    kill_9(old.patroni);
    kill_9(old.postmaster);

    let mut new = None;
    wait_for("a new primary", Duration::from_secs(120), || {
        new = cluster.leader().filter(|l| l.name != old.name);
        new.is_some()
    });
    let new = new.unwrap();
    wait_for("sales after the failover", SERVE_AGAIN_WITHIN, || {
        stream.sales.load(Ordering::SeqCst) >= sales_at_kill + SALES_AFTER
    });
    stream.stop.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for c in clients {
            c.await.unwrap();
        }
    });
    drop(doomed);

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
        "refusals by status: {statuses:?}"
    );
    // How the surviving center's transactions met the failover (its log).
    let log = std::fs::read_to_string(&survivor.log).unwrap();
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
    let answers = std::mem::take(&mut *stream.answers.lock().unwrap());
    let again = Arc::new(Stream {
        servers: vec![survivor.base.clone()],
        alive: vec![AtomicBool::new(true)],
        attempts: Mutex::new(Vec::new()),
        answers: Mutex::new(BTreeMap::new()),
        began: Instant::now(),
        sales: AtomicUsize::new(0),
        stop: AtomicBool::new(false),
        http: stream.http.clone(),
        token: stream.token.clone(),
    });
    rt.block_on(async {
        for (key, (req, first)) in &answers {
            let v = again.until_served(0, req).await;
            assert_eq!(&v, first, "{key} sent again must get its first answer");
        }
    });

    // The new primary holds each answered sale and issuance, once.
    let mut sold = BTreeSet::new();
    let mut issued = BTreeSet::new();
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
        }
    }
    let ledger = Ledger::postgres(&format!(
        "postgres://eticket:eticket@127.0.0.1:{}/eticket",
        new.port
    ))
    .unwrap();
    let records = ints(
        &ledger,
        "SELECT serial FROM issuing_records WHERE event = $1 ORDER BY serial",
    );
    assert_eq!(
        records,
        sold.iter().copied().collect::<Vec<_>>(),
        "the new primary's issuing records are the answered sales"
    );
    let taken = ints(
        &ledger,
        "SELECT COUNT(*) FROM tickets WHERE event = $1 AND state <> 'available'",
    );
    assert_eq!(taken, vec![sold.len() as i64], "tickets out of the sale");
    let generations = ints(
        &ledger,
        "SELECT serial FROM issued WHERE event = $1 ORDER BY serial",
    );
    assert_eq!(
        generations,
        issued.iter().copied().collect::<Vec<_>>(),
        "one generation per answered issuance, none other"
    );
    assert_eq!(issued, sold, "every sold ticket was issued");
    drop(survivor);
}
