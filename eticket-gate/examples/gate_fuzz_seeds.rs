//! Writes the seed corpora of the fuzz targets that read what a venue unit,
//! a gate device and a C caller exchange (`gate_upload_batch`,
//! `venue_protocol`, `ffi_entry`, `ffi_render`) and of `signature_differential`
//! (`fuzz/seeds.sh` runs it with the other generators):
//!
//! ```sh
//! cargo run -p eticket-gate --example gate_fuzz_seeds
//! ```
//!
//! The batch and the protocol messages come from a real (short) evening at a
//! venue unit: paper and chip tickets admitted, a copy refused, an exit. The
//! targets are built with `--cfg fuzzing`, where the fixed
//! `FUZZING_SIGNATURE` stands for a valid signature, so signed seeds carry
//! the tag in place of their signature. `ffi_entry`, `ffi_render` and
//! `signature_differential` read an `Arbitrary` case, so their seeds are
//! written in the byte layout the `arbitrary` crate (1.x) reads: see
//! [`Arb`].

use std::cell::RefCell;
use std::path::PathBuf;
use std::rc::Rc;

use eticket_chip::applet::Applet;
use eticket_chip::host::{Chip, FnTransport};
use eticket_chip::paper;
use eticket_chip::protocol::{Personalization, Pin};
use eticket_core::crypto::{FUZZING_SIGNATURE, SIGNATURE_LEN, SecretKey};
use eticket_core::fixtures;
use eticket_core::grant::{Grant, GrantOp, payload_hash};
use eticket_core::ids::{GateId, Generation, TicketSerial};
use eticket_core::revocation::{RevocationDelta, RevocationList, RevocationReason, Revoked};
use eticket_core::ticket::{Holder, TicketBody};
use eticket_gate::chip::TestCard;
use eticket_gate::record::TicketFacts;
use eticket_gate::venue::protocol::{
    Answer, ClientHello, ClientProof, MAGIC, PROTOCOL_VERSION, Request, ServerHello, TrustItem,
    TrustKind, WireCandidate, WirePrevious, write_frame,
};
use eticket_gate::{EntryRecord, PassbackPolicy, TrustStore, UploadBatch, VenueUnit};

fn corpus() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus")
}

fn write(target: &str, name: &str, bytes: &[u8]) {
    let dir = corpus().join(target);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// `signed` with the fuzzing tag in place of its signature.
fn tagged(mut signed: Vec<u8>) -> Vec<u8> {
    let at = signed.len() - SIGNATURE_LEN;
    signed[at..].copy_from_slice(&FUZZING_SIGNATURE);
    signed
}

fn main() {
    let evening = Evening::run();
    upload_batches(&evening);
    venue_messages(&evening);
    ffi_cases(&evening);
    differential_cases();
    println!("seeds written under fuzz/corpus/ for the gate, venue, ffi and differential targets");
}

/// What a short evening at a venue unit left: its records and upload batch.
struct Evening {
    unit: VenueUnit,
    records: Vec<EntryRecord>,
    batch: UploadBatch,
    paper: Vec<u8>,
    list: Vec<u8>,
    _dir: tempfile::TempDir,
}

impl Evening {
    fn run() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = fixtures::root_key();
        let list = RevocationList::new(
            fixtures::EVENT,
            1,
            fixtures::NOW.minus(60),
            vec![revoked(90)],
        )
        .unwrap();
        let trust = TrustStore::with(
            root.id(),
            root.public_key(),
            fixtures::key_set(),
            list.clone(),
        );
        let unit = VenueUnit::open(
            dir.path().join("entries.db"),
            fixtures::small_event(),
            trust,
            PassbackPolicy::SingleEntry,
        )
        .unwrap();
        let mut gate = unit.gate(GateId(1), "north-1").unwrap();
        let key = fixtures::ticket_key();
        let now = fixtures::NOW;
        let paper = fixtures::paper_ticket(TicketSerial(11)).sign(&key).unwrap();
        gate.admit_paper(paper.as_bytes(), now).unwrap();
        // The copy of a paper ticket, and a revoked one.
        gate.admit_paper(paper.as_bytes(), now.plus(30)).unwrap();
        let stale = fixtures::paper_ticket(TicketSerial(90)).sign(&key).unwrap();
        gate.admit_paper(stale.as_bytes(), now.plus(40)).unwrap();
        gate.exit_paper(paper.as_bytes(), now.plus(60)).unwrap();
        let mut card = TestCard::generate();
        let body = TicketBody {
            holder: Holder::Chip(card.id()),
            ..fixtures::chip_ticket(TicketSerial(12))
        };
        card.store(&body.sign(&key).unwrap());
        gate.admit_chip(&mut card, now.plus(90)).unwrap();
        let records = unit.records().unwrap();
        let batch = unit.pending_upload("festhalle-nord", 40).unwrap();
        Self {
            unit,
            records,
            batch,
            paper: tagged(paper.into_bytes()),
            list: tagged(list.to_signed_bytes(&fixtures::list_key()).unwrap()),
            _dir: dir,
        }
    }
}

