//! The venue unit's entry log on its way to the center: the unit's own key
//! (registered with its credential at the center), the pending scans as a
//! batch signed with that key (the body of `POST /v1/events/{event}/entries`
//! with the unit's credential), and the confirmation once the center stored
//! it.

use std::ffi::c_char;

use ::eticket_gate::signed_batch::peek_signed_batch;

use crate::ffi::{BoxHandle, OutBuf, bytes, string};
use crate::panic::boundary;
use crate::result::eticket_result;
use crate::venue::eticket_venue;

/// The venue unit's public key, 65 bytes (uncompressed SEC1), into `buf`:
/// register it with the center with the unit's credential (`eticket
/// credential --role unit --id EVENT --unit NAME --unit-key HEX`). The key
/// is made on first use and kept in the entry log, so every gate server on
/// the same log is the same unit.
///
/// # Safety
///
/// `venue` is a live handle; `buf` has `buf_len` writable bytes (or is NULL
/// with 0); `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_unit_public_key(
    venue: *const eticket_venue,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: a live handle by the caller's contract.
        let unit = unsafe { eticket_venue::as_ref(venue)? };
        let key = unit.public_key()?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&key) }
    })
}

/// The scans not yet confirmed by the center (at most `limit`), as a batch
/// signed with the unit's key, into `buf` (at most
/// `ETICKET_MAX_SIGNED_BATCH_LEN` bytes; with no pending scan, a batch of
/// none, which need not be sent). Send it to `POST /v1/events/{event}/entries` with the unit's
/// credential and an `Idempotency-Key`; once the center answered 200, call
/// `eticket_venue_confirm_upload` with the same bytes. `unit_name` is the
/// name the unit was registered under (1 to 64 bytes, else
/// `ETICKET_RESULT_INVALID_PARAMETER`).
///
/// # Safety
///
/// `venue` is a live handle; `unit_name` a NUL-terminated string; `buf` has
/// `buf_len` writable bytes (or is NULL with 0); `out_len` writable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_signed_upload(
    venue: *const eticket_venue,
    unit_name: *const c_char,
    limit: u32,
    buf: *mut u8,
    buf_len: usize,
    out_len: *mut usize,
) -> eticket_result {
    boundary(|| {
        let out = OutBuf::new(buf, buf_len, out_len)?;
        // SAFETY: the caller's contract covers both pointers.
        let (unit, name) = unsafe { (eticket_venue::as_ref(venue)?, string(unit_name)?) };
        if name.is_empty() || name.len() > 64 {
            return Err(eticket_result::InvalidParameter);
        }
        let limit = usize::try_from(limit).map_err(|_| eticket_result::InvalidParameter)?;
        let (_, signed) = unit.signed_upload(name, limit)?;
        // SAFETY: the buffer contract is the caller's.
        unsafe { out.write(&signed) }
    })
}

/// The center stored the signed batch `(signed, len)` (what
/// `eticket_venue_signed_upload` gave): its scans are no longer pending.
///
/// # Safety
///
/// `venue` is a live handle; `(signed, len)` readable.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn eticket_venue_confirm_upload(
    venue: *const eticket_venue,
    signed: *const u8,
    len: usize,
) -> eticket_result {
    boundary(|| {
        // SAFETY: the caller's contract covers both pointers.
        let (unit, bytes) = unsafe { (eticket_venue::as_ref(venue)?, bytes(signed, len)?) };
        let batch = peek_signed_batch(bytes)?;
        unit.confirm_upload(&batch)?;
        Ok(())
    })
}
