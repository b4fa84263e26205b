//! The venue unit talks to a real `eticket serve` over HTTP (c57): it
//! fetches its event, the key set and the revocation list, its gate devices
//! admit the center's paper tickets (online, and alone through a cut), and
//! it uploads its entry log from its cursor; the center stores every scan
//! exactly once, also when the upload is retried across a center restart.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use eticket_core::crypto::PublicKey;
use eticket_core::ids::{EventId, GateId, KeyId};
use eticket_gate::venue::{CenterLink, Device, DeviceConfig, DeviceCredential, VenueServer};
use eticket_gate::{OfflinePolicy, PassbackPolicy, Settings, TrustStore, VenueUnit, system_now};
use serde_json::Value;

const EVENT: u32 = 77;

struct Center {
    dir: tempfile::TempDir,
    serve: Option<Child>,
    url: String,
}

impl Center {
    fn db(&self) -> PathBuf {
        self.dir.path().join("center.sqlite")
    }

    fn cli(&self, args: &[&str]) -> String {
        let out = Command::new(env!("CARGO_BIN_EXE_eticket"))
            .arg("--database")
            .arg(self.db())
            .args(args)
            .current_dir(self.dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "eticket {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.cli(args)).unwrap()
    }

    /// `eticket serve` on `listen` (a free port the first time).
    fn start(&mut self, listen: &str) {
        let mut child = Command::new(env!("CARGO_BIN_EXE_eticket"))
            .arg("--database")
            .arg(self.db())
            .args(["serve", "--listen", listen])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        self.url = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("{line:?}"))
            .to_owned();
        self.serve = Some(child);
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.serve.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
    }

    fn statistics(&self, organizer: &str) -> Value {
        let out = Command::new("curl")
            .args(["-sf", "-H"])
            .arg(format!("Authorization: Bearer {organizer}"))
            .arg(format!("{}/v1/events/{EVENT}/entries/statistics", self.url))
            .output()
            .unwrap();
        assert!(out.status.success(), "curl statistics");
        serde_json::from_slice(&out.stdout).unwrap()
    }
}

impl Drop for Center {
    fn drop(&mut self) {
        self.stop();
    }
}

fn utc(t: u64) -> String {
    let t = eticket_core::time::Timestamp(t);
    // `YYYY-MM-DDTHH:MM:SSZ`
    t.to_string()
}

/// A center with event 77 on now, distributor 1 selling every seat, and
/// `n` paper tickets issued; serving.
fn center(n: u32) -> (Center, Vec<Vec<u8>>) {
    let dir = tempfile::tempdir().unwrap();
    let mut c = Center {
        dir,
        serve: None,
        url: String::new(),
    };
    c.cli(&["init"]);
    c.cli(&["add-distributor", "--id", "1", "--name", "Shop"]);
    let now = system_now().0;
    let hall = Path::new(env!("CARGO_MANIFEST_DIR")).join("../eticket-alloc/data/small_hall.toml");
    let event = format!(
        "id = {EVENT}\nname = \"Rehearsal\"\nvenue = {hall:?}\naddress = \"Hallenweg 1\"\n\
         time_zone = \"Europe/Berlin\"\ndoors_open = {}\nstart = {}\nend = {}\n\
         [[gates]]\nid = 1\nname = \"Gate 1\"\nblocks = [1]\n\
         [[gates]]\nid = 2\nname = \"Gate 2\"\nblocks = [2]\n\
         [prices]\n1 = 100\n2 = 100\n3 = 100\n4 = 100\n5 = 100\n",
        utc(now - 600),
        utc(now + 3600),
        utc(now + 3 * 3600),
    );
    std::fs::write(c.dir.path().join("event.toml"), event).unwrap();
    c.cli(&["register-event", "--event", "event.toml"]);
    let e = EVENT.to_string();
    c.cli(&["select-distributor", "--event", &e, "--distributor", "1"]);
    std::fs::write(
        c.dir.path().join("ratios.json"),
        r#"{"shares": [{"distributor": 1, "weight": 1, "seat_type": null}]}"#,
    )
    .unwrap();
    c.cli(&["allot-ratios", "--event", &e, "--file", "ratios.json"]);
    let q = n.to_string();
    let hold = c.json(&[
        "hold",
        "--event",
        &e,
        "--distributor",
        "1",
        "--quantity",
        &q,
        "--buyer",
        "t",
    ]);
    let token = hold["token"].as_str().unwrap().to_owned();
    c.cli(&[
        "confirm-hold",
        "--event",
        &e,
        "--distributor",
        "1",
        "--token",
        &token,
        "--holder",
        "paper",
    ]);
    let tickets = (1..=n)
        .map(|serial| {
            let issued = c.json(&["issue", "--event", &e, "--serial", &serial.to_string()]);
            hex::decode(issued["ticket"]["ticket"].as_str().unwrap()).unwrap()
        })
        .collect();
    c.start("127.0.0.1:0");
    (c, tickets)
}

fn device(
    dir: &Path,
    addr: std::net::SocketAddr,
    cred: &DeviceCredential,
    root: (KeyId, PublicKey),
) -> Device {
    let mut config = DeviceConfig::new(
        addr.to_string(),
        cred.clone(),
        root.0,
        root.1,
        dir.join(format!("{}.db", cred.device)),
    );
    config.retry_after = Duration::ZERO;
    // Long enough for a loaded test machine; a cut costs one deadline a scan.
    config.deadline = Duration::from_millis(1000);
    Device::open(config, system_now()).unwrap()
}

