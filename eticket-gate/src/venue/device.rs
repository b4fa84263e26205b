//! A gate device against a venue unit on the network: the ticket is
//! verified on the device (signature, chip challenge: the cryptography stays
//! here), then the unit decides anti-passback for every device of the venue
//! at once. When the unit does not answer within the deadline the device
//! decides alone from its own trust material and its own log, says so on
//! the outcome ([`Outcome::offline`](crate::Outcome::offline)), and keeps
//! every scan to send once the unit answers again.

use std::net::{TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use eticket_core::crypto::PublicKey;
use eticket_core::event::EventInfo;
use eticket_core::ids::{GateId, KeyId};
use eticket_core::time::Timestamp;
use serde::{Deserialize, Serialize};

use crate::entry_log::{Cursor, EntryLog};
use crate::gate::Gate;
use crate::trust::TrustStore;
use crate::unit::{Settings, Shared, VenueUnit, update_trust};
use crate::venue::protocol::{
    Answer, Channel, ClientHello, ClientProof, DeviceCredential, MAGIC, MAX_ANSWER_LEN,
    MAX_HANDSHAKE_LEN, MAX_RECONCILE_RECORDS, PROTOCOL_VERSION, Request, ServerHello, Side,
    TrustKind, decode, encode, nonce, proof_matches, proofs, read_frame, write_frame,
};
use crate::{Error, Result};

/// Default for [`DeviceConfig::deadline`]: 300 ms.
pub const DEFAULT_DEADLINE: Duration = Duration::from_millis(300);
/// Default for [`DeviceConfig::retry_after`]: 2 s.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(2);
/// How long the welcome and the trust material may take (they carry the
/// event's seat master and the revocation list).
const SYNC_TIMEOUT: Duration = Duration::from_secs(30);
/// Scans sent per reconciliation after each scan while some are pending.
pub(crate) const FLUSH_PER_SCAN: usize = 200;

const WELCOME: &str = "device_welcome";
const TRUST_APPLIED: &str = "device_trust_applied";

/// How a device reaches its venue unit.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// The unit's address, `host:port`.
    pub unit: String,
    /// The device's credential at the unit.
    pub credential: DeviceCredential,
    /// The root key the device trusts (the center's, as the unit's): every
    /// key set and list the unit hands over is verified with it here.
    pub root_id: KeyId,
    /// Its public key.
    pub root_key: PublicKey,
    /// The device's own log (offline decisions, scans not yet at the unit,
    /// the trust material and the unit's welcome for a restart while the
    /// unit is away).
    pub log: PathBuf,
    /// Longest wait for the unit's answer to a scan before deciding alone.
    pub deadline: Duration,
    /// After a failure, how long the device decides alone before it tries
    /// the unit again (each try may cost one deadline).
    pub retry_after: Duration,
}

impl DeviceConfig {
    /// A configuration with the default deadline and retry interval.
    pub fn new(
        unit: impl Into<String>,
        credential: DeviceCredential,
        root_id: KeyId,
        root_key: PublicKey,
        log: impl Into<PathBuf>,
    ) -> Self {
        Self {
            unit: unit.into(),
            credential,
            root_id,
            root_key,
            log: log.into(),
            deadline: DEFAULT_DEADLINE,
            retry_after: DEFAULT_RETRY_AFTER,
        }
    }
}

/// What a device keeps of the unit's welcome.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Welcome {
    event: EventInfo,
    settings: Settings,
    gate: GateId,
}

/// Where a device stands with its unit, after [`Device::sync`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncStatus {
    /// The unit answered.
    pub online: bool,
    /// Scans the unit has not confirmed yet.
    pub pending: u64,
    /// Trust items taken from the unit now.
    pub trust_applied: u32,
    /// Trust items the unit offered that did not verify here (or were
    /// older than what the device has), since the device was opened: a unit
    /// handing out material its center did not sign shows here.
    pub trust_refused: u32,
}