fn revoked(serial: u32) -> Revoked {
    Revoked {
        serial: TicketSerial(serial),
        generation: Generation(0),
        reason: RevocationReason::Revoked,
    }
}

fn upload_batches(e: &Evening) {
    write("gate_upload_batch", "evening", &e.batch.encode().unwrap());
    let first = e.unit.pending_upload("festhalle-nord", 1).unwrap();
    write("gate_upload_batch", "first-scan", &first.encode().unwrap());
}

fn venue_messages(e: &Evening) {
    let record = e.records[0].clone();
    let facts = record
        .ticket
        .unwrap_or_else(|| TicketFacts::from(&fixtures::paper_ticket(TicketSerial(11))));
    let key_set = tagged(
        fixtures::key_set()
            .to_signed_bytes(&fixtures::root_key())
            .unwrap(),
    );
    let requests = [
        ("request-welcome", Request::Welcome),
        ("request-trust", Request::Trust { after: 3 }),
        (
            "request-enter",
            Request::Enter {
                template: record.clone(),
                candidates: vec![WireCandidate {
                    facts,
                    paper: true,
                    reentry: false,
                }],
            },
        ),
        (
            "request-exit",
            Request::Exit {
                record: record.clone(),
                serial: TicketSerial(11),
            },
        ),
        (
            "request-log",
            Request::Log {
                record: record.clone(),
            },
        ),
        (
            "request-reconcile",
            Request::Reconcile {
                records: e.records.clone(),
            },
        ),
    ];
    for (name, r) in requests {
        let body = r.encode().unwrap();
        let mut frame = Vec::new();
        write_frame(&mut frame, &body).unwrap();
        write("venue_protocol", name, &body);
        write("venue_protocol", &format!("{name}.frame"), &frame);
    }
    let answers = [
        (
            "answer-welcome",
            Answer::Welcome {
                event: Box::new(fixtures::small_event()),
                settings: e.unit.settings(),
                gate: GateId(1),
                trust: 2,
            },
        ),
        (
            "answer-trust",
            Answer::Trust {
                items: vec![
                    TrustItem {
                        seq: 1,
                        kind: TrustKind::KeySet,
                        bytes: key_set,
                    },
                    TrustItem {
                        seq: 2,
                        kind: TrustKind::RevocationList,
                        bytes: e.list.clone(),
                    },
                ],
            },
        ),
        (
            "answer-entered",
            Answer::Entered {
                admitted: None,
                record: e.records[1].clone(),
                previous: Some(WirePrevious {
                    gate: GateId(1),
                    at: record.at,
                    entries: 1,
                }),
                trust: 2,
            },
        ),
        ("answer-exited", Answer::Exited { was_inside: true }),
        ("answer-logged", Answer::Logged),
        (
            "answer-reconciled",
            Answer::Reconciled {
                stored: 3,
                already: 1,
                conflicts: 0,
            },
        ),
        ("answer-refused", Answer::Refused("another event".into())),
    ];
    for (name, a) in answers {
        write("venue_protocol", name, &a.encode().unwrap());
    }
    let hello = ClientHello {
        magic: MAGIC,
        version: PROTOCOL_VERSION,
        device: "north-1".into(),
        nonce: [7; 32],
    };
    write("venue_protocol", "client-hello", &hello.encode().unwrap());
    let server = ServerHello::Proof {
        version: PROTOCOL_VERSION,
        nonce: [8; 32],
        proof: [9; 32],
    };
    write("venue_protocol", "server-hello", &server.encode().unwrap());
    let proof = ClientProof { proof: [10; 32] };
    write("venue_protocol", "client-proof", &proof.encode().unwrap());
}

