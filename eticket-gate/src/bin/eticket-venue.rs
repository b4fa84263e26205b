//! `eticket-venue`: the venue unit as a service on the venue LAN, and a
//! simple gate device (a scanner that reads codes line by line).
//!
//! ```text
//! eticket-venue unit-key --log unit.db --event ID       the unit's public key (hex)
//! eticket-venue new-device --name NAME --gate N        a device credential (JSON)
//! eticket-venue serve --config venue.json              run the unit
//! eticket-venue device --config device.json            scan lines from stdin
//! eticket-venue conflicts --config venue.json          double admissions (JSON)
//! eticket-venue statistics --config venue.json         the unit's statistics (JSON)
//! eticket-venue sync-center --config venue.json        one round with the center
//! ```
//!
//! See docs/gate/venue-network.md for the configuration files.

use std::io::{BufRead, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use eticket_core::crypto::PublicKey;
use eticket_core::event::EventInfo;
use eticket_core::ids::{GateId, KeyId};
use eticket_gate::chip::TestCard;
use eticket_gate::venue::{CenterLink, Device, DeviceConfig, DeviceCredential, VenueServer};
use eticket_gate::{Outcome, PassbackPolicy, Settings, TrustStore, VenueUnit, system_now};
use serde::Deserialize;

const USAGE: &str = "\
usage:
  eticket-venue unit-key --log unit.db --event ID   print the unit's public key (hex), made
                                                    with its entry log on first use: register
                                                    it at the center (eticket credential
                                                    --role unit --unit-key)
  eticket-venue new-device --name NAME --gate N     print a device credential (JSON)
  eticket-venue serve --config venue.json           run the venue unit
  eticket-venue device --config device.json         a gate device scanning lines from stdin
  eticket-venue conflicts --config venue.json       print the double admissions (JSON)
  eticket-venue statistics --config venue.json      print the unit's statistics (JSON; with
                                                    its double admissions)
  eticket-venue sync-center --config venue.json     one round with the center: fetch
                                                    trust, upload the entry log (JSON)

device input, one scan per line:
  ET1:...              a scanned paper ticket's QR text, as a scanner types it
  exit ET1:...         the same at an exit
  paper HEX            a paper ticket's signed bytes (hex)
  exit-paper HEX       the same at an exit
  test-card KEY TICKET a rehearsal card: its P-256 secret and one ticket (hex)
  sync                 reach the unit, send offline scans, take new trust
each line is answered with one JSON line.";

/// The unit's configuration file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VenueFile {
    /// Address to listen on, `host:port`.
    listen: String,
    /// The entry log (SQLite; created if missing).
    log: PathBuf,
    /// The event: its id (fetched from the center named below) or a file
    /// with the event as JSON (`GET /v1/events/{event}`'s answer).
    event: EventSource,
    /// The center's root key.
    root: Root,
    /// Signed key set (hex), taken when newer than the log's.
    #[serde(default)]
    key_set: Option<PathBuf>,
    /// Signed revocation list (hex), taken when newer than the log's.
    #[serde(default)]
    revocations: Option<PathBuf>,
    /// The venue's policy (default: single entry, chip-only offline).
    #[serde(default)]
    settings: Option<Settings>,
    /// The devices' credentials (a JSON list, as `new-device` prints them).
    devices: PathBuf,
    /// The center to fetch trust from and upload to (c57).
    #[serde(default)]
    center: Option<CenterFile>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum EventSource {
    Id(u32),
    File(PathBuf),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CenterFile {
    /// The center's base URL.
    url: String,
    /// A file holding the unit's credential (`eticket credential --role unit`).
    token_file: PathBuf,
    /// The name the unit is registered under at the center.
    unit: String,
    /// Seconds between rounds while serving (default 30).
    #[serde(default)]
    every_secs: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Root {
    id: u16,
    /// Uncompressed SEC1, hex.
    public_key: String,
}

/// A device's configuration file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceFile {
    /// The unit's address, `host:port`.
    unit: String,
    /// The device's credential (as `new-device` printed it).
    credential: DeviceCredential,
    root: Root,
    /// The device's own log.
    log: PathBuf,
    #[serde(default)]
    deadline_ms: Option<u64>,
    #[serde(default)]
    retry_after_ms: Option<u64>,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn flag<'a>(args: &'a [String], name: &str) -> Result<&'a str, String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map(String::as_str)
        .ok_or_else(|| format!("{name} is required\n{USAGE}"))
}

