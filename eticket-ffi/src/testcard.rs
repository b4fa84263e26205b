//! A chip for tests and demonstrations without a reader: the chip applet of
//! `eticket-chip` running in this library, its state in a file (the same
//! file format `eticket-vcard` serves through pcscd). Its transmit function
//! has the `eticket_transmit_fn` signature, so a C program can route its
//! transport callback to it exactly as it would to a reader driver.
//!
//! Not for production: a real chip keeps its key in hardware.

use std::ffi::{c_char, c_void};

use ::eticket_chip::applet::{Applet, FileStore};
use ::eticket_chip::host::{InProcessCard, Transport};

use crate::ffi::{BoxHandle, Out, OutBuf, bytes, string};
use crate::panic::{boundary, boundary_void};
use crate::result::eticket_result;

/// An in-process test card over a state file.
///
/// Thread safety: use from one thread at a time.
pub struct eticket_test_card {
    _private: [u8; 0],
}

// SAFETY: eticket_test_card is a zero-sized marker never created in Rust.
unsafe impl BoxHandle for eticket_test_card {
    type Inner = InProcessCard<FileStore>;
}

/// Open the test card whose state is in `state_path` (written by
/// `eticket-vcard` or the test data generator); every accepted write or
/// delete replaces the file atomically. A missing file is
/// `ETICKET_RESULT_IO`.
///
/// On success free `*out` with `eticket_test_card_free`.
///
/// # Safety
///
/// `state_path` is a NUL-terminated string; `out` is writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_test_card_open(
    state_path: *const c_char,
    out: *mut *mut eticket_test_card,
) -> eticket_result {
    boundary(|| {
        let out = Out::new(out)?;
        // SAFETY: NUL-terminated by the caller's contract.
        let path = unsafe { string(state_path)? };
        let store = FileStore::new(path);
        let state = store.load()?.ok_or(eticket_result::Io)?;
        let card = InProcessCard::new(Applet::with_state(state, store));
        // SAFETY: writable by the caller's contract.
        unsafe { out.write(eticket_test_card::into_raw(card)) };
        Ok(())
    })
}

/// Make a blank test card (a fresh key from the system's random source,
/// not personalized, 8 slots) with its state in `state_path`, which must not
/// exist yet (`ETICKET_RESULT_IO` otherwise). Open it with
/// `eticket_test_card_open`.
///
/// # Safety
///
/// `state_path` is a NUL-terminated string.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_test_card_create(state_path: *const c_char) -> eticket_result {
    boundary(|| {
        // SAFETY: NUL-terminated by the caller's contract.
        let path = unsafe { string(state_path)? };
        if std::path::Path::new(path).exists() {
            return Err(eticket_result::Io);
        }
        let state = ::eticket_chip::applet::ChipState::new(
            eticket_core::crypto::SecretKey::generate(&mut rand_core::OsRng),
            ::eticket_chip::protocol::DEFAULT_CAPACITY,
        )?;
        ::eticket_chip::applet::Store::commit(&mut FileStore::new(path), &state)?;
        Ok(())
    })
}

/// Process one command APDU on the test card given as `userdata` (an
/// `eticket_test_card *`); the signature of `eticket_transmit_fn`. Returns
/// `ETICKET_TRANSMIT_STATUS_OK`, or `..._FAILED` for NULL pointers and a
/// response that does not fit `resp_cap`.
///
/// # Safety
///
/// `userdata` is a live `eticket_test_card *` used by no other thread;
/// `(cmd, cmd_len)` readable; `resp` has `resp_cap` writable bytes;
/// `resp_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_test_card_transmit(
    userdata: *mut c_void,
    cmd: *const u8,
    cmd_len: usize,
    resp: *mut u8,
    resp_cap: usize,
    resp_len: *mut usize,
) -> u32 {
    let result = boundary(|| {
        let out = OutBuf::new(resp, resp_cap, resp_len)?;
        // SAFETY: the caller's contract covers every pointer.
        let (card, cmd) = unsafe {
            (
                eticket_test_card::as_mut(userdata.cast())?,
                bytes(cmd, cmd_len)?,
            )
        };
        let response = card
            .transmit(cmd)
            .map_err(|_| eticket_result::TransportFailed)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&response) }
    });
    match result {
        eticket_result::Ok => crate::chip::eticket_transmit_status::Ok as u32,
        _ => crate::chip::eticket_transmit_status::Failed as u32,
    }
}

/// Free a test card; NULL is ignored. Its state file stays.
///
/// # Safety
///
/// `card` is NULL or a live handle, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_test_card_free(card: *mut eticket_test_card) {
    // SAFETY: NULL or a live handle freed once, by the caller's contract.
    boundary_void(|| unsafe { eticket_test_card::free(card) });
}