/// Bytes in the layout `arbitrary` 1.x reads them: integers little-endian
/// from the front, a bool as the low bit of a byte, an enum variant as a
/// `u32` x with `(x · variants) >> 32` the variant's index, an `Option` as a
/// bool then the value, and a `Vec` as its elements each after a `true`
/// byte, closed by a `false` one.
#[derive(Default)]
struct Arb(Vec<u8>);

impl Arb {
    fn variant(&mut self, index: u32, of: u32) -> &mut Self {
        let x = ((u64::from(index) << 32).div_ceil(u64::from(of))) as u32;
        assert_eq!((u64::from(x) * u64::from(of)) >> 32, u64::from(index));
        self.u32(x)
    }
    fn u8(&mut self, v: u8) -> &mut Self {
        self.0.push(v);
        self
    }
    fn u16(&mut self, v: u16) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u32(&mut self, v: u32) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn u64(&mut self, v: u64) -> &mut Self {
        self.0.extend_from_slice(&v.to_le_bytes());
        self
    }
    fn bool(&mut self, v: bool) -> &mut Self {
        self.u8(u8::from(v))
    }
    fn bytes(&mut self, v: &[u8]) -> &mut Self {
        for &b in v {
            self.0.extend_from_slice(&[1, b]);
        }
        self.u8(0)
    }
    /// A `Vec` whose elements `each` writes.
    fn items<T>(&mut self, items: &[T], mut each: impl FnMut(&mut Self, &T)) -> &mut Self {
        for item in items {
            self.u8(1);
            each(self, item);
        }
        self.u8(0)
    }
}

/// `ffi_entry`'s `Case` and `ChipOp` variants, in their declaration order.
mod ffi {
    pub const CASES: u32 = 8;
    pub const KEY_SET: u32 = 0;
    pub const UPDATE_KEYS: u32 = 1;
    pub const REVOCATIONS: u32 = 2;
    pub const EVENT_INFO: u32 = 3;
    pub const PAPER: u32 = 4;
    pub const CHIP: u32 = 5;
    pub const PAYLOAD: u32 = 6;
    pub const ERROR: u32 = 7;
    pub const OPS: u32 = 8;
    pub const INFO: u32 = 0;
    pub const LIST: u32 = 1;
    pub const READ: u32 = 2;
    pub const WRITE: u32 = 3;
    pub const ADMIT: u32 = 7;
}

