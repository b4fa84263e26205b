//! The device ↔ venue unit protocol, version 1: length-prefixed frames over
//! TCP, postcard messages, every message after the handshake authenticated
//! with HMAC-SHA-256 under a session key only the device and the unit can
//! derive.
//!
//! ```text
//! frame    := length:u32 (big-endian, of what follows) ‖ body
//! handshake (bodies are bare postcard):
//!   device → unit  ClientHello { magic "ETVU", version, device name, nonce_d: 32 bytes }
//!   unit → device  ServerHello { version, nonce_u: 32 bytes, proof_u }   (or Refused)
//!   device → unit  ClientProof { proof_d }
//!       proof_u = HMAC(secret, "eticket/venue/1/unit\0"   ‖ name ‖ nonce_d ‖ nonce_u)
//!       proof_d = HMAC(secret, "eticket/venue/1/device\0" ‖ name ‖ nonce_d ‖ nonce_u)
//!       session = HMAC(secret, "eticket/venue/1/session\0" ‖ name ‖ nonce_d ‖ nonce_u)
//! then every body := postcard(message) ‖ HMAC(session, direction ‖ seq:u64 ‖ message)
//!   direction 0 device → unit, 1 unit → device; seq counts from 0 each way
//! ```
//!
//! The device's secret is its credential at the unit (32 random bytes,
//! [`DeviceCredential`]); the unit proves it holds the secret too, so a
//! machine on the venue LAN cannot pose as the unit and answer "admit".
//! A replayed, reordered or altered frame fails its MAC (the sequence number
//! is in it), and a session's frames are worthless in another (fresh nonces).
//! Frames are bounded: [`MAX_REQUEST_LEN`] from a device, [`MAX_ANSWER_LEN`]
//! from the unit (an event's seat master and revocation list ride on it),
//! [`MAX_HANDSHAKE_LEN`] before either side is authenticated; a decoder
//! refuses anything else with [`Error::Protocol`].

use std::io::{Read, Write};

use eticket_core::event::EventInfo;
use eticket_core::ids::{GateId, TicketSerial};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::entry_log::PreviousEntry;
use crate::record::{EntryRecord, MAX_DEVICE_LEN, TicketFacts};
use crate::unit::Settings;
use crate::{Error, Result};

/// The protocol version this crate speaks.
pub const PROTOCOL_VERSION: u16 = 1;
/// The first four bytes of a device's hello.
pub const MAGIC: [u8; 4] = *b"ETVU";
/// Largest frame before the handshake completes.
pub const MAX_HANDSHAKE_LEN: usize = 512;
/// Largest frame a device may send (a batch of offline scans).
pub const MAX_REQUEST_LEN: usize = 1 << 20;
/// Largest frame the unit may send (the event with its seat master, the
/// trust material).
pub const MAX_ANSWER_LEN: usize = 64 << 20;
/// Most scans in one [`Request::Reconcile`].
pub const MAX_RECONCILE_RECORDS: usize = 1000;
/// Most candidate tickets in one [`Request::Enter`] (a chip holds at most
/// [`MAX_TICKETS_PER_CHIP`](crate::chip::MAX_TICKETS_PER_CHIP)).
pub const MAX_CANDIDATES: usize = crate::chip::MAX_TICKETS_PER_CHIP;
/// Length of a device's secret.
pub const SECRET_LEN: usize = 32;
const MAC_LEN: usize = 32;
const NONCE_LEN: usize = 32;

type HmacSha256 = Hmac<Sha256>;

/// A device's credential at the venue unit: its name, the one gate it may
/// act for, and the shared secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceCredential {
    /// The device's name (1 to 64 bytes), logged with each of its scans.
    pub device: String,
    /// The gate it stands at.
    pub gate: GateId,
    /// The shared secret, hex in configuration files.
    #[serde(with = "hex::serde")]
    pub secret: [u8; SECRET_LEN],
}

impl std::fmt::Debug for DeviceCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceCredential")
            .field("device", &self.device)
            .field("gate", &self.gate)
            .field("secret", &"<secret>")
            .finish()
    }
}

impl DeviceCredential {
    /// A credential with a fresh secret from the operating system's random
    /// source.
    pub fn generate(device: &str, gate: GateId) -> Result<Self> {
        check_device_name(device)?;
        let mut secret = [0u8; SECRET_LEN];
        rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut secret)
            .map_err(|e| Error::Random(e.to_string()))?;
        Ok(Self {
            device: device.to_owned(),
            gate,
            secret,
        })
    }
}

