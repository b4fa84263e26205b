//! The venue unit as a service on the venue LAN: it accepts gate devices
//! (each with its [`DeviceCredential`]), decides every online scan's
//! anti-passback in the one entry log, hands out the trust feed, and takes
//! the scans devices decided offline. One thread per connected device, each
//! with its own connection to the log; SQLite's write lock makes every
//! decision atomic across all of them.

use std::collections::HashMap;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::entry_log::{Candidate, EntryLog};
use crate::record::{Direction, EntryRecord, ScanResult};
use crate::unit::{Shared, VenueUnit};
use crate::venue::feed;
use crate::venue::protocol::{
    Answer, Channel, ClientHello, ClientProof, DeviceCredential, MAGIC, MAX_CANDIDATES,
    MAX_HANDSHAKE_LEN, MAX_RECONCILE_RECORDS, MAX_REQUEST_LEN, PROTOCOL_VERSION, Request,
    ServerHello, Side, WirePrevious, check_device_name, decode, encode, nonce, proof_matches,
    proofs, read_frame, write_frame,
};
use crate::{Error, Result};

/// Limits of a [`VenueServer`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerOptions {
    /// Most connections at once; more are closed at once (default 256).
    pub max_connections: usize,
    /// Most connections still in their handshake at once (default 32), so
    /// that connections which never prove a device's secret cannot take the
    /// room of devices that do.
    pub max_handshakes: usize,
    /// Longest a device may take over its handshake (default 5 s).
    pub handshake_timeout: Duration,
    /// A connection with no request for this long is closed (default 10
    /// minutes; devices reconnect by themselves).
    pub idle_timeout: Duration,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            max_connections: 256,
            max_handshakes: 32,
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(600),
        }
    }
}

/// A venue unit serving its gate devices.
///
/// ```no_run
/// # fn demo(unit: eticket_gate::VenueUnit) -> eticket_gate::Result<()> {
/// use eticket_core::ids::GateId;
/// use eticket_gate::venue::{DeviceCredential, VenueServer};
/// let north = DeviceCredential::generate("north-1", GateId(1))?;
/// // Give `north` (name, gate and secret) to the device, once.
/// let server = VenueServer::new(&unit, [north])?;
/// let listener = std::net::TcpListener::bind("0.0.0.0:7400").map_err(eticket_gate::Error::Link)?;
/// server.serve(listener) // runs until the process ends
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct VenueServer {
    ctx: Arc<Ctx>,
}

#[derive(Debug)]
struct Ctx {
    shared: Arc<Shared>,
    path: PathBuf,
    devices: HashMap<String, DeviceCredential>,
    options: ServerOptions,
    active: AtomicUsize,
    handshakes: AtomicUsize,
    /// Each device's current connection: a newer one closes the older (a
    /// device that reconnected after a cut leaves no session behind).
    sessions: Mutex<HashMap<String, (u64, TcpStream)>>,
    next_session: std::sync::atomic::AtomicU64,
}

impl VenueServer {
    /// Serve `unit`'s entry log and trust to `devices`, with the default
    /// [`ServerOptions`].
    pub fn new(
        unit: &VenueUnit,
        devices: impl IntoIterator<Item = DeviceCredential>,
    ) -> Result<Self> {
        Self::with_options(unit, devices, ServerOptions::default())
    }

    /// [`new`](Self::new) with explicit limits.
    pub fn with_options(
        unit: &VenueUnit,
        devices: impl IntoIterator<Item = DeviceCredential>,
        options: ServerOptions,
    ) -> Result<Self> {
        {
            let trust = unit.shared().trust_read();
            if trust.key_set_bytes().is_none() && !trust.keys().entries().is_empty() {
                return Err(Error::Config(
                    "the unit's key set was given unsigned (TrustStore::with): its devices verify \
                     what they get with their root, so open the unit with TrustStore::new and \
                     accept the center's signed key set and list (accept_key_set, \
                     accept_revocation_list)",
                ));
            }
        }
        let mut map = HashMap::new();
        for d in devices {
            check_device_name(&d.device)?;
            if unit.event().venue.gate(d.gate).is_none() {
                return Err(Error::Config(
                    "a device names a gate the venue does not have",
                ));
            }
            if map.insert(d.device.clone(), d).is_some() {
                return Err(Error::Config("two devices with one name"));
            }
        }
        Ok(Self {
            ctx: Arc::new(Ctx {
                shared: Arc::clone(unit.shared()),
                path: unit.path().to_path_buf(),
                devices: map,
                options,
                active: AtomicUsize::new(0),
                handshakes: AtomicUsize::new(0),
                sessions: Mutex::new(HashMap::new()),
                next_session: std::sync::atomic::AtomicU64::new(0),
            }),
        })
    }