/// A gate device of a networked venue: its [`Gate`] (admit with it as with
/// any gate) and its own small venue unit (log and trust).
///
/// ```no_run
/// # fn demo(credential: eticket_gate::venue::DeviceCredential,
/// #         root: eticket_core::crypto::PublicKey) -> eticket_gate::Result<()> {
/// use eticket_core::ids::KeyId;
/// use eticket_gate::venue::{Device, DeviceConfig};
/// let now = eticket_gate::system_now();
/// let config = DeviceConfig::new("10.0.0.2:7400", credential, KeyId(100), root, "device.db");
/// let mut device = Device::open(config, now)?;
/// let out = device.gate().admit_paper(b"...scanned code...", now)?;
/// println!("{out}"); // "OFFLINE ADMIT …" when the unit did not answer
/// device.sync(now)?; // now and then: reconnect, send offline scans, new trust
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct Device {
    unit: VenueUnit,
    gate: Gate,
}

impl Device {
    /// Connect to the unit (or, when it does not answer, start from what an
    /// earlier run kept in the device's log), take its trust material and
    /// open the device's gate.
    pub fn open(config: DeviceConfig, now: Timestamp) -> Result<Self> {
        let mut link = Link::new(&config);
        let root_id = config.root_id;
        let log_path = config.log.clone();
        let cached = cached_welcome(&log_path)?;
        let welcome = match link.request_with(&Request::Welcome, SYNC_TIMEOUT) {
            Ok(Answer::Welcome {
                event,
                settings,
                gate,
                trust,
            }) => {
                link.trust_seen = trust;
                Welcome {
                    event: *event,
                    settings,
                    gate,
                }
            }
            Ok(Answer::Refused(why)) => return Err(Error::UnitRefused(why)),
            Ok(_) => {
                return Err(Error::Protocol(
                    "the unit answered the welcome with something else".into(),
                ));
            }
            Err(e) => match cached {
                Some(w) => w,
                None => return Err(e),
            },
        };
        welcome.event.validate().map_err(|e| {
            Error::Protocol(format!("the unit's event does not hold together: {e}"))
        })?;
        let trust = TrustStore::new(config.root_id, config.root_key, welcome.event.id);
        let unit = VenueUnit::open_with(&log_path, welcome.event.clone(), trust, welcome.settings)?;
        unit.log().put_meta(&[(WELCOME, encode(&welcome)?)])?;
        let gate = unit
            .gate(welcome.gate, &config.credential.device)?
            .with_link(link);
        let mut device = Self { unit, gate };
        let status = device.sync(now)?;
        if status.trust_refused > 0 && device.unit.freshness(now).key_set_version == 0 {
            return Err(Error::Protocol(format!(
                "none of the {} key sets and lists the unit offered verifies with this device's \
                 root key {}: the device is configured with another root, or the unit is not \
                 this center's",
                status.trust_refused, root_id
            )));
        }
        Ok(device)
    }

    /// The device's gate: admit and refuse with it.
    pub fn gate(&mut self) -> &mut Gate {
        &mut self.gate
    }

    /// The device's own unit: its log (every scan it made, and the unit's
    /// answers) and its trust material.
    pub fn local(&self) -> &VenueUnit {
        &self.unit
    }

    /// Reach the unit if it is away, send every scan it has not confirmed,
    /// take its newer trust material. Call it now and then (every few
    /// seconds) while no one is at the gate; scans do a little of it too.
    pub fn sync(&mut self, now: Timestamp) -> Result<SyncStatus> {
        self.gate.sync(now)
    }

    /// The device's own unit and its gate, apart (the gate keeps its link
    /// to the venue unit; [`Gate::sync`] does what [`sync`](Self::sync)
    /// does).
    pub fn into_parts(self) -> (VenueUnit, Gate) {
        (self.unit, self.gate)
    }

    /// Scans the unit has not confirmed yet.
    pub fn pending(&self) -> Result<u64> {
        pending(self.unit.log())
    }
}

fn cached_welcome(path: &std::path::Path) -> Result<Option<Welcome>> {
    if !path.exists() {
        return Ok(None);
    }
    // The log's event is not known yet: read the cached welcome directly.
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|source| Error::Database {
                path: path.display().to_string(),
                source,
            })?;
    let bytes: Option<Vec<u8>> = rusqlite::OptionalExtension::optional(conn.query_row(
        "SELECT value FROM unit WHERE key = ?1",
        [WELCOME],
        |r| r.get(0),
    ))
    .unwrap_or(None);
    bytes.map(|b| decode(&b, "cached welcome")).transpose()
}

