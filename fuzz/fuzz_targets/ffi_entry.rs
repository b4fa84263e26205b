//! The C ABI driven with arbitrary bytes: every entry point returns a result
//! code (never crashes, never reads past the lengths given), outputs are
//! written only on success, and a too-small buffer reports the size needed.
//! Chips answer with fuzzer-chosen response APDUs through the transport
//! callback, so the host's response parsing is exercised through the ABI.
//! The two drawing entry points are `ffi_render`'s: drawing a QR code and
//! compressing a PNG took four fifths of this target's time.
#![no_main]

use std::cell::RefCell;
use std::ffi::{CString, c_void};
use std::ptr::{null, null_mut};

use arbitrary::Arbitrary;
use eticket::chip::*;
use eticket::error::eticket_error;
use eticket::gate::*;
use eticket::keys::*;
use eticket::paper::*;
use eticket::result::eticket_result;
use eticket::revocation::*;
use eticket::transfer::*;
use eticket::venue::*;
use eticket_core::fixtures;
use eticket_fuzz::ffi::with_buf;
use libfuzzer_sys::fuzz_target;

#[derive(Debug, Arbitrary)]
enum Case {
    KeySet {
        data: Vec<u8>,
        root: Vec<u8>,
        root_id: u16,
    },
    UpdateKeys(Vec<u8>),
    Revocations {
        data: Vec<u8>,
        delta: bool,
        now: u64,
    },
    EventInfo(Vec<u8>),
    Paper {
        data: Vec<u8>,
        exit: bool,
    },
    Chip {
        answers: Vec<Vec<u8>>,
        ops: Vec<ChipOp>,
    },
    Payload {
        data: Vec<u8>,
        cap: u8,
    },
    Error {
        code: u32,
        cap: u8,
    },
}

#[derive(Debug, Arbitrary)]
enum ChipOp {
    Info,
    List { cap: u8 },
    Read { slot: u8, cap: u8 },
    Write { grant: Vec<u8>, payload: Vec<u8> },
    Delete { grant: Vec<u8> },
    Apply { grant: Vec<u8>, payload: Vec<u8> },
    Transfer { slot: u8, to: Vec<u8>, cap: u8 },
    Admit,
}

/// Handles made once per process: the fixture key set, a venue on a
/// temporary entry log, one of its gates.
struct State {
    keys: *mut eticket_key_set,
    list: *mut eticket_revocation_list,
    venue: *mut eticket_venue,
    gate: *mut eticket_gate,
    _dir: tempfile::TempDir,
}

fn ok(r: eticket_result) {
    assert_eq!(r, eticket_result::Ok);
}