fn run(args: &[String]) -> Result<(), String> {
    match args.first().map(String::as_str) {
        Some("unit-key") => {
            let log = flag(args, "--log")?;
            let event: u32 = flag(args, "--event")?
                .parse()
                .map_err(|_| "--event is an event id".to_owned())?;
            let key = eticket_gate::unit::unit_public_key(log, eticket_core::ids::EventId(event))
                .map_err(|e| e.to_string())?;
            println!("{}", hex::encode(key));
            Ok(())
        }
        Some("new-device") => {
            let name = flag(args, "--name")?;
            let gate: u16 = flag(args, "--gate")?
                .parse()
                .map_err(|_| "--gate is a gate number".to_owned())?;
            let c = DeviceCredential::generate(name, GateId(gate)).map_err(|e| e.to_string())?;
            println!("{}", serde_json::to_string(&c).map_err(|e| e.to_string())?);
            Ok(())
        }
        Some("serve") => serve(Path::new(flag(args, "--config")?)),
        Some("device") => device(Path::new(flag(args, "--config")?)),
        Some("conflicts") => {
            let (unit, _) = open_unit(Path::new(flag(args, "--config")?))?;
            let c = unit.conflicts().map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::to_string_pretty(&c).map_err(|e| e.to_string())?
            );
            Ok(())
        }
        Some("statistics") => {
            let (unit, _) = open_unit(Path::new(flag(args, "--config")?))?;
            let s = unit.statistics([]).map_err(|e| e.to_string())?;
            println!("{}", s.to_json().map_err(|e| e.to_string())?);
            Ok(())
        }
        Some("sync-center") => {
            let config = Path::new(flag(args, "--config")?);
            let (unit, file) = open_unit(config)?;
            let link = center_link(config, &file)?
                .ok_or_else(|| "the configuration names no center".to_owned())?;
            let r = link.round(&unit, system_now()).map_err(|e| e.to_string())?;
            println!(
                "{}",
                serde_json::json!({
                    "rollovers": r.rollovers,
                    "key_set_version": r.key_set_version,
                    "revocation_version": r.revocation_version,
                    "uploaded": r.uploaded,
                    "already_present": r.already_present,
                })
            );
            Ok(())
        }
        Some("--help" | "-h" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(USAGE.to_owned()),
    }
}

/// Say so on stderr when a file holding secrets is open to others.
fn warn_if_shared(path: &Path, holds: &str) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                eprintln!(
                    "warning: {} holds {holds} and is open to others (mode {mode:o}): chmod 600 it",
                    path.display()
                );
            }
        }
    }
    #[cfg(not(unix))]
    let _ = (path, holds);
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_hex(path: &Path) -> Result<Vec<u8>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    hex::decode(text.trim()).map_err(|e| format!("{}: not hex: {e}", path.display()))
}

/// Relative paths in a configuration file are relative to the file.
fn beside(config: &Path, path: &Path) -> PathBuf {
    match config.parent() {
        Some(dir) if path.is_relative() => dir.join(path),
        _ => path.to_path_buf(),
    }
}

fn root_key(root: &Root) -> Result<(KeyId, PublicKey), String> {
    let bytes = hex::decode(&root.public_key).map_err(|e| format!("root.public_key: {e}"))?;
    let key = PublicKey::from_sec1(&bytes).map_err(|e| format!("root.public_key: {e}"))?;
    Ok((KeyId(root.id), key))
}

