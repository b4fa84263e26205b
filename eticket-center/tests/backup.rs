//! Backup and restore of a serving center, on SQLite and on PostgreSQL.
//!
//! An `eticket serve` process sells and issues over HTTP while `eticket
//! backup` copies its ledger online. Then the original is lost (the SQLite
//! files deleted, the PostgreSQL schema dropped, the root key file gone);
//! only the backup and the key-encryption key, kept apart, remain.
//! `eticket restore` makes a new ledger from them, a new `eticket serve`
//! runs on it, and the test checks that it holds exactly the sales of one
//! moment during the backup (all answered before it began, none answered
//! after it ended), publishes the same key set, under which tickets signed
//! before the backup verify, answers every request stored before the
//! backup as it did the first time, and sells on. A restore with another
//! KEK, or over a ledger or root key file that exists, is refused.

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eticket_center::store::{Ledger, PostgresStore, Store};
use eticket_core::fixtures;
use serde_json::{Value, json};

/// Where the PostgreSQL tests find their server (scripts/setup/40-postgres.sh).
fn postgres_url() -> String {
    std::env::var("ETICKET_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://eticket:eticket@127.0.0.1:5432/eticket_test".to_owned())
}

/// The ledger of one test and how `eticket` reaches it.
enum Backend {
    Sqlite,
    /// A fresh schema of the test database.
    Postgres {
        schema: String,
    },
}

impl Backend {
    fn postgres() -> Self {
        let mut raw = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
        let schema = format!("t_{}", hex::encode(raw));
        let mut client = postgres::Client::connect(&postgres_url(), postgres::NoTls)
            .unwrap_or_else(|e| {
                panic!(
                    "PostgreSQL is required for this test and is not usable at {}: {e}; run scripts/setup/40-postgres.sh",
                    postgres_url()
                )
            });
        client
            .batch_execute(&format!("CREATE SCHEMA {schema}"))
            .unwrap();
        Backend::Postgres { schema }
    }

    /// The URL whose search_path is this test's schema.
    fn url(&self) -> Option<String> {
        match self {
            Backend::Sqlite => None,
            Backend::Postgres { schema } => {
                let base = postgres_url();
                let sep = if base.contains('?') { '&' } else { '?' };
                Some(format!("{base}{sep}options=-csearch_path%3D{schema}"))
            }
        }
    }

    /// A second handle on the ledger, for reading what it holds.
    fn ledger(&self, sqlite: &Path) -> Ledger {
        match self {
            Backend::Sqlite => Ledger::sqlite(sqlite).unwrap(),
            Backend::Postgres { schema } => Ledger::Postgres(
                PostgresStore::connect(&postgres_url(), Some(schema)).unwrap_or_else(|e| {
                    panic!(
                        "PostgreSQL at {} (scripts/setup/40-postgres.sh): {e}",
                        postgres_url()
                    )
                }),
            ),
        }
    }

    /// Drop the schema: the database server lost the ledger.
    fn drop_ledger(&self) {
        if let Backend::Postgres { schema } = self {
            // Connecting with a schema makes it (and a ledger in it) if it
            // is missing: only drop one that is there.
            let mut client = postgres::Client::connect(&postgres_url(), postgres::NoTls).unwrap();
            client
                .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
                .unwrap();
        }
    }

    fn schema_exists(&self) -> bool {
        let Backend::Postgres { schema } = self else {
            return false;
        };
        let mut client = postgres::Client::connect(&postgres_url(), postgres::NoTls).unwrap();
        client
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)",
                &[schema],
            )
            .unwrap()
            .get(0)
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if matches!(self, Backend::Postgres { .. }) {
            self.drop_ledger();
        }
    }
}

/// The files of one center: its ledger (a SQLite file, or the PostgreSQL
/// URL), its key-encryption key file and its root key file.
struct Site {
    sqlite: PathBuf,
    url: Option<String>,
    kek: PathBuf,
    root: PathBuf,
}

