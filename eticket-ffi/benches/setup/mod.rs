//! The two gates the ABI benchmarks scan at: one opened through the C ABI,
//! one through the Rust API, each on its own entry log, both with the
//! fixture event, key set and a revocation list signed at the benchmarks'
//! time.
#![allow(dead_code)]

use std::ffi::CString;
use std::ptr::{null, null_mut};

use ::eticket_gate::{Gate, PassbackPolicy, TrustStore, VenueUnit};
use eticket::gate::eticket_gate as CGate;
use eticket::gate::{eticket_gate_admit_paper, eticket_outcome_free};
use eticket::keys::eticket_key_set_load;
use eticket::result::eticket_result;
use eticket::revocation::eticket_revocation_list_load;
use eticket::venue::{eticket_venue_open, eticket_venue_open_gate};
use eticket_core::fixtures::{self, NOW};
use eticket_core::ids::{GateId, TicketSerial};
use eticket_core::revocation::RevocationList;

/// What the benchmarks scan with; the directory holds both entry logs.
pub struct Gates {
    pub paper: Vec<u8>,
    pub c_gate: *mut CGate,
    pub rust_gate: Gate,
    _unit: VenueUnit,
    _dir: tempfile::TempDir,
}

impl Gates {
    /// One scan through the C ABI (a logged refusal after the first).
    pub fn scan_c(&mut self) {
        let mut o = null_mut();
        // SAFETY: a live gate, the ticket bytes, a local out-pointer.
        unsafe {
            let r = eticket_gate_admit_paper(
                self.c_gate,
                self.paper.as_ptr(),
                self.paper.len(),
                NOW.0,
                &mut o,
            );
            assert_eq!(r, eticket_result::Ok);
            eticket_outcome_free(std::hint::black_box(o));
        }
    }

    /// The same scan through the Rust API.
    pub fn scan_rust(&mut self) {
        std::hint::black_box(self.rust_gate.admit_paper(&self.paper, NOW).unwrap());
    }
}

/// Open both gates.
pub fn gates() -> Gates {
    let dir = tempfile::tempdir().unwrap();
    let paper = fixtures::paper_ticket(TicketSerial(1))
        .sign(&fixtures::ticket_key())
        .unwrap()
        .as_bytes()
        .to_vec();
    let root = fixtures::root_key();
    let pk = root.public_key().to_uncompressed();
    let signed = fixtures::key_set().to_signed_bytes(&root).unwrap();
    let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
    let log = CString::new(dir.path().join("abi.db").to_str().unwrap()).unwrap();
    let fresh_list = RevocationList::new(fixtures::EVENT, 0, NOW, vec![])
        .unwrap()
        .to_signed_bytes(&fixtures::list_key())
        .unwrap();
    let (mut keys, mut list, mut venue, mut gate) =
        (null_mut(), null_mut(), null_mut(), null_mut());
    // SAFETY: live locals of the lengths given; the handles live until the
    // process ends.
    unsafe {
        let ok = eticket_result::Ok;
        assert_eq!(
            eticket_key_set_load(
                signed.as_ptr(),
                signed.len(),
                100,
                pk.as_ptr(),
                65,
                &mut keys
            ),
            ok
        );
        // A list the center signed at the benchmark's time: with the empty
        // list a venue admits nothing and the scan would skip the entry log.
        assert_eq!(
            eticket_revocation_list_load(
                fresh_list.as_ptr(),
                fresh_list.len(),
                keys,
                NOW.0,
                &mut list
            ),
            ok
        );
        assert_eq!(
            eticket_venue_open(
                log.as_ptr(),
                event.as_ptr(),
                event.len(),
                keys,
                list,
                null(),
                &mut venue
            ),
            ok
        );
        assert_eq!(
            eticket_venue_open_gate(venue, 1, c"bench".as_ptr(), &mut gate),
            ok
        );
    }
    let trust = TrustStore::with(
        root.id(),
        root.public_key(),
        fixtures::key_set(),
        RevocationList::new(fixtures::EVENT, 0, NOW, vec![]).unwrap(),
    );
    let unit = VenueUnit::open(
        dir.path().join("rust.db"),
        fixtures::small_event(),
        trust,
        PassbackPolicy::SingleEntry,
    )
    .unwrap();
    let rust_gate = unit.gate(GateId(1), "bench").unwrap();
    Gates {
        paper,
        c_gate: gate,
        rust_gate,
        _unit: unit,
        _dir: dir,
    }
}
