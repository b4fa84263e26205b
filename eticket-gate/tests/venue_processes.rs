//! The venue network as it runs: one `eticket-venue serve` process and
//! several `eticket-venue device` processes on loopback, each device its
//! own process with its own log, scanning lines from its stdin. One ticket
//! presented at every device at once enters once; a paper copy is refused
//! at every other device; with the unit killed (SIGKILL) the devices decide
//! alone, and when it is started again every scan of every device reaches it
//! exactly once and the double admissions are reported.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use eticket_core::fixtures;
use eticket_core::ids::{EventId, GateId, TicketSerial};
use eticket_core::keys::{KeyEntry, KeyPurpose, KeyScope, KeySet};
use eticket_core::revocation::RevocationList;
use eticket_core::ticket::{Holder, TicketBody};
use eticket_core::time::Timestamp;
use eticket_gate::chip::TestCard;
use eticket_gate::venue::DeviceCredential;
use eticket_gate::{EntryLog, system_now};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_eticket-venue");

struct Venue {
    dir: tempfile::TempDir,
    port: u16,
    unit: Option<Child>,
}

impl Venue {
    fn config(&self) -> PathBuf {
        self.dir.path().join("venue.json")
    }

    fn start(&mut self) {
        let child = Command::new(BIN)
            .args(["serve", "--config"])
            .arg(self.config())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.unit = Some(child);
        let until = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < until, "the venue unit did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// SIGKILL: no goodbye to anyone.
    fn kill(&mut self) {
        if let Some(mut c) = self.unit.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn log(&self) -> EntryLog {
        EntryLog::open(self.dir.path().join("unit.db"), fixtures::EVENT).unwrap()
    }
}

impl Drop for Venue {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A key set valid around the real clock (the devices read it).
fn key_set(now: Timestamp) -> KeySet {
    let entry = |k: eticket_core::keys::SigningKeyPair, purpose| KeyEntry {
        id: k.id(),
        public: k.public_key(),
        purpose,
        not_before: now.minus(30 * 86_400),
        not_after: now.plus(30 * 86_400),
        scope: KeyScope::AllEvents,
        retired: false,
    };
    KeySet::new(
        1,
        vec![
            entry(fixtures::ticket_key(), KeyPurpose::Tickets),
            entry(fixtures::grant_key(), KeyPurpose::Grants),
            entry(fixtures::list_key(), KeyPurpose::Lists),
        ],
    )
    .unwrap()
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn root_json() -> Value {
    let root = fixtures::root_key();
    json!({"id": root.id().0, "public_key": hex::encode(root.public_key().to_uncompressed())})
}

fn write(path: &Path, text: impl AsRef<[u8]>) {
    std::fs::write(path, text).unwrap();
}

/// A venue with `devices` (name, gate), its unit started.
fn venue(devices: &[(&str, u16)]) -> (Venue, Vec<DeviceCredential>) {
    let dir = tempfile::tempdir().unwrap();
    let now = system_now();
    let root = fixtures::root_key();
    write(
        &dir.path().join("event.json"),
        serde_json::to_vec(&fixtures::small_event()).unwrap(),
    );
    write(
        &dir.path().join("keys.hex"),
        hex::encode(key_set(now).to_signed_bytes(&root).unwrap()),
    );
    let list = RevocationList::new(EventId(fixtures::EVENT.0), 0, now, vec![])
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    write(&dir.path().join("list.hex"), hex::encode(list));
    let creds: Vec<DeviceCredential> = devices
        .iter()
        .map(|(name, gate)| DeviceCredential::generate(name, GateId(*gate)).unwrap())
        .collect();
    write(
        &dir.path().join("devices.json"),
        serde_json::to_vec(&creds).unwrap(),
    );
    let port = free_port();
    let config = json!({
        "listen": format!("127.0.0.1:{port}"),
        "log": "unit.db",
        "event": "event.json",
        "root": root_json(),
        "key_set": "keys.hex",
        "revocations": "list.hex",
        "devices": "devices.json",
    });
    write(&dir.path().join("venue.json"), config.to_string());
    let mut v = Venue {
        dir,
        port,
        unit: None,
    };
    v.start();
    (v, creds)
}

struct DeviceProc {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl DeviceProc {
    fn start(venue: &Venue, credential: &DeviceCredential) -> Self {
        let path = venue.dir.path().join(format!("{}.json", credential.device));
        let config = json!({
            "unit": format!("127.0.0.1:{}", venue.port),
            "credential": credential,
            "root": root_json(),
            "log": format!("{}.db", credential.device),
            "deadline_ms": 2000,
            "retry_after_ms": 0,
        });
        write(&path, config.to_string());
        let mut child = Command::new(BIN)
            .args(["device", "--config"])
            .arg(&path)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Self {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn answer(&mut self) -> Value {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        assert!(v.get("error").is_none(), "{v}");
        v
    }

    fn ask(&mut self, line: &str) -> Value {
        self.send(line);
        self.answer()
    }
}

impl Drop for DeviceProc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ticket(serial: u32, holder: Holder) -> TicketBody {
    let now = system_now();
    TicketBody {
        serial: TicketSerial(serial),
        holder,
        valid_from: now.minus(3600),
        valid_for: 12 * 3600,
        issued_at: now.minus(86_400),
        ..fixtures::chip_ticket(TicketSerial(serial))
    }
}

/// A rehearsal card line: a fresh card key and one ticket for it.
fn card_line(serial: u32) -> String {
    let secret = eticket_core::crypto::SecretKey::generate(&mut rand_core::OsRng).to_bytes();
    let card = TestCard::from_secret(&secret).unwrap();
    let signed = ticket(serial, Holder::Chip(card.id()))
        .sign(&fixtures::ticket_key())
        .unwrap();
    format!(
        "test-card {} {}",
        hex::encode(secret),
        hex::encode(signed.as_bytes())
    )
}

/// A paper ticket as a scanner types its QR text (odd serials from 5 on),
/// or as its signed bytes in hex.
fn paper_line(serial: u32) -> String {
    let signed = ticket(serial, Holder::Paper)
        .sign(&fixtures::ticket_key())
        .unwrap();
    if serial >= 5 && serial % 2 == 1 {
        eticket_chip::paper::encode_payload(&signed)
    } else {
        format!("paper {}", hex::encode(signed.as_bytes()))
    }
}

fn admitted(v: &Value) -> bool {
    v["admitted"].as_bool().unwrap()
}

#[test]
fn one_ticket_at_four_device_processes_at_once_enters_once() {
    let (venue, creds) = venue(&[
        ("north-1", 1),
        ("north-2", 1),
        ("south-1", 2),
        ("south-2", 2),
    ]);
    let mut devices: Vec<DeviceProc> = creds.iter().map(|c| DeviceProc::start(&venue, c)).collect();
    for serial in 1..=8u32 {
        // The same card (or paper code) at every device at once.
        let line = if serial % 2 == 0 {
            card_line(serial)
        } else {
            paper_line(serial)
        };
        for d in &mut devices {
            d.send(&line);
        }
        let answers: Vec<Value> = devices.iter_mut().map(DeviceProc::answer).collect();
        let ins = answers.iter().filter(|a| admitted(a)).count();
        assert_eq!(ins, 1, "ticket {serial}: {answers:?}");
        for a in &answers {
            assert_eq!(a["offline"], false, "{a}");
            if !admitted(a) {
                let code = a["refusal"].as_u64().unwrap();
                let expected = if serial % 2 == 0 { 104 } else { 107 };
                assert_eq!(code, expected, "{a}");
            }
        }
    }
    // A paper ticket admitted at one device: its copy is refused at every
    // other, one after the other.
    let copy = paper_line(100);
    assert!(admitted(&devices[0].ask(&copy)));
    for d in devices.iter_mut().skip(1) {
        let a = d.ask(&copy);
        assert_eq!(a["refusal"], 107, "{a}");
    }
    let log = venue.log();
    assert_eq!(log.scan_count().unwrap(), 8 * 4 + 4);
    assert_eq!(log.admitted_tickets().unwrap(), 9);
}

#[test]
fn a_killed_unit_leaves_devices_alone_and_every_scan_reaches_it_once_when_it_returns() {
    let (mut venue, creds) = venue(&[("north-1", 1), ("south-1", 2)]);
    let mut north = DeviceProc::start(&venue, &creds[0]);
    let mut south = DeviceProc::start(&venue, &creds[1]);
    let mut scans = Vec::new();
    let mut record = |v: Value| {
        scans.push(v["scan"].as_str().unwrap().to_owned());
        v
    };
    let one = card_line(1);
    let two = card_line(2);
    assert!(admitted(&record(north.ask(&one))));
    // South has asked nothing yet: it takes the venue's trust now, not at
    // some point after its start that a busy machine may put past the kill.
    let s = south.ask("sync");
    assert_eq!(s["online"], true, "{s}");

    venue.kill();
    let a = record(north.ask(&two));
    assert!(admitted(&a) && a["offline"] == true, "{a}");
    let b = record(south.ask(&two));
    assert!(admitted(&b) && b["offline"] == true, "{b}");
    let c = record(south.ask(&one));
    assert!(admitted(&c) && c["offline"] == true, "{c}");
    let d = record(south.ask(&paper_line(3)));
    assert_eq!(d["refusal"], 114, "{d}");
    assert!(
        d["line"].as_str().unwrap().starts_with("OFFLINE REFUSE"),
        "{d}"
    );

    venue.start();
    for dev in [&mut north, &mut south] {
        let s = dev.ask("sync");
        assert_eq!(s["online"], true, "{s}");
        assert_eq!(s["pending"], 0, "{s}");
    }
    // Every scan exactly once in the unit's log.
    let log = venue.log();
    let records = log.records().unwrap();
    assert_eq!(records.len(), scans.len(), "{records:?}");
    for id in &scans {
        assert_eq!(
            records
                .iter()
                .filter(|r| &r.scan_id.to_string() == id)
                .count(),
            1,
            "scan {id}"
        );
    }
    // Both double admissions reported, by the unit's own command too.
    let out = Command::new(BIN)
        .args(["conflicts", "--config"])
        .arg(venue.config())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let conflicts: Value = serde_json::from_slice(&out.stdout).unwrap();
    let serials: Vec<u64> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["serial"].as_u64().unwrap())
        .collect();
    assert_eq!(serials, vec![1, 2], "{conflicts}");
    // The unit decides again for everyone.
    let again = north.ask(&two);
    assert_eq!(again["refusal"], 104, "{again}");
    assert_eq!(again["offline"], false, "{again}");
}

#[test]
fn another_command_on_a_live_units_log_leaves_it_whole() {
    let (mut venue, creds) = venue(&[("north-1", 1), ("south-1", 2)]);
    let mut north = DeviceProc::start(&venue, &creds[0]);
    let paper = paper_line(1);
    assert!(admitted(&north.ask(&paper)));
    // The operator asks the running unit's log for its conflicts and
    // statistics: separate processes that open and close the same file.
    for command in ["conflicts", "statistics"] {
        let out = Command::new(BIN)
            .arg(command)
            .arg("--config")
            .arg(venue.config())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let wal = venue.dir.path().join("unit.db-wal");
    assert!(wal.exists(), "the live unit's WAL was removed");
    // A device that connects now is served, and the admission holds.
    let mut south = DeviceProc::start(&venue, &creds[1]);
    let copy = south.ask(&paper);
    assert_eq!(
        (copy["refusal"].as_u64(), copy["offline"].as_bool()),
        (Some(107), Some(false)),
        "{copy}"
    );
    // And it is still there after the unit restarts.
    venue.kill();
    venue.start();
    let again = south.ask(&paper);
    assert_eq!(again["refusal"], 107, "{again}");
}