impl Site {
    fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_eticket"));
        for var in [
            "ETICKET_KEK",
            "ETICKET_KEK_FILE",
            "ETICKET_ROOT_KEY_FILE",
            "ETICKET_DATABASE_URL",
        ] {
            cmd.env_remove(var);
        }
        match &self.url {
            Some(url) => cmd.arg("--database-url").arg(url),
            None => cmd.arg("--database").arg(&self.sqlite),
        };
        cmd.arg("--kek-file")
            .arg(&self.kek)
            .arg("--root-key-file")
            .arg(&self.root);
        cmd
    }

    fn try_run(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.try_run(args);
        assert!(
            out.status.success(),
            "eticket {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The fixture event with a standing area of 5000, all of it allotted
    /// to distributor 1; its token.
    fn prepare(&self, dir: &Path) -> String {
        common::cli::shop_event(&|args| self.run(args), dir, Some(5000))
    }

    fn serve(&self) -> Server {
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
            .stderr(Stdio::inherit())
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
        Server { child, base }
    }
}

/// An `eticket serve` process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A client of one center: POSTs with idempotency keys.
#[derive(Clone)]
struct Client {
    http: reqwest::Client,
    base: String,
    token: String,
}

/// A request: its key, path and body.
#[derive(Clone, Debug)]
struct Req {
    key: String,
    path: String,
    body: Value,
}

impl Req {
    fn sell(key: String) -> Self {
        Req {
            key,
            path: "/v1/events/2026/sales".to_owned(),
            body: json!({"seats": {"best_available": {"quantity": 1}}, "holder": "paper"}),
        }
    }

    fn issue(key: String, serial: u64) -> Self {
        Req {
            key,
            path: format!("/v1/events/2026/tickets/{serial}/issue"),
            body: json!({}),
        }
    }
}

impl Client {
    async fn post(&self, req: &Req) -> Value {
        let resp = self
            .http
            .post(format!("{}{}", self.base, req.path))
            .bearer_auth(&self.token)
            .header("Idempotency-Key", &req.key)
            .json(&req.body)
            .send()
            .await
            .unwrap();
        let status = resp.status();
        let v: Value = resp.json().await.unwrap();
        assert!(
            status.is_success(),
            "{} ({}): {status} {v}",
            req.path,
            req.key
        );
        v
    }

    async fn key_set(&self) -> Value {
        self.http
            .get(format!("{}/v1/keyset", self.base))
            .bearer_auth(&self.token)
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Sell one paper ticket under `key` and issue it: the sale as
    /// [`Streamed`].
    async fn sell_and_issue(&self, key: &str) -> Streamed {
        let sale = Req::sell(format!("sell-{key}"));
        let sent = Instant::now();
        let sold = self.post(&sale).await;
        let sold_at = Instant::now();
        let serial = sold["records"][0]["serial"].as_u64().unwrap();
        let issue = Req::issue(format!("issue-{key}"), serial);
        let issued = self.post(&issue).await;
        Streamed {
            serial,
            sent,
            sold_at,
            answered: Instant::now(),
            exchanges: vec![(sale, sold), (issue, issued)],
        }
    }
}

/// The keys of a signed key set (`GET /v1/keyset`), checked with its root.
fn key_set_of(signed: &Value) -> (eticket_core::keys::KeySet, Vec<u8>) {
    let signed: eticket_center::publish::SignedKeySet =
        serde_json::from_value(signed.clone()).unwrap();
    let root = eticket_core::crypto::PublicKey::from_sec1(&signed.root_public_key).unwrap();
    let keys =
        eticket_core::keys::KeySet::from_signed_bytes(&signed.key_set, signed.root_key_id, &root)
            .unwrap();
    (keys, signed.root_public_key)
}

/// The same root and the same keys at the same version (a center signs
/// its key set afresh with a new `next_update`, so the bytes differ).
fn same_keys(a: &Value, b: &Value) {
    let (a, root_a) = key_set_of(a);
    let (b, root_b) = key_set_of(b);
    assert_eq!(root_a, root_b, "the root key");
    assert_eq!(a.version, b.version, "the key set's version");
    assert_eq!(a.entries(), b.entries(), "the keys");
}

/// An issuance's ticket verified as a gate does, with the key set.
fn verify_ticket(key_set: &Value, issued: &Value) {
    let (keys, _) = key_set_of(key_set);
    let bytes = hex::decode(issued["ticket"]["ticket"].as_str().unwrap()).unwrap();
    let now = eticket_core::time::Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    );
    eticket_core::ticket::verify(&bytes, &keys, now)
        .unwrap_or_else(|e| panic!("ticket {issued} does not verify: {e}"));
}

fn serials(ledger: &Ledger) -> BTreeSet<u64> {
    ledger
        .transaction(&mut |tx| {
            tx.query(
                "SELECT serial FROM issuing_records WHERE event = $1",
                &[eticket_center::store::Value::int(fixtures::EVENT.0)],
            )
        })
        .unwrap()
        .iter()
        .map(|r| r.int(0).unwrap() as u64)
        .collect()
}

/// One sale and issuance: when the sale was sent and answered, when the
/// issuance was answered, and both exchanges.
struct Streamed {
    serial: u64,
    sent: Instant,
    sold_at: Instant,
    answered: Instant,
    exchanges: Vec<(Req, Value)>,
}

fn backup_and_restore_while_serving(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let apart = tempfile::tempdir().unwrap();
    let original = dir.path().join("original");
    std::fs::create_dir(&original).unwrap();
    let kek = original.join("center.kek");
    let mut raw = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
    std::fs::write(&kek, hex::encode(raw)).unwrap();
    std::fs::set_permissions(&kek, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let site = Site {
        sqlite: original.join("center.sqlite"),
        url: backend.url(),
        kek: kek.clone(),
        root: original.join("center.root"),
    };
    let token = site.prepare(dir.path());
    let server = site.serve();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = Client {
        http: reqwest::Client::new(),
        base: server.base.clone(),
        token: token.clone(),
    };

    // Before the backup: sold, issued and answered.
    let before: Vec<Streamed> = (0..6)
        .map(|i| rt.block_on(client.sell_and_issue(&format!("before-{i}"))))
        .collect();
    let key_set = rt.block_on(client.key_set());

    // Two clients sell and issue all through the backup.
    let stop = Arc::new(AtomicBool::new(false));
    let streamed = Arc::new(Mutex::new(Vec::<Streamed>::new()));
    let streams: Vec<_> = (0..2)
        .map(|c| {
            let (client, stop, streamed) = (client.clone(), stop.clone(), streamed.clone());
            rt.spawn(async move {
                let mut i = 0;
                while !stop.load(Ordering::SeqCst) {
                    let sale = client.sell_and_issue(&format!("during-{c}-{i}")).await;
                    streamed.lock().unwrap().push(sale);
                    i += 1;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        })
        .collect();
    let wait_for_sales = |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(60);
        while streamed.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "the clients sold too little");
            std::thread::sleep(Duration::from_millis(10));
        }
    };
    wait_for_sales(5);
    let backup = dir.path().join("backup");
    let backup_began = Instant::now();
    let out = site.run(&["backup", "--to", backup.to_str().unwrap()]);
    let backup_ended = Instant::now();
    let manifest: Value = serde_json::from_str(&out).unwrap();
    let during = streamed.lock().unwrap().len();
    wait_for_sales(during + 5);
    stop.store(true, Ordering::SeqCst);
    rt.block_on(async {
        for s in streams {
            s.await.unwrap();
        }
    });
    drop(server);
    let streamed = std::mem::take(&mut *streamed.lock().unwrap());
    println!(
        "{} backup under sales: {:.2} s (the eticket process), {} sales streamed, {} of them answered during it",
        site.url.as_ref().map_or("sqlite", |_| "postgres"),
        (backup_ended - backup_began).as_secs_f64(),
        streamed.len(),
        streamed
            .iter()
            .filter(|s| s.sold_at > backup_began && s.sold_at < backup_ended)
            .count()
    );

    // What the backup holds: the ledger and the sealed root, not the KEK.
    let mut files: Vec<String> = std::fs::read_dir(&backup)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let ledger_file = if site.url.is_some() {
        "ledger.pgdump"
    } else {
        "ledger.sqlite"
    };
    let mut expected = vec!["manifest.json", "root.key", ledger_file];
    expected.sort_unstable();
    assert_eq!(files, expected);
    let mode = |path: &Path| {
        std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(path).unwrap().permissions())
            & 0o777
    };
    assert_eq!(mode(&backup), 0o700, "the backup directory");
    for file in &files {
        assert_eq!(mode(&backup.join(file)), 0o600, "{file}");
        let bytes = std::fs::read(backup.join(file)).unwrap();
        assert!(
            !bytes.windows(32).any(|w| w == raw)
                && !bytes.windows(64).any(|w| w == hex::encode(raw).as_bytes()),
            "{file} holds the key-encryption key"
        );
    }

    // The original is lost; the KEK was kept apart.
    let kek_apart = apart.path().join("center.kek");
    std::fs::copy(&kek, &kek_apart).unwrap();
    std::fs::remove_dir_all(&original).unwrap();
    backend.drop_ledger();

    let restored_dir = dir.path().join("restored");
    std::fs::create_dir(&restored_dir).unwrap();
    let mut restored = Site {
        sqlite: restored_dir.join("center.sqlite"),
        url: backend.url(),
        kek: apart.path().join("other.kek"),
        root: restored_dir.join("center.root"),
    };
    // Another KEK: refused before anything is written.
    std::fs::write(&restored.kek, hex::encode([7u8; 32])).unwrap();
    let out = restored.try_run(&["restore", "--from", backup.to_str().unwrap()]);
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && said.contains("fingerprint"),
        "{said}"
    );
    assert!(!restored.sqlite.exists() && !restored.root.exists() && !backend.schema_exists());

    restored.kek = kek_apart;
    let restore_began = Instant::now();
    let out = restored.run(&["restore", "--from", backup.to_str().unwrap()]);
    println!(
        "restore: {:.2} s (the eticket process)",
        restore_began.elapsed().as_secs_f64()
    );
    let report: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["manifest"], manifest);
    // Never over a ledger or a root key file that exists.
    let out = restored.try_run(&["restore", "--from", backup.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("never"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The restored ledger holds the sales of one moment during the backup.
    let ledger = backend.ledger(&restored.sqlite);
    let held = serials(&ledger);
    drop(ledger);
    let answered: BTreeSet<u64> = before.iter().chain(&streamed).map(|s| s.serial).collect();
    assert!(held.is_subset(&answered), "a sale nobody was answered");
    for s in before.iter().chain(&streamed) {
        if s.sold_at < backup_began {
            assert!(
                held.contains(&s.serial),
                "ticket {} sold before the backup began is missing",
                s.serial
            );
        }
        if s.sent > backup_ended {
            assert!(
                !held.contains(&s.serial),
                "ticket {} sold after the backup ended is in it",
                s.serial
            );
        }
    }
    assert_eq!(
        manifest["rows"]["issuing_records"].as_u64().unwrap() as usize,
        held.len()
    );
    // One moment: the sales held are those of the first n answers (a sale
    // answered before another was sent committed before it).
    for s in before.iter().chain(&streamed) {
        if held.contains(&s.serial) {
            for earlier in before
                .iter()
                .chain(&streamed)
                .filter(|e| e.sold_at < s.sent)
            {
                assert!(
                    held.contains(&earlier.serial),
                    "ticket {} is held, {} sold before it is not",
                    s.serial,
                    earlier.serial
                );
            }
        }
    }

    let server = restored.serve();
    let client = Client {
        base: server.base.clone(),
        ..client
    };
    rt.block_on(async {
        // The same keys: the same key set, and tickets signed before the
        // backup verify with it.
        let restored_key_set = client.key_set().await;
        same_keys(&restored_key_set, &key_set);
        let key_set = restored_key_set;
        let answered_before = before
            .iter()
            .chain(&streamed)
            .filter(|s| s.answered < backup_began);
        let mut retried = 0;
        for s in answered_before {
            verify_ticket(&key_set, &s.exchanges[1].1);
            // Every request answered before the backup: its first answer.
            for (req, first) in &s.exchanges {
                assert_eq!(&client.post(req).await, first, "{}", req.key);
                retried += 1;
            }
        }
        assert!(retried >= 2 * (6 + 5), "{retried} requests retried");
        // Sales go on, on seats the restored ledger does not hold sold
        // (seats sold after the backup's moment are on sale again: the
        // lost ledger's last sales are what a point-in-time restore loses).
        for i in 0..3 {
            let sale = client.sell_and_issue(&format!("after-{i}")).await;
            assert!(
                !held.contains(&sale.serial),
                "ticket {} sold twice",
                sale.serial
            );
            verify_ticket(&key_set, &sale.exchanges[1].1);
        }
    });
    drop(server);
}

#[test]
fn sqlite_backup_and_restore_while_serving() {
    backup_and_restore_while_serving(Backend::Sqlite);
}

#[test]
fn postgres_backup_and_restore_while_serving() {
    backup_and_restore_while_serving(Backend::postgres());
}

/// A database of its own, dropped at the end: a ledger in its schema
/// public (as an operator's URL without a search_path makes one).
struct OwnDatabase {
    name: String,
}

impl OwnDatabase {
    fn new() -> Self {
        let mut raw = [0u8; 8];
        rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut raw);
        let name = format!("eticket_restore_{}", hex::encode(raw));
        let mut client = postgres::Client::connect(&postgres_url(), postgres::NoTls)
            .unwrap_or_else(|e| panic!("PostgreSQL at {}: {e}", postgres_url()));
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .unwrap_or_else(|e| {
                panic!(
                    "the test role cannot create a database ({e}); run scripts/setup/40-postgres.sh"
                )
            });
        Self { name }
    }

    fn url(&self) -> String {
        let base = postgres_url();
        let (server, _) = base.rsplit_once('/').expect("a URL with a database name");
        format!("{server}/{}", self.name)
    }
}

impl Drop for OwnDatabase {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&postgres_url(), postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A backup of a ledger in the schema public is restored into a new,
/// empty database, never over what a database holds: its own ledger is
/// refused as a ledger, and a public schema with other tables is refused
/// before pg_restore runs, with what to do instead, leaving the tables
/// as they were.
#[test]
fn a_public_schema_backup_is_restored_only_into_an_empty_database() {
    let source = OwnDatabase::new();
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("center.kek");
    std::fs::write(&kek, hex::encode([5u8; 32])).unwrap();
    std::fs::set_permissions(&kek, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let site = Site {
        sqlite: dir.path().join("unused.sqlite"),
        url: Some(source.url()),
        kek,
        root: dir.path().join("center.root"),
    };
    site.prepare(dir.path());
    let stats = site.run(&["stats", "--event", "2026"]);
    let backup = dir.path().join("backup");
    let backup = backup.to_str().unwrap();
    site.run(&["backup", "--to", backup]);
    let restore = |target: &OwnDatabase, root: &str| {
        let restored = Site {
            url: Some(target.url()),
            root: dir.path().join(root),
            sqlite: site.sqlite.clone(),
            kek: site.kek.clone(),
        };
        let out = restored.try_run(&["restore", "--from", backup]);
        (restored, out)
    };

    let (_, out) = restore(&source, "over-itself.root");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success() && stderr.contains("finds a ledger already"),
        "{stderr}"
    );

    let busy = OwnDatabase::new();
    let mut client = postgres::Client::connect(&busy.url(), postgres::NoTls).unwrap();
    client
        .batch_execute(
            "CREATE TABLE orders (id integer PRIMARY KEY); INSERT INTO orders VALUES (1)",
        )
        .unwrap();
    let (refused, out) = restore(&busy, "busy.root");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "restored over other tables: {stderr}"
    );
    assert!(
        stderr.contains("public schema holds tables already")
            && stderr.contains("restore into a new, empty database"),
        "{stderr}"
    );
    assert!(
        !refused.root.exists(),
        "a refused restore wrote the root key file"
    );
    let tables: i64 = client
        .query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(tables, 1, "the refused restore left tables behind");

    let empty = OwnDatabase::new();
    let (restored, out) = restore(&empty, "restored.root");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(restored.run(&["stats", "--event", "2026"]), stats);
}

/// A restore whose ledger does not hold what the manifest says (here a
/// manifest edited by hand) is refused, and what it had made is removed:
/// no ledger file and no root key file are left to serve by mistake.
#[test]
fn a_refused_restore_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let kek = dir.path().join("center.kek");
    std::fs::write(&kek, hex::encode([6u8; 32])).unwrap();
    std::fs::set_permissions(&kek, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let site = Site {
        sqlite: dir.path().join("center.sqlite"),
        url: None,
        kek,
        root: dir.path().join("center.root"),
    };
    site.prepare(dir.path());
    let backup = dir.path().join("backup");
    site.run(&["backup", "--to", backup.to_str().unwrap()]);
    let manifest = backup.join("manifest.json");
    let mut m: Value = serde_json::from_slice(&std::fs::read(&manifest).unwrap()).unwrap();
    let tickets = m["rows"]["tickets"].as_i64().unwrap();
    m["rows"]["tickets"] = json!(tickets + 1);
    std::fs::write(&manifest, serde_json::to_vec(&m).unwrap()).unwrap();

    let restored = Site {
        sqlite: dir.path().join("restored.sqlite"),
        root: dir.path().join("restored.root"),
        ..site
    };
    let out = restored.try_run(&["restore", "--from", backup.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("the backup's manifest says"), "{stderr}");
    assert!(stderr.contains("nothing usable was restored"), "{stderr}");
    assert!(
        !restored.sqlite.exists(),
        "the refused ledger was left behind"
    );
    assert!(
        !restored.root.exists(),
        "the refused root key file was left behind"
    );
}