fn open_unit(config: &Path) -> Result<(VenueUnit, VenueFile), String> {
    let file: VenueFile = read_json(config)?;
    let event: EventInfo = match &file.event {
        EventSource::File(path) => read_json(&beside(config, path))?,
        EventSource::Id(id) => center_link(config, &file)?
            .ok_or_else(|| {
                "\"event\" is an id: the configuration needs a \"center\" to fetch it from"
                    .to_owned()
            })?
            .event(eticket_core::ids::EventId(*id))
            .map_err(|e| e.to_string())?,
    };
    let (root_id, root) = root_key(&file.root)?;
    let trust = TrustStore::new(root_id, root, event.id);
    let settings = file
        .settings
        .unwrap_or_else(|| Settings::new(PassbackPolicy::SingleEntry));
    let unit = VenueUnit::open_with(beside(config, &file.log), event, trust, settings)
        .map_err(|e| e.to_string())?;
    let now = system_now();
    if let Some(p) = &file.key_set {
        let bytes = read_hex(&beside(config, p))?;
        match unit.accept_key_set(&bytes, now) {
            // Taken at an earlier start.
            Ok(_) | Err(eticket_gate::Error::NotNewer { .. }) => {}
            Err(e) => eprintln!("venue unit: key set not taken: {e}"),
        }
    }
    if let Some(p) = &file.revocations {
        let bytes = read_hex(&beside(config, p))?;
        match unit.accept_revocation_list(&bytes, now) {
            Ok(_) | Err(eticket_gate::Error::NotNewer { .. }) => {}
            Err(e) => eprintln!("venue unit: revocation list not taken: {e}"),
        }
    }
    Ok((unit, file))
}

fn center_link(config: &Path, file: &VenueFile) -> Result<Option<CenterLink>, String> {
    let Some(c) = &file.center else {
        return Ok(None);
    };
    let path = beside(config, &c.token_file);
    warn_if_shared(&path, "the unit's credential at the center");
    let token = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Some(CenterLink::new(&c.url, &token, &c.unit)))
}

fn serve(config: &Path) -> Result<(), String> {
    let (unit, file) = open_unit(config)?;
    let devices_path = beside(config, &file.devices);
    warn_if_shared(&devices_path, "the devices' secrets");
    let devices: Vec<DeviceCredential> = read_json(&devices_path)?;
    let n = devices.len();
    let server = VenueServer::new(&unit, devices).map_err(|e| e.to_string())?;
    let listener = TcpListener::bind(&file.listen).map_err(|e| format!("{}: {e}", file.listen))?;
    eprintln!(
        "venue unit: event {} on {}, {n} devices",
        unit.event().id,
        file.listen
    );
    if let Some(link) = center_link(config, &file)? {
        let every = Duration::from_secs(
            file.center
                .as_ref()
                .and_then(|c| c.every_secs)
                .unwrap_or(30)
                .max(1),
        );
        // The unit itself goes to the thread that talks to the center; the
        // server shares its event, settings and log.
        std::thread::spawn(move || {
            loop {
                match link.round(&unit, system_now()) {
                    Ok(r) if r.uploaded > 0 || r.rollovers > 0 => eprintln!(
                        "venue unit: center: key set {}, list {}, {} scans uploaded",
                        r.key_set_version, r.revocation_version, r.uploaded
                    ),
                    Ok(_) => {}
                    Err(e) => eprintln!("venue unit: center: {e} (trying again in {every:?})"),
                }
                std::thread::sleep(every);
            }
        });
    }
    server.serve(listener).map_err(|e| e.to_string())
}