/// Refuse a device name the log could not keep as it is.
pub(crate) fn check_device_name(device: &str) -> Result<()> {
    if device.is_empty() || device.len() > MAX_DEVICE_LEN || device.chars().any(char::is_control) {
        return Err(Error::Config(
            "a device name is 1 to 64 bytes without control characters",
        ));
    }
    Ok(())
}

/// The device's first frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientHello {
    /// [`MAGIC`].
    pub magic: [u8; 4],
    /// The device's [`PROTOCOL_VERSION`].
    pub version: u16,
    /// The device's name.
    pub device: String,
    /// Fresh random bytes.
    pub nonce: [u8; NONCE_LEN],
}

/// The unit's answer to a hello.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ServerHello {
    /// The unit knows the device and proves it holds its secret.
    Proof {
        /// The unit's [`PROTOCOL_VERSION`].
        version: u16,
        /// Fresh random bytes.
        nonce: [u8; NONCE_LEN],
        /// `proof_u`.
        proof: [u8; MAC_LEN],
    },
    /// The unit will not talk to this device (unknown name, other version).
    Refused(String),
}

/// The device's proof that it holds its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientProof {
    /// `proof_d`.
    pub proof: [u8; MAC_LEN],
}

/// A ticket that passed every check on the device but anti-passback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WireCandidate {
    /// What the ticket said.
    pub facts: TicketFacts,
    /// Presented on paper.
    pub paper: bool,
    /// The ticket carries the re-entry flag.
    pub reentry: bool,
}

/// What a device asks the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Request {
    /// The event, the venue's settings and the device's gate.
    Welcome,
    /// The signed trust material accepted after feed position `after`.
    Trust {
        /// The last feed position the device applied (0: none).
        after: u64,
    },
    /// Decide anti-passback for these candidates and log the scan.
    Enter {
        /// The scan (id, time, gate, device, medium, chip proof).
        template: EntryRecord,
        /// The admissible tickets, in the order to try.
        candidates: Vec<WireCandidate>,
    },
    /// Log an exit of `serial`.
    Exit {
        /// The exit scan.
        record: EntryRecord,
        /// The ticket leaving.
        serial: TicketSerial,
    },
    /// Log a scan decided on the device (a refusal before anti-passback).
    Log {
        /// The scan.
        record: EntryRecord,
    },
    /// Scans the device decided while it could not reach the unit, and any
    /// it is not sure reached it.
    Reconcile {
        /// At most [`MAX_RECONCILE_RECORDS`].
        records: Vec<EntryRecord>,
    },
}

/// The unit's answers, one per request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    /// For [`Request::Welcome`].
    Welcome {
        /// The event the unit admits to.
        event: Box<EventInfo>,
        /// The venue's settings, for every device alike.
        settings: Settings,
        /// The gate this device stands at.
        gate: GateId,
        /// The newest trust feed position.
        trust: u64,
    },
    /// For [`Request::Trust`]: signed items in the order to apply them.
    Trust {
        /// Each item and its feed position.
        items: Vec<TrustItem>,
    },
    /// For [`Request::Enter`].
    Entered {
        /// Index of the admitted candidate.
        admitted: Option<u32>,
        /// The record the unit logged.
        record: EntryRecord,
        /// For a passback refusal, the ticket's last admission.
        previous: Option<WirePrevious>,
        /// The newest trust feed position.
        trust: u64,
    },
    /// For [`Request::Exit`].
    Exited {
        /// Whether the unit had the ticket inside.
        was_inside: bool,
    },
    /// For [`Request::Log`].
    Logged,
    /// For [`Request::Reconcile`].
    Reconciled {
        /// Scans stored now.
        stored: u32,
        /// Scans the unit had already.
        already: u32,
        /// Admissions found to break the venue's policy (double admissions
        /// while apart).
        conflicts: u32,
    },
    /// The request was refused (another gate's scan, another event's).
    Refused(String),
}

/// A ticket's last admission, as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WirePrevious {
    /// Where.
    pub gate: GateId,
    /// When.
    pub at: eticket_core::time::Timestamp,
    /// Admissions so far.
    pub entries: u32,
}