    /// Accept devices on `listener` until the process ends (or the listener
    /// fails), each on a thread of its own.
    pub fn serve(&self, listener: TcpListener) -> Result<()> {
        for conn in listener.incoming() {
            let Ok(stream) = conn else { continue };
            let ctx = Arc::clone(&self.ctx);
            if ctx.active.fetch_add(1, Ordering::SeqCst) >= ctx.options.max_connections {
                ctx.active.fetch_sub(1, Ordering::SeqCst);
                drop(stream);
                continue;
            }
            std::thread::spawn(move || {
                let peer = stream
                    .peer_addr()
                    .map_or_else(|_| "?".to_owned(), |a| a.to_string());
                if let Err(e) = session(&ctx, stream) {
                    if !is_disconnect(&e) {
                        eprintln!("venue unit: {peer}: {e}");
                    }
                }
                ctx.active.fetch_sub(1, Ordering::SeqCst);
            });
        }
        Ok(())
    }
}

/// A connection that ended or went quiet: not worth a line in the unit's
/// log (a flood of them would bury what is).
fn is_disconnect(e: &Error) -> bool {
    matches!(e, Error::Link(io) if matches!(
        io.kind(),
        std::io::ErrorKind::UnexpectedEof
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::BrokenPipe
            | std::io::ErrorKind::WouldBlock
            | std::io::ErrorKind::TimedOut
    ))
}