fn ffi_cases(e: &Evening) {
    let w = |name: &str, a: &mut Arb| write("ffi_entry", name, &a.0);
    let root = fixtures::root_key();
    let key_set = tagged(fixtures::key_set().to_signed_bytes(&root).unwrap());
    w(
        "key-set",
        Arb::default()
            .variant(ffi::KEY_SET, ffi::CASES)
            .bytes(&key_set)
            .bytes(&root.public_key().to_uncompressed())
            .u16(root.id().0),
    );
    w(
        "update-keys",
        Arb::default()
            .variant(ffi::UPDATE_KEYS, ffi::CASES)
            .bytes(&key_set),
    );
    w(
        "revocation-list",
        Arb::default()
            .variant(ffi::REVOCATIONS, ffi::CASES)
            .bytes(&e.list)
            .bool(false)
            .u64(fixtures::NOW.0),
    );
    // The C caller's list is version 0 (see ffi_entry.rs).
    let delta = RevocationDelta {
        event: fixtures::EVENT,
        from_version: 0,
        to_version: 1,
        issued_at: fixtures::NOW,
        next_update: fixtures::NOW.plus(86_400),
        added: vec![revoked(91)],
    }
    .to_signed_bytes(&fixtures::list_key())
    .unwrap();
    w(
        "revocation-delta",
        Arb::default()
            .variant(ffi::REVOCATIONS, ffi::CASES)
            .bytes(&tagged(delta))
            .bool(true)
            .u64(fixtures::NOW.0),
    );
    let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
    w(
        "event-info",
        Arb::default()
            .variant(ffi::EVENT_INFO, ffi::CASES)
            .bytes(&event),
    );
    let text =
        paper::encode_payload(&eticket_core::ticket::SignedTicket::from_bytes(&e.paper).unwrap());
    for (name, data, exit) in [
        ("paper-admit", &e.paper[..], false),
        ("paper-exit", &e.paper[..], true),
        ("paper-text", text.as_bytes(), false),
    ] {
        w(
            name,
            Arb::default()
                .variant(ffi::PAPER, ffi::CASES)
                .bytes(data)
                .bool(exit),
        );
    }
    // `ffi_render` reads one `Render` (no variant): the ticket, PNG or SVG,
    // the fixture event or the same bytes as the event, the buffer's size.
    for (name, png) in [("svg", false), ("png", true)] {
        write(
            "ffi_render",
            name,
            &Arb::default()
                .bytes(&e.paper)
                .bool(png)
                .bool(true)
                .u16(u16::MAX)
                .0,
        );
    }
    write(
        "ffi_render",
        "event-as-ticket",
        &Arb::default()
            .bytes(&event)
            .bool(false)
            .bool(false)
            .u16(64)
            .0,
    );
    w(
        "payload",
        Arb::default()
            .variant(ffi::PAYLOAD, ffi::CASES)
            .bytes(&e.paper)
            .u8(u8::MAX),
    );
    w(
        "error",
        Arb::default().variant(ffi::ERROR, ffi::CASES).u32(1).u8(64),
    );
    chip_sessions(w);
}