impl From<&PreviousEntry> for WirePrevious {
    fn from(p: &PreviousEntry) -> Self {
        Self {
            gate: p.gate,
            at: p.at,
            entries: p.entries,
        }
    }
}

impl From<WirePrevious> for PreviousEntry {
    fn from(p: WirePrevious) -> Self {
        Self {
            gate: p.gate,
            gate_name: None,
            at: p.at,
            entries: p.entries,
        }
    }
}

/// One signed item of the unit's trust feed (as the center signed it; the
/// device verifies it with its own root).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrustItem {
    /// Its feed position.
    pub seq: u64,
    /// What it is.
    pub kind: TrustKind,
    /// The signed bytes.
    pub bytes: Vec<u8>,
}

/// The kinds of signed trust material.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrustKind {
    /// A root rollover.
    Rollover,
    /// A key set.
    KeySet,
    /// A full revocation list.
    RevocationList,
    /// A revocation delta.
    RevocationDelta,
}

macro_rules! wire_decoder {
    ($($t:ty, $what:literal;)*) => {$(
        impl $t {
            /// Decode one message body (as it follows a frame's length;
            /// after the handshake, without its MAC), all bytes used: any
            /// other input is [`Error::Protocol`].
            pub fn decode(bytes: &[u8]) -> Result<Self> {
                decode(bytes, $what)
            }

            /// The message body.
            pub fn encode(&self) -> Result<Vec<u8>> {
                encode(self)
            }
        }
    )*};
}

wire_decoder! {
    ClientHello, "hello";
    ServerHello, "server hello";
    ClientProof, "proof";
    Request, "request";
    Answer, "answer";
}

/// Write one frame.
pub fn write_frame(w: &mut impl Write, body: &[u8]) -> Result<()> {
    let len =
        u32::try_from(body.len()).map_err(|_| Error::Protocol("frame over 4 GiB".to_owned()))?;
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(body);
    w.write_all(&frame).map_err(Error::Link)?;
    w.flush().map_err(Error::Link)
}

/// Read one frame of at most `max` bytes. The buffer grows with what
/// arrives, so a length field alone allocates nothing.
pub fn read_frame(r: &mut impl Read, max: usize) -> Result<Vec<u8>> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(Error::Link)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > max {
        return Err(Error::Protocol(format!(
            "frame of {len} bytes, at most {max} allowed"
        )));
    }
    let mut body = Vec::with_capacity(len.min(64 * 1024));
    r.take(len as u64)
        .read_to_end(&mut body)
        .map_err(Error::Link)?;
    if body.len() != len {
        return Err(Error::Link(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the frame ended early",
        )));
    }
    Ok(body)
}

/// Decode a bare postcard message, all bytes used.
pub(crate) fn decode<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T> {
    let (value, rest) = postcard::take_from_bytes::<T>(bytes)
        .map_err(|e| Error::Protocol(format!("{what}: {e}")))?;
    if !rest.is_empty() {
        return Err(Error::Protocol(format!(
            "{what}: {} bytes after the message",
            rest.len()
        )));
    }
    Ok(value)
}

/// Encode a message.
pub(crate) fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>> {
    postcard::to_allocvec(value).map_err(|e| Error::Protocol(e.to_string()))
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Result<[u8; MAC_LEN]> {
    // HMAC takes keys of every length: this error does not happen.
    let mut m = <HmacSha256 as Mac>::new_from_slice(key)
        .map_err(|_| Error::Protocol("HMAC refused its key".to_owned()))?;
    for p in parts {
        m.update(p);
    }
    Ok(m.finalize().into_bytes().into())
}

fn verify_mac(key: &[u8], parts: &[&[u8]], tag: &[u8]) -> bool {
    let Ok(mut m) = <HmacSha256 as Mac>::new_from_slice(key) else {
        return false;
    };
    for p in parts {
        m.update(p);
    }
    m.verify_slice(tag).is_ok()
}

/// The three handshake values for `secret`, `device` and both nonces.
pub(crate) struct Proofs {
    pub unit: [u8; MAC_LEN],
    pub device: [u8; MAC_LEN],
    pub session: [u8; MAC_LEN],
}

pub(crate) fn proofs(secret: &[u8], device: &str, nd: &[u8], nu: &[u8]) -> Result<Proofs> {
    // A name is at most 64 bytes (checked before), so its length fits.
    let name_len = u32::try_from(device.len())
        .map_err(|_| Error::Protocol("device name too long".to_owned()))?
        .to_be_bytes();
    let parts = |label: &'static [u8]| -> Result<[u8; MAC_LEN]> {
        mac(secret, &[label, &name_len, device.as_bytes(), nd, nu])
    };
    Ok(Proofs {
        unit: parts(b"eticket/venue/1/unit\0")?,
        device: parts(b"eticket/venue/1/device\0")?,
        session: parts(b"eticket/venue/1/session\0")?,
    })
}