fn state() -> State {
    let root = fixtures::root_key();
    let pk = root.public_key().to_uncompressed();
    let signed = fixtures::key_set().to_signed_bytes(&root).unwrap();
    let event = serde_json::to_vec(&fixtures::small_event()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let log = CString::new(dir.path().join("entries.db").to_str().unwrap()).unwrap();
    let fresh =
        eticket_core::revocation::RevocationList::new(fixtures::EVENT, 0, fixtures::NOW, vec![])
            .unwrap()
            .to_signed_bytes(&fixtures::list_key())
            .unwrap();
    let mut s = State {
        keys: null_mut(),
        list: null_mut(),
        venue: null_mut(),
        gate: null_mut(),
        _dir: dir,
    };
    // SAFETY: every pointer is a live local of the length given.
    unsafe {
        ok(eticket_key_set_load(
            signed.as_ptr(),
            signed.len(),
            100,
            pk.as_ptr(),
            65,
            &mut s.keys,
        ));
        // A list signed at the fuzzer's time: with the empty list a venue
        // admits nothing and the admission path would go unexplored.
        ok(eticket_revocation_list_load(
            fresh.as_ptr(),
            fresh.len(),
            s.keys,
            fixtures::NOW.0,
            &mut s.list,
        ));
        ok(eticket_venue_open(
            log.as_ptr(),
            event.as_ptr(),
            event.len(),
            s.keys,
            s.list,
            null(),
            &mut s.venue,
        ));
        ok(eticket_venue_open_gate(
            s.venue,
            1,
            c"fuzz".as_ptr(),
            &mut s.gate,
        ));
    }
    s
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
}

/// A card that answers the i-th command with the i-th scripted response.
struct Script {
    answers: Vec<Vec<u8>>,
    next: usize,
}

unsafe extern "C" fn scripted(
    userdata: *mut c_void,
    _cmd: *const u8,
    _cmd_len: usize,
    resp: *mut u8,
    resp_cap: usize,
    resp_len: *mut usize,
) -> u32 {
    // SAFETY: `chip_ops` passes a live `Script` it does not touch during the call.
    let script = unsafe { &mut *userdata.cast::<Script>() };
    let Some(answer) = script.answers.get(script.next) else {
        return eticket_transmit_status::Failed as u32;
    };
    script.next += 1;
    let n = answer.len().min(resp_cap);
    // SAFETY: the library lends `resp_cap` writable bytes and a writable length.
    unsafe {
        std::ptr::copy_nonoverlapping(answer.as_ptr(), resp, n);
        *resp_len = answer.len();
    }
    eticket_transmit_status::Ok as u32
}

/// A buffer of `cap` bytes; checks the length contract of the call.

fn chip_ops(s: &State, answers: Vec<Vec<u8>>, ops: Vec<ChipOp>) {
    let mut script = Script { answers, next: 0 };
    let mut chip = null_mut();
    let ud: *mut c_void = (&raw mut script).cast();
    // SAFETY: `script` outlives the chip handle, freed at the end.
    if unsafe { eticket_chip_open_callback(Some(scripted), ud, &mut chip) } != eticket_result::Ok {
        assert!(chip.is_null());
        return;
    }
    for op in ops.into_iter().take(8) {
        // SAFETY: live handles and locals of the lengths given.
        unsafe {
            match op {
                ChipOp::Info => {
                    let mut info = std::mem::MaybeUninit::uninit();
                    let _ = eticket_chip_get_info(chip, info.as_mut_ptr());
                }
                ChipOp::List { cap } => {
                    with_buf(cap.into(), |b, c, n| eticket_chip_list_slots(chip, b, c, n))
                }
                ChipOp::Read { slot, cap } => {
                    with_buf(cap.into(), |b, c, n| eticket_chip_read(chip, slot, b, c, n))
                }
                ChipOp::Write { grant, payload } => {
                    let _ = eticket_chip_write(
                        chip,
                        grant.as_ptr(),
                        grant.len(),
                        payload.as_ptr(),
                        payload.len(),
                        null_mut(),
                    );
                }
                ChipOp::Delete { grant } => {
                    let _ = eticket_chip_delete(chip, grant.as_ptr(), grant.len(), null_mut());
                }
                ChipOp::Apply { grant, payload } => {
                    let _ = eticket_chip_apply_grant(
                        chip,
                        s.keys,
                        fixtures::NOW.0,
                        grant.as_ptr(),
                        grant.len(),
                        payload.as_ptr(),
                        payload.len(),
                        null_mut(),
                    );
                }
                ChipOp::Transfer { slot, to, cap } => with_buf(cap.into(), |b, c, n| {
                    eticket_chip_sign_transfer(
                        chip,
                        slot,
                        to.as_ptr(),
                        to.len(),
                        fixtures::NOW.0,
                        b"1234".as_ptr(),
                        4,
                        b,
                        c,
                        n,
                    )
                }),
                ChipOp::Admit => {
                    let mut o = null_mut();
                    // A chip that cannot prove itself is a refusal, never an admission.
                    ok(eticket_gate_admit_chip(
                        s.gate,
                        chip,
                        fixtures::NOW.0,
                        &mut o,
                    ));
                    let mut info = std::mem::MaybeUninit::uninit();
                    ok(eticket_outcome_get_info(o, info.as_mut_ptr()));
                    assert_ne!(info.assume_init().decision, eticket_decision::Admit as u32);
                    eticket_outcome_free(o);
                }
            }
        }
    }
    // SAFETY: opened above, freed once.
    unsafe { eticket_chip_free(chip) };
}

fuzz_target!(|case: Case| {
    STATE.with(|cell| {
        let mut cell = cell.borrow_mut();
        let s = cell.get_or_insert_with(state);
        // SAFETY: the state's handles are live; the rest are live locals.
        unsafe {
            match case {
                Case::KeySet {
                    data,
                    root,
                    root_id,
                } => {
                    let mut keys = null_mut();
                    match eticket_key_set_load(
                        data.as_ptr(),
                        data.len(),
                        root_id,
                        root.as_ptr(),
                        root.len(),
                        &mut keys,
                    ) {
                        eticket_result::Ok => eticket_key_set_free(keys),
                        _ => assert!(keys.is_null()),
                    }
                }
                Case::UpdateKeys(data) => {
                    // Only a newer set signed by the root replaces the set.
                    // In this fuzzing build the root's signature may be the
                    // fuzzing tag, and the fuzzer does make such sets; then
                    // the newer set stays for the inputs after this one, as
                    // it would at a gate. Nothing else is ever accepted.
                    if eticket_key_set_update(s.keys, data.as_ptr(), data.len())
                        == eticket_result::Ok
                    {
                        let tag = eticket_core::crypto::FUZZING_SIGNATURE;
                        assert!(
                            data.windows(tag.len()).any(|w| w == tag),
                            "a key set without the fuzzing tag replaced the set"
                        );
                    }
                }
                Case::Revocations { data, delta, now } => {
                    if delta {
                        let _ = eticket_revocation_list_apply_delta(
                            s.list,
                            data.as_ptr(),
                            data.len(),
                            s.keys,
                            now,
                        );
                    } else {
                        let mut list = null_mut();
                        match eticket_revocation_list_load(
                            data.as_ptr(),
                            data.len(),
                            s.keys,
                            now,
                            &mut list,
                        ) {
                            eticket_result::Ok => eticket_revocation_list_free(list),
                            _ => assert!(list.is_null()),
                        }
                    }
                }
                Case::EventInfo(json) => {
                    let mut venue = null_mut();
                    let path = c"/nonexistent-eticket-fuzz/entries.db";
                    let r = eticket_venue_open(
                        path.as_ptr(),
                        json.as_ptr(),
                        json.len(),
                        s.keys,
                        s.list,
                        null(),
                        &mut venue,
                    );
                    assert_ne!(r, eticket_result::Ok);
                    assert!(venue.is_null());
                }
                Case::Paper { data, exit } => {
                    let mut o = null_mut();
                    let r = if exit {
                        eticket_gate_exit_paper(
                            s.gate,
                            data.as_ptr(),
                            data.len(),
                            fixtures::NOW.0,
                            &mut o,
                        )
                    } else {
                        eticket_gate_admit_paper(
                            s.gate,
                            data.as_ptr(),
                            data.len(),
                            fixtures::NOW.0,
                            &mut o,
                        )
                    };
                    ok(r);
                    with_buf(64, |b, c, n| eticket_outcome_display(o, b.cast(), c, n));
                    with_buf(16, |b, c, n| eticket_outcome_guidance(o, b.cast(), c, n));
                    eticket_outcome_free(o);
                }
                Case::Chip { answers, ops } => chip_ops(s, answers, ops),
                Case::Payload { data, cap } => with_buf(cap.into(), |b, c, n| {
                    eticket_paper_payload(data.as_ptr(), data.len(), b.cast(), c, n)
                }),
                Case::Error { code, cap } => {
                    with_buf(cap.into(), |b, c, n| eticket_error(code, b.cast(), c, n));
                    with_buf(cap.into(), |b, c, n| {
                        eticket_reason_text(code as u16, b.cast(), c, n)
                    });
                }
            }
        }
    });
});