/// A real chip session through the host library, its answers recorded in
/// the order the C ABI asks them (connect, then each operation), so the
/// scripted chip of `ffi_entry` answers as a personalized chip holding a
/// ticket would.
fn chip_sessions(w: impl Fn(&str, &mut Arb)) {
    let answers = Rc::new(RefCell::new(Vec::<Vec<u8>>::new()));
    let recorded = answers.clone();
    let mut applet = Applet::new(SecretKey::from_bytes(&[0x3C; 32]).unwrap()).unwrap();
    let mut chip = Chip::connect(FnTransport::new(move |apdu: &[u8]| {
        let answer = applet.process(apdu);
        recorded.borrow_mut().push(answer.clone());
        Ok(answer)
    }))
    .unwrap();
    let connect = answers.borrow().clone();
    let k = fixtures::grant_key();
    chip.personalize(&Personalization::new(
        vec![(k.id(), k.public_key())],
        Pin::new(b"1234").unwrap(),
    ))
    .unwrap();
    let info = chip.info().unwrap();
    let body = TicketBody {
        holder: Holder::Chip(info.chip),
        ..fixtures::chip_ticket(TicketSerial(21))
    };
    let ticket = tagged(body.sign(&fixtures::ticket_key()).unwrap().into_bytes());
    // The applet checks the grant for real (this is not a fuzzing build).
    let grant = Grant {
        op: GrantOp::Write,
        chip: info.chip,
        counter: info.counter,
        slot: 0,
        payload_hash: payload_hash(&ticket),
        expires: fixtures::NOW.plus(3600),
    }
    .sign(&k)
    .unwrap();
    // The answers of each step, taken from the recording.
    let step = |chip: &mut Chip<_>, f: &dyn Fn(&mut Chip<_>)| {
        let before = answers.borrow().len();
        f(chip);
        answers.borrow()[before..].to_vec()
    };
    let write_answers = step(&mut chip, &|c| {
        c.write(&grant, &ticket).unwrap();
    });
    let info_answers = step(&mut chip, &|c| {
        c.info().unwrap();
    });
    let list = step(&mut chip, &|c| {
        c.list().unwrap();
    });
    let read = step(&mut chip, &|c| {
        c.read(0).unwrap();
    });

    let chip_case = |answers: &[&[Vec<u8>]], ops: &[(u32, u8)]| {
        let mut a = Arb::default();
        a.variant(ffi::CHIP, ffi::CASES)
            .items(&answers.concat(), |a, x| {
                a.bytes(x);
            })
            .items(ops, |a, &(op, slot)| {
                a.variant(op, ffi::OPS);
                match op {
                    ffi::LIST => {
                        a.u8(u8::MAX);
                    }
                    ffi::READ => {
                        a.u8(slot).u8(u8::MAX);
                    }
                    ffi::WRITE => {
                        a.bytes(&grant).bytes(&ticket);
                    }
                    _ => {}
                }
            });
        a
    };
    w(
        "chip-read",
        &mut chip_case(
            &[&connect, &info_answers, &list, &read],
            &[(ffi::INFO, 0), (ffi::LIST, 0), (ffi::READ, 0)],
        ),
    );
    w(
        "chip-write",
        &mut chip_case(&[&connect, &write_answers], &[(ffi::WRITE, 0)]),
    );
    w(
        "chip-admit",
        &mut chip_case(&[&connect, &list, &read, &read], &[(ffi::ADMIT, 0)]),
    );
}

/// Writes one `Edit` of `signature_differential`.
type WriteEdit = dyn Fn(&mut Arb);

/// `signature_differential`'s `Case`: every format with its real signature
/// kept, and edited the ways its `Edit` names (variants in declaration
/// order: Keep, HighS, R, S, SwapRS, FlipBit, Raw; a `Scalar`'s: Zero, One,
/// BelowOrder, Order, HalfOrder, Max, Bytes).
fn differential_cases() {
    const FORMATS: u8 = 13;
    const EDITS: u32 = 7;
    const SCALARS: u32 = 7;
    let edits: [(&str, &WriteEdit); 6] = [
        ("keep", &|a| {
            a.variant(0, EDITS);
        }),
        ("high-s", &|a| {
            a.variant(1, EDITS);
        }),
        ("r-order", &|a| {
            a.variant(2, EDITS).variant(3, SCALARS).u8(0);
        }),
        ("s-half-order", &|a| {
            a.variant(3, EDITS).variant(4, SCALARS).u8(128);
        }),
        ("swap", &|a| {
            a.variant(4, EDITS);
        }),
        ("flip", &|a| {
            a.variant(5, EDITS).u16(300);
        }),
    ];
    for format in 0..FORMATS {
        for (name, edit) in &edits {
            let mut a = Arb::default();
            a.u8(format).bool(false).bool(false).u8(1);
            edit(&mut a);
            a.u8(0);
            write(
                "signature_differential",
                &format!("{format:02}-{name}"),
                &a.0,
            );
        }
        // The message signed again for real, then kept.
        let mut a = Arb::default();
        a.u8(format).bool(false).bool(true).u8(0);
        write(
            "signature_differential",
            &format!("{format:02}-resigned"),
            &a.0,
        );
    }
}