/// Compare two proofs in constant time.
pub(crate) fn proof_matches(expected: &[u8; MAC_LEN], got: &[u8; MAC_LEN]) -> bool {
    use subtle::ConstantTimeEq;
    expected.ct_eq(got).into()
}

/// Fresh random bytes for a nonce.
pub(crate) fn nonce() -> Result<[u8; NONCE_LEN]> {
    random_bytes()
}

/// `N` bytes from the operating system's random source.
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut n = [0u8; N];
    rand_core::RngCore::try_fill_bytes(&mut rand_core::OsRng, &mut n)
        .map_err(|e| Error::Random(e.to_string()))?;
    Ok(n)
}

/// Which end of the channel this is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Device,
    Unit,
}

/// The authenticated message stream after the handshake.
pub(crate) struct Channel {
    key: [u8; MAC_LEN],
    side: Side,
    sent: u64,
    received: u64,
}

impl Channel {
    pub(crate) fn new(key: [u8; MAC_LEN], side: Side) -> Self {
        Self {
            key,
            side,
            sent: 0,
            received: 0,
        }
    }

    fn direction(from: Side) -> [u8; 1] {
        match from {
            Side::Device => [0],
            Side::Unit => [1],
        }
    }

    /// Frame `message` with its MAC.
    pub(crate) fn seal<T: Serialize>(&mut self, message: &T) -> Result<Vec<u8>> {
        let mut body = encode(message)?;
        let tag = mac(
            &self.key,
            &[&Self::direction(self.side), &self.sent.to_be_bytes(), &body],
        )?;
        self.sent = self.sent.wrapping_add(1);
        body.extend_from_slice(&tag);
        Ok(body)
    }