fn device(config: &Path) -> Result<(), String> {
    warn_if_shared(config, "the device's secret");
    let file: DeviceFile = read_json(config)?;
    let (root_id, root) = root_key(&file.root)?;
    let mut c = DeviceConfig::new(
        file.unit,
        file.credential,
        root_id,
        root,
        beside(config, &file.log),
    );
    if let Some(ms) = file.deadline_ms {
        c.deadline = Duration::from_millis(ms);
    }
    if let Some(ms) = file.retry_after_ms {
        c.retry_after = Duration::from_millis(ms);
    }
    let mut device = Device::open(c, system_now()).map_err(|e| e.to_string())?;
    let opened = device.sync(system_now()).map_err(|e| e.to_string())?;
    if opened.trust_refused > 0 {
        eprintln!(
            "warning: the venue unit offered {} key sets or lists that this device's root does not vouch for; they were refused",
            opened.trust_refused
        );
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line.map_err(|e| e.to_string())?;
        let answer = scan(&mut device, line.trim());
        writeln!(out, "{answer}").map_err(|e| e.to_string())?;
        out.flush().map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn outcome_json(out: &Outcome) -> serde_json::Value {
    serde_json::json!({
        "scan": out.scan_id().to_string(),
        "admitted": out.is_admitted(),
        "refusal": out.refusal().map(|r| r.code()),
        "offline": out.offline,
        "line": out.to_string(),
    })
}

/// A scanned QR text: the ticket's signed bytes, or the text itself when it
/// is not a ticket's (the gate logs it as refused, unreadable).
fn qr_bytes(text: &str) -> Vec<u8> {
    eticket_chip::paper::parse_payload(text)
        .map_or_else(|_| text.as_bytes().to_vec(), |t| t.as_bytes().to_vec())
}

fn scan(device: &mut Device, line: &str) -> serde_json::Value {
    let now = system_now();
    // QR text may hold spaces (base45): taken whole.
    let qr = |device: &mut Device, text: &str, exit: bool| {
        let bytes = qr_bytes(text);
        let gate = device.gate();
        let out = if exit {
            gate.exit_paper(&bytes, now)
        } else {
            gate.admit_paper(&bytes, now)
        };
        out.map(|o| outcome_json(&o))
            .unwrap_or_else(|e| serde_json::json!({ "error": e.to_string() }))
    };
    if line.starts_with(eticket_chip::paper::PAYLOAD_PREFIX) {
        return qr(device, line, false);
    }
    if let Some(text) = line.strip_prefix("exit ") {
        if text.starts_with(eticket_chip::paper::PAYLOAD_PREFIX) {
            return qr(device, text, true);
        }
    }
    let mut words = line.split_whitespace();
    let result = match (words.next(), words.next(), words.next()) {
        (Some("paper"), Some(h), None) => hex::decode(h)
            .map_err(|e| format!("not hex: {e}"))
            .and_then(|b| {
                device
                    .gate()
                    .admit_paper(&b, now)
                    .map(|o| outcome_json(&o))
                    .map_err(|e| e.to_string())
            }),
        (Some("exit-paper"), Some(h), None) => hex::decode(h)
            .map_err(|e| format!("not hex: {e}"))
            .and_then(|b| {
                device
                    .gate()
                    .exit_paper(&b, now)
                    .map(|o| outcome_json(&o))
                    .map_err(|e| e.to_string())
            }),
        (Some("test-card"), Some(key), Some(ticket)) => test_card(device, key, ticket, now),
        (Some("sync"), None, None) => device
            .sync(now)
            .map(|s| {
                serde_json::json!({
                    "online": s.online,
                    "pending": s.pending,
                    "trust_applied": s.trust_applied,
                    "trust_refused": s.trust_refused,
                })
            })
            .map_err(|e| e.to_string()),
        _ => Err(format!(
            "unknown line {line:?}: paper HEX | exit-paper HEX | test-card KEY TICKET | sync"
        )),
    };
    result.unwrap_or_else(|e| serde_json::json!({ "error": e }))
}

fn test_card(
    device: &mut Device,
    key: &str,
    ticket: &str,
    now: eticket_core::time::Timestamp,
) -> Result<serde_json::Value, String> {
    let key = hex::decode(key).map_err(|e| format!("card key not hex: {e}"))?;
    let ticket = hex::decode(ticket).map_err(|e| format!("ticket not hex: {e}"))?;
    let mut card = TestCard::from_secret(&key).map_err(|e| e.to_string())?;
    card.store_bytes(ticket);
    device
        .gate()
        .admit_chip(&mut card, now)
        .map(|o| outcome_json(&o))
        .map_err(|e| e.to_string())
}