#[path = "../../eticket-gate/tests/common/cable.rs"]
mod cable;

#[test]
fn a_venue_unit_syncs_with_a_real_center_and_every_scan_arrives_once() {
    let (mut center, tickets) = center(6);
    let organizer = center.cli(&["credential", "--role", "organizer", "--id", "1"]);
    let organizer = organizer.trim().to_owned();
    let keys = center.json(&["export-key-set"]);
    let root = (
        KeyId(u16::try_from(keys["root_key_id"].as_u64().unwrap()).unwrap()),
        PublicKey::from_sec1(&hex::decode(keys["root_public_key"].as_str().unwrap()).unwrap())
            .unwrap(),
    );

    // The unit: its key registered at the center with a unit credential.
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new(PassbackPolicy::SingleEntry);
    settings.offline = OfflinePolicy::AdmitAll;
    let anon = CenterLink::new(&center.url, "", "festhalle");
    assert!(
        anon.event(EventId(EVENT)).is_err(),
        "the event needs a credential"
    );
    // Read the event with a gate credential first, as an operator would.
    let gate_token = center.cli(&["credential", "--role", "gate", "--id", &EVENT.to_string()]);
    let event = CenterLink::new(&center.url, &gate_token, "festhalle")
        .event(EventId(EVENT))
        .unwrap();
    let unit = VenueUnit::open_with(
        dir.path().join("unit.db"),
        event,
        TrustStore::new(root.0, root.1.clone(), EventId(EVENT)),
        settings,
    )
    .unwrap();
    let token = center.cli(&[
        "credential",
        "--role",
        "unit",
        "--id",
        &EVENT.to_string(),
        "--unit",
        "festhalle",
        "--unit-key",
        &hex::encode(unit.public_key().unwrap()),
    ]);
    let link = CenterLink::new(&center.url, &token, "festhalle");
    let pulled = link.pull(&unit, system_now()).unwrap();
    assert!(pulled.key_set_version >= 1, "{pulled:?}");

    // Two devices through a cable the test can cut.
    let (a, b) = (
        DeviceCredential::generate("gate1-a", GateId(1)).unwrap(),
        DeviceCredential::generate("gate2-a", GateId(2)).unwrap(),
    );
    let server = VenueServer::new(&unit, [a.clone(), b.clone()]).unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let unit_addr = listener.local_addr().unwrap();
    std::thread::spawn(move || server.serve(listener));
    let cable = cable::Cable::to(unit_addr);
    let mut da = device(dir.path(), cable.addr, &a, root.clone());
    let mut db = device(dir.path(), cable.addr, &b, root);
    let now = system_now();
    let ins = |d: &mut Device, t: &[u8]| d.gate().admit_paper(t, now).unwrap();

    assert!(ins(&mut da, &tickets[0]).is_admitted());
    assert!(!ins(&mut db, &tickets[0]).is_admitted(), "a copy");
    assert!(ins(&mut db, &tickets[1]).is_admitted());
    cable.cut();
    // Apart: ticket 3 enters at both (offline paper is allowed here).
    let x = ins(&mut da, &tickets[2]);
    let y = ins(&mut db, &tickets[2]);
    assert!(x.is_admitted() && x.offline && y.is_admitted() && y.offline);
    assert!(ins(&mut da, &tickets[3]).is_admitted());
    cable.mend();
    assert_eq!(da.sync(now).unwrap().pending, 0);
    assert_eq!(db.sync(now).unwrap().pending, 0);
    let scans = unit.log().scan_count().unwrap();
    assert_eq!(scans, 6);
    assert_eq!(unit.conflicts().unwrap().len(), 1);

    // The center goes away while the unit uploads: the round fails after
    // its retries, nothing is marked sent; back again, all arrive once.
    let addr = center.url.trim_start_matches("http://").to_owned();
    center.stop();
    assert!(link.push(&unit).is_err());
    assert_eq!(unit.log().upload_cursor().unwrap().0, 0);
    center.start(&addr);
    let (added, already) = link.push(&unit).unwrap();
    assert_eq!((added, already), (scans, 0));
    assert_eq!(link.push(&unit).unwrap(), (0, 0));
    // More scans later, one more round.
    assert!(ins(&mut db, &tickets[4]).is_admitted());
    let round = link.round(&unit, system_now()).unwrap();
    assert_eq!(round.uploaded, 1);

    // The center counts each scan once: 5 tickets attended, 6 admissions
    // (ticket 3 twice, while apart), 1 refusal.
    let stats = center.statistics(&organizer);
    assert_eq!(stats["attended"], 5, "{stats}");
    assert_eq!(stats["entries"], 6, "{stats}");
    assert_eq!(stats["refused"], 1, "{stats}");
    // The double admission the unit found, reported with both devices.
    let conflicts = stats["conflicts"].as_array().unwrap();
    assert_eq!(conflicts.len(), 1, "{stats}");
    let c = &conflicts[0];
    let devices: Vec<&str> = c["admissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["device"].as_str().unwrap())
        .collect();
    assert_eq!(devices.len(), 2, "{c}");
    assert!(
        devices.contains(&"gate1-a") && devices.contains(&"gate2-a"),
        "{c}"
    );
    assert_eq!(
        c["admissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["flagged"] == true)
            .count(),
        1,
        "{c}"
    );
}