    /// Check a frame's MAC and decode it.
    pub(crate) fn open<T: for<'de> Deserialize<'de>>(
        &mut self,
        body: &[u8],
        what: &str,
    ) -> Result<T> {
        let from = match self.side {
            Side::Device => Side::Unit,
            Side::Unit => Side::Device,
        };
        let Some(split) = body.len().checked_sub(MAC_LEN) else {
            return Err(Error::Protocol(format!(
                "{what}: frame shorter than its MAC"
            )));
        };
        let (message, tag) = body.split_at(split);
        if !verify_mac(
            &self.key,
            &[
                &Self::direction(from),
                &self.received.to_be_bytes(),
                message,
            ],
            tag,
        ) {
            return Err(Error::Protocol(format!(
                "{what}: the frame's MAC does not verify (altered, replayed or from someone else)"
            )));
        }
        self.received = self.received.wrapping_add(1);
        decode(message, what)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_frame_opens_once_and_only_in_order() {
        let key = [7u8; 32];
        let mut device = Channel::new(key, Side::Device);
        let mut unit = Channel::new(key, Side::Unit);
        let a = device.seal(&Request::Welcome).unwrap();
        let b = device.seal(&Request::Trust { after: 3 }).unwrap();
        // Out of order: b first fails.
        let mut probe = Channel::new(key, Side::Unit);
        assert!(probe.open::<Request>(&b, "request").is_err());
        assert_eq!(
            unit.open::<Request>(&a, "request").unwrap(),
            Request::Welcome
        );
        // Replayed a fails.
        assert!(unit.open::<Request>(&a, "request").is_err());
        assert_eq!(
            unit.open::<Request>(&b, "request").unwrap(),
            Request::Trust { after: 3 }
        );
        // The unit's own frames do not open as the device's.
        let mut unit2 = Channel::new(key, Side::Unit);
        let mut reflect = Channel::new(key, Side::Unit);
        let own = unit2.seal(&Answer::Logged).unwrap();
        assert!(reflect.open::<Request>(&own, "request").is_err());
        // Another key fails.
        let mut other = Channel::new([8u8; 32], Side::Unit);
        let c = Channel::new(key, Side::Device)
            .seal(&Request::Welcome)
            .unwrap();
        assert!(other.open::<Request>(&c, "request").is_err());
    }

    #[test]
    fn frames_are_bounded_and_short_ones_fail() {
        let mut big = Vec::new();
        big.extend_from_slice(&(u32::MAX).to_be_bytes());
        let err = read_frame(&mut big.as_slice(), MAX_REQUEST_LEN).unwrap_err();
        assert!(matches!(err, Error::Protocol(_)), "{err}");
        let mut short = Vec::new();
        short.extend_from_slice(&10u32.to_be_bytes());
        short.extend_from_slice(b"abc");
        assert!(matches!(
            read_frame(&mut short.as_slice(), 100),
            Err(Error::Link(_))
        ));
        let mut ok = Vec::new();
        write_frame(&mut ok, b"hello").unwrap();
        assert_eq!(read_frame(&mut ok.as_slice(), 5).unwrap(), b"hello");
    }

    #[test]
    fn proofs_differ_by_label_name_and_nonce() {
        let p = proofs(&[1; 32], "north-1", &[2; 32], &[3; 32]).unwrap();
        assert_ne!(p.unit, p.device);
        assert_ne!(p.device, p.session);
        let q = proofs(&[1; 32], "north-2", &[2; 32], &[3; 32]).unwrap();
        assert_ne!(p.unit, q.unit);
        let r = proofs(&[1; 32], "north-1", &[2; 32], &[4; 32]).unwrap();
        assert_ne!(p.session, r.session);
        assert!(proof_matches(&p.unit, &p.unit));
        assert!(!proof_matches(&p.unit, &q.unit));
    }

    #[test]
    fn trailing_bytes_and_garbage_are_refused() {
        let mut bytes = encode(&Request::Welcome).unwrap();
        bytes.push(0);
        assert!(decode::<Request>(&bytes, "request").is_err());
        assert!(decode::<Request>(&[0xff, 0xff, 0xff], "request").is_err());
        assert!(decode::<ClientHello>(&[], "hello").is_err());
    }

    proptest::proptest! {
        #[test]
        fn any_bytes_decode_to_an_error_or_a_message_that_round_trips(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300)
        ) {
            if let Ok(r) = Request::decode(&bytes) {
                proptest::prop_assert_eq!(Request::decode(&r.encode().unwrap()).unwrap(), r);
            }
            if let Ok(a) = Answer::decode(&bytes) {
                proptest::prop_assert_eq!(Answer::decode(&a.encode().unwrap()).unwrap(), a);
            }
            if let Ok(h) = ClientHello::decode(&bytes) {
                proptest::prop_assert_eq!(ClientHello::decode(&h.encode().unwrap()).unwrap(), h);
            }
            let _ = ServerHello::decode(&bytes);
            let _ = ClientProof::decode(&bytes);
        }

        #[test]
        fn a_sealed_frame_with_any_bit_flipped_does_not_open(
            after in proptest::prelude::any::<u64>(),
            bit in 0usize..4096,
        ) {
            let key = [3u8; 32];
            let frame = Channel::new(key, Side::Device).seal(&Request::Trust { after }).unwrap();
            let bit = bit % (frame.len() * 8);
            let mut bad = frame.clone();
            bad[bit / 8] ^= 1 << (bit % 8);
            proptest::prop_assert!(Channel::new(key, Side::Unit).open::<Request>(&bad, "r").is_err());
            proptest::prop_assert_eq!(
                Channel::new(key, Side::Unit).open::<Request>(&frame, "r").unwrap(),
                Request::Trust { after }
            );
        }

        #[test]
        fn the_frame_reader_never_takes_more_than_its_bound(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64),
            max in 0usize..32,
        ) {
            if let Ok(body) = read_frame(&mut bytes.as_slice(), max) {
                proptest::prop_assert!(body.len() <= max);
                proptest::prop_assert_eq!(&bytes[4..4 + body.len()], body.as_slice());
            }
        }
    }

    #[test]
    fn device_names_are_checked() {
        assert!(DeviceCredential::generate("", GateId(1)).is_err());
        assert!(DeviceCredential::generate(&"x".repeat(65), GateId(1)).is_err());
        assert!(DeviceCredential::generate("a\nb", GateId(1)).is_err());
        let c = DeviceCredential::generate("north-1", GateId(1)).unwrap();
        assert!(!format!("{c:?}").contains(&hex::encode(c.secret)));
    }
}