/// Scans after the device's unit cursor.
pub(crate) fn pending(log: &EntryLog) -> Result<u64> {
    let cursor = log.upload_cursor()?;
    let last = log.last_seq()?;
    Ok(u64::try_from(last.saturating_sub(cursor.0)).unwrap_or(0))
}

/// The device's connection to its unit.
pub(crate) struct Link {
    addr: String,
    credential: DeviceCredential,
    deadline: Duration,
    retry_after: Duration,
    conn: Option<(TcpStream, Channel)>,
    last_failure: Option<Instant>,
    /// The newest trust feed position the unit reported.
    pub(crate) trust_seen: u64,
    /// Trust items refused since the device opened.
    pub(crate) trust_refused: u32,
}

impl std::fmt::Debug for Link {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link")
            .field("unit", &self.addr)
            .field("device", &self.credential.device)
            .field("connected", &self.conn.is_some())
            .finish()
    }
}

impl Link {
    fn new(config: &DeviceConfig) -> Self {
        Self {
            addr: config.unit.clone(),
            credential: config.credential.clone(),
            deadline: config.deadline,
            retry_after: config.retry_after,
            conn: None,
            last_failure: None,
            trust_seen: 0,
            trust_refused: 0,
        }
    }

    /// Whether the last exchange worked.
    pub(crate) fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// One request and its answer within the scan deadline.
    pub(crate) fn request(&mut self, request: &Request) -> Result<Answer> {
        self.request_with(request, self.deadline)
    }

    /// One request and its answer within `timeout`; any failure drops the
    /// connection (a late answer must never be read as the next one's).
    pub(crate) fn request_with(&mut self, request: &Request, timeout: Duration) -> Result<Answer> {
        if self.conn.is_some() {
            match self.exchange(request, timeout) {
                Ok(answer) => return Ok(answer),
                // The connection died while idle (the unit restarted, the
                // peer reset it): found at once, so one fresh connection is
                // tried within the same scan. A request the unit took
                // before it died gets its first decision again (scan ids).
                Err(Error::Link(e)) if dead_connection(&e) => self.conn = None,
                Err(e) => {
                    self.conn = None;
                    self.last_failure = Some(Instant::now());
                    return Err(e);
                }
            }
        } else {
            if let Some(at) = self.last_failure {
                if at.elapsed() < self.retry_after {
                    return Err(Error::Link(std::io::Error::new(
                        std::io::ErrorKind::NotConnected,
                        "the venue unit did not answer lately; deciding alone until the next try",
                    )));
                }
            }
        }
        if let Err(e) = self.connect() {
            self.last_failure = Some(Instant::now());
            return Err(e);
        }
        let result = self.exchange(request, timeout);
        if result.is_err() {
            self.conn = None;
            self.last_failure = Some(Instant::now());
        }
        result
    }

    fn exchange(&mut self, request: &Request, timeout: Duration) -> Result<Answer> {
        let Some((stream, channel)) = self.conn.as_mut() else {
            return Err(Error::Link(std::io::ErrorKind::NotConnected.into()));
        };
        stream
            .set_read_timeout(Some(timeout))
            .map_err(Error::Link)?;
        stream
            .set_write_timeout(Some(timeout))
            .map_err(Error::Link)?;
        write_frame(stream, &channel.seal(request)?)?;
        let frame = read_frame(stream, MAX_ANSWER_LEN)?;
        channel.open(&frame, "answer")
    }

    fn connect(&mut self) -> Result<()> {
        let addr = self
            .addr
            .to_socket_addrs()
            .map_err(Error::Link)?
            .next()
            .ok_or_else(|| Error::Link(std::io::ErrorKind::AddrNotAvailable.into()))?;
        let mut stream = TcpStream::connect_timeout(&addr, self.deadline).map_err(Error::Link)?;
        let _ = stream.set_nodelay(true);
        stream
            .set_read_timeout(Some(self.deadline))
            .map_err(Error::Link)?;
        stream
            .set_write_timeout(Some(self.deadline))
            .map_err(Error::Link)?;
        let device_nonce = nonce()?;
        let hello = ClientHello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            device: self.credential.device.clone(),
            nonce: device_nonce,
        };
        write_frame(&mut stream, &encode(&hello)?)?;
        let answer: ServerHello =
            decode(&read_frame(&mut stream, MAX_HANDSHAKE_LEN)?, "server hello")?;
        let (unit_nonce, proof) = match answer {
            ServerHello::Proof { nonce, proof, .. } => (nonce, proof),
            ServerHello::Refused(why) => return Err(Error::UnitRefused(why)),
        };
        let p = proofs(
            &self.credential.secret,
            &self.credential.device,
            &device_nonce,
            &unit_nonce,
        )?;
        if !proof_matches(&p.unit, &proof) {
            return Err(Error::Protocol(format!(
                "{} did not prove it holds this device's secret: not this venue's unit",
                self.addr
            )));
        }
        write_frame(&mut stream, &encode(&ClientProof { proof: p.device })?)?;
        self.conn = Some((stream, Channel::new(p.session, Side::Device)));
        Ok(())
    }
}