/// One device's connection: handshake, then requests until it leaves.
fn session(ctx: &Ctx, stream: TcpStream) -> Result<()> {
    if ctx.handshakes.fetch_add(1, Ordering::SeqCst) >= ctx.options.max_handshakes {
        ctx.handshakes.fetch_sub(1, Ordering::SeqCst);
        return Err(Error::Protocol("too many handshakes at once".into()));
    }
    let shaken = handshake(ctx, stream);
    ctx.handshakes.fetch_sub(1, Ordering::SeqCst);
    let (stream, credential, channel) = shaken?;
    // One connection per device: a newer one closes the one before.
    let id = ctx.next_session.fetch_add(1, Ordering::SeqCst);
    let sessions = || {
        ctx.sessions
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if let Ok(copy) = stream.try_clone() {
        if let Some((_, old)) = sessions().insert(credential.device.clone(), (id, copy)) {
            let _ = old.shutdown(std::net::Shutdown::Both);
        }
    }
    let served = serve_device(ctx, stream, credential, channel);
    let mut map = sessions();
    if map
        .get(&credential.device)
        .is_some_and(|(current, _)| *current == id)
    {
        map.remove(&credential.device);
    }
    served
}

/// The handshake: the device's hello, the unit's proof, the device's proof.
fn handshake(ctx: &Ctx, mut stream: TcpStream) -> Result<(TcpStream, &DeviceCredential, Channel)> {
    stream
        .set_read_timeout(Some(ctx.options.handshake_timeout))
        .map_err(Error::Link)?;
    stream
        .set_write_timeout(Some(ctx.options.handshake_timeout))
        .map_err(Error::Link)?;
    let _ = stream.set_nodelay(true);
    let hello: ClientHello = decode(&read_frame(&mut stream, MAX_HANDSHAKE_LEN)?, "hello")?;
    if hello.magic != MAGIC {
        return Err(Error::Protocol("not a gate device's hello".to_owned()));
    }
    let refuse = |stream: &mut TcpStream, why: String| -> Error {
        match encode(&ServerHello::Refused(why.clone())).and_then(|b| write_frame(stream, &b)) {
            Ok(()) => Error::UnitRefused(why),
            Err(e) => e,
        }
    };
    if hello.version != PROTOCOL_VERSION {
        return Err(refuse(
            &mut stream,
            format!(
                "protocol version {} is not spoken here (this venue unit speaks {PROTOCOL_VERSION})",
                hello.version
            ),
        ));
    }
    let Some(credential) = ctx.devices.get(&hello.device) else {
        return Err(refuse(
            &mut stream,
            format!(
                "no device named {:?} is registered at this venue unit",
                hello.device
            ),
        ));
    };
    let unit_nonce = nonce()?;
    let p = proofs(
        &credential.secret,
        &credential.device,
        &hello.nonce,
        &unit_nonce,
    )?;
    write_frame(
        &mut stream,
        &encode(&ServerHello::Proof {
            version: PROTOCOL_VERSION,
            nonce: unit_nonce,
            proof: p.unit,
        })?,
    )?;
    let proof: ClientProof = decode(&read_frame(&mut stream, MAX_HANDSHAKE_LEN)?, "proof")?;
    if !proof_matches(&p.device, &proof.proof) {
        return Err(Error::Protocol(format!(
            "device {:?} did not prove it holds its secret",
            credential.device
        )));
    }
    Ok((stream, credential, Channel::new(p.session, Side::Unit)))
}

/// Requests of an authenticated device until it leaves.
fn serve_device(
    ctx: &Ctx,
    mut stream: TcpStream,
    credential: &DeviceCredential,
    mut channel: Channel,
) -> Result<()> {
    let mut log = EntryLog::open(&ctx.path, ctx.shared.event.id)?;
    stream
        .set_read_timeout(Some(ctx.options.idle_timeout))
        .map_err(Error::Link)?;
    loop {
        let frame = read_frame(&mut stream, MAX_REQUEST_LEN)?;
        let request: Request = channel.open(&frame, "request")?;
        let answer = match answer(ctx, credential, &mut log, request) {
            Ok(a) => a,
            // The device hears why; a storage failure is the unit's and
            // the device decides offline meanwhile.
            Err(Error::UnitRefused(why)) => Answer::Refused(why),
            Err(e) => Answer::Refused(e.to_string()),
        };
        write_frame(&mut stream, &channel.seal(&answer)?)?;
    }
}

/// Whether `record` may come from this device: its event, its gate, its
/// name.
fn check_record(ctx: &Ctx, device: &DeviceCredential, record: &EntryRecord) -> Result<()> {
    if record.event != ctx.shared.event.id {
        return Err(Error::UnitRefused(format!(
            "scan {} is for event {}, this unit admits to event {}",
            record.scan_id, record.event, ctx.shared.event.id
        )));
    }
    if record.gate != device.gate || record.device != device.device {
        return Err(Error::UnitRefused(format!(
            "scan {} names gate {} device {:?}; device {:?} acts for gate {} only",
            record.scan_id, record.gate, record.device, device.device, device.gate
        )));
    }
    Ok(())
}

fn answer(
    ctx: &Ctx,
    device: &DeviceCredential,
    log: &mut EntryLog,
    request: Request,
) -> Result<Answer> {
    let policy = ctx.shared.settings.policy;
    Ok(match request {
        Request::Welcome => Answer::Welcome {
            event: Box::new(ctx.shared.event.clone()),
            settings: ctx.shared.settings,
            gate: device.gate,
            trust: feed::last(log)?,
        },
        Request::Trust { after } => Answer::Trust {
            items: feed::since(log, after)?,
        },
        Request::Enter {
            template,
            candidates,
        } => {
            check_record(ctx, device, &template)?;
            if template.direction != Direction::Entry {
                return Err(Error::UnitRefused(
                    "an entry request with an exit scan".into(),
                ));
            }
            if candidates.is_empty() || candidates.len() > MAX_CANDIDATES {
                return Err(Error::UnitRefused(format!(
                    "1 to {MAX_CANDIDATES} candidate tickets per scan"
                )));
            }
            let trust = feed::last(log)?;
            // A scan the unit has already decided (the device asks again):
            // the first decision stands.
            if let Some(record) = log.scan(template.scan_id)? {
                let admitted = match (record.result, record.ticket) {
                    (ScanResult::Admitted { .. }, Some(t)) => candidates
                        .iter()
                        .position(|c| c.facts.serial == t.serial)
                        .and_then(|i| u32::try_from(i).ok()),
                    _ => None,
                };
                return Ok(Answer::Entered {
                    admitted,
                    record,
                    previous: None,
                    trust,
                });
            }
            let candidates: Vec<Candidate> = candidates
                .iter()
                .map(|c| Candidate {
                    facts: c.facts,
                    paper: c.paper,
                    reentry: c.reentry,
                })
                .collect();
            let logged = log.enter(template, &candidates, policy)?;
            Answer::Entered {
                admitted: logged.admitted.and_then(|i| u32::try_from(i).ok()),
                record: logged.record,
                previous: logged.previous.as_ref().map(WirePrevious::from),
                trust,
            }
        }
        Request::Exit { record, serial } => {
            check_record(ctx, device, &record)?;
            let ok = record.direction == Direction::Exit
                && record.result == ScanResult::Exited
                && record.ticket.map(|t| t.serial) == Some(serial);
            if !ok {
                return Err(Error::UnitRefused(
                    "an exit request needs an exit scan of that ticket".into(),
                ));
            }
            if log.contains(record.scan_id)? {
                return Ok(Answer::Exited { was_inside: false });
            }
            Answer::Exited {
                was_inside: log.exit(&record, serial)?,
            }
        }
        Request::Log { record } => {
            check_record(ctx, device, &record)?;
            if !matches!(record.result, ScanResult::Refused { .. }) {
                return Err(Error::UnitRefused(
                    "only refusals are logged without a decision".into(),
                ));
            }
            if !log.contains(record.scan_id)? {
                log.append(&record)?;
            }
            Answer::Logged
        }
        Request::Reconcile { records } => {
            if records.len() > MAX_RECONCILE_RECORDS {
                return Err(Error::UnitRefused(format!(
                    "at most {MAX_RECONCILE_RECORDS} scans per reconciliation"
                )));
            }
            for r in &records {
                check_record(ctx, device, r)?;
            }
            let (mut stored, mut already, mut conflicts) = (0u32, 0u32, 0u32);
            for r in &records {
                let s = log.store_decided(r, policy)?;
                match s {
                    crate::entry_log::Stored::AlreadyPresent
                    | crate::entry_log::Stored::Diverged => already += 1,
                    _ => stored += 1,
                }
                if s.conflict() {
                    conflicts += 1;
                }
            }
            Answer::Reconciled {
                stored,
                already,
                conflicts,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Medium, ScanId, TicketFacts};
    use crate::trust::TrustStore;
    use crate::venue::protocol::WireCandidate;
    use eticket_core::fixtures;
    use eticket_core::ids::{GateId, TicketSerial};

    /// A device that speaks the protocol by hand.
    fn raw_device(addr: std::net::SocketAddr, c: &DeviceCredential) -> (TcpStream, Channel) {
        let mut s = TcpStream::connect(addr).unwrap();
        let nd = nonce().unwrap();
        let hello = ClientHello {
            magic: MAGIC,
            version: PROTOCOL_VERSION,
            device: c.device.clone(),
            nonce: nd,
        };
        write_frame(&mut s, &hello.encode().unwrap()).unwrap();
        let ServerHello::Proof { nonce: nu, .. } =
            ServerHello::decode(&read_frame(&mut s, MAX_HANDSHAKE_LEN).unwrap()).unwrap()
        else {
            panic!("refused")
        };
        let p = proofs(&c.secret, &c.device, &nd, &nu).unwrap();
        write_frame(&mut s, &ClientProof { proof: p.device }.encode().unwrap()).unwrap();
        (s, Channel::new(p.session, Side::Device))
    }

    fn ask(s: &mut TcpStream, ch: &mut Channel, r: &Request) -> Answer {
        write_frame(s, &ch.seal(r).unwrap()).unwrap();
        ch.open(&read_frame(s, 1 << 26).unwrap(), "answer").unwrap()
    }

    fn scan(gate: u16, device: &str) -> EntryRecord {
        EntryRecord {
            scan_id: ScanId::random().unwrap(),
            event: fixtures::EVENT,
            at: fixtures::NOW,
            gate: GateId(gate),
            device: device.to_owned(),
            direction: Direction::Entry,
            medium: Medium::Paper,
            ticket: None,
            result: ScanResult::Refused { code: 102 },
            chip_proof: None,
        }
    }

    #[test]
    fn a_device_acts_for_its_own_gate_and_name_only() {
        let dir = tempfile::tempdir().unwrap();
        let root = fixtures::root_key();
        let unit = VenueUnit::open(
            dir.path().join("u.db"),
            fixtures::small_event(),
            TrustStore::new(root.id(), root.public_key(), fixtures::EVENT),
            crate::PassbackPolicy::SingleEntry,
        )
        .unwrap();
        let north = DeviceCredential::generate("north-1", GateId(1)).unwrap();
        let server = VenueServer::new(&unit, [north.clone()]).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        std::thread::spawn(move || server.serve(listener));
        let (mut s, mut ch) = raw_device(addr, &north);

        let facts = TicketFacts::from(&fixtures::paper_ticket(TicketSerial(1)));
        let candidates = vec![WireCandidate {
            facts,
            paper: true,
            reentry: false,
        }];
        for (gate, device) in [(2, "north-1"), (1, "south-1")] {
            let a = ask(
                &mut s,
                &mut ch,
                &Request::Enter {
                    template: scan(gate, device),
                    candidates: candidates.clone(),
                },
            );
            assert!(
                matches!(&a, Answer::Refused(m) if m.contains("acts for gate G1 only")),
                "{a:?}"
            );
            let a = ask(
                &mut s,
                &mut ch,
                &Request::Reconcile {
                    records: vec![scan(gate, device)],
                },
            );
            assert!(matches!(a, Answer::Refused(_)), "{a:?}");
        }
        assert_eq!(unit.log().scan_count().unwrap(), 0);
        // Its own scan is taken, once even when sent twice.
        let own = scan(1, "north-1");
        let entered = ask(
            &mut s,
            &mut ch,
            &Request::Enter {
                template: own.clone(),
                candidates: candidates.clone(),
            },
        );
        let again = ask(
            &mut s,
            &mut ch,
            &Request::Enter {
                template: own,
                candidates,
            },
        );
        match (entered, again) {
            (
                Answer::Entered {
                    admitted: Some(0),
                    record: a,
                    ..
                },
                Answer::Entered {
                    admitted: Some(0),
                    record: b,
                    ..
                },
            ) => assert_eq!(a, b),
            other => panic!("{other:?}"),
        }
        assert_eq!(unit.log().scan_count().unwrap(), 1);
        // The same device connecting again closes its older connection.
        let (mut s2, mut ch2) = raw_device(addr, &north);
        assert_eq!(
            ask(&mut s2, &mut ch2, &Request::Trust { after: 0 }),
            Answer::Trust { items: vec![] }
        );
        let frame = ch.seal(&Request::Welcome).unwrap();
        let _ = write_frame(&mut s, &frame);
        assert!(read_frame(&mut s, 1 << 26).is_err());
        let (mut s, mut ch) = (s2, ch2);
        // A frame replayed on the connection closes it.
        let frame = ch.seal(&Request::Welcome).unwrap();
        write_frame(&mut s, &frame).unwrap();
        let _ = read_frame(&mut s, 1 << 26).unwrap();
        write_frame(&mut s, &frame).unwrap();
        assert!(read_frame(&mut s, 1 << 26).is_err());
    }
}