/// A connection found dead at once, rather than a unit that is slow or
/// away: worth one fresh try.
fn dead_connection(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::BrokenPipe
    )
}

/// Send up to `limit` pending scans of `log` to the unit, moving the
/// device's cursor past what the unit confirmed. Stops at the first failure.
pub(crate) fn flush(link: &mut Link, log: &EntryLog, limit: usize) -> Result<()> {
    let mut left = limit;
    while left > 0 {
        let from = log.upload_cursor()?;
        let (records, to) = log.export_since(from, left.min(MAX_RECONCILE_RECORDS))?;
        if records.is_empty() {
            return Ok(());
        }
        let n = records.len();
        match link.request_with(&Request::Reconcile { records }, SYNC_TIMEOUT)? {
            Answer::Reconciled { .. } => log.set_upload_cursor(to)?,
            Answer::Refused(why) => return Err(Error::UnitRefused(why)),
            _ => {
                return Err(Error::Protocol(
                    "the unit answered a reconciliation with something else".into(),
                ));
            }
        }
        left = left.saturating_sub(n);
    }
    Ok(())
}

/// Take the unit's trust items after what the device applied, each verified
/// here with the device's own root. Returns (applied, refused).
pub(crate) fn pull_trust(
    link: &mut Link,
    shared: &Shared,
    log: &EntryLog,
    now: Timestamp,
) -> Result<(u32, u32)> {
    let applied = trust_applied(log);
    let items = match link.request_with(&Request::Trust { after: applied }, SYNC_TIMEOUT)? {
        Answer::Trust { items } => items,
        Answer::Refused(why) => return Err(Error::UnitRefused(why)),
        _ => {
            return Err(Error::Protocol(
                "the unit answered a trust request with something else".into(),
            ));
        }
    };
    let (mut ok, mut refused) = (0u32, 0u32);
    let mut last = applied;
    for item in items {
        let bytes = item.bytes.as_slice();
        let result = update_trust(shared, log, now, (item.kind, bytes), |t| match item.kind {
            TrustKind::Rollover => t.accept_root_rollover(bytes, now).map(|_| ()),
            TrustKind::KeySet => t.accept_key_set(bytes, now).map(|_| ()),
            TrustKind::RevocationList => t.accept_revocation_list(bytes, now).map(|_| ()),
            TrustKind::RevocationDelta => t.accept_revocation_delta(bytes, now).map(|_| ()),
        });
        match result {
            Ok(()) => ok += 1,
            Err(_) => refused += 1,
        }
        last = last.max(item.seq);
    }
    log.put_meta(&[(TRUST_APPLIED, last.to_be_bytes().to_vec())])?;
    link.trust_seen = link.trust_seen.max(last);
    link.trust_refused = link.trust_refused.saturating_add(refused);
    Ok((ok, refused))
}

/// The last trust feed position the device applied.
pub(crate) fn trust_applied(log: &EntryLog) -> u64 {
    log.get_meta(TRUST_APPLIED)
        .ok()
        .flatten()
        .and_then(|b| <[u8; 8]>::try_from(b.as_slice()).ok())
        .map_or(0, u64::from_be_bytes)
}

/// Advance the device's cursor over a scan the unit has (just mirrored into
/// the local log), when nothing before it is pending.
pub(crate) fn confirmed(log: &EntryLog, seq_before: i64) -> Result<()> {
    if log.upload_cursor()?.0 >= seq_before {
        log.set_upload_cursor(Cursor(log.last_seq()?))?;
    }
    Ok(())
}
